/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * pbus cost model (bench/README.md, "Cost model of real Pis"): the types
 * shared by its files.
 *
 *   model-costs.c   per-access costs of the Pi 3, Pi 4 and Pi 5, with sources
 *   model-wire.c    the simulated wire, the two clocks, the access paths
 *                   (gpiolib with and without get/set_multiple, registers)
 *                   and what they count
 *   model-master.c  the host end's per-byte code as pbus-master.c runs it
 *   model-slave.c   the remote end's as pbus-slave.c runs it (and the
 *                   polling remote of issue 11 item 3)
 *   model-scen.c    transfers, rpmsg echo, firmware load
 *   pbus-model.c    the tables, --expect, --check
 *
 * The protocol itself is the real core (drivers/pbus/proto): the host's
 * pbus_xfer_run() and pbus_master_write()/read(), the remote's
 * pbus_slave_strobe(). Only the code around it, which moves the bytes over
 * the GPIOs, is a host build of pbus-master.c and pbus-slave.c: the same
 * calls in the same order, each counted where the kernel would make it.
 */
#ifndef PBUS_MODEL_H
#define PBUS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "pbus_proto.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define BIT(n)		(1u << (n))

/* Line numbers as on the test cable (dts/qemu/pbus-cable-test.dtso). */
#define ML_D0		0
#define ML_RW		8
#define ML_STROBE	9
#define ML_ACK		10
#define ML_IRQ		11
#define ML_NLINES	12
#define ML_DMASK	0xffu

enum mdl_side { MDL_HOST, MDL_REMOTE, MDL_SIDES };

/* How a side reaches its lines. */
enum mdl_path {
	MDL_GPIOLIB,	/* (a) gpiolib; the chip has no get/set_multiple */
	MDL_MULTIPLE,	/* (b) gpiolib; the chip has get/set_multiple */
	MDL_REGS,	/* (c) level register read, set/clear register writes */
};

/* How the remote notices a STROBE edge. */
enum mdl_remote {
	MDL_R_IRQ,	/* pbus-slave.c default: a hard IRQ per edge */
	MDL_R_POLL_US,	/* pbus-slave.c with pbus,poll-us: a polling thread */
	MDL_R_POLL,	/* issue 11 item 3: STROBE masked, level polled */
};

/* Which GPIO driver stands behind gpiolib (what a chip op costs). */
enum mdl_chip {
	MDL_CHIP_CABLE,		/* tests/cable: no registers */
	MDL_CHIP_BCM2835,	/* pinctrl-bcm2835 (Pi 3, Pi 4) */
	MDL_CHIP_RP1,		/* pinctrl-rp1 (Pi 5) */
};

struct mdl_config {
	const char *name;
	const char *desc;
	enum mdl_path path;
	/* pbus-master.c's bus->multi: ACK + data in one array read */
	bool multi;
	/*
	 * Issue 11 item 4: a clock read every 64th poll, no sleep inside a
	 * frame, STROBE in the second data register write.
	 */
	bool fast_host;
	enum mdl_remote remote;
	unsigned int poll_us;	/* MDL_R_POLL_US: pbus,poll-us */
};

/* Costs in ns; "(est.)" items are inferred: see model-costs.c. */
struct mdl_costs {
	const char *name;
	enum mdl_chip chip;
	double rd;		/* GPIO level register read */
	double wr_posted;	/* posted register write */
	double wr;		/* register write with a barrier (writel) */
	double api;		/* one gpiod_*() consumer call, besides the chip op */
	double chip_op;		/* one gpio_chip callback, besides its registers */
	double dir;		/* a direction change, besides its registers */
	double irq;		/* GPIO edge to the handler */
	double irq_exit;	/* handler return to the next IRQ possible */
	double thread;		/* wake-up of an IRQ thread or kthread */
	double ktime;		/* ktime_get() */
	double usleep;		/* usleep_range(10, 40), as slept */
	double relax;		/* cpu_relax() and the loop around it */
	double sm;		/* a byte through the core and its locks */
	double crc;		/* CRC-32C per byte */
	double prop;		/* an output change to the other Pi's input */
	double xfer;		/* a user transfer's syscall and copy */
	double kcall;		/* pbus_xfer(): its mutex, the core's setup */
	double work;		/* a work item queued to running */
	double msg;		/* an rpmsg message through virtio_rpmsg_bus */
};

