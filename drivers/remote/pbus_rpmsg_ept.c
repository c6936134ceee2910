// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * rpmsg endpoint layer of the pbus remote processor: endpoint table,
 * dispatch of received messages and name-service announcements (the
 * encoders of the wire formats are inline in pbus_rpmsg_ept.h, shared with
 * the host's transport). Portable: see pbus_rpmsg_ept.h.
 *
 * Every length comes from the other side and is checked before use: a
 * received slot must hold a whole message (slot header length at most
 * the slot's room and the buffer size, at least a header) whose header
 * length is exactly the rest; anything else is dropped and counted.
 */
#include "pbus_rpmsg_ept.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

/**
 * pbus_ept_init() - set up an empty endpoint table
 * @ctx: the context
 * @buf_size: largest message, header included; 0 for PBUS_EPT_BUF_SIZE;
 *	at least a header and a name-service message
 * @send: output callback
 * @priv: for @send
 *
 * Return: 0, or -EINVAL for a bad @buf_size or no @send.
 */
int pbus_ept_init(struct pbus_ept_ctx *ctx, u16 buf_size,
		  pbus_ept_send_t send, void *priv)
{
	memset(ctx, 0, sizeof(*ctx));
	if (!buf_size)
		buf_size = PBUS_EPT_BUF_SIZE;
	if (buf_size < PBUS_EPT_HDR_LEN + PBUS_EPT_NS_MSG_LEN || !send)
		return -EINVAL;
	ctx->buf_size = buf_size;
	ctx->send = send;
	ctx->priv = priv;
	return 0;
}

/**
 * pbus_ept_find() - the endpoint at an address
 * @ctx: the context
 * @addr: local address
 *
 * Return: the endpoint, or NULL.
 */
struct pbus_ept *pbus_ept_find(struct pbus_ept_ctx *ctx, u32 addr)
{
	unsigned int i;

	for (i = 0; i < PBUS_EPT_MAX; i++)
		if (ctx->ept[i].used && ctx->ept[i].addr == addr)
			return &ctx->ept[i];
	return NULL;
}

/**
 * pbus_ept_create() - create an endpoint
 * @ctx: the context
 * @addr: its address, or PBUS_EPT_ADDR_ANY for the lowest free one from
 *	PBUS_EPT_ADDR_DYN on
 * @name: channel name to announce (shorter than PBUS_EPT_NAME_SIZE), or
 *	NULL for an endpoint that is not announced
 * @cb: receive callback
 * @priv: for @cb
 * @out: the new endpoint
 *
 * Return: 0, -EINVAL (no @cb, name too long, @addr is the name-service
 * address), -EBUSY (@addr taken) or -ENOSPC (table or addresses full).
 */
int pbus_ept_create(struct pbus_ept_ctx *ctx, u32 addr, const char *name,
		    pbus_ept_cb_t cb, void *priv, struct pbus_ept **out)
{
	struct pbus_ept *ept = NULL;
	size_t nlen = 0;
	unsigned int i;

	*out = NULL;
	if (!cb || addr == PBUS_EPT_NS_ADDR)
		return -EINVAL;
	if (name) {
		nlen = strnlen(name, PBUS_EPT_NAME_SIZE);
		if (nlen >= PBUS_EPT_NAME_SIZE)
			return -EINVAL;
	}
	for (i = 0; i < PBUS_EPT_MAX && !ept; i++)
		if (!ctx->ept[i].used)
			ept = &ctx->ept[i];
	if (!ept)
		return -ENOSPC;

	if (addr == PBUS_EPT_ADDR_ANY) {
		/* At most PBUS_EPT_MAX - 1 addresses are taken. */
		for (addr = PBUS_EPT_ADDR_DYN; pbus_ept_find(ctx, addr); addr++)
			;
	} else if (pbus_ept_find(ctx, addr)) {
		return -EBUSY;
	}

	memset(ept, 0, sizeof(*ept));
	ept->addr = addr;
	ept->cb = cb;
	ept->priv = priv;
	if (nlen)
		memcpy(ept->name, name, nlen);
	ept->used = true;
	*out = ept;
	return 0;
}

/**
 * pbus_ept_destroy() - free an endpoint (no announcement is sent)
 * @ctx: the context
 * @ept: the endpoint, or NULL
 */
void pbus_ept_destroy(struct pbus_ept_ctx *ctx, struct pbus_ept *ept)
{
	(void)ctx;
	if (ept)
		memset(ept, 0, sizeof(*ept));
}

/* Send @msg with its header already written; counts the outcome. */
static int pbus_ept_out(struct pbus_ept_ctx *ctx, const u8 *msg, u16 len)
{
	int ret = ctx->send(ctx->priv, msg, len);

	if (!ret)
		ctx->stats.tx++;
	else if (ret == -EAGAIN)
		ctx->stats.tx_full++;
	else
		ctx->stats.tx_err++;
	return ret;
}

/**
 * pbus_ept_sendto() - send a message from an endpoint
 * @ctx: the context
 * @ept: the source endpoint
 * @dst: destination address
 * @msg: buffer: PBUS_EPT_HDR_LEN bytes of room for the header (written
 *	here), then @len bytes of payload
 * @len: payload bytes
 *
 * Return: 0, -EINVAL (no endpoint), -EMSGSIZE (@len above the buffer
 * size's payload), or what the send callback returned (-EAGAIN: no room,
 * nothing sent).
 */
int pbus_ept_sendto(struct pbus_ept_ctx *ctx, struct pbus_ept *ept, u32 dst,
		    u8 *msg, u16 len)
{
	struct pbus_ept_hdr hdr = { .dst = dst, .len = len };

	if (!ept || !ept->used)
		return -EINVAL;
	if (len > ctx->buf_size - PBUS_EPT_HDR_LEN)
		return -EMSGSIZE;
	hdr.src = ept->addr;
	pbus_ept_hdr_encode(msg, &hdr);
	return pbus_ept_out(ctx, msg, PBUS_EPT_HDR_LEN + len);
}

/**
 * pbus_ept_ns_send() - send a name-service message for any channel
 * @ctx: the context
 * @name: channel name, not empty, shorter than PBUS_EPT_NAME_SIZE
 * @addr: the channel's address, also the message's source
 * @flags: PBUS_EPT_NS_CREATE or PBUS_EPT_NS_DESTROY
 *
 * pbus_ept_announce() announces an endpoint of the table; this announces
 * what the caller says, whether an endpoint serves it or not (an alias,
 * or a test of the other side's bounds).
 *
 * Return: 0, -EINVAL (bad @name or @flags) or the send callback's error.
 */
int pbus_ept_ns_send(struct pbus_ept_ctx *ctx, const char *name, u32 addr,
		     u32 flags)
{
	u8 msg[PBUS_EPT_HDR_LEN + PBUS_EPT_NS_MSG_LEN];
	struct pbus_ept_hdr hdr = {
		.src = addr,
		.dst = PBUS_EPT_NS_ADDR,
		.len = PBUS_EPT_NS_MSG_LEN,
	};
	u8 *p = PBUS_EPT_PAYLOAD(msg);
	size_t nlen;

	nlen = name ? strnlen(name, PBUS_EPT_NAME_SIZE) : 0;
	if (!nlen || nlen >= PBUS_EPT_NAME_SIZE ||
	    (flags != PBUS_EPT_NS_CREATE && flags != PBUS_EPT_NS_DESTROY))
		return -EINVAL;
	pbus_ept_hdr_encode(msg, &hdr);
	/* NUL-padded */
	memset(p, 0, PBUS_EPT_NAME_SIZE);
	memcpy(p, name, nlen);
	pbus_ept_put_le32(p + PBUS_EPT_NAME_SIZE, addr);
	pbus_ept_put_le32(p + PBUS_EPT_NAME_SIZE + 4, flags);
	return pbus_ept_out(ctx, msg, sizeof(msg));
}

/**
 * pbus_ept_announce() - send a name-service message for an endpoint
 * @ctx: the context
 * @ept: an endpoint with a name
 * @flags: PBUS_EPT_NS_CREATE or PBUS_EPT_NS_DESTROY
 *
 * Return: 0, -EINVAL (no name, bad @flags) or the send callback's error.
 */
int pbus_ept_announce(struct pbus_ept_ctx *ctx, struct pbus_ept *ept,
		      u32 flags)
{
	int ret;

	if (!ept || !ept->used || !ept->name[0])
		return -EINVAL;
	ret = pbus_ept_ns_send(ctx, ept->name, ept->addr, flags);
	if (!ret)
		ept->announced = flags == PBUS_EPT_NS_CREATE;
	return ret;
}

/**
 * pbus_ept_announce_all() - announce every named endpoint not yet announced
 * @ctx: the context
 *
 * Stops at the first failure; calling it again resumes there.
 *
 * Return: 0 once all are announced, else the send callback's error.
 */
int pbus_ept_announce_all(struct pbus_ept_ctx *ctx)
{
	struct pbus_ept *ept;
	unsigned int i;
	int ret;

	for (i = 0; i < PBUS_EPT_MAX; i++) {
		ept = &ctx->ept[i];
		if (!ept->used || !ept->name[0] || ept->announced)
			continue;
		ret = pbus_ept_announce(ctx, ept, PBUS_EPT_NS_CREATE);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * pbus_ept_forget_announced() - the other side restarted: announce again
 * @ctx: the context
 */
void pbus_ept_forget_announced(struct pbus_ept_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < PBUS_EPT_MAX; i++)
		ctx->ept[i].announced = false;
}

static int pbus_ept_ns_rx(struct pbus_ept_ctx *ctx, const u8 *p, u16 len)
{
	char name[PBUS_EPT_NAME_SIZE];

	if (len != PBUS_EPT_NS_MSG_LEN) {
		ctx->stats.malformed++;
		return -EBADMSG;
	}
	ctx->stats.ns_rx++;
	memcpy(name, p, PBUS_EPT_NAME_SIZE);
	name[PBUS_EPT_NAME_SIZE - 1] = '\0';
	if (ctx->ns_cb)
		ctx->ns_cb(ctx, name, pbus_ept_get_le32(p + PBUS_EPT_NAME_SIZE),
			   pbus_ept_get_le32(p + PBUS_EPT_NAME_SIZE + 4));
	return 0;
}

/**
 * pbus_ept_rx() - dispatch one received message
 * @ctx: the context
 * @msg: the message (header and payload), writable
 * @len: its length as framed by the transport
 *
 * Return: 0 when delivered; -EAGAIN when the endpoint is busy (keep the
 * message and call again later); when dropped (and counted): -EMSGSIZE
 * (longer than the buffer size), -EBADMSG (shorter than a header, or the
 * header's length is not @len - 16), -ENXIO (no endpoint at the
 * destination) or the callback's error.
 */
int pbus_ept_rx(struct pbus_ept_ctx *ctx, u8 *msg, u32 len)
{
	struct pbus_ept_hdr hdr;
	struct pbus_ept *ept;
	int ret;

	if (len > ctx->buf_size) {
		ctx->stats.oversize++;
		return -EMSGSIZE;
	}
	if (len < PBUS_EPT_HDR_LEN) {
		ctx->stats.malformed++;
		return -EBADMSG;
	}
	pbus_ept_hdr_decode(msg, &hdr);
	if (hdr.len != len - PBUS_EPT_HDR_LEN) {
		ctx->stats.malformed++;
		return -EBADMSG;
	}
	if (hdr.dst == PBUS_EPT_NS_ADDR)
		return pbus_ept_ns_rx(ctx, PBUS_EPT_PAYLOAD(msg), hdr.len);

	ept = pbus_ept_find(ctx, hdr.dst);
	if (!ept) {
		ctx->stats.unknown_dst++;
		return -ENXIO;
	}
	ret = ept->cb(ctx, ept, hdr.src, msg, hdr.len);
	if (!ret)
		ctx->stats.rx++;
	else if (ret == -EAGAIN)
		ctx->stats.rx_busy++;
	else
		ctx->stats.rx_err++;
	return ret;
}

/**
 * pbus_ept_rx_slot() - dispatch the message of one mailbox slot
 * @ctx: the context
 * @slot: the slot: PBUS_EPT_SLOT_HDR bytes of header, then the message
 * @slot_size: bytes in @slot
 *
 * Return: as pbus_ept_rx(); also -EBADMSG when the slot header's reserved
 * half is not zero and -EMSGSIZE when its length exceeds the slot.
 */
int pbus_ept_rx_slot(struct pbus_ept_ctx *ctx, u8 *slot, u32 slot_size)
{
	u16 len;

	if (slot_size < PBUS_EPT_SLOT_HDR ||
	    !pbus_ept_slot_hdr_decode(slot, &len)) {
		ctx->stats.malformed++;
		return -EBADMSG;
	}
	if (len > slot_size - PBUS_EPT_SLOT_HDR) {
		ctx->stats.oversize++;
		return -EMSGSIZE;
	}
	return pbus_ept_rx(ctx, slot + PBUS_EPT_SLOT_HDR, len);
}
