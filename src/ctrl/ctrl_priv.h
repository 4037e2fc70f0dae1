/*
 * Private to src/ctrl (server and handlers) and its tests.
 */
#ifndef DPSEC_CTRL_PRIV_H
#define DPSEC_CTRL_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <rte_log.h>

#include "ctrl.h"
#include "pfk.h"

extern int ctrl_logtype;
#define CTRL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ctrl_logtype, "ctrl: " fmt "\n", \
	    ##__VA_ARGS__)

/* One queued outbound message. */
struct ctrl_out {
	STAILQ_ENTRY(ctrl_out) link;
	size_t len;
	uint64_t data[];	/* 8-aligned message */
};

/*
 * A dump in progress: a snapshot source, a cursor and the request header.
 * emit() appends the extensions of entry i to a message whose header is
 * already built; it returns 0, or -errno if the entry cannot be sent.
 */
struct ctrl_dump_ops {
	int (*emit)(struct ctrl *c, void *src, uint32_t i,
	    struct pfk_build *b);
	void (*end)(void *src);
};

struct ctrl_dump {
	const struct ctrl_dump_ops *ops;
	void *src;
	uint32_t n;		/* entries in the snapshot */
	uint32_t i;		/* next entry */
	struct sadb_msg req;	/* header of the DUMP request */
};

struct ctrl_client {
	TAILQ_ENTRY(ctrl_client) link;
	int fd;			/* -1: in-process (ctrl_apply) */
	pid_t pid;		/* SO_PEERCRED */
	uid_t uid;
	gid_t gid;
	uint32_t registered;	/* bit per satype (REGISTER) */
	bool promisc;		/* X_PROMISC */
	bool sync;		/* wants PFK_X_DPSEC_SYNC markers */
	bool reading;		/* EPOLLIN armed */
	bool dead;		/* close at the end of this round */
	uint32_t events;	/* currently armed epoll events */
	STAILQ_HEAD(, ctrl_out) q;	/* unsent output, in order */
	size_t qbytes;
	uint64_t bcast_dropped;	/* broadcasts refused: queue full */
	struct ctrl_dump *dump;	/* at most one at a time */
	/* ctrl_apply capture */
	void *cap_buf;
	size_t cap_len;
	size_t cap_size;
};

struct ctrl {
	char path[108];
	struct ctrl_params p;
	struct ctrl_hooks hooks;
	struct sad *sad;
	struct spd *spd;
	int lfd;
	int epfd;
	TAILQ_HEAD(, ctrl_client) clients;
	uint32_t acquire_seq;
	struct ctrl_stats st;
	struct pfk_msg msg;		/* the request being handled */
	uint64_t out[PFK_MSG_MAX / 8];	/* reply being built */
	uint64_t rx[PFK_MSG_MAX / 8 + 1];	/* receive buffer */
};

/* What a handler returns besides 0 and -errno. */
#define PFK_NOREPLY	1	/* answered already, or nothing to send */

/**
 * Handler for one message type: the request is validated (c->msg).  Return
 * 0 or PFK_NOREPLY when it sent its replies itself, -errno to have ctrl
 * send an error reply (and nothing else may have changed).
 */
typedef int (*pfk_handler)(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m);

/** The dispatch table, indexed by sadb_msg_type (pfk_handlers.c). */
extern const pfk_handler pfk_handlers[SADB_MAX + 1];

/* Delivery (ctrl.c). */
enum ctrl_bcast {
	CTRL_BCAST_ALL,		/* every open socket */
	CTRL_BCAST_REGISTERED,	/* sockets registered for the satype */
};

/** Send to one client (its own reply: never dropped, queued if needed). */
void ctrl_send_one(struct ctrl *c, struct ctrl_client *cl, const void *msg,
    size_t len);
/**
 * Send to a group (broadcasts): a client whose queue is over its bound
 * loses this message (counted).  @p also: a client that receives it in any
 * case (the requester), may be NULL.
 * @return number of clients it was queued to.
 */
int ctrl_broadcast(struct ctrl *c, enum ctrl_bcast how, uint8_t satype,
    struct ctrl_client *also, const void *msg, size_t len);
/** Header-only error reply to the sender. */
void ctrl_send_error(struct ctrl *c, struct ctrl_client *cl,
    const struct sadb_msg *req, int err);
/**
 * Start streaming a dump to @p cl: the snapshot @p src of @p n entries is
 * owned by the dump from now on (ops->end frees it).  n == 0 answers
 * ENOENT at once.
 */
void ctrl_dump_start(struct ctrl *c, struct ctrl_client *cl,
    const struct sadb_msg *req, const struct ctrl_dump_ops *ops, void *src,
    uint32_t n);

/** Bytes of dpsecd state per connected client with a dump (bench). */
static inline size_t
ctrl_client_state_bytes(void)
{
	return sizeof(struct ctrl_client) + sizeof(struct ctrl_dump);
}

/* Handlers' helpers (pfk_sa.c, pfk_spd.c). */
int pfk_sa_dump(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m);
int pfk_sa_getspi(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_sa_update(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_sa_add(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_sa_delete(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_sa_get(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_sa_flush(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_spd_add(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_spd_update(struct ctrl *, struct ctrl_client *,
    const struct pfk_msg *);
int pfk_spd_delete(struct ctrl *, struct ctrl_client *,
    const struct pfk_msg *);
int pfk_spd_delete2(struct ctrl *, struct ctrl_client *,
    const struct pfk_msg *);
int pfk_spd_get(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_spd_dump(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);
int pfk_spd_flush(struct ctrl *, struct ctrl_client *, const struct pfk_msg *);

#endif /* DPSEC_CTRL_PRIV_H */
