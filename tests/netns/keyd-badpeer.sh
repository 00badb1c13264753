#!/bin/bash
# Bad peers, keyd (nfipsec) against strongSwan's charon (XFRM).  Each case
# must be refused with the right notify, logged by keyd in one line, and
# leave nothing in nfipsec (no SA, larval ones included, and no IPsec
# policy), while charon's log shows the refusal:
#
#   case        keyd is    what is wrong                     notify
#   psk-resp    responder  charon's PSK                      AUTHENTICATION_FAILED
#   psk-init    initiator  keyd's PSK (charon refuses it)    AUTHENTICATION_FAILED
#   cert-resp   responder  charon's cert is from another CA  AUTHENTICATION_FAILED
#   cert-init   initiator  the same, found by keyd in the
#                          answer and told in an INFORMATIONAL (RFC 7296 §2.21.2)
#   ts-resp     responder  charon's selectors are outside
#                          keyd's PAD entry for it           TS_UNACCEPTABLE
#   ts-init     initiator  keyd's selectors are outside
#                          what charon allows                TS_UNACCEPTABLE
#
# A TS refusal leaves the IKE SA up (§1.2); the others take it down.
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + nfipsec       |              | ns1: charon + XFRM        |
#   |  lo: 10.0.0.1             |              |  lo: 10.0.1.1             |
#   |  veth0 192.0.2.1 ---------+---- IKE -----+--------- veth1 192.0.2.2  |
#   +---------------------------+              +---------------------------+
# netns-timeout: 900
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/keyd-lib.bash"
. "$here/charon-lib.bash"
charon_require

d=$(mktemp -d /tmp/keyd-bad.XXXXXX)
keyd_make_pki
logs() {
	keyd_logs 30 keyd
	echo "--- charon log:"; grep -E "IKE\]|ENC\]|CFG\]" "$d/charon.log" 2>/dev/null | tail -n 30
}
setup_pair keyd_stop_all logs diag "rm -rf $d"
charon_start "$ns1" "$d"

PSK=the-right-secret
# keyd's side: AUTH psk|cert, START start|none, its PSK, the PAD's TS.
keyd_conf() {	# AUTH START PSK PAD_TS
	local auth=$1 start=$2 psk=$3 padts=$4
	{
	if [ -n "$padts" ]; then
		printf 'pad {\n\tss {\n\t\tid = ss.example\n\t\tauth = psk\n'
		printf '\t\tremote_ts = %s\n\t}\n}\n' "$padts"
	fi
	printf 'connections {\n\tss {\n\t\tlocal_addrs = 192.0.2.1\n'
	printf '\t\tremote_addrs = 192.0.2.2\n'
	printf '\t\tproposals = aes128gcm16-prfsha256-x25519\n'
	if [ "$auth" = psk ]; then
		keyd_ends psk keyd.example ss.example
	else
		keyd_ends pubkey ec256.test.example stranger.test.example \
			"$keyd_pki/ec256.pem" "$keyd_pki/cacerts.pem"
	fi
	printf '\t\tchildren {\n\t\t\tnet {\n\t\t\t\tlocal_ts = 10.0.0.0/24\n'
	printf '\t\t\t\tremote_ts = 10.0.1.0/24\n\t\t\t\tesp_proposals = aes128gcm16\n'
	printf '\t\t\t\tstart_action = %s\n\t\t\t}\n\t\t}\n\t}\n}\n' "$start"
	if [ "$auth" = psk ]; then
		printf 'secrets {\n\tpsk {\n\t\tid = keyd.example\n\t\tid-2 = ss.example\n'
		printf '\t\tsecret = "%s"\n\t}\n}\n' "$psk"
	else
		printf 'secrets {\n\tprivate-ec256 {\n\t\tfile = %s\n\t}\n}\n' "$keyd_pki/ec256.key"
	fi
	} > "$d/keyd.conf"
}

# charon's side: AUTH psk|cert (cert: the stranger's, below other-ca),
# its PSK, the selectors it allows for keyd.
ss_conf() {	# AUTH PSK REMOTE_TS
	local auth=$1 psk=$2 rts=$3
	rm -rf "$d/sw"
	mkdir -p "$d/sw/x509" "$d/sw/x509ca" "$d/sw/private"
	cp "$keyd_pki/stranger.pem" "$d/sw/x509/"
	cp "$keyd_pki/stranger.key" "$d/sw/private/"
	cp "$keyd_pki/ca.pem" "$d/sw/x509ca/"
	{
	printf 'connections {\n\tkeyd {\n\t\tversion = 2\n\t\tlocal_addrs = 192.0.2.2\n'
	printf '\t\tremote_addrs = 192.0.2.1\n'
	printf '\t\tproposals = aes128gcm16-prfsha256-curve25519\n'
	if [ "$auth" = psk ]; then
		keyd_ends psk ss.example keyd.example
	else
		printf '\t\tsend_cert = always\n'
		keyd_ends pubkey stranger.test.example ec256.test.example stranger.pem ca.pem
	fi
	printf '\t\tchildren {\n\t\t\tnet {\n\t\t\t\tlocal_ts = 10.0.1.1/32\n'
	printf '\t\t\t\tremote_ts = %s\n\t\t\t\tesp_proposals = aes128gcm16\n' "$rts"
	printf '\t\t\t}\n\t\t}\n\t}\n}\n'
	if [ "$auth" = psk ]; then
		printf 'secrets {\n\tike-keyd {\n\t\tid-1 = ss.example\n\t\tid-2 = keyd.example\n'
		printf '\t\tsecret = "%s"\n\t}\n}\n' "$psk"
	fi
	} > "$d/sw/swanctl.conf"
	charon_load "$d/sw/swanctl.conf" "$d/sw"
}

