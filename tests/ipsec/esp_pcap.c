/*
 * esp_pcap: test driver for the interop suite.  Runs esp_outb_process() or
 * esp_inb_process() of one SA over the packets of a pcap file (raw IP or
 * Ethernet) and writes the packets that succeeded to a raw-IP pcap.  On
 * stdout, one line per input packet ("pkt <i> ok <len>" or
 * "pkt <i> drop <reason>"), then the SA's counters ("stat <name> <n>") and
 * its sequence number ("seq <n>").  tests/ipsec/interop_scapy.py drives it.
 *
 * EAL: --no-huge --no-pci -m 128 --no-shconf with a unique file prefix,
 * and with --cdev the crypto_aesni_mb and crypto_openssl vdevs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "esp_priv.h"
#include "xform.h"

#define MAX_PKTS	4096

static int
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static int
addr(const char *s, int af, union esp_addr *a)
{
	return inet_pton(af, s, af == AF_INET ? (void *)&a->v4 :
	    (void *)a->v6) == 1 ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: esp_pcap --dir out|in --in F --out F "
	    "[--mode tunnel|transport] [--af 4|6 --src A --dst A] --spi N "
	    "--ealg N [--ekey HEX] [--aalg N --akey HEX] [--replay W] [--esn] "
	    "[--seq N] [--natt SPORT:DPORT] [--engine N] [--iv HEX] "
	    "[--burst N] [--ecn-off] [--dscp N] [--cdev] [--headroom N] "
	    "[--mtu N [--postfrag]]\n");
	exit(2);
}

static struct rte_mempool *pool;

#include "frag_pcap.h"	/* --mtu (issue 8) */

