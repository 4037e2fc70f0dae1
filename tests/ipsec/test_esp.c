/*
 * test_esp.c: esp_outb/esp_inb behaviour that the interop suite does not
 * reach: exact overhead and max-inner arithmetic for every algorithm and
 * mode, head/tailroom and multi-segment handling (never corrupting the
 * packet), unsupported packets, IPv6 hop-by-hop in transport mode,
 * esp_pkt_spi() classification, and the sequence-number flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_test.h"

static const uint8_t K[64] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
static const uint8_t zeros[8192];

struct alg {
	uint8_t ealg, aalg;
	uint16_t eklen, aklen;
};

static const struct alg algs[] = {
	{ 20, 0, 20, 0 }, { 19, 0, 36, 0 }, { 18, 0, 28, 0 }, { 250, 0, 36, 0 },
	{ 23, 0, 20, 0 }, { 12, 3, 16, 20 }, { 12, 7, 32, 64 },
	{ 13, 5, 20, 32 }, { 11, 6, 0, 48 },
};

static struct esp_sa *
mk(const struct alg *a, enum esp_dir d, enum esp_mode m, int af, int natt)
{
	struct esp_sa_params p;
	struct esp_sa *sa;

	et_params(&p, d, m, af, a->ealg, K, a->eklen, a->aalg, K, a->aklen);
	if (natt) {
		p.natt_sport = 4500;
		p.natt_dport = 4500;
	}
	sa = esp_sa_create(&p);
	assert_non_null(sa);
	return sa;
}

static struct rte_mbuf *
pkt(int af, uint16_t len, uint8_t proto)
{
	static uint8_t pl[2048], buf[2048];
	uint16_t n;

	memset(pl, 0xa5, sizeof(pl));
	n = af == AF_INET ? et_ipv4(buf, proto, pl, (uint16_t)(len - 20), 0) :
	    et_ipv6(buf, proto, pl, (uint16_t)(len - 40), 0);
	return et_mbuf(buf, n);
}

/* overhead() is exactly what outb adds; max_inner() is the boundary. */
static void
test_overhead(void **state)
{
	static const int modes[] = { ESP_MODE_TUNNEL, ESP_MODE_TRANSPORT };
	static const uint32_t mtus[] = { 576, 1280, 1500, 9000 };
	unsigned a, mi, f, natt, u;
	uint8_t reason[1];

	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
	for (mi = 0; mi < 2; mi++)
	for (f = 0; f < 2; f++)
	for (natt = 0; natt < 2; natt++) {
		int af = f ? AF_INET6 : AF_INET;
		uint32_t hl = af == AF_INET ? 20 : 40, len;
		struct esp_sa *sa = mk(&algs[a], ESP_DIR_OUT, modes[mi], af,
		    natt);

		for (len = hl; len < 1500; len += 7) {
			struct rte_mbuf *m = pkt(af, (uint16_t)len, 17);

			assert_non_null(m);
			assert_int_equal(esp_outb_process(sa, 0, &m, reason, 1),
			    1);
			assert_int_equal(m->pkt_len - len,
			    esp_sa_overhead(sa, len, hl));
			rte_pktmbuf_free(m);
		}
		for (u = 0; u < sizeof(mtus) / sizeof(mtus[0]); u++) {
			uint32_t mx = esp_sa_max_inner(sa, mtus[u], hl), k;

			assert_true(mx > hl);
			assert_true(mx + esp_sa_overhead(sa, mx, hl) <= mtus[u]);
			for (k = 1; k <= 16; k++)
				assert_true(mx + k + esp_sa_overhead(sa, mx + k,
				    hl) > mtus[u]);
		}
		assert_int_equal(esp_sa_max_inner(sa, 40, hl), 0);
		esp_sa_destroy(sa);
	}
}

