#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A small PF_KEYv2 client (RFC 2367, Linux <linux/pfkeyv2.h> layouts) that
drives nfipsec's PF_KEY socket from userspace, for tests/netns/pfkey.sh.

    pfkey_client.py scenario       every message type, checked reply by reply
    pfkey_client.py bulk N         ADD N SAs, DUMP them through a small
                                   receive buffer read slowly: all N arrive,
                                   sadb_msg_seq counting down to 0
    pfkey_client.py count          print how many SAs a DUMP returns
    pfkey_client.py overrun        a full listener gets ENOBUFS, not silence
    pfkey_client.py flush          SADB_FLUSH and SADB_X_SPDFLUSH
    pfkey_client.py lifetime       soft then hard EXPIRE of a 1 s / 3 s SA
    pfkey_client.py acquire        a packet with no SA makes the kernel send
                                   ACQUIRE; GETSPI with its seq and UPDATE
                                   answer it (needs 192.0.2.1 -> .2 routed)
    pfkey_client.py natt-add SRC DST SPI MODE SPORT DPORT
                                   ADD an AES-GCM SA (KEY_GCM) in UDP
                                   (UDP_ENCAP_ESPINUDP, these ports); GET
                                   must return the NAT-T extensions
    pfkey_client.py ident-add SRC DST SPI IDENTITY MARK
                                   ADD an AES-GCM transport SA whose
                                   IDENTITY_SRC is IDENTITY (user@fqdn) and
                                   whose SA_MARK is MARK/0xff00; GET must
                                   return both
    pfkey_client.py name-spdadd SRC DST PROTO DPORT PATTERN
                                   X_SPDADD an inbound ESP transport policy
                                   with a Name selector (user@fqdn
                                   identities); X_SPDGET must return it
    pfkey_client.py spdexpire      an outbound DISCARD policy for UDP to
                                   192.0.2.2 with 1 s soft / 4 s add
                                   lifetimes: datagrams refused, a soft then
                                   a hard X_SPDEXPIRE to the registered
                                   socket only, the policy gone from
                                   SPDDUMP, datagrams leave again; refusals
                                   of byte limits; X_SPDSETIDX is X_SPDADD
    pfkey_client.py ipcomp         every SA message and REGISTER with
                                   SADB_X_SATYPE_IPCOMP, and an IPComp
                                   ipsecrequest, are EPROTONOSUPPORT
    pfkey_client.py stats SRC DST SPI
                                   GET the ESP SA with NFIPSEC_SADB_X_EXT_SA_STATS
                                   and print "packets bytes errors replay
                                   icv_fail"; a DUMP asking for them has them
                                   in every message, one not asking in none
    pfkey_client.py promisc        X_PROMISC: a promiscuous socket gets a
                                   copy of another socket's request and of
                                   the answer only that socket gets; after
                                   X_PROMISC 0, neither
    pfkey_client.py nullauth       KAME's "-A null" (SADB_X_AALG_NULL, no
                                   key): ESP AES-CBC takes it (no integrity),
                                   ESP NULL and AH refuse it
    pfkey_client.py natt-mapping SPI PORT SECS
                                   REGISTER for ESP, print "registered", and
                                   wait SECS for X_NAT_T_NEW_MAPPING of SPI
                                   naming the new PORT; at most one a second

