/*
 * Shared by the fuzz targets that need DPDK: EAL once per process (no
 * hugepages, no PCI, no shared config, one lcore) and an mbuf built from fuzz
 * input, optionally split over two segments.
 */
#ifndef DPSEC_FUZZ_EAL_H
#define DPSEC_FUZZ_EAL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

static inline void
fuzz_eal_init(void)
{
	char prefix[64];
	char *argv[] = { "fuzz", "--no-huge", "--no-pci", "-m", "128",
	    "--no-shconf", prefix, "-l", "0", "--log-level=3", NULL };

	/* Debian's DPDK 22.11 EAL rejects --in-memory here: no shared
	 * config and a per-process prefix instead, as the ctrl tests do. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpsec-fuzz-%d",
	    (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1,
	    argv) < 0) {
		fprintf(stderr, "fuzz: EAL init failed\n");
		exit(1);
	}
}

/*
 * An mbuf holding data[0..len), in one segment, or in two split at
 * @p split (when 0 < split < len).  NULL when it does not fit.
 */
static inline struct rte_mbuf *
fuzz_mbuf(struct rte_mempool *mp, const uint8_t *data, size_t len,
    size_t split)
{
	struct rte_mbuf *m, *m2;
	char *p;

	if (split == 0 || split >= len)
		split = len;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)split);
	if (p == NULL || split > UINT16_MAX) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, split);
	if (split == len)
		return m;
	m2 = rte_pktmbuf_alloc(mp);
	if (m2 == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	p = rte_pktmbuf_append(m2, (uint16_t)(len - split));
	if (p == NULL || rte_pktmbuf_chain(m, m2) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m2);
		return NULL;
	}
	memcpy(p, data + split, len - split);
	return m;
}

#endif /* DPSEC_FUZZ_EAL_H */
