/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK cryptodev lookaside engines: crypto_aesni_mb (intel-ipsec-mb),
 * crypto_openssl, and the first other device found (QAT and friends on
 * appliances).
 *
 * xform_init() configures each device with one queue pair per worker and
 * preallocates, per device and worker, XFORM_BURST_MAX rte_crypto_ops
 * that are reused for every burst (no mempool traffic per packet).  A
 * burst is one enqueue and a poll of dequeue until every op is back.
 *
 * Per op the private area after the sym op holds the IV/nonce, a copy of
 * the AAD (so that its IOVA is valid for hardware), a scratch digest and
 * the index of the op in the burst.
 *
 * HMACs and GMAC are *generated* into the scratch digest and compared by
 * us with CRYPTO_memcmp (constant time).  A PMD that accepts
 * hash-then-decrypt chains only with VERIFY (crypto_aesni_mb: 22.11's
 * ipsec_mb_parse_xform() refuses GENERATE followed by DECRYPT) gets the
 * inbound chain *split*: a hash-only GENERATE session, our compare, then a
 * cipher-only DECRYPT session run on the ops that authenticated, so the
 * payload of a forged packet is never decrypted.  With XFORM_F_PMD_VERIFY
 * such a PMD gets the one-pass VERIFY chain instead and compares itself
 * (aesni_mb: memcmp in verify_digest(), not constant time), against a
 * copy of the ICV in the scratch digest.  For ESN the 4 high-order bytes
 * are written over the first 4 ICV bytes and the auth length extended by
 * 4, so the PMD hashes them right after the payload (the inbound ICV bytes
 * are saved and restored).  AEAD tags of ops that go through a PMD are
 * checked by the PMD: crypto_openssl through EVP_DecryptFinal_ex
 * (CRYPTO_memcmp inside OpenSSL), crypto_aesni_mb with memcmp (so only
 * with XFORM_F_PMD_VERIFY: see below), other devices unknown (the inbound
 * default avoids them, xform.c).  GMAC hashes SPI||SN from the packet (the
 * 8 bytes before auth_off), so ESN + GMAC is not offered here.
 *
 * Inbound AEAD on crypto_aesni_mb (without XFORM_F_PMD_VERIFY) does not
 * go through the PMD at all (xform_imb.c): it calls intel-ipsec-mb, the library the PMD
 * itself drives, which decrypts in place and writes the tag to our buffer,
 * and we compare the tag with CRYPTO_memcmp.  AES-GCM: the direct API
 * (IMB_AES*_GCM_DEC, a plain function call).  ChaCha20-Poly1305: jobs on
 * a per-worker IMB_MGR, as the PMD submits them (the library's direct
 * ChaCha20-Poly1305 calls measured 1.5x slower than its job path).
 * Nothing new is computed: the same decryption and tag as the PMD's, only
 * the comparison moves to our side (and the op enqueue/dequeue goes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include <rte_byteorder.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "xform_priv.h"

#define CDEV_DESC	2048
#define CDEV_SESS	4096
#define IV_OFF	(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

/* Private area after the sym op. */
struct cdev_priv {
	uint8_t iv[16];
	uint8_t aad[16];
	uint8_t digest[64];
	uint8_t saved[4];
	uint16_t idx;
};

struct cdev_dev {
	struct xform_engine_ops ops;		/* first: ops.ctx == this */
	enum xform_engine e;			/* [I] */
	uint8_t dev_id;				/* [I] */
	bool sess_per_worker;			/* [I] PMD sessions not
						   shareable across qps */
	struct rte_mempool *op_pool;		/* [I] */
	struct rte_crypto_op **wops;		/* [O] n_workers x BURST_MAX */
};

enum cdev_kind { K_AEAD, K_GMAC, K_CHAIN, K_CIPHER, K_AUTH };

struct cdev_sess {
	struct cdev_dev *dev;			/* [I] */
	enum cdev_kind kind;			/* [I] */
	uint8_t iv_len;				/* [I] 12 or 16 */
	bool pmd_verify;			/* [I] PMD compares the ICV */
	bool split;				/* [I] inbound chain in two
						   passes: hash, then
						   decrypt */
	bool direct;				/* [I] inbound AEAD through
						   intel-ipsec-mb's direct
						   API, no PMD session */
	void *dkey;				/* [I] direct: gcm_key_data
						   or ChaCha20 key */
	size_t dkey_len;			/* [I] */
	unsigned int n_sess;			/* [I] 1 or n_workers */
	void *sess[];				/* [I] PMD sessions: n_sess,
						   then n_sess cipher-only
						   ones if split */
};

static struct cdev_dev *devs[XFORM_ENGINE_MAX];
static struct rte_mempool *sess_pool;

/* Can inbound AEAD on device d run through the direct API? */
static inline bool
direct_able(const struct cdev_dev *d)
{
	return xform_imb_available() && d->e == XFORM_ENGINE_CDEV_AESNI_MB;
}

static inline struct cdev_priv *
op_priv(struct rte_crypto_op *op)
{
	return rte_crypto_op_ctod_offset(op, struct cdev_priv *, IV_OFF);
}

static inline rte_iova_t
op_priv_iova(struct rte_crypto_op *op, size_t field)
{
	return rte_crypto_op_ctophys_offset(op, IV_OFF + field);
}

/* The cryptodev transforms for a session (keys point into s). */
struct cdev_xf {
	struct rte_crypto_sym_xform c, a;
	enum cdev_kind kind;
	uint8_t iv_len;
	bool pmd_verify;
};

static int
build_xforms(const struct xform_session *s, struct cdev_xf *x)
{
	bool out = s->dir == XFORM_DIR_OUT;
	bool cipher = s->ealg != SADB_EALG_NULL;
	bool auth = s->md != XFORM_MD_NONE;

	memset(x, 0, sizeof(*x));
	if (xform_is_aead(s->ealg)) {
		x->kind = K_AEAD;
		x->iv_len = 12;
		x->c.type = RTE_CRYPTO_SYM_XFORM_AEAD;
		x->c.aead.op = out ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
		    RTE_CRYPTO_AEAD_OP_DECRYPT;
		x->c.aead.algo = xform_is_gcm(s->ealg) ?
		    RTE_CRYPTO_AEAD_AES_GCM : RTE_CRYPTO_AEAD_CHACHA20_POLY1305;
		x->c.aead.key.data = s->ekey;
		x->c.aead.key.length = s->ekey_len;
		x->c.aead.iv.offset = IV_OFF;
		x->c.aead.iv.length = 12;
		x->c.aead.digest_length = s->icv_len;
		x->c.aead.aad_length = s->aad_len;
		return 0;
	}
	if (s->ealg == SADB_X_EALG_NULL_AES_GMAC) {
		if (s->esn)
			return -ENOTSUP;
		x->kind = K_GMAC;
		x->iv_len = 12;
		x->a.type = RTE_CRYPTO_SYM_XFORM_AUTH;
		x->a.auth.op = RTE_CRYPTO_AUTH_OP_GENERATE;
		x->a.auth.algo = RTE_CRYPTO_AUTH_AES_GMAC;
		x->a.auth.key.data = s->ekey;
		x->a.auth.key.length = s->ekey_len;
		x->a.auth.iv.offset = IV_OFF;
		x->a.auth.iv.length = 12;
		x->a.auth.digest_length = s->icv_len;
		return 0;
	}
	x->iv_len = 16;
	if (cipher) {
		x->c.type = RTE_CRYPTO_SYM_XFORM_CIPHER;
		x->c.cipher.op = out ? RTE_CRYPTO_CIPHER_OP_ENCRYPT :
		    RTE_CRYPTO_CIPHER_OP_DECRYPT;
		x->c.cipher.algo = s->ealg == SADB_X_EALG_AESCBC ?
		    RTE_CRYPTO_CIPHER_AES_CBC : RTE_CRYPTO_CIPHER_AES_CTR;
		x->c.cipher.key.data = s->ekey;
		x->c.cipher.key.length = s->ekey_len;
		x->c.cipher.iv.offset = IV_OFF;
		x->c.cipher.iv.length = 16;
	}
	if (auth) {
		x->a.type = RTE_CRYPTO_SYM_XFORM_AUTH;
		/* Always generate: we compare in constant time ourselves. */
		x->a.auth.op = RTE_CRYPTO_AUTH_OP_GENERATE;
		x->a.auth.algo = s->md == XFORM_MD_SHA1 ?
		    RTE_CRYPTO_AUTH_SHA1_HMAC : s->md == XFORM_MD_SHA256 ?
		    RTE_CRYPTO_AUTH_SHA256_HMAC : s->md == XFORM_MD_SHA384 ?
		    RTE_CRYPTO_AUTH_SHA384_HMAC : RTE_CRYPTO_AUTH_SHA512_HMAC;
		x->a.auth.key.data = s->akey;
		x->a.auth.key.length = s->akey_len;
		x->a.auth.digest_length = s->icv_len;
	}
	x->kind = cipher && auth ? K_CHAIN : cipher ? K_CIPHER : K_AUTH;
	if (x->kind == K_CHAIN) {
		/* Encrypt-then-MAC out; MAC (of the ciphertext) first in. */
		if (out)
			x->c.next = &x->a;
		else
			x->a.next = &x->c;
	}
	return 0;
}

static struct rte_crypto_sym_xform *
xf_head(struct cdev_xf *x, bool out)
{
	switch (x->kind) {
	case K_AEAD:
	case K_CIPHER:
		return &x->c;
	case K_GMAC:
	case K_AUTH:
		return &x->a;
	default:
		return out ? &x->c : &x->a;
	}
}

/* Capability check of one xform against a device. */
static bool
xf_capable(uint8_t dev_id, const struct rte_crypto_sym_xform *x)
{
	const struct rte_cryptodev_symmetric_capability *cap;
	struct rte_cryptodev_sym_capability_idx idx;

	for (; x != NULL; x = x->next) {
		idx.type = x->type;
		if (x->type == RTE_CRYPTO_SYM_XFORM_AEAD)
			idx.algo.aead = x->aead.algo;
		else if (x->type == RTE_CRYPTO_SYM_XFORM_CIPHER)
			idx.algo.cipher = x->cipher.algo;
		else
			idx.algo.auth = x->auth.algo;
		cap = rte_cryptodev_sym_capability_get(dev_id, &idx);
		if (cap == NULL)
			return false;
		if (x->type == RTE_CRYPTO_SYM_XFORM_AEAD &&
		    rte_cryptodev_sym_capability_check_aead(cap,
		    x->aead.key.length, x->aead.digest_length,
		    x->aead.aad_length, x->aead.iv.length) != 0)
			return false;
		if (x->type == RTE_CRYPTO_SYM_XFORM_CIPHER &&
		    rte_cryptodev_sym_capability_check_cipher(cap,
		    x->cipher.key.length, x->cipher.iv.length) != 0)
			return false;
		if (x->type == RTE_CRYPTO_SYM_XFORM_AUTH &&
		    rte_cryptodev_sym_capability_check_auth(cap,
		    x->auth.key.length, x->auth.digest_length,
		    x->auth.iv.length) != 0)
			return false;
	}
	return true;
}

static bool
cdev_supports(const struct xform_engine_ops *eng, uint8_t ealg, uint8_t aalg,
    uint32_t flags)
{
	const struct cdev_dev *d = eng->ctx;
	const struct xform_alg *ea = xform_alg_get(false, ealg);
	const struct xform_alg *aa = xform_alg_get(true, aalg);
	struct xform_session s;
	struct cdev_xf x;

	if (d == NULL || ea == NULL || aa == NULL)
		return false;
	/* A stand-in session with the smallest key of each algorithm. */
	memset(&s, 0, sizeof(s));
	s.ealg = ealg;
	s.aalg = aalg;
	s.md = xform_md_of(aalg);
	s.esn = (flags & XFORM_F_ESN) != 0;
	s.ekey_len = ea->key_bits_min / 8 - ea->salt_len;
	s.akey_len = aa->key_bits_min / 8;
	s.icv_len = ea->icv_len != 0 ? ea->icv_len : aa->icv_len;
	s.aad_len = ea->aead ? (s.esn ? 12 : 8) : 0;
	if (build_xforms(&s, &x) < 0)
		return false;
	return xf_capable(d->dev_id, xf_head(&x, true));
}

/*
 * Which inbound ICVs does this device compare in constant time (see
 * xform_engine_icv_ct() in xform.h)?  AEAD: crypto_openssl, whose
 * EVP_DecryptFinal_ex ends in CRYPTO_memcmp (OpenSSL 3.0
 * CRYPTO_gcm128_finish; the ChaCha20-Poly1305 provider), and
 * crypto_aesni_mb through the direct API (we compare); the PMD
 * crypto_aesni_mb itself uses memcmp (verify_digest()), so not with
 * XFORM_F_PMD_VERIFY; other devices are unknown.  HMAC/GMAC: we compare,
 * unless XFORM_F_PMD_VERIFY lets a PMD that refuses GENERATE-then-DECRYPT
 * chains verify them (crypto_openssl does not).
 */
static bool
cdev_icv_ct(const struct xform_engine_ops *eng, uint8_t ealg, uint8_t aalg,
    uint32_t flags)
{
	const struct cdev_dev *d = eng->ctx;

	if (d == NULL)
		return false;
	if (xform_is_aead(ealg))
		return d->e == XFORM_ENGINE_CDEV_OPENSSL ||
		    (direct_able(d) && (flags & XFORM_F_PMD_VERIFY) == 0);
	if (ealg != SADB_EALG_NULL && ealg != SADB_X_EALG_NULL_AES_GMAC &&
	    aalg != SADB_AALG_NONE && (flags & XFORM_F_PMD_VERIFY) != 0)
		return d->e == XFORM_ENGINE_CDEV_OPENSSL;
	return true;
}

/* Create the PMD sessions of cs (n, or 2n when split); 0 or -errno. */
static int
sess_make(const struct cdev_dev *d, struct cdev_sess *cs, struct cdev_xf *x,
    struct rte_crypto_sym_xform *head, unsigned int n)
{
	struct rte_crypto_sym_xform *xf;
	unsigned int i, tot = cs->split ? 2 * n : n;
	int rc;

	if (cs->split)
		x->a.next = NULL;	/* hash-only; x->c alone decrypts */
	for (i = 0; i < tot; i++) {
		xf = !cs->split ? head : i < n ? &x->a : &x->c;
		rte_errno = 0;
		cs->sess[i] = rte_cryptodev_sym_session_create(d->dev_id, xf,
		    sess_pool);
		if (cs->sess[i] == NULL) {
			rc = rte_errno != 0 ? -rte_errno : -ENOMEM;
			while (i-- > 0)
				rte_cryptodev_sym_session_free(d->dev_id,
				    cs->sess[i]);
			if (cs->split)
				x->a.next = &x->c;
			return rc;
		}
	}
	cs->n_sess = n;
	return 0;
}

/* Direct-API key state of an inbound AEAD session; 0 or -errno. */
static int
direct_init(const struct xform_session *s, struct cdev_sess *cs)
{
	int rc = xform_imb_key_init(s, &cs->dkey, &cs->dkey_len);

	if (rc == 0)
		cs->direct = true;
	return rc;
}

/* Inbound AEAD through intel-ipsec-mb: decrypt, tag, CRYPTO_memcmp. */
static inline uint16_t
direct_process(const struct xform_session *s, const struct cdev_sess *cs,
    unsigned int worker, struct xform_op *ops, uint16_t n)
{
	return xform_imb_decrypt(s, cs->dkey, worker, ops, n);
}

static void
set_pmd_verify(struct cdev_xf *x, struct cdev_sess *cs)
{
	x->a.auth.op = RTE_CRYPTO_AUTH_OP_VERIFY;
	cs->pmd_verify = true;
}

static int
cdev_session_init(struct xform_session *s)
{
	struct cdev_dev *d = s->eng->ctx;
	struct cdev_sess *cs;
	struct rte_crypto_sym_xform *head;
	struct cdev_xf x;
	unsigned int n;
	bool chain_in;
	int rc;

	rc = build_xforms(s, &x);
	if (rc < 0)
		return rc;
	head = xf_head(&x, s->dir == XFORM_DIR_OUT);
	if (!xf_capable(d->dev_id, head))
		return -ENOTSUP;
	n = d->sess_per_worker ? xform_n_workers : 1;
	cs = calloc(1, sizeof(*cs) + 2 * n * sizeof(cs->sess[0]));
	if (cs == NULL)
		return -ENOMEM;
	cs->dev = d;
	cs->kind = x.kind;
	cs->iv_len = x.iv_len;
	if (x.kind == K_AEAD && s->dir == XFORM_DIR_IN && !s->pmd_verify &&
	    direct_able(d)) {
		rc = direct_init(s, cs);
		if (rc < 0) {
			free(cs);
			return rc;
		}
		s->icv_ct = true;
		goto done;
	}
	chain_in = x.kind == K_CHAIN && s->dir == XFORM_DIR_IN;
	if (chain_in && d->e == XFORM_ENGINE_CDEV_AESNI_MB) {
		/* Refuses GENERATE-then-DECRYPT: see the file comment. */
		if (s->pmd_verify)
			set_pmd_verify(&x, cs);
		else
			cs->split = true;
	}
	rc = sess_make(d, cs, &x, head, n);
	if (rc < 0 && chain_in && !cs->split && !cs->pmd_verify) {
		/* Another PMD without GENERATE-then-DECRYPT chains. */
		if (s->pmd_verify)
			set_pmd_verify(&x, cs);
		else
			cs->split = true;
		rc = sess_make(d, cs, &x, head, n);
	}
	if (rc < 0) {
		free(cs);
		return rc;
	}
	if (s->dir == XFORM_DIR_IN)
		s->icv_ct = x.kind == K_AEAD ?
		    d->e == XFORM_ENGINE_CDEV_OPENSSL : !cs->pmd_verify;
done:
	/* The PMD (or cs->dkey) holds its own copy of the keys now. */
	xform_wipe(s->ekey, sizeof(s->ekey));
	xform_wipe(s->akey, sizeof(s->akey));
	s->priv = cs;
	return 0;
}

static void
cdev_session_fini(struct xform_session *s)
{
	struct cdev_sess *cs = s->priv;
	unsigned int i, tot;

	if (cs == NULL)
		return;
	tot = cs->split ? 2 * cs->n_sess : cs->n_sess;
	/* Frees the PMD sessions; PMDs clear their private key data. */
	for (i = 0; i < tot; i++)
		rte_cryptodev_sym_session_free(cs->dev->dev_id, cs->sess[i]);
	if (cs->dkey != NULL) {
		xform_wipe(cs->dkey, cs->dkey_len);
		free(cs->dkey);
	}
	free(cs);
	s->priv = NULL;
}

/* Fill one crypto op from an xform op; -1 when the op cannot be run. */
static inline int
fill_op(const struct xform_session *s, const struct cdev_sess *cs,
    void *sess, struct rte_crypto_op *cop, struct xform_op *op, uint16_t idx)
{
	struct rte_crypto_sym_op *sym = cop->sym;
	struct cdev_priv *pv = op_priv(cop);
	struct rte_mbuf *m = op->m;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	rte_be32_t hi;

	cop->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
	rte_crypto_op_attach_sym_session(cop, sess);
	sym->m_src = m;
	sym->m_dst = NULL;
	pv->idx = idx;
	switch (cs->kind) {
	case K_AEAD:
		xform_nonce12(s, op, pv->iv);
		/* Constant size: a variable one compiles to rep movs. */
		memcpy(pv->aad, op->aad, XFORM_AAD_MAX);
		sym->aead.data.offset = op->cipher_off;
		sym->aead.data.length = op->cipher_len;
		sym->aead.aad.data = pv->aad;
		sym->aead.aad.phys_addr = op_priv_iova(cop,
		    offsetof(struct cdev_priv, aad));
		sym->aead.digest.data = p + op->digest_off;
		sym->aead.digest.phys_addr = rte_pktmbuf_iova_offset(m,
		    op->digest_off);
		return 0;
	case K_GMAC:
		/* SPI||SN precede the IV in the packet (ESP layout). */
		if (op->auth_off < 8 ||
		    memcmp(p + op->auth_off - 8, op->aad, 8) != 0)
			return -1;
		xform_nonce12(s, op, pv->iv);
		sym->auth.data.offset = op->auth_off - 8;
		sym->auth.data.length = op->auth_len + 8;
		break;
	case K_CIPHER:
	case K_CHAIN:
		if (s->ealg == SADB_X_EALG_AESCTR)
			xform_ctrblk(s, op, pv->iv);
		else
			memcpy(pv->iv, op->iv, 16);
		sym->cipher.data.offset = op->cipher_off;
		sym->cipher.data.length = op->cipher_len;
		if (cs->kind == K_CIPHER)
			return 0;
		/* FALLTHROUGH */
	case K_AUTH:
		sym->auth.data.offset = op->auth_off;
		sym->auth.data.length = op->auth_len;
		if (cs->pmd_verify)
			memcpy(pv->digest, p + op->digest_off, s->icv_len);
		if (s->esn) {
			/* RFC 4303 2.2.1: SN-hi hashed after the payload. */
			if (op->auth_off + op->auth_len != op->digest_off)
				return -1;
			memcpy(pv->saved, p + op->digest_off, 4);
			hi = rte_cpu_to_be_32(op->esn_hi);
			memcpy(p + op->digest_off, &hi, 4);
			sym->auth.data.length += 4;
		}
		break;
	}
	sym->auth.digest.data = pv->digest;
	sym->auth.digest.phys_addr = op_priv_iova(cop,
	    offsetof(struct cdev_priv, digest));
	return 0;
}

/* Map a returned crypto op back to its xform op. */
static inline uint8_t
finish_op(const struct xform_session *s, const struct cdev_sess *cs,
    struct rte_crypto_op *cop, struct xform_op *op)
{
	struct cdev_priv *pv = op_priv(cop);
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *) + op->digest_off;

	if (cs->kind == K_AUTH || cs->kind == K_CHAIN || cs->kind == K_GMAC) {
		if (s->esn && cs->kind != K_GMAC && s->dir == XFORM_DIR_IN)
			memcpy(p, pv->saved, 4);
		if (cop->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED &&
		    cs->pmd_verify)
			return XFORM_ST_AUTH_FAILED;
		if (cop->status != RTE_CRYPTO_OP_STATUS_SUCCESS)
			return XFORM_ST_ERROR;
		if (cs->pmd_verify)
			return XFORM_ST_OK;
		if (s->dir == XFORM_DIR_OUT) {
			memcpy(p, pv->digest, s->icv_len);
			return XFORM_ST_OK;
		}
		return CRYPTO_memcmp(p, pv->digest, s->icv_len) == 0 ?
		    XFORM_ST_OK : XFORM_ST_AUTH_FAILED;
	}
	if (cop->status == RTE_CRYPTO_OP_STATUS_SUCCESS)
		return XFORM_ST_OK;
	if (cop->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED)
		return XFORM_ST_AUTH_FAILED;
	return XFORM_ST_ERROR;
}

