/*
 * test_esp_stress.c: one SA used by two workers at once (suite 'stress',
 * also run under TSan).
 *
 * Inbound: every ESP packet arrives twice, once on each worker, the two
 * workers racing through the same stream: each sequence number must be
 * accepted exactly once (the lock-free pre-check may let both copies
 * through to crypto; the commit under the SA's replay lock keeps one);
 * also with each copy reordered differently inside the window.
 * Outbound: two workers send on one SA at once: the sequence numbers on
 * the wire are exactly 1..2N, each once (one atomic add per burst).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_test.h"

#define N	1024	/* packets per worker */

static const uint8_t K[20] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4,
	5, 6, 7, 8, 9, 10 };
static struct rte_mempool *pool;
static pthread_barrier_t start;	/* both workers begin together */

struct job {
	struct esp_sa *sa;
	unsigned worker;
	struct rte_mbuf **pk;	/* N packets */
	uint8_t reason[N];
	unsigned ok[N];		/* 1 if pk[i] succeeded */
	int inbound;
};

static void *
run(void *arg)
{
	struct job *j = arg;
	unsigned i;

	pthread_barrier_wait(&start);
	for (i = 0; i < N; i += ESP_BURST_MAX) {
		struct rte_mbuf *mb[ESP_BURST_MAX], *orig[ESP_BURST_MAX];
		uint16_t k, x, y;

		memcpy(mb, j->pk + i, sizeof(mb));
		memcpy(orig, mb, sizeof(mb));
		k = j->inbound ?
		    esp_inb_process(j->sa, j->worker, mb, j->reason + i,
		    ESP_BURST_MAX) :
		    esp_outb_process(j->sa, j->worker, mb, j->reason + i,
		    ESP_BURST_MAX);
		for (x = 0; x < ESP_BURST_MAX; x++)
			for (y = 0; y < k; y++)
				if (mb[y] == orig[x])
					j->ok[i + x] = 1;
	}
	return NULL;
}

static struct esp_sa *
mk(enum esp_dir d)
{
	struct esp_sa_params p;
	struct esp_sa *sa;

	et_params(&p, d, ESP_MODE_TUNNEL, AF_INET, 20, K, 20, 0, NULL, 0);
	p.nb_workers = 2;
	p.replay_win = 4096;
	p.engine = XFORM_ENGINE_OPENSSL;
	sa = esp_sa_create(&p);
	assert_non_null(sa);
	return sa;
}

static struct rte_mbuf *
inner(unsigned id)
{
	uint8_t buf[128], pl[64];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint16_t len;

	memset(pl, 0, sizeof(pl));
	memcpy(pl, &id, sizeof(id));
	len = et_ipv4(buf, 17, pl, sizeof(pl), 0);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), buf, len);
	return m;
}

