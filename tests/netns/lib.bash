# Helpers for the netns tests, sourced by each tests/netns/*.sh (model:
# WireGuard's tests/netns.sh). Every command a test runs in a namespace is
# echoed, so a failing log reads like a transcript.
#
#   n0 CMD / n1 CMD / n2 CMD   run CMD in namespace 0, 1 or 2
#   topo_pair                  ns0 <-veth-> ns1, v4 and v6 addressed
#   stat NS NAME               a counter from NS's /proc/net/nfipsec_stat
#   assert EXPR MESSAGE        fail the test unless EXPR (bash arithmetic)
#   wait_for SECONDS CMD...    poll CMD until it succeeds, instead of sleeping
set -eu
ns0=nfi0-$$ ns1=nfi1-$$ ns2=nfi2-$$
pretty() { echo "[+] $1: $2"; }
n0() { pretty ns0 "$*"; ip netns exec "$ns0" "$@"; }
n1() { pretty ns1 "$*"; ip netns exec "$ns1" "$@"; }
n2() { pretty ns2 "$*"; ip netns exec "$ns2" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
assert() { (( $1 )) || fail "$2 ($1)"; echo "ok: $2"; }

cleanup_hooks=()
cleanup() {
	set +e
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	for n in "$ns0" "$ns1" "$ns2"; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT

wait_for() {
	local t=$1; shift
	local end=$((SECONDS + t))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "timed out after ${t}s waiting for: $*"
		sleep 0.1
	done
}

stat() {
	ip netns exec "$1" awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print "missing" }' \
		/proc/net/nfipsec_stat
}

load_nfipsec() {
	[ -n "${NFIPSEC_KO:-}" ] || fail "NFIPSEC_KO not set"
	pretty host "insmod $NFIPSEC_KO"
	insmod "$NFIPSEC_KO"
	cleanup_hooks+=("rmmod nfipsec 2>/dev/null")
}

#   +----------------+                +----------------+
#   | ns0            |                | ns1            |
#   |  veth0 --------+----------------+-------- veth1  |
#   |  192.0.2.1/24  |                |  192.0.2.2/24  |
#   |  2001:db8::1   |                |  2001:db8::2   |
#   +----------------+                +----------------+
topo_pair() {
	ip netns add "$ns0"
	ip netns add "$ns1"
	ip -n "$ns0" link set lo up
	ip -n "$ns1" link set lo up
	ip link add veth0 netns "$ns0" type veth peer name veth1 netns "$ns1"
	n0 ip addr add 192.0.2.1/24 dev veth0
	n1 ip addr add 192.0.2.2/24 dev veth1
	n0 ip addr add 2001:db8::1/64 dev veth0 nodad
	n1 ip addr add 2001:db8::2/64 dev veth1 nodad
	n0 ip link set veth0 up
	n1 ip link set veth1 up
}
