# shellcheck shell=bash disable=SC2154  # ns0, ns1, work, SETKEY: the guest's
# The SPD and the SAD at scale, sourced by tests/bench/guest. AES-GCM-128,
# transport mode.
#
# SPD: ns0's outbound SPD holds N policies, N-1 of them decoys, then the
# one that matches, last. The decoys are a mix, in turn: the measured
# address pair with another UDP destination port (no lookup can rule these
# out by address), a /32 host elsewhere (198.18/15), and a /24 prefix pair
# (192.0.2.0/24 to 10.x.y.0/24, TCP). Neither PF_KEY nor XFRM has address
# ranges; prefixes are what they express.
#
#   install  seconds to install the N outbound policies: one `ip -batch`
#            for XFRM, one `setkey -f` (one PF_KEY SPDADD each) for nfipsec
#   udp64    packets/s received, as in measure.bash, through that SPD
#
# SAD: ns1, the receiver, holds N inbound SAs: the measured one and N-1
# decoys from other peers (198.18/15) with SPIs of their own, installed
# the same two ways. Each install is timed once (a million SAs take
# minutes); the kernel memory they take (Slab + Percpu + VmallocUsed, after
# empty slabs are handed back) is recorded per SA.
#
# Raw lines: STACK-spd N - WORKLOAD VALUE; STACK-sad N - install|udp64|
# mem-per-sa VALUE.
SCALE_SIZES=(${BENCH_SPD_SIZES:-1 1000 10000 100000})
SAD_SIZES=(${BENCH_SAD_SIZES:-1 10000 100000 1000000})
SCALE_INSTALL_TIMEOUT=1800
DECOY_PORT=10000

# The N outbound policies, in each tool's language.
scale_policies() {	# xfrm|pfkey N
	awk -v tool="$1" -v n="$2" -v port="$DECOY_PORT" 'BEGIN {
		tmpl = "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport"
		pf = "-P out ipsec esp/transport//require;"
		for (i = 0; i < n - 1; i++) {
			j = int(i / 3)
			if (i % 3 == 0 && tool == "xfrm")
				printf "xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 proto udp dport %d dir out %s\n", port + j, tmpl
			else if (i % 3 == 0)
				printf "spdadd 192.0.2.1/32[any] 192.0.2.2/32[%d] udp %s\n", port + j, pf
			else if (i % 3 == 1 && tool == "xfrm")
				printf "xfrm policy add src 192.0.2.1/32 dst 198.%d.%d.%d/32 dir out %s\n", 18 + int(j / 65536) % 2, int(j / 256) % 256, j % 256, tmpl
			else if (i % 3 == 1)
				printf "spdadd 192.0.2.1/32 198.%d.%d.%d/32 any %s\n", 18 + int(j / 65536) % 2, int(j / 256) % 256, j % 256, pf
			else if (tool == "xfrm")
				printf "xfrm policy add src 192.0.2.0/24 dst 10.%d.%d.0/24 proto tcp dir out %s\n", int(j / 256) % 256, j % 256, tmpl
			else
				printf "spdadd 192.0.2.0/24 10.%d.%d.0/24 tcp %s\n", int(j / 256) % 256, j % 256, pf
		}
	}'
	if [ "$1" = xfrm ]; then
		echo "xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode transport"
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

