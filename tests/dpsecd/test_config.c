/*
 * Unit tests of the dpsecd config parser: a complete good file, defaults,
 * and one bad input per error path, each checked for "file:line: problem".
 * No EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"

static const char good[] =
"# two ports, one site\n"
"workers 2\n"
"idle sleep 20 2000 100   # backoff\n"
"mbufs 4096\n"
"mbuf-cache 128\n"
"rx-desc 512\n"
"tx-desc 1024\n"
"route-max 64\n"
"route-table rib\n"
"neighbor-max 128\n"
"exception-ring 256\n"
"arp-retry-ms 200\n"
"arp-retries 5\n"
"control-socket /run/dpsec/pf.sock owner root:dpsec mode 0660\n"
"\n"
"port lan device net_af_packet0,iface=veth-a role protected\n"
"port lan address 10.0.1.1/24 address fd00:1::1/64\n"
"port lan mtu 1400 rx-queues 2 tx-queues 3 tap dps-lan mac 02:00:00:00:00:01\n"
"port wan device 0000:03:00.0 role unprotected address 192.0.2.1/24\n"
"port wan promiscuous on tap-addresses off rx-desc 128 tx-desc 64 mbufs 8192\n"
"route 10.0.2.0/24 via 192.0.2.2 dev wan\n"
"route default via 192.0.2.254 dev wan\n"
"route fd00:2::/64 dev wan\n"
"route default6 via fe80::1 dev wan\n"
"neighbor 192.0.2.2 02:00:00:00:00:aa dev wan\n"
"neighbor fd00:1::5 02:00:00:00:00:bb dev lan\n";

static void
test_good(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN] = "";
	char b[64];

	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "good.conf", good, err,
	    sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.idle, CFG_IDLE_SLEEP);
	assert_int_equal(c.idle_min_us, 20);
	assert_int_equal(c.idle_max_us, 2000);
	assert_int_equal(c.idle_polls, 100);
	assert_int_equal(c.mbufs, 4096);
	assert_int_equal(c.mbuf_cache, 128);
	assert_int_equal(c.rx_desc, 512);
	assert_int_equal(c.tx_desc, 1024);
	assert_int_equal(c.route_max, 64);
	assert_int_equal(c.route_table, CFG_RT_RIB);
	assert_int_equal(c.neighbor_max, 128);
	assert_int_equal(c.exception_ring, 256);
	assert_int_equal(c.arp_retry_ms, 200);
	assert_int_equal(c.arp_retries, 5);
	assert_string_equal(c.ctrl.socket_path, "/run/dpsec/pf.sock");
	assert_string_equal(c.ctrl.socket_owner, "root:dpsec");
	assert_int_equal(c.ctrl.socket_mode, 0660);

	assert_int_equal(c.nports, 2);
	assert_string_equal(c.port[0].name, "lan");
	assert_string_equal(c.port[0].device, "net_af_packet0,iface=veth-a");
	assert_int_equal(c.port[0].role, CFG_ROLE_PROTECTED);
	assert_int_equal(c.port[0].naddr, 2);
	assert_string_equal(config_fmt_addr(&c.port[0].addr[0], true, b,
	    sizeof(b)), "10.0.1.1/24");
	assert_string_equal(config_fmt_addr(&c.port[0].addr[1], true, b,
	    sizeof(b)), "fd00:1::1/64");
	assert_int_equal(c.port[0].mtu, 1400);
	assert_int_equal(c.port[0].rx_queues, 2);
	assert_int_equal(c.port[0].tx_queues, 3);
	assert_string_equal(c.port[0].tap, "dps-lan");
	assert_true(c.port[0].tap_addresses);
	assert_true(c.port[0].has_mac);
	assert_int_equal(c.port[0].mac[5], 1);
	assert_int_equal(c.port[0].line, 16);
	assert_string_equal(c.port[1].device, "0000:03:00.0");
	assert_int_equal(c.port[1].role, CFG_ROLE_UNPROTECTED);
	assert_true(c.port[1].promiscuous);
	assert_false(c.port[1].tap_addresses);
	assert_int_equal(c.port[1].rx_desc, 128);
	assert_int_equal(c.port[1].tx_desc, 64);
	assert_int_equal(c.port[1].mbufs, 8192);

	assert_int_equal(c.nroutes, 4);
	assert_string_equal(config_fmt_addr(&c.route[0].prefix, true, b,
	    sizeof(b)), "10.0.2.0/24");
	assert_string_equal(config_fmt_addr(&c.route[0].via, false, b,
	    sizeof(b)), "192.0.2.2");
	assert_string_equal(c.route[0].port, "wan");
	assert_int_equal(c.route[0].line, 21);
	assert_int_equal(c.route[1].prefix.plen, 0);
	assert_int_equal(c.route[1].prefix.family, AF_INET);
	assert_int_equal(c.route[2].via.family, 0);
	assert_int_equal(c.route[3].prefix.family, AF_INET6);
	assert_int_equal(c.route[3].prefix.plen, 0);

	assert_int_equal(c.nneighbors, 2);
	assert_int_equal(c.neighbor[0].mac[5], 0xaa);
	assert_string_equal(c.neighbor[1].port, "lan");
	assert_int_equal(config_port_index(&c, "wan"), 1);
	assert_int_equal(config_port_index(&c, "nope"), -1);
	config_free(&c);
	config_free(&c);	/* idempotent */
}

