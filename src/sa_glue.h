/*
 * sa_glue: the sadb hooks of dpsecd's datapath (docs/INTERFACES.md "SA
 * object and the datapath").  sa_install converts sadb's struct sa into
 * the ipsec module's esp_sa_params and builds the runtime in sa->rt;
 * sa_release destroys it; larval_release hands packets queued on a LARVAL
 * SA (or an acquire entry) to a callback (dpsecd: the owning worker's
 * release ring).
 *
 * struct sa carries no direction (PF_KEY SAs have none), so the runtime
 * holds an outbound and an inbound ESP runtime: the datapath uses the
 * outbound one for SAs found through the outbound index and the inbound
 * one for SAs found by (SPI, dst, proto).
 */
#ifndef DPSEC_SA_GLUE_H
#define DPSEC_SA_GLUE_H

#include <stdint.h>

#include "esp.h"
#include "sad.h"

/** What sa->rt points to for an installed SA. */
struct sa_rt {
	struct esp_sa	*out;	/**< [I] outbound runtime */
	struct esp_sa	*in;	/**< [I] inbound runtime (replay window) */
	uint16_t	 owner;	/**< [I] worker that numbers and sends (outbound-seq owner) */
};

/** Called for packets released from a larval queue (control thread). */
typedef void (*sa_glue_release_fn)(void *arg, struct sa *sa,
    struct rte_mbuf *m[], uint32_t n);

/** Called from the install hook, before the SA becomes MATURE. */
typedef void (*sa_glue_install_fn)(void *arg, struct sa *sa);

struct sa_glue {
	unsigned int		 nb_workers;	/**< workers using the runtimes */
	int			 socket_id;
	sa_glue_release_fn	 release;	/**< NULL: free the packets */
	sa_glue_install_fn	 installed;	/**< may be NULL */
	void			*arg;
	uint64_t		 install_fail;	/**< [C] runtimes not built */
	uint64_t		 released;	/**< [C] packets handed on */
};

/**
 * Fill @p h with the glue's hooks (sa_install, sa_release,
 * larval_release) and h->arg = @p g.  The caller may set h->expire.
 * Thread: control thread.
 */
void sa_glue_hooks(struct sa_glue *g, struct sad_hooks *h);

/**
 * Build the esp_sa_params of @p sa for direction @p dir.
 * @return 0 or -EINVAL (unknown mode or family).
 * Thread: any (reads [I] fields of an SA being installed).
 */
int sa_glue_params(const struct sa *sa, enum esp_dir dir,
    unsigned int nb_workers, struct esp_sa_params *p);

/**
 * The worker that owns an SA's outbound packets (outbound-seq owner): a
 * hash of what a rekey keeps (endpoints, protocol, reqid), so that an SA
 * and the SA replacing it have the same owner and a flow stays in order
 * across the rekey; spread over @p nb_workers.  Thread: any.
 */
uint16_t sa_glue_owner(const struct sa *sa, unsigned int nb_workers);

/** The runtime of an installed SA (MATURE or DYING).  Thread: any lcore. */
static inline struct sa_rt *
sa_glue_rt(const struct sa *sa)
{
	return (struct sa_rt *)sa->rt;
}

#endif /* DPSEC_SA_GLUE_H */
