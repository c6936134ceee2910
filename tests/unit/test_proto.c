// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of the portable pbus protocol core. Last line of output:
 * "N passed, N failed"; exit status non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbus_proto.h"
#include "wire.h"
#include "fx.h"

#include "harness.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

/* ---------------------------------------------------------- memory backend */
#define WIN		8192
#define MAXP		512
#define RO_START	7936	/* last 256 bytes read-only */

struct mem {
	uint8_t data[WIN];
	unsigned int writes, reads;
	bool forced;		/* backend answers @force */
	int force;
};

static int mem_read(void *ctx, uint32_t addr, uint8_t *buf, uint16_t len)
{
	struct mem *m = ctx;

	m->reads++;
	if (m->forced)
		return m->force;
	if (addr >= WIN || len > WIN - addr)
		return PBUS_ST_ADDR;
	memcpy(buf, m->data + addr, len);
	return PBUS_ST_OK;
}

static int mem_write(void *ctx, uint32_t addr, const uint8_t *buf,
		     uint16_t len)
{
	struct mem *m = ctx;

	if (m->forced)
		return m->force;
	if (addr >= WIN || len > WIN - addr)
		return PBUS_ST_ADDR;
	if (addr + len > RO_START)
		return PBUS_ST_RO;
	m->writes++;
	memcpy(m->data + addr, buf, len);
	return PBUS_ST_OK;
}

static const struct pbus_slave_backend mem_be = {
	.read = mem_read,
	.write = mem_write,
};

/* A slave + wire + memory, with the slave buffer on the heap (ASan). */
struct rig {
	struct pbus_slave_sm sm;
	struct wire w;
	struct mem *m;
	uint8_t *sbuf;
	uint8_t scratch[MAXP + 1 + PBUS_CRC_LEN + 64];
};

#define RIG_SEED	0x5eed0001u

static struct rig *rig_new(uint16_t max)
{
	struct rig *r = calloc(1, sizeof(*r));

	r->m = calloc(1, sizeof(*r->m));
	r->sbuf = malloc((size_t)max + 1 + PBUS_CRC_LEN);
	pbus_slave_init(&r->sm, &mem_be, r->m, r->sbuf, max, RIG_SEED);
	wire_init(&r->w, &r->sm);
	return r;
}

static void rig_free(struct rig *r)
{
	free(r->sbuf);
	free(r->m);
	free(r);
}

static int rwrite(struct rig *r, uint8_t tag, uint32_t addr,
		  const uint8_t *buf, uint16_t len)
{
	return pbus_master_write(&wire_ops, &r->w, tag, addr, buf, len, false,
				 0);
}

/* A write retry sent under @epoch. */
static int rretry(struct rig *r, uint8_t tag, uint32_t addr,
		  const uint8_t *buf, uint16_t len, uint32_t epoch)
{
	return pbus_master_write(&wire_ops, &r->w, tag, addr, buf, len, true,
				 epoch);
}

static int rread(struct rig *r, uint8_t tag, uint32_t addr, uint8_t *buf,
		 uint16_t len)
{
	return pbus_master_read(&wire_ops, &r->w, tag, addr, buf, len,
				r->scratch);
}

/* Feed raw bytes into the slave (RW=0). */
static void sput(struct pbus_slave_sm *sm, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK_EQ(pbus_slave_strobe(sm, false, b[i], NULL), PBUS_SA_ACK);
}

static uint8_t sget(struct pbus_slave_sm *sm)
{
	uint8_t out = 0x55;

	CHECK_EQ(pbus_slave_strobe(sm, true, 0, &out), PBUS_SA_DRIVE);
	return out;
}

/*
 * Build a raw frame; returns its length. A read gets its check byte, a
 * write retry @mk_epoch after the header.
 */
static uint32_t mk_epoch;

static size_t mkframe(uint8_t *f, uint8_t cmd, uint8_t tag, uint32_t addr,
		      uint16_t len, const uint8_t *payload, size_t plen)
{
	struct pbus_hdr h = { .cmd = cmd, .tag = tag, .addr = addr, .len = len };
	uint32_t crc;
	size_t n;

	pbus_hdr_pack(&h, f);
	n = PBUS_HDR_LEN;
	if (cmd == PBUS_CMD_READ) {
		f[n++] = pbus_read_check(f);
		return n;
	}
	if (cmd == PBUS_CMD_WRITE_RETRY) {
		f[n++] = mk_epoch;
		f[n++] = mk_epoch >> 8;
		f[n++] = mk_epoch >> 16;
		f[n++] = mk_epoch >> 24;
	}
	if (plen)
		memcpy(f + n, payload, plen);
	n += plen;
	crc = pbus_crc_final(pbus_crc32c(PBUS_CRC_INIT, f, n));
	f[n++] = crc;
	f[n++] = crc >> 8;
	f[n++] = crc >> 16;
	f[n++] = crc >> 24;
	return n;
}

/* ------------------------------------------------------------------- tests */
static uint32_t crc_of(const uint8_t *b, size_t n)
{
	return pbus_crc_final(pbus_crc32c(PBUS_CRC_INIT, b, n));
}

static void test_crc(void)
{
	static const uint8_t check[] = "123456789";
	uint8_t buf[64];
	uint32_t c;
	int i;

	CHECK_EQ(crc_of(check, 9), 0xe3069283u);	/* CRC-32C check */
	CHECK_EQ(crc_of(check, 0), 0);
	c = pbus_crc32c(PBUS_CRC_INIT, check, 4);
	CHECK_EQ(pbus_crc_final(pbus_crc32c(c, check + 4, 5)), 0xe3069283u);
	/* Little-endian CRC appended: the raw register ends at the residue. */
	seed(1);
	for (i = 0; i < 60; i++)
		buf[i] = rnd();
	c = crc_of(buf, 60);
	buf[60] = c;
	buf[61] = c >> 8;
	buf[62] = c >> 16;
	buf[63] = c >> 24;
	CHECK_EQ(pbus_crc32c(PBUS_CRC_INIT, buf, 64), PBUS_CRC_RESIDUE);
	/* Every single-bit error is detected. */
	for (i = 0; i < 64 * 8; i++) {
		buf[i / 8] ^= 1u << (i % 8);
		CHECK(pbus_crc32c(PBUS_CRC_INIT, buf, 64) != PBUS_CRC_RESIDUE);
		buf[i / 8] ^= 1u << (i % 8);
	}
}

static void test_hdr(void)
{
	static const uint8_t want[8] = { 0xa1, 0x5a, 0x78, 0x56, 0x34, 0x12,
					 0x00, 0x02 };
	struct pbus_hdr h = { PBUS_CMD_WRITE, 0x5a, 0x12345678, 0x200 }, g;
	uint8_t b[8];

	pbus_hdr_pack(&h, b);
	CHECK(!memcmp(b, want, 8));
	memset(&g, 0, sizeof(g));
	CHECK_EQ(pbus_hdr_unpack(b, &g), 0);
	CHECK_EQ(g.cmd, PBUS_CMD_WRITE);
	CHECK_EQ(g.tag, 0x5a);
	CHECK_EQ(g.addr, 0x12345678);
	CHECK_EQ(g.len, 0x200);
	h.cmd = PBUS_CMD_READ;
	h.addr = 0xffff0010u;
	h.len = 0xffff;
	pbus_hdr_pack(&h, b);
	CHECK_EQ(b[0], 0xa2);
	CHECK_EQ(pbus_hdr_unpack(b, &g), 0);
	CHECK_EQ(g.addr, 0xffff0010u);
	CHECK_EQ(g.len, 0xffff);
	b[0] = 0xb1;
	CHECK_EQ(pbus_hdr_unpack(b, &g), -1);
	b[0] = 0xa3;
	CHECK_EQ(pbus_hdr_unpack(b, &g), -1);
	b[0] = 0xa0;
	CHECK_EQ(pbus_hdr_unpack(b, &g), -1);
}

static void test_status(void)
{
	int code, bit, byte, valid = 0;

	CHECK_EQ(PBUS_STATUS_ENCODE(PBUS_ST_OK), 0xf0);
	CHECK_EQ(PBUS_STATUS_ENCODE(PBUS_ST_CRC), 0xe1);
	CHECK_EQ(PBUS_STATUS_ENCODE(PBUS_ST_IDLE), 0x87);
	for (byte = 0; byte < 256; byte++) {
		code = pbus_status_decode(byte);
		if (code < 0)
			continue;
		valid++;
		CHECK_EQ(PBUS_STATUS_ENCODE(code), byte);
	}
	CHECK_EQ(valid, 16);
	CHECK_EQ(pbus_status_decode(0xff), -1);	/* released lines */
	CHECK_EQ(pbus_status_decode(0x00), -1);
	for (code = 0; code < 16; code++) {
		uint8_t e = PBUS_STATUS_ENCODE(code);

		CHECK_EQ(pbus_status_decode(e), code);
		for (bit = 0; bit < 8; bit++)
			CHECK_EQ(pbus_status_decode(e ^ (1u << bit)), -1);
	}
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_OK), PBUS_XR_OK);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_CRC), PBUS_XR_CRC);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_FRAME), PBUS_XR_STATUS);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_ADDR), PBUS_XR_ADDR);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_LEN), PBUS_XR_LEN);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_BUSY), PBUS_XR_BUSY);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_RO), PBUS_XR_RO);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_IDLE), PBUS_XR_STATUS);
	CHECK_EQ(pbus_status_to_xr(PBUS_ST_RESET), PBUS_XR_RESET);
	CHECK(!pbus_xfer_retryable(PBUS_XR_RESET));
	CHECK_EQ(pbus_status_to_xr(9), PBUS_XR_STATUS);
	CHECK_EQ(pbus_status_to_xr(-1), PBUS_XR_STATUS);
	CHECK(pbus_xfer_retryable(PBUS_XR_STATUS));
	CHECK(!pbus_xfer_retryable(PBUS_XR_ADDR));
}

