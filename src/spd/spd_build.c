/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spd_build.c: compile the live policies of one (direction, address
 * family) into an rte_acl context, publish it with a release store of the
 * pointer readers load, and retire the previous classifier (with the
 * policies deleted since it was built) through the rte_rcu_qsbr defer
 * queue.  Control thread only.
 *
 * Precedence mapping: the live list is kept in precedence order (priority
 * ascending, then insertion order), so rank r (0 = best) gets ACL priority
 * RTE_ACL_MAX_PRIORITY - r ("higher wins" in rte_acl) and userdata r + 1
 * (0 means no match in rte_acl).  Ranks are dense per build, so 100k (and
 * up to ~500M) policies map exactly; the u32 KAME priority never has to fit
 * the ACL's 29-bit range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "spd_priv.h"

/* The key layout rte_acl reads in place (see struct spd_key). */
_Static_assert(offsetof(struct spd_key, proto) == 0, "proto first, 1 byte");
_Static_assert(offsetof(struct spd_key, sport) == 4, "ports group");
_Static_assert(offsetof(struct spd_key, dport) == 6, "ports group");
_Static_assert(offsetof(struct spd_key, src) == 8, "src");
_Static_assert(offsetof(struct spd_key, dst) == 24, "dst");
_Static_assert(sizeof(struct spd_key) == 40, "key size");

#define NF4 5
#define NF6 11

static uint32_t acl_ctx_counter;

/*
 * Field order: the protocol (rte_acl wants a 1-byte first field), then
 * the addresses, then the port ranges.  Addresses first keeps range
 * expansion in small subtries: with the ports second, 10,000 policies of
 * which a quarter have a port range built 8x slower.
 */
#define F_PROTO 0
#define F_ADDR 1
static void
field_defs(unsigned int af, struct rte_acl_config *cfg)
{
	struct rte_acl_field_def *d = cfg->defs;
	unsigned int i, f = 0, ii = 0, nw = af == SPD_AF_V4 ? 1 : 4;

	d[f++] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_BITMASK,
	    .size = 1, .field_index = 0, .input_index = ii++,
	    .offset = offsetof(struct spd_key, proto) };
	for (i = 0; i < nw; i++, f++)
		d[f] = (struct rte_acl_field_def){
		    .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
		    .field_index = f, .input_index = ii++,
		    .offset = offsetof(struct spd_key, src) + 4 * i };
	for (i = 0; i < nw; i++, f++)
		d[f] = (struct rte_acl_field_def){
		    .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
		    .field_index = f, .input_index = ii++,
		    .offset = offsetof(struct spd_key, dst) + 4 * i };
	d[f] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_RANGE,
	    .size = 2, .field_index = f, .input_index = ii,
	    .offset = offsetof(struct spd_key, sport) };
	f++;
	d[f] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_RANGE,
	    .size = 2, .field_index = f, .input_index = ii,
	    .offset = offsetof(struct spd_key, dport) };
	f++;
	cfg->num_fields = f;
	cfg->num_categories = 1;
	cfg->max_size = 0;
}

static void
addr_fields(struct rte_acl_field *fl, const uint8_t *a, unsigned int plen,
    unsigned int nw)
{
	unsigned int i;
	uint32_t w;

	for (i = 0; i < nw; i++) {
		int bits = (int)plen - 32 * (int)i;

		memcpy(&w, a + 4 * i, 4);
		fl[i].value.u32 = ntohl(w);
		fl[i].mask_range.u32 = bits <= 0 ? 0 : bits >= 32 ? 32 : bits;
	}
}

static void
make_rule(struct rte_acl_rule *r, const struct spd_pol *p, uint32_t rank,
    unsigned int af)
{
	const struct spd_selector *s = &p->pub.sel;
	unsigned int nw = af == SPD_AF_V4 ? 1 : 4;

	r->data.category_mask = 1;
	r->data.priority = RTE_ACL_MAX_PRIORITY - rank;
	r->data.userdata = rank + 1;
	r->field[0].value.u8 = s->proto == SPD_PROTO_ANY ? 0 : s->proto;
	r->field[0].mask_range.u8 = s->proto == SPD_PROTO_ANY ? 0 : 0xff;
	addr_fields(&r->field[F_ADDR], s->src, s->src_plen, nw);
	addr_fields(&r->field[F_ADDR + nw], s->dst, s->dst_plen, nw);
	r->field[F_ADDR + 2 * nw].value.u16 = s->sport_lo;
	r->field[F_ADDR + 2 * nw].mask_range.u16 = s->sport_hi;
	r->field[F_ADDR + 2 * nw + 1].value.u16 = s->dport_lo;
	r->field[F_ADDR + 2 * nw + 1].mask_range.u16 = s->dport_hi;
}

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats ms;
	size_t used = 0;
	int sock;

	for (sock = 0; sock < RTE_MAX_NUMA_NODES; sock++)
		if (rte_malloc_get_socket_stats(sock, &ms) == 0)
			used += ms.heap_allocsz_bytes;
	return used;
}

