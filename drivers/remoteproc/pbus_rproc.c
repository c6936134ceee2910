// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: remoteproc driver for a remote processor behind a pbus link.
 *
 * The remote's memory is reachable only through the bus: nothing of it is
 * mapped on the host. So this driver
 *  - streams the firmware's PT_LOAD segments over the bus in .load and
 *    verifies them with the remote's CRC engine (or by reading them back),
 *  - keeps a host-side copy of the resource table: remoteproc edits that
 *    copy (vring addresses, notify ids) and .start writes it to the remote,
 *  - serves the trace buffer, which lives in the remote's memory, from a
 *    host shadow buffer that da_to_va() refreshes over the bus each time
 *    remoteproc asks for the trace address (rproc_trace_read(), process
 *    context), so debugfs traceN shows the remote's live text,
 *  - dumps the remote's memory into the devcoredump through custom segments
 *    whose contents are read over the bus before the remote is reset,
 *  - watches the remote through its IRQ (ready, crash) and a heartbeat
 *    monitor, and reports crashes to remoteproc, which recovers it.
 *
 * vrings and vdev buffers are left to remoteproc's default allocation in
 * host memory: the remote cannot reach them, the rpmsg transport bridges
 * them over the bus: it registers with pbus_rproc_register_transport()
 * and then gets the kicks and the remote's vring IRQ. Without a transport
 * a kick only rings the remote's doorbell.
 */

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/elf.h>
#include <linux/err.h>
#include <linux/firmware.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/remoteproc.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_compat.h"

/* Control block of the remote (include/linux/pbus-remote.h). */
#define PBUS_RPROC_REG(off)	(PBUS_REMOTE_REG_BASE + PBUS_REMOTE_REG_USER + (off))
/* Core registers of the slave end (PBUS_REG_IRQ_* of the protocol core). */
#define PBUS_RPROC_IRQ_STATUS	(PBUS_REMOTE_REG_BASE + 0x10)
#define PBUS_RPROC_IRQ_ENABLE	(PBUS_REMOTE_REG_BASE + 0x14)
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

/* Limits of what a firmware image may ask for. */
#define PBUS_RPROC_MAX_SEGS	32
#define PBUS_RPROC_MAX_TRACES	4
#define PBUS_RPROC_MAX_TRACE	SZ_1M
#define PBUS_RPROC_MAX_VRINGS	2
#define PBUS_RPROC_MAX_VRING_NUM 1024
#define PBUS_RPROC_MAX_ALIGN	SZ_64K
#define PBUS_RPROC_RSC_SECTION	".resource_table"

static int auto_boot = -1;
module_param(auto_boot, int, 0444);
MODULE_PARM_DESC(auto_boot,
		 "boot when probed: -1 = DT pbus,auto-boot (default), 0 = no, 1 = yes");

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
 * @reserved: bytes of the window reserved for the kernel, 0 if none
 * @ready: completed by the IRQ handler on PBUS_RP_IRQ_READY
 * @lock: protects @running against the IRQ handler and the monitor
 * @running: the remote is up and its crashes are to be reported
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
	spinlock_t lock;	/* protects running */
	bool running;
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
};

/*
 * Instances and the vring transport (at most one). The mutex serialises
 * attach/detach against the start/stop hooks; the kick and IRQ paths only
 * look at @xport_ctx under the instance's @xport_lock.
 */
static LIST_HEAD(pbus_rproc_list);
static DEFINE_MUTEX(pbus_rproc_list_lock);
static const struct pbus_rproc_transport *pbus_rproc_xport;

static const char * const pbus_rproc_errors[] = {
	[PBUS_RP_ERR_NONE] = "no error",
	[PBUS_RP_ERR_ELF] = "bad ELF header",
	[PBUS_RP_ERR_SEGMENT] = "segment outside the window or overlapping",
	[PBUS_RP_ERR_RSC] = "resource table unusable",
	[PBUS_RP_ERR_ENTRY] = "entry point outside a segment",
	[PBUS_RP_ERR_INTERNAL] = "internal failure of the remote",
};

static const char *pbus_rproc_error_name(u32 err)
{
	if (err < ARRAY_SIZE(pbus_rproc_errors))
		return pbus_rproc_errors[err];
	return "unknown error";
}

/* [off, off + len) inside [0, limit), without overflow. */
static bool pbus_rproc_in_range(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

static int pbus_rproc_rd(struct pbus_rproc *priv, u32 reg, u32 *val)
{
	return pbus_read32(priv->bus, PBUS_RPROC_REG(reg), val);
}

static int pbus_rproc_wr(struct pbus_rproc *priv, u32 reg, u32 val)
{
	return pbus_write32(priv->bus, PBUS_RPROC_REG(reg), val);
}

/*
 * Firmware image checks. remoteproc's ELF helpers trust the section and
 * resource tables; everything they touch is bounded here first, so that
 * rproc_elf_load_rsc_table() and the loader only see sane images.
 */

static const struct elf32_phdr *pbus_rproc_phdrs(const struct firmware *fw)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;

	return (const void *)(fw->data + ehdr->e_phoff);
}

static bool pbus_rproc_is_loaded(const struct elf32_phdr *phdr)
{
	return phdr->p_type == PT_LOAD && phdr->p_memsz;
}

static int pbus_rproc_check_segments(struct rproc *rproc,
				     const struct firmware *fw, u32 window)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;
	const struct elf32_phdr *phdr, *a, *b;
	struct device *dev = &rproc->dev;
	unsigned int i, j, loaded = 0;

	if (ehdr->e_phentsize != sizeof(*phdr)) {
		dev_err(dev, "bad program header size %u\n", ehdr->e_phentsize);
		return -EINVAL;
	}
	if (ehdr->e_phnum > PBUS_RPROC_MAX_SEGS) {
		dev_err(dev, "too many program headers: %u (max %u)\n",
			ehdr->e_phnum, PBUS_RPROC_MAX_SEGS);
		return -EINVAL;
	}
	if (ehdr->e_phoff % 4 ||
	    !pbus_rproc_in_range(ehdr->e_phoff,
				 (u64)ehdr->e_phnum * sizeof(*phdr), fw->size)) {
		dev_err(dev, "program headers truncated or misaligned\n");
		return -EINVAL;
	}

	phdr = pbus_rproc_phdrs(fw);
	for (i = 0; i < ehdr->e_phnum; i++) {
		a = &phdr[i];
		if (a->p_type != PT_LOAD)
			continue;
		if (a->p_filesz > a->p_memsz) {
			dev_err(dev, "segment %u: filesz 0x%x > memsz 0x%x\n",
				i, a->p_filesz, a->p_memsz);
			return -EINVAL;
		}
		if (!pbus_rproc_in_range(a->p_offset, a->p_filesz, fw->size)) {
			dev_err(dev, "segment %u: data at 0x%x+0x%x beyond the image (%zu bytes)\n",
				i, a->p_offset, a->p_filesz, fw->size);
			return -EINVAL;
		}
		if (!a->p_memsz)
			continue;
		if (!pbus_rproc_in_range(a->p_paddr, a->p_memsz, window)) {
			dev_err(dev, "segment %u: [0x%x, +0x%x) outside the remote window (0x%x bytes)\n",
				i, a->p_paddr, a->p_memsz, window);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			b = &phdr[j];
			if (!pbus_rproc_is_loaded(b))
				continue;
			/* both ranges are inside a u32 window: no overflow */
			if (a->p_paddr < b->p_paddr + b->p_memsz &&
			    b->p_paddr < a->p_paddr + a->p_memsz) {
				dev_err(dev, "segments %u and %u overlap\n", j, i);
				return -EINVAL;
			}
		}
		loaded++;
	}
	if (!loaded) {
		dev_err(dev, "no loadable segment\n");
		return -EINVAL;
	}

	return 0;
}

