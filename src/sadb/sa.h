/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sa.h: the security association object, the data model shared by sadb
 * (owner, only writer), ctrl (builds PF_KEY replies from it) and the ipsec
 * datapath (reads it per packet).
 *
 * Access tags on every field (STYLE.md section 5):
 *   [I] immutable once the SA is published MATURE (the control thread fills
 *       it while the SA is LARVAL; workers must not read it before they
 *       have seen MATURE or DYING with an acquire load of state, except the
 *       identity fields spi/proto/dst which are immutable from creation);
 *   [A] atomic, written by any lcore (relaxed unless said otherwise);
 *   [P] protected by sa->lock (the per-SA promotion lock);
 *   [C] control thread only.
 * The datapath reads [I] fields directly, the state with sa_state(), and
 * changes counters only through sa_account()/sa_seq_reserve().
 *
 * Numbers: SPIs are in HOST byte order everywhere in this API (convert the
 * ESP header's SPI with rte_be_to_cpu_32()); addresses are in network byte
 * order; algorithm ids are <linux/pfkeyv2.h> numbers (docs/INTERFACES.md);
 * proto is the IP protocol number (IPPROTO_ESP 50, IPPROTO_AH 51), not the
 * PF_KEY satype (see sa_proto_from_satype()).
 */
#ifndef DPSEC_SA_H
#define DPSEC_SA_H

#include <stdint.h>
#include <stddef.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_spinlock.h>

struct rte_mbuf;
struct sad;

/** SA states, RFC 2367 section 2.3.6 (same order as SADB_SASTATE_*). */
enum sa_state {
	SA_LARVAL = 0,
	SA_MATURE = 1,
	SA_DYING = 2,
	SA_DEAD = 3,
};
#define SA_STATE_MAX	4

/** Largest encryption key incl. salt/nonce (AES-256 + 4, ChaCha20 + 4). */
#define SA_ENC_KEY_MAX	36
/** Largest authentication key (HMAC-SHA2-512). */
#define SA_AUTH_KEY_MAX	64
/** Largest anti-replay window in packets (the bitmap lives in sa->rt). */
#define SA_REPLAY_MAX	65536u

/** Default SPI range when GETSPI gives none (KAME key_spi_minval/maxval). */
#define SA_SPI_MIN_DEFAULT	0x100u
#define SA_SPI_MAX_DEFAULT	0x0fffffffu

/* sa->flags [I] */
#define SA_F_ESN	0x0001u	/**< 64-bit extended sequence numbers */
#define SA_F_NATT	0x0002u	/**< UDP encapsulation (natt_* valid) */
#define SA_F_DECAP_DSCP	0x0004u	/**< copy DSCP on decapsulation */
#define SA_F_NOPMTUDISC	0x0008u	/**< ignore DF (KAME/Linux flag) */

/* sa->aflags [A]: hints from the datapath to the control thread. */
#define SA_AF_SEQ_EXHAUSTED	0x1u	/**< outbound sequence space used up */
#define SA_AF_SOFT_HINT		0x2u	/**< a soft limit was crossed */
#define SA_AF_HARD_HINT		0x4u	/**< a hard limit was crossed */

/** Kinds of SA (sa->kind [I]). */
enum sa_kind {
	SA_KIND_NORMAL = 0,	/**< from GETSPI, ADD */
	SA_KIND_ACQUIRE = 1,	/**< outbound acquire entry: LARVAL, spi 0 */
};

/**
 * An address, IPv4 or IPv6. Compare with memcmp: unused bytes are zero.
 * Build it with sa_addr_v4()/sa_addr_v6() or zero it first.
 */
struct sa_addr {
	uint8_t		family;		/**< AF_INET, AF_INET6, 0 = none */
	uint8_t		pad[3];		/**< zero */
	union {
		rte_be32_t	v4;	/**< network order, rest zero */
		uint8_t		v6[16];
		uint8_t		raw[16];
	} a;
};

/**
 * Lifetime limits (RFC 2367 sadb_lifetime). 0 means no limit.
 * packets is sadb_lifetime_allocations (as Linux af_key maps it).
 */
struct sa_lifetime {
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	addtime;	/**< seconds after the SA was added */
	uint64_t	usetime;	/**< seconds after its first use */
};

/** Current lifetime values (SADB_EXT_LIFETIME_CURRENT). */
struct sa_current {
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	addtime;	/**< clock seconds when added */
	uint64_t	usetime;	/**< clock seconds of first use, 0 = unused */
};

/** Why sadb dropped (or refused) a packet; each has a counter. */
enum sa_drop {
	SA_DROP_NONE = 0,
	SA_DROP_LQ_SA_FULL,	/**< per-SA larval queue full (tail drop) */
	SA_DROP_LQ_GLOBAL_FULL,	/**< global larval queue bound reached */
	SA_DROP_LQ_DEAD,	/**< SA dead when the packet arrived */
	SA_DROP_LQ_EXPIRED,	/**< queued; larval/acquire SA timed out */
	SA_DROP_LQ_DELETED,	/**< queued; SA deleted, flushed or cancelled */
	SA_DROP_LQ_NO_HOOK,	/**< queued; promoted but no larval_release hook */
	SA_DROP_MAX
};

/** Result of sa_larval_enqueue(). */
enum sa_lq_result {
	SA_LQ_QUEUED = 0,	/**< sadb owns the mbuf now */
	SA_LQ_PROCESS = 1,	/**< SA usable: process the mbuf now with *use */
	SA_LQ_DROPPED = 2,	/**< not taken (reason counted); caller frees */
};

/**
 * Security association. Allocated, published and freed by sadb only.
 */
struct sa {
	/* --- cache lines 0-1: read by workers per packet ---------------- */
	uint32_t	state;		/**< [A] enum sa_state, see sa_state() */
	uint32_t	spi;		/**< [I] host order; 0 for acquire entries */
	uint8_t		proto;		/**< [I] IPPROTO_ESP / IPPROTO_AH */
	uint8_t		mode;		/**< [I] IPSEC_MODE_TRANSPORT / _TUNNEL / _ANY */
	uint8_t		ealg;		/**< [I] SADB_EALG_* / SADB_X_EALG_* / 250 */
	uint8_t		aalg;		/**< [I] SADB_AALG_* / SADB_X_AALG_* */
	uint32_t	flags;		/**< [I] SA_F_* */
	uint32_t	reqid;		/**< [I] X_SA2 reqid, 0 = none */
	uint32_t	replay_window;	/**< [I] packets, 0 = no anti-replay */
	rte_be16_t	natt_sport;	/**< [I] UDP source port, network order */
	rte_be16_t	natt_dport;	/**< [I] UDP destination port, network order */
	uint8_t		natt_type;	/**< [I] UDP_ENCAP_ESPINUDP (2) or 0 */
	uint8_t		enc_key_len;	/**< [I] bytes in enc_key */
	uint8_t		auth_key_len;	/**< [I] bytes in auth_key */
	uint8_t		kind;		/**< [I] enum sa_kind */
	void		*rt;		/**< [I] ipsec runtime, set by sa_install */
	struct sad	*sad;		/**< [I] owning database */
	struct sa_addr	src;		/**< [I] source (tunnel) endpoint */
	struct sa_addr	dst;		/**< [I] destination; identity */
	struct sa_addr	natt_oa;	/**< [I] NAT-T original address */
	uint32_t	pfkey_flags;	/**< [I] sadb_sa_flags, echoed to PF_KEY */
	uint32_t	seq;		/**< [C] sadb_msg_seq of GETSPI/ACQUIRE */

	/* --- cache line 2: written by workers ---------------------------- */
	uint64_t	packets __rte_cache_aligned; /**< [A] processed packets */
	uint64_t	bytes;		/**< [A] processed bytes */
	uint64_t	seq_out;	/**< [A] last outbound sequence number used */
	uint32_t	aflags;		/**< [A] SA_AF_* */
	rte_spinlock_t	lock;		/**< promotion lock */
	uint32_t	lq_len;		/**< [P] packets queued */
	struct rte_mbuf	*lq_head;	/**< [P] larval queue, arrival order */
	struct rte_mbuf	*lq_tail;	/**< [P] */
	struct sa	*succ;		/**< [P] acquire entry: the SA that resolved it */

	/* --- cold: control thread ---------------------------------------- */
	TAILQ_ENTRY(sa)	all_link __rte_cache_aligned; /**< [C] sad->all */
	TAILQ_ENTRY(sa)	tmo_link;	/**< [C] larval/acquire/zombie list */
	struct sa	*ob_next[2];	/**< [C] outbound chains (exact, any reqid) */
	struct sa	*ob_prev[2];	/**< [C] NULL: head of the chain */
	uint64_t	add_gen;	/**< [C] insertion generation (dumps) */
	uint64_t	del_gen;	/**< [C] deletion generation, 0 = alive */
	uint64_t	add_time;	/**< [C] clock seconds at creation */
	uint64_t	use_time;	/**< [C] first use seen by sad_tick, 0 = none */
	uint64_t	deadline;	/**< [C] LARVAL/acquire expiry (clock s) */
	int32_t		in_pos;		/**< [C] inbound hash position, -1 = none */
	int32_t		out_pos[2];	/**< [C] outbound hash positions */
	uint32_t	refcnt;		/**< [C] dump cursors holding this SA */
	uint8_t		expired;	/**< [C] 0, SA_EXPIRE_SOFT or _HARD sent */
	uint8_t		zombie;		/**< [C] deleted, kept for a dump */
	uint8_t		linked;		/**< [C] in the indexes */
	uint8_t		installed;	/**< [C] sa_install succeeded */
	struct sa_lifetime soft;	/**< [I] soft limits */
	struct sa_lifetime hard;	/**< [I] hard limits */
	uint8_t		enc_key[SA_ENC_KEY_MAX];   /**< [I] never logged */
	uint8_t		auth_key[SA_AUTH_KEY_MAX]; /**< [I] never logged */
};

/* Hot layout pinned: the per-packet [I] block fits two cache lines and the
 * worker-written counters start their own line (no false sharing). */
_Static_assert(offsetof(struct sa, seq) < 2 * RTE_CACHE_LINE_SIZE,
    "struct sa: hot block exceeds two cache lines");
_Static_assert(offsetof(struct sa, packets) == 2 * RTE_CACHE_LINE_SIZE,
    "struct sa: counters must start cache line 2");
_Static_assert(offsetof(struct sa, succ) + sizeof(void *) <=
    3 * RTE_CACHE_LINE_SIZE, "struct sa: counter line overflows");
_Static_assert(offsetof(struct sa, state) == 0, "struct sa: state first");

/**
 * State of an SA with acquire semantics: fields tagged [I] may be read
 * after this returned SA_MATURE or SA_DYING.
 * Thread contract: any lcore, lock-free. (static inline: hot path.)
 */
static inline enum sa_state
sa_state(const struct sa *sa)
{
	return (enum sa_state)__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE);
}

