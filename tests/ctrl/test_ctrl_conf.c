/*
 * Conformance of the control socket, message type by message type, errors
 * included, driven over the real socket by a client that uses only the
 * plain <linux/pfkeyv2.h> structures.  The server runs in-process on its
 * own (control) thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "pfk_client.h"
#include "pfk.h"	/* only for X_SA_REPLAY, not in the Linux header */

static struct srv S;
static struct tmsg t;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

#define NEED_SAD() do { if (S.sad == NULL) skip(); } while (0)

/* Receive the next record on fd (1 s), fail on timeout. */
static size_t
rx(int fd)
{
	ssize_t n = cli_recv(fd, rbuf, sizeof(rbuf), 2000);

	if (n < 16)
		fprintf(stderr, "rx: nothing after %s seq %u\n",
		    pfk_msg_name(tmsg_hdr(&t)->sadb_msg_type),
		    tmsg_hdr(&t)->sadb_msg_seq);
	assert_true(n >= 16);
	assert_int_equal(rh->sadb_msg_len * 8, n);
	assert_int_equal(rh->sadb_msg_version, PF_KEY_V2);
	return (size_t)n;
}

static void
no_rx(int fd)
{
	assert_int_equal(cli_recv(fd, rbuf, sizeof(rbuf), 100), -1);
}

/* Walk the extensions of the last reply. */
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

/* Request and expect the sender's reply of the same type, errno err. */
static void
req(int fd, int err)
{
	uint8_t type = tmsg_hdr(&t)->sadb_msg_type;
	uint32_t seq = tmsg_hdr(&t)->sadb_msg_seq;

	assert_int_equal(cli_send(fd, &t), 0);
	rx(fd);
	assert_int_equal(rh->sadb_msg_type, type);
	assert_int_equal(rh->sadb_msg_seq, seq);
	assert_int_equal(rh->sadb_msg_pid, 4242);
	assert_int_equal(rh->sadb_msg_errno, err);
	if (err != 0)
		assert_int_equal(rh->sadb_msg_len, 2);
}

static int
setup(void **state)
{
	if (srv_create(&S, 4096, NULL) != 0)
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

static void
test_register(void **state)
{
	int a = cli_open(S.path), b = cli_open(S.path);
	const struct sadb_supported *sup;
	const struct sadb_alg *alg;
	int i, n, gcm = 0, chacha = 0, sha256 = 0;

	assert_true(a >= 0 && b >= 0);
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	req(a, 0);
	assert_non_null(rx_ext(SADB_EXT_SUPPORTED_AUTH));
	sup = rx_ext(SADB_EXT_SUPPORTED_ENCRYPT);
	assert_non_null(sup);
	n = (sup->sadb_supported_len * 8 - 8) / 8;
	alg = (const struct sadb_alg *)(sup + 1);
	for (i = 0; i < n; i++) {
		if (alg[i].sadb_alg_id == SADB_X_EALG_AES_GCM_ICV16) {
			assert_int_equal(alg[i].sadb_alg_minbits, 160);
			assert_int_equal(alg[i].sadb_alg_maxbits, 288);
			gcm = 1;
		}
		if (alg[i].sadb_alg_id == 250) {
			assert_int_equal(alg[i].sadb_alg_minbits, 288);
			chacha = 1;
		}
	}
	sup = rx_ext(SADB_EXT_SUPPORTED_AUTH);
	alg = (const struct sadb_alg *)(sup + 1);
	for (i = 0; i < (sup->sadb_supported_len * 8 - 8) / 8; i++)
		if (alg[i].sadb_alg_id == SADB_X_AALG_SHA2_256HMAC)
			sha256 = alg[i].sadb_alg_maxbits == 256;
	assert_true(gcm && chacha && sha256);
	/* b registers: a (registered) gets a copy, b its reply */
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 2);
	req(b, 0);
	rx(a);
	assert_int_equal(rh->sadb_msg_type, SADB_REGISTER);
	assert_int_equal(rh->sadb_msg_seq, 2);
	/* racoon registers AH and IPCOMP too: must not fail */
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_AH, 3);
	req(b, 0);
	tmsg_init(&t, SADB_REGISTER, SADB_X_SATYPE_IPCOMP, 4);
	req(b, 0);
	close(a);
	close(b);
}

