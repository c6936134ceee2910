// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus slave end: the remote side of the bus, served from a memory window
 * and a register block.
 *
 * Every STROBE edge carries one byte. The edge handler reads RW, STROBE and
 * the data lines in one array read, feeds the portable state machine
 * (pbus_slave_strobe()), drives or releases the data lines as it says and
 * then toggles ACK so that ACK always ends equal to the STROBE level last
 * handled: an idle link has ACK == STROBE.
 *
 * Direction changes may sleep on PREEMPT_RT (pinctrl-bcm2835 takes its
 * spinlock_t fsel_lock there; gpiolib may take locks of its own), value
 * changes and reads do not (bcm2835 takes no lock for them). So:
 * - atomic mode (the GPIO chips do not sleep): the hard IRQ handler reads
 *   the lines, runs the state machine and, if only values change, drives
 *   the data lines and ACK itself, under @lock (a raw spinlock). An edge
 *   that needs the data lines turned around (the read turnaround, the
 *   release at the end of a read) leaves its action pending for the IRQ
 *   thread, which makes the direction change and toggles ACK under
 *   @wire_lock (a mutex). The host waits for that ACK, so the next edge
 *   comes after it; an edge that still comes while the thread owns the
 *   wire (@wire_busy) is left to the thread, which re-reads STROBE before
 *   it hands the wire back: the two-phase handshake keeps its order.
 * - sleeping mode (an I2C/SPI expander): every edge is handled in the IRQ
 *   thread under @wire_lock, @lock is only taken around the state machine.
 * RESET and the idle timeout's release of the lines are done in a thread
 * and a work item, never in hard IRQ context. @lock protects the state
 * machine, the window and the registers, so that the slave's user can use
 * the window while the host is writing it.
 *
 * With pbus,poll-us > 0 the edge is handled in an IRQ thread that then
 * busy-polls STROBE for further edges for up to poll-us: on a Raspberry Pi
 * the GPIO IRQ latency (4-5 us) dominates the byte time, and catching the
 * next edge by polling saves it. Polling is done in the thread rather than
 * in the hard IRQ handler so that interrupts stay enabled and the CPU can
 * be preempted by higher priority work. STROBE stays unmasked meanwhile
 * (see pbus_slave_request_irqs()): the edges consumed by polling re-run
 * the thread, which then finds no level change and counts them as
 * spurious edges.
 *
 * The data lines are switched between input and output in the thread:
 * their DT flags may ask for a bias (gpiolib then configures pinctrl).
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <pbus_compat.h>
#include "pbus-internal.h"
#include "pbus-xlog.h"
#include "pbus_proto.h"

#define PBUS_SLAVE_WINDOW_DEF	(256 * 1024)
#define PBUS_SLAVE_WINDOW_MAX	(16 * 1024 * 1024)
#define PBUS_SLAVE_PAYLOAD_DEF	1024
#define PBUS_SLAVE_IDLE_DEF_US	100000
#define PBUS_SLAVE_IDLE_MIN_US	100
#define PBUS_SLAVE_IDLE_MAX_US	10000000
#define PBUS_SLAVE_POLL_MAX_US	1000
/* Look for an edge whose interrupt was lost every this often ... */
#define PBUS_SLAVE_CHECK_US	1000
/* ... for this long after the last edge handled. */
#define PBUS_SLAVE_CHECK_LINGER_US	1000000
/* Bound of one poll loop, however busy the host keeps the link. */
#define PBUS_SLAVE_POLL_LOOP_US	10000
/* Window copies of the slave's user drop the lock every this many bytes. */
#define PBUS_SLAVE_COPY_CHUNK	256

/* The input array read on every edge: D0..D7, RW, STROBE. */
#define PBUS_SLAVE_IN_RW	PBUS_DATA_LINES
#define PBUS_SLAVE_IN_STROBE	(PBUS_DATA_LINES + 1)
#define PBUS_SLAVE_IN_LINES	(PBUS_DATA_LINES + 2)

/**
 * struct pbus_slave_stats - counters of the slave end (the protocol
 *	counters live in &pbus_slave_sm.cnt)
 * @edges: STROBE edges handled
 * @spurious_edges: STROBE interrupts without a level change
 * @idle_timeouts: frames dropped by the idle timeout
 * @resets: RESET line assertions
 * @lost_edges: STROBE edges found by the check timer (their IRQ was lost)
 * @serves: runs of the IRQ thread or work item that owned the wire
 * @turns: turnarounds the hard IRQ handler left to the thread, carried out
 * @turn_max_us: longest wait of one of them for the thread (the host's
 *	handshake timeout must be above it)
 * @turns_dropped: left pending until the idle timeout or RESET dropped them
 */
struct pbus_slave_stats {
	u64 edges;
	u64 spurious_edges;
	u32 idle_timeouts;
	u32 resets;
	u32 lost_edges;
	u64 serves;
	u64 turns;
	u32 turn_max_us;
	u32 turns_dropped;
};

/**
 * struct pbus_slave - one slave end
 * @kref: lifetime; held by the driver while bound and by pbus_slave_get()
 * @dev: the platform device (a reference is held until the last put)
 * @name: DT label or dev_name()
 * @lock: protects the state machine, window, registers, @ops, @dead,
 *	@strobe_level and the wire hand-over (@wire_busy, @pend,
 *	@release_pending); the hard IRQ handler holds it while it drives
 * @wire_lock: held by the thread or work item that owns the wire
 *	(@driving, @data_out, ACK) with @wire_busy set
 * @dead: set under @lock at unbind; the API then fails or does nothing
 * @sleeping: some wire GPIO can sleep: handle edges in a thread
 * @irq_cansleep: the IRQ line's GPIO can sleep: set it from @irq_work
 * @sm: protocol state machine
 * @sm_buf: its buffer
 * @window: memory window
 * @window_size: bytes in @window
 * @lie_window_size: if not 0, what WINDOW_SIZE reads (debugfs, tests)
 * @max_payload: largest frame payload
 * @idle_timeout_us: a frame idle this long is dropped
 * @poll_us: busy-poll STROBE this long after an edge (0: off)
 * @irq_status: IRQ_STATUS register
 * @irq_enable: IRQ_ENABLE register
 * @scratch: SCRATCH register
 * @irq_level: level wanted on the IRQ line
 * @ops: hooks of the slave's user
 * @priv: their cookie
 * @data: D0..D7
 * @in: D0..D7, RW, STROBE: read in one array op
 * @strobe: STROBE line
 * @ack: ACK line
 * @irq_gpio: IRQ line (optional)
 * @reset: RESET line (optional)
 * @strobe_level: STROBE level last handled (== ACK level)
 * @driving: the data lines are outputs
 * @data_out: value driven on the data lines
 * @strobe_irq: Linux IRQ of STROBE
 * @reset_irq: Linux IRQ of RESET, 0 if none
 * @idle_timer: drops a frame idle for @idle_timeout_us
 * @idle_armed: @idle_timer is queued or its callback will restart it
 * @check_timer: every PBUS_SLAVE_CHECK_US for PBUS_SLAVE_CHECK_LINGER_US
 *	after the last edge handled, serves an edge whose interrupt was lost
 *	(bcm2835 drops edges while the line is masked, as it is while a
 *	forced-threaded handler runs)
 * @check_armed: like @idle_armed, for @check_timer
 * @check_suspect: the last check found STROBE away from @strobe_level
 * @last_serve: time of the last edge handled
 * @last_edge: time of the last edge of a frame in flight
 * @wire_busy: a thread or work item owns the wire: the hard IRQ handler
 *	leaves every edge to the thread
 * @pend: an edge was handled by the hard IRQ handler, its action
 *	(@pend_act, @pend_out: a turn of the data lines, then ACK) is left
 *	to the thread
 * @pend_act: see @pend
 * @pend_out: see @pend
 * @pend_at: when the hard IRQ handler left @pend (for @stats.turn_max_us)
 * @release_pending: the idle timeout or RESET left releasing the lines to
 *	the work or thread
 * @reset_pending: RESET came while a thread owned the wire: the RESET
 *	thread does all of it
 * @irq_work: sets a sleeping IRQ line
 * @release_work: releases the data lines after an idle timeout
 * @stats: counters, under @lock
 * @gpio_errors: failed GPIO operations
 * @xlog: execution log of the window writes (debugfs exec_log, tests)
 * @dbg: debugfs directory
 */
