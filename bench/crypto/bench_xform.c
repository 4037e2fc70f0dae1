/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_xform: crypto-only throughput of every engine and algorithm through
 * xform_process_burst(), one core, bursts of 32, at 64, 512 and 1420 bytes
 * of ESP payload and IMIX (7:4:1 of 64/576/1420).  Encrypt and decrypt
 * alternate on the same packets (so every decrypt sees a valid ICV), each
 * call timed with rte_rdtsc.  Prints machine facts first.
 *
 * Usage: bench_xform [-n bursts] [-e engine] [-a alg] [-i]
 * (run bench/crypto/run.sh for the full set beside openssl speed and
 * dpdk-test-crypto-perf).
 *
 * -i: the inbound ICV-compare variants side by side instead (encrypt always
 * on cdev-aesni_mb): "aesni_mb+pmd" = decrypt on aesni_mb with
 * XFORM_F_PMD_VERIFY (the PMD compares with memcmp: HMAC chains in one
 * VERIFY pass, the pre-issue-5 path), "aesni_mb+ct" = aesni_mb without it
 * (HMAC chains split into hash, CRYPTO_memcmp, decrypt; AEAD unchanged:
 * the PMD always compares), "default-in" = the engine the default picks
 * for an inbound session (constant time), named in brackets.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "xform.h"

#define BURST 32
#define HDR 8

struct balg {
	const char *name;
	uint8_t ealg, aalg;
	uint16_t ekl, akl;
};

static const struct balg algs[] = {
	{ "aes-128-gcm", SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0 },
	{ "aes-256-gcm", SADB_X_EALG_AES_GCM_ICV16, 0, 36, 0 },
	{ "chacha20-poly1305", DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0 },
	{ "aes-128-gmac", SADB_X_EALG_NULL_AES_GMAC, 0, 20, 0 },
	{ "aes-128-cbc+sha1", SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, 16, 20 },
	{ "aes-128-cbc+sha256", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC,
	    16, 32 },
	{ "aes-128-ctr+sha256", SADB_X_EALG_AESCTR, SADB_X_AALG_SHA2_256HMAC,
	    20, 32 },
	{ "null+sha256", SADB_EALG_NULL, SADB_X_AALG_SHA2_256HMAC, 0, 32 },
};

static const enum xform_engine engines[] = {
	XFORM_ENGINE_OPENSSL, XFORM_ENGINE_SODIUM,
	XFORM_ENGINE_CDEV_AESNI_MB, XFORM_ENGINE_CDEV_OPENSSL,
};

/* -i: inbound ICV-compare variants (see the file comment). */
static const struct {
	const char *label;
	enum xform_engine ein;
	uint32_t fin;
} variants[] = {
	{ "aesni_mb+pmd", XFORM_ENGINE_CDEV_AESNI_MB, XFORM_F_PMD_VERIFY },
	{ "aesni_mb+ct", XFORM_ENGINE_CDEV_AESNI_MB, 0 },
	{ "default-in", XFORM_ENGINE_DEFAULT, 0 },
};

static struct rte_mempool *pool;
static uint64_t *tenc_v, *tdec_v;	/* per-burst cycles */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
machine(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	static const char *const want[] = { "aes", "pclmulqdq", "avx2",
	    "avx512f", "vaes", "vpclmulqdq", "sha_ni", NULL };
	unsigned int i;

	printf("# bench_xform: crypto only, 1 core, burst %d\n", BURST);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0)
			printf("# cpu: %s", strchr(line, ':') + 2);
		if (strncmp(line, "flags", 5) == 0) {
			printf("# flags:");
			for (i = 0; want[i] != NULL; i++) {
				char pat[32];

				snprintf(pat, sizeof(pat), " %s ", want[i]);
				printf(" %s%s", strstr(line, pat) ? "" : "!",
				    want[i]);
			}
			printf("\n");
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	printf("# %s; %s; libsodium %s\n", rte_version(),
	    OpenSSL_version(OPENSSL_VERSION), sodium_version_string());
	printf("# tsc %.3f GHz; sizes = ESP payload bytes (cipher length); "
	    "IMIX = 7:4:1 of 64/576/1420\n", rte_get_tsc_hz() / 1e9);
	printf("# figures from the MEDIAN burst (robust to preemption on a "
	    "shared machine); 'mean' = mean cycles/packet incl. outliers\n");
	printf("%-14s %-19s %-4s %6s %8s %8s %9s %9s\n", "engine",
	    "algorithm", "dir", "size", "Mpps", "Gbps", "cyc/pkt", "mean");
}

