/*
 * bench_esp: ESP encapsulation and decapsulation rate of src/ipsec per
 * engine and algorithm, beside the crypto-only rate of the same engine on
 * the same packets (xform_process_burst() with the ESP op layout), on one
 * core, bursts of 32, at 64, 512 and 1420-byte inner packets and IMIX
 * (7 x 64 : 4 x 576 : 1 x 1420).  Prints cycles per packet, Mpps, Gbps
 * (inner bytes) and the ESP/crypto ratio and the per-packet cycles spent
 * outside the crypto call.  Not a test: nothing is asserted.
 *
 * The median cycles of a burst call over the iterations are reported
 * (robust on a shared machine).  Only the burst call is timed (rdtsc around esp_outb_process(),
 * esp_inb_process() or xform_process_burst()); rebuilding the input
 * packets between iterations is not.  Decap uses fresh ESP packets made
 * by the outbound SA each round, so the replay window (64) runs for real.
 *
 * usage: bench_esp [iterations [alg [engine]]]  (EAL: --no-huge, crypto vdevs)
 * e.g. bench_esp 2000 aes-128-gcm cdev-aesni_mb
 *
 * For cdev-aesni_mb a second set of rows, engine "mb+pmd-verify",
 * decapsulates with an inbound session created with XFORM_F_PMD_VERIFY
 * (config `crypto-icv-verify pmd`): the PMD compares the ICV with memcmp,
 * the path before issue 5's constant-time compare; the plain
 * cdev-aesni_mb rows are the default (constant time, docs/crypto.md).  If
 * the default inbound engine is not aesni_mb (no intel-ipsec-mb at build
 * time: AEAD inbound then defaults to OpenSSL/libsodium), rows
 * "mb>in:NAME" show decapsulation on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/opensslv.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "esp_priv.h"
#include "xform.h"

#define BURST	32
#define MAXIT	100000

/* Per-burst cycle samples; the median is reported (the machine is
 * shared: the mean would count preemptions). */
static uint64_t samp[MAXIT];

static int
cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median(unsigned n)
{
	qsort(samp, n, sizeof(samp[0]), cmp64);
	return (double)samp[n / 2] / BURST;
}

static struct rte_mempool *pool;
static struct rte_mbuf *pk[BURST];

struct algdef {
	const char *name;
	uint8_t ealg, aalg;
	uint16_t eklen, aklen;
};

static const struct algdef algs[] = {
	{ "aes-128-gcm", SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0 },
	{ "aes-256-gcm", SADB_X_EALG_AES_GCM_ICV16, 0, 36, 0 },
	{ "chacha20-poly1305", DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0 },
	{ "aes-128-cbc+sha256", SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC,
	    16, 32 },
};

static const uint16_t imix[12] = { 64, 64, 64, 64, 64, 64, 64, 576, 576,
	576, 576, 1420 };

static uint16_t
size_of(int sz, unsigned i)
{
	return sz > 0 ? (uint16_t)sz : imix[i % 12];
}

/* Fresh inner IPv4 packets of the given size(s), data at the IP header. */
static uint64_t
fill(int sz)
{
	uint64_t bytes = 0;
	unsigned i;

	for (i = 0; i < BURST; i++) {
		struct rte_mbuf *m = pk[i];
		uint16_t len = size_of(sz, i);
		struct rte_ipv4_hdr *ip;

		rte_pktmbuf_reset(m);
		ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, len);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0x0a000001);
		ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
		bytes += len;
	}
	return bytes;
}

