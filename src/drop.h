/*
 * Why a packet left the datapath without being transmitted.  Every value
 * has a per-lcore counter (struct dp_stats) and a name served under
 * /dpsec/drops.  DP_DROP_NONE (0) in a stage's reason[] means the stage
 * took the packet over (exception path, neighbor resolution, a queue) and
 * it is not a drop.  The IPsec reasons (spd-*, esp-*, sa-*, larval-*,
 * acquire-*, release-*) are the datapath's (docs/datapath.md).
 */
#ifndef DPSEC_DROP_H
#define DPSEC_DROP_H

#define DP_DROP_LIST(X)							\
	X(NONE,			"none")					\
	X(L2_SHORT,		"l2-short")				\
	X(L2_OTHERHOST,		"l2-otherhost")				\
	X(L2_ETHERTYPE,		"l2-ethertype")				\
	X(IP4_SHORT,		"ip4-short")				\
	X(IP4_VERSION,		"ip4-version")				\
	X(IP4_HDRLEN,		"ip4-header-length")			\
	X(IP4_TOTLEN,		"ip4-total-length")			\
	X(IP4_CSUM,		"ip4-checksum")				\
	X(IP4_BAD_SRC,		"ip4-bad-source")			\
	X(IP4_BAD_DST,		"ip4-bad-destination")			\
	X(IP6_SHORT,		"ip6-short")				\
	X(IP6_VERSION,		"ip6-version")				\
	X(IP6_PAYLEN,		"ip6-payload-length")			\
	X(IP6_BAD_SRC,		"ip6-bad-source")			\
	X(IP6_BAD_DST,		"ip6-bad-destination")			\
	X(TTL_EXCEEDED,		"ttl-exceeded")				\
	X(MTU_EXCEEDED,		"mtu-exceeded")				\
	X(ICMP_NOT_SENT,	"icmp-error-not-sent")			\
	X(NO_ROUTE,		"no-route")				\
	X(NO_NEIGHBOR,		"no-neighbor")				\
	X(NEIGH_QUEUE_FULL,	"neighbor-queue-full")			\
	X(LOCAL_NO_TAP,		"local-no-exception-path")		\
	X(EXC_RING_FULL,	"exception-ring-full")			\
	X(TAP_TX,		"tap-tx-failed")			\
	X(TX_FULL,		"tx-full")				\
	X(SHUTDOWN,		"shutdown")				\
	X(ALLOC,		"alloc-failed")				\
	X(SPD_DISCARD,		"spd-discard")				\
	X(SPD_CLEAR_PROTECTED,	"spd-cleartext-needs-esp")		\
	X(SPD_BUNDLE,		"spd-bundle-unsupported")		\
	X(ESP_NO_SA,		"esp-no-sa")				\
	X(ESP_REPLAY,		"esp-replay")				\
	X(ESP_AUTH,		"esp-auth")				\
	X(ESP_PAD,		"esp-bad-padding")			\
	X(ESP_TRUNC,		"esp-truncated")			\
	X(ESP_POLICY,		"esp-policy-mismatch")			\
	X(ESP_HEADROOM,		"esp-no-headroom")			\
	X(ESP_TAILROOM,		"esp-no-tailroom")			\
	X(ESP_MULTISEG,		"esp-multi-segment")			\
	X(ESP_SEQ_OVERFLOW,	"esp-seq-overflow")			\
	X(ESP_PROTO,		"esp-unsupported")			\
	X(ESP_ECN,		"esp-ecn")				\
	X(ESP_CRYPTO,		"esp-crypto-error")			\
	X(ESP_OTHER,		"esp-other")				\
	X(SA_NOT_USABLE,	"sa-not-usable")			\
	X(LARVAL_SA_FULL,	"larval-queue-sa-full")			\
	X(LARVAL_FULL,		"larval-queue-full")			\
	X(LARVAL_DEAD,		"larval-sa-dead")			\
	X(ACQUIRE_RING_FULL,	"acquire-ring-full")			\
	X(ACQUIRE_FAILED,	"acquire-entry-failed")			\
	X(RELEASE_RING_FULL,	"release-ring-full")

#define DP_DROP_ENUM(id, name)	DP_DROP_##id,
enum dp_drop {
	DP_DROP_LIST(DP_DROP_ENUM)
	DP_DROP_MAX
};
#undef DP_DROP_ENUM

/** Name of a drop reason ("?" when out of range).  Thread: any. */
const char *dp_drop_name(unsigned int reason);

#endif /* DPSEC_DROP_H */
