// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: rpmsg between the host and a remote processor behind pbus.
 *
 * The rpmsg implementation is the kernel's own virtio_rpmsg_bus, bound to
 * the virtio device remoteproc creates from the firmware's resource table.
 * Its vrings and buffers live in host memory, which the remote cannot
 * reach: this module plays the device side of those vrings on the host and
 * moves the messages over the bus, into and out of two mailboxes in the
 * remote's window (include/linux/pbus-remote.h, PBUS_RP_MBOX_*):
 *
 *  - tx vring (vrings[1], the host sends): every buffer the driver makes
 *    available is written into the next inbox slot (slot header + the
 *    whole rpmsg message, one bus write), IN_HEAD is bumped and the buffer
 *    goes back to the used ring. A full inbox leaves buffers in the avail
 *    ring until the remote frees slots (PBUS_RP_IRQ_VRING): nothing is
 *    dropped, senders block in virtio_rpmsg_bus as with any full vring.
 *  - rx vring (vrings[0], the host receives): every outbox slot the remote
 *    produced is read, checked (the remote is not trusted), copied into the
 *    next available rx buffer and put on the used ring, then OUT_TAIL is
 *    bumped. Without an rx buffer the outbox waits for the driver's refill
 *    kick.
 *
 * Head and tail registers hold absolute counts, so a write retried after a
 * bus error is harmless; a message is taken off a ring only once its copy
 * is complete, so a failed transfer is redone, never lost or duplicated.
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
 * once per binding of the virtio driver.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/of.h>
#include <linux/remoteproc.h>
#include <linux/rpmsg/ns.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
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
#include "pbus_rpmsg_ept.h"

#define PBUS_RPMSG_REG(off)	(PBUS_REMOTE_REG_BASE + PBUS_REMOTE_REG_USER + (off))

#define PBUS_RPMSG_MAX_CHANS	16	/* static channels per remote */
#define PBUS_RPMSG_MAX_SLOT	(PBUS_RP_MBOX_SLOT_HDR + SZ_4K)
#define PBUS_RPMSG_MAX_SLOTS	1024
#define PBUS_RPMSG_MAX_VRING	1024
#define PBUS_RPMSG_BUDGET	32	/* messages per direction and pass */
#define PBUS_RPMSG_RETRY_MS	10	/* after a bus error or a full inbox */
/* tx staging: messages taken off the tx vring, not yet in the inbox */
#define PBUS_RPMSG_STAGE	4096	/* power of two: 2 MiB */
#define PBUS_RPMSG_STAGE_MSG	PBUS_EPT_BUF_SIZE	/* virtio_rpmsg_bus's buffers */
#define PBUS_RPMSG_STAGE_SLOT	(PBUS_RP_MBOX_SLOT_HDR + PBUS_RPMSG_STAGE_MSG)
/* first read of an outbox slot: small messages need no second one */
#define PBUS_RPMSG_PEEK		(PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_HDR_LEN + 32)

static unsigned int poll_ms = 100;
module_param(poll_ms, uint, 0644);
MODULE_PARM_DESC(poll_ms,
		 "look at the mailboxes this often even without IRQ (ms, 0 = only on IRQ and kicks)");

/*
 * The wire formats: the rpmsg header and the mailbox slot header are the
 * remote's endpoint layer's (pbus_rpmsg_ept.h), the name-service message
 * is the kernel's struct rpmsg_ns_msg, which that layer mirrors.
 */
static_assert(PBUS_EPT_SLOT_HDR == PBUS_RP_MBOX_SLOT_HDR);
static_assert(PBUS_EPT_NS_ADDR == RPMSG_NS_ADDR);
static_assert(PBUS_EPT_NAME_SIZE == RPMSG_NAME_SIZE);
static_assert(sizeof(struct rpmsg_ns_msg) == PBUS_EPT_NS_MSG_LEN);
static_assert(PBUS_EPT_NS_CREATE == RPMSG_NS_CREATE);
static_assert(PBUS_EPT_NS_DESTROY == RPMSG_NS_DESTROY);

/**
 * struct pbus_rpmsg_chan - a static channel from the device tree
 * @name: rpmsg channel name
 * @addr: the remote's endpoint address
 */
struct pbus_rpmsg_chan {
	char name[RPMSG_NAME_SIZE];
	u32 addr;
};

