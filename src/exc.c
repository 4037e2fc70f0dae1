/*
 * Exception path and neighbor resolution on the control thread (see
 * exc.h).  Nothing here runs on a worker; the only shared state is the
 * neighbor table (single writer: this file) and the rings.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "exc.h"
#include "port.h"
#include "worker.h"

#define PEND_MAX	256	/* packets waiting for a MAC, all next hops */
#define PEND_PER_NEIGH	8	/* per next hop (Linux unres_qlen is 3..101) */

#define ND_NS		135
#define ND_NA		136
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2

struct pend {
	struct rte_mbuf		*m;
	struct neigh_entry	*e;
};

struct exc {
	struct pend	pend[PEND_MAX];
	unsigned int	npend;
	uint64_t	retry_tsc;
	uint64_t	next_timer;
};

struct nd_msg {		/* NS and NA share the layout */
	uint8_t		type;
	uint8_t		code;
	uint16_t	cksum;
	uint32_t	flags;
	uint8_t		target[16];
} __rte_packed;

static void
ctrl_drop(struct dp_app *app, struct rte_mbuf *m, unsigned int reason)
{
	DP_CNT_ADD(app_ctrl_stats(app)->drops[reason], 1);
	rte_pktmbuf_free(m);
}

/* Send a complete frame on a port from the control thread. */
static void
ctrl_tx(struct dp_app *app, struct dp_port *p, struct rte_mbuf *m)
{
	struct dp_port_stats *ps = &app_ctrl_stats(app)->port[p->idx];
	uint32_t len = m->pkt_len;

	if (port_tx(p, port_ctrl_txq(app, p), &m, 1) != 1) {
		ctrl_drop(app, m, DP_DROP_TX_FULL);
		return;
	}
	DP_CNT_ADD(ps->tx_pkts, 1);
	DP_CNT_ADD(ps->tx_bytes, len);
}

int
exc_init(struct dp_app *app)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	app->exc = rte_zmalloc("exc", sizeof(*app->exc), 0);
	if (app->exc == NULL)
		return -ENOMEM;
	app->exc->retry_tsc = rte_get_tsc_hz() / 1000 * app->cfg->arp_retry_ms;
	for (i = 0; i < app->nworkers; i++) {
		snprintf(name, sizeof(name), "dp_exc%u", i);
		app->worker[i]->exc = rte_ring_create(name,
		    app->cfg->exception_ring, SOCKET_ID_ANY,
		    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->worker[i]->exc == NULL)
			return -rte_errno;
		snprintf(name, sizeof(name), "dp_in%u", i);
		app->worker[i]->in = rte_ring_create(name,
		    app->cfg->exception_ring, SOCKET_ID_ANY,
		    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->worker[i]->in == NULL)
			return -rte_errno;
	}
	return 0;
}

static bool
in_connected4(const struct dp_port *p, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < p->n4; i++) {
		uint32_t mask = p->v4plen[i] == 0 ? 0 :
		    rte_cpu_to_be_32(~0u << (32 - p->v4plen[i]));

		if ((a & mask) == (p->v4[i] & mask))
			return true;
	}
	return false;
}

static bool
in_connected6(const struct dp_port *p, const uint8_t *a)
{
	unsigned int i, b;

	for (i = 0; i < p->n6; i++) {
		for (b = 0; b < p->v6plen[i]; b++) {
			uint8_t bit = 0x80 >> (b % 8);

			if ((a[b / 8] & bit) != (p->v6[i][b / 8] & bit))
				break;
		}
		if (b == p->v6plen[i])
			return true;
	}
	return false;
}

/*
 * Send everything queued for @p e (now usable) in arrival order: back to
 * worker 0 at its "xmit" stage (its own tx queue, and the path the IPsec
 * datapath uses to release held packets), or from the control thread
 * when the worker's ring is full.
 */
