// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the vring transport and the kicks. vrings and vdev buffers
 * live in host memory, which the remote cannot reach; the rpmsg transport
 * bridges them over the bus: it registers with
 * pbus_rproc_register_transport() and then gets the kicks and the remote's
 * vring IRQ. Without a transport a kick only rings the remote's doorbell.
 *
 * The transport starts and stops with the remote through an rproc_subdev
 * of its own, the ordinary place remoteproc gives to things that live and
 * die with the remote: added at probe, before remoteproc adds the vdevs'
 * subdevs at boot, it starts before the virtio devices appear and stops
 * after they went and before rproc_ops.stop, in every path remoteproc
 * takes (stop, crash recovery, shutdown at removal). The virtio driver's
 * buffers are freed in the vdev's stop, before ours: the transport lets
 * go of them earlier, when that driver unbinds (pbus_rpmsg's bus notifier).
 */

#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/remoteproc.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_rproc_internal.h"

/*
 * Instances and the vring transport (at most one). The mutex serialises
 * attach/detach against the subdev's start/stop (lock order: rproc->lock,
 * then this mutex); the kick and IRQ paths only look at @xport_ctx under
 * the instance's @xport_lock.
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

/* The transport's subdev; remoteproc's lock held. */
static int pbus_rproc_xport_start(struct rproc_subdev *subdev)
{
	struct pbus_rproc *priv = container_of(subdev, struct pbus_rproc,
					       xport_subdev);

	mutex_lock(&pbus_rproc_list_lock);
	priv->xport_started = true;
	if (priv->xport_ctx)
		pbus_rproc_xport->start(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);

	return 0;
}

static void pbus_rproc_xport_stop(struct rproc_subdev *subdev, bool crashed)
{
	struct pbus_rproc *priv = container_of(subdev, struct pbus_rproc,
					       xport_subdev);

	mutex_lock(&pbus_rproc_list_lock);
	priv->xport_started = false;
	if (priv->xport_ctx)
		pbus_rproc_xport->stop(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);
}

/* Under pbus_rproc_list_lock. */
static void pbus_rproc_xport_attach(struct pbus_rproc *priv)
{
	unsigned long flags;
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

	if (priv->xport_started)
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
	priv->xport_subdev.start = pbus_rproc_xport_start;
	priv->xport_subdev.stop = pbus_rproc_xport_stop;
	rproc_add_subdev(priv->rproc, &priv->xport_subdev);

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
	rproc_remove_subdev(priv->rproc, &priv->xport_subdev);
}

/**
 * pbus_rproc_add_vdev_pool() - give the rpmsg vdev its buffer pool
 * @priv: driver state
 *
 * The "vdev0buffer" entry of the node's memory-region (a shared-dma-pool
 * reserved-memory region) becomes the carveout of that name, so that
 * remoteproc_virtio hands it to the vdev (of_reserved_mem_device_init_by_idx)
 * and virtio_rpmsg_bus allocates its buffers from it, as stm32_rproc and
 * imx_rproc do; the transport maps the same region and reaches every
 * buffer through it (docs/rpmsg.md). Called from .prepare, before the
 * resource table is handled; remoteproc frees the entry at shutdown.
 *
 * Return: 0 (also without such a region: the transport then refuses to
 * run), -ENOMEM.
 */
int pbus_rproc_add_vdev_pool(struct pbus_rproc *priv)
{
	struct device_node *np = priv->dev->of_node, *mem_np;
	struct rproc_mem_entry *mem;
	struct reserved_mem *rmem;
	int i, n;

	n = of_count_phandle_with_args(np, "memory-region", NULL);
	for (i = 0; i < n; i++) {
		mem_np = of_parse_phandle(np, "memory-region", i);
		if (!mem_np)
			continue;
		if (!of_node_name_eq(mem_np, "vdev0buffer")) {
			of_node_put(mem_np);
			continue;
		}
		rmem = of_reserved_mem_lookup(mem_np);
		of_node_put(mem_np);
		if (!rmem) {
			dev_warn(priv->dev, "memory-region vdev0buffer is not reserved memory\n");
			return 0;
		}
		/* da is only a name here: the vdev gets the region by index */
		mem = rproc_of_resm_mem_entry_init(priv->dev, i, rmem->size,
						   lower_32_bits(rmem->base),
						   "vdev0buffer");
		if (!mem)
			return -ENOMEM;
		rproc_add_carveout(priv->rproc, mem);
		return 0;
	}

	return 0;
}
