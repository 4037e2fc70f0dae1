/*
 * sadb hooks: ESP runtimes for SAs, larval queue release (sa_glue.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ipsec.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "sa_glue.h"

int
sa_glue_params(const struct sa *sa, enum esp_dir dir, unsigned int nb_workers,
    struct esp_sa_params *p)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	/* IPSEC_MODE_ANY SAs are used in transport mode (Linux does). */
	switch (sa->mode) {
	case IPSEC_MODE_TUNNEL:
		p->mode = ESP_MODE_TUNNEL;
		break;
	case IPSEC_MODE_TRANSPORT:
	case IPSEC_MODE_ANY:
		p->mode = ESP_MODE_TRANSPORT;
		break;
	default:
		return -EINVAL;
	}
	if (sa->dst.family != AF_INET && sa->dst.family != AF_INET6)
		return -EINVAL;
	p->outer_af = sa->dst.family;
	p->spi = sa->spi;
	memcpy(&p->tun_src, sa->src.a.raw, 16);
	memcpy(&p->tun_dst, sa->dst.a.raw, 16);
	p->enc_alg = sa->ealg;
	p->auth_alg = sa->aalg;
	p->enc_key_len = sa->enc_key_len;
	p->auth_key_len = sa->auth_key_len;
	p->enc_key = sa->enc_key;
	p->auth_key = sa->auth_key;
	p->replay_win = dir == ESP_DIR_IN ? sa->replay_window : 0;
	if (sa->flags & SA_F_ESN)
		p->flags |= ESP_F_ESN;
	if ((sa->flags & SA_F_NATT) || sa->natt_type != 0) {
		p->natt_sport = rte_be_to_cpu_16(sa->natt_sport);
		p->natt_dport = rte_be_to_cpu_16(sa->natt_dport);
	}
	p->engine = -1;
	p->nb_workers = nb_workers > 0 ? nb_workers : 1;
	p->socket_id = SOCKET_ID_ANY;
	return 0;
}

uint16_t
sa_glue_owner(const struct sa *sa, unsigned int nb_workers)
{
	const uint8_t *b[2] = { sa->src.a.raw, sa->dst.a.raw };
	uint32_t h = 2166136261u;	/* FNV-1a */
	unsigned int i, j;

	if (nb_workers <= 1)
		return 0;
	for (j = 0; j < 2; j++)
		for (i = 0; i < 16; i++)
			h = (h ^ b[j][i]) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ ((sa->reqid >> (8 * i)) & 0xff)) * 16777619u;
	h = (h ^ sa->proto) * 16777619u;
	h ^= h >> 16;
	return (uint16_t)(h % nb_workers);
}

static int
glue_install(struct sa *sa, void *arg)
{
	struct sa_glue *g = arg;
	struct esp_sa_params p;
	struct sa_rt *rt;
	int rc;

	if (sa->proto != IPPROTO_ESP)
		return -EPROTONOSUPPORT;
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return -ENOMEM;
	rc = sa_glue_params(sa, ESP_DIR_OUT, g->nb_workers, &p);
	if (rc == 0) {
		p.socket_id = g->socket_id;
		rt->out = esp_sa_create(&p);
		if (rt->out == NULL)
			rc = -rte_errno;
	}
	if (rc == 0) {
		sa_glue_params(sa, ESP_DIR_IN, g->nb_workers, &p);
		p.socket_id = g->socket_id;
		rt->in = esp_sa_create(&p);
		if (rt->in == NULL)
			rc = -rte_errno;
	}
	memset(&p, 0, sizeof(p));
	if (rc != 0) {
		esp_sa_destroy(rt->out);
		free(rt);
		g->install_fail++;
		return rc < 0 ? rc : -EINVAL;
	}
	rt->owner = sa_glue_owner(sa, g->nb_workers);
	sa->rt = rt;
	if (g->installed != NULL)
		g->installed(g->arg, sa);
	return 0;
}

static void
glue_release(struct sa *sa, void *arg)
{
	struct sa_rt *rt = sa->rt;

	if (rt == NULL)
		return;
	esp_sa_destroy(rt->out);
	esp_sa_destroy(rt->in);
	free(rt);
	sa->rt = NULL;
}

static void
glue_larval_release(struct sa *sa, struct rte_mbuf *m[], uint32_t n,
    void *arg)
{
	struct sa_glue *g = arg;

	g->released += n;
	if (g->release != NULL) {
		g->release(g->arg, sa, m, n);
		return;
	}
	rte_pktmbuf_free_bulk(m, n);
}

void
sa_glue_hooks(struct sa_glue *g, struct sad_hooks *h)
{
	h->sa_install = glue_install;
	h->sa_release = glue_release;
	h->larval_release = glue_larval_release;
	h->arg = g;
}