/* Enqueue cops[0..k) on the worker's queue pair, poll until all are back. */
static inline void
run_ops(const struct cdev_dev *d, unsigned int worker,
    struct rte_crypto_op **cops, uint16_t k, struct rte_crypto_op **back)
{
	uint16_t sent = 0, got = 0;

	while (got < k) {
		if (sent < k)
			sent += rte_cryptodev_enqueue_burst(d->dev_id, worker,
			    cops + sent, k - sent);
		got += rte_cryptodev_dequeue_burst(d->dev_id, worker,
		    back + got, k - got);
	}
}

/*
 * Second pass of a split inbound chain: decrypt, with the cipher-only
 * session, the ops whose ICV matched (their cipher fields and IV are still
 * in place from fill_op()).  Returns the number of ops left OK.
 */
static uint16_t
decrypt_pass(const struct cdev_sess *cs, unsigned int worker,
    struct xform_op *ops, struct rte_crypto_op **cops, uint16_t k)
{
	struct rte_crypto_op *todo[XFORM_BURST_MAX];
	void *csess = cs->sess[cs->n_sess + (cs->n_sess > 1 ? worker : 0)];
	uint16_t i, m = 0, ok = 0;

	for (i = 0; i < k; i++) {
		if (ops[op_priv(cops[i])->idx].status != XFORM_ST_OK)
			continue;
		cops[i]->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
		rte_crypto_op_attach_sym_session(cops[i], csess);
		todo[m++] = cops[i];
	}
	run_ops(cs->dev, worker, todo, m, cops);
	for (i = 0; i < m; i++) {
		struct xform_op *op = &ops[op_priv(cops[i])->idx];

		op->status = cops[i]->status == RTE_CRYPTO_OP_STATUS_SUCCESS ?
		    XFORM_ST_OK : XFORM_ST_ERROR;
		ok += op->status == XFORM_ST_OK;
	}
	return ok;
}