/* ESP-shaped ops for payload sizes sz[0..BURST). */
static void
setup_ops(const struct balg *a, struct xform_op *ops, const uint16_t *sz,
    uint8_t icv)
{
	const struct xform_alg *ea = xform_alg_get(false, a->ealg);
	unsigned int i;

	for (i = 0; i < BURST; i++) {
		struct xform_op *op = &ops[i];
		uint16_t pl = sz[i], off;

		if (ea->block_size > 4)
			pl = (uint16_t)(pl + ea->block_size - 1) /
			    ea->block_size * ea->block_size;
		memset(op, 0, sizeof(*op));
		op->m = rte_pktmbuf_alloc(pool);
		off = HDR + ea->iv_len;
		rte_pktmbuf_append(op->m, off + pl + icv);
		memset(rte_pktmbuf_mtod(op->m, void *), (int)i, off + pl);
		/* IV and AAD as ESP has them: copies of the packet's bytes. */
		memcpy(op->iv, rte_pktmbuf_mtod_offset(op->m, void *, HDR),
		    ea->iv_len);
		memcpy(op->aad, rte_pktmbuf_mtod(op->m, void *), HDR);
		op->cipher_off = off;
		op->cipher_len = a->ealg == SADB_EALG_NULL ||
		    a->ealg == SADB_X_EALG_NULL_AES_GMAC ? 0 : pl;
		op->auth_off = a->ealg == SADB_X_EALG_NULL_AES_GMAC ? HDR : 0;
		op->auth_len = off + pl - op->auth_off;
		op->digest_off = off + pl;
	}
}

static void
run_one(enum xform_engine e, enum xform_engine ein, uint32_t fin,
    const char *label, const struct balg *a, const char *szname,
    const uint16_t *sz, unsigned int nb)
{
	static const uint8_t key[64] = { 0x2b, 0x7e, 0x15, 0x16 };
	struct xform_session *so, *si;
	struct xform_op ops[BURST];
	uint64_t t0, tenc = 0, tdec = 0, bytes = 0;
	unsigned int i, r, bad = 0;
	double hz = rte_get_tsc_hz(), npkt;
	char lab[48];

	so = xform_session_create(a->ealg, key, a->ekl, a->aalg, key, a->akl,
	    XFORM_DIR_OUT, 0, e);
	si = xform_session_create(a->ealg, key, a->ekl, a->aalg, key, a->akl,
	    XFORM_DIR_IN, fin, ein);
	if (so == NULL || si == NULL || xform_session_engine(so) != e ||
	    (ein != XFORM_ENGINE_DEFAULT && xform_session_engine(si) != ein)) {
		xform_session_destroy(so);
		xform_session_destroy(si);
		return;
	}
	setup_ops(a, ops, sz, xform_session_icv_len(so));
	for (i = 0; i < BURST; i++)
		bytes += sz[i];
	for (r = 0; r < nb + nb / 10; r++) {
		uint64_t t1;

		t0 = rte_rdtsc_precise();
		bad += BURST - xform_process_burst(so, 0, ops, BURST);
		t1 = rte_rdtsc_precise();
		if (r >= nb / 10)	/* first 10%: warm-up */
			tenc_v[r - nb / 10] = t1 - t0;
		t0 = rte_rdtsc_precise();
		bad += BURST - xform_process_burst(si, 0, ops, BURST);
		t1 = rte_rdtsc_precise();
		if (r >= nb / 10)
			tdec_v[r - nb / 10] = t1 - t0;
	}
	for (r = 0; r < nb; r++) {
		tenc += tenc_v[r];
		tdec += tdec_v[r];
	}
	qsort(tenc_v, nb, sizeof(*tenc_v), cmp_u64);
	qsort(tdec_v, nb, sizeof(*tdec_v), cmp_u64);
	npkt = (double)nb * BURST;
	if (label != NULL) {
		snprintf(lab, sizeof(lab), "%s%s%s%s", label,
		    ein == XFORM_ENGINE_DEFAULT ? "(" : "",
		    ein == XFORM_ENGINE_DEFAULT ?
		    xform_engine_name(xform_session_engine(si)) : "",
		    ein == XFORM_ENGINE_DEFAULT ? ")" : "");
		label = lab;
	}
	for (i = 0; i < 2; i++) {
		double med = (double)(i == 0 ? tenc_v : tdec_v)[nb / 2];

		printf("%-14s %-19s %-4s %6s %8.3f %8.2f %9.0f %9.0f%s\n",
		    label != NULL && i == 1 ? label : xform_engine_name(e),
		    a->name, i == 0 ? "enc" : "dec",
		    szname, BURST / (med / hz) / 1e6,
		    bytes * 8.0 / (med / hz) / 1e9, med / BURST,
		    (i == 0 ? tenc : tdec) / npkt,
		    bad ? "  (FAILED OPS!)" : "");
	}
	for (i = 0; i < BURST; i++)
		rte_pktmbuf_free(ops[i].m);
	xform_session_destroy(so);
	xform_session_destroy(si);
}

