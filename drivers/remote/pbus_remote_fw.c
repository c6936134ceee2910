// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_remote: validation of the firmware image the host wrote into the
 * slave's memory window, done before the remote "boots" it.
 *
 * The window is the remote's memory as the host loaded it. The image's ELF
 * header and program headers must be at window address 0: either the host
 * copied the ELF file raw to address 0, or it loaded the PT_LOADs at their
 * p_paddr and the first PT_LOAD holds the headers (as the project's
 * firmware/pbus-remote.ld arranges; both give the same window contents).
 *
 * Every field is copied out of the window once (the host may write it
 * concurrently) and every length or offset taken from it is checked
 * against the window or the copy before use. Segment addresses are device
 * addresses taken from p_paddr, as remoteproc's ELF loader does; p_vaddr
 * is ignored.
 *
 * Checks, in order, each refusal giving a PBUS_RP_ERR_* code:
 *  ELF      ELF32, little-endian, ET_EXEC, EM_ARM, header sizes, 1..16
 *           program headers inside the window;
 *  SEGMENT  PT_LOADs inside the window and below the rpmsg mailboxes
 *           (the image limit), filesz <= memsz, no two PT_LOADs
 *           overlapping, at least one PT_LOAD;
 *  ENTRY    e_entry (and PBUS_RP_BOOT_ADDR if not 0), Thumb bit ignored,
 *           inside the file-backed part of an executable PT_LOAD;
 *  RSC      the resource table at PBUS_RP_RSC_ADDR/RSC_SIZE: inside a
 *           PT_LOAD, version 1, at most 32 entries, offsets aligned and
 *           inside the table, only known types, each entry inside the
 *           table; RSC_VDEV with 1..2 vrings of a power-of-two size up to
 *           1024; RSC_TRACE, carveouts and vrings with a fixed address
 *           inside the window below the image limit.
 * The version string comes from an ELF note (PT_NOTE, name "PBUS", type
 * 1, descriptor the NUL-terminated string); a missing note is not an
 * error.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/remoteproc.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio_ring.h>

#include "pbus_remote.h"

#ifdef __BIG_ENDIAN
#error "pbus_remote reads little-endian images in native byte order"
#endif

#define PBUS_NOTE_NAME		"PBUS"
#define PBUS_NOTE_VERSION	1
#define PBUS_RP_VRING_MAX_ALIGN	SZ_64K

struct pbus_rp_fw {
	struct pbus_slave *slave;
	const struct pbus_rp_fw_req *req;
	struct pbus_rp_fw_info *info;
	struct elf32_phdr ph[PBUS_RP_MAX_PHDRS];
	unsigned int phnum;
};

static __printf(3, 4) u32 pbus_rp_refuse(struct pbus_rp_fw *fw, u32 err,
					 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fw->info->why, sizeof(fw->info->why), fmt, ap);
	va_end(ap);
	return err;
}

static bool pbus_rp_in_window(struct pbus_rp_fw *fw, u32 addr, u64 len)
{
	return (u64)addr + len <= fw->req->window_size;
}

/* Below the rpmsg mailboxes (which are inside the window). */
static bool pbus_rp_in_image(struct pbus_rp_fw *fw, u32 addr, u64 len)
{
	return (u64)addr + len <= fw->req->image_limit;
}

/* Copy [addr, addr + len) of the window; the range must be checked. */
static u32 pbus_rp_read(struct pbus_rp_fw *fw, u32 addr, void *buf,
			size_t len)
{
	int ret;

	if (!pbus_rp_in_window(fw, addr, len))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_INTERNAL,
				      "read [%#x, +%#zx) outside the window",
				      addr, len);
	ret = pbus_slave_window_read(fw->slave, addr, buf, len);
	if (ret)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_INTERNAL,
				      "window read failed (%d)", ret);
	return PBUS_RP_ERR_NONE;
}

static u32 pbus_rp_check_ehdr(struct pbus_rp_fw *fw, struct elf32_hdr *eh)
{
	u32 err;

	if (fw->req->window_size < sizeof(*eh))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "window smaller than an ELF header");
	err = pbus_rp_read(fw, 0, eh, sizeof(*eh));
	if (err)
		return err;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF, "bad ELF magic");
	if (eh->e_ident[EI_CLASS] != ELFCLASS32)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF class %u, not ELF32",
				      eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF data encoding %u, not little-endian",
				      eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF version %u/%u", eh->e_ident[EI_VERSION],
				      eh->e_version);
	if (eh->e_type != ET_EXEC)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF type %u, not ET_EXEC", eh->e_type);
	if (eh->e_machine != EM_ARM)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF machine %u, not EM_ARM",
				      eh->e_machine);
	if (eh->e_ehsize != sizeof(struct elf32_hdr) ||
	    eh->e_phentsize != sizeof(struct elf32_phdr))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "ELF header size %u or phdr size %u",
				      eh->e_ehsize, eh->e_phentsize);
	if (!eh->e_phnum || eh->e_phnum > PBUS_RP_MAX_PHDRS)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "%u program headers (1..%u)",
				      eh->e_phnum, PBUS_RP_MAX_PHDRS);
	if (eh->e_phoff % 4 ||
	    !pbus_rp_in_window(fw, eh->e_phoff,
			       (u64)eh->e_phnum * sizeof(struct elf32_phdr)))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ELF,
				      "program headers at %#x misaligned or outside the window",
				      eh->e_phoff);

	fw->phnum = eh->e_phnum;
	return pbus_rp_read(fw, eh->e_phoff, fw->ph,
			    fw->phnum * sizeof(struct elf32_phdr));
}

