// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: rpmsg between the host and a remote processor behind pbus.
 *
 * The rpmsg implementation is the kernel's own virtio_rpmsg_bus, bound to
 * the virtio device remoteproc creates from the firmware's resource table.
 * Its vrings and buffers live in host memory, which the remote cannot
 * reach: this module plays the device side of those vrings on the host and
 * moves the messages over the bus, into and out of two mailboxes in the
 * remote's window (pbus_rpmsg_mbox.c). This file: the sessions (rings,
 * mailbox geometry, HOST_READY), the work that moves the messages, the
 * transport hooks pbus_rproc calls, the virtio bus notifier and the
 * module. The files and what they share: pbus_rpmsg.h.
 *
 * Each direction has its own work item. The driver's callbacks run from
 * the interrupt this side raises (rproc_vq_interrupt()), and an rx
 * callback may send and wait for a tx buffer (rpmsg_client_sample does):
 * so the interrupt is raised with no lock of this module held, and the tx
 * work, which frees tx buffers, never waits for the rx work. @mutex
 * serialises the bus passes of both (the bus is one link anyway).
 *
 * Buffers are reached only through the vdev buffer pool
 * (pbus_rpmsg_pool.c); the vrings are remoteproc's carveouts, found in the
 * loaded resource table and translated with rproc_da_to_va().
 *
 * Lifetime. The rings and buffers belong to the binding of virtio_rpmsg_bus
 * to the vdev: its remove frees every buffer, and remoteproc runs it before
 * any stop hook of ours (the vdev is a subdevice stopped before ours, for a
 * stop, a crash recovery or `rmmod virtio_rpmsg_bus` alike). A notifier on
 * the virtio bus sees BUS_NOTIFY_UNBIND_DRIVER, which the driver core sends
 * before the driver's remove: it stops both work items synchronously and
 * forgets the rings; they are looked at again only after
 * BUS_NOTIFY_BOUND_DRIVER (the new binding zeroed them: the session starts
 * from index 0, the remote is told with a 0 -> HOST_READY transition and
 * re-announces, the static channels are announced once more). The remote's
 * own lifetime (mailboxes) is the transport's rproc_subdev in pbus_rproc:
 * start after the remote booted, stop before it is stopped.
 *
 * Kicks (possibly atomic) and the remote's IRQ only schedule work.
 * pbus_rproc hands every remoteproc to this module
 * (pbus_rproc_register_transport()), so the loading order does not matter:
 * loaded after a remote booted, the transport takes over the running
 * vrings (and announces nothing that a previous instance announced);
 * unloaded, the rpmsg devices stay but stall until it comes back.
 *
 * Static channels from the device tree (remotes that never announce) are
 * announced to the host's name service as if the remote had sent them,
 * once per binding of the virtio driver (pbus_rpmsg_ns.c).
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_compat.h"
#include "pbus_rpmsg.h"

static unsigned int poll_ms = 100;
module_param(poll_ms, uint, 0644);
MODULE_PARM_DESC(poll_ms,
		 "look at the mailboxes this often even without IRQ (ms, 0 = only on IRQ and kicks)");

static struct workqueue_struct *pbus_rpmsg_wq;
static struct dentry *pbus_rpmsg_dbg_root;
/* Attached transports, for the virtio bus notifier. */
static LIST_HEAD(pbus_rpmsg_list);
static DEFINE_MUTEX(pbus_rpmsg_list_lock);

/* Queue @dwork after @ms if @on; @now: also bring a pending run forward. */
static void pbus_rpmsg_queue(struct pbus_rpmsg *rp, struct delayed_work *dwork,
			     bool on, unsigned int ms, bool now)
{
	if (!on)
		return;
	if (now)
		mod_delayed_work(pbus_rpmsg_wq, dwork, 0);
	else
		queue_delayed_work(pbus_rpmsg_wq, dwork, msecs_to_jiffies(ms));
}

static void pbus_rpmsg_schedule_tx(struct pbus_rpmsg *rp, unsigned int ms,
				   bool now)
{
	unsigned long flags;

	spin_lock_irqsave(&rp->lock, flags);
	pbus_rpmsg_queue(rp, &rp->tx_work, rp->tx_on, ms, now);
	spin_unlock_irqrestore(&rp->lock, flags);
}

