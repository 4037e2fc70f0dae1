/*
 * Unit tests of the PF_KEY codec (src/ctrl/pfk_parse.c, pfk_build.c): one
 * good and at least one bad message for every validation rule, without EAL.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pfk.h"
#include "pfk_testmsg.h"

static struct pfk_msg m;
static struct tmsg t;

static int
parse(void)
{
	return pfk_parse(t.w, t.len, &m);
}

static void
add_ok(void)
{
	tmsg_add_gcm(&t, SADB_ADD, 7, "10.0.0.1", "10.0.0.2", 0x1000);
}

static void
test_good_add(void **state)
{
	add_ok();
	assert_int_equal(parse(), 0);
	assert_non_null(m.ext[SADB_EXT_SA]);
	assert_non_null(m.ext[SADB_EXT_KEY_ENCRYPT]);
	assert_null(m.ext[SADB_EXT_KEY_AUTH]);
	assert_int_equal(m.hdr->sadb_msg_seq, 7);
	/* parse copied: changing the input does not change the result */
	tmsg_hdr(&t)->sadb_msg_seq = 9;
	assert_int_equal(m.hdr->sadb_msg_seq, 7);
	assert_ptr_equal(m.hdr, (void *)m.buf);
}

static void
test_size_bounds(void **state)
{
	static uint8_t big[PFK_MSG_MAX + 8];

	assert_int_equal(pfk_parse(NULL, 0, &m), -EINVAL);
	add_ok();
	assert_int_equal(pfk_parse(t.w, 15, &m), -EINVAL);
	assert_int_equal(pfk_parse(big, sizeof(big), &m), -EMSGSIZE);
	/* record shorter than sadb_msg_len says */
	assert_int_equal(pfk_parse(t.w, t.len - 8, &m), -EINVAL);
	/* longest legal message: 32768 bytes with a KMPRIVATE filler */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 1);
	tmsg_ext(&t, SADB_X_EXT_KMPRIVATE, 32768 - 16);
	tmsg_hdr(&t)->sadb_msg_len = 4096;
	assert_int_equal(parse(), 0);
}

static void
test_base_header(void **state)
{
	add_ok();
	tmsg_hdr(&t)->sadb_msg_version = 1;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_reserved = 1;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_len++;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_type = 0;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_type = SADB_MAX + 1;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_satype = SADB_SATYPE_MAX + 1;
	assert_int_equal(parse(), -EINVAL);
	add_ok();
	tmsg_hdr(&t)->sadb_msg_errno = EINVAL;	/* only ACQUIRE may */
	assert_int_equal(parse(), -EINVAL);
	/* a key manager's failed ACQUIRE: header only with errno */
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 77);
	tmsg_hdr(&t)->sadb_msg_errno = ETIMEDOUT;
	assert_int_equal(parse(), 0);
	/* the preload library's private sync request */
	tmsg_init(&t, PFK_X_DPSEC_SYNC, 0, 1);
	assert_int_equal(parse(), 0);
	tmsg_ext(&t, SADB_X_EXT_KMPRIVATE, 8);
	assert_int_equal(parse(), -EINVAL);
}