/**
 * Whether an SA in this state may carry traffic (MATURE or DYING).
 * Thread contract: any lcore, lock-free.
 */
static inline int
sa_state_usable(enum sa_state st)
{
	return st == SA_MATURE || st == SA_DYING;
}

/**
 * Hand a packet to a SA that was seen not usable (LARVAL) (lesson 5).
 * Takes sa->lock and re-checks the state under it:
 *  - still LARVAL: the mbuf is appended to the SA's queue (bounded per SA
 *    and globally; when full the NEW packet is refused: tail drop);
 *    it will be handed back in arrival order through the larval_release
 *    hook on promotion, or freed and counted on expiry/deletion;
 *  - MATURE or DYING: *use = sa, process the packet now;
 *  - an acquire entry that was resolved by an ADD/UPDATE: *use = the new
 *    SA, process the packet now with it;
 *  - DEAD: dropped.
 * @param sa SA returned by a lookup in this RCU read-side section.
 * @param m packet (data at L3, see docs/INTERFACES.md).
 * @param use out: SA to process with (set only for SA_LQ_PROCESS).
 * @param reason out, may be NULL: drop reason for SA_LQ_DROPPED.
 * @return SA_LQ_QUEUED (sadb owns m), SA_LQ_PROCESS, SA_LQ_DROPPED
 *   (m not taken: caller frees it; sadb has counted the drop, the caller
 *   must not count it again as a sadb reason).
 * Thread contract: any lcore (workers, control thread), takes only the
 * per-SA lock; caller is in an RCU read-side section (or is the control
 * thread).
 */
