#!/bin/bash
# nfipsec's PF_KEY socket from userspace: every message type, malformed
# input, dumps through a small buffer, a full listener, and namespaces.
#
#   +-------------------------+        +-------------------------+
#   | ns0                     |        | ns1                     |
#   |  PF_KEY sockets         |        |  PF_KEY sockets         |
#   |  (pfkey_client.py)      |        |  (its own SAD and SPD)  |
#   |  SAD: 0x5000            |        |  SAD: empty, then 0x6000|
#   |  veth0 192.0.2.1 -------+--------+------- veth1 192.0.2.2  |
#   +-------------------------+        +-------------------------+
#
# One UDP datagram from ns0 with a PROTECT policy and no SA checks the
# data path's ACQUIRE; everything else is the key management interface.
set -e
here=$(cd "$(dirname "$0")" && pwd)
NFIPSEC_KO=${NFIPSEC_KO:-/work/main/kmod/nfipsec.ko}
. "$here/lib.bash"
PY="/usr/bin/python3 $here/pfkey_client.py"
count() { ip netns exec "$1" $PY count; }

grep -q '^af_key ' /proc/modules && fail "af_key is loaded; it owns PF_KEY"

# Only one module can own PF_KEY: with af_key loaded, nfipsec must refuse
# to load and say why.
# The debug kernel (tests/kernel/*.config) has no af_key to conflict with.
pretty host "modprobe af_key; insmod must fail"
if modprobe af_key; then
	if insmod "$NFIPSEC_KO" 2>/dev/null; then
		rmmod nfipsec; rmmod af_key
		fail "nfipsec loaded next to af_key"
	fi
	dmesg | grep -q 'nfipsec: PF_KEY is taken: af_key is loaded' ||
		fail "no message naming af_key"
	echo "ok: refused to load next to af_key, and said so"
	rmmod af_key
else
	echo "ok: no af_key module in this kernel; nothing to refuse"
fi

load_nfipsec
topo_pair

n0 $PY scenario
bad0=$(stat "$ns0" PfkeyBadMessage)
assert "$bad0 >= 3" "ns0 counted the malformed messages ($bad0)"

# Time lifetimes: soft EXPIRE, DYING, hard EXPIRE, gone.
n0 $PY lifetime

# Policy lifetimes: soft then hard X_SPDEXPIRE; the DISCARD policy stops
# refusing UDP when it expires (pfkey_client.py checks the sends).
block=$(stat "$ns0" OutPolBlock)
n0 $PY spdexpire
assert "$(stat "$ns0" OutPolBlock) >= block + 2" "the expiring policy's drops were counted"
n0 ping -c 1 -W 5 192.0.2.2 > /dev/null || fail "ping after the policy expired"

# IPComp is refused, plainly, by every message that could name it.
n0 $PY ipcomp
n0 $PY promisc
n0 $PY nullauth

# The data path's ACQUIRE, answered by GETSPI (same seq) and UPDATE.
n0 $PY acquire

n0 $PY bulk 300
n0 $PY overrun
assert "$(stat "$ns0" PfkeyEnobufs) > 0" "ns0 counted the overrun"

# Namespaces: an SA added in ns0 is not in ns1, and the reverse.
n0 $PY flush
n0 $PY add 0x5000
assert "$(count "$ns0") == 1" "ns0 holds its SA"
assert "$(count "$ns1") == 0" "ns1 does not see ns0's SA"
n1 $PY add 0x6000
assert "$(count "$ns0") == 1" "ns0 still holds one"
assert "$(stat "$ns1" PfkeyBadMessage) == 0" "ns1 saw no bad message"

# Sockets left open and SAs left in the SAD must not stop the unload.
ip netns del "$ns1"
pretty host "rmmod nfipsec"
rmmod nfipsec
! grep -q '^nfipsec ' /proc/modules || fail "nfipsec still loaded"
echo "pfkey.sh: PASS"
