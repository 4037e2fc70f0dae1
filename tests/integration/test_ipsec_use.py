#!/usr/bin/python3
"""Policy level `use` (RFC 2367 IPSEC_LEVEL_USE, KAME/Linux semantics):
use an SA when one is available, else send in the clear, while still
starting an ACQUIRE; inbound, cleartext matching a `use` policy is
accepted (the template is optional).  `require` for contrast.

net_pcap ports, one worker.  Outbound (port a):
  10.0.1.0/24 -> 10.0.2.0/24 use, SA installed: 5 packets leave as ESP
    (scapy decrypts them, seq 1..5);
  10.0.1.0/24 -> 10.0.3.0/24 use, no SA: 5 packets leave in the clear,
    and one acquire entry is created: a PF_KEY client registered after
    the start receives its (retransmitted) SADB_ACQUIRE for
    GW -> 198.51.100.7; nothing is queued or dropped.
Inbound (port b):
  3 ESP packets from the peer (policy 10.0.2.0/24 -> 10.0.1.0/24 use):
    decrypted;
  3 cleartext packets of that policy: accepted (level use);
  3 cleartext packets of 10.0.3.0/24 -> 10.0.1.0/24 (require): dropped as
    spd_cleartext_needs_esp.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd, telemetry  # noqa: E402
import ipsec_common as C  # noqa: E402
import pfkey as K  # noqa: E402

from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP  # noqa: E402

PEER3 = "198.51.100.7"

SETKEY = """add {gw} {peer} esp 0x{so:x} -m tunnel -E aes-gcm-16 0x{ko};
add {peer} {gw} esp 0x{si:x} -m tunnel -r 64 -E aes-gcm-16 0x{ki};
spdadd 10.0.1.0/24 10.0.2.0/24 any -P out ipsec esp/tunnel/{gw}-{peer}/use;
spdadd 10.0.1.0/24 10.0.3.0/24 any -P out ipsec esp/tunnel/{gw}-{peer3}/use;
spdadd 10.0.2.0/24 10.0.1.0/24 any -P in ipsec esp/tunnel/{peer}-{gw}/use;
spdadd 10.0.3.0/24 10.0.1.0/24 any -P in ipsec esp/tunnel/{peer}-{gw}/require;
spdadd 10.0.1.0/24 10.0.4.0/24 any -P out ipsec esp/tunnel/{gw}-{peer}/require esp/transport//require;
spdadd 10.0.4.0/24 10.0.1.0/24 any -P in ipsec esp/tunnel/{peer}-{gw}/require esp/transport//require;
"""


def main():
    d = tempfile.mkdtemp(prefix="dpsec-ipsec-use-")
    errors = []
    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(SETKEY.format(gw=C.GW, peer=C.PEER_IP, peer3=PEER3,
                              so=C.SPI_OUT, si=C.SPI_IN, ko=C.KEY_OUT.hex(),
                              ki=C.KEY_IN.hex()))
    with open(os.path.join(d, "dpsecd.conf"), "w") as f:
        f.write(C.conf(d, extra="acquire-retry-ms 200\nacquire-retries 50\n"))
    out2, out3 = [], []
    a = []
    for i in range(5):
        for dst, lst in (("10.0.2.9", out2), ("10.0.3.9", out3)):
            ip = IP(src="10.0.1.2", dst=dst, id=100 * len(lst) + i, ttl=64) / \
                UDP(sport=4000, dport=9) / Raw(b"use-%s-%d" % (dst.encode(), i))
            lst.append(ip)
            a.append(Ether(src=C.HOST_A, dst=C.MAC_A) / ip)
    for i in range(2):
        a.append(Ether(src=C.HOST_A, dst=C.MAC_A) /
                 IP(src="10.0.1.2", dst="10.0.4.9", ttl=64) /
                 UDP(sport=4000, dport=9) / Raw(b"bundle-%d" % i))
    wrpcap(os.path.join(d, "in0.pcap"), a)
    peer = C.sa_in()
    b = []
    esp_in, clear_in = [], []
    for i in range(3):
        inner = IP(src="10.0.2.9", dst="10.0.1.2", id=500 + i) / \
            UDP(sport=9, dport=4000) / Raw(b"esp-%d" % i)
        peer.seq_num = i + 1
        esp_in.append(inner)
        b.append(Ether(src=C.PEER, dst=C.MAC_B) / peer.encrypt(inner))
        ok = IP(src="10.0.2.9", dst="10.0.1.2", id=600 + i, ttl=64) / \
            UDP(sport=9, dport=4000) / Raw(b"clear-use-%d" % i)
        clear_in.append(ok)
        b.append(Ether(src=C.PEER, dst=C.MAC_B) / ok)
        bad = IP(src="10.0.3.9", dst="10.0.1.2", id=700 + i, ttl=64) / \
            UDP(sport=9, dport=4000) / Raw(b"clear-require-%d" % i)
        b.append(Ether(src=C.PEER, dst=C.MAC_B) / bad)
    for i in range(2):
        peer.seq_num = 10 + i
        inner = IP(src="10.0.4.9", dst="10.0.1.2", id=800 + i) / \
            UDP(sport=9, dport=4000) / Raw(b"bundle-in-%d" % i)
        b.append(Ether(src=C.PEER, dst=C.MAC_B) / peer.encrypt(inner))
    wrpcap(os.path.join(d, "in1.pcap"), b)

    dp = Dpsecd(os.path.join(d, "dpsecd.conf"), d, telemetry=True)
    acq = None
    try:
        dp.start()
        cl = K.Client(os.path.join(d, "pfkey.sock"))
        cl.send(K.msg(K.REGISTER))
        if cl.wait(K.REGISTER, 5) is None:
            errors.append("REGISTER failed")
        # The acquire entry exists since the first packet; the client
        # registered later and gets a retransmission (every 200 ms).
        acq = cl.wait(K.ACQUIRE, 10)
        cl.close()
        end = time.time() + 60
        while time.time() < end:
            w = telemetry(dp.prefix, "/dpsec/workers")
            rx = sum(v["rx_pkts"] for v in w.values())
            done = sum(v["tx_pkts"] + v["drops"] for v in w.values())
            if rx >= len(a) + len(b) and done >= rx:
                break
            time.sleep(0.1)
        stats = dp.stop()
    finally:
        dp.cleanup()
    print(dp.output())

    if acq is None:
        errors.append("no SADB_ACQUIRE for the use policy without SA")
    else:
        src = K.ext_addr(acq[1][K.EXT_ADDR_SRC])
        dst = K.ext_addr(acq[1][K.EXT_ADDR_DST])
        if (src, dst) != (C.GW, PEER3):
            errors.append("ACQUIRE for %s -> %s" % (src, dst))
    if stats["sad"]["acquires_sent"] != 1:
        errors.append("acquire entries started: %d, want 1" %
                      stats["sad"]["acquires_sent"])
    if stats["sad"]["lq_queued"] != 0:
        errors.append("%d packets queued (level use never queues)" %
                      stats["sad"]["lq_queued"])
    ob = rdpcap(os.path.join(d, "out1.pcap"))
    esp = [p for p in ob if ESP in p]
    clear = [p for p in ob if ESP not in p and IP in p]
    sa = C.sa_out()
    if [p[ESP].seq for p in esp] != [1, 2, 3, 4, 5]:
        errors.append("ESP out: seqs %s" % [p[ESP].seq for p in esp])
    for p, o in zip(esp, out2):
        if bytes(sa.decrypt(p[IP])) != C.forwarded(o):
            errors.append("ESP seq %d is not its original" % p[ESP].seq)
    if [bytes(p[IP]) for p in clear] != [C.forwarded(o) for o in out3]:
        errors.append("clear out: %d packets, want the 5 forwarded originals"
                      % len(clear))
    oa = [p for p in rdpcap(os.path.join(d, "out0.pcap")) if UDP in p]
    got = sorted(p[IP].id for p in oa)
    want = sorted([500, 501, 502, 600, 601, 602])
    if got != want:
        errors.append("inbound delivered ids %s, want %s" % (got, want))
    drops = {k: v for k, v in stats["drops"].items() if v}
    if drops != {"spd_cleartext_needs_esp": 3, "spd_bundle_unsupported": 4}:
        errors.append("drops %s, want 3 spd_cleartext_needs_esp, 4 "
                      "spd_bundle_unsupported" % drops)
    if errors:
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: use with SA -> 5 ESP; use without SA -> 5 clear + 1 ACQUIRE; "
          "inbound use: 3 ESP + 3 clear accepted, require: 3 clear dropped; "
          "bundles: 4 dropped")


if __name__ == "__main__":
    main()
