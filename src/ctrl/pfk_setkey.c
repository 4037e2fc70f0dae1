/*
 * setkey(8) command language -> PF_KEY v2 requests.
 *
 * Accepted (ipsec-tools syntax, numeric addresses only):
 *   add [-46n] SRC DST PROTO SPI [-m MODE] [-r SIZE] [-u REQID]
 *       [-f PADOPT] [-lh S] [-ls S] [-bh B] [-bs B]
 *       (-E EALG KEY [-A AALG KEY] | -A AALG KEY) ;
 *   get|delete SRC DST PROTO SPI ;   deleteall SRC DST PROTO ;
 *   flush [PROTO] ;   dump [PROTO] ;
 *   spdadd|spdupdate SRC_RANGE DST_RANGE UPPER POLICY ;
 *   spddelete SRC_RANGE DST_RANGE UPPER -P DIR [...] ;
 *   spdflush ;   spddump ;
 * PROTO: esp, esp-udp (NAT-T, ports from SRC[port] DST[port]).
 * POLICY: -P in|out|fwd [prio N] discard|none|ipsec REQ...,
 * REQ: esp/transport|tunnel/[A-B]/default|use|require|unique[:ID].
 * Keys: 0xHEX or "string".  Algorithms: the names in pfk_alg.c plus
 * setkey's aliases (rijndael-cbc).  Like setkey on Linux, "spdadd ... -P
 * in" also adds the matching fwd policy (unique turned into require).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pfk.h"
#include "pfk_setkey.h"

#define MAXTOK		64

struct tok {
	char *s;
	unsigned int line;
};

struct sk {
	uint32_t pid;
	uint32_t seq;
	pfk_setkey_fn fn;
	void *arg;
	const char *name;
	unsigned int line;
	char *err;
	size_t errlen;
	uint64_t buf[PFK_MSG_MAX / 8];
};

static int fail(struct sk *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct sk *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(k->err, k->errlen, "%s:%u: ", k->name, k->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < k->errlen)
		vsnprintf(k->err + n, k->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* SRC[port] / prefix.  Returns 0 or -1. */
static int
parse_addr(const char *w, struct sockaddr_storage *ss, int *plen,
    int *port)
{
	char tmp[128], *br, *sl;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char *end;
	long v;

	if (strlen(w) >= sizeof(tmp))
		return -1;
	strcpy(tmp, w);
	*port = 0;
	*plen = -1;
	br = strchr(tmp, '[');
	if (br != NULL) {
		char *cl = strchr(br, ']');

		if (cl == NULL || cl[1] != '\0')
			return -1;
		*cl = '\0';
		if (strcmp(br + 1, "any") != 0) {
			v = strtol(br + 1, &end, 10);
			if (*end != '\0' || v < 0 || v > 65535 || end == br + 1)
				return -1;
			*port = (int)v;
		}
		*br = '\0';
	}
	sl = strchr(tmp, '/');
	if (sl != NULL) {
		v = strtol(sl + 1, &end, 10);
		if (*end != '\0' || end == sl + 1 || v < 0 || v > 128)
			return -1;
		*plen = (int)v;
		*sl = '\0';
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, tmp, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)*port);
		if (*plen > 32)
			return -1;
		if (*plen < 0)
			*plen = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)*port);
		if (*plen < 0)
			*plen = 128;
		return 0;
	}
	return -1;
}

static int
parse_u64(const char *w, uint64_t *v)
{
	char *end;

	if (w == NULL || *w == '\0' || *w == '-')
		return -1;
	errno = 0;
	*v = strtoull(w, &end, 0);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

/* 0xHEX or "string" -> bytes. */
static int
parse_key(const char *w, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(w), i;

	if (n >= 2 && w[0] == '"' && w[n - 1] == '"') {
		if (n - 2 > cap)
			return -1;
		memcpy(out, w + 1, n - 2);
		*len = n - 2;
		return 0;
	}
	if (n < 2 || w[0] != '0' || (w[1] != 'x' && w[1] != 'X'))
		return -1;
	w += 2;
	n -= 2;
	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)w[2 * i]) ||
		    !isxdigit((unsigned char)w[2 * i + 1]) ||
		    sscanf(w + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

static const struct pfk_alg *
alg_by_name(const char *w, int auth)
{
	const struct pfk_alg *t;
	unsigned int i, n;

	if (!auth && strcmp(w, "rijndael-cbc") == 0)
		return pfk_alg_enc(SADB_X_EALG_AESCBC);
	if (!auth && (strcmp(w, "aes-gcm") == 0 ||
	    strcmp(w, "rfc4106-gcm-aes") == 0))
		return pfk_alg_enc(SADB_X_EALG_AES_GCM_ICV16);
	if (!auth && strcmp(w, "aes-gmac") == 0)
		return pfk_alg_enc(SADB_X_EALG_NULL_AES_GMAC);
	if (!auth && strcmp(w, "rfc7634-chacha20-poly1305") == 0)
		return pfk_alg_enc(PFK_EALG_CHACHA20_POLY1305);
	t = pfk_alg_table(auth, &n);
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, w) == 0)
			return &t[i];
	return NULL;
}

