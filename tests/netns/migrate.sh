#!/bin/bash
# SADB_X_MIGRATE (kmod/migrate.c), Mobile IPv6 style: the mobile node (ns0)
# moves its care-of address, the outer end of its ESP tunnel to the home
# agent (ns1), from OLD to NEW; both sides send X_MIGRATE for the tunnel
# policies of each direction, and traffic between the inner addresses
# keeps flowing on the same SPIs, keys and sequence numbers. IPv4, then
# IPv6 outside and inside.
#
#   +--------------------------------+          +------------------------------+
#   | ns0: mobile node (nfipsec)     |          | ns1: home agent (nfipsec)    |
#   |  lo: 10.0.0.1, fd00::1         |   ESP    |  lo: 10.0.1.1, fd00:1::1     |
#   |  veth0: OLD 192.0.2.1 ---------+--tunnel--+--- veth1: 192.0.2.2         |
#   |         NEW 192.0.2.11         |          |           2001:db8::2        |
#   |         OLD 2001:db8::1        |          |                              |
#   |         NEW 2001:db8::11       |          |                              |
#   +--------------------------------+          +------------------------------+
#
# Negative first: only the home agent migrates, so its ESP goes to NEW,
# where the mobile node has no SA yet: no ping answer, InNoStates counts.
# Then the mobile node migrates, OLD is removed from veth0, and ping and a
# TCP transfer pass; the SAs' packet counters carried over.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
. "$here/ipsec-lib.bash"
MIG=$here/pfkey_migrate.py

load_nfipsec
cleanup_hooks=(diag_pair "${cleanup_hooks[@]}")
topo_pair
setup_inner
mac0=$(mac "$ns0" veth0)
# Removing OLD must leave NEW (a secondary address of the same subnet).
n0 sysctl -qw net.ipv4.conf.veth0.promote_secondaries=1
n0 ip addr add 192.0.2.11/24 dev veth0
n0 ip addr add 2001:db8::11/64 dev veth0 nodad
n1 ip neigh replace 192.0.2.11 lladdr "$mac0" dev veth1 nud permanent
n1 ip neigh replace 2001:db8::11 lladdr "$mac0" dev veth1 nud permanent

# mig NS SEL_SRC SEL_DST DIR OLD_SRC OLD_DST NEW_SRC NEW_DST: the tunnel
# policy SEL_SRC -> SEL_DST (its selector stays) moves its endpoints.
mig() {
	local ns=$1; shift
	ip netns exec "$ns" /usr/bin/python3 "$MIG" move "$1" "$2" 255 "$3" tunnel 0 "$4" "$5" "$6" "$7" ||
		fail "X_MIGRATE in $ns: $*"
}
tunnel_src() {	# NS SPI: the SA's addresses as setkey -D prints them
	ip netns exec "$1" "$SETKEY" -D | awk -v s="$(($2))" '
		/^[0-9a-f.:]+ [0-9a-f.:]+ *$/ { a = $1 " " $2 }
		/ spi=/ { match($0, /spi=[0-9]+/); if (substr($0, RSTART + 4, RLENGTH - 4) + 0 == s) print a }'
}

# cell FAMILY OLD NEW HA INNER_MN INNER_HA PLEN SPI_OUT SPI_IN
cell() {
	local f=$1 old=$2 new=$3 ha=$4 imn=$5 iha=$6 pl=$7 so=$8 si=$9
	echo "=== IPv$f: care-of address $old -> $new"
	n0 ip addr add "$old/$([ "$f" = 4 ] && echo 24 || echo 64)" dev veth0 nodad 2>/dev/null || true
	key_nfipsec 0 gcm128 tunnel "$f" "$f" "$so" "$si"
	key_nfipsec 1 gcm128 tunnel "$f" "$f" "$si" "$so"
	n0 ping -c 2 -W 5 -I "$imn" "$iha" > /dev/null || fail "ping before the move"
	n0 /usr/bin/python3 "$MIG" errors "$imn/$pl" "$iha/$pl" 255 out "$old" "$ha"
	local before
	before=$(pkts_nfipsec "$ns0" "$so")

	# The home agent alone: it tunnels to NEW, which has no SA yet.
	mig "$ns1" "$iha/$pl" "$imn/$pl" out "$ha" "$old" "$ha" "$new"
	mig "$ns1" "$imn/$pl" "$iha/$pl" in "$old" "$ha" "$new" "$ha"
	local nosa
	nosa=$(stat "$ns0" InNoStates)
	if n0 ping -c 2 -W 2 -I "$imn" "$iha" > /dev/null 2>&1; then
		fail "the mobile node answered ESP to an address it has no SA for"
	fi
	assert "$(stat "$ns0" InNoStates) > nosa" \
		"ESP to the new address without the mobile node's X_MIGRATE: dropped, InNoStates"

	mig "$ns0" "$imn/$pl" "$iha/$pl" out "$old" "$ha" "$new" "$ha"
	mig "$ns0" "$iha/$pl" "$imn/$pl" in "$ha" "$old" "$ha" "$new"
	n0 ip addr del "$old/$([ "$f" = 4 ] && echo 24 || echo 64)" dev veth0
	n0 ping -c 3 -W 5 -I "$imn" "$iha" > /dev/null || fail "ping after X_MIGRATE"
	XFER_BYTES=131072 xfer "$ns0" "$imn" "$ns1" "$iha"
	assert "$(pkts_nfipsec "$ns0" "$so") > before + 3" \
		"the moved SA $so carried on, its counters with it"
	# NFIPSEC_SADB_X_EXT_SA_STATS: packets, bytes, errors, replay, ICV.
	local st
	st=($(ip netns exec "$ns0" /usr/bin/python3 "$here/pfkey_client.py" stats "$new" "$ha" "$so" | tail -1))
	assert "${st[0]} > before + 3 && ${st[2]} == 0 && ${st[3]} == 0 && ${st[4]} == 0" \
		"SA_STATS of $so: ${st[*]} (packets, bytes, errors, replay, ICV)"
	[ "$(tunnel_src "$ns0" "$so")" = "$new $ha" ] ||
		fail "setkey -D shows $so as '$(tunnel_src "$ns0" "$so")', not '$new $ha'"
	[ "$(tunnel_src "$ns1" "$si")" = "$ha $new" ] ||
		fail "the home agent's $si is '$(tunnel_src "$ns1" "$si")', not '$ha $new'"
	echo "ok: both sides' SAs are between $new and $ha"
	ip netns exec "$ns0" "$SETKEY" -DP | grep -q "$new-$ha" ||
		fail "the mobile node's outbound template still names $old"
	echo "ok: the templates name $new"
}

cell 4 192.0.2.1 192.0.2.11 192.0.2.2 10.0.0.1 10.0.1.1 32 0x5101 0x5102
cell 6 2001:db8::1 2001:db8::11 2001:db8::2 fd00::1 fd00:1::1 128 0x5103 0x5104
echo "migrate.sh: PASS"
