/*
 * acq_stats.c: the IPsec counters dpsecd shows: the per-SA snapshot
 * served by telemetry (/dpsec/sa), the exit summary and the stats JSON
 * (sad, ctrl, per-SA).  Thread: control thread, except
 * acq_telemetry_sa() (telemetry thread, under snap_lock).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "acq_priv.h"
#include "ctrl.h"
#include "sa_glue.h"

/* Refresh the per-SA counters telemetry serves (/dpsec/sa). */
void
acq_snapshot(struct dp_app *app)
{
	struct acq *a = app->acq;
	struct acq_snap *ns, *old;
	struct sad_dump *d;
	struct sa *sa;
	unsigned int n = 0, cap, r;

	d = sad_dump_start(app->sad, 0);
	if (d == NULL)
		return;
	cap = sad_dump_count(d);
	ns = calloc(cap ? cap : 1, sizeof(*ns));
	if (ns == NULL) {
		sad_dump_end(d);
		return;
	}
	while ((sa = sad_dump_next(d)) != NULL && n < cap) {
		struct acq_snap *e = &ns[n];
		struct esp_sa_stats so, si;
		struct sa_rt *rt = sa->rt;

		e->spi = sa->spi;
		snprintf(e->state, sizeof(e->state), "%s",
		    sa_state_name(sa_state(sa)));
		snprintf(e->key, sizeof(e->key), "spi_0x%08x_%u", sa->spi, n);
		sa_fmt(sa, e->sa, sizeof(e->sa));
		if (rt != NULL && sa_state_usable(sa_state(sa))) {
			esp_sa_stats(rt->out, &so);
			esp_sa_stats(rt->in, &si);
			e->out_packets = so.packets;
			e->out_bytes = so.bytes;
			e->out_seq = esp_sa_seq(rt->out);
			e->owner = rt->owner;
			e->in_packets = si.packets;
			e->in_bytes = si.bytes;
			for (r = 1; r < ESP_DROP_MAX; r++)
				e->drops += so.drops[r] + si.drops[r];
		}
		n++;
	}
	sad_dump_end(d);
	pthread_mutex_lock(&a->snap_lock);
	old = a->snap;
	a->snap = ns;
	a->nsnap = n;
	pthread_mutex_unlock(&a->snap_lock);
	free(old);
}

int
acq_telemetry_sa(struct dp_app *app, struct rte_tel_data *d)
{
	struct acq *a = app->acq;
	unsigned int i;

	rte_tel_data_start_dict(d);
	if (a == NULL)
		return 0;
	pthread_mutex_lock(&a->snap_lock);
	for (i = 0; i < a->nsnap; i++) {
		const struct acq_snap *e = &a->snap[i];
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			break;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "spi", e->spi);
		rte_tel_data_add_dict_string(c, "sa", e->sa);
		rte_tel_data_add_dict_string(c, "state", e->state);
		rte_tel_data_add_dict_u64(c, "out_packets", e->out_packets);
		rte_tel_data_add_dict_u64(c, "out_bytes", e->out_bytes);
		rte_tel_data_add_dict_u64(c, "out_seq", e->out_seq);
		rte_tel_data_add_dict_u64(c, "in_packets", e->in_packets);
		rte_tel_data_add_dict_u64(c, "in_bytes", e->in_bytes);
		rte_tel_data_add_dict_u64(c, "drops", e->drops);
		rte_tel_data_add_dict_u64(c, "owner", e->owner);
		if (rte_tel_data_add_dict_container(d, e->key, c, 0) != 0) {
			rte_tel_data_free(c);
			break;
		}
	}
	pthread_mutex_unlock(&a->snap_lock);
	return 0;
}

