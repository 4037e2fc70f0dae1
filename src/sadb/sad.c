/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sad.c: the database: creation, GETSPI, UPDATE, ADD, GET, DELETE, FLUSH,
 * acquire entries, and two-phase deletion with an rte_rcu_qsbr defer
 * queue.  The two indexes and the burst lookups are in sad_index.c.
 *
 * Indexes (lock-free readers, RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF; the
 * control thread is the only writer):
 *  - inbound: (spi, dst, proto) -> SA, every SA with an SPI (LARVAL from
 *    GETSPI too, so inbound ESP for a reserved SPI finds it: lesson 5);
 *  - outbound: (proto, reqid, src, dst) -> preferred SA. An SA is linked
 *    under its own reqid and, when that is not 0, also under reqid 0 (a
 *    template with reqid 0 matches by endpoints only). Several SAs may
 *    share a key (rekeying); they form a control-thread doubly linked
 *    chain through sa->ob_next[]/ob_prev[] whose head is the preferred SA
 *    (newest MATURE, else newest DYING, else an acquire entry); the hash
 *    maps the key to the head, and replacing it is one atomic pointer
 *    store in rte_hash.
 *
 * Deletion in two phases (STYLE.md section 5): sad_unlink_sa() marks the
 * SA DEAD under its lock, purges its queue, removes its keys (key slots are
 * not reused yet: LF mode implies NO_FREE_ON_DEL) and hands it to the
 * defer queue (or keeps it as a zombie while a dump still needs it,
 * dump.c); sa_free() runs after the grace period: frees the key slots,
 * calls sa_release, wipes the whole SA (keys included) with sodium_memzero
 * and frees it. The defer queue never reclaims on its own: memory is freed
 * only in sad_reclaim()/sad_tick(), so the control thread's SA pointers
 * stay valid between those calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "sad_priv.h"

RTE_LOG_REGISTER_DEFAULT(sad_logtype, INFO);

#define SAD_DEF_MAX_SA		65536u
#define SAD_DEF_TIMEOUT		30u
#define SAD_DEF_LQ_PER_SA	64u
#define SAD_DEF_LQ_TOTAL	8192u

static uint32_t sad_instances;

