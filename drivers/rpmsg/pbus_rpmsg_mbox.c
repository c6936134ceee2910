// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: the messages, between the vrings and the remote's mailboxes
 * (include/linux/pbus-remote.h, PBUS_RP_MBOX_*):
 *
 *  - tx vring (vrings[1], the host sends): every buffer the driver makes
 *    available is copied into the staging ring and given back at once;
 *    the tx work writes each staged message into the next inbox slot
 *    (slot header + the whole rpmsg message, one bus write) and bumps
 *    IN_HEAD. A full inbox leaves messages staged until the remote frees
 *    slots (PBUS_RP_IRQ_VRING); a full staging ring leaves buffers in the
 *    avail ring: nothing is dropped, senders block in virtio_rpmsg_bus as
 *    with any full vring.
 *  - rx vring (vrings[0], the host receives): every outbox slot the remote
 *    produced is read, checked (the remote is not trusted), copied into the
 *    next available rx buffer and put on the used ring, then OUT_TAIL is
 *    bumped. Without an rx buffer the outbox waits for the driver's refill
 *    kick.
 *
 * Head and tail registers hold absolute counts, so a write retried after a
 * bus error is harmless; a message is taken off a ring only once its copy
 * is complete, so a failed transfer is redone, never lost or duplicated.
 * Everything here runs in a pass of the tx or rx work, under @rp->mutex;
 * the kick stages too (pbus_rpmsg_tx_stage(), under @rp->stage_lock).
 */

#include <linux/device.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rpmsg.h"

/* The slot header of the register contract is the endpoint layer's. */
static_assert(PBUS_EPT_SLOT_HDR == PBUS_RP_MBOX_SLOT_HDR);

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
int pbus_rpmsg_tx_stage(struct pbus_rpmsg *rp)
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
int pbus_rpmsg_tx(struct pbus_rpmsg *rp, bool *irq)
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
int pbus_rpmsg_rx(struct pbus_rpmsg *rp, bool *irq)
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
			if (blen < PBUS_EPT_HDR_LEN + PBUS_EPT_NS_MSG_LEN) {
				ret = -EPROTO;
				break;
			}
			pbus_rpmsg_ns_static(rp, &rp->chans[rp->ns_next++], buf,
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
		if (!pbus_rpmsg_ns_filter(rp, rp->slot + PBUS_RP_MBOX_SLOT_HDR,
					  len))
			continue;	/* dropped, counted: the same */
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
bool pbus_rpmsg_tx_drain(struct pbus_rpmsg *rp)
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
