/*
 * dpsecctl: setkey(8)-compatible operator tool for dpsecd's PF_KEY socket.
 *
 *   dpsecctl [-s SOCKET] -c            commands from stdin
 *   dpsecctl [-s SOCKET] -f FILE       commands from FILE
 *   dpsecctl [-s SOCKET] -D | -DP      dump SAD | SPD
 *   dpsecctl [-s SOCKET] -F | -FP      flush SAD | SPD
 *   dpsecctl [-s SOCKET] -x            watch every message (X_PROMISC)
 * The socket is -s, else $DPSEC_PFKEY_SOCKET, else dpsecd's default.
 * Command syntax and listing format follow setkey's (pfk_setkey.c); errors
 * name file:line.  Exit status: 0 if every command succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctrl.h"
#include "pfk.h"
#include "pfk_setkey.h"

static int sock = -1;
static const char *src_name = "-";
static int nerrors;
static uint64_t rbuf[PFK_MSG_MAX / 8 + 1];
static struct pfk_msg pm;

static const char *
alg_name(int auth, uint8_t id)
{
	const struct pfk_alg *a = auth ? pfk_alg_auth(id) : pfk_alg_enc(id);
	static char buf[16];

	if (a != NULL)
		return a->name;
	if (auth && id == SADB_AALG_NONE)
		return "none";
	snprintf(buf, sizeof(buf), "alg%u", id);
	return buf;
}

static const char *
addr_str(const void *ext, int with_port_plen, char *buf, size_t len)
{
	const struct sadb_address *a = ext;
	const struct sockaddr *sa = pfk_addr_sa(ext);
	char ip[INET6_ADDRSTRLEN];
	unsigned int port, full;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
		full = 128;
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
		full = 32;
	}
	if (!with_port_plen) {
		snprintf(buf, len, "%s", ip);
	} else {
		char p[16];

		if (port == 0)
			snprintf(p, sizeof(p), "any");
		else
			snprintf(p, sizeof(p), "%u", port);
		if (a->sadb_address_prefixlen != full)
			snprintf(buf, len, "%s/%u[%s]", ip,
			    a->sadb_address_prefixlen, p);
		else
			snprintf(buf, len, "%s[%s]", ip, p);
	}
	return buf;
}

static const char *
time_str(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "%-20s", "");
	else
		strftime(buf, len, "%b %e %H:%M:%S %Y", &tm);
	return buf;
}

static const char *const state_names[] = {
	"larval", "mature", "dying", "dead" };

/* setkey -D layout, keys never shown (dpsecd does not send them). */
static void
print_sa(const struct pfk_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	const struct sadb_x_sa2 *s2 = m->ext[SADB_X_EXT_SA2];
	const struct sadb_lifetime *cur = m->ext[SADB_EXT_LIFETIME_CURRENT];
	const struct sadb_lifetime *hard = m->ext[SADB_EXT_LIFETIME_HARD];
	const struct sadb_lifetime *soft = m->ext[SADB_EXT_LIFETIME_SOFT];
	const struct sadb_x_sa_replay *rp = m->ext[SADB_X_EXT_SA_REPLAY];
	char a[128], b[128], t1[64], t2[64];
	uint32_t spi;
	time_t now = time(NULL);

	if (s == NULL || m->ext[SADB_EXT_ADDRESS_SRC] == NULL ||
	    m->ext[SADB_EXT_ADDRESS_DST] == NULL)
		return;
	spi = ntohl(s->sadb_sa_spi);
	printf("%s %s\n", addr_str(m->ext[SADB_EXT_ADDRESS_SRC], 0, a,
	    sizeof(a)), addr_str(m->ext[SADB_EXT_ADDRESS_DST], 0, b,
	    sizeof(b)));
	printf("\t%s mode=%s spi=%u(0x%08x) reqid=%u(0x%08x)\n",
	    m->ext[SADB_X_EXT_NAT_T_TYPE] ? "esp-udp" : "esp",
	    s2 == NULL || s2->sadb_x_sa2_mode != IPSEC_MODE_TUNNEL ?
	    (s2 != NULL && s2->sadb_x_sa2_mode == 0 ? "any" : "transport") :
	    "tunnel", spi, spi, s2 ? s2->sadb_x_sa2_reqid : 0,
	    s2 ? s2->sadb_x_sa2_reqid : 0);
	printf("\tE: %s\n", alg_name(0, s->sadb_sa_encrypt));
	if (s->sadb_sa_auth != SADB_AALG_NONE)
		printf("\tA: %s\n", alg_name(1, s->sadb_sa_auth));
	printf("\tseq=0x%08x replay=%u flags=0x%08x state=%s \n",
	    m->hdr->sadb_msg_seq, rp ? rp->sadb_x_sa_replay_replay :
	    s->sadb_sa_replay, s->sadb_sa_flags,
	    s->sadb_sa_state <= 3 ? state_names[s->sadb_sa_state] : "?");
	if (cur != NULL) {
		printf("\tcreated: %s\tcurrent: %s\n",
		    time_str(cur->sadb_lifetime_addtime, t1, sizeof(t1)),
		    time_str((uint64_t)now, t2, sizeof(t2)));
		printf("\tdiff: %llu(s)\thard: %llu(s)\tsoft: %llu(s)\n",
		    cur->sadb_lifetime_addtime ? (unsigned long long)(now -
		    (time_t)cur->sadb_lifetime_addtime) : 0ULL,
		    hard ? (unsigned long long)hard->sadb_lifetime_addtime : 0,
		    soft ? (unsigned long long)soft->sadb_lifetime_addtime :
		    0);
		printf("\tlast: %s\thard: %llu(s)\tsoft: %llu(s)\n",
		    time_str(cur->sadb_lifetime_usetime, t1, sizeof(t1)),
		    hard ? (unsigned long long)hard->sadb_lifetime_usetime : 0,
		    soft ? (unsigned long long)soft->sadb_lifetime_usetime :
		    0);
		printf("\tcurrent: %llu(bytes)\thard: %llu(bytes)\t"
		    "soft: %llu(bytes)\n",
		    (unsigned long long)cur->sadb_lifetime_bytes,
		    hard ? (unsigned long long)hard->sadb_lifetime_bytes : 0,
		    soft ? (unsigned long long)soft->sadb_lifetime_bytes : 0);
		printf("\tallocated: %u\thard: %u\tsoft: %u\n",
		    cur->sadb_lifetime_allocations,
		    hard ? hard->sadb_lifetime_allocations : 0,
		    soft ? soft->sadb_lifetime_allocations : 0);
	}
	printf("\tsadb_seq=%u pid=%u refcnt=0\n", m->hdr->sadb_msg_seq,
	    m->hdr->sadb_msg_pid);
}

