// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: debugfs, /sys/kernel/debug/pbus-rpmsg/remoteprocN/: the
 * session's state (mbox), the counters (stats) and the test hooks that
 * forge descriptor addresses (forge_tx, forge_rx; root only).
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/remoteproc.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "pbus_rpmsg.h"

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
	seq_printf(m, "ns_rx: %lu\n", rp->ns_rx);
	seq_printf(m, "ns_channels: %u\n", rp->ns_nlive);
	seq_printf(m, "ns_known: %d\n", rp->ns_known);
	seq_printf(m, "ns_created: %lu\n", rp->ns_created);
	seq_printf(m, "ns_destroyed: %lu\n", rp->ns_destroyed);
	seq_printf(m, "ns_over_limit: %lu\n", rp->ns_over_limit);
	seq_printf(m, "ns_over_rate: %lu\n", rp->ns_over_rate);
	seq_printf(m, "ns_duplicates: %lu\n", rp->ns_duplicates);
	seq_printf(m, "ns_unknown: %lu\n", rp->ns_unknown);
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

/**
 * pbus_rpmsg_debugfs_add() - create the transport's debugfs directory
 * @rp: the transport
 * @root: the module's directory
 *
 * Removed by debugfs_remove_recursive() of @rp->dbg.
 */
void pbus_rpmsg_debugfs_add(struct pbus_rpmsg *rp, struct dentry *root)
{
	rp->dbg = debugfs_create_dir(dev_name(&rp->rproc->dev), root);
	debugfs_create_file("mbox", 0444, rp->dbg, rp, &pbus_rpmsg_mbox_fops);
	debugfs_create_file("stats", 0444, rp->dbg, rp, &pbus_rpmsg_stats_fops);
	debugfs_create_file_unsafe("forge_tx", 0600, rp->dbg, rp,
				   &pbus_rpmsg_forge_fops);
	debugfs_create_file_unsafe("forge_rx", 0600, rp->dbg, rp,
				   &pbus_rpmsg_forge_rx_fops);
}