static void
test_add_get_delete(void **state)
{
	int a = cli_open(S.path), b = cli_open(S.path);
	const struct sadb_sa *sa;

	NEED_SAD();
	tmsg_add_gcm(&t, SADB_ADD, 10, "10.0.0.1", "10.0.0.2", 0x1001);
	req(a, 0);
	/* broadcast to every socket, keys left out */
	assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	assert_non_null(rx_ext(SADB_EXT_SA));
	rx(b);
	assert_int_equal(rh->sadb_msg_type, SADB_ADD);
	assert_int_equal(rh->sadb_msg_seq, 10);
	assert_int_equal(rh->sadb_msg_pid, 4242);
	assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	/* duplicate */
	req(a, EEXIST);
	no_rx(b);	/* errors go to the sender only */

	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 11);
	tmsg_sa(&t, 0x1001, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.9.9.9", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, 0);	/* the source does not take part */
	sa = rx_ext(SADB_EXT_SA);
	assert_non_null(sa);
	assert_int_equal(ntohl(sa->sadb_sa_spi), 0x1001);
	assert_int_equal(sa->sadb_sa_state, SADB_SASTATE_MATURE);
	assert_int_equal(sa->sadb_sa_encrypt, SADB_X_EALG_AES_GCM_ICV16);
	assert_non_null(rx_ext(SADB_EXT_LIFETIME_CURRENT));
	assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	no_rx(b);	/* GET answers the sender only */

	tmsg_init(&t, SADB_DELETE, SADB_SATYPE_ESP, 12);
	tmsg_sa(&t, 0x1001, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, 0);
	rx(b);
	assert_int_equal(rh->sadb_msg_type, SADB_DELETE);
	req(a, ESRCH);
	tmsg_hdr(&t)->sadb_msg_type = SADB_GET;
	req(a, ESRCH);
	close(a);
	close(b);
}

static void
test_add_errors(void **state)
{
	static const uint8_t k[64];
	struct sadb_sa *sa;
	struct sadb_key *key;
	int a = cli_open(S.path);

	NEED_SAD();
	/* unknown encryption algorithm */
	tmsg_add_gcm(&t, SADB_ADD, 20, "10.0.0.1", "10.0.0.2", 0x2001);
	sa = (struct sadb_sa *)((uint8_t *)t.w + 16);
	sa->sadb_sa_encrypt = SADB_X_EALG_TWOFISHCBC;
	req(a, ENOSYS);
	/* AES-GCM with a 128-bit key (no salt) */
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 21);
	tmsg_sa(&t, 0x2001, 0, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	key = tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 128);
	req(a, EINVAL);
	(void)key;
	/* ESP without KEY_ENCRYPT */
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 22);
	tmsg_sa(&t, 0x2001, 0, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, EINVAL);
	/* SPI 0 */
	tmsg_add_gcm(&t, SADB_ADD, 23, "10.0.0.1", "10.0.0.2", 0);
	req(a, EINVAL);
	/* hard lifetime without soft */
	tmsg_add_gcm(&t, SADB_ADD, 24, "10.0.0.1", "10.0.0.2", 0x2001);
	tmsg_lifetime(&t, SADB_EXT_LIFETIME_HARD, 0, 60);
	req(a, EINVAL);
	/* AEAD with an authentication algorithm */
	tmsg_add_gcm(&t, SADB_ADD, 25, "10.0.0.1", "10.0.0.2", 0x2001);
	((struct sadb_sa *)((uint8_t *)t.w + 16))->sadb_sa_auth =
	    SADB_X_AALG_SHA2_256HMAC;
	req(a, EINVAL);
	/* AH */
	tmsg_add_gcm(&t, SADB_ADD, 26, "10.0.0.1", "10.0.0.2", 0x2001);
	tmsg_hdr(&t)->sadb_msg_satype = SADB_SATYPE_AH;
	req(a, EPROTONOSUPPORT);
	/* mixed families */
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 27);
	tmsg_sa(&t, 0x2001, 0, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_DST, "2001:db8::2", 128, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 160);
	req(a, EINVAL);
	/* SENSITIVITY is refused */
	tmsg_add_gcm(&t, SADB_ADD, 28, "10.0.0.1", "10.0.0.2", 0x2001);
	tmsg_ext(&t, SADB_EXT_SENSITIVITY, 16);
	req(a, EOPNOTSUPP);
	/* malformed: key length does not match its bits */
	tmsg_add_gcm(&t, SADB_ADD, 29, "10.0.0.1", "10.0.0.2", 0x2001);
	((struct sadb_key *)((uint8_t *)t.w + t.len - 32))->sadb_key_bits =
	    256;
	req(a, EINVAL);
	/* nothing of the above was installed */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 30);
	tmsg_sa(&t, 0x2001, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, ESRCH);
	/* CBC + SHA-256 and ChaCha20-Poly1305 are fine */
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 31);
	tmsg_sa(&t, 0x2002, SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_AUTH, k, 256);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 256);
	req(a, 0);
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 32);
	tmsg_sa(&t, 0x2003, 0, 250);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 288);
	req(a, 0);
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_UNSPEC, 33);
	req(a, 0);
	close(a);
}

