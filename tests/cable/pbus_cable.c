// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus test cable: two GPIO chips wired line to line (test only).
 *
 * A "pbus,test-cable" DT node has two children, side-a and side-b. Each is
 * a gpio-controller and an interrupt-controller with "ngpios" lines
 * (default 16, at most 32). Line i of side a is wired to line i of side b.
 *
 * What a side reads on line i: a stuck value if one is set (debugfs
 * "stick"), else the other side's value on the wire if the other side drives
 * line i as an output, else its own driven value if it drives the line, else
 * 0 (pull-down). When both sides drive a line the other side wins and the
 * output operation counts a "contention" event.
 *
 * A wire has a propagation delay. Asynchronous mode (module parameter
 * delay_ns > 0): a change of a side's outputs reaches the other
 * side after delay_ns plus a random 0..jitter_ns, in order, delivered by the
 * cable's hrtimer in hard IRQ context (also on PREEMPT_RT), which raises the
 * interrupts it causes from there: never inside the caller's GPIO
 * operation, and on an SMP guest concurrently with it. Until then the other
 * side reads the old level. Synchronous mode (delay_ns=0, for exact
 * line-op counts and timing-free tests): the change is seen at once and the
 * interrupts run before the caller's set call returns, with local
 * interrupts disabled. The cable lock is never held while an interrupt is
 * delivered. Lock kinds are those of pinctrl-bcm2835 (see struct
 * pbus_cable).
 *
 * Debugfs, /sys/kernel/debug/pbus-cable/<device name>/ (see also
 * docs/test-cable.md):
 *
 * stats       read: "<side>.<key> <value>" lines, side a or b, keys get,
 *             set, get_multiple, set_multiple, direction (direction_input,
 *             direction_output and get_direction), line_ops (one per chip
 *             callback: a set_multiple call is one), transitions (level
 *             changes this side put on the wire), irqs (interrupts
 *             delivered to this side), contention, faults (flipped or
 *             dropped transitions of this side's outputs),
 *             atomic_direction (direction changes called in hard IRQ
 *             context or with interrupts disabled: a sleep in atomic
 *             context on PREEMPT_RT, where the direction path of
 *             pinctrl-bcm2835 takes a sleeping spinlock_t), delivered
 *             (changes of the peer delivered to this side by the timer),
 *             coalesced (changes merged into a queued one: queue full).
 *             write "0": reset all counters and the vcd record.
 * contention  read: "LINE COUNT" for every line: how many times both sides
 *             started driving it as an output at once (reset with stats).
 * flip_every  u32 N: every Nth transition on an eligible line is put on the
 *             wire inverted; the other side reads the inverted level until
 *             that line's next transition. 0 (default) = off.
 * flip_mask   u32: lines eligible for flip_every (default: all).
 * stick       write "LINE VALUE": both sides read VALUE (0/1) on LINE
 *             whatever is driven; "off": clear all stuck lines.
 *             read: "off" or one "LINE VALUE" line per stuck line.
 * drop_ack    u32 N: the next N transitions of line 10 (ACK) driven by side
 *             b are not propagated (the wire keeps its level). Reads the
 *             number still to drop.
 * drop_strobe_irq u32 N: the next N edges of line 9 (STROBE) seen by side
 *             b raise no interrupt (the level changes), as edges are lost
 *             on bcm2835 while the IRQ is masked (forced IRQ threading).
 *             Reads the number still to drop.
 * delay_us    u32: busy-wait this long (capped at 1000) for each transition
 *             put on the wire, before interrupts are delivered (in the
 *             caller: synchronous mode only).
 * delay_ns    u32: propagation delay, ns (at most 1 s); 0 = synchronous
 *             (changes already queued are still delivered first).
 * jitter_ns   u32: random extra delay 0..jitter_ns (at most 1 s).
 * vcd         read: the last 4096 level changes read by each side, as a
 *             Value Change Dump (1 ns timescale).
 * chaos_every u32 N: a random fault on one in N transitions of lines 0..10
 *             on average, of a class picked at random from chaos_classes
 *             (the campaign of docs/test-cable.md). 0 (default) = off.
 * chaos_classes u32 mask of enum pbus_cable_chaos (default: all).
 * chaos_seed  u32: restarts the faults' random sequence.
 * stats also has "chaos.<class> <injected>" lines, one per class.
 *
 * Module parameters: "multiple" (default 1): provide set_multiple and
 * get_multiple; with 0, gpiolib falls back to one call per line.
 * "delay_ns" (default 0: synchronous, until the suite's time in the
 * asynchronous mode is measured on a fresh machine), "jitter_ns" (default
 * 4000): initial values of the knobs above; delay_ns=1000 is the
 * asynchronous mode 15-cable-async tests.
 */

#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/gpio/driver.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <pbus_compat.h>

#define PBUS_CABLE_NGPIO_DEFAULT	16
#define PBUS_CABLE_NGPIO_MAX		32
#define PBUS_CABLE_LINE_STROBE		9
#define PBUS_CABLE_LINE_ACK		10
#define PBUS_CABLE_LINE_IRQ		11
#define PBUS_CABLE_LINE_RESET		12
#define PBUS_CABLE_DATA_LINES		0xffu
#define PBUS_CABLE_DELAY_MAX_US		1000
#define PBUS_CABLE_VCD_ENTRIES		4096
#define PBUS_CABLE_QUEUE_LEN		1024
#define PBUS_CABLE_DELAY_NS_MAX		1000000000U
/* Deliveries per run of the delivery timer before it lets others run. */
#define PBUS_CABLE_BATCH		64
#define PBUS_CABLE_SIDE_A		0
#define PBUS_CABLE_SIDE_B		1

static bool multiple = true;
module_param(multiple, bool, 0444);
MODULE_PARM_DESC(multiple, "provide get_multiple/set_multiple (default 1)");

static uint delay_ns;
module_param(delay_ns, uint, 0444);
MODULE_PARM_DESC(delay_ns, "propagation delay of the wire, ns; 0: synchronous (default)");

static uint jitter_ns = 4000;
module_param(jitter_ns, uint, 0444);
MODULE_PARM_DESC(jitter_ns, "random extra delay, 0..jitter_ns ns (default 4000)");

enum pbus_cable_stat {
	PBUS_CABLE_ST_GET,
	PBUS_CABLE_ST_SET,
	PBUS_CABLE_ST_GET_MULTIPLE,
	PBUS_CABLE_ST_SET_MULTIPLE,
	PBUS_CABLE_ST_DIRECTION,
	PBUS_CABLE_ST_LINE_OPS,
	PBUS_CABLE_ST_TRANSITIONS,
	PBUS_CABLE_ST_IRQS,
	PBUS_CABLE_ST_CONTENTION,
	PBUS_CABLE_ST_FAULTS,
	PBUS_CABLE_ST_ATOMIC_DIRECTION,
	PBUS_CABLE_ST_DELIVERED,
	PBUS_CABLE_ST_COALESCED,
	PBUS_CABLE_NR_STATS,
};

static const char * const pbus_cable_stat_names[PBUS_CABLE_NR_STATS] = {
	[PBUS_CABLE_ST_GET] = "get",
	[PBUS_CABLE_ST_SET] = "set",
	[PBUS_CABLE_ST_GET_MULTIPLE] = "get_multiple",
	[PBUS_CABLE_ST_SET_MULTIPLE] = "set_multiple",
	[PBUS_CABLE_ST_DIRECTION] = "direction",
	[PBUS_CABLE_ST_LINE_OPS] = "line_ops",
	[PBUS_CABLE_ST_TRANSITIONS] = "transitions",
	[PBUS_CABLE_ST_IRQS] = "irqs",
	[PBUS_CABLE_ST_CONTENTION] = "contention",
	[PBUS_CABLE_ST_FAULTS] = "faults",
	[PBUS_CABLE_ST_ATOMIC_DIRECTION] = "atomic_direction",
	[PBUS_CABLE_ST_DELIVERED] = "delivered",
	[PBUS_CABLE_ST_COALESCED] = "coalesced",
};

/*
 * Fault classes of the chaos campaign, on one transition of lines 0..10
 * (data, RW, STROBE, ACK) of either side.
 */
enum pbus_cable_chaos {
	PBUS_CHAOS_FLIP,	/* the line inverted until its next transition */
	PBUS_CHAOS_FLIP2,	/* two other data lines of the side inverted */
	PBUS_CHAOS_BURST,	/* this and the side's next 1..7 inverted */
	PBUS_CHAOS_GLITCH,	/* an extra pulse on the line right after it */
	PBUS_CHAOS_DROP,	/* the transition never reaches the wire */
	PBUS_CHAOS_LOST_EDGE,	/* side b gets no STROBE interrupt for it */
	PBUS_CHAOS_STUCK,	/* the line stuck at its old level a while */
	PBUS_CHAOS_RESET,	/* side b sees a RESET pulse, mid-frame */
	PBUS_CHAOS_NR,
};

static const char * const pbus_cable_chaos_names[PBUS_CHAOS_NR] = {
	[PBUS_CHAOS_FLIP] = "flip",
	[PBUS_CHAOS_FLIP2] = "flip2",
	[PBUS_CHAOS_BURST] = "burst",
	[PBUS_CHAOS_GLITCH] = "glitch",
	[PBUS_CHAOS_DROP] = "drop",
	[PBUS_CHAOS_LOST_EDGE] = "lost_edge",
	[PBUS_CHAOS_STUCK] = "stuck",
	[PBUS_CHAOS_RESET] = "reset",
};

/* Line names of the pbus line map, same on both sides. */
static const char * const pbus_cable_line_names[2][13] = {
	{ "a.D0", "a.D1", "a.D2", "a.D3", "a.D4", "a.D5", "a.D6", "a.D7",
	  "a.RW", "a.STROBE", "a.ACK", "a.IRQ", "a.RESET" },
	{ "b.D0", "b.D1", "b.D2", "b.D3", "b.D4", "b.D5", "b.D6", "b.D7",
	  "b.RW", "b.STROBE", "b.ACK", "b.IRQ", "b.RESET" },
};

struct pbus_cable;

struct pbus_cable_side {
	struct gpio_chip gc;
	struct pbus_cable *cable;
	struct irq_domain *domain;
	struct fwnode_handle *fwnode;
	unsigned int id;
	u32 mask;		/* lines that exist on this side */
	u32 dir_out;		/* lines this side drives */
	u32 drive;		/* levels this side drives (or would drive) */
	u32 wire;		/* levels on the wire from this side, after faults */
	u32 seen;		/* levels this side read last, for edges */
	u32 rx_wire;		/* the peer's wire as delivered to this side */
	u32 rx_out;		/* the peer's outputs as delivered to this side */
	u32 q_wire;		/* the peer's wire as last sent to this side */
	u32 q_out;		/* the peer's outputs as last sent */
	u32 irq_unmasked;
	u32 irq_rising;
	u32 irq_falling;
	u32 irq_high;		/* level types */
	u32 irq_low;
	u32 level_pending;	/* level IRQs active at unmask, for @level_work */
	struct irq_work level_work;
	u64 stats[PBUS_CABLE_NR_STATS];
};

struct pbus_cable_vcd_entry {
	u64 ns;
	u8 side;
	u8 line;
	u8 level;
};

/* A u32 debugfs knob of a cable, read and written under the cable lock. */
struct pbus_cable_knob {
	struct pbus_cable *cable;
	u32 *val;
	u32 max;
};

#define PBUS_CABLE_NR_KNOBS	10

/* A change of one side's outputs on its way to the other side. */
struct pbus_cable_event {
	u64 t;			/* delivery time, CLOCK_MONOTONIC ns */
	u32 wire;
	u32 out;
	u8 dst;
};

struct pbus_cable {
	struct device *dev;
	/*
	 * Lock kinds as in pinctrl-bcm2835: its direction path takes
	 * fsel_lock, a spinlock_t (sleeping on PREEMPT_RT), its irq_chip a
	 * raw spinlock, set/get no lock. @fsel_lock is taken outside @lock,
	 * around every direction change only.
	 */
	spinlock_t fsel_lock;
	raw_spinlock_t lock;	/* protects everything below */
	bool dead;		/* removed: no more changes, no more IRQs */
	struct pbus_cable_side side[2];
	u32 stick_mask;
	u32 stick_val;
	u32 flip_every;
	u32 flip_mask;
	u32 flip_count;
	u32 drop_ack;
	u32 drop_strobe_irq;
	u32 delay_us;
	u32 delay_ns;
	u32 jitter_ns;
	u32 rnd;		/* jitter generator state */
	u32 chaos_every;
	u32 chaos_classes;
	u32 chaos_seed;		/* knob: copied to @chaos_rnd when written */
	u32 chaos_rnd;		/* fault generator state */
	u32 chaos_burst;	/* transitions of @chaos_burst_side to invert */
	unsigned int chaos_burst_side;
	u32 chaos_stuck_mask;	/* a line stuck by the campaign, if any */
	u32 chaos_stuck_val;
	u32 chaos_stuck_left;	/* transitions (any side) until released */
	u64 chaos[PBUS_CHAOS_NR];	/* injected, per class */
	struct hrtimer timer;	/* delivers the queue */
	bool timer_armed;	/* queued or its callback runs: it rearms */
	struct pbus_cable_event *q;
	unsigned int q_head;
	unsigned int q_len;
	u64 q_last;		/* delivery time of the newest event */
	u32 both_out;		/* lines both sides drive now */
	u32 contention[PBUS_CABLE_NGPIO_MAX];	/* times both started driving */
	struct dentry *dbg;
	struct pbus_cable_knob knobs[PBUS_CABLE_NR_KNOBS];
	struct pbus_cable_vcd_entry *vcd;
	unsigned int vcd_head;	/* next entry to write */
	unsigned int vcd_len;	/* valid entries */
	u32 vcd_base[2];	/* levels read before the oldest entry */
};

/* Work to do once the lock is released. */
struct pbus_cable_events {
	u32 pending[2];		/* hwirqs to deliver, per side */
	unsigned int transitions;
	unsigned int delay_us;
	u32 pulse[2];		/* lines to pulse after delivery, per side */
};

static struct dentry *pbus_cable_dbg_root;

static struct pbus_cable_side *pbus_cable_gc_side(struct gpio_chip *gc)
{
	return gpiochip_get_data(gc);
}

/* Levels side @s reads. Called with the lock held. */
static u32 pbus_cable_levels(const struct pbus_cable *c, unsigned int s)
{
	const struct pbus_cable_side *me = &c->side[s];
	u32 v;

	/* The peer's levels as delivered: a real wire has a delay. */
	v = (me->rx_wire & me->rx_out) |
	    (me->drive & me->dir_out & ~me->rx_out);
	v = (v & ~c->stick_mask) | (c->stick_val & c->stick_mask);
	v = (v & ~c->chaos_stuck_mask) |
	    (c->chaos_stuck_val & c->chaos_stuck_mask);
	return v & me->mask;
}

static void pbus_cable_count(struct pbus_cable_side *sd, enum pbus_cable_stat st)
{
	sd->stats[st]++;
	sd->stats[PBUS_CABLE_ST_LINE_OPS]++;
}

static void pbus_cable_vcd_record(struct pbus_cable *c, unsigned int s,
				  unsigned int line, bool level, u64 ns)
{
	struct pbus_cable_vcd_entry *e;

	if (!c->vcd)
		return;
	e = &c->vcd[c->vcd_head];
	if (c->vcd_len == PBUS_CABLE_VCD_ENTRIES) {
		/* Overwrite the oldest entry: fold it into the base levels. */
		if (e->level)
			c->vcd_base[e->side] |= BIT(e->line);
		else
			c->vcd_base[e->side] &= ~BIT(e->line);
	} else {
		c->vcd_len++;
	}
	e->ns = ns;
	e->side = s;
	e->line = line;
	e->level = level;
	c->vcd_head = (c->vcd_head + 1) % PBUS_CABLE_VCD_ENTRIES;
}

/* Find the edges each side sees now. Called with the lock held. */
static void pbus_cable_edges(struct pbus_cable *c, struct pbus_cable_events *ev)
{
	unsigned long changed;
	unsigned int s, line;
	u64 ns = 0;

	for (s = 0; s < 2; s++) {
		struct pbus_cable_side *sd = &c->side[s];
		u32 now = pbus_cable_levels(c, s);
		u32 fire;

		changed = now ^ sd->seen;
		if (!changed)
			continue;
		sd->seen = now;
		/* A level IRQ fires when its line becomes active, as an edge. */
		fire = changed & sd->irq_unmasked &
		       ((now & (sd->irq_rising | sd->irq_high)) |
			(~now & (sd->irq_falling | sd->irq_low)));
		/* A lost edge, as bcm2835 loses one while the IRQ is masked. */
		if (s == PBUS_CABLE_SIDE_B && c->drop_strobe_irq &&
		    (fire & BIT(PBUS_CABLE_LINE_STROBE))) {
			fire &= ~BIT(PBUS_CABLE_LINE_STROBE);
			c->drop_strobe_irq--;
			sd->stats[PBUS_CABLE_ST_FAULTS]++;
		}
		ev->pending[s] |= fire;
		sd->stats[PBUS_CABLE_ST_IRQS] += hweight32(fire);
		if (!ns)
			ns = ktime_get_ns();
		for_each_set_bit(line, &changed, PBUS_CABLE_NGPIO_MAX)
			pbus_cable_vcd_record(c, s, line, now & BIT(line), ns);
	}
}

static u32 pbus_cable_chaos_rand(struct pbus_cable *c)
{
	/* xorshift32, never seeded with 0 */
	c->chaos_rnd ^= c->chaos_rnd << 13;
	c->chaos_rnd ^= c->chaos_rnd >> 17;
	c->chaos_rnd ^= c->chaos_rnd << 5;
	return c->chaos_rnd;
}

/* @n-th set bit of @mask (n < hweight32(mask)). */
static unsigned int pbus_cable_nth_bit(u32 mask, unsigned int n)
{
	unsigned long m = mask;
	unsigned int b;

	for_each_set_bit(b, &m, 32)
		if (!n--)
			break;
	return b;
}

/*
 * The chaos campaign on a transition of side @s on @line to @level: maybe
 * a fault. Returns the fault's class, or PBUS_CHAOS_NR for none; *@level
 * is what goes on the wire. Called with the lock held.
 */
static unsigned int pbus_cable_chaos(struct pbus_cable *c, unsigned int s,
				     unsigned int line, bool *level,
				     struct pbus_cable_events *ev)
{
	struct pbus_cable_side *sd = &c->side[s];
	u32 bit = BIT(line), classes, others;
	unsigned int cls;

	if (c->chaos_stuck_left && !--c->chaos_stuck_left)
		c->chaos_stuck_mask = 0;
	if (c->chaos_burst && c->chaos_burst_side == s) {
		c->chaos_burst--;
		*level = !*level;
		return PBUS_CHAOS_BURST;
	}
	classes = c->chaos_classes & (BIT(PBUS_CHAOS_NR) - 1);
	if (!c->chaos_every || line > PBUS_CABLE_LINE_ACK || !classes ||
	    pbus_cable_chaos_rand(c) % c->chaos_every)
		return PBUS_CHAOS_NR;

	cls = pbus_cable_nth_bit(classes, pbus_cable_chaos_rand(c) %
					  hweight32(classes));
	switch (cls) {
	case PBUS_CHAOS_FLIP:
		*level = !*level;
		break;
	case PBUS_CHAOS_FLIP2:
		others = sd->dir_out & PBUS_CABLE_DATA_LINES & ~bit;
		if (hweight32(others) < 2)
			return PBUS_CHAOS_NR;
		bit = BIT(pbus_cable_nth_bit(others, pbus_cable_chaos_rand(c) %
						     hweight32(others)));
		others &= ~bit;
		bit |= BIT(pbus_cable_nth_bit(others, pbus_cable_chaos_rand(c) %
						      hweight32(others)));
		sd->wire ^= bit;
		break;
	case PBUS_CHAOS_BURST:
		*level = !*level;
		c->chaos_burst = 1 + pbus_cable_chaos_rand(c) % 7;
		c->chaos_burst_side = s;
		break;
	case PBUS_CHAOS_GLITCH:
		ev->pulse[s] |= bit;
		break;
	case PBUS_CHAOS_DROP:
		break;
	case PBUS_CHAOS_LOST_EDGE:
		if (s != PBUS_CABLE_SIDE_A || line != PBUS_CABLE_LINE_STROBE)
			return PBUS_CHAOS_NR;
		c->drop_strobe_irq++;
		break;
	case PBUS_CHAOS_STUCK:
		if (c->chaos_stuck_mask)
			return PBUS_CHAOS_NR;
		c->chaos_stuck_mask = bit;
		c->chaos_stuck_val = sd->wire & bit;
		c->chaos_stuck_left = 1 + pbus_cable_chaos_rand(c) % 64;
		break;
	case PBUS_CHAOS_RESET:
		/*
		 * Side a's line, pulsed in side a's call: delivering it in a
		 * call of side b would run b's RESET handler inside b's own
		 * GPIO call, which no pin controller does (b may hold the
		 * lock that handler takes).
		 */
		if (s != PBUS_CABLE_SIDE_A ||
		    !(sd->dir_out & BIT(PBUS_CABLE_LINE_RESET)))
			return PBUS_CHAOS_NR;
		ev->pulse[PBUS_CABLE_SIDE_A] |= BIT(PBUS_CABLE_LINE_RESET);
		break;
	}
	c->chaos[cls]++;
	return cls;
}

/*
 * Side @s changes the level it drives on @line while driving it: apply the
 * fault injectors and put the result on the wire. @was_out tells whether
 * the line was driven before (if not, the wire was at pull-down level).
 * Called with the lock held.
 */
static void pbus_cable_transition(struct pbus_cable *c, unsigned int s,
				  unsigned int line, bool level, bool was_out,
				  struct pbus_cable_events *ev)
{
	struct pbus_cable_side *sd = &c->side[s];
	u32 bit = BIT(line);

	sd->stats[PBUS_CABLE_ST_TRANSITIONS]++;

	if (s == PBUS_CABLE_SIDE_B && line == PBUS_CABLE_LINE_ACK &&
	    c->drop_ack) {
		c->drop_ack--;
		sd->stats[PBUS_CABLE_ST_FAULTS]++;
		if (!was_out)
			sd->wire &= ~bit;
		return;
	}

	if (c->flip_every && (c->flip_mask & bit) &&
	    ++c->flip_count >= c->flip_every) {
		c->flip_count = 0;
		level = !level;
		sd->stats[PBUS_CABLE_ST_FAULTS]++;
	}

	switch (pbus_cable_chaos(c, s, line, &level, ev)) {
	case PBUS_CHAOS_NR:
		break;
	case PBUS_CHAOS_DROP:
		sd->stats[PBUS_CABLE_ST_FAULTS]++;
		if (!was_out)
			sd->wire &= ~bit;
		return;
	default:
		sd->stats[PBUS_CABLE_ST_FAULTS]++;
		break;
	}

	if (level)
		sd->wire |= bit;
	else
		sd->wire &= ~bit;
	ev->transitions++;
}

static u32 pbus_cable_jitter(struct pbus_cable *c)
{
	/* xorshift32: cheap, and no random API that changed across kernels */
	c->rnd ^= c->rnd << 13;
	c->rnd ^= c->rnd >> 17;
	c->rnd ^= c->rnd << 5;
	return c->jitter_ns ? c->rnd % (c->jitter_ns + 1) : 0;
}

/*
 * Send side !@dst's outputs to side @dst. Synchronous (delay_ns 0, nothing
 * queued): seen at once, the edges are found by the caller. Else queued for
 * the delivery timer, in order: a transition is never delivered before an
 * earlier one. A full queue merges into its newest entry (counted). Called
 * with the lock held.
 */
static void pbus_cable_send(struct pbus_cable *c, unsigned int dst)
{
	struct pbus_cable_side *src = &c->side[!dst];
	struct pbus_cable_side *to = &c->side[dst];
	struct pbus_cable_event *e;
	u64 now, t;

	if (src->wire == to->q_wire && src->dir_out == to->q_out)
		return;
	to->q_wire = src->wire;
	to->q_out = src->dir_out;
	if (!c->delay_ns && !c->q_len) {
		to->rx_wire = src->wire;
		to->rx_out = src->dir_out;
		return;
	}
	if (c->dead)
		return;

	now = ktime_get_ns();
	t = max(now + c->delay_ns + pbus_cable_jitter(c), c->q_last);
	if (c->q_len == PBUS_CABLE_QUEUE_LEN) {
		unsigned int i;

		/* Merge into this side's newest change: its levels win. */
		to->stats[PBUS_CABLE_ST_COALESCED]++;
		for (i = c->q_len; i; i--) {
			e = &c->q[(c->q_head + i - 1) % PBUS_CABLE_QUEUE_LEN];
			if (e->dst == dst)
				break;
		}
		if (!i)
			return;
	} else {
		e = &c->q[(c->q_head + c->q_len) % PBUS_CABLE_QUEUE_LEN];
		c->q_len++;
		e->t = t;
		e->dst = dst;
	}
	e->wire = src->wire;
	e->out = src->dir_out;
	c->q_last = max(c->q_last, e->t);
	if (!c->timer_armed) {
		c->timer_armed = true;
		hrtimer_start(&c->timer, ns_to_ktime(e->t),
			      HRTIMER_MODE_ABS_HARD);
	}
}

/* Count, per line, each time both sides start driving it. Lock held. */
static void pbus_cable_contention(struct pbus_cable *c)
{
	u32 both = c->side[0].dir_out & c->side[1].dir_out;
	unsigned long fresh = both & ~c->both_out;
	unsigned int line;

	for_each_set_bit(line, &fresh, PBUS_CABLE_NGPIO_MAX)
		c->contention[line]++;
	c->both_out = both;
}

/*
 * Side @s sets its driven levels of the lines in @dmask to @drive, makes
 * the lines in @out_set outputs and those in @out_clear inputs, then the
 * edges every side sees are collected in @ev. Called with the lock held.
 */
static void pbus_cable_apply(struct pbus_cable *c, unsigned int s, u32 dmask,
			     u32 drive, u32 out_set, u32 out_clear,
			     struct pbus_cable_events *ev)
{
	struct pbus_cable_side *sd = &c->side[s];
	u32 mask = (dmask | out_set | out_clear) & sd->mask;
	u32 old_out = sd->dir_out;
	u32 old_lvl = sd->drive & sd->dir_out;
	unsigned long trans;
	unsigned int line;
	u32 lvl;

	dmask &= sd->mask;
	sd->drive = (sd->drive & ~dmask) | (drive & dmask);
	sd->dir_out = (sd->dir_out | (out_set & sd->mask)) & ~out_clear;
	lvl = sd->drive & sd->dir_out;

	sd->stats[PBUS_CABLE_ST_CONTENTION] +=
		hweight32(mask & sd->dir_out & c->side[!s].dir_out);
	pbus_cable_contention(c);

	/* Lines that start being driven at pull-down level: no transition. */
	sd->wire &= ~(mask & sd->dir_out & ~old_out & ~lvl);

	trans = (old_lvl ^ lvl) & sd->dir_out & mask;
	for_each_set_bit(line, &trans, PBUS_CABLE_NGPIO_MAX)
		pbus_cable_transition(c, s, line, lvl & BIT(line),
				      old_out & BIT(line), ev);

	pbus_cable_send(c, !s);
	pbus_cable_edges(c, ev);
}

/* Called without the lock, after a change: delay, then deliver IRQs. */
static void pbus_cable_deliver(struct pbus_cable *c,
			       const struct pbus_cable_events *ev)
{
	unsigned long pending;
	unsigned int s, i, hwirq;

	if (ev->delay_us)
		for (i = 0; i < ev->transitions; i++)
			udelay(ev->delay_us);

	for (s = 0; s < 2; s++) {
		pending = ev->pending[s];
		for_each_set_bit(hwirq, &pending, PBUS_CABLE_NGPIO_MAX)
			pbus_generic_handle_domain_irq_safe(c->side[s].domain,
							    hwirq);
	}
}

/*
 * The delivery timer (hard IRQ context, also on PREEMPT_RT): put the due
 * changes on the far side, one at a time, and raise the interrupts they
 * cause from here, never from the caller of the GPIO operation. While
 * @timer_armed the callback owns the timer; the lock is dropped around each
 * delivery, where a consumer's handler may queue more.
 */
static enum hrtimer_restart pbus_cable_timer(struct hrtimer *t)
{
	struct pbus_cable *c = container_of(t, struct pbus_cable, timer);
	struct pbus_cable_events ev;
	struct pbus_cable_event *e;
	unsigned long flags;
	unsigned int n;

	raw_spin_lock_irqsave(&c->lock, flags);
	for (n = 0; n < PBUS_CABLE_BATCH && c->q_len && !c->dead; n++) {
		e = &c->q[c->q_head];
		if (e->t > ktime_get_ns())
			break;
		c->side[e->dst].rx_wire = e->wire;
		c->side[e->dst].rx_out = e->out;
		c->side[e->dst].stats[PBUS_CABLE_ST_DELIVERED]++;
		c->q_head = (c->q_head + 1) % PBUS_CABLE_QUEUE_LEN;
		c->q_len--;
		memset(&ev, 0, sizeof(ev));
		pbus_cable_edges(c, &ev);
		raw_spin_unlock_irqrestore(&c->lock, flags);
		pbus_cable_deliver(c, &ev);
		raw_spin_lock_irqsave(&c->lock, flags);
	}
	if (c->q_len && !c->dead) {
		/* Due ones left by the batch limit run again at once. */
		hrtimer_set_expires(t, ns_to_ktime(c->q[c->q_head].t));
		raw_spin_unlock_irqrestore(&c->lock, flags);
		return HRTIMER_RESTART;
	}
	c->timer_armed = false;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return HRTIMER_NORESTART;
}

/*
 * The campaign's pulses: each line in @ev->pulse[s] is inverted on side
 * s's wire and restored, each step delivered on its own (an extra edge
 * pair the other side may see, or a RESET assertion).
 */
static void pbus_cable_pulses(struct pbus_cable *c,
			      const struct pbus_cable_events *done)
{
	struct pbus_cable_events ev;
	unsigned long flags;
	unsigned int s, i;

	for (s = 0; s < 2; s++) {
		if (!done->pulse[s])
			continue;
		for (i = 0; i < 2; i++) {
			memset(&ev, 0, sizeof(ev));
			raw_spin_lock_irqsave(&c->lock, flags);
			if (c->dead) {
				raw_spin_unlock_irqrestore(&c->lock, flags);
				return;
			}
			c->side[s].wire ^= done->pulse[s];
			pbus_cable_send(c, !s);
			pbus_cable_edges(c, &ev);
			raw_spin_unlock_irqrestore(&c->lock, flags);
			pbus_cable_deliver(c, &ev);
		}
	}
}

/* Apply a change of side @sd's lines under the lock, then deliver. */
static void pbus_cable_change(struct pbus_cable_side *sd,
			      enum pbus_cable_stat st, u32 dmask, u32 drive,
			      u32 out_set, u32 out_clear)
{
	struct pbus_cable *c = sd->cable;
	struct pbus_cable_events ev = { };
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	if (c->dead) {
		raw_spin_unlock_irqrestore(&c->lock, flags);
		return;
	}
	pbus_cable_count(sd, st);
	pbus_cable_apply(c, sd->id, dmask, drive, out_set, out_clear, &ev);
	if (ev.transitions)
		ev.delay_us = min_t(u32, c->delay_us, PBUS_CABLE_DELAY_MAX_US);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	pbus_cable_deliver(c, &ev);
	if (ev.pulse[0] | ev.pulse[1])
		pbus_cable_pulses(c, &ev);
}

static int pbus_cable_get(struct gpio_chip *gc, unsigned int offset)
{
	struct pbus_cable_side *sd = pbus_cable_gc_side(gc);
	struct pbus_cable *c = sd->cable;
	unsigned long flags;
	u32 v;

	raw_spin_lock_irqsave(&c->lock, flags);
	pbus_cable_count(sd, PBUS_CABLE_ST_GET);
	v = pbus_cable_levels(c, sd->id);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	return !!(v & BIT(offset));
}

static int pbus_cable_get_multiple(struct gpio_chip *gc, unsigned long *mask,
				   unsigned long *bits)
{
	struct pbus_cable_side *sd = pbus_cable_gc_side(gc);
	struct pbus_cable *c = sd->cable;
	unsigned long flags;
	u32 v;

	raw_spin_lock_irqsave(&c->lock, flags);
	pbus_cable_count(sd, PBUS_CABLE_ST_GET_MULTIPLE);
	v = pbus_cable_levels(c, sd->id);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	*bits = (*bits & ~*mask) | (v & *mask);
	return 0;
}

static void pbus_cable_set(struct gpio_chip *gc, unsigned int offset,
			   int value)
{
	pbus_cable_change(pbus_cable_gc_side(gc), PBUS_CABLE_ST_SET,
			  BIT(offset), value ? BIT(offset) : 0, 0, 0);
}

static void pbus_cable_set_multiple(struct gpio_chip *gc, unsigned long *mask,
				    unsigned long *bits)
{
	pbus_cable_change(pbus_cable_gc_side(gc), PBUS_CABLE_ST_SET_MULTIPLE,
			  *mask, *bits, 0, 0);
}

/*
 * A direction change may sleep on PREEMPT_RT (fsel_lock): lockdep with
 * PROVE_RAW_LOCK_NESTING reports it under a raw spinlock or in hard IRQ
 * context. On other kernels count it ("atomic_direction") so that the
 * tests catch it too. With IRQs disabled is flagged even under a
 * spinlock_t, which would be legal: a consumer must not rely on that.
 */
static void pbus_cable_direction_change(struct pbus_cable_side *sd, u32 dmask,
					u32 drive, u32 out_set, u32 out_clear)
{
	struct pbus_cable *c = sd->cable;
	unsigned long flags;

	if (in_hardirq() || irqs_disabled()) {
		raw_spin_lock_irqsave(&c->lock, flags);
		sd->stats[PBUS_CABLE_ST_ATOMIC_DIRECTION]++;
		raw_spin_unlock_irqrestore(&c->lock, flags);
		dev_warn_ratelimited(c->dev,
				     "side %c: direction change in atomic context\n",
				     'a' + sd->id);
	}

	spin_lock_irqsave(&c->fsel_lock, flags);
	pbus_cable_change(sd, PBUS_CABLE_ST_DIRECTION, dmask, drive, out_set,
			  out_clear);
	spin_unlock_irqrestore(&c->fsel_lock, flags);
}

static int pbus_cable_direction_input(struct gpio_chip *gc,
				      unsigned int offset)
{
	/* The driven level is kept for a later direction_output. */
	pbus_cable_direction_change(pbus_cable_gc_side(gc), 0, 0, 0,
				    BIT(offset));
	return 0;
}

static int pbus_cable_direction_output(struct gpio_chip *gc,
				       unsigned int offset, int value)
{
	pbus_cable_direction_change(pbus_cable_gc_side(gc), BIT(offset),
				    value ? BIT(offset) : 0, BIT(offset), 0);
	return 0;
}

static int pbus_cable_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	struct pbus_cable_side *sd = pbus_cable_gc_side(gc);
	struct pbus_cable *c = sd->cable;
	unsigned long flags;
	bool out;

	raw_spin_lock_irqsave(&c->lock, flags);
	pbus_cable_count(sd, PBUS_CABLE_ST_DIRECTION);
	out = sd->dir_out & BIT(offset);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	return out ? GPIO_LINE_DIRECTION_OUT : GPIO_LINE_DIRECTION_IN;
}

