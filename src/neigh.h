/*
 * Neighbor table: (port, IPv4/IPv6 address) -> MAC, for the Ethernet
 * rewrite.
 *
 * Single writer (the control thread), lock-free readers (workers).  Open
 * addressing with linear probing over a power-of-two array; a slot's key
 * is written once, before its state is published with a release store,
 * and slots are never freed, so a reader that sees a state other than
 * NEIGH_EMPTY sees a stable key.  The MAC lives in one 64-bit word (MAC in
 * the low 48 bits) so readers never see half an update.
 *
 * Entries are static (config), learnt (ARP/ND seen on the exception
 * path, and the answers to our own solicitations) or incomplete (being
 * resolved by the control thread).  Learnt entries do not age; any later
 * ARP/ND from the neighbor refreshes the MAC.
 */
#ifndef DPSEC_NEIGH_H
#define DPSEC_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

enum neigh_state {
	NEIGH_EMPTY = 0,
	NEIGH_INCOMPLETE,	/* being resolved; no MAC */
	NEIGH_FAILED,		/* resolution gave up; retried on next packet */
	NEIGH_REACHABLE,	/* learnt */
	NEIGH_STATIC,		/* from the config; never changed */
};

struct neigh_entry {
	uint32_t	state;		/* [A] enum neigh_state */
	uint16_t	port;		/* [I once published] */
	uint8_t		family;		/* [I once published] 4 or 6 */
	uint8_t		pad;
	uint8_t		addr[16];	/* [I once published] */
	uint64_t	mac;		/* [A] MAC bytes 0..5 in a word */
	/* control thread only */
	uint64_t	next_solicit;	/* tsc */
	uint32_t	solicits;
	uint32_t	queued;		/* packets waiting in the control thread */
};

struct neigh_table {
	struct neigh_entry	*e;
	uint32_t		 mask;	/* size - 1 */
	uint32_t		 used;	/* [C] */
};

/**
 * Create a table with at least @p max entries (rounded up to a power of
 * two, twice @p max for short probe sequences).
 * @return the table, or NULL with rte_errno set.
 * Thread: control thread.
 */
struct neigh_table *neigh_create(uint32_t max, int socket);

/** Free the table.  NULL is ignored.  Thread: control, workers stopped. */
void neigh_free(struct neigh_table *nt);

/**
 * Find or create the entry for (port, family, addr).
 * @return the entry (state NEIGH_INCOMPLETE if new), or NULL when full.
 * Thread: control thread only.
 */
struct neigh_entry *neigh_get(struct neigh_table *nt, uint16_t port,
    uint8_t family, const void *addr);

/**
 * Find an entry without creating it.
 * Thread: any lcore, lock-free.
 */
struct neigh_entry *neigh_find(const struct neigh_table *nt, uint16_t port,
    uint8_t family, const void *addr);

/**
 * Set the MAC and state of an entry (STATIC entries only change to
 * STATIC).  @return true if the entry changed to a usable state.
 * Thread: control thread only.
 */
bool neigh_set(struct neigh_entry *e, const struct rte_ether_addr *mac,
    enum neigh_state st);

static inline uint32_t
neigh_hash(uint16_t port, uint8_t family, const uint8_t *a)
{
	uint32_t h = 2166136261u ^ port ^ ((uint32_t)family << 16);
	unsigned int i, n = family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	return h ^ (h >> 15);
}

/**
 * Look up the MAC of a usable neighbor.
 * @return true and @p mac set if the entry is REACHABLE or STATIC.
 * Thread: any lcore, lock-free.
 */
static inline bool
neigh_lookup(const struct neigh_table *nt, uint16_t port, uint8_t family,
    const void *addr, struct rte_ether_addr *mac)
{
	const uint8_t *a = addr;
	unsigned int n = family == 4 ? 4 : 16;
	uint32_t i = neigh_hash(port, family, a) & nt->mask;
	uint32_t probes;

	for (probes = 0; probes <= nt->mask; probes++) {
		const struct neigh_entry *e = &nt->e[i];
		uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		uint64_t w;

		if (st == NEIGH_EMPTY)
			return false;
		if (e->port == port && e->family == family &&
		    memcmp(e->addr, a, n) == 0) {
			if (st != NEIGH_REACHABLE && st != NEIGH_STATIC)
				return false;
			w = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);
			memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
			return true;
		}
		i = (i + 1) & nt->mask;
	}
	return false;
}

#endif /* DPSEC_NEIGH_H */