static int pbus_rproc_check_sections(struct rproc *rproc,
				     const struct firmware *fw)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;
	const struct elf32_shdr *shdr, *strtab;
	struct device *dev = &rproc->dev;
	unsigned int i;

	if (!ehdr->e_shnum)
		return 0;

	if (ehdr->e_shentsize != sizeof(*shdr)) {
		dev_err(dev, "bad section header size %u\n", ehdr->e_shentsize);
		return -EINVAL;
	}
	if (ehdr->e_shoff % 4 ||
	    !pbus_rproc_in_range(ehdr->e_shoff,
				 (u64)ehdr->e_shnum * sizeof(*shdr), fw->size)) {
		dev_err(dev, "section headers truncated or misaligned\n");
		return -EINVAL;
	}
	if (ehdr->e_shstrndx >= ehdr->e_shnum) {
		dev_err(dev, "bad section name table index %u\n",
			ehdr->e_shstrndx);
		return -EINVAL;
	}

	shdr = (const void *)(fw->data + ehdr->e_shoff);
	strtab = &shdr[ehdr->e_shstrndx];
	if (!strtab->sh_size ||
	    !pbus_rproc_in_range(strtab->sh_offset, strtab->sh_size, fw->size) ||
	    fw->data[strtab->sh_offset + strtab->sh_size - 1]) {
		dev_err(dev, "section name table truncated\n");
		return -EINVAL;
	}
	for (i = 0; i < ehdr->e_shnum; i++) {
		if (shdr[i].sh_name >= strtab->sh_size) {
			dev_err(dev, "section %u: name outside the name table\n",
				i);
			return -EINVAL;
		}
	}

	return 0;
}

/* Only after pbus_rproc_check_sections(). */
static const struct elf32_shdr *pbus_rproc_rsc_section(const struct firmware *fw)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;
	const struct elf32_shdr *shdr;
	const char *names;
	unsigned int i;

	if (!ehdr->e_shnum)
		return NULL;

	shdr = (const void *)(fw->data + ehdr->e_shoff);
	names = (const char *)fw->data + shdr[ehdr->e_shstrndx].sh_offset;
	for (i = 0; i < ehdr->e_shnum; i++)
		if (!strcmp(names + shdr[i].sh_name, PBUS_RPROC_RSC_SECTION))
			return &shdr[i];

	return NULL;
}

static int pbus_rproc_check_trace(struct pbus_rproc *priv, unsigned int idx,
				  const struct fw_rsc_trace *rsc, size_t avail,
				  bool record)
{
	struct device *dev = &priv->rproc->dev;
	struct pbus_rproc_trace *trace;

	if (avail < sizeof(*rsc)) {
		dev_err(dev, "rsc %u: trace entry truncated\n", idx);
		return -EINVAL;
	}
	if (!rsc->len || rsc->len > PBUS_RPROC_MAX_TRACE ||
	    !pbus_rproc_in_range(rsc->da, rsc->len, priv->window)) {
		dev_err(dev, "rsc %u: trace buffer [0x%x, +0x%x) outside the remote window or too large\n",
			idx, rsc->da, rsc->len);
		return -EINVAL;
	}
	if (!record)
		return 0;

	if (priv->ntraces >= PBUS_RPROC_MAX_TRACES) {
		dev_err(dev, "rsc %u: more than %u trace buffers\n", idx,
			PBUS_RPROC_MAX_TRACES);
		return -EINVAL;
	}
	trace = &priv->traces[priv->ntraces];
	trace->shadow = kvzalloc(rsc->len, GFP_KERNEL);
	if (!trace->shadow)
		return -ENOMEM;
	trace->da = rsc->da;
	trace->len = rsc->len;
	priv->ntraces++;

	return 0;
}

static int pbus_rproc_check_vdev(struct device *dev, unsigned int idx,
				 const struct fw_rsc_vdev *rsc, size_t avail)
{
	const struct fw_rsc_vdev_vring *vring;
	unsigned int i;

	if (avail < sizeof(*rsc)) {
		dev_err(dev, "rsc %u: vdev entry truncated\n", idx);
		return -EINVAL;
	}
	if (rsc->num_of_vrings > PBUS_RPROC_MAX_VRINGS) {
		dev_err(dev, "rsc %u: %u vrings (max %u)\n", idx,
			rsc->num_of_vrings, PBUS_RPROC_MAX_VRINGS);
		return -EINVAL;
	}
	/* at most two vrings: no overflow in u64 */
	if ((u64)struct_size(rsc, vring, rsc->num_of_vrings) +
	    rsc->config_len > avail) {
		dev_err(dev, "rsc %u: vdev entry truncated (config_len %u)\n",
			idx, rsc->config_len);
		return -EINVAL;
	}
	for (i = 0; i < rsc->num_of_vrings; i++) {
		vring = &rsc->vring[i];
		if (!is_power_of_2(vring->num) ||
		    vring->num > PBUS_RPROC_MAX_VRING_NUM) {
			dev_err(dev, "rsc %u: vring %u: bad size %u (power of 2 up to %u)\n",
				idx, i, vring->num, PBUS_RPROC_MAX_VRING_NUM);
			return -EINVAL;
		}
		if (!is_power_of_2(vring->align) ||
		    vring->align > PBUS_RPROC_MAX_ALIGN) {
			dev_err(dev, "rsc %u: vring %u: bad alignment %u\n",
				idx, i, vring->align);
			return -EINVAL;
		}
	}

	return 0;
}

/*
 * Walk the resource table @table of @size bytes. With @record, the trace
 * buffers are recorded in @priv (the table was checked before).
 */
