/*
 * Stage "ttl": decrement the IPv4 TTL (incremental checksum update, RFC
 * 1624) or the IPv6 hop limit.  A packet that would leave with 0 is
 * replaced by an ICMP/ICMPv6 time exceeded to its source (built in place,
 * it goes on to the route stage); the original counts as a
 * "ttl-exceeded" drop.
 */
#include <rte_ip.h>

#include "app.h"
#include "icmp.h"

static inline uint8_t
ttl_one(struct worker *w, struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	int rc;

	if (md->family == 4) {
		struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		uint32_t c;

		if (ip->time_to_live > 1) {
			c = ip->hdr_checksum;
			c += rte_cpu_to_be_16(0x0100);
			ip->hdr_checksum = (uint16_t)(c + (c >= 0xffff));
			ip->time_to_live--;
			return DP_PASS;
		}
		rc = icmp4_error(w->app, m, ICMP4_TIME_EXCEEDED, 0, 0);
	} else {
		struct rte_ipv6_hdr *ip =
		    rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);

		if (ip->hop_limits > 1) {
			ip->hop_limits--;
			return DP_PASS;
		}
		rc = icmp6_error(w->app, m, ICMP6_TIME_EXCEEDED, 0, 0);
	}
	if (rc != 0)
		return DP_DROP_TTL_EXCEEDED;
	DP_CNT_ADD(w->st->drops[DP_DROP_TTL_EXCEEDED], 1);
	DP_CNT_ADD(w->st->icmp_errors, 1);
	return DP_PASS;
}

uint16_t
stage_ttl(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		reason[i] = (dp_meta(pkts[i])->flags & DP_MF_ICMP_GEN) ?
		    DP_PASS : ttl_one(w, pkts[i]);
	return dp_compact(pkts, reason, n);
}
