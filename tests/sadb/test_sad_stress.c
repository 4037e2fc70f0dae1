/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad_stress.c: concurrency stress of the SADB (lesson 5).
 *
 * NR reader pthreads, registered with the qsbr, do burst lookups (inbound
 * by SPI, outbound by template) and hand a packet to every LARVAL SA they
 * find (sa_larval_enqueue), "process" MATURE/DYING hits (sa_account), and
 * report a quiescent state after every burst. Meanwhile the control thread
 * (main) creates, promotes, deletes, expires and flushes thousands of SAs
 * and acquire entries, with a fake clock driving sad_tick().
 *
 * Every packet handed in must be accounted exactly once: processed by the
 * reader, refused (dropped with a reason, freed by the reader), released by
 * promotion (larval_release hook), or freed by sadb on expiry/deletion
 * (counted). Each packet carries an id; a bitmap catches duplicates; the
 * mbuf pool must be full again at the end (nothing lost, nothing freed
 * twice). Mbufs are allocated up front and never recycled, so a packet id
 * names one mbuf (and ThreadSanitizer sees no mempool reuse it cannot
 * order).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ipsec.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sad_priv.h"

#define NR		3		/* reader threads */
#define PER_READER	20000		/* packets each reader may hand in */
#define NSLOT		256		/* inbound SA slots */
#define NTMPL		32		/* outbound templates */
#define BURST		32
#define RUN_SECONDS	2.5

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
	__FILE__, __LINE__, #c); exit(1); } } while (0)

/*
 * ThreadSanitizer: DPDK's libraries are not instrumented, so TSan sees the
 * memcpy/memcmp interceptors rte_hash calls on its key store but not the
 * atomics that order them (the lock-free design of rte_hash): ignore
 * interceptor accesses made from inside librte_hash. Our own code (SA
 * fields, larval queues, counters, the free path) stays fully checked; sadb
 * adds instrumented acquire loads where it relies on DPDK's ordering (see
 * SAD_TSAN in sad_priv.h).
 */
const char *__tsan_default_suppressions(void);
const char *
__tsan_default_suppressions(void)
{
	return "called_from_lib:librte_hash.so\n";
}

static struct rte_rcu_qsbr *qsbr;
static struct rte_mempool *pool;
static struct sad *sad;
static uint64_t fake_now = 1000;
static uint32_t stop;

/* published to readers: current SPI of each slot (0 = none) */
static uint32_t slot_spi[NSLOT];
static rte_be32_t slot_dst[NSLOT];
static struct sad_out_key tmpl[NTMPL];

static uint8_t *seen;			/* bitmap over packet ids */
static uint64_t dups;

struct reader {
	pthread_t	th;
	uint32_t	tid;
	struct rte_mbuf	**mbufs;
	uint32_t	used;		/* packets handed in */
	uint64_t	processed;	/* mbuf packets processed */
	uint64_t	mature_hits;	/* hits without a packet */
	uint64_t	queued;
	uint64_t	dropped[SA_DROP_MAX];
	uint64_t	bursts;
	uint64_t	rnd;
};
static struct reader rd[NR];

static uint64_t released;		/* control thread (hook) */

static uint64_t
xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
mark(uint32_t id)
{
	uint8_t bit = (uint8_t)(1u << (id & 7));

	if (__atomic_fetch_or(&seen[id >> 3], bit, __ATOMIC_RELAXED) & bit)
		__atomic_fetch_add(&dups, 1, __ATOMIC_RELAXED);
}

static uint32_t
pkt_id(struct rte_mbuf *m)
{
	return *rte_pktmbuf_mtod(m, uint32_t *);
}

