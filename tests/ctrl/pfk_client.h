/*
 * Test/bench helper: a PF_KEY client over dpsecd's socket using only the
 * plain <linux/pfkeyv2.h> structures, and an in-process server (EAL,
 * qsbr, sad, spd, ctrl) run by a control thread.
 */
#ifndef DPSEC_PFK_CLIENT_H
#define DPSEC_PFK_CLIENT_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ctrl.h"
#include "sad.h"
#include "spd.h"
#include "pfk_testmsg.h"

static inline int
cli_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int
cli_send(int fd, const struct tmsg *t)
{
	return send(fd, t->w, t->len, MSG_NOSIGNAL) == (ssize_t)t->len ? 0 :
	    -1;
}

/* One record within timeout_ms: its length, 0 on EOF, -1 on timeout. */
static inline ssize_t
cli_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

/* Server: EAL once, then databases and a control thread per test. */
struct srv {
	char path[108];
	struct rte_rcu_qsbr *qsbr;
	struct sad *sad;
	struct spd *spd;
	struct ctrl *ctrl;
	pthread_t thr;
	volatile int stop;
	volatile int acq_failed_seq;
	volatile int acq_failed_err;
	/* run fn(s) once on the control thread (srv_call) */
	void (*volatile fn)(struct srv *s);
	volatile int fn_done;
	void *fn_arg;
};

/* Run fn on the control thread (which owns sad, spd and ctrl), wait. */
static inline void
srv_call(struct srv *s, void (*fn)(struct srv *), void *arg)
{
	s->fn_arg = arg;
	s->fn_done = 0;
	__atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->fn_done, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static inline int
srv_eal(void)
{
	static int done;
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "1024",
	    prefix, "--no-shconf", "-l", "0", "--log-level", "5", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-ctrl-%d",
	    (int)getpid());
	if (done)
		return 0;
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	done = 1;
	return 0;
}

static void
srv_acq_failed(uint32_t seq, int err, void *arg)
{
	struct srv *s = arg;

	s->acq_failed_seq = (int)seq;
	s->acq_failed_err = err;
}

static inline uint64_t
srv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;

	while (!s->stop) {
		void (*fn)(struct srv *) = __atomic_load_n(&s->fn,
		    __ATOMIC_ACQUIRE);

		if (fn != NULL) {
			s->fn = NULL;
			fn(s);
			__atomic_store_n(&s->fn_done, 1, __ATOMIC_RELEASE);
		}
		ctrl_poll(s->ctrl, 5);
		if (s->spd != NULL)
			spd_tick(s->spd, srv_now_ns());
		if (s->sad != NULL)
			sad_reclaim(s->sad);
	}
	return NULL;
}

/* Create databases (max_sa SAs) and the socket; caller may fill them
 * before srv_start().  Returns 0, or -1 (sad may be NULL if sadb is not
 * available: its tests skip). */
static inline int
srv_create(struct srv *s, uint32_t max_sa, const struct ctrl_params *cp0)
{
	static int n;
	struct sad_params sp;
	struct spd_params pp;
	struct ctrl_params cp;
	struct ctrl_hooks h = { srv_acq_failed, s };
	char name[32];
	size_t sz;

	memset(s, 0, sizeof(*s));
	if (srv_eal() != 0)
		return -1;
	sz = rte_rcu_qsbr_get_memsize(1);
	s->qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (s->qsbr == NULL || rte_rcu_qsbr_init(s->qsbr, 1) != 0)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.qsbr = s->qsbr;
	sp.max_sa = max_sa;
	sp.socket_id = SOCKET_ID_ANY;
	s->sad = sad_create(&sp);
	memset(&pp, 0, sizeof(pp));
	snprintf(name, sizeof(name), "tspd%d", n++);
	pp.name = name;
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = s->qsbr;
	pp.max_policies = 200000;
	s->spd = spd_create(&pp);
	if (s->spd == NULL)
		return -1;
	if (cp0 != NULL)
		cp = *cp0;
	else
		memset(&cp, 0, sizeof(cp));
	snprintf(s->path, sizeof(s->path), "/tmp/dpsec-test-%d-%d.sock",
	    (int)getpid(), n);
	cp.path = s->path;
	s->ctrl = ctrl_create(&cp, s->sad, s->spd, &h);
	return s->ctrl != NULL ? 0 : -1;
}

static inline void
srv_start(struct srv *s)
{
	pthread_create(&s->thr, NULL, srv_main, s);
}

static inline void
srv_destroy(struct srv *s)
{
	s->stop = 1;
	pthread_join(s->thr, NULL);
	ctrl_destroy(s->ctrl);
	if (s->sad != NULL)
		sad_destroy(s->sad);
	if (s->spd != NULL)
		spd_free(s->spd);
	rte_free(s->qsbr);
}

#endif
