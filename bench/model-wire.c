// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model: the wire between the two ends, their clocks, and the
 * access paths with what each GPIO operation counts and costs.
 *
 * Time. The host end runs straight through (the protocol core calls its
 * link ops); @x->tm is its clock. The remote end is a queue of events (an
 * IRQ, a run of its IRQ thread, one look of a polling loop), each of which
 * starts when it is due and the remote CPU is free, and samples the lines
 * first. Before every host line operation the remote catches up with the
 * host's clock (mdl_run_remote()): an event runs if its first sample is
 * due by the time the host's operation samples or changes a line. Ties go
 * to the remote: with every cost 0 this is the synchronous test cable,
 * where the remote's IRQ handler runs inside the host's set call (and its
 * IRQ thread, pinned to the host's CPU, at the host's next call that may
 * sleep). A line changes at most once between two looks of either side
 * (the handshake sees to it), so a line keeps its value and the one
 * before its last change.
 *
 * gpiolib (drivers/gpio/gpiolib.c of 6.1 and 6.12): a consumer call
 * (gpiod_get/set_raw_value, _array_value, direction_*) is one "api" call;
 * an array call makes one get_multiple/set_multiple chip op per chip, or,
 * when the chip has none (pinctrl-bcm2835, pinctrl-rp1, the cable with
 * multiple=0), one get/set op per line (gpio_chip_get_multiple() and
 * gpio_chip_set_multiple() fallbacks). Chip ops are what the test cable
 * counts (its "line_ops"). Their register accesses, pinctrl-bcm2835 of
 * 6.1: get = a GPLEV read; set = a GPSET/GPCLR write; direction_input = a
 * GPFSEL read and, if the function changes, a write
 * (bcm2835_pinctrl_fsel_set()); direction_output = a GPSET/GPCLR write,
 * then the same; get_multiple/set_multiple as patches/0001-pinctrl-bcm2835-
 * Implement-get_multiple-and-set_multiple.patch adds them (issue 11 item
 * 2a): one GPLEV read per bank; a GPSET, then a GPCLR write per bank,
 * each only if its mask is not empty. pinctrl-rp1 alike (est.).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static bool mdl_regs(const struct mdl_sim *x)
{
	return x->c->chip != MDL_CHIP_CABLE;
}

void mdl_cost(double *t, double ns)
{
	*t += ns;
}

void mdl_sim_init(struct mdl_sim *x, const struct mdl_costs *c,
		  const struct mdl_config *cfg, bool chip_multi)
{
	int i;

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->cfg = cfg;
	x->chip_multi = chip_multi;
	/* After the link-up: the host drives D, RW=0 and STROBE, the remote ACK. */
	for (i = 0; i < 8; i++)
		x->ln[ML_D0 + i].drv = 1u << MDL_HOST;
	x->ln[ML_RW].drv = 1u << MDL_HOST;
	x->ln[ML_STROBE].drv = 1u << MDL_HOST;
	x->ln[ML_ACK].drv = 1u << MDL_REMOTE;
	x->ln[ML_IRQ].drv = 1u << MDL_REMOTE;
	x->rnd = 0x2545f491u;
}

/*
 * Where in a read its sample falls: between the middle and the end of
 * its cost (xorshift32, reproducible). Without it two polling loops of
 * fixed periods lock their phases, and a byte costs what one phase gives.
 */
static double mdl_sample(struct mdl_sim *x, double t)
{
	x->rnd ^= x->rnd << 13;
	x->rnd ^= x->rnd >> 17;
	x->rnd ^= x->rnd << 5;
	return t - x->c->rd * (x->rnd >> 8) / (double)(1u << 25);
}

bool mdl_level(const struct mdl_sim *x, int line, double t)
{
	const struct mdl_line *l = &x->ln[line];

	return l->t <= t ? l->val : l->prev;
}

uint32_t mdl_levels(const struct mdl_sim *x, double t)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < ML_NLINES; i++)
		if (mdl_level(x, i, t))
			v |= 1u << i;
	return v;
}

/* Put @v on @line from time @t on. */
static void mdl_change(struct mdl_sim *x, int line, bool v, double t)
{
	struct mdl_line *l = &x->ln[line];

	if (v == l->val)
		return;
	/* The one value kept besides the current one must be the last. */
	if (l->t > t)
		x->errors++;
	l->prev = l->val;
	l->val = v;
	l->t = t;
}

