/*
 * frag.c: sizes around ESP (frag.h, docs/mtu.md): the outbound size
 * decision taken before encryption (DESIGN.md lesson 3), IPv4/IPv6
 * fragmentation, the per-SA path MTU learnt from ICMP, a token bucket for
 * ICMP errors, and per-worker reassembly of fragmented outer ESP with
 * rte_ip_frag.  The only file of the hot path that allocates mbufs
 * (STYLE.md 4): fragments and linear copies of rebuilt datagrams come
 * from the mempools' per-lcore caches.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_per_lcore.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "esp_priv.h"
#include "frag.h"

#ifndef IPPROTO_ESP
#define IPPROTO_ESP	50
#endif

#define IP6_FRAG_HDR_LEN	8

/* ---- Outbound decision ------------------------------------------------- */

void
frag_out_decide(const struct esp_sa *sa, const struct rte_mbuf *m,
    uint32_t mtu, uint32_t flags, struct frag_decision *d)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->pkt_len, hl, usable;
	bool v4 = (p[0] >> 4) == 4;

	hl = v4 ? (p[0] & 0xfu) * 4u : sizeof(struct rte_ipv6_hdr);
	usable = esp_sa_max_inner(sa, mtu, hl);
	d->mtu = usable;
	if (len <= usable) {
		d->verdict = FRAG_FITS;
		return;
	}
	if (v4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
			d->verdict = FRAG_PTB;
			return;
		}
		/*
		 * Pre-fragmentation (RFC 4459 3) needs room for at least a
		 * header and 8 bytes of payload per fragment, and a tunnel:
		 * transport mode takes whole datagrams only.
		 */
		if ((flags & FRAG_F_POSTFRAG) || sa->mode != ESP_MODE_TUNNEL ||
		    usable < hl + 8) {
			d->verdict = FRAG_POSTFRAG;
			d->mtu = mtu;
			return;
		}
		d->verdict = FRAG_PREFRAG;
		return;
	}
	/* IPv6: never tell a sender about a path below 1280 (RFC 8201 4). */
	if (usable >= FRAG_IPV6_MIN_MTU) {
		d->verdict = FRAG_PTB;
		return;
	}
	if (len <= FRAG_IPV6_MIN_MTU) {
		d->verdict = FRAG_POSTFRAG;
		d->mtu = mtu;
		return;
	}
	d->verdict = FRAG_PTB;
	d->mtu = FRAG_IPV6_MIN_MTU;
}

/* ---- Fragmentation ----------------------------------------------------- */

static RTE_DEFINE_PER_LCORE(uint32_t, frag6_id);

static uint32_t
next_frag6_id(void)
{
	uint32_t id = RTE_PER_LCORE(frag6_id);

	if (id == 0)
		id = (uint32_t)rte_rand() | 1u;
	RTE_PER_LCORE(frag6_id) = id + 1 == 0 ? 1 : id + 1;
	return id;
}

/* Make a fragment linear, complete its header and metadata. */
static int
finish_fragment(struct rte_mbuf *f, const struct rte_mbuf *m, bool v4,
    uint32_t id6)
{
	uint16_t psz;

	if (f->nb_segs > 1 && rte_pktmbuf_linearize(f) != 0)
		return -ENOMEM;
	psz = RTE_MIN(rte_pktmbuf_priv_size(f->pool),
	    rte_pktmbuf_priv_size(m->pool));
	if (psz > 0)
		memcpy(rte_mbuf_to_priv(f), rte_mbuf_to_priv(
		    (struct rte_mbuf *)(uintptr_t)m), psz);
	f->l2_len = 0;
	f->packet_type = m->packet_type;
	if (v4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(f,
		    struct rte_ipv4_hdr *);

		f->l3_len = rte_ipv4_hdr_len(ip);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_fragment_ext *fh = (void *)(rte_pktmbuf_mtod(f,
		    uint8_t *) + sizeof(struct rte_ipv6_hdr));

		/* rte_ipv6_fragment_packet() leaves the id at zero. */
		fh->id = rte_cpu_to_be_32(id6);
		f->l3_len = sizeof(struct rte_ipv6_hdr) + IP6_FRAG_HDR_LEN;
	}
	return 0;
}

