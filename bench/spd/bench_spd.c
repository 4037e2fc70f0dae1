/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_spd: SPD figures at 10, 1,000 and 100,000 policies (or the sizes
 * given on the command line):
 *  - load time one spd_add() at a time with the coalescing spd_tick() in
 *    between (what SPDADD after SPDADD from a key manager costs);
 *  - full rebuild time (spd_commit of every policy);
 *  - update-to-effect latency: spd_add() of one more policy until a
 *    classification returns it, with the control loop ticking;
 *  - classification rate per core, bursts of 32, keys that hit random
 *    policies and keys that hit none;
 *  - the transient slow path: keys that hit a deleted policy before the
 *    rebuild;
 *  - delete and flush latency;
 *  - memory (rte_acl heap, policy objects).
 * Usage: bench_spd [N ...]   (EAL runs with --no-huge -m 4096)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "spd.h"

#define BURST 32

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/*
 * Policy i: out, src 10.x.y.0/24 (the i-th /24), dst a /16../32 prefix
 * out of 172.16/12 (random), every 4th one TCP with a destination port
 * range, the rest any protocol; priority 0x80000000 (setkey's default).
 * Like a concentrator with many site-to-site tunnels.
 */
static void
mkconf(struct spd_policy_conf *c, uint32_t i)
{
	uint32_t src = (10u << 24) | (i << 8), dst;
	uint8_t dplen = (uint8_t)(16 + rnd() % 17);

	memset(c, 0, sizeof(*c));
	c->dir = SPD_DIR_OUT;
	c->sel.af = AF_INET;
	c->sel.proto = SPD_PROTO_ANY;
	c->sel.src_plen = 24;
	src = htonl(src);
	memcpy(c->sel.src, &src, 4);
	dst = (172u << 24) | (16u << 16) | (rnd() & 0xfffff);
	dst = htonl(dst & (dplen == 32 ? ~0u : ~(~0u >> dplen)));
	memcpy(c->sel.dst, &dst, 4);
	c->sel.dst_plen = dplen;
	c->sel.sport_hi = 65535;
	c->sel.dport_hi = 65535;
	if (getenv("NOPORTS") == NULL && i % 4 == 3) {
		c->sel.proto = 6;
		c->sel.dport_lo = (uint16_t)(1000 + i % 1000);
		c->sel.dport_hi = (uint16_t)(c->sel.dport_lo + 100);
	}
	c->priority = 0x80000000u;
	c->action = SPD_ACT_PROTECT;
	c->ntmpl = 1;
	c->tmpl[0].proto = IPPROTO_ESP;
	c->tmpl[0].mode = SPD_MODE_TUNNEL;
	c->tmpl[0].af = AF_INET;
	c->tmpl[0].level = SPD_LEVEL_REQUIRE;
	c->tmpl[0].reqid = i + 1;
}

/* A key inside policy c's selector. */
static void
mkkey(struct spd_key *k, const struct spd_policy_conf *c)
{
	uint32_t a;

	memset(k, 0, sizeof(*k));
	k->af = AF_INET;
	k->proto = c->sel.proto == SPD_PROTO_ANY ? 17 : c->sel.proto;
	memcpy(&a, c->sel.src, 4);
	a = htonl(ntohl(a) | (rnd() & 0xff));
	memcpy(k->src, &a, 4);
	memcpy(&a, c->sel.dst, 4);
	if (c->sel.dst_plen < 32)
		a = htonl(ntohl(a) | (rnd() & (~0u >> c->sel.dst_plen)));
	memcpy(k->dst, &a, 4);
	k->sport = htons(40000);
	k->dport = htons(c->sel.dport_lo);
}

static double
classify_rate(struct spd *spd, const struct spd_key *keys, uint32_t nkeys,
    uint64_t *hits_out)
{
	const struct spd_policy *out[BURST];
	uint64_t t0, t1, pkts = 0, hits = 0;
	uint32_t off = 0;

	t0 = now_ns();
	do {
		for (int r = 0; r < 256; r++) {
			hits += spd_classify_bulk(spd, SPD_DIR_OUT, keys + off,
			    BURST, out);
			pkts += BURST;
			off += BURST;
			if (off + BURST > nkeys)
				off = 0;
		}
		t1 = now_ns();
	} while (t1 - t0 < 500000000ull);
	*hits_out = hits * 100 / pkts;
	return (double)pkts * 1e9 / (double)(t1 - t0);
}

