/*
 * rtnetlink helpers for the exception-path tap: give it the port's
 * addresses and bring it up, so the kernel (and an IKE daemon) answers for
 * the gateway's addresses exactly as if the port were a kernel interface.
 */
#ifndef DPSEC_NL_H
#define DPSEC_NL_H

#include "config.h"

/**
 * Set the interface up with @p mtu and add each address (IPv6 without
 * duplicate address detection, the port owns it).  Existing addresses are
 * not an error.
 * @return 0 or -errno.
 * Thread: control thread (blocking syscalls).
 */
int nl_tap_setup(const char *ifname, const struct cfg_addr *addr,
    unsigned int naddr, unsigned int mtu);

#endif /* DPSEC_NL_H */
