/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad.h: the security association database. The control thread is its only
 * writer (GETSPI, UPDATE, ADD, DELETE, FLUSH, acquire entries, expiry);
 * workers look SAs up in bursts without locks (rte_hash with lock-free
 * readers, rte_rcu_qsbr) and queue packets on LARVAL SAs (sa.h).
 *
 * Errors follow RFC 2367 as the KAME/Linux stacks return them: 0 or -errno,
 * constructors return NULL and set rte_errno. See docs/sadb.md.
 *
 * Lifetime of a struct sa pointer: workers may use it until their next
 * quiescent-state report; the control thread until its next call to
 * sad_reclaim() or sad_tick() (memory is freed only there), or, for an SA
 * returned by sad_dump_next(), until the next sad_dump_next()/sad_dump_end().
 */
#ifndef DPSEC_SAD_H
#define DPSEC_SAD_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_rcu_qsbr.h>

#include "sa.h"

struct sad;
struct sad_dump;

/** Kinds of SADB_EXPIRE. */
enum sa_expire_kind {
	SA_EXPIRE_SOFT = 1,
	SA_EXPIRE_HARD = 2,
};

/**
 * Hooks called by sadb, all on the control thread (the thread calling the
 * sad_* function that triggers them). Any may be NULL.
 */
struct sad_hooks {
	/**
	 * Before an SA is published MATURE (ADD, UPDATE): build sa->rt.
	 * The SA is filled (keys, algorithms) and not yet visible as MATURE.
	 * Return 0 or -errno: the ADD/UPDATE then fails with it and nothing
	 * changes (a LARVAL SA stays LARVAL with its queue).
	 */
	int	(*sa_install)(struct sa *sa, void *arg);
	/**
	 * After the grace period of a deleted SA, before sadb wipes and frees
	 * it: free sa->rt. Also called for an SA whose install succeeded but
	 * whose publication then failed (never seen MATURE by workers).
	 */
	void	(*sa_release)(struct sa *sa, void *arg);
	/**
	 * Right after a LARVAL SA became MATURE (or an acquire entry was
	 * resolved by sa), with the packets queued on it in arrival order; may
	 * be called several times for one promotion (chunks of at most
	 * SAD_RELEASE_CHUNK), always in order. The hook owns the mbufs.
	 */
	void	(*larval_release)(struct sa *sa, struct rte_mbuf *m[],
		    uint32_t n, void *arg);
	/**
	 * Lifetime event: soft (SA now DYING, still usable) or hard (SA now
	 * DEAD and unlinked; still readable during the call; freed after the
	 * grace period). Build SADB_EXPIRE here.
	 */
	void	(*expire)(struct sa *sa, enum sa_expire_kind kind, void *arg);
	void	*arg;		/**< passed to every hook */
};

#define SAD_RELEASE_CHUNK	32

/** Creation parameters; zero fields take the documented defaults. */
struct sad_params {
	struct rte_rcu_qsbr *qsbr;	/**< required; one reader slot per worker */
	uint32_t max_sa;		/**< SAs (all states), default 65536 */
	uint32_t max_out_keys;		/**< outbound index keys, default 2*max_sa */
	int	 socket_id;		/**< NUMA socket for tables (SOCKET_ID_ANY) */
	uint32_t larval_timeout;	/**< s, GETSPI SA lifetime, default 30 */
	uint32_t acquire_timeout;	/**< s, acquire entry lifetime, default 30 */
	uint32_t lq_per_sa;		/**< larval queue bound per SA, default 64 */
	uint32_t lq_total;		/**< bound over all SAs, default 8192 */
	/** Lifetime checks per sad_tick(): at most this many SAs, resuming
	 * where the last call stopped (0 = all SAs every call). With 1M SAs a
	 * full walk costs ~80 ms; e.g. 100000 per call at 10 Hz covers them
	 * every second in slices of ~8 ms. */
	uint32_t tick_slice;
	/** Clock in seconds (wall clock, used for PF_KEY add/use times);
	 * default CLOCK_REALTIME. Tests inject a fake one. */
	uint64_t (*clock)(void *arg);
	void	*clock_arg;
	struct sad_hooks hooks;
};

