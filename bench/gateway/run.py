#!/usr/bin/python3
"""dpsec gateway throughput, as gateway users measure it, in one command.

For each point: scapy writes the traffic (Ethernet / IPv4 or IPv6 / UDP at
one frame size or IMIX 7:4:1, N flows over N SAs) and the setkey file
(N SAs/tunnels, N policies); dpsecd runs with a net_pcap rx vdev in
infinite_rx mode as the source (DPDK's built-in generator: it replays the
pcap forever) and net_null as the sink; after a warm-up the harness reads
dpsecd's own counters through DPDK telemetry (/dpsec/ports, /dpsec/stats)
and the worker threads' CPU time (/proc) at the start and end of each
measured interval, repeats the interval, and prints the medians with the
spread.  The decrypt direction replays ESP that scapy encrypted (SAs with
anti-replay off, since the same packets come round again).

Reference points in the same run: BYPASS forwarding (no policy: the
dataplane's own ceiling) and the raw crypto of each engine on one core
(openssl speed -evp, dpdk-test-crypto-perf), so each figure is also a
ratio.

  bench/gateway/run.py                 # the standard run (BENCHMARKS.md)
  bench/gateway/run.py --profile quick # a few points
  bench/gateway/run.py --smoke         # CI: one point per direction, checks
  bench/gateway/run.py --generator memif  # a separate generator process
  bench/gateway/run.py --help

Needs root (DPDK vdevs), a built tree (--build, default build/), and
/usr/bin/python3 with scapy.  Never asserts speed; --smoke asserts that
packets are really encrypted/decrypted and the counters add up.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SIZES = [64, 128, 256, 512, 1024, 1420, 1518]
IMIX = [64] * 7 + [576] * 4 + [1518]      # 7:4:1, mean 355.8 B

SRC_MAC = "02:70:63:61:70:%02x"  # net_pcap's MAC for the n-th pcap vdev
HOST_MAC = "02:aa:00:00:00:01"  # site host behind the protected port
PEER_MAC = "02:bb:00:00:00:01"  # next hop on the unprotected side
GW4 = "192.0.2.1"
NH4 = "192.0.2.2"
NH6 = "2001:db8::2"

# name: (setkey -E/-A text, scapy crypt_algo, key len, scapy auth, auth key len)
ALGS = {
    "aes-gcm-128": ("-E aes-gcm-16 0x%s", "AES-GCM", 20, None, 0),
    "aes-cbc-sha256": ("-E aes-cbc 0x%s -A hmac-sha256 0x%s", "AES-CBC", 16,
                       "SHA2-256-128", 32),
    "chacha20-poly1305": ("-E chacha20-poly1305 0x%s", None, 36, None, 0),
}
# engine name -> EAL arguments (dpsecd's xform picks cryptodev aesni_mb
# first when the vdev exists, else OpenSSL EVP; docs/crypto.md).
ENGINES = {
    "aesni_mb": ["--vdev", "crypto_aesni_mb"],
    "openssl": [],
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- traffic

def sa_addr(s):
    """Index s (0..65535) of a tunnel: inner host 10.2.x.y, peer 198.18.x.y."""
    s += 1
    return "%d.%d" % (s >> 8, s & 255)


def key_of(i, n, salt=0):
    return bytes(((i * 7 + j * 13 + salt) & 0xff) for j in range(n))


def inner_packet(fam, size, flow, sa, decrypt):
    """The cleartext IP packet of one frame of `size` bytes (incl. FCS)."""
    from scapy.all import IP, IPv6, UDP, Raw
    sport = 1024 + flow % 60000
    hi = flow // 60000
    if fam == 4:
        if decrypt:
            ip = IP(src="10.2." + sa_addr(sa), dst="10.0.1.%d" % (2 + hi), ttl=64)
        else:
            ip = IP(src="10.0.1.%d" % (2 + hi), dst="10.2." + sa_addr(sa), ttl=64)
        hl = 28
    else:
        a, b = sa_addr(sa).split(".")
        far = "fd02::%x:%x" % (int(a), int(b))
        near = "fd01::%x" % (2 + hi)
        ip = (IPv6(src=far, dst=near, hlim=64) if decrypt else
              IPv6(src=near, dst=far, hlim=64))
        hl = 48
    plen = max(size - 18 - hl, 0)
    return ip / UDP(sport=sport, dport=9) / Raw(bytes(plen))


def frame_size(fam, size):
    """Smallest legal frame: IPv6/UDP needs 66 bytes, so '64' is 66 there."""
    return max(size, 14 + (48 if fam == 6 else 28) + 4 + (0 if fam == 6 else 18))


def make_sas(alg, nsas, direction):
    """scapy SAs of the peer (for decrypt: encrypt what dpsecd receives) or
    of the receiver (for encrypt checks: decrypt what dpsecd sends)."""
    from scapy.all import IP
    from scapy.layers.ipsec import SecurityAssociation, ESP
    et, calg, klen, aalg, aklen = ALGS[alg]
    sas = []
    for s in range(nsas):
        peer = "198.18." + sa_addr(s)
        kw = dict(crypt_algo=calg, crypt_key=key_of(s, klen, 1 if direction == "decrypt" else 0))
        if aalg:
            kw.update(auth_algo=aalg, auth_key=key_of(s, aklen, 99))
        if direction == "decrypt":
            sas.append(SecurityAssociation(ESP, spi=0x20000 + s, tunnel_header=IP(src=peer, dst=GW4), **kw))
        else:
            sas.append(SecurityAssociation(ESP, spi=0x10000 + s, tunnel_header=IP(src=GW4, dst=peer), **kw))
    return sas


def write_traffic(d, p, nq):
    """pcap(s) of one point (one per rx queue) and the originals by index."""
    from scapy.all import Ether, wrpcap
    sizes = IMIX if p["size"] == "imix" else [p["size"]]
    nflows = max(p["flows"], p["sas"])
    npk = max(nflows, 240)
    npk = -(-npk // (12 * nq)) * 12 * nq
    sas = make_sas(p["alg"], p["sas"], "decrypt") if p["dir"] == "decrypt" else None
    queues = [[] for _ in range(nq)]
    inner = []
    for i in range(npk):
        f = i % nflows
        s = f % p["sas"]
        sz = frame_size(p["fam"], sizes[i % len(sizes)])
        ip = inner_packet(p["fam"], sz, f, s, p["dir"] == "decrypt")
        inner.append(bytes(ip))
        if sas:
            sa = sas[s]
            sa.seq_num = 1 + i // p["sas"]
            ip = sa.encrypt(ip)
        q = i % nq
        queues[q].append(Ether(src=HOST_MAC if p["dir"] != "decrypt" else PEER_MAC,
                               dst=SRC_MAC % q) / ip)
    paths = []
    for q in range(nq):
        path = os.path.join(d, "in%d.pcap" % q)
        wrpcap(path, queues[q])
        paths.append(path)
    return paths, inner, npk


def write_setkey(path, p):
    et, calg, klen, aalg, aklen = ALGS[p["alg"]]
    out = []
    if p["dir"] in ("encrypt", "decrypt"):
        for s in range(p["sas"]):
            x = sa_addr(s)
            peer = "198.18." + x
            if p["fam"] == 4:
                inner = "10.2.%s/32" % x
                site = "10.0.1.0/24"
            else:
                a, b = x.split(".")
                inner = "fd02::%x:%x/128" % (int(a), int(b))
                site = "fd01::/64"
            if p["dir"] == "encrypt":
                enc = key_of(s, klen, 0).hex()
                keys = et % ((enc, key_of(s, aklen, 99).hex()) if aalg else enc)
                out.append("add %s %s esp 0x%x -m tunnel -r 0 %s;" %
                           (GW4, peer, 0x10000 + s, keys))
                out.append("spdadd %s %s any -P out ipsec esp/tunnel/%s-%s/require;" %
                           (site, inner, GW4, peer))
            else:
                enc = key_of(s, klen, 1).hex()
                keys = et % ((enc, key_of(s, aklen, 99).hex()) if aalg else enc)
                out.append("add %s %s esp 0x%x -m tunnel -r 0 %s;" %
                           (peer, GW4, 0x20000 + s, keys))
                out.append("spdadd %s %s any -P in ipsec esp/tunnel/%s-%s/require;" %
                           (inner, site, peer, GW4))
    # Filler policies no packet matches (SPD size scaling).
    used = p["sas"] if p["dir"] != "bypass" else 0
    for k in range(max(p["policies"] - used, 0)):
        out.append("spdadd 172.16.%d.%d/32 172.17.%d.0/24 udp -P out discard;" %
                   ((k >> 8) & 255, k & 255, (k >> 16) & 255))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_conf(path, d, p, pcaps, sink, gen="pcap", finite=False):
    """One source port per worker (net_pcap has one rx queue and no RSS,
    so dpsecd gives each port one queue; ports' queues go round-robin to
    the workers), declared first so that they are the first net_pcap vdevs
    (MACs SRC_MAC % k); then the sink."""
    prot = "role protected address 10.0.1.1/24 address fd01::1/64"
    unprot = "role unprotected address 192.0.2.1/24 address 2001:db8::1/64 mtu 9000"
    mbufs = max(4096, p["npk"] // len(pcaps) + 3072)
    ports = []
    for k, pc in enumerate(pcaps):
        name = ("b" if p["dir"] == "decrypt" else "a") if k == 0 else "s%d" % k
        if k == 0:
            role = unprot if p["dir"] == "decrypt" else prot
        elif p["dir"] == "decrypt":
            role = "role unprotected address 192.0.%d.1/24 mtu 9000" % (100 + k)
        else:
            role = "role protected address 10.0.%d.1/24" % (100 + k)
        if gen == "memif":
            dev = "net_memif%d,role=server,socket=%s/memif%d.sock,id=0,mac=%s" % (
                k, d, k, SRC_MAC % k)
        else:
            dev = "net_pcap%d,rx_pcap=%s%s" % (k, pc, "" if finite else ",infinite_rx=1")
        ports.append("port %s device %s %s" % (name, dev, role))
        ports.append("port %s mbufs %d" % (name, mbufs))
    if sink == "null":
        snk = "net_null0,no-rx=1"
    else:
        open(os.path.join(d, "empty.pcap"), "wb").write(
            struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        snk = "net_pcap%d,rx_pcap=%s/empty.pcap,tx_pcap=%s" % (
            0 if gen == "memif" else len(pcaps), d, sink)
    if p["dir"] == "decrypt":
        ports.append("port a device %s %s" % (snk, prot))
    else:
        ports.append("port b device %s %s" % (snk, unprot))
    text = """workers {w}
