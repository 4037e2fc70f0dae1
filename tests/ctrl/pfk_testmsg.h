/*
 * Test helper: compose PF_KEY requests exactly as setkey/racoon lay them
 * out, with the plain <linux/pfkeyv2.h> structures, and no validation (the
 * tests need malformed messages too).
 */
#ifndef DPSEC_PFK_TESTMSG_H
#define DPSEC_PFK_TESTMSG_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

struct tmsg {
	uint64_t w[32768 / 8];
	size_t len;
};

static inline struct sadb_msg *
tmsg_hdr(struct tmsg *t)
{
	return (struct sadb_msg *)t->w;
}

static inline void
tmsg_init(struct tmsg *t, uint8_t type, uint8_t satype, uint32_t seq)
{
	struct sadb_msg *h = tmsg_hdr(t);

	memset(t->w, 0, sizeof(struct sadb_msg));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = 4242;
	t->len = sizeof(*h);
	h->sadb_msg_len = (uint16_t)(t->len / 8);
}

/* Append @bytes (rounded to 8) as an extension of @type, zeroed. */
static inline void *
tmsg_ext(struct tmsg *t, uint16_t type, size_t bytes)
{
	size_t n = (bytes + 7) & ~(size_t)7;
	struct sadb_ext *e = (struct sadb_ext *)((uint8_t *)t->w + t->len);

	memset(e, 0, n);
	e->sadb_ext_len = (uint16_t)(n / 8);
	e->sadb_ext_type = type;
	t->len += n;
	tmsg_hdr(t)->sadb_msg_len = (uint16_t)(t->len / 8);
	return e;
}

static inline struct sadb_sa *
tmsg_sa(struct tmsg *t, uint32_t spi, uint8_t auth, uint8_t enc)
{
	struct sadb_sa *s = tmsg_ext(t, SADB_EXT_SA, sizeof(*s));

	s->sadb_sa_spi = htonl(spi);
	s->sadb_sa_replay = 32;
	s->sadb_sa_state = SADB_SASTATE_LARVAL;	/* setkey sends LARVAL */
	s->sadb_sa_auth = auth;
	s->sadb_sa_encrypt = enc;
	s->sadb_sa_flags = 0x40;	/* setkey: SADB_X_EXT_CYCSEQ */
	return s;
}

static inline struct sadb_address *
tmsg_addr4(struct tmsg *t, uint16_t type, const char *ip, uint8_t plen,
    uint16_t port, uint8_t proto)
{
	struct sadb_address *a;
	struct sockaddr_in *sin;

	a = tmsg_ext(t, type, sizeof(*a) + sizeof(*sin));
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = plen;
	sin = (struct sockaddr_in *)(a + 1);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	return a;
}

static inline struct sadb_address *
tmsg_addr6(struct tmsg *t, uint16_t type, const char *ip, uint8_t plen,
    uint16_t port, uint8_t proto)
{
	struct sadb_address *a;
	struct sockaddr_in6 *sin6;

	a = tmsg_ext(t, type, sizeof(*a) + sizeof(*sin6));
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = plen;
	sin6 = (struct sockaddr_in6 *)(a + 1);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6->sin6_addr);
	return a;
}

static inline struct sadb_key *
tmsg_key(struct tmsg *t, uint16_t type, const void *key, uint16_t bits)
{
	size_t n = ((size_t)bits + 7) / 8;
	struct sadb_key *k = tmsg_ext(t, type, sizeof(*k) + n);
	uint8_t *dst = (uint8_t *)(k + 1);

	k->sadb_key_bits = bits;
	/* Hide the pointer's provenance: GCC 12 with -fsanitize=thread
	 * -O2 mistakes it for a pointer into the sadb_msg header and fails
	 * the build with a bogus -Wstringop-overflow (bench/ctrl). */
	__asm__("" : "+r"(dst));
	memcpy(dst, key, n);
	return k;
}

