/*
 * Static routes on DPDK's FIB library: rte_fib (IPv4) and rte_fib6
 * (IPv6), each route pointing at a next hop (output port, gateway or
 * on-link).  Two lookup structures, chosen by the config's route-table:
 *   dir24  DIR24-8 / TRIE: one memory access or two per lookup, about
 *          32 MB per family up front (appliances with hugepages);
 *   rib    the RIB tree only (RTE_FIB_DUMMY): memory grows with the
 *          routes, lookups walk the tree (laptops, CI, no hugepages).
 *
 * The control thread builds the tables before workers start; workers only
 * look up, in bulk.  Changing routes under traffic would need an
 * RCU-published copy (the qsbr exists for that); routes are static in
 * this version.
 */
#ifndef DPSEC_ROUTE_H
#define DPSEC_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_fib.h>
#include <rte_fib6.h>

#include "config.h"

#define ROUTE_NH_NONE	0x7fff	/* lookup result: no route */

struct route_nh {
	uint16_t	port;		/* dp port index */
	uint8_t		family;		/* 4 or 6 */
	bool		gateway;	/* false: on-link, next hop = destination */
	uint8_t		addr[16];	/* gateway (network order) */
};

struct route_table {
	struct rte_fib		*fib4;
	struct rte_fib6		*fib6;
	struct route_nh		*nh;	/* [I] indexed by lookup result */
	uint32_t		 nnh;
	uint32_t		 nh_cap;
};

/**
 * Create empty IPv4 and IPv6 tables.
 * @param name      unique name prefix (DPDK object names)
 * @param max_rules capacity per family
 * @param compact   true: RIB-only lookups (small memory); false: DIR24-8
 *                  and TRIE
 * @param socket    NUMA socket or SOCKET_ID_ANY
 * @return the table, or NULL with rte_errno set.
 * Thread: control thread, EAL initialised.
 */
struct route_table *route_create(const char *name, uint32_t max_rules,
    bool compact, int socket);

/**
 * Add a route.
 * @param pfx   prefix (family and plen)
 * @param via   gateway, or NULL / family 0 for on-link
 * @param port  dp port index
 * @return 0, -EEXIST if the prefix is present, -ENOSPC, -EINVAL.
 * Thread: control thread, before workers start.
 */
int route_add(struct route_table *rt, const struct cfg_addr *pfx,
    const struct cfg_addr *via, uint16_t port);

/**
 * Free the tables.  NULL is ignored.
 * Thread: control thread, workers stopped.
 */
void route_free(struct route_table *rt);

/**
 * IPv4 bulk lookup.
 * @param dst  n destinations, host order
 * @param nh   receives n next-hop indexes into rt->nh, or ROUTE_NH_NONE
 * Thread: any lcore, lock-free.
 */
static inline void
route_lookup4_bulk(const struct route_table *rt, uint32_t *dst, uint64_t *nh,
    unsigned int n)
{
	rte_fib_lookup_bulk(rt->fib4, dst, nh, (int)n);
}

/**
 * IPv6 bulk lookup; same contract as route_lookup4_bulk().
 */
static inline void
route_lookup6_bulk(const struct route_table *rt, uint8_t dst[][16],
    uint64_t *nh, unsigned int n)
{
	rte_fib6_lookup_bulk(rt->fib6, dst, nh, (int)n);
}

#endif /* DPSEC_ROUTE_H */
