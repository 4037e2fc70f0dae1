/*
 * Unit tests of dpsecd's route table (rte_fib/rte_fib6, both lookup
 * structures) and neighbor table.  EAL runs without hugepages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "neigh.h"
#include "route.h"

static struct cfg_addr
A(const char *s)
{
	struct cfg_addr a;

	if (config_parse_addr(s, &a, true) != 0)
		fail_msg("bad address %s", s);
	return a;
}

/* Look up one address; returns the next-hop index. */
static uint64_t
look(struct route_table *rt, const char *s)
{
	struct cfg_addr a = A(s);
	uint64_t nh;

	if (a.family == AF_INET) {
		uint32_t d = ntohl(a.u.v4.s_addr);

		route_lookup4_bulk(rt, &d, &nh, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], a.u.bytes, 16);
		route_lookup6_bulk(rt, d, &nh, 1);
	}
	return nh;
}

static void
check_table(bool compact)
{
	struct route_table *rt;
	struct cfg_addr p, v, none = { 0 };
	uint64_t h;
	uint32_t d[3];
	uint64_t nh[3];
	char name[32];

	snprintf(name, sizeof(name), "t%d", compact);
	rt = route_create(name, 64, compact, SOCKET_ID_ANY);
	assert_non_null(rt);

	/* Empty table: no route. */
	assert_int_equal(look(rt, "10.1.2.3"), ROUTE_NH_NONE);
	assert_int_equal(look(rt, "fd00::1"), ROUTE_NH_NONE);

	p = A("10.0.0.0/8");
	assert_int_equal(route_add(rt, &p, &none, 1), 0);
	p = A("10.1.0.0/16");
	v = A("192.0.2.1");
	assert_int_equal(route_add(rt, &p, &v, 2), 0);
	p = A("10.1.2.0/24");
	assert_int_equal(route_add(rt, &p, NULL, 3), 0);
	p = A("0.0.0.0/0");
	v = A("192.0.2.254");
	assert_int_equal(route_add(rt, &p, &v, 0), 0);
	p = A("10.1.0.0/16");
	assert_int_equal(route_add(rt, &p, NULL, 0), -EEXIST);
	p = A("10.1.0.0/16");
	v = A("fd00::1");
	assert_int_equal(route_add(rt, &p, &v, 0), -EINVAL);

	/* Longest prefix wins. */
	h = look(rt, "10.1.2.3");
	assert_int_equal(rt->nh[h].port, 3);
	assert_false(rt->nh[h].gateway);
	h = look(rt, "10.1.9.9");
	assert_int_equal(rt->nh[h].port, 2);
	assert_true(rt->nh[h].gateway);
	v = A("192.0.2.1");
	assert_memory_equal(rt->nh[h].addr, v.u.bytes, 4);
	h = look(rt, "10.200.0.1");
	assert_int_equal(rt->nh[h].port, 1);
	h = look(rt, "8.8.8.8");
	assert_int_equal(rt->nh[h].port, 0);
	v = A("192.0.2.254");
	assert_memory_equal(rt->nh[h].addr, v.u.bytes, 4);

	/* Bulk lookup keeps order. */
	d[0] = ntohl(A("10.1.2.1").u.v4.s_addr);
	d[1] = ntohl(A("1.1.1.1").u.v4.s_addr);
	d[2] = ntohl(A("10.1.3.1").u.v4.s_addr);
	route_lookup4_bulk(rt, d, nh, 3);
	assert_int_equal(rt->nh[nh[0]].port, 3);
	assert_int_equal(rt->nh[nh[1]].port, 0);
	assert_int_equal(rt->nh[nh[2]].port, 2);

	/* IPv6, no default: misses stay misses. */
	p = A("fd00:2::/64");
	assert_int_equal(route_add(rt, &p, NULL, 1), 0);
	p = A("fd00::/16");
	v = A("fe80::1");
	assert_int_equal(route_add(rt, &p, &v, 2), 0);
	h = look(rt, "fd00:2::5");
	assert_int_equal(rt->nh[h].port, 1);
	assert_false(rt->nh[h].gateway);
	h = look(rt, "fd00:3::5");
	assert_int_equal(rt->nh[h].port, 2);
	v = A("fe80::1");
	assert_memory_equal(rt->nh[h].addr, v.u.bytes, 16);
	assert_int_equal(look(rt, "2001:db8::1"), ROUTE_NH_NONE);

	/* Identical next hops share a slot. */
	p = A("172.16.0.0/12");
	assert_int_equal(route_add(rt, &p, &none, 1), 0);
	assert_int_equal(look(rt, "172.16.1.1"), look(rt, "10.9.9.9"));

	route_free(rt);
	route_free(NULL);
}

