/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * In-memory pbus wire for host tests: the master core's link ops drive a
 * pbus_slave_sm directly, one pbus_slave_strobe() per strobe edge, with
 * optional fault injection on one chosen strobe.
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
};

static inline void wire_init(struct wire *w, struct pbus_slave_sm *sm)
{
	memset(w, 0, sizeof(*w));
	w->sm = sm;
	w->lines = 0xff;
	w->fault_at = -1;
}

static inline void wire_arm(struct wire *w, enum wire_fault f, long at,
			    int bit)
{
	w->strobes = 0;
	w->fired = 0;
	w->fault = f;
	w->fault_at = f == WF_NONE ? -1 : at;
	w->fault_bit = bit & 7;
}

/*
 * One strobe. @rw: RW line driven by the master; @drive: the master drives
 * @mout on the data lines. Returns the byte the master latches (RW=1) or
 * -1 on a timeout.
 */
static inline int wire_strobe(struct wire *w, bool rw, bool drive,
			      uint8_t mout)
{
	bool fault = w->strobes++ == w->fault_at;
	enum wire_fault f = fault ? w->fault : WF_NONE;
	enum pbus_slave_action a;
	bool srw = rw;
	uint8_t in, out = 0;

	if (f != WF_NONE)
		w->fired++;
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
	in = w->lines;
	if (f == WF_FLIP && !rw)
		in ^= 1u << w->fault_bit;
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
	if (f == WF_FLIP && rw)
		return w->lines ^ (1u << w->fault_bit);
	return w->lines;
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
