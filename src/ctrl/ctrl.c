/*
 * The control socket server: a Unix SOCK_SEQPACKET socket served by the
 * control thread with epoll (level-triggered), many clients, per-client
 * bounded output, dumps streamed with flow control (DESIGN.md lesson 1).
 *
 * Delivery policy (docs/ctrl.md):
 *  - A client's own replies are never dropped.  They are sent at once when
 *    the socket takes them and queued otherwise; while a client's queue is
 *    over client_queue_bytes, dpsecd stops reading its requests (EPOLLIN
 *    off) until it drains: a client that never reads only stalls itself.
 *  - Broadcasts (ADD/UPDATE/DELETE/FLUSH results of other clients,
 *    ACQUIRE, EXPIRE) to a client whose queue is over its bound are dropped
 *    for that client and counted (Linux sets ENOBUFS on the socket instead;
 *    a Unix socket has no such error to raise).
 *  - A dump holds one snapshot (pointers and references, no copies) and
 *    produces the next message only when the previous one left: memory per
 *    dumping client is one message plus the snapshot's references.  A
 *    disconnect ends the dump and frees the snapshot.  If an entry cannot
 *    be encoded, the dump ends with a header-only message carrying that
 *    errno and seq 0: never silence.
 * Nothing here blocks: all sockets are non-blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "ctrl_priv.h"
#include "pfk_setkey.h"

RTE_LOG_REGISTER(ctrl_logtype, dpsec.ctrl, INFO);

#define DEFAULT_MAX_CLIENTS	64
#define DEFAULT_QUEUE_BYTES	(1u << 20)
#define DEFAULT_BATCH		32
#define DUMP_BURST		256	/* dump messages per wakeup */
#define LISTEN_TAG		((void *)1)

static void client_close(struct ctrl *c, struct ctrl_client *cl);

static void
client_arm(struct ctrl *c, struct ctrl_client *cl)
{
	struct epoll_event ev = { 0 };
	uint32_t want = 0;

	if (cl->fd < 0 || cl->dead)
		return;
	cl->reading = cl->dump == NULL &&
	    cl->qbytes < c->p.client_queue_bytes;
	if (cl->reading)
		want |= EPOLLIN;
	if (!STAILQ_EMPTY(&cl->q) || cl->dump != NULL)
		want |= EPOLLOUT;
	if (want == cl->events)
		return;
	ev.events = want;
	ev.data.ptr = cl;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev) == 0)
		cl->events = want;
}

static void
enqueue(struct ctrl_client *cl, const void *msg, size_t len)
{
	struct ctrl_out *o;

	o = malloc(sizeof(*o) + PFK_ALIGN8(len));
	if (o == NULL) {
		/* Out of memory: the client would miss a reply; drop it. */
		cl->dead = true;
		return;
	}
	o->len = len;
	memcpy(o->data, msg, len);
	STAILQ_INSERT_TAIL(&cl->q, o, link);
	cl->qbytes += len;
}

/* Try to send; 1 sent, 0 would block, -1 client gone. */
static int
try_send(struct ctrl_client *cl, const void *msg, size_t len)
{
	ssize_t n;

	n = send(cl->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == ENOBUFS || errno == EINTR))
		return 0;
	cl->dead = true;
	return -1;
}

static void
deliver(struct ctrl *c, struct ctrl_client *cl, const void *msg, size_t len)
{
	if (cl->dead)
		return;
	if (cl->fd < 0) {
		/* in-process client (ctrl_apply): keep the first reply */
		if (cl->cap_len == 0 && cl->cap_buf != NULL) {
			cl->cap_len = len < cl->cap_size ? len : cl->cap_size;
			memcpy(cl->cap_buf, msg, cl->cap_len);
		}
		return;
	}
	if (STAILQ_EMPTY(&cl->q) && try_send(cl, msg, len) != 0)
		return;
	enqueue(cl, msg, len);
	client_arm(c, cl);
}

/* Copy to promiscuous sockets (Linux: every message goes to them too). */
static void
to_promisc(struct ctrl *c, struct ctrl_client *except, const void *msg,
    size_t len)
{
	struct ctrl_client *cl;

	TAILQ_FOREACH(cl, &c->clients, link)
		if (cl->promisc && cl != except &&
		    cl->qbytes < c->p.client_queue_bytes)
			deliver(c, cl, msg, len);
}

void
ctrl_send_one(struct ctrl *c, struct ctrl_client *cl, const void *msg,
    size_t len)
{
	deliver(c, cl, msg, len);
	to_promisc(c, cl, msg, len);
}

