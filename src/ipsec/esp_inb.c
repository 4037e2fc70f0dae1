/*
 * esp_inb.c: inbound ESP on a burst of one SA (RFC 4303 3.4).
 *
 * Shape (STYLE.md 4): a prepare loop parses the outer header (plain ESP or
 * RFC 3948 UDP-encapsulated ESP), checks lengths, infers the ESN high
 * half (RFC 4303 Appendix A) and checks the replay window WITHOUT
 * committing; one xform_process_burst() call verifies the ICVs (constant
 * time, in the crypto layer) and decrypts; then the replay window is
 * re-checked and committed for the authenticated packets only (one
 * per-SA spinlock acquisition per burst, see below); a last loop checks
 * the padding (RFC 4303 2.4: bytes 1, 2, 3, ...) and next header and
 * decapsulates.
 *
 * Replay and several workers: replay_check() runs lock-free (atomic
 * loads, advisory); the commit, which must slide the bitmap and set the
 * bit atomically with respect to other committers, is done under
 * sa->replay_lock, taken once per burst and held only for the commits of
 * that burst's packets (a few ns per packet).  With one worker per SA the
 * lock is never contended.  This is the one lock on the path, allowed by
 * the issue for this purpose and documented in docs/ipsec.md.
 *
 * ECN on tunnel decapsulation follows RFC 6040 (normal mode): outer CE
 * over a not-ECT inner is dropped (ESP_DROP_ECN), outer CE marks the inner
 * CE, outer ECT(1) over inner ECT(0) gives ECT(1); the inner DSCP is kept
 * (RFC 4301 5.1.2.1 default).  ESP_F_ECN_OFF ignores the outer field.
 *
 * Next header 59 (dummy packet, RFC 4303 2.6) is dropped as
 * ESP_DROP_PROTO after authentication, like a next header that does not
 * fit the mode (tunnel needs 4 or 41 matching the inner version).
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_priv.h"


/* RFC 4303 2.4: the padding bytes are 1, 2, 3, ... (usually 0-3 of them) */
static inline int
pad_ok(const uint8_t *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i + 1))
			return 0;
	return 1;
}

struct inb_pkt {
	uint64_t seq;
	uint16_t hl;		/* outer IP header (+ hop-by-hop) */
	uint16_t nhoff;		/* offset of the outer next-header byte */
	uint16_t esp_off;
	uint16_t ct_len;	/* ciphertext: payload + padding + trailer */
	uint16_t len;		/* ESP packet bytes (counted) */
	uint8_t tos;		/* outer ToS / traffic class */
};