void mdl_drive(struct mdl_sim *x, enum mdl_side s, int line, bool v, double t)
{
	struct mdl_line *l = &x->ln[line];
	bool was = l->val;

	if (!(l->drv & (1u << s)))
		x->errors++;	/* a level set on an input */
	mdl_change(x, line, v, t);
	if (line == ML_STROBE && s == MDL_HOST && v != was)
		mdl_remote_edge(x, t);
}

/* The host samples or changes a line at @t: the remote catches up first. */
static void mdl_at(struct mdl_sim *x, enum mdl_side s, double t)
{
	if (s == MDL_HOST)
		mdl_run_remote(x, t);
}

/* A host read has sampled: a thread it deferred may run (mdl_sim.preempt). */
static void mdl_sampled(struct mdl_sim *x, enum mdl_side s)
{
	if (s == MDL_HOST)
		x->r.deferred = false;
}

/* --------------------------------------------------------------------------
 * The remote's events.
 */
void mdl_ev_add(struct mdl_sim *x, enum mdl_ev_kind kind, double t,
		double pre)
{
	struct mdl_remote_end *r = &x->r;
	unsigned int i;

	if (r->nev == MDL_EVQ) {
		x->errors++;
		return;
	}
	/* In time order; equal times in the order queued. */
	for (i = r->nev; i && r->ev[i - 1].t > t; i--)
		r->ev[i] = r->ev[i - 1];
	r->ev[i].t = t;
	r->ev[i].pre = pre;
	r->ev[i].kind = kind;
	r->nev++;
}

void mdl_run_remote(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;
	struct mdl_ev ev;
	double start;

	while (r->nev) {
		ev = r->ev[0];
		if (r->deferred && ev.kind != MDL_EV_IRQ)
			break;
		start = ev.t > r->busy_until ? ev.t : r->busy_until;
		if (start + ev.pre > t)
			break;
		r->nev--;
		memmove(r->ev, r->ev + 1, r->nev * sizeof(r->ev[0]));
		mdl_remote_event(x, &ev, start);
	}
}

/* Everything the remote still has to do (the end of a run). */
void mdl_remote_idle(struct mdl_sim *x)
{
	mdl_run_remote(x, INFINITY);
}

/* --------------------------------------------------------------------------
 * Access paths (a), (b): gpiolib.
 */
static void mdl_api(struct mdl_sim *x, enum mdl_side s, double *t)
{
	x->n[s].api++;
	*t += x->c->api;
}

/* Cost of reading @nlines lines of one chip in one array call. */
double mdl_read_cost(const struct mdl_sim *x, unsigned int nlines)
{
	const struct mdl_costs *c = x->c;
	double r = mdl_regs(x) ? c->rd : 0;

	if (x->chip_multi)
		return c->api + c->chip_op + r;
	return c->api + nlines * (c->chip_op + r);
}

bool mdl_get(struct mdl_sim *x, enum mdl_side s, int line, double *t)
{
	struct mdl_count *n = &x->n[s];

	double ts;

	mdl_api(x, s, t);
	n->get++;
	*t += x->c->chip_op;
	if (mdl_regs(x)) {
		n->rd++;
		*t += x->c->rd;
	}
	ts = mdl_sample(x, *t);
	mdl_at(x, s, ts);
	mdl_sampled(x, s);
	return mdl_level(x, line, ts);
}

/* One register write of @side that puts @v on @line. */
static void mdl_out(struct mdl_sim *x, enum mdl_side s, int line, bool v,
		    double *t)
{
	if (mdl_regs(x)) {
		x->n[s].wr++;
		*t += x->c->wr;
	}
	mdl_at(x, s, *t + x->c->prop);
	mdl_drive(x, s, line, v, *t + x->c->prop);
}

void mdl_set(struct mdl_sim *x, enum mdl_side s, int line, bool v,
	     double *t)
{
	mdl_api(x, s, t);
	x->n[s].set++;
	*t += x->c->chip_op;
	mdl_out(x, s, line, v, t);
}