static void
hand_in(struct reader *r, struct sa *sa)
{
	struct rte_mbuf *m;
	struct sa *use;
	enum sa_drop why = SA_DROP_NONE;
	uint32_t id;

	if (r->used == PER_READER || xrand(&r->rnd) % 4 != 0)
		return;
	id = r->tid * PER_READER + r->used;
	m = r->mbufs[r->used++];
	*(uint32_t *)rte_pktmbuf_append(m, 4) = id;
	switch (sa_larval_enqueue(sa, m, &use, &why)) {
	case SA_LQ_QUEUED:
		r->queued++;
		break;
	case SA_LQ_PROCESS:
		/* The SA to use was MATURE when handed back (it may have
		 * died since; a datapath would drop it then). */
		sa_account(use, 1, 4);
		r->processed++;
		mark(id);
		rte_pktmbuf_free(m);
		break;
	case SA_LQ_DROPPED:
	default:
		CHECK(why > SA_DROP_NONE && why < SA_DROP_MAX);
		r->dropped[why]++;
		mark(id);
		rte_pktmbuf_free(m);
		break;
	}
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct sad_in_key ik[BURST];
	const struct sad_in_key *ikp[BURST];
	const struct sad_out_key *okp[BURST];
	struct sa *res[BURST];
	struct timespec ts = { 0, 100000 };
	uint32_t i, s, spi, nin = BURST * 3 / 4, nout = BURST - BURST * 3 / 4;

	CHECK(rte_rcu_qsbr_thread_register(qsbr, r->tid) == 0);
	rte_rcu_qsbr_thread_online(qsbr, r->tid);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < nin; i++) {
			s = (uint32_t)(xrand(&r->rnd) % NSLOT);
			spi = __atomic_load_n(&slot_spi[s], __ATOMIC_RELAXED);
			if (spi == 0)
				spi = 0x7fffffff;	/* a miss */
			sad_in_key_v4(&ik[i], IPPROTO_ESP, spi, slot_dst[s]);
			ikp[i] = &ik[i];
		}
		sad_lookup_in(sad, ikp, nin, res);
		for (i = 0; i < nin; i++) {
			if (res[i] == NULL)
				continue;
			if (sa_state_usable(sa_state(res[i]))) {
				sa_account(res[i], 1, 100);
				r->mature_hits++;
			} else {
				hand_in(r, res[i]);
			}
		}
		for (i = 0; i < nout; i++)
			okp[i] = &tmpl[xrand(&r->rnd) % NTMPL];
		sad_lookup_out(sad, okp, nout, res);
		for (i = 0; i < nout; i++) {
			if (res[i] == NULL)
				continue;
			if (sa_state_usable(sa_state(res[i])))
				r->mature_hits++;
			else
				hand_in(r, res[i]);
		}
		r->bursts++;
		rte_rcu_qsbr_quiescent(qsbr, r->tid);
		if (r->used == PER_READER)
			nanosleep(&ts, NULL);
		else if ((r->bursts & 15) == 0)
			sched_yield();
	}
	rte_rcu_qsbr_thread_offline(qsbr, r->tid);
	rte_rcu_qsbr_thread_unregister(qsbr, r->tid);
	return NULL;
}

static uint64_t
fake_clock(void *arg)
{
	return fake_now;
}

static void
h_larval_release(struct sa *sa, struct rte_mbuf *m[], uint32_t n, void *arg)
{
	uint32_t i;

	CHECK(sa_state_usable(sa_state(sa)));
	for (i = 0; i < n; i++) {
		mark(pkt_id(m[i]));
		released++;
		rte_pktmbuf_free(m[i]);
	}
}

