#!/bin/bash
# SA lifetimes the data path counts (kmod/usage.c): soft and hard limits by
# packets, by bytes, and by seconds since first use, each seen by a
# registered PF_KEY listener (lifetime.py) as a soft EXPIRE, then a hard
# one, with LIFETIME_CURRENT holding the counts. After the hard EXPIRE the
# SA is gone and the policy's next packet makes an ACQUIRE; a capture on
# ns1's side of the link sees ESP, and not one plaintext datagram.
#
#   +----------------------------+        +--------------------------+
#   | ns0: nfipsec               |        | ns1: no IPsec            |
#   |  policy: UDP .1 -> .2 out, |        |  tcpdump on veth1:       |
#   |    ESP transport, require  |        |   ESP: some              |
#   |  SA 0x7100 with limits     |        |   UDP port 9: none       |
#   |  lifetime.py (PF_KEY)      |        |                          |
#   |  veth0 192.0.2.1 ----------+--------+------- veth1 192.0.2.2   |
#   +----------------------------+        +--------------------------+
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
PY="/usr/bin/python3 $here/lifetime.py"

load_nfipsec
topo_pair
capture_start wire "$ns1" veth1

for kind in packets bytes usetime; do
	expired=$(stat "$ns0" OutStateExpired)
	n0 $PY $kind
	if [ $kind != usetime ]; then
		# The datagrams between the hard limit and the SA's removal.
		assert "$(stat "$ns0" OutStateExpired) > $expired" \
			"$kind: packets past the hard limit were refused and counted"
	fi
done

capture_stop wire
esp=$(capture_count wire esp)
clear=$(capture_count wire 'udp port 9')
assert "$esp >= 20" "the capture saw the SAs' ESP ($esp packets)"
assert "$clear == 0" "and no plaintext datagram, before or after expiry"
echo "lifetime.sh: PASS"
