/*
 * Stage "parse": Ethernet and IP header validation.
 *
 * Drops, by reason: frames for another host, unknown ethertypes (VLAN
 * tags included), IPv4 with a bad version, header length, total length or
 * header checksum, IPv6 with a bad version or payload length, and
 * impossible source/destination addresses.  Link-layer padding is trimmed
 * so the mbuf holds exactly the IP packet.  ARP, IPv6 neighbor discovery
 * and multicast are marked DP_MF_LOCAL for the exception path.  On exit
 * the data starts at L3 (docs/INTERFACES.md).
 */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "app.h"

/*
 * Cut the frame to len bytes (link-layer padding, trailing garbage).
 * rte_pktmbuf_trim() only trims within the last segment and does nothing
 * otherwise, which left a chained frame longer than its IP packet
 * (found by tests/fuzz/fuzz_parse): walk the chain and free the segments
 * past len instead.
 */
static inline void
trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t nseg = 1;

	if (rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len)) == 0)
		return;
	while (seg->data_len < left && seg->next != NULL) {
		left -= seg->data_len;
		seg = seg->next;
		nseg++;
	}
	seg->data_len = (uint16_t)left;
	rte_pktmbuf_free(seg->next);
	seg->next = NULL;
	m->nb_segs = nseg;
	m->pkt_len = len;
}

static inline uint8_t
parse_ip4(struct rte_mbuf *m, struct dp_meta *md)
{
	const uint32_t len = m->pkt_len - RTE_ETHER_HDR_LEN;
	const uint32_t seg = m->data_len - RTE_ETHER_HDR_LEN;
	struct rte_ipv4_hdr *ip;
	uint32_t hl, tot, src, dst;

	if (seg < sizeof(*ip))
		return DP_DROP_IP4_SHORT;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
	    RTE_ETHER_HDR_LEN);
	if ((ip->version_ihl >> 4) != 4)
		return DP_DROP_IP4_VERSION;
	hl = (ip->version_ihl & 0xf) * 4u;
	if (hl < sizeof(*ip) || hl > seg)
		return DP_DROP_IP4_HDRLEN;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < hl || tot > len)
		return DP_DROP_IP4_TOTLEN;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
	    RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return DP_DROP_IP4_CSUM;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) !=
	    RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, hl) != 0xffff)
		return DP_DROP_IP4_CSUM;
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (DP_IP4_MCAST(src) || src == 0xffffffff || (src >> 24) == 127)
		return DP_DROP_IP4_BAD_SRC;
	if ((dst >> 24) == 127 || dst == 0)
		return DP_DROP_IP4_BAD_DST;
	if (DP_IP4_MCAST(dst) || dst == 0xffffffff)
		md->flags |= DP_MF_LOCAL;
	if (len > tot)
		trim_to(m, RTE_ETHER_HDR_LEN + tot);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->l3_len = (uint16_t)hl;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
	md->family = 4;
	return DP_PASS;
}

static inline bool
nd_type(uint8_t t)
{
	return t >= 133 && t <= 137;	/* RS, RA, NS, NA, redirect */
}

static inline uint8_t
parse_ip6(struct rte_mbuf *m, struct dp_meta *md)
{
	static const uint8_t zero[16], lo[16] = { [15] = 1 };
	const uint32_t len = m->pkt_len - RTE_ETHER_HDR_LEN;
	const uint32_t seg = m->data_len - RTE_ETHER_HDR_LEN;
	struct rte_ipv6_hdr *ip;
	uint32_t tot;

	if (seg < sizeof(*ip))
		return DP_DROP_IP6_SHORT;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
	    RTE_ETHER_HDR_LEN);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return DP_DROP_IP6_VERSION;
	tot = rte_be_to_cpu_16(ip->payload_len) + (uint32_t)sizeof(*ip);
	if (tot > len)
		return DP_DROP_IP6_PAYLEN;
	if (ip->src_addr[0] == 0xff || memcmp(ip->src_addr, lo, 16) == 0)
		return DP_DROP_IP6_BAD_SRC;
	if (memcmp(ip->dst_addr, zero, 16) == 0 ||
	    memcmp(ip->dst_addr, lo, 16) == 0)
		return DP_DROP_IP6_BAD_DST;
	if (ip->dst_addr[0] == 0xff ||
	    (ip->proto == IPPROTO_ICMPV6 && seg > sizeof(*ip) &&
	    nd_type(*(uint8_t *)(ip + 1))))
		md->flags |= DP_MF_LOCAL;
	if (len > tot)
		trim_to(m, RTE_ETHER_HDR_LEN + tot);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->l3_len = sizeof(*ip);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
	md->family = 6;
	return DP_PASS;
}

static inline uint8_t
parse_one(const struct dp_port *p, struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_ether_hdr *eth;

	md->in_port = p->idx;
	md->out_port = DP_PORT_NONE;
	md->family = 0;
	md->flags = 0;
	md->stage = 0;
	m->l2_len = 0;
	if (m->data_len < RTE_ETHER_HDR_LEN)
		return DP_DROP_L2_SHORT;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &p->mac) &&
	    !rte_is_multicast_ether_addr(&eth->dst_addr))
		return DP_DROP_L2_OTHERHOST;
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return parse_ip4(m, md);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		return parse_ip6(m, md);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))
			return DP_DROP_L2_SHORT;
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		md->flags |= DP_MF_LOCAL;
		return DP_PASS;
	default:
		return DP_DROP_L2_ETHERTYPE;
	}
}

uint16_t
stage_parse(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	const struct dp_port *p = &w->app->port[w->cur_port];
	uint16_t i;

	for (i = 0; i < n; i++)
		reason[i] = parse_one(p, pkts[i]);
	return dp_compact(pkts, reason, n);
}
