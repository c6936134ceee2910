// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model: the host end's per-byte code, a host build of
 * drivers/pbus/pbus-master.c (the link ops, pbus_wait_ack(), the frame and
 * transfer ops), function by function, over the model's access paths.
 * The protocol is the real core: pbus_xfer_run(), pbus_master_write() and
 * pbus_master_read() from drivers/pbus/proto.
 *
 * What the kernel file does that this one leaves out, because it moves no
 * byte: trace events (static keys, off), the stats it keeps, locking
 * (one mutex per transfer: part of the transfer cost, c->kcall).
 *
 * bus->multi, as pbus_master_lines() sets it: true when gpiolib gave the
 * data array an array_info, i.e. D0..D7 are lines 0..7 of one chip, and
 * no_set_multiple is not set. On a Pi with the default pins (GPIO16..23)
 * array_info is NULL (gpiod_get_array_count(): member 0 must be hardware
 * line 0), so multi is false whatever the chip can do: the host writes
 * the changed data lines one call each and polls ACK alone, then reads
 * D0..D7 (the combined ACK + data snapshot is never taken). Issue 11's
 * "(b) + multi" configuration is what the flag would give if it looked at
 * the chip's ops instead; (c) reads ACK and data in one GPLEV0 read.
 */
#include <string.h>

#include "model.h"

#define MDL_SPIN_NS		(20 * 1000.0)	/* PBUS_DEF_SPIN_US */
#define MDL_TIMEOUT_NS		(5000 * 1000.0)	/* PBUS_DEF_TIMEOUT_US */
#define MDL_CLOCK_EVERY		64		/* issue 11 item 4 */

