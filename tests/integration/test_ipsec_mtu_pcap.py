#!/usr/bin/python3
"""Issue 8 through dpsecd (docs/mtu.md): an AES-GCM-16 tunnel on two
net_pcap ports, the unprotected port with IP MTU 1400, scapy as the peer.

Outbound (protected port a -> ESP on port b):
- sizes usable-1, usable, usable+1 with DF set and clear: the ones that
  fit leave as one ESP packet of at most 1400 bytes; DF set and too big
  comes back on port a as ICMP "fragmentation needed" with MTU = usable,
  correct checksums, quoting the packet; DF clear and too big leaves as
  several ESP packets (RFC 4459 pre-fragmentation), every one <= 1400,
  which scapy decrypts and whose inner fragments reassemble to the
  forwarded original.
- an ICMP frag-needed from a router on the unprotected side quoting one
  of our ESP packets of a second tunnel (to 192.0.2.3, MTU 1300) lowers
  that SA's path MTU: DF packets of the old usable size sent after it (64
  packets later, so the worker has polled port b by then) get
  frag-needed with usable(1300), packets of usable(1300) still pass; the
  same ICMP for an unknown SPI and one with an implausible MTU (500) are
  ignored and counted.  (A second tunnel, so that the boundary packets of
  the first do not depend on when the ICMP is read.)
Inbound: the peer's ESP packets fragmented (in order, out of order) are
reassembled before the SA lookup and leave on port a as the originals;
an overlapping set is dropped and counted.

With --jumbo both ports have MTU 9000: a 8900-byte packet each way is
one ESP packet (no fragments) and arrives intact."""
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import (IP, UDP, ICMP, Ether, Raw, rdpcap, wrpcap,  # noqa: E402
                       fragment, defragment, raw)
from scapy.layers.ipsec import ESP  # noqa: E402