static void
test_getspi_update(void **state)
{
	int a = cli_open(S.path);
	const struct sadb_sa *sa;
	struct sadb_spirange *r;
	uint32_t spi;

	NEED_SAD();
	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 40);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.2", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.1", 32, 0, 255);
	r = tmsg_ext(&t, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x5000;
	r->sadb_spirange_max = 0x5fff;
	req(a, 0);
	sa = rx_ext(SADB_EXT_SA);
	assert_non_null(sa);
	assert_non_null(rx_ext(SADB_EXT_ADDRESS_SRC));
	assert_non_null(rx_ext(SADB_EXT_ADDRESS_DST));
	assert_non_null(rx_ext(SADB_X_EXT_SA2));
	spi = ntohl(sa->sadb_sa_spi);
	assert_true(spi >= 0x5000 && spi <= 0x5fff);
	/* UPDATE with the GETSPI's seq promotes it */
	tmsg_add_gcm(&t, SADB_UPDATE, 40, "10.0.0.2", "10.0.0.1", spi);
	req(a, 0);
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 41);
	tmsg_sa(&t, spi, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.1", 32, 0, 255);
	req(a, 0);
	assert_int_equal(((const struct sadb_sa *)rx_ext(SADB_EXT_SA))->
	    sadb_sa_state, SADB_SASTATE_MATURE);
	/* UPDATE of an SA that does not exist */
	tmsg_add_gcm(&t, SADB_UPDATE, 42, "10.0.0.2", "10.0.0.1", 0x7777);
	req(a, ESRCH);
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 43);
	req(a, 0);
	close(a);
}

static void
test_dump(void **state)
{
	int a = cli_open(S.path);
	uint32_t i, seen = 0;

	NEED_SAD();
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_UNSPEC, 50);
	req(a, ENOENT);	/* empty: one error message, not silence */
	for (i = 0; i < 3; i++) {
		tmsg_add_gcm(&t, SADB_ADD, 51, "10.0.0.1", "10.0.0.2",
		    0x3000 + i);
		req(a, 0);
	}
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_UNSPEC, 52);
	assert_int_equal(cli_send(a, &t), 0);
	for (i = 1; i <= 3; i++) {
		rx(a);
		assert_int_equal(rh->sadb_msg_type, SADB_DUMP);
		assert_int_equal(rh->sadb_msg_errno, 0);
		assert_int_equal(rh->sadb_msg_pid, 4242);
		assert_int_equal(rh->sadb_msg_satype, SADB_SATYPE_ESP);
		assert_int_equal(rh->sadb_msg_seq, i == 3 ? 0 : i);
		assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
		seen |= 1u << (ntohl(((const struct sadb_sa *)
		    rx_ext(SADB_EXT_SA))->sadb_sa_spi) - 0x3000);
	}
	assert_int_equal(seen, 7);
	/* FLUSH with satype 0 wipes everything (racoon on exit) */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_UNSPEC, 53);
	req(a, 0);
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_UNSPEC, 54);
	req(a, ENOENT);
	close(a);
}

static uint32_t
spdadd(int fd, uint8_t type, uint32_t seq, const char *src,
    const char *dst, uint8_t dir, int err)
{
	const struct sadb_x_policy *xp;

	tmsg_spdadd4(&t, type, seq, src, 24, dst, 24, dir, "192.0.2.1",
	    "192.0.2.2");
	req(fd, err);
	if (err != 0)
		return 0;
	xp = rx_ext(SADB_X_EXT_POLICY);
	assert_non_null(xp);
	assert_int_equal(xp->sadb_x_policy_priority, 0x80000000u);
	assert_int_equal(xp->sadb_x_policy_id % 8, dir - 1);
	assert_int_equal(xp->sadb_x_policy_len * 8, 16 + 48);
	return xp->sadb_x_policy_id;
}

