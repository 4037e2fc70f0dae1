/*
 * Stage "ipsec-out" (protected ports, before "route"): outbound SPD,
 * SA resolution, ESP per SA group.  See dp_ipsec.h and docs/datapath.md.
 */
#include <rte_ip.h>
#include <rte_ring.h>

#include "acquire.h"
#include "dp_ipsec.h"
#include "mtu.h"
#include "pipeline.h"
#include "sa_glue.h"

static const uint8_t esp_to_dp[ESP_DROP_MAX] = {
	[ESP_DROP_NONE] = DP_DROP_ESP_OTHER,
	[ESP_DROP_REPLAY] = DP_DROP_ESP_REPLAY,
	[ESP_DROP_AUTH] = DP_DROP_ESP_AUTH,
	[ESP_DROP_PAD] = DP_DROP_ESP_PAD,
	[ESP_DROP_TRUNC] = DP_DROP_ESP_TRUNC,
	[ESP_DROP_NO_SA] = DP_DROP_ESP_NO_SA,
	[ESP_DROP_POLICY] = DP_DROP_ESP_POLICY,
	[ESP_DROP_HEADROOM] = DP_DROP_ESP_HEADROOM,
	[ESP_DROP_TAILROOM] = DP_DROP_ESP_TAILROOM,
	[ESP_DROP_MULTISEG] = DP_DROP_ESP_MULTISEG,
	[ESP_DROP_SEQ_OVERFLOW] = DP_DROP_ESP_SEQ_OVERFLOW,
	[ESP_DROP_PROTO] = DP_DROP_ESP_PROTO,
	[ESP_DROP_NOT_ESP] = DP_DROP_ESP_PROTO,
	[ESP_DROP_ECN] = DP_DROP_ESP_ECN,
	[ESP_DROP_CRYPTO] = DP_DROP_ESP_CRYPTO,
};

uint8_t
dp_ipsec_esp_drop(unsigned int r)
{
	return r < ESP_DROP_MAX ? esp_to_dp[r] : DP_DROP_ESP_OTHER;
}

/* Hand a packet of ordering bucket b to the control thread (no usable
 * SA); later packets of its bucket wait until it is handled. */
static inline uint8_t
to_control(struct worker *w, struct rte_mbuf *m, uint8_t b)
{
	dp_meta(m)->worker = (uint16_t)w->id;
	dp_meta(m)->order_b = b;
	if (rte_ring_sp_enqueue(w->acq_ring, m) != 0)
		return DP_DROP_ACQUIRE_RING_FULL;
	w->acq_out++;
	w->out_b[b]++;
	return DP_DROP_NONE;
}

/*
 * Level "use" without any SA or acquire entry: the packet leaves in the
 * clear, a copy goes to the control thread only to start an ACQUIRE (it
 * is freed there, never queued).  Once the acquire entry exists the
 * lookup finds it (LARVAL) and no more copies are made.
 */
static inline void
acquire_only(struct worker *w, struct rte_mbuf *m, uint8_t b)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	struct dp_meta *md;

	if (c == NULL)
		return;		/* the next packet tries again */
	md = dp_meta(c);
	*md = *dp_meta(m);
	md->flags |= DP_MF_ACQ_ONLY;
	c->l3_len = m->l3_len;
	if (to_control(w, c, b) != DP_DROP_NONE)
		rte_pktmbuf_free(c);
}

/* Keep a packet of ordering bucket b in the worker's backlog
 * (acq_worker_flush()). */
static inline uint8_t
backlog(struct worker *w, struct rte_mbuf *m, uint8_t b)
{
	if (w->bl_n == DP_BACKLOG)
		return DP_DROP_ORDER_BACKLOG_FULL;
	dp_meta(m)->order_b = b;
	w->bl[(w->bl_head + w->bl_n++) % DP_BACKLOG] = m;
	w->bl_b[b]++;
	return DP_DROP_NONE;
}

