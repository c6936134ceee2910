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
#include <linux/pbus-regs.h>

#define PBUS_PROTO_VERSION	2

/* Frame header: cmd, tag, addr (LE32), len (LE16). */
#define PBUS_HDR_LEN		8
/* A write retry's header goes on with the epoch of its original (LE32). */
#define PBUS_EPOCH_LEN		4
#define PBUS_HDR_MAX		(PBUS_HDR_LEN + PBUS_EPOCH_LEN)
#define PBUS_CRC_LEN		4	/* CRC-32C, little-endian */
#define PBUS_RD_CHECK_LEN	1	/* read request: CRC-8 over the header */
#define PBUS_ACK_LEN		2	/* write answer: status, check */
/* Read answer without payload (an error): status, CRC-32C. */
#define PBUS_RD_ERR_LEN		(1 + PBUS_CRC_LEN)
#define PBUS_CMD_MAGIC		0xa0
#define PBUS_CMD_MAGIC_MASK	0xf0
#define PBUS_CMD_WRITE		(PBUS_CMD_MAGIC | 0x1)
#define PBUS_CMD_READ		(PBUS_CMD_MAGIC | 0x2)
/*
 * A write resent after an attempt whose outcome the host does not know,
 * with the remote's epoch the host knew when it sent the original: a
 * remote in another epoch (reset since) that has run no write since
 * cannot know whether the original ran: it answers RESET, never runs it.
 */
#define PBUS_CMD_WRITE_RETRY	(PBUS_CMD_MAGIC | 0x9)

/* Largest payload a frame can describe; a slave advertises its own limit. */
#define PBUS_MAX_PAYLOAD	4096
#define PBUS_MIN_PAYLOAD	16

/*
 * CRC-32C (Castagnoli): reflected poly 0x82f63b78, init and xorout
 * 0xffffffff, appended little-endian. pbus_crc32c() is the raw update
 * (no xor): the kernel's crc32c() in kernel builds, a table elsewhere.
 */
#define PBUS_CRC_INIT		0xffffffffu
#define PBUS_CRC_XOROUT		0xffffffffu
/* Raw CRC register after data followed by its own (LE) CRC-32C. */
#define PBUS_CRC_RESIDUE	0xb798b438u
/* Check bytes of a write answer and a read request: CRC-8 poly 0x07, init 0xff. */
#define PBUS_ACK_INIT		0xff

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
	/* A retried write reached a remote reset since: not run now. */
	PBUS_ST_RESET = 8,
};

/* (code * 0x11) ^ 0xf0: code in both nibbles, high one complemented. */
#define PBUS_STATUS_ENCODE(code)	((u8)((((code) & 0xf) * 0x11) ^ 0xf0))
/* Returns the code, or -1 if the byte is not a valid status encoding. */
int pbus_status_decode(u8 byte);

/* Raw CRC-32C update; a frame's CRC is pbus_crc(). */
u32 pbus_crc32c(u32 crc, const u8 *buf, size_t len);
/* CRC-32C of @len bytes continuing @crc (start: PBUS_CRC_INIT), no xorout. */
static inline u32 pbus_crc_final(u32 crc)
{
	return crc ^ PBUS_CRC_XOROUT;
}

/*
 * Check byte of a write answer: CRC-8 over the header the remote received
 * and the status byte. Binds the answer to the frame (tag, address,
 * length) and makes OK at least 4 bit flips from any other answer.
 */
u8 pbus_ack_check(const u8 hdr[PBUS_HDR_LEN], u8 status);
/*
 * The one validator of a write answer: returns the PBUS_XR_* result for
 * the two bytes @ack received after the frame with header @hdr.
 */
int pbus_ack_decode(const u8 hdr[PBUS_HDR_LEN], const u8 ack[PBUS_ACK_LEN]);
/*
 * Check byte of a read request: CRC-8 over its header (HD 4 over the 72
 * bits). It only spares the remote a read of the wrong place: every read
 * answer is checked by a CRC-32C that starts with the header the remote
 * received, so a damaged request that passes it still cannot be believed.
 */
u8 pbus_read_check(const u8 hdr[PBUS_HDR_LEN]);
/*
 * The one validator of a read answer without payload, [status][CRC-32C
 * over header + status]: returns the PBUS_XR_* result (never PBUS_XR_OK).
 */
