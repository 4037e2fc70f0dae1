/*
 * SA message handlers: GETSPI, UPDATE, ADD, DELETE, GET, FLUSH, DUMP.
 *
 * Each handler turns the validated extensions into sadb parameters and
 * checks everything sadb cannot know (algorithms and key sizes, lifetimes
 * that come in pairs, NAT-T completeness) before the one sad_* call that
 * changes state, so a request applies fully or not at all.  SA identity is
 * (protocol, destination, SPI); the source does not take part in GET and
 * DELETE (Linux).  Replies follow af_key: ADD/UPDATE/DELETE/FLUSH results
 * go to every socket (keys left out), GET/GETSPI/DUMP to the sender.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "ctrl_priv.h"
#include "pfk_conv.h"

/* Satype of an SA request -> IP protocol; dpsec implements ESP only. */
static int
sa_proto(const struct pfk_msg *m, int allow_any)
{
	int p = sa_proto_from_satype(m->hdr->sadb_msg_satype);

	if (p == 0 && allow_any)
		return 0;
	if (p != IPPROTO_ESP)
		return p < 0 || p == 0 ? -EINVAL : -EPROTONOSUPPORT;
	return p;
}

static int
same_family(const struct pfk_msg *m)
{
	const void *s = m->ext[SADB_EXT_ADDRESS_SRC];
	const void *d = m->ext[SADB_EXT_ADDRESS_DST];

	if (s == NULL || d == NULL)
		return 1;
	return pfk_addr_sa(s)->sa_family == pfk_addr_sa(d)->sa_family;
}

static void
lifetime_in(const struct sadb_lifetime *l, struct sa_lifetime *out)
{
	out->packets = l->sadb_lifetime_allocations;
	out->bytes = l->sadb_lifetime_bytes;
	out->addtime = l->sadb_lifetime_addtime;
	out->usetime = l->sadb_lifetime_usetime;
}

static int
key_in(const struct pfk_msg *m, uint16_t type, const struct pfk_alg *a,
    const uint8_t **key, uint16_t *len)
{
	const struct sadb_key *k = m->ext[type];

	*key = NULL;
	*len = 0;
	if (a == NULL || a->maxbits == 0)
		return k == NULL || k->sadb_key_bits == 0 ? 0 : -EINVAL;
	if (k == NULL)
		return -EINVAL;
	if (k->sadb_key_bits % 8 != 0 || !pfk_alg_key_ok(a, k->sadb_key_bits))
		return -EINVAL;
	*key = (const uint8_t *)(k + 1);
	*len = k->sadb_key_bits / 8;
	return 0;
}

