# SPDX-License-Identifier: GPL-2.0
"""How messages reach the sockets: a dump through a small receive buffer,
an overrun listener told ENOBUFS, a promiscuous socket's copies. Commands
of pfkey_client.py.
"""
import errno
import socket

from pfkey_socket import DST, SRC, PfKey, add_gcm, ok
from pfkey_wire import (DUMP, EXT_DST, EXT_SRC, FLUSH, GET, REGISTER,
                        SATYPE_ESP, SATYPE_UNSPEC, X_PROMISC, address, sa)


def bulk(n):
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    for i in range(n):
        add_gcm(k, 0x10000 + i)
    # A receive buffer far too small for the whole dump, read slowly.
    small = PfKey(rcvbuf=4096)
    d = small.dump(DUMP, SATYPE_ESP, slow=0.001)
    ok(len(d) == n, "all %d SAs arrived through a 4 KiB buffer" % n)
    ok(sorted(x.sa()["spi"] for x in d) == list(range(0x10000, 0x10000 + n)),
       "each SA exactly once")


def overrun():
    quiet = PfKey(rcvbuf=2048)
    quiet.ask(REGISTER, SATYPE_ESP)     # now a listener for broadcasts
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    for i in range(64):                 # 64 ADD broadcasts: quiet fills up
        add_gcm(k, 0x20000 + i)
    got, errs = 0, 0
    quiet.s.settimeout(1)
    while True:
        try:
            quiet.recv()
            got += 1
        except socket.timeout:
            break
        except OSError as e:
            ok(e.errno == errno.ENOBUFS, "the overrun reads as ENOBUFS")
            errs += 1
    ok(errs == 1, "the full listener was told once, not left in silence")
    ok(0 < got < 64, "and still reads what it had queued (%d of 64)" % got)
    k.ask(FLUSH, SATYPE_UNSPEC)


def promisc():
    k, p = PfKey(), PfKey()
    p.ask(X_PROMISC, 1)
    get = sa(0x7abc) + address(EXT_SRC, SRC) + address(EXT_DST, DST)

    def heard():
        """What p got while k asked a GET only k is answered."""
        k.ask(GET, SATYPE_ESP, get, want_errno=errno.ESRCH)
        p.s.settimeout(0.5)
        got = []
        try:
            while True:
                got.append(p.recv())
        except socket.timeout:
            pass
        p.s.settimeout(3)
        return [(r.type, r.errno) for r in got
                if r.seq == k.seq and r.type == GET]

    ok(heard() == [(GET, 0), (GET, errno.ESRCH)],
       "a promiscuous socket sees another's GET and its ESRCH answer")
    p.ask(X_PROMISC, 0)
    ok(heard() == [], "after X_PROMISC 0 it sees neither")
    p.ask(X_PROMISC, 2, want_errno=errno.EINVAL)
    print("ok: X_PROMISC 2 is EINVAL")
