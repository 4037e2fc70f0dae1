/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lifetime.c: the control thread's timer work, sad_tick().
 *
 * - GETSPI (LARVAL) SAs past larval_timeout die silently (OpenBSD
 *   reserve_spi), acquire entries past acquire_timeout too; packets queued
 *   on them are freed and counted SA_DROP_LQ_EXPIRED. Both lists are in
 *   deadline order (one timeout each), so only their heads are checked.
 * - Every MATURE/DYING SA is checked against its soft and hard limits:
 *   packets and bytes (workers' atomic counters), add time, use time
 *   (first use is the first tick that sees a non-zero packet count, so
 *   use time has the tick's resolution), and the datapath's hints
 *   (sa_account() crossing a limit, sequence space exhausted). Soft:
 *   MATURE -> DYING, expire(SOFT), the SA stays usable and outbound lookups
 *   prefer a newer MATURE SA. Hard: DEAD + unlinked, expire(HARD), freed
 *   after the grace period.
 * The walk touches every SA (about 80 ms at 1M SAs): call it about once a
 * second, or set sad_params.tick_slice to check that many SAs per call,
 * resuming where the previous call stopped (a referenced cursor, as dumps
 * use). Hooks must not call sad_* writers (the walk is running).
 */
#include "sad_priv.h"

static int
limit_hit(const struct sa_lifetime *l, uint64_t pk, uint64_t by,
    const struct sa *sa, uint64_t now)
{
	if (l->packets != 0 && pk >= l->packets)
		return 1;
	if (l->bytes != 0 && by >= l->bytes)
		return 1;
	if (l->addtime != 0 && now >= sa->add_time + l->addtime)
		return 1;
	if (l->usetime != 0 && sa->use_time != 0 &&
	    now >= sa->use_time + l->usetime)
		return 1;
	return 0;
}

static void
expire_heads(struct sad *sad, struct sa_list *list, uint64_t now,
    uint64_t *counter)
{
	struct sa *sa;

	while ((sa = TAILQ_FIRST(list)) != NULL && sa->deadline <= now) {
		(*counter)++;
		sad_unlink_sa(sad, sa, SA_DROP_LQ_EXPIRED);
	}
}

static void
check_sa(struct sad *sad, struct sa *sa, uint64_t now)
{
	const struct sad_hooks *h = &sad->p.hooks;
	enum sa_state st = sa_state(sa);
	uint64_t pk, by;
	uint32_t af;

	if (!sa_state_usable(st))
		return;
	pk = __atomic_load_n(&sa->packets, __ATOMIC_RELAXED);
	by = __atomic_load_n(&sa->bytes, __ATOMIC_RELAXED);
	af = __atomic_load_n(&sa->aflags, __ATOMIC_RELAXED);
	if (sa->use_time == 0 && pk != 0)
		sa->use_time = now;
	if ((af & (SA_AF_SEQ_EXHAUSTED | SA_AF_HARD_HINT)) ||
	    limit_hit(&sa->hard, pk, by, sa, now)) {
		sad_unlink_sa(sad, sa, SA_DROP_LQ_DELETED);
		sad->expire_hard++;
		if (h->expire != NULL)
			h->expire(sa, SA_EXPIRE_HARD, h->arg);
		return;
	}
	if (st == SA_MATURE && ((af & SA_AF_SOFT_HINT) ||
	    limit_hit(&sa->soft, pk, by, sa, now))) {
		if (sa_set_state(sa, SA_DYING) != 0)
			return;
		sad->n_state[SA_MATURE]--;
		sad->n_state[SA_DYING]++;
		sad_outb_restate(sad, sa);
		sad->expire_soft++;
		sa->expired = SA_EXPIRE_SOFT;
		if (h->expire != NULL)
			h->expire(sa, SA_EXPIRE_SOFT, h->arg);
	}
}

void
sad_tick(struct sad *sad, uint64_t now)
{
	struct sa *sa, *next, *old;
	uint32_t budget;

	if (now == 0)
		now = sad_now(sad);
	expire_heads(sad, &sad->larval, now, &sad->larval_expired);
	expire_heads(sad, &sad->acquire, now, &sad->acquire_expired);

	budget = sad->p.tick_slice != 0 ? sad->p.tick_slice : UINT32_MAX;
	old = sad->tick_next;
	sad->tick_next = NULL;
	sa = old != NULL ? old : TAILQ_FIRST(&sad->all);
	for (; sa != NULL && budget != 0; sa = next) {
		next = TAILQ_NEXT(sa, all_link);
		if (!sa->zombie) {
			check_sa(sad, sa, now);
			budget--;
		}
	}
	if (sa != NULL && sad->p.tick_slice != 0) {
		/* Resume here next time; the reference keeps sa in the list
		 * (as a zombie if it is deleted meanwhile). */
		sa->refcnt++;
		sad->tick_next = sa;
	}
	if (old != NULL)
		sad_sa_unref(sad, old);
	sad_reclaim(sad);
}
