/*
 * Larval inbound race (DESIGN.md lesson 5), in process with the real
 * sadb, ipsec and dpsecd's SA glue, without ports: a worker thread
 * receives ESP for an SA that the control thread reserved with GETSPI
 * and promotes with UPDATE after a random delay, many rounds.  The
 * worker looks each packet up, queues it while the SA is LARVAL
 * (sa_larval_enqueue), decrypts it when MATURE, and decrypts what the
 * larval_release hook hands back.  Every packet must be decrypted exactly
 * once or counted as dropped with a reason; none vanishes, none is
 * duplicated.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/ipsec.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "esp.h"
#include "sa_glue.h"
#include "sad.h"
#include "xform.h"

#define ROUNDS		120
#define PER_ROUND	40
#define BURST		8

static const uint8_t key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	13, 14, 15, 16, 17, 18, 19, 20 };
static const rte_be32_t gw = RTE_BE32(0xc0000201);	/* 192.0.2.1 */
static const rte_be32_t peer = RTE_BE32(0xc0000202);	/* 192.0.2.2 */

struct round {
	uint32_t	 spi;
	struct esp_sa	*peer;		/* the sender's outbound runtime */
	uint32_t	 promoted;	/* [A] UPDATE returned */
	uint32_t	 sent;		/* [A] packets the worker has received */
	uint32_t	 at;		/* [I] promote after this many */
	uint32_t	 done;		/* [A] worker finished the round */
	uint32_t	 seen[PER_ROUND];	/* worker: times decrypted */
	uint32_t	 drops;			/* worker: counted drops */
	uint32_t	 queued, direct, process;
};

static struct rte_mempool *pool;
static struct rte_ring *released;
static struct rte_rcu_qsbr *qsbr;
static struct sad *sad;
static struct round *cur;		/* [A] round in progress */
static uint32_t stop;			/* [A] */
static int failures;

static void
fail(const char *msg, unsigned int r, unsigned int i)
{
	fprintf(stderr, "FAIL: round %u packet %u: %s\n", r, i, msg);
	failures++;
}

/* sadb larval_release through the glue: control thread -> worker. */
static void
on_release(void *arg, struct sa *sa, struct rte_mbuf *m[], uint32_t n)
{
	uint32_t k = rte_ring_enqueue_burst(released, (void **)m, n, NULL);

	if (k != n) {
		fprintf(stderr, "FAIL: release ring full\n");
		failures++;
		rte_pktmbuf_free_bulk(&m[k], n - k);
	}
}