static int pbus_rproc_walk_rsc(struct pbus_rproc *priv,
			       const struct resource_table *table, size_t size,
			       bool record)
{
	struct device *dev = &priv->rproc->dev;
	const struct fw_rsc_hdr *hdr;
	unsigned int i;
	size_t avail;
	u32 off;
	int ret;

	if (size < sizeof(*table)) {
		dev_err(dev, "resource table smaller than its header\n");
		return -EINVAL;
	}
	if (table->ver != 1 || table->reserved[0] || table->reserved[1]) {
		dev_err(dev, "resource table: unsupported version %u or reserved bytes set\n",
			table->ver);
		return -EINVAL;
	}
	if (struct_size(table, offset, table->num) > size) {
		dev_err(dev, "resource table: %u entries do not fit in %zu bytes\n",
			table->num, size);
		return -EINVAL;
	}

	for (i = 0; i < table->num; i++) {
		off = table->offset[i];
		if (off % 4 || off < struct_size(table, offset, table->num) ||
		    !pbus_rproc_in_range(off, sizeof(*hdr), size)) {
			dev_err(dev, "rsc %u: offset 0x%x outside the table\n",
				i, off);
			return -EINVAL;
		}
		hdr = (const void *)table + off;
		avail = size - off - sizeof(*hdr);

		switch (hdr->type) {
		case RSC_CARVEOUT:
			dev_err(dev, "rsc %u: carveouts need memory shared with the remote, which pbus has not\n",
				i);
			return -EINVAL;
		case RSC_TRACE:
			ret = pbus_rproc_check_trace(priv, i, (const void *)hdr->data,
						     avail, record);
			if (ret)
				return ret;
			break;
		case RSC_VDEV:
			ret = pbus_rproc_check_vdev(dev, i, (const void *)hdr->data,
						    avail);
			if (ret)
				return ret;
			break;
		case RSC_DEVMEM:
			/* remoteproc ignores it without an IOMMU */
			break;
		default:
			if (hdr->type >= RSC_VENDOR_START &&
			    hdr->type <= RSC_VENDOR_END)
				break;
			dev_err(dev, "rsc %u: unknown resource type %u\n", i,
				hdr->type);
			return -EINVAL;
		}
	}

	return 0;
}

static int pbus_rproc_check_rsc(struct pbus_rproc *priv,
				const struct firmware *fw)
{
	struct device *dev = &priv->rproc->dev;
	const struct elf32_shdr *shdr;

	shdr = pbus_rproc_rsc_section(fw);
	if (!shdr)
		return 0;

	if (shdr->sh_offset % 4 ||
	    !pbus_rproc_in_range(shdr->sh_offset, shdr->sh_size, fw->size)) {
		dev_err(dev, "resource table truncated or misaligned in the image\n");
		return -EINVAL;
	}
	if (!pbus_rproc_in_range(shdr->sh_addr, shdr->sh_size, priv->window)) {
		dev_err(dev, "resource table [0x%x, +0x%x) outside the remote window\n",
			shdr->sh_addr, shdr->sh_size);
		return -EINVAL;
	}

	return pbus_rproc_walk_rsc(priv, (const void *)(fw->data + shdr->sh_offset),
				   shdr->sh_size, false);
}

static int pbus_rproc_sanity_check(struct rproc *rproc,
				   const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;
	const struct elf32_hdr *ehdr;
	struct device *dev = &rproc->dev;
	int ret;

	/* the class first: the generic check would call an ELF64 truncated */
	ehdr = (const void *)fw->data;
	if (fw->size >= sizeof(*ehdr) &&
	    !memcmp(ehdr->e_ident, ELFMAG, SELFMAG) &&
	    ehdr->e_ident[EI_CLASS] != ELFCLASS32) {
		dev_err(dev, "not a 32-bit ELF image (class %u)\n",
			ehdr->e_ident[EI_CLASS]);
		return -EINVAL;
	}

	ret = rproc_elf_sanity_check(rproc, fw);
	if (ret)
		return ret;
	if (ehdr->e_machine != EM_ARM) {
		dev_err(dev, "machine %u is not EM_ARM\n", ehdr->e_machine);
		return -EINVAL;
	}

	priv->window = pbus_remote_window_size(priv->bus);
	if (!priv->window) {
		dev_err(dev, "remote window size unknown: is the bus up?\n");
		return -ENODEV;
	}

	ret = pbus_rproc_check_segments(rproc, fw, priv->window);
	if (ret)
		return ret;
	ret = pbus_rproc_check_sections(rproc, fw);
	if (ret)
		return ret;

	return pbus_rproc_check_rsc(priv, fw);
}

/* Per-firmware state: dump segments, resource table copy, traces. */
static void pbus_rproc_free_fw_state(struct pbus_rproc *priv)
{
	unsigned int i;

	mutex_lock(&priv->trace_lock);
	for (i = 0; i < priv->ntraces; i++)
		kvfree(priv->traces[i].shadow);
	memset(priv->traces, 0, sizeof(priv->traces));
	priv->ntraces = 0;
	mutex_unlock(&priv->trace_lock);

	vfree(priv->snap);
	priv->snap = NULL;
	kfree(priv->segs);
	priv->segs = NULL;
	priv->nsegs = 0;
	priv->seg_total = 0;
	kfree(priv->rsc_copy);
	priv->rsc_copy = NULL;
	priv->rsc_size = 0;
	priv->rsc_da = 0;
}

static void pbus_rproc_dump_segment(struct rproc *rproc,
				    struct rproc_dump_segment *segment,
				    void *dest, size_t offset, size_t size)
{
	struct pbus_rproc *priv = rproc->priv;
	const struct pbus_rproc_seg *seg = segment->priv;

	if (offset > seg->size || size > seg->size - offset) {
		memset(dest, 0xff, size);
		return;
	}
	if (priv->snap) {
		memcpy(dest, priv->snap + seg->snap_off + offset, size);
		return;
	}
	/* no snapshot (coredump of a remote that was not crashed): live */
	if (pbus_read(priv->bus, seg->da + offset, dest, size))
		memset(dest, 0xff, size);
}

static void pbus_rproc_del_dump_segments(struct rproc *rproc)
{
	struct rproc_dump_segment *segment, *tmp;

	list_for_each_entry_safe(segment, tmp, &rproc->dump_segments, node) {
		if (segment->dump != pbus_rproc_dump_segment)
			continue;
		list_del(&segment->node);
		kfree(segment);
	}
}

