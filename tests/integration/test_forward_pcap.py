#!/usr/bin/python3
"""dpsecd on two net_pcap ports over a generated input pcap: IPv4 and IPv6
forwarding (MACs rewritten, TTL/hop limit decremented, checksums right),
ICMP errors (time exceeded, fragmentation needed, packet too big), native
ARP and ND answers, neighbor solicitation, and one malformed packet per
validation drop reason, checked packet by packet and against dpsecd's
drop counters."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd, telemetry  # noqa: E402

from scapy.all import (ARP, ICMP, IP, UDP, Dot1Q, Ether, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IPv6, Raw, raw, rdpcap, wrpcap)
from scapy.layers.inet6 import in6_chksum  # noqa: E402,F401

# net_pcap ports get 02:70:63:61:70:<n> ("pcap") in creation order.
MAC_A = "02:70:63:61:70:00"
MAC_B = "02:70:63:61:70:01"
HOST_A = "02:aa:00:00:00:01"   # site host behind port a
HOST_B = "02:bb:00:00:00:01"   # next hop behind port b
HOST_C = "02:cc:00:00:00:01"   # learnt neighbor on port b

CONF = """# test_forward_pcap
workers {workers}
idle sleep 10 200
arp-retry-ms 20
arp-retries 2
control-socket {d}/pfkey.sock
port a device net_pcap0,rx_pcap={d}/in0.pcap,tx_pcap={d}/out0.pcap
port a role protected address 10.0.1.1/24 address fd00:1::1/64
port b device net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap={d}/out1.pcap
port b role unprotected address 10.0.2.1/24 address fd00:2::1/64 mtu 1280
route 198.51.100.0/24 via 10.0.2.2 dev b
neighbor 10.0.1.2 {ha} dev a
neighbor fd00:1::2 {ha} dev a
neighbor 10.0.2.2 {hb} dev b
neighbor fd00:2::2 {hb} dev b
"""


def eth_a(dst=MAC_A):
    return Ether(src=HOST_A, dst=dst)


def v4(tag, **kw):
    """IPv4 from host A, tagged by IP id; payload carries the tag too."""
    args = dict(src="10.0.1.2", dst="10.0.2.2", id=tag, ttl=64)
    args.update(kw)
    return IP(**args)


def payload(tag, size=16):
    b = ("tag%05d" % tag).encode()
    return Raw(load=(b * (size // len(b) + 1))[:size])


def main():
    # --workers 2: port a on one worker, port b on the other, and the
    # single net_pcap tx queue of each port shared by both workers and the
    # control thread.
    workers = 2 if "--workers=2" in sys.argv else 1
    lcores = "0@0,1@1,2@1" if workers == 2 else "0-1"
    d = tempfile.mkdtemp(prefix="dpsec-pcap-")
    in0, in1 = [], []
    expect_drops = {}

    def drop(reason, n=1):
        expect_drops[reason] = expect_drops.get(reason, 0) + n

    # --- forwarded ---------------------------------------------------
    in0.append(eth_a() / v4(1) / UDP(sport=1000, dport=2000) / payload(1))
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="fd00:2::2", hlim=64) /
               UDP(sport=1000, dport=2000) / payload(2))
    # Ethernet padding is trimmed: a 20+8+2 byte packet in a 60-byte frame.
    p = eth_a() / v4(3) / UDP(sport=1, dport=2) / b"hi"
    in0.append(Ether(raw(p) + b"\0" * (60 - len(p))))
    # Via a gateway route (198.51.100.0/24 via 10.0.2.2).
    in0.append(eth_a() / v4(4, dst="198.51.100.7") / UDP() / payload(4))
    # Broadcast destination MAC is accepted (but the IP is unicast).
    in0.append(eth_a("ff:ff:ff:ff:ff:ff") / v4(5) / UDP() / payload(5))
    # From port b to port a.
    in1.append(Ether(src=HOST_B, dst=MAC_B) /
               IP(src="10.0.2.2", dst="10.0.1.2", id=6, ttl=9) /
               ICMP(type=8, id=6, seq=1) / payload(6))
    # DF packet that fits the 1280 MTU exactly.
    in0.append(eth_a() / v4(7, flags="DF") / UDP() / payload(7, 1280 - 28))

    # --- ICMP errors ---------------------------------------------------
    in0.append(eth_a() / v4(20, ttl=1) / UDP(sport=5, dport=6) / payload(20))
    drop("ttl_exceeded")
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="fd00:2::2", hlim=1) /
               UDP(sport=5, dport=6) / payload(21))
    drop("ttl_exceeded")
    in0.append(eth_a() / v4(22, flags="DF") / UDP() / payload(22, 1300))
    drop("mtu_exceeded")
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="fd00:2::2") / UDP() /
               payload(23, 1300))
    drop("mtu_exceeded")
    # No DF: no fragmentation yet, dropped.
    in0.append(eth_a() / v4(24) / UDP() / payload(24, 1300))
    drop("mtu_exceeded")
    # TTL 1 on an ICMP error: no error about an error.
    in0.append(eth_a() / v4(25, ttl=1) / ICMP(type=3, code=1) / payload(25))
    drop("ttl_exceeded")

    # --- gateway's own traffic without a tap ------------------------------
    in0.append(eth_a("ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=HOST_A, psrc="10.0.1.2", pdst="10.0.1.1"))
    in0.append(Ether(src=HOST_A, dst="33:33:ff:00:00:01") /
               IPv6(src="fd00:1::2", dst="ff02::1:ff00:1", hlim=255) /
               ICMPv6ND_NS(tgt="fd00:1::1") / ICMPv6NDOptSrcLLAddr(lladdr=HOST_A))
    in0.append(eth_a() / v4(30, dst="10.0.1.1") / ICMP(type=8) / payload(30))
    drop("local_no_exception_path")
    # ARP for someone else: learnt from (nothing new), not answered.
    in0.append(eth_a("ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=HOST_A, psrc="10.0.1.2", pdst="10.0.1.77"))
    # A neighbor announces itself (ARP reply on port b); a packet to it
    # leaves with its MAC whether it was learnt before or after the worker
    # looked it up.
    in1.append(Ether(src=HOST_C, dst=MAC_B) /
               ARP(op=2, hwsrc=HOST_C, psrc="10.0.2.10", hwdst=MAC_B,
                   pdst="10.0.2.1"))
    in0.append(eth_a() / v4(8, dst="10.0.2.10") / UDP() / payload(8))

    # --- unresolved next hop: 8 packets held, 2 more dropped, two ARP
    # requests, then the 8 dropped --------------------------------------
    for k in range(10):
        in0.append(eth_a() / v4(40 + k, dst="10.0.2.9") / UDP() / payload(40))
    drop("no_neighbor", 8)
    drop("neighbor_queue_full", 2)

    # --- malformed -------------------------------------------------------
    in0.append(Ether(src=HOST_A, dst="02:00:00:00:00:99") / v4(50) / UDP())
    drop("l2_otherhost")
    in0.append(eth_a() / Dot1Q(vlan=5) / v4(51) / UDP())
    drop("l2_ethertype")
    in0.append(Raw(load=bytes.fromhex(MAC_A.replace(":", "")) + b"\x02\xaa"))
    drop("l2_short")
    in0.append(eth_a("ff:ff:ff:ff:ff:ff") / Raw(load=b"\x00\x01\x08\x00"))
    in0[-1][Ether].type = 0x0806
    drop("l2_short")
    in0.append(Ether(src=HOST_A, dst=MAC_A, type=0x0800) / b"\x45\x00\x00")
    drop("ip4_short")
    p = raw(v4(52) / UDP() / payload(52))
    in0.append(Ether(src=HOST_A, dst=MAC_A, type=0x0800) /
               Raw(bytes([0x55]) + p[1:]))
    drop("ip4_version")
    in0.append(Ether(src=HOST_A, dst=MAC_A, type=0x0800) /
               Raw(bytes([0x44]) + p[1:]))
    drop("ip4_header_length")
    in0.append(eth_a() / v4(53, len=200) / UDP() / payload(53))
    drop("ip4_total_length")
    in0.append(eth_a() / v4(54, chksum=0x1234) / UDP() / payload(54))
    drop("ip4_checksum")
    in0.append(eth_a() / v4(55, src="224.0.0.5") / UDP() / payload(55))
    drop("ip4_bad_source")
    in0.append(eth_a() / v4(56, dst="127.0.0.1") / UDP() / payload(56))
    drop("ip4_bad_destination")
    in0.append(eth_a() / v4(57, dst="203.0.113.1") / UDP() / payload(57))
    drop("no_route")
    in0.append(Ether(src=HOST_A, dst=MAC_A, type=0x86dd) / b"\x60\x00")
    drop("ip6_short")
    p6 = raw(IPv6(src="fd00:1::2", dst="fd00:2::2") / UDP() / payload(58))
    in0.append(Ether(src=HOST_A, dst=MAC_A, type=0x86dd) /
               Raw(bytes([0x40]) + p6[1:]))
    drop("ip6_version")
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="fd00:2::2", plen=500) /
               UDP() / payload(59))
    drop("ip6_payload_length")
    in0.append(eth_a() / IPv6(src="ff02::1", dst="fd00:2::2") / UDP())
    drop("ip6_bad_source")
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="fe80::99") / UDP())
    drop("ip6_bad_destination")
    in0.append(eth_a() / IPv6(src="fd00:1::2", dst="2001:db8::1") / UDP())
    drop("no_route")

    wrpcap(os.path.join(d, "in0.pcap"), in0)
    wrpcap(os.path.join(d, "in1.pcap"), in1)
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(d=d, ha=HOST_A, hb=HOST_B, workers=workers))

    dp = Dpsecd(conf, d, lcores=lcores, telemetry=True)
    tel = {}
    try:
        dp.start()
        import time
        # Done when every input packet was read and the unresolved next
        # hop has failed (its held packets dropped); no fixed sleep.
        deadline = time.time() + 60
        while time.time() < deadline:
            st = telemetry(dp.prefix, "/dpsec/stats")
            nb = [n.lower() for n in telemetry(dp.prefix, "/dpsec/neighbors")]
            if (st["rx_pkts"] == len(in0) + len(in1) and
                    any(n.startswith("10.0.2.9 ") and n.endswith(" failed")
                        for n in nb)):
                break
            time.sleep(0.1)
        time.sleep(0.2)
        for cmd in ("/dpsec/stats", "/dpsec/ports", "/dpsec/drops",
                    "/dpsec/workers", "/dpsec/neighbors"):
            tel[cmd] = telemetry(dp.prefix, cmd)
        stats = dp.stop()
    finally:
        dp.cleanup()
    print(dp.output())

    out0 = rdpcap(os.path.join(d, "out0.pcap"))
    out1 = rdpcap(os.path.join(d, "out1.pcap"))
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    def ip_ok(p):
        """IPv4 header checksum and L4 checksum as computed by scapy."""
        ip = p[IP]
        fresh = IP(raw(ip))
        del fresh.chksum
        return IP(raw(fresh)).chksum == ip.chksum

    # Port b output: forwarded packets by tag, ARP requests.
    fw = {}
    arps = []
    for p in out1:
        if ARP in p:
            arps.append(p)
            continue
        check(p[Ether].src == MAC_B, "out1 src MAC %s" % p[Ether].src)
        want = HOST_C if IP in p and p[IP].dst == "10.0.2.10" else HOST_B
        check(p[Ether].dst == want, "out1 dst MAC %s" % p[Ether].dst)
        if IP in p:
            fw[p[IP].id] = p
        elif IPv6 in p:
            fw[int(raw(p[IPv6].payload)[8 + 3:8 + 8])] = p
    for tag in (1, 3, 4, 5, 7, 8):
        p = fw.get(tag)
        if p is None:
            errors.append("IPv4 tag %d not forwarded" % tag)
            continue
        check(p[IP].ttl == 63, "tag %d ttl %d" % (tag, p[IP].ttl))
        check(ip_ok(p), "tag %d bad IPv4 checksum" % tag)
        check(UDP in p and UDP(raw(p[UDP])).chksum == p[UDP].chksum,
              "tag %d UDP damaged" % tag)
    if 3 in fw:
        check(len(fw[3]) == 14 + 30, "padding not trimmed: %d" % len(fw[3]))
    if 2 in fw:
        check(fw[2][IPv6].hlim == 63, "IPv6 hlim %d" % fw[2][IPv6].hlim)
    else:
        errors.append("IPv6 tag 2 not forwarded")
    check(len(fw) == 7, "out1 forwarded %d packets, want 7: %s" %
          (len(fw), sorted(fw)))
    arp9 = [a for a in arps if a[ARP].pdst == "10.0.2.9"]
    check(len(arp9) == 2, "want 2 ARP requests for 10.0.2.9, got %d" % len(arp9))
    check(len(arps) - len(arp9) <= 1, "too many ARP requests for 10.0.2.10")
    for a in arps:
        check(a[ARP].op == 1 and a[ARP].pdst in ("10.0.2.9", "10.0.2.10") and
              a[ARP].psrc == "10.0.2.1" and a[ARP].hwsrc == MAC_B and
              a[Ether].dst == "ff:ff:ff:ff:ff:ff", "bad ARP request " + a.summary())

    # Port a output.
    seen = {"te4": 0, "te6": 0, "fn": 0, "ptb": 0, "arp": 0, "na": 0, "fwd": 0}
    for p in out0:
        check(p[Ether].src == MAC_A, "out0 src MAC %s" % p[Ether].src)
        check(p[Ether].dst == HOST_A, "out0 dst MAC %s" % p[Ether].dst)
        if ARP in p:
            seen["arp"] += 1
            check(p[ARP].op == 2 and p[ARP].psrc == "10.0.1.1" and
                  p[ARP].hwsrc == MAC_A and p[ARP].pdst == "10.0.1.2",
                  "bad ARP reply " + p.summary())
        elif ICMPv6ND_NA in p:
            seen["na"] += 1
            check(p[ICMPv6ND_NA].tgt == "fd00:1::1" and p[IPv6].hlim == 255 and
                  p[ICMPv6ND_NA].S == 1, "bad NA " + p.summary())
            c = p[ICMPv6ND_NA].cksum
            del p[ICMPv6ND_NA].cksum
            check(IPv6(raw(p[IPv6]))[ICMPv6ND_NA].cksum == c, "NA checksum")
        elif IP in p and ICMP in p and p[ICMP].type == 11:
            seen["te4"] += 1
            check(p[IP].src == "10.0.1.1" and p[IP].dst == "10.0.1.2",
                  "time exceeded addresses " + p.summary())
            check(ip_ok(p), "time exceeded IPv4 checksum")
            q = p[ICMP].payload
            check(raw(q)[4:6] == (20).to_bytes(2, "big"),
                  "time exceeded quotes the wrong packet")
            c = p[ICMP].chksum
            del p[ICMP].chksum
            check(ICMP(raw(p[ICMP])).chksum == c, "ICMP checksum")
        elif IP in p and ICMP in p and p[ICMP].type == 3:
            seen["fn"] += 1
            check(p[ICMP].code == 4 and p[ICMP].nexthopmtu == 1280,
                  "frag needed: code %d mtu %d" % (p[ICMP].code,
                                                   p[ICMP].nexthopmtu))
            check(len(p[IP]) <= 576, "frag needed too long: %d" % len(p[IP]))
        elif ICMPv6TimeExceeded in p:
            seen["te6"] += 1
            check(p[IPv6].src == "fd00:1::1" and p[IPv6].dst == "fd00:1::2",
                  "ICMPv6 time exceeded addresses")
            c = p[ICMPv6TimeExceeded].cksum
            del p[ICMPv6TimeExceeded].cksum
            check(IPv6(raw(p[IPv6]))[ICMPv6TimeExceeded].cksum == c,
                  "ICMPv6 checksum")
        elif ICMPv6PacketTooBig in p:
            seen["ptb"] += 1
            check(p[ICMPv6PacketTooBig].mtu == 1280, "PTB mtu")
            check(len(p[IPv6]) <= 1280, "PTB too long")
        elif IP in p and p[IP].id == 6:
            seen["fwd"] += 1
            check(p[IP].ttl == 8 and ip_ok(p), "b->a forward ttl/checksum")
        else:
            errors.append("unexpected on port a: " + p.summary())
    want = {"te4": 1, "te6": 1, "fn": 1, "ptb": 1, "arp": 1, "na": 1, "fwd": 1}
    check(seen == want, "port a output %s, want %s" % (seen, want))

    # Counters.
    drops = {k: v for k, v in stats["drops"].items() if v}
    check(drops == expect_drops, "drops %s, want %s" % (drops, expect_drops))
    check(stats["ports"]["a"]["rx_pkts"] == len(in0),
          "port a rx %d, want %d" % (stats["ports"]["a"]["rx_pkts"], len(in0)))
    check(stats["ports"]["b"]["rx_pkts"] == len(in1), "port b rx")
    check(stats["ports"]["b"]["tx_pkts"] == len(out1), "port b tx counter")
    check("10.0.2.10 %s dev b reachable" % HOST_C in
          [n.lower() for n in tel["/dpsec/neighbors"]], "10.0.2.10 not learnt")
    check(stats["ports"]["a"]["tx_pkts"] == len(out0), "port a tx counter")
    check(stats["icmp_errors"] == 4, "icmp_errors %d" % stats["icmp_errors"])

    # The same counters through DPDK telemetry while it ran.
    tdrops = {k: v for k, v in tel["/dpsec/drops"].items() if v}
    check(tdrops == expect_drops, "telemetry drops %s" % tdrops)
    check(set(tel["/dpsec/drops"]) == set(stats["drops"]),
          "telemetry drop reasons differ: %s" %
          (set(tel["/dpsec/drops"]) ^ set(stats["drops"])))
    check(tel["/dpsec/stats"]["rx_pkts"] == len(in0) + len(in1) and
          tel["/dpsec/stats"]["workers"] == workers and
          tel["/dpsec/stats"]["icmp_errors"] == 4,
          "telemetry stats %s" % tel["/dpsec/stats"])
    ta = tel["/dpsec/ports"]["a"]
    check(ta["role"] == "protected" and ta["mac"] == MAC_A and
          ta["rx_pkts"] == len(in0) and ta["dev_ipackets"] == len(in0),
          "telemetry port a %s" % ta)
    check(tel["/dpsec/ports"]["b"]["mtu"] == 1280, "telemetry port b mtu")
    check(set(tel["/dpsec/workers"]) ==
          {"worker%d" % i for i in range(workers)} | {"control"},
          "telemetry workers %s" % tel["/dpsec/workers"])
    neigh = sorted(tel["/dpsec/neighbors"])
    neigh = [n.lower() for n in neigh]
    for n in ("10.0.1.2 %s dev a static" % HOST_A,
              "fd00:2::2 %s dev b static" % HOST_B,
              "10.0.2.9 00:00:00:00:00:00 dev b failed"):
        check(n in neigh, "neighbor %r not in %s" % (n, neigh))

    if errors:
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: %d in, %d+%d out, drops %s" % (len(in0) + len(in1), len(out0),
                                              len(out1), drops))


if __name__ == "__main__":
    main()
