// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host unit tests of the portable rpmsg endpoint layer of the pbus remote
 * (drivers/remote/pbus_rpmsg_ept.c). Last line of output: "N passed, N
 * failed"; exit status non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbus_rpmsg_ept.h"

#include "harness.h"

static unsigned long long rng_state = 1;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 16);
}

/* ------------------------------------------------------------- fake outbox */
#define OUT_SLOTS	8
#define SLOT		(PBUS_EPT_SLOT_HDR + PBUS_EPT_BUF_SIZE)

struct outbox {
	u8 msg[OUT_SLOTS][PBUS_EPT_BUF_SIZE];
	u16 len[OUT_SLOTS];
	unsigned int n;		/* messages held */
	unsigned int room;	/* accepted before -EAGAIN */
	int force;		/* non-zero: returned by every send */
};

static int out_send(void *priv, const u8 *msg, u16 len)
{
	struct outbox *o = priv;

	if (o->force)
		return o->force;
	if (o->n >= o->room || o->n >= OUT_SLOTS)
		return -EAGAIN;
	if (len > PBUS_EPT_BUF_SIZE)
		return -EMSGSIZE;
	memcpy(o->msg[o->n], msg, len);
	o->len[o->n] = len;
	o->n++;
	return 0;
}

static void out_init(struct outbox *o, unsigned int room)
{
	memset(o, 0, sizeof(*o));
	o->room = room;
}

/* Receive callbacks */
struct seen {
	unsigned int calls;
	u32 src;
	u16 len;
	u8 data[PBUS_EPT_BUF_SIZE];
	int ret;		/* returned */
};

static int cb_record(struct pbus_ept_ctx *ctx, struct pbus_ept *ept, u32 src,
		     u8 *msg, u16 len)
{
	struct seen *s = ept->priv;

	(void)ctx;
	s->calls++;
	s->src = src;
	s->len = len;
	memcpy(s->data, PBUS_EPT_PAYLOAD(msg), len);
	return s->ret;
}

static int cb_echo(struct pbus_ept_ctx *ctx, struct pbus_ept *ept, u32 src,
		   u8 *msg, u16 len)
{
	return pbus_ept_sendto(ctx, ept, src, msg, len);
}

/* Build a message (header + payload) into @buf; returns its length. */
static u32 mkmsg(u8 *buf, u32 src, u32 dst, const void *data, u16 len)
{
	struct pbus_ept_hdr h = { .src = src, .dst = dst, .len = len };

	pbus_ept_hdr_encode(buf, &h);
	memmove(buf + PBUS_EPT_HDR_LEN, data, len);
	return PBUS_EPT_HDR_LEN + len;
}

static u32 le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/* ------------------------------------------------------------------- tests */
static void test_hdr(void)
{
	static const u8 want[16] = {
		0x78, 0x56, 0x34, 0x12, 0x35, 0, 0, 0,
		0xef, 0xbe, 0xad, 0xde, 0xf0, 0x01, 0x02, 0x80,
	};
	struct pbus_ept_hdr h = {
		.src = 0x12345678, .dst = 53, .reserved = 0xdeadbeef,
		.len = 496, .flags = 0x8002,
	}, d;
	u8 buf[16], slot[4];

	pbus_ept_hdr_encode(buf, &h);
	CHECK(!memcmp(buf, want, 16));
	pbus_ept_hdr_decode(buf, &d);
	CHECK_EQ(d.src, h.src);
	CHECK_EQ(d.dst, h.dst);
	CHECK_EQ(d.reserved, h.reserved);
	CHECK_EQ(d.len, h.len);
	CHECK_EQ(d.flags, h.flags);
	pbus_ept_slot_hdr_encode(slot, 0x1234);
	CHECK(!memcmp(slot, "\x34\x12\0\0", 4));
	d.len = 0;
	CHECK(pbus_ept_slot_hdr_decode(slot, &d.len));
	CHECK_EQ(d.len, 0x1234);
	slot[3] = 1;
	CHECK(!pbus_ept_slot_hdr_decode(slot, &d.len));
	CHECK_EQ(PBUS_EPT_MTU, 496);
}

static void test_init(void)
{
	struct pbus_ept_ctx ctx;
	struct outbox o;

	CHECK_EQ(pbus_ept_init(&ctx, 0, out_send, &o), 0);
	CHECK_EQ(ctx.buf_size, PBUS_EPT_BUF_SIZE);
	CHECK_EQ(pbus_ept_init(&ctx, 55, out_send, &o), -EINVAL);
	CHECK_EQ(pbus_ept_init(&ctx, 56, out_send, &o), 0);
	CHECK_EQ(pbus_ept_init(&ctx, 512, NULL, &o), -EINVAL);
}

