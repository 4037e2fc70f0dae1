/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known answers of whole ESP payloads (../shared/vectors/esp-kat.json:
 * RFC 7634 Appendix A, draft-mcgrew-gcm-test-01 with ESN cases) through
 * every engine that supports the algorithm: encrypt gives the published
 * ciphertext and ICV, decrypt gives the plaintext back, and a tampered
 * ICV or ciphertext fails with XFORM_ST_AUTH_FAILED on every engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xform_test.h"
#include "esp_kat.h"

/* ESP: SPI(4) SN(4) IV(8) payload ICV. */
static struct rte_mbuf *
kat_packet(const struct esp_kat *k, const uint8_t *payload_icv, size_t len)
{
	uint8_t buf[512];
	uint32_t v;

	v = rte_cpu_to_be_32(k->spi);
	memcpy(buf, &v, 4);
	v = rte_cpu_to_be_32((uint32_t)k->seq);
	memcpy(buf + 4, &v, 4);
	memcpy(buf + 8, k->iv, 8);
	memcpy(buf + 16, payload_icv, len);
	return t_mbuf(buf, (uint16_t)(16 + len));
}

static void
kat_op(const struct esp_kat *k, struct rte_mbuf *m, struct xform_op *op)
{
	uint32_t v;

	memset(op, 0, sizeof(*op));
	op->m = m;
	op->cipher_off = 16;
	op->cipher_len = k->pt_len;
	op->digest_off = 16 + k->pt_len;
	memcpy(op->iv, k->iv, 8);
	v = rte_cpu_to_be_32(k->spi);
	memcpy(op->aad, &v, 4);
	if (k->esn) {
		v = rte_cpu_to_be_32((uint32_t)(k->seq >> 32));
		memcpy(op->aad + 4, &v, 4);
		v = rte_cpu_to_be_32((uint32_t)k->seq);
		memcpy(op->aad + 8, &v, 4);
	} else {
		v = rte_cpu_to_be_32((uint32_t)k->seq);
		memcpy(op->aad + 4, &v, 4);
	}
}

static void
run_kat(const struct esp_kat *k, enum xform_engine e, unsigned int *runs)
{
	uint32_t fl = k->esn ? XFORM_F_ESN : 0;
	struct xform_session *so, *si;
	struct xform_op op;
	struct rte_mbuf *m;
	uint8_t *p;
	int t;

	if (!xform_engine_supports(e, k->ealg, 0, fl) ||
	    (k->ealg == SADB_X_EALG_AES_GCM_ICV16 &&
	    e == XFORM_ENGINE_SODIUM && k->key_len != 36))
		return;
	so = xform_session_create(k->ealg, k->key, k->key_len, 0, NULL, 0,
	    XFORM_DIR_OUT, fl, e);
	si = xform_session_create(k->ealg, k->key, k->key_len, 0, NULL, 0,
	    XFORM_DIR_IN, fl, e);
	assert_non_null(so);
	assert_non_null(si);
	assert_int_equal(xform_session_engine(so), e);
	assert_int_equal(xform_session_icv_len(so), 16);

	/* Encrypt: ciphertext || ICV as published. */
	m = kat_packet(k, k->pt, k->pt_len);
	assert_non_null(rte_pktmbuf_append(m, 16));
	kat_op(k, m, &op);
	assert_int_equal(xform_process_burst(so, 1, &op, 1), 1);
	assert_int_equal(op.status, XFORM_ST_OK);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	if (memcmp(p + 16, k->ct_icv, k->ct_icv_len) != 0)
		fail_msg("%s: %s: ciphertext differs", k->name,
		    xform_engine_name(e));
	rte_pktmbuf_free(m);

	/* Decrypt, then tamper ICV, then ciphertext. */
	for (t = 0; t < 3; t++) {
		m = kat_packet(k, k->ct_icv, k->ct_icv_len);
		p = rte_pktmbuf_mtod(m, uint8_t *);
		if (t == 1)
			p[16 + k->ct_icv_len - 1] ^= 0x01;
		if (t == 2)
			p[16] ^= 0x80;
		kat_op(k, m, &op);
		xform_process_burst(si, 0, &op, 1);
		if (t == 0) {
			assert_int_equal(op.status, XFORM_ST_OK);
			if (memcmp(p + 16, k->pt, k->pt_len) != 0)
				fail_msg("%s: %s: plaintext differs", k->name,
				    xform_engine_name(e));
		} else {
			assert_int_equal(op.status, XFORM_ST_AUTH_FAILED);
		}
		rte_pktmbuf_free(m);
	}
	xform_session_destroy(so);
	xform_session_destroy(si);
	(*runs)++;
}

static void
test_esp_kats(void **state)
{
	unsigned int i, j, runs[T_N_ENGINES] = { 0 };

	for (i = 0; i < sizeof(esp_kats) / sizeof(esp_kats[0]); i++)
		for (j = 0; j < T_N_ENGINES; j++)
			run_kat(&esp_kats[i], t_engines[j], &runs[j]);
	for (j = 0; j < T_N_ENGINES; j++)
		print_message("%s: %u ESP vectors\n",
		    xform_engine_name(t_engines[j]), runs[j]);
	/* OpenSSL runs every vector; sodium at least the ChaCha one. */
	assert_int_equal(runs[0], sizeof(esp_kats) / sizeof(esp_kats[0]));
	assert_true(runs[1] >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esp_kats),
	};
	int rc;

	t_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
