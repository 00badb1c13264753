#!/usr/bin/python3
"""Templates for the malformed-ESP and AH run (tests/robust/esp-fuzz.sh).

  esp_templates.py OUT.bin DSTMAC SRCMAC

Writes the frames that tests/robust/espblast.c sends and mutates, for the
SAs esp-fuzz.sh installs in ns0 (keys below, the same as there):

  0x5001  transport 192.0.2.2 -> .1      AES-GCM-16, 128-bit key
  0x5002  tunnel    192.0.2.2 -> .1      AES-CBC-128 + HMAC-SHA-256-128
  0x5003  transport 2001:db8::2 -> ::1   AES-GCM-16
  0x5004  AH transport 192.0.2.2 -> .1   HMAC-SHA-256-128
  0x5005  AH transport 2001:db8::2 -> ::1 HMAC-SHA-256-128

The AH SAs' inbound policy covers UDP to port 7 only (the ESP ones the
rest), so that a valid AH packet to port 9 is authentic and then refused at
the policy check. AH's ICV covers the IP header's immutable fields, the IPv4
ID among them: single-frame AH templates keep theirs (idoff 0), and the one
IPv4 fragment train that must be accepted is given the ID espblast will
give its first sending.

Scapy builds the IP, IPv6 and UDP headers; the ESP around them is built by
hand with the `cryptography` package, so that a packet can carry exactly
one defect behind a valid ICV (bad padding, a pad length past the payload,
a bad next header, a ciphertext that is not whole blocks), which no ESP
implementation would send.

Each template says how nfipsec must account for it, so that the run can
check that every packet was counted (esp-fuzz.sh):
  accept 0  every sending is dropped under one In* counter
  accept 1  the first sending is decapsulated and reinjected (InPackets
            counts the inner packet once more, nothing is dropped); every
            later one is a replay
  accept 2  as 1, but the inner packet is then dropped once, at the
            inbound policy check
  accept 3  the first sending is authentic (the SA counts it) but dropped
            (a dummy packet, a tunnel payload that is not an IP packet)

File format (little-endian): "NFBL", u32 count; per template: u8 accept,
u8 flags (bit 0: espblast may mutate it; bit 1: the header at espoff
is AH, whose SPI and sequence number sit 4 bytes later than ESP's), u16
nframes; per frame: u16 len, u16 espoff (0: no ESP in
this frame), u16 idoff (where a fresh IPv4 ID or IPv6 fragment
identification goes; 0: none), then len bytes. The blaster sends the
accept > 0 templates first, in file order, so that each is accepted once.
"""
import hmac
import hashlib
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
# The layers by name, not scapy.all: that loads every layer scapy has, and
# costs minutes in a VM on the debug kernel under TCG.
from scapy.layers.inet import ICMP, IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netns"))
import esp_wire  # noqa: E402  (tests/netns/esp_wire.py)
from esp_wire import trailer  # noqa: E402


def seq_key(n, start):
    return bytes((start + i) & 0xff for i in range(n))


GCM_KEY = seq_key(20, 1)        # 16-byte key + 4-byte salt
CBC_KEY = seq_key(16, 1)
HMAC_KEY = seq_key(32, 100)
SA4_GCM, SA4_CBC, SA6_GCM = 0x5001, 0x5002, 0x5003
SA4_AH, SA6_AH = 0x5004, 0x5005
ESP, AH = 50, 51
AH_ICV = 16
# espblast's IPv4 ID for template i's first sending (its ident counter).
FIRST_IDENT = 0x1001


def esp_gcm(spi, seq, inner, nh, **kw):
    iv = os.urandom(8)
    aad = struct.pack("!II", spi, seq & 0xffffffff)
    ct = AESGCM(GCM_KEY[:16]).encrypt(GCM_KEY[16:] + iv,
                                      trailer(inner, nh, 4, **kw), aad)
    return aad + iv + ct


def esp_cbc(spi, seq, inner, nh, **kw):
    return esp_wire.esp_cbc(CBC_KEY, HMAC_KEY, spi, seq, inner, nh, **kw)


def ah_icv(zeroed_hdr, ah_zero, payload):
    return hmac.new(HMAC_KEY, zeroed_hdr + ah_zero + payload,
                    hashlib.sha256).digest()[:AH_ICV]


