#!/bin/bash
# Rekeying under load, keyd (nfipsec) against strongSwan's charon (XFRM):
# an iperf3 TCP stream runs through a tunnel while
#   (a) keyd rekeys the Child SA every 8 s with PFS (the kernel's soft
#       EXPIRE starts it) and the IKE SA after 15 s, then
#   (b) charon does the same and keyd answers.
# The stream must survive both, every rekey must leave exactly one SA pair
# in nfipsec (make-before-break: the old pair goes once the new one is
# in), no ESP may arrive for an SPI nfipsec no longer knows, no packet may
# fail its ICV on either side (each new pair's keys agree: in (b) the
# first child rekey is charon's on keyd's IKE SA, so KEYMAT's first keys
# are charon's outbound ones, RFC 7296 §2.17), and with dpd_delay set
# keyd's liveness checks must be answered.
#
#   ns0: keyd + nfipsec, 10.0.0.1 (lo)  <-- veth -->  ns1: charon + XFRM, 10.0.1.1
# netns-timeout: 600
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
. "$here/keyd-lib.bash"
. "$here/charon-lib.bash"
command -v iperf3 > /dev/null || fail "iperf3 is missing (scripts/setup installs it)"
charon_require
# charon's XfrmInStateProtoError is read below.
[ -r /proc/net/xfrm_stat ] || fail "this kernel has no /proc/net/xfrm_stat (CONFIG_XFRM_STATISTICS)"

d=$(mktemp -d /tmp/keyd-rekey.XXXXXX)
iperf_pid=
logs() {
	echo "--- keyd log:"; grep -v "retransmit" "$d/keyd.log" 2>/dev/null | tail -n 60
	echo "--- charon log:"; tail -n 40 "$d/charon.log" 2>/dev/null
}
setup_pair keyd_stop_all "[ -z \"\$iperf_pid\" ] || kill \$iperf_pid" logs diag "rm -rf $d"
charon_start "$ns1" "$d"

PSK=rekeying-under-load
# XFRM counts an inbound ESP packet that fails its ICV here.
xfrm_icv() { ip netns exec "$ns1" awk '$1 == "XfrmInStateProtoError" { print $2 }' /proc/net/xfrm_stat; }

phase() {	# WHO (keyd|charon)
	local who=$1 krekey=1h kchild=1h srekey=0 schild=0 before p
	echo "=== phase: $who rekeys"
	if [ "$who" = keyd ]; then krekey=15s kchild=8s; else srekey=15s schild=8s; fi
	cat > "$d/keyd.conf" <<-EOC
	connections {
		ss {
			local_addrs = 192.0.2.1
			remote_addrs = 192.0.2.2
			proposals = aes256gcm16-prfsha384-x25519
			rekey_time = $krekey
			dpd_delay = 4s
			local {
				auth = psk
				id = keyd.example
			}
			remote {
				auth = psk
				id = ss.example
			}
			children {
				net {
					local_ts = 10.0.0.1/32
					remote_ts = 10.0.1.1/32
					esp_proposals = aes128gcm16-x25519
					rekey_time = $kchild
					life_time = 2h
					start_action = start
				}
			}
		}
	}
	secrets {
		psk {
			id = keyd.example
			id-2 = ss.example
			secret = "$PSK"
		}
	}
	EOC
	cat > "$d/swanctl.conf" <<-EOC
	connections {
		keyd {
			version = 2
			local_addrs = 192.0.2.2
			remote_addrs = 192.0.2.1
			proposals = aes256gcm16-prfsha384-curve25519
			rekey_time = $srekey
			rand_time = 0s
			# not 10 % of rekey_time: a rekey that waits for another
			# exchange on a loaded TCG host would hit the hard limit
			over_time = 1h
			local {
				auth = psk
				id = ss.example
			}
			remote {
				auth = psk
				id = keyd.example
			}
			children {
				net {
					local_ts = 10.0.1.1/32
					remote_ts = 10.0.0.1/32
					esp_proposals = aes128gcm16-curve25519
					rekey_time = $schild
					life_time = 2h
					rand_time = 0s
				}
			}
		}
	}
	secrets {
		ike-keyd {
			id-1 = ss.example
			id-2 = keyd.example
			secret = "$PSK"
		}
	}
	EOC
	charon_load "$d/swanctl.conf"
	keyd_run keyd "$ns0"
	wait_for 60 eval "ss --list-sas | grep -q INSTALLED"
	wait_for 10 eval "[ \$(sa_count $ns0) = 2 ]"
	before=$(stat "$ns0" InNoStates)
	icv=$(stat "$ns0" InIcvError) perr=$(xfrm_icv)

	ip netns exec "$ns1" iperf3 -s -1 -B 10.0.1.1 > "$d/iperf-s.log" 2>&1 &
	iperf_pid=$!
	sleep 1
	n0 iperf3 -c 10.0.1.1 -B 10.0.0.1 -t 26 -i 0 > "$d/iperf.log" 2>&1 ||
		{ cat "$d/iperf.log"; fail "$who rekeys: the TCP stream broke"; }
	wait $iperf_pid 2>/dev/null || true
	iperf_pid=
	grep -E "sender|receiver" "$d/iperf.log"
	echo "ok: $who rekeys: iperf3 ran 26 s through every rekey"

	if [ "$who" = keyd ]; then
		p=$(grep -c "CHILD_SA up" "$d/keyd.log")
		assert "$p >= 3" "keyd rekeyed the Child SA (with PFS) $((p - 1)) times"
		assert "$(grep -c 'IKE SA rekeyed$' "$d/keyd.log") >= 1" "keyd rekeyed the IKE SA"
	else
		p=$(grep -c "peer rekeys net" "$d/keyd.log")
		assert "$p >= 2" "charon rekeyed the Child SA $p times, keyd answered"
		assert "$(grep -c 'IKE SA rekeyed by the peer' "$d/keyd.log") >= 1" \
			"charon rekeyed the IKE SA, keyd answered"
	fi
	wait_for 10 eval "[ \$(sa_count $ns0) = 2 ]"
	echo "ok: $who rekeys: nfipsec holds one SA pair, the old ones are gone"
	assert "$(stat "$ns0" InNoStates) == $before" "$who rekeys: no ESP for a deleted SA"
	assert "$(stat "$ns0" InIcvError) == $icv" "$who rekeys: no ICV failure on nfipsec"
	assert "$(xfrm_icv) == $perr" "$who rekeys: no XfrmInStateProtoError on charon's side"
	assert "$(ss --list-sas | grep -c ESTABLISHED) == 1" "$who rekeys: charon holds one IKE SA"
	assert "$(grep -c 'peer alive' "$d/keyd.log") >= 1" "$who rekeys: liveness checks answered"

	keyd_stop keyd
	wait_for 20 eval "! ss --list-sas | grep -q keyd"
	assert "$(sa_count "$ns0") == 0" "$who rekeys: keyd's Delete emptied both sides"
}

phase keyd
phase charon
