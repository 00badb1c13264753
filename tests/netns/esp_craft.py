#!/usr/bin/python3
"""Craft ESP packets with scapy, for the negative tests.

  esp_craft.py esp IFACE DSTMAC SRC DST --spi N --seq N --ekey HEX --akey HEX
               [--tunnel OSRC ODST] [--flip-icv] [--bad-pad]
      one ICMP echo request SRC -> DST in ESP (AES-CBC + HMAC-SHA256-128),
      transport mode, or tunnel mode between OSRC and ODST; optionally with
      the last ICV byte flipped, or with pad bytes that are not 1, 2, 3, ...
      (and a valid ICV over them)
  esp_craft.py plain IFACE DSTMAC SRC DST
      one ICMP echo request in clear
  esp_craft.py replay IFACE PCAP
      send again every frame of PCAP

Frames go out with sendp() on IFACE, below the IP stack, so neither the
sender's routing nor its own IPsec sees them.
"""
import argparse
import struct

from scapy.all import Ether, ICMP, IP, Raw, rdpcap, sendp
from scapy.layers.ipsec import ESP, SecurityAssociation


def bad_pad(algo):
    """Make algo.pad() write pad bytes 0xee, ... instead of 1, 2, 3."""
    orig = algo.pad

    def pad(esp):
        esp = orig(esp)
        if esp.padlen == 0:
            # Force some padding: a whole block more.
            esp.padlen = algo.block_size
        esp.padding = b"\xee" * esp.padlen
        return esp
    algo.pad = pad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["esp", "plain", "replay"])
    ap.add_argument("iface")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--spi", type=lambda s: int(s, 0))
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--ekey")
    ap.add_argument("--akey")
    ap.add_argument("--tunnel", nargs=2)
    ap.add_argument("--flip-icv", action="store_true")
    ap.add_argument("--bad-pad", action="store_true")
    a = ap.parse_args()

    if a.what == "replay":
        frames = rdpcap(a.args[0])
        sendp(frames, iface=a.iface, verbose=False)
        print("replayed", len(frames))
        return
    dstmac, src, dst = a.args
    inner = IP(src=src, dst=dst) / ICMP(id=0x4e46, seq=a.seq & 0xffff) / Raw(b"nfipsec" * 8)
    if a.what == "plain":
        sendp(Ether(dst=dstmac) / inner, iface=a.iface, verbose=False)
        print("sent plain")
        return
    tunnel = IP(src=a.tunnel[0], dst=a.tunnel[1]) if a.tunnel else None
    sa = SecurityAssociation(ESP, spi=a.spi, crypt_algo="AES-CBC",
                             crypt_key=bytes.fromhex(a.ekey[2:]),
                             auth_algo="SHA2-256-128",
                             auth_key=bytes.fromhex(a.akey[2:]),
                             tunnel_header=tunnel)
    if a.bad_pad:
        bad_pad(sa.crypt_algo)
    pkt = sa.encrypt(inner, seq_num=a.seq)
    raw = bytes(pkt)
    if a.flip_icv:
        raw = raw[:-1] + bytes([raw[-1] ^ 0x01])
    sendp(Ether(dst=dstmac) / IP(raw), iface=a.iface, verbose=False)
    print("sent esp spi=%#x seq=%d len=%d" % (a.spi, a.seq, len(raw)))


if __name__ == "__main__":
    main()