static inline struct sadb_lifetime *
tmsg_lifetime(struct tmsg *t, uint16_t type, uint64_t bytes, uint64_t add)
{
	struct sadb_lifetime *l = tmsg_ext(t, type, sizeof(*l));

	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = add;
	return l;
}

static inline struct sadb_x_sa2 *
tmsg_sa2(struct tmsg *t, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *s = tmsg_ext(t, SADB_X_EXT_SA2, sizeof(*s));

	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
	return s;
}

/* X_POLICY, optionally with one ESP request (IPv4 tunnel if @tsrc set). */
static inline struct sadb_x_policy *
tmsg_policy(struct tmsg *t, uint16_t ptype, uint8_t dir, uint32_t id,
    uint8_t mode, uint8_t level, const char *tsrc, const char *tdst)
{
	struct sadb_x_policy *p;
	struct sadb_x_ipsecrequest *rq;
	size_t rqlen = 0;

	if (ptype == IPSEC_POLICY_IPSEC)
		rqlen = sizeof(*rq) + (tsrc ? 2 * sizeof(struct sockaddr_in) :
		    0);
	p = tmsg_ext(t, SADB_X_EXT_POLICY, sizeof(*p) + rqlen);
	p->sadb_x_policy_type = ptype;
	p->sadb_x_policy_dir = dir;
	p->sadb_x_policy_id = id;
	p->sadb_x_policy_priority = 0x80000000u;	/* setkey's default */
	if (rqlen != 0) {
		rq = (struct sadb_x_ipsecrequest *)(p + 1);
		rq->sadb_x_ipsecrequest_len = (uint16_t)rqlen;	/* bytes */
		rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
		rq->sadb_x_ipsecrequest_mode = mode;
		rq->sadb_x_ipsecrequest_level = level;
		if (tsrc) {
			struct sockaddr_in *s = (struct sockaddr_in *)(rq + 1);

			s[0].sin_family = AF_INET;
			inet_pton(AF_INET, tsrc, &s[0].sin_addr);
			s[1].sin_family = AF_INET;
			inet_pton(AF_INET, tdst, &s[1].sin_addr);
		}
	}
	return p;
}

/* setkey "add 10.0.0.1 10.0.0.2 esp SPI -m tunnel -E aes-gcm-16 KEY160" */
static inline void
tmsg_add_gcm(struct tmsg *t, uint8_t type, uint32_t seq, const char *src,
    const char *dst, uint32_t spi)
{
	static const uint8_t key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15, 16, 17, 18, 19, 20 };

	tmsg_init(t, type, SADB_SATYPE_ESP, seq);
	tmsg_sa(t, spi, SADB_AALG_NONE, SADB_X_EALG_AES_GCM_ICV16);
	tmsg_sa2(t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(t, SADB_EXT_ADDRESS_SRC, src, 32, 0, IPSEC_ULPROTO_ANY);
	tmsg_addr4(t, SADB_EXT_ADDRESS_DST, dst, 32, 0, IPSEC_ULPROTO_ANY);
	tmsg_key(t, SADB_EXT_KEY_ENCRYPT, key, 160);
}

/* setkey "spdadd SRC DST any -P DIR ipsec esp/tunnel/TS-TD/require" */
static inline void
tmsg_spdadd4(struct tmsg *t, uint8_t type, uint32_t seq, const char *src,
    uint8_t splen, const char *dst, uint8_t dplen, uint8_t dir,
    const char *ts, const char *td)
{
	tmsg_init(t, type, SADB_SATYPE_UNSPEC, seq);
	tmsg_addr4(t, SADB_EXT_ADDRESS_SRC, src, splen, 0, IPSEC_ULPROTO_ANY);
	tmsg_addr4(t, SADB_EXT_ADDRESS_DST, dst, dplen, 0, IPSEC_ULPROTO_ANY);
	tmsg_policy(t, IPSEC_POLICY_IPSEC, dir, 0, IPSEC_MODE_TUNNEL,
	    IPSEC_LEVEL_REQUIRE, ts, td);
}

#endif