static const uint8_t key[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static struct esp_sa *
mk_sa(const struct algdef *a, enum esp_dir dir, int engine)
{
	struct esp_sa_params p;
	struct esp_sa *sa;

	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.mode = ESP_MODE_TUNNEL;
	p.outer_af = AF_INET;
	p.spi = 0x1000;
	p.tun_src.v4 = rte_cpu_to_be_32(0xc0000201);
	p.tun_dst.v4 = rte_cpu_to_be_32(0xc0000202);
	p.enc_alg = a->ealg;
	p.enc_key = key;
	p.enc_key_len = a->eklen;
	p.auth_alg = a->aalg;
	p.auth_key = key;
	p.auth_key_len = a->aklen;
	p.replay_win = 64;
	p.engine = engine;
	p.nb_workers = 1;
	p.socket_id = -1;
	sa = esp_sa_create(&p);
	if (sa != NULL && engine != XFORM_ENGINE_DEFAULT &&
	    (int)xform_session_engine(sa->xs) != engine) {
		esp_sa_destroy(sa);
		return NULL;
	}
	return sa;
}

struct res {
	double cyc;		/* cycles per packet */
	double bytes;		/* inner bytes per packet */
};

/* Crypto only: the same op layout ESP uses, on encapsulated packets. */
static struct res
bench_crypto(struct esp_sa *so, int sz, unsigned iters)
{
	struct xform_op ops[BURST];
	struct res r = { 0, 0 };
	uint64_t bytes = 0;
	uint8_t reason[BURST];
	unsigned it, i;

	/* make real ESP packets once, then build the ops of them */
	bytes = fill(sz);
	esp_outb_process(so, 0, pk, reason, BURST);
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < BURST; i++) {
		uint16_t len = size_of(sz, i);
		uint16_t ct = (uint16_t)(pk[i]->pkt_len - 20 - 8 - so->iv_len -
		    so->icv_len);

		ops[i].m = pk[i];
		ops[i].cipher_off = (uint16_t)(20 + 8 + so->iv_len);
		ops[i].cipher_len = ct;
		ops[i].auth_off = 20;
		ops[i].auth_len = (uint16_t)(8 + so->iv_len + ct);
		ops[i].digest_off = (uint16_t)(ops[i].cipher_off + ct);
		(void)len;
	}
	for (it = 0; it < iters; it++) {
		uint64_t t0 = rte_rdtsc_precise();

		xform_process_burst(so->xs, 0, ops, BURST);
		samp[it] = rte_rdtsc_precise() - t0;
	}
	r.cyc = median(iters);
	r.bytes = (double)bytes / BURST;
	return r;
}

static struct res
bench_outb(struct esp_sa *so, int sz, unsigned iters)
{
	struct res r = { 0, 0 };
	uint64_t bytes = 0;
	uint8_t reason[BURST];
	unsigned it;

	for (it = 0; it < iters; it++) {
		uint64_t t0;

		bytes = fill(sz);
		t0 = rte_rdtsc_precise();
		if (esp_outb_process(so, 0, pk, reason, BURST) != BURST) {
			fprintf(stderr, "outb failed: %s\n",
			    esp_drop_name(reason[0]));
			exit(1);
		}
		samp[it] = rte_rdtsc_precise() - t0;
	}
	r.cyc = median(iters);
	r.bytes = (double)bytes / BURST;
	return r;
}

static struct res
bench_inb(struct esp_sa *so, struct esp_sa *si, int sz, unsigned iters)
{
	struct res r = { 0, 0 };
	uint64_t bytes = 0;
	uint8_t reason[BURST];
	unsigned it;

	for (it = 0; it < iters; it++) {
		uint64_t t0;

		bytes = fill(sz);
		esp_outb_process(so, 0, pk, reason, BURST);
		t0 = rte_rdtsc_precise();
		if (esp_inb_process(si, 0, pk, reason, BURST) != BURST) {
			fprintf(stderr, "inb failed: %s\n",
			    esp_drop_name(reason[0]));
			exit(1);
		}
		samp[it] = rte_rdtsc_precise() - t0;
	}
	r.cyc = median(iters);
	r.bytes = (double)bytes / BURST;
	return r;
}