static const int mdl_dlines[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
/* bus->rd: D0..D7, then ACK (PBUS_RD_ACK). */
static const int mdl_rdlines[9] = { 0, 1, 2, 3, 4, 5, 6, 7, ML_ACK };

static bool h_regs(const struct mdl_sim *x)
{
	return x->cfg->path == MDL_REGS;
}

/* A value on one line: gpiod_set_raw_value_cansleep(), or its register. */
static void h_line(struct mdl_sim *x, int line, bool v)
{
	if (h_regs(x))
		mdl_reg_write(x, MDL_HOST, 1u << line, v, &x->tm);
	else
		mdl_set(x, MDL_HOST, line, v, &x->tm);
}

/* pbus_set_strobe() */
static void h_set_strobe(struct mdl_sim *x, bool level)
{
	x->h.strobe = level;
	h_line(x, ML_STROBE, level);
}

/* pbus_data_set() */
static void h_data_set(struct mdl_sim *x, uint8_t val)
{
	uint32_t changed = val ^ x->h.data_val, zeros = ~val & ML_DMASK;
	int i;

	if (h_regs(x)) {
		/* All eight lines every byte, as the array op does. */
		if (val)
			mdl_reg_write(x, MDL_HOST, val, true, &x->tm);
		if (zeros)
			mdl_reg_write(x, MDL_HOST, zeros, false, &x->tm);
	} else if (x->cfg->multi || x->h.rewrite_all) {
		mdl_set_array(x, MDL_HOST, 8, mdl_dlines, val, &x->tm);
	} else {
		/* No set_multiple: one chip op per line, so skip equal ones. */
		for (i = 0; i < 8; i++)
			if (changed & (1u << i))
				mdl_set(x, MDL_HOST, i, val & (1u << i), &x->tm);
	}
	x->h.rewrite_all = false;
	x->h.data_val = val;
}

/*
 * Issue 11 item 4 on the register path: the data byte in two writes, the
 * STROBE toggle in the second one (the remote samples D a reaction time
 * after the edge, at least one level read later).
 */
static void h_data_strobe(struct mdl_sim *x, uint8_t val)
{
	bool level = !x->h.strobe;
	uint32_t set = val, clr = ~val & ML_DMASK;

	if (level)
		set |= 1u << ML_STROBE;
	else
		clr |= 1u << ML_STROBE;
	if (level) {
		if (clr)
			mdl_reg_write(x, MDL_HOST, clr, false, &x->tm);
		mdl_reg_write(x, MDL_HOST, set, true, &x->tm);
	} else {
		if (set)
			mdl_reg_write(x, MDL_HOST, set, true, &x->tm);
		mdl_reg_write(x, MDL_HOST, clr, false, &x->tm);
	}
	x->h.strobe = level;
	x->h.rewrite_all = false;
	x->h.data_val = val;
}

/* pbus_data_dir() */
static void h_data_dir(struct mdl_sim *x, bool out)
{
	int i;

	for (i = 0; i < 8; i++)
		mdl_dir(x, MDL_HOST, i, out, x->h.data_val & (1u << i),
			&x->tm);
	x->h.data_out = out;
}

/* pbus_sample(): ACK and D0..D7 in one array read (or one GPLEV0 read). */
static bool h_sample(struct mdl_sim *x, uint8_t *data)
{
	uint32_t v;

	if (h_regs(x)) {
		v = mdl_reg_read(x, MDL_HOST, &x->tm);
		*data = v & ML_DMASK;
		return v & (1u << ML_ACK);
	}
	v = mdl_get_array(x, MDL_HOST, 9, mdl_rdlines, &x->tm);
	*data = v & ML_DMASK;
	return v & (1u << 8);
}

/* pbus_data_get() */
static uint8_t h_data_get(struct mdl_sim *x)
{
	return mdl_get_array(x, MDL_HOST, 8, mdl_dlines, &x->tm) & ML_DMASK;
}

/* pbus_wait_ack() */
static int h_wait_ack(struct mdl_sim *x, uint8_t *data)
{
	const struct mdl_costs *c = x->c;
	bool fast = x->cfg->fast_host;
	bool want = x->h.strobe;
	unsigned int polls = 0;
	double start, el = 0;
	uint8_t dummy;
	bool ack;

	struct mdl_count *n = &x->n[MDL_HOST];
	uint64_t rd0;

	mdl_ktime(x, MDL_HOST, &x->tm);
	start = x->tm;
	for (;;) {
		rd0 = n->rd;
		if (data)
			ack = h_sample(x, data);
		else if (h_regs(x))
			ack = h_sample(x, &dummy);
		else
			ack = mdl_get(x, MDL_HOST, ML_ACK, &x->tm);
		n->samples++;
		if (ack == want) {
			n->looks++;
			n->look_rd += n->rd - rd0;
			return 0;
		}
		n->idle_rd += n->rd - rd0;
		polls++;
		if (!fast || !(polls % MDL_CLOCK_EVERY)) {
			mdl_ktime(x, MDL_HOST, &x->tm);
			el = x->tm - start;
		}
		if (el > MDL_TIMEOUT_NS) {
			x->errors++;
			return -1;
		}
		if (el < MDL_SPIN_NS || fast) {
			mdl_cost(&x->tm, c->relax);
		} else {
			x->n[MDL_HOST].slp++;
			mdl_cost(&x->tm, c->usleep);
		}
	}
}

/* pbus_op_put() */
static int h_op_put(void *ctx, const uint8_t *buf, size_t n)
{
	struct mdl_sim *x = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if (h_regs(x) && x->cfg->fast_host) {
			h_data_strobe(x, buf[i]);
		} else {
			h_data_set(x, buf[i]);
			h_set_strobe(x, !x->h.strobe);
		}
		x->handshakes++;
		if (h_wait_ack(x, NULL))
			return -1;
		x->h.wire_bytes++;
	}
	return 0;
}

/* pbus_op_turn_read() */
static int h_op_turn_read(void *ctx)
{
	struct mdl_sim *x = ctx;

	h_data_dir(x, false);
	h_line(x, ML_RW, true);
	return 0;
}

