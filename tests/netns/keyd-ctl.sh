#!/bin/bash
# keydctl against running keyds, authenticating with certificates: list,
# initiate, terminate by connection and by SPI, a refused and an accepted
# reload, and a peer whose certificate comes from a CA the other side does
# not trust (refused, nothing installed).
#
#   +---------------------------+              +---------------------------+
#   | ns0: keyd + nfipsec       |              | ns1: keyd + nfipsec       |
#   |  ctl: $d/ctl0             |              |  ctl: $d/ctl1             |
#   |  lo: 10.0.0.1             |              |  lo: 10.0.1.1             |
#   |  veth0 -------------------+-- IKE, ESP --+------------------- veth1  |
#   |  192.0.2.1                |              |  192.0.2.2                |
#   |  cert ec256.test.example  |              |  cert rsa.test.example    |
#   +---------------------------+              +---------------------------+
#
# The PKI is tests/certs/mk-certs.sh's, in keyd/tests/certs.d (made by
# `make -C keyd test`; made here otherwise, slowly under TCG).
set -e
here=$(cd "$(dirname "$0")" && pwd)
XFER_BYTES=${XFER_BYTES:-131072}
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/keyd-lib.bash"
KEYDCTL=$here/../../keyd/keydctl
[ -x "$KEYDCTL" ] || fail "build keyd first (make -C keyd)"

d=$(mktemp -d /tmp/keyd-ctl.XXXXXX)
keyd_make_pki
setup_pair keyd_stop_all "keyd_logs 30 keyd0 keyd1" diag_pair "rm -rf $d"

ctl() {	# SIDE ARGS...: keydctl in that side's namespace
	local me=$1; shift
	pretty "ns$me" "keydctl $*" >&2	# stdout is the answer
	ip netns exec "$(nsname "$me")" "$KEYDCTL" -s "$d/ctl$me" "$@"
}

conf() {	# SIDE CERTNAME
	local me=$1 cert=$2 peer=$((1 - $1))
	cat > "$d/keyd$me.conf" <<-EOC
	ctl_socket = $d/ctl$me
	connections {
		peer {
			local_addrs = 192.0.2.$((me + 1))
			remote_addrs = 192.0.2.$((peer + 1))
			local {
				auth = pubkey
				certs = $keyd_pki/$cert.pem
				id = $cert.test.example
			}
			remote {
				auth = pubkey
				id = *.test.example	# so a stranger gets to its certificate
				cacerts = $keyd_pki/cacerts.pem
			}
			children {
				net {
					local_ts = 10.0.$me.1/32
					remote_ts = 10.0.$peer.1/32
					esp_proposals = aes128gcm16
				}
			}
		}
	}
	secrets {
		private-key {
			file = $keyd_pki/$cert.key
		}
	}
	EOC
	keyd_check "keyd$me"
}

conf 0 ec256
conf 1 rsa
keyd_run keyd1 "$ns1"
keyd_run keyd0 "$ns0"
wait_for 10 test -S "$d/ctl0"

out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "list before anything: '$out'"
echo "ok: list: no IKE SAs yet"
rc=0; ctl 0 frobnicate 2>/dev/null || rc=$?
assert "$rc == 2" "keydctl: an unknown verb is a usage error"
rc=0; ctl 0 initiate nosuch 2>/dev/null || rc=$?
assert "$rc == 1" "keydctl: initiate of an unknown connection is refused"

ctl 0 initiate peer
wait_for 60 eval "[ \$(sa_count $ns0) = 2 ] && [ \$(sa_count $ns1) = 2 ]"
out=$(ctl 1 list)
echo "$out"
echo "$out" | grep -q "^peer [0-9a-f]\{16\}_[0-9a-f]\{16\} ESTABLISHED .* ec256.test.example$" ||
	fail "ns1's list does not show the IKE SA with the certificate's id"
echo "$out" | grep -q "^  net [0-9a-f]\{8\}/[0-9a-f]\{8\} tunnel 10.0.1.1-10.0.1.1 === 10.0.0.1-10.0.0.1$" ||
	fail "ns1's list does not show the child"
echo "ok: list shows the IKE SA and its child"
n0 ping -q -c 2 -i 0.2 -W 2 -I 10.0.0.1 10.0.1.1
xfer "$ns0" 10.0.0.1 "$ns1" 10.0.1.1

ctl 0 terminate peer
wait_for 20 eval "[ \$(sa_count $ns0) = 0 ] && [ \$(sa_count $ns1) = 0 ]"
echo "ok: terminate by name: both sides' SAs gone"

ctl 0 initiate peer/net
wait_for 60 eval "[ \$(sa_count $ns0) = 2 ] && [ \$(sa_count $ns1) = 2 ]"
spi=$(ctl 1 list | awk '/ESTABLISHED/ { split($2, s, "_"); print s[1]; exit }')
[ ${#spi} = 16 ] || fail "no initiator SPI in ns1's list"
ctl 1 terminate "$spi"
wait_for 20 eval "[ \$(sa_count $ns0) = 0 ] && [ \$(sa_count $ns1) = 0 ]"
echo "ok: terminate by SPI from the responder: both sides' SAs gone"

# A broken file is refused with its line; keyd goes on with the old one.
cp "$d/keyd0.conf" "$d/keyd0.good"
sed -i '1i bogus = 1' "$d/keyd0.conf"
rc=0; out=$(ctl 0 reload 2>&1) || rc=$?
echo "$out"
assert "$rc == 1" "reload of a broken file fails"
echo "$out" | grep -q "keyd0.conf:1: unknown key 'bogus'" ||
	fail "reload does not name the line"
kill -0 "${keyd_pids[keyd0]}" || fail "keyd0 died on a bad reload"
out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "keyd0 does not answer after a bad reload"

# Now a certificate from a CA ns1 does not trust: reloaded, then refused.
conf 0 stranger
ctl 0 reload
ctl 0 initiate peer
wait_for 30 grep -q "AUTHENTICATION_FAILED (certificate rejected" "$d/keyd1.log"
wait_for 20 grep -q "IKE_AUTH refused" "$d/keyd0.log"
assert "$(sa_count "$ns0") == 0 && $(sa_count "$ns1") == 0" \
	"untrusted certificate: refused, no SA on either side"
out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "keyd0 kept the refused IKE SA: $out"

# And back: the good file again, and it works.
cp "$d/keyd0.good" "$d/keyd0.conf"
ctl 0 reload
ctl 0 initiate peer
wait_for 60 eval "[ \$(sa_count $ns0) = 2 ] && [ \$(sa_count $ns1) = 2 ]"
n1 ping -q -c 2 -i 0.2 -W 2 -I 10.0.1.1 10.0.0.1
echo "ok: reloaded back, up again"
keyd_stop keyd0
wait_for 20 eval "[ \$(sa_count $ns1) = 0 ]"
keyd_stop keyd1
[ ! -e "$d/ctl0" ] || fail "keyd0 left its control socket behind"
echo "ok: the control socket is removed at exit"
