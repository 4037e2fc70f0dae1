/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad.c: placeholder so the public API builds; the implementation follows.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "sad_priv.h"

RTE_LOG_REGISTER_DEFAULT(sad_logtype, INFO);

struct sad *
sad_create(const struct sad_params *p)
{
	rte_errno = ENOTSUP;
	return NULL;
}

void
sad_destroy(struct sad *sad)
{
}

int
sad_getspi(struct sad *sad, const struct sa_params *p, uint32_t spi_min,
    uint32_t spi_max, struct sa **out)
{
	return -ENOTSUP;
}

int
sad_update(struct sad *sad, const struct sa_params *p, struct sa **out)
{
	return -ENOTSUP;
}

int
sad_add(struct sad *sad, const struct sa_params *p, struct sa **out)
{
	return -ENOTSUP;
}

int
sad_get(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi, struct sa **out)
{
	return -ENOTSUP;
}

int
sad_delete(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi)
{
	return -ENOTSUP;
}

int
sad_delete_sa(struct sad *sad, struct sa *sa)
{
	return -ENOTSUP;
}

uint32_t
sad_flush(struct sad *sad, uint8_t proto)
{
	return 0;
}

int
sad_acquire(struct sad *sad, const struct sad_out_key *tmpl, uint8_t mode,
    struct sa **out)
{
	return -ENOTSUP;
}

uint32_t
sad_lookup_in(const struct sad *sad, const struct sad_in_key *const keys[],
    uint32_t n, struct sa *sa[])
{
	memset(sa, 0, n * sizeof(sa[0]));
	return 0;
}

uint32_t
sad_lookup_out(const struct sad *sad, const struct sad_out_key *const keys[],
    uint32_t n, struct sa *sa[])
{
	memset(sa, 0, n * sizeof(sa[0]));
	return 0;
}

void
sad_tick(struct sad *sad, uint64_t now)
{
}

uint32_t
sad_reclaim(struct sad *sad)
{
	return 0;
}

struct sad_dump *
sad_dump_start(struct sad *sad, uint8_t proto)
{
	rte_errno = ENOTSUP;
	return NULL;
}

uint32_t
sad_dump_count(const struct sad_dump *d)
{
	return 0;
}

struct sa *
sad_dump_next(struct sad_dump *d)
{
	return NULL;
}

void
sad_dump_end(struct sad_dump *d)
{
}

void
sad_stats(const struct sad *sad, struct sad_stats *st)
{
	memset(st, 0, sizeof(*st));
}

uint32_t
sad_count(const struct sad *sad)
{
	return 0;
}

void
sad_out_key_set(struct sad_out_key *k, uint8_t proto, uint32_t reqid,
    const struct sa_addr *src, const struct sa_addr *dst)
{
	memset(k, 0, sizeof(*k));
	k->reqid = reqid;
	k->proto = proto;
	k->family = dst->family;
	memcpy(k->src, src->a.raw, 16);
	memcpy(k->dst, dst->a.raw, 16);
}

enum sa_lq_result
sa_larval_enqueue(struct sa *sa, struct rte_mbuf *m, struct sa **use,
    enum sa_drop *reason)
{
	if (reason != NULL)
		*reason = SA_DROP_LQ_DEAD;
	return SA_LQ_DROPPED;
}