static void
test_ext_framing(void **state)
{
	struct sadb_ext *e;

	/* extension header that does not fit: 4 trailing bytes */
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_ESP, 1);
	tmsg_ext(&t, SADB_X_EXT_KMPRIVATE, 8);
	assert_int_equal(parse(), 0);
	assert_int_equal(pfk_parse(t.w, t.len - 4, &m), -EINVAL);
	/* zero length: would loop forever in a naive parser */
	e = (struct sadb_ext *)((uint8_t *)t.w + 16);
	e->sadb_ext_len = 0;
	assert_int_equal(parse(), -EINVAL);
	/* length beyond the message */
	e->sadb_ext_len = 2;
	assert_int_equal(parse(), -EINVAL);
	/* type 0 and type out of range */
	e->sadb_ext_len = 1;
	e->sadb_ext_type = 0;
	assert_int_equal(parse(), -EINVAL);
	e->sadb_ext_type = PFK_EXT_MAX + 1;
	assert_int_equal(parse(), -EINVAL);
	/* known to Linux but never allowed: SEC_CTX, KMADDRESS */
	e->sadb_ext_type = SADB_X_EXT_SEC_CTX;
	assert_int_equal(parse(), -EINVAL);
	e->sadb_ext_type = SADB_X_EXT_KMADDRESS;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_allowed_and_duplicates(void **state)
{
	static const uint8_t k[16];

	/* KEY_ENCRYPT in a GET */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 1);
	tmsg_sa(&t, 0x1000, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	assert_int_equal(parse(), 0);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 128);
	assert_int_equal(parse(), -EINVAL);
	/* SUPPORTED_* are output only */
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	assert_int_equal(parse(), 0);
	tmsg_ext(&t, SADB_EXT_SUPPORTED_ENCRYPT, 8);
	assert_int_equal(parse(), -EINVAL);
	/* a duplicated SA extension */
	add_ok();
	tmsg_sa(&t, 0x1000, 0, SADB_X_EALG_AES_GCM_ICV16);
	assert_int_equal(parse(), -EINVAL);
	/* any order is accepted: DST before SRC before SA */
	tmsg_init(&t, SADB_DELETE, SADB_SATYPE_ESP, 1);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_sa(&t, 0x1000, 0, 0);
	assert_int_equal(parse(), 0);
	/* FILTER (Linux 26) is SA_REPLAY here, and not allowed in DUMP */
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	assert_int_equal(parse(), 0);
	tmsg_ext(&t, 26, 40);
	assert_int_equal(parse(), -EINVAL);
	/* KMPRIVATE is accepted and ignored */
	add_ok();
	tmsg_ext(&t, SADB_X_EXT_KMPRIVATE, 24);
	assert_int_equal(parse(), 0);
}

static void
test_required(void **state)
{
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 1);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	assert_int_equal(parse(), -EINVAL);	/* no SA */
	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 1);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	assert_int_equal(parse(), -EINVAL);	/* no SRC */
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	assert_int_equal(parse(), 0);
	tmsg_init(&t, SADB_X_SPDADD, 0, 1);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 0, 255);
	assert_int_equal(parse(), -EINVAL);	/* no X_POLICY */
	tmsg_init(&t, SADB_X_SPDDELETE2, 0, 1);
	assert_int_equal(parse(), -EINVAL);
	tmsg_policy(&t, IPSEC_POLICY_DISCARD, IPSEC_DIR_OUTBOUND, 9, 0, 0,
	    NULL, NULL);
	assert_int_equal(parse(), 0);
}

static void
test_sa_ext(void **state)
{
	add_ok();
	((struct sadb_sa *)((uint8_t *)t.w + 16))->sadb_sa_state = 4;
	assert_int_equal(parse(), -EINVAL);
	/* 24-byte SA extension */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 1);
	tmsg_ext(&t, SADB_EXT_SA, 24);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	assert_int_equal(parse(), -EINVAL);
}

