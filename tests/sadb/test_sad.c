/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad.c: the SADB through its public API (plus the test-only free hook
 * of sad_priv.h), with EAL, a fake clock and recording hooks: GETSPI ranges
 * and exhaustion, ADD/UPDATE/GET/DELETE/FLUSH errors, every state change the
 * API can make, larval queues (order, bounds, drops), acquire entries,
 * outbound templates, lifetimes by packets, bytes and time, sequence
 * exhaustion, key wiping, snapshot dumps and burst lookups.
 */
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

static struct rte_rcu_qsbr *qsbr;
static struct rte_mempool *pool;
static uint64_t fake_now = 1000000;

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

static uint64_t
fake_clock(void *arg)
{
	return fake_now;
}

static int
h_install(struct sa *sa, void *arg)
{
	if (H.install_fail != 0)
		return -H.install_fail;
	H.installs++;
	sa->rt = (void *)(uintptr_t)0x1234;
	return 0;
}

static void
h_release(struct sa *sa, void *arg)
{
	H.releases++;
	if (sa->enc_key_len > 0 && sa->enc_key[0] == 0xab)
		H.key_seen_at_release++;
	assert_ptr_equal(sa->rt, (void *)(uintptr_t)0x1234);
}

static void
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

static void
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

static void
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

static struct sad *
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

static void
rm_sad(struct sad *sad)
{
	sad_destroy(sad);
	assert_int_equal(H.freed_nonzero, 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

static int
setup(void **state)
{
	memset(&H, 0, sizeof(H));
	return 0;
}

static void
v4(struct sa_addr *a, const char *s)
{
	struct in_addr in;

	inet_pton(AF_INET, s, &in);
	sa_addr_v4(a, in.s_addr);
}

static uint8_t enc_key[20] = { 0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16, 17, 18, 19 };
static uint8_t auth_key[32] = { 0xcd, 0xcd };

static void
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

static struct rte_mbuf *
pkt(uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	*(uint32_t *)rte_pktmbuf_append(m, 4) = id;
	return m;
}

/* ---- GETSPI --------------------------------------------------------- */

static void
test_getspi_range_and_exhaustion(void **state)
{
	struct sad *sad = mk_sad(4096, 0, 0);
	struct sa_params p;
	struct sa *sa;
	uint32_t seen[4] = { 0 };
	int i, j;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	/* Tiny range: exactly 4 SPIs, all distinct, then ENOBUFS. */
	for (i = 0; i < 4; i++) {
		assert_int_equal(sad_getspi(sad, &p, 1000, 1003, &sa), 0);
		assert_int_equal(sa_state(sa), SA_LARVAL);
		assert_in_range(sa->spi, 1000, 1003);
		for (j = 0; j < i; j++)
			assert_int_not_equal(seen[j], sa->spi);
		seen[i] = sa->spi;
	}
	assert_int_equal(sad_getspi(sad, &p, 1000, 1003, &sa), -ENOBUFS);
	/* Unique per (dst, proto): another dst or AH has the range free. */
	v4(&p.dst, "10.0.0.3");
	assert_int_equal(sad_getspi(sad, &p, 1000, 1003, &sa), 0);
	v4(&p.dst, "10.0.0.2");
	p.proto = IPPROTO_AH;
	assert_int_equal(sad_getspi(sad, &p, 1000, 1003, &sa), 0);
	p.proto = IPPROTO_ESP;
	/* Single-SPI range; reserved SPIs are never given. */
	assert_int_equal(sad_getspi(sad, &p, 5000, 5000, &sa), 0);
	assert_int_equal(sa->spi, 5000);
	assert_int_equal(sad_getspi(sad, &p, 5000, 5000, &sa), -ENOBUFS);
	assert_int_equal(sad_getspi(sad, &p, 1, 256, &sa), 0);
	assert_int_equal(sa->spi, 256);
	assert_int_equal(sad_getspi(sad, &p, 1, 255, &sa), -EINVAL);
	assert_int_equal(sad_getspi(sad, &p, 9, 8, &sa), -EINVAL);
	/* Default range. */
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), 0);
	assert_in_range(sa->spi, SA_SPI_MIN_DEFAULT, SA_SPI_MAX_DEFAULT);
	/* A mid-size range fills completely, every SPI once. */
	for (i = 0; i < 1000; i++)
		assert_int_equal(sad_getspi(sad, &p, 0x10000, 0x10000 + 999,
		    &sa), 0);
	assert_int_equal(sad_getspi(sad, &p, 0x10000, 0x10000 + 999, &sa),
	    -ENOBUFS);
	{
		struct sad_stats st;

		sad_stats(sad, &st);
		assert_int_equal(st.spi_exhausted, 3);
		assert_int_equal(st.n_state[SA_LARVAL], 1009);
	}
	/* Bad params. */
	p.proto = IPPROTO_UDP;
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), -EINVAL);
	rm_sad(sad);
	assert_int_equal(H.freed, 1009);
	assert_int_equal(H.releases, 0);	/* never installed */
}

