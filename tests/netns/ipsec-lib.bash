# Helpers for the IPsec interop tests (xfrm-interop.sh, nfipsec-pair.sh),
# sourced after lib.bash. A "cell" is one algorithm in one mode and one
# inner/outer family pair; a side is keyed either through nfipsec's PF_KEY
# (keyd/setkey) or through XFRM (ip xfrm).
#
# Addresses: the outer ones are topo_pair's. Tunnel mode carries traffic
# between inner addresses on lo, routed over veth:
#   ns0: 10.0.0.1, fd00::1       ns1: 10.0.1.1, fd00:1::1
SETKEY=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/keyd/setkey/setkey
TCPXFER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tcpxfer.py
# shellcheck disable=SC2034	# the tests' scapy crafter
CRAFT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/esp_craft.py
[ -x "$SETKEY" ] || fail "build keyd/setkey/setkey first (make -C keyd)"
XFER_BYTES=${XFER_BYTES:-2097152}

# The algorithms: name, setkey's -E/-A arguments, ip xfrm's.
ALGS=(gcm128 gcm256 chacha gmac cbc-sha1 cbc-sha256 cbc-sha384 cbc-sha512
      null-sha256)
k() { printf '0x%s' "$(printf '%02x' $(seq "$2" $(($2 + $1 - 1))) )"; }
alg_setkey() {
	case $1 in
	gcm128) echo "-E aes-gcm-16 $(k 20 1)" ;;
	gcm256) echo "-E aes-gcm-16 $(k 36 1)" ;;
	chacha) echo "-E chacha20-poly1305 $(k 36 1)" ;;
	gmac) echo "-E null-aes-gmac $(k 20 1)" ;;
	cbc-sha1) echo "-E aes-cbc $(k 16 1) -A hmac-sha1 $(k 20 100)" ;;
	cbc-sha256) echo "-E aes-cbc $(k 16 1) -A hmac-sha256 $(k 32 100)" ;;
	cbc-sha384) echo "-E aes-cbc $(k 32 1) -A hmac-sha384 $(k 48 100)" ;;
	cbc-sha512) echo "-E aes-cbc $(k 32 1) -A hmac-sha512 $(k 64 100)" ;;
	null-sha256) echo "-E null -A hmac-sha256 $(k 32 100)" ;;
	esac
}
alg_xfrm() {	# one argument per line (the NULL key is an empty one)
	case $1 in
	gcm128) printf '%s\n' aead 'rfc4106(gcm(aes))' "$(k 20 1)" 128 ;;
	gcm256) printf '%s\n' aead 'rfc4106(gcm(aes))' "$(k 36 1)" 128 ;;
	chacha) printf '%s\n' aead 'rfc7539esp(chacha20,poly1305)' "$(k 36 1)" 128 ;;
	gmac) printf '%s\n' aead 'rfc4543(gcm(aes))' "$(k 20 1)" 128 ;;
	cbc-sha1) printf '%s\n' enc 'cbc(aes)' "$(k 16 1)" auth-trunc 'hmac(sha1)' "$(k 20 100)" 96 ;;
	cbc-sha256) printf '%s\n' enc 'cbc(aes)' "$(k 16 1)" auth-trunc 'hmac(sha256)' "$(k 32 100)" 128 ;;
	cbc-sha384) printf '%s\n' enc 'cbc(aes)' "$(k 32 1)" auth-trunc 'hmac(sha384)' "$(k 48 100)" 192 ;;
	cbc-sha512) printf '%s\n' enc 'cbc(aes)' "$(k 32 1)" auth-trunc 'hmac(sha512)' "$(k 64 100)" 256 ;;
	null-sha256) printf '%s\n' enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' "$(k 32 100)" 128 ;;
	esac
}

# The mode/family combinations: mode, inner family, outer family.
COMBOS=("transport 4 4" "transport 6 6" "tunnel 4 4" "tunnel 6 6"
	"tunnel 6 4" "tunnel 4 6")

outer_addr() { [ "$2" = 4 ] && echo "192.0.2.$(($1 + 1))" || echo "2001:db8::$(($1 + 1))"; }
inner_addr() {	# inner_addr SIDE MODE FAMILY
	if [ "$2" = transport ]; then outer_addr "$1" "$3"
	elif [ "$3" = 4 ]; then echo "10.0.$1.1"
	else echo "fd00:$1::1" | sed 's/fd00:0::/fd00::/'
	fi
}
plen() { [ "$1" = 4 ] && echo 32 || echo 128; }
# cell_addrs MODE INNER OUTER: sets o0 o1 (outer) and a0 a1 (inner: what
# the cell's traffic runs between) for the caller.
cell_addrs() {
	o0=$(outer_addr 0 "$3") o1=$(outer_addr 1 "$3")
	a0=$(inner_addr 0 "$1" "$2") a1=$(inner_addr 1 "$1" "$2")
}

