/*
 * esp_outb.c: outbound ESP on a burst of one SA (RFC 4303 3.3).
 *
 * Shape (STYLE.md 4): a prepare loop validates each packet, checks head-
 * and tailroom BEFORE touching it, adds the headers and the trailer; one
 * atomic add reserves the sequence numbers of every prepared packet; a
 * second short loop writes the numbers, IVs and AADs into the packets and
 * the crypto ops; one xform_process_burst() call encrypts and
 * authenticates the group; a last loop checks the status and counts.
 * Tunnel and transport are two instances of the same inline template,
 * chosen per SA at create (no per-packet branch on the mode).
 *
 * IVs: GCM, GMAC, CTR and ChaCha20-Poly1305 use the 64-bit sequence
 * number as the explicit IV; it never repeats for a key because the
 * number never does (without ESN it refuses to wrap, with ESN 2^64 is out
 * of reach).  CBC uses 16 unpredictable bytes from the worker's ChaCha20
 * stream (esp_cbc_ivs()).
 *
 * Sequence numbers: reserved for the whole burst with one atomic
 * fetch-add, so several workers may send on one SA; a worker's burst gets
 * consecutive numbers in packet order and bursts are numbered in the
 * order their reservations happen, a few microseconds before
 * transmission, which keeps the wire order within a few bursts of the
 * numbering: far inside a 64-packet window for two workers.
 *
 * DSCP and ECN (tunnel): the outer DSCP is copied from the inner header
 * (or fixed by ESP_F_DSCP_FIXED); the outer ECN field is a copy of the
 * inner one (RFC 6040 normal mode), or not-ECT with ESP_F_ECN_OFF.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_priv.h"

/* RFC 4303 2.4: pad bytes are 1, 2, 3, ... */
static const uint8_t esp_pad_bytes[16] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};

#define IPV4_DF		0x4000

struct outb_pkt {
	uint16_t esp_off;	/* ESP header from the start of data */
	uint16_t ct_len;	/* payload + padding + trailer */
	uint16_t ip_hl;		/* transport: clear header length */
	uint16_t in_len;	/* cleartext bytes (counted) */
};

/* The outer ToS / traffic class for an inner one. */
static inline uint8_t
outer_tos(const struct esp_sa *sa, uint8_t inner)
{
	uint8_t dscp = (sa->flags & ESP_F_DSCP_FIXED) ? (uint8_t)(sa->dscp << 2) :
	    (inner & 0xfc);
	uint8_t ecn = (sa->flags & ESP_F_ECN_OFF) ? 0 : (inner & 0x03);

	return dscp | ecn;
}

static uint16_t
udp6_cksum(const struct rte_ipv6_hdr *ip6, const void *l4, uint32_t len)
{
	uint32_t sum;
	uint32_t plen = rte_cpu_to_be_32(len);
	uint32_t proto = rte_cpu_to_be_32(IPPROTO_UDP);
	uint16_t c;

	sum = __rte_raw_cksum(ip6->src_addr, 32, 0);
	sum = __rte_raw_cksum(&plen, 4, sum);
	sum = __rte_raw_cksum(&proto, 4, sum);
	sum = __rte_raw_cksum(l4, len, sum);
	c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return c == 0 ? 0xffff : c;
}

/* The header template in constant-size moves (one predictable branch per
 * SA instead of a variable-length memcpy). */
static inline void
tmpl_copy(uint8_t *dst, const struct esp_sa *sa)
{
	switch (sa->tmpl_len) {
	case 4:
		memcpy(dst, sa->tmpl, 4);
		break;
	case 12:
		memcpy(dst, sa->tmpl, 12);
		break;
	case 24:
		memcpy(dst, sa->tmpl, 24);
		break;
	case 32:
		memcpy(dst, sa->tmpl, 32);
		break;
	case 44:
		memcpy(dst, sa->tmpl, 44);
		break;
	case 52:
		memcpy(dst, sa->tmpl, 52);
		break;
	default:
		memcpy(dst, sa->tmpl, sa->tmpl_len);
	}
}

