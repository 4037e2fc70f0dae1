/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the SPD: matching (prefixes of every length, v4 and v6,
 * protocols, port ranges, ICMP), precedence, default action, the store
 * (EEXIST, ENOENT, ids, update keeping the id, snapshots), immediate
 * delete/update before a rebuild, lifetimes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "spd_test_util.h"
#include "spd_priv.h"

static struct rte_rcu_qsbr *qsbr;
static struct spd *spd;

static int
group_setup(void **state)
{
	qsbr = tu_qsbr(1);
	return qsbr == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	rte_free(qsbr);
	rte_eal_cleanup();
	return 0;
}

static int
setup(void **state)
{
	static unsigned int n;
	struct spd_params prm = { .qsbr = qsbr, .socket_id = -1 };
	char name[32];

	snprintf(name, sizeof(name), "t%u", n++);
	prm.name = name;
	spd = spd_create(&prm);
	return spd == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	spd_free(spd);
	spd = NULL;
	return 0;
}

static const struct spd_policy *
cls1(enum spd_dir dir, const char *src, const char *dst, uint8_t proto,
    uint16_t sp, uint16_t dp)
{
	struct spd_key k;

	tu_key(&k, src, dst, proto, sp, dp);
	return spd_classify(spd, dir, &k);
}

static const struct spd_policy *
add(enum spd_dir dir, const char *src, const char *dst, uint8_t proto,
    uint32_t prio, enum spd_action act)
{
	struct spd_policy_conf c;
	const struct spd_policy *p = NULL;

	tu_conf(&c, dir, src, dst, proto, prio, act);
	assert_int_equal(spd_add(spd, &c, &p), 0);
	assert_non_null(p);
	return p;
}

/* Flip bit b (0 = MSB) of an address. */
static void
flip(uint8_t *a, unsigned int b)
{
	a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

static void
prefix_lengths(int v6)
{
	unsigned int alen = v6 ? 128 : 32, plen;
	const char *base = v6 ? "2001:db8:1234:5678:9abc:def0:1357:2468" :
	    "10.20.30.40";
	const char *any = v6 ? "::/0" : "0.0.0.0/0";

	for (plen = 0; plen <= alen; plen++) {
		struct spd_policy_conf c;
		const struct spd_policy *p;
		struct spd_key k;
		char pfx[80];

		snprintf(pfx, sizeof(pfx), "%s/%u", base, plen);
		/* Source prefix, then destination prefix. */
		for (int side = 0; side < 2; side++) {
			tu_conf(&c, SPD_DIR_OUT, side ? any : pfx,
			    side ? pfx : any, SPD_PROTO_ANY, 100,
			    SPD_ACT_DISCARD);
			assert_int_equal(spd_add(spd, &c, &p), 0);
			assert_int_equal(spd_commit(spd), 0);
			tu_key(&k, base, base, 6, 1, 2);
			assert_ptr_equal(spd_classify(spd, SPD_DIR_OUT, &k),
			    p);
			if (plen > 0) {
				/* Last bit inside the prefix: no match. */
				flip(side ? k.dst : k.src, plen - 1);
				assert_null(spd_classify(spd, SPD_DIR_OUT, &k));
				flip(side ? k.dst : k.src, plen - 1);
			}
			if (plen < alen) {
				/* First bit outside: still a match. */
				flip(side ? k.dst : k.src, plen);
				assert_ptr_equal(spd_classify(spd, SPD_DIR_OUT,
				    &k), p);
			}
			/* Other directions and the other family: nothing. */
			tu_key(&k, base, base, 6, 1, 2);
			assert_null(spd_classify(spd, SPD_DIR_IN, &k));
			assert_int_equal(spd_flush(spd), 1);
		}
	}
}

static void
test_prefix_v4(void **state)
{
	prefix_lengths(0);
}

static void
test_prefix_v6(void **state)
{
	prefix_lengths(1);
}

static void
test_proto_ports(void **state)
{
	struct spd_policy_conf c;
	const struct spd_policy *tcp, *any, *udp53;

	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", 6, 10,
	    SPD_ACT_PROTECT);
	c.sel.dport_lo = 1000;
	c.sel.dport_hi = 2000;
	c.sel.sport_lo = 5;
	c.sel.sport_hi = 5;
	assert_int_equal(spd_add(spd, &c, &tcp), 0);
	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", 17, 10,
	    SPD_ACT_BYPASS);
	c.sel.dport_lo = c.sel.dport_hi = 53;
	assert_int_equal(spd_add(spd, &c, &udp53), 0);
	any = add(SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 20,
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_commit(spd), 0);

	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 5, 1000),
	    tcp);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 5, 2000),
	    tcp);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 5, 1500),
	    tcp);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 5, 999),
	    any);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 5, 2001),
	    any);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 6, 1500),
	    any);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 17, 9, 53),
	    udp53);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 17, 9, 54),
	    any);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 47, 0, 0),
	    any);
	assert_null(cls1(SPD_DIR_OUT, "11.1.1.1", "1.1.1.1", 6, 5, 1500));
	assert_int_equal(tcp->action, SPD_ACT_PROTECT);
	assert_int_equal(tcp->ntmpl, 1);
}