# Inner addresses and their routes, once per topology.
setup_inner() {
	local i peer
	for i in 0 1; do
		peer=$((1 - i))
		ip -n "$(nsname $i)" addr add "10.0.$i.1/32" dev lo
		ip -n "$(nsname $i)" addr add "$(inner_addr $i tunnel 6)/128" dev lo nodad
		ip -n "$(nsname $i)" route add "10.0.$peer.1/32" dev "veth$i" src "10.0.$i.1"
		ip -n "$(nsname $i)" -6 route add "$(inner_addr $peer tunnel 6)/128" \
			dev "veth$i" src "$(inner_addr $i tunnel 6)"
	done
	# v6 transport policies cover the hosts' own addresses.
	neigh_pair
}
nsname() { [ "$1" = 0 ] && echo "$ns0" || echo "$ns1"; }

# setup_pair [HOOK...]: nfipsec loaded, HOOKs (diagnostics that read its
# counters) queued for the exit before it is unloaded, and topo_pair with
# setup_inner's addresses.
setup_pair() {
	load_nfipsec
	cleanup_hooks=("$@" "${cleanup_hooks[@]}")
	topo_pair
	setup_inner
}

# key_nfipsec SIDE ALG MODE INNER OUTER SPI_OUT SPI_IN
key_nfipsec() {
	local me=$1 alg=$2 mode=$3 fi=$4 fo=$5 so=$6 si=$7 peer=$((1 - $1))
	local lo ro li ri six="" pl
	lo=$(outer_addr "$me" "$fo"); ro=$(outer_addr "$peer" "$fo")
	li=$(inner_addr "$me" "$mode" "$fi"); ri=$(inner_addr "$peer" "$mode" "$fi")
	pl=$(plen "$fi")
	[ "$fo" = 6 ] && six="-6"
	local tmpl="esp/transport//require"
	[ "$mode" = tunnel ] && tmpl="esp/tunnel/$lo-$ro/require"
	local tmpl_in="esp/transport//require"
	[ "$mode" = tunnel ] && tmpl_in="esp/tunnel/$ro-$lo/require"
	cat > "/tmp/setkey.$me" <<-EOF
	flush;
	spdflush;
	add $six $lo $ro esp $so -m $mode -r 64 $(alg_setkey "$alg");
	add $six $ro $lo esp $si -m $mode -r 64 $(alg_setkey "$alg");
	spdadd $li/$pl $ri/$pl any -P out ipsec $tmpl;
	spdadd $ri/$pl $li/$pl any -P in ipsec $tmpl_in;
	EOF
	ip netns exec "$(nsname "$me")" "$SETKEY" -f "/tmp/setkey.$me" ||
		{ cat "/tmp/setkey.$me"; fail "setkey refused the configuration"; }
}

# key_xfrm SIDE ALG MODE INNER OUTER SPI_OUT SPI_IN
key_xfrm() {
	local me=$1 alg=$2 mode=$3 fi=$4 fo=$5 so=$6 si=$7 peer=$((1 - $1))
	local lo ro li ri pl ns
	ns=$(nsname "$me")
	lo=$(outer_addr "$me" "$fo"); ro=$(outer_addr "$peer" "$fo")
	li=$(inner_addr "$me" "$mode" "$fi"); ri=$(inner_addr "$peer" "$mode" "$fi")
	pl=$(plen "$fi")
	ip -n "$ns" xfrm state flush
	ip -n "$ns" xfrm policy flush
	local a
	mapfile -t a <<< "$(alg_xfrm "$alg")"
	# XFRM checks a tunnel's inner packets against the state's selector,
	# which defaults to "any" of the outer family: give it the inner one.
	local sel_out=() sel_in=()
	if [ "$mode" = tunnel ]; then
		sel_out=(sel src "$li/$pl" dst "$ri/$pl")
		sel_in=(sel src "$ri/$pl" dst "$li/$pl")
	fi
	ip -n "$ns" xfrm state add src "$lo" dst "$ro" proto esp spi "$so" reqid 1 \
		mode "$mode" replay-window 32 "${a[@]}" "${sel_out[@]}"
	ip -n "$ns" xfrm state add src "$ro" dst "$lo" proto esp spi "$si" reqid 1 \
		mode "$mode" replay-window 32 "${a[@]}" "${sel_in[@]}"
	ip -n "$ns" xfrm policy add src "$li/$pl" dst "$ri/$pl" dir out \
		tmpl src "$lo" dst "$ro" proto esp reqid 1 mode "$mode"
	ip -n "$ns" xfrm policy add src "$ri/$pl" dst "$li/$pl" dir in \
		tmpl src "$ro" dst "$lo" proto esp reqid 1 mode "$mode"
}

