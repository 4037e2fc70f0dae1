/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the crypto tests: EAL with the two crypto vdevs (or
 * none when it cannot start), mbufs from a small pool, the engine list.
 */
#ifndef DPSEC_XFORM_TEST_H
#define DPSEC_XFORM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "xform.h"

static struct rte_mempool *t_pool;

/* EAL + vdevs; xform_init with one worker.  Never fails the test. */
static inline void
t_setup(int with_cdev)
{
	/*
	 * --in-memory is refused with --no-huge by DPDK 22.11 ("--legacy-mem
	 * is not compatible with --in-memory"): --no-shconf plus a unique
	 * --file-prefix keeps parallel tests apart instead.
	 */
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", prefix, "--log-level", "lib.eal:error",
	    "--vdev", "crypto_aesni_mb", "--vdev", "crypto_openssl", NULL };
	int argc = with_cdev ? 13 : 9;
	struct xform_config cfg = { .n_workers = 2, .use_cryptodev = true,
	    .socket_id = -1 };

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-xform-%d",
	    (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test: EAL init failed\n");
		exit(1);
	}
	t_pool = rte_pktmbuf_pool_create("t_pool", 256, 0, 0, 4096, -1);
	if (t_pool == NULL) {
		fprintf(stderr, "test: mbuf pool\n");
		exit(1);
	}
	if (xform_init(&cfg) < 0) {
		fprintf(stderr, "test: xform_init\n");
		exit(1);
	}
}

static inline void
t_teardown(void)
{
	xform_fini();
	rte_mempool_free(t_pool);
	rte_eal_cleanup();
}

/* A one-segment mbuf holding len bytes copied from data (or zeros). */
static inline struct rte_mbuf *
t_mbuf(const uint8_t *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (data != NULL)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	return m;
}

static const enum xform_engine t_engines[] = {
	XFORM_ENGINE_OPENSSL, XFORM_ENGINE_SODIUM,
	XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_CDEV_OPENSSL,
};
#define T_N_ENGINES (sizeof(t_engines) / sizeof(t_engines[0]))

#endif /* DPSEC_XFORM_TEST_H */
