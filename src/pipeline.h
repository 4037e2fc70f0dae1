/*
 * The per-worker pipeline: an ordered list of stages per port role.
 *
 * A worker reads a burst from an rx queue and runs it through the stages
 * of the port's role (protected or unprotected).  Every stage has the
 * burst shape of STYLE.md section 4:
 *
 *	uint16_t stage(struct worker *w, struct rte_mbuf *pkts[],
 *	    uint8_t reason[], uint16_t n);
 *
 * It returns k: pkts[0..k) go on to the next stage, pkts[k..n) left this
 * stage with reason[i] set.  A reason of DP_DROP_NONE means the stage took
 * the packet over (exception path, a queue, transmitted); any other value
 * is a drop, and pipeline_run() frees the packet and counts the reason.
 *
 * Default stages (names for pipeline_insert()):
 *	protected:   parse, local, ttl, route, xmit
 *	unprotected: parse, local, ttl, route, xmit
 * The IPsec datapath (dp_ipsec.h) inserts "ipsec-out" before "route" on
 * protected ports and "ipsec-in" before "local" on unprotected ports.
 */
#ifndef DPSEC_PIPELINE_H
#define DPSEC_PIPELINE_H

#include <stdint.h>

#include <rte_mbuf.h>

#define DP_MAX_STAGES	16

struct worker;

typedef uint16_t (*dp_stage_fn)(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);

struct dp_stage {
	const char	*name;
	dp_stage_fn	 fn;
};

struct pipeline {
	struct dp_stage	stage[DP_MAX_STAGES];
	unsigned int	n;
};

/**
 * Fill @p pl with the default stages.
 * Thread: control thread, before workers start.
 */
void pipeline_init_default(struct pipeline *pl);

/**
 * Insert @p st before the stage named @p before (NULL: append).
 * @return 0, -ENOENT (no such stage), -ENOSPC.
 * Thread: control thread, before workers start.
 */
int pipeline_insert(struct pipeline *pl, const char *before,
    const struct dp_stage *st);

/**
 * Run a burst through the stages; frees and counts what they drop.
 * Thread: owner worker.
 */
void pipeline_run(struct worker *w, const struct pipeline *pl,
    struct rte_mbuf *pkts[], uint16_t n);

/**
 * Run a burst through the stages from index @p first on (packets handed
 * back to a worker by the control thread resume where they left).
 * Thread: owner worker.
 */
void pipeline_run_from(struct worker *w, const struct pipeline *pl,
    unsigned int first, struct rte_mbuf *pkts[], uint16_t n);

/**
 * Index of the stage named @p name, or -1.
 * Thread: any.
 */
int pipeline_find(const struct pipeline *pl, const char *name);

/* Per-packet verdict meaning "go on to the next stage" (not a reason). */
#define DP_PASS	0xff

/**
 * Compact a burst after a per-packet loop that wrote DP_PASS or a reason
 * into reason[i]: passing packets move to the front in order, the others
 * to the tail with their reasons.  @return the number passing.
 * Thread: owner worker.
 */
static inline uint16_t
dp_compact(struct rte_mbuf *pkts[], uint8_t reason[], uint16_t n)
{
	struct rte_mbuf *bad[32];
	uint8_t br[32];
	uint16_t i, k = 0, nb = 0;

	for (i = 0; i < n; i++) {
		if (reason[i] == DP_PASS)
			pkts[k++] = pkts[i];
		else {
			bad[nb] = pkts[i];
			br[nb++] = reason[i];
		}
	}
	for (i = 0; i < nb; i++) {
		pkts[k + i] = bad[i];
		reason[k + i] = br[i];
	}
	return k;
}

/* The default stages (stage_*.c). */
uint16_t stage_parse(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);
uint16_t stage_local(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);
uint16_t stage_ttl(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);
uint16_t stage_route(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);
uint16_t stage_xmit(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);

#endif /* DPSEC_PIPELINE_H */
