/*
 * Control-plane soak under churn (issue 10, deliverable 2 as far as it can
 * go before dpsecd runs the IPsec datapath): a PF_KEY client adds,
 * updates (GETSPI then UPDATE), deletes, gets, dumps and flushes SAs and
 * policies over the real socket as fast as it can, while RCU reader
 * threads do what workers do -- inbound SAD lookups by SPI, outbound
 * lookups by template, SPD classification -- and queue packets on LARVAL
 * SAs and acquire entries (GETSPI/UPDATE racing inbound traffic, lesson
 * 5; acquires, lesson 4); lifetimes expire and larval SAs and acquires
 * time out (a fake clock runs 10x).  At the end every packet is accounted
 * for (queued = released + dropped by reason, the mbuf pool back to its
 * starting count), the databases are empty with nothing left to reclaim,
 * DPDK heap use is back near its start, and the server still answers.
 * ASan/LSan and TSan runs of the 'stress' suite check the rest.
 *
 * DPSEC_SOAK_SECONDS sets the duration (default 3; CI); run it by hand
 * for hours: DPSEC_SOAK_SECONDS=3600 build/tests/ctrl/test_soak.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "pfk_client.h"
#include "sa.h"

#define NREADERS	2
#define SPI_BASE	0x10000u
#define NSPI		2048u
#define NPOOL		4096

static struct rte_rcu_qsbr *qsbr;
static struct sad *sad;
static struct spd *spd;
static struct ctrl *ctrl;
static struct rte_mempool *mp;
static char path[108];
static int stop_ctl, stop_rd;	/* [A] */
static uint64_t clk = 1000000;		/* fake seconds [A] */
static uint64_t n_released, n_expire, n_acq;	/* [A] */
static uint64_t rd_lookups, rd_hits, rd_queued, rd_processed,
    rd_dropped, rd_classified;	/* [A] */
static struct tmsg t;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

/*
 * ThreadSanitizer: DPDK's libraries are not instrumented, so TSan sees the
 * memcpy/memcmp interceptors rte_hash calls on its key store but not the
 * atomics that order them (rte_hash's lock-free readers): ignore
 * interceptor accesses from inside librte_hash, as tests/sadb's stress
 * test does.  Everything of ours stays checked.
 */
const char *__tsan_default_suppressions(void);
const char *
__tsan_default_suppressions(void)
{
	return "called_from_lib:librte_hash.so\n";
}

static uint64_t
fake_clock(void *arg)
{
	return __atomic_load_n(&clk, __ATOMIC_RELAXED);
}

static void
h_release(struct sa *sa, struct rte_mbuf *m[], uint32_t n, void *arg)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
	__atomic_fetch_add(&n_released, n, __ATOMIC_RELAXED);
}

static void
h_expire(struct sa *sa, enum sa_expire_kind kind, void *arg)
{
	__atomic_fetch_add(&n_expire, 1, __ATOMIC_RELAXED);
}

static void
out_key(struct sad_out_key *k, uint32_t i)
{
	memset(k, 0, sizeof(*k));
	k->proto = IPPROTO_ESP;
	k->family = AF_INET;
	k->src[0] = 10;
	k->dst[0] = 10;
	k->dst[3] = 2;
	k->src[3] = (uint8_t)(1 + i % 8);	/* 10.0.0.1..8 -> 10.0.0.2 */
}

/* The control thread: socket, timers, reclamation, acquires. */
static void *
control(void *arg)
{
	uint64_t last = srv_now_ns(), x = 99;

	while (!__atomic_load_n(&stop_ctl, __ATOMIC_ACQUIRE)) {
		ctrl_poll(ctrl, 2);
		if (srv_now_ns() - last >= 100000000ull) {	/* 100 ms */
			struct sad_out_key k;
			struct sa *sa;

			last = srv_now_ns();
			__atomic_fetch_add(&clk, 1, __ATOMIC_RELAXED);
			sad_tick(sad, __atomic_load_n(&clk, __ATOMIC_RELAXED));
			/* a policy without SA: an acquire entry */
			x = x * 6364136223846793005ull + 1;
			out_key(&k, (uint32_t)(x >> 33));
			if (sad_acquire(sad, &k, IPSEC_MODE_TUNNEL, &sa) == 0)
				__atomic_fetch_add(&n_acq, 1,
				    __ATOMIC_RELAXED);
		}
		spd_tick(spd, srv_now_ns());
		sad_reclaim(sad);
	}
	return NULL;
}