/* ---- ADD / GET / DELETE / UPDATE -------------------------------------- */

static void
test_add_get_delete(void **state)
{
	struct sad *sad = mk_sad(8, 0, 0);
	struct sa_params p;
	struct sa *sa, *got;
	uint32_t i;

	mk_params(&p, 0x1001, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sad_add(sad, &p, &sa), 0);
	assert_int_equal(sa_state(sa), SA_MATURE);
	assert_int_equal(H.installs, 1);
	assert_memory_equal(sa->enc_key, enc_key, sizeof(enc_key));
	assert_int_equal(sa->enc_key_len, sizeof(enc_key));
	assert_int_equal(sad_add(sad, &p, NULL), -EEXIST);
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, 0x1001, &got), 0);
	assert_ptr_equal(got, sa);
	assert_int_equal(sad_get(sad, IPPROTO_AH, &p.dst, 0x1001, &got),
	    -ESRCH);
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, 0x1002, &got),
	    -ESRCH);
	/* Bad params. */
	p.spi = 0;
	assert_int_equal(sad_add(sad, &p, NULL), -EINVAL);
	p.spi = 0x1002;
	p.enc_key_len = SA_ENC_KEY_MAX + 1;
	assert_int_equal(sad_add(sad, &p, NULL), -EINVAL);
	p.enc_key_len = sizeof(enc_key);
	p.replay_window = SA_REPLAY_MAX + 1;
	assert_int_equal(sad_add(sad, &p, NULL), -EINVAL);
	p.replay_window = 4096;
	p.src.family = AF_INET6;
	assert_int_equal(sad_add(sad, &p, NULL), -EINVAL);
	v4(&p.src, "10.0.0.1");
	/* Install failure: nothing added. */
	H.install_fail = EOPNOTSUPP;
	assert_int_equal(sad_add(sad, &p, NULL), -EOPNOTSUPP);
	H.install_fail = 0;
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, 0x1002, &got),
	    -ESRCH);
	assert_int_equal(sad_count(sad), 1);
	/* Full. */
	for (i = 0; i < 7; i++) {
		p.spi = 0x2000 + i;
		assert_int_equal(sad_add(sad, &p, NULL), 0);
	}
	p.spi = 0x3000;
	assert_int_equal(sad_add(sad, &p, NULL), -ENOSPC);
	assert_int_equal(sad_getspi(sad, &p, 0, 0, NULL), -ENOSPC);
	/* Delete: ESRCH when missing, the SA is DEAD, idempotent. */
	assert_int_equal(sad_delete(sad, IPPROTO_ESP, &p.dst, 0x1001), 0);
	assert_int_equal(sa_state(sa), SA_DEAD);
	assert_int_equal(sad_delete(sad, IPPROTO_ESP, &p.dst, 0x1001),
	    -ESRCH);
	assert_int_equal(sad_delete_sa(sad, sa), 0);
	assert_int_equal(sad_count(sad), 7);
	/* Freed only after reclaim, with keys wiped. */
	assert_int_equal(H.freed, 0);
	assert_int_equal(sad_reclaim(sad), 1);
	assert_int_equal(H.freed, 1);
	assert_int_equal(H.releases, 1);
	assert_int_equal(H.key_seen_at_release, 1);
	assert_int_equal(H.freed_nonzero, 0);
	/* The SPI is free again. */
	p.spi = 0x1001;
	assert_int_equal(sad_add(sad, &p, NULL), 0);
	rm_sad(sad);
	assert_int_equal(H.freed, 9);
	assert_int_equal(H.releases, 9);
}