/*
 * outbound-seq owner: hand packets to their SA's owner worker, one burst
 * per owner in order of first appearance (each owner's packets keep their
 * order).  Taken over (DP_DROP_NONE) or dropped when the ring is full.
 */
static void
handoff(struct worker *w, struct rte_mbuf *ho[], const uint16_t ho_w[],
    uint16_t n, struct rte_mbuf *fail[], uint8_t fail_r[], uint16_t *nf)
{
	struct rte_mbuf *b[DP_BURST];
	uint16_t i, j, nb, done = 0;
	unsigned int k;
	uint8_t seen[DP_BURST] = { 0 };

	for (i = 0; i < n; i++) {
		uint16_t o = ho_w[i];

		if (seen[i])
			continue;
		for (j = i, nb = 0; j < n; j++)
			if (ho_w[j] == o) {
				seen[j] = 1;
				b[nb++] = ho[j];
			}
		/* The ring's own sync mode (RTS producers, acquire.c). */
		k = rte_ring_enqueue_burst(w->app->worker[o]->handoff,
		    (void **)b, nb, NULL);
		for (j = 0; j < nb; j++) {
			fail[*nf] = b[j];
			fail_r[(*nf)++] = j < k ? DP_DROP_NONE :
			    DP_DROP_HANDOFF_FULL;
		}
		done += (uint16_t)k;
	}
	if (done > 0)
		DP_CNT_ADD(w->st->handoff_out, done);
}

/* Set the metadata of an ESP packet for the route stage. */
static inline void
esp_meta(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	md->family = (rte_pktmbuf_mtod(m, const uint8_t *)[0] >> 4) == 6 ?
	    6 : 4;
	m->packet_type = md->family == 4 ? RTE_PTYPE_L3_IPV4 :
	    RTE_PTYPE_L3_IPV6;
}

