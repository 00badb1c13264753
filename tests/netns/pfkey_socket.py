# SPDX-License-Identifier: GPL-2.0
"""The PF_KEY socket as the tests drive it: PfKey (ask one request and get
the reply that answers it, read a whole dump), ok() (each check prints
"ok: ..." or raises), and the keys and endpoints the commands share.
"""
import errno
import socket
import time

from pfkey_wire import (ADD, AF_KEY, EALG_GCM16, EXT_DST, EXT_KEY_ENC,
                        EXT_SRC, PF_KEY_V2, PID, SATYPE_ESP, SATYPE_UNSPEC,
                        Reply, address, key, msg, sa)


def ok(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


class PfKey:
    def __init__(self, rcvbuf=None):
        self.s = socket.socket(AF_KEY, socket.SOCK_RAW, PF_KEY_V2)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(3)
        self.seq = 100

    def recv(self):
        return Reply(self.s.recv(1 << 16))

    def ask(self, mtype, satype, exts=b"", want_errno=0):
        """Send one request; return the reply that answers it."""
        self.seq += 1
        self.s.send(msg(mtype, satype, exts, self.seq))
        while True:
            r = self.recv()
            if r.seq == self.seq and r.pid == PID and r.type == mtype:
                break
        if want_errno is not None:
            assert r.errno == want_errno, \
                "type %d: errno %d, wanted %d" % (mtype, r.errno, want_errno)
        return r

    def dump(self, mtype, satype=SATYPE_UNSPEC, slow=0.0):
        """All the messages of a dump; their seq must count down to 0."""
        self.seq += 1
        self.s.send(msg(mtype, satype, b"", self.seq))
        out = []
        while True:
            r = self.recv()
            if r.errno == errno.ENOENT and not out:
                return out
            assert r.errno == 0, "dump reply errno %d" % r.errno
            assert r.type == mtype
            out.append(r)
            if slow:
                time.sleep(slow)
            if r.seq == 0:
                break
        seqs = [r.seq for r in out]
        assert seqs == list(range(len(out) - 1, -1, -1)), \
            "dump seq counts down to 0: %s" % seqs[:8]
        return out


KEY_GCM = bytes(range(20))                      # 128-bit key + 32-bit salt
KEY_CBC = bytes(range(16))
KEY_SHA256 = bytes(range(32, 64))
SRC, DST = "192.0.2.1", "192.0.2.2"


def add_gcm(k, spi, src=SRC, dst=DST, mtype=ADD, extra=b"", want=0):
    return k.ask(mtype, SATYPE_ESP,
                 sa(spi, enc=EALG_GCM16) + address(EXT_SRC, src) +
                 address(EXT_DST, dst) + key(EXT_KEY_ENC, KEY_GCM) + extra,
                 want_errno=want)

