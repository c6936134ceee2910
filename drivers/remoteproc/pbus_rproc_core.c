// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: remoteproc driver for a remote processor behind a pbus link.
 *
 * The remote's memory is reachable only through the bus: nothing of it is
 * mapped on the host. So this driver
 *  - streams the firmware's PT_LOAD segments over the bus in .load and
 *    verifies them with the remote's CRC engine (or by reading them back),
 *  - keeps a host-side copy of the resource table: remoteproc edits that
 *    copy (vring addresses, notify ids) and .start writes it to the remote,
 *  - serves the trace buffer, which lives in the remote's memory, from a
 *    host shadow buffer that da_to_va() refreshes over the bus each time
 *    remoteproc asks for the trace address (rproc_trace_read(), process
 *    context), so debugfs traceN shows the remote's live text,
 *  - dumps the remote's memory into the devcoredump through custom segments
 *    whose contents are read over the bus before the remote is reset,
 *  - watches the remote through its IRQ (ready, crash) and a heartbeat
 *    monitor, and reports crashes to remoteproc, which recovers it, with
 *    a backoff and a bound against a remote that crashes in a loop.
 *
 * One job per file: pbus_rproc_core.c (this: remoteproc ops, start/stop,
 * probe), pbus_rproc_fw.c (image checks), pbus_rproc_load.c (the loader),
 * pbus_rproc_dump.c (coredump), pbus_rproc_trace.c (trace mirror),
 * pbus_rproc_monitor.c (IRQ line, heartbeat), pbus_rproc_recovery.c (the
 * crash loop), pbus_rproc_xport.c (the vring transport and the kicks).
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/firmware.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>
#include <linux/pbus-rproc.h>

#include "pbus_rproc_internal.h"

static int auto_boot = -1;
module_param(auto_boot, int, 0444);
MODULE_PARM_DESC(auto_boot,
		 "boot when probed: -1 = DT pbus,auto-boot (default), 0 = no, 1 = yes");

static const char * const pbus_rproc_errors[] = {
	[PBUS_RP_ERR_NONE] = "no error",
	[PBUS_RP_ERR_ELF] = "bad ELF header",
	[PBUS_RP_ERR_SEGMENT] = "segment outside the window or overlapping",
	[PBUS_RP_ERR_RSC] = "resource table unusable",
	[PBUS_RP_ERR_ENTRY] = "entry point outside a segment",
	[PBUS_RP_ERR_INTERNAL] = "internal failure of the remote",
};

static const char *pbus_rproc_error_name(u32 err)
{
	if (err < ARRAY_SIZE(pbus_rproc_errors))
		return pbus_rproc_errors[err];
	return "unknown error";
}

/* Per-firmware state: dump segments, resource table copy, traces. */
static void pbus_rproc_free_fw_state(struct pbus_rproc *priv)
{
	pbus_rproc_free_traces(priv);
	vfree(priv->snap);
	priv->snap = NULL;
	kfree(priv->segs);
	priv->segs = NULL;
	priv->nsegs = 0;
	priv->seg_total = 0;
	kfree(priv->rsc_copy);
	priv->rsc_copy = NULL;
	priv->rsc_size = 0;
	priv->rsc_da = 0;
}

static int pbus_rproc_parse_fw(struct rproc *rproc, const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;
	const struct elf32_shdr *shdr;
	int ret;

	pbus_rproc_free_fw_state(priv);

	ret = pbus_rproc_record_segments(priv, fw);
	if (ret)
		goto err_free;

	shdr = pbus_rproc_rsc_section(fw);
	if (shdr) {
		priv->rsc_da = shdr->sh_addr;
		priv->rsc_size = shdr->sh_size;
		priv->rsc_copy = kzalloc(priv->rsc_size, GFP_KERNEL);
		if (!priv->rsc_copy) {
			ret = -ENOMEM;
			goto err_free;
		}
		mutex_lock(&priv->trace_lock);
		ret = pbus_rproc_walk_rsc(priv,
					  (const void *)(fw->data + shdr->sh_offset),
					  shdr->sh_size, true);
		mutex_unlock(&priv->trace_lock);
		if (ret)
			goto err_free;

		ret = rproc_elf_load_rsc_table(rproc, fw);
		if (ret)
			goto err_free;
	} else {
		dev_info(&rproc->dev, "%s has no resource table\n",
			 rproc->firmware);
	}

	ret = pbus_rproc_add_dump_segments(priv);
	if (ret)
		goto err_table;

	return 0;

err_table:
	/* remoteproc frees the table only when parse_fw succeeded */
	kfree(rproc->cached_table);
	rproc->cached_table = NULL;
	rproc->table_ptr = NULL;
	rproc->table_sz = 0;
err_free:
	pbus_rproc_free_fw_state(priv);
	return ret;
}