static const char *
upper_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPSEC_ULPROTO_ANY:
		return "any";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

static void
print_policy(const struct pfk_msg *m)
{
	static const char *const dirs[] = { "any", "in", "out", "fwd" };
	static const char *const types[] = { "discard", "none", "ipsec",
	    "entrust", "bypass" };
	static const char *const modes[] = { "any", "transport", "tunnel" };
	static const char *const levels[] = { "default", "use", "require",
	    "unique" };
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const struct sadb_x_ipsecrequest *rq;
	const struct sadb_lifetime *cur = m->ext[SADB_EXT_LIFETIME_CURRENT];
	const struct sadb_lifetime *hard = m->ext[SADB_EXT_LIFETIME_HARD];
	char a[128], b[128], u[8], t1[64], t2[64];

	if (xp == NULL || m->ext[SADB_EXT_ADDRESS_SRC] == NULL ||
	    m->ext[SADB_EXT_ADDRESS_DST] == NULL)
		return;
	printf("%s %s %s\n", addr_str(m->ext[SADB_EXT_ADDRESS_SRC], 1, a,
	    sizeof(a)), addr_str(m->ext[SADB_EXT_ADDRESS_DST], 1, b,
	    sizeof(b)), upper_name(((const struct sadb_address *)
	    m->ext[SADB_EXT_ADDRESS_SRC])->sadb_address_proto, u, sizeof(u)));
	if (xp->sadb_x_policy_priority == 0x80000000u)
		printf("\t%s prio def %s\n", dirs[xp->sadb_x_policy_dir & 3],
		    types[xp->sadb_x_policy_type % 5]);
	else
		printf("\t%s prio %u %s\n", dirs[xp->sadb_x_policy_dir & 3],
		    xp->sadb_x_policy_priority,
		    types[xp->sadb_x_policy_type % 5]);
	for (rq = pfk_policy_next_req(xp, NULL); rq != NULL;
	    rq = pfk_policy_next_req(xp, rq)) {
		char ends[2 * INET6_ADDRSTRLEN + 2] = "";

		if (rq->sadb_x_ipsecrequest_len > sizeof(*rq)) {
			const struct sockaddr *s =
			    (const struct sockaddr *)(rq + 1);
			size_t sl = pfk_sockaddr_len(s->sa_family);
			const void *ia, *ib;
			char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

			if (s->sa_family == AF_INET6) {
				ia = &((const struct sockaddr_in6 *)
				    (const void *)s)->sin6_addr;
				ib = &((const struct sockaddr_in6 *)
				    (const void *)((const uint8_t *)s + sl))->
				    sin6_addr;
			} else {
				ia = &((const struct sockaddr_in *)
				    (const void *)s)->sin_addr;
				ib = &((const struct sockaddr_in *)
				    (const void *)((const uint8_t *)s + sl))->
				    sin_addr;
			}
			inet_ntop(s->sa_family, ia, x, sizeof(x));
			inet_ntop(s->sa_family, ib, y, sizeof(y));
			snprintf(ends, sizeof(ends), "%s-%s", x, y);
		}
		if (rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_UNIQUE &&
		    rq->sadb_x_ipsecrequest_reqid != 0)
			printf("\tesp/%s/%s/unique:%u\n",
			    modes[rq->sadb_x_ipsecrequest_mode % 3], ends,
			    rq->sadb_x_ipsecrequest_reqid);
		else
			printf("\tesp/%s/%s/%s\n",
			    modes[rq->sadb_x_ipsecrequest_mode % 3], ends,
			    levels[rq->sadb_x_ipsecrequest_level & 3]);
	}
	if (cur != NULL)
		printf("\tcreated: %s  lastused: %s\n",
		    time_str(cur->sadb_lifetime_addtime, t1, sizeof(t1)),
		    time_str(cur->sadb_lifetime_usetime, t2, sizeof(t2)));
	printf("\tlifetime: %llu(s) validtime: %llu(s)\n",
	    hard ? (unsigned long long)hard->sadb_lifetime_addtime : 0ULL,
	    hard ? (unsigned long long)hard->sadb_lifetime_usetime : 0ULL);
	printf("\tspid=%u seq=%u pid=%u\n\trefcnt=1\n", xp->sadb_x_policy_id,
	    m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid);
}

