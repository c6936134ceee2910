// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: the vdev buffer pool.
 *
 * virtio_rpmsg_bus allocates its buffers with dma_alloc_coherent() for the
 * rproc-virtio device, which is not DMA-coherent. On arm64 that memory is
 * a non-cacheable remap while its linear-map alias is cacheable: reading a
 * buffer through the linear map (page_address(), phys_to_virt()) sees
 * stale data and writes stay in the cache, where the driver never sees
 * them; on 32-bit ARM the linear address is right only for lowmem CMA.
 * QEMU's TCG has no caches, so no test there can show it.
 *
 * So the buffers come from a pool the transport owns: the "vdev0buffer"
 * reserved-memory region (shared-dma-pool, no-map) of the remoteproc node,
 * which pbus_rproc registers as the carveout of that name and
 * remoteproc_virtio hands to the vdev, as stm32_rproc and imx_rproc do.
 * no-map keeps it out of the linear map; the DMA pool maps it with
 * memremap(MEMREMAP_WC) (dma_init_coherent_memory()), and the transport
 * maps it once with the same attributes, so there is no mismatched alias.
 * A descriptor address (a physical address: remoteproc's vdevs do not use
 * the DMA API for rings, so it is sg_phys() of the buffer) is an offset
 * into the pool, bounds-checked; anything outside is refused, counted and
 * logged. No other way to a buffer exists in this module.
 */

#include <linux/io.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>

#include "pbus_rpmsg.h"

#define PBUS_RPMSG_POOL_NAME	"vdev0buffer"

/**
 * pbus_rpmsg_pool_init() - find and map the vdev buffer pool
 * @pool: to fill
 * @dev: for messages
 * @np: the remoteproc's node
 *
 * Return: 0, -ENODEV without a usable "vdev0buffer" memory-region, -ENOMEM.
 */
int pbus_rpmsg_pool_init(struct pbus_rpmsg_pool *pool, struct device *dev,
			 struct device_node *np)
{
	struct device_node *mem_np = NULL;
	struct reserved_mem *rmem;
	int i, n;

	pool->dev = dev;
	n = of_count_phandle_with_args(np, "memory-region", NULL);
	for (i = 0; i < n; i++) {
		mem_np = of_parse_phandle(np, "memory-region", i);
		if (mem_np && of_node_name_eq(mem_np, PBUS_RPMSG_POOL_NAME))
			break;
		of_node_put(mem_np);
		mem_np = NULL;
	}
	if (!mem_np) {
		dev_err(dev, "no %s memory-region: the rpmsg transport does not run without its buffer pool (docs/rpmsg.md)\n",
			PBUS_RPMSG_POOL_NAME);
		return -ENODEV;
	}
	if (!of_device_is_compatible(mem_np, "shared-dma-pool") ||
	    !of_property_read_bool(mem_np, "no-map")) {
		dev_err(dev, "%pOF: must be a no-map shared-dma-pool\n", mem_np);
		of_node_put(mem_np);
		return -ENODEV;
	}
	rmem = of_reserved_mem_lookup(mem_np);
	of_node_put(mem_np);
	if (!rmem || !rmem->size) {
		dev_err(dev, "%s: not reserved at boot\n", PBUS_RPMSG_POOL_NAME);
		return -ENODEV;
	}

	pool->va = memremap(rmem->base, rmem->size, MEMREMAP_WC);
	if (!pool->va)
		return -ENOMEM;
	pool->base = rmem->base;
	pool->size = rmem->size;

	return 0;
}

void pbus_rpmsg_pool_exit(struct pbus_rpmsg_pool *pool)
{
	if (pool->va)
		memunmap(pool->va);
	pool->va = NULL;
}

/**
 * pbus_rpmsg_pool_buf() - the transport's address of a descriptor's buffer
 * @pool: the pool
 * @addr: the descriptor's address
 * @len: the descriptor's length
 *
 * Return: the buffer inside the pool, or NULL (refused, counted, logged)
 * when [@addr, @addr + @len) is empty or not inside the pool.
 */
void *pbus_rpmsg_pool_buf(struct pbus_rpmsg_pool *pool, u64 addr, u32 len)
{
	u64 off = addr - pool->base;

	if (addr >= pool->base && off < pool->size && len &&
	    len <= pool->size - off)
		return pool->va + off;

	pool->refused++;
	dev_warn_ratelimited(pool->dev, "descriptor 0x%llx+%u outside the vdev buffer pool [%pa, +0x%zx): refused\n",
			     addr, len, &pool->base, pool->size);
	return NULL;
}