static struct resource_table *
pbus_rproc_find_loaded_rsc_table(struct rproc *rproc, const struct firmware *fw)
{
	struct pbus_rproc *priv = rproc->priv;

	/*
	 * The remote's copy is not addressable: hand remoteproc a host copy.
	 * remoteproc fills it from its cached table and keeps editing it;
	 * .start writes it to the remote at @rsc_da.
	 */
	return priv->rsc_copy;
}

static u64 pbus_rproc_get_boot_addr(struct rproc *rproc,
				    const struct firmware *fw)
{
	return rproc_elf_get_boot_addr(rproc, fw);
}

static int pbus_rproc_wait_running(struct pbus_rproc *priv)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(priv->boot_ms);
	unsigned int poll = priv->has_irq ? PBUS_RPROC_IRQ_POLL_MS :
					    PBUS_RPROC_POLL_MS;
	struct device *dev = &priv->rproc->dev;
	u32 status, err = PBUS_RP_ERR_NONE;
	int ret;

	for (;;) {
		ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
		if (ret) {
			dev_err(dev, "reading the remote's status failed: %d\n",
				ret);
			return ret;
		}
		switch (status) {
		case PBUS_RP_STATE_RUNNING:
			return 0;
		case PBUS_RP_STATE_ERROR:
			pbus_rproc_rd(priv, PBUS_RP_ERROR, &err);
			dev_err(dev, "remote refused the firmware: %s (%u)\n",
				pbus_rproc_error_name(err), err);
			return -EINVAL;
		case PBUS_RP_STATE_CRASHED:
			dev_err(dev, "remote crashed while booting\n");
			return -EIO;
		default:
			break;
		}
		if (time_after(jiffies, deadline)) {
			dev_err(dev, "remote not running after %u ms (status %u)\n",
				priv->boot_ms, status);
			return -ETIMEDOUT;
		}
		/* woken early by PBUS_RP_IRQ_READY */
		wait_for_completion_timeout(&priv->ready,
					    msecs_to_jiffies(poll));
	}
}

/*
 * Ask the remote to stop; 0 once it reports OFFLINE within the bound.
 * @crashed: it is known to have crashed, so CRASHED is not an answer yet
 * (the remote's control block serves STOP after what it ran crashed).
 */
static int pbus_rproc_request_stop(struct pbus_rproc *priv, bool crashed)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(PBUS_RPROC_STOP_MS);
	u32 status;
	int ret;

	ret = pbus_rproc_wr(priv, PBUS_RP_CONTROL, PBUS_RP_CTRL_STOP);
	if (ret)
		return ret;

	for (;;) {
		ret = pbus_rproc_rd(priv, PBUS_RP_STATUS, &status);
		if (ret)
			return ret;
		if (status == PBUS_RP_STATE_OFFLINE)
			return 0;
		if (status == PBUS_RP_STATE_CRASHED && !crashed)
			return -EIO;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		msleep(PBUS_RPROC_POLL_MS);
	}
}

/*
 * Bring the remote to OFFLINE. A crashed remote is reset where there is a
 * reset line (the strongest stop there is); without one, and for an
 * orderly stop, it is asked to stop, so that nothing it ran is left
 * running (reset-gpios is optional). A remote that does not stop is reset
 * if there is a line. One line says what happened when it is not clean.
 */
