/*
 * PF_KEY v2 message validation (STYLE.md section 7; OpenBSD
 * pfkeyv2_parsemessage.c is the model).
 *
 * Everything a client sends is untrusted.  pfk_parse() bounds the size,
 * copies the message into a buffer the caller owns, checks the base header,
 * then every extension: it fits, its type is known and nonzero, it is
 * allowed for this message type, it is not a duplicate, its size is exact
 * for its type, reserved fields are zero and enums are in range.  Last the
 * required extensions for the type.  Semantic checks that need state
 * (algorithm known, SA exists) belong to the handlers; this file has no
 * side effects and no global state, so the fuzzer can drive it directly.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "pfk.h"
#include "pfk_priv.h"

#define B(t)	PFK_EXT_BIT(t)

/* Extensions that may appear in SADB messages sent to dpsecd. */
#define SA_COMMON_IN	(B(SADB_X_EXT_KMPRIVATE))
#define ADDRS		(B(SADB_EXT_ADDRESS_SRC) | B(SADB_EXT_ADDRESS_DST))
#define NATT		(B(SADB_X_EXT_NAT_T_TYPE) | B(SADB_X_EXT_NAT_T_SPORT) | \
			 B(SADB_X_EXT_NAT_T_DPORT) | B(SADB_X_EXT_NAT_T_OA))
#define LIFETIMES	(B(SADB_EXT_LIFETIME_CURRENT) | \
			 B(SADB_EXT_LIFETIME_HARD) | B(SADB_EXT_LIFETIME_SOFT))
#define IDENTS		(B(SADB_EXT_IDENTITY_SRC) | B(SADB_EXT_IDENTITY_DST))
#define ADD_IN		(B(SADB_EXT_SA) | ADDRS | B(SADB_EXT_ADDRESS_PROXY) | \
			 LIFETIMES | B(SADB_EXT_KEY_AUTH) | \
			 B(SADB_EXT_KEY_ENCRYPT) | IDENTS | \
			 B(SADB_EXT_SENSITIVITY) | B(SADB_X_EXT_SA2) | NATT | \
			 B(SADB_X_EXT_SA_REPLAY) | SA_COMMON_IN)

static const uint32_t allowed_in[SADB_MAX + 1] = {
	[SADB_GETSPI] = ADDRS | B(SADB_EXT_ADDRESS_PROXY) |
	    B(SADB_EXT_SPIRANGE) | B(SADB_X_EXT_SA2) | NATT | SA_COMMON_IN,
	[SADB_UPDATE] = ADD_IN,
	[SADB_ADD] = ADD_IN,
	[SADB_DELETE] = B(SADB_EXT_SA) | ADDRS | B(SADB_X_EXT_SA2) |
	    SA_COMMON_IN,
	[SADB_GET] = B(SADB_EXT_SA) | ADDRS | SA_COMMON_IN,
	[SADB_ACQUIRE] = ADDRS | B(SADB_EXT_ADDRESS_PROXY) | IDENTS |
	    B(SADB_EXT_SENSITIVITY) | B(SADB_EXT_PROPOSAL) |
	    B(SADB_X_EXT_POLICY) | SA_COMMON_IN,
	[SADB_REGISTER] = SA_COMMON_IN,
	[SADB_EXPIRE] = 0,
	[SADB_FLUSH] = SA_COMMON_IN,
	[SADB_DUMP] = SA_COMMON_IN,
	[SADB_X_PROMISC] = 0,
	[SADB_X_SPDUPDATE] = ADDRS | LIFETIMES | B(SADB_X_EXT_POLICY) |
	    SA_COMMON_IN,
	[SADB_X_SPDADD] = ADDRS | LIFETIMES | B(SADB_X_EXT_POLICY) |
	    SA_COMMON_IN,
	[SADB_X_SPDDELETE] = ADDRS | LIFETIMES | B(SADB_X_EXT_POLICY) |
	    SA_COMMON_IN,
	[SADB_X_SPDGET] = B(SADB_X_EXT_POLICY) | SA_COMMON_IN,
	[SADB_X_SPDDUMP] = SA_COMMON_IN,
	[SADB_X_SPDFLUSH] = SA_COMMON_IN,
	[SADB_X_SPDDELETE2] = B(SADB_X_EXT_POLICY) | SA_COMMON_IN,
};