static int pbus_cable_to_irq(struct gpio_chip *gc, unsigned int offset)
{
	struct pbus_cable_side *sd = pbus_cable_gc_side(gc);
	unsigned int virq = irq_create_mapping(sd->domain, offset);

	return virq ? virq : -ENXIO;
}

static void pbus_cable_irq_update(struct irq_data *d, u32 *word, bool on)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&sd->cable->lock, flags);
	if (on)
		*word |= BIT(irqd_to_hwirq(d));
	else
		*word &= ~BIT(irqd_to_hwirq(d));
	raw_spin_unlock_irqrestore(&sd->cable->lock, flags);
}

static void pbus_cable_irq_mask(struct irq_data *d)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);

	pbus_cable_irq_update(d, &sd->irq_unmasked, false);
}

/*
 * A level interrupt still active when it is unmasked (the flow handler or
 * the end of a oneshot thread, enable_irq()) is raised again, as by a level
 * controller. Not from here (the irq descriptor's lock is held): from
 * @level_work, in hard IRQ context.
 */
static void pbus_cable_irq_unmask(struct irq_data *d)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);
	struct pbus_cable *c = sd->cable;
	u32 bit = BIT(irqd_to_hwirq(d));
	unsigned long flags;
	bool queue = false;
	u32 lvl;

	raw_spin_lock_irqsave(&c->lock, flags);
	sd->irq_unmasked |= bit;
	lvl = pbus_cable_levels(c, sd->id);
	if (!c->dead && ((lvl & sd->irq_high) | (~lvl & sd->irq_low)) & bit) {
		sd->level_pending |= bit;
		queue = true;
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (queue)
		irq_work_queue(&sd->level_work);
}

