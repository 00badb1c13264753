#!/bin/bash
# keyd against keyd, nfipsec on both sides: each cell negotiates IKEv2
# with a pre-shared key or certificates (keyd0 an ECDSA P-256 one, keyd1
# RSA, tests/certs/mk-certs.sh), carries pings and a checked TCP transfer
# each way, then stops the initiator, whose Delete must empty the other
# side.
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + nfipsec       |              | ns1: keyd + nfipsec       |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+-- IKE, ESP --+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: how ns0 starts (start_action = start, or trap: policies
# only, and the first packet's ACQUIRE starts IKE), with a PSK or
# certificates (-cert), x transport v4, tunnel v6, tunnel v4,
# transport v6.  keyd0 initiates; keyd1 answers, the same code either way.
# netns-timeout: 1800
set -e
here=$(cd "$(dirname "$0")" && pwd)
XFER_BYTES=${XFER_BYTES:-524288}	# TCG: each cell negotiates as well
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
KEYD=$here/../../keyd/keyd
[ -x "$KEYD" ] || fail "build keyd/keyd first (make -C keyd)"

d=$(mktemp -d /tmp/keyd-pair.XXXXXX)
# the unit tests' PKI (keyd/tests/certs.d), made here if it is not there
pki=$here/../../keyd/tests/certs.d
"$here/../certs/mk-certs.sh" "$pki" 192.0.2.9:ec256 >/dev/null ||
	fail "mk-certs.sh failed"
pid0= pid1=
stop() {	# SIDE
	local v=pid$1
	[ -n "${!v}" ] || return 0
	kill "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null
	eval "$v="
}
logs() {
	echo "--- keyd0 log:"; tail -n 30 "$d/keyd0.log" 2>/dev/null
	echo "--- keyd1 log:"; tail -n 30 "$d/keyd1.log" 2>/dev/null
}
cleanup_hooks=("stop 0" "stop 1" logs diag_pair "rm -rf $d" "${cleanup_hooks[@]}")

load_nfipsec
topo_pair
setup_inner

nsas() { ip netns exec "$1" "$SETKEY" -D | grep -c "esp mode=" || true; }

# The ends of one side's connection, and its secrets, for psk or pubkey.
cert_of() { [ "$1" = 0 ] && echo ec256 || echo rsa; }
ends() {	# SIDE AUTH
	local me=$1 peer=$((1 - $1))
	if [ "$2" = psk ]; then
		printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = keyd%s.example\n\t\t}\n' "$me"
		printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = keyd%s.example\n\t\t}\n' "$peer"
	else
		printf '\t\tlocal {\n\t\t\tauth = pubkey\n\t\t\tcerts = %s\n' "$pki/$(cert_of "$me").pem"
		printf '\t\t\tid = %s.test.example\n\t\t}\n' "$(cert_of "$me")"
		printf '\t\tremote {\n\t\t\tauth = pubkey\n\t\t\tcacerts = %s\n' "$pki/cacerts.pem"
		printf '\t\t\tid = %s.test.example\n\t\t}\n' "$(cert_of "$peer")"
	fi
}
secrets() {	# SIDE AUTH
	if [ "$2" = psk ]; then
		printf 'secrets {\n\tpsk {\n\t\tid = keyd0.example\n\t\tid-2 = keyd1.example\n'
		printf '\t\tsecret = "two keyds, one secret"\n\t}\n}\n'
	else
		printf 'secrets {\n\tprivate-key {\n\t\tfile = %s\n\t}\n}\n' "$pki/$(cert_of "$1").key"
	fi
}

conf() {	# SIDE MODE INNER OUTER START AUTH
	local me=$1 mode=$2 fi=$3 fo=$4 start=$5 auth=$6 peer=$((1 - $1))
	cat > "$d/keyd$me.conf" <<-EOC
	connections {
		peer {
			local_addrs = $(outer_addr "$me" "$fo")
			remote_addrs = $(outer_addr "$peer" "$fo")
			proposals = aes256gcm16-prfsha384-ecp256, aes128-sha256-x25519
	$(ends "$me" "$auth")
			children {
				net {
					local_ts = $(inner_addr "$me" "$mode" "$fi")/$(plen "$fi")
					remote_ts = $(inner_addr "$peer" "$mode" "$fi")/$(plen "$fi")
					mode = $mode
					esp_proposals = aes128gcm16, aes256-sha256
					start_action = $start
				}
			}
		}
	}
	$(secrets "$me" "$auth")
	EOC
	"$KEYD" --check -f "$d/keyd$me.conf" || fail "keyd --check refused its config"
}

