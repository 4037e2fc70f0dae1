/*
 * libFuzzer target for the setkey command language (src/ctrl/pfk_setkey.c):
 * any text must give requests that pfk_parse() accepts, or an error
 * message naming a line; never a crash.  Seeds:
 * corpus/fuzz_pfk_setkey/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfk.h"
#include "pfk_setkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(void *arg, enum pfk_setkey_op op, const void *msg, size_t len,
    unsigned int line)
{
	static struct pfk_msg m;

	(void)arg;
	(void)op;
	(void)line;
	/* every request dpsecctl builds passes dpsecd's validation (dpsecd
	 * may still refuse it for semantic reasons, e.g. a key size) */
	if (len < sizeof(struct sadb_msg) || len % 8 != 0)
		abort();
	if (pfk_parse(msg, len, &m) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pfk_setkey_run_string(text, "fuzz", 1, check, NULL, err,
	    sizeof(err)) != 0 && strncmp(err, "fuzz:", 5) != 0 &&
	    err[0] != '\0')
		abort();
	free(text);
	return 0;
}
