/*
 * /dpsec/ telemetry commands:
 *   /dpsec/stats      totals (rx, tx, drops, icmp errors, bursts)
 *   /dpsec/ports      per port: role, device counters and ours
 *   /dpsec/drops      per drop reason (all reasons, zeros included)
 *   /dpsec/workers    per worker: lcore, rx queues, bursts, sleeps, drops
 *   /dpsec/neighbors  the neighbor table
 *   /dpsec/sa         per SA: state, packets, bytes, sequence, drops
 *   /dpsec/pools      per mempool: size, in use; DPDK heap allocated
 * The callbacks run on DPDK's telemetry thread; they only read counters
 * (relaxed loads) and [I] fields, and the neighbor table lock-free.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "acquire.h"
#include "stats.h"
#include "telemetry.h"

/*
 * Set by telemetry_init(); 22.11 has no per-command argument.  The mutex
 * keeps telemetry_fini() from returning while a callback still reads the
 * context.
 */
static struct dp_app *tel_app;
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dp_app *
app_get(void)
{
	return tel_app;
}

static int
do_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_app *app = app_get();
	struct stats_total t;

	if (app == NULL)
		return -1;
	stats_sum(app, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_pkts", t.rx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_pkts", t.tx_pkts);
	rte_tel_data_add_dict_u64(d, "drops", t.drops_total);
	rte_tel_data_add_dict_u64(d, "icmp_errors", t.icmp_errors);
	rte_tel_data_add_dict_u64(d, "bursts", t.bursts);
	rte_tel_data_add_dict_u64(d, "idle_sleeps", t.idle_sleeps);
	rte_tel_data_add_dict_u64(d, "workers", app->nworkers);
	rte_tel_data_add_dict_u64(d, "ports", app->nports);
	return 0;
}

static int
do_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_app *app = app_get();
	struct stats_total t;
	unsigned int p;

	if (app == NULL)
		return -1;
	stats_sum(app, &t);
	rte_tel_data_start_dict(d);
	for (p = 0; p < app->nports; p++) {
		const struct dp_port *pt = &app->port[p];
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_eth_stats es;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (c == NULL)
			return -1;
		rte_tel_data_start_dict(c);
		rte_ether_format_addr(mac, sizeof(mac), &pt->mac);
		rte_tel_data_add_dict_string(c, "role",
		    pt->role == CFG_ROLE_PROTECTED ? "protected" : "unprotected");
		rte_tel_data_add_dict_string(c, "mac", mac);
		rte_tel_data_add_dict_u64(c, "ethdev", pt->port_id);
		rte_tel_data_add_dict_u64(c, "mtu", pt->mtu);
		rte_tel_data_add_dict_u64(c, "rx_queues", pt->nb_rxq);
		rte_tel_data_add_dict_u64(c, "tx_queues", pt->nb_txq);
		rte_tel_data_add_dict_u64(c, "rss", pt->rss);
		rte_tel_data_add_dict_u64(c, "rx_pkts", t.port[p].rx_pkts);
		rte_tel_data_add_dict_u64(c, "rx_bytes", t.port[p].rx_bytes);
		rte_tel_data_add_dict_u64(c, "tx_pkts", t.port[p].tx_pkts);
		rte_tel_data_add_dict_u64(c, "tx_bytes", t.port[p].tx_bytes);
		rte_tel_data_add_dict_u64(c, "to_tap", t.port[p].to_tap);
		rte_tel_data_add_dict_u64(c, "from_tap", t.port[p].from_tap);
		if (rte_eth_stats_get(pt->port_id, &es) == 0) {
			rte_tel_data_add_dict_u64(c, "dev_ipackets", es.ipackets);
			rte_tel_data_add_dict_u64(c, "dev_opackets", es.opackets);
			rte_tel_data_add_dict_u64(c, "dev_imissed", es.imissed);
			rte_tel_data_add_dict_u64(c, "dev_ierrors", es.ierrors);
			rte_tel_data_add_dict_u64(c, "dev_oerrors", es.oerrors);
			rte_tel_data_add_dict_u64(c, "dev_rx_nombuf", es.rx_nombuf);
		}
		rte_tel_data_add_dict_container(d, pt->name, c, 0);
	}
	return 0;
}

static int
do_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_app *app = app_get();
	struct stats_total t;
	unsigned int r;

	if (app == NULL)
		return -1;
	stats_sum(app, &t);
	rte_tel_data_start_dict(d);
	for (r = 1; r < DP_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, dp_drop_name(r), t.drops[r]);
	return 0;
}

