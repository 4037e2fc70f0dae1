/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad_test.h: the fixture shared by the SADB unit tests (test_sad.c,
 * test_sad_lifetime.c): EAL, an mbuf pool, a qsbr, a fake clock, hooks that
 * record what sadb calls, SA parameter builders and the test runner.
 */
#ifndef DPSEC_SAD_TEST_H
#define DPSEC_SAD_TEST_H

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ipsec.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sad_priv.h"

#define POOL_N		255

static struct rte_rcu_qsbr *qsbr __rte_unused;
static struct rte_mempool *pool __rte_unused;
static uint64_t fake_now __rte_unused = 1000000;

/* what the hooks saw */
static struct {
	int	installs;
	int	install_fail;		/* errno to return, 0 = succeed */
	int	releases;
	int	key_seen_at_release;	/* key bytes intact in sa_release */
	int	released_pkts;
	uint32_t released_ids[256];
	struct sa *released_to;
	int	release_calls;
	int	soft, hard;
	struct sa *expired_sa;
	int	freed;
	int	freed_nonzero;		/* SAs whose bytes were not all zero */
} H;

static __rte_unused uint64_t
fake_clock(void *arg)
{
	return fake_now;
}

static __rte_unused int
h_install(struct sa *sa, void *arg)
{
	if (H.install_fail != 0)
		return -H.install_fail;
	H.installs++;
	sa->rt = (void *)(uintptr_t)0x1234;
	return 0;
}

static __rte_unused void
h_release(struct sa *sa, void *arg)
{
	H.releases++;
	if (sa->enc_key_len > 0 && sa->enc_key[0] == 0xab)
		H.key_seen_at_release++;
	assert_ptr_equal(sa->rt, (void *)(uintptr_t)0x1234);
}

static __rte_unused void
h_larval_release(struct sa *sa, struct rte_mbuf *m[], uint32_t n, void *arg)
{
	uint32_t i;

	H.release_calls++;
	H.released_to = sa;
	for (i = 0; i < n; i++) {
		if (H.released_pkts < 256)
			H.released_ids[H.released_pkts] =
			    *rte_pktmbuf_mtod(m[i], uint32_t *);
		H.released_pkts++;
		rte_pktmbuf_free(m[i]);
	}
}

static __rte_unused void
h_expire(struct sa *sa, enum sa_expire_kind kind, void *arg)
{
	if (kind == SA_EXPIRE_SOFT) {
		H.soft++;
		assert_int_equal(sa_state(sa), SA_DYING);
	} else {
		H.hard++;
		assert_int_equal(sa_state(sa), SA_DEAD);
	}
	H.expired_sa = sa;
}

static __rte_unused void
h_free(const struct sa *sa, void *arg)
{
	const uint8_t *b = (const uint8_t *)sa;
	size_t i;

	H.freed++;
	for (i = 0; i < sizeof(*sa); i++)
		if (b[i] != 0) {
			H.freed_nonzero++;
			break;
		}
}

static __rte_unused struct sad *
mk_sad(uint32_t max_sa, uint32_t per_sa, uint32_t total)
{
	struct sad_params p;
	struct sad *sad;

	memset(&p, 0, sizeof(p));
	p.qsbr = qsbr;
	p.max_sa = max_sa;
	p.socket_id = SOCKET_ID_ANY;
	p.lq_per_sa = per_sa;
	p.lq_total = total;
	p.acquire_timeout = 10;
	p.clock = fake_clock;
	p.hooks.sa_install = h_install;
	p.hooks.sa_release = h_release;
	p.hooks.larval_release = h_larval_release;
	p.hooks.expire = h_expire;
	sad = sad_create(&p);
	assert_non_null(sad);
	sad_set_free_hook(sad, h_free, NULL);
	return sad;
}

static __rte_unused void
rm_sad(struct sad *sad)
{
	sad_destroy(sad);
	assert_int_equal(H.freed_nonzero, 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static __rte_unused int
setup(void **state)
{
	memset(&H, 0, sizeof(H));
	return 0;
}

static __rte_unused void
v4(struct sa_addr *a, const char *s)
{
	struct in_addr in;

	inet_pton(AF_INET, s, &in);
	sa_addr_v4(a, in.s_addr);
}

static uint8_t enc_key[20] __rte_unused = { 0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16, 17, 18, 19 };
static uint8_t auth_key[32] __rte_unused = { 0xcd, 0xcd };

static __rte_unused void
mk_params(struct sa_params *p, uint32_t spi, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	p->proto = IPPROTO_ESP;
	p->mode = IPSEC_MODE_TUNNEL;
	p->spi = spi;
	p->ealg = 20;		/* SADB_X_EALG_AES_GCM_ICV16 */
	p->enc_key = enc_key;
	p->enc_key_len = sizeof(enc_key);
	p->aalg = 5;		/* SADB_X_AALG_SHA2_256HMAC (unused by GCM) */
	p->auth_key = auth_key;
	p->auth_key_len = sizeof(auth_key);
	p->replay_window = 64;
	v4(&p->src, src);
	v4(&p->dst, dst);
}

static __rte_unused struct rte_mbuf *
pkt(uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	*(uint32_t *)rte_pktmbuf_append(m, 4) = id;
	return m;
}

/* ---- GETSPI --------------------------------------------------------- */

/*
 * EAL (no hugepages, a per-process prefix), the qsbr and the mbuf pool of
 * the fixture, then the cmocka group; returns cmocka's result.
 */
static __rte_unused int
sadt_run(int argc, char **argv, const char *name,
    const struct CMUnitTest *tests, size_t n)
{
	char prefix[64];
	/* --in-memory is refused with --no-huge by DPDK 22.11 (it implies
	 * legacy memory): a per-process prefix and no shared config. */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", "--no-telemetry", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal:error" };
	char rundir[PATH_MAX];
	size_t sz;
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "%s-%d", name, (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed: %s\n",
		    rte_strerror(rte_errno));
		return 1;
	}
	sz = rte_rcu_qsbr_get_memsize(1);
	qsbr = rte_zmalloc("qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("sadb_test", POOL_N, 0, 0, 256,
	    SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	rc = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	rte_mempool_free(pool);
	rte_free(qsbr);
	/* --no-shconf still makes an (empty) runtime directory. */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return rc;
}

#endif /* DPSEC_SAD_TEST_H */
