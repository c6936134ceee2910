// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model: the remote end's per-byte code, a host build of
 * drivers/pbus/pbus-slave.c in atomic mode (GPIO chips that do not sleep,
 * as on a Pi): the hard IRQ fast path pbus_slave_strobe_irq(), the IRQ
 * thread (pbus_slave_serve(), pbus_slave_thread_step()) that turns the
 * data lines around, pbus_slave_sm_edge() with its two clock reads, and
 * pbus,poll-us (a thread that polls STROBE; every edge still raises the
 * hard IRQ, which re-runs the thread). The protocol is the real core,
 * pbus_slave_strobe(); the backend is the slave end's (window, core
 * registers) with the user registers of a remote processor answering 0.
 *
 * MDL_R_POLL is issue 11 item 3, not in the tree yet, as this model
 * assumes it: the first STROBE edge of a frame takes the IRQ, which masks
 * STROBE and wakes a thread that polls the level (one look = one read of
 * the access path: a gpiod_get of STROBE on (a), the array on (b), GPLEV0
 * on (c)), serves every edge inline (direction changes too), reads the
 * clock every 64th look and, 50 us after the last edge, unmasks STROBE and
 * looks once more before it sleeps. No clock read per edge (the idle and
 * lost-edge timers are for the IRQ mode).
 *
 * A look of the IRQ thread reads D0..D7, RW and STROBE in one array call:
 * on a chip without get_multiple one get per line, in hardware order,
 * STROBE last (GPIO16..25 on a Pi, lines 0..9 of the cable). A look that
 * began before the host set D and ended after its STROBE edge latches a
 * torn byte; one that read RW before the host's turnaround and STROBE
 * after it serves the wrong direction, and both ends drive D. The hard
 * IRQ path cannot (it reads after the edge); the thread's look after a
 * turnaround rarely does; pbus,poll-us does all the time. The model
 * counts both (mdl_remote_end.torn, mdl_sim.contention).
 *
 * Left out, moving no byte: the lost-edge check timer (every 1 ms while
 * no edge was served for 1 ms: it reads STROBE, and the test cable counts
 * that get; tests/target/18-model-counts.sh says so), the idle timer
 * (fires 100 ms into a frame), debugfs counters.
 */
#include <math.h>
#include <string.h>

#include "model.h"

#define MDL_POLL_IDLE_NS	(50 * 1000.0)
#define MDL_POLL_CLOCK		64
#define MDL_SERVE_LIMIT_NS	(10000 * 1000.0)	/* PBUS_SLAVE_POLL_LOOP_US */

/* s->in: D0..D7, RW, STROBE (PBUS_SLAVE_IN_RW, PBUS_SLAVE_IN_STROBE). */
static const int mdl_inlines[10] = { 0, 1, 2, 3, 4, 5, 6, 7, ML_RW,
				     ML_STROBE };
#define MDL_IN_RW	BIT(8)
#define MDL_IN_STROBE	BIT(9)

/* Time of the remote's handler now running (the backend's IRQ line). */
static double *mdl_rt;

static bool r_regs(const struct mdl_sim *x)
{
	return x->cfg->path == MDL_REGS;
}

/* ---------------------------------------------------------------------------
 * Backend: pbus_slave_be_read()/write(), the core registers; user
 * registers (a remote processor's) read 0 and take any write.
 */
static void r_update_irq(struct mdl_sim *x, double *t)
{
	struct mdl_remote_end *r = &x->r;
	bool level = (r->irq_status & r->irq_enable) != 0;

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	mdl_set(x, MDL_REMOTE, ML_IRQ, level, t);
}

static int r_reg_read(struct mdl_sim *x, uint32_t off, uint32_t *val)
{
	struct mdl_remote_end *r = &x->r;

	switch (off) {
	case PBUS_REG_MAGIC:
		*val = PBUS_MAGIC;
		break;
	case PBUS_REG_VERSION:
		*val = PBUS_PROTO_VERSION;
		break;
	case PBUS_REG_WINDOW_SIZE:
		*val = MDL_WINDOW;
		break;
	case PBUS_REG_MAX_PAYLOAD:
		*val = r->sm.max_payload;
		break;
	case PBUS_REG_IRQ_STATUS:
		*val = r->irq_status;
		break;
	case PBUS_REG_IRQ_ENABLE:
		*val = r->irq_enable;
		break;
	case PBUS_REG_SCRATCH:
		*val = r->scratch;
		break;
	case PBUS_REG_EPOCH:
		*val = r->sm.epoch;
		break;
	default:
		if (off < PBUS_REG_CORE_END)
			return PBUS_ST_ADDR;
		*val = 0;
	}
	return PBUS_ST_OK;
}

