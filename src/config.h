/*
 * dpsecd configuration: the parsed form of the line-based config file.
 *
 * The file is read once at start by the control thread (config_load()),
 * before EAL ports exist; dpsecd then builds ports, routes and neighbors
 * from it.  Every item remembers the line that defined it so that checks
 * done after parsing (unknown port names, address conflicts) still report
 * "file:line: problem".
 *
 * Sections for other modules (ctrl, spd, sadb, ipsec) are plain structs
 * of standard C types, so those modules never include this header: main.c
 * copies the values into each module's own parameter struct.  A new
 * directive is one row in the table in config.c plus a field here.
 */
#ifndef DPSEC_CONFIG_H
#define DPSEC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#define CFG_MAX_PORTS		16
#define CFG_MAX_ADDRS		8
#define CFG_MAX_ROUTES		4096
#define CFG_MAX_NEIGHBORS	1024
#define CFG_NAME_LEN		32
#define CFG_DEV_LEN		512
#define CFG_PATH_LEN		256
#define CFG_ERR_LEN		512

enum cfg_role {
	CFG_ROLE_NONE = 0,
	CFG_ROLE_PROTECTED,
	CFG_ROLE_UNPROTECTED,
};

enum cfg_route_table {
	CFG_RT_AUTO = 0,	/* dir24 with hugepages, rib without */
	CFG_RT_DIR24,
	CFG_RT_RIB,
};

enum cfg_idle {
	CFG_IDLE_SLEEP = 0,	/* default: laptops, CI, the demo */
	CFG_IDLE_BUSY,		/* appliances: poll forever */
};

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6. */
struct cfg_addr {
	int		 family;
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		uint8_t		bytes[16];
	} u;
	uint8_t		 plen;		/* prefix length (addresses, routes) */
};

struct cfg_port {
	char		 name[CFG_NAME_LEN];
	char		 device[CFG_DEV_LEN];	/* ethdev name, PCI address or vdev args */
	enum cfg_role	 role;
	struct cfg_addr	 addr[CFG_MAX_ADDRS];
	unsigned int	 naddr;
	uint16_t	 mtu;			/* 0: leave the device's */
	uint16_t	 rx_queues;		/* 0: one per worker, capped by the device */
	uint16_t	 tx_queues;		/* 0: one per worker + control, capped */
	uint16_t	 rx_desc;
	uint16_t	 tx_desc;
	uint32_t	 mbufs;			/* 0: computed from queues and descriptors */
	bool		 promiscuous;
	bool		 has_mac;
	uint8_t		 mac[6];		/* set the port's MAC at start */
	char		 tap[CFG_NAME_LEN];	/* exception path interface, "" = none */
	bool		 tap_addresses;		/* give the tap the port's addresses */
	unsigned int	 line;			/* where the port was declared */
};

struct cfg_route {
	struct cfg_addr	 prefix;
	struct cfg_addr	 via;			/* family 0: connected (no gateway) */
	char		 port[CFG_NAME_LEN];
	unsigned int	 line;
};

struct cfg_neighbor {
	struct cfg_addr	 addr;
	uint8_t		 mac[6];
	char		 port[CFG_NAME_LEN];
	unsigned int	 line;
};

/* Packet sizes around ESP (issue 8, docs/mtu.md). */
enum cfg_esp_frag {
	CFG_ESP_FRAG_PRE = 0,	/* RFC 4459 pre-fragmentation (default) */
	CFG_ESP_FRAG_POST,	/* fragment the ESP packet after encryption */
};

struct cfg_mtu {
	enum cfg_esp_frag esp_fragment;	/* IPv4 without DF too big for its SA */
	uint32_t	 pmtu_timeout;		/* s, a learnt path MTU ages out */
	uint32_t	 icmp_rate;		/* ICMP errors per second per worker */
	uint32_t	 icmp_burst;
	uint32_t	 reasm_entries;		/* datagrams in reassembly per worker */
	uint32_t	 reasm_timeout_ms;
};

#define CFG_CTRL_ALLOW	16	/* = CTRL_MAX_ALLOW in src/ctrl/ctrl.h */

/* Control socket (src/ctrl, docs/ctrl.md). */
struct cfg_ctrl {
	char		 socket_path[CFG_PATH_LEN];
	char		 socket_owner[CFG_NAME_LEN];	/* user[:group], "" = keep */
	uint32_t	 socket_mode;			/* 0: default 0600 */
	uint32_t	 allow_uid[CFG_CTRL_ALLOW];	/* besides uid 0 */
	uint32_t	 n_allow_uid;
	uint32_t	 allow_gid[CFG_CTRL_ALLOW];
	uint32_t	 n_allow_gid;
	uint32_t	 max_clients;
	uint32_t	 client_queue;			/* bytes per client */
};

