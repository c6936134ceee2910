// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the crash loop. remoteproc recovers a crashed remote at
 * once (its crash handler stops the remote, reloads the firmware and
 * starts it), so a remote that crashes right after each start has the
 * host reload its firmware over the bus forever. Every crash this driver
 * sees goes through pbus_rproc_crashed(), which bounds the automatic
 * recoveries:
 *
 *  - backoff: the first crash within recovery_window_s is reported to
 *    remoteproc at once, as before; the k-th (k >= 2) only after
 *    recovery_delay_ms << (k - 2), at most PBUS_RPROC_BACKOFF_MAX_MS
 *    (delayed work, @recover_work). Meanwhile the remote stays as it
 *    crashed (its memory intact for the coredump) and remoteproc's state
 *    still reads "running": the report is what makes it "crashed";
 *  - bound: a crash after recovery_limit automatic recoveries within
 *    recovery_window_s is reported with rproc->recovery_disabled set,
 *    so remoteproc leaves the remote crashed; the log says so and how to
 *    restart it. "echo enabled" or "echo recover" to the remoteproc's
 *    sysfs recovery file, or "echo stop" then "echo start" to its state
 *    file, bring it back; the first start that is not an automatic
 *    recovery forgets the crashes seen so far and re-enables automatic
 *    recovery if the bound disabled it.
 *
 * A crash while recovery is disabled by the administrator is reported at
 * once and not counted: nothing automatic is bounded. Counters: debugfs
 * crash_loop in remoteproc's directory of the rproc.
 *
 * Locking: everything here is under @priv->lock (a spinlock: crashes are
 * reported from the IRQ thread and the monitor work), which is never held
 * around anything that takes rproc->lock; rproc_report_crash() only
 * queues remoteproc's crash handler. The delayed report is cancelled
 * synchronously by .stop (rproc->lock held: the work does not take it)
 * and before rproc_del() when the device goes away, so it never runs
 * against a stopped remote or a freed rproc.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/remoteproc.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "pbus_rproc_internal.h"

#define PBUS_RPROC_BACKOFF_MAX_MS	60000
#define PBUS_RPROC_WINDOW_MAX_S		3600

static unsigned int recovery_limit = 5;
module_param(recovery_limit, uint, 0644);
MODULE_PARM_DESC(recovery_limit,
		 "automatic recoveries of a crashed remote within recovery_window_s; a crash beyond them is not recovered; 0 = no bound, at most 32 (default 5)");

static unsigned int recovery_window_s = 60;
module_param(recovery_window_s, uint, 0644);
MODULE_PARM_DESC(recovery_window_s,
		 "window of recovery_limit and of the backoff, 1..3600 s (default 60)");

static unsigned int recovery_delay_ms = 1000;
module_param(recovery_delay_ms, uint, 0644);
MODULE_PARM_DESC(recovery_delay_ms,
		 "backoff: the 2nd crash within recovery_window_s is recovered after this, each further one after twice as long, at most 60 s; 0 = at once (default 1000)");

static unsigned int pbus_rproc_window_s(void)
{
	return clamp(READ_ONCE(recovery_window_s), 1U,
		     (unsigned int)PBUS_RPROC_WINDOW_MAX_S);
}

static unsigned long pbus_rproc_window(void)
{
	return pbus_rproc_window_s() * (unsigned long)HZ;
}

/* Automatic recoveries within the window before @now; under @priv->lock. */
static unsigned int pbus_rproc_recent(struct pbus_rproc *priv,
				      unsigned long now)
{
	unsigned long window = pbus_rproc_window();
	unsigned int i, n = 0;

	for (i = 0; i < priv->rec_n; i++)
		if (time_before(now, priv->rec_times[i] + window))
			n++;
	return n;
}

/* Backoff before the recovery that follows @recent automatic ones. */
static unsigned int pbus_rproc_backoff_ms(unsigned int recent)
{
	u64 ms = READ_ONCE(recovery_delay_ms);

	if (!recent || !ms)
		return 0;
	ms <<= min(recent - 1, 16U);
	return min_t(u64, ms, PBUS_RPROC_BACKOFF_MAX_MS);
}

