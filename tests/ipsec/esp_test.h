/*
 * esp_test.h: helpers shared by the src/ipsec tests that need EAL: EAL
 * with the crypto vdevs, xform_init, a small mbuf pool, packet builders
 * and SA parameter shorthands.
 */
#ifndef DPSEC_ESP_TEST_H
#define DPSEC_ESP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "esp_priv.h"
#include "xform.h"

static struct rte_mempool *et_pool;

/*
 * EAL: --no-huge --no-pci, small memory, no shared config and a unique
 * file prefix (DPDK 22.11 refuses --in-memory together with --no-huge in
 * this setup, see tests/crypto/xform_test.h), the two crypto vdevs.
 */
static inline void
et_setup(unsigned workers)
{
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "128",
	    "--no-shconf", prefix, "--log-level", "lib.eal:error",
	    "--log-level", "pmd.crypto.*:error",
	    "--vdev", "crypto_aesni_mb", "--vdev", "crypto_openssl", NULL };
	struct xform_config cfg = { .n_workers = workers,
	    .use_cryptodev = true, .socket_id = -1 };

	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-esp-%d",
	    (int)getpid());
	if (rte_eal_init(15, argv) < 0) {
		fprintf(stderr, "test: EAL init failed\n");
		exit(1);
	}
	et_pool = rte_pktmbuf_pool_create("et_pool", 1023, 0, 0, 4096, -1);
	if (et_pool == NULL || xform_init(&cfg) < 0) {
		fprintf(stderr, "test: pool or xform_init failed\n");
		exit(1);
	}
}

static inline void
et_teardown(void)
{
	xform_fini();
	rte_mempool_free(et_pool);
	rte_eal_cleanup();
}

static inline struct rte_mbuf *
et_mbuf(const uint8_t *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(et_pool);

	if (m == NULL)
		return NULL;
	if (rte_pktmbuf_append(m, len) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, len);
	return m;
}

/* An IPv4 packet: header (proto) + payload; returns its length. */
static inline uint16_t
et_ipv4(uint8_t *buf, uint8_t proto, const uint8_t *pl, uint16_t plen,
    uint8_t tos)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + plen);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000102);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (plen)
		memcpy(buf + sizeof(*ip), pl, plen);
	return (uint16_t)(sizeof(*ip) + plen);
}

/* An IPv6 packet: header (proto) + payload. */
static inline uint16_t
et_ipv6(uint8_t *buf, uint8_t proto, const uint8_t *pl, uint16_t plen,
    uint8_t tc)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)buf;

	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) | ((uint32_t)tc << 20));
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = proto;
	ip6->hop_limits = 64;
	ip6->src_addr[0] = 0x20;
	ip6->src_addr[1] = 0x01;
	ip6->src_addr[15] = 1;
	ip6->dst_addr[0] = 0x20;
	ip6->dst_addr[1] = 0x01;
	ip6->dst_addr[15] = 2;
	if (plen)
		memcpy(buf + sizeof(*ip6), pl, plen);
	return (uint16_t)(sizeof(*ip6) + plen);
}

/* Outbound + inbound parameters of one SA with the same keys. */
static inline void
et_params(struct esp_sa_params *p, enum esp_dir dir, enum esp_mode mode,
    int af, uint8_t ealg, const uint8_t *ekey, uint16_t eklen, uint8_t aalg,
    const uint8_t *akey, uint16_t aklen)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->mode = mode;
	p->spi = 0x1000;
	p->outer_af = af;
	if (af == AF_INET) {
		p->tun_src.v4 = rte_cpu_to_be_32(0xc0000201);
		p->tun_dst.v4 = rte_cpu_to_be_32(0xc0000202);
	} else {
		p->tun_src.v6[0] = 0xfd;
		p->tun_src.v6[15] = 1;
		p->tun_dst.v6[0] = 0xfd;
		p->tun_dst.v6[15] = 2;
	}
	p->enc_alg = ealg;
	p->enc_key = ekey;
	p->enc_key_len = eklen;
	p->auth_alg = aalg;
	p->auth_key = akey;
	p->auth_key_len = aklen;
	p->replay_win = 64;
	p->engine = -1;
	p->nb_workers = 1;
	p->socket_id = -1;
}

#endif /* DPSEC_ESP_TEST_H */
