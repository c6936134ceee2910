/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Execution log of the slave end, for tests (debugfs): see pbus-xlog.c.
 */
#ifndef _PBUS_XLOG_H
#define _PBUS_XLOG_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct dentry;

/* Bytes of one record: address, length, first data word (__le32 each). */
#define PBUS_XLOG_REC_BYTES	12
/* At most this many records (12 MiB). */
#define PBUS_XLOG_MAX		BIT(20)

/**
 * struct pbus_xlog - log of the writes a slave executed
 * @lock: protects @rec, @cap, @len and @lost; taken in atomic context
 * @mutex: serializes a new log against readers of the old one
 * @rec: @cap records, @len of them written
 * @cap: records @rec holds, 0 when off
 * @len: records written
 * @lost: writes not recorded, the log being full
 */
struct pbus_xlog {
	raw_spinlock_t lock;
	struct mutex mutex;	/* a new log against readers of the old */
	__le32 *rec;
	u32 cap;
	u32 len;
	u32 lost;
};

void pbus_xlog_init(struct pbus_xlog *x);
void pbus_xlog_debugfs(struct pbus_xlog *x, struct dentry *dir);
void pbus_xlog_record(struct pbus_xlog *x, u32 addr, const u8 *buf, u16 len);
void pbus_xlog_free(struct pbus_xlog *x);

#endif /* _PBUS_XLOG_H */