static int pbus_rproc_record_segments(struct pbus_rproc *priv,
				      const struct firmware *fw)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;
	const struct elf32_phdr *phdr = pbus_rproc_phdrs(fw);
	struct pbus_rproc_seg *seg;
	unsigned int i;

	priv->segs = kcalloc(ehdr->e_phnum, sizeof(*priv->segs), GFP_KERNEL);
	if (!priv->segs)
		return -ENOMEM;

	for (i = 0; i < ehdr->e_phnum; i++) {
		if (!pbus_rproc_is_loaded(&phdr[i]))
			continue;
		seg = &priv->segs[priv->nsegs++];
		seg->da = phdr[i].p_paddr;
		seg->size = phdr[i].p_memsz;
		seg->snap_off = priv->seg_total;
		priv->seg_total += seg->size;
	}

	return 0;
}

static int pbus_rproc_add_dump_segments(struct pbus_rproc *priv)
{
	struct rproc *rproc = priv->rproc;
	unsigned int i;
	int ret;

	for (i = 0; i < priv->nsegs; i++) {
		ret = rproc_coredump_add_custom_segment(rproc, priv->segs[i].da,
							priv->segs[i].size,
							pbus_rproc_dump_segment,
							&priv->segs[i]);
		if (ret) {
			pbus_rproc_del_dump_segments(rproc);
			return ret;
		}
	}

	return 0;
}

static int pbus_rproc_parse_fw(struct rproc *rproc, const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;
	const struct elf32_shdr *shdr;
	int ret;

	pbus_rproc_free_fw_state(priv);

	ret = pbus_rproc_record_segments(priv, fw);
	if (ret)
		goto err_free;

	shdr = pbus_rproc_rsc_section(fw);
	if (shdr) {
		priv->rsc_da = shdr->sh_addr;
		priv->rsc_size = shdr->sh_size;
		priv->rsc_copy = kzalloc(priv->rsc_size, GFP_KERNEL);
		if (!priv->rsc_copy) {
			ret = -ENOMEM;
			goto err_free;
		}
		mutex_lock(&priv->trace_lock);
		ret = pbus_rproc_walk_rsc(priv,
					  (const void *)(fw->data + shdr->sh_offset),
					  shdr->sh_size, true);
		mutex_unlock(&priv->trace_lock);
		if (ret)
			goto err_free;

		ret = rproc_elf_load_rsc_table(rproc, fw);
		if (ret)
			goto err_free;
	} else {
		dev_info(&rproc->dev, "%s has no resource table\n",
			 rproc->firmware);
	}

	ret = pbus_rproc_add_dump_segments(priv);
	if (ret)
		goto err_table;

	return 0;

err_table:
	/* remoteproc frees the table only when parse_fw succeeded */
	kfree(rproc->cached_table);
	rproc->cached_table = NULL;
	rproc->table_ptr = NULL;
	rproc->table_sz = 0;
err_free:
	pbus_rproc_free_fw_state(priv);
	return ret;
}

static struct resource_table *
pbus_rproc_find_loaded_rsc_table(struct rproc *rproc, const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;

	/*
	 * The remote's copy is not addressable: hand remoteproc a host copy.
	 * remoteproc fills it from its cached table and keeps editing it;
	 * .start writes it to the remote at @rsc_da.
	 */
	return priv->rsc_copy;
}

static int pbus_rproc_write_zeroes(struct pbus_rproc *priv, u32 da, u32 len)
{
	u32 n;
	int ret;

	memset(priv->scratch, 0, PBUS_RPROC_CHUNK);
	while (len) {
		n = min_t(u32, len, PBUS_RPROC_CHUNK);
		ret = pbus_write(priv->bus, da, priv->scratch, n);
		if (ret)
			return ret;
		da += n;
		len -= n;
		cond_resched();
	}

	return 0;
}

static int pbus_rproc_write_segment(struct pbus_rproc *priv,
				    const struct elf32_phdr *phdr,
				    const u8 *data)
{
	u32 da = phdr->p_paddr, done = 0, n;
	int ret;

	while (done < phdr->p_filesz) {
		n = min_t(u32, phdr->p_filesz - done, PBUS_RPROC_CHUNK);
		ret = pbus_write(priv->bus, da + done, data + done, n);
		if (ret)
			return ret;
		done += n;
		cond_resched();
	}

	return pbus_rproc_write_zeroes(priv, da + phdr->p_filesz,
				       phdr->p_memsz - phdr->p_filesz);
}

/* crc32_le(~0, segment incl. its zero fill) ^ ~0, as the remote computes. */
static u32 pbus_rproc_segment_crc(struct pbus_rproc *priv,
				  const struct elf32_phdr *phdr,
				  const u8 *data)
{
	u32 crc = crc32_le(~0u, data, phdr->p_filesz);
	u32 zeroes = phdr->p_memsz - phdr->p_filesz, n;

	memset(priv->scratch, 0, PBUS_RPROC_CHUNK);
	while (zeroes) {
		n = min_t(u32, zeroes, PBUS_RPROC_CHUNK);
		crc = crc32_le(crc, priv->scratch, n);
		zeroes -= n;
	}

	return crc ^ ~0u;
}

/*
 * The remote computes the CRC in the background: poll PBUS_RP_CRC_STATUS
 * (bounded) until DONE. -EOPNOTSUPP if the remote has no CRC engine.
 */
static int pbus_rproc_remote_crc(struct pbus_rproc *priv, u32 da, u32 len,
				 u32 *crc)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(PBUS_RPROC_CRC_MS);
	u32 status;
	int ret;

	ret = pbus_rproc_wr(priv, PBUS_RP_CRC_ADDR, da);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_CRC_LEN, len);
	if (ret)
		return -EOPNOTSUPP;

	for (;;) {
		ret = pbus_rproc_rd(priv, PBUS_RP_CRC_STATUS, &status);
		if (ret)
			return -EOPNOTSUPP;
		switch (status) {
		case PBUS_RP_CRC_DONE:
			return pbus_rproc_rd(priv, PBUS_RP_CRC_RESULT, crc);
		case PBUS_RP_CRC_BUSY:
			break;
		case PBUS_RP_CRC_RANGE:
			return -ERANGE;
		default:
			return -EOPNOTSUPP;
		}
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(200, 1000);
	}
}

/* Fallback of a remote without a CRC engine: read back and compare. */
static int pbus_rproc_read_back(struct pbus_rproc *priv,
				const struct elf32_phdr *phdr, const u8 *data)
{
	u32 off = 0, n;
	int ret;

	while (off < phdr->p_memsz) {
		n = min_t(u32, phdr->p_memsz - off, PBUS_RPROC_CHUNK);
		ret = pbus_read(priv->bus, phdr->p_paddr + off, priv->scratch, n);
		if (ret)
			return ret;
		if (off < phdr->p_filesz) {
			u32 m = min(n, phdr->p_filesz - off);

			if (memcmp(priv->scratch, data + off, m) ||
			    memchr_inv(priv->scratch + m, 0, n - m))
				return -EIO;
		} else if (memchr_inv(priv->scratch, 0, n)) {
			return -EIO;
		}
		off += n;
		cond_resched();
	}

	return 0;
}