static void
test_update(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_params p;
	struct sa *sa, *got;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	p.reqid = 7;
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), 0);
	p.spi = sa->spi + 1;
	assert_int_equal(sad_update(sad, &p, NULL), -ESRCH);
	p.spi = sa->spi;
	/* Install failure: stays LARVAL, keys gone, still findable. */
	H.install_fail = ENOMEM;
	assert_int_equal(sad_update(sad, &p, NULL), -ENOMEM);
	H.install_fail = 0;
	assert_int_equal(sa_state(sa), SA_LARVAL);
	assert_int_equal(sa->enc_key_len, 0);
	assert_int_equal(sa->enc_key[0], 0);
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, p.spi, &got), 0);
	/* Success: LARVAL -> MATURE. */
	p.hard.packets = 100;
	assert_int_equal(sad_update(sad, &p, &got), 0);
	assert_ptr_equal(got, sa);
	assert_int_equal(sa_state(sa), SA_MATURE);
	assert_memory_equal(sa->enc_key, enc_key, sizeof(enc_key));
	assert_int_equal(sa->hard.packets, 100);
	assert_int_equal(sa->reqid, 7);
	/* UPDATE of a MATURE SA: EINVAL (only LARVAL). */
	assert_int_equal(sad_update(sad, &p, NULL), -EINVAL);
	/* ... nor DYING. */
	assert_int_equal(sa_set_state(sa, SA_DYING), 0);
	assert_int_equal(sad_update(sad, &p, NULL), -EINVAL);
	/* ADD over the LARVAL SA of a GETSPI: EEXIST. */
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), 0);
	p.spi = sa->spi;
	assert_int_equal(sad_add(sad, &p, NULL), -EEXIST);
	rm_sad(sad);
}

/* ---- larval queue ------------------------------------------------------ */

static void
test_larval_queue_promotion(void **state)
{
	struct sad *sad = mk_sad(64, 4, 6);
	struct sa_params p;
	struct sa *sa, *sb, *use;
	struct rte_mbuf *m;
	struct sad_stats st;
	enum sa_drop why;
	uint32_t i;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), 0);
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sb), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(sa_larval_enqueue(sa, pkt(i), &use, &why),
		    SA_LQ_QUEUED);
	/* Per-SA bound: the new packet is refused, the caller frees it. */
	m = pkt(99);
	assert_int_equal(sa_larval_enqueue(sa, m, &use, &why),
	    SA_LQ_DROPPED);
	assert_int_equal(why, SA_DROP_LQ_SA_FULL);
	rte_pktmbuf_free(m);
	/* Global bound (6): two more fit on sb, the third does not. */
	assert_int_equal(sa_larval_enqueue(sb, pkt(10), &use, &why),
	    SA_LQ_QUEUED);
	assert_int_equal(sa_larval_enqueue(sb, pkt(11), &use, &why),
	    SA_LQ_QUEUED);
	m = pkt(12);
	assert_int_equal(sa_larval_enqueue(sb, m, &use, &why),
	    SA_LQ_DROPPED);
	assert_int_equal(why, SA_DROP_LQ_GLOBAL_FULL);
	rte_pktmbuf_free(m);
	/* Promotion releases the queue in arrival order, to the SA. */
	p.spi = sa->spi;
	assert_int_equal(sad_update(sad, &p, NULL), 0);
	assert_int_equal(H.released_pkts, 4);
	assert_ptr_equal(H.released_to, sa);
	for (i = 0; i < 4; i++)
		assert_int_equal(H.released_ids[i], i);
	/* After promotion: process now. */
	m = pkt(5);
	assert_int_equal(sa_larval_enqueue(sa, m, &use, &why),
	    SA_LQ_PROCESS);
	assert_ptr_equal(use, sa);
	rte_pktmbuf_free(m);
	/* Delete of an SA with queued packets: freed and counted. */
	assert_int_equal(sad_delete_sa(sad, sb), 0);
	m = pkt(13);
	assert_int_equal(sa_larval_enqueue(sb, m, &use, &why),
	    SA_LQ_DROPPED);
	assert_int_equal(why, SA_DROP_LQ_DEAD);
	rte_pktmbuf_free(m);
	sad_stats(sad, &st);
	assert_int_equal(st.drops[SA_DROP_LQ_SA_FULL], 1);
	assert_int_equal(st.drops[SA_DROP_LQ_GLOBAL_FULL], 1);
	assert_int_equal(st.drops[SA_DROP_LQ_DELETED], 2);
	assert_int_equal(st.drops[SA_DROP_LQ_DEAD], 1);
	assert_int_equal(st.lq_queued, 6);
	assert_int_equal(st.lq_released, 4);
	assert_int_equal(st.lq_current, 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	rm_sad(sad);
}

