#!/bin/bash
# keyd against keyd through Linux's own af_key on the stock kernel (XFRM,
# no nfipsec): the cross-check that keyd's PF_KEY seam is plain RFC 2367
# plus Linux's extensions. af_key has no AEAD and truncates HMAC-SHA-2 to
# 96 bits (not RFC 4868's), so both sides use AES-CBC with HMAC-SHA-256
# through af_key. Each cell negotiates IKEv2 with a pre-shared key, carries
# pings and a checked TCP transfer each way, then stops the initiator,
# whose Delete must empty the other side.
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + af_key/XFRM   |              | ns1: keyd + af_key/XFRM   |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+-- IKE, ESP --+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: how ns0 starts (start_action = start, or trap: policies
# only, and the first packet's ACQUIRE starts IKE) x transport v4,
# tunnel v6, tunnel v4, transport v6.
set -e
here=$(cd "$(dirname "$0")" && pwd)
XFER_BYTES=${XFER_BYTES:-524288}	# TCG: each cell negotiates as well
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
KEYD=$here/../../keyd/keyd
[ -x "$KEYD" ] || fail "build keyd/keyd first (make -C keyd)"

d=$(mktemp -d /tmp/keyd-pair.XXXXXX)
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
xdiag() { local n; for n in "$ns0" "$ns1"; do ip -n "$n" -s xfrm state; ip -n "$n" xfrm policy; done; }
cleanup_hooks=("stop 0" "stop 1" logs xdiag "rm -rf $d" "${cleanup_hooks[@]}")

pretty host "modprobe af_key"
modprobe af_key || { echo "SKIP: af_key is not available"; exit 77; }
cleanup_hooks+=("rmmod af_key 2>/dev/null")
topo_pair
setup_inner

nsas() { ip netns exec "$1" "$SETKEY" -D | grep -c "esp mode=" || true; }

conf() {	# SIDE MODE INNER OUTER START
	local me=$1 mode=$2 fi=$3 fo=$4 start=$5 peer=$((1 - $1))
	cat > "$d/keyd$me.conf" <<-EOC
	connections {
		peer {
			local_addrs = $(outer_addr "$me" "$fo")
			remote_addrs = $(outer_addr "$peer" "$fo")
			proposals = aes256gcm16-prfsha384-ecp256, aes128-sha256-x25519
			local {
				auth = psk
				id = keyd$me.example
			}
			remote {
				auth = psk
				id = keyd$peer.example
			}
			children {
				net {
					local_ts = $(inner_addr "$me" "$mode" "$fi")/$(plen "$fi")
					remote_ts = $(inner_addr "$peer" "$mode" "$fi")/$(plen "$fi")
					mode = $mode
					esp_proposals = aes128-sha256
					start_action = $start
				}
			}
		}
	}
	secrets {
		psk {
			id = keyd0.example
			id-2 = keyd1.example
			secret = "two keyds, one secret"
		}
	}
	EOC
	"$KEYD" --check -f "$d/keyd$me.conf" || fail "keyd --check refused its config"
}

cell() {	# START MODE INNER OUTER
	local how=$1 mode=$2 fi=$3 fo=$4 a0 a1 p n
	echo "=== cell $how $mode v$fi-in-v$fo"
	a0=$(inner_addr 0 "$mode" "$fi"); a1=$(inner_addr 1 "$mode" "$fi")
	conf 0 "$mode" "$fi" "$fo" "$how"
	conf 1 "$mode" "$fi" "$fo" none
	pretty ns1 "keyd -d -f $d/keyd1.conf"
	: > "$d/keyd0.log"; : > "$d/keyd1.log"
	ip netns exec "$ns1" "$KEYD" -d -f "$d/keyd1.conf" >> "$d/keyd1.log" 2>&1 &
	pid1=$!
	wait_for 60 grep -q "keyd started" "$d/keyd1.log"
	pretty ns0 "keyd -d -f $d/keyd0.conf"
	ip netns exec "$ns0" "$KEYD" -d -f "$d/keyd0.conf" >> "$d/keyd0.log" 2>&1 &
	pid0=$!
	wait_for 60 grep -q "keyd started" "$d/keyd0.log"
	if [ "$how" = trap ]; then
		wait_for 10 eval "ip netns exec $ns0 $SETKEY -DP | grep -q 'esp/$mode'"
		assert "$(nsas "$ns0") == 0" "trap: policies, no SA before traffic"
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
		assert "$p >= 500" "$how $mode v$fi: $n's SAs carried $p packets"
	done

	# ns0's Delete takes ns1's side down too.
	stop 0
	wait_for 20 eval "[ \$(nsas $ns1) = 0 ]"
	assert "$(nsas "$ns0") == 0" "$how $mode v$fi: keyd0 removed its SAs"
	echo "ok: $how $mode v$fi: the Delete emptied ns1"
	stop 1
	for n in "$ns0" "$ns1"; do
		ip netns exec "$n" "$SETKEY" -DP | grep -q "esp/" &&
			fail "keyd left policies in $n"
	done
	true
}

ALGS=(start trap)
COMBOS=("tunnel 4 4" "transport 6 6")
run_cells