int
ctrl_broadcast(struct ctrl *c, enum ctrl_bcast how, uint8_t satype,
    struct ctrl_client *also, const void *msg, size_t len)
{
	struct ctrl_client *cl;
	int n = 0;

	if (also != NULL) {
		deliver(c, also, msg, len);
		n++;
	}
	TAILQ_FOREACH(cl, &c->clients, link) {
		if (cl == also || cl->dead)
			continue;
		if (how == CTRL_BCAST_REGISTERED && !cl->promisc &&
		    (satype == 0 ? cl->registered == 0 :
		    !(cl->registered & (UINT32_C(1) << satype))))
			continue;
		if (cl->qbytes >= c->p.client_queue_bytes) {
			cl->bcast_dropped++;
			c->st.bcast_dropped++;
			if ((cl->bcast_dropped & (cl->bcast_dropped - 1)) == 0)
				CTRL_LOG(WARNING, "client pid %d not reading: "
				    "%" PRIu64 " broadcasts dropped",
				    (int)cl->pid, cl->bcast_dropped);
			continue;
		}
		deliver(c, cl, msg, len);
		n++;
	}
	return n;
}

void
ctrl_send_error(struct ctrl *c, struct ctrl_client *cl,
    const struct sadb_msg *req, int err)
{
	struct pfk_build b;
	int n;

	pfk_build_init(&b, c->out, sizeof(c->out), req, err);
	n = pfk_build_finish(&b);
	c->st.errors++;
	if (n > 0)
		ctrl_send_one(c, cl, c->out, (size_t)n);
}

static void
send_sync(struct ctrl *c, struct ctrl_client *cl, const struct sadb_msg *req)
{
	struct sadb_msg h = *req;

	h.sadb_msg_type = PFK_X_DPSEC_SYNC;
	h.sadb_msg_errno = 0;
	h.sadb_msg_len = sizeof(h) / 8;
	h.sadb_msg_reserved = 0;
	h.sadb_msg_version = PF_KEY_V2;
	deliver(c, cl, &h, sizeof(h));
}

/* Dumps ------------------------------------------------------------------ */

static void
dump_end(struct ctrl_client *cl)
{
	struct ctrl_dump *d = cl->dump;

	if (d == NULL)
		return;
	cl->dump = NULL;
	d->ops->end(d->src);
	free(d);
}

/*
 * Produce dump messages while the client's socket takes them.  Returns
 * after DUMP_BURST messages so that other clients are served in between.
 */
static void
dump_pump(struct ctrl *c, struct ctrl_client *cl, unsigned int max)
{
	struct ctrl_dump *d;
	struct pfk_build b;
	struct sadb_msg *h;
	unsigned int k;
	int n, rc;

	for (k = 0; k < max; k++) {
		d = cl->dump;
		if (d == NULL || cl->dead || !STAILQ_EMPTY(&cl->q))
			break;
		pfk_build_init(&b, c->out, sizeof(c->out), &d->req, 0);
		rc = d->ops->emit(c, d->src, d->i, &b);
		n = rc == 0 ? pfk_build_finish(&b) : rc;
		h = (struct sadb_msg *)c->out;
		if (n < 0) {
			/* Cannot encode: end with the errno, never silence. */
			CTRL_LOG(ERR, "dump to pid %d: entry %u: %s",
			    (int)cl->pid, d->i, strerror(-n));
			pfk_build_init(&b, c->out, sizeof(c->out), &d->req, n);
			n = pfk_build_finish(&b);
			h->sadb_msg_seq = 0;
			d->i = d->n;
		} else {
			d->i++;
			h->sadb_msg_seq = d->i == d->n ? 0 : d->i;
		}
		c->st.dump_msgs++;
		deliver(c, cl, c->out, (size_t)n);
		if (d->i >= d->n)
			dump_end(cl);
	}
	client_arm(c, cl);
}

void
ctrl_dump_start(struct ctrl *c, struct ctrl_client *cl,
    const struct sadb_msg *req, const struct ctrl_dump_ops *ops, void *src,
    uint32_t n)
{
	struct ctrl_dump *d;

	if (n == 0 || cl->fd < 0) {
		ops->end(src);
		ctrl_send_error(c, cl, req, n == 0 ? -ENOENT : -EOPNOTSUPP);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		ops->end(src);
		ctrl_send_error(c, cl, req, -ENOBUFS);
		return;
	}
	d->ops = ops;
	d->src = src;
	d->n = n;
	d->req = *req;
	dump_end(cl);
	cl->dump = d;
	c->st.dumps++;
	/* The first message goes out (or is queued) before send() returns
	 * to a synchronous client: see PFK_X_DPSEC_SYNC. */
	dump_pump(c, cl, 1);
	if (cl->sync || cl->dump == NULL || !STAILQ_EMPTY(&cl->q))
		return;
	dump_pump(c, cl, DUMP_BURST);
}

