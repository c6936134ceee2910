/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Control block of a pbus remote processor.
 *
 * The remote processor (pbus_remote.ko on a second Pi, or an MCU) serves
 * these registers through the slave end's user register range; the host's
 * remoteproc driver (pbus_rproc.ko) drives them through the master end.
 * Offsets are relative to PBUS_REG_BASE + PBUS_REG_USER (pbus-regs.h);
 * every register is a 32-bit little-endian word.
 */
#ifndef _LINUX_PBUS_REMOTE_H
#define _LINUX_PBUS_REMOTE_H

#define PBUS_RP_ID		0x00	/* RO: PBUS_RP_MAGIC */
#define PBUS_RP_CONTROL		0x04	/* WO: PBUS_RP_CTRL_* command */
#define PBUS_RP_STATUS		0x08	/* RO: PBUS_RP_STATE_* */
#define PBUS_RP_BOOT_ADDR	0x0c	/* RW: entry point (ELF e_entry) */
#define PBUS_RP_RSC_ADDR	0x10	/* RW: window address of the rsc table */
#define PBUS_RP_RSC_SIZE	0x14	/* RW: its size in bytes */
#define PBUS_RP_HEARTBEAT	0x18	/* RO: incremented while running */
#define PBUS_RP_ERROR		0x1c	/* RO: PBUS_RP_ERR_* of the last failure */
#define PBUS_RP_DOORBELL	0x20	/* WO: host -> remote kick (vring id) */
#define PBUS_RP_CRC_ADDR	0x24	/* RW: start of a window range */
#define PBUS_RP_CRC_LEN		0x28	/* RW: its length; writing starts */
#define PBUS_RP_CRC_RESULT	0x2c	/* RO: crc32_le(~0, range) ^ ~0 */
#define PBUS_RP_HB_PERIOD_MS	0x30	/* RO: heartbeat period */
#define PBUS_RP_CRASH_CAUSE	0x34	/* RO: PBUS_RP_CRASH_* */
#define PBUS_RP_CRC_STATUS	0x38	/* RO: PBUS_RP_CRC_* */
#define PBUS_RP_REGS_END	0x100	/* further offsets: rpmsg mailboxes */

/*
 * rpmsg mailboxes: two rings of fixed-size slots in the remote's window,
 * placed there by the remote when it boots. A slot holds a 4-byte header
 * (LE16 length of the message, LE16 zero) and one whole rpmsg message
 * (16-byte rpmsg header + payload). Head and tail are free-running message
 * counts; the producer owns head, the consumer owns tail; a ring is full
 * when head - tail == slots. The remote raises PBUS_RP_IRQ_VRING when it
 * produced into the outbox or freed inbox slots.
 */
#define PBUS_RP_MBOX_CTRL	0x100	/* RW: PBUS_RP_MBOX_* from the host */
#define PBUS_RP_MBOX_SLOT_SIZE	0x104	/* RO: bytes per slot, header included */
#define PBUS_RP_MBOX_IN_ADDR	0x108	/* RO: window address of the inbox */
#define PBUS_RP_MBOX_IN_SLOTS	0x10c	/* RO: inbox slots (power of two) */
#define PBUS_RP_MBOX_IN_HEAD	0x110	/* RW: host -> remote messages produced */
#define PBUS_RP_MBOX_IN_TAIL	0x114	/* RO: ... consumed by the remote */
#define PBUS_RP_MBOX_OUT_ADDR	0x118	/* RO: window address of the outbox */
#define PBUS_RP_MBOX_OUT_SLOTS	0x11c	/* RO: outbox slots (power of two) */
#define PBUS_RP_MBOX_OUT_HEAD	0x120	/* RO: remote -> host messages produced */
#define PBUS_RP_MBOX_OUT_TAIL	0x124	/* RW: ... consumed by the host */
#define PBUS_RP_MBOX_REGS_END	0x200

