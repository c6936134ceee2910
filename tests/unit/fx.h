/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A remote whose writes have side effects, and the host's retry policy,
 * for the unit tests and bench/proto-campaign.
 *
 * The backend: a memory window, IRQ_STATUS (W1C), a COUNTER register
 * (a write adds its value) and a write log (every executed write of a
 * transaction bumps exec[seq]; seq is the first 32-bit word of the data).
 * A double execution is exec[seq] > 1; an undetected corruption is an
 * executed write that differs from what the host sent, or a read answered
 * OK with data that differ from the remote's.
 *
 * The host's retry policy is the kernel's own, pbus_xfer_run() in
 * drivers/pbus/proto; only the wire ops (frame, resync = abort + MAGIC
 * read) are modelled here, and struct fx_policy can switch on the v1
 * mistakes in them to show what they did.
 */
#ifndef PBUS_TEST_FX_H
#define PBUS_TEST_FX_H

#include <errno.h>
#include <stdlib.h>

#include "wire.h"

#define FX_WIN		8192
#define FX_MAXP		512
#define FX_REG_COUNTER	0x100	/* user register: a write adds its value */
#define FX_NSEQ		4194304u	/* log slots, a power of 2 */

struct fx {
	uint8_t mem[FX_WIN];
	uint32_t irq_status, irq_enable, scratch, counter;
	uint8_t *exec;		/* executions per seq (saturating) */
	const uint8_t *expect;	/* what the host sends now */
	uint32_t expect_addr;
	uint16_t expect_len;
	long writes, corrupt;	/* executed writes, executed != sent */
	long doubles;
	/* Executions of each byte of the transfer in flight (expect). */
	uint8_t tx_exec[FX_MAXP];
	long restarts;		/* RESETs (fx_reset()) so far */
	struct pbus_slave_sm sm;
	uint8_t sbuf[FX_MAXP + 1 + PBUS_CRC_LEN];
};

