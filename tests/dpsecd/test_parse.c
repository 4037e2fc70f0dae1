/*
 * Unit tests of dpsecd's parse stage (src/stage_parse.c) on frames whose
 * trailing bytes the stage must cut: link-layer padding in one segment
 * and, the regression found by tests/fuzz/fuzz_parse, trailing bytes that
 * span segments of a chained mbuf (rte_pktmbuf_trim() cannot cut those).
 * EAL runs without hugepages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>

#include "app.h"

static struct rte_mempool *mp;
static struct dp_app app;
static struct worker w;

/* Ethernet + IPv4 (20 bytes, total length 28) + 8 bytes, then @p pad. */
static struct rte_mbuf *
frame4(uint16_t first, uint16_t pad)
{
	uint8_t f[256];
	uint16_t len = 14 + 28 + pad, second = len - first;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_mbuf *m, *m2;

	memset(f, 0xee, sizeof(f));
	memcpy(f, (uint8_t[]){ 2, 0, 0, 0, 0, 1, 2, 0xaa, 0, 0, 0, 1,
	    0x08, 0x00 }, 14);
	memset(ip, 0, 28);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(28);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, 2));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 2, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, first), f, first);
	if (second == 0)
		return m;
	m2 = rte_pktmbuf_alloc(mp);
	assert_non_null(m2);
	memcpy(rte_pktmbuf_append(m2, second), f + first, second);
	assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
	return m;
}

static void
run(uint16_t first, uint16_t pad)
{
	unsigned int before = rte_mempool_avail_count(mp);
	struct rte_mbuf *m = frame4(first, pad);
	uint8_t reason[1];

	assert_int_equal(stage_parse(&w, &m, reason, 1), 1);
	assert_int_equal(m->pkt_len, 28);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 28);
	assert_int_equal(dp_meta(m)->family, 4);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[0], 0x45);
	assert_int_equal(rte_mbuf_check(m, 1, NULL), 0);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_avail_count(mp), before);
}

static void
test_pad_one_segment(void **state)
{
	run(14 + 28 + 18, 18);	/* minimum Ethernet frame: 18 bytes padding */
}

static void
test_pad_in_last_segment(void **state)
{
	run(14 + 22, 10);	/* trim within the last segment */
}

static void
test_pad_spans_segments(void **state)
{
	run(14 + 24, 40);	/* packet ends in seg 2, which must be cut */
	run(14 + 28, 30);	/* seg 2 is all padding: freed */
	run(14 + 28 + 10, 30);	/* padding in both segments */
}

int
main(int argc, char **argv)
{
	static const struct rte_ether_addr mac = {
		{ 0x02, 0, 0, 0, 0, 0x01 } };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pad_one_segment),
		cmocka_unit_test(test_pad_in_last_segment),
		cmocka_unit_test(test_pad_spans_segments),
	};
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "128",
	    "--no-telemetry", "--log-level", "error", "--file-prefix", prefix,
	    NULL };

	snprintf(prefix, sizeof(prefix), "dpsec-test-parse-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("tparse", 64, 0, DP_META_SIZE,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL)
		return 1;
	app.nports = 1;
	app.port[0].mac = mac;
	w.app = &app;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
