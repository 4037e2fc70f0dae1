/*
 * Packet sizes in dpsecd (mtu.h, docs/mtu.md): per-worker reassembly of
 * fragmented ESP before the SA lookup, and the state the outbound size
 * check needs (pools for fragmentation, the ICMP token bucket).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "app.h"
#include "dp_ipsec.h"
#include "icmp.h"
#include "mtu.h"
#include "pipeline.h"
#include "sa_glue.h"

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
dp_mtu_drain(struct dp_app *app)
{
	struct dp_mtu *mt = app->mtu;
	unsigned int i;
	uint64_t n;

	if (mt == NULL)
		return;
	for (i = 0; i < app->nworkers; i++) {
		n = frag_rx_flush(mt->w[i].rx);
		if (n > 0)
			DP_CNT_ADD(app_ctrl_stats(app)->drops[DP_DROP_SHUTDOWN],
			    n);
	}
}

/* Sums of the per-worker counters that are not drop reasons. */
static void
mtu_sums(const struct dp_app *app, uint64_t v[7])
{
	const struct dp_mtu *mt = app->mtu;
	struct frag_rx_stats st;
	unsigned int i;

	memset(v, 0, 7 * sizeof(v[0]));
	for (i = 0; i < app->nworkers; i++) {
		v[0] += mt->w[i].prefrag;
		v[1] += mt->w[i].postfrag;
		v[2] += mt->w[i].fragments;
		frag_rx_stats(mt->w[i].rx, &st);
		v[3] += st.reassembled;
		v[4] += mt->w[i].tb.sent;
		v[5] += mt->w[i].tb.suppressed;
		v[6] += st.merged;
	}
}

