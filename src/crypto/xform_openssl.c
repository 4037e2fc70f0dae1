/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL EVP engine (synchronous).
 *
 * Contexts: an EVP_CIPHER_CTX is not safe for concurrent use, so a session
 * holds one pre-keyed context per worker (n_workers of xform_init()), made
 * up front by the control thread; worker w only touches ctx[w].  Per packet
 * only the IV is set (EVP_*Init_ex with NULL cipher and key: no key
 * schedule, no allocation).  HMACs use the shared read-only template of
 * xform_hmac.c.  AES-GMAC is GCM with everything as AAD (RFC 4543 3.3).
 *
 * Inbound: GCM/ChaCha tags are checked by OpenSSL's EVP_DecryptFinal_ex
 * (CRYPTO_memcmp); HMACs are verified with CRYPTO_memcmp before decrypting
 * (encrypt-then-MAC: a forged packet is never decrypted).
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "xform_priv.h"

struct ossl_sess;
typedef uint8_t (*ossl_fn)(const struct xform_session *,
    const struct ossl_sess *, EVP_CIPHER_CTX *, struct xform_op *);

struct ossl_sess {
	ossl_fn one;			/* [I] chosen per SA, not per packet */
	struct xform_hmac *hmac;	/* [I] shared, read-only */
	unsigned int n;			/* [I] number of contexts */
	EVP_CIPHER_CTX *ctx[];		/* [O] one per worker */
};

static const EVP_CIPHER *
ossl_cipher(uint8_t ealg, unsigned int klen)
{
	switch (ealg) {
	case SADB_X_EALG_AESCBC:
		return klen == 16 ? EVP_aes_128_cbc() : klen == 24 ?
		    EVP_aes_192_cbc() : EVP_aes_256_cbc();
	case SADB_X_EALG_AESCTR:
		return klen == 16 ? EVP_aes_128_ctr() : klen == 24 ?
		    EVP_aes_192_ctr() : EVP_aes_256_ctr();
	case SADB_X_EALG_AES_GCM_ICV8:
	case SADB_X_EALG_AES_GCM_ICV12:
	case SADB_X_EALG_AES_GCM_ICV16:
	case SADB_X_EALG_NULL_AES_GMAC:
		return klen == 16 ? EVP_aes_128_gcm() : klen == 24 ?
		    EVP_aes_192_gcm() : EVP_aes_256_gcm();
	case DPSEC_EALG_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static bool
ossl_supports(const struct xform_engine_ops *eng, uint8_t ealg, uint8_t aalg,
    uint32_t flags)
{
	return xform_alg_get(false, ealg) != NULL &&
	    xform_alg_get(true, aalg) != NULL;
}

static void
ossl_session_fini(struct xform_session *s)
{
	struct ossl_sess *os = s->priv;
	unsigned int i;

	if (os == NULL)
		return;
	for (i = 0; i < os->n; i++)
		EVP_CIPHER_CTX_free(os->ctx[i]);	/* cleanses the key */
	xform_hmac_free(os->hmac);
	free(os);
	s->priv = NULL;
}

static uint8_t ossl_aead(const struct xform_session *,
    const struct ossl_sess *, EVP_CIPHER_CTX *, struct xform_op *);
static uint8_t ossl_gmac(const struct xform_session *,
    const struct ossl_sess *, EVP_CIPHER_CTX *, struct xform_op *);
static uint8_t ossl_cipher_hmac(const struct xform_session *,
    const struct ossl_sess *, EVP_CIPHER_CTX *, struct xform_op *);

static int
ossl_session_init(struct xform_session *s)
{
	const EVP_CIPHER *c = ossl_cipher(s->ealg, s->ekey_len);
	struct ossl_sess *os;
	unsigned int i, n = xform_n_workers;
	int enc = s->dir == XFORM_DIR_OUT;

	os = calloc(1, sizeof(*os) + n * sizeof(os->ctx[0]));
	if (os == NULL)
		return -ENOMEM;
	s->priv = os;
	os->one = xform_is_aead(s->ealg) ? ossl_aead :
	    s->ealg == SADB_X_EALG_NULL_AES_GMAC ? ossl_gmac :
	    ossl_cipher_hmac;
	if (s->md != XFORM_MD_NONE) {
		os->hmac = xform_hmac_new(s->md, s->akey, s->akey_len);
		if (os->hmac == NULL)
			goto err;
	}
	if (c != NULL) {
		for (i = 0; i < n; i++) {
			os->ctx[i] = EVP_CIPHER_CTX_new();
			os->n = i + 1;
			if (os->ctx[i] == NULL ||
			    EVP_CipherInit_ex(os->ctx[i], c, NULL, s->ekey,
			    NULL, enc) != 1)
				goto err;
			if (s->ealg == SADB_X_EALG_AESCBC)
				EVP_CIPHER_CTX_set_padding(os->ctx[i], 0);
		}
	}
	xform_wipe(s->ekey, sizeof(s->ekey));
	xform_wipe(s->akey, sizeof(s->akey));
	return 0;
err:
	ossl_session_fini(s);
	return -ENOMEM;
}

/* AES-GCM, ChaCha20-Poly1305 (RFC 4106, 7634). */
static uint8_t
ossl_aead(const struct xform_session *s, const struct ossl_sess *os,
    EVP_CIPHER_CTX *ctx, struct xform_op *op)
{
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *);
	uint8_t nonce[12];
	int l;

	xform_nonce12(s, op, nonce);
	if (s->dir == XFORM_DIR_OUT) {
		if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_EncryptUpdate(ctx, NULL, &l, op->aad, s->aad_len) != 1 ||
		    EVP_EncryptUpdate(ctx, p + op->cipher_off, &l,
		    p + op->cipher_off, op->cipher_len) != 1 ||
		    EVP_EncryptFinal_ex(ctx, p + op->cipher_off, &l) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, s->icv_len,
		    p + op->digest_off) != 1)
			return XFORM_ST_ERROR;
		return XFORM_ST_OK;
	}
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &l, op->aad, s->aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, p + op->cipher_off, &l, p + op->cipher_off,
	    op->cipher_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->icv_len,
	    p + op->digest_off) != 1)
		return XFORM_ST_ERROR;
	if (EVP_DecryptFinal_ex(ctx, p + op->cipher_off, &l) != 1)
		return XFORM_ST_AUTH_FAILED;
	return XFORM_ST_OK;
}