static void pbus_rpmsg_schedule_rx(struct pbus_rpmsg *rp, unsigned int ms,
				   bool now)
{
	unsigned long flags;

	spin_lock_irqsave(&rp->lock, flags);
	pbus_rpmsg_queue(rp, &rp->rx_work, rp->rx_on, ms, now);
	spin_unlock_irqrestore(&rp->lock, flags);
}

/* Work may run when the remote runs and the virtio driver is bound. */
static void pbus_rpmsg_enable(struct pbus_rpmsg *rp)
{
	unsigned long flags;

	spin_lock_irqsave(&rp->lock, flags);
	rp->tx_on = rp->active && rp->drv_bound;
	rp->rx_on = rp->tx_on;
	pbus_rpmsg_queue(rp, &rp->tx_work, rp->tx_on, 0, true);
	pbus_rpmsg_queue(rp, &rp->rx_work, rp->rx_on, 0, true);
	spin_unlock_irqrestore(&rp->lock, flags);
}

/*
 * Stop both work items and wait for them. rx first, while tx still runs
 * and gives every tx buffer back unsent: an rx callback waiting for one
 * gets it and returns.
 */
static void pbus_rpmsg_quiesce(struct pbus_rpmsg *rp)
{
	unsigned long flags;

	mutex_lock(&rp->mutex);
	rp->tx_drain = true;
	mutex_unlock(&rp->mutex);
	spin_lock_irqsave(&rp->lock, flags);
	rp->rx_on = false;
	pbus_rpmsg_queue(rp, &rp->tx_work, rp->tx_on, 0, true);
	spin_unlock_irqrestore(&rp->lock, flags);
	cancel_delayed_work_sync(&rp->rx_work);

	spin_lock_irqsave(&rp->lock, flags);
	rp->tx_on = false;
	spin_unlock_irqrestore(&rp->lock, flags);
	cancel_delayed_work_sync(&rp->tx_work);

	mutex_lock(&rp->mutex);
	rp->tx_drain = false;
	mutex_unlock(&rp->mutex);
}

/* The rpmsg vdev entry of the loaded resource table, or NULL. */
static struct fw_rsc_vdev *pbus_rpmsg_find_vdev(struct rproc *rproc)
{
	struct resource_table *table = rproc->table_ptr;
	size_t size = rproc->table_sz;
	struct fw_rsc_vdev *vdev;
	struct fw_rsc_hdr *hdr;
	unsigned int i;
	u32 off;

	if (!table || size < sizeof(*table) ||
	    struct_size(table, offset, table->num) > size)
		return NULL;

	for (i = 0; i < table->num; i++) {
		off = table->offset[i];
		if (off > size || size - off < sizeof(*hdr) + sizeof(*vdev))
			continue;
		hdr = (void *)table + off;
		vdev = (void *)hdr->data;
		if (hdr->type != RSC_VDEV || vdev->id != VIRTIO_ID_RPMSG)
			continue;
		if (vdev->num_of_vrings < 2 ||
		    size - off - sizeof(*hdr) <
		    struct_size(vdev, vring, vdev->num_of_vrings))
			return NULL;
		return vdev;
	}

	return NULL;
}

