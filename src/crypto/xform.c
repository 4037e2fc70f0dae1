/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xform front end: global setup, engine choice per algorithm, session
 * lifetime, and the burst dispatch that checks each op's bounds before the
 * engine sees it.  Engines live in xform_openssl.c, xform_sodium.c and
 * xform_cdev.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "xform_priv.h"

RTE_LOG_REGISTER_DEFAULT(xform_logtype, INFO);

struct xform_engine_ops *xform_engines[XFORM_ENGINE_MAX];
unsigned int xform_n_workers = 1;
static enum xform_engine engine_for[256];	/* [C] by ealg, 0 = auto */
static bool initialized;
static bool icv_pmd_verify;	/* [C] XFORM_F_PMD_VERIFY on every session */
static uint64_t cdev_fallbacks;	/* [C] sessions moved to openssl */

static const char *const engine_names[XFORM_ENGINE_MAX] = {
	[XFORM_ENGINE_DEFAULT] = "default",
	[XFORM_ENGINE_OPENSSL] = "openssl",
	[XFORM_ENGINE_SODIUM] = "sodium",
	[XFORM_ENGINE_CDEV_AESNI_MB] = "cdev-aesni_mb",
	[XFORM_ENGINE_CDEV_OPENSSL] = "cdev-openssl",
	[XFORM_ENGINE_CDEV_OTHER] = "cdev-other",
};

/*
 * Default preference, fastest first, from bench/crypto on a Xeon with
 * VAES/AVX-512 (docs/crypto.md has the figures): crypto_aesni_mb wins every
 * algorithm it has (AES-GCM 3x OpenSSL 3.0 EVP at 1420 bytes).  Without it:
 * OpenSSL for AES (all key sizes; libsodium only has AES-256-GCM), libsodium
 * for ChaCha20-Poly1305 (faster than OpenSSL below ~1 KB and on IMIX).
 * Other cryptodev devices (QAT, crypto_null, ...) are never a default: a
 * synchronous burst waits for the device round trip, so they are taken
 * only when configured per algorithm.
 */
static const enum xform_engine pref_aes[] = {
	XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_OPENSSL, XFORM_ENGINE_SODIUM,
	XFORM_ENGINE_CDEV_OPENSSL,
};
static const enum xform_engine pref_chacha[] = {
	XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_SODIUM, XFORM_ENGINE_OPENSSL,
	XFORM_ENGINE_CDEV_OPENSSL,
};
static const enum xform_engine pref_hmac[] = {
	XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_OPENSSL,
	XFORM_ENGINE_CDEV_OPENSSL,
};

const char *
xform_engine_name(enum xform_engine e)
{
	if ((unsigned int)e >= XFORM_ENGINE_MAX)
		return "?";
	return engine_names[e];
}

int
xform_engine_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < XFORM_ENGINE_MAX; i++)
		if (strcmp(name, engine_names[i]) == 0)
			return (int)i;
	return -1;
}

int
xform_init(const struct xform_config *cfg)
{
	unsigned int i;
	int rc;

	if (cfg == NULL || cfg->n_workers == 0)
		return -EINVAL;
	if (initialized)
		return -EALREADY;
	xform_n_workers = cfg->n_workers;
	icv_pmd_verify = cfg->icv_pmd_verify;
	if (icv_pmd_verify)
		XFORM_LOG(WARNING, "ICVs compared by the cryptodev PMDs "
		    "(crypto-icv-verify pmd): crypto_aesni_mb uses memcmp, "
		    "not constant time");
	for (i = 0; i < 256; i++)
		engine_for[i] = cfg->engine_for != NULL ? cfg->engine_for[i] :
		    XFORM_ENGINE_DEFAULT;
	xform_engines[XFORM_ENGINE_OPENSSL] = &xform_openssl_ops;
	xform_openssl_ops.present = true;
	xform_engines[XFORM_ENGINE_SODIUM] = &xform_sodium_ops;
	xform_sodium_ops.present = true;
	if (cfg->use_cryptodev) {
		rc = xform_cdev_init(cfg);
		if (rc < 0)
			XFORM_LOG(WARNING, "cryptodev engines unavailable (%s)",
			    strerror(-rc));
	}
	initialized = true;
	return 0;
}

void
xform_fini(void)
{
	xform_cdev_fini();
	xform_engines[XFORM_ENGINE_OPENSSL] = NULL;
	xform_engines[XFORM_ENGINE_SODIUM] = NULL;
	initialized = false;
}

bool
xform_engine_supports(enum xform_engine e, uint8_t ealg, uint8_t aalg,
    uint32_t flags)
{
	const struct xform_engine_ops *eng;

	if ((unsigned int)e >= XFORM_ENGINE_MAX)
		return false;
	eng = xform_engines[e];
	return eng != NULL && eng->present &&
	    eng->supports(eng, ealg, aalg, flags);
}