static uint64_t
default_clock(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

uint64_t
sad_now(const struct sad *sad)
{
	return sad->p.clock(sad->p.clock_arg);
}

static void
addr_norm(struct sa_addr *to, const struct sa_addr *from)
{
	memset(to, 0, sizeof(*to));
	to->family = from->family;
	if (from->family == AF_INET)
		to->a.v4 = from->a.v4;
	else if (from->family == AF_INET6)
		memcpy(to->a.v6, from->a.v6, 16);
}

void
sad_in_key_from(struct sad_in_key *k, uint8_t proto, uint32_t spi,
    const struct sa_addr *dst)
{
	struct sa_addr a;

	addr_norm(&a, dst);
	memset(k, 0, sizeof(*k));
	k->spi = spi;
	k->proto = proto;
	k->family = a.family;
	memcpy(k->dst, a.a.raw, 16);
}

void
sad_out_key_set(struct sad_out_key *k, uint8_t proto, uint32_t reqid,
    const struct sa_addr *src, const struct sa_addr *dst)
{
	struct sa_addr s, d;

	addr_norm(&s, src);
	addr_norm(&d, dst);
	memset(k, 0, sizeof(*k));
	k->reqid = reqid;
	k->proto = proto;
	k->family = d.family;
	memcpy(k->src, s.a.raw, 16);
	memcpy(k->dst, d.a.raw, 16);
}

int
sad_in_exists(const struct sad *sad, const struct sad_in_key *k)
{
	return rte_hash_lookup(sad->in, k) >= 0;
}

/* ---- creation ---------------------------------------------------------- */

static void sa_free(struct sad *sad, struct sa *sa);

static void
dq_free(void *p, void *e, unsigned int n)
{
	struct sad *sad = p;
	struct sa **sap = e;
	unsigned int i;

#ifdef SAD_TSAN
	/* The grace period ended: make the readers' quiescent reports (after
	 * their last use of these SAs) visible to TSan before we free. */
	for (i = 0; i < sad->qsbr->max_threads; i++)
		(void)__atomic_load_n(&sad->qsbr->qsbr_cnt[i].cnt,
		    __ATOMIC_ACQUIRE);
#endif
	for (i = 0; i < n; i++)
		sa_free(sad, sap[i]);
}

static struct rte_hash *
hash_make(const char *name, uint32_t entries, uint32_t key_len, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		    RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	return rte_hash_create(&hp);
}

struct sad *
sad_create(const struct sad_params *p)
{
	struct rte_rcu_qsbr_dq_parameters dp;
	struct sad *sad;
	char name[RTE_HASH_NAMESIZE];
	uint32_t id;
	int rc;

	if (p == NULL || p->qsbr == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = sa_lq_init();
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	sad = rte_zmalloc_socket("sad", sizeof(*sad), RTE_CACHE_LINE_SIZE,
	    p->socket_id);
	if (sad == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	sad->p = *p;
	if (sad->p.max_sa == 0)
		sad->p.max_sa = SAD_DEF_MAX_SA;
	if (sad->p.max_out_keys == 0)
		sad->p.max_out_keys = 2 * sad->p.max_sa;
	if (sad->p.larval_timeout == 0)
		sad->p.larval_timeout = SAD_DEF_TIMEOUT;
	if (sad->p.acquire_timeout == 0)
		sad->p.acquire_timeout = SAD_DEF_TIMEOUT;
	if (sad->p.lq_per_sa == 0)
		sad->p.lq_per_sa = SAD_DEF_LQ_PER_SA;
	if (sad->p.lq_total == 0)
		sad->p.lq_total = SAD_DEF_LQ_TOTAL;
	if (sad->p.clock == NULL)
		sad->p.clock = default_clock;
	sad->qsbr = p->qsbr;
	TAILQ_INIT(&sad->all);
	TAILQ_INIT(&sad->larval);
	TAILQ_INIT(&sad->acquire);
	TAILQ_INIT(&sad->zombies);
	TAILQ_INIT(&sad->dumps);

	id = __atomic_fetch_add(&sad_instances, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "sad%u_in", id);
	sad->in = hash_make(name, sad->p.max_sa, sizeof(struct sad_in_key),
	    p->socket_id);
	if (sad->in == NULL)
		goto err_free;
	snprintf(name, sizeof(name), "sad%u_out", id);
	sad->out = hash_make(name, sad->p.max_out_keys,
	    sizeof(struct sad_out_key), p->socket_id);
	if (sad->out == NULL)
		goto err_in;

	snprintf(name, sizeof(name), "sad%u_dq", id);
	memset(&dp, 0, sizeof(dp));
	dp.name = name;
	dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;
	dp.size = sad->p.max_sa;
	dp.esize = sizeof(struct sa *);
	/* Never reclaim inside enqueue: frees happen in sad_reclaim only. */
	dp.trigger_reclaim_limit = sad->p.max_sa + 1;
	dp.max_reclaim_size = sad->p.max_sa;
	dp.free_fn = dq_free;
	dp.p = sad;
	dp.v = sad->qsbr;
	sad->dq = rte_rcu_qsbr_dq_create(&dp);
	if (sad->dq == NULL)
		goto err_out;
	return sad;

err_out:
	rte_hash_free(sad->out);
err_in:
	rte_hash_free(sad->in);
err_free:
	rte_free(sad);
	rte_errno = rte_errno ? rte_errno : ENOMEM;
	return NULL;
}

void
sad_destroy(struct sad *sad)
{
	struct sad_dump *d;

	if (sad == NULL)
		return;
	while ((d = TAILQ_FIRST(&sad->dumps)) != NULL)
		sad_dump_end(d);
	if (sad->tick_next != NULL) {
		sad_sa_unref(sad, sad->tick_next);
		sad->tick_next = NULL;
	}
	sad_flush(sad, 0);
	/* Without dumps no SA is kept as a zombie. */
	RTE_VERIFY(TAILQ_EMPTY(&sad->zombies));
	rte_rcu_qsbr_synchronize(sad->qsbr, RTE_QSBR_THRID_INVALID);
	sad_reclaim(sad);
	rte_rcu_qsbr_dq_delete(sad->dq);
	rte_hash_free(sad->out);
	rte_hash_free(sad->in);
	rte_free(sad);
}

/* ---- SA objects -------------------------------------------------------- */

static struct sa *
sa_alloc(struct sad *sad)
{
	struct sa *sa;

	if (posix_memalign((void **)&sa, RTE_CACHE_LINE_SIZE,
	    sizeof(*sa)) != 0)
		return NULL;
	memset(sa, 0, sizeof(*sa));
	rte_spinlock_init(&sa->lock);
	sa->sad = sad;
	sa->in_pos = -1;
	sa->out_pos[0] = -1;
	sa->out_pos[1] = -1;
	return sa;
}

/* Phase two: after the grace period (and after every dump let go). */
static void
sa_free(struct sad *sad, struct sa *sa)
{
	int i;

	RTE_VERIFY(sa_state(sa) == SA_DEAD);
	RTE_VERIFY(sa->linked == 0 && sa->refcnt == 0 && !sa->zombie);
	RTE_VERIFY(sa->lq_len == 0 && sa->lq_head == NULL);
	if (sa->in_pos >= 0)
		rte_hash_free_key_with_position(sad->in, sa->in_pos);
	for (i = 0; i < 2; i++)
		if (sa->out_pos[i] >= 0)
			rte_hash_free_key_with_position(sad->out,
			    sa->out_pos[i]);
	if (sa->installed && sad->p.hooks.sa_release != NULL)
		sad->p.hooks.sa_release(sa, sad->p.hooks.arg);
	sodium_memzero(sa, sizeof(*sa));
	if (sad->free_hook != NULL)
		sad->free_hook(sa, sad->free_hook_arg);
	free(sa);
	sad->n_pending--;
}

void
sad_set_free_hook(struct sad *sad, void (*fn)(const struct sa *sa, void *arg),
    void *arg)
{
	sad->free_hook = fn;
	sad->free_hook_arg = arg;
}

/* Hand a deleted (unlinked, DEAD) SA to the defer queue. */
static void
sa_defer(struct sad *sad, struct sa *sa)
{
	if (rte_rcu_qsbr_dq_enqueue(sad->dq, &sa) == 0)
		return;
	/* Queue full (a flush of max_sa SAs whose grace has not ended):
	 * reclaim what we can, then wait for the readers once. */
	sad_reclaim(sad);
	if (rte_rcu_qsbr_dq_enqueue(sad->dq, &sa) == 0)
		return;
	rte_rcu_qsbr_synchronize(sad->qsbr, RTE_QSBR_THRID_INVALID);
	sa_free(sad, sa);
}

/* Retire a DEAD, unlinked SA: zombie for a dump, or defer. */
static void
sa_retire(struct sad *sad, struct sa *sa)
{
	sad->n_pending++;
	if (sa->refcnt != 0 || sad_dump_needs(sad, sa)) {
		sa->zombie = 1;
		TAILQ_INSERT_TAIL(&sad->zombies, sa, tmo_link);
		return;
	}
	TAILQ_REMOVE(&sad->all, sa, all_link);
	sa_defer(sad, sa);
}

void
sad_zombie_retire(struct sad *sad, struct sa *sa)
{
	TAILQ_REMOVE(&sad->zombies, sa, tmo_link);
	sa->zombie = 0;
	TAILQ_REMOVE(&sad->all, sa, all_link);
	sa_defer(sad, sa);
}

/* ---- validation and filling ----------------------------------------- */

static int
params_check(const struct sa_params *p, int need_spi)
{
	if (p->proto != IPPROTO_ESP && p->proto != IPPROTO_AH)
		return -EINVAL;
	if (p->dst.family != AF_INET && p->dst.family != AF_INET6)
		return -EINVAL;
	if (p->src.family != p->dst.family)
		return -EINVAL;
	if (need_spi && p->spi == 0)
		return -EINVAL;
	if (p->enc_key_len > SA_ENC_KEY_MAX ||
	    p->auth_key_len > SA_AUTH_KEY_MAX)
		return -EINVAL;
	if ((p->enc_key_len != 0 && p->enc_key == NULL) ||
	    (p->auth_key_len != 0 && p->auth_key == NULL))
		return -EINVAL;
	if (p->replay_window > SA_REPLAY_MAX)
		return -EINVAL;
	return 0;
}

/* Everything but identity (proto, spi, dst) and state. */
static void
sa_fill(struct sa *sa, const struct sa_params *p)
{
	sa->mode = p->mode;
	sa->ealg = p->ealg;
	sa->aalg = p->aalg;
	sa->flags = p->flags;
	sa->reqid = p->reqid;
	sa->replay_window = p->replay_window;
	sa->natt_type = p->natt_type;
	sa->natt_sport = p->natt_sport;
	sa->natt_dport = p->natt_dport;
	addr_norm(&sa->src, &p->src);
	addr_norm(&sa->natt_oa, &p->natt_oa);
	sa->pfkey_flags = p->pfkey_flags;
	sa->soft = p->soft;
	sa->hard = p->hard;
	sodium_memzero(sa->enc_key, sizeof(sa->enc_key));
	sodium_memzero(sa->auth_key, sizeof(sa->auth_key));
	sa->enc_key_len = (uint8_t)p->enc_key_len;
	sa->auth_key_len = (uint8_t)p->auth_key_len;
	if (p->enc_key_len != 0)
		memcpy(sa->enc_key, p->enc_key, p->enc_key_len);
	if (p->auth_key_len != 0)
		memcpy(sa->auth_key, p->auth_key, p->auth_key_len);
}

/* The parameters a GETSPI left in a LARVAL SA (to undo a failed UPDATE). */
static void
sa_larval_params(const struct sa *sa, struct sa_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = sa->mode;
	p->reqid = sa->reqid;
	p->src = sa->src;
}

/* ---- deletion ----------------------------------------------------------- */

int
sad_unlink_sa(struct sad *sad, struct sa *sa, enum sa_drop reason)
{
	struct rte_mbuf *head;
	enum sa_state prev;
	uint32_t n;

	sa_lock(sa);
	prev = (enum sa_state)__atomic_load_n(&sa->state, __ATOMIC_RELAXED);
	if (prev == SA_DEAD) {
		sa_unlock(sa);
		return 0;		/* idempotent */
	}
	RTE_VERIFY(sa_set_state_locked(sa, SA_DEAD) == 0);
	n = sa_lq_splice_locked(sa, &head);
	sa_unlock(sa);
	sa_lq_purge(sad, head, n, reason);

	sad_in_unlink(sad, sa);
	sad_out_unlink(sad, sa);
	if (prev == SA_LARVAL)
		TAILQ_REMOVE(sa->kind == SA_KIND_ACQUIRE ? &sad->acquire :
		    &sad->larval, sa, tmo_link);
	sad->n_state[prev]--;
	sad->n_sa--;
	sa->del_gen = ++sad->gen;
	sa_retire(sad, sa);
	return 0;
}

int
sad_delete_sa(struct sad *sad, struct sa *sa)
{
	return sad_unlink_sa(sad, sa, SA_DROP_LQ_DELETED);
}

static struct sa *
in_find(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi)
{
	struct sad_in_key k;
	void *data;

	sad_in_key_from(&k, proto, spi, dst);
	if (rte_hash_lookup_data(sad->in, &k, &data) < 0)
		return NULL;
	return data;
}

int
sad_get(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi, struct sa **out)
{
	struct sa *sa = in_find(sad, proto, dst, spi);

	if (sa == NULL)
		return -ESRCH;
	*out = sa;
	return 0;
}

int
sad_delete(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi)
{
	struct sa *sa = in_find(sad, proto, dst, spi);

	if (sa == NULL)
		return -ESRCH;
	return sad_unlink_sa(sad, sa, SA_DROP_LQ_DELETED);
}

uint32_t
sad_flush(struct sad *sad, uint8_t proto)
{
	struct sa *sa, *next;
	uint32_t n = 0;

	for (sa = TAILQ_FIRST(&sad->all); sa != NULL; sa = next) {
		next = TAILQ_NEXT(sa, all_link);
		if (sa->zombie || sa_state(sa) == SA_DEAD)
			continue;
		if (proto != 0 && sa->proto != proto)
			continue;
		sad_unlink_sa(sad, sa, SA_DROP_LQ_DELETED);
		n++;
	}
	return n;
}

/* ---- creation paths ------------------------------------------------- */

static void
sa_enlist(struct sad *sad, struct sa *sa, enum sa_state st)
{
	sa->add_gen = ++sad->gen;
	TAILQ_INSERT_TAIL(&sad->all, sa, all_link);
	sad->n_sa++;
	sad->n_state[st]++;
}

int
sad_getspi(struct sad *sad, const struct sa_params *p, uint32_t spi_min,
    uint32_t spi_max, struct sa **out)
{
	struct sa *sa;
	uint32_t spi;
	uint64_t now;
	int rc;

	rc = params_check(p, 0);
	if (rc < 0)
		return rc;
	if (sad->n_sa >= sad->p.max_sa)
		return -ENOSPC;
	rc = sad_spi_alloc(sad, p->proto, &p->dst, spi_min, spi_max, &spi);
	if (rc < 0) {
		if (rc == -ENOBUFS)
			sad->spi_exhausted++;
		return rc;
	}
	sa = sa_alloc(sad);
	if (sa == NULL)
		return -ENOMEM;
	sa->state = SA_LARVAL;
	sa->kind = SA_KIND_NORMAL;
	sa->proto = p->proto;
	sa->spi = spi;
	addr_norm(&sa->dst, &p->dst);
	addr_norm(&sa->src, &p->src);
	sa->mode = p->mode;
	sa->reqid = p->reqid;
	sa->seq = p->seq;
	now = sad_now(sad);
	sa->add_time = now;
	sa->deadline = now + sad->p.larval_timeout;
	__atomic_store_n(&sa->state, SA_LARVAL, __ATOMIC_RELEASE);
	rc = sad_in_link(sad, sa);
	if (rc < 0) {
		free(sa);
		return rc;
	}
	TAILQ_INSERT_TAIL(&sad->larval, sa, tmo_link);
	sa_enlist(sad, sa, SA_LARVAL);
	if (out != NULL)
		*out = sa;
	return 0;
}

/* An acquire entry became unnecessary because sa now serves its
 * template: packets that raced with us go to sa (sa->succ), queued ones
 * are released to sa in order. */
static void
acq_resolve(struct sad *sad, struct sa *acq, struct sa *sa)
{
	struct rte_mbuf *head;
	enum sa_state prev;
	uint32_t n;

	sa_lock(acq);
	prev = (enum sa_state)__atomic_load_n(&acq->state, __ATOMIC_RELAXED);
	RTE_VERIFY(prev == SA_LARVAL);
	acq->succ = sa;
	RTE_VERIFY(sa_set_state_locked(acq, SA_DEAD) == 0);
	n = sa_lq_splice_locked(acq, &head);
	sa_unlock(acq);

	sad_out_unlink(sad, acq);
	TAILQ_REMOVE(&sad->acquire, acq, tmo_link);
	sad->n_state[SA_LARVAL]--;
	sad->n_sa--;
	acq->del_gen = ++sad->gen;
	if (n != 0)
		sa_lq_release(sad, sa, head);
	sa_retire(sad, acq);
}

/*
 * Resolve the acquire entry of sa's templates (sa is MATURE and linked).
 * sad_acquire() creates an entry only for a template without SAs, and the
 * first SA linked under it resolves it, so an entry is alone in its chain
 * until then: it is the one right after sa, the new head. O(1).
 */
static void
acq_resolve_all(struct sad *sad, struct sa *sa)
{
	struct sa *c;
	int i;

	for (i = 0; i < 2; i++) {
		if (!(sad_ob_slots(sa) & (1u << i)))
			continue;
		c = sa->ob_next[i];
		if (sa->ob_prev[i] == NULL && c != NULL &&
		    c->kind == SA_KIND_ACQUIRE && sa_state(c) == SA_LARVAL)
			acq_resolve(sad, c, sa);
	}
}

int
sad_update(struct sad *sad, const struct sa_params *p, struct sa **out)
{
	struct sa_params old;
	struct rte_mbuf *head;
	struct sa *sa;
	uint32_t n;
	int rc;

	rc = params_check(p, 1);
	if (rc < 0)
		return rc;
	sa = in_find(sad, p->proto, &p->dst, p->spi);
	if (sa == NULL)
		return -ESRCH;
	if (sa->kind != SA_KIND_NORMAL || sa_state(sa) != SA_LARVAL)
		return -EINVAL;

	/* Workers read nothing but identity and state of a LARVAL SA, so the
	 * control thread may fill it in place before publishing MATURE. */
	sa_larval_params(sa, &old);
	sa_fill(sa, p);
	if (sad->p.hooks.sa_install != NULL) {
		rc = sad->p.hooks.sa_install(sa, sad->p.hooks.arg);
		if (rc < 0)
			goto err_restore;
	}
	sa->installed = 1;
	sa->seq = p->seq != 0 ? p->seq : sa->seq;
	rc = sad_out_link(sad, sa, SA_MATURE);
	if (rc < 0)
		goto err_release;

	TAILQ_REMOVE(&sad->larval, sa, tmo_link);
	sa->add_time = sad_now(sad);
	sa->deadline = 0;
	sa_lock(sa);
	RTE_VERIFY(sa_set_state_locked(sa, SA_MATURE) == 0);
	n = sa_lq_splice_locked(sa, &head);
	sa_unlock(sa);
	sad->n_state[SA_LARVAL]--;
	sad->n_state[SA_MATURE]++;
	if (n != 0)
		sa_lq_release(sad, sa, head);
	acq_resolve_all(sad, sa);
	if (out != NULL)
		*out = sa;
	return 0;

err_release:
	if (sad->p.hooks.sa_release != NULL)
		sad->p.hooks.sa_release(sa, sad->p.hooks.arg);
	sa->installed = 0;
err_restore:
	sa->rt = NULL;
	sa_fill(sa, &old);
	return rc;
}

int
sad_add(struct sad *sad, const struct sa_params *p, struct sa **out)
{
	struct sa *sa;
	int rc;

	rc = params_check(p, 1);
	if (rc < 0)
		return rc;
	if (in_find(sad, p->proto, &p->dst, p->spi) != NULL)
		return -EEXIST;
	if (sad->n_sa >= sad->p.max_sa)
		return -ENOSPC;
	sa = sa_alloc(sad);
	if (sa == NULL)
		return -ENOMEM;
	sa->kind = SA_KIND_NORMAL;
	sa->proto = p->proto;
	sa->spi = p->spi;
	addr_norm(&sa->dst, &p->dst);
	sa_fill(sa, p);
	sa->seq = p->seq;
	sa->add_time = sad_now(sad);
	/* Not visible yet; the install hook sees it MATURE-to-be. */
	sa->state = SA_MATURE;
	if (sad->p.hooks.sa_install != NULL) {
		rc = sad->p.hooks.sa_install(sa, sad->p.hooks.arg);
		if (rc < 0)
			goto err_free;
	}
	sa->installed = 1;
	/* Release: a reader that acquire-loads the state sees it whole. */
	__atomic_store_n(&sa->state, SA_MATURE, __ATOMIC_RELEASE);
	/* add_gen orders the outbound chain: take it before linking. */
	sa->add_gen = ++sad->gen;
	rc = sad_in_link(sad, sa);
	if (rc < 0)
		goto err_release;
	rc = sad_out_link(sad, sa, SA_MATURE);
	if (rc < 0)
		goto err_unlink;
	TAILQ_INSERT_TAIL(&sad->all, sa, all_link);
	sad->n_sa++;
	sad->n_state[SA_MATURE]++;
	acq_resolve_all(sad, sa);
	if (out != NULL)
		*out = sa;
	return 0;

err_unlink:
	/* Readers may have seen it through the inbound index: defer. */
	sad_in_unlink(sad, sa);
	__atomic_store_n(&sa->state, SA_DEAD, __ATOMIC_RELEASE);
	sa->del_gen = ++sad->gen;
	sad->n_pending++;
	sa_defer(sad, sa);
	return rc;
err_release:
	if (sad->p.hooks.sa_release != NULL)
		sad->p.hooks.sa_release(sa, sad->p.hooks.arg);
err_free:
	sodium_memzero(sa, sizeof(*sa));
	free(sa);
	return rc;
}

int
sad_acquire(struct sad *sad, const struct sad_out_key *tmpl, uint8_t mode,
    struct sa **out)
{
	struct sad_out_key k;
	struct sa *sa, *head;
	uint64_t now;
	int rc;

	if (tmpl->proto != IPPROTO_ESP && tmpl->proto != IPPROTO_AH)
		return -EINVAL;
	if (tmpl->family != AF_INET && tmpl->family != AF_INET6)
		return -EINVAL;
	/* Normalise (pad and unused address bytes). */
	memset(&k, 0, sizeof(k));
	k.reqid = tmpl->reqid;
	k.proto = tmpl->proto;
	k.family = tmpl->family;
	memcpy(k.src, tmpl->src, tmpl->family == AF_INET ? 4 : 16);
	memcpy(k.dst, tmpl->dst, tmpl->family == AF_INET ? 4 : 16);
	head = sad_ob_head(sad, &k);
	if (head != NULL) {
		if (out != NULL)
			*out = head;
		return -EEXIST;
	}
	if (sad->n_sa >= sad->p.max_sa)
		return -ENOSPC;
	sa = sa_alloc(sad);
	if (sa == NULL)
		return -ENOMEM;
	sa->state = SA_LARVAL;
	sa->kind = SA_KIND_ACQUIRE;
	sa->proto = k.proto;
	sa->mode = mode;
	sa->reqid = k.reqid;
	sa->src.family = sa->dst.family = k.family;
	memcpy(sa->src.a.raw, k.src, 16);
	memcpy(sa->dst.a.raw, k.dst, 16);
	now = sad_now(sad);
	sa->add_time = now;
	sa->deadline = now + sad->p.acquire_timeout;
	sa->add_gen = ++sad->gen;
	__atomic_store_n(&sa->state, SA_LARVAL, __ATOMIC_RELEASE);
	rc = sad_out_link(sad, sa, SA_LARVAL);
	if (rc < 0) {
		free(sa);
		return rc;
	}
	TAILQ_INSERT_TAIL(&sad->acquire, sa, tmo_link);
	TAILQ_INSERT_TAIL(&sad->all, sa, all_link);
	sad->n_sa++;
	sad->n_state[SA_LARVAL]++;
	if (out != NULL)
		*out = sa;
	return 0;
}

/* ---- reclaim, stats ----------------------------------------------------- */

uint32_t
sad_reclaim(struct sad *sad)
{
	unsigned int freed = 0, pending = 0, avail = 0;

	rte_rcu_qsbr_dq_reclaim(sad->dq, UINT32_MAX, &freed, &pending,
	    &avail);
	return freed;
}

void
sad_stats(const struct sad *sad, struct sad_stats *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->n_sa = sad->n_sa;
	for (i = 0; i < SA_STATE_MAX; i++)
		st->n_state[i] = sad->n_state[i];
	st->n_pending_free = sad->n_pending;
	st->lq_current = __atomic_load_n(&sad->lq_current, __ATOMIC_RELAXED);
	st->lq_queued = __atomic_load_n(&sad->lq_queued, __ATOMIC_RELAXED);
	st->lq_released = sad->lq_released;
	for (i = 0; i < SA_DROP_MAX; i++)
		st->drops[i] = __atomic_load_n(&sad->drops[i],
		    __ATOMIC_RELAXED);
	st->expire_soft = sad->expire_soft;
	st->expire_hard = sad->expire_hard;
	st->larval_expired = sad->larval_expired;
	st->acquire_expired = sad->acquire_expired;
	st->spi_exhausted = sad->spi_exhausted;
}

uint32_t
sad_count(const struct sad *sad)
{
	return sad->n_sa;
}
