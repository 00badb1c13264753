#!/bin/bash
# A DUMP of many SAs completes and is consistent (issue 4's acceptance:
# 100k; PFKEY_DUMP_COUNT, default 100,000: on an idle host the ADDs take
# 7 s, the DUMP 0.8 s and setkey -D a few more; 5,000 on the debug kernel). pfkey_dump.c (built here) ADDs them through one
# PF_KEY socket, then DUMPs them through a 4 kB receive buffer: the dump
# pauses whenever the buffer is full and goes on as the reader drains it.
# Every SPI exactly once, seq counting down to 0, no ENOBUFS. Then
# setkey -D must list as many.
#
#   +------------------------------------------+
#   | ns0                                      |
#   |  pfkey_dump --PF_KEY--> SAD: N ESP SAs   |
#   |  setkey -D  --PF_KEY--> the same N       |
#   +------------------------------------------+
# netns-timeout: 1800
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
default=100000
[ -e /sys/kernel/debug/kmemleak ] && default=5000	# debug kernel: slow
count=${PFKEY_DUMP_COUNT:-$default}
setkey=${SETKEY:-$here/../../keyd/setkey/setkey}

tmp=$(mktemp -d)
cleanup_hooks+=("rm -rf $tmp")
pretty host "gcc -O2 pfkey_dump.c"
gcc -O2 -Wall -Wextra -Werror -o "$tmp/pfkey_dump" "$here/pfkey_dump.c"

load_nfipsec
ip netns add "$ns0"
n0 "$tmp/pfkey_dump" "$count"

# setkey -D prints one "esp mode=..." line per SA.
n0 "$setkey" -D > "$tmp/dump"
listed=$(grep -c '^[[:space:]]*esp mode=' "$tmp/dump" || true)
assert "$listed == $count" "setkey -D lists all $count SAs ($listed)"

n0 "$setkey" -F
assert "$(ip netns exec "$ns0" "$setkey" -D | grep -c 'esp mode=' || true) == 0" \
	"setkey -F empties the SAD"
echo "pfkey-dump100k.sh: PASS"
