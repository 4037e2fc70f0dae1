#!/usr/bin/python3
"""Head-of-line blocking by a flow stuck in acquire (found by the soak,
docs/hardening.md; not a test: it measures).

dpsecd with one worker; port a replays forever 32 packets of a flow whose
SA exists (10.0.1.2 -> 10.0.2.7, static SA) and, in the second run, also
4 packets of a flow whose policy needs an SA nobody installs (10.0.1.2 ->
10.0.3.1: an acquire entry, its larval queue full).  Printed: how many of
the static flow's packets were received and how many left encrypted.

Usage: bench_acquire_hol.py [SECONDS]   (from the repository, after
ninja -C build; DPSEC_BUILD selects another build)."""
import os
import platform
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from dpsecd_run import Dpsecd  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import IP, UDP, Ether, Raw, wrpcap  # noqa: E402

NSTATIC = 32
NSTUCK = 4


def run(d, stuck, secs):
    ea = Ether(src=C.HOST_A, dst=C.MAC_A)
    a = [ea / IP(src="10.0.1.2", dst="10.0.2.7", id=i) /
         UDP(sport=1000 + i, dport=7) / Raw(b"x" * 64) for i in range(NSTATIC)]
    if stuck:
        a += [ea / IP(src="10.0.1.2", dst="10.0.3.1", id=i) /
              UDP(sport=2000 + i, dport=7) / Raw(b"y" * 64)
              for i in range(NSTUCK)]
    wrpcap(os.path.join(d, "in0.pcap"), a)
    with open(os.path.join(d, "in1.pcap"), "wb") as f:     # no packets
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write("add %s %s esp 0x%x -m tunnel -E aes-gcm-16 0x%s;\n" %
                (C.GW, C.PEER_IP, C.SPI_OUT, C.KEY_OUT.hex()) +
                "spdadd 10.0.1.0/24 10.0.2.0/24 any -P out ipsec "
                "esp/tunnel/%s-%s/require;\n" % (C.GW, C.PEER_IP) +
                "spdadd 10.0.1.0/24 10.0.3.1/32 any -P out ipsec "
                "esp/tunnel/%s-192.0.2.10/require;\n" % C.GW)
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write("""workers 1
idle sleep 10 200
control-socket {d}/pfkey.sock
setkey setkey.conf
port a device net_pcap0,rx_pcap={d}/in0.pcap,tx_pcap=/dev/null,infinite_rx=1
port a role protected address 10.0.1.1/24
port b device net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap=/dev/null
port b role unprotected address 192.0.2.1/24
route 10.0.3.0/24 via 192.0.2.2 dev b
neighbor 10.0.1.2 {ha} dev a
neighbor 192.0.2.2 {p} dev b
neighbor 192.0.2.10 {p} dev b
""".format(d=d, ha=C.HOST_A, p=C.PEER))
    dp = Dpsecd(conf, d, mem=256)
    try:
        dp.start()
        time.sleep(secs)
        st = dp.stop()
    finally:
        dp.cleanup()
    sa = {s["spi"]: s for s in st["sa"]}.get(C.SPI_OUT, {})
    rx = st["ports"]["a"]["rx_pkts"]
    static_rx = rx * NSTATIC // len(a)
    return static_rx, sa.get("out_packets", 0), \
        {k: v for k, v in st["drops"].items() if v}


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    d = tempfile.mkdtemp(prefix="dpsec-bench-hol-")
    print("machine: %s, %d CPUs; dpsecd 1 worker, net_pcap infinite_rx, "
          "%.1f s per run" % (platform.node(), os.cpu_count(), secs))
    for stuck in (False, True):
        srx, sout, drops = run(d, stuck, secs)
        print("%-38s static flow: %10d received, %10d encrypted (%5.1f%%); "
              "drops %s" % ("static flow only:" if not stuck else
                            "+ %d/%d packets stuck in acquire:" %
                            (NSTUCK, NSTATIC + NSTUCK), srx, sout,
                            100.0 * sout / srx if srx else 0, drops))


if __name__ == "__main__":
    main()
