#!/usr/bin/python3
"""A TCP transfer whose content is checked end to end.

  tcpxfer.py recv ADDR PORT          accept one connection, read to EOF,
                                     print "<bytes> <sha256>"
  tcpxfer.py send ADDR PORT NBYTES   send NBYTES of seeded pseudo-random data
                                     (connect retried for 10 s), print the same

The caller compares the two lines. Used by the interop tests to prove that
a multi-megabyte stream crossed an IPsec SA intact.
"""
import hashlib
import random
import socket
import struct
import sys
import time


def tcp_info(c):
    """What TCP thought of the connection (struct tcp_info's first fields):
    printed when a transfer times out, to tell a stall in TCP (backoff,
    retransmissions, a path MTU) from one below it."""
    try:
        raw = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError as e:
        return "tcp_info: %s" % e
    u8 = struct.unpack_from("8B", raw)
    u32 = struct.unpack_from("24I", raw, 8)
    names = ("rto ato snd_mss rcv_mss unacked sacked lost retrans fackets "
             "last_data_sent last_ack_sent last_data_recv last_ack_recv "
             "pmtu rcv_ssthresh rtt rttvar snd_ssthresh snd_cwnd advmss "
             "reordering rcv_rtt rcv_space total_retrans").split()
    return "tcp_info: state=%d ca_state=%d retransmits=%d probes=%d backoff=%d " % u8[:5] + \
        " ".join("%s=%d" % nv for nv in zip(names, u32))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(60)
    c, _ = s.accept()
    c.settimeout(60)
    h, n = hashlib.sha256(), 0
    while True:
        try:
            b = c.recv(1 << 16)
        except TimeoutError:
            print("recv: stalled after %d bytes; %s" % (n, tcp_info(c)), file=sys.stderr)
            raise
        if not b:
            break
        h.update(b)
        n += len(b)
    print(n, h.hexdigest())


def send(addr, port, nbytes):
    rnd = random.Random(nbytes)
    data = rnd.randbytes(nbytes)
    end = time.time() + 10
    while True:
        try:
            c = socket.create_connection((addr, port), timeout=60)
            break
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)
    # Not sendall(): its timeout bounds the whole transfer, which a slow
    # (debug, loaded TCG) guest can exceed while TCP is healthy. A stall is
    # 60 s without progress.
    view, off = memoryview(data), 0
    while off < nbytes:
        try:
            off += c.send(view[off:off + (1 << 16)])
        except TimeoutError:
            print("send: stalled after %d bytes; %s" % (off, tcp_info(c)),
                  file=sys.stderr)
            raise
    c.shutdown(socket.SHUT_WR)
    c.recv(1)   # wait for the peer to close: everything was read
    c.close()
    print(nbytes, hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