def usable(mtu):
    """esp_sa_max_inner() for AES-GCM-16 tunnel IPv4: outer 20, ESP 8,
    IV 8, ICV 16, 4-byte alignment, 2 trailer bytes."""
    fixed = 20 + 8 + 8 + 16
    return ((mtu - fixed) // 4) * 4 - 2


def udp_pkt(size, df, ident, dst="10.0.2.7"):
    ip = IP(src="10.0.1.2", dst=dst, id=ident, ttl=64,
            flags="DF" if df else 0) / UDP(sport=ident, dport=9)
    return ip / Raw(bytes((ident + i) & 0xff for i in range(size - 28)))


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


PEER2 = "192.0.2.3"
SPI2 = 0x1003


def setkey2():
    return ("add %s %s esp 0x%x -m tunnel -r 64 -E aes-gcm-16 0x%s;\n"
            "spdadd 10.0.1.0/24 10.0.5.0/24 any -P out ipsec "
            "esp/tunnel/%s-%s/require;\n" %
            (C.GW, PEER2, SPI2, C.KEY_OUT.hex(), C.GW, PEER2))


def sa2():
    from scapy.layers.ipsec import SecurityAssociation
    return SecurityAssociation(ESP, spi=SPI2, crypt_algo="AES-GCM",
                               crypt_key=C.KEY_OUT,
                               tunnel_header=IP(src=C.GW, dst=PEER2))


def ptb_from_router(spi, mtu, ident):
    """ICMP frag-needed from a router on the path quoting our ESP packet."""
    quoted = IP(src=C.GW, dst=PEER2, id=ident, flags="DF") / \
        ESP(spi=spi, seq=1) / Raw(b"\0" * 40)
    icmp = ICMP(type=3, code=4, nexthopmtu=mtu) / raw(quoted)[:28 + 8]
    return Ether(src=C.PEER, dst=C.MAC_B) / \
        IP(src="192.0.2.254", dst=C.GW) / icmp


def run(jumbo):
    d = tempfile.mkdtemp(prefix="dpsec-mtu-pcap-")
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    mtu = 9000 if jumbo else 1400
    u = usable(mtu)
    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(C.setkey_text() + setkey2())
    in0, in1 = [], []
    fits, ptb, pre, fits2 = [], [], [], []
    ident = 100
    if jumbo:
        p = udp_pkt(8900, True, ident)
        fits.append(p)
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / p)
    else:
        for size in (u - 1, u, u + 1, 1500):
            for df in (True, False):
                ident += 1
                p = udp_pkt(size, df, ident)
                in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / p)
                if size <= u:
                    fits.append(p)
                elif df:
                    ptb.append((p, u))
                else:
                    pre.append(p)
        # Filler so the router's ICMP (port b, first burst) is handled
        # before the packets after it (one worker polls a, then b).
        while len(in0) < 64:
            ident += 1
            p = udp_pkt(100, True, ident)
            fits.append(p)
            in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / p)
        # Second tunnel, after the path MTU is learnt: the old usable
        # size is too big, the new one fits.
        ident += 1
        p = udp_pkt(u, True, ident, dst="10.0.5.5")
        ptb.append((p, usable(1300)))
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / p)
        ident += 1
        p = udp_pkt(usable(1300), True, ident, dst="10.0.5.5")
        fits2.append(p)
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / p)
        in1.append(ptb_from_router(SPI2, 1300, 1))
        in1.append(ptb_from_router(0x7777, 1300, 2))      # no such SA
        in1.append(ptb_from_router(SPI2, 500, 3))    # implausible

    # Inbound ESP from the peer.
    peer = C.sa_in()
    inner_in = []
    seq = 0

    def esp_in(inner):
        nonlocal seq
        seq += 1
        peer.seq_num = seq
        return peer.encrypt(inner)

    if jumbo:
        q = IP(src="10.0.2.7", dst="10.0.1.2", id=7000, ttl=30) / \
            UDP(sport=1, dport=2) / Raw(b"J" * 8872)
        inner_in.append(q)
        in1.append(Ether(src=C.PEER, dst=C.MAC_B) / esp_in(q))
    else:
        # in order
        q = IP(src="10.0.2.7", dst="10.0.1.2", id=7001, ttl=30) / \
            UDP(sport=1, dport=2) / Raw(b"A" * 1400)
        inner_in.append(q)
        for fr in fragment(esp_in(q), fragsize=600):
            in1.append(Ether(src=C.PEER, dst=C.MAC_B) / fr)
        # out of order
        q = IP(src="10.0.2.8", dst="10.0.1.2", id=7002, ttl=30) / \
            UDP(sport=3, dport=4) / Raw(b"B" * 1300)
        inner_in.append(q)
        frs = fragment(esp_in(q), fragsize=400)
        for fr in reversed(frs):
            in1.append(Ether(src=C.PEER, dst=C.MAC_B) / fr)
        # overlapping: the second piece starts 8 bytes early
        q = IP(src="10.0.2.7", dst="10.0.1.2", id=7003, ttl=30) / \
            UDP(sport=5, dport=6) / Raw(b"C" * 1400)
        frs = fragment(esp_in(q), fragsize=600)
        bad = IP(raw(frs[1]))
        bad.frag -= 1
        del bad.chksum
        frs[1] = IP(raw(bad))
        for fr in frs:
            in1.append(Ether(src=C.PEER, dst=C.MAC_B) / fr)
        n_overlap = len(frs)

    wrpcap(os.path.join(d, "in0.pcap"), in0)
    wrpcap(os.path.join(d, "in1.pcap"), in1)
    conf = os.path.join(d, "dpsecd.conf")
    extra = "port b mtu %d\nneighbor %s %s dev b\n" % (mtu, PEER2, C.PEER)
    if jumbo:
        extra += "port a mtu 9000\n"
    with open(conf, "w") as f:
        f.write(C.conf(d, extra=extra))
    dp = Dpsecd(conf, d)
    try:
        dp.start()
        time.sleep(2)
        stats = dp.stop()
    finally:
        dp.cleanup()
    print(dp.output())

    out0 = rdpcap(os.path.join(d, "out0.pcap"))
    out1 = rdpcap(os.path.join(d, "out1.pcap"))

    # Port b: ESP only, each within the MTU; decrypt, reassemble inner.
    sa = C.sa_out()
    inner, inner2 = [], []
    for p in out1:
        if ESP not in p:
            errors.append("cleartext on port b: " + p.summary())
            continue
        if p[ESP].spi == SPI2:
            check(len(p[IP]) <= 1300, "tunnel 2: ESP of %d > path MTU" %
                  len(p[IP]))
            inner2.append(bytes(sa2().decrypt(p[IP])))
            continue
        check(len(p[IP]) <= mtu, "ESP packet of %d > MTU %d" %
              (len(p[IP]), mtu))
        check(p[IP].frag == 0 and not p[IP].flags.MF,
              "outer packet fragmented: " + p.summary())
        try:
            inner.append(sa.decrypt(p[IP]))
        except Exception as ex:  # noqa: BLE001
            errors.append("scapy cannot decrypt: %s" % ex)
    whole = [bytes(x) for x in defragment(inner)]
    want = [C.forwarded(p) for p in fits + pre]
    check(sorted(whole) == sorted(want),
          "port b: %d inner packets after reassembly, want %d (or contents "
          "differ)" % (len(whole), len(want)))
    check(inner2 == [C.forwarded(p) for p in fits2],
          "tunnel 2: %d packets, want %d" % (len(inner2), len(fits2)))
    nfrag = sum(1 for x in inner if x.flags.MF or x.frag)
    check(nfrag >= 2 * len(pre), "only %d inner fragments for %d "
          "pre-fragmented packets" % (nfrag, len(pre)))

    # Port a: the ICMP errors, then the decrypted inbound packets.
    icmps = [p for p in out0 if ICMP in p and p[ICMP].type == 3]
    check(len(icmps) == len(ptb), "%d ICMP frag-needed, want %d" %
          (len(icmps), len(ptb)))
    for p, (orig, m) in zip(icmps, ptb):
        ip = p[IP]
        b = raw(ip)
        check(ip.src == "10.0.1.1" and ip.dst == "10.0.1.2",
              "ICMP addresses %s" % p.summary())
        check(cksum(b[:20]) == 0xffff, "ICMP: bad IPv4 header checksum")
        ic = b[20:ip.len]
        check(cksum(ic) == 0xffff, "ICMP: bad ICMP checksum")
        check(ic[0] == 3 and ic[1] == 4, "ICMP type/code %d/%d" %
              (ic[0], ic[1]))
        check(struct.unpack("!H", ic[6:8])[0] == m,
              "ICMP next-hop MTU %d, want %d" %
              (struct.unpack("!H", ic[6:8])[0], m))
        fwd = C.forwarded(orig)
        check(len(ic) - 8 >= 28 and ic[8:] == fwd[:len(ic) - 8],
              "ICMP quote is not the packet's start")
    got = sorted(bytes(p[IP]) for p in out0 if IP in p and ICMP not in p)
    check(got == sorted(C.forwarded(q) for q in inner_in),
          "port a: %d decrypted packets, want %d (or contents differ)" %
          (len(got), len(inner_in)))

    drops = {k: v for k, v in stats["drops"].items() if v}
    if jumbo:
        want_drops = {}
    else:
        want_drops = {"esp_too_big": len(ptb), "icmp_pmtu_learnt": 1,
                      "icmp_pmtu_no_sa": 1, "icmp_pmtu_implausible": 1,
                      "reasm_overlap": n_overlap}
    check(drops == want_drops, "drops %s, want %s" % (drops, want_drops))
    if errors:
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: mtu %d: %d ESP out (%d inner fragments), %d ICMP, %d in, "
          "drops %s" % (mtu, len(out1), nfrag, len(icmps), len(got), drops))


if __name__ == "__main__":
    run("--jumbo" in sys.argv)
