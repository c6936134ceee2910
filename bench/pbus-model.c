// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model of real Pis (bench/README.md, "Cost model of real Pis";
 * issue 11 item 1). Runs the real protocol core and host builds of the
 * per-byte code of both ends over a simulated wire that counts register
 * reads and writes, IRQs, clock reads and sleeps per side, multiplies them
 * by the Pi 3/4/5 costs of model-costs.c and prints the projections.
 *
 *   pbus-model [--max-payload N]  the tables (make bench-model)
 *   pbus-model --expect           exact test-cable counts of the transfers
 *                                 of tests/target/18-model-counts.sh
 *   pbus-model --check [FILE]     self-checks; FILE: the committed --expect
 *                                 output, which must be current
 * Last line of --check: "N passed, N failed"; exit status 1 on a failure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

#define MDL_NCFG	8
#define MDL_NSIZE	8
#define MDL_NB		3
#define MDL_PI4		1
#define MDL_TAGS	256

static const struct mdl_config mdl_cfgs[MDL_NCFG] = {
	{ "base", "(a) gpiolib per line; pbus today (multi=0 on GPIO16-23); remote IRQ per byte",
	  MDL_GPIOLIB, false, false, MDL_R_IRQ, 0 },
	{ "poll-us", "base, remote pbus,poll-us=50 (today's polling thread, IRQ per edge)",
	  MDL_GPIOLIB, false, false, MDL_R_POLL_US, 50 },
	{ "mult", "(b) get/set_multiple in pinctrl (item 2a); pbus today (multi=0)",
	  MDL_MULTIPLE, false, false, MDL_R_IRQ, 0 },
	{ "mult+", "(b), host multi from the chip's ops: ACK+D in one read, set_multiple",
	  MDL_MULTIPLE, true, false, MDL_R_IRQ, 0 },
	{ "mult+PH", "mult+, polling remote (item 3), host item 4",
	  MDL_MULTIPLE, true, true, MDL_R_POLL, 0 },
	{ "regs", "(c) register path both ends (GPLEV0, GPSET0/GPCLR0), remote IRQ per byte",
	  MDL_REGS, true, false, MDL_R_IRQ, 0 },
	{ "regs+P", "regs, polling remote (item 3)",
	  MDL_REGS, true, false, MDL_R_POLL, 0 },
	{ "regs+PH", "regs+P, host item 4: clock every 64 polls, no sleep, STROBE merged",
	  MDL_REGS, true, true, MDL_R_POLL, 0 },
};

static const uint32_t mdl_sizes[MDL_NSIZE] = {
	16, 64, 256, 512, 1024, 4096, 16384, 65536
};

static uint16_t mdl_maxp = 1024;	/* pbus-slave.c's default, the QEMU DT's */
/* --check: 512 B and 4 KiB transfers only, a small firmware image */
static bool mdl_quick;

/* MB/s; a run with a failed transfer gives -1, printed "fail". */
static double mdl_mbps(const struct mdl_result *r)
{
	if (r->failed)
		return -1;
	return r->ns > 0 ? r->bytes * 1000.0 / r->ns : 0;
}

/* @v in a field of @w characters, with @prec decimals, or "fail". */
static void mdl_val(double v, int w, int prec)
{
	if (v < 0)
		printf(" %*s", w, "fail");
	else
		printf(" %*.*f", w, prec, v);
}

/* ---------------------------------------------------------------------------
 * Results, computed once.
 */
struct mdl_board_res {
	struct mdl_result raw[MDL_NCFG][2][MDL_NSIZE];
	struct mdl_result lat[MDL_NCFG][2];	/* 1-byte transfers */
	struct mdl_result echo1[MDL_NCFG];	/* 1 byte, one in flight */
	struct mdl_result echo[MDL_NCFG];	/* 496 bytes, one in flight */
	struct mdl_result echo8[MDL_NCFG];	/* 496 bytes, eight per pass */
	struct mdl_result fw[MDL_NCFG];		/* a 128 KiB segment */
};

static struct mdl_board_res mdl_res[MDL_NB];
static long mdl_errors;

/* What went wrong in the runs of a configuration, all boards together. */
struct mdl_trouble {
	long runs, failed_runs, retries, torn, contention;
};

static struct mdl_trouble mdl_trouble[MDL_NCFG];

