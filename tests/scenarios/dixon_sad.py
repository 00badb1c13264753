#!/usr/bin/python3
# The SAD as the Dixon scenario needs to see it (dixon-auth-bypass.sh):
# one line per ESP SA, "SRC DST IDENTITY_SRC MARK/MASK PACKETS", from a
# PF_KEY DUMP (setkey prints neither identities nor nfipsec's mark).
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "netns"))
import pfkey_client as pk  # noqa: E402


for r in pk.PfKey().dump(pk.DUMP, pk.SATYPE_ESP):
    src = r.addr(pk.EXT_SRC)[0]
    dst = r.addr(pk.EXT_DST)[0]
    ident = "-"
    if pk.EXT_IDENT_SRC in r.ext:
        ident = r.ext[pk.EXT_IDENT_SRC][16:].rstrip(b"\0").decode()
    mark = "-"
    if pk.EXT_SA_MARK in r.ext:
        mark = "0x%x/0x%x" % struct.unpack_from("=II", r.ext[pk.EXT_SA_MARK], 8)
    pkts = 0
    if pk.EXT_LT_CUR in r.ext:
        pkts = struct.unpack_from("=I", r.ext[pk.EXT_LT_CUR], 4)[0]
    print(src, dst, ident, mark, pkts)
