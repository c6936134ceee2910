/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_remote: internal interface between the remote processor core
 * (pbus_remote_core.c) and the firmware validation (pbus_remote_fw.c).
 */
#ifndef _PBUS_REMOTE_INTERNAL_H
#define _PBUS_REMOTE_INTERNAL_H

#include <linux/types.h>

struct pbus_slave;

#define PBUS_RP_VERSION_LEN	64	/* version string, NUL included */
#define PBUS_RP_WHY_LEN		96	/* reason of a refusal */

/* Limits of the validation; see pbus_remote_fw.c. */
#define PBUS_RP_MAX_PHDRS	16
#define PBUS_RP_RSC_MAX_SIZE	SZ_16K
#define PBUS_RP_RSC_MAX_NUM	32
#define PBUS_RP_VRING_MAX_NUM	1024
#define PBUS_RP_TRACE_MIN_LEN	64
#define PBUS_RP_TRACE_MAX_LEN	SZ_64K
#define PBUS_RP_NOTE_MAX_SIZE	512

/**
 * struct pbus_rp_fw_req - what the host asked to boot
 * @window_size: bytes in the slave's window
 * @boot_addr: PBUS_RP_BOOT_ADDR, 0 for "use e_entry"
 * @rsc_addr: PBUS_RP_RSC_ADDR
 * @rsc_size: PBUS_RP_RSC_SIZE
 */
struct pbus_rp_fw_req {
	u32 window_size;
	u32 boot_addr;
	u32 rsc_addr;
	u32 rsc_size;
};

/**
 * struct pbus_rp_fw_info - what validation found in a good image
 * @entry: boot address (@boot_addr of the request, else e_entry)
 * @nr_load: PT_LOAD segments
 * @nr_rsc: resource table entries
 * @nr_vdev: RSC_VDEV entries
 * @trace_da: window address of the first RSC_TRACE buffer
 * @trace_len: its length; 0 if the image declares no trace buffer
 * @version: version string from the PBUS note, "" if none
 * @why: on refusal, the reason (for the kernel log)
 */
struct pbus_rp_fw_info {
	u32 entry;
	u32 nr_load;
	u32 nr_rsc;
	u32 nr_vdev;
	u32 trace_da;
	u32 trace_len;
	char version[PBUS_RP_VERSION_LEN];
	char why[PBUS_RP_WHY_LEN];
};

u32 pbus_remote_fw_validate(struct pbus_slave *slave,
			    const struct pbus_rp_fw_req *req,
			    struct pbus_rp_fw_info *info);

#endif /* _PBUS_REMOTE_INTERNAL_H */