uint16_t
stage_ipsec_out(struct worker *w, struct rte_mbuf *pkts[], uint8_t reason[],
    uint16_t n)
{
	struct dp_app *app = w->app;
	struct spd_key keys[DP_BURST] = { 0 };
	const struct spd_policy *pol[DP_BURST];
	struct sad_out_key okey[DP_BURST];
	const struct sad_out_key *okp[DP_BURST];
	struct sa *sa[DP_BURST], *grp_sa[DP_BURST];
	struct rte_mbuf *grp[DP_BURST], *pass[DP_BURST], *fail[DP_BURST];
	struct rte_mbuf *ho[DP_BURST];
	uint8_t grp_r[DP_BURST], fail_r[DP_BURST];
	uint16_t idx[DP_BURST], ho_w[DP_BURST];
	uint16_t i, j, no = 0, np = 0, nf = 0, ngs = 0, nho = 0;
	enum spd_action def;

	for (i = 0; i < n; i++)
		dp_spd_key(pkts[i], &keys[i]);
	spd_classify_bulk(app->spd, SPD_DIR_OUT, keys, n, pol);
	def = spd_default_action(app->spd, SPD_DIR_OUT);
	for (i = 0; i < n; i++) {
		enum spd_action act = pol[i] != NULL ? pol[i]->action : def;

		if (act == SPD_ACT_BYPASS) {
			pass[np++] = pkts[i];
		} else if (act != SPD_ACT_PROTECT || pol[i] == NULL) {
			fail[nf] = pkts[i];
			fail_r[nf++] = DP_DROP_SPD_DISCARD;
		} else if (pol[i]->ntmpl != 1) {
			fail[nf] = pkts[i];
			fail_r[nf++] = DP_DROP_SPD_BUNDLE;
		} else {
			dp_out_key(&pol[i]->tmpl[0], &keys[i], &okey[no]);
			okp[no] = &okey[no];
			idx[no++] = i;
		}
	}
	if (no > 0)
		sad_lookup_out(app->sad, okp, no, sa);
	/* Distinct usable SAs of the burst, in order of first appearance. */
	for (j = 0; j < no; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		uint8_t r;

		if (sa[j] != NULL && sa_state_usable(sa_state(sa[j])) &&
		    sa[j]->rt != NULL && !w->releasing &&
		    !dp_ipsec_direct(w)) {
			uint8_t b = dp_order_bucket(&keys[idx[j]]);

			if (!dp_ipsec_direct_b(w, b)) {
				/* Usable SA, but earlier packets of its flow
				 * bucket are still with the control thread:
				 * wait in the worker's backlog. */
				fail[nf] = m;
				fail_r[nf++] = backlog(w, m, b);
				sa[j] = NULL;
				continue;
			}
		}
		if ((sa[j] == NULL || !sa_state_usable(sa_state(sa[j])) ||
		    sa[j]->rt == NULL) &&
		    pol[idx[j]]->tmpl[0].level == SPD_LEVEL_USE) {
			/* Level use (RFC 2367, KAME): no usable SA, send in
			 * the clear; start an ACQUIRE if none is under way. */
			if (sa[j] == NULL)
				acquire_only(w, m,
				    dp_order_bucket(&keys[idx[j]]));
			pass[np++] = m;
			sa[j] = NULL;
			continue;
		}
		if (sa[j] == NULL || !sa_state_usable(sa_state(sa[j])) ||
		    sa[j]->rt == NULL) {
			/* DP_DROP_NONE: the control thread owns it now. */
			r = to_control(w, m, dp_order_bucket(&keys[idx[j]]));
			fail[nf] = m;
			fail_r[nf++] = r;
			sa[j] = NULL;
			continue;
		}
		if (app->seq_owner && sa_glue_rt(sa[j])->owner != w->id) {
			/* Another worker numbers and sends this SA's packets
			 * (docs/datapath.md "Several workers, one SA"). */
			ho_w[nho] = sa_glue_rt(sa[j])->owner;
			ho[nho++] = m;
			sa[j] = NULL;
			continue;
		}
		for (i = 0; i < ngs; i++)
			if (grp_sa[i] == sa[j])
				break;
		if (i == ngs)
			grp_sa[ngs++] = sa[j];
	}
	if (nho > 0)
		handoff(w, ho, ho_w, nho, fail, fail_r, &nf);
	/* One engine call per SA, packets in burst order. */
	for (i = 0; i < ngs; i++) {
		struct sa_rt *rt = sa_glue_rt(grp_sa[i]);
		uint16_t ng = 0, k;
		uint64_t bytes = 0;

		for (j = 0; j < no; j++)
			if (sa[j] == grp_sa[i]) {
				grp[ng] = pkts[idx[j]];
				bytes += grp[ng]->pkt_len;
				ng++;
			}
		/* Size before encryption (issue 8, docs/mtu.md). */
		ng = dp_mtu_out(w, grp_sa[i], rt->out, grp, ng);
		if (ng == 0)
			continue;
		bytes = 0;
		for (j = 0; j < ng; j++)
			bytes += grp[j]->pkt_len;
		k = esp_outb_process(rt->out, w->id, grp, grp_r, ng);
		if (k > 0)
			sa_account(grp_sa[i], k, bytes);
		for (j = 0; j < k; j++) {
			esp_meta(grp[j]);
			pass[np++] = grp[j];
		}
		for (j = k; j < ng; j++) {
			fail[nf] = grp[j];
			fail_r[nf++] = dp_ipsec_esp_drop(grp_r[j]);
		}
	}
	for (i = 0; i < np; i++)
		pkts[i] = pass[i];
	for (i = 0; i < nf; i++) {
		pkts[np + i] = fail[i];
		reason[np + i] = fail_r[i];
	}
	/* Packets dp_mtu_out() sent or dropped itself: taken over. */
	for (i = np + nf; i < n; i++)
		reason[i] = DP_DROP_NONE;
	return np;
}