/* Not enough head- or tailroom: dropped, packet bytes unchanged. */
static void
test_room(void **state)
{
	struct esp_sa *sa = mk(&algs[0], ESP_DIR_OUT, ESP_MODE_TUNNEL,
	    AF_INET, 0);
	uint8_t copy[2048], reason[2];
	struct rte_mbuf *mb[2], *m;
	uint16_t len;

	m = rte_pktmbuf_alloc(et_pool);
	m->data_off = 10;	/* < 20 + 8 + 8 */
	len = et_ipv4(rte_pktmbuf_mtod(m, uint8_t *), 17, K, 40, 0);
	rte_pktmbuf_append(m, len);
	memcpy(copy, rte_pktmbuf_mtod(m, uint8_t *), len);
	mb[0] = pkt(AF_INET, 100, 17);
	mb[1] = m;
	assert_int_equal(esp_outb_process(sa, 0, mb, reason, 2), 1);
	assert_ptr_equal(mb[1], m);
	assert_int_equal(reason[1], ESP_DROP_HEADROOM);
	assert_int_equal(m->pkt_len, len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), copy, len);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(mb[0]);

	/* a packet filling the buffer to the end: no tailroom */
	m = rte_pktmbuf_alloc(et_pool);
	len = (uint16_t)rte_pktmbuf_tailroom(m);
	rte_pktmbuf_append(m, len);
	memset(rte_pktmbuf_mtod(m, uint8_t *), 0, len);
	et_ipv4(rte_pktmbuf_mtod(m, uint8_t *), 17, zeros,
	    (uint16_t)(len - 20), 0);
	memcpy(copy, rte_pktmbuf_mtod(m, uint8_t *), 64);
	assert_int_equal(esp_outb_process(sa, 0, &m, reason, 1), 0);
	assert_int_equal(reason[0], ESP_DROP_TAILROOM);
	assert_int_equal(m->pkt_len, len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), copy, 64);
	rte_pktmbuf_free(m);

	/* nothing was numbered for the failures */
	assert_true(esp_sa_seq(sa) == 1);
	{
		struct esp_sa_stats st;

		esp_sa_stats(sa, &st);
		assert_true(st.drops[ESP_DROP_HEADROOM] == 1);
		assert_true(st.drops[ESP_DROP_TAILROOM] == 1);
		assert_true(st.packets == 1);
	}
	esp_sa_destroy(sa);
}

/* A chain that fits in its first segment is linearised and works; one
 * that does not is dropped MULTISEG, untouched. */
static void
test_multiseg(void **state)
{
	struct esp_sa *so = mk(&algs[5], ESP_DIR_OUT, ESP_MODE_TUNNEL,
	    AF_INET, 0);
	struct esp_sa *si = mk(&algs[5], ESP_DIR_IN, ESP_MODE_TUNNEL,
	    AF_INET, 0);
	uint8_t full[512], reason[1];
	struct rte_mbuf *m, *seg;
	uint16_t len;

	len = et_ipv4(full, 17, K, 60, 0);
	m = et_mbuf(full, 50);
	seg = et_mbuf(full + 50, (uint16_t)(len - 50));
	assert_int_equal(rte_pktmbuf_chain(m, seg), 0);
	assert_int_equal(esp_outb_process(so, 0, &m, reason, 1), 1);
	assert_true(rte_pktmbuf_is_contiguous(m));
	assert_int_equal(esp_inb_process(si, 0, &m, reason, 1), 1);
	assert_int_equal(m->pkt_len, len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), full, len);
	rte_pktmbuf_free(m);

	/* too big for the first segment (3000 + 1500 > its room) */
	m = rte_pktmbuf_alloc(et_pool);
	seg = rte_pktmbuf_alloc(et_pool);
	memset(rte_pktmbuf_append(m, 3000), 0xdd, 3000);
	memset(rte_pktmbuf_append(seg, 1500), 0xee, 1500);
	et_ipv4(rte_pktmbuf_mtod(m, uint8_t *), 17, K, 20, 0);
	rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->total_length =
	    rte_cpu_to_be_16(4500);
	assert_int_equal(rte_pktmbuf_chain(m, seg), 0);
	assert_int_equal(esp_outb_process(so, 0, &m, reason, 1), 0);
	assert_int_equal(reason[0], ESP_DROP_MULTISEG);
	assert_int_equal(m->pkt_len, 4500);
	assert_int_equal(m->nb_segs, 2);
	rte_pktmbuf_free(m);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
}

/* Unsupported input: not IP, IPv4 fragment in transport mode, IPv6
 * routing header in transport mode; hop-by-hop works. */
