// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * pbus cost model: what the users of the bus send over it.
 *
 *  - raw transfers: pbusctl bench, one pwrite/pread per transfer;
 *  - rpmsg echo (drivers/rpmsg/pbus_rpmsg_mbox.c, drivers/remote/
 *    pbus_remote_rpmsg.c, drivers/remoteproc/pbus_rproc_monitor.c): per
 *    pass the host writes each message into an inbox slot (slot header +
 *    rpmsg header + payload, one transfer) and then IN_HEAD; the remote's
 *    register hook queues its kick work, which wakes the inbox thread; it
 *    echoes into the outbox and raises PBUS_RP_IRQ_VRING; the host's IRQ
 *    thread reads IRQ_STATUS, clears it (W1C) and reads the IRQ line again,
 *    and queues the rx work, which reads OUT_HEAD, each outbox slot (a
 *    52-byte peek, PBUS_RPMSG_PEEK, then the rest) and writes OUT_TAIL.
 *    The tx pass the IRQ also queues finds nothing to send: no transfer.
 *    With a transport attached a kick rings no doorbell. Eight frames per
 *    496-byte echo, seven for a message of up to 32 bytes;
 *  - firmware load (drivers/remoteproc/pbus_rproc_load.c): the segment in
 *    4 KiB transfers (PBUS_RPROC_CHUNK), then the remote's CRC engine:
 *    CRC_ADDR and CRC_LEN written, CRC_STATUS polled with
 *    usleep_range(200, 1000) until DONE, CRC_RESULT read.
 */
#include <linux/pbus-remote.h>
#include <string.h>

#include "pbus_rpmsg_ept.h"
#include "model.h"

#define MDL_PEEK	(PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_HDR_LEN + 32)
#define MDL_CHUNK	4096
#define MDL_REG(off)	(PBUS_REG_BASE + PBUS_REG_CORE_END + (off))
#define MDL_IN_ADDR	0x30000u
#define MDL_OUT_ADDR	0x38000u
#define MDL_SLOT	(PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_BUF_SIZE)
/* usleep_range(200, 1000) between CRC_STATUS reads, as slept (est.) */
#define MDL_CRC_SLEEP	400000.0

static struct mdl_sim mdl_x;
static uint8_t mdl_buf[64 * 1024], mdl_rbuf[64 * 1024];

static void mdl_fill(uint8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		p[i] = (uint8_t)seed;
	}
}

struct mdl_sim *mdl_scen_sim(const struct mdl_costs *c,
			     const struct mdl_config *cfg, uint16_t maxp,
			     uint8_t tag)
{
	struct mdl_sim *x = &mdl_x;

	mdl_sim_init(x, c, cfg, cfg->path == MDL_MULTIPLE);
	mdl_host_init(x, tag, maxp);
	mdl_remote_init(x, maxp);
	/* As the link-up read it (PBUS_REG_EPOCH): write retries carry it. */
	x->h.xs.epoch = x->r.sm.epoch;
	return x;
}

static void mdl_result(struct mdl_sim *x, double t0, uint64_t bytes,
		       struct mdl_result *res)
{
	mdl_remote_idle(x);
	res->ns = x->tm - t0;
	res->bytes = bytes;
	memcpy(res->n, x->n, sizeof(res->n));
	res->handshakes = x->handshakes;
	res->frames = x->h.frames;
	res->errors = x->errors;
	res->contention = x->contention;
	res->retries = x->retries;
	res->failed = x->failed;
	res->torn = x->r.torn;
}

void mdl_raw(const struct mdl_costs *c, const struct mdl_config *cfg,
	     bool write, uint32_t size, uint32_t count, uint16_t maxp,
	     struct mdl_result *res)
{
	struct mdl_sim *x = mdl_scen_sim(c, cfg, maxp, 0x5a);
	uint32_t i;

	mdl_fill(mdl_buf, size, 0x2545f491u);
	if (!write)
		memcpy(x->r.window, mdl_buf, size);
	for (i = 0; i < count; i++) {
		mdl_cost(&x->tm, c->xfer);	/* pwrite()/pread() */
		if (write) {
			mdl_xfer(x, true, 0, mdl_buf, size);
			continue;
		}
		memset(mdl_rbuf, 0, size);
		/* A transfer that failed may have moved nothing. */
		if (!mdl_xfer(x, false, 0, mdl_rbuf, size) &&
		    memcmp(mdl_rbuf, mdl_buf, size))
			x->errors++;
	}
	if (write && !x->failed && memcmp(x->r.window, mdl_buf, size))
		x->errors++;
	mdl_result(x, 0, (uint64_t)size * count, res);
}

static void mdl_rd32(struct mdl_sim *x, uint32_t addr)
{
	uint8_t v[4];

	mdl_xfer(x, false, addr, v, 4);
}

