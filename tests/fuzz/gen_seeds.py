#!/usr/bin/python3
"""Write the seed corpora of fuzz_parse, fuzz_esp and fuzz_pfk_handlers
(tests/fuzz/corpus/<target>/).  Run by hand from the repository root:
    /usr/bin/python3 tests/fuzz/gen_seeds.py
Frames are the kinds the integration tests send (IPv4/IPv6 UDP and ICMP,
ARP, neighbor discovery) plus the odd ones an attacker sends (VLAN tags,
IPv4 options, IPv6 extension header chains, runts, padding).  ESP seeds
follow fuzz_esp.c's input format; the "seal" ones carry cleartext that
the harness encrypts.  PF_KEY handler seeds chain the fuzz_pfk_parse
messages into conversations (ADD, GET, DELETE; GETSPI, UPDATE; ...)."""
import os
import struct
import sys

from scapy.all import (ARP, Dot1Q, Ether, ICMP, IP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, ICMPv6ND_NS, ICMPv6EchoRequest,
                       TCP, UDP, raw)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MAC = "02:00:00:00:00:01"
PEER = "02:aa:00:00:00:01"


def save(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frames():
    e = Ether(dst=MAC, src=PEER)
    pl = b"x" * 32
    return {
        "udp4": e / IP(src="10.0.1.2", dst="198.51.100.7") / UDP() / pl,
        "icmp4_local": e / IP(src="10.0.1.2", dst="10.0.1.1") / ICMP(),
        "ip4_opts": e / IP(src="10.0.1.2", dst="198.51.100.7",
                           options=b"\x01\x01\x01\x00") / TCP(),
        "ip4_padded": e / IP(src="10.0.1.2", dst="10.0.2.2") / UDP()
        / b"" / (b"\0" * 10),
        "ip4_bcast": Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER)
        / IP(src="10.0.1.2", dst="255.255.255.255") / UDP(),
        "udp6": e / IPv6(src="fd00:1::2", dst="fd00:2::2") / UDP() / pl,
        "ns6": Ether(dst="33:33:ff:00:00:01", src=PEER)
        / IPv6(src="fd00:1::2", dst="ff02::1:ff00:1")
        / ICMPv6ND_NS(tgt="fd00:1::1"),
        "ext6": e / IPv6(src="fd00:1::2", dst="fd00:2::2")
        / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting()
        / IPv6ExtHdrFragment() / ICMPv6EchoRequest(),
        "arp": Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER)
        / ARP(psrc="10.0.1.2", pdst="10.0.1.1"),
        "vlan": e / Dot1Q(vlan=5) / IP(src="10.0.1.2", dst="10.0.2.2"),
        "esp4": e / IP(src="192.0.2.2", dst="192.0.2.1", proto=50)
        / struct.pack(">II", 0x100, 1) / (b"\xab" * 48),
    }


def gen_parse():
    for name, f in frames().items():
        save("fuzz_parse", name, b"\x00\x00" + raw(f))
    # hardware said "checksum good", two segments split in the IP header
    save("fuzz_parse", "udp4_split", b"\x06\x16" + raw(frames()["udp4"]))
    save("fuzz_parse", "runt", b"\x00\x00" + raw(frames()["udp4"])[:17])


def rec(pkt):
    b = raw(pkt)
    return struct.pack(">H", len(b)) + b


def esp_payload(inner, iv_len, icv_len, block, nh):
    body = raw(inner)
    pad = (-(len(body) + 2)) % block
    return (b"\x11" * iv_len + body + bytes(range(1, pad + 1))
            + bytes([pad, nh]) + b"\0" * icv_len)


def gen_esp():
    inner4 = IP(src="10.2.0.5", dst="10.1.0.5") / UDP(sport=1, dport=2) / b"hi"
    inner6 = IPv6(src="fd00:2::5", dst="fd00:1::5") / UDP() / b"hi"
    tcp = TCP(sport=80, dport=1000) / b"payload"
    # (sa index, outer builder, inner, nh, iv, icv, block)
    o4 = IP(src="192.0.2.2", dst="192.0.2.1", proto=50)
    o6 = IPv6(src="2001:db8::2", dst="2001:db8::1", nh=50)
    cases = {
        "gcm_tun4": (0, o4, inner4, 4, 8, 16, 4),
        "cbc_tun6": (1, o6, inner6, 41, 16, 16, 16),
        "null_transport4": (2, IP(src="192.0.2.2", dst="192.0.2.1",
                                  proto=50), tcp, 6, 0, 16, 4),
        "null_transport6": (2, IPv6(src="2001:db8::2", dst="2001:db8::1",
                                    nh=50), tcp, 6, 0, 16, 4),
        "chacha_transport4": (4, IP(src="192.0.2.2", dst="192.0.2.1",
                                    proto=50), tcp, 6, 8, 16, 4),
        "gmac_tun4": (5, o4, inner4, 4, 8, 16, 4),
    }
    for name, (i, outer, inner, nh, iv, icv, blk) in cases.items():
        esp = struct.pack(">II", 0x100 + i, 1) + esp_payload(inner, iv, icv,
                                                             blk, nh)
        pkt = outer.copy() / esp
        save("fuzz_esp", name, bytes([8 | i, 0]) + rec(pkt))
        save("fuzz_esp", name + "_raw", bytes([i, 0]) + rec(pkt))
        # replay inside one burst, and a second in-order packet
        esp2 = struct.pack(">II", 0x100 + i, 2) + esp_payload(inner, iv, icv,
                                                              blk, nh)
        save("fuzz_esp", name + "_burst", bytes([8 | i, 0]) + rec(pkt)
             + rec(pkt) + rec(outer.copy() / esp2))
    # NAT-T (SA 3): UDP 4500 with ESP, the non-ESP marker, a keepalive
    esp = struct.pack(">II", 0x103, 1) + esp_payload(inner4, 8, 16, 4, 4)
    u = IP(src="198.51.100.9", dst="192.0.2.1") / UDP(sport=4500,
                                                     dport=4500)
    save("fuzz_esp", "natt_gcm", bytes([8 | 3, 0]) + rec(u / esp))
    save("fuzz_esp", "natt_ike", bytes([3, 0]) + rec(u / (b"\0" * 4
                                                           + b"ike" * 10)))
    save("fuzz_esp", "natt_keepalive", bytes([3, 0]) + rec(u / b"\xff"))
    # IPv6 outer with hop-by-hop, in two segments
    esp = struct.pack(">II", 0x101, 1) + esp_payload(inner6, 16, 16, 16, 41)
    save("fuzz_esp", "cbc_tun6_hbh", bytes([0x10 | 8 | 1, 30])
         + rec(IPv6(src="2001:db8::2", dst="2001:db8::1")
               / IPv6ExtHdrHopByHop(nh=50) / esp))


