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

setup_pair diag_pair

cell() {	# ALG MODE INNER OUTER
	local alg=$1 mode=$2 fi=$3 fo=$4 spis="0x1001 0x1002"
	late_mark
	key_ah_nfipsec 0 "$alg" "$mode" "$fi" "$fo" 0x1001 0x1002
	key_ah_nfipsec 1 "$alg" "$mode" "$fi" "$fo" 0x1002 0x1001
	ping_pair "$a0" "$a1"
	xfer_pair "$a0" "$a1"
	# Each SA's two ends count the same packets, but for late ones the
	# receiver's window refused (see nfipsec-pair.sh).
	[ "$alg" = bundle ] && spis="$spis 0x2001 0x2002"
	# shellcheck disable=SC2086
	assert_pair_ends "<=" "$alg $mode v$fi/v$fo" $spis
}

ALGS=("${AH_GMAC[@]}" "${AH_ALGS[@]}" bundle)
run_cells
for n in "$ns0" "$ns1"; do
	assert "$(stat "$n" InNoStates) == 0" "$n: no AH for an unknown SPI"
	assert "$(stat "$n" InIcvError) == 0" "$n: no ICV failures"
	assert "$(stat "$n" InTmplMismatch) == 0" "$n: every packet came through its whole bundle"
done
