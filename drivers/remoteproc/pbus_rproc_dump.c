// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the devcoredump of a remote reached only over the bus. Its
 * loaded segments become custom dump segments; on a crash their contents
 * are read over the bus before the remote is stopped or reset (a snapshot),
 * and remoteproc's coredump copies them from there.
 */

#include <linux/device.h>
#include <linux/elf.h>
#include <linux/firmware.h>
#include <linux/list.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rproc_internal.h"

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

int pbus_rproc_record_segments(struct pbus_rproc *priv,
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

int pbus_rproc_add_dump_segments(struct pbus_rproc *priv)
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

/* Copy the loaded segments of a crashed remote before it is reset. */
void pbus_rproc_snapshot(struct pbus_rproc *priv)
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
