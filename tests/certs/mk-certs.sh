#!/bin/sh
# Test PKI for keyd's unit tests and the VM interop tests (strongSwan
# certificate cells), made with the openssl CLI at test time: no key is
# ever committed.
#
#   tests/certs/mk-certs.sh OUTDIR [NAME:KEY[:ISSUER] ...]
#
# KEY is rsa, ec256, ec384 or ec521; ISSUER ca (default), int or other.
# Each NAME gets NAME.key and NAME.pem (subject "C=CH, O=nfipsec test,
# CN=NAME.test.example", subjectAltName DNS:NAME.test.example and
# email:NAME@test.example, and IP:NAME when NAME is an IPv4 address).  The
# default set, which tests rely on by name:
#
#   ca.pem ca.key          root CA "CN=nfipsec test CA" (RSA 2048)
#   int.pem int.key        intermediate CA below ca
#   other-ca.pem           an unrelated root CA
#   rsa ec256 ec384 ec521  leaves below ca
#   via-int                leaf below int; via-int-chain.pem = leaf + int
#   stranger               leaf below other-ca
#   expired                leaf below ca, valid 2020-01-01..2020-01-02
#   codesign               leaf below ca whose EKU is codeSigning only
#   nosan                  leaf below ca without subjectAltName
#   cacerts.pem            ca.pem, the bundle a `cacerts` key names
#
# Existing outputs are kept when OUTDIR/.stamp matches this script and
# the arguments, so callers may run it every time.
set -eu

out=${1:?usage: mk-certs.sh OUTDIR [NAME:KEY[:ISSUER] ...]}
shift
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
mkdir -p "$out"
stamp="$(sha256sum "$self" | cut -d' ' -f1) $*"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
	exit 0
fi
rm -f "$out/.stamp"
cd "$out"

ossl() {
	openssl "$@" 2>ossl.err || { cat ossl.err >&2; exit 1; }
}

newkey() {	# NAME TYPE
	case $2 in
	rsa) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$1.key" ;;
	ec256) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1.key" ;;
	ec384) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
		-out "$1.key" ;;
	ec521) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 \
		-out "$1.key" ;;
	*) echo "mk-certs: unknown key type $2" >&2; exit 1 ;;
	esac
}

# A minimal `openssl ca` setup per issuer: it alone takes explicit dates.
ca_dir() {	# ISSUER
	d=ca-$1.d
	[ -d "$d" ] && return 0
	mkdir -p "$d"
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	cat >"$d/ca.cnf" <<EOC
[ ca ]
default_ca = dflt
[ dflt ]
dir = $d
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $1.pem
private_key = $1.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
countryName = optional
organizationName = optional
commonName = supplied
EOC
}

mkca() {	# NAME SUBJECT [ISSUER]
	newkey "$1" rsa
	if [ $# -lt 3 ]; then
		ossl req -x509 -new -key "$1.key" -sha256 -days 3650 \
			-subj "$2" -out "$1.pem" \
			-addext basicConstraints=critical,CA:true \
			-addext keyUsage=critical,keyCertSign,cRLSign
		return
	fi
	ossl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$1.ext"
	ossl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
		-set_serial 0x$(openssl rand -hex 8) -days 3650 -sha256 \
		-extfile "$1.ext" -out "$1.pem"
	rm -f "$1.csr" "$1.ext"
}

# NAME KEY ISSUER [START END] [EKU] [nosan]
mkleaf() {
	name=$1 key=$2 issuer=$3 start=${4:-} end=${5:-} eku=${6:-} nosan=${7:-}
	newkey "$name" "$key"
	ossl req -new -key "$name.key" \
		-subj "/C=CH/O=nfipsec test/CN=$name.test.example" \
		-out "$name.csr"
	{
		echo "basicConstraints=CA:false"
		echo "keyUsage=digitalSignature"
		echo "subjectKeyIdentifier=hash"
		echo "authorityKeyIdentifier=keyid"
		echo "extendedKeyUsage=${eku:-serverAuth,clientAuth,1.3.6.1.5.5.7.3.17}"
		if [ -z "$nosan" ]; then
			san="DNS:$name.test.example,email:$name@test.example"
			case $name in
			*[!0-9.]*) ;;
			*) san="$san,IP:$name" ;;
			esac
			echo "subjectAltName=$san"
		fi
	} >"$name.ext"
	ca_dir "$issuer"
	if [ -n "$start" ]; then
		ossl ca -batch -notext -config "ca-$issuer.d/ca.cnf" \
			-startdate "$start" -enddate "$end" \
			-extfile "$name.ext" -in "$name.csr" -out "$name.pem"
	else
		ossl ca -batch -notext -config "ca-$issuer.d/ca.cnf" \
			-days 3650 -extfile "$name.ext" -in "$name.csr" \
			-out "$name.pem"
	fi
	rm -f "$name.csr" "$name.ext"
}

rm -rf ca-*.d
mkca ca "/C=CH/O=nfipsec test/CN=nfipsec test CA"
mkca int "/C=CH/O=nfipsec test/CN=nfipsec test intermediate" ca
mkca other-ca "/C=CH/O=somebody else/CN=other CA"
mkleaf rsa rsa ca
mkleaf ec256 ec256 ca
mkleaf ec384 ec384 ca
mkleaf ec521 ec521 ca
mkleaf via-int ec256 int
cat via-int.pem int.pem >via-int-chain.pem
mkleaf stranger ec256 other-ca
mkleaf expired ec256 ca 20200101000000Z 20200102000000Z
mkleaf codesign ec256 ca "" "" codeSigning
mkleaf nosan ec256 ca "" "" "" nosan
cp ca.pem cacerts.pem
for spec in "$@"; do
	IFS=: read -r n k i <<EOS
$spec
EOS
	mkleaf "$n" "$k" "${i:-ca}"
done
rm -f ossl.err
echo "$stamp" >.stamp