static int pbus_rproc_verify_segment(struct pbus_rproc *priv, unsigned int idx,
				     const struct elf32_phdr *phdr,
				     const u8 *data)
{
	struct device *dev = &priv->rproc->dev;
	u32 want, got;
	int ret;

	ret = pbus_rproc_remote_crc(priv, phdr->p_paddr, phdr->p_memsz, &got);
	if (ret == -EOPNOTSUPP) {
		dev_info_once(dev, "remote has no CRC engine: verifying by read-back\n");
		ret = pbus_rproc_read_back(priv, phdr, data);
		if (ret)
			dev_err(dev, "segment %u: read-back %s (%d)\n", idx,
				ret == -EIO ? "differs" : "failed", ret);
		return ret;
	}
	if (ret) {
		dev_err(dev, "segment %u: remote CRC failed: %d\n", idx, ret);
		return ret;
	}

	want = pbus_rproc_segment_crc(priv, phdr, data);
	if (got != want) {
		dev_err(dev, "segment %u: CRC 0x%08x, expected 0x%08x\n",
			idx, got, want);
		return -EIO;
	}

	return 0;
}

static int pbus_rproc_load(struct rproc *rproc, const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;
	const struct elf32_hdr *ehdr = (const void *)fw->data;
	const struct elf32_phdr *phdr = pbus_rproc_phdrs(fw);
	struct device *dev = &rproc->dev;
	unsigned int i;
	int ret;

	/* a new image replaces the memory of a previous crash */
	vfree(priv->snap);
	priv->snap = NULL;

	for (i = 0; i < ehdr->e_phnum; i++) {
		const u8 *data = fw->data + phdr[i].p_offset;

		if (!pbus_rproc_is_loaded(&phdr[i]))
			continue;

		ret = pbus_rproc_write_segment(priv, &phdr[i], data);
		if (ret) {
			dev_err(dev, "segment %u: writing [0x%x, +0x%x) failed: %d\n",
				i, phdr[i].p_paddr, phdr[i].p_memsz, ret);
			return ret;
		}
		ret = pbus_rproc_verify_segment(priv, i, &phdr[i], data);
		if (ret)
			return ret;
		dev_dbg(dev, "segment %u: [0x%x, +0x%x) loaded\n", i,
			phdr[i].p_paddr, phdr[i].p_memsz);
	}

	return 0;
}

static u64 pbus_rproc_get_boot_addr(struct rproc *rproc,
				    const struct firmware *fw)
{
	return rproc_elf_get_boot_addr(rproc, fw);
}

/*
 * Crash reporting: only while running, once per boot. Called from the IRQ
 * handler (thread) and the monitor; .stop clears @running first.
 */
static bool pbus_rproc_report(struct pbus_rproc *priv,
			      enum rproc_crash_type type)
{
	unsigned long flags;
	bool was;

	spin_lock_irqsave(&priv->lock, flags);
	was = priv->running;
	priv->running = false;
	if (was)
		rproc_report_crash(priv->rproc, type);
	spin_unlock_irqrestore(&priv->lock, flags);

	return was;
}

static void pbus_rproc_set_running(struct pbus_rproc *priv, bool running)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->lock, flags);
	priv->running = running;
	spin_unlock_irqrestore(&priv->lock, flags);
}

static void pbus_rproc_report_remote_crash(struct pbus_rproc *priv,
					   const char *how)
{
	enum rproc_crash_type type = RPROC_FATAL_ERROR;
	u32 cause = PBUS_RP_CRASH_NONE;

	if (!pbus_rproc_rd(priv, PBUS_RP_CRASH_CAUSE, &cause) &&
	    cause == PBUS_RP_CRASH_WATCHDOG)
		type = RPROC_WATCHDOG;

	if (pbus_rproc_report(priv, type))
		dev_err(priv->dev, "remote crashed (%s, cause %u)\n", how,
			cause);
}

static void pbus_rproc_monitor(struct work_struct *work)
{
	struct pbus_rproc *priv = container_of(to_delayed_work(work),
					       struct pbus_rproc, monitor);
	unsigned long flags;
	u32 status, hb;
	int ret;

	ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
	if (!ret)
		ret = pbus_rproc_rd(priv, PBUS_RP_HEARTBEAT, &hb);
	if (ret) {
		if (++priv->bus_fails >= PBUS_RPROC_BUS_FAILS) {
			if (pbus_rproc_report(priv, RPROC_WATCHDOG))
				dev_err(priv->dev, "bus to the remote failed %u times (%d)\n",
					priv->bus_fails, ret);
			return;
		}
		goto rearm;
	}
	priv->bus_fails = 0;

	if (status == PBUS_RP_STATE_CRASHED) {
		pbus_rproc_report_remote_crash(priv, "seen by the monitor");
		return;
	}
	if (status != PBUS_RP_STATE_RUNNING) {
		if (pbus_rproc_report(priv, RPROC_FATAL_ERROR))
			dev_err(priv->dev, "remote left the running state (status %u)\n",
				status);
		return;
	}
	if (hb == priv->hb_last) {
		if (pbus_rproc_report(priv, RPROC_WATCHDOG))
			dev_err(priv->dev, "remote heartbeat stuck at %u for %u ms\n",
				hb, priv->hb_ms);
		return;
	}
	priv->hb_last = hb;

rearm:
	spin_lock_irqsave(&priv->lock, flags);
	if (priv->running)
		schedule_delayed_work(&priv->monitor,
				      msecs_to_jiffies(priv->hb_ms));
	spin_unlock_irqrestore(&priv->lock, flags);
}

/* The remote kicked a vring: tell the transport, if one is attached. */
static void pbus_rproc_vring_irq(struct pbus_rproc *priv)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->xport_lock, flags);
	if (priv->xport_ctx)
		pbus_rproc_xport->vring_irq(priv->xport_ctx);
	else
		dev_dbg(priv->dev, "vring kick from the remote\n");
	spin_unlock_irqrestore(&priv->xport_lock, flags);
}

/* Start and stop hooks of the transport; remoteproc's lock held. */
static void pbus_rproc_xport_start(struct pbus_rproc *priv)
{
	mutex_lock(&pbus_rproc_list_lock);
	if (priv->xport_ctx)
		pbus_rproc_xport->start(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);
}

static void pbus_rproc_xport_stop(struct pbus_rproc *priv)
{
	mutex_lock(&pbus_rproc_list_lock);
	if (priv->xport_ctx)
		pbus_rproc_xport->stop(priv->xport_ctx);
	mutex_unlock(&pbus_rproc_list_lock);
}

