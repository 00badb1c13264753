#!/usr/bin/python3
"""Resend captured AH frames for the AH negative tests (ah-xfrm.sh).

  ah-craft.py replay IFACE PCAP   send every frame of PCAP again as it was
  ah-craft.py flip IFACE PCAP     the same with its AH sequence number moved
                                  on by 1000 (past the replay window's check)
                                  and one ICV byte flipped

IPv4 only, AH right after the IP header. Frames go out on an AF_PACKET
socket on IFACE, below the IP stack, so neither the sender's routing nor
its own IPsec sees them.
"""
import struct
import sys

from esp_wire import RawLink, pcap_frames


def main():
    what, iface, pcap = sys.argv[1:4]
    frames = pcap_frames(pcap)
    if what == "flip":
        out = []
        for f in frames:
            b = bytearray(f)
            ip = 14
            ah = ip + (b[ip] & 0xf) * 4
            assert b[ip + 9] == 51, "not AH"
            seq = struct.unpack_from("!I", b, ah + 8)[0]
            struct.pack_into("!I", b, ah + 8, seq + 1000)
            b[ah + 12] ^= 0x01
            out.append(bytes(b))
        frames = out
    print(what, RawLink(iface).send(frames))


if __name__ == "__main__":
    main()
