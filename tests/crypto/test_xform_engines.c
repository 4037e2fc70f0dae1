/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The same ESP bytes through every engine: for every algorithm, key size
 * and ESN setting, a burst of ESP-shaped packets of many sizes (random
 * keys, IVs and payloads from a fixed seed) is encrypted on each engine
 * that supports it; all outputs must be byte-identical, each engine must
 * decrypt every other engine's output back to the original, and a
 * flipped ICV or ciphertext bit must fail on every engine.  Workers 0 and
 * 1 are both used.  GCM with 8/12-byte ICVs must equal the truncated
 * 16-byte ICV.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xform_test.h"

#define NPKT 24
#define HDR 8

struct combo {
	uint8_t ealg, aalg;
	uint16_t ekey_len, akey_len;
	uint32_t flags;
};

static uint32_t rnd_state = 0x12345678;

static uint8_t
rnd8(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (uint8_t)(rnd_state >> 16);
}

static void
rnd(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = rnd8();
}

/* The packet layout ESP uses: SPI SN | IV | payload (aligned) | ICV. */
struct pkt {
	uint8_t buf[1600];
	uint16_t len, cipher_off, cipher_len, digest_off;
	struct xform_op op;
};

static void
make_pkts(const struct combo *c, struct pkt *pk, const struct xform_alg *ea,
    uint8_t icv)
{
	static const uint16_t sizes[] = { 1, 15, 16, 17, 40, 63, 64, 100,
	    255, 256, 511, 512, 777, 1000, 1200, 1420, 1450, 20, 33, 48, 96,
	    128, 1024, 1300 };
	unsigned int i;
	uint32_t hi;

	for (i = 0; i < NPKT; i++) {
		struct pkt *p = &pk[i];
		uint16_t pl = sizes[i];
		uint16_t bs = ea->block_size;

		pl = (uint16_t)((pl + bs - 1) / bs * bs);
		if (c->ealg == SADB_X_EALG_NULL_AES_GMAC ||
		    c->ealg == SADB_EALG_NULL)
			pl = sizes[i];
		memset(&p->op, 0, sizeof(p->op));
		rnd(p->buf, HDR + ea->iv_len + pl);
		p->cipher_off = HDR + ea->iv_len;
		p->cipher_len = pl;
		p->digest_off = p->cipher_off + pl;
		p->len = p->digest_off + icv;
		memset(p->buf + p->digest_off, 0, icv);
		memcpy(p->op.iv, p->buf + HDR, ea->iv_len);
		rnd((uint8_t *)&hi, 4);
		p->op.esn_hi = hi;
		memcpy(p->op.aad, p->buf, 4);
		if (c->flags & XFORM_F_ESN) {
			uint32_t be = rte_cpu_to_be_32(hi);

			memcpy(p->op.aad + 4, &be, 4);
			memcpy(p->op.aad + 8, p->buf + 4, 4);
		} else {
			memcpy(p->op.aad + 4, p->buf + 4, 4);
		}
		if (c->ealg == SADB_X_EALG_NULL_AES_GMAC) {
			p->op.auth_off = HDR;
			p->op.auth_len = ea->iv_len + pl;
			p->cipher_len = 0;
		} else {
			p->op.auth_off = 0;
			p->op.auth_len = p->digest_off;
		}
		if (ea->id == SADB_EALG_NULL)
			p->cipher_len = 0;
		p->op.cipher_off = p->cipher_off;
		p->op.cipher_len = p->cipher_len;
		p->op.digest_off = p->digest_off;
	}
}

/* Run pk[] through s, in place on fresh mbufs; results into res[]. */
static void
run(struct xform_session *s, unsigned int worker, struct pkt *pk,
    const uint8_t (*in)[1600], uint8_t (*res)[1600], uint8_t *st)
{
	struct xform_op ops[NPKT];
	unsigned int i;

	for (i = 0; i < NPKT; i++) {
		ops[i] = pk[i].op;
		ops[i].m = t_mbuf(in[i], pk[i].len);
		assert_non_null(ops[i].m);
	}
	xform_process_burst(s, worker, ops, NPKT);
	for (i = 0; i < NPKT; i++) {
		memcpy(res[i], rte_pktmbuf_mtod(ops[i].m, uint8_t *),
		    pk[i].len);
		st[i] = ops[i].status;
		rte_pktmbuf_free(ops[i].m);
	}
}

