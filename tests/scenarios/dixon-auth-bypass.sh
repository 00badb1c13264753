#!/bin/bash
# Seed scenario 1: Dixon's file share ("Using IPsec to Authorize Specific
# Inbound Connections", shared/seeds/dixon-ipv6-host-edge-firewalls-ipsec.txt).
# Alice's IPv6 host serves TCP 445 only to peers that IKE authenticated as
# *@family.example, over ESP transport; keyd keys everything
# (Documentation/scenarios.md, section 1).
#
#                      +----------------------------------+
#   bob (ns1, keyd) ---+ 2001:db8:1::1                    |
#   bob@family.example | ns0: alice, keyd + nfipsec       |
#   PSK of his own     |   TCP 445 listener, nftables     |
#                      |                                  |
#   carol (ns2) -------+ 2001:db8:2::1                    |
#   carol@family.example (certificate, RFC822 SAN)        |
#                      |                                  |
#   eve (ns3, keyd) ---+ 2001:db8:3::1                    |
#   eve@other.example  |   (valid IKE SA, not for 445)    |
#                      |                                  |
#   mallory (ns4) -----+ 2001:db8:4::1  (no IPsec at all) |
#                      +----------------------------------+
#   each peer is ::2 of its own /64, on a veth of its own
#
# bob and eve run keyd on nfipsec; carol runs strongSwan's charon on XFRM
# (keyd instead when strongSwan is not installed).
#
# Alice's keyd.conf: one responder connection for everyone (transport,
# dynamic selectors: all traffic between the two hosts is ESP) and a PAD:
#   bob     bob@family.example, PSK                    mark 0x1100/0xff00
#   family  *@family.example, certificate;
#           spd_by_name, local_ts = dynamic[tcp/445]   mark 0x1100/0xff00
#   other   *@other.example, PSK                       mark 0x1200/0xff00
# keyd installs the Name policy "any -> tcp/445 from SAs of
# *@family.example" and pushes each peer's authenticated IKE ID and its
# PAD entry's mark onto its inbound SA.
#
# Alice's nftables (input, policy drop): IKE, ICMPv6, replies
# (established), and tcp/445 only for packets marked as having come out
# of an IKE-authenticated SA (mark & 0xf000 == 0x1000); a counter per
# identity group on 445. So the two layers split the work: nftables says
# "IKE-authenticated, port 445 only", the kernel's Name selector says
# "and of the family".
#
# Phases (alice's keyd.conf changes, the peers' does not; carol takes
# part in the first only):
#   1. Name and marks: bob and carol reach 445 over ESP; eve, with her SA,
#      is refused (InNameMismatch); bob and carol cannot reach 8080
#      (nftables); mallory's plaintext to 445 is dropped and counted
#      (InTmplMismatch), though her ping gets through; Alice connects out
#      to bob.
#   2. spd_by_name off: eve now reaches 445 (nftables counts her by her
#      mark, 0x1200): the Name selector is what stopped her.
#   3. marks off: bob is refused on 445 by nftables, not by the kernel:
#      the mark is what let him through the firewall.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.bash"
. "$here/../netns/ipsec-lib.bash"
. "$here/../netns/charon-lib.bash"
KEYD=$here/../../keyd/keyd
PY=/usr/bin/python3
[ -x "$KEYD" ] || fail "build keyd/keyd first (make -C keyd)"
ns3=nfi3-$$ ns4=nfi4-$$
n3() { pretty ns3 "$*"; ip netns exec "$ns3" "$@"; }
n4() { pretty ns4 "$*"; ip netns exec "$ns4" "$@"; }
names=(alice bob carol eve mallory)
# carol: charon when there is one (one peer of each kind), else keyd
carol_charon=0
[ -x "$CHARON" ] && command -v swanctl > /dev/null && carol_charon=1
keyds="0 1 2 3"
[ $carol_charon = 1 ] && keyds="0 1 3"
nsof() { case $1 in 0) echo "$ns0" ;; 1) echo "$ns1" ;; 2) echo "$ns2" ;; 3) echo "$ns3" ;; 4) echo "$ns4" ;; esac; }

