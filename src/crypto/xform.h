/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xform: the crypto transforms of dpsec (algorithms and engines).
 *
 * One session per SA and direction, created by the control thread when the
 * SA is installed and destroyed after the RCU grace period.  Workers run
 * burst operations on a group of packets of ONE session.  The engines behind
 * the one interface are OpenSSL EVP, libsodium and DPDK cryptodev
 * (lookaside: crypto_aesni_mb, crypto_openssl, hardware PMDs).
 *
 * Algorithm ids are <linux/pfkeyv2.h> numbers (docs/INTERFACES.md).
 * See docs/crypto.md for the op layout as ESP uses it.
 */
#ifndef DPSEC_XFORM_H
#define DPSEC_XFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/pfkeyv2.h>

struct rte_mbuf;

/** ChaCha20-Poly1305 (RFC 7634): no number in <linux/pfkeyv2.h>. */
#define DPSEC_EALG_CHACHA20_POLY1305	250

/** Largest burst xform_process_burst() accepts. */
#define XFORM_BURST_MAX		32
/** Largest explicit IV carried in an op (AES-CBC). */
#define XFORM_IV_MAX		16
/** Largest AAD carried in an op (SPI || ESN high || SN low). */
#define XFORM_AAD_MAX		12
/** Largest ICV of any algorithm (HMAC-SHA2-512-256). */
#define XFORM_ICV_MAX		32
/** Largest key in bytes, salt/nonce included (HMAC-SHA2-512). */
#define XFORM_KEY_MAX		64

/** Engines.  XFORM_ENGINE_DEFAULT picks the configured/fastest one. */
enum xform_engine {
	XFORM_ENGINE_DEFAULT = 0,
	XFORM_ENGINE_OPENSSL,		/**< OpenSSL EVP, synchronous */
	XFORM_ENGINE_SODIUM,		/**< libsodium, synchronous */
	XFORM_ENGINE_CDEV_AESNI_MB,	/**< cryptodev crypto_aesni_mb vdev */
	XFORM_ENGINE_CDEV_OPENSSL,	/**< cryptodev crypto_openssl vdev */
	XFORM_ENGINE_CDEV_OTHER,	/**< first other cryptodev (QAT...) */
	XFORM_ENGINE_MAX
};

/** Direction of a session. */
enum xform_dir {
	XFORM_DIR_OUT = 0,	/**< encrypt, then write the ICV */
	XFORM_DIR_IN = 1,	/**< verify the ICV, decrypt */
};

/** Session flags. */
#define XFORM_F_ESN	0x1u	/**< 64-bit sequence numbers (AAD 12 bytes,
				     HMAC covers esn_hi after the data) */
/**
 * Inbound: let a cryptodev PMD compare the ICV itself (crypto_aesni_mb
 * compares with memcmp: NOT constant time; one pass for CBC/CTR+HMAC),
 * and let the inbound default engine be one whose PMD does.  Without it
 * every inbound ICV is compared in constant time (docs/crypto.md, "ICV
 * comparison").  Set on every session by xform_config.icv_pmd_verify
 * (config `crypto-icv-verify pmd`).
 */
#define XFORM_F_PMD_VERIFY	0x2u

/** Per-op status, set by xform_process_burst(). */
enum xform_status {
	XFORM_ST_OK = 0,
	XFORM_ST_AUTH_FAILED = 1,	/**< ICV mismatch (inbound) */
	XFORM_ST_BAD_LEN = 2,		/**< lengths, alignment, offsets or
					     a multi-segment mbuf */
	XFORM_ST_ERROR = 3,		/**< engine error */
};

