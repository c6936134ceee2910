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
 * The vrings are found in remoteproc's loaded resource table (the vdev
 * entry holds each vring's device address once remoteproc allocated it)
 * and translated with rproc_da_to_va(). A buffer address is a physical
 * address (remoteproc's vdevs do not use the DMA API for their rings):
 * it must lie in one page of the kernel's linear map, which holds for
 * virtio_rpmsg_bus's buffers (512-byte slices of a page-aligned coherent
 * allocation; on 32-bit ARM a CMA allocation is remapped in place, so the
 * linear address is the driver's own mapping).
 *
 * Kicks (possibly atomic) and the remote's IRQ only schedule the work that
 * does all of this. pbus_rproc hands every remoteproc to this module
 * (pbus_rproc_register_transport()), so the loading order does not matter:
 * loaded after a remote booted, the transport takes over the running
 * vrings; unloaded, the rpmsg devices stay but stall until it comes back.
 *
 * The host tells the remote that its rpmsg side is up (MBOX_CTRL =
 * HOST_READY) when the virtio driver set DRIVER_OK; static channels from
 * the device tree (remotes that never announce) are then announced to the
 * host's name service as if the remote had sent them.
 */

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/remoteproc.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_compat.h"

#define PBUS_RPMSG_REG(off)	(PBUS_REMOTE_REG_BASE + PBUS_REMOTE_REG_USER + (off))

#define PBUS_RPMSG_HDR_LEN	16	/* struct rpmsg_hdr of virtio_rpmsg_bus */
#define PBUS_RPMSG_NS_ADDR	53	/* the name service's address */
#define PBUS_RPMSG_NS_CREATE	0
#define PBUS_RPMSG_NAME_SIZE	32
#define PBUS_RPMSG_MAX_CHANS	16	/* static channels per remote */
#define PBUS_RPMSG_MAX_SLOT	(PBUS_RP_MBOX_SLOT_HDR + SZ_4K)
#define PBUS_RPMSG_MAX_SLOTS	1024
#define PBUS_RPMSG_MAX_VRING	1024
#define PBUS_RPMSG_BUDGET	32	/* messages per direction and pass */
#define PBUS_RPMSG_RETRY_MS	10	/* after a bus error or a full inbox */
/* first read of an outbox slot: small messages need no second one */
#define PBUS_RPMSG_PEEK		(PBUS_RP_MBOX_SLOT_HDR + PBUS_RPMSG_HDR_LEN + 32)

/* Why the work runs: only kicks need no look at the remote's counters. */
#define PBUS_RPMSG_EV_KICK	0	/* a vring kick of the driver */
#define PBUS_RPMSG_EV_REMOTE	1	/* IRQ, start, requeue: news from the remote */

static unsigned int poll_ms = 100;
module_param(poll_ms, uint, 0644);
MODULE_PARM_DESC(poll_ms,
		 "look at the mailboxes this often even without IRQ (ms, 0 = only on IRQ and kicks)");

/* Header of an rpmsg message as virtio_rpmsg_bus lays it out. */
struct pbus_rpmsg_hdr {
	__le32 src;
	__le32 dst;
	__le32 reserved;
	__le16 len;
	__le16 flags;
} __packed;

/* Name service announcement (payload to PBUS_RPMSG_NS_ADDR). */
struct pbus_rpmsg_ns {
	char name[PBUS_RPMSG_NAME_SIZE];
	__le32 addr;
	__le32 flags;
} __packed;

/* Slot header of a mailbox (PBUS_RP_MBOX_SLOT_HDR bytes). */
struct pbus_rpmsg_slot_hdr {
	__le16 len;
	__le16 zero;
} __packed;

/**
 * struct pbus_rpmsg_vq - the device side of one vring
 * @vr: the ring in host memory
 * @notifyid: remoteproc's id of the vring
 * @last_avail: next avail entry to take
 * @used_idx: shadow of the used index, which only this side writes
 */
struct pbus_rpmsg_vq {
	struct vring vr;
	int notifyid;
	u16 last_avail;
	u16 used_idx;
};

/**
 * struct pbus_rpmsg_chan - a static channel from the device tree
 * @name: rpmsg channel name
 * @addr: the remote's endpoint address
 */
struct pbus_rpmsg_chan {
	char name[PBUS_RPMSG_NAME_SIZE];
	u32 addr;
};

/**
 * struct pbus_rpmsg - the transport of one remoteproc
 * @rproc: the remoteproc
 * @bus: the bus to its remote
 * @dev: for messages (the remoteproc's device)
 * @work: does all bus and ring work
 * @lock: protects @active against kicks and the IRQ hook
 * @active: between the start and stop hooks: the work may run
 * @events: PBUS_RPMSG_EV_* bits since the work last ran
 * @mutex: serialises the work against debugfs
 * @dbg: debugfs directory
 * @chans: static channels
 * @nchans: number of @chans
 * @rings: @rx and @tx are set up for this session
 * @ready: mailbox geometry read and HOST_READY written
 * @broken: a ring or the mailbox is unusable until the next session
 * @rx: the rx vring (host receives)
 * @tx: the tx vring (host sends)
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
 * @credits_at: jiffies of the last read of the remote's counters
 * @ns_next: next static channel to announce
 * @slot: one slot, for transfers
 * @tx_msgs: messages sent
 * @rx_msgs: messages received
 * @tx_full_waits: times a send waited for inbox space
 * @rx_no_buffer_waits: times a receive waited for an rx buffer
 * @malformed: outbox messages dropped as malformed
 * @bus_errors: failed bus transfers (retried)
 * @sessions: remote boots seen
 */
struct pbus_rpmsg {
	struct rproc *rproc;
	struct pbus *bus;
	struct device *dev;
	struct delayed_work work;
	spinlock_t lock;	/* protects active */
	bool active;
	unsigned long events;
	struct mutex mutex;	/* serialises work and debugfs */
	struct dentry *dbg;
	struct pbus_rpmsg_chan chans[PBUS_RPMSG_MAX_CHANS];
	unsigned int nchans;

	bool rings;
	bool ready;
	bool broken;
	struct pbus_rpmsg_vq rx;
	struct pbus_rpmsg_vq tx;
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
	unsigned long credits_at;
	unsigned int ns_next;
	u8 *slot;

	unsigned long tx_msgs;
	unsigned long rx_msgs;
	unsigned long tx_full_waits;
	unsigned long rx_no_buffer_waits;
	unsigned long malformed;
	unsigned long bus_errors;
	unsigned long sessions;
};

static struct workqueue_struct *pbus_rpmsg_wq;
static struct dentry *pbus_rpmsg_dbg_root;

/* Legacy virtio (remoteproc's vdevs): rings in the CPU's byte order. */
static u16 pbus_rpmsg_v16(__virtio16 v)
{
	return __virtio16_to_cpu(virtio_legacy_is_little_endian(), v);
}

static u32 pbus_rpmsg_v32(__virtio32 v)
{
	return __virtio32_to_cpu(virtio_legacy_is_little_endian(), v);
}

static u64 pbus_rpmsg_v64(__virtio64 v)
{
	return __virtio64_to_cpu(virtio_legacy_is_little_endian(), v);
}

static __virtio16 pbus_rpmsg_cpu16(u16 v)
{
	return __cpu_to_virtio16(virtio_legacy_is_little_endian(), v);
}

static __virtio32 pbus_rpmsg_cpu32(u32 v)
{
	return __cpu_to_virtio32(virtio_legacy_is_little_endian(), v);
}

/*
 * Schedule the work after @ms for event @ev (PBUS_RPMSG_EV_*, or -1 for a
 * poll); @now: also bring a pending run forward.
 */
static void pbus_rpmsg_schedule(struct pbus_rpmsg *rp, int ev, unsigned int ms,
				bool now)
{
	unsigned long flags;

	if (ev >= 0)
		set_bit(ev, &rp->events);
	spin_lock_irqsave(&rp->lock, flags);
	if (rp->active) {
		if (now)
			mod_delayed_work(pbus_rpmsg_wq, &rp->work, 0);
		else
			queue_delayed_work(pbus_rpmsg_wq, &rp->work,
					   msecs_to_jiffies(ms));
	}
	spin_unlock_irqrestore(&rp->lock, flags);
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
				const struct fw_rsc_vdev_vring *vring)
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

	vring_init(&vq->vr, vring->num, va, vring->align);
	vq->notifyid = vring->notifyid;
	/* whatever was used before (a transport attached late) stays used */
	vq->used_idx = pbus_rpmsg_v16(READ_ONCE(vq->vr.used->idx));
	vq->last_avail = vq->used_idx;

	return 0;
}

