/*
 * dpsecd's DPDK telemetry commands (/dpsec/...), served by DPDK's
 * telemetry thread; read them with dpdk-telemetry.py or any client of the
 * telemetry socket.
 */
#ifndef DPSEC_TELEMETRY_H
#define DPSEC_TELEMETRY_H

#include "app.h"

/**
 * Register the /dpsec/ commands for @p app.  DPDK 22.11 callbacks take no
 * argument, so the context is kept in one pointer set here (once).
 * @return 0 or a negative errno from rte_telemetry_register_cmd.
 * Thread: control thread, after the ports and workers exist.
 */
int telemetry_init(struct dp_app *app);

/**
 * Make the commands answer "stopping" (called before the context is
 * freed).  Thread: control thread.
 */
void telemetry_fini(void);

#endif /* DPSEC_TELEMETRY_H */