static void
print_msg(const struct pfk_msg *m)
{
	uint8_t type = m->hdr->sadb_msg_type;

	if (type >= SADB_X_SPDUPDATE && type <= SADB_X_SPDDELETE2)
		print_policy(m);
	else
		print_sa(m);
}

/* Receive one record (1 s per message, as setkey) into rbuf. */
static ssize_t
rx(void)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 5000) <= 0) {
		fprintf(stderr, "dpsecctl: recv: timed out\n");
		return -1;
	}
	n = recv(sock, rbuf, sizeof(rbuf), 0);
	if (n <= 0)
		fprintf(stderr, "dpsecctl: recv: %s\n", n == 0 ?
		    "connection closed by dpsecd" : strerror(errno));
	return n;
}

static int
execute(void *arg, enum pfk_setkey_op op, const void *msg, size_t len,
    unsigned int line)
{
	const struct sadb_msg *q = msg, *h = (const struct sadb_msg *)rbuf;
	ssize_t n;
	int count = 0;

	(void)arg;
	if (send(sock, msg, len, 0) != (ssize_t)len) {
		fprintf(stderr, "dpsecctl: send: %s\n", strerror(errno));
		return -EIO;
	}
	for (;;) {
		n = rx();
		if (n <= 0)
			return -EIO;
		/* other programs' broadcasts: not ours */
		if (h->sadb_msg_pid != q->sadb_msg_pid ||
		    h->sadb_msg_type != q->sadb_msg_type ||
		    (op != PFK_SK_DUMP && h->sadb_msg_seq != q->sadb_msg_seq))
			continue;
		if (h->sadb_msg_errno != 0) {
			if (op == PFK_SK_DUMP && h->sadb_msg_errno == ENOENT &&
			    count == 0) {
				printf(q->sadb_msg_type == SADB_DUMP ?
				    "No SAD entries.\n" : "No SPD entries.\n");
				return 0;
			}
			fprintf(stderr, "%s:%u: %s: %s\n", src_name, line,
			    pfk_msg_name(q->sadb_msg_type),
			    strerror(h->sadb_msg_errno));
			nerrors++;
			return 0;	/* setkey goes on with the next */
		}
		if (op == PFK_SK_SEND)
			return 0;
		if (pfk_parse_reply(rbuf, (size_t)n, &pm) == 0)
			print_msg(&pm);
		count++;
		if (op == PFK_SK_GET || h->sadb_msg_seq == 0)
			return 0;
	}
}

