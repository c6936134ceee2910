/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * In-memory pbus wire for host tests: the master core's link ops drive a
 * pbus_slave_sm directly, one pbus_slave_strobe() per strobe edge, with
 * optional fault injection starting at one chosen strobe (and a second,
 * single-strobe fault at another, for tests that need two).
 */
#ifndef PBUS_TEST_WIRE_H
#define PBUS_TEST_WIRE_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pbus_proto.h"

enum wire_fault {
	WF_NONE,
	WF_FLIP,	/* one data bit flipped (either direction) */
	WF_DROP,	/* slave misses the strobe, master sees a (noise) ACK */
	WF_RW,		/* slave sees RW inverted on this strobe */
	WF_TIMEOUT,	/* slave misses the strobe, master times out */
	WF_FLIP2,	/* two data lines flipped together */
	WF_BURST,	/* 2..9 consecutive strobes with random line flips */
	WF_GLITCH,	/* extra STROBE edge: the slave serves the byte twice */
	WF_LOST_ACK,	/* slave serves the strobe, its ACK never arrives */
	WF_RESET,	/* remote reset (RESET line, reboot) before this strobe */
	WF_STUCK,	/* one data line stuck at 0 or 1 for 1..1024 strobes */
	WF_KINDS,
};

struct wire {
	struct pbus_slave_sm *sm;
	uint8_t lines;		/* what the data lines carry */
	bool slave_drives;
	long strobes;		/* strobes since wire_arm() */
	long fault_at;		/* strobe index to corrupt, -1: none */
	enum wire_fault fault;
	int fault_bit;
	int fired;		/* faults actually injected */
	int burst_left;		/* strobes of a burst still to corrupt */
	int stuck_left;		/* strobes a stuck line still holds */
	uint8_t stuck_mask, stuck_level;
	long fault2_at;		/* second fault (wire_arm2()), -1: none */
	enum wire_fault fault2;
	int fault2_bit;
	uint32_t rng;		/* burst patterns */
	/* WF_RESET: what a reset of the remote does (NULL: restart the core). */
	void (*reset)(void *ctx);
	void *reset_ctx;
};

static inline uint8_t wire_rnd8(struct wire *w)
{
	w->rng = w->rng * 1103515245u + 12345u;
	return (uint8_t)(w->rng >> 16);
}

static inline void wire_init(struct wire *w, struct pbus_slave_sm *sm)
{
	memset(w, 0, sizeof(*w));
	w->sm = sm;
	w->lines = 0xff;
	w->fault_at = -1;
	w->fault2_at = -1;
}

static inline void wire_arm(struct wire *w, enum wire_fault f, long at,
			    int bit)
{
	w->strobes = 0;
	w->fired = 0;
	w->fault = f;
	w->fault_at = f == WF_NONE ? -1 : at;
	w->fault_bit = bit & 7;
	w->burst_left = f == WF_BURST ? 2 + (bit >> 3) % 8 : 0;
	w->stuck_left = 0;
	w->stuck_mask = 1u << (bit & 7);
	w->stuck_level = (bit >> 3) & 1 ? w->stuck_mask : 0;
	w->fault2_at = -1;
	w->rng ^= (uint32_t)bit * 2654435761u;
}

/*
 * A second fault at strobe @at (after wire_arm()), of a single-strobe
 * kind: flips, drop, RW, timeout, glitch, lost ACK, reset.
 */
static inline void wire_arm2(struct wire *w, enum wire_fault f, long at,
			     int bit)
{
	w->fault2 = f;
	w->fault2_at = at;
	w->fault2_bit = bit & 7;
}

/* The pattern a flip fault XORs into the byte of this strobe. */
static inline uint8_t wire_mask(struct wire *w, enum wire_fault f, int bit)
{
	uint8_t m;

	switch (f) {
	case WF_FLIP:
		return 1u << bit;
	case WF_FLIP2:
		return (1u << bit) | (1u << ((bit + 1 + wire_rnd8(w) % 7) & 7));
	case WF_BURST:
		m = wire_rnd8(w);
		return m ? m : 1;
	default:
		return 0;
	}
}

