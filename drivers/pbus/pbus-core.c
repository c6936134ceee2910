// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus core: module init/exit. Registers the "pbus" class (device nodes
 * /dev/pbus/<name>), the char device region, the debugfs root and the
 * master and slave platform drivers.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include <pbus_compat.h>
#include "pbus-internal.h"

struct class *pbus_class;
dev_t pbus_devt;
struct dentry *pbus_debugfs_root;

/* /dev/pbus/<name>, group set by udev/60-pbus.rules. */
static char *pbus_devnode(PBUS_DEVNODE_CONST struct device *dev,
			  umode_t *mode)
{
	if (mode)
		*mode = 0660;
	return kasprintf(GFP_KERNEL, "pbus/%s", dev_name(dev));
}

static int __init pbus_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&pbus_devt, 0, PBUS_MAX_MINORS, "pbus");
	if (ret)
		return ret;

	pbus_class = pbus_class_create("pbus");
	if (IS_ERR(pbus_class)) {
		ret = PTR_ERR(pbus_class);
		goto err_region;
	}
	pbus_class->devnode = pbus_devnode;

	/* Optional: without debugfs the buses just have no debug files. */
	pbus_debugfs_root = debugfs_create_dir("pbus", NULL);

	/* Slave first: a loopback's master then finds its remote at probe. */
	ret = platform_driver_register(&pbus_slave_driver);
	if (ret)
		goto err_debugfs;
	ret = platform_driver_register(&pbus_master_driver);
	if (ret)
		goto err_slave;
	return 0;

err_slave:
	platform_driver_unregister(&pbus_slave_driver);
err_debugfs:
	debugfs_remove_recursive(pbus_debugfs_root);
	class_destroy(pbus_class);
err_region:
	unregister_chrdev_region(pbus_devt, PBUS_MAX_MINORS);
	return ret;
}
module_init(pbus_init);

static void __exit pbus_exit(void)
{
	platform_driver_unregister(&pbus_master_driver);
	platform_driver_unregister(&pbus_slave_driver);
	debugfs_remove_recursive(pbus_debugfs_root);
	class_destroy(pbus_class);
	unregister_chrdev_region(pbus_devt, PBUS_MAX_MINORS);
}
module_exit(pbus_exit);

MODULE_DESCRIPTION("pbus: bit-banged GPIO parallel bus to a remote processor");
MODULE_AUTHOR("pbus authors");
MODULE_LICENSE("GPL");
