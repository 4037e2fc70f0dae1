#!/usr/bin/python3
"""A flow waiting for its SA holds up no other flow (issue 7 item 3,
DESIGN.md lesson 4).

dpsecd, one worker.  Port a reads a finite pcap at full speed: 2400
packets of a flow whose SA exists (10.0.1.2 -> 10.0.2.7, static SA)
interleaved with 300 packets of a flow whose policy needs an SA nobody
installs (10.0.1.2 -> 10.0.3.1: one acquire entry, its larval queue
fills, the rest is dropped as larval_queue_sa_full).

Before per-flow ordering buckets, the worker kept the order per worker:
while any packet was with the control thread, every PROTECT packet
waited in the worker's 512-packet backlog, so most of the static flow was
dropped as order_backlog_full.  Now:
  - every packet of the static flow leaves encrypted, in order (scapy
    decrypts them, sequence numbers 1..2400, ids in order);
  - no order_backlog_full drop;
  - the stuck flow: one ACQUIRE, its packets queued on the larval entry
    or dropped as larval_queue_sa_full, none leaves;
  - everything received is accounted for: encrypted + counted drops +
    packets still queued.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd, telemetry  # noqa: E402
import ipsec_common as C  # noqa: E402

NSTATIC = 2400
EVERY = 8          # one stuck packet after every EVERY static ones
STUCK_DST = "10.0.3.1"
STUCK_PEER = "192.0.2.10"


def main():
    from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap

    d = tempfile.mkdtemp(prefix="dpsec-it-hol-")
    ea = Ether(src=C.HOST_A, dst=C.MAC_A)
    pkts, nstuck = [], 0
    for i in range(NSTATIC):
        pkts.append(ea / IP(src="10.0.1.2", dst="10.0.2.7", id=i % 65536) /
                    UDP(sport=1000, dport=7) / Raw(b"s%05d" % i))
        if i % EVERY == EVERY - 1:
            pkts.append(ea / IP(src="10.0.1.2", dst=STUCK_DST, id=nstuck) /
                        UDP(sport=2000, dport=7) / Raw(b"stuck"))
            nstuck += 1
    wrpcap(os.path.join(d, "in0.pcap"), pkts)
    wrpcap(os.path.join(d, "in1.pcap"), [])
    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(C.setkey_text() +
                "spdadd 10.0.1.0/24 %s/32 any -P out ipsec "
                "esp/tunnel/%s-%s/require;\n" % (STUCK_DST, C.GW, STUCK_PEER))
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write(C.conf(d, extra="neighbor %s %s dev b\n"
                       "route %s/32 via %s dev b\n" %
                       (STUCK_PEER, C.PEER, STUCK_DST, STUCK_PEER)))

    dp = Dpsecd(conf, d, telemetry=True)
    try:
        dp.start()
        # Done when every input packet was read and the control thread
        # has handled the stuck flow's packets (none left on the ring).
        deadline = time.time() + 120
        while time.time() < deadline:
            st = telemetry(dp.prefix, "/dpsec/stats")
            if st["rx_pkts"] >= len(pkts):
                break
            time.sleep(0.1)
        time.sleep(1.0)
        stats = dp.stop()
    finally:
        dp.cleanup()
    print(dp.output())

    errors = []

    def check(ok, msg):
        if not ok:
            errors.append(msg)

    drops = {k: v for k, v in stats["drops"].items() if v}
    sas = {s["spi"]: s for s in stats["sa"]}
    out = sas.get(C.SPI_OUT, {}).get("out_packets", 0)
    check(stats["rx_pkts"] == len(pkts),
          "rx %d of %d packets" % (stats["rx_pkts"], len(pkts)))
    check(drops.get("order_backlog_full", 0) == 0,
          "static flow held up behind the stuck one: %d order_backlog_full"
          % drops.get("order_backlog_full", 0))
    check(out == NSTATIC, "static flow: %d of %d encrypted" % (out, NSTATIC))
    # The stuck flow: still queued on its larval entry when the stats
    # were written (sad.lq_current), or dropped for a full larval queue;
    # nothing else is dropped, and one ACQUIRE was sent for it.
    queued = stats["sad"]["lq_current"]
    check(sum(drops.values()) + queued == nstuck,
          "drops %s + %d queued: want the %d stuck packets exactly"
          % (drops, queued, nstuck))
    check(drops.get("larval_queue_sa_full", 0) + queued == nstuck,
          "stuck flow: %s + %d queued, want %d" % (drops, queued, nstuck))
    check(stats["sad"]["acquires_sent"] == 1,
          "%d ACQUIREs sent, want 1" % stats["sad"]["acquires_sent"])

    # Port b: the static flow as ESP, sequence 1..NSTATIC, ids in order.
    sa = C.sa_out()
    seqs, ids = [], []
    from scapy.layers.ipsec import ESP
    for p in rdpcap(os.path.join(d, "out1.pcap")):
        if ESP not in p:
            errors.append("cleartext left on port b: %r" % p.summary())
            continue
        seqs.append(p[ESP].seq)
        inner = sa.decrypt(p[IP])
        if inner[IP].dst != "10.0.2.7":
            errors.append("stuck flow left: %r" % inner.summary())
        ids.append(inner[IP].id)
    check(seqs == list(range(1, NSTATIC + 1)),
          "sequence numbers not 1..%d (%d packets)" % (NSTATIC, len(seqs)))
    check(ids == [i % 65536 for i in range(NSTATIC)],
          "static flow reordered or incomplete (%d ids)" % len(ids))

    for e in errors:
        print("FAIL:", e)
    print("%s: %d static encrypted in order, %d stuck, drops %s" %
          ("FAIL" if errors else "ok", out, nstuck, drops))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