static void
test_icmp(void **state)
{
	struct spd_policy_conf c;
	const struct spd_policy *echo, *unreach_frag, *icmp6_pkt_too_big;

	/* ICMP: type in the source port field, code in the destination. */
	tu_conf(&c, SPD_DIR_IN, "0.0.0.0/0", "192.0.2.0/24", IPPROTO_ICMP, 5,
	    SPD_ACT_BYPASS);
	c.sel.sport_lo = c.sel.sport_hi = 8;	/* echo request, any code */
	assert_int_equal(spd_add(spd, &c, &echo), 0);
	c.sel.sport_lo = c.sel.sport_hi = 3;	/* unreachable */
	c.sel.dport_lo = c.sel.dport_hi = 4;	/* fragmentation needed */
	assert_int_equal(spd_add(spd, &c, &unreach_frag), 0);
	tu_conf(&c, SPD_DIR_IN, "::/0", "2001:db8::/32", IPPROTO_ICMPV6, 5,
	    SPD_ACT_BYPASS);
	c.sel.sport_lo = c.sel.sport_hi = 2;	/* packet too big */
	assert_int_equal(spd_add(spd, &c, &icmp6_pkt_too_big), 0);
	assert_int_equal(spd_commit(spd), 0);

	assert_ptr_equal(cls1(SPD_DIR_IN, "1.2.3.4", "192.0.2.1", 1, 8, 0),
	    echo);
	assert_null(cls1(SPD_DIR_IN, "1.2.3.4", "192.0.2.1", 1, 0, 0));
	assert_ptr_equal(cls1(SPD_DIR_IN, "1.2.3.4", "192.0.2.1", 1, 3, 4),
	    unreach_frag);
	assert_null(cls1(SPD_DIR_IN, "1.2.3.4", "192.0.2.1", 1, 3, 1));
	assert_null(cls1(SPD_DIR_IN, "1.2.3.4", "192.0.2.1", 6, 8, 0));
	assert_ptr_equal(cls1(SPD_DIR_IN, "2001::1", "2001:db8::1", 58, 2, 0),
	    icmp6_pkt_too_big);
	assert_null(cls1(SPD_DIR_IN, "2001::1", "2001:db8::1", 58, 1, 0));
}

