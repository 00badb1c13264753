# SPDX-License-Identifier: GPL-2.0
"""pfkey_client.py scenario: every message type a key manager sends, checked
reply by reply (REGISTER, GETSPI and UPDATE, ADD, GET, DUMP, DELETE, the
SPD's ADD, GET, DUMP and both DELETEs, FLUSH), then malformed messages.
"""
import errno
import struct

from pfkey_socket import (DST, KEY_CBC, KEY_GCM, KEY_SHA256, SRC, PfKey,
                          add_gcm, ok)
from pfkey_wire import (AALG_SHA256, ADD, DELETE, DIR_IN, DIR_OUT, DUMP,
                        EALG_AESCBC, EALG_GCM16, EXPIRE, EXT_DST,
                        EXT_IDENT_SRC, EXT_KEY_AUTH, EXT_KEY_ENC, EXT_LT_HARD,
                        EXT_NAT_DPORT, EXT_NAT_SPORT, EXT_NAT_TYPE, EXT_SA2,
                        EXT_SA_REPLAY, EXT_SRC, EXT_SUP_AUTH, EXT_SUP_ENC,
                        FLUSH, GET, GETSPI, IPPROTO_ESP, LEVEL_UNIQUE,
                        MODE_TUNNEL, POLICY_IPSEC, POLICY_NONE, REGISTER,
                        SATYPE_ESP, SATYPE_UNSPEC, STATE_LARVAL, STATE_MATURE,
                        UPDATE, X_SPDADD, X_SPDDELETE, X_SPDDELETE2, X_SPDDUMP,
                        X_SPDGET, address, ext, ipsecrequest, key,
                        lifetime_ext, msg, pad8, policy, sa, sa2, spirange)