static void
test_route_rib(void **state)
{
	check_table(true);
}

static void
test_route_dir24(void **state)
{
	check_table(false);
}

static void
test_neigh(void **state)
{
	struct neigh_table *nt = neigh_create(8, SOCKET_ID_ANY);
	struct rte_ether_addr m1 = {{ 2, 0, 0, 0, 0, 1 }};
	struct rte_ether_addr m2 = {{ 2, 0, 0, 0, 0, 2 }};
	struct rte_ether_addr out;
	struct neigh_entry *e, *f;
	uint8_t a4[4] = { 10, 0, 0, 1 }, b4[4] = { 10, 0, 0, 2 };
	uint8_t a6[16] = { 0xfd, [15] = 1 };
	unsigned int i, made;

	assert_non_null(nt);
	assert_false(neigh_lookup(nt, 0, 4, a4, &out));
	assert_null(neigh_find(nt, 0, 4, a4));

	/* New entries are incomplete: no MAC yet. */
	e = neigh_get(nt, 0, 4, a4);
	assert_non_null(e);
	assert_int_equal(e->state, NEIGH_INCOMPLETE);
	assert_false(neigh_lookup(nt, 0, 4, a4, &out));
	assert_ptr_equal(neigh_get(nt, 0, 4, a4), e);
	assert_ptr_equal(neigh_find(nt, 0, 4, a4), e);

	assert_true(neigh_set(e, &m1, NEIGH_REACHABLE));
	assert_true(neigh_lookup(nt, 0, 4, a4, &out));
	assert_memory_equal(&out, &m1, 6);
	/* Same address on another port or family is another neighbor. */
	assert_false(neigh_lookup(nt, 1, 4, a4, &out));
	memcpy(a6, a4, 4);
	assert_false(neigh_lookup(nt, 0, 6, a6, &out));

	/* Static entries are never relearnt. */
	f = neigh_get(nt, 0, 4, b4);
	assert_true(neigh_set(f, &m2, NEIGH_STATIC));
	assert_false(neigh_set(f, &m1, NEIGH_REACHABLE));
	assert_true(neigh_lookup(nt, 0, 4, b4, &out));
	assert_memory_equal(&out, &m2, 6);

	/* Failed: unusable until learnt again. */
	neigh_set(e, NULL, NEIGH_FAILED);
	assert_false(neigh_lookup(nt, 0, 4, a4, &out));

	/* IPv6. */
	e = neigh_get(nt, 2, 6, a6);
	assert_true(neigh_set(e, &m2, NEIGH_REACHABLE));
	assert_true(neigh_lookup(nt, 2, 6, a6, &out));
	assert_memory_equal(&out, &m2, 6);

	/* Bounded: at most half the slots are used. */
	made = 3;
	for (i = 0; i < 100; i++) {
		uint8_t x[4] = { 192, 168, 0, (uint8_t)i };

		if (neigh_get(nt, 0, 4, x) != NULL)
			made++;
	}
	assert_int_equal(made, (nt->mask + 1) / 2);
	neigh_free(nt);
	neigh_free(NULL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_rib),
		cmocka_unit_test(test_route_dir24),
		cmocka_unit_test(test_neigh),
	};
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256",
	    "--no-telemetry", "--log-level", "error", "--file-prefix", prefix,
	    NULL };
	int rc;

	snprintf(prefix, sizeof(prefix), "dpsec-test-route-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