/* The virtio driver is up: DRIVER_OK in the vdev's status. */
static bool pbus_rpmsg_driver_ok(struct pbus_rpmsg *rp)
{
	struct fw_rsc_vdev *vdev = pbus_rpmsg_find_vdev(rp->rproc);

	return vdev && (READ_ONCE(vdev->status) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static int pbus_rpmsg_map_vring(struct pbus_rpmsg *rp, struct pbus_rpmsg_vq *vq,
				const struct fw_rsc_vdev_vring *vring,
				bool event_idx)
{
	bool is_iomem = false;
	size_t size;
	void *va;

	if (!is_power_of_2(vring->num) || vring->num > PBUS_RPMSG_MAX_VRING ||
	    !is_power_of_2(vring->align) || vring->da == FW_RSC_ADDR_ANY)
		return -EINVAL;

	size = vring_size(vring->num, vring->align);
	va = rproc_da_to_va(rp->rproc, vring->da, size, &is_iomem);
	if (!va || is_iomem)
		return -EINVAL;

	pbus_rpmsg_vq_init(vq, va, vring, event_idx);

	return 0;
}

/* Find both vrings; -EAGAIN while the virtio driver is not up. */
static int pbus_rpmsg_map_rings(struct pbus_rpmsg *rp)
{
	struct fw_rsc_vdev *vdev = pbus_rpmsg_find_vdev(rp->rproc);
	bool event_idx;
	int ret;

	if (!vdev || !(READ_ONCE(vdev->status) & VIRTIO_CONFIG_S_DRIVER_OK))
		return -EAGAIN;
	/* the vring addresses and features were written before DRIVER_OK */
	virt_rmb();

	event_idx = vdev->gfeatures & BIT(VIRTIO_RING_F_EVENT_IDX);
	ret = pbus_rpmsg_map_vring(rp, &rp->rx, &vdev->vring[0], event_idx);
	if (!ret)
		ret = pbus_rpmsg_map_vring(rp, &rp->tx, &vdev->vring[1],
					   event_idx);
	if (ret) {
		dev_err(rp->dev, "rpmsg vrings unusable (da 0x%x, 0x%x)\n",
			vdev->vring[0].da, vdev->vring[1].da);
		return ret;
	}

	return 0;
}

/* The mailbox registers, PBUS_RP_MBOX_CTRL to PBUS_RP_MBOX_OUT_TAIL. */
#define PBUS_RPMSG_NREGS	((PBUS_RP_MBOX_OUT_TAIL - PBUS_RP_MBOX_CTRL) / 4 + 1)
#define PBUS_RPMSG_R(regs, reg)	le32_to_cpu((regs)[((reg) - PBUS_RP_MBOX_CTRL) / 4])

static bool pbus_rpmsg_ring_ok(u32 addr, u32 slots, u32 slot_size,
			       u32 window)
{
	u64 len = (u64)slots * slot_size;

	return is_power_of_2(slots) && slots <= PBUS_RPMSG_MAX_SLOTS &&
	       addr <= window && len <= window - addr;
}

/* Read and check the mailbox geometry the remote placed at boot. */
static int pbus_rpmsg_read_mbox(struct pbus_rpmsg *rp, u32 *ctrl)
{
	u32 window = pbus_remote_window_size(rp->bus);
	__le32 regs[PBUS_RPMSG_NREGS];
	u64 in_end, out_end;
	int ret;

	ret = pbus_read(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_CTRL), regs,
			sizeof(regs));
	if (ret)
		return ret;

	*ctrl = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_CTRL);
	rp->slot_size = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_SLOT_SIZE);
	rp->in_addr = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_IN_ADDR);
	rp->in_slots = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_IN_SLOTS);
	rp->in_head = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_IN_HEAD);
	rp->in_tail = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_IN_TAIL);
	rp->out_addr = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_OUT_ADDR);
	rp->out_slots = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_OUT_SLOTS);
	rp->out_head = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_OUT_HEAD);
	rp->out_tail = PBUS_RPMSG_R(regs, PBUS_RP_MBOX_OUT_TAIL);
	rp->in_head_dirty = false;
	rp->out_tail_dirty = false;

	in_end = (u64)rp->in_addr + (u64)rp->in_slots * rp->slot_size;
	out_end = (u64)rp->out_addr + (u64)rp->out_slots * rp->slot_size;
	if (rp->slot_size < PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_HDR_LEN ||
	    rp->slot_size > PBUS_RPMSG_MAX_SLOT || rp->slot_size % 4 ||
	    !pbus_rpmsg_ring_ok(rp->in_addr, rp->in_slots, rp->slot_size, window) ||
	    !pbus_rpmsg_ring_ok(rp->out_addr, rp->out_slots, rp->slot_size, window) ||
	    (rp->in_addr < out_end && rp->out_addr < in_end) ||
	    rp->in_head - rp->in_tail > rp->in_slots ||
	    rp->out_head - rp->out_tail > rp->out_slots) {
		dev_err(rp->dev, "remote mailboxes unusable: slot %u, inbox 0x%x x %u (%u/%u), outbox 0x%x x %u (%u/%u), window 0x%x\n",
			rp->slot_size, rp->in_addr, rp->in_slots, rp->in_head,
			rp->in_tail, rp->out_addr, rp->out_slots, rp->out_head,
			rp->out_tail, window);
		return -EPROTO;
	}

	return 0;
}