/* What one side did. */
struct mdl_count {
	uint64_t rd, wr;	/* register accesses */
	uint64_t irq;		/* IRQs taken */
	uint64_t clk;		/* ktime_get() */
	uint64_t slp;		/* sleeps */
	uint64_t api;		/* gpiod_*() calls */
	/* chip callbacks, as the test cable's debugfs stats count them */
	uint64_t get, set, get_multiple, set_multiple, direction;
	uint64_t samples;	/* looks at ACK (host) or STROBE (remote) */
	uint64_t idle_rd;	/* reads of looks that found no edge (waiting) */
	uint64_t looks;		/* looks that found the edge */
	uint64_t look_rd;	/* their reads, with those of the data they need */
	uint64_t dir_rw;	/* register accesses of direction changes */
	uint64_t wakes;		/* thread wake-ups */
};

static inline uint64_t mdl_line_ops(const struct mdl_count *n)
{
	return n->get + n->set + n->get_multiple + n->set_multiple +
	       n->direction;
}

struct mdl_line {
	bool val;		/* since @t */
	bool prev;		/* before @t */
	double t;
	unsigned int drv;	/* BIT(side) for each side driving it */
};

/* Remote events, processed in time order (model-wire.c). */
enum mdl_ev_kind {
	MDL_EV_IRQ,		/* STROBE edge: the hard IRQ handler */
	MDL_EV_THREAD,		/* the IRQ thread starts a run */
	MDL_EV_STEP,		/* one pbus_slave_thread_step() */
	MDL_EV_POLL,		/* one look of the polling remote */
};

#define MDL_EVQ		16

struct mdl_ev {
	double t;		/* earliest start */
	double pre;		/* its cost up to its first sample */
	enum mdl_ev_kind kind;
};

/* The host end: the fields of struct pbus the link ops use. */
struct mdl_host {
	bool strobe;		/* strobe_level */
	bool rewrite_all;
	bool data_out;
	uint8_t data_val;
	struct pbus_xfer_state xs;
	uint8_t scratch[PBUS_MAX_PAYLOAD + 1 + PBUS_CRC_LEN];
	long wire_bytes, frames;
};

#define MDL_WINDOW	(256 * 1024)

/* The remote end: the fields of struct pbus_slave its wire code uses. */
struct mdl_remote_end {
	struct pbus_slave_sm sm;
	uint8_t sm_buf[PBUS_MAX_PAYLOAD + 1 + PBUS_CRC_LEN];
	uint8_t window[MDL_WINDOW];
	uint32_t irq_status, irq_enable, scratch;
	bool irq_level;
	bool strobe_level;
	bool driving;
	uint8_t data_out;
	bool wire_busy;		/* a thread owns the wire */
	bool pend;		/* the hard IRQ left an action to the thread */
	enum pbus_slave_action pend_act;
	uint8_t pend_out;
	bool thread_on;		/* the IRQ thread runs (or is woken) */
	bool deferred;		/* mdl_sim.preempt: woken, the host's read comes first */
	bool runthread;		/* IRQTF_RUNTHREAD: run once more */
	bool first;		/* pbus_slave_serve()'s @first */
	double deadline;	/* pbus_slave_serve()'s */
	double limit;		/* pbus_slave_serve()'s: 10 ms a run at most */
	bool masked;		/* MDL_R_POLL: STROBE IRQ masked */
	double last_edge;	/* MDL_R_POLL: time of the last edge served */
	unsigned int polls;	/* MDL_R_POLL: looks since the last clock read */
	double busy_until;	/* the remote CPU is free from then */
	struct mdl_ev ev[MDL_EVQ];
	unsigned int nev;
	long edges, spurious;
	long torn;		/* bytes latched with D sampled before the host set it */
};

