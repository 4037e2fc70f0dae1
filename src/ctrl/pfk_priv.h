/*
 * Private to the PF_KEY codec (pfk_parse.c, pfk_build.c) and its tests.
 */
#ifndef DPSEC_PFK_PRIV_H
#define DPSEC_PFK_PRIV_H

#include <stdint.h>

/** Extensions a message of @p type sent by dpsecd may carry (bitmap). */
uint32_t pfk_allowed_out(unsigned int type);
/** Extensions a message of @p type sent by dpsecd must carry (bitmap). */
uint32_t pfk_required_out(unsigned int type);

#endif