static void test_create(void)
{
	struct pbus_ept *e[PBUS_EPT_MAX + 1], *x;
	struct pbus_ept_ctx ctx;
	struct seen s = { 0 };
	struct outbox o;
	char longname[40];
	unsigned int i;

	pbus_ept_init(&ctx, 0, out_send, &o);
	CHECK_EQ(pbus_ept_create(&ctx, 0x400, "a", cb_record, &s, &e[0]), 0);
	CHECK_EQ(e[0]->addr, 0x400);
	CHECK_EQ(pbus_ept_create(&ctx, 0x400, NULL, cb_record, &s, &x), -EBUSY);
	CHECK(!x);
	CHECK_EQ(pbus_ept_create(&ctx, 53, NULL, cb_record, &s, &x), -EINVAL);
	CHECK_EQ(pbus_ept_create(&ctx, 7, NULL, NULL, &s, &x), -EINVAL);
	memset(longname, 'n', sizeof(longname));
	longname[32] = '\0';
	CHECK_EQ(pbus_ept_create(&ctx, 7, longname, cb_record, &s, &x), -EINVAL);
	longname[31] = '\0';
	CHECK_EQ(pbus_ept_create(&ctx, 7, longname, cb_record, &s, &x), 0);
	CHECK_EQ(strlen(x->name), 31);
	pbus_ept_destroy(&ctx, x);

	/* ANY: lowest free address from 1024 on, skipping 0x400 (1024). */
	CHECK_EQ(pbus_ept_create(&ctx, PBUS_EPT_ADDR_ANY, NULL, cb_record, &s,
				 &e[1]), 0);
	CHECK_EQ(e[1]->addr, 1025);
	for (i = 2; i < PBUS_EPT_MAX; i++) {
		CHECK_EQ(pbus_ept_create(&ctx, PBUS_EPT_ADDR_ANY, NULL,
					 cb_record, &s, &e[i]), 0);
		CHECK_EQ(e[i]->addr, 1024 + i);
	}
	CHECK_EQ(pbus_ept_create(&ctx, 5, NULL, cb_record, &s, &x), -ENOSPC);
	CHECK(pbus_ept_find(&ctx, 1030) == e[6]);
	pbus_ept_destroy(&ctx, e[6]);
	CHECK(!pbus_ept_find(&ctx, 1030));
	CHECK_EQ(pbus_ept_create(&ctx, PBUS_EPT_ADDR_ANY, NULL, cb_record, &s,
				 &x), 0);
	CHECK_EQ(x->addr, 1030);
	pbus_ept_destroy(&ctx, NULL);
}

static void test_dispatch(void)
{
	struct pbus_ept *a, *b;
	struct pbus_ept_ctx ctx;
	struct seen sa = { 0 }, sb = { 0 };
	u8 slot[SLOT];
	struct outbox o;
	u32 n;

	out_init(&o, 8);
	pbus_ept_init(&ctx, 0, out_send, &o);
	pbus_ept_create(&ctx, 0x400, NULL, cb_record, &sa, &a);
	pbus_ept_create(&ctx, 0x401, NULL, cb_record, &sb, &b);

	n = mkmsg(slot + 4, 0x2000, 0x401, "hello", 5);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), 0);
	CHECK_EQ(sb.calls, 1);
	CHECK_EQ(sa.calls, 0);
	CHECK_EQ(sb.src, 0x2000);
	CHECK_EQ(sb.len, 5);
	CHECK(!memcmp(sb.data, "hello", 5));
	CHECK_EQ(ctx.stats.rx, 1);

	/* Empty payload, full payload. */
	n = mkmsg(slot + 4, 1, 0x400, "", 0);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), 0);
	CHECK_EQ(sa.len, 0);
	memset(slot + 4 + 16, 0xa5, PBUS_EPT_MTU);
	n = mkmsg(slot + 4, 1, 0x400, slot + 4 + 16, PBUS_EPT_MTU);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), 0);
	CHECK_EQ(sa.len, PBUS_EPT_MTU);
	CHECK_EQ(sa.data[PBUS_EPT_MTU - 1], 0xa5);

	/* Unknown destination: dropped, counted. */
	n = mkmsg(slot + 4, 1, 0x999, "x", 1);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), -ENXIO);
	CHECK_EQ(ctx.stats.unknown_dst, 1);

	/* Busy endpoint: kept, counted; errors: dropped, counted. */
	sa.ret = -EAGAIN;
	n = mkmsg(slot + 4, 1, 0x400, "y", 1);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), -EAGAIN);
	CHECK_EQ(ctx.stats.rx_busy, 1);
	sa.ret = -ENOMEM;
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), -ENOMEM);
	CHECK_EQ(ctx.stats.rx_err, 1);
	CHECK_EQ(ctx.stats.rx, 3);
	CHECK_EQ(o.n, 0);
}

