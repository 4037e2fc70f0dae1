/*
 * libFuzzer target for the dpsecd config parser (src/config.c) through its
 * in-memory entry point config_parse_string(): whatever the text, the
 * parser returns 0 or -errno with a NUL-terminated message, never reads or
 * writes outside its buffers, and config_free() releases everything it
 * allocated (LeakSanitizer checks the last part).  The input is used as
 * the file's text up to its first NUL byte.
 * Seed corpus: corpus/fuzz_config/ (the unit tests' good file, the
 * integration tests' files and one file per directive).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dpsec_config cfg;
	char err[CFG_ERR_LEN];
	char *text;
	int rc;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&cfg);
	err[0] = '\0';
	rc = config_parse_string(&cfg, "fuzz.conf", text, err, sizeof(err));
	if (rc != 0 && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (rc > 0)
		abort();
	config_free(&cfg);
	config_free(&cfg);	/* idempotent, as documented */
	free(text);
	return 0;
}