static void
test_precedence(void **state)
{
	const struct spd_policy *wide, *narrow, *late_same, *first_same, *p;
	struct spd_policy_conf c;

	/* Lower priority value wins, whatever the specificity. */
	wide = add(SPD_DIR_OUT, "0.0.0.0/0", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_DISCARD);
	narrow = add(SPD_DIR_OUT, "10.0.0.1/32", "10.0.0.2/32", 6, 20,
	    SPD_ACT_PROTECT);
	assert_int_equal(spd_commit(spd), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.1", "10.0.0.2", 6, 1, 1),
	    wide);
	assert_int_equal(spd_delete_by_id(spd, wide->id), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.1", "10.0.0.2", 6, 1, 1),
	    narrow);

	/* Equal priority: insertion order. */
	first_same = add(SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0",
	    SPD_PROTO_ANY, 20, SPD_ACT_BYPASS);
	late_same = add(SPD_DIR_OUT, "10.0.0.0/16", "0.0.0.0/0",
	    SPD_PROTO_ANY, 20, SPD_ACT_DISCARD);
	assert_int_equal(spd_commit(spd), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.1", "10.0.0.2", 6, 1, 1),
	    narrow);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.9", "10.0.0.2", 6, 1, 1),
	    first_same);
	(void)late_same;

	/* An update re-inserts at the end of its priority class (KAME
	 * key_spdadd / Linux xfrm_policy_insert), keeping the id. */
	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 20,
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_update(spd, &c, &p), 0);
	assert_int_equal(p->id, first_same->id);
	assert_int_equal(spd_commit(spd), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.9", "10.0.0.2", 6, 1, 1),
	    late_same);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.0.9", "10.0.0.2", 6, 1, 1),
	    p);

	/* Priority 0 beats 0x80000000 and 0xffffffff. */
	add(SPD_DIR_OUT, "0.0.0.0/0", "0.0.0.0/0", 6, 0xffffffffu,
	    SPD_ACT_DISCARD);
	p = add(SPD_DIR_OUT, "0.0.0.0/1", "0.0.0.0/0", 6, 0,
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_commit(spd), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.0.0.1", "10.0.0.2", 6, 1, 1),
	    p);
}

static void
test_default_and_mixed_burst(void **state)
{
	struct spd_key k[4];
	const struct spd_policy *out[4], *p4, *p6;

	assert_int_equal(spd_default_action(spd, SPD_DIR_IN), SPD_ACT_BYPASS);
	assert_int_equal(spd_set_default(spd, SPD_DIR_IN, SPD_ACT_DISCARD), 0);
	assert_int_equal(spd_default_action(spd, SPD_DIR_IN),
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_default_action(spd, SPD_DIR_OUT),
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_set_default(spd, SPD_DIR_IN, SPD_ACT_PROTECT),
	    -EINVAL);

	p4 = add(SPD_DIR_FWD, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 1,
	    SPD_ACT_BYPASS);
	p6 = add(SPD_DIR_FWD, "fd00::/8", "::/0", SPD_PROTO_ANY, 1,
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_commit(spd), 0);
	tu_key(&k[0], "fd00::1", "::1", 6, 1, 1);
	tu_key(&k[1], "10.9.9.9", "1.1.1.1", 6, 1, 1);
	tu_key(&k[2], "fe00::1", "::1", 6, 1, 1);
	tu_key(&k[3], "10.9.9.9", "1.1.1.1", 6, 1, 1);
	k[3].af = 99;
	assert_int_equal(spd_classify_bulk(spd, SPD_DIR_FWD, k, 4, out), 2);
	assert_ptr_equal(out[0], p6);
	assert_ptr_equal(out[1], p4);
	assert_null(out[2]);
	assert_null(out[3]);
	assert_int_equal(spd_classify_bulk(spd, SPD_DIR_OUT, k, 4, out), 0);
}

