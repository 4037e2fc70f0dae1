/*
 * frag.h: packet sizes around ESP (issue 8, DESIGN.md lesson 3: decide
 * the size before encrypting).  Part of src/ipsec; the second public
 * header of the module next to esp.h.
 *
 * - frag_out_decide(): before esp_outb_process(), does the packet fit the
 *   MTU once encapsulated?  If not: ICMP "fragmentation needed" / "packet
 *   too big" with the MTU usable through the SA, pre-fragmentation (RFC
 *   4459) or fragmentation of the ESP packet after encryption.
 * - frag_split(): IPv4/IPv6 fragmentation with rte_ipv4_fragment_packet()
 *   / rte_ipv6_fragment_packet(), every fragment linear, headers and
 *   checksums complete, the caller's private area copied.  The one place
 *   of the hot path that allocates (per-lcore mempool caches, STYLE.md 4).
 * - frag_pmtu_*(): the path MTU an SA learnt from an ICMP error quoting
 *   one of its ESP packets; it ages back up by itself (a reader past the
 *   expiry sees no learnt value), so no thread has to walk the SAs.
 * - frag_rx_*(): per-worker reassembly of fragmented outer ESP (rte_ip_frag,
 *   bounded table, timeout, death row freed every burst) before the SA
 *   lookup.
 * - frag_tb_*(): a token bucket for rate-limiting ICMP errors per worker.
 *
 * See docs/mtu.md.
 */
#ifndef DPSEC_FRAG_H
#define DPSEC_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "esp.h"

#define FRAG_IPV4_MIN_MTU	68	/* RFC 791 */
#define FRAG_IPV4_PMTU_MIN	576	/* smallest PMTU we believe (RFC 1191 says 68; we are stricter) */
#define FRAG_IPV6_MIN_MTU	1280	/* RFC 8200 5 */
#define FRAG_MAX_OUT		64	/* most fragments frag_split() makes of one packet */

/** frag_out_decide() flags */
#define FRAG_F_POSTFRAG		0x1	/**< IPv4 without DF: fragment the ESP packet, not the inner one */

/** What to do with an outbound packet before esp_outb_process(). */
enum frag_verdict {
	FRAG_FITS = 0,		/**< encrypt as is */
	FRAG_PTB,		/**< drop, send ICMP frag-needed / PTB with .mtu */
	FRAG_PREFRAG,		/**< frag_split(.mtu) then encrypt every fragment */
	FRAG_POSTFRAG,		/**< encrypt, then frag_split(.mtu) the ESP packet */
};

struct frag_decision {
	enum frag_verdict verdict;
	/**
	 * PTB: the MTU to report (host order).  PREFRAG: the largest inner
	 * fragment (IP header included).  POSTFRAG: the MTU of the outer
	 * fragments.  FITS: the usable inner size (for information).
	 */
	uint32_t mtu;
};

/**
 * Size decision for one outbound packet of one SA (RFC 4459, RFC 1191,
 * RFC 8201; docs/mtu.md has the table).
 *
 * mtu is the IP MTU of the path the ESP packet takes: the egress port's
 * MTU, or the SA's learnt path MTU (frag_pmtu_get()) when lower.  The
 * usable size is esp_sa_max_inner(sa, mtu, ip_hlen).  A packet that fits
 * is FITS.  An IPv4 packet with DF gets PTB(usable).  An IPv4 packet
 * without DF is PREFRAG(usable) in tunnel mode, or POSTFRAG(mtu) with
 * FRAG_F_POSTFRAG and always in transport mode (ESP transport mode takes
 * whole datagrams only, RFC 4301 7).  IPv6 gets PTB(usable) when usable
 * >= 1280; below 1280 (a path no IPv6 sender may be told about, RFC 8201
 * 4) packets up to 1280 bytes are POSTFRAG(mtu) and bigger ones PTB(1280).
 *
 * Thread contract: any thread, pure (reads the packet's first bytes).
 * @param sa     an outbound SA
 * @param m      the packet, data at its IP header
 * @param mtu    the path's IP MTU (>= 68)
 * @param flags  FRAG_F_*
 * @param d      out: the decision
 */