static void pbus_rpmsg_set_tx_ready(struct pbus_rpmsg *rp, bool ready)
{
	unsigned long flags;

	spin_lock_irqsave(&rp->stage_lock, flags);
	rp->tx_ready = ready;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
}

/*
 * Set up the session: rings, mailboxes, HOST_READY. A new binding of the
 * virtio driver (or a remote that never saw HOST_READY) gets a 0 ->
 * HOST_READY transition, so that the remote announces its endpoints, and
 * the static channels; a transport taking over a running binding from a
 * previous instance (HOST_READY set) announces nothing again.
 */
static int pbus_rpmsg_setup(struct pbus_rpmsg *rp)
{
	u32 ctrl;
	int ret;

	if (rp->ready)
		return 0;
	if (rp->broken)
		return -EPROTO;

	if (!rp->rings) {
		ret = pbus_rpmsg_map_rings(rp);
		if (ret == -EAGAIN)
			return ret;
		if (ret)
			goto broken;
		rp->rings = true;
	}

	ret = pbus_rpmsg_read_mbox(rp, &ctrl);
	if (ret == -EPROTO)
		goto broken;
	if (ret)
		goto bus_error;
	if (rp->fresh && (ctrl & PBUS_RP_MBOX_HOST_READY)) {
		ret = pbus_write32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_CTRL), 0);
		if (ret)
			goto bus_error;
		ctrl = 0;
		/*
		 * What the outbox holds was meant for the old binding (its
		 * endpoints, its announcements): dropped, so that the remote's
		 * re-announcement is the only one the new binding sees.
		 */
		ret = pbus_read32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_OUT_HEAD),
				  &rp->out_head);
		if (!ret && rp->out_head - rp->out_tail > rp->out_slots)
			goto broken;
		if (!ret && rp->out_head != rp->out_tail) {
			rp->out_tail = rp->out_head;
			ret = pbus_write32(rp->bus,
					   PBUS_RPMSG_REG(PBUS_RP_MBOX_OUT_TAIL),
					   rp->out_tail);
		}
		if (ret)
			goto bus_error;
	}
	if (!(ctrl & PBUS_RP_MBOX_HOST_READY)) {
		ret = pbus_write32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_CTRL),
				   PBUS_RP_MBOX_HOST_READY);
		if (ret)
			goto bus_error;
		rp->ns_next = 0;
	} else {
		rp->ns_next = rp->nchans;
	}
	/* the remote announces every channel now, unless taken over */
	pbus_rpmsg_ns_begin(rp, !rp->ns_next);

	rp->fresh = false;
	rp->ready = true;
	pbus_rpmsg_set_tx_ready(rp, true);
	dev_dbg(rp->dev, "rpmsg over pbus up: slot %u, inbox %u, outbox %u%s\n",
		rp->slot_size, rp->in_slots, rp->out_slots,
		rp->ns_next ? ", taken over" : "");
	return 0;

bus_error:
	rp->bus_errors++;
	return ret;
broken:
	rp->broken = true;
	dev_err(rp->dev, "rpmsg transport disabled until the remote restarts\n");
	return -EPROTO;
}

/*
 * Interrupt the driver: its callbacks run here, with no lock of ours held
 * (an rx callback may send and wait for a tx buffer). The work items are
 * cancelled before the driver's remove, so the vqs exist; rpmsg's remove
 * also resets the device first, which the DRIVER_OK check sees.
 */
static void pbus_rpmsg_interrupt(struct pbus_rpmsg *rp, int notifyid)
{
	if (pbus_rpmsg_driver_ok(rp))
		rproc_vq_interrupt(rp->rproc, notifyid);
}

