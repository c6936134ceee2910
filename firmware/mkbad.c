// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * mkbad: derive the bad firmware images used by the tests from the good
 * pbus remote firmware, and write a manifest describing every image.
 *
 *   mkbad GOOD.elf OUTDIR
 *
 * Checks first that GOOD.elf has the layout pbus_remote.ko expects
 * (identity-mapped PT_LOADs, the first one at 0 holding the headers, a
 * .resource_table section inside a PT_LOAD) and fails otherwise. Then
 * writes OUTDIR/bad-*.elf and OUTDIR/images.txt, one line per image:
 *
 *   <file> <rsc_addr> <rsc_size> <expected PBUS_RP_ERR_*> <description>
 *
 * All ELF fields are read and written little-endian, whatever the build
 * host's byte order.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;

#define MAX_IMAGE	0x100000u

struct image {
	u8 *data;
	size_t size;
};

/* Facts about the good image, found by check_good(). */
static struct {
	u32 phoff, phnum;
	u32 rsc_off, rsc_size;	/* == window address (identity) */
	int text_ph, data_ph;		/* indexes of the two PT_LOADs */
} g;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mkbad: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static u32 rd16(const struct image *im, size_t off)
{
	if (off + 2 > im->size)
		die("read16 at %zu outside image", off);
	return im->data[off] | im->data[off + 1] << 8;
}

static u32 rd32(const struct image *im, size_t off)
{
	if (off + 4 > im->size)
		die("read32 at %zu outside image", off);
	return (u32)im->data[off] | (u32)im->data[off + 1] << 8 |
	       (u32)im->data[off + 2] << 16 |
	       (u32)im->data[off + 3] << 24;
}

static void wr16(struct image *im, size_t off, u32 v)
{
	if (off + 2 > im->size)
		die("write16 at %zu outside image", off);
	im->data[off] = v;
	im->data[off + 1] = v >> 8;
}

static void wr32(struct image *im, size_t off, u32 v)
{
	if (off + 4 > im->size)
		die("write32 at %zu outside image", off);
	im->data[off] = v;
	im->data[off + 1] = v >> 8;
	im->data[off + 2] = v >> 16;
	im->data[off + 3] = v >> 24;
}

#define EH(f)		offsetof(Elf32_Ehdr, f)
#define PH(i, f)	(g.phoff + (i) * sizeof(Elf32_Phdr) + offsetof(Elf32_Phdr, f))
#define SH(o, i, f)	((o) + (i) * sizeof(Elf32_Shdr) + offsetof(Elf32_Shdr, f))

static void load(const char *path, struct image *im)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		die("%s: %s", path, strerror(errno));
	im->data = malloc(MAX_IMAGE);
	if (!im->data)
		die("out of memory");
	im->size = fread(im->data, 1, MAX_IMAGE, f);
	if (ferror(f) || !feof(f))
		die("%s: read error or larger than %u bytes", path, MAX_IMAGE);
	fclose(f);
}

