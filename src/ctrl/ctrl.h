/*
 * ctrl: dpsecd's PF_KEY v2 control socket.
 *
 * A Unix SOCK_SEQPACKET socket (one PF_KEY message per record) served by
 * the control thread with epoll.  Key managers (racoon through the preload
 * library, dpsecctl) send RFC 2367 / KAME messages; ctrl validates each one
 * completely (pfk_parse) before it changes the SAD or SPD, answers with the
 * Linux af_key broadcast rules, streams dumps with flow control, and sends
 * ACQUIRE / EXPIRE / SPDEXPIRE to registered sockets.  See docs/ctrl.md.
 *
 * Threading: every function here is control-thread only (the thread that
 * owns the SAD and SPD writers); nothing blocks.
 */
#ifndef DPSEC_CTRL_H
#define DPSEC_CTRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctrl;
struct sad;
struct spd;
struct sa;
struct spd_policy;

/** Default socket path (also the preload library's default). */
#define CTRL_DEFAULT_PATH	"/run/dpsec/pfkey.sock"
#define CTRL_MAX_ALLOW		16

/** Server parameters; zero fields take the defaults given. */
struct ctrl_params {
	const char *path;	/**< socket path, default CTRL_DEFAULT_PATH */
	uid_t owner;		/**< socket file owner, default 0 */
	gid_t group;		/**< socket file group, default 0 */
	mode_t mode;		/**< socket file mode, default 0600 */
	/** Peers allowed besides uid 0 (SO_PEERCRED uid or gid match). */
	uid_t allow_uid[CTRL_MAX_ALLOW];
	unsigned int n_allow_uid;
	gid_t allow_gid[CTRL_MAX_ALLOW];
	unsigned int n_allow_gid;
	unsigned int max_clients;	/**< default 64; more are refused */
	/** Bytes of output queued per client before dpsecd stops reading
	 * its requests (replies) or drops broadcasts to it; default 1 MiB. */
	size_t client_queue_bytes;
	/** Messages handled per client per wakeup (fairness), default 32. */
	unsigned int batch;
};

/** Callbacks into dpsecd (the datapath owns acquire entries). */
struct ctrl_hooks {
	/**
	 * A key manager reported a failed negotiation: SADB_ACQUIRE with
	 * sadb_msg_errno set and the seq of dpsecd's ACQUIRE.  End that
	 * acquire and drop its queued packets (sad_delete_sa()).  No reply
	 * is sent.  May be NULL.
	 */
	void (*acquire_failed)(uint32_t seq, int err, void *arg);
	void *arg;
};

/** Counters (ctrl_stats()). */
struct ctrl_stats {
	uint64_t accepted;		/**< connections accepted */
	uint64_t refused_cred;		/**< refused by SO_PEERCRED check */
	uint64_t refused_limit;		/**< refused: max_clients reached */
	uint64_t requests;		/**< messages received */
	uint64_t errors;		/**< error replies sent */
	uint64_t bcast_dropped;		/**< broadcasts dropped (queue full) */
	uint64_t dumps;			/**< dumps started */
	uint64_t dump_msgs;		/**< dump messages sent */
	uint32_t clients;		/**< connected now */
	uint32_t dumps_active;		/**< dumps in progress now */
	uint64_t queued_bytes;		/**< output queued, all clients */
};

/**
 * Create the socket (unlinking a stale file at the path), set its
 * owner/group/mode, listen, and create the epoll set.
 * @param sad, spd	the databases the handlers write (either may be NULL:
 *			its messages are then answered EOPNOTSUPP)
 * @return the server, or NULL with errno set.
 * Thread: control thread.
 */
struct ctrl *ctrl_create(const struct ctrl_params *p, struct sad *sad,
    struct spd *spd, const struct ctrl_hooks *hooks);

/**
 * A file descriptor that becomes readable when ctrl_poll() has work (the
 * epoll fd): dpsecd may put it in its own poll/epoll set.
 * Thread: control thread.
 */
int ctrl_fd(const struct ctrl *c);

/**
 * Serve: accept, read and answer requests, continue dumps, flush queues.
 * @param timeout_ms	0 = do not wait; -1 = wait forever.
 * @return number of events handled (>= 0) or -errno.
 * Thread: control thread.
 */
int ctrl_poll(struct ctrl *c, int timeout_ms);

/**
 * Close every client (their dumps end), the socket, and unlink its path.
 * Thread: control thread.
 */
void ctrl_destroy(struct ctrl *c);

/**
 * Send SADB_ACQUIRE to registered sockets for an acquire entry (lesson 4):
 * ADDRESS_SRC/DST are the SA endpoints of the entry, X_POLICY (type IPSEC,
 * dir out) carries the policy's id.  The seq is a fresh non-zero counter,
 * stored in sa->seq so that a key manager's GETSPI/ACQUIRE can refer to it.
 * @param pol	the PROTECT policy (its id), may be NULL (id 0)
 * @return the seq used (> 0), or -errno (-ENOENT: no registered socket).
 * Thread: control thread.
 */
int64_t ctrl_send_acquire(struct ctrl *c, struct sa *acq,
    const struct spd_policy *pol);

/**
 * Send SADB_EXPIRE (soft: @p hard == 0) for an SA to registered sockets:
 * SA, SRC, DST, LIFETIME_CURRENT and the limit that fired, never keys.
 * Call it from the sad expire hook.
 * @return number of sockets it was queued to.
 * Thread: control thread.
 */
int ctrl_send_expire(struct ctrl *c, const struct sa *sa, int hard);

/**
 * Send SADB_X_SPDEXPIRE for a policy to registered sockets (from the spd
 * expire hook).
 * @return number of sockets it was queued to.
 * Thread: control thread.
 */
int ctrl_send_spdexpire(struct ctrl *c, const struct spd_policy *p,
    int hard);

/** Counters.  Thread: control thread. */
void ctrl_stats(const struct ctrl *c, struct ctrl_stats *st);

/**
 * Apply one PF_KEY request in-process, exactly as if a client had sent it
 * (validation, handler, broadcasts to connected sockets); the reply to the
 * "sender" is copied to @p reply.  Used by dpsecd to load a setkey file at
 * start (pfk_setkey.h) and by tests.
 * @return 0 if the reply carries no errno, else -errno.
 * Thread: control thread.
 */
int ctrl_apply(struct ctrl *c, const void *msg, size_t len, void *reply,
    size_t reply_cap);

/**
 * Load a setkey(8)-syntax file at start (config directive): every command
 * is applied in-process through ctrl_apply(), in order; dump/get commands
 * are ignored.  Stops at the first error.
 * @param err	receives "file:line: problem" on failure
 * @return 0 or -errno.
 * Thread: control thread.
 */
int ctrl_load_setkey(struct ctrl *c, const char *path, char *err,
    size_t errlen);

#endif /* DPSEC_CTRL_H */
