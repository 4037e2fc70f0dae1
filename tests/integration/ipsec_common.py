"""Shared pieces of the IPsec integration tests: the gateway's addresses,
SA keys, the setkey file, and scapy SAs for the peer.

scapy 2.5 is used only where it is right (AES-GCM-16 and AES-CBC with
HMAC-SHA2-256, no ESN, no NAT-T: see tests/ipsec/interop_scapy.py for
the bugs elsewhere)."""
from scapy.all import IP
from scapy.layers.ipsec import SecurityAssociation, ESP

MAC_A = "02:70:63:61:70:00"     # net_pcap ports get 02:70:63:61:70:<n>
MAC_B = "02:70:63:61:70:01"
HOST_A = "02:aa:00:00:00:01"     # site host behind port a
PEER = "02:bb:00:00:00:01"       # the peer gateway behind port b

GW = "192.0.2.1"                 # our tunnel endpoint (port b)
PEER_IP = "192.0.2.2"
SITE_A = "10.0.1.0/24"
SITE_B = "10.0.2.0/24"

SPI_OUT = 0x1001                 # GW -> PEER
SPI_IN = 0x2001                  # PEER -> GW
KEY_OUT = bytes(range(1, 21))    # AES-128-GCM key + 4-byte salt
KEY_IN = bytes(range(101, 121))
SPI_OUT_CBC = 0x1002
KEY_CBC = bytes(range(31, 47))
KEY_SHA = bytes(range(61, 93))


def conf(d, workers=1, extra="", setkey="setkey.conf", rx=("in0", "in1"),
         infinite=False):
    inf = ",infinite_rx=1" if infinite else ""
    return """workers {w}
idle sleep 10 200
arp-retry-ms 20
arp-retries 2
control-socket {d}/pfkey.sock
setkey {setkey}
port a device net_pcap0,rx_pcap={d}/{rx0}.pcap,tx_pcap={d}/out0.pcap{inf}
port a role protected address 10.0.1.1/24
port b device net_pcap1,rx_pcap={d}/{rx1}.pcap,tx_pcap={d}/out1.pcap
port b role unprotected address 192.0.2.1/24
route 10.0.3.0/24 via 192.0.2.2 dev b
route 10.0.4.0/24 via 192.0.2.2 dev b
neighbor 10.0.1.2 {ha} dev a
neighbor 192.0.2.2 {peer} dev b
{extra}
""".format(w=workers, d=d, ha=HOST_A, peer=PEER, extra=extra,
           setkey=setkey, rx0=rx[0], rx1=rx[1], inf=inf)


def setkey_text(sas=True, policies=True, reqid=0):
    lines = []
    if sas:
        lines += [
            "add %s %s esp 0x%x -m tunnel -r 64 -E aes-gcm-16 0x%s;" %
            (GW, PEER_IP, SPI_OUT, KEY_OUT.hex()),
            "add %s %s esp 0x%x -m tunnel -r 64 -E aes-gcm-16 0x%s;" %
            (PEER_IP, GW, SPI_IN, KEY_IN.hex()),
        ]
    if policies:
        lines += [
            "spdadd %s %s any -P out ipsec esp/tunnel/%s-%s/require;" %
            (SITE_A, SITE_B, GW, PEER_IP),
            "spdadd %s %s any -P in ipsec esp/tunnel/%s-%s/require;" %
            (SITE_B, SITE_A, PEER_IP, GW),
            "spdadd %s 10.0.4.0/24 any -P out discard;" % SITE_A,
        ]
    return "\n".join(lines) + "\n"


def sa_out(seq=0):
    """scapy SA that decrypts what the gateway sends."""
    return SecurityAssociation(ESP, spi=SPI_OUT, crypt_algo="AES-GCM",
                               crypt_key=KEY_OUT,
                               tunnel_header=IP(src=GW, dst=PEER_IP))


def sa_in():
    """scapy SA of the peer: encrypts what the gateway receives."""
    return SecurityAssociation(ESP, spi=SPI_IN, crypt_algo="AES-GCM",
                               crypt_key=KEY_IN,
                               tunnel_header=IP(src=PEER_IP, dst=GW))


def forwarded(p):
    """The IPv4 packet as the gateway forwards it: TTL - 1, checksum."""
    q = IP(bytes(p))
    q.ttl -= 1
    del q.chksum
    return bytes(IP(bytes(q)))


def replay_ok(seqs, window=64):
    """Would a peer with an anti-replay window accept every number once?"""
    top = 0
    seen = set()
    bad = []
    for s in seqs:
        if s in seen or s <= top - window or s == 0:
            bad.append(s)
        seen.add(s)
        top = max(top, s)
    return bad
