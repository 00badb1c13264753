#!/bin/bash
# A million malformed ESP and AH packets into nfipsec, each of which must be
# counted: dropped under one In* counter of /proc/net/nfipsec_stat, or
# decapsulated (the SA counts it) and reinjected. Run on the debug kernel by
# scripts/robustness, where any KASAN, UBSAN, lockdep or kmemleak report
# fails it too.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec, three       |              | ns1: espblast, AF_PACKET  |
#   |  inbound SAs (setkey)     |              |  (no IP of its own: IPv6  |
#   |  lo: 10.0.0.1             |              |   off, nothing it sends   |
#   |  veth0 -------------------+-- ESP, AH ----+-- reaches ns0 but them)   |
#   |  192.0.2.1, 2001:db8::1   |              |  veth1                    |
#   +---------------------------+              +---------------------------+
#
# esp_templates.py (scapy + cryptography) writes ~110 templates: valid
# packets, authentic ones with one defect each (bad padding, pad length
# past the payload, dummy, a tunnel payload that is not IP, a ciphertext
# not in whole blocks; for AH a Payload Length that does not fit, or a
# policy that wants ESP), bad ICVs, unknown SPIs, truncated headers,
# fragments (8 kB reassembled), IPv6 with a destination options header,
# sequence-number edges. espblast.c sends each once in order, then ROBUST_ESP_COUNT in all,
# replaying and mutating them (bits, length, sequence number, SPI).
#
# The accounting (sent = logical packets; a fragment train is one):
#   InPackets       = sent + decapsulated ones (their inner packet re-enters)
#   sum of drops    = sent - decapsulated + those refused after decapsulation
#   SA packet count = the authentic ones, as esp_templates.py predicts
# ESN cannot be asked for over PF_KEY, so the sequence-number edges here are
# 32-bit ones; the ESN arithmetic is KUnit's (kmod/tests/replay_test.c).
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
COUNT=${ROBUST_ESP_COUNT:-1000000}
BLAST=${ESPBLAST:?ESPBLAST names the espblast binary}
SETKEY=${SETKEY:-$here/../../keyd/setkey/setkey}
[ -x "$SETKEY" ] || fail "build keyd/setkey/setkey first (make -C keyd)"
work=$(mktemp -d)
cleanup_hooks+=("rm -rf $work")

load_nfipsec
topo_pair
n0 ip addr add 10.0.0.1/32 dev lo
# ns1 must send nothing of its own to ns0 during the run: every IP packet
# ns0 receives is one of espblast's.
n1 sysctl -qw net.ipv6.conf.veth1.disable_ipv6=1
n1 nft add table inet quiet
n1 nft add chain inet quiet out '{ type filter hook output priority 0; policy drop; }'
mac0=$(ip -n "$ns0" -br link show veth0 | awk '{print $3}')
mac1=$(ip -n "$ns1" -br link show veth1 | awk '{print $3}')
n0 ip neigh replace 192.0.2.2 lladdr "$mac1" dev veth0 nud permanent
n0 ip neigh replace 2001:db8::2 lladdr "$mac1" dev veth0 nud permanent

k() { printf '0x%s' "$(printf '%02x' $(seq "$2" $(($2 + $1 - 1))))"; }
gk=$(k 20 1) ek=$(k 16 1) ak=$(k 32 100)
n0 "$SETKEY" -f - <<EOF
add 192.0.2.2 192.0.2.1 esp 0x5001 -m transport -r 64 -E aes-gcm-16 $gk;
add 192.0.2.2 192.0.2.1 esp 0x5002 -m tunnel -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
add 2001:db8::2 2001:db8::1 esp 0x5003 -m transport -r 64 -E aes-gcm-16 $gk;
add 192.0.2.2 192.0.2.1 ah 0x5004 -m transport -r 64 -A hmac-sha256 $ak;
add 2001:db8::2 2001:db8::1 ah 0x5005 -m transport -r 64 -A hmac-sha256 $ak;
spdadd 192.0.2.2[any] 192.0.2.1[7] udp -P in ipsec ah/transport//require;
spdadd 2001:db8::2[any] 2001:db8::1[7] udp -P in ipsec ah/transport//require;
spdadd 192.0.2.2 192.0.2.1 any -P in ipsec esp/transport//require;
spdadd 10.0.1.1 10.0.0.1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
spdadd 2001:db8::2 2001:db8::1 any -P in ipsec esp/transport//require;
EOF

