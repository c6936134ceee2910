/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * pbus character device: /dev/pbus/<name>
 *
 * pread()/pwrite() move bytes at remote addresses (the file offset is the
 * remote address). They hold the bus one frame (and its retries) at a
 * time, so other openers and kernel users get in between frames. A short
 * count is exact: the frames counted ran (each exactly once), the next one
 * failed or was cut short, and if that was a write it may have run
 * (writing it again is a new frame). SIGKILL ends a transfer at once, also
 * while it waits for the bus; other signals end it between 64 KiB chunks.
 *
 * Access model (the node is root:gpio 0660 with the project's udev rule):
 *  - read: any opener, except ranges a kernel user reserved (while
 *    remoteproc runs: the remote's window with the loaded firmware, its
 *    vrings' mailboxes carrying other users' rpmsg traffic, and every
 *    register of the remote): those need CAP_SYS_RAWIO (EPERM otherwise).
 *  - write: only inside a claim held by the same open file (EACCES
 *    otherwise), never into a kernel reservation without CAP_SYS_RAWIO
 *    (EPERM), and a claim can never be taken over one (EBUSY). The claim
 *    holds for the whole write: a PBUS_IOC_RELEASE of the same file waits
 *    for the writes in flight.
 *  - claim (PBUS_IOC_CLAIM/RELEASE): openers with write access (EBADF
 *    otherwise); ranges of one file that overlap or touch merge; at most 64
 *    disjoint claims per file (ENOSPC); a release frees any part of one
 *    claim (EINVAL if the range is not claimed).
 *  - PBUS_IOC_RESET: writers may resync the link (0); a RESET pulse (1)
 *    needs CAP_SYS_ADMIN (EPERM) and no kernel reservation on the bus
 *    (EBUSY: the remote runs for remoteproc, stop it there).
 *  - Claims belong to the open file description: dup(), fork() and
 *    SCM_RIGHTS share them; they end when its last descriptor is closed
 *    (also at exit).
 */
#ifndef _UAPI_LINUX_PBUS_H
#define _UAPI_LINUX_PBUS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PBUS_NAME_LEN	32

/**
 * struct pbus_ioc_info - PBUS_IOC_INFO
 * @name: bus name (as in /dev/pbus/<name>)
 * @proto_version: protocol version the remote reports
 * @window_size: bytes in the remote's memory window
 * @max_payload: largest frame payload in use
 * @flags: PBUS_INFO_*
 * @reserved: zero
 */
struct pbus_ioc_info {
	char name[PBUS_NAME_LEN];
	__u32 proto_version;
	__u32 window_size;
	__u32 max_payload;
	__u32 flags;
	__u32 reserved[4];
};

#define PBUS_INFO_LINK_UP	(1u << 0)	/* remote answered */
#define PBUS_INFO_SET_MULTIPLE	(1u << 1)	/* data lines written in one op */

/**
 * struct pbus_ioc_stats - PBUS_IOC_STATS
 * @frames: frames completed
 * @bytes_read: payload bytes read
 * @bytes_written: payload bytes written
 * @crc_errors: frames failed on a CRC check (either side)
 * @status_errors: frames with a garbled or framing status
 * @retries: frames sent again
 * @timeouts: handshake timeouts
 * @resyncs: resync sequences run
 * @irqs: remote IRQs handled
 * @failed: transfers returned to the caller as errors
 * @wire_bytes: bytes that crossed the wire, framing included
 * @reserved: zero
 */
struct pbus_ioc_stats {
	__u64 frames;
	__u64 bytes_read;
	__u64 bytes_written;
	__u64 crc_errors;
	__u64 status_errors;
	__u64 retries;
	__u64 timeouts;
	__u64 resyncs;
	__u64 irqs;
	__u64 failed;
	__u64 wire_bytes;
	__u64 reserved[5];
};

/**
 * struct pbus_ioc_range - PBUS_IOC_CLAIM / PBUS_IOC_RELEASE
 * @addr: first remote address
 * @len: bytes; addr + len must not pass 2^32
 */
struct pbus_ioc_range {
	__u64 addr;
	__u64 len;
};

#define PBUS_IOC_MAGIC		0xb5
#define PBUS_IOC_INFO		_IOR(PBUS_IOC_MAGIC, 0, struct pbus_ioc_info)
#define PBUS_IOC_STATS		_IOR(PBUS_IOC_MAGIC, 1, struct pbus_ioc_stats)
#define PBUS_IOC_RESET_STATS	_IO(PBUS_IOC_MAGIC, 2)
/* Resync the link (abort sequence); arg points to a __u32: 1 also pulses RESET. */
#define PBUS_IOC_RESET		_IOW(PBUS_IOC_MAGIC, 3, __u32)
#define PBUS_IOC_CLAIM		_IOW(PBUS_IOC_MAGIC, 4, struct pbus_ioc_range)
#define PBUS_IOC_RELEASE	_IOW(PBUS_IOC_MAGIC, 5, struct pbus_ioc_range)

#endif /* _UAPI_LINUX_PBUS_H */
