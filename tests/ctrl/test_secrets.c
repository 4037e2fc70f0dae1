/*
 * Secrets (issue 10, docs/security.md): key bytes never appear in
 * dpsecd's log (every log type at DEBUG, captured with
 * rte_openlog_stream()) nor in anything the control socket sends --
 * replies to the requester (ADD, UPDATE, GET, DUMP, DELETE, errors),
 * broadcasts to other and to registered sockets, copies to promiscuous
 * sockets -- across ADD, GETSPI+UPDATE, GET, DUMP, DELETE, malformed
 * requests, hard expiry and FLUSH; a setkey file with a bad key does not
 * echo the key in its error.  Key wiping when an SA is freed is tested by
 * tests/sadb/test_sad.c (every freed struct sa must be all-zero); who may
 * connect is tested by test_ctrl_conf.c (uid, client limit) and by
 * test_peer_gid below (gid allow list, socket file mode and owner).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <rte_log.h>

#include "pfk_client.h"

static struct srv S;
static struct tmsg t;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

/* Keys: distinctive, no zero byte, different per test run. */
static uint8_t kenc[16], kauth[32], kgcm[20];

/* Everything any client received, scanned at the end. */
static uint8_t *seen;
static size_t seen_len, seen_cap;

static volatile uint64_t tick_at;	/* sad_tick() request for the loop */
static volatile int tick_done;

static void *
loop(void *arg)
{
	struct srv *s = arg;

	while (!s->stop) {
		ctrl_poll(s->ctrl, 5);
		spd_tick(s->spd, srv_now_ns());
		if (tick_at != 0) {
			sad_tick(s->sad, tick_at);
			tick_at = 0;
			tick_done = 1;
		}
		sad_reclaim(s->sad);
	}
	return NULL;
}

static void
keep(const void *p, size_t n)
{
	if (seen_len + n > seen_cap) {
		seen_cap = (seen_len + n) * 2;
		seen = realloc(seen, seen_cap);
		assert_non_null(seen);
	}
	memcpy(seen + seen_len, p, n);
	seen_len += n;
}

/* Read everything fd has within timeout_ms of quiet; keep it. */
static int
drain(int fd, int timeout_ms)
{
	ssize_t n;
	int k = 0;

	while ((n = cli_recv(fd, rbuf, sizeof(rbuf), timeout_ms)) > 0) {
		keep(rbuf, (size_t)n);
		k++;
	}
	return k;
}

/* Send t on fd, read the sender's reply (kept), return its errno. */
static int
req(int fd)
{
	uint32_t seq = tmsg_hdr(&t)->sadb_msg_seq;
	uint8_t type = tmsg_hdr(&t)->sadb_msg_type;
	ssize_t n;

	assert_int_equal(cli_send(fd, &t), 0);
	do {	/* skip (but keep) broadcasts of other requests */
		n = cli_recv(fd, rbuf, sizeof(rbuf), 2000);
		assert_true(n >= 16);
		keep(rbuf, (size_t)n);
	} while (rh->sadb_msg_seq != seq || rh->sadb_msg_type != type);
	return rh->sadb_msg_errno;
}

static const void *
rx_ext(uint16_t type)
{
	const uint8_t *p = (const uint8_t *)rbuf + 16;
	const uint8_t *end = (const uint8_t *)rbuf + rh->sadb_msg_len * 8;

	while (p < end) {
		const struct sadb_ext *e = (const void *)p;

		if (e->sadb_ext_len == 0)
			return NULL;
		if (e->sadb_ext_type == type)
			return p;
		p += e->sadb_ext_len * 8;
	}
	return NULL;
}

/* Does buf hold 6 consecutive bytes of a key, raw or as hex text? */
static const char *
leak(const uint8_t *buf, size_t len)
{
	static const struct { const uint8_t *k; size_t n; const char *name; }
	    keys[] = { { kenc, sizeof(kenc), "enc" },
	    { kauth, sizeof(kauth), "auth" }, { kgcm, sizeof(kgcm), "gcm" } };
	char hex[2 * 32 + 1], HEX[2 * 32 + 1];
	unsigned int i;
	size_t j;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (j = 0; j < keys[i].n; j++) {
			snprintf(hex + 2 * j, 3, "%02x", keys[i].k[j]);
			snprintf(HEX + 2 * j, 3, "%02X", keys[i].k[j]);
		}
		for (j = 0; j + 6 <= keys[i].n; j++)
			if (memmem(buf, len, keys[i].k + j, 6) != NULL ||
			    memmem(buf, len, hex + 2 * j, 12) != NULL ||
			    memmem(buf, len, HEX + 2 * j, 12) != NULL)
				return keys[i].name;
	}
	return NULL;
}

static void
fill_key(uint8_t *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = (uint8_t)(rand() % 255 + 1);
}