static void test_loopback_basic(void)
{
	struct rig *r = rig_new(MAXP);
	uint8_t a[MAXP], b[MAXP];
	static const uint16_t lens[] = { 1, 2, 7, 64, 255, 256, MAXP };
	unsigned int i, j;

	seed(2);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		uint32_t addr = 100 * i + 3;

		for (j = 0; j < lens[i]; j++)
			a[j] = rnd();
		memset(b, 0, sizeof(b));
		CHECK_EQ(rwrite(r, i, addr, a, lens[i]), PBUS_XR_OK);
		CHECK(!memcmp(r->m->data + addr, a, lens[i]));
		CHECK_EQ(rread(r, i + 100, addr, b, lens[i]), PBUS_XR_OK);
		CHECK(!memcmp(a, b, lens[i]));
		CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
		CHECK(!pbus_slave_busy(&r->sm));
		CHECK(!r->w.slave_drives);
	}
	CHECK_EQ(r->sm.cnt.frames, 14);
	CHECK_EQ(r->sm.cnt.crc_errors + r->sm.cnt.frame_errors +
		 r->sm.cnt.aborts + r->sm.cnt.dup_writes, 0);
	CHECK_EQ(r->m->writes, 7);
	rig_free(r);
}

static void test_backend_errors(void)
{
	static const struct { int st, xr; } map[] = {
		{ PBUS_ST_CRC, PBUS_XR_CRC }, { PBUS_ST_FRAME, PBUS_XR_STATUS },
		{ PBUS_ST_ADDR, PBUS_XR_ADDR }, { PBUS_ST_LEN, PBUS_XR_LEN },
		{ PBUS_ST_BUSY, PBUS_XR_BUSY }, { PBUS_ST_RO, PBUS_XR_RO },
		{ PBUS_ST_IDLE, PBUS_XR_STATUS }, { -22, PBUS_XR_BUSY },
		{ 42, PBUS_XR_BUSY },
	};
	struct rig *r = rig_new(MAXP);
	uint8_t a[16] = { 1, 2, 3 }, b[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		r->m->forced = true;
		r->m->force = map[i].st;
		CHECK_EQ(rwrite(r, i, 0, a, 16), map[i].xr);
		memset(b, 0xee, sizeof(b));
		CHECK_EQ(rread(r, i, 0, b, 16), map[i].xr);
		CHECK_EQ(b[0], 0xee);	/* untouched on error */
		CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
	}
	r->m->forced = false;
	CHECK_EQ(rwrite(r, 1, WIN - 8, a, 16), PBUS_XR_ADDR);
	CHECK_EQ(rread(r, 1, 0xffff0000u, b, 16), PBUS_XR_ADDR);
	CHECK_EQ(rwrite(r, 2, RO_START, a, 16), PBUS_XR_RO);
	CHECK_EQ(rread(r, 3, RO_START, b, 16), PBUS_XR_OK);
	/* Master refuses len 0 without touching the wire. */
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(rwrite(r, 4, 0, a, 0), PBUS_XR_LEN);
	CHECK_EQ(rread(r, 4, 0, b, 0), PBUS_XR_LEN);
	CHECK_EQ(r->w.strobes, 0);
	rig_free(r);

	/* Above the slave's limit: intact frame -> LEN (final). */
	r = rig_new(16);
	{
		uint8_t big[17] = { 0 };

		CHECK_EQ(rwrite(r, 5, 0, big, 17), PBUS_XR_LEN);
		CHECK_EQ(rread(r, 6, 0, big, 17), PBUS_XR_LEN);
		CHECK_EQ(rwrite(r, 7, 0, big, 16), PBUS_XR_OK);
		CHECK_EQ(r->m->writes, 1);
		CHECK_EQ(r->sm.cnt.frame_errors, 2);
	}
	rig_free(r);

	/* No backend at all. */
	{
		struct pbus_slave_sm sm;
		struct pbus_slave_backend none = { NULL, NULL };
		struct wire w;
		uint8_t sb[16 + 5], scr[4 + 5], buf[4] = { 0 };

		pbus_slave_init(&sm, &none, NULL, sb, 16, 1);
		wire_init(&w, &sm);
		CHECK_EQ(pbus_master_write(&wire_ops, &w, 1, 0, buf, 4, false, 0),
			 PBUS_XR_RO);
		CHECK_EQ(pbus_master_read(&wire_ops, &w, 1, 0, buf, 4, scr),
			 PBUS_XR_ADDR);
		/* Limit clamped to PBUS_MAX_PAYLOAD. */
		pbus_slave_init(&sm, &mem_be, NULL, sb, 60000, 1);
		CHECK_EQ(sm.max_payload, PBUS_MAX_PAYLOAD);
		/* No buffer: every frame is LEN. */
		pbus_slave_init(&sm, &mem_be, NULL, NULL, 16, 1);
		CHECK_EQ(sm.max_payload, 0);
		CHECK_EQ(pbus_master_write(&wire_ops, &w, 1, 0, buf, 4, false, 0),
			 PBUS_XR_LEN);
		CHECK_EQ(pbus_master_read(&wire_ops, &w, 1, 0, buf, 4, scr),
			 PBUS_XR_LEN);
	}
}

/* Raw-frame tests of the slave state machine. */
static void test_slave_raw(void)
{
	struct rig *r = rig_new(32);
	struct pbus_slave_sm *sm = &r->sm;
	uint8_t f[64], p[32], junk[40];
	size_t n;
	int i;

	for (i = 0; i < 32; i++)
		p[i] = i * 7;
	/* Good write. */
	n = mkframe(f, PBUS_CMD_WRITE, 1, 10, 4, p, 4);
	sput(sm, f, n);
	CHECK_EQ(sm->state, PBUS_SS_SINK);
	CHECK(pbus_slave_busy(sm));
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	CHECK_EQ(sm->state, PBUS_SS_TX);
	CHECK_EQ(sget(sm), pbus_ack_check(f, PBUS_STATUS_ENCODE(PBUS_ST_OK)));
	/* Beyond the answer: encoded FRAME, forever. */
	for (i = 0; i < 3; i++)
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	CHECK_EQ(pbus_slave_strobe(sm, false, 0xa1, NULL), PBUS_SA_RELEASE);
	CHECK_EQ(sm->state, PBUS_SS_IDLE);	/* 0xa1 was not latched */
	CHECK(!memcmp(r->m->data + 10, p, 4));

	/* Bad magic: sink everything, answer FRAME. */
	memset(junk, 0xa1, sizeof(junk));
	junk[0] = 0x51;
	sput(sm, junk, sizeof(junk));
	CHECK_EQ(sm->state, PBUS_SS_SINK);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	pbus_slave_strobe(sm, false, 0, NULL);
	CHECK_EQ(sm->cnt.frame_errors, 1);

	/* Bad command with good magic. */
	n = mkframe(f, 0xa7, 1, 10, 4, p, 4);
	sput(sm, f, n);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	pbus_slave_strobe(sm, false, 0, NULL);

	/* len 0, intact: LEN. */
	n = mkframe(f, PBUS_CMD_WRITE, 2, 10, 0, p, 0);
	sput(sm, f, n);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_LEN));
	pbus_slave_strobe(sm, false, 0, NULL);
	/* len > max, intact: LEN after swallowing the payload. */
	{
		uint8_t big[8 + 40 + 4], pl[40] = { 0 };

		n = mkframe(big, PBUS_CMD_WRITE, 3, 0, 40, pl, 40);
		sput(sm, big, n);
		CHECK_EQ(sm->state, PBUS_SS_SINK);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_LEN));
		pbus_slave_strobe(sm, false, 0, NULL);
		/* Same with one payload bit flipped: CRC (retryable). */
		big[20] ^= 4;
		sput(sm, big, n);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
		pbus_slave_strobe(sm, false, 0, NULL);
		/* Intact but one byte short: CRC. */
		big[20] ^= 4;
		sput(sm, big, n - 1);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
		pbus_slave_strobe(sm, false, 0, NULL);
	}
	/* A good length whose bit flip makes it too large: CRC. */
	n = mkframe(f, PBUS_CMD_WRITE, 4, 10, 4, p, 4);
	f[7] ^= 0x80;
	sput(sm, f, n);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
	pbus_slave_strobe(sm, false, 0, NULL);
	CHECK_EQ(r->m->writes, 1);

	/* Read: status, payload, CRC over header + status + payload. */
	memcpy(r->m->data + 100, p, 32);
	n = mkframe(f, PBUS_CMD_READ, 5, 100, 32, NULL, 0);
	sput(sm, f, n);
	{
		uint8_t rx[8 + 37];

		memcpy(rx, f, 8);
		for (i = 0; i < 37; i++)
			rx[8 + i] = sget(sm);
		CHECK_EQ(rx[8], PBUS_STATUS_ENCODE(PBUS_ST_OK));
		CHECK(!memcmp(rx + 9, p, 32));
		CHECK_EQ(pbus_crc32c(PBUS_CRC_INIT, rx, sizeof(rx)),
			 PBUS_CRC_RESIDUE);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
		CHECK_EQ(pbus_slave_strobe(sm, false, 0xff, NULL),
			 PBUS_SA_RELEASE);
	}
	/* A read request is the header and its CRC-8: 9 bytes. */
	CHECK_EQ(n, PBUS_HDR_LEN + PBUS_RD_CHECK_LEN);
	/* Read with bad check byte: [CRC][CRC-32C over header + status]. */
	n = mkframe(f, PBUS_CMD_READ, 6, 100, 32, NULL, 0);
	f[8] ^= 1;
	sput(sm, f, n);
	{
		uint8_t ans[PBUS_RD_ERR_LEN];

		for (i = 0; i < PBUS_RD_ERR_LEN; i++)
			ans[i] = sget(sm);
		CHECK_EQ(ans[0], PBUS_STATUS_ENCODE(PBUS_ST_CRC));
		CHECK_EQ(pbus_read_err_decode(f, ans), PBUS_XR_CRC);
		/* It answers the header the remote judged, not another. */
		f[1] ^= 1;
		CHECK_EQ(pbus_read_err_decode(f, ans), PBUS_XR_STATUS);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	}
	pbus_slave_strobe(sm, false, 0xff, NULL);
	CHECK_EQ(sm->cnt.crc_errors, 4);
	/* Read too long, intact: LEN, judged with the check byte. */
	n = mkframe(f, PBUS_CMD_READ, 7, 100, 33, NULL, 0);
	sput(sm, f, n - 1);
	CHECK_EQ(sm->state, PBUS_SS_CRC);
	sput(sm, f + n - 1, 1);
	CHECK_EQ(sm->state, PBUS_SS_SINK);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_LEN));
	pbus_slave_strobe(sm, false, 0xff, NULL);
	/* ... and with a damaged check byte: CRC, not LEN. */
	f[8] ^= 0x10;
	sput(sm, f, n);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
	pbus_slave_strobe(sm, false, 0xff, NULL);
	/* Read cut short before its check byte: FRAME. */
	n = mkframe(f, PBUS_CMD_READ, 8, 100, 4, NULL, 0);
	sput(sm, f, n - 1);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	pbus_slave_strobe(sm, false, 0xff, NULL);
	CHECK_EQ(sm->cnt.crc_errors, 5);
	rig_free(r);
}

