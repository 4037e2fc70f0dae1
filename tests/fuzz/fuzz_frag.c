/*
 * libFuzzer target for fragment reassembly (src/ipsec/frag.c frag_rx_*,
 * on DPDK's rte_ip_frag): IPv4 and IPv6 fragments as a hostile peer sends
 * them -- overlapping, duplicated, out of order, oversized, truncated,
 * with extension headers, never completed.
 *
 * Input: records of a 2-byte big-endian length and a packet (data at L3),
 * at most 16 per run; a record whose length has the top bit set is
 * preceded by a clock jump of 200 ms, past the 100 ms timeout (so
 * datagrams time out mid-run).  The packets
 * go through frag_rx_burst() in bursts of up to 8.  After each run every
 * datagram still held is expired, so each input starts from an empty
 * table and the runs are reproducible.
 *
 * Checks beyond the sanitizers: k <= n; what comes out is not a fragment
 * any more, is linear, and its IP length field matches the mbuf; and every
 * mbuf comes back: both pools are full again after each run (nothing
 * leaked, nothing freed twice).
 * Seed corpus: corpus/fuzz_frag/ (tests/fuzz/gen_seeds.py).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include "frag.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPOOL	128
#define NLIN	16

static struct rte_mempool *mp, *lin;
static struct frag_rx *fr;
static uint64_t now;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct frag_rx_params p;

	fuzz_eal_init();
	mp = rte_pktmbuf_pool_create("fuzz_frag", NPOOL, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	lin = rte_pktmbuf_pool_create("fuzz_frag_lin", NLIN, 0, 0,
	    9216 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	if (mp == NULL || lin == NULL)
		abort();
	memset(&p, 0, sizeof(p));
	p.buckets = 8;
	p.bucket_entries = 4;
	p.max_entries = 16;
	p.timeout_ms = 100;
	p.lin_pool = lin;
	p.max_size = 9216;
	p.socket_id = SOCKET_ID_ANY;
	fr = frag_rx_create(&p);
	if (fr == NULL) {
		fprintf(stderr, "fuzz_frag: %s\n", rte_strerror(rte_errno));
		abort();
	}
	now = rte_get_tsc_cycles();
	return 0;
}

/* A datagram frag_rx rebuilt: linear, lengths and checksum right. */
static void
check_done(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t hl;

	if (!rte_pktmbuf_is_contiguous(m) || m->data_len < 20)
		abort();
	if ((p[0] >> 4) == 4) {
		hl = (p[0] & 0xf) * 4u;
		if (((uint32_t)p[2] << 8 | p[3]) != m->pkt_len ||
		    hl > m->data_len || rte_raw_cksum(p, hl) != 0xffff)
			abort();
	} else if ((p[0] >> 4) == 6) {
		if (m->data_len < 40 ||
		    40 + ((uint32_t)p[4] << 8 | p[5]) != m->pkt_len)
			abort();
	} else {
		abort();
	}
}

static void
burst(struct rte_mbuf *mb[], uint16_t n, const uint8_t was_frag[])
{
	struct rte_mbuf *plain[8];
	uint16_t k, i, j, np = 0;

	for (i = 0; i < n; i++)
		if (!was_frag[i])
			plain[np++] = mb[i];
	k = frag_rx_burst(fr, mb, n, now);
	if (k > n)
		abort();
	for (i = 0; i < k; i++) {
		if (frag_is_fragment(mb[i]))
			abort();	/* fragments never come out */
		for (j = 0; j < np; j++)
			if (plain[j] == mb[i])
				break;
		if (j == np)
			check_done(mb[i]);	/* not passed through: rebuilt */
		rte_pktmbuf_free(mb[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *mb[8];
	uint8_t was_frag[8];
	uint16_t n = 0;
	unsigned int recs = 0;
	size_t off = 0, len;

	while (recs++ < 16 && off + 2 <= size) {
		len = ((size_t)data[off] << 8 | data[off + 1]);
		off += 2;
		if (len & 0x8000) {
			if (n > 0) {	/* the burst so far happens before */
				burst(mb, n, was_frag);
				n = 0;
			}
			now += rte_get_tsc_hz() / 5;	/* 200 ms > timeout */
			len &= 0x7fff;
		}
		if (len > size - off)
			len = size - off;
		mb[n] = fuzz_mbuf(mp, data + off, len, 0);
		off += len;
		if (mb[n] == NULL)
			continue;
		mb[n]->l2_len = 0;
		mb[n]->l3_len = 0;
		was_frag[n] = frag_is_fragment(mb[n]);
		if (++n == 8) {
			burst(mb, n, was_frag);
			n = 0;
		}
	}
	if (n > 0)
		burst(mb, n, was_frag);
	/* empty the table: every input starts afresh */
	now += rte_get_tsc_hz();
	frag_rx_expire(fr, now);
	if (getenv("FUZZ_FRAG_DEBUG") != NULL) {
		struct frag_rx_stats st;
		unsigned int r;

		frag_rx_stats(fr, &st);
		fprintf(stderr, "fuzz_frag: fragments %" PRIu64 " rebuilt %"
		    PRIu64, st.fragments, st.reassembled);
		for (r = 0; r < FRAG_RX_DROP_MAX; r++)
			fprintf(stderr, " %s %" PRIu64, frag_rx_drop_name(r),
			    st.drops[r]);
		fprintf(stderr, " (cumulative)\n");
	}
	if (rte_mempool_avail_count(mp) != NPOOL ||
	    rte_mempool_avail_count(lin) != NLIN)
		abort();
	return 0;
}