def scenario():
    k = PfKey()

    # REGISTER: the algorithms with their real key ranges.
    r = k.ask(REGISTER, SATYPE_ESP)
    ok(EXT_SUP_AUTH in r.ext and EXT_SUP_ENC in r.ext,
       "REGISTER answers SUPPORTED_AUTH and SUPPORTED_ENCRYPT")
    algs = {}
    for etype in (EXT_SUP_AUTH, EXT_SUP_ENC):
        e = r.ext[etype]
        for off in range(8, len(e), 8):
            aid, ivlen, lo, hi = struct.unpack_from("=BBHH", e, off)
            algs[(etype, aid)] = (ivlen, lo, hi)
    ok(algs.get((EXT_SUP_ENC, EALG_GCM16)) == (8, 160, 288),
       "AES-GCM-16: 8-byte IV, 160..288 key bits (key + salt)")
    ok(algs.get((EXT_SUP_ENC, EALG_AESCBC)) == (16, 128, 256),
       "AES-CBC: 16-byte IV, 128..256 bits")
    ok(algs.get((EXT_SUP_AUTH, AALG_SHA256)) == (0, 256, 256),
       "HMAC-SHA-256: 256-bit key")
    k.ask(REGISTER, SATYPE_ESP, want_errno=errno.EEXIST)
    print("ok: a second REGISTER for ESP is EEXIST")

    # GETSPI within a range, then UPDATE the larval SA it made.
    r = k.ask(GETSPI, SATYPE_ESP,
              address(EXT_SRC, DST) + address(EXT_DST, SRC) +
              sa2(MODE_TUNNEL, 42) + spirange(0x2000, 0x2fff))
    spi = r.sa()["spi"]
    ok(0x2000 <= spi <= 0x2fff, "GETSPI picked 0x%x inside the range" % spi)
    ok(r.sa()["state"] == STATE_LARVAL, "the GETSPI SA is larval")
    r2 = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, DST) +
               address(EXT_DST, SRC))
    ok(r2.sa()["state"] == STATE_LARVAL, "GET finds the larval SA")
    r = add_gcm(k, spi, DST, SRC, mtype=UPDATE, extra=sa2(MODE_TUNNEL, 42))
    ok(r.sa()["spi"] == spi and r.sa()["state"] == STATE_MATURE,
       "UPDATE made the larval SA mature")
    ok(EXT_KEY_ENC not in r.ext, "UPDATE's broadcast carries no keys")
    r = k.ask(GET, SATYPE_ESP, sa(spi) + address(EXT_SRC, DST) +
              address(EXT_DST, SRC))
    ok(r.ext[EXT_KEY_ENC][8:28] == KEY_GCM, "GET returns the key")
    mode = r.ext[EXT_SA2][4]
    reqid = struct.unpack_from("=I", r.ext[EXT_SA2], 12)[0]
    ok(mode == MODE_TUNNEL and reqid == 42, "X_SA2 mode and reqid kept")

    # ADD with SHA-256 + AES-CBC, a 1024-packet window and NAT-T.
    extra = ext(EXT_SA_REPLAY, struct.pack("=I", 1024)) + \
        ext(EXT_NAT_TYPE, struct.pack("=B3x", 2)) + \
        ext(EXT_NAT_SPORT, struct.pack(">HH", 4500, 0)) + \
        ext(EXT_NAT_DPORT, struct.pack(">HH", 4500, 0)) + \
        ext(EXT_IDENT_SRC, struct.pack("=HHQ", 2, 0, 0) + pad8(b"gw.example\0"))
    r = k.ask(ADD, SATYPE_ESP,
              sa(0x1001, auth=AALG_SHA256, enc=EALG_AESCBC, replay=0) +
              address(EXT_SRC, SRC) + address(EXT_DST, DST) +
              key(EXT_KEY_AUTH, KEY_SHA256) + key(EXT_KEY_ENC, KEY_CBC) +
              extra)
    ok(r.type == ADD and r.sa()["spi"] == 0x1001, "ADD answered")
    r = k.ask(GET, SATYPE_ESP, sa(0x1001) + address(EXT_SRC, SRC) +
              address(EXT_DST, DST))
    ok(struct.unpack_from("=I", r.ext[EXT_SA_REPLAY], 4)[0] == 1024,
       "a 1024-packet window comes back in X_SA_REPLAY")
    ok(r.sa()["replay"] == 255, "sadb_sa_replay saturates at 255")
    ok(struct.unpack_from(">H", r.ext[EXT_NAT_DPORT], 4)[0] == 4500,
       "NAT-T port kept")
    ok(b"gw.example" in r.ext[EXT_IDENT_SRC], "IDENTITY_SRC kept")
    add_gcm(k, 0x1001, want=errno.EEXIST)
    print("ok: ADD of an existing SPI is EEXIST")
    add_gcm(k, 0x1002, extra=ext(EXT_SA_REPLAY, struct.pack("=I", 1 << 20)),
            want=errno.EINVAL)
    print("ok: a window past 65536 is EINVAL")
    k.ask(ADD, SATYPE_ESP, sa(0x1003, enc=EALG_AESCBC) + address(EXT_SRC, SRC) +
          address(EXT_DST, DST) + key(EXT_KEY_ENC, bytes(15)),
          want_errno=errno.EINVAL)
    print("ok: a 120-bit AES key is EINVAL")
    add_gcm(k, 0x1004, "2001:db8::1", "2001:db8::2")

    # DUMP: three SAs, seq counting down.
    d = k.dump(DUMP, SATYPE_ESP)
    ok(sorted(x.sa()["spi"] for x in d) == sorted([spi, 0x1001, 0x1004]),
       "DUMP lists the three SAs")

    # DELETE, then the SA is gone.
    r = k.ask(DELETE, SATYPE_ESP, sa(0x1001) + address(EXT_SRC, SRC) +
              address(EXT_DST, DST))
    ok(r.sa()["spi"] == 0x1001, "DELETE answered with the SA")
    k.ask(GET, SATYPE_ESP, sa(0x1001) + address(EXT_SRC, SRC) +
          address(EXT_DST, DST), want_errno=errno.ESRCH)
    print("ok: GET after DELETE is ESRCH")

    # SPD: an outbound tunnel policy with a unique reqid, and a bypass.
    req = ipsecrequest(IPPROTO_ESP, MODE_TUNNEL, LEVEL_UNIQUE, 0, SRC, DST)
    r = k.ask(X_SPDADD, SATYPE_UNSPEC,
              address(EXT_SRC, "10.1.0.0", 16, 255) +
              address(EXT_DST, "10.2.0.0", 16, 255) +
              lifetime_ext(EXT_LT_HARD) + policy(POLICY_IPSEC, DIR_OUT, req))
    p = r.policy()
    ok(p["id"] != 0 and p["id"] & 7 == 1, "SPDADD gave an index, dir OUT")
    ok(p["reqs"][0]["reqid"] > 0x3fff, "UNIQUE with reqid 0 got a fresh one")
    ok(r.addr(EXT_SRC)[:2] == ("10.1.0.0", 16), "selector source kept")
    k.ask(X_SPDADD, SATYPE_UNSPEC,
          address(EXT_SRC, "10.1.0.0", 16, 255) +
          address(EXT_DST, "10.2.0.0", 16, 255) +
          policy(POLICY_IPSEC, DIR_OUT, req), want_errno=errno.EEXIST)
    print("ok: the same SPDADD again is EEXIST")
    r = k.ask(X_SPDADD, SATYPE_UNSPEC,
              address(EXT_SRC, "10.2.0.0", 16, 6, 0) +
              address(EXT_DST, "10.1.0.5", 32, 6, 22) +
              policy(POLICY_NONE, DIR_IN))
    pid_in = r.policy()["id"]
    d = k.dump(X_SPDDUMP)
    ok(len(d) == 2, "SPDDUMP lists both policies")
    r = k.ask(X_SPDGET, SATYPE_UNSPEC, policy(0, 0, pid=p["id"]))
    ok(r.policy()["reqs"][0]["mode"] == MODE_TUNNEL, "SPDGET by index")
    ok(r.addr(EXT_DST)[:2] == ("10.2.0.0", 16), "SPDGET's destination")
    r = k.ask(X_SPDGET, SATYPE_UNSPEC, policy(0, 0, pid=pid_in))
    ok(r.addr(EXT_DST) == ("10.1.0.5", 32, 6, 22),
       "inbound policy: destination port and protocol round-trip")
    k.ask(X_SPDDELETE, SATYPE_UNSPEC,
          address(EXT_SRC, "10.1.0.0", 16, 255) +
          address(EXT_DST, "10.2.0.0", 16, 255) + policy(POLICY_IPSEC, DIR_OUT))
    print("ok: SPDDELETE by selector")
    k.ask(X_SPDDELETE2, SATYPE_UNSPEC, policy(0, 0, pid=pid_in))
    print("ok: SPDDELETE2 by index")
    k.ask(X_SPDGET, SATYPE_UNSPEC, policy(0, 0, pid=pid_in),
          want_errno=errno.ENOENT)
    print("ok: SPDGET of a deleted policy is ENOENT")
    ok(k.dump(X_SPDDUMP) == [], "SPDDUMP of an empty SPD is ENOENT")

    malformed(k)

    # FLUSH empties the SAD.
    k.ask(FLUSH, SATYPE_UNSPEC)
    ok(k.dump(DUMP) == [], "after FLUSH, DUMP is ENOENT")