/**
 * Parameters of an SA for sad_add()/sad_update()/sad_getspi(), filled by
 * ctrl from PF_KEY extensions. Keys are copied (the caller wipes its
 * copy). For GETSPI only proto, src, dst, mode, reqid and seq are used.
 */
struct sa_params {
	uint8_t		proto;		/**< IPPROTO_ESP or IPPROTO_AH */
	uint8_t		mode;		/**< IPSEC_MODE_* (X_SA2), 0 = any */
	uint8_t		ealg;
	uint8_t		aalg;
	uint32_t	spi;		/**< host order (ignored by GETSPI) */
	uint32_t	reqid;
	uint32_t	replay_window;	/**< packets, <= SA_REPLAY_MAX */
	uint32_t	flags;		/**< SA_F_* */
	uint32_t	pfkey_flags;	/**< sadb_sa_flags, kept for replies */
	uint32_t	seq;		/**< sadb_msg_seq, kept in sa->seq */
	struct sa_addr	src;
	struct sa_addr	dst;
	struct sa_addr	natt_oa;
	uint8_t		natt_type;
	rte_be16_t	natt_sport;
	rte_be16_t	natt_dport;
	const uint8_t	*enc_key;
	uint16_t	enc_key_len;	/**< bytes, <= SA_ENC_KEY_MAX */
	const uint8_t	*auth_key;
	uint16_t	auth_key_len;	/**< bytes, <= SA_AUTH_KEY_MAX */
	struct sa_lifetime soft;
	struct sa_lifetime hard;
};

/**
 * Inbound lookup key (SPI, destination, protocol). Build it with
 * sad_in_key_v4()/_v6() so unused bytes are zero.
 */
struct sad_in_key {
	uint32_t	spi;		/**< host order */
	uint8_t		proto;
	uint8_t		family;
	uint16_t	pad;
	uint8_t		dst[16];	/**< IPv4 in dst[0..3], network order */
};
_Static_assert(sizeof(struct sad_in_key) == 24, "sad_in_key layout");

/**
 * Outbound lookup key, the policy template: protocol, reqid and tunnel
 * (or, in transport mode, packet) endpoints. reqid 0 matches any SA with
 * these endpoints; a non-zero reqid matches only SAs with that reqid.
 */
struct sad_out_key {
	uint32_t	reqid;
	uint8_t		proto;
	uint8_t		family;
	uint16_t	pad;
	uint8_t		src[16];
	uint8_t		dst[16];
};
_Static_assert(sizeof(struct sad_out_key) == 40, "sad_out_key layout");

/** Counters (sad_stats()). */
struct sad_stats {
	uint32_t	n_sa;			/**< linked SAs, all states */
	uint32_t	n_state[SA_STATE_MAX];	/**< per state (zombies not incl.) */
	uint32_t	n_pending_free;		/**< deleted, awaiting grace/dump */
	uint32_t	lq_current;		/**< packets queued now */
	uint64_t	lq_queued;		/**< packets ever queued */
	uint64_t	lq_released;		/**< handed to larval_release */
	uint64_t	drops[SA_DROP_MAX];	/**< by enum sa_drop */
	uint64_t	expire_soft;		/**< soft events */
	uint64_t	expire_hard;		/**< hard events */
	uint64_t	larval_expired;		/**< GETSPI SAs timed out */
	uint64_t	acquire_expired;	/**< acquire entries timed out */
	uint64_t	spi_exhausted;		/**< GETSPI with no free SPI */
};

/**
 * Create a database: hash tables sized from p->max_sa, a defer queue on
 * p->qsbr. Requires EAL.
 * @return the database, or NULL with rte_errno (EINVAL, ENOMEM, EEXIST).
 * Thread contract: control thread.
 */
struct sad *sad_create(const struct sad_params *p);

/**
 * Destroy: frees every SA (release hooks called), queued mbufs (counted as
 * DELETED drops) and the tables. Waits for a grace period first.
 * Thread contract: control thread; no worker may use the sad afterwards.
 */
void sad_destroy(struct sad *sad);