/* One direction's pass. @tx: which one. */
static void pbus_rpmsg_pass(struct pbus_rpmsg *rp, bool tx)
{
	struct pbus_rpmsg_vq *vq = tx ? &rp->tx : &rp->rx;
	unsigned int delay = poll_ms;
	bool irq = false, more = false;
	int notifyid = 0;
	int ret;

	mutex_lock(&rp->mutex);
	if (tx && (rp->tx_drain || rp->broken)) {
		irq = pbus_rpmsg_tx_drain(rp);
		notifyid = vq->notifyid;
		delay = 0;
		goto out;
	}
	ret = pbus_rpmsg_setup(rp);
	if (ret) {
		/* not up yet (kick or poll retries), or broken: poll only */
		if (ret != -EAGAIN && ret != -EPROTO)
			delay = PBUS_RPMSG_RETRY_MS;
		goto out;
	}

	ret = tx ? pbus_rpmsg_tx(rp, &irq) : pbus_rpmsg_rx(rp, &irq);
	notifyid = vq->notifyid;
	if (ret == -EPROTO) {
		rp->broken = true;
		rp->ready = false;
		pbus_rpmsg_set_tx_ready(rp, false);
		dev_err(rp->dev, "rpmsg transport disabled until the remote restarts\n");
	} else if (ret == -EAGAIN) {
		more = true;
	} else if (ret && ret != -ENOBUFS && ret != -ENOSPC) {
		delay = PBUS_RPMSG_RETRY_MS;
	}
	/* a full inbox is normally reopened by the remote's IRQ */
out:
	mutex_unlock(&rp->mutex);

	if (irq)
		pbus_rpmsg_interrupt(rp, notifyid);
	if (!more && !delay)
		return;	/* poll_ms=0: the next IRQ or kick */
	if (tx)
		pbus_rpmsg_schedule_tx(rp, delay, more);
	else
		pbus_rpmsg_schedule_rx(rp, delay, more);
}

static void pbus_rpmsg_tx_work(struct work_struct *work)
{
	pbus_rpmsg_pass(container_of(to_delayed_work(work), struct pbus_rpmsg,
				     tx_work), true);
}

static void pbus_rpmsg_rx_work(struct work_struct *work)
{
	pbus_rpmsg_pass(container_of(to_delayed_work(work), struct pbus_rpmsg,
				     rx_work), false);
}

/* Transport hooks, called by pbus_rproc. */

static void pbus_rpmsg_kick(void *ctx, int notifyid)
{
	struct pbus_rpmsg *rp = ctx;
	unsigned long flags;

	/* a refill of the rx ring */
	if (notifyid == READ_ONCE(rp->rx.notifyid)) {
		pbus_rpmsg_schedule_rx(rp, 0, true);
		return;
	}
	/* something to send: staged now, the work moves it on */
	spin_lock_irqsave(&rp->stage_lock, flags);
	if (rp->tx_ready && pbus_rpmsg_tx_stage(rp) > 0 &&
	    pbus_rpmsg_vq_publish(&rp->tx))
		rp->tx_irq = true;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
	pbus_rpmsg_schedule_tx(rp, 0, true);
}

static void pbus_rpmsg_vring_irq(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;

	/* the remote consumed inbox slots or produced outbox ones */
	pbus_rpmsg_schedule_tx(rp, 0, true);
	pbus_rpmsg_schedule_rx(rp, 0, true);
}

/* Forget the rings and the mailbox state; under @mutex. */
static void pbus_rpmsg_reset_session(struct pbus_rpmsg *rp)
{
	unsigned long flags;

	rp->rings = false;
	rp->ready = false;
	rp->tx_blocked = false;
	rp->rx_blocked = false;
	rp->forge_rx = 0;
	pbus_rpmsg_ns_reset(rp);
	spin_lock_irqsave(&rp->stage_lock, flags);
	rp->tx_ready = false;
	rp->tx_irq = false;
	rp->forge_tx = 0;
	/* staged messages belong to the driver binding that sent them */
	rp->stage_tail = rp->stage_head;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
}

static void pbus_rpmsg_start(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;
	unsigned long flags;

	mutex_lock(&rp->mutex);
	pbus_rpmsg_reset_session(rp);
	rp->broken = false;
	rp->sessions++;
	mutex_unlock(&rp->mutex);

	spin_lock_irqsave(&rp->lock, flags);
	rp->active = true;
	spin_unlock_irqrestore(&rp->lock, flags);
	/* attached to a running remote: its driver may be up already */
	pbus_rpmsg_enable(rp);
}

static void pbus_rpmsg_stop(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;
	unsigned long flags;

	spin_lock_irqsave(&rp->lock, flags);
	rp->active = false;
	spin_unlock_irqrestore(&rp->lock, flags);
	pbus_rpmsg_quiesce(rp);

	mutex_lock(&rp->mutex);
	pbus_rpmsg_reset_session(rp);
	mutex_unlock(&rp->mutex);
}