/* Under pbus_rproc_list_lock. */
static void pbus_rproc_xport_attach(struct pbus_rproc *priv)
{
	unsigned long flags;
	bool running;
	void *ctx;

	ctx = pbus_rproc_xport->attach(priv->rproc, priv->bus);
	if (IS_ERR_OR_NULL(ctx)) {
		dev_warn(priv->dev, "vring transport not attached: %ld\n",
			 PTR_ERR(ctx));
		return;
	}
	spin_lock_irqsave(&priv->xport_lock, flags);
	priv->xport_ctx = ctx;
	spin_unlock_irqrestore(&priv->xport_lock, flags);

	spin_lock_irqsave(&priv->lock, flags);
	running = priv->running;
	spin_unlock_irqrestore(&priv->lock, flags);
	if (running)
		pbus_rproc_xport->start(ctx);
}

/* Under pbus_rproc_list_lock. */
static void pbus_rproc_xport_detach(struct pbus_rproc *priv)
{
	unsigned long flags;
	void *ctx = priv->xport_ctx;

	if (!ctx)
		return;
	spin_lock_irqsave(&priv->xport_lock, flags);
	priv->xport_ctx = NULL;
	spin_unlock_irqrestore(&priv->xport_lock, flags);
	/* no kick or IRQ hook runs any more: the transport may let go */
	pbus_rproc_xport->stop(ctx);
	pbus_rproc_xport->detach(ctx);
}

/**
 * pbus_rproc_register_transport() - plug in the vring transport
 * @xport: its hooks; every one must be set
 *
 * @xport->attach is called at once for every pbus remoteproc, and later
 * for every new one; @xport->start follows for those whose remote runs.
 *
 * Return: 0, -EINVAL for a missing hook, -EBUSY if a transport is
 * registered already.
 */
int pbus_rproc_register_transport(const struct pbus_rproc_transport *xport)
{
	struct pbus_rproc *priv;
	int ret = 0;

	if (!xport || !xport->attach || !xport->detach || !xport->start ||
	    !xport->stop || !xport->kick || !xport->vring_irq)
		return -EINVAL;

	mutex_lock(&pbus_rproc_list_lock);
	if (pbus_rproc_xport) {
		ret = -EBUSY;
		goto out;
	}
	pbus_rproc_xport = xport;
	list_for_each_entry(priv, &pbus_rproc_list, node)
		pbus_rproc_xport_attach(priv);
out:
	mutex_unlock(&pbus_rproc_list_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pbus_rproc_register_transport);

/**
 * pbus_rproc_unregister_transport() - unplug the vring transport
 * @xport: as registered
 *
 * Stops and detaches it from every remoteproc; kicks ring the remote's
 * doorbell again. The remotes keep running.
 */
void pbus_rproc_unregister_transport(const struct pbus_rproc_transport *xport)
{
	struct pbus_rproc *priv;

	mutex_lock(&pbus_rproc_list_lock);
	if (pbus_rproc_xport == xport) {
		list_for_each_entry(priv, &pbus_rproc_list, node)
			pbus_rproc_xport_detach(priv);
		pbus_rproc_xport = NULL;
	}
	mutex_unlock(&pbus_rproc_list_lock);
}
EXPORT_SYMBOL_GPL(pbus_rproc_unregister_transport);

/* IRQ line of the remote; thread context. */
static void pbus_rproc_irq(struct pbus *bus, void *data)
{
	struct pbus_rproc *priv = data;
	u32 pending;

	if (pbus_read32(bus, PBUS_RPROC_IRQ_STATUS, &pending))
		return;	/* the monitor notices a dead bus */
	pending &= PBUS_RPROC_IRQ_MASK;
	if (!pending)
		return;
	if (pbus_write32(bus, PBUS_RPROC_IRQ_STATUS, pending))
		dev_dbg(priv->dev, "clearing IRQ status 0x%x failed\n", pending);

	if (pending & PBUS_RP_IRQ_READY)
		complete(&priv->ready);
	if (pending & PBUS_RP_IRQ_CRASH)
		pbus_rproc_report_remote_crash(priv, "IRQ");
	if (pending & PBUS_RP_IRQ_VRING)
		pbus_rproc_vring_irq(priv);
}

static int pbus_rproc_wait_running(struct pbus_rproc *priv)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(priv->boot_ms);
	unsigned int poll = priv->has_irq ? PBUS_RPROC_IRQ_POLL_MS :
					    PBUS_RPROC_POLL_MS;
	struct device *dev = &priv->rproc->dev;
	u32 status, err = PBUS_RP_ERR_NONE;
	int ret;

	for (;;) {
		ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
		if (ret) {
			dev_err(dev, "reading the remote's status failed: %d\n",
				ret);
			return ret;
		}
		switch (status) {
		case PBUS_RP_STATE_RUNNING:
			return 0;
		case PBUS_RP_STATE_ERROR:
			pbus_rproc_rd(priv, PBUS_RP_ERROR, &err);
			dev_err(dev, "remote refused the firmware: %s (%u)\n",
				pbus_rproc_error_name(err), err);
			return -EINVAL;
		case PBUS_RP_STATE_CRASHED:
			dev_err(dev, "remote crashed while booting\n");
			return -EIO;
		default:
			break;
		}
		if (time_after(jiffies, deadline)) {
			dev_err(dev, "remote not running after %u ms (status %u)\n",
				priv->boot_ms, status);
			return -ETIMEDOUT;
		}
		/* woken early by PBUS_RP_IRQ_READY */
		wait_for_completion_timeout(&priv->ready,
					    msecs_to_jiffies(poll));
	}
}

static int pbus_rproc_start(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	struct device *dev = &rproc->dev;
	u32 period;
	int ret;

	reinit_completion(&priv->ready);
	priv->bus_fails = 0;

	ret = pbus_write32(priv->bus, PBUS_RPROC_IRQ_STATUS, PBUS_RPROC_IRQ_MASK);
	if (!ret && priv->has_irq)
		ret = pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE,
				   PBUS_RPROC_IRQ_MASK);
	if (!ret && priv->rsc_size)
		ret = pbus_write(priv->bus, priv->rsc_da, priv->rsc_copy,
				 priv->rsc_size);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_RSC_ADDR, priv->rsc_da);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_RSC_SIZE, priv->rsc_size);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_BOOT_ADDR, (u32)rproc->bootaddr);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_CONTROL, PBUS_RP_CTRL_START);
	if (ret) {
		dev_err(dev, "starting the remote over the bus failed: %d\n",
			ret);
		goto err_reset;
	}

	ret = pbus_rproc_wait_running(priv);
	if (ret)
		goto err_reset;

	ret = pbus_rproc_rd(priv, PBUS_RP_HEARTBEAT, &priv->hb_last);
	if (ret)
		goto err_reset;
	if (!pbus_rproc_rd(priv, PBUS_RP_HB_PERIOD_MS, &period) &&
	    period >= priv->hb_ms)
		dev_warn(dev, "remote heartbeat period %u ms >= monitor timeout %u ms\n",
			 period, priv->hb_ms);

	pbus_rproc_set_running(priv, true);
	schedule_delayed_work(&priv->monitor, msecs_to_jiffies(priv->hb_ms));
	pbus_rproc_xport_start(priv);

	return 0;

