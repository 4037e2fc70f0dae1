/*
 * libdpsec-pfkey.so: LD_PRELOAD library that gives unmodified PF_KEY
 * programs (setkey, racoon, libipsec users) dpsecd's control socket.
 *
 * socket(PF_KEY, SOCK_RAW, PF_KEY_V2) returns one end of a SOCK_SEQPACKET
 * socketpair; a relay thread moves records between the other end and a
 * connection to dpsecd ($DPSEC_PFKEY_SOCKET, else CTRL_DEFAULT_PATH).  The
 * program's fd is a real socket, so recv/MSG_PEEK/SO_RCVBUF/SO_RCVTIMEO/
 * O_NONBLOCK/poll/select/dup/close behave natively.  What a Unix socket
 * to a daemon does not give by itself is restored here
 * (../shared/PFKEY-CLIENTS.md):
 *  - synchronous replies: the library asks dpsecd for sync markers
 *    (PFK_X_DPSEC_SYNC): after each request dpsecd sends a marker behind
 *    its replies; send() on a PF_KEY fd forwards the request and returns
 *    only when the relay has passed the marker, i.e. when the reply is
 *    readable on the program's fd (bounded by a 5 s safety timeout);
 *  - no false end of a dump: while a DUMP/SPDDUMP is outstanding (until
 *    its seq 0 message went through), a non-blocking read of an empty fd
 *    waits for the next message (up to 1 s per message, setkey's own
 *    limit);
 *  - setsockopt(IP_IPSEC_POLICY / IPV6_IPSEC_POLICY) succeeds on any
 *    socket: the host kernel has no IPsec, IKE bypass is dpsecd's job.
 * Everything else goes to the real functions (dlsym RTLD_NEXT).
 * Limitation: the relay thread does not survive fork(); a child must open
 * its own PF_KEY socket.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "ctrl.h"
#include "pfk.h"

#ifndef IP_IPSEC_POLICY
#define IP_IPSEC_POLICY		16
#endif
#ifndef IPV6_IPSEC_POLICY
#define IPV6_IPSEC_POLICY	34
#endif

#define EXPORT		__attribute__((visibility("default")))
#define SYNC_WAIT_MS	5000
#define DUMP_WAIT_MS	1000
#define MAX_PK		16

struct pk {
	int used;
	dev_t dev;		/* identity of the program's end */
	ino_t ino;
	int relay;		/* our end of the socketpair */
	int daemon;		/* connection to dpsecd */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t sent;		/* requests forwarded by send() */
	uint64_t synced;	/* markers passed by the relay */
	int dumps;		/* dumps outstanding */
	int dead;		/* relay ended */
};

static struct pk pks[MAX_PK];
static pthread_mutex_t pks_mu = PTHREAD_MUTEX_INITIALIZER;
static int npk;			/* [A] number of live entries */

static int (*real_socket)(int, int, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int,
    const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *,
    socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);

#define RESOLVE(name) do { \
	if (real_ ## name == NULL) \
		*(void **)&real_ ## name = dlsym(RTLD_NEXT, #name); \
} while (0)

static void
resolve(void)
{
	RESOLVE(socket);
	RESOLVE(send);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(write);
	RESOLVE(recv);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(read);
	RESOLVE(setsockopt);
}