/*
 * The virtio bus notifier. Its bus type is not exported: a virtio driver
 * that matches no device (pbus_rpmsg_vdrv) is the way to reach it.
 */

/* The transport of the remoteproc whose rpmsg vdev @dev is, or NULL. */
static struct pbus_rpmsg *pbus_rpmsg_of_vdev(struct device *dev)
{
	struct virtio_device *vdev = dev_to_virtio(dev);
	struct pbus_rpmsg *rp;
	struct device *p;
	int depth;

	if (vdev->id.device != VIRTIO_ID_RPMSG)
		return NULL;
	/* vdev -> rvdev (platform device or own device) -> rproc */
	list_for_each_entry(rp, &pbus_rpmsg_list, node)
		for (p = dev->parent, depth = 0; p && depth < 3;
		     p = p->parent, depth++)
			if (p == &rp->rproc->dev)
				return rp;

	return NULL;
}

static int pbus_rpmsg_bus_event(struct notifier_block *nb,
				unsigned long action, void *data)
{
	struct pbus_rpmsg *rp;
	unsigned long flags;

	if (action != BUS_NOTIFY_UNBIND_DRIVER &&
	    action != BUS_NOTIFY_BOUND_DRIVER)
		return NOTIFY_DONE;

	mutex_lock(&pbus_rpmsg_list_lock);
	rp = pbus_rpmsg_of_vdev(data);
	if (!rp)
		goto out;

	if (action == BUS_NOTIFY_UNBIND_DRIVER) {
		/* before the driver's remove frees the buffers */
		spin_lock_irqsave(&rp->lock, flags);
		rp->drv_bound = false;
		spin_unlock_irqrestore(&rp->lock, flags);
		pbus_rpmsg_quiesce(rp);
		mutex_lock(&rp->mutex);
		pbus_rpmsg_reset_session(rp);
		mutex_unlock(&rp->mutex);
		dev_dbg(rp->dev, "virtio driver unbinds: transport quiesced\n");
	} else {
		/* probed: new rings (zeroed by find_vqs), DRIVER_OK set */
		mutex_lock(&rp->mutex);
		pbus_rpmsg_reset_session(rp);
		rp->fresh = true;
		rp->bindings++;
		mutex_unlock(&rp->mutex);
		spin_lock_irqsave(&rp->lock, flags);
		rp->drv_bound = true;
		spin_unlock_irqrestore(&rp->lock, flags);
		pbus_rpmsg_enable(rp);
	}
out:
	mutex_unlock(&pbus_rpmsg_list_lock);
	return NOTIFY_OK;
}

static struct notifier_block pbus_rpmsg_nb = {
	.notifier_call = pbus_rpmsg_bus_event,
};

static const struct virtio_device_id pbus_rpmsg_no_ids[] = {
	{ 0 },
};

static struct virtio_driver pbus_rpmsg_vdrv = {
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.id_table = pbus_rpmsg_no_ids,
};

static void *pbus_rpmsg_attach(struct rproc *rproc, struct pbus *bus)
{
	struct pbus_rpmsg *rp;
	int ret;

	if (!virtio_legacy_is_little_endian())
		return ERR_PTR(-EOPNOTSUPP);	/* the remote speaks LE */

	rp = kzalloc(sizeof(*rp), GFP_KERNEL);
	if (!rp)
		return ERR_PTR(-ENOMEM);
	rp->slot = kmalloc(PBUS_RPMSG_MAX_SLOT, GFP_KERNEL);
	rp->stage = vmalloc(array_size(PBUS_RPMSG_STAGE, PBUS_RPMSG_STAGE_SLOT));
	rp->ns_live = kcalloc(PBUS_RPMSG_NS_MAX, sizeof(*rp->ns_live),
			      GFP_KERNEL);
	if (!rp->slot || !rp->stage || !rp->ns_live) {
		ret = -ENOMEM;
		goto err_free;
	}
	rp->rproc = rproc;
	rp->bus = bus;
	rp->dev = &rproc->dev;
	ret = pbus_rpmsg_pool_init(&rp->pool, rp->dev, rproc->dev.parent->of_node);
	if (ret)
		goto err_free;
	spin_lock_init(&rp->lock);
	spin_lock_init(&rp->stage_lock);
	mutex_init(&rp->mutex);
	INIT_DELAYED_WORK(&rp->tx_work, pbus_rpmsg_tx_work);
	INIT_DELAYED_WORK(&rp->rx_work, pbus_rpmsg_rx_work);
	pbus_rpmsg_parse_chans(rp);

	pbus_rpmsg_debugfs_add(rp, pbus_rpmsg_dbg_root);

	/* a binding that exists already is taken over (start follows) */
	mutex_lock(&pbus_rpmsg_list_lock);
	list_add_tail(&rp->node, &pbus_rpmsg_list);
	rp->drv_bound = pbus_rpmsg_driver_ok(rp);
	mutex_unlock(&pbus_rpmsg_list_lock);

	dev_info(rp->dev, "rpmsg transport over %s, buffer pool %pa+0x%zx%s\n",
		 pbus_name(bus), &rp->pool.base, rp->pool.size,
		 rp->nchans ? ", static channels" : "");

	return rp;

err_free:
	kfree(rp->ns_live);
	vfree(rp->stage);
	kfree(rp->slot);
	kfree(rp);
	return ERR_PTR(ret);
}

