#!/bin/bash
# keyd against strongSwan, on the wire: ns0 runs keyd keying nfipsec over
# PF_KEY, ns1 runs Debian's charon keying XFRM over netlink. Each cell
# negotiates IKE_SA_INIT + IKE_AUTH with a pre-shared key and the first
# Child SA, carries pings and a checked TCP transfer each way, checks that
# both kernels' SAs carried it, then stops keyd, whose Delete must take
# charon's SAs down too.  The -cert cells authenticate with certificates
# instead (tests/certs/mk-certs.sh: keyd an ECDSA P-256 one, charon RSA,
# so keyd verifies PKCS#1 and charon ECDSA, RFC 7427 both ways).
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + nfipsec       |              | ns1: charon + XFRM        |
#   |  lo: 10.0.0.1, fd00::1    |              |  lo: 10.0.1.1, fd00:1::1  |
#   |  veth0 -------------------+-- IKE, ESP --+------------------- veth1  |
#   |  192.0.2.1, 2001:db8::1   |              |  192.0.2.2, 2001:db8::2   |
#   +---------------------------+              +---------------------------+
#
# The matrix: keyd as initiator (start_action = start) and as responder
# (swanctl --initiate), with a PSK or certificates, x transport v4,
# transport v6, tunnel v4, tunnel v6.
# charon runs as charon-lib.bash sets it up.
# netns-timeout: 900
set -e
here=$(cd "$(dirname "$0")" && pwd)
XFER_BYTES=${XFER_BYTES:-524288}	# TCG: each cell negotiates as well
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/keyd-lib.bash"
. "$here/charon-lib.bash"
charon_require

d=$(mktemp -d /tmp/keyd-ss.XXXXXX)
keyd_make_pki
logs() {
	keyd_logs 40 keyd
	echo "--- charon log:"; tail -n 60 "$d/charon.log" 2>/dev/null
}
setup_pair keyd_stop_all logs diag "rm -rf $d"
charon_start "$ns1" "$d"

# What both kernels hold, when traffic did not pass.
cell_diag() {
	echo "--- ns0 SAD and SPD:"
	ip netns exec "$ns0" "$SETKEY" -D
	ip netns exec "$ns0" "$SETKEY" -DP
	echo "--- ns1 XFRM:"
	ip -n "$ns1" -s xfrm state
	ip -n "$ns1" xfrm policy
	ip netns exec "$ns1" awk '$2 != 0' /proc/net/xfrm_stat
}

PSK=keyd-and-strongswan-share-this
# The ends and secrets of both configurations, for AUTH psk or pubkey.
# With certificates charon's come from its swanctl directory ($d/sw).
keyd_auth() {	# AUTH
	if [ "$1" = psk ]; then
		keyd_ends psk keyd.example ss.example
	else
		keyd_ends pubkey ec256.test.example rsa.test.example \
			"$keyd_pki/ec256.pem" "$keyd_pki/cacerts.pem"
	fi
}
keyd_secrets() {	# AUTH
	if [ "$1" = psk ]; then
		printf 'secrets {\n\tpsk {\n\t\tid = keyd.example\n\t\tid-2 = ss.example\n'
		printf '\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
	else
		printf 'secrets {\n\tprivate-ec256 {\n\t\tfile = %s\n\t}\n}\n' "$keyd_pki/ec256.key"
	fi
}
ss_auth() {	# AUTH
	if [ "$1" = psk ]; then
		keyd_ends psk ss.example keyd.example
	else
		keyd_ends pubkey rsa.test.example ec256.test.example rsa.pem ca.pem
	fi
}
ss_secrets() {	# AUTH
	[ "$1" = psk ] || return 0
	printf 'secrets {\n\tike-keyd {\n\t\tid-1 = ss.example\n\t\tid-2 = keyd.example\n'
	printf '\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
}