static void pbus_cable_level_work(struct irq_work *work)
{
	struct pbus_cable_side *sd = container_of(work, struct pbus_cable_side,
						  level_work);
	struct pbus_cable *c = sd->cable;
	unsigned long pending, flags;
	unsigned int hwirq;
	u32 lvl;

	raw_spin_lock_irqsave(&c->lock, flags);
	lvl = pbus_cable_levels(c, sd->id);
	/* Still unmasked and active: a level that went away raises nothing. */
	pending = sd->level_pending & sd->irq_unmasked &
		  ((lvl & sd->irq_high) | (~lvl & sd->irq_low));
	sd->level_pending = 0;
	if (c->dead)
		pending = 0;
	sd->stats[PBUS_CABLE_ST_IRQS] += hweight32(pending);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	for_each_set_bit(hwirq, &pending, PBUS_CABLE_NGPIO_MAX)
		pbus_generic_handle_domain_irq_safe(sd->domain, hwirq);
}

static int pbus_cable_irq_set_type(struct irq_data *d, unsigned int type)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);

	bool level;

	switch (type & IRQ_TYPE_SENSE_MASK) {
	case IRQ_TYPE_EDGE_RISING:
	case IRQ_TYPE_EDGE_FALLING:
	case IRQ_TYPE_EDGE_BOTH:
		level = false;
		break;
	case IRQ_TYPE_LEVEL_HIGH:
	case IRQ_TYPE_LEVEL_LOW:
		level = true;
		break;
	default:
		return -EINVAL;
	}
	pbus_cable_irq_update(d, &sd->irq_rising, type & IRQ_TYPE_EDGE_RISING);
	pbus_cable_irq_update(d, &sd->irq_falling,
			      type & IRQ_TYPE_EDGE_FALLING);
	pbus_cable_irq_update(d, &sd->irq_high, type & IRQ_TYPE_LEVEL_HIGH);
	pbus_cable_irq_update(d, &sd->irq_low, type & IRQ_TYPE_LEVEL_LOW);
	/* Level: masked while handled (and while a oneshot thread runs). */
	irq_set_handler_locked(d, level ? handle_level_irq : handle_simple_irq);
	return 0;
}

