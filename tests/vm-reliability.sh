#!/bin/bash
# tests/vm-reliability.sh [RUNS] [scripts/vm options...] — boot the VM RUNS
# times in a row (default 30), each time loading nfipsec, passing traffic
# between two namespaces with -smp 2 and unloading (every load and unload
# flips netfilter static keys, i.e. live kernel text patching on one vCPU
# while the other runs), and record every run. Any failure — the command,
# a kernel report, a timeout — counts. The record goes to
# build/results/reliability-<date>.txt and its last line is the summary.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-30}; shift || true
make -s -C "$top/kmod" WERROR=1
# Our own copy: a rebuild of kmod/ during the series must not change it.
# (not in /tmp: the guest mounts its own tmpfs there)
mkdir -p "$top/build/reliability"
ko=$(mktemp "$top/build/reliability/nfipsec.XXXXXX.ko")
cp "$top/kmod/nfipsec.ko" "$ko"
trap 'rm -f "$ko"' EXIT
mkdir -p "$top/build/results"
rec=$top/build/results/reliability-$(date -u +%Y%m%dT%H%M%S).txt
echo "# $(date -u) runs=$runs args=$* tsc_reliable=${NFIPSEC_VM_TSC_RELIABLE:-1} qemu=$(qemu-system-x86_64 --version | head -1)" | tee "$rec"
ok=0 bad=0
for i in $(seq "$runs"); do
	out=$(mktemp -d)
	start=$(date +%s.%N)
	"$top/scripts/vm" --smp 2 --timeout 300 --out "$out" "$@" -- \
		env NFIPSEC_KO="$ko" bash "$top/tests/netns/module.sh" > "$out/run.log" 2>&1
	rc=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	if [ $rc = 0 ]; then
		ok=$((ok + 1)); echo "run $i ok ${secs}s" | tee -a "$rec"
	else
		bad=$((bad + 1))
		why=$(grep -ahEm1 'Oops|BUG:|WARNING:|KASAN|Kernel panic|TIMEOUT|died|FAIL|ERROR' "$out/console.log" "$out/run.log" 2>/dev/null | head -c 200)
		echo "run $i FAILED rc=$rc ${secs}s: $why (logs $out)" | tee -a "$rec"
		continue
	fi
	rm -rf "$out"
done
echo "summary: $ok of $runs runs passed, $bad failed" | tee -a "$rec"
[ $bad = 0 ]