Each check prints "ok: ..." or raises, so the exit status is the verdict.
"""
import errno
import os
import socket
import struct
import sys
import time

AF_KEY, PF_KEY_V2 = 15, 2
(GETSPI, UPDATE, ADD, DELETE, GET, ACQUIRE, REGISTER, EXPIRE, FLUSH, DUMP,
 X_PROMISC, X_PCHANGE, X_SPDUPDATE, X_SPDADD, X_SPDDELETE, X_SPDGET,
 X_SPDACQUIRE, X_SPDDUMP, X_SPDFLUSH, X_SPDSETIDX, X_SPDEXPIRE,
 X_SPDDELETE2) = range(1, 23)
SATYPE_UNSPEC, SATYPE_AH, SATYPE_ESP = 0, 2, 3
EXT_SA, EXT_LT_CUR, EXT_LT_HARD, EXT_LT_SOFT = 1, 2, 3, 4
EXT_SRC, EXT_DST, EXT_KEY_AUTH, EXT_KEY_ENC = 5, 6, 8, 9
EXT_IDENT_SRC, EXT_SUP_AUTH, EXT_SUP_ENC, EXT_SPIRANGE = 10, 14, 15, 16
EXT_SENS = 12
EXT_PROPOSAL = 13
EXT_POLICY, EXT_SA2, EXT_NAT_TYPE, EXT_NAT_SPORT, EXT_NAT_DPORT = (18, 19, 20,
                                                                    21, 22)
EXT_NAT_OA = 23
X_NAT_T_NEW_MAPPING = 23
UDP_ENCAP_ESPINUDP = 2
EXT_SA_REPLAY = 32
EXT_NAME, EXT_SA_MARK = 34, 35          # nfipsec (uapi/nfipsec_pfkey.h)
EXT_SA_STATS = 37                       # nfipsec (uapi/nfipsec_pfkey.h)
IDENTTYPE_USERFQDN = 3                      # nfipsec (uapi/nfipsec_pfkey.h)
AALG_SHA1, AALG_SHA256 = 3, 5
EALG_AESCBC, EALG_GCM16, EALG_CHACHA = 12, 20, 28
STATE_LARVAL, STATE_MATURE = 0, 1
MODE_TRANSPORT, MODE_TUNNEL = 1, 2
DIR_IN, DIR_OUT = 1, 2
POLICY_DISCARD, POLICY_NONE, POLICY_IPSEC = 0, 1, 2
LEVEL_REQUIRE, LEVEL_UNIQUE = 2, 3
IPPROTO_ESP = 50
PID = os.getpid()


def ok(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def ext(etype, body):
    body = pad8(struct.pack("=HH", 0, etype) + body)
    return struct.pack("=HH", len(body) // 8, etype) + body[4:]


def sockaddr(addr, port=0):
    if ":" in addr:
        return struct.pack("=H", socket.AF_INET6) + struct.pack(">H", port) + \
            b"\0" * 4 + socket.inet_pton(socket.AF_INET6, addr) + b"\0" * 4
    return struct.pack("=H", socket.AF_INET) + struct.pack(">H", port) + \
        socket.inet_aton(addr) + b"\0" * 8


def address(etype, addr, plen=None, proto=0, port=0):
    if plen is None:
        plen = 128 if ":" in addr else 32
    return ext(etype, struct.pack("=BBH", proto, plen, 0) +
               sockaddr(addr, port))


def sa(spi, auth=0, enc=0, replay=32, state=STATE_MATURE, flags=0):
    return ext(EXT_SA, struct.pack(">I", spi) +
               struct.pack("=BBBBI", replay, state, auth, enc, flags))


def key(etype, keybytes):
    return ext(etype, struct.pack("=HH", len(keybytes) * 8, 0) + keybytes)


def sa2(mode, reqid):
    return ext(EXT_SA2, struct.pack("=BBHII", mode, 0, 0, 0, reqid))


def natt(etype_type, sport, dport):
    return (ext(EXT_NAT_TYPE, struct.pack("=B3x", etype_type)) +
            ext(EXT_NAT_SPORT, struct.pack(">H2x", sport)) +
            ext(EXT_NAT_DPORT, struct.pack(">H2x", dport)))


def spirange(lo, hi):
    return ext(EXT_SPIRANGE, struct.pack("=III", lo, hi, 0))


def lifetime_ext(etype, allocs=0, nbytes=0, add=0, use=0):
    return ext(etype, struct.pack("=IQQQ", allocs, nbytes, add, use))


def policy(ptype, pdir, reqs=b"", pid=0, prio=0):
    return ext(EXT_POLICY, struct.pack("=HBBII", ptype, pdir, 0, pid, prio) +
               reqs)


def ipsecrequest(proto, mode, level, reqid=0, src=None, dst=None):
    addrs = sockaddr(src) + sockaddr(dst) if src else b""
    body = pad8(struct.pack("=HHBBHII", 0, proto, mode, level, 0, reqid, 0) +
                addrs)
    return struct.pack("=H", len(body)) + body[2:]


def msg(mtype, satype, exts=b"", seq=0):
    n = 16 + len(exts)
    return struct.pack("=BBBBHHII", PF_KEY_V2, mtype, 0, satype, n // 8, 0,
                       seq, PID) + exts


class Reply:
    def __init__(self, data):
        (self.version, self.type, self.errno, self.satype, self.len, _,
         self.seq, self.pid) = struct.unpack_from("=BBBBHHII", data)
        assert self.len * 8 == len(data), "sadb_msg_len matches the datagram"
        self.ext = {}
        off = 16
        while off < len(data):
            elen, etype = struct.unpack_from("=HH", data, off)
            assert elen, "no zero-length extension in a reply"
            assert etype not in self.ext, "no duplicate extension in a reply"
            self.ext[etype] = data[off:off + elen * 8]
            off += elen * 8
        assert off == len(data)

    def sa(self):
        e = self.ext[EXT_SA]
        spi = struct.unpack_from(">I", e, 4)[0]
        replay, state, auth, enc, flags = struct.unpack_from("=BBBBI", e, 8)
        return dict(spi=spi, replay=replay, state=state, auth=auth, enc=enc)

    def addr(self, etype):
        e = self.ext[etype]
        proto, plen = struct.unpack_from("=BB", e, 4)
        fam = struct.unpack_from("=H", e, 8)[0]
        port = struct.unpack_from(">H", e, 10)[0]
        if fam == socket.AF_INET:
            a = socket.inet_ntoa(e[12:16])
        else:
            a = socket.inet_ntop(socket.AF_INET6, e[16:32])
        return a, plen, proto, port

    def policy(self):
        e = self.ext[EXT_POLICY]
        ptype, pdir, _, pid, prio = struct.unpack_from("=HBBII", e, 4)
        reqs, off = [], 16
        while off < len(e):
            rlen, proto, mode, level, _, reqid = struct.unpack_from(
                "=HHBBHI", e, off)
            reqs.append(dict(proto=proto, mode=mode, level=level, reqid=reqid))
            off += rlen
        return dict(type=ptype, dir=pdir, id=pid, prio=prio, reqs=reqs)


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


def ident(etype, text, itype=IDENTTYPE_USERFQDN):
    return ext(etype, struct.pack("=HHQ", itype, 0, 0) +
               pad8(text.encode() + b"\0"))


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


def count():
    print(len(PfKey().dump(DUMP)))


def flush():
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "scenario"
    if cmd == "scenario":
        scenario()
    elif cmd == "bulk":
        bulk(int(sys.argv[2]))
    elif cmd == "overrun":
        overrun()
    elif cmd == "count":
        count()
    elif cmd == "lifetime":
        lifetime()
    elif cmd == "acquire":
        acquire()
    elif cmd == "spdexpire":
        spdexpire()
    elif cmd == "ipcomp":
        ipcomp()
    elif cmd == "nullauth":
        nullauth()
    elif cmd == "promisc":
        promisc()
    elif cmd == "stats":
        stats(sys.argv[2], sys.argv[3], int(sys.argv[4], 0))
    elif cmd == "flush":
        flush()
    elif cmd == "natt-add":
        natt_add(sys.argv[2], sys.argv[3], int(sys.argv[4], 0), sys.argv[5],
                 int(sys.argv[6]), int(sys.argv[7]))
    elif cmd == "ident-add":
        ident_add(sys.argv[2], sys.argv[3], int(sys.argv[4], 0), sys.argv[5],
                  int(sys.argv[6], 0))
    elif cmd == "name-spdadd":
        name_spdadd(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                    int(sys.argv[5]), sys.argv[6])
    elif cmd == "natt-mapping":
        natt_mapping(int(sys.argv[2], 0), int(sys.argv[3]),
                     float(sys.argv[4]))
    elif cmd == "add":
        add_gcm(PfKey(), int(sys.argv[2], 0))
    else:
        sys.exit("unknown command " + cmd)