static const uint32_t required_in[SADB_MAX + 1] = {
	[SADB_GETSPI] = ADDRS,
	[SADB_UPDATE] = B(SADB_EXT_SA) | ADDRS,
	[SADB_ADD] = B(SADB_EXT_SA) | ADDRS,
	/* DELETE without SA is KAME's "delete all SAs between src and dst" */
	[SADB_DELETE] = ADDRS,
	[SADB_GET] = B(SADB_EXT_SA) | B(SADB_EXT_ADDRESS_DST),
	[SADB_X_SPDUPDATE] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDADD] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDDELETE] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDGET] = B(SADB_X_EXT_POLICY),
	[SADB_X_SPDDELETE2] = B(SADB_X_EXT_POLICY),
};

/* What dpsecd sends (checked by pfk_build_finish and pfk_parse_reply). */
#define SA_OUT		(B(SADB_EXT_SA) | ADDRS | B(SADB_EXT_ADDRESS_PROXY) | \
			 LIFETIMES | B(SADB_EXT_KEY_AUTH) | \
			 B(SADB_EXT_KEY_ENCRYPT) | IDENTS | B(SADB_X_EXT_SA2) | \
			 NATT | B(SADB_X_EXT_SA_REPLAY))
#define SPD_OUT		(ADDRS | LIFETIMES | B(SADB_X_EXT_POLICY))

static const uint32_t allowed_out[SADB_MAX + 1] = {
	[SADB_GETSPI] = B(SADB_EXT_SA) | ADDRS | B(SADB_X_EXT_SA2) | NATT,
	[SADB_UPDATE] = SA_OUT,
	[SADB_ADD] = SA_OUT,
	[SADB_DELETE] = B(SADB_EXT_SA) | ADDRS | B(SADB_X_EXT_SA2),
	[SADB_GET] = SA_OUT,
	[SADB_ACQUIRE] = ADDRS | B(SADB_EXT_ADDRESS_PROXY) | IDENTS |
	    B(SADB_EXT_PROPOSAL) | B(SADB_X_EXT_POLICY) | B(SADB_X_EXT_SA2),
	[SADB_REGISTER] = B(SADB_EXT_SUPPORTED_AUTH) |
	    B(SADB_EXT_SUPPORTED_ENCRYPT),
	[SADB_EXPIRE] = B(SADB_EXT_SA) | ADDRS | LIFETIMES | B(SADB_X_EXT_SA2) |
	    B(SADB_X_EXT_SA_REPLAY),
	[SADB_FLUSH] = 0,
	[SADB_DUMP] = SA_OUT,
	[SADB_X_PROMISC] = 0,
	[SADB_X_SPDUPDATE] = SPD_OUT,
	[SADB_X_SPDADD] = SPD_OUT,
	[SADB_X_SPDDELETE] = SPD_OUT,
	[SADB_X_SPDGET] = SPD_OUT,
	[SADB_X_SPDDUMP] = SPD_OUT,
	[SADB_X_SPDFLUSH] = 0,
	[SADB_X_SPDEXPIRE] = SPD_OUT,
	[SADB_X_SPDDELETE2] = SPD_OUT,
};

