/*
 * esp.h: the public interface of src/ipsec, ESP (RFC 4303) on bursts of
 * mbufs.
 *
 * An ESP SA runtime (struct esp_sa) is built by the control thread from a
 * struct esp_sa_params (the datapath's sa_install hook converts sadb's
 * struct sa into one, so this module does not depend on src/sadb), and is
 * used by any number of workers, each identified by its worker index
 * (0 .. nb_workers-1).  The burst functions follow STYLE.md section 4:
 * n <= ESP_BURST_MAX packets of ONE SA in, the number that succeeded out,
 * the successes compacted at the front of mb[] in their original order and
 * the failures at the tail with reason[i] set to an enum esp_drop value;
 * the caller frees the failures (and counts ESP_DROP_NO_SA and
 * ESP_DROP_POLICY through esp_sa_count_drop()).
 *
 * Packets (docs/INTERFACES.md "Packets"): on input an mbuf's data starts at
 * the L3 header.  Outbound output starts at the outer IP header (tunnel),
 * or at the packet's own IP header (transport); with NAT-T the UDP header
 * follows the IP header.  Inbound input starts at the outer IP header;
 * output starts at the inner IP header (tunnel) or at the restored IP
 * header (transport), with l2_len = 0, l3_len = inner IP header length and
 * packet_type = RTE_PTYPE_L3_IPV4 or RTE_PTYPE_L3_IPV6, ready for the
 * caller's inbound policy check (SPD) against the SA's selectors.
 *
 * See docs/ipsec.md for the design (sequence numbers across workers,
 * replay window, IVs, ECN, NAT-T, IPv6 extension headers).
 */
#ifndef DPSEC_ESP_H
#define DPSEC_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define ESP_BURST_MAX		32	/**< max packets per burst call */
#define ESP_REPLAY_WIN_MAX	65536	/**< max anti-replay window (packets) */
#define ESP_NATT_PORT		4500	/**< RFC 3948 */

/** Drop reasons.  Per SA and per worker counters exist for every value. */
enum esp_drop {
	ESP_DROP_NONE = 0,
	ESP_DROP_REPLAY,	/**< duplicate or older than the window (or seq 0) */
	ESP_DROP_AUTH,		/**< ICV verification failed */
	ESP_DROP_PAD,		/**< bad padding bytes, pad length or next header */
	ESP_DROP_TRUNC,		/**< too short / not a block multiple / bad length fields */
	ESP_DROP_NO_SA,		/**< no SA for the SPI (caller), or SPI != this SA's */
	ESP_DROP_POLICY,	/**< decapsulated packet does not match the SA's policy (caller) */
	ESP_DROP_HEADROOM,	/**< not enough headroom to prepend headers */
	ESP_DROP_TAILROOM,	/**< not enough tailroom for trailer and ICV */
	ESP_DROP_MULTISEG,	/**< chained mbuf that could not be linearised */
	ESP_DROP_SEQ_OVERFLOW,	/**< sequence number space exhausted (SA must be rekeyed) */
	ESP_DROP_PROTO,		/**< unsupported packet: not IP, IP options/ext hdrs we do not handle, fragment */
	ESP_DROP_NOT_ESP,	/**< UDP 4500 with non-ESP marker (IKE): give to the exception path */
	ESP_DROP_ECN,		/**< RFC 6040: outer CE over a not-ECT inner packet */
	ESP_DROP_CRYPTO,	/**< the crypto engine failed the operation (not an ICV mismatch) */
	ESP_DROP_MAX
};

/** Direction of an SA. */
enum esp_dir {
	ESP_DIR_OUT = 0,
	ESP_DIR_IN = 1,
};

/** Mode of an SA. */
enum esp_mode {
	ESP_MODE_TUNNEL = 0,
	ESP_MODE_TRANSPORT = 1,
};

/** esp_sa_params.flags */
#define ESP_F_ESN		0x0001	/**< 64-bit extended sequence numbers (RFC 4303 2.2.1) */
#define ESP_F_DSCP_FIXED	0x0002	/**< tunnel encap: outer DSCP = params.dscp instead of copying the inner one */
#define ESP_F_ECN_OFF		0x0004	/**< tunnel: outer ECN = not-ECT on encap, ignore outer ECN on decap (RFC 6040 "compatibility mode") */
#define ESP_F_DF_SET		0x0008	/**< tunnel IPv4 outer: always set DF */
#define ESP_F_DF_CLEAR		0x0010	/**< tunnel IPv4 outer: never set DF (default: copy from an IPv4 inner, set for IPv6 inner) */

/** An IPv4 or IPv6 address in network byte order. */
union esp_addr {
	uint32_t v4;
	uint8_t v6[16];
};