static struct spd_cls *
cls_build(struct spd *spd, struct spd_chunk *ch, unsigned int af, int *err)
{
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	struct spd_cls *c;
	struct spd_pol *p;
	uint8_t *rules = NULL;
	size_t rsz, before;
	uint32_t n = ch->n, i;
	char name[RTE_ACL_NAMESIZE];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	field_defs(af, &cfg);
	rsz = RTE_ACL_RULE_SZ(cfg.num_fields);

	c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->pol[0]));
	if (c == NULL)
		goto err_nomem;
	c->n = n;
	c->af = af;
	c->csel = malloc((size_t)n * sizeof(c->csel[0]));
	rules = calloc(n, rsz);
	if (c->csel == NULL || rules == NULL)
		goto err_nomem;
	for (i = 0, p = ch->first; i < n; i++, p = TAILQ_NEXT(p, link)) {
		c->pol[i] = p;
		spd_sel_compact(&p->pub.sel, &c->csel[i]);
		make_rule((struct rte_acl_rule *)(rules + i * rsz), p, i, af);
	}

	snprintf(name, sizeof(name), "spd%u_%u",
	    __atomic_fetch_add(&acl_ctx_counter, 1, __ATOMIC_RELAXED), af);
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.rule_size = rsz;
	prm.max_rule_num = n;
	before = heap_used();
	c->acl = rte_acl_create(&prm);
	if (c->acl == NULL) {
		rc = -(rte_errno ? rte_errno : ENOMEM);
		goto err;
	}
	rc = rte_acl_add_rules(c->acl, (struct rte_acl_rule *)rules, n);
	if (rc == 0)
		rc = rte_acl_build(c->acl, &cfg);
	if (rc != 0)
		goto err;
	c->acl_bytes = heap_used() - before;
	free(rules);
	return c;

err_nomem:
	rc = -ENOMEM;
err:
	free(rules);
	if (c != NULL) {
		rte_acl_free(c->acl);
		free(c->csel);
		free(c);
	}
	*err = rc;
	return NULL;
}

static void
cls_free(struct spd *spd, struct spd_cls *c)
{
	if (c == NULL)
		return;
	spd->st.acl_bytes -= c->acl_bytes;
	rte_acl_free(c->acl);
	free(c->csel);
	free(c);
}

static void
retire_contents(struct spd *spd, struct spd_retire *r)
{
	struct spd_cls *c;
	struct spd_pol *p;

	free(r->set);
	r->set = NULL;
	while ((c = r->cls) != NULL) {
		r->cls = c->rnext;
		cls_free(spd, c);
	}
	while ((p = TAILQ_FIRST(&r->pols)) != NULL) {
		TAILQ_REMOVE(&r->pols, p, link);
		p->state = SPD_POL_RETIRED;
		spd_pol_unref(spd, p);
	}
}

void
spd_retire_free(struct spd *spd, struct spd_retire *r)
{
	retire_contents(spd, r);
	free(r);
}

/*
 * The defer queue: a FIFO of retire batches stamped with
 * rte_rcu_qsbr_start() tokens, checked with rte_rcu_qsbr_check().  Our own
 * list rather than rte_rcu_qsbr_dq: unbounded (a burst of deletes never
 * makes the control thread wait), and the inline qsbr calls keep the
 * grace-period ordering visible to ThreadSanitizer.
 */
void
spd_defer_reclaim(struct spd *spd, int wait)
{
	struct spd_retire *r;

	while ((r = TAILQ_FIRST(&spd->defer)) != NULL) {
		if (rte_rcu_qsbr_check(spd->qsbr, r->token, wait != 0) != 1)
			break;
		TAILQ_REMOVE(&spd->defer, r, link);
		spd->ndefer--;
		spd_retire_free(spd, r);
	}
}