enum sa_lq_result sa_larval_enqueue(struct sa *sa, struct rte_mbuf *m,
    struct sa **use, enum sa_drop *reason);

/**
 * Account processed traffic on an SA (no lock: relaxed atomic adds; call
 * once per run of packets of one SA in a burst, STYLE.md section 4).
 * @return 0, or 1 if a hard packet/byte limit is now reached: stop using
 *   the SA (the control thread expires it at its next sad_tick()).
 * Thread contract: any lcore, lock-free.
 */
int sa_account(struct sa *sa, uint32_t packets, uint64_t bytes);

/**
 * Reserve n consecutive outbound sequence numbers with one atomic add
 * (DPDK esn_outb_update_sqn style). Without SA_F_ESN the SA never wraps
 * the 32-bit counter: a reservation that would pass 2^32-1 fails, marks
 * the SA SEQ_EXHAUSTED and sad_tick() hard-expires it. With ESN the limit
 * is 2^64-1. A soft hint is raised at 7/8 of the space.
 * @param first out: first sequence number reserved (1-based).
 * @return 0; -EINVAL if n == 0; -ERANGE when the space is exhausted
 *   (nothing reserved).
 * Thread contract: any lcore, lock-free. (The ipsec module may instead
 * keep its own counter in sa->rt and call sa_seq_exhausted().)
 */
