#!/usr/bin/python3
"""Fragment floods and forged ICMP "fragmentation needed" through dpsecd
(issue 10 item 4; the counters of docs/mtu.md).

Run 1 (exact, a finite pcap per port, one worker; bursts of 32 are read
from port a then port b, so the order between the ports is known):
  port b, burst 1: forged frag-needed messages quoting ESP -- an unknown
    SPI, our outbound SPI with another destination, with another source,
    an inbound SPI, an MTU below 576, an MTU above the egress MTU -- then
    legitimate ESP;
  port a, burst 2: DF packets that fit the egress MTU but not 1300 bytes
    of path MTU: all must leave encrypted (the forgeries changed nothing);
  port b, burst 2: a valid frag-needed (1300) for our outbound SA;
  port a, burst 3: the same DF packets: now ICMP frag-needed back with
    the usable MTU of a 1300-byte path, none encrypted;
  port b, then: fragmented legitimate ESP (reassembled, decrypted,
    delivered), bad fragments (length not a multiple of 8), oversized
    ones (past 65535), overlapping pairs, and a flood of 300 first
    fragments that never complete, against reassembly-entries 64: the
    table holds at most 64 datagrams (freed and counted "shutdown" at
    exit), the rest are dropped as reasm_table_full; legitimate ESP is
    interleaved throughout and must all come out decrypted, in order.
  Exact drop counters per reason; rx = tx - icmp errors + drops; no mbuf
  in use at exit.

Run 2 (throughput, printed, not asserted): dpsecd replays a pcap forever,
first legitimate ESP only, then the same packets each followed by attack
frames (incomplete-datagram fragments with fresh ids, forged
frag-needed); legitimate packets per second of each.  Asserted only:
traffic flowed in both, and every packet and mbuf accounted for."""
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import (ICMP, IP, UDP, Ether, Raw,  # noqa: E402
                       fragment, raw, rdpcap, wrpcap)
from scapy.layers.ipsec import ESP  # noqa: E402

FLOOD = 300
ENTRIES = 64


def usable(mtu):
    """esp_sa_max_inner() for AES-GCM-16 tunnel IPv4 (as
    test_ipsec_mtu_pcap.py)."""
    return ((mtu - (20 + 8 + 8 + 16)) // 4) * 4 - 2


def ptb(spi, mtu, src=C.GW, dst=C.PEER_IP, ident=1):
    """ICMP frag-needed from a router, quoting an ESP packet src -> dst."""
    quoted = IP(src=src, dst=dst, id=ident, flags="DF") / \
        ESP(spi=spi, seq=1) / Raw(b"\0" * 40)
    return Ether(src=C.PEER, dst=C.MAC_B) / \
        IP(src="192.0.2.254", dst=C.GW) / \
        ICMP(type=3, code=4, nexthopmtu=mtu) / raw(quoted)[:28 + 8]


def empty_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))


def frag_raw(ident, off8, payload, mf=True, proto=50):
    """One IPv4 fragment for GW: offset in 8-byte units."""
    return Ether(src=C.PEER, dst=C.MAC_B) / \
        IP(src=C.PEER_IP, dst=C.GW, id=ident, proto=proto,
           flags="MF" if mf else 0, frag=off8) / Raw(payload)