static void
add_cbc(uint8_t type, uint32_t seq, uint32_t spi, uint64_t hard_add)
{
	tmsg_init(&t, type, SADB_SATYPE_ESP, seq);
	tmsg_sa(&t, spi, SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_AUTH, kauth, 256);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, kenc, 128);
	if (hard_add != 0) {	/* both or neither */
		tmsg_lifetime(&t, SADB_EXT_LIFETIME_HARD, 0, hard_add);
		tmsg_lifetime(&t, SADB_EXT_LIFETIME_SOFT, 0, hard_add / 2);
	}
}

static void
sa_msg(uint8_t type, uint32_t seq, uint32_t spi, const char *src)
{
	tmsg_init(&t, type, SADB_SATYPE_ESP, seq);
	tmsg_sa(&t, spi, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, src, 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
}

static void
test_no_key_leaves(void **state)
{
	int a, b, p, r, fds[4], i, n;
	const struct sadb_sa *sa;
	struct sadb_spirange *sr;
	uint32_t spi;
	FILE *lf;
	long sz;
	uint8_t *logbuf;
	const char *what;

	srand((unsigned int)getpid() ^ (unsigned int)time(NULL));
	fill_key(kenc, sizeof(kenc));
	fill_key(kauth, sizeof(kauth));
	fill_key(kgcm, sizeof(kgcm));
	lf = tmpfile();
	assert_non_null(lf);
	assert_int_equal(rte_openlog_stream(lf), 0);
	rte_log_set_global_level(RTE_LOG_DEBUG);
	rte_log_set_level_pattern("*", RTE_LOG_DEBUG);

	assert_int_equal(srv_create(&S, 64, NULL), 0);
	if (S.sad == NULL)
		skip();
	pthread_create(&S.thr, NULL, loop, &S);
	a = cli_open(S.path);
	b = cli_open(S.path);
	p = cli_open(S.path);
	r = cli_open(S.path);
	assert_true(a >= 0 && b >= 0 && p >= 0 && r >= 0);
	fds[0] = a;
	fds[1] = b;
	fds[2] = p;
	fds[3] = r;
	tmsg_init(&t, SADB_X_PROMISC, 1, 1);
	assert_int_equal(req(p), 0);
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 2);
	assert_int_equal(req(r), 0);

	/* ADD, GET, DUMP, DELETE */
	add_cbc(SADB_ADD, 10, 0x5001, 0);
	assert_int_equal(req(a), 0);
	add_cbc(SADB_ADD, 11, 0x5002, 1000);
	assert_int_equal(req(a), 0);
	sa_msg(SADB_GET, 12, 0x5001, "10.0.0.1");
	assert_int_equal(req(a), 0);
	assert_non_null(rx_ext(SADB_EXT_SA));
	assert_null(rx_ext(SADB_EXT_KEY_AUTH));
	assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_ESP, 13);
	assert_int_equal(cli_send(a, &t), 0);
	for (n = 0; n < 2; n++) {
		assert_true(cli_recv(a, rbuf, sizeof(rbuf), 2000) >= 16);
		keep(rbuf, rh->sadb_msg_len * 8);
		assert_int_equal(rh->sadb_msg_errno, 0);
		assert_non_null(rx_ext(SADB_EXT_SA));
		assert_null(rx_ext(SADB_EXT_KEY_AUTH));
		assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	}
	assert_int_equal(rh->sadb_msg_seq, 0);	/* the last one */

	/* GETSPI then UPDATE with an AEAD key */
	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 20);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.3", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	sr = tmsg_ext(&t, SADB_EXT_SPIRANGE, sizeof(*sr));
	sr->sadb_spirange_min = 0x6000;
	sr->sadb_spirange_max = 0x6fff;
	assert_int_equal(req(a), 0);
	sa = rx_ext(SADB_EXT_SA);
	assert_non_null(sa);
	spi = ntohl(sa->sadb_sa_spi);
	tmsg_init(&t, SADB_UPDATE, SADB_SATYPE_ESP, 21);
	tmsg_sa(&t, spi, SADB_AALG_NONE, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.3", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, kgcm, 160);
	assert_int_equal(req(a), 0);

	/* malformed and refused requests carrying keys */
	add_cbc(SADB_ADD, 30, 0x5001, 0);
	assert_int_equal(req(a), EEXIST);
	add_cbc(SADB_ADD, 31, 0x5003, 0);
	tmsg_hdr(&t)->sadb_msg_reserved = 1;	/* fails validation */
	assert_int_equal(req(a), EINVAL);
	add_cbc(SADB_ADD, 32, 0x5004, 0);
	((struct sadb_key *)((uint8_t *)t.w + t.len - 24))->sadb_key_bits =
	    64;				/* wrong key size for AES */
	assert_int_equal(req(a), EINVAL);

	sa_msg(SADB_DELETE, 40, 0x5001, "10.0.0.1");
	assert_int_equal(req(a), 0);
	/* hard expiry of 0x5002 (add time 1000 s): the clock jumps */
	tick_done = 0;
	tick_at = (uint64_t)time(NULL) + 100000;
	for (i = 0; i < 200 && !tick_done; i++)
		usleep(10000);
	assert_true(tick_done);
	sa_msg(SADB_GET, 41, 0x5002, "10.0.0.1");
	assert_int_equal(req(a), ESRCH);	/* it did expire */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_UNSPEC, 42);
	assert_int_equal(req(a), 0);
	for (i = 0; i < 4; i++) {
		drain(fds[i], 200);
		close(fds[i]);
	}
	srv_destroy(&S);

	/* nothing any client received holds key bytes */
	what = leak(seen, seen_len);
	if (what != NULL)
		fail_msg("%s key bytes in what clients received", what);

	/* nor does the log (which did record the operations) */
	fflush(lf);
	sz = ftell(lf);
	assert_true(sz > 0);
	logbuf = malloc((size_t)sz + 1);
	assert_non_null(logbuf);
	rewind(lf);
	assert_int_equal(fread(logbuf, 1, (size_t)sz, lf), (size_t)sz);
	rte_openlog_stream(NULL);
	what = leak(logbuf, (size_t)sz);
	if (what != NULL)
		fail_msg("%s key bytes in the log", what);
	free(logbuf);
	fclose(lf);
	free(seen);
	seen = NULL;
	seen_len = seen_cap = 0;
}

