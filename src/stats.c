/*
 * Counters: names of drop reasons, sums, the exit report and JSON dump.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "acquire.h"
#include "mtu.h"
#include "stats.h"

struct pool_walk {
	FILE		*f;
	unsigned int	 n;
};

static const char *const drop_names[] = {
#define DP_DROP_NAME(id, name)	name,
	DP_DROP_LIST(DP_DROP_NAME)
#undef DP_DROP_NAME
};

const char *
dp_drop_name(unsigned int reason)
{
	return reason < DP_DROP_MAX ? drop_names[reason] : "?";
}

void
stats_sum(const struct dp_app *app, struct stats_total *t)
{
	unsigned int i, p, r;

	memset(t, 0, sizeof(*t));
	if (app->stats == NULL)
		return;
	for (i = 0; i <= app->nworkers; i++) {
		struct dp_stats *s = &app->stats[i];

		t->bursts += DP_CNT_GET(s->bursts);
		t->idle_sleeps += DP_CNT_GET(s->idle_sleeps);
		t->icmp_errors += DP_CNT_GET(s->icmp_errors);
		for (r = 1; r < DP_DROP_MAX; r++)
			t->drops[r] += DP_CNT_GET(s->drops[r]);
		for (p = 0; p < app->nports; p++) {
			struct dp_port_stats *a = &t->port[p], *b = &s->port[p];

			a->rx_pkts += DP_CNT_GET(b->rx_pkts);
			a->rx_bytes += DP_CNT_GET(b->rx_bytes);
			a->tx_pkts += DP_CNT_GET(b->tx_pkts);
			a->tx_bytes += DP_CNT_GET(b->tx_bytes);
			a->to_tap += DP_CNT_GET(b->to_tap);
			a->from_tap += DP_CNT_GET(b->from_tap);
		}
	}
	for (r = 1; r < DP_DROP_MAX; r++)
		t->drops_total += t->drops[r];
	for (p = 0; p < app->nports; p++) {
		t->rx_pkts += t->port[p].rx_pkts;
		t->tx_pkts += t->port[p].tx_pkts;
	}
}

void
stats_print(const struct dp_app *app, FILE *f)
{
	struct stats_total t;
	unsigned int i, p, r;

	stats_sum(app, &t);
	fprintf(f, "dpsecd counters\n");
	fprintf(f, "  %-10s %-12s %10s %12s %10s %12s %8s %8s\n", "port", "role",
	    "rx-pkts", "rx-bytes", "tx-pkts", "tx-bytes", "to-tap", "from-tap");
	for (p = 0; p < app->nports; p++)
		fprintf(f, "  %-10s %-12s %10" PRIu64 " %12" PRIu64 " %10" PRIu64
		    " %12" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		    app->port[p].name, app->port[p].role == CFG_ROLE_PROTECTED ?
		    "protected" : "unprotected", t.port[p].rx_pkts,
		    t.port[p].rx_bytes, t.port[p].tx_pkts, t.port[p].tx_bytes,
		    t.port[p].to_tap, t.port[p].from_tap);
	for (i = 0; i < app->nworkers; i++) {
		const struct dp_stats *s = &app->stats[i];
		uint64_t d = 0;

		for (r = 1; r < DP_DROP_MAX; r++)
			d += s->drops[r];
		fprintf(f, "  worker %u (lcore %u): %u rx queues, %" PRIu64
		    " bursts, %" PRIu64 " injected, %" PRIu64 " idle sleeps, %"
		    PRIu64 " drops, handed off %" PRIu64 " out %" PRIu64
		    " in\n", i,
		    app->worker[i] != NULL ? app->worker[i]->lcore : 0,
		    app->worker[i] != NULL ? app->worker[i]->nrxq : 0,
		    s->bursts, s->injected, s->idle_sleeps, d, s->handoff_out,
		    s->handoff_in);
	}
	fprintf(f, "  icmp errors sent: %" PRIu64 "\n", t.icmp_errors);
	fprintf(f, "  drops: %" PRIu64 "\n", t.drops_total);
	for (r = 1; r < DP_DROP_MAX; r++)
		if (t.drops[r] != 0)
			fprintf(f, "    %-28s %" PRIu64 "\n", dp_drop_name(r),
			    t.drops[r]);
}

static void
pool_json(struct rte_mempool *mp, void *arg)
{
	struct pool_walk *pw = arg;

	fprintf(pw->f, "%s\n    \"%s\": {\"size\": %u, \"in_use\": %u}",
	    pw->n++ ? "," : "", mp->name, mp->size,
	    rte_mempool_in_use_count(mp));
}

void
stats_pools_json(FILE *f)
{
	struct rte_malloc_socket_stats ms;
	struct pool_walk pw = { f, 0 };

	fprintf(f, ",\n  \"pools\": {");
	rte_mempool_walk(pool_json, &pw);
	fprintf(f, "\n  }");
	memset(&ms, 0, sizeof(ms));
	rte_malloc_get_socket_stats(0, &ms);
	fprintf(f, ",\n  \"heap_alloc_bytes\": %zu", ms.heap_allocsz_bytes);
}

int
stats_write_json(const struct dp_app *app, const char *path)
{
	struct stats_total t;
	unsigned int i, p, r;
	FILE *f;

	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	stats_sum(app, &t);
	fprintf(f, "{\n  \"rx_pkts\": %" PRIu64 ", \"tx_pkts\": %" PRIu64
	    ", \"drops_total\": %" PRIu64 ", \"icmp_errors\": %" PRIu64 ",\n",
	    t.rx_pkts, t.tx_pkts, t.drops_total, t.icmp_errors);
	fprintf(f, "  \"ports\": {");
	for (p = 0; p < app->nports; p++)
		fprintf(f, "%s\n    \"%s\": {\"rx_pkts\": %" PRIu64 ", \"rx_bytes\": %"
		    PRIu64 ", \"tx_pkts\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
		    ", \"to_tap\": %" PRIu64 ", \"from_tap\": %" PRIu64 "}",
		    p ? "," : "", app->port[p].name, t.port[p].rx_pkts,
		    t.port[p].rx_bytes, t.port[p].tx_pkts, t.port[p].tx_bytes,
		    t.port[p].to_tap, t.port[p].from_tap);
	fprintf(f, "\n  },\n  \"drops\": {");
	for (r = 1; r < DP_DROP_MAX; r++)
		fprintf(f, "%s\n    \"%s\": %" PRIu64, r > 1 ? "," : "",
		    dp_drop_name(r), t.drops[r]);
	fprintf(f, "\n  },\n  \"workers\": [");
	for (i = 0; i < app->nworkers; i++)
		fprintf(f, "%s\n    {\"lcore\": %u, \"rx_queues\": %u, \"bursts\": %"
		    PRIu64 ", \"injected\": %" PRIu64 ", \"idle_sleeps\": %" PRIu64
		    ", \"handoff_out\": %" PRIu64 ", \"handoff_in\": %" PRIu64
		    "}", i ? "," : "",
		    app->worker[i] ? app->worker[i]->lcore : 0,
		    app->worker[i] ? app->worker[i]->nrxq : 0,
		    app->stats[i].bursts, app->stats[i].injected,
		    app->stats[i].idle_sleeps, app->stats[i].handoff_out,
		    app->stats[i].handoff_in);
	fprintf(f, "\n  ]");
	acq_write_json((struct dp_app *)app, f);
	dp_mtu_write_json(app, f);
	stats_pools_json(f);
	fprintf(f, "\n}\n");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}
