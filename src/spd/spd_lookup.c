/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spd_lookup.c: burst classification by workers, lock-free.
 *
 * A worker loads the classifier pointer of (dir, af) with acquire, runs
 * rte_acl over the burst and maps each result (rank + 1) to the policy
 * object.  A policy deleted since the classifier was built carries
 * dead = 1 (stored with release by the control thread before the delete
 * returned): the worker then follows its successor (spd_update) or scans
 * the classifier's lower-precedence rules for the next live match (the
 * slow path, only until the rebuild the delete scheduled).  Nothing here
 * waits, allocates or writes shared memory except the coarse use_time.
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <rte_acl.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "spd_priv.h"

static inline int
prefix_match(const uint8_t *net, const uint8_t *a, unsigned int plen)
{
	unsigned int i, full = plen / 8, rem = plen % 8;

	for (i = 0; i < full; i++)
		if (net[i] != a[i])
			return 0;
	if (rem != 0) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));

		if ((a[full] & m) != net[full])
			return 0;
	}
	return 1;
}

int
spd_csel_match(const struct spd_csel *c, const struct spd_key *k,
    unsigned int af)
{
	uint16_t sp = ntohs(k->sport), dp = ntohs(k->dport);

	if (c->proto != SPD_PROTO_ANY && c->proto != k->proto)
		return 0;
	if (sp < c->sport_lo || sp > c->sport_hi ||
	    dp < c->dport_lo || dp > c->dport_hi)
		return 0;
	return prefix_match(c->src, k->src, c->src_plen) &&
	    prefix_match(c->dst, k->dst, c->dst_plen);
}

static int
prefix_overlap(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	/* Both pre-masked to their own lengths: compare the shorter. */
	return prefix_match(a, b, plen);
}

/* Can one key match both?  (Control thread, at delete time.) */
int
spd_csel_overlap(const struct spd_csel *a, const struct spd_csel *b)
{
	if (a->proto != SPD_PROTO_ANY && b->proto != SPD_PROTO_ANY &&
	    a->proto != b->proto)
		return 0;
	if (a->sport_hi < b->sport_lo || b->sport_hi < a->sport_lo ||
	    a->dport_hi < b->dport_lo || b->dport_hi < a->dport_lo)
		return 0;
	return prefix_overlap(a->src, b->src, RTE_MIN(a->src_plen,
	    b->src_plen)) && prefix_overlap(a->dst, b->dst,
	    RTE_MIN(a->dst_plen, b->dst_plen));
}

