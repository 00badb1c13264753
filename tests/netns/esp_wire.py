"""ESP, IPv4 and Ethernet frames by hand, read from pcap and sent raw.

The crafting helpers (esp_craft.py, ah-craft.py) and the ESP fuzzer's
templates (tests/robust/esp_templates.py) build their packets with this,
not with scapy: `import scapy.all` costs one to three minutes in a VM on
the debug kernel under TCG, and esp_craft.py runs once per packet.
Only the standard library and python3-cryptography's AES.
"""
import hashlib
import hmac
import os
import socket
import struct

ETH_P_IP = 0x0800
ESP = 50
IPIP = 4


def csum(data):
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident=1, ttl=64):
    """An IPv4 header (no options, DF clear) in front of payload."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      ttl, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def icmp_echo(ident, seq, data):
    """An ICMP echo request."""
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def pad_len(payload, align):
    """How many pad bytes bring payload and its 2-byte trailer to align."""
    return (-(len(payload) + 2)) % align


def trailer(payload, nh, align, pad=None, padlen=None):
    """payload | pad | pad length | next header, a multiple of align.

    pad: other pad bytes than 1, 2, 3, ...; padlen: another Pad Length."""
    if pad is None:
        pad = bytes(range(1, pad_len(payload, align) + 1))
    if padlen is None:
        padlen = len(pad)
    return payload + pad + bytes([padlen & 0xff, nh])


def esp_cbc(ekey, akey, spi, seq, inner, nh, cut=0, **kw):
    """ESP with AES-CBC and HMAC-SHA-256-128 (RFC 3602, RFC 4868).

    cut: drop that many bytes off the ciphertext before the ICV is taken
    (not whole blocks, yet authentic). kw goes to trailer()."""
    # Imported here: the pcap and raw-socket helpers need none of it.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    iv = os.urandom(16)
    enc = Cipher(algorithms.AES(ekey), modes.CBC(iv)).encryptor()
    ct = enc.update(trailer(inner, nh, 16, **kw)) + enc.finalize()
    if cut:
        ct = ct[:-cut]
    head = struct.pack("!II", spi, seq & 0xffffffff) + iv + ct
    return head + hmac.new(akey, head, hashlib.sha256).digest()[:16]


def pcap_frames(path):
    """The frames of an Ethernet pcap file (tcpdump -w), as bytes."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    linktype = struct.unpack_from(end + "I", data, 20)[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, not Ethernet" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(end + "I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + incl]
        if len(frame) != incl:
            raise ValueError("%s: truncated record" % path)
        frames.append(frame)
        off += 16 + incl
    return frames


class RawLink:
    """An AF_PACKET socket on one interface: frames go out below the IP
    stack, so neither routing nor the sender's own IPsec sees them."""

    def __init__(self, iface):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((iface, 0))
        self.mac = self.sock.getsockname()[4]

    def ether(self, dstmac, payload, ethertype=ETH_P_IP):
        """payload in an Ethernet frame from this interface to dstmac."""
        return bytes.fromhex(dstmac.replace(":", "")) + self.mac + \
            struct.pack("!H", ethertype) + payload

    def send(self, frames):
        for f in frames:
            self.sock.send(f)
        return len(frames)
