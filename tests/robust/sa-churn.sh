#!/bin/bash
# 10k SA add, update and delete operations while iperf3 runs through an
# nfipsec SA pair: no crash (the debug kernel watches), no leak (kmemleak
# scan after the test), and not one plaintext packet on the wire between
# the two hosts (tcpdump on ns1's side of the link).
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec              |              | ns1: nfipsec              |
#   |  iperf3 -c, setkey churn, |              |  iperf3 -s, tcpdump -Q out|
#   |  tcpdump -Q out           |              |                           |
#   |  veth0 -------------------+--- ESP ------+------------------- veth1  |
#   |  192.0.2.1                |              |  192.0.2.2                |
#   +---------------------------+              +---------------------------+
#
# The churn: decoy SAs (own SPIs, same addresses) added, updated and
# deleted in ROBUST_CHURN_OPS operations, a hundred per setkey -f; every
# 500 operations the live SA pair itself is deleted and added again (the
# flow then has no SA for a moment: its packets are held for ACQUIRE or
# dropped, never sent in clear).
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
OPS=${ROBUST_CHURN_OPS:-10000}
SETKEY=${SETKEY:-$here/../../keyd/setkey/setkey}
work=$(mktemp -d)
cleanup_hooks+=("kill \$(jobs -p) \$(cat $work/srv.pid 2>/dev/null) 2>/dev/null; rm -rf $work")

load_nfipsec
topo_pair
k() { printf '0x%s' "$(printf '%02x' $(seq "$2" $(($2 + $1 - 1))))"; }
gk=$(k 20 1)
live() {	# live SIDE: the SA pair and policies of one side
	local me=$1 lo=192.0.2.$(($1 + 1)) ro=192.0.2.$((2 - $1))
	cat <<-EOS
	add $lo $ro esp $((0x100 + me)) -m transport -r 64 -E aes-gcm-16 $gk;
	add $ro $lo esp $((0x101 - me)) -m transport -r 64 -E aes-gcm-16 $gk;
	EOS
}
for s in 0 1; do
	lo=192.0.2.$((s + 1)) ro=192.0.2.$((2 - s))
	{ live $s
	  echo "spdadd $lo $ro any -P out ipsec esp/transport//require;"
	  echo "spdadd $ro $lo any -P in ipsec esp/transport//require;"
	} > "$work/live.$s"
done
n0 "$SETKEY" -f "$work/live.0"
n1 "$SETKEY" -f "$work/live.1"
# The first exchange resolves ARP; the debug kernel can take seconds.
wait_for 60 ip netns exec "$ns0" ping -q -c 1 -W 5 192.0.2.2

above() { local v=$1; shift; [ "$("$@")" -gt "$v" ]; }
pkts_out() {	# ESP packets ns0 sent (OutPackets counts the inner ones)
	ip netns exec "$ns0" "$SETKEY" -D | awk '/ spi=256\(/ { f = 1 } f && /allocated:/ { print $2; exit }'
}

# What each side puts on the wire: its egress (-Q out). A receiver's
# capture also shows the decapsulated packets nfipsec reinjects.
capture_start clear0 "$ns0" veth0 -Q out 'ip and host 192.0.2.1 and host 192.0.2.2 and not esp'
capture_start clear1 "$ns1" veth1 -Q out 'ip and host 192.0.2.1 and host 192.0.2.2 and not esp'
ip netns exec "$ns1" iperf3 -s -D -I "$work/srv.pid"
wait_for 120 ip netns exec "$ns1" sh -c "ss -Htln | grep -q ':5201 '"
ip netns exec "$ns0" iperf3 -c 192.0.2.2 -t 86400 -i 0 > "$work/iperf3.log" 2>&1 &
iperf=$!
flowing() { above 200 pkts_out || ! kill -0 $iperf 2> /dev/null; }
wait_for 120 flowing
kill -0 $iperf 2> /dev/null || { cat "$work/iperf3.log"; fail "iperf3 ended before the churn"; }

# The churn, a hundred operations per setkey run.
spi=0x10000 done=0 relive=0 t0=$SECONDS
while [ $done -lt "$OPS" ]; do
	: > "$work/ops"
	for ((i = 0; i < 100 && done < OPS; i += 3, done += 3)); do
		s=$((spi + done))
		echo "add 192.0.2.1 192.0.2.2 esp $s -m transport -r 32 -E aes-gcm-16 $gk;"
		echo "update 192.0.2.1 192.0.2.2 esp $s -m transport -r 32 -lh 3600 -ls 3000 -E aes-gcm-16 $gk;"
		echo "delete 192.0.2.1 192.0.2.2 esp $s;"
	done >> "$work/ops"
	ip netns exec "$ns0" "$SETKEY" -f "$work/ops" || fail "setkey refused a churn batch"
	if [ $((done / 500)) -gt $relive ]; then
		relive=$((done / 500))
		# Receiver first, so that a packet under the new SA finds it.
		ip netns exec "$ns1" "$SETKEY" -f - <<< "delete 192.0.2.1 192.0.2.2 esp 256;"
		ip netns exec "$ns0" "$SETKEY" -f - <<< "delete 192.0.2.1 192.0.2.2 esp 256;"
		ip netns exec "$ns1" "$SETKEY" -f - <<< "add 192.0.2.1 192.0.2.2 esp 256 -m transport -r 64 -E aes-gcm-16 $gk;"
		ip netns exec "$ns0" "$SETKEY" -f - <<< "add 192.0.2.1 192.0.2.2 esp 256 -m transport -r 64 -E aes-gcm-16 $gk;"
	fi
done
secs=$((SECONDS - t0))
kill -0 $iperf || fail "iperf3 stopped during the churn: $(tail -n 3 "$work/iperf3.log")"
before=$(pkts_out)
wait_for 60 above "$before" pkts_out
kill -INT $iperf; wait $iperf || true
capture_stop clear0 clear1
clear=$(($(capture_count clear0) + $(capture_count clear1)))
[ "$clear" = 0 ] || { capture_show clear0; capture_show clear1; }
left=$(ip netns exec "$ns0" "$SETKEY" -D | grep -c ' spi=' || true)
echo "churn: $OPS SA operations and $relive live re-keys in ${secs}s while iperf3 ran"
assert "$clear == 0" "no plaintext between the hosts on the wire ($clear packets)"
assert "$left == 2" "only the live pair is left in ns0's SAD ($left SAs)"
wait_for 60 ip netns exec "$ns0" ping -q -c 1 -W 5 192.0.2.2
