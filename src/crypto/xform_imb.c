/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xform_imb.c: inbound AEAD for the cdev-aesni_mb engine through
 * intel-ipsec-mb itself, the library the crypto_aesni_mb PMD drives, so
 * that the tag comes back to us and is compared with CRYPTO_memcmp (the
 * PMD compares with memcmp; see xform_cdev.c and docs/crypto.md).
 * AES-GCM: the direct API (IMB_AES*_GCM_DEC, a plain call, no job).
 * ChaCha20-Poly1305: jobs on a per-worker IMB_MGR (the direct ChaCha
 * calls measured 1.5x slower).  Built without intel-ipsec-mb (meson
 * option ipsec_mb=disabled, or the library missing), every function
 * here reports "not available" and inbound AEAD defaults elsewhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef XFORM_HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>
#endif

#include "xform_priv.h"

#ifdef XFORM_HAVE_IPSEC_MB

/* Direct API function table for the control thread (key expansion) and
 * GCM calls (read-only after xform_cdev_init()); one job manager per
 * worker ([O] by that worker) for ChaCha20-Poly1305 jobs. */
static IMB_MGR *imb;
static IMB_MGR **imb_w;
static unsigned int imb_nw;

static IMB_MGR *
imb_new(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return NULL;
	init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

static void
imb_free(void)
{
	unsigned int i;

	for (i = 0; imb_w != NULL && i < imb_nw; i++)
		if (imb_w[i] != NULL)
			free_mb_mgr(imb_w[i]);
	free(imb_w);
	imb_w = NULL;
	imb_nw = 0;
	if (imb != NULL)
		free_mb_mgr(imb);
	imb = NULL;
}

/* The direct-API manager and one job manager per worker, or none. */
static void
imb_setup(unsigned int nw)
{
	unsigned int i;

	imb = imb_new();
	imb_w = calloc(nw, sizeof(*imb_w));
	imb_nw = nw;
	for (i = 0; imb != NULL && imb_w != NULL && i < nw; i++)
		if ((imb_w[i] = imb_new()) == NULL)
			break;
	if (imb == NULL || imb_w == NULL || i < nw)
		imb_free();
}

int
xform_imb_setup(unsigned int n_workers)
{
	imb_setup(n_workers);
	return imb != NULL ? 0 : -ENOTSUP;
}

void
xform_imb_free(void)
{
	imb_free();
}

bool
xform_imb_available(void)
{
	return imb != NULL;
}

const char *
xform_imb_version(void)
{
	return IMB_VERSION_STR "'s direct API, tags compared in constant time";
}

int
xform_imb_key_init(const struct xform_session *s, void **dkey,
    size_t *dkey_len)
{
	void *k;
	bool gcm = xform_is_gcm(s->ealg);
	size_t sz = gcm ? sizeof(struct gcm_key_data) : 32;

	sz = RTE_ALIGN_CEIL(sz, 64);
	k = aligned_alloc(64, sz);
	if (k == NULL)
		return -ENOMEM;
	if (!gcm)
		memcpy(k, s->ekey, 32);
	else if (s->ekey_len == 16)
		IMB_AES128_GCM_PRE(imb, s->ekey, k);
	else if (s->ekey_len == 24)
		IMB_AES192_GCM_PRE(imb, s->ekey, k);
	else
		IMB_AES256_GCM_PRE(imb, s->ekey, k);
	*dkey = k;
	*dkey_len = sz;
	return 0;
}

/* A finished ChaCha20-Poly1305 job: compare its tag; 1 if OK. */
static inline uint16_t
job_done(const struct xform_session *s, IMB_JOB *job)
{
	struct xform_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED)
		op->status = XFORM_ST_ERROR;
	else
		op->status = CRYPTO_memcmp(job->user_data2,
		    rte_pktmbuf_mtod(op->m, uint8_t *) + op->digest_off,
		    s->icv_len) == 0 ? XFORM_ST_OK : XFORM_ST_AUTH_FAILED;
	return op->status == XFORM_ST_OK;
}

