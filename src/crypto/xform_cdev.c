/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK cryptodev lookaside engines: in progress. */
#include <errno.h>

#include "xform_priv.h"

int
xform_cdev_init(const struct xform_config *cfg)
{
	return -ENODEV;
}

void
xform_cdev_fini(void)
{
}
