/*
 * Unit tests of dp_spd_key() (src/dp_ipsec.h), the SPD selector of a
 * packet: IPv6 extension headers are skipped to the next layer protocol
 * (RFC 4301 4.4.1.1).  Regression: a hop-by-hop or destination options
 * header in front of TCP used to give protocol 0/60 and no ports, so the
 * packet missed every protocol/port policy and took the default action
 * (found by issue 10's hostile-traffic review).  No EAL: the mbuf is a
 * plain struct pointing at a buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <cmocka.h>

#include "dp_ipsec.h"

static uint8_t pkt[2048];

/* IPv6 header with @nh, then the caller's bytes; returns the key. */
static struct spd_key
key6(uint8_t nh, const uint8_t *rest, size_t n)
{
	struct rte_mbuf m;
	struct spd_key k;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(n >> 8);
	pkt[5] = (uint8_t)n;
	pkt[6] = nh;
	pkt[7] = 64;
	pkt[8] = 0xfd;
	pkt[24] = 0xfd;
	pkt[39] = 1;
	memcpy(pkt + 40, rest, n);
	memset(&m, 0, sizeof(m));
	m.buf_addr = pkt;
	m.data_off = 0;
	m.data_len = (uint16_t)(40 + n);
	m.pkt_len = m.data_len;
	m.l3_len = 40;
	dp_spd_key(&m, &k);
	return k;
}

static const uint8_t tcp22[8] = { 0x30, 0x39, 0, 22 };	/* 12345 -> 22 */

static void
test_plain(void **state)
{
	struct spd_key k = key6(IPPROTO_TCP, tcp22, sizeof(tcp22));

	assert_int_equal(k.af, AF_INET6);
	assert_int_equal(k.proto, IPPROTO_TCP);
	assert_int_equal(ntohs(k.dport), 22);
	assert_int_equal(ntohs(k.sport), 12345);
}

static void
test_hbh_dstopts(void **state)
{
	uint8_t b[40] = { 0 };
	struct spd_key k;

	b[0] = IPPROTO_DSTOPTS;		/* hop-by-hop, 8 bytes */
	b[8] = IPPROTO_TCP;		/* destination options, 16 bytes */
	b[9] = 1;
	memcpy(b + 24, tcp22, sizeof(tcp22));
	k = key6(IPPROTO_HOPOPTS, b, 32);
	assert_int_equal(k.proto, IPPROTO_TCP);
	assert_int_equal(ntohs(k.dport), 22);
	assert_int_equal(ntohs(k.sport), 12345);
}

static void
test_fragments(void **state)
{
	uint8_t b[16] = { IPPROTO_UDP, 0, 0, 0, 1, 2, 3, 4,
	    0x13, 0x88, 0x00, 0x35 };	/* 5000 -> 53 */
	struct spd_key k;

	k = key6(IPPROTO_FRAGMENT, b, 16);	/* offset 0, M: first */
	assert_int_equal(k.proto, IPPROTO_UDP);
	assert_int_equal(ntohs(k.dport), 53);
	b[3] = 0x08;				/* offset 1 (8 bytes): not first */
	k = key6(IPPROTO_FRAGMENT, b, 16);
	assert_int_equal(k.proto, IPPROTO_UDP);
	assert_int_equal(k.sport, 0);
	assert_int_equal(k.dport, 0);
}

static void
test_routing_icmp(void **state)
{
	uint8_t b[32] = { IPPROTO_ICMPV6, 2 };	/* routing, 24 bytes */
	struct spd_key k;

	b[24] = 128;				/* echo request */
	k = key6(IPPROTO_ROUTING, b, 32);
	assert_int_equal(k.proto, IPPROTO_ICMPV6);
	assert_int_equal(ntohs(k.sport), 128);
}

static void
test_bounded(void **state)
{
	uint8_t b[8 * (DP_EXT_MAX + 1) + 8] = { 0 };
	struct spd_key k;
	int i;

	/* DP_EXT_MAX + 1 destination options headers, then TCP */
	for (i = 0; i <= DP_EXT_MAX; i++)
		b[8 * i] = i < DP_EXT_MAX ? IPPROTO_DSTOPTS : IPPROTO_TCP;
	memcpy(b + 8 * (DP_EXT_MAX + 1), tcp22, sizeof(tcp22));
	k = key6(IPPROTO_DSTOPTS, b, sizeof(b));
	assert_int_equal(k.proto, IPPROTO_DSTOPTS);	/* gave up */
	assert_int_equal(k.dport, 0);
	/* a header running past the packet: no ports read */
	memset(b, 0, sizeof(b));
	b[0] = IPPROTO_TCP;
	b[1] = 200;
	k = key6(IPPROTO_HOPOPTS, b, 16);
	assert_int_equal(k.dport, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_hbh_dstopts),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_routing_icmp),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