static u32 pbus_rp_check_segments(struct pbus_rp_fw *fw)
{
	const struct elf32_phdr *a, *b;
	unsigned int i, j;

	for (i = 0; i < fw->phnum; i++) {
		a = &fw->ph[i];
		if (a->p_type != PT_LOAD)
			continue;
		if (a->p_filesz > a->p_memsz)
			return pbus_rp_refuse(fw, PBUS_RP_ERR_SEGMENT,
					      "segment %u: filesz %#x > memsz %#x",
					      i, a->p_filesz, a->p_memsz);
		if (!pbus_rp_in_window(fw, a->p_paddr, a->p_memsz))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_SEGMENT,
					      "segment %u [%#x, +%#x) outside the window (%#x)",
					      i, a->p_paddr, a->p_memsz,
					      fw->req->window_size);
		if (!pbus_rp_in_image(fw, a->p_paddr, a->p_memsz))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_SEGMENT,
					      "segment %u [%#x, +%#x) overlaps the rpmsg mailboxes at %#x",
					      i, a->p_paddr, a->p_memsz,
					      fw->req->image_limit);
		fw->info->nr_load++;
		if (!a->p_memsz)
			continue;
		for (j = 0; j < i; j++) {
			b = &fw->ph[j];
			if (b->p_type != PT_LOAD || !b->p_memsz)
				continue;
			/* Both ranges are inside the window: no overflow. */
			if (a->p_paddr < b->p_paddr + b->p_memsz &&
			    b->p_paddr < a->p_paddr + a->p_memsz)
				return pbus_rp_refuse(fw, PBUS_RP_ERR_SEGMENT,
						      "segments %u and %u overlap",
						      j, i);
		}
	}
	if (!fw->info->nr_load)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_SEGMENT,
				      "no PT_LOAD segment");
	return PBUS_RP_ERR_NONE;
}

/*
 * Is [addr, addr + len) inside the file-backed part of a PT_LOAD (with
 * all of @flags)?
 */
static bool pbus_rp_in_load(struct pbus_rp_fw *fw, u32 addr, u32 len,
			    u32 flags)
{
	const struct elf32_phdr *p;
	unsigned int i;

	for (i = 0; i < fw->phnum; i++) {
		p = &fw->ph[i];
		if (p->p_type != PT_LOAD || (p->p_flags & flags) != flags)
			continue;
		if (addr >= p->p_paddr &&
		    (u64)addr + len <= (u64)p->p_paddr + p->p_filesz)
			return true;
	}
	return false;
}

static u32 pbus_rp_check_entry(struct pbus_rp_fw *fw,
			       const struct elf32_hdr *eh)
{
	u32 boot = fw->req->boot_addr;

	/* Bit 0 of an ARM entry point only selects the Thumb state. */
	if (!pbus_rp_in_load(fw, eh->e_entry & ~1u, 4, PF_X))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ENTRY,
				      "e_entry %#x not in an executable segment",
				      eh->e_entry);
	if (boot && !pbus_rp_in_load(fw, boot & ~1u, 4, PF_X))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_ENTRY,
				      "BOOT_ADDR %#x not in an executable segment",
				      boot);
	fw->info->entry = boot ?: eh->e_entry;
	return PBUS_RP_ERR_NONE;
}

