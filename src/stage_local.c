/*
 * Stage "local": traffic for the gateway itself (ARP, neighbor discovery,
 * multicast, anything addressed to one of our addresses: ICMP, IKE on UDP
 * 500/4500, management) leaves the pipeline for the exception path; the
 * control thread hands it to the port's tap.  ESP to our addresses must be
 * taken by an IPsec stage placed before this one.  Link-local traffic that
 * is not ours cannot be forwarded and is dropped here.
 */
#include <rte_ip.h>

#include "app.h"
#include "exc.h"

static inline uint8_t
local_one(struct worker *w, struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct dp_app *app = w->app;

	if (!(md->flags & DP_MF_LOCAL)) {
		if (md->family == 4) {
			const struct rte_ipv4_hdr *ip =
			    rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

			if (app_is_local4(app, ip->dst_addr))
				md->flags |= DP_MF_LOCAL;
		} else {
			const struct rte_ipv6_hdr *ip =
			    rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

			if (app_is_local6(app, ip->dst_addr))
				md->flags |= DP_MF_LOCAL;
			else if (ip->dst_addr[0] == 0xfe &&
			    (ip->dst_addr[1] & 0xc0) == 0x80)
				return DP_DROP_IP6_BAD_DST;
			else if (ip->src_addr[0] == 0xfe &&
			    (ip->src_addr[1] & 0xc0) == 0x80)
				return DP_DROP_IP6_BAD_SRC;
		}
	}
	if (!(md->flags & DP_MF_LOCAL))
		return DP_PASS;
	return exc_enqueue(w, m);
}

uint16_t
stage_local(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		reason[i] = local_one(w, pkts[i]);
	return dp_compact(pkts, reason, n);
}