/* pbus_op_get() */
static int h_op_get(void *ctx, uint8_t *buf, size_t n)
{
	struct mdl_sim *x = ctx;
	uint8_t val = 0;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		h_set_strobe(x, !x->h.strobe);
		x->handshakes++;
		if (x->cfg->multi || h_regs(x)) {
			ret = h_wait_ack(x, &val);
		} else {
			ret = h_wait_ack(x, NULL);
			if (!ret) {
				uint64_t rd0 = x->n[MDL_HOST].rd;

				val = h_data_get(x);
				/* The look needs D too: read after ACK. */
				x->n[MDL_HOST].look_rd += x->n[MDL_HOST].rd - rd0;
			}
		}
		if (ret)
			return ret;
		buf[i] = val;
		x->h.wire_bytes++;
	}
	return 0;
}

/* pbus_op_turn_write() */
static int h_op_turn_write(void *ctx)
{
	struct mdl_sim *x = ctx;

	h_line(x, ML_RW, false);
	h_set_strobe(x, !x->h.strobe);
	x->handshakes++;
	if (h_wait_ack(x, NULL))
		return -1;
	x->h.rewrite_all = true;
	h_data_dir(x, true);
	return 0;
}

static const struct pbus_link_ops mdl_link_ops = {
	.put = h_op_put,
	.turn_read = h_op_turn_read,
	.get = h_op_get,
	.turn_write = h_op_turn_write,
};

/* pbus_frame_once(): the CRC over the frame is computed on the host too. */
static int h_frame(void *ctx, bool write, uint8_t tag, uint32_t addr,
		   uint8_t *buf, uint16_t len, bool retry, uint32_t epoch)
{
	struct mdl_sim *x = ctx;
	int r;

	if (!x->h.data_out && h_op_turn_write(x))
		return PBUS_XR_LINK;
	x->h.rewrite_all = true;
	if (write) {
		mdl_cost(&x->tm, x->c->crc * (len + PBUS_HDR_MAX));
		r = pbus_master_write(&mdl_link_ops, x, x->h.xs.tag, addr, buf,
				      len, retry, epoch);
	} else {
		r = pbus_master_read(&mdl_link_ops, x, x->h.xs.tag, addr, buf,
				     len, x->h.scratch);
		mdl_cost(&x->tm, x->c->crc * (len + PBUS_HDR_MAX));
	}
	(void)tag;
	if (r == PBUS_XR_OK)
		x->h.frames++;
	else
		x->retries++;
	return r;
}

/*
 * A handshake timed out (5 ms without ACK): the remote lost an edge. The
 * model has no faults: that is a bug of the model.
 */
static int h_link_up(void *ctx)
{
	struct mdl_sim *x = ctx;

	x->errors++;
	return -1;
}

static const struct pbus_xfer_ops mdl_xfer_ops = {
	.frame = h_frame,
	.link_up = h_link_up,
	.resync = h_link_up,
};

void mdl_host_init(struct mdl_sim *x, uint8_t tag, uint16_t max_payload)
{
	struct mdl_host *h = &x->h;

	memset(h, 0, sizeof(*h));
	h->data_out = true;
	h->xs.link_up = true;
	h->xs.tag = tag;
	h->xs.retries = 8;
	h->xs.max_payload = max_payload;
	h->xs.cur_payload = max_payload;
}

/* pbus_xfer(): one transfer, split into frames by the core. */
int mdl_xfer(struct mdl_sim *x, bool write, uint32_t addr, uint8_t *buf,
	     uint32_t len)
{
	bool doubt;
	int r;

	mdl_cost(&x->tm, x->c->kcall);
	r = pbus_xfer_run(&mdl_xfer_ops, x, &x->h.xs, write, addr, buf, len,
			  &doubt);
	if (r != PBUS_XR_OK)
		x->failed++;
	return r;
}