static int counting_writes;

static int counting_write(void *ctx, uint32_t addr, const uint8_t *buf,
			  uint16_t len)
{
	counting_writes++;
	return mem_write(ctx, addr, buf, len);
}

static const struct pbus_slave_backend counting_be = {
	.read = mem_read,
	.write = counting_write,
};

static void test_dup_write(void)
{
	struct rig *r = rig_new(MAXP);
	uint8_t a[32], b[32];
	uint32_t epoch;
	uint8_t st;
	int i;

	r->sm.be = &counting_be;
	for (i = 0; i < 32; i++)
		a[i] = i;
	/* The status byte is strobe 8 + 32 + 4 = 44; flip a bit of it. */
	wire_arm(&r->w, WF_FLIP, 44, 3);
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_STATUS);
	CHECK_EQ(r->w.fired, 1);
	CHECK_EQ(counting_writes, 1);
	CHECK(!memcmp(r->m->data, a, 32));
	/* The remote changes its memory meanwhile: a re-execution would show. */
	r->m->data[0] = 0x77;
	/* Retry (after an abort/resync): acknowledged, not executed. */
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, &st), PBUS_XR_OK);
	CHECK_EQ(st, PBUS_STATUS_ENCODE(PBUS_ST_IDLE));
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 1);
	CHECK_EQ(r->sm.cnt.dup_writes, 1);
	CHECK_EQ(r->m->data[0], 0x77);
	/* Twice in a row is still a duplicate. */
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 1);
	/*
	 * A timed-out retry in between (incomplete frame) keeps the memory,
	 * and is not in doubt: its last byte never went out.
	 */
	wire_arm(&r->w, WF_TIMEOUT, 20, 0);
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_LINK_EARLY);
	CHECK(!pbus_write_in_doubt(PBUS_XR_LINK_EARLY));
	CHECK(pbus_xfer_retryable(PBUS_XR_LINK_EARLY));
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, &st), PBUS_XR_OK);
	CHECK_EQ(st, PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 1);
	/*
	 * Its last byte's ACK lost: the remote has run it (a duplicate
	 * here), the master cannot know: in doubt.
	 */
	wire_arm(&r->w, WF_LOST_ACK, PBUS_HDR_LEN + 32 + PBUS_CRC_LEN - 1, 0);
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_LINK);
	CHECK_EQ(counting_writes, 1);
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, &st), PBUS_XR_OK);
	/* A new tag, same data: executed. */
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 2);
	CHECK_EQ(r->m->data[0], 0);
	/* Same tag, different data: executed. */
	a[5] ^= 1;
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 3);
	/* v2: a read in between (the resync's MAGIC read) keeps the memory. */
	CHECK_EQ(rread(r, 11, 0, b, 32), PBUS_XR_OK);
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 3);
	a[6] ^= 1;
	CHECK_EQ(rwrite(r, 11, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 4);
	/* A write that failed is not remembered. */
	r->m->forced = true;
	r->m->force = PBUS_ST_BUSY;
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_BUSY);
	r->m->forced = false;
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 6);
	/* A reset (idle timeout) keeps it. */
	pbus_slave_reset(&r->sm);
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 6);
	/* A retry flag matches the plain write it repeats, in any epoch. */
	epoch = r->sm.epoch;
	CHECK_EQ(rretry(r, 12, 0, a, 32, epoch), PBUS_XR_OK);
	CHECK_EQ(rretry(r, 12, 0, a, 32, epoch ^ 1), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 6);
	/* RESET (restart) forgets it: a retry is refused, a new write runs. */
	pbus_slave_restart(&r->sm);
	CHECK(r->sm.epoch != epoch);
	CHECK_EQ(rretry(r, 12, 0, a, 32, epoch), PBUS_XR_RESET);
	CHECK_EQ(counting_writes, 6);
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 7);
	/* In its epoch, a retry of a write the remote never saw runs ... */
	CHECK_EQ(rretry(r, 13, 0, a, 32, r->sm.epoch), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 8);
	/* ... and under the old one too, once a write ran in this epoch. */
	CHECK_EQ(rretry(r, 14, 0, a, 32, epoch), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 9);
	rig_free(r);
	counting_writes = 0;
}

/* Put the slave in @state; returns the status an abort should read. */
static int drive_to(struct rig *r, enum pbus_slave_state state)
{
	struct pbus_slave_sm *sm = &r->sm;
	uint8_t f[64], p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n;

	pbus_slave_init(sm, &mem_be, r->m, r->sbuf, MAXP, RIG_SEED);
	r->w.slave_drives = false;
	n = mkframe(f, PBUS_CMD_WRITE, 1, 0, 8, p, 8);
	switch (state) {
	case PBUS_SS_IDLE:
		return PBUS_STATUS_ENCODE(PBUS_ST_IDLE);
	case PBUS_SS_HDR:
		sput(sm, f, 3);
		return PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	case PBUS_SS_PAYLOAD:
		sput(sm, f, 10);
		return PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	case PBUS_SS_CRC:
		sput(sm, f, n - 1);
		return PBUS_STATUS_ENCODE(PBUS_ST_FRAME);
	case PBUS_SS_SINK:
		f[9] ^= 1;
		sput(sm, f, n);
		return PBUS_STATUS_ENCODE(PBUS_ST_CRC);
	case PBUS_SS_TX:
		n = mkframe(f, PBUS_CMD_READ, 1, 0, 8, NULL, 0);
		sput(sm, f, n);
		sget(sm);
		sget(sm);
		r->w.slave_drives = true;
		return 0;	/* second payload byte */
	}
	return -1;
}

static void test_abort_every_state(void)
{
	struct rig *r = rig_new(MAXP);
	static const enum pbus_slave_state states[] = {
		PBUS_SS_IDLE, PBUS_SS_HDR, PBUS_SS_PAYLOAD, PBUS_SS_CRC,
		PBUS_SS_SINK, PBUS_SS_TX,
	};
	uint8_t a[4] = { 9, 8, 7, 6 }, b[4];
	unsigned int i;
	uint8_t st;
	int want;

	for (i = 0; i < 6; i++) {
		want = drive_to(r, states[i]);
		CHECK_EQ(r->sm.state, states[i]);
		CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, &st), PBUS_XR_OK);
		CHECK_EQ(st, want);
		CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
		CHECK_EQ(r->sm.cnt.aborts, (i >= 1 && i <= 3) ? 1 : 0);
		/* and the bus works afterwards */
		CHECK_EQ(rwrite(r, i, 40, a, 4), PBUS_XR_OK);
		CHECK_EQ(rread(r, i, 40, b, 4), PBUS_XR_OK);
		CHECK(!memcmp(a, b, 4));

		/* Same with pbus_slave_reset() (idle timeout / RESET). */
		drive_to(r, states[i]);
		r->sm.cnt.frames = 77;
		pbus_slave_reset(&r->sm);
		CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
		CHECK(!pbus_slave_busy(&r->sm));
		CHECK_EQ(r->sm.cnt.frames, 77);
		CHECK_EQ(r->sm.cnt.aborts, (i >= 1 && i <= 3) ? 1 : 0);
		r->w.slave_drives = false;
		CHECK_EQ(rwrite(r, i, 40, a, 4), PBUS_XR_OK);
	}
	rig_free(r);
}

/* Master against a corrupted answer: buf untouched, CRC reported. */
static void test_master_read_crc(void)
{
	struct rig *r = rig_new(MAXP);
	uint8_t b[16];
	int i, bit;

	for (i = 0; i < 16; i++)
		r->m->data[i] = i;
	/* Strobes: 9 put, status at 9, payload 10..25, CRC 26..29. */
	for (i = 9; i <= 29; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memset(b, 0xcc, sizeof(b));
			wire_arm(&r->w, WF_FLIP, i, bit);
			CHECK(rread(r, 1, 0, b, 16) ==
			      (i == 9 ? PBUS_XR_STATUS : PBUS_XR_CRC));
			CHECK_EQ(b[0], 0xcc);
			CHECK_EQ(b[15], 0xcc);
			CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
		}
	}
	wire_arm(&r->w, WF_TIMEOUT, 14, 0);
	CHECK_EQ(rread(r, 1, 0, b, 16), PBUS_XR_LINK);
	CHECK_EQ(b[0], 0xcc);
	/* No turn_write after a timeout: the slave still talks until aborted. */
	CHECK_EQ(r->sm.state, PBUS_SS_TX);
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, NULL), PBUS_XR_OK);
	CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
	/* turn_write timing out fails the frame too. */
	wire_arm(&r->w, WF_TIMEOUT, 30, 0);
	CHECK_EQ(rread(r, 1, 0, b, 16), PBUS_XR_LINK);
	CHECK_EQ(b[0], 0xcc);
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, NULL), PBUS_XR_OK);
	CHECK_EQ(rread(r, 1, 0, b, 16), PBUS_XR_OK);
	CHECK_EQ(b[15], 15);
	rig_free(r);
}