static void
test_setkey_bad_key(void **state)
{
	char path[64], err[256];
	FILE *f;

	assert_int_equal(srv_create(&S, 16, NULL), 0);
	if (S.sad == NULL)
		skip();
	snprintf(path, sizeof(path), "/tmp/dpsec-secrets-%d.conf",
	    (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	/* one bad hex digit ('g') in an otherwise secret key */
	fprintf(f, "add 10.0.0.1 10.0.0.2 esp 0x7001 -E aes-gcm-16 "
	    "0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e7g5ec ;\n");
	fclose(f);
	err[0] = '\0';
	assert_int_not_equal(ctrl_load_setkey(S.ctrl, path, err,
	    sizeof(err)), 0);
	unlink(path);
	assert_true(err[0] != '\0');
	assert_null(strstr(err, "5ec7e75ec7e7"));
	f = fopen(path, "w");
	assert_non_null(f);
	/* a key of the wrong size */
	fprintf(f, "add 10.0.0.1 10.0.0.2 esp 0x7001 -E aes-gcm-16 "
	    "0x5ec7e75ec7e75ec7e75ec7e7 ;\n");
	fclose(f);
	err[0] = '\0';
	assert_int_not_equal(ctrl_load_setkey(S.ctrl, path, err,
	    sizeof(err)), 0);
	unlink(path);
	assert_null(strstr(err, "5ec7e75ec7e7"));
	srv_start(&S);
	srv_destroy(&S);
}

/* Peers: a gid on the allow list gets in, others are refused; the socket
 * file has the configured mode, owner and group. */
static int
child_try(const char *path, uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t buf[64];
		int fd;

		if (setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(2);
		fd = cli_open(path);
		if (fd < 0)
			_exit(3);
		tmsg_init(&t, SADB_X_SPDDUMP, 0, 1);
		(void)cli_send(fd, &t);
		/* allowed: an answer (ENOENT); refused: EOF */
		_exit(cli_recv(fd, buf, sizeof(buf), 2000) > 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_peer_gid(void **state)
{
	struct ctrl_params cp = { .mode = 0660, .group = 4242,
	    .allow_gid = { 4242 }, .n_allow_gid = 1,
	    .allow_uid = { 4343 }, .n_allow_uid = 1 };
	struct stat sb;

	if (geteuid() != 0)
		skip();
	assert_int_equal(srv_create(&S, 16, &cp), 0);
	srv_start(&S);
	assert_int_equal(stat(S.path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0660);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_gid, 4242);
	/* group member (the file mode lets it connect; the gid is allowed) */
	assert_int_equal(child_try(S.path, 4444, 4242), 0);
	/* another group: the mode keeps it out already */
	assert_int_equal(child_try(S.path, 4444, 4545), 3);
	srv_destroy(&S);

	/* mode 0666: only SO_PEERCRED decides */
	cp.mode = 0666;
	assert_int_equal(srv_create(&S, 16, &cp), 0);
	srv_start(&S);
	assert_int_equal(child_try(S.path, 4444, 4242), 0);	/* gid */
	assert_int_equal(child_try(S.path, 4343, 4545), 0);	/* uid */
	assert_int_equal(child_try(S.path, 4444, 4545), 1);	/* neither */
	srv_destroy(&S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_key_leaves),
		cmocka_unit_test(test_setkey_bad_key),
		cmocka_unit_test(test_peer_gid),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
