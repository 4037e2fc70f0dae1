/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ICV checks on every engine and algorithm (issue 5: ICVs compared
 * in constant time on every engine, the default one included):
 *
 * - test_tamper_each_byte: for every engine x algorithm (x ESN where the
 *   engine has it), with and without XFORM_F_PMD_VERIFY, a burst of the
 *   good packet, the same packet with each ICV byte flipped in turn (first
 *   and last included), and the good packet again: the good ones decrypt
 *   to the plaintext, every tampered one is XFORM_ST_AUTH_FAILED.  HMAC
 *   sessions compared by xform (xform_session_icv_ct()) must leave a
 *   tampered packet untouched: that is what shows the split hash/decrypt
 *   passes on crypto_aesni_mb are the ones running.
 * - test_default_inbound_ct: the engine the default picks for an inbound
 *   session compares in constant time (asked through xform_session_icv_ct()
 *   and xform_engine_icv_ct()), for AEAD where crypto_aesni_mb has the
 *   algorithm too; outbound still gets the fastest engine; with
 *   XFORM_F_PMD_VERIFY the default may take aesni_mb and says it is not
 *   constant time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xform_test.h"

#define HDR	8
#define PL	100	/* payload bytes before alignment */
#define NOPS	(XFORM_ICV_MAX + 2)

struct combo {
	const char *name;
	uint8_t ealg, aalg;
	uint16_t ekey_len, akey_len;
	bool hmac;
};

static const struct combo combos[] = {
	{ "aes-128-gcm-8", SADB_X_EALG_AES_GCM_ICV8, 0, 20, 0, false },
	{ "aes-128-gcm-12", SADB_X_EALG_AES_GCM_ICV12, 0, 20, 0, false },
	{ "aes-128-gcm-16", SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0, false },
	{ "aes-256-gcm-16", SADB_X_EALG_AES_GCM_ICV16, 0, 36, 0, false },
	{ "chacha20-poly1305", DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0,
	    false },
	{ "aes-128-gmac", SADB_X_EALG_NULL_AES_GMAC, 0, 20, 0, false },
	{ "aes-128-cbc+sha1", SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, 16, 20,
	    true },
	{ "aes-256-cbc+sha256", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC,
	    32, 32, true },
	{ "aes-192-cbc+sha384", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_384HMAC,
	    24, 48, true },
	{ "aes-128-cbc+sha512", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_512HMAC,
	    16, 64, true },
	{ "aes-128-ctr+sha256", SADB_X_EALG_AESCTR, SADB_X_AALG_SHA2_256HMAC,
	    20, 32, true },
	{ "aes-256-ctr+sha1", SADB_X_EALG_AESCTR, SADB_AALG_SHA1HMAC, 36, 20,
	    true },
	{ "null+sha256", SADB_EALG_NULL, SADB_X_AALG_SHA2_256HMAC, 0, 32,
	    true },
	{ "null+sha512", SADB_EALG_NULL, SADB_X_AALG_SHA2_512HMAC, 0, 64,
	    true },
};
#define N_COMBOS (sizeof(combos) / sizeof(combos[0]))