static void test_malformed(void)
{
	struct pbus_ept_ctx ctx;
	struct seen s = { 0 };
	u8 slot[SLOT + 64];
	struct pbus_ept *a;
	struct outbox o;
	u32 n;

	out_init(&o, 8);
	pbus_ept_init(&ctx, 0, out_send, &o);
	pbus_ept_create(&ctx, 0x400, NULL, cb_record, &s, &a);

	/* Header length one more, one less than the slot's. */
	n = mkmsg(slot + 4, 1, 0x400, "abcd", 4);
	pbus_ept_slot_hdr_encode(slot, n + 1);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	pbus_ept_slot_hdr_encode(slot, n - 1);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	/* Shorter than a header. */
	pbus_ept_slot_hdr_encode(slot, 15);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	pbus_ept_slot_hdr_encode(slot, 0);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	/* Reserved half of the slot header. */
	pbus_ept_slot_hdr_encode(slot, n);
	slot[3] = 1;
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	CHECK_EQ(ctx.stats.malformed, 5);
	/* Longer than the slot; longer than the buffer in a larger slot. */
	pbus_ept_slot_hdr_encode(slot, SLOT - 3);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EMSGSIZE);
	n = mkmsg(slot + 4, 1, 0x400, slot + 20, PBUS_EPT_MTU + 1);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), -EMSGSIZE);
	pbus_ept_slot_hdr_encode(slot, 0xffff);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, sizeof(slot)), -EMSGSIZE);
	CHECK_EQ(ctx.stats.oversize, 3);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, 3), -EBADMSG);
	CHECK_EQ(s.calls, 0);
	/* Name-service message of the wrong size. */
	n = mkmsg(slot + 4, 1, PBUS_EPT_NS_ADDR, "short", 5);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EBADMSG);
	CHECK_EQ(ctx.stats.malformed, 7);
}

static void test_echo_in_place(void)
{
	struct pbus_ept_ctx ctx;
	struct pbus_ept_hdr h;
	u8 slot[SLOT];
	struct pbus_ept *e;
	struct outbox o;
	u32 n;

	out_init(&o, 1);
	pbus_ept_init(&ctx, 0, out_send, &o);
	pbus_ept_create(&ctx, 0x402, "rpmsg-raw", cb_echo, NULL, &e);

	n = mkmsg(slot + 4, 0x401, 0x402, "ping 1", 6);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), 0);
	CHECK_EQ(o.n, 1);
	CHECK_EQ(o.len[0], 22);
	pbus_ept_hdr_decode(o.msg[0], &h);
	CHECK_EQ(h.src, 0x402);
	CHECK_EQ(h.dst, 0x401);
	CHECK_EQ(h.len, 6);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.reserved, 0);
	CHECK(!memcmp(o.msg[0] + 16, "ping 1", 6));

	/* Outbox full: the echo is refused, the message kept for a retry. */
	n = mkmsg(slot + 4, 0x401, 0x402, "ping 2", 6);
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), -EAGAIN);
	CHECK_EQ(ctx.stats.tx_full, 1);
	CHECK_EQ(ctx.stats.rx_busy, 1);
	o.room = 2;
	n = mkmsg(slot + 4, 0x401, 0x402, "ping 2", 6);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), 0);
	CHECK_EQ(o.n, 2);
	CHECK(!memcmp(o.msg[1] + 16, "ping 2", 6));
	CHECK_EQ(ctx.stats.tx, 2);

	/* Sends: MTU enforced, other errors counted. */
	CHECK_EQ(pbus_ept_sendto(&ctx, e, 1, slot, PBUS_EPT_MTU + 1),
		 -EMSGSIZE);
	o.force = -EIO;
	CHECK_EQ(pbus_ept_sendto(&ctx, e, 1, slot, 1), -EIO);
	CHECK_EQ(ctx.stats.tx_err, 1);
	CHECK_EQ(pbus_ept_sendto(&ctx, NULL, 1, slot, 1), -EINVAL);
}

