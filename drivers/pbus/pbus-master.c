// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus master end: drives the GPIO lines for the portable protocol core,
 * splits transfers into frames, retries and resyncs, and exports the
 * kernel API of include/linux/pbus.h.
 *
 * Lines are driven raw (wire levels) except RESET and IRQ, whose
 * polarity comes from the DT flags.
 */
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <pbus_compat.h>
#include "pbus_proto.h"
#include "pbus-internal.h"

#define CREATE_TRACE_POINTS
#include "pbus_trace.h"

#define PBUS_DEF_SPIN_US	20
#define PBUS_DEF_TIMEOUT_US	5000
#define PBUS_DEF_RETRIES	8
/*
 * What the probe accepts: exactly the minimum/maximum of
 * dts/bindings/pbus,gpio-master.yaml (scripts/check-dts.sh compares them).
 */
#define PBUS_TIMEOUT_US_MIN	1
#define PBUS_TIMEOUT_US_MAX	1000000
#define PBUS_SPIN_US_MAX	10000
#define PBUS_RETRIES_MAX	100
/* Link losses and link-up complaints logged per minute (flapping links). */
#define PBUS_LINK_LOG_BURST	5
/*
 * A link is lost, or a remote absent at probe, only after no handshake
 * succeeded for this long: a remote on Linux can stall for tens of ms (RT
 * throttling, an IRQ thread late, a remote stuck in a frame until its
 * 100 ms idle timeout), which is not a loss: its IRQ thread was measured
 * late by up to 540 ms right after a module load (docs/protocol.md,
 * "Patience before a loss"). See pbus_resync_locked().
 */
#define PBUS_LINK_PATIENCE_MS	1000
/* Bounds of the resync sequence and the link-up. */
#define PBUS_SETTLE_TRIES	8
#define PBUS_RESYNC_TRIES	3
#define PBUS_LINK_UP_TRIES	3
/* The resync's wait for a late answer: spin_us + this (pbus_resync_once()). */
#define PBUS_RESYNC_GRACE_US	100
/*
 * A frame's retries stop once its first attempt is this old: with the bus
 * lock held for a frame and its retries, a slow or lying remote cannot
 * keep other users (remoteproc work, unbind) waiting for minutes.
 */
#define PBUS_FRAME_BUDGET_MS	10000
/* IRQ storm bound: see pbus_irq_storm_check(). */
#define PBUS_IRQ_WINDOW_MS	100
#define PBUS_IRQ_BACKOFF_MIN_MS	10
#define PBUS_IRQ_BACKOFF_MAX_MS	1000

static bool no_set_multiple;
module_param(no_set_multiple, bool, 0444);
MODULE_PARM_DESC(no_set_multiple,
		 "write only changed data lines, one op each (as DT pbus,no-set-multiple)");

static uint irq_stuck_max = 8;
module_param(irq_stuck_max, uint, 0644);
MODULE_PARM_DESC(irq_stuck_max,
		 "IRQ storm: handler runs in a row that leave the IRQ line asserted (default 8)");

static uint irq_rate_max = 1000;
module_param(irq_rate_max, uint, 0644);
MODULE_PARM_DESC(irq_rate_max,
		 "IRQ storm: handler runs per 100 ms (default 1000)");

static LIST_HEAD(pbus_list);
static DEFINE_MUTEX(pbus_list_lock);

/*
 * The bus lock. @killable: a user-space caller, whom a fatal signal stops
 * while it waits for the lock and, once it holds it, in the sleeping part
 * of a handshake wait (pbus_poll_ack()); kernel users wait and finish.
 */
static int pbus_lock(struct pbus *bus, bool killable)
{
	if (!killable)
		mutex_lock(&bus->lock);
	else if (mutex_lock_killable(&bus->lock))
		return -EINTR;
	bus->killable = killable;
	return 0;
}

static void pbus_unlock(struct pbus *bus)
{
	bus->killable = false;
	mutex_unlock(&bus->lock);
}

/* ------------------------------------------------------------------------
 * Wire level
 */

static void pbus_set_strobe(struct pbus *bus, bool level)
{
	bus->strobe_level = level;
	gpiod_set_raw_value_cansleep(bus->strobe, level);
}

/* Drive @val on the data lines (which must be outputs). */
static void pbus_data_set(struct pbus *bus, u8 val)
{
	unsigned long bits = val;
	unsigned long changed = val ^ bus->data_val;
	int i;

	if (bus->multi || bus->rewrite_all) {
		gpiod_set_raw_array_value_cansleep(PBUS_DATA_LINES,
						   bus->data->desc,
						   bus->data->info, &bits);
	} else {
		/* No set_multiple: one chip op per line, so skip equal ones. */
		for_each_set_bit(i, &changed, PBUS_DATA_LINES)
			gpiod_set_raw_value_cansleep(bus->data->desc[i],
						     !!(val & BIT(i)));
	}
	bus->rewrite_all = false;
	bus->data_val = val;
}

static int pbus_data_dir(struct pbus *bus, bool out)
{
	int i, ret;

	for (i = 0; i < PBUS_DATA_LINES; i++) {
		if (out)
			ret = gpiod_direction_output_raw(bus->data->desc[i],
							 !!(bus->data_val & BIT(i)));
		else
			ret = gpiod_direction_input(bus->data->desc[i]);
		if (ret)
			return ret;
	}
	bus->data_out = out;
	return 0;
}

/* Samples D0..D7 and ACK in one array op; returns ACK, data in *@data. */
static int pbus_sample(struct pbus *bus, u8 *data)
{
	unsigned long bits = 0;
	int ret;

	ret = gpiod_get_raw_array_value_cansleep(PBUS_RD_LINES, bus->rd, NULL,
						 &bits);
	if (ret)
		return ret;
	*data = bits & 0xff;
	return !!(bits & BIT(PBUS_RD_ACK));
}

static int pbus_data_get(struct pbus *bus, u8 *data)
{
	unsigned long bits = 0;
	int ret;

	ret = gpiod_get_raw_array_value_cansleep(PBUS_DATA_LINES,
						 bus->data->desc,
						 bus->data->info, &bits);
	*data = bits & 0xff;
	return ret;
}

/*
 * Poll until ACK equals the STROBE level: a short busy poll for a fast
 * remote, then sleeping polls, bounded by @limit_us. With @data, the data
 * lines are sampled together with ACK. A killable holder of the lock with
 * a fatal signal gets -EINTR: the frame fails as on a timeout (a write is
 * in doubt), and pbus_xfer() leaves the bus resynced.
 */
static int pbus_poll_ack(struct pbus *bus, u8 *data, u32 limit_us)
{
	ktime_t start = ktime_get();
	s64 spin_ns = (s64)bus->spin_us * NSEC_PER_USEC;
	s64 limit_ns = (s64)limit_us * NSEC_PER_USEC;
	bool want = bus->strobe_level;
	s64 el;
	int ack;

	for (;;) {
		if (data)
			ack = pbus_sample(bus, data);
		else
			ack = gpiod_get_raw_value_cansleep(bus->ack);
		if (ack < 0)
			return ack;
		if (!!ack == want)
			return 0;
		el = ktime_to_ns(ktime_sub(ktime_get(), start));
		if (el > limit_ns)
			return -ETIMEDOUT;
		if (el < spin_ns) {
			cpu_relax();
		} else {
			if (bus->killable && fatal_signal_pending(current))
				return -EINTR;
			usleep_range(10, 40);
		}
	}
}

/* One handshake: ACK must follow STROBE within timeout_us. */
static int pbus_wait_ack(struct pbus *bus, u8 *data)
{
	int ret = pbus_poll_ack(bus, data, bus->timeout_us);

	if (ret == -ETIMEDOUT) {
		bus->stats.timeouts++;
		trace_pbus_timeout(bus->name, !bus->data_out,
				   bus->strobe_level);
	}
	return ret;
}