tline=$(/usr/bin/python3 "$here/esp_templates.py" "$work/t.bin" "$mac0" "$mac1")
echo "$tline"
read -r _ ntmpl _ a1 _ a2 _ a3 <<< "$tline"
[ "$COUNT" -ge "$ntmpl" ] || fail "ROBUST_ESP_COUNT must be at least $ntmpl"

snap() { ip netns exec "$ns0" cat /proc/net/nfipsec_stat; }
drops() {	# every inbound drop reason
	awk '$1 ~ /^In/ && $1 !~ /^In(Packets|Bytes|Bypass)$/ || $1 == "CryptoError" { s += $2 }
		END { print s + 0 }' "$1"
}
field() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
softnet_drops() {	# column 2 of every CPU's line, in hex
	local _p d _r s=0
	while read -r _p d _r; do s=$((s + 0x$d)); done < /proc/net/softnet_stat
	echo "$s"
}
ipsnap() {	# the IP layer's own counters, "Ip:InHdrErrors 0" and so on
	ip netns exec "$ns0" cat /proc/net/snmp /proc/net/netstat | awk '
		NR % 2 == 1 { split($0, h) } NR % 2 == 0 { for (i = 2; i <= NF; i++) print h[1] h[i], $i }'
	ip netns exec "$ns0" cat /proc/net/snmp6
}
moved() {	# WIDTH BEFORE AFTER: "name delta" of what changed, by name
	awk -v w="$1" 'NR == FNR { b[$1] = $2; next }
		$2 != b[$1] { printf "  %-*s %d\n", w, $1, $2 - b[$1] }' "$2" "$3"
}
sa_packets() {
	ip netns exec "$ns0" "$SETKEY" -D | awk '$1 == "allocated:" { s += $2 } END { print s + 0 }'
}

sleep 1
snap > "$work/before"
ipsnap > "$work/ip.before"
sd0=$(softnet_drops)
t0=$SECONDS
out=$(ip netns exec "$ns1" "$BLAST" veth1 "$work/t.bin" "$COUNT" "${ROBUST_SEED:-$$}")
secs=$((SECONDS - t0))
echo "espblast: $out in ${secs}s (seed ${ROBUST_SEED:-$$})"
read -r _ sent _ frames <<< "$out"
# Until the last asynchronous completions are in.
prev=-1
for _ in $(seq 60); do
	cur=$(snap | awk '$1 == "InPackets" { print $2 }')
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done
snap > "$work/after"
ipsnap > "$work/ip.after"
sd1=$(softnet_drops)

echo "counters that moved:"
moved 22 "$work/before" "$work/after"
# What the IP layer saw: a packet it dropped before nfipsec's hook shows here.
echo "IP counters that moved:"
moved 28 "$work/ip.before" "$work/ip.after"
din=$(( $(field "$work/after" InPackets) - $(field "$work/before" InPackets) ))
ddrop=$(( $(drops "$work/after") - $(drops "$work/before") ))
sap=$(sa_packets)
assert "$sent == $COUNT" "espblast sent all $COUNT logical packets ($frames frames)"
assert "$sd1 - $sd0 == 0" "no frame was lost in a softnet backlog"
assert "$sap == $a1 + $a2 + $a3" "the SAs counted exactly the $((a1 + a2 + a3)) authentic first sendings ($sap)"
assert "$din == $sent + $a1 + $a2" "InPackets: every packet once, each decapsulated one once more ($din)"
assert "$ddrop == $sent - $a1" "every other packet dropped under exactly one reason ($ddrop)"
echo "rate: $((sent / (secs > 0 ? secs : 1))) packets/s"
