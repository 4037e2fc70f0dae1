/*
 * Counter aggregation over the per-lcore struct dp_stats, for telemetry,
 * the exit report and --stats-json.
 */
#ifndef DPSEC_STATS_H
#define DPSEC_STATS_H

#include <stdio.h>

#include "app.h"

struct stats_total {
	struct dp_port_stats	port[DP_MAX_PORTS];
	uint64_t		drops[DP_DROP_MAX];
	uint64_t		drops_total;
	uint64_t		rx_pkts;
	uint64_t		tx_pkts;
	uint64_t		bursts;
	uint64_t		idle_sleeps;
	uint64_t		icmp_errors;
};

/**
 * Sum workers and control thread.  Reads are relaxed: a concurrent sum
 * is a consistent-enough snapshot of monotonic counters.
 * Thread: any (telemetry thread, control thread).
 */
void stats_sum(const struct dp_app *app, struct stats_total *t);

/** Human-readable report (printed on exit).  Thread: control thread. */
void stats_print(const struct dp_app *app, FILE *f);

/**
 * Append the "pools" member (every mempool: size, objects in use,
 * per-lcore caches counted as free) and "heap_alloc_bytes" (DPDK heap of
 * socket 0) to an open JSON object.  Thread: any (reads only).
 */
void stats_pools_json(FILE *f);

/**
 * Write the counters as one JSON object to @p path.
 * @return 0 or -errno.  Thread: control thread.
 */
int stats_write_json(const struct dp_app *app, const char *path);

#endif /* DPSEC_STATS_H */
