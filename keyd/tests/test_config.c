/* SPDX-License-Identifier: ISC */
/*
 * keyd.conf: good files parse to the expected structures, and each kind
 * of mistake is refused with its line and a message that names it.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"
#include "../id.h"
#include "../pad.h"
#include "tap.h"

static char dir[64], conf[128];
static const char *certdir;

static int
parse(const char *text, struct keyd_config *cfg, char *err, size_t len)
{
	return (config_parse(conf, text, strlen(text), cfg, err, len));
}

/* The error names conf, the line, and contains `what`. */
static void
expect_err(const char *name, const char *text, int line, const char *what)
{
	struct keyd_config cfg;
	char err[512], want[160];
	int r = parse(text, &cfg, err, sizeof(err));

	snprintf(want, sizeof(want), "%s:%d: ", conf, line);
	if (!ok(r < 0 && !strncmp(err, want, strlen(want)) &&
	    strstr(err, what) != NULL, "error: %s", name))
		printf("# got %s: %s\n# want %s...%s\n", r < 0 ? "-1" : "0",
		    r < 0 ? err : "", want, what);
	if (r == 0)
		config_free(&cfg);
}

static const char good_psk[] =
	"# two sites\n"
	"log_level = debug\n"
	"ctl_socket = /tmp/k.ctl\n"
	"connections {\n"
	"	site {\n"
	"		local_addrs = 192.0.2.1\n"
	"		remote_addrs = 198.51.100.7\n"
	"		proposals = aes128gcm16-prfsha256-x25519, "
	"aes256-sha384-modp3072-ecp256\n"
	"		rekey_time = 2h\n"
	"		dpd_delay = 30s\n"
	"		local {\n"
	"			auth = psk\n"
	"			id = gw1.example.com\n"
	"		}\n"
	"		remote {\n"
	"			auth = psk\n"
	"			id = *.branch.example\n"
	"		}\n"
	"		children {\n"
	"			lan {\n"
	"				local_ts = 10.1.0.0/16, 10.9.0.1-10.9.0.9\n"
	"				remote_ts = 10.2.0.0/24[tcp/445], "
	"10.3.0.0/24[icmp/8]\n"
	"				esp_proposals = aes256gcm16-ecp384-esn, "
	"aes128-sha256\n"
	"				start_action = trap\n"
	"				rekey_time = 30m\n"
	"				rekey_bytes = 1G\n"
	"				replay_window = 128\n"
	"			}\n"
	"			host {\n"
	"				mode = transport\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"secrets {\n"
	"	ike-branch {\n"
	"		id = *.branch.example\n"
	"		id-2 = gw1.example.com\n"
	"		secret = \"a \\\"quoted\\\" secret\"  # comment\n"
	"	}\n"
	"	ike-hex {\n"
	"		secret = 0x0102ff\n"
	"	}\n"
	"}\n";

static int
addr_is(const struct sockaddr_storage *ss, const char *text)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	return (inet_ntop(ss->ss_family, a, buf, sizeof(buf)) &&
	    !strcmp(buf, text));
}