static int pbus_rproc_halt(struct pbus_rproc *priv, bool crashed)
{
	struct device *dev = &priv->rproc->dev;
	int ret, rst;

	if (crashed) {
		rst = pbus_reset_remote(priv->bus);
		if (rst != -EOPNOTSUPP) {
			if (rst)
				dev_warn(dev, "resetting the crashed remote failed: %d\n",
					 rst);
			return rst;
		}
	}

	ret = pbus_rproc_request_stop(priv, crashed);
	if (!ret)
		return 0;
	if (crashed) {
		dev_warn(dev, "crashed remote did not stop (%d) and there is no reset line\n",
			 ret);
		return ret;
	}

	rst = pbus_reset_remote(priv->bus);
	if (rst == -EOPNOTSUPP)
		dev_warn(dev, "remote did not stop (%d) and there is no reset line\n",
			 ret);
	else if (rst)
		dev_warn(dev, "remote did not stop (%d); resetting it failed: %d\n",
			 ret, rst);
	else
		dev_warn(dev, "remote did not stop (%d): reset it\n", ret);
	return rst;
}

static int pbus_rproc_start(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	struct device *dev = &rproc->dev;
	u32 period;
	int ret;

	reinit_completion(&priv->ready);
	priv->bus_fails = 0;

	ret = pbus_write32(priv->bus, PBUS_RPROC_IRQ_STATUS, PBUS_RPROC_IRQ_MASK);
	if (!ret && priv->has_irq)
		ret = pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE,
				   PBUS_RPROC_IRQ_MASK);
	if (!ret && priv->rsc_size)
		ret = pbus_write(priv->bus, priv->rsc_da, priv->rsc_copy,
				 priv->rsc_size);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_RSC_ADDR, priv->rsc_da);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_RSC_SIZE, priv->rsc_size);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_BOOT_ADDR, (u32)rproc->bootaddr);
	if (!ret)
		ret = pbus_rproc_wr(priv, PBUS_RP_CONTROL, PBUS_RP_CTRL_START);
	if (ret) {
		dev_err(dev, "starting the remote over the bus failed: %d\n",
			ret);
		goto err_reset;
	}

	ret = pbus_rproc_wait_running(priv);
	if (ret)
		goto err_reset;

	ret = pbus_rproc_rd(priv, PBUS_RP_HEARTBEAT, &priv->hb_last);
	if (ret)
		goto err_reset;
	if (!pbus_rproc_rd(priv, PBUS_RP_HB_PERIOD_MS, &period) &&
	    period >= priv->hb_ms)
		dev_warn(dev, "remote heartbeat period %u ms >= monitor timeout %u ms\n",
			 period, priv->hb_ms);

	pbus_rproc_set_running(priv, true);
	schedule_delayed_work(&priv->monitor, msecs_to_jiffies(priv->hb_ms));
	pbus_rproc_recovery_started(priv, true);

	return 0;

err_reset:
	/* remoteproc does not call .stop after a failed .start */
	pbus_rproc_halt(priv, false);
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE, 0);
	pbus_rproc_recovery_started(priv, false);
	return ret;
}

static int pbus_rproc_stop(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	bool crashed = rproc->state == RPROC_CRASHED;
	bool pending;

	/* the transport's subdev stopped already (pbus_rproc_xport.c) */
	pbus_rproc_set_running(priv, false);
	cancel_delayed_work_sync(&priv->monitor);
	cancel_work_sync(&priv->kick_work);
	priv->kick_pending = 0;
	/* stopped during the backoff of a crash: it is not reported now */
	pending = pbus_rproc_recovery_cancel(priv);

	if (crashed)
		pbus_rproc_snapshot(priv);
	pbus_rproc_halt(priv, crashed || pending);

	/* a stop never fails: a dead bus leaves nothing to stop */
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_ENABLE, 0);
	pbus_write32(priv->bus, PBUS_RPROC_IRQ_STATUS, PBUS_RPROC_IRQ_MASK);

	return 0;
}

