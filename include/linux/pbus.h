/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus: bit-banged GPIO parallel bus to a remote processor.
 *
 * Kernel API of the pbus core module. The master end (host side) moves
 * bytes into and out of the remote's 32-bit address space; the slave end
 * (remote side) serves that address space from a memory window and a
 * register block whose upper half belongs to the slave's user.
 */
#ifndef _LINUX_PBUS_H
#define _LINUX_PBUS_H

#include <linux/types.h>

struct device;
struct pbus;
struct pbus_slave;

/**
 * typedef pbus_irq_handler_t - handler for the remote's IRQ line
 * @bus: the bus whose remote raised IRQ
 * @data: cookie given to pbus_request_irq()
 *
 * Called in thread context; may sleep and use the bus.
 */
typedef void (*pbus_irq_handler_t)(struct pbus *bus, void *data);

struct pbus *pbus_get(struct device *dev, const char *propname);
struct pbus *devm_pbus_get(struct device *dev, const char *propname);
void pbus_put(struct pbus *bus);
const char *pbus_name(struct pbus *bus);
struct device *pbus_device(struct pbus *bus);

int pbus_read(struct pbus *bus, u32 addr, void *buf, size_t len);
int pbus_write(struct pbus *bus, u32 addr, const void *buf, size_t len);
int pbus_read32(struct pbus *bus, u32 addr, u32 *val);
int pbus_write32(struct pbus *bus, u32 addr, u32 val);

int pbus_request_irq(struct pbus *bus, pbus_irq_handler_t handler,
		     void *data);
void pbus_free_irq(struct pbus *bus);

int pbus_reset_remote(struct pbus *bus);
int pbus_resync(struct pbus *bus);
u32 pbus_remote_window_size(struct pbus *bus);

int pbus_reserve(struct pbus *bus, u32 addr, u32 len, const char *owner);
void pbus_unreserve(struct pbus *bus, u32 addr, u32 len);

/**
 * struct pbus_slave_ops - hooks of the slave end's user
 * @reg_read: read user register @off (from PBUS_REG_USER, pbus-regs.h); atomic
 *	context; return 0 or -EINVAL for an unknown register
 * @reg_write: write user register @off; atomic context; return 0, -EINVAL
 *	for an unknown register or -EPERM for a read-only one
 * @window_written: the host wrote [@addr, @addr + @len) of the window;
 *	atomic context; may be NULL
 * @reset: the RESET line was asserted; atomic context; may be NULL
 */
struct pbus_slave_ops {
	int (*reg_read)(void *priv, u32 off, u32 *val);
	int (*reg_write)(void *priv, u32 off, u32 val);
	void (*window_written)(void *priv, u32 addr, u32 len);
	void (*reset)(void *priv);
};

struct pbus_slave *pbus_slave_get(struct device *dev, const char *propname);
void pbus_slave_put(struct pbus_slave *slave);
int pbus_slave_set_ops(struct pbus_slave *slave,
		       const struct pbus_slave_ops *ops, void *priv);
void pbus_slave_clear_ops(struct pbus_slave *slave);
size_t pbus_slave_window_size(struct pbus_slave *slave);
int pbus_slave_window_read(struct pbus_slave *slave, u32 addr, void *buf,
			   size_t len);
int pbus_slave_window_write(struct pbus_slave *slave, u32 addr,
			    const void *buf, size_t len);
void pbus_slave_raise_irq(struct pbus_slave *slave, u32 bits);

#endif /* _LINUX_PBUS_H */
