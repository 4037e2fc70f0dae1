/*
 * Why a packet left the datapath without being transmitted.  Every value
 * has a per-lcore counter (struct dp_stats) and a name served under
 * /dpsec/drops (telemetry keys allow only [A-Za-z0-9_]).  DP_DROP_NONE (0) in a stage's reason[] means the stage
 * took the packet over (exception path, neighbor resolution, a queue) and
 * it is not a drop.  The IPsec reasons (spd_*, esp_*, sa_*, larval_*,
 * acquire_*, release_*) are the datapath's (docs/datapath.md).
 */
#ifndef DPSEC_DROP_H
#define DPSEC_DROP_H

#define DP_DROP_LIST(X)							\
	X(NONE,			"none")					\
	X(L2_SHORT,		"l2_short")				\
	X(L2_OTHERHOST,		"l2_otherhost")				\
	X(L2_ETHERTYPE,		"l2_ethertype")				\
	X(IP4_SHORT,		"ip4_short")				\
	X(IP4_VERSION,		"ip4_version")				\
	X(IP4_HDRLEN,		"ip4_header_length")			\
	X(IP4_TOTLEN,		"ip4_total_length")			\
	X(IP4_CSUM,		"ip4_checksum")				\
	X(IP4_BAD_SRC,		"ip4_bad_source")			\
	X(IP4_BAD_DST,		"ip4_bad_destination")			\
	X(IP6_SHORT,		"ip6_short")				\
	X(IP6_VERSION,		"ip6_version")				\
	X(IP6_PAYLEN,		"ip6_payload_length")			\
	X(IP6_BAD_SRC,		"ip6_bad_source")			\
	X(IP6_BAD_DST,		"ip6_bad_destination")			\
	X(TTL_EXCEEDED,		"ttl_exceeded")				\
	X(MTU_EXCEEDED,		"mtu_exceeded")				\
	X(ESP_TOO_BIG,		"esp_too_big")				\
	X(ESP_TOO_BIG_NO_ICMP,	"esp_too_big_icmp_suppressed")		\
	X(ESP_FRAG_FAILED,	"esp_fragmentation_failed")		\
	X(REASM_BAD,		"reasm_bad_fragment")			\
	X(REASM_OVERSIZE,	"reasm_oversize")			\
	X(REASM_OVERLAP,	"reasm_overlap")			\
	X(REASM_TIMEOUT,	"reasm_timeout")			\
	X(REASM_TABLE_FULL,	"reasm_table_full")			\
	X(REASM_NOMEM,		"reasm_nomem")				\
	X(PMTU_LEARNT,		"icmp_pmtu_learnt")			\
	X(PMTU_NO_SA,		"icmp_pmtu_no_sa")			\
	X(PMTU_IGNORED,		"icmp_pmtu_implausible")		\
	X(NO_ROUTE,		"no_route")				\
	X(NO_NEIGHBOR,		"no_neighbor")				\
	X(NEIGH_QUEUE_FULL,	"neighbor_queue_full")			\
	X(LOCAL_NO_TAP,		"local_no_exception_path")		\
	X(EXC_RING_FULL,	"exception_ring_full")			\
	X(TAP_TX,		"tap_tx_failed")			\
	X(TX_FULL,		"tx_full")				\
	X(SHUTDOWN,		"shutdown")				\
	X(ALLOC,		"alloc_failed")				\
	X(SPD_DISCARD,		"spd_discard")				\
	X(SPD_CLEAR_PROTECTED,	"spd_cleartext_needs_esp")		\
	X(SPD_BUNDLE,		"spd_bundle_unsupported")		\
	X(ESP_NO_SA,		"esp_no_sa")				\
	X(ESP_REPLAY,		"esp_replay")				\
	X(ESP_AUTH,		"esp_auth")				\
	X(ESP_PAD,		"esp_bad_padding")			\
	X(ESP_TRUNC,		"esp_truncated")			\
	X(ESP_POLICY,		"esp_policy_mismatch")			\
	X(ESP_HEADROOM,		"esp_no_headroom")			\
	X(ESP_TAILROOM,		"esp_no_tailroom")			\
	X(ESP_MULTISEG,		"esp_multi_segment")			\
	X(ESP_SEQ_OVERFLOW,	"esp_seq_overflow")			\
	X(ESP_PROTO,		"esp_unsupported")			\
	X(ESP_ECN,		"esp_ecn")				\
	X(ESP_CRYPTO,		"esp_crypto_error")			\
	X(ESP_OTHER,		"esp_other")				\
	X(SA_NOT_USABLE,	"sa_not_usable")			\
	X(LARVAL_SA_FULL,	"larval_queue_sa_full")			\
	X(LARVAL_FULL,		"larval_queue_full")			\
	X(LARVAL_DEAD,		"larval_sa_dead")			\
	X(ACQUIRE_RING_FULL,	"acquire_ring_full")			\
	X(ACQUIRE_FAILED,	"acquire_entry_failed")			\
	X(RELEASE_RING_FULL,	"release_ring_full")			\
	X(ORDER_BACKLOG_FULL,	"order_backlog_full")			\
	X(HANDOFF_FULL,		"handoff_ring_full")

#define DP_DROP_ENUM(id, name)	DP_DROP_##id,
enum dp_drop {
	DP_DROP_LIST(DP_DROP_ENUM)
	DP_DROP_MAX
};
#undef DP_DROP_ENUM

/** Name of a drop reason ("?" when out of range).  Thread: any. */
const char *dp_drop_name(unsigned int reason);

#endif /* DPSEC_DROP_H */
