# Debian's strongSwan charon in a network namespace, for keyd's interop
# tests. Sourced after lib.bash.
#
#   charon_require               exit 77 (skip) unless charon and swanctl exist
#   charon_start NS DIR [LINES]  start charon in NS, its files in DIR: its
#                                strongswan.conf (LINES go inside charon { }),
#                                DIR/charon.log, DIR/charon.vici; wait for vici
#   ss ARGS...                   swanctl against that charon
#   charon_load FILE [CREDDIR]   swanctl --load-all --clear of FILE; with
#                                CREDDIR, also its x509/ x509ca/ private/
#   charon_stop                  stop it (charon_start queues it on exit,
#                                after the hooks already there)
#
# charon runs in a mount namespace of its own with a tmpfs on /run, so its
# pid file and default socket do not clash with another charon, and with
# its own vici socket.  The bypass-lan plugin is off: it would pass the
# local subnet in the clear, transport-mode children included.
CHARON=${CHARON:-/usr/lib/ipsec/charon}
charon_pid= charon_vici= charon_dir=

charon_require() {
	if [ ! -x "$CHARON" ] || ! command -v swanctl > /dev/null; then
		echo "SKIP: strongSwan (strongswan-charon, strongswan-swanctl) is not installed"
		exit 77
	fi
}

ss() { swanctl "$@" --uri "$charon_vici"; }

charon_start() {	# NS DIR [LINES]
	local ns=$1
	charon_dir=$2
	charon_vici=unix://$charon_dir/charon.vici
	cat > "$charon_dir/strongswan.conf" <<-EOC
	charon {
		install_routes = no
		retransmit_base = 1.4
		${3:-}
		plugins {
			vici {
				socket = $charon_vici
			}
			bypass-lan {
				load = no
			}
		}
		filelog {
			log {
				path = $charon_dir/charon.log
				flush_line = yes	# tests grep it while charon runs
				time_format = %s	# as keyd's log: epoch seconds
				default = 1
				ike = 2
				knl = 2
			}
		}
	}
	EOC
	pretty "$ns" "charon"
	ip netns exec "$ns" unshare -m sh -c "mount -t tmpfs none /run &&
		exec env STRONGSWAN_CONF=$charon_dir/strongswan.conf $CHARON" \
		> "$charon_dir/charon.out" 2>&1 &
	charon_pid=$!
	cleanup_hooks+=(charon_stop)
	wait_for 60 ss --stats
}

charon_load() {	# FILE [CREDDIR]
	local out
	# swanctl exits 0 when it discards a connection it cannot parse
	if [ -n "${2:-}" ]; then
		out=$(SWANCTL_DIR=$2 ss --load-all --clear --file "$1" 2>&1)
	else
		out=$(ss --load-all --clear --file "$1" 2>&1)
	fi || { echo "$out"; fail "swanctl --load-all failed"; }
	# not the absent credential dirs, nor the plugins swanctl lacks
	out=$(echo "$out" | grep -v "^opening directory\|^plugin '")
	echo "$out"
	if echo "$out" | grep -qE "^loading .* failed|, [1-9][0-9]* failed to load"; then
		fail "swanctl did not load all of $1"
	fi
}

charon_stop() {
	[ -n "$charon_pid" ] || return 0
	kill "$charon_pid" 2>/dev/null
	wait "$charon_pid" 2>/dev/null
	charon_pid=
}
