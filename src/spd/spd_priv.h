/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spd_priv.h: SPD internals shared by spd.c (policy store, control
 * thread), spd_build.c (classifier build, publish, retire) and
 * spd_lookup.c (workers).  Only the module and its tests include it.
 *
 * Chunks: the live policies of one (dir, af) are kept in one list in
 * precedence order, cut into chunks of at most chunk_max consecutive
 * policies.  Each chunk compiles to its own rte_acl context (struct
 * spd_cls); readers get an immutable array of them (struct spd_set) in
 * precedence order and try them in turn, so a change rebuilds one chunk
 * (bounded time) instead of 100,000 rules (seconds).
 *
 * Object lifetime, the invariant everything rests on:
 *  - a policy is LIVE (in the store) or a ZOMBIE (deleted or replaced:
 *    dead = 1, in zombies[dir][af]) or RETIRED (handed to the defer queue
 *    with the classifier that could still reach it);
 *  - a classifier references only policies that were LIVE when it was
 *    built (p->in_cls names the last one built with p).  A commit of
 *    (dir, af) is all or nothing: it publishes a new set and retires, in
 *    one batch, the old set, the classifiers of the rebuilt chunks and the
 *    zombies no remaining classifier references (in_cls NULL or retired
 *    now).  A successor (spd_update) is created after its predecessor died
 *    and the predecessor's chunk is dirty until rebuilt, so a successor is
 *    never retired before the classifier through which it is reached.
 *    Everything a reader reaches stays allocated until its next quiescent
 *    state.
 *  - refcnt counts the store's reference (dropped when the retire batch is
 *    freed) plus spd_policy_ref()/snapshot references (control thread).
 */
#ifndef DPSEC_SPD_PRIV_H
#define DPSEC_SPD_PRIV_H

#include <sys/queue.h>
#include <pthread.h>
#include <stdint.h>

#include <rte_acl.h>
#include <rte_rcu_qsbr.h>

#include "spd.h"

#define SPD_AF_V4 0
#define SPD_AF_V6 1
#define SPD_NAF 2

#define SPD_DEFAULT_MAX_POLICIES 1000000u
#define SPD_DEFAULT_QUIET_US 1000u
#define SPD_DEFAULT_MAX_DELAY_US 20000u
#define SPD_DEFAULT_CHUNK 4096u
#define SPD_DEFAULT_CHUNK_MAX 131072u
#define SPD_COMPACT_IDLE_NS 1000000000ull

extern int spd_logtype;
#define SPD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, spd_logtype, "spd: " fmt "\n", ##__VA_ARGS__)

enum spd_pol_state {
	SPD_POL_LIVE = 0,
	SPD_POL_ZOMBIE,
	SPD_POL_RETIRED,
};

struct spd_pol {
	struct spd_policy pub;		/* first: readers get &pub */
	uint32_t dead;			/* [A] release store when unlinked */
	/* [A] set (release) before dead when replaced by spd_update(): the
	 * object now holding this selector; readers follow it. */
	struct spd_pol *successor;
	uint32_t refcnt;		/* [C] */
	uint8_t state;			/* [C] enum spd_pol_state */
	uint8_t af;			/* [I] SPD_AF_* */
	uint8_t soft_sent;		/* [C] soft expiry reported */
	uint32_t sel_hash;		/* [I] hash of (dir, normalized sel) */
	uint64_t seq;			/* [C] insertion order */
	uint64_t add_mono_ns;		/* [C] */
	struct spd_chunk *chunk;	/* [C] while LIVE */
	struct spd_cls *in_cls;		/* [C] last classifier built with it */
	uint32_t in_rank;		/* [C] its rank in in_cls */
	/* [A] set (release) before dead: the rules of in_cls after in_rank
	 * that overlap this policy's selector, i.e. every rule that can
	 * match a key this one matched (the readers' slow path). */
	struct spd_cands *cands;
	TAILQ_ENTRY(spd_pol) link;	/* [C] live, zombie or retire list */
	TAILQ_ENTRY(spd_pol) lft_link;	/* [C] policies with lifetimes */
	struct spd_pol *id_next;	/* [C] id hash chain */
	struct spd_pol *sel_next;	/* [C] selector hash chain */
	size_t size;			/* [I] bytes allocated */
	uint8_t blob[];			/* [I] copy of conf->blob */
};

TAILQ_HEAD(spd_pol_list, spd_pol);

/* Compact copy of a selector for the readers' slow path (a hit on a
 * deleted policy, until the next rebuild): addresses pre-masked. */
struct spd_csel {
	uint8_t proto;			/* SPD_PROTO_ANY = any */
	uint8_t src_plen, dst_plen;
	uint8_t rsvd;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t src[16], dst[16];
};

struct spd_cands {
	const struct spd_cls *cls;	/* the classifier the ranks refer to */
	struct spd_cands *next;		/* for other classifiers */
	uint32_t n;
	uint32_t rank[];
};

/* The compiled classifier of one chunk.  Immutable once published except
 * the control thread's fields. */
struct spd_cls {
	struct rte_acl_ctx *acl;
	uint32_t n;			/* rules; userdata = rank + 1 */
	uint32_t af;			/* SPD_AF_* */
	size_t acl_bytes;		/* [C] rte_malloc heap growth of build */
	struct spd_cls *rnext;		/* [C] retire batch chain */
	uint8_t retiring;		/* [C] */
	uint8_t keep;			/* [C] */
	void *rules;			/* [C] until compiled */
	size_t rsz;
	struct spd_csel *csel;		/* [n] in rank order */
	struct spd_pol *pol[];		/* [n] in rank (precedence) order */
};

/* What readers load for one (dir, af): the chunk classifiers in
 * precedence order.  Immutable. */