/**
 * pbus_rproc_crashed() - report a crash to remoteproc, bounded
 * @priv: driver state, @priv->lock held
 * @type: what remoteproc is told
 *
 * Context: any (only queues work); called once per crash (the caller
 * cleared @priv->running).
 */
void pbus_rproc_crashed(struct pbus_rproc *priv, enum rproc_crash_type type)
{
	struct rproc *rproc = priv->rproc;
	unsigned long now = jiffies;
	unsigned int limit = min_t(unsigned int, READ_ONCE(recovery_limit),
				   PBUS_RPROC_REC_HIST);
	unsigned int recent, delay;

	lockdep_assert_held(&priv->lock);
	priv->crashes++;
	if (priv->dying || READ_ONCE(rproc->recovery_disabled)) {
		/* going away, or the administrator recovers: nothing to bound */
		rproc_report_crash(rproc, type);
		return;
	}

	recent = pbus_rproc_recent(priv, now);
	if (limit && recent >= limit) {
		priv->gave_up = true;
		priv->loops_stopped++;
		WRITE_ONCE(rproc->recovery_disabled, true);
		dev_err(&rproc->dev, "remote crashed again after %u automatic recoveries within %u s: automatic recovery stopped (pbus_rproc recovery_limit); restart it with 'echo enabled > /sys/class/remoteproc/%s/recovery'\n",
			recent, pbus_rproc_window_s(), dev_name(&rproc->dev));
		rproc_report_crash(rproc, type);
		return;
	}

	priv->rec_times[priv->rec_head] = now;
	priv->rec_head = (priv->rec_head + 1) % PBUS_RPROC_REC_HIST;
	if (priv->rec_n < PBUS_RPROC_REC_HIST)
		priv->rec_n++;
	priv->recovery_auto = true;

	delay = pbus_rproc_backoff_ms(recent);
	if (!delay) {
		rproc_report_crash(rproc, type);
		return;
	}
	priv->delayed++;
	priv->pending = true;
	priv->pending_type = type;
	priv->pending_until = now + msecs_to_jiffies(delay);
	dev_warn(&rproc->dev, "crash after %u automatic recoveries within %u s: recovery in %u ms\n",
		 recent, pbus_rproc_window_s(), delay);
	queue_delayed_work(system_wq, &priv->recover_work,
			   msecs_to_jiffies(delay));
}

static void pbus_rproc_recover_work(struct work_struct *work)
{
	struct pbus_rproc *priv = container_of(to_delayed_work(work),
					       struct pbus_rproc, recover_work);
	unsigned long flags;

	spin_lock_irqsave(&priv->lock, flags);
	if (priv->pending) {
		priv->pending = false;
		rproc_report_crash(priv->rproc, priv->pending_type);
	}
	spin_unlock_irqrestore(&priv->lock, flags);
}

/**
 * pbus_rproc_recovery_cancel() - the remote is stopped: no delayed report
 * @priv: driver state
 *
 * Context: process context, may sleep (rproc->lock may be held).
 * Return: true when a delayed report was pending: the remote had crashed.
 */
bool pbus_rproc_recovery_cancel(struct pbus_rproc *priv)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&priv->lock, flags);
	pending = priv->pending;
	priv->pending = false;
	spin_unlock_irqrestore(&priv->lock, flags);
	cancel_delayed_work_sync(&priv->recover_work);

	return pending;
}

/**
 * pbus_rproc_recovery_boot() - rproc_boot() prepares the remote
 * @priv: driver state
 *
 * remoteproc calls .prepare when it boots the remote, never in a
 * recovery: the start that follows is not an automatic recovery, even if
 * one was left unfinished (its firmware could not be loaded).
 */
void pbus_rproc_recovery_boot(struct pbus_rproc *priv)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->lock, flags);
	priv->recovery_auto = false;
	spin_unlock_irqrestore(&priv->lock, flags);
}