static void
test_store(void **state)
{
	struct spd_policy_conf c;
	const struct spd_policy *p, *q, *r;
	struct spd_selector s;
	struct spd_snapshot *snap;
	uint32_t id;
	static const uint8_t blob[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	tu_conf(&c, SPD_DIR_IN, "10.0.0.0/8", "10.1.0.0/16", 6, 7,
	    SPD_ACT_DISCARD);
	c.blob = blob;
	c.blob_len = sizeof(blob);
	assert_int_equal(spd_add(spd, &c, &p), 0);
	assert_int_equal(p->id % 8, SPD_DIR_IN);
	assert_memory_equal(p->blob, blob, sizeof(blob));
	assert_int_equal(p->blob_len, sizeof(blob));
	/* Same selector with other host bits: the same policy. */
	tu_conf(&c, SPD_DIR_IN, "10.9.9.9/8", "10.1.7.7/16", 6, 99,
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_add(spd, &c, NULL), -EEXIST);
	/* Same selector, other direction: fine; ids follow dir. */
	c.dir = SPD_DIR_OUT;
	assert_int_equal(spd_add(spd, &c, &q), 0);
	assert_int_equal(q->id % 8, SPD_DIR_OUT);
	c.dir = SPD_DIR_FWD;
	c.id = 8 * 1000 + SPD_DIR_FWD;		/* requested id honoured */
	assert_int_equal(spd_add(spd, &c, &r), 0);
	assert_int_equal(r->id, 8 * 1000 + SPD_DIR_FWD);
	assert_int_equal(spd_count(spd), 3);
	assert_ptr_equal(spd_get_by_id(spd, p->id), p);
	assert_null(spd_get_by_id(spd, 12345678));
	tu_sel(&s, "10.0.0.0/8", "10.1.0.0/16", 6);
	assert_ptr_equal(spd_find(spd, SPD_DIR_IN, &s), p);

	/* Snapshot survives delete and flush. */
	snap = spd_snapshot_create(spd, -1);
	assert_non_null(snap);
	assert_int_equal(spd_snapshot_count(snap), 3);
	assert_ptr_equal(spd_snapshot_get(snap, 0), p);

	/* Update keeps the id; update of a missing selector adds. */
	id = p->id;
	tu_conf(&c, SPD_DIR_IN, "10.0.0.0/8", "10.1.0.0/16", 6, 7,
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_update(spd, &c, &q), 0);
	assert_int_equal(q->id, id);
	assert_int_equal(q->action, SPD_ACT_BYPASS);
	assert_int_equal(spd_count(spd), 3);
	tu_conf(&c, SPD_DIR_IN, "10.0.0.0/9", "10.1.0.0/16", 6, 7,
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_update(spd, &c, &r), 0);
	assert_int_not_equal(r->id, id);
	assert_int_equal(spd_count(spd), 4);

	/* Delete by selector and id; ENOENT after. */
	assert_int_equal(spd_delete_by_selector(spd, SPD_DIR_IN, &s), 0);
	assert_int_equal(spd_delete_by_selector(spd, SPD_DIR_IN, &s), -ENOENT);
	assert_int_equal(spd_delete_by_id(spd, id), -ENOENT);
	assert_int_equal(spd_delete_by_id(spd, r->id), 0);
	assert_int_equal(spd_count(spd), 2);
	assert_int_equal(spd_flush(spd), 2);
	assert_int_equal(spd_count(spd), 0);
	assert_null(spd_snapshot_create(spd, 7));
	spd_reclaim(spd);
	/* The snapshot's entries are still readable (ASan checks). */
	assert_memory_equal(spd_snapshot_get(snap, 0)->blob, blob,
	    sizeof(blob));
	spd_snapshot_free(snap);
	snap = spd_snapshot_create(spd, -1);
	assert_int_equal(spd_snapshot_count(snap), 0);
	spd_snapshot_free(snap);
}

static void
test_invalid(void **state)
{
	struct spd_policy_conf c;

	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", 6, 1,
	    SPD_ACT_PROTECT);
	c.ntmpl = 0;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.ntmpl = SPD_TMPL_MAX + 1;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.ntmpl = 1;
	c.tmpl[0].proto = 51;
	assert_int_equal(spd_add(spd, &c, NULL), -EPROTONOSUPPORT);
	c.tmpl[0].proto = IPPROTO_ESP;
	c.tmpl[0].mode = SPD_MODE_TUNNEL;	/* tunnel without endpoints */
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.tmpl[0].af = AF_INET;
	assert_int_equal(spd_add(spd, &c, NULL), 0);
	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", 6, 1,
	    SPD_ACT_DISCARD);
	c.sel.src_plen = 33;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.sel.src_plen = 8;
	c.sel.sport_lo = 10;
	c.sel.sport_hi = 9;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.sel.sport_hi = 10;
	c.dir = SPD_DIR_MAX;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	c.dir = SPD_DIR_OUT;
	c.sel.af = 0;
	assert_int_equal(spd_add(spd, &c, NULL), -EINVAL);
	assert_int_equal(spd_count(spd), 1);
}