static void
test_proto_and_hbh(void **state)
{
	struct esp_sa *so = mk(&algs[0], ESP_DIR_OUT, ESP_MODE_TRANSPORT,
	    AF_INET6, 0);
	struct esp_sa *si = mk(&algs[0], ESP_DIR_IN, ESP_MODE_TRANSPORT,
	    AF_INET6, 0);
	struct esp_sa *s4 = mk(&algs[0], ESP_DIR_OUT, ESP_MODE_TRANSPORT,
	    AF_INET, 0);
	uint8_t buf[512], pl[64], reason[4];
	struct rte_mbuf *mb[4];
	uint16_t len;

	memset(pl, 0, sizeof(pl));
	/* hop-by-hop (8 bytes, next = UDP) + 24 bytes UDP-ish payload */
	pl[0] = IPPROTO_UDP;
	pl[1] = 0;
	pl[2] = 1;	/* PadN */
	pl[3] = 4;
	memset(pl + 8, 0x5a, 24);
	len = et_ipv6(buf, IPPROTO_HOPOPTS, pl, 32, 0);
	mb[0] = et_mbuf(buf, len);
	pl[0] = IPPROTO_ROUTING;
	mb[1] = et_mbuf(buf, len);
	rte_pktmbuf_mtod(mb[1], uint8_t *)[40] = IPPROTO_ROUTING;
	mb[2] = et_mbuf(buf, len);
	rte_pktmbuf_mtod(mb[2], uint8_t *)[0] = 0x55;	/* version 5 */
	assert_int_equal(esp_outb_process(so, 0, mb, reason, 3), 1);
	assert_int_equal(reason[1], ESP_DROP_PROTO);
	assert_int_equal(reason[2], ESP_DROP_PROTO);
	/* ESP sits after the hop-by-hop header */
	assert_int_equal(rte_pktmbuf_mtod(mb[0], uint8_t *)[6],
	    IPPROTO_HOPOPTS);
	assert_int_equal(rte_pktmbuf_mtod(mb[0], uint8_t *)[40], IPPROTO_ESP);
	assert_int_equal(esp_inb_process(si, 0, mb, reason, 1), 1);
	assert_int_equal(mb[0]->pkt_len, len);
	assert_memory_equal(rte_pktmbuf_mtod(mb[0], uint8_t *), buf, len);
	rte_pktmbuf_free_bulk(mb, 3);

	/* IPv4 fragment in transport mode */
	len = et_ipv4(buf, 17, pl, 40, 0);
	((struct rte_ipv4_hdr *)buf)->fragment_offset =
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	mb[0] = et_mbuf(buf, len);
	assert_int_equal(esp_outb_process(s4, 0, mb, reason, 1), 0);
	assert_int_equal(reason[0], ESP_DROP_PROTO);
	rte_pktmbuf_free(mb[0]);
	/* truncated: IP length beyond the data */
	len = et_ipv4(buf, 17, pl, 40, 0);
	mb[0] = et_mbuf(buf, (uint16_t)(len - 1));
	assert_int_equal(esp_outb_process(s4, 0, mb, reason, 1), 0);
	assert_int_equal(reason[0], ESP_DROP_TRUNC);
	rte_pktmbuf_free(mb[0]);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
	esp_sa_destroy(s4);
}

/*
 * An authenticated ESP packet (tunnel, IPv4, AES-GCM, SPI 0x1000) whose
 * trailer we choose: payload, pad bytes, pad length, next header, sealed
 * with an outbound xform session so that only the trailer is wrong.
 */
static struct rte_mbuf *
sealed(uint32_t seq, const uint8_t *payload, uint16_t plen,
    const uint8_t *pad, uint16_t padn, uint8_t padlen, uint8_t nh)
{
	struct xform_session *xs = xform_session_create(20, K, 20, 0, NULL, 0,
	    XFORM_DIR_OUT, 0, XFORM_ENGINE_OPENSSL);
	uint8_t buf[2048];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct xform_op op;
	struct rte_mbuf *m;
	uint32_t v;
	uint16_t ct = (uint16_t)(plen + padn + 2), len;

	assert_non_null(xs);
	len = (uint16_t)(20 + 8 + 8 + ct + 16);
	et_ipv4(buf, IPPROTO_ESP, zeros, (uint16_t)(len - 20), 0);
	v = rte_cpu_to_be_32(0x1000);
	memcpy(buf + 20, &v, 4);
	v = rte_cpu_to_be_32(seq);
	memcpy(buf + 24, &v, 4);
	memset(buf + 28, 0x77, 8);		/* IV */
	memcpy(buf + 36, payload, plen);
	memcpy(buf + 36 + plen, pad, padn);
	buf[36 + plen + padn] = padlen;
	buf[36 + plen + padn + 1] = nh;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = et_mbuf(buf, len);
	memset(&op, 0, sizeof(op));
	op.m = m;
	op.cipher_off = 36;
	op.cipher_len = ct;
	op.digest_off = (uint16_t)(36 + ct);
	memset(op.iv, 0x77, 8);
	memcpy(op.aad, buf + 20, 8);
	assert_int_equal(xform_process_burst(xs, 0, &op, 1), 1);
	xform_session_destroy(xs);
	return m;
}

