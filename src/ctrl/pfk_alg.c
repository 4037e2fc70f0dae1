/*
 * The algorithm table of the control socket: what REGISTER advertises and
 * what ADD/UPDATE accept (ENOSYS otherwise).  Identifiers are those of
 * <linux/pfkeyv2.h>, plus ChaCha20-Poly1305 = 250 (docs/INTERFACES.md).
 * Key sizes count the whole key setkey sends, salt/nonce included: AES-GCM,
 * AES-CTR and GMAC carry 32 bits of salt (160-288), ChaCha20-Poly1305 32
 * bits of salt after its 256-bit key (288).  A static copy (not
 * src/crypto's table) keeps ctrl independent of the dataplane.
 */
#include <stddef.h>

#include "pfk.h"

static const struct pfk_alg enc_algs[] = {
	{ SADB_EALG_NULL, 0, 0, 0, 0, 0, "null" },
	{ SADB_X_EALG_AESCBC, 16, 128, 256, 64, 0, "aes-cbc" },
	{ SADB_X_EALG_AESCTR, 8, 160, 288, 64, 0, "aes-ctr" },
	{ SADB_X_EALG_AES_GCM_ICV8, 8, 160, 288, 64, 1, "aes-gcm-8" },
	{ SADB_X_EALG_AES_GCM_ICV12, 8, 160, 288, 64, 1, "aes-gcm-12" },
	{ SADB_X_EALG_AES_GCM_ICV16, 8, 160, 288, 64, 1, "aes-gcm-16" },
	{ SADB_X_EALG_NULL_AES_GMAC, 8, 160, 288, 64, 1, "null-aes-gmac" },
	{ PFK_EALG_CHACHA20_POLY1305, 8, 288, 288, 0, 1,
	    "chacha20-poly1305" },
};

static const struct pfk_alg auth_algs[] = {
	{ SADB_AALG_SHA1HMAC, 0, 160, 160, 0, 0, "hmac-sha1" },
	{ SADB_X_AALG_SHA2_256HMAC, 0, 256, 256, 0, 0, "hmac-sha256" },
	{ SADB_X_AALG_SHA2_384HMAC, 0, 384, 384, 0, 0, "hmac-sha384" },
	{ SADB_X_AALG_SHA2_512HMAC, 0, 512, 512, 0, 0, "hmac-sha512" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const struct pfk_alg *
pfk_alg_table(int auth, unsigned int *n)
{
	*n = auth ? NELEM(auth_algs) : NELEM(enc_algs);
	return auth ? auth_algs : enc_algs;
}

static const struct pfk_alg *
find(const struct pfk_alg *t, size_t n, uint8_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

const struct pfk_alg *
pfk_alg_enc(uint8_t id)
{
	return find(enc_algs, NELEM(enc_algs), id);
}

const struct pfk_alg *
pfk_alg_auth(uint8_t id)
{
	return find(auth_algs, NELEM(auth_algs), id);
}

int
pfk_alg_key_ok(const struct pfk_alg *a, unsigned int bits)
{
	if (bits < a->minbits || bits > a->maxbits)
		return 0;
	if (a->stepbits == 0)
		return bits == a->minbits || bits == a->maxbits;
	return (bits - a->minbits) % a->stepbits == 0;
}