/* Deletes and updates take effect before any rebuild. */
static void
test_immediate(void **state)
{
	const struct spd_policy *wide, *narrow, *p;
	struct spd_policy_conf c;
	struct spd_selector s;

	wide = add(SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_PROTECT);
	narrow = add(SPD_DIR_OUT, "10.1.0.0/16", "0.0.0.0/0", SPD_PROTO_ANY,
	    5, SPD_ACT_DISCARD);
	/* Nothing published before the commit (coalescing). */
	assert_true(spd_pending(spd));
	assert_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));
	assert_int_equal(spd_commit(spd), 0);
	assert_false(spd_pending(spd));
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1),
	    narrow);

	/* Update without commit: readers see the new object at once. */
	tu_conf(&c, SPD_DIR_OUT, "10.1.0.0/16", "0.0.0.0/0", SPD_PROTO_ANY, 5,
	    SPD_ACT_BYPASS);
	assert_int_equal(spd_update(spd, &c, &p), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1), p);
	assert_int_equal(p->id, narrow->id);
	/* Twice. */
	assert_int_equal(spd_update(spd, &c, &p), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1), p);

	/* Delete without commit: falls to the next match, then default. */
	tu_sel(&s, "10.1.0.0/16", "0.0.0.0/0", SPD_PROTO_ANY);
	assert_int_equal(spd_delete_by_selector(spd, SPD_DIR_OUT, &s), 0);
	assert_ptr_equal(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1),
	    wide);
	assert_int_equal(spd_delete_by_id(spd, wide->id), 0);
	assert_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));
	assert_int_equal(spd_count(spd), 0);
	assert_int_equal(spd_commit(spd), 0);
	assert_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));

	/* Flush without commit. */
	add(SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_PROTECT);
	assert_int_equal(spd_commit(spd), 0);
	assert_non_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));
	add(SPD_DIR_OUT, "10.0.0.0/9", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_PROTECT);
	assert_int_equal(spd_flush(spd), 2);
	assert_false(spd_pending(spd));
	assert_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));
	spd_reclaim(spd);
}

static int expired_soft, expired_hard;

static void
on_expire(struct spd *s, const struct spd_policy *p, int hard, void *arg)
{
	if (hard)
		expired_hard++;
	else
		expired_soft++;
}

static void
test_lifetimes(void **state)
{
	struct spd_params prm = { .qsbr = qsbr, .name = "lft",
	    .expire = on_expire };
	struct spd_policy_conf c;
	struct spd *s;
	uint64_t now;

	s = spd_create(&prm);
	assert_non_null(s);
	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_DISCARD);
	c.lft.soft_add = 10;
	c.lft.hard_add = 20;
	assert_int_equal(spd_add(s, &c, NULL), 0);
	now = spd_mono_ns_for_tests();
	spd_tick(s, now);
	assert_int_equal(expired_soft + expired_hard, 0);
	spd_tick(s, now + 11000000000ull);
	assert_int_equal(expired_soft, 1);
	spd_tick(s, now + 15000000000ull);
	assert_int_equal(expired_soft, 1);
	assert_int_equal(spd_count(s), 1);
	spd_tick(s, now + 21000000000ull);
	assert_int_equal(expired_hard, 1);
	assert_int_equal(spd_count(s), 0);
	spd_free(s);
}

