/*
 * ICV failures through the whole inbound ESP path, on every engine and the
 * default one (issue 5): for every algorithm and inbound engine (the
 * default -1 included), with and without ESN, the outbound SA encrypts a
 * burst; in the inbound burst every ICV byte position is flipped in one
 * packet each (first and last included) between good packets.  The good
 * ones decapsulate to the original, each tampered one is dropped with
 * ESP_DROP_AUTH (the "auth" counter), and the SA's auth counter counts
 * exactly the tampered ones.  A session the default picked compares in
 * constant time (xform_session_icv_ct()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_test.h"

#define NPKT	(XFORM_ICV_MAX + 2)
#define CHUNK	16	/* inbound burst size (< NPKT: several bursts) */

struct combo {
	const char *name;
	uint8_t ealg, aalg;
	uint16_t eklen, aklen;
};

static const struct combo combos[] = {
	{ "aes-128-gcm-8", SADB_X_EALG_AES_GCM_ICV8, 0, 20, 0 },
	{ "aes-128-gcm-16", SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0 },
	{ "aes-256-gcm-16", SADB_X_EALG_AES_GCM_ICV16, 0, 36, 0 },
	{ "chacha20-poly1305", DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0 },
	{ "aes-128-gmac", SADB_X_EALG_NULL_AES_GMAC, 0, 20, 0 },
	{ "aes-128-cbc+sha1", SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, 16, 20 },
	{ "aes-128-cbc+sha256", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC,
	    16, 32 },
	{ "aes-256-ctr+sha384", SADB_X_EALG_AESCTR, SADB_X_AALG_SHA2_384HMAC,
	    36, 48 },
	{ "aes-128-cbc+sha512", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_512HMAC,
	    16, 64 },
	{ "null+sha256", SADB_EALG_NULL, SADB_X_AALG_SHA2_256HMAC, 0, 32 },
};

static const int engines[] = { -1, XFORM_ENGINE_OPENSSL, XFORM_ENGINE_SODIUM,
    XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_CDEV_OPENSSL };

static const uint8_t ekey[36] = { 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    30, 31, 32, 33, 34, 35 };
static const uint8_t akey[64] = { 0x24, 0x55, 0xaa, 9, 8, 7, 6, 5, 4, 3 };

/* One SA pair and burst; returns 1 if the engine ran it, 0 if skipped. */
static unsigned int
check(const struct combo *c, int engine, uint32_t flags)
{
	struct esp_sa_params po, pi;
	struct esp_sa *so, *si;
	struct esp_sa_stats st;
	struct rte_mbuf *mb[NPKT], *in[CHUNK];
	uint8_t pkt[256], pl[100], reason[NPKT];
	uint16_t len, n, i, j, k, done, good = 0;
	uint8_t icv;

	if (engine >= 0 && !xform_engine_supports((enum xform_engine)engine,
	    c->ealg, c->aalg, (flags & ESP_F_ESN) ? XFORM_F_ESN : 0))
		return 0;
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i ^ 0x5a);
	len = et_ipv4(pkt, IPPROTO_UDP, pl, sizeof(pl), 0);
	et_params(&po, ESP_DIR_OUT, ESP_MODE_TUNNEL, AF_INET, c->ealg, ekey,
	    c->eklen, c->aalg, c->aalg ? akey : NULL, c->aklen);
	po.flags = flags;
	pi = po;
	pi.dir = ESP_DIR_IN;
	pi.engine = engine;
	so = esp_sa_create(&po);
	si = esp_sa_create(&pi);
	assert_non_null(so);
	assert_non_null(si);
	if (engine >= 0 && (int)xform_session_engine(si->xs) != engine) {
		/* Fell back (sodium and AES-128/ICV 8). */
		esp_sa_destroy(so);
		esp_sa_destroy(si);
		return 0;
	}
	if (engine < 0 && !xform_session_icv_ct(si->xs))
		fail_msg("%s: default inbound engine %s is not constant time",
		    c->name, xform_engine_name(xform_session_engine(si->xs)));
	icv = xform_session_icv_len(si->xs);
	n = (uint16_t)(icv + 2);
	for (i = 0; i < n; i++) {
		mb[i] = et_mbuf(pkt, len);
		assert_non_null(mb[i]);
	}
	for (done = 0; done < n; done += k) {
		k = (uint16_t)RTE_MIN(n - done, ESP_BURST_MAX);
		assert_int_equal(esp_outb_process(so, 0, mb + done, reason, k),
		    k);
	}
	/* Packet 1 + b: ICV byte b flipped; 0 and n - 1 are good. */
	for (i = 1; i + 1 < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(mb[i], uint8_t *);

		p[mb[i]->pkt_len - icv + (i - 1)] ^= (uint8_t)(0x80 >> (i % 8));
	}
	for (done = 0; done < n; done += k) {
		uint16_t ok;

		k = (uint16_t)RTE_MIN(n - done, CHUNK);
		for (i = 0; i < k; i++)
			in[i] = mb[done + i];
		ok = esp_inb_process(si, 0, in, reason, k);
		for (j = 0; j < ok; j++) {
			assert_int_equal(in[j]->pkt_len, len);
			assert_memory_equal(rte_pktmbuf_mtod(in[j], uint8_t *),
			    pkt, len);
		}
		for (j = ok; j < k; j++)
			if (reason[j] != ESP_DROP_AUTH)
				fail_msg("%s on %s%s: drop reason %s, want "
				    "auth", c->name, engine < 0 ? "default" :
				    xform_engine_name((enum xform_engine)
				    engine), (flags & ESP_F_ESN) ? "/esn" : "",
				    esp_drop_name(reason[j]));
		good += ok;
		for (i = 0; i < k; i++)
			rte_pktmbuf_free(in[i]);
	}
	assert_int_equal(good, 2);
	esp_sa_stats(si, &st);
	assert_int_equal(st.drops[ESP_DROP_AUTH], icv);
	assert_int_equal(st.packets, 2);
	esp_sa_destroy(so);
	esp_sa_destroy(si);
	return 1;
}

static void
test_icv_every_byte(void **state)
{
	unsigned int c, e, f, n, total = 0;

	(void)state;
	for (c = 0; c < sizeof(combos) / sizeof(combos[0]); c++) {
		for (e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
			n = 0;
			for (f = 0; f < 2; f++)
				n += check(&combos[c], engines[e],
				    f ? ESP_F_ESN : 0);
			if (n > 0)
				print_message("%-20s %-14s %u\n",
				    combos[c].name, engines[e] < 0 ?
				    "default" : xform_engine_name(
				    (enum xform_engine)engines[e]), n);
			total += n;
		}
	}
	/* default and OpenSSL run every algorithm, ESN or not. */
	assert_true(total >= 4 * sizeof(combos) / sizeof(combos[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icv_every_byte),
	};
	int rc;

	et_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	et_teardown();
	return rc;
}
