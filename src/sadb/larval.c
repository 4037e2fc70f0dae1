/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * larval.c: the per-SA larval queue (DESIGN.md lessons 4 and 5).
 *
 * A worker that finds an SA LARVAL calls sa_larval_enqueue(): it takes the
 * SA's promotion lock and re-checks the state under it. The control thread
 * changes a LARVAL SA's state only under the same lock (sa_set_state_locked)
 * and splices the queue out in the same critical section, so a packet is
 * either queued before the change (and handed back by promotion, or freed
 * and counted by expiry/deletion) or sees the new state and is processed
 * (or refused) by the worker: never lost, never processed twice.
 *
 * The queue is a singly linked list through an mbuf dynamic field, so an
 * SA costs two pointers and a length, not an array. Drop policy: tail drop
 * (the arriving packet is refused when the SA's queue holds lq_per_sa
 * packets or all queues together hold lq_total); the first packets of a
 * flow (TCP SYN, the first ping) are the ones kept. Refused packets are
 * returned to the caller (it frees them; no free inside the lock).
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "sad_priv.h"

static int lq_next_off = -1;

#define LQ_NEXT(m) \
	(*RTE_MBUF_DYNFIELD((m), lq_next_off, struct rte_mbuf **))

int
sa_lq_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "dpsec_sadb_lq_next",
		.size = sizeof(struct rte_mbuf *),
		.align = __alignof__(struct rte_mbuf *),
	};
	int off;

	if (lq_next_off >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	lq_next_off = off;
	return 0;
}

void
sad_drop_count(struct sad *sad, enum sa_drop reason, uint32_t n)
{
	__atomic_fetch_add(&sad->drops[reason], n, __ATOMIC_RELAXED);
}

static enum sa_lq_result
lq_drop(struct sad *sad, enum sa_drop why, enum sa_drop *reason)
{
	sad_drop_count(sad, why, 1);
	if (reason != NULL)
		*reason = why;
	return SA_LQ_DROPPED;
}

enum sa_lq_result
sa_larval_enqueue(struct sa *sa, struct rte_mbuf *m, struct sa **use,
    enum sa_drop *reason)
{
	struct sad *sad = sa->sad;
	struct sa *succ;
	enum sa_state st;
	uint32_t total;

	/* Unlocked fast check: MATURE/DYING never go back to LARVAL. */
	st = sa_state(sa);
	if (sa_state_usable(st)) {
		*use = sa;
		return SA_LQ_PROCESS;
	}

	sa_lock(sa);
	st = (enum sa_state)__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE);
	switch (st) {
	case SA_MATURE:
	case SA_DYING:
		sa_unlock(sa);
		*use = sa;
		return SA_LQ_PROCESS;
	case SA_DEAD:
		/* An acquire entry resolved by a new SA hands packets that
		 * raced with the resolution to it (it is MATURE and linked
		 * before the entry died; RCU keeps it alive: see sad.c). */
		succ = sa->succ;
		sa_unlock(sa);
		if (succ != NULL) {
			*use = succ;
			return SA_LQ_PROCESS;
		}
		return lq_drop(sad, SA_DROP_LQ_DEAD, reason);
	case SA_LARVAL:
	default:
		break;
	}
	if (sa->lq_len >= sad->p.lq_per_sa) {
		sa_unlock(sa);
		return lq_drop(sad, SA_DROP_LQ_SA_FULL, reason);
	}
	total = __atomic_add_fetch(&sad->lq_current, 1, __ATOMIC_RELAXED);
	if (total > sad->p.lq_total) {
		__atomic_fetch_sub(&sad->lq_current, 1, __ATOMIC_RELAXED);
		sa_unlock(sa);
		return lq_drop(sad, SA_DROP_LQ_GLOBAL_FULL, reason);
	}
	LQ_NEXT(m) = NULL;
	if (sa->lq_tail != NULL)
		LQ_NEXT(sa->lq_tail) = m;
	else
		sa->lq_head = m;
	sa->lq_tail = m;
	sa->lq_len++;
	sa_unlock(sa);
	__atomic_fetch_add(&sad->lq_queued, 1, __ATOMIC_RELAXED);
	return SA_LQ_QUEUED;
}

uint32_t
sa_lq_splice_locked(struct sa *sa, struct rte_mbuf **head)
{
	uint32_t n;

	SA_ASSERT_LOCKED(sa);
	n = sa->lq_len;
	*head = sa->lq_head;
	sa->lq_head = NULL;
	sa->lq_tail = NULL;
	sa->lq_len = 0;
	if (n != 0)
		__atomic_fetch_sub(&sa->sad->lq_current, n, __ATOMIC_RELAXED);
	return n;
}

void
sa_lq_release(struct sad *sad, struct sa *use, struct rte_mbuf *head)
{
	struct rte_mbuf *chunk[SAD_RELEASE_CHUNK];
	struct rte_mbuf *m, *next;
	uint32_t n = 0;

	for (m = head; m != NULL; m = next) {
		next = LQ_NEXT(m);
		if (sad->p.hooks.larval_release == NULL) {
			rte_pktmbuf_free(m);
			sad_drop_count(sad, SA_DROP_LQ_NO_HOOK, 1);
			continue;
		}
		chunk[n++] = m;
		if (n == SAD_RELEASE_CHUNK || next == NULL) {
			sad->lq_released += n;
			sad->p.hooks.larval_release(use, chunk, n,
			    sad->p.hooks.arg);
			n = 0;
		}
	}
}

void
sa_lq_purge(struct sad *sad, struct rte_mbuf *head, uint32_t n,
    enum sa_drop reason)
{
	struct rte_mbuf *m, *next;

	for (m = head; m != NULL; m = next) {
		next = LQ_NEXT(m);
		rte_pktmbuf_free(m);
	}
	if (n != 0)
		sad_drop_count(sad, reason, n);
}
