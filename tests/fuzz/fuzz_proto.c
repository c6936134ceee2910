// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target for the portable pbus protocol core.
 *
 * Input byte 0 selects the mode, byte 1 a max_payload (slave) or a length
 * (master); the rest is the stream:
 *   mode even - slave: pairs (ctl, data); ctl bit 0 = RW, ctl == 0xfe
 *               resets the slave (idle timeout), 0xfd restarts it (RESET
 *               line: a new epoch, never 0). After the stream: the slave
 *               must reach IDLE by an abort and then execute a good write
 *               and read.
 *   mode odd  - master: the fake link replays the stream as the slave's
 *               answers and as link-op results, for a write (a retry
 *               under an epoch from the input when the length is odd), a
 *               read and an abort. A write may return OK only for
 *               [OK][check over its header]; a read only if the replayed
 *               answer was [OK][payload][CRC over header, status,
 *               payload] and buf then holds it; a final error only if its
 *               answer checked out for this header.
 * Buffers are heap-allocated to their exact size so ASan catches any
 * out-of-bounds access. Invariants abort() on violation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbus_proto.h"

#define WIN	256
/* The slave's first epoch: the seed corpus's retries carry it. */
#define FUZZ_EPOCH	0x600d0001u

#define INVARIANT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

struct mem {
	uint8_t data[WIN];
	const uint8_t *sbuf;
	size_t sbuf_len;
	uint16_t max;
};

static void check_args(struct mem *m, const uint8_t *buf, uint16_t len)
{
	INVARIANT(len >= 1 && len <= m->max);
	INVARIANT(buf >= m->sbuf && buf + len <= m->sbuf + m->sbuf_len);
}

static int mem_read(void *ctx, uint32_t addr, uint8_t *buf, uint16_t len)
{
	struct mem *m = ctx;

	check_args(m, buf, len);
	if (addr >= WIN || len > WIN - addr)
		return addr & 1 ? PBUS_ST_ADDR : 99;	/* bogus code too */
	memcpy(buf, m->data + addr, len);
	return PBUS_ST_OK;
}

static int mem_write(void *ctx, uint32_t addr, const uint8_t *buf,
		     uint16_t len)
{
	struct mem *m = ctx;

	check_args(m, buf, len);
	if (addr >= WIN || len > WIN - addr)
		return PBUS_ST_ADDR;
	memcpy(m->data + addr, buf, len);
	return PBUS_ST_OK;
}

static const struct pbus_slave_backend mem_be = {
	.read = mem_read,
	.write = mem_write,
};

static void feed(struct pbus_slave_sm *sm, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		INVARIANT(pbus_slave_strobe(sm, false, b[i], NULL) ==
			  PBUS_SA_ACK);
}

static uint8_t fetch(struct pbus_slave_sm *sm)
{
	uint8_t out;

	INVARIANT(pbus_slave_strobe(sm, true, 0, &out) == PBUS_SA_DRIVE);
	return out;
}

/* A write frame, or a read request (header + CRC-8) when !payload. */
static size_t mkframe(uint8_t *f, uint8_t cmd, uint8_t tag, uint32_t addr,
		      uint16_t len, const uint8_t *payload)
{
	struct pbus_hdr h = { .cmd = cmd, .tag = tag, .addr = addr, .len = len };
	size_t n = PBUS_HDR_LEN;
	uint32_t crc;

	pbus_hdr_pack(&h, f);
	if (!payload) {
		f[n++] = pbus_read_check(f);
		return n;
	}
	memcpy(f + n, payload, len);
	n += len;
	crc = pbus_crc_final(pbus_crc32c(PBUS_CRC_INIT, f, n));
	f[n++] = crc;
	f[n++] = crc >> 8;
	f[n++] = crc >> 16;
	f[n++] = crc >> 24;
	return n;
}