static void
test_larval_expiry(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_params p;
	struct sa *sa, *sb, *got, *use;
	struct sad_stats st;
	enum sa_drop why;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sa), 0);
	fake_now += 10;
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &sb), 0);
	assert_int_equal(sa_larval_enqueue(sa, pkt(1), &use, &why),
	    SA_LQ_QUEUED);
	assert_int_equal(sa_larval_enqueue(sa, pkt(2), &use, &why),
	    SA_LQ_QUEUED);
	fake_now += 19;			/* sa at 29 s: alive */
	sad_tick(sad, fake_now);
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, sa->spi, &got), 0);
	fake_now += 1;			/* sa at 30 s (default): expired */
	sad_tick(sad, 0);
	assert_int_equal(sad_count(sad), 1);
	assert_int_equal(sad_get(sad, IPPROTO_ESP, &p.dst, sb->spi, &got), 0);
	sad_stats(sad, &st);
	assert_int_equal(st.larval_expired, 1);
	assert_int_equal(st.drops[SA_DROP_LQ_EXPIRED], 2);
	assert_int_equal(H.soft + H.hard, 0);	/* silently */
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	fake_now += 10;
	sad_tick(sad, 0);
	assert_int_equal(sad_count(sad), 0);
	rm_sad(sad);
}

/* ---- acquire entries and outbound lookups ----------------------------- */

static void
out_key(struct sad_out_key *k, uint32_t reqid, const char *s, const char *d)
{
	struct sa_addr a, b;

	v4(&a, s);
	v4(&b, d);
	sad_out_key_set(k, IPPROTO_ESP, reqid, &a, &b);
}

static struct sa *
look_out(struct sad *sad, const struct sad_out_key *k)
{
	const struct sad_out_key *keys[1] = { k };
	struct sa *r[1];

	sad_lookup_out(sad, keys, 1, r);
	return r[0];
}

static void
test_acquire(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sad_out_key k, k0;
	struct sa_params p;
	struct sa *acq, *a2, *sa, *use;
	struct sad_stats st;
	enum sa_drop why;
	struct rte_mbuf *m;

	out_key(&k, 9, "192.0.2.1", "198.51.100.1");
	assert_null(look_out(sad, &k));
	assert_int_equal(sad_acquire(sad, &k, IPSEC_MODE_TUNNEL, &acq), 0);
	assert_int_equal(acq->kind, SA_KIND_ACQUIRE);
	assert_int_equal(sa_state(acq), SA_LARVAL);
	assert_ptr_equal(look_out(sad, &k), acq);
	assert_int_equal(sad_acquire(sad, &k, IPSEC_MODE_TUNNEL, &a2),
	    -EEXIST);
	assert_ptr_equal(a2, acq);
	assert_int_equal(sa_larval_enqueue(acq, pkt(1), &use, &why),
	    SA_LQ_QUEUED);
	assert_int_equal(sa_larval_enqueue(acq, pkt(2), &use, &why),
	    SA_LQ_QUEUED);
	/* An SA for another reqid does not resolve it. */
	mk_params(&p, 0x500, "192.0.2.1", "198.51.100.1");
	p.reqid = 8;
	assert_int_equal(sad_add(sad, &p, NULL), 0);
	assert_ptr_equal(look_out(sad, &k), acq);
	/* ADD with the template's reqid resolves it: queued packets go to
	 * the new SA in order; a racing packet is redirected to it. */
	p.spi = 0x501;
	p.reqid = 9;
	assert_int_equal(sad_add(sad, &p, &sa), 0);
	assert_int_equal(H.released_pkts, 2);
	assert_ptr_equal(H.released_to, sa);
	assert_int_equal(H.released_ids[0], 1);
	assert_int_equal(H.released_ids[1], 2);
	assert_ptr_equal(look_out(sad, &k), sa);
	assert_int_equal(sa_state(acq), SA_DEAD);
	m = pkt(3);
	assert_int_equal(sa_larval_enqueue(acq, m, &use, &why),
	    SA_LQ_PROCESS);
	assert_ptr_equal(use, sa);
	rte_pktmbuf_free(m);
	/* reqid 0 template: any SA with the endpoints, newest MATURE. */
	out_key(&k0, 0, "192.0.2.1", "198.51.100.1");
	assert_ptr_equal(look_out(sad, &k0), sa);
	/* Acquire timeout: packets dropped and counted. */
	out_key(&k, 3, "192.0.2.7", "198.51.100.7");
	assert_int_equal(sad_acquire(sad, &k, IPSEC_MODE_TUNNEL, &acq), 0);
	assert_int_equal(sa_larval_enqueue(acq, pkt(4), &use, &why),
	    SA_LQ_QUEUED);
	fake_now += 9;
	sad_tick(sad, 0);
	assert_ptr_equal(look_out(sad, &k), acq);
	fake_now += 1;
	sad_tick(sad, 0);
	assert_null(look_out(sad, &k));
	/* Cancel (ACQUIRE answered with an errno). */
	assert_int_equal(sad_acquire(sad, &k, IPSEC_MODE_TUNNEL, &acq), 0);
	assert_int_equal(sa_larval_enqueue(acq, pkt(5), &use, &why),
	    SA_LQ_QUEUED);
	assert_int_equal(sad_delete_sa(sad, acq), 0);
	assert_int_equal(sad_delete_sa(sad, acq), 0);
	assert_null(look_out(sad, &k));
	sad_stats(sad, &st);
	assert_int_equal(st.acquire_expired, 1);
	assert_int_equal(st.drops[SA_DROP_LQ_EXPIRED], 1);
	assert_int_equal(st.drops[SA_DROP_LQ_DELETED], 1);
	/* Bad templates. */
	k.proto = IPPROTO_TCP;
	assert_int_equal(sad_acquire(sad, &k, 0, &acq), -EINVAL);
	rm_sad(sad);
}

