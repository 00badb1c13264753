#!/bin/bash
# Seed scenario 6, PMTU part (RFC 4301 §8): a router in the middle whose
# far link has a smaller MTU answers our DF (IPv4, -df set) and IPv6 ESP
# packets with real Frag Needed / Packet Too Big errors; the SA learns the
# path MTU, the inner source is told what is left of it after ESP, and
# the value ages.
#
#   +--------------------+      +---------------------+        +---------------------+
#   | ns0: host A        |      | ns1: router         |        | ns2: host B         |
#   |  lo 10.0.0.1       |      |                     |  MTU   |  lo 10.0.1.1        |
#   |     fd00::1        |      |                     |  1400  |     fd00:1::1       |
#   |  veth0 192.0.2.1 --+------+- veth1 192.0.2.2    |        |                     |
#   |    2001:db8::1     |      |    2001:db8::2      |        |                     |
#   |                    |      |  veth3 198.51.100.1-+========+- veth2 198.51.100.2 |
#   |                    |      |    2001:db8:1::1    |        |    2001:db8:1::2    |
#   +--------------------+      +---------------------+        +---------------------+
#     ESP tunnels ns0 <-> ns2, AES-GCM: 0x7001/0x7002 (IPv4, outer DF set),
#                                       0x7003/0x7004 (IPv6)
#
# Asserts: the router's error lowers SA 0x7001's path MTU to 1400
# (/proc/net/nfipsec_pmtu, InPmtuUpdate); an inner DF packet too big for
# it is answered to its source with 1400 - 20 - 32 - 2 = 1346 (OutTooBig);
# a DF TCP transfer converges (sha256); IPv6 the same (1326); the value
# ages (module parameter pmtu_expires) and is learnt again.
# Negative: an error quoting an SPI we do not use, or our SA from another
# source, or an increase, changes nothing and is counted (InPmtuIgnored).
set -e
here=$(cd "$(dirname "$0")" && pwd)
: "${XFER_BYTES:=1048576}"	# two transfers on a loaded TCG host
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"

diag_pmtu() {
	local n
	diag_nfipsec "$ns0" "$ns2"
	for n in "$ns0" "$ns2"; do
		echo "--- $n path MTUs:"
		ip netns exec "$n" cat /proc/net/nfipsec_pmtu 2>/dev/null
	done
}
load_nfipsec
cleanup_hooks=(diag_pmtu "${cleanup_hooks[@]}")
topo_line 198.51.100 2001:db8:1
n1 ip link set veth3 mtu 1400
n2 ip link set veth2 mtu 1400
n0 ip addr add 10.0.0.1/32 dev lo
n0 ip addr add fd00::1/128 dev lo nodad
n2 ip addr add 10.0.1.1/32 dev lo
n2 ip addr add fd00:1::1/128 dev lo nodad
n0 ip route add 198.51.100.0/24 via 192.0.2.2
n0 ip route add 10.0.1.1/32 via 192.0.2.2 src 10.0.0.1
n0 ip -6 route add 2001:db8:1::/64 via 2001:db8::2
n0 ip -6 route add fd00:1::1/128 via 2001:db8::2 src fd00::1
n2 ip route add 192.0.2.0/24 via 198.51.100.1
n2 ip route add 10.0.0.1/32 via 198.51.100.1 src 10.0.1.1
n2 ip -6 route add 2001:db8::/64 via 2001:db8:1::1
n2 ip -6 route add fd00::1/128 via 2001:db8:1::1 src fd00:1::1