static void
msg_init(struct sk *k, struct pfk_build *b, uint8_t type, uint8_t satype)
{
	struct sadb_msg h = { 0 };

	h.sadb_msg_type = type;
	h.sadb_msg_satype = satype;
	h.sadb_msg_seq = ++k->seq;
	h.sadb_msg_pid = k->pid;
	pfk_build_init(b, k->buf, sizeof(k->buf), &h, 0);
}

static int
emit(struct sk *k, struct pfk_build *b, enum pfk_setkey_op op)
{
	struct sadb_msg *h = (struct sadb_msg *)b->buf;
	int rc;

	if (b->err != 0)
		return fail(k, "message too large");
	h->sadb_msg_len = (uint16_t)PFK_UNIT64(b->len);
	rc = k->fn(k->arg, op, b->buf, b->len, k->line);
	if (rc < 0 && k->err[0] == '\0')
		snprintf(k->err, k->errlen, "%s:%u: %s", k->name, k->line,
		    strerror(-rc));
	return rc;
}

static int
proto_satype(struct sk *k, const char *w, int *natt)
{
	*natt = 0;
	if (strcmp(w, "esp") == 0)
		return SADB_SATYPE_ESP;
	if (strcmp(w, "esp-udp") == 0) {
		*natt = 1;
		return SADB_SATYPE_ESP;
	}
	if (strcmp(w, "ah") == 0 || strcmp(w, "ipcomp") == 0 ||
	    strcmp(w, "esp-old") == 0 || strcmp(w, "ah-old") == 0 ||
	    strcmp(w, "tcp") == 0)
		return fail(k, "protocol '%s' is not supported (esp only)", w);
	return fail(k, "unknown protocol '%s'", w);
}

/* Skip setkey's -4/-6/-n. */
static int
skip_opts(struct tok *t, int n, int i)
{
	while (i < n && (strcmp(t[i].s, "-4") == 0 ||
	    strcmp(t[i].s, "-6") == 0 || strcmp(t[i].s, "-n") == 0))
		i++;
	return i;
}

static void
add_addr(struct pfk_build *b, uint16_t type, const struct sockaddr_storage *ss,
    int plen, uint8_t proto)
{
	pfk_build_address(b, type, (const struct sockaddr *)ss, (uint8_t)plen,
	    proto);
}

static int
cmd_sa(struct sk *k, struct tok *t, int n, uint8_t type)
{
	struct sockaddr_storage src, dst;
	int i, plen, sport, dport, natt, satype, want_spi;
	uint64_t spi = 0;
	struct pfk_build b;

	want_spi = type != SADB_DELETE || strcmp(t[0].s, "deleteall") != 0;
	i = skip_opts(t, n, 1);
	if (n - i < (want_spi ? 4 : 3))
		return fail(k, "%s: expected SRC DST PROTO%s", t[0].s,
		    want_spi ? " SPI" : "");
	if (parse_addr(t[i].s, &src, &plen, &sport) != 0)
		return fail(k, "bad address '%s'", t[i].s);
	if (parse_addr(t[i + 1].s, &dst, &plen, &dport) != 0)
		return fail(k, "bad address '%s'", t[i + 1].s);
	if (src.ss_family != dst.ss_family)
		return fail(k, "address families differ");
	satype = proto_satype(k, t[i + 2].s, &natt);
	if (satype < 0)
		return satype;
	if (want_spi && (parse_u64(t[i + 3].s, &spi) != 0 ||
	    spi > UINT32_MAX))
		return fail(k, "bad SPI '%s'", t[i + 3].s);
	if (n != i + (want_spi ? 4 : 3))
		return fail(k, "%s: unexpected '%s'", t[0].s,
		    t[i + (want_spi ? 4 : 3)].s);
	msg_init(k, &b, type, (uint8_t)satype);
	if (want_spi)
		pfk_build_sa(&b, htonl((uint32_t)spi), 0, 0, 0, 0, 0);
	add_addr(&b, SADB_EXT_ADDRESS_SRC, &src, src.ss_family == AF_INET ?
	    32 : 128, IPSEC_ULPROTO_ANY);
	add_addr(&b, SADB_EXT_ADDRESS_DST, &dst, dst.ss_family == AF_INET ?
	    32 : 128, IPSEC_ULPROTO_ANY);
	return emit(k, &b, type == SADB_GET ? PFK_SK_GET : PFK_SK_SEND);
}

