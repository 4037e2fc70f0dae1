/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spd.c: the policy store, owned by the control thread.  Policies live in
 * one list per (direction, address family) kept in precedence order
 * (priority ascending, then insertion order, as KAME key_insertsp and
 * Linux xfrm_policy_insert place them), plus two chained hash tables (by
 * id, by direction + normalized selector).  Writes mark the (dir, af)
 * dirty; spd_tick() coalesces rebuilds (spd_build.c).  Deletes and
 * flushes do not wait for a rebuild: the policy is marked dead (release)
 * before the call returns, a flush publishes empty classifiers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "spd_priv.h"

RTE_LOG_REGISTER(spd_logtype, dpsec.spd, NOTICE);

uint64_t
spd_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
wall_sec(void)
{
	return (uint64_t)time(NULL);
}

int
spd_af_index(uint8_t af)
{
	if (af == AF_INET)
		return SPD_AF_V4;
	if (af == AF_INET6)
		return SPD_AF_V6;
	return -1;
}

static void
mask_addr(uint8_t *dst, const uint8_t *src, unsigned int plen,
    unsigned int len)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (i >= len || plen <= 8 * i)
			dst[i] = 0;
		else if (plen >= 8 * (i + 1))
			dst[i] = src[i];
		else
			dst[i] = src[i] & (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

/* Selector with host bits and unused bytes cleared: the identity of a
 * policy (with its direction). */
static void
sel_norm(const struct spd_selector *in, struct spd_selector *out)
{
	unsigned int len = in->af == AF_INET ? 4 : 16;

	*out = *in;
	mask_addr(out->src, in->src, in->src_plen, len);
	mask_addr(out->dst, in->dst, in->dst_plen, len);
}

void
spd_sel_compact(const struct spd_selector *s, struct spd_csel *c)
{
	struct spd_selector n;

	sel_norm(s, &n);
	c->proto = n.proto;
	c->src_plen = n.src_plen;
	c->dst_plen = n.dst_plen;
	c->rsvd = 0;
	c->sport_lo = n.sport_lo;
	c->sport_hi = n.sport_hi;
	c->dport_lo = n.dport_lo;
	c->dport_hi = n.dport_hi;
	memcpy(c->src, n.src, 16);
	memcpy(c->dst, n.dst, 16);
}

static uint32_t
sel_hash(unsigned int dir, const struct spd_selector *s)
{
	struct spd_selector n;

	sel_norm(s, &n);
	return rte_jhash(&n, sizeof(n), dir);
}

static int
sel_equal(const struct spd_selector *a, const struct spd_selector *b)
{
	struct spd_selector na, nb;

	sel_norm(a, &na);
	sel_norm(b, &nb);
	return memcmp(&na, &nb, sizeof(na)) == 0;
}

/* ---- hash tables (control thread only) ---- */

static int
htab_init(struct spd_htab *h, uint32_t buckets)
{
	h->b = calloc(buckets, sizeof(h->b[0]));
	if (h->b == NULL)
		return -ENOMEM;
	h->mask = buckets - 1;
	h->n = 0;
	return 0;
}

static inline struct spd_pol **
id_next(struct spd_pol *p)
{
	return &p->id_next;
}

static inline struct spd_pol **
sel_nextp(struct spd_pol *p)
{
	return &p->sel_next;
}

static uint32_t
id_hash(uint32_t id)
{
	return rte_jhash_1word(id, 0);
}

/* Grow to keep chains short; failure to grow is harmless. */
static void
htab_grow(struct spd_htab *h, int by_id)
{
	uint32_t nb = (h->mask + 1) * 2, i;
	struct spd_pol **b, *p, *next;

	if (h->n <= h->mask + 1 || nb == 0)
		return;
	b = calloc(nb, sizeof(b[0]));
	if (b == NULL)
		return;
	for (i = 0; i <= h->mask; i++) {
		for (p = h->b[i]; p != NULL; p = next) {
			uint32_t hv = by_id ? id_hash(p->pub.id) : p->sel_hash;
			struct spd_pol **link = by_id ? id_next(p) :
			    sel_nextp(p);

			next = *link;
			*link = b[hv & (nb - 1)];
			b[hv & (nb - 1)] = p;
		}
	}
	free(h->b);
	h->b = b;
	h->mask = nb - 1;
}

static void
htab_insert(struct spd_htab *h, struct spd_pol *p, int by_id)
{
	uint32_t hv = by_id ? id_hash(p->pub.id) : p->sel_hash;
	struct spd_pol **link = by_id ? id_next(p) : sel_nextp(p);

	*link = h->b[hv & h->mask];
	h->b[hv & h->mask] = p;
	h->n++;
	htab_grow(h, by_id);
}

static void
htab_remove(struct spd_htab *h, struct spd_pol *p, int by_id)
{
	uint32_t hv = by_id ? id_hash(p->pub.id) : p->sel_hash;
	struct spd_pol **pp = &h->b[hv & h->mask];

	while (*pp != NULL && *pp != p)
		pp = by_id ? id_next(*pp) : sel_nextp(*pp);
	if (*pp == p) {
		*pp = by_id ? p->id_next : p->sel_next;
		h->n--;
	}
}

static struct spd_pol *
find_id(const struct spd *spd, uint32_t id)
{
	struct spd_pol *p;

	for (p = spd->by_id.b[id_hash(id) & spd->by_id.mask]; p != NULL;
	    p = p->id_next)
		if (p->pub.id == id)
			return p;
	return NULL;
}

static struct spd_pol *
find_sel(const struct spd *spd, unsigned int dir,
    const struct spd_selector *sel)
{
	uint32_t hv = sel_hash(dir, sel);
	struct spd_pol *p;

	for (p = spd->by_sel.b[hv & spd->by_sel.mask]; p != NULL;
	    p = p->sel_next)
		if (p->sel_hash == hv && p->pub.dir == dir &&
		    sel_equal(&p->pub.sel, sel))
			return p;
	return NULL;
}

/* ---- create / free ---- */

struct spd *
spd_create(const struct spd_params *prm)
{
	struct spd *spd;
	unsigned int d, a;

	if (prm == NULL || prm->qsbr == NULL || prm->name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	spd = calloc(1, sizeof(*spd));
	if (spd == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(spd->name, sizeof(spd->name), "%s", prm->name);
	spd->qsbr = prm->qsbr;
	for (d = 0; d < SPD_DIR_MAX; d++) {
		spd->def_action[d] = SPD_ACT_BYPASS;
		for (a = 0; a < SPD_NAF; a++) {
			TAILQ_INIT(&spd->live[d][a]);
			TAILQ_INIT(&spd->zombies[d][a]);
			TAILQ_INIT(&spd->chunks[d][a]);
		}
	}
	TAILQ_INIT(&spd->lft);
	spd->max_policies = prm->max_policies ? prm->max_policies :
	    SPD_DEFAULT_MAX_POLICIES;
	spd->quiet_ns = 1000ull * (prm->quiet_us ? prm->quiet_us :
	    SPD_DEFAULT_QUIET_US);
	spd->max_delay_ns = 1000ull * (prm->max_delay_us ? prm->max_delay_us :
	    SPD_DEFAULT_MAX_DELAY_US);
	spd->chunk_append = prm->chunk_size ? prm->chunk_size :
	    SPD_DEFAULT_CHUNK;
	spd->chunk_max = prm->chunk_max ? prm->chunk_max :
	    SPD_DEFAULT_CHUNK_MAX;
	if (spd->chunk_max < spd->chunk_append)
		spd->chunk_max = spd->chunk_append;
	spd->expire = prm->expire;
	spd->expire_arg = prm->expire_arg;
	spd->id_gen = 8;
	spd->now_sec = wall_sec();
	if (htab_init(&spd->by_id, 1024) != 0 ||
	    htab_init(&spd->by_sel, 1024) != 0)
		goto err_nomem;
	TAILQ_INIT(&spd->defer);
	if (!prm->sync_build && spd_builder_start(spd) != 0) {
		free(spd->by_id.b);
		free(spd->by_sel.b);
		free(spd);
		rte_errno = EAGAIN;
		return NULL;
	}
	return spd;

err_nomem:
	rte_errno = ENOMEM;
	free(spd->by_id.b);
	free(spd->by_sel.b);
	free(spd);
	return NULL;
}

void
spd_free(struct spd *spd)
{
	if (spd == NULL)
		return;
	spd_builder_stop(spd);
	spd_job_poll(spd, 1);
	spd_flush(spd);
	spd_defer_reclaim(spd, 1);
	free(spd->by_id.b);
	free(spd->by_sel.b);
	free(spd);
}

/* ---- policy objects ---- */

void
spd_pol_unref(struct spd *spd, struct spd_pol *p)
{
	if (--p->refcnt != 0)
		return;
	spd->st.policy_bytes -= p->size;
	while (p->cands != NULL) {
		struct spd_cands *cd = p->cands;

		p->cands = cd->next;
		free(cd);
	}
	free(p);
}

void
spd_policy_ref(const struct spd_policy *p)
{
	spd_pol_of(p)->refcnt++;
}

void
spd_policy_unref(struct spd *spd, const struct spd_policy *p)
{
	spd_pol_unref(spd, spd_pol_of(p));
}

static int
addr_ok(uint8_t af)
{
	return af == AF_INET || af == AF_INET6;
}

static int
conf_check(const struct spd_policy_conf *c)
{
	const struct spd_selector *s = &c->sel;
	unsigned int maxp, i;

	if ((unsigned int)c->dir >= SPD_DIR_MAX || !addr_ok(s->af))
		return -EINVAL;
	maxp = s->af == AF_INET ? 32 : 128;
	if (s->src_plen > maxp || s->dst_plen > maxp ||
	    s->sport_lo > s->sport_hi || s->dport_lo > s->dport_hi)
		return -EINVAL;
	if (c->blob_len > SPD_BLOB_MAX || (c->blob_len != 0 && c->blob == NULL))
		return -EINVAL;
	switch (c->action) {
	case SPD_ACT_DISCARD:
	case SPD_ACT_BYPASS:
		if (c->ntmpl != 0)
			return -EINVAL;
		break;
	case SPD_ACT_PROTECT:
		if (c->ntmpl < 1 || c->ntmpl > SPD_TMPL_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	for (i = 0; i < c->ntmpl; i++) {
		const struct spd_tmpl *t = &c->tmpl[i];

		if (t->proto != IPPROTO_ESP)
			return -EPROTONOSUPPORT;
		if (t->mode > SPD_MODE_TUNNEL || t->level > SPD_LEVEL_UNIQUE)
			return -EINVAL;
		if (t->mode == SPD_MODE_TUNNEL && !addr_ok(t->af))
			return -EINVAL;
	}
	return 0;
}

static struct spd_pol *
pol_new(struct spd *spd, const struct spd_policy_conf *c)
{
	size_t sz = sizeof(struct spd_pol) + c->blob_len;
	struct spd_pol *p = calloc(1, sz);

	if (p == NULL)
		return NULL;
	p->size = sz;
	p->pub.dir = (uint8_t)c->dir;
	p->pub.action = (uint8_t)c->action;
	p->pub.ntmpl = c->ntmpl;
	p->pub.priority = c->priority;
	p->pub.sel = c->sel;
	memcpy(p->pub.tmpl, c->tmpl, sizeof(p->pub.tmpl));
	p->pub.lft = c->lft;
	p->pub.add_time = wall_sec();
	if (c->blob_len != 0) {
		memcpy(p->blob, c->blob, c->blob_len);
		p->pub.blob = p->blob;
		p->pub.blob_len = c->blob_len;
	}
	p->af = (uint8_t)spd_af_index(c->sel.af);
	p->sel_hash = sel_hash(c->dir, &c->sel);
	p->refcnt = 1;
	p->add_mono_ns = spd_mono_ns();
	spd->st.policy_bytes += sz;
	return p;
}

static uint32_t
alloc_id(struct spd *spd, unsigned int dir, uint32_t want)
{
	uint32_t id;

	if (want != 0 && want % 8 == dir && find_id(spd, want) == NULL)
		return want;
	for (;;) {
		id = spd->id_gen | dir;
		spd->id_gen += 8;
		if (spd->id_gen < 8)
			spd->id_gen = 8;	/* wrapped */
		if (id >= 8 && find_id(spd, id) == NULL)
			return id;
	}
}

static void
mark_dirty(struct spd *spd, unsigned int dir, unsigned int af)
{
	uint64_t now = spd_mono_ns();

	spd->dirty[dir][af] = 1;
	if (spd->first_change_ns == 0)
		spd->first_change_ns = now;
	spd->last_change_ns = now;
}

/* Insert after the last policy of priority <= p's (insertion order within
 * a priority).  Usually appends: the walk starts at the tail. */
static int
link_live(struct spd *spd, struct spd_pol *p)
{
	struct spd_pol_list *l = &spd->live[p->pub.dir][p->af];
	struct spd_pol *q;

	p->seq = ++spd->seq;
	p->state = SPD_POL_LIVE;
	TAILQ_FOREACH_REVERSE(q, l, spd_pol_list, link)
		if (q->pub.priority <= p->pub.priority)
			break;
	if (q == NULL)
		TAILQ_INSERT_HEAD(l, p, link);
	else
		TAILQ_INSERT_AFTER(l, q, p, link);
	if (spd_chunk_insert(spd, p) != 0) {
		TAILQ_REMOVE(l, p, link);
		return -ENOMEM;
	}
	spd->nlive[p->pub.dir][p->af]++;
	spd->count++;
	htab_insert(&spd->by_id, p, 1);
	htab_insert(&spd->by_sel, p, 0);
	if (p->pub.lft.soft_add || p->pub.lft.hard_add ||
	    p->pub.lft.soft_use || p->pub.lft.hard_use)
		TAILQ_INSERT_TAIL(&spd->lft, p, lft_link);
	mark_dirty(spd, p->pub.dir, p->af);
	return 0;
}

/* Unlink from the store and make it a zombie of its (dir, af). */
static void
unlink_live(struct spd *spd, struct spd_pol *p, struct spd_pol *successor)
{
	unsigned int d = p->pub.dir, a = p->af;

	spd_chunk_remove(spd, p);
	TAILQ_REMOVE(&spd->live[d][a], p, link);
	htab_remove(&spd->by_id, p, 1);
	htab_remove(&spd->by_sel, p, 0);
	if (p->pub.lft.soft_add || p->pub.lft.hard_add ||
	    p->pub.lft.soft_use || p->pub.lft.hard_use)
		TAILQ_REMOVE(&spd->lft, p, lft_link);
	spd->nlive[d][a]--;
	spd->count--;
	/* Before p dies: the rules after it in the classifier readers
	 * hold that overlap it, so that a reader that hits the dead p
	 * tests those few instead of the rest of the chunk. */
	if (p->in_cls != NULL)
		spd_cands_add(p, p->in_cls, p->in_rank);
	if (successor != NULL)
		__atomic_store_n(&p->successor, successor, __ATOMIC_RELEASE);
	__atomic_store_n(&p->dead, 1, __ATOMIC_RELEASE);
	p->state = SPD_POL_ZOMBIE;
	TAILQ_INSERT_TAIL(&spd->zombies[d][a], p, link);
	mark_dirty(spd, d, a);
}

static int
insert(struct spd *spd, const struct spd_policy_conf *conf,
    const struct spd_policy **out, int update)
{
	struct spd_pol *old, *p;
	int rc;

	rc = conf_check(conf);
	if (rc != 0)
		return rc;
	old = find_sel(spd, conf->dir, &conf->sel);
	if (old != NULL && !update)
		return -EEXIST;
	if (old == NULL && spd->count >= spd->max_policies)
		return -ENOSPC;
	p = pol_new(spd, conf);
	if (p == NULL)
		return -ENOMEM;
	p->pub.id = old != NULL ? old->pub.id :
	    alloc_id(spd, conf->dir, update ? 0 : conf->id);
	/* For an update, both objects sit in the hashes until old is
	 * unlinked (removal is by pointer). */
	rc = link_live(spd, p);
	if (rc != 0) {
		spd_pol_unref(spd, p);
		return rc;
	}
	if (old != NULL) {
		/* The new object is reachable (successor) before old is
		 * marked dead; both stores are release. */
		unlink_live(spd, old, p);
	}
	spd_full_barrier(spd);
	if (out != NULL)
		*out = &p->pub;
	return 0;
}

int
spd_add(struct spd *spd, const struct spd_policy_conf *conf,
    const struct spd_policy **out)
{
	return insert(spd, conf, out, 0);
}

int
spd_update(struct spd *spd, const struct spd_policy_conf *conf,
    const struct spd_policy **out)
{
	return insert(spd, conf, out, 1);
}

int
spd_delete_by_selector(struct spd *spd, enum spd_dir dir,
    const struct spd_selector *sel)
{
	struct spd_pol *p;

	if ((unsigned int)dir >= SPD_DIR_MAX || sel == NULL ||
	    !addr_ok(sel->af))
		return -ENOENT;
	p = find_sel(spd, dir, sel);
	if (p == NULL)
		return -ENOENT;
	unlink_live(spd, p, NULL);
	spd_full_barrier(spd);
	return 0;
}

int
spd_delete_by_id(struct spd *spd, uint32_t id)
{
	struct spd_pol *p = find_id(spd, id);

	if (p == NULL)
		return -ENOENT;
	unlink_live(spd, p, NULL);
	spd_full_barrier(spd);
	return 0;
}

uint32_t
spd_flush(struct spd *spd)
{
	uint32_t n = spd->count;
	unsigned int d, a;

	for (d = 0; d < SPD_DIR_MAX; d++)
		for (a = 0; a < SPD_NAF; a++)
			spd_flush_one(spd, d, a);
	TAILQ_INIT(&spd->lft);
	memset(spd->by_id.b, 0, (spd->by_id.mask + 1) * sizeof(void *));
	memset(spd->by_sel.b, 0, (spd->by_sel.mask + 1) * sizeof(void *));
	spd->by_id.n = 0;
	spd->by_sel.n = 0;
	spd->count = 0;
	spd->first_change_ns = 0;
	return n;
}

const struct spd_policy *
spd_get_by_id(const struct spd *spd, uint32_t id)
{
	struct spd_pol *p = find_id(spd, id);

	return p != NULL ? &p->pub : NULL;
}

const struct spd_policy *
spd_find(const struct spd *spd, enum spd_dir dir,
    const struct spd_selector *sel)
{
	struct spd_pol *p;

	if ((unsigned int)dir >= SPD_DIR_MAX || sel == NULL ||
	    !addr_ok(sel->af))
		return NULL;
	p = find_sel(spd, dir, sel);
	return p != NULL ? &p->pub : NULL;
}

uint32_t
spd_count(const struct spd *spd)
{
	return spd->count;
}

/* ---- snapshots ---- */

struct spd_snapshot {
	struct spd *spd;
	uint32_t n;
	struct spd_pol *p[];
};

struct spd_snapshot *
spd_snapshot_create(struct spd *spd, int dir)
{
	struct spd_snapshot *s;
	unsigned int d, a, d0 = 0, d1 = SPD_DIR_MAX;
	uint32_t n = 0;
	struct spd_pol *p;

	if (dir >= 0) {
		if (dir >= SPD_DIR_MAX) {
			rte_errno = EINVAL;
			return NULL;
		}
		d0 = dir;
		d1 = dir + 1;
	}
	for (d = d0; d < d1; d++)
		for (a = 0; a < SPD_NAF; a++)
			n += spd->nlive[d][a];
	s = malloc(sizeof(*s) + (size_t)n * sizeof(s->p[0]));
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->spd = spd;
	s->n = 0;
	for (d = d0; d < d1; d++)
		for (a = 0; a < SPD_NAF; a++)
			TAILQ_FOREACH(p, &spd->live[d][a], link) {
				p->refcnt++;
				s->p[s->n++] = p;
			}
	return s;
}

uint32_t
spd_snapshot_count(const struct spd_snapshot *s)
{
	return s->n;
}

const struct spd_policy *
spd_snapshot_get(const struct spd_snapshot *s, uint32_t i)
{
	return i < s->n ? &s->p[i]->pub : NULL;
}

void
spd_snapshot_free(struct spd_snapshot *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		spd_pol_unref(s->spd, s->p[i]);
	free(s);
}

/* ---- defaults, commit, tick, reclaim ---- */

int
spd_set_default(struct spd *spd, enum spd_dir dir, enum spd_action act)
{
	if ((unsigned int)dir >= SPD_DIR_MAX ||
	    (act != SPD_ACT_BYPASS && act != SPD_ACT_DISCARD))
		return -EINVAL;
	__atomic_store_n(&spd->def_action[dir], act, __ATOMIC_RELEASE);
	spd_full_barrier(spd);
	return 0;
}

int
spd_pending(const struct spd *spd)
{
	return spd->first_change_ns != 0 || spd->job != NULL;
}

static int
any_dirty_except(const struct spd *spd, unsigned int dd, unsigned int aa)
{
	unsigned int d, a;

	for (d = 0; d < SPD_DIR_MAX; d++)
		for (a = 0; a < SPD_NAF; a++)
			if (spd->dirty[d][a] && (d != dd || a != aa))
				return 1;
	return 0;
}

static int
any_dirty(const struct spd *spd)
{
	unsigned int d, a;

	for (d = 0; d < SPD_DIR_MAX; d++)
		for (a = 0; a < SPD_NAF; a++)
			if (spd->dirty[d][a])
				return 1;
	return 0;
}

int
spd_commit(struct spd *spd)
{
	unsigned int d, a;
	int rc, ret = 0;

	rc = spd_job_poll(spd, 1);
	if (rc < 0)
		ret = rc;
	for (d = 0; d < SPD_DIR_MAX; d++)
		for (a = 0; a < SPD_NAF; a++) {
			rc = spd_commit_one(spd, d, a);
			if (rc != 0)
				ret = rc;
		}
	if (!any_dirty(spd))
		spd->first_change_ns = 0;
	return ret;
}

static void
run_lifetimes(struct spd *spd, uint64_t now_ns)
{
	struct spd_pol *p, *next;
	uint64_t wall = wall_sec();

	for (p = TAILQ_FIRST(&spd->lft); p != NULL; p = next) {
		const struct spd_lifetime *l = &p->pub.lft;
		uint64_t age = (now_ns - p->add_mono_ns) / 1000000000ull;
		uint64_t used = __atomic_load_n(&p->pub.use_time,
		    __ATOMIC_RELAXED);
		uint64_t idle = used != 0 && wall > used ? wall - used :
		    used != 0 ? 0 : age;
		int hard, soft;

		next = TAILQ_NEXT(p, lft_link);
		hard = (l->hard_add && age >= l->hard_add) ||
		    (l->hard_use && idle >= l->hard_use);
		soft = (l->soft_add && age >= l->soft_add) ||
		    (l->soft_use && idle >= l->soft_use);
		if (hard) {
			if (spd->expire != NULL)
				spd->expire(spd, &p->pub, 1, spd->expire_arg);
			unlink_live(spd, p, NULL);
		} else if (soft && !p->soft_sent) {
			p->soft_sent = 1;
			if (spd->expire != NULL)
				spd->expire(spd, &p->pub, 0, spd->expire_arg);
		}
	}
	spd_full_barrier(spd);
}

/*
 * Start the rebuild of the next dirty (dir, af), round robin.  The
 * coalescing rule: when no change came for quiet_ns, or the oldest change
 * not yet in a build is max_delay_ns old.
 */
int
spd_tick(struct spd *spd, uint64_t now_ns)
{
	int rc, ret = 0;
	unsigned int i;

	__atomic_store_n(&spd->now_sec, wall_sec(), __ATOMIC_RELAXED);
	if (now_ns - spd->last_lft_ns >= 1000000000ull ||
	    now_ns < spd->last_lft_ns) {
		spd->last_lft_ns = now_ns;
		if (!TAILQ_EMPTY(&spd->lft))
			run_lifetimes(spd, now_ns);
	}
	rc = spd_job_poll(spd, 0);
	if (rc != 0)
		ret = rc;
	if (spd->job == NULL && spd->first_change_ns == 0 &&
	    now_ns - spd->last_change_ns >= SPD_COMPACT_IDLE_NS) {
		/* Idle: merge small chunks, one (dir, af) per tick. */
		for (i = 0; i < SPD_DIR_MAX * SPD_NAF; i++) {
			unsigned int d = i / SPD_NAF, a = i % SPD_NAF;

			if (spd_chunks_merge(spd, d, a)) {
				rc = spd_job_start(spd, d, a);
				return rc < 0 ? rc : spd->job == NULL ? 1 : ret;
			}
		}
	}
	if (spd->job != NULL || spd->first_change_ns == 0)
		return ret;
	if (now_ns - spd->last_change_ns < spd->quiet_ns &&
	    now_ns - spd->first_change_ns < spd->max_delay_ns)
		return ret;
	for (i = 0; i < SPD_DIR_MAX * SPD_NAF; i++) {
		unsigned int k = (spd->rr + i) % (SPD_DIR_MAX * SPD_NAF);
		unsigned int d = k / SPD_NAF, a = k % SPD_NAF;

		if (!spd->dirty[d][a])
			continue;
		spd->rr = k + 1;
		if (!any_dirty_except(spd, d, a))
			spd->first_change_ns = 0;
		rc = spd_job_start(spd, d, a);
		if (rc < 0)
			return rc;
		/* Inline builds are published already. */
		return spd->job == NULL ? 1 : ret;
	}
	spd->first_change_ns = 0;
	return ret;
}

void
spd_reclaim(struct spd *spd)
{
	spd_defer_reclaim(spd, 0);
}

void
spd_stats_get(const struct spd *spd, struct spd_stats *st)
{
	*st = spd->st;
}
