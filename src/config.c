/*
 * Line-based config parser for dpsecd.
 *
 * One directive per line, words separated by blanks, '#' starts a comment.
 * Directives are rows of a table (name, argument count, handler, help);
 * the port directive has its own table of keys (config_port.c).  The parser does no DPDK
 * calls so the unit tests run it without EAL.  Consistency checks that
 * need the whole file (routes naming ports declared later, roles) run
 * after the last line and still report the line of the offending item.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define MAX_WORDS	64
#define MAX_LINE	4096

typedef int (*dir_fn)(struct parse_ctx *, int, char **);

struct directive {
	const char	*name;
	int		 min_args;	/* words after the name */
	int		 max_args;	/* -1: unbounded */
	dir_fn		 fn;
	const char	*usage;
	const char	*help;
};

int
cfg_perr(struct parse_ctx *p, const char *fmt, ...)
{
	char msg[CFG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->file, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
	return -EINVAL;
}

int
cfg_parse_u32(struct parse_ctx *p, const char *what, const char *s,
    uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+')
		return cfg_perr(p, "%s: '%s' is not a number", what, s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return cfg_perr(p, "%s: '%s' is not a number", what, s);
	if (v < min || v > max)
		return cfg_perr(p, "%s: %llu out of range %u..%u", what, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

int
cfg_parse_u16(struct parse_ctx *p, const char *what, const char *s,
    uint32_t min, uint32_t max, uint16_t *out)
{
	uint32_t v;
	int rc;

	if ((rc = cfg_parse_u32(p, what, s, min, max, &v)) != 0)
		return rc;
	*out = (uint16_t)v;
	return 0;
}

int
cfg_parse_bool(struct parse_ctx *p, const char *what, const char *s, bool *out)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "off") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return cfg_perr(p, "%s: expected on or off, got '%s'", what, s);
	return 0;
}

int
cfg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
	    &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int
config_parse_addr(const char *s, struct cfg_addr *a, bool allow_plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long plen;
	unsigned int max;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	memset(a, 0, sizeof(*a));
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (!allow_plen)
			return -EINVAL;
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else
		return -EINVAL;
	a->plen = (uint8_t)max;
	if (slash != NULL) {
		if (*slash == '\0' || !isdigit((unsigned char)*slash))
			return -EINVAL;
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno != 0 || *end != '\0' || plen > max)
			return -EINVAL;
		a->plen = (uint8_t)plen;
	}
	return 0;
}

const char *
config_fmt_addr(const struct cfg_addr *a, bool with_plen, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(a->family, a->u.bytes, tmp, sizeof(tmp));
	if (with_plen)
		snprintf(buf, len, "%s/%u", tmp, a->plen);
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

/* Is the address, masked to its prefix length, equal to itself? */
static bool
prefix_is_network(const struct cfg_addr *a)
{
	unsigned int bits = a->family == AF_INET ? 32 : 128;
	unsigned int i;

	for (i = a->plen; i < bits; i++)
		if (a->u.bytes[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int
config_port_index(const struct dpsec_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nports; i++)
		if (strcmp(cfg->port[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Port names: [A-Za-z0-9_], as DPDK telemetry requires of dict keys. */
bool
cfg_valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CFG_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* Interface names: what the kernel accepts, minus the odd characters. */
bool
cfg_valid_ifname(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= 16)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return false;
	return true;
}

/* ---- global directives -------------------------------------------- */

static int
parse_lcore_list(struct parse_ctx *p, const char *s, uint64_t map[16])
{
	char buf[256], *tok, *save = NULL, *dash;
	uint32_t a, b, i;
	int rc;

	if (strlen(s) >= sizeof(buf))
		return cfg_perr(p, "lcore list too long");
	strcpy(buf, s);
	memset(map, 0, 16 * sizeof(uint64_t));
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		if (dash != NULL)
			*dash++ = '\0';
		if ((rc = cfg_parse_u32(p, "lcore", tok, 0, 1023, &a)) != 0)
			return rc;
		b = a;
		if (dash != NULL &&
		    (rc = cfg_parse_u32(p, "lcore", dash, a, 1023, &b)) != 0)
			return rc;
		for (i = a; i <= b; i++)
			map[i / 64] |= 1ULL << (i % 64);
	}
	return 0;
}

static int
dir_workers(struct parse_ctx *p, int argc, char **argv)
{
	struct dpsec_config *cfg = p->cfg;

	if (argc == 2 && strcmp(argv[1], "all") == 0) {
		cfg->workers = 0;
		cfg->worker_lcores_set = false;
		return 0;
	}
	if (argc == 2)
		return cfg_parse_u32(p, "workers", argv[1], 1, 256, &cfg->workers);
	if (argc == 3 && strcmp(argv[1], "lcores") == 0) {
		cfg->worker_lcores_set = true;
		return parse_lcore_list(p, argv[2], cfg->worker_lcores);
	}
	return cfg_perr(p, "usage: workers N | workers all | workers lcores LIST");
}

static int
dir_idle(struct parse_ctx *p, int argc, char **argv)
{
	struct dpsec_config *cfg = p->cfg;
	int rc;

	if (strcmp(argv[1], "busy-poll") == 0) {
		if (argc != 2)
			return cfg_perr(p, "idle busy-poll takes no arguments");
		cfg->idle = CFG_IDLE_BUSY;
		return 0;
	}
	if (strcmp(argv[1], "sleep") != 0)
		return cfg_perr(p, "idle: expected busy-poll or sleep, got '%s'",
		    argv[1]);
	cfg->idle = CFG_IDLE_SLEEP;
	if (argc >= 3 && (rc = cfg_parse_u32(p, "idle sleep min-us", argv[2], 1,
	    1000000, &cfg->idle_min_us)) != 0)
		return rc;
	if (argc >= 4 && (rc = cfg_parse_u32(p, "idle sleep max-us", argv[3],
	    cfg->idle_min_us, 1000000, &cfg->idle_max_us)) != 0)
		return rc;
	if (argc >= 5 && (rc = cfg_parse_u32(p, "idle sleep polls", argv[4], 1,
	    1000000, &cfg->idle_polls)) != 0)
		return rc;
	if (cfg->idle_max_us < cfg->idle_min_us)
		cfg->idle_max_us = cfg->idle_min_us;
	return 0;
}

#define U32_DIR(fname, field, what, lo, hi)				\
static int								\
fname(struct parse_ctx *p, int argc, char **argv)			\
{									\
	return cfg_parse_u32(p, what, argv[1], lo, hi, &p->cfg->field);	\
}
#define U16_DIR(fname, field, what, lo, hi)				\
static int								\
fname(struct parse_ctx *p, int argc, char **argv)			\
{									\
	return cfg_parse_u16(p, what, argv[1], lo, hi, &p->cfg->field);	\
}

U32_DIR(dir_mbufs, mbufs, "mbufs", 256, 16u << 20)
U32_DIR(dir_ctrl_clients, ctrl.max_clients, "control-clients", 1, 4096)
U32_DIR(dir_ctrl_queue, ctrl.client_queue, "control-queue", 65536, 1u << 30)

/* control-allow uid|gid ID...: numeric ids, repeatable, CFG_CTRL_ALLOW each. */
static int
dir_ctrl_allow(struct parse_ctx *p, int argc, char **argv)
{
	struct cfg_ctrl *c = &p->cfg->ctrl;
	uint32_t *ids, *n, id;
	int i, rc;

	if (strcmp(argv[1], "uid") == 0) {
		ids = c->allow_uid;
		n = &c->n_allow_uid;
	} else if (strcmp(argv[1], "gid") == 0) {
		ids = c->allow_gid;
		n = &c->n_allow_gid;
	} else
		return cfg_perr(p, "control-allow: want uid or gid, not '%s'",
		    argv[1]);
	for (i = 2; i < argc; i++) {
		if ((rc = cfg_parse_u32(p, "control-allow id", argv[i], 0,
		    UINT32_MAX - 1, &id)) != 0)
			return rc;
		if (*n >= CFG_CTRL_ALLOW)
			return cfg_perr(p, "control-allow: more than %d %ss",
			    CFG_CTRL_ALLOW, argv[1]);
		ids[(*n)++] = id;
	}
	return 0;
}
U32_DIR(dir_mbuf_cache, mbuf_cache, "mbuf-cache", 0, 512)
U16_DIR(dir_rx_desc, rx_desc, "rx-desc", 32, 16384)
U16_DIR(dir_tx_desc, tx_desc, "tx-desc", 32, 16384)
U32_DIR(dir_route_max, route_max, "route-max", 16, 1u << 24)
U32_DIR(dir_neighbor_max, neighbor_max, "neighbor-max", 16, 1u << 20)
U32_DIR(dir_exc_ring, exception_ring, "exception-ring", 64, 1u << 16)
U32_DIR(dir_pmtu_timeout, mtu.pmtu_timeout, "pmtu-timeout", 5, 86400)
U32_DIR(dir_reasm_entries, mtu.reasm_entries, "reassembly-entries", 16,
    1u << 20)
U32_DIR(dir_reasm_timeout, mtu.reasm_timeout_ms, "reassembly-timeout-ms", 10,
    60000)

static int
dir_esp_fragment(struct parse_ctx *p, int argc, char **argv)
{
	if (strcmp(argv[1], "pre") == 0)
		p->cfg->mtu.esp_fragment = CFG_ESP_FRAG_PRE;
	else if (strcmp(argv[1], "post") == 0)
		p->cfg->mtu.esp_fragment = CFG_ESP_FRAG_POST;
	else
		return cfg_perr(p, "esp-fragment: expected pre or post, got '%s'",
		    argv[1]);
	return 0;
}

static int
dir_icmp_rate(struct parse_ctx *p, int argc, char **argv)
{
	int rc;

	if ((rc = cfg_parse_u32(p, "icmp-rate", argv[1], 0, 1000000,
	    &p->cfg->mtu.icmp_rate)) != 0)
		return rc;
	if (argc >= 3)
		return cfg_parse_u32(p, "icmp-rate burst", argv[2], 1, 1000000,
		    &p->cfg->mtu.icmp_burst);
	return 0;
}
U32_DIR(dir_arp_retry, arp_retry_ms, "arp-retry-ms", 10, 60000)
U32_DIR(dir_arp_retries, arp_retries, "arp-retries", 1, 100)
U32_DIR(dir_acq_retry, ipsec.acquire_retry_ms, "acquire-retry-ms", 10, 600000)
U32_DIR(dir_acq_retries, ipsec.acquire_retries, "acquire-retries", 0, 100)
U32_DIR(dir_acq_timeout, ipsec.acquire_timeout, "acquire-timeout", 1, 86400)
U32_DIR(dir_larval_timeout, ipsec.larval_timeout, "larval-timeout", 1, 86400)
U32_DIR(dir_larval_queue, ipsec.larval_queue, "larval-queue", 1, 65536)
U32_DIR(dir_larval_total, ipsec.larval_queue_total, "larval-queue-total", 1,
    1u << 20)
U32_DIR(dir_ipsec_ring, ipsec.ring, "ipsec-ring", 64, 1u << 16)
/* Outbound sequence numbers across workers (docs/datapath.md). */
U32_DIR(dir_handoff_ring, ipsec.handoff_ring, "handoff-ring", 64, 1u << 20)

static int
dir_outbound_seq(struct parse_ctx *p, int argc, char **argv)
{
	if (strcmp(argv[1], "owner") == 0)
		p->cfg->ipsec.outbound_seq = CFG_SEQ_OWNER;
	else if (strcmp(argv[1], "atomic") == 0)
		p->cfg->ipsec.outbound_seq = CFG_SEQ_ATOMIC;
	else
		return cfg_perr(p, "outbound-seq: expected owner or atomic, got "
		    "'%s'", argv[1]);
	return 0;
}
U32_DIR(dir_max_sa, ipsec.max_sa, "max-sa", 16, 1u << 22)
U32_DIR(dir_crypto_sessions, ipsec.crypto_sessions, "crypto-sessions", 64,
    1u << 22)

static int
dir_setkey(struct parse_ctx *p, int argc, char **argv)
{
	if (strlen(argv[1]) >= sizeof(p->cfg->ipsec.setkey))
		return cfg_perr(p, "setkey: path too long");
	strcpy(p->cfg->ipsec.setkey, argv[1]);
	return 0;
}

/* crypto-icv-verify constant-time|pmd (docs/crypto.md, "ICV comparison") */
static int
dir_icv_verify(struct parse_ctx *p, int argc, char **argv)
{
	if (strcmp(argv[1], "constant-time") == 0)
		p->cfg->ipsec.icv_pmd_verify = false;
	else if (strcmp(argv[1], "pmd") == 0)
		p->cfg->ipsec.icv_pmd_verify = true;
	else
		return cfg_perr(p, "crypto-icv-verify: expected constant-time or "
		    "pmd, got '%s'", argv[1]);
	return 0;
}

static int
dir_route_table(struct parse_ctx *p, int argc, char **argv)
{
	if (strcmp(argv[1], "auto") == 0)
		p->cfg->route_table = CFG_RT_AUTO;
	else if (strcmp(argv[1], "dir24") == 0)
		p->cfg->route_table = CFG_RT_DIR24;
	else if (strcmp(argv[1], "rib") == 0)
		p->cfg->route_table = CFG_RT_RIB;
	else
		return cfg_perr(p, "route-table: expected auto, dir24 or rib, got "
		    "'%s'", argv[1]);
	return 0;
}

static int
grow(void **arr, unsigned int *cap, size_t elem)
{
	unsigned int ncap = *cap ? *cap * 2 : 16;
	void *n = realloc(*arr, ncap * elem);

	if (n == NULL)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* route PREFIX [via ADDR] dev PORT */
static int
dir_route(struct parse_ctx *p, int argc, char **argv)
{
	struct dpsec_config *cfg = p->cfg;
	struct cfg_route r;
	int i;

	memset(&r, 0, sizeof(r));
	if (strcmp(argv[1], "default") == 0 || strcmp(argv[1], "default6") == 0) {
		r.prefix.family = argv[1][7] == '6' ? AF_INET6 : AF_INET;
		r.prefix.plen = 0;
	} else if (config_parse_addr(argv[1], &r.prefix, true) != 0)
		return cfg_perr(p, "route: bad prefix '%s'", argv[1]);
	if (!prefix_is_network(&r.prefix))
		return cfg_perr(p, "route: %s has host bits set beyond /%u", argv[1],
		    r.prefix.plen);
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cfg_perr(p, "route: '%s' needs a value", argv[i]);
		if (strcmp(argv[i], "via") == 0) {
			if (config_parse_addr(argv[i + 1], &r.via, false) != 0)
				return cfg_perr(p, "route: bad next hop '%s'",
				    argv[i + 1]);
			if (r.via.family != r.prefix.family)
				return cfg_perr(p, "route: next hop %s is not of the "
				    "prefix's family", argv[i + 1]);
		} else if (strcmp(argv[i], "dev") == 0) {
			if (!cfg_valid_name(argv[i + 1]))
				return cfg_perr(p, "route: bad port name '%s'",
				    argv[i + 1]);
			strcpy(r.port, argv[i + 1]);
		} else
			return cfg_perr(p, "route: unknown key '%s' (want via, dev)",
			    argv[i]);
	}
	if (r.port[0] == '\0')
		return cfg_perr(p, "route: missing 'dev PORT'");
	if (cfg->nroutes >= CFG_MAX_ROUTES)
		return cfg_perr(p, "more than %d routes", CFG_MAX_ROUTES);
	if (cfg->nroutes == cfg->route_cap &&
	    grow((void **)&cfg->route, &cfg->route_cap, sizeof(r)) != 0)
		return cfg_perr(p, "out of memory");
	r.line = p->line;
	cfg->route[cfg->nroutes++] = r;
	return 0;
}

/* neighbor ADDR MAC dev PORT */
static int
dir_neighbor(struct parse_ctx *p, int argc, char **argv)
{
	struct dpsec_config *cfg = p->cfg;
	struct cfg_neighbor n;

	memset(&n, 0, sizeof(n));
	if (config_parse_addr(argv[1], &n.addr, false) != 0)
		return cfg_perr(p, "neighbor: bad address '%s'", argv[1]);
	if (cfg_parse_mac(argv[2], n.mac) != 0)
		return cfg_perr(p, "neighbor: bad MAC '%s'", argv[2]);
	if (n.mac[0] & 1)
		return cfg_perr(p, "neighbor: MAC %s is multicast", argv[2]);
	if (strcmp(argv[3], "dev") != 0)
		return cfg_perr(p, "neighbor: expected 'dev PORT' after the MAC");
	if (!cfg_valid_name(argv[4]))
		return cfg_perr(p, "neighbor: bad port name '%s'", argv[4]);
	strcpy(n.port, argv[4]);
	if (cfg->nneighbors >= CFG_MAX_NEIGHBORS)
		return cfg_perr(p, "more than %d static neighbors",
		    CFG_MAX_NEIGHBORS);
	if (cfg->nneighbors == cfg->neighbor_cap &&
	    grow((void **)&cfg->neighbor, &cfg->neighbor_cap, sizeof(n)) != 0)
		return cfg_perr(p, "out of memory");
	n.line = p->line;
	cfg->neighbor[cfg->nneighbors++] = n;
	return 0;
}

static int
dir_ctrl_socket(struct parse_ctx *p, int argc, char **argv)
{
	struct cfg_ctrl *c = &p->cfg->ctrl;
	uint32_t mode;
	int i, rc;

	if (argv[1][0] != '/')
		return cfg_perr(p, "control-socket: path must be absolute");
	if (strlen(argv[1]) >= sizeof(c->socket_path))
		return cfg_perr(p, "control-socket: path too long");
	strcpy(c->socket_path, argv[1]);
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cfg_perr(p, "control-socket: '%s' needs a value",
			    argv[i]);
		if (strcmp(argv[i], "owner") == 0) {
			if (strlen(argv[i + 1]) >= sizeof(c->socket_owner))
				return cfg_perr(p, "control-socket: owner too long");
			strcpy(c->socket_owner, argv[i + 1]);
		} else if (strcmp(argv[i], "mode") == 0) {
			if ((rc = cfg_parse_u32(p, "control-socket mode", argv[i + 1],
			    0, 0777, &mode)) != 0)
				return rc;
			c->socket_mode = mode;
		} else
			return cfg_perr(p, "control-socket: unknown key '%s' (want "
			    "owner, mode)", argv[i]);
	}
	return 0;
}

static const struct directive directives[] = {
	{ "port", 1, -1, cfg_dir_port, "NAME KEY VALUE [KEY VALUE ...]",
	  "declare or extend a port; keys below" },
	{ "route", 3, 5, dir_route, "PREFIX|default|default6 [via ADDR] dev PORT",
	  "static route; without via the prefix is on-link" },
	{ "neighbor", 4, 4, dir_neighbor, "ADDR XX:XX:XX:XX:XX:XX dev PORT",
	  "static ARP/ND entry (never expires, never relearnt)" },
	{ "workers", 1, 2, dir_workers, "N | all | lcores LIST",
	  "worker lcores: the first N of EAL's worker lcores, all of them "
	  "(default), or the listed ones (e.g. 1-2,4)" },
	{ "idle", 1, 4, dir_idle, "busy-poll | sleep [MIN_US [MAX_US [POLLS]]]",
	  "what an idle worker does: poll forever, or after POLLS empty polls "
	  "(default 64) sleep MIN_US (default 10) doubling up to MAX_US "
	  "(default 1000); default sleep" },
	{ "mbufs", 1, 1, dir_mbufs, "N",
	  "mbufs per port pool (default: computed from queues and descriptors)" },
	{ "mbuf-cache", 1, 1, dir_mbuf_cache, "N",
	  "per-lcore mbuf cache (default 64, max 512)" },
	{ "rx-desc", 1, 1, dir_rx_desc, "N", "rx ring size (default 256)" },
	{ "tx-desc", 1, 1, dir_tx_desc, "N", "tx ring size (default 256)" },
	{ "route-max", 1, 1, dir_route_max, "N",
	  "routes per family (default 1024)" },
	{ "route-table", 1, 1, dir_route_table, "auto|dir24|rib",
	  "lookup structure: dir24 (DIR24-8/TRIE, fast, ~64 MB), rib (tree, "
	  "small) or auto (dir24 with hugepages, rib without; default)" },
	{ "neighbor-max", 1, 1, dir_neighbor_max, "N",
	  "neighbor table size (default 1024)" },
	{ "exception-ring", 1, 1, dir_exc_ring, "N",
	  "per-worker ring to the control thread (default 1024)" },
	{ "arp-retry-ms", 1, 1, dir_arp_retry, "MS",
	  "interval between ARP requests / neighbor solicitations (default 1000)" },
	{ "arp-retries", 1, 1, dir_arp_retries, "N",
	  "solicitations before a next hop is unreachable (default 3)" },
	{ "esp-fragment", 1, 1, dir_esp_fragment, "pre|post",
	  "IPv4 without DF too big for its SA: fragment before encryption "
	  "(RFC 4459, default) or fragment the ESP packet" },
	{ "pmtu-timeout", 1, 1, dir_pmtu_timeout, "S",
	  "a path MTU learnt from ICMP ages out after S seconds (default 600)" },
	{ "icmp-rate", 1, 2, dir_icmp_rate, "N [BURST]",
	  "ICMP too-big errors per second per worker, burst (default 100 10; "
	  "0 = never)" },
	{ "reassembly-entries", 1, 1, dir_reasm_entries, "N",
	  "fragmented ESP datagrams in reassembly per worker (default 1024)" },
	{ "reassembly-timeout-ms", 1, 1, dir_reasm_timeout, "MS",
	  "an incomplete datagram is dropped after MS (default 2000)" },
	{ "control-allow", 2, 17, dir_ctrl_allow, "uid|gid ID...",
	  "peers (besides root) allowed on the control socket (repeatable)" },
	{ "control-clients", 1, 1, dir_ctrl_clients, "N",
	  "control socket clients at once; more are refused (default 64)" },
	{ "control-queue", 1, 1, dir_ctrl_queue, "BYTES",
	  "output queued per control client (default 1048576)" },
	{ "control-socket", 1, 5, dir_ctrl_socket, "PATH [owner USER[:GROUP]] [mode OCTAL]",
	  "PF_KEY control socket (default /run/dpsec/pfkey.sock)" },
	{ "crypto-icv-verify", 1, 1, dir_icv_verify, "constant-time|pmd",
	  "inbound ICV compare: constant-time (default) or by the PMD "
	  "(aesni_mb: memcmp; one pass for CBC/CTR+HMAC)" },
	{ "setkey", 1, 1, dir_setkey, "FILE",
	  "setkey(8)-syntax file (SAs, policies) applied at start" },
	{ "acquire-retry-ms", 1, 1, dir_acq_retry, "MS",
	  "SADB_ACQUIRE retransmission interval (default 1000)" },
	{ "acquire-retries", 1, 1, dir_acq_retries, "N",
	  "SADB_ACQUIRE retransmissions (default 3)" },
	{ "acquire-timeout", 1, 1, dir_acq_timeout, "S",
	  "acquire entry lifetime; its queued packets are then dropped "
	  "(default 30)" },
	{ "larval-timeout", 1, 1, dir_larval_timeout, "S",
	  "lifetime of a GETSPI SA never UPDATEd (default 30)" },
	{ "larval-queue", 1, 1, dir_larval_queue, "N",
	  "packets queued per SA awaiting keys (default 64)" },
	{ "larval-queue-total", 1, 1, dir_larval_total, "N",
	  "packets queued awaiting keys, all SAs (default 8192)" },
	{ "ipsec-ring", 1, 1, dir_ipsec_ring, "N",
	  "per-worker rings for packets awaiting SAs (default 1024)" },
	{ "outbound-seq", 1, 1, dir_outbound_seq, "owner|atomic",
	  "who numbers an outbound SA's packets: its owner worker, the others "
	  "hand them over (default; in order on the wire), or every worker "
	  "with one atomic add per burst (may reorder)" },
	{ "handoff-ring", 1, 1, dir_handoff_ring, "N",
	  "per-worker ring of packets handed to an SA's owner (default 2048)" },
	{ "max-sa", 1, 1, dir_max_sa, "N", "SAs in the SAD (default 65536)" },
	{ "crypto-sessions", 1, 1, dir_crypto_sessions, "N",
	  "cryptodev sessions for all SAs; beyond them SAs run on openssl "
	  "(default 4096)" },
};

void
config_defaults(struct dpsec_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->idle = CFG_IDLE_SLEEP;
	cfg->idle_min_us = 10;
	cfg->idle_max_us = 1000;
	cfg->idle_polls = 64;
	cfg->mbuf_cache = 64;
	cfg->rx_desc = 256;
	cfg->tx_desc = 256;
	cfg->route_max = 1024;
	cfg->neighbor_max = 1024;
	cfg->exception_ring = 1024;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->mtu.esp_fragment = CFG_ESP_FRAG_PRE;
	cfg->mtu.pmtu_timeout = 600;
	cfg->mtu.icmp_rate = 100;
	cfg->mtu.icmp_burst = 10;
	cfg->mtu.reasm_entries = 1024;
	cfg->mtu.reasm_timeout_ms = 2000;
	strcpy(cfg->ctrl.socket_path, "/run/dpsec/pfkey.sock");
	cfg->ctrl.socket_mode = 0600;
	cfg->ctrl.max_clients = 64;
	cfg->ctrl.client_queue = 1u << 20;
	cfg->ipsec.acquire_retry_ms = 1000;
	cfg->ipsec.acquire_retries = 3;
	cfg->ipsec.acquire_timeout = 30;
	cfg->ipsec.larval_timeout = 30;
	cfg->ipsec.larval_queue = 64;
	cfg->ipsec.larval_queue_total = 8192;
	cfg->ipsec.ring = 1024;
	cfg->ipsec.max_sa = 65536;
	cfg->ipsec.crypto_sessions = 4096;
}

void
config_free(struct dpsec_config *cfg)
{
	free(cfg->route);
	cfg->route = NULL;
	cfg->nroutes = cfg->route_cap = 0;
	free(cfg->neighbor);
	cfg->neighbor = NULL;
	cfg->nneighbors = cfg->neighbor_cap = 0;
}

static int
split(char *line, char **argv)
{
	int argc = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (argc == MAX_WORDS)
			return -1;
		argv[argc++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' &&
		    *s != '\n' && *s != '#')
			s++;
		if (*s == '#') {
			*s = '\0';
			break;
		}
		if (*s == '\0')
			break;
		*s++ = '\0';
	}
	return argc;
}

static int
parse_line(struct parse_ctx *p, char *line)
{
	char *argv[MAX_WORDS];
	size_t i;
	int argc, nargs;

	argc = split(line, argv);
	if (argc < 0)
		return cfg_perr(p, "more than %d words", MAX_WORDS);
	if (argc == 0)
		return 0;
	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];

		if (strcmp(argv[0], d->name) != 0)
			continue;
		nargs = argc - 1;
		if (nargs < d->min_args || (d->max_args >= 0 &&
		    nargs > d->max_args))
			return cfg_perr(p, "usage: %s %s", d->name, d->usage);
		return d->fn(p, argc, argv);
	}
	return cfg_perr(p, "unknown directive '%s'", argv[0]);
}

static int
check(struct parse_ctx *p)
{
	struct dpsec_config *cfg = p->cfg;
	unsigned int i, j, k, m;
	char b[64];

	if (cfg->nports == 0) {
		p->line = 0;
		return cfg_perr(p, "no port declared (need at least one 'port NAME "
		    "device DEV role ROLE')");
	}
	for (i = 0; i < cfg->nports; i++) {
		const struct cfg_port *pt = &cfg->port[i];

		p->line = pt->line;
		if (pt->device[0] == '\0')
			return cfg_perr(p, "port %s: no device", pt->name);
		if (pt->role == CFG_ROLE_NONE)
			return cfg_perr(p, "port %s: no role (protected or "
			    "unprotected)", pt->name);
		for (j = 0; j < i; j++) {
			if (strcmp(cfg->port[j].device, pt->device) == 0)
				return cfg_perr(p, "port %s: device already used by "
				    "port %s", pt->name, cfg->port[j].name);
			if (pt->tap[0] != '\0' &&
			    strcmp(cfg->port[j].tap, pt->tap) == 0)
				return cfg_perr(p, "port %s: tap %s already used by "
				    "port %s", pt->name, pt->tap,
				    cfg->port[j].name);
		}
		/* The same address twice on the gateway makes "to us" ambiguous. */
		for (j = 0; j <= i; j++)
			for (k = 0; k < cfg->port[j].naddr; k++)
				for (m = 0; m < pt->naddr; m++) {
					if (j == i && k >= m)
						continue;
					if (cfg->port[j].addr[k].family ==
					    pt->addr[m].family &&
					    memcmp(cfg->port[j].addr[k].u.bytes,
					    pt->addr[m].u.bytes, 16) == 0)
						return cfg_perr(p, "port %s: address "
						    "%s already on port %s",
						    pt->name, config_fmt_addr(
						    &pt->addr[m], false, b,
						    sizeof(b)),
						    cfg->port[j].name);
				}
	}
	for (i = 0; i < cfg->nroutes; i++) {
		const struct cfg_route *r = &cfg->route[i];

		p->line = r->line;
		if (config_port_index(cfg, r->port) < 0)
			return cfg_perr(p, "route: unknown port '%s'", r->port);
		for (j = 0; j < i; j++)
			if (cfg->route[j].prefix.family == r->prefix.family &&
			    cfg->route[j].prefix.plen == r->prefix.plen &&
			    memcmp(cfg->route[j].prefix.u.bytes,
			    r->prefix.u.bytes, 16) == 0)
				return cfg_perr(p, "route: %s already defined at "
				    "line %u", config_fmt_addr(&r->prefix, true,
				    b, sizeof(b)), cfg->route[j].line);
	}
	for (i = 0; i < cfg->nneighbors; i++) {
		const struct cfg_neighbor *n = &cfg->neighbor[i];
		int pi;

		p->line = n->line;
		pi = config_port_index(cfg, n->port);
		if (pi < 0)
			return cfg_perr(p, "neighbor: unknown port '%s'", n->port);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->neighbor[j].port, n->port) == 0 &&
			    cfg->neighbor[j].addr.family == n->addr.family &&
			    memcmp(cfg->neighbor[j].addr.u.bytes,
			    n->addr.u.bytes, 16) == 0)
				return cfg_perr(p, "neighbor: %s on %s already "
				    "defined at line %u", config_fmt_addr(
				    &n->addr, false, b, sizeof(b)), n->port,
				    cfg->neighbor[j].line);
	}
	if (cfg->nneighbors > cfg->neighbor_max / 2) {
		p->line = 0;
		return cfg_perr(p, "%u static neighbors need neighbor-max >= %u",
		    cfg->nneighbors, cfg->nneighbors * 2);
	}
	if (cfg->nroutes + cfg->nports * CFG_MAX_ADDRS > cfg->route_max) {
		p->line = 0;
		return cfg_perr(p, "%u routes exceed route-max %u", cfg->nroutes,
		    cfg->route_max);
	}
	return 0;
}

