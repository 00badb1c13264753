# SPDX-License-Identifier: GPL-2.0
"""Extensions and algorithms, each added and read back or refused: IPComp
(EPROTONOSUPPORT), SA_STATS, KAME's "-A null", NAT-T, identities with
SENSITIVITY and a mark, Name selectors. Commands of pfkey_client.py.
"""
import errno
import struct

from pfkey_socket import DST, KEY_CBC, SRC, PfKey, add_gcm, ok
from pfkey_wire import (ACQUIRE, ADD, DELETE, DIR_IN, DIR_OUT, DUMP,
                        EALG_AESCBC, EXT_DST, EXT_IDENT_SRC, EXT_KEY_AUTH,
                        EXT_KEY_ENC, EXT_LT_CUR, EXT_NAME, EXT_NAT_DPORT,
                        EXT_NAT_SPORT, EXT_NAT_TYPE, EXT_SA_MARK, EXT_SA_STATS,
                        EXT_SENS, EXT_SRC, FLUSH, GET, GETSPI,
                        IDENTTYPE_USERFQDN, IPPROTO_ESP, LEVEL_REQUIRE,
                        MODE_TRANSPORT, MODE_TUNNEL, PID, POLICY_IPSEC,
                        REGISTER, SATYPE_AH, SATYPE_ESP, SATYPE_UNSPEC,
                        UDP_ENCAP_ESPINUDP, UPDATE, X_SPDADD, X_SPDGET,
                        address, ext, ident, ipsecrequest, key, msg, natt,
                        policy, sa, sa2)


def ipcomp():
    k = PfKey()
    sat, bad = 9, errno.EPROTONOSUPPORT         # SADB_X_SATYPE_IPCOMP
    addrs = address(EXT_SRC, SRC) + address(EXT_DST, DST)
    for mtype, exts in ((GETSPI, addrs), (ADD, sa(0x4000) + addrs),
                        (UPDATE, sa(0x4000) + addrs),
                        (DELETE, sa(0x4000) + addrs),
                        (GET, sa(0x4000) + addrs), (ACQUIRE, b""),
                        (REGISTER, b""), (FLUSH, b""), (DUMP, b"")):
        k.ask(mtype, sat, exts, want_errno=bad)
    print("ok: IPComp in GETSPI, ADD, UPDATE, DELETE, GET, ACQUIRE, "
          "REGISTER, FLUSH, DUMP: EPROTONOSUPPORT")
    k.ask(X_SPDADD, 0, addrs + policy(POLICY_IPSEC, DIR_OUT, ipsecrequest(
        108, MODE_TRANSPORT, LEVEL_REQUIRE)), want_errno=bad)
    print("ok: an IPComp ipsecrequest in X_SPDADD: EPROTONOSUPPORT")


def stats(src, dst, spi):
    k = PfKey()
    want = ext(EXT_SA_STATS, b"\0" * 44)
    r = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, src) +
              address(EXT_DST, dst) + want)
    st = struct.unpack_from("=5Q", r.ext[EXT_SA_STATS], 8)
    cur = struct.unpack_from("=IQ", r.ext[EXT_LT_CUR], 4)
    ok(st[0] == cur[0] and st[1] == cur[1],
       "SA_STATS packets and bytes agree with LIFETIME_CURRENT")
    plain = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, src) +
                  address(EXT_DST, dst))
    ok(EXT_SA_STATS not in plain.ext, "a GET not asking gets no SA_STATS")
    k.seq += 1
    k.s.send(msg(DUMP, SATYPE_UNSPEC, want, k.seq))
    n = 0
    while True:
        d = k.recv()
        if d.type != DUMP or d.pid != PID:
            continue
        ok(d.errno == 0 and EXT_SA_STATS in d.ext,
           "DUMP message %d carries SA_STATS" % d.seq)
        n += 1
        if d.seq == 0:
            break
    ok(all(EXT_SA_STATS not in d.ext for d in k.dump(DUMP)),
       "a DUMP not asking gets none")
    print(*st)