static void
test_spd(void **state)
{
	int a = cli_open(S.path), b = cli_open(S.path);
	uint32_t id, id2;
	int i, n;

	tmsg_init(&t, SADB_X_SPDDUMP, 0, 60);
	req(a, ENOENT);
	id = spdadd(a, SADB_X_SPDADD, 61, "10.1.0.0", "10.2.0.0",
	    IPSEC_DIR_OUTBOUND, 0);
	rx(b);	/* broadcast: racoon tracks other programs' policies */
	assert_int_equal(rh->sadb_msg_type, SADB_X_SPDADD);
	spdadd(a, SADB_X_SPDADD, 62, "10.1.0.0", "10.2.0.0",
	    IPSEC_DIR_OUTBOUND, EEXIST);
	id2 = spdadd(a, SADB_X_SPDADD, 63, "10.2.0.0", "10.1.0.0",
	    IPSEC_DIR_INBOUND, 0);
	rx(b);
	/* SPDUPDATE keeps the id */
	assert_int_equal(spdadd(a, SADB_X_SPDUPDATE, 64, "10.1.0.0",
	    "10.2.0.0", IPSEC_DIR_OUTBOUND, 0), id);
	rx(b);
	/* SPDGET by id */
	tmsg_init(&t, SADB_X_SPDGET, 0, 65);
	tmsg_policy(&t, IPSEC_POLICY_DISCARD, 0, id2, 0, 0, NULL, NULL);
	req(a, 0);
	assert_non_null(rx_ext(SADB_EXT_ADDRESS_SRC));
	assert_non_null(rx_ext(SADB_EXT_LIFETIME_CURRENT));
	no_rx(b);
	/* SPDDUMP: two entries, seq 1 then 0 */
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 66);
	assert_int_equal(cli_send(a, &t), 0);
	rx(a);
	assert_int_equal(rh->sadb_msg_seq, 1);
	assert_non_null(rx_ext(SADB_EXT_LIFETIME_HARD));
	rx(a);
	assert_int_equal(rh->sadb_msg_seq, 0);
	/* SPDDELETE2 by id, then again */
	tmsg_init(&t, SADB_X_SPDDELETE2, 0, 67);
	tmsg_policy(&t, IPSEC_POLICY_DISCARD, 0, id2, 0, 0, NULL, NULL);
	req(a, 0);
	rx(b);
	req(a, ENOENT);
	/* SPDDELETE by selector */
	tmsg_spdadd4(&t, SADB_X_SPDDELETE, 68, "10.1.0.0", 24, "10.2.0.0",
	    24, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
	req(a, 0);
	rx(b);
	req(a, ENOENT);
	/* PROTECT without a request, an AH request, entrust */
	tmsg_init(&t, SADB_X_SPDADD, 0, 69);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 24, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.2.0.0", 24, 0, 255);
	tmsg_policy(&t, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0, 0,
	    NULL, NULL);
	((struct sadb_x_policy *)((uint8_t *)t.w + 64))->sadb_x_policy_len = 2;
	t.len = 64 + 16;
	tmsg_hdr(&t)->sadb_msg_len = (uint16_t)(t.len / 8);
	req(a, EINVAL);
	tmsg_init(&t, SADB_X_SPDADD, 0, 70);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 24, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.2.0.0", 24, 0, 255);
	tmsg_policy(&t, IPSEC_POLICY_ENTRUST, IPSEC_DIR_OUTBOUND, 0, 0, 0,
	    NULL, NULL);
	req(a, EINVAL);

	/* SPDFLUSH of 2,000 policies, then SPDDUMP: empty (lesson 2) */
	for (i = 0; i < 2000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0", 100 + i / 250, i % 250);
		tmsg_spdadd4(&t, SADB_X_SPDADD, 1000 + i, s, 24, "10.2.0.0",
		    24, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		assert_int_equal(cli_send(a, &t), 0);
		rx(a);
		assert_int_equal(rh->sadb_msg_errno, 0);
	}
	for (n = 0; cli_recv(b, rbuf, sizeof(rbuf), 50) > 0; n++)
		;
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 71);
	req(a, 0);
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 72);
	req(a, ENOENT);
	close(a);
	close(b);
}

