/*
 * Hostile control clients (issue 10): a client that floods requests
 * without reading, one that never reads during a broadcast storm,
 * truncated, runt, oversized and garbage records, clients that disconnect
 * in the middle of a dump, and more clients than the limit.  In every case
 * the server stays up, its per-client output queue stays bounded
 * (client_queue_bytes plus one message), replies are never dropped (flow
 * control: dpsecd stops reading a client whose replies it cannot send),
 * broadcasts to a full queue are dropped and counted, and the other
 * clients are served.  In-process server of pfk_client.h; the control
 * thread is paused to inspect its state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <signal.h>
#include <cmocka.h>

#include "pfk_client.h"
#include "ctrl_priv.h"

#define QBYTES	(64 * 1024)
#define MAXCL	8

static struct srv S;
static struct tmsg t;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

static void
pause_srv(void)
{
	S.stop = 1;
	pthread_join(S.thr, NULL);
}

static void
resume_srv(void)
{
	S.stop = 0;
	srv_start(&S);
}

/* The largest output queue of any client (server paused). */
static size_t
max_qbytes(void)
{
	struct ctrl_client *cl;
	size_t m = 0;

	TAILQ_FOREACH(cl, &S.ctrl->clients, link)
		if (cl->qbytes > m)
			m = cl->qbytes;
	return m;
}

static int
req(int fd)
{
	uint32_t seq = tmsg_hdr(&t)->sadb_msg_seq;
	ssize_t n;

	assert_int_equal(cli_send(fd, &t), 0);
	do {
		n = cli_recv(fd, rbuf, sizeof(rbuf), 3000);
		assert_true(n >= 16);
	} while (rh->sadb_msg_seq != seq ||
	    rh->sadb_msg_type != tmsg_hdr(&t)->sadb_msg_type);
	return rh->sadb_msg_errno;
}

static int
drain(int fd, int timeout_ms)
{
	int k = 0;

	while (cli_recv(fd, rbuf, sizeof(rbuf), timeout_ms) > 0)
		k++;
	return k;
}

static void
get_missing(uint32_t seq)
{
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, seq);
	tmsg_sa(&t, 0x9999, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
}

static int
setup(void **state)
{
	struct ctrl_params cp = { .client_queue_bytes = QBYTES,
	    .max_clients = MAXCL };

	if (srv_create(&S, 1024, &cp) != 0)
		return -1;
	srv_start(&S);
	return 0;
}

static int
teardown(void **state)
{
	srv_destroy(&S);
	return 0;
}

/* A client that floods requests and does not read its replies. */
static void
test_flood(void **state)
{
	int f = cli_open(S.path), g = cli_open(S.path);
	unsigned int sent = 0, got = 0, i;
	uint64_t t0 = srv_now_ns();
	size_t q;

	assert_true(f >= 0 && g >= 0);
	get_missing(1);
	/* until the socket pushes back for a while (or 2 s) */
	while (srv_now_ns() - t0 < 2000000000ull) {
		if (send(f, t.w, t.len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)t.len)
			sent++;
		else if (sent > 1000)
			break;
	}
	assert_true(sent > 1000);
	/* another client is served meanwhile */
	for (i = 0; i < 20; i++) {
		get_missing(100 + i);
		assert_int_equal(req(g), ESRCH);
	}
	pause_srv();
	q = max_qbytes();
	resume_srv();
	print_message("flood: %u requests unread, largest queue %zu bytes\n",
	    sent, q);
	assert_true(q <= QBYTES + PFK_MSG_MAX);
	/* every request gets its reply in the end: none dropped */
	while (got < sent && cli_recv(f, rbuf, sizeof(rbuf), 3000) > 0) {
		assert_int_equal(rh->sadb_msg_errno, ESRCH);
		got++;
	}
	assert_int_equal(got, sent);
	close(f);
	close(g);
}

