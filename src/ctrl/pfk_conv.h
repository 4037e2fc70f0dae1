/*
 * Conversions between PF_KEY extensions and the sadb/spd objects
 * (pfk_conv.c).  Private to src/ctrl.
 */
#ifndef DPSEC_PFK_CONV_H
#define DPSEC_PFK_CONV_H

#include <sys/socket.h>

#include "pfk.h"
#include "sa.h"
#include "sad.h"
#include "spd.h"

enum pfk_conv_kind {
	PFK_CONV_REPLY,		/* ADD/UPDATE result: no current lifetime */
	PFK_CONV_GET,		/* GET/DUMP: everything but keys */
	PFK_CONV_EXPIRE_SOFT,	/* EXPIRE: current + soft */
	PFK_CONV_EXPIRE_HARD,	/* EXPIRE: current + hard */
};

/** sockaddr of @p a with port @p port_be (network order). */
const struct sockaddr *pfk_conv_sockaddr(const struct sa_addr *a,
    uint16_t port_be, struct sockaddr_storage *ss);
/** Full prefix length of @p a's family. */
uint8_t pfk_conv_plen(const struct sa_addr *a);
/** sa_addr from a validated sadb_address extension. */
void pfk_conv_addr(const void *ext, struct sa_addr *out);
/** Port of a validated sadb_address extension, host order. */
uint16_t pfk_conv_port(const void *ext);
/** Append the extensions describing @p sa (never keys). */
void pfk_conv_sa_body(struct pfk_build *b, const struct sa *sa,
    enum pfk_conv_kind kind);
/** Append ADDRESS_SRC/DST, lifetimes and X_POLICY of a policy. */
void pfk_conv_policy_body(struct pfk_build *b, const struct spd_policy *p);

#endif
