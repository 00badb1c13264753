#!/bin/bash
# Seed scenario 3: draft-tschofenig-v6ops-secure-tunnels-01, IPv6 over
# IPv4 tunnels protected by IPsec, keyed by hand through PF_KEY
# (keyd/setkey) until keyd negotiates them.
#
#   +-------------------+       +------------------------+       +----------------------+
#   | ns0: host A,      |       | ns1: router A / router |       | ns2: router B / host |
#   |  server           |       |                        |       |                      |
#   |  2001:db8:a::10   |       |  2001:db8:a::1         |       |  lo: 2001:db8:b::1   |
#   |  2001:db8:a::20   |       |                        |       |      2001:db8:e::1   |
#   |  veth0 -----------+-------+-- veth1      veth2 ----+-------+---- veth3             |
#   |                   |       |            198.51.100.1|  IPv4 |  198.51.100.2        |
#   |                   |       |  sit6in4 =============(proto 41 in ESP transport)      |
#   |                   |       |  2001:db8:ff::1        |       |  2001:db8:ff::2      |
#   +-------------------+       +------------------------+       +----------------------+
#
# A. Router to router (§3.1, §2.1): a configured 6in4 tunnel (sit) between
#    ns1 and ns2, its protocol-41 packets protected by ESP transport
#    between the IPv4 endpoints. Host A reaches router B's network through
#    it. Transport mode does not vouch for the inner IPv6 source: a spoofed
#    one is refused by IPv6 ingress filtering (strict RPF on the sit
#    interface, nftables fib). Negative: plaintext 6in4 from the right IPv4
#    address is refused (InTmplMismatch); without the filter, the spoofed
#    packet would get in (shown, then the filter is put back).
# B. Host to host (§3.3, §2.2): an IPv6-in-IPv4 ESP tunnel between ns1 and
#    ns2, bound to the two IPv6 addresses. Negative: a packet from another
#    inner source, sent down the same SA, fails the selector check after
#    decapsulation (InSelectorMismatch) and is not delivered.
# C. Host to router (§3.2, SPD of §5.2.2): host ns2 (IPV6-EP1 2001:db8:e::1)
#    tunnels everything it sends (DST = any) to router ns1, which forwards
#    it to ns0's two addresses and tunnels the replies back. Negative: a
#    source other than EP1 in the tunnel fails the router's FWD selectors.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"

load_nfipsec
cleanup_hooks=(diag_pair "${cleanup_hooks[@]}")
diag_pair() {
	local n
	for n in "$ns1" "$ns2"; do
		echo "--- $n nfipsec counters (non-zero):"
		ip netns exec "$n" awk '$2 != 0' /proc/net/nfipsec_stat 2>/dev/null
		ip netns exec "$n" "$SETKEY" -D 2>/dev/null | head -30
		ip netns exec "$n" "$SETKEY" -DP 2>/dev/null | head -30
	done
}

netns_add "$ns0" "$ns1" "$ns2"
veth_add "$ns0" veth0 "$ns1" veth1
veth_add "$ns1" veth2 "$ns2" veth3
n0 ip addr add 2001:db8:a::10/64 dev veth0 nodad
n0 ip addr add 2001:db8:a::20/64 dev veth0 nodad
n1 ip addr add 2001:db8:a::1/64 dev veth1 nodad
n1 ip addr add 198.51.100.1/24 dev veth2
n2 ip addr add 198.51.100.2/24 dev veth3
n0 ip -6 route add default via 2001:db8:a::1
n1 sysctl -qw net.ipv6.conf.all.forwarding=1
n2 ip addr add 2001:db8:b::1/128 dev lo nodad
key=$(k 20 1)