static void
machine(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0) {
			printf("# cpu:%s", strchr(line, ':') + 1);
			break;
		}
	if (f != NULL)
		fclose(f);
	printf("# tsc: %.3f GHz, %s, %s, one core, burst %d, tunnel IPv4, "
	    "replay window 64\n", rte_get_tsc_hz() / 1e9, rte_version(),
	    OPENSSL_VERSION_TEXT, BURST);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", prefix, "--log-level=lib.eal:error",
	    "--log-level=pmd.crypto.*:error", "--no-telemetry",
	    "--vdev=crypto_aesni_mb", "--vdev=crypto_openssl", NULL };
	struct xform_config xc = { .n_workers = 1, .use_cryptodev = true,
	    .socket_id = -1 };
	static const int sizes[] = { 64, 512, 1420, -1 };
	char ename[32];
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;

	if (iters == 0 || iters > MAXIT)
		iters = MAXIT;
	unsigned a, s;
	int e;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench-esp-%d",
	    (int)getpid());
	if (rte_eal_init(12, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", 255, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, -1);
	if (pool == NULL || xform_init(&xc) < 0 ||
	    rte_pktmbuf_alloc_bulk(pool, pk, BURST) != 0)
		return 1;
	machine();
	printf("%-20s %-14s %-5s %9s %9s %9s %7s %7s %7s %9s %9s\n", "alg",
	    "engine", "size", "crypto/p", "encap/p", "decap/p", "enc%",
	    "Mpps", "Gbps", "enc-cry", "dec-cry");
	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
		for (e = XFORM_ENGINE_OPENSSL; e < XFORM_ENGINE_MAX; e++) {
			struct esp_sa *so, *si;

			if ((argc > 2 && strcmp(argv[2], algs[a].name) != 0) ||
			    (argc > 3 && strcmp(argv[3], xform_engine_name(
			    (enum xform_engine)e)) != 0))
				continue;
			so = mk_sa(&algs[a], ESP_DIR_OUT, e);
			si = mk_sa(&algs[a], ESP_DIR_IN, e);

			if (so == NULL || si == NULL) {
				esp_sa_destroy(so);
				esp_sa_destroy(si);
				continue;
			}
			snprintf(ename, sizeof(ename), "%s",
			    xform_engine_name((enum xform_engine)e));
again:
			for (s = 0; s < 4; s++) {
				struct res c = bench_crypto(so, sizes[s], iters);
				struct res o = bench_outb(so, sizes[s], iters);
				struct res i = bench_inb(so, si, sizes[s], iters);
				double hz = (double)rte_get_tsc_hz();
				char szs[8];

				snprintf(szs, sizeof(szs), sizes[s] > 0 ? "%d" :
				    "imix", sizes[s]);
				printf("%-20s %-14s %-5s %9.0f %9.0f %9.0f %6.0f%% "
				    "%7.2f %7.2f %9.0f %9.0f\n", algs[a].name,
				    ename, szs,
				    c.cyc, o.cyc, i.cyc, 100.0 * c.cyc / o.cyc,
				    hz / o.cyc / 1e6, hz / o.cyc * o.bytes * 8 /
				    1e9, o.cyc - c.cyc, i.cyc - c.cyc);
			}
			if (e == XFORM_ENGINE_CDEV_AESNI_MB &&
			    xform_session_icv_ct(si->xs) &&
			    strcmp(ename, "mb+pmd-verify") != 0) {
				/* The same SA, ICV compared by the PMD. */
				struct xform_session *x = xform_session_create(
				    algs[a].ealg, key, algs[a].eklen,
				    algs[a].aalg, key, algs[a].aklen,
				    XFORM_DIR_IN, XFORM_F_PMD_VERIFY,
				    XFORM_ENGINE_CDEV_AESNI_MB);

				if (x != NULL) {
					xform_session_destroy(si->xs);
					si->xs = x;
					snprintf(ename, sizeof(ename),
					    "mb+pmd-verify");
					goto again;
				}
			}
			if (e == XFORM_ENGINE_CDEV_AESNI_MB &&
			    (int)xform_session_engine(si->xs) == e &&
			    strcmp(ename, "mb+pmd-verify") != 0) {
				esp_sa_destroy(si);
				si = mk_sa(&algs[a], ESP_DIR_IN,
				    XFORM_ENGINE_DEFAULT);
				if (si != NULL && (int)xform_session_engine(
				    si->xs) != e) {
					snprintf(ename, sizeof(ename),
					    "mb>in:%s", xform_engine_name(
					    xform_session_engine(si->xs)));
					goto again;
				}
			}
			esp_sa_destroy(so);
			esp_sa_destroy(si);
		}
	rte_pktmbuf_free_bulk(pk, BURST);
	xform_fini();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
