#!/bin/bash
# Seed scenario 6: RFC 4301 §6-8 and RFC 6040 on the data path: the tunnel
# header's DF, DSCP and ECN per SA; unauthenticated ICMP accepted or
# refused per type; fragments and BYPASS.
#
#   +---------------------------+                +---------------------------+
#   | ns0                       |                | ns1                       |
#   |  lo: 10.0.0.1             |                |  lo: 10.0.1.1             |
#   |  veth0 192.0.2.1 ---------+== ESP tunnel ==+--------- veth1 192.0.2.2 |
#   |  (nft: marks outer CE)    |                |  (nft: counts outer and   |
#   |                           |                |   inner header fields)    |
#   +---------------------------+                +---------------------------+
#
# 1. Tunnel header per SA (setkey -df/-dscp/-ecn, PF_KEY extension
#    NFIPSEC_SADB_X_EXT_TUNNEL_HDR): outer DF clear by default, set, or
#    copied; outer DSCP copied or mapped to one value; ECN copied (RFC 6040
#    normal mode) or Not-ECT (compatibility mode). On decapsulation an
#    outer CE reaches an ECT inner packet; negative: outer CE on a Not-ECT
#    inner packet is dropped (InEcnDrop), as RFC 6040 requires.
# 2. Unauthenticated ICMP per type (RFC 4301 §6.1): under a PROTECT-all
#    policy, echo request/reply pass in clear by BYPASS entries for their
#    type; negative: timestamp requests, not listed, are refused
#    (InTmplMismatch), and a DISCARD entry for a type drops it (InPolBlock).
# 3. Fragments (RFC 4301 §7): BYPASS for UDP port 5000 only, DISCARD for
#    the rest. Reassembly before the SPD (the defrag hooks nfipsec enables)
#    is the stateful fragment check: a fragmented datagram to 5000 is
#    classified by its ports and delivered; negative: one to 6000 is
#    refused whole (InPolBlock), non-initial fragments included.
# 4. ICMP errors (§6.1.1, §6.1.2): ns0, forwarding for 10.0.0.64/26, answers
#    "host unreachable" from 10.0.0.1, outside the SA's selectors; the error
#    goes on the SA of the flow it quotes, and the sender gets it. An error
#    arriving through the SA that quotes a flow the SA is not for is dropped
#    (InIcmpSelMismatch). Negative: without that, the first error leaves in
#    clear and the second is accepted.
# netns-timeout: 1200
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"

setup_pair diag_pair
key=$(k 20 1)

