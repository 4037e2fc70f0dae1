/*
 * Ports: any DPDK ethdev (PCI NIC or vdev) named in the config, its pool,
 * queues and the exception-path tap.  Set up and torn down by the control
 * thread; workers transmit through port_tx().
 */
#ifndef DPSEC_PORT_H
#define DPSEC_PORT_H

#include <rte_ethdev.h>

#include "app.h"

/**
 * Probe (if needed), configure and start every port of the config, with
 * queues for @p app->nworkers workers plus the control thread, and its
 * tap when configured.  Fills app->port[].
 * @param err  receives "file:line: problem" on failure
 * @return 0 or -errno.  On failure, ports_close() cleans up.
 * Thread: control thread, after EAL init, before workers start.
 */
int ports_open(struct dp_app *app, char *err, size_t errlen);

/**
 * Stop and close every port and tap, free the pools.  Idempotent.
 * Thread: control thread, workers stopped.
 */
void ports_close(struct dp_app *app);

/** tx queue the control thread uses on a port. */
static inline uint16_t
port_ctrl_txq(const struct dp_app *app, const struct dp_port *p)
{
	return (uint16_t)(app->nworkers % p->nb_txq);
}

/**
 * Transmit on a port's tx queue, taking the queue's lock when several
 * lcores share it.  @return packets sent (the caller frees the rest).
 * Thread: any lcore that owns or shares @p q.
 */
static inline uint16_t
port_tx(struct dp_port *p, uint16_t q, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t sent;

	if (!p->txq[q].shared)
		return rte_eth_tx_burst(p->port_id, q, pkts, n);
	rte_spinlock_lock(&p->txq[q].lock);
	sent = rte_eth_tx_burst(p->port_id, q, pkts, n);
	rte_spinlock_unlock(&p->txq[q].lock);
	return sent;
}

#endif /* DPSEC_PORT_H */