static int
do_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_app *app = app_get();
	unsigned int i, r;
	char name[32];

	if (app == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (i = 0; i <= app->nworkers; i++) {
		const struct dp_stats *s = &app->stats[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		uint64_t drops = 0, rx = 0, tx = 0;
		unsigned int p;

		if (c == NULL)
			return -1;
		for (r = 1; r < DP_DROP_MAX; r++)
			drops += DP_CNT_GET(s->drops[r]);
		for (p = 0; p < app->nports; p++) {
			rx += DP_CNT_GET(s->port[p].rx_pkts);
			tx += DP_CNT_GET(s->port[p].tx_pkts);
		}
		rte_tel_data_start_dict(c);
		if (i < app->nworkers) {
			snprintf(name, sizeof(name), "worker%u", i);
			rte_tel_data_add_dict_u64(c, "lcore", app->worker[i]->lcore);
			rte_tel_data_add_dict_u64(c, "rx_queues",
			    app->worker[i]->nrxq);
		} else
			snprintf(name, sizeof(name), "control");
		rte_tel_data_add_dict_u64(c, "rx_pkts", rx);
		rte_tel_data_add_dict_u64(c, "tx_pkts", tx);
		rte_tel_data_add_dict_u64(c, "bursts", DP_CNT_GET(s->bursts));
		rte_tel_data_add_dict_u64(c, "injected", DP_CNT_GET(s->injected));
		rte_tel_data_add_dict_u64(c, "idle_sleeps",
		    DP_CNT_GET(s->idle_sleeps));
		rte_tel_data_add_dict_u64(c, "handoff_out",
		    DP_CNT_GET(s->handoff_out));
		rte_tel_data_add_dict_u64(c, "handoff_in",
		    DP_CNT_GET(s->handoff_in));
		rte_tel_data_add_dict_u64(c, "drops", drops);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
do_neighbors(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const st[] = { "empty", "incomplete", "failed",
	    "reachable", "static" };
	struct dp_app *app = app_get();
	uint32_t i, state;
	char line[128], ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (app == NULL)
		return -1;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i <= app->nt->mask; i++) {
		const struct neigh_entry *e = &app->nt->e[i];
		struct rte_ether_addr ea;
		uint64_t w;

		state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		if (state == NEIGH_EMPTY || state > NEIGH_STATIC)
			continue;
		w = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);
		memcpy(ea.addr_bytes, &w, 6);
		inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, ip,
		    sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &ea);
		snprintf(line, sizeof(line), "%s %s dev %s %s", ip, mac,
		    app->port[e->port].name, st[state]);
		rte_tel_data_add_array_string(d, line);
	}
	return 0;
}

static void
pool_cb(struct rte_mempool *mp, void *arg)
{
	struct rte_tel_data *d = arg;
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "size", mp->size);
	rte_tel_data_add_dict_u64(c, "in_use", rte_mempool_in_use_count(mp));
	rte_tel_data_add_dict_container(d, mp->name, c, 0);
}

/*
 * /dpsec/pools: every mempool's size and objects in use (mbufs held by
 * the datapath, the PMDs, queues), and the DPDK heap of socket 0.  Needs
 * no dpsecd state: the mempool list has its own lock.
 */
static int
tel_pools(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_malloc_socket_stats ms;

	rte_tel_data_start_dict(d);
	rte_mempool_walk(pool_cb, d);
	memset(&ms, 0, sizeof(ms));
	rte_malloc_get_socket_stats(0, &ms);
	rte_tel_data_add_dict_u64(d, "heap_alloc_bytes",
	    ms.heap_allocsz_bytes);
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	rc = do_stats(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	rc = do_ports(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	rc = do_drops(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	rc = do_workers(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
tel_neighbors(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc;

	pthread_mutex_lock(&tel_lock);
	rc = do_neighbors(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -1;

	pthread_mutex_lock(&tel_lock);
	if (tel_app != NULL)
		rc = acq_telemetry_sa(tel_app, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

int
telemetry_init(struct dp_app *app)
{
	static bool registered;
	int rc = 0;

	pthread_mutex_lock(&tel_lock);
	tel_app = app;
	pthread_mutex_unlock(&tel_lock);
	if (registered)
		return 0;
	registered = true;
	rc |= rte_telemetry_register_cmd("/dpsec/stats", tel_stats,
	    "dpsecd totals. No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/ports", tel_ports,
	    "Per-port counters. No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/drops", tel_drops,
	    "Drops by reason. No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/workers", tel_workers,
	    "Per-worker counters. No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/neighbors", tel_neighbors,
	    "Neighbor table. No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/sa", tel_sa,
	    "Per-SA counters (refreshed every second). No parameters");
	rc |= rte_telemetry_register_cmd("/dpsec/pools", tel_pools,
	    "Mempools (size, in use) and DPDK heap. No parameters");
	return rc;
}

void
telemetry_fini(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_app = NULL;
	pthread_mutex_unlock(&tel_lock);
}
