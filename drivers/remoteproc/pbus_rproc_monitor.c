// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: watching the running remote. Its IRQ line reports ready,
 * crash and vring events; a heartbeat monitor catches a remote that hangs
 * or a bus that died. Crashes go to remoteproc, which recovers the remote
 * (within the bounds of pbus_rproc_recovery.c).
 */

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/remoteproc.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rproc_internal.h"

/*
 * Crash reporting: only while running, once per boot, bounded against a
 * crash loop (pbus_rproc_recovery.c). Called from the IRQ handler
 * (thread) and the monitor; .stop clears @running first.
 */
static bool pbus_rproc_report(struct pbus_rproc *priv,
			      enum rproc_crash_type type)
{
	unsigned long flags;
	bool was;

	spin_lock_irqsave(&priv->lock, flags);
	was = priv->running;
	priv->running = false;
	if (was)
		pbus_rproc_crashed(priv, type);
	spin_unlock_irqrestore(&priv->lock, flags);

	return was;
}

void pbus_rproc_set_running(struct pbus_rproc *priv, bool running)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->lock, flags);
	priv->running = running;
	spin_unlock_irqrestore(&priv->lock, flags);
}

static void pbus_rproc_report_remote_crash(struct pbus_rproc *priv,
					   const char *how)
{
	enum rproc_crash_type type = RPROC_FATAL_ERROR;
	u32 cause = PBUS_RP_CRASH_NONE;

	if (!pbus_rproc_rd(priv, PBUS_RP_CRASH_CAUSE, &cause) &&
	    cause == PBUS_RP_CRASH_WATCHDOG)
		type = RPROC_WATCHDOG;

	if (pbus_rproc_report(priv, type))
		dev_err(priv->dev, "remote crashed (%s, cause %u)\n", how,
			cause);
}

void pbus_rproc_monitor(struct work_struct *work)
{
	struct pbus_rproc *priv = container_of(to_delayed_work(work),
					       struct pbus_rproc, monitor);
	unsigned long flags;
	u32 status, hb;
	int ret;

	ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
	if (!ret)
		ret = pbus_rproc_rd(priv, PBUS_RP_HEARTBEAT, &hb);
	if (ret) {
		if (++priv->bus_fails >= PBUS_RPROC_BUS_FAILS) {
			if (pbus_rproc_report(priv, RPROC_WATCHDOG))
				dev_err(priv->dev, "bus to the remote failed %u times (%d)\n",
					priv->bus_fails, ret);
			return;
		}
		goto rearm;
	}
	priv->bus_fails = 0;

	if (status == PBUS_RP_STATE_CRASHED) {
		pbus_rproc_report_remote_crash(priv, "seen by the monitor");
		return;
	}
	if (status != PBUS_RP_STATE_RUNNING) {
		if (pbus_rproc_report(priv, RPROC_FATAL_ERROR))
			dev_err(priv->dev, "remote left the running state (status %u)\n",
				status);
		return;
	}
	if (hb == priv->hb_last) {
		if (pbus_rproc_report(priv, RPROC_WATCHDOG))
			dev_err(priv->dev, "remote heartbeat stuck at %u for %u ms\n",
				hb, priv->hb_ms);
		return;
	}
	priv->hb_last = hb;

rearm:
	spin_lock_irqsave(&priv->lock, flags);
	if (priv->running)
		schedule_delayed_work(&priv->monitor,
				      msecs_to_jiffies(priv->hb_ms));
	spin_unlock_irqrestore(&priv->lock, flags);
}

/* IRQ line of the remote; thread context. */
void pbus_rproc_irq(struct pbus *bus, void *data)
{
	struct pbus_rproc *priv = data;
	u32 pending;

	if (pbus_read32(bus, PBUS_RPROC_IRQ_STATUS, &pending))
		return;	/* the monitor notices a dead bus */
	pending &= PBUS_RPROC_IRQ_MASK;
	if (!pending)
		return;
	if (pbus_write32(bus, PBUS_RPROC_IRQ_STATUS, pending))
		dev_dbg(priv->dev, "clearing IRQ status 0x%x failed\n", pending);

	if (pending & PBUS_RP_IRQ_READY)
		complete(&priv->ready);
	if (pending & PBUS_RP_IRQ_CRASH)
		pbus_rproc_report_remote_crash(priv, "IRQ");
	if (pending & PBUS_RP_IRQ_VRING)
		pbus_rproc_vring_irq(priv);
}