/* Requests --------------------------------------------------------------- */

/*
 * Promiscuous sockets see every request, as on Linux, but never its keys
 * (docs/security.md): a request with key extensions is re-encoded without
 * them, one that failed validation is reduced to its base header.  Uses
 * c->out, which no reply is being built in yet.
 */
static void
promisc_request(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m, const void *buf, size_t len)
{
	struct ctrl_client *p;
	struct pfk_build b;
	struct sadb_msg h;
	unsigned int t;
	int n;

	TAILQ_FOREACH(p, &c->clients, link)
		if (p->promisc && p != cl)
			break;
	if (p == NULL)
		return;
	if (m == NULL) {
		memcpy(&h, buf, sizeof(h));
		h.sadb_msg_len = sizeof(h) / 8;
		to_promisc(c, cl, &h, sizeof(h));
		return;
	}
	if (m->ext[SADB_EXT_KEY_AUTH] == NULL &&
	    m->ext[SADB_EXT_KEY_ENCRYPT] == NULL) {
		to_promisc(c, cl, buf, len);
		return;
	}
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr,
	    m->hdr->sadb_msg_errno);
	for (t = 1; t <= PFK_EXT_MAX; t++)
		if (m->ext[t] != NULL && t != SADB_EXT_KEY_AUTH &&
		    t != SADB_EXT_KEY_ENCRYPT)
			pfk_build_copy(&b, m->ext[t]);
	n = pfk_build_finish(&b);
	if (n > 0)
		to_promisc(c, cl, c->out, (size_t)n);
}

static void
handle(struct ctrl *c, struct ctrl_client *cl, const void *buf, size_t len)
{
	const struct sadb_msg *req = NULL;
	struct pfk_msg *m = &c->msg;
	pfk_handler fn;
	int rc;

	c->st.requests++;
	rc = pfk_parse(buf, len, m);
	if (m->hdr != NULL)
		req = m->hdr;
	if (rc == 0 && req->sadb_msg_type == PFK_X_DPSEC_SYNC) {
		cl->sync = true;
		send_sync(c, cl, req);
		return;
	}
	if (req != NULL && cl->fd >= 0)
		promisc_request(c, cl, rc == 0 ? m : NULL, buf, len);
	if (rc == 0) {
		fn = pfk_handlers[req->sadb_msg_type];
		rc = fn != NULL ? fn(c, cl, m) : -EOPNOTSUPP;
	}
	if (rc < 0) {
		if (req == NULL) {
			CTRL_LOG(DEBUG, "pid %d: runt message dropped",
			    (int)cl->pid);
			return;
		}
		CTRL_LOG(DEBUG, "pid %d: %s seq %u: %s", (int)cl->pid,
		    pfk_msg_name(req->sadb_msg_type), req->sadb_msg_seq,
		    strerror(-rc));
		ctrl_send_error(c, cl, req, rc);
	}
	if (cl->sync && req != NULL)
		send_sync(c, cl, req);
}

static void
client_read(struct ctrl *c, struct ctrl_client *cl)
{
	unsigned int k;
	ssize_t n;

	for (k = 0; k < c->p.batch && cl->reading && !cl->dead; k++) {
		n = recv(cl->fd, c->rx, sizeof(c->rx), MSG_DONTWAIT | MSG_TRUNC);
		if (n == 0) {
			cl->dead = true;
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				cl->dead = true;
			break;
		}
		if ((size_t)n > PFK_MSG_MAX) {
			/* Truncated: answer from the header we have. */
			struct pfk_msg *m = &c->msg;

			c->st.requests++;
			(void)pfk_parse(c->rx, sizeof(struct sadb_msg), m);
			ctrl_send_error(c, cl, m->hdr, -EMSGSIZE);
			continue;
		}
		handle(c, cl, c->rx, (size_t)n);
		client_arm(c, cl);
	}
}

static void
client_write(struct ctrl *c, struct ctrl_client *cl)
{
	struct ctrl_out *o;
	int rc;

	while ((o = STAILQ_FIRST(&cl->q)) != NULL) {
		rc = try_send(cl, o->data, o->len);
		if (rc <= 0)
			break;
		STAILQ_REMOVE_HEAD(&cl->q, link);
		cl->qbytes -= o->len;
		free(o);
	}
	if (cl->dump != NULL)
		dump_pump(c, cl, DUMP_BURST);
	client_arm(c, cl);
}