bool
xform_engine_icv_ct(enum xform_engine e, uint8_t ealg, uint8_t aalg,
    uint32_t flags)
{
	const struct xform_engine_ops *eng;

	if ((unsigned int)e >= XFORM_ENGINE_MAX)
		return false;
	eng = xform_engines[e];
	if (eng == NULL || !eng->present)
		return false;
	if (icv_pmd_verify)
		flags |= XFORM_F_PMD_VERIFY;
	return eng->icv_ct == NULL || eng->icv_ct(eng, ealg, aalg, flags);
}

/*
 * May the default put this session on e?  Outbound compares nothing;
 * inbound needs a constant-time ICV comparison unless the operator chose
 * the PMD's own (XFORM_F_PMD_VERIFY).
 */
static bool
default_ok(enum xform_engine e, uint8_t ealg, uint8_t aalg, uint32_t flags,
    enum xform_dir dir)
{
	if (!xform_engine_supports(e, ealg, aalg, flags))
		return false;
	return dir == XFORM_DIR_OUT || (flags & XFORM_F_PMD_VERIFY) != 0 ||
	    xform_engine_icv_ct(e, ealg, aalg, flags);
}

enum xform_engine
xform_engine_default(uint8_t ealg, uint8_t aalg, uint32_t flags,
    enum xform_dir dir)
{
	const enum xform_engine *pref;
	unsigned int i, n;
	enum xform_engine e = engine_for[ealg];

	if (icv_pmd_verify)
		flags |= XFORM_F_PMD_VERIFY;
	if (e != XFORM_ENGINE_DEFAULT &&
	    default_ok(e, ealg, aalg, flags, dir))
		return e;
	if (ealg == DPSEC_EALG_CHACHA20_POLY1305) {
		pref = pref_chacha;
		n = RTE_DIM(pref_chacha);
	} else if (ealg == SADB_EALG_NULL) {
		pref = pref_hmac;
		n = RTE_DIM(pref_hmac);
	} else {
		pref = pref_aes;
		n = RTE_DIM(pref_aes);
	}
	for (i = 0; i < n; i++)
		if (default_ok(pref[i], ealg, aalg, flags, dir))
			return pref[i];
	return XFORM_ENGINE_DEFAULT;
}

