# SPDX-License-Identifier: GPL-2.0
"""What the kernel sends on its own, to registered sockets: ACQUIRE (and
the GETSPI and UPDATE that answer it), soft and hard EXPIRE, X_SPDEXPIRE,
X_NAT_T_NEW_MAPPING. Commands of pfkey_client.py.
"""
import errno
import socket
import struct
import time

from pfkey_socket import DST, SRC, PfKey, add_gcm, ok
from pfkey_wire import (AALG_SHA256, ACQUIRE, DIR_IN, DIR_OUT, EALG_AESCBC,
                        EALG_GCM16, EXPIRE, EXT_DST, EXT_LT_CUR, EXT_LT_HARD,
                        EXT_LT_SOFT, EXT_NAT_DPORT, EXT_NAT_SPORT,
                        EXT_PROPOSAL, EXT_SRC, FLUSH, GET, GETSPI, IPPROTO_ESP,
                        LEVEL_REQUIRE, MODE_TRANSPORT, PID, POLICY_DISCARD,
                        POLICY_IPSEC, POLICY_NONE, REGISTER, SATYPE_ESP,
                        SATYPE_UNSPEC, STATE_LARVAL, UPDATE,
                        X_NAT_T_NEW_MAPPING, X_SPDADD, X_SPDDUMP, X_SPDEXPIRE,
                        X_SPDFLUSH, X_SPDGET, X_SPDSETIDX, address,
                        ipsecrequest, lifetime_ext, msg, policy, sa)


def acquire():
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)
    k.ask(REGISTER, SATYPE_ESP)
    r = k.ask(X_SPDADD, SATYPE_UNSPEC,
              address(EXT_SRC, SRC, 32, 255) + address(EXT_DST, DST, 32, 255) +
              policy(POLICY_IPSEC, DIR_OUT,
                     ipsecrequest(IPPROTO_ESP, MODE_TRANSPORT, LEVEL_REQUIRE)))
    pol_id = r.policy()["id"]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendto(b"needs an SA", (DST, 9))
    except OSError:
        pass                            # held or dropped: either is fine
    end = time.time() + 3
    while True:
        ok(time.time() < end, "an ACQUIRE came within 3 s")
        a = k.recv()
        if a.type == ACQUIRE:
            break
    ok(a.satype == SATYPE_ESP and a.seq != 0, "ACQUIRE for ESP, seq %d" % a.seq)
    ok(a.addr(EXT_SRC)[0] == SRC and a.addr(EXT_DST)[0] == DST,
       "ACQUIRE names the SA's endpoints")
    p = a.policy()
    ok(p["id"] == pol_id and p["dir"] == DIR_OUT, "and the policy by index")
    prop = a.ext[EXT_PROPOSAL]
    combs = {}
    for off in range(8, len(prop), 72):
        auth, enc, _, amin, amax, emin, emax = struct.unpack_from(
            "=BBHHHHH", prop, off)
        combs[(auth, enc)] = (amin, amax, emin, emax)
    ok(combs.get((0, EALG_GCM16)) == (0, 0, 160, 288),
       "the proposal offers AES-GCM-16 alone, 160..288 bits")
    ok(combs.get((AALG_SHA256, EALG_AESCBC)) == (256, 256, 128, 256),
       "and AES-CBC with HMAC-SHA-256")
    # Answer it as a key manager does: GETSPI with the ACQUIRE's seq.
    k.s.send(msg(GETSPI, SATYPE_ESP, address(EXT_SRC, DST) +
                 address(EXT_DST, SRC), a.seq))
    while True:
        r = k.recv()
        if r.type == GETSPI and r.seq == a.seq:
            break
    ok(r.errno == 0 and r.sa()["state"] == STATE_LARVAL,
       "GETSPI with the ACQUIRE's seq made a larval SA")
    add_gcm(k, r.sa()["spi"], DST, SRC, mtype=UPDATE)
    print("ok: UPDATE completed it")
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)
    k.ask(FLUSH, SATYPE_UNSPEC)


def wait_expire(k, secs):
    end = time.time() + secs
    while True:
        ok(time.time() < end, "an EXPIRE came within %d s" % secs)
        try:
            r = k.recv()
        except socket.timeout:
            continue
        if r.type == EXPIRE:
            return r


def lifetime():
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    k.ask(REGISTER, SATYPE_ESP)
    t0 = time.time()
    add_gcm(k, 0x7000, extra=lifetime_ext(EXT_LT_SOFT, add=1) +
            lifetime_ext(EXT_LT_HARD, add=3))
    r = wait_expire(k, 5)
    ok(r.sa()["spi"] == 0x7000 and EXT_LT_SOFT in r.ext and
       EXT_LT_HARD not in r.ext, "a soft EXPIRE first")
    got = k.ask(GET, SATYPE_ESP, sa(0x7000) + address(EXT_SRC, SRC) +
                address(EXT_DST, DST))
    ok(got.sa()["state"] == 2, "the SA is DYING")
    r = wait_expire(k, 5)
    # Lifetimes count whole seconds from the ADD's second: 2 s at least.
    ok(EXT_LT_HARD in r.ext and time.time() - t0 >= 1.9,
       "then a hard EXPIRE, about 3 s after the ADD")
    k.ask(GET, SATYPE_ESP, sa(0x7000) + address(EXT_SRC, SRC) +
          address(EXT_DST, DST), want_errno=errno.ESRCH)
    print("ok: and the SA is gone")


