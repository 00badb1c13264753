#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate kmod/tests/ah_vectors.h: AH (RFC 4302) reference packets.

RFC 4302 publishes no test vectors, so these come from an independent
implementation: scapy's scapy.layers.ipsec (SecurityAssociation(AH, ...),
which zeroes the mutable fields itself, zero_mutable_fields()) for the HMAC
algorithms, and for AES-GMAC (which scapy's AH lacks) a few lines below over
the `cryptography` package's AESGCM, with the AAD built by scapy's own
zero_mutable_fields() on the packet whose Authentication Data field holds
the IV (RFC 4543 §4; zeroed for the AAD like any AH ICV field).

Run with /usr/bin/python3 (scapy and cryptography are installed there):
    /usr/bin/python3 kmod/tests/ah_vectors.py > kmod/tests/ah_vectors.h
"""
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import (AH, ICMP, IP, IPOption_RR, IPOption_Router_Alert,
                       IPOption_Timestamp, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP,
                       HBHOptUnknown, PadN, RouterAlert, raw)
from scapy.layers.ipsec import SecurityAssociation, zero_mutable_fields

# PF_KEY numbers (<linux/pfkeyv2.h>, uapi/nfipsec_pfkey.h).
AALG = {"HMAC-SHA1-96": 3, "SHA2-256-128": 5, "SHA2-384-192": 6,
        "SHA2-512-256": 7}
KEYLEN = {"HMAC-SHA1-96": 20, "SHA2-256-128": 32, "SHA2-384-192": 48,
          "SHA2-512-256": 64}
GMAC_AALG = {16: 11, 24: 12, 32: 13}


def key(n, start):
    return bytes((start + i) & 0xff for i in range(n))


def ah_offset(pkt):
    """Offset of AH and of the byte that names it, in the raw packet."""
    b = raw(pkt)
    if b[0] >> 4 == 4:
        return (b[0] & 0xf) * 4, 9
    off, nhoff, nh = 40, 6, b[6]
    while nh != 51:
        nhoff = off
        nh = b[off]
        off += (b[off + 1] + 1) * 8
    return off, nhoff


def plaintext(out, off, nhoff):
    """The packet before AH: AH removed, its Next Header put back."""
    b = bytearray(raw(out))
    ahlen = (b[off + 1] + 2) * 4
    nh = b[off]
    p = b[:off] + b[off + ahlen:]
    p[nhoff] = nh
    if p[0] >> 4 == 4:
        struct.pack_into("!H", p, 2, len(p))
        struct.pack_into("!H", p, 10, 0)
        s = sum(struct.unpack("!%dH" % ((p[0] & 0xf) * 2), p[:(p[0] & 0xf) * 4]))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        struct.pack_into("!H", p, 10, ~s & 0xffff)
    else:
        struct.pack_into("!H", p, 4, len(p) - 40)
    return bytes(p), nh


def gmac_sign(pkt, k, salt, seq, esn=None):
    """AES-GMAC AH over @pkt (transport), our reading of RFC 4543 §4."""
    iv = struct.pack("!Q", seq if esn is None else (esn << 32) | seq)
    sa = SecurityAssociation(AH, spi=0x2000, auth_algo="NULL", auth_key=b"")
    out = sa.encrypt(pkt, seq_num=seq)
    # NULL gives an empty ICV: rebuild AH with room for IV + tag, padded.
    ip = out.copy()
    ah = ip[AH]
    ah.icv = iv + b"\0" * 16
    v6 = ip.version == 6
    pad = -(12 + 24) % (8 if v6 else 4)
    ah.padding = b"\0" * pad
    ah.payloadlen = (12 + 24 + pad) // 4 - 2
    if v6:
        ip.plen = None
    else:
        ip.len = None
        ip.chksum = None
    ip = ip.__class__(raw(ip))
    clone = zero_mutable_fields(ip.copy(), sending=True)
    aad = raw(clone)
    if esn is not None:
        aad += struct.pack("!L", esn)
    tag = AESGCM(k).encrypt(salt + iv, b"", aad)
    # Into the bytes: scapy's AH fields would drop the padding here.
    b = bytearray(raw(ip))
    off, _ = ah_offset(ip)
    b[off + 12 + 8:off + 12 + 8 + 16] = tag
    return ip.__class__(bytes(b))


def carr(name, b):
    lines = []
    for i in range(0, len(b), 12):
        lines.append("\t" + " ".join("0x%02x," % x for x in b[i:i + 12]))
    return "static const u8 %s[] = {\n%s\n};\n" % (name, "\n".join(lines))


vectors = []


def add(name, desc, aalg, akey, out, seq, esn=0, use_esn=False,
        in_ok=True):
    off, nhoff = ah_offset(out)
    plain, nh = plaintext(out, off, nhoff)
    vectors.append(dict(name=name, desc=desc, aalg=aalg, akey=akey,
                        out=raw(out), plain=plain, off=off, nhoff=nhoff,
                        nh=nh, seq=(esn << 32) | seq, esn=use_esn,
                        v6=raw(out)[0] >> 4 == 6, in_ok=in_ok))


def hmac(name, desc, alg, pkt, seq, tunnel=None, esn=None):
    k = key(KEYLEN[alg], 0x40)
    sa = SecurityAssociation(AH, spi=0x2000, auth_algo=alg, auth_key=k,
                             tunnel_header=tunnel, esn_en=esn is not None,
                             esn=esn or 0)
    out = sa.encrypt(pkt, seq_num=seq)
    out = out.__class__(raw(out))
    add(name, desc, AALG[alg], k, out, seq, esn or 0, esn is not None)


pl = Raw(bytes(range(48)))
v4 = dict(src="192.0.2.1", dst="192.0.2.2")
v6 = dict(src="2001:db8::1", dst="2001:db8::2")

# IPv4 transport, DSCP/ECN, DF, TTL set; mutable and immutable options.
hmac("sha1_v4_opts", "HMAC-SHA1-96, IPv4 transport, RR + RA options",
     "HMAC-SHA1-96",
     IP(tos=0xb8, ttl=61, id=0x1234, flags="DF",
        options=[IPOption_Router_Alert(), IPOption_RR(routers=["10.9.9.9"]),
                 IPOption_Timestamp(flg=0, timestamp=[7])], **v4) /
     ICMP(id=7, seq=1) / pl, 1)
hmac("sha256_v4", "HMAC-SHA-256-128, IPv4 transport, UDP", "SHA2-256-128",
     IP(tos=0x10, ttl=64, id=1, **v4) / UDP(sport=1000, dport=2000) / pl, 5)
hmac("sha384_v4_tun", "HMAC-SHA-384-192, IPv4 in IPv4 tunnel",
     "SHA2-384-192", IP(src="10.0.0.1", dst="10.0.1.1", ttl=63) /
     TCP(sport=3000, dport=80, flags="A", seq=9) / pl, 7,
     tunnel=IP(tos=0x28, ttl=64, id=0x4242, **v4))
hmac("sha512_v6_tun", "HMAC-SHA-512-256, IPv6 in IPv6 tunnel",
     "SHA2-512-256", IPv6(src="fd00::1", dst="fd00:1::1", hlim=63) /
     UDP(sport=1, dport=2) / pl, 3,
     tunnel=IPv6(tc=0x28, fl=0x12345, hlim=64, **v6))
hmac("sha256_v6_in_v4", "HMAC-SHA-256-128, IPv6 in IPv4 tunnel",
     "SHA2-256-128", IPv6(src="fd00::1", dst="fd00:1::1") /
     UDP(sport=1, dport=2) / pl, 9, tunnel=IP(ttl=64, id=3, **v4))
hmac("sha1_v4_in_v6", "HMAC-SHA1-96, IPv4 in IPv6 tunnel", "HMAC-SHA1-96",
     IP(src="10.0.0.1", dst="10.0.1.1") / ICMP() / pl, 4,
     tunnel=IPv6(hlim=64, **v6))
# IPv6 transport behind hop-by-hop options: one immutable (router alert),
# one that may change en route (type 0x3e: bit 0x20 set), and padding.
hmac("sha256_v6_hbh", "HMAC-SHA-256-128, IPv6 transport, mutable HBH option",
     "SHA2-256-128",
     IPv6(tc=0xb8, fl=0xbeef, hlim=17, **v6) /
     IPv6ExtHdrHopByHop(options=[RouterAlert(),
                                 HBHOptUnknown(otype=0x3e, optdata=b"abcd"),
                                 PadN(optdata=b"\0\0")]) /
     UDP(sport=5, dport=6) / pl, 2)
# A type 0 routing header with segments left: the sender computes over the
# packet as the final destination receives it (output only).
hmac("sha384_v6_rthdr", "HMAC-SHA-384-192, IPv6 transport, routing header",
     "SHA2-384-192",
     IPv6(hlim=64, src="2001:db8::1", dst="2001:db8::10") /
     IPv6ExtHdrRouting(type=0, segleft=2,
                       addresses=["2001:db8::20", "2001:db8::2"]) /
     UDP(sport=5, dport=6) / pl, 11)
vectors[-1]["in_ok"] = False
# ESN: the high 32 bits follow the packet in the ICV (RFC 4302 §2.5.1).
hmac("sha256_v4_esn", "HMAC-SHA-256-128, IPv4 transport, ESN",
     "SHA2-256-128", IP(ttl=64, id=2, **v4) / UDP(sport=1, dport=2) / pl,
     0x10, esn=1)

for ks in (16, 32):
    k = key(ks, 0x70)
    salt = b"\xca\xfe\xba\xbe"
    p4 = IP(tos=4, ttl=9, id=5, **v4) / UDP(sport=7, dport=8) / pl
    out = gmac_sign(p4, k, salt, 21)
    add("gmac%d_v4" % (ks * 8), "AES-%d-GMAC, IPv4 transport" % (ks * 8),
        GMAC_AALG[ks], k + salt, out, 21)
    p6 = IPv6(tc=1, fl=5, hlim=9, **v6) / IPv6ExtHdrDestOpt(
        options=[HBHOptUnknown(otype=0x3e, optdata=b"xy")]) / IPv6ExtHdrRouting(
        type=0, segleft=0, addresses=["2001:db8::2"]) / UDP(sport=7, dport=8) / pl
    out = gmac_sign(p6, k, salt, 22)
    add("gmac%d_v6" % (ks * 8), "AES-%d-GMAC, IPv6 transport, dest opts" %
        (ks * 8), GMAC_AALG[ks], k + salt, out, 22)
k = key(24, 0x70)
out = gmac_sign(IP(ttl=9, id=6, **v4) / UDP(sport=7, dport=8) / pl, k,
                b"\x01\x02\x03\x04", 0x33, esn=2)
add("gmac192_v4_esn", "AES-192-GMAC, IPv4 transport, ESN", GMAC_AALG[24],
    k + b"\x01\x02\x03\x04", out, 0x33, 2, True)

print("/* SPDX-License-Identifier: GPL-2.0 */")
print("/*")
print(" * AH reference packets, generated by kmod/tests/ah_vectors.py (do not")
print(" * edit): HMAC ones by scapy %s's scapy.layers.ipsec AH, AES-GMAC ones"
      % __import__("scapy").__version__)
print(" * by that script over the cryptography package's AESGCM. Each is the")
print(" * packet before AH (@plain) and after (@out), AH's place in it, the SA.")
print(" */")
for v in vectors:
    print(carr("ah_%s_key" % v["name"], v["akey"]))
    print(carr("ah_%s_plain" % v["name"], v["plain"]))
    print(carr("ah_%s_out" % v["name"], v["out"]))
print("static const struct ah_vec ah_vecs[] = {")
for v in vectors:
    n = "ah_" + v["name"]
    print("\t{")
    print("\t\t.desc = \"%s\"," % v["desc"])
    print("\t\t.aalg = %d," % v["aalg"])
    print("\t\t.key = %s_key," % n)
    print("\t\t.keylen = sizeof(%s_key)," % n)
    print("\t\t.plain = %s_plain," % n)
    print("\t\t.plainlen = sizeof(%s_plain)," % n)
    print("\t\t.out = %s_out," % n)
    print("\t\t.outlen = sizeof(%s_out)," % n)
    print("\t\t.off = %d, .nhoff = %d, .nh = %d," %
          (v["off"], v["nhoff"], v["nh"]))
    print("\t\t.family = %s, .seq = 0x%xULL," %
          ("AF_INET6" if v["v6"] else "AF_INET", v["seq"]))
    print("\t\t.esn = %s, .in_ok = %s," %
          ("true" if v["esn"] else "false", "true" if v["in_ok"] else "false"))
    print("\t},")
print("};")