/**
 * Everything the ESP runtime needs to know about one SA.  Keys are copied
 * by esp_sa_create(); the caller may wipe its buffers afterwards.
 */
struct esp_sa_params {
	enum esp_dir dir;
	enum esp_mode mode;
	uint32_t spi;		/**< host byte order */
	/** tunnel mode: AF_INET or AF_INET6 of the outer header; transport: ignored */
	int outer_af;
	union esp_addr tun_src;	/**< tunnel outer source (our address on outbound) */
	union esp_addr tun_dst;	/**< tunnel outer destination */
	uint8_t enc_alg;	/**< SADB_EALG_* / SADB_X_EALG_* / DPSEC_EALG_* (docs/INTERFACES.md) */
	uint8_t auth_alg;	/**< SADB_AALG_* / SADB_X_AALG_*; NONE for AEAD and GMAC */
	uint16_t enc_key_len;	/**< bytes, including salt/nonce */
	uint16_t auth_key_len;	/**< bytes */
	const uint8_t *enc_key;
	const uint8_t *auth_key;
	uint32_t replay_win;	/**< inbound anti-replay window in packets, 0 = off, <= ESP_REPLAY_WIN_MAX */
	uint32_t flags;		/**< ESP_F_* */
	/**
	 * Outbound: the last sequence number used (the first packet gets
	 * initial_seq + 1; normally 0).  Inbound: the highest sequence number
	 * already received (normally 0).  The full 64 bits with ESP_F_ESN.
	 */
	uint64_t initial_seq;
	uint16_t natt_sport;	/**< NAT-T (RFC 3948) UDP source port, host order; 0 = no NAT-T */
	uint16_t natt_dport;	/**< NAT-T UDP destination port, host order */
	uint8_t dscp;		/**< outer DSCP with ESP_F_DSCP_FIXED */
	uint8_t ttl;		/**< outer TTL / hop limit in tunnel mode; 0 = 64 */
	/** crypto engine (xform engine id); negative = the default for the algorithm */
	int engine;
	unsigned nb_workers;	/**< workers that will call the burst functions (>= 1) */
	int socket_id;		/**< NUMA socket for the runtime; SOCKET_ID_ANY ok */
};

/** One SA's counters (summed over workers by esp_sa_stats()). */
struct esp_sa_stats {
	uint64_t packets;	/**< packets processed successfully */
	uint64_t bytes;		/**< bytes in: inner bytes (out), ESP packet bytes (in) */
	uint64_t drops[ESP_DROP_MAX];
};

struct esp_sa;

/**
 * Build the runtime of one SA: checks the algorithms and key lengths,
 * creates the crypto session(s), builds the header template and the
 * replay window.
 *
 * Thread contract: control thread only.
 * @param p  the SA parameters (keys are copied)
 * @return the runtime, or NULL with rte_errno set: EINVAL (bad or
 *   inconsistent parameters), ENOTSUP (algorithm unknown to every engine),
 *   ENOMEM.
 */
struct esp_sa *esp_sa_create(const struct esp_sa_params *p);

/**
 * Free an SA runtime and wipe its keys.  No worker may use it any more
 * (the caller waits for an RCU grace period first).
 *
 * Thread contract: control thread only.  NULL is ignored.
 */
void esp_sa_destroy(struct esp_sa *sa);

/**
 * Outbound ESP: encapsulate, pad, number, encrypt and authenticate a burst
 * of cleartext IP packets of one outbound SA.
 *
 * Sequence numbers: the whole burst reserves its numbers with one atomic
 * add on the SA (DPDK esn_outb_update_sqn style), so several workers can
 * send on one SA; numbers follow the order of the calls.  Without ESN the
 * counter never wraps: packets that would need a number past 2^32-1 fail
 * with ESP_DROP_SEQ_OVERFLOW and esp_sa_seq_exhausted() becomes true.
 *
 * Thread contract: any worker, lock-free; worker < nb_workers and each
 * worker index used by one thread at a time.
 * @param sa      an outbound SA
 * @param worker  the calling worker's index
 * @param mb      n packets, data at the IP header; on return mb[0..k) are
 *                ESP packets, mb[k..n) failed
 * @param reason  n bytes; reason[k..n) receive an enum esp_drop
 * @param n       <= ESP_BURST_MAX
 * @return k, the number of packets that succeeded
 */
uint16_t esp_outb_process(struct esp_sa *sa, unsigned worker,
    struct rte_mbuf *mb[], uint8_t reason[], uint16_t n);

