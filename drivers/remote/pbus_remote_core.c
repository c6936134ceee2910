// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_remote: a remote processor served over the slave end of a pbus.
 *
 * The remote side of the remoteproc feature: a second Linux system (or
 * the same QEMU guest in tests) behaves like a remote core, the way the
 * kernel's samples simulate one with threads. It serves the control block
 * of include/linux/pbus-remote.h in the slave's user register range; the
 * host's remoteproc driver writes firmware into the window and drives the
 * registers.
 *
 * State machine (PBUS_RP_STATUS):
 *   OFFLINE --CONTROL=START--> BOOTING --valid image--> RUNNING
 *                                     --refused------> ERROR
 *   RUNNING --debugfs crash--> CRASHED
 *   any     --CONTROL=STOP--> OFFLINE (error and crash cause kept)
 *   any     --RESET line----> OFFLINE (error, crash cause, heartbeat
 *                                      cleared; BOOT/RSC/CRC registers
 *                                      kept: the host sets them)
 *   any     --CONTROL=START--> BOOTING (services stopped first: restart)
 * READY is raised when a boot ends (RUNNING or ERROR), CRASH on a crash.
 *
 * Contexts: the slave's hooks (register access, RESET) run in hard IRQ
 * context with the slave's raw spinlock held. They only read or update
 * the registers under @lock (a raw spinlock nested inside the slave's)
 * and queue work. Everything else (validation, services, CRC) runs in
 * process context. Lock order: slave lock -> @lock -> workqueue pool
 * lock; therefore nothing calls into the slave (window access, raise
 * IRQ) with @lock held. @mutex serialises state transitions: the control
 * worker, the debugfs fault injectors and removal.
 *
 * Commands are not queued: CONTROL and RESET record the latest command
 * and bump a generation; the worker runs the latest one and publishes its
 * outcome only if no newer command arrived meanwhile, so a host polling
 * STATUS never sees a stale result.
 *
 * The "firmware" runs as two kernel threads while RUNNING: a heartbeat
 * that increments PBUS_RP_HEARTBEAT every hb_period_ms, and a trace
 * writer that keeps text lines (a boot banner with the image's version,
 * then one line every trace_period_ms) in the RSC_TRACE buffer of the
 * resource table, written into the window so that the host reads it over
 * the bus. The buffer always holds whole lines and a terminating NUL; the
 * oldest lines are dropped when it is full.
 *
 * Registers from PBUS_RP_REGS_END on are the rpmsg mailboxes, served by
 * pbus_remote_rpmsg.c together with the rpmsg services, which run while
 * RUNNING (and not hung); START, STOP, RESET and a crash reset the rings.
 *
 * debugfs, /sys/kernel/debug/pbus-remote/<device>/:
 *   state  (r) one word: offline, booting, running, crashed, error
 *   mbox   (r) rpmsg mailboxes: registers and counters
 *   info   (r) registers and image details, "key: value" lines
 *   crash  (w) crash now: CRASHED, cause FATAL ("watchdog" written:
 *              WATCHDOG), IRQ CRASH, services stopped; -EINVAL unless
 *              running
 *   hang   (w) services stall, heartbeat stops, nothing reported;
 *              -EINVAL unless running
 *   reset  (w) as if the RESET line toggled; returns once OFFLINE
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-regs.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <pbus_compat.h>

#include "pbus_remote.h"

#define PBUS_RP_CRC_CHUNK	SZ_4K
#define PBUS_RP_LINE_LEN	128

static unsigned int hb_period_ms = 100;
module_param(hb_period_ms, uint, 0644);
MODULE_PARM_DESC(hb_period_ms,
		 "heartbeat period in ms, 10..10000, taken at boot (default 100)");

static unsigned int trace_period_ms = 1000;
module_param(trace_period_ms, uint, 0644);
MODULE_PARM_DESC(trace_period_ms,
		 "period of the trace lines in ms, 10..60000, taken at boot (default 1000)");

enum pbus_rp_cmd {
	PBUS_RP_CMD_NONE,
	PBUS_RP_CMD_START,
	PBUS_RP_CMD_STOP,
	PBUS_RP_CMD_RESET,
};

/**
 * struct pbus_remote - one remote processor
 * @dev: our platform device
 * @slave: the slave end serving our registers and window
 * @window_size: bytes in the slave's window
 * @lock: protects the fields down to @hung; taken in the hooks
 * @dying: set on removal: hooks queue no more work
 * @status: PBUS_RP_STATUS
 * @error: PBUS_RP_ERROR
 * @crash_cause: PBUS_RP_CRASH_CAUSE
 * @heartbeat: PBUS_RP_HEARTBEAT
 * @hb_period_ms: PBUS_RP_HB_PERIOD_MS
 * @boot_addr: PBUS_RP_BOOT_ADDR
 * @rsc_addr: PBUS_RP_RSC_ADDR
 * @rsc_size: PBUS_RP_RSC_SIZE
 * @crc_addr: PBUS_RP_CRC_ADDR
 * @crc_len: PBUS_RP_CRC_LEN
 * @crc_result: PBUS_RP_CRC_RESULT
 * @crc_status: PBUS_RP_CRC_STATUS
 * @crc_gen: bumped by every CRC_LEN write
 * @doorbell: last value written to PBUS_RP_DOORBELL
 * @doorbells: number of DOORBELL writes
 * @cmd: latest control command not yet taken by the worker
 * @cmd_gen: bumped by every control command
 * @hung: services stall (debugfs hang)
 * @ctrl_work: runs @cmd
 * @crc_work: computes the CRC
 * @crc_buf: PBUS_RP_CRC_CHUNK bytes, used by @crc_work only
 * @mutex: serialises state transitions and the fields below
 * @hb_task: heartbeat thread while running
 * @trace_task: trace writer thread while running
 * @fw: what validation found in the image last booted
 * @trace_period_ms: trace line period of this boot
 * @trace: shadow of the trace buffer (@fw.trace_len bytes); owned by
 *	@trace_task while it runs
 * @trace_used: bytes of text in @trace
 * @boot_time: when the services started
 * @boots: successful boots
 * @refusals: refused boots
 * @debugfs: our debugfs directory
 * @rpmsg: rpmsg mailboxes and services (pbus_remote_rpmsg.c)
 */
struct pbus_remote {
	struct device *dev;
	struct pbus_slave *slave;
	u32 window_size;

	raw_spinlock_t lock;
	bool dying;
	u32 status;
	u32 error;
	u32 crash_cause;
	u32 heartbeat;
	u32 hb_period_ms;
	u32 boot_addr;
	u32 rsc_addr;
	u32 rsc_size;
	u32 crc_addr;
	u32 crc_len;
	u32 crc_result;
	u32 crc_status;
	u32 crc_gen;
	u32 doorbell;
	u32 doorbells;
	enum pbus_rp_cmd cmd;
	u32 cmd_gen;
	bool hung;

	struct work_struct ctrl_work;
	struct work_struct crc_work;
	u8 *crc_buf;

	struct mutex mutex;	/* state transitions: see the kernel-doc */
	struct task_struct *hb_task;
	struct task_struct *trace_task;
	struct pbus_rp_fw_info fw;
	unsigned int trace_period_ms;
	char *trace;
	size_t trace_used;
	ktime_t boot_time;
	u32 boots;
	u32 refusals;

	struct dentry *debugfs;
	struct pbus_rp_rpmsg *rpmsg;
};

static struct dentry *pbus_rp_debugfs_root;

static const char * const pbus_rp_state_names[] = {
	[PBUS_RP_STATE_OFFLINE] = "offline",
	[PBUS_RP_STATE_BOOTING] = "booting",
	[PBUS_RP_STATE_RUNNING] = "running",
	[PBUS_RP_STATE_CRASHED] = "crashed",
	[PBUS_RP_STATE_ERROR] = "error",
};

static const char *pbus_rp_state_name(u32 status)
{
	if (status < ARRAY_SIZE(pbus_rp_state_names))
		return pbus_rp_state_names[status];
	return "unknown";
}

/* ---------------------------------------------------------------------------
 * Register hooks: hard IRQ context, slave lock held.
 */

static void pbus_rp_command_locked(struct pbus_remote *rp,
				   enum pbus_rp_cmd cmd)
{
	lockdep_assert_held(&rp->lock);
	rp->cmd = cmd;
	rp->cmd_gen++;
	/* The host may write HOST_READY from now on: reset before. */
	pbus_rp_mbox_reset(rp->rpmsg);
	if (cmd == PBUS_RP_CMD_START) {
		rp->status = PBUS_RP_STATE_BOOTING;
		rp->error = PBUS_RP_ERR_NONE;
		rp->crash_cause = PBUS_RP_CRASH_NONE;
	}
	if (!rp->dying)
		schedule_work(&rp->ctrl_work);
}

static int pbus_rp_reg_read(void *priv, u32 off, u32 *val)
{
	struct pbus_remote *rp = priv;
	unsigned long flags;
	int ret = 0;

	/* From PBUS_RP_REGS_END on: the rpmsg mailboxes. */
	if (off >= PBUS_RP_REGS_END)
		return pbus_rp_mbox_reg_read(rp->rpmsg, off, val);
	if (off % 4)
		return -EINVAL;

	raw_spin_lock_irqsave(&rp->lock, flags);
	switch (off) {
	case PBUS_RP_ID:
		*val = PBUS_RP_MAGIC;
		break;
	case PBUS_RP_CONTROL:
	case PBUS_RP_DOORBELL:
		*val = 0;	/* write-only */
		break;
	case PBUS_RP_STATUS:
		*val = rp->status;
		break;
	case PBUS_RP_BOOT_ADDR:
		*val = rp->boot_addr;
		break;
	case PBUS_RP_RSC_ADDR:
		*val = rp->rsc_addr;
		break;
	case PBUS_RP_RSC_SIZE:
		*val = rp->rsc_size;
		break;
	case PBUS_RP_HEARTBEAT:
		*val = rp->heartbeat;
		break;
	case PBUS_RP_ERROR:
		*val = rp->error;
		break;
	case PBUS_RP_CRC_ADDR:
		*val = rp->crc_addr;
		break;
	case PBUS_RP_CRC_LEN:
		*val = rp->crc_len;
		break;
	case PBUS_RP_CRC_RESULT:
		*val = rp->crc_status == PBUS_RP_CRC_DONE ? rp->crc_result : 0;
		break;
	case PBUS_RP_HB_PERIOD_MS:
		*val = rp->hb_period_ms;
		break;
	case PBUS_RP_CRASH_CAUSE:
		*val = rp->crash_cause;
		break;
	case PBUS_RP_CRC_STATUS:
		*val = rp->crc_status;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return ret;
}

static int pbus_rp_reg_write(void *priv, u32 off, u32 val)
{
	struct pbus_remote *rp = priv;
	unsigned long flags;
	int ret = 0;

	if (off >= PBUS_RP_REGS_END)
		return pbus_rp_mbox_reg_write(rp->rpmsg, off, val);
	if (off % 4)
		return -EINVAL;

	raw_spin_lock_irqsave(&rp->lock, flags);
	switch (off) {
	case PBUS_RP_CONTROL:
		if (val == PBUS_RP_CTRL_START)
			pbus_rp_command_locked(rp, PBUS_RP_CMD_START);
		else if (val == PBUS_RP_CTRL_STOP)
			pbus_rp_command_locked(rp, PBUS_RP_CMD_STOP);
		else
			ret = -EINVAL;
		break;
	case PBUS_RP_BOOT_ADDR:
		rp->boot_addr = val;
		break;
	case PBUS_RP_RSC_ADDR:
		rp->rsc_addr = val;
		break;
	case PBUS_RP_RSC_SIZE:
		rp->rsc_size = val;
		break;
	case PBUS_RP_CRC_ADDR:
		rp->crc_addr = val;
		break;
	case PBUS_RP_CRC_LEN:
		rp->crc_len = val;
		rp->crc_result = 0;
		rp->crc_status = PBUS_RP_CRC_BUSY;
		rp->crc_gen++;
		if (!rp->dying)
			schedule_work(&rp->crc_work);
		break;
	case PBUS_RP_DOORBELL:
		/* Kicks are for the rpmsg transport; only counted for now. */
		rp->doorbell = val;
		rp->doorbells++;
		break;
	case PBUS_RP_ID:
	case PBUS_RP_STATUS:
	case PBUS_RP_HEARTBEAT:
	case PBUS_RP_ERROR:
	case PBUS_RP_CRC_RESULT:
	case PBUS_RP_HB_PERIOD_MS:
	case PBUS_RP_CRASH_CAUSE:
	case PBUS_RP_CRC_STATUS:
		ret = -EPERM;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return ret;
}

static void pbus_rp_reset(void *priv)
{
	struct pbus_remote *rp = priv;
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	pbus_rp_command_locked(rp, PBUS_RP_CMD_RESET);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

static const struct pbus_slave_ops pbus_rp_slave_ops = {
	.reg_read = pbus_rp_reg_read,
	.reg_write = pbus_rp_reg_write,
	.reset = pbus_rp_reset,
};

/* ---------------------------------------------------------------------------
 * The firmware's services: kernel threads, process context.
 */

/*
 * Sleep @ms unless asked to stop. Return: false when the thread must
 * stop.
 */
static bool pbus_rp_sleep(unsigned int ms)
{
	set_current_state(TASK_INTERRUPTIBLE);
	if (kthread_should_stop()) {
		__set_current_state(TASK_RUNNING);
		return false;
	}
	schedule_timeout(msecs_to_jiffies(ms));
	return !kthread_should_stop();
}

static bool pbus_rp_hung(struct pbus_remote *rp)
{
	unsigned long flags;
	bool hung;

	raw_spin_lock_irqsave(&rp->lock, flags);
	hung = rp->hung;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return hung;
}

/**
 * pbus_rp_services_live() - may the services work now?
 * @rp: the remote
 *
 * Return: true while RUNNING and not hung.
 */
bool pbus_rp_services_live(struct pbus_remote *rp)
{
	unsigned long flags;
	bool live;

	raw_spin_lock_irqsave(&rp->lock, flags);
	live = rp->status == PBUS_RP_STATE_RUNNING && !rp->hung;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return live;
}

static int pbus_rp_heartbeat_fn(void *data)
{
	struct pbus_remote *rp = data;
	unsigned long flags;
	unsigned int period;

	raw_spin_lock_irqsave(&rp->lock, flags);
	period = rp->hb_period_ms;
	raw_spin_unlock_irqrestore(&rp->lock, flags);

	while (pbus_rp_sleep(period)) {
		raw_spin_lock_irqsave(&rp->lock, flags);
		if (!rp->hung)
			rp->heartbeat++;
		raw_spin_unlock_irqrestore(&rp->lock, flags);
	}
	return 0;
}

/*
 * Append @line to the trace buffer and write the changed part into the
 * window. Only the trace thread, or the state owner once that thread
 * stopped, calls this.
 */
static void pbus_rp_trace_append(struct pbus_remote *rp, const char *line)
{
	size_t cap, n, cut, from;
	char *t = rp->trace;

	if (!t)
		return;
	cap = rp->fw.trace_len - 1;	/* room for the NUL */
	n = min(strlen(line), cap);
	if (rp->trace_used + n > cap) {
		/* Drop the oldest whole lines to make room. */
		cut = rp->trace_used + n - cap;
		while (cut < rp->trace_used && t[cut - 1] != '\n')
			cut++;
		memmove(t, t + cut, rp->trace_used - cut);
		rp->trace_used -= cut;
		from = 0;
	} else {
		from = rp->trace_used;
	}
	memcpy(t + rp->trace_used, line, n);
	rp->trace_used += n;
	t[rp->trace_used] = '\0';
	/* Inside the window: checked by the validation. */
	pbus_slave_window_write(rp->slave, rp->fw.trace_da + from, t + from,
				rp->trace_used + 1 - from);
}

static __printf(2, 3) void pbus_rp_trace_printf(struct pbus_remote *rp,
						const char *fmt, ...)
{
	char line[PBUS_RP_LINE_LEN];
	u32 rem;
	u64 sec;
	size_t n;
	va_list ap;

	sec = div_u64_rem(ktime_ms_delta(ktime_get(), rp->boot_time), 1000,
			  &rem);
	n = scnprintf(line, sizeof(line), "[%5llu.%03u] ", sec, rem);
	va_start(ap, fmt);
	vscnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	pbus_rp_trace_append(rp, line);
}

static int pbus_rp_trace_fn(void *data)
{
	struct pbus_remote *rp = data;
	unsigned long flags;
	u32 hb;

	pbus_rp_trace_printf(rp,
			     "pbus-remote: firmware '%s' booted, entry %#x, %u segments, %u resources\n",
			     rp->fw.version[0] ? rp->fw.version : "unknown",
			     rp->fw.entry, rp->fw.nr_load, rp->fw.nr_rsc);

	while (pbus_rp_sleep(rp->trace_period_ms)) {
		if (pbus_rp_hung(rp))
			continue;
		raw_spin_lock_irqsave(&rp->lock, flags);
		hb = rp->heartbeat;
		raw_spin_unlock_irqrestore(&rp->lock, flags);
		pbus_rp_trace_printf(rp, "pbus-remote: alive, heartbeat %u\n",
				     hb);
	}
	return 0;
}

/* Stop the services; @last, if any, is a final trace line. */
static void pbus_rp_stop_services(struct pbus_remote *rp, const char *last)
{
	lockdep_assert_held(&rp->mutex);

	pbus_rp_rpmsg_stop(rp->rpmsg);
	if (rp->hb_task) {
		kthread_stop(rp->hb_task);
		rp->hb_task = NULL;
	}
	if (rp->trace_task) {
		kthread_stop(rp->trace_task);
		rp->trace_task = NULL;
	}
	if (last)
		pbus_rp_trace_printf(rp, "%s", last);
	kfree(rp->trace);
	rp->trace = NULL;
	rp->trace_used = 0;
}

static u32 pbus_rp_start_services(struct pbus_remote *rp)
{
	struct task_struct *task;
	unsigned long flags;
	int ret;

	lockdep_assert_held(&rp->mutex);

	raw_spin_lock_irqsave(&rp->lock, flags);
	rp->hung = false;
	rp->heartbeat = 0;
	rp->hb_period_ms = clamp(READ_ONCE(hb_period_ms), 10U, 10000U);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	rp->trace_period_ms = clamp(READ_ONCE(trace_period_ms), 10U, 60000U);
	rp->boot_time = ktime_get();

	if (rp->fw.trace_len) {
		rp->trace = kzalloc(rp->fw.trace_len, GFP_KERNEL);
		if (!rp->trace)
			goto nomem;
		/* Empty string until the banner: stale text must not show. */
		pbus_slave_window_write(rp->slave, rp->fw.trace_da, "", 1);
	}

	task = kthread_run(pbus_rp_heartbeat_fn, rp, "pbus-rp-hb");
	if (IS_ERR(task))
		goto nothread;
	rp->hb_task = task;
	if (rp->trace) {
		task = kthread_run(pbus_rp_trace_fn, rp, "pbus-rp-trace");
		if (IS_ERR(task))
			goto nothread;
		rp->trace_task = task;
	}
	ret = pbus_rp_rpmsg_start(rp->rpmsg);
	if (ret) {
		pbus_rp_stop_services(rp, NULL);
		snprintf(rp->fw.why, sizeof(rp->fw.why),
			 "cannot start the rpmsg services (%d)", ret);
		return PBUS_RP_ERR_INTERNAL;
	}
	return PBUS_RP_ERR_NONE;

nothread:
	pbus_rp_stop_services(rp, NULL);
	snprintf(rp->fw.why, sizeof(rp->fw.why), "cannot start threads (%ld)",
		 PTR_ERR(task));
	return PBUS_RP_ERR_INTERNAL;
nomem:
	strscpy(rp->fw.why, "no memory for the trace buffer",
		sizeof(rp->fw.why));
	return PBUS_RP_ERR_INTERNAL;
}

/* ---------------------------------------------------------------------------
 * Control worker.
 */

static void pbus_rp_boot(struct pbus_remote *rp, u32 gen,
			 const struct pbus_rp_fw_req *req)
{
	unsigned long flags;
	bool current_cmd;
	u32 err;

	err = pbus_remote_fw_validate(rp->slave, req, &rp->fw);
	if (!err)
		err = pbus_rp_start_services(rp);

	raw_spin_lock_irqsave(&rp->lock, flags);
	current_cmd = rp->cmd_gen == gen;
	if (current_cmd) {
		rp->status = err ? PBUS_RP_STATE_ERROR : PBUS_RP_STATE_RUNNING;
		rp->error = err;
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);

	if (err) {
		rp->refusals++;
		dev_warn(rp->dev, "firmware refused (error %u): %s\n", err,
			 rp->fw.why);
	} else {
		rp->boots++;
		dev_info(rp->dev, "running firmware '%s', entry %#x\n",
			 rp->fw.version[0] ? rp->fw.version : "unknown",
			 rp->fw.entry);
	}
	/* A newer command is pending: the worker runs again for it. */
	if (current_cmd) {
		pbus_slave_raise_irq(rp->slave, PBUS_RP_IRQ_READY);
		/* RUNNING now: the rpmsg thread may go on. */
		pbus_rp_rpmsg_kick(rp->rpmsg);
	}
}

static void pbus_rp_ctrl_work(struct work_struct *work)
{
	struct pbus_remote *rp = container_of(work, struct pbus_remote,
					      ctrl_work);
	struct pbus_rp_fw_req req;
	enum pbus_rp_cmd cmd;
	unsigned long flags;
	u32 gen;

	mutex_lock(&rp->mutex);
	raw_spin_lock_irqsave(&rp->lock, flags);
	cmd = rp->cmd;
	gen = rp->cmd_gen;
	rp->cmd = PBUS_RP_CMD_NONE;
	req.window_size = rp->window_size;
	req.image_limit = pbus_rp_rpmsg_image_limit(rp->rpmsg);
	req.boot_addr = rp->boot_addr;
	req.rsc_addr = rp->rsc_addr;
	req.rsc_size = rp->rsc_size;
	raw_spin_unlock_irqrestore(&rp->lock, flags);

	if (cmd == PBUS_RP_CMD_NONE)
		goto out;

	pbus_rp_stop_services(rp, cmd == PBUS_RP_CMD_START ? NULL :
			      "pbus-remote: stopped\n");
	if (cmd == PBUS_RP_CMD_START) {
		pbus_rp_boot(rp, gen, &req);
		goto out;
	}

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (rp->cmd_gen == gen) {
		rp->status = PBUS_RP_STATE_OFFLINE;
		if (cmd == PBUS_RP_CMD_RESET) {
			rp->error = PBUS_RP_ERR_NONE;
			rp->crash_cause = PBUS_RP_CRASH_NONE;
			rp->heartbeat = 0;
		}
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	dev_dbg(rp->dev, "offline (%s)\n",
		cmd == PBUS_RP_CMD_RESET ? "reset" : "stop");
out:
	mutex_unlock(&rp->mutex);
}

/* ---------------------------------------------------------------------------
 * CRC of a window range: crc32_le(~0, range) ^ ~0, in the background.
 */

static bool pbus_rp_crc_current(struct pbus_remote *rp, u32 gen)
{
	unsigned long flags;
	bool cur;

	raw_spin_lock_irqsave(&rp->lock, flags);
	cur = rp->crc_gen == gen;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return cur;
}

static void pbus_rp_crc_work(struct work_struct *work)
{
	struct pbus_remote *rp = container_of(work, struct pbus_remote,
					      crc_work);
	u32 addr, len, gen, n, status = PBUS_RP_CRC_DONE, crc = ~0U;
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	addr = rp->crc_addr;
	len = rp->crc_len;
	gen = rp->crc_gen;
	raw_spin_unlock_irqrestore(&rp->lock, flags);

	if ((u64)addr + len > rp->window_size) {
		status = PBUS_RP_CRC_RANGE;
		len = 0;
	}
	while (len) {
		n = min_t(u32, len, PBUS_RP_CRC_CHUNK);
		if (pbus_slave_window_read(rp->slave, addr, rp->crc_buf, n)) {
			status = PBUS_RP_CRC_RANGE;
			break;
		}
		crc = crc32_le(crc, rp->crc_buf, n);
		addr += n;
		len -= n;
		/* Superseded: the work has been queued again. */
		if (!pbus_rp_crc_current(rp, gen))
			return;
		cond_resched();
	}

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (rp->crc_gen == gen) {
		rp->crc_status = status;
		rp->crc_result = status == PBUS_RP_CRC_DONE ? ~crc : 0;
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

/* ---------------------------------------------------------------------------
 * debugfs
 */

static int pbus_rp_state_show(struct seq_file *m, void *unused)
{
	struct pbus_remote *rp = m->private;
	unsigned long flags;
	u32 status;

	raw_spin_lock_irqsave(&rp->lock, flags);
	status = rp->status;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	seq_printf(m, "%s\n", pbus_rp_state_name(status));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rp_state);

static int pbus_rp_info_show(struct seq_file *m, void *unused)
{
	struct pbus_remote *rp = m->private;
	u32 status, error, crash, hb, period, boot, rsc_addr, rsc_size;
	u32 crc_status, crc_result, doorbells;
	unsigned long flags;
	bool hung;

	raw_spin_lock_irqsave(&rp->lock, flags);
	status = rp->status;
	error = rp->error;
	crash = rp->crash_cause;
	hb = rp->heartbeat;
	period = rp->hb_period_ms;
	boot = rp->boot_addr;
	rsc_addr = rp->rsc_addr;
	rsc_size = rp->rsc_size;
	crc_status = rp->crc_status;
	crc_result = rp->crc_result;
	doorbells = rp->doorbells;
	hung = rp->hung;
	raw_spin_unlock_irqrestore(&rp->lock, flags);

	seq_printf(m, "state: %s\n", pbus_rp_state_name(status));
	seq_printf(m, "error: %u\n", error);
	seq_printf(m, "crash_cause: %u\n", crash);
	seq_printf(m, "heartbeat: %u\n", hb);
	seq_printf(m, "hb_period_ms: %u\n", period);
	seq_printf(m, "hung: %d\n", hung);
	seq_printf(m, "boot_addr: %#x\n", boot);
	seq_printf(m, "rsc: %#x %u\n", rsc_addr, rsc_size);
	seq_printf(m, "crc: status %u result %#010x\n", crc_status, crc_result);
	seq_printf(m, "doorbells: %u\n", doorbells);
	seq_printf(m, "window_size: %#x\n", rp->window_size);

	mutex_lock(&rp->mutex);
	seq_printf(m, "boots: %u\nrefusals: %u\n", rp->boots, rp->refusals);
	seq_printf(m, "version: %s\n", rp->fw.version);
	seq_printf(m, "entry: %#x\n", rp->fw.entry);
	seq_printf(m, "trace: %#x %u\n", rp->fw.trace_da, rp->fw.trace_len);
	seq_printf(m, "last_refusal: %s\n", rp->fw.why);
	mutex_unlock(&rp->mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rp_info);

static ssize_t pbus_rp_crash_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct pbus_remote *rp = file->private_data;
	u32 cause = PBUS_RP_CRASH_FATAL;
	unsigned long flags;
	char buf[16] = "";
	bool crashed;

	if (copy_from_user(buf, ubuf, min(count, sizeof(buf) - 1)))
		return -EFAULT;
	if (sysfs_streq(buf, "watchdog"))
		cause = PBUS_RP_CRASH_WATCHDOG;

	mutex_lock(&rp->mutex);
	raw_spin_lock_irqsave(&rp->lock, flags);
	crashed = rp->status == PBUS_RP_STATE_RUNNING;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	if (!crashed) {
		mutex_unlock(&rp->mutex);
		return -EINVAL;
	}

	pbus_rp_stop_services(rp, cause == PBUS_RP_CRASH_WATCHDOG ?
			      "pbus-remote: FATAL: watchdog expired\n" :
			      "pbus-remote: FATAL: crashed\n");

	/* A START or RESET may have come in meanwhile: it wins. */
	raw_spin_lock_irqsave(&rp->lock, flags);
	crashed = rp->status == PBUS_RP_STATE_RUNNING;
	if (crashed) {
		rp->status = PBUS_RP_STATE_CRASHED;
		rp->crash_cause = cause;
		pbus_rp_mbox_reset(rp->rpmsg);
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	mutex_unlock(&rp->mutex);

	if (crashed) {
		dev_warn(rp->dev, "crashed on request (cause %u)\n", cause);
		pbus_slave_raise_irq(rp->slave, PBUS_RP_IRQ_CRASH);
	}
	return count;
}

static const struct file_operations pbus_rp_crash_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_rp_crash_write,
};

static ssize_t pbus_rp_hang_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct pbus_remote *rp = file->private_data;
	unsigned long flags;
	bool running;

	raw_spin_lock_irqsave(&rp->lock, flags);
	running = rp->status == PBUS_RP_STATE_RUNNING;
	if (running)
		rp->hung = true;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	if (!running)
		return -EINVAL;
	dev_info(rp->dev, "services hung on request\n");
	return count;
}

static const struct file_operations pbus_rp_hang_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_rp_hang_write,
};

static ssize_t pbus_rp_reset_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct pbus_remote *rp = file->private_data;
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	pbus_rp_command_locked(rp, PBUS_RP_CMD_RESET);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	flush_work(&rp->ctrl_work);
	return count;
}

static const struct file_operations pbus_rp_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_rp_reset_write,
};

static void pbus_rp_debugfs_init(struct pbus_remote *rp)
{
	struct dentry *d;

	d = debugfs_create_dir(dev_name(rp->dev), pbus_rp_debugfs_root);
	rp->debugfs = d;
	debugfs_create_file("state", 0444, d, rp, &pbus_rp_state_fops);
	debugfs_create_file("info", 0444, d, rp, &pbus_rp_info_fops);
	debugfs_create_file("crash", 0200, d, rp, &pbus_rp_crash_fops);
	debugfs_create_file("hang", 0200, d, rp, &pbus_rp_hang_fops);
	debugfs_create_file("reset", 0200, d, rp, &pbus_rp_reset_fops);
	pbus_rp_rpmsg_debugfs(rp->rpmsg, d);
}

/* ---------------------------------------------------------------------------
 * Platform driver
 */

static void pbus_rp_put_slave(void *slave)
{
	pbus_slave_put(slave);
}

static int pbus_rp_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct pbus_remote *rp;
	size_t size;
	int ret;

	rp = devm_kzalloc(dev, sizeof(*rp), GFP_KERNEL);
	if (!rp)
		return -ENOMEM;
	rp->dev = dev;

	rp->slave = pbus_slave_get(dev, "pbus-slave");
	if (IS_ERR(rp->slave))
		return dev_err_probe(dev, PTR_ERR(rp->slave),
				     "cannot get the pbus slave\n");
	ret = devm_add_action_or_reset(dev, pbus_rp_put_slave, rp->slave);
	if (ret)
		return ret;

	size = pbus_slave_window_size(rp->slave);
	if (!size || size > PBUS_REG_BASE)
		return dev_err_probe(dev, -ENODEV, "bad window size %zu\n",
				     size);
	rp->window_size = size;

	rp->crc_buf = devm_kmalloc(dev, PBUS_RP_CRC_CHUNK, GFP_KERNEL);
	if (!rp->crc_buf)
		return -ENOMEM;

	rp->rpmsg = pbus_rp_rpmsg_probe(rp, dev, rp->slave, rp->window_size);
	if (IS_ERR(rp->rpmsg))
		return dev_err_probe(dev, PTR_ERR(rp->rpmsg),
				     "cannot set up the rpmsg mailboxes\n");

	raw_spin_lock_init(&rp->lock);
	mutex_init(&rp->mutex);
	INIT_WORK(&rp->ctrl_work, pbus_rp_ctrl_work);
	INIT_WORK(&rp->crc_work, pbus_rp_crc_work);
	rp->status = PBUS_RP_STATE_OFFLINE;
	rp->hb_period_ms = clamp(READ_ONCE(hb_period_ms), 10U, 10000U);
	platform_set_drvdata(pdev, rp);

	ret = pbus_slave_set_ops(rp->slave, &pbus_rp_slave_ops, rp);
	if (ret) {
		pbus_rp_rpmsg_remove(rp->rpmsg);
		mutex_destroy(&rp->mutex);
		return dev_err_probe(dev, ret, "cannot serve the pbus slave\n");
	}

	pbus_rp_debugfs_init(rp);
	dev_info(dev, "remote processor on a %u KiB window\n",
		 rp->window_size / 1024);
	return 0;
}

static void pbus_rp_remove(struct platform_device *pdev)
{
	struct pbus_remote *rp = platform_get_drvdata(pdev);
	unsigned long flags;

	/* Waits for debugfs writers (which may flush the worker). */
	debugfs_remove_recursive(rp->debugfs);

	raw_spin_lock_irqsave(&rp->lock, flags);
	rp->dying = true;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	pbus_slave_clear_ops(rp->slave);
	cancel_work_sync(&rp->ctrl_work);
	cancel_work_sync(&rp->crc_work);

	mutex_lock(&rp->mutex);
	pbus_rp_stop_services(rp, NULL);
	mutex_unlock(&rp->mutex);
	pbus_rp_rpmsg_remove(rp->rpmsg);
	mutex_destroy(&rp->mutex);
}

PBUS_PLATFORM_REMOVE(pbus_rp_remove_cb, pbus_rp_remove)

static const struct of_device_id pbus_rp_of_match[] = {
	{ .compatible = "pbus,remote-processor" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_rp_of_match);

static struct platform_driver pbus_rp_driver = {
	.probe = pbus_rp_probe,
	.remove = pbus_rp_remove_cb,
	.driver = {
		.name = "pbus-remote",
		.of_match_table = pbus_rp_of_match,
	},
};

static int __init pbus_rp_init(void)
{
	int ret;

	pbus_rp_debugfs_root = debugfs_create_dir("pbus-remote", NULL);
	ret = platform_driver_register(&pbus_rp_driver);
	if (ret)
		debugfs_remove_recursive(pbus_rp_debugfs_root);
	return ret;
}
module_init(pbus_rp_init);

static void __exit pbus_rp_exit(void)
{
	platform_driver_unregister(&pbus_rp_driver);
	debugfs_remove_recursive(pbus_rp_debugfs_root);
}
module_exit(pbus_rp_exit);

MODULE_DESCRIPTION("pbus remote processor: serves a remoteproc control block over the pbus slave end");
MODULE_LICENSE("GPL");
