#!/bin/bash
# keyd against keyd through Linux's own af_key on the stock kernel (XFRM,
# no nfipsec): the cross-check that keyd's PF_KEY seam is plain RFC 2367
# plus Linux's extensions. af_key has no AEAD and truncates HMAC-SHA-2 to
# 96 bits (not RFC 4868's), so both sides use AES-CBC with HMAC-SHA-256
# through af_key. Each cell negotiates IKEv2 with a pre-shared key, carries
# pings and a checked TCP transfer each way, then stops the initiator,
# whose Delete must empty the other side.
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + af_key/XFRM   |              | ns1: keyd + af_key/XFRM   |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+-- IKE, ESP --+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: how ns0 starts (start_action = start, or trap: policies
# only, and the first packet's ACQUIRE starts IKE) x transport v4,
# tunnel v6, tunnel v4, transport v6.
set -e
here=$(cd "$(dirname "$0")" && pwd)
XFER_BYTES=${XFER_BYTES:-524288}	# TCG: each cell negotiates as well
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/keyd-lib.bash"

d=$(mktemp -d /tmp/keyd-afkey.XXXXXX)
xdiag() { local n; for n in "$ns0" "$ns1"; do ip -n "$n" -s xfrm state; ip -n "$n" xfrm policy; done; }
cleanup_hooks=(keyd_stop_all "keyd_logs 30 keyd0 keyd1" xdiag "rm -rf $d" "${cleanup_hooks[@]}")

pretty host "modprobe af_key"
modprobe af_key || { echo "SKIP: af_key is not available"; exit 77; }
cleanup_hooks+=("rmmod af_key 2>/dev/null")
topo_pair
setup_inner

cell() {	# START MODE INNER OUTER
	keyd_pair_conf 0 "$2" "$3" "$4" "$1" psk aes128-sha256
	keyd_pair_conf 1 "$2" "$3" "$4" none psk aes128-sha256
	keyd_pair_cell "$1 $2 v$3" "$1" "$2"
}

ALGS=(start trap)
COMBOS=("tunnel 4 4" "transport 6 6")
run_cells