/* Everything ADD and UPDATE take from the message; no side effects. */
static int
params_in(const struct pfk_msg *m, struct sa_params *p)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	const struct sadb_x_sa2 *s2 = m->ext[SADB_X_EXT_SA2];
	const struct sadb_x_sa_replay *rp = m->ext[SADB_X_EXT_SA_REPLAY];
	const struct sadb_lifetime *hard = m->ext[SADB_EXT_LIFETIME_HARD];
	const struct sadb_lifetime *soft = m->ext[SADB_EXT_LIFETIME_SOFT];
	const struct pfk_alg *enc, *auth = NULL;
	uint32_t natt;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = sa_proto(m, 0);
	if (rc < 0)
		return rc;
	p->proto = (uint8_t)rc;
	if (!same_family(m))
		return -EINVAL;
	p->spi = ntohl(s->sadb_sa_spi);
	if (p->spi < 256)
		return -EINVAL;	/* 0 invalid, 1-255 reserved (RFC 4303) */
	/* sadb_sa_state is ignored: setkey sends LARVAL. */
	enc = pfk_alg_enc(s->sadb_sa_encrypt);
	if (enc == NULL)
		return -ENOSYS;
	if (s->sadb_sa_auth != SADB_AALG_NONE) {
		auth = pfk_alg_auth(s->sadb_sa_auth);
		if (auth == NULL)
			return -ENOSYS;
		if (enc->aead)
			return -EINVAL;	/* AEAD authenticates itself */
	} else if (enc->id == SADB_EALG_NULL) {
		return -EINVAL;	/* ESP with neither */
	}
	rc = key_in(m, SADB_EXT_KEY_ENCRYPT, enc, &p->enc_key,
	    &p->enc_key_len);
	if (rc == 0)
		rc = key_in(m, SADB_EXT_KEY_AUTH, auth, &p->auth_key,
		    &p->auth_key_len);
	if (rc != 0)
		return rc;
	p->ealg = enc->id;
	p->aalg = auth != NULL ? auth->id : SADB_AALG_NONE;
	p->pfkey_flags = s->sadb_sa_flags;
	if (s->sadb_sa_flags & SADB_SAFLAGS_DECAP_DSCP)
		p->flags |= SA_F_DECAP_DSCP;
	if (s->sadb_sa_flags & SADB_SAFLAGS_NOPMTUDISC)
		p->flags |= SA_F_NOPMTUDISC;
	/* Window in packets (Linux); X_SA_REPLAY overrides for > 255. */
	p->replay_window = rp != NULL ? rp->sadb_x_sa_replay_replay :
	    s->sadb_sa_replay;
	if (p->replay_window > SA_REPLAY_MAX)
		return -EINVAL;
	if (s2 != NULL) {
		p->mode = s2->sadb_x_sa2_mode;
		p->reqid = s2->sadb_x_sa2_reqid;
	}
	if ((hard == NULL) != (soft == NULL))
		return -EINVAL;	/* both or neither */
	if (hard != NULL) {
		lifetime_in(hard, &p->hard);
		lifetime_in(soft, &p->soft);
	}
	natt = m->present & (PFK_EXT_BIT(SADB_X_EXT_NAT_T_TYPE) |
	    PFK_EXT_BIT(SADB_X_EXT_NAT_T_SPORT) |
	    PFK_EXT_BIT(SADB_X_EXT_NAT_T_DPORT));
	if (natt != 0) {
		const struct sadb_x_nat_t_type *t =
		    m->ext[SADB_X_EXT_NAT_T_TYPE];
		const struct sadb_x_nat_t_port *sp =
		    m->ext[SADB_X_EXT_NAT_T_SPORT];
		const struct sadb_x_nat_t_port *dp =
		    m->ext[SADB_X_EXT_NAT_T_DPORT];

		if (t == NULL || sp == NULL || dp == NULL)
			return -EINVAL;
		p->flags |= SA_F_NATT;
		p->natt_type = t->sadb_x_nat_t_type_type;
		p->natt_sport = sp->sadb_x_nat_t_port_port;
		p->natt_dport = dp->sadb_x_nat_t_port_port;
	} else if (m->ext[SADB_X_EXT_NAT_T_OA] != NULL) {
		return -EINVAL;
	}
	if (m->ext[SADB_X_EXT_NAT_T_OA] != NULL)
		pfk_conv_addr(m->ext[SADB_X_EXT_NAT_T_OA], &p->natt_oa);
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_SRC], &p->src);
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_DST], &p->dst);
	p->seq = m->hdr->sadb_msg_seq;
	return 0;
}

/* ADD/UPDATE result to every socket, keys left out. */
static int
bcast_sa(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m,
    const struct sa *sa)
{
	struct pfk_build b;
	int len;

	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	pfk_conv_sa_body(&b, sa, PFK_CONV_REPLY);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;	/* cannot happen with a valid SA */
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_sa_getspi(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_spirange *r = m->ext[SADB_EXT_SPIRANGE];
	const struct sadb_x_sa2 *s2 = m->ext[SADB_X_EXT_SA2];
	struct sa_params p;
	struct pfk_build b;
	struct sa *sa;
	int rc, len;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	memset(&p, 0, sizeof(p));
	rc = sa_proto(m, 0);
	if (rc < 0)
		return rc;
	if (!same_family(m))
		return -EINVAL;
	p.proto = (uint8_t)rc;
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_SRC], &p.src);
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_DST], &p.dst);
	if (s2 != NULL) {
		p.mode = s2->sadb_x_sa2_mode;
		p.reqid = s2->sadb_x_sa2_reqid;
	}
	p.seq = m->hdr->sadb_msg_seq;
	rc = sad_getspi(c->sad, &p, r != NULL ? r->sadb_spirange_min : 0,
	    r != NULL ? r->sadb_spirange_max : 0, &sa);
	if (rc != 0)
		return rc;
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	pfk_build_sa(&b, htonl(sa->spi), 0, SADB_SASTATE_LARVAL, 0, 0, 0);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_SRC]);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_DST]);
	pfk_build_sa2(&b, p.mode == 0 ? IPSEC_MODE_TRANSPORT : p.mode,
	    p.reqid);
	len = pfk_build_finish(&b);
	if (len < 0) {
		sad_delete_sa(c->sad, sa);
		return len;
	}
	ctrl_send_one(c, cl, c->out, (size_t)len);
	return 0;
}

