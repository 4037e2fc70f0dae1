/*
 * The IPsec stages of dpsecd's pipeline (docs/datapath.md):
 *
 *	protected:   parse, local, ttl, ipsec-out, route, xmit
 *	unprotected: parse, ipsec-in, local, ttl, route, xmit
 *
 * "ipsec-out" classifies a burst against the outbound SPD (DISCARD drops,
 * BYPASS passes, PROTECT looks the SA of the policy's template up), groups
 * the packets by SA and encrypts each group with one esp_outb_process();
 * packets without a usable SA go to the control thread (acquire.h).
 * "ipsec-in" looks ESP (and UDP 4500 ESP) to our addresses up by (SPI,
 * dst, ESP), queues it on LARVAL SAs, decrypts per SA group and checks the
 * inner packet against the SA's inbound policy; transit cleartext is
 * checked against the inbound SPD; gateway traffic (IKE, ICMP) passes to
 * "local" (exception path).
 */
#ifndef DPSEC_DP_IPSEC_H
#define DPSEC_DP_IPSEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "app.h"
#include "esp.h"
#include "sad.h"
#include "spd.h"

/** Names of the IPsec stages (pipeline_insert()). */
#define DP_STAGE_IPSEC_OUT	"ipsec-out"
#define DP_STAGE_IPSEC_IN	"ipsec-in"

uint16_t stage_ipsec_out(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);
uint16_t stage_ipsec_in(struct worker *w, struct rte_mbuf *pkts[],
    uint8_t reason[], uint16_t n);

/**
 * Insert the IPsec stages into both pipelines and remember where the
 * release path starts.  @return 0 or -errno.
 * Thread: control thread, before workers start.
 */
int dp_ipsec_pipelines(struct dp_app *app);

/** The dp drop reason for an ESP module drop reason.  Thread: any. */
uint8_t dp_ipsec_esp_drop(unsigned int esp_reason);

/** IPv6 extension headers dp_spd_key() walks at most. */
#define DP_EXT_MAX	8

/**
 * Fill an SPD key from a packet whose data starts at its IP header
 * (l3_len set).  IPv6 extension headers (hop-by-hop, routing, fragment,
 * destination options; at most DP_EXT_MAX) are skipped to the next layer
 * protocol.  Non-first fragments and protocols without ports get ports 0;
 * ICMP gets type/code.  Thread: any.
 */
static inline void
dp_spd_key(const struct rte_mbuf *m, struct spd_key *k)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t hl = m->l3_len, len = m->data_len;
	int first = 1;

	memset(k, 0, sizeof(*k));
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		k->af = AF_INET;
		k->proto = ip->next_proto_id;
		memcpy(k->src, &ip->src_addr, 4);
		memcpy(k->dst, &ip->dst_addr, 4);
		hl = (p[0] & 0xf) * 4u;
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
			first = 0;
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)p;
		unsigned int nx;

		k->af = AF_INET6;
		k->proto = ip->proto;
		memcpy(k->src, ip->src_addr, 16);
		memcpy(k->dst, ip->dst_addr, 16);
		hl = sizeof(*ip);
		/*
		 * RFC 4301 4.4.1.1: the selector is the next layer protocol,
		 * after the extension headers.  Without this walk, a
		 * hop-by-hop or destination options header in front of TCP
		 * made the packet miss every protocol/port policy and take
		 * the default action (policy evasion).  Bounded: a chain
		 * longer than DP_EXT_MAX headers or past the first segment
		 * is classified by the extension header it stops at.
		 */
		for (nx = 0; nx < DP_EXT_MAX && len >= hl + 8; nx++) {
			const uint8_t *x = p + hl;

			if (k->proto == IPPROTO_FRAGMENT) {
				if ((x[2] << 8 | x[3]) & 0xfff8)
					first = 0;	/* not the first */
				hl += 8;
			} else if (k->proto == IPPROTO_HOPOPTS ||
			    k->proto == IPPROTO_ROUTING ||
			    k->proto == IPPROTO_DSTOPTS) {
				hl += (x[1] + 1u) * 8;
			} else {
				break;
			}
			k->proto = x[0];
		}
	}
	if (!first || len < hl + 4)
		return;
	switch (k->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		memcpy(&k->sport, p + hl, 2);
		memcpy(&k->dport, p + hl + 2, 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		k->sport = rte_cpu_to_be_16(p[hl]);
		k->dport = rte_cpu_to_be_16(p[hl + 1]);
		break;
	default:
		break;
	}
}

/**
 * The SAD outbound key of a policy's template for a packet (tunnel:
 * the template's endpoints; transport: the packet's addresses).
 * Thread: any.
 */
static inline void
dp_out_key(const struct spd_tmpl *t, const struct spd_key *k,
    struct sad_out_key *o)
{
	memset(o, 0, sizeof(*o));
	o->reqid = t->reqid;
	o->proto = t->proto;
	if (t->mode == SPD_MODE_TUNNEL && t->af != 0) {
		o->family = t->af;
		memcpy(o->src, t->tun_src, t->af == AF_INET ? 4 : 16);
		memcpy(o->dst, t->tun_dst, t->af == AF_INET ? 4 : 16);
	} else {
		o->family = k->af;
		memcpy(o->src, k->src, k->af == AF_INET ? 4 : 16);
		memcpy(o->dst, k->dst, k->af == AF_INET ? 4 : 16);
	}
}

/** No SA install under way since the loop-start snapshot. */
static inline int
dp_ipsec_nohold(const struct worker *w)
{
	return (w->gen_snap & 1) == 0 &&
	    __atomic_load_n(&w->app->hold_gen, __ATOMIC_ACQUIRE) ==
	    w->gen_snap;
}

/**
 * May this worker send any PROTECT packet with a usable SA directly
 * (nothing of any flow with the control thread or in the backlog)?
 * The fast path: no bucket needed.  Thread: owner worker.
 */
static inline int
dp_ipsec_direct(const struct worker *w)
{
	return w->snap_clear && w->bl_n == 0 && dp_ipsec_nohold(w);
}

/**
 * The ordering bucket of a packet (acquire.h "ordering"): a hash of its
 * inner source and destination addresses, which a policy or SA change
 * does not alter (the SA template would: a flow's earlier packets could
 * sit in another bucket than its later ones).
 */
static inline uint8_t
dp_order_bucket(const struct spd_key *k)
{
	/* src and dst are adjacent (offsets 8 and 24, spd.h). */
	return (uint8_t)(rte_hash_crc((const uint8_t *)k +
	    offsetof(struct spd_key, src), 32, 0) % DP_ORDER_BUCKETS);
}

/**
 * May this worker send a PROTECT packet of ordering bucket @p b directly
 * with a usable SA, or must it wait behind earlier packets of its bucket
 * still with the control thread or in the backlog?  Other buckets do not
 * matter: a flow waiting for its SA holds up no other flow.
 * Thread: owner worker.
 */
static inline int
dp_ipsec_direct_b(const struct worker *w, uint8_t b)
{
	return w->bl_b[b] == 0 &&
	    (w->snap_clear || w->out_b[b] == w->snap_b[b]) &&
	    dp_ipsec_nohold(w);
}

#endif /* DPSEC_DP_IPSEC_H */