int
frag_split(struct rte_mbuf *m, uint32_t mtu, struct rte_mbuf *out[],
    uint16_t nout, struct rte_mempool *direct, struct rte_mempool *indirect)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	bool v4 = (p[0] >> 4) == 4;
	uint32_t id6 = 0;
	int32_t k;
	int i, rc;

	if (mtu > UINT16_MAX)
		mtu = UINT16_MAX;
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
		uint32_t hl = rte_ipv4_hdr_len(ip);

		if (mtu < hl + 8)
			return -EINVAL;
		/* Fragment payloads are multiples of 8 (RFC 791). */
		mtu = hl + ((mtu - hl) & ~7u);
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
			ip->fragment_offset &=
			    ~rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		m->l3_len = hl;
		m->l2_len = 0;
		k = rte_ipv4_fragment_packet(m, out, nout, (uint16_t)mtu,
		    direct, indirect);
	} else if ((p[0] >> 4) == 6) {
		uint32_t fh = sizeof(struct rte_ipv6_hdr) + IP6_FRAG_HDR_LEN;

		if (mtu < fh + 8)
			return -EINVAL;
		mtu = fh + ((mtu - fh) & ~7u);
		m->l3_len = sizeof(struct rte_ipv6_hdr);
		m->l2_len = 0;
		k = rte_ipv6_fragment_packet(m, out, nout, (uint16_t)mtu,
		    direct, indirect);
		id6 = next_frag6_id();
	} else
		return -EINVAL;
	if (k < 0)
		return k == -EINVAL && nout < FRAG_MAX_OUT ? -ENOSPC : k;
	for (i = 0; i < k; i++) {
		rc = finish_fragment(out[i], m, v4, id6);
		if (rc != 0) {
			while (k > 0)
				rte_pktmbuf_free(out[--k]);
			return rc;
		}
	}
	rte_pktmbuf_free(m);
	return k;
}

/* ---- Path MTU ---------------------------------------------------------- */

int
frag_ptb_parse(const struct rte_mbuf *m, struct frag_ptb *pt)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, hl, qhl;
	const uint8_t *q, *ic;
	uint8_t qproto;

	if (len < 1)
		return -1;
	memset(pt, 0, sizeof(*pt));
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		hl = (p[0] & 0xfu) * 4u;
		if (len < hl + 8 + 20 || ip->next_proto_id != IPPROTO_ICMP ||
		    (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
			return -1;
		ic = p + hl;
		if (ic[0] != 3 || ic[1] != 4)
			return -1;
		pt->mtu = (uint32_t)ic[6] << 8 | ic[7];
		q = ic + 8;
		if ((q[0] >> 4) != 4)
			return -1;
		qhl = (q[0] & 0xfu) * 4u;
		qproto = q[9];
		if (qhl < 20 || (q[6] & 0x1f) != 0 || q[7] != 0)
			return -1;	/* not a first fragment: no SPI */
		pt->af = 4;
		memcpy(&pt->src.v4, q + 12, 4);
		memcpy(&pt->dst.v4, q + 16, 4);
		len -= hl + 8;
	} else if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip = (const void *)p;

		hl = sizeof(*ip);
		if (len < hl + 8 + 40 || ip->proto != IPPROTO_ICMPV6)
			return -1;
		ic = p + hl;
		if (ic[0] != 2 || ic[1] != 0)
			return -1;
		pt->mtu = (uint32_t)ic[4] << 24 | (uint32_t)ic[5] << 16 |
		    (uint32_t)ic[6] << 8 | ic[7];
		q = ic + 8;
		if ((q[0] >> 4) != 6)
			return -1;
		qhl = 40;
		qproto = q[6];
		pt->af = 6;
		memcpy(pt->src.v6, q + 8, 16);
		memcpy(pt->dst.v6, q + 24, 16);
		len -= hl + 8;
	} else
		return -1;
	if (qproto == IPPROTO_ESP) {
		if (len < qhl + 4)
			return -1;
		q += qhl;
	} else if (qproto == IPPROTO_UDP) {
		uint16_t sp, dp;

		if (len < qhl + 8 + 4)
			return -1;
		sp = (uint16_t)(q[qhl] << 8 | q[qhl + 1]);
		dp = (uint16_t)(q[qhl + 2] << 8 | q[qhl + 3]);
		if (sp != ESP_NATT_PORT && dp != ESP_NATT_PORT)
			return -1;
		q += qhl + 8;
	} else
		return -1;
	pt->proto = qproto;
	pt->spi = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
	return pt->spi == 0 ? -1 : 0;	/* zero: the non-ESP marker (IKE) */
}

