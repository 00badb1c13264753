#!/bin/bash
# NAT traversal (RFC 3948) against Linux XFRM: nfipsec in ns0 sits behind an
# IPv4 NAT (nftables masquerade in ns2) and exchanges ESP in UDP with XFRM
# in ns1, in transport and in tunnel mode; then IPv6 transport, routed but
# not NATed, where ns1 moving its source port must make nfipsec send
# SADB_X_NAT_T_NEW_MAPPING. All along, a UDP socket on port 4500 in ns0
# talks IKE (non-ESP marker) with one in ns1 and receives its keepalives.
# The NAT drops plain ESP: only ESP in UDP can get through.
#
#   +-------------------+      +---------------------+      +-------------------+
#   | ns0: nfipsec      |      | ns2: NAT            |      | ns1: XFRM         |
#   |  lo 10.9.0.1      |      |  masquerade -> n2b  |      |  lo 10.9.1.1      |
#   |  veth0 -----------+------+- n2a          n2b --+------+----------- veth1 |
#   |  10.0.1.1         |      |  10.0.1.254         |      |  192.0.2.2        |
#   |  fd10::1          |      |  fd10::fe           |      |  fd20::2          |
#   +-------------------+      |  192.0.2.254 fd20::fe      +-------------------+
#                              +---------------------+
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
PY=/usr/bin/python3
PFKEY="$PY $here/pfkey_client.py"
UDP="$PY $here/natt_udp.py"
XFER_BYTES=524288
KEY=0x$(printf '%02x' $(seq 0 19))	# pfkey_client.py's KEY_GCM
AEAD=(aead 'rfc4106(gcm(aes))' "$KEY" 128)

load_nfipsec
cleanup_hooks=(diag "${cleanup_hooks[@]}")

netns_add "$ns0" "$ns1" "$ns2"
veth_add "$ns0" veth0 "$ns2" n2a
veth_add "$ns1" veth1 "$ns2" n2b
n0 ip addr add 10.0.1.1/24 dev veth0
n0 ip addr add fd10::1/64 dev veth0 nodad
n0 ip addr add 10.9.0.1/32 dev lo
n2 ip addr add 10.0.1.254/24 dev n2a
n2 ip addr add fd10::fe/64 dev n2a nodad
n2 ip addr add 192.0.2.254/24 dev n2b
n2 ip addr add fd20::fe/64 dev n2b nodad
n1 ip addr add 192.0.2.2/24 dev veth1
n1 ip addr add fd20::2/64 dev veth1 nodad
n1 ip addr add 10.9.1.1/32 dev lo
n0 ip route add default via 10.0.1.254
n0 ip route add 10.9.1.1/32 via 10.0.1.254 src 10.9.0.1
n0 ip -6 route add default via fd10::fe
n1 ip route add 10.9.0.1/32 dev veth1 src 10.9.1.1
n1 ip -6 route add fd10::/64 via fd20::fe
n2 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
n2 nft -f - <<-'NFT'
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n2b" masquerade
		}
	}
	table inet filter {
		chain noesp {
			type filter hook forward priority filter;
			meta l4proto 50 counter drop
		}
	}
NFT

# The IKE sockets of ns1, with UDP_ENCAP so that XFRM takes ESP in UDP.
for a in 192.0.2.2 fd20::2; do
	ip netns exec "$ns1" $UDP server "$a" 4500 encap > "/tmp/natt-ike.$a" 2>&1 &
	cleanup_hooks+=("kill $! 2>/dev/null")
	for _ in $(seq 300); do grep -q ready "/tmp/natt-ike.$a" && break; sleep 0.1; done
	grep -q ready "/tmp/natt-ike.$a" || { cat "/tmp/natt-ike.$a"; fail "no IKE socket on $a"; }
done