/* AES-GMAC (RFC 4543): AAD = SPI||SN[||ESN-hi] then IV||payload. */
static uint8_t
ossl_gmac(const struct xform_session *s, const struct ossl_sess *os,
    EVP_CIPHER_CTX *ctx, struct xform_op *op)
{
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *);
	uint8_t nonce[12];
	int l;

	xform_nonce12(s, op, nonce);
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, -1) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &l, op->aad, s->aad_len) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &l, p + op->auth_off,
	    op->auth_len) != 1)
		return XFORM_ST_ERROR;
	if (s->dir == XFORM_DIR_OUT) {
		if (EVP_EncryptFinal_ex(ctx, nonce, &l) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, s->icv_len,
		    p + op->digest_off) != 1)
			return XFORM_ST_ERROR;
		return XFORM_ST_OK;
	}
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->icv_len,
	    p + op->digest_off) != 1)
		return XFORM_ST_ERROR;
	if (EVP_DecryptFinal_ex(ctx, nonce, &l) != 1)
		return XFORM_ST_AUTH_FAILED;
	return XFORM_ST_OK;
}

/* AES-CBC / AES-CTR / NULL with an HMAC (encrypt-then-MAC). */
static uint8_t
ossl_cipher_hmac(const struct xform_session *s, const struct ossl_sess *os,
    EVP_CIPHER_CTX *ctx, struct xform_op *op)
{
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *);
	uint8_t md[64];
	uint8_t blk[16];
	const uint8_t *iv = op->iv;
	rte_be32_t hi = rte_cpu_to_be_32(op->esn_hi);
	size_t tl = s->esn ? 4 : 0;
	int l;

	if (s->dir == XFORM_DIR_IN && os->hmac != NULL) {
		xform_hmac(os->hmac, p + op->auth_off, op->auth_len,
		    (const uint8_t *)&hi, tl, md);
		if (CRYPTO_memcmp(md, p + op->digest_off, s->icv_len) != 0)
			return XFORM_ST_AUTH_FAILED;
	}
	if (ctx != NULL && op->cipher_len > 0) {
		if (s->ealg == SADB_X_EALG_AESCTR) {
			xform_ctrblk(s, op, blk);
			iv = blk;
		}
		if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) != 1 ||
		    EVP_CipherUpdate(ctx, p + op->cipher_off, &l,
		    p + op->cipher_off, op->cipher_len) != 1 ||
		    l != op->cipher_len)
			return XFORM_ST_ERROR;
	}
	if (s->dir == XFORM_DIR_OUT && os->hmac != NULL) {
		xform_hmac(os->hmac, p + op->auth_off, op->auth_len,
		    (const uint8_t *)&hi, tl, md);
		memcpy(p + op->digest_off, md, s->icv_len);
	}
	return XFORM_ST_OK;
}

static uint16_t
ossl_process(struct xform_session *s, unsigned int worker,
    struct xform_op *ops, uint16_t n)
{
	struct ossl_sess *os = s->priv;
	EVP_CIPHER_CTX *ctx = os->n > 0 ? os->ctx[worker] : NULL;
	uint16_t i, ok = 0;

	for (i = 0; i < n; i++) {
		struct xform_op *op = &ops[i];

		if (op->status != XFORM_ST_OK)
			continue;
		op->status = os->one(s, os, ctx, op);
		ok += op->status == XFORM_ST_OK;
	}
	return ok;
}

struct xform_engine_ops xform_openssl_ops = {
	.name = "openssl",
	.supports = ossl_supports,
	.session_init = ossl_session_init,
	.session_fini = ossl_session_fini,
	.process = ossl_process,
};
