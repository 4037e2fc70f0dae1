/*
 * config_priv.h: the parser state and helpers shared by config.c and
 * config_port.c.  Not for other modules: see config.h.
 */
#ifndef DPSEC_CONFIG_PRIV_H
#define DPSEC_CONFIG_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

struct parse_ctx {
	struct dpsec_config	*cfg;
	const char		*file;
	unsigned int		 line;
	char			*err;
	size_t			 errlen;
};

/** Format "file:line: message" into p->err; returns -EINVAL. */
int cfg_perr(struct parse_ctx *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Parse a number in [min, max] (decimal, 0x hex); error names @p what. */
int cfg_parse_u32(struct parse_ctx *p, const char *what, const char *s,
    uint32_t min, uint32_t max, uint32_t *out);
int cfg_parse_u16(struct parse_ctx *p, const char *what, const char *s,
    uint32_t min, uint32_t max, uint16_t *out);
/** on/yes/true/1 or off/no/false/0. */
int cfg_parse_bool(struct parse_ctx *p, const char *what, const char *s,
    bool *out);
/** XX:XX:XX:XX:XX:XX; 0 or -1. */
int cfg_parse_mac(const char *s, uint8_t mac[6]);
/** A port name: 1-31 of [A-Za-z0-9_]. */
bool cfg_valid_name(const char *s);
/** A Linux interface name (tap). */
bool cfg_valid_ifname(const char *s);
/** The port directive (config_port.c). */
int cfg_dir_port(struct parse_ctx *p, int argc, char **argv);
/** Print the port keys for --help (config_port.c). */
void cfg_port_usage(FILE *f);

#endif /* DPSEC_CONFIG_PRIV_H */
