#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The IKE side of NAT-T (RFC 3948 §2.2, §2.3) for tests/netns/natt.sh: a
UDP socket on the NAT-T port that must keep working while ESP in UDP
flows through the same port.

  natt_udp.py server ADDR PORT [encap]
        answer each datagram that starts with the non-ESP marker (four zero
        bytes) with a one-byte 0xff keepalive, then an echo of it. "encap"
        sets UDP_ENCAP_ESPINUDP on the socket, so that Linux's XFRM takes
        ESP in UDP arriving on it. Runs until killed; prints "ready" once
        bound, then "from ADDR PORT" for each peer it answered.
  natt_udp.py client ADDR PORT PEER PEERPORT
        from ADDR:PORT send an IKE-like datagram (non-ESP marker) and expect
        both the keepalive and the echo back, intact.
"""
import socket
import sys

SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP = 17, 100, 2
MARKER = b"\0\0\0\0"


def sock(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def server(addr, port, encap):
    s = sock(addr, port)
    if encap:
        s.setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        if not data.startswith(MARKER):
            continue
        s.sendto(b"\xff", peer)
        s.sendto(data, peer)
        print("from", peer[0], peer[1], flush=True)


def client(addr, port, peer, peerport):
    s = sock(addr, port)
    s.settimeout(5)
    hello = MARKER + b"IKE_SA_INIT from %s:%d" % (addr.encode(), port)
    s.sendto(hello, (peer, peerport))
    got = {s.recv(65536), s.recv(65536)}
    if got != {b"\xff", hello}:
        sys.exit("unexpected answer: %r" % got)
    print("ok: IKE datagram and keepalive crossed %s:%d <-> %s:%d"
          % (addr, port, peer, peerport))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["encap"])
    else:
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