/* A client that never reads while a broadcast storm goes on. */
static void
test_never_reader(void **state)
{
	int a = cli_open(S.path), b = cli_open(S.path), n = cli_open(S.path);
	int sz = 4096, i, seen = 0, ops = 0;
	struct ctrl_stats st;
	size_t q;

	assert_true(a >= 0 && b >= 0 && n >= 0);
	setsockopt(n, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	for (i = 0; i < 1500; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0", 100 + i / 250, i % 250);
		tmsg_spdadd4(&t, SADB_X_SPDADD, 1000 + i, s, 24, "10.2.0.0",
		    24, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		assert_int_equal(req(a), 0);
		ops++;
		/* b reads as it goes: it must see every broadcast */
		while (cli_recv(b, rbuf, sizeof(rbuf), 0) > 0)
			seen++;
	}
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 5000);
	assert_int_equal(req(a), 0);
	ops++;
	seen += drain(b, 300);
	assert_int_equal(seen, ops);
	pause_srv();
	q = max_qbytes();
	ctrl_stats(S.ctrl, &st);
	resume_srv();
	print_message("storm: %d broadcasts, %" PRIu64 " dropped for the "
	    "never-reader, largest queue %zu bytes\n", ops,
	    st.bcast_dropped, q);
	assert_true(q <= QBYTES + PFK_MSG_MAX);
	assert_true(st.bcast_dropped > 0);
	/* the never-reader is still connected and gets what was queued */
	assert_true(drain(n, 300) > 0);
	get_missing(6000);
	assert_int_equal(req(n), ESRCH);
	close(a);
	close(b);
	close(n);
}

/* Truncated, runt, oversized and garbage records. */
static void
test_bad_records(void **state)
{
	static uint8_t big[PFK_MSG_MAX + 64];
	struct sadb_msg *h = (struct sadb_msg *)big;
	int a = cli_open(S.path);
	unsigned int i, len;

	assert_true(a >= 0);
	/* header claims 10 words, 24 bytes sent */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 1);
	tmsg_hdr(&t)->sadb_msg_len = 10;
	t.len = 24;
	assert_int_equal(req(a), EINVAL);
	/* length 0 */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 2);
	tmsg_hdr(&t)->sadb_msg_len = 0;
	assert_int_equal(req(a), EINVAL);
	/* an extension running past the end */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 3);
	tmsg_sa(&t, 0x1234, 0, 0);
	((struct sadb_ext *)((uint8_t *)t.w + 16))->sadb_ext_len = 200;
	assert_int_equal(req(a), EINVAL);
	/* runts: no reply, the connection stays */
	for (len = 1; len < 16; len++)
		assert_int_equal(send(a, big, len, 0), (ssize_t)len);
	assert_int_equal(cli_recv(a, rbuf, sizeof(rbuf), 100), -1);
	/* one byte over the limit, and far over */
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = SADB_FLUSH;
	h->sadb_msg_seq = 4;
	h->sadb_msg_len = (PFK_MSG_MAX + 8) / 8;
	assert_int_equal(send(a, big, PFK_MSG_MAX + 8, 0), PFK_MSG_MAX + 8);
	assert_true(cli_recv(a, rbuf, sizeof(rbuf), 2000) >= 16);
	assert_int_equal(rh->sadb_msg_errno, EMSGSIZE);
	assert_int_equal(rh->sadb_msg_seq, 4);
	/* garbage: random records of random sizes */
	srand(1);
	for (i = 0; i < 2000; i++) {
		unsigned int j;

		len = (unsigned int)rand() % 600 + 1;
		for (j = 0; j < len; j++)
			big[j] = (uint8_t)rand();
		if (len >= 16 && i % 2 == 0) {
			h->sadb_msg_version = PF_KEY_V2;
			h->sadb_msg_len = (uint16_t)(len / 8);
		}
		assert_int_equal(send(a, big, len, 0), (ssize_t)len);
		if (i % 64 == 0)
			drain(a, 0);
	}
	drain(a, 200);
	/* still served */
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 7);
	assert_int_equal(req(a), 0);
	close(a);
}

/* Clients that go away in the middle of a dump. */
static void
test_dump_disconnect(void **state)
{
	int a = cli_open(S.path), d, e, f, i, n;
	struct ctrl_stats st;

	assert_true(a >= 0);
	for (i = 0; i < 1000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0", 100 + i / 250, i % 250);
		tmsg_spdadd4(&t, SADB_X_SPDADD, 1000 + i, s, 24, "10.2.0.0",
		    24, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		assert_int_equal(req(a), 0);
	}
	for (i = 0; i < 10; i++) {
		d = cli_open(S.path);
		e = cli_open(S.path);
		assert_true(d >= 0 && e >= 0);
		tmsg_init(&t, SADB_X_SPDDUMP, 0, 1);
		assert_int_equal(cli_send(d, &t), 0);
		assert_int_equal(cli_send(e, &t), 0);
		for (n = 0; n < i; n++)
			assert_true(cli_recv(d, rbuf, sizeof(rbuf), 2000) > 0);
		close(d);	/* after i messages */
		close(e);	/* without reading */
	}
	/* a complete dump still works: 1000 entries, the last seq 0 */
	f = cli_open(S.path);
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 2);
	assert_int_equal(cli_send(f, &t), 0);
	for (n = 0; n < 1000; n++) {
		assert_true(cli_recv(f, rbuf, sizeof(rbuf), 2000) > 0);
		assert_int_equal(rh->sadb_msg_errno, 0);
		if (rh->sadb_msg_seq == 0)
			break;
	}
	assert_int_equal(n, 999);
	close(f);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 3);
	assert_int_equal(req(a), 0);
	usleep(100000);
	pause_srv();
	ctrl_stats(S.ctrl, &st);
	resume_srv();
	assert_int_equal(st.clients, 1);	/* only a is left */
	close(a);
}

/* Up to the limit; the next is refused cleanly; a freed slot is reused. */
static void
test_limit(void **state)
{
	int fds[MAXCL + 1], i, x;
	struct ctrl_stats st0, st;

	usleep(100000);
	pause_srv();
	ctrl_stats(S.ctrl, &st0);
	resume_srv();
	for (i = 0; i < MAXCL + 1; i++) {
		fds[i] = cli_open(S.path);
		assert_true(fds[i] >= 0);
		usleep(20000);	/* accepted in order */
	}
	/* the one over the limit: EOF, no reply */
	assert_int_equal(cli_recv(fds[MAXCL], rbuf, sizeof(rbuf), 2000), 0);
	for (i = 0; i < MAXCL; i++) {
		get_missing(10 + i);
		assert_int_equal(req(fds[i]), ESRCH);
	}
	close(fds[MAXCL]);
	close(fds[0]);
	usleep(100000);
	x = cli_open(S.path);
	assert_true(x >= 0);
	get_missing(99);
	assert_int_equal(req(x), ESRCH);
	pause_srv();
	ctrl_stats(S.ctrl, &st);
	resume_srv();
	assert_int_equal(st.refused_limit - st0.refused_limit, 1);
	assert_int_equal(st.clients, MAXCL);
	close(x);
	for (i = 1; i < MAXCL; i++)
		close(fds[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_never_reader),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_dump_disconnect),
		cmocka_unit_test(test_limit),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