/* Hand a batch to the defer queue (or, without memory for the batch,
 * wait for the grace period here). */
static void
defer(struct spd *spd, struct spd_retire *r)
{
	struct spd_retire *q;

	if (r->set == NULL && r->cls == NULL && TAILQ_EMPTY(&r->pols))
		return;
	r->token = rte_rcu_qsbr_start(spd->qsbr);
	q = malloc(sizeof(*q));
	if (q == NULL) {
		rte_rcu_qsbr_check(spd->qsbr, r->token, true);
		retire_contents(spd, r);
		return;
	}
	*q = *r;
	TAILQ_INIT(&q->pols);
	TAILQ_CONCAT(&q->pols, &r->pols, link);
	TAILQ_INSERT_TAIL(&spd->defer, q, link);
	spd->ndefer++;
	spd_defer_reclaim(spd, 0);
}

static void
publish_set(struct spd *spd, unsigned int dir, unsigned int af,
    struct spd_set *set)
{
	__atomic_store_n(&spd->set[dir][af], set, __ATOMIC_RELEASE);
	/* Make the store globally visible before the caller returns: a
	 * classification that starts afterwards loads the new set. */
	spd_full_barrier(spd);
}

/* ---- chunks ---- */

static struct spd_chunk *
chunk_new(void)
{
	return calloc(1, sizeof(struct spd_chunk));
}

static int
last_of_chunk(const struct spd_pol *p)
{
	const struct spd_pol *nx = TAILQ_NEXT(p, link);

	return nx == NULL || nx->chunk != p->chunk;
}

/*
 * p was just linked into the live list.  Put it in the chunk of its
 * predecessor (the first chunk at the head); a chunk that grows beyond
 * chunk_max is split, except that appending at the end of the last chunk
 * starts a new one (loading policies in order leaves full chunks behind).
 * Returns 0 or -ENOMEM (p then has no chunk: caller unlinks it).
 */
static int
chunk_insert(struct spd *spd, struct spd_pol *p)
{
	struct spd_chunk_list *cl = &spd->chunks[p->pub.dir][p->af];
	struct spd_pol *prev = TAILQ_PREV(p, spd_pol_list, link);
	struct spd_chunk *ch, *nc;
	uint32_t i;
	uint8_t was_dirty;

	if (prev == NULL) {
		ch = TAILQ_FIRST(cl);
		if (ch == NULL) {
			ch = chunk_new();
			if (ch == NULL)
				return -ENOMEM;
			TAILQ_INSERT_HEAD(cl, ch, link);
		}
		ch->first = p;
	} else {
		ch = prev->chunk;
	}
	p->chunk = ch;
	ch->n++;
	was_dirty = ch->dirty;
	ch->dirty = 1;
	if (ch->n <= spd->chunk_max)
		return 0;
	nc = chunk_new();
	if (nc == NULL)
		return 0;	/* an oversized chunk still works */
	nc->dirty = 1;
	TAILQ_INSERT_AFTER(cl, ch, nc, link);
	if (last_of_chunk(p) && TAILQ_NEXT(nc, link) == NULL) {
		nc->first = p;
		nc->n = 1;
		ch->n--;
		p->chunk = nc;
		/* ch keeps its content: no rebuild for this insert. */
		ch->dirty = was_dirty;
		return 0;
	}
	/* Split in halves. */
	for (i = 0, p = ch->first; i < ch->n / 2; i++)
		p = TAILQ_NEXT(p, link);
	nc->first = p;
	nc->n = ch->n - ch->n / 2;
	ch->n /= 2;
	for (i = 0; i < nc->n; i++, p = TAILQ_NEXT(p, link))
		p->chunk = nc;
	return 0;
}

int
spd_chunk_insert(struct spd *spd, struct spd_pol *p)
{
	return chunk_insert(spd, p);
}

/* p is being unlinked from the live list (still linked). */
void
spd_chunk_remove(struct spd *spd, struct spd_pol *p)
{
	struct spd_chunk *ch = p->chunk;

	if (ch == NULL)
		return;
	if (ch->first == p)
		ch->first = last_of_chunk(p) ? NULL : TAILQ_NEXT(p, link);
	ch->n--;
	ch->dirty = 1;
	p->chunk = NULL;
}

/*
 * Rebuild the dirty chunks of (dir, af) and publish the new set; all or
 * nothing.  Retires the old set, the replaced classifiers and the zombies
 * only they reference.
 */
