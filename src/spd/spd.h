/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spd.h: the security policy database, public API.
 *
 * Policies are what PF_KEY's KAME extensions (X_SPDADD ...) describe: a
 * direction, a selector, a priority, an action and, for PROTECT, one or more
 * IPsec request templates.  The control thread is the only writer; workers
 * classify bursts lock-free against compiled classifiers (rte_acl, one per
 * direction and address family) that the control thread rebuilds,
 * coalesced, and publishes with an atomic pointer swap.  Old classifiers and
 * deleted policies are freed after an rte_rcu_qsbr grace period.
 *
 * Delete and flush are immediate (DESIGN.md lesson 2): any classification
 * that starts after spd_delete_*() or spd_flush() has returned never returns
 * a removed policy.  docs/spd.md gives the precise rules, the precedence,
 * the coalescing delay and the memory figures.
 */
#ifndef DPSEC_SPD_H
#define DPSEC_SPD_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_rcu_qsbr;

/** Opaque policy database. */
struct spd;
/** Opaque consistent snapshot of the policies (for SPDDUMP). */
struct spd_snapshot;

/** Largest burst spd_classify_bulk() accepts. */
#define SPD_BURST_MAX 64
/** Most IPsec request templates one policy carries. */
#define SPD_TMPL_MAX 4
/** Upper-layer protocol value meaning "any" (IPSEC_ULPROTO_ANY). */
#define SPD_PROTO_ANY 255
/** Largest opaque blob (the request's X_POLICY) kept with a policy. */
#define SPD_BLOB_MAX 2048

/**
 * Direction.  PF_KEY's sadb_x_policy_dir is this value + 1 (1 in, 2 out,
 * 3 fwd), and every policy id satisfies id % 8 == dir (Linux).
 */
enum spd_dir {
	SPD_DIR_IN = 0,
	SPD_DIR_OUT = 1,
	SPD_DIR_FWD = 2,
	SPD_DIR_MAX = 3,
};

/** Action; the values are IPSEC_POLICY_DISCARD / _NONE / _IPSEC. */
enum spd_action {
	SPD_ACT_DISCARD = 0,
	SPD_ACT_BYPASS = 1,	/* "none" in setkey */
	SPD_ACT_PROTECT = 2,	/* "ipsec" in setkey */
};

/** Template mode; the values are IPSEC_MODE_*. */
enum spd_mode {
	SPD_MODE_ANY = 0,
	SPD_MODE_TRANSPORT = 1,
	SPD_MODE_TUNNEL = 2,
};

/** Template level; the values are IPSEC_LEVEL_*. */
enum spd_level {
	SPD_LEVEL_DEFAULT = 0,
	SPD_LEVEL_USE = 1,
	SPD_LEVEL_REQUIRE = 2,
	SPD_LEVEL_UNIQUE = 3,
};

/**
 * Selector.  Addresses are in network byte order (an IPv4 address in the
 * first 4 bytes, the rest zero); bits beyond the prefix length are ignored
 * when matching and when comparing selectors.  Ports are host byte order,
 * inclusive ranges; 0..65535 is "any" (a PF_KEY port of 0).  When proto is
 * ICMP (1) or ICMPv6 (58), the source port range is the ICMP type and the
 * destination port range the ICMP code, as KAME and Linux encode them in
 * sadb_address ports.
 */
struct spd_selector {
	uint8_t af;		/**< AF_INET or AF_INET6 */
	uint8_t proto;		/**< IPPROTO_*, or SPD_PROTO_ANY */
	uint8_t src_plen;	/**< 0..32 (v4), 0..128 (v6) */
	uint8_t dst_plen;
	uint16_t sport_lo, sport_hi;	/**< or ICMP type range */
	uint16_t dport_lo, dport_hi;	/**< or ICMP code range */
	uint8_t src[16];
	uint8_t dst[16];
};

/** IPsec request template (sadb_x_ipsecrequest). */
struct spd_tmpl {
	uint8_t proto;		/**< IPPROTO_ESP (50) */
	uint8_t mode;		/**< enum spd_mode */
	uint8_t level;		/**< enum spd_level */
	uint8_t af;		/**< of the tunnel endpoints; 0 when none */
	uint32_t reqid;		/**< 0 = none */
	uint8_t tun_src[16];	/**< tunnel endpoints, network order */
	uint8_t tun_dst[16];
};

