// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus char device /dev/pbus/<name>: pread/pwrite at remote addresses,
 * ioctls of include/uapi/linux/pbus.h, claims of address ranges. The
 * access model (who may read, write, claim and reset) is documented in the
 * UAPI header.
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
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pbus-internal.h"

/* Bounce buffer size: one chunk per loop, signals checked in between. */
#define PBUS_CHUNK		SZ_64K
#define PBUS_ADDR_SPACE		BIT_ULL(32)

/* Claims one open file may hold (overlapping and adjacent ones merge). */
#define PBUS_MAX_CLAIMS		64

/**
 * struct pbus_file - an open /dev/pbus/<name>
 * @bus: the bus
 * @claims_sem: a write holds it shared from its claim check to its end,
 *	CLAIM and RELEASE exclusively: a claim outlives every write it allowed
 */
struct pbus_file {
	struct pbus *bus;
	struct rw_semaphore claims_sem;
};

static DEFINE_IDR(pbus_minors);
static DEFINE_MUTEX(pbus_minors_lock);

static bool pbus_overlap(const struct pbus_range *r, u64 start, u64 end)
{
	return r->start < end && start < r->end;
}

/*
 * Adds a claim (@owner = file) or a kernel reservation (@owner = NULL).
 * Any overlap with another owner's range is -EBUSY. A file's claims that
 * overlap or touch the new one merge with it, so a file holds disjoint
 * ranges, at most PBUS_MAX_CLAIMS of them (-ENOSPC beyond).
 */
int pbus_range_add(struct pbus *bus, u64 start, u64 len, const void *owner,
		   const char *who)
{
	struct pbus_range *r, *tmp, *n;
	unsigned int own = 0, merged = 0;
	u64 end = start + len;
	int ret = 0;

	if (!len || start >= PBUS_ADDR_SPACE || len > PBUS_ADDR_SPACE ||
	    end > PBUS_ADDR_SPACE)
		return -EINVAL;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->start = start;
	n->end = end;
	n->owner = owner;
	n->who = who;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (owner && r->owner == owner) {
			own++;
			merged += r->start <= end && start <= r->end;
		} else if (pbus_overlap(r, start, end)) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret && owner && own - merged >= PBUS_MAX_CLAIMS)
		ret = -ENOSPC;
	if (!ret) {
		list_for_each_entry_safe(r, tmp, &bus->ranges, node) {
			if (!owner || r->owner != owner ||
			    r->start > end || start > r->end)
				continue;
			n->start = min(n->start, r->start);
			n->end = max(n->end, r->end);
			list_del(&r->node);
			kfree(r);
		}
		list_add_tail(&n->node, &bus->ranges);
	}
	mutex_unlock(&bus->range_lock);

	if (ret) {
		dev_dbg(bus->dev, "range 0x%llx+0x%llx: %d\n", start, len, ret);
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

/*
 * Releases [start, start + len) of the claims of @owner: the range must lie
 * inside one of them (-EINVAL if not), which keeps what is left on either
 * side (-ENOSPC if that would exceed PBUS_MAX_CLAIMS).
 */
static int pbus_claim_release(struct pbus *bus, u64 start, u64 len,
			      const void *owner)
{
	struct pbus_range *r, *right, *in = NULL;
	unsigned int own = 0;
	u64 end = start + len;
	int ret = 0;

	right = kzalloc(sizeof(*right), GFP_KERNEL_ACCOUNT);
	if (!right)
		return -ENOMEM;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (r->owner != owner)
			continue;
		own++;
		if (r->start <= start && end <= r->end)
			in = r;
	}
	if (!in) {
		ret = -EINVAL;
	} else if (in->start < start && end < in->end) {
		if (own >= PBUS_MAX_CLAIMS) {
			ret = -ENOSPC;
		} else {
			right->start = end;
			right->end = in->end;
			right->owner = owner;
			list_add_tail(&right->node, &bus->ranges);
			right = NULL;
			in->end = start;
		}
	} else if (in->start < start) {
		in->end = start;
	} else if (end < in->end) {
		in->start = end;
	} else {
		list_del(&in->node);
		kfree(in);
	}
	mutex_unlock(&bus->range_lock);

	kfree(right);
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

/* True when one claim of @owner covers [start, end) (claims are merged). */
static bool pbus_claimed(struct pbus *bus, const void *owner, u64 start,
			 u64 end)
{
	struct pbus_range *r;
	bool ok = false;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (r->owner == owner && r->start <= start && end <= r->end) {
			ok = true;
			break;
		}
	}
	mutex_unlock(&bus->range_lock);
	return ok;
}

/* True when a kernel reservation overlaps [start, end). */
static bool pbus_kernel_owned(struct pbus *bus, u64 start, u64 end)
{
	struct pbus_range *r;
	bool owned = false;

	mutex_lock(&bus->range_lock);
	list_for_each_entry(r, &bus->ranges, node) {
		if (!r->owner && pbus_overlap(r, start, end)) {
			owned = true;
			break;
		}
	}
	mutex_unlock(&bus->range_lock);
	return owned;
}

static int pbus_cdev_open(struct inode *inode, struct file *file)
{
	struct pbus_file *pf;
	struct pbus *bus;

	mutex_lock(&pbus_minors_lock);
	bus = idr_find(&pbus_minors, iminor(inode));
	if (bus)
		kref_get(&bus->kref);
	mutex_unlock(&pbus_minors_lock);
	if (!bus)
		return -ENODEV;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);
	if (!pf) {
		kref_put(&bus->kref, pbus_release);
		return -ENOMEM;
	}
	pf->bus = bus;
	init_rwsem(&pf->claims_sem);
	file->private_data = pf;
	return 0;
}