/* A worker: lookups and larval/acquire queueing, like the datapath. */
static void *
reader(void *arg)
{
	unsigned int tid = (unsigned int)(uintptr_t)arg;
	uint64_t x = 0x9e3779b97f4a7c15ull * (tid + 1);
	uint64_t nl = 0, nh = 0, nq = 0, np = 0, nd = 0, nc = 0;
	struct sad_in_key ik[32];
	const struct sad_in_key *ikp[32];
	struct sad_out_key ok[8];
	const struct sad_out_key *okp[8];
	struct spd_key sk[32];
	const struct spd_policy *pol[32];
	struct sa *sa[32];
	int i;

	rte_rcu_qsbr_thread_register(qsbr, tid);
	rte_rcu_qsbr_thread_online(qsbr, tid);
	while (!__atomic_load_n(&stop_rd, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 32; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memset(&ik[i], 0, sizeof(ik[i]));
			ik[i].spi = SPI_BASE + (uint32_t)(x % NSPI);
			ik[i].proto = IPPROTO_ESP;
			ik[i].family = AF_INET;
			ik[i].dst[0] = 10;
			ik[i].dst[3] = 2;
			ikp[i] = &ik[i];
			memset(&sk[i], 0, sizeof(sk[i]));
			sk[i].af = AF_INET;
			sk[i].proto = IPPROTO_UDP;
			sk[i].src[0] = 10;
			sk[i].src[1] = (uint8_t)(x >> 20);
			sk[i].dst[0] = 10;
			sk[i].dst[1] = 2;
		}
		nh += sad_lookup_in(sad, ikp, 32, sa);
		nl += 32;
		for (i = 0; i < 8; i++) {
			out_key(&ok[i], (uint32_t)(x >> (i * 4)));
			okp[i] = &ok[i];
		}
		nh += sad_lookup_out(sad, okp, 8, sa + 24);
		nl += 8;
		for (i = 0; i < 32; i++) {
			struct rte_mbuf *m;
			struct sa *use;

			if (sa[i] == NULL)
				continue;
			if (sa_state(sa[i]) != SA_LARVAL) {
				np++;	/* would be processed */
				continue;
			}
			m = rte_pktmbuf_alloc(mp);
			if (m == NULL)
				continue;
			switch (sa_larval_enqueue(sa[i], m, &use, NULL)) {
			case SA_LQ_QUEUED:
				nq++;
				break;
			case SA_LQ_PROCESS:
				np++;
				rte_pktmbuf_free(m);
				break;
			default:
				nd++;
				rte_pktmbuf_free(m);
				break;
			}
		}
		nc += spd_classify_bulk(spd, SPD_DIR_OUT, sk, 32, pol);
		rte_rcu_qsbr_quiescent(qsbr, tid);
	}
	rte_rcu_qsbr_thread_offline(qsbr, tid);
	rte_rcu_qsbr_thread_unregister(qsbr, tid);
	__atomic_fetch_add(&rd_lookups, nl, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rd_hits, nh, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rd_queued, nq, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rd_processed, np, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rd_dropped, nd, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rd_classified, nc, __ATOMIC_RELAXED);
	return NULL;
}

