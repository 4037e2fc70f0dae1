/*
 * Exception path and neighbor resolution (control thread side).
 *
 * Workers hand two kinds of packets to the control thread through one
 * single-producer/single-consumer ring each:
 *   DP_MF_LOCAL    traffic for the gateway (ARP, ND, multicast, ICMP and
 *                  IKE to our addresses): the control thread learns
 *                  neighbors from ARP/ND, then writes the original frame
 *                  to the port's tap; without a tap it answers ARP and
 *                  neighbor solicitations for our addresses itself and
 *                  drops the rest (local-no-exception-path).
 *   DP_MF_RESOLVE  packets whose next hop has no MAC: queued (bounded)
 *                  while the control thread sends ARP requests / neighbor
 *                  solicitations, transmitted when the answer arrives,
 *                  dropped as no-neighbor after arp-retries.
 * Frames the kernel writes to a tap go out of its port unchanged, on the
 * control thread's tx queue.
 */
#ifndef DPSEC_EXC_H
#define DPSEC_EXC_H

#include <rte_ring.h>

#include "app.h"

/**
 * Hand a packet to the control thread (worker side).
 * @return DP_DROP_NONE (taken over) or DP_DROP_EXC_RING_FULL.
 * Thread: owner worker of @p w.
 */
static inline uint8_t
exc_enqueue(struct worker *w, struct rte_mbuf *m)
{
	if (rte_ring_sp_enqueue(w->exc, m) != 0)
		return DP_DROP_EXC_RING_FULL;
	return DP_DROP_NONE;
}

/**
 * Create the per-worker rings (to the control thread, and back for
 * worker_inject()) and the control state (app->worker[] must exist).  @return 0 or -errno.  Thread: control thread, before workers.
 */
int exc_init(struct dp_app *app);

/**
 * One pass of the control thread: drain the worker rings, poll the taps,
 * run resolution timers.  @return number of packets handled (0: idle).
 * Thread: control thread.
 */
unsigned int exc_poll(struct dp_app *app);

/**
 * Drop everything queued and free the rings.  Idempotent.
 * Thread: control thread, workers stopped.
 */
void exc_fini(struct dp_app *app);

#endif /* DPSEC_EXC_H */
