/*
 * test_frag_stress.c: the per-SA path MTU (frag.c) learnt by two workers
 * at once while a third thread reads it (suite 'stress', also under
 * TSan).  Every value read is 0 or one that was offered and plausible;
 * within one expiry period the lowest offered value wins.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_test.h"
#include "frag.h"

#define ROUNDS	200000

static const uint8_t K[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20 };
static struct esp_sa *sa;
static pthread_barrier_t start;
static uint32_t stop;

struct learner {
	uint32_t seed;
	uint32_t lowest;	/* lowest value offered */
};

static void *
learn(void *arg)
{
	struct learner *l = arg;
	uint32_t x = l->seed, i, v;

	pthread_barrier_wait(&start);
	for (i = 0; i < ROUNDS; i++) {
		x = x * 1103515245u + 12345u;
		v = 576 + (x >> 8) % 924;	/* 576..1499 */
		if (v < l->lowest)
			l->lowest = v;
		(void)frag_pmtu_learn(sa, 4, v, 1500, 10, 1000000);
	}
	return NULL;
}

static void *
reader(void *arg)
{
	uint64_t *bad = arg;

	pthread_barrier_wait(&start);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint32_t v = frag_pmtu_get(sa, 11);

		if (v != 0 && (v < 576 || v >= 1500))
			(*bad)++;
	}
	return NULL;
}

static void
test_concurrent_learn(void **state)
{
	struct learner a = { 12345, UINT32_MAX }, b = { 999, UINT32_MAX };
	struct esp_sa_params p;
	pthread_t ta, tb, tr;
	uint64_t bad = 0;

	(void)state;
	et_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, AF_INET, 20, K, 20, 0,
	    NULL, 0);
	sa = esp_sa_create(&p);
	assert_non_null(sa);
	assert_int_equal(pthread_barrier_init(&start, NULL, 3), 0);
	assert_int_equal(pthread_create(&ta, NULL, learn, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, learn, &b), 0);
	assert_int_equal(pthread_create(&tr, NULL, reader, &bad), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(tr, NULL);
	assert_int_equal(bad, 0);
	assert_int_equal(frag_pmtu_get(sa, 11),
	    a.lowest < b.lowest ? a.lowest : b.lowest);
	pthread_barrier_destroy(&start);
	esp_sa_destroy(sa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_learn),
	};
	int rc;

	et_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	et_teardown();
	return rc;
}