static int pbus_rproc_prepare(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;
	struct device *dev = &rproc->dev;
	u32 id = 0;
	int ret;

	pbus_rproc_recovery_boot(priv);
	ret = pbus_rproc_rd(priv, PBUS_RP_ID, &id);
	if (ret || id != PBUS_RP_MAGIC) {
		dev_err(dev, "no pbus remote processor answers (%d, id 0x%08x)\n",
			ret, id);
		return ret ?: -ENODEV;
	}

	ret = pbus_reserve(priv->bus, 0, priv->window, "remoteproc");
	if (ret) {
		dev_err(dev, "remote window busy (in use by user space?): %d\n",
			ret);
		return ret;
	}
	/* the control block and the mailboxes are the kernel's too */
	ret = pbus_reserve(priv->bus, PBUS_REG_BASE, PBUS_RPROC_REGS_LEN,
			   "remoteproc");
	if (ret) {
		pbus_unreserve(priv->bus, 0, priv->window);
		dev_err(dev, "remote registers busy (claimed by user space?): %d\n",
			ret);
		return ret;
	}
	priv->reserved = priv->window;

	ret = pbus_rproc_add_vdev_pool(priv);
	if (ret) {
		pbus_unreserve(priv->bus, 0, priv->reserved);
		priv->reserved = 0;
	}

	return ret;
}

static int pbus_rproc_unprepare(struct rproc *rproc)
{
	struct pbus_rproc *priv = rproc->priv;

	if (priv->reserved) {
		pbus_unreserve(priv->bus, PBUS_REG_BASE,
			       PBUS_RPROC_REGS_LEN);
		pbus_unreserve(priv->bus, 0, priv->reserved);
		priv->reserved = 0;
	}
	pbus_rproc_free_fw_state(priv);

	return 0;
}

static const struct rproc_ops pbus_rproc_ops = {
	.prepare = pbus_rproc_prepare,
	.unprepare = pbus_rproc_unprepare,
	.start = pbus_rproc_start,
	.stop = pbus_rproc_stop,
	.kick = pbus_rproc_kick,
	.da_to_va = pbus_rproc_da_to_va,
	.parse_fw = pbus_rproc_parse_fw,
	.find_loaded_rsc_table = pbus_rproc_find_loaded_rsc_table,
	.sanity_check = pbus_rproc_sanity_check,
	.get_boot_addr = pbus_rproc_get_boot_addr,
	.load = pbus_rproc_load,
};

static void pbus_rproc_free_irq(void *data)
{
	struct pbus_rproc *priv = data;

	pbus_free_irq(priv->bus);
}

static void pbus_rproc_cancel_work(void *data)
{
	struct pbus_rproc *priv = data;

	pbus_rproc_set_running(priv, false);
	cancel_delayed_work_sync(&priv->monitor);
	cancel_work_sync(&priv->kick_work);
	pbus_rproc_recovery_exit(priv);
	pbus_rproc_free_fw_state(priv);
}

/* Before rproc_del(): no crash report is left delayed. */
static void pbus_rproc_recovery_remove(void *data)
{
	pbus_rproc_recovery_exit(data);
}

static u32 pbus_rproc_timeout(struct device *dev, const char *prop, u32 def)
{
	u32 ms = def;

	of_property_read_u32(dev->of_node, prop, &ms);
	if (ms < PBUS_RPROC_MIN_MS || ms > PBUS_RPROC_MAX_MS) {
		dev_warn(dev, "%s = %u out of [%u, %u]: using %u\n", prop, ms,
			 PBUS_RPROC_MIN_MS, PBUS_RPROC_MAX_MS, def);
		ms = def;
	}

	return ms;
}

