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
#include <unistd.h>

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
 * rte_acl_create() and rte_acl_free() walk and edit DPDK's global list of
 * ACL contexts under its tailq lock, and allocate from the rte_malloc heap
 * under its lock; we also take this mutex around compiles and frees so
 * that the builder thread and the control thread are ordered in a way
 * ThreadSanitizer sees (the DPDK locks live in uninstrumented code).
 */
static pthread_mutex_t acl_list_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* Control thread: the shell of a chunk's classifier and its rules. */
static struct spd_cls *
cls_prepare(struct spd_chunk *ch, unsigned int af)
{
	struct rte_acl_config cfg;
	struct spd_cls *c;
	struct spd_pol *p;
	uint32_t n = ch->n, i;

	memset(&cfg, 0, sizeof(cfg));
	field_defs(af, &cfg);
	c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->pol[0]));
	if (c == NULL)
		return NULL;
	c->n = n;
	c->af = af;
	c->rsz = RTE_ACL_RULE_SZ(cfg.num_fields);
	c->csel = malloc((size_t)n * sizeof(c->csel[0]));
	c->rules = calloc(n, c->rsz);
	if (c->csel == NULL || c->rules == NULL) {
		free(c->csel);
		free(c->rules);
		free(c);
		return NULL;
	}
	for (i = 0, p = ch->first; i < n; i++, p = TAILQ_NEXT(p, link)) {
		c->pol[i] = p;
		spd_sel_compact(&p->pub.sel, &c->csel[i]);
		make_rule((struct rte_acl_rule *)((uint8_t *)c->rules +
		    i * c->rsz), p, i, af);
	}
	return c;
}

/* Builder thread (or control thread): compile the rules into rte_acl.
 * Touches nothing but c. */
static int
cls_compile(struct spd_cls *c)
{
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	char name[RTE_ACL_NAMESIZE];
	size_t before;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	field_defs(c->af, &cfg);
	snprintf(name, sizeof(name), "spd%u_%u",
	    __atomic_fetch_add(&acl_ctx_counter, 1, __ATOMIC_RELAXED), c->af);
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = SOCKET_ID_ANY;
	prm.rule_size = (uint32_t)c->rsz;
	prm.max_rule_num = c->n;
	/* The whole compile under the lock: it is also the only other user
	 * of the rte_malloc heap inside the SPD (see acl_list_lock). */
	pthread_mutex_lock(&acl_list_lock);
	before = heap_used();
	c->acl = rte_acl_create(&prm);
	if (c->acl == NULL) {
		pthread_mutex_unlock(&acl_list_lock);
		return -(rte_errno ? rte_errno : ENOMEM);
	}
	rc = rte_acl_add_rules(c->acl, c->rules, c->n);
	if (rc == 0)
		rc = rte_acl_build(c->acl, &cfg);
	c->acl_bytes = heap_used() - before;
	pthread_mutex_unlock(&acl_list_lock);
	if (rc != 0)
		return rc;
	free(c->rules);
	c->rules = NULL;
	return 0;
}

/*
 * With a builder thread, rte_acl contexts are freed there: all rte_malloc
 * traffic of the SPD then happens in one thread (the heap lock lives in
 * uninstrumented DPDK code, so ThreadSanitizer could not order a free
 * here against an allocation there), and the control thread does not pay
 * for the free.  Without memory for the queue, free here.
 */
static void
acl_free(struct spd *spd, struct rte_acl_ctx *acl)
{
	if (acl == NULL)
		return;
	if (spd->has_builder) {
		pthread_mutex_lock(&spd->mu);
		if (spd->nfq == spd->capfq) {
			uint32_t cap = spd->capfq ? 2 * spd->capfq : 64;
			void *q = realloc(spd->fq, cap * sizeof(spd->fq[0]));

			if (q != NULL) {
				spd->fq = q;
				spd->capfq = cap;
			}
		}
		if (spd->nfq < spd->capfq) {
			spd->fq[spd->nfq++] = acl;
			pthread_cond_signal(&spd->cv);
			pthread_mutex_unlock(&spd->mu);
			return;
		}
		pthread_mutex_unlock(&spd->mu);
	}
	pthread_mutex_lock(&acl_list_lock);
	rte_acl_free(acl);
	pthread_mutex_unlock(&acl_list_lock);
}