static void
test_good_psk(void)
{
	struct keyd_config cfg;
	const struct config_conn *co;
	const struct config_child *ch;
	const struct config_secret *s;
	struct config_id peer, gw;
	const char *why;
	char err[512];

	if (!ok(parse(good_psk, &cfg, err, sizeof(err)) == 0, "PSK config "
	    "parses")) {
		printf("# %s\n", err);
		return;
	}
	ok(cfg.log_level == 2 && !strcmp(cfg.ctl_socket, "/tmp/k.ctl"),
	    "globals");
	co = config_find_conn(&cfg, "site");
	ok(co != NULL && cfg.nconns == 1, "one connection");
	if (co == NULL)
		return;
	ok(co->nlocal_addrs == 1 && co->local_addrs[0].family == AF_INET &&
	    addr_is(&co->local_addrs[0].lo, "192.0.2.1") &&
	    addr_is(&co->remote_addrs[0].hi, "198.51.100.7") &&
	    co->local_port == 500 && co->remote_port == 500, "addresses");
	ok(co->nike == 2 && co->ike[0].encr == IKEV2_ENCR_AES_GCM_16 &&
	    co->ike[0].encr_keylen == 128 && co->ike[0].integ == 0 &&
	    co->ike[0].prf == IKEV2_PRF_HMAC_SHA2_256 && co->ike[0].ndh == 1 &&
	    co->ike[0].dh[0] == IKEV2_DH_CURVE25519, "IKE proposal 1 (AEAD)");
	ok(co->ike[1].encr == IKEV2_ENCR_AES_CBC &&
	    co->ike[1].encr_keylen == 256 &&
	    co->ike[1].integ == IKEV2_INTEG_HMAC_SHA2_384_192 &&
	    co->ike[1].prf == IKEV2_PRF_HMAC_SHA2_384 && co->ike[1].ndh == 2 &&
	    co->ike[1].dh[0] == IKEV2_DH_MODP_3072 &&
	    co->ike[1].dh[1] == IKEV2_DH_ECP_256,
	    "IKE proposal 2: prf from integ, groups in order");
	ok(co->rekey_time == 7200 && co->over_time == 720 &&
	    co->dpd_delay == 30, "IKE times, over_time 10%% by default");
	ok(co->local.auth == AUTH_PSK && co->local.id.type == IKEV2_ID_FQDN &&
	    co->local.id.len == 15 &&
	    !memcmp(co->local.id.data, "gw1.example.com", 15), "local id");
	ok(co->remote.idpat.match == IDMATCH_DNS_SUBTREE &&
	    co->remote.idpat.id.len == 14, "remote id pattern");
	ok(co->nchildren == 2, "two children");
	ch = config_find_child(co, "lan");
	ok(ch != NULL && ch->nlocal_ts == 2 && ch->nremote_ts == 2 &&
	    addr_is(&ch->local_ts[0].addr.hi, "10.1.255.255") &&
	    addr_is(&ch->local_ts[1].addr.lo, "10.9.0.1") &&
	    ch->remote_ts[0].proto == 6 && ch->remote_ts[0].port_lo == 445 &&
	    ch->remote_ts[0].port_hi == 445 && ch->remote_ts[1].proto == 1 &&
	    ch->remote_ts[1].port_lo == 0x800 &&
	    ch->remote_ts[1].port_hi == 0x8ff, "traffic selectors");
	ok(ch != NULL && ch->nesp == 2 &&
	    ch->esp[0].encr == IKEV2_ENCR_AES_GCM_16 &&
	    ch->esp[0].encr_keylen == 256 && ch->esp[0].esn == 1 &&
	    ch->esp[0].dh[0] == IKEV2_DH_ECP_384 && ch->esp[1].ndh == 0 &&
	    ch->esp[1].esn == 0 && ch->esp[1].prf == 0 &&
	    ch->esp[1].integ == IKEV2_INTEG_HMAC_SHA2_256_128,
	    "ESP proposals");
	ok(ch != NULL && ch->start == START_TRAP && ch->mode_tunnel &&
	    ch->rekey_time == 1800 && ch->life_time == 1980 &&
	    ch->rekey_bytes == 1ULL << 30 && ch->life_bytes > ch->rekey_bytes &&
	    ch->replay_window == 128, "child limits");
	ch = config_find_child(co, "host");
	ok(ch != NULL && !ch->mode_tunnel && ch->nlocal_ts == 1 &&
	    ch->local_ts[0].dynamic && ch->remote_ts[0].dynamic &&
	    ch->nesp == 2 && ch->rekey_time == 3600 && ch->replay_window == 64,
	    "child defaults");
	ok(cfg.nsecrets == 2 && cfg.secrets[0].len == 17 &&
	    !memcmp(cfg.secrets[0].data, "a \"quoted\" secret", 17) &&
	    cfg.secrets[1].len == 3 && cfg.secrets[1].data[2] == 0xff,
	    "secrets: quoted string and hex");

	id_parse("gw1.example.com", &gw, &why);
	id_parse("b7.branch.example", &peer, &why);
	s = config_find_psk(&cfg, &gw, &peer);
	ok(s == &cfg.secrets[0], "PSK lookup: both ids match");
	id_parse("other.example", &peer, &why);
	ok(config_find_psk(&cfg, NULL, &peer) == &cfg.secrets[1],
	    "PSK lookup: the secret without ids as the fallback");
	ok(cfg.npad == 1 && !strcmp(cfg.pad[0].conn, "site") &&
	    cfg.pad[0].nts == 3 && cfg.pad[0].naddrs == 1 &&
	    cfg.pad[0].auth == AUTH_PSK, "the connection's implied PAD entry");
	config_free(&cfg);
}

