// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus wire protocol core: CRC-32C, header packing, status encoding, the
 * master frame sequencer and the slave state machine.
 *
 * Portable code: besides crc32c and memcpy()/memset() in the kernel
 * build it uses nothing from its environment, never allocates, never
 * recurses and every loop is bounded by a length checked against a buffer.
 * Bytes from the wire never index a buffer without a bound check: the
 * other end is not trusted. See docs/protocol.md.
 */
#include "pbus_proto.h"

#ifdef __KERNEL__
#include <linux/string.h>
#include <pbus_compat.h>
#else
#include <string.h>
#endif

#define PBUS_POS_MAX	0xffffffffu

/* ---------------------------------------------------------------------------
 * CRC-32C (Castagnoli), reflected, init/xorout 0xffffffff, appended
 * little-endian. The one place that picks the implementation.
 */
#ifdef __KERNEL__
u32 pbus_crc32c(u32 crc, const u8 *buf, size_t len)
{
	return pbus_compat_crc32c(crc, buf, len);
}
#else
static const u32 pbus_crc_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

u32 pbus_crc32c(u32 crc, const u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		crc = (crc >> 8) ^ pbus_crc_table[(crc ^ buf[i]) & 0xff];
	return crc;
}
#endif

static void pbus_put_le32(u32 v, u8 *out)
{
	out[0] = (u8)v;
	out[1] = (u8)(v >> 8);
	out[2] = (u8)(v >> 16);
	out[3] = (u8)(v >> 24);
}

static u32 pbus_get_le32(const u8 *in)
{
	return (u32)in[0] | (u32)in[1] << 8 | (u32)in[2] << 16 |
	       (u32)in[3] << 24;
}

/* CRC-8, poly 0x07, MSB first: 9 bytes per frame, bitwise is enough. */
static u8 pbus_crc8(u8 crc, const u8 *buf, size_t len)
{
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (b = 0; b < 8; b++)
			crc = (u8)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
	}
	return crc;
}

u8 pbus_ack_check(const u8 hdr[PBUS_HDR_LEN], u8 status)
{
	return pbus_crc8(pbus_read_check(hdr), &status, 1);
}

u8 pbus_read_check(const u8 hdr[PBUS_HDR_LEN])
{
	return pbus_crc8(PBUS_ACK_INIT, hdr, PBUS_HDR_LEN);
}

/* CRC-32C of a read answer without payload: header, then the status. */
static u32 pbus_read_err_crc(const u8 hdr[PBUS_HDR_LEN], u8 status)
{
	u32 crc = pbus_crc32c(PBUS_CRC_INIT, hdr, PBUS_HDR_LEN);

	return pbus_crc_final(pbus_crc32c(crc, &status, 1));
}

/* ---------------------------------------------------------------------------
 * Status byte and header.
 */
int pbus_status_decode(u8 byte)
{
	u8 code = byte & 0xf;

	if (PBUS_STATUS_ENCODE(code) != byte)
		return -1;
	return code;
}

int pbus_status_to_xr(int code)
{
	switch (code) {
	case PBUS_ST_OK:
		return PBUS_XR_OK;
	case PBUS_ST_CRC:
		return PBUS_XR_CRC;
	case PBUS_ST_ADDR:
		return PBUS_XR_ADDR;
	case PBUS_ST_LEN:
		return PBUS_XR_LEN;
	case PBUS_ST_BUSY:
		return PBUS_XR_BUSY;
	case PBUS_ST_RO:
		return PBUS_XR_RO;
	case PBUS_ST_RESET:
		return PBUS_XR_RESET;
	default:
		/* FRAME, IDLE, unknown codes, garbled byte (-1). */
		return PBUS_XR_STATUS;
	}
}

int pbus_ack_decode(const u8 hdr[PBUS_HDR_LEN], const u8 ack[PBUS_ACK_LEN])
{
	int code = pbus_status_decode(ack[0]);

	if (code < 0 || ack[1] != pbus_ack_check(hdr, ack[0]))
		return PBUS_XR_STATUS;
	return pbus_status_to_xr(code);
}

int pbus_read_err_decode(const u8 hdr[PBUS_HDR_LEN],
			 const u8 ans[PBUS_RD_ERR_LEN])
{
	int code = pbus_status_decode(ans[0]);

	/* OK comes with a payload: without one it is no answer of ours. */
	if (code <= PBUS_ST_OK ||
	    pbus_get_le32(ans + 1) != pbus_read_err_crc(hdr, ans[0]))
		return PBUS_XR_STATUS;
	return pbus_status_to_xr(code);
}