static int
add_parse(struct sk *k, struct tok *t, int n, uint8_t ekey[64],
    uint8_t akey[64])
{
	struct sockaddr_storage src, dst;
	int i, plen, sport, dport, natt, satype;
	uint64_t spi, v, replay = 0, reqid = 0, lh = 0, ls = 0, bh = 0,
	    bs = 0;
	uint8_t mode = 0;
	const struct pfk_alg *ea = NULL, *aa = NULL;
	size_t elen = 0, alen = 0;
	struct pfk_build b;
	int rc;

	i = skip_opts(t, n, 1);
	if (n - i < 4)
		return fail(k, "add: expected SRC DST PROTO SPI");
	if (parse_addr(t[i].s, &src, &plen, &sport) != 0)
		return fail(k, "bad address '%s'", t[i].s);
	if (parse_addr(t[i + 1].s, &dst, &plen, &dport) != 0)
		return fail(k, "bad address '%s'", t[i + 1].s);
	if (src.ss_family != dst.ss_family)
		return fail(k, "address families differ");
	satype = proto_satype(k, t[i + 2].s, &natt);
	if (satype < 0)
		return satype;
	if (parse_u64(t[i + 3].s, &spi) != 0 || spi > UINT32_MAX)
		return fail(k, "bad SPI '%s'", t[i + 3].s);
	for (i += 4; i < n; i++) {
		const char *o = t[i].s;
		const char *a = i + 1 < n ? t[i + 1].s : NULL;

		if (strcmp(o, "-m") == 0 && a != NULL) {
			if (strcmp(a, "transport") == 0)
				mode = IPSEC_MODE_TRANSPORT;
			else if (strcmp(a, "tunnel") == 0)
				mode = IPSEC_MODE_TUNNEL;
			else if (strcmp(a, "any") == 0)
				mode = IPSEC_MODE_ANY;
			else
				return fail(k, "bad mode '%s'", a);
			i++;
		} else if (strcmp(o, "-f") == 0 && a != NULL) {
			i++;	/* padding/cyclic options: accepted, ignored */
		} else if ((strcmp(o, "-r") == 0 || strcmp(o, "-u") == 0 ||
		    strcmp(o, "-lh") == 0 || strcmp(o, "-ls") == 0 ||
		    strcmp(o, "-bh") == 0 || strcmp(o, "-bs") == 0)) {
			if (parse_u64(a, &v) != 0)
				return fail(k, "%s needs a number", o);
			if (o[1] == 'r')
				replay = v;
			else if (o[1] == 'u')
				reqid = v;
			else if (strcmp(o, "-lh") == 0)
				lh = v;
			else if (strcmp(o, "-ls") == 0)
				ls = v;
			else if (strcmp(o, "-bh") == 0)
				bh = v;
			else
				bs = v;
			i++;
		} else if (strcmp(o, "-E") == 0 && a != NULL) {
			ea = alg_by_name(a, 0);
			if (ea == NULL)
				return fail(k, "unknown or unsupported "
				    "encryption algorithm '%s'", a);
			i++;
			if (i + 1 < n && t[i + 1].s[0] != '-') {
				/* never echo key text: it ends up in logs */
				if (parse_key(t[i + 1].s, ekey, 64,
				    &elen) != 0)
					return fail(k, "-E %s: bad key",
					    ea->name);
				i++;
			}
			if (ea->maxbits != 0 &&
			    !pfk_alg_key_ok(ea, (unsigned)elen * 8))
				return fail(k, "%s: key of %zu bits, expected "
				    "%u..%u", ea->name, elen * 8, ea->minbits,
				    ea->maxbits);
		} else if (strcmp(o, "-A") == 0 && a != NULL) {
			aa = alg_by_name(a, 1);
			if (aa == NULL)
				return fail(k, "unknown or unsupported "
				    "authentication algorithm '%s'", a);
			if (i + 2 >= n || parse_key(t[i + 2].s, akey,
			    64, &alen) != 0)
				return fail(k, "-A %s: bad or missing key", a);
			if (!pfk_alg_key_ok(aa, (unsigned)alen * 8))
				return fail(k, "%s: key of %zu bits, expected "
				    "%u", aa->name, alen * 8, aa->minbits);
			i += 2;
		} else if (strcmp(o, "-C") == 0) {
			return fail(k, "IPComp is not supported");
		} else {
			return fail(k, "add: unexpected '%s'", o);
		}
	}
	if (ea == NULL && aa == NULL)
		return fail(k, "add: no algorithm (-E or -A)");
	if (ea == NULL)
		return fail(k, "add: esp needs -E (use -E null with -A)");
	if (replay > 65536 || reqid > UINT32_MAX)
		return fail(k, "add: -r or -u out of range");
	msg_init(k, &b, SADB_ADD, (uint8_t)satype);
	pfk_build_sa(&b, htonl((uint32_t)spi), replay > 255 ? 255 :
	    (uint8_t)replay, SADB_SASTATE_MATURE, aa ? aa->id : 0, ea->id,
	    0);
	pfk_build_sa2(&b, mode, (uint32_t)reqid);
	add_addr(&b, SADB_EXT_ADDRESS_SRC, &src, src.ss_family == AF_INET ?
	    32 : 128, IPSEC_ULPROTO_ANY);
	add_addr(&b, SADB_EXT_ADDRESS_DST, &dst, dst.ss_family == AF_INET ?
	    32 : 128, IPSEC_ULPROTO_ANY);
	if (aa != NULL)
		pfk_build_key(&b, SADB_EXT_KEY_AUTH, akey,
		    (uint16_t)(alen * 8));
	if (elen > 0)
		pfk_build_key(&b, SADB_EXT_KEY_ENCRYPT, ekey,
		    (uint16_t)(elen * 8));
	if (lh || ls || bh || bs) {
		pfk_build_lifetime(&b, SADB_EXT_LIFETIME_HARD, 0, bh, lh, 0);
		pfk_build_lifetime(&b, SADB_EXT_LIFETIME_SOFT, 0, bs, ls, 0);
	}
	if (replay > 255)
		pfk_build_sa_replay(&b, (uint32_t)replay);
	if (natt) {
		struct sadb_x_nat_t_type *nt;
		struct sadb_x_nat_t_port *np;

		nt = pfk_build_ext(&b, SADB_X_EXT_NAT_T_TYPE, sizeof(*nt));
		if (nt != NULL)
			nt->sadb_x_nat_t_type_type = 2;	/* ESPINUDP */
		np = pfk_build_ext(&b, SADB_X_EXT_NAT_T_SPORT, sizeof(*np));
		if (np != NULL)
			np->sadb_x_nat_t_port_port = htons((uint16_t)sport);
		np = pfk_build_ext(&b, SADB_X_EXT_NAT_T_DPORT, sizeof(*np));
		if (np != NULL)
			np->sadb_x_nat_t_port_port = htons((uint16_t)dport);
	}
	rc = emit(k, &b, PFK_SK_SEND);
	explicit_bzero(k->buf, b.len);
	return rc;
}