static void
pend_flush(struct dp_app *app, struct neigh_entry *e)
{
	struct exc *x = app->exc;
	struct rte_ether_addr mac;
	unsigned int i, k = 0;

	for (i = 0; i < x->npend; i++) {
		struct pend *pd = &x->pend[i];
		struct rte_ether_hdr *eth;
		struct dp_meta *md;
		int st;

		if (pd->e != e) {
			x->pend[k++] = *pd;
			continue;
		}
		md = dp_meta(pd->m);
		md->flags &= (uint8_t)~DP_MF_RESOLVE;
		st = pipeline_find(app_pipeline(app,
		    app->port[md->in_port].role), "xmit");
		if (st >= 0) {
			md->stage = (uint8_t)st;
			if (worker_inject(app, 0, &pd->m, 1) == 1)
				continue;
		}
		if (!neigh_lookup(app->nt, e->port, e->family, e->addr, &mac)) {
			ctrl_drop(app, pd->m, DP_DROP_NO_NEIGHBOR);
			continue;
		}
		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(pd->m,
		    sizeof(*eth));
		if (eth == NULL) {
			ctrl_drop(app, pd->m, DP_DROP_ALLOC);
			continue;
		}
		rte_ether_addr_copy(&mac, &eth->dst_addr);
		rte_ether_addr_copy(&app->port[md->out_port].mac, &eth->src_addr);
		eth->ether_type = md->family == 4 ?
		    RTE_BE16(RTE_ETHER_TYPE_IPV4) : RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ctrl_tx(app, &app->port[md->out_port], pd->m);
	}
	x->npend = k;
	e->queued = 0;
}

static void
pend_drop(struct dp_app *app, struct neigh_entry *e)
{
	struct exc *x = app->exc;
	unsigned int i, k = 0;

	for (i = 0; i < x->npend; i++) {
		if (x->pend[i].e == e)
			ctrl_drop(app, x->pend[i].m, DP_DROP_NO_NEIGHBOR);
		else
			x->pend[k++] = x->pend[i];
	}
	x->npend = k;
	e->queued = 0;
}

static void
learn(struct dp_app *app, const struct dp_port *p, uint8_t family,
    const void *addr, const struct rte_ether_addr *mac)
{
	struct neigh_entry *e;

	if (!rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return;
	e = neigh_find(app->nt, p->idx, family, addr);
	if (e == NULL) {
		/* Only create entries for hosts on our subnets. */
		if (family == 4 ? !in_connected4(p, *(const uint32_t *)addr) :
		    !in_connected6(p, addr))
			return;
		e = neigh_get(app->nt, p->idx, family, addr);
		if (e == NULL)
			return;
	}
	if (neigh_set(e, mac, e->state == NEIGH_STATIC ? NEIGH_STATIC :
	    NEIGH_REACHABLE) && e->queued > 0)
		pend_flush(app, e);
}

/* Walk ND options for a link-layer address option of @p type. */
static const struct rte_ether_addr *
nd_lladdr(const uint8_t *opt, uint32_t len, uint8_t type)
{
	while (len >= 8) {
		uint32_t olen = opt[1] * 8u;

		if (olen == 0 || olen > len)
			return NULL;
		if (opt[0] == type && olen >= 8)
			return (const struct rte_ether_addr *)(opt + 2);
		opt += olen;
		len -= olen;
	}
	return NULL;
}

/* Learn from ARP and NS/NA; data starts at the ARP or IPv6 header. */
static void
glean(struct dp_app *app, const struct dp_port *p, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (md->family == 0) {
		const struct rte_arp_hdr *a =
		    rte_pktmbuf_mtod(m, const struct rte_arp_hdr *);

		if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
		    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    a->arp_hlen != 6 || a->arp_plen != 4 ||
		    a->arp_data.arp_sip == 0)
			return;
		learn(app, p, 4, &a->arp_data.arp_sip, &a->arp_data.arp_sha);
	} else if (md->family == 6 && m->data_len >= sizeof(struct
	    rte_ipv6_hdr) + sizeof(struct nd_msg)) {
		const struct rte_ipv6_hdr *ip =
		    rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
		const struct nd_msg *nd = (const struct nd_msg *)(ip + 1);
		const uint8_t *opt = (const uint8_t *)(nd + 1);
		uint32_t olen = m->data_len - sizeof(*ip) - sizeof(*nd);
		const struct rte_ether_addr *ll;
		static const uint8_t zero[16];

		if (ip->proto != IPPROTO_ICMPV6 || ip->hop_limits != 255 ||
		    nd->code != 0)
			return;
		if (nd->type == ND_NS && memcmp(ip->src_addr, zero, 16) != 0 &&
		    (ll = nd_lladdr(opt, olen, ND_OPT_SLLA)) != NULL)
			learn(app, p, 6, ip->src_addr, ll);
		else if (nd->type == ND_NA &&
		    (ll = nd_lladdr(opt, olen, ND_OPT_TLLA)) != NULL)
			learn(app, p, 6, nd->target, ll);
	}
}