struct xform_session *
xform_session_create(uint8_t ealg, const uint8_t *ekey, uint16_t ekey_len,
    uint8_t aalg, const uint8_t *akey, uint16_t akey_len, enum xform_dir dir,
    uint32_t flags, enum xform_engine engine)
{
	struct xform_session *s;
	enum xform_engine e;
	int rc;

	if (!initialized || (dir != XFORM_DIR_OUT && dir != XFORM_DIR_IN) ||
	    (ekey_len > 0 && ekey == NULL) ||
	    (akey_len > 0 && akey == NULL)) {
		rte_errno = EINVAL;
		return NULL;
	}
	rc = xform_check(ealg, ekey_len, aalg, akey_len);
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	if (icv_pmd_verify)
		flags |= XFORM_F_PMD_VERIFY;
	e = engine;
	if (e != XFORM_ENGINE_DEFAULT &&
	    !xform_engine_supports(e, ealg, aalg, flags)) {
		XFORM_LOG(WARNING, "engine %s absent or lacks %s/%s%s, "
		    "falling back", xform_engine_name(e),
		    xform_alg_get(false, ealg)->name,
		    xform_alg_get(true, aalg)->name,
		    (flags & XFORM_F_ESN) ? "/esn" : "");
		e = XFORM_ENGINE_DEFAULT;
	}
	if (e == XFORM_ENGINE_DEFAULT)
		e = xform_engine_default(ealg, aalg, flags, dir);
	if (e == XFORM_ENGINE_DEFAULT) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->eng = xform_engines[e];
	s->engine = e;
	s->ea = xform_alg_get(false, ealg);
	s->aa = xform_alg_get(true, aalg);
	s->ealg = ealg;
	s->aalg = aalg;
	s->dir = dir;
	s->esn = (flags & XFORM_F_ESN) != 0;
	s->pmd_verify = (flags & XFORM_F_PMD_VERIFY) != 0;
	s->md = xform_md_of(aalg);
	s->icv_len = s->ea->icv_len != 0 ? s->ea->icv_len : s->aa->icv_len;
	if (s->ea->aead)
		s->aad_len = s->esn ? 12 : 8;
	s->ekey_len = ekey_len - s->ea->salt_len;
	if (ekey_len > 0) {
		memcpy(s->ekey, ekey, s->ekey_len);
		memcpy(s->salt, ekey + s->ekey_len, s->ea->salt_len);
	}
	s->akey_len = akey_len;
	if (akey_len > 0)
		memcpy(s->akey, akey, akey_len);
	s->icv_ct = xform_engine_icv_ct(e, ealg, aalg, flags);
	rc = s->eng->session_init(s);
	if (rc == -ENOTSUP && engine != XFORM_ENGINE_DEFAULT) {
		/* E.g. sodium's AES-GCM is AES-256 only. */
		e = xform_engine_default(ealg, aalg, flags, dir);
		XFORM_LOG(WARNING, "engine %s cannot take this %s key, "
		    "falling back to %s", s->eng->name, s->ea->name,
		    xform_engine_name(e));
		if (e != XFORM_ENGINE_DEFAULT && e != s->engine) {
			s->eng = xform_engines[e];
			s->engine = e;
			s->icv_ct = xform_engine_icv_ct(e, ealg, aalg, flags);
			rc = s->eng->session_init(s);
		}
	}
	if (rc < 0 && s->engine != XFORM_ENGINE_OPENSSL &&
	    s->engine != XFORM_ENGINE_SODIUM &&
	    xform_engine_supports(XFORM_ENGINE_OPENSSL, ealg, aalg, flags)) {
		/*
		 * A cryptodev's session pool is sized at init (config
		 * crypto-sessions); an SA beyond it still works in software
		 * rather than failing the ADD/UPDATE.  Counted, and logged
		 * once per 1024 so a bulk load does not flood the log.
		 */
		if ((cdev_fallbacks++ % 1024) == 0)
			XFORM_LOG(WARNING, "engine %s cannot take the "
			    "session (%s; pool: config crypto-sessions), SA "
			    "falls back to openssl (%" PRIu64 " so far)",
			    s->eng->name, strerror(-rc), cdev_fallbacks);
		s->eng = xform_engines[XFORM_ENGINE_OPENSSL];
		s->engine = XFORM_ENGINE_OPENSSL;
		s->icv_ct = true;
		rc = s->eng->session_init(s);
	}
	if (rc < 0) {
		xform_wipe(s, sizeof(*s));
		free(s);
		rte_errno = -rc;
		return NULL;
	}
	return s;
}

uint64_t
xform_session_fallbacks(void)
{
	return cdev_fallbacks;
}

void
xform_session_destroy(struct xform_session *s)
{
	if (s == NULL)
		return;
	s->eng->session_fini(s);
	xform_wipe(s, sizeof(*s));
	free(s);
}

enum xform_engine
xform_session_engine(const struct xform_session *s)
{
	return s->engine;
}

bool
xform_session_icv_ct(const struct xform_session *s)
{
	return s->dir == XFORM_DIR_OUT || s->icv_ct;
}

uint8_t
xform_session_icv_len(const struct xform_session *s)
{
	return s->icv_len;
}

/* Bounds of one op against its (contiguous) mbuf. */
static inline uint8_t
op_check(const struct xform_session *s, const struct xform_op *op)
{
	const struct rte_mbuf *m = op->m;
	uint32_t dl;

	if (m == NULL || m->nb_segs != 1)
		return XFORM_ST_BAD_LEN;
	dl = m->data_len;
	if ((uint32_t)op->cipher_off + op->cipher_len > dl ||
	    (uint32_t)op->digest_off + s->icv_len > dl)
		return XFORM_ST_BAD_LEN;
	if (s->ealg == SADB_X_EALG_AESCBC && (op->cipher_len & 15) != 0)
		return XFORM_ST_BAD_LEN;
	if ((s->md != XFORM_MD_NONE || s->ealg == SADB_X_EALG_NULL_AES_GMAC) &&
	    (uint32_t)op->auth_off + op->auth_len > dl)
		return XFORM_ST_BAD_LEN;
	return XFORM_ST_OK;
}

uint16_t
xform_process_burst(struct xform_session *s, unsigned int worker,
    struct xform_op *ops, uint16_t n)
{
	uint16_t done = 0, ok = 0, k, i;

	if (worker >= xform_n_workers) {
		for (i = 0; i < n; i++)
			ops[i].status = XFORM_ST_ERROR;
		return 0;
	}
	while (done < n) {
		k = RTE_MIN(n - done, XFORM_BURST_MAX);
		for (i = 0; i < k; i++)
			ops[done + i].status = op_check(s, &ops[done + i]);
		ok += s->eng->process(s, worker, ops + done, k);
		done += k;
	}
	return ok;
}

int
xform_ct_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) != 0;
}

void
xform_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
