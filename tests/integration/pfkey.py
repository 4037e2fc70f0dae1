"""A minimal PF_KEY v2 client over dpsecd's control socket (AF_UNIX
SOCK_SEQPACKET, one message per record): enough for the acquire tests
(REGISTER, GETSPI, UPDATE, ADD, reading ACQUIRE).  RFC 2367 layouts."""
import socket
import struct

GETSPI, UPDATE, ADD, DELETE, GET, ACQUIRE, REGISTER, EXPIRE, FLUSH = range(1, 10)
SATYPE_ESP = 3
EXT_SA, EXT_ADDR_SRC, EXT_ADDR_DST = 1, 5, 6
EXT_KEY_AUTH, EXT_KEY_ENC = 8, 9
EXT_SPIRANGE = 16
EXT_X_SA2 = 19
MODE_TUNNEL = 2
EALG_AES_GCM16 = 20


def _pad8(b):
    return b + b"\0" * (-len(b) % 8)


def ext(etype, body):
    """An extension: 4-byte header (length in 8-byte units, type) + body,
    padded to 8 bytes."""
    b = _pad8(struct.pack("=HH", 0, etype) + body)
    return struct.pack("=HH", len(b) // 8, etype) + b[4:]


def sa_ext(spi, replay=64, state=1, auth=0, enc=EALG_AES_GCM16, flags=0):
    return ext(EXT_SA, struct.pack("!I", spi) +
               struct.pack("=BBBBI", replay, state, auth, enc, flags))


def addr_ext(etype, ip):
    sin = struct.pack("=H", socket.AF_INET) + b"\0\0" + \
        socket.inet_aton(ip) + b"\0" * 8
    return ext(etype, struct.pack("=BBH", 255, 32, 0) + sin)


def key_ext(etype, key):
    return ext(etype, struct.pack("=HH", len(key) * 8, 0) + key)


def spirange_ext(lo, hi):
    return ext(EXT_SPIRANGE, struct.pack("=III", lo, hi, 0))


def sa2_ext(mode=MODE_TUNNEL, reqid=0):
    return ext(EXT_X_SA2, struct.pack("=BBHII", mode, 0, 0, 0, reqid))


def msg(mtype, exts=b"", seq=0, satype=SATYPE_ESP, pid=4242, errno=0):
    body = b"".join(exts) if isinstance(exts, (list, tuple)) else exts
    return struct.pack("=BBBBHHII", 2, mtype, errno, satype,
                       (16 + len(body)) // 8, 0, seq, pid) + body


def parse(b):
    """(header dict, {exttype: body bytes incl. its 4-byte header})"""
    ver, mtype, err, satype, ln, _, seq, pid = struct.unpack_from("=BBBBHHII", b)
    h = dict(type=mtype, errno=err, satype=satype, len=ln * 8, seq=seq, pid=pid)
    exts = {}
    off = 16
    while off + 4 <= len(b):
        elen, etype = struct.unpack_from("=HH", b, off)
        if elen == 0:
            break
        exts[etype] = b[off:off + elen * 8]
        off += elen * 8
    return h, exts


def ext_addr(body):
    return socket.inet_ntoa(body[8 + 4:8 + 8])


def ext_spi(body):
    return struct.unpack_from("!I", body, 4)[0]


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)

    def send(self, m, timeout=30.0):
        # Not recv()'s timeout, which stays set on the socket: a 10 ms
        # recv poll must not make a send give up while the server is
        # briefly behind (a loaded machine).
        self.s.settimeout(timeout)
        self.s.send(m)

    def recv(self, timeout=5.0):
        self.s.settimeout(timeout)
        try:
            return parse(self.s.recv(65536))
        except socket.timeout:
            return None

    def wait(self, mtype, timeout=5.0, seen=None):
        """Next message of mtype; others are appended to seen."""
        import time
        end = time.time() + timeout
        while time.time() < end:
            r = self.recv(max(0.01, end - time.time()))
            if r is None:
                return None
            if r[0]["type"] == mtype:
                return r
            if seen is not None:
                seen.append(r)
        return None

    def close(self):
        self.s.close()
