// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg: the name service. Static channels from the device tree
 * (remotes that never announce) are announced to the host's name service
 * as if the remote had sent them, once per binding of the virtio driver.
 */

#include <linux/device.h>
#include <linux/of.h>
#include <linux/remoteproc.h>
#include <linux/rpmsg/ns.h>
#include <linux/string.h>

#include "pbus_rpmsg.h"

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
