/*
 * esp_sa.c: the per-SA ESP runtime: creation from struct esp_sa_params
 * (algorithm checks, crypto session, outer header template, replay
 * window), destruction, counters, the overhead and MTU arithmetic that
 * issue 8's size check relies on, and the small helpers the burst
 * functions share (compaction of failures, linearisation, CBC IVs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <sodium.h>

#include "esp_priv.h"

static const char *const drop_names[ESP_DROP_MAX] = {
	[ESP_DROP_NONE] = "none",
	[ESP_DROP_REPLAY] = "replay",
	[ESP_DROP_AUTH] = "auth",
	[ESP_DROP_PAD] = "bad_padding",
	[ESP_DROP_TRUNC] = "truncated",
	[ESP_DROP_NO_SA] = "no_sa",
	[ESP_DROP_POLICY] = "policy",
	[ESP_DROP_HEADROOM] = "no_headroom",
	[ESP_DROP_TAILROOM] = "no_tailroom",
	[ESP_DROP_MULTISEG] = "multi_segment",
	[ESP_DROP_SEQ_OVERFLOW] = "seq_overflow",
	[ESP_DROP_PROTO] = "unsupported",
	[ESP_DROP_NOT_ESP] = "not_esp",
	[ESP_DROP_ECN] = "ecn",
	[ESP_DROP_CRYPTO] = "crypto_error",
};

const char *
esp_drop_name(unsigned reason)
{
	if (reason >= ESP_DROP_MAX)
		return "?";
	return drop_names[reason];
}

static void
build_template(struct esp_sa *sa, const struct esp_sa_params *p)
{
	uint8_t *t = sa->tmpl;
	uint16_t off = 0;

	if (p->mode == ESP_MODE_TUNNEL && !sa->outer_v6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)t;

		ip->version_ihl = 0x45;
		ip->time_to_live = sa->ttl;
		ip->next_proto_id = sa->natt ? IPPROTO_UDP : IPPROTO_ESP;
		ip->src_addr = p->tun_src.v4;
		ip->dst_addr = p->tun_dst.v4;
		off = sizeof(*ip);
		/* the per-packet fields (ToS, length, id, DF) are added to
		 * this sum in esp_outb.c: no reload of the fresh header */
		sa->v4_sum = __rte_raw_cksum(ip, sizeof(*ip), 0);
	} else if (p->mode == ESP_MODE_TUNNEL) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)t;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->proto = sa->natt ? IPPROTO_UDP : IPPROTO_ESP;
		ip6->hop_limits = sa->ttl;
		memcpy(ip6->src_addr, p->tun_src.v6, 16);
		memcpy(ip6->dst_addr, p->tun_dst.v6, 16);
		off = sizeof(*ip6);
	}
	sa->hdr_add = off;
	if (sa->natt) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(t + off);

		u->src_port = rte_cpu_to_be_16(p->natt_sport);
		u->dst_port = rte_cpu_to_be_16(p->natt_dport);
		off += sizeof(*u);
		sa->hdr_add = off;
	}
	memcpy(t + off, &sa->spi_be, 4);
	sa->tmpl_len = off + 4;
}

static int
check_params(const struct esp_sa_params *p, const struct xform_alg **ea,
    const struct xform_alg **aa)
{
	if (p->dir != ESP_DIR_OUT && p->dir != ESP_DIR_IN)
		return EINVAL;
	if (p->mode != ESP_MODE_TUNNEL && p->mode != ESP_MODE_TRANSPORT)
		return EINVAL;
	if (p->mode == ESP_MODE_TUNNEL && p->outer_af != AF_INET &&
	    p->outer_af != AF_INET6)
		return EINVAL;
	if (p->nb_workers == 0 || p->nb_workers > RTE_MAX_LCORE)
		return EINVAL;
	if (p->replay_win > ESP_REPLAY_WIN_MAX)
		return EINVAL;
	if ((p->natt_sport == 0) != (p->natt_dport == 0))
		return EINVAL;
	if ((p->flags & ESP_F_DF_SET) && (p->flags & ESP_F_DF_CLEAR))
		return EINVAL;
	*ea = xform_alg_get(false, p->enc_alg);
	*aa = xform_alg_get(true, p->auth_alg);
	if (*ea == NULL || *aa == NULL)
		return ENOTSUP;
	if (xform_check(p->enc_alg, p->enc_key_len, p->auth_alg,
	    p->auth_key_len) != 0)
		return EINVAL;
	return 0;
}