/* The PF_KEY entry of a program fd (any dup of it), or NULL. */
static struct pk *
lookup(int fd)
{
	struct stat st;
	int i;

	if (__atomic_load_n(&npk, __ATOMIC_ACQUIRE) == 0 || fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return NULL;
	for (i = 0; i < MAX_PK; i++)
		if (pks[i].used && pks[i].ino == st.st_ino &&
		    pks[i].dev == st.st_dev)
			return &pks[i];
	return NULL;
}

static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

static int
is_dump(uint8_t type)
{
	return type == SADB_DUMP || type == SADB_X_SPDDUMP;
}

/* Relay: dpsecd -> program (and program -> dpsecd for raw writes). */
static void *
relay_main(void *arg)
{
	struct pk *p = arg;
	uint64_t buf[PFK_MSG_MAX / 8 + 1];
	const struct sadb_msg *h = (const struct sadb_msg *)buf;
	struct pollfd fds[2];
	ssize_t n;

	fds[0].fd = p->daemon;
	fds[0].events = POLLIN;
	fds[1].fd = p->relay;
	fds[1].events = POLLIN;
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = real_recv(p->relay, buf, sizeof(buf), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN))
				break;	/* the program closed its socket */
			if (n > 0)
				(void)real_send(p->daemon, buf, (size_t)n,
				    MSG_NOSIGNAL);
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = real_recv(p->daemon, buf, sizeof(buf), 0);
			if (n <= 0)
				break;	/* dpsecd went away */
			if ((size_t)n >= sizeof(*h) &&
			    h->sadb_msg_type == PFK_X_DPSEC_SYNC) {
				pthread_mutex_lock(&p->mu);
				p->synced++;
				pthread_cond_broadcast(&p->cv);
				pthread_mutex_unlock(&p->mu);
				continue;
			}
			(void)real_send(p->relay, buf, (size_t)n, MSG_NOSIGNAL);
			if ((size_t)n >= sizeof(*h) &&
			    is_dump(h->sadb_msg_type) &&
			    (h->sadb_msg_seq == 0 || h->sadb_msg_errno != 0) &&
			    h->sadb_msg_pid == (uint32_t)getpid()) {
				pthread_mutex_lock(&p->mu);
				if (p->dumps > 0)
					p->dumps--;
				pthread_cond_broadcast(&p->cv);
				pthread_mutex_unlock(&p->mu);
			}
		}
	}
	/* End: the program sees EOF on its fd; free the slot. */
	pthread_mutex_lock(&p->mu);
	p->dead = 1;
	p->dumps = 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	close(p->daemon);
	close(p->relay);
	pthread_mutex_lock(&pks_mu);
	p->used = 0;
	__atomic_sub_fetch(&npk, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&pks_mu);
	return NULL;
}

static int
connect_daemon(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sadb_msg h = { 0 };
	uint64_t buf[PFK_MSG_MAX / 8 + 1];
	const char *path = getenv("DPSEC_PFKEY_SOCKET");
	int fd, e;
	ssize_t n;

	if (path == NULL || *path == '\0')
		path = CTRL_DEFAULT_PATH;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = real_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		goto err;
	/* Ask for sync markers and wait for the first one. */
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_type = PFK_X_DPSEC_SYNC;
	h.sadb_msg_len = sizeof(h) / 8;
	h.sadb_msg_pid = (uint32_t)getpid();
	if (real_send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		goto err;
	do {
		n = real_recv(fd, buf, sizeof(buf), 0);
	} while (n > 0 && ((const struct sadb_msg *)buf)->sadb_msg_type !=
	    PFK_X_DPSEC_SYNC);
	if (n <= 0) {
		errno = n == 0 ? ECONNREFUSED : errno;
		goto err;
	}
	return fd;
err:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int
pk_socket(int type)
{
	struct stat st;
	struct pk *p = NULL;
	int sv[2], d, i, e;

	d = connect_daemon();
	if (d < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET |
	    (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0, sv) != 0)
		goto err_d;
	fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	if (fstat(sv[0], &st) != 0)
		goto err_sv;
	pthread_mutex_lock(&pks_mu);
	for (i = 0; i < MAX_PK; i++)
		if (!pks[i].used) {
			p = &pks[i];
			break;
		}
	if (p == NULL) {
		pthread_mutex_unlock(&pks_mu);
		errno = EMFILE;
		goto err_sv;
	}
	memset(p, 0, sizeof(*p));
	p->used = 1;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->relay = sv[1];
	p->daemon = d;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thr, NULL, relay_main, p) != 0) {
		p->used = 0;
		pthread_mutex_unlock(&pks_mu);
		errno = EAGAIN;
		goto err_sv;
	}
	pthread_detach(p->thr);
	__atomic_add_fetch(&npk, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&pks_mu);
	return sv[0];
err_sv:
	e = errno;
	close(sv[0]);
	close(sv[1]);
	errno = e;
err_d:
	e = errno;
	close(d);
	errno = e;
	return -1;
}

EXPORT int
socket(int domain, int type, int protocol)
{
	resolve();
	if (domain == PF_KEY && (type & 0xff) == SOCK_RAW &&
	    protocol == PF_KEY_V2)
		return pk_socket(type);
	return real_socket(domain, type, protocol);
}