struct mdl_sim {
	const struct mdl_costs *c;
	const struct mdl_config *cfg;
	bool chip_multi;	/* the chip has get/set_multiple */
	/*
	 * The cable on a fully preemptible kernel (PREEMPT, PREEMPT_RT): an
	 * IRQ thread woken in the host's set call runs at the first
	 * preempt_enable() after it, in the host's next read, after that
	 * read sampled the lines. On PREEMPT_VOLUNTARY (Debian's armmp) it
	 * runs at that read's might_sleep(), before it.
	 */
	bool preempt;
	struct mdl_line ln[ML_NLINES];
	double tm;		/* the host's clock */
	uint32_t rnd;		/* jitter of the sampling instants */
	struct mdl_count n[MDL_SIDES];
	long handshakes;
	long contention;
	long errors;		/* what the model did not expect (a bug) */
	long retries;		/* frames that failed (CRC, STATUS) and were sent again */
	long failed;		/* transfers that failed */
	struct mdl_host h;
	struct mdl_remote_end r;
};

/* model-costs.c */
extern const struct mdl_costs mdl_cable_costs;
extern const struct mdl_costs mdl_pi[3];
void mdl_print_costs(void);

/* model-wire.c */
void mdl_sim_init(struct mdl_sim *x, const struct mdl_costs *c,
		  const struct mdl_config *cfg, bool chip_multi);
bool mdl_level(const struct mdl_sim *x, int line, double t);
uint32_t mdl_levels(const struct mdl_sim *x, double t);
void mdl_drive(struct mdl_sim *x, enum mdl_side s, int line, bool v, double t);
void mdl_run_remote(struct mdl_sim *x, double t);
void mdl_ev_add(struct mdl_sim *x, enum mdl_ev_kind kind, double t,
		double pre);
void mdl_remote_idle(struct mdl_sim *x);

bool mdl_get(struct mdl_sim *x, enum mdl_side s, int line, double *t);
void mdl_set(struct mdl_sim *x, enum mdl_side s, int line, bool v,
	     double *t);
uint32_t mdl_get_array(struct mdl_sim *x, enum mdl_side s, unsigned int n,
		       const int *lines, double *t);
void mdl_set_array(struct mdl_sim *x, enum mdl_side s, unsigned int n,
		   const int *lines, uint32_t bits, double *t);
void mdl_dir(struct mdl_sim *x, enum mdl_side s, int line, bool out, bool v,
	     double *t);
uint32_t mdl_reg_read(struct mdl_sim *x, enum mdl_side s, double *t);
void mdl_reg_write(struct mdl_sim *x, enum mdl_side s, uint32_t mask,
		   bool set, double *t);
void mdl_ktime(struct mdl_sim *x, enum mdl_side s, double *t);
void mdl_cost(double *t, double ns);
double mdl_read_cost(const struct mdl_sim *x, unsigned int nlines);

/* model-master.c */
void mdl_host_init(struct mdl_sim *x, uint8_t tag, uint16_t max_payload);
int mdl_xfer(struct mdl_sim *x, bool write, uint32_t addr, uint8_t *buf,
	     uint32_t len);

/* model-slave.c */
void mdl_remote_init(struct mdl_sim *x, uint16_t max_payload);
void mdl_remote_edge(struct mdl_sim *x, double t);
void mdl_remote_event(struct mdl_sim *x, const struct mdl_ev *ev,
		      double start);
void mdl_remote_raise(struct mdl_sim *x, uint32_t bits, double *t);

/* model-scen.c */
struct mdl_result {
	double ns;		/* elapsed */
	uint64_t bytes;		/* payload moved */
	struct mdl_count n[MDL_SIDES];
	long handshakes, frames;
	long errors;		/* model bugs */
	long retries, failed;
	/* hazards of the code modelled: both ends driving D, torn bytes */
	long contention, torn;
};

struct mdl_sim *mdl_scen_sim(const struct mdl_costs *c,
			     const struct mdl_config *cfg, uint16_t maxp,
			     uint8_t tag);
void mdl_raw(const struct mdl_costs *c, const struct mdl_config *cfg,
	     bool write, uint32_t size, uint32_t count, uint16_t maxp,
	     struct mdl_result *res);
void mdl_echo(const struct mdl_costs *c, const struct mdl_config *cfg,
	      uint32_t payload, unsigned int win, uint16_t maxp,
	      struct mdl_result *res);
void mdl_fwload(const struct mdl_costs *c, const struct mdl_config *cfg,
		uint32_t image, uint16_t maxp, struct mdl_result *res);

#endif /* PBUS_MODEL_H */