static const void *
rx_ext(uint16_t type)
{
	const uint8_t *p = (const uint8_t *)rbuf + 16;
	const uint8_t *end = (const uint8_t *)rbuf + rh->sadb_msg_len * 8;

	while (p < end) {
		const struct sadb_ext *e = (const void *)p;

		if (e->sadb_ext_len == 0)
			return NULL;
		if (e->sadb_ext_type == type)
			return p;
		p += e->sadb_ext_len * 8;
	}
	return NULL;
}

/* Request on fd; the reply of this request (broadcasts skipped). */
static int
req(int fd)
{
	uint32_t seq = tmsg_hdr(&t)->sadb_msg_seq;
	uint8_t type = tmsg_hdr(&t)->sadb_msg_type;
	ssize_t n;

	assert_int_equal(cli_send(fd, &t), 0);
	do {
		n = cli_recv(fd, rbuf, sizeof(rbuf), 20000);
		if (n < 16) {
			fprintf(stderr, "no reply to type %u seq %u\n", type, seq);
			if (getenv("DPSEC_SOAK_HANG") != NULL)
				pause();
			fail_msg("no reply to type %u seq %u", type, seq);
		}
	} while (rh->sadb_msg_seq != seq || rh->sadb_msg_type != type);
	return rh->sadb_msg_errno;
}

/* SA (unless spi is 0), SA2, addresses: 10.0.0.(1..8) -> 10.0.0.2 */
static void
sa_hdr(uint8_t type, uint32_t seq, uint32_t spi, unsigned int src)
{
	char s[16];

	snprintf(s, sizeof(s), "10.0.0.%u", 1 + src % 8);
	tmsg_init(&t, type, SADB_SATYPE_ESP, seq);
	if (spi != 0)
		tmsg_sa(&t, spi, SADB_AALG_NONE, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, s, 32, 0, IPSEC_ULPROTO_ANY);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0,
	    IPSEC_ULPROTO_ANY);
}

static void
with_key(uint64_t life)
{
	static const uint8_t key[20] = { 9, 8, 7 };

	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, key, 160);
	if (life != 0) {
		tmsg_lifetime(&t, SADB_EXT_LIFETIME_HARD, 0, life);
		tmsg_lifetime(&t, SADB_EXT_LIFETIME_SOFT, 0, life / 2);
	}
}