/** What an algorithm needs: the table behind PF_KEY REGISTER too. */
struct xform_alg {
	uint8_t id;		/**< SADB_X_EALG_* / SADB_AALG_* number */
	bool is_auth;		/**< authentication (SADB_EXT_SUPPORTED_AUTH) */
	bool aead;		/**< combined mode (GCM, ChaCha20-Poly1305 and
			     GMAC): no separate auth alg */
	uint8_t salt_len;	/**< trailing key bytes that are salt/nonce */
	uint16_t key_bits_min;	/**< incl. salt, for sadb_alg_minbits */
	uint16_t key_bits_max;	/**< incl. salt, for sadb_alg_maxbits */
	uint8_t key_step;	/**< valid key bytes: min, min+step..max;
				     0 = only min and max */
	uint8_t iv_len;		/**< IV on the wire (ESP) */
	uint8_t block_size;	/**< padding alignment of the ESP payload */
	uint8_t icv_len;	/**< ICV bytes (AEAD/GMAC: tag, auth: truncated
				     HMAC); 0 for NULL/none */
	const char *name;	/**< "aes-gcm-16", "hmac-sha2-256-128"... */
};

/**
 * One packet of a burst, in the spirit of rte_crypto_sym_op.
 *
 * The mbuf must be ONE contiguous segment (rte_pktmbuf_is_contiguous);
 * chained mbufs get XFORM_ST_BAD_LEN.  All offsets are in bytes from
 * rte_pktmbuf_mtod(m) and must lie inside data_len.  Processing is in place.
 *
 * - cipher_off/cipher_len: the region encrypted (OUT) or decrypted (IN):
 *   the ESP payload + padding + pad length + next header.  CBC: multiple
 *   of 16.  NULL encryption and GMAC: cipher_len = 0.
 * - auth_off/auth_len: the region authenticated by an HMAC: ESP header
 *   through the end of the ciphertext.  For GMAC (RFC 4543): the IV and
 *   payload (everything after SPI/SN up to the ICV), authenticated after
 *   aad[].  Unused by AES-GCM and ChaCha20-Poly1305.
 * - digest_off: where the ICV is written (OUT) or read and compared in
 *   constant time (IN).  icv_len bytes (xform_session_icv_len()).
 * - iv: the explicit IV as on the wire: 8 bytes for GCM, GMAC, CTR and
 *   ChaCha20-Poly1305 (the session holds the 4-byte salt/nonce and builds
 *   the full nonce), 16 bytes for CBC, nothing for NULL.
 * - aad: AEAD and GMAC only: SPI || SN (8 bytes), or with XFORM_F_ESN
 *   SPI || SN-high || SN-low (12 bytes), network byte order.
 * - esn_hi: HMAC sessions with XFORM_F_ESN only: the high 32 bits of the
 *   sequence number in host order; the engine authenticates them (in
 *   network order) right after auth_len bytes (RFC 4303 2.2.1).  They are
 *   never written to the packet.
 * - status: output.
 *
 * On XFORM_ST_AUTH_FAILED the cipher region may have been modified (the
 * packet must be dropped): AEAD engines (OpenSSL, crypto_aesni_mb,
 * crypto_openssl) decrypt before the tag is known.  HMAC-based inbound
 * sessions verify before decrypting and leave the packet untouched on
 * failure, except hash-then-decrypt chains verified by the PMD
 * (XFORM_F_PMD_VERIFY on crypto_aesni_mb).
 */
struct xform_op {
	struct rte_mbuf *m;
	uint16_t cipher_off;
	uint16_t cipher_len;
	uint16_t auth_off;
	uint16_t auth_len;
	uint16_t digest_off;
	uint8_t status;		/**< enum xform_status (output) */
	uint8_t reserved;
	uint32_t esn_hi;
	uint8_t iv[XFORM_IV_MAX];
	uint8_t aad[XFORM_AAD_MAX];
};

/** Global configuration, given once to xform_init(). */
struct xform_config {
	/** Number of workers that will call xform_process_burst(); worker
	 * ids are 0..n_workers-1.  Each session gets per-worker contexts
	 * (OpenSSL) or queue pairs (cryptodev) for that many. */
	unsigned int n_workers;
	/** Engine per encryption algorithm id (0 = default choice);
	 * indexed by SADB ealg id.  NULL = all defaults. */
	const enum xform_engine *engine_for;
	/** Use cryptodev vdevs/devices if present (needs rte_eal_init). */
	bool use_cryptodev;
	/** Op pool size per cryptodev device (0 = default). */
	unsigned int cdev_ops;
	/** PMD sessions for all devices (0 = 4096).  A session of one SA
	 * and direction takes one (n_workers on crypto_openssl). */
	unsigned int cdev_sessions;
	/** Socket for cryptodev pools (SOCKET_ID_ANY = -1). */
	int socket_id;
	/** XFORM_F_PMD_VERIFY on every session (config `crypto-icv-verify
	 * pmd`): faster inbound AEAD on crypto_aesni_mb, but its ICV
	 * comparison is not constant time.  false = constant time. */
	bool icv_pmd_verify;
};