/* Parse the outer IP (+UDP) header.  Returns 0 or a reason. */
static inline int
parse_outer(const struct esp_sa *sa, struct rte_mbuf *m, struct inb_pkt *pk)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->pkt_len, tot;
	uint8_t proto;

	if (unlikely(len < sizeof(struct rte_ipv4_hdr)))
		return ESP_DROP_TRUNC;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		pk->hl = (uint16_t)((p[0] & 0x0f) * 4);
		tot = rte_be_to_cpu_16(ip->total_length);
		if (unlikely(pk->hl < sizeof(*ip) || tot < pk->hl ||
		    tot > len))
			return ESP_DROP_TRUNC;
		/* outer fragments are reassembled before us (issue 8) */
		if (unlikely(ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
		    RTE_IPV4_HDR_OFFSET_MASK)))
			return ESP_DROP_PROTO;
		proto = ip->next_proto_id;
		pk->nhoff = 9;
		pk->tos = ip->type_of_service;
	} else if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)p;

		if (unlikely(len < sizeof(*ip6)))
			return ESP_DROP_TRUNC;
		tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (unlikely(tot > len))
			return ESP_DROP_TRUNC;
		proto = ip6->proto;
		pk->hl = sizeof(*ip6);
		pk->nhoff = 6;
		pk->tos = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20);
		if (proto == IPPROTO_HOPOPTS) {
			if (unlikely(tot < sizeof(*ip6) + 8))
				return ESP_DROP_TRUNC;
			pk->hl += (uint16_t)((p[41] + 1) * 8);
			proto = p[40];
			pk->nhoff = 40;
			if (unlikely(pk->hl > tot))
				return ESP_DROP_TRUNC;
		}
	} else {
		return ESP_DROP_PROTO;
	}
	if (tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - tot));	/* L2 padding */
	pk->len = (uint16_t)tot;
	pk->esp_off = pk->hl;
	if (proto == IPPROTO_UDP) {
		uint32_t marker;

		/* RFC 3948: a keepalive (one 0xff byte) or the non-ESP
		 * marker (four zero bytes) is IKE's, not ours */
		if (tot < pk->hl + sizeof(struct rte_udp_hdr) + 4u)
			return ESP_DROP_NOT_ESP;
		memcpy(&marker, p + pk->hl + sizeof(struct rte_udp_hdr), 4);
		if (marker == 0)
			return ESP_DROP_NOT_ESP;
		/* the UDP length must cover exactly the ESP packet (the
		 * checksum is not checked: zero is allowed, RFC 3948 3.1,
		 * and the ICV protects the payload) */
		if (rte_be_to_cpu_16(((const struct rte_udp_hdr *)(p +
		    pk->hl))->dgram_len) != tot - pk->hl)
			return ESP_DROP_TRUNC;
		pk->esp_off += sizeof(struct rte_udp_hdr);
	} else if (unlikely(proto != IPPROTO_ESP)) {
		return ESP_DROP_PROTO;
	}
	return 0;
}

static __rte_always_inline int
inb_prep(struct esp_sa *sa, struct rte_mbuf *m, struct inb_pkt *pk,
    struct xform_op *op)
{
	const uint8_t *esp;
	uint32_t lo_be, hi_be, ct;
	int rc;

	if (unlikely(esp_linearize(m) != 0))
		return ESP_DROP_MULTISEG;
	rc = parse_outer(sa, m, pk);
	if (unlikely(rc != 0))
		return rc;
	ct = (uint32_t)pk->len - pk->esp_off - ESP_HDR_LEN - sa->iv_len -
	    sa->icv_len;
	if (unlikely((int32_t)ct < (int32_t)ESP_TRAILER_LEN ||
	    pk->len < pk->esp_off + ESP_HDR_LEN + sa->iv_len + sa->icv_len ||
	    (ct & (sa->align - 1)) != 0))
		return ESP_DROP_TRUNC;
	pk->ct_len = (uint16_t)ct;
	esp = rte_pktmbuf_mtod_offset(m, const uint8_t *, pk->esp_off);
	if (unlikely(memcmp(esp, &sa->spi_be, 4) != 0))
		return ESP_DROP_NO_SA;
	memcpy(&lo_be, esp + 4, 4);
	if (sa->esn) {
		if (esn_infer(__atomic_load_n(&sa->win->top, __ATOMIC_ACQUIRE),
		    sa->infer_win, rte_be_to_cpu_32(lo_be), &pk->seq) != 0)
			return ESP_DROP_REPLAY;
	} else {
		pk->seq = rte_be_to_cpu_32(lo_be);
	}
	if (replay_check(sa->win, pk->seq) != REPLAY_OK)
		return ESP_DROP_REPLAY;