static int pbus_cable_irq_reqres(struct irq_data *d)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);

	return gpiochip_lock_as_irq(&sd->gc, irqd_to_hwirq(d));
}

static void pbus_cable_irq_relres(struct irq_data *d)
{
	struct pbus_cable_side *sd = irq_data_get_irq_chip_data(d);

	gpiochip_unlock_as_irq(&sd->gc, irqd_to_hwirq(d));
}

/* Not const: irq_set_chip() takes a non-const irq_chip before 5.19. */
static struct irq_chip pbus_cable_irq_chip = {
	.name			= "pbus-cable",
	.irq_mask		= pbus_cable_irq_mask,
	.irq_unmask		= pbus_cable_irq_unmask,
	.irq_set_type		= pbus_cable_irq_set_type,
	.irq_request_resources	= pbus_cable_irq_reqres,
	.irq_release_resources	= pbus_cable_irq_relres,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

static int pbus_cable_irq_map(struct irq_domain *domain, unsigned int virq,
			      irq_hw_number_t hwirq)
{
	irq_set_chip_data(virq, domain->host_data);
	irq_set_chip_and_handler(virq, &pbus_cable_irq_chip, handle_simple_irq);
	irq_set_noprobe(virq);
	return 0;
}

static void pbus_cable_irq_unmap(struct irq_domain *domain, unsigned int virq)
{
	irq_set_chip_and_handler(virq, NULL, NULL);
	irq_set_chip_data(virq, NULL);
}

static const struct irq_domain_ops pbus_cable_irq_domain_ops = {
	.map	= pbus_cable_irq_map,
	.unmap	= pbus_cable_irq_unmap,
	.xlate	= irq_domain_xlate_twocell,
};

/* ---- debugfs ---------------------------------------------------------- */

static int pbus_cable_stats_show(struct seq_file *m, void *unused)
{
	struct pbus_cable *c = m->private;
	u64 stats[2][PBUS_CABLE_NR_STATS];
	u64 chaos[PBUS_CHAOS_NR];
	unsigned long flags;
	unsigned int s, i;

	raw_spin_lock_irqsave(&c->lock, flags);
	for (s = 0; s < 2; s++)
		memcpy(stats[s], c->side[s].stats, sizeof(stats[s]));
	memcpy(chaos, c->chaos, sizeof(chaos));
	raw_spin_unlock_irqrestore(&c->lock, flags);

	for (s = 0; s < 2; s++)
		for (i = 0; i < PBUS_CABLE_NR_STATS; i++)
			seq_printf(m, "%c.%s %llu\n", 'a' + s,
				   pbus_cable_stat_names[i], stats[s][i]);
	for (i = 0; i < PBUS_CHAOS_NR; i++)
		seq_printf(m, "chaos.%s %llu\n", pbus_cable_chaos_names[i],
			   chaos[i]);
	return 0;
}

static int pbus_cable_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, pbus_cable_stats_show, inode->i_private);
}

