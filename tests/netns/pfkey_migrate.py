#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""SADB_X_MIGRATE from userspace, in af_key's layout (KAME setkey has no
migrate command), for tests/netns/migrate.sh and the Faigl scenario.

    pfkey_migrate.py move SEL_SRC SEL_DST ULPROTO DIR MODE REQID \\
                          OLD_SRC OLD_DST NEW_SRC NEW_DST
        move the SAs and templates of the policy SEL_SRC -> SEL_DST
        (addr/plen[port], as setkey puts them: an ICMP or MH type is the
        source port; ULPROTO 255 = any; DIR in|out|fwd; MODE tunnel or
        transport)
        from OLD_SRC-OLD_DST to NEW_SRC-NEW_DST; the answer must echo the
        pair (with the KMADDRESS sent), and a second socket must hear it
    pfkey_migrate.py errors SEL_SRC SEL_DST ULPROTO DIR OLD_SRC OLD_DST
        the refusals, each with its errno; nothing may change

Each check prints "ok: ..." or raises, so the exit status is the verdict.
"""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pfkey_client import (EXT_DST, EXT_POLICY, EXT_SRC, IPPROTO_ESP,  # noqa: E402
                          LEVEL_REQUIRE, MODE_TRANSPORT, MODE_TUNNEL,
                          POLICY_IPSEC, POLICY_NONE, SATYPE_ESP,
                          SATYPE_UNSPEC, PfKey, address, ext, ipsecrequest,
                          ok, policy, sockaddr)

X_MIGRATE = 24
EXT_KMADDRESS = 25
IPPROTO_COMP = 108
DIRS = {"in": 1, "out": 2, "fwd": 3}
MODES = {"transport": MODE_TRANSPORT, "tunnel": MODE_TUNNEL}


def sel(etype, spec, ulproto):
    """addr/plen or addr/plen[port] (for ICMP and MH: the type or code)"""
    addr, rest = spec.split("/")
    plen, _, port = rest.partition("[")
    return address(etype, addr, int(plen), proto=ulproto,
                   port=int(port.rstrip("]") or 0))


def kmaddress(a, b):
    return ext(EXT_KMADDRESS, b"\0" * 4 + sockaddr(a) + sockaddr(b))


def pair(proto, mode, reqid, old, new):
    return (ipsecrequest(proto, mode, LEVEL_REQUIRE, reqid, *old) +
            ipsecrequest(proto, mode, LEVEL_REQUIRE, reqid, *new))


def selectors(ssrc, sdst, ulproto):
    return sel(EXT_SRC, ssrc, ulproto) + sel(EXT_DST, sdst, ulproto)


def move(ssrc, sdst, ulproto, pdir, mode, reqid, old, new):
    k, listener = PfKey(), PfKey()
    reqs = pair(IPPROTO_ESP, MODES[mode], reqid, old, new)
    r = k.ask(X_MIGRATE, SATYPE_UNSPEC,
              kmaddress(*new) + selectors(ssrc, sdst, ulproto) +
              policy(POLICY_IPSEC, DIRS[pdir], reqs))
    ok(r.satype == SATYPE_ESP, "X_MIGRATE answered, satype ESP")
    p = r.policy()
    ok(len(p["reqs"]) == 2 and p["dir"] == DIRS[pdir] and p["id"],
       "the answer echoes the pair and names the policy (id %#x)" % p["id"])
    ok(r.ext[EXT_POLICY].endswith(reqs), "with the endpoints as sent")
    ok(EXT_KMADDRESS in r.ext, "and the KMADDRESS")
    while True:
        b = listener.recv()
        if b.type == X_MIGRATE:
            break
    ok(b.ext == r.ext, "another socket hears the same X_MIGRATE")
    print("migrated %s -> %s %s: %s-%s => %s-%s" % (ssrc, sdst, pdir, *old,
                                                    *new))


def errors(ssrc, sdst, ulproto, pdir, old):
    k = PfKey()
    d = DIRS[pdir]
    new = ("192.0.2.99", old[1]) if "." in old[0] else ("2001:db8::99",
                                                         old[1])
    sels = selectors(ssrc, sdst, ulproto)
    good = pair(IPPROTO_ESP, MODE_TUNNEL, 0, old, new)

    def ask(exts, want, what):
        k.ask(X_MIGRATE, SATYPE_UNSPEC, exts, want_errno=want)
        print("ok: %s: %s" % (what, errno.errorcode[want]))

    other = "10.9.9.9/32" if "." in old[0] else "fd09::9/128"
    ask(sel(EXT_SRC, other, ulproto) + sel(EXT_DST, sdst, ulproto) +
        policy(POLICY_IPSEC, d, good), errno.ENOENT, "no such policy")
    ask(sels + policy(POLICY_IPSEC, d, good[:len(good) // 2]), errno.EINVAL,
        "an old endpoint pair without its new one")
    ask(sels + policy(POLICY_IPSEC, d,
                      ipsecrequest(IPPROTO_ESP, MODE_TUNNEL, LEVEL_REQUIRE,
                                   0, *old) +
                      ipsecrequest(IPPROTO_ESP, MODE_TRANSPORT,
                                   LEVEL_REQUIRE, 0, *new)),
        errno.EINVAL, "a pair whose halves differ in mode")
    ask(sels + policy(POLICY_IPSEC, d, pair(IPPROTO_ESP, MODE_TUNNEL, 0, old,
                                            old)),
        errno.EINVAL, "a pair that moves nothing")
    ask(sels + policy(POLICY_IPSEC, d, pair(IPPROTO_COMP, MODE_TUNNEL, 0, old,
                                            new)),
        errno.EPROTONOSUPPORT, "an IPComp pair")
    ask(sels + policy(POLICY_NONE, d, b""), errno.EINVAL,
        "a policy extension with no pairs")
    half = len(good) // 2
    bad = bytearray(good)
    bad[half + 16:half + 18] = b"\xff\xff"
    ask(sels + policy(POLICY_IPSEC, d, bytes(bad)), errno.EINVAL,
        "a new endpoint of no known family")
    ask(kmaddress("192.0.2.1", "2001:db8::1") + sels +
        policy(POLICY_IPSEC, d, good), errno.EINVAL,
        "a KMADDRESS of two families")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "move" and len(a) == 11:
        move(a[1], a[2], int(a[3]), a[4], a[5], int(a[6], 0), (a[7], a[8]),
             (a[9], a[10]))
    elif a and a[0] == "errors" and len(a) == 7:
        errors(a[1], a[2], int(a[3]), a[4], (a[5], a[6]))
    else:
        sys.exit(__doc__)
