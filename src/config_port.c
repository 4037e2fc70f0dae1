/*
 * config_port.c: the keys of the port directive (port NAME KEY VALUE
 * ...): one table row and one handler per key.  The rest of the parser
 * is config.c.
 */
#include <string.h>

#include "config_priv.h"

/* ---- port keys ---------------------------------------------------- */

typedef int (*port_fn)(struct parse_ctx *, struct cfg_port *, const char *);

static int
pk_device(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	if (strlen(v) >= sizeof(pt->device))
		return cfg_perr(p, "port %s: device string too long", pt->name);
	strcpy(pt->device, v);
	return 0;
}

static int
pk_role(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	if (strcmp(v, "protected") == 0)
		pt->role = CFG_ROLE_PROTECTED;
	else if (strcmp(v, "unprotected") == 0)
		pt->role = CFG_ROLE_UNPROTECTED;
	else
		return cfg_perr(p, "port %s: role must be protected or unprotected, "
		    "got '%s'", pt->name, v);
	return 0;
}

static int
pk_address(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	struct cfg_addr a;

	if (config_parse_addr(v, &a, true) != 0)
		return cfg_perr(p, "port %s: bad address '%s' (want A.B.C.D/LEN "
		    "or X:Y::Z/LEN)", pt->name, v);
	if (strchr(v, '/') == NULL)
		return cfg_perr(p, "port %s: address '%s' needs a prefix length",
		    pt->name, v);
	if (pt->naddr >= CFG_MAX_ADDRS)
		return cfg_perr(p, "port %s: more than %d addresses", pt->name,
		    CFG_MAX_ADDRS);
	pt->addr[pt->naddr++] = a;
	return 0;
}

static int
pk_mtu(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u16(p, "mtu", v, 576, 9600, &pt->mtu);
}

static int
pk_rxq(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u16(p, "rx-queues", v, 1, 64, &pt->rx_queues);
}

static int
pk_txq(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u16(p, "tx-queues", v, 1, 64, &pt->tx_queues);
}

static int
pk_rxd(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u16(p, "rx-desc", v, 32, 16384, &pt->rx_desc);
}

static int
pk_txd(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u16(p, "tx-desc", v, 32, 16384, &pt->tx_desc);
}

static int
pk_mbufs(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_u32(p, "mbufs", v, 256, 16u << 20, &pt->mbufs);
}

static int
pk_promisc(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_bool(p, "promiscuous", v, &pt->promiscuous);
}

static int
pk_mac(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	if (cfg_parse_mac(v, pt->mac) != 0)
		return cfg_perr(p, "port %s: bad MAC '%s' (want xx:xx:xx:xx:xx:xx)",
		    pt->name, v);
	if (pt->mac[0] & 1)
		return cfg_perr(p, "port %s: MAC %s is multicast", pt->name, v);
	pt->has_mac = true;
	return 0;
}

static int
pk_tap(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	if (!cfg_valid_ifname(v))
		return cfg_perr(p, "port %s: bad tap interface name '%s' (1-15 of "
		    "[A-Za-z0-9._-])", pt->name, v);
	strcpy(pt->tap, v);
	return 0;
}

static int
pk_tap_addr(struct parse_ctx *p, struct cfg_port *pt, const char *v)
{
	return cfg_parse_bool(p, "tap-addresses", v, &pt->tap_addresses);
}

static const struct port_key {
	const char	*name;
	port_fn		 fn;
	const char	*usage;
	const char	*help;
} port_keys[] = {
	{ "device", pk_device, "DEV",
	  "ethdev name, PCI address or vdev arguments (required)" },
	{ "role", pk_role, "protected|unprotected",
	  "site side (cleartext) or internet side (ESP) (required)" },
	{ "address", pk_address, "ADDR/LEN",
	  "IPv4 or IPv6 address of the gateway on this port (repeatable)" },
	{ "mtu", pk_mtu, "N", "IP MTU (576..9600; default: the device's)" },
	{ "rx-queues", pk_rxq, "N",
	  "rx queues (default: one per worker, capped by the device; RSS "
	  "when > 1)" },
	{ "tx-queues", pk_txq, "N",
	  "tx queues (default: workers + 1, capped by the device; shared "
	  "queues take a lock)" },
	{ "rx-desc", pk_rxd, "N", "rx ring size (default: global rx-desc)" },
	{ "tx-desc", pk_txd, "N", "tx ring size (default: global tx-desc)" },
	{ "mbufs", pk_mbufs, "N", "mbufs in this port's pool (default: global mbufs)" },
	{ "promiscuous", pk_promisc, "on|off", "promiscuous mode (default off)" },
	{ "mac", pk_mac, "XX:XX:XX:XX:XX:XX", "set the port's MAC address" },
	{ "tap", pk_tap, "IFNAME",
	  "exception path: net_tap interface with the port's MAC" },
	{ "tap-addresses", pk_tap_addr, "on|off",
	  "assign the port's addresses to the tap (default on)" },
};

int
cfg_dir_port(struct parse_ctx *p, int argc, char **argv)
{
	struct dpsec_config *cfg = p->cfg;
	struct cfg_port *pt;
	size_t k;
	int i, idx, rc;

	if (!cfg_valid_name(argv[1]))
		return cfg_perr(p, "bad port name '%s' (1-31 of [A-Za-z0-9_])",
		    argv[1]);
	idx = config_port_index(cfg, argv[1]);
	if (idx < 0) {
		if (cfg->nports >= CFG_MAX_PORTS)
			return cfg_perr(p, "more than %d ports", CFG_MAX_PORTS);
		pt = &cfg->port[cfg->nports++];
		memset(pt, 0, sizeof(*pt));
		strcpy(pt->name, argv[1]);
		pt->tap_addresses = true;
		pt->line = p->line;
	} else
		pt = &cfg->port[idx];
	if ((argc - 2) % 2 != 0)
		return cfg_perr(p, "port %s: keys and values must come in pairs",
		    pt->name);
	for (i = 2; i < argc; i += 2) {
		for (k = 0; k < sizeof(port_keys) / sizeof(port_keys[0]); k++)
			if (strcmp(argv[i], port_keys[k].name) == 0)
				break;
		if (k == sizeof(port_keys) / sizeof(port_keys[0]))
			return cfg_perr(p, "port %s: unknown key '%s'", pt->name,
			    argv[i]);
		if ((rc = port_keys[k].fn(p, pt, argv[i + 1])) != 0)
			return rc;
	}
	return 0;
}

void
cfg_port_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof(port_keys) / sizeof(port_keys[0]); i++)
		fprintf(f, "  %s %s\n      %s\n", port_keys[i].name,
		    port_keys[i].usage, port_keys[i].help);
}