static void
touch(const char *name)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
}

/* @DIR@: the test PKI (tests/certs/mk-certs.sh) */
/* Copy fmt into out with every @DIR@ replaced by d. */
static void
subst(char *out, size_t len, const char *fmt, const char *d)
{
	size_t o = 0;

	for (; *fmt && o + strlen(d) + 1 < len; fmt++) {
		if (!strncmp(fmt, "@DIR@", 5)) {
			strcpy(out + o, d);
			o += strlen(d);
			fmt += 4;
		} else {
			out[o++] = *fmt;
		}
	}
	out[o] = '\0';
}

static const char good_cert_fmt[] =
	"connections {\n"
	"	rw {\n"
	"		local_addrs = 2001:db8::1\n"
	"		remote_addrs = 2001:db8:1::/48, %any\n"
	"		local {\n"
	"			auth = pubkey\n"
	"			certs = @DIR@/ec256.pem\n"
	"			id = \"c=ch, o=NFIPSEC test, cn=ec256.test.example\"\n"
	"		}\n"
	"		remote {\n"
	"			auth = pubkey\n"
	"			cacerts = @DIR@/cacerts.pem\n"
	"			id = C=CH, O=Family, *\n"
	"		}\n"
	"		children {\n"
	"			net {\n"
	"				local_ts = ::/0\n"
	"				esp_proposals = chacha20poly1305-x25519\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"pad {\n"
	"	family {\n"
	"		id = *@family.example\n"
	"		auth = pubkey\n"
	"		cacerts = @DIR@/cacerts.pem\n"
	"		remote_ts = 10.7.0.0/24[udp], dynamic\n"
	"		populate_from_packet = remote_addr, remote_port\n"
	"		spd_by_name = yes\n"
	"		local_ts = dynamic[tcp/445], 2001:db8::/64\n"
	"		mark = 0x1100/0xff00\n"
	"	}\n"
	"}\n"
	"secrets {\n"
	"	private-gw {\n"
	"		file = @DIR@/ec256.key\n"
	"	}\n"
	"}\n";

static void
test_good_cert(void)
{
	struct keyd_config cfg;
	const struct config_conn *co;
	char err[512], txt[ID_TEXT_MAX], want[200], good_cert[4096];

	subst(good_cert, sizeof(good_cert), good_cert_fmt, certdir);
	if (!ok(parse(good_cert, &cfg, err, sizeof(err)) == 0,
	    "certificate config parses")) {
		printf("# %s\n", err);
		return;
	}
	co = &cfg.conns[0];
	snprintf(want, sizeof(want), "%s/ec256.pem", certdir);
	ok(co->local.auth == AUTH_PUBKEY && !strcmp(co->local.cert, want),
	    "certs path");
	ok(co->local.id.type == IKEV2_ID_DER_ASN1_DN &&
	    !strcmp(id_format(&co->local.id, txt, sizeof(txt)),
	    "C=CH, O=nfipsec test, CN=ec256.test.example"),
	    "a DN id equal to the subject becomes its exact DER: %s", txt);
	ok(co->remote.idpat.match == IDMATCH_DN_SUBTREE, "DN subtree pattern");
	ok(co->nremote_addrs == 2 && co->remote_addrs[0].family == AF_INET6 &&
	    addr_is(&co->remote_addrs[0].hi, "2001:db8:1:ffff:ffff:ffff:"
	    "ffff:ffff") && co->remote_addrs[1].family == AF_UNSPEC,
	    "IPv6 prefix and %%any");
	ok(co->ike[0].encr && co->children[0].esp[0].encr ==
	    IKEV2_ENCR_CHACHA20_POLY1305 && co->children[0].esp[0].encr_keylen
	    == 0 && co->children[0].esp[0].dh[0] == IKEV2_DH_CURVE25519,
	    "default IKE proposals; chacha20poly1305");
	ok(cfg.npad == 2 && !strcmp(cfg.pad[0].name, "family") &&
	    cfg.pad[0].conn[0] == '\0' &&
	    cfg.pad[0].idpat.match == IDMATCH_EMAIL_DOMAIN &&
	    cfg.pad[0].nts == 2 && cfg.pad[0].ts[0].proto == 17 &&
	    cfg.pad[0].ts[1].dynamic && cfg.pad[0].spd_by_name &&
	    cfg.pad[0].populate_from_packet ==
	    (PFP_REMOTE_ADDR | PFP_REMOTE_PORT), "pad section");
	ok(cfg.pad[0].nlocal_ts == 2 && cfg.pad[0].local_ts[0].dynamic &&
	    cfg.pad[0].local_ts[0].proto == 6 &&
	    cfg.pad[0].local_ts[0].port_lo == 445 &&
	    cfg.pad[0].local_ts[1].addr.family == AF_INET6 &&
	    cfg.pad[0].mark == 0x1100 && cfg.pad[0].mark_mask == 0xff00 &&
	    cfg.pad[1].mark_mask == 0,
	    "pad section: the Name policy's selectors and the SA mark");
	ok(!strcmp(cfg.pad[1].conn, "rw") && cfg.pad[1].naddrs == 0 &&
	    cfg.pad[1].auth == AUTH_PUBKEY,
	    "implied PAD entry after the pad sections; %%any means any address");
	ok(cfg.nsecrets == 1 && !cfg.secrets[0].is_psk, "private key secret");
	config_free(&cfg);
}

static void
test_errors(void)
{
	static const char head[] = "connections {\n c {\n";
	char buf[1024], buf2[1024], cert[512], err[512], txt[ID_TEXT_MAX];
	struct keyd_config cfg;
	int r;

#define CONN(body)							\
	(snprintf(buf, sizeof(buf), "%s%s }\n}\nsecrets {\n s {\n"	\
	    "  secret = x\n }\n}\n", head, body), buf)
#define ENDS	"  local {\n   auth = psk\n  }\n  remote {\n   auth = psk\n" \
		"  }\n"
#define CHILD	"  children {\n   ch {\n   }\n  }\n"

	expect_err("unknown key", CONN(ENDS CHILD "  bogus = 1\n"), 13,
	    "unknown key 'bogus' in a connection");
	expect_err("unknown section", CONN(ENDS CHILD "  bogus {\n  }\n"), 13,
	    "unknown section 'bogus'");
	expect_err("unknown top level key", "foo = bar\n", 1,
	    "unknown key 'foo' in the top level");
	expect_err("AEAD with integrity",
	    CONN("  proposals = aes128gcm16-sha256-x25519\n" ENDS CHILD), 3,
	    "AEAD algorithm takes no integrity");
	expect_err("unknown algorithm",
	    CONN("  proposals = aes128-sha1-modp1024\n" ENDS CHILD), 3,
	    "unknown algorithm");
	expect_err("IKE proposal without a group",
	    CONN("  proposals = aes128-sha256\n" ENDS CHILD), 3,
	    "without a key exchange group");
	expect_err("prf in ESP", CONN(ENDS "  children {\n   ch {\n"
	    "    esp_proposals = aes128-sha256-prfsha256\n   }\n  }\n"), 11,
	    "prf has no place");
	expect_err("duplicate key",
	    CONN("  rekey_time = 1h\n  rekey_time = 2h\n" ENDS CHILD), 4,
	    "duplicate 'rekey_time' (first at line 3)");
	expect_err("duplicate connection", "connections {\n c {\n }\n"
	    " c {\n }\n}\n", 4, "duplicate 'c' (first at line 2)");
	expect_err("missing auth", CONN("  local {\n  }\n  remote {\n"
	    "   auth = psk\n  }\n" CHILD), 3, "local: missing auth");
	expect_err("missing remote", CONN("  local {\n   auth = psk\n  }\n"
	    CHILD), 2, "missing remote");
	expect_err("no children", CONN(ENDS), 2, "has no children");
	expect_err("PSK without a secret", "connections {\n c {\n"
	    "  local {\n   auth = psk\n  }\n  remote {\n   auth = psk\n"
	    "   id = peer.example\n  }\n" CHILD " }\n}\n", 3,
	    "auth = psk but no secret");
	expect_err("certs unreadable", CONN("  local {\n   auth = pubkey\n"
	    "   certs = nonexistent.pem\n  }\n  remote {\n   auth = psk\n"
	    "  }\n" CHILD), 5, "certs: cannot read");
	expect_err("pubkey without cacerts", CONN("  local {\n   auth = psk\n"
	    "  }\n  remote {\n   auth = pubkey\n  }\n" CHILD), 7,
	    "needs cacerts");
	touch("gw.pem");
	expect_err("certs not PEM, relative to the config", CONN("  local {\n"
	    "   auth = pubkey\n   certs = gw.pem\n  }\n  remote {\n"
	    "   auth = psk\n  }\n" CHILD), 5, "gw.pem: no PEM certificate");
	snprintf(cert, sizeof(cert), "  local {\n   auth = pubkey\n"
	    "   certs = %s/rsa.pem\n  }\n  remote {\n   auth = psk\n  }\n"
	    CHILD, certdir);
	expect_err("pubkey without private key", CONN(cert), 5,
	    "certs: ");
	snprintf(cert, sizeof(cert), "  local {\n   auth = pubkey\n"
	    "   certs = %s/ec384.pem\n   id = other.example\n  }\n"
	    "  remote {\n   auth = psk\n  }\n" CHILD, certdir);
	snprintf(buf2, sizeof(buf2), "%s%s }\n}\nsecrets {\n s {\n"
	    "  secret = x\n }\n private-k {\n  file = %s/ec384.key\n }\n}\n",
	    head, cert, certdir);
	expect_err("local id not in the certificate", buf2, 6,
	    "id: other.example is not in the certificate");
	snprintf(cert, sizeof(cert), "  local {\n   auth = pubkey\n"
	    "   certs = %s/ec384.pem\n  }\n"
	    "  remote {\n   auth = psk\n  }\n" CHILD, certdir);
	snprintf(buf2, sizeof(buf2), "%s%s }\n}\nsecrets {\n s {\n"
	    "  secret = x\n }\n private-k {\n  file = %s/ec384.key\n }\n}\n",
	    head, cert, certdir);
	r = config_parse(conf, buf2, strlen(buf2), &cfg, err, sizeof(err));
	ok(r == 0 && cfg.conns[0].local.id.type == IKEV2_ID_DER_ASN1_DN &&
	    !strcmp(id_format(&cfg.conns[0].local.id, txt, sizeof(txt)),
	    "C=CH, O=nfipsec test, CN=ec384.test.example"),
	    "no local id with pubkey: the certificate's subject");
	if (r == 0)
		config_free(&cfg);
	snprintf(cert, sizeof(cert), "  local {\n   auth = psk\n  }\n"
	    "  remote {\n   auth = pubkey\n   cacerts = %s/rsa.pem\n  }\n"
	    CHILD, certdir);
	expect_err("cacerts not a CA", CONN(cert), 8, "is not a CA");
	expect_err("unclosed section", "connections {\n c {\n", 2,
	    "section 'c' is not closed");
	expect_err("stray brace", "}\n", 1, "'}' without a section");
	expect_err("missing value", "log_level =\n", 1, "missing value");
	expect_err("unterminated string", "log_level = \"info\n", 1,
	    "unterminated string");
	expect_err("junk after a string", "log_level = \"info\" x\n", 1,
	    "unexpected 'x'");
	expect_err("key used as a section", "connections = 1\n", 1,
	    "is a section");
	expect_err("bad duration", CONN("  rekey_time = 5 hours\n" ENDS CHILD),
	    3, "expected a duration");
	expect_err("rekey after life", CONN(ENDS "  children {\n   ch {\n"
	    "    rekey_time = 2h\n    life_time = 1h\n   }\n  }\n"), 10,
	    "rekey_time must be below life_time");
	expect_err("bad TS port", CONN(ENDS "  children {\n   ch {\n"
	    "    remote_ts = 10.0.0.0/8[tcp/70000]\n   }\n  }\n"), 11,
	    "expected a port");
	expect_err("replay window beyond the kernel's", CONN(ENDS
	    "  children {\n   ch {\n    replay_window = 65537\n   }\n  }\n"),
	    11, "expected 0 to 65536");
	expect_err("host bits in a prefix", CONN("  remote_addrs = 10.0.0.1/8\n"
	    ENDS CHILD), 3, "host bits");
	expect_err("start without a remote host", CONN(ENDS
	    "  children {\n   ch {\n    start_action = start\n   }\n  }\n"),
	    2, "needs one remote_addrs host");
	expect_err("bad DN attribute", CONN("  local {\n   auth = psk\n"
	    "   id = XX=foo, CN=bar\n  }\n  remote {\n   auth = psk\n  }\n"
	    CHILD), 5, "DN: unknown attribute");
	expect_err("bad pattern", CONN("  local {\n   auth = psk\n  }\n"
	    "  remote {\n   auth = psk\n   id = foo*.example\n  }\n" CHILD),
	    8, "'*' only as");
	expect_err("too many list items", CONN("  local_addrs = 1.1.1.1, "
	    "1.1.1.2, 1.1.1.3, 1.1.1.4, 1.1.1.5, 1.1.1.6, 1.1.1.7, 1.1.1.8, "
	    "1.1.1.9\n" ENDS CHILD), 3, "expected 1 to 8");
	expect_err("empty list item", CONN("  local_addrs = 1.1.1.1,,\n"
	    ENDS CHILD), 3, "comma-separated");
	expect_err("secret without secret", "secrets {\n s {\n  id = a\n }\n}\n",
	    2, "missing secret");
	expect_err("bad hex secret", "secrets {\n s {\n  secret = 0xabc\n"
	    " }\n}\n", 3, "even number");
	expect_err("pad without cacerts", "pad {\n p {\n  id = *.x.example\n"
	    "  auth = pubkey\n }\n}\n", 4, "needs cacerts");
	expect_err("pad psk without secret", "pad {\n p {\n"
	    "  id = *.x.example\n  auth = psk\n }\n}\n", 4, "no secret");
	expect_err("pad bad pfp", "pad {\n p {\n  id = a.example\n  auth = psk\n"
	    "  populate_from_packet = ports\n }\n}\nsecrets {\n s {\n"
	    "  secret = x\n }\n}\n", 5, "unknown selector");
#define PADS(body) "pad {\n p {\n  id = *@x.example\n  auth = psk\n" body \
	" }\n}\nsecrets {\n s {\n  secret = x\n }\n}\n"
	expect_err("spd_by_name without local_ts", PADS("  spd_by_name = yes\n"),
	    5, "needs local_ts");
	expect_err("local_ts without spd_by_name",
	    PADS("  local_ts = dynamic[tcp/445]\n"), 5,
	    "local_ts needs spd_by_name = yes");
	expect_err("local_ts with a port range", PADS("  spd_by_name = yes\n"
	    "  local_ts = dynamic[tcp/400-445]\n"), 6, "one port or all");
	expect_err("spd_by_name with a DN pattern", "pad {\n p {\n"
	    "  id = C=CH, O=x, *\n  auth = psk\n  spd_by_name = yes\n"
	    "  local_ts = ::/0\n }\n}\nsecrets {\n s {\n  secret = x\n }\n}\n",
	    5, "the kernel matches names only");
	expect_err("mark with bits outside its mask",
	    PADS("  mark = 0x1100/0xff\n"), 5, "bits outside the mask");
	expect_err("mark with mask 0", PADS("  mark = 1/0\n"), 5,
	    "mask 0 marks nothing");
	expect_err("mark not a number", PADS("  mark = family\n"), 5,
	    "expected VALUE or VALUE/MASK");
	expect_err("mark too wide", PADS("  mark = 0x100000000\n"), 5,
	    "32-bit");
#undef PADS
	expect_err("nested too deep", "a {\nb {\nc {\nd {\ne {\nf {\ng {\nh {\n"
	    "}}}}}}}}\n", 8, "nested too deeply");
	expect_err("mobike", CONN("  mobike = yes\n" ENDS CHILD), 3,
	    "not supported");
	expect_err("duplicate child", CONN(ENDS "  children {\n   x {\n   }\n"
	    "   x {\n   }\n  }\n"), 12, "duplicate 'x' (first at line 10)");
#undef CONN
}

int
main(void)
{
	static char certabs[PATH_MAX];
	char cmd[256];

	snprintf(dir, sizeof(dir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(conf, sizeof(conf), "%s/keyd.conf", dir);
	if ((certdir = getenv("CERTDIR")) == NULL)
		certdir = "tests/certs.d";
	snprintf(cmd, sizeof(cmd), "../tests/certs/mk-certs.sh %s "
	    "192.0.2.9:ec256 >/dev/null", certdir);
	if (!ok(system(cmd) == 0 && realpath(certdir, certabs) != NULL,
	    "test PKI in %s", certdir))
		return (tap_done());
	certdir = certabs;	/* the configs live elsewhere */
	test_good_psk();
	test_good_cert();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return (tap_done());
}
