#!/bin/bash
# Seed scenario 2: Dixon's edge traversal. A laptop outside reaches an
# internal host through the site's security gateway: an ESP tunnel to the
# gateway (NULL encryption + HMAC-SHA-256: the gateway authenticates but
# need not hide), and inside it end-to-end ESP transport to the host,
# keyed between the laptop and the host: transport in tunnel, two peers.
# The gateway only ever sees, and forwards, the host's ESP.
#
#   +---------------------+         +-------------------------+         +---------------------+
#   | ns0: laptop         |         | ns1: gateway (forwards) |         | ns2: internal host  |
#   |  veth0 -------------+---------+- veth1          veth3 --+---------+- veth2              |
#   |  2001:db8::1        |         |  2001:db8::2  2001:db8:2::1       |  2001:db8:2::2      |
#   |  192.0.2.1          |         |  192.0.2.2    10.0.2.1  |         |  10.0.2.2           |
#   +---------------------+         +-------------------------+         +---------------------+
#      ESP tunnel laptop <-> gateway (NULL+HMAC):  0x?101 / 0x?102
#      ESP transport laptop <-> host (AES-GCM):    0x?201 / 0x?202     (? = 6 or 4)
#
# The laptop's policy for the host is a bundle: transport to the host, then
# tunnel to the gateway. The gateway's policies name ESP as their protocol
# (ESP that merely passes through is not covered by "any", output.c): the
# FWD policy admits the laptop's ESP to the LAN only out of the tunnel, the
# OUT policy puts the host's ESP back into it.
#
# Asserts, IPv6 (Dixon's case) and IPv4: ping and a TCP transfer laptop ->
# host; on the laptop-gateway wire only ESP to the gateway leaves the
# laptop, and what the tunnel carries is ESP again (protocol 50, readable
# under NULL encryption); on the LAN the host receives ESP from the
# laptop's own address. Negatives: the host without the inbound transport
# SA drops the traffic (InNoStates); the gateway without its FWD policy
# forwards nothing (InSelectorMismatch); the gateway without its OUT
# policy sends the replies outside the tunnel and the laptop refuses them
# (InTmplMismatch).
#
# Fragments (RFC 4301 §7, IPv4): the gateway tunnels the LAN to the laptop
# on an ANY-port SA; a 3000-byte UDP datagram from the host arrives in
# fragments, is reassembled before the SPD, tunnelled whole and arrives
# whole. A BYPASS entry for UDP port 6000 lets a fragmented datagram by in
# clear after reassembly; a lone non-initial fragment never reaches the
# SPD and never the LAN: dropped when reassembly times out (ReasmFails).
# netns-timeout: 900
set -e
here=$(cd "$(dirname "$0")" && pwd)
: "${XFER_BYTES:=1048576}"	# two transfers on a loaded TCG host
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"

load_nfipsec
cleanup_hooks=('diag_nfipsec "$ns0" "$ns1" "$ns2"' "${cleanup_hooks[@]}")
topo_line 10.0.2 2001:db8:2
n0 ip route add 10.0.2.0/24 via 192.0.2.2
n0 ip -6 route add 2001:db8:2::/64 via 2001:db8::2
n2 ip route add default via 10.0.2.1
n2 ip -6 route add default via 2001:db8:2::1
# Static neighbours on the outside link: every packet the laptop sends
# from its address there is then one the captures must account for.
neigh_pair
mac1=$(mac "$ns1" veth1)

ktun="-E null -A hmac-sha256 $(k 32 100)"
kend="-E aes-gcm-16 $(k 20 1)"

# The captures take what leaves by a device (-Q out): a receiver's tap
# also sees what it decapsulated and reinjected on the same device.

