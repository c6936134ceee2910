// SPDX-License-Identifier: GPL-2.0-only
/*
 * pbus_rproc: the remote's trace buffers, mirrored over the bus.
 */

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/pbus.h>
#include <linux/pbus-remote.h>

#include "pbus_rproc_internal.h"

/* Free the shadows of the current firmware's trace buffers. */
void pbus_rproc_free_traces(struct pbus_rproc *priv)
{
	unsigned int i;

	mutex_lock(&priv->trace_lock);
	for (i = 0; i < priv->ntraces; i++)
		kvfree(priv->traces[i].shadow);
	memset(priv->traces, 0, sizeof(priv->traces));
	priv->ntraces = 0;
	mutex_unlock(&priv->trace_lock);
}

/*
 * Nothing of the remote is mapped, except the trace buffers: those are
 * shadowed in host memory and refreshed over the bus on each request.
 * remoteproc asks for a trace address only in rproc_trace_read() (debugfs,
 * process context), so `cat traceN` reads the remote's text as it is now.
 * Other addresses are left to remoteproc's own carveouts (vrings).
 */
void *pbus_rproc_da_to_va(struct rproc *rproc, u64 da, size_t len,
			  bool *is_iomem)
{
	struct pbus_rproc *priv = rproc->priv;
	struct pbus_rproc_trace *trace;
	void *va = NULL;
	unsigned int i;

	mutex_lock(&priv->trace_lock);
	for (i = 0; i < priv->ntraces; i++) {
		trace = &priv->traces[i];
		if (da < trace->da || da - trace->da > trace->len ||
		    len > trace->len - (da - trace->da))
			continue;
		if (pbus_read(priv->bus, trace->da, trace->shadow, trace->len))
			break;
		va = trace->shadow + (da - trace->da);
		if (is_iomem)
			*is_iomem = false;
		break;
	}
	mutex_unlock(&priv->trace_lock);

	return va;
}
