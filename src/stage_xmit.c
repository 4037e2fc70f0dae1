/*
 * Stage "xmit": Ethernet rewrite from the neighbor table and tx
 * buffering.  A next hop without a MAC goes to the control thread, which
 * solicits it (ARP / neighbor solicitation) and holds a few packets until
 * the answer comes.  Consumes every packet.
 */
#include <rte_ether.h>

#include "app.h"
#include "exc.h"
#include "txbuf.h"

static inline uint8_t
xmit_one(struct worker *w, struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct dp_port *out = &w->app->port[md->out_port];
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;

	if (!neigh_lookup(w->app->nt, md->out_port, md->family,
	    md->family == 4 ? (const void *)&md->nh.v4 : md->nh.v6, &mac)) {
		md->flags |= DP_MF_RESOLVE;
		return exc_enqueue(w, m);
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (eth == NULL)
		return DP_DROP_ALLOC;
	rte_ether_addr_copy(&mac, &eth->dst_addr);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	eth->ether_type = md->family == 4 ?
	    RTE_BE16(RTE_ETHER_TYPE_IPV4) : RTE_BE16(RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*eth);
	txbuf_add(w, md->out_port, m);
	return DP_DROP_NONE;
}

uint16_t
stage_xmit(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		reason[i] = xmit_one(w, pkts[i]);
	return 0;
}
