/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad_priv.h: internals of the SADB, shared by its files and its tests
 * only. Nothing outside src/sadb/ and tests/sadb/ includes this.
 */
#ifndef DPSEC_SAD_PRIV_H
#define DPSEC_SAD_PRIV_H

#include <assert.h>
#include <sys/queue.h>

#include <rte_hash.h>
#include <rte_log.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "sad.h"

extern int sad_logtype;
#define SAD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, sad_logtype, "sadb: " fmt "\n", \
	    ##__VA_ARGS__)

#ifdef NDEBUG
#define SA_ASSERT_LOCKED(sa)	do { } while (0)
#else
#define SA_ASSERT_LOCKED(sa)	assert(rte_spinlock_is_locked(&(sa)->lock))
#endif

/*
 * The per-SA promotion lock is an rte_spinlock_t (rte_spinlock_is_locked()
 * works on it) taken with __atomic builtins rather than DPDK's x86 inline
 * asm, so ThreadSanitizer sees the ordering it provides.
 */
static inline void
sa_lock(struct sa *sa)
{
	while (__atomic_exchange_n(&sa->lock.locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&sa->lock.locked, __ATOMIC_RELAXED))
			rte_pause();
}

static inline void
sa_unlock(struct sa *sa)
{
	__atomic_store_n(&sa->lock.locked, 0, __ATOMIC_RELEASE);
}

/* ThreadSanitizer cannot see the ordering inside uninstrumented DPDK
 * (rte_hash publication, the defer queue's grace check); under TSan we
 * repeat it with instrumented acquire loads (sad.c). */
#if defined(__SANITIZE_THREAD__)
#define SAD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SAD_TSAN 1
#endif
#endif

TAILQ_HEAD(sa_list, sa);

struct sad_dump {
	TAILQ_ENTRY(sad_dump) link;	/* sad->dumps */
	struct sad	*sad;
	struct sa	*pos;		/* last SA returned (ref held) or NULL */
	uint64_t	snap_gen;	/* SAs with add_gen <= snap_gen ... */
	uint32_t	count;		/* ... and del_gen == 0 or > snap_gen */
	uint32_t	emitted;
	uint8_t		proto;
	uint8_t		started;
	uint8_t		done;
};
TAILQ_HEAD(sad_dump_list, sad_dump);

struct sad {
	struct rte_hash	*in;		/* (spi, dst, proto) -> sa */
	struct rte_hash	*out;		/* template -> preferred sa */
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;	/* deleted SAs awaiting grace */
	struct sad_params p;		/* with defaults applied */

	/* [C] control thread */
	struct sa_list	all;		/* every SA, add order (incl. zombies) */
	struct sa_list	larval;		/* GETSPI SAs, deadline order */
	struct sa_list	acquire;	/* acquire entries, deadline order */
	struct sa_list	zombies;	/* deleted, kept for running dumps */
	struct sad_dump_list dumps;
	struct sa	*tick_next;	/* next SA sad_tick checks (ref held) */
	uint32_t	n_dumps;
	uint64_t	gen;		/* add/delete generation counter */
	uint32_t	n_sa;		/* linked SAs */
	uint32_t	n_state[SA_STATE_MAX];
	uint32_t	n_pending;	/* zombies + in the defer queue */
	uint64_t	expire_soft;
	uint64_t	expire_hard;
	uint64_t	larval_expired;
	uint64_t	acquire_expired;
	uint64_t	spi_exhausted;
	uint64_t	lq_released;
	/* test-only: called after a SA is wiped, before free */
	void		(*free_hook)(const struct sa *sa, void *arg);
	void		*free_hook_arg;

	/* [A] any lcore */
	uint32_t	lq_current __rte_cache_aligned;
	uint64_t	lq_queued;
	uint64_t	drops[SA_DROP_MAX];
};

/* sa.c */
int sa_transition_ok(enum sa_state from, enum sa_state to);
int sa_set_state_locked(struct sa *sa, enum sa_state to);
int sa_set_state(struct sa *sa, enum sa_state to);

/* larval.c */
int sa_lq_init(void);
uint32_t sa_lq_splice_locked(struct sa *sa, struct rte_mbuf **head);
void sa_lq_release(struct sad *sad, struct sa *use, struct rte_mbuf *head);
void sa_lq_purge(struct sad *sad, struct rte_mbuf *head, uint32_t n,
    enum sa_drop reason);
void sad_drop_count(struct sad *sad, enum sa_drop reason, uint32_t n);

/* spi.c */
int sad_spi_alloc(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t min, uint32_t max, uint32_t *spi);

/* sad.c */
uint64_t sad_now(const struct sad *sad);
void sad_in_key_from(struct sad_in_key *k, uint8_t proto, uint32_t spi,
    const struct sa_addr *dst);
int sad_in_exists(const struct sad *sad, const struct sad_in_key *k);
int sad_unlink_sa(struct sad *sad, struct sa *sa, enum sa_drop reason);
void sad_outb_restate(struct sad *sad, struct sa *sa);
void sad_zombie_retire(struct sad *sad, struct sa *sa);

/* sad_index.c; sa->linked bits: */
#define LNK_IN		0x1u	/* in the inbound index */
#define LNK_OUT0	0x2u	/* on the outbound chain of its own reqid */
#define LNK_OUT1	0x4u	/* on the outbound chain of reqid 0 */
int sad_in_link(struct sad *sad, struct sa *sa);
void sad_in_unlink(struct sad *sad, struct sa *sa);
int sad_out_link(struct sad *sad, struct sa *sa, enum sa_state st);
void sad_out_unlink(struct sad *sad, struct sa *sa);
unsigned int sad_ob_slots(const struct sa *sa);
struct sa *sad_ob_head(const struct sad *sad, const struct sad_out_key *k);

/* dump.c */
int sad_dump_needs(const struct sad *sad, const struct sa *sa);
void sad_sa_unref(struct sad *sad, struct sa *sa);
void sad_zombie_reap(struct sad *sad);

/* test-only */
void sad_set_free_hook(struct sad *sad,
    void (*fn)(const struct sa *sa, void *arg), void *arg);

#endif /* DPSEC_SAD_PRIV_H */