key=$(k 20 1)
sas="add 192.0.2.1 198.51.100.2 esp 0x7001 -m tunnel -df set -r 64 -E aes-gcm-16 $key;
add 198.51.100.2 192.0.2.1 esp 0x7002 -m tunnel -df set -r 64 -E aes-gcm-16 $key;
add 2001:db8::1 2001:db8:1::2 esp 0x7003 -m tunnel -r 64 -E aes-gcm-16 $key;
add 2001:db8:1::2 2001:db8::1 esp 0x7004 -m tunnel -r 64 -E aes-gcm-16 $key;"
cat > /tmp/pmtu.0 <<EOF
$sas
spdadd 10.0.0.1/32 10.0.1.1/32 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.2/require;
spdadd 10.0.1.1/32 10.0.0.1/32 any -P in ipsec esp/tunnel/198.51.100.2-192.0.2.1/require;
spdadd fd00::1/128 fd00:1::1/128 any -P out ipsec esp/tunnel/2001:db8::1-2001:db8:1::2/require;
spdadd fd00:1::1/128 fd00::1/128 any -P in ipsec esp/tunnel/2001:db8:1::2-2001:db8::1/require;
EOF
cat > /tmp/pmtu.2 <<EOF
$sas
spdadd 10.0.1.1/32 10.0.0.1/32 any -P out ipsec esp/tunnel/198.51.100.2-192.0.2.1/require;
spdadd 10.0.0.1/32 10.0.1.1/32 any -P in ipsec esp/tunnel/192.0.2.1-198.51.100.2/require;
spdadd fd00:1::1/128 fd00::1/128 any -P out ipsec esp/tunnel/2001:db8:1::2-2001:db8::1/require;
spdadd fd00::1/128 fd00:1::1/128 any -P in ipsec esp/tunnel/2001:db8::1-2001:db8:1::2/require;
EOF
n0 "$SETKEY" -f /tmp/pmtu.0
n2 "$SETKEY" -f /tmp/pmtu.2
param=/sys/module/nfipsec/parameters/pmtu_expires
echo 600 > $param

# pmtu_of NS SPI: the path MTU /proc/net/nfipsec_pmtu shows for SPI, or 0.
pmtu_of() {
	ip netns exec "$1" awk -v s="$(printf '0x%08x' "$2")" \
		'$2 == s { print $5; f = 1 } END { if (!f) print 0 }' /proc/net/nfipsec_pmtu
}

pmtu_is() { [ "$(pmtu_of "$1" "$2")" = "$3" ]; }	# for wait_for

echo "=== 1. IPv4: the router's Frag Needed sets the SA's path MTU"
n0 ping -q -c 2 -i 0.2 -W 2 -I 10.0.0.1 10.0.1.1
assert "$(pmtu_of "$ns0" 0x7001) == 0" "no path MTU before any error"
u0=$(stat "$ns0" InPmtuUpdate)
# 1372 bytes of data: a 1400-byte inner packet, 1454 outer, with DF.
n0 ping -q -c 1 -W 1 -M do -s 1372 -I 10.0.0.1 10.0.1.1 || true
wait_for 5 above "$u0" stat "$ns0" InPmtuUpdate
assert "$(pmtu_of "$ns0" 0x7001) == 1400" "SA 0x7001's path MTU is the router's 1400"

echo "=== 2. IPv4: the inner source is told the MTU left after ESP"
t0=$(stat "$ns0" OutTooBig)
pretty ns0 "ping -c 2 -M do -s 1372 -I 10.0.0.1 10.0.1.1"
out=$(ip netns exec "$ns0" ping -c 2 -i 0.3 -W 1 -M do -s 1372 -I 10.0.0.1 10.0.1.1 2>&1 || true)
echo "$out"
grep -Eq 'mtu ?[=:]? ?1346' <<< "$out" || fail "ping was not told mtu 1346"
echo "ok: the inner source got Frag Needed with 1400 - 54 = 1346"
assert "$(stat "$ns0" OutTooBig) > t0" "counted OutTooBig"
n0 ping -q -c 2 -i 0.2 -W 2 -M do -s 1318 -I 10.0.0.1 10.0.1.1
echo "ok: a DF packet of exactly 1346 bytes goes through"
xfer "$ns0" 10.0.0.1 "$ns2" 10.0.1.1
assert "$(pmtu_of "$ns0" 0x7001) == 1400" "still 1400 after the TCP transfer"

