#!/usr/bin/python3
"""Interop of the size decision before ESP (issue 8, docs/mtu.md) with
scapy: for every algorithm of interop_scapy.py, tunnel and transport,
IPv4 (DF set and clear, pre- and post-fragmentation) and IPv6, packets
of the usable MTU - 1, exactly, + 1 go through esp_pcap --mtu: every
packet written fits the MTU; packets too big with DF (and IPv6) are
refused with the usable MTU (RFC 1191 / 4443); the others become ESP
packets (one, or several RFC 4459 pre-fragments, or the fragments of one
ESP packet) that are reassembled (outer), decrypted independently
(scapy, or python-cryptography where scapy 2.5 is wrong: see
interop_scapy.py) and reassembled (inner) back to the original bytes.
IPv6 through an SA that leaves less than 1280 bytes: up to 1280 bytes
the ESP packet is fragmented, beyond that the sender is told 1280.

Usage: interop_frag.py path/to/esp_pcap
"""
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import interop_scapy as S  # noqa: E402  (reads sys.argv[1]: the driver)

from scapy.all import IP, UDP, IPv6, Raw  # noqa: E402

MTU = 1500
SEEN = {"fits": 0, "ptb": 0, "prefrag": 0, "postfrag": 0}


def iv_len(alg):
    if alg.ealg == 12:
        return 16
    if alg.ealg == 11:
        return 0
    return 8


def align(alg):
    return 16 if alg.ealg == 12 else 4


