# Helpers for the netns tests, sourced by each tests/netns/*.sh (model:
# WireGuard's tests/netns.sh). Every command a test runs in a namespace is
# echoed, so a failing log reads like a transcript.
#
#   n0 CMD / n1 CMD / n2 CMD   run CMD in namespace 0, 1 or 2
#   topo_pair                  ns0 <-veth-> ns1, v4 and v6 addressed
#   topo_line NET4 NET6        topo_pair, and ns2 behind ns1 on those nets
#   neigh_pair                 static neighbours on topo_pair's link
#   stat NS NAME               a counter from NS's /proc/net/nfipsec_stat
#   assert EXPR MESSAGE        fail the test unless EXPR (bash arithmetic)
#   wait_for SECONDS CMD...    poll CMD until it succeeds, instead of sleeping
#   netns_add NS...            namespaces, lo up in each
#   veth_add NS_A IF_A NS_B IF_B  a veth pair between two namespaces, both ends up
#   mac NS IFACE               IFACE's link-layer address
#   capture_start NAME NS IFACE [ARG...]  tcpdump on IFACE in NS, saved as
#                              capture NAME; ARGs are tcpdump's (-Q out, -c 1)
#                              then its filter. Returns once tcpdump listens.
#   capture_stop NAME...       stop them, after a moment for what is in flight
#   capture_count NAME [FILTER]  packets of capture NAME (that match FILTER)
#   capture_read NAME [ARG...] tcpdump -r of it (-v, a filter); capture_file NAME
#   capture_show NAME [FILTER] its first packets, verbose, for the log
#   capture_await NAME CMD...  CMD until a capture started with -c N has them
set -eu
ns0=nfi0-$$ ns1=nfi1-$$ ns2=nfi2-$$
pretty() { echo "[+] $1: $2"; }
# what pretty calls a namespace: ns0 for "$ns0"
nslabel() { case $1 in "$ns0") echo ns0 ;; "$ns1") echo ns1 ;; "$ns2") echo ns2 ;; *) echo "$1" ;; esac; }
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
	for h in "${cap_pid[@]}"; do [ -z "$h" ] || kill "$h" 2>/dev/null; done
	[ -z "$cap_dir" ] || rm -rf "$cap_dir"
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

netns_add() {
	local n
	for n in "$@"; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
}
veth_add() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

#   +----------------+                +----------------+
#   | ns0            |                | ns1            |
#   |  veth0 --------+----------------+-------- veth1  |
#   |  192.0.2.1/24  |                |  192.0.2.2/24  |
#   |  2001:db8::1   |                |  2001:db8::2   |
#   +----------------+                +----------------+
topo_pair() {
	netns_add "$ns0" "$ns1"
	veth_add "$ns0" veth0 "$ns1" veth1
	n0 ip addr add 192.0.2.1/24 dev veth0
	n1 ip addr add 192.0.2.2/24 dev veth1
	n0 ip addr add 2001:db8::1/64 dev veth0 nodad
	n1 ip addr add 2001:db8::2/64 dev veth1 nodad
}

