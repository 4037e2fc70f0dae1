/*
 * The worker loop: poll each assigned rx queue for a burst, run it through
 * the pipeline of the port's role, flush tx buffers, report a quiescent
 * state, and back off when idle (busy-poll, or sleep with exponential
 * backoff; a sleeping worker is offline in the qsbr so grace periods do
 * not wait for it).
 */
#include <errno.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "acquire.h"
#include "txbuf.h"
#include "worker.h"

int
workers_create(struct dp_app *app, const unsigned int *lcores)
{
	unsigned int i, p, q, next = 0;

	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = rte_zmalloc_socket("worker", sizeof(*w),
		    RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lcores[i]));

		if (w == NULL)
			return -ENOMEM;
		w->id = i;
		w->lcore = lcores[i];
		w->app = app;
		w->st = &app->stats[i];
		w->sleep_us = app->cfg->idle_min_us;
		app->worker[i] = w;
	}
	for (p = 0; p < app->nports; p++)
		for (q = 0; q < app->port[p].nb_rxq; q++) {
			struct worker *w = app->worker[next++ % app->nworkers];

			if (w->nrxq == DP_MAX_RXQ_PER_WORKER)
				return -ENOSPC;
			w->rxq[w->nrxq].port_id = app->port[p].port_id;
			w->rxq[w->nrxq].queue = (uint16_t)q;
			w->rxq[w->nrxq++].port = (uint16_t)p;
		}
	workers_assign_txq(app);
	return 0;
}

void
workers_assign_txq(struct dp_app *app)
{
	unsigned int i, p;

	for (i = 0; i < app->nworkers; i++)
		for (p = 0; p < app->nports; p++)
			app->worker[i]->txq[p] =
			    (uint16_t)(i % app->port[p].nb_txq);
}

unsigned int
worker_inject(struct dp_app *app, unsigned int wid, struct rte_mbuf *pkts[],
    unsigned int n)
{
	if (wid >= app->nworkers)
		return 0;
	return rte_ring_sp_enqueue_burst(app->worker[wid]->in, (void **)pkts, n,
	    NULL);
}

/* Run injected packets in runs of the same role and resume stage. */
static unsigned int
poll_injected(struct worker *w)
{
	struct dp_app *app = w->app;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, i, j;

	n = rte_ring_sc_dequeue_burst(w->in, (void **)pkts, DP_BURST, NULL);
	if (n > 0)
		DP_CNT_ADD(w->st->injected, n);
	for (i = 0; i < n; i = j) {
		const struct dp_meta *md = dp_meta(pkts[i]);
		enum cfg_role role = app->port[md->in_port].role;
		uint8_t stage = md->stage;

		for (j = i + 1; j < n; j++) {
			const struct dp_meta *mj = dp_meta(pkts[j]);

			if (mj->stage != stage ||
			    app->port[mj->in_port].role != role)
				break;
		}
		w->cur_port = md->in_port;
		pipeline_run_from(w, app_pipeline(app, role), stage, &pkts[i],
		    (uint16_t)(j - i));
	}
	return n;
}

/*
 * outbound-seq owner: number, encrypt and send the packets other workers
 * handed over for the SAs this worker owns, from "ipsec-out" on.  The
 * receiving worker already decided, with its own ordering state, that
 * they may be sent (they went on this ring in the order it would have
 * sent them), so they skip this worker's ordering checks ("releasing");
 * the ring is FIFO, so each flow keeps its order (docs/datapath.md).
 * At most DP_HANDOFF_BURSTS bursts per loop, so rx is not starved.
 */
#define DP_HANDOFF_BURSTS	8

