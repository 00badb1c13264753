#!/bin/bash
# PF_KEY fuzzing: PFKEY_FUZZ_COUNT (default 20,000; scripts/robustness:
# 100,000 on the debug kernel) random and mutated messages into ns0's
# PF_KEY socket, from pfkey_fuzz.c (built here), in batches. Between
# batches: a valid ADD/GET/DELETE round trip works (the generator checks it
# every 500 messages), /proc/net/nfipsec_stat reads, the kernel log has no
# report. ns1 shares the module and must see none of it.
#
#   +--------------------------------+     +---------------------------+
#   | ns0                            |     | ns1                       |
#   |  pfkey_fuzz --PF_KEY--> SAD/SPD|     |  its own SAD/SPD: untouched|
#   |  (+ a promiscuous listener     |     |  PfkeyBadMessage stays 0  |
#   |     with a 1 kB receive buffer)|     |                           |
#   +--------------------------------+     +---------------------------+
#
# First, REGISTER's latency: the load-time probe of the crypto API
# (pfkey_alg.c) must leave no later REGISTER waiting on the crypto API.
# netns-timeout: 1200
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
# The debug kernel (kmemleak, KASAN) takes a few messages a second under
# TCG: make check-debug's netns step gets a short run, scripts/robustness
# asks for its 100k itself.
default=20000
[ -e /sys/kernel/debug/kmemleak ] && default=2000
count=${PFKEY_FUZZ_COUNT:-$default}
batch=5000
seed=${PFKEY_FUZZ_SEED:-$(date +%s)}

tmp=$(mktemp -d)
cleanup_hooks+=("rm -rf $tmp")
pretty host "gcc -O2 pfkey_fuzz.c"
gcc -O2 -Wall -Wextra -Werror -o "$tmp/pfkey_fuzz" "$here/pfkey_fuzz.c"

# One REGISTER, its time in milliseconds.
register() {
	/usr/bin/python3 - "$1" <<'PY'
import os, socket, struct, sys, time
s = socket.socket(15, socket.SOCK_RAW, 2)
t = time.monotonic()
s.send(struct.pack("=BBBBHHII", 2, 7, 0, int(sys.argv[1]), 2, 0, 1, os.getpid()))
r = s.recv(65536)
assert r[1] == 7 and r[2] == 0, "REGISTER answered without error"
print(int((time.monotonic() - t) * 1000))
PY
}

load_nfipsec
ip netns add "$ns0"
ip netns add "$ns1"

first=$(ip netns exec "$ns0" timeout 180 bash -c "$(declare -f register); register 3")
echo "first REGISTER (ESP) after insmod: ${first} ms (waits for the load-time probe)"
again=$(ip netns exec "$ns1" bash -c "$(declare -f register); register 3")
ah=$(ip netns exec "$ns0" bash -c "$(declare -f register); register 2")
assert "$again < 2000" "a REGISTER once the probe is done answers in ${again} ms"
assert "$ah < 2000" "REGISTER for AH answers in ${ah} ms"

splat() {
	dmesg > "$tmp/dmesg"
	"$here/../../scripts/vm-splat" "$tmp/dmesg" >/dev/null
}

done_=0
: > "$tmp/summary"
while [ $done_ -lt "$count" ]; do
	n=$((count - done_ < batch ? count - done_ : batch))
	n0 "$tmp/pfkey_fuzz" "$n" "$((seed + done_))" | tee -a "$tmp/summary" |
		tail -1
	[ "${PIPESTATUS[0]}" = 0 ] || fail "round trip failed after batch at $done_ (seed $((seed + done_)))"
	done_=$((done_ + n))
	ip netns exec "$ns0" cat /proc/net/nfipsec_stat > /dev/null ||
		fail "/proc/net/nfipsec_stat unreadable after $done_ messages"
	splat || fail "kernel report after $done_ messages (seed $((seed + done_ - n)))"
	echo "ok: $done_ of $count messages, module sane"
done

echo "summary of $count messages (seed $seed):"
awk '/errno/ { k = $1 " " $2 " " $3; c[k] += $4 } $1 == "sent" { s += $2; r += $4 }
	$1 == "promiscuous" { pc += $3; pl += $6 }
	END { for (k in c) printf "  %s %d\n", k, c[k]
		printf "  sent %d, replies %d; promiscuous copies %d, ENOBUFS %d\n", s, r, pc, pl }' \
	"$tmp/summary" | sort
sent=$(awk '$1 == "sent" { s += $2 } END { print s }' "$tmp/summary")
assert "$sent == $count" "every message sent"
bad=$(stat "$ns0" PfkeyBadMessage)
assert "$bad > 0" "ns0 counted malformed messages ($bad)"
assert "$(stat "$ns1" PfkeyBadMessage) == 0" "ns1 saw none of them"

# Namespaces with SAs, policies and sockets left must go, and the module.
ip netns del "$ns0"
ip netns del "$ns1"
pretty host "rmmod nfipsec"
rmmod nfipsec
splat || fail "kernel report at teardown"
echo "pfkey-fuzz.sh: PASS"