static void
test_defaults(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];

	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "min.conf",
	    "port p device net_null0 role protected\n", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 0);
	assert_int_equal(c.idle, CFG_IDLE_SLEEP);
	assert_int_equal(c.mbufs, 0);
	assert_int_equal(c.route_table, CFG_RT_AUTO);
	assert_int_equal(c.rx_desc, 256);
	assert_int_equal(c.arp_retries, 3);
	assert_string_equal(c.ctrl.socket_path, "/run/dpsec/pfkey.sock");
	assert_int_equal(c.port[0].naddr, 0);
	assert_true(c.port[0].tap_addresses);
	config_free(&c);
}

static void
test_workers_idle(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];

	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "w.conf",
	    "workers lcores 1-2,4\nidle busy-poll\n"
	    "port p device net_null0 role unprotected\n", err, sizeof(err)), 0);
	assert_true(c.worker_lcores_set);
	assert_int_equal(c.worker_lcores[0], (1 << 1) | (1 << 2) | (1 << 4));
	assert_int_equal(c.idle, CFG_IDLE_BUSY);
	config_free(&c);

	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "w.conf",
	    "workers all\nidle sleep\nport p device x role protected\n", err,
	    sizeof(err)), 0);
	assert_int_equal(c.workers, 0);
	assert_false(c.worker_lcores_set);
	assert_int_equal(c.idle_min_us, 10);
	config_free(&c);
}

struct bad_case {
	const char	*text;
	const char	*err;	/* expected message, exactly */
};

#define P "port p device net_null0 role protected\n"