cell() {	# START[-cert] MODE INNER OUTER
	local how=${1%-cert} auth=psk mode=$2 fi=$3 fo=$4 a0 a1 p n
	[ "$1" = "$how" ] || auth=pubkey
	echo "=== cell $1 $mode v$fi-in-v$fo"
	a0=$(inner_addr 0 "$mode" "$fi"); a1=$(inner_addr 1 "$mode" "$fi")
	conf 0 "$mode" "$fi" "$fo" "$how" "$auth"
	conf 1 "$mode" "$fi" "$fo" none "$auth"
	pretty ns1 "keyd -d -f $d/keyd1.conf"
	: > "$d/keyd0.log"; : > "$d/keyd1.log"
	ip netns exec "$ns1" "$KEYD" -d -f "$d/keyd1.conf" >> "$d/keyd1.log" 2>&1 &
	pid1=$!
	# The first REGISTER in a fresh VM waits for nfipsec's crypto probes
	# (about a minute under TCG); later ones take a moment.
	wait_for 150 grep -q "keyd started" "$d/keyd1.log"
	pretty ns0 "keyd -d -f $d/keyd0.conf"
	ip netns exec "$ns0" "$KEYD" -d -f "$d/keyd0.conf" >> "$d/keyd0.log" 2>&1 &
	pid0=$!
	wait_for 150 grep -q "keyd started" "$d/keyd0.log"
	if [ "$how" = trap ]; then
		wait_for 10 eval "ip netns exec $ns0 $SETKEY -DP | grep -q 'esp/$mode'"
		assert "$(nsas "$ns0") == 0" "$1: policies, no SA before traffic"
		# The first packet's ACQUIRE starts IKE; pings go through once up.
		n0 ping -q -c 1 -W 1 -I "$a0" "$a1" || true
		wait_for 60 n0 ping -q -c 1 -W 1 -I "$a0" "$a1"
		grep -q "ACQUIRE for" "$d/keyd0.log" || fail "keyd0 logged no ACQUIRE"
	fi
	wait_for 60 eval "[ \$(nsas $ns0) = 2 ] && [ \$(nsas $ns1) = 2 ]"

	n0 ping -q -c 2 -i 0.2 -W 2 -I "$a0" "$a1"
	n1 ping -q -c 2 -i 0.2 -W 2 -I "$a1" "$a0"
	xfer "$ns0" "$a0" "$ns1" "$a1"
	xfer "$ns1" "$a1" "$ns0" "$a0"
	for n in "$ns0" "$ns1"; do
		p=$(ip netns exec "$n" "$SETKEY" -D | awk '/allocated:/ { s += $2 } END { print s + 0 }')
		assert "$p >= 500" "$1 $mode v$fi: $n's SAs carried $p packets"
	done

	# ns0's Delete takes ns1's side down too.
	stop 0
	wait_for 20 eval "[ \$(nsas $ns1) = 0 ]"
	assert "$(nsas "$ns0") == 0" "$1 $mode v$fi: keyd0 removed its SAs"
	echo "ok: $how $mode v$fi: the Delete emptied ns1"
	stop 1
	for n in "$ns0" "$ns1"; do
		ip netns exec "$n" "$SETKEY" -DP | grep -q "esp/" &&
			fail "keyd left policies in $n"
	done
	true
}

ALGS=(start trap start-cert trap-cert)
COMBOS=("transport 4 4" "tunnel 6 6" "tunnel 4 4" "transport 6 6")
run_cells
for n in "$ns0" "$ns1"; do
	assert "$(stat "$n" InIcvError) == 0" "$n: no ICV failures"
done