/* First live object of a successor chain (spd_update), or NULL. */
static inline struct spd_pol *
live_successor(const struct spd_pol *p)
{
	struct spd_pol *s;

	for (s = __atomic_load_n(&p->successor, __ATOMIC_ACQUIRE); s != NULL;
	    s = __atomic_load_n(&s->successor, __ATOMIC_ACQUIRE))
		if (!__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
			return s;
	return NULL;
}

/*
 * A hit on rank r of chunk c whose policy is dead: what the rebuilt chunk
 * would answer, from this chunk's content (at most chunk_size compares;
 * the later chunks are tried by the caller as usual).  NULL: no live
 * match in this chunk.
 */
static const struct spd_policy *
resolve_dead(const struct spd_cls *c, uint32_t r, const struct spd_key *k)
{
	struct spd_pol *p = c->pol[r], *s;
	const struct spd_cands *cd;
	uint32_t i;

	s = live_successor(p);
	if (s != NULL)
		return &s->pub;
	cd = __atomic_load_n(&p->cands, __ATOMIC_ACQUIRE);
	if (cd != NULL && cd->cls == c) {
		/* Every rule that can match k overlaps p: only those. */
		for (i = 0; i < cd->n; i++) {
			uint32_t j = cd->rank[i];

			if (!spd_csel_match(&c->csel[j], k, c->af))
				continue;
			p = c->pol[j];
			if (!__atomic_load_n(&p->dead, __ATOMIC_ACQUIRE))
				return &p->pub;
			s = live_successor(p);
			if (s != NULL)
				return &s->pub;
		}
		return NULL;
	}
	for (i = r + 1; i < c->n; i++) {
		if (!spd_csel_match(&c->csel[i], k, c->af))
			continue;
		p = c->pol[i];
		if (!__atomic_load_n(&p->dead, __ATOMIC_ACQUIRE))
			return &p->pub;
		s = live_successor(p);
		if (s != NULL)
			return &s->pub;
	}
	return NULL;
}

static inline void
note_use(struct spd_pol *p, uint64_t now)
{
	/* At most one store per policy per second per worker. */
	if (__atomic_load_n(&p->pub.use_time, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&p->pub.use_time, now, __ATOMIC_RELAXED);
}

/*
 * Keys of one address family: try the chunks in precedence order, each
 * over the keys still unresolved (a match in an earlier chunk beats any
 * match in a later one).
 */
static uint16_t
classify_af(struct spd *spd, unsigned int dir, unsigned int af,
    const struct spd_key keys[], const uint8_t *data[], uint16_t idx[],
    uint16_t n, const struct spd_policy *out[], uint64_t now)
{
	const struct spd_set *set;
	uint32_t res[SPD_BURST_MAX], ci;
	uint16_t i, k, hits = 0;

	for (i = 0; i < n; i++)
		out[idx[i]] = NULL;
	set = __atomic_load_n(&spd->set[dir][af], __ATOMIC_ACQUIRE);
	if (set == NULL)
		return 0;
	for (ci = 0; ci < set->n && n != 0; ci++) {
		const struct spd_cls *c = set->c[ci];

		if (rte_acl_classify(c->acl, data, res, n, 1) != 0)
			return hits;
		for (i = 0, k = 0; i < n; i++) {
			const struct spd_policy *pp = NULL;
			struct spd_pol *p;

			if (res[i] != 0 && res[i] <= c->n) {
				p = c->pol[res[i] - 1];
				if (likely(!__atomic_load_n(&p->dead,
				    __ATOMIC_ACQUIRE)))
					pp = &p->pub;
				else
					pp = resolve_dead(c, res[i] - 1,
					    &keys[idx[i]]);
			}
			if (pp != NULL) {
				out[idx[i]] = pp;
				note_use(spd_pol_of(pp), now);
				hits++;
			} else {
				/* Still unresolved: keep for the next
				 * chunk (compact in place). */
				data[k] = data[i];
				idx[k] = idx[i];
				k++;
			}
		}
		n = k;
	}
	return hits;
}

uint16_t
spd_classify_bulk(struct spd *spd, enum spd_dir dir,
    const struct spd_key keys[], uint16_t n, const struct spd_policy *out[])
{
	const uint8_t *d4[SPD_BURST_MAX], *d6[SPD_BURST_MAX];
	uint16_t i4[SPD_BURST_MAX], i6[SPD_BURST_MAX];
	uint16_t i, n4 = 0, n6 = 0, hits = 0;
	uint64_t now;

	if (unlikely((unsigned int)dir >= SPD_DIR_MAX))
		n = 0;
	if (n > SPD_BURST_MAX)
		n = SPD_BURST_MAX;
	for (i = 0; i < n; i++) {
		if (keys[i].af == AF_INET) {
			d4[n4] = (const uint8_t *)&keys[i];
			i4[n4++] = i;
		} else if (keys[i].af == AF_INET6) {
			d6[n6] = (const uint8_t *)&keys[i];
			i6[n6++] = i;
		} else {
			out[i] = NULL;
		}
	}
	now = __atomic_load_n(&spd->now_sec, __ATOMIC_RELAXED);
	if (n4 != 0)
		hits += classify_af(spd, dir, SPD_AF_V4, keys, d4, i4, n4, out,
		    now);
	if (n6 != 0)
		hits += classify_af(spd, dir, SPD_AF_V6, keys, d6, i6, n6, out,
		    now);
	return hits;
}

const struct spd_policy *
spd_classify(struct spd *spd, enum spd_dir dir, const struct spd_key *key)
{
	const struct spd_policy *out[1];

	spd_classify_bulk(spd, dir, key, 1, out);
	return out[0];
}

enum spd_action
spd_default_action(const struct spd *spd, enum spd_dir dir)
{
	if ((unsigned int)dir >= SPD_DIR_MAX)
		return SPD_ACT_DISCARD;
	return (enum spd_action)__atomic_load_n(&spd->def_action[dir],
	    __ATOMIC_ACQUIRE);
}