static int pbus_op_put(void *ctx, const u8 *buf, size_t n)
{
	struct pbus *bus = ctx;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		pbus_data_set(bus, buf[i]);
		pbus_set_strobe(bus, !bus->strobe_level);
		ret = pbus_wait_ack(bus, NULL);
		if (ret)
			return ret;
		bus->stats.wire_bytes++;
	}
	return 0;
}

static int pbus_op_turn_read(void *ctx)
{
	struct pbus *bus = ctx;
	int ret;

	ret = pbus_data_dir(bus, false);
	if (ret)
		return ret;
	gpiod_set_raw_value_cansleep(bus->rw, 1);
	return 0;
}

static int pbus_op_get(void *ctx, u8 *buf, size_t n)
{
	struct pbus *bus = ctx;
	size_t i;
	u8 val;
	int ret;

	for (i = 0; i < n; i++) {
		pbus_set_strobe(bus, !bus->strobe_level);
		/*
		 * One get_multiple returns data and ACK together. Lines read
		 * one by one could sample the data before the ACK edge: poll
		 * ACK alone, then read the data.
		 */
		if (bus->multi) {
			ret = pbus_wait_ack(bus, &val);
		} else {
			ret = pbus_wait_ack(bus, NULL);
			if (!ret)
				ret = pbus_data_get(bus, &val);
		}
		if (ret)
			return ret;
		buf[i] = val;
		bus->stats.wire_bytes++;
	}
	return 0;
}

static int pbus_op_turn_write(void *ctx)
{
	struct pbus *bus = ctx;
	int ret;

	gpiod_set_raw_value_cansleep(bus->rw, 0);
	pbus_set_strobe(bus, !bus->strobe_level);
	ret = pbus_wait_ack(bus, NULL);
	if (ret)
		return ret;
	/* Frames start with all 8 lines written: no glitch survives them. */
	bus->rewrite_all = true;
	return pbus_data_dir(bus, true);
}

static const struct pbus_link_ops pbus_link_ops = {
	.put = pbus_op_put,
	.turn_read = pbus_op_turn_read,
	.get = pbus_op_get,
	.turn_write = pbus_op_turn_write,
};

/* ------------------------------------------------------------------------
 * Frames, resync, link-up. All with bus->lock held.
 */

/*
 * One frame, no retry. Returns a PBUS_XR_* result. @retry: an earlier
 * attempt of this write may have run (pbus_write_in_doubt()); @epoch: the
 * remote's epoch when that attempt went out.
 */
static int pbus_frame_once(struct pbus *bus, bool write, u32 addr, u8 *buf,
			   u16 len, bool retry, u32 epoch)
{
	int r;

	/* Left in read direction by a failed frame: turn the bus around. */
	if (!bus->data_out && pbus_op_turn_write(bus))
		return PBUS_XR_LINK;
	bus->rewrite_all = true;
	if (write)
		r = pbus_master_write(&pbus_link_ops, bus, bus->xs.tag, addr, buf,
				      len, retry, epoch);
	else
		r = pbus_master_read(&pbus_link_ops, bus, bus->xs.tag, addr, buf,
				     len, bus->scratch);
	trace_pbus_frame(bus->name, write, bus->xs.tag, addr, len, r);

	switch (r) {
	case PBUS_XR_OK:
		bus->stats.frames++;
		if (write)
			bus->stats.bytes_written += len;
		else
			bus->stats.bytes_read += len;
		break;
	case PBUS_XR_CRC:
		bus->stats.crc_errors++;
		break;
	case PBUS_XR_STATUS:
		bus->stats.status_errors++;
		break;
	default:
		break;
	}
	return r;
}

/* Reads one little-endian register of the remote's core block. */
static int pbus_reg_read_once(struct pbus *bus, u32 reg, u32 *val)
{
	__le32 v;
	int r;

	r = pbus_frame_once(bus, false, PBUS_REG_BASE + reg, (u8 *)&v,
			    sizeof(v), false, 0);
	if (r == PBUS_XR_OK)
		*val = le32_to_cpu(v);
	return r;
}

/*
 * A register read on a link just resynced: a CRC or status error is no
 * reason to give the link up (as for MAGIC below), a timeout is.
 */
static int pbus_reg_read_tries(struct pbus *bus, u32 reg, u32 *val)
{
	int i, r = PBUS_XR_LINK;

	for (i = 0; i < PBUS_RESYNC_TRIES; i++) {
		r = pbus_reg_read_once(bus, reg, val);
		if (r == PBUS_XR_OK || r == PBUS_XR_LINK)
			break;
	}
	return r;
}

/*
 * Resync: release the data lines, RW=1, bring STROBE to the ACK level
 * (the remote may answer that edge, so repeat until it is stable), abort
 * whatever frame the remote has in flight, then check MAGIC.
 *
 * It runs after a handshake wait already gave the remote timeout_us, which
 * is the remote's whole contract: an answer later than that is a stall of
 * unknown length that no finite wait covers. So the first wait is only a
 * grace of one more poll cycle (spin_us and a few sleeping polls, at most
 * timeout_us) for an answer just late; what makes the resync correct does
 * not depend on it: the settle loop below withdraws a pending request and
 * ends only after two polls, at least spin_us + 10 us apart, see ACK equal
 * STROBE (nothing pending, ACK not moving), a late ACK after that is
 * caught by the CRC-checked MAGIC read, and a failed resync is tried again
 * (PBUS_RESYNC_TRIES). A full timeout here made every fault recovery
 * cost two (docs/protocol.md, "Abort and resync").
 */
static int pbus_resync_once(struct pbus *bus)
{
	u32 grace = min(bus->timeout_us, bus->spin_us + PBUS_RESYNC_GRACE_US);
	int i, ack, r, stable = 0;
	u32 magic;

	if (pbus_data_dir(bus, false))
		return -EIO;
	gpiod_set_raw_value_cansleep(bus->rw, 1);
	/* An answer to our last edge may be just late. */
	r = pbus_poll_ack(bus, NULL, grace);
	if (!r)
		stable = 1;
	else if (r != -ETIMEDOUT)
		return r;
	for (i = 0; i < PBUS_SETTLE_TRIES && stable < 2; i++) {
		usleep_range(bus->spin_us + 10, bus->spin_us + 50);
		ack = gpiod_get_raw_value_cansleep(bus->ack);
		if (ack < 0)
			return ack;
		if (!!ack == bus->strobe_level) {
			stable++;
		} else {
			stable = 0;
			pbus_set_strobe(bus, ack);
		}
	}
	if (stable < 2)
		return -ETIMEDOUT;

	if (pbus_master_abort(&pbus_link_ops, bus, NULL))
		return -ETIMEDOUT;

	/* The link is back once MAGIC reads. */
	r = pbus_reg_read_tries(bus, PBUS_REG_MAGIC, &magic);
	if (r != PBUS_XR_OK)
		return r == PBUS_XR_LINK ? -ETIMEDOUT : -EIO;
	if (magic != PBUS_MAGIC) {
		dev_dbg(bus->dev, "bad magic 0x%08x\n", magic);
		return -EPROTO;
	}
	return 0;
}

/* The link answered just now (or the probe starts): patience from here. */
static void pbus_link_alive(struct pbus *bus)
{
	bus->link_patience = ktime_add_ms(ktime_get(), PBUS_LINK_PATIENCE_MS);
}

/*
 * PBUS_RESYNC_TRIES attempts, then more, spaced by a growing sleep, while
 * the last handshake that worked, or the probe's start, is less than
 * PBUS_LINK_PATIENCE_MS old (@link_patience):
 * a link that was fine a moment ago is not given up for a stall of a few
 * ms (docs/protocol.md, "Abort and resync"). A link already down for
 * longer gets the PBUS_RESYNC_TRIES only, so a dead remote costs each
 * later caller what it did before.
 */