/* Per-SA counters of one SA (control thread). */
static void
sa_line(struct sa *sa, FILE *f, bool json, bool first)
{
	struct esp_sa_stats so, si;
	struct sa_rt *rt = sa->rt;
	char buf[96];
	unsigned int r;
	uint64_t dout = 0, din = 0;

	memset(&so, 0, sizeof(so));
	memset(&si, 0, sizeof(si));
	if (rt != NULL) {
		esp_sa_stats(rt->out, &so);
		esp_sa_stats(rt->in, &si);
	}
	for (r = 1; r < ESP_DROP_MAX; r++) {
		dout += so.drops[r];
		din += si.drops[r];
	}
	sa_fmt(sa, buf, sizeof(buf));
	if (!json) {
		fprintf(f, "  sa %-36s %-7s %s out %" PRIu64 " pkts %" PRIu64
		    " bytes seq %" PRIu64 " drops %" PRIu64 " | in %" PRIu64
		    " pkts %" PRIu64 " bytes drops %" PRIu64 " | owner %u"
		    " | engine out %s in %s\n",
		    buf, sa_state_name(sa_state(sa)),
		    sa->kind == SA_KIND_ACQUIRE ? "(acquire)" : "",
		    so.packets, so.bytes, rt ? esp_sa_seq(rt->out) : 0, dout,
		    si.packets, si.bytes, din, rt ? rt->owner : 0,
		    rt ? esp_sa_engine(rt->out) : "-",
		    rt ? esp_sa_engine(rt->in) : "-");
		for (r = 1; r < ESP_DROP_MAX; r++)
			if (so.drops[r] + si.drops[r] != 0)
				fprintf(f, "      %-16s out %" PRIu64 " in %" PRIu64
				    "\n", esp_drop_name(r), so.drops[r],
				    si.drops[r]);
		return;
	}
	fprintf(f, "%s\n    {\"spi\": %u, \"sa\": \"%s\", \"state\": \"%s\", "
	    "\"kind\": %u, \"out_packets\": %" PRIu64 ", \"out_bytes\": %"
	    PRIu64 ", \"out_seq\": %" PRIu64 ", \"in_packets\": %" PRIu64
	    ", \"in_bytes\": %" PRIu64 ", \"owner\": %u, \"engine_out\": "
	    "\"%s\", \"engine_in\": \"%s\", \"drops\": {",
	    first ? "" : ",", sa->spi, buf, sa_state_name(sa_state(sa)),
	    sa->kind, so.packets, so.bytes, rt ? esp_sa_seq(rt->out) : 0,
	    si.packets, si.bytes, rt ? rt->owner : 0,
	    rt ? esp_sa_engine(rt->out) : "", rt ? esp_sa_engine(rt->in) : "");
	for (r = 1; r < ESP_DROP_MAX; r++)
		fprintf(f, "%s\"%s\": %" PRIu64, r > 1 ? ", " : "",
		    esp_drop_name(r), so.drops[r] + si.drops[r]);
	fprintf(f, "}}");
}

static void
each_sa(struct dp_app *app, FILE *f, bool json)
{
	struct sad_dump *d;
	struct sa *sa;
	bool first = true;

	if (app->sad == NULL)
		return;
	d = sad_dump_start(app->sad, 0);
	if (d == NULL)
		return;
	while ((sa = sad_dump_next(d)) != NULL) {
		sa_line(sa, f, json, first);
		first = false;
	}
	sad_dump_end(d);
}

void
acq_print(struct dp_app *app, FILE *f)
{
	struct sad_stats st;
	unsigned int r;

	if (app->sad == NULL)
		return;
	sad_stats(app->sad, &st);
	fprintf(f, "IPsec: %u SAs, %u policies; acquires sent %" PRIu64
	    " (+%" PRIu64 " retransmitted); larval queue: %" PRIu64
	    " queued, %" PRIu64 " released\n", st.n_sa, spd_count(app->spd),
	    app->acq->acquires_sent, app->acq->acquires_retx, st.lq_queued,
	    st.lq_released);
	for (r = 1; r < SA_DROP_MAX; r++)
		if (st.drops[r] != 0)
			fprintf(f, "    %-28s %" PRIu64 "\n", sa_drop_name(r),
			    st.drops[r]);
	each_sa(app, f, false);
}

void
acq_write_json(struct dp_app *app, FILE *f)
{
	struct sad_stats st;
	unsigned int r;

	if (app->sad == NULL)
		return;
	sad_stats(app->sad, &st);
	fprintf(f, ",\n  \"sad\": {\"sas\": %u, \"policies\": %u, "
	    "\"acquires_sent\": %" PRIu64 ", \"acquires_retransmitted\": %"
	    PRIu64 ", \"lq_queued\": %" PRIu64 ", \"lq_released\": %" PRIu64
	    ", \"larval_expired\": %" PRIu64 ", \"acquire_expired\": %" PRIu64,
	    st.n_sa, spd_count(app->spd), app->acq->acquires_sent,
	    app->acq->acquires_retx, st.lq_queued, st.lq_released,
	    st.larval_expired, st.acquire_expired);
	fprintf(f, ", \"lq_current\": %u", st.lq_current);
	for (r = 1; r < SA_DROP_MAX; r++)
		fprintf(f, ", \"drop_%s\": %" PRIu64, sa_drop_name(r),
		    st.drops[r]);
	if (app->ctrl != NULL) {
		struct ctrl_stats cs;

		ctrl_stats(app->ctrl, &cs);
		fprintf(f, "},\n  \"ctrl\": {\"accepted\": %" PRIu64
		    ", \"refused_cred\": %" PRIu64 ", \"refused_limit\": %"
		    PRIu64 ", \"requests\": %" PRIu64 ", \"errors\": %" PRIu64
		    ", \"bcast_dropped\": %" PRIu64 ", \"dumps\": %" PRIu64
		    ", \"dump_msgs\": %" PRIu64 ", \"clients\": %u"
		    ", \"dumps_active\": %u, \"queued_bytes\": %" PRIu64,
		    cs.accepted, cs.refused_cred, cs.refused_limit,
		    cs.requests, cs.errors, cs.bcast_dropped, cs.dumps,
		    cs.dump_msgs, cs.clients, cs.dumps_active,
		    cs.queued_bytes);
	}
	fprintf(f, "},\n  \"sa\": [");
	each_sa(app, f, true);
	fprintf(f, "\n  ]");
}
