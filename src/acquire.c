/*
 * IPsec control side of dpsecd: SAD, SPD and control socket wiring, the
 * sadb/spd/ctrl hooks, acquire entries and their retransmission, the
 * larval release path back to the workers (acquire.h).  The counters it
 * shows (telemetry, exit summary, stats JSON) are in acq_stats.c.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "acq_priv.h"
#include "ctrl.h"
#include "dp_ipsec.h"
#include "pipeline.h"
#include "sa_glue.h"
#include "worker.h"
#include "xform.h"

/* Default hand-off ring size (handoff-ring). */
#define DP_HANDOFF_RING	2048

/* SAs sad_tick() examines per call (called at 10 Hz). */
#define SAD_TICK_SLICE	100000

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
ctrl_count_drop(struct dp_app *app, uint8_t reason, uint32_t n)
{
	DP_CNT_ADD(app_ctrl_stats(app)->drops[reason], n);
}

/* Give a packet back to the worker that received it (control thread is
 * the only producer of rel rings). */
static void
give_back(struct dp_app *app, struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	uint16_t wid = md->worker;

	if (wid >= app->nworkers)
		wid = 0;
	md->stage = (uint8_t)app->pipe_start[app->port[md->in_port].role ==
	    CFG_ROLE_UNPROTECTED ? 1 : 0];
	if (worker_inject(app, wid, &m, 1) != 1) {
		ctrl_count_drop(app, DP_DROP_RELEASE_RING_FULL, 1);
		rte_pktmbuf_free(m);
	}
}

/* sadb larval_release (through sa_glue): back to the workers, in order. */
static void
on_release(void *arg, struct sa *sa, struct rte_mbuf *m[], uint32_t n)
{
	struct dp_app *app = arg;
	uint32_t i;

	for (i = 0; i < n; i++)
		give_back(app, m[i]);
}

/*
 * sa_install succeeded: the SA becomes MATURE now; hold direct sends
 * until the packets it releases are on the injection rings.  Only if it
 * releases some: packets queued on acquire entries of its templates (the
 * others in flight are covered by the flow buckets).  A key manager's or
 * operator's ADD with nothing waiting holds up no traffic: under SA churn
 * a hold for every install kept most traffic in the backlog.
 */
static void
on_installed(void *arg, struct sa *sa)
{
	struct dp_app *app = arg;
	uint64_t g = __atomic_load_n(&app->hold_gen, __ATOMIC_RELAXED);

	if (sad_template_queued(app->sad, sa) == 0)
		return;
	if ((g & 1) == 0)
		__atomic_store_n(&app->hold_gen, g + 1, __ATOMIC_SEQ_CST);
}

static void
hold_end(struct dp_app *app)
{
	uint64_t g = __atomic_load_n(&app->hold_gen, __ATOMIC_RELAXED);

	if (g & 1)
		__atomic_store_n(&app->hold_gen, g + 1, __ATOMIC_RELEASE);
}

static void
on_sa_expire(struct sa *sa, enum sa_expire_kind kind, void *arg)
{
	struct sa_glue *g = arg;
	struct dp_app *app = g->arg;

	if (app->ctrl != NULL)
		ctrl_send_expire(app->ctrl, sa, kind == SA_EXPIRE_HARD);
}

static void
on_spd_expire(struct spd *spd, const struct spd_policy *p, int hard,
    void *arg)
{
	struct dp_app *app = arg;

	if (app->ctrl != NULL)
		ctrl_send_spdexpire(app->ctrl, p, hard);
}

/* The acquire entry currently under a record's key, or NULL. */
static struct sa *
rec_entry(struct dp_app *app, const struct acq_rec *r)
{
	const struct sad_out_key *kp = &r->key;
	struct sa *sa = NULL;

	sad_lookup_out(app->sad, &kp, 1, &sa);
	if (sa == NULL || sa->kind != SA_KIND_ACQUIRE ||
	    sa_state(sa) != SA_LARVAL)
		return NULL;
	return sa;
}

static void
rec_del(struct acq *a, unsigned int i)
{
	a->rec[i] = a->rec[--a->nrec];
}

