/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_sadb: SADB figures at 1k, 100k and 1M SAs on one core:
 *  - insert rate (sad_add, MATURE, install hook empty),
 *  - burst lookup rate (32 keys per call) inbound, 100% hits, 100% misses
 *    and 50/50, keys in random order (cache-cold at large sizes),
 *  - outbound template lookup rate (hits),
 *  - delete rate (sad_delete + reclaim),
 *  - bytes of memory per SA (EAL heap for the hash tables, sized from
 *    max_sa = N, plus libc heap for the SA objects).
 * Usage: bench_sadb [max_n] (default 1000000). Not a test: prints figures.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/utsname.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_version.h>

#include "sad.h"

#define BURST	32

static struct rte_rcu_qsbr *qsbr;

static double
now_s(void)
{
	struct timespec ts;

	/* CPU time of this thread: a rate per core that holds on a machine
	 * shared with other work (wall-clock rates would not). */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t
eal_heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static size_t
libc_heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
machine(void)
{
	char line[256], model[256] = "?";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				snprintf(model, sizeof(model), "%s",
				    strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = 0;
				break;
			}
		fclose(f);
	}
	uname(&u);
	printf("machine: %s, %ld cpus online, %s %s; %s\n", model,
	    sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
	    rte_version());
	printf("conditions: one core, EAL --no-huge (4 KiB pages), "
	    "rte_hash RW_CONCURRENCY_LF|EXT_TABLE, CRC hash, burst %d, "
	    "keys in random order; rates per CPU-second of the bench thread"
	    "\n", BURST);
}

/* Burst lookups over keys[] (n keys, a multiple of BURST). */
static double
lookup_rate(struct sad *sad, const struct sad_in_key *keys, uint32_t n,
    uint32_t expect_hits_per_burst)
{
	const struct sad_in_key *kp[BURST];
	struct sa *res[BURST];
	uint64_t done = 0, hits = 0;
	double t0 = now_s(), t;
	uint32_t off = 0, i;

	do {
		for (int rep = 0; rep < 256; rep++) {
			for (i = 0; i < BURST; i++)
				kp[i] = &keys[off + i];
			hits += sad_lookup_in(sad, kp, BURST, res);
			off += BURST;
			if (off + BURST > n)
				off = 0;
			done += BURST;
		}
		t = now_s() - t0;
	} while (t < 0.4);
	if (hits != done / BURST * expect_hits_per_burst)
		fprintf(stderr, "unexpected hit count %lu / %lu\n", hits, done);
	return done / t;
}

