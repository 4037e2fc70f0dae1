/*
 * The preload library test: an in-process dpsecd control socket, and
 * preload_client (which only knows socket(PF_KEY, ...)) run under
 * LD_PRELOAD=libdpsec-pfkey.so.  argv: client path, library path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "pfk_client.h"

int
main(int argc, char **argv)
{
	struct srv s;
	char env_pre[512], env_sock[160];
	char *cenv[] = { env_pre, env_sock,
	    "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0", NULL };
	char *cargv[] = { argv[1], NULL };
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: test_preload CLIENT LIBRARY\n");
		return 2;
	}
	if (srv_create(&s, 1024, NULL) != 0) {
		fprintf(stderr, "test_preload: server setup failed\n");
		return 1;
	}
	srv_start(&s);
	snprintf(env_pre, sizeof(env_pre), "LD_PRELOAD=%s", argv[2]);
	snprintf(env_sock, sizeof(env_sock), "DPSEC_PFKEY_SOCKET=%s", s.path);
	pid = fork();
	if (pid == 0) {
		execve(argv[1], cargv, cenv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		st = -1;
	srv_destroy(&s);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "test_preload: client failed (status %d)\n",
		    st);
		return 1;
	}
	printf("test_preload: ok\n");
	return 0;
}