# scenario FAMILY: the whole of it over IPv6 (6) or IPv4 (4).
scenario() {
	local f=$1 L G H LAN pl six="" x t
	if [ "$f" = 6 ]; then
		L=2001:db8::1 G=2001:db8::2 H=2001:db8:2::2 LAN=2001:db8:2::/64 pl=128 six=-6
		t=0x61 x=0x62
	else
		L=192.0.2.1 G=192.0.2.2 H=10.0.2.2 LAN=10.0.2.0/24 pl=32
		t=0x41 x=0x42
	fi
	echo "=== IPv$f: laptop $L -> gateway $G -> host $H"
	cat > /tmp/lgh.0 <<-EOF
	flush;
	spdflush;
	add $L $G esp ${t}01 -m tunnel -r 64 $ktun;
	add $G $L esp ${t}02 -m tunnel -r 64 $ktun;
	add $L $H esp ${x}01 -m transport -r 64 $kend;
	add $H $L esp ${x}02 -m transport -r 64 $kend;
	spdadd $L/$pl $H/$pl any -P out ipsec esp/transport//require esp/tunnel/$L-$G/require;
	spdadd $H/$pl $L/$pl any -P in ipsec esp/transport//require esp/tunnel/$G-$L/require;
	EOF
	cat > /tmp/lgh.1 <<-EOF
	flush;
	spdflush;
	add $L $G esp ${t}01 -m tunnel -r 64 $ktun;
	add $G $L esp ${t}02 -m tunnel -r 64 $ktun;
	spdadd $L/$pl $LAN esp -P fwd ipsec esp/tunnel/$L-$G/require;
	spdadd $LAN $L/$pl esp -P out ipsec esp/tunnel/$G-$L/require;
	EOF
	cat > /tmp/lgh.2 <<-EOF
	flush;
	spdflush;
	add $L $H esp ${x}01 -m transport -r 64 $kend;
	add $H $L esp ${x}02 -m transport -r 64 $kend;
	spdadd $L/$pl $H/$pl any -P in ipsec esp/transport//require;
	spdadd $H/$pl $L/$pl any -P out ipsec esp/transport//require;
	EOF
	n0 "$SETKEY" -f /tmp/lgh.0
	n1 "$SETKEY" -f /tmp/lgh.1
	n2 "$SETKEY" -f /tmp/lgh.2

	capture_start wan "$ns0" veth0 -Q out
	capture_start lan "$ns1" veth3 -Q out
	n0 ping $six -q -c 3 -i 0.2 -W 2 "$H"
	xfer "$ns0" "$L" "$ns2" "$H"
	capture_stop wan lan
	local p
	p=$(pkts_nfipsec "$ns1" "${t}01")
	assert "${p:-0} >= 100" "the gateway decapsulated $p packets from the laptop's tunnel"
	p=$(pkts_nfipsec "$ns2" "${x}01")
	assert "${p:-0} >= 100" "the host decrypted $p packets of the laptop's transport SA"

	# The wire: IPv6 ESP is next header 50 (44 for a fragment); under NULL
	# encryption the tunnelled packet's own header follows ESP's 8 bytes.
	local all esp frag inner other
	if [ "$f" = 6 ]; then
		all=$(capture_count wan "ip6 src $L")
		esp=$(capture_count wan "ip6 src $L and ip6 dst $G and ip6[6] == 50")
		frag=$(capture_count wan "ip6 src $L and ip6 dst $G and ip6[6] == 44")
		inner=$(capture_count wan "ip6 src $L and ip6 dst $G and ip6[6] == 50 and ip6[54] == 50")
	else
		all=$(capture_count wan "ip src $L")
		esp=$(capture_count wan "ip src $L and ip dst $G and ip proto 50 and ip[6:2] & 0x1fff == 0")
		frag=$(capture_count wan "ip src $L and ip dst $G and ip proto 50 and ip[6:2] & 0x1fff != 0")
		inner=$(capture_count wan "ip src $L and ip dst $G and ip proto 50 and ip[6:2] & 0x1fff == 0 and ip[37] == 50")
	fi
	echo "laptop -> gateway wire: $all packets from the laptop, $esp ESP to the gateway, $frag fragments, $inner carrying ESP"
	assert "all >= 100 && all == esp + frag" "only ESP to the gateway left the laptop"
	assert "inner == esp" "inside the tunnel every packet is ESP again (transport in tunnel)"
	all=$(capture_count lan "src $L")
	if [ "$f" = 6 ]; then
		esp=$(capture_count lan "ip6 src $L and ip6 dst $H and ip6[6] == 50")
	else
		esp=$(capture_count lan "ip src $L and ip dst $H and ip proto 50")
	fi
	echo "gateway -> host wire: $all packets from the laptop's address, $esp ESP to the host"
	assert "all >= 100 && all == esp" "the gateway forwards to the host only ESP from the laptop's address"

	echo "--- negative: the host without the laptop's inbound transport SA"
	local before
	before=$(stat "$ns2" InNoStates)
	n2 "$SETKEY" -c <<< "delete $L $H esp ${x}01;"
	! n0 ping $six -q -c 2 -i 0.2 -W 1 "$H" || fail "ping reached the host without its SA"
	assert "$(stat "$ns2" InNoStates) - before >= 2" "the host dropped the laptop's ESP (InNoStates)"
	n2 "$SETKEY" -c <<< "add $L $H esp ${x}01 -m transport -r 64 $kend;"
	n0 ping $six -q -c 2 -i 0.2 -W 2 "$H"

	echo "--- negative: the gateway without its FWD policy"
	before=$(stat "$ns1" InSelectorMismatch)
	capture_start lan "$ns1" veth3 -Q out
	n1 "$SETKEY" -c <<< "spddelete $L/$pl $LAN esp -P fwd;"
	! n0 ping $six -q -c 2 -i 0.2 -W 1 "$H" || fail "ping went through without the FWD policy"
	capture_stop lan
	assert "$(stat "$ns1" InSelectorMismatch) - before >= 2" "the gateway dropped what the tunnel carried (InSelectorMismatch)"
	assert "$(capture_count lan "src $L") == 0" "nothing from the laptop reached the LAN"
	n1 "$SETKEY" -c <<< "spdadd $L/$pl $LAN esp -P fwd ipsec esp/tunnel/$L-$G/require;"
	n0 ping $six -q -c 2 -i 0.2 -W 2 "$H"

	echo "--- negative: the gateway without its OUT policy"
	before=$(stat "$ns0" InTmplMismatch)
	n1 "$SETKEY" -c <<< "spddelete $LAN $L/$pl esp -P out;"
	! n0 ping $six -q -c 2 -i 0.2 -W 1 "$H" || fail "the laptop accepted replies outside the tunnel"
	assert "$(stat "$ns0" InTmplMismatch) - before >= 2" "the laptop refused the host's ESP outside the tunnel (InTmplMismatch)"
	n1 "$SETKEY" -c <<< "spdadd $LAN $L/$pl esp -P out ipsec esp/tunnel/$G-$L/require;"
	n0 ping $six -q -c 2 -i 0.2 -W 2 "$H"
}