static int r_be_read(void *ctx, uint32_t addr, uint8_t *buf, uint16_t len)
{
	struct mdl_sim *x = ctx;
	uint32_t off, v;
	int st;

	if (addr < MDL_WINDOW && len <= MDL_WINDOW - addr) {
		memcpy(buf, x->r.window + addr, len);
		return PBUS_ST_OK;
	}
	if (addr < PBUS_REG_BASE)
		return PBUS_ST_ADDR;
	off = addr - PBUS_REG_BASE;
	if (off % 4 || len % 4 || off >= PBUS_REG_END ||
	    len > PBUS_REG_END - off)
		return PBUS_ST_ADDR;
	for (; len; off += 4, buf += 4, len -= 4) {
		st = r_reg_read(x, off, &v);
		if (st != PBUS_ST_OK)
			return st;
		buf[0] = (uint8_t)v;
		buf[1] = (uint8_t)(v >> 8);
		buf[2] = (uint8_t)(v >> 16);
		buf[3] = (uint8_t)(v >> 24);
	}
	return PBUS_ST_OK;
}

static int r_be_write(void *ctx, uint32_t addr, const uint8_t *buf,
		      uint16_t len)
{
	struct mdl_sim *x = ctx;
	struct mdl_remote_end *r = &x->r;
	uint32_t off, v;

	if (addr < MDL_WINDOW && len <= MDL_WINDOW - addr) {
		memcpy(r->window + addr, buf, len);
		return PBUS_ST_OK;
	}
	if (addr < PBUS_REG_BASE)
		return PBUS_ST_ADDR;
	off = addr - PBUS_REG_BASE;
	if (off % 4 || len % 4 || off >= PBUS_REG_END ||
	    len > PBUS_REG_END - off)
		return PBUS_ST_ADDR;
	for (; len; off += 4, buf += 4, len -= 4) {
		v = buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24;
		switch (off) {
		case PBUS_REG_IRQ_STATUS:
			r->irq_status &= ~v;
			r_update_irq(x, mdl_rt);
			break;
		case PBUS_REG_IRQ_ENABLE:
			r->irq_enable = v;
			r_update_irq(x, mdl_rt);
			break;
		case PBUS_REG_SCRATCH:
			r->scratch = v;
			break;
		default:
			if (off < PBUS_REG_CORE_END)
				return off < PBUS_REG_IRQ_STATUS ||
				       off == PBUS_REG_EPOCH ?
				       PBUS_ST_RO : PBUS_ST_ADDR;
		}
	}
	return PBUS_ST_OK;
}

static const struct pbus_slave_backend mdl_backend = {
	.read = r_be_read,
	.write = r_be_write,
};

void mdl_remote_init(struct mdl_sim *x, uint16_t max_payload)
{
	struct mdl_remote_end *r = &x->r;

	pbus_slave_init(&r->sm, &mdl_backend, x, r->sm_buf, max_payload,
			0x5eed0001u);
	r->first = true;
}

/* The IRQ line (pbus_slave_raise_irq()), from the remote's own code. */
void mdl_remote_raise(struct mdl_sim *x, uint32_t bits, double *t)
{
	x->r.irq_status |= bits;
	r_update_irq(x, t);
}

/* ---------------------------------------------------------------------------
 * Wire
 */
static uint32_t r_read_in(struct mdl_sim *x, double *t)
{
	uint32_t v, in;

	if (!r_regs(x))
		return mdl_get_array(x, MDL_REMOTE, 10, mdl_inlines, t);
	v = mdl_reg_read(x, MDL_REMOTE, t);
	in = v & ML_DMASK;
	if (v & (1u << ML_RW))
		in |= MDL_IN_RW;
	if (v & (1u << ML_STROBE))
		in |= MDL_IN_STROBE;
	return in;
}

/* pbus_slave_set_ack() */
static void r_set_ack(struct mdl_sim *x, double *t)
{
	if (r_regs(x))
		mdl_reg_write(x, MDL_REMOTE, 1u << ML_ACK, x->r.strobe_level, t);
	else
		mdl_set(x, MDL_REMOTE, ML_ACK, x->r.strobe_level, t);
}