/*
 * Many random transactions over a faulty wire with retries: never an OK
 * with wrong data, every transaction eventually succeeds.
 */
#define NTRANS		50000
#define MAX_TRIES	20

static void test_random_faults(void)
{
	struct rig *r = rig_new(MAXP);
	static uint8_t shadow[WIN];
	uint8_t a[MAXP], b[MAXP];
	long kinds[WF_KINDS] = { 0 };
	long attempts = 0, retries = 0, faulted = 0, corrupted_ok = 0;
	long failed = 0, results[16] = { 0 };
	uint8_t tag = 0;
	int t, k;

	seed(0x5eed);
	for (t = 0; t < WIN; t++) {
		r->m->data[t] = rnd();
		shadow[t] = r->m->data[t];
	}
	for (t = 0; t < NTRANS; t++) {
		bool wr = rnd() & 1;
		uint16_t len = 1 + rnd() % (rnd() & 1 ? MAXP : 16);
		uint32_t addr = rnd() % (RO_START - len + 1);
		int res = PBUS_XR_LINK, tries;

		tag++;
		if (wr)
			for (k = 0; k < len; k++)
				a[k] = rnd();
		for (tries = 0; tries < MAX_TRIES; tries++) {
			long nstrobes = len + 15;	/* both kinds */
			enum wire_fault f = WF_NONE;

			if (rnd() % 100 < 40)
				f = 1 + rnd() % (WF_KINDS - 1);
			wire_arm(&r->w, f, rnd() % nstrobes, rnd());
			memset(b, 0xcc, len);
			attempts++;
			res = wr ? rwrite(r, tag, addr, a, len) :
				   rread(r, tag, addr, b, len);
			if (r->w.fired) {
				faulted++;
				kinds[f]++;
			}
			results[-res]++;
			if (res == PBUS_XR_OK)
				break;
			if (!wr && b[0] != 0xcc)
				corrupted_ok++;	/* buf touched on error */
			if (!pbus_xfer_retryable(res))
				break;
			retries++;
			wire_arm(&r->w, WF_NONE, 0, 0);
			pbus_master_abort(&wire_ops, &r->w, NULL);
		}
		if (res != PBUS_XR_OK) {
			failed++;
			continue;
		}
		if (wr)
			memcpy(shadow + addr, a, len);
		else if (memcmp(b, shadow + addr, len))
			corrupted_ok++;
		if (memcmp(r->m->data, shadow, WIN)) {
			corrupted_ok++;
			memcpy(shadow, r->m->data, WIN);
		}
	}
	printf("     %d transactions, %ld frames, %ld faults injected ",
	       NTRANS, attempts, faulted);
	printf("(flip %ld, drop %ld, rw %ld, timeout %ld), ",
	       kinds[WF_FLIP], kinds[WF_DROP], kinds[WF_RW], kinds[WF_TIMEOUT]);
	printf("%ld retries, %u dup writes acked\n",
	       retries, r->sm.cnt.dup_writes);
	printf("     results: ok %ld link %ld crc %ld status %ld; ",
	       results[0], results[1], results[2], results[3]);
	printf("corrupted-but-OK %ld, gave up %ld\n", corrupted_ok, failed);
	CHECK_EQ(corrupted_ok, 0);
	CHECK_EQ(failed, 0);
	CHECK(faulted > NTRANS / 4);
	for (k = 1; k < WF_KINDS; k++)
		CHECK(kinds[k] > 100);
	CHECK(r->sm.cnt.dup_writes > 0);
	CHECK(retries > 0);
	/* Only retryable errors were seen. */
	CHECK_EQ(results[5] + results[6] + results[7], 0);
	rig_free(r);
}

/* Random byte/RW soup into a slave with a tight heap buffer (ASan). */
static void test_slave_soup(void)
{
	struct rig *r = rig_new(16);
	struct pbus_slave_sm *sm = &r->sm;
	uint8_t f[40], p[16] = { 0 }, out;
	int i, j;

	seed(3);
	for (i = 0; i < 200000; i++) {
		bool rw = (rnd() % 8) == 0;
		uint8_t in = rnd() % 4 ? (0xa0 | (rnd() % 3)) :
			     rnd() % 2 ? PBUS_CMD_WRITE_RETRY : rnd();

		pbus_slave_strobe(sm, rw, in, &out);
		CHECK(sm->state <= PBUS_SS_TX);
		CHECK(sm->tx_len <= 16 + 5);
		if (rnd() % 1000 == 0) {
			pbus_slave_reset(sm);
			CHECK_EQ(sm->state, PBUS_SS_IDLE);
		}
		if (i % 5000 == 4999) {
			/* Never stuck: abort, then a good frame works. */
			pbus_slave_strobe(sm, true, 0, &out);
			pbus_slave_strobe(sm, false, 0xff, NULL);
			CHECK_EQ(sm->state, PBUS_SS_IDLE);
			for (j = 0; j < 16; j++)
				p[j] = rnd();
			sput(sm, f, mkframe(f, PBUS_CMD_WRITE, i, 0, 16, p, 16));
			CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
			pbus_slave_strobe(sm, false, 0xff, NULL);
			CHECK(!memcmp(r->m->data, p, 16));
		}
	}
	rig_free(r);
}

/* ------------------------------------------------ issue 10: defect tests */

/*
 * Smallest weight (2 or 3; 4 means ">= 4") of an error pattern within
 * @nbits that the CRC with normal-form polynomial @poly (degree @width,
 * x^width implicit) does not detect. An undetected pattern is a multiple
 * of the generator; shifted so that its lowest bit is bit 0, it is
 * 1 + x^a (weight 2: x^a mod g == 1) or 1 + x^a + x^b (weight 3:
 * x^a mod g == (x^b mod g) ^ 1), with a, b < nbits. Sets *at to a.
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int crc_min_weight(uint32_t poly, int width, long nbits, long *at)
{
	uint64_t *r = malloc(nbits * sizeof(*r));
	uint32_t top = 1u << (width - 1), mask = (uint32_t)((1ull << width) - 1);
	uint32_t v = 1;
	long i, lo, hi;
	int w = 4;

	for (i = 0; i < nbits; i++) {
		r[i] = (uint64_t)v << 32 | (uint64_t)i;
		if (i && v == 1 && w > 2) {
			w = 2;
			*at = i;
		}
		v = ((v & top) ? (v << 1) ^ poly : v << 1) & mask;
	}
	if (w == 2)
		goto out;
	qsort(r, nbits, sizeof(*r), cmp_u64);
	for (i = 0; i < nbits && w > 3; i++) {
		uint64_t want = (r[i] >> 32) ^ 1;

		lo = 0;
		hi = nbits - 1;
		while (lo <= hi) {
			long mid = (lo + hi) / 2;
			uint64_t m = r[mid] >> 32;

			if (m == want) {
				w = 3;
				*at = (long)(r[i] & 0xffffffff);
				break;
			}
			if (m < want)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	}
out:
	free(r);
	return w;
}

/* Defect 3: CRC-16 has HD 2 on v1's largest frames; CRC-32C HD >= 4. */
static void test_crc_distance(void)
{
	long v1_bits = (PBUS_HDR_LEN + PBUS_MAX_PAYLOAD + 2) * 8;
	/* The longest frame: a write retry, its header with the epoch. */
	long v2_bits = (PBUS_HDR_MAX + PBUS_MAX_PAYLOAD + PBUS_CRC_LEN) * 8;
	long at = 0;

	/* v1 (CRC-16/CCITT, 0x1021): two flips 32767 bits apart pass. */
	CHECK_EQ(crc_min_weight(0x1021, 16, v1_bits, &at), 2);
	CHECK_EQ(at, 32767);
	printf("     v1 CRC-16: undetected 2-bit error %ld bits apart (frame %ld bits)\n",
	       at, v1_bits);
	/* v2 (CRC-32C, 0x1edc6f41): no 2- or 3-bit error passes. */
	CHECK_EQ(crc_min_weight(0x1edc6f41, 32, v2_bits, &at), 4);
	/* 65535 + 16 bytes: the longest frame a header can describe. */
	CHECK_EQ(crc_min_weight(0x1edc6f41, 32, (65535 + 16) * 8, &at), 4);
	printf("     v2 CRC-32C: HD >= 4 up to %ld bits (largest frame %ld bits)\n",
	       (65535L + 16) * 8, v2_bits);
	/* The read request's CRC-8 (0x07): HD 4 over header + check. */
	CHECK_EQ(crc_min_weight(0x07, 8,
				(PBUS_HDR_LEN + PBUS_RD_CHECK_LEN) * 8, &at), 4);
}

