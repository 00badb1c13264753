# shellcheck shell=bash disable=SC2154  # ns0, ns1, raw, work: the guest's
# The workloads of the benchmark, sourced by tests/bench/guest. ns0 runs
# the iperf3 client, ns1 the server; every figure is the receiver's:
#
#   tcp1   TCP, one stream           Mbit/s
#   tcp4   TCP, four streams (-P 4)  Mbit/s
#   udp64  UDP, 64-byte payloads, unlimited rate (-b 0)   packets/s received
#          (and udp64-sent: packets/s sent, for report.py's per-packet cost)
#
# Each run appends one line to $raw: STACK ALG MODE WORKLOAD VALUE, tab-
# separated, where VALUE is a number or "n/a:REASON". tests/bench/report
# takes the medians.
WORKLOADS=(tcp1 tcp4 udp64)
UDP_LEN=64

emit() {	# STACK ALG MODE WORKLOAD VALUE
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$raw"
}

# Every cell of one configuration gets the same reason.
emit_na() {	# STACK ALG MODE REASON
	local w
	for w in "${WORKLOADS[@]}"; do emit "$1" "$2" "$3" "$w" "n/a:$4"; done
}

iperf_server_start() {
	ip netns exec "$ns1" iperf3 -s -D -I "$work/iperf3.pid" --logfile "$work/iperf3.log"
	wait_for_quiet 10 server_listening
}
server_listening() { ip netns exec "$ns1" ss -Htln | grep -q ':5201 '; }
# A client that was killed can leave the server waiting in its test.
iperf_server_restart() {
	[ -s "$work/iperf3.pid" ] && kill "$(cat "$work/iperf3.pid")" 2>/dev/null
	sleep 1
	iperf_server_start || echo "bench: iperf3 server did not come back"
}

# One run: print the receiver's figure (for udp64, then the sender's).
run_once() {	# WORKLOAD DST
	local args=() json
	case $1 in
	tcp1) ;;
	tcp4) args=(-P 4) ;;
	udp64) args=(-u -l "$UDP_LEN" -b 0) ;;
	esac
	json=$(ip netns exec "$ns0" timeout -k 5 $((SECS + 30)) \
		iperf3 -c "$2" -t "$SECS" -J "${args[@]}") || return 1
	case $1 in
	tcp*) jq -e '.end.sum_received.bits_per_second / 1e6' <<< "$json" ;;
	# iperf3 3.12 counts "packets" by sequence number; bytes are exact.
	# Then the sender's rate: see udp64-sent below.
	udp64) jq -e -r --argjson l "$UDP_LEN" '.end | "\(.sum_received.bytes /
		$l / .sum_received.seconds) \(.sum_sent.bytes / $l / .sum_sent.seconds)"' \
		<<< "$json" ;;
	esac
}

# All workloads, RUNS times each, through whatever is configured now.
measure() {	# STACK ALG MODE DST
	local w r v
	for w in "${WORKLOADS[@]}"; do
		for r in $(seq "$RUNS"); do
			if v=$(run_once "$w" "$4"); then
				emit "$1" "$2" "$3" "$w" "${v%% *}"
				# Also the sender's rate, for the per-packet cost: on
				# veth the sender's thread also runs the receiving
				# softirq (decryption included), while what is
				# received is often bounded by the receiving
				# application instead.
				[ "$w" = udp64 ] && emit "$1" "$2" "$3" udp64-sent "${v##* }"
			else
				emit "$1" "$2" "$3" "$w" "n/a:iperf3 run failed"
				iperf_server_restart
			fi
			echo "bench: $1 $2 $3 $w run $r: ${v:-failed}"
		done
	done
}

# Does traffic from ns0 to DST really leave as ESP? A ping must be answered
# and ns1 must see ESP from ns0 on the wire: a policy that never matched
# would otherwise be measured as "IPsec" at plaintext speed.
check_protected() {	# DST -> prints the reason when not
	local cap=$work/esp.pcap
	rm -f "$cap"
	ip netns exec "$ns1" timeout 20 tcpdump -n -p -i veth1 -c 1 -w "$cap" \
		'esp and src host 192.0.2.1' 2> "$work/tcpdump.err" &
	local td=$!
	if ! wait_for_quiet 10 grep -q listening "$work/tcpdump.err"; then
		kill $td 2>/dev/null; wait $td 2>/dev/null
		echo "tcpdump did not start"; return 1
	fi
	if ! ip netns exec "$ns0" ping -q -c 3 -i 0.3 -W 3 "$1" > /dev/null; then
		kill $td 2>/dev/null; wait $td 2>/dev/null
		echo "no traffic: ping through the SAs got no answer"; return 1
	fi
	if ! wait $td; then
		echo "ping answered but no ESP on the wire: traffic not protected"
		return 1
	fi
}

wait_for_quiet() {	# like lib.bash's wait_for, but returns 1 instead of failing
	local end=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
