/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad.c: the SADB through its public API (plus the test-only free hook
 * of sad_priv.h), with EAL, a fake clock and recording hooks: GETSPI ranges
 * and exhaustion, ADD/UPDATE/GET/DELETE/FLUSH errors, every state change the
 * API can make, larval queues (order, bounds, drops), acquire entries,
 * outbound templates, key wiping, snapshot dumps and burst lookups.
 * Lifetimes and sequence exhaustion: test_sad_lifetime.c.
 */
#include "sad_test.h"

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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_getspi_range_and_exhaustion, setup),
		cmocka_unit_test_setup(test_add_get_delete, setup),
		cmocka_unit_test_setup(test_update, setup),
		cmocka_unit_test_setup(test_larval_queue_promotion, setup),
		cmocka_unit_test_setup(test_larval_expiry, setup),
		cmocka_unit_test_setup(test_acquire, setup),
		cmocka_unit_test_setup(test_outbound_preference, setup),
		cmocka_unit_test_setup(test_outbound_chain_model, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_dump_snapshot, setup),
		cmocka_unit_test_setup(test_lookup_in_burst, setup),
	};

	return sadt_run(argc, argv, "sadb-unit", tests, RTE_DIM(tests));
}