static int pbus_rproc_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	const char *fw_name = PBUS_RPROC_FW_NAME;
	struct pbus_rproc *priv;
	struct rproc *rproc;
	int ret;

	of_property_read_string(dev->of_node, "firmware-name", &fw_name);

	rproc = devm_rproc_alloc(dev, dev_name(dev), &pbus_rproc_ops, fw_name,
				 sizeof(*priv));
	if (!rproc)
		return -ENOMEM;

	priv = rproc->priv;
	priv->dev = dev;
	priv->rproc = rproc;
	priv->boot_ms = pbus_rproc_timeout(dev, "pbus,boot-timeout-ms",
					   PBUS_RPROC_BOOT_MS);
	priv->hb_ms = pbus_rproc_timeout(dev, "pbus,heartbeat-timeout-ms",
					 PBUS_RPROC_HB_MS);
	init_completion(&priv->ready);
	spin_lock_init(&priv->lock);
	spin_lock_init(&priv->xport_lock);
	INIT_LIST_HEAD(&priv->node);
	mutex_init(&priv->trace_lock);
	INIT_DELAYED_WORK(&priv->monitor, pbus_rproc_monitor);
	INIT_WORK(&priv->kick_work, pbus_rproc_kick_work);
	pbus_rproc_recovery_init(priv);

	priv->scratch = devm_kzalloc(dev, PBUS_RPROC_CHUNK, GFP_KERNEL);
	if (!priv->scratch)
		return -ENOMEM;

	priv->bus = devm_pbus_get(dev, "pbus");
	if (IS_ERR(priv->bus))
		return dev_err_probe(dev, PTR_ERR(priv->bus),
				     "no pbus master\n");

	/*
	 * Unbinding the master unbinds us first, while the bus still works,
	 * so the remote gets a clean stop; bind again to get it back.
	 */
	if (!device_link_add(dev, pbus_device(priv->bus),
			     DL_FLAG_AUTOREMOVE_CONSUMER))
		return dev_err_probe(dev, -EINVAL,
				     "cannot link to the bus master\n");

	ret = pbus_request_irq(priv->bus, pbus_rproc_irq, priv);
	if (ret) {
		dev_info(dev, "no IRQ from the remote (%d): polling its status\n",
			 ret);
	} else {
		priv->has_irq = true;
		ret = devm_add_action_or_reset(dev, pbus_rproc_free_irq, priv);
		if (ret)
			return ret;
	}

	ret = devm_add_action_or_reset(dev, pbus_rproc_cancel_work, priv);
	if (ret)
		return ret;

	if (auto_boot >= 0)
		rproc->auto_boot = auto_boot;
	else
		rproc->auto_boot = of_property_read_bool(dev->of_node,
							 "pbus,auto-boot");
	rproc->dump_conf = RPROC_COREDUMP_ENABLED;
	ret = rproc_coredump_set_elf_info(rproc, ELFCLASS32, EM_ARM);
	if (ret)
		return ret;

	/* before the remoteproc exists (auto-boot), released after it went */
	pbus_rproc_xport_add(priv);
	ret = devm_add_action_or_reset(dev, pbus_rproc_unlist, priv);
	if (ret)
		return ret;

	ret = devm_rproc_add(dev, rproc);
	if (ret)
		return dev_err_probe(dev, ret, "registering the remoteproc failed\n");
	/* runs before devm_rproc_add()'s rproc_del() */
	ret = devm_add_action_or_reset(dev, pbus_rproc_recovery_remove, priv);
	if (ret)
		return ret;
	pbus_rproc_recovery_debugfs(priv);

	dev_info(dev, "%s on %s, firmware %s%s\n", dev_name(&rproc->dev),
		 pbus_name(priv->bus), rproc->firmware,
		 rproc->auto_boot ? ", auto-boot" : "");

	return 0;
}

static const struct of_device_id pbus_rproc_of_match[] = {
	{ .compatible = "pbus,remoteproc" },
	{ }
};
MODULE_DEVICE_TABLE(of, pbus_rproc_of_match);

static struct platform_driver pbus_rproc_driver = {
	.probe = pbus_rproc_probe,
	.driver = {
		.name = "pbus-rproc",
		.of_match_table = pbus_rproc_of_match,
	},
};
module_platform_driver(pbus_rproc_driver);

MODULE_DESCRIPTION("remoteproc driver for a remote processor behind pbus");
MODULE_LICENSE("GPL");