static void
client_close(struct ctrl *c, struct ctrl_client *cl)
{
	struct ctrl_out *o;

	TAILQ_REMOVE(&c->clients, cl, link);
	c->st.clients--;
	dump_end(cl);
	while ((o = STAILQ_FIRST(&cl->q)) != NULL) {
		STAILQ_REMOVE_HEAD(&cl->q, link);
		free(o);
	}
	if (cl->fd >= 0) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
		close(cl->fd);
	}
	CTRL_LOG(DEBUG, "client pid %d closed", (int)cl->pid);
	free(cl);
}

static bool
peer_allowed(const struct ctrl *c, const struct ucred *cr)
{
	unsigned int i;

	if (cr->uid == 0)
		return true;
	for (i = 0; i < c->p.n_allow_uid; i++)
		if (c->p.allow_uid[i] == cr->uid)
			return true;
	for (i = 0; i < c->p.n_allow_gid; i++)
		if (c->p.allow_gid[i] == cr->gid)
			return true;
	return false;
}

static void
accept_clients(struct ctrl *c)
{
	struct epoll_event ev = { 0 };
	struct ctrl_client *cl;
	struct ucred cr;
	socklen_t crlen;
	int fd, k;

	for (k = 0; k < 16; k++) {
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		crlen = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
		    !peer_allowed(c, &cr)) {
			c->st.refused_cred++;
			CTRL_LOG(WARNING, "refused peer pid %d uid %u gid %u: "
			    "not allowed", (int)cr.pid, (unsigned)cr.uid,
			    (unsigned)cr.gid);
			close(fd);
			continue;
		}
		if (c->st.clients >= c->p.max_clients) {
			c->st.refused_limit++;
			CTRL_LOG(WARNING, "refused peer pid %d: %u clients "
			    "(max_clients)", (int)cr.pid, c->st.clients);
			close(fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->pid = cr.pid;
		cl->uid = cr.uid;
		cl->gid = cr.gid;
		STAILQ_INIT(&cl->q);
		cl->events = EPOLLIN;
		cl->reading = true;
		ev.events = EPOLLIN;
		ev.data.ptr = cl;
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(cl);
			continue;
		}
		TAILQ_INSERT_TAIL(&c->clients, cl, link);
		c->st.clients++;
		c->st.accepted++;
		CTRL_LOG(DEBUG, "client pid %d uid %u connected", (int)cr.pid,
		    (unsigned)cr.uid);
	}
}

int
ctrl_poll(struct ctrl *c, int timeout_ms)
{
	struct epoll_event ev[32];
	struct ctrl_client *cl, *tmp;
	int i, n;

	n = epoll_wait(c->epfd, ev, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (ev[i].data.ptr == LISTEN_TAG) {
			accept_clients(c);
			continue;
		}
		cl = ev[i].data.ptr;
		if (cl->dead)
			continue;
		if (ev[i].events & EPOLLOUT)
			client_write(c, cl);
		if (ev[i].events & EPOLLIN)
			client_read(c, cl);
		if ((ev[i].events & (EPOLLHUP | EPOLLERR)) &&
		    !(ev[i].events & EPOLLIN))
			cl->dead = true;
	}
	for (cl = TAILQ_FIRST(&c->clients); cl != NULL; cl = tmp) {
		tmp = TAILQ_NEXT(cl, link);
		if (cl->dead)
			client_close(c, cl);
	}
	return n;
}

int
ctrl_fd(const struct ctrl *c)
{
	return c->epfd;
}

void
ctrl_stats(const struct ctrl *c, struct ctrl_stats *st)
{
	const struct ctrl_client *cl;

	*st = c->st;
	st->dumps_active = 0;
	st->queued_bytes = 0;
	TAILQ_FOREACH(cl, &c->clients, link) {
		st->dumps_active += cl->dump != NULL;
		st->queued_bytes += cl->qbytes;
	}
}

int
ctrl_apply(struct ctrl *c, const void *msg, size_t len, void *reply,
    size_t reply_cap)
{
	struct ctrl_client self;
	const struct sadb_msg *h;

	memset(&self, 0, sizeof(self));
	self.fd = -1;
	self.pid = getpid();
	STAILQ_INIT(&self.q);
	self.cap_buf = reply;
	self.cap_size = reply_cap;
	handle(c, &self, msg, len);
	if (self.cap_len < sizeof(*h))
		return 0;
	h = reply;
	return -(int)h->sadb_msg_errno;
}