static void
watch(void)
{
	struct sadb_msg h = { .sadb_msg_version = PF_KEY_V2,
	    .sadb_msg_type = SADB_X_PROMISC, .sadb_msg_satype = 1,
	    .sadb_msg_len = 2 };
	const struct sadb_msg *r = (const struct sadb_msg *)rbuf;
	ssize_t n;

	h.sadb_msg_pid = (uint32_t)getpid();
	if (send(sock, &h, sizeof(h), 0) != sizeof(h))
		return;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n = recv(sock, rbuf, sizeof(rbuf), 0);
		if (n <= 0)
			break;
		printf("%s satype=%u seq=%u pid=%u errno=%u len=%u\n",
		    pfk_msg_name(r->sadb_msg_type), r->sadb_msg_satype,
		    r->sadb_msg_seq, r->sadb_msg_pid, r->sadb_msg_errno,
		    r->sadb_msg_len);
		if (pfk_parse_reply(rbuf, (size_t)n, &pm) == 0 ||
		    pfk_parse(rbuf, (size_t)n, &pm) == 0)
			print_msg(&pm);
	}
}

static int
connect_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0) {
		fprintf(stderr, "dpsecctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dpsecctl [-s socket] -c | -f file | -D | -DP "
	    "| -F | -FP | -x\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = getenv("DPSEC_PFKEY_SOCKET");
	const char *file = NULL, *cmd = NULL;
	char err[512];
	FILE *f = stdin;
	int i, rc, policy = 0;

	if (path == NULL || *path == '\0')
		path = CTRL_DEFAULT_PATH;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-s") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(a, "-f") == 0 && i + 1 < argc)
			file = argv[++i], cmd = "f";
		else if (strcmp(a, "-c") == 0)
			cmd = "c";
		else if (strcmp(a, "-D") == 0 || strcmp(a, "-DP") == 0)
			cmd = "D", policy |= a[2] == 'P';
		else if (strcmp(a, "-F") == 0 || strcmp(a, "-FP") == 0)
			cmd = "F", policy |= a[2] == 'P';
		else if (strcmp(a, "-P") == 0)
			policy = 1;
		else if (strcmp(a, "-x") == 0)
			cmd = "x";
		else
			usage();
	}
	if (cmd == NULL)
		usage();
	if (connect_socket(path) != 0)
		return 1;
	switch (cmd[0]) {
	case 'x':
		watch();
		return 0;
	case 'D':
		rc = pfk_setkey_run_string(policy ? "spddump;" : "dump;",
		    "-D", (uint32_t)getpid(), execute, NULL, err, sizeof(err));
		break;
	case 'F':
		rc = pfk_setkey_run_string(policy ? "spdflush;" : "flush;",
		    "-F", (uint32_t)getpid(), execute, NULL, err, sizeof(err));
		break;
	default:
		if (file != NULL) {
			f = fopen(file, "r");
			if (f == NULL) {
				fprintf(stderr, "dpsecctl: %s: %s\n", file,
				    strerror(errno));
				return 1;
			}
			src_name = file;
		}
		rc = pfk_setkey_run(f, src_name, (uint32_t)getpid(), execute,
		    NULL, err, sizeof(err));
		if (f != stdin)
			fclose(f);
		break;
	}
	if (rc != 0) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	return nerrors == 0 ? 0 : 1;
}