static void
test_outbound_preference(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sad_out_key k5, k0, k6;
	struct sa_params p;
	struct sa *a, *b, *c;

	out_key(&k5, 5, "10.1.0.1", "10.2.0.1");
	out_key(&k0, 0, "10.1.0.1", "10.2.0.1");
	out_key(&k6, 6, "10.1.0.1", "10.2.0.1");
	mk_params(&p, 0x100, "10.1.0.1", "10.2.0.1");
	p.reqid = 5;
	p.soft.packets = 10;
	assert_int_equal(sad_add(sad, &p, &a), 0);
	assert_ptr_equal(look_out(sad, &k5), a);
	assert_ptr_equal(look_out(sad, &k0), a);
	assert_null(look_out(sad, &k6));
	p.spi = 0x101;
	assert_int_equal(sad_add(sad, &p, &b), 0);	/* newer wins */
	assert_ptr_equal(look_out(sad, &k5), b);
	assert_ptr_equal(look_out(sad, &k0), b);
	p.spi = 0x102;
	p.reqid = 0;
	assert_int_equal(sad_add(sad, &p, &c), 0);	/* reqid 0: any only */
	assert_ptr_equal(look_out(sad, &k5), b);
	assert_ptr_equal(look_out(sad, &k0), c);
	/* b soft-expires (DYING): a MATURE one is preferred. */
	sa_account(b, 10, 1000);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 1);
	assert_int_equal(sa_state(b), SA_DYING);
	assert_ptr_equal(look_out(sad, &k5), a);
	/* Deleting restores the next best; the key goes with the last. */
	assert_int_equal(sad_delete_sa(sad, c), 0);
	assert_ptr_equal(look_out(sad, &k0), a);
	assert_int_equal(sad_delete_sa(sad, a), 0);
	assert_ptr_equal(look_out(sad, &k0), b);
	assert_ptr_equal(look_out(sad, &k5), b);
	assert_int_equal(sad_delete_sa(sad, b), 0);
	assert_null(look_out(sad, &k0));
	assert_null(look_out(sad, &k5));
	rm_sad(sad);
}

/* Long chains: after every delete the template finds the best SA left. */
static void
test_outbound_chain_model(void **state)
{
	struct sad *sad = mk_sad(256, 0, 0);
	struct sad_out_key k0;
	struct sa_params p;
	struct sa *sa[40], *best;
	int alive[40], i, j, left = 40;
	uint32_t rnd = 12345;

	out_key(&k0, 0, "10.1.0.1", "10.2.0.1");
	mk_params(&p, 0, "10.1.0.1", "10.2.0.1");
	p.soft.packets = 1;
	for (i = 0; i < 40; i++) {
		p.spi = 0x400 + i;
		p.reqid = (uint32_t)(i % 3);
		assert_int_equal(sad_add(sad, &p, &sa[i]), 0);
		alive[i] = 1;
		if (i % 4 == 1)
			sa_account(sa[i], 1, 1);	/* will be DYING */
	}
	sad_tick(sad, 0);
	while (left > 0) {
		best = NULL;
		for (j = 39; j >= 0; j--) {	/* newest MATURE, else DYING */
			if (!alive[j])
				continue;
			if (best == NULL || (sa_state(best) == SA_DYING &&
			    sa_state(sa[j]) == SA_MATURE))
				best = sa[j];
		}
		assert_ptr_equal(look_out(sad, &k0), best);
		do {
			rnd = rnd * 1103515245 + 12345;
			i = (int)((rnd >> 16) % 40);
		} while (!alive[i]);
		assert_int_equal(sad_delete_sa(sad, sa[i]), 0);
		alive[i] = 0;
		left--;
	}
	assert_null(look_out(sad, &k0));
	rm_sad(sad);
}

