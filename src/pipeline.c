/*
 * Stage lists and the burst runner (see pipeline.h).
 */
#include <errno.h>
#include <string.h>

#include "app.h"
#include "pipeline.h"

void
pipeline_init_default(struct pipeline *pl)
{
	static const struct dp_stage def[] = {
		{ "parse", stage_parse },
		{ "local", stage_local },
		{ "ttl", stage_ttl },
		{ "route", stage_route },
		{ "xmit", stage_xmit },
	};
	unsigned int i;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < RTE_DIM(def); i++)
		pl->stage[pl->n++] = def[i];
}

int
pipeline_insert(struct pipeline *pl, const char *before,
    const struct dp_stage *st)
{
	unsigned int i, at = pl->n;

	if (pl->n == DP_MAX_STAGES)
		return -ENOSPC;
	if (before != NULL) {
		for (i = 0; i < pl->n; i++)
			if (strcmp(pl->stage[i].name, before) == 0)
				break;
		if (i == pl->n)
			return -ENOENT;
		at = i;
	}
	memmove(&pl->stage[at + 1], &pl->stage[at],
	    (pl->n - at) * sizeof(pl->stage[0]));
	pl->stage[at] = *st;
	pl->n++;
	return 0;
}

int
pipeline_find(const struct pipeline *pl, const char *name)
{
	unsigned int i;

	for (i = 0; i < pl->n; i++)
		if (strcmp(pl->stage[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
pipeline_run(struct worker *w, const struct pipeline *pl,
    struct rte_mbuf *pkts[], uint16_t n)
{
	pipeline_run_from(w, pl, 0, pkts, n);
}

void
pipeline_run_from(struct worker *w, const struct pipeline *pl,
    unsigned int first, struct rte_mbuf *pkts[], uint16_t n)
{
	uint8_t *reason = w->scratch_reason;
	unsigned int s;
	uint16_t k, i;

	for (s = first; s < pl->n && n > 0; s++) {
		k = pl->stage[s].fn(w, pkts, reason, n);
		for (i = k; i < n; i++) {
			if (reason[i] == DP_DROP_NONE)
				continue;
			DP_CNT_ADD(w->st->drops[reason[i]], 1);
			rte_pktmbuf_free(pkts[i]);
		}
		n = k;
	}
	/* A pipeline whose last stage does not consume everything drops. */
	for (i = 0; i < n; i++) {
		DP_CNT_ADD(w->st->drops[DP_DROP_NO_ROUTE], 1);
		rte_pktmbuf_free(pkts[i]);
	}
}
