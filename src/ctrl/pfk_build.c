/*
 * PF_KEY v2 reply builders.
 *
 * Messages are built in a caller buffer: every extension starts 8-byte
 * aligned and is zero-padded to a multiple of 8, lengths are in 64-bit
 * words, keys are padded with sadb_key_bits exact.  pfk_build_finish()
 * checks the result against the allowed_out/required_out tables, so a
 * handler bug shows as an error instead of a malformed message on the wire.
 */
#include <errno.h>
#include <string.h>

#include "pfk.h"
#include "pfk_priv.h"

void
pfk_build_init(struct pfk_build *b, void *buf, size_t cap,
    const struct sadb_msg *hdr, int err)
{
	struct sadb_msg *h = buf;

	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->present = 0;
	b->err = 0;
	if (cap < sizeof(*h)) {
		b->err = -ENOBUFS;
		return;
	}
	memset(h, 0, sizeof(*h));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = hdr->sadb_msg_type;
	h->sadb_msg_satype = hdr->sadb_msg_satype;
	h->sadb_msg_seq = hdr->sadb_msg_seq;
	h->sadb_msg_pid = hdr->sadb_msg_pid;
	h->sadb_msg_errno = (uint8_t)(err < 0 ? -err : err);
	b->len = sizeof(*h);
}

void *
pfk_build_ext(struct pfk_build *b, uint16_t type, size_t bytes)
{
	struct sadb_ext *e;
	size_t n = PFK_ALIGN8(bytes);

	if (b->err != 0)
		return NULL;
	if (type == 0 || type > PFK_EXT_MAX ||
	    (b->present & PFK_EXT_BIT(type)) || n < sizeof(*e) ||
	    PFK_UNIT64(n) > UINT16_MAX) {
		b->err = -EINVAL;
		return NULL;
	}
	if (b->len + n > b->cap || b->len + n > PFK_MSG_MAX) {
		b->err = -ENOBUFS;
		return NULL;
	}
	e = (struct sadb_ext *)(b->buf + b->len);
	memset(e, 0, n);
	e->sadb_ext_len = (uint16_t)PFK_UNIT64(n);
	e->sadb_ext_type = type;
	b->len += n;
	b->present |= PFK_EXT_BIT(type);
	return e;
}

void *
pfk_build_copy(struct pfk_build *b, const void *ext)
{
	const struct sadb_ext *src = ext;
	size_t n = PFK_UNUNIT64(src->sadb_ext_len);
	void *dst;

	dst = pfk_build_ext(b, src->sadb_ext_type, n);
	if (dst != NULL)
		memcpy(dst, ext, n);
	return dst;
}

void
pfk_build_sa(struct pfk_build *b, uint32_t spi_be, uint8_t replay,
    uint8_t state, uint8_t auth, uint8_t enc, uint32_t flags)
{
	struct sadb_sa *s = pfk_build_ext(b, SADB_EXT_SA, sizeof(*s));

	if (s == NULL)
		return;
	s->sadb_sa_spi = spi_be;
	s->sadb_sa_replay = replay;
	s->sadb_sa_state = state;
	s->sadb_sa_auth = auth;
	s->sadb_sa_encrypt = enc;
	s->sadb_sa_flags = flags;
}

void
pfk_build_address(struct pfk_build *b, uint16_t type,
    const struct sockaddr *sa, uint8_t prefixlen, uint8_t proto)
{
	struct sadb_address *a;
	size_t salen = pfk_sockaddr_len(sa->sa_family);

	if (salen == 0) {
		if (b->err == 0)
			b->err = -EAFNOSUPPORT;
		return;
	}
	a = pfk_build_ext(b, type, sizeof(*a) + salen);
	if (a == NULL)
		return;
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = prefixlen;
	memcpy(a + 1, sa, salen);
}

void
pfk_build_key(struct pfk_build *b, uint16_t type, const void *key,
    uint16_t bits)
{
	struct sadb_key *k;
	size_t n = ((size_t)bits + 7) / 8;

	k = pfk_build_ext(b, type, sizeof(*k) + n);
	if (k == NULL)
		return;
	k->sadb_key_bits = bits;
	if (n > 0)
		memcpy(k + 1, key, n);
}

void
pfk_build_lifetime(struct pfk_build *b, uint16_t type, uint32_t allocs,
    uint64_t bytes, uint64_t addtime, uint64_t usetime)
{
	struct sadb_lifetime *l = pfk_build_ext(b, type, sizeof(*l));

	if (l == NULL)
		return;
	l->sadb_lifetime_allocations = allocs;
	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = addtime;
	l->sadb_lifetime_usetime = usetime;
}

void
pfk_build_sa2(struct pfk_build *b, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *s = pfk_build_ext(b, SADB_X_EXT_SA2, sizeof(*s));

	if (s == NULL)
		return;
	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
}

void
pfk_build_sa_replay(struct pfk_build *b, uint32_t window)
{
	struct sadb_x_sa_replay *r;

	r = pfk_build_ext(b, SADB_X_EXT_SA_REPLAY, sizeof(*r));
	if (r != NULL)
		r->sadb_x_sa_replay_replay = window;
}

int
pfk_build_finish(struct pfk_build *b)
{
	struct sadb_msg *h = (struct sadb_msg *)b->buf;
	unsigned int type;

	if (b->err != 0)
		return b->err;
	type = h->sadb_msg_type;
	h->sadb_msg_len = (uint16_t)PFK_UNIT64(b->len);
	if (type == PFK_X_DPSEC_SYNC)
		return b->len == sizeof(*h) ? (int)b->len : -EINVAL;
	if (type == 0 || type > SADB_MAX)
		return -EINVAL;
	/* An error reply, or a dump's ENOENT, is the header alone. */
	if (h->sadb_msg_errno != 0 && b->present == 0)
		return (int)b->len;
	if ((b->present & ~pfk_allowed_out(type)) != 0)
		return -EINVAL;
	if ((b->present & pfk_required_out(type)) != pfk_required_out(type))
		return -EINVAL;
	return (int)b->len;
}