/**
 * struct pbus_rpmsg - the transport of one remoteproc
 * @rproc: the remoteproc
 * @bus: the bus to its remote
 * @dev: for messages (the remoteproc's device)
 * @node: entry in pbus_rpmsg_list
 * @tx_work: moves tx buffers to the inbox
 * @rx_work: moves outbox messages to rx buffers
 * @lock: protects @active, @drv_bound, @tx_on and @rx_on
 * @active: between the start and stop hooks: the remote runs
 * @drv_bound: virtio_rpmsg_bus is bound to the vdev
 * @tx_on: @tx_work may be queued
 * @rx_on: @rx_work may be queued
 * @mutex: serialises the passes, session changes and debugfs
 * @dbg: debugfs directory
 * @pool: the vdev buffer pool
 * @chans: static channels
 * @nchans: number of @chans
 * @fresh: a new binding of the virtio driver: tell the remote, announce
 * @rings: @rx and @tx are set up for this binding
 * @ready: mailbox geometry read and HOST_READY written
 * @broken: a ring or the mailbox is unusable until the next session
 * @rx: the rx vring (host receives)
 * @tx: the tx vring (host sends)
 * @stage_lock: protects the tx vring's device side, the staging indices,
 *	@tx_ready, @tx_irq and @forge_tx (the kick stages, in any context)
 * @tx_ready: the kick may stage (session up, not broken)
 * @tx_irq: the kick staged buffers and the driver wants an interrupt
 * @forge_tx: test hook: address for the next tx descriptor (debugfs)
 * @forge_rx: test hook: the same for the next rx descriptor, under @mutex
 * @tx_drain: tx buffers are given back unsent (teardown)
 * @slot_size: bytes per mailbox slot, header included
 * @in_addr: window address of the inbox
 * @in_slots: inbox slots
 * @out_addr: window address of the outbox
 * @out_slots: outbox slots
 * @in_head: messages written to the inbox
 * @in_tail: inbox messages consumed by the remote, as last read
 * @out_head: outbox messages produced by the remote, as last read
 * @out_tail: outbox messages consumed
 * @in_head_dirty: @in_head is not yet written to the remote
 * @out_tail_dirty: @out_tail is not yet written to the remote
 * @tx_blocked: the inbox was full at the last attempt
 * @rx_blocked: the rx vring had no buffer at the last attempt
 * @ns_next: next static channel to announce
 * @slot: one slot, for transfers
 * @stage: tx staging ring, PBUS_RPMSG_STAGE slots of PBUS_RPMSG_STAGE_SLOT
 * @stage_head: messages staged
 * @stage_tail: staged messages written to the inbox
 * @tx_msgs: messages sent
 * @rx_msgs: messages received
 * @tx_full_waits: times a send waited for inbox space
 * @rx_no_buffer_waits: times a receive waited for an rx buffer
 * @malformed: outbox messages dropped as malformed
 * @tx_dropped: tx messages given back unsent (teardown, broken transport)
 * @bus_errors: failed bus transfers (retried)
 * @sessions: remote boots seen
 * @bindings: bindings of the virtio driver seen
 */
struct pbus_rpmsg {
	struct rproc *rproc;
	struct pbus *bus;
	struct device *dev;
	struct list_head node;
	struct delayed_work tx_work;
	struct delayed_work rx_work;
	spinlock_t lock;	/* protects active, drv_bound, tx_on, rx_on */
	bool active;
	bool drv_bound;
	bool tx_on;
	bool rx_on;
	struct mutex mutex;	/* serialises the passes and debugfs */
	struct dentry *dbg;
	struct pbus_rpmsg_pool pool;
	struct pbus_rpmsg_chan chans[PBUS_RPMSG_MAX_CHANS];
	unsigned int nchans;

	bool fresh;
	bool rings;
	bool ready;
	bool broken;
	struct pbus_rpmsg_vq rx;
	struct pbus_rpmsg_vq tx;
	spinlock_t stage_lock;	/* tx vring device side, staging */
	bool tx_ready;
	bool tx_irq;
	u64 forge_tx;
	u64 forge_rx;
	bool tx_drain;
	u32 slot_size;
	u32 in_addr;
	u32 in_slots;
	u32 out_addr;
	u32 out_slots;
	u32 in_head;
	u32 in_tail;
	u32 out_head;
	u32 out_tail;
	bool in_head_dirty;
	bool out_tail_dirty;
	bool tx_blocked;
	bool rx_blocked;
	unsigned int ns_next;
	u8 *slot;
	u8 *stage;
	u32 stage_head;
	u32 stage_tail;