# topo_line NET4 NET6: topo_pair, and ns2 behind ns1, which forwards:
#   ns1 veth3 NET4.1/24 NET6::1/64 <-veth-> ns2 veth2 NET4.2/24 NET6::2/64
topo_line() {
	topo_pair
	netns_add "$ns2"
	veth_add "$ns1" veth3 "$ns2" veth2
	n1 ip addr add "$1.1/24" dev veth3
	n2 ip addr add "$1.2/24" dev veth2
	n1 ip addr add "$2::1/64" dev veth3 nodad
	n2 ip addr add "$2::2/64" dev veth2 nodad
	n1 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# Static neighbours on topo_pair's link, both families: then every packet
# a side sends from its address there is one a capture accounts for, and
# neighbour discovery cannot depend on policies covering those addresses.
neigh_pair() {
	local mac0 mac1
	mac0=$(mac "$ns0" veth0) mac1=$(mac "$ns1" veth1)
	ip -n "$ns0" neigh replace 2001:db8::2 lladdr "$mac1" dev veth0 nud permanent
	ip -n "$ns1" neigh replace 2001:db8::1 lladdr "$mac0" dev veth1 nud permanent
	ip -n "$ns0" neigh replace 192.0.2.2 lladdr "$mac1" dev veth0 nud permanent
	ip -n "$ns1" neigh replace 192.0.2.1 lladdr "$mac0" dev veth1 nud permanent
}

# Wire captures, each under a NAME; their files live in one directory that
# cleanup removes, after stopping any tcpdump still running.
cap_dir=
declare -A cap_pid=()
capture_file() { echo "$cap_dir/$1.pcap"; }

capture_start() {	# NAME NS IFACE [TCPDUMP_ARG...]
	local name=$1 ns=$2 dev=$3 end=$((SECONDS + 120))
	shift 3
	[ -z "${cap_pid[$name]:-}" ] || fail "capture $name is already running"
	[ -n "$cap_dir" ] || cap_dir=$(mktemp -d /tmp/nfi-cap.XXXXXX)
	rm -f "$cap_dir/$name.pcap"
	pretty "$(nslabel "$ns")" "tcpdump -i $dev -w $name.pcap $*"
	ip netns exec "$ns" tcpdump -n -U -i "$dev" -w "$cap_dir/$name.pcap" "$@" \
		> "$cap_dir/$name.log" 2>&1 &
	cap_pid[$name]=$!
	# tcpdump says "listening" once its socket is bound and filtered: from
	# then on it misses nothing (it can take seconds to get there in TCG).
	until grep -q "listening on" "$cap_dir/$name.log"; do
		kill -0 "${cap_pid[$name]}" 2>/dev/null ||
			fail "capture $name: tcpdump failed: $(cat "$cap_dir/$name.log")"
		[ $SECONDS -lt $end ] || fail "capture $name: tcpdump not listening after 120 s"
		sleep 0.1
	done
}

capture_stop() {	# NAME...
	local name
	sleep 1.5	# what is still on its way to the tap
	for name in "$@"; do
		[ -n "${cap_pid[$name]:-}" ] || fail "capture $name is not running"
		kill -INT "${cap_pid[$name]}" 2>/dev/null || true	# -c N: gone already
		wait "${cap_pid[$name]}" ||
			fail "capture $name: tcpdump failed: $(cat "$cap_dir/$name.log")"
		cap_pid[$name]=
	done
}

# Reading a capture fails loudly (on stderr: it is read inside $(...)), so
# that a bad filter or a missing file never counts as no packets.
capture_read() {	# NAME [TCPDUMP_ARG...]
	local name=$1
	shift
	if [ -z "$cap_dir" ] || [ ! -e "$cap_dir/$name.pcap" ]; then
		echo "FAIL: no capture $name" >&2
		exit 1
	fi
	tcpdump -n -r "$cap_dir/$name.pcap" "$@" 2> "$cap_dir/$name.read" || {
		echo "FAIL: capture $name: tcpdump -r $*: $(cat "$cap_dir/$name.read")" >&2
		exit 1
	}
}
capture_count() {	# NAME [FILTER]
	capture_read "$@" > "$cap_dir/$1.out"
	wc -l < "$cap_dir/$1.out"
}
capture_show() {	# NAME [FILTER]
	echo "--- capture $1${2:+ ($2)}, the first packets:"
	tcpdump -n -v -r "$cap_dir/$1.pcap" "${@:2}" 2>/dev/null | head -n 20
}

# For a capture started with -c N: CMD (say, one ping) every half second
# until tcpdump has its N packets and ends (15 s at most), then stopped.
capture_await() {	# NAME CMD...
	local name=$1 _
	shift
	for _ in $(seq 30); do
		"$@" > /dev/null 2>&1 || true
		kill -0 "${cap_pid[$name]}" 2>/dev/null || break
		sleep 0.5
	done
	kill -0 "${cap_pid[$name]}" 2>/dev/null &&
		fail "capture $name: tcpdump still waits for packets after 15 s"
	capture_stop "$name"
}