static const struct bad_case bad[] = {
	{ "bogus 1\n", "bad.conf:1: unknown directive 'bogus'" },
	{ "\n# c\nworkers\n", "bad.conf:3: usage: workers N | all | lcores LIST" },
	{ "workers 0\n", "bad.conf:1: workers: 0 out of range 1..256" },
	{ "workers x\n", "bad.conf:1: workers: 'x' is not a number" },
	{ "workers -1\n", "bad.conf:1: workers: '-1' is not a number" },
	{ "workers lcores 3-1\n", "bad.conf:1: lcore: 1 out of range 3..1023" },
	{ "workers many things\n",
	  "bad.conf:1: usage: workers N | workers all | workers lcores LIST" },
	{ "idle maybe\n",
	  "bad.conf:1: idle: expected busy-poll or sleep, got 'maybe'" },
	{ "idle busy-poll 3\n", "bad.conf:1: idle busy-poll takes no arguments" },
	{ "idle sleep 100 10\n",
	  "bad.conf:1: idle sleep max-us: 10 out of range 100..1000000" },
	{ "mbufs 10\n", "bad.conf:1: mbufs: 10 out of range 256..16777216" },
	{ "mbuf-cache 1000\n", "bad.conf:1: mbuf-cache: 1000 out of range 0..512" },
	{ "route-table fast\n",
	  "bad.conf:1: route-table: expected auto, dir24 or rib, got 'fast'" },
	{ "port\n", "bad.conf:1: usage: port NAME KEY VALUE [KEY VALUE ...]" },
	{ "port p/q device x\n",
	  "bad.conf:1: bad port name 'p/q' (1-31 of [A-Za-z0-9_])" },
	{ "port lan-1 device x\n",
	  "bad.conf:1: bad port name 'lan-1' (1-31 of [A-Za-z0-9_])" },
	{ "port p device\n", "bad.conf:1: port p: keys and values must come in pairs" },
	{ "port p colour red\n", "bad.conf:1: port p: unknown key 'colour'" },
	{ "port p role both\n",
	  "bad.conf:1: port p: role must be protected or unprotected, got 'both'" },
	{ "port p address 10.0.0.1\n",
	  "bad.conf:1: port p: address '10.0.0.1' needs a prefix length" },
	{ "port p address 10.0.0.300/24\n",
	  "bad.conf:1: port p: bad address '10.0.0.300/24' (want A.B.C.D/LEN or X:Y::Z/LEN)" },
	{ "port p address 10.0.0.1/33\n",
	  "bad.conf:1: port p: bad address '10.0.0.1/33' (want A.B.C.D/LEN or X:Y::Z/LEN)" },
	{ "port p address fd00::1/129\n",
	  "bad.conf:1: port p: bad address 'fd00::1/129' (want A.B.C.D/LEN or X:Y::Z/LEN)" },
	{ "port p mtu 100\n", "bad.conf:1: mtu: 100 out of range 576..9600" },
	{ "port p mac 01:00:00:00:00:01\n",
	  "bad.conf:1: port p: MAC 01:00:00:00:00:01 is multicast" },
	{ "port p mac 02:00:00:00:00\n",
	  "bad.conf:1: port p: bad MAC '02:00:00:00:00' (want xx:xx:xx:xx:xx:xx)" },
	{ "port p tap this-name-is-too-long\n",
	  "bad.conf:1: port p: bad tap interface name 'this-name-is-too-long' (1-15 of [A-Za-z0-9._-])" },
	{ "port p promiscuous maybe\n",
	  "bad.conf:1: promiscuous: expected on or off, got 'maybe'" },
	{ "port p rx-queues 0\n", "bad.conf:1: rx-queues: 0 out of range 1..64" },
	{ P "route 10.0.0.0/8\n",
	  "bad.conf:2: usage: route PREFIX|default|default6 [via ADDR] dev PORT" },
	{ P "route 10.0.0.1/8 dev p\n",
	  "bad.conf:2: route: 10.0.0.1/8 has host bits set beyond /8" },
	{ P "route 10.0.0.0/8 via fd00::1 dev p\n",
	  "bad.conf:2: route: next hop fd00::1 is not of the prefix's family" },
	{ P "route 10.0.0.0/8 via 1.2.3.4 port p\n",
	  "bad.conf:2: route: unknown key 'port' (want via, dev)" },
	{ P "route 10.0.0.0/8 via 1.2.3.4 dev q\n",
	  "bad.conf:2: route: unknown port 'q'" },
	{ P "route 10.0.0.0/8 dev p\nroute 10.0.0.0/8 via 10.1.1.1 dev p\n",
	  "bad.conf:3: route: 10.0.0.0/8 already defined at line 2" },
	{ P "route nonsense dev p\n", "bad.conf:2: route: bad prefix 'nonsense'" },
	{ P "neighbor 10.0.0.2 02:00:00:00:00:01 port p\n",
	  "bad.conf:2: neighbor: expected 'dev PORT' after the MAC" },
	{ P "neighbor 10.0.0.2/24 02:00:00:00:00:01 dev p\n",
	  "bad.conf:2: neighbor: bad address '10.0.0.2/24'" },
	{ P "neighbor 10.0.0.2 zz:00:00:00:00:01 dev p\n",
	  "bad.conf:2: neighbor: bad MAC 'zz:00:00:00:00:01'" },
	{ P "neighbor 10.0.0.2 02:00:00:00:00:01 dev x\n",
	  "bad.conf:2: neighbor: unknown port 'x'" },
	{ P "neighbor 10.0.0.2 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.2 02:00:00:00:00:02 dev p\n",
	  "bad.conf:3: neighbor: 10.0.0.2 on p already defined at line 2" },
	{ "control-socket relative.sock\n",
	  "bad.conf:1: control-socket: path must be absolute" },
	{ "control-socket /x mode 999\n",
	  "bad.conf:1: control-socket mode: 999 out of range 0..511" },
	{ "control-socket /x group g\n",
	  "bad.conf:1: control-socket: unknown key 'group' (want owner, mode)" },
	{ "", "bad.conf: no port declared (need at least one 'port NAME device DEV role ROLE')" },
	{ "# only a comment\n",
	  "bad.conf: no port declared (need at least one 'port NAME device DEV role ROLE')" },
	{ "\nport p role protected\n", "bad.conf:2: port p: no device" },
	{ "port p device x\n",
	  "bad.conf:1: port p: no role (protected or unprotected)" },
	{ P "port q device net_null0 role protected\n",
	  "bad.conf:2: port q: device already used by port p" },
	{ "port p device a role protected tap t1\n"
	  "port q device b role protected tap t1\n",
	  "bad.conf:2: port q: tap t1 already used by port p" },
	{ "port p device a role protected address 10.0.0.1/24\n"
	  "port q device b role protected address 10.0.0.1/16\n",
	  "bad.conf:2: port q: address 10.0.0.1 already on port p" },
	{ "port p device a role protected address fd00::1/64 address fd00::1/48\n",
	  "bad.conf:1: port p: address fd00::1 already on port p" },
	{ "neighbor-max 16\n" P
	  "neighbor 10.0.0.1 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.2 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.3 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.4 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.5 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.6 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.7 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.8 02:00:00:00:00:01 dev p\n"
	  "neighbor 10.0.0.9 02:00:00:00:00:01 dev p\n",
	  "bad.conf: 9 static neighbors need neighbor-max >= 18" },
};

