/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * rpmsg endpoint layer of the pbus remote processor: portable C shared by
 * pbus_remote.ko, the host unit tests (tests/unit/test_rpmsg_ept.c) and
 * MCU ports. Nothing in here touches hardware, sleeps, allocates or
 * locks: the caller serialises every call on one struct pbus_ept_ctx and
 * moves whole messages through the send callback it provides.
 *
 * Wire formats (all fields little-endian):
 *  - rpmsg message: 16-byte header (le32 src, le32 dst, le32 reserved,
 *    le16 len, le16 flags) then len bytes of payload: the wire format of
 *    the kernel's virtio_rpmsg_bus (its struct rpmsg_hdr, which is private
 *    to drivers/rpmsg/virtio_rpmsg_bus.c). pbus_ept_hdr_encode() and
 *    pbus_ept_hdr_decode() below are its one definition in this suite:
 *    the host's transport (drivers/rpmsg) uses them too;
 *  - name-service message (to PBUS_EPT_NS_ADDR): char name[32], le32 addr,
 *    le32 flags (PBUS_EPT_NS_CREATE or PBUS_EPT_NS_DESTROY): the kernel's
 *    struct rpmsg_ns_msg of <linux/rpmsg/ns.h>, mirrored here for builds
 *    without kernel headers (the host's transport checks at compile time
 *    that both agree);
 *  - mailbox slot (include/linux/pbus-remote.h): le16 len, le16 0, then
 *    one rpmsg message of len bytes (pbus_ept_slot_hdr_encode() and
 *    pbus_ept_slot_hdr_decode()).
 */
#ifndef PBUS_RPMSG_EPT_H
#define PBUS_RPMSG_EPT_H

#include "pbus_types.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

#define PBUS_EPT_HDR_LEN	16	/* rpmsg header */
#define PBUS_EPT_BUF_SIZE	512	/* default buffer: header + payload */
#define PBUS_EPT_MTU		(PBUS_EPT_BUF_SIZE - PBUS_EPT_HDR_LEN)
#define PBUS_EPT_SLOT_HDR	4	/* mailbox slot header */

#define PBUS_EPT_NS_ADDR	53	/* name service, as RPMSG_NS_ADDR */
#define PBUS_EPT_ADDR_ANY	0xffffffffu
#define PBUS_EPT_ADDR_DYN	1024	/* first address given to ADDR_ANY */
#define PBUS_EPT_NAME_SIZE	32	/* NUL included */
#define PBUS_EPT_NS_MSG_LEN	40
#define PBUS_EPT_NS_CREATE	0
#define PBUS_EPT_NS_DESTROY	1

#ifndef PBUS_EPT_MAX
#define PBUS_EPT_MAX		16	/* endpoints per context */
#endif

/* A payload starts this far into a message buffer. */
#define PBUS_EPT_PAYLOAD(msg)	((msg) + PBUS_EPT_HDR_LEN)

/**
 * struct pbus_ept_hdr - decoded rpmsg header, host byte order
 * @src: source address
 * @dst: destination address
 * @reserved: reserved word, sent as 0
 * @len: payload bytes
 * @flags: flags word, sent as 0
 */
struct pbus_ept_hdr {
	u32 src;
	u32 dst;
	u32 reserved;
	u16 len;
	u16 flags;
};