/* ctrl: a key manager answered our ACQUIRE with an errno. */
static void
on_acquire_failed(uint32_t seq, int err, void *arg)
{
	struct dp_app *app = arg;
	struct acq *a = app->acq;
	unsigned int i;

	for (i = 0; i < a->nrec; i++) {
		struct sa *sa = rec_entry(app, &a->rec[i]);

		if (sa != NULL && sa->seq == seq) {
			sad_delete_sa(app->sad, sa);
			rec_del(a, i);
			return;
		}
	}
}

static void
send_acquire(struct dp_app *app, struct acq_rec *r, struct sa *sa)
{
	const struct spd_policy *pol = spd_get_by_id(app->spd, r->pol_id);

	r->sent++;
	r->next_ms = now_ms() + app->cfg->ipsec.acquire_retry_ms;
	if (app->ctrl != NULL)
		ctrl_send_acquire(app->ctrl, sa, pol);
}

/* A new acquire entry: remember it and send the first ACQUIRE. */
static void
rec_add(struct dp_app *app, const struct sad_out_key *key, uint32_t pol_id,
    struct sa *sa)
{
	struct acq *a = app->acq;
	struct acq_rec *r;

	if (a->nrec == a->caprec) {
		unsigned int ncap = a->caprec ? a->caprec * 2 : 64;
		void *p = realloc(a->rec, ncap * sizeof(*r));

		if (p == NULL) {
			/* No retransmission for this one; the first still goes. */
			struct acq_rec tmp = { .key = *key, .pol_id = pol_id };

			send_acquire(app, &tmp, sa);
			a->acquires_sent++;
			return;
		}
		a->rec = p;
		a->caprec = ncap;
	}
	r = &a->rec[a->nrec++];
	memset(r, 0, sizeof(*r));
	r->key = *key;
	r->pol_id = pol_id;
	send_acquire(app, r, sa);
	a->acquires_sent++;
}