def wait_type(k, mtype, secs):
    end = time.time() + secs
    while True:
        ok(time.time() < end, "message type %d came within %d s" % (mtype, secs))
        try:
            r = k.recv()
        except socket.timeout:
            continue
        if r.type == mtype:
            return r


def udp_refused():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendto(b"x", (DST, 9))
        return False
    except PermissionError:
        return True
    finally:
        u.close()


def spdexpire():
    k, reg, other = PfKey(), PfKey(), PfKey()
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)
    reg.ask(REGISTER, SATYPE_ESP)
    udp = address(EXT_SRC, SRC, proto=17) + address(EXT_DST, DST, proto=17)
    k.ask(X_SPDADD, 0, udp + lifetime_ext(EXT_LT_HARD, nbytes=1000) +
          policy(POLICY_DISCARD, DIR_OUT), want_errno=errno.EOPNOTSUPP)
    print("ok: a policy byte limit is refused (EOPNOTSUPP)")
    t0 = time.time()
    r = k.ask(X_SPDADD, 0, udp + lifetime_ext(EXT_LT_SOFT, add=1) +
              lifetime_ext(EXT_LT_HARD, add=4) +
              policy(POLICY_DISCARD, DIR_OUT))
    pid = r.policy()["id"]
    ok(struct.unpack_from("=Q", r.ext[EXT_LT_HARD], 16)[0] == 4,
       "the SPDADD answer shows the 4 s hard add lifetime")
    ok(udp_refused(), "the DISCARD policy refuses UDP to %s" % DST)
    e = wait_type(reg, X_SPDEXPIRE, 5)
    ok(e.policy()["id"] == pid and EXT_LT_SOFT in e.ext and
       EXT_LT_HARD not in e.ext and EXT_LT_CUR in e.ext,
       "a soft X_SPDEXPIRE for the policy, about 1 s in")
    ok(pid in [x.policy()["id"] for x in k.dump(X_SPDDUMP)],
       "the policy stays after the soft one")
    ok(udp_refused(), "and still refuses")
    e = wait_type(reg, X_SPDEXPIRE, 6)
    ok(e.policy()["id"] == pid and EXT_LT_HARD in e.ext and
       time.time() - t0 >= 2.9, "then a hard one, 4 s after the SPDADD")
    ok(pid not in [x.policy()["id"] for x in k.dump(X_SPDDUMP)],
       "the policy is gone from X_SPDDUMP")
    k.ask(X_SPDGET, 0, policy(POLICY_DISCARD, DIR_OUT, pid=pid),
          want_errno=errno.ENOENT)
    ok(not udp_refused(), "UDP to %s leaves again" % DST)
    other.s.setblocking(False)
    seen = []
    while True:
        try:
            seen.append(other.recv().type)
        except BlockingIOError:
            break
    ok(X_SPDEXPIRE not in seen, "an unregistered socket hears no SPDEXPIRE")

    # X_SPDSETIDX is X_SPDADD (af_key): answered as X_SPDADD, then EEXIST.
    k.seq += 1
    k.s.send(msg(X_SPDSETIDX, 0, udp + policy(POLICY_NONE, DIR_IN), k.seq))
    while True:
        r = k.recv()
        if r.seq == k.seq and r.pid == PID:
            break
    ok(r.errno == 0 and r.type == X_SPDADD and r.policy()["dir"] == DIR_IN,
       "X_SPDSETIDX adds the policy, answered as X_SPDADD")
    k.ask(X_SPDSETIDX, 0, udp + policy(POLICY_NONE, DIR_IN),
          want_errno=errno.EEXIST)
    print("ok: X_SPDSETIDX of an existing selector: EEXIST")
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)


def natt_mapping(spi, port, secs):
    k = PfKey()
    k.ask(REGISTER, SATYPE_ESP)
    print("registered", flush=True)
    k.s.settimeout(0.5)
    end, seen = time.time() + secs, []
    while time.time() < end:
        try:
            r = k.recv()
        except socket.timeout:
            continue
        if r.type == X_NAT_T_NEW_MAPPING:
            seen.append((time.time(), r))
    ok(seen, "X_NAT_T_NEW_MAPPING arrived")
    r = seen[0][1]
    new = r.addr(EXT_DST)
    newport = struct.unpack_from(">H", r.ext[EXT_NAT_DPORT], 4)[0]
    oldport = struct.unpack_from(">H", r.ext[EXT_NAT_SPORT], 4)[0]
    ok(r.satype == SATYPE_ESP and r.sa()["spi"] == spi,
       "for SA 0x%x" % spi)
    ok(newport == port, "new mapping %s port %d (was %d)" %
       (new[0], newport, oldport))
    span = seen[-1][0] - seen[0][0]
    ok(len(seen) <= span + 2, "rate limited: %d messages in %.1f s" %
       (len(seen), span))
