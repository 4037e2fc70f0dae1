/*
 * dpsecd datapath types shared by ports, workers and pipeline stages.
 *
 * Packet convention (docs/INTERFACES.md): after the parse stage an mbuf's
 * data starts at the L3 header, l2_len is 0, l3_len is set and the
 * Ethernet header it arrived with is still in the headroom.  Per-packet
 * state travels in the mbuf's private area (struct dp_meta), which every
 * dpsecd pool reserves.
 *
 * Access tags: [I] immutable after start, [C] control thread, [O] owner
 * worker, [A] atomic.
 */
#ifndef DPSEC_DP_H
#define DPSEC_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "config.h"
#include "drop.h"

#define DP_BURST		32
#define DP_MAX_PORTS		CFG_MAX_PORTS
#define DP_MAX_WORKERS		64
#define DP_MAX_RXQ_PER_WORKER	64
#define DP_MAX_TXQ		64
#define DP_PORT_NONE		0xffff
#define DP_BACKLOG		512	/* per-worker IPsec ordering backlog */
#define DP_ORDER_BUCKETS	64	/* flow buckets of the IPsec ordering state */

/* dp_meta.flags */
#define DP_MF_LOCAL	0x01	/* for the gateway itself: exception path */
#define DP_MF_RESOLVE	0x02	/* next hop has no MAC yet: control resolves */
#define DP_MF_ICMP_GEN	0x04	/* an ICMP error we built (never answer it) */
#define DP_MF_DECAP	0x08	/* decapsulated from ESP (policy checked) */
#define DP_MF_ACQ_ONLY	0x10	/* a copy sent to trigger an ACQUIRE (level use) */

/* Multicast IPv4 (224/4), host order (DPDK's macro shifts a signed int). */
#define DP_IP4_MCAST(a)	(((uint32_t)(a) >> 28) == 0xe)

struct dp_meta {
	uint16_t	in_port;	/* dp port index it arrived on */
	uint16_t	out_port;	/* dp port index, set by the route stage */
	uint8_t		family;		/* 4 or 6 */
	uint8_t		flags;		/* DP_MF_* */
	uint8_t		stage;		/* injected packets: stage to resume at */
	uint8_t		order_b;	/* IPsec ordering bucket (acquire.h) */
	uint16_t	worker;		/* worker that received it (larval queues) */
	uint16_t	reserved3;
	uint32_t	reserved2;
	union {
		uint32_t	v4;	/* network order */
		uint8_t		v6[16];
	} nh;				/* next hop (the neighbor to send to) */
};
_Static_assert(sizeof(struct dp_meta) == 32, "dp_meta layout");

#define DP_META_SIZE	RTE_ALIGN(sizeof(struct dp_meta), RTE_MBUF_PRIV_ALIGN)

static inline struct dp_meta *
dp_meta(struct rte_mbuf *m)
{
	return (struct dp_meta *)rte_mbuf_to_priv(m);
}

struct dp_txq {
	rte_spinlock_t	lock;		/* taken only when shared */
	bool		shared;		/* [I] several lcores use it */
};

struct dp_port {
	uint16_t		 port_id;	/* [I] ethdev */
	uint16_t		 idx;		/* [I] index in app->port[] */
	char			 name[CFG_NAME_LEN];
	enum cfg_role		 role;		/* [I] */
	struct rte_ether_addr	 mac;		/* [I] */
	uint16_t		 mtu;		/* [I] IP MTU */
	uint16_t		 nb_rxq;	/* [I] */
	uint16_t		 nb_txq;	/* [I] */
	bool			 rss;		/* [I] */
	bool			 started;	/* [C] */
	bool			 has_tap;	/* [I] */
	uint16_t		 tap_id;	/* [I] ethdev of the tap */
	struct rte_mempool	*pool;		/* [I] rx (and tap rx) pool */
	uint32_t		 v4[CFG_MAX_ADDRS];	/* [I] network order */
	uint8_t			 v4plen[CFG_MAX_ADDRS];
	unsigned int		 n4;
	uint8_t			 v6[CFG_MAX_ADDRS + 1][16];	/* [I] + link-local */
	uint8_t			 v6plen[CFG_MAX_ADDRS + 1];
	unsigned int		 n6;
	struct dp_txq		 txq[DP_MAX_TXQ];
};

/* Per-lcore counters (workers and control); written by the owner only. */
struct dp_port_stats {
	uint64_t	rx_pkts;
	uint64_t	rx_bytes;
	uint64_t	tx_pkts;
	uint64_t	tx_bytes;
	uint64_t	to_tap;		/* exception path: port -> kernel */
	uint64_t	from_tap;	/* exception path: kernel -> port */
};

struct dp_stats {
	uint64_t		bursts;		/* non-empty rx bursts */
	uint64_t		idle_sleeps;
	uint64_t		icmp_errors;	/* ICMP errors generated */
	uint64_t		injected;	/* packets from the control thread */
	uint64_t		handoff_out;	/* handed to an SA's owner worker */
	uint64_t		handoff_in;	/* taken from its own hand-off ring */
	uint64_t		drops[DP_DROP_MAX];
	struct dp_port_stats	port[DP_MAX_PORTS];
} __rte_cache_aligned;

/* Counter update by the owning lcore; readers (telemetry) load relaxed. */
#define DP_CNT_ADD(c, v)						\
	__atomic_store_n(&(c), __atomic_load_n(&(c), __ATOMIC_RELAXED) + (v), \
	    __ATOMIC_RELAXED)
#define DP_CNT_GET(c)	__atomic_load_n(&(c), __ATOMIC_RELAXED)

struct dp_app;
struct worker;

#endif /* DPSEC_DP_H */