static ssize_t pbus_cable_stats_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct pbus_cable *c = file_inode(file)->i_private;
	unsigned long flags;
	unsigned int val, s;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &val);
	if (ret)
		return ret;
	if (val)
		return -EINVAL;

	raw_spin_lock_irqsave(&c->lock, flags);
	for (s = 0; s < 2; s++) {
		memset(c->side[s].stats, 0, sizeof(c->side[s].stats));
		c->vcd_base[s] = c->side[s].seen;
	}
	c->vcd_len = 0;
	c->vcd_head = 0;
	c->flip_count = 0;
	memset(c->chaos, 0, sizeof(c->chaos));
	memset(c->contention, 0, sizeof(c->contention));
	raw_spin_unlock_irqrestore(&c->lock, flags);

	return len;
}

static int pbus_cable_contention_show(struct seq_file *m, void *unused)
{
	struct pbus_cable *c = m->private;
	u32 cnt[PBUS_CABLE_NGPIO_MAX];
	unsigned long flags;
	unsigned int line, n;

	raw_spin_lock_irqsave(&c->lock, flags);
	memcpy(cnt, c->contention, sizeof(cnt));
	raw_spin_unlock_irqrestore(&c->lock, flags);

	n = min(c->side[0].gc.ngpio, c->side[1].gc.ngpio);
	for (line = 0; line < n; line++)
		seq_printf(m, "%u %u\n", line, cnt[line]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_cable_contention);

static const struct file_operations pbus_cable_stats_fops = {
	.owner		= THIS_MODULE,
	.open		= pbus_cable_stats_open,
	.read		= seq_read,
	.write		= pbus_cable_stats_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int pbus_cable_stick_show(struct seq_file *m, void *unused)
{
	struct pbus_cable *c = m->private;
	unsigned long flags, mask;
	unsigned int line;
	u32 val;

	raw_spin_lock_irqsave(&c->lock, flags);
	mask = c->stick_mask;
	val = c->stick_val;
	raw_spin_unlock_irqrestore(&c->lock, flags);

	if (!mask)
		seq_puts(m, "off\n");
	for_each_set_bit(line, &mask, PBUS_CABLE_NGPIO_MAX)
		seq_printf(m, "%u %u\n", line, !!(val & BIT(line)));
	return 0;
}

static int pbus_cable_stick_open(struct inode *inode, struct file *file)
{
	return single_open(file, pbus_cable_stick_show, inode->i_private);
}

static ssize_t pbus_cable_stick_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct pbus_cable *c = file_inode(file)->i_private;
	struct pbus_cable_events ev = { };
	unsigned int line = 0, val = 0;
	unsigned long flags;
	char buf[32];
	bool off;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	off = sysfs_streq(buf, "off");
	if (!off && (sscanf(buf, "%u %u", &line, &val) != 2 ||
		     line >= PBUS_CABLE_NGPIO_MAX || val > 1))
		return -EINVAL;

	raw_spin_lock_irqsave(&c->lock, flags);
	if (off) {
		c->stick_mask = 0;
		c->stick_val = 0;
	} else {
		c->stick_mask |= BIT(line);
		if (val)
			c->stick_val |= BIT(line);
		else
			c->stick_val &= ~BIT(line);
	}
	pbus_cable_edges(c, &ev);
	raw_spin_unlock_irqrestore(&c->lock, flags);

	pbus_cable_deliver(c, &ev);
	return len;
}

static const struct file_operations pbus_cable_stick_fops = {
	.owner		= THIS_MODULE,
	.open		= pbus_cable_stick_open,
	.read		= seq_read,
	.write		= pbus_cable_stick_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* VCD identifiers: one printable character per side and line. */
static char pbus_cable_vcd_id(unsigned int s, unsigned int line)
{
	return '!' + s * PBUS_CABLE_NGPIO_MAX + line;
}

struct pbus_cable_vcd_snap {
	u32 base[2];
	u32 mask[2];
	unsigned int len;
	struct pbus_cable_vcd_entry e[];
};

static int pbus_cable_vcd_show(struct seq_file *m, void *unused)
{
	struct pbus_cable_vcd_snap *snap = m->private;
	unsigned int s, line, i;
	u64 t0, last = U64_MAX;

	seq_puts(m, "$timescale 1ns $end\n$scope module pbus_cable $end\n");
	for (s = 0; s < 2; s++)
		for (line = 0; line < PBUS_CABLE_NGPIO_MAX; line++)
			if (snap->mask[s] & BIT(line))
				seq_printf(m, "$var wire 1 %c %c%u $end\n",
					   pbus_cable_vcd_id(s, line), 'a' + s,
					   line);
	seq_puts(m, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
	for (s = 0; s < 2; s++)
		for (line = 0; line < PBUS_CABLE_NGPIO_MAX; line++)
			if (snap->mask[s] & BIT(line))
				seq_printf(m, "%u%c\n",
					   !!(snap->base[s] & BIT(line)),
					   pbus_cable_vcd_id(s, line));
	seq_puts(m, "$end\n");

	t0 = snap->len ? snap->e[0].ns : 0;
	for (i = 0; i < snap->len; i++) {
		const struct pbus_cable_vcd_entry *e = &snap->e[i];

		if (e->ns != last) {
			/* #0 holds the initial values: events start at 1 ns. */
			seq_printf(m, "#%llu\n", e->ns - t0 + 1);
			last = e->ns;
		}
		seq_printf(m, "%u%c\n", e->level,
			   pbus_cable_vcd_id(e->side, e->line));
	}
	return 0;
}

static int pbus_cable_vcd_open(struct inode *inode, struct file *file)
{
	struct pbus_cable *c = inode->i_private;
	struct pbus_cable_vcd_snap *snap;
	unsigned int i, first, s;
	unsigned long flags;
	int ret;

	snap = kvzalloc(struct_size(snap, e, PBUS_CABLE_VCD_ENTRIES),
			GFP_KERNEL);
	if (!snap)
		return -ENOMEM;

	raw_spin_lock_irqsave(&c->lock, flags);
	for (s = 0; s < 2; s++) {
		snap->base[s] = c->vcd_base[s];
		snap->mask[s] = c->side[s].mask;
	}
	snap->len = c->vcd ? c->vcd_len : 0;
	first = (c->vcd_head + PBUS_CABLE_VCD_ENTRIES - snap->len) %
		PBUS_CABLE_VCD_ENTRIES;
	for (i = 0; i < snap->len; i++)
		snap->e[i] = c->vcd[(first + i) % PBUS_CABLE_VCD_ENTRIES];
	raw_spin_unlock_irqrestore(&c->lock, flags);

	ret = single_open_size(file, pbus_cable_vcd_show, snap,
			       64 * 1024 + 16 * snap->len);
	if (ret)
		kvfree(snap);
	return ret;
}

static int pbus_cable_vcd_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	kvfree(m->private);
	return single_release(inode, file);
}

static const struct file_operations pbus_cable_vcd_fops = {
	.owner		= THIS_MODULE,
	.open		= pbus_cable_vcd_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= pbus_cable_vcd_release,
};

static int pbus_cable_knob_get(void *data, u64 *val)
{
	struct pbus_cable_knob *k = data;
	unsigned long flags;

	raw_spin_lock_irqsave(&k->cable->lock, flags);
	*val = *k->val;
	raw_spin_unlock_irqrestore(&k->cable->lock, flags);
	return 0;
}

static int pbus_cable_knob_set(void *data, u64 val)
{
	struct pbus_cable_knob *k = data;
	unsigned long flags;

	if (val > k->max)
		return -EINVAL;
	raw_spin_lock_irqsave(&k->cable->lock, flags);
	*k->val = val;
	/* Any knob change restarts the flip_every count. */
	k->cable->flip_count = 0;
	if (k->val == &k->cable->chaos_seed)
		k->cable->chaos_rnd = val ?: 1;
	/* Off: nothing of the campaign stays behind. */
	if (!k->cable->chaos_every) {
		k->cable->chaos_burst = 0;
		k->cable->chaos_stuck_mask = 0;
		k->cable->chaos_stuck_left = 0;
	}
	raw_spin_unlock_irqrestore(&k->cable->lock, flags);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pbus_cable_knob_fops, pbus_cable_knob_get,
			 pbus_cable_knob_set, "%llu\n");

static void pbus_cable_debugfs_remove(void *data)
{
	struct pbus_cable *c = data;

	debugfs_remove_recursive(c->dbg);
}

static int pbus_cable_debugfs_init(struct pbus_cable *c)
{
	static const struct {
		const char *name;
		size_t offset;
		u32 max;
	} knobs[PBUS_CABLE_NR_KNOBS] = {
		{ "flip_every", offsetof(struct pbus_cable, flip_every), U32_MAX },
		{ "flip_mask", offsetof(struct pbus_cable, flip_mask), U32_MAX },
		{ "drop_ack", offsetof(struct pbus_cable, drop_ack), U32_MAX },
		{ "drop_strobe_irq", offsetof(struct pbus_cable, drop_strobe_irq),
		  U32_MAX },
		{ "delay_us", offsetof(struct pbus_cable, delay_us),
		  PBUS_CABLE_DELAY_MAX_US },
		{ "delay_ns", offsetof(struct pbus_cable, delay_ns),
		  PBUS_CABLE_DELAY_NS_MAX },
		{ "jitter_ns", offsetof(struct pbus_cable, jitter_ns),
		  PBUS_CABLE_DELAY_NS_MAX },
		{ "chaos_every", offsetof(struct pbus_cable, chaos_every),
		  U32_MAX },
		{ "chaos_classes", offsetof(struct pbus_cable, chaos_classes),
		  BIT(PBUS_CHAOS_NR) - 1 },
		{ "chaos_seed", offsetof(struct pbus_cable, chaos_seed),
		  U32_MAX },
	};
	unsigned int i;

	c->dbg = debugfs_create_dir(dev_name(c->dev), pbus_cable_dbg_root);
	debugfs_create_file("stats", 0600, c->dbg, c, &pbus_cable_stats_fops);
	debugfs_create_file("stick", 0600, c->dbg, c, &pbus_cable_stick_fops);
	debugfs_create_file("vcd", 0400, c->dbg, c, &pbus_cable_vcd_fops);
	debugfs_create_file("contention", 0400, c->dbg, c,
			    &pbus_cable_contention_fops);
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		struct pbus_cable_knob *k = &c->knobs[i];

		k->cable = c;
		k->val = (u32 *)((char *)c + knobs[i].offset);
		k->max = knobs[i].max;
		debugfs_create_file_unsafe(knobs[i].name, 0600, c->dbg, k,
					   &pbus_cable_knob_fops);
	}

	return devm_add_action_or_reset(c->dev, pbus_cable_debugfs_remove, c);
}

/* ---- probe ------------------------------------------------------------ */

static void pbus_cable_fwnode_put(void *data)
{
	fwnode_handle_put(data);
}

static void pbus_cable_domain_remove(void *data)
{
	struct pbus_cable_side *sd = data;
	unsigned int hwirq, virq;

	for (hwirq = 0; hwirq < sd->gc.ngpio; hwirq++) {
		virq = irq_find_mapping(sd->domain, hwirq);
		if (virq)
			irq_dispose_mapping(virq);
	}
	irq_domain_remove(sd->domain);
}

static int pbus_cable_side_init(struct pbus_cable *c, unsigned int s)
{
	static const char * const node_names[2] = { "side-a", "side-b" };
	struct pbus_cable_side *sd = &c->side[s];
	struct device *dev = c->dev;
	struct gpio_chip *gc = &sd->gc;
	const char **names;
	u32 ngpio;
	int ret;

	sd->cable = c;
	sd->id = s;
	sd->level_work = IRQ_WORK_INIT_HARD(pbus_cable_level_work);

	sd->fwnode = device_get_named_child_node(dev, node_names[s]);
	if (!sd->fwnode)
		return dev_err_probe(dev, -EINVAL, "missing child node %s\n",
				     node_names[s]);
	ret = devm_add_action_or_reset(dev, pbus_cable_fwnode_put, sd->fwnode);
	if (ret)
		return ret;

	ret = fwnode_property_read_u32(sd->fwnode, "ngpios", &ngpio);
	if (ret == -EINVAL)
		ngpio = PBUS_CABLE_NGPIO_DEFAULT;
	else if (ret)
		return dev_err_probe(dev, ret, "%s: bad ngpios\n",
				     node_names[s]);
	if (!ngpio || ngpio > PBUS_CABLE_NGPIO_MAX)
		return dev_err_probe(dev, -EINVAL,
				     "%s: ngpios %u out of range 1..%u\n",
				     node_names[s], ngpio,
				     PBUS_CABLE_NGPIO_MAX);
	sd->mask = GENMASK(ngpio - 1, 0);

	sd->domain = irq_domain_create_linear(sd->fwnode, ngpio,
					      &pbus_cable_irq_domain_ops, sd);
	if (!sd->domain)
		return dev_err_probe(dev, -ENOMEM, "%s: no irq domain\n",
				     node_names[s]);
	ret = devm_add_action_or_reset(dev, pbus_cable_domain_remove, sd);
	if (ret)
		return ret;

	names = devm_kcalloc(dev, ngpio, sizeof(*names), GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	memcpy(names, pbus_cable_line_names[s],
	       min_t(size_t, ngpio, ARRAY_SIZE(pbus_cable_line_names[s])) *
	       sizeof(*names));

	gc->label = devm_kasprintf(dev, GFP_KERNEL, "%s-%c", dev_name(dev),
				   'a' + s);
	if (!gc->label)
		return -ENOMEM;
	gc->parent = dev;
	gc->owner = THIS_MODULE;
	gc->base = -1;
	gc->ngpio = ngpio;
	gc->names = names;
	gc->can_sleep = false;
	gc->get = pbus_cable_get;
	gc->set = pbus_cable_set;
	gc->direction_input = pbus_cable_direction_input;
	gc->direction_output = pbus_cable_direction_output;
	gc->get_direction = pbus_cable_get_direction;
	gc->to_irq = pbus_cable_to_irq;
	if (multiple) {
		gc->get_multiple = pbus_cable_get_multiple;
		gc->set_multiple = pbus_cable_set_multiple;
	}
	pbus_gpiochip_set_fwnode(gc, sd->fwnode);

	ret = devm_gpiochip_add_data(dev, gc, sd);
	if (ret)
		return dev_err_probe(dev, ret, "%s: cannot add gpiochip\n",
				     node_names[s]);
	return 0;
}

static int pbus_cable_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct pbus_cable *c;
	unsigned int s;
	int ret;

	c = devm_kzalloc(dev, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->dev = dev;
	spin_lock_init(&c->fsel_lock);
	raw_spin_lock_init(&c->lock);
	c->flip_mask = U32_MAX;
	c->delay_ns = min(delay_ns, PBUS_CABLE_DELAY_NS_MAX);
	c->jitter_ns = min(jitter_ns, PBUS_CABLE_DELAY_NS_MAX);
	c->rnd = 0x9e3779b9;
	c->chaos_classes = BIT(PBUS_CHAOS_NR) - 1;
	c->chaos_seed = 0x2545f491;
	c->chaos_rnd = c->chaos_seed;
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	c->timer.function = pbus_cable_timer;
	c->q = devm_kcalloc(dev, PBUS_CABLE_QUEUE_LEN, sizeof(*c->q),
			    GFP_KERNEL);
	if (!c->q)
		return -ENOMEM;

	/* Optional: without it the cable works, vcd is just empty. */
	c->vcd = devm_kcalloc(dev, PBUS_CABLE_VCD_ENTRIES, sizeof(*c->vcd),
			      GFP_KERNEL);

	for (s = 0; s < 2; s++) {
		ret = pbus_cable_side_init(c, s);
		if (ret)
			return ret;
	}

	ret = pbus_cable_debugfs_init(c);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, c);
	dev_info(dev, "%s (%u lines) <-> %s (%u lines), multiple=%d, %s delay %u+0..%u ns\n",
		 c->side[0].gc.label, c->side[0].gc.ngpio,
		 c->side[1].gc.label, c->side[1].gc.ngpio, multiple,
		 c->delay_ns ? "asynchronous" : "synchronous", c->delay_ns,
		 c->jitter_ns);
	return 0;
}

/*
 * Unbinding is only possible by unloading the module (no bind/unbind
 * files), which gpiolib prevents while a consumer holds a line: the
 * consumers' IRQs are gone when this runs. Stop every change and every
 * delivery before devres removes the chips and the IRQ domains.
 */
static void pbus_cable_do_remove(struct platform_device *pdev)
{
	struct pbus_cable *c = platform_get_drvdata(pdev);
	unsigned int s, hwirq, virq;
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	c->dead = true;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	/* dead: the callback does not rearm, nothing queues any more */
	hrtimer_cancel(&c->timer);
	for (s = 0; s < 2; s++)
		irq_work_sync(&c->side[s].level_work);

	for (s = 0; s < 2; s++)
		for (hwirq = 0; hwirq < c->side[s].gc.ngpio; hwirq++) {
			virq = irq_find_mapping(c->side[s].domain, hwirq);
			if (virq && irq_has_action(virq))
				dev_err(c->dev, "side %c line %u: IRQ %u still requested\n",
					'a' + s, hwirq, virq);
		}
}

PBUS_PLATFORM_REMOVE(pbus_cable_remove, pbus_cable_do_remove)

static const struct of_device_id pbus_cable_of_match[] = {
	{ .compatible = "pbus,test-cable" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_cable_of_match);

static struct platform_driver pbus_cable_driver = {
	.probe	= pbus_cable_probe,
	.remove	= pbus_cable_remove,
	.driver	= {
		.name		= "pbus-cable",
		.of_match_table	= pbus_cable_of_match,
		.suppress_bind_attrs = true,
	},
};

static int __init pbus_cable_init(void)
{
	int ret;

	pbus_cable_dbg_root = debugfs_create_dir("pbus-cable", NULL);
	ret = platform_driver_register(&pbus_cable_driver);
	if (ret)
		debugfs_remove_recursive(pbus_cable_dbg_root);
	return ret;
}
module_init(pbus_cable_init);

static void __exit pbus_cable_exit(void)
{
	platform_driver_unregister(&pbus_cable_driver);
	debugfs_remove_recursive(pbus_cable_dbg_root);
}
module_exit(pbus_cable_exit);

MODULE_DESCRIPTION("pbus test cable: two GPIO chips wired line to line");
MODULE_LICENSE("GPL");
