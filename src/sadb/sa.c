/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sa.c: the SA state machine (transition table, sa_set_state_locked()),
 * the lock-free counters workers update (sa_account(), sa_seq_reserve())
 * and small conversions (states, satypes, addresses).
 *
 * RFC 2367 states: LARVAL -> MATURE (UPDATE/ADD), MATURE -> DYING (soft
 * lifetime), {LARVAL, MATURE, DYING} -> DEAD (delete, hard lifetime,
 * larval/acquire expiry, flush). Nothing leaves DEAD and nothing returns to
 * LARVAL; DYING never becomes MATURE again (a soft-expired SA is rekeyed,
 * not revived).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/pfkeyv2.h>

#include "sad_priv.h"

static const uint8_t sa_transitions[SA_STATE_MAX][SA_STATE_MAX] = {
	/* to:         LARVAL MATURE DYING DEAD */
	[SA_LARVAL] = { 0,     1,     0,    1 },
	[SA_MATURE] = { 0,     0,     1,    1 },
	[SA_DYING]  = { 0,     0,     0,    1 },
	[SA_DEAD]   = { 0,     0,     0,    0 },
};

int
sa_transition_ok(enum sa_state from, enum sa_state to)
{
	if ((unsigned)from >= SA_STATE_MAX || (unsigned)to >= SA_STATE_MAX)
		return 0;
	return sa_transitions[from][to];
}

int
sa_set_state_locked(struct sa *sa, enum sa_state to)
{
	enum sa_state from;

	SA_ASSERT_LOCKED(sa);
	from = (enum sa_state)__atomic_load_n(&sa->state, __ATOMIC_RELAXED);
	if (!sa_transition_ok(from, to))
		return -EINVAL;
	/* Release: everything written before (keys, rt, succ) is visible to
	 * a worker that acquire-loads the new state. */
	__atomic_store_n(&sa->state, (uint32_t)to, __ATOMIC_RELEASE);
	return 0;
}

int
sa_set_state(struct sa *sa, enum sa_state to)
{
	int rc;

	sa_lock(sa);
	rc = sa_set_state_locked(sa, to);
	sa_unlock(sa);
	return rc;
}

uint8_t
sa_state_to_sadb(enum sa_state st)
{
	switch (st) {
	case SA_LARVAL:
		return SADB_SASTATE_LARVAL;
	case SA_MATURE:
		return SADB_SASTATE_MATURE;
	case SA_DYING:
		return SADB_SASTATE_DYING;
	case SA_DEAD:
	default:
		return SADB_SASTATE_DEAD;
	}
}

const char *
sa_state_name(enum sa_state st)
{
	static const char *const names[SA_STATE_MAX] = {
		"larval", "mature", "dying", "dead"
	};

	if ((unsigned)st >= SA_STATE_MAX)
		return "?";
	return names[st];
}

const char *
sa_drop_name(enum sa_drop r)
{
	static const char *const names[SA_DROP_MAX] = {
		[SA_DROP_NONE] = "none",
		[SA_DROP_LQ_SA_FULL] = "larval_queue_sa_full",
		[SA_DROP_LQ_GLOBAL_FULL] = "larval_queue_global_full",
		[SA_DROP_LQ_DEAD] = "sa_dead",
		[SA_DROP_LQ_EXPIRED] = "larval_expired",
		[SA_DROP_LQ_DELETED] = "sa_deleted",
		[SA_DROP_LQ_NO_HOOK] = "no_release_hook",
	};

	if ((unsigned)r >= SA_DROP_MAX)
		return "?";
	return names[r];
}

int
sa_proto_from_satype(uint8_t satype)
{
	switch (satype) {
	case SADB_SATYPE_UNSPEC:
		return 0;
	case SADB_SATYPE_ESP:
		return IPPROTO_ESP;
	case SADB_SATYPE_AH:
		return IPPROTO_AH;
	default:
		return -1;
	}
}

uint8_t
sa_satype_from_proto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return SADB_SATYPE_ESP;
	case IPPROTO_AH:
		return SADB_SATYPE_AH;
	default:
		return 0;
	}
}

void
sa_addr_v4(struct sa_addr *a, rte_be32_t addr)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->a.v4 = addr;
}

void
sa_addr_v6(struct sa_addr *a, const uint8_t addr[16])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->a.v6, addr, 16);
}

const char *
sa_fmt(const struct sa *sa, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	if (sa->dst.family == AF_INET || sa->dst.family == AF_INET6)
		inet_ntop(sa->dst.family, sa->dst.a.raw, ab, sizeof(ab));
	else
		snprintf(ab, sizeof(ab), "-");
	snprintf(buf, len, "0x%08x/%s", sa->spi, ab);
	return buf;
}

int
sa_account(struct sa *sa, uint32_t packets, uint64_t bytes)
{
	uint64_t p, b;
	int hard = 0;

	p = __atomic_add_fetch(&sa->packets, packets, __ATOMIC_RELAXED);
	b = __atomic_add_fetch(&sa->bytes, bytes, __ATOMIC_RELAXED);
	if ((sa->hard.packets != 0 && p >= sa->hard.packets) ||
	    (sa->hard.bytes != 0 && b >= sa->hard.bytes)) {
		__atomic_fetch_or(&sa->aflags, SA_AF_HARD_HINT,
		    __ATOMIC_RELAXED);
		hard = 1;
	} else if ((sa->soft.packets != 0 && p >= sa->soft.packets) ||
	    (sa->soft.bytes != 0 && b >= sa->soft.bytes)) {
		if (!(__atomic_load_n(&sa->aflags, __ATOMIC_RELAXED) &
		    SA_AF_SOFT_HINT))
			__atomic_fetch_or(&sa->aflags, SA_AF_SOFT_HINT,
			    __ATOMIC_RELAXED);
	}
	return hard;
}

int
sa_seq_reserve(struct sa *sa, uint32_t n, uint64_t *first)
{
	uint64_t limit, cur, next;

	if (n == 0)
		return -EINVAL;
	limit = (sa->flags & SA_F_ESN) ? UINT64_MAX : UINT32_MAX;
	cur = __atomic_load_n(&sa->seq_out, __ATOMIC_RELAXED);
	do {
		if (cur > limit - n) {
			sa_seq_exhausted(sa);
			return -ERANGE;
		}
		next = cur + n;
	} while (!__atomic_compare_exchange_n(&sa->seq_out, &cur, next, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*first = cur + 1;
	if (next >= limit - (limit >> 3) &&
	    !(__atomic_load_n(&sa->aflags, __ATOMIC_RELAXED) &
	    SA_AF_SOFT_HINT))
		__atomic_fetch_or(&sa->aflags, SA_AF_SOFT_HINT,
		    __ATOMIC_RELAXED);
	return 0;
}

void
sa_seq_exhausted(struct sa *sa)
{
	__atomic_fetch_or(&sa->aflags, SA_AF_SEQ_EXHAUSTED, __ATOMIC_RELAXED);
}

void
sa_current(const struct sa *sa, struct sa_current *cur)
{
	cur->packets = __atomic_load_n(&sa->packets, __ATOMIC_RELAXED);
	cur->bytes = __atomic_load_n(&sa->bytes, __ATOMIC_RELAXED);
	cur->addtime = sa->add_time;
	cur->usetime = sa->use_time;
}
