// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus char device /dev/pbus/<name>: pread/pwrite at remote addresses,
 * ioctls of include/uapi/linux/pbus.h, claims of address ranges.
 */
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pbus-internal.h"

/* Bounce buffer size: one chunk per loop, signals checked in between. */
#define PBUS_CHUNK		SZ_64K
#define PBUS_ADDR_SPACE		BIT_ULL(32)

static DEFINE_IDR(pbus_minors);
static DEFINE_MUTEX(pbus_minors_lock);

static bool pbus_overlap(const struct pbus_range *r, u64 start, u64 end)
{
	return r->start < end && start < r->end;
}

/*
 * Adds a claim (@owner = file) or a kernel reservation (@owner = NULL).
 * Any overlap with another range is -EBUSY; a file overlapping its own
 * claim is allowed (the ranges simply coexist).
 */
int pbus_range_add(struct pbus *bus, u64 start, u64 len, const void *owner,
		   const char *who)
{
	struct pbus_range *r, *n;
	u64 end = start + len;
	int ret = 0;

	if (!len || start >= PBUS_ADDR_SPACE || len > PBUS_ADDR_SPACE ||
	    end > PBUS_ADDR_SPACE)
		return -EINVAL;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->start = start;
	n->end = end;
	n->owner = owner;
	n->who = who;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (!pbus_overlap(r, start, end))
			continue;
		if (!owner || r->owner != owner) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret)
		list_add_tail(&n->node, &bus->ranges);
	mutex_unlock(&bus->range_lock);

	if (ret) {
		dev_dbg(bus->dev, "range 0x%llx+0x%llx busy\n", start, len);
		kfree(n);
	}
	return ret;
}

/* Removes the range of @owner that exactly matches [start, start + len). */
int pbus_range_del(struct pbus *bus, u64 start, u64 len, const void *owner)
{
	struct pbus_range *r;
	int ret = -ENOENT;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (r->owner == owner && r->start == start &&
		    r->end == start + len) {
			list_del(&r->node);
			kfree(r);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&bus->range_lock);
	return ret;
}

static void pbus_range_drop_owner(struct pbus *bus, const void *owner)
{
	struct pbus_range *r, *tmp;

	mutex_lock(&bus->range_lock);
	list_for_each_entry_safe(r, tmp, &bus->ranges, node) {
		if (r->owner == owner) {
			list_del(&r->node);
			kfree(r);
		}
	}
	mutex_unlock(&bus->range_lock);
}

/* True when the claims of @owner together cover [start, end). */
static bool pbus_claimed(struct pbus *bus, const void *owner, u64 start,
			 u64 end)
{
	struct pbus_range *r;
	bool progress = true;

	mutex_lock(&bus->range_lock);
	while (start < end && progress) {
		progress = false;
		list_for_each_entry(r, &bus->ranges, node) {
			if (r->owner == owner && r->start <= start &&
			    start < r->end) {
				start = r->end;
				progress = true;
			}
		}
	}
	mutex_unlock(&bus->range_lock);
	return start >= end;
}

static int pbus_cdev_open(struct inode *inode, struct file *file)
{
	struct pbus *bus;

	mutex_lock(&pbus_minors_lock);
	bus = idr_find(&pbus_minors, iminor(inode));
	if (bus)
		kref_get(&bus->kref);
	mutex_unlock(&pbus_minors_lock);
	if (!bus)
		return -ENODEV;

	file->private_data = bus;
	return 0;
}

static int pbus_cdev_release(struct inode *inode, struct file *file)
{
	struct pbus *bus = file->private_data;

	pbus_range_drop_owner(bus, file);
	kref_put(&bus->kref, pbus_release);
	return 0;
}

static loff_t pbus_cdev_llseek(struct file *file, loff_t off, int whence)
{
	return fixed_size_llseek(file, off, whence, PBUS_ADDR_SPACE);
}

