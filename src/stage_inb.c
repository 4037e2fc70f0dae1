/*
 * Stage "ipsec-in" (unprotected ports, before "local"): ESP to our
 * addresses is looked up, queued on LARVAL SAs, decrypted per SA group
 * and checked against the SA's inbound policy; transit cleartext is
 * checked against the inbound SPD.  See dp_ipsec.h, docs/datapath.md.
 */
#include <linux/ipsec.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_ipsec.h"
#include "pipeline.h"
#include "sa_glue.h"

static const uint8_t lq_to_dp[SA_DROP_MAX] = {
	[SA_DROP_NONE] = DP_DROP_SA_NOT_USABLE,
	[SA_DROP_LQ_SA_FULL] = DP_DROP_LARVAL_SA_FULL,
	[SA_DROP_LQ_GLOBAL_FULL] = DP_DROP_LARVAL_FULL,
	[SA_DROP_LQ_DEAD] = DP_DROP_LARVAL_DEAD,
	[SA_DROP_LQ_EXPIRED] = DP_DROP_LARVAL_DEAD,
	[SA_DROP_LQ_DELETED] = DP_DROP_LARVAL_DEAD,
	[SA_DROP_LQ_NO_HOOK] = DP_DROP_LARVAL_DEAD,
};

/* Is the destination one of ours?  (data at the IP header) */
static inline int
to_us(const struct dp_app *app, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if ((p[0] >> 4) == 4)
		return app_is_local4(app,
		    ((const struct rte_ipv4_hdr *)p)->dst_addr);
	return app_is_local6(app, ((const struct rte_ipv6_hdr *)p)->dst_addr);
}

/*
 * Does the decapsulated packet (key k) match the inbound policy that
 * references this SA?  The inner packet must be classified PROTECT in the
 * 'in' direction with a template this SA satisfies.
 */
static inline int
policy_ok(const struct spd_policy *p, const struct sa *sa)
{
	const struct spd_tmpl *t;
	size_t alen;

	if (p == NULL || p->action != SPD_ACT_PROTECT || p->ntmpl < 1)
		return 0;
	t = &p->tmpl[0];
	if (t->proto != sa->proto)
		return 0;
	if (t->reqid != 0 && t->reqid != sa->reqid)
		return 0;
	if (t->mode == SPD_MODE_TUNNEL && t->af != 0) {
		if (sa->mode != IPSEC_MODE_TUNNEL || t->af != sa->dst.family)
			return 0;
		alen = t->af == AF_INET ? 4 : 16;
		if (memcmp(t->tun_src, sa->src.a.raw, alen) != 0 ||
		    memcmp(t->tun_dst, sa->dst.a.raw, alen) != 0)
			return 0;
	}
	return 1;
}

/* Decrypt one SA group, check policy; successes to pass[], failures to
 * fail[]. */
static void
inb_group(struct worker *w, struct sa *sa, struct rte_mbuf *grp[], uint16_t ng,
    struct rte_mbuf *pass[], uint16_t *np, struct rte_mbuf *fail[],
    uint8_t fail_r[], uint16_t *nf)
{
	struct sa_rt *rt = sa_glue_rt(sa);
	struct spd_key keys[DP_BURST] = { 0 };
	const struct spd_policy *pol[DP_BURST];
	uint8_t r[DP_BURST];
	uint64_t bytes = 0;
	uint16_t k, j, bad = 0;

	for (j = 0; j < ng; j++)
		bytes += grp[j]->pkt_len;
	k = esp_inb_process(rt->in, w->id, grp, r, ng);
	for (j = k; j < ng; j++) {
		fail[*nf] = grp[j];
		fail_r[(*nf)++] = dp_ipsec_esp_drop(r[j]);
	}
	if (k == 0)
		return;
	sa_account(sa, k, bytes);
	for (j = 0; j < k; j++)
		dp_spd_key(grp[j], &keys[j]);
	spd_classify_bulk(w->app->spd, SPD_DIR_IN, keys, k, pol);
	for (j = 0; j < k; j++) {
		struct rte_mbuf *m = grp[j];
		struct dp_meta *md = dp_meta(m);

		if (pol[j] != NULL && pol[j]->action == SPD_ACT_PROTECT &&
		    pol[j]->ntmpl > 1) {
			/* A bundle: one ESP layer removed cannot satisfy
			 * it, and dpsec applies only one (docs/datapath.md). */
			fail[*nf] = m;
			fail_r[(*nf)++] = DP_DROP_SPD_BUNDLE;
			continue;
		}
		if (!policy_ok(pol[j], sa)) {
			fail[*nf] = m;
			fail_r[(*nf)++] = DP_DROP_ESP_POLICY;
			bad++;
			continue;
		}
		md->family = RTE_ETH_IS_IPV4_HDR(m->packet_type) ? 4 : 6;
		md->flags = (uint8_t)((md->flags & ~DP_MF_LOCAL) | DP_MF_DECAP);
		pass[(*np)++] = m;
	}
	if (bad > 0)
		esp_sa_count_drop(rt->in, w->id, ESP_DROP_POLICY, bad);
}