/* Validate the inner packet; returns its length or -reason. */
static inline int
parse_inner(struct rte_mbuf *m, uint8_t *nh, uint8_t *tos, uint16_t *hl,
    uint16_t *nhoff, int transport)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->pkt_len, tot;

	if (len < sizeof(struct rte_ipv4_hdr))
		return -ESP_DROP_TRUNC;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		*hl = (uint16_t)((p[0] & 0x0f) * 4);
		tot = rte_be_to_cpu_16(ip->total_length);
		if (*hl < sizeof(*ip) || tot < *hl || tot > len)
			return -ESP_DROP_TRUNC;
		*tos = ip->type_of_service;
		*nh = transport ? ip->next_proto_id : IPPROTO_IPIP;
		*nhoff = 9;
		/* RFC 4301 7: transport mode needs whole datagrams */
		if (transport && (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
		    RTE_IPV4_HDR_OFFSET_MASK)))
			return -ESP_DROP_PROTO;
	} else if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)p;

		if (len < sizeof(*ip6))
			return -ESP_DROP_TRUNC;
		tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (tot > len)
			return -ESP_DROP_TRUNC;
		*tos = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20);
		*nh = transport ? ip6->proto : IPPROTO_IPV6;
		*hl = sizeof(*ip6);
		*nhoff = 6;
		if (transport && ip6->proto == IPPROTO_HOPOPTS) {
			/* ESP goes after hop-by-hop options (RFC 4303 3.1.1) */
			if (tot < sizeof(*ip6) + 8)
				return -ESP_DROP_TRUNC;
			*hl += (uint16_t)((p[41] + 1) * 8);
			*nh = p[40];
			*nhoff = 40;
			if (*hl > tot)
				return -ESP_DROP_TRUNC;
		}
		/* other extension headers (routing, fragment, destination
		 * options) are not supported in transport mode */
		if (transport && (*nh == IPPROTO_HOPOPTS ||
		    *nh == IPPROTO_ROUTING || *nh == IPPROTO_FRAGMENT ||
		    *nh == IPPROTO_DSTOPTS))
			return -ESP_DROP_PROTO;
	} else {
		return -ESP_DROP_PROTO;
	}
	if (tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - tot));	/* L2 padding */
	return (int)tot;
}

static __rte_always_inline int
outb_prep(struct esp_sa *sa, struct esp_worker *w, struct rte_mbuf *m,
    struct outb_pkt *pk, const int transport)
{
	uint8_t nh, tos, padlen, *t, *h;
	uint16_t hl, nhoff, head, tail, plen;
	int tot;

	if (unlikely(esp_linearize(m) != 0))
		return ESP_DROP_MULTISEG;
	tot = parse_inner(m, &nh, &tos, &hl, &nhoff, transport);
	if (unlikely(tot < 0))
		return -tot;
	plen = transport ? (uint16_t)(tot - hl) : (uint16_t)tot;
	padlen = (uint8_t)((sa->align - ((plen + ESP_TRAILER_LEN) &
	    (sa->align - 1))) & (sa->align - 1));
	pk->ct_len = plen + padlen + ESP_TRAILER_LEN;
	pk->in_len = (uint16_t)tot;
	tail = padlen + ESP_TRAILER_LEN + sa->icv_len;
	head = sa->hdr_add + ESP_HDR_LEN + sa->iv_len;
	if (unlikely(rte_pktmbuf_headroom(m) < head))
		return ESP_DROP_HEADROOM;
	if (unlikely(rte_pktmbuf_tailroom(m) < tail))
		return ESP_DROP_TAILROOM;
	if (unlikely((uint32_t)tot + head + tail > UINT16_MAX))
		return ESP_DROP_PROTO;

	t = (uint8_t *)rte_pktmbuf_append(m, tail);
	if (likely(rte_pktmbuf_tailroom(m) >= 16))
		memcpy(t, esp_pad_bytes, 16);	/* constant size; the rest
						 * is trailer, ICV or tailroom */
	else
		memcpy(t, esp_pad_bytes, padlen);
	t[padlen] = padlen;
	t[padlen + 1] = nh;
	h = (uint8_t *)rte_pktmbuf_prepend(m, head);