static void
test_address(void **state)
{
	struct sadb_address *a;
	struct sockaddr_in *sin;

	tmsg_init(&t, SADB_X_SPDADD, 0, 1);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_SRC, "2001:db8::", 128, 0, 255);
	a = tmsg_addr6(&t, SADB_EXT_ADDRESS_DST, "2001:db8:1::", 48, 0, 255);
	tmsg_policy(&t, IPSEC_POLICY_NONE, IPSEC_DIR_INBOUND, 0, 0, 0, NULL,
	    NULL);
	assert_int_equal(parse(), 0);
	assert_int_equal(PFK_UNUNIT64(a->sadb_address_len), 40);
	a->sadb_address_prefixlen = 129;
	assert_int_equal(parse(), -EINVAL);
	a->sadb_address_prefixlen = 48;
	a->sadb_address_reserved = 1;
	assert_int_equal(parse(), -EINVAL);

	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 1);
	tmsg_sa(&t, 0x1000, 0, 0);
	a = tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	assert_int_equal(PFK_UNUNIT64(a->sadb_address_len), 24);
	assert_int_equal(parse(), 0);
	a->sadb_address_prefixlen = 33;
	assert_int_equal(parse(), -EINVAL);
	a->sadb_address_prefixlen = 32;
	sin = (struct sockaddr_in *)(a + 1);
	sin->sin_family = AF_UNIX;
	assert_int_equal(parse(), -EAFNOSUPPORT);
	/* family says IPv6, extension sized for IPv4 */
	sin->sin_family = AF_INET6;
	assert_int_equal(parse(), -EINVAL);
	/* IPv4 with a 40-byte extension */
	tmsg_init(&t, SADB_GET, SADB_SATYPE_ESP, 1);
	tmsg_sa(&t, 0x1000, 0, 0);
	a = tmsg_ext(&t, SADB_EXT_ADDRESS_DST, 40);
	((struct sockaddr_in *)(a + 1))->sin_family = AF_INET;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_key(void **state)
{
	static const uint8_t k[64];
	struct sadb_key *key;

	/* 160 bits (AES-128-GCM + salt) = 20 bytes, padded to 24 */
	add_ok();
	assert_int_equal(parse(), 0);
	key = (struct sadb_key *)m.ext[SADB_EXT_KEY_ENCRYPT];
	assert_int_equal(PFK_UNUNIT64(key->sadb_key_len), 32);
	/* bits say 24 bytes + padding, length says 16 */
	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 1);
	tmsg_sa(&t, 0x1000, SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_AUTH, k, 256);
	key = tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 128);
	assert_int_equal(parse(), 0);
	key->sadb_key_bits = 192;
	assert_int_equal(parse(), -EINVAL);
	/* longer than the bits need (a whole spare word) */
	key->sadb_key_bits = 64;
	assert_int_equal(parse(), -EINVAL);
	key->sadb_key_bits = 128;
	key->sadb_key_reserved = 1;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_spirange(void **state)
{
	struct sadb_spirange *r;

	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 5);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	r = tmsg_ext(&t, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x100;
	r->sadb_spirange_max = 0x0fffffff;
	assert_int_equal(parse(), 0);
	r->sadb_spirange_min = 0x2000;
	r->sadb_spirange_max = 0x1000;
	assert_int_equal(parse(), -EINVAL);
	r->sadb_spirange_min = 1;
	r->sadb_spirange_max = 255;
	assert_int_equal(parse(), -EINVAL);
	r->sadb_spirange_max = 0x1000;
	r->sadb_spirange_reserved = 3;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_policy(void **state)
{
	struct sadb_x_policy *p;
	struct sadb_x_ipsecrequest *rq;
	const struct sadb_x_ipsecrequest *it;

	tmsg_spdadd4(&t, SADB_X_SPDADD, 1, "10.1.0.0", 16, "10.2.0.0", 16,
	    IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
	assert_int_equal(parse(), 0);
	p = (struct sadb_x_policy *)m.ext[SADB_X_EXT_POLICY];
	it = pfk_policy_next_req(p, NULL);
	assert_non_null(it);
	assert_int_equal(it->sadb_x_ipsecrequest_len, 48);	/* bytes */
	assert_null(pfk_policy_next_req(p, it));

	/* the request length in 64-bit words (a classic mistake) */
	p = (struct sadb_x_policy *)((uint8_t *)t.w + 16 + 24 + 24);
	rq = (struct sadb_x_ipsecrequest *)(p + 1);
	rq->sadb_x_ipsecrequest_len = 6;
	assert_int_equal(parse(), -EINVAL);
	rq->sadb_x_ipsecrequest_len = 48;
	rq->sadb_x_ipsecrequest_level = 4;
	assert_int_equal(parse(), -EINVAL);
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
	rq->sadb_x_ipsecrequest_proto = IPPROTO_UDP;
	assert_int_equal(parse(), -EINVAL);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	((struct sockaddr_in *)(rq + 1))[1].sin_family = AF_INET6;
	assert_int_equal(parse(), -EINVAL);	/* mixed families */
	((struct sockaddr_in *)(rq + 1))[1].sin_family = AF_INET;
	p->sadb_x_policy_dir = 4;
	assert_int_equal(parse(), -EINVAL);
	p->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	p->sadb_x_policy_type = 5;
	assert_int_equal(parse(), -EINVAL);
	/* requests after a non-IPSEC type */
	p->sadb_x_policy_type = IPSEC_POLICY_NONE;
	assert_int_equal(parse(), -EINVAL);
	p->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	assert_int_equal(parse(), 0);

	/* transport request without endpoints: 16 bytes */
	tmsg_init(&t, SADB_X_SPDADD, 0, 1);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 17);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 17);
	tmsg_policy(&t, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, 0,
	    IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_USE, NULL, NULL);
	assert_int_equal(parse(), 0);
	/* a tunnel request needs endpoints */
	p = (struct sadb_x_policy *)m.ext[SADB_X_EXT_POLICY];
	p = (struct sadb_x_policy *)((uint8_t *)t.w +
	    ((const uint8_t *)p - (const uint8_t *)m.buf));
	((struct sadb_x_ipsecrequest *)(p + 1))->sadb_x_ipsecrequest_mode =
	    IPSEC_MODE_TUNNEL;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_policy_v6_two_requests(void **state)
{
	struct sadb_x_policy *p;
	struct sadb_x_ipsecrequest *rq;
	struct sockaddr_in6 *s6;
	const struct sadb_x_ipsecrequest *it;
	int i, n = 0;

	tmsg_init(&t, SADB_X_SPDADD, 0, 1);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_SRC, "2001:db8:1::", 48, 0, 255);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 48, 0, 255);
	p = tmsg_ext(&t, SADB_X_EXT_POLICY, sizeof(*p) + 2 * 72);
	p->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	p->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	for (i = 0; i < 2; i++) {
		rq = (struct sadb_x_ipsecrequest *)((uint8_t *)(p + 1) +
		    72 * i);
		rq->sadb_x_ipsecrequest_len = 72;
		rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
		rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
		rq->sadb_x_ipsecrequest_reqid = 100 + i;
		s6 = (struct sockaddr_in6 *)(rq + 1);
		s6[0].sin6_family = AF_INET6;
		s6[1].sin6_family = AF_INET6;
	}
	assert_int_equal(parse(), 0);
	for (it = pfk_policy_next_req(
	    (const struct sadb_x_policy *)m.ext[SADB_X_EXT_POLICY], NULL);
	    it != NULL; it = pfk_policy_next_req(
	    (const struct sadb_x_policy *)m.ext[SADB_X_EXT_POLICY], it))
		assert_int_equal(it->sadb_x_ipsecrequest_reqid, 100 + n++);
	assert_int_equal(n, 2);
	/* second request claims more than what is left */
	rq->sadb_x_ipsecrequest_len = 80;
	assert_int_equal(parse(), -EINVAL);
}

