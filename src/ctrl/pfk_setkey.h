/*
 * setkey-compatible command language (ipsec-tools setkey(8) syntax):
 * parse commands into PF_KEY v2 requests.  Pure: no sockets, no EAL.
 * Used by dpsecctl (-c, -f) and by dpsecd to load a setkey file at start
 * (ctrl_load_setkey()).  See docs/ctrl.md for the accepted grammar.
 */
#ifndef DPSEC_PFK_SETKEY_H
#define DPSEC_PFK_SETKEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** What a parsed command asks of its executor beyond sending msg. */
enum pfk_setkey_op {
	PFK_SK_SEND,		/**< send, expect one reply (or broadcast) */
	PFK_SK_DUMP,		/**< send, read a dump until seq 0 */
	PFK_SK_GET,		/**< send, print the reply */
};

/**
 * Called for every request a command produces (spdadd -P in produces two:
 * in and fwd, as setkey on Linux does).
 * @param msg	the request (8-byte aligned), @p len bytes
 * @param line	line of the command in its file
 * @return 0 to go on, or -errno to stop parsing (reported as the error).
 */
typedef int (*pfk_setkey_fn)(void *arg, enum pfk_setkey_op op,
    const void *msg, size_t len, unsigned int line);

/**
 * Parse and execute every command of @p f.
 * @param name	file name for errors ("-" for stdin)
 * @param pid	sadb_msg_pid to put in requests
 * @param err	receives "name:line: problem" on failure
 * @return 0, or -EINVAL (syntax) / the callback's -errno.
 * Thread: any (state is local).
 */
int pfk_setkey_run(FILE *f, const char *name, uint32_t pid, pfk_setkey_fn fn,
    void *arg, char *err, size_t errlen);

/** Same, from a string. */
int pfk_setkey_run_string(const char *text, const char *name, uint32_t pid,
    pfk_setkey_fn fn, void *arg, char *err, size_t errlen);

#endif