/* outbound-seq: who numbers an outbound SA's packets. */
enum cfg_outbound_seq {
	CFG_SEQ_OWNER = 0,	/* one owner worker per SA (hand-off ring) */
	CFG_SEQ_ATOMIC,		/* every worker, one atomic add per burst */
};

/* IPsec datapath (docs/datapath.md). */
struct cfg_ipsec {
	char		 setkey[CFG_PATH_LEN];	/* setkey file loaded at start */
	uint32_t	 acquire_retry_ms;	/* SADB_ACQUIRE retransmit interval */
	uint32_t	 acquire_retries;	/* retransmissions */
	uint32_t	 acquire_timeout;	/* s, acquire entry lifetime */
	uint32_t	 larval_timeout;	/* s, GETSPI SA lifetime */
	uint32_t	 larval_queue;		/* packets queued per SA */
	uint32_t	 larval_queue_total;	/* packets queued in total */
	uint32_t	 ring;			/* per-worker acquire/release rings */
	uint32_t	 max_sa;
	bool		 icv_pmd_verify;	/* crypto-icv-verify pmd */
	uint32_t	 crypto_sessions;	/* cryptodev session pool */
	/* Outbound sequence numbers across workers (docs/datapath.md). */
	enum cfg_outbound_seq outbound_seq;	/* default owner */
	uint32_t	 handoff_ring;		/* per-worker hand-off ring, 0: 2048 */
};

struct dpsec_config {
	char		 file[CFG_PATH_LEN];

	/* workers */
	unsigned int	 workers;		/* 0: every worker lcore EAL gave us */
	uint64_t	 worker_lcores[16];	/* bitmap of lcore ids if non-zero */
	bool		 worker_lcores_set;
	enum cfg_idle	 idle;
	uint32_t	 idle_min_us;		/* first sleep when idle */
	uint32_t	 idle_max_us;		/* backoff cap */
	uint32_t	 idle_polls;		/* empty polls before sleeping */

	/* pools and limits */
	uint32_t	 mbufs;			/* default per-port pool size, 0 = computed */
	uint32_t	 mbuf_cache;
	uint16_t	 rx_desc;
	uint16_t	 tx_desc;
	uint32_t	 route_max;
	enum cfg_route_table route_table;
	uint32_t	 neighbor_max;
	uint32_t	 exception_ring;	/* per worker ring to the control thread */

	/* neighbor resolution */
	uint32_t	 arp_retry_ms;
	uint32_t	 arp_retries;

	struct cfg_port	 port[CFG_MAX_PORTS];
	unsigned int	 nports;
	struct cfg_route *route;		/* array of route_cap */
	unsigned int	 nroutes;
	unsigned int	 route_cap;
	struct cfg_neighbor *neighbor;
	unsigned int	 nneighbors;
	unsigned int	 neighbor_cap;

	struct cfg_mtu	 mtu;
	struct cfg_ctrl	 ctrl;
	struct cfg_ipsec ipsec;
};

/**
 * Set every field to its default (see docs/config.md).
 * Thread: control thread (any thread; touches only @p cfg).
 */
void config_defaults(struct dpsec_config *cfg);

/**
 * Parse a config file into @p cfg (which config_defaults() prepared) and
 * run the consistency checks.
 *
 * @param cfg   filled in; on error it may be partly filled, free it anyway
 * @param path  file to read
 * @param err   receives "file:line: problem" on failure
 * @param errlen size of @p err
 * @return 0, or -EINVAL (syntax or consistency) / -errno (I/O) with @p err set.
 * Thread: control thread, before EAL ports are set up; no DPDK calls.
 */
int config_load(struct dpsec_config *cfg, const char *path, char *err,
    size_t errlen);

/**
 * Parse config text held in memory; @p name stands for the file name in
 * error messages.  Same contract as config_load().
 */
int config_parse_string(struct dpsec_config *cfg, const char *name,
    const char *text, char *err, size_t errlen);

/**
 * Free what config_load() allocated (routes, neighbors).  Idempotent.
 * Thread: control thread.
 */
void config_free(struct dpsec_config *cfg);

/**
 * Print every directive with its arguments and meaning (for --help).
 * Thread: any.
 */
void config_usage(FILE *f);

/**
 * Find a port by name.
 * @return its index, or -1.
 */
int config_port_index(const struct dpsec_config *cfg, const char *name);

/**
 * Parse "A.B.C.D[/len]" or "X::Y[/len]".  Without /len the prefix length
 * is the full width.  @return 0 or -EINVAL.
 */
int config_parse_addr(const char *s, struct cfg_addr *a, bool allow_plen);

/** Format an address (with /plen if @p with_plen) into @p buf. */
const char *config_fmt_addr(const struct cfg_addr *a, bool with_plen,
    char *buf, size_t len);

#endif /* DPSEC_CONFIG_H */