def ah_build(v6, spi, seq, payload, nh, ipid=1, hdrlen=None, icv_flip=False):
    """AH + payload, its ICV over the header as v4()/v6() will send it.

    hdrlen: a Payload Length field other than the right one (authentic
    all the same). icv_flip: one ICV bit wrong."""
    pad = 4 if v6 else 0        # the ICV field is 64-bit aligned in IPv6
    n = 12 + AH_ICV + pad
    plen = n // 4 - 2 if hdrlen is None else hdrlen
    head = struct.pack("!BBHII", nh, plen, 0, spi, seq & 0xffffffff)
    ah_zero = head + bytes(AH_ICV + pad)
    total = len(ah_zero) + len(payload)
    if v6:      # traffic class, flow label, hop limit zeroed
        ip = struct.pack("!IHBB", 6 << 28, total, AH, 0) + \
            bytes.fromhex("20010db8" + "0" * 23 + "2") + \
            bytes.fromhex("20010db8" + "0" * 23 + "1")
    else:       # TOS, flags and offset, TTL, checksum zeroed
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + total, ipid, 0, 0, AH, 0) + \
            bytes([192, 0, 2, 2, 192, 0, 2, 1])
    icv = bytearray(ah_icv(ip, ah_zero, payload))
    if icv_flip:
        icv[3] ^= 0x10
    return head + bytes(icv) + bytes(pad) + payload


class Out:
    def __init__(self, dst, src):
        self.eth = Ether(dst=dst, src=src)
        self.t = []

    def add(self, accept, mutable, frames):
        self.t.append((accept, mutable, frames))

    def v4(self, esp, accept=0, mutable=True, frag=0, proto=ESP, ipid=1):
        pkt = IP(src="192.0.2.2", dst="192.0.2.1", proto=proto, id=ipid) / Raw(esp)
        ah = 2 if proto == AH else 0
        if frag:
            frames = [(bytes(self.eth / f), 0, 14 + 4)
                      for f in fragment(pkt, fragsize=frag)]
            self.add(accept, ah, frames)
        else:
            # AH authenticates the ID: it stays the template's.
            self.add(accept, int(mutable) | ah,
                     [(bytes(self.eth / pkt), 14 + 20, 0 if ah else 14 + 4)])

    def v6(self, esp, accept=0, mutable=True, frag=0, dstopt=False, proto=ESP):
        pkt = IPv6(src="2001:db8::2", dst="2001:db8::1")
        ah = 2 if proto == AH else 0
        if frag:
            pkt = pkt / IPv6ExtHdrFragment(nh=proto, id=1) / Raw(esp)
            frames = [(bytes(self.eth / f), 0, 14 + 40 + 4)
                      for f in fragment6(pkt, frag)]
            self.add(accept, ah, frames)
            return
        if dstopt:
            pkt = pkt / IPv6ExtHdrDestOpt(nh=proto)
        else:
            pkt.nh = proto
        pkt = pkt / Raw(esp)
        off = 14 + 40 + (8 if dstopt else 0)
        self.add(accept, int(mutable) | ah, [(bytes(self.eth / pkt), off, 0)])

    def write(self, path):
        with open(path, "wb") as f:
            f.write(b"NFBL" + struct.pack("<I", len(self.t)))
            for accept, flags, frames in self.t:
                f.write(struct.pack("<BBH", accept, flags, len(frames)))
                for data, espoff, idoff in frames:
                    f.write(struct.pack("<HHH", len(data), espoff, idoff) + data)


