/*
 * Port set-up: resolve the config's device string to an ethdev (probing
 * vdevs and hot-plugged devices), size its pool from the config, spread
 * queues over workers, enable RSS where the device offers it, and open the
 * exception-path tap with the port's MAC and addresses.
 *
 * tx queues: one per worker plus one for the control thread when the
 * device has that many; otherwise lcores share queues under a spinlock
 * (vdevs such as net_pcap often have a single queue).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "exc.h"
#include "nl.h"
#include "port.h"

#define TAP_DESC	256

static int
perr(const struct dpsec_config *cfg, const struct cfg_port *cp, char *err,
    size_t errlen, int rc, const char *what)
{
	snprintf(err, errlen, "%s:%u: port %s: %s: %s", cfg->file, cp->line,
	    cp->name, what, rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

/* ethdev for a device string: "name[,args]" of a vdev or a bus device. */
static int
find_or_probe(const char *device, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	const char *comma = strchr(device, ',');
	size_t len = comma != NULL ? (size_t)(comma - device) : strlen(device);
	int rc;

	if (len >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, device, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	rc = rte_dev_probe(device);
	if (rc < 0)
		return rc;
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return -ENODEV;
	return 0;
}

static void
fill_addrs(struct dp_port *p, const struct cfg_port *cp)
{
	unsigned int i;
	uint8_t *ll;

	for (i = 0; i < cp->naddr; i++) {
		const struct cfg_addr *a = &cp->addr[i];

		if (a->family == AF_INET) {
			p->v4[p->n4] = a->u.v4.s_addr;
			p->v4plen[p->n4++] = a->plen;
		} else {
			memcpy(p->v6[p->n6], a->u.bytes, 16);
			p->v6plen[p->n6++] = a->plen;
		}
	}
	/* fe80::/64 + modified EUI-64 of the MAC, as the kernel gives the tap. */
	ll = p->v6[p->n6];
	memset(ll, 0, 16);
	ll[0] = 0xfe;
	ll[1] = 0x80;
	ll[8] = p->mac.addr_bytes[0] ^ 0x02;
	ll[9] = p->mac.addr_bytes[1];
	ll[10] = p->mac.addr_bytes[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	ll[13] = p->mac.addr_bytes[3];
	ll[14] = p->mac.addr_bytes[4];
	ll[15] = p->mac.addr_bytes[5];
	p->v6plen[p->n6++] = 64;
}

static int
open_tap(struct dp_app *app, struct dp_port *p, const struct cfg_port *cp,
    char *err, size_t errlen)
{
	const struct dpsec_config *cfg = app->cfg;
	struct rte_eth_conf conf;
	char args[128], name[32], mac[RTE_ETHER_ADDR_FMT_SIZE];
	int rc;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	snprintf(name, sizeof(name), "net_tap_dps%u", p->idx);
	snprintf(args, sizeof(args), "%s,iface=%s,mac=%s", name, cp->tap, mac);
	if ((rc = rte_dev_probe(args)) < 0)
		return perr(cfg, cp, err, errlen, rc, "cannot create tap");
	if (rte_eth_dev_get_port_by_name(name, &p->tap_id) != 0)
		return perr(cfg, cp, err, errlen, ENODEV, "tap has no ethdev");
	p->has_tap = true;
	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_configure(p->tap_id, 1, 1, &conf)) < 0)
		return perr(cfg, cp, err, errlen, rc, "tap configure");
	if ((rc = rte_eth_rx_queue_setup(p->tap_id, 0, TAP_DESC,
	    rte_eth_dev_socket_id(p->tap_id), NULL, p->pool)) < 0)
		return perr(cfg, cp, err, errlen, rc, "tap rx queue");
	if ((rc = rte_eth_tx_queue_setup(p->tap_id, 0, TAP_DESC,
	    rte_eth_dev_socket_id(p->tap_id), NULL)) < 0)
		return perr(cfg, cp, err, errlen, rc, "tap tx queue");
	if ((rc = rte_eth_dev_start(p->tap_id)) < 0)
		return perr(cfg, cp, err, errlen, rc, "tap start");
	if (rte_eth_dev_set_mtu(p->tap_id, p->mtu) < 0)
		RTE_LOG(WARNING, USER1, "port %s: cannot set tap MTU %u\n",
		    p->name, p->mtu);
	if (cp->tap_addresses &&
	    (rc = nl_tap_setup(cp->tap, cp->addr, cp->naddr, p->mtu)) < 0)
		return perr(cfg, cp, err, errlen, rc, "tap addresses");
	return 0;
}