/* RFC 4303 2.4 padding and next header on inbound. */
static void
test_padding(void **state)
{
	struct esp_sa *si = mk(&algs[0], ESP_DIR_IN, ESP_MODE_TUNNEL,
	    AF_INET, 0);
	static uint8_t inner[64], pad255[255];
	struct rte_mbuf *mb[7];
	uint8_t reason[7];
	uint16_t n = 0, k;
	unsigned i;

	for (i = 0; i < sizeof(pad255); i++)
		pad255[i] = (uint8_t)(i + 1);
	et_ipv4(inner, 17, zeros, 30, 0);	/* 50-byte inner packet */
	/* 0: good, no pad bytes (50 + 2 is aligned) */
	mb[n++] = sealed(1, inner, 50, pad255, 0, 0, IPPROTO_IPIP);
	/* 1: pad bytes 1,2,3,5 (not monotonic) */
	mb[n++] = sealed(2, inner, 50, (const uint8_t *)"\x01\x02\x03\x05",
	    4, 4, IPPROTO_IPIP);
	/* 2: pad length longer than the payload */
	mb[n++] = sealed(3, inner, 50, pad255, 0, 200, IPPROTO_IPIP);
	/* 3: 252 correct pad bytes (near the maximum of 255, aligned) */
	mb[n++] = sealed(4, inner, 50, pad255, 252, 252, IPPROTO_IPIP);
	/* 4: next header 59 (dummy packet) */
	mb[n++] = sealed(5, inner, 50, pad255, 0, 0, IPPROTO_NONE);
	/* 5: next header TCP in tunnel mode */
	mb[n++] = sealed(6, inner, 50, pad255, 0, 0, IPPROTO_TCP);
	/* 6: next header IPv6 over an IPv4 inner */
	mb[n++] = sealed(7, inner, 50, pad255, 0, 0, IPPROTO_IPV6);
	k = esp_inb_process(si, 0, mb, reason, n);
	assert_int_equal(k, 2);
	assert_int_equal(mb[0]->pkt_len, 50);
	assert_memory_equal(rte_pktmbuf_mtod(mb[0], uint8_t *), inner, 50);
	assert_int_equal(mb[1]->pkt_len, 50);
	assert_int_equal(reason[2], ESP_DROP_PAD);
	assert_int_equal(reason[3], ESP_DROP_PAD);
	assert_int_equal(reason[4], ESP_DROP_PROTO);
	assert_int_equal(reason[5], ESP_DROP_PROTO);
	assert_int_equal(reason[6], ESP_DROP_PROTO);
	rte_pktmbuf_free_bulk(mb, n);
	esp_sa_destroy(si);
}

/* Transport mode keeps IPv4 options in clear and restores them. */
static void
test_ipv4_options(void **state)
{
	struct esp_sa *so = mk(&algs[5], ESP_DIR_OUT, ESP_MODE_TRANSPORT,
	    AF_INET, 0);
	struct esp_sa *si = mk(&algs[5], ESP_DIR_IN, ESP_MODE_TRANSPORT,
	    AF_INET, 0);
	uint8_t buf[256], reason[1];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_mbuf *m;
	uint16_t len = 24 + 50;

	memset(buf, 0x3c, sizeof(buf));
	et_ipv4(buf, 17, zeros, 0, 0);
	ip->version_ihl = 0x46;
	memcpy(buf + 20, "\x94\x04\x00\x00", 4);	/* router alert */
	ip->total_length = rte_cpu_to_be_16(len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = et_mbuf(buf, len);
	assert_int_equal(esp_outb_process(so, 0, &m, reason, 1), 1);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[0], 0x46);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[9], IPPROTO_ESP);
	assert_int_equal(m->pkt_len, len + esp_sa_overhead(so, len, 24));
	assert_int_equal(rte_ipv4_cksum(rte_pktmbuf_mtod(m,
	    struct rte_ipv4_hdr *)), 0);	/* valid */
	assert_int_equal(esp_inb_process(si, 0, &m, reason, 1), 1);
	assert_int_equal(m->pkt_len, len);
	assert_int_equal(m->l3_len, 24);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), buf, len);
	rte_pktmbuf_free(m);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
}