static void
test_misc(void **state)
{
	int a = cli_open(S.path), b = cli_open(S.path);

	/* messages only dpsecd sends, and Linux ones dpsec lacks */
	tmsg_init(&t, SADB_EXPIRE, SADB_SATYPE_ESP, 80);
	req(a, EOPNOTSUPP);
	tmsg_init(&t, SADB_X_MIGRATE, SADB_SATYPE_ESP, 81);
	req(a, EOPNOTSUPP);
	/* a malformed header still gets an answer */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 82);
	tmsg_hdr(&t)->sadb_msg_reserved = 7;
	assert_int_equal(cli_send(a, &t), 0);
	rx(a);
	assert_int_equal(rh->sadb_msg_errno, EINVAL);
	/* a key manager's failed ACQUIRE: no reply, the hook runs */
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 83);
	tmsg_hdr(&t)->sadb_msg_errno = ETIMEDOUT;
	assert_int_equal(cli_send(a, &t), 0);
	no_rx(a);
	assert_int_equal(S.acq_failed_seq, 83);
	assert_int_equal(S.acq_failed_err, ETIMEDOUT);
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 84);
	req(a, EINVAL);
	/* X_PROMISC: b sees a's requests */
	tmsg_init(&t, SADB_X_PROMISC, 1, 85);
	req(b, 0);
	rx(a);	/* the PROMISC reply is a broadcast */
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 86);
	req(a, ENOENT);
	rx(b);
	assert_int_equal(rh->sadb_msg_type, SADB_X_SPDDUMP);
	assert_int_equal(rh->sadb_msg_errno, 0);	/* the request */
	rx(b);
	assert_int_equal(rh->sadb_msg_errno, ENOENT);	/* the reply */
	close(a);
	close(b);
}

static void
test_oversize(void **state)
{
	static uint8_t big[40000];
	struct sadb_msg *h = (struct sadb_msg *)big;
	int a = cli_open(S.path);

	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = SADB_FLUSH;
	h->sadb_msg_seq = 90;
	h->sadb_msg_len = 40000 / 8;
	assert_int_equal(send(a, big, sizeof(big), 0), (ssize_t)sizeof(big));
	rx(a);
	assert_int_equal(rh->sadb_msg_errno, EMSGSIZE);
	assert_int_equal(rh->sadb_msg_seq, 90);
	/* a runt is dropped, the connection stays */
	assert_int_equal(send(a, big, 8, 0), 8);
	no_rx(a);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 91);
	req(a, 0);
	close(a);
}