static void
run(uint32_t n)
{
	struct sad_params sp;
	struct sa_params p;
	struct sad *sad;
	struct sad_in_key *hit, *miss, *mix;
	struct sad_out_key *ok;
	uint32_t *spi, i;
	uint64_t rnd = 88172645463325252ull;
	size_t eal0, libc0, eal1, libc1;
	double t0, ins, del, rh, rm, rx, ro, tick, dump;
	static const uint8_t key[36] = { 1 };

	memset(&sp, 0, sizeof(sp));
	sp.qsbr = qsbr;
	sp.max_sa = n;
	sp.socket_id = SOCKET_ID_ANY;
	eal0 = eal_heap_used();
	libc0 = libc_heap_used();
	sad = sad_create(&sp);
	if (sad == NULL) {
		printf("N=%u: sad_create: %s\n", n, rte_strerror(rte_errno));
		return;
	}
	spi = malloc(n * sizeof(*spi));
	hit = malloc(n * sizeof(*hit));
	miss = malloc(n * sizeof(*miss));
	mix = malloc(n * sizeof(*mix));
	ok = malloc(n * sizeof(*ok));
	memset(&p, 0, sizeof(p));
	p.proto = IPPROTO_ESP;
	p.mode = 2;
	p.ealg = 20;
	p.enc_key = key;
	p.enc_key_len = 36;
	p.replay_window = 64;
	/* 1024 destinations, SPIs unique. */
	for (i = 0; i < n; i++)
		spi[i] = 0x100000 + i * 7 + (uint32_t)(xrand(&rnd) % 7);
	libc0 = libc_heap_used();	/* after the key arrays */
	t0 = now_s();
	for (i = 0; i < n; i++) {
		sa_addr_v4(&p.src, htonl(0xc0000000 + (i % 1024)));
		sa_addr_v4(&p.dst, htonl(0x0a000000 + (i % 1024)));
		p.spi = spi[i];
		p.reqid = i + 1;
		if (sad_add(sad, &p, NULL) != 0) {
			printf("N=%u: add %u failed\n", n, i);
			exit(1);
		}
	}
	ins = n / (now_s() - t0);
	eal1 = eal_heap_used();
	libc1 = libc_heap_used();

	for (i = 0; i < n; i++) {
		uint32_t j = (uint32_t)(xrand(&rnd) % n);

		sad_in_key_v4(&hit[i], IPPROTO_ESP, spi[j],
		    htonl(0x0a000000 + (j % 1024)));
		sad_in_key_v4(&miss[i], IPPROTO_ESP, 0x80000000u + i,
		    htonl(0x0a000000 + (j % 1024)));
		mix[i] = (i & 1) ? miss[i] : hit[i];
		{
			struct sa_addr a, b;

			sa_addr_v4(&a, htonl(0xc0000000 + (j % 1024)));
			sa_addr_v4(&b, htonl(0x0a000000 + (j % 1024)));
			sad_out_key_set(&ok[i], IPPROTO_ESP, j + 1, &a, &b);
		}
	}
	rh = lookup_rate(sad, hit, n - n % BURST, BURST);
	rm = lookup_rate(sad, miss, n - n % BURST, 0);
	rx = lookup_rate(sad, mix, n - n % BURST, BURST / 2);
	{
		const struct sad_out_key *kp[BURST];
		struct sa *res[BURST];
		uint64_t done = 0;
		uint32_t off = 0;
		double t;

		t0 = now_s();
		do {
			for (int rep = 0; rep < 256; rep++) {
				for (i = 0; i < BURST; i++)
					kp[i] = &ok[off + i];
				sad_lookup_out(sad, kp, BURST, res);
				off += BURST;
				if (off + BURST > n - n % BURST)
					off = 0;
				done += BURST;
			}
			t = now_s() - t0;
		} while (t < 0.4);
		ro = done / t;
	}
	{
		struct sad_dump *d;
		uint32_t cnt = 0;

		t0 = now_s();
		sad_tick(sad, 0);
		tick = now_s() - t0;
		t0 = now_s();
		d = sad_dump_start(sad, 0);
		while (sad_dump_next(d) != NULL)
			cnt++;
		sad_dump_end(d);
		dump = cnt / (now_s() - t0);
		if (cnt != n)
			printf("dump returned %u of %u\n", cnt, n);
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct sa_addr d;

		sa_addr_v4(&d, htonl(0x0a000000 + (i % 1024)));
		if (sad_delete(sad, IPPROTO_ESP, &d, spi[i]) != 0) {
			printf("delete failed\n");
			exit(1);
		}
	}
	sad_reclaim(sad);
	del = n / (now_s() - t0);

	printf("N=%7u  insert %8.0f/s  delete+reclaim %8.0f/s  "
	    "lookup-in Mkeys/s: hits %6.2f misses %6.2f 50/50 %6.2f  "
	    "lookup-out hits %6.2f\n", n, ins, del, rh / 1e6, rm / 1e6,
	    rx / 1e6, ro / 1e6);
	printf("N=%7u  sad_tick walk %.2f ms, dump cursor %.1f M entries/s\n",
	    n, tick * 1e3, dump / 1e6);
	printf("N=%7u  memory: tables (EAL heap, sized for max_sa=N) %.0f B/SA"
	    " + SA objects (libc) %.0f B/SA = %.0f B/SA (sizeof(struct sa) = "
	    "%zu)\n", n, (double)(eal1 - eal0) / n,
	    (double)(libc1 - libc0) / n,
	    (double)(eal1 - eal0 + libc1 - libc0) / n, sizeof(struct sa));
	sad_destroy(sad);
	free(spi);
	free(hit);
	free(miss);
	free(mix);
	free(ok);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "1536",
	    "--no-shconf", "--no-telemetry", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal:error" };
	uint32_t max = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000000;
	uint32_t sizes[] = { 1000, 100000, 1000000 };
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "bench-sadb-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(1),
	    RTE_CACHE_LINE_SIZE);
	rte_rcu_qsbr_init(qsbr, 1);
	machine();
	for (i = 0; i < RTE_DIM(sizes); i++)
		if (sizes[i] <= max)
			run(sizes[i]);
	rte_free(qsbr);
	{
		/* --no-shconf still makes an (empty) runtime directory. */
		char rundir[PATH_MAX];

		snprintf(rundir, sizeof(rundir), "%s",
		    rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	return 0;
}