/** Lifetimes in seconds, 0 = none (sadb_lifetime addtime / usetime). */
struct spd_lifetime {
	uint64_t soft_add;	/**< seconds after the add */
	uint64_t hard_add;
	uint64_t soft_use;	/**< seconds after the last use (add if never) */
	uint64_t hard_use;
};

/** What the control thread passes to spd_add() / spd_update(). */
struct spd_policy_conf {
	enum spd_dir dir;
	struct spd_selector sel;
	/** KAME/Linux priority: LOWER value = HIGHER precedence.  setkey
	 * sends 0x80000000 by default. */
	uint32_t priority;
	enum spd_action action;
	uint8_t ntmpl;		/**< 1..SPD_TMPL_MAX for PROTECT, else 0 */
	struct spd_tmpl tmpl[SPD_TMPL_MAX];
	struct spd_lifetime lft;
	/** Requested id (sadb_x_policy_id), 0 = allocate.  Honoured by
	 * spd_add() when id % 8 == dir and the id is free; otherwise a fresh
	 * id is allocated (as Linux xfrm_gen_index does). */
	uint32_t id;
	/** Opaque bytes kept unchanged with the policy (the request's
	 * X_POLICY, so replies and dumps can echo it), copied; may be NULL. */
	const void *blob;
	uint16_t blob_len;	/**< <= SPD_BLOB_MAX */
};

/**
 * A policy as readers see it.  Every field is immutable once the policy is
 * published ([I]) except use_time ([A], relaxed).  An update creates a new
 * object with the same id; the old one is retired.
 */
struct spd_policy {
	uint32_t id;			/**< [I] id % 8 == dir */
	uint8_t dir;			/**< [I] enum spd_dir */
	uint8_t action;			/**< [I] enum spd_action */
	uint8_t ntmpl;			/**< [I] */
	uint8_t rsvd;
	uint32_t priority;		/**< [I] */
	struct spd_selector sel;	/**< [I] */
	struct spd_tmpl tmpl[SPD_TMPL_MAX];	/**< [I] */
	struct spd_lifetime lft;	/**< [I] */
	uint64_t add_time;		/**< [I] wall clock seconds (epoch) */
	uint64_t use_time;		/**< [A] wall clock seconds, 0 = never */
	const void *blob;		/**< [I] copy of conf->blob or NULL */
	uint16_t blob_len;		/**< [I] */
};

/**
 * Classification key, filled by the datapath from the packet.  Addresses
 * and ports are in NETWORK byte order, exactly as in the headers (the
 * classifier reads them in place).  IPv4 addresses use the first 4 bytes of
 * src/dst.  For ICMP/ICMPv6: sport = htons(type), dport = htons(code).
 * For protocols without ports (and non-first fragments), sport = dport = 0.
 * The layout is pinned (static asserts in spd_build.c).
 */
struct spd_key {
	uint8_t proto;		/**< offset 0: IPPROTO_* of the upper layer */
	uint8_t af;		/**< AF_INET or AF_INET6 */
	uint16_t rsvd;		/**< set to 0 */
	uint16_t sport;		/**< offset 4, network order (ICMP: type) */
	uint16_t dport;		/**< offset 6, network order (ICMP: code) */
	uint8_t src[16];	/**< offset 8 */
	uint8_t dst[16];	/**< offset 24 */
};

/** Expiry hook: control thread, from spd_tick(). hard != 0: the policy is
 * deleted right after the hook returns (SPDEXPIRE then SPDDELETE semantics
 * as Linux); soft: reported once.  The hook must not add, update or
 * delete policies (build the SPDEXPIRE message from p and return). */
typedef void (*spd_expire_fn)(struct spd *spd, const struct spd_policy *p,
    int hard, void *arg);