#define PBUS_RP_MBOX_SLOT_HDR	4
#define PBUS_RP_MBOX_HOST_READY	1	/* host rpmsg side up: remote may announce */

/*
 * pbus_remote.ko places the rings at the top of its window and refuses
 * images reaching into them. START, STOP, RESET and a crash reset both
 * rings (heads and tails 0) and clear MBOX_CTRL: the host writes
 * HOST_READY after START (BOOTING or RUNNING), and again whenever its
 * rpmsg side restarts (a 0 -> HOST_READY transition re-announces). A
 * write to IN_HEAD that moves it backwards or beyond IN_TAIL + slots, or
 * to OUT_TAIL beyond OUT_HEAD or backwards, is refused (bus ADDR error).
 *
 * Endpoints of pbus_remote.ko (rpmsg addresses; echoes go back to the
 * source address, byte-equal):
 */
#define PBUS_RP_EPT_ECHO	0x400	/* echo, not announced (rpmsg_ctrl) */
#define PBUS_RP_EPT_SAMPLE	0x401	/* "rpmsg-client-sample": echo */
#define PBUS_RP_EPT_RAW		0x402	/* "rpmsg-raw": echo */
#define PBUS_RP_EPT_TTY		0x403	/* "rpmsg-tty": echo */
#define PBUS_RP_EPT_BRIDGE	0x404	/* "rpmsg-raw": /dev/pbus-rpmsg-bridgeN */

#define PBUS_RP_MAGIC		0x43525052u	/* "RPRC" little-endian */

/* PBUS_RP_CONTROL commands */
#define PBUS_RP_CTRL_START	1	/* validate firmware, boot */
#define PBUS_RP_CTRL_STOP	2	/* stop services, go offline */

/* PBUS_RP_STATUS values */
#define PBUS_RP_STATE_OFFLINE	0
#define PBUS_RP_STATE_BOOTING	1
#define PBUS_RP_STATE_RUNNING	2
#define PBUS_RP_STATE_CRASHED	3
#define PBUS_RP_STATE_ERROR	4	/* boot refused: see PBUS_RP_ERROR */

/* PBUS_RP_ERROR values */
#define PBUS_RP_ERR_NONE	0
#define PBUS_RP_ERR_ELF		1	/* bad ELF header */
#define PBUS_RP_ERR_SEGMENT	2	/* segment outside the window/overlap */
#define PBUS_RP_ERR_RSC		3	/* resource table unusable */
#define PBUS_RP_ERR_ENTRY	4	/* entry point outside a segment */
#define PBUS_RP_ERR_INTERNAL	5	/* the remote failed (memory, threads) */

/*
 * PBUS_RP_CRC_STATUS values. Writing CRC_LEN starts a computation in the
 * background (the register hooks run in hard IRQ context): the status
 * reads BUSY until CRC_RESULT is valid (DONE), or RANGE if the range is
 * not inside the window. CRC_RESULT reads 0 unless the status is DONE.
 */
#define PBUS_RP_CRC_IDLE	0	/* nothing asked since boot of the remote */
#define PBUS_RP_CRC_BUSY	1
#define PBUS_RP_CRC_DONE	2
#define PBUS_RP_CRC_RANGE	3	/* range outside the window: no result */

/* PBUS_RP_CRASH_CAUSE values */
#define PBUS_RP_CRASH_NONE	0
#define PBUS_RP_CRASH_FATAL	1	/* the remote reported a fatal error */
#define PBUS_RP_CRASH_WATCHDOG	2	/* a service stopped making progress */

/*
 * Attention bits in the slave's PBUS_REG_IRQ_STATUS. Plain constants, not
 * BIT(): this header includes nothing, so MCU ports use it as it is.
 */
#define PBUS_RP_IRQ_VRING	0x1u	/* remote kicked a vring */
#define PBUS_RP_IRQ_READY	0x2u	/* boot finished (or failed) */
#define PBUS_RP_IRQ_CRASH	0x4u	/* crashed */

#endif /* _LINUX_PBUS_REMOTE_H */
