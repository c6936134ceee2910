// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model: what one access costs on a Raspberry Pi 3, 4 and 5, in
 * ns, and where each figure comes from. The published figures are those
 * of ../shared/PI-COSTS.md (team notes: issue threads, benchmarks, kernel
 * source); "(est.)" marks an inference, and how it was made is said here.
 *
 * Sources:
 *  [1] rsta2/circle issue 86: Pi 3B+ 32-bit GPIO register reads, bare
 *      metal, ~18 M/s at 1.4 GHz: ~55 ns each.
 *  [2] google/periph PR 445 (BCM2711 support): Pi 4 GPLEV read from user
 *      space ~120 ns (8.3 MHz).
 *  [3] hzeller/rpi-gpio-dma-demo issue 4: Pi 4 posted SET/CLR writes,
 *      ~52 MHz toggle: <= 10 ns per write.
 *  [4] hzeller/rpi-rgb-led-matrix issue 1479: Pi 4 writes forced to
 *      complete (a DSB each), ~6 MHz toggle: ~83 ns per write.
 *  [5] codeandlife.com GPIO benchmark (2015): Pi 2 native C register
 *      writes, 41.7 MHz square wave: ~12 ns per write.
 *  [6] WiringPi issue 305: Pi 5 (RP1 over PCIe) digitalWrite ~25 ns/op;
 *      pinMode, a read-modify-write with a PCIe read, 0.40 us.
 *  [7] raspberrypi/linux issue 6279, drivers/pinctrl/pinctrl-rp1.c: the
 *      kernel paces RP1 writes (pace_pin_updates, on by default), at
 *      least ~200 ns per update.
 *  [8] GPIO edge IRQ latency: Pi 1 kernel ISR average 3.77 us
 *      (gkaindl/linux-gpio-irq-latency-test); Pi 3 about 4-5 us
 *      (PI-COSTS.md gives no source for that one).
 *  [9] LeonardoLisa/rpi5-fast-irq README: Pi 5, 10-20 us from a GPIO
 *      edge to user space (est.).
 *
 * The inferences:
 *  - Pi 3 writes: no Pi 3 figure; the Pi 2's [5] (same GPIO block) for a
 *    posted write, the Pi 4's [4] for one behind a barrier. The kernel's
 *    writel() puts a barrier before every write (on 32-bit ARM a DSB:
 *    wmb()), so gpiolib's writes are costed as [4] on every board: the
 *    cautious choice for arm64, whose writel() has a lighter DMB.
 *  - Pi 4 IRQ: no published figure; 3.5 us, between the Pi 1's 3.77 us
 *    and the Pi 3's 4-5 us ([8]): the latency is not CPU-bound (the Pi 3
 *    is slower than the Pi 1 despite a faster CPU).
 *  - Pi 5: read 0.5 us, inside PI-COSTS.md's 0.4-1 us from [6]; IRQ 5 us,
 *    the kernel's share of [9] (the edge crosses PCIe as an MSI).
 *  - Software paths, not measured on any Pi: a gpiolib consumer call
 *    (VALIDATE_DESC, the SRCU guard of 6.9+, the chip op's indirect call,
 *    a disabled tracepoint: ~100 instructions at 1.4/1.5/2.4 GHz), a chip
 *    op besides its registers, a direction change besides its registers
 *    (fsel_lock with IRQs off, dev_dbg checks), ktime_get() (arch timer
 *    read and seqcount), an IRQ's return, a thread wake-up (context
 *    switch of a SCHED_FIFO thread on an idle core), usleep_range(10, 40)
 *    as slept (10 us, up to 30 us of slack, the wake-up), a work item
 *    queued to running (kworker wake-up), a byte through the protocol
 *    core with its locks, CRC-32C per byte (table, 32-bit kernel), an
 *    output to the other Pi's input (pad, a few cm of wire, the input
 *    synchroniser), a user transfer's syscall and copy, pbus_xfer()'s
 *    mutex and the core's setup of a transfer, an rpmsg message
 *    through virtio_rpmsg_bus, rpmsg_char and a user wake-up.
 */
#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* The test cable's synchronous mode: nothing takes time. */
const struct mdl_costs mdl_cable_costs = {
	.name = "cable",
	.chip = MDL_CHIP_CABLE,
};