void pbus_hdr_pack(const struct pbus_hdr *h, u8 out[PBUS_HDR_LEN])
{
	out[0] = h->cmd;
	out[1] = h->tag;
	out[2] = (u8)h->addr;
	out[3] = (u8)(h->addr >> 8);
	out[4] = (u8)(h->addr >> 16);
	out[5] = (u8)(h->addr >> 24);
	out[6] = (u8)h->len;
	out[7] = (u8)(h->len >> 8);
}

int pbus_hdr_unpack(const u8 in[PBUS_HDR_LEN], struct pbus_hdr *h)
{
	h->cmd = in[0];
	h->tag = in[1];
	h->addr = (u32)in[2] | (u32)in[3] << 8 | (u32)in[4] << 16 |
		  (u32)in[5] << 24;
	h->len = (u16)(in[6] | in[7] << 8);
	if (h->cmd != PBUS_CMD_WRITE && h->cmd != PBUS_CMD_READ &&
	    h->cmd != PBUS_CMD_WRITE_RETRY)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Master side.
 */

/*
 * Give the bus back after turn_read(); a failure there makes the frame fail.
 * After a link failure the slave is not answering strobes: another
 * handshake would only wait out one more timeout, and the caller's resync
 * gives the bus back anyway.
 */
static int pbus_master_turn_write(const struct pbus_link_ops *ops, void *ctx,
				  int r)
{
	if (r == PBUS_XR_LINK)
		return r;
	if (ops->turn_write(ctx) < 0)
		return PBUS_XR_LINK;
	return r;
}

int pbus_master_write(const struct pbus_link_ops *ops, void *ctx, u8 tag,
		      u32 addr, const u8 *buf, u16 len, bool retry, u32 epoch)
{
	struct pbus_hdr h = {
		.cmd = retry ? PBUS_CMD_WRITE_RETRY : PBUS_CMD_WRITE,
		.tag = tag,
		.addr = addr,
		.len = len,
	};
	size_t hlen = PBUS_HDR_LEN;
	u8 hdr[PBUS_HDR_MAX];
	u8 crcb[PBUS_CRC_LEN];
	u8 ack[PBUS_ACK_LEN];
	u32 crc;
	int r;

	if (!len || !buf)
		return PBUS_XR_LEN;

	pbus_hdr_pack(&h, hdr);
	if (retry) {
		pbus_put_le32(epoch, hdr + PBUS_HDR_LEN);
		hlen += PBUS_EPOCH_LEN;
	}
	crc = pbus_crc32c(PBUS_CRC_INIT, hdr, hlen);
	crc = pbus_crc_final(pbus_crc32c(crc, buf, len));
	pbus_put_le32(crc, crcb);

	/*
	 * Until the last byte is strobed the remote cannot hold the whole
	 * frame (an inserted byte makes it complete early, with a CRC that
	 * fails): a failure before it leaves nothing in doubt.
	 */
	if (ops->put(ctx, hdr, hlen) < 0 ||
	    ops->put(ctx, buf, len) < 0 ||
	    ops->put(ctx, crcb, sizeof(crcb) - 1) < 0)
		return PBUS_XR_LINK_EARLY;
	if (ops->put(ctx, crcb + sizeof(crcb) - 1, 1) < 0)
		return PBUS_XR_LINK;

	if (ops->turn_read(ctx) < 0)
		r = PBUS_XR_LINK;
	else if (ops->get(ctx, ack, sizeof(ack)) < 0)
		r = PBUS_XR_LINK;
	else
		r = pbus_ack_decode(hdr, ack);

	return pbus_master_turn_write(ops, ctx, r);
}

int pbus_master_read(const struct pbus_link_ops *ops, void *ctx, u8 tag,
		     u32 addr, u8 *buf, u16 len, u8 *scratch)
{
	struct pbus_hdr h = {
		.cmd = PBUS_CMD_READ,
		.tag = tag,
		.addr = addr,
		.len = len,
	};
	u8 req[PBUS_HDR_LEN + PBUS_RD_CHECK_LEN];
	size_t n = (size_t)len + 1;	/* status + payload */
	u32 crc;
	int r;

	if (!len || !buf || !scratch)
		return PBUS_XR_LEN;

	pbus_hdr_pack(&h, req);
	req[PBUS_HDR_LEN] = pbus_read_check(req);

	if (ops->put(ctx, req, sizeof(req)) < 0)
		return PBUS_XR_LINK;

	if (ops->turn_read(ctx) < 0) {
		r = PBUS_XR_LINK;
	} else if (ops->get(ctx, scratch, 1) < 0) {
		r = PBUS_XR_LINK;
	} else if (pbus_status_decode(scratch[0]) != PBUS_ST_OK) {
		/* A final error is trusted only under its CRC-32C. */
		if (ops->get(ctx, scratch + 1, PBUS_CRC_LEN) < 0)
			r = PBUS_XR_LINK;
		else
			r = pbus_read_err_decode(req, scratch);
	} else if (ops->get(ctx, scratch + 1, (size_t)len + PBUS_CRC_LEN) < 0) {
		r = PBUS_XR_LINK;
	} else {
		/* The answer's CRC starts with the request: it answers this header. */
		crc = pbus_crc32c(PBUS_CRC_INIT, req, PBUS_HDR_LEN);
		crc = pbus_crc32c(crc, scratch, n);
		r = pbus_crc_final(crc) == pbus_get_le32(scratch + n) ?
		    PBUS_XR_OK : PBUS_XR_CRC;
	}

	r = pbus_master_turn_write(ops, ctx, r);
	if (r == PBUS_XR_OK)
		memcpy(buf, scratch + 1, len);
	return r;
}

int pbus_master_abort(const struct pbus_link_ops *ops, void *ctx, u8 *status)
{
	u8 st = 0;
	int r = PBUS_XR_OK;

	if (ops->turn_read(ctx) < 0 || ops->get(ctx, &st, 1) < 0)
		r = PBUS_XR_LINK;
	r = pbus_master_turn_write(ops, ctx, r);
	if (status)
		*status = st;
	return r;
}

/* ---------------------------------------------------------------------------
 * Slave side.
 */

/*
 * Queue the answer @code for the frame in hdr: [status][CRC-32C] to a
 * read, [status][check] to anything else (a write, a frame too short to
 * tell, an abort).
 */
static void pbus_slave_answer(struct pbus_slave_sm *sm, int code)
{
	u8 st = PBUS_STATUS_ENCODE(code);

	sm->ans[0] = st;
	if (sm->hdr[0] == PBUS_CMD_READ) {
		pbus_put_le32(pbus_read_err_crc(sm->hdr, st), sm->ans + 1);
		sm->tx_len = PBUS_RD_ERR_LEN;
	} else {
		sm->ans[1] = pbus_ack_check(sm->hdr, st);
		sm->tx_len = PBUS_ACK_LEN;
	}
	sm->tx_buf = false;
}

/* Frame judged: answer at the next RW=1 strobe, swallow bytes until then. */
static void pbus_slave_sink(struct pbus_slave_sm *sm, int code)
{
	pbus_slave_answer(sm, code);
	sm->sink_check = false;
	sm->state = PBUS_SS_SINK;
}

static int pbus_slave_backend_code(int code)
{
	if (code < PBUS_ST_OK || code > PBUS_ST_IDLE)
		return PBUS_ST_BUSY;
	return code;
}

void pbus_slave_reset(struct pbus_slave_sm *sm)
{
	if (sm->state == PBUS_SS_HDR || sm->state == PBUS_SS_PAYLOAD ||
	    sm->state == PBUS_SS_CRC)
		sm->cnt.aborts++;
	sm->state = PBUS_SS_IDLE;
	sm->pos = 0;
	sm->crc = PBUS_CRC_INIT;
	sm->rx_crc = 0;
	memset(sm->hdr, 0, sizeof(sm->hdr));
	pbus_slave_answer(sm, PBUS_ST_IDLE);
	sm->sink_check = false;
	sm->sink_expect = 0;
	sm->tx_len = 0;
	memset(&sm->h, 0, sizeof(sm->h));
}

/* Forget the duplicate memory: it belonged to the epoch that ended. */
static void pbus_slave_new_epoch(struct pbus_slave_sm *sm, u32 epoch)
{
	pbus_slave_reset(sm);
	sm->epoch = epoch;
	sm->fresh = true;
	sm->last_valid = false;
	sm->last_tag = 0;
	sm->last_crc = 0;
}

void pbus_slave_restart(struct pbus_slave_sm *sm)
{
	u32 e = sm->epoch;

	/*
	 * xorshift32: a permutation of the non-zero values with one cycle
	 * of 2^32 - 1, so never 0 and no repeat before that many restarts.
	 */
	e ^= e << 13;
	e ^= e >> 17;
	e ^= e << 5;
	pbus_slave_new_epoch(sm, e);
}

void pbus_slave_init(struct pbus_slave_sm *sm,
		     const struct pbus_slave_backend *be, void *be_ctx,
		     u8 *buf, u16 max_payload, u32 seed)
{
	memset(sm, 0, sizeof(*sm));
	sm->be = be;
	sm->be_ctx = be_ctx;
	sm->buf = buf;
	if (!buf)
		max_payload = 0;	/* every frame answers PBUS_ST_LEN */
	if (max_payload > PBUS_MAX_PAYLOAD)
		max_payload = PBUS_MAX_PAYLOAD;
	sm->max_payload = max_payload;
	pbus_slave_new_epoch(sm, seed ? seed : 0x9e3779b9u);
}

bool pbus_slave_busy(const struct pbus_slave_sm *sm)
{
	return sm->state != PBUS_SS_IDLE;
}

static bool pbus_slave_is_write(const struct pbus_slave_sm *sm)
{
	return sm->h.cmd == PBUS_CMD_WRITE || sm->h.cmd == PBUS_CMD_WRITE_RETRY;
}

static bool pbus_slave_is_retry(const struct pbus_slave_sm *sm)
{
	return sm->h.cmd == PBUS_CMD_WRITE_RETRY;
}

/* Header bytes of the frame in sm->h: a retry's carries the epoch. */
static u32 pbus_slave_hdr_len(const struct pbus_slave_sm *sm)
{
	return PBUS_HDR_LEN + (pbus_slave_is_retry(sm) ? PBUS_EPOCH_LEN : 0);
}

/* Check bytes at the end of the frame: CRC-32C, a read's CRC-8. */
static u32 pbus_slave_check_len(const struct pbus_slave_sm *sm)
{
	return pbus_slave_is_write(sm) ? PBUS_CRC_LEN : PBUS_RD_CHECK_LEN;
}

/* Payload bytes of the frame in sm->h (a read's come back). */
static u32 pbus_slave_payload_len(const struct pbus_slave_sm *sm)
{
	return pbus_slave_is_write(sm) ? sm->h.len : 0;
}

static bool pbus_slave_len_ok(const struct pbus_slave_sm *sm)
{
	return sm->h.len && sm->h.len <= sm->max_payload;
}

static void pbus_slave_hdr_done(struct pbus_slave_sm *sm)
{
	u32 hlen = pbus_slave_hdr_len(sm);

	sm->rx_crc = 0;
	if (!pbus_slave_is_write(sm)) {
		/* A read is judged once its check byte is in. */
		sm->state = PBUS_SS_CRC;
		return;
	}
	if (!pbus_slave_len_ok(sm)) {
		/*
		 * Judged LEN, but only answered LEN if the whole frame
		 * turns out to be intact: a flipped length bit must give a
		 * retryable CRC error, not a final LEN one.
		 */
		pbus_slave_sink(sm, PBUS_ST_LEN);
		sm->sink_check = true;
		sm->sink_expect = hlen + sm->h.len + PBUS_CRC_LEN;
		sm->crc = pbus_crc32c(PBUS_CRC_INIT, sm->hdr, hlen);
		return;
	}
	sm->state = PBUS_SS_PAYLOAD;
}

/*
 * CRC-32C of the write frame in hdr/buf; @as_plain: of the plain write
 * (cmd PBUS_CMD_WRITE, no epoch) that a retry repeats.
 */
static u32 pbus_slave_frame_crc(const struct pbus_slave_sm *sm, bool as_plain)
{
	u8 cmd = as_plain ? PBUS_CMD_WRITE : sm->hdr[0];
	u32 hlen = as_plain ? PBUS_HDR_LEN : pbus_slave_hdr_len(sm);
	u32 crc = pbus_crc32c(PBUS_CRC_INIT, &cmd, 1);

	crc = pbus_crc32c(crc, sm->hdr + 1, hlen - 1);
	crc = pbus_crc32c(crc, sm->buf, sm->h.len);
	return pbus_crc_final(crc);
}

static void pbus_slave_exec_write(struct pbus_slave_sm *sm)
{
	const struct pbus_slave_backend *be = sm->be;
	u32 key = sm->rx_crc;
	int code;

	/* A retry is the same write: remembered by its plain-write CRC. */
	if (pbus_slave_is_retry(sm))
		key = pbus_slave_frame_crc(sm, true);
	if (sm->last_valid && sm->last_tag == sm->h.tag &&
	    sm->last_crc == key) {
		/*
		 * Retry of the write executed last. The memory is of this
		 * epoch only (a restart clears it): acknowledge, whatever
		 * epoch the host thought the original went out in.
		 */
		sm->cnt.dup_writes++;
		pbus_slave_sink(sm, PBUS_ST_OK);
		return;
	}
	if (pbus_slave_is_retry(sm) && sm->fresh &&
	    pbus_get_le32(sm->hdr + PBUS_HDR_LEN) != sm->epoch) {
		/*
		 * Restarted since the host learned the epoch the original
		 * went out in, and no write ran since: the original may have
		 * run before the restart, and the memory that knew is gone.
		 * Never run it; the host tells its caller. (A write run in
		 * this epoch was the host's frame before this one: then the
		 * restart came before the original, and the memory knows.)
		 */
		sm->cnt.reset_refused++;
		pbus_slave_sink(sm, PBUS_ST_RESET);
		return;
	}
	if (be && be->write)
		code = be->write(sm->be_ctx, sm->h.addr, sm->buf, sm->h.len);
	else
		code = PBUS_ST_RO;
	code = pbus_slave_backend_code(code);
	sm->cnt.frames++;
	sm->fresh = false;
	/* Only a write that took effect may be acknowledged again. */
	sm->last_valid = code == PBUS_ST_OK;
	sm->last_tag = sm->h.tag;
	sm->last_crc = key;
	pbus_slave_sink(sm, code);
}

/* Reads have no side effects: they leave the duplicate memory alone. */
static void pbus_slave_exec_read(struct pbus_slave_sm *sm)
{
	const struct pbus_slave_backend *be = sm->be;
	u32 len = sm->h.len;	/* 1..max_payload, checked in hdr_done */
	u32 crc;
	int code;

	if (be && be->read)
		code = be->read(sm->be_ctx, sm->h.addr, sm->buf + 1, sm->h.len);
	else
		code = PBUS_ST_ADDR;
	code = pbus_slave_backend_code(code);
	sm->cnt.frames++;
	pbus_slave_sink(sm, code);
	if (code != PBUS_ST_OK)
		return;
	/* tx = [status][payload][CRC-32C over header + status + payload] */
	sm->buf[0] = sm->ans[0];
	crc = pbus_crc32c(PBUS_CRC_INIT, sm->hdr, PBUS_HDR_LEN);
	crc = pbus_crc32c(crc, sm->buf, len + 1);
	pbus_put_le32(pbus_crc_final(crc), sm->buf + 1 + len);
	sm->tx_len = len + 1 + PBUS_CRC_LEN;
	sm->tx_buf = true;
}

static void pbus_slave_frame_done(struct pbus_slave_sm *sm)
{
	bool wr = pbus_slave_is_write(sm);

	if (wr ? sm->rx_crc != pbus_slave_frame_crc(sm, false) :
		 sm->rx_crc != pbus_read_check(sm->hdr)) {
		sm->cnt.crc_errors++;
		pbus_slave_sink(sm, PBUS_ST_CRC);
		return;
	}
	if (wr) {
		pbus_slave_exec_write(sm);
	} else if (!pbus_slave_len_ok(sm)) {
		/* The answer's CRC-32C tells the host which header was judged. */
		sm->cnt.frame_errors++;
		pbus_slave_sink(sm, PBUS_ST_LEN);
	} else {
		pbus_slave_exec_read(sm);
	}
}

/* One byte latched on an RW=0 strobe. */
static void pbus_slave_rx(struct pbus_slave_sm *sm, u8 in)
{
	u32 i;

	switch (sm->state) {
	case PBUS_SS_IDLE:
		memset(sm->hdr, 0, sizeof(sm->hdr));
		if ((in & PBUS_CMD_MAGIC_MASK) != PBUS_CMD_MAGIC) {
			sm->cnt.frame_errors++;
			sm->pos = 1;
			pbus_slave_sink(sm, PBUS_ST_FRAME);
			return;
		}
		sm->hdr[0] = in;
		sm->pos = 1;
		sm->state = PBUS_SS_HDR;
		return;
	case PBUS_SS_HDR:
		if (sm->pos >= PBUS_HDR_MAX)
			break;
		sm->hdr[sm->pos++] = in;
		if (sm->pos == PBUS_HDR_LEN) {
			if (pbus_hdr_unpack(sm->hdr, &sm->h) < 0) {
				sm->cnt.frame_errors++;
				pbus_slave_sink(sm, PBUS_ST_FRAME);
				return;
			}
		}
		/* sm->h is valid from PBUS_HDR_LEN bytes on. */
		if (sm->pos >= PBUS_HDR_LEN && sm->pos == pbus_slave_hdr_len(sm))
			pbus_slave_hdr_done(sm);
		return;
	case PBUS_SS_PAYLOAD:
		i = sm->pos - pbus_slave_hdr_len(sm);
		if (sm->pos < pbus_slave_hdr_len(sm) || i >= sm->h.len ||
		    i >= sm->max_payload || !sm->buf)
			break;
		sm->buf[i] = in;
		sm->pos++;
		if (i + 1 == sm->h.len)
			sm->state = PBUS_SS_CRC;
		return;
	case PBUS_SS_CRC:
		i = sm->pos - pbus_slave_hdr_len(sm) - pbus_slave_payload_len(sm);
		if (i >= pbus_slave_check_len(sm))
			break;
		sm->rx_crc |= (u32)in << (8 * i);
		sm->pos++;
		if (i + 1 == pbus_slave_check_len(sm))
			pbus_slave_frame_done(sm);
		return;
	case PBUS_SS_SINK:
		if (sm->pos < PBUS_POS_MAX)
			sm->pos++;
		if (sm->sink_check)
			sm->crc = pbus_crc32c(sm->crc, &in, 1);
		return;
	default:
		break;
	}
	/* Inconsistent state (cannot happen): drop the frame. */
	sm->cnt.frame_errors++;
	pbus_slave_sink(sm, PBUS_ST_FRAME);
}

/* First RW=1 strobe: decide what the status byte is. */
static void pbus_slave_start_tx(struct pbus_slave_sm *sm)
{
	switch (sm->state) {
	case PBUS_SS_IDLE:
		/* Abort/resync with nothing in flight: duplicate memory stays. */
		pbus_slave_sink(sm, PBUS_ST_IDLE);
		break;
	case PBUS_SS_SINK:
		if (!sm->sink_check)
			break;
		/* Data + its CRC leave the CRC register at the residue. */
		if (sm->crc != PBUS_CRC_RESIDUE || sm->pos != sm->sink_expect) {
			sm->cnt.crc_errors++;
			pbus_slave_sink(sm, PBUS_ST_CRC);
		} else {
			sm->cnt.frame_errors++;
		}
		break;
	default:
		/* HDR, PAYLOAD, CRC: frame cut short. */
		sm->cnt.aborts++;
		pbus_slave_sink(sm, PBUS_ST_FRAME);
		break;
	}
	sm->sink_check = false;
	sm->pos = 0;
	sm->state = PBUS_SS_TX;
}

enum pbus_slave_action pbus_slave_strobe(struct pbus_slave_sm *sm,
					 bool rw_read, u8 in, u8 *out)
{
	u8 b;

	if (!rw_read) {
		if (sm->state == PBUS_SS_TX) {
			/* Turnaround back to host writes: not latched. */
			sm->state = PBUS_SS_IDLE;
			sm->pos = 0;
			return PBUS_SA_RELEASE;
		}
		pbus_slave_rx(sm, in);
		return PBUS_SA_ACK;
	}

	if (sm->state != PBUS_SS_TX)
		pbus_slave_start_tx(sm);

	if (sm->pos >= sm->tx_len)
		b = PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	else if (!sm->tx_buf)
		b = sm->pos < sizeof(sm->ans) ? sm->ans[sm->pos] :
			PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	else if (sm->buf &&
		 sm->pos < (u32)sm->max_payload + 1 + PBUS_CRC_LEN)
		b = sm->buf[sm->pos];
	else
		b = PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	if (sm->pos < sm->tx_len)
		sm->pos++;
	if (out)
		*out = b;
	return PBUS_SA_DRIVE;
}

/* ---------------------------------------------------------------------------
 * Master side, whole transfers.
 */
static void pbus_xfer_retried(const struct pbus_xfer_ops *ops, void *ctx,
			      u32 attempt, int r)
{
	if (ops->retried)
		ops->retried(ctx, attempt, r);
}

/* Noisy link: shorter frames fail less often. */
static void pbus_xfer_shrink(struct pbus_xfer_state *st)
{
	st->cur_payload /= 2;
	if (st->cur_payload < PBUS_MIN_PAYLOAD)
		st->cur_payload = PBUS_MIN_PAYLOAD;
}

static int pbus_xfer_checkpoint(const struct pbus_xfer_ops *ops, void *ctx,
				int r)
{
	return ops->checkpoint ? ops->checkpoint(ctx, r) : 0;
}

int pbus_xfer_run(const struct pbus_xfer_ops *ops, void *ctx,
		  struct pbus_xfer_state *st, bool write, u32 addr, u8 *buf,
		  size_t len, bool *in_doubt)
{
	u32 attempt = 0, epoch = 0;
	bool doubt = false;
	u16 n = 0;
	int r, c;

	if (in_doubt)
		*in_doubt = false;
	if (!st->link_up && ops->link_up(ctx))
		return PBUS_XR_NOTCONN;

	while (len) {
		/* A resync that failed used up an attempt; try it again. */
		if (!st->link_up) {
			if (attempt >= st->retries) {
				r = PBUS_XR_NOTCONN;
				goto fail;
			}
			c = pbus_xfer_checkpoint(ops, ctx, PBUS_XR_NOTCONN);
			if (c) {
				r = c;
				goto fail;
			}
			attempt++;
			pbus_xfer_retried(ops, ctx, attempt, 0);
			if (ops->link_up(ctx))
				continue;
		}
		/*
		 * A write in doubt keeps its length (the retry is the same
		 * frame) and the epoch the remote had when the attempt that
		 * may have run went out: a link-up meanwhile may learn a new
		 * one, and the remote must judge the retry by the old.
		 */
		if (!doubt) {
			n = len < st->cur_payload ? len : st->cur_payload;
			epoch = st->epoch;
		}
		r = ops->frame(ctx, write, st->tag, addr, buf, n, doubt, epoch);
		if (r == PBUS_XR_OK) {
			if (write)
				st->tag++;
			addr += n;
			buf += n;
			len -= n;
			attempt = 0;
			doubt = false;
			if (++st->clean_frames >= PBUS_CLEAN_TO_GROW &&
			    st->cur_payload < st->max_payload) {
				st->cur_payload *= 2;
				if (st->cur_payload > st->max_payload)
					st->cur_payload = st->max_payload;
				st->clean_frames = 0;
			}
			/* Nothing in doubt here: the caller may share the wire. */
			if (len) {
				c = pbus_xfer_checkpoint(ops, ctx, PBUS_XR_OK);
				if (c)
					return c;
				/* Taken down meanwhile: as at the start. */
				if (!st->link_up && ops->link_up(ctx))
					return PBUS_XR_NOTCONN;
			}
			continue;
		}
		if (write && pbus_write_in_doubt(r))
			doubt = true;
		if (!pbus_xfer_retryable(r) || attempt >= st->retries) {
			if (r == PBUS_XR_RESET)
				st->link_up = false;
			goto fail;
		}
		c = pbus_xfer_checkpoint(ops, ctx, r);
		if (c) {
			/* Given up before its resync: the next user resyncs. */
			if (r == PBUS_XR_LINK || r == PBUS_XR_LINK_EARLY)
				st->link_up = false;
			r = c;
			goto fail;
		}
		attempt++;
		st->clean_frames = 0;
		pbus_xfer_retried(ops, ctx, attempt, r);

		switch (r) {
		case PBUS_XR_LINK:
		case PBUS_XR_LINK_EARLY:
			/*
			 * On failure link_up is false: the loop retries it.
			 * The resync reads MAGIC, which leaves the remote's
			 * duplicate memory alone.
			 */
			ops->resync(ctx);
			/* A frame not in doubt may shrink, as for CRC. */
			if (!doubt)
				pbus_xfer_shrink(st);
			break;
		case PBUS_XR_CRC:
			pbus_xfer_shrink(st);
			break;
		case PBUS_XR_BUSY:
			if (ops->backoff)
				ops->backoff(ctx);
			break;
		default:
			break;
		}
	}
	return PBUS_XR_OK;

fail:
	/* The frame is done with: its tag is never used again. */
	if (write)
		st->tag++;
	if (in_doubt)
		*in_doubt = doubt;
	return r;
}
