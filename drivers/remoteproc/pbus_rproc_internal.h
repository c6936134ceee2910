/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_rproc: what the files of the remoteproc driver share.
 */
#ifndef _PBUS_RPROC_INTERNAL_H
#define _PBUS_RPROC_INTERNAL_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/remoteproc.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include <linux/pbus-regs.h>

#include "pbus_compat.h"

struct elf32_phdr;
struct elf32_shdr;
struct firmware;

/* Control block of the remote (include/linux/pbus-remote.h). */
#define PBUS_RPROC_REG(off)	(PBUS_REG_BASE + PBUS_REG_USER + (off))
/* Core registers of the slave end (PBUS_REG_IRQ_* of the protocol core). */
#define PBUS_RPROC_IRQ_STATUS	(PBUS_REG_BASE + PBUS_REG_IRQ_STATUS)
#define PBUS_RPROC_IRQ_ENABLE	(PBUS_REG_BASE + PBUS_REG_IRQ_ENABLE)
/* Every register of the remote, reserved with the window while it runs. */
#define PBUS_RPROC_REGS_LEN	((u32)(SZ_4G - PBUS_REG_BASE))
#define PBUS_RPROC_IRQ_MASK	(PBUS_RP_IRQ_VRING | PBUS_RP_IRQ_READY | \
				 PBUS_RP_IRQ_CRASH)

#define PBUS_RPROC_FW_NAME	"pbus-remote-fw.elf"
#define PBUS_RPROC_BOOT_MS	2000
#define PBUS_RPROC_HB_MS	1000
#define PBUS_RPROC_MIN_MS	50
#define PBUS_RPROC_MAX_MS	60000
#define PBUS_RPROC_STOP_MS	1000	/* bound of the STOP handshake */
#define PBUS_RPROC_POLL_MS	20	/* status poll period without IRQ */
#define PBUS_RPROC_IRQ_POLL_MS	100	/* status poll period with IRQ */
#define PBUS_RPROC_CRC_MS	2000	/* bound of one remote CRC */
#define PBUS_RPROC_BUS_FAILS	2	/* failed monitor reads = crash */
#define PBUS_RPROC_CHUNK	SZ_4K	/* bus transfer unit of .load */
#define PBUS_RPROC_REC_HIST	32	/* recoveries remembered (recovery_limit) */

/* Limits of what a firmware image may ask for. */
#define PBUS_RPROC_MAX_SEGS	32
#define PBUS_RPROC_MAX_TRACES	4
#define PBUS_RPROC_MAX_TRACE	SZ_1M
#define PBUS_RPROC_MAX_VRINGS	2
#define PBUS_RPROC_MAX_VRING_NUM 1024
#define PBUS_RPROC_MAX_ALIGN	SZ_64K
#define PBUS_RPROC_RSC_SECTION	".resource_table"

/**
 * struct pbus_rproc_seg - a loaded segment, dumped on a crash
 * @da: address in the remote's window
 * @size: bytes (memsz)
 * @snap_off: offset of its copy in &pbus_rproc.snap
 */
struct pbus_rproc_seg {
	u32 da;
	u32 size;
	size_t snap_off;
};

/**
 * struct pbus_rproc_trace - a trace buffer of the remote
 * @da: address in the remote's window
 * @len: size in bytes
 * @shadow: host copy, refreshed over the bus by da_to_va()
 */
struct pbus_rproc_trace {
	u32 da;
	u32 len;
	void *shadow;
};

/**
 * struct pbus_rproc - driver state
 * @dev: the platform device
 * @rproc: the remoteproc
 * @bus: master end of the link to the remote
 * @has_irq: the remote's IRQ line is ours; else status is polled
 * @boot_ms: bound of the boot handshake
 * @hb_ms: heartbeat monitor period; the heartbeat must change within it
 * @window: size of the remote's memory window, read at sanity check
 * @reserved: bytes of the window reserved for the kernel, 0 if none;
 *	the registers are reserved with it
 * @ready: completed by the IRQ handler on PBUS_RP_IRQ_READY
 * @lock: protects @running against the IRQ handler and the monitor, and
 *	the crash-loop state from @recover_work to @loops_stopped
 * @running: the remote is up and its crashes are to be reported
 * @recover_work: reports a crash to remoteproc after the backoff
 * @pending: @recover_work is to report a crash
 * @pending_type: what it reports
 * @pending_until: when
 * @recovery_auto: a crash was left to remoteproc's automatic recovery:
 *	the next start is that recovery
 * @gave_up: the crash-loop bound set rproc->recovery_disabled
 * @dying: the device goes away: crashes are reported at once
 * @rec_times: jiffies of the last automatic recoveries
 * @rec_head: next entry of @rec_times
 * @rec_n: valid entries of @rec_times
 * @crashes: crashes reported
 * @delayed: recoveries delayed by the backoff
 * @loops_stopped: times the bound stopped automatic recovery
 * @monitor: heartbeat monitor
 * @hb_last: last heartbeat seen
 * @bus_fails: consecutive failed monitor reads
 * @kick_work: rings the doorbell outside the caller's context
 * @kick_pending: vring ids to ring, one bit each
 * @scratch: transfer buffer of .load (under rproc->lock)
 * @segs: loaded segments of the current firmware
 * @nsegs: number of @segs
 * @seg_total: sum of their sizes
 * @snap: copy of @segs read from the crashed remote before its reset
 * @rsc_da: window address of the resource table
 * @rsc_size: its size, 0 if the firmware has none
 * @rsc_copy: host copy of the table, given to remoteproc as the loaded one
 * @trace_lock: serialises refreshes of the trace shadows
 * @traces: trace buffers of the current firmware
 * @ntraces: number of @traces
 * @node: entry in pbus_rproc_list
 * @xport_lock: protects @xport_ctx against the kick and IRQ paths
 * @xport_ctx: context of the attached vring transport, NULL if none
 * @xport_subdev: starts and stops the transport with the remote
 * @xport_started: between the start and stop of @xport_subdev
 */