struct pbus_slave {
	struct kref kref;
	struct device *dev;
	char name[PBUS_NAME_LEN];

	raw_spinlock_t lock;
	struct mutex wire_lock;	/* see kernel-doc above */
	bool dead;
	bool sleeping;
	bool irq_cansleep;

	struct pbus_slave_sm sm;
	u8 *sm_buf;
	u8 *window;
	u32 window_size;
	u32 lie_window_size;
	u16 max_payload;
	u32 idle_timeout_us;
	u32 poll_us;

	u32 irq_status;
	u32 irq_enable;
	u32 scratch;
	bool irq_level;

	const struct pbus_slave_ops *ops;
	void *priv;

	struct gpio_descs *data;
	struct gpio_desc *in[PBUS_SLAVE_IN_LINES];
	struct gpio_desc *strobe;
	struct gpio_desc *ack;
	struct gpio_desc *irq_gpio;
	struct gpio_desc *reset;

	bool strobe_level;
	bool driving;
	u8 data_out;

	int strobe_irq;
	int reset_irq;
	struct hrtimer idle_timer;
	bool idle_armed;
	struct hrtimer check_timer;
	bool check_armed;
	bool check_suspect;
	ktime_t last_serve;
	ktime_t last_edge;
	bool wire_busy;
	bool pend;
	ktime_t pend_at;
	enum pbus_slave_action pend_act;
	u8 pend_out;
	bool release_pending;
	bool reset_pending;
	struct work_struct irq_work;
	struct work_struct release_work;

	struct pbus_slave_stats stats;
	atomic_t gpio_errors;
	struct pbus_xlog xlog;
	struct dentry *dbg;
};

/* ---------------------------------------------------------------------------
 * IRQ line
 */

/* Recompute the IRQ line after IRQ_STATUS or IRQ_ENABLE changed. */
static void pbus_slave_update_irq_locked(struct pbus_slave *s)
{
	bool level = (s->irq_status & s->irq_enable) != 0;

	lockdep_assert_held(&s->lock);
	if (!s->irq_gpio || level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->irq_cansleep)
		schedule_work(&s->irq_work);
	else
		gpiod_set_value(s->irq_gpio, level);
}

static void pbus_slave_irq_work(struct work_struct *work)
{
	struct pbus_slave *s = container_of(work, struct pbus_slave, irq_work);
	unsigned long flags;
	bool level;

	raw_spin_lock_irqsave(&s->lock, flags);
	level = s->irq_level;
	raw_spin_unlock_irqrestore(&s->lock, flags);
	gpiod_set_value_cansleep(s->irq_gpio, level);
}

/* ---------------------------------------------------------------------------
 * Backend: window and registers. Called by the state machine, @lock held.
 */

static int pbus_slave_core_read(struct pbus_slave *s, u32 off, u32 *val)
{
	switch (off) {
	case PBUS_REG_MAGIC:
		*val = PBUS_MAGIC;
		break;
	case PBUS_REG_VERSION:
		*val = PBUS_PROTO_VERSION;
		break;
	case PBUS_REG_WINDOW_SIZE:
		/* debugfs lie_window_size: a lying remote, for tests */
		*val = READ_ONCE(s->lie_window_size) ?: s->window_size;
		break;
	case PBUS_REG_MAX_PAYLOAD:
		*val = s->max_payload;
		break;
	case PBUS_REG_IRQ_STATUS:
		*val = s->irq_status;
		break;
	case PBUS_REG_IRQ_ENABLE:
		*val = s->irq_enable;
		break;
	case PBUS_REG_SCRATCH:
		*val = s->scratch;
		break;
	case PBUS_REG_EPOCH:
		*val = s->sm.epoch;
		break;
	default:
		return PBUS_ST_ADDR;
	}
	return PBUS_ST_OK;
}

static int pbus_slave_core_write_check(u32 off)
{
	switch (off) {
	case PBUS_REG_MAGIC:
	case PBUS_REG_VERSION:
	case PBUS_REG_WINDOW_SIZE:
	case PBUS_REG_MAX_PAYLOAD:
	case PBUS_REG_EPOCH:
		return PBUS_ST_RO;
	case PBUS_REG_IRQ_STATUS:
	case PBUS_REG_IRQ_ENABLE:
	case PBUS_REG_SCRATCH:
		return PBUS_ST_OK;
	default:
		return PBUS_ST_ADDR;
	}
}

static void pbus_slave_core_write(struct pbus_slave *s, u32 off, u32 val)
{
	switch (off) {
	case PBUS_REG_IRQ_STATUS:
		s->irq_status &= ~val;
		pbus_slave_update_irq_locked(s);
		break;
	case PBUS_REG_IRQ_ENABLE:
		s->irq_enable = val;
		pbus_slave_update_irq_locked(s);
		break;
	case PBUS_REG_SCRATCH:
		s->scratch = val;
		break;
	}
}

/* Registers are aligned 32-bit words; @off is from PBUS_REG_BASE. */
static bool pbus_slave_reg_range_ok(u32 off, u16 len)
{
	return len && !(off % 4) && !(len % 4) && off < PBUS_REG_END &&
	       len <= PBUS_REG_END - off;
}

static int pbus_slave_reg_read(struct pbus_slave *s, u32 off, u8 *buf,
			       u16 len)
{
	const struct pbus_slave_ops *ops = s->ops;
	__le32 w;
	u32 val;
	int st;

	if (!pbus_slave_reg_range_ok(off, len))
		return PBUS_ST_ADDR;
	for (; len; off += 4, buf += 4, len -= 4) {
		if (off < PBUS_REG_CORE_END) {
			st = pbus_slave_core_read(s, off, &val);
			if (st != PBUS_ST_OK)
				return st;
		} else {
			if (!ops || !ops->reg_read ||
			    ops->reg_read(s->priv, off - PBUS_REG_USER, &val))
				return PBUS_ST_ADDR;
		}
		w = cpu_to_le32(val);
		memcpy(buf, &w, 4);
	}
	return PBUS_ST_OK;
}

