/*
 * libFuzzer target for the PF_KEY parser (src/ctrl/pfk_parse.c): whatever
 * bytes a client sends, pfk_parse() must return 0 or -errno without
 * reading outside the record, and what it accepts must be safe to walk
 * (extensions, ipsecrequests) and to echo back through the builder.
 * Seed corpus: corpus/fuzz_pfk_parse/ (messages as setkey and racoon build
 * them; regenerate with gen_pfk_seeds.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pfk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pfk_msg m;
	static uint64_t out[PFK_MSG_MAX / 8];
	struct pfk_build b;
	const struct sadb_x_policy *pol;
	const struct sadb_x_ipsecrequest *rq;
	unsigned int t;
	int n = 0;

	if (pfk_parse(data, size, &m) != 0) {
		(void)pfk_parse_reply(data, size, &m);
		return 0;
	}
	pol = m.ext[SADB_X_EXT_POLICY];
	if (pol != NULL)
		for (rq = pfk_policy_next_req(pol, NULL); rq != NULL;
		    rq = pfk_policy_next_req(pol, rq))
			n += rq->sadb_x_ipsecrequest_proto;
	/* Echo every extension except keys, as a broadcast reply does. */
	pfk_build_init(&b, out, sizeof(out), m.hdr, 0);
	for (t = 1; t <= PFK_EXT_MAX; t++)
		if (m.ext[t] != NULL && t != SADB_EXT_KEY_AUTH &&
		    t != SADB_EXT_KEY_ENCRYPT)
			pfk_build_copy(&b, m.ext[t]);
	(void)pfk_build_finish(&b);
	if (n < 0)
		abort();
	return 0;
}
