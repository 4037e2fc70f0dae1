/*
 * dpsecd: EAL init, config, wiring of ports, routes, neighbors, workers,
 * exception path and telemetry, the control loop on the main lcore, and
 * an orderly shutdown.  No packet logic lives here.
 *
 *	dpsecd [EAL options] -- -c FILE [--check] [--stats-json FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "acquire.h"
#include "app.h"
#include "config.h"
#include "exc.h"
#include "mtu.h"
#include "port.h"
#include "stats.h"
#include "telemetry.h"
#include "worker.h"

struct opts {
	const char	*config;
	const char	*stats_json;
	bool		 check;
};

/* Set by the signal handler only; the control loop forwards it. */
static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [EAL options] -- -c FILE [options]\n"
"\n"
"dpsecd is a userspace IPsec gateway on DPDK: worker lcores poll the ports\n"
"named in FILE and forward IPv4/IPv6 between them; the main lcore runs the\n"
"control thread (exception path to the kernel, neighbor resolution).\n"
"\n"
"Options (after --):\n"
"  -c, --config FILE      configuration file (required; see below and\n"
"                         docs/config.md)\n"
"      --check            parse and check FILE, print \"ok\" and exit (no EAL\n"
"                         needed: run as dpsecd --check -c FILE)\n"
"      --stats-json FILE  write the final counters as JSON to FILE on exit\n"
"  -h, --help             this text\n"
"\n"
"Useful EAL options (see DPDK's EAL documentation):\n"
"  -l 0-2                 lcores: the first is the control thread, the\n"
"                         others run workers\n"
"  --no-huge -m 256       run without hugepages in 256 MB of memory\n"
"  --no-pci               do not probe PCI devices (virtual ports only)\n"
"  --file-prefix NAME     runtime files (and the telemetry socket\n"
"                         /var/run/dpdk/NAME/dpdk_telemetry.v2) under NAME;\n"
"                         a unique NAME lets several dpsecd run side by side\n"
"                         (with --no-huge, DPDK 22.11 refuses --in-memory)\n"
"  -a 0000:03:00.0        use only this PCI device\n"
"  --vdev 'net_tap0,iface=x'  create a virtual device (ports can also name\n"
"                         vdev arguments directly in the config)\n"
"\n"
"Signals: SIGINT and SIGTERM stop the workers, flush tx, close the ports,\n"
"print the counters and exit 0.\n"
"Telemetry (dpdk-telemetry.py): /dpsec/stats, /dpsec/ports, /dpsec/drops,\n"
"/dpsec/workers, /dpsec/neighbors, /dpsec/sa.\n"
"\n", prog);
	config_usage(f);
}