/* One job: an SA over one pcap.  Returns 0, 3 (engine unavailable) or 1. */
static int
run_job(int argc, char **argv, FILE *rep)
{
	static const struct option lo[] = {
		{ "dir", 1, NULL, 'd' }, { "in", 1, NULL, 'i' },
		{ "out", 1, NULL, 'o' }, { "mode", 1, NULL, 'm' },
		{ "af", 1, NULL, 'a' }, { "src", 1, NULL, 's' },
		{ "dst", 1, NULL, 't' }, { "spi", 1, NULL, 'p' },
		{ "ealg", 1, NULL, 'e' }, { "ekey", 1, NULL, 'E' },
		{ "aalg", 1, NULL, 'u' }, { "akey", 1, NULL, 'U' },
		{ "replay", 1, NULL, 'r' }, { "esn", 0, NULL, 'n' },
		{ "seq", 1, NULL, 'q' }, { "natt", 1, NULL, 'N' },
		{ "engine", 1, NULL, 'g' }, { "iv", 1, NULL, 'v' },
		{ "burst", 1, NULL, 'b' }, { "ecn-off", 0, NULL, 'C' },
		{ "dscp", 1, NULL, 'D' }, { "cdev", 0, NULL, 'c' },
		{ "headroom", 1, NULL, 'H' }, { "report", 1, NULL, 'R' },
		{ "mtu", 1, NULL, 'M' }, { "postfrag", 0, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	static uint8_t ekey[64], akey[64], iv[16];
	static struct rte_mbuf *pkts[MAX_PKTS];
	struct esp_sa_params p;
	const char *fin = NULL, *fout = NULL, *src = NULL, *dst = NULL;
	const char *report = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	int c, ivlen = 0, burst = ESP_BURST_MAX, headroom = -1;
	uint32_t mtu = 0, fflags = 0;
	struct esp_sa_stats st;
	struct esp_sa *sa;
	pcap_t *pin, *pout;
	pcap_dumper_t *dump;
	struct pcap_pkthdr *ph;
	const u_char *data;
	unsigned npk = 0, i, r;
	int dlt, l2;

	optind = 0;	/* full getopt reset for every job */
	memset(&p, 0, sizeof(p));
	p.mode = ESP_MODE_TUNNEL;
	p.outer_af = AF_INET;
	p.engine = -1;
	p.nb_workers = 1;
	p.socket_id = -1;
	p.replay_win = 64;
	p.dir = (enum esp_dir)-1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			p.dir = strcmp(optarg, "out") == 0 ? ESP_DIR_OUT :
			    ESP_DIR_IN;
			break;
		case 'i': fin = optarg; break;
		case 'o': fout = optarg; break;
		case 'm':
			p.mode = strcmp(optarg, "transport") == 0 ?
			    ESP_MODE_TRANSPORT : ESP_MODE_TUNNEL;
			break;
		case 'a': p.outer_af = atoi(optarg) == 6 ? AF_INET6 : AF_INET;
			break;
		case 's': src = optarg; break;
		case 't': dst = optarg; break;
		case 'p': p.spi = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'e': p.enc_alg = (uint8_t)atoi(optarg); break;
		case 'E':
			c = unhex(optarg, ekey, sizeof(ekey));
			if (c < 0)
				usage();
			p.enc_key = ekey;
			p.enc_key_len = (uint16_t)c;
			break;
		case 'u': p.auth_alg = (uint8_t)atoi(optarg); break;
		case 'U':
			c = unhex(optarg, akey, sizeof(akey));
			if (c < 0)
				usage();
			p.auth_key = akey;
			p.auth_key_len = (uint16_t)c;
			break;
		case 'r': p.replay_win = (uint32_t)atoi(optarg); break;
		case 'n': p.flags |= ESP_F_ESN; break;
		case 'q': p.initial_seq = strtoull(optarg, NULL, 0); break;
		case 'N':
			if (sscanf(optarg, "%hu:%hu", &p.natt_sport,
			    &p.natt_dport) != 2)
				usage();
			break;
		case 'g': p.engine = atoi(optarg); break;
		case 'v':
			ivlen = unhex(optarg, iv, sizeof(iv));
			if (ivlen < 0)
				usage();
			break;
		case 'b': burst = atoi(optarg); break;
		case 'C': p.flags |= ESP_F_ECN_OFF; break;
		case 'D':
			p.flags |= ESP_F_DSCP_FIXED;
			p.dscp = (uint8_t)atoi(optarg);
			break;
		case 'c': break;	/* vdevs are always created */
		case 'R': report = optarg; break;
		case 'H': headroom = atoi(optarg); break;
		case 'M': mtu = (uint32_t)atoi(optarg); break;
		case 'P': fflags |= FRAG_F_POSTFRAG; break;
		default: usage();
		}
	}
	if (fin == NULL || fout == NULL || (int)p.dir < 0 || burst < 1 ||
	    burst > ESP_BURST_MAX)
		usage();
	if (p.mode == ESP_MODE_TUNNEL && (src == NULL || dst == NULL ||
	    addr(src, p.outer_af, &p.tun_src) || addr(dst, p.outer_af,
	    &p.tun_dst)))
		usage();

	if (report != NULL) {
		rep = fopen(report, "w");
		if (rep == NULL)
			return 1;
	}
	sa = esp_sa_create(&p);
	if (sa == NULL && p.engine > 0)
		goto unavailable;
	if (sa == NULL) {
		fprintf(stderr, "esp_pcap: esp_sa_create: %s\n",
		    rte_strerror(rte_errno));
		return 1;
	}
	if (ivlen > 0)
		esp_sa_test_fixed_iv(sa, iv, (unsigned)ivlen);
	if (p.engine > 0 && (int)xform_session_engine(sa->xs) != p.engine) {
		esp_sa_destroy(sa);
		goto unavailable;
	}

	pin = pcap_open_offline(fin, errbuf);
	if (pin == NULL) {
		fprintf(stderr, "esp_pcap: %s\n", errbuf);
		return 1;
	}
	dlt = pcap_datalink(pin);
	l2 = dlt == DLT_EN10MB ? 14 : 0;
	while (npk < MAX_PKTS && pcap_next_ex(pin, &ph, &data) == 1) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		if (m == NULL || ph->caplen <= (unsigned)l2)
			return 1;
		if (headroom >= 0)
			m->data_off = (uint16_t)headroom;
		if (rte_pktmbuf_append(m, (uint16_t)(ph->caplen - l2)) == NULL) {
			fprintf(stderr, "esp_pcap: packet %u too big\n", npk);
			return 1;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), data + l2, ph->caplen - l2);
		pkts[npk++] = m;
	}
	pcap_close(pin);

	pout = pcap_open_dead(DLT_RAW, 65535);
	dump = pcap_dump_open(pout, fout);
	if (dump == NULL) {
		fprintf(stderr, "esp_pcap: %s\n", pcap_geterr(pout));
		return 1;
	}
	if (mtu > 0) {
		if (fp_run(sa, pkts, npk, mtu, fflags, dump, rep) != 0)
			return 1;
		npk = 0;	/* all consumed */
	}
	for (i = 0; i < npk; i += (unsigned)burst) {
		struct rte_mbuf *mb[ESP_BURST_MAX], *orig[ESP_BURST_MAX];
		uint8_t reason[ESP_BURST_MAX];
		uint16_t n = (uint16_t)RTE_MIN((unsigned)burst, npk - i), k, j;

		memcpy(mb, pkts + i, n * sizeof(mb[0]));
		memcpy(orig, mb, sizeof(orig));
		k = p.dir == ESP_DIR_OUT ? esp_outb_process(sa, 0, mb, reason,
		    n) : esp_inb_process(sa, 0, mb, reason, n);
		for (j = 0; j < n; j++) {
			uint16_t x;

			for (x = 0; x < n && mb[x] != orig[j]; x++)
				;
			if (x < k) {
				struct pcap_pkthdr h = { .caplen =
				    mb[x]->pkt_len, .len = mb[x]->pkt_len };

				fprintf(rep, "pkt %u ok %u\n", i + j, mb[x]->pkt_len);
				pcap_dump((u_char *)dump, &h,
				    rte_pktmbuf_mtod(mb[x], u_char *));
			} else {
				fprintf(rep, "pkt %u drop %s\n", i + j,
				    esp_drop_name(reason[x]));
			}
		}
		rte_pktmbuf_free_bulk(mb, n);
	}
	pcap_dump_close(dump);
	pcap_close(pout);

	esp_sa_stats(sa, &st);
	fprintf(rep, "stat packets %" PRIu64 "\n", st.packets);
	fprintf(rep, "stat bytes %" PRIu64 "\n", st.bytes);
	for (r = 1; r < ESP_DROP_MAX; r++)
		fprintf(rep, "stat %s %" PRIu64 "\n", esp_drop_name(r), st.drops[r]);
	fprintf(rep, "seq %" PRIu64 "\n", esp_sa_seq(sa));
	fprintf(rep, "engine %s\n", xform_engine_name(xform_session_engine(sa->xs)));
	esp_sa_destroy(sa);
	if (rep != stdout)
		fclose(rep);
	return 0;