# Packets through an SA, as each implementation reports it.
pkts_xfrm() { pkts_xfrm_proto "$1" "$2" "$3" esp "$4"; }	# NS SRC DST SPI
pkts_xfrm_proto() {	# NS SRC DST PROTO SPI
	ip netns exec "$1" ip -s xfrm state get src "$2" dst "$3" proto "$4" spi "$5" |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -1
}
pkts_nfipsec() {	# NS SPI(hex, 0x...)
	local spi_dec=$(($2)) try
	for try in 1 2 3; do
		ip netns exec "$1" "$SETKEY" -D > /tmp/setkey-D.out && break
		echo "setkey -D failed (try $try)" >&2
		sleep 0.5
	done
	awk -v s="$spi_dec" '/ spi=/ { match($0, /spi=[0-9]+/); cur = substr($0, RSTART + 4, RLENGTH - 4) + 0 }
		/allocated:/ { if (cur == s && !done) { print $2; done = 1 } }' /tmp/setkey-D.out
}

# ESP SAs in NS's nfipsec, as setkey -D lists them.
sa_count() { ip netns exec "$1" "$SETKEY" -D | grep -c "esp mode=" || true; }

# above N CMD...: CMD prints a number greater than N (for wait_for).
above() { local v=$1; shift; [ "$("$@")" -gt "$v" ]; }

# expect NAME CMD...: CMD makes counter NAME of ns0 go up by exactly one
# (a moment after the first, a second count would show).
expect() {
	local name=$1 before after
	shift
	before=$(stat "$ns0" "$name")
	"$@"
	wait_for 5 above "$before" stat "$ns0" "$name"
	sleep 0.3
	after=$(stat "$ns0" "$name")
	assert "$after == $before + 1" "$name counted it ($before -> $after)"
}

# xfer FROM_NS FROM_ADDR TO_NS TO_ADDR: XFER_BYTES over TCP, checked.
# tcpxfer.py needs only the standard library: python3 -S skips site's
# .pth files, half of Python's start-up (~8 s) on the debug kernel.
xfer() {
	local port=$((5000 + RANDOM % 1000)) got sent
	ip netns exec "$3" /usr/bin/python3 -S "$TCPXFER" recv "$4" $port > /tmp/xfer.rx &
	local rx=$!
	sent=$(ip netns exec "$1" /usr/bin/python3 -S "$TCPXFER" send "$4" $port "$XFER_BYTES") ||
		{ kill $rx 2>/dev/null || true; diag_net; fail "transfer $2 -> $4 failed"; }
	wait $rx || fail "receiver $4 failed"
	got=$(cat /tmp/xfer.rx)
	[ "$got" = "$sent" ] || fail "transfer $2 -> $4: sent '$sent', received '$got'"
	echo "ok: $XFER_BYTES bytes $2 -> $4, sha256 matches"
}

# The fewest packets one SA carries in an xfer_pair (one transfer's data
# one way, a segment per 1448 bytes, or its ACKs the other): one per 2 kB
# of XFER_BYTES, 1024 for the 2 MB default. check-debug moves 256 kB.
xfer_min() { echo $((XFER_BYTES / 2048)); }

# Two pings each way between ns0's A0 and ns1's A1 (either failing fails
# it, under || too), and a checked transfer each way.
ping_pair() {	# A0 A1
	n0 ping -q -c 2 -i 0.2 -W 2 -I "$1" "$2" &&
		n1 ping -q -c 2 -i 0.2 -W 2 -I "$2" "$1"
}
xfer_pair() {	# A0 A1
	xfer "$ns0" "$1" "$ns1" "$2"
	xfer "$ns1" "$2" "$ns0" "$1"
}

# A stalled transfer: where the kernel dropped what (IP, ICMP, TCP and
# netfilter counters of both namespaces, non-zero only).
diag_net() {
	local n
	for n in "$ns0" "$ns1"; do
		echo "--- $n nstat (non-zero, since boot):"
		ip netns exec "$n" nstat -asz 2>/dev/null | awk 'NR > 1 && $2 != 0 { print "  " $1, $2 }'
		echo "--- $n TCP sockets:"
		ip netns exec "$n" ss -tinm 2>/dev/null | sed 's/^/  /'
	done
}

# On the way out: what each side's counters say, for the log.
diag() {
	echo "--- ns0 nfipsec counters (non-zero):"
	ip netns exec "$ns0" awk '$2 != 0' /proc/net/nfipsec_stat 2>/dev/null
	echo "--- ns0 SAD:"
	ip netns exec "$ns0" "$SETKEY" -D 2>/dev/null | head -40
	echo "--- ns1 XFRM states:"
	ip -n "$ns1" -s xfrm state 2>/dev/null | head -40
	ip netns exec "$ns1" cat /proc/net/xfrm_stat 2>/dev/null | awk '$2 != 0'
}
diag_pair() { diag_nfipsec "$ns0" "$ns1"; }
diag_nfipsec() {	# NS...
	local n
	for n in "$@"; do
		echo "--- $n nfipsec counters (non-zero):"
		ip netns exec "$n" awk '$2 != 0' /proc/net/nfipsec_stat 2>/dev/null
	done
}