static int pbus_resync_locked(struct pbus *bus)
{
	unsigned int i, pause_us = 1000;
	int ret = -ETIMEDOUT;

	for (i = 0; ; i++) {
		bus->stats.resyncs++;
		ret = pbus_resync_once(bus);
		trace_pbus_resync(bus->name, ret);
		if (!ret)
			break;
		/* Killed: not the remote's fault; pbus_xfer() resyncs. */
		if (bus->killable && fatal_signal_pending(current)) {
			bus->xs.link_up = false;
			return -EINTR;
		}
		if (i + 1 < PBUS_RESYNC_TRIES)
			continue;
		if (!ktime_before(ktime_get(), bus->link_patience))
			break;
		usleep_range(pause_us, 2 * pause_us);
		pause_us = min(2 * pause_us, 16000U);
	}
	if (!ret)
		pbus_link_alive(bus);
	/* A flapping link logs a few losses a minute, and counts them all. */
	if (ret && bus->xs.link_up) {
		bus->xstats.link_losses++;
		if (__ratelimit(&bus->link_rs))
			dev_warn(bus->dev, "remote lost (%d), %llu losses (debugfs stats link_losses)\n",
				 ret, bus->xstats.link_losses);
	}
	bus->xs.link_up = !ret;
	return ret;
}

/*
 * Resync and read the remote's parameters, its epoch too: write retries
 * carry it (docs/protocol.md, "Exactly once").
 */
static int pbus_link_up_once(struct pbus *bus)
{
	u32 version, window, maxp, epoch;
	int ret;

	ret = pbus_resync_locked(bus);
	if (ret)
		return ret;
	if (pbus_reg_read_tries(bus, PBUS_REG_VERSION, &version) ||
	    pbus_reg_read_tries(bus, PBUS_REG_WINDOW_SIZE, &window) ||
	    pbus_reg_read_tries(bus, PBUS_REG_MAX_PAYLOAD, &maxp) ||
	    pbus_reg_read_tries(bus, PBUS_REG_EPOCH, &epoch)) {
		bus->xs.link_up = false;
		return -EIO;
	}
	pbus_link_alive(bus);
	if (version != PBUS_PROTO_VERSION && __ratelimit(&bus->link_rs))
		dev_warn(bus->dev, "remote speaks protocol %u, we speak %u\n",
			 version, PBUS_PROTO_VERSION);
	if (maxp < PBUS_MIN_PAYLOAD || !epoch) {
		if (__ratelimit(&bus->link_rs))
			dev_err(bus->dev, "remote max payload %u or epoch %u invalid\n",
				maxp, epoch);
		bus->xs.link_up = false;
		return -EPROTO;
	}
	/* The window ends where the register block begins. */
	if (window > PBUS_REG_BASE) {
		if (!bus->window_clamped)
			dev_warn(bus->dev, "remote window of %u bytes reaches into its registers: taken as %u\n",
				 window, PBUS_REG_BASE);
		bus->window_clamped = true;
		window = PBUS_REG_BASE;
	}
	bus->xs.epoch = epoch;
	bus->proto_version = version;
	bus->window_size = window;
	bus->xs.max_payload = min_t(u32, maxp, PBUS_MAX_PAYLOAD);
	bus->xs.cur_payload = bus->xs.max_payload;
	bus->xs.clean_frames = 0;
	return 0;
}

/*
 * The link-up: a read of the parameters that fails after a good resync
 * (a stall in between) is tried again, from the resync.
 */
static int pbus_link_up_locked(struct pbus *bus)
{
	int i, ret;

	for (i = 0; i < PBUS_LINK_UP_TRIES; i++) {
		ret = pbus_link_up_once(bus);
		if (ret != -EIO)
			break;
	}
	return ret;
}

