/*
 * libFuzzer target for the setkey(8)-syntax parser (src/ctrl/pfk_setkey.c:
 * dpsecd loads such a file at start, dpsecctl reads it from operators and
 * scripts).  Whatever the text, pfk_setkey_run_string() returns 0 or
 * -errno with a NUL-terminated message, and every message it builds must
 * pass our own PF_KEY parser (pfk_parse()): what the tool sends, the
 * server accepts at least syntactically.
 * Seed corpus: corpus/fuzz_setkey/ (the forms dpsecctl's tests use).
 */
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
	static uint64_t buf[PFK_MSG_MAX / 8];

	if (len > sizeof(buf) || len % 8 != 0)
		abort();
	memcpy(buf, msg, len);
	if (pfk_parse(buf, len, &m) != 0)
		abort();	/* we built something we reject */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text;
	int rc;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	rc = pfk_setkey_run_string(text, "fuzz", 1, check, NULL, err,
	    sizeof(err));
	if (rc > 0 || (rc != 0 && memchr(err, '\0', sizeof(err)) == NULL))
		abort();
	free(text);
	return 0;
}
