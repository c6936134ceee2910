// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rpmsg_pingpong: test client whose rx callback sends, like the
 * kernel's rpmsg_client_sample, but with many messages in flight.
 *
 * It binds to the remote's "rpmsg-client-sample" echo channel (do not load
 * rpmsg_client_sample at the same time). Probe sends @window messages;
 * every echo received in the callback is checked (sequence number and
 * pattern) and answered with the next message, from the callback itself,
 * with the blocking rpmsg_send(), until @count echoes came back. With a
 * window larger than the tx and rx buffers together, a transport that
 * frees tx buffers only from the context running the rx callbacks stalls
 * (rpmsg_send() times out after 15 s in virtio_rpmsg_bus).
 *
 * The result is one line in the kernel log:
 *   pbus-pingpong: done: <got>/<count> echoes, <errors> errors (bad or
 *   duplicated echoes), <failed> failed sends, window <window>, <ms> ms
 * or "pbus-pingpong: stalled: ..." when no echo arrived for @stall_ms.
 */

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/rpmsg.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#define PINGPONG_LEN	64
#define PINGPONG_MAX	100000

static unsigned int count = 2000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "echoes to wait for (1..100000, default 2000)");

static unsigned int window = 256;
module_param(window, uint, 0444);
MODULE_PARM_DESC(window, "messages in flight (1..count, default 256)");

static unsigned int stall_ms = 20000;
module_param(stall_ms, uint, 0444);
MODULE_PARM_DESC(stall_ms, "report a stall after this long without an echo (default 20000)");

/**
 * struct pingpong - one bound channel
 * @rpdev: the channel
 * @start: probe's send burst (outside probe, so probe returns)
 * @watch: stall detector
 * @sent: messages handed to rpmsg_send()
 * @got: echoes received
 * @errors: bad or duplicated echoes
 * @failed: failed sends
 * @seen: echoes received, by sequence number
 * @t0: jiffies at the start
 * @last: jiffies of the last echo
 * @done: the result was logged
 */
struct pingpong {
	struct rpmsg_device *rpdev;
	struct work_struct start;
	struct delayed_work watch;
	atomic_t sent;
	atomic_t got;
	atomic_t errors;
	atomic_t failed;
	unsigned long *seen;
	unsigned long t0;
	unsigned long last;
	atomic_t done;
};

static void pingpong_fill(u8 *buf, u32 seq)
{
	unsigned int i;

	memcpy(buf, &seq, sizeof(seq));
	for (i = sizeof(seq); i < PINGPONG_LEN; i++)
		buf[i] = (u8)(seq * 31 + i);
}

/* Send the next message, if any is left. */
static void pingpong_send_next(struct pingpong *pp)
{
	u8 buf[PINGPONG_LEN];
	int seq, ret;

	if (atomic_read(&pp->done))
		return;	/* stalled or removed: stop sending */
	seq = atomic_inc_return(&pp->sent) - 1;
	if (seq >= count) {
		atomic_dec(&pp->sent);
		return;
	}
	pingpong_fill(buf, seq);
	ret = rpmsg_send(pp->rpdev->ept, buf, sizeof(buf));
	if (ret) {
		atomic_inc(&pp->failed);
		dev_err_ratelimited(&pp->rpdev->dev, "send %d failed: %d\n",
				    seq, ret);
	}
}

static void pingpong_report(struct pingpong *pp, const char *what)
{
	if (atomic_xchg(&pp->done, 1))
		return;
	dev_info(&pp->rpdev->dev,
		 "pbus-pingpong: %s: %d/%u echoes, %d errors, %d failed sends, window %u, %u ms\n",
		 what, atomic_read(&pp->got), count, atomic_read(&pp->errors),
		 atomic_read(&pp->failed),
		 window, jiffies_to_msecs(jiffies - pp->t0));
}

static int pingpong_cb(struct rpmsg_device *rpdev, void *data, int len,
		       void *priv, u32 src)
{
	struct pingpong *pp = dev_get_drvdata(&rpdev->dev);
	u8 want[PINGPONG_LEN];
	u32 seq;

	/*
	 * The endpoint exists before probe has set the driver data: an echo
	 * meant for the previous instance, whose address this one reuses
	 * after a reload, can arrive first.
	 */
	if (!pp)
		return 0;

	WRITE_ONCE(pp->last, jiffies);
	if (len != PINGPONG_LEN) {
		atomic_inc(&pp->errors);
		return 0;
	}
	memcpy(&seq, data, sizeof(seq));
	pingpong_fill(want, seq);
	if (seq >= count || memcmp(data, want, len) ||
	    test_and_set_bit(seq, pp->seen)) {
		atomic_inc(&pp->errors);
		dev_err_ratelimited(&rpdev->dev, "bad or duplicated echo %u\n",
				    seq);
		return 0;
	}
	if (atomic_inc_return(&pp->got) == count) {
		pingpong_report(pp, "done");
		return 0;
	}
	/* the point of this module: send from the rx callback */
	pingpong_send_next(pp);

	return 0;
}

static void pingpong_start(struct work_struct *work)
{
	struct pingpong *pp = container_of(work, struct pingpong, start);
	unsigned int i;

	for (i = 0; i < window; i++)
		pingpong_send_next(pp);
}

static void pingpong_watch(struct work_struct *work)
{
	struct pingpong *pp = container_of(to_delayed_work(work),
					   struct pingpong, watch);

	if (atomic_read(&pp->done))
		return;
	if (time_after(jiffies, READ_ONCE(pp->last) + msecs_to_jiffies(stall_ms))) {
		pingpong_report(pp, "stalled");
		return;
	}
	schedule_delayed_work(&pp->watch, HZ / 10);
}

static int pingpong_probe(struct rpmsg_device *rpdev)
{
	struct pingpong *pp;

	if (!count || count > PINGPONG_MAX || !window || window > count)
		return -EINVAL;
	pp = devm_kzalloc(&rpdev->dev, sizeof(*pp), GFP_KERNEL);
	if (!pp)
		return -ENOMEM;
	pp->seen = devm_bitmap_zalloc(&rpdev->dev, count, GFP_KERNEL);
	if (!pp->seen)
		return -ENOMEM;
	pp->rpdev = rpdev;
	pp->t0 = jiffies;
	pp->last = jiffies;
	INIT_WORK(&pp->start, pingpong_start);
	INIT_DELAYED_WORK(&pp->watch, pingpong_watch);
	dev_set_drvdata(&rpdev->dev, pp);
	schedule_work(&pp->start);
	schedule_delayed_work(&pp->watch, HZ / 10);

	return 0;
}

static void pingpong_remove(struct rpmsg_device *rpdev)
{
	struct pingpong *pp = dev_get_drvdata(&rpdev->dev);

	pingpong_report(pp, "removed");
	cancel_work_sync(&pp->start);
	cancel_delayed_work_sync(&pp->watch);
}

static const struct rpmsg_device_id pingpong_ids[] = {
	{ .name = "rpmsg-client-sample" },
	{ },
};
MODULE_DEVICE_TABLE(rpmsg, pingpong_ids);

static struct rpmsg_driver pingpong_driver = {
	.drv.name = KBUILD_MODNAME,
	.id_table = pingpong_ids,
	.probe = pingpong_probe,
	.callback = pingpong_cb,
	.remove = pingpong_remove,
};
module_rpmsg_driver(pingpong_driver);

MODULE_DESCRIPTION("pbus test: rpmsg ping-pong sent from the rx callback");
MODULE_LICENSE("GPL");