# Nothing of this peer in nfipsec: no SA (larval ones included), no
# IPsec policy (IKE's bypass policies are keyd's own, for any peer).
nothing_installed() {	# CASE
	local sad spd
	sad=$(ip netns exec "$ns0" "$SETKEY" -D)
	spd=$(ip netns exec "$ns0" "$SETKEY" -DP)
	if echo "$sad" | grep -q "mode=" || echo "$spd" | grep -q "esp/"; then
		echo "$sad"; echo "$spd"
		fail "$1: keyd left state in nfipsec"
	fi
	echo "ok: $1: nothing installed in nfipsec"
}

# One case: configure both, start keyd, let the initiator go, then check
# keyd's one line, nfipsec's emptiness and charon's log.
bad() {	# CASE ROLE KEYD_LINE CHARON_LINE [IKE_UP]
	local name=$1 role=$2 kline=$3 sline=$4 up=${5:-}
	echo "=== case $name: keyd $role"
	: > "$d/charon.log"
	keyd_run keyd "$ns0"
	if [ "$role" = resp ]; then
		sleep 0.5
		! ss --initiate --child net --timeout 30 > "$d/initiate.out" 2>&1 ||
			fail "$name: charon's initiate succeeded"
	fi
	wait_for 30 grep -qE "$kline" "$d/keyd.log"
	assert "$(grep -cE "$kline" "$d/keyd.log") == 1" "$name: keyd logs it in one line"
	grep -E "$kline" "$d/keyd.log"
	wait_for 20 grep -qE "$sline" "$d/charon.log"
	echo "ok: $name: charon logs $(grep -m1 -oE "$sline" "$d/charon.log")"
	sleep 1		# anything that would still be installed, is
	nothing_installed "$name"
	assert "$(grep -c 'CHILD_SA up' "$d/keyd.log") == 0" "$name: no child came up"
	if [ -n "$up" ]; then
		assert "$(ss --list-sas | grep -c ESTABLISHED) == 1" \
			"$name: the IKE SA stays up (§1.2)"
	else
		wait_for 20 eval "! ss --list-sas | grep -q ESTABLISHED"
		echo "ok: $name: no IKE SA left on charon's side"
	fi
	keyd_stop keyd
	ss --terminate --ike keyd --force --timeout 5 > /dev/null 2>&1 || true
	nothing_installed "$name, keyd stopped"
}

keyd_conf psk none "$PSK" ""
ss_conf psk wrong-secret 10.0.0.1/32
bad psk-resp resp "IKE_AUTH .*AUTHENTICATION_FAILED \(" \
	"received AUTHENTICATION_FAILED notify error"

keyd_conf psk start wrong-secret ""
ss_conf psk "$PSK" 10.0.0.1/32
bad psk-init init "IKE_AUTH .*refused: AUTHENTICATION_FAILED" \
	"MAC mismatched"

keyd_conf cert none "" ""
ss_conf cert "" 10.0.0.1/32
bad cert-resp resp "IKE_AUTH .*AUTHENTICATION_FAILED \(certificate" \
	"received AUTHENTICATION_FAILED notify error"

keyd_conf cert start "" ""
ss_conf cert "" 10.0.0.1/32
bad cert-init init "IKE_AUTH .*responder failed authentication \(certificate" \
	"parsed INFORMATIONAL request [0-9]+ \[ N\(AUTH_FAILED\) \]"
grep -q "INFORMATIONAL .*AUTHENTICATION_FAILED sent" "$d/keyd.log" ||
	fail "cert-init: keyd did not tell charon"

keyd_conf psk none "$PSK" 10.0.9.0/24
ss_conf psk "$PSK" 10.0.0.1/32
bad ts-resp resp "CHILD_SA .*refused: TS_UNACCEPTABLE" \
	"received TS_UNACCEPTABLE notify" up
grep -q "TS outside the PAD" "$d/keyd.log" || fail "ts-resp: not refused for the PAD"

keyd_conf psk start "$PSK" ""
ss_conf psk "$PSK" 10.0.9.0/24
bad ts-init init "IKE_AUTH .*child net refused: TS_UNACCEPTABLE" \
	"TS_UNACCEPT" up
