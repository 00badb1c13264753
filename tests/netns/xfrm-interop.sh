#!/bin/bash
# nfipsec against Linux XFRM, on the wire: ns0 runs nfipsec keyed only
# through PF_KEY (keyd/setkey), ns1 runs XFRM keyed with ip xfrm. Both
# ends carry pings and a checked TCP transfer each way, and each side's own
# counters must show that it encrypted what the other decrypted.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec (setkey)     |              | ns1: XFRM (ip xfrm)       |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+--- ESP -----+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: every algorithm (AES-GCM-16 128/256, ChaCha20-Poly1305,
# AES-GMAC, AES-CBC with HMAC-SHA1/256/384/512, NULL with HMAC-SHA256)
# times {transport v4, transport v6, tunnel v4-in-v4, v6-in-v6, v6-in-v4,
# v4-in-v6}: 54 cells. make check runs all 54 (NFIPSEC_FULL=1), shared
# between parallel VMs (NFIPSEC_PART, see scripts/netns-tests); without
# NFIPSEC_FULL (netns-tests --quick) a subset runs in which every algorithm
# and every mode/family pair appears at least once (9 cells);
# CELLS="alg:mode:inner:outer ..." runs exactly the cells named.
# netns-timeout: 1500
#
# nfipsec is in every namespace, but ns1 has no nfipsec policy or SA, so
# XFRM's traffic passes through it untouched. af_key is never loaded:
# nfipsec owns PF_KEY, and ip xfrm speaks netlink.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"

setup_pair diag

# One cell: key both ends, move traffic, read both ends' counters.
cell() {	# ALG MODE INNER OUTER
	local alg=$1 mode=$2 fi=$3 fo=$4
	key_nfipsec 0 "$alg" "$mode" "$fi" "$fo" 0x1001 0x1002
	key_xfrm 1 "$alg" "$mode" "$fi" "$fo" 0x1002 0x1001
	ping_pair "$a0" "$a1"
	xfer_pair "$a0" "$a1"
	assert_xfrm_ends esp "$alg $mode v$fi/v$fo"
	ip netns exec "$ns0" awk '$2 != 0' /proc/net/nfipsec_stat | tr '\n' ' '; echo
}

run_cells
assert "$(stat "$ns0" InNoStates) == 0" "no ESP arrived for an unknown SPI"
assert "$(stat "$ns0" InIcvError) == 0" "no ICV failures"