static struct rte_mbuf *
make_esp(struct esp_sa *p, unsigned int id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	uint8_t reason[1];
	char *b;
	uint16_t len = 20 + 64;

	if (m == NULL)
		return NULL;
	b = rte_pktmbuf_append(m, len);
	if (b == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(b, 0xab, len);
	ip = (struct rte_ipv4_hdr *)b;
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16((uint16_t)id);
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = 253;
	ip->src_addr = RTE_BE32(0x0a000207);
	ip->dst_addr = RTE_BE32(0x0a000102);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->l3_len = 20;
	if (esp_outb_process(p, 0, &m, reason, 1) != 1) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Decrypt a group of one SA and record the inner ids. */
static void
decrypt(struct round *r, struct sa *sa, struct rte_mbuf *m[], uint16_t n)
{
	uint8_t reason[BURST * 8];
	uint16_t k, i;

	k = esp_inb_process(sa_glue_rt(sa)->in, 0, m, reason, n);
	for (i = 0; i < k; i++) {
		const struct rte_ipv4_hdr *ip =
		    rte_pktmbuf_mtod(m[i], const struct rte_ipv4_hdr *);
		unsigned int id = rte_be_to_cpu_16(ip->packet_id);

		if (id < PER_ROUND)
			r->seen[id]++;
		else
			fail("bad inner id", 0, id);
	}
	r->drops += n - k;
	rte_pktmbuf_free_bulk(m, n);
}

static void
receive(struct round *r, struct rte_mbuf *m[], uint16_t n, int rel)
{
	struct sad_in_key keys[BURST];
	const struct sad_in_key *kp[BURST];
	struct sa *sa[BURST], *use;
	enum sa_drop dr;
	uint16_t i;

	for (i = 0; i < n; i++) {
		sad_in_key_v4(&keys[i], IPPROTO_ESP, r->spi, gw);
		kp[i] = &keys[i];
	}
	sad_lookup_in(sad, kp, n, sa);
	for (i = 0; i < n; i++) {
		if (sa[i] == NULL) {
			r->drops++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		if (sa_state(sa[i]) == SA_LARVAL) {
			use = NULL;
			switch (sa_larval_enqueue(sa[i], m[i], &use, &dr)) {
			case SA_LQ_QUEUED:
				r->queued++;
				continue;
			case SA_LQ_PROCESS:
				r->process++;
				sa[i] = use;
				break;
			default:
				r->drops++;
				rte_pktmbuf_free(m[i]);
				continue;
			}
		} else if (!rel)
			r->direct++;
		if (!sa_state_usable(sa_state(sa[i]))) {
			r->drops++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		decrypt(r, sa[i], &m[i], 1);
	}
}

/* Released packets: look the (now MATURE) SA up again and decrypt. */
static unsigned int
drain(struct round *r)
{
	struct rte_mbuf *m[BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst(released, (void **)m, BURST, NULL);
	if (n > 0)
		receive(r, m, (uint16_t)n, 1);
	return n;
}

static void *
worker(void *arg)
{
	struct round *r, *last = NULL;
	struct rte_mbuf *m[BURST];
	unsigned int sent, i, nb;

	rte_rcu_qsbr_thread_register(qsbr, 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		r = __atomic_load_n(&cur, __ATOMIC_ACQUIRE);
		if (r == NULL || r == last) {
			rte_rcu_qsbr_quiescent(qsbr, 0);
			rte_pause();
			continue;
		}
		for (sent = 0; sent < PER_ROUND; sent += nb) {
			nb = 1 + (unsigned int)(rte_rand() % BURST);
			if (nb > PER_ROUND - sent)
				nb = PER_ROUND - sent;
			for (i = 0; i < nb; i++) {
				m[i] = make_esp(r->peer, sent + i);
				if (m[i] == NULL)
					fail("cannot build ESP", 0, sent + i);
			}
			receive(r, m, (uint16_t)nb, 0);
			__atomic_store_n(&r->sent, sent + nb, __ATOMIC_RELEASE);
			drain(r);
			if (sent < r->at && sent + nb >= r->at) {
				/* Give the promotion a random head start. */
				uint64_t end = rte_get_timer_cycles() +
				    rte_get_timer_hz() / 1000000 *
				    (rte_rand() % 3000);

				while (rte_get_timer_cycles() < end &&
				    !__atomic_load_n(&r->promoted,
				    __ATOMIC_ACQUIRE)) {
					drain(r);
					rte_rcu_qsbr_quiescent(qsbr, 0);
				}
			}
			rte_rcu_qsbr_quiescent(qsbr, 0);
			rte_delay_us_block((unsigned int)(rte_rand() % 100));
		}
		/* Everything queued comes back once UPDATE has returned. */
		while (!__atomic_load_n(&r->promoted, __ATOMIC_ACQUIRE) ||
		    !rte_ring_empty(released)) {
			drain(r);
			rte_rcu_qsbr_quiescent(qsbr, 0);
		}
		last = r;
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	rte_rcu_qsbr_thread_unregister(qsbr, 0);
	return arg;
}

static struct esp_sa *
peer_sa(uint32_t spi)
{
	struct esp_sa_params p;

	memset(&p, 0, sizeof(p));
	p.dir = ESP_DIR_OUT;
	p.mode = ESP_MODE_TUNNEL;
	p.spi = spi;
	p.outer_af = AF_INET;
	p.tun_src.v4 = peer;
	p.tun_dst.v4 = gw;
	p.enc_alg = 20;		/* AES-GCM-16 */
	p.enc_key = key;
	p.enc_key_len = sizeof(key);
	p.engine = -1;
	p.nb_workers = 1;
	p.socket_id = SOCKET_ID_ANY;
	return esp_sa_create(&p);
}

static int
run_round(unsigned int n, struct round *r)
{
	struct sa_params p;
	struct sa *sa;
	unsigned int i, at, total = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	p.proto = IPPROTO_ESP;
	p.mode = IPSEC_MODE_TUNNEL;
	sa_addr_v4(&p.src, peer);
	sa_addr_v4(&p.dst, gw);
	rc = sad_getspi(sad, &p, 0x1000, 0xffff, &sa);
	if (rc != 0) {
		fprintf(stderr, "FAIL: GETSPI %d\n", rc);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->spi = sa->spi;
	r->at = (unsigned int)(rte_rand() % (PER_ROUND + 1));
	r->peer = peer_sa(r->spi);
	if (r->peer == NULL) {
		fprintf(stderr, "FAIL: peer SA: %d\n", rte_errno);
		return -1;
	}
	__atomic_store_n(&cur, r, __ATOMIC_RELEASE);
	/* Promote once the worker has received a random number of the
	 * round's packets (0..all), plus jitter: every interleaving. */
	at = r->at;
	while (__atomic_load_n(&r->sent, __ATOMIC_ACQUIRE) < at)
		rte_pause();
	rte_delay_us_block((unsigned int)(rte_rand() % 20));
	p.spi = r->spi;
	p.ealg = 20;
	p.enc_key = key;
	p.enc_key_len = sizeof(key);
	p.replay_window = 64;
	rc = sad_update(sad, &p, NULL);
	if (rc != 0) {
		fprintf(stderr, "FAIL: UPDATE %d\n", rc);
		return -1;
	}
	__atomic_store_n(&r->promoted, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		sad_reclaim(sad);
		usleep(50);
	}
	for (i = 0; i < PER_ROUND; i++) {
		if (r->seen[i] > 1)
			fail("decrypted twice", n, i);
		total += r->seen[i];
	}
	if (total + r->drops != PER_ROUND)
		fail("packets vanished", n, total + r->drops);
	sad_delete(sad, IPPROTO_ESP, &p.dst, r->spi);
	esp_sa_destroy(r->peer);
	return 0;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "128",
	    "--no-shconf", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal:error" };
	struct xform_config xc = { .n_workers = 1, .socket_id = SOCKET_ID_ANY };
	struct sa_glue glue = { .nb_workers = 1, .socket_id = SOCKET_ID_ANY,
	    .release = on_release };
	struct sad_params sp;
	struct round *rounds;
	uint64_t queued = 0, direct = 0, process = 0, drops = 0;
	pthread_t th;
	unsigned int n;

	snprintf(prefix, sizeof(prefix), "larval-race-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rte_srand(rte_rdtsc());
	pool = rte_pktmbuf_pool_create("race", 1023, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	/* HTS sync: its head/tail updates are C11 atomics, which TSan
	 * follows (the default ring's fences it does not). */
	released = rte_ring_create("race_rel", 1024, SOCKET_ID_ANY,
	    RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ);
	qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
	    RTE_CACHE_LINE_SIZE);
	rounds = calloc(ROUNDS, sizeof(*rounds));
	if (pool == NULL || released == NULL || qsbr == NULL ||
	    rounds == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0 ||
	    xform_init(&xc) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	memset(&sp, 0, sizeof(sp));
	sp.qsbr = qsbr;
	sp.max_sa = 1024;
	sa_glue_hooks(&glue, &sp.hooks);
	sad = sad_create(&sp);
	if (sad == NULL)
		return 1;
	pthread_create(&th, NULL, worker, NULL);
	for (n = 0; n < ROUNDS && failures == 0; n++) {
		if (run_round(n, &rounds[n]) != 0)
			failures++;
		queued += rounds[n].queued;
		direct += rounds[n].direct;
		process += rounds[n].process;
		drops += rounds[n].drops;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	sad_destroy(sad);
	xform_fini();
	printf("%u rounds x %u packets: %" PRIu64 " queued while larval "
	    "(released %" PRIu64 "), %" PRIu64 " decrypted on arrival, %" PRIu64
	    " found promoted under the lock, %" PRIu64 " dropped; %d "
	    "failures\n", n, PER_ROUND, queued, glue.released, direct, process,
	    drops, failures);
	free(rounds);
	if (queued == 0 || direct == 0)
		printf("note: the timing never hit both sides of the race\n");
	return failures == 0 ? 0 : 1;
}