/** spd_create() parameters. */
struct spd_params {
	const char *name;		/**< unique among SPDs of the process */
	int socket_id;			/**< NUMA socket, or SOCKET_ID_ANY */
	struct rte_rcu_qsbr *qsbr;	/**< shared with the workers */
	uint32_t max_policies;		/**< 0 = 1,000,000 */
	/** Coalescing: rebuild once no change came for quiet_us (0 = 1000),
	 * and no later than max_delay_us after the first pending change
	 * (0 = 20000), stretched to the duration of the last rebuild so
	 * that rebuilding never takes more than half the control thread. */
	uint32_t quiet_us;
	uint32_t max_delay_us;
	spd_expire_fn expire;		/**< may be NULL */
	void *expire_arg;
	/** Policies appended at the end go to a new compiled chunk once the
	 * last one holds this many (0 = 4096): bounds the rebuild behind
	 * one SPDADD while loading. */
	uint32_t chunk_size;
	/** Largest chunk (0 = 131072): an insert in the middle splits a
	 * chunk beyond it; after 1 s without changes, adjacent chunks are
	 * merged up to it in the background, so lookups go through as few
	 * classifiers as possible (one for up to 131072 policies). */
	uint32_t chunk_max;
	/** 0 (default): classifiers compile in a background thread
	 * ("spd-build", created here, inheriting the caller's CPU
	 * affinity), published by spd_tick(); the control thread never
	 * blocks on a build.  1: spd_tick() builds inline. */
	uint8_t sync_build;
};

/**
 * Create an empty SPD; the default action is BYPASS in every direction.
 * Needs EAL (classifiers live in rte_malloc memory).
 * Thread contract: control thread only.
 * @return the SPD, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST).
 */
struct spd *spd_create(const struct spd_params *prm);

/**
 * Free the SPD, every policy and classifier.  Workers must no longer use
 * it (call after they stopped or went offline).
 * Thread contract: control thread only.
 */
void spd_free(struct spd *spd);

/**
 * Add a policy.
 * Thread contract: control thread only.
 * @param out  if not NULL, receives the stored policy (valid until it is
 *             deleted; take a reference with spd_policy_ref() to keep it
 *             longer).
 * @return 0; -EEXIST if a policy with the same direction and selector
 *         exists; -EINVAL for a malformed conf; -ENOSPC beyond
 *         max_policies; -ENOMEM.
 */
int spd_add(struct spd *spd, const struct spd_policy_conf *conf,
    const struct spd_policy **out);

/**
 * Replace the policy with the same direction and selector, keeping its id
 * (SPDUPDATE); when there is none, add it (Linux af_key and KAME do).  The
 * replacement takes the place of a newly added policy in the precedence
 * order (priority, then insertion order).  The old object is retired
 * immediately (same rule as spd_delete_by_id()).
 * Thread contract: control thread only.
 * @return 0; -EINVAL; -ENOSPC; -ENOMEM.
 */
int spd_update(struct spd *spd, const struct spd_policy_conf *conf,
    const struct spd_policy **out);

/**
 * Delete the policy with this direction and selector (SPDDELETE).
 * Immediate: a classification that starts after the return never returns
 * it; memory is freed after the next rebuild of its classifier and a grace
 * period.
 * Thread contract: control thread only.
 * @return 0; -ENOENT if there is no such policy.
 */
int spd_delete_by_selector(struct spd *spd, enum spd_dir dir,
    const struct spd_selector *sel);

/**
 * Delete the policy with this id (SPDDELETE2).  Immediate as above.
 * Thread contract: control thread only.
 * @return 0; -ENOENT.
 */
int spd_delete_by_id(struct spd *spd, uint32_t id);

/**
 * Remove every policy, in one operation (SPDFLUSH).  Empty classifiers are
 * published before the return: a classification that starts afterwards
 * matches nothing (default action).  Memory goes back after a grace period.
 * Thread contract: control thread only.
 * @return the number of policies removed.
 */
uint32_t spd_flush(struct spd *spd);

/**
 * Find by id (SPDGET).  Thread contract: control thread only.
 * @return the policy (valid until deleted or updated, or until
 *         spd_policy_unref() with a reference), or NULL.
 */
const struct spd_policy *spd_get_by_id(const struct spd *spd, uint32_t id);

/**
 * Find by direction and selector.  Thread contract: control thread only.
 * @return the policy or NULL.
 */
const struct spd_policy *spd_find(const struct spd *spd, enum spd_dir dir,
    const struct spd_selector *sel);

/** Number of policies (all directions).  Control thread only. */
uint32_t spd_count(const struct spd *spd);

/**
 * Take a reference: the object stays readable (not freed) after it is
 * deleted, updated or flushed, until spd_policy_unref().
 * Thread contract: control thread only.
 */
