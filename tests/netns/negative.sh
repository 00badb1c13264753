#!/bin/bash
# What nfipsec must refuse on input, and what it must never let out: each
# bad packet is dropped and counted under its own name in
# /proc/net/nfipsec_stat; a PROTECT flow whose SA disappears sends nothing
# in clear; the module unloads cleanly under load.
#
#   +---------------------------+              +---------------------------+
#   | ns0: nfipsec (setkey)     |              | ns1: XFRM (ip xfrm) and   |
#   |  lo: 10.0.0.1             |              |  esp_craft.py (by hand)   |
#   |  veth0 -------------------+--- ESP ------+------------------- veth1  |
#   |  192.0.2.1                |              |  192.0.2.2                |
#   +---------------------------+              +---------------------------+
#
# SAs: transport 192.0.2.2 -> .1 SPI 0x2001 and .1 -> .2 SPI 0x2002;
#      tunnel 192.0.2.2 -> .1 SPI 0x3001 for 10.0.1.1 -> 10.0.0.1;
#      AES-CBC + HMAC-SHA256, keys known to esp_craft.py, which crafts
#      what the real peer (XFRM) never would.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"

setup_pair diag
mac0=$(mac "$ns0" veth0)

ek=$(k 16 1) ak=$(k 32 100)
cat > /tmp/neg.0 <<EOF
add 192.0.2.2 192.0.2.1 esp 0x2001 -m transport -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
add 192.0.2.1 192.0.2.2 esp 0x2002 -m transport -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
add 192.0.2.2 192.0.2.1 esp 0x3001 -m tunnel -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require;
spdadd 192.0.2.2 192.0.2.1 any -P in ipsec esp/transport//require;
spdadd 10.0.1.1 10.0.0.1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;
EOF
n0 "$SETKEY" -f /tmp/neg.0
n1 ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 mode transport \
	enc 'cbc(aes)' "$ek" auth-trunc 'hmac(sha256)' "$ak" 128
n1 ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2002 mode transport \
	enc 'cbc(aes)' "$ek" auth-trunc 'hmac(sha256)' "$ak" 128
n1 ip xfrm policy add src 192.0.2.2 dst 192.0.2.1 dir out tmpl proto esp mode transport
n1 ip xfrm policy add src 192.0.2.1 dst 192.0.2.2 dir in tmpl proto esp mode transport

n1 ping -q -c 2 -i 0.2 -W 2 192.0.2.1
in_pkts() { pkts_nfipsec "$ns0" "$1"; }

craft() { n1 /usr/bin/python3 "$CRAFT" "$@"; }
esp() {		# esp SPI SEQ [options]: ICMP 192.0.2.2 -> .1 in ESP
	local spi=$1 seq=$2; shift 2
	craft esp veth1 "$mac0" 192.0.2.2 192.0.2.1 --spi "$spi" --seq "$seq" \
		--ekey "$ek" --akey "$ak" "$@"
}

# 1. Replay: capture an ESP packet XFRM sends, then send it again.
capture_start esp "$ns1" veth1 -c 1 'esp and dst 192.0.2.1'
capture_await esp ip netns exec "$ns1" ping -q -c 1 -W 1 192.0.2.1
expect InStateSeqError craft replay veth1 "$(capture_file esp)"
# A crafted packet built right is accepted: the key and layout are
# the real ones, so each refusal below is for its one defect.
p=$(in_pkts 0x2001)
esp 0x2001 100000
wait_for 5 above "$p" in_pkts 0x2001
echo "ok: a well-formed crafted packet is accepted"

# A crafted one below the window, too.
expect InStateSeqError esp 0x2001 100000

# 2. ICV: one bit flipped in the last byte.
expect InIcvError esp 0x2001 100001 --flip-icv

# 3. Padding: pad bytes that are not 1, 2, 3, ... under a valid ICV.
expect InBadPadding esp 0x2001 100002 --bad-pad

# 4. An SPI nobody has.
expect InNoStates esp 0xdead 1

# 5. Plaintext where SPD-I requires ESP.
expect InTmplMismatch craft plain veth1 "$mac0" 192.0.2.2 192.0.2.1

# 6. A tunnel whose inner source is not what the SA carries (10.0.1.1):
#    first the right one is accepted, then 10.0.9.9 is refused.
p=$(in_pkts 0x3001)
craft esp veth1 "$mac0" 10.0.1.1 10.0.0.1 --spi 0x3001 --seq 1 \
	--ekey "$ek" --akey "$ak" --tunnel 192.0.2.2 192.0.2.1
wait_for 5 above "$p" in_pkts 0x3001
expect InSelectorMismatch craft esp veth1 "$mac0" 10.0.9.9 10.0.0.1 \
	--spi 0x3001 --seq 2 --ekey "$ek" --akey "$ak" --tunnel 192.0.2.2 192.0.2.1

# 7. The SA goes away under a PROTECT flow: not one packet in clear.
capture_start clear "$ns1" veth1 'icmp and src 192.0.2.1'
ip netns exec "$ns0" ping -q -i 0.05 -w 3 192.0.2.2 > /dev/null 2>&1 &
flow=$!
sleep 1
echo "delete 192.0.2.1 192.0.2.2 esp 0x2002;" > /tmp/neg.del
n0 "$SETKEY" -f /tmp/neg.del
wait $flow || true
capture_stop clear
clear=$(capture_count clear)
assert "$clear == 0" "no ICMP left ns0 in clear after the SA was deleted ($clear)"
dropped=$(( $(stat "$ns0" OutNoStates) + $(stat "$ns0" OutAcquireDrop) ))
assert "$dropped > 0" "the packets without an SA were dropped and counted ($dropped)"

# 8. rmmod under load: iperf3 through fresh SAs (the crafted sequence
#    numbers above left 0x2001's window far ahead of XFRM's counter), the
#    module goes mid-run.
cat > /tmp/neg.add <<EOF
delete 192.0.2.2 192.0.2.1 esp 0x2001;
add 192.0.2.2 192.0.2.1 esp 0x2004 -m transport -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
add 192.0.2.1 192.0.2.2 esp 0x2003 -m transport -r 64 -E aes-cbc $ek -A hmac-sha256 $ak;
EOF
n0 "$SETKEY" -f /tmp/neg.add
n1 ip xfrm state flush
n1 ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2004 mode transport \
	enc 'cbc(aes)' "$ek" auth-trunc 'hmac(sha256)' "$ak" 128
n1 ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2003 mode transport \
	enc 'cbc(aes)' "$ek" auth-trunc 'hmac(sha256)' "$ak" 128
n0 ping -q -c 2 -i 0.2 -W 2 192.0.2.2
n1 iperf3 -s -1 -D -B 192.0.2.2 -I /tmp/neg-iperf.pid
cleanup_hooks+=('kill "$(cat /tmp/neg-iperf.pid)" 2> /dev/null')
sleep 0.5
ip netns exec "$ns0" iperf3 -c 192.0.2.2 -t 4 > /tmp/neg-iperf.out 2>&1 &
perf=$!
wait_for 20 above 100 pkts_nfipsec "$ns0" 0x2003	# traffic is flowing
pretty host "rmmod nfipsec"
rmmod nfipsec
# Without nfipsec the rest goes in clear, which ns1's XFRM refuses: the
# client would wait forever for its results.
kill $perf 2> /dev/null || true
wait $perf || true
ip netns exec "$ns0" test ! -e /proc/net/nfipsec_stat || fail "counters survived rmmod"
echo "ok: rmmod under load"