static int pbus_xr_to_errno(int r)
{
	switch (r) {
	case PBUS_XR_LINK:
	case PBUS_XR_LINK_EARLY:
		return -ETIMEDOUT;
	case PBUS_XR_CRC:
	case PBUS_XR_STATUS:
		return -EIO;
	case PBUS_XR_BUSY:
		return -EBUSY;
	case PBUS_XR_ADDR:
		return -EFAULT;
	case PBUS_XR_LEN:
		return -EMSGSIZE;
	case PBUS_XR_RO:
		return -EPERM;
	case PBUS_XR_RESET:
		/* The remote was reset; the write may have run before. */
		return -ECONNRESET;
	case PBUS_XR_NOTCONN:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

/**
 * struct pbus_xfer_ctx - one transfer through pbus_xfer_run()
 * @bus: the bus
 * @done: payload bytes of the frames answered OK
 * @frame_start: first attempt of the frame in flight (its budget)
 * @killable: a user-space caller (pbus_lock())
 * @unlocked: the lock could not be taken back between frames
 * @err: errno of a PBUS_XR_INTR stop
 */
struct pbus_xfer_ctx {
	struct pbus *bus;
	size_t done;
	ktime_t frame_start;
	bool killable;
	bool unlocked;
	int err;
};

/*
 * The transfer engine's ops: frames, link-up and resync over the GPIOs.
 * The engine's @tag is bus->xs.tag, which pbus_frame_once() sends.
 */
static int pbus_xfer_frame(void *ctx, bool write, u8 tag, u32 addr, u8 *buf,
			   u16 len, bool retry, u32 epoch)
{
	struct pbus_xfer_ctx *x = ctx;
	int r;

	r = pbus_frame_once(x->bus, write, addr, buf, len, retry, epoch);
	if (r == PBUS_XR_OK) {
		x->done += len;
		pbus_link_alive(x->bus);
	}
	return r;
}

static int pbus_xfer_link_up(void *ctx)
{
	struct pbus_xfer_ctx *x = ctx;

	return pbus_link_up_locked(x->bus);
}

static int pbus_xfer_resync(void *ctx)
{
	struct pbus_xfer_ctx *x = ctx;

	return pbus_resync_locked(x->bus);
}

static void pbus_xfer_backoff(void *ctx)
{
	usleep_range(100, 200);
}

static void pbus_xfer_retried(void *ctx, u32 attempt, int r)
{
	struct pbus_xfer_ctx *x = ctx;
	struct pbus *bus = x->bus;

	bus->stats.retries++;
	if (r)
		trace_pbus_retry(bus->name, attempt, r, bus->xs.cur_payload);
}

/*
 * The bus lock covers one frame and its retries, not a whole transfer.
 * Between frames (@r OK) nothing is in doubt and the lock is dropped, so
 * that another user (remoteproc work, unbind, a second process) waits for
 * a frame, not for a 64 KiB transfer a slow remote stretches to minutes.
 * Between the attempts of one frame it is kept: a write's retry must be
 * the next frame the remote sees after its original, or a write of
 * another user replaces the remote's duplicate memory and the retry runs
 * the write again (docs/protocol.md "Exactly once"; test_xfer_interleave).
 * There a user-space caller's fatal signal, or the frame's budget, ends
 * the transfer with the frame given up (in doubt if it is).
 */
static int pbus_xfer_checkpoint(void *ctx, int r)
{
	struct pbus_xfer_ctx *x = ctx;
	struct pbus *bus = x->bus;

	if (r == PBUS_XR_OK) {
		pbus_unlock(bus);
		if (pbus_lock(bus, x->killable)) {
			x->unlocked = true;
			x->err = -EINTR;
			return PBUS_XR_INTR;
		}
		if (bus->dead) {
			x->err = -ENODEV;
			return PBUS_XR_INTR;
		}
		x->frame_start = ktime_get();
		return 0;
	}
	if (x->killable && fatal_signal_pending(current)) {
		x->err = -EINTR;
		return PBUS_XR_INTR;
	}
	if (ktime_ms_delta(ktime_get(), x->frame_start) >= PBUS_FRAME_BUDGET_MS) {
		bus->xstats.budget_stops++;
		return r;
	}
	return 0;
}

static const struct pbus_xfer_ops pbus_xfer_ops = {
	.frame = pbus_xfer_frame,
	.link_up = pbus_xfer_link_up,
	.resync = pbus_xfer_resync,
	.backoff = pbus_xfer_backoff,
	.retried = pbus_xfer_retried,
	.checkpoint = pbus_xfer_checkpoint,
};

/*
 * The retry and exactly-once policy (docs/protocol.md) lives in the core,
 * pbus_xfer_run(); this maps its result to an errno. Called with the lock
 * held; it may come back without it (@x->unlocked).
 */
static int pbus_xfer_locked(struct pbus_xfer_ctx *x, bool write, u32 addr,
			    u8 *buf, size_t len)
{
	struct pbus *bus = x->bus;
	bool doubt;
	int r;

	x->frame_start = ktime_get();
	r = pbus_xfer_run(&pbus_xfer_ops, x, &bus->xs, write, addr, buf, len,
			  &doubt);
	if (r == PBUS_XR_OK)
		return 0;
	dev_dbg(bus->dev, "%s 0x%08x+%zu failed after %zu bytes: %d%s\n",
		write ? "write" : "read", addr, len, x->done, r,
		doubt ? " (the frame in flight may have run)" : "");
	return r == PBUS_XR_INTR ? x->err : pbus_xr_to_errno(r);
}

/*
 * Entry point of every transfer: checks, bus lock, stats of failures.
 * @killable: a user-space caller: a fatal signal ends the transfer with
 * -EINTR (the frames before it done, the frame in flight given up and in
 * doubt if a write). @done (may be NULL): bytes of the frames that were
 * answered OK, also on failure.
 */
int pbus_xfer(struct pbus *bus, bool write, u32 addr, void *buf, size_t len,
	      bool killable, size_t *done)
{
	struct pbus_xfer_ctx x = { .bus = bus, .killable = killable };
	int ret;

	if (done)
		*done = 0;
	if (!len)
		return 0;
	if ((u64)addr + len > BIT_ULL(32))
		return -EINVAL;

	if (pbus_lock(bus, killable))
		return -EINTR;
	if (bus->dead) {
		ret = -ENODEV;
	} else {
		ret = pbus_xfer_locked(&x, write, addr, buf, len);
		if (x.unlocked)
			goto out;
		if (ret == -EINTR) {
			/* Cut short: leave the bus idle for the next user. */
			bus->xstats.interrupted++;
			bus->killable = false;
			if (!bus->xs.link_up && !bus->dead)
				pbus_resync_locked(bus);
		} else if (ret) {
			bus->stats.failed++;
		}
	}
	pbus_unlock(bus);
out:
	if (done)
		*done = x.done;
	return ret;
}

int pbus_resync_reset(struct pbus *bus, bool pulse, bool killable)
{
	int ret;

	if (pbus_lock(bus, killable))
		return -EINTR;
	if (bus->dead) {
		ret = -ENODEV;
		goto out;
	}
	if (pulse) {
		if (!bus->reset) {
			ret = -EOPNOTSUPP;
			goto out;
		}
		/* A new epoch: not known until the link-up below reads it. */
		bus->xs.epoch = 0;
		gpiod_set_value_cansleep(bus->reset, 1);
		usleep_range(1000, 1500);
		gpiod_set_value_cansleep(bus->reset, 0);
		/* Let the remote come out of reset before talking to it. */
		usleep_range(1000, 1500);
	}
	ret = pbus_link_up_locked(bus);
	if (ret)
		ret = -ENOTCONN;
out:
	pbus_unlock(bus);
	return ret;
}

/* User-space callers only (ioctls, debugfs): killable. */
int pbus_get_info(struct pbus *bus, struct pbus_ioc_info *info)
{
	memset(info, 0, sizeof(*info));
	strscpy(info->name, bus->name, sizeof(info->name));
	if (pbus_lock(bus, true))
		return -EINTR;
	info->proto_version = bus->proto_version;
	info->window_size = bus->window_size;
	info->max_payload = bus->xs.cur_payload;
	if (bus->xs.link_up && !bus->dead)
		info->flags |= PBUS_INFO_LINK_UP;
	if (bus->multi)
		info->flags |= PBUS_INFO_SET_MULTIPLE;
	pbus_unlock(bus);
	return 0;
}

int pbus_get_stats(struct pbus *bus, struct pbus_ioc_stats *stats)
{
	if (pbus_lock(bus, true))
		return -EINTR;
	*stats = bus->stats;
	pbus_unlock(bus);
	return 0;
}

int pbus_reset_stats(struct pbus *bus)
{
	if (pbus_lock(bus, true))
		return -EINTR;
	memset(&bus->stats, 0, sizeof(bus->stats));
	memset(&bus->xstats, 0, sizeof(bus->xstats));
	pbus_unlock(bus);
	return 0;
}

/* ------------------------------------------------------------------------
 * Exported API
 */

void pbus_release(struct kref *kref)
{
	struct pbus *bus = container_of(kref, struct pbus, kref);
	struct pbus_range *r, *tmp;

	list_for_each_entry_safe(r, tmp, &bus->ranges, node) {
		list_del(&r->node);
		kfree(r);
	}
	mutex_destroy(&bus->lock);
	mutex_destroy(&bus->irq_lock);
	mutex_destroy(&bus->range_lock);
	of_node_put(bus->np);
	put_device(bus->dev);
	kfree(bus->scratch);
	kfree(bus);
}

/**
 * pbus_get() - get the pbus master referenced by a DT phandle
 * @dev: consumer device; its DT node holds the phandle property
 * @propname: name of the phandle property, e.g. "pbus"
 *
 * Takes a reference on the bus, its device and this module; drop them
 * with pbus_put(). The bus stays valid memory after its master unbinds;
 * transfers then fail with -ENODEV.
 *
 * Return: the bus, ERR_PTR(-EPROBE_DEFER) if the master is not bound yet,
 * ERR_PTR(-ENOENT) if there is no such property, ERR_PTR(-ENODEV) if it
 * points to no enabled "pbus,gpio-master" node or this module is going
 * away.
 */
struct pbus *pbus_get(struct device *dev, const char *propname)
{
	struct device_node *np;
	struct pbus *bus, *found = NULL;

	if (!dev || !dev->of_node || !propname)
		return ERR_PTR(-EINVAL);
	np = of_parse_phandle(dev->of_node, propname, 0);
	if (!np) {
		dev_dbg(dev, "no %s phandle\n", propname);
		return ERR_PTR(-ENOENT);
	}
	/* Deferring for a node that can never bind would hang the user. */
	if (!of_device_is_compatible(np, "pbus,gpio-master") ||
	    !of_device_is_available(np)) {
		dev_err(dev, "%s: %pOF is no usable pbus master\n", propname,
			np);
		of_node_put(np);
		return ERR_PTR(-ENODEV);
	}

	mutex_lock(&pbus_list_lock);
	list_for_each_entry(bus, &pbus_list, node) {
		if (bus->np == np) {
			found = bus;
			kref_get(&bus->kref);
			break;
		}
	}
	mutex_unlock(&pbus_list_lock);
	of_node_put(np);

	if (!found)
		return ERR_PTR(-EPROBE_DEFER);
	if (!try_module_get(THIS_MODULE)) {
		kref_put(&found->kref, pbus_release);
		return ERR_PTR(-ENODEV);
	}
	get_device(found->dev);
	return found;
}
EXPORT_SYMBOL_GPL(pbus_get);

/**
 * pbus_put() - drop a reference taken by pbus_get()
 * @bus: the bus; NULL or an error pointer is ignored
 */
void pbus_put(struct pbus *bus)
{
	if (IS_ERR_OR_NULL(bus))
		return;
	put_device(bus->dev);
	kref_put(&bus->kref, pbus_release);
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_GPL(pbus_put);

static void devm_pbus_put(void *bus)
{
	pbus_put(bus);
}

/**
 * devm_pbus_get() - resource-managed pbus_get()
 * @dev: consumer device
 * @propname: name of the phandle property
 *
 * The reference is dropped when @dev unbinds.
 *
 * Return: the bus or an ERR_PTR() as for pbus_get().
 */
struct pbus *devm_pbus_get(struct device *dev, const char *propname)
{
	struct pbus *bus = pbus_get(dev, propname);
	int ret;

	if (IS_ERR(bus))
		return bus;
	ret = devm_add_action_or_reset(dev, devm_pbus_put, bus);
	return ret ? ERR_PTR(ret) : bus;
}
EXPORT_SYMBOL_GPL(devm_pbus_get);

/**
 * pbus_name() - name of a bus
 * @bus: the bus
 *
 * Return: the name, as in /dev/pbus/<name>; valid while @bus is held.
 */
const char *pbus_name(struct pbus *bus)
{
	return bus->name;
}
EXPORT_SYMBOL_GPL(pbus_name);

/**
 * pbus_device() - the master's device, for messages
 * @bus: the bus
 *
 * Return: the platform device of the master; valid while @bus is held.
 */
struct device *pbus_device(struct pbus *bus)
{
	return bus->dev;
}
EXPORT_SYMBOL_GPL(pbus_device);

/**
 * pbus_read() - read bytes from the remote's address space
 * @bus: the bus
 * @addr: first remote address
 * @buf: destination
 * @len: bytes; split into frames as needed
 *
 * Sleeps; takes the bus lock for one frame and its retries at a time, so
 * other users' frames may go between the frames of one transfer (the
 * remote runs frames one by one anyway). Retries and resyncs on link
 * errors; the retries of one frame stop after PBUS_FRAME_BUDGET_MS.
 * Not interrupted by signals.
 *
 * Return: 0, -EINVAL if @addr + @len passes 2^32, -ETIMEDOUT when the
 * handshake kept timing out, -EIO when CRC or status kept failing,
 * -EFAULT for an address the remote rejects, -EMSGSIZE for a length it
 * rejects, -ENOTCONN when the link is down and resync failed, -ENODEV
 * after the master unbound.
 */
int pbus_read(struct pbus *bus, u32 addr, void *buf, size_t len)
{
	return pbus_xfer(bus, false, addr, buf, len, false, NULL);
}
EXPORT_SYMBOL_GPL(pbus_read);

/**
 * pbus_write() - write bytes to the remote's address space
 * @bus: the bus
 * @addr: first remote address
 * @buf: source
 * @len: bytes; split into frames as needed
 *
 * Sleeps; locks the bus per frame as pbus_read(). Each frame runs exactly
 * once, or the call fails (docs/protocol.md, "Exactly once"): a write
 * retried after a lost answer is recognised by the remote and not executed
 * twice, and no other frame goes between an attempt and its retry. On an error
 * the frames before the failing one have run; the failing one may have run
 * if the remote was reset meanwhile (-ECONNRESET) or the retries ran out
 * with its outcome unknown. -ECONNRESET always means a real reset of the
 * remote: during the write, or (unseen by the host) before it with no
 * other write in between. Kernel users are not bound by the claims of the char device.
 *
 * Return: 0 or an error as for pbus_read(), plus -EPERM for a read-only
 * location and -ECONNRESET when the remote was reset and cannot tell
 * whether the write ran.
 */
int pbus_write(struct pbus *bus, u32 addr, const void *buf, size_t len)
{
	/* The core never writes to the buffer of a write frame. */
	return pbus_xfer(bus, true, addr, (void *)buf, len, false, NULL);
}
EXPORT_SYMBOL_GPL(pbus_write);

/**
 * pbus_read32() - read a little-endian 32-bit word
 * @bus: the bus
 * @addr: remote address
 * @val: the value, in CPU order
 *
 * Return: 0 or an error as for pbus_read().
 */
int pbus_read32(struct pbus *bus, u32 addr, u32 *val)
{
	__le32 v;
	int ret;

	ret = pbus_read(bus, addr, &v, sizeof(v));
	if (!ret)
		*val = le32_to_cpu(v);
	return ret;
}
EXPORT_SYMBOL_GPL(pbus_read32);

/**
 * pbus_write32() - write a little-endian 32-bit word
 * @bus: the bus
 * @addr: remote address
 * @val: the value, in CPU order
 *
 * Return: 0 or an error as for pbus_write().
 */
int pbus_write32(struct pbus *bus, u32 addr, u32 val)
{
	__le32 v = cpu_to_le32(val);

	return pbus_write(bus, addr, &v, sizeof(v));
}
EXPORT_SYMBOL_GPL(pbus_write32);

/*
 * The IRQ is enabled while a handler is installed, no storm backoff runs
 * and the bus is bound; disabled otherwise (a level IRQ nobody clears
 * would fire for ever). @irq_lock held.
 */
static void pbus_irq_update_locked(struct pbus *bus)
{
	bool on = bus->irq_handler && !bus->irq_backoff && !READ_ONCE(bus->dead);

	if (!bus->irq || on == bus->irq_on)
		return;
	bus->irq_on = on;
	if (on)
		enable_irq(bus->irq);
	else
		disable_irq_nosync(bus->irq);
}

/**
 * pbus_request_irq() - install the handler of the remote's IRQ line
 * @bus: the bus
 * @handler: called in thread context while the line is asserted: the IRQ
 *	is level-triggered, so the handler runs again after it returned for
 *	as long as the line stays asserted, also after a failed bus access
 * @data: cookie for @handler
 *
 * One handler per bus. If the line is already asserted the handler runs
 * soon after this returns. The handler may use the bus; it must not call
 * pbus_free_irq(). A storm (the line still asserted after several runs in
 * a row, or runs at a rate no real workload makes) masks the IRQ for a
 * backoff of 10 ms to 1 s, counted as irq_storms in debugfs; it is never
 * disabled for good.
 *
 * Return: 0, -EOPNOTSUPP without an IRQ line, -EBUSY if a handler is
 * installed, -ENODEV after the master unbound.
 */
int pbus_request_irq(struct pbus *bus, pbus_irq_handler_t handler,
		     void *data)
{
	int ret = 0;

	if (!handler)
		return -EINVAL;
	if (!bus->irq)
		return -EOPNOTSUPP;
	/* Under irq_lock: unbind cannot release the lines meanwhile. */
	mutex_lock(&bus->irq_lock);
	if (READ_ONCE(bus->dead)) {
		ret = -ENODEV;
	} else if (bus->irq_handler) {
		ret = -EBUSY;
	} else {
		bus->irq_data = data;
		bus->irq_handler = handler;
		/* Level-triggered: an asserted line fires once enabled. */
		pbus_irq_update_locked(bus);
	}
	mutex_unlock(&bus->irq_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pbus_request_irq);

/**
 * pbus_free_irq() - remove the handler installed by pbus_request_irq()
 * @bus: the bus
 *
 * Waits for a running handler to return.
 */
void pbus_free_irq(struct pbus *bus)
{
	mutex_lock(&bus->irq_lock);
	bus->irq_handler = NULL;
	bus->irq_data = NULL;
	pbus_irq_update_locked(bus);
	mutex_unlock(&bus->irq_lock);
}
EXPORT_SYMBOL_GPL(pbus_free_irq);

/**
 * pbus_reset_remote() - pulse the RESET line, then resync
 * @bus: the bus
 *
 * Holds RESET asserted for at least 1 ms.
 *
 * Return: 0 when the remote answered afterwards, -EOPNOTSUPP without a
 * RESET line, -ENOTCONN when it did not answer, -ENODEV after unbind.
 */
int pbus_reset_remote(struct pbus *bus)
{
	return pbus_resync_reset(bus, true, false);
}
EXPORT_SYMBOL_GPL(pbus_reset_remote);

/**
 * pbus_resync() - run the resync sequence and re-read the remote's info
 * @bus: the bus
 *
 * Return: 0 when the remote answered, -ENOTCONN when it did not, -ENODEV
 * after unbind.
 */
int pbus_resync(struct pbus *bus)
{
	return pbus_resync_reset(bus, false, false);
}
EXPORT_SYMBOL_GPL(pbus_resync);

/**
 * pbus_remote_window_size() - size of the remote's memory window
 * @bus: the bus
 *
 * A remote that was absent when the host probed (a second Pi still booting)
 * is asked again here: the link is brought up first if it is down. May
 * sleep.
 *
 * Return: bytes, as last read from the remote; 0 while it never answered.
 */
u32 pbus_remote_window_size(struct pbus *bus)
{
	u32 size;

	pbus_lock(bus, false);
	if (!bus->xs.link_up && !bus->dead)
		pbus_link_up_locked(bus);
	size = bus->window_size;
	pbus_unlock(bus);
	return size;
}
EXPORT_SYMBOL_GPL(pbus_remote_window_size);

/**
 * pbus_reserve() - reserve remote addresses for a kernel user
 * @bus: the bus
 * @addr: first address
 * @len: bytes; @addr + @len must not pass 2^32
 * @owner: name shown in debugfs; must stay valid until pbus_unreserve()
 *
 * User space can then neither claim nor write the range.
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -EBUSY when it
 * overlaps a claim or another reservation, -ENOMEM.
 */
int pbus_reserve(struct pbus *bus, u32 addr, u32 len, const char *owner)
{
	return pbus_range_add(bus, addr, len, NULL, owner ? owner : "kernel");
}
EXPORT_SYMBOL_GPL(pbus_reserve);

/**
 * pbus_unreserve() - drop a reservation made by pbus_reserve()
 * @bus: the bus
 * @addr: first address, as reserved
 * @len: bytes, as reserved
 */
void pbus_unreserve(struct pbus *bus, u32 addr, u32 len)
{
	if (pbus_range_del(bus, addr, len, NULL))
		dev_warn(bus->dev, "unreserve of unknown range 0x%08x+%u\n",
			 addr, len);
}
EXPORT_SYMBOL_GPL(pbus_unreserve);

/* ------------------------------------------------------------------------
 * IRQ line
 */

static void pbus_irq_storm_reset(struct pbus *bus, ktime_t now)
{
	bus->irq_win_start = now;
	bus->irq_win_runs = 0;
	bus->irq_stuck_runs = 0;
}

static void pbus_irq_backoff_end(struct work_struct *work)
{
	struct pbus *bus = container_of(to_delayed_work(work), struct pbus,
					irq_backoff_work);

	mutex_lock(&bus->irq_lock);
	bus->irq_backoff = false;
	pbus_irq_storm_reset(bus, ktime_get());
	pbus_irq_update_locked(bus);
	mutex_unlock(&bus->irq_lock);
}

/*
 * After a handler run that began at @start, @irq_lock held: a lying remote
 * that keeps the line asserted (or toggles it as fast as it is cleared),
 * or a handler that keeps failing on a broken bus, must not keep this
 * RT-priority thread busy. A storm is irq_stuck_max runs in a row that
 * left the line asserted (no progress), or irq_rate_max runs within
 * PBUS_IRQ_WINDOW_MS. It masks the IRQ for a backoff that doubles from
 * PBUS_IRQ_BACKOFF_MIN_MS up to PBUS_IRQ_BACKOFF_MAX_MS while storms follow
 * each other, and is never shorter than the storm's runs took (the thread
 * and its bus traffic get at most half the time, also when each run is a
 * failing transfer). The backoff's end enables the IRQ again, and an
 * asserted line fires at once (level-triggered): delayed, never lost.
 */
static void pbus_irq_storm_check(struct pbus *bus, ktime_t start)
{
	ktime_t now = ktime_get();
	bool asserted = gpiod_get_value_cansleep(bus->irq_gpio) > 0;
	s64 span;
	u32 ms;

	if (ktime_ms_delta(now, bus->irq_win_start) >= PBUS_IRQ_WINDOW_MS) {
		bus->irq_win_start = start;
		bus->irq_win_runs = 0;
	}
	bus->irq_win_runs++;
	if (!asserted)
		bus->irq_stuck_runs = 0;
	else if (!bus->irq_stuck_runs++)
		bus->irq_stuck_start = start;
	if (bus->irq_stuck_runs >= READ_ONCE(irq_stuck_max))
		span = ktime_ms_delta(now, bus->irq_stuck_start);
	else if (bus->irq_win_runs >= READ_ONCE(irq_rate_max))
		span = ktime_ms_delta(now, bus->irq_win_start);
	else
		return;

	/* Storms in a row (the last backoff just ended): back off longer. */
	ms = PBUS_IRQ_BACKOFF_MIN_MS;
	if (bus->irq_storms &&
	    ktime_ms_delta(now, bus->irq_last_storm) <
	    bus->irq_backoff_ms + 2 * PBUS_IRQ_BACKOFF_MAX_MS)
		ms = min_t(u32, 2 * bus->irq_backoff_ms,
			   PBUS_IRQ_BACKOFF_MAX_MS);
	/* Never more than half the time, however long the runs took. */
	ms = max_t(s64, ms, span);
	bus->irq_backoff_ms = ms;
	bus->irq_last_storm = now;
	WRITE_ONCE(bus->irq_storms, bus->irq_storms + 1);
	dev_warn_ratelimited(bus->dev,
			     "IRQ storm: %u runs in %lld ms, %u in a row left the line asserted: masked for %u ms (%u storms)\n",
			     bus->irq_win_runs,
			     ktime_ms_delta(now, bus->irq_win_start),
			     bus->irq_stuck_runs, ms, bus->irq_storms);
	pbus_irq_storm_reset(bus, now);
	bus->irq_backoff = true;
	pbus_irq_update_locked(bus);
	schedule_delayed_work(&bus->irq_backoff_work, msecs_to_jiffies(ms));
}

/*
 * Level-triggered and oneshot: the IRQ stays masked until this returns,
 * then fires again at once if the line is still asserted, whatever the
 * handler did (a failed bus read included).
 */
static irqreturn_t pbus_irq_thread(int irq, void *data)
{
	struct pbus *bus = data;
	ktime_t start;

	pbus_lock(bus, false);
	bus->stats.irqs++;
	pbus_unlock(bus);

	mutex_lock(&bus->irq_lock);
	if (bus->irq_handler) {
		start = ktime_get();
		bus->irq_handler(bus, bus->irq_data);
		pbus_irq_storm_check(bus, start);
	}
	mutex_unlock(&bus->irq_lock);
	return IRQ_HANDLED;
}

/*
 * debugfs irq_ack: a handler for tests and bring-up that clears the
 * IRQ_STATUS bits in @irq_ack_mask (pbus_rproc's does the same for its
 * own bits). Under @irq_lock, like every handler.
 */
static void pbus_irq_ack_handler(struct pbus *bus, void *data)
{
	u32 st, clr;

	WRITE_ONCE(bus->irq_ack_runs, bus->irq_ack_runs + 1);
	if (pbus_read32(bus, PBUS_REG_BASE + PBUS_REG_IRQ_STATUS, &st))
		goto err;
	clr = st & bus->irq_ack_mask;
	if (!clr)
		return;
	if (pbus_write32(bus, PBUS_REG_BASE + PBUS_REG_IRQ_STATUS, clr))
		goto err;
	WRITE_ONCE(bus->irq_ack_cleared, bus->irq_ack_cleared + 1);
	return;
err:
	WRITE_ONCE(bus->irq_ack_errors, bus->irq_ack_errors + 1);
}

/* ------------------------------------------------------------------------
 * debugfs
 */

static int pbus_stats_show(struct seq_file *s, void *unused)
{
	struct pbus *bus = s->private;
	struct pbus_ioc_stats st;
	struct pbus_xstats xs;
	int ret;

	ret = pbus_lock(bus, true);
	if (ret)
		return ret;
	st = bus->stats;
	xs = bus->xstats;
	pbus_unlock(bus);
	seq_printf(s, "frames %llu\n", st.frames);
	seq_printf(s, "bytes_read %llu\n", st.bytes_read);
	seq_printf(s, "bytes_written %llu\n", st.bytes_written);
	seq_printf(s, "crc_errors %llu\n", st.crc_errors);
	seq_printf(s, "status_errors %llu\n", st.status_errors);
	seq_printf(s, "retries %llu\n", st.retries);
	seq_printf(s, "timeouts %llu\n", st.timeouts);
	seq_printf(s, "resyncs %llu\n", st.resyncs);
	seq_printf(s, "irqs %llu\n", st.irqs);
	seq_printf(s, "failed %llu\n", st.failed);
	seq_printf(s, "wire_bytes %llu\n", st.wire_bytes);
	seq_printf(s, "link_losses %llu\n", xs.link_losses);
	seq_printf(s, "budget_stops %llu\n", xs.budget_stops);
	seq_printf(s, "interrupted %llu\n", xs.interrupted);
	seq_printf(s, "irq_storms %u\n", READ_ONCE(bus->irq_storms));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_stats);

static int pbus_info_show(struct seq_file *s, void *unused)
{
	struct pbus *bus = s->private;
	struct pbus_ioc_info info;
	struct pbus_range *r;
	int ret;

	ret = pbus_get_info(bus, &info);
	if (ret)
		return ret;
	seq_printf(s, "name %s\n", info.name);
	seq_printf(s, "link_up %u\n", !!(info.flags & PBUS_INFO_LINK_UP));
	seq_printf(s, "proto_version %u\n", info.proto_version);
	seq_printf(s, "window_size %u\n", info.window_size);
	seq_printf(s, "max_payload %u\n", bus->xs.max_payload);
	seq_printf(s, "cur_payload %u\n", info.max_payload);
	seq_printf(s, "set_multiple %u\n", bus->multi);
	seq_printf(s, "spin_us %u\n", bus->spin_us);
	seq_printf(s, "timeout_us %u\n", bus->timeout_us);
	seq_printf(s, "retries %u\n", bus->xs.retries);
	seq_printf(s, "link_patience_ms %u\n", PBUS_LINK_PATIENCE_MS);
	seq_printf(s, "epoch 0x%08x\n", bus->xs.epoch);
	seq_printf(s, "irq %d\n", bus->irq);
	seq_printf(s, "reset_line %u\n", !!bus->reset);
	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (r->owner)
			seq_printf(s, "claim 0x%08llx-0x%08llx file\n",
				   r->start, r->end - 1);
		else
			seq_printf(s, "reserved 0x%08llx-0x%08llx %s\n",
				   r->start, r->end - 1, r->who);
	}
	mutex_unlock(&bus->range_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_info);

static ssize_t pbus_resync_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct pbus *bus = file->private_data;
	int ret;

	ret = pbus_resync(bus);
	return ret ? ret : count;
}

static const struct file_operations pbus_resync_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_resync_write,
	.llseek = noop_llseek,
};

static int pbus_irq_ack_show(struct seq_file *s, void *unused)
{
	struct pbus *bus = s->private;

	seq_printf(s, "mask 0x%08x\n", READ_ONCE(bus->irq_ack_mask));
	seq_printf(s, "runs %u\n", READ_ONCE(bus->irq_ack_runs));
	seq_printf(s, "cleared %u\n", READ_ONCE(bus->irq_ack_cleared));
	seq_printf(s, "errors %u\n", READ_ONCE(bus->irq_ack_errors));
	return 0;
}

static int pbus_irq_ack_open(struct inode *inode, struct file *file)
{
	return single_open(file, pbus_irq_ack_show, inode->i_private);
}

/*
 * Writing a non-zero mask installs the test handler (or changes its mask),
 * 0 removes it; -EBUSY while another user (pbus_rproc) has the IRQ.
 */
static ssize_t pbus_irq_ack_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct pbus *bus = file_inode(file)->i_private;
	bool ours;
	u32 mask;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &mask);
	if (ret)
		return ret;
	mutex_lock(&bus->irq_lock);
	ours = bus->irq_handler == pbus_irq_ack_handler;
	if (bus->irq_handler && !ours)
		ret = -EBUSY;
	else
		WRITE_ONCE(bus->irq_ack_mask, mask);
	mutex_unlock(&bus->irq_lock);
	if (ret)
		return ret;
	if (mask && !ours) {
		WRITE_ONCE(bus->irq_ack_runs, 0);
		WRITE_ONCE(bus->irq_ack_cleared, 0);
		WRITE_ONCE(bus->irq_ack_errors, 0);
		ret = pbus_request_irq(bus, pbus_irq_ack_handler, NULL);
	} else if (!mask && ours) {
		pbus_free_irq(bus);
	}
	return ret ? ret : count;
}