/*
 * One strobe. @rw: RW line driven by the master; @drive: the master drives
 * @mout on the data lines. Returns the byte the master latches (RW=1) or
 * -1 on a timeout.
 */
static inline int wire_strobe(struct wire *w, bool rw, bool drive,
			      uint8_t mout)
{
	long k = w->strobes++;
	bool fault = k == w->fault_at;
	enum wire_fault f = fault ? w->fault : WF_NONE;
	int bit = w->fault_bit;
	enum pbus_slave_action a;
	bool srw = rw, stuck;
	uint8_t in, out = 0, mask;
	int v;

	if (!fault && w->burst_left > 0 && w->fault_at >= 0 &&
	    w->strobes > w->fault_at) {
		f = WF_BURST;
		w->burst_left--;
	} else if (f == WF_BURST) {
		w->burst_left--;
	}
	if (fault)
		w->fired++;
	if (!fault && k == w->fault2_at) {
		f = w->fault2;
		bit = w->fault2_bit;
		w->fired++;
	}
	if (f == WF_STUCK) {
		w->stuck_left = 1 + (w->fault_bit + 8 * wire_rnd8(w)) % 1024;
		f = WF_NONE;
	}
	/* A stuck line holds its level whoever drives: both directions. */
	stuck = w->stuck_left > 0;
	if (stuck)
		w->stuck_left--;
	if (f == WF_RESET) {
		if (w->reset)
			w->reset(w->reset_ctx);
		else
			pbus_slave_restart(w->sm);
		w->slave_drives = false;
	}
	if (drive)
		w->lines = mout;
	else if (!w->slave_drives)
		w->lines = 0xff;	/* pulled up */
	if (f == WF_TIMEOUT)
		return -1;
	if (f == WF_DROP)
		return w->lines;	/* stale lines */
	if (f == WF_RW)
		srw = !rw;
	mask = wire_mask(w, f, bit);
	in = w->lines;
	if (!rw)
		in ^= mask;
	if (stuck)
		in = (in & ~w->stuck_mask) | w->stuck_level;
	if (f == WF_GLITCH)
		pbus_slave_strobe(w->sm, srw, in, &out);
	a = pbus_slave_strobe(w->sm, srw, in, &out);
	if (a == PBUS_SA_DRIVE) {
		w->slave_drives = true;
		/* Contention with a driving master: the master wins. */
		if (!drive)
			w->lines = out;
	} else if (a == PBUS_SA_RELEASE) {
		w->slave_drives = false;
		if (!drive)
			w->lines = 0xff;
	}
	if (f == WF_LOST_ACK)
		return -1;
	v = rw ? w->lines ^ mask : w->lines;
	if (stuck && rw)
		v = (v & ~w->stuck_mask) | w->stuck_level;
	return v;
}

static inline int wire_put(void *ctx, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (wire_strobe(ctx, false, true, buf[i]) < 0)
			return -1;
	return 0;
}

static inline int wire_turn_read(void *ctx)
{
	struct wire *w = ctx;

	if (!w->slave_drives)
		w->lines = 0xff;
	return 0;
}

static inline int wire_get(void *ctx, uint8_t *buf, size_t n)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		v = wire_strobe(ctx, true, false, 0);
		if (v < 0)
			return -1;
		buf[i] = (uint8_t)v;
	}
	return 0;
}

static inline int wire_turn_write(void *ctx)
{
	return wire_strobe(ctx, false, false, 0) < 0 ? -1 : 0;
}

static const struct pbus_link_ops wire_ops = {
	.put = wire_put,
	.turn_read = wire_turn_read,
	.get = wire_get,
	.turn_write = wire_turn_write,
};

#endif /* PBUS_TEST_WIRE_H */
