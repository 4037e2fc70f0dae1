/*
 * esp_priv.h: the per-SA ESP runtime and the helpers shared by
 * esp_sa.c, esp_outb.c, esp_inb.c and natt.c.  Private to src/ipsec and
 * its tests.
 *
 * Field tags (STYLE.md 5): [I] immutable after esp_sa_create(),
 * [A] atomic, [W] written only by the owning worker (per-worker slot),
 * [L] under replay_lock.
 */
#ifndef DPSEC_ESP_PRIV_H
#define DPSEC_ESP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "esp.h"
#include "replay.h"
#include "xform.h"

#define ESP_HDR_LEN	8	/* SPI + sequence number */
#define ESP_TRAILER_LEN	2	/* pad length + next header */
#define ESP_TMPL_MAX	64	/* outer IPv6 40 + UDP 8 + SPI 4 */
#define ESP_INFER_WIN	64	/* ESN inference window when replay is off */

/* Per SA, per worker: counters and the CBC IV stream.  One cache line
 * group per worker, so workers never share a line. */
struct esp_worker {
	uint64_t packets;		/* [W] */
	uint64_t bytes;			/* [W] */
	uint64_t drops[ESP_DROP_MAX];	/* [W] */
	uint64_t iv_ctr;		/* [W] CBC IV stream position */
	uint16_t ip_id;			/* [W] outer IPv4 id counter */
} __rte_cache_aligned;

struct esp_sa;
typedef uint16_t (*esp_burst_fn)(struct esp_sa *, unsigned,
    struct rte_mbuf *[], uint8_t [], uint16_t);

struct esp_sa {
	/* Hot, read-only. */
	esp_burst_fn process;		/* [I] chosen at create (STYLE 4) */
	struct xform_session *xs;	/* [I] */
	struct esp_worker *w;		/* [I] nb_workers slots */
	uint32_t spi_be;		/* [I] network order */
	uint32_t flags;			/* [I] ESP_F_* */
	uint8_t dir;			/* [I] enum esp_dir */
	uint8_t mode;			/* [I] enum esp_mode */
	uint8_t outer_v6;		/* [I] tunnel: outer is IPv6 */
	uint8_t esn;			/* [I] */
	uint8_t iv_len;			/* [I] 0, 8 or 16 */
	uint8_t icv_len;		/* [I] */
	uint8_t align;			/* [I] payload alignment, >= 4 */
	uint8_t kind;			/* [I] ESP_K_* */
	uint8_t natt;			/* [I] UDP encapsulation */
	uint8_t dscp;			/* [I] */
	uint8_t ttl;			/* [I] */
	uint8_t iv_fixed;		/* [I] test only: iv_fixed_val */
	uint16_t tmpl_len;		/* [I] bytes before the ESP sequence number */
	uint16_t hdr_add;		/* [I] tunnel: outer IP+UDP; transport: UDP */
	uint32_t win_size;		/* [I] replay window, 0 = off */
	uint32_t infer_win;		/* [I] ESN inference window */
	unsigned nb_workers;		/* [I] */
	uint16_t natt_sport, natt_dport;	/* [I] host order */
	uint32_t v4_sum;		/* [I] raw sum of the outer IPv4 template */
	uint8_t tmpl[ESP_TMPL_MAX];	/* [I] outer IP (+UDP) + SPI */
	uint8_t iv_fixed_val[16];	/* [I] test only */
	uint8_t iv_key[32];		/* [I] CBC IV stream key */
	int engine;			/* [I] engine asked for */

	/* Outbound sequence number: one atomic add per burst. */
	uint64_t seq __rte_cache_aligned;	/* [A] last reserved */
	uint64_t seq_limit;		/* [I] highest usable number */
	uint32_t seq_exhausted;		/* [A] */

	/* Path MTU learnt from ICMP (frag.c); 0 = none.  Ages by time. */
	uint32_t pmtu;			/* [A] */
	uint64_t pmtu_expire;		/* [A] clock of the caller of frag_pmtu_learn */