static int
parse_stream(struct parse_ctx *p, FILE *f)
{
	char line[MAX_LINE];
	size_t len;
	int rc;

	p->line = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		p->line++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f))
			return cfg_perr(p, "line longer than %d bytes", MAX_LINE - 2);
		if ((rc = parse_line(p, line)) != 0)
			return rc;
	}
	if (ferror(f)) {
		p->line = 0;
		return cfg_perr(p, "read error");
	}
	return check(p);
}

int
config_load(struct dpsec_config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct parse_ctx p = { cfg, path, 0, err, errlen };
	FILE *f;
	int rc, e;

	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	f = fopen(path, "r");
	if (f == NULL) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	rc = parse_stream(&p, f);
	fclose(f);
	return rc;
}

int
config_parse_string(struct dpsec_config *cfg, const char *name,
    const char *text, char *err, size_t errlen)
{
	struct parse_ctx p = { cfg, name, 0, err, errlen };
	FILE *f;
	int rc;

	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	if (*text == '\0')
		text = "\n";
	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -errno;
	}
	rc = parse_stream(&p, f);
	fclose(f);
	return rc;
}

void
config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Config file directives (one per line, '#' starts a "
	    "comment):\n");
	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		fprintf(f, "  %s %s\n      %s\n", directives[i].name,
		    directives[i].usage, directives[i].help);
	fprintf(f, "Port keys (port NAME KEY VALUE ...; a port may span "
	    "several lines):\n");
	cfg_port_usage(f);
}