bool
frag_ptb_matches(const struct esp_sa *sa, const struct frag_ptb *p)
{
	if (sa->dir != ESP_DIR_OUT || p->spi != rte_be_to_cpu_32(sa->spi_be))
		return false;
	if (sa->mode != ESP_MODE_TUNNEL)
		return true;
	if (sa->outer_v6) {
		const struct rte_ipv6_hdr *t = (const void *)sa->tmpl;

		return p->af == 6 && memcmp(p->src.v6, t->src_addr, 16) == 0 &&
		    memcmp(p->dst.v6, t->dst_addr, 16) == 0;
	} else {
		const struct rte_ipv4_hdr *t = (const void *)sa->tmpl;

		return p->af == 4 && p->src.v4 == t->src_addr &&
		    p->dst.v4 == t->dst_addr;
	}
}

uint32_t
frag_pmtu_get(const struct esp_sa *sa, uint64_t now)
{
	uint32_t v = __atomic_load_n(&sa->pmtu, __ATOMIC_ACQUIRE);

	if (v == 0 || now >= __atomic_load_n(&sa->pmtu_expire,
	    __ATOMIC_RELAXED))
		return 0;
	return v;
}

int
frag_pmtu_learn(struct esp_sa *sa, uint8_t af, uint32_t mtu,
    uint32_t cur_mtu, uint64_t now, uint64_t ttl)
{
	uint32_t min = af == 6 ? FRAG_IPV6_MIN_MTU : FRAG_IPV4_PMTU_MIN;
	uint32_t old;

	if (sa->dir != ESP_DIR_OUT || mtu < min || mtu >= cur_mtu)
		return -EINVAL;
	old = __atomic_load_n(&sa->pmtu, __ATOMIC_ACQUIRE);
	do {
		if (old != 0 && now < __atomic_load_n(&sa->pmtu_expire,
		    __ATOMIC_RELAXED) && mtu >= old)
			return -EINVAL;
	} while (!__atomic_compare_exchange_n(&sa->pmtu, &old, mtu, false,
	    __ATOMIC_RELEASE, __ATOMIC_ACQUIRE));
	/* A reader between the two stores sees the old expiry: harmless. */
	__atomic_store_n(&sa->pmtu_expire, now + ttl, __ATOMIC_RELEASE);
	return 0;
}

/* ---- Token bucket ------------------------------------------------------ */

void
frag_tb_init(struct frag_tb *tb, uint32_t rate, uint32_t burst, uint64_t hz,
    uint64_t now)
{
	memset(tb, 0, sizeof(*tb));
	tb->last = now;
	if (rate == 0 || burst == 0) {
		tb->cost = UINT64_MAX;
		return;
	}
	tb->cost = hz / rate > 0 ? hz / rate : 1;
	tb->cap = tb->cost * burst;
	tb->credit = tb->cap;
}

bool
frag_tb_take(struct frag_tb *tb, uint64_t now)
{
	if (tb->cost == UINT64_MAX) {
		tb->suppressed++;
		return false;
	}
	if (now > tb->last) {
		uint64_t add = now - tb->last;

		tb->credit = add >= tb->cap - tb->credit ? tb->cap :
		    tb->credit + add;
		tb->last = now;
	}
	if (tb->credit < tb->cost) {
		tb->suppressed++;
		return false;
	}
	tb->credit -= tb->cost;
	tb->sent++;
	return true;
}

/* ---- Reassembly -------------------------------------------------------- */

struct frag_rx {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
	struct rte_mempool *lin_pool;
	uint32_t max_size;
	struct frag_rx_stats st;	/* owner writes relaxed */
};

static const char *const rx_drop_names[FRAG_RX_DROP_MAX] = {
	[FRAG_RX_BAD] = "bad",
	[FRAG_RX_OVERSIZE] = "oversize",
	[FRAG_RX_INVALID] = "overlap",
	[FRAG_RX_TIMEOUT] = "timeout",
	[FRAG_RX_NOSPACE] = "table_full",
	[FRAG_RX_NOMEM] = "nomem",
};

const char *
frag_rx_drop_name(unsigned reason)
{
	return reason < FRAG_RX_DROP_MAX ? rx_drop_names[reason] : "?";
}

