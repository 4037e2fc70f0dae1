/*
 * Packet sizes in dpsecd (mtu.h, docs/mtu.md): per-worker reassembly of
 * fragmented ESP before the SA lookup, and the state the outbound size
 * check needs (pools for fragmentation, the ICMP token bucket).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "app.h"
#include "mtu.h"
#include "pipeline.h"

#ifndef IPPROTO_ESP
#define IPPROTO_ESP	50
#endif

/* rx drop reasons of frag.h -> dpsecd drop reasons */
static const uint8_t rx_drop[FRAG_RX_DROP_MAX] = {
	[FRAG_RX_BAD] = DP_DROP_REASM_BAD,
	[FRAG_RX_OVERSIZE] = DP_DROP_REASM_OVERSIZE,
	[FRAG_RX_INVALID] = DP_DROP_REASM_OVERLAP,
	[FRAG_RX_TIMEOUT] = DP_DROP_REASM_TIMEOUT,
	[FRAG_RX_NOSPACE] = DP_DROP_REASM_TABLE_FULL,
	[FRAG_RX_NOMEM] = DP_DROP_REASM_NOMEM,
};

/* The pool with the largest data room (fragments, linear datagrams). */
static struct rte_mempool *
biggest_pool(const struct dp_app *app)
{
	struct rte_mempool *best = NULL;
	unsigned int i;

	for (i = 0; i < app->nports; i++)
		if (best == NULL || rte_pktmbuf_data_room_size(
		    app->port[i].pool) > rte_pktmbuf_data_room_size(best))
			best = app->port[i].pool;
	return best;
}

int
dp_mtu_init(struct dp_app *app, char *err, size_t errlen)
{
	const struct cfg_mtu *c = &app->cfg->mtu;
	static const struct dp_stage st = { DP_STAGE_REASSEMBLE,
	    stage_reassemble };
	struct frag_rx_params rp;
	struct dp_mtu *mt;
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc();
	unsigned int i, nind;
	int rc;

	mt = rte_zmalloc("dp_mtu", sizeof(*mt) + app->nworkers *
	    sizeof(mt->w[0]), RTE_CACHE_LINE_SIZE);
	if (mt == NULL) {
		snprintf(err, errlen, "mtu: out of memory");
		return -1;
	}
	app->mtu = mt;
	mt->direct = biggest_pool(app);
	mt->frag_flags = c->esp_fragment == CFG_ESP_FRAG_POST ?
	    FRAG_F_POSTFRAG : 0;
	mt->pmtu_ttl = c->pmtu_timeout;
	/* Indirect mbufs live only inside frag_split(): bursts in flight. */
	nind = 1024 + (app->nworkers + 1) * (64 + 2 * FRAG_MAX_OUT);
	mt->indirect = rte_pktmbuf_pool_create("dp_frag_ind", nind, 32,
	    DP_META_SIZE, 0, (int)rte_socket_id());
	if (mt->direct == NULL || mt->indirect == NULL) {
		snprintf(err, errlen, "mtu: fragmentation pool: %s (raise -m)",
		    rte_strerror(rte_errno));
		return -1;
	}
	memset(&rp, 0, sizeof(rp));
	/* rte_ip_frag buckets of 4 entries, table at most half full. */
	rp.bucket_entries = 4;
	rp.max_entries = c->reasm_entries;
	rp.buckets = (c->reasm_entries * 2 + 3) / 4;
	rp.timeout_ms = c->reasm_timeout_ms;
	rp.lin_pool = mt->direct;
	rp.max_size = RTE_MIN(65535u, (unsigned int)(rte_pktmbuf_data_room_size(
	    mt->direct) - RTE_PKTMBUF_HEADROOM));
	rp.socket_id = (int)rte_socket_id();
	for (i = 0; i < app->nworkers; i++) {
		mt->w[i].rx = frag_rx_create(&rp);
		if (mt->w[i].rx == NULL) {
			snprintf(err, errlen, "mtu: reassembly table: %s",
			    rte_strerror(rte_errno));
			return -1;
		}
		frag_tb_init(&mt->w[i].tb, c->icmp_rate, c->icmp_burst, hz,
		    now);
	}
	rc = pipeline_insert(app_pipeline(app, CFG_ROLE_UNPROTECTED),
	    pipeline_find(app_pipeline(app, CFG_ROLE_UNPROTECTED),
	    "ipsec-in") >= 0 ? "ipsec-in" : "local", &st);
	if (rc != 0) {
		snprintf(err, errlen, "mtu: cannot insert the reassembly "
		    "stage: %s", strerror(-rc));
		return -1;
	}
	/* "ipsec-in" moved one down: packets released to it resume there. */
	rc = pipeline_find(app_pipeline(app, CFG_ROLE_UNPROTECTED), "ipsec-in");
	if (rc >= 0)
		app->pipe_start[1] = (unsigned int)rc;
	return 0;
}

