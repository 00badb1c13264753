#!/bin/sh
# One TAP line for `make test`: a short libFuzzer run of the keyd.conf
# parser (../tests/fuzz/fuzz_config).  CONFIG_SMOKE_SECONDS (default 5)
# bounds it.  Without clang the line is a SKIP; with clang, a build
# failure is a failure.
dir=$(cd "$(dirname "$0")/../../tests/fuzz" && pwd) || exit 1
secs=${CONFIG_SMOKE_SECONDS:-5}
if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
	echo "ok 1 - fuzz_config smoke # SKIP clang absent"
	echo "1..1"
	exit 0
fi
log="$dir/smoke-config.log"
if make -s -C "$dir" smoke-config SMOKE_SECONDS="$secs" >"$log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "ok 1 - fuzz_config smoke: ${secs}s, ${runs:-?} inputs, no crash"
	rc=0
else
	tail -n 30 "$log" | sed 's/^/# /'
	echo "not ok 1 - fuzz_config smoke (see $log)"
	rc=1
fi
echo "1..1"
exit $rc