/* Defect 2: no <= 3 flips, nor two lines flipped in both bytes, forge OK. */
static void test_ack_distance(void)
{
	uint8_t hdr[PBUS_HDR_LEN], other[PBUS_HDR_LEN], ack[2], e[2];
	struct pbus_hdr h = { PBUS_CMD_WRITE, 0, 0x1000, 64 };
	int tag, code, e16, m, forged = 0, v1min = 16;

	/* v1: one status byte, OK is two flips from CRC, FRAME, LEN. */
	for (code = 1; code < 8; code++) {
		int d = __builtin_popcount(PBUS_STATUS_ENCODE(0) ^
					   PBUS_STATUS_ENCODE(code));
		if (d < v1min)
			v1min = d;
	}
	CHECK_EQ(v1min, 2);
	for (tag = 0; tag < 256; tag++) {
		h.tag = tag;
		h.addr = 0x1000 + tag * 4099;
		pbus_hdr_pack(&h, hdr);
		for (code = 1; code <= PBUS_ST_RESET; code++) {
			ack[0] = PBUS_STATUS_ENCODE(code);
			ack[1] = pbus_ack_check(hdr, ack[0]);
			CHECK(pbus_ack_decode(hdr, ack) != PBUS_XR_OK);
			for (e16 = 1; e16 < 0x10000; e16++) {
				if (__builtin_popcount(e16) > 3)
					continue;
				e[0] = ack[0] ^ (e16 & 0xff);
				e[1] = ack[1] ^ (e16 >> 8);
				if (pbus_ack_decode(hdr, e) == PBUS_XR_OK)
					forged++;
			}
			/* The same two (or one) lines wrong on both bytes. */
			for (m = 1; m < 256; m++) {
				if (__builtin_popcount(m) > 2)
					continue;
				e[0] = ack[0] ^ m;
				e[1] = ack[1] ^ m;
				if (pbus_ack_decode(hdr, e) == PBUS_XR_OK)
					forged++;
			}
		}
		/* Another frame's OK (stale or misplaced) is not this one's. */
		ack[0] = PBUS_STATUS_ENCODE(PBUS_ST_OK);
		h.tag ^= 1;
		pbus_hdr_pack(&h, other);
		ack[1] = pbus_ack_check(other, ack[0]);
		CHECK(pbus_ack_decode(hdr, ack) != PBUS_XR_OK);
		h.tag ^= 1;
	}
	CHECK_EQ(forged, 0);
	/* Released lines never read as an answer. */
	ack[0] = 0xff;
	ack[1] = 0xff;
	CHECK(pbus_ack_decode(hdr, ack) != PBUS_XR_OK);
}

/*
 * Defect 1, deterministic: a W1C write to IRQ_STATUS whose answer is lost
 * (its ACK never arrives), a new event, then the kernel's retry policy.
 * v1 policy (resync read bumps the tag, LINK halves): the retry runs
 * again and swallows the event. v2: acknowledged from the duplicate
 * memory, the event stays.
 */
static void w1c_case(const struct fx_policy *pol, uint32_t *left,
		     long *execs)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct wire w;
	struct fx_host h;
	uint8_t clr[4] = { 1, 0, 0, 0 };

	fx_init(x, &w, false, 0x77);
	fx_host_init(&h, &w);
	h.pol = *pol;
	CHECK_EQ(fx_link_up_op(&h), 0);
	CHECK_EQ(h.xs.epoch, x->sm.epoch);
	x->expect = clr;
	x->expect_addr = PBUS_REG_BASE + PBUS_REG_IRQ_STATUS;
	x->expect_len = 4;
	x->irq_status = 1;
	/* Strobe 8 + 4 + 4 = 16 is the first answer byte: its ACK is lost. */
	wire_arm(&w, WF_LOST_ACK, 16, 0);
	/* The event comes again right after the first write ran. */
	x->irq_status = 1;
	{
		/* Run the first attempt by hand to raise the event between. */
		int r = pbus_master_write(&wire_ops, &w, h.xs.tag,
					  x->expect_addr, clr, 4, false, 0);

		CHECK_EQ(r, PBUS_XR_LINK);
		CHECK_EQ(x->irq_status, 0);
		x->irq_status = 1;	/* new event */
		/* ... and the policy's retry of the same transfer */
		CHECK_EQ(fx_resync(&h), PBUS_XR_OK);
		if (pol->v1_tag)
			h.xs.tag++;	/* v1: the failed frame's tag was never kept */
		r = pbus_master_write(&wire_ops, &w, h.xs.tag, x->expect_addr,
				      clr, 4, !pol->v1_no_flag, h.xs.epoch);
		CHECK_EQ(r, PBUS_XR_OK);
	}
	*left = x->irq_status;
	*execs = x->writes;
	free(x);
}

static void test_w1c_retry(void)
{
	static const struct fx_policy v1 = { true, true, true }, v2 = { 0 };
	uint32_t left;
	long execs;

	w1c_case(&v1, &left, &execs);
	CHECK_EQ(execs, 2);	/* the defect, with the v1 policy */
	CHECK_EQ(left, 0);	/* event swallowed */
	w1c_case(&v2, &left, &execs);
	CHECK_EQ(execs, 1);
	CHECK_EQ(left, 1);
}

/* The campaign's per-class numbers for @n transactions of each class. */
static void campaign(const struct fx_policy *pol, long n, struct fx_class *sum,
		     bool print)
{
	struct fx_campaign *c = malloc(sizeof(*c));
	int f;
	long i;

	fx_campaign_init(c, 0xc0ffee, pol);
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n * (WF_KINDS - 1); i++)
		fx_campaign_one(c, 1 + i % (WF_KINDS - 1));
	for (f = 1; f < WF_KINDS; f++) {
		struct fx_class *k = &c->cls[f];

		if (print)
			printf("     %-8s trans %ld inj %ld det %ld retried %ld ",
			       fx_class_name[f], k->trans, k->injected,
			       k->detected, k->retried);
		if (print)
			printf("failed %ld (mayrun %ld) ", k->failed, k->doubt);
		if (print)
			printf("reset %ld (stale %ld, false %ld) ", k->reset,
			       k->stale, k->false_reset);
		if (print)
			printf("corrupt %ld double %ld lost %ld lies %ld\n",
			       k->corrupt, k->doubles, k->lost, k->lies);
		sum->trans += k->trans;
		sum->injected += k->injected;
		sum->failed += k->failed;
		sum->reset += k->reset;
		sum->stale += k->stale;
		sum->false_reset += k->false_reset;
		sum->corrupt += k->corrupt;
		sum->doubles += k->doubles;
		sum->lost += k->lost;
		sum->lies += k->lies;
	}
	fx_campaign_free(c);
	free(c);
}

/* Defect 1 under every fault class, v1 policy vs v2. */
static void test_exactly_once(void)
{
	static const struct fx_policy v1 = { true, true, true }, v2 = { 0 };
	struct fx_class s;

	campaign(&v1, 3000, &s, false);
	printf("     v1 policy: %ld double executions in %ld transactions\n",
	       s.doubles, s.trans);
	CHECK(s.doubles > 0);
	campaign(&v2, 3000, &s, true);
	CHECK(s.injected > 5000);
	CHECK_EQ(s.corrupt, 0);
	CHECK_EQ(s.doubles, 0);
	CHECK_EQ(s.lost, 0);
	CHECK_EQ(s.lies, 0);
	/* "May have run" (-ECONNRESET) only from a remote really reset. */
	CHECK_EQ(s.false_reset, 0);
	CHECK(s.reset > 0);
}

/*
 * The transfer engine alone, over scripted frame results: the tag, the
 * in-doubt flag and length, payload halving and growth, NOTCONN and
 * RESET, and how often each op runs.
 */
struct xe {
	struct pbus_xfer_state st;
	const int *res;		/* frame results in order, then OK */
	int nres, i;
	int link_ok;		/* link_up/resync succeed this many times */
	int fail_first;		/* ... after this many that fail */
	long frames, link_ups, resyncs, retried;
	uint8_t tag[32];
	uint16_t len[32];
	bool retry[32];
	uint32_t epoch[32];
};

static int xe_frame(void *ctx, bool wr, uint8_t tag, uint32_t addr,
		    uint8_t *buf, uint16_t len, bool retry, uint32_t epoch)
{
	struct xe *e = ctx;
	int k = e->frames++;

	(void)wr;
	(void)addr;
	(void)buf;
	if (k < 32) {
		e->tag[k] = tag;
		e->len[k] = len;
		e->retry[k] = retry;
		e->epoch[k] = epoch;
	}
	return e->i < e->nres ? e->res[e->i++] : PBUS_XR_OK;
}

static int xe_up(struct xe *e)
{
	if (e->fail_first > 0) {
		e->fail_first--;
		e->st.link_up = false;
		return -1;
	}
	e->st.link_up = e->link_ok > 0;
	if (e->link_ok > 0)
		e->link_ok--;
	return e->st.link_up ? 0 : -1;
}

/* A link-up learns the epoch: a new one each time here (a reset remote). */
static int xe_link_up(void *ctx)
{
	struct xe *e = ctx;

	e->link_ups++;
	e->st.epoch++;
	return xe_up(e);
}

static int xe_resync(void *ctx)
{
	struct xe *e = ctx;

	e->resyncs++;
	return xe_up(e);
}

static void xe_retried(void *ctx, uint32_t attempt, int r)
{
	struct xe *e = ctx;

	(void)attempt;
	(void)r;
	e->retried++;
}

static const struct pbus_xfer_ops xe_ops = {
	.frame = xe_frame,
	.link_up = xe_link_up,
	.resync = xe_resync,
	.retried = xe_retried,
};

static void xe_init(struct xe *e, const int *res, int nres)
{
	memset(e, 0, sizeof(*e));
	e->st.link_up = true;
	e->st.tag = 7;
	e->st.epoch = 100;
	e->st.retries = 8;
	e->st.max_payload = 512;
	e->st.cur_payload = 512;
	e->res = res;
	e->nres = nres;
	e->link_ok = 100;
}

