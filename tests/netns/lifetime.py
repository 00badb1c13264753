#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""SA lifetimes counted by the data path, for tests/netns/lifetime.sh: one
outbound SA under a PROTECT policy for UDP 192.0.2.1 -> 192.0.2.2, a
registered PF_KEY socket listening, datagrams sent one at a time.

    lifetime.py packets    soft 5 / hard 10 packets
    lifetime.py bytes      soft 2000 / hard 5000 bytes (400-byte datagrams)
    lifetime.py usetime    soft 1 s / hard 2 s of use: nothing while the
                           SA is unused, then soft and hard EXPIRE counted
                           from the first packet, not from the ADD

For each: a soft EXPIRE (SA DYING, still carrying traffic), then a hard
one, each with a LIFETIME_CURRENT holding the counts; then GET says ESRCH
and the next datagram on the policy makes an ACQUIRE. Every check prints
"ok: ..." or raises.
"""
import errno
import socket
import struct
import sys
import time

from pfkey_client import (ACQUIRE, ADD, DIR_OUT, EALG_GCM16, EXPIRE,
                          EXT_DST, EXT_KEY_ENC, EXT_LT_CUR, EXT_LT_HARD,
                          EXT_LT_SOFT, EXT_SRC, FLUSH, GET, IPPROTO_ESP,
                          KEY_GCM, LEVEL_REQUIRE, MODE_TRANSPORT, POLICY_IPSEC,
                          REGISTER, SATYPE_ESP, SATYPE_UNSPEC, X_SPDADD,
                          X_SPDFLUSH, PfKey, Reply, address, ipsecrequest, key,
                          lifetime_ext, ok, policy, sa)

SRC, DST, PORT = "192.0.2.1", "192.0.2.2", 9
SPI = 0x7100


def current(r):
    """LIFETIME_CURRENT: (packets, bytes, addtime, usetime)."""
    return struct.unpack_from("=IQQQ", r.ext[EXT_LT_CUR], 4)


def pending(k, secs):
    """Every PF_KEY message that arrives within @secs."""
    out, end = [], time.time() + secs
    k.s.settimeout(0.05)
    try:
        while time.time() < end:
            try:
                out.append(Reply(k.s.recv(1 << 16)))
            except socket.timeout:
                pass
    finally:
        k.s.settimeout(3)
    return out


def expires(msgs):
    return [m for m in msgs if m.type == EXPIRE and m.sa()["spi"] == SPI]


def setup(k, soft, hard):
    k.ask(FLUSH, SATYPE_UNSPEC)
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)
    k.ask(REGISTER, SATYPE_ESP)
    k.ask(X_SPDADD, SATYPE_UNSPEC,
          address(EXT_SRC, SRC, 32, socket.IPPROTO_UDP) +
          address(EXT_DST, DST, 32, socket.IPPROTO_UDP) +
          policy(POLICY_IPSEC, DIR_OUT,
                 ipsecrequest(IPPROTO_ESP, MODE_TRANSPORT, LEVEL_REQUIRE)))
    k.ask(ADD, SATYPE_ESP,
          sa(SPI, enc=EALG_GCM16) + address(EXT_SRC, SRC) +
          address(EXT_DST, DST) + key(EXT_KEY_ENC, KEY_GCM) +
          lifetime_ext(EXT_LT_SOFT, **soft) +
          lifetime_ext(EXT_LT_HARD, **hard))


def get(k, want=0):
    return k.ask(GET, SATYPE_ESP, sa(SPI) + address(EXT_SRC, SRC) +
                 address(EXT_DST, DST), want_errno=want)


def send(u, size):
    try:
        u.sendto(b"x" * size, (DST, PORT))
    except OSError:
        pass                            # refused once the SA is spent


def after_hard(k, u):
    """The SA is gone, and its policy asks for a new one."""
    get(k, errno.ESRCH)
    print("ok: GET after the hard EXPIRE: ESRCH")
    send(u, 100)
    acq = [m for m in pending(k, 3) if m.type == ACQUIRE]
    ok(acq and acq[0].addr(EXT_DST)[0] == DST,
       "the next datagram on the policy made an ACQUIRE")
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)
    k.ask(FLUSH, SATYPE_UNSPEC)


def by_count(what, soft, hard, size):
    """Send until the hard EXPIRE, checking what each EXPIRE reports."""
    k = PfKey()
    idx = 0 if what == "packets" else 1
    field = "allocs" if what == "packets" else "nbytes"
    setup(k, {field: soft}, {field: hard})
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seen, sent = [], 0
    while not any(EXT_LT_HARD in m.ext for m in seen):
        if sent == 100:
            raise AssertionError("no hard EXPIRE after 100 datagrams")
        send(u, size)
        sent += 1
        was = len(seen)
        seen += expires(pending(k, 0.1))
        if was == 0 and len(seen) == 1 and EXT_LT_SOFT in seen[0].ext:
            ok(get(k).sa()["state"] == 2,
               "after the soft EXPIRE the SA is DYING")
    seen += expires(pending(k, 0.5))
    ok(len(seen) == 2, "two EXPIREs (%d)" % len(seen))
    s, h = seen
    ok(EXT_LT_SOFT in s.ext and EXT_LT_HARD not in s.ext,
       "the soft EXPIRE first")
    ok(soft <= current(s)[idx] < hard,
       "it reports %d %s used (soft %d, hard %d)" %
       (current(s)[idx], what, soft, hard))
    ok(EXT_LT_HARD in h.ext, "then the hard EXPIRE")
    # Packets past the limit are refused, not counted.
    ok(hard <= current(h)[idx] < hard + (1 if idx == 0 else size + 100),
       "it reports %d %s used (hard %d)" % (current(h)[idx], what, hard))
    ok(current(h)[3] != 0, "and a first-use time")
    after_hard(k, u)
    print("sent %d datagrams" % sent)


def usetime():
    k = PfKey()
    setup(k, {"use": 1}, {"use": 2})
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ok(not expires(pending(k, 3.5)), "no EXPIRE in 3.5 s while unused")
    ok(get(k).sa()["state"] == 1, "the unused SA is still MATURE")
    t0 = time.time()
    send(u, 100)
    seen = []
    while len(seen) < 2 and time.time() < t0 + 6:
        seen += expires(pending(k, 0.2))
    took = time.time() - t0
    ok(len(seen) == 2, "soft and hard EXPIRE after the first packet")
    s, h = seen
    ok(EXT_LT_SOFT in s.ext and EXT_LT_HARD in h.ext, "soft first, then hard")
    _, _, added, used = current(h)
    ok(used >= added + 3, "first use (%d) is after the ADD (%d) + 3 s" %
       (used, added))
    ok(1.5 <= took, "the hard EXPIRE came %.1f s after first use" % took)
    after_hard(k, u)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "packets":
        by_count("packets", 5, 10, 100)
    elif cmd == "bytes":
        by_count("bytes", 2000, 5000, 400)
    elif cmd == "usetime":
        usetime()
    else:
        sys.exit("usage: lifetime.py packets|bytes|usetime")
