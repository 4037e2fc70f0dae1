/*
 * dpsecctl and the setkey-file loader against an in-process control
 * socket: a setkey file loaded at start (ctrl_load_setkey), dpsecctl -f,
 * -D, -DP, -F, -FP, -c, and errors with file:line.  argv[1]: dpsecctl.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "pfk_client.h"

static const char *ctl;
static struct srv S;
static char out[65536], errbuf[4096];

/* Run dpsecctl with args; stdin from @in; capture stdout/stderr. */
static int
run(const char *in, const char *a1, const char *a2)
{
	int po[2], pe[2], pi[2], st;
	ssize_t n;
	size_t o = 0, e = 0;
	pid_t pid;

	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	assert_int_equal(pipe(pi), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(pi[1]);
		execl(ctl, ctl, "-s", S.path, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	if (in != NULL)
		(void)!write(pi[1], in, strlen(in));
	close(pi[1]);
	while ((n = read(po[0], out + o, sizeof(out) - 1 - o)) > 0)
		o += (size_t)n;
	out[o] = '\0';
	while ((n = read(pe[0], errbuf + e, sizeof(errbuf) - 1 - e)) > 0)
		e += (size_t)n;
	errbuf[e] = '\0';
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char conf[] =
    "# gateway A, as an operator writes it for setkey\n"
    "flush;\nspdflush;\n"
    "add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel\n"
    "\t-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 192.0.2.2 192.0.2.1 esp 0x1002 -m tunnel -u 7\n"
    "\t-E chacha20-poly1305 \"0123456789abcdef0123456789abcdef0123\";\n"
    "add 192.0.2.1 192.0.2.2 esp 4099 -E aes-cbc "
    "0x00112233445566778899aabbccddeeff -A hmac-sha256 "
    "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff;\n"
    "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec\n"
    "\tesp/tunnel/192.0.2.1-192.0.2.2/require;\n"
    "spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec\n"
    "\tesp/tunnel/192.0.2.2-192.0.2.1/unique:7;\n";

static int
setup(void **state)
{
	char err[256];
	char path[64];
	FILE *f;

	if (srv_create(&S, 4096, NULL) != 0 || S.sad == NULL)
		return -1;
	/* dpsecd loads a setkey file at start, before serving */
	snprintf(path, sizeof(path), "/tmp/dpsec-setkey-%d.conf",
	    (int)getpid());
	f = fopen(path, "w");
	fputs(conf, f);
	fclose(f);
	if (ctrl_load_setkey(S.ctrl, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	unlink(path);
	srv_start(&S);
	return 0;
}

static int
teardown(void **state)
{
	srv_destroy(&S);
	return 0;
}

static void
test_dump_loaded(void **state)
{
	assert_int_equal(run(NULL, "-D", NULL), 0);
	assert_non_null(strstr(out, "192.0.2.1 192.0.2.2\n"));
	assert_non_null(strstr(out, "spi=4097(0x00001001)"));
	assert_non_null(strstr(out, "E: aes-gcm-16"));
	assert_non_null(strstr(out, "E: chacha20-poly1305"));
	assert_non_null(strstr(out, "A: hmac-sha256"));
	assert_non_null(strstr(out, "reqid=7"));
	assert_non_null(strstr(out, "state=mature"));
	assert_null(strstr(out, "0102030405"));	/* no keys */
	assert_int_equal(run(NULL, "-DP", NULL), 0);
	assert_non_null(strstr(out, "10.1.0.0/16[any] 10.2.0.0/16[any] any"));
	assert_non_null(strstr(out, "out prio def ipsec"));
	assert_non_null(strstr(out, "esp/tunnel/192.0.2.1-192.0.2.2/require"));
	assert_non_null(strstr(out, "esp/tunnel/192.0.2.2-192.0.2.1/unique:7"));
	/* the fwd twin of the in policy, unique turned into require */
	assert_non_null(strstr(out, "fwd prio def ipsec"));
	assert_non_null(strstr(out, "esp/tunnel/192.0.2.2-192.0.2.1/require"));
}

static void
test_commands_and_errors(void **state)
{
	char path[64];
	FILE *f;

	/* -c from stdin */
	assert_int_equal(run("get 192.0.2.1 192.0.2.2 esp 0x1001;\n"
	    "delete 192.0.2.9 192.0.2.2 esp 0x1001;\n", "-c", NULL), 0);
	assert_non_null(strstr(out, "spi=4097(0x00001001)"));
	/* deleted above (source does not matter): now ESRCH, with line */
	assert_int_equal(run("\nget 192.0.2.1 192.0.2.2 esp 0x1001;\n",
	    "-c", NULL), 1);
	assert_non_null(strstr(errbuf, "-:2: GET: No such process"));
	/* -f with a syntax error on line 3 */
	snprintf(path, sizeof(path), "/tmp/dpsec-bad-%d.conf", (int)getpid());
	f = fopen(path, "w");
	fputs("spdflush;\n\nadd 10.0.0.1 10.0.0.2 esp 0x2000 -E aes-gcm-16 "
	    "0x0102;\n", f);
	fclose(f);
	assert_int_equal(run(NULL, "-f", path), 1);
	assert_non_null(strstr(errbuf, ":3: aes-gcm-16: key of 16 bits"));
	f = fopen(path, "w");
	fputs("add 10.0.0.1 10.0.0.2 esp 0x2000 -E des-cbc 0x0102;\n", f);
	fclose(f);
	assert_int_equal(run(NULL, "-f", path), 1);
	assert_non_null(strstr(errbuf, ":1: unknown or unsupported "
	    "encryption algorithm 'des-cbc'"));
	unlink(path);
	/* a duplicate add: EEXIST from dpsecd, file:line */
	assert_int_equal(run("add 192.0.2.2 192.0.2.1 esp 0x1002 -E aes-cbc "
	    "0x00112233445566778899aabbccddeeff -A hmac-sha1 "
	    "0x00112233445566778899aabbccddeeff00112233;", "-c", NULL), 1);
	assert_non_null(strstr(errbuf, "-:1: ADD: File exists"));
	/* -F, -FP, then empty dumps */
	assert_int_equal(run(NULL, "-F", NULL), 0);
	assert_int_equal(run(NULL, "-FP", NULL), 0);
	assert_int_equal(run(NULL, "-D", NULL), 0);
	assert_non_null(strstr(out, "No SAD entries."));
	assert_int_equal(run(NULL, "-DP", NULL), 0);
	assert_non_null(strstr(out, "No SPD entries."));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_loaded),
		cmocka_unit_test(test_commands_and_errors),
	};

	if (argc < 2)
		return 2;
	ctl = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