static int
h_install(struct sa *sa, void *arg)
{
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
slot_params(struct sa_params *p, uint32_t s)
{
	static const uint8_t key[20] = { 1, 2, 3 };

	memset(p, 0, sizeof(*p));
	p->proto = IPPROTO_ESP;
	p->mode = IPSEC_MODE_TUNNEL;
	p->ealg = 20;
	p->enc_key = key;
	p->enc_key_len = sizeof(key);
	sa_addr_v4(&p->src, htonl(0x0a000001));
	sa_addr_v4(&p->dst, slot_dst[s]);
	/* Readers' traffic soft- and hard-expires busy SAs under them. */
	p->soft.packets = 3;
	p->hard.packets = 6;
}

/* One random control operation on inbound slot s. */
static uint32_t
slot_op(uint32_t s, uint64_t *rnd)
{
	struct sa_params p;
	struct sa *sa;
	uint32_t spi = slot_spi[s], created = 0;
	uint64_t r = xrand(rnd) % 100;

	slot_params(&p, s);
	if (spi != 0 && sad_get(sad, IPPROTO_ESP, &p.dst, spi, &sa) != 0) {
		/* expired or flushed meanwhile */
		__atomic_store_n(&slot_spi[s], 0, __ATOMIC_RELAXED);
		spi = 0;
	}
	if (spi == 0) {
		if (r < 70) {
			CHECK(sad_getspi(sad, &p, 0x1000, 0xffffff, &sa) == 0);
			__atomic_store_n(&slot_spi[s], sa->spi,
			    __ATOMIC_RELAXED);
		} else {
			p.spi = 0x1000000 + (uint32_t)(xrand(rnd) % 0xffffff);
			if (sad_add(sad, &p, &sa) != 0)
				return 0;
			__atomic_store_n(&slot_spi[s], sa->spi,
			    __ATOMIC_RELAXED);
		}
		return 1;
	}
	if (sa_state(sa) == SA_LARVAL) {
		if (r < 60) {
			p.spi = spi;
			CHECK(sad_update(sad, &p, NULL) == 0);
		} else if (r < 80) {
			CHECK(sad_delete(sad, IPPROTO_ESP, &p.dst, spi) == 0);
			__atomic_store_n(&slot_spi[s], 0, __ATOMIC_RELAXED);
		}
		return created;
	}
	if (r < 40) {
		CHECK(sad_delete_sa(sad, sa) == 0);
		CHECK(sad_delete_sa(sad, sa) == 0);	/* idempotent */
		__atomic_store_n(&slot_spi[s], 0, __ATOMIC_RELAXED);
	}
	return created;
}

/* One random control operation on outbound template t. */
static uint32_t
tmpl_op(uint32_t t, uint64_t *rnd)
{
	const struct sad_out_key *kp[1] = { &tmpl[t] };
	struct sa_params p;
	struct sa *sa;
	uint64_t r = xrand(rnd) % 100;

	sad_lookup_out(sad, kp, 1, &sa);
	if (sa == NULL) {
		CHECK(sad_acquire(sad, &tmpl[t], IPSEC_MODE_TUNNEL, &sa) == 0);
		return 1;
	}
	if (sa->kind == SA_KIND_ACQUIRE) {
		if (r < 60) {
			memset(&p, 0, sizeof(p));
			p.proto = IPPROTO_ESP;
			p.reqid = tmpl[t].reqid;
			p.src = sa->src;
			p.dst = sa->dst;
			p.spi = 0x2000000 + (uint32_t)(xrand(rnd) % 0xffffff);
			if (sad_add(sad, &p, NULL) == 0)
				return 1;
		} else if (r < 75) {
			CHECK(sad_delete_sa(sad, sa) == 0);	/* cancel */
		}
		return 0;
	}
	if (r < 30)
		CHECK(sad_delete_sa(sad, sa) == 0);
	return 0;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", "--no-telemetry", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal:error" };
	struct sad_params sp;
	struct sad_stats st;
	uint64_t rnd = 0x9e3779b97f4a7c15ull, ops = 0, created = 0;
	uint64_t handed = 0, processed = 0, rdrop = 0, bits = 0, purged;
	uint64_t queued = 0, hits = 0;
	uint32_t i, j;
	double t0;

	snprintf(prefix, sizeof(prefix), "sadb-stress-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(NR),
	    RTE_CACHE_LINE_SIZE);
	CHECK(qsbr != NULL && rte_rcu_qsbr_init(qsbr, NR) == 0);
	pool = rte_pktmbuf_pool_create("stress", NR * PER_READER, 0, 0,
	    RTE_PKTMBUF_HEADROOM + 16, SOCKET_ID_ANY);
	CHECK(pool != NULL);
	seen = calloc(NR * PER_READER / 8 + 1, 1);
	CHECK(seen != NULL);

	memset(&sp, 0, sizeof(sp));
	sp.qsbr = qsbr;
	sp.max_sa = 4096;
	sp.socket_id = SOCKET_ID_ANY;
	sp.larval_timeout = 3;
	sp.acquire_timeout = 3;
	sp.lq_per_sa = 16;
	sp.lq_total = 1024;
	sp.tick_slice = 64;
	sp.clock = fake_clock;
	sp.hooks.sa_install = h_install;
	sp.hooks.larval_release = h_larval_release;
	sad = sad_create(&sp);
	CHECK(sad != NULL);

	for (i = 0; i < NSLOT; i++)
		slot_dst[i] = htonl(0x0a010000 + i);
	for (j = 0; j < NTMPL; j++) {
		struct sa_addr a, b;

		sa_addr_v4(&a, htonl(0x0a020001));
		sa_addr_v4(&b, htonl(0x0a030000 + j));
		sad_out_key_set(&tmpl[j], IPPROTO_ESP, 100 + j % 4, &a, &b);
	}
	for (i = 0; i < NR; i++) {
		rd[i].tid = i;
		rd[i].rnd = 0x1234567 + i * 7919;
		rd[i].mbufs = calloc(PER_READER, sizeof(struct rte_mbuf *));
		CHECK(rd[i].mbufs != NULL);
		CHECK(rte_pktmbuf_alloc_bulk(pool, rd[i].mbufs,
		    PER_READER) == 0);
	}
	for (i = 0; i < NR; i++)
		CHECK(pthread_create(&rd[i].th, NULL, reader_main,
		    &rd[i]) == 0);

	t0 = now_s();
	while (now_s() - t0 < RUN_SECONDS) {
		for (i = 0; i < 16; i++) {
			if (xrand(&rnd) % 4 == 0)
				created += tmpl_op(
				    (uint32_t)(xrand(&rnd) % NTMPL), &rnd);
			else
				created += slot_op(
				    (uint32_t)(xrand(&rnd) % NSLOT), &rnd);
			ops++;
		}
		if (ops % 256 == 0) {
			fake_now++;
			sad_tick(sad, fake_now);
		}
		if (ops % 8192 == 0) {
			/* A flush under traffic now and then. */
			sad_flush(sad, IPPROTO_ESP);
		}
		sad_reclaim(sad);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NR; i++)
		CHECK(pthread_join(rd[i].th, NULL) == 0);
	sad_flush(sad, 0);
	sad_stats(sad, &st);

	for (i = 0; i < NR; i++) {
		handed += rd[i].used;
		processed += rd[i].processed;
		queued += rd[i].queued;
		hits += rd[i].mature_hits;
		for (j = 0; j < SA_DROP_MAX; j++)
			rdrop += rd[i].dropped[j];
		CHECK(rd[i].dropped[SA_DROP_LQ_SA_FULL] <=
		    st.drops[SA_DROP_LQ_SA_FULL]);
	}
	for (i = 0; i < NR * PER_READER; i++)
		bits += (seen[i >> 3] >> (i & 7)) & 1;
	purged = st.drops[SA_DROP_LQ_EXPIRED] + st.drops[SA_DROP_LQ_DELETED] +
	    st.drops[SA_DROP_LQ_NO_HOOK];

	printf("expire soft %lu hard %lu\n", st.expire_soft, st.expire_hard);
	CHECK(st.expire_hard > 0);
	printf("ops %lu, SAs created %lu, bursts %lu/%lu/%lu, mature hits "
	    "%lu\n", ops, created, rd[0].bursts, rd[1].bursts, rd[2].bursts,
	    hits);
	printf("packets handed in %lu: processed %lu, refused %lu "
	    "(sa_full %lu, global_full %lu, dead %lu), queued %lu -> "
	    "released %lu + purged %lu (expired %lu, deleted %lu); dups %lu\n",
	    handed, processed, rdrop, st.drops[SA_DROP_LQ_SA_FULL],
	    st.drops[SA_DROP_LQ_GLOBAL_FULL], st.drops[SA_DROP_LQ_DEAD],
	    queued, released, purged, st.drops[SA_DROP_LQ_EXPIRED],
	    st.drops[SA_DROP_LQ_DELETED], dups);

	CHECK(dups == 0);
	CHECK(handed == processed + rdrop + released + purged);
	CHECK(bits == handed - purged);
	CHECK(queued == st.lq_queued);
	CHECK(st.lq_queued == released + purged);
	CHECK(st.lq_current == 0);
	CHECK(st.drops[SA_DROP_LQ_SA_FULL] + st.drops[SA_DROP_LQ_GLOBAL_FULL] +
	    st.drops[SA_DROP_LQ_DEAD] == rdrop);
	CHECK(st.n_sa == 0);
	CHECK(created >= 1000);		/* thousands of SAs went through */
	CHECK(queued > 0 && released > 0);

	sad_destroy(sad);
	for (i = 0; i < NR; i++)
		if (rd[i].used < PER_READER)
			rte_pktmbuf_free_bulk(&rd[i].mbufs[rd[i].used],
			    PER_READER - rd[i].used);
	CHECK(rte_mempool_avail_count(pool) == NR * PER_READER);
	for (i = 0; i < NR; i++)
		free(rd[i].mbufs);
	free(seen);
	rte_mempool_free(pool);
	rte_free(qsbr);
	{
		/* --no-shconf still makes an (empty) runtime directory. */
		char rundir[PATH_MAX];

		snprintf(rundir, sizeof(rundir), "%s",
		    rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	printf("stress: OK\n");
	return 0;
}