# Wait until the guest's CPUs are idle: at most 5 % busy over one second,
# or 120 s. nfipsec's setkey returns before its SPD is compiled (the
# rebuild is batched into a workqueue, kmod/spd.c); 100000 policies take
# seconds to compile under TCG (14 s in KUnit's spd_bench_mix), and a
# measurement started at once would share a vCPU with that work. From
# 10000 policies on, XFRM included. Prints the seconds waited.
settle() {
	local a b i busy
	for i in $(seq 120); do
		read -r -a a < /proc/stat
		sleep 1
		read -r -a b < /proc/stat
		# user nice system idle iowait irq softirq steal: busy = all - idle - iowait
		busy=$(awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
			split(a, x); split(b, y); t = 0
			for (k = 2; k <= 9; k++) t += y[k] - x[k]
			idle = (y[5] - x[5]) + (y[6] - x[6])
			print (t > 0 && (t - idle) * 20 <= t) ? 0 : 1 }')
		[ "$busy" = 0 ] && { echo "$i"; return; }
	done
	echo "$i"
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
	local stack=$1 tool=$1 n r t v w iruns
	[ "$tool" = nfipsec ] && tool=pfkey
	for n in "${SCALE_SIZES[@]}"; do
		# XFRM's install grows with the square of N with these decoys
		# (1000 took 6 to 146 s under TCG, depending on the host's load, so
		# 10000 half an hour to hours): one timed install from 1000 on, none
		# above BENCH_XFRM_SPD_MAX.
		if [ "$stack" = xfrm ] && [ "$n" -gt "${BENCH_XFRM_SPD_MAX:-1000}" ]; then
			emit "$stack-spd" "$n" - install "n/a:not measured: XFRM's install time grows with N squared (BENCH_XFRM_SPD_MAX)"
			emit "$stack-spd" "$n" - udp64 "n/a:not measured (BENCH_XFRM_SPD_MAX)"
			continue
		fi
		scale_policies "$tool" "$n" > "$work/spd.$n"
		iruns=$RUNS
		[ "$n" -gt 1000 ] && iruns=1
		[ "$stack" = xfrm ] && [ "$n" -ge 1000 ] && iruns=1
		for r in $(seq "$iruns"); do
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
		[ "$n" -ge 10000 ] && echo "bench: $stack SPD $n: idle after $(settle) s"
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

# Kernel memory in kB: Slab + Percpu + VmallocUsed, empty slabs released.
kmem() {
	local f
	for f in /sys/kernel/slab/*/shrink; do echo 1 > "$f" 2> /dev/null || true; done
	awk '$1 ~ /^(Slab|Percpu|VmallocUsed):$/ { s += $2 } END { print s }' /proc/meminfo
}

# N-1 decoy inbound SAs for ns1, in each tool's language.
sad_decoys() {	# xfrm|pfkey N
	awk -v tool="$1" -v n="$2" -v key="$(key 20 1)" 'BEGIN {
		for (i = 1; i < n; i++) {
			a = sprintf("198.%d.%d.%d", 18 + int(i / 65536) % 2, int(i / 256) % 256, i % 256)
			if (tool == "xfrm")
				printf "xfrm state add src %s dst 192.0.2.2 proto esp spi %d reqid 2 mode transport replay-window 32 aead rfc4106(gcm(aes)) %s 128\n", a, 2097152 + i, key
			else
				printf "add %s 192.0.2.2 esp %d -m transport -r 32 -E aes-gcm-16 %s;\n", a, 2097152 + i, key
		}
	}'
}

sad_scale() {	# xfrm|nfipsec
	local stack=$1 tool=$1 n r t v w m0 m1
	[ "$tool" = nfipsec ] && tool=pfkey
	for n in "${SAD_SIZES[@]}"; do
		sad_decoys "$tool" "$n" > "$work/sad.$n"
		if [ "$tool" = xfrm ]; then
			xfrm_flush
			xfrm_config 0 gcm transport && xfrm_config 1 gcm transport
		else
			pfkey_config 0 gcm transport && pfkey_config 1 gcm transport
		fi > "$work/err" 2>&1 || {
			emit "$stack-sad" "$n" - install "n/a:configuration refused: $(grep -m1 . "$work/err")"
			continue
		}
		m0=$(kmem)
		t0=$(date +%s.%N)
		if [ "$tool" = xfrm ]; then
			timeout "$SCALE_INSTALL_TIMEOUT" ip -n "$ns1" -batch "$work/sad.$n" 2> "$work/err"
		else
			timeout "$SCALE_INSTALL_TIMEOUT" ip netns exec "$ns1" "$SETKEY" -f "$work/sad.$n" 2> "$work/err"
		fi || {
			emit "$stack-sad" "$n" - install "n/a:install failed or took over ${SCALE_INSTALL_TIMEOUT}s: $(grep -m1 . "$work/err")"
			continue
		}
		t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }')
		m1=$(kmem)
		emit "$stack-sad" "$n" - install "$t"
		[ "$n" -gt 1 ] && emit "$stack-sad" "$n" - mem-per-sa $(( (m1 - m0) * 1024 / (n - 1) ))
		echo "bench: $stack SAD $n install: $t s, kernel memory +$(( (m1 - m0) / 1024 )) MB"
		rm -f "$work/sad.$n"
		if ! w=$(check_protected 192.0.2.2); then
			emit "$stack-sad" "$n" - udp64 "n/a:$w"
		else
			for r in $(seq "$RUNS"); do
				if v=$(run_once udp64 192.0.2.2); then
					v=${v%% *}
					emit "$stack-sad" "$n" - udp64 "$v"
				else
					emit "$stack-sad" "$n" - udp64 "n/a:iperf3 run failed"
					iperf_server_restart
				fi
				echo "bench: $stack SAD $n udp64 run $r: ${v:-failed}"
			done
		fi
		if [ "$tool" = xfrm ]; then xfrm_flush; else pfkey_flush > /dev/null 2>&1 || true; fi
	done
}
