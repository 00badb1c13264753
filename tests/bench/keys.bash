# shellcheck shell=bash disable=SC2154  # ns0, ns1, work, SETKEY: the guest's
# The IPsec configurations of the benchmark, sourced by tests/bench/guest
# after tests/netns/lib.bash. One configuration is an algorithm (gcm: AES-
# GCM-128 ICV 16, RFC 4106; cbc: AES-CBC-128 with HMAC-SHA-256-128) in one
# mode (transport or tunnel), IPv4, set up the same way in both namespaces:
# through `ip xfrm` for XFRM, through PF_KEY with keyd/setkey for nfipsec.
# Both use the same keys, SPIs and a 32-packet replay window, so the two
# stacks do the same work per packet.
#
# Addresses: outer ones are topo_pair's (192.0.2.1, 192.0.2.2); tunnel mode
# carries traffic between 10.0.0.1 (ns0) and 10.0.1.1 (ns1) on lo, routed
# over the veth pair.

# The fixed test keys: N bytes counting up from S, as hex.
key() { printf '0x%s' "$(printf '%02x' $(seq "$2" $(($2 + $1 - 1))))"; }

outer() { echo "192.0.2.$(($1 + 1))"; }
inner() { [ "$2" = transport ] && outer "$1" || echo "10.0.$1.1"; }
side_ns() { [ "$1" = 0 ] && echo "$ns0" || echo "$ns1"; }

# Tunnel mode's inner addresses and routes, and static neighbours so that
# no ARP exchange happens in the middle of a run.
setup_addresses() {
	local i peer mac0 mac1
	for i in 0 1; do
		peer=$((1 - i))
		ip -n "$(side_ns $i)" addr add "10.0.$i.1/32" dev lo
		ip -n "$(side_ns $i)" route add "10.0.$peer.1/32" dev "veth$i" src "10.0.$i.1"
	done
	mac0=$(ip -n "$ns0" -br link show veth0 | awk '{print $3}')
	mac1=$(ip -n "$ns1" -br link show veth1 | awk '{print $3}')
	ip -n "$ns0" neigh replace 192.0.2.2 lladdr "$mac1" dev veth0 nud permanent
	ip -n "$ns1" neigh replace 192.0.2.1 lladdr "$mac0" dev veth1 nud permanent
}

alg_xfrm() {
	case $1 in
	gcm) echo "aead rfc4106(gcm(aes)) $(key 20 1) 128" ;;
	cbc) echo "enc cbc(aes) $(key 16 1) auth-trunc hmac(sha256) $(key 32 100) 128" ;;
	esac
}
alg_setkey() {
	case $1 in
	gcm) echo "-E aes-gcm-16 $(key 20 1)" ;;
	cbc) echo "-E aes-cbc $(key 16 1) -A hmac-sha256 $(key 32 100)" ;;
	esac
}

# xfrm_config SIDE ALG MODE: SA 0x1001 carries ns0 -> ns1, 0x1002 back.
xfrm_config() {
	local me=$1 alg=$2 mode=$3 peer=$((1 - $1)) ns lo ro li ri so si
	ns=$(side_ns "$me")
	lo=$(outer "$me"); ro=$(outer "$peer")
	li=$(inner "$me" "$mode"); ri=$(inner "$peer" "$mode")
	so=$((0x1001 + me)); si=$((0x1002 - me))
	# XFRM checks a tunnel's inner packets against the state's selector,
	# which otherwise defaults to the outer addresses.
	local a sel_out=() sel_in=()
	read -ra a <<< "$(alg_xfrm "$alg")"
	if [ "$mode" = tunnel ]; then
		sel_out=(sel src "$li/32" dst "$ri/32")
		sel_in=(sel src "$ri/32" dst "$li/32")
	fi
	ip -n "$ns" xfrm state add src "$lo" dst "$ro" proto esp spi "$so" reqid 1 \
		mode "$mode" replay-window 32 "${a[@]}" "${sel_out[@]}" &&
	ip -n "$ns" xfrm state add src "$ro" dst "$lo" proto esp spi "$si" reqid 1 \
		mode "$mode" replay-window 32 "${a[@]}" "${sel_in[@]}" &&
	ip -n "$ns" xfrm policy add src "$li/32" dst "$ri/32" dir out \
		tmpl src "$lo" dst "$ro" proto esp reqid 1 mode "$mode" &&
	ip -n "$ns" xfrm policy add src "$ri/32" dst "$li/32" dir in \
		tmpl src "$ro" dst "$lo" proto esp reqid 1 mode "$mode"
}
xfrm_flush() {
	local ns
	for ns in "$ns0" "$ns1"; do
		ip -n "$ns" xfrm policy flush
		ip -n "$ns" xfrm state flush
	done
}

# pfkey_config SIDE ALG MODE: the same SAs and policies, as a setkey script.
pfkey_config() {
	local me=$1 alg=$2 mode=$3 peer=$((1 - $1)) lo ro li ri so si out in
	lo=$(outer "$me"); ro=$(outer "$peer")
	li=$(inner "$me" "$mode"); ri=$(inner "$peer" "$mode")
	so=$((0x1001 + me)); si=$((0x1002 - me))
	out=esp/transport//require in=esp/transport//require
	if [ "$mode" = tunnel ]; then
		out=esp/tunnel/$lo-$ro/require
		in=esp/tunnel/$ro-$lo/require
	fi
	cat > "$work/setkey.$me" <<-EOF
	flush;
	spdflush;
	add $lo $ro esp $so -m $mode -r 32 $(alg_setkey "$alg");
	add $ro $lo esp $si -m $mode -r 32 $(alg_setkey "$alg");
	spdadd $li/32 $ri/32 any -P out ipsec $out;
	spdadd $ri/32 $li/32 any -P in ipsec $in;
	EOF
	ip netns exec "$(side_ns "$me")" "$SETKEY" -f "$work/setkey.$me"
}
pfkey_flush() {
	local ns
	for ns in "$ns0" "$ns1"; do
		ip netns exec "$ns" "$SETKEY" -FP
		ip netns exec "$ns" "$SETKEY" -F
	done
}
