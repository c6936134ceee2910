/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_remote: internal interface between the remote processor core
 * (pbus_remote_core.c) and the firmware validation (pbus_remote_fw.c).
 */
#ifndef _PBUS_REMOTE_INTERNAL_H
#define _PBUS_REMOTE_INTERNAL_H

#include <linux/types.h>

struct dentry;
struct device;
struct pbus_remote;
struct pbus_rp_rpmsg;
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
 * @image_limit: the image (segments, trace buffer, carveouts, vrings)
 *	must end at or below this window address: the rpmsg mailboxes
 *	are above
 * @boot_addr: PBUS_RP_BOOT_ADDR, 0 for "use e_entry"
 * @rsc_addr: PBUS_RP_RSC_ADDR
 * @rsc_size: PBUS_RP_RSC_SIZE
 */
struct pbus_rp_fw_req {
	u32 window_size;
	u32 image_limit;
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

/* pbus_remote_core.c, for the rpmsg services */
bool pbus_rp_services_live(struct pbus_remote *rp);

/* pbus_remote_rpmsg.c: mailboxes and rpmsg services */
struct pbus_rp_rpmsg *pbus_rp_rpmsg_probe(struct pbus_remote *rp,
					  struct device *dev,
					  struct pbus_slave *slave,
					  u32 window_size);
void pbus_rp_rpmsg_remove(struct pbus_rp_rpmsg *mb);
void pbus_rp_rpmsg_debugfs(struct pbus_rp_rpmsg *mb, struct dentry *dir);
u32 pbus_rp_rpmsg_image_limit(struct pbus_rp_rpmsg *mb);
int pbus_rp_mbox_reg_read(struct pbus_rp_rpmsg *mb, u32 off, u32 *val);
int pbus_rp_mbox_reg_write(struct pbus_rp_rpmsg *mb, u32 off, u32 val);
void pbus_rp_mbox_reset(struct pbus_rp_rpmsg *mb);
int pbus_rp_rpmsg_start(struct pbus_rp_rpmsg *mb);
void pbus_rp_rpmsg_stop(struct pbus_rp_rpmsg *mb);
void pbus_rp_rpmsg_kick(struct pbus_rp_rpmsg *mb);

#endif /* _PBUS_REMOTE_INTERNAL_H */