	unsigned long tx_msgs;
	unsigned long rx_msgs;
	unsigned long tx_full_waits;
	unsigned long rx_no_buffer_waits;
	unsigned long malformed;
	unsigned long tx_dropped;
	unsigned long bus_errors;
	unsigned long sessions;
	unsigned long bindings;
};

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

static u32 pbus_rpmsg_in_slot(struct pbus_rpmsg *rp, u32 n)
{
	return rp->in_addr + (n & (rp->in_slots - 1)) * rp->slot_size;
}

static u32 pbus_rpmsg_out_slot(struct pbus_rpmsg *rp, u32 n)
{
	return rp->out_addr + (n & (rp->out_slots - 1)) * rp->slot_size;
}

/* Inbox space: re-read IN_TAIL when the last value says full. */
static int pbus_rpmsg_in_space(struct pbus_rpmsg *rp)
{
	u32 tail;
	int ret;

	if (rp->in_head - rp->in_tail < rp->in_slots)
		return 0;
	ret = pbus_read32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_IN_TAIL), &tail);
	if (ret) {
		rp->bus_errors++;
		return ret;
	}
	if (rp->in_head - tail > rp->in_slots) {
		dev_err_ratelimited(rp->dev, "remote inbox tail %u beyond head %u\n",
				    tail, rp->in_head);
		return -EPROTO;
	}
	rp->in_tail = tail;

	return rp->in_head - tail < rp->in_slots ? 0 : -ENOSPC;
}

/*
 * Take available tx buffers into the staging ring: each is copied as the
 * slot it becomes and given back to the driver at once. A sender never
 * waits for the remote's inbox while staging has room, so an rx callback
 * that sends (and holds up the rx direction meanwhile) gets its tx buffer
 * even when every buffer and slot between host and remote is full: no
 * cycle of waits. The kick does this at once (memory copies only, under
 * @stage_lock), so rpmsg_trysend() finds the buffer it just sent free
 * again: rpmsg_tty, which has no flow control, never sees -ENOMEM until
 * 2 MiB (4096 messages) wait for the inbox. Returns the buffers taken, or
 * -EPROTO. Under @stage_lock.
 */
static int pbus_rpmsg_tx_stage(struct pbus_rpmsg *rp)
{
	struct pbus_rpmsg_vq *vq = &rp->tx;
	unsigned int n = 0;
	void *buf;
	u8 *slot;
	u16 head;
	u32 len;
	int ret;

	lockdep_assert_held(&rp->stage_lock);
	while (rp->stage_head - rp->stage_tail < PBUS_RPMSG_STAGE) {
		ret = pbus_rpmsg_vq_get(vq, &rp->pool, false, rp->forge_tx,
					&head, &buf, &len);
		if (ret == -ENOBUFS)
			break;
		if (ret == -EFAULT) {
			/* refused: given back unread, as a failed send */
			rp->forge_tx = 0;
			pbus_rpmsg_vq_put(vq, head, 0);
			n++;
			continue;
		}
		if (ret)
			return ret;
		n++;
		if (len < PBUS_EPT_HDR_LEN || len > PBUS_RPMSG_STAGE_MSG ||
		    len > rp->slot_size - PBUS_RP_MBOX_SLOT_HDR) {
			/* cannot be sent: give it back, as a failed send */
			dev_warn_ratelimited(rp->dev, "tx message of %u bytes does not fit a %u-byte slot: dropped\n",
					     len, min_t(u32, rp->slot_size, PBUS_RPMSG_STAGE_SLOT));
			rp->malformed++;
			pbus_rpmsg_vq_put(vq, head, 0);
			continue;
		}
		slot = rp->stage + (rp->stage_head % PBUS_RPMSG_STAGE) *
				   PBUS_RPMSG_STAGE_SLOT;
		pbus_ept_slot_hdr_encode(slot, len);
		memcpy(slot + PBUS_RP_MBOX_SLOT_HDR, buf, len);
		rp->stage_head++;
		pbus_rpmsg_vq_put(vq, head, 0);
	}

	return n;
}

