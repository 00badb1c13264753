#!/bin/bash
# nfipsec as a security gateway (RFC 4301's FORWARD path): ns0 forwards a
# LAN (ns2) through an ESP tunnel to ns1, an XFRM host. Forwarded packets
# are protected on their way out (SPD-O, direction OUT) and what comes
# back is checked against the forwarding policy (SPD-I, direction FWD).
#
#   +--------------+      +-----------------------+              +-----------------+
#   | ns2: LAN     |      | ns0: nfipsec gateway  |              | ns1: XFRM host  |
#   |  10.0.2.2    |      |  (setkey)             |              |  lo: 10.0.1.1   |
#   |  veth2 ------+------+-- veth3      veth0 ---+---- ESP -----+--- veth1        |
#   |              |      |  10.0.2.1   192.0.2.1 |   tunnel     |  192.0.2.2      |
#   +--------------+      +-----------------------+              +-----------------+
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"

setup_pair diag
netns_add "$ns2"
veth_add "$ns0" veth3 "$ns2" veth2
n0 ip addr add 10.0.2.1/24 dev veth3
n2 ip addr add 10.0.2.2/24 dev veth2
n2 ip route add default via 10.0.2.1
n0 sysctl -qw net.ipv4.ip_forward=1
n1 ip route add 10.0.2.0/24 dev veth1 src 10.0.1.1

key=$(k 20 1)
cat > /tmp/gw.0 <<EOF
add 192.0.2.1 192.0.2.2 esp 0x4001 -m tunnel -r 64 -E aes-gcm-16 $key;
add 192.0.2.2 192.0.2.1 esp 0x4002 -m tunnel -r 64 -E aes-gcm-16 $key;
spdadd 10.0.2.0/24 10.0.1.1/32 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.0.1.1/32 10.0.2.0/24 any -P fwd ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
n0 "$SETKEY" -f /tmp/gw.0
n1 ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4001 mode tunnel \
	aead 'rfc4106(gcm(aes))' "$key" 128 sel src 10.0.2.0/24 dst 10.0.1.1/32
n1 ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x4002 mode tunnel \
	aead 'rfc4106(gcm(aes))' "$key" 128 sel src 10.0.1.1/32 dst 10.0.2.0/24
n1 ip xfrm policy add src 10.0.1.1/32 dst 10.0.2.0/24 dir out \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
n1 ip xfrm policy add src 10.0.2.0/24 dst 10.0.1.1/32 dir in \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel

# Nothing from the LAN may leave on the outside link in clear. (Captured
# where it leaves: on ns1's side a tap also sees what XFRM decapsulated.)
capture_start clear "$ns0" veth0 -Q out 'host 10.0.2.2'

n2 ping -q -c 3 -i 0.2 -W 2 10.0.1.1
n1 ping -q -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.2
xfer "$ns2" 10.0.2.2 "$ns1" 10.0.1.1
xfer "$ns1" 10.0.1.1 "$ns2" 10.0.2.2

p=$(pkts_xfrm "$ns1" 192.0.2.1 192.0.2.2 0x4001)
assert "${p:-0} >= $(xfer_min)" "XFRM decrypted $p packets the gateway protected"
p=$(pkts_nfipsec "$ns0" 0x4001)
assert "${p:-0} >= $(xfer_min)" "the gateway encrypted $p forwarded packets"
p=$(pkts_nfipsec "$ns0" 0x4002)
assert "${p:-0} >= $(xfer_min)" "the gateway decrypted $p packets for the LAN"

capture_stop clear
clear=$(capture_count clear)
assert "$clear == 0" "no LAN packet crossed the outside link in clear ($clear)"

# Plaintext for the LAN from outside, where the FWD policy wants ESP.
expect InTmplMismatch n1 /usr/bin/python3 "$CRAFT" plain veth1 "$(mac "$ns0" veth0)" 10.0.1.1 10.0.2.2
