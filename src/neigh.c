/*
 * Neighbor table (see neigh.h for the concurrency rules).
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "neigh.h"

struct neigh_table *
neigh_create(uint32_t max, int socket)
{
	struct neigh_table *nt;
	uint32_t size = rte_align32pow2(max * 2 < 16 ? 16 : max * 2);

	nt = rte_zmalloc_socket("neigh", sizeof(*nt), 0, socket);
	if (nt == NULL)
		goto nomem;
	nt->e = rte_zmalloc_socket("neigh_e", size * sizeof(*nt->e),
	    RTE_CACHE_LINE_SIZE, socket);
	if (nt->e == NULL)
		goto nomem;
	nt->mask = size - 1;
	return nt;
nomem:
	neigh_free(nt);
	rte_errno = ENOMEM;
	return NULL;
}

void
neigh_free(struct neigh_table *nt)
{
	if (nt == NULL)
		return;
	rte_free(nt->e);
	rte_free(nt);
}

struct neigh_entry *
neigh_find(const struct neigh_table *nt, uint16_t port, uint8_t family,
    const void *addr)
{
	const uint8_t *a = addr;
	unsigned int n = family == 4 ? 4 : 16;
	uint32_t i = neigh_hash(port, family, a) & nt->mask;
	uint32_t probes;

	for (probes = 0; probes <= nt->mask; probes++) {
		struct neigh_entry *e = &nt->e[i];

		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == NEIGH_EMPTY)
			return NULL;
		if (e->port == port && e->family == family &&
		    memcmp(e->addr, a, n) == 0)
			return e;
		i = (i + 1) & nt->mask;
	}
	return NULL;
}

struct neigh_entry *
neigh_get(struct neigh_table *nt, uint16_t port, uint8_t family,
    const void *addr)
{
	const uint8_t *a = addr;
	unsigned int n = family == 4 ? 4 : 16;
	uint32_t i = neigh_hash(port, family, a) & nt->mask;
	struct neigh_entry *e;
	uint32_t probes;

	/* Keep the table at most half full so probe sequences stay short. */
	for (probes = 0; probes <= nt->mask; probes++) {
		e = &nt->e[i];
		if (e->state == NEIGH_EMPTY) {
			if (nt->used * 2 >= nt->mask + 1)
				return NULL;
			e->port = port;
			e->family = family;
			memset(e->addr, 0, sizeof(e->addr));
			memcpy(e->addr, a, n);
			e->mac = 0;
			e->next_solicit = 0;
			e->solicits = 0;
			e->queued = 0;
			nt->used++;
			__atomic_store_n(&e->state, NEIGH_INCOMPLETE,
			    __ATOMIC_RELEASE);
			return e;
		}
		if (e->port == port && e->family == family &&
		    memcmp(e->addr, a, n) == 0)
			return e;
		i = (i + 1) & nt->mask;
	}
	return NULL;
}

bool
neigh_set(struct neigh_entry *e, const struct rte_ether_addr *mac,
    enum neigh_state st)
{
	uint64_t w = 0;

	if (e->state == NEIGH_STATIC && st != NEIGH_STATIC)
		return false;
	if (mac != NULL) {
		memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
		__atomic_store_n(&e->mac, w, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
	return st == NEIGH_REACHABLE || st == NEIGH_STATIC;
}
