"""Helpers for integration tests: run dpsecd under EAL options that let
tests run side by side (no hugepages, no PCI, own file prefix), stop it
with SIGTERM and collect its counters (--stats-json)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time


def build_dir():
    return os.environ.get("DPSEC_BUILD") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build")


def dpsecd_path():
    return os.path.join(build_dir(), "src", "dpsecd")


class Dpsecd:
    """dpsecd as a child process.  Use as a context manager."""

    def __init__(self, conf, workdir, lcores="0-1", mem=128, extra_eal=(),
                 telemetry=False, netns=None):
        self.conf = conf
        self.workdir = workdir
        self.prefix = "dpsec-it-%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.stats_path = os.path.join(workdir, "stats.json")
        self.log_path = os.path.join(workdir, "dpsecd.log")
        cmd = []
        if netns:
            cmd += ["ip", "netns", "exec", netns]
        # "0-1" is an lcore list (-l); "0@0,1@1,2@1" maps lcores to CPUs.
        cmd += [dpsecd_path(), "--lcores" if "@" in lcores else "-l", lcores,
                "--no-huge", "--no-pci",
                "-m", str(mem), "--file-prefix", self.prefix,
                "--log-level", "notice"]
        if not telemetry:
            cmd.append("--no-telemetry")
        cmd += list(extra_eal)
        cmd += ["--", "-c", conf, "--stats-json", self.stats_path]
        self.cmd = cmd
        self.proc = None
        self.log = None

    def start(self, timeout=60):
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dpsecd exited early (%d):\n%s" %
                                   (self.proc.returncode, self.output()))
            if "dpsecd: running" in self.output():
                return
            time.sleep(0.05)
        raise RuntimeError("dpsecd did not start:\n" + self.output())

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, timeout=60):
        """SIGTERM, wait, return the counters as a dict."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("dpsecd did not stop:\n" + self.output())
        self.proc = None
        if rc != 0:
            raise RuntimeError("dpsecd exit status %d:\n%s" % (rc, self.output()))
        with open(self.stats_path) as f:
            return json.load(f)

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix),
                      ignore_errors=True)
        if self.log:
            self.log.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


def telemetry(prefix, cmd):
    """One request on the DPDK telemetry socket of a running dpsecd."""
    import socket
    path = os.path.join("/var/run/dpdk", prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(16384)  # greeting
    s.send(cmd.encode())
    data = json.loads(s.recv(1 << 20).decode())
    s.close()
    return data[cmd.split(",")[0]]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)
