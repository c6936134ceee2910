/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * pbus register map: where the slave end's registers sit in the remote's
 * 32-bit address space. Plain constants, portable C: the one definition for
 * the protocol core, both ends, the kernel's bus users and an MCU port
 * (docs/protocol.md, "Registers"). In include/ so that a user of the bus API
 * builds with the API's headers alone (scripts/check-extra-symbols.sh).
 */
#ifndef _LINUX_PBUS_REGS_H
#define _LINUX_PBUS_REGS_H

/* Slave address map: memory window from 0, core registers at the top. */
#define PBUS_REG_BASE		0xffff0000u
#define PBUS_REG_MAGIC		0x00	/* RO: PBUS_MAGIC */
#define PBUS_REG_VERSION	0x04	/* RO: PBUS_PROTO_VERSION */
#define PBUS_REG_WINDOW_SIZE	0x08	/* RO: bytes in the memory window */
#define PBUS_REG_MAX_PAYLOAD	0x0c	/* RO: largest frame payload */
#define PBUS_REG_IRQ_STATUS	0x10	/* W1C: pending attention bits */
#define PBUS_REG_IRQ_ENABLE	0x14	/* RW: which bits drive the IRQ line */
#define PBUS_REG_SCRATCH	0x18	/* RW: free for tests */
#define PBUS_REG_EPOCH		0x1c	/* RO: new at init and RESET, never 0 */
#define PBUS_REG_CORE_END	0x100
/* 0x100..0xfff: registers of the slave's user (remote processor). */
#define PBUS_REG_USER		0x100
#define PBUS_REG_END		0x1000
#define PBUS_MAGIC		0x53554250u	/* "PBUS" little-endian */

#endif /* _LINUX_PBUS_REGS_H */