d=$(mktemp -d /tmp/dixon.XXXXXX)
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
}
logs() {
	local i
	for i in $keyds; do
		echo "--- keyd ${names[$i]} log:"
		tail -n 25 "$d/keyd$i.log" 2>/dev/null
	done
	if [ $carol_charon = 1 ]; then
		echo "--- carol's charon log:"
		tail -n 25 "$d/sw/charon.log" 2>/dev/null
	fi
	echo "--- alice nfipsec counters (non-zero):"
	ip netns exec "$ns0" awk '$2 != 0' /proc/net/nfipsec_stat 2>/dev/null
	echo "--- alice nftables:"
	ip netns exec "$ns0" nft list ruleset 2>/dev/null
}
cleanup_hooks=(stop_all logs "ip netns del $ns3 2>/dev/null"
	"ip netns del $ns4 2>/dev/null" "rm -rf $d" "${cleanup_hooks[@]}")

# --- the network -----------------------------------------------------------
load_nfipsec
ip netns add "$ns0"
ip -n "$ns0" link set lo up
for i in 1 2 3 4; do
	n=$(nsof $i)
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip link add "a$i" netns "$ns0" type veth peer name eth0 netns "$n"
	ip -n "$ns0" addr add "2001:db8:$i::1/64" dev "a$i" nodad
	ip -n "$n" addr add "2001:db8:$i::2/64" dev eth0 nodad
	ip -n "$ns0" link set "a$i" up
	ip -n "$n" link set eth0 up
done
alice() { echo "2001:db8:$1::1"; }	# alice's address facing peer $1
peer() { echo "2001:db8:$1::2"; }

# --- credentials: per-peer PSKs, and carol's certificate -------------------
# A CA of our own and carol's certificate with the RFC822 SAN she
# authenticates with (mk-certs.sh's leaves say NAME@test.example).
mkdir "$d/pki"
(
	cd "$d/pki"
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
	openssl req -new -x509 -key ca.key -days 30 -subj "/C=CH/O=Family/CN=Family CA" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
	openssl ecparam -name prime256v1 -genkey -noout -out carol.key 2>/dev/null
	openssl req -new -key carol.key -subj "/C=CH/O=Family/CN=carol" -out carol.csr
	printf '%s\n' "basicConstraints=CA:false" "keyUsage=digitalSignature" \
		"subjectAltName=email:carol@family.example" > carol.ext
	openssl x509 -req -in carol.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 30 -extfile carol.ext -out carol.pem 2>/dev/null
) || fail "cannot make carol's certificate"
psk() { echo "\"$1 and alice, nobody else\""; }

# --- keyd configurations ---------------------------------------------------
alice_conf() {	# NAME(yes/no) MARKS(yes/no)
	local byname=$1 marks=$2 m1= m2= nm=
	if [ "$marks" = yes ]; then
		m1="mark = 0x1100/0xff00" m2="mark = 0x1200/0xff00"
	fi
	[ "$byname" = yes ] && nm="spd_by_name = yes
			local_ts = dynamic[tcp/445]"
	cat > "$d/keyd0.conf" <<-EOC
	connections {
		share {
			local_addrs = $(alice 1), $(alice 2), $(alice 3)
			proposals = aes128gcm16-prfsha256-x25519
			local {
				auth = psk
				id = alice@family.example
			}
			remote {
				auth = psk
				id = %any
			}
			children {
				host {
					mode = transport
					esp_proposals = aes128gcm16
				}
			}
		}
	}
	pad {
		bob {
			id = bob@family.example
			auth = psk
			$m1
		}
		family {
			id = *@family.example
			auth = pubkey
			cacerts = $d/pki/ca.pem
			$nm
			$m1
		}
		other {
			id = *@other.example
			auth = psk
			$m2
		}
	}
	secrets {
		bob {
			id = bob@family.example
			secret = $(psk bob)
		}
		carol {
			id = carol@family.example
			secret = $(psk carol)
		}
		eve {
			id = eve@other.example
			secret = $(psk eve)
		}
	}
	EOC
	"$KEYD" --check -f "$d/keyd0.conf" || fail "keyd --check refused alice's config"
}