static uint8_t inbuf[NPKT][1600], ref[NPKT][1600], out[NPKT][1600];
static uint8_t back[NPKT][1600];
static struct pkt pk[NPKT];

static unsigned int
check_combo(const struct combo *c)
{
	const struct xform_alg *ea = xform_alg_get(false, c->ealg);
	enum xform_engine have[T_N_ENGINES];
	struct xform_session *so[T_N_ENGINES], *si[T_N_ENGINES];
	uint8_t ek[64], ak[64], st[NPKT], icv;
	unsigned int i, j, k, n = 0, w;

	rnd(ek, sizeof(ek));
	rnd(ak, sizeof(ak));
	for (j = 0; j < T_N_ENGINES; j++) {
		if (!xform_engine_supports(t_engines[j], c->ealg, c->aalg,
		    c->flags))
			continue;
		so[n] = xform_session_create(c->ealg, ek, c->ekey_len, c->aalg,
		    ak, c->akey_len, XFORM_DIR_OUT, c->flags, t_engines[j]);
		si[n] = xform_session_create(c->ealg, ek, c->ekey_len, c->aalg,
		    ak, c->akey_len, XFORM_DIR_IN, c->flags, t_engines[j]);
		assert_non_null(so[n]);
		assert_non_null(si[n]);
		if (xform_session_engine(so[n]) != t_engines[j]) {
			/* Fell back (e.g. sodium and AES-128). */
			xform_session_destroy(so[n]);
			xform_session_destroy(si[n]);
			continue;
		}
		have[n++] = t_engines[j];
	}
	assert_true(n >= 1);
	icv = xform_session_icv_len(so[0]);
	make_pkts(c, pk, ea, icv);
	for (i = 0; i < NPKT; i++)
		memcpy(inbuf[i], pk[i].buf, pk[i].len);

	for (j = 0; j < n; j++) {
		w = j & 1;
		run(so[j], w, pk, (const uint8_t (*)[1600])inbuf,
		    j == 0 ? ref : out, st);
		for (i = 0; i < NPKT; i++) {
			assert_int_equal(st[i], XFORM_ST_OK);
			if (j > 0 && memcmp(ref[i], out[i], pk[i].len) != 0)
				fail_msg("%s/%s%s %u bytes: %s differs from %s",
				    ea->name, xform_alg_get(true, c->aalg)->name,
				    (c->flags & XFORM_F_ESN) ? "/esn" : "",
				    pk[i].len, xform_engine_name(have[j]),
				    xform_engine_name(have[0]));
		}
	}
	/* Every engine decrypts the (common) output; tamper fails. */
	for (j = 0; j < n; j++) {
		run(si[j], 1 - (j & 1), pk, (const uint8_t (*)[1600])ref,
		    back, st);
		for (i = 0; i < NPKT; i++) {
			assert_int_equal(st[i], XFORM_ST_OK);
			if (memcmp(back[i], inbuf[i], pk[i].digest_off) != 0)
				fail_msg("%s on %s: decrypt differs at %u",
				    ea->name, xform_engine_name(have[j]), i);
		}
		for (k = 0; k < 2; k++) {
			for (i = 0; i < NPKT; i++) {
				memcpy(out[i], ref[i], pk[i].len);
				if (k == 0)
					out[i][pk[i].digest_off + i % icv] ^=
					    0x10;
				else if (pk[i].cipher_len > 0)
					out[i][pk[i].cipher_off + i %
					    pk[i].cipher_len] ^= 0x01;
				else
					out[i][pk[i].op.auth_off + i %
					    pk[i].op.auth_len] ^= 0x01;
			}
			run(si[j], 0, pk, (const uint8_t (*)[1600])out, back,
			    st);
			for (i = 0; i < NPKT; i++)
				if (st[i] != XFORM_ST_AUTH_FAILED)
					fail_msg("%s on %s: tamper %u of pkt %u "
					    "not caught", ea->name,
					    xform_engine_name(have[j]), k, i);
		}
	}
	for (j = 0; j < n; j++) {
		xform_session_destroy(so[j]);
		xform_session_destroy(si[j]);
	}
	return n;
}