/**
 * Set up the engines: probe cryptodev devices (when use_cryptodev and EAL
 * is initialized), configure one queue pair per worker on each, create
 * the session and op pools.  Absent engines are logged and skipped.
 *
 * Thread: control thread only, once, after rte_eal_init() when cryptodev
 * is wanted, before any session is created.
 * @return 0, or -errno (-EINVAL bad config, -ENOMEM).
 */
int xform_init(const struct xform_config *cfg);

/**
 * Stop cryptodev devices and free pools.  All sessions must be destroyed.
 * Thread: control thread only.
 */
void xform_fini(void);

/**
 * Look up an algorithm.
 * Thread: any; the table is immutable.
 * @param is_auth false for encryption ids, true for authentication ids.
 * @return the entry, or NULL if dpsec does not implement it.
 */
const struct xform_alg *xform_alg_get(bool is_auth, uint8_t id);

/**
 * All algorithms of one kind, for PF_KEY SADB_EXT_SUPPORTED_*.
 * Thread: any.
 * @param list receives a pointer to an array of the entries.
 * @return number of entries.
 */
unsigned int xform_alg_list(bool is_auth, const struct xform_alg **list);

/**
 * Is (ealg, aalg) a valid ESP combination with these key lengths?
 * AEAD and GMAC need aalg = SADB_AALG_NONE; NULL encryption needs an
 * auth algorithm; CBC/CTR need one in practice but are accepted without.
 * Thread: any.
 * @return 0 or -EINVAL / -ENOTSUP.
 */
int xform_check(uint8_t ealg, uint16_t ekey_len, uint8_t aalg,
    uint16_t akey_len);

/**
 * Create the session of one SA and direction.  The keys are copied
 * (salt/nonce split off); the copies are wiped at destroy, and any
 * temporary copies before return.
 *
 * @param ealg SADB encryption id (NULL 11, AES-CBC 12, ...).
 * @param ekey key bytes incl. the trailing salt/nonce (may be NULL if 0).
 * @param ekey_len in bytes.
 * @param aalg SADB auth id (SADB_AALG_NONE for AEAD/GMAC).
 * @param akey HMAC key.
 * @param akey_len in bytes.
 * @param dir XFORM_DIR_OUT or XFORM_DIR_IN.
 * @param flags XFORM_F_ESN, XFORM_F_PMD_VERIFY.
 * @param engine XFORM_ENGINE_DEFAULT or a specific engine; when the engine
 *        is absent or lacks the algorithm, the session falls back to the
 *        default with a log line.  An engine asked for explicitly is kept
 *        even when it does not compare ICVs in constant time (see
 *        xform_session_icv_ct()); the default never picks such an engine
 *        for an inbound session unless XFORM_F_PMD_VERIFY is in effect.
 * @return the session, or NULL with rte_errno set (EINVAL, ENOTSUP, ENOMEM).
 *
 * Thread: control thread only (after xform_init()).
 */
struct xform_session *xform_session_create(uint8_t ealg, const uint8_t *ekey,
    uint16_t ekey_len, uint8_t aalg, const uint8_t *akey, uint16_t akey_len,
    enum xform_dir dir, uint32_t flags, enum xform_engine engine);

/**
 * Destroy a session and wipe its keys.  NULL is a no-op.
 * Thread: control thread only, after the RCU grace period (no worker may
 * still be inside xform_process_burst() on it).
 */
void xform_session_destroy(struct xform_session *s);