unavailable:
	/* the engine lacks the algorithm (or is absent): not a failure */
	fprintf(rep, "unavailable %d\n", p.engine);
	if (rep != stdout)
		fclose(rep);
	return 3;
}

/* --jobs FILE: one job per line, arguments separated by tabs. */
static int
run_jobs(const char *path)
{
	static char line[8192];
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *av[64], *save = NULL, *t;
		int ac = 0, r;

		av[ac++] = "esp_pcap";
		for (t = strtok_r(line, "\t\n", &save); t != NULL && ac < 63;
		    t = strtok_r(NULL, "\t\n", &save))
			av[ac++] = t;
		av[ac] = NULL;
		if (ac == 1)
			continue;
		r = run_job(ac, av, stdout);
		if (r == 1)
			rc = 1;
	}
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	struct xform_config xc = { .n_workers = 1, .use_cryptodev = true,
	    .socket_id = -1 };
	char prefix[64];
	char *eal[16];	/* EAL argv */
	int ea = 0, rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=esp-pcap-%d",
	    (int)getpid());
	eal[ea++] = argv[0];
	eal[ea++] = "--no-huge";
	eal[ea++] = "--no-pci";
	eal[ea++] = "-m";
	eal[ea++] = "128";
	eal[ea++] = "--no-shconf";
	eal[ea++] = prefix;
	eal[ea++] = "--log-level=lib.eal:error";
	eal[ea++] = "--log-level=pmd.crypto.*:error";
	eal[ea++] = "--no-telemetry";
	eal[ea++] = "--vdev=crypto_aesni_mb";
	eal[ea++] = "--vdev=crypto_openssl";
	eal[ea] = NULL;
	if (rte_eal_init(ea, eal) < 0) {
		fprintf(stderr, "esp_pcap: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("esp_pcap", MAX_PKTS + 511, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, -1);
	if (pool == NULL || xform_init(&xc) < 0) {
		fprintf(stderr, "esp_pcap: pool or xform_init failed\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "--jobs") == 0)
		rc = run_jobs(argv[2]);
	else
		rc = run_job(argc, argv, stdout);
	xform_fini();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