	if (!transport) {
		tmpl_copy(h, sa);
		pk->esp_off = sa->hdr_add;
		if (!sa->outer_v6) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
			const uint8_t *in = h + head;
			uint16_t df;

			if (sa->flags & ESP_F_DF_SET)
				df = IPV4_DF;
			else if (sa->flags & ESP_F_DF_CLEAR)
				df = 0;
			else if ((in[0] >> 4) == 4)
				df = rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)
				    in)->fragment_offset) & IPV4_DF;
			else
				df = IPV4_DF;
			uint8_t otos = outer_tos(sa, tos);
			uint16_t len_be = rte_cpu_to_be_16(m->pkt_len);
			uint16_t id_be = rte_cpu_to_be_16(w->ip_id);
			uint16_t df_be = rte_cpu_to_be_16(df);
			uint32_t sum;

			ip->type_of_service = otos;
			ip->total_length = len_be;
			ip->packet_id = id_be;
			w->ip_id = (uint16_t)(w->ip_id + sa->nb_workers);
			ip->fragment_offset = df_be;
			/* checksum from registers: template sum + the
			 * fields just written (ToS is the odd byte of word 0) */
			sum = sa->v4_sum + rte_cpu_to_be_16((uint16_t)otos) +
			    len_be + id_be + df_be;
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			ip->hdr_checksum = (uint16_t)~sum;
			m->l3_len = sizeof(*ip);
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)h;

			ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) |
			    ((uint32_t)outer_tos(sa, tos) << 20));
			ip6->payload_len = rte_cpu_to_be_16(m->pkt_len -
			    sizeof(*ip6));
			m->l3_len = sizeof(*ip6);
		}
		if (sa->natt) {
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(h +
			    m->l3_len);

			u->dgram_len = rte_cpu_to_be_16(m->pkt_len - m->l3_len);
			u->dgram_cksum = 0;
		}
	} else {
		/* Move the IP header (and hop-by-hop) to the new front. */
		memmove(h, h + head, hl);
		tmpl_copy(h + hl, sa);
		pk->esp_off = hl + sa->hdr_add;
		pk->ip_hl = hl;
		h[nhoff] = sa->natt ? IPPROTO_UDP : IPPROTO_ESP;
		if ((h[0] >> 4) == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;

			ip->total_length = rte_cpu_to_be_16(m->pkt_len);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)h;

			ip6->payload_len = rte_cpu_to_be_16(m->pkt_len -
			    sizeof(*ip6));
		}
		if (sa->natt) {
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(h + hl);

			u->dgram_len = rte_cpu_to_be_16(m->pkt_len - hl);
			u->dgram_cksum = 0;
		}
		m->l3_len = hl;
	}
	m->l2_len = 0;
	return 0;
}

/* Sequence number, IV and AAD of one prepared packet, and its op. */
static __rte_always_inline void
outb_fill(struct esp_sa *sa, struct rte_mbuf *m, const struct outb_pkt *pk,
    uint64_t seq, const uint8_t *rnd_iv, struct xform_op *op)
{
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, pk->esp_off);
	uint32_t lo = rte_cpu_to_be_32((uint32_t)seq);
	uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
	uint16_t ivo = pk->esp_off + ESP_HDR_LEN;

	memcpy(esp + 4, &lo, 4);
	if (unlikely(sa->iv_fixed))
		esp_iv_copy(op->iv, sa->iv_fixed_val, sa->iv_len);
	else if (sa->iv_len == 16)
		memcpy(op->iv, rnd_iv, 16);
	else if (sa->iv_len == 8) {
		uint64_t be = rte_cpu_to_be_64(seq);

		memcpy(op->iv, &be, 8);
	}
	esp_iv_copy(esp + ESP_HDR_LEN, op->iv, sa->iv_len);

	op->m = m;
	op->status = 0;
	op->esn_hi = (uint32_t)(seq >> 32);
	op->digest_off = ivo + sa->iv_len + pk->ct_len;
	if (sa->kind == ESP_K_CIPHER_HMAC) {
		op->cipher_off = ivo + sa->iv_len;
		op->cipher_len = sa->iv_len ? pk->ct_len : 0;	/* NULL enc */
		op->auth_off = pk->esp_off;
		op->auth_len = ESP_HDR_LEN + sa->iv_len + pk->ct_len;
	} else {
		op->cipher_off = ivo + sa->iv_len;
		op->cipher_len = sa->kind == ESP_K_GMAC ? 0 : pk->ct_len;
		op->auth_off = ivo;
		op->auth_len = sa->kind == ESP_K_GMAC ?
		    sa->iv_len + pk->ct_len : 0;
		memcpy(op->aad, &sa->spi_be, 4);
		if (sa->esn) {
			memcpy(op->aad + 4, &hi, 4);
			memcpy(op->aad + 8, &lo, 4);
		} else {
			memcpy(op->aad + 4, &lo, 4);
		}
	}
}