static void mdl_note(unsigned int k, const struct mdl_result *r)
{
	struct mdl_trouble *t = &mdl_trouble[k];

	/* After a hazard the wire is out of step: the model has no resync. */
	if (r->torn || r->contention)
		t->failed_runs += !r->failed && r->errors;
	else
		mdl_errors += r->errors;
	t->runs++;
	t->failed_runs += r->failed != 0;
	t->retries += r->retries;
	t->torn += r->torn;
	t->contention += r->contention;
}

static void mdl_compute(void)
{
	unsigned int b, k, d, i;

	for (b = 0; b < MDL_NB; b++) {
		const struct mdl_costs *c = &mdl_pi[b];
		struct mdl_board_res *br = &mdl_res[b];

		for (k = 0; k < MDL_NCFG; k++) {
			const struct mdl_config *cfg = &mdl_cfgs[k];

			for (d = 0; d < 2; d++) {
				for (i = 0; i < MDL_NSIZE; i++) {
					uint32_t s = mdl_sizes[i];

					if (mdl_quick && s != 512 && s != 4096)
						continue;
					mdl_raw(c, cfg, d == 0, s,
						s >= 4096 ? 1 : 4096 / s,
						mdl_maxp, &br->raw[k][d][i]);
					mdl_note(k, &br->raw[k][d][i]);
				}
				if (mdl_quick)
					continue;
				mdl_raw(c, cfg, d == 0, 1, 8, mdl_maxp,
					&br->lat[k][d]);
				mdl_note(k, &br->lat[k][d]);
			}
			mdl_echo(c, cfg, 1, 1, mdl_maxp, &br->echo1[k]);
			mdl_echo(c, cfg, 496, 1, mdl_maxp, &br->echo[k]);
			mdl_echo(c, cfg, 496, 8, mdl_maxp, &br->echo8[k]);
			mdl_fwload(c, cfg, (mdl_quick ? 16 : 128) * 1024, mdl_maxp,
				   &br->fw[k]);
			mdl_note(k, &br->echo1[k]);
			mdl_note(k, &br->echo[k]);
			mdl_note(k, &br->echo8[k]);
			mdl_note(k, &br->fw[k]);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Tables
 */
static void mdl_print_configs(void)
{
	unsigned int k;

	printf("configurations (host <-> remote, both ends alike):\n");
	for (k = 0; k < MDL_NCFG; k++)
		printf("  %-8s %s\n", mdl_cfgs[k].name, mdl_cfgs[k].desc);
}

static double mdl_per(uint64_t v, uint64_t bytes)
{
	return bytes ? (double)v / bytes : 0;
}

static void mdl_print_counts(void)
{
	const struct mdl_board_res *br = &mdl_res[MDL_PI4];
	const struct mdl_result *r;
	const struct mdl_count *n;
	unsigned int k, d, s;

	printf("\ncounts per payload byte, 512-byte transfers (one frame each), Pi 4, as run\n");
	printf("  rd/wr: register reads/writes (an IRQ's own included), irq: IRQs taken,\n");
	printf("  clk: ktime_get(), slp: sleeps, api: gpiod_*() calls\n");
	printf("%-8s %-5s | %-35s | %-35s\n", "", "",
	       "host   rd    wr   irq   clk   slp   api",
	       "remote rd    wr   irq   clk   slp   api");
	for (k = 0; k < MDL_NCFG; k++) {
		for (d = 0; d < 2; d++) {
			r = &br->raw[k][d][3];
			printf("%-8s %-5s |", d ? "" : mdl_cfgs[k].name,
			       d ? "read" : "write");
			for (s = 0; s < MDL_SIDES; s++) {
				n = &r->n[s];
				printf("   %5.2f %5.2f %5.2f %5.2f %5.3f %5.2f |",
				       mdl_per(n->rd, r->bytes),
				       mdl_per(n->wr, r->bytes),
				       mdl_per(n->irq, r->bytes),
				       mdl_per(n->clk, r->bytes),
				       mdl_per(n->slp, r->bytes),
				       mdl_per(n->api, r->bytes));
			}
			printf("\n");
		}
	}
	printf("\nthe same without the waiting (looks that found no edge): register accesses\n");
	printf("per payload byte, reads per look that found its edge (with the data it needs)\n");
	printf("%-8s %-5s | %-25s | %-25s\n", "", "",
	       "host acc/B rd/look waits",
	       "remote acc/B rd/look waits");
	for (k = 0; k < MDL_NCFG; k++) {
		for (d = 0; d < 2; d++) {
			r = &br->raw[k][d][3];
			printf("%-8s %-5s |", d ? "" : mdl_cfgs[k].name,
			       d ? "read" : "write");
			for (s = 0; s < MDL_SIDES; s++) {
				n = &r->n[s];
				printf("     %6.2f %6.2f %6.2f |",
				       mdl_per(n->rd + n->wr - n->idle_rd,
					       r->bytes),
				       mdl_per(n->look_rd, n->looks),
				       mdl_per(n->samples - n->looks,
					       n->looks));
			}
			printf("\n");
		}
	}
	printf("  (waits: looks that found nothing, per look that found the edge)\n");
}

static void mdl_print_raw512(void)
{
	unsigned int k, b;

	printf("\nraw throughput, MB/s (10^6 B/s), 512-byte transfers (a syscall each)\n");
	printf("%-8s", "");
	for (b = 0; b < MDL_NB; b++)
		printf("  %5s wr %5s rd", mdl_pi[b].name, mdl_pi[b].name);
	printf("\n");
	for (k = 0; k < MDL_NCFG; k++) {
		printf("%-8s", mdl_cfgs[k].name);
		for (b = 0; b < MDL_NB; b++) {
			printf(" ");
			mdl_val(mdl_mbps(&mdl_res[b].raw[k][0][3]), 8, 3);
			mdl_val(mdl_mbps(&mdl_res[b].raw[k][1][3]), 8, 3);
		}
		printf("\n");
	}
}

static void mdl_print_sweep(unsigned int b)
{
	unsigned int k, d, i;

	for (d = 0; d < 2; d++) {
		printf("\n%s raw %s, MB/s, by transfer size (frames of at most %u bytes)\n",
		       mdl_pi[b].name, d ? "read" : "write", mdl_maxp);
		printf("%-6s", "size");
		for (k = 0; k < MDL_NCFG; k++)
			printf(" %8s", mdl_cfgs[k].name);
		printf("\n");
		for (i = 0; i < MDL_NSIZE; i++) {
			printf("%-6u", mdl_sizes[i]);
			for (k = 0; k < MDL_NCFG; k++)
				mdl_val(mdl_mbps(&mdl_res[b].raw[k][d][i]), 8, 3);
			printf("\n");
		}
	}
}

/* us per transfer (or per echo), -1 for a run with a failed transfer */
static double mdl_us(const struct mdl_result *r, unsigned int div)
{
	if (r->failed)
		return -1;
	return r->ns / 1000.0 / div;
}

static void mdl_print_apps(unsigned int b)
{
	const struct mdl_board_res *br = &mdl_res[b];
	unsigned int k;

	printf("\n%s: latency (us), rpmsg echo of 496 B (MB/s payload each way), fw load\n",
	       mdl_pi[b].name);
	printf("%-8s %8s %8s %9s %9s %9s %9s\n", "", "1B wr us", "1B rd us",
	       "echo1B us", "echo 1x", "echo 8x", "fw MB/s");
	for (k = 0; k < MDL_NCFG; k++) {
		printf("%-8s", mdl_cfgs[k].name);
		mdl_val(mdl_us(&br->lat[k][0], 8), 8, 1);
		mdl_val(mdl_us(&br->lat[k][1], 8), 8, 1);
		mdl_val(mdl_us(&br->echo1[k], 1), 9, 1);
		mdl_val(mdl_mbps(&br->echo[k]), 9, 3);
		mdl_val(mdl_mbps(&br->echo8[k]), 9, 3);
		mdl_val(mdl_mbps(&br->fw[k]), 9, 3);
		printf("\n");
	}
}

static void mdl_print_trouble(void)
{
	unsigned int k;

	printf("\nwhat went wrong, all runs of a configuration on the three boards together:\n");
	printf("%-8s %6s %7s %9s %9s %11s\n", "", "runs", "failed", "retries",
	       "torn B", "contention");
	for (k = 0; k < MDL_NCFG; k++)
		printf("%-8s %6ld %7ld %9ld %9ld %11ld\n", mdl_cfgs[k].name,
		       mdl_trouble[k].runs, mdl_trouble[k].failed_runs,
		       mdl_trouble[k].retries, mdl_trouble[k].torn,
		       mdl_trouble[k].contention);
	printf("(failed: runs with a transfer that failed; retries: frames sent again after a\n");
	printf(" CRC or STATUS error; torn B: bytes the remote latched with D0..D7 read before\n");
	printf(" the host set them; contention: data lines both ends started to drive)\n");
}

/*
 * Register accesses per byte on the wire (per handshake) on the data
 * path: without the waiting and the turnarounds' direction changes; the
 * worse direction, 4 KiB transfers.
 */
static double mdl_acc(const struct mdl_board_res *br, unsigned int k,
		      enum mdl_side s)
{
	double v[2];
	unsigned int d;

	for (d = 0; d < 2; d++) {
		const struct mdl_result *r = &br->raw[k][d][5];
		const struct mdl_count *n = &r->n[s];

		v[d] = mdl_per(n->rd + n->wr - n->idle_rd - n->dir_rw,
			       r->handshakes);
	}
	return v[0] > v[1] ? v[0] : v[1];
}

/* Reads per look that found its edge, the worse direction, 4 KiB. */
static double mdl_look(const struct mdl_board_res *br, unsigned int k,
		       enum mdl_side s)
{
	double v[2];
	unsigned int d;

	for (d = 0; d < 2; d++) {
		const struct mdl_count *n = &br->raw[k][d][5].n[s];

		v[d] = mdl_per(n->look_rd, n->looks);
	}
	return v[0] > v[1] ? v[0] : v[1];
}

static void mdl_goal(const char *what, const double *v, double target,
		     bool below)
{
	unsigned int k;

	printf("%-30s", what);
	for (k = 0; k < MDL_NCFG; k++) {
		bool ok = v[k] >= 0 && (below ? v[k] <= target : v[k] >= target);

		mdl_val(v[k], 7, 2);
		printf("%c", ok ? '+' : '-');
	}
	printf("\n");
}

static void mdl_print_goals(void)
{
	const struct mdl_board_res *br = &mdl_res[MDL_PI4];
	double v[MDL_NCFG];
	unsigned int k;

	printf("\nissue 11 goals, Pi 4 <-> Pi 4 (+ met, - missed)\n%-30s", "");
	for (k = 0; k < MDL_NCFG; k++)
		printf(" %8s", mdl_cfgs[k].name);
	printf("\n");
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->raw[k][0][3]);
	mdl_goal("raw write 512 B >= 1.5 MB/s", v, 1.5, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->raw[k][1][3]);
	mdl_goal("raw read 512 B >= 1.5 MB/s", v, 1.5, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->raw[k][0][5]);
	mdl_goal("raw write 4 KiB >= 1.5 MB/s", v, 1.5, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->raw[k][1][5]);
	mdl_goal("raw read 4 KiB >= 1.5 MB/s", v, 1.5, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->echo8[k]);
	mdl_goal("echo 496 B x8 >= 0.75 MB/s", v, 0.75, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->echo[k]);
	mdl_goal("echo 496 B x1 >= 0.75 MB/s", v, 0.75, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_us(&br->echo1[k], 1);
	mdl_goal("echo 1 B round trip <= 100 us", v, 100, true);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_mbps(&br->fw[k]);
	mdl_goal("firmware load >= 1 MB/s", v, 1, false);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_acc(br, k, MDL_HOST);
	mdl_goal("host reg accesses/wire B <= 3", v, 3, true);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_acc(br, k, MDL_REMOTE);
	mdl_goal("remote reg accesses/wire B <= 3", v, 3, true);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_look(br, k, MDL_HOST);
	mdl_goal("host reads per look <= 1", v, 1, true);
	for (k = 0; k < MDL_NCFG; k++)
		v[k] = mdl_look(br, k, MDL_REMOTE);
	mdl_goal("remote reads per look <= 1", v, 1, true);
	printf("(accesses and reads per look: 4 KiB transfers, the worse direction, waiting\n");
	printf(" and direction changes left out; an IRQ's GPEDS read and ack are accesses,\n");
	printf(" not reads of a look)\n");
	printf("stock-kernel remote (regs+PH) vs patched kernel (mult+PH), 4 KiB:");
	printf(" write %.0f %%, read %.0f %%\n",
	       100.0 * mdl_mbps(&br->raw[7][0][5]) / mdl_mbps(&br->raw[4][0][5]),
	       100.0 * mdl_mbps(&br->raw[7][1][5]) / mdl_mbps(&br->raw[4][1][5]));
}

/* Fixed and per-byte cost of a transfer, from its 16 and 1024 byte runs. */
static void mdl_fit(const struct mdl_board_res *br, unsigned int k,
		    unsigned int d, double *fixed_us, double *byte_ns)
{
	const struct mdl_result *a = &br->raw[k][d][0], *z = &br->raw[k][d][4];
	double ta = a->ns / (a->bytes / 16), tz = z->ns / (z->bytes / 1024);

	*byte_ns = (tz - ta) / (1024 - 16);
	*fixed_us = (ta - 16 * *byte_ns) / 1000;
}

static void mdl_print_why(void)
{
	const struct mdl_board_res *br = &mdl_res[MDL_PI4];
	const struct mdl_costs *c = &mdl_pi[MDL_PI4];
	double fw, bw, fr, brd, sw, tot;
	unsigned int k;
	bool bad;

	printf("\nPi 4: a transfer costs fixed + n x per-byte (fit of 16 and 1024 B runs);\n");
	printf("the 1-byte echo = 7 transfers + software (work items, wake-ups, IRQ, virtio)\n");
	printf("%-8s %9s %9s %9s %9s %10s %9s %9s\n", "", "wr fix us",
	       "wr ns/B", "rd fix us", "rd ns/B", "echo1B us", "bus us",
	       "sw us");
	/* mdl_echo(): as it adds them up */
	sw = 2 * c->msg + 3 * c->work + 2 * c->thread + c->irq + 4 * c->sm +
	     2 * 21 * c->crc;
	for (k = 0; k < MDL_NCFG; k++) {
		mdl_fit(br, k, 0, &fw, &bw);
		mdl_fit(br, k, 1, &fr, &brd);
		tot = mdl_us(&br->echo1[k], 1);
		printf("%-8s", mdl_cfgs[k].name);
		bad = br->raw[k][0][0].failed || br->raw[k][0][4].failed ||
		      br->raw[k][1][0].failed || br->raw[k][1][4].failed;
		mdl_val(bad ? -1 : fw, 9, 1);
		mdl_val(bad ? -1 : bw, 9, 1);
		mdl_val(bad ? -1 : fr, 9, 1);
		mdl_val(bad ? -1 : brd, 9, 1);
		mdl_val(tot, 10, 1);
		mdl_val(tot < 0 ? -1 : tot - sw / 1000, 9, 1);
		mdl_val(sw / 1000, 9, 1);
		printf("\n");
	}
}

/* Pi 4 with one cost changed at a time: which estimate moves what. */
static void mdl_print_sensitivity(void)
{
	static const struct {
		const char *name;
		size_t off;
		double f;
	} knobs[] = {
		{ "none", 0, 1 },
		{ "register read x2", offsetof(struct mdl_costs, rd), 2 },
		{ "writel x2", offsetof(struct mdl_costs, wr), 2 },
		{ "writel / 8", offsetof(struct mdl_costs, wr), 0.125 },
		{ "posted write x2", offsetof(struct mdl_costs, wr_posted), 2 },
		{ "gpiolib call x2", offsetof(struct mdl_costs, api), 2 },
		{ "gpiolib call / 2", offsetof(struct mdl_costs, api), 0.5 },
		{ "direction x2", offsetof(struct mdl_costs, dir), 2 },
		{ "GPIO IRQ x2", offsetof(struct mdl_costs, irq), 2 },
		{ "thread wake x2", offsetof(struct mdl_costs, thread), 2 },
		{ "ktime_get() x2", offsetof(struct mdl_costs, ktime), 2 },
		{ "core per byte x2", offsetof(struct mdl_costs, sm), 2 },
		{ "work item x2", offsetof(struct mdl_costs, work), 2 },
		{ "rpmsg message x2", offsetof(struct mdl_costs, msg), 2 },
	};
	const struct mdl_config *base = &mdl_cfgs[0], *mult = &mdl_cfgs[4];
	const struct mdl_config *best = &mdl_cfgs[7];
	struct mdl_result r[6];
	struct mdl_costs c;
	unsigned int i;

	printf("\nPi 4 with one cost changed (the others as in the table): 4 KiB MB/s, echo\n");
	printf("%-17s %8s %8s %8s %8s %10s %9s\n", "changed", "base wr",
	       "mult+PH", "best wr", "best rd", "echo1B us", "echo 8x");
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		c = mdl_pi[MDL_PI4];
		if (knobs[i].off)
			*(double *)((char *)&c + knobs[i].off) *= knobs[i].f;
		mdl_raw(&c, base, true, 4096, 1, mdl_maxp, &r[0]);
		mdl_raw(&c, mult, true, 4096, 1, mdl_maxp, &r[1]);
		mdl_raw(&c, best, true, 4096, 1, mdl_maxp, &r[2]);
		mdl_raw(&c, best, false, 4096, 1, mdl_maxp, &r[3]);
		mdl_echo(&c, best, 1, 1, mdl_maxp, &r[4]);
		mdl_echo(&c, best, 496, 8, mdl_maxp, &r[5]);
		printf("%-17s", knobs[i].name);
		mdl_val(mdl_mbps(&r[0]), 8, 3);
		mdl_val(mdl_mbps(&r[1]), 8, 3);
		mdl_val(mdl_mbps(&r[2]), 8, 3);
		mdl_val(mdl_mbps(&r[3]), 8, 3);
		mdl_val(mdl_us(&r[4], 1), 10, 1);
		mdl_val(mdl_mbps(&r[5]), 9, 3);
		printf("\n");
	}
	printf("(base: %s write; mult+PH: write; best: %s; echo: best)\n", base->name,
	       best->name);
}

/* ---------------------------------------------------------------------------
 * --expect: the test cable (every cost 0, tests/target/18-model-counts.sh)
 */
struct mdl_mode {
	const char *name;
	bool chip_multi;	/* pbus_cable multiple= */
	bool multi;		/* pbus no_set_multiple=0 */
};

static const struct mdl_mode mdl_modes[] = {
	{ "multi", true, true },
	{ "nomulti", true, false },
	{ "single", false, false },
};

struct mdl_xt {
	const char *name;
	bool write;
	uint32_t addr;
	uint16_t len;
};

/* Window 0..4095 holds i & 0xff; the writes send i & 0xff, or 0x12345678. */
static const struct mdl_xt mdl_xts[] = {
	{ "read4", false, PBUS_REG_BASE + PBUS_REG_MAGIC, 4 },
	{ "write4", true, PBUS_REG_BASE + PBUS_REG_SCRATCH, 4 },
	{ "write512", true, 0x1000, 512 },
	{ "read4096", false, 0, 4096 },
};

#define MDL_NKEYS	19

static const char * const mdl_keys[MDL_NKEYS] = {
	"frames", "handshakes", "wire_bytes", "edges",
	"a.get", "a.set", "a.get_multiple", "a.set_multiple", "a.direction",
	"a.line_ops", "a.irqs",
	"b.get_multiple", "b.set", "b.set_multiple", "b.direction", "b.irqs",
	"b.line_ops-get", "b.get_min", "spurious_edges",
};

static struct mdl_sim mdl_cx;

/*
 * One transfer of the test on the cable (@preempt: a fully preemptible
 * kernel, mdl_sim.preempt); fills @v[MDL_NKEYS].
 */
static long mdl_cable_run(const struct mdl_mode *m, const struct mdl_xt *xt,
			  unsigned int tag, bool preempt, long *v)
{
	static struct mdl_config cfg;
	struct mdl_sim *x = &mdl_cx;
	const struct mdl_count *a = &x->n[MDL_HOST], *b = &x->n[MDL_REMOTE];
	uint8_t buf[4096];
	long bad = 0;
	unsigned int i;

	cfg.name = m->name;
	cfg.path = m->chip_multi ? MDL_MULTIPLE : MDL_GPIOLIB;
	cfg.multi = m->multi;
	cfg.remote = MDL_R_IRQ;
	mdl_sim_init(x, &mdl_cable_costs, &cfg, m->chip_multi);
	x->preempt = preempt;
	mdl_host_init(x, (uint8_t)tag, 1024);
	mdl_remote_init(x, 1024);
	x->h.xs.epoch = x->r.sm.epoch;
	for (i = 0; i < 4096; i++)
		x->r.window[i] = (uint8_t)i;
	for (i = 0; i < xt->len; i++)
		buf[i] = (uint8_t)i;
	if (xt->len == 4 && xt->write) {
		buf[0] = 0x78;
		buf[1] = 0x56;
		buf[2] = 0x34;
		buf[3] = 0x12;
	}
	if (mdl_xfer(x, xt->write, xt->addr, buf, xt->len) != PBUS_XR_OK)
		bad++;
	mdl_remote_idle(x);
	/* What was moved is what the remote holds or sent. */
	if (!xt->write && xt->len == 4 && memcmp(buf, "PBUS", 4))
		bad++;
	if (!xt->write && xt->len == 4096)
		for (i = 0; i < 4096; i++)
			bad += buf[i] != (uint8_t)i;
	if (xt->write && xt->len == 512)
		for (i = 0; i < 512; i++)
			bad += x->r.window[0x1000 + i] != (uint8_t)i;
	if (xt->write && xt->len == 4 && x->r.scratch != 0x12345678)
		bad++;
	bad += x->errors + x->contention + x->r.spurious;
	bad += x->r.edges != x->handshakes;

	v[0] = x->h.frames;
	v[1] = x->handshakes;
	v[2] = x->h.wire_bytes;
	v[3] = x->r.edges;
	v[4] = a->get;
	v[5] = a->set;
	v[6] = a->get_multiple;
	v[7] = a->set_multiple;
	v[8] = a->direction;
	v[9] = mdl_line_ops(a);
	v[10] = a->irq;
	v[11] = b->get_multiple;
	v[12] = b->set;
	v[13] = b->set_multiple;
	v[14] = b->direction;
	v[15] = b->irq;
	v[16] = mdl_line_ops(b) - b->get;
	v[17] = b->get;
	v[18] = x->r.spurious;
	return bad;
}

/* One line of the file: KEY of MODE TRANSFER, one value or one per tag. */
static void mdl_expect_line(FILE *f, const char *mode, const char *xt,
			    unsigned int k, long (*v)[MDL_NKEYS])
{
	unsigned int t;
	bool same = true;

	for (t = 1; t < MDL_TAGS; t++)
		same &= v[t][k] == v[0][k];
	fprintf(f, "%s %s %s ", mode, xt, mdl_keys[k]);
	for (t = 0; t < (same ? 1 : MDL_TAGS); t++)
		fprintf(f, "%s%ld", t ? "," : "", v[t][k]);
	fprintf(f, "\n");
}

static long mdl_expect(FILE *f)
{
	static long v[MDL_TAGS][MDL_NKEYS], p[MDL_TAGS][MDL_NKEYS];
	unsigned int mi, xi, t, k;
	char name[32];
	long bad = 0;
	bool same;

	fprintf(f, "# pbus cable counts of tests/target/18-model-counts.sh, made by\n");
	fprintf(f, "# bench/pbus-model --expect (make -C bench expect): do not edit.\n");
	fprintf(f, "# MODE TRANSFER KEY VALUE, or 256 values: one per tag of its first frame.\n");
	fprintf(f, "# MODE-preempt: a PREEMPT or PREEMPT_RT kernel, the keys that differ\n");
	for (mi = 0; mi < ARRAY_SIZE(mdl_modes); mi++) {
		for (xi = 0; xi < ARRAY_SIZE(mdl_xts); xi++) {
			for (t = 0; t < MDL_TAGS; t++) {
				bad += mdl_cable_run(&mdl_modes[mi], &mdl_xts[xi],
						     t, false, v[t]);
				bad += mdl_cable_run(&mdl_modes[mi], &mdl_xts[xi],
						     t, true, p[t]);
			}
			for (k = 0; k < MDL_NKEYS; k++)
				mdl_expect_line(f, mdl_modes[mi].name,
						mdl_xts[xi].name, k, v);
			snprintf(name, sizeof(name), "%s-preempt",
				 mdl_modes[mi].name);
			for (k = 0; k < MDL_NKEYS; k++) {
				same = true;
				for (t = 0; t < MDL_TAGS; t++)
					same &= p[t][k] == v[t][k];
				if (!same)
					mdl_expect_line(f, name, mdl_xts[xi].name,
							k, p);
			}
		}
	}
	return bad;
}

/* ---------------------------------------------------------------------------
 * --check
 */
static int mdl_passed, mdl_failed;

static void mdl_ok(bool ok, const char *what)
{
	if (ok) {
		mdl_passed++;
	} else {
		mdl_failed++;
		printf("FAIL: %s\n", what);
	}
}

/* The counts docs/protocol.md ("Overhead") derives, for any tag. */
static void mdl_check_docs(void)
{
	static const struct mdl_xt rd512 = { "read512", false, 0, 512 };
	long v[MDL_NKEYS];
	bool ok = true;
	unsigned int t;

	for (t = 0; t < MDL_TAGS; t++) {
		ok &= !mdl_cable_run(&mdl_modes[0], &mdl_xts[2], t, false, v);
		ok &= v[1] == 527 && v[9] == 1596;
		ok &= !mdl_cable_run(&mdl_modes[0], &rd512, t, false, v);
		ok &= v[1] == 527 && v[9] == 1081;
	}
	mdl_ok(ok, "512-byte frames: 527 handshakes, 1596 / 1081 host line ops (docs/protocol.md)");
}

static void mdl_check_expect(const char *path)
{
	char *mine = NULL, *theirs = NULL;
	size_t nm = 0, nt = 0;
	FILE *f;
	long bad;
	int c;

	f = open_memstream(&mine, &nm);
	bad = f ? mdl_expect(f) : 1;
	if (f)
		fclose(f);
	mdl_ok(!bad, "cable runs: data, errors, contention, edges = handshakes");
	if (path) {
		f = fopen(path, "r");
		if (f) {
			theirs = malloc(nm + 2);
			while (theirs && nt < nm + 1 && (c = fgetc(f)) != EOF)
				theirs[nt++] = (char)c;
			fclose(f);
		}
		mdl_ok(theirs && nt == nm && !memcmp(mine, theirs, nm),
		       "committed expectations current (make -C bench expect)");
		free(theirs);
	}
	free(mine);
}

static void mdl_check_model(void)
{
	const struct mdl_board_res *br = &mdl_res[MDL_PI4];
	bool ok = true;
	unsigned int b, k;

	mdl_ok(!mdl_errors, "Pi runs: no model error, data intact");
	ok = true;
	for (k = 0; k < MDL_NCFG; k++)
		if (mdl_cfgs[k].remote != MDL_R_POLL_US)
			ok &= !mdl_trouble[k].runs || (!mdl_trouble[k].failed_runs &&
			      !mdl_trouble[k].retries && !mdl_trouble[k].torn &&
			      !mdl_trouble[k].contention);
	mdl_ok(ok, "Pi runs: no retry, torn byte or contention but with pbus,poll-us");
	for (b = 0; b < MDL_NB; b++)
		for (k = 0; k < MDL_NCFG; k++)
			ok &= mdl_cfgs[k].remote == MDL_R_POLL_US ||
			      (mdl_mbps(&mdl_res[b].raw[k][0][3]) > 0.01 &&
			       mdl_mbps(&mdl_res[b].raw[k][1][3]) > 0.01 &&
			       mdl_mbps(&mdl_res[b].fw[k]) > 0.01 &&
			       mdl_mbps(&mdl_res[b].echo8[k]) > 0.01);
	mdl_ok(ok, "every projection moves data (but with pbus,poll-us)");
	/* What each change buys must not be a loss where the counts say a gain. */
	mdl_ok(mdl_mbps(&br->raw[7][0][5]) > mdl_mbps(&br->raw[0][0][5]) &&
	       mdl_mbps(&br->raw[7][1][5]) > mdl_mbps(&br->raw[0][1][5]),
	       "Pi 4: regs+PH faster than the baseline");
	/* The baseline: no get_multiple, so 8 reads of D per read byte. */
	mdl_ok(br->raw[0][1][3].n[MDL_HOST].rd >= 9 * 512,
	       "Pi 4 baseline read: >= 9 host reads per byte (ACK, then D0..D7)");
}

static int mdl_check(const char *expect, clock_t t0)
{
	mdl_quick = true;
	mdl_check_docs();
	mdl_check_expect(expect);
	mdl_compute();
	mdl_check_model();
	printf("pbus-model self-check: %.1f s\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("%d passed, %d failed\n", mdl_passed, mdl_failed);
	return mdl_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	clock_t t0 = clock();
	int i, v;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect"))
			return mdl_expect(stdout) ? 1 : 0;
		if (!strcmp(argv[i], "--check"))
			return mdl_check(i + 1 < argc ? argv[i + 1] : NULL, t0);
		if (strcmp(argv[i], "--max-payload") || i + 1 == argc) {
			fprintf(stderr, "usage: pbus-model [--max-payload N] | --expect |");
			fprintf(stderr, " --check [FILE]\n");
			return 2;
		}
		v = atoi(argv[++i]);
		if (v < PBUS_MIN_PAYLOAD || v > PBUS_MAX_PAYLOAD) {
			fprintf(stderr, "pbus-model: max payload %d..%d\n",
				PBUS_MIN_PAYLOAD, PBUS_MAX_PAYLOAD);
			return 2;
		}
		mdl_maxp = (uint16_t)v;
	}

	mdl_compute();
	printf("pbus cost model: protocol v%d, max payload %u, Pi 3/4/5 costs\n",
	       PBUS_PROTO_VERSION, mdl_maxp);
	printf("projections for two Pis of one kind: the counts are those of the code, the\n");
	printf("times rest on the cost table, whose (est.) entries are inferred\n\n");
	mdl_print_costs();
	printf("\n");
	mdl_print_configs();
	mdl_print_counts();
	mdl_print_raw512();
	for (i = 0; i < MDL_NB; i++)
		mdl_print_sweep(i);
	for (i = 0; i < MDL_NB; i++)
		mdl_print_apps(i);
	mdl_print_trouble();
	mdl_print_goals();
	mdl_print_why();
	mdl_print_sensitivity();
	printf("\nmodel errors: %ld; %.1f s\n", mdl_errors,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	return mdl_errors ? 1 : 0;
}