/* Our source address on @p p for talking to @p dst (IPv4). */
static uint32_t
src_for4(const struct dp_port *p, uint32_t dst)
{
	unsigned int i;

	for (i = 0; i < p->n4; i++) {
		uint32_t mask = p->v4plen[i] == 0 ? 0 :
		    rte_cpu_to_be_32(~0u << (32 - p->v4plen[i]));

		if ((dst & mask) == (p->v4[i] & mask))
			return p->v4[i];
	}
	return p->n4 > 0 ? p->v4[0] : 0;
}

static void
send_arp_request(struct dp_app *app, struct dp_port *p, uint32_t target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	if (m == NULL) {
		DP_CNT_ADD(app_ctrl_stats(app)->drops[DP_DROP_ALLOC], 1);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
	    sizeof(*eth) + sizeof(*a));
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eth + 1);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = src_for4(p, target);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = target;
	ctrl_tx(app, p, m);
}

/* Build an NS or NA from @p src to @p dst (Ethernet @p edst). */
static void
send_nd(struct dp_app *app, struct dp_port *p, uint8_t type,
    const uint8_t src[16], const uint8_t dst[16],
    const struct rte_ether_addr *edst, const uint8_t target[16],
    uint32_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct nd_msg *nd;
	uint8_t *opt;

	if (m == NULL) {
		DP_CNT_ADD(app_ctrl_stats(app)->drops[DP_DROP_ALLOC], 1);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) +
	    sizeof(*ip) + sizeof(*nd) + 8);
	rte_ether_addr_copy(edst, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(sizeof(*nd) + 8);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	nd = (struct nd_msg *)(ip + 1);
	nd->type = type;
	nd->code = 0;
	nd->cksum = 0;
	nd->flags = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target, 16);
	opt = (uint8_t *)(nd + 1);
	opt[0] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	opt[1] = 1;
	memcpy(opt + 2, p->mac.addr_bytes, 6);
	nd->cksum = rte_ipv6_udptcp_cksum(ip, nd);
	ctrl_tx(app, p, m);
}

static void
send_ns(struct dp_app *app, struct dp_port *p, const uint8_t target[16])
{
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	struct rte_ether_addr edst = {{ 0x33, 0x33, 0xff }};

	dst[13] = target[13];
	dst[14] = target[14];
	dst[15] = target[15];
	memcpy(&edst.addr_bytes[3], &target[13], 3);
	/* Source: the port's link-local address (always last in v6[]). */
	send_nd(app, p, ND_NS, p->v6[p->n6 - 1], dst, &edst, target, 0);
}

static void
solicit(struct dp_app *app, struct neigh_entry *e, uint64_t now)
{
	struct dp_port *p = &app->port[e->port];

	if (e->solicits >= app->cfg->arp_retries) {
		pend_drop(app, e);
		neigh_set(e, NULL, NEIGH_FAILED);
		e->solicits = 0;
		return;
	}
	e->solicits++;
	e->next_solicit = now + app->exc->retry_tsc;
	if (e->family == 4) {
		uint32_t t;

		memcpy(&t, e->addr, 4);
		send_arp_request(app, p, t);
	} else
		send_ns(app, p, e->addr);
}

static void
resolve(struct dp_app *app, struct rte_mbuf *m)
{
	struct exc *x = app->exc;
	struct dp_meta *md = dp_meta(m);
	struct neigh_entry *e;
	uint64_t now = rte_get_tsc_cycles();

	e = neigh_get(app->nt, md->out_port, md->family,
	    md->family == 4 ? (const void *)&md->nh.v4 : md->nh.v6);
	if (e == NULL) {
		ctrl_drop(app, m, DP_DROP_NO_NEIGHBOR);
		return;
	}
	if (e->queued >= PEND_PER_NEIGH || x->npend == PEND_MAX) {
		ctrl_drop(app, m, DP_DROP_NEIGH_QUEUE_FULL);
		return;
	}
	x->pend[x->npend].m = m;
	x->pend[x->npend++].e = e;
	e->queued++;
	if (e->state == NEIGH_REACHABLE || e->state == NEIGH_STATIC) {
		/* Learnt after the worker looked. */
		pend_flush(app, e);
		return;
	}
	if (e->state == NEIGH_FAILED) {
		neigh_set(e, NULL, NEIGH_INCOMPLETE);
		e->solicits = 0;
		e->next_solicit = 0;
	}
	if (now >= e->next_solicit)
		solicit(app, e, now);
}