static void test_xfer_engine(void)
{
	static uint8_t buf[2048];
	static const int doubt[] = { PBUS_XR_LINK, PBUS_XR_CRC, PBUS_XR_STATUS };
	static const int crc[] = { PBUS_XR_CRC, PBUS_XR_CRC };
	static const int reset[] = { PBUS_XR_LINK, PBUS_XR_RESET };
	static const int fin[] = { PBUS_XR_ADDR };
	int many[9] = { 0 };
	struct xe e;
	bool d;
	int i;

	/* Write in doubt: same tag and length, flagged, tag +1 at the end. */
	xe_init(&e, doubt, 3);
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 300, &d),
		 PBUS_XR_OK);
	CHECK_EQ(e.frames, 4);
	CHECK_EQ(e.retried, 3);
	CHECK_EQ(e.resyncs, 1);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(e.tag[i], 7);
		CHECK_EQ(e.len[i], 300);	/* CRC after doubt: no halving */
	}
	CHECK(!e.retry[0] && e.retry[1] && e.retry[2] && e.retry[3]);
	CHECK_EQ(e.st.tag, 8);
	CHECK(!d);

	/*
	 * A link-up between the attempt in doubt and its retry learns a
	 * new epoch: the retry still carries the old one (the remote must
	 * judge it by the epoch its original went out in); the next frame
	 * goes out under the new one.
	 */
	xe_init(&e, doubt, 1);
	e.fail_first = 1;	/* the resync fails, the link-up works */
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 600, &d),
		 PBUS_XR_OK);
	CHECK_EQ(e.resyncs, 1);
	CHECK_EQ(e.link_ups, 1);
	CHECK_EQ(e.st.epoch, 101);
	CHECK_EQ(e.frames, 3);
	CHECK(!e.retry[0] && e.retry[1] && !e.retry[2]);
	CHECK_EQ(e.epoch[0], 100);
	CHECK_EQ(e.epoch[1], 100);	/* the retry: the original's epoch */
	CHECK_EQ(e.epoch[2], 101);	/* the next frame: the new one */
	CHECK_EQ(e.len[1], 512);

	/* CRC without doubt halves, PBUS_CLEAN_TO_GROW good frames double. */
	xe_init(&e, crc, 2);
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, false, 0, buf, 1024, &d),
		 PBUS_XR_OK);
	CHECK_EQ(e.len[0], 512);
	CHECK_EQ(e.len[1], 256);
	CHECK_EQ(e.len[2], 128);
	CHECK_EQ(e.st.cur_payload, 128);
	CHECK_EQ(e.frames, 10);		/* 2 failed + 8 x 128 */
	CHECK_EQ(e.st.tag, 7);		/* reads leave the tag alone */
	for (i = 8; i < PBUS_CLEAN_TO_GROW - 1; i++)
		CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, false, 0, buf, 1,
				       NULL), PBUS_XR_OK);
	CHECK_EQ(e.st.cur_payload, 128);
	for (; i < PBUS_CLEAN_TO_GROW; i++)
		CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, false, 0, buf, 1,
				       NULL), PBUS_XR_OK);
	CHECK_EQ(e.st.cur_payload, 256);

	/* RESET after doubt: final, may have run, link down, tag moves. */
	xe_init(&e, reset, 2);
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 8, &d),
		 PBUS_XR_RESET);
	CHECK(d && !e.st.link_up);
	CHECK_EQ(e.st.tag, 8);

	/* A final error is not retried; not in doubt. */
	xe_init(&e, fin, 1);
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 8, &d),
		 PBUS_XR_ADDR);
	CHECK(!d);
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(e.retried, 0);

	/* Retries spent: the last result, R + 1 frames. */
	for (i = 0; i < 9; i++)
		many[i] = PBUS_XR_BUSY;
	xe_init(&e, many, 9);
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, false, 0, buf, 8, &d),
		 PBUS_XR_BUSY);
	CHECK_EQ(e.frames, 9);
	CHECK_EQ(e.retried, 8);

	/* Link lost and never back: NOTCONN after R attempts, tag moves. */
	xe_init(&e, doubt, 1);
	e.link_ok = 0;
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 8, &d),
		 PBUS_XR_NOTCONN);
	CHECK(d);
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(e.resyncs, 1);
	CHECK_EQ(e.link_ups, 7);	/* 1 LINK retry + 7 link-up retries */
	CHECK_EQ(e.retried, 8);
	CHECK_EQ(e.st.tag, 8);

	/* Link down on entry and still down: NOTCONN, nothing sent. */
	xe_init(&e, NULL, 0);
	e.st.link_up = false;
	e.link_ok = 0;
	CHECK_EQ(pbus_xfer_run(&xe_ops, &e, &e.st, true, 0, buf, 8, &d),
		 PBUS_XR_NOTCONN);
	CHECK_EQ(e.frames, 0);
	CHECK_EQ(e.link_ups, 1);
	CHECK_EQ(e.st.tag, 7);
}

/*
 * Defect 5, core part: the engine's checkpoint, where the kernel master
 * drops its bus lock (r == PBUS_XR_OK) or checks for a fatal signal and
 * its frame budget (any other r). A checkpoint with r == OK comes only
 * between frames, after one answered OK and before the next one's first
 * attempt, never between an attempt and its retry.
 */
struct xc {
	struct xe e;
	int calls;
	int r[16];		/* r of each call */
	long at[16];		/* frames sent before it */
	int stop_at;		/* call (1-based) that ends the transfer, 0: none */
	bool drop_link;		/* the OK call takes the link down (another user) */
	int bad;		/* OK calls right after a frame that was not OK */
	int last;		/* result of the latest frame */
};

static int xc_frame(void *ctx, bool wr, uint8_t tag, uint32_t addr,
		    uint8_t *buf, uint16_t len, bool retry, uint32_t epoch)
{
	struct xc *c = ctx;

	c->last = xe_frame(&c->e, wr, tag, addr, buf, len, retry, epoch);
	return c->last;
}

static int xc_link_up(void *ctx)
{
	return xe_link_up(&((struct xc *)ctx)->e);
}

static int xc_resync(void *ctx)
{
	return xe_resync(&((struct xc *)ctx)->e);
}

static void xc_retried(void *ctx, uint32_t attempt, int r)
{
	xe_retried(&((struct xc *)ctx)->e, attempt, r);
}

static int xc_checkpoint(void *ctx, int r)
{
	struct xc *c = ctx;
	int k = c->calls++;

	if (k < 16) {
		c->r[k] = r;
		c->at[k] = c->e.frames;
	}
	if (r == PBUS_XR_OK && c->last != PBUS_XR_OK)
		c->bad++;
	if (r == PBUS_XR_OK && c->drop_link)
		c->e.st.link_up = false;
	return c->calls == c->stop_at ? PBUS_XR_INTR : 0;
}

static const struct pbus_xfer_ops xc_ops = {
	.frame = xc_frame,
	.link_up = xc_link_up,
	.resync = xc_resync,
	.retried = xc_retried,
	.checkpoint = xc_checkpoint,
};

static void xc_init(struct xc *c, const int *res, int nres)
{
	memset(c, 0, sizeof(*c));
	xe_init(&c->e, res, nres);
}

static void test_xfer_checkpoint(void)
{
	static uint8_t buf[2048];
	static const int link[] = { PBUS_XR_LINK };
	static const int crc[] = { PBUS_XR_CRC };
	static const int link_ok_link[] = { PBUS_XR_LINK, PBUS_XR_OK,
					    PBUS_XR_LINK };
	struct xc c;
	bool d;
	int i;

	/*
	 * 3 frames of 512, the first in doubt once: a call between its
	 * attempts (LINK, before the resync), one after each frame but the
	 * last; the retry follows its original with no OK call between.
	 */
	xc_init(&c, link_ok_link, 3);
	CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, true, 0, buf, 1536, &d),
		 PBUS_XR_OK);
	CHECK_EQ(c.e.frames, 5);
	CHECK_EQ(c.calls, 4);
	CHECK_EQ(c.r[0], PBUS_XR_LINK);
	CHECK_EQ(c.at[0], 1);
	CHECK_EQ(c.r[1], PBUS_XR_OK);
	CHECK_EQ(c.at[1], 2);
	CHECK_EQ(c.r[2], PBUS_XR_LINK);
	CHECK_EQ(c.r[3], PBUS_XR_OK);
	CHECK_EQ(c.bad, 0);
	/* Each retry carries its original's tag: no frame between them. */
	CHECK(c.e.retry[1] && c.e.tag[1] == c.e.tag[0]);
	CHECK(!c.e.retry[2] && c.e.tag[2] == c.e.tag[0] + 1);
	CHECK(c.e.retry[3] && c.e.tag[3] == c.e.tag[2]);
	CHECK(!c.e.retry[4] && c.e.tag[4] == c.e.tag[3] + 1);
	CHECK_EQ(c.e.st.tag, 10);
	CHECK(!d);

	/* Ended between frames: nothing in doubt, the done frame's tag moved. */
	xc_init(&c, NULL, 0);
	c.stop_at = 1;
	CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, true, 0, buf, 1024, &d),
		 PBUS_XR_INTR);
	CHECK_EQ(c.e.frames, 1);
	CHECK(!d);
	CHECK(c.e.st.link_up);
	CHECK_EQ(c.e.st.tag, 8);

	/*
	 * Ended between a LINK attempt and its retry: given up in doubt,
	 * not resynced, so the link is down for the next user; the tag is
	 * never used again.
	 */
	xc_init(&c, link, 1);
	c.stop_at = 1;
	CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, true, 0, buf, 100, &d),
		 PBUS_XR_INTR);
	CHECK(d);
	CHECK(!c.e.st.link_up);
	CHECK_EQ(c.e.resyncs, 0);
	CHECK_EQ(c.e.retried, 0);
	CHECK_EQ(c.e.frames, 1);
	CHECK_EQ(c.e.st.tag, 8);

	/* After a checked CRC answer: not in doubt, the link stays up. */
	xc_init(&c, crc, 1);
	c.stop_at = 1;
	CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, true, 0, buf, 100, &d),
		 PBUS_XR_INTR);
	CHECK(!d);
	CHECK(c.e.st.link_up);
	CHECK_EQ(c.r[0], PBUS_XR_CRC);

	/* Before the link-up that retries a failed resync (NOTCONN). */
	xc_init(&c, link, 1);
	c.e.link_ok = 0;
	c.stop_at = 2;
	CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, true, 0, buf, 100, &d),
		 PBUS_XR_INTR);
	CHECK_EQ(c.r[0], PBUS_XR_LINK);
	CHECK_EQ(c.r[1], PBUS_XR_NOTCONN);
	CHECK_EQ(c.e.resyncs, 1);
	CHECK_EQ(c.e.link_ups, 0);
	CHECK(d);

	/*
	 * Another user took the link down while the caller let go of the
	 * wire between frames: the next frame brings it up first, as at
	 * the start of a transfer, even with no retries allowed.
	 */
	for (i = 0; i < 2; i++) {
		xc_init(&c, NULL, 0);
		c.drop_link = true;
		c.e.st.retries = i ? 0 : 8;
		CHECK_EQ(pbus_xfer_run(&xc_ops, &c, &c.e.st, false, 0, buf,
				       1024, &d), PBUS_XR_OK);
		CHECK_EQ(c.e.link_ups, 1);
		CHECK_EQ(c.e.frames, 2);
	}
}

