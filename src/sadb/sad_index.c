/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad_index.c: the SAD's two rte_hash indexes (see sad.c for the design):
 * linking and unlinking an SA in the inbound index and in the outbound
 * template chains, choosing a chain's preferred SA, and the workers'
 * burst lookups.  Writers: the control thread only; lookups: any lcore
 * registered with the SAD's qsbr.
 */
#include <errno.h>

#include <rte_errno.h>

#include "sad_priv.h"

/* ---- indexes ------------------------------------------------------------ */

/* Add or update a key, reclaiming once, then waiting once, when full. */
static int
hash_add(struct sad *sad, struct rte_hash *h, const void *key, void *data)
{
	int rc;

	rc = rte_hash_add_key_data(h, key, data);
	if (rc != -ENOSPC)
		return rc;
	sad_reclaim(sad);
	rc = rte_hash_add_key_data(h, key, data);
	if (rc != -ENOSPC)
		return rc;
	rte_rcu_qsbr_synchronize(sad->qsbr, RTE_QSBR_THRID_INVALID);
	sad_reclaim(sad);
	return rte_hash_add_key_data(h, key, data);
}

int
sad_in_link(struct sad *sad, struct sa *sa)
{
	struct sad_in_key k;
	int rc;

	sad_in_key_from(&k, sa->proto, sa->spi, &sa->dst);
	rc = hash_add(sad, sad->in, &k, sa);
	if (rc < 0)
		return rc;
	sa->linked |= LNK_IN;
	return 0;
}

void
sad_in_unlink(struct sad *sad, struct sa *sa)
{
	struct sad_in_key k;
	int32_t pos;

	if (!(sa->linked & LNK_IN))
		return;
	sad_in_key_from(&k, sa->proto, sa->spi, &sa->dst);
	pos = rte_hash_del_key(sad->in, &k);
	RTE_VERIFY(pos >= 0);
	sa->in_pos = pos;
	sa->linked &= ~LNK_IN;
}

static int
ob_rank(const struct sa *sa, enum sa_state st)
{
	if (st == SA_MATURE)
		return 0;
	if (st == SA_DYING)
		return 1;
	return 2;
}

static void
ob_key(const struct sa *sa, int i, struct sad_out_key *k)
{
	sad_out_key_set(k, sa->proto, i == 0 ? sa->reqid : 0, &sa->src,
	    &sa->dst);
}

struct sa *
sad_ob_head(const struct sad *sad, const struct sad_out_key *k)
{
	void *data;

	if (rte_hash_lookup_data(sad->out, k, &data) < 0)
		return NULL;
	return data;
}

/* Is a (in state sa_st) preferred to b for an outbound template? */
static int
ob_better(const struct sa *a, enum sa_state a_st, const struct sa *b)
{
	int ra = ob_rank(a, a_st), rb = ob_rank(b, sa_state(b));

	return ra < rb || (ra == rb && a->add_gen > b->add_gen);
}

/* The best SA of chain i after head (the rest is unordered). */
static struct sa *
ob_best_after(struct sa *head, int i)
{
	struct sa *c, *best = NULL;

	for (c = head->ob_next[i]; c != NULL; c = c->ob_next[i])
		if (best == NULL || ob_better(c, sa_state(c), best))
			best = c;
	return best;
}

static void
ob_detach(struct sa *sa, int i)
{
	if (sa->ob_prev[i] != NULL)
		sa->ob_prev[i]->ob_next[i] = sa->ob_next[i];
	if (sa->ob_next[i] != NULL)
		sa->ob_next[i]->ob_prev[i] = sa->ob_prev[i];
	sa->ob_next[i] = NULL;
	sa->ob_prev[i] = NULL;
}

static void
ob_push_front(struct sa *sa, struct sa *head, int i)
{
	sa->ob_prev[i] = NULL;
	sa->ob_next[i] = head;
	if (head != NULL)
		head->ob_prev[i] = sa;
}

/*
 * Insert sa (whose state is, or is about to be, st) into chain i. The
 * head is the preferred SA (what the hash returns); the rest is
 * unordered, so insertion and removal of a non-head SA are O(1); only
 * removing or demoting the head scans the chain for the next best.
 */
static int
ob_insert(struct sad *sad, struct sa *sa, int i, enum sa_state st)
{
	struct sad_out_key k;
	struct sa *head;
	int rc;

	ob_key(sa, i, &k);
	head = sad_ob_head(sad, &k);
	if (head == NULL || ob_better(sa, st, head)) {
		/* New head: publish it (one atomic store if the key exists). */
		rc = hash_add(sad, sad->out, &k, sa);
		if (rc < 0)
			return rc;
		ob_push_front(sa, head, i);
	} else {
		sa->ob_prev[i] = head;
		sa->ob_next[i] = head->ob_next[i];
		if (head->ob_next[i] != NULL)
			head->ob_next[i]->ob_prev[i] = sa;
		head->ob_next[i] = sa;
	}
	sa->linked |= (i == 0) ? LNK_OUT0 : LNK_OUT1;
	return 0;
}

