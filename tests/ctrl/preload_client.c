/*
 * An "unmodified PF_KEY program" for the preload library test: it knows
 * nothing of dpsec, only socket(PF_KEY, SOCK_RAW, PF_KEY_V2) and plain
 * send/recv/read/write/select/dup on <linux/pfkeyv2.h> structures, and
 * does what setkey and racoon do (PFKEY-CLIENTS.md).  Exit 0 = all good.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "pfk_testmsg.h"

#define NPOL	300

static struct tmsg t;
static uint64_t buf[32768 / 8];
static const struct sadb_msg *rh = (const struct sadb_msg *)buf;
static int step;

#define CHECK(cond) do { \
	step++; \
	if (!(cond)) { \
		fprintf(stderr, "preload_client: step %d line %d: %s " \
		    "(errno %s)\n", step, __LINE__, #cond, strerror(errno)); \
		exit(10 + step); \
	} \
} while (0)

/* racoon: peek the header, then read exactly len*8 bytes. */
static ssize_t
racoon_recv(int fd)
{
	struct sadb_msg h;
	ssize_t n;

	n = recv(fd, &h, sizeof(h), MSG_PEEK | MSG_DONTWAIT);
	if (n < (ssize_t)sizeof(h))
		return -1;
	return recv(fd, buf, h.sadb_msg_len * 8u, MSG_DONTWAIT);
}

int
main(void)
{
	int s, d, u, one = 1, rcv = 2 * 1024 * 1024, snd = 128 * 1024;
	int i, eagain, n;
	struct timeval tv = { 1, 0 };
	fd_set rfds;
	ssize_t r;

	s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) == 0);
	while (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) != 0 &&
	    rcv > 32768)
		rcv /= 2;
	CHECK(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == 0);

	/* racoon: REGISTER then read at once on a non-blocking socket */
	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	tmsg_hdr(&t)->sadb_msg_pid = (uint32_t)getpid();
	CHECK(send(s, t.w, t.len, 0) == (ssize_t)t.len);
	r = racoon_recv(s);
	CHECK(r > 16);
	CHECK(rh->sadb_msg_type == SADB_REGISTER && rh->sadb_msg_errno == 0);

	/* policies, each reply readable as soon as send() returns */
	for (i = 0; i < NPOL; i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.%d.%d.0", 50 + i / 200,
		    i % 200);
		tmsg_spdadd4(&t, SADB_X_SPDADD, 100 + i, src, 24, "10.2.0.0",
		    24, IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
		tmsg_hdr(&t)->sadb_msg_pid = (uint32_t)getpid();
		CHECK(send(s, t.w, t.len, 0) == (ssize_t)t.len);
		r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		CHECK(r > 16 && rh->sadb_msg_seq == (uint32_t)(100 + i));
		CHECK(rh->sadb_msg_errno == 0);
		step -= 3;
	}

	/* racoon's dump loop: MSG_DONTWAIT, three EAGAINs mean the end */
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 7);
	tmsg_hdr(&t)->sadb_msg_pid = (uint32_t)getpid();
	CHECK(send(s, t.w, t.len, 0) == (ssize_t)t.len);
	for (n = 0, eagain = 0; eagain < 3;) {
		r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN) {
			eagain++;
			continue;
		}
		CHECK(r >= 16);
		step--;
		eagain = 0;
		if (rh->sadb_msg_type != SADB_X_SPDDUMP)
			continue;
		n++;
		if (rh->sadb_msg_seq == 0)
			break;
	}
	CHECK(n == NPOL);

	/* dup, write/read on the duplicate, select, close the original */
	d = dup(s);
	CHECK(d >= 0);
	CHECK(close(s) == 0);
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 8);
	tmsg_hdr(&t)->sadb_msg_pid = (uint32_t)getpid();
	CHECK(write(d, t.w, t.len) == (ssize_t)t.len);
	FD_ZERO(&rfds);
	FD_SET(d, &rfds);
	CHECK(select(d + 1, &rfds, NULL, NULL, &tv) == 1);
	CHECK(read(d, buf, sizeof(buf)) == 16);
	CHECK(rh->sadb_msg_type == SADB_X_SPDFLUSH && rh->sadb_msg_errno == 0);
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 9);
	tmsg_hdr(&t)->sadb_msg_pid = (uint32_t)getpid();
	CHECK(send(d, t.w, t.len, 0) == (ssize_t)t.len);
	CHECK(recv(d, buf, sizeof(buf), MSG_DONTWAIT) == 16);
	CHECK(rh->sadb_msg_errno == ENOENT);

	/* setkey: SO_RCVTIMEO on a blocking socket */
	CHECK(fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK) == 0);
	CHECK(setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(recv(d, buf, sizeof(buf), 0) < 0 && (errno == EAGAIN ||
	    errno == EWOULDBLOCK));

	/* racoon's IKE sockets: IPsec bypass policies succeed */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(setsockopt(u, IPPROTO_IP, 16 /* IP_IPSEC_POLICY */, buf,
	    16) == 0);
	CHECK(setsockopt(u, IPPROTO_IPV6, 34 /* IPV6_IPSEC_POLICY */, buf,
	    16) == 0);
	CHECK(setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == 0);
	close(u);
	close(d);
	printf("preload_client: all checks passed\n");
	return 0;
}
