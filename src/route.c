/*
 * Route tables: FIB per family plus a next-hop array shared by both.
 * Identical next hops share one slot, so the array never grows past the
 * number of distinct (port, gateway) pairs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "route.h"

struct route_table *
route_create(const char *name, uint32_t max_rules, bool compact, int socket)
{
	struct rte_fib_conf c4;
	struct rte_fib6_conf c6;
	struct route_table *rt;
	char n[64];

	rt = rte_zmalloc_socket("routes", sizeof(*rt), 0, socket);
	if (rt == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rt->nh_cap = 2 * max_rules + 2;
	if (rt->nh_cap > ROUTE_NH_NONE)
		rt->nh_cap = ROUTE_NH_NONE;
	rt->nh = rte_zmalloc_socket("route_nh", rt->nh_cap * sizeof(*rt->nh),
	    0, socket);
	if (rt->nh == NULL) {
		rte_errno = ENOMEM;
		goto err;
	}
	memset(&c4, 0, sizeof(c4));
	c4.type = compact ? RTE_FIB_DUMMY : RTE_FIB_DIR24_8;
	c4.default_nh = ROUTE_NH_NONE;
	c4.max_routes = (int)max_rules;
	c4.dir24_8.nh_sz = RTE_FIB_DIR24_8_2B;
	c4.dir24_8.num_tbl8 = max_rules < 256 ? 256 : max_rules;
	snprintf(n, sizeof(n), "%s4", name);
	rt->fib4 = rte_fib_create(n, socket, &c4);
	if (rt->fib4 == NULL)
		goto err;
	memset(&c6, 0, sizeof(c6));
	c6.type = compact ? RTE_FIB6_DUMMY : RTE_FIB6_TRIE;
	c6.default_nh = ROUTE_NH_NONE;
	c6.max_routes = (int)max_rules;
	c6.trie.nh_sz = RTE_FIB6_TRIE_2B;
	c6.trie.num_tbl8 = max_rules < 256 ? 256 : max_rules;
	snprintf(n, sizeof(n), "%s6", name);
	rt->fib6 = rte_fib6_create(n, socket, &c6);
	if (rt->fib6 == NULL)
		goto err;
	return rt;
err:
	route_free(rt);
	return NULL;
}

static int
nh_get(struct route_table *rt, uint8_t family, const struct cfg_addr *via,
    uint16_t port, uint32_t *idx)
{
	struct route_nh n;
	uint32_t i;

	memset(&n, 0, sizeof(n));
	n.port = port;
	n.family = family;
	if (via != NULL && via->family != 0) {
		n.gateway = true;
		memcpy(n.addr, via->u.bytes, family == 4 ? 4 : 16);
	}
	for (i = 0; i < rt->nnh; i++)
		if (memcmp(&rt->nh[i], &n, sizeof(n)) == 0) {
			*idx = i;
			return 0;
		}
	if (rt->nnh == rt->nh_cap)
		return -ENOSPC;
	rt->nh[rt->nnh] = n;
	*idx = rt->nnh++;
	return 0;
}

int
route_add(struct route_table *rt, const struct cfg_addr *pfx,
    const struct cfg_addr *via, uint16_t port)
{
	uint32_t idx;
	int rc;

	if (pfx->family != AF_INET && pfx->family != AF_INET6)
		return -EINVAL;
	if (via != NULL && via->family != 0 && via->family != pfx->family)
		return -EINVAL;
	if (pfx->family == AF_INET) {
		uint32_t ip = rte_be_to_cpu_32(pfx->u.v4.s_addr);

		if (rte_rib_lookup_exact(rte_fib_get_rib(rt->fib4), ip,
		    pfx->plen) != NULL)
			return -EEXIST;
		if ((rc = nh_get(rt, 4, via, port, &idx)) != 0)
			return rc;
		rc = rte_fib_add(rt->fib4, ip, pfx->plen, idx);
	} else {
		if (rte_rib6_lookup_exact(rte_fib6_get_rib(rt->fib6),
		    pfx->u.bytes, pfx->plen) != NULL)
			return -EEXIST;
		if ((rc = nh_get(rt, 6, via, port, &idx)) != 0)
			return rc;
		rc = rte_fib6_add(rt->fib6, pfx->u.bytes, pfx->plen, idx);
	}
	return rc < 0 ? rc : 0;
}

void
route_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	rte_fib_free(rt->fib4);
	rte_fib6_free(rt->fib6);
	rte_free(rt->nh);
	rte_free(rt);
}