/* ---- lifetimes -------------------------------------------------------- */

static struct sa *
add_lt(struct sad *sad, uint32_t spi, const struct sa_lifetime *soft,
    const struct sa_lifetime *hard)
{
	struct sa_params p;
	struct sa *sa;

	mk_params(&p, spi, "10.0.0.1", "10.0.0.2");
	p.soft = *soft;
	p.hard = *hard;
	assert_int_equal(sad_add(sad, &p, &sa), 0);
	return sa;
}

static void
test_lifetime_packets_bytes(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_lifetime soft = { .packets = 10 }, hard = { .packets = 20 };
	struct sa_lifetime bsoft = { .bytes = 1000 }, bhard = { .bytes = 2000 };
	struct sa *sa, *sb;
	struct sa_current cur;

	sa = add_lt(sad, 1000, &soft, &hard);
	sb = add_lt(sad, 1001, &bsoft, &bhard);
	assert_int_equal(sa_account(sa, 9, 900), 0);
	assert_int_equal(sa_account(sb, 1, 999), 0);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 0);
	sa_current(sa, &cur);
	assert_int_equal(cur.packets, 9);
	assert_int_equal(cur.bytes, 900);
	assert_int_equal(cur.usetime, fake_now);
	assert_int_equal(sa_account(sa, 1, 100), 0);
	assert_int_equal(sa_account(sb, 1, 1), 0);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 2);
	assert_int_equal(sa_state(sa), SA_DYING);
	assert_int_equal(sa_state(sb), SA_DYING);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 2);	/* once */
	assert_int_equal(sa_account(sa, 10, 10), 1);	/* hard reached */
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 1);
	assert_ptr_equal(H.expired_sa, sa);	/* (freed by the tick) */
	assert_int_equal(sa_account(sb, 1, 1000), 1);
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 2);
	assert_int_equal(sad_count(sad), 0);
	rm_sad(sad);
}

static void
test_lifetime_time(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_lifetime soft = { .addtime = 100 }, hard = { .addtime = 200 };
	struct sa_lifetime usoft = { .usetime = 10 }, uhard = { .usetime = 20 };
	struct sa *sa, *sb;

	sa = add_lt(sad, 1000, &soft, &hard);
	sb = add_lt(sad, 1001, &usoft, &uhard);
	fake_now += 99;
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 0);	/* sb unused: use time not running */
	fake_now += 1;
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 1);
	assert_int_equal(sa_state(sa), SA_DYING);
	sa_account(sb, 1, 100);		/* first use now */
	sad_tick(sad, 0);
	fake_now += 10;
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 2);
	assert_int_equal(sa_state(sb), SA_DYING);
	fake_now += 10;
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 1);
	assert_ptr_equal(H.expired_sa, sb);
	fake_now += 79;
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 1);
	fake_now += 1;
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 2);
	assert_ptr_equal(H.expired_sa, sa);
	rm_sad(sad);
}

/* tick_slice: each tick checks the next N SAs, resuming after the last
 * one, even when that one was deleted in between. */
static void
test_tick_slice(void **state)
{
	struct sad_params p;
	struct sad *sad;
	struct sa_lifetime soft = { .packets = 1 }, none = { 0 };
	struct sa *sa[10];
	int i;

	memset(&p, 0, sizeof(p));
	p.qsbr = qsbr;
	p.max_sa = 64;
	p.socket_id = SOCKET_ID_ANY;
	p.tick_slice = 3;
	p.clock = fake_clock;
	p.hooks.sa_install = h_install;
	p.hooks.sa_release = h_release;
	p.hooks.expire = h_expire;
	sad = sad_create(&p);
	assert_non_null(sad);
	sad_set_free_hook(sad, h_free, NULL);
	for (i = 0; i < 10; i++) {
		sa[i] = add_lt(sad, 0x900 + (uint32_t)i, &soft, &none);
		sa_account(sa[i], 1, 1);
	}
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 3);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 6);
	assert_int_equal(sa_state(sa[6]), SA_MATURE);
	assert_int_equal(sad_delete_sa(sad, sa[6]), 0);	/* the cursor */
	sad_reclaim(sad);
	assert_int_equal(H.freed, 0);		/* still referenced */
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 9);		/* 7, 8, 9 */
	assert_int_equal(H.freed, 1);
	sad_tick(sad, 0);			/* wraps around */
	assert_int_equal(H.soft, 9);
	rm_sad(sad);
	assert_int_equal(H.freed, 10);
}

