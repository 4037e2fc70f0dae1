#!/usr/bin/python3
"""A few MB through the tunnel for scripts/demo.sh.

  xfer.py serve ADDR PORT        accept one connection, read an 8-byte
                                 length and that many bytes, answer with
                                 their SHA-256
  xfer.py send ADDR PORT MB      send MB megabytes of random data, check
                                 the digest, print the rate
"""
import hashlib
import os
import socket
import struct
import sys
import time


def serve(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(30)
    c, _ = s.accept()
    c.settimeout(30)
    n = struct.unpack("!Q", c.recv(8, socket.MSG_WAITALL))[0]
    h = hashlib.sha256()
    while n > 0:
        b = c.recv(min(n, 1 << 16))
        if not b:
            break
        h.update(b)
        n -= len(b)
    c.sendall(h.hexdigest().encode())
    c.close()


def send(addr, port, mb):
    data = os.urandom(int(mb * (1 << 20)))
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(30)
    for _ in range(50):
        try:
            s.connect((addr, port))
            break
        except (ConnectionRefusedError, OSError):
            time.sleep(0.1)
    t = time.time()
    s.sendall(struct.pack("!Q", len(data)) + data)
    got = s.recv(64, socket.MSG_WAITALL).decode()
    dt = time.time() - t
    ok = got == hashlib.sha256(data).hexdigest()
    print("%.1f MB in %.2f s (%.1f Mbit/s), SHA-256 %s" %
          (mb, dt, mb * 8 * 1.048576 / dt, "matches" if ok else "DIFFERS"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
