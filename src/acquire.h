/*
 * dpsecd's IPsec control side: SAD/SPD/ctrl creation, the sadb and spd
 * hooks, and SA resolution for packets without a usable SA (DESIGN.md
 * lessons 4 and 5, docs/datapath.md).
 *
 * Workers never write the SAD and never call ctrl.  A PROTECT packet
 * whose SA is missing or LARVAL goes to the control thread on the
 * worker's acq_ring; the control thread creates the acquire entry
 * (sad_acquire), sends one SADB_ACQUIRE (retransmitted every
 * acquire-retry-ms, acquire-retries times), and queues the packet on the
 * entry (sa_larval_enqueue).  When a key manager installs the SA, sadb's
 * larval_release hook gives the queued packets back in order; they go to
 * the receiving worker's injection ring (worker_inject()), which the
 * worker drains before its next rx burst, from the IPsec stage on.
 *
 * Ordering: a worker sends a PROTECT packet directly only if (a) none of
 * its packets of the same flow bucket (dp_order_bucket(): inner
 * addresses) is still on acq_ring unhandled or in the backlog (acq_done
 * and done_b[] snapshot taken before draining the injection ring), and
 * (b) no SA was installed since that
 * snapshot (app->hold_gen is odd from the install hook until the
 * control thread finished the ctrl_poll() that installed it, by which
 * time the released packets are on the injection ring).  Otherwise it goes through
 * the control thread too, behind the earlier packets.
 */
#ifndef DPSEC_ACQUIRE_H
#define DPSEC_ACQUIRE_H

#include <stdint.h>

#include "app.h"

/**
 * Create the SAD, SPD and control socket from the config, the per-worker
 * rings, insert the IPsec stages, and load the setkey file if one is
 * configured.  Workers must exist (workers_create()).
 * @param err receives the problem on failure
 * @return 0 or -errno.
 * Thread: control thread, before workers start.
 */
int acq_init(struct dp_app *app, char *err, size_t errlen);

/**
 * One pass: drain the workers' acq_rings (acquire, queue, or give back).
 * @return packets handled.
 * Thread: control thread.
 */
unsigned int acq_poll(struct dp_app *app);

/**
 * Serve the control socket, end the install hold, run timers (sad_tick,
 * spd_tick, retransmissions) when due and reclaim memory.
 * @return events handled (0: idle).
 * Thread: control thread.
 */
unsigned int acq_ctrl_poll(struct dp_app *app);

/**
 * Worker side, before draining the injection ring and before the rx
 * burst: snapshot the ordering state (acq_done, hold_gen).
 * Thread: owner worker.
 */
void acq_worker_snap(struct worker *w);

/**
 * Worker side, after draining the injection ring: if no earlier packet
 * is with the control thread any more, send the packets that waited in
 * the worker's ordering backlog (a usable SA, but the flow's earlier
 * packets were not out yet).
 * @return packets handled.
 * Thread: owner worker.
 */
unsigned int acq_worker_flush(struct worker *w);

/**
 * Print per-SA counters and the SAD's queue counters.
 * Thread: control thread.
 */
void acq_print(struct dp_app *app, FILE *f);

/**
 * Append the "sa" and "sad" members to an open JSON object (stats file).
 * Thread: control thread.
 */
void acq_write_json(struct dp_app *app, FILE *f);

struct rte_tel_data;

/**
 * Fill a telemetry reply with the per-SA counters (/dpsec/sa), as of the
 * control thread's last refresh (every second).
 * Thread: DPDK's telemetry thread (under telemetry.c's lock).
 */
int acq_telemetry_sa(struct dp_app *app, struct rte_tel_data *d);

/**
 * Workers stopped: free the packets still held for ordering (backlog),
 * on their way to the control thread (acquire rings) or to an SA's owner
 * worker (hand-off rings), counted as drops
 * "shutdown", so that the exit counters account for every packet.  The
 * SAD's larval queues are left (counted by sad_stats lq_current).
 * Thread: control thread, after the workers returned.
 */
void acq_drain(struct dp_app *app);

/**
 * Workers stopped: free queued packets, the socket, SAD, SPD, rings.
 * Idempotent.  Thread: control thread.
 */
void acq_fini(struct dp_app *app);

#endif /* DPSEC_ACQUIRE_H */
