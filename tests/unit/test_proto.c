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
	uint8_t scratch[MAXP + 3 + 64];
};

static struct rig *rig_new(uint16_t max)
{
	struct rig *r = calloc(1, sizeof(*r));

	r->m = calloc(1, sizeof(*r->m));
	r->sbuf = malloc((size_t)max + 3);
	pbus_slave_init(&r->sm, &mem_be, r->m, r->sbuf, max);
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
	return pbus_master_write(&wire_ops, &r->w, tag, addr, buf, len);
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

/* Build a raw frame; returns its length. */
static size_t mkframe(uint8_t *f, uint8_t cmd, uint8_t tag, uint32_t addr,
		      uint16_t len, const uint8_t *payload, size_t plen)
{
	struct pbus_hdr h = { .cmd = cmd, .tag = tag, .addr = addr, .len = len };
	uint16_t crc;
	size_t n;

	pbus_hdr_pack(&h, f);
	n = PBUS_HDR_LEN;
	if (plen)
		memcpy(f + n, payload, plen);
	n += plen;
	crc = pbus_crc16(PBUS_CRC_INIT, f, n);
	f[n++] = crc >> 8;
	f[n++] = crc & 0xff;
	return n;
}

/* ------------------------------------------------------------------- tests */
static void test_crc(void)
{
	static const uint8_t check[] = "123456789";
	uint8_t buf[64];
	uint16_t c;
	int i;

	CHECK_EQ(pbus_crc16(PBUS_CRC_INIT, check, 9), 0x29b1);
	CHECK_EQ(pbus_crc16(PBUS_CRC_INIT, check, 0), 0xffff);
	c = pbus_crc16(PBUS_CRC_INIT, check, 4);
	CHECK_EQ(pbus_crc16(c, check + 4, 5), 0x29b1);
	CHECK_EQ(pbus_crc16(0, check, 9), 0x31c3);	/* CRC-16/XMODEM */
	/* Big-endian CRC appended: the CRC over everything is 0. */
	seed(1);
	for (i = 0; i < 62; i++)
		buf[i] = rnd();
	c = pbus_crc16(PBUS_CRC_INIT, buf, 62);
	buf[62] = c >> 8;
	buf[63] = c;
	CHECK_EQ(pbus_crc16(PBUS_CRC_INIT, buf, 64), 0);
	/* Every single-bit error is detected. */
	for (i = 0; i < 64 * 8; i++) {
		buf[i / 8] ^= 1u << (i % 8);
		CHECK(pbus_crc16(PBUS_CRC_INIT, buf, 64) != 0);
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
		uint8_t sb[16 + 3], scr[4 + 3], buf[4] = { 0 };

		pbus_slave_init(&sm, &none, NULL, sb, 16);
		wire_init(&w, &sm);
		CHECK_EQ(pbus_master_write(&wire_ops, &w, 1, 0, buf, 4),
			 PBUS_XR_RO);
		CHECK_EQ(pbus_master_read(&wire_ops, &w, 1, 0, buf, 4, scr),
			 PBUS_XR_ADDR);
		/* Limit clamped to PBUS_MAX_PAYLOAD. */
		pbus_slave_init(&sm, &mem_be, NULL, sb, 60000);
		CHECK_EQ(sm.max_payload, PBUS_MAX_PAYLOAD);
		/* No buffer: every frame is LEN. */
		pbus_slave_init(&sm, &mem_be, NULL, NULL, 16);
		CHECK_EQ(sm.max_payload, 0);
		CHECK_EQ(pbus_master_write(&wire_ops, &w, 1, 0, buf, 4),
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
	/* Beyond the status: encoded FRAME, forever. */
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
		uint8_t big[8 + 40 + 2], pl[40] = { 0 };

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

	/* Read: status, payload, CRC over status + payload. */
	memcpy(r->m->data + 100, p, 32);
	n = mkframe(f, PBUS_CMD_READ, 5, 100, 32, NULL, 0);
	sput(sm, f, n);
	{
		uint8_t rx[35];
		uint16_t c;

		for (i = 0; i < 35; i++)
			rx[i] = sget(sm);
		CHECK_EQ(rx[0], PBUS_STATUS_ENCODE(PBUS_ST_OK));
		CHECK(!memcmp(rx + 1, p, 32));
		c = pbus_crc16(PBUS_CRC_INIT, rx, 33);
		CHECK_EQ(rx[33], c >> 8);
		CHECK_EQ(rx[34], c & 0xff);
		CHECK_EQ(pbus_crc16(PBUS_CRC_INIT, rx, 35), 0);
		CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
		CHECK_EQ(pbus_slave_strobe(sm, false, 0xff, NULL),
			 PBUS_SA_RELEASE);
	}
	/* Read with bad header CRC. */
	n = mkframe(f, PBUS_CMD_READ, 6, 100, 32, NULL, 0);
	f[9] ^= 1;
	sput(sm, f, n);
	CHECK_EQ(sget(sm), PBUS_STATUS_ENCODE(PBUS_ST_CRC));
	pbus_slave_strobe(sm, false, 0xff, NULL);
	CHECK_EQ(sm->cnt.crc_errors, 4);
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
	uint8_t st;
	int i;

	r->sm.be = &counting_be;
	for (i = 0; i < 32; i++)
		a[i] = i;
	/* The status byte is strobe 8 + 32 + 2 = 42; flip a bit of it. */
	wire_arm(&r->w, WF_FLIP, 42, 3);
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
	/* A timed-out retry in between (incomplete frame) keeps the memory. */
	wire_arm(&r->w, WF_TIMEOUT, 20, 0);
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_LINK);
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, &st), PBUS_XR_OK);
	CHECK_EQ(st, PBUS_STATUS_ENCODE(PBUS_ST_FRAME));
	CHECK_EQ(rwrite(r, 9, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 1);
	/* A new tag, same data: executed. */
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 2);
	CHECK_EQ(r->m->data[0], 0);
	/* Same tag, different data: executed. */
	a[5] ^= 1;
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 3);
	/* A read in between clears the memory. */
	CHECK_EQ(rread(r, 11, 0, b, 32), PBUS_XR_OK);
	CHECK_EQ(rwrite(r, 10, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 4);
	/* A write that failed is not remembered. */
	r->m->forced = true;
	r->m->force = PBUS_ST_BUSY;
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_BUSY);
	r->m->forced = false;
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 6);
	/* A reset (idle timeout) keeps it; re-init forgets it. */
	pbus_slave_reset(&r->sm);
	CHECK_EQ(rwrite(r, 12, 0, a, 32), PBUS_XR_OK);
	CHECK_EQ(counting_writes, 6);
	rig_free(r);
	counting_writes = 0;
}

