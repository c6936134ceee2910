// SPDX-License-Identifier: GPL-2.0-only
/*
 * Execution log of the slave end, for tests. A memory window is
 * idempotent: a write executed twice reads back as one. The log records
 * every write frame the slave executes into its window, in order, so that
 * a fault campaign can count executions (tests/target/pbus-campaign.c).
 *
 * debugfs <slave>/exec_log: write N (1..PBUS_XLOG_MAX) to start a log of N
 * records (an older log is dropped), 0 to stop and free it. Read: the
 * records so far, PBUS_XLOG_REC_BYTES each, little-endian u32s: address,
 * length, the first 4 bytes of the data (zero-padded when shorter).
 * <slave>/exec_log_lost: writes not recorded since, the log being full.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pbus-xlog.h"

/**
 * pbus_xlog_record() - record an executed write, if a log is on
 * @x: the log
 * @addr: window address written
 * @buf: the data
 * @len: its length
 *
 * Atomic context (the slave's lock held).
 */
void pbus_xlog_record(struct pbus_xlog *x, u32 addr, const u8 *buf, u16 len)
{
	unsigned long flags;
	__le32 *r;
	u8 w[4] = { };

	raw_spin_lock_irqsave(&x->lock, flags);
	if (!x->cap) {
		raw_spin_unlock_irqrestore(&x->lock, flags);
		return;
	}
	if (x->len == x->cap) {
		x->lost++;
		raw_spin_unlock_irqrestore(&x->lock, flags);
		return;
	}
	memcpy(w, buf, min_t(u16, len, sizeof(w)));
	r = x->rec + x->len * 3;
	r[0] = cpu_to_le32(addr);
	r[1] = cpu_to_le32(len);
	memcpy(&r[2], w, sizeof(w));
	x->len++;
	raw_spin_unlock_irqrestore(&x->lock, flags);
}

static ssize_t pbus_xlog_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct pbus_xlog *x = file_inode(file)->i_private;
	unsigned long flags;
	ssize_t ret;
	u32 n;

	mutex_lock(&x->mutex);
	raw_spin_lock_irqsave(&x->lock, flags);
	n = x->len;
	raw_spin_unlock_irqrestore(&x->lock, flags);
	/* records below @len never change while @mutex is held */
	ret = simple_read_from_buffer(ubuf, count, ppos, x->rec,
				      (size_t)n * PBUS_XLOG_REC_BYTES);
	mutex_unlock(&x->mutex);
	return ret;
}

static ssize_t pbus_xlog_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct pbus_xlog *x = file_inode(file)->i_private;
	__le32 *rec = NULL, *old;
	unsigned long flags;
	u32 n;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (n > PBUS_XLOG_MAX)
		return -EINVAL;
	if (n) {
		rec = kvcalloc(n, PBUS_XLOG_REC_BYTES, GFP_KERNEL);
		if (!rec)
			return -ENOMEM;
	}

	mutex_lock(&x->mutex);
	raw_spin_lock_irqsave(&x->lock, flags);
	old = x->rec;
	x->rec = rec;
	x->cap = n;
	x->len = 0;
	x->lost = 0;
	raw_spin_unlock_irqrestore(&x->lock, flags);
	mutex_unlock(&x->mutex);
	kvfree(old);
	return count;
}

static const struct file_operations pbus_xlog_fops = {
	.owner	= THIS_MODULE,
	.read	= pbus_xlog_read,
	.write	= pbus_xlog_write,
	.llseek	= default_llseek,
};

/**
 * pbus_xlog_init() - set up a log, off
 * @x: the log
 */
void pbus_xlog_init(struct pbus_xlog *x)
{
	raw_spin_lock_init(&x->lock);
	mutex_init(&x->mutex);
	x->rec = NULL;
	x->cap = 0;
	x->len = 0;
	x->lost = 0;
}

/**
 * pbus_xlog_debugfs() - the log's files in the slave's debugfs directory
 * @x: the log
 * @dir: the directory
 */
void pbus_xlog_debugfs(struct pbus_xlog *x, struct dentry *dir)
{
	debugfs_create_file("exec_log", 0600, dir, x, &pbus_xlog_fops);
	debugfs_create_u32("exec_log_lost", 0400, dir, &x->lost);
}

/**
 * pbus_xlog_free() - free the log; its debugfs files are gone already
 * @x: the log
 */
void pbus_xlog_free(struct pbus_xlog *x)
{
	kvfree(x->rec);
	x->rec = NULL;
	x->cap = 0;
	mutex_destroy(&x->mutex);
}