def ah_templates(out, seq):
    """AH: valid, authentic but refused, truncated, bad lengths, bad ICVs,
    unknown SPIs, fragments, oversized, sequence-number edges."""
    def nxt(spi):
        seq[spi] += 1
        return seq[spi]
    hdr4 = IP(src="192.0.2.2", dst="192.0.2.1")
    hdr6 = IPv6(src="2001:db8::2", dst="2001:db8::1")
    u4 = bytes(hdr4 / UDP(sport=4000, dport=7) / Raw(b"nfipsec ah" * 4))[20:]
    u6 = bytes(hdr6 / UDP(sport=4000, dport=7) / Raw(b"nfipsec ah 6" * 4))[40:]
    big4 = bytes(hdr4 / UDP(sport=4000, dport=7) / Raw(os.urandom(8000)))[20:]
    big6 = bytes(hdr6 / UDP(sport=4000, dport=7) / Raw(os.urandom(8000)))[40:]
    # Port 9: authentic, but the inbound policy there wants ESP.
    u4esp = bytes(hdr4 / UDP(sport=4000, dport=9) / Raw(b"ah, not esp"))[20:]

    def a4(payload, nh=17, accept=0, spi=SA4_AH, s=None, **kw):
        out.v4(ah_build(False, spi, nxt(SA4_AH) if s is None else s, payload,
                        nh, **kw), accept=accept, proto=AH)

    def a6(payload, nh=17, accept=0, spi=SA6_AH, s=None, **kw):
        out.v6(ah_build(True, spi, nxt(SA6_AH) if s is None else s, payload,
                        nh, **kw), accept=accept, proto=AH)
    for _ in range(3):
        a4(u4, accept=1)
        a6(u6, accept=1)
    a4(u4esp, accept=2)
    # Fragments, 8 kB reassembled: the IPv4 ID is in the ICV, so the train
    # carries the one espblast gives its first sending (later ones fail).
    ipid = (FIRST_IDENT + len(out.t)) & 0xffff
    out.v4(ah_build(False, SA4_AH, nxt(SA4_AH), big4, 17, ipid=ipid),
           accept=1, frag=1000, proto=AH, ipid=ipid)
    out.v6(ah_build(True, SA6_AH, nxt(SA6_AH), big6, 17), accept=1,
           frag=1000, proto=AH)
    # A bad ICV, alone and in fragments.
    a4(u4, icv_flip=True)
    a6(u6, icv_flip=True)
    out.v4(ah_build(False, SA4_AH, nxt(SA4_AH), big4, 17, icv_flip=True),
           frag=600, proto=AH)
    # Payload Length fields that do not fit the SA's ICV, or the packet,
    # each inside the authenticated data.
    for hl in (0, 1, 3, 4, 6, 7, 255):
        a4(u4, hdrlen=hl)
    for hl in (0, 4, 5, 7, 255):
        a6(u6, hdrlen=hl)
    # Truncated: AH's fixed part, its ICV, nothing after it.
    for n in (0, 1, 4, 8, 11, 12, 20, 27):
        out.v4(ah_build(False, SA4_AH, 100, u4, 17)[:n], proto=AH)
    for n in (0, 8, 12, 28, 31):
        out.v6(ah_build(True, SA6_AH, 100, u6, 17)[:n], proto=AH)
    # Not for any SA here, or for the other family's.
    a4(u4, spi=0x5ffe, s=1)
    a4(u4, spi=SA6_AH, s=1)
    a6(u6, spi=SA4_AH, s=1)
    a4(u4, spi=SA4_GCM, s=1)       # an ESP SA's SPI under AH
    # Sequence-number edges, last for these SAs: a jump near the top
    # (accepted once), the top, then 0 and old ones (replays).
    a4(u4, accept=1, s=0x7ffffff0)
    a4(u4, accept=1, s=0xffffffff)
    for v in (0, 1, 0xffffffff - 1000, 0xffffffff):
        a4(u4, s=v)
    a6(u6, accept=1, s=0xfffffffe)
    a6(u6, s=0)