/* Coalescing: a tick right after a change does not rebuild, a tick after
 * the quiet time does. */
static void
test_coalescing(void **state)
{
	uint64_t now;

	add(SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_DISCARD);
	now = spd_mono_ns_for_tests();
	assert_int_equal(spd_tick(spd, now), 0);
	assert_true(spd_pending(spd));
	/* The background build starts; published by a later tick. */
	spd_tick(spd, now + 50000000ull);
	for (int i = 0; i < 10000 && spd_pending(spd); i++) {
		usleep(1000);
		spd_tick(spd, spd_mono_ns_for_tests() + 50000000ull);
	}
	assert_false(spd_pending(spd));
	assert_non_null(cls1(SPD_DIR_OUT, "10.1.1.1", "1.1.1.1", 6, 1, 1));
}

static void
test_coalescing_sync(void **state)
{
	struct spd_params prm = { .qsbr = qsbr, .name = "sync",
	    .sync_build = 1 };
	struct spd_policy_conf c;
	struct spd_key k;
	struct spd *s;
	uint64_t now;

	s = spd_create(&prm);
	assert_non_null(s);
	tu_conf(&c, SPD_DIR_OUT, "10.0.0.0/8", "0.0.0.0/0", SPD_PROTO_ANY, 10,
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_add(s, &c, NULL), 0);
	now = spd_mono_ns_for_tests();
	assert_int_equal(spd_tick(s, now), 0);
	assert_true(spd_pending(s));
	assert_int_equal(spd_tick(s, now + 50000000ull), 1);
	assert_false(spd_pending(s));
	tu_key(&k, "10.1.1.1", "1.1.1.1", 6, 1, 1);
	assert_non_null(spd_classify(s, SPD_DIR_OUT, &k));
	spd_free(s);
}


/* Appends fill small tail chunks; an idle tick merges them into one. */
static void
test_chunks_compaction(void **state)
{
	struct spd_params prm = { .qsbr = qsbr, .name = "compact",
	    .chunk_size = 2, .chunk_max = 100, .sync_build = 1 };
	const struct spd_policy *pol[10];
	struct spd_policy_conf c;
	struct spd *s;
	char src[32];
	int i;

	s = spd_create(&prm);
	assert_non_null(s);
	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "10.0.%d.0/24", i);
		tu_conf(&c, SPD_DIR_OUT, src, "0.0.0.0/0", SPD_PROTO_ANY, 5,
		    SPD_ACT_BYPASS);
		assert_int_equal(spd_add(s, &c, &pol[i]), 0);
	}
	/* A catch-all with lower precedence, in the last chunk. */
	tu_conf(&c, SPD_DIR_OUT, "0.0.0.0/0", "0.0.0.0/0", SPD_PROTO_ANY, 9,
	    SPD_ACT_DISCARD);
	assert_int_equal(spd_add(s, &c, NULL), 0);
	assert_int_equal(spd_commit(s), 0);
	assert_int_equal(s->set[SPD_DIR_OUT][SPD_AF_V4]->n, 6);
	for (i = 0; i < 10; i++) {
		struct spd_key k;

		snprintf(src, sizeof(src), "10.0.%d.9", i);
		tu_key(&k, src, "1.1.1.1", 6, 1, 1);
		assert_ptr_equal(spd_classify(s, SPD_DIR_OUT, &k), pol[i]);
	}
	/* Not idle yet: nothing merges. */
	spd_tick(s, spd_mono_ns_for_tests());
	assert_int_equal(s->set[SPD_DIR_OUT][SPD_AF_V4]->n, 6);
	spd_tick(s, spd_mono_ns_for_tests() + 2000000000ull);
	assert_int_equal(s->set[SPD_DIR_OUT][SPD_AF_V4]->n, 1);
	for (i = 0; i < 10; i++) {
		struct spd_key k;

		snprintf(src, sizeof(src), "10.0.%d.9", i);
		tu_key(&k, src, "1.1.1.1", 6, 1, 1);
		assert_ptr_equal(spd_classify(s, SPD_DIR_OUT, &k), pol[i]);
	}
	/* A delete in the merged chunk falls through to the catch-all. */
	assert_int_equal(spd_delete_by_id(s, pol[3]->id), 0);
	{
		struct spd_key k;
		const struct spd_policy *p;

		tu_key(&k, "10.0.3.9", "1.1.1.1", 6, 1, 1);
		p = spd_classify(s, SPD_DIR_OUT, &k);
		assert_non_null(p);
		assert_int_equal(p->action, SPD_ACT_DISCARD);
	}
	spd_free(s);
}

