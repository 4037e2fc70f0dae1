/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sa_state.c: the SA state machine without EAL: every transition of
 * the 4x4 table (legal ones succeed, illegal ones fail and change nothing),
 * the SADB_SASTATE mapping, satype mapping, counters and sequence space.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/pfkeyv2.h>
#include <cmocka.h>

#include "sad_priv.h"

static const int legal[SA_STATE_MAX][SA_STATE_MAX] = {
	[SA_LARVAL] = { [SA_MATURE] = 1, [SA_DEAD] = 1 },
	[SA_MATURE] = { [SA_DYING] = 1, [SA_DEAD] = 1 },
	[SA_DYING] = { [SA_DEAD] = 1 },
};

static void
test_every_transition(void **state)
{
	struct sa sa;
	int from, to, rc;

	for (from = 0; from < SA_STATE_MAX; from++) {
		for (to = 0; to < SA_STATE_MAX; to++) {
			memset(&sa, 0, sizeof(sa));
			rte_spinlock_init(&sa.lock);
			sa.state = (uint32_t)from;
			rc = sa_set_state(&sa, (enum sa_state)to);
			if (legal[from][to]) {
				assert_int_equal(rc, 0);
				assert_int_equal(sa_state(&sa), to);
			} else {
				assert_int_equal(rc, -EINVAL);
				assert_int_equal(sa_state(&sa), from);
			}
			assert_int_equal(sa_transition_ok(from, to),
			    legal[from][to]);
		}
	}
	assert_int_equal(sa_transition_ok(SA_STATE_MAX, SA_DEAD), 0);
	assert_int_equal(sa_transition_ok(SA_LARVAL, SA_STATE_MAX), 0);
}

static void
test_sadb_mapping(void **state)
{
	assert_int_equal(sa_state_to_sadb(SA_LARVAL), SADB_SASTATE_LARVAL);
	assert_int_equal(sa_state_to_sadb(SA_MATURE), SADB_SASTATE_MATURE);
	assert_int_equal(sa_state_to_sadb(SA_DYING), SADB_SASTATE_DYING);
	assert_int_equal(sa_state_to_sadb(SA_DEAD), SADB_SASTATE_DEAD);
	assert_int_equal(sa_proto_from_satype(SADB_SATYPE_ESP), IPPROTO_ESP);
	assert_int_equal(sa_proto_from_satype(SADB_SATYPE_AH), IPPROTO_AH);
	assert_int_equal(sa_proto_from_satype(SADB_SATYPE_UNSPEC), 0);
	assert_int_equal(sa_proto_from_satype(SADB_SATYPE_RSVP), -1);
	assert_int_equal(sa_satype_from_proto(IPPROTO_ESP), SADB_SATYPE_ESP);
	assert_int_equal(sa_satype_from_proto(IPPROTO_AH), SADB_SATYPE_AH);
	assert_int_equal(sa_satype_from_proto(IPPROTO_UDP), 0);
	assert_string_equal(sa_state_name(SA_DYING), "dying");
	assert_string_equal(sa_drop_name(SA_DROP_LQ_EXPIRED),
	    "larval_expired");
}

static void
test_account_hints(void **state)
{
	struct sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.soft.packets = 10;
	sa.hard.packets = 20;
	sa.hard.bytes = 100000;
	assert_int_equal(sa_account(&sa, 5, 500), 0);
	assert_int_equal(sa.aflags, 0);
	assert_int_equal(sa_account(&sa, 5, 500), 0);
	assert_true(sa.aflags & SA_AF_SOFT_HINT);
	assert_int_equal(sa_account(&sa, 10, 500), 1);
	assert_true(sa.aflags & SA_AF_HARD_HINT);
	memset(&sa, 0, sizeof(sa));
	sa.hard.bytes = 1000;
	assert_int_equal(sa_account(&sa, 1, 999), 0);
	assert_int_equal(sa_account(&sa, 1, 1), 1);
}

static void
test_seq_space(void **state)
{
	struct sa sa;
	uint64_t first;

	memset(&sa, 0, sizeof(sa));
	assert_int_equal(sa_seq_reserve(&sa, 0, &first), -EINVAL);
	assert_int_equal(sa_seq_reserve(&sa, 32, &first), 0);
	assert_int_equal(first, 1);
	assert_int_equal(sa_seq_reserve(&sa, 1, &first), 0);
	assert_int_equal(first, 33);
	/* Without ESN: 2^32-1 is the last number ever used. */
	sa.seq_out = UINT32_MAX - 3;
	assert_int_equal(sa_seq_reserve(&sa, 3, &first), 0);
	assert_int_equal(first, UINT32_MAX - 2);
	assert_true(sa.aflags & SA_AF_SOFT_HINT);
	assert_false(sa.aflags & SA_AF_SEQ_EXHAUSTED);
	assert_int_equal(sa_seq_reserve(&sa, 2, &first), -ERANGE);
	assert_int_equal(sa.seq_out, UINT32_MAX);
	assert_true(sa.aflags & SA_AF_SEQ_EXHAUSTED);
	assert_int_equal(sa_seq_reserve(&sa, 1, &first), -ERANGE);
	/* With ESN it goes on past 2^32. */
	memset(&sa, 0, sizeof(sa));
	sa.flags = SA_F_ESN;
	sa.seq_out = UINT32_MAX;
	assert_int_equal(sa_seq_reserve(&sa, 2, &first), 0);
	assert_int_equal(first, (uint64_t)UINT32_MAX + 1);
	assert_int_equal(sa.aflags, 0);
}

static void
test_addr(void **state)
{
	struct sa_addr a, b;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	memset(&b, 0xff, sizeof(b));
	sa_addr_v4(&b, htonl(0x0a000001));
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.a.v4 = htonl(0x0a000001);
	assert_memory_equal(&a, &b, sizeof(a));
	sa_addr_v6(&b, v6);
	assert_int_equal(b.family, AF_INET6);
	assert_memory_equal(b.a.v6, v6, 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_transition),
		cmocka_unit_test(test_sadb_mapping),
		cmocka_unit_test(test_account_hints),
		cmocka_unit_test(test_seq_space),
		cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
