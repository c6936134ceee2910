/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_rpmsg: internal interfaces between the transport's files.
 *
 * pbus_rpmsg_core.c   sessions, the tx and rx work, the mailboxes over the
 *                     bus, the virtio bus notifier, debugfs, module init
 * pbus_rpmsg_vring.c  the device side of one split vring (EVENT_IDX too)
 * pbus_rpmsg_pool.c   the vdev buffer pool: the only way to a buffer
 */
#ifndef _PBUS_RPMSG_H
#define _PBUS_RPMSG_H

#include <linux/device.h>
#include <linux/types.h>
#include <linux/virtio_ring.h>

struct fw_rsc_vdev_vring;

/**
 * struct pbus_rpmsg_pool - the vdev's buffer pool, mapped by the transport
 * @base: physical base of the reserved-memory region
 * @size: its size
 * @va: the transport's own mapping (memremap WC, as the DMA pool's)
 * @dev: for messages
 * @refused: descriptors outside the pool, refused
 */
struct pbus_rpmsg_pool {
	phys_addr_t base;
	size_t size;
	void *va;
	struct device *dev;
	unsigned long refused;
};

int pbus_rpmsg_pool_init(struct pbus_rpmsg_pool *pool, struct device *dev,
			 struct device_node *np);
void pbus_rpmsg_pool_exit(struct pbus_rpmsg_pool *pool);
void *pbus_rpmsg_pool_buf(struct pbus_rpmsg_pool *pool, u64 addr, u32 len);

/**
 * struct pbus_rpmsg_vq - the device side of one vring
 * @vr: the ring in host memory
 * @name: "rx" or "tx", for messages
 * @notifyid: remoteproc's id of the vring
 * @event_idx: VIRTIO_RING_F_EVENT_IDX was negotiated
 * @last_avail: next avail entry to take
 * @used_idx: shadow of the used index, which only this side writes
 * @signalled: used index at the last interrupt decision (EVENT_IDX)
 */
struct pbus_rpmsg_vq {
	struct vring vr;
	const char *name;
	int notifyid;
	bool event_idx;
	u16 last_avail;
	u16 used_idx;
	u16 signalled;
};

void pbus_rpmsg_vq_init(struct pbus_rpmsg_vq *vq, void *va,
			const struct fw_rsc_vdev_vring *vring, bool event_idx);
int pbus_rpmsg_vq_get(struct pbus_rpmsg_vq *vq, struct pbus_rpmsg_pool *pool,
		      bool write, u64 forge, u16 *head, void **buf, u32 *len);
void pbus_rpmsg_vq_put(struct pbus_rpmsg_vq *vq, u16 head, u32 len);
bool pbus_rpmsg_vq_publish(struct pbus_rpmsg_vq *vq);
u16 pbus_rpmsg_vq_avail_idx(struct pbus_rpmsg_vq *vq);

#endif /* _PBUS_RPMSG_H */