static unsigned int
poll_handoff(struct worker *w)
{
	struct dp_app *app = w->app;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n, b, i, total = 0;

	if (w->handoff == NULL)
		return 0;
	for (b = 0; b < DP_HANDOFF_BURSTS; b++) {
		n = rte_ring_dequeue_burst(w->handoff, (void **)pkts,
		    DP_BURST, NULL);
		if (n == 0)
			break;
		DP_CNT_ADD(w->st->handoff_in, n);
		/* Another core received these: their lines are not in this
		 * core's cache.  Fetch the headers, then the metadata and the
		 * IP headers, so the misses overlap instead of adding up. */
		for (i = 0; i < n; i++)
			rte_prefetch0(pkts[i]);
		for (i = 0; i < n; i++) {
			rte_prefetch0(rte_mbuf_to_priv(pkts[i]));
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		}
		w->releasing = true;
		pipeline_run_from(w, &app->pipe[0], app->pipe_start[0], pkts,
		    (uint16_t)n);
		w->releasing = false;
		total += n;
	}
	return total;
}

static void
idle(struct worker *w)
{
	const struct dpsec_config *cfg = w->app->cfg;

	if (cfg->idle == CFG_IDLE_BUSY) {
		rte_pause();
		return;
	}
	if (++w->empty_polls < cfg->idle_polls) {
		rte_pause();
		return;
	}
	rte_rcu_qsbr_thread_offline(w->app->qsbr, w->id);
	usleep(w->sleep_us);
	rte_rcu_qsbr_thread_online(w->app->qsbr, w->id);
	DP_CNT_ADD(w->st->idle_sleeps, 1);
	w->sleep_us *= 2;
	if (w->sleep_us > cfg->idle_max_us)
		w->sleep_us = cfg->idle_max_us;
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct dp_app *app = w->app;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int i, total;
	uint16_t n, j;

	rte_rcu_qsbr_thread_register(app->qsbr, w->id);
	rte_rcu_qsbr_thread_online(app->qsbr, w->id);
	while (!__atomic_load_n(&app->stop, __ATOMIC_RELAXED)) {
		/*
		 * Packets the control thread hands back (a larval queue after
		 * its SA was installed) leave before anything received after
		 * them: snapshot the ordering state, then drain (acquire.h).
		 */
		acq_worker_snap(w);
		w->releasing = true;
		total = 0;
		while ((n = (uint16_t)poll_injected(w)) > 0)
			total += n;
		w->releasing = false;
		total += acq_worker_flush(w);
		total += poll_handoff(w);
		for (i = 0; i < w->nrxq; i++) {
			const struct dp_rxq *rq = &w->rxq[i];
			struct dp_port_stats *ps = &w->st->port[rq->port];
			uint64_t bytes = 0;

			n = rte_eth_rx_burst(rq->port_id, rq->queue, pkts,
			    DP_BURST);
			if (n == 0)
				continue;
			total += n;
			for (j = 0; j < n; j++)
				bytes += pkts[j]->pkt_len;
			DP_CNT_ADD(ps->rx_pkts, n);
			DP_CNT_ADD(ps->rx_bytes, bytes);
			DP_CNT_ADD(w->st->bursts, 1);
			w->cur_port = rq->port;
			pipeline_run(w, app_pipeline(app, app->port[rq->port].role),
			    pkts, n);
			/* Send now: ESP sequence numbers were reserved for
			 * this burst, other workers' later numbers must not
			 * get on the wire first (docs/datapath.md). */
			txbuf_flush_all(w);
		}
		txbuf_flush_all(w);
		rte_rcu_qsbr_quiescent(app->qsbr, w->id);
		if (total == 0)
			idle(w);
		else {
			w->empty_polls = 0;
			w->sleep_us = app->cfg->idle_min_us;
		}
	}
	/* Released packets go out in order here too (not to the backlog,
	 * which nothing would flush any more). */
	w->releasing = true;
	while (poll_injected(w) > 0)
		;
	w->releasing = false;
	while (poll_handoff(w) > 0)
		;
	txbuf_flush_all(w);
	rte_rcu_qsbr_thread_offline(app->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(app->qsbr, w->id);
	return 0;
}

void
workers_free(struct dp_app *app)
{
	unsigned int i;

	for (i = 0; i < app->nworkers; i++) {
		rte_free(app->worker[i]);
		app->worker[i] = NULL;
	}
}
