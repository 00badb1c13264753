#!/bin/bash
# FreeBSD-style setkey scripts (tests/setkey/*.conf, written the way
# FreeBSD's tests/sys/netipsec/tunnel/utils.subr writes them: flush,
# spdflush, add, spdadd, literal addresses) run unchanged by our setkey in
# both namespaces over nfipsec. Each case: pings both ways, a checked TCP
# transfer, the inbound SA's packet count moving on both sides, and a
# capture on the wire with ESP or AH and no plaintext ICMP or TCP.
#
#   +-------------------------------+          +-------------------------------+
#   | ns0  lo 198.51.100.1          |          | ns1  lo 203.0.113.1           |
#   |      lo 2001:db8:1::1         |          |      lo 2001:db8:2::1         |
#   |  veth0 192.0.2.1 -------------+- ESP/AH -+------------ veth1 192.0.2.2 |
#   |        2001:db8::1            |          |              2001:db8::2      |
#   +-------------------------------+          +-------------------------------+
#
# Cases (tests/setkey/CASE.ns0.conf, CASE.ns1.conf): transport IPv4 AES-GCM,
# tunnel IPv4 AES-CBC + HMAC-SHA-256, tunnel IPv6 AES-GCM, transport IPv6
# NULL + HMAC-SHA-256, transport IPv4 AH, tunnel IPv6 AH.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
XFER_BYTES=${XFER_BYTES:-262144}
. "$here/ipsec-lib.bash"	# SETKEY, TCPXFER, xfer, pkts_nfipsec
confs=$here/../setkey
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 77; }

load_nfipsec
topo_pair
n0 ip addr add 198.51.100.1/32 dev lo
n1 ip addr add 203.0.113.1/32 dev lo
n0 ip addr add 2001:db8:1::1/128 dev lo
n1 ip addr add 2001:db8:2::1/128 dev lo
# src: the TCP transfer's connect() must pick the inner address too.
n0 ip route add 203.0.113.1/32 via 192.0.2.2 src 198.51.100.1
n1 ip route add 198.51.100.1/32 via 192.0.2.1 src 203.0.113.1
n0 ip -6 route add 2001:db8:2::1/128 via 2001:db8::2 src 2001:db8:1::1
n1 ip -6 route add 2001:db8:1::1/128 via 2001:db8::1 src 2001:db8:2::1

# both FILTER: the packets of both sides' captures that match FILTER.
both() { capture_read out0 "$1"; capture_read out1 "$1"; }

# case NAME PROTO SPI_IN0 SPI_IN1 ADDR0 ADDR1
one_case() {
	local name=$1 proto=$2 in0=$3 in1=$4 a0=$5 a1=$6 p6=
	echo "=== $name"
	n0 "$SETKEY" -f "$confs/$name.ns0.conf"
	n1 "$SETKEY" -f "$confs/$name.ns1.conf"
	case $a0 in *:*) p6=-6 ;; esac
	# What each side puts on the wire (-Q out: a decapsulated packet
	# handed back to the stack shows up as input on the same device).
	capture_start out0 "$ns0" veth0 -Q out
	capture_start out1 "$ns1" veth1 -Q out
	n0 ping $p6 -c 3 -i 0.2 -W 2 -I "$a0" "$a1"
	n1 ping $p6 -c 3 -i 0.2 -W 2 -I "$a1" "$a0"
	xfer "$ns0" "$a0" "$ns1" "$a1"
	capture_stop out0 out1
	local p0 p1 wire clear
	p1=$(pkts_nfipsec "$ns1" "$in1"); p0=$(pkts_nfipsec "$ns0" "$in0")
	assert "${p1:-0} >= 6" "$name: ns1's inbound SA $in1 counted $p1 packets"
	assert "${p0:-0} >= 6" "$name: ns0's inbound SA $in0 counted $p0 packets"
	wire=$(both "$proto" | wc -l)
	clear=$(both "icmp or icmp6 or tcp" |
		grep -v -e 'neighbor' -e 'router' -e 'multicast listener' -c || true)
	assert "$wire >= 12" "$name: $wire $proto packets on the wire"
	assert "$clear == 0" "$name: no plaintext ICMP or TCP on the wire ($clear)"
	n0 "$SETKEY" -F; n0 "$SETKEY" -FP
	n1 "$SETKEY" -F; n1 "$SETKEY" -FP
}

one_case transport-v4-aes-gcm esp 0x1001 0x1000 192.0.2.1 192.0.2.2
one_case tunnel-v4-aes-cbc-sha256 esp 0x2001 0x2000 198.51.100.1 203.0.113.1
one_case tunnel-v6-aes-gcm esp 0x3001 0x3000 2001:db8:1::1 2001:db8:2::1
one_case transport-v6-null-sha256 esp 0x4001 0x4000 2001:db8::1 2001:db8::2
one_case transport-v4-ah-sha256 ah 0x5001 0x5000 192.0.2.1 192.0.2.2
one_case tunnel-v6-ah-sha256 ah 0x6001 0x6000 2001:db8:1::1 2001:db8:2::1
echo "setkey-freebsd.sh: PASS"