struct load_ctx {
	struct ctrl *c;
	const char *path;
	char *err;
	size_t errlen;
};

static int
load_one(void *arg, enum pfk_setkey_op op, const void *msg, size_t len,
    unsigned int line)
{
	struct load_ctx *l = arg;
	uint64_t reply[PFK_MSG_MAX / 8];
	int rc;

	if (op != PFK_SK_SEND)
		return 0;	/* dump/get make no sense at start */
	rc = ctrl_apply(l->c, msg, len, reply, sizeof(reply));
	if (rc != 0)
		snprintf(l->err, l->errlen, "%s:%u: %s: %s", l->path, line,
		    pfk_msg_name(((const struct sadb_msg *)msg)->sadb_msg_type),
		    strerror(-rc));
	return rc;
}

int
ctrl_load_setkey(struct ctrl *c, const char *path, char *err, size_t errlen)
{
	struct load_ctx l = { c, path, err, errlen };
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = pfk_setkey_run(f, path, (uint32_t)getpid(), load_one, &l, err,
	    errlen);
	fclose(f);
	if (rc == 0)
		CTRL_LOG(INFO, "loaded %s", path);
	return rc;
}

/* Creation --------------------------------------------------------------- */

static int
make_socket(struct ctrl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(c->path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(c->path);	/* stale socket of a previous run */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		/* /run/dpsec may not exist yet: create the last component */
		char dir[sizeof(c->path)], *sl;

		strcpy(dir, c->path);
		sl = strrchr(dir, '/');
		if (errno != ENOENT || sl == NULL || sl == dir)
			goto err;
		*sl = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			goto err;
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			goto err;
	}
	/* The peer check is SO_PEERCRED; the file mode is the first gate. */
	if (chmod(c->path, c->p.mode) != 0)
		goto err_unlink;
	if ((c->p.owner != 0 || c->p.group != 0) &&
	    chown(c->path, c->p.owner, c->p.group) != 0)
		goto err_unlink;
	if (listen(fd, 64) != 0)
		goto err_unlink;
	c->lfd = fd;
	return 0;
err_unlink:
	(void)unlink(c->path);
err:
	{
		int e = errno;

		close(fd);
		return -e;
	}
}

struct ctrl *
ctrl_create(const struct ctrl_params *p, struct sad *sad, struct spd *spd,
    const struct ctrl_hooks *hooks)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = LISTEN_TAG };
	struct ctrl *c;
	const char *path;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (p != NULL)
		c->p = *p;
	if (hooks != NULL)
		c->hooks = *hooks;
	path = c->p.path != NULL && c->p.path[0] != '\0' ? c->p.path :
	    CTRL_DEFAULT_PATH;
	if (strlen(path) >= sizeof(c->path)) {
		free(c);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(c->path, path);
	c->p.path = c->path;
	if (c->p.mode == 0)
		c->p.mode = 0600;
	if (c->p.max_clients == 0)
		c->p.max_clients = DEFAULT_MAX_CLIENTS;
	if (c->p.client_queue_bytes == 0)
		c->p.client_queue_bytes = DEFAULT_QUEUE_BYTES;
	if (c->p.batch == 0)
		c->p.batch = DEFAULT_BATCH;
	if (c->p.n_allow_uid > CTRL_MAX_ALLOW)
		c->p.n_allow_uid = CTRL_MAX_ALLOW;
	if (c->p.n_allow_gid > CTRL_MAX_ALLOW)
		c->p.n_allow_gid = CTRL_MAX_ALLOW;
	c->sad = sad;
	c->spd = spd;
	c->lfd = -1;
	TAILQ_INIT(&c->clients);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		goto err;
	rc = make_socket(c);
	if (rc != 0) {
		errno = -rc;
		goto err_ep;
	}
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) != 0)
		goto err_sock;
	CTRL_LOG(INFO, "PF_KEY socket %s (mode %04o)", c->path,
	    (unsigned)c->p.mode);
	return c;
err_sock:
	rc = errno;
	close(c->lfd);
	(void)unlink(c->path);
	errno = rc;
err_ep:
	rc = errno;
	close(c->epfd);
	errno = rc;
err:
	free(c);
	return NULL;
}

void
ctrl_destroy(struct ctrl *c)
{
	struct ctrl_client *cl;

	if (c == NULL)
		return;
	while ((cl = TAILQ_FIRST(&c->clients)) != NULL)
		client_close(c, cl);
	if (c->lfd >= 0) {
		close(c->lfd);
		(void)unlink(c->path);
	}
	close(c->epfd);
	free(c);
}
