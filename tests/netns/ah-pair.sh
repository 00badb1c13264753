#!/bin/bash
# AH (RFC 4302) between two nfipsec namespaces, each keyed only through
# PF_KEY (keyd/setkey): the algorithms XFRM lacks for AH (AES-GMAC, 128
# and 256) and the ones it has, and the AH+ESP bundle, all checked from
# both ends' counters.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec (setkey)     |              | ns1: nfipsec (setkey)     |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+---- AH ------+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: AES-128-GMAC, AES-256-GMAC, HMAC-SHA-1/256/384/512 and the
# AH+ESP bundle times the six mode/family pairs of ipsec-lib.bash
# (NFIPSEC_FULL=1: every cell; otherwise each algorithm once).
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/ah-lib.bash"
[ -x "$SETKEY" ] || fail "build keyd/setkey/setkey first (make -C keyd)"

load_nfipsec
cleanup_hooks=(diag_pair "${cleanup_hooks[@]}")
topo_pair
setup_inner

cell() {	# ALG MODE INNER OUTER
	local alg=$1 mode=$2 fi=$3 fo=$4 a0 a1 p o i late0 late1
	echo "=== cell $alg $mode v$fi-in-v$fo"
	a0=$(inner_addr 0 "$mode" "$fi"); a1=$(inner_addr 1 "$mode" "$fi")
	late0=$(stat "$ns0" InStateSeqError) late1=$(stat "$ns1" InStateSeqError)
	key_ah_nfipsec 0 "$alg" "$mode" "$fi" "$fo" 0x1001 0x1002
	key_ah_nfipsec 1 "$alg" "$mode" "$fi" "$fo" 0x1002 0x1001

	n0 ping -q -c 2 -i 0.2 -W 2 -I "$a0" "$a1"
	n1 ping -q -c 2 -i 0.2 -W 2 -I "$a1" "$a0"
	xfer "$ns0" "$a0" "$ns1" "$a1"
	xfer "$ns1" "$a1" "$ns0" "$a0"

	local spis="0x1001 0x1002"
	[ "$alg" = bundle ] && spis="$spis 0x2001 0x2002"
	for o in $spis; do
		for i in "$ns0" "$ns1"; do
			p=$(pkts_nfipsec "$i" "$o")
			assert "${p:-0} >= 1000" "$alg $mode v$fi/v$fo: $p packets through SA $o in $i"
		done
	done
	# Each SA's two ends count the same packets, but for late ones the
	# receiver's window refused (see nfipsec-pair.sh).
	late0=$(($(stat "$ns0" InStateSeqError) - late0))
	late1=$(($(stat "$ns1" InStateSeqError) - late1))
	assert "$(pkts_nfipsec "$ns0" 0x1001) <= $(pkts_nfipsec "$ns1" 0x1001) + $late1" \
		"SA 0x1001: every packet protected was verified or refused as late"
	assert "$(pkts_nfipsec "$ns1" 0x1002) <= $(pkts_nfipsec "$ns0" 0x1002) + $late0" \
		"SA 0x1002: every packet protected was verified or refused as late"
}

ALGS=("${AH_GMAC[@]}" "${AH_ALGS[@]}" bundle)
run_cells
for n in "$ns0" "$ns1"; do
	assert "$(stat "$n" InNoStates) == 0" "$n: no AH for an unknown SPI"
	assert "$(stat "$n" InIcvError) == 0" "$n: no ICV failures"
	assert "$(stat "$n" InTmplMismatch) == 0" "$n: every packet came through its whole bundle"
done