void spd_policy_ref(const struct spd_policy *p);
/** Drop a reference taken by spd_policy_ref().  Control thread only. */
void spd_policy_unref(struct spd *spd, const struct spd_policy *p);

/**
 * Consistent snapshot for SPDDUMP: the policies alive now, directions in,
 * out, fwd, each in precedence order.  Costs one pointer and one reference
 * per policy (O(n), ~1 ms per 100k); the entries stay readable however long
 * the dump takes, whatever is deleted or flushed meanwhile.
 * Thread contract: control thread only.
 * @param dir  a direction, or -1 for all.
 * @return the snapshot, or NULL with rte_errno = ENOMEM.
 */
struct spd_snapshot *spd_snapshot_create(struct spd *spd, int dir);
/** Entries in a snapshot.  Control thread only. */
uint32_t spd_snapshot_count(const struct spd_snapshot *s);
/** Entry i (< count).  Control thread only. */
const struct spd_policy *spd_snapshot_get(const struct spd_snapshot *s,
    uint32_t i);
/** Release a snapshot.  Control thread only. */
void spd_snapshot_free(struct spd_snapshot *s);

/**
 * Set the action for traffic that matches no policy in dir (BYPASS or
 * DISCARD; default BYPASS).  Takes effect immediately.
 * Thread contract: control thread only.
 * @return 0 or -EINVAL.
 */
int spd_set_default(struct spd *spd, enum spd_dir dir, enum spd_action act);

/**
 * The action for traffic that matches nothing in dir.
 * Thread contract: any lcore, lock-free.
 */
enum spd_action spd_default_action(const struct spd *spd, enum spd_dir dir);

/**
 * Coalescing clock: publish a finished background build, start the next
 * one when the coalescing rule says so (see spd_params), and run
 * lifetimes (expire hook).  Call from the control loop at least every
 * millisecond while spd_pending() is true, and about once a second
 * otherwise.
 * Thread contract: control thread only.
 * @param now_ns  CLOCK_MONOTONIC nanoseconds.
 * @return 1 if a new classifier was published, 0 if not, -errno if a
 *         build failed (the previous classifier stays, retried later).
 */
int spd_tick(struct spd *spd, uint64_t now_ns);

/**
 * Rebuild every classifier with pending changes now, without coalescing.
 * On return, every added or updated policy is in effect.
 * Thread contract: control thread only.
 * @return 0 or -errno (ENOMEM: the old classifier stays in service).
 */
int spd_commit(struct spd *spd);

/** Non-zero while changes wait for a rebuild or a build is in flight.
 * Control thread only. */
int spd_pending(const struct spd *spd);

/**
 * Free classifiers and policies whose grace period is over.
 * Thread contract: control thread only.
 */
void spd_reclaim(struct spd *spd);

/**
 * Classify a burst.  keys may mix IPv4 and IPv6.  out[i] is the policy of
 * highest precedence that matches keys[i], or NULL when none does (apply
 * spd_default_action()).  The returned pointers stay valid until the
 * calling worker's next rte_rcu_qsbr quiescent state.  Never waits for a
 * rebuild and never returns a policy deleted or flushed before the call
 * started.
 * Thread contract: any lcore registered as a reader of the SPD's qsbr,
 * lock-free.
 * @param n  <= SPD_BURST_MAX.
 * @return the number of keys that matched a policy.
 */
uint16_t spd_classify_bulk(struct spd *spd, enum spd_dir dir,
    const struct spd_key keys[], uint16_t n,
    const struct spd_policy *out[]);

/**
 * Classify one key (the inbound policy check after decryption).
 * Thread contract: as spd_classify_bulk().
 * @return the policy or NULL (default action).
 */
const struct spd_policy *spd_classify(struct spd *spd, enum spd_dir dir,
    const struct spd_key *key);

/** Statistics (control thread). */
struct spd_stats {
	uint64_t rebuilds;		/**< classifier builds */
	uint64_t last_build_ns;		/**< compile time of the last build */
	uint64_t acl_bytes;		/**< rte_acl memory in use */
	uint64_t policy_bytes;		/**< policy objects in use */
	uint64_t build_failures;
};
/** Fill st.  Control thread only. */
void spd_stats_get(const struct spd *spd, struct spd_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_SPD_H */
