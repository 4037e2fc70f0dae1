/*
 * In-place ICMP/ICMPv6 error construction (see icmp.h).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "app.h"
#include "icmp.h"

#define ICMP4_QUOTE_MAX	(576 - 28)	/* RFC 1812 4.3.2.3 */
#define ICMP6_QUOTE_MAX	(1280 - 48)	/* RFC 4443 2.4 (c) */

static bool
icmp4_is_error(const struct rte_ipv4_hdr *ip, uint16_t hl, uint32_t len)
{
	const struct rte_icmp_hdr *ic;

	if (ip->next_proto_id != IPPROTO_ICMP)
		return false;
	if (len < (uint32_t)hl + 1)
		return true;	/* cannot tell: be safe */
	ic = (const struct rte_icmp_hdr *)((const uint8_t *)ip + hl);
	return ic->icmp_type != RTE_IP_ICMP_ECHO_REPLY &&
	    ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST &&
	    ic->icmp_type != 13 && ic->icmp_type != 14;
}

/* Source for an error about a packet that came in on @p in. */
static bool
src4(const struct dp_app *app, uint16_t in, uint32_t *src)
{
	unsigned int i;

	if (in < app->nports && app->port[in].n4 > 0) {
		*src = app->port[in].v4[0];
		return true;
	}
	for (i = 0; i < app->nports; i++)
		if (app->port[i].n4 > 0) {
			*src = app->port[i].v4[0];
			return true;
		}
	return false;
}

int
icmp4_error(const struct dp_app *app, struct rte_mbuf *m, uint8_t type,
    uint8_t code, uint32_t info)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_ipv4_hdr *ip, *nip;
	struct rte_icmp_hdr *ic;
	uint32_t src, dst, quote;
	uint16_t hl;

	if (m->nb_segs != 1 || (md->flags & DP_MF_ICMP_GEN))
		return -1;
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	hl = rte_ipv4_hdr_len(ip);
	dst = ip->src_addr;
	if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) ||
	    icmp4_is_error(ip, hl, m->pkt_len) ||
	    DP_IP4_MCAST(rte_be_to_cpu_32(ip->dst_addr)) ||
	    ip->dst_addr == 0xffffffff || dst == 0 ||
	    DP_IP4_MCAST(rte_be_to_cpu_32(dst)) || dst == 0xffffffff)
		return -1;
	if (!src4(app, md->in_port, &src))
		return -1;
	quote = m->pkt_len < ICMP4_QUOTE_MAX ? m->pkt_len : ICMP4_QUOTE_MAX;
	if (rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - quote)) != 0)
		return -1;
	nip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m,
	    sizeof(*nip) + sizeof(*ic));
	if (nip == NULL)
		return -1;
	memset(nip, 0, sizeof(*nip));
	nip->version_ihl = RTE_IPV4_VHL_DEF;
	nip->type_of_service = 0xc0;	/* internetwork control */
	nip->total_length = rte_cpu_to_be_16((uint16_t)(quote + 28));
	nip->time_to_live = 64;
	nip->next_proto_id = IPPROTO_ICMP;
	nip->src_addr = src;
	nip->dst_addr = dst;
	nip->hdr_checksum = rte_ipv4_cksum(nip);
	ic = (struct rte_icmp_hdr *)(nip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	info = rte_cpu_to_be_32(info);
	memcpy(&ic->icmp_ident, &info, sizeof(info));
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, quote + sizeof(*ic));
	m->l3_len = sizeof(*nip);
	md->family = 4;
	md->flags |= DP_MF_ICMP_GEN;
	return 0;
}

static bool
src6(const struct dp_app *app, uint16_t in, uint8_t src[16])
{
	unsigned int i;

	/* Prefer a global address; every port has its link-local last. */
	if (in < app->nports && app->port[in].n6 > 1) {
		memcpy(src, app->port[in].v6[0], 16);
		return true;
	}
	for (i = 0; i < app->nports; i++)
		if (app->port[i].n6 > 1) {
			memcpy(src, app->port[i].v6[0], 16);
			return true;
		}
	return false;
}

int
icmp6_error(const struct dp_app *app, struct rte_mbuf *m, uint8_t type,
    uint8_t code, uint32_t info)
{
	static const uint8_t zero[16];
	struct dp_meta *md = dp_meta(m);
	struct rte_ipv6_hdr *ip, *nip;
	struct rte_icmp_hdr *ic;
	uint8_t src[16], dst[16];
	uint32_t quote;

	if (m->nb_segs != 1 || (md->flags & DP_MF_ICMP_GEN))
		return -1;
	ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	memcpy(dst, ip->src_addr, 16);
	if (dst[0] == 0xff || memcmp(dst, zero, 16) == 0 ||
	    ip->dst_addr[0] == 0xff)
		return -1;
	/* No error about an ICMPv6 error (types below 128). */
	if (ip->proto == IPPROTO_ICMPV6 && m->pkt_len > sizeof(*ip) &&
	    *((uint8_t *)(ip + 1)) < 128)
		return -1;
	if (!src6(app, md->in_port, src))
		return -1;
	quote = m->pkt_len < ICMP6_QUOTE_MAX ? m->pkt_len : ICMP6_QUOTE_MAX;
	if (rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - quote)) != 0)
		return -1;
	nip = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m,
	    sizeof(*nip) + sizeof(*ic));
	if (nip == NULL)
		return -1;
	memset(nip, 0, sizeof(*nip));
	nip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	nip->payload_len = rte_cpu_to_be_16((uint16_t)(quote + sizeof(*ic)));
	nip->proto = IPPROTO_ICMPV6;
	nip->hop_limits = 64;
	memcpy(nip->src_addr, src, 16);
	memcpy(nip->dst_addr, dst, 16);
	ic = (struct rte_icmp_hdr *)(nip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	info = rte_cpu_to_be_32(info);
	memcpy(&ic->icmp_ident, &info, sizeof(info));
	ic->icmp_cksum = rte_ipv6_udptcp_cksum(nip, ic);
	m->l3_len = sizeof(*nip);
	md->family = 6;
	md->flags |= DP_MF_ICMP_GEN;
	return 0;
}
