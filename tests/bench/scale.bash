# shellcheck shell=bash disable=SC2154  # ns0, ns1, work, SETKEY: the guest's
# The SPD at scale, sourced by tests/bench/guest: ns0's outbound SPD holds
# N policies, N-1 of them decoys that differ from the measured flow only in
# the UDP destination port (so a lookup cannot rule them out by address),
# then the one that matches, last. AES-GCM-128, transport mode.
#
#   install  seconds to install the N outbound policies: one `ip -batch`
#            for XFRM, one `setkey -f` (one PF_KEY SPDADD each) for nfipsec
#   udp64    packets/s received, as in measure.bash, through that SPD
#
# Raw lines: STACK-spd N - WORKLOAD VALUE.
SCALE_SIZES=(1 1000 10000)
SCALE_INSTALL_TIMEOUT=300
DECOY_PORT=10000

# The N outbound policies, in each tool's language.
scale_policies() {	# xfrm|pfkey N
	local i tmpl="tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport"
	for ((i = 0; i < $2 - 1; i++)); do
		if [ "$1" = xfrm ]; then
			echo "xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 proto udp dport $((DECOY_PORT + i)) dir out $tmpl"
		else
			echo "spdadd 192.0.2.1/32[any] 192.0.2.2/32[$((DECOY_PORT + i))] udp -P out ipsec esp/transport//require;"
		fi
	done
	if [ "$1" = xfrm ]; then
		echo "xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 dir out $tmpl"
	else
		echo "spdadd 192.0.2.1/32 192.0.2.2/32 any -P out ipsec esp/transport//require;"
	fi
}

# Everything but ns0's outbound SPD: both sides' SAs and ns1's policies,
# ns0's inbound one.
scale_base() {	# xfrm|pfkey
	if [ "$1" = xfrm ]; then
		xfrm_flush
		xfrm_config 0 gcm transport && xfrm_config 1 gcm transport &&
			ip -n "$ns0" xfrm policy deleteall dir out
	else
		pfkey_config 0 gcm transport && pfkey_config 1 gcm transport &&
			ip netns exec "$ns0" "$SETKEY" -FP &&
			ip netns exec "$ns0" "$SETKEY" -f - <<< \
				"spdadd 192.0.2.2/32 192.0.2.1/32 any -P in ipsec esp/transport//require;"
	fi
}

# Seconds to install the file's policies into ns0.
scale_install() {	# xfrm|pfkey FILE
	local t0 t1
	t0=$(date +%s.%N)
	if [ "$1" = xfrm ]; then
		timeout "$SCALE_INSTALL_TIMEOUT" ip -n "$ns0" -batch "$2" || return 1
	else
		timeout "$SCALE_INSTALL_TIMEOUT" ip netns exec "$ns0" "$SETKEY" -f "$2" || return 1
	fi
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

scale() {	# xfrm|nfipsec
	local stack=$1 tool=$1 n r t v w
	[ "$tool" = nfipsec ] && tool=pfkey
	for n in "${SCALE_SIZES[@]}"; do
		scale_policies "$tool" "$n" > "$work/spd.$n"
		for r in $(seq "$RUNS"); do
			if ! scale_base "$tool" > "$work/err" 2>&1; then
				emit "$stack-spd" "$n" - install "n/a:configuration refused: $(grep -m1 . "$work/err")"
				continue 2
			fi
			if t=$(scale_install "$tool" "$work/spd.$n" 2> "$work/err"); then
				emit "$stack-spd" "$n" - install "$t"
			else
				emit "$stack-spd" "$n" - install "n/a:install failed or took over ${SCALE_INSTALL_TIMEOUT}s: $(grep -m1 . "$work/err")"
				emit "$stack-spd" "$n" - udp64 "n/a:the policies could not be installed"
				continue 2
			fi
			echo "bench: $stack SPD $n install run $r: $t s"
		done
		if ! w=$(check_protected 192.0.2.2); then
			emit "$stack-spd" "$n" - udp64 "n/a:$w"
			continue
		fi
		for r in $(seq "$RUNS"); do
			if v=$(run_once udp64 192.0.2.2); then
				v=${v%% *}
				emit "$stack-spd" "$n" - udp64 "$v"
			else
				emit "$stack-spd" "$n" - udp64 "n/a:iperf3 run failed"
				iperf_server_restart
			fi
			echo "bench: $stack SPD $n udp64 run $r: ${v:-failed}"
		done
	done
	if [ "$tool" = xfrm ]; then xfrm_flush; else pfkey_flush > /dev/null 2>&1 || true; fi
}
