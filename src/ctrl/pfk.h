/*
 * PF_KEY v2 codec: parse and validate untrusted messages, build replies.
 *
 * Pure functions, no EAL, no sockets, no global state: used by the control
 * socket server (ctrl.c), dpsecctl, the preload library, the tests and the
 * fuzzer.  The wire format is exactly <linux/pfkeyv2.h> (RFC 2367 + KAME
 * SPD extensions); the few additions dpsec needs are defined here.
 */
#ifndef DPSEC_PFK_H
#define DPSEC_PFK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

/*
 * SADB_X_EXT_SA_REPLAY: replay windows over 255 packets (sadb_sa_replay is
 * a u8).  Not in the Linux header; number and layout are FreeBSD's
 * (sys/net/pfkeyv2.h: 26, { len, exttype, u32 replay-in-packets }).  Linux
 * gives 26 to SADB_X_EXT_FILTER, a DUMP-only filter dpsec does not
 * implement; in dpsec extension 26 is SA_REPLAY, allowed only in
 * ADD/UPDATE (and in our GET/DUMP/EXPIRE output when the window is > 255).
 */
#define SADB_X_EXT_SA_REPLAY	26
struct sadb_x_sa_replay {
	uint16_t sadb_x_sa_replay_len;
	uint16_t sadb_x_sa_replay_exttype;
	uint32_t sadb_x_sa_replay_replay;	/* in packets */
} __attribute__((packed));

/* Highest extension type the codec knows. */
#define PFK_EXT_MAX		26

/*
 * ChaCha20-Poly1305 (RFC 7634) has no identifier in <linux/pfkeyv2.h>; dpsec
 * uses 250 from the private range 249-255 (docs/INTERFACES.md).  Same value
 * as DPSEC_EALG_CHACHA20_POLY1305 in src/crypto/xform.h; ctrl keeps its own
 * copy so that it does not depend on the dataplane.
 */
#define PFK_EALG_CHACHA20_POLY1305	250

/*
 * Private message type for the preload library: a client that sends a bare
 * header of this type asks dpsecd to follow the processing of each of its
 * later requests with a header-only message of this type carrying the
 * request's seq ("sync marker").  The library consumes the markers; they
 * let it return from send() only once the reply is queued (see
 * docs/ctrl.md).
 */
#define PFK_X_DPSEC_SYNC	250

/* Largest message accepted or built (setkey's receive buffer). */
#define PFK_MSG_MAX		32768

/* Units: lengths on the wire are in 64-bit words. */
#define PFK_ALIGN8(n)		(((n) + 7) & ~(size_t)7)
#define PFK_UNIT64(n)		((n) >> 3)
#define PFK_UNUNIT64(n)		((size_t)(n) << 3)

#define PFK_EXT_BIT(t)		(UINT32_C(1) << (t))

/** A validated message: our own aligned copy and its extensions by type. */
struct pfk_msg {
	const struct sadb_msg *hdr;	/* == (void *)buf */
	const void *ext[PFK_EXT_MAX + 1];	/* NULL when absent */
	uint32_t present;		/* PFK_EXT_BIT(type) of each ext */
	size_t len;			/* bytes */
	uint64_t buf[PFK_MSG_MAX / 8];
};

/**
 * Validate a PF_KEY request (OpenBSD pfkeyv2_parsemessage order): size
 * bound, copy, base header, each extension (fits, type, allowed for the
 * message type, not duplicated, exact size, reserved zero, enums in range),
 * then the extensions required for the type.  No side effects.
 *
 * @param data	message bytes as received
 * @param len	record size in bytes
 * @param m	filled on success; on failure m->hdr is set when at least a
 *		full header was received (so an error reply can echo it)
 * @return 0, or -errno: -EMSGSIZE (too long), -EINVAL (malformed or an
 *	extension not allowed/required), -EOPNOTSUPP (SENSITIVITY, unknown
 *	private types).
 * Thread: any thread; m is the caller's.
 */
int pfk_parse(const void *data, size_t len, struct pfk_msg *m);

/**
 * Validate a message dpsecd received from (or a client receives from)
 * the daemon: same framing checks as pfk_parse, but against the
 * allowed_out/required_out tables.
 * @return 0 or -errno.  Thread: any.
 */
int pfk_parse_reply(const void *data, size_t len, struct pfk_msg *m);

/** Size of a sockaddr of family @p af on the wire (0 if unsupported). */
size_t pfk_sockaddr_len(int af);

/** The sockaddr inside a sadb_address extension. */
static inline const struct sockaddr *
pfk_addr_sa(const void *ext)
{
	return (const struct sockaddr *)((const uint8_t *)ext +
	    sizeof(struct sadb_address));
}

