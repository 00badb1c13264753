#!/bin/bash
# keyd/setkey against Linux's own af_key (PF_KEY -> XFRM), no nfipsec.
#
#   +----------------------+                +----------------------+
#   | ns0                  |                | ns1                  |
#   |  veth0 --------------+----------------+-------------- veth1  |
#   |  192.0.2.1/24        |   ESP (v4:     |  192.0.2.2/24        |
#   |  2001:db8::1/64      |   aes-cbc+sha256, v6 echo: null+sha1)  |
#   |  SPIs out 0x1001/0x6001                 out 0x1002/0x6002    |
#   +----------------------+                +----------------------+
#
# Both namespaces are keyed with setkey scripts; pings must cross, the XFRM
# SA counters must show them, setkey -D/-DP must list what was added, and
# delete/deleteall/spddelete/flush must leave both databases empty. Then
# tunnel mode between 10.10.0.1 (ns0 lo) and 10.20.0.1 (ns1 lo), and
# update, getspi and esp-udp.
# af_key and nfipsec both register PF_KEY, so nfipsec must not be loaded.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
SETKEY=$here/../../keyd/setkey/setkey
[ -x "$SETKEY" ] || fail "build keyd/setkey/setkey first (make -C keyd)"
grep -q '^nfipsec ' /proc/modules && fail "nfipsec is loaded; it owns PF_KEY"
pretty host "modprobe af_key"
if ! modprobe af_key; then
	# A test kernel built without CONFIG_NET_KEY: nothing to drive.
	echo "SKIP: this kernel has no af_key"
	exit 77
fi
cleanup_hooks+=("rmmod af_key 2>/dev/null")
topo_pair

ek=0x00112233445566778899aabbccddeeff
ak=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
conf() {	# conf LOCAL_V4 PEER_V4 LOCAL_V6 PEER_V6 OUT_SPI IN_SPI OUT6 IN6
	cat <<-EOF
	# SAD: one SA each way per family
	flush;
	spdflush;
	add $1 $2 esp $5 -m transport -r 32 -u 0
	    -E aes-cbc $ek -A hmac-sha256 $ak;
	add $2 $1 esp $6 -m transport -r 32
	    -E aes-cbc $ek -A hmac-sha256 $ak;
	add -6 $3 $4 esp $7 -m transport -E null -A hmac-sha1 "0123456789abcdefghij";
	add -6 $4 $3 esp $8 -m transport -E null -A hmac-sha1 "0123456789abcdefghij";
	# SPD: everything v4; v6 only echo request/reply, so ND stays clear
	spdadd $1 $2 any -P out ipsec esp/transport//require;
	spdadd $2 $1 any -P in ipsec esp/transport//require;
	spdadd $3 $4 icmp6 128,0 -P out ipsec esp/transport//require;
	spdadd $3 $4 icmp6 129,0 -P out ipsec esp/transport//require;
	spdadd $4 $3 icmp6 128,0 -P in ipsec esp/transport//require;
	spdadd $4 $3 icmp6 129,0 -P in ipsec esp/transport//require;
	EOF
}
conf 192.0.2.1 192.0.2.2 2001:db8::1 2001:db8::2 0x1001 0x1002 0x6001 0x6002 > /tmp/sk0.conf
conf 192.0.2.2 192.0.2.1 2001:db8::2 2001:db8::1 0x1002 0x1001 0x6002 0x6001 > /tmp/sk1.conf

# -x in ns1 sees every PF_KEY message of ns1 while it is keyed.
ip netns exec "$ns1" "$SETKEY" -x > /tmp/sk-x.out 2>&1 &
xpid=$!
cleanup_hooks+=("kill $xpid 2>/dev/null")
sleep 0.5
n0 "$SETKEY" -f /tmp/sk0.conf
n1 "$SETKEY" -f /tmp/sk1.conf
sleep 0.5
kill "$xpid"; wait "$xpid" 2>/dev/null || true
nadd=$(grep -c 'type=3 ' /tmp/sk-x.out || true)
assert "$nadd >= 4" "setkey -x saw the SADB_ADDs ($nadd)"

n0 ip xfrm state
n0 ip xfrm policy

n0 ping -c 3 -i 0.2 -W 2 192.0.2.2
n0 ping -6 -c 3 -i 0.2 -W 2 2001:db8::2

pkts() {	# pkts NS SRC DST SPI: packets through that SA
	ip netns exec "$1" ip -s xfrm state get src "$2" dst "$3" proto esp spi "$4" |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -1
}
p=$(pkts "$ns1" 192.0.2.1 192.0.2.2 0x1001); assert "${p:-0} >= 3" "ns1 decrypted $p v4 ESP packets"
p=$(pkts "$ns0" 192.0.2.2 192.0.2.1 0x1002); assert "${p:-0} >= 3" "ns0 decrypted $p v4 ESP replies"
p=$(pkts "$ns1" 2001:db8::1 2001:db8::2 0x6001); assert "${p:-0} >= 3" "ns1 took $p v6 ESP packets"
p=$(pkts "$ns0" 2001:db8::2 2001:db8::1 0x6002); assert "${p:-0} >= 3" "ns0 took $p v6 ESP replies"
ip netns exec "$ns0" ip -s xfrm state | grep -q 'replay-window 32' || fail "-r 32 not applied"

