/*
 * Stage "route": longest-prefix match on the destination (rte_fib and
 * rte_fib6, one bulk lookup per family and burst), giving the output port and the neighbor to send to, then the
 * output MTU check.  Too big: IPv4 with DF set and IPv6 get ICMP
 * "fragmentation needed" / "packet too big" (built in place and routed
 * back); IPv4 without DF is dropped as mtu-exceeded until the IPsec issue
 * adds fragmentation.
 */
#include <string.h>

#include <rte_ip.h>

#include "app.h"
#include "icmp.h"

/* Output port and neighbor of next hop @p idx for the packet in @p m. */
static inline int
apply_nh(const struct dp_app *app, struct rte_mbuf *m, struct dp_meta *md,
    uint64_t idx)
{
	const struct route_nh *h;

	if (idx >= app->rt->nnh)
		return -1;
	h = &app->rt->nh[idx];
	md->out_port = h->port;
	if (md->family == 4) {
		const struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

		if (h->gateway)
			memcpy(&md->nh.v4, h->addr, 4);
		else
			md->nh.v4 = ip->dst_addr;
	} else {
		const struct rte_ipv6_hdr *ip =
		    rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

		memcpy(md->nh.v6, h->gateway ? h->addr : ip->dst_addr, 16);
	}
	return 0;
}

/* One packet's lookup (for ICMP errors routed back). */
static inline int
lookup(const struct dp_app *app, struct rte_mbuf *m, struct dp_meta *md)
{
	uint64_t idx;

	if (md->family == 4) {
		uint32_t dst = rte_be_to_cpu_32(rte_pktmbuf_mtod(m,
		    const struct rte_ipv4_hdr *)->dst_addr);

		route_lookup4_bulk(app->rt, &dst, &idx, 1);
	} else {
		uint8_t dst[1][16];

		memcpy(dst[0], rte_pktmbuf_mtod(m,
		    const struct rte_ipv6_hdr *)->dst_addr, 16);
		route_lookup6_bulk(app->rt, dst, &idx, 1);
	}
	return apply_nh(app, m, md, idx);
}

static inline uint8_t
route_one(struct worker *w, struct rte_mbuf *m, uint64_t idx)
{
	const struct dp_app *app = w->app;
	struct dp_meta *md = dp_meta(m);
	uint16_t mtu;
	int rc;

	if (apply_nh(app, m, md, idx) != 0)
		return DP_DROP_NO_ROUTE;
	mtu = app->port[md->out_port].mtu;
	if (m->pkt_len <= mtu)
		return DP_PASS;
	if (md->family == 4) {
		const struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

		if (!(ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)))
			return DP_DROP_MTU_EXCEEDED;
		rc = icmp4_error(app, m, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
		    mtu);
	} else
		rc = icmp6_error(app, m, ICMP6_PACKET_TOO_BIG, 0, mtu);
	if (rc != 0)
		return DP_DROP_MTU_EXCEEDED;
	DP_CNT_ADD(w->st->drops[DP_DROP_MTU_EXCEEDED], 1);
	DP_CNT_ADD(w->st->icmp_errors, 1);
	/* The error goes back towards the sender: route it again. */
	if (lookup(app, m, md) != 0)
		return DP_DROP_NO_ROUTE;
	if (m->pkt_len > app->port[md->out_port].mtu)
		return DP_DROP_MTU_EXCEEDED;
	return DP_PASS;
}

uint16_t
stage_route(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	uint32_t dst4[DP_BURST];
	uint8_t dst6[DP_BURST][16];
	uint64_t nh4[DP_BURST], nh6[DP_BURST];
	uint16_t i, n4 = 0, n6 = 0, i4 = 0, i6 = 0;

	/* One bulk lookup per family for the whole burst. */
	for (i = 0; i < n; i++) {
		if (dp_meta(pkts[i])->family == 4)
			dst4[n4++] = rte_be_to_cpu_32(rte_pktmbuf_mtod(pkts[i],
			    const struct rte_ipv4_hdr *)->dst_addr);
		else
			memcpy(dst6[n6++], rte_pktmbuf_mtod(pkts[i],
			    const struct rte_ipv6_hdr *)->dst_addr, 16);
	}
	if (n4 > 0)
		route_lookup4_bulk(w->app->rt, dst4, nh4, n4);
	if (n6 > 0)
		route_lookup6_bulk(w->app->rt, dst6, nh6, n6);
	for (i = 0; i < n; i++)
		reason[i] = route_one(w, pkts[i],
		    dp_meta(pkts[i])->family == 4 ? nh4[i4++] : nh6[i6++]);
	return dp_compact(pkts, reason, n);
}
