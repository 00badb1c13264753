#!/bin/bash
# Seed scenario 4: the Mobile IPv6 policy table of Faigl et al. (§4.3.1.1,
# static SPD and SAD): Mobility Header type and ICMPv6 type selectors,
# each message type bound to its own SA.
#
#   +------------------------------+              +------------------------------+
#   | ns0: mobile node             |              | ns1: home agent              |
#   |  lo: HoA 2001:db8:a::1       |              |  lo: CN 2001:db8:c::1        |
#   |  veth0: CoA 2001:db8::1 -----+--------------+----- veth1: HA 2001:db8::2   |
#   +------------------------------+              +------------------------------+
#
#   message      MH/ICMPv6 type   SA          mode        direction
#   BU           MH 5             SA1 0x4401  transport   MN -> HA
#   BAck         MH 6             SA2 0x4402  transport   HA -> MN
#   HoTi         MH 1             SA3 0x4403  tunnel      HoA -> any, via HA
#   HoT          MH 3             SA4 0x4404  tunnel      any -> HoA, via HA
#   MPS          ICMPv6 146       SA5 0x4405  transport   MN -> HA
#
# Each message is sent from a raw socket (so it passes the sender's SPD)
# and must arrive through its own SA (the SA's packet count, and an nft
# counter of that type at the receiver's input, after the inbound check).
# The transport SAs share their endpoints and are told apart by reqid.
# Negatives: a Binding Refresh Request (MH 0, no entry) leaves the MN in
# clear and no SA counts it; a BU injected in clear below the MN's IP stack
# is refused by the HA (InTmplMismatch) and never reaches its input.
#
# Then the MN moves to a new care-of address NCoA 2001:db8::11 and both
# sides move the HoTi/HoT tunnel (SA3, SA4 and their policies) there with
# SADB_X_MIGRATE (tests/netns/pfkey_migrate.py); the old CoA is removed,
# and HoTi and HoT still arrive through SA3 and SA4, which now run between
# NCoA and the HA. Without the migration the HoT would go to the removed
# address and never arrive.
# netns-timeout: 1200
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"

load_nfipsec
cleanup_hooks=(diag_pair "${cleanup_hooks[@]}")
topo_pair
n0 ip addr add 2001:db8:a::1/128 dev lo nodad
n1 ip addr add 2001:db8:c::1/128 dev lo nodad
n0 ip -6 route add 2001:db8:c::1/128 dev veth0 src 2001:db8:a::1
n1 ip -6 route add 2001:db8:a::1/128 dev veth1
mac0=$(mac "$ns0" veth0) mac1=$(mac "$ns1" veth1)
n0 ip -6 neigh replace 2001:db8::2 lladdr "$mac1" dev veth0 nud permanent
n1 ip -6 neigh replace 2001:db8::1 lladdr "$mac0" dev veth1 nud permanent

key=$(k 20 1)
MN=2001:db8::1 HA=2001:db8::2 HOA=2001:db8:a::1
sas="
add $MN $HA esp 0x4401 -m transport -u 1 -r 64 -E aes-gcm-16 $key;
add $HA $MN esp 0x4402 -m transport -u 2 -r 64 -E aes-gcm-16 $key;
add $MN $HA esp 0x4403 -m tunnel -u 3 -r 64 -E aes-gcm-16 $key;
add $HA $MN esp 0x4404 -m tunnel -u 4 -r 64 -E aes-gcm-16 $key;
add $MN $HA esp 0x4405 -m transport -u 5 -r 64 -E aes-gcm-16 $key;"
cat > /tmp/sc4.mn <<EOF
$sas
spdadd $MN $HA mh 5 -P out ipsec esp/transport//unique:1;
spdadd $HA $MN mh 6 -P in ipsec esp/transport//unique:2;
spdadd $HOA ::/0 mh 1 -P out ipsec esp/tunnel/$MN-$HA/unique:3;
spdadd ::/0 $HOA mh 3 -P in ipsec esp/tunnel/$HA-$MN/unique:4;
spdadd $MN $HA icmp6 146 -P out ipsec esp/transport//unique:5;
EOF
cat > /tmp/sc4.ha <<EOF
$sas
spdadd $HA $MN mh 6 -P out ipsec esp/transport//unique:2;
spdadd $MN $HA mh 5 -P in ipsec esp/transport//unique:1;
spdadd ::/0 $HOA mh 3 -P out ipsec esp/tunnel/$HA-$MN/unique:4;
spdadd $HOA ::/0 mh 1 -P in ipsec esp/tunnel/$MN-$HA/unique:3;
spdadd $MN $HA icmp6 146 -P in ipsec esp/transport//unique:5;
EOF
n0 "$SETKEY" -f /tmp/sc4.mn
n1 "$SETKEY" -f /tmp/sc4.ha

