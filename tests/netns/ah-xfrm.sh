#!/bin/bash
# AH (RFC 4302) against Linux XFRM, on the wire: ns0 runs nfipsec keyed
# only through PF_KEY (keyd/setkey), ns1 runs XFRM keyed with ip xfrm. Both
# ends carry pings and a checked TCP transfer each way, and each side's own
# counters must show that it verified what the other protected.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec (setkey)     |              | ns1: XFRM (ip xfrm)       |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+---- AH ------+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: HMAC-SHA-1-96, HMAC-SHA-256-128, -384-192, -512-256 (every
# AH algorithm XFRM has that we have; AES-GMAC is nfipsec-only, see
# ah-pair.sh) times {transport v4, v6, tunnel v4, v6, v6-in-v4, v4-in-v6},
# and the AH+ESP bundle (ESP inside AH, two templates on either side) in
# the same six. NFIPSEC_FULL=1 runs every cell; CELLS="alg:mode:in:out"
# the ones named; otherwise each algorithm once (ipsec-lib.bash run_cells).
# Then the negative cases: an AH packet with a flipped ICV byte and a
# replayed one are dropped and counted.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/ah-lib.bash"

setup_pair diag

cell() {	# ALG MODE INNER OUTER
	local alg=$1 mode=$2 fi=$3 fo=$4 p
	key_ah_nfipsec 0 "$alg" "$mode" "$fi" "$fo" 0x1001 0x1002
	key_ah_xfrm 1 "$alg" "$mode" "$fi" "$fo" 0x1002 0x1001
	ping_pair "$a0" "$a1"
	xfer_pair "$a0" "$a1"
	# The bundle's ESP SAs are the AH ones' + 0x1000.
	assert_xfrm_ends ah "$alg $mode v$fi/v$fo"
	if [ "$alg" = bundle ]; then
		p=$(pkts_xfrm_proto "$ns1" "$o0" "$o1" esp 0x2001)
		assert "${p:-0} >= $(xfer_min)" "bundle: XFRM decrypted $p ESP packets inside the AH"
		p=$(pkts_nfipsec "$ns0" 0x2002)
		assert "${p:-0} >= $(xfer_min)" "bundle: nfipsec decrypted $p ESP packets inside the AH"
	fi
	ip netns exec "$ns0" awk '$2 != 0' /proc/net/nfipsec_stat | tr '\n' ' '; echo
}

ALGS=("${AH_ALGS[@]}" bundle)
run_cells
assert "$(stat "$ns0" InNoStates) == 0" "no AH arrived for an unknown SPI"
assert "$(stat "$ns0" InIcvError) == 0" "no ICV failures"
assert "$(stat "$ns0" InTmplMismatch) == 0" "every packet came through the whole bundle"

# Negative: AH from XFRM captured, then sent again (a replay) and with one
# ICV byte flipped, below ns1's stack. Each is dropped and counted once.
key_ah_nfipsec 0 ah-sha256 transport 4 4 0x1001 0x1002
key_ah_xfrm 1 ah-sha256 transport 4 4 0x1002 0x1001
capture_start ah "$ns1" veth1 -c 1 'ip proto 51 and dst 192.0.2.1'
capture_await ah ip netns exec "$ns1" ping -q -c 1 -W 1 192.0.2.1
expect InStateSeqError n1 /usr/bin/python3 "$here/ah-craft.py" replay veth1 "$(capture_file ah)"
expect InIcvError n1 /usr/bin/python3 "$here/ah-craft.py" flip veth1 "$(capture_file ah)"