/* pbus_slave_release() */
static void r_release(struct mdl_sim *x, double *t)
{
	int i;

	if (!x->r.driving)
		return;
	for (i = 0; i < 8; i++)
		mdl_dir(x, MDL_REMOTE, i, false, false, t);
	x->r.driving = false;
}

/* pbus_slave_drive(): once driving, only the lines that change. */
static void r_drive(struct mdl_sim *x, uint8_t val, double *t)
{
	struct mdl_remote_end *r = &x->r;
	int lines[8];
	uint32_t diff, bits = 0;
	unsigned int i, n = 0;

	if (!r->driving) {
		for (i = 0; i < 8; i++)
			mdl_dir(x, MDL_REMOTE, i, true, (val >> i) & 1, t);
		r->driving = true;
		r->data_out = val;
		return;
	}
	diff = val ^ r->data_out;
	if (!diff)
		return;
	if (r_regs(x)) {
		if (diff & val)
			mdl_reg_write(x, MDL_REMOTE, diff & val, true, t);
		if (diff & ~val)
			mdl_reg_write(x, MDL_REMOTE, diff & ~val & ML_DMASK,
				      false, t);
	} else {
		for (i = 0; i < 8; i++) {
			if (!(diff & (1u << i)))
				continue;
			lines[n] = i;
			if (val & (1u << i))
				bits |= 1u << n;
			n++;
		}
		mdl_set_array(x, MDL_REMOTE, n, lines, bits, t);
	}
	r->data_out = val;
}

static bool r_needs_turn(const struct mdl_sim *x, enum pbus_slave_action act)
{
	return (act == PBUS_SA_DRIVE && !x->r.driving) ||
	       (act == PBUS_SA_RELEASE && x->r.driving);
}

/* pbus_slave_apply(): data first, ACK last. */
static void r_apply(struct mdl_sim *x, enum pbus_slave_action act,
		    uint8_t out, bool atomic, double *t)
{
	if (act == PBUS_SA_DRIVE)
		r_drive(x, out, t);
	else if (act == PBUS_SA_RELEASE && !atomic)
		r_release(x, t);
	r_set_ack(x, t);
}

/*
 * pbus_slave_sm_edge(): false when STROBE is at the level already handled.
 * @clocks: the two clock reads of the lost-edge and idle timers.
 */
static bool r_sm_edge(struct mdl_sim *x, uint32_t in,
		      enum pbus_slave_action *act, uint8_t *out, bool count,
		      bool clocks, double *t)
{
	struct mdl_remote_end *r = &x->r;
	bool level = in & MDL_IN_STROBE;
	enum pbus_slave_state was = r->sm.state;

	if (level == r->strobe_level) {
		if (count)
			r->spurious++;
		return false;
	}
	r->strobe_level = level;
	r->edges++;
	/*
	 * A byte the host drives, latched with D0..D7 not yet what the host
	 * set before the edge: read line by line (no get_multiple), D before
	 * STROBE, in a look that began before the host's writes.
	 */
	if (!(in & MDL_IN_RW) && (x->ln[ML_D0].drv & (1u << MDL_HOST)) &&
	    (in & ML_DMASK) != (mdl_levels(x, INFINITY) & ML_DMASK))
		r->torn++;
	if (clocks)
		mdl_ktime(x, MDL_REMOTE, t);	/* pbus_slave_check_arm_locked() */
	mdl_rt = t;
	*act = pbus_slave_strobe(&r->sm, in & MDL_IN_RW, in & ML_DMASK, out);
	mdl_cost(t, x->c->sm);
	/* The frame judged: its CRC-32C, and a read's backend copy. */
	if (was == PBUS_SS_CRC && r->sm.state != PBUS_SS_CRC)
		mdl_cost(t, x->c->crc * (r->sm.h.len + PBUS_HDR_MAX));
	if (clocks && pbus_slave_busy(&r->sm))
		mdl_ktime(x, MDL_REMOTE, t);	/* pbus_slave_idle_arm_locked() */
	return true;
}

/* Cost up to the first sample of an event that starts with a read. */
static double r_look_cost(const struct mdl_sim *x)
{
	if (r_regs(x))
		return x->c->rd;
	if (x->cfg->remote == MDL_R_POLL && x->cfg->path == MDL_GPIOLIB)
		return mdl_read_cost(x, 1);
	return mdl_read_cost(x, 10);
}

