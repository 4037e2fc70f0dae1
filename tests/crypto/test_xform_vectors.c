/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Published vectors of each primitive, through every engine that has the
 * algorithm: AES-CBC (RFC 3602 4), AES-CTR (RFC 3686 6), HMAC-SHA1
 * (RFC 2202 3), HMAC-SHA2 (RFC 4868 2.7.2.1, truncated per RFC 4868),
 * AES-GMAC (NIST CAVP gcmEncryptExtIV128, PTlen 0, AADlen 128, count 0),
 * ChaCha20-Poly1305 (RFC 8439 2.8.2), and two ESN + HMAC ESP packets whose
 * expected bytes came from python3-cryptography and python's hmac (the
 * high-order SN bytes hashed after the payload, RFC 4303 2.2.1).
 * Encrypt must give the expected bytes, decrypt must give the input back,
 * a flipped ICV bit must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xform_test.h"

struct vec {
	const char *name;
	uint8_t ealg;
	const char *ekey;	/* incl. salt/nonce */
	uint8_t aalg;
	const char *akey;
	uint32_t flags;
	const char *iv;		/* explicit IV */
	const char *aad;	/* GMAC / AEAD */
	uint32_t esn_hi;
	uint16_t cipher_off, cipher_len, auth_off, auth_len;
	const char *in;		/* packet before encryption (no ICV) */
	const char *out;	/* packet after, with ICV */
};

#define HI_THERE "4869205468657265"
#define K0B(n) n