# ns0: IKE on 4500 bypasses the SPD; $1 adds the rest. Flushes the SAD. IPv6 has no
# outbound bypass: there our own ESP in UDP meets the transport policy
# for "any" protocol and must still leave as it is (natt.c), and IKE
# itself goes through the SA.
key_ns0() {
	cat > /tmp/natt-setkey.0 <<-EOF
	flush;
	spdflush;
	spdadd 10.0.1.1[4500] 192.0.2.2[4500] udp -P out none;
	spdadd 192.0.2.2[4500] 10.0.1.1[4500] udp -P in none;
	spdadd fd20::2[4500] fd10::1[4500] udp -P in none;
	$1
	EOF
	ip netns exec "$ns0" "$SETKEY" -f /tmp/natt-setkey.0 ||
		{ cat /tmp/natt-setkey.0; fail "setkey refused the configuration"; }
}
# ns1: the same bypass for XFRM, ahead of its other policies.
reset_ns1() {
	ip -n "$ns1" xfrm state flush
	ip -n "$ns1" xfrm policy flush
	local me any
	for me in 192.0.2.2/32,0.0.0.0/0 fd20::2/128,::/0; do
		any=${me#*,} me=${me%,*}
		ip -n "$ns1" xfrm policy add src "$me" dst "$any" proto udp sport 4500 \
			dir out priority 10
		ip -n "$ns1" xfrm policy add src "$any" dst "$me" proto udp dport 4500 \
			dir in priority 10
	done
}
ike() {	# LOCAL PEER: an IKE datagram each way, and a keepalive
	n0 $UDP client "$1" 4500 "$2" 4500
}

# --- The NAT's mapping for 10.0.1.1:4500, learnt as IKE would.
key_ns0 ""
reset_ns1
ike 10.0.1.1 192.0.2.2
read -r _ pub port <<< "$(grep '^from' /tmp/natt-ike.192.0.2.2 | tail -1)"
assert "$([ "$pub" = 192.0.2.254 ] && echo 1 || echo 0)" "ns1 sees ns0 as the NAT's address ($pub)"
echo "NAT mapping: 10.0.1.1:4500 -> $pub:$port"

xfrm_pair() {	# MODE LOCAL PEER SPI_OUT SPI_IN PEERPORT FAMILY_ANY
	local mode=$1 me=$2 peer=$3 so=$4 si=$5 pp=$6 any=$7
	ip -n "$ns1" xfrm state add src "$me" dst "$peer" proto esp spi "$so" reqid 1 \
		mode "$mode" replay-window 32 "${AEAD[@]}" encap espinudp 4500 "$pp" "$any"
	ip -n "$ns1" xfrm state add src "$peer" dst "$me" proto esp spi "$si" reqid 1 \
		mode "$mode" replay-window 32 "${AEAD[@]}" encap espinudp "$pp" 4500 "$any"
}

# --- v4 transport through the NAT.
echo "=== transport, IPv4, behind a NAT"
key_ns0 "spdadd 10.0.1.1 192.0.2.2 any -P out ipsec esp/transport//require;
	spdadd 192.0.2.2 10.0.1.1 any -P in ipsec esp/transport//require;"
n0 $PFKEY natt-add 10.0.1.1 192.0.2.2 0x3001 transport 4500 4500
n0 $PFKEY natt-add 192.0.2.2 10.0.1.1 0x3002 transport 4500 4500
xfrm_pair transport 192.0.2.2 "$pub" 0x3002 0x3001 "$port" 0.0.0.0
ip -n "$ns1" xfrm policy add src 192.0.2.2 dst "$pub" dir out priority 100 \
	tmpl src 192.0.2.2 dst "$pub" proto esp reqid 1 mode transport
ip -n "$ns1" xfrm policy add src "$pub" dst 192.0.2.2 dir in priority 100 \
	tmpl src "$pub" dst 192.0.2.2 proto esp reqid 1 mode transport
n0 ping -q -c 3 -i 0.2 -W 2 192.0.2.2
# TCP: ns1's segments carry checksums over the NAT's address, not ours.
xfer "$ns0" 10.0.1.1 "$ns1" 192.0.2.2
ike 10.0.1.1 192.0.2.2
p=$(pkts_nfipsec "$ns0" 0x3002)
assert "${p:-0} >= 20" "transport: nfipsec decrypted $p packets from UDP"
p=$(pkts_xfrm "$ns1" "$pub" 192.0.2.2 0x3001)
assert "${p:-0} >= 100" "transport: XFRM decrypted $p packets nfipsec sent in UDP"

# --- v4 tunnel through the NAT, traffic started from both ends.
echo "=== tunnel, IPv4, behind a NAT"
reset_ns1
key_ns0 "spdadd 10.9.0.1 10.9.1.1 any -P out ipsec esp/tunnel/10.0.1.1-192.0.2.2/require;
	spdadd 10.9.1.1 10.9.0.1 any -P in ipsec esp/tunnel/192.0.2.2-10.0.1.1/require;"
n0 $PFKEY natt-add 10.0.1.1 192.0.2.2 0x3011 tunnel 4500 4500
n0 $PFKEY natt-add 192.0.2.2 10.0.1.1 0x3012 tunnel 4500 4500
xfrm_pair tunnel 192.0.2.2 "$pub" 0x3012 0x3011 "$port" 0.0.0.0
ip -n "$ns1" xfrm policy add src 10.9.1.1 dst 10.9.0.1 dir out \
	tmpl src 192.0.2.2 dst "$pub" proto esp reqid 1 mode tunnel
ip -n "$ns1" xfrm policy add src 10.9.0.1 dst 10.9.1.1 dir in \
	tmpl src "$pub" dst 192.0.2.2 proto esp reqid 1 mode tunnel
n0 ping -q -c 3 -i 0.2 -W 2 -I 10.9.0.1 10.9.1.1
n1 ping -q -c 3 -i 0.2 -W 2 -I 10.9.1.1 10.9.0.1
xfer "$ns1" 10.9.1.1 "$ns0" 10.9.0.1
xfer "$ns0" 10.9.0.1 "$ns1" 10.9.1.1
ike 10.0.1.1 192.0.2.2
p=$(pkts_nfipsec "$ns0" 0x3012)
assert "${p:-0} >= 100" "tunnel: nfipsec decrypted $p packets from UDP"
p=$(pkts_xfrm "$ns1" "$pub" 192.0.2.2 0x3011)
assert "${p:-0} >= 100" "tunnel: XFRM decrypted $p packets nfipsec sent in UDP"
esp=$(ip netns exec "$ns2" nft list chain inet filter noesp | sed -n 's/.*packets \([0-9]*\).*/\1/p')
assert "${esp:-1} == 0" "no plain ESP reached the NAT"

# --- v6 transport, no NAT; then ns1's source port changes.
echo "=== transport, IPv6, and a new mapping"
reset_ns1
key_ns0 "spdadd fd10::1 fd20::2 any -P out ipsec esp/transport//require;
	spdadd fd20::2 fd10::1 any -P in ipsec esp/transport//require;"
n0 $PFKEY natt-add fd10::1 fd20::2 0x3021 transport 4500 4500
n0 $PFKEY natt-add fd20::2 fd10::1 0x3022 transport 4500 4500
xfrm_pair transport fd20::2 fd10::1 0x3022 0x3021 4500 ::
ip -n "$ns1" xfrm policy add src fd20::2 dst fd10::1 dir out priority 100 \
	tmpl src fd20::2 dst fd10::1 proto esp reqid 1 mode transport
ip -n "$ns1" xfrm policy add src fd10::1 dst fd20::2 dir in priority 100 \
	tmpl src fd10::1 dst fd20::2 proto esp reqid 1 mode transport
n0 ping -q -c 3 -i 0.2 -W 2 fd20::2
xfer "$ns0" fd10::1 "$ns1" fd20::2
ike fd10::1 fd20::2
p=$(pkts_xfrm "$ns1" fd10::1 fd20::2 0x3021)
assert "${p:-0} >= 100" "IPv6: XFRM took $p packets in UDP (its checksum verified)"

ip netns exec "$ns0" $PFKEY natt-mapping 0x3022 4501 8 > /tmp/natt-mapping &
mapper=$!
wait_for 90 grep -q registered /tmp/natt-mapping
ip -n "$ns1" xfrm state update src fd20::2 dst fd10::1 proto esp spi 0x3022 reqid 1 \
	mode transport replay-window 32 "${AEAD[@]}" encap espinudp 4501 4500 ::
n1 ping -q -c 10 -i 0.3 -W 2 fd10::1
wait $mapper || { cat /tmp/natt-mapping; fail "no NEW_MAPPING as expected"; }
cat /tmp/natt-mapping
assert "$(stat "$ns0" InStateMismatch) == 0" "no SA/encapsulation mismatch"
assert "$(stat "$ns0" InIcvError) == 0" "no ICV failures"