uint32_t mdl_get_array(struct mdl_sim *x, enum mdl_side s, unsigned int n,
		       const int *lines, double *t)
{
	struct mdl_count *cn = &x->n[s];
	uint32_t bits = 0;
	unsigned int i;
	double ts;

	mdl_api(x, s, t);
	if (x->chip_multi) {
		/* All lines on one chip, in its first bank: one read. */
		cn->get_multiple++;
		*t += x->c->chip_op;
		if (mdl_regs(x)) {
			cn->rd++;
			*t += x->c->rd;
		}
		ts = mdl_sample(x, *t);
		mdl_at(x, s, ts);
		for (i = 0; i < n; i++)
			if (mdl_level(x, lines[i], ts))
				bits |= 1u << i;
		mdl_sampled(x, s);
		return bits;
	}
	/* One get per line, in the order of their hardware numbers. */
	for (i = 0; i < n; i++) {
		cn->get++;
		*t += x->c->chip_op;
		if (mdl_regs(x)) {
			cn->rd++;
			*t += x->c->rd;
		}
		ts = mdl_sample(x, *t);
		mdl_at(x, s, ts);
		if (mdl_level(x, lines[i], ts))
			bits |= 1u << i;
		mdl_sampled(x, s);
	}
	return bits;
}

void mdl_set_array(struct mdl_sim *x, enum mdl_side s, unsigned int n,
		   const int *lines, uint32_t bits, double *t)
{
	struct mdl_count *cn = &x->n[s];
	double te;
	unsigned int i;
	int pass;

	mdl_api(x, s, t);
	if (!x->chip_multi) {
		for (i = 0; i < n; i++) {
			cn->set++;
			*t += x->c->chip_op;
			mdl_out(x, s, lines[i], bits & (1u << i), t);
		}
		return;
	}
	cn->set_multiple++;
	*t += x->c->chip_op;
	/* GPSET0 with the ones, then GPCLR0 with the zeros. */
	for (pass = 1; pass >= 0; pass--) {
		bool any = false;

		for (i = 0; i < n; i++)
			any |= !!(bits & (1u << i)) == pass;
		if (!any)
			continue;
		if (mdl_regs(x)) {
			cn->wr++;
			*t += x->c->wr;
		}
		te = *t + x->c->prop;
		mdl_at(x, s, te);
		for (i = 0; i < n; i++)
			if (!!(bits & (1u << i)) == pass)
				mdl_drive(x, s, lines[i], pass, te);
	}
}

void mdl_dir(struct mdl_sim *x, enum mdl_side s, int line, bool out, bool v,
	     double *t)
{
	struct mdl_count *n = &x->n[s];
	struct mdl_line *l = &x->ln[line];
	bool was_out = l->drv & (1u << s);
	double te;

	mdl_api(x, s, t);
	n->direction++;
	*t += x->c->chip_op + x->c->dir;
	if (mdl_regs(x)) {
		/* direction_output sets the level first; then the GPFSEL rmw. */
		n->wr += out;
		n->rd++;
		n->wr += out != was_out;
		n->dir_rw += 1 + out + (out != was_out);
		*t += x->c->rd + (out + (out != was_out)) * x->c->wr;
	}
	te = *t + x->c->prop;
	mdl_at(x, s, te);
	if (out) {
		if (l->drv & ~(1u << s))
			x->contention++;
		l->drv |= 1u << s;
		mdl_drive(x, s, line, v, te);
	} else {
		l->drv &= ~(1u << s);
		/* Released by both: the pull-down. */
		if (!l->drv)
			mdl_change(x, line, false, te);
	}
}

/* --------------------------------------------------------------------------
 * Access path (c): GPLEV0 read, GPSET0/GPCLR0 writes (RP1: its RIO block).
 */
uint32_t mdl_reg_read(struct mdl_sim *x, enum mdl_side s, double *t)
{
	uint32_t v;
	double ts;

	x->n[s].rd++;
	*t += x->c->rd;
	ts = mdl_sample(x, *t);
	mdl_at(x, s, ts);
	v = mdl_levels(x, ts);
	mdl_sampled(x, s);
	return v;
}

/*
 * Relaxed: the level registers of one block are written in order (Device
 * memory), and the writer's next look at the wire waits for nothing.
 */
void mdl_reg_write(struct mdl_sim *x, enum mdl_side s, uint32_t mask,
		   bool set, double *t)
{
	double te;
	int i;

	x->n[s].wr++;
	*t += x->c->wr_posted;
	te = *t + x->c->prop;
	mdl_at(x, s, te);
	for (i = 0; i < ML_NLINES; i++)
		if (mask & (1u << i))
			mdl_drive(x, s, i, set, te);
}

void mdl_ktime(struct mdl_sim *x, enum mdl_side s, double *t)
{
	x->n[s].clk++;
	*t += x->c->ktime;
}