/* SPI mismatch on inbound is NO_SA; esp_pkt_spi classifies. */
static void
test_spi(void **state)
{
	struct esp_sa *so = mk(&algs[0], ESP_DIR_OUT, ESP_MODE_TUNNEL,
	    AF_INET, 1);
	struct esp_sa_params p;
	struct esp_sa *si;
	uint8_t reason[1], buf[128], pr;
	struct rte_mbuf *m = pkt(AF_INET, 60, 17);
	uint32_t spi;
	uint16_t len;

	assert_int_equal(esp_outb_process(so, 0, &m, reason, 1), 1);
	assert_int_equal(esp_pkt_spi(m, 4500, &spi, &pr), 0);
	assert_int_equal(spi, 0x1000);
	assert_int_equal(pr, IPPROTO_UDP);
	assert_int_equal(esp_pkt_spi(m, 0, &spi, &pr), -ESP_DROP_PROTO);
	et_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, AF_INET, 20, K, 20, 0,
	    NULL, 0);
	p.spi = 0x2000;
	si = esp_sa_create(&p);
	assert_int_equal(esp_inb_process(si, 0, &m, reason, 1), 0);
	assert_int_equal(reason[0], ESP_DROP_NO_SA);
	rte_pktmbuf_free(m);

	/* IKE (non-ESP marker) and keepalive on 4500 */
	memset(buf, 0, sizeof(buf));
	len = et_ipv4(buf, 17, buf + 100, 20, 0);
	buf[20] = 0x11; buf[21] = 0x94; buf[22] = 0x11; buf[23] = 0x94;
	buf[25] = 20;
	m = et_mbuf(buf, len);
	assert_int_equal(esp_pkt_spi(m, 4500, &spi, &pr), -ESP_DROP_NOT_ESP);
	rte_pktmbuf_free(m);
	len = et_ipv4(buf, 17, buf + 100, 9, 0);
	buf[20] = 0x11; buf[21] = 0x94; buf[22] = 0x11; buf[23] = 0x94;
	buf[25] = 9;
	buf[28] = 0xff;
	m = et_mbuf(buf, len);
	assert_int_equal(esp_pkt_spi(m, 4500, &spi, &pr), -ESP_DROP_NOT_ESP);
	rte_pktmbuf_free(m);
	len = et_ipv4(buf, 6, buf + 100, 20, 0);
	m = et_mbuf(buf, len);
	assert_int_equal(esp_pkt_spi(m, 4500, &spi, &pr), -ESP_DROP_PROTO);
	rte_pktmbuf_free(m);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
}

/* Without ESN the counter stops at 2^32-1 and raises the flag; the
 * caller-side counters work. */
static void
test_seq_exhausted(void **state)
{
	struct esp_sa_params p;
	struct rte_mbuf *mb[3];
	uint8_t reason[3];
	struct esp_sa *sa;
	struct esp_sa_stats st;

	et_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, AF_INET, 20, K, 20, 0,
	    NULL, 0);
	p.initial_seq = UINT32_MAX - 1;
	sa = esp_sa_create(&p);
	assert_false(esp_sa_seq_exhausted(sa));
	mb[0] = pkt(AF_INET, 60, 17);
	mb[1] = pkt(AF_INET, 60, 17);
	mb[2] = pkt(AF_INET, 60, 17);
	assert_int_equal(esp_outb_process(sa, 0, mb, reason, 3), 1);
	assert_int_equal(reason[1], ESP_DROP_SEQ_OVERFLOW);
	assert_int_equal(reason[2], ESP_DROP_SEQ_OVERFLOW);
	assert_true(esp_sa_seq_exhausted(sa));
	assert_true(esp_sa_seq(sa) == UINT32_MAX);
	esp_sa_count_drop(sa, 0, ESP_DROP_POLICY, 5);
	esp_sa_stats(sa, &st);
	assert_true(st.drops[ESP_DROP_POLICY] == 5);
	assert_true(st.drops[ESP_DROP_SEQ_OVERFLOW] == 2);
	rte_pktmbuf_free_bulk(mb, 3);
	esp_sa_destroy(sa);
	/* bad parameters */
	p.nb_workers = 0;
	assert_null(esp_sa_create(&p));
	p.nb_workers = 1;
	p.enc_key_len = 7;
	assert_null(esp_sa_create(&p));
	p.enc_key_len = 20;
	p.replay_win = ESP_REPLAY_WIN_MAX + 1;
	assert_null(esp_sa_create(&p));
	assert_string_equal(esp_drop_name(ESP_DROP_REPLAY), "replay");
}

static int
setup(void **state)
{
	et_setup(1);
	return 0;
}

static int
teardown(void **state)
{
	et_teardown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overhead),
		cmocka_unit_test(test_room),
		cmocka_unit_test(test_multiseg),
		cmocka_unit_test(test_proto_and_hbh),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_spi),
		cmocka_unit_test(test_seq_exhausted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