static uint16_t
cdev_process(struct xform_session *s, unsigned int worker,
    struct xform_op *ops, uint16_t n)
{
	const struct cdev_sess *cs = s->priv;
	struct cdev_dev *d = cs->dev;
	struct rte_crypto_op **wops = d->wops + worker * XFORM_BURST_MAX;
	struct rte_crypto_op *back[XFORM_BURST_MAX];
	void *sess;
	uint16_t i, k = 0, ok = 0;

	if (cs->direct)
		return direct_process(s, cs, worker, ops, n);
	sess = cs->sess[cs->n_sess > 1 ? worker : 0];

	for (i = 0; i < n; i++) {
		if (ops[i].status != XFORM_ST_OK)
			continue;
		if (fill_op(s, cs, sess, wops[k], &ops[i], i) < 0) {
			ops[i].status = XFORM_ST_BAD_LEN;
			continue;
		}
		k++;
	}
	run_ops(d, worker, wops, k, back);
	for (i = 0; i < k; i++) {
		struct xform_op *op = &ops[op_priv(back[i])->idx];

		op->status = finish_op(s, cs, back[i], op);
		ok += op->status == XFORM_ST_OK;
	}
	if (cs->split && ok > 0)
		ok = decrypt_pass(cs, worker, ops, back, k);
	return ok;
}

