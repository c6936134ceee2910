// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: checks of a firmware image before remoteproc or the loader
 * touch it. remoteproc's ELF helpers trust the section and resource tables;
 * everything they touch is bounded here first, so that
 * rproc_elf_load_rsc_table() and the loader only see sane images.
 */

#include <linux/device.h>
#include <linux/elf.h>
#include <linux/err.h>
#include <linux/firmware.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rproc_internal.h"

const struct elf32_phdr *pbus_rproc_phdrs(const struct firmware *fw)
{
	const struct elf32_hdr *ehdr = (const void *)fw->data;

	return (const void *)(fw->data + ehdr->e_phoff);
}

bool pbus_rproc_is_loaded(const struct elf32_phdr *phdr)
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
const struct elf32_shdr *pbus_rproc_rsc_section(const struct firmware *fw)
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
int pbus_rproc_walk_rsc(struct pbus_rproc *priv,
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

int pbus_rproc_sanity_check(struct rproc *rproc, const struct firmware *fw)
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
