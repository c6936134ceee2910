/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus: the one place where kernel API differences between 5.15 and 6.12
 * are handled. The rest of the code is written against today's API; each
 * wrapper below names the version that changed it.
 */
#ifndef _PBUS_COMPAT_H
#define _PBUS_COMPAT_H

#include <linux/version.h>
#include <linux/crc32.h>
#include <linux/device.h>
#include <linux/platform_device.h>

/*
 * CRC-32C, raw update (no inversion). Up to 6.13 crc32c() is libcrc32c: a
 * module calling the crypto API through a tfm. __crc32c_le() is the same
 * CRC in vmlinux (lib/crc32.c, exported on 6.1 and 6.12): no module to
 * load, callable from the slave's hard IRQ handler. 6.14 made crc32c() that
 * library function itself.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define pbus_compat_crc32c(crc, p, len)	crc32c(crc, p, len)
#else
#define pbus_compat_crc32c(crc, p, len)	__crc32c_le(crc, p, len)
#endif

/*
 * 6.11: platform_driver.remove returns void (6.3..6.10 had remove_new).
 * Define the callback with PBUS_PLATFORM_REMOVE(name, fn) where fn is
 * "void fn(struct platform_device *)", and use .remove = name. (checkpatch's
 * MACRO_WITH_FLOW_CONTROL is a false positive here: the return belongs to
 * the function the macro defines; make lint allows it for this file.)
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define PBUS_PLATFORM_REMOVE(name, fn)					\
	static void name(struct platform_device *pdev)			\
	{								\
		fn(pdev);						\
	}
#else
#define PBUS_PLATFORM_REMOVE(name, fn)					\
	static int name(struct platform_device *pdev)			\
	{								\
		fn(pdev);						\
		return 0;						\
	}
#endif

/* 6.4: class_create() lost its module argument. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define pbus_class_create(name)		class_create(name)
#else
#define pbus_class_create(name)		class_create(THIS_MODULE, name)
#endif

/* 6.2: class devnode() takes a const struct device. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define PBUS_DEVNODE_CONST	const
#else
#define PBUS_DEVNODE_CONST
#endif

/* 6.10: __assign_str() lost its source argument (tracepoints). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define pbus_assign_str(dst, src)	__assign_str(dst)
#else
#define pbus_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * 6.12: no_llseek is gone (a NULL since 6.0). Leave file_operations.llseek
 * unset instead: a NULL ->llseek fails lseek() with -ESPIPE in the whole
 * range (5.15 vfs_llseek() falls back to no_llseek(); since 6.0 open clears
 * FMODE_LSEEK). No wrapper needed.
 */

/*
 * Test cable (tests/cable/pbus_cable.c) and other gpio_chip providers.
 */
#include <linux/gpio/driver.h>
#include <linux/irqdesc.h>
#include <linux/irqflags.h>
#include <linux/of.h>
#include <linux/property.h>

/* 5.17: gpio_chip::fwnode; before, only gpio_chip::of_node. */
static inline void pbus_gpiochip_set_fwnode(struct gpio_chip *gc,
					    struct fwnode_handle *fwnode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
	gc->fwnode = fwnode;
#elif IS_ENABLED(CONFIG_OF_GPIO)
	gc->of_node = to_of_node(fwnode);
#endif
}

/*
 * 6.1: generic_handle_domain_irq_safe() runs a domain's interrupt from any
 * context; before, disable local interrupts around
 * generic_handle_domain_irq() (5.13).
 */
static inline int pbus_generic_handle_domain_irq_safe(struct irq_domain *domain,
						      unsigned int hwirq)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	return generic_handle_domain_irq_safe(domain, hwirq);
#else
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ret = generic_handle_domain_irq(domain, hwirq);
	local_irq_restore(flags);
	return ret;
#endif
}

/*
 * remoteproc (pbus_rproc).
 *
 * The ELF helpers below are EXPORT_SYMBOL in every kernel of the range but
 * declared only in drivers/remoteproc/remoteproc_internal.h (5.15 .. 6.12),
 * which is not part of the kernel headers an out-of-tree module builds
 * against. Their signatures are the same across the range (64-bit boot
 * address since 5.8).
 *
 * No wrapper needed in the range: rproc_ops.da_to_va() has its is_iomem
 * argument since 5.13; devm_rproc_alloc()/devm_rproc_add() exist since 5.7;
 * rproc_coredump_add_custom_segment() takes an offset since 5.9; the
 * coredump enum is DISABLED/ENABLED/INLINE since 5.10; vdev memory is
 * allocated through the rproc-virtio device since 6.1 but pbus_rproc does
 * not depend on where.
 */
#if IS_ENABLED(CONFIG_REMOTEPROC)
struct firmware;
struct rproc;

int rproc_elf_sanity_check(struct rproc *rproc, const struct firmware *fw);
u64 rproc_elf_get_boot_addr(struct rproc *rproc, const struct firmware *fw);
int rproc_elf_load_rsc_table(struct rproc *rproc, const struct firmware *fw);

/*
 * pbus_rpmsg: the same holds for rproc_vq_interrupt() (EXPORT_SYMBOL,
 * declared in remoteproc_internal.h, unchanged 5.15 .. 6.12), which a
 * vring transport calls to signal a vring to the virtio driver.
 */
#include <linux/interrupt.h>

irqreturn_t rproc_vq_interrupt(struct rproc *rproc, int vq_id);
#endif

#endif /* _PBUS_COMPAT_H */