static const struct file_operations pbus_irq_ack_fops = {
	.owner = THIS_MODULE,
	.open = pbus_irq_ack_open,
	.read = seq_read,
	.write = pbus_irq_ack_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void pbus_debugfs_add(struct pbus *bus)
{
	if (IS_ERR_OR_NULL(pbus_debugfs_root))
		return;
	bus->dbg = debugfs_create_dir(bus->name, pbus_debugfs_root);
	debugfs_create_file("stats", 0444, bus->dbg, bus, &pbus_stats_fops);
	debugfs_create_file("info", 0444, bus->dbg, bus, &pbus_info_fops);
	debugfs_create_file("resync", 0200, bus->dbg, bus, &pbus_resync_fops);
	if (bus->irq)
		debugfs_create_file("irq_ack", 0600, bus->dbg, bus,
				    &pbus_irq_ack_fops);
}

/* ------------------------------------------------------------------------
 * Platform driver
 */

static int pbus_master_lines(struct pbus *bus)
{
	struct device *dev = bus->dev;
	int i;

	/*
	 * Inputs: the remote may still drive them (a read it has not timed
	 * out yet). The first frame turns the bus around (pbus_frame_once()),
	 * after the remote has released them.
	 */
	bus->data = devm_gpiod_get_array(dev, "data", GPIOD_IN);
	if (IS_ERR(bus->data))
		return dev_err_probe(dev, PTR_ERR(bus->data),
				     "data-gpios\n");
	if (bus->data->ndescs != PBUS_DATA_LINES)
		return dev_err_probe(dev, -EINVAL,
				     "data-gpios: need %d lines, got %u\n",
				     PBUS_DATA_LINES, bus->data->ndescs);
	bus->data_out = false;

	bus->rw = devm_gpiod_get(dev, "rw", GPIOD_OUT_LOW);
	if (IS_ERR(bus->rw))
		return dev_err_probe(dev, PTR_ERR(bus->rw), "rw-gpios\n");
	bus->strobe = devm_gpiod_get(dev, "strobe", GPIOD_OUT_LOW);
	if (IS_ERR(bus->strobe))
		return dev_err_probe(dev, PTR_ERR(bus->strobe),
				     "strobe-gpios\n");
	bus->ack = devm_gpiod_get(dev, "ack", GPIOD_IN);
	if (IS_ERR(bus->ack))
		return dev_err_probe(dev, PTR_ERR(bus->ack), "ack-gpios\n");
	bus->irq_gpio = devm_gpiod_get_optional(dev, "irq", GPIOD_IN);
	if (IS_ERR(bus->irq_gpio))
		return dev_err_probe(dev, PTR_ERR(bus->irq_gpio),
				     "irq-gpios\n");
	/* Deasserted: the remote runs. */
	bus->reset = devm_gpiod_get_optional(dev, "reset", GPIOD_OUT_LOW);
	if (IS_ERR(bus->reset))
		return dev_err_probe(dev, PTR_ERR(bus->reset),
				     "reset-gpios\n");

	for (i = 0; i < PBUS_DATA_LINES; i++)
		bus->rd[i] = bus->data->desc[i];
	bus->rd[PBUS_RD_ACK] = bus->ack;

	/*
	 * gpiolib's array fast path exists only when D0..D7 are lines 0..7
	 * of one chip; otherwise every array op is a loop over the lines
	 * anyway. "pbus,no-set-multiple" forces the per-line mode for chips
	 * without set_multiple/get_multiple (e.g. pinctrl-bcm2835).
	 */
	bus->multi = bus->data->info && !no_set_multiple &&
		     !device_property_read_bool(dev, "pbus,no-set-multiple");
	return 0;
}

static int pbus_master_irq(struct pbus *bus)
{
	unsigned long trig;
	int irq, ret;

	if (!bus->irq_gpio)
		return 0;
	irq = gpiod_to_irq(bus->irq_gpio);
	if (irq < 0)
		return dev_err_probe(bus->dev, irq, "irq-gpios: no IRQ\n");
	/*
	 * The remote holds the line asserted while bits are pending: a level
	 * IRQ (its polarity from the DT flags), masked until the oneshot
	 * thread returns, cannot be lost the way an edge was (after a
	 * handler's failed read, or a burst of reruns). Disabled until a
	 * handler is installed (pbus_irq_update_locked()).
	 */
	trig = gpiod_is_active_low(bus->irq_gpio) ? IRQF_TRIGGER_LOW :
						    IRQF_TRIGGER_HIGH;
	ret = request_threaded_irq(irq, NULL, pbus_irq_thread,
				   trig | IRQF_ONESHOT | IRQF_NO_AUTOEN,
				   bus->name, bus);
	if (ret == -EINVAL) {
		/* An edge-only controller: users poll rather than lose IRQs. */
		dev_warn(bus->dev,
			 "IRQ %d cannot be level-triggered: remote IRQ not used\n",
			 irq);
		return 0;
	}
	if (ret)
		return dev_err_probe(bus->dev, ret, "request IRQ %d\n", irq);
	bus->irq = irq;
	return 0;
}

static int pbus_master_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	const char *label;
	struct pbus *bus;
	int ret;

	bus = kzalloc(sizeof(*bus), GFP_KERNEL);
	if (!bus)
		return -ENOMEM;
	kref_init(&bus->kref);
	INIT_LIST_HEAD(&bus->node);
	INIT_LIST_HEAD(&bus->ranges);
	mutex_init(&bus->lock);
	mutex_init(&bus->irq_lock);
	ratelimit_state_init(&bus->link_rs, 60 * HZ, PBUS_LINK_LOG_BURST);
	INIT_DELAYED_WORK(&bus->irq_backoff_work, pbus_irq_backoff_end);
	mutex_init(&bus->range_lock);
	bus->dev = get_device(dev);
	bus->np = of_node_get(dev->of_node);
	bus->minor = -1;

	if (device_property_read_string(dev, "label", &label))
		label = dev_name(dev);
	if (strscpy(bus->name, label, sizeof(bus->name)) < 0 ||
	    strchr(bus->name, '/')) {
		ret = dev_err_probe(dev, -EINVAL, "bad label \"%s\"\n", label);
		goto err_put;
	}

	bus->spin_us = PBUS_DEF_SPIN_US;
	bus->timeout_us = PBUS_DEF_TIMEOUT_US;
	bus->xs.retries = PBUS_DEF_RETRIES;
	/* Not the tag a previous host left in the remote's duplicate memory. */
	bus->xs.tag = (u8)get_random_u32();
	device_property_read_u32(dev, "pbus,spin-us", &bus->spin_us);
	device_property_read_u32(dev, "pbus,timeout-us", &bus->timeout_us);
	device_property_read_u32(dev, "pbus,retries", &bus->xs.retries);
	/* A spin longer than a wait just spins the whole wait: allowed. */
	if (bus->timeout_us < PBUS_TIMEOUT_US_MIN ||
	    bus->timeout_us > PBUS_TIMEOUT_US_MAX ||
	    bus->spin_us > PBUS_SPIN_US_MAX ||
	    bus->xs.retries > PBUS_RETRIES_MAX) {
		ret = dev_err_probe(dev, -EINVAL,
				    "pbus,timeout-us %u (%u..%u), pbus,spin-us %u (..%u) or pbus,retries %u (..%u) out of range\n",
				    bus->timeout_us, PBUS_TIMEOUT_US_MIN,
				    PBUS_TIMEOUT_US_MAX, bus->spin_us,
				    PBUS_SPIN_US_MAX, bus->xs.retries,
				    PBUS_RETRIES_MAX);
		goto err_put;
	}
	bus->xs.max_payload = PBUS_MIN_PAYLOAD;
	bus->xs.cur_payload = PBUS_MIN_PAYLOAD;

	/* Read answers: status + payload + CRC-32C. */
	bus->scratch = kmalloc(PBUS_MAX_PAYLOAD + 1 + PBUS_CRC_LEN, GFP_KERNEL);
	if (!bus->scratch) {
		ret = -ENOMEM;
		goto err_put;
	}

	ret = pbus_master_lines(bus);
	if (ret)
		goto err_put;

	/*
	 * A remote already listening may take our line setup for a request
	 * and sit in a frame until its idle timeout, or be slow right after
	 * its own load: the probe's link-up is patient.
	 */
	pbus_lock(bus, false);
	pbus_link_alive(bus);
	ret = pbus_link_up_locked(bus);
	pbus_unlock(bus);
	if (ret)
		dev_info(dev, "remote absent (%d); retrying on first use\n",
			 ret);
	else
		dev_info(dev, "remote v%u, window %u bytes, payload %u%s\n",
			 bus->proto_version, bus->window_size,
			 bus->xs.max_payload,
			 bus->multi ? "" : ", per-line data writes");

	ret = pbus_master_irq(bus);
	if (ret)
		goto err_put;

	ret = pbus_cdev_add(bus);
	if (ret)
		goto err_irq;

	pbus_debugfs_add(bus);
	platform_set_drvdata(pdev, bus);

	mutex_lock(&pbus_list_lock);
	list_add_tail(&bus->node, &pbus_list);
	mutex_unlock(&pbus_list_lock);
	return 0;

err_irq:
	if (bus->irq)
		free_irq(bus->irq, bus);
err_put:
	kref_put(&bus->kref, pbus_release);
	return ret;
}

