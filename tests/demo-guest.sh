#!/bin/bash
# The demo, inside the VM (scripts/demo boots it).
#
#   +----------------+                +----------------+
#   | ns0            |                | ns1            |
#   |  veth0 --------+----------------+-------- veth1  |
#   |  192.0.2.1/24  |                |  192.0.2.2/24  |
#   |  2001:db8::1   |                |  2001:db8::2   |
#   +----------------+                +----------------+
NFIPSEC_KO=$1
. "$(dirname "$0")/netns/lib.bash"
echo "== kernel $(uname -r), $(nproc) CPUs"
load_nfipsec
modinfo -F version "$NFIPSEC_KO" | sed 's/^/== nfipsec /'
topo_pair
n0 ping -c 3 -i 0.2 192.0.2.2
n0 ping -c 3 -i 0.2 2001:db8::2
for n in "$ns0" "$ns1"; do
	echo "== /proc/net/nfipsec_stat in ${n%-*} (non-zero counters)"
	ip netns exec "$n" awk '$2 != 0' /proc/net/nfipsec_stat
done
rmmod nfipsec
echo "== nfipsec unloaded cleanly"
