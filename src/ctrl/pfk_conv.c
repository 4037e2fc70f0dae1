/*
 * PF_KEY <-> sadb/spd objects.  Replies never carry keys (STYLE.md
 * section 6; OpenBSD "exclude sensitive data from reply message"), also
 * not GET and DUMP: operators see algorithms and sizes, not secrets.
 */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pfk_conv.h"

const struct sockaddr *
pfk_conv_sockaddr(const struct sa_addr *a, uint16_t port_be,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = port_be;
		memcpy(&s6->sin6_addr, a->a.v6, 16);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = port_be;
		memcpy(&s4->sin_addr, &a->a.v4, 4);
	}
	return (const struct sockaddr *)ss;
}

uint8_t
pfk_conv_plen(const struct sa_addr *a)
{
	return a->family == AF_INET6 ? 128 : 32;
}

void
pfk_conv_addr(const void *ext, struct sa_addr *out)
{
	const struct sockaddr *sa = pfk_addr_sa(ext);

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		sa_addr_v6(out, s6->sin6_addr.s6_addr);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		sa_addr_v4(out, s4->sin_addr.s_addr);
	}
}

uint16_t
pfk_conv_port(const void *ext)
{
	const struct sockaddr *sa = pfk_addr_sa(ext);

	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

static void
lifetime(struct pfk_build *b, uint16_t type, const struct sa_lifetime *l)
{
	pfk_build_lifetime(b, type, (uint32_t)(l->packets > UINT32_MAX ?
	    UINT32_MAX : l->packets), l->bytes, l->addtime, l->usetime);
}

static int
lifetime_set(const struct sa_lifetime *l)
{
	return l->packets || l->bytes || l->addtime || l->usetime;
}

void
pfk_conv_sa_body(struct pfk_build *b, const struct sa *sa,
    enum pfk_conv_kind kind)
{
	struct sockaddr_storage ss;
	struct sa_current cur;
	uint32_t flags = sa->pfkey_flags;
	enum sa_state st = sa_state(sa);

	pfk_build_sa(b, htonl(sa->spi), sa->replay_window > 255 ? 255 :
	    (uint8_t)sa->replay_window, sa_state_to_sadb(st), sa->aalg,
	    sa->ealg, flags);
	if (kind != PFK_CONV_REPLY) {
		sa_current(sa, &cur);
		pfk_build_lifetime(b, SADB_EXT_LIFETIME_CURRENT,
		    (uint32_t)(cur.packets > UINT32_MAX ? UINT32_MAX :
		    cur.packets), cur.bytes, cur.addtime, cur.usetime);
	}
	/* EXPIRE carries exactly one of HARD or SOFT, even all zero (the
	 * limit was then the sequence space, not a lifetime). */
	if (kind == PFK_CONV_EXPIRE_HARD || ((kind == PFK_CONV_GET ||
	    kind == PFK_CONV_REPLY) && lifetime_set(&sa->hard)))
		lifetime(b, SADB_EXT_LIFETIME_HARD, &sa->hard);
	if (kind == PFK_CONV_EXPIRE_SOFT || ((kind == PFK_CONV_GET ||
	    kind == PFK_CONV_REPLY) && lifetime_set(&sa->soft)))
		lifetime(b, SADB_EXT_LIFETIME_SOFT, &sa->soft);
	pfk_build_address(b, SADB_EXT_ADDRESS_SRC,
	    pfk_conv_sockaddr(&sa->src, 0, &ss), pfk_conv_plen(&sa->src),
	    IPSEC_ULPROTO_ANY);
	pfk_build_address(b, SADB_EXT_ADDRESS_DST,
	    pfk_conv_sockaddr(&sa->dst, 0, &ss), pfk_conv_plen(&sa->dst),
	    IPSEC_ULPROTO_ANY);
	/* Mode "any" (0) is reported as transport (KAME/Linux). */
	pfk_build_sa2(b, sa->mode == 0 ? IPSEC_MODE_TRANSPORT : sa->mode,
	    sa->reqid);
	if (sa->flags & SA_F_NATT) {
		struct sadb_x_nat_t_type *t;
		struct sadb_x_nat_t_port *p;

		t = pfk_build_ext(b, SADB_X_EXT_NAT_T_TYPE, sizeof(*t));
		if (t != NULL)
			t->sadb_x_nat_t_type_type = sa->natt_type;
		p = pfk_build_ext(b, SADB_X_EXT_NAT_T_SPORT, sizeof(*p));
		if (p != NULL)
			p->sadb_x_nat_t_port_port = sa->natt_sport;
		p = pfk_build_ext(b, SADB_X_EXT_NAT_T_DPORT, sizeof(*p));
		if (p != NULL)
			p->sadb_x_nat_t_port_port = sa->natt_dport;
		if (sa->natt_oa.family != 0)
			pfk_build_address(b, SADB_X_EXT_NAT_T_OA,
			    pfk_conv_sockaddr(&sa->natt_oa, 0, &ss),
			    pfk_conv_plen(&sa->natt_oa), 0);
	}
	if (sa->replay_window > 255)
		pfk_build_sa_replay(b, sa->replay_window);
}

static void
sel_addr(struct pfk_build *b, uint16_t type, const struct spd_selector *s,
    int is_src)
{
	struct sockaddr_storage ss;
	struct sa_addr a;
	uint16_t lo = is_src ? s->sport_lo : s->dport_lo;
	uint16_t hi = is_src ? s->sport_hi : s->dport_hi;
	uint16_t port = lo == hi ? lo : 0;

	memset(&a, 0, sizeof(a));
	a.family = s->af;
	memcpy(a.a.raw, is_src ? s->src : s->dst, 16);
	pfk_build_address(b, type, pfk_conv_sockaddr(&a, htons(port), &ss),
	    is_src ? s->src_plen : s->dst_plen, s->proto);
}

void
pfk_conv_policy_body(struct pfk_build *b, const struct spd_policy *p)
{
	struct sadb_x_policy *xp;
	struct sadb_x_ipsecrequest *rq;
	size_t salen, rqlen, total = 0;
	unsigned int i;
	uint8_t *q;

	sel_addr(b, SADB_EXT_ADDRESS_SRC, &p->sel, 1);
	sel_addr(b, SADB_EXT_ADDRESS_DST, &p->sel, 0);
	pfk_build_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, p->lft.hard_add,
	    p->lft.hard_use);
	pfk_build_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, p->lft.soft_add,
	    p->lft.soft_use);
	pfk_build_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 0, 0, p->add_time,
	    __atomic_load_n(&p->use_time, __ATOMIC_RELAXED));
	if (p->blob != NULL && p->blob_len >= sizeof(*xp)) {
		/* The request's X_POLICY unchanged (priority included), with
		 * the id filled in (setkey checks the priority echo). */
		xp = pfk_build_copy(b, p->blob);
		if (xp != NULL)
			xp->sadb_x_policy_id = p->id;
		return;
	}
	for (i = 0; i < p->ntmpl; i++)
		total += PFK_ALIGN8(sizeof(*rq) + (p->tmpl[i].af == 0 ? 0 :
		    2 * pfk_sockaddr_len(p->tmpl[i].af)));
	xp = pfk_build_ext(b, SADB_X_EXT_POLICY, sizeof(*xp) + total);
	if (xp == NULL)
		return;
	xp->sadb_x_policy_type = p->action;
	xp->sadb_x_policy_dir = p->dir + 1;
	xp->sadb_x_policy_id = p->id;
	xp->sadb_x_policy_priority = p->priority;
	q = (uint8_t *)(xp + 1);
	for (i = 0; i < p->ntmpl; i++) {
		const struct spd_tmpl *t = &p->tmpl[i];
		struct sockaddr_storage ss;
		struct sa_addr a;

		salen = t->af == 0 ? 0 : pfk_sockaddr_len(t->af);
		rqlen = PFK_ALIGN8(sizeof(*rq) + 2 * salen);
		rq = (struct sadb_x_ipsecrequest *)q;
		rq->sadb_x_ipsecrequest_len = (uint16_t)rqlen;
		rq->sadb_x_ipsecrequest_proto = t->proto;
		rq->sadb_x_ipsecrequest_mode = t->mode;
		rq->sadb_x_ipsecrequest_level = t->level;
		rq->sadb_x_ipsecrequest_reqid = t->reqid;
		if (salen != 0) {
			memset(&a, 0, sizeof(a));
			a.family = t->af;
			memcpy(a.a.raw, t->tun_src, 16);
			memcpy(rq + 1, pfk_conv_sockaddr(&a, 0, &ss), salen);
			memcpy(a.a.raw, t->tun_dst, 16);
			memcpy((uint8_t *)(rq + 1) + salen,
			    pfk_conv_sockaddr(&a, 0, &ss), salen);
		}
		q += rqlen;
	}
}
