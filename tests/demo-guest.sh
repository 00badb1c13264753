#!/bin/bash
# The demo, inside the VM (scripts/demo boots it): two namespaces, each
# running nfipsec, keyed through PF_KEY with the setkey-compatible tool,
# exchanging AES-GCM ESP in transport mode. keyd's IKEv2 negotiation
# replaces the manual keys once its exchanges land.
#
#   +----------------------+                  +----------------------+
#   | ns0: nfipsec         |                  | ns1: nfipsec         |
#   |  veth0 --------------+------ ESP -------+-------------- veth1  |
#   |  192.0.2.1/24        |                  |  192.0.2.2/24        |
#   +----------------------+                  +----------------------+
NFIPSEC_KO=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns/lib.bash"
SETKEY=$here/../keyd/setkey/setkey
echo "== kernel $(uname -r), $(nproc) CPUs"
load_nfipsec
modinfo -F version "$NFIPSEC_KO" | sed 's/^/== nfipsec /'
topo_pair

# AES-GCM-16 with a 128-bit key: 16 key bytes + 4 salt bytes per SA.
k1=0x0123456789abcdef0123456789abcdef01020304
k2=0xfedcba9876543210fedcba9876543210a0b0c0d0
keys() {	# NS LOCAL PEER SPI_OUT SPI_IN KEY_OUT KEY_IN
	cat > "/tmp/demo-setkey.$1" <<-EOS
	flush;
	spdflush;
	add $2 $3 esp $4 -m transport -E aes-gcm-16 $6;
	add $3 $2 esp $5 -m transport -E aes-gcm-16 $7;
	spdadd $2 $3 any -P out ipsec esp/transport//require;
	spdadd $3 $2 any -P in ipsec esp/transport//require;
	EOS
	echo "== setkey script for ${1%-*}:"
	sed 's/^/     /' "/tmp/demo-setkey.$1"
	ip netns exec "$1" "$SETKEY" -f "/tmp/demo-setkey.$1"
}
keys "$ns0" 192.0.2.1 192.0.2.2 0x1001 0x1002 $k1 $k2
keys "$ns1" 192.0.2.2 192.0.2.1 0x1002 0x1001 $k2 $k1

echo "== what ns0 puts on the link while it pings ns1 (tcpdump -Q out)"
ip netns exec "$ns0" tcpdump -l -n -Q out -c 3 -i veth0 ip 2>/dev/null &
dump=$!
sleep 1
n0 ping -c 3 -i 0.2 192.0.2.2
wait $dump

echo "== ns0's SAs (setkey -D), with their counters"
ip netns exec "$ns0" "$SETKEY" -D
echo "== ns0's policies (setkey -DP)"
ip netns exec "$ns0" "$SETKEY" -DP
echo "== /proc/net/nfipsec_stat in ns1 (non-zero counters)"
ip netns exec "$ns1" awk '$2 != 0' /proc/net/nfipsec_stat
rmmod nfipsec
echo "== nfipsec unloaded cleanly"
