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

static void
field_defs(unsigned int af, struct rte_acl_config *cfg)
{
	struct rte_acl_field_def *d = cfg->defs;
	unsigned int i, f = 0, ii = 0, nw = af == SPD_AF_V4 ? 1 : 4;

	d[f++] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_BITMASK,
	    .size = 1, .field_index = 0, .input_index = ii++,
	    .offset = offsetof(struct spd_key, proto) };
	d[f] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_RANGE,
	    .size = 2, .field_index = f, .input_index = ii,
	    .offset = offsetof(struct spd_key, sport) };
	f++;
	d[f] = (struct rte_acl_field_def){ .type = RTE_ACL_FIELD_TYPE_RANGE,
	    .size = 2, .field_index = f, .input_index = ii++,
	    .offset = offsetof(struct spd_key, dport) };
	f++;
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
	r->field[1].value.u16 = s->sport_lo;
	r->field[1].mask_range.u16 = s->sport_hi;
	r->field[2].value.u16 = s->dport_lo;
	r->field[2].mask_range.u16 = s->dport_hi;
	addr_fields(&r->field[3], s->src, s->src_plen, nw);
	addr_fields(&r->field[3 + nw], s->dst, s->dst_plen, nw);
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
cls_build(struct spd *spd, unsigned int dir, unsigned int af, int *err)
{
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	struct spd_cls *c;
	struct spd_pol *p;
	uint8_t *rules = NULL;
	size_t rsz, before;
	uint32_t n = spd->nlive[dir][af], i;
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
	if (n == 0)
		return c;
	c->csel = malloc((size_t)n * sizeof(c->csel[0]));
	rules = calloc(n, rsz);
	if (c->csel == NULL || rules == NULL)
		goto err_nomem;
	i = 0;
	TAILQ_FOREACH(p, &spd->live[dir][af], link) {
		c->pol[i] = p;
		spd_sel_compact(&p->pub.sel, &c->csel[i]);
		make_rule((struct rte_acl_rule *)(rules + i * rsz), p, i, af);
		i++;
	}

	snprintf(name, sizeof(name), "spd%u_%u%u",
	    __atomic_fetch_add(&acl_ctx_counter, 1, __ATOMIC_RELAXED), dir, af);
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
	struct spd_pol *p;

	cls_free(spd, r->cls);
	r->cls = NULL;
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

/*
 * Swap in cls for (dir, af) and retire the old classifier with the zombies
 * of (dir, af) and, for flush, the extra list.
 */
static int
publish(struct spd *spd, unsigned int dir, unsigned int af,
    struct spd_cls *cls, struct spd_pol_list *extra)
{
	struct spd_cls *old = spd->cls[dir][af];
	struct spd_retire tmp, *r;

	__atomic_store_n(&spd->cls[dir][af], cls, __ATOMIC_RELEASE);
	/* Readers that load after this point see cls; make the store
	 * globally visible before we return (the "immediate" contract). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (cls != NULL)
		spd->st.acl_bytes += cls->acl_bytes;

	r = malloc(sizeof(*r));
	if (r == NULL)
		r = &tmp;	/* cannot defer: wait for the grace period */
	r->cls = old;
	TAILQ_INIT(&r->pols);
	TAILQ_CONCAT(&r->pols, &spd->zombies[dir][af], link);
	if (extra != NULL)
		TAILQ_CONCAT(&r->pols, extra, link);
	if (r->cls == NULL && TAILQ_EMPTY(&r->pols)) {
		if (r != &tmp)
			free(r);
		return 0;
	}
	r->token = rte_rcu_qsbr_start(spd->qsbr);
	if (r == &tmp) {
		rte_rcu_qsbr_check(spd->qsbr, r->token, true);
		retire_contents(spd, r);
		return 0;
	}
	TAILQ_INSERT_TAIL(&spd->defer, r, link);
	spd->ndefer++;
	spd_defer_reclaim(spd, 0);
	return 0;
}

int
spd_build_publish(struct spd *spd, unsigned int dir, unsigned int af)
{
	struct spd_cls *c;
	int err = 0;

	c = cls_build(spd, dir, af, &err);
	if (c == NULL) {
		spd->st.build_failures++;
		SPD_LOG(ERR, "%s: classifier build dir %u af %u: %s", spd->name,
		    dir, af, strerror(-err));
		return err;
	}
	spd->st.rebuilds++;
	if (c->n == 0) {
		free(c);
		c = NULL;
	}
	spd->dirty[dir][af] = 0;
	return publish(spd, dir, af, c, NULL);
}

int
spd_publish_empty(struct spd *spd, unsigned int dir, unsigned int af,
    struct spd_pol_list *extra)
{
	spd->dirty[dir][af] = 0;
	return publish(spd, dir, af, NULL, extra);
}