static inline void
rx_cnt(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

struct frag_rx *
frag_rx_create(const struct frag_rx_params *p)
{
	struct frag_rx *fr;
	uint64_t cycles;

	if (p == NULL || p->buckets == 0 || p->bucket_entries == 0 ||
	    p->bucket_entries > 16 ||
	    !rte_is_power_of_2(p->bucket_entries) || p->max_entries == 0 ||
	    p->max_entries > p->buckets * p->bucket_entries ||
	    p->timeout_ms == 0 || p->max_size > UINT16_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	fr = rte_zmalloc_socket("frag_rx", sizeof(*fr), RTE_CACHE_LINE_SIZE,
	    p->socket_id);
	if (fr == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	cycles = (rte_get_tsc_hz() + 999) / 1000 * p->timeout_ms;
	fr->tbl = rte_ip_frag_table_create(p->buckets, p->bucket_entries,
	    p->max_entries, cycles, p->socket_id);
	if (fr->tbl == NULL) {
		rte_free(fr);
		rte_errno = ENOMEM;
		return NULL;
	}
	fr->lin_pool = p->lin_pool;
	fr->max_size = p->max_size != 0 ? p->max_size : UINT16_MAX;
	return fr;
}

void
frag_rx_destroy(struct frag_rx *fr)
{
	if (fr == NULL)
		return;
	rte_ip_frag_free_death_row(&fr->dr, 0);
	/* The table frees the fragments it holds. */
	rte_ip_frag_table_destroy(fr->tbl);
	rte_free(fr);
}

bool
frag_is_fragment(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if ((p[0] >> 4) == 4)
		return rte_ipv4_frag_pkt_is_fragmented(
		    (const struct rte_ipv4_hdr *)p);
	return (p[0] >> 4) == 6 && m->data_len >= 48 &&
	    ((const struct rte_ipv6_hdr *)p)->proto == IPPROTO_FRAGMENT;
}

/*
 * Count the death row's entries past mark as drops of reason, in
 * fragments: a failed reassembly may have chained some fragments together
 * before it gave up, so one entry can hold several (received fragments
 * are single segments; dpsecd's rx pools are big enough for a frame).
 */
static void
dr_account(struct frag_rx *fr, uint32_t mark, unsigned reason)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = mark; i < fr->dr.cnt; i++)
		n += fr->dr.row[i]->nb_segs;
	if (n > 0)
		rx_cnt(&fr->st.drops[reason], n);
}

void
frag_rx_expire(struct frag_rx *fr, uint64_t now)
{
	uint32_t mark = fr->dr.cnt;

	rte_ip_frag_table_del_expired_entries(fr->tbl, &fr->dr, now);
	dr_account(fr, mark, FRAG_RX_TIMEOUT);
	rte_ip_frag_free_death_row(&fr->dr, 0);
}

uint64_t
frag_rx_flush(struct frag_rx *fr)
{
	uint64_t total = 0, n;
	uint32_t i;

	if (fr == NULL)
		return 0;
	rte_ip_frag_free_death_row(&fr->dr, 0);
	/* Every entry is "expired" at the end of time; the death row takes
	 * a bounded number per call. */
	do {
		rte_ip_frag_table_del_expired_entries(fr->tbl, &fr->dr,
		    UINT64_MAX);
		for (n = 0, i = 0; i < fr->dr.cnt; i++)
			n += fr->dr.row[i]->nb_segs;
		total += n;
		rte_ip_frag_free_death_row(&fr->dr, 0);
	} while (n > 0);
	return total;
}

/* Pre-checks rte_ip_frag does not make; returns a drop reason or -1. */
static int
check_fragment(const struct frag_rx *fr, const struct rte_mbuf *m, bool v4)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off, plen, hl;
	bool mf;

	if (v4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);

		hl = rte_ipv4_hdr_len(ip);
		plen = rte_be_to_cpu_16(ip->total_length);
		if (plen <= hl || plen > m->pkt_len)
			return FRAG_RX_BAD;
		plen -= hl;
		off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
		mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)p;
		const struct rte_ipv6_fragment_ext *fh = (const void *)(ip + 1);
		uint16_t fd = rte_be_to_cpu_16(fh->frag_data);

		hl = sizeof(*ip);
		plen = rte_be_to_cpu_16(ip->payload_len);
		if (plen <= IP6_FRAG_HDR_LEN || plen + hl > m->pkt_len)
			return FRAG_RX_BAD;
		plen -= IP6_FRAG_HDR_LEN;
		off = (uint32_t)(fd & ~7u);
		mf = (fd & 1u) != 0;
	}
	if (mf && (plen & 7u) != 0)
		return FRAG_RX_BAD;
	if (hl + off + plen > fr->max_size)
		return FRAG_RX_OVERSIZE;
	return -1;
}

