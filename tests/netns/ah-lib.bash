# AH helpers for the AH tests (ah-xfrm.sh, ah-pair.sh), sourced after
# lib.bash and ipsec-lib.bash, whose addresses, transfers and run_cells
# they reuse. An AH "algorithm" is one integrity algorithm; the algorithm
# "bundle" is ESP AES-GCM-16 inside AH HMAC-SHA-256, both in one mode.
AH_ALGS=(ah-sha1 ah-sha256 ah-sha384 ah-sha512)
AH_GMAC=(ah-gmac128 ah-gmac256)

ah_setkey() {	# setkey's -A for an AH algorithm
	case $1 in
	ah-sha1) echo "-A hmac-sha1 $(k 20 100)" ;;
	ah-sha256) echo "-A hmac-sha256 $(k 32 100)" ;;
	ah-sha384) echo "-A hmac-sha384 $(k 48 100)" ;;
	ah-sha512) echo "-A hmac-sha512 $(k 64 100)" ;;
	ah-gmac128) echo "-A aes-128-gmac $(k 20 100)" ;;
	ah-gmac256) echo "-A aes-256-gmac $(k 36 100)" ;;
	esac
}
ah_xfrm() {	# ip xfrm's auth-trunc for an AH algorithm (no GMAC in XFRM)
	case $1 in
	ah-sha1) printf '%s\n' auth-trunc 'hmac(sha1)' "$(k 20 100)" 96 ;;
	ah-sha256) printf '%s\n' auth-trunc 'hmac(sha256)' "$(k 32 100)" 128 ;;
	ah-sha384) printf '%s\n' auth-trunc 'hmac(sha384)' "$(k 48 100)" 192 ;;
	ah-sha512) printf '%s\n' auth-trunc 'hmac(sha512)' "$(k 64 100)" 256 ;;
	esac
}

# ah_addrs SIDE MODE INNER OUTER: sets lo ro li ri pl for the caller.
ah_addrs() {
	local peer=$((1 - $1))
	lo=$(outer_addr "$1" "$4"); ro=$(outer_addr "$peer" "$4")
	li=$(inner_addr "$1" "$2" "$3"); ri=$(inner_addr "$peer" "$2" "$3")
	pl=$(plen "$3")
}

# key_ah_nfipsec SIDE ALG MODE INNER OUTER SPI_OUT SPI_IN: AH alone, or
# for ALG "bundle" ESP (SPI + 0x1000) inside AH.
key_ah_nfipsec() {
	local me=$1 alg=$2 mode=$3 fi=$4 fo=$5 so=$6 si=$7 lo ro li ri pl
	local six="" t_out t_in a esp=""
	ah_addrs "$me" "$mode" "$fi" "$fo"
	[ "$fo" = 6 ] && six="-6"
	if [ "$mode" = tunnel ]; then
		t_out="tunnel/$lo-$ro/require" t_in="tunnel/$ro-$lo/require"
	else
		t_out="transport//require" t_in="transport//require"
	fi
	a=$alg
	printf 'flush;\nspdflush;\n' > "/tmp/setkey-ah.$me"
	if [ "$alg" = bundle ]; then
		a=ah-sha256
		esp="esp/$t_out "
		cat >> "/tmp/setkey-ah.$me" <<-EOF
		add $six $lo $ro esp $((so + 0x1000)) -m $mode -r 64 $(alg_setkey gcm128);
		add $six $ro $lo esp $((si + 0x1000)) -m $mode -r 64 $(alg_setkey gcm128);
		EOF
	fi
	local esp_in=${esp:+esp/$t_in }
	cat >> "/tmp/setkey-ah.$me" <<-EOF
	add $six $lo $ro ah $so -m $mode -r 64 $(ah_setkey "$a");
	add $six $ro $lo ah $si -m $mode -r 64 $(ah_setkey "$a");
	spdadd $li/$pl $ri/$pl any -P out ipsec ${esp}ah/$t_out;
	spdadd $ri/$pl $li/$pl any -P in ipsec ${esp_in}ah/$t_in;
	EOF
	ip netns exec "$(nsname "$me")" "$SETKEY" -f "/tmp/setkey-ah.$me" ||
		{ cat "/tmp/setkey-ah.$me"; fail "setkey refused the configuration"; }
}

# key_ah_xfrm SIDE ALG MODE INNER OUTER SPI_OUT SPI_IN
key_ah_xfrm() {
	local me=$1 alg=$2 mode=$3 fi=$4 fo=$5 so=$6 si=$7 lo ro li ri pl ns a
	local sel_out=() sel_in=() t_out=() t_in=()
	ns=$(nsname "$me")
	ah_addrs "$me" "$mode" "$fi" "$fo"
	ip -n "$ns" xfrm state flush
	ip -n "$ns" xfrm policy flush
	a=$alg
	[ "$alg" = bundle ] && a=ah-sha256
	local auth
	mapfile -t auth <<< "$(ah_xfrm "$a")"
	if [ "$mode" = tunnel ]; then
		sel_out=(sel src "$li/$pl" dst "$ri/$pl")
		sel_in=(sel src "$ri/$pl" dst "$li/$pl")
	fi
	# XFRM pads IPv4 AH to 64 bits unless told RFC 4302's 32 (what
	# libreswan does too); nfipsec takes only the RFC's length.
	local align=()
	[ "$fo" = 4 ] && align=(flag align4)
	ip -n "$ns" xfrm state add src "$lo" dst "$ro" proto ah spi "$so" reqid 2 \
		mode "$mode" replay-window 32 "${align[@]}" "${auth[@]}" "${sel_out[@]}"
	ip -n "$ns" xfrm state add src "$ro" dst "$lo" proto ah spi "$si" reqid 2 \
		mode "$mode" replay-window 32 "${align[@]}" "${auth[@]}" "${sel_in[@]}"
	if [ "$alg" = bundle ]; then
		local e
		mapfile -t e <<< "$(alg_xfrm gcm128)"
		ip -n "$ns" xfrm state add src "$lo" dst "$ro" proto esp \
			spi $((so + 0x1000)) reqid 1 mode "$mode" replay-window 32 \
			"${e[@]}" "${sel_out[@]}"
		ip -n "$ns" xfrm state add src "$ro" dst "$lo" proto esp \
			spi $((si + 0x1000)) reqid 1 mode "$mode" replay-window 32 \
			"${e[@]}" "${sel_in[@]}"
		# The first template is applied first: ESP inside, AH outside.
		t_out=(tmpl src "$lo" dst "$ro" proto esp reqid 1 mode "$mode")
		t_in=(tmpl src "$ro" dst "$lo" proto esp reqid 1 mode "$mode")
	fi
	ip -n "$ns" xfrm policy add src "$li/$pl" dst "$ri/$pl" dir out \
		"${t_out[@]}" tmpl src "$lo" dst "$ro" proto ah reqid 2 mode "$mode"
	ip -n "$ns" xfrm policy add src "$ri/$pl" dst "$li/$pl" dir in \
		"${t_in[@]}" tmpl src "$ro" dst "$lo" proto ah reqid 2 mode "$mode"
}
