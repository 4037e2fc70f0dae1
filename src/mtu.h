/*
 * Packet sizes in dpsecd (issue 8, docs/mtu.md): the glue between the
 * pipeline and src/ipsec/frag.h.
 *
 * - Stage "reassemble" (unprotected ports, before "ipsec-in"): fragments
 *   of ESP and UDP datagrams addressed to the gateway are reassembled in a
 *   per-worker rte_ip_frag table before the SA lookup; drops are counted
 *   as reasm_* drop reasons.
 * - Per-worker state: the reassembly table, the ICMP token bucket, and
 *   the pools fragmentation takes mbufs from.
 *
 * Access tags as in dp.h.
 */
#ifndef DPSEC_MTU_H
#define DPSEC_MTU_H

#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "app.h"
#include "frag.h"

#define DP_STAGE_REASSEMBLE	"reassemble"

struct dp_mtu_worker {
	struct frag_rx		*rx;		/* [O] reassembly table */
	struct frag_tb		 tb;		/* [O] ICMP too-big rate limit */
	struct frag_rx_stats	 seen;		/* [O] rx counters already counted as drops */
	uint64_t		 prefrag;	/* [O] packets fragmented before ESP */
	uint64_t		 postfrag;	/* [O] ESP packets fragmented */
	uint64_t		 fragments;	/* [O] fragments made */
} __rte_cache_aligned;

struct dp_mtu {
	struct rte_mempool	*indirect;	/* [I] fragmentation's indirect mbufs */
	struct rte_mempool	*direct;	/* [I] fragments (largest data room) */
	uint32_t		 frag_flags;	/* [I] FRAG_F_* from the config */
	uint64_t		 pmtu_ttl;	/* [I] seconds */
	struct dp_mtu_worker	 w[];		/* nworkers */
};

/**
 * Create the per-worker state and insert the "reassemble" stage into the
 * unprotected pipeline (before "ipsec-in" if present, else "local").
 * @return 0, or -1 with @p err set.
 * Thread: control thread, after ports and workers exist, before launch.
 */
int dp_mtu_init(struct dp_app *app, char *err, size_t errlen);

/** Free everything (NULL-safe).  Thread: control thread, workers stopped. */
void dp_mtu_fini(struct dp_app *app);

/**
 * Free the incomplete datagrams of every worker's reassembly table,
 * counted as drops "shutdown" (so the exit counters account for every
 * packet).  Thread: control thread, workers stopped.
 */
void dp_mtu_drain(struct dp_app *app);

/**
 * Append the "mtu" member (the counters that are not drop reasons:
 * fragments made, datagrams reassembled, ICMP sent and suppressed) to an
 * open JSON object.  Thread: control thread.
 */
void dp_mtu_write_json(const struct dp_app *app, FILE *f);

/** Print the counters that are not drop reasons.  Thread: control. */
void dp_mtu_print(const struct dp_app *app, FILE *f);

struct sa;
struct esp_sa;

/**
 * The size check of ipsec-out (DESIGN.md lesson 3), for one SA's group
 * right before esp_outb_process(): packets that fit the SA's path MTU
 * (egress port MTU, or the learnt path MTU when lower) stay in
 * grp[0..k) in order; the others are handled here and now, before the
 * group: dropped with an ICMP too-big sent back (rate-limited), or
 * fragmented and encrypted (RFC 4459), or encrypted and fragmented, the
 * resulting ESP packets going through the stages after ipsec-out.
 * @return k.  Thread: owner worker.
 */
uint16_t dp_mtu_out(struct worker *w, struct sa *sa, struct esp_sa *esp,
    struct rte_mbuf *grp[], uint16_t ng);

/**
 * The path MTU of an outbound SA: its egress port's MTU, or the learnt
 * path MTU when lower; 0 if there is no route to the SA's destination.
 * Thread: any lcore.
 */
uint32_t dp_mtu_sa_path(const struct dp_app *app, const struct sa *sa,
    struct esp_sa *esp);

/** Stage "reassemble".  Thread: owner worker. */
uint16_t stage_reassemble(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);

#endif /* DPSEC_MTU_H */
