// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: the device side of one split vring (legacy virtio, rings in
 * the CPU's byte order), as remoteproc's vdevs lay them out.
 *
 * VIRTIO_RING_F_EVENT_IDX: a firmware may offer it in its dfeatures, and
 * virtio_ring accepts it; then the driver kicks only when its avail index
 * passes avail_event and wants an interrupt only when the used index
 * passes used_event. This side honours both whether or not the feature
 * was negotiated: avail_event is written each time the ring is found empty
 * (it exists in the ring's memory either way and a driver without the
 * feature ignores it), followed by a re-check of the avail index so that
 * a buffer added meanwhile is not left waiting for a kick that does not
 * come; interrupts follow used_event with the feature, the avail ring's
 * NO_INTERRUPT flag without it.
 */

#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/remoteproc.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>

#include "pbus_rpmsg.h"

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

/**
 * pbus_rpmsg_vq_init() - take over a vring
 * @vq: to fill (@vq->name set by the caller)
 * @va: the ring in host memory (remoteproc's carveout)
 * @vring: its resource table entry
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated
 *
 * Whatever is on the used ring stays used: a ring zeroed by the driver's
 * find_vqs() starts at 0, a running ring (the transport reloaded) where it
 * is. The caller checked the entry.
 */
void pbus_rpmsg_vq_init(struct pbus_rpmsg_vq *vq, void *va,
			const struct fw_rsc_vdev_vring *vring, bool event_idx)
{
	vring_init(&vq->vr, vring->num, va, vring->align);
	vq->notifyid = vring->notifyid;
	vq->event_idx = event_idx;
	vq->used_idx = pbus_rpmsg_v16(READ_ONCE(vq->vr.used->idx));
	vq->last_avail = vq->used_idx;
	vq->signalled = vq->used_idx;
}

u16 pbus_rpmsg_vq_avail_idx(struct pbus_rpmsg_vq *vq)
{
	return pbus_rpmsg_v16(READ_ONCE(vq->vr.avail->idx));
}

/* Empty ring: ask for a kick at the next entry, then look once more. */
static u16 pbus_rpmsg_vq_wait_kick(struct pbus_rpmsg_vq *vq)
{
	WRITE_ONCE(vring_avail_event(&vq->vr), pbus_rpmsg_cpu16(vq->last_avail));
	/* avail_event before the re-read (the driver adds, then reads it) */
	virt_mb();
	return pbus_rpmsg_vq_avail_idx(vq);
}

/**
 * pbus_rpmsg_vq_get() - take the next available buffer
 * @vq: the vring
 * @pool: the vdev buffer pool, the only place a buffer may be
 * @write: the device writes the buffer (rx)
 * @forge: test hook (debugfs): use this address instead of the
 *	descriptor's if not 0
 * @head: its head index
 * @buf: the transport's address of the buffer
 * @len: its length
 *
 * Return: 0; -ENOBUFS if there is none; -EFAULT if the buffer is not inside
 * the pool (refused: the entry is still taken, @head valid, @buf not);
 * -EPROTO if the driver's ring is inconsistent.
 */
int pbus_rpmsg_vq_get(struct pbus_rpmsg_vq *vq, struct pbus_rpmsg_pool *pool,
		      bool write, u64 forge, u16 *head, void **buf, u32 *len)
{
	unsigned int num = vq->vr.num;
	struct vring_desc *desc;
	u16 avail, flags;
	u64 addr;

	avail = pbus_rpmsg_vq_avail_idx(vq);
	if (avail == vq->last_avail) {
		avail = pbus_rpmsg_vq_wait_kick(vq);
		if (avail == vq->last_avail)
			return -ENOBUFS;
	}
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
	addr = forge ?: pbus_rpmsg_v64(READ_ONCE(desc->addr));
	*buf = pbus_rpmsg_pool_buf(pool, addr, *len);

	return *buf ? 0 : -EFAULT;

bad:
	dev_err_ratelimited(pool->dev, "%s vring: bad avail entry %u (avail %u, num %u)\n",
			    vq->name, vq->last_avail, avail, num);
	return -EPROTO;
}

/**
 * pbus_rpmsg_vq_put() - return buffer @head, @len bytes written, unpublished
 * @vq: the vring
 * @head: from pbus_rpmsg_vq_get()
 * @len: bytes the device wrote
 */
void pbus_rpmsg_vq_put(struct pbus_rpmsg_vq *vq, u16 head, u32 len)
{
	struct vring_used_elem *used;

	used = &vq->vr.used->ring[vq->used_idx & (vq->vr.num - 1)];
	used->id = pbus_rpmsg_cpu32(head);
	used->len = pbus_rpmsg_cpu32(len);
	vq->used_idx++;
	vq->last_avail++;
}

/**
 * pbus_rpmsg_vq_publish() - publish the used entries
 * @vq: the vring
 *
 * Return: the driver wants an interrupt now.
 */
bool pbus_rpmsg_vq_publish(struct pbus_rpmsg_vq *vq)
{
	u16 old = vq->signalled, new = vq->used_idx;

	/* the entries before the index */
	virt_wmb();
	WRITE_ONCE(vq->vr.used->idx, pbus_rpmsg_cpu16(new));
	/* the index before the driver's flags (it enables, then re-checks) */
	virt_mb();
	vq->signalled = new;
	if (vq->event_idx)
		return vring_need_event(pbus_rpmsg_v16(READ_ONCE(vring_used_event(&vq->vr))),
					new, old);
	return !(pbus_rpmsg_v16(READ_ONCE(vq->vr.avail->flags)) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}
