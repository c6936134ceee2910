// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the vring transport and the kicks. vrings and vdev buffers
 * live in host memory, which the remote cannot reach; the rpmsg transport
 * bridges them over the bus: it registers with
 * pbus_rproc_register_transport() and then gets the kicks and the remote's
 * vring IRQ. Without a transport a kick only rings the remote's doorbell.
 */

#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/remoteproc.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_rproc_internal.h"

/*
 * Instances and the vring transport (at most one). The mutex serialises
 * attach/detach against the start/stop hooks; the kick and IRQ paths only
 * look at @xport_ctx under the instance's @xport_lock.
 */
static LIST_HEAD(pbus_rproc_list);
static DEFINE_MUTEX(pbus_rproc_list_lock);
static const struct pbus_rproc_transport *pbus_rproc_xport;

/* The remote kicked a vring: tell the transport, if one is attached. */
void pbus_rproc_vring_irq(struct pbus_rproc *priv)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->xport_lock, flags);
	if (priv->xport_ctx)
		pbus_rproc_xport->vring_irq(priv->xport_ctx);
	else
		dev_dbg(priv->dev, "vring kick from the remote\n");
	spin_unlock_irqrestore(&priv->xport_lock, flags);
}

/* Start and stop hooks of the transport; remoteproc's lock held. */
void pbus_rproc_xport_start(struct pbus_rproc *priv)
{
	mutex_lock(&pbus_rproc_list_lock);
	if (priv->xport_ctx)
		pbus_rproc_xport->start(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);
}

void pbus_rproc_xport_stop(struct pbus_rproc *priv)
{
	mutex_lock(&pbus_rproc_list_lock);
	if (priv->xport_ctx)
		pbus_rproc_xport->stop(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);
}

/* Under pbus_rproc_list_lock. */
static void pbus_rproc_xport_attach(struct pbus_rproc *priv)
{
	unsigned long flags;
	bool running;
	void *ctx;

	ctx = pbus_rproc_xport->attach(priv->rproc, priv->bus);
	if (IS_ERR_OR_NULL(ctx)) {
		dev_warn(priv->dev, "vring transport not attached: %ld\n",
			 PTR_ERR(ctx));
		return;
	}
	spin_lock_irqsave(&priv->xport_lock, flags);
	priv->xport_ctx = ctx;
	spin_unlock_irqrestore(&priv->xport_lock, flags);

	spin_lock_irqsave(&priv->lock, flags);
	running = priv->running;
	spin_unlock_irqrestore(&priv->lock, flags);
	if (running)
		pbus_rproc_xport->start(ctx);
}

/* Under pbus_rproc_list_lock. */
static void pbus_rproc_xport_detach(struct pbus_rproc *priv)
{
	unsigned long flags;
	void *ctx = priv->xport_ctx;

	if (!ctx)
		return;
	spin_lock_irqsave(&priv->xport_lock, flags);
	priv->xport_ctx = NULL;
	spin_unlock_irqrestore(&priv->xport_lock, flags);
	/* no kick or IRQ hook runs any more: the transport may let go */
	pbus_rproc_xport->stop(ctx);
	pbus_rproc_xport->detach(ctx);
}

/**
 * pbus_rproc_register_transport() - plug in the vring transport
 * @xport: its hooks; every one must be set
 *
 * @xport->attach is called at once for every pbus remoteproc, and later
 * for every new one; @xport->start follows for those whose remote runs.
 *
 * Return: 0, -EINVAL for a missing hook, -EBUSY if a transport is
 * registered already.
 */
int pbus_rproc_register_transport(const struct pbus_rproc_transport *xport)
{
	struct pbus_rproc *priv;
	int ret = 0;

	if (!xport || !xport->attach || !xport->detach || !xport->start ||
	    !xport->stop || !xport->kick || !xport->vring_irq)
		return -EINVAL;

	mutex_lock(&pbus_rproc_list_lock);
	if (pbus_rproc_xport) {
		ret = -EBUSY;
		goto out;
	}
	pbus_rproc_xport = xport;
	list_for_each_entry(priv, &pbus_rproc_list, node)
		pbus_rproc_xport_attach(priv);
out:
	mutex_unlock(&pbus_rproc_list_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pbus_rproc_register_transport);

/**
 * pbus_rproc_unregister_transport() - unplug the vring transport
 * @xport: as registered
 *
 * Stops and detaches it from every remoteproc; kicks ring the remote's
 * doorbell again. The remotes keep running.
 */
void pbus_rproc_unregister_transport(const struct pbus_rproc_transport *xport)
{
	struct pbus_rproc *priv;

	mutex_lock(&pbus_rproc_list_lock);
	if (pbus_rproc_xport == xport) {
		list_for_each_entry(priv, &pbus_rproc_list, node)
			pbus_rproc_xport_detach(priv);
		pbus_rproc_xport = NULL;
	}
	mutex_unlock(&pbus_rproc_list_lock);
}
EXPORT_SYMBOL_GPL(pbus_rproc_unregister_transport);

/*
 * Hook of the vring transport: tell the remote that vring @vqid has news.
 * The rpmsg transport moves the host-side vring to the remote first.
 */
static void pbus_rproc_doorbell(struct pbus_rproc *priv, unsigned int vqid)
{
	int ret = pbus_rproc_wr(priv, PBUS_RP_DOORBELL, vqid);

	if (ret)
		dev_warn_ratelimited(priv->dev, "doorbell %u failed: %d\n",
				     vqid, ret);
}

void pbus_rproc_kick_work(struct work_struct *work)
{
	struct pbus_rproc *priv = container_of(work, struct pbus_rproc,
					       kick_work);
	unsigned long pending = xchg(&priv->kick_pending, 0);
	unsigned int vqid;

	for_each_set_bit(vqid, &pending, BITS_PER_LONG)
		pbus_rproc_doorbell(priv, vqid);
}

/* May run in atomic context (vring callbacks): defer the bus access. */
void pbus_rproc_kick(struct rproc *rproc, int vqid)
{
	struct pbus_rproc *priv = rproc->priv;
	unsigned long flags;
	bool taken = false;

	spin_lock_irqsave(&priv->xport_lock, flags);
	if (priv->xport_ctx) {
		pbus_rproc_xport->kick(priv->xport_ctx, vqid);
		taken = true;
	}
	spin_unlock_irqrestore(&priv->xport_lock, flags);
	if (taken)
		return;

	if (vqid < 0 || vqid >= BITS_PER_LONG) {
		dev_warn_ratelimited(priv->dev, "kick of vring %d ignored\n",
				     vqid);
		return;
	}
	set_bit(vqid, &priv->kick_pending);
	schedule_work(&priv->kick_work);
}

/* Before the remoteproc exists (auto-boot): a transport attaches at once. */
void pbus_rproc_xport_add(struct pbus_rproc *priv)
{
	mutex_lock(&pbus_rproc_list_lock);
	list_add_tail(&priv->node, &pbus_rproc_list);
	if (pbus_rproc_xport)
		pbus_rproc_xport_attach(priv);
	mutex_unlock(&pbus_rproc_list_lock);
}

/* After the remoteproc was deleted (stopped): no hook runs any more. */
void pbus_rproc_unlist(void *data)
{
	struct pbus_rproc *priv = data;

	mutex_lock(&pbus_rproc_list_lock);
	list_del(&priv->node);
	if (pbus_rproc_xport)
		pbus_rproc_xport_detach(priv);
	mutex_unlock(&pbus_rproc_list_lock);
}