# counter NS NAME: packets an nftables named counter saw.
counter() {
	ip netns exec "$1" nft list counter inet sc "$2" |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
# spi_pkts NS SPI: packets through the SA with that SPI.
spi_pkts() { local v; v=$(pkts_nfipsec "$@"); echo "${v:-0}"; }

echo "=== A: router to router, 6in4 (sit) in ESP transport"
n1 ip tunnel add sit6in4 mode sit local 198.51.100.1 remote 198.51.100.2 ttl 64
n2 ip tunnel add sit6in4 mode sit local 198.51.100.2 remote 198.51.100.1 ttl 64
n1 ip link set sit6in4 up
n2 ip link set sit6in4 up
n1 ip addr add 2001:db8:ff::1/64 dev sit6in4 nodad
n2 ip addr add 2001:db8:ff::2/64 dev sit6in4 nodad
n1 ip -6 route add 2001:db8:b::/48 dev sit6in4
n2 ip -6 route add 2001:db8:a::/64 dev sit6in4
key_6in4() {	# key_6in4 NS ME PEER SPI_OUT SPI_IN
	cat > "/tmp/sc3.$1" <<-EOF
	flush;
	spdflush;
	add $2 $3 esp $4 -m transport -r 64 -E aes-gcm-16 $key;
	add $3 $2 esp $5 -m transport -r 64 -E aes-gcm-16 $key;
	spdadd $2 $3 41 -P out ipsec esp/transport//require;
	spdadd $3 $2 41 -P in ipsec esp/transport//require;
	EOF
	ip netns exec "$1" "$SETKEY" -f "/tmp/sc3.$1"
}
key_6in4 "$ns1" 198.51.100.1 198.51.100.2 0x3001 0x3002
key_6in4 "$ns2" 198.51.100.2 198.51.100.1 0x3002 0x3001

# Router B: strict reverse-path check on what the tunnel delivers (the
# draft's IPv6 ingress filtering), and a count of spoofed echo requests
# that got through to the host stack.
cat > /tmp/sc3.nft <<'EOF'
table inet sc {
	counter rpf_drop {}
	counter spoofed_in {}
	chain pre {
		type filter hook prerouting priority -150;
		iifname "sit6in4" fib saddr . iif oif missing counter name rpf_drop drop
	}
	chain input {
		type filter hook input priority 0;
		ip6 saddr 2001:db8:bad::1 icmpv6 type echo-request counter name spoofed_in
	}
}
EOF
n2 nft -f /tmp/sc3.nft

before=$(spi_pkts "$ns1" 0x3001)
n0 ping -q -c 3 -i 0.2 -W 2 2001:db8:b::1
after=$(spi_pkts "$ns1" 0x3001)
assert "after - before >= 3" "host A -> router B's network: the 6in4 packets went through ESP SA 0x3001"

# Router A (holding a valid SA) sends from an IPv6 source that is not
# behind it: ESP transport accepts it, ingress filtering does not.
n1 ip addr add 2001:db8:bad::1/128 dev lo nodad
drop0=$(counter "$ns2" rpf_drop)
! n1 ping -q -c 2 -i 0.2 -W 1 -I 2001:db8:bad::1 2001:db8:b::1 || fail "spoofed source answered"
assert "$(counter "$ns2" rpf_drop) - drop0 >= 2" "spoofed inner source dropped by ingress filtering"
assert "$(counter "$ns2" spoofed_in) == 0" "no spoofed echo request reached router B"

# Without the filter the spoof gets in: transport mode alone (§2.1) does
# not check the payload. (The reply has no route back; only arrival counts.)
n2 nft delete chain inet sc pre
n1 ping -q -c 2 -i 0.2 -W 1 -I 2001:db8:bad::1 2001:db8:b::1 || true
assert "$(counter "$ns2" spoofed_in) >= 2" "without ingress filtering the spoofed source is accepted"

# Plaintext 6in4 from router A's own IPv4 address: refused by router B's
# inbound policy (protocol 41 must come through the SA).
echo "spddelete 198.51.100.1 198.51.100.2 41 -P out;" > /tmp/sc3.del
n1 "$SETKEY" -f /tmp/sc3.del
tm0=$(stat "$ns2" InTmplMismatch)
! n0 ping -q -c 2 -i 0.2 -W 1 2001:db8:b::1 || fail "plaintext 6in4 was accepted"
assert "$(stat "$ns2" InTmplMismatch) - tm0 >= 2" "plaintext 6in4 refused (InTmplMismatch)"
n1 ip tunnel del sit6in4
n2 ip tunnel del sit6in4
n2 nft delete table inet sc

echo "=== B: host to host, IPv6 in IPv4 ESP tunnel"
n1 ip addr add 2001:db8:1::1/128 dev lo nodad
n1 ip addr add 2001:db8:1::666/128 dev lo nodad
n2 ip addr add 2001:db8:2::1/128 dev lo nodad
n1 ip -6 route add 2001:db8:2::1/128 dev veth2 src 2001:db8:1::1
n2 ip -6 route add 2001:db8:1::/64 dev veth3 src 2001:db8:2::1
key_h2h() {	# key_h2h NS ME PEER ME6 PEER6 SPI_OUT SPI_IN
	cat > "/tmp/sc3.$1" <<-EOF
	flush;
	spdflush;
	add $2 $3 esp $6 -m tunnel -r 64 -E aes-gcm-16 $key;
	add $3 $2 esp $7 -m tunnel -r 64 -E aes-gcm-16 $key;
	spdadd $4/128 $5/128 any -P out ipsec esp/tunnel/$2-$3/require;
	spdadd $5/128 $4/128 any -P in ipsec esp/tunnel/$3-$2/require;
	EOF
	ip netns exec "$1" "$SETKEY" -f "/tmp/sc3.$1"
}
key_h2h "$ns1" 198.51.100.1 198.51.100.2 2001:db8:1::1 2001:db8:2::1 0x3101 0x3102
key_h2h "$ns2" 198.51.100.2 198.51.100.1 2001:db8:2::1 2001:db8:1::1 0x3102 0x3101
n1 ping -q -c 3 -i 0.2 -W 2 -I 2001:db8:1::1 2001:db8:2::1
assert "$(spi_pkts "$ns2" 0x3101) >= 3" "host to host: echo requests through tunnel SA 0x3101"

# Host 1 puts another of its addresses into the same SA (a policy of its
# own making); host 2 decrypts it and refuses it after decapsulation.
echo "spdadd 2001:db8:1::666/128 2001:db8:2::1/128 any -P out ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;" > /tmp/sc3.spoof
n1 "$SETKEY" -f /tmp/sc3.spoof
sm0=$(stat "$ns2" InSelectorMismatch)
p0=$(spi_pkts "$ns2" 0x3101)
! n1 ping -q -c 2 -i 0.2 -W 1 -I 2001:db8:1::666 2001:db8:2::1 || fail "spoofed inner source answered"
assert "$(spi_pkts "$ns2" 0x3101) - p0 >= 2" "the spoofed packets came through the SA (ICV good)"
assert "$(stat "$ns2" InSelectorMismatch) - sm0 >= 2" "spoofed inner source fails the selectors (InSelectorMismatch)"

echo "=== C: host to router, DST = any"
n2 ip addr add 2001:db8:e::1/128 dev lo nodad
n2 ip -6 route add default dev veth3 src 2001:db8:e::1
n1 ip -6 route add 2001:db8:e::1/128 dev veth2
cat > /tmp/sc3.host <<EOF
flush;
spdflush;
add 198.51.100.2 198.51.100.1 esp 0x3201 -m tunnel -r 64 -E aes-gcm-16 $key;
add 198.51.100.1 198.51.100.2 esp 0x3202 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd 2001:db8:e::1/128 ::/0 any -P out ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;
spdadd ::/0 2001:db8:e::1/128 any -P in ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;
EOF
cat > /tmp/sc3.router <<EOF
flush;
spdflush;
add 198.51.100.2 198.51.100.1 esp 0x3201 -m tunnel -r 64 -E aes-gcm-16 $key;
add 198.51.100.1 198.51.100.2 esp 0x3202 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd ::/0 2001:db8:e::1/128 any -P out ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;
spdadd 2001:db8:e::1/128 ::/0 any -P fwd ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;
spdadd 2001:db8:e::1/128 ::/0 any -P in ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;
EOF
n2 "$SETKEY" -f /tmp/sc3.host
n1 "$SETKEY" -f /tmp/sc3.router
n2 ping -q -c 2 -i 0.2 -W 2 2001:db8:a::10
n2 ping -q -c 2 -i 0.2 -W 2 2001:db8:a::20
n2 ping -q -c 2 -i 0.2 -W 2 2001:db8:a::1
assert "$(spi_pkts "$ns1" 0x3201) >= 6" "host -> any destination behind the router, through SA 0x3201"
assert "$(spi_pkts "$ns2" 0x3202) >= 6" "replies through SA 0x3202"

n2 ip addr add 2001:db8:e::666/128 dev lo nodad
echo "spdadd 2001:db8:e::666/128 ::/0 any -P out ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;" > /tmp/sc3.spoof
n2 "$SETKEY" -f /tmp/sc3.spoof
sm0=$(stat "$ns1" InSelectorMismatch)
! n2 ping -q -c 2 -i 0.2 -W 1 -I 2001:db8:e::666 2001:db8:a::10 || fail "router forwarded a foreign source"
assert "$(stat "$ns1" InSelectorMismatch) - sm0 >= 2" "a source other than EP1 fails the router's selectors"
echo "PASS"