static void
test_sa2_natt_replay(void **state)
{
	struct sadb_x_sa2 *s2;
	struct sadb_x_nat_t_type *nt;
	struct sadb_x_nat_t_port *np;
	struct sadb_x_sa_replay *rp;

	add_ok();
	s2 = (struct sadb_x_sa2 *)((uint8_t *)t.w + 32);
	s2->sadb_x_sa2_reserved1 = 1;
	assert_int_equal(parse(), -EINVAL);
	s2->sadb_x_sa2_reserved1 = 0;
	s2->sadb_x_sa2_mode = 3;	/* BEET */
	assert_int_equal(parse(), -EINVAL);
	s2->sadb_x_sa2_mode = 0;	/* "any" */
	assert_int_equal(parse(), 0);

	nt = tmsg_ext(&t, SADB_X_EXT_NAT_T_TYPE, sizeof(*nt));
	nt->sadb_x_nat_t_type_type = 2;
	np = tmsg_ext(&t, SADB_X_EXT_NAT_T_SPORT, sizeof(*np));
	np->sadb_x_nat_t_port_port = htons(4500);
	tmsg_ext(&t, SADB_X_EXT_NAT_T_DPORT, sizeof(*np));
	tmsg_addr4(&t, SADB_X_EXT_NAT_T_OA, "192.168.1.1", 32, 0, 0);
	rp = tmsg_ext(&t, SADB_X_EXT_SA_REPLAY, sizeof(*rp));
	rp->sadb_x_sa_replay_replay = 4096;
	assert_int_equal(parse(), 0);
	assert_non_null(m.ext[SADB_X_EXT_SA_REPLAY]);
	np->sadb_x_nat_t_port_reserved = 1;
	assert_int_equal(parse(), -EINVAL);
	np->sadb_x_nat_t_port_reserved = 0;
	nt->sadb_x_nat_t_type_type = 7;
	assert_int_equal(parse(), -EINVAL);
	nt->sadb_x_nat_t_type_type = 2;
	nt->sadb_x_nat_t_type_reserved[2] = 1;
	assert_int_equal(parse(), -EINVAL);
	/* SA_REPLAY of 16 bytes */
	add_ok();
	tmsg_ext(&t, SADB_X_EXT_SA_REPLAY, 16);
	assert_int_equal(parse(), -EINVAL);
}

