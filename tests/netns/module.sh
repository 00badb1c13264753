#!/bin/bash
# The module's life in network namespaces: it hooks every namespace, old and
# new, keeps per-namespace counters, and unloads cleanly under traffic.
#
#   +----------------+                +----------------+
#   | ns0            |                | ns1            |
#   |  veth0 --------+----------------+-------- veth1  |
#   |  192.0.2.1/24  |                |  192.0.2.2/24  |
#   |  2001:db8::1   |                |  2001:db8::2   |
#   +----------------+                +----------------+
. "$(dirname "$0")/lib.bash"

# A plain insmod must do: no link-time dependency on a module. What the
# module needs (nf_defrag_ipv4/6) it requests itself, so unload those first
# where nothing else holds them.
deps=$(modinfo -F depends "$NFIPSEC_KO")
[ -z "$deps" ] || fail "nfipsec.ko depends on modules ($deps): insmod alone cannot load it"
rmmod nf_defrag_ipv6 nf_defrag_ipv4 2>/dev/null || true

ip netns add "$ns2"			# exists before the module loads
load_nfipsec
topo_pair				# created after

for n in "$ns0" "$ns1" "$ns2"; do
	ip netns exec "$n" test -r /proc/net/nfipsec_stat || fail "no counters in $n"
done
init_out=$(awk '$1 == "OutPackets" { print $2 }' /proc/net/nfipsec_stat)

n0 ping -c 3 -i 0.2 -W 2 192.0.2.2
n0 ping -c 3 -i 0.2 -W 2 2001:db8::2
assert "$(stat "$ns0" OutPackets) >= 6" "ns0 counted its outbound echoes"
assert "$(stat "$ns1" InPackets) >= 6" "ns1 counted the inbound echoes"
assert "$(stat "$ns1" OutPackets) >= 6" "ns1 counted its replies"
assert "$(stat "$ns2" OutPackets) == 0" "ns2 saw none of it"
now_out=$(awk '$1 == "OutPackets" { print $2 }' /proc/net/nfipsec_stat)
assert "$now_out - $init_out < 6" "the initial namespace counted none of it"

# Unload under load: a flood keeps the hooks busy while they are removed.
n0 ping -f -w 4 192.0.2.2 > /dev/null &
flood=$!
sleep 1
pretty host "rmmod nfipsec"
rmmod nfipsec
wait $flood || true
ip netns exec "$ns0" test ! -e /proc/net/nfipsec_stat || fail "counters survived rmmod"

# And it comes back for everyone.
load_nfipsec
n0 ping -c 1 -W 2 192.0.2.2
assert "$(stat "$ns0" OutPackets) >= 1" "counting again after reload"
rmmod nfipsec
