/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers on the SAME sessions at once (suite 'stress', also under
 * TSan): each thread uses its own worker id, encrypts bursts with the
 * shared outbound session, decrypts them with the shared inbound one and
 * checks the plaintext and that the ICV equals the one computed alone.
 * Proves that per-worker contexts (OpenSSL) and queue pairs (cryptodev)
 * are never shared and that the read-only parts (HMAC templates, sodium
 * keys) are safe to share.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xform_test.h"

#define NW 2
#define ROUNDS 300
#define LEN 200

struct job {
	struct xform_session *so, *si;
	unsigned int worker;
	struct rte_mbuf *m[XFORM_BURST_MAX];
	const uint8_t *ref;	/* expected ciphertext+ICV of packet k */
	unsigned int errors;
};

static void
fill(struct job *j, struct xform_op *ops, uint8_t icv)
{
	unsigned int k;

	memset(ops, 0, sizeof(*ops) * XFORM_BURST_MAX);
	for (k = 0; k < XFORM_BURST_MAX; k++) {
		ops[k].m = j->m[k];
		ops[k].cipher_off = 24;
		ops[k].cipher_len = LEN - 24 - icv;
		ops[k].auth_len = LEN - icv;
		ops[k].digest_off = LEN - icv;
		ops[k].iv[0] = (uint8_t)k;
		ops[k].esn_hi = 5;
	}
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct xform_op ops[XFORM_BURST_MAX];
	uint8_t icv = xform_session_icv_len(j->so);
	unsigned int r, k;

	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < XFORM_BURST_MAX; k++)
			memset(rte_pktmbuf_mtod(j->m[k], uint8_t *), (int)k,
			    LEN);
		fill(j, ops, icv);
		if (xform_process_burst(j->so, j->worker, ops,
		    XFORM_BURST_MAX) != XFORM_BURST_MAX)
			j->errors++;
		for (k = 0; k < XFORM_BURST_MAX; k++)
			if (memcmp(rte_pktmbuf_mtod(j->m[k], uint8_t *),
			    j->ref + k * LEN, LEN) != 0)
				j->errors++;
		fill(j, ops, icv);
		if (xform_process_burst(j->si, j->worker, ops,
		    XFORM_BURST_MAX) != XFORM_BURST_MAX)
			j->errors++;
		for (k = 0; k < XFORM_BURST_MAX; k++) {
			const uint8_t *p = rte_pktmbuf_mtod(j->m[k], uint8_t *);

			if (p[24] != k || p[LEN - icv - 1] != k)
				j->errors++;
		}
	}
	return NULL;
}

static void
one_combo(enum xform_engine e, uint8_t ealg, uint16_t ekl, uint8_t aalg,
    uint16_t akl)
{
	static const uint8_t key[64] = { 7, 7, 7 };
	static uint8_t ref[XFORM_BURST_MAX * LEN];
	struct job jobs[NW];
	pthread_t th[NW];
	struct xform_op ops[XFORM_BURST_MAX];
	struct xform_session *so, *si;
	unsigned int w, k;

	if (!xform_engine_supports(e, ealg, aalg, XFORM_F_ESN))
		return;
	so = xform_session_create(ealg, key, ekl, aalg, key, akl,
	    XFORM_DIR_OUT, XFORM_F_ESN, e);
	si = xform_session_create(ealg, key, ekl, aalg, key, akl,
	    XFORM_DIR_IN, XFORM_F_ESN, e);
	assert_non_null(so);
	assert_non_null(si);
	if (xform_session_engine(so) != e)
		goto out;
	/* Reference output, computed alone by worker 0. */
	memset(&jobs, 0, sizeof(jobs));
	for (w = 0; w < NW; w++) {
		jobs[w].so = so;
		jobs[w].si = si;
		jobs[w].worker = w;
		jobs[w].ref = ref;
		for (k = 0; k < XFORM_BURST_MAX; k++) {
			jobs[w].m[k] = t_mbuf(NULL, LEN);
			assert_non_null(jobs[w].m[k]);
		}
	}
	for (k = 0; k < XFORM_BURST_MAX; k++)
		memset(rte_pktmbuf_mtod(jobs[0].m[k], uint8_t *), (int)k, LEN);
	fill(&jobs[0], ops, xform_session_icv_len(so));
	assert_int_equal(xform_process_burst(so, 0, ops, XFORM_BURST_MAX),
	    XFORM_BURST_MAX);
	for (k = 0; k < XFORM_BURST_MAX; k++)
		memcpy(ref + k * LEN, rte_pktmbuf_mtod(jobs[0].m[k], uint8_t *),
		    LEN);

	for (w = 0; w < NW; w++)
		assert_int_equal(pthread_create(&th[w], NULL, worker,
		    &jobs[w]), 0);
	for (w = 0; w < NW; w++) {
		pthread_join(th[w], NULL);
		if (jobs[w].errors != 0)
			fail_msg("%s: worker %u: %u errors",
			    xform_engine_name(e), w, jobs[w].errors);
		for (k = 0; k < XFORM_BURST_MAX; k++)
			rte_pktmbuf_free(jobs[w].m[k]);
	}
	print_message("%s %s/%s: %u workers x %u bursts ok\n",
	    xform_engine_name(e), xform_alg_get(false, ealg)->name,
	    xform_alg_get(true, aalg)->name, NW, ROUNDS);
out:
	xform_session_destroy(so);
	xform_session_destroy(si);
}

static void
test_two_workers(void **state)
{
	unsigned int j;

	for (j = 0; j < T_N_ENGINES; j++) {
		one_combo(t_engines[j], SADB_X_EALG_AES_GCM_ICV16, 36, 0, 0);
		one_combo(t_engines[j], DPSEC_EALG_CHACHA20_POLY1305, 36, 0,
		    0);
		one_combo(t_engines[j], SADB_X_EALG_AESCBC, 16,
		    SADB_X_AALG_SHA2_256HMAC, 32);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_workers),
	};
	int rc;

	t_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