static __rte_always_inline uint16_t
outb_burst(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n, const int transport)
{
	struct esp_worker *w = &sa->w[worker];
	struct outb_pkt pk[ESP_BURST_MAX];
	struct xform_op ops[ESP_BURST_MAX];
	uint8_t rc[ESP_BURST_MAX], idx[ESP_BURST_MAX];
	uint8_t ivs[ESP_BURST_MAX * 16];
	uint64_t base, bytes = 0;
	uint16_t i, j, k = 0, nops = 0, good = 0;

	if (unlikely(n > ESP_BURST_MAX))
		n = ESP_BURST_MAX;	/* callers must not; never overrun */
	for (i = 0; i < n; i++) {
		rc[i] = (uint8_t)outb_prep(sa, w, mb[i], &pk[i], transport);
		k += rc[i] == 0;
	}
	if (k == 0)
		goto out;
	base = __atomic_fetch_add(&sa->seq, k, __ATOMIC_RELAXED);
	if (sa->iv_len == 16 && !sa->iv_fixed)
		esp_cbc_ivs(sa, worker, ivs, k);
	for (i = 0, j = 0; i < n; i++) {
		uint64_t s;

		if (rc[i] != 0)
			continue;
		s = base + 1 + j;
		if (unlikely(s > sa->seq_limit || s <= base)) {
			rc[i] = ESP_DROP_SEQ_OVERFLOW;
			__atomic_store_n(&sa->seq_exhausted, 1,
			    __ATOMIC_RELEASE);
			j++;
			continue;
		}
		outb_fill(sa, mb[i], &pk[i], s, ivs + 16 * j, &ops[nops]);
		idx[nops++] = (uint8_t)i;
		j++;
	}
	xform_process_burst(sa->xs, worker, ops, nops);
	for (i = 0; i < nops; i++) {
		j = idx[i];

		if (unlikely(ops[i].status != XFORM_ST_OK)) {
			rc[j] = ESP_DROP_CRYPTO;
			continue;
		}
		if (sa->natt && (transport ?
		    (rte_pktmbuf_mtod(mb[j], uint8_t *)[0] >> 4) == 6 :
		    sa->outer_v6)) {
			struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(mb[j],
			    struct rte_ipv6_hdr *);
			struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(mb[j],
			    struct rte_udp_hdr *, pk[j].esp_off - 8);

			u->dgram_cksum = udp6_cksum(ip6, u,
			    mb[j]->pkt_len - (pk[j].esp_off - 8));
		}
		good++;
		bytes += pk[j].in_len;
	}
	esp_ctr_add(&w->packets, good);
	esp_ctr_add(&w->bytes, bytes);
out:
	esp_count(sa, worker, rc, n);
	return esp_compact(mb, reason, rc, n);
}

uint16_t
esp_outb_tunnel(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return outb_burst(sa, worker, mb, reason, n, 0);
}

uint16_t
esp_outb_transport(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return outb_burst(sa, worker, mb, reason, n, 1);
}
