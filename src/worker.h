/*
 * Worker lcores: assignment of rx queues and tx queues, and the poll loop.
 */
#ifndef DPSEC_WORKER_H
#define DPSEC_WORKER_H

#include "app.h"

/**
 * Allocate app->nworkers workers on the given lcores (ids in @p lcores)
 * and spread every (port, rx queue) over them round-robin.  Ports must be
 * open.  @return 0 or -ENOMEM / -ENOSPC.
 * Thread: control thread.
 */
int workers_create(struct dp_app *app, const unsigned int *lcores);

/**
 * Assign tx queues: worker i uses queue i % nb_txq of each port (the
 * control thread uses slot nworkers, see port_ctrl_txq()).
 * Thread: control thread.
 */
void workers_assign_txq(struct dp_app *app);

/**
 * The worker loop (rte_eal_remote_launch entry).  Runs until app->stop,
 * then flushes its tx buffers and goes offline in the qsbr.
 * Thread: the worker's lcore.
 */
int worker_main(void *arg);

/**
 * Hand packets to worker @p wid: it runs each through the pipeline of its
 * input port's role (dp_meta in_port) from stage dp_meta(m)->stage on.
 * Packets keep their order.  Used for packets the control thread held
 * (e.g. a larval SA's queue after promotion).
 * @return packets accepted; the caller frees or retries the rest.
 * Thread: control thread only (single producer).
 */
unsigned int worker_inject(struct dp_app *app, unsigned int wid,
    struct rte_mbuf *pkts[], unsigned int n);

/** Free the workers.  Thread: control thread, workers stopped. */
void workers_free(struct dp_app *app);

#endif /* DPSEC_WORKER_H */