/**
 * Run a burst of ops of ONE session.  Each op gets its status; order is
 * kept (the caller compacts).  No allocation, no locks, no syscalls.
 * Cryptodev engines enqueue the burst and poll until every op is back.
 *
 * @param s the session.
 * @param worker the calling worker's id, < n_workers of xform_init():
 *        each worker uses its own contexts/queue pair.
 * @param ops ops[0..n).
 * @param n <= XFORM_BURST_MAX (more are processed in chunks).
 * @return the number of ops with XFORM_ST_OK.
 *
 * Thread: any worker, with its own worker id; concurrent calls on one
 * session from different workers are safe; two threads must never use
 * the same worker id at once.
 */
uint16_t xform_process_burst(struct xform_session *s, unsigned int worker,
    struct xform_op *ops, uint16_t n);

/** The engine the session actually runs on.  Thread: any. */
enum xform_engine xform_session_engine(const struct xform_session *s);

/**
 * Sessions that a cryptodev engine could not take (session pool exhausted
 * -- see xform_config.cdev_sessions -- or a device error) and that were
 * created on OpenSSL instead.
 *
 * Thread contract: control thread only.
 * @return the count since xform_init().
 */
uint64_t xform_session_fallbacks(void);


/** ICV bytes the session writes/verifies.  Thread: any. */
uint8_t xform_session_icv_len(const struct xform_session *s);

/** Engine name ("openssl", "sodium", "cdev-aesni_mb"...).  Thread: any. */
const char *xform_engine_name(enum xform_engine e);

/**
 * Engine by name ("default", "openssl", "sodium", "cdev-aesni_mb",
 * "cdev-openssl", "cdev-other"), for configuration files.
 * Thread: any.
 * @return the engine, or -1 if the name is unknown.
 */
int xform_engine_by_name(const char *name);

/**
 * Is engine e available for (ealg, aalg, flags) after xform_init()?
 * Thread: any (after xform_init()).
 */
bool xform_engine_supports(enum xform_engine e, uint8_t ealg, uint8_t aalg,
    uint32_t flags);

/**
 * The engine XFORM_ENGINE_DEFAULT resolves to for (ealg, aalg, flags) in
 * direction dir: xform_config.engine_for[ealg], else the benchmark's
 * choice among the available ones.  Inbound, unless XFORM_F_PMD_VERIFY is
 * in effect (flags or xform_config.icv_pmd_verify), only engines for which
 * xform_engine_icv_ct() holds are taken (so AEAD inbound does not default
 * to crypto_aesni_mb).
 * Thread: any (after xform_init()).
 * @return the engine, or XFORM_ENGINE_DEFAULT if none can run it.
 */
enum xform_engine xform_engine_default(uint8_t ealg, uint8_t aalg,
    uint32_t flags, enum xform_dir dir);

/**
 * Would an inbound session of (ealg, aalg, flags) on engine e have its ICV
 * compared in constant time?  True for OpenSSL EVP (CRYPTO_memcmp, also
 * inside EVP_DecryptFinal_ex for GCM/ChaCha20-Poly1305), libsodium
 * (crypto_verify_16), HMAC and GMAC on every cryptodev (generated by the
 * PMD, compared by us with CRYPTO_memcmp; hash-then-decrypt chains with
 * XFORM_F_PMD_VERIFY on crypto_aesni_mb excepted), AEAD on crypto_openssl
 * (EVP_DecryptFinal_ex) and AEAD on crypto_aesni_mb (intel-ipsec-mb called
 * directly, tag compared by us) unless XFORM_F_PMD_VERIFY is in effect or
 * dpsec was built without intel-ipsec-mb (then the PMD's memcmp).  False
 * for AEAD on other cryptodevs (unknown).  Flags as for
 * xform_session_create(); xform_config.icv_pmd_verify is added.
 * Thread: any (after xform_init()).
 */
bool xform_engine_icv_ct(enum xform_engine e, uint8_t ealg, uint8_t aalg,
    uint32_t flags);

/**
 * Does session s compare ICVs in constant time (xform_engine_icv_ct() of
 * its engine and flags)?  Always true for outbound sessions (nothing is
 * compared).  Thread: any.
 */
bool xform_session_icv_ct(const struct xform_session *s);

#endif /* DPSEC_XFORM_H */