/* Control socket peers and limits (docs/config.md, docs/ctrl.md). */
static void
test_ctrl_directives(void **state)
{
	static const struct { const char *text, *err; } bad_ctrl[] = {
		{ "control-allow user 5\n",
		  "c.conf:1: control-allow: want uid or gid, not 'user'" },
		{ "control-allow uid x\n",
		  "c.conf:1: control-allow id: 'x' is not a number" },
		{ "control-allow gid 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
		  "control-allow gid 16 17\n",
		  "c.conf:2: control-allow: more than 16 gids" },
		{ "control-clients 0\n",
		  "c.conf:1: control-clients: 0 out of range 1..4096" },
	};
	struct dpsec_config c;
	char err[CFG_ERR_LEN];
	unsigned int i;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.ctrl.n_allow_uid, 0);
	assert_int_equal(c.ctrl.n_allow_gid, 0);
	assert_int_equal(c.ctrl.max_clients, 64);
	assert_int_equal(c.ctrl.client_queue, 1u << 20);
	assert_int_equal(config_parse_string(&c, "c.conf",
	    "control-allow uid 1000 1001\ncontrol-allow gid 50\n"
	    "control-allow uid 7\ncontrol-clients 8\ncontrol-queue 65536\n"
	    "port p device net_null0 role protected\n", err, sizeof(err)), 0);
	assert_int_equal(c.ctrl.n_allow_uid, 3);
	assert_int_equal(c.ctrl.allow_uid[0], 1000);
	assert_int_equal(c.ctrl.allow_uid[2], 7);
	assert_int_equal(c.ctrl.n_allow_gid, 1);
	assert_int_equal(c.ctrl.allow_gid[0], 50);
	assert_int_equal(c.ctrl.max_clients, 8);
	assert_int_equal(c.ctrl.client_queue, 65536);
	config_free(&c);
	for (i = 0; i < sizeof(bad_ctrl) / sizeof(bad_ctrl[0]); i++) {
		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_parse_string(&c, "c.conf",
		    bad_ctrl[i].text, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_ctrl[i].err);
		config_free(&c);
	}
}

