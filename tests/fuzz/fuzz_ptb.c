/*
 * libFuzzer target for ICMP "fragmentation needed" / ICMPv6 "packet too
 * big" handling (src/ipsec/frag.c frag_ptb_parse(), frag_ptb_matches(),
 * frag_pmtu_learn(), frag_pmtu_get()): forged or truncated messages that
 * quote ESP or UDP-encapsulated ESP, reporting any MTU.
 *
 * Input: byte 0 selects the outbound SA the message is matched against
 * (tunnel IPv4 192.0.2.1 -> 192.0.2.2, tunnel IPv6 2001:db8::1 ->
 * 2001:db8::2, NAT-T IPv4; re-created each run so nothing learnt carries
 * over), bytes 1..2 the egress MTU; the rest is the ICMP packet (data at
 * its IP header).  Checks: a parsed message has af 4 or 6 and quotes ESP
 * or UDP; a learnt path MTU is never below the protocol minimum (576 /
 * 1280) nor at or above the egress MTU, and a rejected one changes
 * nothing.
 * Seed corpus: corpus/fuzz_ptb/ (tests/fuzz/gen_seeds.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/pfkeyv2.h>
#include <rte_errno.h>

#include "esp.h"
#include "frag.h"
#include "xform.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *mp;
static const uint8_t key[20] = { 1, 2, 3, 4, 5 };

static struct esp_sa *
make_sa(unsigned int i)
{
	struct esp_sa_params p;
	struct esp_sa *sa;

	memset(&p, 0, sizeof(p));
	p.dir = ESP_DIR_OUT;
	p.mode = ESP_MODE_TUNNEL;
	p.spi = 0x1000 + i;
	p.enc_alg = SADB_X_EALG_AES_GCM_ICV16;
	p.enc_key = key;
	p.enc_key_len = sizeof(key);
	p.engine = -1;
	p.nb_workers = 1;
	p.socket_id = SOCKET_ID_ANY;
	if (i == 1) {
		p.outer_af = AF_INET6;
		p.tun_src.v6[0] = 0x20;
		p.tun_src.v6[1] = 0x01;
		p.tun_src.v6[2] = 0x0d;
		p.tun_src.v6[3] = 0xb8;
		memcpy(p.tun_dst.v6, p.tun_src.v6, 16);
		p.tun_src.v6[15] = 1;
		p.tun_dst.v6[15] = 2;
	} else {
		p.outer_af = AF_INET;
		p.tun_src.v4 = htonl(0xc0000201);
		p.tun_dst.v4 = htonl(0xc0000202);
		if (i == 2)
			p.natt_sport = p.natt_dport = 4500;
	}
	sa = esp_sa_create(&p);
	if (sa == NULL)
		abort();
	return sa;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xform_config xc = { .n_workers = 1, .socket_id = SOCKET_ID_ANY };

	fuzz_eal_init();
	if (xform_init(&xc) != 0)
		abort();
	mp = rte_pktmbuf_pool_create("fuzz_ptb", 8, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frag_ptb pt;
	struct rte_mbuf *m;
	struct esp_sa *sa;
	uint32_t egress, got, min;
	unsigned int i;
	int rc;

	if (size < 3)
		return 0;
	i = data[0] % 3;
	egress = (uint32_t)data[1] << 8 | data[2];
	m = fuzz_mbuf(mp, data + 3, size - 3, 0);
	if (m == NULL)
		return 0;
	(void)frag_is_fragment(m);
	if (frag_ptb_parse(m, &pt) != 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	if ((pt.af != 4 && pt.af != 6) ||
	    (pt.proto != IPPROTO_ESP && pt.proto != IPPROTO_UDP))
		abort();
	sa = make_sa(i);
	if (frag_ptb_matches(sa, &pt)) {
		min = pt.af == 4 ? 576 : 1280;
		rc = frag_pmtu_learn(sa, pt.af, pt.mtu, egress, 1000, 600);
		got = frag_pmtu_get(sa, 1000);
		if (rc == 0 && (got < min || got >= egress || got != pt.mtu))
			abort();
		if (rc != 0 && got != 0)
			abort();
		if (frag_pmtu_get(sa, 1000 + 601) != 0)
			abort();	/* aged out */
	}
	esp_sa_destroy(sa);
	rte_pktmbuf_free(m);
	return 0;
}