/* One random control operation; returns 1 if it succeeded. */
static int
churn_one(int fd, uint64_t r, uint32_t seq)
{
	uint32_t spi = SPI_BASE + (uint32_t)(r % NSPI);
	unsigned int op = (unsigned int)(r >> 40) % 100;
	struct sadb_spirange *sr;
	char s[32];
	int e;

	if (op < 30) {			/* ADD, some with lifetimes */
		sa_hdr(SADB_ADD, seq, spi, (unsigned int)(r >> 20));
		with_key(op < 10 ? 5 + (r >> 50) % 20 : 0);
		e = req(fd);
	} else if (op < 50) {		/* GETSPI, then UPDATE (or not) */
		sa_hdr(SADB_GETSPI, seq, 0, (unsigned int)(r >> 20));
		sr = tmsg_ext(&t, SADB_EXT_SPIRANGE, sizeof(*sr));
		sr->sadb_spirange_min = SPI_BASE;
		sr->sadb_spirange_max = SPI_BASE + NSPI - 1;
		e = req(fd);
		if (e == 0 && op < 45) {
			const struct sadb_sa *sa = rx_ext(SADB_EXT_SA);

			if (sa == NULL)
				return 0;
			usleep((useconds_t)(r % 2000));	/* traffic queues */
			sa_hdr(SADB_UPDATE, seq, ntohl(sa->sadb_sa_spi),
			    (unsigned int)(r >> 20));
			tmsg_hdr(&t)->sadb_msg_seq = seq;
			with_key(0);
			e = req(fd);
		}
	} else if (op < 75) {		/* DELETE */
		sa_hdr(SADB_DELETE, seq, spi, (unsigned int)(r >> 20));
		e = req(fd);
	} else if (op < 80) {		/* GET */
		sa_hdr(SADB_GET, seq, spi, (unsigned int)(r >> 20));
		e = req(fd);
	} else if (op < 92) {		/* SPDADD */
		snprintf(s, sizeof(s), "10.%u.0.0", (unsigned int)(r >> 32) %
		    256);
		tmsg_spdadd4(&t, SADB_X_SPDADD, seq, s, 16, "10.2.0.0", 16,
		    IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		e = req(fd);
	} else if (op < 97) {		/* SPDDELETE */
		snprintf(s, sizeof(s), "10.%u.0.0", (unsigned int)(r >> 32) %
		    256);
		tmsg_spdadd4(&t, SADB_X_SPDDELETE, seq, s, 16, "10.2.0.0",
		    16, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		e = req(fd);
	} else if (op < 98) {		/* DUMP to the end */
		tmsg_init(&t, SADB_DUMP, SADB_SATYPE_ESP, seq);
		assert_int_equal(cli_send(fd, &t), 0);
		do {
			assert_true(cli_recv(fd, rbuf, sizeof(rbuf), 5000) >=
			    16);
		} while (!(rh->sadb_msg_type == SADB_DUMP &&
		    (rh->sadb_msg_seq == 0 || rh->sadb_msg_errno != 0)));
		e = rh->sadb_msg_errno;
	} else if (op < 99) {
		tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, seq);
		e = req(fd);
	} else {
		tmsg_init(&t, SADB_X_SPDFLUSH, 0, seq);
		e = req(fd);
	}
	return e == 0;
}

static void
test_soak(void **state)
{
	const char *env = getenv("DPSEC_SOAK_SECONDS");
	double secs = env != NULL ? atof(env) : 3.0;
	struct rte_malloc_socket_stats ms0, ms1;
	struct sad_params sp;
	struct spd_params pp;
	struct ctrl_params cp;
	struct sad_stats st;
	pthread_t ctl, rd[NREADERS];
	uint64_t r = 0x1234567, ops = 0, ok = 0, t_end, queued, dropped;
	unsigned int i, pool0;
	int fd, k;

	assert_int_equal(srv_eal(), 0);
	qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(NREADERS),
	    RTE_CACHE_LINE_SIZE);
	assert_non_null(qsbr);
	assert_int_equal(rte_rcu_qsbr_init(qsbr, NREADERS), 0);
	/* Our readers and the control thread are preemptible pthreads on a
	 * shared machine: with the default MP/MC ring a thread preempted in
	 * the middle of a put makes every other one spin until it runs
	 * again (seconds under load: replies timed out).  The HTS ring is
	 * made for overcommitted threads. */
	mp = rte_pktmbuf_pool_create_by_ops("soak", NPOOL, 0, 0, 256,
	    SOCKET_ID_ANY, "ring_mt_hts");
	assert_non_null(mp);
	pool0 = rte_mempool_avail_count(mp);
	memset(&sp, 0, sizeof(sp));
	sp.qsbr = qsbr;
	sp.max_sa = 4096;
	sp.socket_id = SOCKET_ID_ANY;
	sp.larval_timeout = 5;		/* fake seconds: 0.5 s */
	sp.acquire_timeout = 5;
	sp.clock = fake_clock;
	sp.hooks.larval_release = h_release;
	sp.hooks.expire = h_expire;
	sad = sad_create(&sp);
	assert_non_null(sad);
	memset(&pp, 0, sizeof(pp));
	pp.name = "soak";
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = qsbr;
	pp.max_policies = 4096;
	spd = spd_create(&pp);
	assert_non_null(spd);
	memset(&cp, 0, sizeof(cp));
	snprintf(path, sizeof(path), "/tmp/dpsec-soak-%d.sock",
	    (int)getpid());
	cp.path = path;
	ctrl = ctrl_create(&cp, sad, spd, NULL);
	assert_non_null(ctrl);
	rte_malloc_get_socket_stats(0, &ms0);

	pthread_create(&ctl, NULL, control, NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_create(&rd[i], NULL, reader, (void *)(uintptr_t)i);
	fd = cli_open(path);
	assert_true(fd >= 0);
	t_end = srv_now_ns() + (uint64_t)(secs * 1e9);
	while (srv_now_ns() < t_end) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		ok += (uint64_t)churn_one(fd, r, (uint32_t)++ops);
	}
	__atomic_store_n(&stop_rd, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rd[i], NULL);

	/* Wind down: flush, let every timer fire, reclaim everything. */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_UNSPEC, 1);
	assert_int_equal(req(fd), 0);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 2);
	assert_int_equal(req(fd), 0);
	usleep(1500000);	/* > acquire/larval timeouts in fake time */
	__atomic_store_n(&stop_ctl, 1, __ATOMIC_RELEASE);
	pthread_join(ctl, NULL);
	sad_tick(sad, __atomic_load_n(&clk, __ATOMIC_RELAXED) + 100);
	for (k = 0; k < 100; k++) {
		sad_reclaim(sad);
		spd_tick(spd, srv_now_ns() + 10000000000ull);
		spd_reclaim(spd);
		sad_stats(sad, &st);
		if (st.n_sa == 0 && st.n_pending_free == 0)
			break;
		usleep(10000);
	}
	queued = st.lq_queued;
	dropped = st.drops[SA_DROP_LQ_EXPIRED] + st.drops[SA_DROP_LQ_DELETED] +
	    st.drops[SA_DROP_LQ_NO_HOOK];
	print_message("soak %.0f s: %" PRIu64 " control ops (%" PRIu64
	    " ok), %" PRIu64 " lookups (%" PRIu64 " hits), %" PRIu64
	    " classified, %" PRIu64 " packets queued on larval SAs/acquires "
	    "(%" PRIu64 " released, %" PRIu64 " dropped after queueing, %"
	    PRIu64 " refused), %" PRIu64 " acquires, %" PRIu64
	    " expire events, %" PRIu64 " larval expired\n", secs, ops, ok,
	    rd_lookups, rd_hits, rd_classified, queued, n_released, dropped,
	    rd_dropped, n_acq, n_expire, st.larval_expired);
	assert_true(ok > 0 && rd_hits > 0);
	/* nothing left */
	assert_int_equal(st.n_sa, 0);
	assert_int_equal(st.n_pending_free, 0);
	assert_int_equal(st.lq_current, 0);
	assert_int_equal(spd_count(spd), 0);
	/* every packet accounted for */
	assert_int_equal(queued, rd_queued);
	assert_int_equal(st.lq_released, n_released);
	assert_int_equal(queued, n_released + dropped);
	assert_int_equal(rd_dropped, st.drops[SA_DROP_LQ_SA_FULL] +
	    st.drops[SA_DROP_LQ_GLOBAL_FULL] + st.drops[SA_DROP_LQ_DEAD]);
	assert_int_equal(rte_mempool_avail_count(mp), pool0);
	/* DPDK heap back near its start (classifier/hash noise allowed) */
	rte_malloc_get_socket_stats(0, &ms1);
	print_message("heap in use: %zu bytes at start, %zu at the end\n",
	    ms0.heap_allocsz_bytes, ms1.heap_allocsz_bytes);
	assert_true(ms1.heap_allocsz_bytes <= ms0.heap_allocsz_bytes +
	    (4u << 20));
	/* the server still answers */
	__atomic_store_n(&stop_ctl, 0, __ATOMIC_RELEASE);
	pthread_create(&ctl, NULL, control, NULL);
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_ESP, 3);
	assert_int_equal(req(fd), ENOENT);
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 4);
	assert_int_equal(req(fd), ENOENT);
	close(fd);
	__atomic_store_n(&stop_ctl, 1, __ATOMIC_RELEASE);
	pthread_join(ctl, NULL);
	ctrl_destroy(ctrl);
	sad_destroy(sad);
	spd_free(spd);
	rte_mempool_free(mp);
	rte_free(qsbr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soak),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