struct esp_sa *
esp_sa_create(const struct esp_sa_params *p)
{
	const struct xform_alg *ea, *aa;
	struct esp_sa *sa;
	size_t wsz;
	int rc;

	if (p == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	rc = check_params(p, &ea, &aa);
	if (rc != 0) {
		rte_errno = rc;
		return NULL;
	}
	if (sodium_init() < 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	sa = aligned_alloc(RTE_CACHE_LINE_SIZE,
	    RTE_ALIGN_CEIL(sizeof(*sa), RTE_CACHE_LINE_SIZE));
	if (sa == NULL)
		goto err_nomem;
	memset(sa, 0, sizeof(*sa));
	sa->w = aligned_alloc(RTE_CACHE_LINE_SIZE,
	    sizeof(struct esp_worker) * p->nb_workers);
	if (sa->w == NULL)
		goto err_free_sa;
	memset(sa->w, 0, sizeof(struct esp_worker) * p->nb_workers);

	sa->spi_be = rte_cpu_to_be_32(p->spi);
	sa->flags = p->flags;
	sa->dir = p->dir;
	sa->mode = p->mode;
	sa->outer_v6 = p->mode == ESP_MODE_TUNNEL && p->outer_af == AF_INET6;
	sa->esn = (p->flags & ESP_F_ESN) != 0;
	sa->iv_len = ea->iv_len;
	sa->icv_len = ea->aead ? ea->icv_len : aa->icv_len;
	sa->align = ea->block_size > 4 ? ea->block_size : 4;
	if (p->enc_alg == SADB_X_EALG_NULL_AES_GMAC)
		sa->kind = ESP_K_GMAC;
	else if (ea->aead)
		sa->kind = ESP_K_AEAD;
	else
		sa->kind = ESP_K_CIPHER_HMAC;
	sa->natt = p->natt_sport != 0;
	sa->natt_sport = p->natt_sport;
	sa->natt_dport = p->natt_dport;
	sa->dscp = p->dscp & 0x3f;
	sa->ttl = p->ttl ? p->ttl : 64;
	sa->nb_workers = p->nb_workers;
	sa->engine = p->engine;
	sa->win_size = p->replay_win;
	sa->infer_win = p->replay_win ? p->replay_win : ESP_INFER_WIN;
	sa->seq = p->initial_seq;
	sa->seq_limit = sa->esn ? UINT64_MAX : UINT32_MAX;
	sa->replay_lock = 0;
	randombytes_buf(sa->iv_key, sizeof(sa->iv_key));
	build_template(sa, p);

	wsz = replay_win_size(p->replay_win);
	sa->win = aligned_alloc(RTE_CACHE_LINE_SIZE,
	    RTE_ALIGN_CEIL(wsz, RTE_CACHE_LINE_SIZE));
	if (sa->win == NULL)
		goto err_free_w;
	replay_init(sa->win, p->replay_win,
	    p->dir == ESP_DIR_IN ? p->initial_seq : 0);

	sa->xs = xform_session_create(p->enc_alg, p->enc_key, p->enc_key_len,
	    p->auth_alg, p->auth_key, p->auth_key_len,
	    p->dir == ESP_DIR_OUT ? XFORM_DIR_OUT : XFORM_DIR_IN,
	    sa->esn ? XFORM_F_ESN : 0,
	    p->engine < 0 ? XFORM_ENGINE_DEFAULT : (enum xform_engine)p->engine);
	if (sa->xs == NULL) {
		rc = rte_errno ? rte_errno : EINVAL;
		goto err_free_win;
	}
	sa->icv_len = xform_session_icv_len(sa->xs);

	if (p->dir == ESP_DIR_OUT)
		sa->process = p->mode == ESP_MODE_TUNNEL ? esp_outb_tunnel :
		    esp_outb_transport;
	else
		sa->process = p->mode == ESP_MODE_TUNNEL ? esp_inb_tunnel :
		    esp_inb_transport;
	return sa;

err_free_win:
	free(sa->win);
err_free_w:
	free(sa->w);
err_free_sa:
	sodium_memzero(sa, sizeof(*sa));
	free(sa);
	rte_errno = rc ? rc : ENOMEM;
	return NULL;
err_nomem:
	rte_errno = ENOMEM;
	return NULL;
}

void
esp_sa_destroy(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	xform_session_destroy(sa->xs);
	free(sa->win);
	free(sa->w);
	sodium_memzero(sa, sizeof(*sa));
	free(sa);
}

uint16_t
esp_outb_process(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return sa->process(sa, worker, mb, reason, n);
}

uint16_t
esp_inb_process(struct esp_sa *sa, unsigned worker, struct rte_mbuf *mb[],
    uint8_t reason[], uint16_t n)
{
	return sa->process(sa, worker, mb, reason, n);
}

void
esp_sa_count_drop(struct esp_sa *sa, unsigned worker, enum esp_drop reason,
    uint32_t n)
{
	if (worker >= sa->nb_workers || (unsigned)reason >= ESP_DROP_MAX)
		return;
	esp_ctr_add(&sa->w[worker].drops[reason], n);
}

void
esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st)
{
	unsigned i, r;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sa->nb_workers; i++) {
		const struct esp_worker *w = &sa->w[i];

		st->packets += __atomic_load_n(&w->packets, __ATOMIC_RELAXED);
		st->bytes += __atomic_load_n(&w->bytes, __ATOMIC_RELAXED);
		for (r = 0; r < ESP_DROP_MAX; r++)
			st->drops[r] += __atomic_load_n(&w->drops[r],
			    __ATOMIC_RELAXED);
	}
}

