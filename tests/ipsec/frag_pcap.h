/*
 * frag_pcap.h: esp_pcap's --mtu mode (issue 8, docs/mtu.md), included by
 * esp_pcap.c only.  Every input packet goes through frag_out_decide() for
 * the given path MTU first: FITS is encrypted, PTB is reported as
 * "pkt <i> drop ptb-<mtu>", PREFRAG is fragmented and every fragment
 * encrypted, POSTFRAG is encrypted and the ESP packet fragmented; the
 * report says "pkt <i> ok <number of packets written>".
 * tests/ipsec/interop_frag.py drives it.
 */
#ifndef DPSEC_FRAG_PCAP_H
#define DPSEC_FRAG_PCAP_H

#include "frag.h"

static struct rte_mempool *fp_big, *fp_ind;

static void
fp_dump(pcap_dumper_t *dump, struct rte_mbuf *m)
{
	struct pcap_pkthdr h = { .caplen = m->pkt_len, .len = m->pkt_len };

	pcap_dump((u_char *)dump, &h, rte_pktmbuf_mtod(m, u_char *));
}

/* The packets of one input, after the decision; returns how many. */
static int
fp_one(struct esp_sa *sa, struct rte_mbuf *m, uint32_t mtu, uint32_t flags,
    pcap_dumper_t *dump, FILE *rep, unsigned idx)
{
	struct rte_mbuf *f[FRAG_MAX_OUT], *c;
	struct frag_decision d;
	uint8_t reason[ESP_BURST_MAX];
	int n = 0, i;
	uint16_t k;

	/* a copy in a big mbuf: fragments need room, pool is 2 KB */
	c = rte_pktmbuf_copy(m, fp_big, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (c == NULL)
		return -1;
	frag_out_decide(sa, c, mtu, flags, &d);
	switch (d.verdict) {
	case FRAG_PTB:
		fprintf(rep, "pkt %u drop ptb-%u\n", idx, d.mtu);
		rte_pktmbuf_free(c);
		return 0;
	case FRAG_FITS:
		f[0] = c;
		n = 1;
		break;
	case FRAG_PREFRAG:
		n = frag_split(c, d.mtu, f, FRAG_MAX_OUT, fp_big, fp_ind);
		break;
	case FRAG_POSTFRAG:
		if (esp_outb_process(sa, 0, &c, reason, 1) != 1) {
			fprintf(rep, "pkt %u drop %s\n", idx,
			    esp_drop_name(reason[0]));
			rte_pktmbuf_free(c);
			return 0;
		}
		n = frag_split(c, d.mtu, f, FRAG_MAX_OUT, fp_big, fp_ind);
		break;
	}
	if (n < 0) {
		fprintf(rep, "pkt %u drop fragment\n", idx);
		rte_pktmbuf_free(c);
		return 0;
	}
	if (d.verdict != FRAG_POSTFRAG) {
		k = esp_outb_process(sa, 0, f, reason, (uint16_t)n);
		if (k != n) {
			fprintf(rep, "pkt %u drop %s\n", idx,
			    esp_drop_name(reason[k]));
			rte_pktmbuf_free_bulk(f, (unsigned)n);
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		if (f[i]->pkt_len > mtu) {
			fprintf(rep, "pkt %u drop toolong-%u\n", idx,
			    f[i]->pkt_len);
			rte_pktmbuf_free_bulk(f, (unsigned)n);
			return 0;
		}
	}
	for (i = 0; i < n; i++)
		fp_dump(dump, f[i]);
	fprintf(rep, "pkt %u ok %d\n", idx, n);
	rte_pktmbuf_free_bulk(f, (unsigned)n);
	return n;
}

static int
fp_run(struct esp_sa *sa, struct rte_mbuf *pkts[], unsigned npk,
    uint32_t mtu, uint32_t flags, pcap_dumper_t *dump, FILE *rep)
{
	unsigned i;

	if (fp_big == NULL) {
		fp_big = rte_pktmbuf_pool_create("fp_big", 255, 0, 0, 10240,
		    -1);
		fp_ind = rte_pktmbuf_pool_create("fp_ind", 255, 0, 0, 0, -1);
		if (fp_big == NULL || fp_ind == NULL)
			return -1;
	}
	for (i = 0; i < npk; i++)
		if (fp_one(sa, pkts[i], mtu, flags, dump, rep, i) < 0)
			return -1;
	return 0;
}

#endif /* DPSEC_FRAG_PCAP_H */