/* __irq_wake_thread(): a running thread runs once more (IRQTF_RUNTHREAD). */
static void r_wake_thread(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;

	if (r->thread_on) {
		r->runthread = true;
		return;
	}
	r->thread_on = true;
	r->deferred = x->preempt;
	x->n[MDL_REMOTE].wakes++;
	mdl_ev_add(x, MDL_EV_THREAD, t + x->c->thread, 0);
}

/*
 * A STROBE edge put on the wire by the host at @t. An edge while the IRQ
 * of an earlier one has not begun (and acked the latch: GPEDS on bcm2835)
 * raises no IRQ of its own.
 */
void mdl_remote_edge(struct mdl_sim *x, double t)
{
	const struct mdl_remote_end *r = &x->r;
	unsigned int i;

	if (x->cfg->remote == MDL_R_POLL && r->masked)
		return;
	for (i = 0; i < r->nev; i++)
		if (r->ev[i].kind == MDL_EV_IRQ &&
		    (r->ev[i].t > r->busy_until ? r->ev[i].t : r->busy_until) > t)
			return;
	mdl_ev_add(x, MDL_EV_IRQ, t + x->c->irq, r_look_cost(x));
}

/* A look at the wire that found the edge (@rd0: reads before it) or not. */
static void r_look(struct mdl_sim *x, uint64_t rd0, bool found)
{
	struct mdl_count *n = &x->n[MDL_REMOTE];

	if (found) {
		n->looks++;
		n->look_rd += n->rd - rd0;
	} else {
		n->idle_rd += n->rd - rd0;
	}
}

/* irq_mask()/irq_unmask() of a both-edges GPIO IRQ: GPREN0 and GPFEN0 rmw. */
static void r_irq_mask(struct mdl_sim *x, bool mask, double *t)
{
	if (x->c->chip != MDL_CHIP_CABLE) {
		x->n[MDL_REMOTE].rd += 2;
		x->n[MDL_REMOTE].wr += 2;
		mdl_cost(t, 2 * (x->c->rd + x->c->wr));
	}
	x->r.masked = mask;
}

static void r_irq(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;
	enum pbus_slave_action act = PBUS_SA_ACK;
	uint64_t rd0;
	uint8_t out = 0;
	uint32_t in;
	bool found;

	x->n[MDL_REMOTE].irq++;
	if (x->c->chip != MDL_CHIP_CABLE) {
		/* The chained handler: GPEDS read, the ack write (in c->irq). */
		x->n[MDL_REMOTE].rd++;
		x->n[MDL_REMOTE].wr++;
	}
	switch (x->cfg->remote) {
	case MDL_R_IRQ:
		/* pbus_slave_strobe_irq() */
		mdl_cost(&t, x->c->sm / 2);
		if (r->wire_busy) {
			r_wake_thread(x, t);
			break;
		}
		rd0 = x->n[MDL_REMOTE].rd;
		in = r_read_in(x, &t);
		x->n[MDL_REMOTE].samples++;
		found = r_sm_edge(x, in, &act, &out, true, true, &t);
		r_look(x, rd0, found);
		if (!found)
			break;
		if (r_needs_turn(x, act)) {
			r->wire_busy = true;
			r->pend = true;
			r->pend_act = act;
			r->pend_out = out;
			r_wake_thread(x, t);
			break;
		}
		r_apply(x, act, out, true, &t);
		break;
	case MDL_R_POLL_US:
		/* pbus_slave_wake_thread() */
		r_wake_thread(x, t);
		break;
	case MDL_R_POLL:
		r_irq_mask(x, true, &t);
		x->n[MDL_REMOTE].wakes++;
		r->last_edge = t;
		mdl_ev_add(x, MDL_EV_POLL, t + x->c->thread, r_look_cost(x));
		break;
	}
	mdl_cost(&t, x->c->irq_exit);
	r->busy_until = t;
}

/* pbus_slave_serve(): the start of a run of the IRQ thread. */
static void r_thread(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;

	mdl_cost(&t, x->c->sm / 2);	/* wire_lock, lock */
	r->wire_busy = true;
	mdl_ktime(x, MDL_REMOTE, &t);
	r->first = true;
	r->deadline = t + x->cfg->poll_us * 1000.0;
	r->limit = t + MDL_SERVE_LIMIT_NS;
	mdl_ev_add(x, MDL_EV_STEP, t, r->pend ? 0 : r_look_cost(x));
	r->busy_until = t;
}