static int
add_or_update(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m,
    int update)
{
	struct sa_params p;
	struct sa *sa = NULL;
	int rc;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	rc = params_in(m, &p);
	if (rc != 0)
		return rc;
	rc = update ? sad_update(c->sad, &p, &sa) : sad_add(c->sad, &p, &sa);
	if (rc != 0)
		return rc;
	return bcast_sa(c, cl, m, sa);
}

int
pfk_sa_update(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	return add_or_update(c, cl, m, 1);
}

int
pfk_sa_add(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	return add_or_update(c, cl, m, 0);
}

/* KAME "deleteall": DELETE without an SA extension removes every SA of the
 * protocol between the two addresses. */
static int
delete_all(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m,
    uint8_t proto)
{
	struct sa_addr src, dst;
	struct sad_dump *d;
	struct pfk_build b;
	struct sa *sa;
	uint32_t n = 0;
	int len;

	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_SRC], &src);
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_DST], &dst);
	d = sad_dump_start(c->sad, proto);
	if (d == NULL)
		return -ENOBUFS;
	while ((sa = sad_dump_next(d)) != NULL) {
		if (sa_state(sa) == SA_DEAD || sa->kind != SA_KIND_NORMAL ||
		    memcmp(&sa->src, &src, sizeof(src)) != 0 ||
		    memcmp(&sa->dst, &dst, sizeof(dst)) != 0)
			continue;
		if (sad_delete_sa(c->sad, sa) == 0)
			n++;
	}
	sad_dump_end(d);
	if (n == 0)
		return -ESRCH;
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_SRC]);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_DST]);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;	/* a bug in the reply, not silence */
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_sa_delete(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	struct sa_addr dst;
	struct pfk_build b;
	int rc, len;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	rc = sa_proto(m, 0);
	if (rc < 0)
		return rc;
	if (!same_family(m))
		return -EINVAL;
	if (s == NULL)
		return delete_all(c, cl, m, (uint8_t)rc);
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_DST], &dst);
	rc = sad_delete(c->sad, (uint8_t)rc, &dst, ntohl(s->sadb_sa_spi));
	if (rc != 0)
		return rc;
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	pfk_build_copy(&b, s);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_SRC]);
	pfk_build_copy(&b, m->ext[SADB_EXT_ADDRESS_DST]);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;	/* a bug in the reply, not silence */
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_sa_get(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	struct sa_addr dst;
	struct pfk_build b;
	struct sa *sa;
	int rc, len;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	rc = sa_proto(m, 0);
	if (rc < 0)
		return rc;
	pfk_conv_addr(m->ext[SADB_EXT_ADDRESS_DST], &dst);
	rc = sad_get(c->sad, (uint8_t)rc, &dst, ntohl(s->sadb_sa_spi), &sa);
	if (rc != 0)
		return rc;
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	pfk_conv_sa_body(&b, sa, PFK_CONV_GET);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	ctrl_send_one(c, cl, c->out, (size_t)len);
	return 0;
}

int
pfk_sa_flush(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	struct pfk_build b;
	int rc, len;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	rc = sa_proto(m, 1);
	if (rc < 0)
		return rc;
	(void)sad_flush(c->sad, (uint8_t)rc);
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;	/* a bug in the reply, not silence */
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

/* DUMP: a consistent snapshot held by sadb (sad_dump_*), streamed. */
static int
dump_emit(struct ctrl *c, void *src, uint32_t i, struct pfk_build *b)
{
	struct sa *sa = sad_dump_next(src);
	struct sadb_msg *h = (struct sadb_msg *)b->buf;

	(void)c;
	(void)i;
	if (sa == NULL)
		return -ENOBUFS;	/* snapshot shorter than counted */
	h->sadb_msg_satype = sa_satype_from_proto(sa->proto);
	pfk_conv_sa_body(b, sa, PFK_CONV_GET);
	return 0;
}

static void
dump_end(void *src)
{
	sad_dump_end(src);
}

static const struct ctrl_dump_ops sa_dump_ops = {
	.emit = dump_emit,
	.end = dump_end,
};

int
pfk_sa_dump(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	struct sad_dump *d;
	int rc;

	if (c->sad == NULL)
		return -EOPNOTSUPP;
	rc = sa_proto(m, 1);
	if (rc < 0)
		return rc;
	d = sad_dump_start(c->sad, (uint8_t)rc);
	if (d == NULL)
		return -ENOBUFS;
	ctrl_dump_start(c, cl, m->hdr, &sa_dump_ops, d, sad_dump_count(d));
	return 0;
}