/*
 * Why the checkpoint between attempts must not let another frame onto the
 * wire: a write whose answer was lost runs on the remote, and its retry
 * is answered from the remote's duplicate memory. A write of another
 * caller between them replaces that memory, and the retry runs again. At
 * a boundary (where the kernel master drops its lock) the same writer is
 * harmless.
 */
struct il {
	struct fx_host h;	/* first: the engine's ctx */
	struct fx *x;
	struct wire *w;
	int when;		/* interleave at: 1 between attempts, 2 at a boundary */
	int done;
};

static int il_checkpoint(void *ctx, int r)
{
	struct il *il = ctx;
	uint8_t v[4] = { 0x5a, 0, 0, 0 };
	bool between = r != PBUS_XR_OK;
	bool wanted = il->when == 1;

	if (il->done || between != wanted)
		return 0;
	il->done = 1;
	/* Another caller's write to SCRATCH, as if it had taken the lock. */
	if (r != PBUS_XR_OK)
		fx_resync_tries(&il->h);
	CHECK_EQ(fx_xfer(&il->h, true, PBUS_REG_BASE + PBUS_REG_SCRATCH, v, 4,
			 NULL), 0);
	/* At a boundary: the next frame's answer is lost. */
	if (r == PBUS_XR_OK)
		wire_arm(il->w, WF_LOST_ACK, 28, 0);
	return 0;
}

static void il_case(int when, uint32_t *counter, long *max_exec)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct pbus_xfer_ops ops = fx_xfer_ops;
	static uint8_t d[32];
	struct wire w;
	struct il il;
	long i, m = 0;

	fx_init(x, &w, false, 0x1234u);
	memset(&il, 0, sizeof(il));
	fx_host_init(&il.h, &w);
	il.x = x;
	il.w = &w;
	il.when = when;
	ops.checkpoint = il_checkpoint;
	CHECK_EQ(fx_link_up_op(&il.h), 0);
	if (when == 1) {
		/* COUNTER += 2, its answer lost (strobes 16, 17). */
		d[0] = 2;
		x->expect = d;
		x->expect_addr = PBUS_REG_BASE + FX_REG_COUNTER;
		x->expect_len = 4;
		wire_arm(&w, WF_LOST_ACK, 16, 0);
		CHECK_EQ(fx_errno(pbus_xfer_run(&ops, &il.h, &il.h.xs, true,
						x->expect_addr, d, 4, NULL)),
			 0);
	} else {
		/* 32 bytes in two frames of 16; the second frame's answer lost. */
		for (i = 0; i < 32; i++)
			d[i] = (uint8_t)(i + 1);
		il.h.xs.max_payload = 16;
		il.h.xs.cur_payload = 16;
		x->expect = d;
		x->expect_addr = 64;
		x->expect_len = 32;
		CHECK_EQ(fx_errno(pbus_xfer_run(&ops, &il.h, &il.h.xs, true, 64,
						d, 32, NULL)), 0);
		CHECK(!memcmp(x->mem + 64, d, 32));
	}
	CHECK_EQ(il.done, 1);
	/* The lost answer was retried: from the memory, or run again. */
	CHECK_EQ(w.fired, 1);
	CHECK_EQ(x->sm.cnt.dup_writes, when == 1 ? 0 : 1);
	for (i = 0; i < x->expect_len && i < FX_MAXP; i++)
		if (x->tx_exec[i] > m)
			m = x->tx_exec[i];
	*counter = x->counter;
	*max_exec = m;
	free(x);
}

static void test_xfer_interleave(void)
{
	uint32_t counter;
	long m;

	/* A frame between an attempt and its retry: the write runs twice. */
	il_case(1, &counter, &m);
	CHECK_EQ(counter, 4);
	CHECK_EQ(m, 2);
	/* Between frames, where the master lets others in: once each. */
	il_case(2, &counter, &m);
	CHECK_EQ(m, 1);
}

/*
 * Defect 8, core part: RESET forgets the duplicate memory and starts a
 * new epoch, the idle timeout keeps both.
 */
static void test_restart(void)
{
	struct rig *r = rig_new(MAXP);
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t e0 = r->sm.epoch;

	CHECK_EQ(e0, RIG_SEED);
	CHECK(!r->sm.last_valid);
	CHECK_EQ(rwrite(r, 1, 0, a, 8), PBUS_XR_OK);
	CHECK(r->sm.last_valid);
	r->sm.cnt.frames = 5;
	pbus_slave_reset(&r->sm);
	CHECK(r->sm.last_valid);
	CHECK_EQ(r->sm.epoch, e0);
	pbus_slave_restart(&r->sm);
	CHECK(!r->sm.last_valid);
	CHECK(r->sm.epoch != e0 && r->sm.epoch);
	CHECK_EQ(r->sm.cnt.frames, 5);	/* counters stay */
	CHECK_EQ(rretry(r, 1, 0, a, 8, e0), PBUS_XR_RESET);
	CHECK_EQ(r->sm.cnt.reset_refused, 1);
	CHECK_EQ(r->m->writes, 1);
	rig_free(r);
}

/* The epoch register and its sequence: never 0, no early repeat. */
static void test_epoch(void)
{
	struct rig *r = rig_new(MAXP);
	static uint32_t seen[4096];
	uint8_t v[4], a[4] = { 1, 2, 3, 4 }, f[64];
	uint32_t e;
	size_t n;
	int i, j, dup = 0, zero = 0;

	/* Seed 0 (tests only) still gives a non-zero epoch. */
	pbus_slave_init(&r->sm, &mem_be, r->m, r->sbuf, MAXP, 0);
	CHECK(r->sm.epoch != 0);
	for (i = 0; i < 4096; i++) {
		seen[i] = r->sm.epoch;
		pbus_slave_restart(&r->sm);
		zero += !r->sm.epoch;
	}
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			dup += seen[i] == seen[j];
	CHECK_EQ(zero, 0);
	CHECK_EQ(dup, 0);

	/* The fx remote serves it as PBUS_REG_EPOCH, read-only. */
	{
		struct fx *x = calloc(1, sizeof(*x));
		struct wire w;
		struct fx_host h;

		fx_init(x, &w, false, 0xabcdef01u);
		fx_host_init(&h, &w);
		CHECK_EQ(fx_xfer(&h, false, PBUS_REG_BASE + PBUS_REG_EPOCH, v, 4,
				 NULL), 0);
		CHECK_EQ(fx_le32(v), 0xabcdef01u);
		CHECK_EQ(h.xs.epoch, 0xabcdef01u);	/* learned at link-up */
		CHECK_EQ(fx_xfer(&h, true, PBUS_REG_BASE + PBUS_REG_EPOCH, v, 4,
				 NULL), -EPERM);
		free(x);
	}

	/* The retry header: cmd 0xa9, then the epoch, under the CRC. */
	pbus_slave_init(&r->sm, &mem_be, r->m, r->sbuf, MAXP, 0x11223344u);
	mk_epoch = 0x11223344u;
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 3, 16, 4, a, 4);
	CHECK_EQ(n, PBUS_HDR_MAX + 4 + PBUS_CRC_LEN);
	CHECK_EQ(f[8], 0x44);
	CHECK_EQ(f[11], 0x11);
	/* A flipped epoch bit is a CRC error (not a RESET: never judged). */
	for (i = 0; i < 32; i++) {
		f[8 + i / 8] ^= 1u << (i % 8);
		sput(&r->sm, f, n);
		CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
		pbus_slave_strobe(&r->sm, false, 0xff, NULL);
		f[8 + i / 8] ^= 1u << (i % 8);
	}
	CHECK_EQ(r->sm.cnt.reset_refused, 0);
	CHECK_EQ(r->m->writes, 0);
	/*
	 * Intact, another epoch, nothing run in this one yet: the original
	 * may have run before a restart. RESET, not run.
	 */
	mk_epoch = 0x11223345u;
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 3, 16, 4, a, 4);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_RESET));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 0);
	CHECK_EQ(r->sm.cnt.reset_refused, 1);
	/* Intact, same epoch, not in the memory: the original never ran. */
	mk_epoch = 0x11223344u;
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 3, 16, 4, a, 4);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	CHECK_EQ(sget(&r->sm), pbus_ack_check(f, PBUS_STATUS_ENCODE(PBUS_ST_OK)));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 1);
	/* Again: replayed from the memory. */
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 1);
	CHECK_EQ(r->sm.cnt.dup_writes, 1);
	/* Replayed in any epoch: the memory is of this one only. */
	mk_epoch = 0x11223345u;
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 3, 16, 4, a, 4);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 1);
	CHECK_EQ(r->sm.cnt.dup_writes, 2);
	/*
	 * Another epoch, not in the memory, but a write ran in this epoch:
	 * that one came from the host before this frame, so the restart
	 * came before this frame's original, which the memory would know.
	 * It never ran: run it.
	 */
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 4, 16, 4, a, 4);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 2);
	CHECK_EQ(r->sm.cnt.reset_refused, 1);
	/* A restart makes it fresh again: refused. */
	pbus_slave_restart(&r->sm);
	e = r->sm.epoch;
	CHECK(e != 0x11223344u && e);
	n = mkframe(f, PBUS_CMD_WRITE_RETRY, 5, 16, 4, a, 4);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_RESET));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 2);
	/* The epoch is only in a retry's header: a plain write runs. */
	n = mkframe(f, PBUS_CMD_WRITE, 5, 16, 4, a, 4);
	CHECK_EQ(n, PBUS_HDR_LEN + 4 + PBUS_CRC_LEN);
	sput(&r->sm, f, n);
	CHECK_EQ(sget(&r->sm), PBUS_STATUS_ENCODE(PBUS_ST_OK));
	pbus_slave_strobe(&r->sm, false, 0xff, NULL);
	CHECK_EQ(r->m->writes, 3);
	mk_epoch = 0;
	rig_free(r);
}