idle busy-poll
{seq}max-sa {maxsa}
setkey {d}/setkey.conf
control-socket {d}/pfkey.sock
{ports}
route 198.18.0.0/15 via {nh4} dev b
route 10.2.0.0/16 via {nh4} dev b
route fd02::/16 via {nh6} dev b
neighbor {nh4} {peer} dev b
neighbor {nh6} {peer} dev b
neighbor 10.0.1.2 {host} dev a
neighbor 10.0.1.3 {host} dev a
neighbor fd01::2 {host} dev a
neighbor fd01::3 {host} dev a
""".format(w=p["workers"], d=d, ports="\n".join(ports), nh4=NH4, nh6=NH6,
           peer=PEER_MAC, host=HOST_MAC, maxsa=max(65536, 2 * p["sas"] + 16),
           seq="outbound-seq %s\n" % p["seq"] if p.get("seq") else "")
    with open(path, "w") as f:
        f.write(text)
    return mbufs * len(pcaps)


# ---------------------------------------------------------------- dpsecd

def telemetry(prefix, cmd):
    path = os.path.join("/var/run/dpdk", prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    s.recv(16384)
    s.send(cmd.encode())
    data = json.loads(s.recv(1 << 20).decode())
    s.close()
    return data[cmd.split(",")[0]]


def worker_threads(pid):
    out = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().startswith(("rte-worker", "lcore-worker")):
                    out.append(int(tid))
        except OSError:
            pass
    return out


def thread_cpu(pid, tids):
    """CPU seconds (user+system) of the given threads."""
    tck = os.sysconf("SC_CLK_TCK")
    t = 0
    for tid in tids:
        with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        t += int(fields[11]) + int(fields[12])
    return t / tck


def tsc_hz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    return 0.0


def lcores(workers):
    """Control on CPU 0, workers on the other CPUs (shared when too few)."""
    ncpu = os.cpu_count() or 1
    m = ["0@0"]
    for w in range(1, workers + 1):
        m.append("%d@%d" % (w, w % ncpu if ncpu > 1 else 0))
    return ",".join(m)


class Gateway:
    def __init__(self, args, d, conf, p, mem):
        self.prefix = "dpsec-bench-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.d = d
        self.stats_json = os.path.join(d, "stats.json")
        self.logf = os.path.join(d, "dpsecd.log")
        self.cmd = [os.path.join(args.build, "src", "dpsecd"),
                    "--lcores", lcores(p["workers"]), "--no-huge", "--no-pci",
                    "-m", str(mem), "--file-prefix", self.prefix,
                    "--log-level", "notice"] + ENGINES[p["engine"]] + \
                   ["--", "-c", conf, "--stats-json", self.stats_json]
        self.proc = None

    def start(self, timeout=120):
        self.log = open(self.logf, "w+")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("dpsecd exited (%d):\n%s" % (self.proc.returncode, self.output()))
            if "dpsecd: running" in self.output():
                return
            time.sleep(0.05)
        raise RuntimeError("dpsecd did not start:\n" + self.output())

    def output(self):
        with open(self.logf) as f:
            return f.read()

    def sample(self):
        ports = telemetry(self.prefix, "/dpsec/ports")
        st = telemetry(self.prefix, "/dpsec/stats")
        return {"t": time.time(), "ports": ports, "stats": st,
                "cpu": thread_cpu(self.proc.pid, self.tids)}

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("dpsecd did not stop:\n" + self.output())
        self.proc = None
        if rc != 0:
            raise RuntimeError("dpsecd exit %d:\n%s" % (rc, self.output()))
        with open(self.stats_json) as f:
            return json.load(f)

    def cleanup(self):
        if getattr(self, "gen", None):
            self.gen.stop()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)


class Generator:
    """A separate generator process over net_memif: dpdk-testpmd in io
    forwarding mode between a net_pcap infinite_rx port (the same pcap the
    built-in source would replay) and a memif client port per dpsecd
    source port (testpmd pairs ports 0-1, 2-3, ...).  Its lcores sit on
    CPU 0 with dpsecd's control thread, away from the workers (CPU 1..).
    Packets the memif ring cannot take are dropped by the generator, not
    counted by dpsecd."""

    def __init__(self, d, pcaps, npk, workers):
        self.prefix = "dpsec-bgen-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.logf = os.path.join(d, "generator.log")
        vdevs = []
        for k, pc in enumerate(pcaps):
            vdevs += ["--vdev", "net_pcap%d,rx_pcap=%s,infinite_rx=1" % (k, pc),
                      "--vdev", "net_memif%d,role=client,socket=%s/memif%d.sock,id=0" % (k, d, k)]
        self.cmd = [shutil.which("dpdk-testpmd") or "dpdk-testpmd",
                    "--lcores", "0@0," + ",".join("%d@0" % (i + 1) for i in range(workers)),
                    "--no-huge", "--no-pci", "-m", str(256 + npk * 3 // 1024),
                    "--file-prefix", self.prefix, "--log-level", "notice"] + vdevs + \
                   ["--", "--forward-mode=io", "--nb-cores=%d" % workers,
                    "--total-num-mbufs=%d" % (npk + 8192), "--stats-period", "1",
                    "--rxq=1", "--txq=1"]
        self.proc = None

    def start(self):
        self.log = open(self.logf, "w+")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            with open(self.logf) as f:
                raise RuntimeError("generator exited:\n" + f.read()[-2000:])

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)


def run_point(args, p, sink="null", keep=None):
    """One configuration: returns the result row (medians, spread) and,
    with keep, leaves the work directory there."""
    d = keep or tempfile.mkdtemp(prefix="dpsec-gwbench-")
    try:
        nq = p["workers"]
        pcaps, inner, npk = write_traffic(d, p, nq)
        p["npk"] = npk
        write_setkey(os.path.join(d, "setkey.conf"), p)
        conf = os.path.join(d, "dpsecd.conf")
        gen = getattr(args, "generator", "pcap")
        p["gen"] = gen
        mbufs = write_conf(conf, d, p, pcaps, sink, gen)
        mem = 256 + mbufs * 3 // 1024 + p["sas"] // 50 + p["policies"] // 200
        gw = Gateway(args, d, conf, p, mem)
        try:
            t0 = time.time()
            gw.start()
            if gen == "memif":
                gw.gen = Generator(d, pcaps, npk, p["workers"])
                gw.gen.start()
            p["startup_s"] = time.time() - t0
            gw.tids = worker_threads(gw.proc.pid)
            p["settle_s"] = settle_spd(gw.proc.pid) if p["policies"] > 1000 else 0.0
            time.sleep(args.warmup)
            samples = [gw.sample()]
            for _ in range(args.repeat):
                time.sleep(args.interval)
                samples.append(gw.sample())
            prof = None
            if args.perf and p.get("perf"):
                prof = perf_profile(gw, d)
            if getattr(gw, "gen", None):
                gw.gen.stop()
            final = gw.stop()
        finally:
            gw.cleanup()
        row = summarize(p, samples, final)
        if prof:
            row["profile"] = prof
        row["inner"] = inner
        row["dir_path"] = d
        return row
    finally:
        if keep is None:
            shutil.rmtree(d, ignore_errors=True)


def settle_spd(pid, quiet=2.0, limit=300.0):
    """Wait until the SPD builder thread has been idle for `quiet` seconds
    (big policy sets compile in chunks, then merge when idle: measuring
    before that measures the transient, docs/spd.md)."""
    t0 = time.time()
    tids = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().startswith("spd-build"):
                tids.append(int(tid))
    if not tids:
        return 0.0
    last, since = -1.0, time.time()
    while time.time() - t0 < limit:
        c = thread_cpu(pid, tids)
        if c != last:
            last, since = c, time.time()
        elif time.time() - since >= quiet:
            break
        time.sleep(0.2)
    return time.time() - t0


def summarize(p, samples, final):
    snk = "a" if p["dir"] == "decrypt" else "b"
    sizes = IMIX if p["size"] == "imix" else [p["size"]]
    fs = [frame_size(p["fam"], s) for s in sizes]
    l2 = sum(fs) / len(fs)
    ip = l2 - 18
    hz = tsc_hz()
    iv = []
    for a, b in zip(samples, samples[1:]):
        dt = b["t"] - a["t"]
        tx = b["ports"][snk]["tx_pkts"] - a["ports"][snk]["tx_pkts"]
        rx = sum(b["ports"][n]["rx_pkts"] - a["ports"][n]["rx_pkts"]
                 for n in b["ports"] if n != snk)
        dr = b["stats"]["drops"] - a["stats"]["drops"]
        cpu = b["cpu"] - a["cpu"]
        iv.append({"mpps": tx / dt / 1e6, "rx_mpps": rx / dt / 1e6,
                   "drops": dr, "cpu": cpu,
                   "mpps_cpu": tx / cpu / 1e6 if cpu > 0 else 0.0,
                   "cpp": cpu * hz / tx if tx else 0.0, "rx": rx, "tx": tx})
    med = lambda k: statistics.median(x[k] for x in iv)
    spread = lambda k: (max(x[k] for x in iv) - min(x[k] for x in iv))
    mpps = med("mpps")
    row = dict(p)
    row.update({
        "l2_bytes": l2, "mpps": mpps, "mpps_spread": spread("mpps"),
        "gbps_l2": mpps * l2 * 8 / 1e3, "gbps_ip": mpps * ip * 8 / 1e3,
        "mpps_cpu": med("mpps_cpu"), "cpp": med("cpp"),
        "drops": sum(x["drops"] for x in iv),
        "cpu_util": med("cpu") / (samples[1]["t"] - samples[0]["t"]) if iv else 0,
        "intervals": iv, "final": {k: final[k] for k in ("rx_pkts", "tx_pkts", "drops_total")},
        "final_drops": {k: v for k, v in final["drops"].items() if v},
        "loadavg": os.getloadavg()[0],
    })
    row.pop("npk", None)
    return row


def perf_profile(gw, d):
    """perf record (cpu-clock: no hardware counters in most VMs) of the
    worker threads for a few seconds; the top symbols."""
    if shutil.which("perf") is None:
        return "perf not installed"
    data = os.path.join(d, "perf.data")
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-o", data,
           "-t", ",".join(str(t) for t in gw.tids), "--", "sleep", "3"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "perf record failed: " + r.stderr.strip()[:300]
    r = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                        "--sort", "symbol,dso", "--percent-limit", "0.7"],
                       capture_output=True, text=True)
    lines = [x for x in r.stdout.splitlines() if x.strip() and not x.startswith("#")]
    return "\n".join(lines[:40])


# ---------------------------------------------------------------- raw crypto

def esp_buf(size, fam=4):
    """Bytes the ESP encrypts for a cleartext frame of `size` (tunnel mode:
    the inner IP packet + 2 trailer bytes, padded to 4)."""
    n = frame_size(fam, size) - 18 + 2
    return (n + 3) // 4 * 4


def raw_ceilings(args, sizes):
    """openssl speed -evp and dpdk-test-crypto-perf at the ESP buffer sizes
    of the frame sizes (one core each)."""
    res = {}
    bufs = sorted({esp_buf(s) for s in sizes})
    for alg, evp in (("aes-gcm-128", "aes-128-gcm"), ("chacha20-poly1305", "chacha20-poly1305")):
        for b in bufs:
            r = subprocess.run(["openssl", "speed", "-evp", evp, "-seconds",
                                str(args.raw_seconds), "-bytes", str(b)],
                               capture_output=True, text=True)
            last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
            try:
                kbs = float(last.split()[-1].rstrip("k"))
                res[("openssl-evp", alg, b)] = kbs * 1e3 / b / 1e6  # Mops
            except (ValueError, IndexError):
                pass
    perf = shutil.which("dpdk-test-crypto-perf")
    if perf:
        # (device, algorithm, its cost relative to aesni_mb AES-GCM: sizes
        # the op count to about --raw-cpu seconds of CPU per point)
        for dev, alg, algo, ksz, cost in (
                ("crypto_aesni_mb", "aes-gcm-128", "aes-gcm", 16, 1),
                ("crypto_aesni_mb", "chacha20-poly1305", "chacha20-poly1305", 32, 3),
                ("crypto_openssl", "aes-gcm-128", "aes-gcm", 16, 5)):
            eng = "cdev-" + dev.split("_", 1)[1]
            for b in bufs:
                ops = int(args.raw_cpu * 2.3e9 / (100 + 0.25 * b) / cost)
                r = crypto_perf(args, perf, dev, algo, ksz, b, max(ops, 100000))
                if r:
                    res[(eng, alg, b)] = r[0]
                    res[(eng + "-wall", alg, b)] = r[1]
    return res


def crypto_perf(args, perf, dev, algo, ksz, buf, ops):
    """dpdk-test-crypto-perf, one buffer size: (Mops per CPU-second of its
    worker lcore thread, Mops wall clock).  The worker's CPU time is sampled
    from /proc until it exits, so a loaded machine does not count."""
    cmd = [perf, "--no-huge", "--no-pci", "--no-shconf",
           "--file-prefix=dpsec-gwraw-%d" % os.getpid(), "-m", "512",
           "-l", "0,1", "--vdev", dev, "--log-level=lib.eal:error", "--",
           "--ptest", "throughput", "--devtype", dev, "--optype", "aead",
           "--aead-algo", algo, "--aead-op", "encrypt", "--aead-key-sz", str(ksz),
           "--aead-iv-sz", "12", "--aead-aad-sz", "8", "--digest-sz", "16",
           "--buffer-sz", str(buf), "--burst-sz", "32",
           "--pool-sz", "1024", "--total-ops", str(ops), "--silent"]
    pr = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    cpu = 0.0
    tid = None
    while pr.poll() is None:
        try:
            if tid is None:
                for t in os.listdir("/proc/%d/task" % pr.pid):
                    with open("/proc/%d/task/%s/comm" % (pr.pid, t)) as f:
                        if f.read().startswith(("rte-worker", "lcore-worker")):
                            tid = int(t)
            if tid is not None:
                cpu = thread_cpu(pr.pid, [tid])
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.02)
    out = pr.stdout.read()
    for line in out.splitlines():
        w = line.split()
        # lcore, buf, burst, enq, deq, failed enq, failed deq, MOps, Gbps, cycles/buf
        if len(w) == 10 and w[0].isdigit():
            wall = float(w[7])
            return (ops / cpu / 1e6 if cpu > 0.05 else wall, wall)
    return None


# ---------------------------------------------------------------- plans

def point(d, alg="aes-gcm-128", engine="aesni_mb", size=64, fam=4, flows=64,
          sas=1, policies=None, workers=1, **kw):
    p = {"dir": d, "alg": alg if d != "bypass" else "-", "engine": engine if d != "bypass" else "-",
         "size": size, "fam": fam, "flows": flows, "sas": sas,
         "policies": policies if policies is not None else (sas if d != "bypass" else 0),
         "workers": workers}
    if d == "bypass":
        p["alg"] = "aes-gcm-128"   # unused, keeps ALGS lookups simple
        p["engine"] = "openssl"
        p["label_alg"] = "-"
    p.update(kw)
    return p


def plan(profile, sizes):
    pts = []
    if profile == "smoke":
        return [point("bypass", size=128, flows=4),
                point("encrypt", size=128, flows=4),
                point("decrypt", size=128, flows=4)]
    if profile == "scale":
        return scale_plan()
    if profile == "quick":
        for s in (64, 1420):
            pts += [point("bypass", size=s), point("encrypt", size=s),
                    point("decrypt", size=s)]
        return pts
    for s in sizes:
        pts.append(point("bypass", size=s))
        pts.append(point("encrypt", size=s, perf=(s in (64, 1420))))
        pts.append(point("encrypt", size=s, engine="openssl"))
        pts.append(point("decrypt", size=s))
        pts.append(point("encrypt", alg="aes-cbc-sha256", size=s))
        pts.append(point("encrypt", alg="chacha20-poly1305", size=s))
    for s in (64, 1420, "imix"):
        pts.append(point("bypass", size=s, fam=6))
        pts.append(point("encrypt", size=s, fam=6))
    return pts + scale_plan()


def scale_plan():
    """Workers, SAs, policies.  dpsecd's cryptodev session pool holds 4096
    objects (xform CDEV_SESS; dpsecd does not size it from max-sa), which
    is 2048 SAs: 10,000 SAs run on the OpenSSL engine, aesni_mb gets 2,000."""
    pts = []
    for s in (64, 1420):
        pts.append(point("bypass", size=s, workers=1))
        pts.append(point("encrypt", size=s, workers=1))
        pts.append(point("bypass", size=s, workers=2, perf=(s == 64)))
        pts.append(point("encrypt", size=s, workers=2, perf=(s == 64)))
        pts.append(point("decrypt", size=s, workers=2))
    pts.append(point("encrypt", size=64, sas=1, flows=2000))
    pts.append(point("encrypt", size=64, sas=1, flows=2000, policies=2000))
    pts.append(point("encrypt", size=64, sas=2000, flows=2000))
    pts.append(point("decrypt", size=64, sas=1, flows=2000))
    pts.append(point("decrypt", size=64, sas=2000, flows=2000))
    pts.append(point("encrypt", size=64, engine="openssl", sas=1, flows=10000))
    pts.append(point("encrypt", size=64, engine="openssl", sas=1, flows=10000, policies=10000))
    pts.append(point("encrypt", size=64, engine="openssl", sas=10000, flows=10000))
    pts.append(point("encrypt", size=64, policies=10))
    pts.append(point("encrypt", size=64, policies=100000, perf=True))
    return pts


# ------------------------------------------- outbound sequence numbers

def esp_seqs(path):
    """(spi, seq) of every IPv4 ESP frame of a pcap, in file order (raw
    parse: scapy is too slow for tens of thousands of frames)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        fr = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(fr) < 42 or fr[12:14] != b"\x08\x00" or fr[23] != 50:
            continue
        ihl = (fr[14] & 15) * 4
        out.append(struct.unpack_from(">II", fr, 14 + ihl))
    return out