echo "=== 3. IPv6: Packet Too Big; 1400 - 40 - 32 - 2 = 1326 for the inner packet"
u0=$(stat "$ns0" InPmtuUpdate)
n0 ping -q -c 1 -W 1 -M do -s 1350 -I fd00::1 fd00:1::1 || true
wait_for 5 above "$u0" stat "$ns0" InPmtuUpdate
assert "$(pmtu_of "$ns0" 0x7003) == 1400" "SA 0x7003's path MTU is 1400"
pretty ns0 "ping -c 2 -M do -s 1350 -I fd00::1 fd00:1::1"
out=$(ip netns exec "$ns0" ping -c 2 -i 0.3 -W 1 -M do -s 1350 -I fd00::1 fd00:1::1 2>&1 || true)
echo "$out"
grep -Eq 'mtu ?[=:]? ?1326' <<< "$out" || fail "ping -6 was not told mtu 1326"
echo "ok: the inner source got Packet Too Big with 1326"
xfer "$ns0" fd00::1 "$ns2" fd00:1::1

echo "=== 4. negative: errors that are not about our packets change nothing"
# craft SRC DST SPI MTU: a Frag Needed from the router to ns0, quoting an
# ESP packet SRC -> DST of 1500 bytes with SPI.
craft() {
	pretty ns1 "Frag Needed (mtu $4) quoting ESP $1 -> $2 spi $3"
	ip netns exec "$ns1" /usr/bin/python3 -c "
import socket, struct
def csum(b):
    c = sum(int.from_bytes(b[i:i + 2], 'big') for i in range(0, len(b), 2))
    c = (c & 0xffff) + (c >> 16)
    return ~(c + (c >> 16)) & 0xffff
q = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 1500, 1, 0x4000, 63, 50, 0,
                          socket.inet_aton('$1'), socket.inet_aton('$2')))
q[10:12] = csum(q).to_bytes(2, 'big')
q += struct.pack('!II', $3, 1)
m = bytearray(struct.pack('!BBHHH', 3, 4, 0, 0, $4)) + q
m[2:4] = csum(m).to_bytes(2, 'big')
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(bytes(m), ('192.0.2.1', 0))"
}
i0=$(stat "$ns0" InPmtuIgnored) u0=$(stat "$ns0" InPmtuUpdate)
craft 192.0.2.1 198.51.100.2 0xdead 600
wait_for 5 above "$i0" stat "$ns0" InPmtuIgnored
echo "ok: a Frag Needed quoting SPI 0xdead, which we never used, is ignored (InPmtuIgnored)"
craft 192.0.2.9 198.51.100.2 0x7001 600
wait_for 5 above "$((i0 + 1))" stat "$ns0" InPmtuIgnored
echo "ok: one quoting our SPI from another source is ignored"
craft 192.0.2.1 198.51.100.2 0x7001 1450
wait_for 5 above "$((i0 + 2))" stat "$ns0" InPmtuIgnored
echo "ok: one raising the path MTU is ignored"
assert "$(stat "$ns0" InPmtuUpdate) == u0" "none of them counted as an update"
assert "$(pmtu_of "$ns0" 0x7001) == 1400" "SA 0x7001's path MTU unchanged"

echo "=== 5. aging (RFC 4301 §8.2.2): the value expires and is learnt again"
echo 2 > $param
wait_for 10 pmtu_is "$ns0" 0x7001 0
assert "$(pmtu_of "$ns0" 0x7003) == 0" "both path MTUs aged out (pmtu_expires 2 s)"
# The inner route still remembers 1346 from step 2: a new route forgets.
n0 ip route del 10.0.1.1/32
n0 ip route add 10.0.1.1/32 via 192.0.2.2 src 10.0.0.1
u0=$(stat "$ns0" InPmtuUpdate)
n0 ping -q -c 1 -W 1 -M do -s 1372 -I 10.0.0.1 10.0.1.1 || true
wait_for 5 above "$u0" stat "$ns0" InPmtuUpdate
echo "ok: a full-size packet went out again and the router's error set it anew"
assert "$(pmtu_of "$ns0" 0x7001) == 1400" "SA 0x7001's path MTU learnt again: 1400"
start=$SECONDS
wait_for 10 pmtu_is "$ns0" 0x7001 0
echo "ok: and the fresh value aged out too, after about $((SECONDS - start)) s"
echo 600 > $param
echo "PASS"
