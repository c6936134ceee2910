/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * pbus wire protocol: the portable core shared by the kernel master and
 * slave ends, the host unit tests, the fuzzer and MCU ports.
 *
 * Nothing in here touches hardware, sleeps or allocates: the master end
 * drives the wires through struct pbus_link_ops, the slave end feeds one
 * strobe edge at a time into pbus_slave_strobe(). See docs/protocol.md.
 */
#ifndef PBUS_PROTO_H
#define PBUS_PROTO_H

#include "pbus_types.h"

#define PBUS_PROTO_VERSION	1

/* Frame header: cmd, tag, addr (LE32), len (LE16). */
#define PBUS_HDR_LEN		8
#define PBUS_CRC_LEN		2
#define PBUS_CMD_MAGIC		0xa0
#define PBUS_CMD_MAGIC_MASK	0xf0
#define PBUS_CMD_WRITE		(PBUS_CMD_MAGIC | 0x1)
#define PBUS_CMD_READ		(PBUS_CMD_MAGIC | 0x2)

/* Largest payload a frame can describe; a slave advertises its own limit. */
#define PBUS_MAX_PAYLOAD	4096
#define PBUS_MIN_PAYLOAD	16

/*
 * CRC-16/CCITT-FALSE: poly 0x1021, MSB first, init 0xffff, no xorout; the
 * kernel build uses crc_itu_t() from lib/crc-itu-t.c, which is this CRC.
 */
#define PBUS_CRC_INIT		0xffff

/*
 * Status byte sent by the slave: low nibble is the code, high nibble its
 * complement, so that a single flipped line can never turn one status
 * into another.
 */
enum pbus_status {
	PBUS_ST_OK = 0,		/* frame executed */
	PBUS_ST_CRC = 1,	/* CRC mismatch: retry */
	PBUS_ST_FRAME = 2,	/* framing/direction error: retry */
	PBUS_ST_ADDR = 3,	/* address outside window/registers */
	PBUS_ST_LEN = 4,	/* length 0 or above the slave's limit */
	PBUS_ST_BUSY = 5,	/* backend busy: retry later */
	PBUS_ST_RO = 6,		/* write to a read-only location */
	PBUS_ST_IDLE = 7,	/* status read with no frame (abort/resync) */
};

/* (code * 0x11) ^ 0xf0: code in both nibbles, high one complemented. */
#define PBUS_STATUS_ENCODE(code)	((u8)((((code) & 0xf) * 0x11) ^ 0xf0))
/* Returns the code, or -1 if the byte is not a valid status encoding. */
int pbus_status_decode(u8 byte);

/* Slave address map: memory window from 0, core registers at the top. */
#define PBUS_REG_BASE		0xffff0000u
#define PBUS_REG_MAGIC		0x00	/* RO: PBUS_MAGIC */
#define PBUS_REG_VERSION	0x04	/* RO: PBUS_PROTO_VERSION */
#define PBUS_REG_WINDOW_SIZE	0x08	/* RO: bytes in the memory window */
#define PBUS_REG_MAX_PAYLOAD	0x0c	/* RO: largest frame payload */
#define PBUS_REG_IRQ_STATUS	0x10	/* W1C: pending attention bits */
#define PBUS_REG_IRQ_ENABLE	0x14	/* RW: which bits drive the IRQ line */
#define PBUS_REG_SCRATCH	0x18	/* RW: free for tests */
#define PBUS_REG_CORE_END	0x100
/* 0x100..0xfff: registers of the slave's user (remote processor). */
#define PBUS_REG_USER		0x100
#define PBUS_REG_END		0x1000
#define PBUS_MAGIC		0x53554250u	/* "PBUS" little-endian */

u16 pbus_crc16(u16 crc, const u8 *buf, size_t len);

struct pbus_hdr {
	u8 cmd;
	u8 tag;
	u32 addr;
	u16 len;
};

void pbus_hdr_pack(const struct pbus_hdr *h, u8 out[PBUS_HDR_LEN]);
/* Returns 0, or -1 if the magic nibble or command is wrong. */
int pbus_hdr_unpack(const u8 in[PBUS_HDR_LEN], struct pbus_hdr *h);

/* ---------------------------------------------------------------------------
 * Master side: one frame per call. The link ops move bytes over the wire
 * and return 0 or a negative value on a handshake timeout.
 */
struct pbus_link_ops {
	/* RW=0 strobes: send @n bytes, host drives the data lines. */
	int (*put)(void *ctx, const u8 *buf, size_t n);
	/* Release the data lines, set RW=1 (no strobe). */
	int (*turn_read)(void *ctx);
	/* RW=1 strobes: receive @n bytes driven by the slave. */
	int (*get)(void *ctx, u8 *buf, size_t n);
	/* RW=0 strobe with the lines released, then drive the lines again. */
	int (*turn_write)(void *ctx);
};

enum pbus_xfer_result {
	PBUS_XR_OK = 0,
	PBUS_XR_LINK = -1,	/* a link op failed (timeout): resync, retry */
	PBUS_XR_CRC = -2,	/* CRC bad on either side: retry */
	PBUS_XR_STATUS = -3,	/* garbled status or PBUS_ST_FRAME: retry */
	PBUS_XR_BUSY = -4,	/* slave busy: retry */
	PBUS_XR_ADDR = -5,	/* final: bad address */
	PBUS_XR_LEN = -6,	/* final: bad length */
	PBUS_XR_RO = -7,	/* final: read-only */
};