/**
 * pbus_rproc_recovery_started() - a start of the remote ended
 * @priv: driver state
 * @ok: the remote runs
 *
 * A start that is not an automatic recovery (a boot, or a recovery the
 * administrator asked for) forgets the crashes seen so far and
 * re-enables automatic recovery where the bound disabled it.
 */
void pbus_rproc_recovery_started(struct pbus_rproc *priv, bool ok)
{
	struct rproc *rproc = priv->rproc;
	unsigned long flags;
	bool rearmed = false;

	spin_lock_irqsave(&priv->lock, flags);
	if (ok && !priv->recovery_auto) {
		priv->rec_n = 0;
		if (priv->gave_up) {
			priv->gave_up = false;
			WRITE_ONCE(rproc->recovery_disabled, false);
			rearmed = true;
		}
	}
	priv->recovery_auto = false;
	spin_unlock_irqrestore(&priv->lock, flags);

	if (rearmed)
		dev_info(&rproc->dev, "restarted: automatic recovery enabled again\n");
}

/**
 * pbus_rproc_recovery_init() - set up the crash-loop state
 * @priv: driver state
 */
void pbus_rproc_recovery_init(struct pbus_rproc *priv)
{
	INIT_DELAYED_WORK(&priv->recover_work, pbus_rproc_recover_work);
}

/**
 * pbus_rproc_recovery_exit() - the device goes away: nothing delayed
 * @priv: driver state
 *
 * Before rproc_del(): a crash from now on is reported at once (remoteproc
 * ignores it while deleting), a pending report is not made. It stays
 * marked pending, so that the stop of rproc_del() halts the remote as the
 * crashed remote it is (pbus_rproc_recovery_cancel()).
 */
void pbus_rproc_recovery_exit(struct pbus_rproc *priv)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->lock, flags);
	priv->dying = true;
	spin_unlock_irqrestore(&priv->lock, flags);
	/* not queued again: pbus_rproc_crashed() sees @dying */
	cancel_delayed_work_sync(&priv->recover_work);
}

static int pbus_rproc_crash_loop_show(struct seq_file *m, void *unused)
{
	struct pbus_rproc *priv = m->private;
	unsigned long flags, left = 0;
	unsigned int recent;
	bool pending;

	spin_lock_irqsave(&priv->lock, flags);
	recent = pbus_rproc_recent(priv, jiffies);
	pending = priv->pending;
	if (pending && time_before(jiffies, priv->pending_until))
		left = priv->pending_until - jiffies;
	seq_printf(m, "recovery: %s\n",
		   priv->gave_up ? "stopped" :
		   READ_ONCE(priv->rproc->recovery_disabled) ? "disabled" :
		   pending ? "delayed" : "automatic");
	seq_printf(m, "crashes: %lu\n", priv->crashes);
	seq_printf(m, "recent: %u\n", recent);
	seq_printf(m, "delayed: %lu\n", priv->delayed);
	seq_printf(m, "pending_ms: %u\n", pending ? jiffies_to_msecs(left) : 0);
	seq_printf(m, "stopped: %lu\n", priv->loops_stopped);
	spin_unlock_irqrestore(&priv->lock, flags);
	seq_printf(m, "limit: %u\nwindow_s: %u\ndelay_ms: %u\n",
		   READ_ONCE(recovery_limit), READ_ONCE(recovery_window_s),
		   READ_ONCE(recovery_delay_ms));

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rproc_crash_loop);

/**
 * pbus_rproc_recovery_debugfs() - create crash_loop in remoteproc's directory
 * @priv: driver state, the rproc added (its directory exists)
 *
 * Removed with that directory by rproc_del().
 */
void pbus_rproc_recovery_debugfs(struct pbus_rproc *priv)
{
	struct dentry *dir = priv->rproc->dbg_dir;

	if (!IS_ERR_OR_NULL(dir))
		debugfs_create_file("crash_loop", 0444, dir, priv,
				    &pbus_rproc_crash_loop_fops);
}