/* ---- randomized model check with tiny chunks ---- */

#define M_MAX 64

struct mpol {
	int live;
	struct spd_policy_conf c;
	uint64_t seq;
	uint32_t id;
};

static uint64_t mrng = 0x9e3779b97f4a7c15ull;

static uint32_t
mr(uint32_t n)
{
	mrng ^= mrng << 13;
	mrng ^= mrng >> 7;
	mrng ^= mrng << 17;
	return (uint32_t)((mrng >> 20) % n);
}

static void
mconf(struct spd_policy_conf *c)
{
	static const uint8_t protos[] = { SPD_PROTO_ANY, 6, 17 };
	char src[32], dst[32];

	snprintf(src, sizeof(src), "10.0.0.%u/%u", mr(16) * 16,
	    28 + mr(5));
	snprintf(dst, sizeof(dst), "10.1.0.0/%u", 24 + mr(9));
	tu_conf(c, SPD_DIR_OUT, src, dst, protos[mr(3)], 1 + mr(3),
	    SPD_ACT_DISCARD);
	if (c->sel.proto != SPD_PROTO_ANY && mr(2)) {
		c->sel.dport_lo = (uint16_t)mr(4);
		c->sel.dport_hi = (uint16_t)(c->sel.dport_lo + mr(3));
	}
}

static int
mmatch(const struct spd_selector *s, const struct spd_key *k)
{
	uint32_t a, b, m;

	if (s->proto != SPD_PROTO_ANY && s->proto != k->proto)
		return 0;
	if (ntohs(k->dport) < s->dport_lo || ntohs(k->dport) > s->dport_hi)
		return 0;
	memcpy(&a, s->src, 4);
	memcpy(&b, k->src, 4);
	m = s->src_plen ? htonl(~0u << (32 - s->src_plen)) : 0;
	if ((a & m) != (b & m))
		return 0;
	memcpy(&a, s->dst, 4);
	memcpy(&b, k->dst, 4);
	m = s->dst_plen ? htonl(~0u << (32 - s->dst_plen)) : 0;
	return (a & m) == (b & m);
}

static const struct mpol *
mref(const struct mpol *m, const struct spd_key *k)
{
	const struct mpol *best = NULL;
	int i;

	for (i = 0; i < M_MAX; i++) {
		if (!m[i].live || !mmatch(&m[i].c.sel, k))
			continue;
		if (best == NULL || m[i].c.priority < best->c.priority ||
		    (m[i].c.priority == best->c.priority &&
		    m[i].seq < best->seq))
			best = &m[i];
	}
	return best;
}

static void
mkey(struct spd_key *k)
{
	char src[32], dst[32];

	snprintf(src, sizeof(src), "10.0.0.%u", mr(256));
	snprintf(dst, sizeof(dst), "10.1.0.%u", mr(256));
	tu_key(k, src, dst, (uint8_t)(mr(2) ? 6 : 17), 1, (uint16_t)mr(7));
}