void frag_out_decide(const struct esp_sa *sa, const struct rte_mbuf *m,
    uint32_t mtu, uint32_t flags, struct frag_decision *d);

/**
 * Fragment an IPv4 (DF is cleared first) or IPv6 packet into pieces of at
 * most mtu bytes each (IP header included).  Every fragment is one linear
 * mbuf from direct (data room >= mtu + headroom): header checksum set,
 * l2_len 0, l3_len its IP header length (IPv6: + fragment header),
 * packet_type and the private area (min of both pools' priv sizes) copied
 * from m.  On success m is freed; on failure m is untouched.
 *
 * Thread contract: any lcore (mempool per-lcore caches).
 * @param out   room for nout fragments (<= FRAG_MAX_OUT useful)
 * @return the number of fragments, or -EINVAL (not IP, mtu too small),
 *   -ENOSPC (more than nout), -ENOMEM (pools empty).
 */
int frag_split(struct rte_mbuf *m, uint32_t mtu, struct rte_mbuf *out[],
    uint16_t nout, struct rte_mempool *direct, struct rte_mempool *indirect);

/* ---- Path MTU ---------------------------------------------------------- */

/** An ICMP frag-needed / ICMPv6 PTB about one of our ESP packets. */
struct frag_ptb {
	uint8_t af;		/**< 4 or 6: family of the quoted (outer) packet */
	uint8_t proto;		/**< quoted protocol: IPPROTO_ESP or IPPROTO_UDP (NAT-T) */
	uint32_t mtu;		/**< reported MTU, host order */
	uint32_t spi;		/**< quoted SPI, host order */
	union esp_addr src;	/**< quoted outer source (should be us) */
	union esp_addr dst;	/**< quoted outer destination (the peer) */
};

/**
 * Parse an ICMP type 3 code 4 or ICMPv6 type 2 (data at its IP header,
 * first segment contiguous) that quotes an ESP packet (protocol 50, or
 * UDP to or from port 4500 followed by a non-zero SPI).
 *
 * Thread contract: any thread, pure.
 * @return 0, or -1 if it is not such a message or is truncated (the
 *   quote must hold the SPI).
 */
int frag_ptb_parse(const struct rte_mbuf *m, struct frag_ptb *p);

/**
 * Does the message quote a packet of this outbound SA?  SPI equal; in
 * tunnel mode the quoted outer source/destination equal the SA's tunnel
 * endpoints and family (transport mode has no endpoints in the runtime:
 * the caller's SAD lookup by (SPI, quoted dst) stands for them).
 *
 * Thread contract: any thread.
 */
bool frag_ptb_matches(const struct esp_sa *sa, const struct frag_ptb *p);

/**
 * Learn a path MTU for an outbound SA (RFC 1191 / 8201 rules): accepted
 * if >= 576 (af 4: IPv4 ESP packets) / 1280 (af 6) and below both cur_mtu (the
 * egress MTU) and the SA's current learnt value; kept for ttl clock units
 * after now.
 *
 * Thread contract: any lcore, lock-free (atomics; several workers may
 * learn at once: the lowest valid value wins within one expiry period).
 * @return 0 learnt; -EINVAL implausible (too small, not lower).
 */
int frag_pmtu_learn(struct esp_sa *sa, uint8_t af, uint32_t mtu,
    uint32_t cur_mtu, uint64_t now, uint64_t ttl);

/**
 * The SA's learnt path MTU, or 0 if none or it has aged out at now.
 * Thread contract: any thread, lock-free.
 */
uint32_t frag_pmtu_get(const struct esp_sa *sa, uint64_t now);

/* ---- ICMP rate limit ---------------------------------------------------- */

/** Token bucket (one per worker; owner lcore only). */
struct frag_tb {
	uint64_t credit;	/**< in clock units */
	uint64_t last;		/**< clock at the last refill */
	uint64_t cost;		/**< clock units per token (hz / rate) */
	uint64_t cap;		/**< burst * cost */
	uint64_t sent;		/**< tokens taken */
	uint64_t suppressed;	/**< refusals */
};

/**
 * rate tokens per second, burst at most, clock of hz units per second.
 * rate 0 = never allow.  Thread contract: owner.
 */