/**
 * SADB_GETSPI: create a LARVAL SA with a random SPI in [spi_min, spi_max]
 * that is unique for (p->dst, p->proto). spi_min == spi_max == 0 means the
 * default range; SPIs below 256 are never given (RFC 4303).
 * It expires silently after larval_timeout unless UPDATEd.
 * @param out out, may be NULL: the new SA.
 * @return 0; -EINVAL (bad params or range); -ENOBUFS no free SPI in the
 *   range; -ENOSPC the database is full; -ENOMEM.
 * Thread contract: control thread.
 */
int sad_getspi(struct sad *sad, const struct sa_params *p, uint32_t spi_min,
    uint32_t spi_max, struct sa **out);

/**
 * SADB_UPDATE: fill the LARVAL SA (p->proto, p->dst, p->spi) from p, call
 * sa_install, publish it MATURE, release its queued packets (larval_release)
 * and resolve matching acquire entries.
 * @return 0; -ESRCH no such SA; -EINVAL the SA is not LARVAL or bad params;
 *   the install hook's error; -ENOSPC outbound index full.
 * Thread contract: control thread.
 */
int sad_update(struct sad *sad, const struct sa_params *p, struct sa **out);

/**
 * SADB_ADD: create a MATURE SA from p (install hook first), and resolve
 * matching acquire entries (their queued packets go to larval_release
 * with the new SA).
 * @return 0; -EEXIST (proto, dst, spi) exists (any state); -EINVAL bad
 *   params (spi 0, family mismatch, key too long...); the install hook's
 *   error; -ENOSPC full; -ENOMEM.
 * Thread contract: control thread.
 */
int sad_add(struct sad *sad, const struct sa_params *p, struct sa **out);

/**
 * SADB_GET: find (proto, dst, spi), any state but DEAD.
 * @return 0 and *out; -ESRCH.
 * Thread contract: control thread.
 */
int sad_get(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi, struct sa **out);

/**
 * SADB_DELETE of (proto, dst, spi): unlink it at once, mark it DEAD, free
 * its queued packets (counted DELETED), free it after the grace period.
 * @return 0; -ESRCH.
 * Thread contract: control thread.
 */
int sad_delete(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi);

/**
 * Delete an SA by pointer (acquire entries, e.g. an ACQUIRE answered with
 * an errno). Idempotent: deleting a DEAD SA returns 0 and does nothing.
 * Thread contract: control thread.
 */
int sad_delete_sa(struct sad *sad, struct sa *sa);

/**
 * SADB_FLUSH: delete every SA of proto (0 = all), in every state, at once.
 * @return number of SAs deleted.
 * Thread contract: control thread.
 */
uint32_t sad_flush(struct sad *sad, uint8_t proto);

/**
 * Create an outbound acquire entry (lesson 4) for a PROTECT policy with no
 * usable SA: a LARVAL SA (spi 0, kind SA_KIND_ACQUIRE) in the outbound
 * index under tmpl, on which packets can be queued with
 * sa_larval_enqueue(). ADD/UPDATE of an SA whose template matches resolves
 * it (its packets go to larval_release with the new SA); after
 * acquire_timeout it expires and its packets are dropped and counted;
 * sad_delete_sa() cancels it. ctrl may store its ACQUIRE seq in sa->seq.
 * @param mode stored in the entry (IPSEC_MODE_*).
 * @return 0 and *out = the entry; -EEXIST and *out = the SA (MATURE, DYING
 *   or acquire entry) the template already finds; -EINVAL; -ENOSPC.
 * Thread contract: control thread.
 */
int sad_acquire(struct sad *sad, const struct sad_out_key *tmpl,
    uint8_t mode, struct sa **out);

/**
 * Inbound burst lookup by (SPI, dst, proto).
 * @param keys n keys (any n; internally in chunks of 64).
 * @param sa out: sa[i] = SA or NULL. A returned SA may be in any state:
 *   check sa_state(); LARVAL -> sa_larval_enqueue().
 * @return number of hits.
 * Thread contract: any lcore, lock-free; caller is a registered RCU reader
 * (reports quiescent states between bursts) or the control thread.
 */
uint32_t sad_lookup_in(const struct sad *sad,
    const struct sad_in_key *const keys[], uint32_t n, struct sa *sa[]);