static inline uint32_t fx_le32(const uint8_t *b)
{
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline int fx_read(void *ctx, uint32_t addr, uint8_t *buf, uint16_t len)
{
	struct fx *x = ctx;
	uint32_t off = addr - PBUS_REG_BASE, v = 0;

	if (addr < FX_WIN && len <= FX_WIN - addr) {
		memcpy(buf, x->mem + addr, len);
		return PBUS_ST_OK;
	}
	if (addr < PBUS_REG_BASE || len != 4)
		return PBUS_ST_ADDR;
	switch (off) {
	case PBUS_REG_MAGIC:
		v = PBUS_MAGIC;
		break;
	case PBUS_REG_VERSION:
		v = PBUS_PROTO_VERSION;
		break;
	case PBUS_REG_IRQ_STATUS:
		v = x->irq_status;
		break;
	case PBUS_REG_SCRATCH:
		v = x->scratch;
		break;
	case PBUS_REG_EPOCH:
		v = x->sm.epoch;
		break;
	case FX_REG_COUNTER:
		v = x->counter;
		break;
	default:
		return PBUS_ST_ADDR;
	}
	buf[0] = v;
	buf[1] = v >> 8;
	buf[2] = v >> 16;
	buf[3] = v >> 24;
	return PBUS_ST_OK;
}

static inline int fx_write(void *ctx, uint32_t addr, const uint8_t *buf,
			   uint16_t len)
{
	struct fx *x = ctx;
	uint32_t v, seq;

	if (addr < FX_WIN ? len > FX_WIN - addr :
	    addr < PBUS_REG_BASE || len != 4)
		return PBUS_ST_ADDR;
	x->writes++;
	/* A transfer may go out in several frames: each is a slice of it. */
	if (!x->expect || addr < x->expect_addr ||
	    addr - x->expect_addr + len > x->expect_len ||
	    memcmp(buf, x->expect + (addr - x->expect_addr), len))
		x->corrupt++;
	if (x->expect && addr >= x->expect_addr &&
	    addr - x->expect_addr + len <= x->expect_len &&
	    x->expect_len <= FX_MAXP) {
		uint32_t i, off = addr - x->expect_addr;

		for (i = 0; i < len; i++)
			if (x->tx_exec[off + i] < 255)
				x->tx_exec[off + i]++;
	}
	if (len >= 4 && x->exec && x->expect && addr == x->expect_addr) {
		seq = fx_le32(buf) % FX_NSEQ;
		if (x->exec[seq] == 1)
			x->doubles++;
		if (x->exec[seq] < 255)
			x->exec[seq]++;
	}
	if (addr < FX_WIN) {
		memcpy(x->mem + addr, buf, len);
		return PBUS_ST_OK;
	}
	v = fx_le32(buf);
	switch (addr - PBUS_REG_BASE) {
	case PBUS_REG_IRQ_STATUS:
		x->irq_status &= ~v;	/* W1C */
		break;
	case PBUS_REG_SCRATCH:
		x->scratch = v;
		break;
	case FX_REG_COUNTER:
		x->counter += v;
		break;
	default:
		return PBUS_ST_RO;
	}
	return PBUS_ST_OK;
}

static const struct pbus_slave_backend fx_be = {
	.read = fx_read,
	.write = fx_write,
};

/* RESET line: what pbus-slave.c does (core restart, registers cleared). */
static inline void fx_reset(void *ctx)
{
	struct fx *x = ctx;

	pbus_slave_restart(&x->sm);
	x->irq_status = 0;
	x->irq_enable = 0;
	x->scratch = 0;
	x->restarts++;
}

/* @seed: the remote's first epoch, as pbus-slave.c's get_random_u32(). */
static inline void fx_init(struct fx *x, struct wire *w, bool log,
			   uint32_t seed)
{
	memset(x, 0, sizeof(*x));
	if (log)
		x->exec = calloc(FX_NSEQ, 1);
	pbus_slave_init(&x->sm, &fx_be, x, x->sbuf, FX_MAXP, seed);
	wire_init(w, &x->sm);
	w->reset = fx_reset;
	w->reset_ctx = x;
}

/* ------------------------------------------------------------ host policy */
/*
 * The host runs the kernel's own policy, pbus_xfer_run() in the core, over
 * the wire model; the switches only turn on the v1 mistakes in the frame
 * and resync ops to show what they did.
 */
struct fx_policy {
	bool v1_tag;		/* v1: every OK frame (the resync's read too) bumps the tag */
	bool v1_halve_link;	/* v1: LINK halves the payload too */
	bool v1_no_flag;	/* v1: no WRITE_RETRY flag */
};

struct fx_host {
	struct wire *w;
	struct fx_policy pol;
	struct pbus_xfer_state xs;
	long frames, retried, resyncs, link_ups;
	long acked;		/* bytes of write frames answered OK */
	long res[16];		/* frame results, by -PBUS_XR_* */
	/* RESET answers from a remote still in the epoch the retry carried. */
	long false_resets;
	uint8_t scratch[FX_MAXP + 1 + PBUS_CRC_LEN];
};

/*
 * As the master end after probe: link down, epoch unknown; the first
 * transfer brings the link up (and learns the epoch), fx_link_up_op().
 */
static inline void fx_host_init(struct fx_host *h, struct wire *w)
{
	memset(h, 0, sizeof(*h));
	h->w = w;
	h->xs.retries = 8;	/* PBUS_DEF_RETRIES */
	h->xs.max_payload = FX_MAXP;
	h->xs.cur_payload = FX_MAXP;
}

/* The frame op: pbus_frame_once() without the GPIOs. */
static inline int fx_frame_op(void *ctx, bool wr, uint8_t tag, uint32_t addr,
			      uint8_t *buf, uint16_t len, bool retry,
			      uint32_t epoch)
{
	struct fx_host *h = ctx;
	int r;

	h->frames++;
	if (wr)
		r = pbus_master_write(&wire_ops, h->w, tag, addr, buf, len,
				      retry && !h->pol.v1_no_flag, epoch);
	else
		r = pbus_master_read(&wire_ops, h->w, tag, addr, buf, len,
				     h->scratch);
	if (r <= 0 && r > -16)
		h->res[-r]++;
	/* Epochs do not repeat: the same one means no restart since. */
	if (r == PBUS_XR_RESET && epoch == h->w->sm->epoch)
		h->false_resets++;
	if (r == PBUS_XR_OK && wr)
		h->acked += len;
	if (r == PBUS_XR_OK && h->pol.v1_tag)
		h->xs.tag++;
	return r;
}

static inline int fx_frame(struct fx_host *h, bool wr, uint32_t addr,
			   uint8_t *buf, uint16_t len, bool retry)
{
	return fx_frame_op(h, wr, h->xs.tag, addr, buf, len, retry,
			   h->xs.epoch);
}

/*
 * Abort, then MAGIC must read back (3 tries), as pbus_resync_once(); sets
 * link_up as pbus_resync_locked() does (one resync attempt here).
 */
static inline int fx_resync(struct fx_host *h)
{
	uint8_t m[4];
	int i, r = PBUS_XR_LINK;

	h->resyncs++;
	if (!pbus_master_abort(&wire_ops, h->w, NULL)) {
		for (i = 0; i < 3; i++) {
			r = fx_frame(h, false, PBUS_REG_BASE + PBUS_REG_MAGIC,
				     m, 4, false);
			if (r == PBUS_XR_OK || r == PBUS_XR_LINK)
				break;
		}
		if (r == PBUS_XR_OK && fx_le32(m) != PBUS_MAGIC)
			r = PBUS_XR_STATUS;
	}
	h->xs.link_up = r == PBUS_XR_OK;
	return r;
}

/* pbus_resync_locked(): up to PBUS_RESYNC_TRIES (3) resyncs. */
static inline int fx_resync_tries(struct fx_host *h)
{
	int i, r = PBUS_XR_LINK;

	for (i = 0; i < 3 && r != PBUS_XR_OK; i++)
		r = fx_resync(h);
	return r;
}

static inline int fx_resync_op(void *ctx)
{
	struct fx_host *h = ctx;

	if (h->pol.v1_halve_link && h->xs.cur_payload > PBUS_MIN_PAYLOAD)
		h->xs.cur_payload /= 2;
	return fx_resync_tries(h);
}

/*
 * Link-up, as pbus_link_up_locked(): resync, then the remote's parameters
 * (FX_MAXP here) and its epoch, each read up to 3 times unless LINK.
 */
static inline int fx_link_up_op(void *ctx)
{
	struct fx_host *h = ctx;
	uint8_t e[4];
	int i, r = PBUS_XR_LINK;

	h->link_ups++;
	if (fx_resync_tries(h) != PBUS_XR_OK)
		return -1;
	for (i = 0; i < 3; i++) {
		r = fx_frame(h, false, PBUS_REG_BASE + PBUS_REG_EPOCH, e, 4,
			     false);
		if (r == PBUS_XR_OK || r == PBUS_XR_LINK)
			break;
	}
	if (r != PBUS_XR_OK || !fx_le32(e)) {
		h->xs.link_up = false;
		return -1;
	}
	h->xs.epoch = fx_le32(e);
	h->xs.cur_payload = h->xs.max_payload;
	h->xs.clean_frames = 0;
	return 0;
}

static inline void fx_retried_op(void *ctx, uint32_t attempt, int r)
{
	struct fx_host *h = ctx;

	(void)attempt;
	(void)r;
	h->retried++;
}

static const struct pbus_xfer_ops fx_xfer_ops = {
	.frame = fx_frame_op,
	.link_up = fx_link_up_op,
	.resync = fx_resync_op,
	.retried = fx_retried_op,
};

/* pbus_xr_to_errno() of drivers/pbus/pbus-master.c. */
static inline int fx_errno(int r)
{
	switch (r) {
	case PBUS_XR_OK:
		return 0;
	case PBUS_XR_LINK:
		return -ETIMEDOUT;
	case PBUS_XR_BUSY:
		return -EBUSY;
	case PBUS_XR_ADDR:
		return -EFAULT;
	case PBUS_XR_LEN:
		return -EMSGSIZE;
	case PBUS_XR_RO:
		return -EPERM;
	case PBUS_XR_RESET:
		return -ECONNRESET;
	case PBUS_XR_NOTCONN:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

/*
 * One transfer through the kernel's engine. Returns 0, or the errno the
 * kernel returns; *doubt is set when a failed write may have run.
 */
static inline int fx_xfer(struct fx_host *h, bool wr, uint32_t addr,
			  uint8_t *buf, size_t len, bool *doubt_out)
{
	return fx_errno(pbus_xfer_run(&fx_xfer_ops, h, &h->xs, wr, addr, buf,
				      len, doubt_out));
}

/* ------------------------------------------------------------ campaign */
static const char *const fx_class_name[WF_KINDS] = {
	"none", "flip", "drop", "rw", "timeout", "flip2", "burst", "glitch",
	"lost-ack", "reset", "stuck",
};

/*
 * Per class: @doubt: failed, may have run (retries spent in doubt, or
 * -ECONNRESET); @reset: -ECONNRESET; @stale: of those, the remote was
 * restarted before this transaction (after the host had learned the
 * epoch), not during it; @false_reset: RESET answered by a remote still
 * in the epoch the retry carried, i.e. never restarted since (must be 0).
 */
struct fx_class {
	long trans, injected, detected, retried, failed, doubt;
	long reset, stale, false_reset;
	long corrupt, doubles, lost, lies;
};

struct fx_campaign {
	struct fx x;
	struct wire w;
	struct fx_host h;
	uint32_t rng, seq;
	int fault_pct;		/* chance of a fault per attempt */
	struct fx_class cls[WF_KINDS];
};

static inline uint32_t fx_rnd(struct fx_campaign *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 17;
	c->rng ^= c->rng << 5;
	return c->rng;
}

static inline void fx_campaign_init(struct fx_campaign *c, uint32_t seed,
				    const struct fx_policy *pol)
{
	memset(c, 0, sizeof(*c));
	fx_init(&c->x, &c->w, true, seed ^ 0xe90c4u);
	fx_host_init(&c->h, &c->w);
	if (pol)
		c->h.pol = *pol;
	c->rng = seed ? seed : 1;
	c->w.rng = seed;
	c->fault_pct = 60;
}

static inline void fx_campaign_free(struct fx_campaign *c)
{
	free(c->x.exec);
}

/*
 * One fault event per transaction (@fault_pct of them), at a strobe of
 * the first attempt or of what follows it (resync, retries).
 */
static inline void fx_arm(struct fx_campaign *c, enum wire_fault f,
			  uint16_t len)
{
	long span = 2 * (len + PBUS_HDR_LEN + 2 * PBUS_CRC_LEN + 4);

	if (f != WF_NONE && (int)(fx_rnd(c) % 100) >= c->fault_pct)
		f = WF_NONE;
	wire_arm(&c->w, f, fx_rnd(c) % span, fx_rnd(c));
}

/*
 * One transaction of class @f: a write (memory, COUNTER or IRQ_STATUS) or
 * a read, through the host policy, with one fault event armed.
 */
static inline void fx_campaign_one(struct fx_campaign *c, enum wire_fault f)
{
	struct fx_class *k = &c->cls[f];
	static uint8_t buf[FX_MAXP];
	uint32_t kind = fx_rnd(c) % 8, addr, seq = 0;
	long frames0 = c->h.frames, retried0 = c->h.retried;
	long corrupt0 = c->x.corrupt, doubles0 = c->x.doubles;
	long restarts0 = c->x.restarts, false0 = c->h.false_resets;
	bool wr = kind < 5, doubt, up;
	uint16_t len, i;
	int ret, fired = 0, once = 1, ran = 0, dbl;

	k->trans++;
	if (wr && kind < 3) {
		len = 4 + fx_rnd(c) % (FX_MAXP - 3);
		addr = fx_rnd(c) % (FX_WIN - len + 1);
		for (i = 4; i < len; i++)
			buf[i] = fx_rnd(c);
	} else if (wr) {
		len = 4;
		addr = PBUS_REG_BASE + (kind == 3 ? FX_REG_COUNTER :
					PBUS_REG_IRQ_STATUS);
		c->x.irq_status |= fx_rnd(c);	/* events meanwhile */
	} else {
		len = 1 + fx_rnd(c) % FX_MAXP;
		addr = fx_rnd(c) % (FX_WIN - len + 1);
	}
	if (wr) {
		seq = ++c->seq % FX_NSEQ;
		buf[0] = seq;
		buf[1] = seq >> 8;
		buf[2] = seq >> 16;
		buf[3] = seq >> 24;
		c->x.expect = buf;
		c->x.expect_addr = addr;
		c->x.expect_len = len;
		memset(c->x.tx_exec, 0, sizeof(c->x.tx_exec));
		c->h.acked = 0;
	}
	fx_arm(c, f, len);
	ret = fx_xfer(&c->h, wr, addr, buf, len, &doubt);
	fired = c->w.fired;
	wire_arm(&c->w, WF_NONE, 0, 0);
	c->x.expect = NULL;
	k->injected += fired;
	k->retried += c->h.retried - retried0;
	if (fired && (c->h.frames - frames0 > 1 || ret))
		k->detected++;
	k->corrupt += c->x.corrupt - corrupt0;
	dbl = c->x.doubles > doubles0;
	k->false_reset += c->h.false_resets - false0;
	/*
	 * Frames run in order: an OK transfer ran every byte once; a failed
	 * one ran the frames answered OK, and the failing frame only if it
	 * said it may have.
	 */
	for (i = 0; wr && i < len; i++) {
		if (c->x.tx_exec[i] != 1)
			once = 0;
		if (c->x.tx_exec[i] > 1)
			dbl = 1;
		if (i >= c->h.acked && c->x.tx_exec[i])
			ran = 1;
	}
	k->doubles += dbl;
	if (ret == -ECONNRESET) {
		k->reset++;
		if (c->x.restarts == restarts0)
			k->stale++;
	}
	if (ret) {
		k->failed++;
		if (doubt || ret == -ECONNRESET)
			k->doubt++;
		else if (ran)
			k->lies++;	/* "not executed" but it was */
	} else if (wr && (c->x.exec[seq] != 1 || !once)) {
		k->lost++;		/* OK but not executed (once) */
	} else if (!wr && memcmp(buf, c->x.mem + addr, len)) {
		k->corrupt++;		/* OK with wrong data */
	}
	/*
	 * A failed transfer leaves the wire to the next one's resync; a
	 * link the engine took down (RESET answer) stays down until the
	 * next transfer's link-up.
	 */
	if (ret) {
		up = c->h.xs.link_up;
		fx_resync(&c->h);
		c->h.xs.link_up = up && c->h.xs.link_up;
	}
}

#endif /* PBUS_TEST_FX_H */