static void
test_seq_exhaustion_expires(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_lifetime none = { 0 };
	struct sa *sa;
	uint64_t first;

	sa = add_lt(sad, 1000, &none, &none);
	sa->seq_out = UINT32_MAX - 1;	/* test shortcut */
	assert_int_equal(sa_seq_reserve(sa, 1, &first), 0);
	sad_tick(sad, 0);
	assert_int_equal(H.soft, 1);	/* 7/8 of the space: soft */
	assert_int_equal(sa_seq_reserve(sa, 1, &first), -ERANGE);
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 1);
	sa = add_lt(sad, 1001, &none, &none);
	sa_seq_exhausted(sa);
	sad_tick(sad, 0);
	assert_int_equal(H.hard, 2);
	rm_sad(sad);
}

/* ---- flush, dump, lookups ---------------------------------------------- */

static void
test_flush(void **state)
{
	struct sad *sad = mk_sad(64, 0, 0);
	struct sa_params p;
	struct sad_out_key k;
	struct sa *l, *use;
	enum sa_drop why;
	int i;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	for (i = 0; i < 5; i++) {
		p.spi = 0x100 + i;
		assert_int_equal(sad_add(sad, &p, NULL), 0);
	}
	p.proto = IPPROTO_AH;
	for (i = 0; i < 3; i++) {
		p.spi = 0x100 + i;
		assert_int_equal(sad_add(sad, &p, NULL), 0);
	}
	assert_int_equal(sad_getspi(sad, &p, 0, 0, &l), 0);
	assert_int_equal(sa_larval_enqueue(l, pkt(1), &use, &why),
	    SA_LQ_QUEUED);
	out_key(&k, 1, "10.9.0.1", "10.9.0.2");
	assert_int_equal(sad_acquire(sad, &k, 0, NULL), 0);
	assert_int_equal(sad_count(sad), 10);
	assert_int_equal(sad_flush(sad, IPPROTO_AH), 4);
	assert_int_equal(sad_count(sad), 6);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	assert_int_equal(sad_flush(sad, 0), 6);
	assert_int_equal(sad_count(sad), 0);
	assert_null(look_out(sad, &k));
	assert_int_equal(sad_reclaim(sad), 10);
	assert_int_equal(H.freed, 10);
	rm_sad(sad);
}

static void
test_dump_snapshot(void **state)
{
	struct sad *sad = mk_sad(256, 0, 0);
	struct sa_params p;
	struct sa *sa[20], *d;
	struct sad_dump *d1, *d2, *d3;
	uint32_t seen = 0, dead = 0, i;
	uint64_t last_gen;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	for (i = 0; i < 10; i++) {
		p.spi = 0x100 + i;
		p.proto = (i % 2) ? IPPROTO_AH : IPPROTO_ESP;
		assert_int_equal(sad_add(sad, &p, &sa[i]), 0);
	}
	last_gen = sa[9]->add_gen;
	d1 = sad_dump_start(sad, 0);
	d2 = sad_dump_start(sad, IPPROTO_ESP);
	assert_int_equal(sad_dump_count(d1), 10);
	assert_int_equal(sad_dump_count(d2), 5);
	for (i = 0; i < 3; i++) {
		d = sad_dump_next(d1);
		assert_ptr_equal(d, sa[i]);
	}
	/* Delete some passed and some ahead, flush AH, add new ones. */
	assert_int_equal(sad_delete_sa(sad, sa[1]), 0);
	assert_int_equal(sad_delete_sa(sad, sa[2]), 0);	/* current */
	assert_int_equal(sad_delete_sa(sad, sa[4]), 0);
	assert_int_equal(sad_flush(sad, IPPROTO_AH), 4);	/* 3,5,7,9 */
	p.proto = IPPROTO_ESP;
	for (i = 10; i < 15; i++) {
		p.spi = 0x100 + i;
		assert_int_equal(sad_add(sad, &p, &sa[i]), 0);
	}
	d3 = sad_dump_start(sad, 0);
	assert_int_equal(sad_dump_count(d3), 5 + 3);	/* 0,6,8 + 10..14 */
	/* Nothing deleted is freed while a dump needs it. */
	sad_reclaim(sad);
	assert_int_equal(H.freed, 1);	/* sa[1]: d1 passed it, d2 skips AH */
	seen = 3;
	while ((d = sad_dump_next(d1)) != NULL) {
		assert_true(d->add_gen <= last_gen);
		if (sa_state(d) == SA_DEAD)
			dead++;
		seen++;
		sad_reclaim(sad);
	}
	assert_int_equal(seen, 10);
	assert_int_equal(dead, 5);	/* 3, 4, 5, 7, 9 */
	assert_null(sad_dump_next(d1));
	sad_dump_end(d1);
	/* d2 (ESP): 0, 2, 4, 6, 8; 2 and 4 come back DEAD. */
	seen = dead = 0;
	while ((d = sad_dump_next(d2)) != NULL) {
		assert_int_equal(d->proto, IPPROTO_ESP);
		seen++;
		dead += sa_state(d) == SA_DEAD;
	}
	assert_int_equal(seen, 5);
	assert_int_equal(dead, 2);
	sad_dump_end(d2);
	sad_reclaim(sad);
	assert_int_equal(H.freed, 7);	/* every deleted SA */
	/* d3 abandoned half-way. */
	assert_non_null(sad_dump_next(d3));
	assert_int_equal(sad_delete_sa(sad, sa[13]), 0);
	sad_dump_end(d3);
	sad_reclaim(sad);
	assert_int_equal(H.freed, 8);
	{
		struct sad_stats st;

		sad_stats(sad, &st);
		assert_int_equal(st.n_pending_free, 0);
	}
	rm_sad(sad);
}