static void test_announce(void)
{
	struct pbus_ept *a, *b, *c, *d;
	struct pbus_ept_ctx ctx;
	struct seen s = { 0 };
	struct pbus_ept_hdr h;
	struct outbox o;

	out_init(&o, 1);
	pbus_ept_init(&ctx, 0, out_send, &o);
	pbus_ept_create(&ctx, 0x400, NULL, cb_record, &s, &a);
	pbus_ept_create(&ctx, 0x401, "rpmsg-client-sample", cb_record, &s, &b);
	pbus_ept_create(&ctx, 0x402, "rpmsg-raw", cb_record, &s, &c);
	pbus_ept_create(&ctx, 0x403, "rpmsg-tty", cb_record, &s, &d);

	/* Room for one: the first is sent, the rest wait. */
	CHECK_EQ(pbus_ept_announce_all(&ctx), -EAGAIN);
	CHECK_EQ(o.n, 1);
	CHECK_EQ(o.len[0], 56);
	pbus_ept_hdr_decode(o.msg[0], &h);
	CHECK_EQ(h.src, 0x401);
	CHECK_EQ(h.dst, 53);
	CHECK_EQ(h.len, 40);
	CHECK(!strcmp((char *)o.msg[0] + 16, "rpmsg-client-sample"));
	CHECK_EQ(o.msg[0][16 + 31], 0);
	CHECK_EQ(le32(o.msg[0] + 48), 0x401);
	CHECK_EQ(le32(o.msg[0] + 52), PBUS_EPT_NS_CREATE);
	CHECK(b->announced && !c->announced);

	o.room = 8;
	CHECK_EQ(pbus_ept_announce_all(&ctx), 0);
	CHECK_EQ(o.n, 3);
	CHECK(!strcmp((char *)o.msg[1] + 16, "rpmsg-raw"));
	CHECK(!strcmp((char *)o.msg[2] + 16, "rpmsg-tty"));
	CHECK_EQ(le32(o.msg[2] + 48), 0x403);
	CHECK_EQ(pbus_ept_announce_all(&ctx), 0);
	CHECK_EQ(o.n, 3);

	/* Other side restarted: all again. */
	pbus_ept_forget_announced(&ctx);
	CHECK_EQ(pbus_ept_announce_all(&ctx), 0);
	CHECK_EQ(o.n, 6);

	CHECK_EQ(pbus_ept_announce(&ctx, c, PBUS_EPT_NS_DESTROY), 0);
	CHECK_EQ(le32(o.msg[6] + 52), PBUS_EPT_NS_DESTROY);
	CHECK_EQ(le32(o.msg[6] + 48), 0x402);
	CHECK(!c->announced);
	CHECK_EQ(pbus_ept_announce(&ctx, a, PBUS_EPT_NS_CREATE), -EINVAL);
	CHECK_EQ(pbus_ept_announce(&ctx, b, 7), -EINVAL);
	CHECK_EQ(ctx.stats.tx, 7);
}

/* Any name and address, whether an endpoint serves it or not. */
static void test_ns_send(void)
{
	char long_name[PBUS_EPT_NAME_SIZE + 1];
	struct pbus_ept_ctx ctx;
	struct pbus_ept_hdr h;
	struct outbox o;
	unsigned int i;

	out_init(&o, 2);
	pbus_ept_init(&ctx, 0, out_send, &o);
	CHECK_EQ(pbus_ept_ns_send(&ctx, "pbus-forged", 0x1000,
				  PBUS_EPT_NS_CREATE), 0);
	CHECK_EQ(o.len[0], 56);
	pbus_ept_hdr_decode(o.msg[0], &h);
	CHECK_EQ(h.src, 0x1000);
	CHECK_EQ(h.dst, PBUS_EPT_NS_ADDR);
	CHECK_EQ(h.len, PBUS_EPT_NS_MSG_LEN);
	CHECK(!strcmp((char *)o.msg[0] + 16, "pbus-forged"));
	/* NUL-padded to the end of the name field */
	for (i = strlen("pbus-forged"); i < PBUS_EPT_NAME_SIZE; i++)
		CHECK_EQ(o.msg[0][16 + i], 0);
	CHECK_EQ(le32(o.msg[0] + 48), 0x1000);
	CHECK_EQ(le32(o.msg[0] + 52), PBUS_EPT_NS_CREATE);
	CHECK_EQ(pbus_ept_ns_send(&ctx, "pbus-forged", 0x1000,
				  PBUS_EPT_NS_DESTROY), 0);
	CHECK_EQ(le32(o.msg[1] + 52), PBUS_EPT_NS_DESTROY);
	/* full: not sent, counted */
	CHECK_EQ(pbus_ept_ns_send(&ctx, "x", 1, PBUS_EPT_NS_CREATE), -EAGAIN);
	CHECK_EQ(ctx.stats.tx_full, 1);

	memset(long_name, 'a', PBUS_EPT_NAME_SIZE);
	long_name[PBUS_EPT_NAME_SIZE] = '\0';
	CHECK_EQ(pbus_ept_ns_send(&ctx, long_name, 1, PBUS_EPT_NS_CREATE),
		 -EINVAL);
	CHECK_EQ(pbus_ept_ns_send(&ctx, "", 1, PBUS_EPT_NS_CREATE), -EINVAL);
	CHECK_EQ(pbus_ept_ns_send(&ctx, NULL, 1, PBUS_EPT_NS_CREATE), -EINVAL);
	CHECK_EQ(pbus_ept_ns_send(&ctx, "x", 1, 2), -EINVAL);
	CHECK_EQ(ctx.stats.tx, 2);
}