int
main(int argc, char **argv)
{
	static const uint16_t fixed[] = { 64, 512, 1420 };
	uint16_t sz[BURST];
	struct xform_config cfg = { .n_workers = 1, .use_cryptodev = true,
	    .socket_id = -1 };
	const char *only_e = NULL, *only_a = NULL;
	bool icv_mode = false;
	unsigned int nb = 20000, i, j, k, s;
	char szname[8];
	int opt, n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	while ((opt = getopt(argc, argv, "n:e:a:i")) != -1) {
		if (opt == 'n')
			nb = (unsigned int)atoi(optarg);
		else if (opt == 'e')
			only_e = optarg;
		else if (opt == 'a')
			only_a = optarg;
		else if (opt == 'i')
			icv_mode = true;
	}
	if (nb < 10)
		nb = 10;
	tenc_v = calloc(nb, sizeof(*tenc_v));
	tdec_v = calloc(nb, sizeof(*tdec_v));
	pool = rte_pktmbuf_pool_create("bench", 1023, 0, 0, 2048, -1);
	if (tenc_v == NULL || tdec_v == NULL || pool == NULL ||
	    xform_init(&cfg) < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	machine();
	for (j = 0; j < sizeof(algs) / sizeof(algs[0]); j++) {
		if (only_a != NULL && strcmp(only_a, algs[j].name) != 0)
			continue;
		for (s = 0; s < 4; s++) {
			for (k = 0; k < BURST; k++)
				sz[k] = s < 3 ? fixed[s] :
				    (k % 12 < 7 ? 64 : k % 12 < 11 ? 576 :
				    1420);
			if (s < 3)
				snprintf(szname, sizeof(szname), "%u",
				    fixed[s]);
			else
				snprintf(szname, sizeof(szname), "imix");
			for (i = 0; i < sizeof(engines) / sizeof(engines[0]);
			    i++) {
				if (only_e != NULL && strcmp(only_e,
				    xform_engine_name(engines[i])) != 0)
					continue;
				if (!xform_engine_supports(engines[i],
				    algs[j].ealg, algs[j].aalg, 0))
					continue;
				/* sodium's AES-GCM is AES-256 only. */
				if (engines[i] == XFORM_ENGINE_SODIUM &&
				    algs[j].ekl != 36)
					continue;
				if (icv_mode)
					continue;
				run_one(engines[i], engines[i], 0, NULL,
				    &algs[j], szname, sz, nb);
			}
			for (i = 0; icv_mode && i < sizeof(variants) /
			    sizeof(variants[0]); i++) {
				if (!xform_engine_supports(
				    XFORM_ENGINE_CDEV_AESNI_MB, algs[j].ealg,
				    algs[j].aalg, 0))
					break;
				run_one(XFORM_ENGINE_CDEV_AESNI_MB,
				    variants[i].ein, variants[i].fin,
				    variants[i].label, &algs[j], szname, sz,
				    nb);
			}
		}
	}
	xform_fini();
	rte_eal_cleanup();
	return 0;
}