cell() {	# ROLE[-cert] MODE INNER OUTER
	local role=${1%-cert} auth=psk mode=$2 fi=$3 fo=$4 pl start=none p p0
	[ "$1" = "$role" ] || auth=pubkey
	pl=$(plen "$fi")
	[ "$role" = init ] && start=start
	cat > "$d/keyd.conf" <<-EOC
	connections {
		ss {
			local_addrs = $o0
			remote_addrs = $o1
			proposals = aes128gcm16-prfsha256-x25519
	$(keyd_auth "$auth")
			children {
				net {
					local_ts = $a0/$pl
					remote_ts = $a1/$pl
					mode = $mode
					esp_proposals = aes128gcm16
					start_action = $start
				}
			}
		}
	}
	$(keyd_secrets "$auth")
	EOC
	cat > "$d/swanctl.conf" <<-EOC
	connections {
		keyd {
			version = 2
			local_addrs = $o1
			remote_addrs = $o0
			proposals = aes128gcm16-prfsha256-curve25519
	$(ss_auth "$auth")
			children {
				net {
					local_ts = $a1/$pl
					remote_ts = $a0/$pl
					mode = $mode
					esp_proposals = aes128gcm16
				}
			}
		}
	}
	$(ss_secrets "$auth")
	EOC
	if [ "$auth" = pubkey ]; then
		# swanctl loads credentials from its directory's x509*/private
		mkdir -p "$d/sw/x509" "$d/sw/x509ca" "$d/sw/private"
		cp "$keyd_pki/rsa.pem" "$d/sw/x509/"
		cp "$keyd_pki/ca.pem" "$d/sw/x509ca/"
		cp "$keyd_pki/rsa.key" "$d/sw/private/"
		cp "$d/swanctl.conf" "$d/sw/"
		charon_load "$d/sw/swanctl.conf" "$d/sw"
	else
		charon_load "$d/swanctl.conf"
	fi
	keyd_run keyd "$ns0"
	if [ "$role" = resp ]; then
		sleep 0.5
		ss --initiate --child net --timeout 60 || fail "charon could not initiate"
	fi
	wait_for 60 eval "ss --list-sas | grep -q INSTALLED"
	ss --list-sas
	[ "$(sa_count "$ns0")" = 2 ] || fail "nfipsec does not hold an SA pair"
	grep -q "IKE_AUTH.*established" "$d/keyd.log" ||
		fail "keyd logged no IKE_AUTH"
	if [ "$auth" = pubkey ]; then
		grep -q "authentication of 'ec256.test.example' with ECDSA" "$d/charon.log" ||
			fail "charon did not verify keyd's ECDSA signature"
	fi

	p0=$(ip netns exec "$ns0" awk '$1 == "OutPackets" || $1 == "InPackets" { s += $2 } END { print s + 0 }' \
		/proc/net/nfipsec_stat)
	ping_pair "$a0" "$a1" || { cell_diag; fail "ping $a0 <-> $a1"; }
	xfer_pair "$a0" "$a1"
	p=$(ip -n "$ns1" -s xfrm state | sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	assert "$p >= 2 * $(xfer_min)" "keyd-$1 $mode v$fi: XFRM carried $p packets both ways"
	p=$(ip netns exec "$ns0" awk '$1 == "OutPackets" || $1 == "InPackets" { s += $2 } END { print s + 0 }' \
		/proc/net/nfipsec_stat)
	assert "$p - $p0 >= 2 * $(xfer_min)" "keyd-$1 $mode v$fi: nfipsec carried $((p - p0)) packets both ways"

	# keyd's Delete takes charon's side down too.
	keyd_stop keyd
	wait_for 20 eval "! ss --list-sas | grep -q keyd"
	assert "$(ip -n "$ns1" xfrm state | grep -c '^src')  == 0" \
		"keyd-$1 $mode v$fi: the Delete removed charon's SAs"
	[ "$(sa_count "$ns0")" = 0 ] || fail "keyd left SAs in nfipsec"
	ip netns exec "$ns0" "$SETKEY" -F
	ip netns exec "$ns0" "$SETKEY" -FP
}

ALGS=(init resp init-cert resp-cert)
COMBOS=("transport 4 4" "tunnel 6 6" "tunnel 4 4" "transport 6 6")
run_cells
assert "$(stat "$ns0" InIcvError) == 0" "no ICV failures"
