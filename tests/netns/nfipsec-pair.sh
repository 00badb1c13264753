#!/bin/bash
# nfipsec against itself: both namespaces run nfipsec, each keyed only
# through PF_KEY (keyd/setkey). The same matrix and checks as
# xfrm-interop.sh, with both ends' counters read from setkey -D.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec (setkey)     |              | ns1: nfipsec (setkey)     |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+--- ESP ------+------------------- veth1  |
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
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"

setup_pair diag_pair

cell() {	# ALG MODE INNER OUTER
	local alg=$1 mode=$2 fi=$3 fo=$4
	late_mark
	key_nfipsec 0 "$alg" "$mode" "$fi" "$fo" 0x1001 0x1002
	key_nfipsec 1 "$alg" "$mode" "$fi" "$fo" 0x1002 0x1001
	ping_pair "$a0" "$a1"
	# Both sides are keyed now: from here on, a packet of the flow that
	# arrives without its SA (in clear, or having lost its record on the
	# way up) is a bug. Between cells, while one side re-keys, the other
	# may still see the last cell's stragglers. And the wire carries TCP
	# only inside ESP: what each side sends (-Q out; what it receives
	# includes the decrypted packets, reinjected on the same device)
	# holds no "tcp" at all unless a segment left in clear.
	local mm0 mm1 clear esp
	mm0=$(stat "$ns0" InTmplMismatch) mm1=$(stat "$ns1" InTmplMismatch)
	capture_start wire0 "$ns0" veth0 -Q out -s 128
	capture_start wire1 "$ns1" veth1 -Q out -s 128
	xfer_pair "$a0" "$a1"
	capture_stop wire0 wire1
	clear=$(($(capture_count wire0 tcp) + $(capture_count wire1 tcp)))
	esp=$(($(capture_count wire0 esp) + $(capture_count wire1 esp)))
	[ "$clear" = 0 ] || { capture_show wire0 tcp; capture_show wire1 tcp; }
	assert "$clear == 0 && $esp >= 2 * $(xfer_min)" \
		"$alg $mode v$fi/v$fo: no TCP in clear on the wire ($esp ESP packets sent)"
	assert "$(stat "$ns0" InTmplMismatch) - $mm0 + $(stat "$ns1" InTmplMismatch) - $mm1 == 0" \
		"$alg $mode v$fi/v$fo: every packet of the transfers came through its SA"
	# Both ends of one SA count the same packets: none was lost, except
	# those the receiver's window refused.
	assert_pair_ends "==" "$alg $mode v$fi/v$fo" 0x1001 0x1002
}

run_cells
for n in "$ns0" "$ns1"; do
	assert "$(stat "$n" InNoStates) == 0" "$n: no ESP for an unknown SPI"
	assert "$(stat "$n" InIcvError) == 0" "$n: no ICV failures"
	# Late packets exist: a sequence number taken on one CPU can reach the
	# wire after more than a window (64) of packets sent from the other
	# (a long TCG time slice, or preemption on real hardware), and an
	# asynchronous decryption can finish that late too. Each cell proves
	# none was lost or doubled (encrypted = decrypted + refused as late);
	# here: they stay rare. In-order sending (issue 7) will tighten this.
	assert "$(stat "$n" InStateSeqError) * 200 <= $(stat "$n" InPackets)" \
		"$n: replay refusals (late packets) under 0.5% of packets in"
done