int sa_seq_reserve(struct sa *sa, uint32_t n, uint64_t *first);

/**
 * Report that the datapath's own outbound sequence counter is exhausted;
 * the control thread hard-expires the SA at its next sad_tick().
 * Thread contract: any lcore, lock-free.
 */
void sa_seq_exhausted(struct sa *sa);

/**
 * Current lifetime values (for SADB_GET/DUMP/EXPIRE replies).
 * Thread contract: control thread.
 */
void sa_current(const struct sa *sa, struct sa_current *cur);

/**
 * Map a state to its SADB_SASTATE_* value (RFC 2367).
 * Thread contract: any.
 */
uint8_t sa_state_to_sadb(enum sa_state st);

/** Name of a state ("larval", ...). Thread contract: any. */
const char *sa_state_name(enum sa_state st);

/** Name of a drop reason. Thread contract: any. */
const char *sa_drop_name(enum sa_drop r);

/**
 * Map a PF_KEY satype to an IP protocol: SADB_SATYPE_ESP -> IPPROTO_ESP,
 * SADB_SATYPE_AH -> IPPROTO_AH, SADB_SATYPE_UNSPEC -> 0 (all); others -> -1.
 * Thread contract: any.
 */
int sa_proto_from_satype(uint8_t satype);

/** Inverse of sa_proto_from_satype() (0 for unknown). Thread contract: any. */
uint8_t sa_satype_from_proto(uint8_t proto);

/** Set an IPv4 address (network order). Thread contract: any. */
void sa_addr_v4(struct sa_addr *a, rte_be32_t addr);

/** Set an IPv6 address (16 bytes). Thread contract: any. */
void sa_addr_v6(struct sa_addr *a, const uint8_t addr[16]);

/** Format "spi/dst" for logs (never keys). Thread contract: any. */
const char *sa_fmt(const struct sa *sa, char *buf, size_t len);

#endif /* DPSEC_SA_H */