def malformed(k):
    # An unknown extension type.
    k.ask(ADD, SATYPE_ESP, sa(0x3001, enc=EALG_GCM16) + address(EXT_SRC, SRC) +
          address(EXT_DST, DST) + key(EXT_KEY_ENC, KEY_GCM) + ext(27, b""),
          want_errno=errno.EINVAL)
    print("ok: an unknown extension is EINVAL")
    # sadb_msg_len that does not match: the header is answered with EMSGSIZE.
    k.seq += 1
    m = bytearray(msg(FLUSH, SATYPE_ESP, b"", k.seq))
    m[4] = 3
    k.s.send(bytes(m) + b"\0" * 16)
    r = k.recv()
    ok(r.errno == errno.EMSGSIZE and r.seq == k.seq,
       "a wrong sadb_msg_len is answered EMSGSIZE")
    # Shorter than a header: write() fails.
    try:
        k.s.send(b"\2\1\0\3")
        ok(False, "a 4-byte message is refused")
    except OSError as e:
        ok(e.errno == errno.EMSGSIZE, "a 4-byte message fails with EMSGSIZE")
    # Types only the kernel sends.
    k.ask(EXPIRE, SATYPE_ESP, want_errno=errno.EOPNOTSUPP)
    print("ok: EXPIRE from userspace is EOPNOTSUPP")
