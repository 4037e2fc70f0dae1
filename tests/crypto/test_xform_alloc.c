/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * No per-packet allocation in the OpenSSL engine: OpenSSL's allocator is
 * replaced by a counting one (CRYPTO_set_mem_functions, before anything
 * touches OpenSSL), and bursts of every algorithm in both directions must
 * not allocate once the session exists.  This is also the check behind
 * xform_hmac.c's choice of plain SHA*_CTX states over EVP_MAC_init(), which
 * allocates twice per call in OpenSSL 3.0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "xform_test.h"

static unsigned long n_alloc;

static void *
count_malloc(size_t n, const char *file, int line)
{
	n_alloc++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	n_alloc++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	free(p);
}

static void
test_no_alloc(void **state)
{
	static const struct {
		uint8_t ealg, aalg;
		uint16_t ekl, akl;
	} c[] = {
		{ SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0 },
		{ SADB_X_EALG_AES_GCM_ICV8, 0, 36, 0 },
		{ SADB_X_EALG_NULL_AES_GMAC, 0, 20, 0 },
		{ DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0 },
		{ SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, 16, 20 },
		{ SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC, 32, 32 },
		{ SADB_X_EALG_AESCTR, SADB_X_AALG_SHA2_384HMAC, 20, 48 },
		{ SADB_EALG_NULL, SADB_X_AALG_SHA2_512HMAC, 0, 64 },
	};
	static const uint8_t key[64] = { 3, 1, 4, 1, 5 };
	struct xform_session *s[2];
	struct xform_op ops[XFORM_BURST_MAX];
	unsigned long before;
	unsigned int i, d, k, r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (d = 0; d < 2; d++)
			s[d] = xform_session_create(c[i].ealg, key, c[i].ekl,
			    c[i].aalg, key, c[i].akl, d, XFORM_F_ESN,
			    XFORM_ENGINE_OPENSSL);
		assert_non_null(s[0]);
		assert_non_null(s[1]);
		memset(ops, 0, sizeof(ops));
		for (k = 0; k < XFORM_BURST_MAX; k++) {
			ops[k].m = t_mbuf(NULL, 1456);
			ops[k].cipher_off = 24;
			ops[k].cipher_len =
			    c[i].ealg == SADB_X_EALG_NULL_AES_GMAC ||
			    c[i].ealg == SADB_EALG_NULL ? 0 : 1392;
			ops[k].auth_off = c[i].ealg ==
			    SADB_X_EALG_NULL_AES_GMAC ? 8 : 0;
			ops[k].auth_len = 1416 - ops[k].auth_off;
			ops[k].digest_off = 1416;
		}
		/* Warm up (lazy provider init), then count. */
		for (r = 0; r < 2; r++) {
			before = n_alloc;
			xform_process_burst(s[0], 0, ops, XFORM_BURST_MAX);
			xform_process_burst(s[1], 1, ops, XFORM_BURST_MAX);
		}
		if (n_alloc != before)
			fail_msg("%s/%s: %lu OpenSSL allocations per burst",
			    xform_alg_get(false, c[i].ealg)->name,
			    xform_alg_get(true, c[i].aalg)->name,
			    n_alloc - before);
		/* Decrypting our own output worked. */
		for (k = 0; k < XFORM_BURST_MAX; k++) {
			assert_int_equal(ops[k].status, XFORM_ST_OK);
			rte_pktmbuf_free(ops[k].m);
		}
		xform_session_destroy(s[0]);
		xform_session_destroy(s[1]);
	}
	/* The hook is live: sessions did allocate through it. */
	assert_true(n_alloc > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_alloc),
	};
	int rc;

	if (CRYPTO_set_mem_functions(count_malloc, count_realloc,
	    count_free) != 1) {
		fprintf(stderr, "cannot hook OpenSSL's allocator\n");
		return 1;
	}
	t_setup(0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