int pbus_read_err_decode(const u8 hdr[PBUS_HDR_LEN],
			 const u8 ans[PBUS_RD_ERR_LEN]);

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
	/* final: remote reset since an attempt of unknown outcome */
	PBUS_XR_RESET = -8,
	/*
	 * A write's link op failed before its last byte was strobed: the
	 * remote never had the whole frame, so this attempt did not run.
	 * Resync, retry; unlike PBUS_XR_LINK not in doubt (the retry may
	 * be a shorter frame).
	 */
	PBUS_XR_LINK_EARLY = -10,
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
	return r == PBUS_XR_LINK || r == PBUS_XR_LINK_EARLY ||
	       r == PBUS_XR_CRC || r == PBUS_XR_STATUS || r == PBUS_XR_BUSY;
}

/*
 * After a write attempt with this result the host cannot know whether the
 * remote executed it: every later attempt of that frame goes out as
 * PBUS_CMD_WRITE_RETRY, and must be the identical frame otherwise.
 */
static inline bool pbus_write_in_doubt(int r)
{
	return r == PBUS_XR_LINK || r == PBUS_XR_STATUS;
}

/*
 * One write frame: header, payload, CRC-32C over both, then the two-byte
 * answer. @tag must stay the same across retries of one transaction and
 * change between transactions (the slave uses it to drop duplicate
 * writes). A retry must resend the identical frame; @retry (set after a
 * pbus_write_in_doubt() result) makes it cmd PBUS_CMD_WRITE_RETRY with
 * @epoch (the remote's epoch when the original went out) after the
 * header. len 0 gives PBUS_XR_LEN without touching the wire.
 */
int pbus_master_write(const struct pbus_link_ops *ops, void *ctx, u8 tag,
		      u32 addr, const u8 *buf, u16 len, bool retry,
		      u32 epoch);
/*
 * One read frame: header + its check byte, then status, payload and
 * CRC-32C over header, status and payload (an error: status and CRC-32C
 * over header and status). @buf is written only after the CRC checked
 * out; @scratch must hold len + 1 + PBUS_CRC_LEN bytes. turn_write follows
 * turn_read unless the link failed (the caller then resyncs).
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
 * Master side, whole transfers: the one retry, resync and exactly-once
 * policy (docs/protocol.md "Exactly once", "Failure time bound"), shared
 * by the kernel master, the unit tests and bench/proto-campaign.
 */

/* Link state and knobs of one master; owned by the caller, under its lock. */
struct pbus_xfer_state {
	bool link_up;		/* set and cleared by the link_up/resync ops too */
	u8 tag;			/* moves on when a write frame is done */
	u32 epoch;		/* remote's PBUS_REG_EPOCH, set by link_up; 0: unknown */
	u32 retries;		/* retries per frame */
	u32 max_payload;	/* remote's limit, capped to PBUS_MAX_PAYLOAD */
	u32 cur_payload;	/* adaptive frame payload */
	u32 clean_frames;	/* good frames since the last error or growth */
};

/* Good frames in a row before the payload doubles again. */
#define PBUS_CLEAN_TO_GROW	16

struct pbus_xfer_ops {
	/*
	 * One frame, no retry: the per-frame wire exchange, returning a
	 * PBUS_XR_* result (pbus_master_write() or pbus_master_read()).
	 * @retry and @epoch as for pbus_master_write().
	 */
	int (*frame)(void *ctx, bool write, u8 tag, u32 addr, u8 *buf,
		     u16 len, bool retry, u32 epoch);
	/*
	 * Resync and (re)read the remote's parameters; sets link_up, and on
	 * success epoch, max_payload, cur_payload and clean_frames. Returns
	 * 0 if up.
	 */
	int (*link_up)(void *ctx);
	/* Resync after a LINK result; sets link_up. */
	int (*resync)(void *ctx);
	/* Optional: wait a little after a BUSY answer. */
	void (*backoff)(void *ctx);
	/*
	 * Optional: an attempt is about to be retried (count it). @r is the
	 * result that caused it, 0 for a link-up that failed before.
	 */
	void (*retried)(void *ctx, u32 attempt, int r);
	/*
	 * Optional: a point where the caller may end the transfer. With @r
	 * PBUS_XR_OK it is called between two frames: the previous one is
	 * done (its tag has moved on) and no attempt of the next one has
	 * gone out, so nothing is in doubt and the caller may let other
	 * frames onto the wire here (drop and retake its bus lock). With any
	 * other @r it is called between the attempts of one frame, @r being
	 * the result of the attempt to be retried (PBUS_XR_NOTCONN before a
	 * link-up): the retry must be the next frame the remote sees after
	 * its original (only reads of the resync and link-up in between,
	 * docs/protocol.md "Exactly once"), so the caller must keep the wire
	 * to itself. Returns 0 to go on, or the result to end the transfer
	 * with: the frame in flight is then given up like one whose retries
	 * ran out (in doubt if an attempt was, and the link is taken down if
	 * that attempt ended in PBUS_XR_LINK, since no resync followed it).
	 */
	int (*checkpoint)(void *ctx, int r);
};

