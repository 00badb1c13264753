#!/bin/bash
# ROBUST_RELOADS (100) rounds of insmod, keying, traffic, and rmmod while
# the traffic still flows: each round leaves nothing behind (kmemleak, run
# after the test) and the debug kernel reports nothing.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec              |              | ns1: nfipsec              |
#   |  ping -f (ESP) -----------+--------------+---------> echo replies    |
#   |  veth0 192.0.2.1          |              |  veth1 192.0.2.2          |
#   +---------------------------+              +---------------------------+
#
# Each round: insmod, one SA pair and policies in each namespace (setkey),
# a flood ping from ns0, rmmod under it half a second later. Every tenth
# round first checks that ESP did flow (the SA counted packets).
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
ROUNDS=${ROBUST_RELOADS:-100}
SETKEY=${SETKEY:-$here/../../keyd/setkey/setkey}
work=$(mktemp -d)
cleanup_hooks+=("kill \$(jobs -p) 2>/dev/null; rm -rf $work")

topo_pair
k() { printf '0x%s' "$(printf '%02x' $(seq "$2" $(($2 + $1 - 1))))"; }
gk=$(k 20 1)
for s in 0 1; do
	lo=192.0.2.$((s + 1)) ro=192.0.2.$((2 - s))
	cat > "$work/conf.$s" <<-EOS
	add $lo $ro esp $((0x100 + s)) -m transport -r 64 -E aes-gcm-16 $gk;
	add $ro $lo esp $((0x101 - s)) -m transport -r 64 -E aes-gcm-16 $gk;
	spdadd $lo $ro any -P out ipsec esp/transport//require;
	spdadd $ro $lo any -P in ipsec esp/transport//require;
	EOS
done
sa_packets() {
	ip netns exec "$ns0" "$SETKEY" -D | awk '/allocated:/ { s += $2 } END { print s + 0 }'
}
esp_flows() { [ "$(sa_packets)" -gt 10 ]; }

t0=$SECONDS
for r in $(seq "$ROUNDS"); do
	insmod "$NFIPSEC_KO" || fail "round $r: insmod failed"
	ip netns exec "$ns0" "$SETKEY" -f "$work/conf.0" || fail "round $r: setkey ns0"
	ip netns exec "$ns1" "$SETKEY" -f "$work/conf.1" || fail "round $r: setkey ns1"
	ip netns exec "$ns0" ping -f -q -w 3 192.0.2.2 > /dev/null 2>&1 &
	flood=$!
	if [ $((r % 10)) = 1 ]; then
		wait_for 120 esp_flows
		echo "round $r: ESP flows ($(sa_packets) packets through the SAs)"
	else
		sleep 0.5
	fi
	rmmod nfipsec || fail "round $r: rmmod failed"
	wait $flood || true
	ip netns exec "$ns0" test ! -e /proc/net/nfipsec_stat || fail "round $r: counters survived rmmod"
done
echo "reload: $ROUNDS rounds of insmod, setkey, flood, rmmod in $((SECONDS - t0))s"
! lsmod | grep -q '^nfipsec ' || fail "nfipsec still loaded"
