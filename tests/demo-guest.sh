#!/bin/bash
# The demo, inside the VM (scripts/demo boots it): two namespaces, each
# running nfipsec and keyd. ns0's keyd installs a trap policy only; the
# first ping's ACQUIRE makes it negotiate IKEv2 (pre-shared key) with ns1's
# keyd, and both install AES-GCM ESP SAs through PF_KEY. Then: the IKE and
# ESP packets on the wire, keyd's log, the SAs with their counters, and the
# Delete that empties both sides when ns0's keyd stops.
#
#   +----------------------+                  +----------------------+
#   | ns0: nfipsec + keyd  |                  | ns1: nfipsec + keyd  |
#   |  veth0 --------------+--- IKE, ESP -----+-------------- veth1  |
#   |  192.0.2.1/24        |                  |  192.0.2.2/24        |
#   +----------------------+                  +----------------------+
NFIPSEC_KO=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns/lib.bash"
SETKEY=$here/../keyd/setkey/setkey
KEYD=$here/../keyd/keyd
d=$(mktemp -d /tmp/demo.XXXXXX)
pid0= pid1=
cleanup_hooks=('kill $pid0 $pid1 2>/dev/null' "rm -rf $d")
echo "== kernel $(uname -r), $(nproc) CPUs"
load_nfipsec
modinfo -F version "$NFIPSEC_KO" | sed 's/^/== nfipsec /'
topo_pair

conf() {	# ME PEER START
	cat > "$d/keyd$1.conf" <<-EOC
	connections {
	    demo {
	        local_addrs = 192.0.2.$(($1 + 1))
	        remote_addrs = 192.0.2.$(($2 + 1))
	        proposals = aes128gcm16-prfsha256-x25519
	        local {
	            auth = psk
	            id = ns$1.demo.example
	        }
	        remote {
	            auth = psk
	            id = ns$2.demo.example
	        }
	        children {
	            hosts {
	                mode = transport
	                esp_proposals = aes128gcm16
	                start_action = $3
	            }
	        }
	    }
	}
	secrets {
	    demo {
	        id = ns0.demo.example
	        id-2 = ns1.demo.example
	        secret = "nfipsec demo"
	    }
	}
	EOC
}
conf 0 1 trap
conf 1 0 none
echo "== keyd.conf of ns0 (ns1's mirrors it, with start_action = none):"
sed 's/^/     /' "$d/keyd0.conf"
ip netns exec "$ns1" "$KEYD" -d -f "$d/keyd1.conf" > "$d/keyd1.log" 2>&1 &
pid1=$!
ip netns exec "$ns0" "$KEYD" -d -f "$d/keyd0.conf" > "$d/keyd0.log" 2>&1 &
pid0=$!
echo "== starting keyd in both namespaces (the first PF_KEY REGISTER in a"
echo "   fresh VM waits for the kernel's crypto probes: up to a minute)"
wait_for 150 grep -q "keyd started" "$d/keyd0.log"
wait_for 150 grep -q "keyd started" "$d/keyd1.log"
echo "== ns0 before any traffic: a trap policy, no SA"
ip netns exec "$ns0" "$SETKEY" -DP | grep -A2 '^192.0.2.1\[any\]'
ip netns exec "$ns0" "$SETKEY" -D

echo "== what ns0 puts on the link (tcpdump -Q out): IKE, then ESP"
ip netns exec "$ns0" tcpdump -l -n -Q out -i veth0 ip 2>/dev/null &
dump=$!
sleep 1
n0 ping -c 1 -W 1 192.0.2.2 > /dev/null || true	# its ACQUIRE starts IKE
wait_for 60 n0 ping -c 1 -W 1 192.0.2.2
n0 ping -c 3 -i 0.2 192.0.2.2
sleep 0.5
kill $dump
wait $dump 2>/dev/null

echo "== keyd's log in ns0: one line per exchange, with the SPIs and the peer"
grep -v retransmit "$d/keyd0.log" | sed 's/^[0-9.]* /     /'
echo "== ns0's SAs (setkey -D), with their counters"
ip netns exec "$ns0" "$SETKEY" -D
echo "== /proc/net/nfipsec_stat in ns1 (non-zero counters)"
ip netns exec "$ns1" awk '$2 != 0' /proc/net/nfipsec_stat

echo "== stopping ns0's keyd: its Delete empties ns1 too"
kill "$pid0"
wait "$pid0" 2>/dev/null
pid0=
wait_for 20 eval "! ip netns exec $ns1 $SETKEY -D | grep -q 'esp mode='"
tail -n 3 "$d/keyd1.log" | sed 's/^[0-9.]* /     /'
ip netns exec "$ns1" "$SETKEY" -D
kill "$pid1"
wait "$pid1" 2>/dev/null
pid1=
rmmod nfipsec
echo "== nfipsec unloaded cleanly"