static enum xform_engine
engine_of(const char *driver)
{
	if (strcmp(driver, "crypto_aesni_mb") == 0)
		return XFORM_ENGINE_CDEV_AESNI_MB;
	if (strcmp(driver, "crypto_openssl") == 0)
		return XFORM_ENGINE_CDEV_OPENSSL;
	return XFORM_ENGINE_CDEV_OTHER;
}

static void
dev_free(struct cdev_dev *d)
{
	unsigned int i;

	if (d == NULL)
		return;
	if (d->wops != NULL) {
		for (i = 0; i < xform_n_workers * XFORM_BURST_MAX; i++)
			rte_crypto_op_free(d->wops[i]);
		free(d->wops);
	}
	rte_mempool_free(d->op_pool);
	free(d);
}

static int
dev_setup(uint8_t dev_id, const struct xform_config *cfg, enum xform_engine e)
{
	struct rte_cryptodev_config conf = { 0 };
	struct rte_cryptodev_qp_conf qp = { 0 };
	struct rte_cryptodev_info info;
	unsigned int nops, i, nw = cfg->n_workers;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct cdev_dev *d;
	int socket = cfg->socket_id;

	rte_cryptodev_info_get(dev_id, &info);
	if (info.max_nb_queue_pairs < nw) {
		XFORM_LOG(WARNING, "%s: %u queue pairs < %u workers, skipped",
		    rte_cryptodev_name_get(dev_id), info.max_nb_queue_pairs,
		    nw);
		return -ENOSPC;
	}
	if (socket < 0)
		socket = rte_cryptodev_socket_id(dev_id);
	if (socket < 0)
		socket = 0;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->dev_id = dev_id;
	/*
	 * crypto_openssl (22.11) keeps its EVP contexts in the session and
	 * writes them per op: two queue pairs on one session race (TSan in
	 * tests/crypto/test_xform_stress.c).  One session per worker there;
	 * other PMDs treat sessions as read-only.
	 */
	d->sess_per_worker = strcmp(info.driver_name, "crypto_openssl") == 0;
	nops = cfg->cdev_ops != 0 ? cfg->cdev_ops :
	    nw * XFORM_BURST_MAX + 64;
	snprintf(name, sizeof(name), "xform_ops_%u", dev_id);
	d->op_pool = rte_crypto_op_pool_create(name,
	    RTE_CRYPTO_OP_TYPE_SYMMETRIC, nops, 0,
	    sizeof(struct cdev_priv), socket);
	d->wops = calloc(nw * XFORM_BURST_MAX, sizeof(d->wops[0]));
	if (d->op_pool == NULL || d->wops == NULL ||
	    rte_crypto_op_bulk_alloc(d->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
	    d->wops, nw * XFORM_BURST_MAX) == 0)
		goto err;
	conf.socket_id = socket;
	conf.nb_queue_pairs = nw;
	if (rte_cryptodev_configure(dev_id, &conf) < 0)
		goto err;
	qp.nb_descriptors = CDEV_DESC;
	qp.mp_session = sess_pool;
	for (i = 0; i < nw; i++)
		if (rte_cryptodev_queue_pair_setup(dev_id, i, &qp, socket) < 0)
			goto err;
	if (rte_cryptodev_start(dev_id) < 0)
		goto err;
	d->e = e;
	d->ops.name = xform_engine_name(e);
	d->ops.supports = cdev_supports;
	d->ops.icv_ct = cdev_icv_ct;
	d->ops.session_init = cdev_session_init;
	d->ops.session_fini = cdev_session_fini;
	d->ops.process = cdev_process;
	d->ops.ctx = d;
	d->ops.present = true;
	devs[e] = d;
	xform_engines[e] = &d->ops;
	XFORM_LOG(INFO, "engine %s: device %s, %u queue pairs",
	    d->ops.name, rte_cryptodev_name_get(dev_id), nw);
	return 0;
err:
	XFORM_LOG(WARNING, "%s: setup failed, skipped",
	    rte_cryptodev_name_get(dev_id));
	dev_free(d);
	return -EIO;
}