	hi_be = rte_cpu_to_be_32((uint32_t)(pk->seq >> 32));
	esp_iv_copy(op->iv, esp + ESP_HDR_LEN, sa->iv_len);
	op->m = m;
	op->status = 0;
	op->esn_hi = (uint32_t)(pk->seq >> 32);
	op->cipher_off = pk->esp_off + ESP_HDR_LEN + sa->iv_len;
	op->digest_off = op->cipher_off + pk->ct_len;
	if (sa->kind == ESP_K_CIPHER_HMAC) {
		op->cipher_len = sa->iv_len ? pk->ct_len : 0;	/* NULL enc */
		op->auth_off = pk->esp_off;
		op->auth_len = ESP_HDR_LEN + sa->iv_len + pk->ct_len;
	} else {
		op->cipher_len = sa->kind == ESP_K_GMAC ? 0 : pk->ct_len;
		op->auth_off = pk->esp_off + ESP_HDR_LEN;
		op->auth_len = sa->kind == ESP_K_GMAC ?
		    sa->iv_len + pk->ct_len : 0;
		memcpy(op->aad, &sa->spi_be, 4);
		if (sa->esn) {
			memcpy(op->aad + 4, &hi_be, 4);
			memcpy(op->aad + 8, &lo_be, 4);
		} else {
			memcpy(op->aad + 4, &lo_be, 4);
		}
	}
	return 0;
}

/* RFC 6040 decapsulation: new inner ECN, or -1 to drop. */
static inline int
ecn_decap(uint8_t outer, uint8_t inner)
{
	outer &= 3;
	inner &= 3;
	if (outer == 3)
		return inner == 0 ? -1 : 3;
	if (outer == 1 && inner == 2)
		return 1;
	return inner;
}

/* Tunnel: strip the outer headers and the trailer.  0 or a reason. */
static inline int
decap_tunnel(const struct esp_sa *sa, struct rte_mbuf *m,
    const struct inb_pkt *pk, uint8_t nh, uint16_t inner_len)
{
	uint16_t off = pk->esp_off + ESP_HDR_LEN + sa->iv_len;
	uint8_t *in = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint32_t tot, hl;
	int ecn;

	if (nh == IPPROTO_IPIP && inner_len >= sizeof(struct rte_ipv4_hdr) &&
	    (in[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)in;

		hl = (in[0] & 0x0f) * 4u;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (hl < sizeof(*ip) || tot < hl || tot > inner_len)
			return ESP_DROP_TRUNC;
		if (!(sa->flags & ESP_F_ECN_OFF)) {
			ecn = ecn_decap(pk->tos, ip->type_of_service);
			if (ecn < 0)
				return ESP_DROP_ECN;
			if (ecn != (ip->type_of_service & 3)) {
				ip->type_of_service = (uint8_t)
				    ((ip->type_of_service & 0xfc) | ecn);
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			}
		}
		m->packet_type = RTE_PTYPE_L3_IPV4;
	} else if (nh == IPPROTO_IPV6 &&
	    inner_len >= sizeof(struct rte_ipv6_hdr) && (in[0] >> 4) == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)in;
		uint32_t vtc = rte_be_to_cpu_32(ip6->vtc_flow);

		hl = sizeof(*ip6);
		tot = hl + rte_be_to_cpu_16(ip6->payload_len);
		if (tot > inner_len)
			return ESP_DROP_TRUNC;
		if (!(sa->flags & ESP_F_ECN_OFF)) {
			ecn = ecn_decap(pk->tos, (uint8_t)(vtc >> 20));
			if (ecn < 0)
				return ESP_DROP_ECN;
			vtc = (vtc & ~(3u << 20)) | ((uint32_t)ecn << 20);
			ip6->vtc_flow = rte_cpu_to_be_32(vtc);
		}
		m->packet_type = RTE_PTYPE_L3_IPV6;
	} else {
		return ESP_DROP_PROTO;
	}
	/* tot < inner_len: TFC padding (RFC 4303 2.7), cut it too */
	rte_pktmbuf_adj(m, off);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - tot));
	m->l2_len = 0;
	m->l3_len = hl;
	return 0;
}