static void fuzz_slave(uint16_t max, const uint8_t *d, size_t n)
{
	static struct mem m;
	struct pbus_slave_sm sm;
	size_t blen = (size_t)max + 1 + PBUS_CRC_LEN, i;
	uint8_t *sbuf = max ? malloc(blen) : NULL;
	uint8_t f[PBUS_HDR_LEN + 8 + PBUS_CRC_LEN], p[8], out;
	uint8_t rx[PBUS_HDR_LEN + 8 + 1 + PBUS_CRC_LEN];
	uint16_t len = max < 8 ? max : 8;
	enum pbus_slave_action a;

	memset(&m, 0, sizeof(m));
	m.sbuf = sbuf;
	m.sbuf_len = sbuf ? blen : 0;
	m.max = max;
	pbus_slave_init(&sm, &mem_be, &m, sbuf, max, FUZZ_EPOCH);
	INVARIANT(sm.state == PBUS_SS_IDLE && sm.epoch == FUZZ_EPOCH);

	for (i = 0; i + 1 < n; i += 2) {
		enum pbus_slave_state before = sm.state;
		uint32_t epoch = sm.epoch;

		if (d[i] == 0xfd) {
			pbus_slave_restart(&sm);
			INVARIANT(sm.state == PBUS_SS_IDLE && sm.fresh);
			INVARIANT(!sm.last_valid);
			INVARIANT(sm.epoch && sm.epoch != epoch);
			continue;
		}
		if (d[i] == 0xfe) {
			pbus_slave_reset(&sm);
			INVARIANT(sm.state == PBUS_SS_IDLE);
			INVARIANT(!pbus_slave_busy(&sm));
			continue;
		}
		a = pbus_slave_strobe(&sm, d[i] & 1, d[i + 1], &out);
		INVARIANT(sm.state <= PBUS_SS_TX);
		INVARIANT(sm.tx_len <= blen);
		if (d[i] & 1) {
			INVARIANT(a == PBUS_SA_DRIVE);
			INVARIANT(sm.state == PBUS_SS_TX);
		} else if (before == PBUS_SS_TX) {
			INVARIANT(a == PBUS_SA_RELEASE);
			INVARIANT(sm.state == PBUS_SS_IDLE);
		} else {
			INVARIANT(a == PBUS_SA_ACK);
			INVARIANT(sm.state != PBUS_SS_TX);
		}
		INVARIANT(pbus_slave_busy(&sm) == (sm.state != PBUS_SS_IDLE));
		/* Only a restart changes the epoch. */
		INVARIANT(sm.epoch == epoch);
	}

	/* Never stuck: an abort (RW=1 strobe, RW=0 strobe) gets to IDLE. */
	fetch(&sm);
	INVARIANT(pbus_slave_strobe(&sm, false, 0xff, NULL) ==
		  PBUS_SA_RELEASE);
	INVARIANT(sm.state == PBUS_SS_IDLE);
	if (!len)
		goto out;
	/* ... and then a good write and read work. */
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(n + i * 31);
	feed(&sm, f, mkframe(f, PBUS_CMD_WRITE, (uint8_t)(n ^ 0x55), 8, len, p));
	rx[0] = fetch(&sm);
	rx[1] = fetch(&sm);
	INVARIANT(pbus_ack_decode(f, rx) == PBUS_XR_OK);
	pbus_slave_strobe(&sm, false, 0xff, NULL);
	INVARIANT(!memcmp(m.data + 8, p, len));
	feed(&sm, f, mkframe(f, PBUS_CMD_READ, 1, 8, len, NULL));
	for (i = 0; i < (size_t)len + 1 + PBUS_CRC_LEN; i++)
		rx[PBUS_HDR_LEN + i] = fetch(&sm);
	memcpy(rx, f, PBUS_HDR_LEN);
	pbus_slave_strobe(&sm, false, 0xff, NULL);
	INVARIANT(rx[PBUS_HDR_LEN] == PBUS_STATUS_ENCODE(PBUS_ST_OK));
	INVARIANT(!memcmp(rx + PBUS_HDR_LEN + 1, p, len));
	INVARIANT(pbus_crc32c(PBUS_CRC_INIT, rx, PBUS_HDR_LEN + 1 +
			      (size_t)len + PBUS_CRC_LEN) == PBUS_CRC_RESIDUE);
	/* Reset from wherever: IDLE. */
	feed(&sm, f, 3);
	pbus_slave_reset(&sm);
	INVARIANT(sm.state == PBUS_SS_IDLE);
out:
	free(sbuf);
}

/* Fake link replaying fuzzer bytes. */
struct replay {
	const uint8_t *d;
	size_t n, pos;
	uint8_t *got;		/* every byte handed out by get() */
	size_t ngot, cap;
	size_t put_bytes;
	uint8_t sink;		/* every byte put() was given, folded */
};

static int replay_byte(struct replay *r)
{
	return r->pos < r->n ? r->d[r->pos++] : -1;
}

/* A link op fails when the next control byte is 0xff or input ran out. */
static int replay_ok(struct replay *r)
{
	int c = replay_byte(r);

	return c < 0 || c == 0xff ? -1 : 0;
}

static int rp_put(void *ctx, const uint8_t *buf, size_t n)
{
	struct replay *r = ctx;
	size_t i;

	for (i = 0; i < n; i++)		/* ASan: the whole buffer is read */
		r->sink ^= buf[i];
	r->put_bytes += n;
	return replay_ok(r);
}

static int rp_turn_read(void *ctx)
{
	return replay_ok(ctx);
}

static int rp_turn_write(void *ctx)
{
	return replay_ok(ctx);
}

