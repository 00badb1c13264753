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
. "$here/keyd-lib.bash"

d=$(mktemp -d /tmp/keyd-pair.XXXXXX)
keyd_make_pki
setup_pair keyd_stop_all "keyd_logs 30 keyd0 keyd1" diag_pair "rm -rf $d"

cell() {	# START[-cert] MODE INNER OUTER
	local how=${1%-cert} auth=psk
	[ "$1" = "$how" ] || auth=pubkey
	keyd_pair_conf 0 "$2" "$3" "$4" "$how" "$auth" "aes128gcm16, aes256-sha256"
	keyd_pair_conf 1 "$2" "$3" "$4" none "$auth" "aes128gcm16, aes256-sha256"
	keyd_pair_cell "$1 $2 v$3" "$how" "$2"
}

ALGS=(start trap start-cert trap-cert)
COMBOS=("transport 4 4" "tunnel 6 6" "tunnel 4 4" "transport 6 6")
run_cells
for n in "$ns0" "$ns1"; do
	assert "$(stat "$n" InIcvError) == 0" "$n: no ICV failures"
done
