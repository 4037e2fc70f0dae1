/*
 * bench_ctrl: the PF_KEY control socket through the real socket.
 *   - SA installs per second: ADD, and GETSPI+UPDATE pairs (what an IKE
 *     daemon does per child SA), one request at a time, reply awaited;
 *   - dump rate (entries/s) of N SAs and of the policies to a fast reader;
 *   - memory per client during a dump: with 16 clients each holding a
 *     dump open without reading, the bytes queued in dpsecd (ctrl_stats),
 *     the per-client state and the snapshot's size.
 * Usage: bench_ctrl [N_SA (default 200000)] [N_POL (default 20000)]
 * Prints the machine and conditions with the figures.  Never a test.
 */
#include "ctrl_priv.h"
#include <sys/utsname.h>

#include "pfk_client.h"

static struct srv S;
static uint64_t rbuf[32768 / 8 + 1];
static const struct sadb_msg *rh = (const struct sadb_msg *)rbuf;

static void
commit(struct srv *s)
{
	spd_commit(s->spd);
	sad_reclaim(s->sad);
	spd_reclaim(s->spd);
}

static struct ctrl_stats cst;

static void
stats(struct srv *s)
{
	ctrl_stats(s->ctrl, &cst);
}

static double
now_s(void)
{
	return (double)srv_now_ns() / 1e9;
}

static void
machine(void)
{
	struct utsname u;
	char line[256], model[256] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	FILE *q = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	int qlen = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0) {
			snprintf(model, sizeof(model), "%s",
			    strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f != NULL)
		fclose(f);
	if (q != NULL) {
		if (fscanf(q, "%d", &qlen) != 1)
			qlen = 0;
		fclose(q);
	}
	uname(&u);
	printf("machine: %s %s, %ld cpus, %s\n", u.sysname, u.release,
	    sysconf(_SC_NPROCESSORS_ONLN), model);
	printf("conditions: server and client threads in one process, "
	    "Unix SOCK_SEQPACKET, net.unix.max_dgram_qlen=%d, "
	    "build %s\n", qlen,
#ifdef __OPTIMIZE__
	    "optimized"
#else
	    "unoptimized"
#endif
	    );
}

static void
roundtrip(int fd, const struct tmsg *t)
{
	if (cli_send(fd, t) != 0 || cli_recv(fd, rbuf, sizeof(rbuf), 5000) <
	    16 || rh->sadb_msg_errno != 0) {
		fprintf(stderr, "bench_ctrl: request failed (errno %u)\n",
		    rh->sadb_msg_errno);
		exit(1);
	}
}

static uint32_t
dump_all(int fd, uint8_t type)
{
	struct tmsg t;
	uint32_t n = 0;

	tmsg_init(&t, type, 0, 1);
	if (cli_send(fd, &t) != 0)
		exit(1);
	for (;;) {
		if (cli_recv(fd, rbuf, sizeof(rbuf), 5000) < 16 ||
		    rh->sadb_msg_errno != 0)
			exit(1);
		n++;
		if (rh->sadb_msg_seq == 0)
			return n;
	}
}

int
main(int argc, char **argv)
{
	uint32_t nsa = argc > 1 ? (uint32_t)atoi(argv[1]) : 200000;
	uint32_t npol = argc > 2 ? (uint32_t)atoi(argv[2]) : 20000;
	uint32_t i, n, nadd = nsa / 2, npair = nsa - nadd;
	struct tmsg t;
	int fd, cl[16], k;
	double t0, t1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	machine();
	if (srv_create(&S, nsa + 1024, NULL) != 0 || S.sad == NULL) {
		fprintf(stderr, "bench_ctrl: setup failed\n");
		return 1;
	}
	srv_start(&S);
	fd = cli_open(S.path);

	t0 = now_s();
	/* one peer pair per SA: sadb chains SAs of identical endpoints */
	for (i = 0; i < nadd; i++) {
		char d[32];

		snprintf(d, sizeof(d), "10.%u.%u.%u", 128 + (i >> 16),
		    (i >> 8) & 255, i & 255);
		tmsg_add_gcm(&t, SADB_ADD, i + 1, "192.0.2.1", d,
		    0x100000 + i);
		roundtrip(fd, &t);
	}
	t1 = now_s();
	printf("ADD (AES-GCM-128, tunnel): %u SAs in %.2f s = %.0f "
	    "installs/s\n", nadd, t1 - t0, nadd / (t1 - t0));

	t0 = now_s();
	for (i = 0; i < npair; i++) {
		const struct sadb_sa *sa;
		char s[32];

		snprintf(s, sizeof(s), "10.%u.%u.%u", 160 + (i >> 16),
		    (i >> 8) & 255, i & 255);
		tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 1000000 + i);
		tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
		tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, s, 32, 0, 255);
		tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "192.0.2.1", 32, 0, 255);
		roundtrip(fd, &t);
		sa = (const struct sadb_sa *)(rbuf + 2);
		tmsg_add_gcm(&t, SADB_UPDATE, 1000000 + i, s, "192.0.2.1",
		    ntohl(sa->sadb_sa_spi));
		roundtrip(fd, &t);
	}
	t1 = now_s();
	printf("GETSPI+UPDATE: %u SAs in %.2f s = %.0f installs/s\n", npair,
	    t1 - t0, npair / (t1 - t0));

	for (i = 0; i < npol; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%u.%u.0", 64 + i / 256, i % 256);
		tmsg_spdadd4(&t, SADB_X_SPDADD, i + 1, s, 24, "10.0.0.0", 24,
		    IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		roundtrip(fd, &t);
	}

	t0 = now_s();
	n = dump_all(fd, SADB_DUMP);
	t1 = now_s();
	printf("SADB_DUMP: %u entries in %.2f s = %.0f entries/s\n", n,
	    t1 - t0, n / (t1 - t0));
	t0 = now_s();
	n = dump_all(fd, SADB_X_SPDDUMP);
	t1 = now_s();
	printf("X_SPDDUMP: %u entries in %.2f s = %.0f entries/s\n", n,
	    t1 - t0, n / (t1 - t0));

	/* memory per client with a dump open and a reader that stopped:
	 * measured queue bytes (ctrl_stats) plus the fixed per-client and
	 * per-dump state; the snapshot is sadb's cursor (no copy) or one
	 * pointer per policy (spd).  Heap totals (mallinfo) are not used:
	 * spd's coalesced classifier rebuilds run in the same window. */
	srv_call(&S, commit, NULL);
	for (k = 0; k < 16; k++) {
		cl[k] = cli_open(S.path);
		tmsg_init(&t, k % 2 ? SADB_X_SPDDUMP : SADB_DUMP, 0, 1);
		if (cli_send(cl[k], &t) != 0 ||
		    cli_recv(cl[k], rbuf, sizeof(rbuf), 5000) < 16)
			return 1;
	}
	usleep(500000);
	srv_call(&S, stats, NULL);
	printf("memory per client during a dump (16 stalled readers, 8 SADB_DUMP "
	    "+ 8 X_SPDDUMP, %u dumps active): %.0f bytes queued in dpsecd "
	    "+ %zu bytes client and dump state; snapshot: SADB_DUMP O(1) "
	    "(sadb cursor), X_SPDDUMP 8 bytes x %u policies = %u bytes; "
	    "the kernel holds at most net.unix.max_dgram_qlen records\n",
	    cst.dumps_active, (double)cst.queued_bytes / 16,
	    ctrl_client_state_bytes(), npol, npol * 8);
	for (k = 0; k < 16; k++)
		close(cl[k]);
	close(fd);
	srv_destroy(&S);
	return 0;
}