/*
 * Map a decoded status code (or -1 for a garbled byte) to the master's
 * result: OK, CRC, BUSY, ADDR, LEN, RO map one to one; FRAME, IDLE, any
 * unknown code and -1 give PBUS_XR_STATUS.
 */
int pbus_status_to_xr(int code);

/* Retry is worth it for these results. */
static inline bool pbus_xfer_retryable(int r)
{
	return r == PBUS_XR_LINK || r == PBUS_XR_CRC ||
	       r == PBUS_XR_STATUS || r == PBUS_XR_BUSY;
}

/*
 * One write frame: header, payload, CRC over both, then the status byte.
 * @tag must stay the same across retries of one transaction and change
 * between transactions (the slave uses it to drop duplicate writes).
 * A retry must resend the identical frame. len 0 gives PBUS_XR_LEN without
 * touching the wire. The CRC is sent big-endian.
 */
int pbus_master_write(const struct pbus_link_ops *ops, void *ctx, u8 tag,
		      u32 addr, const u8 *buf, u16 len);
/*
 * One read frame: header + CRC, then status, payload and CRC over status
 * and payload. @buf is written only after the CRC checked out; @scratch
 * must hold len + 3 bytes. turn_write follows turn_read unless the link
 * failed (the caller then resyncs).
 */
int pbus_master_read(const struct pbus_link_ops *ops, void *ctx, u8 tag,
		     u32 addr, u8 *buf, u16 len,
		     u8 *scratch);
/*
 * Abort whatever the slave is doing: one RW=1 strobe (the slave answers a
 * status, ending any frame) then turn_write. The status read is returned
 * in @status (may be NULL).
 */
int pbus_master_abort(const struct pbus_link_ops *ops, void *ctx,
		      u8 *status);

/* ---------------------------------------------------------------------------
 * Slave side: a state machine fed with one strobe edge at a time.
 */
struct pbus_slave_backend {
	/* Both return a PBUS_ST_* code; called with the slave's lock held. */
	int (*read)(void *ctx, u32 addr, u8 *buf, u16 len);
	int (*write)(void *ctx, u32 addr, const u8 *buf,
		     u16 len);
};

enum pbus_slave_action {
	PBUS_SA_ACK = 0,	/* data latched (or ignored): just toggle ACK */
	PBUS_SA_DRIVE = 1,	/* drive *out on the data lines, then ACK */
	PBUS_SA_RELEASE = 2,	/* release the data lines, then ACK */
};

enum pbus_slave_state {
	PBUS_SS_IDLE,		/* waiting for a header byte */
	PBUS_SS_HDR,		/* receiving the header */
	PBUS_SS_PAYLOAD,	/* receiving write payload */
	PBUS_SS_CRC,		/* receiving the CRC */
	PBUS_SS_SINK,		/* frame judged; swallow bytes until RW=1 */
	PBUS_SS_TX,		/* driving status/payload/CRC */
};

struct pbus_slave_counters {
	u32 frames;	/* frames executed */
	u32 crc_errors;
	u32 frame_errors;
	u32 dup_writes;	/* retried writes acknowledged, not redone */
	u32 aborts;	/* frames cut short by a status read or reset */
};

struct pbus_slave_sm {
	const struct pbus_slave_backend *be;
	void *be_ctx;
	u8 *buf;		/* max_payload + PBUS_CRC_LEN + 1 bytes */
	u16 max_payload;

	enum pbus_slave_state state;
	u8 hdr[PBUS_HDR_LEN];
	struct pbus_hdr h;
	u32 pos;		/* bytes of this frame received, or TX index */
	u16 crc;		/* running CRC over the frame */
	u16 rx_crc;		/* CRC bytes received (big-endian) */
	u8 status;		/* encoded status answered next */
	/* SINK after a LEN verdict: answer CRC unless the frame checks out. */
	bool sink_check;
	u32 sink_expect;	/* frame length implied by the bad header */
	u32 tx_len;		/* bytes queued in buf for TX */
	/* Duplicate write detection: tag and CRC of the last write executed. */
	bool last_valid;
	u8 last_tag;
	u16 last_crc;

	struct pbus_slave_counters cnt;
};

/* @buf must hold max_payload + 3 bytes. */
void pbus_slave_init(struct pbus_slave_sm *sm,
		     const struct pbus_slave_backend *be, void *be_ctx,
		     u8 *buf, u16 max_payload);
/*
 * Idle timeout: drop any frame in flight. Counters and the duplicate-write
 * memory stay; a hard RESET of the remote calls pbus_slave_init() instead.
 */
void pbus_slave_reset(struct pbus_slave_sm *sm);
/*
 * Feed one strobe edge. @rw_read is the RW line, @in the data lines (only
 * meaningful when !rw_read). Returns what to do before toggling ACK.
 */
enum pbus_slave_action pbus_slave_strobe(struct pbus_slave_sm *sm,
					 bool rw_read, u8 in,
					 u8 *out);
/* True when a frame is in flight (used to arm the idle timeout). */
bool pbus_slave_busy(const struct pbus_slave_sm *sm);

#endif /* PBUS_PROTO_H */
