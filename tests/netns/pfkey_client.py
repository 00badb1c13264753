#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A small PF_KEYv2 client (RFC 2367, Linux <linux/pfkeyv2.h> layouts) that
drives nfipsec's PF_KEY socket from userspace, for tests/netns/pfkey.sh.

    pfkey_client.py scenario       every message type, checked reply by reply
    pfkey_client.py bulk N         ADD N SAs, DUMP them through a small
                                   receive buffer read slowly: all N arrive,
                                   sadb_msg_seq counting down to 0
    pfkey_client.py count          print how many SAs a DUMP returns
    pfkey_client.py overrun        a full listener gets ENOBUFS, not silence
    pfkey_client.py flush          SADB_FLUSH and SADB_X_SPDFLUSH
    pfkey_client.py lifetime       soft then hard EXPIRE of a 1 s / 3 s SA
    pfkey_client.py acquire        a packet with no SA makes the kernel send
                                   ACQUIRE; GETSPI with its seq and UPDATE
                                   answer it (needs 192.0.2.1 -> .2 routed)
    pfkey_client.py natt-add SRC DST SPI MODE SPORT DPORT
                                   ADD an AES-GCM SA (KEY_GCM) in UDP
                                   (UDP_ENCAP_ESPINUDP, these ports); GET
                                   must return the NAT-T extensions
    pfkey_client.py ident-add SRC DST SPI IDENTITY MARK
                                   ADD an AES-GCM transport SA whose
                                   IDENTITY_SRC is IDENTITY (user@fqdn) and
                                   whose SA_MARK is MARK/0xff00; GET must
                                   return both
    pfkey_client.py name-spdadd SRC DST PROTO DPORT PATTERN
                                   X_SPDADD an inbound ESP transport policy
                                   with a Name selector (user@fqdn
                                   identities); X_SPDGET must return it
    pfkey_client.py spdexpire      an outbound DISCARD policy for UDP to
                                   192.0.2.2 with 1 s soft / 4 s add
                                   lifetimes: datagrams refused, a soft then
                                   a hard X_SPDEXPIRE to the registered
                                   socket only, the policy gone from
                                   SPDDUMP, datagrams leave again; refusals
                                   of byte limits; X_SPDSETIDX is X_SPDADD
    pfkey_client.py ipcomp         every SA message and REGISTER with
                                   SADB_X_SATYPE_IPCOMP, and an IPComp
                                   ipsecrequest, are EPROTONOSUPPORT
    pfkey_client.py stats SRC DST SPI
                                   GET the ESP SA with NFIPSEC_SADB_X_EXT_SA_STATS
                                   and print "packets bytes errors replay
                                   icv_fail"; a DUMP asking for them has them
                                   in every message, one not asking in none
    pfkey_client.py promisc        X_PROMISC: a promiscuous socket gets a
                                   copy of another socket's request and of
                                   the answer only that socket gets; after
                                   X_PROMISC 0, neither
    pfkey_client.py nullauth       KAME's "-A null" (SADB_X_AALG_NULL, no
                                   key): ESP AES-CBC takes it (no integrity),
                                   ESP NULL and AH refuse it
    pfkey_client.py natt-mapping SPI PORT SECS
                                   REGISTER for ESP, print "registered", and
                                   wait SECS for X_NAT_T_NEW_MAPPING of SPI
                                   naming the new PORT; at most one a second

Each check prints "ok: ..." or raises, so the exit status is the verdict.

The wire format is pfkey_wire.py, the socket pfkey_socket.py, the commands
pfkey_scenario.py, pfkey_notify.py, pfkey_delivery.py and pfkey_exts.py.
Other tests import their names from here (lifetime.py, pfkey_migrate.py,
tests/scenarios/dixon_sad.py), so this module re-exports them all.
"""
import sys

# Re-exported for the tests that import from here.
from pfkey_wire import *  # noqa: F401,F403
from pfkey_socket import *  # noqa: F401,F403
# What the commands below use, by name.
from pfkey_delivery import bulk, overrun, promisc
from pfkey_exts import (ident_add, ipcomp, name_spdadd, natt_add, nullauth,
                        stats)
from pfkey_notify import acquire, lifetime, natt_mapping, spdexpire
from pfkey_scenario import scenario
from pfkey_socket import PfKey, add_gcm
from pfkey_wire import DUMP, FLUSH, SATYPE_UNSPEC, X_SPDFLUSH


def count():
    print(len(PfKey().dump(DUMP)))


def flush():
    k = PfKey()
    k.ask(FLUSH, SATYPE_UNSPEC)
    k.ask(X_SPDFLUSH, SATYPE_UNSPEC)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "scenario"
    if cmd == "scenario":
        scenario()
    elif cmd == "bulk":
        bulk(int(sys.argv[2]))
    elif cmd == "overrun":
        overrun()
    elif cmd == "count":
        count()
    elif cmd == "lifetime":
        lifetime()
    elif cmd == "acquire":
        acquire()
    elif cmd == "spdexpire":
        spdexpire()
    elif cmd == "ipcomp":
        ipcomp()
    elif cmd == "nullauth":
        nullauth()
    elif cmd == "promisc":
        promisc()
    elif cmd == "stats":
        stats(sys.argv[2], sys.argv[3], int(sys.argv[4], 0))
    elif cmd == "flush":
        flush()
    elif cmd == "natt-add":
        natt_add(sys.argv[2], sys.argv[3], int(sys.argv[4], 0), sys.argv[5],
                 int(sys.argv[6]), int(sys.argv[7]))
    elif cmd == "ident-add":
        ident_add(sys.argv[2], sys.argv[3], int(sys.argv[4], 0), sys.argv[5],
                  int(sys.argv[6], 0))
    elif cmd == "name-spdadd":
        name_spdadd(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                    int(sys.argv[5]), sys.argv[6])
    elif cmd == "natt-mapping":
        natt_mapping(int(sys.argv[2], 0), int(sys.argv[3]),
                     float(sys.argv[4]))
    elif cmd == "add":
        add_gcm(PfKey(), int(sys.argv[2], 0))
    else:
        sys.exit("unknown command " + cmd)
