/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the SPD tests: EAL, qsbr, selectors and keys. */
#ifndef DPSEC_SPD_TEST_UTIL_H
#define DPSEC_SPD_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "spd.h"

static inline uint64_t
spd_mono_ns_for_tests(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * EAL for tests: no hugepages, no PCI, 256 MB.  DPDK 22.11 refuses
 * --in-memory with --no-huge ("--legacy-mem is not compatible with
 * --in-memory"), so --no-shconf and a per-process --file-prefix keep
 * tests that run side by side apart.
 */
static inline int
tu_eal_init(void)
{
	char prefix[48];
	char *argv[] = { "test", "--no-huge", "--no-pci", "-m", "256",
	    "--no-shconf", "--file-prefix", prefix, "-l", "0",
	    "--log-level", "lib.eal,error", NULL };

	snprintf(prefix, sizeof(prefix), "spdtest%d", (int)getpid());
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

static inline struct rte_rcu_qsbr *
tu_qsbr(unsigned int nreaders)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nreaders);
	struct rte_rcu_qsbr *v = rte_zmalloc("tq", sz, RTE_CACHE_LINE_SIZE);

	if (v != NULL)
		rte_rcu_qsbr_init(v, nreaders);
	return v;
}

/* "10.1.2.0/24" or "2001:db8::/32" into addr + plen; returns af. */
static inline int
tu_prefix(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char buf[96], *slash;
	int af;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, addr) != 1)
		abort();
	*plen = slash != NULL ? (uint8_t)atoi(slash) :
	    (af == AF_INET ? 32 : 128);
	return af;
}

static inline void
tu_sel(struct spd_selector *sel, const char *src, const char *dst,
    uint8_t proto)
{
	memset(sel, 0, sizeof(*sel));
	sel->af = (uint8_t)tu_prefix(src, sel->src, &sel->src_plen);
	tu_prefix(dst, sel->dst, &sel->dst_plen);
	sel->proto = proto;
	sel->sport_lo = 0;
	sel->sport_hi = 65535;
	sel->dport_lo = 0;
	sel->dport_hi = 65535;
}

static inline void
tu_conf(struct spd_policy_conf *c, enum spd_dir dir, const char *src,
    const char *dst, uint8_t proto, uint32_t prio, enum spd_action act)
{
	memset(c, 0, sizeof(*c));
	c->dir = dir;
	tu_sel(&c->sel, src, dst, proto);
	c->priority = prio;
	c->action = act;
	if (act == SPD_ACT_PROTECT) {
		c->ntmpl = 1;
		c->tmpl[0].proto = IPPROTO_ESP;
		c->tmpl[0].mode = SPD_MODE_TRANSPORT;
		c->tmpl[0].level = SPD_LEVEL_REQUIRE;
	}
}

static inline void
tu_key(struct spd_key *k, const char *src, const char *dst, uint8_t proto,
    uint16_t sport, uint16_t dport)
{
	uint8_t plen;

	memset(k, 0, sizeof(*k));
	k->af = (uint8_t)tu_prefix(src, k->src, &plen);
	tu_prefix(dst, k->dst, &plen);
	k->proto = proto;
	k->sport = htons(sport);
	k->dport = htons(dport);
}

#endif
