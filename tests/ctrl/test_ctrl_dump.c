/*
 * Lesson 1: dumps that never truncate.  N SAs (1,000,000; 100,000 in
 * sanitizer builds, which are ~10x slower) and P policies (100,000;
 * 20,000 under sanitizers) are dumped over the real socket to a reader
 * that deliberately stalls for long stretches: every entry must arrive
 * exactly once, seq must count 1, 2, 3, ... with 0 on the last message,
 * and another client must be served while the dump runs.  A reader that
 * disconnects mid-dump ends it (ASan checks nothing leaks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pfk_client.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define N_SA	100000u
#define N_POL	20000u
#else
#define N_SA	1000000u
#define N_POL	100000u
#endif
#define SPI0	0x10000u
#define STALL_EVERY	(N_SA / 8)

static struct srv S;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

/* The other client: round trips while the dump is running. */
struct other {
	pthread_t thr;
	volatile int go, done, served, failed;
};

static void *
other_main(void *arg)
{
	struct other *o = arg;
	uint64_t buf[64];
	struct tmsg t;
	int fd = cli_open(S.path), i;

	while (!o->go)
		usleep(1000);
	for (i = 0; i < 50 && fd >= 0; i++) {
		tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_UNSPEC, 500 + i);
		if (cli_send(fd, &t) != 0 ||
		    cli_recv(fd, buf, sizeof(buf), 1000) <= 0) {
			o->failed++;
			break;
		}
		o->served++;
	}
	if (fd >= 0)
		close(fd);
	o->done = 1;
	return NULL;
}

static int
setup(void **state)
{
	struct sa_params p;
	struct spd_policy_conf pc;
	static const uint8_t key[20];
	uint32_t i;

	if (srv_create(&S, N_SA + 16, NULL) != 0 || S.sad == NULL)
		return -1;
	/* populate before the control thread starts (single owner) */
	memset(&p, 0, sizeof(p));
	p.proto = IPPROTO_ESP;
	p.mode = IPSEC_MODE_TUNNEL;
	p.ealg = SADB_X_EALG_AES_GCM_ICV16;
	p.enc_key = key;
	p.enc_key_len = sizeof(key);
	p.replay_window = 64;
	sa_addr_v4(&p.src, htonl(0xc0000201));
	for (i = 0; i < N_SA; i++) {
		sa_addr_v4(&p.dst, htonl(0x0a000000 + (i & 0xffff)));
		p.spi = SPI0 + i;
		if (sad_add(S.sad, &p, NULL) != 0)
			return -1;
	}
	memset(&pc, 0, sizeof(pc));
	pc.dir = SPD_DIR_OUT;
	pc.priority = 0x80000000u;
	pc.action = SPD_ACT_DISCARD;
	pc.sel.af = AF_INET;
	pc.sel.proto = SPD_PROTO_ANY;
	pc.sel.src_plen = 32;
	pc.sel.dst_plen = 24;
	pc.sel.sport_hi = pc.sel.dport_hi = 65535;
	for (i = 0; i < N_POL; i++) {
		uint32_t a = htonl(0x0a000000 + i);

		memcpy(pc.sel.src, &a, 4);
		if (spd_add(S.spd, &pc, NULL) != 0)
			return -1;
	}
	if (spd_commit(S.spd) != 0)
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

/* Dump of @type to a reader that stalls; returns entries received. */
static uint32_t
slow_dump(uint8_t type, uint32_t n, uint8_t *seen, uint32_t stall_every)
{
	struct other o = { 0 };
	struct tmsg t;
	uint32_t got = 0;
	int fd = cli_open(S.path);
	ssize_t r;

	assert_true(fd >= 0);
	pthread_create(&o.thr, NULL, other_main, &o);
	tmsg_init(&t, type, SADB_SATYPE_UNSPEC, 77);
	assert_int_equal(cli_send(fd, &t), 0);
	for (;;) {
		if (got % stall_every == stall_every / 2) {
			/* stall: the socket fills, dpsecd must hold the rest
			 * and keep serving the other client meanwhile */
			o.go = 1;
			usleep(300000);
		}
		r = cli_recv(fd, rbuf, sizeof(rbuf), 5000);
		assert_true(r >= 16);
		assert_int_equal(rh->sadb_msg_type, type);
		assert_int_equal(rh->sadb_msg_errno, 0);
		assert_int_equal(rh->sadb_msg_pid, 4242);
		got++;
		if (seen != NULL) {
			const struct sadb_sa *sa =
			    (const struct sadb_sa *)(rbuf + 2);
			uint32_t k = ntohl(sa->sadb_sa_spi) - SPI0;

			assert_int_equal(sa->sadb_sa_exttype, SADB_EXT_SA);
			assert_true(k < n);
			assert_int_equal(seen[k], 0);
			seen[k] = 1;
		}
		if (rh->sadb_msg_seq == 0)
			break;
		assert_int_equal(rh->sadb_msg_seq, got);
	}
	pthread_join(o.thr, NULL);
	assert_int_equal(o.failed, 0);
	assert_int_equal(o.served, 50);
	close(fd);
	return got;
}

static void
test_sa_dump_slow_reader(void **state)
{
	uint8_t *seen = calloc(N_SA, 1);

	assert_non_null(seen);
	assert_int_equal(slow_dump(SADB_DUMP, N_SA, seen, STALL_EVERY), N_SA);
	free(seen);
}

static void
test_spd_dump_slow_reader(void **state)
{
	assert_int_equal(slow_dump(SADB_X_SPDDUMP, N_POL, NULL, N_POL / 4),
	    N_POL);
}

static void
test_disconnect_mid_dump(void **state)
{
	struct tmsg t;
	int i, fd;

	for (i = 0; i < 3; i++) {
		fd = cli_open(S.path);
		tmsg_init(&t, i == 1 ? SADB_X_SPDDUMP : SADB_DUMP, 0, 88);
		assert_int_equal(cli_send(fd, &t), 0);
		assert_true(cli_recv(fd, rbuf, sizeof(rbuf), 2000) > 16);
		close(fd);	/* mid-dump */
	}
	/* the server is fine and the next dump is complete and fresh */
	fd = cli_open(S.path);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 89);
	assert_int_equal(cli_send(fd, &t), 0);
	assert_true(cli_recv(fd, rbuf, sizeof(rbuf), 5000) == 16);
	assert_int_equal(rh->sadb_msg_errno, 0);
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 90);
	assert_int_equal(cli_send(fd, &t), 0);
	assert_true(cli_recv(fd, rbuf, sizeof(rbuf), 5000) == 16);
	assert_int_equal(rh->sadb_msg_errno, ENOENT);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_dump_slow_reader),
		cmocka_unit_test(test_spd_dump_slow_reader),
		cmocka_unit_test(test_disconnect_mid_dump),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