void
dp_mtu_write_json(const struct dp_app *app, FILE *f)
{
	uint64_t v[7];

	if (app->mtu == NULL)
		return;
	mtu_sums(app, v);
	fprintf(f, ",\n  \"mtu\": {\"prefragmented\": %" PRIu64
	    ", \"postfragmented\": %" PRIu64 ", \"fragments\": %" PRIu64
	    ", \"reassembled\": %" PRIu64 ", \"icmp_too_big\": %" PRIu64
	    ", \"icmp_suppressed\": %" PRIu64 ", \"merged\": %" PRIu64 "}",
	    v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

void
dp_mtu_print(const struct dp_app *app, FILE *f)
{
	uint64_t v[7];

	if (app->mtu == NULL)
		return;
	mtu_sums(app, v);
	fprintf(f, "mtu: prefragmented %" PRIu64 " postfragmented %" PRIu64
	    " fragments %" PRIu64 " reassembled %" PRIu64 " icmp_too_big %"
	    PRIu64 " icmp_suppressed %" PRIu64 "\n", v[0], v[1], v[2], v[3],
	    v[4], v[5]);
}

/* Seconds for the path MTU clock. */
static inline uint64_t
now_s(void)
{
	return rte_get_tsc_cycles() / rte_get_tsc_hz();
}

/* IP MTU of the port the route to @p dst (family 4/6) leaves by; 0 = none. */
static uint32_t
egress_mtu(const struct dp_app *app, int af, const uint8_t *dst)
{
	uint64_t idx;

	if (af == AF_INET) {
		uint32_t d;

		memcpy(&d, dst, 4);
		d = rte_be_to_cpu_32(d);
		route_lookup4_bulk(app->rt, &d, &idx, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], dst, 16);
		route_lookup6_bulk(app->rt, d, &idx, 1);
	}
	if (idx >= app->rt->nnh)
		return 0;
	return app->port[app->rt->nh[idx].port].mtu;
}

/*
 * An ICMP frag-needed / ICMPv6 packet too big for the gateway that quotes
 * one of our ESP packets: learn the SA's path MTU.  Returns the drop
 * reason it is consumed with, or -1 (not such a message: goes on to the
 * exception path like any ICMP for us).
 */
static int
ptb_input(struct worker *w, struct rte_mbuf *m)
{
	const struct dp_app *app = w->app;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sad_in_key key;
	const struct sad_in_key *kp = &key;
	struct frag_ptb pt;
	struct sa *sa = NULL;
	struct sa_rt *rt;
	uint32_t cur;

	if ((p[0] >> 4) == 4) {
		if (((const struct rte_ipv4_hdr *)p)->next_proto_id !=
		    IPPROTO_ICMP)
			return -1;
	} else if (((const struct rte_ipv6_hdr *)p)->proto != IPPROTO_ICMPV6)
		return -1;
	if (app->sad == NULL || frag_ptb_parse(m, &pt) != 0)
		return -1;
	if ((p[0] >> 4) == 4 ? !app_is_local4(app,
	    ((const struct rte_ipv4_hdr *)p)->dst_addr) : !app_is_local6(app,
	    ((const struct rte_ipv6_hdr *)p)->dst_addr))
		return -1;
	if (pt.af == 4)
		sad_in_key_v4(&key, IPPROTO_ESP, pt.spi, pt.dst.v4);
	else
		sad_in_key_v6(&key, IPPROTO_ESP, pt.spi, pt.dst.v6);
	sad_lookup_in(app->sad, &kp, 1, &sa);
	if (sa == NULL || !sa_state_usable(sa_state(sa)) || sa->rt == NULL)
		return DP_DROP_PMTU_NO_SA;
	rt = sa_glue_rt(sa);
	if (rt->out == NULL || !frag_ptb_matches(rt->out, &pt))
		return DP_DROP_PMTU_NO_SA;
	cur = egress_mtu(app, pt.af == 4 ? AF_INET : AF_INET6,
	    pt.af == 4 ? (const uint8_t *)&pt.dst.v4 : pt.dst.v6);
	if (cur == 0 || frag_pmtu_learn(rt->out, pt.af, pt.mtu, cur, now_s(),
	    app->mtu->pmtu_ttl) != 0)
		return DP_DROP_PMTU_IGNORED;
	return DP_DROP_PMTU_LEARNT;
}

/* Metadata of an ESP packet for the route stage (as ipsec-out sets it). */
static inline void
esp_meta(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	md->family = (rte_pktmbuf_mtod(m, const uint8_t *)[0] >> 4) == 6 ?
	    6 : 4;
	m->packet_type = md->family == 4 ? RTE_PTYPE_L3_IPV4 :
	    RTE_PTYPE_L3_IPV6;
}

/*
 * Run packets through the protected pipeline's stages after "ipsec-out"
 * (route, xmit), with our own reason array (the caller's stage is still
 * running on the worker's scratch array).
 */
static void
emit(struct worker *w, struct rte_mbuf *pkts[], uint16_t n)
{
	const struct pipeline *pl = app_pipeline(w->app, CFG_ROLE_PROTECTED);
	uint8_t reason[DP_BURST];
	int first = pipeline_find(pl, DP_STAGE_IPSEC_OUT);
	unsigned int s;
	uint16_t k, i;

	for (s = (unsigned int)first + 1; first >= 0 && s < pl->n && n > 0;
	    s++) {
		k = pl->stage[s].fn(w, pkts, reason, n);
		for (i = k; i < n; i++) {
			if (reason[i] == DP_DROP_NONE)
				continue;
			DP_CNT_ADD(w->st->drops[reason[i]], 1);
			rte_pktmbuf_free(pkts[i]);
		}
		n = k;
	}
	for (i = 0; i < n; i++) {
		DP_CNT_ADD(w->st->drops[DP_DROP_NO_ROUTE], 1);
		rte_pktmbuf_free(pkts[i]);
	}
}

static inline void
drop(struct worker *w, struct rte_mbuf *m, uint8_t reason)
{
	DP_CNT_ADD(w->st->drops[reason], 1);
	rte_pktmbuf_free(m);
}

/* Too big, DF or IPv6: ICMP error to the sender (rate-limited). */
static void
too_big(struct worker *w, struct dp_mtu_worker *mw, struct rte_mbuf *m,
    uint32_t mtu)
{
	int rc;

	if (!frag_tb_take(&mw->tb, rte_rdtsc())) {
		drop(w, m, DP_DROP_ESP_TOO_BIG_NO_ICMP);
		return;
	}
	if (dp_meta(m)->family == 4)
		rc = icmp4_error(w->app, m, ICMP4_DEST_UNREACH,
		    ICMP4_FRAG_NEEDED, mtu > UINT16_MAX ? UINT16_MAX : mtu);
	else
		rc = icmp6_error(w->app, m, ICMP6_PACKET_TOO_BIG, 0, mtu);
	if (rc != 0) {
		drop(w, m, DP_DROP_ESP_TOO_BIG_NO_ICMP);
		return;
	}
	DP_CNT_ADD(w->st->drops[DP_DROP_ESP_TOO_BIG], 1);
	DP_CNT_ADD(w->st->icmp_errors, 1);
	emit(w, &m, 1);
}

/* Encrypt n packets (<= DP_BURST); successes compacted; failures freed. */
static uint16_t
encrypt(struct worker *w, struct sa *sa, struct esp_sa *esp,
    struct rte_mbuf *pkts[], uint16_t n)
{
	uint8_t r[DP_BURST];
	uint64_t bytes = 0;
	uint16_t k, i;

	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	k = esp_outb_process(esp, w->id, pkts, r, n);
	if (k > 0)
		sa_account(sa, k, bytes);
	for (i = k; i < n; i++)
		drop(w, pkts[i], dp_ipsec_esp_drop(r[i]));
	for (i = 0; i < k; i++)
		esp_meta(pkts[i]);
	return k;
}

/* RFC 4459 pre-fragmentation: fragment, encrypt each piece, send. */
static void
prefrag(struct worker *w, struct dp_mtu_worker *mw, struct sa *sa,
    struct esp_sa *esp, struct rte_mbuf *m, uint32_t size)
{
	struct rte_mbuf *f[FRAG_MAX_OUT];
	int nf, i;
	uint16_t c, k;

	nf = frag_split(m, size, f, FRAG_MAX_OUT, w->app->mtu->direct,
	    w->app->mtu->indirect);
	if (nf < 0) {
		drop(w, m, DP_DROP_ESP_FRAG_FAILED);
		return;
	}
	mw->prefrag++;
	mw->fragments += (uint64_t)nf;
	for (i = 0; i < nf; i += c) {
		c = (uint16_t)RTE_MIN(nf - i, DP_BURST);
		k = encrypt(w, sa, esp, &f[i], c);
		emit(w, &f[i], k);
	}
}

/* Encrypt, then fragment the ESP packet to the path MTU, send. */
static void
postfrag(struct worker *w, struct dp_mtu_worker *mw, struct sa *sa,
    struct esp_sa *esp, struct rte_mbuf *m, uint32_t mtu)
{
	struct rte_mbuf *f[FRAG_MAX_OUT];
	int nf, i;
	uint16_t c;

	if (encrypt(w, sa, esp, &m, 1) != 1)
		return;
	nf = frag_split(m, mtu, f, FRAG_MAX_OUT, w->app->mtu->direct,
	    w->app->mtu->indirect);
	if (nf < 0) {
		drop(w, m, DP_DROP_ESP_FRAG_FAILED);
		return;
	}
	mw->postfrag++;
	mw->fragments += (uint64_t)nf;
	for (i = 0; i < nf; i += c) {
		c = (uint16_t)RTE_MIN(nf - i, DP_BURST);
		emit(w, &f[i], c);
	}
}

uint32_t
dp_mtu_sa_path(const struct dp_app *app, const struct sa *sa,
    struct esp_sa *esp)
{
	uint32_t mtu, pm;

	mtu = egress_mtu(app, sa->dst.family, sa->dst.a.raw);
	pm = frag_pmtu_get(esp, now_s());
	if (pm != 0 && (mtu == 0 || pm < mtu))
		mtu = pm;
	return mtu;
}

uint16_t
dp_mtu_out(struct worker *w, struct sa *sa, struct esp_sa *esp,
    struct rte_mbuf *grp[], uint16_t ng)
{
	struct dp_mtu *mt = w->app->mtu;
	struct dp_mtu_worker *mw = &mt->w[w->id];
	struct frag_decision d;
	uint32_t mtu;
	uint16_t i, k = 0;

	mtu = dp_mtu_sa_path(w->app, sa, esp);
	if (mtu == 0)
		return ng;	/* no route: the route stage drops them */
	for (i = 0; i < ng; i++) {
		struct rte_mbuf *m = grp[i];

		frag_out_decide(esp, m, mtu, mt->frag_flags, &d);
		switch (d.verdict) {
		case FRAG_FITS:
			grp[k++] = m;
			break;
		case FRAG_PTB:
			too_big(w, mw, m, d.mtu);
			break;
		case FRAG_PREFRAG:
			prefrag(w, mw, sa, esp, m, d.mtu);
			break;
		case FRAG_POSTFRAG:
			postfrag(w, mw, sa, esp, m, d.mtu);
			break;
		}
	}
	return k;
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
	uint16_t i, k = 0, nf = 0, r, nt = 0;
	struct rte_mbuf *taken[DP_BURST];
	uint8_t treason[DP_BURST];
	int rc;

	for (i = 0; i < n; i++) {
		if (want_reassembly(w->app, pkts[i]))
			frag[nf++] = pkts[i];
		else if ((rc = ptb_input(w, pkts[i])) >= 0) {
			taken[nt] = pkts[i];
			treason[nt++] = (uint8_t)rc;
		} else
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
	/* ICMP consumed by the path MTU logic: "dropped" with its reason. */
	for (i = 0; i < nt; i++) {
		pkts[k + i] = taken[i];
		reason[k + i] = treason[i];
	}
	/* The fragments held or freed by the table: taken over. */
	for (i = k + nt; i < n; i++)
		reason[i] = DP_DROP_NONE;
	return k;
}