uint16_t
stage_ipsec_in(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	struct dp_app *app = w->app;
	struct sad_in_key ikey[DP_BURST];
	const struct sad_in_key *ikp[DP_BURST];
	struct spd_key ckey[DP_BURST] = { 0 };
	const struct spd_policy *pol[DP_BURST];
	struct sa *sa[DP_BURST], *grp_sa[DP_BURST];
	struct rte_mbuf *esp[DP_BURST], *clear[DP_BURST], *grp[DP_BURST];
	struct rte_mbuf *pass[DP_BURST], *fail[DP_BURST];
	uint8_t fail_r[DP_BURST];
	uint16_t i, j, ne = 0, nc = 0, np = 0, nf = 0, ngs = 0;
	enum spd_action def;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t spi;
		uint8_t proto;
		int rc;

		if (md->family == 0 || (md->flags & DP_MF_DECAP)) {
			pass[np++] = m;		/* ARP: exception path */
			continue;
		}
		if (!to_us(app, m)) {
			if (md->flags & DP_MF_LOCAL)
				pass[np++] = m;	/* multicast, broadcast */
			else
				clear[nc++] = m;
			continue;
		}
		rc = esp_pkt_spi(m, ESP_NATT_PORT, &spi, &proto);
		if (rc == -ESP_DROP_NOT_ESP || rc == -ESP_DROP_PROTO) {
			pass[np++] = m;		/* IKE, ICMP...: ours */
			continue;
		}
		if (rc != 0) {
			fail[nf] = m;
			fail_r[nf++] = dp_ipsec_esp_drop((unsigned int)-rc);
			continue;
		}
		if ((p[0] >> 4) == 4)
			sad_in_key_v4(&ikey[ne], IPPROTO_ESP, spi,
			    ((const struct rte_ipv4_hdr *)p)->dst_addr);
		else
			sad_in_key_v6(&ikey[ne], IPPROTO_ESP, spi,
			    ((const struct rte_ipv6_hdr *)p)->dst_addr);
		ikp[ne] = &ikey[ne];
		esp[ne++] = m;
	}

	/* Transit cleartext: inbound SPD (BYPASS passes, the rest drops). */
	if (nc > 0) {
		for (i = 0; i < nc; i++)
			dp_spd_key(clear[i], &ckey[i]);
		spd_classify_bulk(app->spd, SPD_DIR_IN, ckey, nc, pol);
		def = spd_default_action(app->spd, SPD_DIR_IN);
		for (i = 0; i < nc; i++) {
			enum spd_action act = pol[i] != NULL ? pol[i]->action :
			    def;

			if (act == SPD_ACT_BYPASS)
				pass[np++] = clear[i];
			else if (act == SPD_ACT_PROTECT && pol[i] != NULL &&
			    pol[i]->ntmpl == 1 &&
			    pol[i]->tmpl[0].level == SPD_LEVEL_USE)
				pass[np++] = clear[i];	/* level use: optional */
			else {
				fail[nf] = clear[i];
				fail_r[nf++] = act == SPD_ACT_PROTECT ?
				    DP_DROP_SPD_CLEAR_PROTECTED :
				    DP_DROP_SPD_DISCARD;
			}
		}
	}

	/* ESP: lookup, larval queueing, one decrypt per SA group. */
	if (ne > 0)
		sad_lookup_in(app->sad, ikp, ne, sa);
	for (j = 0; j < ne; j++) {
		enum sa_state st;

		if (sa[j] == NULL) {
			fail[nf] = esp[j];
			fail_r[nf++] = DP_DROP_ESP_NO_SA;
			continue;
		}
		st = sa_state(sa[j]);
		if (st == SA_LARVAL) {
			struct sa *use = NULL;
			enum sa_drop dr = SA_DROP_NONE;
			enum sa_lq_result lr;

			dp_meta(esp[j])->worker = (uint16_t)w->id;
			lr = sa_larval_enqueue(sa[j], esp[j], &use, &dr);
			if (lr == SA_LQ_QUEUED) {
				fail[nf] = esp[j];	/* sadb owns it */
				fail_r[nf++] = DP_DROP_NONE;
				sa[j] = NULL;
				continue;
			}
			if (lr == SA_LQ_DROPPED) {
				fail[nf] = esp[j];
				fail_r[nf++] = lq_to_dp[dr < SA_DROP_MAX ? dr : 0];
				sa[j] = NULL;
				continue;
			}
			sa[j] = use;
			st = sa_state(use);
		}
		if (!sa_state_usable(st) || sa[j]->rt == NULL) {
			fail[nf] = esp[j];
			fail_r[nf++] = DP_DROP_SA_NOT_USABLE;
			sa[j] = NULL;
			continue;
		}
		for (i = 0; i < ngs; i++)
			if (grp_sa[i] == sa[j])
				break;
		if (i == ngs)
			grp_sa[ngs++] = sa[j];
	}
	for (i = 0; i < ngs; i++) {
		uint16_t ng = 0;

		for (j = 0; j < ne; j++)
			if (sa[j] == grp_sa[i])
				grp[ng++] = esp[j];
		inb_group(w, grp_sa[i], grp, ng, pass, &np, fail, fail_r, &nf);
	}
	for (i = 0; i < np; i++)
		pkts[i] = pass[i];
	for (i = 0; i < nf; i++) {
		pkts[np + i] = fail[i];
		reason[np + i] = fail_r[i];
	}
	return np;
}