static const struct vec vecs[] = {
	{ "rfc3602-1", SADB_X_EALG_AESCBC, "06a9214036b8a15b512e03d534120006",
	    0, "", 0, "3dafba429d9eb430b422da802c9fac41", "", 0, 0, 16, 0, 0,
	    "53696e676c6520626c6f636b206d7367",
	    "e353779c1079aeb82708942dbe77181a" },
	{ "rfc3602-2", SADB_X_EALG_AESCBC, "c286696d887c9aa0611bbb3e2025a45a",
	    0, "", 0, "562e17996d093d28ddb3ba695a2e6f58", "", 0, 0, 32, 0, 0,
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
	{ "rfc3686-1", SADB_X_EALG_AESCTR,
	    "ae6852f8121067cc4bf7a5765577f39e00000030", 0, "", 0,
	    "0000000000000000", "", 0, 0, 16, 0, 0,
	    "53696e676c6520626c6f636b206d7367",
	    "e4095d4fb7a7b3792d6175a3261311b8" },
	{ "rfc3686-2", SADB_X_EALG_AESCTR,
	    "7e24067817fae0d743d6ce1f32539163006cb6db", 0, "", 0,
	    "c0543b59da48d90b", "", 0, 0, 32, 0, 0,
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28" },
	{ "rfc3686-7", SADB_X_EALG_AESCTR,
	    "776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104"
	    "00000060", 0, "", 0, "db5672c97aa8f0b2", "", 0, 0, 16, 0, 0,
	    "53696e676c6520626c6f636b206d7367",
	    "145ad01dbf824ec7560863dc71e3e0c0" },
	{ "rfc2202-sha1-1", SADB_EALG_NULL, "", SADB_AALG_SHA1HMAC,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", 0, "", "", 0,
	    0, 0, 0, 8, HI_THERE, HI_THERE "b617318655057264e28bc0b6" },
	{ "rfc4868-auth256-1", SADB_EALG_NULL, "", SADB_X_AALG_SHA2_256HMAC,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    0, "", "", 0, 0, 0, 0, 8, HI_THERE,
	    HI_THERE "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ "rfc4868-auth384-1", SADB_EALG_NULL, "", SADB_X_AALG_SHA2_384HMAC,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", 0, "", "", 0, 0, 0, 0, 8,
	    HI_THERE, HI_THERE
	    "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ "rfc4868-auth512-1", SADB_EALG_NULL, "", SADB_X_AALG_SHA2_512HMAC,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    0, "", "", 0, 0, 0, 0, 8, HI_THERE, HI_THERE
	    "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	{ "cavp-gmac-128", SADB_X_EALG_NULL_AES_GMAC,
	    "77be63708971c4e240d1cb79e8d77febe0e00f19", 0, "", 0,
	    "fed7ba0136a797f3", "7a43ec1d9c0a5a78", 0, 0, 0, 8, 8,
	    "7a43ec1d9c0a5a78a0b16533a6213cab",
	    "7a43ec1d9c0a5a78a0b16533a6213cab209fcc8d3675ed938e9c7166709dd946" },
	{ "rfc8439-2.8.2", DPSEC_EALG_CHACHA20_POLY1305,
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "07000000", 0, "", XFORM_F_ESN, "4041424344454647",
	    "50515253c0c1c2c3c4c5c6c7", 0, 0, 114, 0, 0,
	    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	    "637265656e20776f756c642062652069742e",
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116"
	    "1ae10b594f09e26a7e902ecbd0600691" },
	{ "esn-cbc-sha256", SADB_X_EALG_AESCBC,
	    "000102030405060708090a0b0c0d0e0f", SADB_X_AALG_SHA2_256HMAC,
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
	    XFORM_F_ESN, "f0e0d0c0b0a090807060504030201000", "", 1,
	    24, 32, 0, 56,
	    "0000abcd00000007f0e0d0c0b0a090807060504030201000"
	    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
	    "0000abcd00000007f0e0d0c0b0a090807060504030201000"
	    "6adf8092ea42a8c1b2c26a0757ed5003eaa2621caed09b5b0732159985a53f32"
	    "4f8a827e185b1a8d79b46c1fafe8390d" },
	{ "esn-ctr-sha1", SADB_X_EALG_AESCTR,
	    "7e24067817fae0d743d6ce1f32539163006cb6db", SADB_AALG_SHA1HMAC,
	    "000102030405060708090a0b0c0d0e0f10111213", XFORM_F_ESN,
	    "c0543b59da48d90b", "", 0xfffffffe, 16, 36, 0, 52,
	    "1234567800000009c0543b59da48d90b"
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "20212223",
	    "1234567800000009c0543b59da48d90b"
	    "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28"
	    "f933275ac4ee6ffe22502c6357ec9da9" },
};

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned int b;

	while (s[0] != '\0' && s[1] != '\0' && n < max) {
		sscanf(s, "%2x", &b);
		out[n++] = (uint8_t)b;
		s += 2;
	}
	return n;
}

static unsigned int
run_vec(const struct vec *v, enum xform_engine e)
{
	uint8_t ek[64], ak[64], in[256], out[256], tmp[16];
	size_t ekl = unhex(v->ekey, ek, sizeof(ek));
	size_t akl = unhex(v->akey, ak, sizeof(ak));
	size_t inl = unhex(v->in, in, sizeof(in));
	size_t outl = unhex(v->out, out, sizeof(out));
	struct xform_session *so, *si;
	struct xform_op op;
	struct rte_mbuf *m;
	uint8_t *p, icv;
	int t;

	if (!xform_engine_supports(e, v->ealg, v->aalg, v->flags))
		return 0;
	so = xform_session_create(v->ealg, ek, ekl, v->aalg, ak, akl,
	    XFORM_DIR_OUT, v->flags, e);
	si = xform_session_create(v->ealg, ek, ekl, v->aalg, ak, akl,
	    XFORM_DIR_IN, v->flags, e);
	assert_non_null(so);
	assert_non_null(si);
	icv = xform_session_icv_len(so);
	assert_int_equal(inl + icv, outl);

	memset(&op, 0, sizeof(op));
	unhex(v->iv, op.iv, sizeof(op.iv));
	unhex(v->aad, op.aad, sizeof(op.aad));
	op.esn_hi = v->esn_hi;
	op.cipher_off = v->cipher_off;
	op.cipher_len = v->cipher_len;
	op.auth_off = v->auth_off;
	op.auth_len = v->auth_len;
	op.digest_off = (uint16_t)inl;

	m = t_mbuf(in, (uint16_t)outl);
	op.m = m;
	assert_int_equal(xform_process_burst(so, 0, &op, 1), 1);
	if (memcmp(rte_pktmbuf_mtod(m, uint8_t *), out, outl) != 0)
		fail_msg("%s on %s: output differs", v->name,
		    xform_engine_name(e));
	rte_pktmbuf_free(m);

	for (t = 0; t < (icv > 0 ? 2 : 1); t++) {
		m = t_mbuf(out, (uint16_t)outl);
		p = rte_pktmbuf_mtod(m, uint8_t *);
		if (t == 1)
			p[inl] ^= 0x04;
		memcpy(tmp, p + inl, icv < 16 ? icv : 16);
		op.m = m;
		xform_process_burst(si, 1, &op, 1);
		if (t == 0) {
			assert_int_equal(op.status, XFORM_ST_OK);
			if (memcmp(p, in, inl) != 0)
				fail_msg("%s on %s: decrypt differs", v->name,
				    xform_engine_name(e));
			/* The ICV bytes are left as they were (ESN path). */
			assert_memory_equal(p + inl, tmp, icv < 16 ? icv : 16);
		} else {
			assert_int_equal(op.status, XFORM_ST_AUTH_FAILED);
		}
		rte_pktmbuf_free(m);
	}
	xform_session_destroy(so);
	xform_session_destroy(si);
	return 1;
}

static void
test_vectors(void **state)
{
	unsigned int i, j, n;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		n = 0;
		for (j = 0; j < T_N_ENGINES; j++)
			n += run_vec(&vecs[i], t_engines[j]);
		print_message("%-20s %u engines\n", vecs[i].name, n);
		/* OpenSSL has every algorithm. */
		assert_true(n >= 1);
	}
}

