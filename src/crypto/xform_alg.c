/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The algorithm table: what each ESP algorithm needs (key sizes with the
 * salt/nonce, IV on the wire, padding alignment, ICV).  PF_KEY REGISTER
 * answers from it, ESP sizes packets from it, sessions validate keys
 * against it.  RFC 4303, 3602, 3686, 4106, 4543, 4868, 7634, 8221.
 */
#include <errno.h>

#include "xform_priv.h"

/* Keys: AES 16/24/32 bytes, plus 4 bytes salt/nonce where the RFC says. */
static const struct xform_alg ealgs[] = {
	{ SADB_EALG_NULL, false, false, 0, 0, 0, 0, 0, 4, 0, "null" },
	{ SADB_X_EALG_AESCBC, false, false, 0, 128, 256, 8, 16, 16, 0,
	    "aes-cbc" },
	{ SADB_X_EALG_AESCTR, false, false, 4, 160, 288, 8, 8, 4, 0,
	    "aes-ctr" },
	{ SADB_X_EALG_AES_GCM_ICV8, false, true, 4, 160, 288, 8, 8, 4, 8,
	    "aes-gcm-8" },
	{ SADB_X_EALG_AES_GCM_ICV12, false, true, 4, 160, 288, 8, 8, 4, 12,
	    "aes-gcm-12" },
	{ SADB_X_EALG_AES_GCM_ICV16, false, true, 4, 160, 288, 8, 8, 4, 16,
	    "aes-gcm-16" },
	{ SADB_X_EALG_NULL_AES_GMAC, false, true, 4, 160, 288, 8, 8, 4, 16,
	    "null-aes-gmac" },
	{ DPSEC_EALG_CHACHA20_POLY1305, false, true, 4, 288, 288, 0, 8, 4,
	    16, "chacha20-poly1305" },
};

static const struct xform_alg aalgs[] = {
	{ SADB_AALG_SHA1HMAC, true, false, 0, 160, 160, 0, 0, 0, 12,
	    "hmac-sha1-96" },
	{ SADB_X_AALG_SHA2_256HMAC, true, false, 0, 256, 256, 0, 0, 0, 16,
	    "hmac-sha2-256-128" },
	{ SADB_X_AALG_SHA2_384HMAC, true, false, 0, 384, 384, 0, 0, 0, 24,
	    "hmac-sha2-384-192" },
	{ SADB_X_AALG_SHA2_512HMAC, true, false, 0, 512, 512, 0, 0, 0, 32,
	    "hmac-sha2-512-256" },
};

static const struct xform_alg aalg_none = {
	SADB_AALG_NONE, true, false, 0, 0, 0, 0, 0, 0, 0, "none"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct xform_alg *
xform_alg_get(bool is_auth, uint8_t id)
{
	const struct xform_alg *t = is_auth ? aalgs : ealgs;
	unsigned int n = is_auth ? NELEM(aalgs) : NELEM(ealgs);
	unsigned int i;

	if (is_auth && id == SADB_AALG_NONE)
		return &aalg_none;
	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

unsigned int
xform_alg_list(bool is_auth, const struct xform_alg **list)
{
	*list = is_auth ? aalgs : ealgs;
	return is_auth ? NELEM(aalgs) : NELEM(ealgs);
}

static bool
key_len_ok(const struct xform_alg *a, uint16_t len)
{
	unsigned int bits = (unsigned int)len * 8;
	unsigned int b;

	if (bits == a->key_bits_min || bits == a->key_bits_max)
		return true;
	if (a->key_step == 0)
		return false;
	for (b = a->key_bits_min; b <= a->key_bits_max; b += a->key_step * 8)
		if (b == bits)
			return true;
	return false;
}

int
xform_check(uint8_t ealg, uint16_t ekey_len, uint8_t aalg, uint16_t akey_len)
{
	const struct xform_alg *e = xform_alg_get(false, ealg);
	const struct xform_alg *a = xform_alg_get(true, aalg);

	if (e == NULL || a == NULL)
		return -ENOTSUP;
	if (!key_len_ok(e, ekey_len) || !key_len_ok(a, akey_len))
		return -EINVAL;
	/* Combined modes carry their own ICV (RFC 4106 / 4543 / 7634). */
	if (e->aead && aalg != SADB_AALG_NONE)
		return -EINVAL;
	/* NULL encryption without auth protects nothing (RFC 4303 3.2). */
	if (ealg == SADB_EALG_NULL && aalg == SADB_AALG_NONE)
		return -EINVAL;
	return 0;
}

enum xform_md
xform_md_of(uint8_t aalg)
{
	switch (aalg) {
	case SADB_AALG_SHA1HMAC:
		return XFORM_MD_SHA1;
	case SADB_X_AALG_SHA2_256HMAC:
		return XFORM_MD_SHA256;
	case SADB_X_AALG_SHA2_384HMAC:
		return XFORM_MD_SHA384;
	case SADB_X_AALG_SHA2_512HMAC:
		return XFORM_MD_SHA512;
	default:
		return XFORM_MD_NONE;
	}
}
