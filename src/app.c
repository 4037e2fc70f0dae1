/*
 * Small queries over the application context.
 */
#include <string.h>

#include "app.h"

bool
app_is_local4(const struct dp_app *app, uint32_t a)
{
	unsigned int p, i;

	for (p = 0; p < app->nports; p++) {
		const struct dp_port *pt = &app->port[p];

		for (i = 0; i < pt->n4; i++) {
			uint32_t host = pt->v4plen[i] >= 31 ? 0 :
			    rte_cpu_to_be_32(~0u >> pt->v4plen[i]);

			if (a == pt->v4[i])
				return true;
			/* Directed broadcast of a connected subnet. */
			if (host != 0 && (a & host) == host &&
			    (a & ~host) == (pt->v4[i] & ~host))
				return true;
		}
	}
	return false;
}

bool
app_is_local6(const struct dp_app *app, const uint8_t a[16])
{
	unsigned int p, i;

	for (p = 0; p < app->nports; p++)
		for (i = 0; i < app->port[p].n6; i++)
			if (memcmp(a, app->port[p].v6[i], 16) == 0)
				return true;
	return false;
}
