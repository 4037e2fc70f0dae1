/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A cryptodev session pool smaller than the SA count (config
 * crypto-sessions): sessions beyond it are created on OpenSSL instead of
 * failing, are counted by xform_session_fallbacks(), and produce the same
 * ESP bytes as the cryptodev sessions.  Found by the gateway benchmark:
 * the 2,049th SA's ADD failed with ENOMEM on crypto_aesni_mb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/pfkeyv2.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "xform.h"

#define POOL	64
#define NSESS	100
#define PLEN	64

static struct rte_mempool *pool;

static void
encrypt_one(struct xform_session *s, uint8_t out[PLEN + 24])
{
	struct xform_op op;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, 8 + 8 + PLEN + 16));
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0x5a, 8 + 8 + PLEN + 16);
	memset(&op, 0, sizeof(op));
	op.m = m;
	op.cipher_off = 16;
	op.cipher_len = PLEN;
	op.digest_off = 16 + PLEN;
	memset(op.iv, 0x11, 8);
	memset(op.aad, 0x22, 8);
	assert_int_equal(xform_process_burst(s, 0, &op, 1), 1);
	assert_int_equal(op.status, XFORM_ST_OK);
	memcpy(out, p + 16, PLEN + 16);
	rte_pktmbuf_free(m);
}

static void
test_fallback(void **state)
{
	static struct xform_session *s[NSESS];
	uint8_t key[20], a[PLEN + 24], b[PLEN + 24];
	unsigned int i, on_cdev = 0, on_ossl = 0;

	(void)state;
	if (!xform_engine_supports(XFORM_ENGINE_CDEV_AESNI_MB,
	    SADB_X_EALG_AES_GCM_ICV16, SADB_AALG_NONE, 0))
		skip();
	memset(key, 0x42, sizeof(key));
	for (i = 0; i < NSESS; i++) {
		s[i] = xform_session_create(SADB_X_EALG_AES_GCM_ICV16, key,
		    sizeof(key), SADB_AALG_NONE, NULL, 0, XFORM_DIR_OUT, 0,
		    XFORM_ENGINE_CDEV_AESNI_MB);
		assert_non_null(s[i]);
		if (xform_session_engine(s[i]) == XFORM_ENGINE_CDEV_AESNI_MB)
			on_cdev++;
		else if (xform_session_engine(s[i]) == XFORM_ENGINE_OPENSSL)
			on_ossl++;
	}
	assert_true(on_cdev > 0 && on_cdev <= POOL);
	assert_int_equal(on_cdev + on_ossl, NSESS);
	assert_int_equal(xform_session_fallbacks(), on_ossl);
	/* Same bytes from a cryptodev session and a fallback session. */
	encrypt_one(s[0], a);
	encrypt_one(s[NSESS - 1], b);
	assert_int_equal(xform_session_engine(s[NSESS - 1]),
	    XFORM_ENGINE_OPENSSL);
	assert_memory_equal(a, b, PLEN + 16);
	for (i = 0; i < NSESS; i++)
		xform_session_destroy(s[i]);
	/* Freed sessions go back to the pool: the next one is on cdev. */
	s[0] = xform_session_create(SADB_X_EALG_AES_GCM_ICV16, key,
	    sizeof(key), SADB_AALG_NONE, NULL, 0, XFORM_DIR_OUT, 0,
	    XFORM_ENGINE_CDEV_AESNI_MB);
	assert_non_null(s[0]);
	assert_int_equal(xform_session_engine(s[0]),
	    XFORM_ENGINE_CDEV_AESNI_MB);
	xform_session_destroy(s[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fallback),
	};
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", prefix, "--log-level", "lib.eal:error",
	    "--vdev", "crypto_aesni_mb", NULL };
	struct xform_config cfg = { .n_workers = 1, .use_cryptodev = true,
	    .cdev_sessions = POOL, .socket_id = -1 };
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-xfb-%d",
	    (int)getpid());
	if (rte_eal_init(11, argv) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("fb_pool", 64, 0, 0, 2048, -1);
	if (pool == NULL || xform_init(&cfg) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xform_fini();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