# What setkey dumps is what was added.
n0 "$SETKEY" -D | tee /tmp/sk-D.out
n=$(grep -c 'esp mode=transport' /tmp/sk-D.out); assert "$n == 4" "setkey -D lists 4 SAs"
grep -q '^192.0.2.1 192.0.2.2 $' /tmp/sk-D.out || fail "-D lacks 192.0.2.1 -> .2"
grep -q 'spi=4097(0x00001001)' /tmp/sk-D.out || fail "-D lacks SPI 0x1001"
grep -q 'E: aes-cbc  00112233 44556677 8899aabb ccddeeff' /tmp/sk-D.out || fail "-D lacks the aes-cbc key"
grep -q 'A: hmac-sha256  00010203' /tmp/sk-D.out || fail "-D lacks the hmac-sha256 key"
grep -q 'A: hmac-sha1  30313233' /tmp/sk-D.out || fail "-D lacks the hmac-sha1 key"
grep -q 'state=mature' /tmp/sk-D.out || fail "-D lacks state=mature"

n0 "$SETKEY" -DP | tee /tmp/sk-DP.out
n=$(grep -c 'esp/transport//require' /tmp/sk-DP.out); assert "$n == 6" "setkey -DP lists 6 policies"
grep -q '^192.0.2.1\[any\] 192.0.2.2\[any\] any$' /tmp/sk-DP.out || fail "-DP lacks the v4 out selector"
grep -q '^2001:db8::1 2001:db8::2 ipv6-icmp 128,0$' /tmp/sk-DP.out ||
	grep -q '^2001:db8::1 2001:db8::2 icmp6 128,0$' /tmp/sk-DP.out || fail "-DP lacks the icmp6 128 selector"
grep -q 'out prio def ipsec' /tmp/sk-DP.out || fail "-DP lacks 'out prio def ipsec'"
grep -q 'in prio def ipsec' /tmp/sk-DP.out || fail "-DP lacks 'in prio def ipsec'"

# get prints one SA; a duplicate add fails with the script's line number.
echo "get 192.0.2.1 192.0.2.2 esp 0x1001;" | n0 "$SETKEY" -c | tee /tmp/sk-get.out
grep -q 'spi=4097(0x00001001)' /tmp/sk-get.out || fail "get did not print the SA"
cat > /tmp/sk-dup.conf <<-EOF
	# the second add of the same SPI must fail, naming line 3
	add 192.0.2.1 192.0.2.2 ah 0x2000 -A hmac-md5 "0123456789abcdef";
	add 192.0.2.1 192.0.2.2 ah 0x2000 -A hmac-md5 "0123456789abcdef";
	EOF
rc=0; n0 "$SETKEY" -f /tmp/sk-dup.conf 2> /tmp/sk-dup.err || rc=$?
cat /tmp/sk-dup.err
assert "$rc != 0" "duplicate add fails"
grep -q 'sk-dup.conf:3: add: File exists' /tmp/sk-dup.err || fail "error lacks file:line"
# AEAD through af_key: report what the kernel says, either way.
if echo 'add 192.0.2.1 192.0.2.2 esp 0x3000 -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;' |
	ip netns exec "$ns0" "$SETKEY" -c; then
	echo "note: af_key took aes-gcm-16"
	echo 'delete 192.0.2.1 192.0.2.2 esp 0x3000;' | n0 "$SETKEY" -c
else
	echo "note: af_key refused aes-gcm-16 (it has no AEAD support)"
fi

# Take it apart again, a piece at a time.
n0 "$SETKEY" -c <<-EOF
	delete 192.0.2.1 192.0.2.2 esp 0x1001;
	delete 192.0.2.1 192.0.2.2 ah 0x2000;
	deleteall 2001:db8::1 2001:db8::2 esp;
	spddelete 192.0.2.1 192.0.2.2 any -P out;
	spddelete 2001:db8::1 2001:db8::2 icmp6 128,0 -P out;
	EOF
n0 "$SETKEY" -D > /tmp/sk-D2.out
n=$(grep -c 'esp mode=' /tmp/sk-D2.out || true); assert "$n == 2" "2 SAs left after delete/deleteall"
grep -q 'spi=4097(' /tmp/sk-D2.out && fail "SPI 0x1001 survived delete"
grep -q 'spi=24577(' /tmp/sk-D2.out && fail "SPI 0x6001 survived deleteall"
n=$(n0 ip xfrm policy | grep -c '^src' || true); assert "$n == 4" "4 policies left after spddelete"