/**
 * Packets queued on the acquire entries of @p sa's outbound templates
 * (the ones installing @p sa may release).  For an install hook: 0 means
 * no queued outbound packet can be released by this install.
 * Thread contract: control thread.
 */
uint32_t sad_template_queued(struct sad *sad, const struct sa *sa);

/**
 * Outbound burst lookup by policy template. Returns the preferred SA for
 * the template: the newest MATURE, else the newest DYING, else an acquire
 * entry (LARVAL). Same contract as sad_lookup_in().
 */
uint32_t sad_lookup_out(const struct sad *sad,
    const struct sad_out_key *const keys[], uint32_t n, struct sa *sa[]);

/**
 * Timers: expire LARVAL and acquire entries past their deadline, record
 * first use, check soft/hard limits (packets, bytes, add time, use time,
 * datapath hints such as sequence exhaustion): soft -> DYING + expire hook,
 * hard -> expire hook + delete. Then reclaims. Walks every SA, or the next
 * sad_params.tick_slice of them: call it about once a second (or more
 * often with a slice).
 * @param now clock seconds (same clock as sad_params.clock); 0 = read it.
 * Thread contract: control thread.
 */
void sad_tick(struct sad *sad, uint64_t now);

/**
 * Free SAs whose grace period has ended (release hook, key wipe, free).
 * @return number of SAs freed.
 * Thread contract: control thread; call it from the control loop.
 */
uint32_t sad_reclaim(struct sad *sad);

/**
 * Start a dump (SADB_DUMP) of proto (0 = all) from a consistent snapshot:
 * exactly the SAs that exist now are returned, even if they are deleted
 * or flushed while the dump runs (they come back in state DEAD), and SAs
 * added later are not. Costs no copy: deleted SAs a running dump still
 * needs are kept (not freed) until it passes them or ends. Any number of
 * dumps may run at once, at any pace, interleaved with updates.
 * @return cursor, or NULL with rte_errno = ENOMEM.
 * Thread contract: control thread.
 */
struct sad_dump *sad_dump_start(struct sad *sad, uint8_t proto);

/**
 * Number of SAs the dump returns in total (fixed at start: use it for
 * sadb_msg_seq counting down to 0 on the last message).
 * Thread contract: control thread.
 */
uint32_t sad_dump_count(const struct sad_dump *d);

/**
 * Next SA of the dump, or NULL at the end. The SA stays valid until the
 * next sad_dump_next()/sad_dump_end() on this cursor.
 * Thread contract: control thread.
 */
struct sa *sad_dump_next(struct sad_dump *d);

/**
 * End a dump (complete or not) and free the cursor.
 * Thread contract: control thread.
 */
void sad_dump_end(struct sad_dump *d);

/** Counters. Thread contract: control thread (reads atomics). */
void sad_stats(const struct sad *sad, struct sad_stats *st);

/** Number of linked SAs (all states). Thread contract: control thread. */
uint32_t sad_count(const struct sad *sad);

/**
 * Build an inbound key for IPv4 (dst network order). static inline:
 * per-packet key building on the hot path.
 * Thread contract: any.
 */
static inline void
sad_in_key_v4(struct sad_in_key *k, uint8_t proto, uint32_t spi,
    rte_be32_t dst)
{
	k->spi = spi;
	k->proto = proto;
	k->family = AF_INET;
	k->pad = 0;
	__builtin_memset(k->dst, 0, sizeof(k->dst));
	__builtin_memcpy(k->dst, &dst, sizeof(dst));
}

/** Build an inbound key for IPv6. Thread contract: any. */
static inline void
sad_in_key_v6(struct sad_in_key *k, uint8_t proto, uint32_t spi,
    const uint8_t dst[16])
{
	k->spi = spi;
	k->proto = proto;
	k->family = AF_INET6;
	k->pad = 0;
	__builtin_memcpy(k->dst, dst, 16);
}

/** Build an outbound key from sa_addr endpoints. Thread contract: any. */
void sad_out_key_set(struct sad_out_key *k, uint8_t proto, uint32_t reqid,
    const struct sa_addr *src, const struct sa_addr *dst);

#endif /* DPSEC_SAD_H */
