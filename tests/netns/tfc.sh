#!/bin/bash
# TFC padding (RFC 4303 §2.7, NFIPSEC_SADB_X_EXT_TFC, setkey -tfc): ns0's
# outbound tunnel SA pads every inner packet to 600 bytes, so pings of
# three sizes leave as ESP packets of one length. XFRM in ns1 decrypts
# them and answers: its tunnel decapsulation trims the zeros by the inner
# IP length, which is what makes TFC padding invisible to the receiver.
# The SA without -tfc (ns1 -> ns0) keeps sizes apart, and a transport SA
# asking for TFC is refused, since nothing could tell padding from data.
#
#   +------------------------------+        +------------------------------+
#   | ns0: nfipsec (setkey)        |        | ns1: XFRM (ip xfrm)          |
#   |  10.0.0.1 --ESP tunnel, GCM--+--------+--> 10.0.1.1                  |
#   |  SA 0x7301 out: -tfc 600     |        |  tcpdump: ESP lengths        |
#   |  veth0 192.0.2.1 ------------+--------+------------ veth1 192.0.2.2  |
#   +------------------------------+        +------------------------------+
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"

setup_pair diag
key_xfrm 1 gcm128 tunnel 4 4 0x7302 0x7301

cat > /tmp/tfc.conf <<EOF
flush;
spdflush;
add 192.0.2.1 192.0.2.2 esp 0x7301 -m tunnel -r 64 -tfc 600 $(alg_setkey gcm128);
add 192.0.2.2 192.0.2.1 esp 0x7302 -m tunnel -r 64 $(alg_setkey gcm128);
spdadd 10.0.0.1/32 10.0.1.1/32 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;
spdadd 10.0.1.1/32 10.0.0.1/32 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
n0 "$SETKEY" -f /tmp/tfc.conf || fail "setkey refused -tfc on a tunnel SA"

capture_start tfc "$ns1" veth1 esp

for size in 16 200 400; do
	n0 ping -c 2 -W 5 -s $size -I 10.0.0.1 10.0.1.1 > /dev/null ||
		fail "ping -s $size through the padded SA"
done
capture_stop tfc

# IP total lengths of ESP packets, each way.
lens() { capture_read tfc -v "src $1" | sed -n 's/.*, length \([0-9]*\)).*/\1/p' | sort -n | uniq; }
out=$(lens 192.0.2.1)
back=$(lens 192.0.2.2)
echo "ESP lengths ns0->ns1: $(echo $out); ns1->ns0: $(echo $back)"
assert "$(echo "$out" | wc -l) == 1" "every padded packet has one length"
# 600 inner bytes + SPI, seq, IV 8, pad length, next header, ICV 16 + outer IPv4.
assert "$(echo "$out" | head -1) >= 600 + 20 + 8 + 8 + 2 + 16" \
	"and it is the TFC length plus ESP and the outer header"
assert "$(echo "$back" | wc -l) == 3" "the unpadded SA keeps the three sizes apart"
assert "$(pkts_nfipsec "$ns0" 0x7301) >= 6" "ns0 sent the pings on its SA"

XFER_BYTES=262144 xfer "$ns0" 10.0.0.1 "$ns1" 10.0.1.1

# Nothing on the receiving side could remove padding from transport mode.
if n0 "$SETKEY" -c <<< "add 192.0.2.1 192.0.2.2 esp 0x7303 -m transport -tfc 600 $(alg_setkey gcm128);" 2>/dev/null; then
	fail "a transport SA with TFC padding was accepted"
fi
echo "ok: a transport-mode SA asking for TFC padding is refused"
echo "tfc.sh: PASS"