static int
open_port(struct dp_app *app, unsigned int idx, char *err, size_t errlen)
{
	const struct dpsec_config *cfg = app->cfg;
	const struct cfg_port *cp = &cfg->port[idx];
	struct dp_port *p = &app->port[idx];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_ether_addr mac;
	char pname[RTE_MEMPOOL_NAMESIZE];
	uint16_t nrxq, ntxq, rxd, txd, q, mtu;
	unsigned int slots, nlcores, i;
	uint32_t nmbufs, cache, room;
	uint16_t use[DP_MAX_TXQ];
	int rc, socket;

	memset(p, 0, sizeof(*p));
	p->idx = (uint16_t)idx;
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	p->role = cp->role;
	if ((rc = find_or_probe(cp->device, &p->port_id)) < 0)
		return perr(cfg, cp, err, errlen, rc, "cannot find or probe "
		    "device");
	if (app->port_of_ethdev[p->port_id] != DP_PORT_NONE) {
		snprintf(err, errlen, "%s:%u: port %s: device is already port "
		    "%s", cfg->file, cp->line, cp->name,
		    app->port[app->port_of_ethdev[p->port_id]].name);
		return -EEXIST;
	}
	app->port_of_ethdev[p->port_id] = p->idx;
	if ((rc = rte_eth_dev_info_get(p->port_id, &info)) != 0)
		return perr(cfg, cp, err, errlen, rc, "device info");

	nrxq = cp->rx_queues ? cp->rx_queues : (uint16_t)app->nworkers;
	if (nrxq > info.max_rx_queues)
		nrxq = info.max_rx_queues;
	if (nrxq == 0)
		nrxq = 1;
	memset(&conf, 0, sizeof(conf));
	if (nrxq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
		    RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;

		if (hf == 0) {
			RTE_LOG(WARNING, USER1, "port %s: no RSS, using one rx "
			    "queue\n", p->name);
			nrxq = 1;
		} else {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			p->rss = true;
		}
	}
	slots = app->nworkers + 1;
	ntxq = cp->tx_queues ? cp->tx_queues : (uint16_t)slots;
	if (ntxq > info.max_tx_queues)
		ntxq = info.max_tx_queues;
	if (ntxq > DP_MAX_TXQ)
		ntxq = DP_MAX_TXQ;
	if (ntxq == 0)
		ntxq = 1;
	p->nb_rxq = nrxq;
	p->nb_txq = ntxq;
	rxd = cp->rx_desc ? cp->rx_desc : cfg->rx_desc;
	txd = cp->tx_desc ? cp->tx_desc : cfg->tx_desc;
	if ((rc = rte_eth_dev_configure(p->port_id, nrxq, ntxq, &conf)) < 0)
		return perr(cfg, cp, err, errlen, rc, "configure");
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd)) < 0)
		return perr(cfg, cp, err, errlen, rc, "descriptor counts");

	/* Pool: rx rings, tx rings, lcore caches, bursts in flight, tap. */
	socket = rte_eth_dev_socket_id(p->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	nlcores = app->nworkers + 1;
	cache = cfg->mbuf_cache;
	nmbufs = cp->mbufs ? cp->mbufs : cfg->mbufs;
	if (nmbufs == 0)
		nmbufs = nrxq * rxd + ntxq * txd + nlcores * (cache + cache / 2 +
		    DP_BURST * (cfg->nports + 2)) + (cp->tap[0] ? 2 * TAP_DESC : 0) +
		    512;
	if (cache > nmbufs / 8)
		cache = nmbufs / 8;
	if (cache > RTE_MEMPOOL_CACHE_MAX_SIZE)
		cache = RTE_MEMPOOL_CACHE_MAX_SIZE;
	snprintf(pname, sizeof(pname), "dp_pool%u", idx);
	/*
	 * Jumbo frames (docs/mtu.md): one frame of the port's MTU in one
	 * mbuf, with room for ESP to grow it (outer header, IV, padding,
	 * ICV: < 128 bytes) and for reassembled ESP datagrams.
	 */
	room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (cp->mtu != 0 && (uint32_t)RTE_PKTMBUF_HEADROOM + cp->mtu +
	    RTE_ETHER_HDR_LEN + 256 > room)
		room = RTE_PKTMBUF_HEADROOM + cp->mtu + RTE_ETHER_HDR_LEN + 256;
	p->pool = rte_pktmbuf_pool_create(pname, nmbufs, cache, DP_META_SIZE,
	    (uint16_t)room, socket);
	if (p->pool == NULL)
		return perr(cfg, cp, err, errlen, rte_errno, "mbuf pool (raise "
		    "-m or lower mbufs)");

	for (q = 0; q < nrxq; q++)
		if ((rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, socket, NULL,
		    p->pool)) < 0)
			return perr(cfg, cp, err, errlen, rc, "rx queue setup");
	for (q = 0; q < ntxq; q++)
		if ((rc = rte_eth_tx_queue_setup(p->port_id, q, txd, socket,
		    NULL)) < 0)
			return perr(cfg, cp, err, errlen, rc, "tx queue setup");
	/* Which lcore slots share each tx queue (slot s uses s % ntxq). */
	memset(use, 0, sizeof(use));
	for (i = 0; i < slots; i++)
		use[i % ntxq]++;
	for (q = 0; q < ntxq; q++) {
		rte_spinlock_init(&p->txq[q].lock);
		p->txq[q].shared = use[q] > 1;
	}

	if (cp->mtu != 0) {
		/*
		 * dpsecd enforces the IP MTU itself; devices that cannot
		 * change their frame size (net_pcap) keep theirs.
		 */
		rc = rte_eth_dev_set_mtu(p->port_id, cp->mtu);
		if (rc == -ENOTSUP)
			RTE_LOG(NOTICE, USER1, "port %s: device keeps its MTU, "
			    "dpsecd enforces %u\n", p->name, cp->mtu);
		else if (rc < 0)
			return perr(cfg, cp, err, errlen, rc, "set mtu");
		p->mtu = cp->mtu;
	} else if (rte_eth_dev_get_mtu(p->port_id, &mtu) == 0 && mtu >= 576)
		p->mtu = mtu;
	else
		p->mtu = RTE_ETHER_MTU;
	if (cp->has_mac) {
		memcpy(mac.addr_bytes, cp->mac, 6);
		if ((rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac)) < 0)
			return perr(cfg, cp, err, errlen, rc, "set mac");
	}
	if ((rc = rte_eth_dev_start(p->port_id)) < 0)
		return perr(cfg, cp, err, errlen, rc, "start");
	p->started = true;
	if (cp->promiscuous && (rc = rte_eth_promiscuous_enable(p->port_id)) < 0)
		return perr(cfg, cp, err, errlen, rc, "promiscuous");
	if ((rc = rte_eth_macaddr_get(p->port_id, &p->mac)) < 0)
		return perr(cfg, cp, err, errlen, rc, "read mac");
	fill_addrs(p, cp);
	if (cp->tap[0] != '\0' && (rc = open_tap(app, p, cp, err, errlen)) < 0)
		return rc;
	return 0;
}