static int pbus_slave_reg_write(struct pbus_slave *s, u32 off,
				const u8 *buf, u16 len)
{
	const struct pbus_slave_ops *ops = s->ops;
	u32 o, end = off + len;
	__le32 w;
	int st;

	if (!pbus_slave_reg_range_ok(off, len))
		return PBUS_ST_ADDR;
	/* Refuse the whole frame if any core word is refused. */
	for (o = off; o < end && o < PBUS_REG_CORE_END; o += 4) {
		st = pbus_slave_core_write_check(o);
		if (st != PBUS_ST_OK)
			return st;
	}
	if (end > PBUS_REG_CORE_END && (!ops || !ops->reg_write))
		return PBUS_ST_ADDR;

	for (o = off; o < end; o += 4, buf += 4) {
		memcpy(&w, buf, 4);
		if (o < PBUS_REG_CORE_END) {
			pbus_slave_core_write(s, o, le32_to_cpu(w));
			continue;
		}
		st = ops->reg_write(s->priv, o - PBUS_REG_USER,
				    le32_to_cpu(w));
		if (st == -EPERM)
			return PBUS_ST_RO;
		if (st)
			return PBUS_ST_ADDR;
	}
	return PBUS_ST_OK;
}

static bool pbus_slave_in_window(struct pbus_slave *s, u32 addr, u16 len)
{
	return addr < s->window_size && len <= s->window_size - addr;
}

static int pbus_slave_be_read(void *ctx, u32 addr, u8 *buf, u16 len)
{
	struct pbus_slave *s = ctx;

	if (pbus_slave_in_window(s, addr, len)) {
		memcpy(buf, s->window + addr, len);
		return PBUS_ST_OK;
	}
	if (addr >= PBUS_REG_BASE)
		return pbus_slave_reg_read(s, addr - PBUS_REG_BASE, buf, len);
	return PBUS_ST_ADDR;
}

static int pbus_slave_be_write(void *ctx, u32 addr, const u8 *buf, u16 len)
{
	struct pbus_slave *s = ctx;

	if (pbus_slave_in_window(s, addr, len)) {
		memcpy(s->window + addr, buf, len);
		pbus_xlog_record(&s->xlog, addr, buf, len);
		if (s->ops && s->ops->window_written)
			s->ops->window_written(s->priv, addr, len);
		return PBUS_ST_OK;
	}
	if (addr >= PBUS_REG_BASE)
		return pbus_slave_reg_write(s, addr - PBUS_REG_BASE, buf, len);
	return PBUS_ST_ADDR;
}

static const struct pbus_slave_backend pbus_slave_backend = {
	.read = pbus_slave_be_read,
	.write = pbus_slave_be_write,
};

/* ---------------------------------------------------------------------------
 * Wire. The owner of the wire drives it: the hard IRQ handler with @lock
 * held while @wire_busy is false (value changes only), or a thread or work
 * item holding @wire_lock, which sets @wire_busy while it owns the wire.
 * Direction changes are only made by the latter: @atomic is false there.
 */

static void pbus_slave_gpio_err(struct pbus_slave *s, int ret)
{
	if (ret < 0)
		atomic_inc(&s->gpio_errors);
}

static void pbus_slave_set_ack(struct pbus_slave *s, bool atomic)
{
	if (atomic)
		gpiod_set_raw_value(s->ack, s->strobe_level);
	else
		gpiod_set_raw_value_cansleep(s->ack, s->strobe_level);
}

/* May sleep (pinctrl-bcm2835 takes a spinlock_t): never with @lock held. */
static void pbus_slave_release(struct pbus_slave *s)
{
	unsigned int i;

	might_sleep();
	if (!s->driving)
		return;
	for (i = 0; i < PBUS_DATA_LINES; i++)
		pbus_slave_gpio_err(s, gpiod_direction_input(s->data->desc[i]));
	s->driving = false;
}

/* A direction change is needed to carry out @act. */
static bool pbus_slave_needs_turn(struct pbus_slave *s,
				  enum pbus_slave_action act)
{
	return (act == PBUS_SA_DRIVE && !s->driving) ||
	       (act == PBUS_SA_RELEASE && s->driving);
}

/* Drive @val; once driving, write only the lines that change. */
static void pbus_slave_drive(struct pbus_slave *s, u8 val, bool atomic)
{
	struct gpio_desc *descs[PBUS_DATA_LINES];
	unsigned long diff, bits = 0;
	unsigned int i, n = 0;
	int ret;

	if (!s->driving) {
		might_sleep();
		for (i = 0; i < PBUS_DATA_LINES; i++) {
			ret = gpiod_direction_output_raw(s->data->desc[i],
							 (val >> i) & 1);
			pbus_slave_gpio_err(s, ret);
		}
		s->driving = true;
		s->data_out = val;
		return;
	}

	diff = val ^ s->data_out;
	if (!diff)
		return;
	for_each_set_bit(i, &diff, PBUS_DATA_LINES) {
		descs[n] = s->data->desc[i];
		if (val & BIT(i))
			__set_bit(n, &bits);
		n++;
	}
	if (atomic)
		ret = gpiod_set_raw_array_value(n, descs, NULL, &bits);
	else
		ret = gpiod_set_raw_array_value_cansleep(n, descs, NULL,
							 &bits);
	pbus_slave_gpio_err(s, ret);
	s->data_out = val;
}

/* Data first, ACK last: the host samples the data when it sees ACK. */
static void pbus_slave_apply(struct pbus_slave *s,
			     enum pbus_slave_action act, u8 out, bool atomic)
{
	if (act == PBUS_SA_DRIVE)
		pbus_slave_drive(s, out, atomic);
	else if (act == PBUS_SA_RELEASE && !atomic)
		pbus_slave_release(s);
	pbus_slave_set_ack(s, atomic);
}

/*
 * Arm the idle timeout for a frame in flight, @lock held. Only here (and
 * the callback, which owns the timer while @idle_armed) touches the
 * timer: it is never restarted or moved while queued or running.
 */
