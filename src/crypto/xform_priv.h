/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xform internals: the session object, the per-engine ops table (one per
 * backend, like OpenBSD's xformsw[]) and the HMAC helper shared by the
 * synchronous engines.  Only src/crypto and tests/crypto include this.
 */
#ifndef DPSEC_XFORM_PRIV_H
#define DPSEC_XFORM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_log.h>

#include "xform.h"

extern int xform_logtype;
#define XFORM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, xform_logtype, "xform: " fmt "\n", \
	    ##__VA_ARGS__)

struct xform_session;

/* One backend. */
struct xform_engine_ops {
	const char *name;
	/* Can this engine run (ealg, aalg, flags)?  Called after init. */
	bool (*supports)(const struct xform_engine_ops *eng, uint8_t ealg,
	    uint8_t aalg, uint32_t flags);
	/* Build s->priv from s's keys; 0 or -errno.  Control thread. */
	int (*session_init)(struct xform_session *s);
	/* Free s->priv (wiping key material).  Control thread. */
	void (*session_fini)(struct xform_session *s);
	/* ops[0..n), n <= XFORM_BURST_MAX, lengths prechecked. */
	uint16_t (*process)(struct xform_session *s, unsigned int worker,
	    struct xform_op *ops, uint16_t n);
	/* Inbound ICVs of (ealg, aalg, flags) compared in constant time?
	 * NULL: always (the synchronous engines). */
	bool (*icv_ct)(const struct xform_engine_ops *eng, uint8_t ealg,
	    uint8_t aalg, uint32_t flags);
	/* Engine state (cryptodev device), or NULL. */
	void *ctx;
	/* Whether the engine was set up by xform_init(). */
	bool present;
};

/* Registered engines, indexed by enum xform_engine (NULL: absent). */
extern struct xform_engine_ops *xform_engines[XFORM_ENGINE_MAX];
extern struct xform_engine_ops xform_openssl_ops;
extern struct xform_engine_ops xform_sodium_ops;
extern unsigned int xform_n_workers;

/* HMAC key sizes: the auth algorithm ids we implement. */
enum xform_md {
	XFORM_MD_NONE = 0,
	XFORM_MD_SHA1,
	XFORM_MD_SHA256,
	XFORM_MD_SHA384,
	XFORM_MD_SHA512,
};

/*
 * A session.  [I] immutable after xform_session_create(); the engines'
 * per-worker state in priv is [O] owned by the worker with that id.
 */
struct xform_session {
	const struct xform_engine_ops *eng;	/* [I] */
	const struct xform_alg *ea;		/* [I] */
	const struct xform_alg *aa;		/* [I] NULL for none */
	enum xform_engine engine;		/* [I] */
	enum xform_md md;			/* [I] */
	uint8_t ealg;				/* [I] */
	uint8_t aalg;				/* [I] */
	uint8_t dir;				/* [I] enum xform_dir */
	uint8_t icv_len;			/* [I] */
	uint8_t aad_len;			/* [I] 8, 12 (ESN) or 0 */
	uint8_t esn;				/* [I] XFORM_F_ESN set */
	uint8_t pmd_verify;			/* [I] XFORM_F_PMD_VERIFY */
	uint8_t icv_ct;				/* [I] ICV compared in
						   constant time (IN) */
	uint8_t ekey_len;			/* [I] without salt */
	uint8_t akey_len;			/* [I] */
	uint8_t salt[4];			/* [I] GCM/GMAC/ChaCha salt,
						   CTR nonce */
	uint8_t ekey[32];			/* [I] wiped after init unless
						   the engine keeps it */
	uint8_t akey[XFORM_KEY_MAX];		/* [I] idem */
	void *priv;				/* engine state */
};

/* Full 12-byte nonce salt || iv (GCM, GMAC, ChaCha20-Poly1305). */
static inline void
xform_nonce12(const struct xform_session *s, const struct xform_op *op,
    uint8_t nonce[12])
{
	memcpy(nonce, s->salt, 4);
	memcpy(nonce + 4, op->iv, 8);
}

/* Counter block nonce || iv || 00000001 (RFC 3686 section 4). */
static inline void
xform_ctrblk(const struct xform_session *s, const struct xform_op *op,
    uint8_t blk[16])
{
	memcpy(blk, s->salt, 4);
	memcpy(blk + 4, op->iv, 8);
	blk[12] = 0;
	blk[13] = 0;
	blk[14] = 0;
	blk[15] = 1;
}

/* Algorithm classes. */
static inline bool
xform_is_aead(uint8_t ealg)
{
	return ealg == SADB_X_EALG_AES_GCM_ICV8 ||
	    ealg == SADB_X_EALG_AES_GCM_ICV12 ||
	    ealg == SADB_X_EALG_AES_GCM_ICV16 ||
	    ealg == DPSEC_EALG_CHACHA20_POLY1305;
}

static inline bool
xform_is_gcm(uint8_t ealg)
{
	return ealg == SADB_X_EALG_AES_GCM_ICV8 ||
	    ealg == SADB_X_EALG_AES_GCM_ICV12 ||
	    ealg == SADB_X_EALG_AES_GCM_ICV16;
}

/*
 * HMAC with precomputed inner/outer states (xform_hmac.c).  The template
 * is read-only after xform_hmac_init(), so all workers share it: per
 * packet the state is copied on the stack, no allocation.
 */
struct xform_hmac;

struct xform_hmac *xform_hmac_new(enum xform_md md, const uint8_t *key,
    size_t key_len);
void xform_hmac_free(struct xform_hmac *h);
/* out receives the full digest (up to 64 bytes). */
void xform_hmac(const struct xform_hmac *h, const uint8_t *data, size_t len,
    const uint8_t *tail, size_t tail_len, uint8_t out[64]);
enum xform_md xform_md_of(uint8_t aalg);

/* Constant-time compare: 0 if equal. */
int xform_ct_memcmp(const void *a, const void *b, size_t len);
/* Wipe memory the compiler may not elide. */
void xform_wipe(void *p, size_t len);

/* Cryptodev engines (xform_cdev.c). */
int xform_cdev_init(const struct xform_config *cfg);
void xform_cdev_fini(void);

/*
 * intel-ipsec-mb for inbound AEAD on cdev-aesni_mb (xform_imb.c): the tag
 * comes back and is compared with CRYPTO_memcmp.  Without the library
 * (meson option ipsec_mb) xform_imb_available() is false and the others
 * return -ENOTSUP or 0.
 */
/** One manager for key expansion and GCM, one per worker for ChaCha20
 * jobs; 0 or -ENOTSUP (then none).  Thread: control, at init. */
int xform_imb_setup(unsigned int n_workers);
/** Free the managers.  Thread: control, workers stopped. */
void xform_imb_free(void);
/** Set up and usable?  Thread: any, after xform_imb_setup(). */
bool xform_imb_available(void);
/** Library version and mode, for the init log line. */
const char *xform_imb_version(void);
/** Expanded key state of inbound AEAD session @p s (aligned_alloc'd; the
 * caller wipes and frees it); 0, -ENOMEM or -ENOTSUP.  Thread: control. */
int xform_imb_key_init(const struct xform_session *s, void **dkey,
    size_t *dkey_len);
/** Decrypt in place and compare the tags of ops[0..n) (those with
 * status OK); sets each status; returns the number OK.
 * Thread: worker @p worker. */
uint16_t xform_imb_decrypt(const struct xform_session *s, const void *dkey,
    unsigned int worker, struct xform_op *ops, uint16_t n);

#endif /* DPSEC_XFORM_PRIV_H */