static u32 pbus_rp_check_vdev(struct pbus_rp_fw *fw, unsigned int i,
			      const struct fw_rsc_vdev *v, u32 avail)
{
	const struct fw_rsc_vdev_vring *r;
	unsigned int n;
	u64 need;

	if (avail < sizeof(*v))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: vdev truncated", i);
	if (!v->num_of_vrings || v->num_of_vrings > 2)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: vdev with %u vrings (1..2)",
				      i, v->num_of_vrings);
	if (v->reserved[0] || v->reserved[1])
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: vdev reserved bytes set", i);
	need = sizeof(*v) + (u64)v->num_of_vrings * sizeof(*r) + v->config_len;
	if (need > avail)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: vdev vrings/config truncated",
				      i);
	for (n = 0; n < v->num_of_vrings; n++) {
		r = &v->vring[n];
		if (!is_power_of_2(r->num) || r->num > PBUS_RP_VRING_MAX_NUM)
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: vring %u size %u (power of two <= %u)",
					      i, n, r->num,
					      PBUS_RP_VRING_MAX_NUM);
		if (!is_power_of_2(r->align) ||
		    r->align > PBUS_RP_VRING_MAX_ALIGN)
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: vring %u align %u",
					      i, n, r->align);
		if (r->da != FW_RSC_ADDR_ANY &&
		    !pbus_rp_in_image(fw, r->da, vring_size(r->num, r->align)))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: vring %u at %#x outside the window or over the mailboxes",
					      i, n, r->da);
	}
	fw->info->nr_vdev++;
	return PBUS_RP_ERR_NONE;
}

static u32 pbus_rp_check_trace(struct pbus_rp_fw *fw, unsigned int i,
			       const struct fw_rsc_trace *t, u32 avail)
{
	const struct pbus_rp_fw_req *req = fw->req;

	if (avail < sizeof(*t))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: trace truncated", i);
	if (t->len < PBUS_RP_TRACE_MIN_LEN || t->len > PBUS_RP_TRACE_MAX_LEN)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: trace length %u (%u..%u)",
				      i, t->len, PBUS_RP_TRACE_MIN_LEN,
				      PBUS_RP_TRACE_MAX_LEN);
	if (t->da == FW_RSC_ADDR_ANY || !pbus_rp_in_image(fw, t->da, t->len))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: trace buffer at %#x outside the window or over the mailboxes",
				      i, t->da);
	if (t->da < req->rsc_addr + req->rsc_size &&
	    req->rsc_addr < t->da + t->len)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: trace buffer overlaps the resource table",
				      i);
	if (!fw->info->trace_len) {
		fw->info->trace_da = t->da;
		fw->info->trace_len = t->len;
	}
	return PBUS_RP_ERR_NONE;
}

static u32 pbus_rp_check_entry_rsc(struct pbus_rp_fw *fw, unsigned int i,
				   const void *table, u32 size, u32 off)
{
	const struct fw_rsc_carveout *c;
	const struct fw_rsc_hdr *hdr;
	const void *body;
	u32 avail;

	/* Caller checked off + sizeof(*hdr) <= size. */
	hdr = table + off;
	body = hdr + 1;
	avail = size - off - sizeof(*hdr);

	switch (hdr->type) {
	case RSC_CARVEOUT:
		c = body;
		if (avail < sizeof(*c))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: carveout truncated", i);
		if (!c->len || (c->da != FW_RSC_ADDR_ANY &&
				!pbus_rp_in_image(fw, c->da, c->len)))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: carveout [%#x, +%#x) outside the window or over the mailboxes",
					      i, c->da, c->len);
		return PBUS_RP_ERR_NONE;
	case RSC_DEVMEM:
		if (avail < sizeof(struct fw_rsc_devmem))
			return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					      "entry %u: devmem truncated", i);
		return PBUS_RP_ERR_NONE;
	case RSC_TRACE:
		return pbus_rp_check_trace(fw, i, body, avail);
	case RSC_VDEV:
		return pbus_rp_check_vdev(fw, i, body, avail);
	default:
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "entry %u: unknown resource type %u",
				      i, hdr->type);
	}
}

static u32 pbus_rp_check_rsc(struct pbus_rp_fw *fw)
{
	const struct pbus_rp_fw_req *req = fw->req;
	struct resource_table *table;
	size_t hdr_end;
	unsigned int i;
	u32 err, off;

	if (req->rsc_size < sizeof(*table) ||
	    req->rsc_size > PBUS_RP_RSC_MAX_SIZE || req->rsc_addr % 4)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "resource table at %#x size %u (aligned, %zu..%u)",
				      req->rsc_addr, req->rsc_size,
				      sizeof(*table), PBUS_RP_RSC_MAX_SIZE);
	if (!pbus_rp_in_load(fw, req->rsc_addr, req->rsc_size, 0))
		return pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				      "resource table [%#x, +%#x) not inside a loaded segment",
				      req->rsc_addr, req->rsc_size);

	table = kmalloc(req->rsc_size, GFP_KERNEL);
	if (!table)
		return pbus_rp_refuse(fw, PBUS_RP_ERR_INTERNAL,
				      "no memory for the resource table");
	err = pbus_rp_read(fw, req->rsc_addr, table, req->rsc_size);
	if (err)
		goto out;

	if (table->ver != 1 || table->reserved[0] || table->reserved[1]) {
		err = pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				     "resource table version %u (1) or reserved set",
				     table->ver);
		goto out;
	}
	if (table->num > PBUS_RP_RSC_MAX_NUM ||
	    struct_size(table, offset, table->num) > req->rsc_size) {
		err = pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
				     "resource table with %u entries (max %u, table %u bytes)",
				     table->num, PBUS_RP_RSC_MAX_NUM,
				     req->rsc_size);
		goto out;
	}
	hdr_end = struct_size(table, offset, table->num);
	fw->info->nr_rsc = table->num;

	for (i = 0; i < table->num; i++) {
		off = table->offset[i];
		if (off % 4 || off < hdr_end ||
		    off > req->rsc_size - sizeof(struct fw_rsc_hdr)) {
			err = pbus_rp_refuse(fw, PBUS_RP_ERR_RSC,
					     "entry %u: offset %#x misaligned or outside the table",
					     i, off);
			goto out;
		}
		err = pbus_rp_check_entry_rsc(fw, i, table, req->rsc_size, off);
		if (err)
			goto out;
	}