static void pbus_rpmsg_detach(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;

	mutex_lock(&pbus_rpmsg_list_lock);
	list_del(&rp->node);
	mutex_unlock(&pbus_rpmsg_list_lock);
	debugfs_remove_recursive(rp->dbg);
	/* stopped already: nothing is queued any more */
	pbus_rpmsg_quiesce(rp);
	pbus_rpmsg_pool_exit(&rp->pool);
	mutex_destroy(&rp->mutex);
	kfree(rp->ns_live);
	vfree(rp->stage);
	kfree(rp->slot);
	kfree(rp);
}

static const struct pbus_rproc_transport pbus_rpmsg_transport = {
	.attach = pbus_rpmsg_attach,
	.detach = pbus_rpmsg_detach,
	.start = pbus_rpmsg_start,
	.stop = pbus_rpmsg_stop,
	.kick = pbus_rpmsg_kick,
	.vring_irq = pbus_rpmsg_vring_irq,
};

static int __init pbus_rpmsg_init(void)
{
	int ret;

	/* not "pbus-rp...": kworkers carry the name, tests look for the remote's threads */
	pbus_rpmsg_wq = alloc_workqueue("pbus-xport", WQ_HIGHPRI, 0);
	if (!pbus_rpmsg_wq)
		return -ENOMEM;
	pbus_rpmsg_dbg_root = debugfs_create_dir("pbus-rpmsg", NULL);

	ret = register_virtio_driver(&pbus_rpmsg_vdrv);
	if (ret)
		goto err_wq;
	/* before any transport attaches: no unbind goes unseen */
	ret = bus_register_notifier(pbus_rpmsg_vdrv.driver.bus, &pbus_rpmsg_nb);
	if (ret)
		goto err_vdrv;
	ret = pbus_rproc_register_transport(&pbus_rpmsg_transport);
	if (ret)
		goto err_nb;

	return 0;

err_nb:
	bus_unregister_notifier(pbus_rpmsg_vdrv.driver.bus, &pbus_rpmsg_nb);
err_vdrv:
	unregister_virtio_driver(&pbus_rpmsg_vdrv);
err_wq:
	debugfs_remove_recursive(pbus_rpmsg_dbg_root);
	destroy_workqueue(pbus_rpmsg_wq);
	return ret;
}
module_init(pbus_rpmsg_init);

static void __exit pbus_rpmsg_exit(void)
{
	pbus_rproc_unregister_transport(&pbus_rpmsg_transport);
	bus_unregister_notifier(pbus_rpmsg_vdrv.driver.bus, &pbus_rpmsg_nb);
	unregister_virtio_driver(&pbus_rpmsg_vdrv);
	debugfs_remove_recursive(pbus_rpmsg_dbg_root);
	destroy_workqueue(pbus_rpmsg_wq);
}
module_exit(pbus_rpmsg_exit);

MODULE_DESCRIPTION("rpmsg transport to a remote processor behind pbus");
MODULE_LICENSE("GPL");
/* the name service and the virtio rpmsg bus that this transport serves */
MODULE_SOFTDEP("pre: rpmsg_ns virtio_rpmsg_bus");
