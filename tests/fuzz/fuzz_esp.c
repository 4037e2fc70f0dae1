/*
 * libFuzzer target for inbound ESP and NAT-T (src/ipsec esp_pkt_spi() and
 * esp_inb_process()): outer header parsing, length checks, ESN inference,
 * replay check, decryption and ICV verification, replay commit, padding
 * and next-header checks, tunnel and transport decapsulation.
 *
 * A fixed SA set (one inbound runtime per algorithm family and mode; see
 * sa_def[]) is built once; the SA a run uses is reset before the run so
 * that an input means the same thing every time.
 *
 * Input: byte 0 = flags: bits 0-2 the SA (mod the set), bit 3 "seal":
 * the harness encrypts and authenticates each packet in place with the
 * SA's keys (OpenSSL, independently of src/crypto) so that the bytes after
 * the crypto step -- padding, next header, the inner packet -- are the
 * fuzzer's and reach decapsulation; bit 4: put each packet in two
 * segments (split at byte 1).  Then up to 8 records of a 2-byte big-endian
 * length and that many bytes: the packets of one burst, data at the outer
 * IP header (docs/INTERFACES.md).  Without "seal" nearly every packet
 * fails authentication, which is the point for the pre-crypto paths.
 *
 * Checks beyond the sanitizers: esp_pkt_spi() and esp_inb_process() keep
 * to their contracts (return values, reasons in range, k <= n, a passing
 * packet starts with an IP header whose length fields match the mbuf),
 * and every mbuf comes back (the pool is full again after each run).
 * Seed corpus: corpus/fuzz_esp/ (tests/fuzz/gen_seeds.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/pfkeyv2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_ip.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "esp.h"
#include "xform.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPOOL	64

struct sa_def {
	enum esp_mode mode;
	int outer_af;
	uint8_t enc, auth;
	uint16_t enc_len, auth_len;
	uint32_t win, flags;
	uint16_t natt;
	uint8_t iv_len, icv_len, block;
};

static const struct sa_def sa_def[] = {
	/* tunnel IPv4, AES-GCM-128, window 64 */
	{ ESP_MODE_TUNNEL, AF_INET, SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0, 64,
	    0, 0, 8, 16, 4 },
	/* tunnel IPv6, AES-CBC-128 + HMAC-SHA256, window 1024 */
	{ ESP_MODE_TUNNEL, AF_INET6, SADB_X_EALG_AESCBC,
	    SADB_X_AALG_SHA2_256HMAC, 16, 32, 1024, 0, 0, 16, 16, 16 },
	/* transport, NULL + HMAC-SHA256, no replay window */
	{ ESP_MODE_TRANSPORT, 0, SADB_EALG_NULL, SADB_X_AALG_SHA2_256HMAC,
	    0, 32, 0, 0, 0, 0, 16, 4 },
	/* tunnel IPv4 over UDP 4500 (NAT-T), AES-GCM-128, ESN */
	{ ESP_MODE_TUNNEL, AF_INET, SADB_X_EALG_AES_GCM_ICV16, 0, 20, 0, 64,
	    ESP_F_ESN, 4500, 8, 16, 4 },
	/* transport, ChaCha20-Poly1305, window 32 */
	{ ESP_MODE_TRANSPORT, 0, DPSEC_EALG_CHACHA20_POLY1305, 0, 36, 0, 32,
	    0, 0, 8, 16, 4 },
	/* tunnel IPv4, AES-GMAC-128 (no encryption), ECN ignored */
	{ ESP_MODE_TUNNEL, AF_INET, SADB_X_EALG_NULL_AES_GMAC, 0, 20, 0, 64,
	    ESP_F_ECN_OFF, 0, 8, 16, 4 },
};
#define NSA	(sizeof(sa_def) / sizeof(sa_def[0]))

static struct rte_mempool *mp;
static struct esp_sa *sas[NSA];
static uint8_t enc_key[NSA][36], auth_key[NSA][32];