void
dp_mtu_fini(struct dp_app *app)
{
	struct dp_mtu *mt = app->mtu;
	unsigned int i;

	if (mt == NULL)
		return;
	for (i = 0; i < app->nworkers; i++)
		frag_rx_destroy(mt->w[i].rx);
	rte_mempool_free(mt->indirect);
	rte_free(mt);
	app->mtu = NULL;
}

void
dp_mtu_print(const struct dp_app *app, FILE *f)
{
	const struct dp_mtu *mt = app->mtu;
	uint64_t pre = 0, post = 0, frags = 0, reasm = 0, icmp = 0, supp = 0;
	struct frag_rx_stats st;
	unsigned int i;

	if (mt == NULL)
		return;
	for (i = 0; i < app->nworkers; i++) {
		pre += mt->w[i].prefrag;
		post += mt->w[i].postfrag;
		frags += mt->w[i].fragments;
		frag_rx_stats(mt->w[i].rx, &st);
		reasm += st.reassembled;
		icmp += mt->w[i].tb.sent;
		supp += mt->w[i].tb.suppressed;
	}
	fprintf(f, "mtu: prefragmented %lu postfragmented %lu fragments %lu "
	    "reassembled %lu icmp_too_big %lu icmp_suppressed %lu\n",
	    (unsigned long)pre, (unsigned long)post, (unsigned long)frags,
	    (unsigned long)reasm, (unsigned long)icmp, (unsigned long)supp);
}

/* A fragment we reassemble: ESP or UDP (NAT-T, IKE) for the gateway. */
static bool
want_reassembly(const struct dp_app *app, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (!frag_is_fragment(m))
		return false;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		return (ip->next_proto_id == IPPROTO_ESP ||
		    ip->next_proto_id == IPPROTO_UDP) &&
		    app_is_local4(app, ip->dst_addr);
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)p;
		uint8_t nh = p[sizeof(*ip)];	/* fragment header's next */

		return (nh == IPPROTO_ESP || nh == IPPROTO_UDP) &&
		    app_is_local6(app, ip->dst_addr);
	}
}

/* Count the reassembly table's new drops as dpsecd drop reasons. */
static void
count_rx_drops(struct worker *w, struct dp_mtu_worker *mw)
{
	struct frag_rx_stats st;
	unsigned int i;

	frag_rx_stats(mw->rx, &st);
	for (i = 0; i < FRAG_RX_DROP_MAX; i++)
		if (st.drops[i] != mw->seen.drops[i]) {
			DP_CNT_ADD(w->st->drops[rx_drop[i]],
			    st.drops[i] - mw->seen.drops[i]);
			mw->seen.drops[i] = st.drops[i];
		}
}

uint16_t
stage_reassemble(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	struct dp_mtu_worker *mw = &w->app->mtu->w[w->id];
	struct rte_mbuf *frag[DP_BURST];
	uint16_t i, k = 0, nf = 0, r;

	for (i = 0; i < n; i++) {
		if (want_reassembly(w->app, pkts[i]))
			frag[nf++] = pkts[i];
		else
			pkts[k++] = pkts[i];
	}
	/* Expire even without fragments, so the table empties. */
	r = frag_rx_burst(mw->rx, frag, nf, rte_rdtsc());
	for (i = 0; i < r; i++) {
		struct dp_meta *md = dp_meta(frag[i]);

		md->family = (rte_pktmbuf_mtod(frag[i], uint8_t *)[0] >> 4) ==
		    4 ? 4 : 6;
		frag[i]->packet_type = md->family == 4 ? RTE_PTYPE_L3_IPV4 :
		    RTE_PTYPE_L3_IPV6;
		pkts[k++] = frag[i];
	}
	count_rx_drops(w, mw);
	/* The fragments held or freed by the table: taken over. */
	for (i = k; i < n; i++)
		reason[i] = DP_DROP_NONE;
	return k;
}