static void
test_lookup_in_burst(void **state)
{
	struct sad *sad = mk_sad(1024, 0, 0);
	struct sa_params p;
	struct sad_in_key keys[100];
	const struct sad_in_key *kp[100];
	struct sa *res[100];
	struct in_addr dst;
	uint32_t i;

	mk_params(&p, 0, "10.0.0.1", "10.0.0.2");
	for (i = 0; i < 100; i += 2) {
		p.spi = 0x1000 + i;
		assert_int_equal(sad_add(sad, &p, NULL), 0);
	}
	inet_pton(AF_INET, "10.0.0.2", &dst);
	for (i = 0; i < 100; i++) {
		sad_in_key_v4(&keys[i], IPPROTO_ESP, 0x1000 + i, dst.s_addr);
		kp[i] = &keys[i];
	}
	assert_int_equal(sad_lookup_in(sad, kp, 100, res), 50);
	for (i = 0; i < 100; i++) {
		if (i % 2 == 0) {
			assert_non_null(res[i]);
			assert_int_equal(res[i]->spi, 0x1000 + i);
		} else {
			assert_null(res[i]);
		}
	}
	assert_int_equal(sad_delete(sad, IPPROTO_ESP, &p.dst, 0x1000), 0);
	assert_int_equal(sad_lookup_in(sad, kp, 1, res), 0);
	assert_null(res[0]);
	/* IPv6. */
	{
		uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
		uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

		sa_addr_v6(&p.dst, a6);
		sa_addr_v6(&p.src, s6);
		p.spi = 0x77;
		assert_int_equal(sad_add(sad, &p, NULL), 0);
		sad_in_key_v6(&keys[0], IPPROTO_ESP, 0x77, a6);
		assert_int_equal(sad_lookup_in(sad, kp, 1, res), 1);
		assert_int_equal(res[0]->dst.family, AF_INET6);
	}
	rm_sad(sad);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	/* --in-memory is refused with --no-huge by DPDK 22.11 (it implies
	 * legacy memory): a per-process prefix and no shared config. */
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", "--no-telemetry", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal:error" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_getspi_range_and_exhaustion, setup),
		cmocka_unit_test_setup(test_add_get_delete, setup),
		cmocka_unit_test_setup(test_update, setup),
		cmocka_unit_test_setup(test_larval_queue_promotion, setup),
		cmocka_unit_test_setup(test_larval_expiry, setup),
		cmocka_unit_test_setup(test_acquire, setup),
		cmocka_unit_test_setup(test_outbound_preference, setup),
		cmocka_unit_test_setup(test_outbound_chain_model, setup),
		cmocka_unit_test_setup(test_lifetime_packets_bytes, setup),
		cmocka_unit_test_setup(test_lifetime_time, setup),
		cmocka_unit_test_setup(test_seq_exhaustion_expires, setup),
		cmocka_unit_test_setup(test_tick_slice, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_dump_snapshot, setup),
		cmocka_unit_test_setup(test_lookup_in_burst, setup),
	};
	size_t sz;
	int rc;

	snprintf(prefix, sizeof(prefix), "sadb-unit-%d", (int)getpid());
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
	rc = cmocka_run_group_tests(tests, NULL, NULL);
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
	return rc;
}