/*
 * Move tx messages through the staging ring into the inbox. Returns 0,
 * -EAGAIN when more work is left, -ENOSPC when the inbox is full,
 * -EPROTO when the ring or the mailbox is unusable, another error to
 * retry. *@irq: the driver wants an interrupt.
 */
static int pbus_rpmsg_tx(struct pbus_rpmsg *rp, bool *irq)
{
	unsigned long flags;
	unsigned int n = 0;
	int staged, ret = 0;
	bool empty;
	u8 *slot;
	u16 len;

	spin_lock_irqsave(&rp->stage_lock, flags);
	staged = pbus_rpmsg_tx_stage(rp);
	if (staged > 0 && pbus_rpmsg_vq_publish(&rp->tx))
		rp->tx_irq = true;
	*irq = rp->tx_irq;
	rp->tx_irq = false;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
	if (staged < 0)
		return staged;

	/* the kick only writes past stage_head: [tail, head) is ours */
	while (n < PBUS_RPMSG_BUDGET) {
		spin_lock_irqsave(&rp->stage_lock, flags);
		empty = rp->stage_tail == rp->stage_head;
		spin_unlock_irqrestore(&rp->stage_lock, flags);
		if (empty)
			break;
		ret = pbus_rpmsg_in_space(rp);
		if (ret) {
			if (ret == -ENOSPC && !rp->tx_blocked) {
				rp->tx_blocked = true;
				rp->tx_full_waits++;
			}
			break;	/* the message stays staged */
		}
		rp->tx_blocked = false;

		slot = rp->stage + (rp->stage_tail % PBUS_RPMSG_STAGE) *
				   PBUS_RPMSG_STAGE_SLOT;
		pbus_ept_slot_hdr_decode(slot, &len);	/* staged: well-formed */
		ret = pbus_write(rp->bus, pbus_rpmsg_in_slot(rp, rp->in_head),
				 slot, PBUS_RP_MBOX_SLOT_HDR + len);
		if (ret) {
			rp->bus_errors++;
			break;	/* staged still: redone */
		}
		spin_lock_irqsave(&rp->stage_lock, flags);
		rp->stage_tail++;
		spin_unlock_irqrestore(&rp->stage_lock, flags);
		rp->in_head++;
		rp->in_head_dirty = true;
		rp->tx_msgs++;
		n++;
	}

	if (rp->in_head_dirty) {
		if (pbus_write32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_IN_HEAD),
				 rp->in_head)) {
			rp->bus_errors++;
			ret = ret ?: -EIO;
		} else {
			rp->in_head_dirty = false;
		}
	}
	if (!ret && n == PBUS_RPMSG_BUDGET)
		ret = -EAGAIN;

	return ret;
}

/* Announce the next static channel into an rx buffer. */
static void pbus_rpmsg_rx_ns(struct pbus_rpmsg *rp, const struct pbus_rpmsg_chan *chan,
			     void *buf, u16 head)
{
	struct rpmsg_ns_msg *ns = buf + PBUS_EPT_HDR_LEN;
	struct pbus_ept_hdr hdr = {
		.src = chan->addr,
		.dst = RPMSG_NS_ADDR,
		.len = sizeof(*ns),
	};

	/* little-endian: the rpmsg vdev is legacy virtio on an LE host */
	pbus_ept_hdr_encode(buf, &hdr);
	memset(ns, 0, sizeof(*ns));
	strscpy(ns->name, chan->name, sizeof(ns->name));
	ns->addr = __cpu_to_rpmsg32(true, chan->addr);
	ns->flags = __cpu_to_rpmsg32(true, RPMSG_NS_CREATE);
	pbus_rpmsg_vq_put(&rp->rx, head, PBUS_EPT_HDR_LEN + sizeof(*ns));
}

/*
 * Read outbox slot @rp->out_tail into @rp->slot and check it. Returns the
 * message length, 0 for a malformed message (to drop), or an error.
 */