# counter NS NAME: packets an nftables named counter in table inet sc saw.
counter() {
	ip netns exec "$1" nft list counter inet sc "$2" |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
# rekey OPTIONS...: the ns0 -> ns1 tunnel SA again, with setkey OPTIONS;
# ns1's side afresh too (a new SA starts its sequence numbers at 1).
rekey() {
	cat > /tmp/sc6.0 <<-EOF
	flush;
	spdflush;
	add 192.0.2.1 192.0.2.2 esp 0x6001 -m tunnel $* -r 64 -E aes-gcm-16 $key;
	add 192.0.2.2 192.0.2.1 esp 0x6002 -m tunnel -r 64 -E aes-gcm-16 $key;
	spdadd 10.0.0.1/32 10.0.1.1/32 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
	spdadd 10.0.1.1/32 10.0.0.1/32 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
	EOF
	n0 "$SETKEY" -f /tmp/sc6.0
	n1 "$SETKEY" -f /tmp/sc6.1
}
cat > /tmp/sc6.1 <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x6001 -m tunnel -r 64 -E aes-gcm-16 $key;
add 192.0.2.2 192.0.2.1 esp 0x6002 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd 10.0.1.1/32 10.0.0.1/32 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
spdadd 10.0.0.1/32 10.0.1.1/32 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
EOF

# ns1 counts what arrives: the outer ESP header's fields, and the inner
# packets after decapsulation (reinjected, they pass PRE_ROUTING again).
cat > /tmp/sc6.nft <<'EOF'
table inet sc {
	counter esp_df {}
	counter esp_dscp10 {}
	counter esp_dscp46 {}
	counter esp_notect {}
	counter esp_ect0 {}
	counter inner_ce {}
	chain pre {
		type filter hook prerouting priority -400;
		ip protocol esp ip frag-off & 0x4000 == 0x4000 counter name esp_df
		ip protocol esp ip dscp 10 counter name esp_dscp10
		ip protocol esp ip dscp 46 counter name esp_dscp46
		ip protocol esp ip ecn not-ect counter name esp_notect
		ip protocol esp ip ecn ect0 counter name esp_ect0
		ip saddr 10.0.0.1 ip protocol icmp ip ecn ce counter name inner_ce
	}
}
EOF
n1 nft -f /tmp/sc6.nft
# ping4 TOS [PING OPTIONS]: two echo requests 10.0.0.1 -> 10.0.1.1.
ping4() {
	local tos=$1; shift
	n0 ping -q -c 2 -i 0.2 -W 2 -Q "$tos" "$@" -I 10.0.0.1 10.0.1.1
}
snap() { for c in esp_df esp_dscp10 esp_dscp46 esp_notect esp_ect0 inner_ce; do eval "$c=$(counter "$ns1" $c)"; done; }
delta() { echo $(( $(counter "$ns1" "$1") - ${!1} )); }

echo "=== 1. DF, DSCP and ECN of the outer header, per SA"
rekey
snap
ping4 0xba -M do		# DSCP 46 (EF), ECT(0), DF
assert "$(delta esp_df) == 0" "default: outer DF clear, though the inner packet has DF"
assert "$(delta esp_dscp46) == 2" "default: DSCP copied (EF)"
assert "$(delta esp_ect0) == 2" "default: ECN copied (RFC 6040 normal mode)"

rekey -df set -dscp 10 -ecn compat
snap
ping4 0xba -M dont
assert "$(delta esp_df) == 2" "-df set: outer DF though the inner has none"
assert "$(delta esp_dscp10) == 2" "-dscp 10: DSCP mapped to 10 (AF11)"
assert "$(delta esp_notect) == 2" "-ecn compat: outer Not-ECT over an ECT(0) inner"

rekey -df copy
snap
ping4 0xba -M do
ping4 0xba -M dont
assert "$(delta esp_df) == 2" "-df copy: DF on exactly the two packets that had it"
assert "$(delta esp_dscp46) == 4" "-df copy leaves DSCP copied"

# A congested hop marks the outer header CE (nft on ns0's way out).
printf 'table ip ce {\n chain post {\n  type filter hook postrouting priority 0;\n  ip protocol esp ip ecn set ce\n }\n}\n' > /tmp/sc6.ce
n0 nft -f /tmp/sc6.ce
rekey
snap
ping4 0x02			# ECT(0) inner: CE must reach it
assert "$(delta inner_ce) == 2" "outer CE copied into an ECT(0) inner header"
e0=$(stat "$ns1" InEcnDrop)
! ping4 0x00 || fail "CE on a Not-ECT inner packet was delivered"
assert "$(stat "$ns1" InEcnDrop) - e0 == 2" "outer CE over inner Not-ECT dropped (InEcnDrop)"
n0 nft delete table ip ce

echo "=== 2. unauthenticated ICMP, per type"
# Transport mode between the outer addresses, everything PROTECTed; ns0
# sends in clear (no nfipsec policy), as an unauthenticated peer would.
cat > /tmp/sc6.1 <<EOF
flush;
spdflush;
spdadd 192.0.2.1 192.0.2.2 icmp 8,0 -P in prio high none;
spdadd 192.0.2.2 192.0.2.1 icmp 0,0 -P out prio high none;
spdadd 192.0.2.1 192.0.2.2 icmp 17 -P in prio high discard;
spdadd 192.0.2.1 192.0.2.2 any -P in ipsec esp/transport//require;
spdadd 192.0.2.2 192.0.2.1 any -P out ipsec esp/transport//require;
EOF
n1 "$SETKEY" -f /tmp/sc6.1
n0 "$SETKEY" -F
n0 "$SETKEY" -F -P
b0=$(stat "$ns1" InBypass)
n0 ping -q -c 2 -i 0.2 -W 2 192.0.2.2
assert "$(stat "$ns1" InBypass) - b0 >= 2" "echo requests in clear accepted by their type's BYPASS entry"
icmp_type() {	# icmp_type TYPE: one ICMP message of TYPE, ns0 -> ns1, in clear
	n0 /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
m = bytearray([$1, 0, 0, 0]) + bytes(16)
c = sum(int.from_bytes(m[i:i + 2], 'big') for i in range(0, len(m), 2))
c = (c & 0xffff) + (c >> 16)
m[2:4] = (~c & 0xffff).to_bytes(2, 'big')
s.sendto(bytes(m), ('192.0.2.2', 0))"
}
t0=$(stat "$ns1" InTmplMismatch)
icmp_type 13
wait_for 5 above "$t0" stat "$ns1" InTmplMismatch
echo "ok: a timestamp request (no entry for its type) refused (InTmplMismatch)"
p0=$(stat "$ns1" InPolBlock)
icmp_type 17
wait_for 5 above "$p0" stat "$ns1" InPolBlock
echo "ok: an address mask request dropped by its type's DISCARD entry (InPolBlock)"

echo "=== 3. fragments: BYPASS by port, checked after reassembly"
cat > /tmp/sc6.1 <<EOF
flush;
spdflush;
spdadd 192.0.2.1[any] 192.0.2.2[5000] udp -P in prio high none;
spdadd 192.0.2.1 192.0.2.2 any -P in discard;
EOF
n1 "$SETKEY" -f /tmp/sc6.1
udp_recv() {	# udp_recv PORT OUT: the first datagram's length, within 10 s
	rm -f "$2" "$2.ready"
	ip netns exec "$ns1" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.0.2.2', $1)); s.settimeout(10)
open('$2.ready', 'w').close()
try:
    print(len(s.recv(65535)))
except socket.timeout:
    print(0)" > "$2" &
}
udp_send() {	# udp_send PORT: one 3000-byte datagram, fragmented by ns0
	n0 /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'f' * 3000, ('192.0.2.2', $1))"
}
b0=$(stat "$ns1" InBypass) p0=$(stat "$ns1" InPolBlock)
udp_recv 5000 /tmp/sc6.r5000; r1=$!
udp_recv 6000 /tmp/sc6.r6000; r2=$!
wait_for 30 test -e /tmp/sc6.r5000.ready
wait_for 30 test -e /tmp/sc6.r6000.ready
udp_send 5000
udp_send 6000
wait $r1 $r2
assert "$(cat /tmp/sc6.r5000) == 3000" "3000 bytes in fragments to port 5000 delivered by BYPASS"
assert "$(cat /tmp/sc6.r6000) == 0" "the datagram to port 6000 refused whole"
assert "$(stat "$ns1" InBypass) - b0 == 1" "one BYPASS decision for the reassembled datagram"
assert "$(stat "$ns1" InPolBlock) - p0 == 1" "one DISCARD for the other (InPolBlock), fragments included"
echo "=== 4. ICMP errors: sent on the flow's SA, checked on arrival (§6.1.1, §6.1.2)"
# The tunnel now protects 10.0.0.64/26 <-> 10.0.1.1. ns0 forwards, and has
# no route to 10.0.0.99: it answers "host unreachable" from 10.0.0.1, an
# address outside the SA's selectors, about a packet that came through it.
cat > /tmp/sc6.0 <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x6101 -m tunnel -r 64 -E aes-gcm-16 $key;
add 192.0.2.2 192.0.2.1 esp 0x6102 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd 10.0.0.64/26 10.0.1.1/32 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.0.1.1/32 10.0.0.64/26 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
spdadd 10.0.1.1/32 10.0.0.64/26 any -P fwd ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
cat > /tmp/sc6.1 <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x6101 -m tunnel -r 64 -E aes-gcm-16 $key;
add 192.0.2.2 192.0.2.1 esp 0x6102 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd 10.0.1.1/32 10.0.0.64/26 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
spdadd 10.0.0.64/26 10.0.1.1/32 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
EOF
n0 "$SETKEY" -f /tmp/sc6.0
n1 "$SETKEY" -f /tmp/sc6.1
n0 sysctl -qw net.ipv4.ip_forward=1
n0 ip route add unreachable 10.0.0.99/32
n0 ip addr add 10.0.0.70/32 dev lo
n1 ip route add 10.0.0.64/26 dev veth1 src 10.0.1.1
printf 'table inet sc {\n counter plain_icmp {}\n chain post {\n  type filter hook postrouting priority 0;\n  oifname "veth0" ip protocol icmp counter name plain_icmp\n }\n}\n' > /tmp/sc6.nft0
n0 nft -f /tmp/sc6.nft0
e0=$(pkts_nfipsec "$ns0" 0x6101)
err=$(ip netns exec "$ns1" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 11, 1)	# IP_RECVERR: host unreachable is a soft error
s.bind(('10.0.1.1', 0)); s.connect(('10.0.0.99', 9)); s.settimeout(5)
s.send(b'hello')
try:
    s.recv(100)
    print('answer')