/* Find both vrings; -EAGAIN while the virtio driver is not up. */
static int pbus_rpmsg_map_rings(struct pbus_rpmsg *rp)
{
	struct fw_rsc_vdev *vdev = pbus_rpmsg_find_vdev(rp->rproc);
	int ret;

	if (!vdev || !(READ_ONCE(vdev->status) & VIRTIO_CONFIG_S_DRIVER_OK))
		return -EAGAIN;
	/* the vring addresses were written before DRIVER_OK */
	virt_rmb();

	ret = pbus_rpmsg_map_vring(rp, &rp->rx, &vdev->vring[0]);
	if (!ret)
		ret = pbus_rpmsg_map_vring(rp, &rp->tx, &vdev->vring[1]);
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
static int pbus_rpmsg_read_mbox(struct pbus_rpmsg *rp)
{
	u32 window = pbus_remote_window_size(rp->bus);
	__le32 regs[PBUS_RPMSG_NREGS];
	u64 in_end, out_end;
	int ret;

	ret = pbus_read(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_CTRL), regs,
			sizeof(regs));
	if (ret)
		return ret;

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
	if (rp->slot_size < PBUS_RP_MBOX_SLOT_HDR + PBUS_RPMSG_HDR_LEN ||
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

/* Set up the session: rings, mailboxes, HOST_READY. */
static int pbus_rpmsg_setup(struct pbus_rpmsg *rp)
{
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

	ret = pbus_rpmsg_read_mbox(rp);
	if (ret == -EPROTO)
		goto broken;
	if (!ret)
		ret = pbus_write32(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_CTRL),
				   PBUS_RP_MBOX_HOST_READY);
	if (ret) {
		rp->bus_errors++;
		return ret;
	}

	rp->ready = true;
	rp->ns_next = 0;
	dev_dbg(rp->dev, "rpmsg over pbus up: slot %u, inbox %u, outbox %u\n",
		rp->slot_size, rp->in_slots, rp->out_slots);
	return 0;

broken:
	rp->broken = true;
	dev_err(rp->dev, "rpmsg transport disabled until the remote restarts\n");
	return -EPROTO;
}

/*
 * A buffer of the driver: @len bytes at physical address @addr, inside one
 * page of the linear map. NULL if not.
 */
static void *pbus_rpmsg_buf(u64 addr, u32 len)
{
	phys_addr_t pa = addr;
	struct page *page;

	if ((u64)pa != addr || !len || offset_in_page(pa) + len > PAGE_SIZE ||
	    !pfn_valid(PHYS_PFN(pa)))
		return NULL;
	page = pfn_to_page(PHYS_PFN(pa));
	if (PageHighMem(page))
		return NULL;

	return page_address(page) + offset_in_page(pa);
}

/*
 * Take the next available buffer of @vq: its head index, host address and
 * length; @write: the device writes it. 0, -ENOBUFS if none, -EPROTO if
 * the driver's ring is inconsistent.
 */
static int pbus_rpmsg_get_buf(struct pbus_rpmsg *rp, struct pbus_rpmsg_vq *vq,
			      bool write, u16 *head, void **buf, u32 *len)
{
	unsigned int num = vq->vr.num;
	struct vring_desc *desc;
	u16 avail, flags;

	avail = pbus_rpmsg_v16(READ_ONCE(vq->vr.avail->idx));
	if (avail == vq->last_avail)
		return -ENOBUFS;
	if ((u16)(avail - vq->last_avail) > num)
		goto bad;
	/* the entry and its descriptor after the index */
	virt_rmb();

	*head = pbus_rpmsg_v16(READ_ONCE(vq->vr.avail->ring[vq->last_avail & (num - 1)]));
	if (*head >= num)
		goto bad;
	desc = &vq->vr.desc[*head];
	flags = pbus_rpmsg_v16(READ_ONCE(desc->flags));
	*len = pbus_rpmsg_v32(READ_ONCE(desc->len));
	if (flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT) ||
	    !!(flags & VRING_DESC_F_WRITE) != write)
		goto bad;
	*buf = pbus_rpmsg_buf(pbus_rpmsg_v64(READ_ONCE(desc->addr)), *len);
	if (!*buf)
		goto bad;

	return 0;

bad:
	dev_err(rp->dev, "%s vring: bad avail entry %u (avail %u, num %u)\n",
		write ? "rx" : "tx", vq->last_avail, avail, num);
	return -EPROTO;
}