/* Put the slave in @state; returns the status an abort should read. */
static int drive_to(struct rig *r, enum pbus_slave_state state)
{
	struct pbus_slave_sm *sm = &r->sm;
	uint8_t f[64], p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n;

	pbus_slave_init(sm, &mem_be, r->m, r->sbuf, MAXP);
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
	/* Strobes: 10 put, status at 10, payload 11..26, CRC 27..28. */
	for (i = 10; i <= 28; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memset(b, 0xcc, sizeof(b));
			wire_arm(&r->w, WF_FLIP, i, bit);
			CHECK(rread(r, 1, 0, b, 16) ==
			      (i == 10 ? PBUS_XR_STATUS : PBUS_XR_CRC));
			CHECK_EQ(b[0], 0xcc);
			CHECK_EQ(b[15], 0xcc);
			CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
		}
	}
	wire_arm(&r->w, WF_TIMEOUT, 12, 0);
	CHECK_EQ(rread(r, 1, 0, b, 16), PBUS_XR_LINK);
	CHECK_EQ(b[0], 0xcc);
	/* No turn_write after a timeout: the slave still talks until aborted. */
	CHECK_EQ(r->sm.state, PBUS_SS_TX);
	wire_arm(&r->w, WF_NONE, 0, 0);
	CHECK_EQ(pbus_master_abort(&wire_ops, &r->w, NULL), PBUS_XR_OK);
	CHECK_EQ(r->sm.state, PBUS_SS_IDLE);
	/* turn_write timing out fails the frame too. */
	wire_arm(&r->w, WF_TIMEOUT, 29, 0);
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
	long failed = 0, results[8] = { 0 };
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
			long nstrobes = wr ? len + 12 : len + 14;
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
		uint8_t in = rnd() % 4 ? (0xa0 | (rnd() % 3)) : rnd();

		pbus_slave_strobe(sm, rw, in, &out);
		CHECK(sm->state <= PBUS_SS_TX);
		CHECK(sm->tx_len <= 16 + 3);
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
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