static int pbus_rpmsg_read_slot(struct pbus_rpmsg *rp)
{
	u32 addr = pbus_rpmsg_out_slot(rp, rp->out_tail);
	u32 peek = min_t(u32, PBUS_RPMSG_PEEK, rp->slot_size);
	struct pbus_ept_hdr hdr;
	u32 total;
	bool zero;
	u16 len;
	int ret;

	ret = pbus_read(rp->bus, addr, rp->slot, peek);
	if (ret)
		return ret;

	/* peek >= slot header + rpmsg header: the slot size was checked */
	zero = pbus_ept_slot_hdr_decode(rp->slot, &len);
	pbus_ept_hdr_decode(rp->slot + PBUS_RP_MBOX_SLOT_HDR, &hdr);
	if (!zero || len < PBUS_EPT_HDR_LEN ||
	    len > rp->slot_size - PBUS_RP_MBOX_SLOT_HDR ||
	    hdr.len != len - PBUS_EPT_HDR_LEN) {
		dev_warn_ratelimited(rp->dev, "outbox message %u malformed (slot len %u%s, rpmsg len %u): dropped\n",
				     rp->out_tail, len,
				     zero ? "" : ", reserved bits set", hdr.len);
		return 0;
	}

	total = PBUS_RP_MBOX_SLOT_HDR + len;
	if (total > peek) {
		ret = pbus_read(rp->bus, addr + peek, rp->slot + peek,
				total - peek);
		if (ret)
			return ret;
	}

	return len;
}

/* OUT_HEAD: the remote's news for the rx direction. */
static int pbus_rpmsg_read_out_head(struct pbus_rpmsg *rp)
{
	u32 head;
	int ret;

	ret = pbus_read32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_OUT_HEAD), &head);
	if (ret) {
		rp->bus_errors++;
		return ret;
	}
	if (head - rp->out_tail > rp->out_slots) {
		dev_err(rp->dev, "remote outbox head %u inconsistent with tail %u\n",
			head, rp->out_tail);
		return -EPROTO;
	}
	rp->out_head = head;

	return 0;
}

/*
 * Move outbox messages (static announcements first) into rx buffers.
 * Returns 0, -EAGAIN when more work is left, -ENOBUFS when the driver has
 * no rx buffer, -EPROTO when the ring or mailbox is unusable, another
 * error to retry. *@irq: the driver wants an interrupt.
 */
static int pbus_rpmsg_rx(struct pbus_rpmsg *rp, bool *irq)
{
	struct pbus_rpmsg_vq *vq = &rp->rx;
	unsigned int n = 0;
	int ret, len;
	void *buf;
	u16 head;
	u32 blen;

	ret = pbus_rpmsg_read_out_head(rp);
	if (ret)
		return ret;

	while (n < PBUS_RPMSG_BUDGET &&
	       (rp->ns_next < rp->nchans || rp->out_tail != rp->out_head)) {
		ret = pbus_rpmsg_vq_get(vq, &rp->pool, true, rp->forge_rx,
					&head, &buf, &blen);
		if (ret != -ENOBUFS)
			rp->forge_rx = 0;
		if (ret == -EFAULT)
			ret = -EPROTO;	/* nothing can be given back unwritten */
		if (ret) {
			if (ret == -ENOBUFS && !rp->rx_blocked) {
				rp->rx_blocked = true;
				rp->rx_no_buffer_waits++;
			}
			break;
		}
		rp->rx_blocked = false;

		if (rp->ns_next < rp->nchans) {
			if (blen < PBUS_EPT_HDR_LEN + sizeof(struct rpmsg_ns_msg)) {
				ret = -EPROTO;
				break;
			}
			pbus_rpmsg_rx_ns(rp, &rp->chans[rp->ns_next++], buf,
					 head);
			n++;
			continue;
		}

		len = pbus_rpmsg_read_slot(rp);
		if (len < 0) {
			rp->bus_errors++;
			ret = len;
			break;	/* the slot stays: read again */
		}
		if (len > blen) {
			dev_warn_ratelimited(rp->dev, "outbox message of %d bytes exceeds the %u-byte rx buffer: dropped\n",
					     len, blen);
			len = 0;
		}
		rp->out_tail++;
		rp->out_tail_dirty = true;
		if (!len) {
			rp->malformed++;
			continue;	/* the rx buffer stays available */
		}
		memcpy(buf, rp->slot + PBUS_RP_MBOX_SLOT_HDR, len);
		pbus_rpmsg_vq_put(vq, head, len);
		rp->rx_msgs++;
		n++;
	}

	if (rp->out_tail_dirty) {
		if (pbus_write32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_OUT_TAIL),
				 rp->out_tail)) {
			rp->bus_errors++;
			ret = ret ?: -EIO;
		} else {
			rp->out_tail_dirty = false;
		}
	}
	if (n)
		*irq = pbus_rpmsg_vq_publish(vq);
	if (!ret && n == PBUS_RPMSG_BUDGET)
		ret = -EAGAIN;

	return ret;
}