static void check_good(const struct image *im)
{
	u32 shoff, shnum, shstrndx, stroff, strsize, i;

	if (im->size < sizeof(Elf32_Ehdr) ||
	    memcmp(im->data, ELFMAG, SELFMAG) ||
	    im->data[EI_CLASS] != ELFCLASS32 ||
	    im->data[EI_DATA] != ELFDATA2LSB ||
	    rd16(im, EH(e_machine)) != EM_ARM ||
	    rd16(im, EH(e_phentsize)) != sizeof(Elf32_Phdr) ||
	    rd16(im, EH(e_shentsize)) != sizeof(Elf32_Shdr))
		die("good image is not an ELF32 LE ARM executable");

	g.phoff = rd32(im, EH(e_phoff));
	g.phnum = rd16(im, EH(e_phnum));
	g.text_ph = -1;
	g.data_ph = -1;
	for (i = 0; i < g.phnum; i++) {
		u32 off = rd32(im, PH(i, p_offset));

		if (rd32(im, PH(i, p_type)) != PT_LOAD)
			continue;
		if (off != rd32(im, PH(i, p_paddr)) ||
		    off != rd32(im, PH(i, p_vaddr)))
			die("PT_LOAD %u is not identity-mapped", i);
		if (off + rd32(im, PH(i, p_filesz)) > im->size)
			die("PT_LOAD %u beyond the file", i);
		if (rd32(im, PH(i, p_flags)) & PF_X) {
			if (g.text_ph < 0)
				g.text_ph = i;
		} else if (g.data_ph < 0) {
			g.data_ph = i;
		}
	}
	if (g.text_ph < 0 || g.data_ph < 0)
		die("need one executable and one data PT_LOAD");
	if (rd32(im, PH(g.text_ph, p_offset)) != 0 ||
	    rd32(im, PH(g.text_ph, p_filesz)) < g.phoff + g.phnum * sizeof(Elf32_Phdr))
		die("first PT_LOAD must start at 0 and hold the headers");

	shoff = rd32(im, EH(e_shoff));
	shnum = rd16(im, EH(e_shnum));
	shstrndx = rd16(im, EH(e_shstrndx));
	if (shstrndx >= shnum)
		die("bad e_shstrndx");
	stroff = rd32(im, SH(shoff, shstrndx, sh_offset));
	strsize = rd32(im, SH(shoff, shstrndx, sh_size));
	if (stroff + strsize > im->size || strsize == 0 ||
	    im->data[stroff + strsize - 1])
		die("bad section name table");
	for (i = 0; i < shnum; i++) {
		u32 name = rd32(im, SH(shoff, i, sh_name));

		if (name >= strsize ||
		    strcmp((char *)im->data + stroff + name, ".resource_table"))
			continue;
		g.rsc_off = rd32(im, SH(shoff, i, sh_offset));
		g.rsc_size = rd32(im, SH(shoff, i, sh_size));
		if (rd32(im, SH(shoff, i, sh_addr)) != g.rsc_off)
			die(".resource_table not identity-mapped");
	}
	if (!g.rsc_size)
		die("no .resource_table section");
	if (g.rsc_off < rd32(im, PH(g.data_ph, p_offset)) ||
	    g.rsc_off + g.rsc_size > rd32(im, PH(g.data_ph, p_offset)) +
				     rd32(im, PH(g.data_ph, p_filesz)))
		die(".resource_table not inside the data PT_LOAD");
	if (rd32(im, g.rsc_off) != 1 || rd32(im, g.rsc_off + 4) < 1)
		die(".resource_table: unexpected header");
}

static FILE *manifest;
static const char *outdir;

static void emit(const struct image *im, const char *name, const char *err,
		 const char *what)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(im->data, 1, im->size, f) != im->size || fclose(f))
		die("%s: %s", path, strerror(errno));
	fprintf(manifest, "%s 0x%x %u %s %s\n", name, g.rsc_off, g.rsc_size,
		err, what);
}

static struct image copy(const struct image *good)
{
	struct image im = { malloc(good->size), good->size };

	if (!im.data)
		die("out of memory");
	memcpy(im.data, good->data, good->size);
	return im;
}

/* Offset of the first resource entry of @type, or die. */
static u32 find_rsc(const struct image *im, u32 type)
{
	u32 num = rd32(im, g.rsc_off + 4), i;

	for (i = 0; i < num; i++) {
		u32 off = rd32(im, g.rsc_off + 16 + 4 * i);

		if (rd32(im, g.rsc_off + off) == type)
			return g.rsc_off + off;
	}
	die("resource type %u not in the table", type);
	return 0;
}

