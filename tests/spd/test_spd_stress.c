/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPD concurrency ('stress' suite, also under TSan): reader threads
 * classify bursts continuously while the control thread loads 2,000
 * policies one at a time (coalesced rebuilds), deletes by id and by
 * selector, updates, and flushes.  Checks, for every classification:
 *  - lesson 2: a policy removed (delete or flush) before the
 *    classification started is never returned ("gone" rounds, published
 *    with release after the removal returned, read with acquire before
 *    classifying);
 *  - a returned policy is whole: its blob names the slot the key belongs
 *    to (no half-built classifier, no freed memory: ASan/TSan);
 * and after each flush: count 0 and no key matches.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <inttypes.h>
#include <cmocka.h>

#include "spd_test_util.h"

#define NREADERS 2
#define NPOL 2000
#define RUN_NS 2500000000ull

struct tag {
	uint32_t round;
	uint32_t slot;
};

static struct rte_rcu_qsbr *qsbr;
static struct spd *spd;
static uint32_t gone[NPOL];		/* [A] round of the last removal */
static uint32_t stop;			/* [A] */
static uint64_t violations, hits, lookups;	/* [A] */
static uint32_t vround, vslot, vgone;

static void
slot_sel(struct spd_selector *s, uint32_t slot)
{
	char dst[32];

	snprintf(dst, sizeof(dst), "10.%u.%u.0/24", slot >> 8, slot & 255);
	tu_sel(s, "0.0.0.0/0", dst, SPD_PROTO_ANY);
}

static void
slot_key(struct spd_key *k, uint32_t slot, uint32_t host)
{
	char dst[32];

	snprintf(dst, sizeof(dst), "10.%u.%u.%u", slot >> 8, slot & 255,
	    host & 255);
	tu_key(k, "192.0.2.1", dst, 17, 1000, 2000);
}

static void *
reader(void *arg)
{
	unsigned int tid = (unsigned int)(uintptr_t)arg;
	uint64_t x = 0x12345678u + tid, nv = 0, nh = 0, nl = 0;
	struct spd_key keys[32];
	uint32_t slots[32], g[32];
	const struct spd_policy *out[32];
	int i;

	rte_rcu_qsbr_thread_register(qsbr, tid);
	rte_rcu_qsbr_thread_online(qsbr, tid);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 32; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			slots[i] = (uint32_t)(x % NPOL);
			slot_key(&keys[i], slots[i], (uint32_t)(x >> 32));
		}
		/* Removals that returned before this point must show. */
		for (i = 0; i < 32; i++)
			g[i] = __atomic_load_n(&gone[slots[i]],
			    __ATOMIC_ACQUIRE);
		spd_classify_bulk(spd, SPD_DIR_OUT, keys, 32, out);
		for (i = 0; i < 32; i++) {
			const struct tag *t;

			if (out[i] == NULL)
				continue;
			nh++;
			t = out[i]->blob;
			if (out[i]->blob_len != sizeof(*t) ||
			    t->slot != slots[i] || t->round <= g[i] ||
			    out[i]->id % 8 != SPD_DIR_OUT) {
				if (nv++ == 0) {
					vround = t->round;
					vslot = t->slot;
					vgone = g[i];
				}
			}
		}
		nl += 32;
		rte_rcu_qsbr_quiescent(qsbr, tid);
	}
	rte_rcu_qsbr_thread_offline(qsbr, tid);
	rte_rcu_qsbr_thread_unregister(qsbr, tid);
	__atomic_fetch_add(&violations, nv, __ATOMIC_RELAXED);
	__atomic_fetch_add(&hits, nh, __ATOMIC_RELAXED);
	__atomic_fetch_add(&lookups, nl, __ATOMIC_RELAXED);
	return NULL;
}

static void
add_slot(uint32_t round, uint32_t slot, int update, enum spd_action act)
{
	struct spd_policy_conf c;
	struct tag t = { round, slot };

	memset(&c, 0, sizeof(c));
	c.dir = SPD_DIR_OUT;
	slot_sel(&c.sel, slot);
	c.priority = 0x80000000u;
	c.action = act;
	if (act == SPD_ACT_PROTECT) {
		c.ntmpl = 1;
		c.tmpl[0].proto = IPPROTO_ESP;
		c.tmpl[0].mode = SPD_MODE_TRANSPORT;
		c.tmpl[0].reqid = slot + 1;
	}
	c.blob = &t;
	c.blob_len = sizeof(t);
	assert_int_equal((update ? spd_update : spd_add)(spd, &c, NULL), 0);
}