static void
test_wrong_uid(void **state)
{
	pid_t pid;
	int st;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		/* the 0600 file mode already keeps nobody out ... */
		fd = cli_open(S.path);
		if (fd >= 0)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_peercred(void **state)
{
	struct srv s2;
	struct ctrl_params cp = { .mode = 0666, .max_clients = 3 };
	int fds[4], i, st;
	pid_t pid;

	/* ... and SO_PEERCRED refuses a peer the mode lets in */
	assert_int_equal(srv_create(&s2, 16, &cp), 0);
	srv_start(&s2);
	if (geteuid() == 0) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			uint64_t buf[8];
			int fd;

			if (setresgid(65534, 65534, 65534) != 0 ||
			    setresuid(65534, 65534, 65534) != 0)
				_exit(2);
			fd = cli_open(s2.path);
			if (fd < 0)
				_exit(3);
			tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 1);
			(void)cli_send(fd, &t);
			/* refused: EOF, never a reply */
			if (cli_recv(fd, buf, sizeof(buf), 2000) > 0)
				_exit(4);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	/* client limit: the 4th is refused cleanly, the others work */
	for (i = 0; i < 4; i++)
		fds[i] = cli_open(s2.path);
	usleep(100000);
	assert_int_equal(cli_recv(fds[3], rbuf, sizeof(rbuf), 2000), 0);
	for (i = 0; i < 3; i++) {
		tmsg_init(&t, SADB_X_SPDDUMP, 0, 100 + i);
		req(fds[i], ENOENT);	/* to the sender only */
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	srv_destroy(&s2);
}


/* Control-thread actions for the emission tests. */
static struct sa *acq_sa;
static int64_t acq_seq;
static struct ctrl_stats cst;

static void
do_acquire(struct srv *s)
{
	struct sad_out_key k;
	struct sa_addr src, dst;

	sa_addr_v4(&src, htonl(0xc0000201));
	sa_addr_v4(&dst, htonl(0xc0000202));
	sad_out_key_set(&k, IPPROTO_ESP, 0, &src, &dst);
	assert_int_equal(sad_acquire(s->sad, &k, IPSEC_MODE_TUNNEL, &acq_sa),
	    0);
	acq_seq = ctrl_send_acquire(s->ctrl, acq_sa, NULL);
}

static void
do_expire(struct srv *s)
{
	struct sa_addr dst;
	struct sa *sa;

	sa_addr_v4(&dst, htonl(0x0a000002));
	assert_int_equal(sad_get(s->sad, IPPROTO_ESP, &dst, 0x4001, &sa), 0);
	assert_true(ctrl_send_expire(s->ctrl, sa, 0) >= 1);
}

static void
do_stats(struct srv *s)
{
	ctrl_stats(s->ctrl, &cst);
}

static void
test_acquire_expire(void **state)
{
	int km = cli_open(S.path), other = cli_open(S.path);
	const struct sadb_x_policy *xp;
	const struct sadb_lifetime *lt;

	NEED_SAD();
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	req(km, 0);
	/* ACQUIRE: registered sockets only, pid 0, fresh non-zero seq */
	srv_call(&S, do_acquire, NULL);
	assert_true(acq_seq > 0);
	rx(km);
	assert_int_equal(rh->sadb_msg_type, SADB_ACQUIRE);
	assert_int_equal(rh->sadb_msg_pid, 0);
	assert_int_equal(rh->sadb_msg_seq, (uint32_t)acq_seq);
	assert_int_equal(rh->sadb_msg_satype, SADB_SATYPE_ESP);
	assert_non_null(rx_ext(SADB_EXT_ADDRESS_SRC));
	assert_non_null(rx_ext(SADB_EXT_ADDRESS_DST));
	xp = rx_ext(SADB_X_EXT_POLICY);
	assert_non_null(xp);
	assert_int_equal(xp->sadb_x_policy_type, IPSEC_POLICY_IPSEC);
	assert_int_equal(xp->sadb_x_policy_dir, IPSEC_DIR_OUTBOUND);
	no_rx(other);
	/* racoon answers GETSPI with the ACQUIRE's seq, then ADD */
	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, (uint32_t)acq_seq);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.2", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "192.0.2.1", 32, 0, 255);
	req(km, 0);
	tmsg_add_gcm(&t, SADB_ADD, (uint32_t)acq_seq, "192.0.2.1",
	    "192.0.2.2", 0x4444);
	req(km, 0);
	rx(other);	/* ADD result broadcast */
	/* EXPIRE (soft): registered only, seq 0, current + soft, no keys */
	tmsg_add_gcm(&t, SADB_ADD, 2, "10.0.0.1", "10.0.0.2", 0x4001);
	tmsg_lifetime(&t, SADB_EXT_LIFETIME_HARD, 0, 3600);
	tmsg_lifetime(&t, SADB_EXT_LIFETIME_SOFT, 0, 2880);
	req(km, 0);
	rx(other);
	srv_call(&S, do_expire, NULL);
	rx(km);
	assert_int_equal(rh->sadb_msg_type, SADB_EXPIRE);
	assert_int_equal(rh->sadb_msg_seq, 0);
	assert_int_equal(rh->sadb_msg_pid, 0);
	assert_non_null(rx_ext(SADB_EXT_SA));
	assert_non_null(rx_ext(SADB_EXT_LIFETIME_CURRENT));
	lt = rx_ext(SADB_EXT_LIFETIME_SOFT);
	assert_non_null(lt);
	assert_int_equal(lt->sadb_lifetime_addtime, 2880);
	assert_null(rx_ext(SADB_EXT_LIFETIME_HARD));
	assert_null(rx_ext(SADB_EXT_KEY_ENCRYPT));
	no_rx(other);
	tmsg_init(&t, SADB_FLUSH, 0, 3);
	req(km, 0);
	close(km);
	close(other);
}

