/*
 * PF_KEY dispatch: the handler table (Linux pfkey_funcs style, STYLE.md
 * section 7) and the handlers that touch neither the SAD nor the SPD
 * (REGISTER, X_PROMISC, a key manager's ACQUIRE), plus the messages dpsecd
 * originates (ACQUIRE, EXPIRE, SPDEXPIRE).  SA handlers are in pfk_sa.c,
 * SPD handlers in pfk_spd.c.  Every handler runs on a fully validated
 * message (pfk_parse) and either applies completely or returns -errno
 * before changing anything.
 */
#include <errno.h>
#include <string.h>

#include "ctrl_priv.h"
#include "pfk_conv.h"

static int
reply_register(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct pfk_build b;
	struct sadb_supported *sup;
	struct sadb_alg *alg;
	const struct pfk_alg *t;
	unsigned int i, n;
	int pass, len;

	if (h->sadb_msg_satype != SADB_SATYPE_UNSPEC)
		cl->registered |= UINT32_C(1) << h->sadb_msg_satype;
	pfk_build_init(&b, c->out, sizeof(c->out), h, 0);
	for (pass = 1; pass >= 0; pass--) {
		t = pfk_alg_table(pass, &n);
		sup = pfk_build_ext(&b, pass ? SADB_EXT_SUPPORTED_AUTH :
		    SADB_EXT_SUPPORTED_ENCRYPT, sizeof(*sup) + n * sizeof(*alg));
		if (sup == NULL)
			return -ENOBUFS;
		alg = (struct sadb_alg *)(sup + 1);
		for (i = 0; i < n; i++) {
			alg[i].sadb_alg_id = t[i].id;
			alg[i].sadb_alg_ivlen = t[i].ivlen;
			alg[i].sadb_alg_minbits = t[i].minbits;
			alg[i].sadb_alg_maxbits = t[i].maxbits;
		}
	}
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	/* To the sender and every socket registered for this satype. */
	if (h->sadb_msg_satype == SADB_SATYPE_UNSPEC)
		ctrl_send_one(c, cl, c->out, (size_t)len);
	else
		ctrl_broadcast(c, CTRL_BCAST_REGISTERED, h->sadb_msg_satype,
		    cl, c->out, (size_t)len);
	return 0;
}

static int
handle_promisc(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	struct pfk_build b;
	int len;

	/* Linux: satype 1 turns promiscuous mode on, 0 off. */
	if (m->hdr->sadb_msg_satype > 1)
		return -EINVAL;
	cl->promisc = m->hdr->sadb_msg_satype == 1;
	pfk_build_init(&b, c->out, sizeof(c->out), m->hdr, 0);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	ctrl_broadcast(c, CTRL_BCAST_ALL, 0, cl, c->out, (size_t)len);
	return 0;
}

/*
 * A key manager's ACQUIRE: with an errno it reports that the negotiation
 * for dpsecd's ACQUIRE of the same seq failed; the acquire ends and its
 * queued packets are dropped (the hook), and no reply is sent.
 */
static int
handle_acquire(struct ctrl *c, struct ctrl_client *cl, const struct pfk_msg *m)
{
	const struct sadb_msg *h = m->hdr;

	if (h->sadb_msg_errno == 0)
		return -EINVAL;	/* only dpsecd originates ACQUIREs */
	if (c->hooks.acquire_failed != NULL)
		c->hooks.acquire_failed(h->sadb_msg_seq, h->sadb_msg_errno,
		    c->hooks.arg);
	return PFK_NOREPLY;
}

