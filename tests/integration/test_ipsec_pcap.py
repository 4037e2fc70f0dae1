#!/usr/bin/python3
"""dpsecd as an ESP tunnel gateway on two net_pcap ports, scapy as the
peer: cleartext from the protected port leaves as ESP that scapy decrypts
to the forwarded originals (sequence numbers 1, 2, ... in order); scapy's
ESP entering the unprotected port leaves as the original cleartext;
BYPASS and DISCARD policies; inbound policy mismatch, cleartext where the
inbound policy wants ESP, unknown SPI, a tampered ICV and a replayed packet
are dropped and counted by reason.

  --cdev      the same with a crypto_aesni_mb vdev: the SAs run on the
              default engine of an appliance (cdev-aesni_mb; inbound AEAD
              through intel-ipsec-mb with our constant-time tag compare
              when built with it), not the software engines.
  --icv-pmd   with --cdev: crypto-icv-verify pmd (the PMD compares the
              tags); dpsecd must say so with a WARNING, and behave the
              same."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from dpsecd_run import Dpsecd, telemetry  # noqa: E402
import ipsec_common as C  # noqa: E402

from scapy.all import IP, UDP, ICMP, Ether, Raw, rdpcap, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP  # noqa: E402


def main():
    cdev = "--cdev" in sys.argv[1:]
    icv_pmd = "--icv-pmd" in sys.argv[1:]
    d = tempfile.mkdtemp(prefix="dpsec-ipsec-pcap-")
    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    with open(os.path.join(d, "setkey.conf"), "w") as f:
        f.write(C.setkey_text())
    # Protected side: 40 packets for site B (PROTECT), 3 for 10.0.3/24
    # (no policy: BYPASS), 2 for 10.0.4/24 (DISCARD).
    in0, prot, byp = [], [], []
    for i in range(40):
        ip = IP(src="10.0.1.2", dst="10.0.2.%d" % (7 + i % 3), id=1000 + i,
                ttl=64) / UDP(sport=4000 + i, dport=9) / Raw(b"p%03d" % i * (1 + i))
        prot.append(ip)
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / ip)
    for i in range(3):
        ip = IP(src="10.0.1.2", dst="10.0.3.5", id=2000 + i) / UDP() / Raw(b"bypass")
        byp.append(ip)
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) / ip)
    for i in range(2):
        in0.append(Ether(src=C.HOST_A, dst=C.MAC_A) /
                   IP(src="10.0.1.2", dst="10.0.4.5", id=3000 + i) / UDP())

    # Unprotected side.
    peer = C.sa_in()
    in1, inner_ok = [], []
    for i in range(20):
        ip = IP(src="10.0.2.%d" % (7 + i % 2), dst="10.0.1.2", id=5000 + i,
                ttl=30) / ICMP(type=0, id=7, seq=i) / Raw(b"in%03d" % i * 3)
        inner_ok.append(ip)
        peer.seq_num = i + 1
        in1.append(Ether(src=C.PEER, dst=C.MAC_B) / peer.encrypt(ip))
    # Replay of seq 5.
    peer.seq_num = 5
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) / peer.encrypt(inner_ok[4]))
    # Inner packet outside the SA's policy (from 10.0.9.9).
    peer.seq_num = 30
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) /
               peer.encrypt(IP(src="10.0.9.9", dst="10.0.1.2") / UDP()))
    # Tampered ICV.
    peer.seq_num = 31
    e = bytearray(bytes(peer.encrypt(IP(src="10.0.2.7", dst="10.0.1.2") / UDP())))
    e[-1] ^= 1
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) / IP(bytes(e)))
    # Unknown SPI.
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) /
               IP(src=C.PEER_IP, dst=C.GW) / ESP(spi=0x7777, seq=1) / Raw(b"x" * 40))
    # Cleartext for the protected site: the inbound policy wants ESP.
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) /
               IP(src="10.0.2.7", dst="10.0.1.2") / UDP() / Raw(b"clear"))
    # Cleartext outside any policy: BYPASS.
    bypass_in = IP(src="10.0.3.5", dst="10.0.1.2", id=6000) / UDP() / Raw(b"bp")
    in1.append(Ether(src=C.PEER, dst=C.MAC_B) / bypass_in)

    wrpcap(os.path.join(d, "in0.pcap"), in0)
    wrpcap(os.path.join(d, "in1.pcap"), in1)
    conf = os.path.join(d, "dpsecd.conf")
    with open(conf, "w") as f:
        f.write(C.conf(d, extra="crypto-icv-verify pmd\n" if icv_pmd
                       else ""))
    dp = Dpsecd(conf, d, telemetry=True,
                extra_eal=["--vdev", "crypto_aesni_mb"] if cdev else [])
    try:
        dp.start()
        time.sleep(2.2)     # /dpsec/sa is refreshed every second
        tel = telemetry(dp.prefix, "/dpsec/sa")
        stats = dp.stop()
    finally:
        dp.cleanup()
    log = dp.output()
    print(log)
    # Which engines ran the SAs (stats JSON per SA): outbound always the
    # fastest, cdev-aesni_mb when present; inbound the same, unless it
    # would let the PMD compare the tag (a build without intel-ipsec-mb
    # and no crypto-icv-verify pmd: OpenSSL, constant time).
    eng = {s["spi"]: (s.get("engine_out"), s.get("engine_in"))
           for s in stats["sa"]}
    want_out = "cdev-aesni_mb" if cdev else "openssl"
    want_in = {"cdev-aesni_mb"} if icv_pmd else \
        {"cdev-aesni_mb", "openssl"} if cdev else {"openssl"}
    check(eng.get(C.SPI_OUT, (None,))[0] == want_out,
          "outbound SA on %s, want %s" % (eng.get(C.SPI_OUT), want_out))
    check(eng.get(C.SPI_IN, (None, None))[1] in want_in,
          "inbound SA on %s, want one of %s" % (eng.get(C.SPI_IN), want_in))
    check(("ICVs compared by the cryptodev PMDs" in log) == icv_pmd,
          "the crypto-icv-verify pmd WARNING is %s" %
          ("missing" if icv_pmd else "there without the directive"))

    out0 = rdpcap(os.path.join(d, "out0.pcap"))
    out1 = rdpcap(os.path.join(d, "out1.pcap"))

    # Port b: ESP for the 40 protected packets, in order, plus 3 bypass.
    sa = C.sa_out()
    esp, clear = [], []
    for p in out1:
        check(p[Ether].src == C.MAC_B and p[Ether].dst == C.PEER,
              "out1 MACs " + p.summary())
        if ESP in p:
            esp.append(p)
        else:
            clear.append(p)
    check(len(esp) == len(prot), "ESP out: %d, want %d" % (len(esp), len(prot)))
    for i, p in enumerate(esp):
        check(p[IP].src == C.GW and p[IP].dst == C.PEER_IP,
              "outer addresses " + p.summary())
        check(p[ESP].spi == C.SPI_OUT, "spi %x" % p[ESP].spi)
        check(p[ESP].seq == i + 1, "seq %d at %d" % (p[ESP].seq, i))
        try:
            inner = sa.decrypt(p[IP])
        except Exception as ex:  # noqa: BLE001
            errors.append("scapy cannot decrypt ESP %d: %s" % (i, ex))
            continue
        if i < len(prot):
            check(bytes(inner) == C.forwarded(prot[i]),
                  "decrypted %d differs from the original" % i)
    check(len(clear) == len(byp), "bypass out: %d" % len(clear))
    for p, o in zip(clear, byp):
        check(bytes(p[IP]) == C.forwarded(o), "bypass packet changed")

    # Port a: the 20 decrypted packets, then the bypassed one.
    got = [bytes(p[IP]) for p in out0 if IP in p]
    want = [C.forwarded(p) for p in inner_ok] + [C.forwarded(bypass_in)]
    check(sorted(got) == sorted(want),
          "port a: %d packets, want %d (contents differ)" % (len(got), len(want)))
    check([g for g in got if g != want[-1]] == want[:20],
          "decrypted packets out of order")

    drops = {k: v for k, v in stats["drops"].items() if v}
    want_drops = {"spd_discard": 2, "esp_replay": 1, "esp_policy_mismatch": 1,
                  "esp_auth": 1, "esp_no_sa": 1, "spd_cleartext_needs_esp": 1}
    check(drops == want_drops, "drops %s, want %s" % (drops, want_drops))
    sas = {s["spi"]: s for s in stats["sa"]}
    check(sas.get(C.SPI_OUT, {}).get("out_packets") == 40,
          "SA out counters %s" % sas.get(C.SPI_OUT))
    sin = sas.get(C.SPI_IN, {})
    check(sin.get("in_packets") == 21 and sin["drops"]["replay"] == 1 and
          sin["drops"]["auth"] == 1 and sin["drops"]["policy"] == 1,
          "SA in counters %s" % sin)
    tsa = {v["spi"]: v for v in tel.values()}
    check(tsa.get(C.SPI_OUT, {}).get("out_packets") == 40 and
          tsa.get(C.SPI_IN, {}).get("in_packets") == 21,
          "telemetry /dpsec/sa: %s" % tel)
    if errors:
        for e in errors:
            print("FAIL: " + e)
        sys.exit(1)
    print("ok: %d ESP out decrypted by scapy, %d decrypted in, drops %s; "
          "engines (out, in) %s" % (len(esp), len(got) - 1, drops, eng))


if __name__ == "__main__":
    main()