static bool
is_ours4(const struct dp_port *p, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < p->n4; i++)
		if (p->v4[i] == a)
			return true;
	return false;
}

static bool
is_ours6(const struct dp_port *p, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < p->n6; i++)
		if (memcmp(p->v6[i], a, 16) == 0)
			return true;
	return false;
}

/*
 * Without a tap: answer ARP requests and neighbor solicitations for our
 * addresses ourselves.  @return true if @p m was answered (and freed).
 */
static bool
answer_native(struct dp_app *app, struct dp_port *p, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (md->family == 0) {
		struct rte_arp_hdr *a = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
		struct rte_ether_hdr *eth;
		uint32_t tip = a->arp_data.arp_tip;

		if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
		    a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
		    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    !is_ours4(p, tip))
			return false;
		a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
		a->arp_data.arp_tha = a->arp_data.arp_sha;
		a->arp_data.arp_tip = a->arp_data.arp_sip;
		rte_ether_addr_copy(&p->mac, &a->arp_data.arp_sha);
		a->arp_data.arp_sip = tip;
		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m,
		    sizeof(*eth));
		rte_ether_addr_copy(&a->arp_data.arp_tha, &eth->dst_addr);
		rte_ether_addr_copy(&p->mac, &eth->src_addr);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
		ctrl_tx(app, p, m);
		return true;
	}
	if (md->family == 6 && m->data_len >= sizeof(struct rte_ipv6_hdr) +
	    sizeof(struct nd_msg)) {
		static const uint8_t zero[16];
		static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
		const struct rte_ipv6_hdr *ip =
		    rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
		const struct nd_msg *nd = (const struct nd_msg *)(ip + 1);
		const struct rte_ether_addr *ll;
		struct rte_ether_addr edst;
		uint32_t olen = m->data_len - sizeof(*ip) - sizeof(*nd);
		bool dad;

		if (ip->proto != IPPROTO_ICMPV6 || ip->hop_limits != 255 ||
		    nd->type != ND_NS || nd->code != 0 ||
		    !is_ours6(p, nd->target))
			return false;
		dad = memcmp(ip->src_addr, zero, 16) == 0;
		ll = nd_lladdr((const uint8_t *)(nd + 1), olen, ND_OPT_SLLA);
		if (dad)
			rte_ether_addr_copy(&(struct rte_ether_addr){{ 0x33,
			    0x33, 0, 0, 0, 1 }}, &edst);
		else if (ll != NULL)
			rte_ether_addr_copy(ll, &edst);
		else {
			const struct rte_ether_hdr *oe = (const struct
			    rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*oe));

			rte_ether_addr_copy(&oe->src_addr, &edst);
			rte_pktmbuf_adj(m, sizeof(*oe));
		}
		/* RFC 4861 7.2.4: solicited + override, to the source. */
		send_nd(app, p, ND_NA, nd->target, dad ? all_nodes :
		    ip->src_addr, &edst, nd->target,
		    dad ? 0x20000000 : 0x60000000);
		rte_pktmbuf_free(m);
		return true;
	}
	return false;
}

static bool
is_nd(const struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip;
	uint8_t t;

	if (dp_meta((struct rte_mbuf *)(uintptr_t)m)->family != 6 ||
	    m->data_len < sizeof(*ip) + 1)
		return false;
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	t = *(const uint8_t *)(ip + 1);
	return ip->proto == IPPROTO_ICMPV6 && t >= 133 && t <= 137;
}