def main():
    out = Out(sys.argv[2], sys.argv[3])
    icmp4 = bytes(IP(src="192.0.2.2", dst="192.0.2.1") / ICMP() / Raw(b"x" * 32))
    tun4 = bytes(IP(src="10.0.1.1", dst="10.0.0.1") / UDP(sport=4000, dport=9) /
                 Raw(b"tunnelled" * 4))
    # UDP checksums are over the real addresses in transport mode.
    udp4 = bytes(IP(src="192.0.2.2", dst="192.0.2.1") / UDP(sport=4000, dport=9) /
                 Raw(b"nfipsec fuzz" * 4))[20:]
    udp6 = bytes(IPv6(src="2001:db8::2", dst="2001:db8::1") /
                 UDP(sport=4000, dport=9) / Raw(b"nfipsec fuzz 6" * 4))[40:]
    big = bytes(IP(src="192.0.2.2", dst="192.0.2.1") / UDP(sport=4000, dport=9) /
                Raw(os.urandom(8000)))[20:]

    # Every template's first sending is in file order, and each takes the
    # next sequence number of its SA, so that its defect (not the replay
    # window) is what nfipsec meets. Later sendings are replays, or worse.
    seq = {SA4_GCM: 0, SA4_CBC: 0, SA6_GCM: 0, SA4_AH: 0, SA6_AH: 0}

    def nxt(spi):
        seq[spi] += 1
        return seq[spi]
    for _ in range(4):
        out.v4(esp_gcm(SA4_GCM, nxt(SA4_GCM), udp4, 17), accept=1)
        out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4, 4), accept=1)
        out.v6(esp_gcm(SA6_GCM, nxt(SA6_GCM), udp6, 17), accept=1)
    out.v4(esp_gcm(SA4_GCM, nxt(SA4_GCM), icmp4[20:], 1), accept=1)
    # An unknown next header: nfipsec hands it on, the stack has no use
    # for it.
    out.v4(esp_gcm(SA4_GCM, nxt(SA4_GCM), udp4, 253), accept=1)
    # A tunnelled packet whose inner addresses no inbound policy covers:
    # decapsulated, then refused at the policy check.
    bad_inner = bytes(IP(src="10.9.9.9", dst="10.0.0.1") / UDP(sport=1, dport=9))
    out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), bad_inner, 4), accept=2)
    # Fragmented ESP (reassembled before nfipsec sees it), large included:
    # 8 kB of UDP in 1000-byte fragments.
    out.v4(esp_gcm(SA4_GCM, nxt(SA4_GCM), big, 17), accept=1, frag=1000)
    out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4, 4), accept=1, frag=48)
    out.v6(esp_gcm(SA6_GCM, nxt(SA6_GCM), udp6, 17), accept=1, frag=120)
    out.v6(esp_gcm(SA6_GCM, nxt(SA6_GCM), udp6, 17), accept=1, dstopt=True)

    # Defects behind a valid ICV: authentic, so the SA counts the packet
    # (accept 3) or not (0, the trailer is refused), and it is dropped.
    for spi in (SA4_GCM, SA4_CBC):
        esp = esp_gcm if spi == SA4_GCM else esp_cbc
        inner = udp4 if spi == SA4_GCM else tun4
        nh = 17 if spi == SA4_GCM else 4
        align = 4 if spi == SA4_GCM else 16
        out.v4(esp(spi, nxt(spi), inner, nh, padlen=255))     # past the payload
        out.v4(esp(spi, nxt(spi), inner, nh, padlen=len(inner) + 1))
        n = (-(len(inner) + 2)) % align or align
        out.v4(esp(spi, nxt(spi), inner, nh, pad=bytes([0xee] * n)))
        out.v4(esp(spi, nxt(spi), b"", 59), accept=3)       # dummy packet
    out.v6(esp_gcm(SA6_GCM, nxt(SA6_GCM), udp6, 17, padlen=200))
    out.v6(esp_gcm(SA6_GCM, nxt(SA6_GCM), b"", 59), accept=3, dstopt=True)
    out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4, 6), accept=3)   # not IP
    out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4[:10], 4), accept=3)
    out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4, 41), accept=3)  # "IPv6"
    for cut in (1, 8, 15):      # ciphertext not whole blocks
        out.v4(esp_cbc(SA4_CBC, nxt(SA4_CBC), tun4, 4, cut=cut))
    # Not for any SA here.
    out.v4(esp_gcm(0x5fff, 1, udp4, 17))
    out.v4(esp_gcm(SA6_GCM, 1, udp4, 17))       # the IPv6 SA's SPI over IPv4
    out.v6(esp_gcm(SA4_GCM, 1, udp6, 17))
    # Headers too short for ESP, or for its IV and ICV.
    for n in (0, 3, 7, 8, 15, 23, 31):
        out.v4(esp_gcm(SA4_GCM, 100, udp4, 17)[:n])
        out.v6(esp_gcm(SA6_GCM, 100, udp6, 17)[:n])
    # A bad ICV, in fragments.
    bad = bytearray(esp_gcm(SA4_GCM, nxt(SA4_GCM), big, 17))
    bad[-1] ^= 1
    out.v4(bytes(bad), frag=1400)
    ah_templates(out, seq)
    # Sequence-number edges, last: a jump to the top of the 32-bit space
    # (accepted once), then 0 (never valid) and the old ones, replays.
    out.v4(esp_gcm(SA4_GCM, 0x7ffffff0, udp4, 17), accept=1)
    out.v4(esp_gcm(SA4_GCM, 0xffffffff, udp4, 17), accept=1)
    for v in (0, 1, 0xffffffff - 1000, 0xffffffff):
        out.v4(esp_gcm(SA4_GCM, v, udp4, 17))
    out.write(sys.argv[1])
    n = [sum(1 for t in out.t if t[0] == a) for a in range(4)]
    # esp-fuzz.sh reads this line.
    print("templates %d accept1 %d accept2 %d accept3 %d" %
          (len(out.t), n[1], n[2], n[3]))


if __name__ == "__main__":
    main()
