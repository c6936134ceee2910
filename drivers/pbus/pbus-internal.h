/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus: declarations shared by the files of pbus.ko (master end, char
 * device, core). Not part of any API.
 */
#ifndef _PBUS_INTERNAL_H
#define _PBUS_INTERNAL_H

#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/ratelimit.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/pbus.h>
#include <uapi/linux/pbus.h>

#include "pbus_proto.h"

struct cdev;
struct dentry;
struct gpio_desc;
struct gpio_descs;

#define PBUS_DATA_LINES		8
/* Index of ACK in the combined read array [D0..D7, ACK]. */
#define PBUS_RD_ACK		PBUS_DATA_LINES
#define PBUS_RD_LINES		(PBUS_DATA_LINES + 1)

/**
 * struct pbus_range - a claimed or reserved range of remote addresses
 * @node: in &pbus.ranges
 * @start: first address
 * @end: one past the last address (up to 2^32)
 * @owner: the struct file that claimed it, NULL for a kernel reservation
 * @who: name of the kernel owner (reservations only)
 */
struct pbus_range {
	struct list_head node;
	u64 start;
	u64 end;
	const void *owner;
	const char *who;
};

/**
 * struct pbus_xstats - counters of the master end shown in debugfs only
 * @link_losses: resyncs that failed on a link that was up
 * @budget_stops: frames given up when PBUS_FRAME_BUDGET_MS ran out
 * @interrupted: transfers of user-space callers ended by a fatal signal
 */
struct pbus_xstats {
	u64 link_losses;
	u64 budget_stops;
	u64 interrupted;
};

/**
 * struct pbus - one master end
 * @kref: lifetime; held by the driver while bound, by pbus_get() users and
 *	by open files
 * @node: in the global list of bound masters
 * @dev: the platform device (a reference is held until the last put)
 * @np: its DT node, for pbus_get() lookups
 * @name: bus name, DT label or dev_name()
 * @lock: serialises the wire, the link state and the stats; held for one
 *	frame and its retries at a time (pbus_xfer_checkpoint())
 * @killable: the holder of @lock is a user-space caller that a fatal
 *	signal may stop (pbus_lock())
 * @dead: set under @lock at unbind; every entry point then fails -ENODEV
 * @xs: link state of the transfer engine, pbus_xfer_run(): link_up (the
 *	remote answered the last link-up sequence), tag of the next frame,
 *	epoch (remote's PBUS_REG_EPOCH as last read, 0 while unknown),
 *	retries per frame, max_payload (remote's PBUS_REG_MAX_PAYLOAD,
 *	capped), cur_payload (adaptive), clean_frames
 * @data: D0..D7
 * @rd: D0..D7 then ACK, read in one array op
 * @rw: RW line (1 = slave drives the data lines)
 * @strobe: STROBE line
 * @ack: ACK line
 * @irq_gpio: IRQ line (optional)
 * @reset: RESET line (optional)
 * @multi: write the data byte with one array op; else only changed lines
 * @data_out: host drives the data lines
 * @strobe_level: current raw STROBE level
 * @rewrite_all: next data write sets all 8 lines (frame start)
 * @data_val: last value driven on the data lines
 * @spin_us: busy-poll phase of a handshake wait
 * @timeout_us: bound of a handshake wait
 * @proto_version: remote's PBUS_REG_VERSION
 * @window_size: remote's PBUS_REG_WINDOW_SIZE, at most PBUS_REG_BASE
 * @window_clamped: a larger one was reported (and logged) once
 * @link_rs: ratelimit of the link's messages (losses, bad parameters)
 * @link_patience: a resync keeps trying until then: PBUS_LINK_PATIENCE_MS
 *	after a frame, resync or link-up last worked, or the probe started
 * @scratch: buffer for pbus_master_read()
 * @stats: counters, under @lock
 * @xstats: more counters, debugfs only, under @lock
 * @irq: Linux IRQ of @irq_gpio, 0 if none
 * @irq_lock: protects @irq_handler/@irq_data against a running handler,
 *	and the IRQ state below
 * @irq_handler: user's handler
 * @irq_data: its cookie
 * @irq_on: the IRQ is enabled (pbus_irq_update_locked()), under @irq_lock
 * @irq_backoff: masked after a storm until @irq_backoff_work runs
 * @irq_backoff_ms: length of the current backoff
 * @irq_backoff_work: ends the backoff
 * @irq_win_start: start of the storm check's window
 * @irq_win_runs: handler runs in the window
 * @irq_stuck_runs: runs in a row that left the line asserted
 * @irq_stuck_start: start of the first of them
 * @irq_last_storm: when the last storm was found
 * @irq_storms: storms found (debugfs stats), written under @irq_lock
 * @irq_ack_mask: IRQ_STATUS bits the debugfs irq_ack handler clears
 * @irq_ack_runs: runs of that handler
 * @irq_ack_cleared: runs that cleared bits
 * @irq_ack_errors: runs whose bus access failed
 * @range_lock: protects @ranges
 * @ranges: claims of open files and kernel reservations
 * @minor: char device minor
 * @cdev: char device (dynamically allocated: outlives us while opened)
 * @cdev_dev: class device /dev/pbus/<name>
 * @dbg: debugfs directory
 */