err_reset:
	/* remoteproc does not call .stop after a failed .start */
	if (pbus_reset_remote(priv->bus))
		dev_warn(dev, "resetting the remote failed\n");
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE, 0);
	return ret;
}

/* Copy the loaded segments of a crashed remote before it is reset. */
static void pbus_rproc_snapshot(struct pbus_rproc *priv)
{
	struct device *dev = &priv->rproc->dev;
	struct pbus_rproc_seg *seg;
	unsigned int i;
	int ret;

	if (priv->rproc->dump_conf == RPROC_COREDUMP_DISABLED ||
	    !priv->seg_total)
		return;

	vfree(priv->snap);
	priv->snap = vmalloc(priv->seg_total);
	if (!priv->snap) {
		dev_warn(dev, "no memory for the coredump snapshot\n");
		return;
	}
	for (i = 0; i < priv->nsegs; i++) {
		seg = &priv->segs[i];
		ret = pbus_read(priv->bus, seg->da, priv->snap + seg->snap_off,
				seg->size);
		if (ret) {
			dev_warn(dev, "coredump: reading [0x%x, +0x%x) failed: %d\n",
				 seg->da, seg->size, ret);
			vfree(priv->snap);
			priv->snap = NULL;
			return;
		}
	}
}

/* Ask the remote to stop; 0 once it reports OFFLINE within the bound. */
static int pbus_rproc_request_stop(struct pbus_rproc *priv)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(PBUS_RPROC_STOP_MS);
	u32 status;
	int ret;

	ret = pbus_rproc_wr(priv, PBUS_RP_CONTROL, PBUS_RP_CTRL_STOP);
	if (ret)
		return ret;

	for (;;) {
		ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
		if (ret)
			return ret;
		if (status == PBUS_RP_STATE_OFFLINE)
			return 0;
		if (status == PBUS_RP_STATE_CRASHED)
			return -EIO;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		msleep(PBUS_RPROC_POLL_MS);
	}
}

static int pbus_rproc_stop(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	struct device *dev = &rproc->dev;
	bool crashed = rproc->state == RPROC_CRASHED;
	int ret = -EIO;

	pbus_rproc_set_running(priv, false);
	/* after @running: a transport registering now does not start */
	pbus_rproc_xport_stop(priv);
	cancel_delayed_work_sync(&priv->monitor);
	cancel_work_sync(&priv->kick_work);
	priv->kick_pending = 0;

	if (crashed)
		pbus_rproc_snapshot(priv);
	else
		ret = pbus_rproc_request_stop(priv);

	if (ret) {
		if (!crashed)
			dev_warn(dev, "remote did not stop (%d): resetting it\n",
				 ret);
		ret = pbus_reset_remote(priv->bus);
		if (ret)
			dev_warn(dev, "resetting the remote failed: %d\n", ret);
	}

	/* a stop never fails: a dead bus leaves nothing to stop */
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE, 0);
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_STATUS, PBUS_RPROC_IRQ_MASK);

	return 0;
}

/*
 * Hook of the vring transport: tell the remote that vring @vqid has news.
 * The rpmsg transport moves the host-side vring to the remote first.
 */
static void pbus_rproc_doorbell(struct pbus_rproc *priv, unsigned int vqid)
{
	int ret = pbus_rproc_wr(priv, PBUS_RP_DOORBELL, vqid);

	if (ret)
		dev_warn_ratelimited(priv->dev, "doorbell %u failed: %d\n",
				     vqid, ret);
}

static void pbus_rproc_kick_work(struct work_struct *work)
{
	struct pbus_rproc *priv = container_of(work, struct pbus_rproc,
					       kick_work);
	unsigned long pending = xchg(&priv->kick_pending, 0);
	unsigned int vqid;

	for_each_set_bit(vqid, &pending, BITS_PER_LONG)
		pbus_rproc_doorbell(priv, vqid);
}

/* May run in atomic context (vring callbacks): defer the bus access. */
static void pbus_rproc_kick(struct rproc *rproc, int vqid)
{
	struct pbus_rproc *priv = rproc->priv;
	unsigned long flags;
	bool taken = false;

	spin_lock_irqsave(&priv->xport_lock, flags);
	if (priv->xport_ctx) {
		pbus_rproc_xport->kick(priv->xport_ctx, vqid);
		taken = true;
	}
	spin_unlock_irqrestore(&priv->xport_lock, flags);
	if (taken)
		return;

	if (vqid < 0 || vqid >= BITS_PER_LONG) {
		dev_warn_ratelimited(priv->dev, "kick of vring %d ignored\n",
				     vqid);
		return;
	}
	set_bit(vqid, &priv->kick_pending);
	schedule_work(&priv->kick_work);
}

/*
 * Nothing of the remote is mapped, except the trace buffers: those are
 * shadowed in host memory and refreshed over the bus on each request.
 * remoteproc asks for a trace address only in rproc_trace_read() (debugfs,
 * process context), so `cat traceN` reads the remote's text as it is now.
 * Other addresses are left to remoteproc's own carveouts (vrings).
 */
static void *pbus_rproc_da_to_va(struct rproc *rproc, u64 da, size_t len,
				 bool *is_iomem)
{
	struct pbus_rproc *priv = rproc->priv;
	struct pbus_rproc_trace *trace;
	void *va = NULL;
	unsigned int i;

	mutex_lock(&priv->trace_lock);
	for (i = 0; i < priv->ntraces; i++) {
		trace = &priv->traces[i];
		if (da < trace->da || da - trace->da > trace->len ||
		    len > trace->len - (da - trace->da))
			continue;
		if (pbus_read(priv->bus, trace->da, trace->shadow, trace->len))
			break;
		va = trace->shadow + (da - trace->da);
		if (is_iomem)
			*is_iomem = false;
		break;
	}
	mutex_unlock(&priv->trace_lock);

	return va;
}

static int pbus_rproc_prepare(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	struct device *dev = &rproc->dev;
	u32 id = 0;
	int ret;

	ret = pbus_rproc_rd(priv, PBUS_RP_ID, &id);
	if (ret || id != PBUS_RP_MAGIC) {
		dev_err(dev, "no pbus remote processor answers (%d, id 0x%08x)\n",
			ret, id);
		return ret ?: -ENODEV;
	}

	ret = pbus_reserve(priv->bus, 0, priv->window, "remoteproc");
	if (ret) {
		dev_err(dev, "remote window busy (in use by user space?): %d\n",
			ret);
		return ret;
	}
	priv->reserved = priv->window;

	return 0;
}

