/*
 * acq_priv.h: state shared by acquire.c (SA resolution, hooks, setup)
 * and acq_stats.c (counters for telemetry, the exit summary and the
 * stats JSON).  Not for other modules: see acquire.h.
 */
#ifndef DPSEC_ACQ_PRIV_H
#define DPSEC_ACQ_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "acquire.h"
#include "dp_ipsec.h"
#include "sa_glue.h"

/* One acquire this dpsecd started (retransmission state). */
struct acq_rec {
	struct sad_out_key key;
	uint32_t	pol_id;
	uint32_t	sent;		/* ACQUIREs sent */
	uint64_t	next_ms;	/* next retransmission */
};

/* Per-SA counters for telemetry, refreshed by the control thread. */
struct acq_snap {
	uint32_t	spi;
	char		state[8];
	char		key[32];	/* spi_0x..._<n>: telemetry-safe */
	char		sa[48];
	uint64_t	out_packets, out_bytes, out_seq;
	uint64_t	in_packets, in_bytes, drops;
	uint32_t	owner;		/* outbound-seq owner worker */
};

struct acq {
	struct sa_glue	 glue;
	pthread_mutex_t	 snap_lock;	/* snap, nsnap: control vs telemetry */
	struct acq_snap	*snap;
	unsigned int	 nsnap;
	struct acq_rec	*rec;
	unsigned int	 nrec, caprec;
	uint64_t	 last_tick_ms;
	uint64_t	 last_sad_ms;	/* last sad_tick (10 Hz, sliced) */
	uint64_t	 last_spd_ms;
	uint64_t	 last_snap_ms;
	uint64_t	 acquires_sent;
	uint64_t	 acquires_retx;
	uint64_t	 acquire_fail;	/* sad_acquire errors */
	bool		 xform;		/* xform_init() done */
};

/**
 * Refresh the per-SA counters telemetry serves (/dpsec/sa); called about
 * once a second.  Thread: control thread.
 */
void acq_snapshot(struct dp_app *app);

#endif /* DPSEC_ACQ_PRIV_H */