static void pbus_slave_idle_arm_locked(struct pbus_slave *s)
{
	lockdep_assert_held(&s->lock);
	s->last_edge = ktime_get();
	if (s->idle_armed || s->dead)
		return;
	s->idle_armed = true;
	hrtimer_start(&s->idle_timer,
		      ns_to_ktime((u64)s->idle_timeout_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
}

/* Arm the lost-edge check after an edge was handled, @lock held. */
static void pbus_slave_check_arm_locked(struct pbus_slave *s)
{
	lockdep_assert_held(&s->lock);
	s->last_serve = ktime_get();
	s->check_suspect = false;
	if (s->check_armed || s->dead)
		return;
	s->check_armed = true;
	hrtimer_start(&s->check_timer,
		      ns_to_ktime(PBUS_SLAVE_CHECK_US * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
}

/*
 * Feed one edge to the state machine, @lock held. Returns false when
 * STROBE is at the level already handled (counted as a spurious edge if
 * @count).
 */
static bool pbus_slave_sm_edge(struct pbus_slave *s, unsigned long in,
			       enum pbus_slave_action *act, u8 *out,
			       bool count)
{
	bool level = test_bit(PBUS_SLAVE_IN_STROBE, &in);

	lockdep_assert_held(&s->lock);
	if (level == s->strobe_level) {
		if (count)
			s->stats.spurious_edges++;
		return false;
	}
	s->strobe_level = level;
	s->stats.edges++;
	pbus_slave_check_arm_locked(s);
	*act = pbus_slave_strobe(&s->sm, test_bit(PBUS_SLAVE_IN_RW, &in),
				 in & 0xff, out);
	if (pbus_slave_busy(&s->sm))
		pbus_slave_idle_arm_locked(s);
	return true;
}

/*
 * Atomic mode fast path (hard IRQ): the state machine and value changes
 * only. An edge that needs the data lines turned around is left to the
 * thread as a pending action; while a thread or work item owns the wire,
 * every edge is left to the thread, which re-reads STROBE.
 */
static irqreturn_t pbus_slave_strobe_irq(int irq, void *data)
{
	DECLARE_BITMAP(in, PBUS_SLAVE_IN_LINES) = { 0 };
	enum pbus_slave_action act = PBUS_SA_ACK;
	struct pbus_slave *s = data;
	irqreturn_t ret = IRQ_HANDLED;
	unsigned long flags;
	u8 out = 0;
	int err;

	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->wire_busy) {
		ret = IRQ_WAKE_THREAD;
		goto out;
	}
	err = gpiod_get_raw_array_value(PBUS_SLAVE_IN_LINES, s->in, NULL, in);
	if (err < 0) {
		pbus_slave_gpio_err(s, err);
		goto out;
	}
	if (!pbus_slave_sm_edge(s, in[0], &act, &out, true))
		goto out;
	if (pbus_slave_needs_turn(s, act)) {
		s->wire_busy = true;
		s->pend = true;
		s->pend_at = ktime_get();
		s->pend_act = act;
		s->pend_out = out;
		ret = IRQ_WAKE_THREAD;
		goto out;
	}
	pbus_slave_apply(s, act, out, true);
out:
	raw_spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

static irqreturn_t pbus_slave_wake_thread(int irq, void *data)
{
	return IRQ_WAKE_THREAD;
}

/* A turnaround left by the hard IRQ handler was carried out: how late. */
static void pbus_slave_count_turn(struct pbus_slave *s)
{
	unsigned long flags;
	s64 us;

	raw_spin_lock_irqsave(&s->lock, flags);
	us = ktime_us_delta(ktime_get(), s->pend_at);
	s->stats.turns++;
	if (us > s->stats.turn_max_us)
		s->stats.turn_max_us = min_t(s64, us, U32_MAX);
	raw_spin_unlock_irqrestore(&s->lock, flags);
}

/*
 * One step of the thread, @wire_lock held and @wire_busy set: carry out
 * what the hard IRQ handler or the idle timer left pending, else handle an
 * edge if STROBE moved. Returns true if it did something.
 */
static bool pbus_slave_thread_step(struct pbus_slave *s, bool count)
{
	DECLARE_BITMAP(in, PBUS_SLAVE_IN_LINES) = { 0 };
	enum pbus_slave_action act = PBUS_SA_ACK;
	bool pend, rel, real;
	unsigned long flags;
	u8 out = 0;
	int ret;

	lockdep_assert_held(&s->wire_lock);
	raw_spin_lock_irqsave(&s->lock, flags);
	pend = s->pend;
	act = s->pend_act;
	out = s->pend_out;
	s->pend = false;
	rel = s->release_pending && s->sm.state != PBUS_SS_TX;
	s->release_pending = false;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	if (pend) {
		pbus_slave_apply(s, act, out, false);
		pbus_slave_count_turn(s);
		return true;
	}
	if (rel)
		pbus_slave_release(s);

	ret = gpiod_get_raw_array_value_cansleep(PBUS_SLAVE_IN_LINES, s->in,
						 NULL, in);
	if (ret < 0) {
		pbus_slave_gpio_err(s, ret);
		return false;
	}
	raw_spin_lock_irqsave(&s->lock, flags);
	real = pbus_slave_sm_edge(s, in[0], &act, &out, count);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	if (real)
		pbus_slave_apply(s, act, out, false);
	return real || rel;
}

/*
 * Serve the wire from a thread or work item: own it, handle what is
 * pending and every edge found by re-reading STROBE (with @poll, keep
 * polling for poll_us after the last one), then hand the fast path back.
 * An edge that comes after the last look finds @wire_busy clear (the hard
 * IRQ handler takes it) or set (it wakes the thread again).
 */
static void pbus_slave_serve(struct pbus_slave *s, bool poll)
{
	ktime_t now, deadline, limit;
	unsigned long flags;
	bool first = true;

	mutex_lock(&s->wire_lock);
	raw_spin_lock_irqsave(&s->lock, flags);
	s->wire_busy = true;
	s->stats.serves++;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	now = ktime_get();
	limit = ktime_add_us(now, PBUS_SLAVE_POLL_LOOP_US);
	deadline = ktime_add_us(now, poll ? s->poll_us : 0);
	for (;;) {
		if (pbus_slave_thread_step(s, first)) {
			first = false;
			now = ktime_get();
			if (ktime_after(now, limit))
				break;
			deadline = ktime_add_us(now, poll ? s->poll_us : 0);
			continue;
		}
		first = false;
		now = ktime_get();
		if (!ktime_before(now, deadline) || ktime_after(now, limit))
			break;
		cpu_relax();
	}

	raw_spin_lock_irqsave(&s->lock, flags);
	/* In sleeping mode the hard IRQ path never runs: keep it closed. */
	s->wire_busy = s->sleeping || s->pend || s->release_pending;
	raw_spin_unlock_irqrestore(&s->lock, flags);
	mutex_unlock(&s->wire_lock);
}

/*
 * Lost-edge check (defect seen with forced IRQ threading on bcm2835, where
 * an edge while the line is masked is dropped): STROBE away from the level
 * last handled with no handler on it means a request nobody will serve;
 * wake the thread for it rather than let the host time out.
 */
static enum hrtimer_restart pbus_slave_check_timer(struct hrtimer *t)
{
	struct pbus_slave *s = container_of(t, struct pbus_slave, check_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	ktime_t now, expires;
	bool wake = false;

	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->dead)
		goto done;
	now = ktime_get();
	expires = ktime_add_us(s->last_serve, PBUS_SLAVE_CHECK_US);
	if (!ktime_before(now, expires) && (!s->wire_busy || s->sleeping)) {
		if (s->sleeping) {
			/* Cannot read the line here: the work re-reads it. */
			s->wire_busy = true;
			schedule_work(&s->release_work);
			goto done;
		}
		/*
		 * Twice in a row with no edge handled in between: an edge on
		 * its way to the handler (delivered on another CPU) is not
		 * lost.
		 */
		if (gpiod_get_raw_value(s->strobe) == s->strobe_level) {
			s->check_suspect = false;
		} else if (!s->check_suspect) {
			s->check_suspect = true;
		} else {
			s->check_suspect = false;
			s->stats.lost_edges++;
			s->wire_busy = true;
			wake = true;
			goto done;
		}
	}
	/* Keep looking while the link was recently active. */
	if (ktime_before(now, ktime_add_us(s->last_serve,
					   PBUS_SLAVE_CHECK_LINGER_US))) {
		if (!ktime_before(now, expires))
			expires = ktime_add_us(now, PBUS_SLAVE_CHECK_US);
		hrtimer_forward(t, now, ktime_sub(expires, now));
		ret = HRTIMER_RESTART;
		goto out;
	}
done:
	s->check_armed = false;
out:
	raw_spin_unlock_irqrestore(&s->lock, flags);
	if (wake)
		irq_wake_thread(s->strobe_irq, s);
	return ret;
}

static irqreturn_t pbus_slave_strobe_thread(int irq, void *data)
{
	struct pbus_slave *s = data;

	pbus_slave_serve(s, s->poll_us > 0);
	return IRQ_HANDLED;
}

/*
 * RESET: as after probe (docs/protocol.md): frame dropped, duplicate
 * memory forgotten, a new epoch (the core's next one: no random source
 * here, this may run in hard IRQ context), IRQ_STATUS/IRQ_ENABLE/SCRATCH
 * cleared; then release the lines, re-align ACK, tell the user.
 */
static void pbus_slave_reset_sm_locked(struct pbus_slave *s)
{
	lockdep_assert_held(&s->lock);
	pbus_slave_restart(&s->sm);
	s->irq_status = 0;
	s->irq_enable = 0;
	s->scratch = 0;
	pbus_slave_update_irq_locked(s);
	if (s->pend)
		s->stats.turns_dropped++;
	s->pend = false;
	s->stats.resets++;
	if (s->ops && s->ops->reset)
		s->ops->reset(s->priv);
}

/*
 * RESET, atomic mode: drop the frame and re-align ACK at once (the host
 * talks again 1 ms after the pulse), leave releasing the data lines to the
 * thread. An edge is a reset request: under forced threading the level may
 * be gone when this runs.
 */
static irqreturn_t pbus_slave_reset_irq(int irq, void *data)
{
	struct pbus_slave *s = data;
	irqreturn_t ret = IRQ_HANDLED;
	unsigned long flags;
	int level;

	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->wire_busy) {
		/* The wire is a thread's: it does the whole reset. */
		s->reset_pending = true;
		ret = IRQ_WAKE_THREAD;
		goto out;
	}
	level = gpiod_get_raw_value(s->strobe);
	if (level >= 0)
		s->strobe_level = level;
	pbus_slave_reset_sm_locked(s);
	pbus_slave_set_ack(s, true);
	if (s->driving) {
		s->release_pending = true;
		s->wire_busy = true;
		ret = IRQ_WAKE_THREAD;
	}
out:
	raw_spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

/* RESET in the thread: whatever the hard IRQ handler left, or all of it. */
static irqreturn_t pbus_slave_reset_thread(int irq, void *data)
{
	struct pbus_slave *s = data;
	unsigned long flags;
	bool full;
	int level;

	raw_spin_lock_irqsave(&s->lock, flags);
	full = s->reset_pending || s->sleeping;
	s->reset_pending = false;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	if (full) {
		mutex_lock(&s->wire_lock);
		raw_spin_lock_irqsave(&s->lock, flags);
		s->wire_busy = true;
		raw_spin_unlock_irqrestore(&s->lock, flags);

		pbus_slave_release(s);
		level = gpiod_get_raw_value_cansleep(s->strobe);
		raw_spin_lock_irqsave(&s->lock, flags);
		if (level >= 0)
			s->strobe_level = level;
		pbus_slave_reset_sm_locked(s);
		raw_spin_unlock_irqrestore(&s->lock, flags);
		pbus_slave_set_ack(s, false);
		mutex_unlock(&s->wire_lock);
	}
	/* The pending release, edges deferred meanwhile; hands the wire back. */
	pbus_slave_serve(s, false);
	return IRQ_HANDLED;
}

/*
 * Idle timeout: a frame left half-way by the host is dropped. While
 * @idle_armed the callback owns the timer: it moves the expiry with
 * hrtimer_forward() only here, and nobody restarts it meanwhile.
 */
static enum hrtimer_restart pbus_slave_idle_timer(struct hrtimer *t)
{
	struct pbus_slave *s = container_of(t, struct pbus_slave, idle_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	ktime_t now, expires;

	raw_spin_lock_irqsave(&s->lock, flags);
	if (s->dead || !pbus_slave_busy(&s->sm))
		goto done;
	now = ktime_get();
	expires = ktime_add_us(s->last_edge, s->idle_timeout_us);
	/*
	 * Not idle if an edge is waiting for the slave (the host is not
	 * idle, the slave is late): give the thread the time it needs.
	 */
	if (!s->sleeping && gpiod_get_raw_value(s->strobe) != s->strobe_level)
		expires = ktime_add_us(now, s->idle_timeout_us);
	if (ktime_before(now, expires)) {
		hrtimer_forward(t, now, ktime_sub(expires, now));
		ret = HRTIMER_RESTART;
		goto out;
	}
	pbus_slave_reset(&s->sm);
	if (s->pend)
		s->stats.turns_dropped++;
	s->pend = false;
	s->stats.idle_timeouts++;
	/* The lines are released by the work; the fast path waits for it. */
	s->release_pending = true;
	s->wire_busy = true;
	schedule_work(&s->release_work);
done:
	s->idle_armed = false;
out:
	raw_spin_unlock_irqrestore(&s->lock, flags);
	return ret;
}

static void pbus_slave_release_work(struct work_struct *work)
{
	struct pbus_slave *s = container_of(work, struct pbus_slave,
					    release_work);

	pbus_slave_serve(s, false);
}

/* ---------------------------------------------------------------------------
 * Kernel API
 */

static void pbus_slave_free(struct kref *kref)
{
	struct pbus_slave *s = container_of(kref, struct pbus_slave, kref);

	put_device(s->dev);
	kfree(s);
}

/**
 * pbus_slave_get() - look up the slave end a DT phandle points to
 * @dev: device whose DT node holds the phandle
 * @propname: name of the phandle property
 *
 * Takes a reference on the slave, its device and the pbus module; drop
 * them with pbus_slave_put(). The slave may be unbound while referenced:
 * the other calls then fail with -ENODEV or do nothing.
 *
 * Context: process context.
 * Return: the slave, ERR_PTR(-ENOENT) if @propname is absent,
 * ERR_PTR(-EPROBE_DEFER) if the slave is not bound (yet).
 */
struct pbus_slave *pbus_slave_get(struct device *dev, const char *propname)
{
	struct pbus_slave *s = ERR_PTR(-EPROBE_DEFER);
	struct platform_device *pdev;
	struct device_node *np;

	if (!dev || !dev->of_node || !propname)
		return ERR_PTR(-EINVAL);
	np = of_parse_phandle(dev->of_node, propname, 0);
	if (!np)
		return ERR_PTR(-ENOENT);
	pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!pdev)
		return ERR_PTR(-EPROBE_DEFER);

	/* Probe and remove run under the device lock. */
	device_lock(&pdev->dev);
	if (pdev->dev.driver == &pbus_slave_driver.driver &&
	    platform_get_drvdata(pdev) && try_module_get(THIS_MODULE)) {
		s = platform_get_drvdata(pdev);
		kref_get(&s->kref);
		get_device(s->dev);
	}
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return s;
}
EXPORT_SYMBOL_GPL(pbus_slave_get);

/**
 * pbus_slave_put() - drop a reference taken by pbus_slave_get()
 * @slave: the slave; NULL or an error pointer is ignored
 *
 * Clear the ops (pbus_slave_clear_ops()) before dropping the reference.
 */
void pbus_slave_put(struct pbus_slave *slave)
{
	struct device *dev;

	if (IS_ERR_OR_NULL(slave))
		return;
	dev = slave->dev;
	kref_put(&slave->kref, pbus_slave_free);
	put_device(dev);
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_GPL(pbus_slave_put);

/**
 * pbus_slave_set_ops() - become the user of a slave end
 * @slave: the slave
 * @ops: hooks; called in atomic context with the slave's lock held, so
 *	they must not call back into the slave
 * @priv: cookie passed to the hooks
 *
 * Only one user at a time.
 *
 * Return: 0, -EBUSY if the slave already has a user, -ENODEV after unbind,
 * -EINVAL for missing arguments.
 */
int pbus_slave_set_ops(struct pbus_slave *slave,
		       const struct pbus_slave_ops *ops, void *priv)
{
	unsigned long flags;
	int ret = 0;

	if (IS_ERR_OR_NULL(slave) || !ops)
		return -EINVAL;
	raw_spin_lock_irqsave(&slave->lock, flags);
	if (slave->dead) {
		ret = -ENODEV;
	} else if (slave->ops) {
		ret = -EBUSY;
	} else {
		slave->ops = ops;
		slave->priv = priv;
	}
	raw_spin_unlock_irqrestore(&slave->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(pbus_slave_set_ops);

/**
 * pbus_slave_clear_ops() - stop being the user of a slave end
 * @slave: the slave
 *
 * Every hook runs with the slave's lock held, so once the lock has been
 * taken here no hook is running and none will run again. Must not be
 * called from a hook.
 *
 * Context: any context.
 */
void pbus_slave_clear_ops(struct pbus_slave *slave)
{
	unsigned long flags;

	if (IS_ERR_OR_NULL(slave))
		return;
	raw_spin_lock_irqsave(&slave->lock, flags);
	slave->ops = NULL;
	slave->priv = NULL;
	raw_spin_unlock_irqrestore(&slave->lock, flags);
}
EXPORT_SYMBOL_GPL(pbus_slave_clear_ops);

/**
 * pbus_slave_window_size() - size of the slave's memory window
 * @slave: the slave
 *
 * Return: bytes in the window, 0 after unbind.
 */
size_t pbus_slave_window_size(struct pbus_slave *slave)
{
	if (IS_ERR_OR_NULL(slave) || READ_ONCE(slave->dead))
		return 0;
	return slave->window_size;
}
EXPORT_SYMBOL_GPL(pbus_slave_window_size);

static int pbus_slave_window_copy(struct pbus_slave *s, u32 addr, u8 *buf,
				  size_t len, bool write)
{
	unsigned long flags;
	size_t n;

	if (IS_ERR_OR_NULL(s) || (len && !buf))
		return -EINVAL;
	if (addr > s->window_size || len > s->window_size - addr)
		return -EINVAL;
	/* Bounded time with the lock held: copy in chunks. */
	while (len) {
		n = min_t(size_t, len, PBUS_SLAVE_COPY_CHUNK);
		raw_spin_lock_irqsave(&s->lock, flags);
		if (s->dead) {
			raw_spin_unlock_irqrestore(&s->lock, flags);
			return -ENODEV;
		}
		if (write)
			memcpy(s->window + addr, buf, n);
		else
			memcpy(buf, s->window + addr, n);
		raw_spin_unlock_irqrestore(&s->lock, flags);
		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * pbus_slave_window_read() - read the slave's memory window
 * @slave: the slave
 * @addr: offset in the window
 * @buf: destination
 * @len: bytes
 *
 * Copies in chunks under the slave's lock: a range the host writes
 * concurrently may be seen partly old, partly new.
 *
 * Return: 0, -EINVAL if the range is outside the window, -ENODEV after
 * unbind.
 */
int pbus_slave_window_read(struct pbus_slave *slave, u32 addr, void *buf,
			   size_t len)
{
	return pbus_slave_window_copy(slave, addr, buf, len, false);
}
EXPORT_SYMBOL_GPL(pbus_slave_window_read);

/**
 * pbus_slave_window_write() - write the slave's memory window
 * @slave: the slave
 * @addr: offset in the window
 * @buf: source
 * @len: bytes
 *
 * Does not call the window_written hook (which is for host writes).
 *
 * Return: 0, -EINVAL if the range is outside the window, -ENODEV after
 * unbind.
 */
int pbus_slave_window_write(struct pbus_slave *slave, u32 addr,
			    const void *buf, size_t len)
{
	return pbus_slave_window_copy(slave, addr, (u8 *)buf, len, true);
}
EXPORT_SYMBOL_GPL(pbus_slave_window_write);

/**
 * pbus_slave_raise_irq() - ask for the host's attention
 * @slave: the slave
 * @bits: bits to set in IRQ_STATUS
 *
 * The IRQ line is high while IRQ_STATUS & IRQ_ENABLE is not zero; the
 * host clears bits by writing ones to IRQ_STATUS. Does nothing after
 * unbind.
 *
 * Context: any context.
 */
void pbus_slave_raise_irq(struct pbus_slave *slave, u32 bits)
{
	unsigned long flags;

	if (IS_ERR_OR_NULL(slave))
		return;
	raw_spin_lock_irqsave(&slave->lock, flags);
	if (!slave->dead) {
		slave->irq_status |= bits;
		pbus_slave_update_irq_locked(slave);
	}
	raw_spin_unlock_irqrestore(&slave->lock, flags);
}
EXPORT_SYMBOL_GPL(pbus_slave_raise_irq);

/* ---------------------------------------------------------------------------
 * debugfs
 */

static const char * const pbus_slave_state_names[] = {
	[PBUS_SS_IDLE] = "idle",
	[PBUS_SS_HDR] = "header",
	[PBUS_SS_PAYLOAD] = "payload",
	[PBUS_SS_CRC] = "crc",
	[PBUS_SS_SINK] = "sink",
	[PBUS_SS_TX] = "tx",
};

static int pbus_slave_stats_show(struct seq_file *m, void *unused)
{
	struct pbus_slave *s = m->private;
	struct pbus_slave_counters cnt;
	struct pbus_slave_stats st;
	unsigned long flags;

	raw_spin_lock_irqsave(&s->lock, flags);
	cnt = s->sm.cnt;
	st = s->stats;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	seq_printf(m, "frames %u\n", cnt.frames);
	seq_printf(m, "crc_errors %u\n", cnt.crc_errors);
	seq_printf(m, "frame_errors %u\n", cnt.frame_errors);
	seq_printf(m, "dup_writes %u\n", cnt.dup_writes);
	seq_printf(m, "aborts %u\n", cnt.aborts);
	seq_printf(m, "reset_refused %u\n", cnt.reset_refused);
	seq_printf(m, "idle_timeouts %u\n", st.idle_timeouts);
	seq_printf(m, "resets %u\n", st.resets);
	seq_printf(m, "edges %llu\n", st.edges);
	seq_printf(m, "spurious_edges %llu\n", st.spurious_edges);
	seq_printf(m, "lost_edges %u\n", st.lost_edges);
	seq_printf(m, "serves %llu\n", st.serves);
	seq_printf(m, "turns %llu\n", st.turns);
	seq_printf(m, "turn_max_us %u\n", st.turn_max_us);
	seq_printf(m, "turns_dropped %u\n", st.turns_dropped);
	seq_printf(m, "gpio_errors %d\n", atomic_read(&s->gpio_errors));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_slave_stats);

static int pbus_slave_state_show(struct seq_file *m, void *unused)
{
	struct pbus_slave *s = m->private;
	enum pbus_slave_state state;
	u32 status, enable, epoch;
	bool strobe, driving, irq, user;
	unsigned long flags;

	raw_spin_lock_irqsave(&s->lock, flags);
	state = s->sm.state;
	epoch = s->sm.epoch;
	strobe = s->strobe_level;
	driving = s->driving;
	status = s->irq_status;
	enable = s->irq_enable;
	irq = s->irq_level;
	user = s->ops;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	seq_printf(m, "state %s\n", (unsigned int)state <
		   ARRAY_SIZE(pbus_slave_state_names) ?
		   pbus_slave_state_names[state] : "?");
	seq_printf(m, "strobe %d\n", strobe);
	seq_printf(m, "driving %d\n", driving);
	seq_printf(m, "irq_status 0x%08x\n", status);
	seq_printf(m, "irq_enable 0x%08x\n", enable);
	seq_printf(m, "irq_line %d\n", irq);
	seq_printf(m, "user %d\n", user);
	seq_printf(m, "mode %s\n", s->sleeping ? "thread-sleeping" :
		   s->poll_us ? "thread-poll" : "hardirq");
	seq_printf(m, "window_size %u\n", s->window_size);
	seq_printf(m, "max_payload %u\n", s->max_payload);
	seq_printf(m, "epoch 0x%08x\n", epoch);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_slave_state);

static ssize_t pbus_slave_raise_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct pbus_slave *s = file->private_data;
	u32 bits;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &bits);
	if (ret)
		return ret;
	pbus_slave_raise_irq(s, bits);
	return count;
}

static const struct file_operations pbus_slave_raise_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_slave_raise_write,
	.llseek = noop_llseek,
};

static void pbus_slave_debugfs_init(struct pbus_slave *s)
{
	struct dentry *root = pbus_debugfs_root;

	if (IS_ERR_OR_NULL(root))
		return;
	s->dbg = debugfs_create_dir(s->name, root);
	if (IS_ERR(s->dbg)) {
		dev_warn(s->dev, "debugfs directory %s not created\n",
			 s->name);
		s->dbg = NULL;
		return;
	}
	debugfs_create_file("stats", 0444, s->dbg, s, &pbus_slave_stats_fops);
	debugfs_create_file("state", 0444, s->dbg, s, &pbus_slave_state_fops);
	debugfs_create_file("raise_irq", 0200, s->dbg, s,
			    &pbus_slave_raise_fops);
	debugfs_create_u32("lie_window_size", 0600, s->dbg,
			   &s->lie_window_size);
	pbus_xlog_debugfs(&s->xlog, s->dbg);
}

/* ---------------------------------------------------------------------------
 * Probe and remove
 */

static int pbus_slave_parse_dt(struct pbus_slave *s)
{
	struct device *dev = s->dev;
	const char *label;
	u32 val;

	if (device_property_read_string(dev, "label", &label))
		label = dev_name(dev);
	strscpy(s->name, label, sizeof(s->name));

	val = PBUS_SLAVE_WINDOW_DEF;
	device_property_read_u32(dev, "pbus,window-size", &val);
	if (!val || val > PBUS_SLAVE_WINDOW_MAX || val % 4) {
		dev_err(dev, "pbus,window-size %u: must be a multiple of 4 in 4..%u\n",
			val, PBUS_SLAVE_WINDOW_MAX);
		return -EINVAL;
	}
	s->window_size = val;

	val = PBUS_SLAVE_PAYLOAD_DEF;
	device_property_read_u32(dev, "pbus,max-payload", &val);
	if (val < PBUS_MIN_PAYLOAD || val > PBUS_MAX_PAYLOAD) {
		dev_err(dev, "pbus,max-payload %u: must be in %u..%u\n",
			val, PBUS_MIN_PAYLOAD, PBUS_MAX_PAYLOAD);
		return -EINVAL;
	}
	s->max_payload = val;

	val = PBUS_SLAVE_IDLE_DEF_US;
	device_property_read_u32(dev, "pbus,idle-timeout-us", &val);
	if (val < PBUS_SLAVE_IDLE_MIN_US || val > PBUS_SLAVE_IDLE_MAX_US) {
		dev_err(dev, "pbus,idle-timeout-us %u: must be in %u..%u\n",
			val, PBUS_SLAVE_IDLE_MIN_US, PBUS_SLAVE_IDLE_MAX_US);
		return -EINVAL;
	}
	s->idle_timeout_us = val;

	val = 0;
	device_property_read_u32(dev, "pbus,poll-us", &val);
	if (val > PBUS_SLAVE_POLL_MAX_US) {
		dev_err(dev, "pbus,poll-us %u: must be in 0..%u\n",
			val, PBUS_SLAVE_POLL_MAX_US);
		return -EINVAL;
	}
	s->poll_us = val;
	return 0;
}

static int pbus_slave_get_gpios(struct pbus_slave *s)
{
	struct device *dev = s->dev;
	struct gpio_desc *rw;
	unsigned int i;
	int level, ret;

	s->data = devm_gpiod_get_array(dev, "data", GPIOD_IN);
	if (IS_ERR(s->data))
		return dev_err_probe(dev, PTR_ERR(s->data),
				     "data-gpios missing or invalid\n");
	if (s->data->ndescs != PBUS_DATA_LINES) {
		dev_err(dev, "data-gpios: %u lines, need %u\n",
			s->data->ndescs, PBUS_DATA_LINES);
		return -EINVAL;
	}
	rw = devm_gpiod_get(dev, "rw", GPIOD_IN);
	if (IS_ERR(rw))
		return dev_err_probe(dev, PTR_ERR(rw), "rw-gpios\n");
	s->strobe = devm_gpiod_get(dev, "strobe", GPIOD_IN);
	if (IS_ERR(s->strobe))
		return dev_err_probe(dev, PTR_ERR(s->strobe),
				     "strobe-gpios\n");
	/* Direction set below, at the STROBE level: no glitch on ACK. */
	s->ack = devm_gpiod_get(dev, "ack", GPIOD_ASIS);
	if (IS_ERR(s->ack))
		return dev_err_probe(dev, PTR_ERR(s->ack), "ack-gpios\n");
	s->irq_gpio = devm_gpiod_get_optional(dev, "irq", GPIOD_OUT_LOW);
	if (IS_ERR(s->irq_gpio))
		return dev_err_probe(dev, PTR_ERR(s->irq_gpio),
				     "irq-gpios\n");
	s->reset = devm_gpiod_get_optional(dev, "reset", GPIOD_IN);
	if (IS_ERR(s->reset))
		return dev_err_probe(dev, PTR_ERR(s->reset),
				     "reset-gpios\n");

	for (i = 0; i < PBUS_DATA_LINES; i++) {
		s->in[i] = s->data->desc[i];
		s->sleeping |= gpiod_cansleep(s->data->desc[i]);
	}
	s->in[PBUS_SLAVE_IN_RW] = rw;
	s->in[PBUS_SLAVE_IN_STROBE] = s->strobe;
	s->sleeping |= gpiod_cansleep(rw) || gpiod_cansleep(s->strobe) ||
		       gpiod_cansleep(s->ack);
	s->irq_cansleep = s->irq_gpio && gpiod_cansleep(s->irq_gpio);

	level = gpiod_get_raw_value_cansleep(s->strobe);
	if (level < 0)
		return dev_err_probe(dev, level, "reading STROBE\n");
	s->strobe_level = level;
	ret = gpiod_direction_output_raw(s->ack, level);
	if (ret)
		return dev_err_probe(dev, ret, "setting ACK\n");
	return 0;
}

static int pbus_slave_request_irqs(struct pbus_slave *s)
{
	struct device *dev = s->dev;
	unsigned long edges = IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING;
	const char *name;
	int ret;

	s->strobe_irq = gpiod_to_irq(s->strobe);
	if (s->strobe_irq < 0)
		return dev_err_probe(dev, s->strobe_irq,
				     "STROBE has no IRQ\n");
	name = devm_kasprintf(dev, GFP_KERNEL, "pbus-slave-%s", s->name);
	if (!name)
		return -ENOMEM;

	/*
	 * Always a thread: the data lines are turned around there (a direction
	 * change may sleep). The primary handler is the atomic fast path if
	 * the chips do not sleep and no polling is asked for; on a chip that
	 * nests its IRQs it is not used and the thread does all.
	 * No IRQF_ONESHOT: many GPIO chips (bcm2835, the test cable) drop
	 * edges while the IRQ is masked, and an edge coming just after the
	 * thread's last look at STROBE would be lost. Without it every edge
	 * runs the primary handler, which re-runs the thread.
	 * IRQF_NO_THREAD for the same reason: forced threading (threadirqs,
	 * PREEMPT_RT) would run the primary handler in a thread with the line
	 * masked, and the host's next edge, which follows ACK within a few
	 * microseconds, would be lost every few bytes. The primary handler
	 * takes only raw spinlocks and calls only the non-sleeping value ops,
	 * which are plain register accesses on bcm2835 and RP1.
	 */
	ret = request_threaded_irq(s->strobe_irq,
				   s->sleeping || s->poll_us ?
				   pbus_slave_wake_thread :
				   pbus_slave_strobe_irq,
				   pbus_slave_strobe_thread,
				   edges | IRQF_NO_THREAD, name, s);
	if (ret < 0)
		return dev_err_probe(dev, ret, "requesting STROBE IRQ\n");

	if (!s->reset)
		return 0;
	ret = gpiod_to_irq(s->reset);
	if (ret < 0) {
		dev_err_probe(dev, ret, "RESET has no IRQ\n");
		goto err_strobe;
	}
	s->reset_irq = ret;
	edges = gpiod_is_active_low(s->reset) ? IRQF_TRIGGER_FALLING :
						IRQF_TRIGGER_RISING;
	name = devm_kasprintf(dev, GFP_KERNEL, "pbus-slave-%s-reset", s->name);
	if (!name) {
		ret = -ENOMEM;
		goto err_strobe;
	}
	if (s->sleeping || gpiod_cansleep(s->reset))
		ret = request_threaded_irq(s->reset_irq, NULL,
					   pbus_slave_reset_thread,
					   edges | IRQF_ONESHOT, name, s);
	else
		ret = request_threaded_irq(s->reset_irq, pbus_slave_reset_irq,
					   pbus_slave_reset_thread, edges, name,
					   s);
	if (ret < 0) {
		dev_err_probe(dev, ret, "requesting RESET IRQ\n");
		goto err_strobe;
	}
	return 0;

err_strobe:
	s->reset_irq = 0;
	free_irq(s->strobe_irq, s);
	return ret;
}

static void pbus_slave_free_irqs(struct pbus_slave *s)
{
	if (s->reset_irq)
		free_irq(s->reset_irq, s);
	free_irq(s->strobe_irq, s);
}

static int pbus_slave_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct pbus_slave *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	kref_init(&s->kref);
	s->dev = get_device(dev);
	raw_spin_lock_init(&s->lock);
	mutex_init(&s->wire_lock);
	atomic_set(&s->gpio_errors, 0);
	INIT_WORK(&s->irq_work, pbus_slave_irq_work);
	INIT_WORK(&s->release_work, pbus_slave_release_work);
	hrtimer_init(&s->idle_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s->idle_timer.function = pbus_slave_idle_timer;
	hrtimer_init(&s->check_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s->check_timer.function = pbus_slave_check_timer;

	ret = pbus_slave_parse_dt(s);
	if (ret)
		goto err_put;
	ret = pbus_slave_get_gpios(s);
	if (ret)
		goto err_put;

	ret = -ENOMEM;
	pbus_xlog_init(&s->xlog);
	s->window = kvzalloc(s->window_size, GFP_KERNEL);
	if (!s->window)
		goto err_put;
	s->sm_buf = kzalloc(s->max_payload + 1 + PBUS_CRC_LEN, GFP_KERNEL);
	if (!s->sm_buf)
		goto err_window;
	/* A new epoch per probe: a host's retry from before cannot match it. */
	pbus_slave_init(&s->sm, &pbus_slave_backend, s, s->sm_buf,
			s->max_payload, get_random_u32());

	platform_set_drvdata(pdev, s);
	pbus_slave_debugfs_init(s);
	ret = pbus_slave_request_irqs(s);
	if (ret)
		goto err_debugfs;

	dev_info(dev, "%s: window %u bytes, max payload %u, %s%s%s\n",
		 s->name, s->window_size, s->max_payload,
		 s->sleeping ? "threaded (sleeping GPIOs)" :
		 s->poll_us ? "threaded polling" : "hard IRQ",
		 s->irq_gpio ? ", IRQ line" : "",
		 s->reset ? ", RESET line" : "");
	return 0;

err_debugfs:
	debugfs_remove_recursive(s->dbg);
	pbus_xlog_free(&s->xlog);
	kfree(s->sm_buf);
err_window:
	kvfree(s->window);
err_put:
	kref_put(&s->kref, pbus_slave_free);
	return ret;
}

static void pbus_slave_do_remove(struct platform_device *pdev)
{
	struct pbus_slave *s = platform_get_drvdata(pdev);
	unsigned long flags;

	pbus_slave_free_irqs(s);
	debugfs_remove_recursive(s->dbg);

	raw_spin_lock_irqsave(&s->lock, flags);
	s->dead = true;
	s->ops = NULL;
	s->priv = NULL;
	raw_spin_unlock_irqrestore(&s->lock, flags);

	/* dead is set: neither restarts the other any more. */
	hrtimer_cancel(&s->idle_timer);
	hrtimer_cancel(&s->check_timer);
	cancel_work_sync(&s->release_work);
	cancel_work_sync(&s->irq_work);

	mutex_lock(&s->wire_lock);
	pbus_slave_release(s);
	mutex_unlock(&s->wire_lock);
	if (s->irq_gpio)
		gpiod_set_value_cansleep(s->irq_gpio, 0);

	pbus_xlog_free(&s->xlog);
	kfree(s->sm_buf);
	kvfree(s->window);
	s->sm_buf = NULL;
	s->window = NULL;
	kref_put(&s->kref, pbus_slave_free);
}

PBUS_PLATFORM_REMOVE(pbus_slave_remove, pbus_slave_do_remove)

static const struct of_device_id pbus_slave_of_match[] = {
	{ .compatible = "pbus,gpio-slave" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_slave_of_match);

struct platform_driver pbus_slave_driver = {
	.probe = pbus_slave_probe,
	.remove = pbus_slave_remove,
	.driver = {
		.name = "pbus-slave",
		.of_match_table = pbus_slave_of_match,
	},
};