static int pbus_rproc_unprepare(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;

	if (priv->reserved) {
		pbus_unreserve(priv->bus, 0, priv->reserved);
		priv->reserved = 0;
	}
	pbus_rproc_free_fw_state(priv);

	return 0;
}

static const struct rproc_ops pbus_rproc_ops = {
	.prepare = pbus_rproc_prepare,
	.unprepare = pbus_rproc_unprepare,
	.start = pbus_rproc_start,
	.stop = pbus_rproc_stop,
	.kick = pbus_rproc_kick,
	.da_to_va = pbus_rproc_da_to_va,
	.parse_fw = pbus_rproc_parse_fw,
	.find_loaded_rsc_table = pbus_rproc_find_loaded_rsc_table,
	.sanity_check = pbus_rproc_sanity_check,
	.get_boot_addr = pbus_rproc_get_boot_addr,
	.load = pbus_rproc_load,
};

static void pbus_rproc_free_irq(void *data)
{
	struct pbus_rproc *priv = data;

	pbus_free_irq(priv->bus);
}

/* After the remoteproc was deleted (stopped): no hook runs any more. */
static void pbus_rproc_unlist(void *data)
{
	struct pbus_rproc *priv = data;

	mutex_lock(&pbus_rproc_list_lock);
	list_del(&priv->node);
	if (pbus_rproc_xport)
		pbus_rproc_xport_detach(priv);
	mutex_unlock(&pbus_rproc_list_lock);
}

static void pbus_rproc_cancel_work(void *data)
{
	struct pbus_rproc *priv = data;

	pbus_rproc_set_running(priv, false);
	cancel_delayed_work_sync(&priv->monitor);
	cancel_work_sync(&priv->kick_work);
	pbus_rproc_free_fw_state(priv);
}

static u32 pbus_rproc_timeout(struct device *dev, const char *prop, u32 def)
{
	u32 ms = def;

	of_property_read_u32(dev->of_node, prop, &ms);
	if (ms < PBUS_RPROC_MIN_MS || ms > PBUS_RPROC_MAX_MS) {
		dev_warn(dev, "%s = %u out of [%u, %u]: using %u\n", prop, ms,
			 PBUS_RPROC_MIN_MS, PBUS_RPROC_MAX_MS, def);
		ms = def;
	}

	return ms;
}

static int pbus_rproc_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	const char *fw_name = PBUS_RPROC_FW_NAME;
	struct pbus_rproc *priv;
	struct rproc *rproc;
	int ret;

	of_property_read_string(dev->of_node, "firmware-name", &fw_name);

	rproc = devm_rproc_alloc(dev, dev_name(dev), &pbus_rproc_ops, fw_name,
				 sizeof(*priv));
	if (!rproc)
		return -ENOMEM;

	priv = rproc->priv;
	priv->dev = dev;
	priv->rproc = rproc;
	priv->boot_ms = pbus_rproc_timeout(dev, "pbus,boot-timeout-ms",
					   PBUS_RPROC_BOOT_MS);
	priv->hb_ms = pbus_rproc_timeout(dev, "pbus,heartbeat-timeout-ms",
					 PBUS_RPROC_HB_MS);
	init_completion(&priv->ready);
	spin_lock_init(&priv->lock);
	spin_lock_init(&priv->xport_lock);
	INIT_LIST_HEAD(&priv->node);
	mutex_init(&priv->trace_lock);
	INIT_DELAYED_WORK(&priv->monitor, pbus_rproc_monitor);
	INIT_WORK(&priv->kick_work, pbus_rproc_kick_work);

	priv->scratch = devm_kzalloc(dev, PBUS_RPROC_CHUNK, GFP_KERNEL);
	if (!priv->scratch)
		return -ENOMEM;

	priv->bus = devm_pbus_get(dev, "pbus");
	if (IS_ERR(priv->bus))
		return dev_err_probe(dev, PTR_ERR(priv->bus),
				     "no pbus master\n");

	/*
	 * Unbinding the master unbinds us first, while the bus still works,
	 * so the remote gets a clean stop; bind again to get it back.
	 */
	if (!device_link_add(dev, pbus_device(priv->bus),
			     DL_FLAG_AUTOREMOVE_CONSUMER))
		return dev_err_probe(dev, -EINVAL,
				     "cannot link to the bus master\n");

	ret = pbus_request_irq(priv->bus, pbus_rproc_irq, priv);
	if (ret) {
		dev_info(dev, "no IRQ from the remote (%d): polling its status\n",
			 ret);
	} else {
		priv->has_irq = true;
		ret = devm_add_action_or_reset(dev, pbus_rproc_free_irq, priv);
		if (ret)
			return ret;
	}

	ret = devm_add_action_or_reset(dev, pbus_rproc_cancel_work, priv);
	if (ret)
		return ret;

	if (auto_boot >= 0)
		rproc->auto_boot = auto_boot;
	else
		rproc->auto_boot = of_property_read_bool(dev->of_node,
							 "pbus,auto-boot");
	rproc->dump_conf = RPROC_COREDUMP_ENABLED;
	ret = rproc_coredump_set_elf_info(rproc, ELFCLASS32, EM_ARM);
	if (ret)
		return ret;

	/* before the remoteproc exists (auto-boot), released after it went */
	mutex_lock(&pbus_rproc_list_lock);
	list_add_tail(&priv->node, &pbus_rproc_list);
	if (pbus_rproc_xport)
		pbus_rproc_xport_attach(priv);
	mutex_unlock(&pbus_rproc_list_lock);
	ret = devm_add_action_or_reset(dev, pbus_rproc_unlist, priv);
	if (ret)
		return ret;

	ret = devm_rproc_add(dev, rproc);
	if (ret)
		return dev_err_probe(dev, ret, "registering the remoteproc failed\n");

	dev_info(dev, "%s on %s, firmware %s%s\n", dev_name(&rproc->dev),
		 pbus_name(priv->bus), rproc->firmware,
		 rproc->auto_boot ? ", auto-boot" : "");

	return 0;
}

static const struct of_device_id pbus_rproc_of_match[] = {
	{ .compatible = "pbus,remoteproc" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_rproc_of_match);

static struct platform_driver pbus_rproc_driver = {
	.probe = pbus_rproc_probe,
	.driver = {
		.name = "pbus-rproc",
		.of_match_table = pbus_rproc_of_match,
	},
};
module_platform_driver(pbus_rproc_driver);

MODULE_DESCRIPTION("remoteproc driver for a remote processor behind pbus");
MODULE_LICENSE("GPL");
