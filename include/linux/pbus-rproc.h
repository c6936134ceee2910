/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus_rproc: hooks for the vring transport.
 *
 * The remote processor behind pbus cannot reach host memory, where
 * remoteproc allocates the vrings and buffers of its virtio devices. A
 * transport module (pbus_rpmsg.ko) moves their contents over the bus; it
 * registers here and pbus_rproc hands it every remoteproc it drives, then
 * forwards the remoteproc kicks and the remote's vring IRQ to it.
 */
#ifndef _LINUX_PBUS_RPROC_H
#define _LINUX_PBUS_RPROC_H

struct pbus;
struct rproc;

/**
 * struct pbus_rproc_transport - a vring transport
 * @attach: a pbus remoteproc appeared (or existed at registration);
 *	process context; returns the transport's context for the other
 *	hooks, or an ERR_PTR() to leave this remoteproc alone
 * @detach: the remoteproc goes away or the transport unregisters;
 *	process context; @stop was called first (it may be called while
 *	stopped already); no hook runs after it returned
 * @start: the remote runs (booted, recovered, or already running at
 *	@attach): the transport's rproc_subdev starts, after rproc_ops.start
 *	and before the virtio devices are added; process context,
 *	remoteproc's lock held (or, at @attach, not)
 * @stop: the remote is about to be stopped, reset or recovered: the
 *	transport's subdev stops, after the virtio devices went (their
 *	buffers are freed by then: the transport must have let go of them
 *	when the virtio driver unbound) and before rproc_ops.stop, so the
 *	bus still works; process context, remoteproc's lock held (or, at
 *	@detach, not); the transport must not touch the vrings after it
 *	returned
 * @kick: remoteproc kicked vring @notifyid; any context, may be atomic:
 *	only schedule work
 * @vring_irq: the remote raised PBUS_RP_IRQ_VRING; called from the bus
 *	IRQ thread with a spinlock held: only schedule work
 *
 * While a transport is attached, pbus_rproc no longer rings the remote's
 * PBUS_RP_DOORBELL itself. pbus_rproc registers one rproc_subdev per
 * remoteproc (before remoteproc adds the vdevs' subdevs, so it starts
 * first and stops last) whose start and stop call @start and @stop.
 */
struct pbus_rproc_transport {
	void *(*attach)(struct rproc *rproc, struct pbus *bus);
	void (*detach)(void *ctx);
	void (*start)(void *ctx);
	void (*stop)(void *ctx);
	void (*kick)(void *ctx, int notifyid);
	void (*vring_irq)(void *ctx);
};

int pbus_rproc_register_transport(const struct pbus_rproc_transport *xport);
void pbus_rproc_unregister_transport(const struct pbus_rproc_transport *xport);

#endif /* _LINUX_PBUS_RPROC_H */