peer_conf() {	# I ID AUTH
	local i=$1 id=$2 auth=$3 cert= key=
	if [ "$auth" = pubkey ]; then
		cert="certs = $d/pki/carol.pem"
		key="private-$i {
			file = $d/pki/carol.key
		}"
	fi
	cat > "$d/keyd$i.conf" <<-EOC
	connections {
		alice {
			local_addrs = $(peer "$i")
			remote_addrs = $(alice "$i")
			proposals = aes128gcm16-prfsha256-x25519
			local {
				auth = $auth
				id = $id
				$cert
			}
			remote {
				auth = psk
				id = alice@family.example
			}
			children {
				host {
					mode = transport
					esp_proposals = aes128gcm16
					start_action = start
				}
			}
		}
	}
	secrets {
		psk {
			id = $id
			id-2 = alice@family.example
			secret = $(psk "${id%@*}")
		}
		$key
	}
	EOC
	"$KEYD" --check -f "$d/keyd$i.conf" || fail "keyd --check refused ${names[$i]}'s config"
}
peer_conf 1 bob@family.example psk
peer_conf 2 carol@family.example pubkey
peer_conf 3 eve@other.example psk

# carol's charon: her certificate, and alice's PSK AUTH to check (the
# mixed case keyd's PAD allows). send_cert = always: alice's keyd cannot
# ask for it (CERTREQ) before it knows who is coming. mobike = no: IKE
# stays on 500, as for the keyd peers (nothing here moves).
if [ $carol_charon = 1 ]; then
	mkdir -p "$d/sw/x509" "$d/sw/x509ca" "$d/sw/private"
	cp "$d/pki/carol.pem" "$d/sw/x509/"
	cp "$d/pki/ca.pem" "$d/sw/x509ca/"
	cp "$d/pki/carol.key" "$d/sw/private/"
	cat > "$d/sw/swanctl.conf" <<-EOC
	connections {
		alice {
			version = 2
			local_addrs = $(peer 2)
			remote_addrs = $(alice 2)
			proposals = aes128gcm16-prfsha256-curve25519
			send_cert = always
			mobike = no
			local {
				auth = pubkey
				certs = carol.pem
				id = carol@family.example
			}
			remote {
				auth = psk
				id = alice@family.example
			}
			children {
				host {
					mode = transport
					esp_proposals = aes128gcm16
				}
			}
		}
	}
	secrets {
		ike-alice {
			id-1 = carol@family.example
			id-2 = alice@family.example
			secret = $(psk carol)
		}
	}
	EOC
	charon_start "$ns2" "$d/sw"
	charon_load "$d/sw/swanctl.conf" "$d/sw"
fi

# --- Alice's services and firewall -----------------------------------------
# A file share on 445 and something else on 8080, each echoing what it
# got; bob runs one on 8080 too, for Alice's outbound connection.
serve() {	# NS PORT
	ip netns exec "$1" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1]))); s.listen(16); print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        c.settimeout(5); c.sendall(c.recv(100))
    except OSError:
        pass
    c.close()
' "$2" > "$d/srv.$2.$1" 2>&1 &
	cleanup_hooks+=("kill $! 2>/dev/null")
	wait_for 60 grep -q ready "$d/srv.$2.$1"
}
serve "$ns0" 445
serve "$ns0" 8080
serve "$ns1" 8080
# Does NS reach [DST]:PORT (connect, say hello, hear it back, 3 s)?
reach() {	# NS DST PORT
	pretty "$1" "connect [$2]:$3"
	ip netns exec "$1" $PY -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
c.sendall(b"hello"); assert c.recv(100) == b"hello"' "$2" "$3" 2>/dev/null
}

