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
KEYD=$here/../../keyd/keyd
KEYDCTL=$here/../../keyd/keydctl
[ -x "$KEYD" ] && [ -x "$KEYDCTL" ] || fail "build keyd first (make -C keyd)"

d=$(mktemp -d /tmp/keyd-ctl.XXXXXX)
pki=$here/../../keyd/tests/certs.d
# the unit tests' arguments: an up-to-date PKI is left as it is
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
				certs = $pki/$cert.pem
				id = $cert.test.example
			}
			remote {
				auth = pubkey
				id = *.test.example	# so a stranger gets to its certificate
				cacerts = $pki/cacerts.pem
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
			file = $pki/$cert.key
		}
	}
	EOC
	"$KEYD" --check -f "$d/keyd$me.conf" || fail "keyd --check refused its config"
}

conf 0 ec256
conf 1 rsa
ip netns exec "$ns1" "$KEYD" -d -f "$d/keyd1.conf" >> "$d/keyd1.log" 2>&1 &
pid1=$!
# The first REGISTER in a fresh VM waits for nfipsec's crypto probes.
wait_for 150 grep -q "keyd started" "$d/keyd1.log"
ip netns exec "$ns0" "$KEYD" -d -f "$d/keyd0.conf" >> "$d/keyd0.log" 2>&1 &
pid0=$!
wait_for 150 grep -q "keyd started" "$d/keyd0.log"
wait_for 10 test -S "$d/ctl0"

out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "list before anything: '$out'"
echo "ok: list: no IKE SAs yet"
rc=0; ctl 0 frobnicate 2>/dev/null || rc=$?
assert "$rc == 2" "keydctl: an unknown verb is a usage error"
rc=0; ctl 0 initiate nosuch 2>/dev/null || rc=$?
assert "$rc == 1" "keydctl: initiate of an unknown connection is refused"

ctl 0 initiate peer
wait_for 60 eval "[ \$(nsas $ns0) = 2 ] && [ \$(nsas $ns1) = 2 ]"
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
wait_for 20 eval "[ \$(nsas $ns0) = 0 ] && [ \$(nsas $ns1) = 0 ]"
echo "ok: terminate by name: both sides' SAs gone"

ctl 0 initiate peer/net
wait_for 60 eval "[ \$(nsas $ns0) = 2 ] && [ \$(nsas $ns1) = 2 ]"
spi=$(ctl 1 list | awk '/ESTABLISHED/ { split($2, s, "_"); print s[1]; exit }')
[ ${#spi} = 16 ] || fail "no initiator SPI in ns1's list"
ctl 1 terminate "$spi"
wait_for 20 eval "[ \$(nsas $ns0) = 0 ] && [ \$(nsas $ns1) = 0 ]"
echo "ok: terminate by SPI from the responder: both sides' SAs gone"

# A broken file is refused with its line; keyd goes on with the old one.
cp "$d/keyd0.conf" "$d/keyd0.good"
sed -i '1i bogus = 1' "$d/keyd0.conf"
rc=0; out=$(ctl 0 reload 2>&1) || rc=$?
echo "$out"
assert "$rc == 1" "reload of a broken file fails"
echo "$out" | grep -q "keyd0.conf:1: unknown key 'bogus'" ||
	fail "reload does not name the line"
kill -0 "$pid0" || fail "keyd0 died on a bad reload"
out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "keyd0 does not answer after a bad reload"

# Now a certificate from a CA ns1 does not trust: reloaded, then refused.
conf 0 stranger
ctl 0 reload
ctl 0 initiate peer
wait_for 30 grep -q "AUTHENTICATION_FAILED (certificate rejected" "$d/keyd1.log"
wait_for 20 grep -q "IKE_AUTH refused" "$d/keyd0.log"
assert "$(nsas "$ns0") == 0 && $(nsas "$ns1") == 0" \
	"untrusted certificate: refused, no SA on either side"
out=$(ctl 0 list)
[ "$out" = "no IKE SAs" ] || fail "keyd0 kept the refused IKE SA: $out"

# And back: the good file again, and it works.
cp "$d/keyd0.good" "$d/keyd0.conf"
ctl 0 reload
ctl 0 initiate peer
wait_for 60 eval "[ \$(nsas $ns0) = 2 ] && [ \$(nsas $ns1) = 2 ]"
n1 ping -q -c 2 -i 0.2 -W 2 -I 10.0.1.1 10.0.0.1
echo "ok: reloaded back, up again"
stop 0
wait_for 20 eval "[ \$(nsas $ns1) = 0 ]"
stop 1
[ ! -e "$d/ctl0" ] || fail "keyd0 left its control socket behind"
echo "ok: the control socket is removed at exit"