static void
local(struct dp_app *app, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	struct dp_port *p = &app->port[md->in_port];
	struct dp_port_stats *ps = &app_ctrl_stats(app)->port[p->idx];

	glean(app, p, m);
	if (!p->has_tap) {
		/*
		 * Without a kernel behind the port, ARP and ND end here once
		 * learnt from (and answered if for us); anything else for the
		 * gateway has nowhere to go.
		 */
		if (answer_native(app, p, m))
			return;
		if (md->family == 0 || is_nd(m))
			rte_pktmbuf_free(m);
		else
			ctrl_drop(app, m, DP_DROP_LOCAL_NO_TAP);
		return;
	}
	/* The frame's Ethernet header is still in the headroom. */
	if (rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN) == NULL) {
		ctrl_drop(app, m, DP_DROP_ALLOC);
		return;
	}
	if (rte_eth_tx_burst(p->tap_id, 0, &m, 1) != 1) {
		ctrl_drop(app, m, DP_DROP_TAP_TX);
		return;
	}
	DP_CNT_ADD(ps->to_tap, 1);
}

static unsigned int
poll_taps(struct dp_app *app)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int i, total = 0;
	uint16_t n, j, sent;

	for (i = 0; i < app->nports; i++) {
		struct dp_port *p = &app->port[i];
		struct dp_port_stats *ps = &app_ctrl_stats(app)->port[i];
		uint64_t bytes = 0;

		if (!p->has_tap)
			continue;
		n = rte_eth_rx_burst(p->tap_id, 0, pkts, DP_BURST);
		if (n == 0)
			continue;
		total += n;
		for (j = 0; j < n; j++)
			bytes += pkts[j]->pkt_len;
		sent = port_tx(p, port_ctrl_txq(app, p), pkts, n);
		for (j = sent; j < n; j++) {
			bytes -= pkts[j]->pkt_len;
			ctrl_drop(app, pkts[j], DP_DROP_TX_FULL);
		}
		DP_CNT_ADD(ps->from_tap, sent);
		DP_CNT_ADD(ps->tx_pkts, sent);
		DP_CNT_ADD(ps->tx_bytes, bytes);
	}
	return total;
}

static void
timers(struct dp_app *app, uint64_t now)
{
	struct exc *x = app->exc;
	struct neigh_entry *due[PEND_MAX];
	unsigned int i, j, ndue = 0;

	for (i = 0; i < x->npend; i++) {
		struct neigh_entry *e = x->pend[i].e;

		if (now < e->next_solicit)
			continue;
		for (j = 0; j < ndue; j++)
			if (due[j] == e)
				break;
		if (j == ndue)
			due[ndue++] = e;
	}
	for (j = 0; j < ndue; j++)
		solicit(app, due[j], now);
}

unsigned int
exc_poll(struct dp_app *app)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int i, j, n, total = 0;
	uint64_t now;

	for (i = 0; i < app->nworkers; i++) {
		n = rte_ring_sc_dequeue_burst(app->worker[i]->exc,
		    (void **)pkts, DP_BURST, NULL);
		total += n;
		for (j = 0; j < n; j++) {
			if (dp_meta(pkts[j])->flags & DP_MF_RESOLVE)
				resolve(app, pkts[j]);
			else
				local(app, pkts[j]);
		}
	}
	total += poll_taps(app);
	now = rte_get_tsc_cycles();
	if (app->exc->npend > 0 && now >= app->exc->next_timer) {
		timers(app, now);
		app->exc->next_timer = now + rte_get_tsc_hz() / 100;
	}
	return total;
}

void
exc_fini(struct dp_app *app)
{
	struct rte_mbuf *m;
	unsigned int i;

	if (app->exc != NULL) {
		for (i = 0; i < app->exc->npend; i++)
			ctrl_drop(app, app->exc->pend[i].m, DP_DROP_SHUTDOWN);
		app->exc->npend = 0;
	}
	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = app->worker[i];

		if (w == NULL)
			continue;
		while (w->exc != NULL &&
		    rte_ring_sc_dequeue(w->exc, (void **)&m) == 0)
			ctrl_drop(app, m, DP_DROP_SHUTDOWN);
		while (w->in != NULL &&
		    rte_ring_sc_dequeue(w->in, (void **)&m) == 0)
			ctrl_drop(app, m, DP_DROP_SHUTDOWN);
		rte_ring_free(w->exc);
		rte_ring_free(w->in);
		w->exc = NULL;
		w->in = NULL;
	}
	rte_free(app->exc);
	app->exc = NULL;
}