scenario 6
scenario 4

echo "=== fragments (RFC 4301 §7): forwarded through an ANY-port tunnel SA, and BYPASS"
# The gateway tunnels the whole LAN to the laptop, any protocol, any port;
# UDP to the host's port 6000 may come in clear (BYPASS).
cat > /tmp/lgh.0 <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x4301 -m tunnel -r 64 $ktun;
add 192.0.2.2 192.0.2.1 esp 0x4302 -m tunnel -r 64 $ktun;
spdadd 192.0.2.1/32 10.0.2.0/24 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.0.2.0/24 192.0.2.1/32 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
cat > /tmp/lgh.1 <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x4301 -m tunnel -r 64 $ktun;
add 192.0.2.2 192.0.2.1 esp 0x4302 -m tunnel -r 64 $ktun;
spdadd 192.0.2.1/32[any] 10.0.2.2/32[6000] udp -P fwd prio high none;
spdadd 192.0.2.1/32 10.0.2.0/24 any -P fwd ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.0.2.0/24 192.0.2.1/32 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
n0 "$SETKEY" -f /tmp/lgh.0
n1 "$SETKEY" -f /tmp/lgh.1
n2 "$SETKEY" -F
n2 "$SETKEY" -F -P
# udp_recv NS ADDR PORT OUT: the first datagram's length (0: none in 60 s;
# scapy alone can take 10 s to start on a loaded TCG host).
udp_recv() {
	rm -f "$4" "$4.ready"
	ip netns exec "$1" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$2', $3)); s.settimeout(60)
open('$4.ready', 'w').close()
try:
    print(len(s.recv(65535)))
except socket.timeout:
    print(0)" > "$4" &
	wait_for 30 test -e "$4.ready"
}
capture_start wanin "$ns1" veth1 -Q out
udp_recv "$ns0" 192.0.2.1 5000 /tmp/lgh.r5000; r=$!
n2 /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'f' * 3000, ('192.0.2.1', 5000))"
wait $r
capture_stop wanin
assert "$(cat /tmp/lgh.r5000) == 3000" "3000 bytes in fragments from the host arrived whole through the tunnel"
assert "$(capture_count wanin 'ip src 10.0.2.2') == 0" "none of it left the gateway in clear"
assert "$(capture_count wanin 'ip src 192.0.2.2 and ip proto 50') >= 2" "the tunnel's ESP packet left the gateway in fragments"
p=$(pkts_nfipsec "$ns1" 0x4302)
assert "${p:-0} == 1" "the gateway protected the reassembled datagram as one packet"

