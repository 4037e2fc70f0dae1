#!/usr/bin/python3
"""Hostile traffic through dpsecd (issue 10): on the unprotected port, 200
legitimate ESP packets of an inbound SA are interleaved with an attack mix
-- an unknown-SPI flood, a replay storm, an ICV-failure flood, truncated
ESP, tiny frames (runts, short IPv4/IPv6 headers), frames whose IP header
claims more than they carry, and transit IPv6 with extension-header
chains against a port-specific DISCARD policy.  Every legitimate packet
must come out decrypted, in order; every attack packet must be dropped
and counted under its own reason, exactly; the IPv6 packets the policy
does not cover must still pass (BYPASS).

The extension-header case is the regression test of the SPD selector fix
(dp_spd_key() skipping IPv6 extension headers): before it, a hop-by-hop
plus destination-options header let 'tcp port 22 discard' be evaded."""
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import (ICMP, IP, IPv6, IPv6ExtHdrDestOpt,  # noqa: E402
                       IPv6ExtHdrHopByHop, TCP, Ether, PcapWriter, Raw,
                       rdpcap)
from scapy.layers.ipsec import ESP  # noqa: E402

N = 200


def main():
    d = tempfile.mkdtemp(prefix="dpsec-hostile-")
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(C.setkey_text() +
                "spdadd fd00:9::/64 fd00:1::/64[22] tcp -P in discard;\n")
    eth = Ether(src=C.PEER, dst=C.MAC_B)
    peer = C.sa_in()
    frames, legit = [], []
    want = {}

    def drop(reason, n=1):
        want[reason] = want.get(reason, 0) + n

    v6_pass = []
    for i in range(N):
        ip = IP(src="10.0.2.7", dst="10.0.1.2", id=7000 + i, ttl=30) / \
            ICMP(type=0, id=9, seq=i) / Raw(b"legit%04d" % i)
        legit.append(ip)
        peer.seq_num = i + 1
        good = eth / peer.encrypt(ip)
        frames.append(good)
        # replay storm: the same packet again, right behind it
        frames.append(good)
        drop("esp_replay")
        # unknown-SPI flood
        frames.append(eth / IP(src=C.PEER_IP, dst=C.GW) /
                      ESP(spi=0x70000 + i, seq=1) / Raw(b"\x5a" * 48))
        drop("esp_no_sa")
        if i % 2 == 0:
            # ICV-failure flood: ahead of the window, bad tag
            peer.seq_num = 100000 + i
            e = bytearray(bytes(peer.encrypt(ip)))
            e[-1] ^= 0x80
            frames.append(eth / IP(bytes(e)))
            drop("esp_auth")
        if i % 10 == 0:
            # truncated ESP: shorter than its header
            frames.append(eth / IP(src=C.PEER_IP, dst=C.GW, proto=50) /
                          Raw(b"\0\0\x20"))
            drop("esp_truncated")
            # tiny frames
            frames.append(bytes(eth)[:10])
            drop("l2_short")
            frames.append(bytes(eth)[:12] + b"\x08\x00" + b"\x45" * 10)
            drop("ip4_short")
            frames.append(bytes(eth)[:12] + b"\x86\xdd" + b"\x60" * 30)
            drop("ip6_short")
            # headers claiming more than the frame carries
            big = IP(src=C.PEER_IP, dst=C.GW, len=1400) / Raw(b"y" * 40)
            frames.append(eth / big)
            drop("ip4_total_length")
            big6 = IPv6(src="fd00:9::5", dst="fd00:1::2", plen=1400) / \
                Raw(b"y" * 40)
            frames.append(eth / big6)
            drop("ip6_payload_length")
            # transit IPv6 behind an extension-header chain
            for dport in (22, 80):
                p6 = IPv6(src="fd00:9::5", dst="fd00:1::2", hlim=40) / \
                    IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / \
                    TCP(sport=40000 + i, dport=dport) / Raw(b"v6")
                frames.append(eth / p6)
                if dport == 22:
                    drop("spd_discard")
                else:
                    v6_pass.append(p6)

    w = PcapWriter(os.path.join(d, "in1.pcap"), linktype=1, sync=True)
    for f in frames:
        w.write(bytes(f))
    w.close()
    with open(os.path.join(d, "in0.pcap"), "wb") as f:   # no packets
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write(C.conf(d, extra="port a address fd00:1::1/64\n"
                "port b address fd00:2::1/64\n"
                "neighbor fd00:1::2 %s dev a\n" % C.HOST_A))
    dp = Dpsecd(conf, d)
    try:
        dp.start()
        time.sleep(2.0)
        stats = dp.stop()
    finally:
        dp.cleanup()

    out0 = rdpcap(os.path.join(d, "out0.pcap"))
    got4 = [bytes(p[IP]) for p in out0 if IP in p]
    check(got4 == [C.forwarded(p) for p in legit],
          "port a: %d IPv4 packets, want the %d legitimate ones in order" %
          (len(got4), len(legit)))
    got6 = [p[IPv6] for p in out0 if IPv6 in p]
    check(len(got6) == len(v6_pass) and
          all(TCP in p and p[TCP].dport == 80 for p in got6),
          "port a: %d IPv6 packets (want %d, all port 80)" %
          (len(got6), len(v6_pass)))
    drops = {k: v for k, v in stats["drops"].items() if v}
    check(drops == want, "drops %s, want %s" % (drops, want))
    sin = {s["spi"]: s for s in stats["sa"]}.get(C.SPI_IN, {})
    check(sin.get("in_packets") == N and
          sin.get("drops", {}).get("replay") == want["esp_replay"] and
          sin.get("drops", {}).get("auth") == want["esp_auth"],
          "SA in counters %s" % sin)
    if errors:
        print(dp.output())
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: %d frames (%d legitimate ESP delivered in order, %d IPv6 "
          "bypassed), drops %s" % (len(frames), len(got4), len(got6), drops))


if __name__ == "__main__":
    main()
