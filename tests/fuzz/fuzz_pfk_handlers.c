/*
 * libFuzzer target for the PF_KEY handlers (src/ctrl pfk_handlers.c,
 * pfk_sa.c, pfk_spd.c, pfk_conv.c) on a real SADB and SPD (src/sadb,
 * src/spd), driven in-process through ctrl_apply() -- the same parse and
 * dispatch as a socket client's request, with the first reply captured.
 *
 * Input: a sequence of PF_KEY messages, each taking sadb_msg_len * 8
 * bytes (the rest of the input when that is 0 or too long), at most 16
 * per run, applied in order: so ADD then GET then DELETE, GETSPI then
 * UPDATE, SPDADD then SPDDELETE2 and so on reach the handlers' state
 * checks.  Before each run the databases are flushed (SADB_FLUSH and
 * SPDFLUSH through the handlers, then RCU reclamation), so every input
 * starts from empty databases and memory stays bounded (max_sa 256,
 * max_policies 256).
 *
 * Checks beyond the sanitizers: ctrl_apply() returns 0 or -errno, a
 * captured reply is a well-formed PF_KEY message (pfk_parse_reply()) of
 * the request's type, and no reply carries a key extension.
 * Seed corpus: corpus/fuzz_pfk_handlers/ (tests/fuzz/gen_seeds.py from
 * the fuzz_pfk_parse messages).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ctrl.h"
#include "pfk.h"
#include "sad.h"
#include "spd.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_rcu_qsbr *qsbr;
static struct sad *sad;
static struct spd *spd;
static struct ctrl *ctrl;
static char sock_path[108];
static uint64_t reply[PFK_MSG_MAX / 8];

static void reset(void);

/*
 * At exit, empty the databases: the last run's SAs are referenced only
 * from the SAD's rte_hash, in DPDK memory LeakSanitizer does not scan, so
 * they were reported as leaks when -max_total_time ended the run.
 */
static void
cleanup(void)
{
	reset();
	unlink(sock_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sad_params sp;
	struct spd_params pp;
	struct ctrl_params cp;
	size_t sz;

	fuzz_eal_init();
	sz = rte_rcu_qsbr_get_memsize(1);
	qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0)
		abort();
	memset(&sp, 0, sizeof(sp));
	sp.qsbr = qsbr;
	sp.max_sa = 256;
	sp.socket_id = SOCKET_ID_ANY;
	sad = sad_create(&sp);
	memset(&pp, 0, sizeof(pp));
	pp.name = "fuzzspd";
	pp.socket_id = SOCKET_ID_ANY;
	pp.qsbr = qsbr;
	pp.max_policies = 256;
	spd = spd_create(&pp);
	if (sad == NULL || spd == NULL)
		abort();
	memset(&cp, 0, sizeof(cp));
	snprintf(sock_path, sizeof(sock_path), "/tmp/dpsec-fuzz-%d.sock",
	    (int)getpid());
	cp.path = sock_path;
	ctrl = ctrl_create(&cp, sad, spd, NULL);
	if (ctrl == NULL)
		abort();
	atexit(cleanup);
	return 0;
}

static void
apply(const void *msg, size_t len)
{
	const struct sadb_msg *req = msg, *h = (const void *)reply;
	static struct pfk_msg m;
	int rc;

	memset(reply, 0, sizeof(struct sadb_msg));
	rc = ctrl_apply(ctrl, msg, len, reply, sizeof(reply));
	if (rc > 0 || rc < -4095)
		abort();
	if (h->sadb_msg_version == 0)
		return;		/* no reply (runt, failed ACQUIRE) */
	if (h->sadb_msg_type == PFK_X_DPSEC_SYNC)
		return;		/* dpsec's own marker, not a PF_KEY reply */
	if (pfk_parse_reply(reply, (size_t)h->sadb_msg_len * 8, &m) != 0 ||
	    (len >= sizeof(*req) && h->sadb_msg_type != req->sadb_msg_type))
		abort();
	if (m.ext[SADB_EXT_KEY_AUTH] != NULL ||
	    m.ext[SADB_EXT_KEY_ENCRYPT] != NULL)
		abort();	/* keys never leave dpsecd */
}

static void
reset(void)
{
	struct timespec ts;
	struct sadb_msg h;

	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_len = 2;
	h.sadb_msg_type = SADB_FLUSH;
	h.sadb_msg_satype = SADB_SATYPE_UNSPEC;
	(void)ctrl_apply(ctrl, &h, sizeof(h), reply, sizeof(reply));
	h.sadb_msg_type = SADB_X_SPDFLUSH;
	(void)ctrl_apply(ctrl, &h, sizeof(h), reply, sizeof(reply));
	sad_reclaim(sad);
	/* coalesced: rebuilds the classifiers at most as often as dpsecd */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)spd_tick(spd, (uint64_t)ts.tv_sec * 1000000000u +
	    (uint64_t)ts.tv_nsec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t buf[PFK_MSG_MAX / 8 + 1];
	unsigned int n = 0;
	size_t off = 0, len;

	reset();
	while (off < size && n++ < 16) {
		len = size - off;
		if (len >= sizeof(struct sadb_msg)) {
			uint16_t w;
			size_t l;

			memcpy(&w, data + off +
			    offsetof(struct sadb_msg, sadb_msg_len), 2);
			l = (size_t)w * 8;
			if (l != 0 && l <= len)
				len = l;
		}
		if (len > sizeof(buf))
			len = sizeof(buf);
		/* the server copies a request into its own aligned buffer */
		memcpy(buf, data + off, len);
		apply(buf, len);
		off += len;
	}
	return 0;
}