struct pbus {
	struct kref kref;
	struct list_head node;
	struct device *dev;
	struct device_node *np;
	char name[PBUS_NAME_LEN];

	struct mutex lock;		/* wire, link state, stats */
	bool killable;
	bool dead;
	struct pbus_xfer_state xs;

	struct gpio_descs *data;
	struct gpio_desc *rd[PBUS_RD_LINES];
	struct gpio_desc *rw;
	struct gpio_desc *strobe;
	struct gpio_desc *ack;
	struct gpio_desc *irq_gpio;
	struct gpio_desc *reset;

	bool multi;
	bool data_out;
	bool strobe_level;
	bool rewrite_all;
	u8 data_val;

	u32 spin_us;
	u32 timeout_us;

	u32 proto_version;
	u32 window_size;
	bool window_clamped;
	struct ratelimit_state link_rs;
	ktime_t link_patience;
	u8 *scratch;

	struct pbus_ioc_stats stats;
	struct pbus_xstats xstats;

	int irq;
	struct mutex irq_lock;		/* irq_handler vs. running handler */
	pbus_irq_handler_t irq_handler;
	void *irq_data;
	bool irq_on;
	bool irq_backoff;
	u32 irq_backoff_ms;
	struct delayed_work irq_backoff_work;
	ktime_t irq_win_start;
	u32 irq_win_runs;
	u32 irq_stuck_runs;
	ktime_t irq_stuck_start;
	ktime_t irq_last_storm;
	u32 irq_storms;
	u32 irq_ack_mask;
	u32 irq_ack_runs;
	u32 irq_ack_cleared;
	u32 irq_ack_errors;

	struct mutex range_lock;	/* ranges */
	struct list_head ranges;

	int minor;
	struct cdev *cdev;
	struct device *cdev_dev;
	struct dentry *dbg;
};

/* pbus-core.c */
extern struct class *pbus_class;
extern dev_t pbus_devt;
extern struct dentry *pbus_debugfs_root;
#define PBUS_MAX_MINORS		64

/* pbus-master.c */
extern struct platform_driver pbus_master_driver;
void pbus_release(struct kref *kref);
int pbus_xfer(struct pbus *bus, bool write, u32 addr, void *buf, size_t len,
	      bool killable, size_t *done);
int pbus_resync_reset(struct pbus *bus, bool pulse, bool killable);
int pbus_get_info(struct pbus *bus, struct pbus_ioc_info *info);
int pbus_get_stats(struct pbus *bus, struct pbus_ioc_stats *stats);
int pbus_reset_stats(struct pbus *bus);

/* pbus-cdev.c */
int pbus_cdev_add(struct pbus *bus);
void pbus_cdev_del(struct pbus *bus);
int pbus_range_add(struct pbus *bus, u64 start, u64 len, const void *owner,
		   const char *who);
int pbus_range_del(struct pbus *bus, u64 start, u64 len, const void *owner);

/* pbus-slave.c */
extern struct platform_driver pbus_slave_driver;

#endif /* _PBUS_INTERNAL_H */