	/* Inbound replay window. */
	uint32_t replay_lock __rte_cache_aligned;	/* esp_lock() */
	struct replay_win *win;		/* [L] writes; [A] reads */
};

/* Kinds of transform, for the op layout. */
enum {
	ESP_K_AEAD = 0,		/* GCM, ChaCha20-Poly1305: AAD = SPI||SN */
	ESP_K_GMAC,		/* AES-GMAC: AAD, auth over IV+payload */
	ESP_K_CIPHER_HMAC,	/* CBC/CTR (+HMAC), NULL+HMAC */
};

/*
 * The per-SA replay-commit lock: a test-and-test-and-set spinlock on
 * __atomic builtins (DPDK's x86 rte_spinlock is inline assembly, which
 * ThreadSanitizer cannot see as synchronisation).  Held only around the
 * window commits of one burst.
 */
static inline void
esp_lock(uint32_t *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0)
			rte_pause();
}

static inline void
esp_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Counter add that a concurrent reader (esp_sa_stats) may read: relaxed
 * atomics compile to a plain add on x86 and keep TSan quiet. */
static inline void
esp_ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

/* Move the failed packets to the tail, keeping both groups in order
 * (DPDK move_bad_mbufs).  rc[i] is 0 for success or an esp_drop value.
 * Returns the number of successes. */
uint16_t esp_compact(struct rte_mbuf *mb[], uint8_t reason[],
    const uint8_t rc[], uint16_t n);

/* Count the failures of a burst on the worker's slot. */
void esp_count(struct esp_sa *sa, unsigned worker, const uint8_t rc[],
    uint16_t n);

/* Linearise a chained mbuf in place if it fits in the first segment
 * (rte_pktmbuf_linearize() copies into the first segment's tailroom and
 * frees the rest; it allocates nothing). */
static inline int
esp_linearize(struct rte_mbuf *m)
{
	if (likely(m->nb_segs == 1))
		return 0;
	return rte_pktmbuf_linearize(m);
}

/* Copy an IV (0, 8 or 16 bytes) with constant-size moves: a variable
 * memcpy becomes "rep movs" and costs tens of cycles per packet. */
static inline void
esp_iv_copy(void *dst, const void *src, unsigned len)
{
	if (len == 8)
		memcpy(dst, src, 8);
	else if (len == 16)
		memcpy(dst, src, 16);
}

/* Checksum of an option-less IPv4 header whose checksum field is 0:
 * five 32-bit loads and a fold instead of DPDK's 16-bit loop. */
static inline uint16_t
esp_ipv4_cksum20(const void *h)
{
	const uint8_t *b = h;
	uint32_t w[5];
	uint64_t s;

	memcpy(w, b, 20);
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Outbound and inbound burst implementations (selected per SA). */
uint16_t esp_outb_tunnel(struct esp_sa *, unsigned, struct rte_mbuf *[],
    uint8_t [], uint16_t);
uint16_t esp_outb_transport(struct esp_sa *, unsigned, struct rte_mbuf *[],
    uint8_t [], uint16_t);
uint16_t esp_inb_tunnel(struct esp_sa *, unsigned, struct rte_mbuf *[],
    uint8_t [], uint16_t);
uint16_t esp_inb_transport(struct esp_sa *, unsigned, struct rte_mbuf *[],
    uint8_t [], uint16_t);

/* Fill n CBC IVs of 16 bytes for one worker (one stream call per burst). */
void esp_cbc_ivs(struct esp_sa *sa, unsigned worker, uint8_t *out,
    unsigned n);

/*
 * Test only: make every outbound packet carry this IV instead of the
 * counter or random one (known-answer tests, engine comparison).  Never
 * for production: it repeats IVs.  Control thread, before traffic.
 */
void esp_sa_test_fixed_iv(struct esp_sa *sa, const uint8_t *iv,
    unsigned len);

#endif /* DPSEC_ESP_PRIV_H */