def usable(alg, mode, af, mtu):
    """esp_sa_max_inner(): the largest packet whose ESP packet fits."""
    hl = (20 if af == 4 else 40)
    hdr_add = hl if mode == "tunnel" else 0
    keep = 0 if mode == "tunnel" else hl
    fixed = hdr_add + 8 + iv_len(alg) + alg.icv
    room = ((mtu - fixed - keep) // align(alg)) * align(alg)
    return keep + room - 2


def packet(af, size, df, ident):
    if af == 4:
        p = IP(src="10.1.0.1", dst="10.2.0.7", id=ident,
               flags="DF" if df else 0) / UDP(sport=ident, dport=9)
        hl = 28
    else:
        p = IPv6(src="2001:db8:1::1", dst="2001:db8:2::7") / \
            UDP(sport=ident, dport=9)
        hl = 48
    return bytes(p / Raw(bytes((ident + i) & 0xff for i in range(size - hl))))


def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def is_frag(b):
    if b[0] >> 4 == 4:
        return struct.unpack("!H", b[6:8])[0] & 0x3fff != 0
    return b[6] == 44


def reassemble(frags):
    """Reassemble the fragments of one datagram (bytes); strict: the
    pieces must tile the datagram exactly."""
    if not frags:
        return None
    if frags[0][0] >> 4 == 4:
        pieces = []
        for f in frags:
            hl = (f[0] & 15) * 4
            fo = struct.unpack("!H", f[6:8])[0]
            tl = struct.unpack("!H", f[2:4])[0]
            pieces.append(((fo & 0x1fff) * 8, bool(fo & 0x2000),
                           f[hl:tl], f[:hl]))
        pieces.sort(key=lambda x: x[0])
        off, data = 0, b""
        for o, _, d, _ in pieces:
            S.check(o == off, "fragment offset %d, want %d" % (o, off))
            data += d
            off += len(d)
        S.check(not pieces[-1][1], "last fragment has MF")
        h = bytearray(pieces[0][3])
        h[2:4] = struct.pack("!H", len(h) + len(data))
        h[6:8] = b"\0\0"
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", cksum(bytes(h)))
        return bytes(h) + data
    pieces = []
    for f in frags:
        nh = f[40]
        fd = struct.unpack("!H", f[42:44])[0]
        plen = struct.unpack("!H", f[4:6])[0]
        pieces.append((fd & 0xfff8, bool(fd & 1), f[48:40 + plen], f[:40],
                       nh, f[44:48]))
    S.check(len({p[5] for p in pieces}) == 1, "IPv6 fragment ids differ")
    S.check(pieces[0][5] != b"\0\0\0\0", "IPv6 fragment id 0")
    pieces.sort(key=lambda x: x[0])
    off, data = 0, b""
    for o, _, d, _, _, _ in pieces:
        S.check(o == off, "v6 fragment offset %d, want %d" % (o, off))
        data += d
        off += len(d)
    h = bytearray(pieces[0][3])
    h[4:6] = struct.pack("!H", len(data))
    h[6] = pieces[0][4]
    return bytes(h) + data


def case(alg, mode, af, mtu, df, postfrag, sizes, results):
    pkts = []
    for i, s in enumerate(sizes):
        pkts.append(packet(af, s, df, 1000 + i))
    extra = ["--mtu", str(mtu)] + (["--postfrag"] if postfrag else [])

    def cb(res):
        results.append((alg, mode, af, mtu, df, postfrag, pkts, res))
    S.run_driver("out", alg, mode, af, pkts, replay=0, extra=extra, cb=cb)


def verify(alg, mode, af, mtu, df, postfrag, pkts, res):
    what = "%s %s v%d mtu %d df %d post %d" % (alg.name, mode, af, mtu, df,
                                                postfrag)
    if res is None:
        S.fail(what + ": driver unavailable")
        return
    u = usable(alg, mode, af, mtu)
    out = res["out"]
    seq = 0
    pos = 0
    for i, p in enumerate(pkts):
        st = res["status"][i] if i < len(res["status"]) else "missing"
        size = len(p)
        big = size > u
        if big and (df or af == 6) and not (af == 6 and u < 1280 and
                                            size <= 1280):
            want = u if (af == 4 or u >= 1280) else 1280
            S.check(st == "ptb-%d" % want, "%s size %d: %s, want ptb-%d" %
                    (what, size, st, want))
            SEEN["ptb"] += 1
            continue
        if not S.check(st == "ok", "%s size %d: %s" % (what, size, st)):
            continue
        # "pkt i ok N": N packets written (kept in res["n"])
        n = res["n"][i]
        written = out[pos:pos + n]
        pos += n
        for w in written:
            S.check(len(w) <= mtu, "%s: %d bytes written > MTU" %
                    (what, len(w)))
        if not big:
            S.check(n == 1, "%s size %d fits but %d packets" %
                    (what, size, n))
        # outer reassembly (post-fragmentation) -> ESP packets
        if any(is_frag(w) for w in written):
            SEEN["postfrag"] += 1
            esp_pkts = [reassemble(written)]
            S.check(big, "%s size %d: fragmented although it fits" %
                    (what, size))
        else:
            esp_pkts = written
        inner = []
        for e in esp_pkts:
            seq += 1
            try:
                inner.append(S.scapy_decrypt(alg, mode, af, e, seq))
            except Exception as ex:  # noqa: BLE001
                S.fail("%s size %d: decrypt: %s" % (what, size, ex))
                inner = None
                break
        if inner is None:
            continue
        if len(inner) > 1 or (inner and is_frag(inner[0])):
            SEEN["prefrag"] += 1
            got = reassemble(inner)
            S.check(big and len(inner) >= 2, "%s size %d: %d inner pieces" %
                    (what, size, len(inner)))
        else:
            SEEN["fits"] += not big
            got = inner[0] if inner else None
        S.check(got == p, "%s size %d: reassembled inner packet differs" %
                (what, size))


def main():
    results = []
    # raw report lines: wrap flush() to also keep "pkt i ok N" counts
    orig_flush = S.flush

    def flush_with_counts():
        jobs = list(S.JOBS)
        for j, (cmd, fout, rep, cb) in enumerate(jobs):
            def wrap(res, rep=rep, cb=cb):
                if res is not None:
                    res["n"] = {}
                    for line in open(rep).read().splitlines():
                        f = line.split()
                        if f[0] == "pkt" and f[2] == "ok":
                            res["n"][int(f[1])] = int(f[3])
                cb(res)
            S.JOBS[j] = (cmd, fout, rep, wrap)
        orig_flush()

    try:
        for row in S.ALGS:
            alg = S.Alg(row, 7)
            for mode in ("tunnel", "transport"):
                for af in (4, 6):
                    u = usable(alg, mode, af, MTU)
                    sizes = [u - 1, u, u + 1]
                    if af == 4:
                        for df in (True, False):
                            for post in (False, True):
                                case(alg, mode, af, MTU, df, post, sizes,
                                     results)
                    else:
                        case(alg, mode, af, MTU, False, False, sizes,
                             results)
            # IPv6 through an SA leaving less than 1280 bytes
            case(alg, "tunnel", 6, 1280, False, False, [1200, 1280, 1281],
                 results)
        flush_with_counts()
        for r in results:
            verify(*r)
    finally:
        shutil.rmtree(S.TMP, ignore_errors=True)
    print("%d cases, %d checks, %d failures; packets: %s" % (
        len(results), S.CHECKS[0], len(S.FAILS), SEEN))
    S.check(min(SEEN.values()) > 0, "some outcome never happened: %s" % SEEN)
    sys.exit(1 if S.FAILS else 0)


if __name__ == "__main__":
    main()