static void
cls_free(struct spd *spd, struct spd_cls *c)
{
	if (c == NULL)
		return;
	spd->st.acl_bytes -= c->acl_bytes;
	acl_free(spd, c->acl);
	free(c->rules);
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
 * predecessor (the first chunk at the head).  Appending at the end of the
 * last chunk starts a new chunk once that one holds chunk_append
 * policies, so a bulk load recompiles small tail chunks only; an insert
 * elsewhere that grows a chunk beyond chunk_max splits it in halves.
 * Idle chunks are merged later (spd_chunks_merge).
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
	int append;

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
	ch->gen++;
	was_dirty = ch->dirty;
	ch->dirty = 1;
	append = last_of_chunk(p) && TAILQ_NEXT(ch, link) == NULL;
	if (ch->n <= (append ? spd->chunk_append : spd->chunk_max))
		return 0;
	nc = chunk_new();
	if (nc == NULL)
		return 0;	/* an oversized chunk still works */
	nc->dirty = 1;
	TAILQ_INSERT_AFTER(cl, ch, nc, link);
	if (append) {
		nc->first = p;
		nc->n = 1;
		ch->n--;
		ch->gen--;	/* as it was */
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
/*
 * Compaction (spd_tick, when the SPD has been idle for a while and no
 * build is in flight): merge adjacent chunks of (dir, af) while the sum
 * stays <= chunk_max, so that lookups run through as few classifiers as
 * possible.  Returns 1 if anything merged (the merged chunks are dirty).
 */
int
spd_chunks_merge(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_chunk_list *cl = &spd->chunks[dir][af];
	struct spd_chunk *ch = TAILQ_FIRST(cl), *nx;
	struct spd_pol *p;
	int merged = 0;
	uint32_t i;

	while (ch != NULL && (nx = TAILQ_NEXT(ch, link)) != NULL) {
		if (ch->n + nx->n > spd->chunk_max) {
			ch = nx;
			continue;
		}
		for (i = 0, p = nx->first; i < nx->n;
		    i++, p = TAILQ_NEXT(p, link))
			p->chunk = ch;
		if (ch->n == 0)
			ch->first = nx->first;
		ch->n += nx->n;
		ch->gen++;
		ch->dirty = 1;
		TAILQ_REMOVE(cl, nx, link);
		free(nx);
		merged = 1;
	}
	return merged;
}

void
spd_chunk_remove(struct spd *spd, struct spd_pol *p)
{
	struct spd_chunk *ch = p->chunk;

	if (ch == NULL)
		return;
	if (ch->first == p)
		ch->first = last_of_chunk(p) ? NULL : TAILQ_NEXT(p, link);
	ch->n--;
	ch->gen++;
	ch->dirty = 1;
	p->chunk = NULL;
}

void
spd_cands_add(struct spd_pol *p, const struct spd_cls *c, uint32_t r)
{
	struct spd_cands *cd;
	uint32_t i, n = 0;

	for (cd = p->cands; cd != NULL; cd = cd->next)
		if (cd->cls == c)
			return;
	for (i = r + 1; i < c->n; i++)
		n += (uint32_t)spd_csel_overlap(&c->csel[r], &c->csel[i]);
	cd = malloc(sizeof(*cd) + (size_t)n * sizeof(cd->rank[0]));
	if (cd == NULL)
		return;		/* readers scan the chunk instead */
	cd->cls = c;
	cd->n = 0;
	for (i = r + 1; i < c->n; i++)
		if (spd_csel_overlap(&c->csel[r], &c->csel[i]))
			cd->rank[cd->n++] = i;
	cd->next = p->cands;
	__atomic_store_n(&p->cands, cd, __ATOMIC_RELEASE);
}

static void
job_free(struct spd *spd, struct spd_job *job, int discard)
{
	uint32_t i;

	if (discard)
		for (i = 0; i < job->n; i++)
			if (job->e[i].built)
				cls_free(spd, job->e[i].cls);
	free(job);
}

static void
job_run(struct spd_job *job)
{
	uint64_t t0 = spd_mono_ns();
	uint32_t i;
	int rc;

	for (i = 0; i < job->n; i++) {
		if (!job->e[i].built)
			continue;
		rc = cls_compile(job->e[i].cls);
		if (rc != 0) {
			job->err = rc;
			break;
		}
	}
	job->build_ns = spd_mono_ns() - t0;
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
}

static void
redirty(struct spd *spd, unsigned int dir, unsigned int af)
{
	spd->dirty[dir][af] = 1;
	if (spd->first_change_ns == 0)
		spd->first_change_ns = spd_mono_ns();
}

/* Control thread: snapshot the chunks of (dir, af), shells for the dirty
 * ones.  Frees chunks that became empty (no job is in flight). */
static struct spd_job *
job_prepare(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_chunk_list *cl = &spd->chunks[dir][af];
	struct spd_chunk *ch, *next;
	struct spd_job *job;
	uint32_t n = 0;

	for (ch = TAILQ_FIRST(cl); ch != NULL; ch = next) {
		next = TAILQ_NEXT(ch, link);
		if (ch->n == 0) {
			TAILQ_REMOVE(cl, ch, link);
			free(ch);
		} else {
			n++;
		}
	}
	job = calloc(1, sizeof(*job) + (size_t)n * sizeof(job->e[0]));
	if (job == NULL)
		return NULL;
	job->dir = dir;
	job->af = af;
	job->flush_gen = spd->flush_gen;
	TAILQ_FOREACH(ch, cl, link) {
		struct spd_job_ent *e = &job->e[job->n++];

		e->ch = ch;
		e->gen = ch->gen;
		if (ch->dirty || ch->cls == NULL) {
			e->cls = cls_prepare(ch, af);
			e->built = 1;
			if (e->cls == NULL) {
				job->n--;
				job_free(spd, job, 1);
				return NULL;
			}
		} else {
			e->cls = ch->cls;
		}
	}
	spd->dirty[dir][af] = 0;
	return job;
}

/*
 * Control thread: publish a finished job.  The new set replaces the old
 * one; classifiers of the old set that the new one does not reuse are
 * retired in one batch with the zombies that only they reference.
 */
static int
job_publish(struct spd *spd, struct spd_job *job)
{
	unsigned int dir = job->dir, af = job->af;
	struct spd_set *old = spd->set[dir][af], *set;
	struct spd_pol *p, *pn;
	struct spd_retire r;
	uint32_t i, k;

	if (job->flush_gen != spd->flush_gen) {
		job_free(spd, job, 1);	/* flushed meanwhile: stale */
		return 0;
	}
	set = job->err == 0 ? malloc(sizeof(*set) +
	    (size_t)job->n * sizeof(set->c[0])) : NULL;
	if (set == NULL) {
		int err = job->err ? job->err : -ENOMEM;

		spd->st.build_failures++;
		SPD_LOG(ERR, "%s: classifier build dir %u af %u: %s",
		    spd->name, dir, af, strerror(-err));
		job_free(spd, job, 1);
		redirty(spd, dir, af);
		return err;
	}
	set->n = job->n;
	for (i = 0; i < job->n; i++) {
		struct spd_job_ent *e = &job->e[i];
		struct spd_cls *c = e->cls;

		set->c[i] = c;
		c->keep = 1;
		if (!e->built)
			continue;
		spd->st.rebuilds++;
		spd->st.acl_bytes += c->acl_bytes;
		for (k = 0; k < c->n; k++) {
			p = c->pol[k];
			p->in_cls = c;
			p->in_rank = k;
			/* Died while the build ran: readers need its
			 * candidates in this classifier. */
			if (__atomic_load_n(&p->dead, __ATOMIC_RELAXED))
				spd_cands_add(p, c, k);
		}
		if (e->ch->gen == e->gen)
			e->ch->dirty = 0;
		e->ch->cls = c;
	}

	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.pols);
	r.set = old;
	for (i = 0; old != NULL && i < old->n; i++) {
		if (old->c[i]->keep)
			continue;
		old->c[i]->retiring = 1;
		old->c[i]->rnext = r.cls;
		r.cls = old->c[i];
	}
	for (i = 0; i < set->n; i++)
		set->c[i]->keep = 0;
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
	spd->st.last_build_ns = job->build_ns;
	job_free(spd, job, 0);
	defer(spd, &r);
	return 0;
}

/* ---- the builder thread ---- */

static void *
builder_main(void *arg)
{
	struct spd *spd = arg;
	struct spd_job *job;

	pthread_mutex_lock(&spd->mu);
	for (;;) {
		while (spd->bjob == NULL && spd->nfq == 0 && !spd->quit)
			pthread_cond_wait(&spd->cv, &spd->mu);
		while (spd->nfq != 0) {
			struct rte_acl_ctx *acl = spd->fq[--spd->nfq];

			pthread_mutex_unlock(&spd->mu);
			pthread_mutex_lock(&acl_list_lock);
			rte_acl_free(acl);
			pthread_mutex_unlock(&acl_list_lock);
			pthread_mutex_lock(&spd->mu);
		}
		if (spd->quit)
			break;
		job = spd->bjob;
		spd->bjob = NULL;
		if (job == NULL)
			continue;
		pthread_mutex_unlock(&spd->mu);
		job_run(job);
		pthread_mutex_lock(&spd->mu);
	}
	pthread_mutex_unlock(&spd->mu);
	return NULL;
}

int
spd_builder_start(struct spd *spd)
{
	if (pthread_mutex_init(&spd->mu, NULL) != 0)
		return -ENOMEM;
	if (pthread_cond_init(&spd->cv, NULL) != 0) {
		pthread_mutex_destroy(&spd->mu);
		return -ENOMEM;
	}
	if (pthread_create(&spd->builder, NULL, builder_main, spd) != 0) {
		pthread_cond_destroy(&spd->cv);
		pthread_mutex_destroy(&spd->mu);
		return -EAGAIN;
	}
	pthread_setname_np(spd->builder, "spd-build");
	spd->has_builder = 1;
	return 0;
}

void
spd_builder_stop(struct spd *spd)
{
	if (!spd->has_builder)
		return;
	spd_job_poll(spd, 1);
	pthread_mutex_lock(&spd->mu);
	spd->quit = 1;
	pthread_cond_signal(&spd->cv);
	pthread_mutex_unlock(&spd->mu);
	pthread_join(spd->builder, NULL);
	pthread_cond_destroy(&spd->cv);
	pthread_mutex_destroy(&spd->mu);
	spd->has_builder = 0;
	while (spd->nfq != 0)		/* queued after the last wakeup */
		acl_free(spd, spd->fq[--spd->nfq]);
	free(spd->fq);
	spd->fq = NULL;
}

/*
 * Publish the job in flight if it is done (or, with wait, once it is).
 * Returns 1 if one was published, 0 if none or still running, -errno.
 */
int
spd_job_poll(struct spd *spd, int wait)
{
	struct spd_job *job = spd->job;

	if (job == NULL)
		return 0;
	while (!__atomic_load_n(&job->done, __ATOMIC_ACQUIRE)) {
		if (!wait)
			return 0;
		usleep(100);
	}
	spd->job = NULL;
	return job_publish(spd, job) == 0 ? 1 : job->err ? job->err : -ENOMEM;
}

/* Start a rebuild of (dir, af): in the builder thread when there is one,
 * else inline (published at once).  No job may be in flight. */
int
spd_job_start(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_job *job = job_prepare(spd, dir, af);

	if (job == NULL) {
		redirty(spd, dir, af);
		spd->st.build_failures++;
		return -ENOMEM;
	}
	spd->job = job;
	if (spd->has_builder) {
		pthread_mutex_lock(&spd->mu);
		spd->bjob = job;
		pthread_cond_signal(&spd->cv);
		pthread_mutex_unlock(&spd->mu);
		return 0;
	}
	job_run(job);
	return spd_job_poll(spd, 1) < 0 ? -ENOMEM : 0;
}

/* Synchronous: rebuild (dir, af) now, in this thread. */
int
spd_commit_one(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_job *job;
	int rc;

	rc = spd_job_poll(spd, 1);
	if (rc < 0)
		return rc;
	if (!spd->dirty[dir][af])
		return 0;
	job = job_prepare(spd, dir, af);
	if (job == NULL) {
		redirty(spd, dir, af);
		return -ENOMEM;
	}
	job_run(job);
	return job_publish(spd, job);
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
	uint32_t i;

	spd->flush_gen++;	/* a job in flight is stale now */
	TAILQ_FOREACH(p, &spd->live[dir][af], link) {
		p->state = SPD_POL_ZOMBIE;
		p->chunk = NULL;
		__atomic_store_n(&p->dead, 1, __ATOMIC_RELAXED);
	}
	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.pols);
	r.set = spd->set[dir][af];
	publish_set(spd, dir, af, NULL);
	for (i = 0; r.set != NULL && i < r.set->n; i++) {
		r.set->c[i]->rnext = r.cls;
		r.cls = r.set->c[i];
	}
	while ((ch = TAILQ_FIRST(cl)) != NULL) {
		TAILQ_REMOVE(cl, ch, link);
		free(ch);
	}
	TAILQ_CONCAT(&r.pols, &spd->zombies[dir][af], link);
	TAILQ_CONCAT(&r.pols, &spd->live[dir][af], link);
	spd->nlive[dir][af] = 0;
	spd->dirty[dir][af] = 0;
	defer(spd, &r);
}