struct pbus_rproc {
	struct device *dev;
	struct rproc *rproc;
	struct pbus *bus;
	bool has_irq;
	u32 boot_ms;
	u32 hb_ms;
	u32 window;
	u32 reserved;

	struct completion ready;
	spinlock_t lock;	/* protects running, the crash-loop state */
	bool running;
	struct delayed_work recover_work;
	bool pending;
	enum rproc_crash_type pending_type;
	unsigned long pending_until;
	bool recovery_auto;
	bool gave_up;
	bool dying;
	unsigned long rec_times[PBUS_RPROC_REC_HIST];
	unsigned int rec_head;
	unsigned int rec_n;
	unsigned long crashes;
	unsigned long delayed;
	unsigned long loops_stopped;
	struct delayed_work monitor;
	u32 hb_last;
	unsigned int bus_fails;

	struct work_struct kick_work;
	unsigned long kick_pending;

	u8 *scratch;

	struct pbus_rproc_seg *segs;
	unsigned int nsegs;
	size_t seg_total;
	void *snap;

	u32 rsc_da;
	size_t rsc_size;
	void *rsc_copy;

	struct mutex trace_lock;	/* protects the trace shadows */
	struct pbus_rproc_trace traces[PBUS_RPROC_MAX_TRACES];
	unsigned int ntraces;

	struct list_head node;
	spinlock_t xport_lock;	/* protects xport_ctx */
	void *xport_ctx;
	struct rproc_subdev xport_subdev;
	bool xport_started;
};

/* [off, off + len) inside [0, limit), without overflow. */
static inline bool pbus_rproc_in_range(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

static inline int pbus_rproc_rd(struct pbus_rproc *priv, u32 reg, u32 *val)
{
	return pbus_read32(priv->bus, PBUS_RPROC_REG(reg), val);
}

static inline int pbus_rproc_wr(struct pbus_rproc *priv, u32 reg, u32 val)
{
	return pbus_write32(priv->bus, PBUS_RPROC_REG(reg), val);
}

/* pbus_rproc_fw.c: image checks */
const struct elf32_phdr *pbus_rproc_phdrs(const struct firmware *fw);
bool pbus_rproc_is_loaded(const struct elf32_phdr *phdr);
const struct elf32_shdr *pbus_rproc_rsc_section(const struct firmware *fw);
int pbus_rproc_walk_rsc(struct pbus_rproc *priv,
			const struct resource_table *table, size_t size,
			bool record);
int pbus_rproc_sanity_check(struct rproc *rproc, const struct firmware *fw);

/* pbus_rproc_load.c: the loader */
int pbus_rproc_load(struct rproc *rproc, const struct firmware *fw);

/* pbus_rproc_dump.c: the coredump */
int pbus_rproc_record_segments(struct pbus_rproc *priv,
			       const struct firmware *fw);
int pbus_rproc_add_dump_segments(struct pbus_rproc *priv);
void pbus_rproc_snapshot(struct pbus_rproc *priv);

/* pbus_rproc_trace.c: the trace mirror */
void pbus_rproc_free_traces(struct pbus_rproc *priv);
void *pbus_rproc_da_to_va(struct rproc *rproc, u64 da, size_t len,
			  bool *is_iomem);

/* pbus_rproc_recovery.c: the crash loop */
void pbus_rproc_crashed(struct pbus_rproc *priv, enum rproc_crash_type type);
bool pbus_rproc_recovery_cancel(struct pbus_rproc *priv);
void pbus_rproc_recovery_boot(struct pbus_rproc *priv);
void pbus_rproc_recovery_started(struct pbus_rproc *priv, bool ok);
void pbus_rproc_recovery_init(struct pbus_rproc *priv);
void pbus_rproc_recovery_exit(struct pbus_rproc *priv);
void pbus_rproc_recovery_debugfs(struct pbus_rproc *priv);

/* pbus_rproc_monitor.c: IRQ line and heartbeat */
void pbus_rproc_set_running(struct pbus_rproc *priv, bool running);
void pbus_rproc_monitor(struct work_struct *work);
void pbus_rproc_irq(struct pbus *bus, void *data);

/* pbus_rproc_xport.c: the vring transport and the kicks */
void pbus_rproc_vring_irq(struct pbus_rproc *priv);
void pbus_rproc_xport_add(struct pbus_rproc *priv);
int pbus_rproc_add_vdev_pool(struct pbus_rproc *priv);
void pbus_rproc_unlist(void *data);
void pbus_rproc_kick_work(struct work_struct *work);
void pbus_rproc_kick(struct rproc *rproc, int vqid);

#endif /* _PBUS_RPROC_INTERNAL_H */