static void
mark_gone(uint32_t slot, uint32_t round)
{
	__atomic_store_n(&gone[slot], round, __ATOMIC_RELEASE);
}

static void
test_stress(void **state)
{
	struct spd_params prm = { .qsbr = qsbr, .name = "stress",
	    .chunk_size = 512, .chunk_max = 1024, .quiet_us = 200,
	    .max_delay_us = 5000 };
	pthread_t th[NREADERS];
	uint64_t t_end;
	uint32_t round = 0, slot, ids[NPOL];
	int i;

	spd = spd_create(&prm);
	assert_non_null(spd);
	for (i = 0; i < NREADERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader,
		    (void *)(uintptr_t)i), 0);

	t_end = spd_mono_ns_for_tests() + RUN_NS;
	while (round < 3 || spd_mono_ns_for_tests() < t_end) {
		struct spd_key k;
		const struct spd_policy *p;
		struct spd_selector s;

		round++;
		/* Load one at a time with the coalescing tick. */
		for (slot = 0; slot < NPOL; slot++) {
			add_slot(round, slot, 0, SPD_ACT_PROTECT);
			p = spd_find(spd, SPD_DIR_OUT, (slot_sel(&s, slot), &s));
			ids[slot] = p->id;
			spd_tick(spd, spd_mono_ns_for_tests());
			spd_reclaim(spd);
		}
		assert_int_equal(spd_commit(spd), 0);
		assert_int_equal(spd_count(spd), NPOL);
		/* Idle by the SPD's clock: chunks merge in the background
		 * while the deletes below land. */
		spd_tick(spd, spd_mono_ns_for_tests() + 2000000000ull);
		usleep(2000);

		/* Delete a quarter by id, a quarter by selector, update an
		 * eighth, without waiting for rebuilds in between. */
		for (slot = round % 4; slot < NPOL; slot += 4) {
			assert_int_equal(spd_delete_by_id(spd, ids[slot]), 0);
			mark_gone(slot, round);
			slot_key(&k, slot, 7);
			assert_null(spd_classify(spd, SPD_DIR_OUT, &k));
		}
		for (slot = (round + 1) % 4; slot < NPOL; slot += 4) {
			slot_sel(&s, slot);
			assert_int_equal(spd_delete_by_selector(spd,
			    SPD_DIR_OUT, &s), 0);
			mark_gone(slot, round);
			spd_tick(spd, spd_mono_ns_for_tests());
		}
		for (slot = (round + 2) % 8; slot < NPOL; slot += 8)
			add_slot(round, slot, 1, SPD_ACT_BYPASS);
		assert_int_equal(spd_count(spd), NPOL / 2);
		spd_reclaim(spd);
		usleep(2000);
		spd_tick(spd, spd_mono_ns_for_tests() + 1000000000ull);

		/* Flush: complete and immediate. */
		assert_int_equal(spd_flush(spd), NPOL / 2);
		for (slot = 0; slot < NPOL; slot++)
			mark_gone(slot, round);
		assert_int_equal(spd_count(spd), 0);
		for (slot = 0; slot < NPOL; slot++) {
			slot_key(&k, slot, slot);
			assert_null(spd_classify(spd, SPD_DIR_OUT, &k));
		}
		spd_reclaim(spd);
		usleep(1000);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADERS; i++)
		pthread_join(th[i], NULL);
	spd_free(spd);
	print_message("stress: %u rounds, %" PRIu64 " lookups, %" PRIu64
	    " hits, %" PRIu64 " violations\n", round, lookups, hits,
	    violations);
	if (violations != 0)
		print_error("first violation: round %u slot %u gone %u\n",
		    vround, vslot, vgone);
	assert_int_equal(violations, 0);
	assert_true(hits > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};
	int rc;

	if (tu_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	qsbr = tu_qsbr(NREADERS);
	if (qsbr == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_free(qsbr);
	rte_eal_cleanup();
	return rc;
}
