// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: the name service.
 *
 * Static channels from the device tree (remotes that never announce) are
 * announced to the host's name service as if the remote had sent them,
 * once per binding of the virtio driver.
 *
 * The remote's own announcements (messages to RPMSG_NS_ADDR) pass through
 * pbus_rpmsg_ns_filter() on their way to virtio_rpmsg_bus, whose name
 * service creates an rpmsg device (and probes its driver) for each
 * creation and logs an error for each it cannot honour. A remote that
 * lies would otherwise create channels without end and flood the log.
 * So, per session (from the remote's first announcements to the end of
 * the virtio binding), the transport keeps the channels the remote
 * announced and did not destroy, and drops, counts (debugfs stats) and
 * logs (ratelimited):
 *  - a creation when ns_max_channels of its channels are live (count);
 *  - any announcement beyond a token bucket of ns_max_channels tokens
 *    refilled at ns_rate per second, full at the start of each session,
 *    so that a remote announcing all its channels at once is never
 *    limited (rate);
 *  - a creation of a channel that is live already (virtio_rpmsg_bus would
 *    refuse it and log), and a destruction of a channel the remote never
 *    announced, unless the transport took over a running session and
 *    cannot know (then it costs a token);
 *  - a message to RPMSG_NS_ADDR that is not one struct rpmsg_ns_msg
 *    (malformed).
 * Destroying a live channel is never limited. A destruction is what
 * rpmsg_ns takes for one (flags & RPMSG_NS_DESTROY); a channel is its
 * name and address, as for rpmsg_ns. Everything here runs under
 * @rp->mutex (the rx pass and session changes).
 */

#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/of.h>
#include <linux/remoteproc.h>
#include <linux/rpmsg/ns.h>
#include <linux/string.h>

#include "pbus_rpmsg.h"

static unsigned int ns_max_channels = 32;
module_param(ns_max_channels, uint, 0644);
MODULE_PARM_DESC(ns_max_channels,
		 "channels the remote may have announced and not destroyed, 1..256; also the burst of ns_rate (default 32)");

static unsigned int ns_rate = 8;
module_param(ns_rate, uint, 0644);
MODULE_PARM_DESC(ns_rate,
		 "name-service announcements of the remote per second beyond the burst, 1..1000 (default 8)");

/*
 * The name-service message is the kernel's struct rpmsg_ns_msg; the
 * remote's endpoint layer, which has no kernel headers, mirrors it.
 */
static_assert(PBUS_EPT_NS_ADDR == RPMSG_NS_ADDR);
static_assert(PBUS_EPT_NAME_SIZE == RPMSG_NAME_SIZE);
static_assert(sizeof(struct rpmsg_ns_msg) == PBUS_EPT_NS_MSG_LEN);
static_assert(PBUS_EPT_NS_CREATE == RPMSG_NS_CREATE);
static_assert(PBUS_EPT_NS_DESTROY == RPMSG_NS_DESTROY);

/* Announce the next static channel into an rx buffer. */
void pbus_rpmsg_ns_static(struct pbus_rpmsg *rp,
			  const struct pbus_rpmsg_chan *chan, void *buf,
			  u16 head)
{
	struct rpmsg_ns_msg *ns = buf + PBUS_EPT_HDR_LEN;
	struct pbus_ept_hdr hdr = {
		.src = chan->addr,
		.dst = RPMSG_NS_ADDR,
		.len = sizeof(*ns),
	};

	/* little-endian: the rpmsg vdev is legacy virtio on an LE host */
	pbus_ept_hdr_encode(buf, &hdr);
	memset(ns, 0, sizeof(*ns));
	strscpy(ns->name, chan->name, sizeof(ns->name));
	ns->addr = __cpu_to_rpmsg32(true, chan->addr);
	ns->flags = __cpu_to_rpmsg32(true, RPMSG_NS_CREATE);
	pbus_rpmsg_vq_put(&rp->rx, head, PBUS_EPT_HDR_LEN + sizeof(*ns));
}

/*
 * Static channels: a "rpmsg-channels" child of the remoteproc's node, one
 * subnode per channel with "channel-name" and "reg" (the remote address).
 */
void pbus_rpmsg_parse_chans(struct pbus_rpmsg *rp)
{
	struct device_node *np = rp->rproc->dev.parent->of_node;
	struct device_node *chans, *child;
	struct pbus_rpmsg_chan *chan;
	const char *name;
	u32 addr;

	chans = of_get_child_by_name(np, "rpmsg-channels");
	if (!chans)
		return;

	for_each_available_child_of_node(chans, child) {
		if (rp->nchans >= PBUS_RPMSG_MAX_CHANS) {
			dev_warn(rp->dev, "more than %u static rpmsg channels: rest ignored\n",
				 PBUS_RPMSG_MAX_CHANS);
			of_node_put(child);
			break;
		}
		if (of_property_read_string(child, "channel-name", &name) ||
		    of_property_read_u32(child, "reg", &addr) ||
		    strlen(name) >= RPMSG_NAME_SIZE ||
		    addr == RPMSG_NS_ADDR) {
			dev_warn(rp->dev, "%pOF: bad static rpmsg channel: ignored\n",
				 child);
			continue;
		}
		chan = &rp->chans[rp->nchans++];
		strscpy(chan->name, name, sizeof(chan->name));
		chan->addr = addr;
	}
	of_node_put(chans);
}

/**
 * pbus_rpmsg_ns_reset() - the binding's channels are gone (or unknown)
 * @rp: the transport, @rp->mutex held
 */