/* Transport: close the gap between IP header and payload. */
static inline int
decap_transport(const struct esp_sa *sa, struct rte_mbuf *m,
    const struct inb_pkt *pk, uint8_t nh, uint16_t inner_len)
{
	uint16_t gap = pk->esp_off - pk->hl + ESP_HDR_LEN + sa->iv_len;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - (pk->esp_off +
	    ESP_HDR_LEN + sa->iv_len + inner_len)));
	memmove(p + gap, p, pk->hl);
	p = (uint8_t *)rte_pktmbuf_adj(m, gap);
	p[pk->nhoff] = nh;
	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->total_length = rte_cpu_to_be_16(m->pkt_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->packet_type = RTE_PTYPE_L3_IPV4;
		m->l3_len = pk->hl;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->payload_len = rte_cpu_to_be_16(m->pkt_len - sizeof(*ip6));
		m->packet_type = RTE_PTYPE_L3_IPV6;
		m->l3_len = pk->hl;
	}
	m->l2_len = 0;
	return 0;
}

static __rte_always_inline uint16_t
inb_burst(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n, const int transport)
{
	struct esp_worker *w = &sa->w[worker];
	struct inb_pkt pk[ESP_BURST_MAX];
	struct xform_op ops[ESP_BURST_MAX];
	uint8_t rc[ESP_BURST_MAX], idx[ESP_BURST_MAX];
	uint64_t bytes = 0;
	uint16_t i, j, nops = 0, good = 0;

	if (unlikely(n > ESP_BURST_MAX))
		n = ESP_BURST_MAX;
	for (i = 0; i < n; i++) {
		rc[i] = (uint8_t)inb_prep(sa, mb[i], &pk[i], &ops[nops]);
		if (rc[i] == 0)
			idx[nops++] = (uint8_t)i;
	}
	if (nops == 0)
		goto out;
	xform_process_burst(sa->xs, worker, ops, nops);

	/* Commit the authenticated ones, in arrival order. */
	esp_lock(&sa->replay_lock);
	for (i = 0; i < nops; i++) {
		j = idx[i];
		if (unlikely(ops[i].status != XFORM_ST_OK)) {
			rc[j] = ops[i].status == XFORM_ST_AUTH_FAILED ?
			    ESP_DROP_AUTH : ops[i].status == XFORM_ST_BAD_LEN ?
			    ESP_DROP_TRUNC : ESP_DROP_CRYPTO;
			continue;
		}
		if (unlikely(replay_commit(sa->win, pk[j].seq) != REPLAY_OK))
			rc[j] = ESP_DROP_REPLAY;
	}
	esp_unlock(&sa->replay_lock);

	for (i = 0; i < nops; i++) {
		const uint8_t *tp;
		uint8_t padlen, nh;
		uint16_t inner_len;

		j = idx[i];
		if (rc[j] != 0)
			continue;
		tp = rte_pktmbuf_mtod_offset(mb[j], const uint8_t *,
		    ops[i].digest_off - ESP_TRAILER_LEN);
		padlen = tp[0];
		nh = tp[1];
		if (unlikely(padlen + ESP_TRAILER_LEN > pk[j].ct_len ||
		    !pad_ok(tp - padlen, padlen))) {
			rc[j] = ESP_DROP_PAD;
			continue;
		}
		if (unlikely(nh == IPPROTO_NONE)) {
			rc[j] = ESP_DROP_PROTO;
			continue;
		}
		inner_len = pk[j].ct_len - padlen - ESP_TRAILER_LEN;
		rc[j] = (uint8_t)(transport ?
		    decap_transport(sa, mb[j], &pk[j], nh, inner_len) :
		    decap_tunnel(sa, mb[j], &pk[j], nh, inner_len));
		if (rc[j] == 0) {
			good++;
			bytes += pk[j].len;
		}
	}
	esp_ctr_add(&w->packets, good);
	esp_ctr_add(&w->bytes, bytes);
out:
	esp_count(sa, worker, rc, n);
	return esp_compact(mb, reason, rc, n);
}

uint16_t
esp_inb_tunnel(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return inb_burst(sa, worker, mb, reason, n, 0);
}

uint16_t
esp_inb_transport(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return inb_burst(sa, worker, mb, reason, n, 1);
}