def gen_frag():
    from scapy.all import fragment, fragment6, IPv6ExtHdrFragment as F6

    def recs(pkts, jump_at=None):
        out = b""
        for i, q in enumerate(pkts):
            b = raw(q)
            n = len(b) | (0x8000 if i == jump_at else 0)
            out += struct.pack(">H", n) + b
        return out
    d4 = IP(src="192.0.2.2", dst="192.0.2.1", id=77, proto=50) / \
        (struct.pack(">II", 0x100, 1) + b"z" * 2400)
    f4 = fragment(d4, fragsize=800)
    save("fuzz_frag", "ip4_in_order", recs(f4))
    save("fuzz_frag", "ip4_reversed", recs(list(reversed(f4))))
    save("fuzz_frag", "ip4_dup_overlap", recs([f4[0], f4[0], f4[1]] +
                                               f4[1:]))
    save("fuzz_frag", "ip4_incomplete_timeout", recs(f4[:-1] + [f4[-1]],
                                                     jump_at=len(f4) - 1))
    d6 = IPv6(src="2001:db8::2", dst="2001:db8::1") / F6(id=5) / \
        UDP(sport=4500, dport=4500) / (b"\x00\x00\x01\x00" + b"q" * 2400)
    f6 = fragment6(d6, 1000)
    save("fuzz_frag", "ip6_in_order", recs(f6))
    save("fuzz_frag", "ip6_mixed_with_plain",
         recs([f6[0], IP(src="192.0.2.2", dst="192.0.2.1") / UDP()] + f6[1:]))


def gen_ptb():
    from scapy.all import ICMPv6PacketTooBig
    esp4 = IP(src="192.0.2.1", dst="192.0.2.2", proto=50, flags="DF") / \
        (struct.pack(">II", 0x1000, 7) + b"e" * 64)
    m = IP(src="198.51.100.1", dst="192.0.2.1") / \
        ICMP(type=3, code=4, nexthopmtu=1400) / raw(esp4)[:28 + 8]
    save("fuzz_ptb", "icmp4_esp", b"\x00\x05\xdc" + raw(m))
    nat = IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=4500, dport=4500) / \
        (struct.pack(">II", 0x1002, 7) + b"e" * 64)
    m = IP(src="198.51.100.1", dst="192.0.2.1") / \
        ICMP(type=3, code=4, nexthopmtu=1300) / raw(nat)[:20 + 8 + 8]
    save("fuzz_ptb", "icmp4_natt", b"\x02\x05\xdc" + raw(m))
    esp6 = IPv6(src="2001:db8::1", dst="2001:db8::2", nh=50) / \
        (struct.pack(">II", 0x1001, 7) + b"e" * 64)
    m = IPv6(src="2001:db8:ff::1", dst="2001:db8::1") / \
        ICMPv6PacketTooBig(mtu=1280) / raw(esp6)
    save("fuzz_ptb", "icmp6_esp", b"\x01\x05\xdc" + raw(m))


def gen_pfk():
    src = os.path.join(ROOT, "fuzz_pfk_parse")

    def m(n):
        with open(os.path.join(src, n), "rb") as f:
            return f.read()
    convs = {
        "add_get_delete": ["add_gcm", "get", "delete", "get"],
        "getspi_update": ["getspi", "update_lifetimes", "dump"],
        "add_twice_flush": ["add_gcm", "add_gcm", "add_cbc_sha256_v6",
                            "flush", "get"],
        "spd": ["spdadd_tunnel", "spdadd_v6_transport", "spddump",
                "spddelete2", "spdflush"],
        "register_acquire": ["register", "acquire_fail"],
    }
    for name, seq in convs.items():
        save("fuzz_pfk_handlers", name, b"".join(m(n) for n in seq))
    for n in os.listdir(src):
        save("fuzz_pfk_handlers", "one_" + n, m(n))


if __name__ == "__main__":
    gen_parse()
    gen_esp()
    gen_frag()
    gen_ptb()
    gen_pfk()
    print("seeds written under", ROOT, file=sys.stderr)
