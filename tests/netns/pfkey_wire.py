# SPDX-License-Identifier: GPL-2.0
"""PF_KEYv2 wire format (RFC 2367, Linux <linux/pfkeyv2.h> layouts, and
nfipsec's own extensions): the numbers, the encoders of a request and its
extensions, and Reply, the decoder of what the kernel sends. No socket
here: pfkey_socket.py sends and receives.
"""
import os
import socket
import struct

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


def ident(etype, text, itype=IDENTTYPE_USERFQDN):
    return ext(etype, struct.pack("=HHQ", itype, 0, 0) +
               pad8(text.encode() + b"\0"))


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