static void pbus_master_do_remove(struct platform_device *pdev)
{
	struct pbus *bus = platform_get_drvdata(pdev);

	/* No new pbus_get() users. */
	mutex_lock(&pbus_list_lock);
	list_del_init(&bus->node);
	mutex_unlock(&pbus_list_lock);

	/* Wait for a transfer in flight; the lines go away after us. */
	pbus_lock(bus, false);
	WRITE_ONCE(bus->dead, true);
	bus->xs.link_up = false;
	/* Gone for good: leave the data lines to whoever binds next. */
	if (bus->data_out && pbus_data_dir(bus, false))
		dev_warn(bus->dev, "cannot release the data lines\n");
	pbus_unlock(bus);

	/* Waits for pbus_request_irq() and a running handler. */
	mutex_lock(&bus->irq_lock);
	bus->irq_handler = NULL;
	pbus_irq_update_locked(bus);
	mutex_unlock(&bus->irq_lock);
	/* dead: the backoff's end leaves the IRQ disabled */
	cancel_delayed_work_sync(&bus->irq_backoff_work);
	if (bus->irq)
		free_irq(bus->irq, bus);

	debugfs_remove_recursive(bus->dbg);
	pbus_cdev_del(bus);
	kref_put(&bus->kref, pbus_release);
}

PBUS_PLATFORM_REMOVE(pbus_master_remove, pbus_master_do_remove)

static const struct of_device_id pbus_master_of_match[] = {
	{ .compatible = "pbus,gpio-master" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_master_of_match);

struct platform_driver pbus_master_driver = {
	.probe = pbus_master_probe,
	.remove = pbus_master_remove,
	.driver = {
		.name = "pbus-master",
		.of_match_table = pbus_master_of_match,
	},
};