# Both ends count each message type at input, after nfipsec's check.
cat > /tmp/sc4.nft <<'EOF'
table inet sc {
	counter bu {}
	counter back {}
	counter hoti {}
	counter hot {}
	counter brr {}
	counter mps {}
	chain input {
		type filter hook input priority 0;
		mh type binding-update counter name bu
		mh type binding-acknowledgement counter name back
		mh type home-test-init counter name hoti
		mh type home-test counter name hot
		mh type binding-refresh-request counter name brr
		icmpv6 type 146 counter name mps
	}
}
EOF
n0 nft -f /tmp/sc4.nft
n1 nft -f /tmp/sc4.nft
counter() {
	ip netns exec "$1" nft list counter inet sc "$2" |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
spi_pkts() { local v; v=$(pkts_nfipsec "$@"); echo "${v:-0}"; }

# mh NS MSG SRC DST: one Mobility Header message (RFC 6275 §6.1, as scapy's
# MIP6MH_* build them; checksum 0) from a raw socket, the kernel filling in
# the checksum. Written out: importing scapy takes seconds under TCG.
declare -A MH=(
	[bu]=3b01050000000000d000000301020000
	[back]=3b010600000000800000000001020000
	[hoti]=3b010100000000000000000000000000
	[hot]=3b0203000000000000000000000000000000000000000000
	[brr]=3b00000000000000
)
mh() {
	ip netns exec "$1" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
s.setsockopt(socket.IPPROTO_IPV6, 7, 4)	# IPV6_CHECKSUM at offset 4
s.bind(('$3', 0))
s.sendto(bytes.fromhex('${MH[$2]}'), ('$4', 0))"
	echo "[+] sent MH $2 $3 -> $4"
}
# expect NS_RX COUNTER SPI_NS SPI: wait for one more message at the
# receiver, and check it came through SPI.
expect() {
	wait_for 5 above "$3" counter "$1" "$2"
	assert "$(spi_pkts "$4" "$5") >= 1" "$2 arrived through its SA $5"
}

echo "=== each message type on its own SA"
mh "$ns0" bu $MN $HA;		expect "$ns1" bu 0 "$ns1" 0x4401
mh "$ns1" back $HA $MN;		expect "$ns0" back 0 "$ns0" 0x4402
mh "$ns0" hoti $HOA 2001:db8:c::1;	expect "$ns1" hoti 0 "$ns1" 0x4403
mh "$ns1" hot 2001:db8:c::1 $HOA;	expect "$ns0" hot 0 "$ns0" 0x4404
n0 /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.bind(('$MN', 0))
s.sendto(bytes([146, 0, 0, 0, 0x12, 0x34, 0, 0]), ('$HA', 0))"
expect "$ns1" mps 0 "$ns1" 0x4405
assert "$(spi_pkts "$ns1" 0x4401) == 1" "BU's SA carried the BU only (not HoTi, not MPS)"
assert "$(spi_pkts "$ns1" 0x4405) == 1" "MPS's SA carried the MPS only"

echo "=== negative: a type with no entry, and a BU in clear"
p1=$(spi_pkts "$ns0" 0x4401) p3=$(spi_pkts "$ns0" 0x4403)
mh "$ns0" brr $MN $HA
wait_for 5 above 0 counter "$ns1" brr
assert "$(spi_pkts "$ns0" 0x4401) == p1 && $(spi_pkts "$ns0" 0x4403) == p3" \
	"a Binding Refresh Request (MH 0) matches no MH-type entry: sent in clear"
t0=$(stat "$ns1" InTmplMismatch)
n0 /usr/bin/python3 -c "
from scapy.layers.l2 import Ether
from scapy.sendrecv import sendp
from scapy.layers.inet6 import IPv6, MIP6MH_BU
sendp(Ether(dst='$mac1') / IPv6(src='$MN', dst='$HA') / MIP6MH_BU(seq=7),
      iface='veth0', verbose=False)"
wait_for 5 above "$t0" stat "$ns1" InTmplMismatch
assert "$(counter "$ns1" bu) == 1" "a BU in clear never reached the HA's input (InTmplMismatch)"

echo "=== SADB_X_MIGRATE: the care-of address moves, HoTi/HoT follow"
NCOA=2001:db8::11
n0 ip addr add $NCOA/64 dev veth0 nodad
n1 ip -6 neigh replace $NCOA lladdr "$mac0" dev veth1 nud permanent
migrate() {	# NS SEL_SRC SEL_DST DIR REQID OLD_SRC OLD_DST NEW_SRC NEW_DST
	ip netns exec "$1" /usr/bin/python3 "$here/../netns/pfkey_migrate.py" \
		move "$2" "$3" 135 "$4" tunnel "$5" "$6" "$7" "$8" "$9" ||
		fail "X_MIGRATE in $1: ${*:2}"
}
# setkey puts the MH type in the source port: "[1]" is HoTi, "[3]" HoT.
migrate "$ns0" "$HOA/128[1]" ::/0 out 3 $MN $HA $NCOA $HA
migrate "$ns0" "::/0[3]" $HOA/128 in 4 $HA $MN $HA $NCOA
migrate "$ns1" "::/0[3]" $HOA/128 out 4 $HA $MN $HA $NCOA
migrate "$ns1" "$HOA/128[1]" ::/0 in 3 $MN $HA $NCOA $HA
n0 ip addr del $MN/64 dev veth0
p3=$(spi_pkts "$ns1" 0x4403) p4=$(spi_pkts "$ns0" 0x4404)
hoti=$(counter "$ns1" hoti) hot=$(counter "$ns0" hot)
mh "$ns0" hoti $HOA 2001:db8:c::1
wait_for 5 above "$hoti" counter "$ns1" hoti
mh "$ns1" hot 2001:db8:c::1 $HOA
wait_for 5 above "$hot" counter "$ns0" hot
assert "$(spi_pkts "$ns1" 0x4403) == p3 + 1" "HoTi arrived through SA3 after the move"
assert "$(spi_pkts "$ns0" 0x4404) == p4 + 1" \
	"HoT reached the new care-of address through SA4 (the old one is gone)"
n1 "$SETKEY" -D | grep -q "^$HA $NCOA " ||
	fail "the HA's SA4 does not run to the new care-of address"
echo "ok: the HA's SAs run between $HA and $NCOA"
echo "PASS"