static void
test_same_output(void **state)
{
	static const uint8_t aalgs[] = { SADB_AALG_SHA1HMAC,
	    SADB_X_AALG_SHA2_256HMAC, SADB_X_AALG_SHA2_384HMAC,
	    SADB_X_AALG_SHA2_512HMAC };
	static const uint8_t akl[] = { 20, 32, 48, 64 };
	struct combo c;
	unsigned int a, k, f, n;

	for (f = 0; f < 2; f++) {
		uint32_t fl = f ? XFORM_F_ESN : 0;

		for (k = 16; k <= 32; k += 8) {
			c = (struct combo){ SADB_X_EALG_AES_GCM_ICV16, 0,
			    k + 4, 0, fl };
			n = check_combo(&c);
			print_message("aes-gcm-16/%u%s: %u engines\n", k * 8,
			    f ? "/esn" : "", n);
			c.ealg = SADB_X_EALG_NULL_AES_GMAC;
			n = check_combo(&c);
			print_message("null-aes-gmac/%u%s: %u engines\n",
			    k * 8, f ? "/esn" : "", n);
			for (a = 0; a < 4; a++) {
				c = (struct combo){ SADB_X_EALG_AESCBC,
				    aalgs[a], k, akl[a], fl };
				n = check_combo(&c);
				print_message("aes-cbc/%u/%s%s: %u engines\n",
				    k * 8, xform_alg_get(true, aalgs[a])->name,
				    f ? "/esn" : "", n);
				c.ealg = SADB_X_EALG_AESCTR;
				c.ekey_len = k + 4;
				n = check_combo(&c);
				print_message("aes-ctr/%u/%s%s: %u engines\n",
				    k * 8, xform_alg_get(true, aalgs[a])->name,
				    f ? "/esn" : "", n);
			}
		}
		c = (struct combo){ DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0,
		    fl };
		n = check_combo(&c);
		print_message("chacha20-poly1305%s: %u engines\n",
		    f ? "/esn" : "", n);
		for (a = 0; a < 4; a++) {
			c = (struct combo){ SADB_EALG_NULL, aalgs[a], 0,
			    akl[a], fl };
			n = check_combo(&c);
			print_message("null/%s%s: %u engines\n",
			    xform_alg_get(true, aalgs[a])->name,
			    f ? "/esn" : "", n);
		}
		c = (struct combo){ SADB_X_EALG_AES_GCM_ICV8, 0, 20, 0, fl };
		check_combo(&c);
		c.ealg = SADB_X_EALG_AES_GCM_ICV12;
		check_combo(&c);
	}
}

/* RFC 4106 8/12-byte ICVs are the leading bytes of the 16-byte tag. */
static void
test_gcm_short_icv(void **state)
{
	static const uint8_t key[20] = { 9, 8, 7 };
	static const uint8_t ealgs[] = { SADB_X_EALG_AES_GCM_ICV8,
	    SADB_X_EALG_AES_GCM_ICV12, SADB_X_EALG_AES_GCM_ICV16 };
	uint8_t tag[3][16];
	struct xform_session *s;
	struct xform_op op;
	unsigned int i, j;

	for (j = 0; j < T_N_ENGINES; j++) {
		for (i = 0; i < 3; i++) {
			if (!xform_engine_supports(t_engines[j], ealgs[i], 0,
			    0))
				break;
			s = xform_session_create(ealgs[i], key, 20, 0, NULL, 0,
			    XFORM_DIR_OUT, 0, t_engines[j]);
			assert_non_null(s);
			memset(&op, 0, sizeof(op));
			op.m = t_mbuf(NULL, 80);
			op.cipher_off = 16;
			op.cipher_len = 48;
			op.digest_off = 64;
			assert_int_equal(xform_process_burst(s, 0, &op, 1), 1);
			memcpy(tag[i], rte_pktmbuf_mtod(op.m, uint8_t *) + 64,
			    xform_session_icv_len(s));
			rte_pktmbuf_free(op.m);
			xform_session_destroy(s);
		}
		if (i < 3)
			continue;
		assert_memory_equal(tag[0], tag[2], 8);
		assert_memory_equal(tag[1], tag[2], 12);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_output),
		cmocka_unit_test(test_gcm_short_icv),
	};
	int rc;

	t_setup(1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	t_teardown();
	return rc;
}