static void
test_inbound_two_workers(void **state)
{
	static struct job ja, jb;
	struct esp_sa *so = mk(ESP_DIR_OUT), *si = mk(ESP_DIR_IN);
	static struct rte_mbuf *a[N], *b[N];
	static unsigned seen[N];
	uint8_t reason[ESP_BURST_MAX];
	struct esp_sa_stats st;
	pthread_t ta, tb;
	unsigned i, acc = 0;

	for (i = 0; i < N; i++)
		a[i] = inner(i);
	for (i = 0; i < N; i += ESP_BURST_MAX)
		assert_int_equal(esp_outb_process(so, 0, a + i, reason,
		    ESP_BURST_MAX), ESP_BURST_MAX);
	for (i = 0; i < N; i++) {
		b[i] = rte_pktmbuf_alloc(pool);
		assert_non_null(b[i]);
		memcpy(rte_pktmbuf_append(b[i], a[i]->pkt_len),
		    rte_pktmbuf_mtod(a[i], void *), a[i]->pkt_len);
	}
	ja = (struct job){ .sa = si, .worker = 0, .pk = a, .inbound = 1 };
	jb = (struct job){ .sa = si, .worker = 1, .pk = b, .inbound = 1 };
	assert_int_equal(pthread_create(&ta, NULL, run, &ja), 0);
	assert_int_equal(pthread_create(&tb, NULL, run, &jb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		struct job *jj[2] = { &ja, &jb };
		unsigned w;

		for (w = 0; w < 2; w++) {
			struct rte_mbuf *m = jj[w]->pk[i];
			unsigned id;

			if (!jj[w]->ok[i])
				continue;
			memcpy(&id, rte_pktmbuf_mtod_offset(m, uint8_t *, 20),
			    sizeof(id));
			assert_int_equal(id, i);
			seen[i]++;
			acc++;
		}
		assert_int_equal(seen[i], 1);	/* exactly once */
	}
	assert_int_equal(acc, N);
	esp_sa_stats(si, &st);
	assert_true(st.packets == N);
	assert_true(st.drops[ESP_DROP_REPLAY] == N);
	assert_true(esp_sa_seq(si) == N);
	rte_pktmbuf_free_bulk(a, N);
	rte_pktmbuf_free_bulk(b, N);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
}

/* Shuffle p[] inside blocks of 32 (deterministic, seed-dependent). */
static void
shuffle_blocks(struct rte_mbuf **p, unsigned seed)
{
	unsigned i, j, x = seed;

	for (i = 0; i < N; i++) {
		unsigned base = i & ~31u;
		struct rte_mbuf *t;

		x = x * 1103515245u + 12345u;
		j = base + (x >> 16) % 32;
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
}

/*
 * The same stream on both workers, each copy reordered differently within
 * blocks of 32 (in the window): every number accepted exactly once, the
 * other copy a replay; reordering inside the window is never a drop.
 */
static void
test_inbound_two_workers_reordered(void **state)
{
	static struct job ja, jb;
	struct esp_sa *so = mk(ESP_DIR_OUT), *si = mk(ESP_DIR_IN);
	static struct rte_mbuf *a[N], *b[N];
	static unsigned seen[N];
	uint8_t reason[ESP_BURST_MAX];
	struct esp_sa_stats st;
	pthread_t ta, tb;
	unsigned i, w, acc = 0;

	for (i = 0; i < N; i++)
		a[i] = inner(i);
	for (i = 0; i < N; i += ESP_BURST_MAX)
		assert_int_equal(esp_outb_process(so, 0, a + i, reason,
		    ESP_BURST_MAX), ESP_BURST_MAX);
	for (i = 0; i < N; i++) {
		b[i] = rte_pktmbuf_alloc(pool);
		assert_non_null(b[i]);
		memcpy(rte_pktmbuf_append(b[i], a[i]->pkt_len),
		    rte_pktmbuf_mtod(a[i], void *), a[i]->pkt_len);
	}
	shuffle_blocks(a, 1);
	shuffle_blocks(b, 2);
	ja = (struct job){ .sa = si, .worker = 0, .pk = a, .inbound = 1 };
	jb = (struct job){ .sa = si, .worker = 1, .pk = b, .inbound = 1 };
	assert_int_equal(pthread_create(&ta, NULL, run, &ja), 0);
	assert_int_equal(pthread_create(&tb, NULL, run, &jb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	memset(seen, 0, sizeof(seen));
	for (w = 0; w < 2; w++) {
		struct job *j = w == 0 ? &ja : &jb;

		for (i = 0; i < N; i++) {
			unsigned id;

			if (!j->ok[i])
				continue;
			memcpy(&id, rte_pktmbuf_mtod_offset(j->pk[i],
			    uint8_t *, 20), sizeof(id));
			assert_true(id < N);
			seen[id]++;
			acc++;
		}
	}
	for (i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);	/* exactly once */
	assert_int_equal(acc, N);
	esp_sa_stats(si, &st);
	assert_true(st.packets == N);
	assert_true(st.drops[ESP_DROP_REPLAY] == N);
	assert_true(esp_sa_seq(si) == N);
	rte_pktmbuf_free_bulk(a, N);
	rte_pktmbuf_free_bulk(b, N);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
}

static void
test_outbound_two_workers(void **state)
{
	static struct job ja, jb;
	static struct rte_mbuf *a[N], *b[N];
	static uint8_t used[2 * N + 1];
	struct esp_sa *so = mk(ESP_DIR_OUT);
	pthread_t ta, tb;
	unsigned i, w;

	for (i = 0; i < N; i++) {
		a[i] = inner(i);
		b[i] = inner(i);
	}
	ja = (struct job){ .sa = so, .worker = 0, .pk = a };
	jb = (struct job){ .sa = so, .worker = 1, .pk = b };
	assert_int_equal(pthread_create(&ta, NULL, run, &ja), 0);
	assert_int_equal(pthread_create(&tb, NULL, run, &jb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	memset(used, 0, sizeof(used));
	for (w = 0; w < 2; w++)
		for (i = 0; i < N; i++) {
			struct rte_mbuf *m = (w ? b : a)[i];
			uint32_t s;

			assert_int_equal((w ? jb : ja).ok[i], 1);
			memcpy(&s, rte_pktmbuf_mtod_offset(m, uint8_t *, 24), 4);
			s = rte_be_to_cpu_32(s);
			assert_true(s >= 1 && s <= 2 * N);
			assert_int_equal(used[s], 0);
			used[s] = 1;
		}
	assert_true(esp_sa_seq(so) == 2 * N);
	rte_pktmbuf_free_bulk(a, N);
	rte_pktmbuf_free_bulk(b, N);
	esp_sa_destroy(so);
}

static int
setup(void **state)
{
	et_setup(2);
	pthread_barrier_init(&start, NULL, 2);
	pool = rte_pktmbuf_pool_create("stress", 2 * N + 255, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, -1);
	return pool == NULL;
}

static int
teardown(void **state)
{
	rte_mempool_free(pool);
	pthread_barrier_destroy(&start);
	et_teardown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_two_workers),
		cmocka_unit_test(test_inbound_two_workers_reordered),
		cmocka_unit_test(test_outbound_two_workers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