out:
	kfree(table);
	return err;
}

/* Copy the descriptor of a PBUS version note, made printable. */
static void pbus_rp_set_version(struct pbus_rp_fw *fw, const char *s,
				size_t len)
{
	char *v = fw->info->version;
	size_t i;

	len = min(len, sizeof(fw->info->version) - 1);
	for (i = 0; i < len && s[i]; i++)
		v[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	v[i] = '\0';
}

/* Walk the notes of one PT_NOTE segment; @buf holds @len bytes. */
static void pbus_rp_scan_notes(struct pbus_rp_fw *fw, const u8 *buf,
			       size_t len)
{
	const struct elf32_note *n;
	size_t pos = 0, name, desc;

	while (len - pos >= sizeof(*n)) {
		n = (const struct elf32_note *)(buf + pos);
		name = pos + sizeof(*n);
		desc = name + ALIGN((size_t)n->n_namesz, 4);
		if (n->n_namesz > len || n->n_descsz > len || desc > len ||
		    ALIGN((size_t)n->n_descsz, 4) > len - desc)
			return;
		if (n->n_type == PBUS_NOTE_VERSION &&
		    n->n_namesz == sizeof(PBUS_NOTE_NAME) &&
		    !memcmp(buf + name, PBUS_NOTE_NAME,
			    sizeof(PBUS_NOTE_NAME))) {
			pbus_rp_set_version(fw, buf + desc, n->n_descsz);
			return;
		}
		pos = desc + ALIGN((size_t)n->n_descsz, 4);
	}
}

static void pbus_rp_find_version(struct pbus_rp_fw *fw)
{
	const struct elf32_phdr *p;
	unsigned int i;
	u8 *buf;

	buf = kmalloc(PBUS_RP_NOTE_MAX_SIZE, GFP_KERNEL);
	if (!buf)
		return;
	for (i = 0; i < fw->phnum && !fw->info->version[0]; i++) {
		p = &fw->ph[i];
		if (p->p_type != PT_NOTE || p->p_filesz > PBUS_RP_NOTE_MAX_SIZE ||
		    !pbus_rp_in_window(fw, p->p_paddr, p->p_filesz) ||
		    p->p_paddr % 4)
			continue;
		if (pbus_rp_read(fw, p->p_paddr, buf, p->p_filesz))
			break;
		pbus_rp_scan_notes(fw, buf, p->p_filesz);
	}
	kfree(buf);
	fw->info->why[0] = '\0';
}

/**
 * pbus_remote_fw_validate() - check the image in the window before boot
 * @slave: the slave end whose window holds the image
 * @req: window size and the host's boot registers
 * @info: filled with what was found; @info->why explains a refusal
 *
 * Context: process context; sleeps.
 * Return: PBUS_RP_ERR_NONE, or the PBUS_RP_ERR_* code of the first check
 * that failed.
 */
u32 pbus_remote_fw_validate(struct pbus_slave *slave,
			    const struct pbus_rp_fw_req *req,
			    struct pbus_rp_fw_info *info)
{
	struct pbus_rp_fw *fw;
	struct elf32_hdr eh;
	u32 err;

	memset(info, 0, sizeof(*info));
	fw = kzalloc(sizeof(*fw), GFP_KERNEL);
	if (!fw) {
		strscpy(info->why, "no memory", sizeof(info->why));
		return PBUS_RP_ERR_INTERNAL;
	}
	fw->slave = slave;
	fw->req = req;
	fw->info = info;

	err = pbus_rp_check_ehdr(fw, &eh);
	if (!err)
		err = pbus_rp_check_segments(fw);
	if (!err)
		err = pbus_rp_check_entry(fw, &eh);
	if (!err)
		err = pbus_rp_check_rsc(fw);
	if (!err)
		pbus_rp_find_version(fw);
	kfree(fw);
	return err;
}