n0 nft -f - <<-'NFT'
	table inet dixon {
		counter family445 {}
		counter other445 {}
		counter dropped {}
		chain input {
			type filter hook input priority filter; policy drop;
			iif lo accept
			ct state established,related accept
			meta l4proto ipv6-icmp accept
			udp dport { 500, 4500 } accept
			# who it was, by the mark of the SA the packet came out of
			tcp dport 445 meta mark & 0xff00 == 0x1100 counter name family445
			tcp dport 445 meta mark & 0xff00 == 0x1200 counter name other445
			# the share: IKE-authenticated peers only; which ones is
			# the kernel's Name selector's say
			tcp dport 445 meta mark & 0xf000 == 0x1000 accept
			counter name dropped drop
		}
	}
NFT
ctr() { ip netns exec "$ns0" nft list counter inet dixon "$1" | awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }

nsas() {
	if [ "$1" = "$ns2" ] && [ $carol_charon = 1 ]; then
		ip -n "$ns2" xfrm state | grep -c "proto esp" || true
	else
		ip netns exec "$1" "$SETKEY" -D | grep -c "esp mode=transport" || true
	fi
}
# NS's SAs, "SRC DST IDENTITY_SRC MARK/MASK PACKETS" each (dixon_sad.py).
sad() { ip netns exec "$1" $PY "$here/dixon_sad.py"; }
# Packets NS received on its SAs from SRC.
inpkts() { sad "$1" | awk -v s="$2" '$1 == s { n += $5 } END { print n + 0 }'; }
# Start alice's keyd with this config, then the peers', and wait for
# every pair of SAs. The negative phases need only bob and eve: carol
# (her certificate, charon's start-up under TCG) only takes time there.
phase() {	# NAME MARKS WITH_CAROL
	local i n=4
	stop_all
	alice_conf "$1" "$2"
	for i in $keyds; do
		[ $i = 2 ] && [ "$3" = no ] && continue
		: > "$d/keyd$i.log"
		pretty "${names[$i]}" "keyd -d -f $d/keyd$i.conf"
		ip netns exec "$(nsof $i)" "$KEYD" -d -f "$d/keyd$i.conf" >> "$d/keyd$i.log" 2>&1 &
		pids+=($!)
		# the first REGISTER in a VM waits for nfipsec's crypto probes
		wait_for 150 grep -q "keyd started" "$d/keyd$i.log"
	done
	if [ $carol_charon = 1 ]; then
		ss --terminate --ike alice --timeout 10 > /dev/null 2>&1 || true
		if [ "$3" = yes ]; then
			pretty carol "swanctl --initiate --child host"
			ss --initiate --child host --timeout 60 > /dev/null ||
				fail "carol's charon could not initiate"
		fi
	fi
	if [ "$3" = yes ]; then
		wait_for 60 eval "[ \$(nsas $ns2) = 2 ]"
		n=6
	fi
	wait_for 60 eval "[ \$(nsas $ns0) = $n ] && [ \$(nsas $ns1) = 2 ] && [ \$(nsas $ns3) = 2 ]"
	echo "ok: alice holds an SA pair with each of bob$([ "$3" = yes ] && echo ", carol") and eve"
}

# --- phase 1: the Name selector and the marks ------------------------------
echo "=== phase 1: spd_by_name = yes, marks (at ${SECONDS}s)"
phase yes yes yes
ip netns exec "$ns0" "$SETKEY" -DP > "$d/spd"
grep -q '::/0\[445\] tcp' "$d/spd" || { cat "$d/spd"; fail "no tcp/445 policy at alice"; }
sad "$ns0" > "$d/sad"
cat "$d/sad"
for i in 1 2 3; do
	case $i in 1) who=bob@family.example m=0x1100 ;; 2) who=carol@family.example m=0x1100 ;;
	3) who=eve@other.example m=0x1200 ;; esac
	grep -q "^$(peer $i) $(alice $i) $who $m/0xff00 " "$d/sad" ||
		fail "alice's SA from ${names[$i]} should say $who, mark $m/0xff00"