int
xform_cdev_init(const struct xform_config *cfg)
{
	struct rte_cryptodev_info info;
	unsigned int sz = 0, n, i, used = 0;
	enum xform_engine e;
	int socket = cfg->socket_id < 0 ? 0 : cfg->socket_id;

	n = rte_cryptodev_count();
	if (n == 0) {
		XFORM_LOG(INFO, "no cryptodev devices: engines openssl and "
		    "sodium only");
		return -ENODEV;
	}
	for (i = 0; i < n; i++) {
		unsigned int ps = rte_cryptodev_sym_get_private_session_size(i);

		sz = RTE_MAX(sz, ps);
	}
	sess_pool = rte_cryptodev_sym_session_pool_create("xform_sess",
	    cfg->cdev_sessions != 0 ? cfg->cdev_sessions : CDEV_SESS, sz, 0,
	    0, socket);
	if (sess_pool == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rte_cryptodev_info_get(i, &info);
		e = engine_of(info.driver_name);
		if (devs[e] != NULL) {
			XFORM_LOG(INFO, "%s: engine %s already has a device",
			    rte_cryptodev_name_get(i), xform_engine_name(e));
			continue;
		}
		if (dev_setup(i, cfg, e) == 0)
			used++;
	}
	if (devs[XFORM_ENGINE_CDEV_AESNI_MB] == NULL)
		XFORM_LOG(INFO, "no crypto_aesni_mb device: AES falls back to "
		    "the next engine");
	else {
		xform_imb_setup(cfg->n_workers);
		XFORM_LOG(INFO, "engine cdev-aesni_mb: inbound AEAD %s%s",
		    xform_imb_available() ? "through intel-ipsec-mb " : "",
		    xform_imb_available() ? xform_imb_version() :
		    "unavailable on the direct API: verified by the PMD");
	}
	return used > 0 ? 0 : -ENODEV;
}

void
xform_cdev_fini(void)
{
	unsigned int e;

	for (e = 0; e < XFORM_ENGINE_MAX; e++) {
		if (devs[e] == NULL)
			continue;
		rte_cryptodev_stop(devs[e]->dev_id);
		rte_cryptodev_close(devs[e]->dev_id);
		xform_engines[e] = NULL;
		dev_free(devs[e]);
		devs[e] = NULL;
	}
	rte_mempool_free(sess_pool);
	sess_pool = NULL;
	xform_imb_free();
}
