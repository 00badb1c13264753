# keyd in network namespaces, for the keyd tests. Sourced after lib.bash
# and ipsec-lib.bash (SETKEY, sa_count, the cell addresses). Each keyd has
# an ID: its configuration is $d/ID.conf and its log $d/ID.log, in the
# test's own directory $d.
#
#   keyd_make_pki            the unit tests' PKI (keyd/tests/certs.d, made
#                            by tests/certs/mk-certs.sh) in $keyd_pki
#   keyd_check ID            keyd --check of ID's configuration
#   keyd_run ID NS           check it, start keyd with it in NS (its log
#                            emptied first) and wait until keyd is up
#   keyd_stop ID             stop it: its Deletes go out first
#   keyd_stop_all            every keyd still running (a cleanup hook)
#   keyd_logs LINES ID...    the end of each one's log
#   keyd_ends AUTH LOCAL_ID REMOTE_ID [CERT CACERTS]
#                            a connection's local and remote sections, in
#                            keyd.conf and swanctl.conf alike
#   keyd_pair_conf, keyd_pair_cell   keyd against keyd (below)
KEYD=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/keyd/keyd
keyd_pki=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/keyd/tests/certs.d
[ -x "$KEYD" ] || fail "build keyd/keyd first (make -C keyd)"
declare -A keyd_pids=()

keyd_make_pki() {
	# the unit tests' arguments: an up-to-date PKI is left as it is
	"$(dirname "${BASH_SOURCE[0]}")/../certs/mk-certs.sh" "$keyd_pki" 192.0.2.9:ec256 \
		> /dev/null || fail "mk-certs.sh failed"
}

keyd_check() {	# ID
	"$KEYD" --check -f "$d/$1.conf" || fail "keyd --check refused $1.conf"
}

keyd_run() {	# ID NS
	keyd_check "$1"
	: > "$d/$1.log"
	pretty "$(nslabel "$2")" "keyd -d -f $d/$1.conf"
	ip netns exec "$2" "$KEYD" -d -f "$d/$1.conf" >> "$d/$1.log" 2>&1 &
	keyd_pids[$1]=$!
	# The first REGISTER in a fresh VM waits for nfipsec's crypto probes
	# (about a minute under TCG); later ones take a moment.
	wait_for 150 grep -q "keyd started" "$d/$1.log"
}

