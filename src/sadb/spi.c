/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spi.c: SPI allocation for GETSPI (RFC 2367 section 3.1.1): a random SPI
 * in [min, max], unique for (dst, proto).
 *
 * A few uniform random draws (libsodium, unbiased) find a free SPI at once
 * unless the range is nearly full; then a linear scan from a random start
 * finds one, or proves the range exhausted. The scan stops at the first
 * free SPI, and a range can hold at most max_sa SAs, so the scan costs at
 * most min(range, max_sa + 1) lookups: correct for tiny ranges, cheap for
 * the usual 2^28 one.
 */
#include <errno.h>

#include <sodium.h>

#include "sad_priv.h"

#define SPI_RANDOM_TRIES	16
#define SPI_RESERVED_MAX	255u	/* RFC 4303: 1-255 reserved, 0 never */

static int
spi_taken(const struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t spi)
{
	struct sad_in_key k;

	sad_in_key_from(&k, proto, spi, dst);
	return sad_in_exists(sad, &k);
}

int
sad_spi_alloc(struct sad *sad, uint8_t proto, const struct sa_addr *dst,
    uint32_t min, uint32_t max, uint32_t *spi)
{
	uint64_t range, i, start;
	uint32_t cand;
	int t;

	if (min == 0 && max == 0) {
		min = SA_SPI_MIN_DEFAULT;
		max = SA_SPI_MAX_DEFAULT;
	}
	if (min <= SPI_RESERVED_MAX)
		min = SPI_RESERVED_MAX + 1;
	if (min > max)
		return -EINVAL;
	range = (uint64_t)max - min + 1;	/* <= 2^32 - 256 */

	for (t = 0; t < SPI_RANDOM_TRIES; t++) {
		cand = min + randombytes_uniform((uint32_t)range);
		if (!spi_taken(sad, proto, dst, cand)) {
			*spi = cand;
			return 0;
		}
	}
	start = randombytes_uniform((uint32_t)range);
	for (i = 0; i < range; i++) {
		cand = (uint32_t)(min + (start + i) % range);
		if (!spi_taken(sad, proto, dst, cand)) {
			*spi = cand;
			return 0;
		}
	}
	return -ENOBUFS;
}
