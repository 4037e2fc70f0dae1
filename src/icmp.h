/*
 * ICMP and ICMPv6 errors built in place: the offending packet's mbuf
 * becomes the error (our address -> its source, quoting its start), so a
 * worker needs no allocation and the error simply continues down the
 * pipeline to the route stage.
 */
#ifndef DPSEC_ICMP_H
#define DPSEC_ICMP_H

#include <stdint.h>

#include <rte_mbuf.h>

struct dp_app;

#define ICMP4_DEST_UNREACH	3
#define ICMP4_FRAG_NEEDED	4	/* code */
#define ICMP4_TIME_EXCEEDED	11
#define ICMP6_PACKET_TOO_BIG	2
#define ICMP6_TIME_EXCEEDED	3

/**
 * Turn the IPv4 packet in @p m (data at L3) into an ICMP error to its
 * source, from the gateway's address on the port it arrived on.
 * RFC 1812 4.3.2.7: no error about an ICMP error, a non-first fragment, a
 * multicast/broadcast destination or a bad source.
 * @param info  the 32-bit "rest of header" (next-hop MTU for frag needed)
 * @return 0, or -1 when no error may or can be sent (the caller drops).
 * Thread: any lcore.
 */
int icmp4_error(const struct dp_app *app, struct rte_mbuf *m, uint8_t type,
    uint8_t code, uint32_t info);

/** IPv6 version (RFC 4443 2.4); same contract. */
int icmp6_error(const struct dp_app *app, struct rte_mbuf *m, uint8_t type,
    uint8_t code, uint32_t info);

#endif /* DPSEC_ICMP_H */