static ssize_t pbus_cdev_rw(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos, bool write)
{
	struct pbus *bus = file->private_data;
	loff_t pos = *ppos;
	size_t done = 0, n;
	void *kbuf;
	int ret = 0;

	if (pos < 0)
		return -EINVAL;
	if (pos >= PBUS_ADDR_SPACE || !count)
		return write && count ? -ENOSPC : 0;
	count = min_t(u64, count, PBUS_ADDR_SPACE - pos);

	if (write && !pbus_claimed(bus, file, pos, pos + count)) {
		dev_dbg(bus->dev, "write 0x%llx+%zu not claimed\n", pos, count);
		return -EACCES;
	}

	kbuf = kvmalloc(min_t(size_t, count, PBUS_CHUNK), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;

	while (done < count) {
		if (done && signal_pending(current))
			break;
		n = min_t(size_t, count - done, PBUS_CHUNK);
		if (write) {
			if (copy_from_user(kbuf, ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			ret = pbus_xfer(bus, true, pos + done, kbuf, n);
			if (ret)
				break;
		} else {
			ret = pbus_xfer(bus, false, pos + done, kbuf, n);
			if (ret)
				break;
			if (copy_to_user(ubuf + done, kbuf, n)) {
				ret = -EFAULT;
				break;
			}
		}
		done += n;
	}
	kvfree(kbuf);

	if (!done)
		return ret;
	*ppos = pos + done;
	return done;
}

static ssize_t pbus_cdev_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return pbus_cdev_rw(file, ubuf, count, ppos, false);
}

static ssize_t pbus_cdev_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return pbus_cdev_rw(file, (char __user *)ubuf, count, ppos, true);
}

static long pbus_cdev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct pbus *bus = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct pbus_ioc_range range;
	struct pbus_ioc_stats stats;
	struct pbus_ioc_info info;
	u32 val;

	switch (cmd) {
	case PBUS_IOC_INFO:
		pbus_get_info(bus, &info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	case PBUS_IOC_STATS:
		pbus_get_stats(bus, &stats);
		return copy_to_user(uarg, &stats, sizeof(stats)) ? -EFAULT : 0;
	case PBUS_IOC_RESET_STATS:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		pbus_reset_stats(bus);
		return 0;
	case PBUS_IOC_RESET:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		/*
		 * _IOW: arg points to a __u32. The values 0 and 1 themselves
		 * are accepted too: they can never be user pointers.
		 */
		if (arg <= 1)
			val = arg;
		else if (copy_from_user(&val, uarg, sizeof(val)))
			return -EFAULT;
		if (val > 1)
			return -EINVAL;
		return pbus_resync_reset(bus, val);
	case PBUS_IOC_CLAIM:
	case PBUS_IOC_RELEASE:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (copy_from_user(&range, uarg, sizeof(range)))
			return -EFAULT;
		if (!range.len || range.addr >= PBUS_ADDR_SPACE ||
		    range.len > PBUS_ADDR_SPACE - range.addr)
			return -EINVAL;
		if (cmd == PBUS_IOC_CLAIM)
			return pbus_range_add(bus, range.addr, range.len, file,
					      NULL);
		return pbus_range_del(bus, range.addr, range.len, file) ?
		       -EINVAL : 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pbus_cdev_fops = {
	.owner = THIS_MODULE,
	.open = pbus_cdev_open,
	.release = pbus_cdev_release,
	.llseek = pbus_cdev_llseek,
	.read = pbus_cdev_read,
	.write = pbus_cdev_write,
	.unlocked_ioctl = pbus_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void pbus_cdev_dev_release(struct device *dev)
{
	kfree(dev);
}

int pbus_cdev_add(struct pbus *bus)
{
	struct device *cd;
	int minor, ret;

	mutex_lock(&pbus_minors_lock);
	minor = idr_alloc(&pbus_minors, bus, 0, PBUS_MAX_MINORS, GFP_KERNEL);
	mutex_unlock(&pbus_minors_lock);
	if (minor < 0)
		return dev_err_probe(bus->dev, minor, "no free minor\n");
	bus->minor = minor;

	/* Allocated on its own: an open file keeps it after unbind. */
	bus->cdev = cdev_alloc();
	if (!bus->cdev) {
		ret = -ENOMEM;
		goto err_minor;
	}
	bus->cdev->owner = THIS_MODULE;
	bus->cdev->ops = &pbus_cdev_fops;

	cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!cd) {
		ret = -ENOMEM;
		goto err_cdev;
	}
	device_initialize(cd);
	cd->class = pbus_class;
	cd->parent = bus->dev;
	cd->devt = MKDEV(MAJOR(pbus_devt), minor);
	cd->release = pbus_cdev_dev_release;
	ret = dev_set_name(cd, "%s", bus->name);
	if (ret)
		goto err_dev;

	ret = cdev_device_add(bus->cdev, cd);
	if (ret) {
		dev_err(bus->dev, "char device %s: %d\n", bus->name, ret);
		goto err_dev;
	}
	bus->cdev_dev = cd;
	return 0;

err_dev:
	put_device(cd);
err_cdev:
	kobject_put(&bus->cdev->kobj);
	bus->cdev = NULL;
err_minor:
	mutex_lock(&pbus_minors_lock);
	idr_remove(&pbus_minors, minor);
	mutex_unlock(&pbus_minors_lock);
	bus->minor = -1;
	return ret;
}

void pbus_cdev_del(struct pbus *bus)
{
	if (!bus->cdev_dev)
		return;
	/* New opens fail from here; open files keep their bus reference. */
	mutex_lock(&pbus_minors_lock);
	idr_remove(&pbus_minors, bus->minor);
	mutex_unlock(&pbus_minors_lock);
	cdev_device_del(bus->cdev, bus->cdev_dev);
	put_device(bus->cdev_dev);
	bus->cdev_dev = NULL;
	bus->cdev = NULL;
}