/**
 * Inbound ESP: check the replay window, decrypt and verify, commit the
 * replay window, check padding, decapsulate a burst of ESP packets of one
 * inbound SA (plain ESP or UDP-encapsulated ESP; a UDP packet whose first
 * four payload bytes are zero fails with ESP_DROP_NOT_ESP so that the caller
 * can hand it to the IKE exception path instead of freeing it).
 *
 * Thread contract: any worker, lock-free except a per-SA spinlock held
 * once per burst around the replay-window commit (docs/ipsec.md); worker <
 * nb_workers and each worker index used by one thread at a time.
 * @param sa      an inbound SA (the caller looked it up by SPI/dst/proto)
 * @param worker  the calling worker's index
 * @param mb      n packets, data at the outer IP header; on return
 *                mb[0..k) are the inner (tunnel) or restored (transport)
 *                packets, mb[k..n) failed
 * @param reason  n bytes; reason[k..n) receive an enum esp_drop
 * @param n       <= ESP_BURST_MAX
 * @return k, the number of packets that succeeded
 */
uint16_t esp_inb_process(struct esp_sa *sa, unsigned worker,
    struct rte_mbuf *mb[], uint8_t reason[], uint16_t n);

/**
 * Count drops decided by the caller for this SA (ESP_DROP_POLICY after the
 * inbound policy check, for example).
 *
 * Thread contract: any worker, lock-free (worker's own counters).
 */
void esp_sa_count_drop(struct esp_sa *sa, unsigned worker,
    enum esp_drop reason, uint32_t n);

/**
 * Sum the SA's counters over all workers.  Counters are read without
 * synchronisation: each value is exact, the set is not a snapshot.
 *
 * Thread contract: any thread.
 */
void esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st);

/**
 * Bytes that outbound ESP adds to a packet of pkt_len bytes (from its IP
 * header): outer IP header (tunnel), UDP header (NAT-T), ESP header, IV,
 * padding, pad length and next header, ICV.  Exact, also for CBC padding.
 *
 * Thread contract: any thread (reads immutable fields only).
 * @param pkt_len  length of the packet as given to esp_outb_process()
 * @param ip_hlen  transport mode: length of the packet's IP header kept in
 *                 clear (IPv4 IHL*4, IPv6 40 (+ hop-by-hop)); ignored in
 *                 tunnel mode
 * @return the added bytes
 */
uint32_t esp_sa_overhead(const struct esp_sa *sa, uint32_t pkt_len,
    uint32_t ip_hlen);

/**
 * The largest pkt_len whose ESP packet fits in mtu bytes (IP MTU), i.e.
 * max { len : len + esp_sa_overhead(sa, len, ip_hlen) <= mtu }; 0 if none.
 *
 * Thread contract: any thread.
 */
uint32_t esp_sa_max_inner(const struct esp_sa *sa, uint32_t mtu,
    uint32_t ip_hlen);

/**
 * True once the outbound sequence number space is exhausted (no ESN and
 * 2^32-1 numbers used); the control thread should expire the SA.
 *
 * Thread contract: any thread (acquire load).
 */
bool esp_sa_seq_exhausted(const struct esp_sa *sa);

/**
 * The outbound SA's last used sequence number (64 bits) or the inbound
 * SA's highest authenticated one.
 *
 * Thread contract: any thread (atomic load).
 */
uint64_t esp_sa_seq(const struct esp_sa *sa);

/** The SA's SPI in host byte order.  Thread contract: any thread. */
uint32_t esp_sa_spi(const struct esp_sa *sa);

/**
 * The name of the crypto engine the SA's session runs on ("openssl",
 * "sodium", "cdev-aesni_mb", ...: xform_engine_name()), for counters and
 * logs.  Thread contract: any thread.
 */
const char *esp_sa_engine(const struct esp_sa *sa);

/**
 * Classify an inbound packet from the unprotected side and find its SPI
 * for the SA lookup (data at the outer IP header, contiguous first
 * segment): plain ESP (protocol 50), or RFC 3948 UDP-encapsulated ESP
 * when the UDP destination port is natt_port (normally ESP_NATT_PORT).
 *
 * Thread contract: any thread, pure (reads the packet only).
 * @param m      the packet
 * @param natt_port  UDP port of encapsulated ESP (host order), 0 = none
 * @param spi    out: the SPI in host order
 * @param proto  out: IPPROTO_ESP or IPPROTO_UDP (the SADB lookup key is
 *               ESP in both cases)
 * @return 0 for ESP; -ESP_DROP_NOT_ESP for IKE (non-ESP marker) or a
 *   NAT keepalive on natt_port (exception path); -ESP_DROP_PROTO for
 *   anything else (not ESP, IPv4 fragment); -ESP_DROP_TRUNC if too short.
 */
int esp_pkt_spi(const struct rte_mbuf *m, uint16_t natt_port, uint32_t *spi,
    uint8_t *proto);

/** Short name of a drop reason ("replay", "auth", ...), never NULL. */
const char *esp_drop_name(unsigned reason);

#endif /* DPSEC_ESP_H */