/* The key buffers are wiped on every exit, errors included (STYLE.md 6). */
static int
cmd_add(struct sk *k, struct tok *t, int n)
{
	uint8_t ekey[64], akey[64];
	int rc;

	rc = add_parse(k, t, n, ekey, akey);
	explicit_bzero(ekey, sizeof(ekey));
	explicit_bzero(akey, sizeof(akey));
	return rc;
}

static int
upper_proto(const char *w)
{
	uint64_t v;

	if (strcmp(w, "any") == 0)
		return IPSEC_ULPROTO_ANY;
	if (strcmp(w, "icmp") == 0)
		return IPPROTO_ICMP;
	if (strcmp(w, "icmp6") == 0 || strcmp(w, "ipv6-icmp") == 0)
		return IPPROTO_ICMPV6;
	if (strcmp(w, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(w, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(w, "gre") == 0)
		return IPPROTO_GRE;
	if (strcmp(w, "sctp") == 0)
		return IPPROTO_SCTP;
	if (parse_u64(w, &v) == 0 && v <= 255)
		return (int)v;
	return -1;
}

/* One request "esp/tunnel/A-B/require" appended at q; returns its size. */
static int
parse_request(struct sk *k, const char *w, int fwd, uint8_t *q, size_t room)
{
	char tmp[256], *f[4], *p, *dash;
	struct sadb_x_ipsecrequest *rq = (struct sadb_x_ipsecrequest *)q;
	struct sockaddr_storage a, b;
	int nf = 0, plen, port;
	size_t salen = 0, len;
	uint64_t v;

	if (strlen(w) >= sizeof(tmp))
		return fail(k, "request too long");
	strcpy(tmp, w);
	p = tmp;
	while (nf < 4) {
		f[nf++] = p;
		p = strchr(p, '/');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (nf != 4 || p != NULL)
		return fail(k, "bad request '%s' (proto/mode/src-dst/level)",
		    w);
	if (strcmp(f[0], "esp") != 0)
		return fail(k, "request '%s': esp only", w);
	if (f[2][0] != '\0') {
		dash = strchr(f[2], '-');
		if (dash == NULL)
			return fail(k, "request '%s': endpoints A-B", w);
		*dash = '\0';
		if (parse_addr(f[2], &a, &plen, &port) != 0 ||
		    parse_addr(dash + 1, &b, &plen, &port) != 0 ||
		    a.ss_family != b.ss_family)
			return fail(k, "request '%s': bad endpoints", w);
		salen = pfk_sockaddr_len(a.ss_family);
	}
	len = PFK_ALIGN8(sizeof(*rq) + 2 * salen);
	if (len > room)
		return fail(k, "policy too large");
	memset(q, 0, len);
	rq->sadb_x_ipsecrequest_len = (uint16_t)len;
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	if (strcmp(f[1], "transport") == 0)
		rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	else if (strcmp(f[1], "tunnel") == 0)
		rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	else
		return fail(k, "request '%s': mode transport or tunnel", w);
	if (rq->sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL && salen == 0)
		return fail(k, "request '%s': tunnel needs endpoints", w);
	if (strcmp(f[3], "default") == 0)
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_DEFAULT;
	else if (strcmp(f[3], "use") == 0)
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_USE;
	else if (strcmp(f[3], "require") == 0)
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
	else if (strncmp(f[3], "unique", 6) == 0) {
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
		if (f[3][6] == ':') {
			if (parse_u64(f[3] + 7, &v) != 0 || v > UINT32_MAX)
				return fail(k, "request '%s': bad reqid", w);
			rq->sadb_x_ipsecrequest_reqid = (uint32_t)v;
		} else if (f[3][6] != '\0')
			return fail(k, "request '%s': bad level", w);
		if (fwd)
			rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
	} else
		return fail(k, "request '%s': bad level", w);
	if (salen != 0) {
		memcpy(rq + 1, &a, salen);
		memcpy((uint8_t *)(rq + 1) + salen, &b, salen);
	}
	return (int)len;
}

static int
spd_one(struct sk *k, struct tok *t, int n, int i, uint8_t type,
    const struct sockaddr_storage *src, int splen,
    const struct sockaddr_storage *dst, int dplen, int up, int fwd)
{
	struct pfk_build b;
	struct sadb_x_policy *xp;
	uint8_t reqs[1024];
	size_t rlen = 0;
	uint64_t prio = 0x80000000u;
	int dir, ptype = -1, rc;

	/* i points after -P */
	if (i >= n)
		return fail(k, "-P needs a direction");
	if (strcmp(t[i].s, "in") == 0)
		dir = IPSEC_DIR_INBOUND;
	else if (strcmp(t[i].s, "out") == 0)
		dir = IPSEC_DIR_OUTBOUND;
	else if (strcmp(t[i].s, "fwd") == 0)
		dir = IPSEC_DIR_FWD;
	else
		return fail(k, "bad direction '%s'", t[i].s);
	if (fwd)
		dir = IPSEC_DIR_FWD;
	i++;
	if (i + 1 < n && (strcmp(t[i].s, "prio") == 0 ||
	    strcmp(t[i].s, "priority") == 0)) {
		if (strcmp(t[i + 1].s, "def") == 0 ||
		    strcmp(t[i + 1].s, "default") == 0)
			prio = 0x80000000u;
		else if (parse_u64(t[i + 1].s, &prio) != 0 ||
		    prio > UINT32_MAX)
			return fail(k, "bad priority '%s'", t[i + 1].s);
		i += 2;
	}
	if (i < n) {
		if (strcmp(t[i].s, "discard") == 0)
			ptype = IPSEC_POLICY_DISCARD;
		else if (strcmp(t[i].s, "none") == 0)
			ptype = IPSEC_POLICY_NONE;
		else if (strcmp(t[i].s, "ipsec") == 0)
			ptype = IPSEC_POLICY_IPSEC;
		else if (strcmp(t[i].s, "entrust") == 0 ||
		    strcmp(t[i].s, "bypass") == 0)
			return fail(k, "policy '%s' is not supported",
			    t[i].s);
		else
			return fail(k, "bad policy '%s'", t[i].s);
		i++;
	} else if (type != SADB_X_SPDDELETE) {
		return fail(k, "missing policy (discard, none or ipsec)");
	} else {
		ptype = IPSEC_POLICY_DISCARD;	/* spddelete: selector only */
	}
	for (; i < n; i++) {
		if (ptype != IPSEC_POLICY_IPSEC)
			return fail(k, "unexpected '%s'", t[i].s);
		rc = parse_request(k, t[i].s, fwd, reqs + rlen,
		    sizeof(reqs) - rlen);
		if (rc < 0)
			return rc;
		rlen += (size_t)rc;
	}
	if (ptype == IPSEC_POLICY_IPSEC && rlen == 0 &&
	    type != SADB_X_SPDDELETE)
		return fail(k, "ipsec policy without a request");
	if (type == SADB_X_SPDDELETE)
		rlen = ptype == IPSEC_POLICY_IPSEC ? rlen : 0;
	msg_init(k, &b, type, SADB_SATYPE_UNSPEC);
	add_addr(&b, SADB_EXT_ADDRESS_SRC, src, splen, (uint8_t)up);
	add_addr(&b, SADB_EXT_ADDRESS_DST, dst, dplen, (uint8_t)up);
	xp = pfk_build_ext(&b, SADB_X_EXT_POLICY, sizeof(*xp) + rlen);
	if (xp != NULL) {
		xp->sadb_x_policy_type = (uint16_t)ptype;
		xp->sadb_x_policy_dir = (uint8_t)dir;
		xp->sadb_x_policy_priority = (uint32_t)prio;
		memcpy(xp + 1, reqs, rlen);
	}
	return emit(k, &b, PFK_SK_SEND);
}

static int
cmd_spd(struct sk *k, struct tok *t, int n, uint8_t type)
{
	struct sockaddr_storage src, dst;
	int i, p, splen, dplen, sport, dport, up, rc;

	i = skip_opts(t, n, 1);
	if (n - i < 4)
		return fail(k, "%s: expected SRC DST UPPER -P ...", t[0].s);
	if (parse_addr(t[i].s, &src, &splen, &sport) != 0)
		return fail(k, "bad address '%s'", t[i].s);
	if (parse_addr(t[i + 1].s, &dst, &dplen, &dport) != 0)
		return fail(k, "bad address '%s'", t[i + 1].s);
	if (src.ss_family != dst.ss_family)
		return fail(k, "address families differ");
	up = upper_proto(t[i + 2].s);
	if (up < 0)
		return fail(k, "unknown upper-layer protocol '%s'",
		    t[i + 2].s);
	p = i + 3;
	/* lifetimes and labels of setkey's spdadd are not supported */
	if (strcmp(t[p].s, "-P") != 0)
		return fail(k, "expected -P, got '%s'", t[p].s);
	rc = spd_one(k, t, n, p + 1, type, &src, splen, &dst, dplen, up, 0);
	if (rc < 0)
		return rc;
	/* setkey on Linux: every inbound policy gets its fwd twin */
	if (p + 1 < n && strcmp(t[p + 1].s, "in") == 0)
		rc = spd_one(k, t, n, p + 1, type, &src, splen, &dst, dplen,
		    up, 1);
	return rc;
}

static int
cmd_simple(struct sk *k, struct tok *t, int n, uint8_t type,
    enum pfk_setkey_op op)
{
	struct pfk_build b;
	int satype = SADB_SATYPE_UNSPEC, natt;

	if (n > 2)
		return fail(k, "%s: unexpected '%s'", t[0].s, t[2].s);
	if (n == 2) {
		if (type == SADB_X_SPDFLUSH || type == SADB_X_SPDDUMP)
			return fail(k, "%s: unexpected '%s'", t[0].s, t[1].s);
		satype = proto_satype(k, t[1].s, &natt);
		if (satype < 0)
			return satype;
	}
	msg_init(k, &b, type, (uint8_t)satype);
	return emit(k, &b, op);
}

static int
statement(struct sk *k, struct tok *t, int n)
{
	const char *c = t[0].s;

	k->line = t[0].line;
	if (strcmp(c, "add") == 0)
		return cmd_add(k, t, n);
	if (strcmp(c, "get") == 0)
		return cmd_sa(k, t, n, SADB_GET);
	if (strcmp(c, "delete") == 0 || strcmp(c, "deleteall") == 0)
		return cmd_sa(k, t, n, SADB_DELETE);
	if (strcmp(c, "flush") == 0)
		return cmd_simple(k, t, n, SADB_FLUSH, PFK_SK_SEND);
	if (strcmp(c, "dump") == 0)
		return cmd_simple(k, t, n, SADB_DUMP, PFK_SK_DUMP);
	if (strcmp(c, "spdadd") == 0)
		return cmd_spd(k, t, n, SADB_X_SPDADD);
	if (strcmp(c, "spdupdate") == 0)
		return cmd_spd(k, t, n, SADB_X_SPDUPDATE);
	if (strcmp(c, "spddelete") == 0)
		return cmd_spd(k, t, n, SADB_X_SPDDELETE);
	if (strcmp(c, "spdflush") == 0)
		return cmd_simple(k, t, n, SADB_X_SPDFLUSH, PFK_SK_SEND);
	if (strcmp(c, "spddump") == 0)
		return cmd_simple(k, t, n, SADB_X_SPDDUMP, PFK_SK_DUMP);
	return fail(k, "unknown command '%s'", c);
}

int
pfk_setkey_run_string(const char *text, const char *name, uint32_t pid,
    pfk_setkey_fn fn, void *arg, char *err, size_t errlen)
{
	struct sk *k;
	struct tok t[MAXTOK];
	char *copy, *p;
	unsigned int line = 1;
	int n = 0, rc = 0;

	k = calloc(1, sizeof(*k));
	copy = strdup(text);
	if (k == NULL || copy == NULL) {
		free(k);
		free(copy);
		return -ENOMEM;
	}
	k->pid = pid;
	k->fn = fn;
	k->arg = arg;
	k->name = name;
	k->err = err;
	k->errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	p = copy;
	while (*p != '\0' && rc == 0) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (*p == ';') {
			*p++ = '\0';
			if (n > 0)
				rc = statement(k, t, n);
			n = 0;
		} else {
			char *start = p;

			if (n == MAXTOK) {
				k->line = line;
				rc = fail(k, "statement too long");
				break;
			}
			if (*p == '"') {
				p = strchr(p + 1, '"');
				if (p == NULL) {
					k->line = line;
					rc = fail(k, "unterminated string");
					break;
				}
				p++;
			} else {
				while (*p != '\0' && !isspace((unsigned char)*p)
				    && *p != ';')
					p++;
			}
			t[n].s = start;
			t[n].line = line;
			n++;
			if (*p == ';') {
				*p++ = '\0';
				rc = statement(k, t, n);
				n = 0;
			} else if (*p != '\0') {
				if (*p == '\n')
					line++;
				*p++ = '\0';
			}
		}
	}
	if (rc == 0 && n > 0) {
		k->line = t[0].line;
		rc = fail(k, "missing ';' after '%s'", t[n - 1].s);
	}
	memset(copy, 0, strlen(text));	/* keys were in there */
	free(copy);
	memset(k, 0, sizeof(*k));
	free(k);
	return rc;
}

int
pfk_setkey_run(FILE *f, const char *name, uint32_t pid, pfk_setkey_fn fn,
    void *arg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	for (;;) {
		if (cap - len < 4096) {
			char *nt = realloc(text, cap + 65536);

			if (nt == NULL) {
				free(text);
				return -ENOMEM;
			}
			text = nt;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	text[len] = '\0';
	rc = pfk_setkey_run_string(text, name, pid, fn, arg, err, errlen);
	memset(text, 0, len);
	free(text);
	return rc;
}