static const uint8_t ekey[64] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba,
    0xdc, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t akey[64] = { 0xa5, 0x5a, 0x01, 0x02, 0x03, 0x04,
    0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

/* One ESP-shaped packet: SPI SN | IV | payload (aligned) | ICV. */
struct pkt {
	uint8_t buf[256];
	uint16_t len;
	struct xform_op op;
};

static void
make_pkt(const struct combo *c, uint32_t flags, uint8_t icv, struct pkt *p)
{
	const struct xform_alg *ea = xform_alg_get(false, c->ealg);
	uint16_t pl = PL, i;

	if (ea->block_size > 4)
		pl = (uint16_t)((pl + ea->block_size - 1) / ea->block_size *
		    ea->block_size);
	memset(p, 0, sizeof(*p));
	for (i = 0; i < HDR + ea->iv_len + pl; i++)
		p->buf[i] = (uint8_t)(i * 7 + 3);
	p->op.cipher_off = HDR + ea->iv_len;
	p->op.cipher_len = c->ealg == SADB_EALG_NULL ||
	    c->ealg == SADB_X_EALG_NULL_AES_GMAC ? 0 : pl;
	p->op.digest_off = HDR + ea->iv_len + pl;
	p->op.auth_off = c->ealg == SADB_X_EALG_NULL_AES_GMAC ? HDR : 0;
	p->op.auth_len = p->op.digest_off - p->op.auth_off;
	p->op.esn_hi = 0x01020304;
	memcpy(p->op.iv, p->buf + HDR, ea->iv_len);
	memcpy(p->op.aad, p->buf, 4);
	if (flags & XFORM_F_ESN) {
		uint32_t be = rte_cpu_to_be_32(p->op.esn_hi);

		memcpy(p->op.aad + 4, &be, 4);
		memcpy(p->op.aad + 8, p->buf + 4, 4);
	} else {
		memcpy(p->op.aad + 4, p->buf + 4, 4);
	}
	p->len = p->op.digest_off + icv;
}

/* Encrypt p in place on OpenSSL (the reference engine). */
static void
seal(const struct combo *c, uint32_t flags, struct pkt *p)
{
	struct xform_session *so;
	struct xform_op op = p->op;

	so = xform_session_create(c->ealg, ekey, c->ekey_len, c->aalg, akey,
	    c->akey_len, XFORM_DIR_OUT, flags, XFORM_ENGINE_OPENSSL);
	assert_non_null(so);
	op.m = t_mbuf(p->buf, p->len);
	assert_non_null(op.m);
	assert_int_equal(xform_process_burst(so, 0, &op, 1), 1);
	memcpy(p->buf, rte_pktmbuf_mtod(op.m, uint8_t *), p->len);
	rte_pktmbuf_free(op.m);
	xform_session_destroy(so);
}

/*
 * On session si: ops[0] and ops[icv + 1] are the sealed packet, ops[1 + b]
 * has ICV byte b flipped.  Returns the number of sessions checked (0/1).
 */
static unsigned int
check_one(const struct combo *c, enum xform_engine e, uint32_t flags,
    unsigned int worker)
{
	static struct pkt plain, sealed;
	struct xform_op ops[NOPS];
	struct xform_session *si;
	const uint8_t *q;
	unsigned int i, n;
	uint8_t icv;
	bool untouched;

	if (!xform_engine_supports(e, c->ealg, c->aalg, flags))
		return 0;
	si = xform_session_create(c->ealg, ekey, c->ekey_len, c->aalg, akey,
	    c->akey_len, XFORM_DIR_IN, flags, e);
	assert_non_null(si);
	if (xform_session_engine(si) != e) {
		/* Fell back (sodium and AES-128, GCM ICV 8/12). */
		xform_session_destroy(si);
		return 0;
	}
	icv = xform_session_icv_len(si);
	assert_true(icv > 0 && icv <= XFORM_ICV_MAX);
	make_pkt(c, flags, icv, &plain);
	sealed = plain;
	seal(c, flags, &sealed);
	n = icv + 2u;
	for (i = 0; i < n; i++) {
		ops[i] = sealed.op;
		ops[i].m = t_mbuf(sealed.buf, sealed.len);
		assert_non_null(ops[i].m);
		if (i > 0 && i < n - 1)
			rte_pktmbuf_mtod(ops[i].m, uint8_t *)[
			    sealed.op.digest_off + i - 1] ^=
			    (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(xform_process_burst(si, worker, ops, (uint16_t)n),
	    2);
	/*
	 * HMAC compared by xform before decrypting: a forged payload is never
	 * decrypted (OpenSSL; aesni_mb's split passes).  crypto_openssl runs
	 * hash and decrypt in one op before our compare (docs/crypto.md).
	 */
	untouched = c->hmac && xform_session_icv_ct(si) &&
	    e != XFORM_ENGINE_CDEV_OPENSSL;
	for (i = 0; i < n; i++) {
		q = rte_pktmbuf_mtod(ops[i].m, const uint8_t *);
		if (i == 0 || i == n - 1) {
			if (ops[i].status != XFORM_ST_OK)
				fail_msg("%s on %s%s: good packet status %u",
				    c->name, xform_engine_name(e),
				    flags & XFORM_F_PMD_VERIFY ? "/pmd" : "",
				    ops[i].status);
			assert_memory_equal(q, plain.buf,
			    sealed.op.digest_off);
			assert_memory_equal(q + sealed.op.digest_off,
			    sealed.buf + sealed.op.digest_off, icv);
		} else {
			if (ops[i].status != XFORM_ST_AUTH_FAILED)
				fail_msg("%s on %s%s%s: ICV byte %u of %u "
				    "flipped, status %u", c->name,
				    xform_engine_name(e),
				    flags & XFORM_F_PMD_VERIFY ? "/pmd" : "",
				    flags & XFORM_F_ESN ? "/esn" : "", i - 1,
				    icv, ops[i].status);
			if (untouched)
				assert_memory_equal(q, sealed.buf,
				    sealed.op.digest_off);
		}
		rte_pktmbuf_free(ops[i].m);
	}
	xform_session_destroy(si);
	return 1;
}

static void
test_tamper_each_byte(void **state)
{
	static const uint32_t fl[] = { 0, XFORM_F_ESN, XFORM_F_PMD_VERIFY,
	    XFORM_F_ESN | XFORM_F_PMD_VERIFY };
	unsigned int c, j, f, n, total = 0;

	(void)state;
	for (c = 0; c < N_COMBOS; c++) {
		for (j = 0; j < T_N_ENGINES; j++) {
			n = 0;
			for (f = 0; f < 4; f++)
				n += check_one(&combos[c], t_engines[j], fl[f],
				    (c + f) & 1);
			if (n > 0)
				print_message("%-20s %-14s %u flag sets\n",
				    combos[c].name,
				    xform_engine_name(t_engines[j]), n);
			total += n;
		}
	}
	/* OpenSSL has every algorithm with and without ESN (GMAC too). */
	assert_true(total >= N_COMBOS * 4);
}

static void
test_default_inbound_ct(void **state)
{
	struct xform_session *s;
	enum xform_engine e;
	unsigned int c, n_aesni = 0;
	bool aesni;

	(void)state;
	for (c = 0; c < N_COMBOS; c++) {
		const struct combo *k = &combos[c];

		aesni = xform_engine_supports(XFORM_ENGINE_CDEV_AESNI_MB,
		    k->ealg, k->aalg, 0);
		n_aesni += aesni;
		/* The default inbound session compares in constant time. */
		s = xform_session_create(k->ealg, ekey, k->ekey_len, k->aalg,
		    akey, k->akey_len, XFORM_DIR_IN, 0, XFORM_ENGINE_DEFAULT);
		assert_non_null(s);
		e = xform_session_engine(s);
		if (!xform_session_icv_ct(s) ||
		    !xform_engine_icv_ct(e, k->ealg, k->aalg, 0))
			fail_msg("%s: default inbound engine %s does not "
			    "compare in constant time", k->name,
			    xform_engine_name(e));
		assert_int_equal(xform_engine_default(k->ealg, k->aalg, 0,
		    XFORM_DIR_IN), e);
		print_message("%-20s in: %-14s out: %s\n", k->name,
		    xform_engine_name(e), xform_engine_name(
		    xform_engine_default(k->ealg, k->aalg, 0,
		    XFORM_DIR_OUT)));
		xform_session_destroy(s);
		if (!aesni)
			continue;
		/* Outbound compares nothing: still the fastest engine. */
		assert_int_equal(xform_engine_default(k->ealg, k->aalg, 0,
		    XFORM_DIR_OUT), XFORM_ENGINE_CDEV_AESNI_MB);
		/* Where aesni_mb's own compare is not constant time, the
		 * operator's opt-in gets it, and it says so. */
		if (!xform_engine_icv_ct(XFORM_ENGINE_CDEV_AESNI_MB, k->ealg,
		    k->aalg, 0)) {
			assert_int_equal(xform_engine_default(k->ealg,
			    k->aalg, XFORM_F_PMD_VERIFY, XFORM_DIR_IN),
			    XFORM_ENGINE_CDEV_AESNI_MB);
			s = xform_session_create(k->ealg, ekey, k->ekey_len,
			    k->aalg, akey, k->akey_len, XFORM_DIR_IN,
			    XFORM_F_PMD_VERIFY, XFORM_ENGINE_DEFAULT);
			assert_non_null(s);
			assert_int_equal(xform_session_engine(s),
			    XFORM_ENGINE_CDEV_AESNI_MB);
			assert_false(xform_session_icv_ct(s));
			xform_session_destroy(s);
		}
	}
	if (n_aesni == 0)
		print_message("no crypto_aesni_mb: defaults checked on "
		    "openssl/sodium only\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tamper_each_byte),
		cmocka_unit_test(test_default_inbound_ct),
	};
	int rc;

	t_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