/* Issue 8's directives (docs/mtu.md): defaults, values, errors. */
static void
test_mtu_directives(void **state)
{
	static const struct { const char *text, *err; } bad_mtu[] = {
		{ "esp-fragment sideways\n",
		  "m.conf:1: esp-fragment: expected pre or post, got 'sideways'" },
		{ "pmtu-timeout 1\n",
		  "m.conf:1: pmtu-timeout: 1 out of range 5..86400" },
		{ "reassembly-entries 8\n",
		  "m.conf:1: reassembly-entries: 8 out of range 16..1048576" },
		{ "icmp-rate 10 0\n",
		  "m.conf:1: icmp-rate burst: 0 out of range 1..1000000" },
	};
	struct dpsec_config c;
	char err[CFG_ERR_LEN];
	unsigned int i;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.mtu.esp_fragment, CFG_ESP_FRAG_PRE);
	assert_int_equal(c.mtu.pmtu_timeout, 600);
	assert_int_equal(c.mtu.icmp_rate, 100);
	assert_int_equal(c.mtu.icmp_burst, 10);
	assert_int_equal(c.mtu.reasm_entries, 1024);
	assert_int_equal(c.mtu.reasm_timeout_ms, 2000);
	assert_int_equal(config_parse_string(&c, "m.conf",
	    "esp-fragment post\npmtu-timeout 30\nicmp-rate 5 2\n"
	    "reassembly-entries 64\nreassembly-timeout-ms 500\n"
	    "port p device net_null0 role protected mtu 9000\n", err,
	    sizeof(err)), 0);
	assert_int_equal(c.mtu.esp_fragment, CFG_ESP_FRAG_POST);
	assert_int_equal(c.mtu.pmtu_timeout, 30);
	assert_int_equal(c.mtu.icmp_rate, 5);
	assert_int_equal(c.mtu.icmp_burst, 2);
	assert_int_equal(c.mtu.reasm_entries, 64);
	assert_int_equal(c.mtu.reasm_timeout_ms, 500);
	assert_int_equal(c.port[0].mtu, 9000);
	config_free(&c);
	for (i = 0; i < sizeof(bad_mtu) / sizeof(bad_mtu[0]); i++) {
		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_parse_string(&c, "m.conf",
		    bad_mtu[i].text, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_mtu[i].err);
		config_free(&c);
	}
}

/* outbound-seq and handoff-ring (docs/datapath.md "Several workers"). */
static void
test_seq_directives(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.ipsec.outbound_seq, CFG_SEQ_OWNER);
	assert_int_equal(c.ipsec.handoff_ring, 0);	/* 0: 2048 */
	assert_int_equal(config_parse_string(&c, "s.conf",
	    "outbound-seq atomic\nhandoff-ring 4096\n"
	    "port p device net_null0 role protected\n", err, sizeof(err)), 0);
	assert_int_equal(c.ipsec.outbound_seq, CFG_SEQ_ATOMIC);
	assert_int_equal(c.ipsec.handoff_ring, 4096);
	assert_int_equal(config_parse_string(&c, "s.conf",
	    "outbound-seq owner\nport p device net_null0 role protected\n",
	    err, sizeof(err)), 0);
	assert_int_equal(c.ipsec.outbound_seq, CFG_SEQ_OWNER);
	config_free(&c);
	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "s.conf",
	    "outbound-seq random\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
	    "s.conf:1: outbound-seq: expected owner or atomic, got 'random'");
	config_free(&c);
	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "s.conf",
	    "handoff-ring 8\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
	    "s.conf:1: handoff-ring: 8 out of range 64..1048576");
	config_free(&c);
}