/* Return buffer @head (@len bytes written) to the used ring, unpublished. */
static void pbus_rpmsg_put_buf(struct pbus_rpmsg_vq *vq, u16 head, u32 len)
{
	struct vring_used_elem *used;

	used = &vq->vr.used->ring[vq->used_idx & (vq->vr.num - 1)];
	used->id = pbus_rpmsg_cpu32(head);
	used->len = pbus_rpmsg_cpu32(len);
	vq->used_idx++;
	vq->last_avail++;
}

/* Publish the used entries and interrupt the driver if it wants it. */
static void pbus_rpmsg_publish(struct pbus_rpmsg *rp, struct pbus_rpmsg_vq *vq)
{
	/* the entries before the index */
	virt_wmb();
	WRITE_ONCE(vq->vr.used->idx, pbus_rpmsg_cpu16(vq->used_idx));
	/* the index before the driver's flags (it enables, then re-checks) */
	virt_mb();
	if (pbus_rpmsg_v16(READ_ONCE(vq->vr.avail->flags)) &
	    VRING_AVAIL_F_NO_INTERRUPT)
		return;
	/* rpmsg's remove resets the device before it deletes the vqs */
	if (pbus_rpmsg_driver_ok(rp))
		rproc_vq_interrupt(rp->rproc, vq->notifyid);
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
 * Move available tx buffers into the inbox. Returns 0, -EAGAIN when more
 * work is left, -ENOSPC when the inbox is full, another error to retry.
 */
static int pbus_rpmsg_tx(struct pbus_rpmsg *rp)
{
	struct pbus_rpmsg_slot_hdr *sh = (void *)rp->slot;
	struct pbus_rpmsg_vq *vq = &rp->tx;
	unsigned int n = 0;
	int ret = 0;
	void *buf;
	u16 head;
	u32 len;

	while (n < PBUS_RPMSG_BUDGET) {
		ret = pbus_rpmsg_get_buf(rp, vq, false, &head, &buf, &len);
		if (ret == -ENOBUFS) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		ret = pbus_rpmsg_in_space(rp);
		if (ret) {
			if (ret == -ENOSPC && !rp->tx_blocked) {
				rp->tx_blocked = true;
				rp->tx_full_waits++;
			}
			break;
		}
		rp->tx_blocked = false;

		if (len < PBUS_RPMSG_HDR_LEN ||
		    len > rp->slot_size - PBUS_RP_MBOX_SLOT_HDR) {
			/* cannot be sent: give it back, as a failed send */
			dev_warn_ratelimited(rp->dev, "tx message of %u bytes does not fit a %u-byte slot: dropped\n",
					     len, rp->slot_size);
			rp->malformed++;
			pbus_rpmsg_put_buf(vq, head, 0);
			n++;
			continue;
		}

		sh->len = cpu_to_le16(len);
		sh->zero = 0;
		memcpy(rp->slot + PBUS_RP_MBOX_SLOT_HDR, buf, len);
		ret = pbus_write(rp->bus, pbus_rpmsg_in_slot(rp, rp->in_head),
				 rp->slot, PBUS_RP_MBOX_SLOT_HDR + len);
		if (ret) {
			rp->bus_errors++;
			break;	/* the buffer stays available: redone */
		}
		rp->in_head++;
		rp->in_head_dirty = true;
		pbus_rpmsg_put_buf(vq, head, 0);
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
	if (n)
		pbus_rpmsg_publish(rp, vq);
	if (!ret && n == PBUS_RPMSG_BUDGET)
		ret = -EAGAIN;

	return ret;
}

/* Announce the next static channel into an rx buffer. */
static void pbus_rpmsg_rx_ns(struct pbus_rpmsg *rp, const struct pbus_rpmsg_chan *chan,
			     void *buf, u16 head)
{
	struct pbus_rpmsg_hdr *hdr = buf;
	struct pbus_rpmsg_ns *ns = buf + sizeof(*hdr);

	hdr->src = cpu_to_le32(chan->addr);
	hdr->dst = cpu_to_le32(PBUS_RPMSG_NS_ADDR);
	hdr->reserved = 0;
	hdr->len = cpu_to_le16(sizeof(*ns));
	hdr->flags = 0;
	memset(ns, 0, sizeof(*ns));
	strscpy(ns->name, chan->name, sizeof(ns->name));
	ns->addr = cpu_to_le32(chan->addr);
	ns->flags = cpu_to_le32(PBUS_RPMSG_NS_CREATE);
	pbus_rpmsg_put_buf(&rp->rx, head, sizeof(*hdr) + sizeof(*ns));
}

/*
 * Read outbox slot @rp->out_tail into @rp->slot and check it. Returns the
 * message length, 0 for a malformed message (to drop), or an error.
 */
static int pbus_rpmsg_read_slot(struct pbus_rpmsg *rp)
{
	struct pbus_rpmsg_slot_hdr *sh = (void *)rp->slot;
	struct pbus_rpmsg_hdr *hdr = (void *)(rp->slot + PBUS_RP_MBOX_SLOT_HDR);
	u32 addr = pbus_rpmsg_out_slot(rp, rp->out_tail);
	u32 peek = min_t(u32, PBUS_RPMSG_PEEK, rp->slot_size);
	u32 len, total;
	int ret;

	ret = pbus_read(rp->bus, addr, rp->slot, peek);
	if (ret)
		return ret;

	len = le16_to_cpu(sh->len);
	if (sh->zero || len < PBUS_RPMSG_HDR_LEN ||
	    len > rp->slot_size - PBUS_RP_MBOX_SLOT_HDR ||
	    le16_to_cpu(hdr->len) != len - PBUS_RPMSG_HDR_LEN) {
		dev_warn_ratelimited(rp->dev, "outbox message %u malformed (slot len %u, zero %u, rpmsg len %u): dropped\n",
				     rp->out_tail, len, le16_to_cpu(sh->zero),
				     le16_to_cpu(hdr->len));
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

/*
 * Move outbox messages (static announcements first) into rx buffers.
 * Returns 0, -EAGAIN when more work is left, -ENOBUFS when the driver has
 * no rx buffer, another error to retry.
 */
static int pbus_rpmsg_rx(struct pbus_rpmsg *rp)
{
	struct pbus_rpmsg_vq *vq = &rp->rx;
	unsigned int n = 0;
	int ret = 0, len;
	void *buf;
	u16 head;
	u32 blen;

	while (n < PBUS_RPMSG_BUDGET &&
	       (rp->ns_next < rp->nchans || rp->out_tail != rp->out_head)) {
		ret = pbus_rpmsg_get_buf(rp, vq, true, &head, &buf, &blen);
		if (ret) {
			if (ret == -ENOBUFS && !rp->rx_blocked) {
				rp->rx_blocked = true;
				rp->rx_no_buffer_waits++;
			}
			break;
		}
		rp->rx_blocked = false;

		if (rp->ns_next < rp->nchans) {
			if (blen < PBUS_RPMSG_HDR_LEN + sizeof(struct pbus_rpmsg_ns)) {
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
		pbus_rpmsg_put_buf(vq, head, len);
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
		pbus_rpmsg_publish(rp, vq);
	if (!ret && n == PBUS_RPMSG_BUDGET)
		ret = -EAGAIN;

	return ret;
}

/* One read of IN_TAIL .. OUT_HEAD: both mailboxes' news. */
static int pbus_rpmsg_read_credits(struct pbus_rpmsg *rp)
{
	__le32 regs[(PBUS_RP_MBOX_OUT_HEAD - PBUS_RP_MBOX_IN_TAIL) / 4 + 1];
	u32 in_tail, out_head;
	int ret;

	ret = pbus_read(rp->bus, PBUS_RPMSG_REG(PBUS_RP_MBOX_IN_TAIL), regs,
			sizeof(regs));
	if (ret) {
		rp->bus_errors++;
		return ret;
	}
	in_tail = le32_to_cpu(regs[0]);
	out_head = le32_to_cpu(regs[ARRAY_SIZE(regs) - 1]);
	if (rp->in_head - in_tail > rp->in_slots ||
	    out_head - rp->out_tail > rp->out_slots) {
		dev_err(rp->dev, "remote mailbox counters inconsistent: inbox %u/%u, outbox %u/%u\n",
			rp->in_head, in_tail, out_head, rp->out_tail);
		return -EPROTO;
	}
	rp->in_tail = in_tail;
	rp->out_head = out_head;
	rp->credits_at = jiffies;

	return 0;
}

static void pbus_rpmsg_work(struct work_struct *work)
{
	struct pbus_rpmsg *rp = container_of(to_delayed_work(work),
					     struct pbus_rpmsg, work);
	unsigned long ev = xchg(&rp->events, 0);
	unsigned int delay = poll_ms;
	int ret, tx, rx;

	mutex_lock(&rp->mutex);
	ret = pbus_rpmsg_setup(rp);
	if (ret) {
		/* not up yet (kick or poll retries), or broken: poll only */
		if (ret != -EAGAIN && ret != -EPROTO)
			delay = PBUS_RPMSG_RETRY_MS;
		goto out;
	}

	/*
	 * Kicks alone: the cached counters do (a full inbox is re-read by
	 * the tx path; new outbox messages come with an IRQ), unless they
	 * are older than a poll period (kicks keep the poll from running).
	 */
	if (ev & ~BIT(PBUS_RPMSG_EV_KICK) || !ev ||
	    time_after(jiffies, rp->credits_at + msecs_to_jiffies(poll_ms))) {
		ret = pbus_rpmsg_read_credits(rp);
		if (ret && ret != -EPROTO) {
			set_bit(PBUS_RPMSG_EV_REMOTE, &rp->events);
			delay = PBUS_RPMSG_RETRY_MS;
			goto out;
		}
	}
	tx = ret ?: pbus_rpmsg_tx(rp);
	rx = ret ?: pbus_rpmsg_rx(rp);
	if (tx == -EPROTO || rx == -EPROTO) {
		rp->broken = true;
		rp->ready = false;
		dev_err(rp->dev, "rpmsg transport disabled until the remote restarts\n");
		goto out;
	}
	if (tx == -EAGAIN || rx == -EAGAIN) {
		mutex_unlock(&rp->mutex);
		pbus_rpmsg_schedule(rp, PBUS_RPMSG_EV_REMOTE, 0, true);
		return;
	}
	/* a full inbox is normally reopened by the remote's IRQ */
	if ((tx && tx != -ENOBUFS) || (rx && rx != -ENOBUFS)) {
		set_bit(PBUS_RPMSG_EV_REMOTE, &rp->events);
		delay = PBUS_RPMSG_RETRY_MS;
	}
out:
	mutex_unlock(&rp->mutex);
	if (delay)
		pbus_rpmsg_schedule(rp, -1, delay, false);
}

/* Transport hooks, called by pbus_rproc. */

static void pbus_rpmsg_kick(void *ctx, int notifyid)
{
	pbus_rpmsg_schedule(ctx, PBUS_RPMSG_EV_KICK, 0, true);
}

static void pbus_rpmsg_vring_irq(void *ctx)
{
	pbus_rpmsg_schedule(ctx, PBUS_RPMSG_EV_REMOTE, 0, true);
}

static void pbus_rpmsg_start(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;
	unsigned long flags;

	mutex_lock(&rp->mutex);
	rp->rings = false;
	rp->ready = false;
	rp->broken = false;
	rp->tx_blocked = false;
	rp->rx_blocked = false;
	rp->sessions++;
	mutex_unlock(&rp->mutex);

	spin_lock_irqsave(&rp->lock, flags);
	rp->active = true;
	spin_unlock_irqrestore(&rp->lock, flags);
	/* attached to a running remote: its driver may be up already */
	pbus_rpmsg_schedule(rp, PBUS_RPMSG_EV_REMOTE, 0, true);
}

static void pbus_rpmsg_stop(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;
	unsigned long flags;

	spin_lock_irqsave(&rp->lock, flags);
	rp->active = false;
	spin_unlock_irqrestore(&rp->lock, flags);
	cancel_delayed_work_sync(&rp->work);

	mutex_lock(&rp->mutex);
	rp->rings = false;
	rp->ready = false;
	mutex_unlock(&rp->mutex);
}

/* debugfs */

static int pbus_rpmsg_mbox_show(struct seq_file *m, void *unused)
{
	struct pbus_rpmsg *rp = m->private;

	mutex_lock(&rp->mutex);
	seq_printf(m, "state: %s\n", rp->broken ? "broken" :
		   rp->ready ? "ready" : rp->rings ? "rings" : "down");
	if (rp->ready) {
		seq_printf(m, "slot_size: %u\n", rp->slot_size);
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
		seq_printf(m, "rx_vring: num %u avail %u used %u\n",
			   rp->rx.vr.num,
			   pbus_rpmsg_v16(READ_ONCE(rp->rx.vr.avail->idx)),
			   rp->rx.used_idx);
		seq_printf(m, "tx_vring: num %u avail %u used %u\n",
			   rp->tx.vr.num,
			   pbus_rpmsg_v16(READ_ONCE(rp->tx.vr.avail->idx)),
			   rp->tx.used_idx);
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
	seq_printf(m, "bus_errors: %lu\n", rp->bus_errors);
	seq_printf(m, "sessions: %lu\n", rp->sessions);
	seq_printf(m, "static_channels: %u\n", rp->nchans);
	mutex_unlock(&rp->mutex);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rpmsg_stats);

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
		    strlen(name) >= PBUS_RPMSG_NAME_SIZE ||
		    addr == PBUS_RPMSG_NS_ADDR) {
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

	if (!virtio_legacy_is_little_endian())
		return ERR_PTR(-EOPNOTSUPP);	/* the remote speaks LE */

	rp = kzalloc(sizeof(*rp), GFP_KERNEL);
	if (!rp)
		return ERR_PTR(-ENOMEM);
	rp->slot = kmalloc(PBUS_RPMSG_MAX_SLOT, GFP_KERNEL);
	if (!rp->slot) {
		kfree(rp);
		return ERR_PTR(-ENOMEM);
	}
	rp->rproc = rproc;
	rp->bus = bus;
	rp->dev = &rproc->dev;
	spin_lock_init(&rp->lock);
	mutex_init(&rp->mutex);
	INIT_DELAYED_WORK(&rp->work, pbus_rpmsg_work);
	pbus_rpmsg_parse_chans(rp);

	rp->dbg = debugfs_create_dir(dev_name(&rproc->dev), pbus_rpmsg_dbg_root);
	debugfs_create_file("mbox", 0444, rp->dbg, rp, &pbus_rpmsg_mbox_fops);
	debugfs_create_file("stats", 0444, rp->dbg, rp, &pbus_rpmsg_stats_fops);

	dev_info(rp->dev, "rpmsg transport over %s%s\n", pbus_name(bus),
		 rp->nchans ? ", static channels" : "");

	return rp;
}

static void pbus_rpmsg_detach(void *ctx)
{
	struct pbus_rpmsg *rp = ctx;

	debugfs_remove_recursive(rp->dbg);
	/* stopped already: nothing is queued any more */
	cancel_delayed_work_sync(&rp->work);
	mutex_destroy(&rp->mutex);
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

	pbus_rpmsg_wq = alloc_workqueue("pbus-rpmsg", WQ_HIGHPRI, 0);
	if (!pbus_rpmsg_wq)
		return -ENOMEM;
	pbus_rpmsg_dbg_root = debugfs_create_dir("pbus-rpmsg", NULL);

	ret = pbus_rproc_register_transport(&pbus_rpmsg_transport);
	if (ret) {
		debugfs_remove_recursive(pbus_rpmsg_dbg_root);
		destroy_workqueue(pbus_rpmsg_wq);
	}

	return ret;
}
module_init(pbus_rpmsg_init);

static void __exit pbus_rpmsg_exit(void)
{
	pbus_rproc_unregister_transport(&pbus_rpmsg_transport);
	debugfs_remove_recursive(pbus_rpmsg_dbg_root);
	destroy_workqueue(pbus_rpmsg_wq);
}
module_exit(pbus_rpmsg_exit);

MODULE_DESCRIPTION("rpmsg transport to a remote processor behind pbus");
MODULE_LICENSE("GPL");
/* the name service and the virtio rpmsg bus that this transport serves */
MODULE_SOFTDEP("pre: rpmsg_ns virtio_rpmsg_bus");