static void
model_chunks(int async)
{
	struct spd_params prm = { .qsbr = qsbr,
	    .name = async ? "model_async" : "model", .chunk_size = 3,
	    .chunk_max = 8,
	    .sync_build = (uint8_t)!async };
	static struct mpol m[M_MAX];
	uint64_t seq = 0;
	struct spd *s;
	int step, i, j;

	memset(m, 0, sizeof(m));
	if (getenv("SPD_MODEL_SEED") != NULL)	/* fixed unless asked */
		mrng = strtoull(getenv("SPD_MODEL_SEED"), NULL, 0) | 1;
	s = spd_create(&prm);
	assert_non_null(s);
	for (step = 0; step < 3000; step++) {
		int op = (int)mr(10), slot = (int)mr(M_MAX);
		const struct spd_policy *p;
		struct spd_policy_conf c;
		int rc;

		if (op < 5) {			/* add or update */
			mconf(&c);
			rc = (op == 4 ? spd_update : spd_add)(s, &c, &p);
			for (j = 0; j < M_MAX; j++)
				if (m[j].live && m[j].c.dir == c.dir &&
				    spd_find(s, c.dir, &m[j].c.sel) ==
				    spd_find(s, c.dir, &c.sel) &&
				    spd_find(s, c.dir, &c.sel) != NULL)
					break;
			if (rc == -EEXIST) {
				assert_true(j < M_MAX);
				continue;
			}
			assert_int_equal(rc, 0);
			if (j < M_MAX) {	/* replaced */
				assert_int_equal(p->id, m[j].id);
				m[j].live = 0;
			} else {
				for (j = 0; j < M_MAX && m[j].live; j++)
					;
				if (j == M_MAX) {
					spd_delete_by_id(s, p->id);
					continue;
				}
			}
			m[j].live = 1;
			m[j].c = c;
			m[j].seq = ++seq;
			m[j].id = p->id;
		} else if (op < 8) {		/* delete */
			if (!m[slot].live)
				continue;
			if (op == 5)
				rc = spd_delete_by_id(s, m[slot].id);
			else
				rc = spd_delete_by_selector(s, SPD_DIR_OUT,
				    &m[slot].c.sel);
			assert_int_equal(rc, 0);
			m[slot].live = 0;
		} else if (op == 8) {
			if (async)	/* publish / start background builds */
				spd_tick(s, spd_mono_ns_for_tests() +
				    1000000000ull);
			else
				assert_int_equal(spd_commit(s), 0);
		} else if (async && mr(2) == 0) {
			/* Idle for the SPD's clock: compaction starts. */
			assert_int_equal(spd_commit(s), 0);
			spd_tick(s, spd_mono_ns_for_tests() + 2000000000ull);
		} else if (mr(20) == 0) {
			spd_flush(s);
			for (j = 0; j < M_MAX; j++)
				m[j].live = 0;
		}
		/* Between commits: never a removed policy; a result is a
		 * live policy whose selector matches.  After a commit: the
		 * exact reference answer. */
		for (i = 0; i < 8; i++) {
			struct spd_key k;
			const struct mpol *ref;

			mkey(&k);
			p = spd_classify(s, SPD_DIR_OUT, &k);
			ref = mref(m, &k);
			if (!spd_pending(s)) {
				if (ref == NULL)
					assert_null(p);
				else {
					assert_non_null(p);
					assert_int_equal(p->id, ref->id);
				}
			}
			if (p != NULL) {
				assert_ptr_equal(spd_get_by_id(s, p->id), p);
				assert_true(mmatch(&p->sel, &k));
			}
		}
		spd_reclaim(s);
	}
	spd_free(s);
}

static void
test_model_chunks(void **state)
{
	model_chunks(0);
}

/* The same with builds in the background thread: deletes and updates
 * land while builds run. */
static void
test_model_chunks_async(void **state)
{
	model_chunks(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prefix_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proto_ports, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_default_and_mixed_burst,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_immediate, setup,
		    teardown),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test_setup_teardown(test_coalescing, setup,
		    teardown),
		cmocka_unit_test(test_coalescing_sync),
		cmocka_unit_test(test_chunks_compaction),
		cmocka_unit_test(test_model_chunks),
		cmocka_unit_test(test_model_chunks_async),
	};

	if (tu_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
