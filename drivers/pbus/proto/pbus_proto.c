// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus wire protocol core: CRC-16, header packing, status encoding, the
 * master frame sequencer and the slave state machine.
 *
 * Portable code: besides crc_itu_t() and memcpy()/memset() in the kernel
 * build it uses nothing from its environment, never allocates, never
 * recurses and every loop is bounded by a length checked against a buffer.
 * Bytes from the wire never index a buffer without a bound check: the
 * other end is not trusted. See docs/protocol.md.
 */
#include "pbus_proto.h"

#ifdef __KERNEL__
#include <linux/crc-itu-t.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

#define PBUS_POS_MAX	0xffffffffu

/* ---------------------------------------------------------------------------
 * CRC-16/CCITT-FALSE (poly 0x1021, MSB first, init 0xffff, no xorout).
 * Appended big-endian, so that the CRC over data + CRC is 0.
 */
#ifdef __KERNEL__
u16 pbus_crc16(u16 crc, const u8 *buf, size_t len)
{
	return crc_itu_t(crc, buf, len);
}

static u16 pbus_crc16_byte(u16 crc, u8 b)
{
	return crc_itu_t_byte(crc, b);
}
#else
static const u16 pbus_crc_table[256] = {
	0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
	0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
	0x1231, 0x0210, 0x3273, 0x2252, 0x52b5, 0x4294, 0x72f7, 0x62d6,
	0x9339, 0x8318, 0xb37b, 0xa35a, 0xd3bd, 0xc39c, 0xf3ff, 0xe3de,
	0x2462, 0x3443, 0x0420, 0x1401, 0x64e6, 0x74c7, 0x44a4, 0x5485,
	0xa56a, 0xb54b, 0x8528, 0x9509, 0xe5ee, 0xf5cf, 0xc5ac, 0xd58d,
	0x3653, 0x2672, 0x1611, 0x0630, 0x76d7, 0x66f6, 0x5695, 0x46b4,
	0xb75b, 0xa77a, 0x9719, 0x8738, 0xf7df, 0xe7fe, 0xd79d, 0xc7bc,
	0x48c4, 0x58e5, 0x6886, 0x78a7, 0x0840, 0x1861, 0x2802, 0x3823,
	0xc9cc, 0xd9ed, 0xe98e, 0xf9af, 0x8948, 0x9969, 0xa90a, 0xb92b,
	0x5af5, 0x4ad4, 0x7ab7, 0x6a96, 0x1a71, 0x0a50, 0x3a33, 0x2a12,
	0xdbfd, 0xcbdc, 0xfbbf, 0xeb9e, 0x9b79, 0x8b58, 0xbb3b, 0xab1a,
	0x6ca6, 0x7c87, 0x4ce4, 0x5cc5, 0x2c22, 0x3c03, 0x0c60, 0x1c41,
	0xedae, 0xfd8f, 0xcdec, 0xddcd, 0xad2a, 0xbd0b, 0x8d68, 0x9d49,
	0x7e97, 0x6eb6, 0x5ed5, 0x4ef4, 0x3e13, 0x2e32, 0x1e51, 0x0e70,
	0xff9f, 0xefbe, 0xdfdd, 0xcffc, 0xbf1b, 0xaf3a, 0x9f59, 0x8f78,
	0x9188, 0x81a9, 0xb1ca, 0xa1eb, 0xd10c, 0xc12d, 0xf14e, 0xe16f,
	0x1080, 0x00a1, 0x30c2, 0x20e3, 0x5004, 0x4025, 0x7046, 0x6067,
	0x83b9, 0x9398, 0xa3fb, 0xb3da, 0xc33d, 0xd31c, 0xe37f, 0xf35e,
	0x02b1, 0x1290, 0x22f3, 0x32d2, 0x4235, 0x5214, 0x6277, 0x7256,
	0xb5ea, 0xa5cb, 0x95a8, 0x8589, 0xf56e, 0xe54f, 0xd52c, 0xc50d,
	0x34e2, 0x24c3, 0x14a0, 0x0481, 0x7466, 0x6447, 0x5424, 0x4405,
	0xa7db, 0xb7fa, 0x8799, 0x97b8, 0xe75f, 0xf77e, 0xc71d, 0xd73c,
	0x26d3, 0x36f2, 0x0691, 0x16b0, 0x6657, 0x7676, 0x4615, 0x5634,
	0xd94c, 0xc96d, 0xf90e, 0xe92f, 0x99c8, 0x89e9, 0xb98a, 0xa9ab,
	0x5844, 0x4865, 0x7806, 0x6827, 0x18c0, 0x08e1, 0x3882, 0x28a3,
	0xcb7d, 0xdb5c, 0xeb3f, 0xfb1e, 0x8bf9, 0x9bd8, 0xabbb, 0xbb9a,
	0x4a75, 0x5a54, 0x6a37, 0x7a16, 0x0af1, 0x1ad0, 0x2ab3, 0x3a92,
	0xfd2e, 0xed0f, 0xdd6c, 0xcd4d, 0xbdaa, 0xad8b, 0x9de8, 0x8dc9,
	0x7c26, 0x6c07, 0x5c64, 0x4c45, 0x3ca2, 0x2c83, 0x1ce0, 0x0cc1,
	0xef1f, 0xff3e, 0xcf5d, 0xdf7c, 0xaf9b, 0xbfba, 0x8fd9, 0x9ff8,
	0x6e17, 0x7e36, 0x4e55, 0x5e74, 0x2e93, 0x3eb2, 0x0ed1, 0x1ef0,
};

