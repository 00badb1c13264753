#!/bin/bash
# Seed scenario 7: IPv6 Neighbor Discovery and MLD keep working under a
# default-protect policy, through nfipsec's automatic BYPASS entries for
# the ND and MLD message types (kmod/nd.c, Documentation/scenarios.md).
#
#   +-------------------------+                +-------------------------+
#   | ns0                     |                | ns1                     |
#   |  veth0 -----------------+-- ESP only ----+----------------- veth1  |
#   |  2001:db8::1            |  (ND and MLD   |            2001:db8::2  |
#   |  ::/0 <-> ::/0 any:     |   in clear)    |  ::/0 <-> ::/0 any:     |
#   |     PROTECT (transport) |                |     PROTECT (transport) |
#   +-------------------------+                +-------------------------+
#
# No static neighbours: the echo requests need NS/NA first. With the
# automatic entries, ping works (through the SA), NdBypass counts the
# NS/NA both ways, and an MLD report for a group we join leaves in clear.
# Negative: with the switch off (nd_bypass=0) the same policy swallows the
# NS (no SA for it: dropped, never sent in clear), resolution fails and so
# does ping; an MLD report no longer leaves. An explicit ICMPv6 policy still
# decides for itself: discarding NS by name breaks resolution with the
# switch on.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"
knob=/sys/module/nfipsec/parameters/nd_bypass

load_nfipsec
cleanup_hooks=(diag_pair "echo 1 > $knob" "${cleanup_hooks[@]}")
topo_pair
key=$(k 20 1)
for i in 0 1; do
	me=2001:db8::$((i + 1)) peer=2001:db8::$((2 - i))
	so=$((0x7001 + i)) si=$((0x7002 - i))
	cat > "/tmp/sc7.$i" <<-EOF
	add $me $peer esp $so -m transport -r 64 -E aes-gcm-16 $key;
	add $peer $me esp $si -m transport -r 64 -E aes-gcm-16 $key;
	spdadd ::/0 ::/0 any -P out ipsec esp/transport//require;
	spdadd ::/0 ::/0 any -P in ipsec esp/transport//require;
	EOF
	ip netns exec "$(nsname $i)" "$SETKEY" -f "/tmp/sc7.$i"
done
# ns1 counts MLDv2 reports from ns0 as they arrive (before any policy).
cat > /tmp/sc7.nft <<'EOF'
table inet sc {
	counter mld {}
	chain pre {
		type filter hook prerouting priority -400;
		icmpv6 type mld2-listener-report counter name mld
	}
}
EOF
n1 nft -f /tmp/sc7.nft
mld() {
	ip netns exec "$ns1" nft list counter inet sc mld |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
join() {	# join GROUP: hold an IPv6 multicast membership on veth0 for 2 s
	n0 /usr/bin/python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
	     socket.inet_pton(socket.AF_INET6, '$1') +
	     struct.pack('@I', socket.if_nametoindex('veth0')))
time.sleep(2)"
}
flush_neigh() {
	n0 ip -6 neigh flush dev veth0
	n1 ip -6 neigh flush dev veth1
}

echo "=== automatic ND/MLD bypass on (the default)"
[ "$(cat $knob)" = Y ] || fail "nd_bypass is not on by default"
echo "ok: nd_bypass defaults to on"
flush_neigh
nd0=$(stat "$ns0" NdBypass)
n0 ping -q -c 3 -i 0.2 -W 2 2001:db8::2
assert "$(stat "$ns0" NdBypass) - nd0 >= 2" "NS out and NA in bypassed on ns0 (NdBypass)"
assert "$(stat "$ns1" NdBypass) >= 2" "NS in and NA out bypassed on ns1"
assert "$(pkts_nfipsec "$ns1" 0x7001) >= 3" "the echo requests themselves went through ESP"
m0=$(mld)
join ff02::1:2345
assert "$(mld) > m0" "an MLD report left ns0 in clear"

echo "=== an explicit ICMPv6 policy still decides"
echo "spdadd ::/0 ::/0 icmp6 135,0 -P out prio high discard;" > /tmp/sc7.ns
n0 "$SETKEY" -f /tmp/sc7.ns
flush_neigh
pd0=$(stat "$ns0" OutPolBlock)
! n0 ping -q -c 2 -i 0.2 -W 1 2001:db8::2 || fail "NS discarded by name, yet ping worked"
assert "$(stat "$ns0" OutPolBlock) > pd0" "NS discarded by its own policy (OutPolBlock)"
echo "spddelete ::/0 ::/0 icmp6 135,0 -P out;" > /tmp/sc7.ns
n0 "$SETKEY" -f /tmp/sc7.ns

echo "=== negative: the switch off, the protect-any policy swallows ND and MLD"
echo 0 > $knob
flush_neigh
nd0=$(stat "$ns0" NdBypass)
! n0 ping -q -c 2 -i 0.2 -W 1 2001:db8::2 || fail "ping worked without ND bypass"
assert "$(stat "$ns0" NdBypass) == nd0" "nothing bypassed with the switch off"
state=$(ip -n "$ns0" -6 neigh show 2001:db8::2 dev veth0)
echo "neighbour: $state"
[[ "$state" != *REACHABLE* && "$state" != *STALE* ]] || fail "2001:db8::2 resolved without ND"
echo "ok: address resolution failed"
m0=$(mld)
join ff02::1:2346
assert "$(mld) == m0" "no MLD report left ns0"

echo "=== and on again: resolution works"
echo 1 > $knob
flush_neigh
n0 ping -q -c 2 -i 0.2 -W 2 2001:db8::2
echo "PASS"
