/*
 * The dpsecd application context: everything the control thread builds at
 * start and the workers read.  There are no mutable globals; each worker
 * gets a pointer to this (telemetry callbacks, which DPDK 22.11 calls
 * without an argument, keep one pointer set once in telemetry.c).
 */
#ifndef DPSEC_APP_H
#define DPSEC_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "config.h"
#include "dp.h"
#include "neigh.h"
#include "pipeline.h"
#include "route.h"

struct exc;
struct sad;
struct spd;
struct ctrl;
struct acq;
struct dp_mtu;

struct dp_rxq {
	uint16_t	port_id;	/* ethdev */
	uint16_t	queue;
	uint16_t	port;		/* dp port index */
};

/* Packets waiting for the tx burst of one port, per worker. */
struct txbuf {
	uint16_t	 n;
	struct rte_mbuf	*pkts[DP_BURST];
};

struct worker {
	unsigned int		 id;		/* [I] 0..nworkers-1, qsbr thread id */
	unsigned int		 lcore;		/* [I] */
	struct dp_app		*app;		/* [I] */
	struct dp_stats		*st;		/* [O] */
	struct rte_ring		*exc;		/* [I] SP/SC ring to control */
	struct rte_ring		*in;		/* [I] SP/SC ring from control */
	uint16_t		 cur_port;	/* [O] dp port of the burst in flight */
	unsigned int		 nrxq;
	struct dp_rxq		 rxq[DP_MAX_RXQ_PER_WORKER];	/* [I] */
	uint16_t		 txq[DP_MAX_PORTS];	/* [I] tx queue per port */
	struct txbuf		 tx[DP_MAX_PORTS];	/* [O] */
	/* idle backoff [O] */
	uint32_t		 empty_polls;
	uint32_t		 sleep_us;
	uint8_t			 scratch_reason[DP_BURST];	/* [O] */
	/* IPsec resolution (acquire.h): packets to and from the control
	 * thread, and the ordering state that keeps a flow in order. */
	struct rte_ring		*acq_ring;	/* [I] SP/SC worker -> control */
	uint64_t		 acq_out;	/* [O] packets put on acq_ring */
	uint64_t		 acq_done;	/* [A] control: packets handled */
	uint64_t		 done_snap;	/* [O] acq_done at loop start */
	uint64_t		 gen_snap;	/* [O] app->hold_gen at loop start */
	bool			 releasing;	/* [O] draining the injection ring */
	bool			 snap_clear;	/* [O] done_snap == acq_out */
	/* The same per flow bucket (hash of the SA template key), so that a
	 * flow waiting for its SA holds up only its own bucket. */
	uint32_t		 out_b[DP_ORDER_BUCKETS];	/* [O] */
	uint32_t		 snap_b[DP_ORDER_BUCKETS];	/* [O] */
	uint16_t		 bl_b[DP_ORDER_BUCKETS];	/* [O] in backlog */
	uint32_t		 done_b[DP_ORDER_BUCKETS]	/* [A] control */
	    __rte_cache_aligned;
	/* PROTECT packets with a usable SA that must wait for earlier
	 * packets still with the control thread (acquire.h "ordering"). */
	uint16_t		 bl_head;	/* [O] */
	uint16_t		 bl_n;		/* [O] */
	struct rte_mbuf		*bl[DP_BACKLOG];	/* [O] */
	/* outbound-seq owner: packets of the SAs this worker owns, handed
	 * over by the other workers (docs/datapath.md). */
	struct rte_ring		*handoff;	/* [I] MP/SC others -> this one */
} __rte_cache_aligned;

struct dp_app {
	const struct dpsec_config *cfg;		/* [I] */
	struct dp_port		 port[DP_MAX_PORTS];
	unsigned int		 nports;
	uint16_t		 port_of_ethdev[RTE_MAX_ETHPORTS]; /* [I] */
	struct route_table	*rt;		/* [I] */
	struct neigh_table	*nt;		/* [C] writes, workers read */
	struct rte_rcu_qsbr	*qsbr;		/* one slot per worker */
	struct worker		*worker[DP_MAX_WORKERS];
	unsigned int		 nworkers;
	struct dp_stats		*stats;		/* nworkers + 1: last is control */
	struct pipeline		 pipe[2];	/* [I] by role: 0 protected, 1 unprotected */
	struct dp_mtu		*mtu;		/* [I] sizes, fragments (mtu.h) */
	struct exc		*exc;		/* [C] exception path state */
	uint32_t		 stop;		/* [A] set on SIGINT/SIGTERM */
	/* IPsec */
	struct sad		*sad;		/* [I] pointer; workers read */
	struct spd		*spd;		/* [I] pointer; workers classify */
	struct ctrl		*ctrl;		/* [C] PF_KEY socket */
	struct acq		*acq;		/* [C] acquire state (acquire.c) */
	uint64_t		 hold_gen;	/* [A] odd while SAs are installed */
	bool			 seq_owner;	/* [I] outbound-seq owner */
	unsigned int		 pipe_start[2];	/* [I] first IPsec stage by role */
	uint64_t		 start_tsc;
};

static inline struct pipeline *
app_pipeline(struct dp_app *app, enum cfg_role role)
{
	return &app->pipe[role == CFG_ROLE_UNPROTECTED ? 1 : 0];
}

static inline struct dp_stats *
app_ctrl_stats(struct dp_app *app)
{
	return &app->stats[app->nworkers];
}

/**
 * Is @p a (network order) one of the gateway's IPv4 addresses, or a
 * broadcast of one of its subnets?  Thread: any lcore.
 */
bool app_is_local4(const struct dp_app *app, uint32_t a);

/** Same for IPv6 (any of our addresses or link-local addresses). */
bool app_is_local6(const struct dp_app *app, const uint8_t a[16]);

#endif /* DPSEC_APP_H */
