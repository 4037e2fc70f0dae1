/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsodium engine (synchronous): ChaCha20-Poly1305 IETF (RFC 7634) and
 * AES-256-GCM with a 16-byte ICV when the CPU has AES-NI and PCLMUL
 * (crypto_aead_aes256gcm_is_available()).
 *
 * libsodium's AEAD calls are stateless given the key (AES-GCM: the
 * precomputed crypto_aead_aes256gcm_state, read-only after beforenm), so
 * one key state per session is shared by all workers.  Inbound calls verify
 * the tag (constant time) before decrypting.  The key lives in
 * sodium_malloc'ed memory and is wiped (sodium_memzero) on destroy.
 */
#include <errno.h>

#include <sodium.h>

#include <rte_mbuf.h>

#include "xform_priv.h"

struct sodium_sess {
	crypto_aead_aes256gcm_state gcm;	/* [I] AES-256-GCM */
	uint8_t key[32];			/* [I] ChaCha20-Poly1305 */
};

static bool sodium_ready;

static bool
sodium_supports(const struct xform_engine_ops *eng, uint8_t ealg,
    uint8_t aalg, uint32_t flags)
{
	if (!sodium_ready) {
		if (sodium_init() < 0)
			return false;
		sodium_ready = true;
	}
	if (aalg != SADB_AALG_NONE)
		return false;
	if (ealg == DPSEC_EALG_CHACHA20_POLY1305)
		return true;
	/* Only AES-256 and only full 16-byte tags. */
	return ealg == SADB_X_EALG_AES_GCM_ICV16 &&
	    crypto_aead_aes256gcm_is_available();
}

static int
sodium_session_init(struct xform_session *s)
{
	struct sodium_sess *ss;

	if (s->ealg == SADB_X_EALG_AES_GCM_ICV16 && s->ekey_len != 32)
		return -ENOTSUP;
	ss = sodium_malloc(sizeof(*ss));
	if (ss == NULL)
		return -ENOMEM;
	if (s->ealg == DPSEC_EALG_CHACHA20_POLY1305)
		memcpy(ss->key, s->ekey, 32);
	else
		crypto_aead_aes256gcm_beforenm(&ss->gcm, s->ekey);
	xform_wipe(s->ekey, sizeof(s->ekey));
	s->priv = ss;
	return 0;
}

static void
sodium_session_fini(struct xform_session *s)
{
	/* sodium_free wipes the region before unmapping it. */
	sodium_free(s->priv);
	s->priv = NULL;
}

static uint8_t
sodium_one(const struct xform_session *s, const struct sodium_sess *ss,
    struct xform_op *op)
{
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *);
	uint8_t *c = p + op->cipher_off;
	uint8_t *tag = p + op->digest_off;
	uint8_t nonce[12];
	int rc;

	xform_nonce12(s, op, nonce);
	if (s->ealg == DPSEC_EALG_CHACHA20_POLY1305) {
		if (s->dir == XFORM_DIR_OUT)
			rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			    c, tag, NULL, c, op->cipher_len, op->aad,
			    s->aad_len, NULL, nonce, ss->key);
		else
			rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			    c, NULL, c, op->cipher_len, tag, op->aad,
			    s->aad_len, nonce, ss->key);
	} else {
		if (s->dir == XFORM_DIR_OUT)
			rc = crypto_aead_aes256gcm_encrypt_detached_afternm(c,
			    tag, NULL, c, op->cipher_len, op->aad, s->aad_len,
			    NULL, nonce, &ss->gcm);
		else
			rc = crypto_aead_aes256gcm_decrypt_detached_afternm(c,
			    NULL, c, op->cipher_len, tag, op->aad, s->aad_len,
			    nonce, &ss->gcm);
	}
	if (rc == 0)
		return XFORM_ST_OK;
	return s->dir == XFORM_DIR_IN ? XFORM_ST_AUTH_FAILED : XFORM_ST_ERROR;
}

static uint16_t
sodium_process(struct xform_session *s, unsigned int worker,
    struct xform_op *ops, uint16_t n)
{
	const struct sodium_sess *ss = s->priv;
	uint16_t i, ok = 0;

	for (i = 0; i < n; i++) {
		if (ops[i].status != XFORM_ST_OK)
			continue;
		ops[i].status = sodium_one(s, ss, &ops[i]);
		ok += ops[i].status == XFORM_ST_OK;
	}
	return ok;
}

struct xform_engine_ops xform_sodium_ops = {
	.name = "sodium",
	.supports = sodium_supports,
	.session_init = sodium_session_init,
	.session_fini = sodium_session_fini,
	.process = sodium_process,
};