static struct esp_sa *
sa_make(unsigned int i)
{
	const struct sa_def *d = &sa_def[i];
	struct esp_sa_params p;
	struct esp_sa *sa;

	memset(&p, 0, sizeof(p));
	p.dir = ESP_DIR_IN;
	p.mode = d->mode;
	p.spi = 0x100 + i;
	p.outer_af = d->outer_af;
	p.enc_alg = d->enc;
	p.auth_alg = d->auth;
	p.enc_key_len = d->enc_len;
	p.auth_key_len = d->auth_len;
	p.enc_key = enc_key[i];
	p.auth_key = auth_key[i];
	p.replay_win = d->win;
	p.flags = d->flags;
	p.natt_sport = d->natt;
	p.natt_dport = d->natt;
	p.engine = -1;
	p.nb_workers = 1;
	p.socket_id = SOCKET_ID_ANY;
	sa = esp_sa_create(&p);
	if (sa == NULL) {
		fprintf(stderr, "fuzz_esp: SA %u: %s\n", i,
		    rte_strerror(rte_errno));
		abort();
	}
	return sa;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i, j;
	struct xform_config xc = { .n_workers = 1, .socket_id = SOCKET_ID_ANY };

	fuzz_eal_init();
	if (xform_init(&xc) != 0)
		abort();
	mp = rte_pktmbuf_pool_create("fuzz_esp", NPOOL, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL)
		abort();
	for (i = 0; i < NSA; i++) {
		for (j = 0; j < sizeof(enc_key[i]); j++)
			enc_key[i][j] = (uint8_t)(0x10 * i + j);
		for (j = 0; j < sizeof(auth_key[i]); j++)
			auth_key[i][j] = (uint8_t)(0x80 + 0x10 * i + j);
		sas[i] = sa_make(i);
	}
	return 0;
}

/* AEAD/GMAC seal with OpenSSL: nonce = salt || iv. */
static void
seal_aead(const struct sa_def *d, const uint8_t *key, uint8_t *esp,
    uint32_t ct_len)
{
	const EVP_CIPHER *ciph = d->enc == DPSEC_EALG_CHACHA20_POLY1305 ?
	    EVP_chacha20_poly1305() : EVP_aes_128_gcm();
	uint32_t klen = d->enc_len - 4;
	uint8_t nonce[12], aad[12], *ct = esp + 8 + d->iv_len;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l, aad_len = 8;

	memcpy(nonce, key + klen, 4);
	memcpy(nonce + 4, esp + 8, 8);
	memcpy(aad, esp, 4);
	if (d->flags & ESP_F_ESN) {
		memset(aad + 4, 0, 4);	/* high half 0: a fresh SA */
		memcpy(aad + 8, esp + 4, 4);
		aad_len = 12;
	} else {
		memcpy(aad + 4, esp + 4, 4);
	}
	if (x == NULL)
		abort();
	EVP_EncryptInit_ex(x, ciph, NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
	EVP_EncryptInit_ex(x, NULL, NULL, key, nonce);
	EVP_EncryptUpdate(x, NULL, &l, aad, aad_len);
	if (d->enc == SADB_X_EALG_NULL_AES_GMAC)
		EVP_EncryptUpdate(x, NULL, &l, esp + 8, (int)(8 + ct_len));
	else if (ct_len > 0)
		EVP_EncryptUpdate(x, ct, &l, ct, (int)ct_len);
	EVP_EncryptFinal_ex(x, ct + ct_len, &l);
	EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, d->icv_len,
	    ct + ct_len);
	EVP_CIPHER_CTX_free(x);
}

/* Cipher (CBC or NULL) then HMAC-SHA256-128 over header, IV, ciphertext. */
static void
seal_hmac(const struct sa_def *d, const uint8_t *ekey, const uint8_t *akey,
    uint8_t *esp, uint32_t ct_len)
{
	uint8_t *ct = esp + 8 + d->iv_len, md[32];
	unsigned int mdlen = sizeof(md);
	int l;

	if (d->enc == SADB_X_EALG_AESCBC) {
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

		if (x == NULL)
			abort();
		EVP_EncryptInit_ex(x, EVP_aes_128_cbc(), NULL, ekey, esp + 8);
		EVP_CIPHER_CTX_set_padding(x, 0);
		EVP_EncryptUpdate(x, ct, &l, ct, (int)ct_len);
		EVP_CIPHER_CTX_free(x);
	}
	HMAC(EVP_sha256(), akey, d->auth_len, esp, 8 + d->iv_len + ct_len,
	    md, &mdlen);
	memcpy(ct + ct_len, md, d->icv_len);
}

