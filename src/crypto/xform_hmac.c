/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC (RFC 2104) for the synchronous engines, with the inner and outer
 * hash states computed once per session.  Per packet the template state is
 * copied by value on the stack: no allocation, no key schedule.
 *
 * Why the low-level SHA*_CTX API (deprecated in OpenSSL 3.0): EVP_MAC_init()
 * with a NULL key and HMAC_Init_ex() both go through EVP_MD_CTX_copy_ex(),
 * which in 3.0 frees and re-duplicates the provider context (a malloc and a
 * free per packet; tests/crypto/test_xform_alloc.c counts them).  The
 * SHA*_CTX structs are plain values, and still use the SHA-NI/AVX2 code.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <stdlib.h>

#include <openssl/sha.h>

#include "xform_priv.h"

union md_state {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

struct xform_hmac {
	enum xform_md md;
	unsigned int dlen;	/* full digest length */
	union md_state inner;	/* after H(key ^ ipad) */
	union md_state outer;	/* after H(key ^ opad) */
};

static void
md_init(enum xform_md md, union md_state *st)
{
	switch (md) {
	case XFORM_MD_SHA1:
		SHA1_Init(&st->sha1);
		break;
	case XFORM_MD_SHA256:
		SHA256_Init(&st->sha256);
		break;
	case XFORM_MD_SHA384:
		SHA384_Init(&st->sha512);
		break;
	default:
		SHA512_Init(&st->sha512);
		break;
	}
}

static inline void
md_update(enum xform_md md, union md_state *st, const void *p, size_t len)
{
	switch (md) {
	case XFORM_MD_SHA1:
		SHA1_Update(&st->sha1, p, len);
		break;
	case XFORM_MD_SHA256:
		SHA256_Update(&st->sha256, p, len);
		break;
	case XFORM_MD_SHA384:
		SHA384_Update(&st->sha512, p, len);
		break;
	default:
		SHA512_Update(&st->sha512, p, len);
		break;
	}
}

static inline void
md_final(enum xform_md md, union md_state *st, uint8_t *out)
{
	switch (md) {
	case XFORM_MD_SHA1:
		SHA1_Final(out, &st->sha1);
		break;
	case XFORM_MD_SHA256:
		SHA256_Final(out, &st->sha256);
		break;
	case XFORM_MD_SHA384:
		SHA384_Final(out, &st->sha512);
		break;
	default:
		SHA512_Final(out, &st->sha512);
		break;
	}
}

struct xform_hmac *
xform_hmac_new(enum xform_md md, const uint8_t *key, size_t key_len)
{
	struct xform_hmac *h;
	uint8_t pad[128];
	uint8_t kd[64];
	unsigned int bs, i;

	if (md == XFORM_MD_NONE)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->md = md;
	switch (md) {
	case XFORM_MD_SHA1:
		bs = 64;
		h->dlen = 20;
		break;
	case XFORM_MD_SHA256:
		bs = 64;
		h->dlen = 32;
		break;
	case XFORM_MD_SHA384:
		bs = 128;
		h->dlen = 48;
		break;
	default:
		bs = 128;
		h->dlen = 64;
		break;
	}
	/* RFC 2104: keys longer than the block are hashed first. */
	if (key_len > bs) {
		md_init(md, &h->inner);
		md_update(md, &h->inner, key, key_len);
		md_final(md, &h->inner, kd);
		key = kd;
		key_len = h->dlen;
	}
	memset(pad, 0x36, bs);
	for (i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	md_init(md, &h->inner);
	md_update(md, &h->inner, pad, bs);
	memset(pad, 0x5c, bs);
	for (i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	md_init(md, &h->outer);
	md_update(md, &h->outer, pad, bs);
	xform_wipe(pad, sizeof(pad));
	xform_wipe(kd, sizeof(kd));
	return h;
}

void
xform_hmac_free(struct xform_hmac *h)
{
	if (h == NULL)
		return;
	xform_wipe(h, sizeof(*h));
	free(h);
}

void
xform_hmac(const struct xform_hmac *h, const uint8_t *data, size_t len,
    const uint8_t *tail, size_t tail_len, uint8_t out[64])
{
	union md_state st;

	st = h->inner;
	md_update(h->md, &st, data, len);
	if (tail_len > 0)
		md_update(h->md, &st, tail, tail_len);
	md_final(h->md, &st, out);
	st = h->outer;
	md_update(h->md, &st, out, h->dlen);
	md_final(h->md, &st, out);
	xform_wipe(&st, sizeof(st));
}