static const uint32_t required_out[SADB_MAX + 1] = {
	[SADB_GETSPI] = B(SADB_EXT_SA) | ADDRS,
	[SADB_UPDATE] = B(SADB_EXT_SA) | ADDRS,
	[SADB_ADD] = B(SADB_EXT_SA) | ADDRS,
	[SADB_DELETE] = ADDRS,	/* no SA after a KAME deleteall */
	[SADB_GET] = B(SADB_EXT_SA) | ADDRS | B(SADB_EXT_LIFETIME_CURRENT),
	[SADB_ACQUIRE] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_REGISTER] = B(SADB_EXT_SUPPORTED_AUTH) |
	    B(SADB_EXT_SUPPORTED_ENCRYPT),
	[SADB_EXPIRE] = B(SADB_EXT_SA) | ADDRS | B(SADB_EXT_LIFETIME_CURRENT),
	[SADB_DUMP] = B(SADB_EXT_SA) | ADDRS,
	[SADB_X_SPDUPDATE] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDADD] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDDELETE] = B(SADB_X_EXT_POLICY),
	[SADB_X_SPDGET] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDDUMP] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDEXPIRE] = ADDRS | B(SADB_X_EXT_POLICY),
	[SADB_X_SPDDELETE2] = B(SADB_X_EXT_POLICY),
};

size_t
pfk_sockaddr_len(int af)
{
	switch (af) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

static unsigned int
family_bits(int af)
{
	return af == AF_INET ? 32 : 128;
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n-- > 0)
		if (*b++ != 0)
			return 0;
	return 1;
}

/* sadb_address (also NAT_T_OA): header + one sockaddr padded to 8. */
static int
check_address(const void *ext, size_t len)
{
	const struct sadb_address *a = ext;
	const struct sockaddr *sa;
	size_t salen;

	if (len < sizeof(*a) + sizeof(sa_family_t))
		return -EINVAL;
	if (a->sadb_address_reserved != 0)
		return -EINVAL;
	sa = pfk_addr_sa(ext);
	salen = pfk_sockaddr_len(sa->sa_family);
	if (salen == 0)
		return -EAFNOSUPPORT;
	if (len != sizeof(*a) + PFK_ALIGN8(salen))
		return -EINVAL;
	if (a->sadb_address_prefixlen > family_bits(sa->sa_family))
		return -EINVAL;
	return 0;
}

static int
check_key(const void *ext, size_t len)
{
	const struct sadb_key *k = ext;
	size_t kbytes = ((size_t)k->sadb_key_bits + 7) / 8;

	if (k->sadb_key_reserved != 0)
		return -EINVAL;
	if (len != sizeof(*k) + PFK_ALIGN8(kbytes))
		return -EINVAL;
	return 0;
}

