#!/bin/sh
# TAP lines for `make test`: short libFuzzer runs of the keyd.conf parser
# (../tests/fuzz/fuzz_config) and of the IKE_AUTH contents, CERT and
# signature AUTH data (fuzz_auth).  CONFIG_SMOKE_SECONDS (default 5)
# bounds each.  Without clang the lines are SKIPs; with clang, a build
# failure is a failure.
dir=$(cd "$(dirname "$0")/../../tests/fuzz" && pwd) || exit 1
secs=${CONFIG_SMOKE_SECONDS:-5}
rc=0
n=0
for t in config auth; do
	n=$((n + 1))
	if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
		echo "ok $n - fuzz_$t smoke # SKIP clang absent"
		continue
	fi
	log="$dir/smoke-$t.log"
	if make -s -C "$dir" smoke-$t SMOKE_SECONDS="$secs" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok $n - fuzz_$t smoke: ${secs}s, ${runs:-?} inputs, no crash"
	else
		tail -n 30 "$log" | sed 's/^/# /'
		echo "not ok $n - fuzz_$t smoke (see $log)"
		rc=1
	fi
done
echo "1..$n"
exit $rc