done
echo "ok: alice's inbound SAs carry bob's, carol's and eve's authenticated IDs and their PAD marks"

b=$(inpkts "$ns0" "$(peer 1)") c=$(inpkts "$ns0" "$(peer 2)")
reach "$ns1" "$(alice 1)" 445 || fail "bob@family.example was refused on 445"
echo "ok: bob (PSK) reaches 445"
reach "$ns2" "$(alice 2)" 445 || fail "carol@family.example was refused on 445"
echo "ok: carol (certificate, $([ $carol_charon = 1 ] && echo charon || echo keyd)) reaches 445"
assert "$(inpkts "$ns0" "$(peer 1)") >= $b + 3 && $(inpkts "$ns0" "$(peer 2)") >= $c + 3" \
	"over ESP: their packets came in on their SAs"
assert "$(ctr family445) >= 2" "nftables let their connections in by their mark (the SYNs; the rest is established)"

nm=$(stat "$ns0" InNameMismatch)
if reach "$ns3" "$(alice 3)" 445; then
	fail "eve@other.example reached 445"
fi
echo "ok: eve, with a valid SA, is refused on 445"
assert "$(stat "$ns0" InNameMismatch) > $nm" "by the Name selector (InNameMismatch $(stat "$ns0" InNameMismatch))"
assert "$(ctr other445) == 0" "nftables never saw eve's 445 packets"
n3 ping -q -c 2 -i 0.2 -W 2 "$(alice 3)"
echo "ok: eve's SA itself works (ping)"

dr=$(ctr dropped)
reach "$ns1" "$(alice 1)" 8080 && fail "bob reached 8080"
reach "$ns2" "$(alice 2)" 8080 && fail "carol reached 8080"
echo "ok: authenticated peers cannot reach another port (8080)"
assert "$(ctr dropped) > $dr" "nftables dropped them"

tm=$(stat "$ns0" InTmplMismatch)
n4 ping -q -c 2 -i 0.2 -W 2 "$(alice 4)"
reach "$ns4" "$(alice 4)" 445 && fail "mallory's plaintext reached 445"
echo "ok: unauthenticated plaintext to 445 is dropped (while mallory's ping passes)"
assert "$(stat "$ns0" InTmplMismatch) > $tm" "and counted (InTmplMismatch $(stat "$ns0" InTmplMismatch))"

b=$(inpkts "$ns1" "$(alice 1)")
reach "$ns0" "$(peer 1)" 8080 || fail "alice could not connect out to bob"
assert "$(inpkts "$ns1" "$(alice 1)") >= $b + 3" "alice connects out to bob, over ESP"

# --- phase 2: without the Name selector, eve gets in ------------------------
echo "=== phase 2: spd_by_name off: the negative (at ${SECONDS}s)"
phase no yes no
ip netns exec "$ns0" "$SETKEY" -DP | grep -q '\[445\] tcp' && fail "a tcp/445 policy without spd_by_name"
o=$(ctr other445)
reach "$ns3" "$(alice 3)" 445 || fail "eve still refused without the Name selector"
echo "ok: without the Name selector eve reaches 445: it is what stopped her"
assert "$(ctr other445) > $o" "and nftables knew it was her (mark 0x1200)"

# --- phase 3: without the marks, the firewall stops everyone ----------------
echo "=== phase 3: marks off: the negative (at ${SECONDS}s)"
phase yes no no
nm=$(stat "$ns0" InNameMismatch)
dr=$(ctr dropped)
reach "$ns1" "$(alice 1)" 445 && fail "bob reached 445 without his mark"
echo "ok: without the mark bob is refused on 445: the mark is what let him in"
assert "$(ctr dropped) > $dr && $(stat "$ns0" InNameMismatch) == $nm" \
	"by nftables, not by the Name selector"
stop_all
for i in $keyds; do
	ip netns exec "$(nsof $i)" "$SETKEY" -DP | grep -q "esp/" && fail "keyd left policies in ${names[$i]}"
done
echo "ok: every keyd removed its policies, the Name policies too (${SECONDS}s)"