void pbus_rpmsg_ns_reset(struct pbus_rpmsg *rp)
{
	lockdep_assert_held(&rp->mutex);
	rp->ns_nlive = 0;
	rp->ns_known = false;
}

/**
 * pbus_rpmsg_ns_begin() - a session starts: the bucket is full
 * @rp: the transport, @rp->mutex held
 * @known: the remote announces every channel of this binding from now on
 *	(a 0 -> HOST_READY transition); false when taking over a running
 *	session, whose channels were announced before
 */
void pbus_rpmsg_ns_begin(struct pbus_rpmsg *rp, bool known)
{
	pbus_rpmsg_ns_reset(rp);
	rp->ns_known = known;
	rp->ns_tokens = (u64)PBUS_RPMSG_NS_MAX * HZ;	/* clamped at use */
	rp->ns_stamp = jiffies;
}

static unsigned int pbus_rpmsg_ns_limit(void)
{
	return clamp(READ_ONCE(ns_max_channels), 1U, (unsigned int)PBUS_RPMSG_NS_MAX);
}

/* Take one token of the bucket; false when it is empty. */
static bool pbus_rpmsg_ns_token(struct pbus_rpmsg *rp)
{
	u64 full = (u64)pbus_rpmsg_ns_limit() * HZ;
	unsigned int rate = clamp(READ_ONCE(ns_rate), 1U, 1000U);
	unsigned long now = jiffies;

	rp->ns_tokens = min(rp->ns_tokens + (u64)(now - rp->ns_stamp) * rate,
			    full);
	rp->ns_stamp = now;
	if (rp->ns_tokens < HZ)
		return false;
	rp->ns_tokens -= HZ;
	return true;
}

static int pbus_rpmsg_ns_find(struct pbus_rpmsg *rp, const char *name,
			      u32 addr)
{
	unsigned int i;

	for (i = 0; i < rp->ns_nlive; i++)
		if (rp->ns_live[i].addr == addr &&
		    !strncmp(rp->ns_live[i].name, name, RPMSG_NAME_SIZE))
			return i;
	return -ENOENT;
}

static void pbus_rpmsg_ns_drop(struct pbus_rpmsg *rp, unsigned long *count,
			       bool destroy, const char *name, u32 addr,
			       const char *why)
{
	(*count)++;
	dev_warn_ratelimited(rp->dev, "remote's name service: %s of '%s' at %#x dropped: %s\n",
			     destroy ? "destruction" : "creation", name, addr,
			     why);
}

/**
 * pbus_rpmsg_ns_filter() - bound the remote's name-service announcements
 * @rp: the transport, @rp->mutex held
 * @msg: a message from the outbox (rpmsg header and payload)
 * @len: its length, at least the rpmsg header, checked against the header
 *
 * Return: true to deliver the message, false when it is dropped (counted
 * and logged here).
 */
bool pbus_rpmsg_ns_filter(struct pbus_rpmsg *rp, const u8 *msg, u32 len)
{
	const struct rpmsg_ns_msg *ns = (const void *)(msg + PBUS_EPT_HDR_LEN);
	char name[RPMSG_NAME_SIZE];
	struct pbus_ept_hdr hdr;
	bool destroy;
	u32 addr;
	int i;

	lockdep_assert_held(&rp->mutex);
	pbus_ept_hdr_decode(msg, &hdr);
	if (hdr.dst != RPMSG_NS_ADDR)
		return true;

	rp->ns_rx++;
	if (hdr.len != sizeof(*ns)) {
		rp->malformed++;
		dev_warn_ratelimited(rp->dev, "remote's name service: message of %u bytes, not %zu: dropped\n",
				     hdr.len, sizeof(*ns));
		return false;
	}
	/* as rpmsg_ns reads it: the name may lack its NUL */
	memcpy(name, ns->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	addr = __rpmsg32_to_cpu(true, ns->addr);
	destroy = __rpmsg32_to_cpu(true, ns->flags) & RPMSG_NS_DESTROY;
	i = pbus_rpmsg_ns_find(rp, name, addr);

	if (destroy) {
		if (i >= 0) {
			rp->ns_live[i] = rp->ns_live[--rp->ns_nlive];
		} else if (rp->ns_known) {
			pbus_rpmsg_ns_drop(rp, &rp->ns_unknown, true, name, addr,
					   "never announced");
			return false;
		} else if (!pbus_rpmsg_ns_token(rp)) {
			pbus_rpmsg_ns_drop(rp, &rp->ns_over_rate, true, name,
					   addr, "above ns_rate");
			return false;
		}
		rp->ns_destroyed++;
		return true;
	}

	if (i >= 0) {
		pbus_rpmsg_ns_drop(rp, &rp->ns_duplicates, false, name, addr,
				   "announced already");
		return false;
	}
	if (rp->ns_nlive >= pbus_rpmsg_ns_limit()) {
		pbus_rpmsg_ns_drop(rp, &rp->ns_over_limit, false, name, addr,
				   "ns_max_channels live");
		return false;
	}
	if (!pbus_rpmsg_ns_token(rp)) {
		pbus_rpmsg_ns_drop(rp, &rp->ns_over_rate, false, name, addr,
				   "above ns_rate");
		return false;
	}
	strscpy(rp->ns_live[rp->ns_nlive].name, name, RPMSG_NAME_SIZE);
	rp->ns_live[rp->ns_nlive].addr = addr;
	rp->ns_nlive++;
	rp->ns_created++;
	return true;
}
