// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus remote firmware image: the data the host and pbus_remote.ko read.
 *
 * Nothing in here is executed by pbus_remote.ko (it simulates the core's
 * services with kernel threads); the code in start.S is a real, minimal
 * entry point so that the image is a well-formed bare-metal program.
 */
#include <stddef.h>
#include <stdint.h>

#include "rsc_table.h"

#ifndef FW_VERSION
#define FW_VERSION "pbus-remote-fw 0.0-unknown"
#endif

#define TRACE_LEN	4096
#define VRING_NUM	64
#define VRING_ALIGN	4096

/* Trace buffer: zero-initialised, lives in .bss (not in the file). */
char pbus_trace_buf[TRACE_LEN] __aligned(16);

struct pbus_fw_rsc_table {
	struct rsc_table_hdr hdr;
	u32 offset[2];

	u32 vdev_type;
	struct fw_rsc_vdev vdev;
	struct fw_rsc_vdev_vring vring[2];

	u32 trace_type;
	struct fw_rsc_trace trace;
} __packed;

pbus_static_assert(offsetof(struct pbus_fw_rsc_table, vdev_type) % 4 == 0,
		   "vdev entry alignment");
pbus_static_assert(offsetof(struct pbus_fw_rsc_table, trace_type) % 4 == 0,
		   "trace entry alignment");

__section(".resource_table") __used __aligned(8)
const struct pbus_fw_rsc_table pbus_resource_table = {
	.hdr = {
		.ver = 1,
		.num = 2,
	},
	.offset = {
		offsetof(struct pbus_fw_rsc_table, vdev_type),
		offsetof(struct pbus_fw_rsc_table, trace_type),
	},

	.vdev_type = RSC_VDEV,
	.vdev = {
		.id = VIRTIO_ID_RPMSG,
		.notifyid = 0,
		.dfeatures = 1u << VIRTIO_RPMSG_F_NS,
		.config_len = 0,
		.num_of_vrings = 2,
	},
	.vring = {
		{ FW_RSC_ADDR_ANY, VRING_ALIGN, VRING_NUM, 0, 0 },
		{ FW_RSC_ADDR_ANY, VRING_ALIGN, VRING_NUM, 1, 0 },
	},

	.trace_type = RSC_TRACE,
	.trace = {
		.da = (u32)(uintptr_t)pbus_trace_buf,
		.len = TRACE_LEN,
		.name = "pbus-remote-trace",
	},
};

/* ELF note: name "PBUS", type PBUS_NOTE_VERSION, desc = version string. */
struct pbus_version_note {
	struct pbus_note_hdr hdr;
	char name[8];
	char desc[(sizeof(FW_VERSION) + 3) & ~3u];
} __packed;

__section(".pbus_version") __used __aligned(4)
const struct pbus_version_note pbus_version = {
	.hdr = {
		.namesz = sizeof(PBUS_NOTE_NAME),
		.descsz = sizeof(FW_VERSION),
		.type = PBUS_NOTE_VERSION,
	},
	.name = PBUS_NOTE_NAME,
	.desc = FW_VERSION,
};

u32 pbus_fw_ticks;

void pbus_fw_main(void)
{
	for (;;) {
		pbus_fw_ticks++;
		__asm__ volatile("wfi" : : : "memory");
	}
}