struct spd_set {
	uint32_t n;
	struct spd_cls *c[];
};

/* Control thread's view of a chunk. */
struct spd_chunk {
	TAILQ_ENTRY(spd_chunk) link;
	struct spd_pol *first;		/* NULL when empty */
	uint32_t n;
	uint8_t dirty;
	uint64_t gen;			/* bumped on every change */
	struct spd_cls *cls;		/* last built for it, or NULL */
};

/* A rebuild of the dirty chunks of one (dir, af): prepared by the control
 * thread, compiled by the builder thread (or inline), published by the
 * control thread. */
struct spd_job_ent {
	struct spd_chunk *ch;
	uint64_t gen;
	struct spd_cls *cls;
	uint8_t built;
};
struct spd_job {
	unsigned int dir, af;
	uint64_t flush_gen;
	uint64_t build_ns;
	int err;
	uint32_t done;			/* [A] */
	uint32_t n;
	struct spd_job_ent e[];
};
TAILQ_HEAD(spd_chunk_list, spd_chunk);

/* What goes through the defer queue: a set, classifiers and the policies
 * that can only be reached through them. */
struct spd_retire {
	struct spd_set *set;
	struct spd_cls *cls;		/* chain through rnext */
	struct spd_pol_list pols;
	uint64_t token;			/* rte_rcu_qsbr_start() */
	TAILQ_ENTRY(spd_retire) link;
};
TAILQ_HEAD(spd_retire_list, spd_retire);

struct spd_htab {
	struct spd_pol **b;
	uint32_t mask;			/* buckets - 1 */
	uint32_t n;
};

struct spd {
	/* Read by workers. */
	struct spd_set *set[SPD_DIR_MAX][SPD_NAF];	/* [A] */
	uint32_t def_action[SPD_DIR_MAX];		/* [A] */
	uint64_t now_sec;				/* [A] wall clock */
	uint64_t wgen;		/* [A] write generation (barrier target) */

	/* Control thread only. */
	char name[RTE_ACL_NAMESIZE];
	struct rte_rcu_qsbr *qsbr;
	struct spd_retire_list defer;	/* FIFO, tokens ascending */
	uint32_t ndefer;
	struct spd_pol_list live[SPD_DIR_MAX][SPD_NAF];
	struct spd_pol_list zombies[SPD_DIR_MAX][SPD_NAF];
	struct spd_chunk_list chunks[SPD_DIR_MAX][SPD_NAF];
	uint32_t chunk_append;		/* new tail chunk beyond this */
	uint32_t chunk_max;		/* split beyond, merge up to this */
	struct spd_pol_list lft;	/* live policies with lifetimes */
	uint32_t nlive[SPD_DIR_MAX][SPD_NAF];
	uint8_t dirty[SPD_DIR_MAX][SPD_NAF];
	uint32_t count;
	uint32_t max_policies;
	uint64_t quiet_ns, max_delay_ns;
	uint64_t first_change_ns;	/* 0 = nothing pending */
	uint64_t last_change_ns;
	uint64_t last_lft_ns;
	struct spd_htab by_id, by_sel;
	struct spd_job *job;		/* in flight, or NULL */
	uint64_t flush_gen;
	unsigned int rr;		/* next (dir, af) to build */
	int has_builder;
	pthread_t builder;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct spd_job *bjob;		/* [mu] handed to the builder */
	struct rte_acl_ctx **fq;	/* [mu] contexts for the builder to free */
	uint32_t nfq, capfq;		/* [mu] */
	int quit;			/* [mu] */
	uint32_t id_gen;
	uint64_t seq;
	spd_expire_fn expire;
	void *expire_arg;
	struct spd_stats st;
};

/* spd.c */
uint64_t spd_mono_ns(void);
void spd_pol_unref(struct spd *spd, struct spd_pol *p);
int spd_af_index(uint8_t af);
void spd_sel_compact(const struct spd_selector *s, struct spd_csel *c);

/* spd_build.c */
int spd_commit_one(struct spd *spd, unsigned int dir, unsigned int af);
int spd_chunks_merge(struct spd *spd, unsigned int dir, unsigned int af);
int spd_job_start(struct spd *spd, unsigned int dir, unsigned int af);
int spd_job_poll(struct spd *spd, int wait);
int spd_builder_start(struct spd *spd);
void spd_builder_stop(struct spd *spd);
void spd_cands_add(struct spd_pol *p, const struct spd_cls *c, uint32_t r);
void spd_flush_one(struct spd *spd, unsigned int dir, unsigned int af);
int spd_chunk_insert(struct spd *spd, struct spd_pol *p);
void spd_chunk_remove(struct spd *spd, struct spd_pol *p);
void spd_retire_free(struct spd *spd, struct spd_retire *r);
void spd_defer_reclaim(struct spd *spd, int wait);

/* spd_lookup.c */
int spd_csel_match(const struct spd_csel *c, const struct spd_key *k,
    unsigned int af);
int spd_csel_overlap(const struct spd_csel *a, const struct spd_csel *b);

/*
 * Full barrier after a write that must be visible to every classification
 * starting after the writing call returns (delete, flush, update).  A
 * seq_cst read-modify-write (a locked instruction on x86) rather than
 * atomic_thread_fence, which ThreadSanitizer does not model.
 */
static inline void
spd_full_barrier(struct spd *spd)
{
	__atomic_fetch_add(&spd->wgen, 1, __ATOMIC_SEQ_CST);
}

static inline struct spd_pol *
spd_pol_of(const struct spd_policy *p)
{
	return (struct spd_pol *)(uintptr_t)p;
}

#endif /* DPSEC_SPD_PRIV_H */
