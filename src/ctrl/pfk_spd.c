/*
 * SPD message handlers (KAME extensions): X_SPDADD, X_SPDUPDATE,
 * X_SPDDELETE (by selector), X_SPDDELETE2 and X_SPDGET (by id),
 * X_SPDFLUSH, X_SPDDUMP.
 *
 * The request's X_POLICY is stored with the policy (spd blob) and echoed
 * unchanged in replies and dumps with the id filled in: setkey checks the
 * priority it sent.  Flush and delete are complete and immediate (lesson
 * 2, done by spd).  SPD messages carry satype 0 (not enforced: Linux
 * ignores it).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "ctrl_priv.h"
#include "pfk_conv.h"

static void
sel_side(const void *ext, uint8_t *addr, uint8_t *plen, uint16_t *lo,
    uint16_t *hi)
{
	const struct sadb_address *a = ext;
	struct sa_addr sa;
	uint16_t port = pfk_conv_port(ext);

	pfk_conv_addr(ext, &sa);
	memcpy(addr, sa.a.raw, 16);
	*plen = a->sadb_address_prefixlen;
	*lo = port;
	*hi = port == 0 ? 65535 : port;
}

static int
selector_in(const struct pfk_msg *m, struct spd_selector *sel)
{
	const struct sadb_address *s = m->ext[SADB_EXT_ADDRESS_SRC];
	const struct sadb_address *d = m->ext[SADB_EXT_ADDRESS_DST];

	memset(sel, 0, sizeof(*sel));
	if (pfk_addr_sa(s)->sa_family != pfk_addr_sa(d)->sa_family)
		return -EINVAL;
	if (s->sadb_address_proto != d->sadb_address_proto)
		return -EINVAL;
	sel->af = pfk_addr_sa(s)->sa_family;
	sel->proto = s->sadb_address_proto;
	sel_side(s, sel->src, &sel->src_plen, &sel->sport_lo, &sel->sport_hi);
	sel_side(d, sel->dst, &sel->dst_plen, &sel->dport_lo, &sel->dport_hi);
	return 0;
}

static int
dir_in(const struct sadb_x_policy *xp)
{
	if (xp->sadb_x_policy_dir < IPSEC_DIR_INBOUND ||
	    xp->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	return xp->sadb_x_policy_dir - 1;
}

static int
tmpl_in(const struct sadb_x_ipsecrequest *rq, struct spd_tmpl *t)
{
	const struct sockaddr *s, *d;
	struct sa_addr a;
	size_t salen;

	memset(t, 0, sizeof(*t));
	if (rq->sadb_x_ipsecrequest_proto != IPPROTO_ESP)
		return -EPROTONOSUPPORT;	/* dpsec is ESP only */
	t->proto = IPPROTO_ESP;
	t->mode = rq->sadb_x_ipsecrequest_mode;
	t->level = rq->sadb_x_ipsecrequest_level;
	t->reqid = rq->sadb_x_ipsecrequest_reqid;
	if (rq->sadb_x_ipsecrequest_len == sizeof(*rq))
		return 0;
	s = (const struct sockaddr *)(rq + 1);
	salen = pfk_sockaddr_len(s->sa_family);
	d = (const struct sockaddr *)((const uint8_t *)s + salen);
	t->af = s->sa_family;
	/* pfk_conv_addr wants an extension: fake its header offset. */
	pfk_conv_addr((const uint8_t *)s - sizeof(struct sadb_address), &a);
	memcpy(t->tun_src, a.a.raw, 16);
	pfk_conv_addr((const uint8_t *)d - sizeof(struct sadb_address), &a);
	memcpy(t->tun_dst, a.a.raw, 16);
	return 0;
}

