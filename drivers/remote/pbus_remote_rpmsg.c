// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_remote: rpmsg mailboxes and the firmware's rpmsg services.
 *
 * Two rings of fixed-size slots sit at the top of the slave's window
 * (placed at probe, constant afterwards; the firmware validation refuses
 * images reaching into them): the inbox (host -> remote) and the outbox
 * (remote -> host), served through the PBUS_RP_MBOX_* registers of
 * include/linux/pbus-remote.h. The host's transport moves whole rpmsg
 * messages between its virtio_rpmsg_bus vrings and these rings.
 *
 * While the remote is RUNNING, one thread (pbus-rp-rpmsg) consumes the
 * inbox: it reads a slot, hands it to the portable endpoint layer
 * (pbus_rpmsg_ept.c), which checks every length and calls the endpoint
 * at the destination, then bumps IN_TAIL and raises PBUS_RP_IRQ_VRING.
 * Once the host wrote MBOX_CTRL = HOST_READY the same thread announces
 * the named endpoints to the host's name service (address 53).
 *
 * Services (endpoint addresses: PBUS_RP_EPT_* of pbus-remote.h):
 *   0x400  echo, not announced: for the host's rpmsg_ctrl endpoints
 *   0x401  "rpmsg-client-sample": echo (samples/rpmsg/rpmsg_client_sample)
 *   0x402  "rpmsg-raw": echo (the host's rpmsg_char: /dev/rpmsgN)
 *   0x403  "rpmsg-tty": echo (the host's rpmsg_tty: /dev/ttyRPMSGN)
 *   0x404  "rpmsg-raw": bridge to /dev/pbus-rpmsg-bridgeN on the remote
 * An echo goes back to the source address of the message, byte-equal.
 *
 * Flow control, never a drop: the outbox writer fails with -EAGAIN when
 * the outbox is full; an echo then leaves its message in the inbox
 * (IN_TAIL does not move), and the thread retries when the host moves
 * OUT_TAIL (or after PBUS_RP_RETRY_MS). So a host that stops reading the
 * outbox sees the inbox fill up and stop. The bridge holds up to
 * PBUS_RP_BRIDGE_QLEN messages for the reader on the remote; when they
 * are all unread the inbox stalls likewise (when the device is not open
 * at all, messages to the bridge are dropped and counted instead, so
 * that an absent reader does not block the other services). The inbox is
 * consumed in order: one stalled message holds up those behind it.
 *
 * Contexts and locking: the register hooks run in hard IRQ context with
 * the slave's raw spinlock held (and the core's @rp->lock for a reset);
 * they touch the mailbox registers under @lock, a raw spinlock nested
 * inside those, and queue @kick_work, which wakes the waiters (a wait
 * queue's lock must not nest inside a raw spinlock). @ept_mutex
 * serialises the endpoint layer: the table, every send (the outbox
 * producer), the counters. The slave API is never called with @lock
 * held. The rings are reset (indices 0, HOST_READY cleared, generation
 * bumped) by START, STOP, RESET and a crash; a slot read or written for
 * an older generation is never committed.
 *
 * The bridge: the misc device exists from probe to removal. read()
 * returns one message (truncated to the buffer), blocks until one arrives
 * unless O_NONBLOCK; write() sends one message of at most 496 bytes to
 * the host address the last bridge message came from (-ENOTCONN before
 * the host sent one), waiting for outbox room up to tx_timeout_ms
 * (-ETIMEDOUT; -EAGAIN at once with O_NONBLOCK); poll() reports
 * EPOLLIN/EPOLLOUT accordingly. The state of the device outlives its
 * removal while a file is open (reference counted).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "pbus_remote.h"
#include "pbus_rpmsg_ept.h"

#define PBUS_RP_SLOT_SIZE	(PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_BUF_SIZE)
#define PBUS_RP_MBOX_ALIGN	SZ_4K
#define PBUS_RP_RX_BUDGET	16	/* slots per round of the thread */
#define PBUS_RP_RETRY_MS	20	/* retry of a stalled message */
#define PBUS_RP_IDLE_MS		1000	/* idle wake-up of the thread */
#define PBUS_RP_BRIDGE_QLEN	16
/* debugfs ns_forge: forged channels "pbus-forged" at 0x1000, 0x1001, ... */
#define PBUS_RP_FORGE_NAME	"pbus-forged"
#define PBUS_RP_FORGE_ADDR	0x1000
#define PBUS_RP_FORGE_MAX	100000

/* The slot header of the register contract is the endpoint layer's. */
static_assert(PBUS_EPT_SLOT_HDR == PBUS_RP_MBOX_SLOT_HDR);

static unsigned int mbox_slots = 16;
module_param(mbox_slots, uint, 0444);
MODULE_PARM_DESC(mbox_slots,
		 "slots per rpmsg mailbox, power of two 2..256, 0: no mailboxes (default 16)");

static unsigned int tx_timeout_ms = 2000;
module_param(tx_timeout_ms, uint, 0644);
MODULE_PARM_DESC(tx_timeout_ms,
		 "bridge write: longest wait for outbox room in ms, 1..60000 (default 2000)");

static DEFINE_IDA(pbus_rp_bridge_ida);

/**
 * struct pbus_rp_bmsg - one message held for the bridge's reader
 * @len: payload bytes
 * @data: payload
 */
struct pbus_rp_bmsg {
	u16 len;
	u8 data[PBUS_EPT_MTU];
};

/**
 * struct pbus_rp_bridge - the channel bridged to a misc device
 * @misc: /dev/pbus-rpmsg-bridge<id>
 * @id: from pbus_rp_bridge_ida, -1 if none
 * @name: device name
 * @registered: @misc is registered
 * @lock: protects the fields below
 * @rq: readers wait here
 * @q: PBUS_RP_BRIDGE_QLEN messages
 * @head: messages queued (free-running)
 * @tail: messages read
 * @peer: host address of the last message received
 * @peer_valid: @peer is set (cleared when the services stop)
 * @opened: open files
 * @rx: messages queued
 * @rx_full: deliveries refused: queue full (the inbox stalls)
 * @rx_nobody: messages dropped: device not open
 * @tx: messages written
 */
struct pbus_rp_bridge {
	struct miscdevice misc;
	int id;
	char name[32];
	bool registered;

	spinlock_t lock;	/* see the kernel-doc */
	wait_queue_head_t rq;
	struct pbus_rp_bmsg *q;
	u32 head;
	u32 tail;
	u32 peer;
	bool peer_valid;
	unsigned int opened;
	u32 rx;
	u32 rx_full;
	u32 rx_nobody;
	u32 tx;
};

/**
 * struct pbus_rp_rpmsg - mailboxes and rpmsg services of one remote
 * @ref: the device and every open bridge file hold one
 * @rp: the core's state (only the thread uses it)
 * @dev: the remote's device
 * @slave: the slave end
 * @slot_size: PBUS_RP_MBOX_SLOT_SIZE
 * @slots: slots per ring, 0 when there are no mailboxes
 * @in_addr: PBUS_RP_MBOX_IN_ADDR
 * @out_addr: PBUS_RP_MBOX_OUT_ADDR
 * @image_limit: the firmware must end below this window address
 * @lock: protects the fields down to @vring_irqs; taken in the hooks
 * @dying: no more work queued
 * @ctrl: PBUS_RP_MBOX_CTRL
 * @announce_req: HOST_READY was set: announce (again)
 * @in_head: PBUS_RP_MBOX_IN_HEAD
 * @in_tail: PBUS_RP_MBOX_IN_TAIL
 * @out_head: PBUS_RP_MBOX_OUT_HEAD
 * @out_tail: PBUS_RP_MBOX_OUT_TAIL
 * @gen: bumped by every reset of the rings
 * @events: bumped by every host write and reset: the thread's wake-up
 * @resets: resets of the rings
 * @bad_writes: IN_HEAD/OUT_TAIL/CTRL writes refused
 * @vring_irqs: PBUS_RP_IRQ_VRING raised
 * @kick_work: wakes @wq on behalf of the hooks
 * @wq: the thread and bridge writers wait here for host events
 * @ept_mutex: serialises the endpoint layer (@ctx), sends and @up
 * @ctx: endpoint table and counters of this boot
 * @up: services running; read without the mutex with READ_ONCE
 * @ept_bridge: the bridge's endpoint
 * @forge_flags: test hook (debugfs ns_forge): PBUS_EPT_NS_* of the forged
 *	announcements, under @ept_mutex like the other @forge_*
 * @forge_left: forged announcements still to send
 * @forge_next: index of the next (address PBUS_RP_FORGE_ADDR + index)
 * @forge_sent: forged announcements sent for the last request
 * @task: the inbox thread while running
 * @rx_slot: one slot, the thread's buffer
 * @gone: the device was removed (bridge files see -ENODEV)
 * @br: the bridge
 */
struct pbus_rp_rpmsg {
	struct kref ref;
	struct pbus_remote *rp;
	struct device *dev;
	struct pbus_slave *slave;
	u32 slot_size;
	u32 slots;
	u32 in_addr;
	u32 out_addr;
	u32 image_limit;

	raw_spinlock_t lock;
	bool dying;
	u32 ctrl;
	bool announce_req;
	u32 in_head;
	u32 in_tail;
	u32 out_head;
	u32 out_tail;
	u32 gen;
	u32 events;
	u32 resets;
	u32 bad_writes;
	u32 vring_irqs;

	struct work_struct kick_work;
	wait_queue_head_t wq;

	struct mutex ept_mutex;	/* see the kernel-doc */
	struct pbus_ept_ctx ctx;
	bool up;
	struct pbus_ept *ept_bridge;
	u32 forge_flags;
	u32 forge_left;
	u32 forge_next;
	u32 forge_sent;

	struct task_struct *task;
	u8 *rx_slot;
	bool gone;
	struct pbus_rp_bridge br;
};

/* ---------------------------------------------------------------------------
 * Register hooks: hard IRQ context, slave lock held.
 */

static void pbus_rp_mbox_event_locked(struct pbus_rp_rpmsg *mb)
{
	lockdep_assert_held(&mb->lock);
	mb->events++;
	if (!mb->dying)
		schedule_work(&mb->kick_work);
}

/**
 * pbus_rp_mbox_reset() - empty the rings, clear HOST_READY
 * @mb: the mailboxes
 *
 * Context: any, including the hooks with the core's lock held.
 */
void pbus_rp_mbox_reset(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&mb->lock, flags);
	mb->ctrl = 0;
	mb->announce_req = false;
	mb->in_head = 0;
	mb->in_tail = 0;
	mb->out_head = 0;
	mb->out_tail = 0;
	mb->gen++;
	mb->resets++;
	pbus_rp_mbox_event_locked(mb);
	raw_spin_unlock_irqrestore(&mb->lock, flags);
}

/**
 * pbus_rp_mbox_reg_read() - read a PBUS_RP_MBOX_* register
 * @mb: the mailboxes
 * @off: offset from the user register base
 * @val: the value
 *
 * Context: the slave's reg_read hook.
 * Return: 0 or -EINVAL for an unknown register.
 */
int pbus_rp_mbox_reg_read(struct pbus_rp_rpmsg *mb, u32 off, u32 *val)
{
	unsigned long flags;
	int ret = 0;

	if (off % 4 || off < PBUS_RP_MBOX_CTRL || off >= PBUS_RP_MBOX_REGS_END)
		return -EINVAL;

	raw_spin_lock_irqsave(&mb->lock, flags);
	switch (off) {
	case PBUS_RP_MBOX_CTRL:
		*val = mb->ctrl;
		break;
	case PBUS_RP_MBOX_SLOT_SIZE:
		*val = mb->slot_size;
		break;
	case PBUS_RP_MBOX_IN_ADDR:
		*val = mb->in_addr;
		break;
	case PBUS_RP_MBOX_IN_SLOTS:
	case PBUS_RP_MBOX_OUT_SLOTS:
		*val = mb->slots;
		break;
	case PBUS_RP_MBOX_IN_HEAD:
		*val = mb->in_head;
		break;
	case PBUS_RP_MBOX_IN_TAIL:
		*val = mb->in_tail;
		break;
	case PBUS_RP_MBOX_OUT_ADDR:
		*val = mb->out_addr;
		break;
	case PBUS_RP_MBOX_OUT_HEAD:
		*val = mb->out_head;
		break;
	case PBUS_RP_MBOX_OUT_TAIL:
		*val = mb->out_tail;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	return ret;
}

/**
 * pbus_rp_mbox_reg_write() - write a PBUS_RP_MBOX_* register
 * @mb: the mailboxes
 * @off: offset from the user register base
 * @val: the value
 *
 * IN_HEAD may only move forward and by at most the free slots; OUT_TAIL
 * only forward up to OUT_HEAD; CTRL takes PBUS_RP_MBOX_HOST_READY or 0.
 *
 * Context: the slave's reg_write hook.
 * Return: 0, -EINVAL (unknown register or refused value) or -EPERM
 * (read-only register).
 */
int pbus_rp_mbox_reg_write(struct pbus_rp_rpmsg *mb, u32 off, u32 val)
{
	unsigned long flags;
	int ret = 0;

	if (off % 4 || off < PBUS_RP_MBOX_CTRL || off >= PBUS_RP_MBOX_REGS_END)
		return -EINVAL;

	raw_spin_lock_irqsave(&mb->lock, flags);
	switch (off) {
	case PBUS_RP_MBOX_CTRL:
		if (val & ~PBUS_RP_MBOX_HOST_READY) {
			ret = -EINVAL;
			break;
		}
		if (val && !mb->ctrl)
			mb->announce_req = true;
		mb->ctrl = val;
		pbus_rp_mbox_event_locked(mb);
		break;
	case PBUS_RP_MBOX_IN_HEAD:
		/* Free-running: compare distances from the tail. */
		if (val - mb->in_tail > mb->slots ||
		    val - mb->in_tail < mb->in_head - mb->in_tail) {
			ret = -EINVAL;
			break;
		}
		mb->in_head = val;
		pbus_rp_mbox_event_locked(mb);
		break;
	case PBUS_RP_MBOX_OUT_TAIL:
		if (val - mb->out_tail > mb->out_head - mb->out_tail) {
			ret = -EINVAL;
			break;
		}
		mb->out_tail = val;
		pbus_rp_mbox_event_locked(mb);
		break;
	case PBUS_RP_MBOX_SLOT_SIZE:
	case PBUS_RP_MBOX_IN_ADDR:
	case PBUS_RP_MBOX_IN_SLOTS:
	case PBUS_RP_MBOX_IN_TAIL:
	case PBUS_RP_MBOX_OUT_ADDR:
	case PBUS_RP_MBOX_OUT_SLOTS:
	case PBUS_RP_MBOX_OUT_HEAD:
		ret = -EPERM;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret == -EINVAL)
		mb->bad_writes++;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	return ret;
}

static void pbus_rp_kick_work(struct work_struct *work)
{
	struct pbus_rp_rpmsg *mb = container_of(work, struct pbus_rp_rpmsg,
						kick_work);

	wake_up_interruptible_all(&mb->wq);
}

/* ---------------------------------------------------------------------------
 * Process context helpers.
 */

static u32 pbus_rp_mbox_events(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;
	u32 events;

	raw_spin_lock_irqsave(&mb->lock, flags);
	events = mb->events;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	return events;
}

static bool pbus_rp_out_room(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;
	bool room;

	raw_spin_lock_irqsave(&mb->lock, flags);
	room = mb->out_head - mb->out_tail < mb->slots;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	return room;
}

/**
 * pbus_rp_rpmsg_kick() - wake the inbox thread (something changed)
 * @mb: the mailboxes
 *
 * Context: process context.
 */
void pbus_rp_rpmsg_kick(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&mb->lock, flags);
	mb->events++;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	wake_up_interruptible_all(&mb->wq);
}

/*
 * Outbox producer: the endpoint layer's send callback, @ept_mutex held.
 * The slot is written first, then OUT_HEAD published if the rings were
 * not reset meanwhile.
 */
static int pbus_rp_mbox_send(void *priv, const u8 *msg, u16 len)
{
	struct pbus_rp_rpmsg *mb = priv;
	u8 hdr[PBUS_RP_MBOX_SLOT_HDR];
	unsigned long flags;
	u32 head, gen, off;
	bool full, ok;

	lockdep_assert_held(&mb->ept_mutex);
	if (!mb->up)
		return -ENOTCONN;
	if (len > mb->slot_size - PBUS_RP_MBOX_SLOT_HDR)
		return -EMSGSIZE;

	raw_spin_lock_irqsave(&mb->lock, flags);
	head = mb->out_head;
	gen = mb->gen;
	full = head - mb->out_tail >= mb->slots;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	if (full)
		return -EAGAIN;

	/* Inside the window: placed at probe. */
	off = mb->out_addr + (head & (mb->slots - 1)) * mb->slot_size;
	pbus_ept_slot_hdr_encode(hdr, len);
	if (pbus_slave_window_write(mb->slave, off, hdr, sizeof(hdr)) ||
	    pbus_slave_window_write(mb->slave, off + sizeof(hdr), msg, len))
		return -EIO;

	raw_spin_lock_irqsave(&mb->lock, flags);
	ok = gen == mb->gen && head == mb->out_head;
	if (ok) {
		mb->out_head = head + 1;
		mb->vring_irqs++;
	}
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	if (!ok)
		return -ENOTCONN;	/* the rings were reset */
	pbus_slave_raise_irq(mb->slave, PBUS_RP_IRQ_VRING);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Services: endpoint callbacks, called by the inbox thread with
 * @ept_mutex held. -EAGAIN keeps the message in the inbox for a retry.
 */

static int pbus_rp_echo_cb(struct pbus_ept_ctx *ctx, struct pbus_ept *ept,
			   u32 src, u8 *msg, u16 len)
{
	return pbus_ept_sendto(ctx, ept, src, msg, len);
}

static int pbus_rp_bridge_cb(struct pbus_ept_ctx *ctx, struct pbus_ept *ept,
			     u32 src, u8 *msg, u16 len)
{
	struct pbus_rp_rpmsg *mb = ept->priv;
	struct pbus_rp_bridge *br = &mb->br;
	struct pbus_rp_bmsg *m;
	int ret = 0;

	spin_lock(&br->lock);
	br->peer = src;
	br->peer_valid = true;
	if (!br->opened) {
		br->rx_nobody++;
		ret = -ENOTCONN;
	} else if (br->head - br->tail >= PBUS_RP_BRIDGE_QLEN) {
		br->rx_full++;
		ret = -EAGAIN;
	} else {
		/* len <= PBUS_EPT_MTU: checked by the endpoint layer. */
		m = &br->q[br->head % PBUS_RP_BRIDGE_QLEN];
		m->len = len;
		memcpy(m->data, PBUS_EPT_PAYLOAD(msg), len);
		br->head++;
		br->rx++;
	}
	spin_unlock(&br->lock);
	/* Also a writer waiting for a peer may go on. */
	wake_up_interruptible_all(&br->rq);
	return ret;
}

static void pbus_rp_ns_cb(struct pbus_ept_ctx *ctx, const char *name,
			  u32 addr, u32 flags)
{
	struct pbus_rp_rpmsg *mb = ctx->priv;

	dev_dbg(mb->dev, "host name service: '%s' at %#x, flags %u\n", name,
		addr, flags);
}

static const struct {
	u32 addr;
	const char *name;
	bool bridge;
} pbus_rp_services[] = {
	{ PBUS_RP_EPT_ECHO, NULL, false },
	{ PBUS_RP_EPT_SAMPLE, "rpmsg-client-sample", false },
	{ PBUS_RP_EPT_RAW, "rpmsg-raw", false },
	{ PBUS_RP_EPT_TTY, "rpmsg-tty", false },
	{ PBUS_RP_EPT_BRIDGE, "rpmsg-raw", true },
};

/* Announce the named endpoints once the host is ready. */
static int pbus_rp_rpmsg_announce(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;
	bool ready, req;
	int ret;

	raw_spin_lock_irqsave(&mb->lock, flags);
	ready = mb->ctrl & PBUS_RP_MBOX_HOST_READY;
	req = mb->announce_req;
	mb->announce_req = false;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	if (!ready)
		return 0;

	mutex_lock(&mb->ept_mutex);
	if (req)
		pbus_ept_forget_announced(&mb->ctx);
	ret = pbus_ept_announce_all(&mb->ctx);
	mutex_unlock(&mb->ept_mutex);
	return ret;
}

/*
 * Test hook: send what debugfs ns_forge asked for, the remote lying to the
 * host's name service (channels no endpoint serves), up to
 * PBUS_RP_RX_BUDGET per round, as fast as the outbox takes them.
 * *@more: some are left. Return: -EAGAIN when the outbox is full.
 */
static int pbus_rp_rpmsg_forge(struct pbus_rp_rpmsg *mb, bool *more)
{
	unsigned long flags;
	unsigned int n = 0;
	bool ready;
	int ret = 0;

	raw_spin_lock_irqsave(&mb->lock, flags);
	ready = mb->ctrl & PBUS_RP_MBOX_HOST_READY;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	if (!ready)
		return 0;

	mutex_lock(&mb->ept_mutex);
	while (mb->forge_left && n < PBUS_RP_RX_BUDGET) {
		ret = pbus_ept_ns_send(&mb->ctx, PBUS_RP_FORGE_NAME,
				       PBUS_RP_FORGE_ADDR + mb->forge_next,
				       mb->forge_flags);
		if (ret)
			break;
		mb->forge_next++;
		mb->forge_left--;
		mb->forge_sent++;
		n++;
	}
	if (ret && ret != -EAGAIN)
		mb->forge_left = 0;	/* the rings were reset: abandoned */
	*more = mb->forge_left && !ret;
	mutex_unlock(&mb->ept_mutex);
	return ret == -EAGAIN ? -EAGAIN : 0;
}

/*
 * Consume up to PBUS_RP_RX_BUDGET inbox slots. *@more: the budget ran
 * out. Return: -EAGAIN when a message stays for a retry.
 */
static int pbus_rp_rpmsg_rx(struct pbus_rp_rpmsg *mb, bool *more)
{
	unsigned int n, consumed = 0;
	u32 head, tail, gen, off;
	unsigned long flags;
	bool ok;
	int ret = 0;

	for (n = 0; n < PBUS_RP_RX_BUDGET; n++) {
		raw_spin_lock_irqsave(&mb->lock, flags);
		head = mb->in_head;
		tail = mb->in_tail;
		gen = mb->gen;
		raw_spin_unlock_irqrestore(&mb->lock, flags);
		if (head == tail)
			break;

		off = mb->in_addr + (tail & (mb->slots - 1)) * mb->slot_size;
		if (pbus_slave_window_read(mb->slave, off, mb->rx_slot,
					   mb->slot_size))
			break;	/* slave unbound */

		mutex_lock(&mb->ept_mutex);
		ret = pbus_ept_rx_slot(&mb->ctx, mb->rx_slot, mb->slot_size);
		mutex_unlock(&mb->ept_mutex);
		if (ret == -EAGAIN)
			break;

		raw_spin_lock_irqsave(&mb->lock, flags);
		ok = gen == mb->gen && tail == mb->in_tail;
		if (ok)
			mb->in_tail = tail + 1;
		raw_spin_unlock_irqrestore(&mb->lock, flags);
		if (!ok)
			break;
		consumed++;
	}
	if (consumed) {
		raw_spin_lock_irqsave(&mb->lock, flags);
		mb->vring_irqs++;
		raw_spin_unlock_irqrestore(&mb->lock, flags);
		pbus_slave_raise_irq(mb->slave, PBUS_RP_IRQ_VRING);
	}
	*more = n == PBUS_RP_RX_BUDGET;
	return ret == -EAGAIN ? -EAGAIN : 0;
}

static int pbus_rp_rpmsg_fn(void *data)
{
	struct pbus_rp_rpmsg *mb = data;
	unsigned int wait_ms;
	bool more, forge;
	u32 seen;

	while (!kthread_should_stop()) {
		seen = pbus_rp_mbox_events(mb);
		more = false;
		forge = false;
		wait_ms = PBUS_RP_IDLE_MS;
		if (pbus_rp_services_live(mb->rp)) {
			if (pbus_rp_rpmsg_announce(mb) == -EAGAIN)
				wait_ms = PBUS_RP_RETRY_MS;
			if (pbus_rp_rpmsg_forge(mb, &forge) == -EAGAIN)
				wait_ms = PBUS_RP_RETRY_MS;
			if (pbus_rp_rpmsg_rx(mb, &more) == -EAGAIN)
				wait_ms = PBUS_RP_RETRY_MS;
		}
		if (more || forge) {
			cond_resched();
			continue;
		}
		wait_event_interruptible_timeout(mb->wq,
						 kthread_should_stop() ||
						 pbus_rp_mbox_events(mb) != seen,
						 msecs_to_jiffies(wait_ms));
	}
	return 0;
}

static void pbus_rp_bridge_flush(struct pbus_rp_bridge *br)
{
	spin_lock(&br->lock);
	br->tail = br->head;
	br->peer_valid = false;
	spin_unlock(&br->lock);
	wake_up_interruptible_all(&br->rq);
}

/**
 * pbus_rp_rpmsg_start() - start the rpmsg services of a boot
 * @mb: the mailboxes
 *
 * Context: the core's mutex held.
 * Return: 0, or a negative errno (nothing left running).
 */
int pbus_rp_rpmsg_start(struct pbus_rp_rpmsg *mb)
{
	struct task_struct *task;
	struct pbus_ept *ept;
	unsigned long flags;
	unsigned int i;
	int ret;

	if (!mb->slots)
		return 0;

	mutex_lock(&mb->ept_mutex);
	ret = pbus_ept_init(&mb->ctx, PBUS_EPT_BUF_SIZE, pbus_rp_mbox_send, mb);
	mb->ctx.ns_cb = pbus_rp_ns_cb;
	mb->forge_left = 0;
	mb->forge_sent = 0;
	for (i = 0; !ret && i < ARRAY_SIZE(pbus_rp_services); i++) {
		ret = pbus_ept_create(&mb->ctx, pbus_rp_services[i].addr,
				      pbus_rp_services[i].name,
				      pbus_rp_services[i].bridge ?
				      pbus_rp_bridge_cb : pbus_rp_echo_cb,
				      mb, &ept);
		if (!ret && pbus_rp_services[i].bridge)
			mb->ept_bridge = ept;
	}
	if (!ret)
		WRITE_ONCE(mb->up, true);
	mutex_unlock(&mb->ept_mutex);
	if (ret)
		goto undo;

	pbus_rp_bridge_flush(&mb->br);
	raw_spin_lock_irqsave(&mb->lock, flags);
	mb->announce_req = true;
	raw_spin_unlock_irqrestore(&mb->lock, flags);

	task = kthread_run(pbus_rp_rpmsg_fn, mb, "pbus-rp-rpmsg");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto undo;
	}
	mb->task = task;
	return 0;

undo:
	pbus_rp_rpmsg_stop(mb);
	return ret;
}

/**
 * pbus_rp_rpmsg_stop() - stop the rpmsg services
 * @mb: the mailboxes
 *
 * Bridge writers waiting for room return -ENOTCONN, held bridge messages
 * are dropped.
 *
 * Context: the core's mutex held.
 */
void pbus_rp_rpmsg_stop(struct pbus_rp_rpmsg *mb)
{
	unsigned int i;

	if (mb->task) {
		kthread_stop(mb->task);
		mb->task = NULL;
	}
	mutex_lock(&mb->ept_mutex);
	WRITE_ONCE(mb->up, false);
	for (i = 0; i < PBUS_EPT_MAX; i++)
		pbus_ept_destroy(&mb->ctx, &mb->ctx.ept[i]);
	mb->ept_bridge = NULL;
	mutex_unlock(&mb->ept_mutex);
	pbus_rp_bridge_flush(&mb->br);
	wake_up_interruptible_all(&mb->wq);
}

/* ---------------------------------------------------------------------------
 * The bridge's misc device.
 */

static void pbus_rp_rpmsg_release_ref(struct kref *ref)
{
	struct pbus_rp_rpmsg *mb = container_of(ref, struct pbus_rp_rpmsg,
						ref);

	mutex_destroy(&mb->ept_mutex);
	kfree(mb->br.q);
	kfree(mb->rx_slot);
	kfree(mb);
}

static int pbus_rp_bridge_open(struct inode *inode, struct file *file)
{
	struct pbus_rp_rpmsg *mb = container_of(file->private_data,
						struct pbus_rp_rpmsg, br.misc);

	/* misc_open() holds misc_mtx: no concurrent misc_deregister(). */
	kref_get(&mb->ref);
	file->private_data = mb;
	spin_lock(&mb->br.lock);
	mb->br.opened++;
	spin_unlock(&mb->br.lock);
	pbus_rp_rpmsg_kick(mb);
	return stream_open(inode, file);
}

static int pbus_rp_bridge_release(struct inode *inode, struct file *file)
{
	struct pbus_rp_rpmsg *mb = file->private_data;

	spin_lock(&mb->br.lock);
	mb->br.opened--;
	spin_unlock(&mb->br.lock);
	kref_put(&mb->ref, pbus_rp_rpmsg_release_ref);
	return 0;
}

static bool pbus_rp_bridge_readable(struct pbus_rp_rpmsg *mb)
{
	bool ret;

	spin_lock(&mb->br.lock);
	ret = mb->br.head != mb->br.tail;
	spin_unlock(&mb->br.lock);
	return ret || READ_ONCE(mb->gone);
}

static ssize_t pbus_rp_bridge_read(struct file *file, char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct pbus_rp_rpmsg *mb = file->private_data;
	struct pbus_rp_bridge *br = &mb->br;
	struct pbus_rp_bmsg *m;
	size_t n = 0;
	bool got;
	u8 *buf;
	int ret;

	buf = kmalloc(PBUS_EPT_MTU, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		spin_lock(&br->lock);
		got = br->head != br->tail;
		if (got) {
			m = &br->q[br->tail % PBUS_RP_BRIDGE_QLEN];
			n = min_t(size_t, count, m->len);
			memcpy(buf, m->data, n);
			br->tail++;
		}
		spin_unlock(&br->lock);
		if (got)
			break;
		if (READ_ONCE(mb->gone)) {
			ret = -ENODEV;
			goto out;
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		/* Like a pipe: until a message arrives or a signal. */
		if (wait_event_interruptible(br->rq,
					     pbus_rp_bridge_readable(mb))) {
			ret = -ERESTARTSYS;
			goto out;
		}
	}
	/* A slot freed: a message held in the inbox may come in. */
	pbus_rp_rpmsg_kick(mb);
	ret = copy_to_user(ubuf, buf, n) ? -EFAULT : n;
out:
	kfree(buf);
	return ret;
}

static bool pbus_rp_bridge_writable(struct pbus_rp_rpmsg *mb)
{
	return !READ_ONCE(mb->up) || READ_ONCE(mb->gone) ||
	       pbus_rp_out_room(mb);
}

static ssize_t pbus_rp_bridge_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	struct pbus_rp_rpmsg *mb = file->private_data;
	struct pbus_rp_bridge *br = &mb->br;
	unsigned long deadline;
	long left;
	bool peer_valid;
	u32 peer;
	u8 *msg;
	int ret;

	if (count > PBUS_EPT_MTU)
		return -EMSGSIZE;
	msg = kmalloc(PBUS_EPT_HDR_LEN + count, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	if (copy_from_user(PBUS_EPT_PAYLOAD(msg), ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}

	deadline = jiffies +
		   msecs_to_jiffies(clamp(READ_ONCE(tx_timeout_ms), 1U, 60000U));
	for (;;) {
		spin_lock(&br->lock);
		peer = br->peer;
		peer_valid = br->peer_valid;
		spin_unlock(&br->lock);

		mutex_lock(&mb->ept_mutex);
		if (mb->gone)
			ret = -ENODEV;
		else if (!mb->up || !mb->ept_bridge || !peer_valid)
			ret = -ENOTCONN;
		else
			ret = pbus_ept_sendto(&mb->ctx, mb->ept_bridge, peer,
					      msg, count);
		mutex_unlock(&mb->ept_mutex);
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;

		left = (long)(deadline - jiffies);
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		left = wait_event_interruptible_timeout(mb->wq,
							pbus_rp_bridge_writable(mb),
							left);
		if (left < 0) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (!ret) {
		spin_lock(&br->lock);
		br->tx++;
		spin_unlock(&br->lock);
		ret = count;
	}
out:
	kfree(msg);
	return ret;
}

static __poll_t pbus_rp_bridge_poll(struct file *file, poll_table *wait)
{
	struct pbus_rp_rpmsg *mb = file->private_data;
	struct pbus_rp_bridge *br = &mb->br;
	__poll_t mask = 0;
	bool connected;

	poll_wait(file, &br->rq, wait);
	poll_wait(file, &mb->wq, wait);

	spin_lock(&br->lock);
	if (br->head != br->tail)
		mask |= EPOLLIN | EPOLLRDNORM;
	connected = br->peer_valid;
	spin_unlock(&br->lock);
	if (READ_ONCE(mb->gone))
		return mask | EPOLLHUP | EPOLLERR;
	if (connected && READ_ONCE(mb->up) && pbus_rp_out_room(mb))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations pbus_rp_bridge_fops = {
	.owner = THIS_MODULE,
	.open = pbus_rp_bridge_open,
	.release = pbus_rp_bridge_release,
	.read = pbus_rp_bridge_read,
	.write = pbus_rp_bridge_write,
	.poll = pbus_rp_bridge_poll,
};

/* ---------------------------------------------------------------------------
 * debugfs
 */

static int pbus_rp_mbox_show(struct seq_file *m, void *unused)
{
	struct pbus_rp_rpmsg *mb = m->private;
	struct pbus_rp_bridge *br = &mb->br;
	u32 ctrl, ih, it, oh, ot, resets, bad, irqs, forge_left, forge_sent;
	struct pbus_ept_stats st;
	unsigned long flags;
	bool up;

	raw_spin_lock_irqsave(&mb->lock, flags);
	ctrl = mb->ctrl;
	ih = mb->in_head;
	it = mb->in_tail;
	oh = mb->out_head;
	ot = mb->out_tail;
	resets = mb->resets;
	bad = mb->bad_writes;
	irqs = mb->vring_irqs;
	raw_spin_unlock_irqrestore(&mb->lock, flags);

	mutex_lock(&mb->ept_mutex);
	st = mb->ctx.stats;
	up = mb->up;
	forge_left = mb->forge_left;
	forge_sent = mb->forge_sent;
	mutex_unlock(&mb->ept_mutex);

	seq_printf(m, "slots: %u\nslot_size: %u\n", mb->slots, mb->slot_size);
	seq_printf(m, "in_addr: %#x\nout_addr: %#x\nimage_limit: %#x\n",
		   mb->in_addr, mb->out_addr, mb->image_limit);
	seq_printf(m, "ctrl: %#x\nup: %d\n", ctrl, up);
	seq_printf(m, "in_head: %u\nin_tail: %u\nout_head: %u\nout_tail: %u\n",
		   ih, it, oh, ot);
	seq_printf(m, "resets: %u\nbad_writes: %u\nvring_irqs: %u\n", resets,
		   bad, irqs);
	/* Counters of the endpoint layer: since the last boot. */
	seq_printf(m, "rx: %u\nrx_busy: %u\nrx_err: %u\n", st.rx, st.rx_busy,
		   st.rx_err);
	seq_printf(m, "malformed: %u\noversize: %u\nunknown_dst: %u\n",
		   st.malformed, st.oversize, st.unknown_dst);
	seq_printf(m, "ns_rx: %u\ntx: %u\ntx_full: %u\ntx_err: %u\n", st.ns_rx,
		   st.tx, st.tx_full, st.tx_err);
	seq_printf(m, "ns_forge_left: %u\nns_forge_sent: %u\n", forge_left,
		   forge_sent);

	spin_lock(&br->lock);
	seq_printf(m, "bridge: %s open %u queued %u peer %s%#x rx %u rx_full %u rx_nobody %u tx %u\n",
		   br->name, br->opened, br->head - br->tail,
		   br->peer_valid ? "" : "none ", br->peer, br->rx,
		   br->rx_full, br->rx_nobody, br->tx);
	spin_unlock(&br->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pbus_rp_mbox);

/*
 * Test hook: "create N" or "destroy N" (N <= PBUS_RP_FORGE_MAX) makes the
 * remote lie to the host's name service: N announcements of channels
 * PBUS_RP_FORGE_NAME at PBUS_RP_FORGE_ADDR + 0 .. N - 1, which no
 * endpoint serves, sent by the rpmsg thread as fast as the outbox takes
 * them (mbox: ns_forge_left, ns_forge_sent). A new request replaces the
 * one in progress. Running only (-ENOTCONN).
 */
static ssize_t pbus_rp_ns_forge_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct pbus_rp_rpmsg *mb = file->private_data;
	char buf[32], what[8];
	unsigned int n;
	u32 flags;
	int ret = 0;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%7s %u", what, &n) != 2 || n > PBUS_RP_FORGE_MAX)
		return -EINVAL;
	if (!strcmp(what, "create"))
		flags = PBUS_EPT_NS_CREATE;
	else if (!strcmp(what, "destroy"))
		flags = PBUS_EPT_NS_DESTROY;
	else
		return -EINVAL;

	mutex_lock(&mb->ept_mutex);
	if (!mb->up) {
		ret = -ENOTCONN;
	} else {
		mb->forge_flags = flags;
		mb->forge_left = n;
		mb->forge_next = 0;
		mb->forge_sent = 0;
	}
	mutex_unlock(&mb->ept_mutex);
	if (ret)
		return ret;
	pbus_rp_rpmsg_kick(mb);
	return count;
}

static const struct file_operations pbus_rp_ns_forge_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = pbus_rp_ns_forge_write,
	.llseek = noop_llseek,
};

/**
 * pbus_rp_rpmsg_debugfs() - create the "mbox" and "ns_forge" files
 * @mb: the mailboxes
 * @dir: the remote's debugfs directory
 */
void pbus_rp_rpmsg_debugfs(struct pbus_rp_rpmsg *mb, struct dentry *dir)
{
	debugfs_create_file("mbox", 0444, dir, mb, &pbus_rp_mbox_fops);
	if (mb->slots)
		debugfs_create_file("ns_forge", 0200, dir, mb,
				    &pbus_rp_ns_forge_fops);
}

/* ---------------------------------------------------------------------------
 * Probe and removal.
 */

/**
 * pbus_rp_rpmsg_image_limit() - end of the window part the image may use
 * @mb: the mailboxes
 *
 * Return: the window address of the first mailbox, or the window size.
 */
u32 pbus_rp_rpmsg_image_limit(struct pbus_rp_rpmsg *mb)
{
	return mb->image_limit;
}

/* Place the rings at the top of the window; none if it is too small. */
static void pbus_rp_mbox_place(struct pbus_rp_rpmsg *mb, u32 window_size)
{
	u32 slots = READ_ONCE(mbox_slots), ring, base;

	mb->slot_size = PBUS_RP_SLOT_SIZE;
	mb->image_limit = window_size;
	if (!slots)
		return;
	if (!is_power_of_2(slots) || slots < 2 || slots > 256) {
		dev_warn(mb->dev, "mbox_slots %u: not a power of two in 2..256, using 16\n",
			 slots);
		slots = 16;
	}
	ring = slots * mb->slot_size;
	if (2 * ring > window_size / 2) {
		dev_warn(mb->dev, "window of %u bytes too small for 2 x %u slots: no rpmsg\n",
			 window_size, slots);
		return;
	}
	base = ALIGN_DOWN(window_size - 2 * ring, PBUS_RP_MBOX_ALIGN);
	mb->slots = slots;
	mb->in_addr = base;
	mb->out_addr = base + ring;
	mb->image_limit = base;
}

/**
 * pbus_rp_rpmsg_probe() - set up the mailboxes and the bridge device
 * @rp: the core's state
 * @dev: the remote's device
 * @slave: the slave end
 * @window_size: bytes in its window
 *
 * Return: the mailboxes, or an ERR_PTR().
 */
struct pbus_rp_rpmsg *pbus_rp_rpmsg_probe(struct pbus_remote *rp,
					  struct device *dev,
					  struct pbus_slave *slave,
					  u32 window_size)
{
	struct pbus_rp_rpmsg *mb;
	struct pbus_rp_bridge *br;
	int ret;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL);
	if (!mb)
		return ERR_PTR(-ENOMEM);
	kref_init(&mb->ref);
	mb->rp = rp;
	mb->dev = dev;
	mb->slave = slave;
	raw_spin_lock_init(&mb->lock);
	mutex_init(&mb->ept_mutex);
	INIT_WORK(&mb->kick_work, pbus_rp_kick_work);
	init_waitqueue_head(&mb->wq);
	br = &mb->br;
	br->id = -1;
	spin_lock_init(&br->lock);
	init_waitqueue_head(&br->rq);

	pbus_rp_mbox_place(mb, window_size);
	if (!mb->slots)
		return mb;

	mb->rx_slot = kmalloc(mb->slot_size, GFP_KERNEL);
	br->q = kcalloc(PBUS_RP_BRIDGE_QLEN, sizeof(*br->q), GFP_KERNEL);
	if (!mb->rx_slot || !br->q) {
		ret = -ENOMEM;
		goto err;
	}

	ret = ida_alloc(&pbus_rp_bridge_ida, GFP_KERNEL);
	if (ret < 0)
		goto err;
	br->id = ret;
	snprintf(br->name, sizeof(br->name), "pbus-rpmsg-bridge%d", br->id);
	br->misc.minor = MISC_DYNAMIC_MINOR;
	br->misc.name = br->name;
	br->misc.fops = &pbus_rp_bridge_fops;
	br->misc.parent = dev;
	br->misc.mode = 0600;
	ret = misc_register(&br->misc);
	if (ret)
		goto err;
	br->registered = true;

	dev_info(dev, "rpmsg mailboxes: 2 x %u slots of %u bytes at %#x, %#x; bridge /dev/%s\n",
		 mb->slots, mb->slot_size, mb->in_addr, mb->out_addr, br->name);
	return mb;

err:
	if (br->id >= 0)
		ida_free(&pbus_rp_bridge_ida, br->id);
	kref_put(&mb->ref, pbus_rp_rpmsg_release_ref);
	return ERR_PTR(ret);
}

/**
 * pbus_rp_rpmsg_remove() - undo pbus_rp_rpmsg_probe()
 * @mb: the mailboxes
 *
 * Context: the slave's ops cleared (no hook runs any more) and the
 * services stopped.
 */
void pbus_rp_rpmsg_remove(struct pbus_rp_rpmsg *mb)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&mb->lock, flags);
	mb->dying = true;
	raw_spin_unlock_irqrestore(&mb->lock, flags);
	cancel_work_sync(&mb->kick_work);

	if (mb->br.registered)
		misc_deregister(&mb->br.misc);
	if (mb->br.id >= 0)
		ida_free(&pbus_rp_bridge_ida, mb->br.id);
	mutex_lock(&mb->ept_mutex);
	WRITE_ONCE(mb->gone, true);
	mutex_unlock(&mb->ept_mutex);
	wake_up_interruptible_all(&mb->br.rq);
	wake_up_interruptible_all(&mb->wq);
	kref_put(&mb->ref, pbus_rp_rpmsg_release_ref);
}