const pfk_handler pfk_handlers[SADB_MAX + 1] = {
	[SADB_GETSPI] = pfk_sa_getspi,
	[SADB_UPDATE] = pfk_sa_update,
	[SADB_ADD] = pfk_sa_add,
	[SADB_DELETE] = pfk_sa_delete,
	[SADB_GET] = pfk_sa_get,
	[SADB_ACQUIRE] = handle_acquire,
	[SADB_REGISTER] = reply_register,
	[SADB_FLUSH] = pfk_sa_flush,
	[SADB_DUMP] = pfk_sa_dump,
	[SADB_X_PROMISC] = handle_promisc,
	[SADB_X_SPDUPDATE] = pfk_spd_update,
	[SADB_X_SPDADD] = pfk_spd_add,
	[SADB_X_SPDDELETE] = pfk_spd_delete,
	[SADB_X_SPDGET] = pfk_spd_get,
	[SADB_X_SPDDUMP] = pfk_spd_dump,
	[SADB_X_SPDFLUSH] = pfk_spd_flush,
	[SADB_X_SPDDELETE2] = pfk_spd_delete2,
	/* EXPIRE, X_SPDEXPIRE, X_SPDACQUIRE, X_SPDSETIDX, X_PCHANGE,
	 * X_NAT_T_NEW_MAPPING, X_MIGRATE from a client: EOPNOTSUPP. */
};

/* Messages dpsecd originates ---------------------------------------------- */

int64_t
ctrl_send_acquire(struct ctrl *c, struct sa *acq, const struct spd_policy *pol)
{
	struct sadb_msg h = { .sadb_msg_type = SADB_ACQUIRE };
	struct sockaddr_storage ss;
	struct sadb_x_policy *xp;
	struct pfk_build b;
	uint32_t seq;
	int len;

	seq = ++c->acquire_seq;
	if (seq == 0)
		seq = ++c->acquire_seq;
	h.sadb_msg_satype = sa_satype_from_proto(acq->proto);
	h.sadb_msg_seq = seq;
	pfk_build_init(&b, c->out, sizeof(c->out), &h, 0);
	pfk_build_address(&b, SADB_EXT_ADDRESS_SRC,
	    pfk_conv_sockaddr(&acq->src, 0, &ss), pfk_conv_plen(&acq->src),
	    IPSEC_ULPROTO_ANY);
	pfk_build_address(&b, SADB_EXT_ADDRESS_DST,
	    pfk_conv_sockaddr(&acq->dst, 0, &ss), pfk_conv_plen(&acq->dst),
	    IPSEC_ULPROTO_ANY);
	xp = pfk_build_ext(&b, SADB_X_EXT_POLICY, sizeof(*xp));
	if (xp != NULL) {
		xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
		xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
		xp->sadb_x_policy_id = pol != NULL ? pol->id : 0;
		xp->sadb_x_policy_priority = pol != NULL ? pol->priority : 0;
	}
	if (acq->reqid != 0 || acq->mode != 0)
		pfk_build_sa2(&b, acq->mode, acq->reqid);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	acq->seq = seq;
	ctrl_broadcast(c, CTRL_BCAST_REGISTERED, h.sadb_msg_satype, NULL,
	    c->out, (size_t)len);
	return seq;
}

int
ctrl_send_expire(struct ctrl *c, const struct sa *sa, int hard)
{
	struct sadb_msg h = { .sadb_msg_type = SADB_EXPIRE };
	struct pfk_build b;
	int len;

	h.sadb_msg_satype = sa_satype_from_proto(sa->proto);
	pfk_build_init(&b, c->out, sizeof(c->out), &h, 0);
	pfk_conv_sa_body(&b, sa, hard ? PFK_CONV_EXPIRE_HARD :
	    PFK_CONV_EXPIRE_SOFT);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	return ctrl_broadcast(c, CTRL_BCAST_REGISTERED, h.sadb_msg_satype,
	    NULL, c->out, (size_t)len);
}

int
ctrl_send_spdexpire(struct ctrl *c, const struct spd_policy *p, int hard)
{
	struct sadb_msg h = { .sadb_msg_type = SADB_X_SPDEXPIRE };
	struct pfk_build b;
	int len;

	(void)hard;	/* the lifetimes in the message tell which */
	pfk_build_init(&b, c->out, sizeof(c->out), &h, 0);
	pfk_conv_policy_body(&b, p);
	len = pfk_build_finish(&b);
	if (len < 0)
		return len;
	return ctrl_broadcast(c, CTRL_BCAST_REGISTERED, 0, NULL, c->out,
	    (size_t)len);
}