/**
 * Iterate the ipsecrequests of a validated X_POLICY extension.
 * @param pol	X_POLICY extension
 * @param prev	NULL for the first request
 * @return the next request or NULL.  Thread: any.
 */
const struct sadb_x_ipsecrequest *pfk_policy_next_req(
    const struct sadb_x_policy *pol, const struct sadb_x_ipsecrequest *prev);

/* Builder ---------------------------------------------------------------- */

/** A reply under construction in a caller buffer (8-byte aligned). */
struct pfk_build {
	uint8_t *buf;
	size_t len;		/* bytes used */
	size_t cap;
	uint32_t present;	/* extensions added */
	int err;		/* first error (-ENOBUFS on overflow) */
};

/**
 * Start a message: header from @p hdr (type, satype, seq, pid copied,
 * errno set to @p err, version 2).
 * Thread: any.
 */
void pfk_build_init(struct pfk_build *b, void *buf, size_t cap,
    const struct sadb_msg *hdr, int err);

/**
 * Append a zeroed extension of @p bytes (rounded up to 8) of @p type.
 * @return pointer to the extension, or NULL (b->err set) if it does not fit
 *	or is a duplicate.  Thread: any.
 */
void *pfk_build_ext(struct pfk_build *b, uint16_t type, size_t bytes);

/** Append a copy of an existing extension (length from its header). */
void *pfk_build_copy(struct pfk_build *b, const void *ext);

/** Append SADB_EXT_SA. @p spi in network order. */
void pfk_build_sa(struct pfk_build *b, uint32_t spi_be, uint8_t replay,
    uint8_t state, uint8_t auth, uint8_t enc, uint32_t flags);

/** Append an address extension (SRC/DST/PROXY or NAT_T_OA). */
void pfk_build_address(struct pfk_build *b, uint16_t type,
    const struct sockaddr *sa, uint8_t prefixlen, uint8_t proto);

/** Append a key extension; @p bits exact, key padded to 8 bytes. */
void pfk_build_key(struct pfk_build *b, uint16_t type, const void *key,
    uint16_t bits);

/** Append a lifetime extension. */
void pfk_build_lifetime(struct pfk_build *b, uint16_t type, uint32_t allocs,
    uint64_t bytes, uint64_t addtime, uint64_t usetime);

/** Append SADB_X_EXT_SA2. */
void pfk_build_sa2(struct pfk_build *b, uint8_t mode, uint32_t reqid);

/** Append SADB_X_EXT_SA_REPLAY. */
void pfk_build_sa_replay(struct pfk_build *b, uint32_t window);

/**
 * Finish: set sadb_msg_len and check the message against the allowed_out
 * and required_out tables for its type (error replies are header only).
 * @return the length in bytes, or -errno (b->err, or -EINVAL if the reply
 *	breaks the tables: a bug in the caller).  Thread: any.
 */
int pfk_build_finish(struct pfk_build *b);

/**
 * The algorithms dpsec implements (REGISTER's SUPPORTED_AUTH/ENCRYPT, key
 * length checks on ADD/UPDATE, dpsecctl's names).  Kept in ctrl, not taken
 * from src/crypto/xform.h, so that ctrl does not depend on the dataplane;
 * the ids and sizes are those of docs/INTERFACES.md.
 */
struct pfk_alg {
	uint8_t id;
	uint8_t ivlen;
	uint16_t minbits;	/* whole key incl. salt/nonce, as setkey checks */
	uint16_t maxbits;
	uint16_t stepbits;	/* valid: min, min+step, ..., max */
	uint8_t aead;		/* combined mode: auth must be NONE */
	const char *name;	/* dpsecctl / setkey keyword */
};

/** Encryption algorithm @p id, or NULL.  Thread: any. */
const struct pfk_alg *pfk_alg_enc(uint8_t id);
/** Authentication algorithm @p id (not NONE), or NULL.  Thread: any. */
const struct pfk_alg *pfk_alg_auth(uint8_t id);
/** The whole table (@p auth: 1 auth, 0 encryption).  Thread: any. */
const struct pfk_alg *pfk_alg_table(int auth, unsigned int *n);
/** Is @p bits a valid key size for @p a?  Thread: any. */
int pfk_alg_key_ok(const struct pfk_alg *a, unsigned int bits);

/** Name of a message type for logs ("ADD", "X_SPDDUMP", ...). */
const char *pfk_msg_name(unsigned int type);

#endif /* DPSEC_PFK_H */