/* The last reference to the open file: its claims go with it. */
static int pbus_cdev_release(struct inode *inode, struct file *file)
{
	struct pbus_file *pf = file->private_data;

	pbus_range_drop_owner(pf->bus, pf);
	kref_put(&pf->bus->kref, pbus_release);
	kfree(pf);
	return 0;
}

static loff_t pbus_cdev_llseek(struct file *file, loff_t off, int whence)
{
	return fixed_size_llseek(file, off, whence, PBUS_ADDR_SPACE);
}

static ssize_t pbus_cdev_rw(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos, bool write)
{
	struct pbus_file *pf = file->private_data;
	struct pbus *bus = pf->bus;
	loff_t pos = *ppos;
	size_t done = 0, n, got;
	void *kbuf = NULL;
	int ret = 0;

	if (pos < 0)
		return -EINVAL;
	if (pos >= PBUS_ADDR_SPACE || !count)
		return write && count ? -ENOSPC : 0;
	count = min_t(u64, count, PBUS_ADDR_SPACE - pos);

	/* what the kernel owns (firmware, vrings, registers): raw I/O only */
	if (pbus_kernel_owned(bus, pos, pos + count) && !capable(CAP_SYS_RAWIO)) {
		dev_dbg(bus->dev, "%s 0x%llx+%zu: kernel-owned\n",
			write ? "write" : "read", pos, count);
		return -EPERM;
	}
	if (write) {
		if (down_read_killable(&pf->claims_sem))
			return -EINTR;
		if (!pbus_claimed(bus, pf, pos, pos + count)) {
			dev_dbg(bus->dev, "write 0x%llx+%zu not claimed\n", pos,
				count);
			ret = -EACCES;
			goto out;
		}
	}

	kbuf = kvmalloc(min_t(size_t, count, PBUS_CHUNK), GFP_KERNEL);
	if (!kbuf) {
		ret = -ENOMEM;
		goto out;
	}

	/*
	 * The bus lock is taken per frame (pbus_xfer()): the chunk only
	 * bounds the bounce buffer. A fatal signal ends a chunk between or
	 * inside frames, any other one ends the call between chunks. The
	 * frames done count, on error too: a short count is exact.
	 */
	while (done < count) {
		if (done && signal_pending(current))
			break;
		n = min_t(size_t, count - done, PBUS_CHUNK);
		if (write) {
			if (copy_from_user(kbuf, ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			ret = pbus_xfer(bus, true, pos + done, kbuf, n, true,
					&got);
		} else {
			ret = pbus_xfer(bus, false, pos + done, kbuf, n, true,
					&got);
			if (got && copy_to_user(ubuf + done, kbuf, got)) {
				ret = -EFAULT;
				break;
			}
		}
		done += got;
		if (ret)
			break;
	}
out:
	kvfree(kbuf);
	if (write)
		up_read(&pf->claims_sem);

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

/* PBUS_IOC_RESET: resync for writers; a RESET pulse is the admin's alone. */
static int pbus_cdev_reset(struct pbus_file *pf, struct file *file,
			   u32 __user *uarg)
{
	struct pbus *bus = pf->bus;
	u32 val;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (get_user(val, uarg))
		return -EFAULT;
	if (val > 1)
		return -EINVAL;
	if (val) {
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		/* the remote runs for a kernel user (remoteproc): not ours to reset */
		if (pbus_kernel_owned(bus, 0, PBUS_ADDR_SPACE))
			return -EBUSY;
	}
	return pbus_resync_reset(bus, val, true);
}

static int pbus_cdev_claim(struct pbus_file *pf, struct file *file,
			   unsigned int cmd, void __user *uarg)
{
	struct pbus_ioc_range range;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&range, uarg, sizeof(range)))
		return -EFAULT;
	if (!range.len || range.addr >= PBUS_ADDR_SPACE ||
	    range.len > PBUS_ADDR_SPACE - range.addr)
		return -EINVAL;

	/* waits for the writes in flight that rely on a claim */
	if (down_write_killable(&pf->claims_sem))
		return -EINTR;
	if (cmd == PBUS_IOC_CLAIM)
		ret = pbus_range_add(pf->bus, range.addr, range.len, pf, NULL);
	else
		ret = pbus_claim_release(pf->bus, range.addr, range.len, pf);
	up_write(&pf->claims_sem);
	return ret;
}

static long pbus_cdev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct pbus_file *pf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct pbus_ioc_stats stats;
	struct pbus_ioc_info info;
	int ret;

	switch (cmd) {
	case PBUS_IOC_INFO:
		ret = pbus_get_info(pf->bus, &info);
		if (ret)
			return ret;
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	case PBUS_IOC_STATS:
		ret = pbus_get_stats(pf->bus, &stats);
		if (ret)
			return ret;
		return copy_to_user(uarg, &stats, sizeof(stats)) ? -EFAULT : 0;
	case PBUS_IOC_RESET_STATS:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return pbus_reset_stats(pf->bus);
	case PBUS_IOC_RESET:
		return pbus_cdev_reset(pf, file, uarg);
	case PBUS_IOC_CLAIM:
	case PBUS_IOC_RELEASE:
		return pbus_cdev_claim(pf, file, cmd, uarg);
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