/* Everything SPDADD/SPDUPDATE take from the message; no side effects. */
static int
conf_in(const struct pfk_msg *m, struct spd_policy_conf *conf)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const struct sadb_lifetime *hard = m->ext[SADB_EXT_LIFETIME_HARD];
	const struct sadb_lifetime *soft = m->ext[SADB_EXT_LIFETIME_SOFT];
	const struct sadb_x_ipsecrequest *rq;
	int rc;

	memset(conf, 0, sizeof(*conf));
	rc = dir_in(xp);
	if (rc < 0)
		return rc;
	conf->dir = (enum spd_dir)rc;
	rc = selector_in(m, &conf->sel);
	if (rc != 0)
		return rc;
	switch (xp->sadb_x_policy_type) {
	case IPSEC_POLICY_DISCARD:
		conf->action = SPD_ACT_DISCARD;
		break;
	case IPSEC_POLICY_NONE:
		conf->action = SPD_ACT_BYPASS;
		break;
	case IPSEC_POLICY_IPSEC:
		conf->action = SPD_ACT_PROTECT;
		break;
	default:
		return -EINVAL;	/* entrust, bypass: not for the SPD (Linux) */
	}
	for (rq = pfk_policy_next_req(xp, NULL); rq != NULL;
	    rq = pfk_policy_next_req(xp, rq)) {
		if (conf->ntmpl == SPD_TMPL_MAX)
			return -EINVAL;
		rc = tmpl_in(rq, &conf->tmpl[conf->ntmpl]);
		if (rc != 0)
			return rc;
		if (conf->tmpl[conf->ntmpl].mode == IPSEC_MODE_TUNNEL &&
		    conf->tmpl[conf->ntmpl].af == 0)
			return -EINVAL;
		conf->ntmpl++;
	}
	if (conf->action == SPD_ACT_PROTECT && conf->ntmpl == 0)
		return -EINVAL;
	conf->priority = xp->sadb_x_policy_priority;
	if (hard != NULL) {
		conf->lft.hard_add = hard->sadb_lifetime_addtime;
		conf->lft.hard_use = hard->sadb_lifetime_usetime;
	}
	if (soft != NULL) {
		conf->lft.soft_add = soft->sadb_lifetime_addtime;
		conf->lft.soft_use = soft->sadb_lifetime_usetime;
	}
	conf->id = xp->sadb_x_policy_id;
	if (PFK_UNUNIT64(xp->sadb_x_policy_len) > SPD_BLOB_MAX)
		return -EINVAL;
	conf->blob = xp;
	conf->blob_len = (uint16_t)PFK_UNUNIT64(xp->sadb_x_policy_len);
	return 0;
}

/* A policy message (reply or dump entry) into c->out. */
static int
build_policy(struct ctrl *c, const struct sadb_msg *hdr,
    const struct spd_policy *p)
{
	struct pfk_build b;

	pfk_build_init(&b, c->out, sizeof(c->out), hdr, 0);
	pfk_conv_policy_body(&b, p);
	return pfk_build_finish(&b);
}

static int
bcast_policy(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m,
    const struct spd_policy *p)
{
	int len = build_policy(c, m->hdr, p);

	if (len < 0)
		return len;
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

static int
add_or_update(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m,
    int update)
{
	struct spd_policy_conf conf;
	const struct spd_policy *p;
	int rc;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	rc = conf_in(m, &conf);
	if (rc != 0)
		return rc;
	rc = update ? spd_update(c->spd, &conf, &p) :
	    spd_add(c->spd, &conf, &p);
	if (rc != 0)
		return rc;
	return bcast_policy(c, cl, m, p);
}

int
pfk_spd_add(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	return add_or_update(c, cl, m, 0);
}

int
pfk_spd_update(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m)
{
	return add_or_update(c, cl, m, 1);
}

int
pfk_spd_delete(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	struct spd_selector sel;
	const struct spd_policy *p;
	int dir, rc, len;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	dir = dir_in(xp);
	if (dir < 0)
		return dir;
	rc = selector_in(m, &sel);
	if (rc != 0)
		return rc;
	p = spd_find(c->spd, (enum spd_dir)dir, &sel);
	if (p == NULL)
		return -ENOENT;
	len = build_policy(c, m->hdr, p);	/* before it goes */
	if (len < 0)
		return len;
	rc = spd_delete_by_selector(c->spd, (enum spd_dir)dir, &sel);
	if (rc != 0)
		return rc;
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_spd_delete2(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const struct spd_policy *p;
	int rc, len;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	p = spd_get_by_id(c->spd, xp->sadb_x_policy_id);
	if (p == NULL)
		return -ENOENT;
	len = build_policy(c, m->hdr, p);
	if (len < 0)
		return len;
	rc = spd_delete_by_id(c->spd, xp->sadb_x_policy_id);
	if (rc != 0)
		return rc;
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_spd_get(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const struct spd_policy *p;
	int len;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	p = spd_get_by_id(c->spd, xp->sadb_x_policy_id);
	if (p == NULL)
		return -ENOENT;
	len = build_policy(c, m->hdr, p);
	if (len < 0)
		return len;
	ctrl_send_one(c, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_spd_flush(struct ctrl *c, struct ctrl_client *cl,
    const struct pfk_msg *m)
{
	struct pfk_build b;
	int len;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	(void)spd_flush(c->spd);
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

static int
dump_emit(struct ctrl *c, void *src, uint32_t i, struct pfk_build *b)
{
	(void)c;
	pfk_conv_policy_body(b, spd_snapshot_get(src, i));
	return 0;
}

static void
dump_end(void *src)
{
	spd_snapshot_free(src);
}

static const struct ctrl_dump_ops spd_dump_ops = {
	.emit = dump_emit,
	.end = dump_end,
};

int
pfk_spd_dump(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	struct spd_snapshot *s;

	if (c->spd == NULL)
		return -EOPNOTSUPP;
	s = spd_snapshot_create(c->spd, -1);
	if (s == NULL)
		return -ENOBUFS;
	ctrl_dump_start(c, cl, m->hdr, &spd_dump_ops, s,
	    spd_snapshot_count(s));
	return 0;
}
