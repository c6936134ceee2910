/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_rpmsg: internal interfaces between the transport's files.
 *
 * pbus_rpmsg_core.c    sessions (rings, mailbox geometry, HOST_READY), the
 *                      tx and rx work, the transport hooks, the virtio bus
 *                      notifier, attach/detach, module init
 * pbus_rpmsg_mbox.c    the messages: tx buffers through the staging ring
 *                      into the inbox, outbox slots into rx buffers
 * pbus_rpmsg_ns.c      the name service: static channels from the DT
 * pbus_rpmsg_debugfs.c debugfs: state, counters, test hooks
 * pbus_rpmsg_vring.c   the device side of one split vring (EVENT_IDX too)
 * pbus_rpmsg_pool.c    the vdev buffer pool: the only way to a buffer
 */
#ifndef _PBUS_RPMSG_H
#define _PBUS_RPMSG_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mod_devicetable.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio_ring.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-regs.h>

#include "pbus_rpmsg_ept.h"

struct dentry;
struct device_node;
struct fw_rsc_vdev_vring;
struct pbus;
struct rproc;

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

#define PBUS_RPMSG_REG(off)	(PBUS_REG_BASE + PBUS_REG_USER + (off))

#define PBUS_RPMSG_MAX_CHANS	16	/* static channels per remote */
#define PBUS_RPMSG_NS_MAX	256	/* highest ns_max_channels */
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

/**
 * struct pbus_rpmsg_chan - a channel: static (device tree) or announced
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
 * @ns_live: channels the remote announced in this session and did not
 *	destroy (PBUS_RPMSG_NS_MAX entries), under @mutex like all @ns_*
 * @ns_nlive: entries in @ns_live
 * @ns_known: @ns_live holds every channel the remote announced to this
 *	binding (the session began with its announcements: not taken over)
 * @ns_tokens: announcements the remote may send now, in 1/HZ units
 * @ns_stamp: jiffies of the last refill of @ns_tokens
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
 * @ns_rx: name-service messages from the remote
 * @ns_created: creations passed to the name service
 * @ns_destroyed: destructions passed to the name service
 * @ns_over_limit: creations dropped: ns_max_channels live already
 * @ns_over_rate: announcements dropped: faster than ns_rate
 * @ns_duplicates: creations dropped: the channel is live already
 * @ns_unknown: destructions dropped: the channel was never announced
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
	struct pbus_rpmsg_chan *ns_live;
	unsigned int ns_nlive;
	bool ns_known;
	u64 ns_tokens;
	unsigned long ns_stamp;
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
	unsigned long ns_rx;
	unsigned long ns_created;
	unsigned long ns_destroyed;
	unsigned long ns_over_limit;
	unsigned long ns_over_rate;
	unsigned long ns_duplicates;
	unsigned long ns_unknown;
};

/* pbus_rpmsg_mbox.c */
int pbus_rpmsg_tx_stage(struct pbus_rpmsg *rp);
int pbus_rpmsg_tx(struct pbus_rpmsg *rp, bool *irq);
int pbus_rpmsg_rx(struct pbus_rpmsg *rp, bool *irq);
bool pbus_rpmsg_tx_drain(struct pbus_rpmsg *rp);

/* pbus_rpmsg_ns.c */
void pbus_rpmsg_parse_chans(struct pbus_rpmsg *rp);
void pbus_rpmsg_ns_static(struct pbus_rpmsg *rp,
			  const struct pbus_rpmsg_chan *chan, void *buf,
			  u16 head);
void pbus_rpmsg_ns_reset(struct pbus_rpmsg *rp);
void pbus_rpmsg_ns_begin(struct pbus_rpmsg *rp, bool known);
bool pbus_rpmsg_ns_filter(struct pbus_rpmsg *rp, const u8 *msg, u32 len);

/* pbus_rpmsg_debugfs.c */
void pbus_rpmsg_debugfs_add(struct pbus_rpmsg *rp, struct dentry *root);

#endif /* _PBUS_RPMSG_H */