static bool
has_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "stats-json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'k':
			o->check = true;
			break;
		case 'j':
			o->stats_json = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpsecd: unexpected argument '%s'\n",
		    argv[optind]);
		return -EINVAL;
	}
	if (o->config == NULL) {
		fprintf(stderr, "dpsecd: -c FILE is required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

/* --check without EAL: dpsecd --check -c FILE (or after --). */
static int
check_only(int argc, char **argv)
{
	struct dpsec_config cfg;
	struct opts o = { 0 };
	char err[CFG_ERR_LEN];
	int i, rc;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = argv[0];
			argc -= i;
			argv += i;
			break;
		}
	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	config_defaults(&cfg);
	rc = config_load(&cfg, o.config, err, sizeof(err));
	config_free(&cfg);
	if (rc != 0) {
		fprintf(stderr, "dpsecd: %s\n", err);
		return 1;
	}
	printf("%s: ok\n", o.config);
	return 0;
}

static bool
wants_check(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--check") == 0)
			return true;
	return false;
}

static int
pick_lcores(const struct dpsec_config *cfg, unsigned int *lcores,
    unsigned int *n)
{
	unsigned int l, i;

	*n = 0;
	if (cfg->worker_lcores_set) {
		for (l = 0; l < 1024; l++) {
			if (!(cfg->worker_lcores[l / 64] & (1ULL << (l % 64))))
				continue;
			if (l >= RTE_MAX_LCORE || !rte_lcore_is_enabled(l) ||
			    l == rte_get_main_lcore()) {
				fprintf(stderr, "dpsecd: %s: workers lcores: lcore "
				    "%u is not a worker lcore of EAL (-l)\n",
				    cfg->file, l);
				return -EINVAL;
			}
			if (*n == DP_MAX_WORKERS)
				break;
			lcores[(*n)++] = l;
		}
		return 0;
	}
	RTE_LCORE_FOREACH_WORKER(i) {
		if (*n == DP_MAX_WORKERS || (cfg->workers && *n == cfg->workers))
			break;
		lcores[(*n)++] = i;
	}
	if (*n == 0) {
		fprintf(stderr, "dpsecd: no worker lcore: give EAL at least two "
		    "(e.g. -l 0-1)\n");
		return -EINVAL;
	}
	if (cfg->workers && *n < cfg->workers) {
		fprintf(stderr, "dpsecd: %s: workers %u, but EAL has only %u "
		    "worker lcores\n", cfg->file, cfg->workers, *n);
		return -EINVAL;
	}
	return 0;
}

static int
build_tables(struct dp_app *app, char *err, size_t errlen)
{
	const struct dpsec_config *cfg = app->cfg;
	unsigned int i, j;
	char b[64];
	int rc;

	app->rt = route_create("dp_rt", cfg->route_max,
	    cfg->route_table == CFG_RT_RIB || (cfg->route_table == CFG_RT_AUTO &&
	    !rte_eal_has_hugepages()), SOCKET_ID_ANY);
	app->nt = neigh_create(cfg->neighbor_max, SOCKET_ID_ANY);
	if (app->rt == NULL || app->nt == NULL) {
		snprintf(err, errlen, "cannot allocate route/neighbor tables: "
		    "%s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < cfg->nroutes; i++) {
		const struct cfg_route *r = &cfg->route[i];

		rc = route_add(app->rt, &r->prefix, &r->via,
		    (uint16_t)config_port_index(cfg, r->port));
		if (rc != 0) {
			snprintf(err, errlen, "%s:%u: route %s: %s", cfg->file,
			    r->line, config_fmt_addr(&r->prefix, true, b,
			    sizeof(b)), strerror(-rc));
			return rc;
		}
	}
	/* Connected routes from port addresses (a config route wins). */
	for (i = 0; i < cfg->nports; i++)
		for (j = 0; j < cfg->port[i].naddr; j++) {
			struct cfg_addr pfx = cfg->port[i].addr[j];
			unsigned int bit, bits = pfx.family == AF_INET ? 32 : 128;

			for (bit = pfx.plen; bit < bits; bit++)
				pfx.u.bytes[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
			rc = route_add(app->rt, &pfx, NULL, (uint16_t)i);
			if (rc != 0 && rc != -EEXIST) {
				snprintf(err, errlen, "%s:%u: port %s: connected "
				    "route: %s", cfg->file, cfg->port[i].line,
				    cfg->port[i].name, strerror(-rc));
				return rc;
			}
		}
	for (i = 0; i < cfg->nneighbors; i++) {
		const struct cfg_neighbor *n = &cfg->neighbor[i];
		struct rte_ether_addr mac;
		struct neigh_entry *e;

		memcpy(mac.addr_bytes, n->mac, 6);
		e = neigh_get(app->nt, (uint16_t)config_port_index(cfg, n->port),
		    n->addr.family == AF_INET ? 4 : 6, n->addr.u.bytes);
		if (e == NULL) {
			snprintf(err, errlen, "%s:%u: neighbor table full",
			    cfg->file, n->line);
			return -ENOSPC;
		}
		neigh_set(e, &mac, NEIGH_STATIC);
	}
	return 0;
}

static void
control_loop(struct dp_app *app)
{
	const struct dpsec_config *cfg = app->cfg;
	uint32_t sleep_us = cfg->idle_min_us;

	while (quit_signal == 0) {
		unsigned int busy;

		busy = exc_poll(app);
		busy += acq_poll(app);
		busy += acq_ctrl_poll(app);
		if (busy > 0) {
			sleep_us = cfg->idle_min_us;
			continue;
		}
		usleep(sleep_us);
		if (sleep_us < 1000)
			sleep_us *= 2;
	}
}

static void
teardown(struct dp_app *app)
{
	telemetry_fini();	/* first: /dpsec/sa reads the IPsec state */
	acq_fini(app);
	exc_fini(app);
	dp_mtu_fini(app);
	ports_close(app);
	workers_free(app);
	route_free(app->rt);
	app->rt = NULL;
	neigh_free(app->nt);
	app->nt = NULL;
	rte_free(app->qsbr);
	app->qsbr = NULL;
	rte_free(app->stats);
	app->stats = NULL;
}

int
main(int argc, char **argv)
{
	static struct dpsec_config cfg;
	struct dp_app *app = NULL;
	unsigned int lcores[DP_MAX_WORKERS], i;
	struct opts o = { 0 };
	char err[CFG_ERR_LEN];
	struct sigaction sa;
	size_t qsz;
	int rc, ret = 1;

	if (has_help(argc, argv)) {
		usage(stdout, argv[0]);
		return 0;
	}
	if (wants_check(argc, argv))
		return check_only(argc, argv);

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "dpsecd: EAL init failed: %s\n",
		    rte_strerror(rte_errno));
		return 1;
	}
	argv[rc] = argv[0];
	argc -= rc;
	argv += rc;
	config_defaults(&cfg);
	if (parse_opts(argc, argv, &o) != 0)
		goto out_eal;
	if (config_load(&cfg, o.config, err, sizeof(err)) != 0) {
		fprintf(stderr, "dpsecd: %s\n", err);
		goto out_eal;
	}

	app = calloc(1, sizeof(*app));
	if (app == NULL)
		goto out_eal;
	app->cfg = &cfg;
	if (pick_lcores(&cfg, lcores, &app->nworkers) != 0)
		goto out;
	app->stats = rte_zmalloc("dp_stats",
	    (app->nworkers + 1) * sizeof(*app->stats), RTE_CACHE_LINE_SIZE);
	qsz = rte_rcu_qsbr_get_memsize(app->nworkers);
	app->qsbr = rte_zmalloc("dp_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (app->stats == NULL || app->qsbr == NULL ||
	    rte_rcu_qsbr_init(app->qsbr, app->nworkers) != 0) {
		fprintf(stderr, "dpsecd: out of memory (raise -m)\n");
		goto out;
	}
	if (ports_open(app, err, sizeof(err)) != 0 ||
	    build_tables(app, err, sizeof(err)) != 0) {
		fprintf(stderr, "dpsecd: %s\n", err);
		goto out;
	}
	pipeline_init_default(&app->pipe[0]);
	pipeline_init_default(&app->pipe[1]);
	if ((rc = workers_create(app, lcores)) != 0 ||
	    (rc = exc_init(app)) != 0) {
		fprintf(stderr, "dpsecd: cannot create workers: %s\n",
		    strerror(-rc));
		goto out;
	}
	if (acq_init(app, err, sizeof(err)) != 0) {
		fprintf(stderr, "dpsecd: %s\n", err);
		goto out;
	}
	if (dp_mtu_init(app, err, sizeof(err)) != 0) {
		fprintf(stderr, "dpsecd: %s\n", err);
		goto out;
	}
	if (telemetry_init(app) != 0)
		fprintf(stderr, "dpsecd: warning: telemetry commands not "
		    "registered\n");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (i = 0; i < app->nports; i++) {
		const struct dp_port *p = &app->port[i];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		printf("dpsecd: port %s (ethdev %u) %s mac %s mtu %u rxq %u txq "
		    "%u%s%s%s\n", p->name, p->port_id,
		    p->role == CFG_ROLE_PROTECTED ? "protected" : "unprotected",
		    mac, p->mtu, p->nb_rxq, p->nb_txq, p->rss ? " rss" : "",
		    p->has_tap ? " tap " : "",
		    p->has_tap ? cfg.port[i].tap : "");
	}
	app->start_tsc = rte_get_tsc_cycles();
	for (i = 0; i < app->nworkers; i++)
		rte_eal_remote_launch(worker_main, app->worker[i],
		    app->worker[i]->lcore);
	printf("dpsecd: running with %u worker(s)\n", app->nworkers);
	fflush(stdout);

	control_loop(app);

	printf("dpsecd: signal %d, stopping\n", (int)quit_signal);
	__atomic_store_n(&app->stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	/* Every packet still held is freed and counted ("shutdown") before
	 * the counters are written: rx = tx + drops + larval queues. */
	exc_fini(app);
	acq_drain(app);
	dp_mtu_drain(app);
	stats_print(app, stdout);
	acq_print(app, stdout);
	dp_mtu_print(app, stdout);
	if (o.stats_json != NULL && (rc = stats_write_json(app, o.stats_json))
	    != 0)
		fprintf(stderr, "dpsecd: %s: %s\n", o.stats_json, strerror(-rc));
	ret = 0;
out:
	teardown(app);
	free(app);
out_eal:
	config_free(&cfg);
	rte_eal_cleanup();
	fflush(stdout);
	return ret;
}