static int rp_get(void *ctx, uint8_t *buf, size_t n)
{
	struct replay *r = ctx;
	size_t i;
	int c;

	if (replay_ok(r) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		c = replay_byte(r);
		buf[i] = c < 0 ? 0xff : (uint8_t)c;
		if (r->ngot < r->cap)
			r->got[r->ngot++] = buf[i];
	}
	return 0;
}

static const struct pbus_link_ops rp_ops = {
	.put = rp_put,
	.turn_read = rp_turn_read,
	.get = rp_get,
	.turn_write = rp_turn_write,
};

static int known_result(int r)
{
	return (r <= PBUS_XR_OK && r >= PBUS_XR_RESET) || r == PBUS_XR_LINK_EARLY;
}

/* Read results that only an error answer of the remote can give. */
static int final_answer(int r)
{
	return r == PBUS_XR_ADDR || r == PBUS_XR_RO || r == PBUS_XR_RESET ||
	       r == PBUS_XR_BUSY;
}

static void fuzz_master(uint16_t len, const uint8_t *d, size_t n)
{
	struct replay r = { .d = d, .n = n };
	size_t slen = (size_t)len + 1 + PBUS_CRC_LEN;
	uint8_t *buf = malloc(len ? len : 1);
	uint8_t *scratch = malloc(slen);
	uint8_t *wbuf = malloc(len ? len : 1);
	uint8_t st;
	int res;

	r.cap = slen + 1;
	r.got = malloc(r.cap);
	memset(wbuf, 0x5a, len ? len : 1);

	res = pbus_master_write(&rp_ops, &r, 1, 0x1234, wbuf, len, n & 1,
				n ? (uint32_t)d[0] * 0x01010101u : 0);
	INVARIANT(known_result(res));
	if (!len)
		INVARIANT(res == PBUS_XR_LEN && r.pos == 0);
	if (len && res != PBUS_XR_LINK && res != PBUS_XR_LINK_EARLY &&
	    res != PBUS_XR_STATUS) {
		/*
		 * OK (or a final error) only for [status][its check over this
		 * very header].
		 */
		struct pbus_hdr h = { n & 1 ? PBUS_CMD_WRITE_RETRY :
				      PBUS_CMD_WRITE, 1, 0x1234, len };
		uint8_t hb[PBUS_HDR_LEN];

		pbus_hdr_pack(&h, hb);
		INVARIANT(r.ngot == PBUS_ACK_LEN &&
			  pbus_status_to_xr(pbus_status_decode(r.got[0])) == res &&
			  r.got[1] == pbus_ack_check(hb, r.got[0]));
	}

	r.ngot = 0;
	memset(buf, 0xcc, len ? len : 1);
	res = pbus_master_read(&rp_ops, &r, 2, 0x1234, buf, len, scratch);
	INVARIANT(known_result(res));
	if (len && (final_answer(res) || res == PBUS_XR_LEN ||
		    (res == PBUS_XR_CRC &&
		     r.got[0] != PBUS_STATUS_ENCODE(PBUS_ST_OK)))) {
		/* A final error only for [status][CRC-32C over header + status]. */
		struct pbus_hdr h = { PBUS_CMD_READ, 2, 0x1234, len };
		uint8_t hb[PBUS_HDR_LEN];

		pbus_hdr_pack(&h, hb);
		INVARIANT(r.ngot == PBUS_RD_ERR_LEN &&
			  pbus_read_err_decode(hb, r.got) == res);
	}
	if (res == PBUS_XR_OK) {
		/* The slave's answer really was [OK][payload][good CRC]. */
		INVARIANT(len && r.ngot == slen);
		struct pbus_hdr h = { PBUS_CMD_READ, 2, 0x1234, len };
		uint8_t hb[PBUS_HDR_LEN];
		uint32_t c;

		pbus_hdr_pack(&h, hb);
		INVARIANT(r.got[0] == PBUS_STATUS_ENCODE(PBUS_ST_OK));
		c = pbus_crc32c(PBUS_CRC_INIT, hb, PBUS_HDR_LEN);
		INVARIANT(pbus_crc32c(c, r.got, slen) == PBUS_CRC_RESIDUE);
		INVARIANT(!memcmp(buf, r.got + 1, len));
	} else if (len) {
		size_t i;

		for (i = 0; i < len; i++)
			INVARIANT(buf[i] == 0xcc);
	}

	res = pbus_master_abort(&rp_ops, &r, &st);
	INVARIANT(res == PBUS_XR_OK || res == PBUS_XR_LINK);

	free(r.got);
	free(wbuf);
	free(scratch);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] & 1) {
		/* lengths 0..64 mostly, occasionally up to 4096 */
		uint16_t len = data[0] & 0x80 ? (uint16_t)data[1] << 4 :
						data[1] % 65;

		fuzz_master(len, data + 2, size - 2);
	} else {
		fuzz_slave(data[1] % 48, data + 2, size - 2);
	}
	return 0;
}