for ns in "$ns0" "$ns1"; do
	pretty "${ns%-*}" "setkey -F; setkey -FP"
	ip netns exec "$ns" "$SETKEY" -F
	ip netns exec "$ns" "$SETKEY" -FP
	out=$(ip netns exec "$ns" "$SETKEY" -D); echo "$out"
	[ "$out" = "No SAD entries." ] || fail "$ns: SAD not empty after -F"
	out=$(ip netns exec "$ns" "$SETKEY" -DP); echo "$out"
	[ "$out" = "No SPD entries." ] || fail "$ns: SPD not empty after -FP"
	[ -z "$(ip netns exec "$ns" ip xfrm state)" ] || fail "$ns: ip xfrm state not empty"
	[ -z "$(ip netns exec "$ns" ip xfrm policy)" ] || fail "$ns: ip xfrm policy not empty"
done
# Tunnel mode between two inner hosts, with unique reqids (bundles of one).
n0 ip addr add 10.10.0.1/32 dev lo
n1 ip addr add 10.20.0.1/32 dev lo
n0 ip route add 10.20.0.1/32 via 192.0.2.2
n1 ip route add 10.10.0.1/32 via 192.0.2.1
hk=0x000102030405060708090a0b0c0d0e0f10111213
tunnel() {	# tunnel LOCAL PEER INNER_LOCAL INNER_PEER OUT_SPI IN_SPI OUT_REQID IN_REQID
	cat <<-EOF
	add $1 $2 esp $5 -m tunnel -u $7 -E aes-cbc $ek -A hmac-sha1 $hk;
	add $2 $1 esp $6 -m tunnel -u $8 -E aes-cbc $ek -A hmac-sha1 $hk;
	spdadd $3 $4 any -P out ipsec esp/tunnel/$1-$2/unique:$7;
	spdadd $4 $3 any -P in ipsec esp/tunnel/$2-$1/unique:$8;
	EOF
}
tunnel 192.0.2.1 192.0.2.2 10.10.0.1 10.20.0.1 0x2001 0x2002 100 101 > /tmp/skt0.conf
tunnel 192.0.2.2 192.0.2.1 10.20.0.1 10.10.0.1 0x2002 0x2001 101 100 > /tmp/skt1.conf
n0 "$SETKEY" -f /tmp/skt0.conf
n1 "$SETKEY" -f /tmp/skt1.conf
n0 ping -c 3 -i 0.2 -W 2 -I 10.10.0.1 10.20.0.1
p=$(pkts "$ns1" 192.0.2.1 192.0.2.2 0x2001); assert "${p:-0} >= 3" "ns1 took $p tunnel-mode ESP packets"
n0 "$SETKEY" -DP | tee /tmp/sk-DPt.out
grep -q 'esp/tunnel/192.0.2.1-192.0.2.2/unique:100' /tmp/sk-DPt.out || fail "-DP lacks the tunnel request"
grep -q '^10.10.0.1\[any\] 10.20.0.1\[any\] any$' /tmp/sk-DPt.out || fail "-DP lacks the inner selector"

# update, getspi and esp-udp, through af_key.
n0 "$SETKEY" -c <<-EOF
	update 192.0.2.1 192.0.2.2 esp 0x2001 -m tunnel -u 100 -lh 600 -ls 500
	    -E aes-cbc $ek -A hmac-sha1 $hk;
	add 192.0.2.1[4500] 192.0.2.2[4501] esp-udp 0x9100 -m transport
	    -E aes-cbc $ek -A hmac-sha1 $hk;
	EOF
echo "getspi 192.0.2.1 192.0.2.2 esp 0x9000;" | n0 "$SETKEY" -c | tee /tmp/sk-spi.out
grep -q 'spi=36864(0x00009000)' /tmp/sk-spi.out || fail "getspi did not reserve 0x9000"
grep -q 'state=larval' /tmp/sk-spi.out || fail "getspi's SA is not larval"
n0 "$SETKEY" -D | tee /tmp/sk-D3.out
grep -A6 'spi=8193(' /tmp/sk-D3.out | grep -q 'hard: 600(s).soft: 500(s)' || fail "update did not set lifetimes"
grep -q '^192.0.2.1\[4500\] 192.0.2.2\[4501\] $' /tmp/sk-D3.out || fail "-D lacks the NAT-T ports"
grep -q 'esp-udp mode=transport spi=37120(' /tmp/sk-D3.out || fail "-D lacks the esp-udp SA"
n0 ip xfrm state | grep -q 'encap type espinudp sport 4500 dport 4501' || fail "XFRM has no UDP encapsulation"

for ns in "$ns0" "$ns1"; do
	ip netns exec "$ns" "$SETKEY" -F
	ip netns exec "$ns" "$SETKEY" -FP
	[ "$(ip netns exec "$ns" "$SETKEY" -D)" = "No SAD entries." ] || fail "$ns: SAD not empty"
	[ "$(ip netns exec "$ns" "$SETKEY" -DP)" = "No SPD entries." ] || fail "$ns: SPD not empty"
done
echo "PASS: setkey drives af_key"