/* pbus_slave_thread_step() */
static bool r_thread_step(struct mdl_sim *x, bool count, double *t)
{
	struct mdl_remote_end *r = &x->r;
	enum pbus_slave_action act = PBUS_SA_ACK;
	uint64_t rd0 = x->n[MDL_REMOTE].rd;
	uint8_t out = 0;
	uint32_t in;
	bool found;

	if (r->pend) {
		r->pend = false;
		r_apply(x, r->pend_act, r->pend_out, false, t);
		return true;
	}
	in = r_read_in(x, t);
	x->n[MDL_REMOTE].samples++;
	found = r_sm_edge(x, in, &act, &out, count, true, t);
	r_look(x, rd0, found);
	if (!found)
		return false;
	r_apply(x, act, out, false, t);
	return true;
}

/* One iteration of pbus_slave_serve()'s loop. */
static void r_step(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;
	bool poll = x->cfg->remote == MDL_R_POLL_US;
	bool more;

	if (r_thread_step(x, r->first, &t)) {
		r->first = false;
		mdl_ktime(x, MDL_REMOTE, &t);
		r->deadline = t + (poll ? x->cfg->poll_us * 1000.0 : 0);
		more = t <= r->limit;
	} else {
		r->first = false;
		mdl_ktime(x, MDL_REMOTE, &t);
		more = t < r->deadline && t <= r->limit;
		if (more)
			mdl_cost(&t, x->c->relax);
	}
	if (more) {
		mdl_ev_add(x, MDL_EV_STEP, t, r_look_cost(x));
	} else {
		mdl_cost(&t, x->c->sm / 2);
		r->wire_busy = r->pend;
		if (r->runthread) {
			r->runthread = false;
			mdl_ev_add(x, MDL_EV_THREAD, t, 0);
		} else {
			r->thread_on = false;
		}
	}
	r->busy_until = t;
}

/* One look of the polling remote (MDL_R_POLL). */
static void r_poll(struct mdl_sim *x, double t)
{
	struct mdl_remote_end *r = &x->r;
	enum pbus_slave_action act = PBUS_SA_ACK;
	uint8_t out = 0;
	uint32_t in;
	bool level;

	uint64_t rd0;

	for (;;) {
		rd0 = x->n[MDL_REMOTE].rd;
		if (x->cfg->path == MDL_GPIOLIB) {
			level = mdl_get(x, MDL_REMOTE, ML_STROBE, &t);
			in = level ? MDL_IN_STROBE : 0;
		} else {
			in = r_read_in(x, &t);
			level = in & MDL_IN_STROBE;
		}
		x->n[MDL_REMOTE].samples++;
		if (level != r->strobe_level) {
			if (x->cfg->path == MDL_GPIOLIB)
				in = r_read_in(x, &t);
			r_look(x, rd0, true);
			if (r_sm_edge(x, in, &act, &out, false, false, &t))
				r_apply(x, act, out, false, &t);
			r->last_edge = t;
			break;
		}
		r_look(x, rd0, false);
		if (++r->polls % MDL_POLL_CLOCK)
			break;
		mdl_ktime(x, MDL_REMOTE, &t);
		if (t - r->last_edge < MDL_POLL_IDLE_NS)
			break;
		/* Idle: unmask, look once more (an edge meanwhile is ours). */
		r_irq_mask(x, false, &t);
		if (x->cfg->path == MDL_GPIOLIB)
			level = mdl_get(x, MDL_REMOTE, ML_STROBE, &t);
		else
			level = r_read_in(x, &t) & MDL_IN_STROBE;
		if (level == r->strobe_level) {
			r->busy_until = t;
			return;		/* asleep until the next IRQ */
		}
		r_irq_mask(x, true, &t);
	}
	mdl_cost(&t, x->c->relax);
	mdl_ev_add(x, MDL_EV_POLL, t, r_look_cost(x));
	r->busy_until = t;
}

void mdl_remote_event(struct mdl_sim *x, const struct mdl_ev *ev,
		      double start)
{
	switch (ev->kind) {
	case MDL_EV_IRQ:
		r_irq(x, start);
		break;
	case MDL_EV_THREAD:
		r_thread(x, start);
		break;
	case MDL_EV_STEP:
		r_step(x, start);
		break;
	case MDL_EV_POLL:
		r_poll(x, start);
		break;
	}
}
