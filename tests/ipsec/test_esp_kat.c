/*
 * test_esp_kat.c: whole-packet known answers through esp_outb/esp_inb
 * (../shared/vectors/esp-kat.json: RFC 7634 Appendix A, draft-mcgrew-gcm-
 * test-01 including its ESN cases).  With the vector's SPI, sequence number
 * and (test-only fixed) IV, our encapsulation must produce the published
 * ESP bytes exactly (SPI, SN, IV, ciphertext with our own padding and
 * next header, ICV), through every engine that has the algorithm; the
 * inbound SA must turn them back into the original packet.
 *
 * A vector whose next header is 4 (IPv4) is an inner packet (tunnel mode);
 * the others are run in transport mode: an IPv4 header with protocol =
 * the vector's next header in front of the payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_errno.h>

#include "esp_test.h"
#include "esp_kat.h"

static unsigned runs;

static void
run_one(const struct esp_kat *k, enum xform_engine e)
{
	struct esp_sa_params po, pi;
	struct esp_sa *so, *si;
	struct rte_mbuf *m;
	uint8_t in[512], reason[1], nh, padlen;
	uint16_t len, body, esp_off;
	uint32_t v;
	const uint8_t *p;
	int transport;

	nh = k->pt[k->pt_len - 1];
	padlen = k->pt[k->pt_len - 2];
	body = (uint16_t)(k->pt_len - 2 - padlen);
	transport = nh != IPPROTO_IPIP;
	if (transport)
		len = et_ipv4(in, nh, k->pt, body, 0);
	else {
		memcpy(in, k->pt, body);
		len = body;
	}
	et_params(&po, ESP_DIR_OUT, transport ? ESP_MODE_TRANSPORT :
	    ESP_MODE_TUNNEL, AF_INET, k->ealg, k->key, k->key_len, 0, NULL, 0);
	po.spi = k->spi;
	po.flags = k->esn ? ESP_F_ESN : 0;
	po.initial_seq = k->seq - 1;
	po.engine = e;
	pi = po;
	pi.dir = ESP_DIR_IN;
	so = esp_sa_create(&po);
	if (so == NULL)
		print_error("%s engine %d: %s\n", k->name, e,
		    rte_strerror(rte_errno));
	si = esp_sa_create(&pi);
	assert_non_null(so);
	assert_non_null(si);
	esp_sa_test_fixed_iv(so, k->iv, 8);

	m = et_mbuf(in, len);
	assert_non_null(m);
	assert_int_equal(esp_outb_process(so, 0, &m, reason, 1), 1);
	esp_off = transport ? 20 : 20;	/* IPv4 header either way */
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(m->pkt_len, esp_off + 16 + k->ct_icv_len);
	v = rte_cpu_to_be_32(k->spi);
	assert_memory_equal(p + esp_off, &v, 4);
	v = rte_cpu_to_be_32((uint32_t)k->seq);
	assert_memory_equal(p + esp_off + 4, &v, 4);
	assert_memory_equal(p + esp_off + 8, k->iv, 8);
	assert_memory_equal(p + esp_off + 16, k->ct_icv, k->ct_icv_len);
	assert_int_equal(p[9], IPPROTO_ESP);
	assert_true(esp_sa_seq(so) == k->seq);

	assert_int_equal(esp_inb_process(si, 0, &m, reason, 1), 1);
	assert_int_equal(m->pkt_len, len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), in, len);
	assert_true(esp_sa_seq(si) == k->seq);
	rte_pktmbuf_free(m);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
	runs++;
}

static void
test_kat_all_engines(void **state)
{
	unsigned i;
	int e;

	for (i = 0; i < sizeof(esp_kats) / sizeof(esp_kats[0]); i++) {
		const struct esp_kat *k = &esp_kats[i];
		unsigned before = runs;

		for (e = XFORM_ENGINE_OPENSSL; e < XFORM_ENGINE_MAX; e++) {
			if (!xform_engine_supports(e, k->ealg, 0,
			    k->esn ? XFORM_F_ESN : 0))
				continue;
			if (k->ealg == SADB_X_EALG_AES_GCM_ICV16 &&
			    e == XFORM_ENGINE_SODIUM && k->key_len != 36)
				continue;
			run_one(k, (enum xform_engine)e);
		}
		/* every vector ran on at least one engine */
		assert_true(runs > before);
	}
	print_message("%u vector x engine runs\n", runs);
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
		cmocka_unit_test(test_kat_all_engines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