/* Remove sa from chain i; the key goes when the chain empties. */
static void
ob_remove(struct sad *sad, struct sa *sa, int i)
{
	struct sad_out_key k;
	struct sa *best, *rest;
	uint32_t bit = (i == 0) ? LNK_OUT0 : LNK_OUT1;
	int32_t pos;

	if (!(sa->linked & bit))
		return;
	sa->linked &= ~bit;
	if (sa->ob_prev[i] != NULL) {
		ob_detach(sa, i);
		return;
	}
	ob_key(sa, i, &k);
	RTE_VERIFY(sad_ob_head(sad, &k) == sa);
	best = ob_best_after(sa, i);
	ob_detach(sa, i);
	if (best == NULL) {
		pos = rte_hash_del_key(sad->out, &k);
		RTE_VERIFY(pos >= 0);
		sa->out_pos[i] = pos;
		return;
	}
	if (best->ob_prev[i] != NULL) {
		rest = best->ob_prev[i];
		while (rest->ob_prev[i] != NULL)
			rest = rest->ob_prev[i];
		ob_detach(best, i);
		ob_push_front(best, rest, i);
	}
	/* Updating an existing key cannot fail for lack of room. */
	RTE_VERIFY(rte_hash_add_key_data(sad->out, &k, best) == 0);
}

/*
 * Slots: slot 0 is the key with the SA's own reqid (only when it is not
 * 0), slot 1 the key with reqid 0. A key's chain always uses the same slot
 * in every SA on it. An acquire entry sits only under its template.
 */
unsigned int
sad_ob_slots(const struct sa *sa)
{
	if (sa->kind == SA_KIND_ACQUIRE)
		return sa->reqid != 0 ? 1u : 2u;
	return (sa->reqid != 0 ? 1u : 0u) | 2u;
}

int
sad_out_link(struct sad *sad, struct sa *sa, enum sa_state st)
{
	unsigned int slots = sad_ob_slots(sa);
	int i, rc;

	for (i = 0; i < 2; i++) {
		if (!(slots & (1u << i)))
			continue;
		rc = ob_insert(sad, sa, i, st);
		if (rc < 0) {
			sad_out_unlink(sad, sa);
			return rc;
		}
	}
	return 0;
}

void
sad_out_unlink(struct sad *sad, struct sa *sa)
{
	ob_remove(sad, sa, 0);
	ob_remove(sad, sa, 1);
}

/* MATURE -> DYING: if sa heads a chain, a better SA may take over. */
void
sad_outb_restate(struct sad *sad, struct sa *sa)
{
	struct sad_out_key k;
	struct sa *best, *rest;
	int i;

	for (i = 0; i < 2; i++) {
		uint32_t bit = (i == 0) ? LNK_OUT0 : LNK_OUT1;

		if (!(sa->linked & bit) || sa->ob_prev[i] != NULL)
			continue;
		best = ob_best_after(sa, i);
		if (best == NULL || !ob_better(best, sa_state(best), sa))
			continue;
		ob_key(sa, i, &k);
		RTE_VERIFY(rte_hash_add_key_data(sad->out, &k, best) == 0);
		ob_detach(best, i);
		rest = sa;
		ob_push_front(best, rest, i);
	}
}

/* ---- lookups --------------------------------------------------------- */

static uint32_t
lookup_bulk(const struct rte_hash *h, const void *const *keys, uint32_t n,
    struct sa *sa[])
{
	uint64_t hits;
	uint32_t off, m, i, total = 0;
	int rc;

	for (off = 0; off < n; off += m) {
		m = RTE_MIN(n - off, (uint32_t)RTE_HASH_LOOKUP_BULK_MAX);
		hits = 0;
		rc = rte_hash_lookup_bulk_data(h, (const void **)(uintptr_t)
		    &keys[off], m, &hits, (void **)&sa[off]);
		if (rc < 0)
			hits = 0;
		for (i = 0; i < m; i++) {
			if (!(hits & (1ULL << i)))
				sa[off + i] = NULL;
#ifdef SAD_TSAN
			else	/* pairs with the release before publication */
				(void)sa_state(sa[off + i]);
#endif
		}
		total += (uint32_t)__builtin_popcountll(hits);
	}
	return total;
}

uint32_t
sad_lookup_in(const struct sad *sad, const struct sad_in_key *const keys[],
    uint32_t n, struct sa *sa[])
{
	return lookup_bulk(sad->in, (const void *const *)keys, n, sa);
}

uint32_t
sad_lookup_out(const struct sad *sad, const struct sad_out_key *const keys[],
    uint32_t n, struct sa *sa[])
{
	return lookup_bulk(sad->out, (const void *const *)keys, n, sa);
}

uint32_t
sad_template_queued(struct sad *sad, const struct sa *sa)
{
	struct sad_out_key k;
	struct sa *c;
	unsigned int slots = sad_ob_slots(sa);
	uint32_t n = 0;
	int i;

	for (i = 0; i < 2; i++) {
		if (!(slots & (1u << i)))
			continue;
		ob_key(sa, i, &k);
		for (c = sad_ob_head(sad, &k); c != NULL; c = c->ob_next[i]) {
			if (c == sa || c->kind != SA_KIND_ACQUIRE)
				continue;
			sa_lock(c);
			n += c->lq_len;
			sa_unlock(c);
		}
	}
	return n;
}