keyd_stop() {	# ID
	local pid=${keyd_pids[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	keyd_pids[$1]=
}
keyd_stop_all() {
	local id
	for id in "${!keyd_pids[@]}"; do keyd_stop "$id"; done
}

keyd_logs() {	# LINES ID...
	local n=$1 id
	shift
	for id in "$@"; do
		echo "--- $id log:"
		tail -n "$n" "$d/$id.log" 2>/dev/null
	done
}

keyd_ends() {	# AUTH LOCAL_ID REMOTE_ID [CERT CACERTS]
	if [ "$1" = psk ]; then
		printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$2"
		printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$3"
	else
		printf '\t\tlocal {\n\t\t\tauth = pubkey\n\t\t\tcerts = %s\n' "$4"
		printf '\t\t\tid = %s\n\t\t}\n' "$2"
		printf '\t\tremote {\n\t\t\tauth = pubkey\n\t\t\tcacerts = %s\n' "$5"
		printf '\t\t\tid = %s\n\t\t}\n' "$3"
	fi
}

# keyd against keyd, ns0 and ns1 of topo_pair (keyd-pair.sh, keyd-afkey.sh).
# keyd_pair_conf SIDE MODE INNER OUTER START AUTH ESP: keydSIDE's
# configuration for one cell, with a pre-shared key (AUTH psk) or
# certificates (pubkey: keyd0 an ECDSA P-256 one, keyd1 RSA), ESP the
# child's proposals.
keyd_pair_cert() { [ "$1" = 0 ] && echo ec256 || echo rsa; }
keyd_pair_ends() {	# SIDE AUTH
	local me=$1 peer=$((1 - $1))
	if [ "$2" = psk ]; then
		keyd_ends psk "keyd$me.example" "keyd$peer.example"
	else
		keyd_ends pubkey "$(keyd_pair_cert "$me").test.example" \
			"$(keyd_pair_cert "$peer").test.example" \
			"$keyd_pki/$(keyd_pair_cert "$me").pem" "$keyd_pki/cacerts.pem"
	fi
}
keyd_pair_secrets() {	# SIDE AUTH
	if [ "$2" = psk ]; then
		printf 'secrets {\n\tpsk {\n\t\tid = keyd0.example\n\t\tid-2 = keyd1.example\n'
		printf '\t\tsecret = "two keyds, one secret"\n\t}\n}\n'
	else
		printf 'secrets {\n\tprivate-key {\n\t\tfile = %s\n\t}\n}\n' \
			"$keyd_pki/$(keyd_pair_cert "$1").key"
	fi
}
keyd_pair_conf() {	# SIDE MODE INNER OUTER START AUTH ESP
	local me=$1 mode=$2 fi=$3 fo=$4 peer=$((1 - $1))
	cat > "$d/keyd$me.conf" <<-EOC
	connections {
		peer {
			local_addrs = $(outer_addr "$me" "$fo")
			remote_addrs = $(outer_addr "$peer" "$fo")
			proposals = aes256gcm16-prfsha384-ecp256, aes128-sha256-x25519
	$(keyd_pair_ends "$me" "$6")
			children {
				net {
					local_ts = $(inner_addr "$me" "$mode" "$fi")/$(plen "$fi")
					remote_ts = $(inner_addr "$peer" "$mode" "$fi")/$(plen "$fi")
					mode = $mode
					esp_proposals = $7
					start_action = $5
				}
			}
		}
	}
	$(keyd_pair_secrets "$me" "$6")
	EOC
}

# keyd_pair_cell WHAT START MODE: in a cell of run_cells (a0, a1), with
# both configurations written, keyd1 (the responder) starts, then keyd0;
# with START trap, policies come first and the first ping's ACQUIRE starts
# IKE. Then pings and a checked transfer each way through both SA pairs,
# and keyd0 stops: its Delete must empty ns1, and neither keyd may leave a
# policy behind.
keyd_pair_cell() {	# WHAT START MODE
	local what=$1 mode=$3 p n
	keyd_run keyd1 "$ns1"
	keyd_run keyd0 "$ns0"
	if [ "$2" = trap ]; then
		wait_for 10 eval "ip netns exec $ns0 $SETKEY -DP | grep -q 'esp/$mode'"
		assert "$(sa_count "$ns0") == 0" "$what: policies, no SA before traffic"
		# The first packet's ACQUIRE starts IKE; pings go through once up.
		n0 ping -q -c 1 -W 1 -I "$a0" "$a1" || true
		wait_for 60 n0 ping -q -c 1 -W 1 -I "$a0" "$a1"
		grep -q "ACQUIRE for" "$d/keyd0.log" || fail "keyd0 logged no ACQUIRE"
	fi
	wait_for 60 eval "[ \$(sa_count $ns0) = 2 ] && [ \$(sa_count $ns1) = 2 ]"
	ping_pair "$a0" "$a1"
	xfer_pair "$a0" "$a1"
	for n in "$ns0" "$ns1"; do
		p=$(ip netns exec "$n" "$SETKEY" -D | awk '/allocated:/ { s += $2 } END { print s + 0 }')
		assert "$p >= 2 * $(xfer_min)" "$what: $n's SAs carried $p packets"
	done

	keyd_stop keyd0
	wait_for 20 eval "[ \$(sa_count $ns1) = 0 ]"
	assert "$(sa_count "$ns0") == 0" "$what: keyd0 removed its SAs"
	echo "ok: $what: the Delete emptied ns1"
	keyd_stop keyd1
	for n in "$ns0" "$ns1"; do
		ip netns exec "$n" "$SETKEY" -DP | grep -q "esp/" &&
			fail "keyd left policies in $n"
	done
	true
}