/* crypto-icv-verify (docs/crypto.md): default, both values, an error. */
static void
test_icv_verify(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN] = "";

	(void)state;
	config_defaults(&c);
	assert_false(c.ipsec.icv_pmd_verify);
	assert_int_equal(config_parse_string(&c, "i.conf",
	    "crypto-icv-verify pmd\n"
	    "port p device net_null0 role protected\n", err, sizeof(err)), 0);
	assert_true(c.ipsec.icv_pmd_verify);
	config_free(&c);
	config_defaults(&c);
	c.ipsec.icv_pmd_verify = true;
	assert_int_equal(config_parse_string(&c, "i.conf",
	    "crypto-icv-verify constant-time\n"
	    "port p device net_null0 role protected\n", err, sizeof(err)), 0);
	assert_false(c.ipsec.icv_pmd_verify);
	config_free(&c);
	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "i.conf",
	    "crypto-icv-verify memcmp\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "i.conf:1: crypto-icv-verify: expected "
	    "constant-time or pmd, got 'memcmp'");
	config_free(&c);
}

static void
test_bad(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dpsec_config c;
		char err[CFG_ERR_LEN] = "";
		int rc;

		config_defaults(&c);
		rc = config_parse_string(&c, "bad.conf", bad[i].text, err,
		    sizeof(err));
		if (rc != -EINVAL || strcmp(err, bad[i].err) != 0)
			fail_msg("case %u: rc %d, got \"%s\", want \"%s\"", i, rc,
			    err, bad[i].err);
		config_free(&c);
	}
}

static void
test_long_line(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];
	char *text = malloc(10000);

	assert_non_null(text);
	memset(text, 'a', 9998);
	text[9998] = '\n';
	text[9999] = '\0';
	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "long.conf", text, err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "long.conf:1: line longer than 4094 bytes");
	config_free(&c);
	free(text);
}

static void
test_too_many_words(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];
	char text[512] = "port p";
	int i;

	for (i = 0; i < 70; i++)
		strcat(text, " x");
	strcat(text, "\n");
	config_defaults(&c);
	assert_int_equal(config_parse_string(&c, "w.conf", text, err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "w.conf:1: more than 64 words");
	config_free(&c);
}

static void
test_file(void **state)
{
	struct dpsec_config c;
	char err[CFG_ERR_LEN];
	char path[] = "/tmp/dpsec-test-config-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, P "workers x\n", strlen(P) + 10),
	    (ssize_t)(strlen(P) + 10));
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: workers: 'x' is not a number"));
	assert_memory_equal(err, path, strlen(path));
	config_free(&c);
	unlink(path);

	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/dpsec.conf", err,
	    sizeof(err)), -ENOENT);
	assert_string_equal(err,
	    "/nonexistent/dpsec.conf: No such file or directory");
	config_free(&c);
}

static void
test_addr(void **state)
{
	struct cfg_addr a;
	char b[64];

	assert_int_equal(config_parse_addr("192.0.2.1", &a, false), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.plen, 32);
	assert_int_equal(config_parse_addr("192.0.2.0/24", &a, false), -EINVAL);
	assert_int_equal(config_parse_addr("192.0.2.0/24", &a, true), 0);
	assert_int_equal(a.plen, 24);
	assert_int_equal(config_parse_addr("2001:db8::/32", &a, true), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_string_equal(config_fmt_addr(&a, true, b, sizeof(b)),
	    "2001:db8::/32");
	assert_int_equal(config_parse_addr("2001:db8::/", &a, true), -EINVAL);
	assert_int_equal(config_parse_addr("2001:db8::/x", &a, true), -EINVAL);
	assert_int_equal(config_parse_addr("", &a, true), -EINVAL);
	assert_int_equal(config_parse_addr("host.example", &a, true), -EINVAL);
}

static void
test_usage(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_usage(f);
	fclose(f);
	/* Every directive and port key is documented. */
	assert_non_null(strstr(buf, "  port NAME"));
	assert_non_null(strstr(buf, "  route PREFIX"));
	assert_non_null(strstr(buf, "  neighbor ADDR"));
	assert_non_null(strstr(buf, "  idle busy-poll"));
	assert_non_null(strstr(buf, "  control-socket PATH"));
	assert_non_null(strstr(buf, "  tap IFNAME"));
	assert_non_null(strstr(buf, "  role protected|unprotected"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_workers_idle),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_mtu_directives),
		cmocka_unit_test(test_ctrl_directives),
		cmocka_unit_test(test_seq_directives),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_icv_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