int
ports_open(struct dp_app *app, char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		app->port_of_ethdev[i] = DP_PORT_NONE;
	for (i = 0; i < app->cfg->nports; i++) {
		app->nports = i + 1;
		if ((rc = open_port(app, i, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

static void
close_dev(uint16_t id, bool started)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (!rte_eth_dev_is_valid_port(id))
		return;
	if (rte_eth_dev_info_get(id, &info) == 0)
		dev = info.device;
	if (rte_eth_dev_get_name_by_port(id, name) != 0)
		name[0] = '\0';
	if (started)
		rte_eth_dev_stop(id);
	rte_eth_dev_close(id);
	/* Remove vdevs we probed so their memory goes too. */
	if (dev != NULL && strcmp(rte_bus_name(rte_dev_bus(dev)), "vdev") == 0)
		rte_dev_remove(dev);
}

void
ports_close(struct dp_app *app)
{
	unsigned int i;

	for (i = 0; i < app->nports; i++) {
		struct dp_port *p = &app->port[i];

		if (p->has_tap) {
			close_dev(p->tap_id, true);
			p->has_tap = false;
		}
		if (p->pool != NULL || p->started) {
			close_dev(p->port_id, p->started);
			p->started = false;
		}
		rte_mempool_free(p->pool);
		p->pool = NULL;
	}
	app->nports = 0;
}
