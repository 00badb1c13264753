#!/usr/bin/python3
"""Craft ESP packets by hand, for the negative tests.

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

Frames go out on an AF_PACKET socket on IFACE, below the IP stack, so
neither the sender's routing nor its own IPsec sees them. The packets are
built with esp_wire.py, an encoder separate from both stacks under test.
"""
import argparse

from esp_wire import ESP, IPIP, RawLink, esp_cbc, icmp_echo, ipv4, pad_len, pcap_frames


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
    link = RawLink(a.iface)

    if a.what == "replay":
        print("replayed", link.send(pcap_frames(a.args[0])))
        return
    dstmac, src, dst = a.args
    icmp = icmp_echo(0x4e46, a.seq & 0xffff, b"nfipsec" * 8)
    if a.what == "plain":
        link.send([link.ether(dstmac, ipv4(src, dst, 1, icmp))])
        print("sent plain")
        return
    inner, nh = (ipv4(src, dst, 1, icmp), IPIP) if a.tunnel else (icmp, 1)
    kw = {}
    if a.bad_pad:
        # Pad bytes 0xee instead of 1, 2, 3, ...: at least a block of them.
        kw["pad"] = b"\xee" * (pad_len(inner, 16) or 16)
    esp = esp_cbc(bytes.fromhex(a.ekey[2:]), bytes.fromhex(a.akey[2:]),
                  a.spi, a.seq, inner, nh, **kw)
    pkt = ipv4(*(a.tunnel or (src, dst)), ESP, esp)
    if a.flip_icv:
        pkt = pkt[:-1] + bytes([pkt[-1] ^ 0x01])
    link.send([link.ether(dstmac, pkt)])
    print("sent esp spi=%#x seq=%d len=%d" % (a.spi, a.seq, len(pkt)))


if __name__ == "__main__":
    main()