/* Little-endian fields, byte by byte: any alignment, any CPU byte order. */
static inline void pbus_ept_put_le16(u8 *p, u16 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void pbus_ept_put_le32(u8 *p, u32 v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static inline u16 pbus_ept_get_le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 pbus_ept_get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 |
	       (u32)p[3] << 24;
}

/**
 * pbus_ept_hdr_encode() - write a 16-byte rpmsg header
 * @buf: PBUS_EPT_HDR_LEN bytes
 * @hdr: the fields
 *
 * The layout is virtio_rpmsg_bus's struct rpmsg_hdr (see the top of this
 * file).
 */
static inline void pbus_ept_hdr_encode(u8 *buf, const struct pbus_ept_hdr *hdr)
{
	pbus_ept_put_le32(buf, hdr->src);
	pbus_ept_put_le32(buf + 4, hdr->dst);
	pbus_ept_put_le32(buf + 8, hdr->reserved);
	pbus_ept_put_le16(buf + 12, hdr->len);
	pbus_ept_put_le16(buf + 14, hdr->flags);
}

/**
 * pbus_ept_hdr_decode() - read a 16-byte rpmsg header
 * @buf: PBUS_EPT_HDR_LEN bytes
 * @hdr: the fields
 */
static inline void pbus_ept_hdr_decode(const u8 *buf, struct pbus_ept_hdr *hdr)
{
	hdr->src = pbus_ept_get_le32(buf);
	hdr->dst = pbus_ept_get_le32(buf + 4);
	hdr->reserved = pbus_ept_get_le32(buf + 8);
	hdr->len = pbus_ept_get_le16(buf + 12);
	hdr->flags = pbus_ept_get_le16(buf + 14);
}

/**
 * pbus_ept_slot_hdr_encode() - write a mailbox slot header
 * @buf: PBUS_EPT_SLOT_HDR bytes
 * @len: bytes of the message that follows
 */
static inline void pbus_ept_slot_hdr_encode(u8 *buf, u16 len)
{
	pbus_ept_put_le16(buf, len);
	pbus_ept_put_le16(buf + 2, 0);
}

/**
 * pbus_ept_slot_hdr_decode() - read a mailbox slot header
 * @buf: PBUS_EPT_SLOT_HDR bytes
 * @len: bytes of the message that follows, as the header says
 *
 * Return: true when the header's reserved half is zero, as it must be.
 */
static inline bool pbus_ept_slot_hdr_decode(const u8 *buf, u16 *len)
{
	*len = pbus_ept_get_le16(buf);
	return !pbus_ept_get_le16(buf + 2);
}

struct pbus_ept;
struct pbus_ept_ctx;

/*
 * Receive callback: @msg is the whole message buffer (header, then @len
 * bytes of payload at PBUS_EPT_PAYLOAD(@msg)), writable and at least
 * PBUS_EPT_HDR_LEN + @len bytes long, so that a callback may reply in
 * place with pbus_ept_sendto(ctx, ept, src, msg, len). Return 0 when the
 * message was consumed, -EAGAIN to keep it and have it dispatched again
 * later (the endpoint cannot take it now: the caller stops consuming),
 * any other negative errno to drop it (counted in rx_err).
 */
typedef int (*pbus_ept_cb_t)(struct pbus_ept_ctx *ctx, struct pbus_ept *ept,
			     u32 src, u8 *msg, u16 len);

/*
 * Send callback: move the whole message (@len bytes, header included)
 * to the other side. Return 0, -EAGAIN when there is no room now (the
 * message was not taken), or another negative errno.
 */
typedef int (*pbus_ept_send_t)(void *priv, const u8 *msg, u16 len);

/* Name-service message received (the other side announced a channel). */
typedef void (*pbus_ept_ns_cb_t)(struct pbus_ept_ctx *ctx, const char *name,
				 u32 addr, u32 flags);

/**
 * struct pbus_ept - one local endpoint
 * @addr: local address
 * @used: slot in use
 * @announced: the CREATE announcement was sent
 * @name: channel name to announce, "" for none
 * @cb: receive callback
 * @priv: for the callback
 */
struct pbus_ept {
	u32 addr;
	bool used;
	bool announced;
	char name[PBUS_EPT_NAME_SIZE];
	pbus_ept_cb_t cb;
	void *priv;
};

/**
 * struct pbus_ept_stats - counters, never reset by the layer
 * @rx: messages delivered to an endpoint
 * @rx_busy: deliveries refused with -EAGAIN (kept for a retry)
 * @rx_err: messages an endpoint failed on (dropped)
 * @malformed: dropped: slot header reserved bits set, message shorter
 *	than a header, or header length not the slot length - 16
 * @oversize: dropped: longer than the buffer size or the slot
 * @unknown_dst: dropped: no endpoint at the destination
 * @ns_rx: name-service messages received
 * @tx: messages sent
 * @tx_full: sends refused with -EAGAIN (no room)
 * @tx_err: sends that failed otherwise
 */
struct pbus_ept_stats {
	u32 rx;
	u32 rx_busy;
	u32 rx_err;
	u32 malformed;
	u32 oversize;
	u32 unknown_dst;
	u32 ns_rx;
	u32 tx;
	u32 tx_full;
	u32 tx_err;
};

/**
 * struct pbus_ept_ctx - an endpoint table and its output
 * @ept: the endpoints
 * @send: output callback
 * @priv: for @send
 * @ns_cb: name-service messages received, may be NULL
 * @buf_size: largest message, header included
 * @stats: counters
 */
struct pbus_ept_ctx {
	struct pbus_ept ept[PBUS_EPT_MAX];
	pbus_ept_send_t send;
	void *priv;
	pbus_ept_ns_cb_t ns_cb;
	u16 buf_size;
	struct pbus_ept_stats stats;
};

int pbus_ept_init(struct pbus_ept_ctx *ctx, u16 buf_size,
		  pbus_ept_send_t send, void *priv);

int pbus_ept_create(struct pbus_ept_ctx *ctx, u32 addr, const char *name,
		    pbus_ept_cb_t cb, void *priv, struct pbus_ept **out);
void pbus_ept_destroy(struct pbus_ept_ctx *ctx, struct pbus_ept *ept);
struct pbus_ept *pbus_ept_find(struct pbus_ept_ctx *ctx, u32 addr);

int pbus_ept_sendto(struct pbus_ept_ctx *ctx, struct pbus_ept *ept, u32 dst,
		    u8 *msg, u16 len);
int pbus_ept_ns_send(struct pbus_ept_ctx *ctx, const char *name, u32 addr,
		     u32 flags);
int pbus_ept_announce(struct pbus_ept_ctx *ctx, struct pbus_ept *ept,
		      u32 flags);
int pbus_ept_announce_all(struct pbus_ept_ctx *ctx);
void pbus_ept_forget_announced(struct pbus_ept_ctx *ctx);

int pbus_ept_rx(struct pbus_ept_ctx *ctx, u8 *msg, u32 len);
int pbus_ept_rx_slot(struct pbus_ept_ctx *ctx, u8 *slot, u32 slot_size);

#endif /* PBUS_RPMSG_EPT_H */