static uint16_t
chacha_jobs(const struct xform_session *s, const void *dkey,
    unsigned int worker, struct xform_op *ops, uint16_t n)
{
	IMB_MGR *m = imb_w[worker];
	uint8_t nonce[XFORM_BURST_MAX][12], tag[XFORM_BURST_MAX][16];
	uint16_t i, sub = 0, fin = 0, ok = 0;
	IMB_JOB *job;
	uint8_t *p;

	for (i = 0; i < n; i++) {
		struct xform_op *op = &ops[i];

		if (op->status != XFORM_ST_OK)
			continue;
		p = rte_pktmbuf_mtod(op->m, uint8_t *);
		xform_nonce12(s, op, nonce[i]);
		job = IMB_GET_NEXT_JOB(m);
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->cipher_direction = IMB_DIR_DECRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->enc_keys = dkey;
		job->dec_keys = dkey;
		job->key_len_in_bytes = 32;
		job->src = p;
		job->dst = p + op->cipher_off;
		job->cipher_start_src_offset_in_bytes = op->cipher_off;
		job->msg_len_to_cipher_in_bytes = op->cipher_len;
		job->hash_start_src_offset_in_bytes = op->cipher_off;
		job->msg_len_to_hash_in_bytes = op->cipher_len;
		job->iv = nonce[i];
		job->iv_len_in_bytes = 12;
		job->u.CHACHA20_POLY1305.aad = op->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = s->aad_len;
		job->auth_tag_output = tag[i];
		job->auth_tag_output_len_in_bytes = 16;
		job->user_data = op;
		job->user_data2 = tag[i];
		sub++;
		for (job = IMB_SUBMIT_JOB(m); job != NULL;
		    job = IMB_GET_COMPLETED_JOB(m)) {
			ok += job_done(s, job);
			fin++;
		}
	}
	while (fin < sub) {
		job = IMB_FLUSH_JOB(m);
		if (job == NULL)
			break;		/* cannot happen: jobs are queued */
		for (; job != NULL; job = IMB_GET_COMPLETED_JOB(m)) {
			ok += job_done(s, job);
			fin++;
		}
	}
	return ok;
}

uint16_t
xform_imb_decrypt(const struct xform_session *s, const void *dkey,
    unsigned int worker, struct xform_op *ops, uint16_t n)
{
	uint8_t nonce[12], tag[16];
	uint16_t i, ok = 0;
	uint8_t *p, *c;

	if (!xform_is_gcm(s->ealg))
		return chacha_jobs(s, dkey, worker, ops, n);
	for (i = 0; i < n; i++) {
		struct xform_op *op = &ops[i];

		if (op->status != XFORM_ST_OK)
			continue;
		p = rte_pktmbuf_mtod(op->m, uint8_t *);
		c = p + op->cipher_off;
		xform_nonce12(s, op, nonce);
		{
			struct gcm_context_data ctx;

			if (s->ekey_len == 16)
				IMB_AES128_GCM_DEC(imb, dkey, &ctx, c, c,
				    op->cipher_len, nonce, op->aad,
				    s->aad_len, tag, s->icv_len);
			else if (s->ekey_len == 24)
				IMB_AES192_GCM_DEC(imb, dkey, &ctx, c, c,
				    op->cipher_len, nonce, op->aad,
				    s->aad_len, tag, s->icv_len);
			else
				IMB_AES256_GCM_DEC(imb, dkey, &ctx, c, c,
				    op->cipher_len, nonce, op->aad,
				    s->aad_len, tag, s->icv_len);
		}
		op->status = CRYPTO_memcmp(tag, p + op->digest_off,
		    s->icv_len) == 0 ? XFORM_ST_OK : XFORM_ST_AUTH_FAILED;
		ok += op->status == XFORM_ST_OK;
	}
	return ok;
}

#else /* !XFORM_HAVE_IPSEC_MB */

int
xform_imb_setup(unsigned int n_workers)
{
	(void)n_workers;
	return -ENOTSUP;
}

void
xform_imb_free(void)
{
}

bool
xform_imb_available(void)
{
	return false;
}

const char *
xform_imb_version(void)
{
	return "";
}

int
xform_imb_key_init(const struct xform_session *s, void **dkey,
    size_t *dkey_len)
{
	(void)s;
	(void)dkey;
	(void)dkey_len;
	return -ENOTSUP;
}

uint16_t
xform_imb_decrypt(const struct xform_session *s, const void *dkey,
    unsigned int worker, struct xform_op *ops, uint16_t n)
{
	(void)s;
	(void)dkey;
	(void)worker;
	(void)ops;
	(void)n;
	return 0;
}

#endif /* XFORM_HAVE_IPSEC_MB */