int
spd_commit_one(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_chunk_list *cl = &spd->chunks[dir][af];
	struct spd_chunk *ch, *next;
	struct spd_retire r;
	struct spd_set *set;
	struct spd_pol *p, *pn;
	struct spd_cls *built = NULL, *c;
	uint32_t nset = 0, i;
	int err = 0;

	/* 1. Build every dirty, non-empty chunk (chained through rnext). */
	TAILQ_FOREACH(ch, cl, link) {
		if (!ch->dirty || ch->n == 0)
			continue;
		c = cls_build(spd, ch, af, &err);
		if (c == NULL)
			goto err;
		spd->st.rebuilds++;
		c->rnext = built;
		built = c;
	}
	TAILQ_FOREACH(ch, cl, link)
		if (ch->n != 0)
			nset++;
	set = malloc(sizeof(*set) + (size_t)nset * sizeof(set->c[0]));
	if (set == NULL) {
		err = -ENOMEM;
		goto err;
	}

	/* 2. Assemble the set in chunk order; swap chunk classifiers. */
	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.pols);
	r.set = spd->set[dir][af];
	set->n = 0;
	for (ch = TAILQ_FIRST(cl); ch != NULL; ch = next) {
		next = TAILQ_NEXT(ch, link);
		if (ch->dirty || ch->n == 0) {
			if (ch->cls != NULL) {
				ch->cls->retiring = 1;
				ch->cls->rnext = r.cls;
				r.cls = ch->cls;
				ch->cls = NULL;
			}
		}
		if (ch->n == 0) {
			TAILQ_REMOVE(cl, ch, link);
			free(ch);
			continue;
		}
		if (ch->dirty) {
			/* Find its new classifier in the built chain. */
			struct spd_cls **pc;

			for (pc = &built; *pc != NULL; pc = &(*pc)->rnext)
				if ((*pc)->pol[0] == ch->first)
					break;
			c = *pc;
			*pc = c->rnext;
			c->rnext = NULL;
			ch->cls = c;
			ch->dirty = 0;
			spd->st.acl_bytes += c->acl_bytes;
			for (i = 0; i < c->n; i++)
				c->pol[i]->in_cls = c;
		}
		set->c[set->n++] = ch->cls;
	}

	/* 3. Zombies no classifier of the new set can reach. */
	for (p = TAILQ_FIRST(&spd->zombies[dir][af]); p != NULL; p = pn) {
		pn = TAILQ_NEXT(p, link);
		if (p->in_cls == NULL || p->in_cls->retiring) {
			TAILQ_REMOVE(&spd->zombies[dir][af], p, link);
			TAILQ_INSERT_TAIL(&r.pols, p, link);
		}
	}

	publish_set(spd, dir, af, set->n != 0 ? set : NULL);
	if (set->n == 0)
		free(set);
	spd->dirty[dir][af] = 0;
	defer(spd, &r);
	return 0;

err:
	while ((c = built) != NULL) {
		built = c->rnext;
		c->acl_bytes = 0;
		cls_free(spd, c);
	}
	spd->st.build_failures++;
	SPD_LOG(ERR, "%s: classifier build dir %u af %u: %s", spd->name,
	    dir, af, strerror(-err));
	return err;
}

/*
 * SPDFLUSH for (dir, af): publish "nothing", retire the old set, every
 * classifier, every zombie and every live policy in one batch.
 */
void
spd_flush_one(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_chunk_list *cl = &spd->chunks[dir][af];
	struct spd_chunk *ch;
	struct spd_retire r;
	struct spd_pol *p;

	TAILQ_FOREACH(p, &spd->live[dir][af], link) {
		p->state = SPD_POL_ZOMBIE;
		p->chunk = NULL;
		__atomic_store_n(&p->dead, 1, __ATOMIC_RELAXED);
	}
	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.pols);
	r.set = spd->set[dir][af];
	publish_set(spd, dir, af, NULL);
	while ((ch = TAILQ_FIRST(cl)) != NULL) {
		TAILQ_REMOVE(cl, ch, link);
		if (ch->cls != NULL) {
			ch->cls->rnext = r.cls;
			r.cls = ch->cls;
		}
		free(ch);
	}
	TAILQ_CONCAT(&r.pols, &spd->zombies[dir][af], link);
	TAILQ_CONCAT(&r.pols, &spd->live[dir][af], link);
	spd->nlive[dir][af] = 0;
	spd->dirty[dir][af] = 0;
	defer(spd, &r);
}