/*
 * Find the ESP payload the way a receiver would (outer IPv4/IPv6, IPv6
 * hop-by-hop, UDP encapsulation) and seal it; leave anything that does
 * not fit alone.
 */
static void
seal(unsigned int i, uint8_t *p, uint32_t len)
{
	const struct sa_def *d = &sa_def[i];
	uint32_t hl, tot, off, ct;
	uint8_t proto;

	if (len < 20)
		return;
	if ((p[0] >> 4) == 4) {
		hl = (p[0] & 0xf) * 4u;
		tot = (uint32_t)p[2] << 8 | p[3];
		proto = p[9];
	} else if ((p[0] >> 4) == 6 && len >= 40) {
		hl = 40;
		tot = 40 + ((uint32_t)p[4] << 8 | p[5]);
		proto = p[6];
		if (proto == IPPROTO_HOPOPTS && len >= 48) {
			proto = p[40];
			hl += (p[41] + 1u) * 8;
		}
	} else {
		return;
	}
	if (tot > len)
		return;
	off = hl + (proto == IPPROTO_UDP ? 8 : 0);
	if (off + 8 + d->iv_len + d->icv_len > tot)
		return;
	ct = tot - off - 8 - d->iv_len - d->icv_len;
	if (ct % d->block != 0)
		return;
	if (d->auth == 0)
		seal_aead(d, enc_key[i], p + off, ct);
	else
		seal_hmac(d, enc_key[i], auth_key[i], p + off, ct);
}

static void
check_out(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->data_len < 20 || m->l2_len != 0 || m->l3_len > m->data_len)
		abort();
	if ((p[0] >> 4) == 4) {
		if (m->packet_type != RTE_PTYPE_L3_IPV4 ||
		    ((uint32_t)p[2] << 8 | p[3]) != m->pkt_len)
			abort();
	} else if ((p[0] >> 4) == 6) {
		if (m->packet_type != RTE_PTYPE_L3_IPV6 || m->data_len < 40 ||
		    40 + ((uint32_t)p[4] << 8 | p[5]) != m->pkt_len)
			abort();
	} else {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *mb[8];
	uint8_t reason[8], proto, flags, split;
	static int debug = -1;
	unsigned int i, j, n = 0;
	uint32_t spi;
	size_t off = 2, len;
	uint16_t k;
	int rc;

	if (debug < 0)
		debug = getenv("FUZZ_ESP_DEBUG") != NULL;
	if (size < 2)
		return 0;
	flags = data[0];
	split = (flags & 0x10) ? data[1] : 0;
	i = (flags & 7) % NSA;
	esp_sa_destroy(sas[i]);
	sas[i] = sa_make(i);
	while (n < 8 && off + 2 <= size) {
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		mb[n] = fuzz_mbuf(mp, data + off, len, split);
		off += len;
		if (mb[n] == NULL)
			continue;
		if ((flags & 8) && rte_pktmbuf_is_contiguous(mb[n]))
			seal(i, rte_pktmbuf_mtod(mb[n], uint8_t *),
			    mb[n]->data_len);
		if (rte_pktmbuf_is_contiguous(mb[n])) {
			rc = esp_pkt_spi(mb[n], sa_def[i].natt, &spi, &proto);
			if (rc > 0 || (rc == 0 && proto != IPPROTO_ESP &&
			    proto != IPPROTO_UDP))
				abort();
		}
		n++;
	}
	if (n == 0)
		return 0;
	k = esp_inb_process(sas[i], 0, mb, reason, (uint16_t)n);
	if (k > n)
		abort();
	if (debug)	/* FUZZ_ESP_DEBUG=1: what happened to each packet */
		for (j = 0; j < n; j++)
			fprintf(stderr, "fuzz_esp: SA %u packet %u: %s\n",
			    flags & 7, j, j < k ? "ok" :
			    esp_drop_name(reason[j]));
	for (i = 0; i < n; i++) {
		if (i < k)
			check_out(mb[i]);
		else if (reason[i] == ESP_DROP_NONE ||
		    reason[i] >= ESP_DROP_MAX)
			abort();
		rte_pktmbuf_free(mb[i]);
	}
	if (rte_mempool_avail_count(mp) != NPOOL)
		abort();
	return 0;
}