def reorder(pairs, window=64):
    """Per SPI: packets, max reorder (highest seen - seq), how many a
    `window`-packet anti-replay window would drop."""
    res = {}
    by = {}
    for spi, seq in pairs:
        by.setdefault(spi, []).append(seq)
    for spi, seqs in by.items():
        top = lag = bad = 0
        seen = set()
        for q in seqs:
            if q in seen or q <= top - window:
                bad += 1
            seen.add(q)
            lag = max(lag, top - q)
            top = max(top, q)
        res[spi] = (len(seqs), lag, bad)
    return res


def reorder_run(args, p, copies=80):
    """A finite run of the point (each source pcap replayed `copies` times
    in one file, read once) with a net_pcap sink: the sequence numbers as
    they left, per SA."""
    from scapy.all import rdpcap, wrpcap
    d = tempfile.mkdtemp(prefix="dpsec-gwseq-")
    try:
        nq = p["workers"]
        pcaps, _, npk = write_traffic(d, p, nq)
        for pc in pcaps:
            wrpcap(pc, list(rdpcap(pc)) * copies)
        p = dict(p, npk=npk * copies)
        write_setkey(os.path.join(d, "setkey.conf"), p)
        conf = os.path.join(d, "dpsecd.conf")
        sink = os.path.join(d, "sink.pcap")
        mbufs = write_conf(conf, d, p, pcaps, sink, finite=True)
        gw = Gateway(args, d, conf, p, 256 + mbufs * 3 // 1024)
        try:
            gw.start()
            want = npk * copies
            end = time.time() + 120
            while time.time() < end:
                w = telemetry(gw.prefix, "/dpsec/workers")
                rx = sum(v["rx_pkts"] for v in w.values())
                done = sum(v["tx_pkts"] + v["drops"] for v in w.values())
                if rx >= want and done >= rx:
                    break
                time.sleep(0.2)
            final = gw.stop()
        finally:
            gw.cleanup()
        res = reorder(esp_seqs(sink))
        return {"sent": want, "esp": sum(v[0] for v in res.values()),
                "max_reorder": max((v[1] for v in res.values()), default=0),
                "win64_drops": sum(v[2] for v in res.values()),
                "handoff": sum(x.get("handoff_out", 0) for x in final["workers"]),
                "final_drops": {k: v for k, v in final["drops"].items() if v}}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def seq_bench(args):
    """outbound-seq owner vs atomic, 2 workers, 1 and 4 SAs (--seq-sas), same run:
    throughput (null sink, medians) and reorder (finite run, pcap sink).
    The modes alternate (owner, atomic, owner, atomic) per SA count so
    that machine load drifts hit both."""
    print("# outbound-seq: 2 workers, 64 B, aes-gcm-128 on aesni_mb, one "
          "source port per worker, each carrying every SA's flows")
    print("%-4s %-7s %4s %8s %7s %9s %5s %9s %10s %9s %8s %9s %s" % (
        "SAs", "mode", "run", "Mpps", "+-", "Mpps/cpu", "cpus", "drops/s", "esp-out",
        "reorder", "win64", "handoff", "finite-run drops"))
    rows = []
    for sas in [int(x) for x in args.seq_sas.split(",")]:
        for rep in range(args.seq_rounds):
            for mode in ("owner", "atomic"):
                p = point("encrypt", size=64, sas=sas, flows=64, workers=2,
                          seq=mode)
                r = run_point(args, dict(p))
                r.pop("inner", None)
                r.pop("dir_path", None)
                o = reorder_run(args, dict(p))
                dt = args.interval * args.repeat
                print("%-4d %-7s %4d %8.3f %7.3f %9.3f %5.2f %9.0f %10d %9d %8d %9d %s" % (
                    sas, mode, rep + 1, r["mpps"], r["mpps_spread"],
                    r["mpps_cpu"], r["cpu_util"], r["drops"] / dt, o["esp"], o["max_reorder"],
                    o["win64_drops"], o["handoff"], o["final_drops"]))
                sys.stdout.flush()
                rows.append({"sas": sas, "mode": mode, "round": rep + 1,
                             "tput": r, "reorder": o})
    return rows


# ---------------------------------------------------------------- output

def fmt_size(s):
    return str(s)


HEAD = ("dir", "gen", "alg", "engine", "fam", "frame", "flows", "SAs", "pol", "wk",
        "Mpps", "+-", "Gbps-L2", "Gbps-IP", "Mpps/cpu", "cyc/pkt", "drops", "%byp", "%raw")


def table(rows, raw):
    byp = {(r["fam"], r["size"], r["workers"]): r for r in rows if r["dir"] == "bypass"}
    out = []
    for r in rows:
        b = byp.get((r["fam"], r["size"], r["workers"]))
        pb = "%.0f" % (100 * r["mpps_cpu"] / b["mpps_cpu"]) if b and r["dir"] != "bypass" and b["mpps_cpu"] else ""
        pr = ""
        if r["dir"] != "bypass" and r["size"] != "imix":
            eng = "cdev-aesni_mb" if r["engine"] == "aesni_mb" else "openssl-evp"
            k = (eng, r["alg"], esp_buf(r["size"], r["fam"]))
            if k in raw and raw[k]:
                pr = "%.0f" % (100 * r["mpps_cpu"] / r["workers"] / raw[k])
        out.append((r["dir"], r.get("gen", "pcap"), r.get("label_alg", r["alg"]), r.get("label_engine", "-" if r["dir"] == "bypass" else r["engine"]),
                    "v%d" % r["fam"], fmt_size(r["size"]), str(r["flows"]), str(r["sas"]),
                    str(r["policies"]), str(r["workers"]),
                    "%.3f" % r["mpps"], "%.3f" % r["mpps_spread"], "%.2f" % r["gbps_l2"],
                    "%.2f" % r["gbps_ip"], "%.3f" % r["mpps_cpu"], "%.0f" % r["cpp"],
                    str(r["drops"]), pb, pr))
    w = [max(len(HEAD[i]), *(len(o[i]) for o in out)) if out else len(HEAD[i]) for i in range(len(HEAD))]
    lines = ["| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(HEAD)) + " |",
             "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    for o in out:
        lines.append("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(o)) + " |")
    return "\n".join(lines)


def raw_table(raw):
    keys = sorted({(e, a) for (e, a, b) in raw})
    bufs = sorted({b for (e, a, b) in raw})
    lines = ["| engine | algorithm | " + " | ".join("%d B" % b for b in bufs) + " |",
             "|---|---|" + "---|" * len(bufs)]
    for e, a in keys:
        lines.append("| %s | %s | " % (e, a) + " | ".join(
            "%.3f" % raw[(e, a, b)] if (e, a, b) in raw else "" for b in bufs) + " |")
    return "\n".join(lines)


def machine():
    info = {}
    with open("/proc/cpuinfo") as f:
        txt = f.read()
    for line in txt.splitlines():
        if line.startswith("model name"):
            info["cpu"] = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            fl = set(line.split(":", 1)[1].split())
            info["flags"] = " ".join(x for x in ("aes", "vaes", "vpclmulqdq", "avx2", "avx512f",
                                                  "avx512bw", "sha_ni", "pclmulqdq") if x in fl)
    info["cores"] = os.cpu_count()
    info["kernel"] = os.uname().release

    def pkgver(p):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p], capture_output=True, text=True)
        return r.stdout.strip() or "?"
    info["dpdk"] = pkgver("libdpdk-dev")
    info["openssl"] = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    info["libsodium"] = pkgver("libsodium-dev")
    info["intel-ipsec-mb"] = pkgver("libipsec-mb1")
    info["load"] = " ".join("%.1f" % x for x in os.getloadavg())
    info["git"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip()
    return info


def plots(rows, outdir):
    """Mpps and Gbps (L2) against frame size per direction+algorithm (IPv4,
    1 worker, 1 SA, 64 flows), PNG through gnuplot.  Plotted per worker
    CPU-second (the figure that holds on a shared machine); the wall-clock
    figures are in the table."""
    if shutil.which("gnuplot") is None:
        log("gnuplot missing: no plots")
        return []
    os.makedirs(outdir, exist_ok=True)
    order = [s for s in SIZES] + ["imix"]
    series = {}
    for r in rows:
        if r["fam"] != 4 or r["workers"] != 1 or r["sas"] != 1 \
                or r["flows"] != 64 or r["policies"] > (1 if r["dir"] != "bypass" else 0):
            continue
        name = r["dir"] if r["dir"] == "bypass" else "%s %s %s" % (r["dir"], r["alg"], r["engine"])
        ser = series.setdefault(name, {})
        ser.setdefault(r["size"], (r["mpps_cpu"], r["mpps_cpu"] * r["l2_bytes"] * 8 / 1e3))
    datf = os.path.join(outdir, "data.txt")
    with open(datf, "w") as f:
        for name, pts in series.items():
            f.write('"%s"\n' % name)
            for i, sz in enumerate(order):
                if sz in pts:
                    f.write("%d %s %f %f\n" % (i, sz, pts[sz][0], pts[sz][1]))
            f.write("\n\n")
    xt = ", ".join('"%s" %d' % (sz, i) for i, sz in enumerate(order))
    files = []
    for col, ylabel, fn in ((3, "Mpps per worker CPU-second", "mpps.png"),
                            (4, "Gbps (L2) per worker CPU-second", "gbps.png")):
        png = os.path.join(outdir, fn)
        script = """set terminal pngcairo size 960,600 noenhanced
set output '{png}'
set title 'dpsecd, 1 worker, IPv4 UDP, net_pcap infinite_rx -> net_null: {yl}'
set xlabel 'frame size (bytes)'
set ylabel '{yl}'
set xtics ({xt})
set xrange [-0.5:{xmax}]
set yrange [0:*]
set key outside bottom center horizontal maxrows 3
set grid
plot for [i=0:{n}] '{dat}' index i using 1:{c} with linespoints lw 2 title columnheader(1)
""".format(png=png, yl=ylabel, n=len(series) - 1, dat=datf, c=col, xt=xt,
           xmax=len(order) - 0.5)
        r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
        if r.returncode != 0:
            r = subprocess.run(["gnuplot"], input=script.replace("pngcairo", "png"),
                               capture_output=True, text=True)
        if r.returncode == 0:
            files.append(png)
        else:
            log("gnuplot: " + r.stderr[:300])
    return files


# ---------------------------------------------------------------- smoke checks

def smoke(args):
    """One short point per direction with a pcap sink: the ESP decrypts
    with scapy to the forwarded originals, the decrypted packets are the
    originals, and rx = tx + drops."""
    from scapy.all import IP, IPv6, PcapReader, Ether
    from scapy.layers.ipsec import ESP
    errors = []
    for p in plan("smoke", SIZES):
        d = tempfile.mkdtemp(prefix="dpsec-gwsmoke-")
        sink = os.path.join(d, "out.pcap")
        try:
            r = run_point(args, p, sink=sink, keep=d)
            f = r["final"]
            log("%s: rx %d tx %d drops %d (%s), %.3f Mpps" %
                (p["dir"], f["rx_pkts"], f["tx_pkts"], f["drops_total"],
                 r["final_drops"], r["mpps"]))
            if f["rx_pkts"] == 0 or f["tx_pkts"] == 0:
                errors.append("%s: nothing forwarded" % p["dir"])
            if f["rx_pkts"] != f["tx_pkts"] + f["drops_total"]:
                errors.append("%s: rx %d != tx %d + drops %d" %
                              (p["dir"], f["rx_pkts"], f["tx_pkts"], f["drops_total"]))
            if f["drops_total"] != 0:
                errors.append("%s: drops %s" % (p["dir"], r["final_drops"]))
            for iv in r["intervals"]:
                if abs(iv["rx"] - iv["tx"] - iv["drops"]) > 64 * p["workers"] * 4:
                    errors.append("%s: interval rx %d tx %d drops %d" %
                                  (p["dir"], iv["rx"], iv["tx"], iv["drops"]))
            want = set()
            for raw in r["inner"]:
                ip = IP(raw) if p["fam"] == 4 else IPv6(raw)
                if p["fam"] == 4:
                    ip.ttl -= 1
                    del ip.chksum
                else:
                    ip.hlim -= 1
                want.add(bytes(ip.__class__(bytes(ip))))
            sas = make_sas(p["alg"], p["sas"], "encrypt") if p["dir"] == "encrypt" else None
            n = 0
            with PcapReader(sink) as rd:
                for pkt in rd:
                    if n >= 50:
                        break
                    n += 1
                    if pkt[Ether].dst != PEER_MAC and p["dir"] != "decrypt":
                        errors.append("%s: dst MAC %s" % (p["dir"], pkt[Ether].dst))
                    if p["dir"] == "encrypt":
                        if ESP not in pkt:
                            errors.append("encrypt: cleartext on the wire: " + pkt.summary())
                            break
                        spi = pkt[ESP].spi
                        try:
                            inner = sas[spi - 0x10000].decrypt(pkt[IP])
                        except Exception as ex:  # noqa: BLE001
                            errors.append("encrypt: scapy cannot decrypt: %s" % ex)
                            break
                        if bytes(inner) not in want:
                            errors.append("encrypt: decrypted packet is not an original")
                            break
                    else:
                        if ESP in pkt:
                            errors.append("%s: ESP out" % p["dir"])
                            break
                        if bytes(pkt.payload) not in want:
                            errors.append("%s: output is not a forwarded original: %s" %
                                          (p["dir"], pkt.summary()))
                            break
            if n == 0:
                errors.append("%s: empty sink pcap" % p["dir"])
        except Exception as ex:  # noqa: BLE001
            errors.append("%s: %s" % (p["dir"], ex))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    for e in errors:
        print("FAIL: " + e)
    if errors:
        sys.exit(1)
    print("ok: bench harness smoke (bypass, encrypt, decrypt): ESP decrypts, counters add up")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("DPSEC_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--profile", choices=("full", "quick", "scale", "smoke", "seq"), default="full",
                    help="seq: outbound-seq owner vs atomic (BENCHMARKS.md)")
    ap.add_argument("--seq-rounds", type=int, default=2,
                    help="--profile seq: owner/atomic pairs per SA count")
    ap.add_argument("--seq-sas", default="1,4",
                    help="--profile seq: SA counts (comma-separated)")
    ap.add_argument("--smoke", action="store_true", help="CI smoke run with checks")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)) + ",imix")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5, help="measured intervals per point")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw crypto ceilings")
    ap.add_argument("--raw-seconds", type=int, default=1)
    ap.add_argument("--raw-cpu", type=float, default=0.5,
                    help="target CPU seconds per dpdk-test-crypto-perf point")
    ap.add_argument("--perf", action="store_true", help="perf record the 64/1420 B encrypt points")
    ap.add_argument("--generator", choices=("pcap", "memif"), default="pcap",
                    help="pcap: net_pcap infinite_rx inside dpsecd (default); memif: "
                    "a separate dpdk-testpmd replaying the same pcaps over net_memif")
    ap.add_argument("--only", default="", help="run only points whose dir matches (bypass,encrypt,...)")
    ap.add_argument("--keep", help="keep each point's pcaps, setkey file, config and log under this directory")
    ap.add_argument("--json", help="write every row here")
    ap.add_argument("--plots", help="write mpps.png and gbps.png here")
    ap.add_argument("--report", nargs="+", metavar="JSON",
                    help="only print the table (and --plots) of earlier --json runs")
    args = ap.parse_args()
    if os.geteuid() != 0 and not args.report:
        sys.exit("needs root (DPDK vdevs, /var/run/dpdk)")
    if not args.report and not os.path.exists(os.path.join(args.build, "src", "dpsecd")):
        sys.exit("no %s/src/dpsecd: build first (meson setup build && ninja -C build)" % args.build)
    if args.report:
        rows, raw = [], {}
        for fn in args.report:
            with open(fn) as f:
                j = json.load(f)
            rows += j["rows"]
            raw.update({(e, a, b): v for e, a, b, v in j["raw"]})
        print(table(rows, raw))
        if raw:
            print()
            print(raw_table(raw))
        if args.plots:
            for f in plots(rows, args.plots):
                print("plot: " + f)
        return
    if args.smoke or args.profile == "smoke":
        h = subprocess.run([os.path.join(args.build, "src", "dpsecd"), "--help"],
                           capture_output=True, text=True)
        if "setkey" not in h.stdout + h.stderr:
            print("SKIP: this dpsecd has no IPsec datapath (no 'setkey' directive)")
            sys.exit(77)
        args.warmup = min(args.warmup, 0.2)
        args.interval = min(args.interval, 0.3)
        args.repeat = min(args.repeat, 2)
        smoke(args)
        return
    sizes = [int(s) if s != "imix" else "imix" for s in args.sizes.split(",")]
    info = machine()
    if args.profile == "seq":
        print("### dpsec outbound-seq benchmark, %s" %
              time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        print("### " + " ".join(sys.argv))
        for k, v in info.items():
            print("# %s: %s" % (k, v))
        print("# throughput: source net_pcap infinite_rx, sink net_null, warm-up "
              "%.1f s, %d x %.1f s intervals, medians; Mpps/cpu = per worker "
              "CPU-second; reorder: a finite run of the same point into a "
              "net_pcap sink" % (args.warmup, args.repeat, args.interval))
        rows = seq_bench(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"machine": info, "seq_rows": rows}, f, indent=1)
        return
    print("### dpsec gateway benchmark, %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("### " + " ".join(sys.argv))
    for k, v in info.items():
        print("# %s: %s" % (k, v))
    print("# source net_pcap infinite_rx (in the worker's own rx call), sink net_null; "
          "warm-up %.1f s, %d x %.1f s intervals; medians, +- = max-min of the intervals"
          % (args.warmup, args.repeat, args.interval))
    sys.stdout.flush()
    raw = {}
    if not args.no_raw:
        log("raw crypto ceilings...")
        raw = raw_ceilings(args, [s for s in sizes if s != "imix"])
    rows = []
    pts = [p for p in plan(args.profile, sizes)
           if (not args.only or p["dir"] in args.only.split(","))]
    for i, p in enumerate(pts):
        log("[%d/%d] %s %s %s %s v%d flows %d sas %d pol %d wk %d" %
            (i + 1, len(pts), p["dir"], p["alg"], p["engine"], p["size"], p["fam"],
             p["flows"], p["sas"], p["policies"], p["workers"]))
        try:
            keep = None
            if args.keep:
                keep = os.path.join(args.keep, "%02d-%s-%s-%s-%s-v%d-w%d-s%d-p%d" % (
                    i + 1, p["dir"], p["alg"], p["engine"], p["size"], p["fam"],
                    p["workers"], p["sas"], p["policies"]))
                os.makedirs(keep, exist_ok=True)
            r = run_point(args, p, keep=keep)
        except Exception as ex:  # noqa: BLE001
            log("  failed: %s" % str(ex)[-2000:])
            continue
        r.pop("inner", None)
        r.pop("dir_path", None)
        log("  %.3f Mpps (%.3f/cpu-s), %.0f cyc/pkt, drops %d, start %.1f s" %
            (r["mpps"], r["mpps_cpu"], r["cpp"], r["drops"], r["startup_s"]))
        rows.append(r)
    print()
    print(table(rows, raw))
    if raw:
        print()
        print("Raw crypto, one core, Mops at the ESP buffer size, per CPU-second "
              "(openssl speed's user time; dpdk-test-crypto-perf: its worker "
              "thread's CPU time); -wall: crypto-perf's own wall-clock figure:")
        print(raw_table(raw))
    for r in rows:
        if r.get("profile"):
            print()
            print("perf (cpu-clock) %s %s %s B:" % (r["dir"], r["alg"], r["size"]))
            print(r["profile"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "rows": rows,
                       "raw": [[k[0], k[1], k[2], v] for k, v in raw.items()]}, f, indent=1)
    if args.plots:
        for f in plots(rows, args.plots):
            print("plot: " + f)


if __name__ == "__main__":
    main()