/* One packet a worker could not send directly. */
static void
resolve_one(struct dp_app *app, struct rte_mbuf *m)
{
	const struct spd_policy *pol;
	const struct sad_out_key *kp;
	struct sad_out_key key;
	struct spd_key k;
	struct sa *sa = NULL, *use = NULL;
	enum sa_drop dr = SA_DROP_NONE;
	bool acq_only = (dp_meta(m)->flags & DP_MF_ACQ_ONLY) != 0;
	int rc;

	/* The control thread is the SPD's writer: it may classify, as it
	 * frees policies only in its own spd_reclaim()/spd_tick(). */
	dp_spd_key(m, &k);
	pol = spd_classify(app->spd, SPD_DIR_OUT, &k);
	if (pol == NULL || pol->action != SPD_ACT_PROTECT || pol->ntmpl != 1) {
		if (acq_only)
			rte_pktmbuf_free(m);
		else
			give_back(app, m); /* policy changed: the stage decides */
		return;
	}
	dp_out_key(&pol->tmpl[0], &k, &key);
	kp = &key;
	sad_lookup_out(app->sad, &kp, 1, &sa);
	if (sa == NULL) {
		rc = sad_acquire(app->sad, &key, pol->tmpl[0].mode, &sa);
		if (rc == 0)
			rec_add(app, &key, pol->id, sa);
		else if (rc != -EEXIST) {
			app->acq->acquire_fail++;
			if (!acq_only)
				ctrl_count_drop(app, DP_DROP_ACQUIRE_FAILED, 1);
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (acq_only) {
		/* Level use: the original left in the clear; this copy only
		 * started the ACQUIRE. */
		rte_pktmbuf_free(m);
		return;
	}
	if (sa_state_usable(sa_state(sa))) {
		give_back(app, m);
		return;
	}
	switch (sa_larval_enqueue(sa, m, &use, &dr)) {
	case SA_LQ_QUEUED:
		break;
	case SA_LQ_PROCESS:
		give_back(app, m);
		break;
	default:
		ctrl_count_drop(app, dr == SA_DROP_LQ_SA_FULL ?
		    DP_DROP_LARVAL_SA_FULL : dr == SA_DROP_LQ_GLOBAL_FULL ?
		    DP_DROP_LARVAL_FULL : DP_DROP_LARVAL_DEAD, 1);
		rte_pktmbuf_free(m);
		break;
	}
}

unsigned int
acq_poll(struct dp_app *app)
{
	struct rte_mbuf *m[DP_BURST];
	unsigned int i, j, n, total = 0;

	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = app->worker[i];
		uint64_t done = __atomic_load_n(&w->acq_done, __ATOMIC_RELAXED);

		while ((n = rte_ring_sc_dequeue_burst(w->acq_ring,
		    (void **)m, DP_BURST, NULL)) > 0) {
			for (j = 0; j < n; j++) {
				uint8_t b = dp_meta(m[j])->order_b %
				    DP_ORDER_BUCKETS;

				resolve_one(app, m[j]);
				/* After its fate is settled (rel ring push);
				 * the bucket first: a worker that sees acq_done
				 * caught up reads no bucket. */
				__atomic_store_n(&w->done_b[b],
				    __atomic_load_n(&w->done_b[b],
				    __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
				__atomic_store_n(&w->acq_done, ++done,
				    __ATOMIC_RELEASE);
			}
			total += n;
		}
	}
	return total;
}

static void
retransmit(struct dp_app *app, uint64_t ms)
{
	struct acq *a = app->acq;
	unsigned int i = 0;

	while (i < a->nrec) {
		struct acq_rec *r = &a->rec[i];
		struct sa *sa = rec_entry(app, r);

		if (sa == NULL || spd_get_by_id(app->spd, r->pol_id) == NULL) {
			rec_del(a, i);	/* resolved, expired or cancelled */
			continue;
		}
		/* The first ACQUIRE and acquire-retries retransmissions. */
		if (r->sent <= app->cfg->ipsec.acquire_retries &&
		    ms >= r->next_ms) {
			send_acquire(app, r, sa);
			a->acquires_retx++;
		}
		i++;
	}
}

unsigned int
acq_ctrl_poll(struct dp_app *app)
{
	struct acq *a = app->acq;
	unsigned int busy = 0;
	uint64_t ms = now_ms();
	int rc;

	if (app->ctrl != NULL) {
		rc = ctrl_poll(app->ctrl, 0);
		if (rc > 0)
			busy += (unsigned int)rc;
	}
	/* Everything installed in that poll has released its packets. */
	hold_end(app);
	if (spd_pending(app->spd) && ms != a->last_spd_ms) {
		a->last_spd_ms = ms;
		if (spd_tick(app->spd, now_ns()) > 0)
			busy++;
	}
	/*
	 * sad_tick walks SAD_TICK_SLICE SAs per call at 10 Hz: 1M SAs are
	 * covered every second in ~8 ms slices instead of one ~90 ms stall
	 * of the control thread (docs/sadb.md).
	 */
	if (ms - a->last_sad_ms >= 100) {
		a->last_sad_ms = ms;
		sad_tick(app->sad, 0);
	}
	if (ms - a->last_tick_ms >= 1000) {
		a->last_tick_ms = ms;
		spd_tick(app->spd, now_ns());
	}
	if (a->nrec > 0)
		retransmit(app, ms);
	if (ms - a->last_snap_ms >= 1000) {
		a->last_snap_ms = ms;
		acq_snapshot(app);
	}
	sad_reclaim(app->sad);
	spd_reclaim(app->spd);
	return busy;
}

void
acq_worker_snap(struct worker *w)
{
	unsigned int b;

	w->gen_snap = __atomic_load_n(&w->app->hold_gen, __ATOMIC_ACQUIRE);
	w->done_snap = __atomic_load_n(&w->acq_done, __ATOMIC_ACQUIRE);
	w->snap_clear = w->done_snap == w->acq_out;
	if (w->snap_clear)
		return;
	/* Something is with the control thread: which flow buckets. */
	for (b = 0; b < DP_ORDER_BUCKETS; b++)
		w->snap_b[b] = __atomic_load_n(&w->done_b[b],
		    __ATOMIC_ACQUIRE);
}

unsigned int
acq_worker_flush(struct worker *w)
{
	struct dp_app *app = w->app;
	struct rte_mbuf *m[DP_BURST];
	uint8_t blocked[DP_ORDER_BUCKETS];
	unsigned int total = 0, i, cnt, keep = 0;
	uint16_t n = 0;

	if (w->bl_n == 0 || !dp_ipsec_nohold(w))
		return 0;
	/* The packets of every bucket whose earlier packets have all left
	 * go now, in order (the stage sends them directly while
	 * w->releasing, and backlogs nothing); the others stay, in order,
	 * compacted towards the head. */
	memset(blocked, 0, sizeof(blocked));
	w->releasing = true;
	cnt = w->bl_n;
	for (i = 0; i < cnt; i++) {
		struct rte_mbuf *p = w->bl[(w->bl_head + i) % DP_BACKLOG];
		uint8_t b = dp_meta(p)->order_b;

		if (blocked[b] ||
		    (!w->snap_clear && w->out_b[b] != w->snap_b[b])) {
			blocked[b] = 1;
			w->bl[(w->bl_head + keep++) % DP_BACKLOG] = p;
			continue;
		}
		w->bl_b[b]--;
		m[n++] = p;
		if (n == DP_BURST) {
			pipeline_run_from(w, &app->pipe[0],
			    app->pipe_start[0], m, n);
			total += n;
			n = 0;
		}
	}
	if (n > 0) {
		pipeline_run_from(w, &app->pipe[0], app->pipe_start[0], m, n);
		total += n;
	}
	w->bl_n = (uint16_t)keep;
	w->releasing = false;
	return total;
}

int
dp_ipsec_pipelines(struct dp_app *app)
{
	static const struct dp_stage out = { DP_STAGE_IPSEC_OUT,
	    stage_ipsec_out };
	static const struct dp_stage in = { DP_STAGE_IPSEC_IN, stage_ipsec_in };
	int rc;

	rc = pipeline_insert(&app->pipe[0], "route", &out);
	if (rc == 0)
		rc = pipeline_insert(&app->pipe[1], "local", &in);
	if (rc != 0)
		return rc;
	app->pipe_start[0] = (unsigned int)pipeline_find(&app->pipe[0],
	    DP_STAGE_IPSEC_OUT);
	app->pipe_start[1] = (unsigned int)pipeline_find(&app->pipe[1],
	    DP_STAGE_IPSEC_IN);
	return 0;
}

static int
socket_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	char buf[CFG_NAME_LEN], *colon;
	struct passwd *pw;
	struct group *gr;

	snprintf(buf, sizeof(buf), "%s", spec);
	colon = strchr(buf, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (buf[0] != '\0') {
		pw = getpwnam(buf);
		if (pw == NULL)
			return -ENOENT;
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (colon != NULL && *colon != '\0') {
		gr = getgrnam(colon);
		if (gr == NULL)
			return -ENOENT;
		*gid = gr->gr_gid;
	}
	return 0;
}

static int
make_rings(struct dp_app *app)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = app->worker[i];

		snprintf(name, sizeof(name), "dp_acq%u", i);
		w->acq_ring = rte_ring_create(name, app->cfg->ipsec.ring,
		    SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ |
		    RING_F_EXACT_SZ);
		if (w->acq_ring == NULL)
			return -rte_errno;
		if (!app->seq_owner)
			continue;
		/*
		 * Any worker may hand over (MP), only the owner takes.  RTS
		 * (relaxed tail sync) producers: with the default MP mode a
		 * producer preempted between its head and tail update makes
		 * the others spin for the whole preemption, which is routine
		 * on shared cores (docs/hardening.md); RTS bounds that.
		 */
		snprintf(name, sizeof(name), "dp_hoff%u", i);
		w->handoff = rte_ring_create(name, app->cfg->ipsec.handoff_ring ?
		    app->cfg->ipsec.handoff_ring : DP_HANDOFF_RING,
		    SOCKET_ID_ANY, RING_F_MP_RTS_ENQ | RING_F_SC_DEQ |
		    RING_F_EXACT_SZ);
		if (w->handoff == NULL)
			return -rte_errno;
	}
	return 0;
}

static int
load_setkey(struct dp_app *app, char *err, size_t errlen)
{
	const struct dpsec_config *cfg = app->cfg;
	char path[2 * CFG_PATH_LEN], dir[CFG_PATH_LEN];
	int rc;

	if (cfg->ipsec.setkey[0] == '/')
		snprintf(path, sizeof(path), "%s", cfg->ipsec.setkey);
	else {
		/* Relative to the config file. */
		snprintf(dir, sizeof(dir), "%s", cfg->file);
		snprintf(path, sizeof(path), "%s/%s", dirname(dir),
		    cfg->ipsec.setkey);
	}
	rc = ctrl_load_setkey(app->ctrl, path, err, errlen);
	hold_end(app);
	if (rc != 0)
		return rc;
	return spd_commit(app->spd);
}

int
acq_init(struct dp_app *app, char *err, size_t errlen)
{
	const struct dpsec_config *cfg = app->cfg;
	struct sad_params sp;
	struct spd_params pp;
	struct ctrl_params cp;
	struct ctrl_hooks ch;
	struct xform_config xc;
	char dir[CFG_PATH_LEN];
	struct acq *a;
	int rc;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	app->acq = a;
	pthread_mutex_init(&a->snap_lock, NULL);
	a->glue.nb_workers = app->nworkers;
	a->glue.socket_id = SOCKET_ID_ANY;
	a->glue.release = on_release;
	a->glue.installed = on_installed;
	a->glue.arg = app;

	memset(&xc, 0, sizeof(xc));
	xc.n_workers = app->nworkers;
	xc.use_cryptodev = true;	/* vdevs given to EAL, PCI devices */
	xc.cdev_sessions = cfg->ipsec.crypto_sessions;
	xc.icv_pmd_verify = cfg->ipsec.icv_pmd_verify;
	xc.socket_id = SOCKET_ID_ANY;
	if ((rc = xform_init(&xc)) != 0) {
		snprintf(err, errlen, "crypto engines: %s", strerror(-rc));
		return rc;
	}
	a->xform = true;

	memset(&sp, 0, sizeof(sp));
	sp.qsbr = app->qsbr;
	sp.max_sa = cfg->ipsec.max_sa;
	sp.tick_slice = SAD_TICK_SLICE;
	sp.socket_id = SOCKET_ID_ANY;
	sp.larval_timeout = cfg->ipsec.larval_timeout;
	sp.acquire_timeout = cfg->ipsec.acquire_timeout;
	sp.lq_per_sa = cfg->ipsec.larval_queue;
	sp.lq_total = cfg->ipsec.larval_queue_total;
	sa_glue_hooks(&a->glue, &sp.hooks);
	sp.hooks.expire = on_sa_expire;
	app->sad = sad_create(&sp);
	if (app->sad == NULL) {
		snprintf(err, errlen, "cannot create the SAD: %s",
		    rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&pp, 0, sizeof(pp));
	pp.name = "dpsecd";
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = app->qsbr;
	pp.expire = on_spd_expire;
	pp.expire_arg = app;
	app->spd = spd_create(&pp);
	if (app->spd == NULL) {
		snprintf(err, errlen, "cannot create the SPD: %s",
		    rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&cp, 0, sizeof(cp));
	cp.path = cfg->ctrl.socket_path;
	cp.mode = cfg->ctrl.socket_mode;
	RTE_BUILD_BUG_ON(CFG_CTRL_ALLOW != CTRL_MAX_ALLOW);
	for (unsigned int i = 0; i < cfg->ctrl.n_allow_uid; i++)
		cp.allow_uid[i] = (uid_t)cfg->ctrl.allow_uid[i];
	cp.n_allow_uid = cfg->ctrl.n_allow_uid;
	for (unsigned int i = 0; i < cfg->ctrl.n_allow_gid; i++)
		cp.allow_gid[i] = (gid_t)cfg->ctrl.allow_gid[i];
	cp.n_allow_gid = cfg->ctrl.n_allow_gid;
	cp.max_clients = cfg->ctrl.max_clients;
	cp.client_queue_bytes = cfg->ctrl.client_queue;
	if (cfg->ctrl.socket_owner[0] != '\0' &&
	    socket_owner(cfg->ctrl.socket_owner, &cp.owner, &cp.group) != 0) {
		snprintf(err, errlen, "control-socket: unknown owner '%s'",
		    cfg->ctrl.socket_owner);
		return -EINVAL;
	}
	/* /run/dpsec may not exist yet (tmpfs): make the parent. */
	snprintf(dir, sizeof(dir), "%s", cp.path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "control socket %s: %s", cp.path,
		    strerror(errno));
		return -errno;
	}
	memset(&ch, 0, sizeof(ch));
	ch.acquire_failed = on_acquire_failed;
	ch.arg = app;
	app->ctrl = ctrl_create(&cp, app->sad, app->spd, &ch);
	if (app->ctrl == NULL) {
		rc = -errno;
		snprintf(err, errlen, "control socket %s: %s", cp.path,
		    strerror(errno));
		return rc;
	}
	/* One worker numbers each outbound SA (docs/datapath.md). */
	app->seq_owner = cfg->ipsec.outbound_seq == CFG_SEQ_OWNER &&
	    app->nworkers > 1;
	if ((rc = make_rings(app)) != 0) {
		snprintf(err, errlen, "cannot create IPsec rings: %s",
		    strerror(-rc));
		return rc;
	}
	if ((rc = dp_ipsec_pipelines(app)) != 0) {
		snprintf(err, errlen, "cannot insert IPsec stages: %s",
		    strerror(-rc));
		return rc;
	}
	if (cfg->ipsec.setkey[0] != '\0' &&
	    (rc = load_setkey(app, err, errlen)) != 0)
		return rc;
	acq_snapshot(app);
	return 0;
}

void
acq_drain(struct dp_app *app)
{
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = app->worker[i];

		if (w == NULL)
			continue;
		while (w->bl_n > 0) {
			m = w->bl[w->bl_head];
			w->bl_head = (uint16_t)((w->bl_head + 1) % DP_BACKLOG);
			w->bl_n--;
			ctrl_count_drop(app, DP_DROP_SHUTDOWN, 1);
			rte_pktmbuf_free(m);
		}
		memset(w->bl_b, 0, sizeof(w->bl_b));
		while (w->acq_ring != NULL &&
		    rte_ring_dequeue(w->acq_ring, (void **)&m) == 0) {
			ctrl_count_drop(app, DP_DROP_SHUTDOWN, 1);
			rte_pktmbuf_free(m);
		}
		/* Handed to an owner that had stopped already. */
		while (w->handoff != NULL &&
		    rte_ring_dequeue(w->handoff, (void **)&m) == 0) {
			ctrl_count_drop(app, DP_DROP_SHUTDOWN, 1);
			rte_pktmbuf_free(m);
		}
	}
}

void
acq_fini(struct dp_app *app)
{
	struct rte_mbuf *m;
	unsigned int i;

	if (app->ctrl != NULL) {
		ctrl_destroy(app->ctrl);
		app->ctrl = NULL;
	}
	for (i = 0; i < app->nworkers; i++) {
		struct worker *w = app->worker[i];

		if (w == NULL)
			continue;
		while (w->bl_n > 0) {
			rte_pktmbuf_free(w->bl[w->bl_head]);
			w->bl_head = (uint16_t)((w->bl_head + 1) % DP_BACKLOG);
			w->bl_n--;
		}
		memset(w->bl_b, 0, sizeof(w->bl_b));
		if (w->acq_ring != NULL) {
			while (rte_ring_dequeue(w->acq_ring, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->acq_ring);
			w->acq_ring = NULL;
		}
		if (w->handoff != NULL) {
			while (rte_ring_dequeue(w->handoff, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->handoff);
			w->handoff = NULL;
		}
	}
	if (app->sad != NULL) {
		/* Released packets of the last promotions go nowhere now. */
		app->acq->glue.release = NULL;
		sad_destroy(app->sad);
		app->sad = NULL;
	}
	if (app->spd != NULL) {
		spd_free(app->spd);
		app->spd = NULL;
	}
	if (app->acq != NULL) {
		if (app->acq->xform)
			xform_fini();
		free(app->acq->rec);
		pthread_mutex_lock(&app->acq->snap_lock);
		free(app->acq->snap);
		app->acq->snap = NULL;
		app->acq->nsnap = 0;
		pthread_mutex_unlock(&app->acq->snap_lock);
		free(app->acq);
		app->acq = NULL;
	}
}