/*
 * The binding goes away or the transport broke: give every available tx
 * buffer back unsent, so that no sender (an rx callback above all, which
 * holds up the teardown) waits 15 s for a buffer that nothing would free.
 * The messages are dropped; the remote will not see them anyway.
 */
static bool pbus_rpmsg_tx_drain(struct pbus_rpmsg *rp)
{
	struct pbus_rpmsg_vq *vq = &rp->tx;
	unsigned long flags;
	unsigned int n = 0;
	bool irq;
	void *buf;
	u16 head;
	u32 len;
	int ret;

	if (!rp->rings)
		return false;
	spin_lock_irqsave(&rp->stage_lock, flags);
	for (;;) {
		ret = pbus_rpmsg_vq_get(vq, &rp->pool, false, 0, &head, &buf,
					&len);
		if (ret != 0 && ret != -EFAULT)
			break;
		pbus_rpmsg_vq_put(vq, head, 0);
		n++;
	}
	rp->tx_dropped += n;
	irq = (n && pbus_rpmsg_vq_publish(vq)) || rp->tx_irq;
	rp->tx_irq = false;
	spin_unlock_irqrestore(&rp->stage_lock, flags);

	return irq;
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

/* debugfs */

static int pbus_rpmsg_mbox_show(struct seq_file *m, void *unused)
{
	struct pbus_rpmsg *rp = m->private;

	mutex_lock(&rp->mutex);
	seq_printf(m, "state: %s\n", rp->broken ? "broken" :
		   rp->ready ? "ready" : rp->rings ? "rings" : "down");
	seq_printf(m, "pool: base %pa size 0x%zx\n", &rp->pool.base,
		   rp->pool.size);
	if (rp->ready) {
		seq_printf(m, "slot_size: %u\n", rp->slot_size);
		seq_printf(m, "staged: %u of %u\n", rp->stage_head - rp->stage_tail,
			   PBUS_RPMSG_STAGE);
		seq_printf(m, "inbox: addr 0x%x slots %u head %u tail %u free %u%s\n",
			   rp->in_addr, rp->in_slots, rp->in_head, rp->in_tail,
			   rp->in_slots - (rp->in_head - rp->in_tail),
			   rp->in_head_dirty ? " (head unwritten)" : "");
		seq_printf(m, "outbox: addr 0x%x slots %u head %u tail %u pending %u%s\n",
			   rp->out_addr, rp->out_slots, rp->out_head,
			   rp->out_tail, rp->out_head - rp->out_tail,
			   rp->out_tail_dirty ? " (tail unwritten)" : "");
	}
	if (rp->rings) {
		seq_printf(m, "rx_vring: num %u avail %u used %u%s\n",
			   rp->rx.vr.num, pbus_rpmsg_vq_avail_idx(&rp->rx),
			   rp->rx.used_idx, rp->rx.event_idx ? " event_idx" : "");
		seq_printf(m, "tx_vring: num %u avail %u used %u%s\n",
			   rp->tx.vr.num, pbus_rpmsg_vq_avail_idx(&rp->tx),
			   rp->tx.used_idx, rp->tx.event_idx ? " event_idx" : "");
	}
	mutex_unlock(&rp->mutex);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rpmsg_mbox);

static int pbus_rpmsg_stats_show(struct seq_file *m, void *unused)
{
	struct pbus_rpmsg *rp = m->private;

	mutex_lock(&rp->mutex);
	seq_printf(m, "tx: %lu\n", rp->tx_msgs);
	seq_printf(m, "rx: %lu\n", rp->rx_msgs);
	seq_printf(m, "tx_full_waits: %lu\n", rp->tx_full_waits);
	seq_printf(m, "rx_no_buffer_waits: %lu\n", rp->rx_no_buffer_waits);
	seq_printf(m, "malformed: %lu\n", rp->malformed);
	seq_printf(m, "out_of_pool: %lu\n", rp->pool.refused);
	seq_printf(m, "tx_dropped: %lu\n", rp->tx_dropped);
	seq_printf(m, "bus_errors: %lu\n", rp->bus_errors);
	seq_printf(m, "sessions: %lu\n", rp->sessions);
	seq_printf(m, "bindings: %lu\n", rp->bindings);
	seq_printf(m, "static_channels: %u\n", rp->nchans);
	mutex_unlock(&rp->mutex);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rpmsg_stats);

/*
 * Test hook: the next tx descriptor is read as if its address were this
 * one (tests/target/62-rpmsg-xport.sh forges addresses outside the pool).
 */
static int pbus_rpmsg_forge_get(void *data, u64 *val)
{
	struct pbus_rpmsg *rp = data;
	unsigned long flags;

	spin_lock_irqsave(&rp->stage_lock, flags);
	*val = rp->forge_tx;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
	return 0;
}

static int pbus_rpmsg_forge_set(void *data, u64 val)
{
	struct pbus_rpmsg *rp = data;
	unsigned long flags;

	spin_lock_irqsave(&rp->stage_lock, flags);
	rp->forge_tx = val;
	spin_unlock_irqrestore(&rp->stage_lock, flags);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pbus_rpmsg_forge_fops, pbus_rpmsg_forge_get,
			 pbus_rpmsg_forge_set, "0x%llx\n");

/* The same for the next rx descriptor: the transport must stop, not write. */
static int pbus_rpmsg_forge_rx_get(void *data, u64 *val)
{
	struct pbus_rpmsg *rp = data;

	mutex_lock(&rp->mutex);
	*val = rp->forge_rx;
	mutex_unlock(&rp->mutex);
	return 0;
}

static int pbus_rpmsg_forge_rx_set(void *data, u64 val)
{
	struct pbus_rpmsg *rp = data;

	mutex_lock(&rp->mutex);
	rp->forge_rx = val;
	mutex_unlock(&rp->mutex);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pbus_rpmsg_forge_rx_fops, pbus_rpmsg_forge_rx_get,
			 pbus_rpmsg_forge_rx_set, "0x%llx\n");

/*
 * Static channels: a "rpmsg-channels" child of the remoteproc's node, one
 * subnode per channel with "channel-name" and "reg" (the remote address).
 */
static void pbus_rpmsg_parse_chans(struct pbus_rpmsg *rp)
{
	struct device_node *np = rp->rproc->dev.parent->of_node;
	struct device_node *chans, *child;
	struct pbus_rpmsg_chan *chan;
	const char *name;
	u32 addr;

	chans = of_get_child_by_name(np, "rpmsg-channels");
	if (!chans)
		return;

	for_each_available_child_of_node(chans, child) {
		if (rp->nchans >= PBUS_RPMSG_MAX_CHANS) {
			dev_warn(rp->dev, "more than %u static rpmsg channels: rest ignored\n",
				 PBUS_RPMSG_MAX_CHANS);
			of_node_put(child);
			break;
		}
		if (of_property_read_string(child, "channel-name", &name) ||
		    of_property_read_u32(child, "reg", &addr) ||
		    strlen(name) >= RPMSG_NAME_SIZE ||
		    addr == RPMSG_NS_ADDR) {
			dev_warn(rp->dev, "%pOF: bad static rpmsg channel: ignored\n",
				 child);
			continue;
		}
		chan = &rp->chans[rp->nchans++];
		strscpy(chan->name, name, sizeof(chan->name));
		chan->addr = addr;
	}
	of_node_put(chans);
}

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
	if (!rp->slot || !rp->stage) {
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

	rp->dbg = debugfs_create_dir(dev_name(&rproc->dev), pbus_rpmsg_dbg_root);
	debugfs_create_file("mbox", 0444, rp->dbg, rp, &pbus_rpmsg_mbox_fops);
	debugfs_create_file("stats", 0444, rp->dbg, rp, &pbus_rpmsg_stats_fops);
	debugfs_create_file_unsafe("forge_tx", 0600, rp->dbg, rp,
				   &pbus_rpmsg_forge_fops);
	debugfs_create_file_unsafe("forge_rx", 0600, rp->dbg, rp,
				   &pbus_rpmsg_forge_rx_fops);

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