/* Link down and still down when the retries ran out (-ENOTCONN). */
#define PBUS_XR_NOTCONN		(-9)
/* The caller's checkpoint ended the transfer (e.g. a fatal signal). */
#define PBUS_XR_INTR		(-10)

/*
 * One transfer of @len bytes at @addr, split into frames of at most
 * cur_payload bytes, each retried up to @st->retries times. Every attempt
 * of one write frame is the identical frame; after an attempt of unknown
 * outcome (pbus_write_in_doubt()) it goes out as PBUS_CMD_WRITE_RETRY with
 * the epoch @st had when that attempt went out, and keeps its length. CRC
 * errors, and link failures of a frame not in doubt, halve cur_payload (not
 * below PBUS_MIN_PAYLOAD); PBUS_CLEAN_TO_GROW good frames double it again.
 * Returns PBUS_XR_OK, the final result of the failing frame,
 * PBUS_XR_NOTCONN, or what ops->checkpoint() ended it with; @in_doubt (may
 * be NULL) tells whether a failed write frame may have run. The frames
 * before the failing one are done (the caller counts them in its frame op).
 */
int pbus_xfer_run(const struct pbus_xfer_ops *ops, void *ctx,
		  struct pbus_xfer_state *st, bool write, u32 addr, u8 *buf,
		  size_t len, bool *in_doubt);

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
	u32 reset_refused; /* retried writes answered RESET */
};

struct pbus_slave_sm {
	const struct pbus_slave_backend *be;
	void *be_ctx;
	u8 *buf;		/* max_payload + PBUS_CRC_LEN + 1 bytes */
	u16 max_payload;

	enum pbus_slave_state state;
	u8 hdr[PBUS_HDR_MAX];	/* header, + epoch for a write retry */
	struct pbus_hdr h;
	u32 pos;		/* bytes of this frame received, or TX index */
	u32 crc;		/* running CRC, SINK after a LEN verdict only */
	u32 rx_crc;		/* CRC bytes received (little-endian) */
	/* The answer unless tx_buf: [status][check] or [status][CRC-32C]. */
	u8 ans[PBUS_RD_ERR_LEN];
	bool tx_buf;		/* TX from buf (read OK), else from ans */
	/* SINK after a LEN verdict: answer CRC unless the frame checks out. */
	bool sink_check;
	u32 sink_expect;	/* frame length implied by the bad header */
	u32 tx_len;		/* bytes queued in buf or ans for TX */
	/*
	 * Changes at pbus_slave_init() and every pbus_slave_restart(), never
	 * 0 (PBUS_REG_EPOCH): a write retry sent in this epoch can trust the
	 * duplicate memory to know whether its original ran.
	 */
	u32 epoch;
	/*
	 * Duplicate write detection: tag and CRC (as a plain write) of the
	 * last write executed with OK in this epoch. @fresh: no write
	 * executed in this epoch yet.
	 */
	bool last_valid;
	bool fresh;
	u8 last_tag;
	u32 last_crc;

	struct pbus_slave_counters cnt;
};

/*
 * @buf must hold max_payload + 1 + PBUS_CRC_LEN bytes. @seed is the first
 * epoch: it must differ from every epoch an earlier init of this remote
 * used (a random number, or a boot counter mixed with a unique ID on a
 * remote without a random source); 0 takes a fixed value, for tests only.
 */
void pbus_slave_init(struct pbus_slave_sm *sm,
		     const struct pbus_slave_backend *be, void *be_ctx,
		     u8 *buf, u16 max_payload, u32 seed);
/*
 * Idle timeout: drop any frame in flight. Counters, the epoch and the
 * duplicate-write memory stay; a hard RESET calls pbus_slave_restart().
 */
void pbus_slave_reset(struct pbus_slave_sm *sm);
/*
 * RESET line: as after pbus_slave_init() (frame dropped, duplicate memory
 * forgotten) except that the counters stay, and the new epoch is the next
 * one of a sequence that does not repeat before 2^32 - 1 restarts.
 */
void pbus_slave_restart(struct pbus_slave_sm *sm);
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