uint32_t
esp_sa_overhead(const struct esp_sa *sa, uint32_t pkt_len, uint32_t ip_hlen)
{
	uint32_t plen, ct;

	if (sa->mode == ESP_MODE_TRANSPORT)
		plen = pkt_len > ip_hlen ? pkt_len - ip_hlen : 0;
	else
		plen = pkt_len;
	ct = RTE_ALIGN_CEIL(plen + ESP_TRAILER_LEN, sa->align);
	return sa->hdr_add + ESP_HDR_LEN + sa->iv_len + (ct - plen) +
	    sa->icv_len;
}

uint32_t
esp_sa_max_inner(const struct esp_sa *sa, uint32_t mtu, uint32_t ip_hlen)
{
	uint32_t fixed = sa->hdr_add + ESP_HDR_LEN + sa->iv_len + sa->icv_len;
	uint32_t hl = sa->mode == ESP_MODE_TRANSPORT ? ip_hlen : 0;
	uint32_t room;

	if (mtu < fixed + hl + sa->align)
		return 0;
	/* largest aligned ciphertext that fits, minus the trailer */
	room = RTE_ALIGN_FLOOR(mtu - fixed - hl, sa->align);
	return hl + room - ESP_TRAILER_LEN;
}

bool
esp_sa_seq_exhausted(const struct esp_sa *sa)
{
	return __atomic_load_n(&sa->seq_exhausted, __ATOMIC_ACQUIRE) != 0;
}

const char *
esp_sa_engine(const struct esp_sa *sa)
{
	return xform_engine_name(xform_session_engine(sa->xs));
}

uint64_t
esp_sa_seq(const struct esp_sa *sa)
{
	uint64_t s;

	if (sa->dir == ESP_DIR_IN)
		return __atomic_load_n(&sa->win->top, __ATOMIC_ACQUIRE);
	s = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
	return s > sa->seq_limit ? sa->seq_limit : s;
}

uint32_t
esp_sa_spi(const struct esp_sa *sa)
{
	return rte_be_to_cpu_32(sa->spi_be);
}

void
esp_sa_test_fixed_iv(struct esp_sa *sa, const uint8_t *iv, unsigned len)
{
	if (len > sizeof(sa->iv_fixed_val))
		len = sizeof(sa->iv_fixed_val);
	memset(sa->iv_fixed_val, 0, sizeof(sa->iv_fixed_val));
	memcpy(sa->iv_fixed_val, iv, len);
	sa->iv_fixed = 1;
}

uint16_t
esp_compact(struct rte_mbuf *mb[], uint8_t reason[], const uint8_t rc[],
    uint16_t n)
{
	struct rte_mbuf *bad[ESP_BURST_MAX];
	uint8_t br[ESP_BURST_MAX];
	uint16_t i, k = 0, b = 0;

	for (i = 0; i < n; i++) {
		if (rc[i] == ESP_DROP_NONE) {
			mb[k++] = mb[i];
		} else {
			bad[b] = mb[i];
			br[b++] = rc[i];
		}
	}
	for (i = 0; i < b; i++) {
		mb[k + i] = bad[i];
		reason[k + i] = br[i];
	}
	return k;
}

void
esp_count(struct esp_sa *sa, unsigned worker, const uint8_t rc[], uint16_t n)
{
	struct esp_worker *w = &sa->w[worker];
	uint16_t i;

	for (i = 0; i < n; i++)
		if (rc[i] != ESP_DROP_NONE)
			esp_ctr_add(&w->drops[rc[i]], 1);
}

/*
 * CBC IVs must be unpredictable (RFC 3602 2.3).  Each worker draws them
 * from its own ChaCha20 key stream (key: random per SA; nonce: worker
 * index and a per-worker block counter), one call per burst, no syscall.
 */
void
esp_cbc_ivs(struct esp_sa *sa, unsigned worker, uint8_t *out, unsigned n)
{
	struct esp_worker *w = &sa->w[worker];
	uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
	uint64_t ctr = w->iv_ctr;
	uint32_t wk = worker;

	/* 12-byte nonce = worker (4) || burst counter (8); the stream
	 * counter inside a call starts at 0. */
	memcpy(nonce, &wk, 4);
	memcpy(nonce + 4, &ctr, 8);
	w->iv_ctr = ctr + 1;
	memset(out, 0, (size_t)n * 16);
	crypto_stream_chacha20_ietf_xor(out, out, (unsigned long long)n * 16,
	    nonce, sa->iv_key);
}
