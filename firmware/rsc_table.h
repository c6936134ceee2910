/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Resource table layout and shared declarations of the pbus remote firmware.
 *
 * Firmware-local copy of the remoteproc resource table ABI (see the
 * kernel's include/linux/remoteproc.h and
 * Documentation/staging/remoteproc.rst). Kernel headers are not usable
 * from freestanding firmware, so the structures are redefined here,
 * packed, with their sizes asserted against the kernel's.
 */
#ifndef PBUS_FW_RSC_TABLE_H
#define PBUS_FW_RSC_TABLE_H

#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;

#define __packed		__attribute__((packed))
#define __aligned(n)		__attribute__((aligned(n)))
#define __section(s)		__attribute__((section(s)))
#define __used			__attribute__((used))
#define pbus_static_assert(e, m)	_Static_assert(e, m)

#define FW_RSC_ADDR_ANY		0xffffffffu

/* Resource types */
#define RSC_CARVEOUT		0
#define RSC_DEVMEM		1
#define RSC_TRACE		2
#define RSC_VDEV		3

#define VIRTIO_ID_RPMSG		7
#define VIRTIO_RPMSG_F_NS	0	/* name service announcements */

struct rsc_table_hdr {
	u32 ver;
	u32 num;
	u32 reserved[2];
	/* u32 offset[num] follows */
} __packed;

struct fw_rsc_hdr {
	u32 type;
} __packed;

struct fw_rsc_trace {
	u32 da;
	u32 len;
	u32 reserved;
	u8 name[32];
} __packed;

struct fw_rsc_vdev_vring {
	u32 da;
	u32 align;
	u32 num;
	u32 notifyid;
	u32 pa;
} __packed;

struct fw_rsc_vdev {
	u32 id;
	u32 notifyid;
	u32 dfeatures;
	u32 gfeatures;
	u32 config_len;
	u8 status;
	u8 num_of_vrings;
	u8 reserved[2];
	/* struct fw_rsc_vdev_vring vring[num_of_vrings] follows */
} __packed;

/* ELF note carrying the firmware's version string (see README.md). */
#define PBUS_NOTE_NAME		"PBUS"
#define PBUS_NOTE_VERSION	1

struct pbus_note_hdr {
	u32 namesz;
	u32 descsz;
	u32 type;
} __packed;

pbus_static_assert(sizeof(struct rsc_table_hdr) == 16, "resource_table ABI");
pbus_static_assert(sizeof(struct fw_rsc_hdr) == 4, "fw_rsc_hdr ABI");
pbus_static_assert(sizeof(struct fw_rsc_trace) == 44, "fw_rsc_trace ABI");
pbus_static_assert(sizeof(struct fw_rsc_vdev_vring) == 20, "fw_rsc_vdev_vring ABI");
pbus_static_assert(sizeof(struct fw_rsc_vdev) == 24, "fw_rsc_vdev ABI");
pbus_static_assert(sizeof(struct pbus_note_hdr) == 12, "Elf32_Nhdr ABI");

/* C entry point, called by _start (start.S). */
void pbus_fw_main(void);

#endif /* PBUS_FW_RSC_TABLE_H */