/* Forward one request and wait until its replies are readable. */
static ssize_t
pk_send(struct pk *p, const void *buf, size_t len)
{
	const struct sadb_msg *h = buf;
	struct timespec dl;
	uint64_t my;
	ssize_t n;

	pthread_mutex_lock(&p->mu);
	if (p->dead) {
		pthread_mutex_unlock(&p->mu);
		errno = EPIPE;
		return -1;
	}
	my = ++p->sent;
	if (len >= sizeof(*h) && is_dump(h->sadb_msg_type))
		p->dumps++;
	pthread_mutex_unlock(&p->mu);
	n = real_send(p->daemon, buf, len, MSG_NOSIGNAL);
	if (n < 0) {
		pthread_mutex_lock(&p->mu);
		p->sent--;
		if (len >= sizeof(*h) && is_dump(h->sadb_msg_type))
			p->dumps--;
		pthread_mutex_unlock(&p->mu);
		return n;
	}
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += SYNC_WAIT_MS / 1000;
	pthread_mutex_lock(&p->mu);
	while (p->synced < my && !p->dead)
		if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* During a dump, make a non-blocking read of an empty fd wait. */
static void
pk_before_read(struct pk *p, int fd, int flags)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	struct timespec dl;
	int dumps;

	if (!(flags & MSG_DONTWAIT) && !(fcntl(fd, F_GETFL) & O_NONBLOCK))
		return;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += DUMP_WAIT_MS / 1000;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		dumps = p->dumps;
		pthread_mutex_unlock(&p->mu);
		if (dumps == 0)
			return;
		if (poll(&pf, 1, 0) > 0 || ms_left(&dl) == 0)
			return;
		(void)poll(&pf, 1, ms_left(&dl) < 20 ? ms_left(&dl) : 20);
	}
}

EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		return pk_send(p, buf, len);
	return real_send(fd, buf, len, flags);
}

EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, socklen_t tolen)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		return pk_send(p, buf, len);
	return real_sendto(fd, buf, len, flags, to, tolen);
}

EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		return pk_send(p, buf, len);
	return real_write(fd, buf, len);
}

EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	uint64_t buf[PFK_MSG_MAX / 8];
	struct pk *p;
	size_t i, len = 0;

	resolve();
	p = lookup(fd);
	if (p == NULL)
		return real_sendmsg(fd, msg, flags);
	for (i = 0; i < msg->msg_iovlen; i++) {
		if (len + msg->msg_iov[i].iov_len > sizeof(buf)) {
			errno = EMSGSIZE;
			return -1;
		}
		memcpy((uint8_t *)buf + len, msg->msg_iov[i].iov_base,
		    msg->msg_iov[i].iov_len);
		len += msg->msg_iov[i].iov_len;
	}
	return pk_send(p, buf, len);
}

EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		pk_before_read(p, fd, flags);
	return real_recv(fd, buf, len, flags);
}

EXPORT ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
    socklen_t *fromlen)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		pk_before_read(p, fd, flags);
	return real_recvfrom(fd, buf, len, flags, from, fromlen);
}

EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		pk_before_read(p, fd, flags);
	return real_recvmsg(fd, msg, flags);
}

EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	struct pk *p;

	resolve();
	p = lookup(fd);
	if (p != NULL)
		pk_before_read(p, fd, 0);
	return real_read(fd, buf, len);
}

/* _FORTIFY_SOURCE builds (Debian's racoon) call these instead. */
EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
    int flags);
EXPORT ssize_t
__recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		abort();
	return recv(fd, buf, len, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
    int flags, struct sockaddr *from, socklen_t *fromlen);
EXPORT ssize_t
__recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
    struct sockaddr *from, socklen_t *fromlen)
{
	if (len > buflen)
		abort();
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return read(fd, buf, len);
}

EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	resolve();
	if ((level == IPPROTO_IP && name == IP_IPSEC_POLICY) ||
	    (level == IPPROTO_IPV6 && name == IPV6_IPSEC_POLICY))
		return 0;	/* IKE bypass is dpsecd's exception path */
	return real_setsockopt(fd, level, name, val, len);
}