static const char *ns_name;
static u32 ns_addr, ns_flags;
static char ns_buf[PBUS_EPT_NAME_SIZE];

static void ns_cb(struct pbus_ept_ctx *ctx, const char *name, u32 addr,
		  u32 flags)
{
	(void)ctx;
	snprintf(ns_buf, sizeof(ns_buf), "%s", name);
	ns_name = ns_buf;
	ns_addr = addr;
	ns_flags = flags;
}

static void test_ns_rx(void)
{
	u8 slot[SLOT], ns[PBUS_EPT_NS_MSG_LEN];
	struct pbus_ept_ctx ctx;
	struct outbox o;
	u32 n;

	out_init(&o, 8);
	pbus_ept_init(&ctx, 0, out_send, &o);
	/* No callback: counted only. */
	memset(ns, 'z', sizeof(ns));	/* name not NUL-terminated */
	ns[32] = 0x10;
	ns[33] = 0x04;
	memcpy(ns + 34, "\0\0\1\0\0\0", 6);
	n = mkmsg(slot + 4, 0x400, PBUS_EPT_NS_ADDR, ns, sizeof(ns));
	pbus_ept_slot_hdr_encode(slot, n);
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), 0);
	CHECK_EQ(ctx.stats.ns_rx, 1);
	ctx.ns_cb = ns_cb;
	n = mkmsg(slot + 4, 0x400, PBUS_EPT_NS_ADDR, ns, sizeof(ns));
	CHECK_EQ(pbus_ept_rx_slot(&ctx, slot, SLOT), 0);
	CHECK(ns_name && strlen(ns_name) == 31);
	CHECK_EQ(ns_addr, 0x410);
	CHECK_EQ(ns_flags, 1);
}

/* Random slots: never a crash (ASan), every outcome counted once. */
static void test_random_slots(void)
{
	struct pbus_ept_ctx ctx;
	struct seen s = { 0 };
	struct pbus_ept *e;
	u8 slot[SLOT];
	struct outbox o;
	unsigned int i, j, counted;
	u32 n;

	out_init(&o, 0);
	pbus_ept_init(&ctx, 0, out_send, &o);
	pbus_ept_create(&ctx, 0x400, NULL, cb_record, &s, &e);
	pbus_ept_create(&ctx, 0x401, "e", cb_echo, NULL, &e);
	for (i = 0; i < 200000; i++) {
		for (j = 0; j < sizeof(slot); j++)
			slot[j] = rnd();
		switch (rnd() % 4) {
		case 0:	/* well-formed, random fields */
			n = rnd() % (PBUS_EPT_MTU + 1);
			mkmsg(slot + 4, rnd(), 0x400 + rnd() % 3, slot + 100,
			      n % (SLOT - 100));
			pbus_ept_slot_hdr_encode(slot, 16 + n % (SLOT - 100));
			break;
		case 1:	/* plausible length */
			slot[0] = rnd() % 2 ? 16 + rnd() % 64 : rnd();
			slot[1] = rnd() % 3;
			slot[2] = 0;
			slot[3] = 0;
			break;
		default:
			break;
		}
		pbus_ept_rx_slot(&ctx, slot, SLOT);
	}
	counted = ctx.stats.rx + ctx.stats.rx_busy + ctx.stats.rx_err +
		  ctx.stats.malformed + ctx.stats.oversize +
		  ctx.stats.unknown_dst + ctx.stats.ns_rx;
	CHECK_EQ(counted, 200000);
	CHECK(ctx.stats.rx > 1000);
	CHECK(ctx.stats.rx_busy > 1000);	/* echoes refused: room 0 */
	CHECK_EQ(o.n, 0);
}

int main(void)
{
	RUN(test_hdr);
	RUN(test_init);
	RUN(test_create);
	RUN(test_dispatch);
	RUN(test_malformed);
	RUN(test_echo_in_place);
	RUN(test_announce);
	RUN(test_ns_send);
	RUN(test_ns_rx);
	RUN(test_random_slots);
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
