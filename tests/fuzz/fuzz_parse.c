/*
 * libFuzzer target for L2/L3 parsing of a received frame: dpsecd's parse
 * stage (src/stage_parse.c) on a burst of one mbuf built from the input.
 *
 * Input: byte 0 chooses the rx checksum offload flag the "NIC" reported
 * (bits 0-1: unknown, bad, good, none) and whether the frame arrives in
 * two segments (bit 2, split at byte 1); bytes 2.. are the frame.  The
 * port's MAC is 02:00:00:00:00:01.
 *
 * Beyond "no memory error", a frame the stage passes must satisfy the
 * contract of the next stages (docs/INTERFACES.md): data at L3, l2_len 0,
 * l3_len the header length, family matching the version nibble, and for
 * IPv4/IPv6 a packet length equal to the header's total length.
 * Seed corpus: corpus/fuzz_parse/ (tests/fuzz/gen_frame_seeds.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "app.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *mp;
static struct dp_app app;
static struct worker w;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct rte_ether_addr mac = {
		{ 0x02, 0, 0, 0, 0, 0x01 } };

	fuzz_eal_init();
	mp = rte_pktmbuf_pool_create("fuzz_parse", 64, 0, DP_META_SIZE,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL)
		abort();
	app.nports = 1;
	app.port[0].idx = 0;
	app.port[0].mac = mac;
	w.app = &app;
	w.cur_port = 0;
	return 0;
}

static void
check_l3(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->l2_len != 0 || md->in_port != 0)
		abort();
	if (md->family == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		if ((p[0] >> 4) != 4 || m->l3_len != (p[0] & 0xf) * 4 ||
		    m->l3_len > m->data_len ||
		    rte_be_to_cpu_16(ip->total_length) != m->pkt_len)
			abort();
	} else if (md->family == 6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)p;

		if ((p[0] >> 4) != 6 || m->l3_len != sizeof(*ip6) ||
		    m->l3_len > m->data_len ||
		    rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6) !=
		    m->pkt_len)
			abort();
	} else if (!(md->flags & DP_MF_LOCAL)) {
		abort();	/* only ARP passes without a family */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ck[4] = { RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	    RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	    RTE_MBUF_F_RX_IP_CKSUM_NONE };
	struct rte_mbuf *pkts[1];
	uint8_t reason[1];
	uint16_t k;

	if (size < 2 || size - 2 > 9000)
		return 0;
	pkts[0] = fuzz_mbuf(mp, data + 2, size - 2,
	    (data[0] & 4) ? data[1] : 0);
	if (pkts[0] == NULL)
		return 0;
	pkts[0]->ol_flags = ck[data[0] & 3];
	k = stage_parse(&w, pkts, reason, 1);
	if (k == 1)
		check_l3(pkts[0]);
	else if (reason[0] == DP_PASS || reason[0] == DP_DROP_NONE ||
	    reason[0] >= DP_DROP_MAX)
		abort();
	rte_pktmbuf_free(pkts[0]);
	return 0;
}