/*
 * The merge blocker of proto2 (22-bus-faults, flip_every=1000): on a
 * remote just initialised or reset (empty duplicate memory), a write
 * whose request was damaged (never ran) and whose answer was lost too
 * was refused as "may have run". Through the kernel's engine: it must
 * succeed, executing exactly once. Without the epoch it gives
 * -ECONNRESET.
 */
static void fresh_case(const char *what, enum wire_fault f1, long at1,
		       enum wire_fault f2, long at2, bool reset_first)
{
	struct fx *x = calloc(1, sizeof(*x));
	uint8_t d[32];
	struct wire w;
	struct fx_host h;
	bool doubt;
	int i, ret;

	fx_init(x, &w, true, 0xf2e5u);
	fx_host_init(&h, &w);
	if (reset_first) {
		/* pbus_reset_remote(): RESET pulse, then a link-up. */
		CHECK_EQ(fx_link_up_op(&h), 0);
		fx_reset(x);
		h.xs.link_up = false;
	}
	/* Bytes 0..3: seq 1 in the write log. */
	for (i = 0; i < 32; i++)
		d[i] = i < 4 ? i == 0 : 7 * i;
	x->expect = d;
	x->expect_addr = 64;
	x->expect_len = 32;
	/* The link-up's frames go first: the faults hit the write. */
	CHECK_EQ(fx_link_up_op(&h), 0);
	wire_arm(&w, f1, at1, 2);
	if (f2 != WF_NONE)
		wire_arm2(&w, f2, at2, 5);
	ret = fx_xfer(&h, true, 64, d, 32, &doubt);
	if (ret || x->exec[1] != 1 || w.fired != (f2 != WF_NONE ? 2 : 1))
		printf("     %s: ret %d, executed %u times, %d faults\n", what,
		       ret, x->exec[1], w.fired);
	CHECK_EQ(ret, 0);
	CHECK_EQ(x->exec[1], 1);
	CHECK_EQ(x->doubles, 0);
	CHECK_EQ(x->corrupt, 0);
	CHECK(x->sm.cnt.crc_errors + x->sm.cnt.aborts > 0);
	CHECK_EQ(x->sm.cnt.reset_refused, 0);
	CHECK(!memcmp(x->mem + 64, d, 32));
	free(x->exec);
	free(x);
}

static void test_fresh_retry(void)
{
	/* Strobes of a 32-byte write: header 0..7, payload 8..39, CRC 40..43, answer 44, 45. */
	fresh_case("payload flip + status flip", WF_FLIP, 20, WF_FLIP, 44,
		   false);
	fresh_case("payload flip + lost ACK", WF_FLIP, 20, WF_LOST_ACK, 44,
		   false);
	fresh_case("two-line flip in the CRC + garbled check", WF_FLIP2, 41,
		   WF_FLIP, 45, false);
	fresh_case("glitch in the header + RW flip", WF_GLITCH, 3, WF_RW, 44,
		   false);
	/* A single lost edge: the request is cut, the host cannot know. */
	fresh_case("request cut by a timeout", WF_TIMEOUT, 20, WF_NONE, 0,
		   false);
	fresh_case("byte drop + lost ACK", WF_DROP, 10, WF_LOST_ACK, 44,
		   false);
	/* The same right after a RESET the host gave (it re-learns the epoch). */
	fresh_case("after RESET: payload flip + status flip", WF_FLIP, 20,
		   WF_FLIP, 44, true);
	fresh_case("after RESET: request cut by a timeout", WF_TIMEOUT, 20,
		   WF_NONE, 0, true);
}

/*
 * The other side of it: a write that did run, whose answer was lost,
 * then the remote was reset before the retry: the caller is told
 * -ECONNRESET ("may have run"), and it ran exactly once. A fix that just
 * let a retry run on a remote with an empty memory would run it twice.
 */
static void test_reset_retry(void)
{
	struct fx *x = calloc(1, sizeof(*x));
	uint8_t d[4] = { 2, 0, 0, 0 }, e[4];
	struct wire w;
	struct fx_host h;
	uint32_t e0;
	bool doubt;
	int ret;

	fx_init(x, &w, true, 0xbeefu);
	fx_host_init(&h, &w);
	CHECK_EQ(fx_link_up_op(&h), 0);
	e0 = h.xs.epoch;
	x->expect = d;
	x->expect_addr = PBUS_REG_BASE + FX_REG_COUNTER;
	x->expect_len = 4;
	/* 4-byte write: answer at strobes 16, 17; lost ACK on the status. */
	wire_arm(&w, WF_LOST_ACK, 16, 0);
	/* The remote resets before the resync's first strobe. */
	wire_arm2(&w, WF_RESET, 18, 0);
	ret = fx_xfer(&h, true, x->expect_addr, d, 4, &doubt);
	CHECK_EQ(ret, -ECONNRESET);
	CHECK(doubt);
	CHECK_EQ(w.fired, 2);
	CHECK_EQ(x->exec[2], 1);
	CHECK_EQ(x->counter, 2);	/* ran once, not twice */
	CHECK_EQ(x->doubles, 0);
	CHECK_EQ(x->sm.cnt.reset_refused, 1);
	CHECK(!h.xs.link_up);		/* the next transfer re-learns the epoch */
	CHECK(x->sm.epoch != e0);
	CHECK_EQ(fx_xfer(&h, false, PBUS_REG_BASE + PBUS_REG_EPOCH, e, 4, NULL),
		 0);
	CHECK_EQ(h.xs.epoch, x->sm.epoch);
	CHECK_EQ(fx_le32(e), x->sm.epoch);

	/*
	 * A reset the host did not see (before the write; the host's epoch
	 * is stale): the write ran in the new epoch, its answer was lost;
	 * the retry is answered from the memory, OK, once.
	 */
	fx_reset(x);
	d[0] = 3;
	wire_arm(&w, WF_LOST_ACK, 16, 0);
	ret = fx_xfer(&h, true, x->expect_addr, d, 4, &doubt);
	CHECK_EQ(ret, 0);
	CHECK_EQ(x->exec[3], 1);
	CHECK_EQ(x->counter, 5);
	CHECK_EQ(x->sm.cnt.dup_writes, 1);
	/*
	 * ... and one whose request was damaged (never ran) runs on retry:
	 * the write above ran in this epoch, so the restart came before
	 * this write, and the memory would know if it had run.
	 */
	d[0] = 4;
	wire_arm(&w, WF_FLIP, 10, 1);
	wire_arm2(&w, WF_LOST_ACK, 16, 0);
	ret = fx_xfer(&h, true, x->expect_addr, d, 4, &doubt);
	CHECK_EQ(ret, 0);
	CHECK_EQ(x->exec[4], 1);
	CHECK_EQ(x->counter, 9);
	/*
	 * The one case left: a reset the host did not see, then a write
	 * (the first since) that is damaged and in doubt. The remote cannot
	 * tell it from one that ran before the reset: -ECONNRESET, not run,
	 * and the remote really was reset.
	 */
	fx_reset(x);
	d[0] = 5;
	wire_arm(&w, WF_FLIP, 10, 1);
	wire_arm2(&w, WF_LOST_ACK, 16, 0);
	ret = fx_xfer(&h, true, x->expect_addr, d, 4, &doubt);
	CHECK_EQ(ret, -ECONNRESET);
	CHECK_EQ(x->exec[5], 0);
	CHECK_EQ(x->counter, 9);
	/* Told so, the host re-learns the epoch: the write now runs. */
	ret = fx_xfer(&h, true, x->expect_addr, d, 4, &doubt);
	CHECK_EQ(ret, 0);
	CHECK_EQ(x->exec[5], 1);
	CHECK_EQ(x->counter, 14);
	CHECK_EQ(h.xs.epoch, x->sm.epoch);
	free(x->exec);
	free(x);
}

/* Handshakes per 512-byte frame (v2 must stay >= 97 % both ways). */
static void test_efficiency(void)
{
	struct rig *r = rig_new(MAXP);
	uint8_t a[MAXP] = { 0 }, b[MAXP];
	long ws, rs;

	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(rwrite(r, 1, 0, a, MAXP), PBUS_XR_OK);
	ws = r->w.strobes;
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(rread(r, 2, 0, b, MAXP), PBUS_XR_OK);
	rs = r->w.strobes;
	printf("     512-byte write: %ld handshakes, %.2f %% payload; read: %ld, %.2f %%\n",
	       ws, 51200.0 / ws, rs, 51200.0 / rs);
	CHECK_EQ(ws, 8 + 512 + 4 + 2 + 1);
	CHECK_EQ(rs, 8 + 1 + 1 + 512 + 4 + 1);
	CHECK(512.0 / ws >= 0.97);
	CHECK(512.0 / rs >= 0.97);
	rig_free(r);
}

int main(void)
{
	RUN(test_crc);
	RUN(test_hdr);
	RUN(test_status);
	RUN(test_loopback_basic);
	RUN(test_backend_errors);
	RUN(test_slave_raw);
	RUN(test_dup_write);
	RUN(test_abort_every_state);
	RUN(test_master_read_crc);
	RUN(test_random_faults);
	RUN(test_slave_soup);
	RUN(test_crc_distance);
	RUN(test_ack_distance);
	RUN(test_xfer_engine);
	RUN(test_xfer_checkpoint);
	RUN(test_xfer_interleave);
	RUN(test_w1c_retry);
	RUN(test_exactly_once);
	RUN(test_restart);
	RUN(test_epoch);
	RUN(test_fresh_retry);
	RUN(test_reset_retry);
	RUN(test_efficiency);
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
