/*
 * Writes the seed corpus of fuzz_pfk_parse: PF_KEY messages laid out as
 * setkey and racoon send them.  Run by hand:
 *   cc -I src/ctrl -I tests/ctrl tests/fuzz/gen_pfk_seeds.c -o /tmp/g &&
 *   /tmp/g tests/fuzz/corpus/fuzz_pfk_parse
 */
#include <stdio.h>

#include "pfk.h"
#include "pfk_testmsg.h"

static struct tmsg t;

static void
save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return;
	}
	fwrite(t.w, 1, t.len, f);
	fclose(f);
}

int
main(int argc, char **argv)
{
	static const uint8_t k[64] = { 0x11, 0x22, 0x33 };
	const char *d = argc > 1 ? argv[1] : ".";
	struct sadb_spirange *r;

	tmsg_add_gcm(&t, SADB_ADD, 1, "10.0.0.1", "10.0.0.2", 0x1000);
	save(d, "add_gcm");
	tmsg_add_gcm(&t, SADB_UPDATE, 2, "10.0.0.2", "10.0.0.1", 0x2000);
	tmsg_lifetime(&t, SADB_EXT_LIFETIME_HARD, 0, 3600);
	tmsg_lifetime(&t, SADB_EXT_LIFETIME_SOFT, 0, 2880);
	save(d, "update_lifetimes");

	tmsg_init(&t, SADB_ADD, SADB_SATYPE_ESP, 3);
	tmsg_sa(&t, 0x3000, SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC);
	tmsg_sa2(&t, IPSEC_MODE_TRANSPORT, 7);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 128, 0, 255);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_DST, "2001:db8::2", 128, 0, 255);
	tmsg_key(&t, SADB_EXT_KEY_AUTH, k, 256);
	tmsg_key(&t, SADB_EXT_KEY_ENCRYPT, k, 128);
	save(d, "add_cbc_sha256_v6");

	tmsg_init(&t, SADB_GETSPI, SADB_SATYPE_ESP, 4);
	tmsg_sa2(&t, IPSEC_MODE_TUNNEL, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "192.0.2.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "192.0.2.2", 32, 0, 255);
	r = tmsg_ext(&t, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x100;
	r->sadb_spirange_max = 0x0fffffff;
	save(d, "getspi");

	tmsg_init(&t, SADB_DELETE, SADB_SATYPE_ESP, 5);
	tmsg_sa(&t, 0x1000, 0, 0);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, 0, 255);
	tmsg_addr4(&t, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, 0, 255);
	save(d, "delete");
	tmsg_hdr(&t)->sadb_msg_type = SADB_GET;
	save(d, "get");

	tmsg_init(&t, SADB_REGISTER, SADB_SATYPE_ESP, 6);
	save(d, "register");
	tmsg_init(&t, SADB_DUMP, SADB_SATYPE_UNSPEC, 7);
	save(d, "dump");
	tmsg_init(&t, SADB_FLUSH, SADB_SATYPE_UNSPEC, 8);
	save(d, "flush");
	tmsg_init(&t, SADB_ACQUIRE, SADB_SATYPE_ESP, 9);
	tmsg_hdr(&t)->sadb_msg_errno = 60;
	save(d, "acquire_fail");

	tmsg_spdadd4(&t, SADB_X_SPDADD, 10, "10.1.0.0", 16, "10.2.0.0", 16,
	    IPSEC_DIR_OUTBOUND, "192.0.2.1", "192.0.2.2");
	save(d, "spdadd_tunnel");
	tmsg_init(&t, SADB_X_SPDADD, 0, 11);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_SRC, "2001:db8:1::", 48, 0, 6);
	tmsg_addr6(&t, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 48, 443, 6);
	tmsg_policy(&t, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, 0,
	    IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_UNIQUE, NULL, NULL);
	save(d, "spdadd_v6_transport");
	tmsg_init(&t, SADB_X_SPDDELETE2, 0, 12);
	tmsg_policy(&t, IPSEC_POLICY_DISCARD, IPSEC_DIR_OUTBOUND, 9, 0, 0,
	    NULL, NULL);
	save(d, "spddelete2");
	tmsg_init(&t, SADB_X_SPDDUMP, 0, 13);
	save(d, "spddump");
	tmsg_init(&t, SADB_X_SPDFLUSH, 0, 14);
	save(d, "spdflush");
	return 0;
}