/* xform_check and the table agree with docs/INTERFACES.md. */
static void
test_table(void **state)
{
	const struct xform_alg *a, *l;
	unsigned int n;

	a = xform_alg_get(false, SADB_X_EALG_AES_GCM_ICV16);
	assert_non_null(a);
	assert_int_equal(a->key_bits_min, 160);
	assert_int_equal(a->key_bits_max, 288);
	assert_int_equal(a->iv_len, 8);
	assert_int_equal(a->icv_len, 16);
	assert_true(a->aead);
	a = xform_alg_get(false, SADB_X_EALG_AESCBC);
	assert_int_equal(a->iv_len, 16);
	assert_int_equal(a->block_size, 16);
	a = xform_alg_get(true, SADB_X_AALG_SHA2_384HMAC);
	assert_int_equal(a->icv_len, 24);
	assert_null(xform_alg_get(false, SADB_EALG_3DESCBC));
	n = xform_alg_list(false, &l);
	assert_int_equal(n, 8);
	n = xform_alg_list(true, &l);
	assert_int_equal(n, 4);

	assert_int_equal(xform_check(SADB_X_EALG_AES_GCM_ICV16, 20, 0, 0), 0);
	assert_int_equal(xform_check(SADB_X_EALG_AES_GCM_ICV16, 28, 0, 0), 0);
	assert_int_equal(xform_check(SADB_X_EALG_AES_GCM_ICV16, 16, 0, 0),
	    -EINVAL);
	assert_int_equal(xform_check(SADB_X_EALG_AES_GCM_ICV16, 20,
	    SADB_AALG_SHA1HMAC, 20), -EINVAL);
	assert_int_equal(xform_check(SADB_X_EALG_AESCBC, 24,
	    SADB_X_AALG_SHA2_256HMAC, 32), 0);
	assert_int_equal(xform_check(SADB_X_EALG_AESCBC, 20,
	    SADB_X_AALG_SHA2_256HMAC, 32), -EINVAL);
	assert_int_equal(xform_check(SADB_EALG_NULL, 0, SADB_AALG_NONE, 0),
	    -EINVAL);
	assert_int_equal(xform_check(DPSEC_EALG_CHACHA20_POLY1305, 36, 0, 0),
	    0);
	assert_int_equal(xform_check(DPSEC_EALG_CHACHA20_POLY1305, 32, 0, 0),
	    -EINVAL);
	assert_int_equal(xform_check(SADB_EALG_3DESCBC, 24, 0, 0), -ENOTSUP);
	assert_int_equal(xform_engine_by_name("cdev-aesni_mb"),
	    XFORM_ENGINE_CDEV_AESNI_MB);
	assert_int_equal(xform_engine_by_name("sodium"), XFORM_ENGINE_SODIUM);
	assert_int_equal(xform_engine_by_name("qat"), -1);
	assert_null(xform_session_create(SADB_X_EALG_AESCBC, NULL, 16, 0,
	    NULL, 0, XFORM_DIR_OUT, 0, XFORM_ENGINE_DEFAULT));
}

/* Bad ops are refused per op, the rest of the burst still runs. */
static void
test_bad_ops(void **state)
{
	static const uint8_t key[20] = { 1 };
	struct xform_session *s;
	struct xform_op ops[3];
	struct rte_mbuf *m0, *m1, *m2;
	unsigned int j;

	for (j = 0; j < T_N_ENGINES; j++) {
		if (!xform_engine_supports(t_engines[j],
		    SADB_X_EALG_AES_GCM_ICV16, 0, 0))
			continue;
		s = xform_session_create(SADB_X_EALG_AES_GCM_ICV16, key, 20,
		    0, NULL, 0, XFORM_DIR_OUT, 0, t_engines[j]);
		assert_non_null(s);
		m0 = t_mbuf(NULL, 100);
		m1 = t_mbuf(NULL, 100);
		m2 = t_mbuf(NULL, 100);
		memset(ops, 0, sizeof(ops));
		ops[0].m = m0;
		ops[0].cipher_len = 84;
		ops[0].digest_off = 84;
		ops[1] = ops[0];
		ops[1].m = m1;
		ops[1].digest_off = 90;		/* ICV beyond the data */
		ops[2] = ops[0];
		ops[2].m = m2;
		rte_pktmbuf_chain(m2, t_mbuf(NULL, 10));	/* 2 segs */
		assert_int_equal(xform_process_burst(s, 0, ops, 3), 1);
		assert_int_equal(ops[0].status, XFORM_ST_OK);
		assert_int_equal(ops[1].status, XFORM_ST_BAD_LEN);
		assert_int_equal(ops[2].status, XFORM_ST_BAD_LEN);
		/* A worker id out of range fails every op. */
		assert_int_equal(xform_process_burst(s, 7, ops, 1), 0);
		assert_int_equal(ops[0].status, XFORM_ST_ERROR);
		rte_pktmbuf_free(m0);
		rte_pktmbuf_free(m1);
		rte_pktmbuf_free(m2);
		xform_session_destroy(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_bad_ops),
	};
	int rc;

	t_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