const struct mdl_costs mdl_pi[3] = {
	{
		.name = "Pi 3", .chip = MDL_CHIP_BCM2835,
		.rd = 55, .wr_posted = 12, .wr = 83,
		.api = 100, .chip_op = 10, .dir = 150,
		.irq = 4500, .irq_exit = 1000, .thread = 15000,
		.ktime = 60, .usleep = 60000, .relax = 2,
		.sm = 100, .crc = 4, .prop = 20,
		.xfer = 10000, .kcall = 1500, .work = 20000, .msg = 15000,
	}, {
		.name = "Pi 4", .chip = MDL_CHIP_BCM2835,
		.rd = 120, .wr_posted = 10, .wr = 83,
		.api = 60, .chip_op = 7, .dir = 100,
		.irq = 3500, .irq_exit = 700, .thread = 10000,
		.ktime = 40, .usleep = 50000, .relax = 1,
		.sm = 60, .crc = 2, .prop = 20,
		.xfer = 6000, .kcall = 1000, .work = 15000, .msg = 10000,
	}, {
		.name = "Pi 5", .chip = MDL_CHIP_RP1,
		.rd = 500, .wr_posted = 25, .wr = 200,
		.api = 40, .chip_op = 5, .dir = 80,
		.irq = 5000, .irq_exit = 500, .thread = 8000,
		.ktime = 20, .usleep = 40000, .relax = 1,
		.sm = 35, .crc = 1, .prop = 20,
		.xfer = 4000, .kcall = 700, .work = 10000, .msg = 7000,
	},
};

struct mdl_cost_row {
	const char *item;
	size_t off;
	const char *src[3];	/* Pi 3, Pi 4, Pi 5; "e" = (est.) */
};

#define MDL_ROW(f, item, s3, s4, s5) \
	{ item, offsetof(struct mdl_costs, f), { s3, s4, s5 } }

static const struct mdl_cost_row mdl_rows[] = {
	MDL_ROW(rd, "GPIO level register read", "[1]", "[2]", "e[6]"),
	MDL_ROW(wr_posted, "posted register write", "e[5]", "[3]", "[6]"),
	MDL_ROW(wr, "write with barrier (writel)", "e[4]", "[4]", "[7]"),
	MDL_ROW(irq, "GPIO IRQ, edge to handler", "[8]", "e[8]", "e[9]"),
	MDL_ROW(ktime, "ktime_get()", "e", "e", "e"),
	MDL_ROW(usleep, "usleep_range(10, 40), slept", "e", "e", "e"),
	MDL_ROW(api, "gpiolib consumer call", "e", "e", "e"),
	MDL_ROW(chip_op, "gpio_chip op besides registers", "e", "e", "e"),
	MDL_ROW(dir, "direction change besides regs", "e", "e", "e"),
	MDL_ROW(irq_exit, "IRQ return", "e", "e", "e"),
	MDL_ROW(thread, "thread wake-up", "e", "e", "e"),
	MDL_ROW(sm, "a byte through the core, locks", "e", "e", "e"),
	MDL_ROW(crc, "CRC-32C per byte", "e", "e", "e"),
	MDL_ROW(prop, "output to the other Pi's input", "e", "e", "e"),
	MDL_ROW(xfer, "user transfer: syscall, copy", "e", "e", "e"),
	MDL_ROW(kcall, "pbus_xfer(): mutex, core setup", "e", "e", "e"),
	MDL_ROW(work, "work item queued to running", "e", "e", "e"),
	MDL_ROW(msg, "rpmsg message, virtio + user", "e", "e", "e"),
};

static const char * const mdl_sources[] = {
	"[1] rsta2/circle issue 86: Pi 3B+ bare-metal GPIO reads ~18 M/s at 1.4 GHz",
	"[2] google/periph PR 445: Pi 4 GPLEV read ~120 ns from user space",
	"[3] hzeller/rpi-gpio-dma-demo issue 4: Pi 4 posted SET/CLR, ~52 MHz toggle",
	"[4] hzeller/rpi-rgb-led-matrix issue 1479: Pi 4 writes with a DSB, ~6 MHz",
	"[5] codeandlife.com GPIO benchmark (2015): Pi 2 native C, 41.7 MHz",
	"[6] WiringPi issue 305: Pi 5 digitalWrite ~25 ns; pinMode (PCIe read) 0.40 us",
	"[7] raspberrypi/linux issue 6279, pinctrl-rp1.c pace_pin_updates: >= 200 ns",
	"[8] Pi 1 ISR 3.77 us (gkaindl/linux-gpio-irq-latency-test); Pi 3 4-5 us",
	"[9] LeonardoLisa/rpi5-fast-irq README: Pi 5 10-20 us edge to user space",
};

void mdl_print_costs(void)
{
	unsigned int i, b;

	printf("%-32s %13s %13s %13s\n", "cost (ns)", mdl_pi[0].name,
	       mdl_pi[1].name, mdl_pi[2].name);
	for (i = 0; i < ARRAY_SIZE(mdl_rows); i++) {
		printf("%-32s", mdl_rows[i].item);
		for (b = 0; b < 3; b++) {
			const double *v = (const double *)((const char *)&mdl_pi[b] +
							   mdl_rows[i].off);

			printf(" %7.0f %-5s", *v, mdl_rows[i].src[b]);
		}
		printf("\n");
	}
	printf("e = (est.): inferred, not measured (see the cost table's comments); sources:\n");
	for (i = 0; i < ARRAY_SIZE(mdl_sources); i++)
		printf("  %s\n", mdl_sources[i]);
}