static u16 pbus_crc16_byte(u16 crc, u8 b)
{
	return (u16)((crc << 8) ^ pbus_crc_table[((crc >> 8) ^ b) & 0xff]);
}

u16 pbus_crc16(u16 crc, const u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		crc = pbus_crc16_byte(crc, buf[i]);
	return crc;
}
#endif

static void pbus_put_be16(u16 v, u8 *out)
{
	out[0] = (u8)(v >> 8);
	out[1] = (u8)v;
}

static u16 pbus_get_be16(const u8 *in)
{
	return (u16)((in[0] << 8) | in[1]);
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
	default:
		/* FRAME, IDLE, unknown codes, garbled byte (-1). */
		return PBUS_XR_STATUS;
	}
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
	if (h->cmd != PBUS_CMD_WRITE && h->cmd != PBUS_CMD_READ)
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
		      u32 addr, const u8 *buf, u16 len)
{
	struct pbus_hdr h = {
		.cmd = PBUS_CMD_WRITE,
		.tag = tag,
		.addr = addr,
		.len = len,
	};
	u8 hdr[PBUS_HDR_LEN];
	u8 crcb[PBUS_CRC_LEN];
	u8 st;
	u16 crc;
	int r;

	if (!len || !buf)
		return PBUS_XR_LEN;

	pbus_hdr_pack(&h, hdr);
	crc = pbus_crc16(PBUS_CRC_INIT, hdr, sizeof(hdr));
	crc = pbus_crc16(crc, buf, len);
	pbus_put_be16(crc, crcb);

	if (ops->put(ctx, hdr, sizeof(hdr)) < 0 ||
	    ops->put(ctx, buf, len) < 0 ||
	    ops->put(ctx, crcb, sizeof(crcb)) < 0)
		return PBUS_XR_LINK;

	if (ops->turn_read(ctx) < 0)
		r = PBUS_XR_LINK;
	else if (ops->get(ctx, &st, 1) < 0)
		r = PBUS_XR_LINK;
	else
		r = pbus_status_to_xr(pbus_status_decode(st));

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
	u8 hdr[PBUS_HDR_LEN];
	u8 crcb[PBUS_CRC_LEN];
	size_t n = (size_t)len + 1;	/* status + payload */
	u16 crc;
	int r;

	if (!len || !buf || !scratch)
		return PBUS_XR_LEN;

	pbus_hdr_pack(&h, hdr);
	crc = pbus_crc16(PBUS_CRC_INIT, hdr, sizeof(hdr));
	pbus_put_be16(crc, crcb);

	if (ops->put(ctx, hdr, sizeof(hdr)) < 0 ||
	    ops->put(ctx, crcb, sizeof(crcb)) < 0)
		return PBUS_XR_LINK;

	if (ops->turn_read(ctx) < 0) {
		r = PBUS_XR_LINK;
	} else if (ops->get(ctx, scratch, 1) < 0) {
		r = PBUS_XR_LINK;
	} else {
		r = pbus_status_to_xr(pbus_status_decode(scratch[0]));
		if (r == PBUS_XR_OK) {
			if (ops->get(ctx, scratch + 1,
				     (size_t)len + PBUS_CRC_LEN) < 0)
				r = PBUS_XR_LINK;
			else if (pbus_crc16(PBUS_CRC_INIT, scratch, n) !=
				 pbus_get_be16(scratch + n))
				r = PBUS_XR_CRC;
		}
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

/* Frame judged: answer @code at the next RW=1 strobe, swallow bytes. */
static void pbus_slave_sink(struct pbus_slave_sm *sm, int code)
{
	sm->status = PBUS_STATUS_ENCODE(code);
	sm->tx_len = 1;
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
	sm->status = PBUS_STATUS_ENCODE(PBUS_ST_IDLE);
	sm->sink_check = false;
	sm->sink_expect = 0;
	sm->tx_len = 0;
	memset(&sm->h, 0, sizeof(sm->h));
}

void pbus_slave_init(struct pbus_slave_sm *sm,
		     const struct pbus_slave_backend *be, void *be_ctx,
		     u8 *buf, u16 max_payload)
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
	pbus_slave_reset(sm);
}

bool pbus_slave_busy(const struct pbus_slave_sm *sm)
{
	return sm->state != PBUS_SS_IDLE;
}

/* Bytes after the header that belong to the frame in sm->h. */
static u32 pbus_slave_body_len(const struct pbus_slave_sm *sm)
{
	return (sm->h.cmd == PBUS_CMD_WRITE ? sm->h.len : 0) + PBUS_CRC_LEN;
}

static void pbus_slave_hdr_done(struct pbus_slave_sm *sm)
{
	if (pbus_hdr_unpack(sm->hdr, &sm->h) < 0) {
		sm->cnt.frame_errors++;
		pbus_slave_sink(sm, PBUS_ST_FRAME);
		return;
	}
	if (!sm->h.len || sm->h.len > sm->max_payload) {
		/*
		 * Judged LEN, but only answered LEN if the whole frame
		 * turns out to be intact: a flipped length bit must give a
		 * retryable CRC error, not a final LEN one.
		 */
		pbus_slave_sink(sm, PBUS_ST_LEN);
		sm->sink_check = true;
		sm->sink_expect = PBUS_HDR_LEN + pbus_slave_body_len(sm);
		return;
	}
	sm->rx_crc = 0;
	sm->state = sm->h.cmd == PBUS_CMD_WRITE ? PBUS_SS_PAYLOAD :
						  PBUS_SS_CRC;
}

static void pbus_slave_exec_write(struct pbus_slave_sm *sm)
{
	const struct pbus_slave_backend *be = sm->be;
	int code;

	if (sm->last_valid && sm->last_tag == sm->h.tag &&
	    sm->last_crc == sm->rx_crc) {
		/* Retry of the write executed last: acknowledge only. */
		sm->cnt.dup_writes++;
		pbus_slave_sink(sm, PBUS_ST_OK);
		return;
	}
	if (be && be->write)
		code = be->write(sm->be_ctx, sm->h.addr, sm->buf, sm->h.len);
	else
		code = PBUS_ST_RO;
	code = pbus_slave_backend_code(code);
	sm->cnt.frames++;
	/* Only a write that took effect may be acknowledged again. */
	sm->last_valid = code == PBUS_ST_OK;
	sm->last_tag = sm->h.tag;
	sm->last_crc = sm->rx_crc;
	pbus_slave_sink(sm, code);
}

static void pbus_slave_exec_read(struct pbus_slave_sm *sm)
{
	const struct pbus_slave_backend *be = sm->be;
	u32 len = sm->h.len;	/* 1..max_payload, checked in hdr_done */
	u16 crc;
	int code;

	sm->last_valid = false;
	if (be && be->read)
		code = be->read(sm->be_ctx, sm->h.addr, sm->buf + 1, sm->h.len);
	else
		code = PBUS_ST_ADDR;
	code = pbus_slave_backend_code(code);
	sm->cnt.frames++;
	pbus_slave_sink(sm, code);
	if (code != PBUS_ST_OK)
		return;
	/* tx = [status][payload][CRC over status + payload] */
	crc = pbus_crc16_byte(PBUS_CRC_INIT, sm->status);
	crc = pbus_crc16(crc, sm->buf + 1, len);
	pbus_put_be16(crc, sm->buf + 1 + len);
	sm->tx_len = len + 1 + PBUS_CRC_LEN;
}

static void pbus_slave_frame_done(struct pbus_slave_sm *sm)
{
	if (sm->rx_crc != sm->crc) {
		sm->cnt.crc_errors++;
		pbus_slave_sink(sm, PBUS_ST_CRC);
		return;
	}
	if (sm->h.cmd == PBUS_CMD_WRITE)
		pbus_slave_exec_write(sm);
	else
		pbus_slave_exec_read(sm);
}

/* One byte latched on an RW=0 strobe. */
static void pbus_slave_rx(struct pbus_slave_sm *sm, u8 in)
{
	u32 i;

	switch (sm->state) {
	case PBUS_SS_IDLE:
		if ((in & PBUS_CMD_MAGIC_MASK) != PBUS_CMD_MAGIC) {
			sm->cnt.frame_errors++;
			sm->pos = 1;
			pbus_slave_sink(sm, PBUS_ST_FRAME);
			return;
		}
		sm->crc = pbus_crc16_byte(PBUS_CRC_INIT, in);
		sm->hdr[0] = in;
		sm->pos = 1;
		sm->state = PBUS_SS_HDR;
		return;
	case PBUS_SS_HDR:
		if (sm->pos >= PBUS_HDR_LEN)
			break;
		sm->hdr[sm->pos++] = in;
		sm->crc = pbus_crc16_byte(sm->crc, in);
		if (sm->pos == PBUS_HDR_LEN)
			pbus_slave_hdr_done(sm);
		return;
	case PBUS_SS_PAYLOAD:
		i = sm->pos - PBUS_HDR_LEN;
		if (sm->pos < PBUS_HDR_LEN || i >= sm->h.len ||
		    i >= sm->max_payload || !sm->buf)
			break;
		sm->buf[i] = in;
		sm->crc = pbus_crc16_byte(sm->crc, in);
		sm->pos++;
		if (i + 1 == sm->h.len)
			sm->state = PBUS_SS_CRC;
		return;
	case PBUS_SS_CRC:
		sm->rx_crc = (u16)(sm->rx_crc << 8 | in);
		sm->pos++;
		if (sm->pos >= PBUS_HDR_LEN + pbus_slave_body_len(sm))
			pbus_slave_frame_done(sm);
		return;
	case PBUS_SS_SINK:
		if (sm->pos < PBUS_POS_MAX)
			sm->pos++;
		if (sm->sink_check)
			sm->crc = pbus_crc16_byte(sm->crc, in);
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
		if (sm->crc != 0 || sm->pos != sm->sink_expect) {
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

	if (sm->pos == 0)
		b = sm->status;
	else if (sm->pos < sm->tx_len && sm->buf &&
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