static void
test_ident_sens_prop(void **state)
{
	struct sadb_ident *id;
	struct sadb_sens *se;
	struct sadb_prop *pr;

	add_ok();
	id = tmsg_ext(&t, SADB_EXT_IDENTITY_SRC, sizeof(*id) + 16);
	id->sadb_ident_type = SADB_IDENTTYPE_FQDN;
	memcpy(id + 1, "gw.example.org", 15);
	assert_int_equal(parse(), 0);
	memcpy(id + 1, "gw.example.orgXX", 16);	/* no NUL */
	assert_int_equal(parse(), -EINVAL);
	memcpy(id + 1, "gw\0", 3);	/* 13 bytes of padding */
	assert_int_equal(parse(), -EINVAL);
	memcpy(id + 1, "gw.example.o\0", 13);
	id->sadb_ident_type = 9;
	assert_int_equal(parse(), -EINVAL);

	/* SENSITIVITY: well formed but refused */
	add_ok();
	se = tmsg_ext(&t, SADB_EXT_SENSITIVITY, sizeof(*se) + 16);
	se->sadb_sens_sens_len = 1;
	se->sadb_sens_integ_len = 1;
	assert_int_equal(parse(), -EOPNOTSUPP);
	se->sadb_sens_integ_len = 2;	/* size not exact */
	assert_int_equal(parse(), -EINVAL);

	/* PROPOSAL in an ACQUIRE: 8 + n * 72 */
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 3);
	pr = tmsg_ext(&t, SADB_EXT_PROPOSAL, sizeof(*pr) + 72);
	assert_int_equal(parse(), 0);
	pr->sadb_prop_reserved[1] = 1;
	assert_int_equal(parse(), -EINVAL);
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 3);
	tmsg_ext(&t, SADB_EXT_PROPOSAL, sizeof(*pr) + 64);
	assert_int_equal(parse(), -EINVAL);
}

