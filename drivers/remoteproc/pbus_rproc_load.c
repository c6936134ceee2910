// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the loader. Nothing of the remote is mapped on the host: the
 * PT_LOAD segments are streamed over the bus in PBUS_RPROC_CHUNK pieces and
 * verified by the remote's CRC engine, or by reading them back where the
 * remote has none.
 */

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/elf.h>
#include <linux/firmware.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/remoteproc.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rproc_internal.h"

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

int pbus_rproc_load(struct rproc *rproc, const struct firmware *fw)
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
