/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad_lifetime.c: SA lifetimes through the public API with a fake
 * clock: soft and hard limits by packets, bytes and time, sad_tick's
 * slicing over large SADs, and expiry on outbound sequence exhaustion.
 */
#include "sad_test.h"

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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lifetime_packets_bytes, setup),
		cmocka_unit_test_setup(test_lifetime_time, setup),
		cmocka_unit_test_setup(test_seq_exhaustion_expires, setup),
		cmocka_unit_test_setup(test_tick_slice, setup),
	};

	return sadt_run(argc, argv, "sadb-lifetime", tests, RTE_DIM(tests));
}