static void
test_replay_natt_deleteall(void **state)
{
	int a = cli_open(S.path);
	struct sadb_x_sa_replay *rp;
	struct sadb_x_nat_t_type *nt;
	struct sadb_x_nat_t_port *np;
	const struct sadb_x_sa_replay *rr;

	NEED_SAD();
	/* window 4096 through X_SA_REPLAY, NAT-T ports */
	tmsg_add_gcm(&t, SADB_ADD, 1, "10.0.0.1", "10.0.0.2", 0x5001);
	rp = tmsg_ext(&t, SADB_X_EXT_SA_REPLAY, sizeof(*rp));
	rp->sadb_x_sa_replay_replay = 4096;
	nt = tmsg_ext(&t, SADB_X_EXT_NAT_T_TYPE, sizeof(*nt));
	nt->sadb_x_nat_t_type_type = 2;
	np = tmsg_ext(&t, SADB_X_EXT_NAT_T_SPORT, sizeof(*np));
	np->sadb_x_nat_t_port_port = htons(4500);
	np = tmsg_ext(&t, SADB_X_EXT_NAT_T_DPORT, sizeof(*np));
	np->sadb_x_nat_t_port_port = htons(4501);
	req(a, 0);
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 2);
	tmsg_sa(&t, 0x5001, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, 0);
	rr = rx_ext(SADB_X_EXT_SA_REPLAY);
	assert_non_null(rr);
	assert_int_equal(rr->sadb_x_sa_replay_replay, 4096);
	np = (struct sadb_x_nat_t_port *)rx_ext(SADB_X_EXT_NAT_T_DPORT);
	assert_non_null(np);
	assert_int_equal(ntohs(np->sadb_x_nat_t_port_port), 4501);
	/* NAT-T type without ports */
	tmsg_add_gcm(&t, SADB_ADD, 3, "10.0.0.1", "10.0.0.2", 0x5002);
	nt = tmsg_ext(&t, SADB_X_EXT_NAT_T_TYPE, sizeof(*nt));
	nt->sadb_x_nat_t_type_type = 2;
	req(a, EINVAL);
	/* window over the maximum */
	tmsg_add_gcm(&t, SADB_ADD, 4, "10.0.0.1", "10.0.0.2", 0x5002);
	rp = tmsg_ext(&t, SADB_X_EXT_SA_REPLAY, sizeof(*rp));
	rp->sadb_x_sa_replay_replay = 1u << 20;
	req(a, EINVAL);
	/* deleteall: DELETE without SA removes every SA src -> dst */
	tmsg_add_gcm(&t, SADB_ADD, 5, "10.0.0.1", "10.0.0.2", 0x5003);
	req(a, 0);
	tmsg_add_gcm(&t, SADB_ADD, 6, "10.0.0.9", "10.0.0.2", 0x5004);
	req(a, 0);
	tmsg_init(&t, SADB_DELETE, SADB_SATYPE_ESP, 7);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, 0);
	req(a, ESRCH);	/* none left */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 8);
	tmsg_sa(&t, 0x5004, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	req(a, 0);	/* other source: kept */
	tmsg_init(&t, SADB_FLUSH, 0, 9);
	req(a, 0);
	close(a);
}

/* A client that never reads stalls only itself (lesson 1's other half). */
static void
test_non_reader(void **state)
{
	int a = cli_open(S.path), lazy = cli_open(S.path);
	int i, lazy_sent = 0;

	/* the lazy client floods requests and never reads a reply */
	for (i = 0; i < 20000; i++) {
		tmsg_init(&t, SADB_X_SPDDUMP, 0, i);
		if (send(lazy, t.w, t.len, MSG_DONTWAIT) != (ssize_t)t.len)
			break;
		lazy_sent++;
	}
	assert_true(lazy_sent > 0);
	/* ... and receives broadcasts it does not read either */
	for (i = 0; i < 6000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.0", 100 + i / 250, i % 250);
		tmsg_spdadd4(&t, SADB_X_SPDADD, 1 + i, s, 24, "10.2.0.0", 24,
		    IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		req(a, 0);	/* a is served all along */
	}
	srv_call(&S, do_stats, NULL);
	assert_true(cst.bcast_dropped > 0);
	assert_true(cst.queued_bytes <= 2 * 1024 * 1024 + 32768);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 99);
	req(a, 0);
	close(lazy);
	close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_add_get_delete),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_getspi_update),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_spd),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_wrong_uid),
		cmocka_unit_test(test_peercred),
		cmocka_unit_test(test_acquire_expire),
		cmocka_unit_test(test_replay_natt_deleteall),
		cmocka_unit_test(test_non_reader),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