def exact_run(d):
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(C.setkey_text())
    eb = Ether(src=C.PEER, dst=C.MAC_B)
    ea = Ether(src=C.HOST_A, dst=C.MAC_A)
    peer = C.sa_in()
    legit = []          # inner packets expected on port a, in order
    seq = [0]

    def esp_in(size=40):
        seq[0] += 1
        i = seq[0]
        ip = IP(src="10.0.2.7", dst="10.0.1.2", id=i, ttl=30) / \
            UDP(sport=7, dport=5000 + i) / Raw(bytes(i % 256 for _ in
                                                    range(size)))
        peer.seq_num = i
        legit.append(ip)
        return peer.encrypt(ip)

    want = {}

    def drop(reason, n=1):
        want[reason] = want.get(reason, 0) + n

    # -- port b ---------------------------------------------------------
    b1 = [ptb(0x7777, 1300, ident=1),                      # unknown SPI
          ptb(C.SPI_OUT, 1300, dst="192.0.2.99", ident=2),  # other dst
          ptb(C.SPI_OUT, 1300, src="192.0.2.77", ident=3),  # other src
          ptb(C.SPI_IN, 1300, ident=4)]                     # inbound SPI
    drop("icmp_pmtu_no_sa", 4)
    b1 += [ptb(C.SPI_OUT, 500, ident=5),                   # < 576
           ptb(C.SPI_OUT, 1600, ident=6)]                  # > egress MTU
    drop("icmp_pmtu_implausible", 2)
    while len(b1) < 32:
        b1.append(eb / esp_in())
    b2 = [ptb(C.SPI_OUT, 1300, ident=7)]
    drop("icmp_pmtu_learnt")
    while len(b2) < 32:
        b2.append(eb / esp_in())
    rest = []
    # legitimate fragmented ESP (before the flood fills the table)
    for k in range(10):
        e = IP(raw(esp_in(1200)))
        for fr in fragment(e, fragsize=800):
            rest.append(eb / fr)
        rest.append(eb / esp_in())
    # bad fragments: MF and a length not a multiple of 8
    for k in range(10):
        rest.append(frag_raw(20000 + k, 0, b"\x11" * 61))
        rest.append(eb / esp_in())
    drop("reasm_bad_fragment", 10)
    # oversized: the end past 65535
    for k in range(10):
        rest.append(frag_raw(21000 + k, 8190, b"\x22" * 64))
        rest.append(eb / esp_in())
    drop("reasm_oversize", 10)
    # overlapping pairs: the whole datagram goes, both fragments counted
    for k in range(5):
        rest.append(frag_raw(22000 + k, 0, b"\x33" * 64))
        rest.append(frag_raw(22000 + k, 4, b"\x44" * 64, mf=False))
        rest.append(eb / esp_in())
    drop("reasm_overlap", 10)
    # the flood: first fragments that never complete
    for k in range(FLOOD):
        rest.append(frag_raw(30000 + k, 0, bytes([k & 0xff]) * 256))
        if k % 10 == 0:
            rest.append(eb / esp_in())
    # -- port a ---------------------------------------------------------
    big = usable(1300) + 20     # fits 1500, not a 1300-byte path
    a = []
    small = []

    def out_pkt(size, df, ident):
        p = IP(src="10.0.1.2", dst="10.0.2.7", id=ident, ttl=64,
               flags="DF" if df else 0) / UDP(sport=ident, dport=9)
        return p / Raw(bytes((ident + i) & 0xff for i in range(size - 28)))

    for i in range(32):
        p = out_pkt(100, True, 100 + i)
        small.append(p)
        a.append(ea / p)
    probe = []
    for burst in range(2):
        for i in range(32):
            if i < 8:
                p = out_pkt(big, True, 200 + burst * 32 + i)
                if burst == 0:
                    probe.append(p)     # must leave encrypted
                else:
                    drop("esp_too_big")  # ICMP back (8 <= icmp burst 10)
            else:
                p = out_pkt(100, True, 200 + burst * 32 + i)
                small.append(p)
            a.append(ea / p)
    wrpcap(os.path.join(d, "in0.pcap"), a)
    wrpcap(os.path.join(d, "in1.pcap"), b1 + b2 + rest)
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write(C.conf(d, extra="reassembly-entries %d\n"
                       "reassembly-timeout-ms 60000\n" % ENTRIES))
    dp = Dpsecd(conf, d)
    try:
        dp.start()
        time.sleep(3.0)
        stats = dp.stop()
    finally:
        dp.cleanup()

    drops = {k: v for k, v in stats["drops"].items() if v}
    held = drops.get("shutdown", 0)
    full = drops.get("reasm_table_full", 0)
    # held: one fragment per datagram, all from the flood (the overlapping
    # pairs were dropped whole)
    check(0 < held <= ENTRIES and held + full == FLOOD,
          "flood of %d: %d held at exit (bound %d), %d table_full" %
          (FLOOD, held, ENTRIES, full))
    want2 = dict(want)
    if held:
        want2["shutdown"] = held
    if full:
        want2["reasm_table_full"] = full
    check(drops == want2, "drops %s, want %s" % (drops, want2))
    out0 = rdpcap(os.path.join(d, "out0.pcap"))
    got = [bytes(p[IP]) for p in out0 if IP in p and p[IP].proto == 17]
    # A reassembled datagram leaves after the unfragmented packets of its
    # burst (stage_reassemble appends it): in order except for those.
    whole = [C.forwarded(p) for p in legit if len(p) < 1000]
    check(sorted(got) == sorted(C.forwarded(p) for p in legit) and
          [g for g in got if len(g) < 1000] == whole,
          "port a: %d UDP packets, want the %d legitimate ones (the "
          "unfragmented in order)" % (len(got), len(legit)))
    icmps = [p for p in out0 if ICMP in p and p[ICMP].type == 3]
    check(len(icmps) == 8 and all(p[ICMP].nexthopmtu == usable(1300)
                                  for p in icmps),
          "%d frag-needed to the host (want 8 with MTU %d): %s" %
          (len(icmps), usable(1300), [p[ICMP].nexthopmtu for p in icmps]))
    out1 = rdpcap(os.path.join(d, "out1.pcap"))
    sa = C.sa_out()
    inner = []
    for p in out1:
        if ESP in p and p[ESP].spi == C.SPI_OUT:
            inner.append(bytes(sa.decrypt(p[IP])[IP]))
    check(inner == [C.forwarded(p) for p in small[:32] + probe +
                    small[32:]] or
          sorted(inner) == sorted(C.forwarded(p) for p in small + probe),
          "port b: %d ESP packets, want %d (the %d big DF packets before "
          "the valid frag-needed among them)" %
          (len(inner), len(small) + len(probe), len(probe)))
    rx, tx = stats["rx_pkts"], stats["tx_pkts"]
    # 20 fragments became 10 datagrams
    reasm, merged = stats["mtu"]["reassembled"], stats["mtu"]["merged"]
    check(reasm == 10 and merged == 20, "%d datagrams reassembled from %d "
          "fragments, want 10 from 20" % (reasm, merged))
    check(rx == tx - stats["icmp_errors"] + stats["drops_total"] + merged -
          reasm, "rx %d != tx %d - icmp %d + drops %d + fragments %d - "
          "datagrams %d" % (rx, tx, stats["icmp_errors"],
                            stats["drops_total"], merged, reasm))
    inuse = {k: v["in_use"] for k, v in stats["pools"].items()
             if k.startswith("dp_") and v["in_use"]}
    check(not inuse, "mbufs in use at exit: %s" % inuse)
    if errors:
        print(dp.output())
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: %d frames on port b: %d legitimate delivered in order "
          "(%d of them fragmented), %d ESP out, %d frag-needed after the "
          "valid PTB; flood of %d: %d held (bound %d), %d table_full; "
          "drops %s" % (len(b1 + b2 + rest), len(got), 10, len(inner),
                        len(icmps), FLOOD, held, ENTRIES, full, drops))


