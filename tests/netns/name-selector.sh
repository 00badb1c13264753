#!/bin/bash
# SPD Name selectors and the per-SA mark, end to end: ns0 (nfipsec) lets
# TCP port 445 in only over an SA whose peer identity matches
# "*@family.example". Two peers, each nfipsec keyed with setkey, hold
# valid SAs with ns0: ns1's SA says bob@family.example and is admitted;
# ns2's says eve@other.example and is refused on 445 (InNameMismatch),
# while its other traffic (ping) still passes. Each inbound SA also marks
# what comes out of it, and nftables in ns0 counts by that mark.
#
#   +-----------------+       +---------------------------+       +------------------+
#   | ns1: "bob"      |       | ns0: nfipsec, port 445    |       | ns2: "eve"       |
#   | 192.0.2.2 veth1 +-------+ veth0 192.0.2.1           |       |                  |
#   |                 |       |      198.51.100.1 veth2 --+-------+ veth3 .2         |
#   +-----------------+       +---------------------------+       +------------------+
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
PY=/usr/bin/python3
PFKEY="$PY $here/pfkey_client.py"
KEY=0x$(printf '%02x' $(seq 0 19))	# pfkey_client.py's KEY_GCM

load_nfipsec
cleanup_hooks=(diag "${cleanup_hooks[@]}")
netns_add "$ns0" "$ns1" "$ns2"
veth_add "$ns0" veth0 "$ns1" veth1
veth_add "$ns0" veth2 "$ns2" veth3
n0 ip addr add 192.0.2.1/24 dev veth0
n1 ip addr add 192.0.2.2/24 dev veth1
n0 ip addr add 198.51.100.1/24 dev veth2
n2 ip addr add 198.51.100.2/24 dev veth3

# A peer: its two SAs and "everything to and from ns0 is ESP".
key_peer() {	# NS ME ALICE SPI_OUT SPI_IN
	cat > "/tmp/name-setkey.$2" <<-EOF
	add $2 $3 esp $4 -m transport -E aes-gcm-16 $KEY;
	add $3 $2 esp $5 -m transport -E aes-gcm-16 $KEY;
	spdadd $2 $3 any -P out ipsec esp/transport//require;
	spdadd $3 $2 any -P in ipsec esp/transport//require;
	EOF
	ip netns exec "$1" "$SETKEY" -f "/tmp/name-setkey.$2" ||
		fail "setkey refused the configuration"
}
key_peer "$ns1" 192.0.2.2 192.0.2.1 0x4002 0x4001
key_peer "$ns2" 198.51.100.2 198.51.100.1 0x4012 0x4011

# ns0: the inbound SAs carry the peer's identity and a mark, as keyd sets
# them after IKE_AUTH; port 445 wants *@family.example, the rest ESP.
cat > /tmp/name-setkey.0 <<-EOF
add 192.0.2.1 192.0.2.2 esp 0x4001 -m transport -E aes-gcm-16 $KEY;
add 198.51.100.1 198.51.100.2 esp 0x4011 -m transport -E aes-gcm-16 $KEY;
spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require;
spdadd 198.51.100.1 198.51.100.2 any -P out ipsec esp/transport//require;
EOF
ip netns exec "$ns0" "$SETKEY" -f /tmp/name-setkey.0 || fail "setkey refused ns0's"
n0 $PFKEY ident-add 192.0.2.2 192.0.2.1 0x4002 bob@family.example 0x100
n0 $PFKEY ident-add 198.51.100.2 198.51.100.1 0x4012 eve@other.example 0x200
n0 $PFKEY name-spdadd 192.0.2.2 192.0.2.1 6 445 '*@family.example'
n0 $PFKEY name-spdadd 198.51.100.2 198.51.100.1 6 445 '*@family.example'
cat > /tmp/name-setkey.0 <<-EOF
spdadd 192.0.2.2 192.0.2.1 any -P in ipsec esp/transport//require;
spdadd 198.51.100.2 198.51.100.1 any -P in ipsec esp/transport//require;
EOF
ip netns exec "$ns0" "$SETKEY" -f /tmp/name-setkey.0 || fail "setkey refused ns0's"
n0 nft -f - <<-'NFT'
	table inet fw {
		chain in {
			type filter hook input priority filter;
			meta mark & 0xff00 == 0x100 tcp dport 445 counter
			meta mark & 0xff00 == 0x200 icmp type echo-request counter
		}
	}
NFT

# A server on 445 that answers each connection with what it got.
ip netns exec "$ns0" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 445)); s.listen(8); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(c.recv(100)); c.close()
' > /tmp/name-srv 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
for _ in $(seq 300); do grep -q ready /tmp/name-srv && break; sleep 0.1; done
grep -q ready /tmp/name-srv || { cat /tmp/name-srv; fail "no server on 445"; }
smb() {	# NS DST: connect to DST:445, say hello, hear it back (5 s)
	ip netns exec "$1" $PY -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 445), timeout=5)
c.sendall(b"hello"); assert c.recv(100) == b"hello"' "$2"
}

n1 ping -q -c 2 -i 0.2 -W 2 192.0.2.1
n2 ping -q -c 2 -i 0.2 -W 2 198.51.100.1
smb "$ns1" 192.0.2.1 || fail "bob@family.example was refused on 445"
echo "ok: bob@family.example reaches port 445"
before=$(stat "$ns0" InNameMismatch)
if smb "$ns2" 198.51.100.1 2>/dev/null; then
	fail "eve@other.example reached port 445"
fi
echo "ok: eve@other.example does not reach port 445"
after=$(stat "$ns0" InNameMismatch)
assert "$after > $before" "the refusals were counted ($after InNameMismatch)"
pkts=$(ip netns exec "$ns0" nft list chain inet fw in | sed -n 's/.*0x00000100.*packets \([0-9]*\).*/\1/p')
assert "${pkts:-0} >= 3" "nftables saw bob's port-445 packets by their mark ($pkts)"
pkts=$(ip netns exec "$ns0" nft list chain inet fw in | sed -n 's/.*0x00000200.*packets \([0-9]*\).*/\1/p')
assert "${pkts:-0} == 2" "nftables saw eve's pings by their mark ($pkts)"