static void mdl_wr32(struct mdl_sim *x, uint32_t addr, uint32_t val)
{
	uint8_t v[4] = { (uint8_t)val, (uint8_t)(val >> 8),
			 (uint8_t)(val >> 16), (uint8_t)(val >> 24) };

	mdl_xfer(x, true, addr, v, 4);
}

/*
 * @win messages of @payload bytes each way in one pass of each work
 * item; res->ns: from the first send to the last echo delivered.
 */
void mdl_echo(const struct mdl_costs *c, const struct mdl_config *cfg,
	      uint32_t payload, unsigned int win, uint16_t maxp,
	      struct mdl_result *res)
{
	struct mdl_sim *x = mdl_scen_sim(c, cfg, maxp, 0x5a);
	uint32_t slot = PBUS_RP_MBOX_SLOT_HDR + PBUS_EPT_HDR_LEN + payload;
	unsigned int i;

	x->r.irq_enable = PBUS_RP_IRQ_VRING;
	mdl_fill(mdl_buf, slot, 0x1234567u);
	/* The sender's syscall, virtio_rpmsg_bus, the kick (staging). */
	mdl_cost(&x->tm, c->msg);
	mdl_cost(&x->tm, c->work);		/* the tx work */
	for (i = 0; i < win; i++)
		mdl_xfer(x, true, MDL_IN_ADDR + i * MDL_SLOT, mdl_buf, slot);
	mdl_wr32(x, MDL_REG(PBUS_RP_MBOX_IN_HEAD), win);
	/* Remote: kick work, inbox thread, the echo into the outbox (copies). */
	mdl_cost(&x->tm, c->work + c->thread);
	for (i = 0; i < win; i++)
		mdl_cost(&x->tm, 4 * c->sm + 2 * slot * c->crc);
	mdl_remote_raise(x, PBUS_RP_IRQ_VRING, &x->tm);
	/* Host: the IRQ line, the IRQ thread, pbus_rproc_irq(). */
	x->n[MDL_HOST].irq++;
	x->n[MDL_HOST].wakes++;
	mdl_cost(&x->tm, c->irq + c->thread);
	mdl_rd32(x, PBUS_REG_BASE + PBUS_REG_IRQ_STATUS);
	mdl_wr32(x, PBUS_REG_BASE + PBUS_REG_IRQ_STATUS, PBUS_RP_IRQ_VRING);
	if (mdl_get(x, MDL_HOST, ML_IRQ, &x->tm))
		x->errors++;	/* the W1C write lowered it */
	mdl_cost(&x->tm, c->work);		/* the rx work */
	mdl_rd32(x, MDL_REG(PBUS_RP_MBOX_OUT_HEAD));
	for (i = 0; i < win; i++) {
		mdl_xfer(x, false, MDL_OUT_ADDR + i * MDL_SLOT, mdl_buf,
			 MDL_PEEK);
		if (slot > MDL_PEEK)
			mdl_xfer(x, false, MDL_OUT_ADDR + i * MDL_SLOT + MDL_PEEK,
				 mdl_buf, slot - MDL_PEEK);
	}
	mdl_wr32(x, MDL_REG(PBUS_RP_MBOX_OUT_TAIL), win);
	/* rproc_vq_interrupt(), rpmsg_char, the receiver's wake-up. */
	mdl_cost(&x->tm, c->msg);
	mdl_result(x, 0, (uint64_t)payload * win, res);
}

/* One segment of @image bytes, loaded and verified. */
void mdl_fwload(const struct mdl_costs *c, const struct mdl_config *cfg,
		uint32_t image, uint16_t maxp, struct mdl_result *res)
{
	struct mdl_sim *x = mdl_scen_sim(c, cfg, maxp, 0x5a);
	uint32_t off;
	double done;

	mdl_fill(mdl_buf, MDL_CHUNK, 0x600dcafeu);
	for (off = 0; off < image; off += MDL_CHUNK)
		mdl_xfer(x, true, off, mdl_buf, MDL_CHUNK);
	mdl_wr32(x, MDL_REG(PBUS_RP_CRC_ADDR), 0);
	mdl_wr32(x, MDL_REG(PBUS_RP_CRC_LEN), image);
	/* The remote's CRC engine runs meanwhile (crc32_le, est. as CRC-32C). */
	done = x->tm + image * c->crc;
	for (;;) {
		mdl_rd32(x, MDL_REG(PBUS_RP_CRC_STATUS));
		if (x->tm >= done)
			break;
		x->n[MDL_HOST].slp++;
		mdl_cost(&x->tm, MDL_CRC_SLEEP);
	}
	mdl_rd32(x, MDL_REG(PBUS_RP_CRC_RESULT));
	mdl_result(x, 0, image, res);
}
