/*
 * natt.c: recognising ESP on the unprotected side before the SA lookup:
 * plain ESP and RFC 3948 UDP-encapsulated ESP (port 4500), telling IKE
 * (non-ESP marker, four zero bytes) and NAT keepalives (one 0xff byte)
 * apart so the datapath hands them to the exception path.  The burst
 * functions themselves encapsulate (esp_outb.c, UDP checksum zero over
 * IPv4 as RFC 3948 3.1 allows, computed over IPv6 where zero is not
 * allowed) and accept both forms inbound (esp_inb.c, any checksum: the
 * ICV protects the payload).
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp.h"

int
esp_pkt_spi(const struct rte_mbuf *m, uint16_t natt_port, uint32_t *spi,
    uint8_t *proto)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hl, v;
	uint8_t pr;

	if (len < sizeof(struct rte_ipv4_hdr))
		return -ESP_DROP_TRUNC;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;

		hl = (p[0] & 0x0f) * 4u;
		if (hl < sizeof(*ip) || hl > len)
			return -ESP_DROP_TRUNC;
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
		    RTE_IPV4_HDR_OFFSET_MASK))
			return -ESP_DROP_PROTO;
		pr = ip->next_proto_id;
	} else if ((p[0] >> 4) == 6) {
		if (len < sizeof(struct rte_ipv6_hdr))
			return -ESP_DROP_TRUNC;
		hl = sizeof(struct rte_ipv6_hdr);
		pr = p[6];
		if (pr == IPPROTO_HOPOPTS) {
			if (len < hl + 8)
				return -ESP_DROP_TRUNC;
			pr = p[40];
			hl += (p[41] + 1) * 8u;
		}
	} else {
		return -ESP_DROP_PROTO;
	}
	if (pr == IPPROTO_UDP) {
		const struct rte_udp_hdr *u = (const void *)(p + hl);

		if (natt_port == 0 || len < hl + sizeof(*u))
			return natt_port == 0 ? -ESP_DROP_PROTO : -ESP_DROP_TRUNC;
		if (u->dst_port != rte_cpu_to_be_16(natt_port))
			return -ESP_DROP_PROTO;
		hl += sizeof(*u);
		if (len < hl + 4)
			return -ESP_DROP_NOT_ESP;	/* keepalive */
		memcpy(&v, p + hl, 4);
		if (v == 0)
			return -ESP_DROP_NOT_ESP;	/* IKE */
	} else if (pr != IPPROTO_ESP) {
		return -ESP_DROP_PROTO;
	}
	if (len < hl + 8)
		return -ESP_DROP_TRUNC;
	memcpy(&v, p + hl, 4);
	*spi = rte_be_to_cpu_32(v);
	*proto = pr;
	return 0;
}
