/*
 * Per-worker tx buffering: packets for a port collect until a burst is
 * full or the worker finishes its pass over its rx queues.
 */
#ifndef DPSEC_TXBUF_H
#define DPSEC_TXBUF_H

#include "app.h"
#include "port.h"

/**
 * Send what is buffered for one port; unsent packets are freed and
 * counted as tx-full.  Thread: owner worker.
 */
static inline void
txbuf_flush(struct worker *w, uint16_t port)
{
	struct txbuf *tb = &w->tx[port];
	struct dp_port *p = &w->app->port[port];
	struct dp_port_stats *ps = &w->st->port[port];
	uint64_t bytes = 0;
	uint16_t i, sent;

	if (tb->n == 0)
		return;
	for (i = 0; i < tb->n; i++)
		bytes += tb->pkts[i]->pkt_len;
	sent = port_tx(p, w->txq[port], tb->pkts, tb->n);
	for (i = sent; i < tb->n; i++) {
		bytes -= tb->pkts[i]->pkt_len;
		rte_pktmbuf_free(tb->pkts[i]);
	}
	DP_CNT_ADD(ps->tx_pkts, sent);
	DP_CNT_ADD(ps->tx_bytes, bytes);
	if (sent < tb->n)
		DP_CNT_ADD(w->st->drops[DP_DROP_TX_FULL], tb->n - sent);
	tb->n = 0;
}

/** Queue one packet (Ethernet header in place).  Thread: owner worker. */
static inline void
txbuf_add(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct txbuf *tb = &w->tx[port];

	tb->pkts[tb->n++] = m;
	if (tb->n == DP_BURST)
		txbuf_flush(w, port);
}

/** Flush every port.  Thread: owner worker. */
static inline void
txbuf_flush_all(struct worker *w)
{
	unsigned int p;

	for (p = 0; p < w->app->nports; p++)
		txbuf_flush(w, (uint16_t)p);
}

#endif /* DPSEC_TXBUF_H */
