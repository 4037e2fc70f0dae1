/*
 * Unit tests of the ICMP errors dpsecd sends when a packet is too big for
 * its SA (issue 8, docs/mtu.md): src/icmp.c's "fragmentation needed"
 * (type 3 code 4, RFC 792/1191: next-hop MTU in the low 16 bits, quote of
 * the IP header + at least 8 bytes, up to 576 in all per RFC 1812) and
 * ICMPv6 "packet too big" (type 2, RFC 4443: 32-bit MTU, as much of the
 * packet as fits in 1280), checksums verified; and frag_ptb_parse() reads
 * back the MTU and the SPI of the ESP packet such an error quotes.
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
#include "frag.h"
#include "icmp.h"

static struct rte_mempool *mp;
static struct dp_app app;
static uint8_t orig[2000];

/* A len-byte IPv4 (DF) or IPv6 packet of protocol proto from 10.0.1.2. */
static struct rte_mbuf *
mk(int v6, uint16_t len, uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;
	uint16_t i;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	if (!v6) {
		struct rte_ipv4_hdr *ip = (void *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 63;
		ip->next_proto_id = proto;
		ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, 2));
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 2, 2));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->l3_len = 20;
		dp_meta(m)->family = 4;
	} else {
		struct rte_ipv6_hdr *ip = (void *)p;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - 40));
		ip->proto = proto;
		ip->hop_limits = 63;
		ip->src_addr[0] = 0x20;
		ip->src_addr[1] = 0x01;
		ip->src_addr[15] = 2;
		ip->dst_addr[0] = 0x20;
		ip->dst_addr[1] = 0x02;
		ip->dst_addr[15] = 2;
		m->l3_len = 40;
		dp_meta(m)->family = 6;
	}
	dp_meta(m)->in_port = 0;
	dp_meta(m)->flags = 0;
	memcpy(orig, p, len);
	return m;
}

static void
test_frag_needed(void **state)
{
	static const uint16_t lens[] = { 28, 100, 576, 1500, 1501 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct rte_mbuf *m = mk(0, lens[i], 17);
		const struct rte_ipv4_hdr *ip;
		const uint8_t *ic;
		uint32_t quote;

		assert_int_equal(icmp4_error(&app, m, ICMP4_DEST_UNREACH,
		    ICMP4_FRAG_NEEDED, 1418), 0);
		ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		quote = RTE_MIN((uint32_t)lens[i], 576u - 28);
		assert_int_equal(m->pkt_len, 28 + quote);
		assert_true(quote >= RTE_MIN(28u, lens[i]));
		assert_int_equal(rte_be_to_cpu_16(ip->total_length),
		    m->pkt_len);
		assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
		assert_int_equal(ip->src_addr, app.port[0].v4[0]);
		assert_int_equal(ip->dst_addr,
		    rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, 2)));
		ic = (const uint8_t *)(ip + 1);
		assert_int_equal(ic[0], 3);
		assert_int_equal(ic[1], 4);
		assert_int_equal(ic[4] << 8 | ic[5], 0);	/* unused */
		assert_int_equal(ic[6] << 8 | ic[7], 1418);	/* RFC 1191 */
		assert_int_equal(rte_raw_cksum(ic, 8 + quote), 0xffff);
		assert_memory_equal(ic + 8, orig, quote);
		rte_pktmbuf_free(m);
	}
}

static void
test_packet_too_big(void **state)
{
	static const uint16_t lens[] = { 48, 1280, 1500, 1800 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct rte_mbuf *m = mk(1, lens[i], 17);
		const struct rte_ipv6_hdr *ip;
		const uint8_t *ic;
		uint32_t quote;

		assert_int_equal(icmp6_error(&app, m, ICMP6_PACKET_TOO_BIG, 0,
		    1400), 0);
		ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
		quote = RTE_MIN((uint32_t)lens[i], 1280u - 48);
		assert_int_equal(m->pkt_len, 48 + quote);
		assert_true(m->pkt_len <= 1280);
		assert_int_equal(ip->proto, IPPROTO_ICMPV6);
		assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 8 + quote);
		assert_memory_equal(ip->src_addr, app.port[0].v6[0], 16);
		ic = (const uint8_t *)(ip + 1);
		assert_int_equal(ic[0], 2);
		assert_int_equal(ic[1], 0);
		assert_int_equal((uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 |
		    (uint32_t)ic[6] << 8 | ic[7], 1400);
		assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, ic), 0);
		assert_memory_equal(ic + 8, orig, quote);
		rte_pktmbuf_free(m);
	}
}

/* An error quoting one of our ESP packets parses back to MTU and SPI. */
static void
test_ptb_roundtrip(void **state)
{
	struct frag_ptb p;
	struct rte_mbuf *m;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		uint8_t *esp;

		m = mk(v6, 1500, 50);
		esp = rte_pktmbuf_mtod(m, uint8_t *) + (v6 ? 40 : 20);
		memcpy(esp, (uint8_t[]){ 0xc0, 0xff, 0xee, 0x01 }, 4);
		if (v6)
			assert_int_equal(icmp6_error(&app, m,
			    ICMP6_PACKET_TOO_BIG, 0, 1300), 0);
		else
			assert_int_equal(icmp4_error(&app, m,
			    ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED, 1300), 0);
		assert_int_equal(frag_ptb_parse(m, &p), 0);
		assert_int_equal(p.af, v6 ? 6 : 4);
		assert_int_equal(p.mtu, 1300);
		assert_int_equal(p.spi, 0xc0ffee01);
		assert_int_equal(p.proto, 50);
		rte_pktmbuf_free(m);
	}
	/* an error about an ICMP error is never sent */
	m = mk(0, 100, IPPROTO_ICMP);
	rte_pktmbuf_mtod(m, uint8_t *)[20] = 3;
	assert_int_equal(icmp4_error(&app, m, ICMP4_DEST_UNREACH,
	    ICMP4_FRAG_NEEDED, 1300), -1);
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frag_needed),
		cmocka_unit_test(test_packet_too_big),
		cmocka_unit_test(test_ptb_roundtrip),
	};
	char prefix[64];
	char *eal[] = { "test_icmp", "--no-huge", "--no-pci", "-m", "64",
	    "--no-shconf", prefix, "--log-level", "lib.eal:error", NULL };
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-icmp-%d",
	    (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("ticmp", 63, 0, DP_META_SIZE, 4096, -1);
	if (mp == NULL)
		return 1;
	app.nports = 1;
	app.port[0].n4 = 1;
	app.port[0].v4[0] = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, 1));
	app.port[0].n6 = 2;
	app.port[0].v6[0][0] = 0x20;
	app.port[0].v6[0][1] = 0x01;
	app.port[0].v6[0][15] = 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
