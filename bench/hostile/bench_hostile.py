#!/usr/bin/python3
"""Legitimate ESP throughput through dpsecd with and without an attack mix
in the same traffic (issue 10, deliverable 4: 'measured').

dpsecd runs one worker on two net_pcap ports; the unprotected port replays
a pcap forever (infinite_rx).  Run 1: only legitimate ESP (an inbound
AES-GCM SA without anti-replay window, so the replayed file stays valid).
Run 2: the same legitimate packets, each followed by ATTACK_RATIO attack
frames (unknown SPI, bad ICV, runts, lying IP lengths, truncated ESP).
Each run lasts SECONDS; the figures are the decrypted legitimate packets
per second and all frames per second (from dpsecd's counters), and the
cost per attack frame derived from both runs.  Numbers from a shared
2-core VM are indicative only.

Usage: bench_hostile.py [SECONDS] [ATTACK_RATIO]   (defaults 5 and 3)
Environment: DPSEC_BUILD (the meson build directory)."""
import os
import platform
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tests", "integration"))
from dpsecd_run import Dpsecd  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import ICMP, IP, IPv6, Ether, PcapWriter, Raw  # noqa: E402
from scapy.layers.ipsec import ESP  # noqa: E402

NLEGIT = 256


def write(path, frames):
    w = PcapWriter(path, linktype=1, sync=True)
    for f in frames:
        w.write(bytes(f))
    w.close()


def run(d, name, secs):
    conf = os.path.join(d, name + ".conf")
    with open(os.path.join(d, "empty.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    with open(conf, "w") as f:
        f.write("""workers 1
idle busy-poll
setkey {d}/setkey.conf
port a device net_pcap0,rx_pcap={d}/empty.pcap,tx_pcap=/dev/null
port a role protected address 10.0.1.1/24
port b device net_pcap1,rx_pcap={d}/{name}.pcap,tx_pcap=/dev/null,infinite_rx=1
port b role unprotected address 192.0.2.1/24 mbufs 8192
neighbor 10.0.1.2 {ha} dev a
""".format(d=d, name=name, ha=C.HOST_A))
    dp = Dpsecd(conf, d, lcores="0-1", mem=256)
    try:
        dp.start()
        t0 = time.time()
        time.sleep(secs)
        stats = dp.stop()
        t = time.time() - t0
    finally:
        dp.cleanup()
    sa = {s["spi"]: s for s in stats["sa"]}.get(C.SPI_IN, {})
    return sa.get("in_packets", 0) / t, stats["ports"]["b"]["rx_pkts"] / t


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    ratio = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    d = tempfile.mkdtemp(prefix="dpsec-bench-hostile-")
    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write("add %s %s esp 0x%x -m tunnel -E aes-gcm-16 0x%s;\n" %
                (C.PEER_IP, C.GW, C.SPI_IN, C.KEY_IN.hex()) +
                "spdadd %s %s any -P in ipsec esp/tunnel/%s-%s/require;\n" %
                (C.SITE_B, C.SITE_A, C.PEER_IP, C.GW))
    eth = Ether(src=C.PEER, dst=C.MAC_B)
    peer = C.sa_in()
    legit, mixed = [], []
    attacks = [
        lambda i: eth / IP(src=C.PEER_IP, dst=C.GW) /
        ESP(spi=0x70000 + i, seq=1) / Raw(b"\x5a" * 80),
        None,   # bad ICV, built below
        lambda i: bytes(eth)[:10],
        lambda i: eth / IP(src=C.PEER_IP, dst=C.GW, len=1400) / Raw(b"y" * 40),
        lambda i: eth / IP(src=C.PEER_IP, dst=C.GW, proto=50) / Raw(b"\0\0"),
        lambda i: eth / IPv6(src="fd00:9::5", dst="fd00:1::2", plen=1400) /
        Raw(b"y" * 40),
    ]
    for i in range(NLEGIT):
        ip = IP(src="10.0.2.7", dst="10.0.1.2", ttl=30) / \
            ICMP(type=0, id=9, seq=i) / Raw(b"x" * 100)
        peer.seq_num = i + 1
        good = eth / peer.encrypt(ip)
        legit.append(good)
        mixed.append(good)
        for k in range(ratio):
            a = attacks[(i * ratio + k) % len(attacks)]
            if a is None:
                e = bytearray(bytes(good))
                e[-1] ^= 1
                mixed.append(bytes(e))
            else:
                mixed.append(a(i))
    write(os.path.join(d, "legit.pcap"), legit)
    write(os.path.join(d, "mixed.pcap"), mixed)
    l0, f0 = run(d, "legit", secs)
    l1, f1 = run(d, "mixed", secs)
    print("machine: %s, %s, %d CPUs; dpsecd 1 worker, net_pcap "
          "infinite_rx, AES-128-GCM inbound tunnel SA, %d-byte inner "
          "packets; %.1f s per run" % (platform.node(), platform.processor()
                                       or platform.machine(),
                                       os.cpu_count(), 128, secs))
    print("legitimate only:      %10.0f legit pkt/s  %10.0f frames/s" %
          (l0, f0))
    print("with attack 1:%d:     %10.0f legit pkt/s  %10.0f frames/s" %
          (ratio, l1, f1))
    if l0 > 0 and f1 > 0:
        # time per legit packet t0 = 1/l0; in run 2 each legit packet
        # comes with `ratio` attack frames: 1/l1 = t0 + ratio * ta
        ta = (1.0 / l1 - 1.0 / l0) / ratio if l1 > 0 else float("nan")
        print("legitimate rate under attack: %.0f%% of the clean rate; "
              "cost per attack frame ~ %.0f ns vs %.0f ns per legitimate "
              "packet" % (100.0 * l1 / l0, ta * 1e9, 1e9 / l0))


if __name__ == "__main__":
    main()