static void
test_build(void **state)
{
	uint64_t buf[512];
	struct pfk_build b;
	struct sadb_msg req = { .sadb_msg_type = SADB_GET,
	    .sadb_msg_satype = SADB_SATYPE_ESP, .sadb_msg_seq = 11,
	    .sadb_msg_pid = 99 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	static const uint8_t key[20];
	const struct sadb_msg *h = (const struct sadb_msg *)buf;
	int n;

	pfk_build_init(&b, buf, sizeof(buf), &req, 0);
	pfk_build_sa(&b, htonl(0x1000), 32, SADB_SASTATE_MATURE, 0,
	    SADB_X_EALG_AES_GCM_ICV16, 0);
	pfk_build_lifetime(&b, SADB_EXT_LIFETIME_CURRENT, 0, 0, 1, 0);
	pfk_build_address(&b, SADB_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&sin, 32, 255);
	pfk_build_address(&b, SADB_EXT_ADDRESS_DST,
	    (struct sockaddr *)&sin6, 128, 255);
	pfk_build_key(&b, SADB_EXT_KEY_ENCRYPT, key, 160);
	pfk_build_sa2(&b, IPSEC_MODE_TUNNEL, 5);
	pfk_build_sa_replay(&b, 4096);
	n = pfk_build_finish(&b);
	assert_int_equal(n, 16 + 16 + 32 + 24 + 40 + 32 + 16 + 8);
	assert_int_equal(h->sadb_msg_len * 8, n);
	assert_int_equal(h->sadb_msg_seq, 11);
	assert_int_equal(h->sadb_msg_pid, 99);
	assert_int_equal(h->sadb_msg_version, PF_KEY_V2);
	/* what we build passes our own reply validation */
	assert_int_equal(pfk_parse_reply(buf, (size_t)n, &m), 0);

	/* GET reply without LIFETIME_CURRENT breaks required_out */
	pfk_build_init(&b, buf, sizeof(buf), &req, 0);
	pfk_build_sa(&b, 1, 0, 0, 0, 0, 0);
	pfk_build_address(&b, SADB_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&sin, 32, 255);
	pfk_build_address(&b, SADB_EXT_ADDRESS_DST,
	    (struct sockaddr *)&sin, 32, 255);
	assert_int_equal(pfk_build_finish(&b), -EINVAL);
	/* a SPIRANGE in a reply breaks allowed_out */
	pfk_build_init(&b, buf, sizeof(buf), &req, 0);
	pfk_build_ext(&b, SADB_EXT_SPIRANGE, 16);
	assert_int_equal(pfk_build_finish(&b), -EINVAL);
	/* duplicate */
	pfk_build_init(&b, buf, sizeof(buf), &req, 0);
	pfk_build_sa(&b, 1, 0, 0, 0, 0, 0);
	pfk_build_sa(&b, 1, 0, 0, 0, 0, 0);
	assert_int_equal(pfk_build_finish(&b), -EINVAL);
	/* overflow */
	pfk_build_init(&b, buf, 40, &req, 0);
	pfk_build_lifetime(&b, SADB_EXT_LIFETIME_CURRENT, 0, 0, 1, 0);
	assert_int_equal(pfk_build_finish(&b), -ENOBUFS);
	/* error reply: header only, errno set */
	pfk_build_init(&b, buf, sizeof(buf), &req, -ESRCH);
	assert_int_equal(pfk_build_finish(&b), 16);
	assert_int_equal(h->sadb_msg_errno, ESRCH);
	assert_int_equal(h->sadb_msg_len, 2);
	assert_int_equal(pfk_parse_reply(buf, 16, &m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_add),
		cmocka_unit_test(test_size_bounds),
		cmocka_unit_test(test_base_header),
		cmocka_unit_test(test_ext_framing),
		cmocka_unit_test(test_allowed_and_duplicates),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_sa_ext),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_spirange),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_v6_two_requests),
		cmocka_unit_test(test_sa2_natt_replay),
		cmocka_unit_test(test_ident_sens_prop),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