static int
check_ident(const void *ext, size_t len)
{
	const struct sadb_ident *id = ext;
	const char *s = (const char *)(id + 1);
	size_t n = len - sizeof(*id), sl;

	if (len < sizeof(*id) || id->sadb_ident_reserved != 0 ||
	    id->sadb_ident_type > SADB_IDENTTYPE_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	/* A NUL-terminated string, padded with at most 7 bytes. */
	sl = strnlen(s, n);
	if (sl == n || n - (sl + 1) >= 8)
		return -EINVAL;
	return 0;
}

static int
check_sens(const void *ext, size_t len)
{
	const struct sadb_sens *s = ext;

	if (len < sizeof(*s) || s->sadb_sens_reserved != 0)
		return -EINVAL;
	if (len != sizeof(*s) + 8 * ((size_t)s->sadb_sens_sens_len +
	    s->sadb_sens_integ_len))
		return -EINVAL;
	return 0;
}

static int
check_prop(const void *ext, size_t len)
{
	const struct sadb_prop *p = ext;
	const struct sadb_comb *c;
	size_t i, n;

	if (len < sizeof(*p) || !all_zero(p->sadb_prop_reserved,
	    sizeof(p->sadb_prop_reserved)))
		return -EINVAL;
	if ((len - sizeof(*p)) % sizeof(struct sadb_comb) != 0)
		return -EINVAL;
	n = (len - sizeof(*p)) / sizeof(struct sadb_comb);
	c = (const struct sadb_comb *)(p + 1);
	for (i = 0; i < n; i++)
		if (c[i].sadb_comb_reserved != 0)
			return -EINVAL;
	return 0;
}

static int
check_spirange(const void *ext, size_t len)
{
	const struct sadb_spirange *r = ext;

	if (len != sizeof(*r) || r->sadb_spirange_reserved != 0)
		return -EINVAL;
	if (r->sadb_spirange_min > r->sadb_spirange_max)
		return -EINVAL;
	/* SPIs 1-255 are reserved by IANA (RFC 4303 section 2.1). */
	if (r->sadb_spirange_max < 256)
		return -EINVAL;
	return 0;
}

/* One ipsecrequest: 16 bytes, optionally two unpadded sockaddrs. */
static int
check_ipsecrequest(const struct sadb_x_ipsecrequest *rq, size_t room)
{
	size_t len, salen;
	const struct sockaddr *s, *d;

	if (room < sizeof(*rq))
		return -EINVAL;
	len = rq->sadb_x_ipsecrequest_len;	/* in bytes, not words */
	if (len < sizeof(*rq) || len > room || len % 8 != 0)
		return -EINVAL;
	switch (rq->sadb_x_ipsecrequest_proto) {
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_COMP:
		break;
	default:
		return -EINVAL;
	}
	if (rq->sadb_x_ipsecrequest_mode > IPSEC_MODE_TUNNEL ||
	    rq->sadb_x_ipsecrequest_level > IPSEC_LEVEL_UNIQUE ||
	    rq->sadb_x_ipsecrequest_reserved1 != 0 ||
	    rq->sadb_x_ipsecrequest_reserved2 != 0)
		return -EINVAL;
	if (len == sizeof(*rq)) {
		if (rq->sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL)
			return -EINVAL;	/* a tunnel needs its endpoints */
		return 0;
	}
	if (len < sizeof(*rq) + sizeof(sa_family_t))
		return -EINVAL;
	s = (const struct sockaddr *)(rq + 1);
	salen = pfk_sockaddr_len(s->sa_family);
	if (salen == 0)
		return -EAFNOSUPPORT;
	if (len != PFK_ALIGN8(sizeof(*rq) + 2 * salen))
		return -EINVAL;
	d = (const struct sockaddr *)((const uint8_t *)s + salen);
	if (d->sa_family != s->sa_family)
		return -EINVAL;
	return 0;
}

static int
check_policy(const void *ext, size_t len)
{
	const struct sadb_x_policy *p = ext;
	const uint8_t *q, *end;
	int rc;

	if (len < sizeof(*p) || p->sadb_x_policy_reserved != 0)
		return -EINVAL;
	if (p->sadb_x_policy_type > IPSEC_POLICY_BYPASS ||
	    p->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	if (p->sadb_x_policy_type != IPSEC_POLICY_IPSEC)
		return len == sizeof(*p) ? 0 : -EINVAL;
	q = (const uint8_t *)(p + 1);
	end = (const uint8_t *)ext + len;
	while (q < end) {
		const struct sadb_x_ipsecrequest *rq = (const void *)q;

		rc = check_ipsecrequest(rq, (size_t)(end - q));
		if (rc != 0)
			return rc;
		q += rq->sadb_x_ipsecrequest_len;
	}
	return 0;
}

const struct sadb_x_ipsecrequest *
pfk_policy_next_req(const struct sadb_x_policy *pol,
    const struct sadb_x_ipsecrequest *prev)
{
	const uint8_t *end = (const uint8_t *)pol +
	    PFK_UNUNIT64(pol->sadb_x_policy_len);
	const uint8_t *q;

	if (prev == NULL)
		q = (const uint8_t *)(pol + 1);
	else
		q = (const uint8_t *)prev + prev->sadb_x_ipsecrequest_len;
	if (q + sizeof(struct sadb_x_ipsecrequest) > end)
		return NULL;
	return (const struct sadb_x_ipsecrequest *)q;
}

/* Exact size and field checks for one extension of a known type. */
static int
check_ext(unsigned int type, const void *ext, size_t len)
{
	switch (type) {
	case SADB_EXT_SA: {
		const struct sadb_sa *s = ext;

		if (len != sizeof(*s) || s->sadb_sa_state > SADB_SASTATE_MAX)
			return -EINVAL;
		return 0;
	}
	case SADB_EXT_LIFETIME_CURRENT:
	case SADB_EXT_LIFETIME_HARD:
	case SADB_EXT_LIFETIME_SOFT:
		return len == sizeof(struct sadb_lifetime) ? 0 : -EINVAL;
	case SADB_EXT_ADDRESS_SRC:
	case SADB_EXT_ADDRESS_DST:
	case SADB_EXT_ADDRESS_PROXY:
	case SADB_X_EXT_NAT_T_OA:
		return check_address(ext, len);
	case SADB_EXT_KEY_AUTH:
	case SADB_EXT_KEY_ENCRYPT:
		return len >= sizeof(struct sadb_key) ? check_key(ext, len) :
		    -EINVAL;
	case SADB_EXT_IDENTITY_SRC:
	case SADB_EXT_IDENTITY_DST:
		return check_ident(ext, len);
	case SADB_EXT_SENSITIVITY:
		return check_sens(ext, len);
	case SADB_EXT_PROPOSAL:
		return check_prop(ext, len);
	case SADB_EXT_SUPPORTED_AUTH:
	case SADB_EXT_SUPPORTED_ENCRYPT: {
		const struct sadb_supported *s = ext;

		if (len < sizeof(*s) || s->sadb_supported_reserved != 0)
			return -EINVAL;
		return 0;	/* 8 + n * 8 is implied by the framing */
	}
	case SADB_EXT_SPIRANGE:
		return check_spirange(ext, len);
	case SADB_X_EXT_KMPRIVATE:
		return 0;	/* opaque to us: accepted and ignored */
	case SADB_X_EXT_POLICY:
		return check_policy(ext, len);
	case SADB_X_EXT_SA2: {
		const struct sadb_x_sa2 *s = ext;

		if (len != sizeof(*s) || s->sadb_x_sa2_reserved1 != 0 ||
		    s->sadb_x_sa2_reserved2 != 0 ||
		    s->sadb_x_sa2_mode > IPSEC_MODE_TUNNEL)
			return -EINVAL;
		return 0;
	}
	case SADB_X_EXT_NAT_T_TYPE: {
		const struct sadb_x_nat_t_type *t = ext;

		if (len != sizeof(*t) || !all_zero(t->sadb_x_nat_t_type_reserved,
		    sizeof(t->sadb_x_nat_t_type_reserved)))
			return -EINVAL;
		/* UDP_ENCAP_ESPINUDP_NON_IKE 1, UDP_ENCAP_ESPINUDP 2 */
		if (t->sadb_x_nat_t_type_type < 1 ||
		    t->sadb_x_nat_t_type_type > 2)
			return -EINVAL;
		return 0;
	}
	case SADB_X_EXT_NAT_T_SPORT:
	case SADB_X_EXT_NAT_T_DPORT: {
		const struct sadb_x_nat_t_port *p = ext;

		if (len != sizeof(*p) || p->sadb_x_nat_t_port_reserved != 0)
			return -EINVAL;
		return 0;
	}
	case SADB_X_EXT_SA_REPLAY:
		return len == sizeof(struct sadb_x_sa_replay) ? 0 : -EINVAL;
	default:
		/* SEC_CTX, KMADDRESS: known to Linux, never allowed here */
		return -EINVAL;
	}
}

static int
parse_common(const void *data, size_t len, struct pfk_msg *m,
    const uint32_t *allowed, const uint32_t *required, int is_request)
{
	const struct sadb_msg *h;
	const uint8_t *p, *end;
	unsigned int type;
	int rc;

	memset(m->ext, 0, sizeof(m->ext));
	m->present = 0;
	m->hdr = NULL;
	m->len = 0;

	/* 1. Bound the size, then copy into our own aligned buffer. */
	if (data == NULL || len < sizeof(struct sadb_msg))
		return -EINVAL;
	if (len > PFK_MSG_MAX)
		return -EMSGSIZE;
	memcpy(m->buf, data, len);
	m->len = len;
	h = (const struct sadb_msg *)m->buf;
	m->hdr = h;

	/* 2. Base header. */
	if (h->sadb_msg_version != PF_KEY_V2 || h->sadb_msg_reserved != 0)
		return -EINVAL;
	if (PFK_UNUNIT64(h->sadb_msg_len) != len)
		return -EINVAL;
	type = h->sadb_msg_type;
	if (type == PFK_X_DPSEC_SYNC && is_request)
		return len == sizeof(*h) ? 0 : -EINVAL;
	if (type == SADB_RESERVED || type > SADB_MAX)
		return -EINVAL;
	if (h->sadb_msg_satype > SADB_SATYPE_MAX)
		return -EINVAL;
	/* Only a key manager's failed-negotiation ACQUIRE carries an errno. */
	if (is_request && h->sadb_msg_errno != 0 && type != SADB_ACQUIRE)
		return -EINVAL;

	/* 3. Extensions. */
	p = (const uint8_t *)m->buf + sizeof(*h);
	end = (const uint8_t *)m->buf + len;
	while (p < end) {
		const struct sadb_ext *e = (const void *)p;
		size_t elen;
		unsigned int et;

		if ((size_t)(end - p) < sizeof(*e))
			return -EINVAL;
		elen = PFK_UNUNIT64(e->sadb_ext_len);
		if (elen < sizeof(*e) || elen > (size_t)(end - p))
			return -EINVAL;
		et = e->sadb_ext_type;
		if (et == SADB_EXT_RESERVED || et > PFK_EXT_MAX)
			return -EINVAL;
		if (!(allowed[type] & PFK_EXT_BIT(et)))
			return -EINVAL;
		if (m->present & PFK_EXT_BIT(et))
			return -EINVAL;
		rc = check_ext(et, p, elen);
		if (rc != 0)
			return rc;
		m->ext[et] = p;
		m->present |= PFK_EXT_BIT(et);
		p += elen;
	}

	/* 4. Required extensions. */
	if ((m->present & required[type]) != required[type])
		return -EINVAL;

	/* Refused after it was shown to be well formed (RFC 2367 2.3.2). */
	if (is_request && (m->present & PFK_EXT_BIT(SADB_EXT_SENSITIVITY)))
		return -EOPNOTSUPP;
	return 0;
}

int
pfk_parse(const void *data, size_t len, struct pfk_msg *m)
{
	return parse_common(data, len, m, allowed_in, required_in, 1);
}

int
pfk_parse_reply(const void *data, size_t len, struct pfk_msg *m)
{
	int rc;

	rc = parse_common(data, len, m, allowed_out, required_out, 0);
	/* Error replies and dump terminators are header only. */
	if (rc == -EINVAL && m->hdr != NULL && m->hdr->sadb_msg_errno != 0 &&
	    len == sizeof(struct sadb_msg))
		return 0;
	return rc;
}

uint32_t
pfk_allowed_out(unsigned int type)
{
	return type <= SADB_MAX ? allowed_out[type] : 0;
}

uint32_t
pfk_required_out(unsigned int type)
{
	return type <= SADB_MAX ? required_out[type] : 0;
}

static const char *const msg_names[SADB_MAX + 1] = {
	"RESERVED", "GETSPI", "UPDATE", "ADD", "DELETE", "GET", "ACQUIRE",
	"REGISTER", "EXPIRE", "FLUSH", "DUMP", "X_PROMISC", "X_PCHANGE",
	"X_SPDUPDATE", "X_SPDADD", "X_SPDDELETE", "X_SPDGET", "X_SPDACQUIRE",
	"X_SPDDUMP", "X_SPDFLUSH", "X_SPDSETIDX", "X_SPDEXPIRE",
	"X_SPDDELETE2", "X_NAT_T_NEW_MAPPING", "X_MIGRATE",
};

const char *
pfk_msg_name(unsigned int type)
{
	if (type == PFK_X_DPSEC_SYNC)
		return "X_DPSEC_SYNC";
	return type <= SADB_MAX ? msg_names[type] : "UNKNOWN";
}