/* Tick like the control loop until nothing is pending; returns the
 * longest single control-thread call. */
static uint64_t
settle(struct spd *spd, uint64_t skew)
{
	uint64_t t0, d, worst = 0;

	do {
		t0 = now_ns();
		spd_tick(spd, t0 + skew);
		spd_reclaim(spd);
		d = now_ns() - t0;
		if (d > worst)
			worst = d;
		usleep(200);
	} while (spd_pending(spd));
	return worst;
}

static void
run(struct rte_rcu_qsbr *v, uint32_t n, uint32_t chunk)
{
	struct spd_params prm = { .qsbr = v, .socket_id = -1 };
	struct spd_policy_conf *confs;
	struct spd_key *keys, *miss;
	const struct spd_policy *out[BURST];
	struct spd_stats st;
	struct spd *spd;
	uint32_t i, nkeys = 1 << 14;
	uint64_t t0, t1, load_ns, merge_ns, lat_ns, hitpct, del_ns, flush_ns;
	uint64_t worst = 0, d, h, rebuilds_load, adds_ns;
	double rate_hit, rate_miss, rate_dead, rate_two;
	char name[32];

	snprintf(name, sizeof(name), "bench%u_%u", n, chunk);
	prm.name = name;
	prm.chunk_size = chunk;
	spd = spd_create(&prm);
	if (spd == NULL) {
		fprintf(stderr, "spd_create failed\n");
		exit(1);
	}
	confs = calloc(n + 1, sizeof(*confs));
	keys = calloc(nkeys, sizeof(*keys));
	miss = calloc(nkeys, sizeof(*miss));
	for (i = 0; i <= n; i++)
		mkconf(&confs[i], i);

	/* 1. Load one SPDADD at a time, ticking like the control loop;
	 * builds run in the background thread. */
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		t1 = now_ns();
		if (spd_add(spd, &confs[i], NULL) != 0) {
			fprintf(stderr, "add %u failed\n", i);
			exit(1);
		}
		spd_tick(spd, now_ns());
		spd_reclaim(spd);
		d = now_ns() - t1;
		if (d > worst)
			worst = d;
	}
	adds_ns = now_ns() - t0;
	d = settle(spd, 0);
	if (d > worst)
		worst = d;
	load_ns = now_ns() - t0;
	spd_stats_get(spd, &st);
	rebuilds_load = st.rebuilds;

	/* 2. Idle: the tail chunks merge (one background build of all). */
	t0 = now_ns();
	d = settle(spd, 2000000000ull);
	merge_ns = now_ns() - t0;
	if (d > worst)
		worst = d;
	spd_stats_get(spd, &st);

	/* 3. Lookups, steady state. */
	for (i = 0; i < nkeys; i++) {
		uint32_t a = htonl((192u << 24) | rnd());

		mkkey(&keys[i], &confs[rnd() % n]);
		miss[i] = keys[i];
		memcpy(miss[i].src, &a, 4);
	}
	rate_hit = classify_rate(spd, keys, nkeys, &hitpct);
	rate_miss = classify_rate(spd, miss, nkeys, &h);

	/* 4. Add-to-effect: one more SPDADD, tick until a lookup sees it. */
	mkkey(&keys[0], &confs[n]);
	t0 = now_ns();
	spd_add(spd, &confs[n], NULL);
	for (;;) {
		spd_tick(spd, now_ns());
		if (spd_classify_bulk(spd, SPD_DIR_OUT, keys, 1, out) == 1 &&
		    out[0]->tmpl[0].reqid == n + 1)
			break;
	}
	lat_ns = now_ns() - t0;
	settle(spd, 0);
	mkkey(&keys[0], &confs[rnd() % n]);
	rate_two = classify_rate(spd, keys, nkeys, &h);

	/* 5. Delete, then lookups that all hit the deleted policy before
	 * any rebuild (the readers' candidate path). */
	for (i = 0; i < nkeys; i++)
		mkkey(&keys[i], &confs[0]);
	t0 = now_ns();
	spd_delete_by_selector(spd, SPD_DIR_OUT, &confs[0].sel);
	del_ns = now_ns() - t0;
	rate_dead = classify_rate(spd, keys, nkeys, &h);
	settle(spd, 0);

	/* 6. Flush. */
	t0 = now_ns();
	spd_flush(spd);
	flush_ns = now_ns() - t0;
	t1 = now_ns();
	spd_reclaim(spd);
	t1 = now_ns() - t1;

	printf("%7u policies: %u SPDADDs one at a time done in %.1f ms, all "
	    "compiled after %.3f s (%" PRIu64 " builds, incl. the idle merge "
	    "if it started), idle merge %.3f s, last compile %.3f s, longest "
	    "control-thread call %.3f ms\n", n, n, adds_ns / 1e6,
	    load_ns / 1e9, rebuilds_load, merge_ns / 1e9,
	    st.last_build_ns / 1e9, worst / 1e6);
	printf("        add-to-effect %.3f ms; delete %.1f us; flush %.3f ms"
	    " (+ reclaim %.3f ms)\n", lat_ns / 1e6, del_ns / 1e3,
	    flush_ns / 1e6, t1 / 1e6);
	printf("        classify (burst %d, 1 core): hit %.2f Mpps (%" PRIu64
	    "%% matched), miss %.2f Mpps, hit after one more add %.2f Mpps, "
	    "all keys on one deleted policy (cache-hot) %.2f Mpps\n", BURST, rate_hit / 1e6,
	    hitpct, rate_miss / 1e6, rate_two / 1e6, rate_dead / 1e6);
	printf("        memory: acl %.1f MB, policies %.1f MB (%.0f B per "
	    "policy)\n", st.acl_bytes / 1e6, st.policy_bytes / 1e6,
	    (double)(st.acl_bytes + st.policy_bytes) / n);
	fflush(stdout);
	spd_free(spd);
	free(confs);
	free(keys);
	free(miss);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eargv[] = { "bench_spd", "--no-huge", "--no-pci", "-m", "4096",
	    "--no-shconf", prefix, "-l", "0", "--log-level", "lib.eal,error",
	    NULL };
	struct rte_rcu_qsbr *v;
	struct utsname u;
	uint32_t sizes[8] = { 10, 1000, 100000 };
	uint32_t chunk = getenv("SPD_CHUNK") ? (uint32_t)atoi(getenv("SPD_CHUNK")) : 0;
	int nsizes = 3, i;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench-spd-%d",
	    (int)getpid());
	if (rte_eal_init((int)(sizeof(eargv) / sizeof(eargv[0])) - 1,
	    eargv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (argc > 1) {
		nsizes = 0;
		for (i = 1; i < argc && nsizes < 8; i++)
			sizes[nsizes++] = (uint32_t)strtoul(argv[i], NULL, 0);
	}
	uname(&u);
	printf("bench_spd: %s %s, %ld cpus online, 1 worker core, "
	    "no hugepages, rte_acl default classify alg\n", u.sysname,
	    u.machine, sysconf(_SC_NPROCESSORS_ONLN));
	{
		FILE *f = fopen("/proc/cpuinfo", "r");
		char line[256];

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				printf("cpu: %s", strchr(line, ':') + 2);
				break;
			}
		if (f != NULL)
			fclose(f);
	}
	{
		FILE *f = fopen("/proc/loadavg", "r");
		char line[128];

		if (f != NULL && fgets(line, sizeof(line), f) != NULL)
			printf("load average at start (shared machine): %s",
			    line);
		if (f != NULL)
			fclose(f);
	}
	v = rte_zmalloc("bq", rte_rcu_qsbr_get_memsize(1), 64);
	rte_rcu_qsbr_init(v, 1);
	for (i = 0; i < nsizes; i++)
		run(v, sizes[i], chunk);
	rte_free(v);
	rte_eal_cleanup();
	return 0;
}