except OSError as e:
    print('EHOSTUNREACH' if e.errno == 113 else e)")
echo "UDP to 10.0.0.99: $err"
[ "$err" = EHOSTUNREACH ] || fail "the host unreachable error did not reach the sender"
echo "ok: the sender got EHOSTUNREACH, through the tunnel"
assert "$(pkts_nfipsec "$ns0" 0x6101) - ${e0:-0} == 1" "the error went out on the flow's SA (0x6101)"
assert "$(counter "$ns0" plain_icmp) == 0" "no ICMP left ns0 in clear"

# ns0 puts an error about traffic the SA never carried (10.0.1.1 ->
# 10.0.5.5) into the SA, from an address the SA does cover.
m0=$(stat "$ns1" InIcmpSelMismatch)
n0 /usr/bin/python3 -c "
import socket, struct
def csum(b):
    c = sum(int.from_bytes(b[i:i + 2], 'big') for i in range(0, len(b), 2))
    c = (c & 0xffff) + (c >> 16)
    return ~(c + (c >> 16)) & 0xffff
q = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0,
                          socket.inet_aton('10.0.1.1'), socket.inet_aton('10.0.5.5')))
q[10:12] = csum(q).to_bytes(2, 'big')
q += struct.pack('!HHHH', 40000, 9, 8, 0)
m = bytearray([3, 1, 0, 0, 0, 0, 0, 0]) + q
m[2:4] = csum(m).to_bytes(2, 'big')
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.bind(('10.0.0.70', 0))
s.sendto(bytes(m), ('10.0.1.1', 0))"
wait_for 5 above "$m0" stat "$ns1" InIcmpSelMismatch
echo "ok: an error quoting a flow outside the SA, arriving through it, dropped (InIcmpSelMismatch)"
echo "PASS"