/* Make a rebuilt datagram linear, in place or in a lin_pool copy. */
static struct rte_mbuf *
linear(struct frag_rx *fr, struct rte_mbuf *m)
{
	struct rte_mbuf *c;
	uint16_t psz;

	if (m->nb_segs == 1 || rte_pktmbuf_linearize(m) == 0)
		return m;
	if (fr->lin_pool == NULL || (c = rte_pktmbuf_alloc(fr->lin_pool)) ==
	    NULL)
		goto fail;
	if (rte_pktmbuf_tailroom(c) < m->pkt_len ||
	    rte_pktmbuf_read(m, 0, m->pkt_len,
	    rte_pktmbuf_append(c, (uint16_t)m->pkt_len)) == NULL) {
		rte_pktmbuf_free(c);
		goto fail;
	}
	psz = RTE_MIN(rte_pktmbuf_priv_size(c->pool),
	    rte_pktmbuf_priv_size(m->pool));
	if (psz > 0)
		memcpy(rte_mbuf_to_priv(c), rte_mbuf_to_priv(m), psz);
	c->packet_type = m->packet_type;
	c->port = m->port;
	c->l2_len = m->l2_len;
	c->l3_len = m->l3_len;
	rte_pktmbuf_free(m);
	return c;
fail:
	rx_cnt(&fr->st.drops[FRAG_RX_NOMEM], 1);
	rte_pktmbuf_free(m);
	return NULL;
}

/* One fragment: returns the rebuilt datagram or NULL (held or dropped). */
static struct rte_mbuf *
rx_one(struct frag_rx *fr, struct rte_mbuf *m, uint64_t now)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	bool v4 = (p[0] >> 4) == 4;
	struct rte_mbuf *r;
	uint32_t mark;
	int bad;

	rx_cnt(&fr->st.fragments, 1);
	bad = check_fragment(fr, m, v4);
	if (bad >= 0) {
		rx_cnt(&fr->st.drops[bad], 1);
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->l2_len = 0;
	mark = fr->dr.cnt;
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		m->l3_len = rte_ipv4_hdr_len(ip);
		r = rte_ipv4_frag_reassemble_packet(fr->tbl, &fr->dr, m, now,
		    ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		m->l3_len = sizeof(*ip) + IP6_FRAG_HDR_LEN;
		r = rte_ipv6_frag_reassemble_packet(fr->tbl, &fr->dr, m, now,
		    ip, (struct rte_ipv6_fragment_ext *)(ip + 1));
	}
	if (fr->dr.cnt > mark) {
		/*
		 * Expired entries were dropped before the burst, so what
		 * rte_ip_frag put on the death row now is either this
		 * fragment alone (no room in the table) or a whole invalid
		 * datagram (duplicate first/last, overlap, too many).
		 */
		if (fr->dr.cnt - mark == 1 && fr->dr.row[mark] == m)
			dr_account(fr, mark, FRAG_RX_NOSPACE);
		else
			dr_account(fr, mark, FRAG_RX_INVALID);
	}
	if (r == NULL)
		return NULL;
	rx_cnt(&fr->st.merged, r->nb_segs);
	r = linear(fr, r);
	if (r == NULL)
		return NULL;
	rx_cnt(&fr->st.reassembled, 1);
	r->l2_len = 0;
	if (v4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(r,
		    struct rte_ipv4_hdr *);

		r->l3_len = rte_ipv4_hdr_len(ip);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else
		r->l3_len = sizeof(struct rte_ipv6_hdr);
	return r;
}

uint16_t
frag_rx_burst(struct frag_rx *fr, struct rte_mbuf *mb[], uint16_t n,
    uint64_t now)
{
	uint16_t i, k = 0;
	struct rte_mbuf *r;

	frag_rx_expire(fr, now);
	for (i = 0; i < n; i++) {
		if (!frag_is_fragment(mb[i])) {
			mb[k++] = mb[i];
			continue;
		}
		r = rx_one(fr, mb[i], now);
		if (r != NULL)
			mb[k++] = r;
		/* Bounded: at most one datagram's fragments per packet. */
		if (fr->dr.cnt + RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1 >
		    RTE_IP_FRAG_DEATH_ROW_MBUF_LEN)
			rte_ip_frag_free_death_row(&fr->dr, 0);
	}
	rte_ip_frag_free_death_row(&fr->dr, 0);
	return k;
}

void
frag_rx_stats(const struct frag_rx *fr, struct frag_rx_stats *st)
{
	unsigned i;

	st->fragments = __atomic_load_n(&fr->st.fragments, __ATOMIC_RELAXED);
	st->reassembled = __atomic_load_n(&fr->st.reassembled,
	    __ATOMIC_RELAXED);
	st->merged = __atomic_load_n(&fr->st.merged, __ATOMIC_RELAXED);
	for (i = 0; i < FRAG_RX_DROP_MAX; i++)
		st->drops[i] = __atomic_load_n(&fr->st.drops[i],
		    __ATOMIC_RELAXED);
}