int main(int argc, char **argv)
{
	struct image good, im;
	char path[4096];
	u32 v;

	if (argc != 3) {
		fprintf(stderr, "usage: mkbad GOOD.elf OUTDIR\n");
		return 2;
	}
	outdir = argv[2];
	load(argv[1], &good);
	check_good(&good);

	snprintf(path, sizeof(path), "%s/images.txt", outdir);
	manifest = fopen(path, "w");
	if (!manifest)
		die("%s: %s", path, strerror(errno));
	fprintf(manifest,
		"# file rsc_addr rsc_size expected_error description\n");
	fprintf(manifest, "pbus-remote-fw.elf 0x%x %u NONE good image\n",
		g.rsc_off, g.rsc_size);

	/* Cut inside the ELF header: e_ehsize and the rest read as zero. */
	im = copy(&good);
	im.size = 32;
	emit(&im, "bad-truncated.elf", "ELF",
	     "file cut after 32 bytes, inside the ELF header");
	free(im.data);

	im = copy(&good);
	im.data[EI_CLASS] = ELFCLASS64;
	emit(&im, "bad-class.elf", "ELF", "EI_CLASS says ELF64");
	free(im.data);

	im = copy(&good);
	wr16(&im, EH(e_machine), EM_X86_64);
	emit(&im, "bad-machine.elf", "ELF", "e_machine is EM_X86_64");
	free(im.data);

	/* Data segment moved far outside any window (< 2 GiB is assumed). */
	im = copy(&good);
	wr32(&im, PH(g.data_ph, p_paddr), 0x7fff0000);
	wr32(&im, PH(g.data_ph, p_vaddr), 0x7fff0000);
	emit(&im, "bad-segment.elf", "SEGMENT",
	     "data PT_LOAD at 0x7fff0000, outside the window");
	free(im.data);

	/* Data segment moved onto the text segment. */
	im = copy(&good);
	v = rd32(&im, PH(g.text_ph, p_paddr)) + 0x40;
	wr32(&im, PH(g.data_ph, p_paddr), v);
	wr32(&im, PH(g.data_ph, p_vaddr), v);
	emit(&im, "bad-overlap.elf", "SEGMENT",
	     "data PT_LOAD overlaps the text PT_LOAD");
	free(im.data);

	/* Entry point in the (non-executable) data segment. */
	im = copy(&good);
	wr32(&im, EH(e_entry), rd32(&im, PH(g.data_ph, p_paddr)));
	emit(&im, "bad-entry.elf", "ENTRY",
	     "e_entry inside the non-executable data PT_LOAD");
	free(im.data);

	/* First resource offset points past the end of the table. */
	im = copy(&good);
	wr32(&im, g.rsc_off + 16, g.rsc_size + 0x100);
	emit(&im, "bad-rsc-offset.elf", "RSC",
	     "resource table offset[0] beyond the table");
	free(im.data);

	/* Second resource offset not 4-byte aligned. */
	im = copy(&good);
	v = rd32(&im, g.rsc_off + 20);
	wr32(&im, g.rsc_off + 20, v + 2);
	emit(&im, "bad-rsc-align.elf", "RSC",
	     "resource table offset[1] misaligned");
	free(im.data);

	/* Entry count far larger than the table. */
	im = copy(&good);
	wr32(&im, g.rsc_off + 4, 1000);
	emit(&im, "bad-rsc-count.elf", "RSC",
	     "resource table num = 1000 entries");
	free(im.data);

	/* vdev vring 0 with an absurd, non power of two size. */
	im = copy(&good);
	v = find_rsc(&im, 3 /* RSC_VDEV */) + 4 + 24; /* type, fw_rsc_vdev */
	wr32(&im, v + 8, 100000);		/* vring[0].num */
	emit(&im, "bad-vring.elf", "RSC", "vdev vring[0].num = 100000");
	free(im.data);

	/* vdev claiming more vrings than an rpmsg device has. */
	im = copy(&good);
	v = find_rsc(&im, 3 /* RSC_VDEV */) + 4;
	im.data[v + 21] = 200;			/* num_of_vrings */
	emit(&im, "bad-vdev-nvrings.elf", "RSC", "vdev num_of_vrings = 200");
	free(im.data);

	/* Unknown resource type. */
	im = copy(&good);
	v = find_rsc(&im, 2 /* RSC_TRACE */);
	wr32(&im, v, 77);
	emit(&im, "bad-rsc-type.elf", "RSC", "resource entry of type 77");
	free(im.data);

	if (fclose(manifest))
		die("images.txt: %s", strerror(errno));
	free(good.data);
	return 0;
}