def rate_run(d, name, frames, secs):
    """dpsecd replaying frames forever on port b; legitimate pkt/s."""
    wrpcap(os.path.join(d, name + ".pcap"), frames)
    conf = os.path.join(d, name + ".conf")
    with open(conf, "w") as f:
        f.write("""workers 1
idle busy-poll
setkey {d}/rate-setkey.conf
reassembly-entries {e}
port a device net_pcap0,rx_pcap={d}/empty.pcap,tx_pcap=/dev/null
port a role protected address 10.0.1.1/24
port b device net_pcap1,rx_pcap={d}/{n}.pcap,tx_pcap=/dev/null,infinite_rx=1
port b role unprotected address 192.0.2.1/24
neighbor 10.0.1.2 {ha} dev a
""".format(d=d, n=name, e=ENTRIES, ha=C.HOST_A))
    dp = Dpsecd(conf, d, mem=256)
    try:
        dp.start()
        t0 = time.time()
        time.sleep(secs)
        stats = dp.stop()
        t = time.time() - t0
    finally:
        dp.cleanup()
    sa = {s["spi"]: s for s in stats["sa"]}.get(C.SPI_IN, {})
    return stats, sa.get("in_packets", 0) / t, t


def rate_runs(d, secs):
    errors = []
    empty_pcap(os.path.join(d, "empty.pcap"))
    with open(os.path.join(d, "rate-setkey.conf"), "w") as f:
        # no replay window: the replayed file stays valid
        f.write("add %s %s esp 0x%x -m tunnel -E aes-gcm-16 0x%s;\n" %
                (C.GW, C.PEER_IP, C.SPI_OUT, C.KEY_OUT.hex()) +
                "add %s %s esp 0x%x -m tunnel -E aes-gcm-16 0x%s;\n" %
                (C.PEER_IP, C.GW, C.SPI_IN, C.KEY_IN.hex()) +
                "spdadd %s %s any -P in ipsec esp/tunnel/%s-%s/require;\n" %
                (C.SITE_B, C.SITE_A, C.PEER_IP, C.GW))
    eb = Ether(src=C.PEER, dst=C.MAC_B)
    peer = C.sa_in()
    legit, mixed = [], []
    nattack = 0
    for i in range(128):
        peer.seq_num = i + 1
        good = eb / peer.encrypt(IP(src="10.0.2.7", dst="10.0.1.2") /
                                 UDP(sport=7, dport=9) / Raw(b"x" * 100))
        legit.append(good)
        mixed.append(good)
        # 3 attack frames per legitimate packet: two incomplete datagrams
        # (a first and a last fragment of different ids) and a forgery
        mixed.append(frag_raw(40000 + i, 0, b"\x55" * 256))
        mixed.append(frag_raw(50000 + i, 64, b"\x66" * 100, mf=False))
        mixed.append(ptb(0x7000 + i, 1300, ident=i) if i % 2 else
                     ptb(C.SPI_OUT, 400, ident=i))
        nattack += 3
    s0, l0, t0 = rate_run(d, "legit", legit, secs)
    s1, l1, t1 = rate_run(d, "mixed", mixed, secs)
    for s, frames, name in ((s0, legit, "legit"), (s1, mixed, "mixed")):
        rx, tx = s["rx_pkts"], s["tx_pkts"]
        if rx != tx - s["icmp_errors"] + s["drops_total"]:
            errors.append("%s: rx %d != tx %d + drops %d" %
                          (name, rx, tx, s["drops_total"]))
        held = sum(v["in_use"] for k, v in s["pools"].items()
                   if k.startswith("dp_pool"))
        if held != len(frames):
            errors.append("%s: %d mbufs in use at exit, want %d (the "
                          "infinite_rx copies)" % (name, held, len(frames)))
        bad = {k for k, v in s["drops"].items() if v} - {
            "reasm_table_full", "reasm_overlap", "reasm_timeout",
            "icmp_pmtu_no_sa", "icmp_pmtu_implausible", "shutdown"}
        if bad:
            errors.append("%s: unexpected drops %s" % (name, bad))
    if l0 <= 0 or l1 <= 0:
        errors.append("legitimate traffic stopped: %.0f / %.0f pkt/s" %
                      (l0, l1))
    print("throughput (1 worker, busy-poll, net_pcap infinite_rx, %.1f s "
          "each, shared machine, indicative only):" % secs)
    print("  legitimate only:                 %9.0f legit pkt/s" % l0)
    print("  + 3 attack frames each (2 incomplete-datagram fragments, 1 "
          "forged PTB): %9.0f legit pkt/s (%.0f%%), %.0f frames/s; drops %s"
          % (l1, 100.0 * l1 / l0 if l0 else 0, s1["rx_pkts"] / t1,
             {k: v for k, v in s1["drops"].items() if v}))
    return errors


def main():
    d = tempfile.mkdtemp(prefix="dpsec-hostile-frag-")
    exact_run(d)
    errors = rate_runs(d, float(os.environ.get("DPSEC_RATE_SECONDS", 2)))
    if errors:
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