void frag_tb_init(struct frag_tb *tb, uint32_t rate, uint32_t burst,
    uint64_t hz, uint64_t now);

/** Take one token at now; false (and suppressed++) if none.  Owner. */
bool frag_tb_take(struct frag_tb *tb, uint64_t now);

/* ---- Reassembly --------------------------------------------------------- */

/** Reassembly drop reasons (counted in fragments, i.e. mbufs given in). */
enum frag_rx_drop {
	FRAG_RX_BAD = 0,	/**< malformed fragment (length not a multiple of 8, empty, ext headers) */
	FRAG_RX_OVERSIZE,	/**< past 65535 or the largest datagram we rebuild */
	FRAG_RX_INVALID,	/**< overlapping, duplicated or too many fragments: the datagram is dropped */
	FRAG_RX_TIMEOUT,	/**< incomplete when the timeout struck */
	FRAG_RX_NOSPACE,	/**< the table is full (it never grows) */
	FRAG_RX_NOMEM,		/**< no mbuf to make the datagram linear */
	FRAG_RX_DROP_MAX
};

struct frag_rx_stats {
	uint64_t fragments;	/**< fragments given in */
	uint64_t reassembled;	/**< datagrams rebuilt */
	uint64_t merged;	/**< fragments that made up a complete datagram
				 * (rebuilt, or dropped as FRAG_RX_NOMEM) */
	uint64_t drops[FRAG_RX_DROP_MAX];
};

struct frag_rx_params {
	uint32_t buckets;	/**< hash buckets (power of 2 not required) */
	uint32_t bucket_entries;	/**< entries per bucket (power of 2, <= 16) */
	uint32_t max_entries;	/**< datagrams in flight at most (<= buckets * bucket_entries) */
	uint32_t timeout_ms;	/**< an incomplete datagram lives this long */
	uint32_t max_size;	/**< largest datagram rebuilt (<= 65535 and <= lin_pool data room) */
	/** linear copies of rebuilt datagrams that do not fit their first mbuf */
	struct rte_mempool *lin_pool;
	int socket_id;
};

struct frag_rx;

/**
 * Create one worker's reassembly table.
 * Thread contract: control thread.
 * @return NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct frag_rx *frag_rx_create(const struct frag_rx_params *p);

/**
 * Free the table and every fragment it still holds.  NULL is ignored.
 * Thread contract: control thread, after the owner stopped.
 */
void frag_rx_destroy(struct frag_rx *fr);

/** Is this IPv4/IPv6 packet (data at L3) a fragment?  Any thread, pure. */
bool frag_is_fragment(const struct rte_mbuf *m);

/**
 * Feed a burst (data at L3): expired datagrams are dropped first, then
 * non-fragments stay where they are, fragments are given to rte_ip_frag;
 * a completed datagram (linear, l3_len set, IPv4 checksum valid, IPv6
 * fragment header removed) takes the place of the fragment that completed
 * it.  Returns the number of packets in mb[0..k), in order; every other
 * mbuf is held in the table or freed (death row freed before returning).
 *
 * Thread contract: owner worker only.
 * @param now  rte_rdtsc() (the timeout is in TSC cycles)
 */
uint16_t frag_rx_burst(struct frag_rx *fr, struct rte_mbuf *mb[], uint16_t n,
    uint64_t now);

/** Drop every expired datagram now (idle workers).  Owner only. */
void frag_rx_expire(struct frag_rx *fr, uint64_t now);

/**
 * Free every fragment the table holds (incomplete datagrams) and return
 * how many mbufs that was; not counted in the table's drop counters (the
 * caller decides the reason, dpsecd: "shutdown").  Owner only, or any
 * thread once the owner stopped.
 */
uint64_t frag_rx_flush(struct frag_rx *fr);

/** Counters (owner writes relaxed; any thread reads).  */
void frag_rx_stats(const struct frag_rx *fr, struct frag_rx_stats *st);

/** Name of a frag_rx_drop ("overlap", ...), never NULL. */
const char *frag_rx_drop_name(unsigned reason);

#endif /* DPSEC_FRAG_H */
