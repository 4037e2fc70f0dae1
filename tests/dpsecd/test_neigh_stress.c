/*
 * Concurrency test of the neighbor table: one writer (the control
 * thread's role) creates entries and keeps changing their MACs and
 * states while reader threads (the workers' role) look them up without
 * locks.  A reader must never see a MAC that belongs to another address
 * or half of an update.  Runs in the 'stress' suite (also under TSan).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "neigh.h"

#define NADDR	200
#define ROUNDS	300
#define READERS	2

struct shared {
	struct neigh_table	*nt;
	uint32_t		 stop;
	uint64_t		 hits[READERS];
	uint64_t		 bad[READERS];
};

struct reader_arg {
	struct shared	*sh;
	unsigned int	 id;
};

static void
addr_of(unsigned int i, uint8_t a[4])
{
	a[0] = 10;
	a[1] = 0;
	a[2] = (uint8_t)(i >> 8);
	a[3] = (uint8_t)i;
}

/* MAC for address i in round r: the round twice, the address in between. */
static void
mac_of(unsigned int i, unsigned int r, struct rte_ether_addr *m)
{
	m->addr_bytes[0] = 0x02;
	m->addr_bytes[1] = (uint8_t)r;
	m->addr_bytes[2] = 0;
	m->addr_bytes[3] = (uint8_t)(i >> 8);
	m->addr_bytes[4] = (uint8_t)i;
	m->addr_bytes[5] = (uint8_t)r;
}

static void *
reader(void *p)
{
	struct reader_arg *ra = p;
	struct shared *sh = ra->sh;
	struct rte_ether_addr m;
	uint8_t a[4];
	unsigned int i = ra->id;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		i = (i * 1103515245u + 12345u) % NADDR;
		addr_of(i, a);
		if (!neigh_lookup(sh->nt, 1, 4, a, &m))
			continue;
		sh->hits[ra->id]++;
		if (m.addr_bytes[0] != 0x02 || m.addr_bytes[1] != m.addr_bytes[5] ||
		    m.addr_bytes[3] != (uint8_t)(i >> 8) ||
		    m.addr_bytes[4] != (uint8_t)i)
			sh->bad[ra->id]++;
	}
	return NULL;
}

static void
test_one_writer_many_readers(void **state)
{
	struct shared sh = { 0 };
	struct reader_arg ra[READERS];
	pthread_t t[READERS];
	struct rte_ether_addr m;
	unsigned int r, i, k;
	uint8_t a[4];

	sh.nt = neigh_create(2 * NADDR, SOCKET_ID_ANY);
	assert_non_null(sh.nt);
	for (k = 0; k < READERS; k++) {
		ra[k].sh = &sh;
		ra[k].id = k;
		assert_int_equal(pthread_create(&t[k], NULL, reader, &ra[k]), 0);
	}
	for (r = 0; r < ROUNDS; r++) {
		for (i = r % 2; i < NADDR; i += 2) {
			struct neigh_entry *e;

			addr_of(i, a);
			e = neigh_get(sh.nt, 1, 4, a);
			assert_non_null(e);
			mac_of(i, r, &m);
			switch ((r + i) % 4) {
			case 0:
				neigh_set(e, NULL, NEIGH_INCOMPLETE);
				break;
			case 1:
				neigh_set(e, NULL, NEIGH_FAILED);
				break;
			default:
				neigh_set(e, &m, NEIGH_REACHABLE);
			}
		}
	}
	/* Let the readers see the final state for a moment. */
	usleep(20000);
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	for (k = 0; k < READERS; k++) {
		assert_int_equal(pthread_join(t[k], NULL), 0);
		assert_int_equal(sh.bad[k], 0);
	}
	/* Every address is in the table once, on port 1 only. */
	for (i = 0; i < NADDR; i++) {
		addr_of(i, a);
		assert_non_null(neigh_find(sh.nt, 1, 4, a));
		assert_null(neigh_find(sh.nt, 2, 4, a));
	}
	assert_int_equal(sh.nt->used, NADDR);
	assert_true(sh.hits[0] + sh.hits[1] > 0);
	print_message("reader hits: %llu %llu\n",
	    (unsigned long long)sh.hits[0], (unsigned long long)sh.hits[1]);
	neigh_free(sh.nt);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_writer_many_readers),
	};
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "64",
	    "--no-telemetry", "--log-level", "error", "--file-prefix", prefix,
	    NULL };
	int rc;

	snprintf(prefix, sizeof(prefix), "dpsec-test-neigh-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