# The cells' SAs are 0x1001 (ns0 -> ns1) and 0x1002 (back).
# assert_xfrm_ends PROTO WHAT: against XFRM in ns1, each end of both
# counted at least xfer_min packets (the cell's two transfers).
assert_xfrm_ends() {	# PROTO WHAT (outer addresses: o0, o1)
	local p
	p=$(pkts_xfrm_proto "$ns1" "$o0" "$o1" "$1" 0x1001)
	assert "${p:-0} >= $(xfer_min)" "$2: XFRM took in $p $1 packets nfipsec sent"
	p=$(pkts_nfipsec "$ns0" 0x1001)
	assert "${p:-0} >= $(xfer_min)" "$2: nfipsec sent $p packets"
	p=$(pkts_xfrm_proto "$ns1" "$o1" "$o0" "$1" 0x1002)
	assert "${p:-0} >= $(xfer_min)" "$2: XFRM sent $p packets"
	p=$(pkts_nfipsec "$ns0" 0x1002)
	assert "${p:-0} >= $(xfer_min)" "$2: nfipsec took in $p $1 packets"
}

# Between two nfipsec ends: late_mark before the cell; then
# assert_pair_ends OP WHAT SPI...: every SA carried at least xfer_min packets
# at both ends, and for 0x1001 and 0x1002 what the sender counted is OP
# what the receiver counted plus those its window refused as late since
# late_mark (an asynchronous decryption that completes after 64 later
# packets is too old by then).
late_mark() { late0=$(stat "$ns0" InStateSeqError) late1=$(stat "$ns1" InStateSeqError); }
assert_pair_ends() {	# OP WHAT SPI...
	local op=$1 what=$2 o n p l0 l1
	shift 2
	for o in "$@"; do
		for n in "$ns0" "$ns1"; do
			p=$(pkts_nfipsec "$n" "$o")
			assert "${p:-0} >= $(xfer_min)" "$what: $p packets through SA $o in $n"
		done
	done
	l0=$(($(stat "$ns0" InStateSeqError) - late0))
	l1=$(($(stat "$ns1" InStateSeqError) - late1))
	assert "$(pkts_nfipsec "$ns0" 0x1001) $op $(pkts_nfipsec "$ns1" 0x1001) + $l1" \
		"SA 0x1001: what ns0 sent, ns1 took in or refused as late ($l1)"
	assert "$(pkts_nfipsec "$ns1" 0x1002) $op $(pkts_nfipsec "$ns0" 0x1002) + $l0" \
		"SA 0x1002: what ns1 sent, ns0 took in or refused as late ($l0)"
}

# run_cells: call the test's own `cell ALG MODE INNER OUTER` for each cell
# this run asks for, with the cell's addresses in a0 a1 o0 o1 (cell_addrs). CELLS="alg:mode:inner:outer ..." names them;
# NFIPSEC_FULL=1 (what scripts/netns-tests sets unless given --quick) takes
# every algorithm with every mode/family pair; without it each algorithm
# runs once, cycling through COMBOS, so every algorithm and every
# mode/family pair appears at least once.
run_cells() {
	# shellcheck disable=SC2034	# for cell
	local cells=() c a m i start=$SECONDS a0 a1 o0 o1
	if [ -n "${CELLS:-}" ]; then
		for c in $CELLS; do cells+=("${c//:/ }"); done
	elif [ -n "${NFIPSEC_FULL:-}" ]; then
		for a in "${ALGS[@]}"; do
			for m in "${COMBOS[@]}"; do cells+=("$a $m"); done
		done
	else
		for i in "${!ALGS[@]}"; do
			cells+=("${ALGS[$i]} ${COMBOS[$((i % ${#COMBOS[@]}))]}")
		done
	fi
	# NFIPSEC_PART=I/N (scripts/netns-tests): this VM runs every Nth
	# cell from the Ith, so that parallel VMs share one matrix.
	local part=${NFIPSEC_PART:-1/1} k=0 n=0
	for c in "${cells[@]}"; do
		if [ $((k++ % ${part#*/})) = $((${part%/*} - 1)) ]; then
			n=$((n + 1))
			# shellcheck disable=SC2086
			set -- $c
			echo "=== cell $1 $2 v$3-in-v$4"
			cell_addrs "$2" "$3" "$4"
			cell "$@"
		fi
	done
	echo "$n of ${#cells[@]} cells (part $part) in $((SECONDS - start)) s"
}