def nullauth():
    k = PfKey()
    aalg_null = 251                     # SADB_X_AALG_NULL; enc 11 is NULL
    addrs = address(EXT_SRC, SRC) + address(EXT_DST, DST)
    k.ask(ADD, SATYPE_ESP, sa(0x7b01, auth=aalg_null, enc=EALG_AESCBC) +
          addrs + key(EXT_KEY_ENC, KEY_CBC))
    g = k.ask(GET, SATYPE_ESP, sa(0x7b01) + addrs)
    ok(g.sa()["auth"] == 0 and EXT_KEY_AUTH not in g.ext,
       "ESP AES-CBC with -A null: confidentiality only, no auth key")
    k.ask(ADD, SATYPE_ESP, sa(0x7b02, auth=aalg_null, enc=11) + addrs +
          key(EXT_KEY_ENC, b""), want_errno=errno.EINVAL)
    print("ok: ESP NULL with -A null protects nothing: EINVAL")
    k.ask(ADD, SATYPE_AH, sa(0x7b03, auth=aalg_null) + addrs +
          key(EXT_KEY_AUTH, b""), want_errno=errno.EINVAL)
    print("ok: AH with -A null: EINVAL")
    k.ask(DELETE, SATYPE_ESP, sa(0x7b01) + addrs)


def natt_add(src, dst, spi, mode, sport, dport):
    k = PfKey()
    m = MODE_TUNNEL if mode == "tunnel" else MODE_TRANSPORT
    add_gcm(k, spi, src, dst,
            extra=sa2(m, 0) + natt(UDP_ENCAP_ESPINUDP, sport, dport))
    g = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, src) +
              address(EXT_DST, dst))
    got = (struct.unpack_from("=B", g.ext[EXT_NAT_TYPE], 4)[0],
           struct.unpack_from(">H", g.ext[EXT_NAT_SPORT], 4)[0],
           struct.unpack_from(">H", g.ext[EXT_NAT_DPORT], 4)[0])
    ok(got == (UDP_ENCAP_ESPINUDP, sport, dport),
       "SA 0x%x %s -> %s in UDP %d -> %d" % (spi, src, dst, sport, dport))


def ident_add(src, dst, spi, who, mark):
    k = PfKey()
    # SENSITIVITY (RFC 2367 2.3.7): DPD 1, levels 2 and 3, one 64-bit
    # sensitivity bitmap; stored on the SA and given back as it came.
    sens = struct.pack("=IBBBBI", 1, 2, 1, 3, 0, 0) + bytes(range(1, 9))
    add_gcm(k, spi, src, dst,
            extra=sa2(MODE_TRANSPORT, 0) + ident(EXT_IDENT_SRC, who) +
            ext(EXT_SENS, sens) +
            ext(EXT_SA_MARK, struct.pack("=III", 0, mark, 0xff00)))
    g = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, src) +
              address(EXT_DST, dst))
    ok(who.encode() + b"\0" in g.ext[EXT_IDENT_SRC],
       "SA 0x%x: IDENTITY_SRC %s" % (spi, who))
    ok(struct.unpack_from("=II", g.ext[EXT_SA_MARK], 8) == (mark, 0xff00),
       "SA 0x%x: mark 0x%x/0xff00" % (spi, mark))
    ok(g.ext.get(EXT_SENS, b"")[4:] == sens,
       "SA 0x%x: SENSITIVITY stored and returned" % spi)


def name_spdadd(src, dst, proto, dport, pattern):
    k = PfKey()
    name = ext(EXT_NAME, struct.pack("=B3x", IDENTTYPE_USERFQDN) +
               pattern.encode() + b"\0")
    r = k.ask(X_SPDADD, SATYPE_UNSPEC,
              address(EXT_SRC, src, None, proto) +
              address(EXT_DST, dst, None, proto, dport) +
              policy(POLICY_IPSEC, DIR_IN,
                     ipsecrequest(IPPROTO_ESP, MODE_TRANSPORT,
                                  LEVEL_REQUIRE)) + name)
    pid = r.policy()["id"]
    g = k.ask(X_SPDGET, SATYPE_UNSPEC, policy(POLICY_IPSEC, DIR_IN, pid=pid))
    got = g.ext.get(EXT_NAME, b"")
    ok(pattern.encode() + b"\0" in got and got[4] == IDENTTYPE_USERFQDN,
       "policy %d: Name selector %s" % (pid, pattern))
    # A pattern that is empty, or not NUL-terminated, is refused.
    for bad in (b"\0" * 8, b"x" * 8):
        k.ask(X_SPDADD, SATYPE_UNSPEC,
              address(EXT_SRC, src, None, proto) +
              address(EXT_DST, dst, None, proto, dport + 1) +
              policy(POLICY_IPSEC, DIR_IN,
                     ipsecrequest(IPPROTO_ESP, MODE_TRANSPORT,
                                  LEVEL_REQUIRE)) +
              ext(EXT_NAME, struct.pack("=B3x", 0) + bad),
              want_errno=errno.EINVAL)
    print("ok: malformed Name selectors are EINVAL")