# The laptop side in clear, from a raw link-layer socket (no SPD on the
# way out): a fragmented datagram to the BYPASS port, then a lone
# non-initial fragment of one.
n1 sysctl -qw net.ipv4.ipfrag_time=3
frags() {	# frags WHICH: 'all' fragments of a datagram to 10.0.2.2:6000, or only the 'second'
	n0 /usr/bin/python3 -c "
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.sendrecv import sendp
import random
p = IP(src='192.0.2.1', dst='10.0.2.2', id=random.randrange(1, 65535)) / UDP(sport=7000, dport=6000) / Raw(b'g' * 2500)
fs = fragment(p, fragsize=1200)
if '$1' == 'second':
    fs = fs[1:2]
sendp([Ether(dst='$mac1') / f for f in fs], iface='veth0', verbose=False)"
}
b0=$(stat "$ns1" InBypass)
capture_start lan "$ns1" veth3 -Q out
udp_recv "$ns2" 10.0.2.2 6000 /tmp/lgh.r6000; r=$!
frags all
wait $r
capture_stop lan
if [ "$(cat /tmp/lgh.r6000)" != 2500 ]; then
	capture_show lan
	for n in "$ns1" "$ns2"; do ip netns exec "$n" grep ^Ip: /proc/net/snmp; done
fi
assert "$(cat /tmp/lgh.r6000) == 2500" "a fragmented datagram to the BYPASS port arrived whole"
assert "$(stat "$ns1" InBypass) - b0 == 1" "one BYPASS decision, on the reassembled datagram"
reasm() { ip netns exec "$ns1" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) n[$i] = i; h = 1 } else print $n["ReasmFails"] }' /proc/net/snmp; }
f0=$(reasm) b0=$(stat "$ns1" InBypass)
capture_start lan "$ns1" veth3 -Q out
frags second
wait_for 15 above "$f0" reasm
capture_stop lan
echo "ok: the lone non-initial fragment was dropped when reassembly timed out (ReasmFails $f0 -> $(reasm))"
assert "$(capture_count lan 'src 192.0.2.1') == 0" "it never reached the LAN"
assert "$(stat "$ns1" InBypass) == b0" "and never reached the SPD"
echo "PASS"
