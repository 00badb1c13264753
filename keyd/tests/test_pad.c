/* SPDX-License-Identifier: ISC */
/*
 * Identities and PAD patterns (RFC 4301 §4.4.3): each pattern kind with
 * what it must match and the near misses it must not; the PAD's first-
 * match order, address constraints and the child SA selectors a peer
 * may ask for.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../config.h"
#include "../id.h"
#include "../config_int.h"
#include "../pad.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char	*text;
	uint8_t		 type;
	const char	*formatted;	/* NULL: the same text */
} ids[] = {
	{ "gw.example.com", IKEV2_ID_FQDN, NULL },
	{ "@gw", IKEV2_ID_FQDN, "gw" },
	{ "fqdn:user@weird", IKEV2_ID_FQDN, "user@weird" },
	{ "alice@example.com", IKEV2_ID_RFC822_ADDR, NULL },
	{ "192.0.2.1", IKEV2_ID_IPV4_ADDR, NULL },
	{ "2001:db8::1", IKEV2_ID_IPV6_ADDR, NULL },
	{ "ipv4:10.0.0.1", IKEV2_ID_IPV4_ADDR, "10.0.0.1" },
	{ "C=CH, O=Family, CN=gw", IKEV2_ID_DER_ASN1_DN, NULL },
	{ "cn=gw, e=a@b.example", IKEV2_ID_DER_ASN1_DN,
	    "CN=gw, emailAddress=a@b.example" },
	{ "O=A+OU=B, CN=x\\, y", IKEV2_ID_DER_ASN1_DN, "O=A + OU=B, CN=x\\, y" },
	{ "0x0a0B0c", IKEV2_ID_KEY_ID, "@#0a0b0c" },
	{ "@#ff", IKEV2_ID_KEY_ID, NULL },
};

static const char *const bad_ids[] = {
	"", "a b.example", ".example", "a..example", "@", "alice@", "@@x",
	"C=CH, XX=1", "C=CH,", "=x", "0xabc", "0xzz", "ipv4:1.2.3", "ipv6:x",
	"C=", "CN=" "\x01", "#@.", "x@a..b", "x@.a",
};

static void
test_ids(void)
{
	struct config_id id, id2;
	char txt[ID_TEXT_MAX];
	const char *why;
	size_t i;

	for (i = 0; i < nitems(ids); i++) {
		int r = id_parse(ids[i].text, &id, &why);

		ok(r == 0 && id.type == ids[i].type &&
		    !strcmp(id_format(&id, txt, sizeof(txt)),
		    ids[i].formatted ? ids[i].formatted : ids[i].text),
		    "id %s: type %u, formats as %s", ids[i].text, id.type,
		    r == 0 ? txt : why);
	}
	for (i = 0; i < nitems(bad_ids); i++)
		ok(id_parse(bad_ids[i], &id, &why) < 0, "bad id '%s': %s",
		    bad_ids[i], why);

	id_parse("GW.Example.COM", &id, &why);
	id_parse("gw.example.com", &id2, &why);
	ok(id_equal(&id, &id2), "FQDN: without case");
	id_parse("gw.example.com.", &id, &why);
	ok(!id_equal(&id, &id2), "FQDN: a trailing dot counts (as in the "
	    "kernel's name selectors)");
	id_parse("alice@EXAMPLE.com", &id, &why);
	id_parse("alice@example.com", &id2, &why);
	ok(id_equal(&id, &id2), "RFC822: domain without case");
	id_parse("Alice@example.com", &id, &why);
	ok(id_equal(&id, &id2), "RFC822: the local part without case too");
	id_parse("alice2@example.com", &id, &why);
	ok(!id_equal(&id, &id2), "RFC822: another user");
	id_parse("C=CH, O=Family, CN=gw", &id, &why);
	id_parse("c=ch,o=FAMILY,  cn=GW", &id2, &why);
	ok(id_equal(&id, &id2), "DN: canonical comparison");
	id_parse("CN=gw, O=Family, C=CH", &id2, &why);
	ok(!id_equal(&id, &id2), "DN: RDN order matters");
	id_parse("fqdn:192.0.2.1", &id, &why);
	id_parse("192.0.2.1", &id2, &why);
	ok(!id_equal(&id, &id2), "type matters");

	ok(id_from_payload(IKEV2_ID_DER_ASN1_DN, (const uint8_t *)"\x30\x01",
	    2, &id) < 0, "payload: malformed DN refused");
	ok(id_from_payload(IKEV2_ID_IPV4_ADDR, (const uint8_t *)"\1\2\3", 3,
	    &id) < 0, "payload: short IPv4 refused");
	id_parse("C=CH, CN=x", &id2, &why);
	ok(id_from_payload(IKEV2_ID_DER_ASN1_DN, id2.data, id2.len, &id) == 0 &&
	    id_equal(&id, &id2), "payload: DN round trip");
}

static const struct {
	const char	*pattern;
	const char	*peer;
	int		 match;
} cases[] = {
	{ "%any", "anything.example", 1 },
	{ "*", "C=CH, CN=x", 1 },
	/* exact */
	{ "gw.family.example", "gw.family.example", 1 },
	{ "gw.family.example", "GW.Family.Example", 1 },
	{ "gw.family.example", "gw.family.example.", 0 },
	{ "gw.family.example", "gw.family.example.evil", 0 },
	{ "gw.family.example", "gw@family.example", 0 },
	/* DNS subtree */
	{ "*.family.example", "host.family.example", 1 },
	{ "*.family.example", "a.b.family.example", 1 },
	{ "*.family.example", "HOST.FAMILY.EXAMPLE", 1 },
	{ "*.family.example", "host.family.example.", 0 },
	{ "*.family.example", "family.example", 0 },
	{ "*.family.example", "evil-family.example", 0 },
	{ "*.family.example", "hostfamily.example", 0 },
	{ "*.family.example", "user@host.family.example", 0 },
	{ "*.family.example", "host.family.example.evil", 0 },
	/* email domain */
	{ "*@family.example", "alice@family.example", 1 },
	{ "*@family.example", "Alice@FAMILY.example", 1 },
	{ "*@family.example", "alice@sub.family.example", 0 },
	{ "*@family.example", "alice@evil-family.example", 0 },
	{ "*@family.example", "family.example", 0 },
	{ "*@family.example", "alice@family.example.evil", 0 },
	{ "*@family.example", "x@evil.example@family.example", 0 },
	/* DN subtree */
	{ "C=CH, O=Family, *", "C=CH, O=Family, CN=gw", 1 },
	{ "C=CH, O=Family, *", "C=CH, O=Family, OU=Lab, CN=gw", 1 },
	{ "C=CH, O=Family, *", "c=ch, o=FAMILY, cn=gw", 1 },
	{ "C=CH, O=Family, *", "C=CH, O=Family", 0 },
	{ "C=CH, O=Family, *", "C=CH, O=Family Evil, CN=gw", 0 },
	{ "C=CH, O=Family, *", "O=Family, C=CH, CN=gw", 0 },
	{ "C=CH, O=Family, *", "CN=gw, O=Family, C=CH", 0 },
	{ "C=CH, O=Family, *", "C=DE, O=Family, CN=gw", 0 },
	{ "C=CH, O=Family, *", "C=CH, O=Family+OU=x, CN=gw", 0 },
	{ "C=CH, O=Family, *", "gw.family.example", 0 },
	/* address ranges */
	{ "192.0.2.0/24", "192.0.2.77", 1 },
	{ "192.0.2.0/24", "192.0.3.1", 0 },
	{ "192.0.2.0/24", "fqdn:192.0.2.1", 0 },
	{ "192.0.2.10-192.0.2.20", "192.0.2.10", 1 },
	{ "192.0.2.10-192.0.2.20", "192.0.2.20", 1 },
	{ "192.0.2.10-192.0.2.20", "192.0.2.21", 0 },
	{ "192.0.2.10-192.0.2.20", "192.0.2.9", 0 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8::/32", "192.0.2.1", 0 },
	/* a hyphenated name is no range */
	{ "evil-family.example", "evil-family.example", 1 },
	/* exact addresses and key ids */
	{ "192.0.2.1", "192.0.2.1", 1 },
	{ "192.0.2.1", "192.0.2.2", 0 },
	{ "@#0102", "0x0102", 1 },
	{ "@#0102", "0x010203", 0 },
};

static const char *const bad_patterns[] = {
	"*.", "*.*.example", "foo*.example", "*@", "*@a@b", "*@*.example",
	"C=CH*", "*, C=CH", "10.0.0.0/33", "10.0.0.1/8", "10.0.0.9-10.0.0.1",
	"10.0.0.1-2001:db8::1",
};

static void
test_patterns(void)
{
	struct config_idpattern pat;
	struct config_id peer;
	char txt[ID_TEXT_MAX];
	const char *why;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		if (idpat_parse(cases[i].pattern, &pat, &why) < 0 ||
		    id_parse(cases[i].peer, &peer, &why) < 0) {
			ok(0, "%s vs %s: %s", cases[i].pattern, cases[i].peer,
			    why);
			continue;
		}
		ok(idpat_match(&pat, &peer) == cases[i].match, "%s %s %s",
		    cases[i].pattern, cases[i].match ? "matches" :
		    "does not match", cases[i].peer);
	}
	for (i = 0; i < nitems(bad_patterns); i++)
		ok(idpat_parse(bad_patterns[i], &pat, &why) < 0,
		    "bad pattern '%s': %s", bad_patterns[i], why);
	idpat_parse("C=CH, O=Family, *", &pat, &why);
	ok(!strcmp(idpat_format(&pat, txt, sizeof(txt)), "C=CH, O=Family, *"),
	    "DN subtree formats back: %s", txt);
	idpat_parse("192.0.2.0/24", &pat, &why);
	ok(!strcmp(idpat_format(&pat, txt, sizeof(txt)),
	    "192.0.2.0-192.0.2.255"), "range formats: %s", txt);
}

static struct sockaddr_in
v4(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	inet_pton(AF_INET, a, &sin.sin_addr);
	return (sin);
}

static struct ikev2_ts_p
ts4(const char *lo, const char *hi, uint8_t proto, uint16_t sp, uint16_t ep)
{
	struct ikev2_ts_p ts = { .type = IKEV2_TS_IPV4_ADDR_RANGE,
	    .proto = proto, .sport = sp, .eport = ep, .alen = 4 };

	inet_pton(AF_INET, lo, ts.start);
	inet_pton(AF_INET, hi, ts.end);
	return (ts);
}

static const char conf[] =
	"pad {\n"
	"	family {\n"
	"		id = *.family.example\n"
	"		auth = psk\n"
	"		remote_ts = 10.7.0.0/24[tcp/1000-2000], dynamic[udp]\n"
	"		populate_from_packet = yes\n"
	"	}\n"
	"	lab {\n"
	"		id = %any\n"
	"		auth = psk\n"
	"		remote_addrs = 198.51.100.0/24\n"
	"	}\n"
	"}\n"
	"connections {\n"
	"	c {\n"
	"		remote_addrs = 203.0.113.5\n"
	"		local {\n"
	"			auth = psk\n"
	"		}\n"
	"		remote {\n"
	"			auth = psk\n"
	"			id = peer.example\n"
	"		}\n"
	"		children {\n"
	"			x {\n"
	"				remote_ts = 10.9.0.0/16\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"secrets {\n"
	"	s {\n"
	"		secret = x\n"
	"	}\n"
	"}\n";

static void
test_lookup(void)
{
	struct keyd_config cfg;
	struct config_id id;
	const struct config_pad *p;
	struct sockaddr_in a1 = v4("198.51.100.9"), a2 = v4("203.0.113.5");
	struct sockaddr_in a3 = v4("10.7.0.5");
	struct ikev2_ts_p ts;
	const char *why;
	char err[256];

	if (!ok(config_parse("pad.conf", conf, strlen(conf), &cfg, err,
	    sizeof(err)) == 0, "PAD config parses")) {
		printf("# %s\n", err);
		return;
	}
	ok(cfg.npad == 3 && !strcmp(cfg.pad[2].name, "c") &&
	    !strcmp(cfg.pad[2].conn, "c"), "pad sections, then connections");
	id_parse("h.family.example", &id, &why);
	p = pad_lookup(&cfg, &id, (struct sockaddr *)&a1);
	ok(p == &cfg.pad[0] && p->populate_from_packet == PFP_ALL,
	    "first match wins: family before lab");
	id_parse("peer.example", &id, &why);
	p = pad_lookup(&cfg, &id, (struct sockaddr *)&a1);
	ok(p == &cfg.pad[1], "lab: any id from its addresses");
	p = pad_lookup(&cfg, &id, (struct sockaddr *)&a2);
	ok(p == &cfg.pad[2], "the connection's entry from its remote_addrs");
	p = pad_lookup(&cfg, &id, (struct sockaddr *)&a3);
	ok(p == NULL, "no entry: wrong address for lab and c");
	p = pad_lookup(&cfg, &id, NULL);
	ok(p == NULL, "no address: address constraints fail");

	p = &cfg.pad[0];
	ts = ts4("10.7.0.1", "10.7.0.200", 6, 1000, 1500);
	ok(pad_ts_allowed(p, &ts, (struct sockaddr *)&a3), "TS inside");
	ts = ts4("10.7.0.1", "10.7.1.0", 6, 1000, 1500);
	ok(!pad_ts_allowed(p, &ts, (struct sockaddr *)&a3), "TS wider");
	ts = ts4("10.7.0.1", "10.7.0.2", 6, 999, 1500);
	ok(!pad_ts_allowed(p, &ts, (struct sockaddr *)&a3), "ports wider");
	ts = ts4("10.7.0.1", "10.7.0.2", 0, 1000, 1500);
	ok(!pad_ts_allowed(p, &ts, (struct sockaddr *)&a3), "any protocol "
	    "is wider than tcp");
	ts = ts4("10.7.0.5", "10.7.0.5", 17, 0, 65535);
	ok(pad_ts_allowed(p, &ts, (struct sockaddr *)&a3),
	    "dynamic: the peer's own address");
	ok(!pad_ts_allowed(p, &ts, (struct sockaddr *)&a1),
	    "dynamic: not from another address");
	ts = ts4("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	ok(pad_ts_allowed(&cfg.pad[1], &ts, NULL), "no selectors: any");
	ok(!pad_ts_allowed(&cfg.pad[2], &ts, NULL), "connection's selectors");
	ts = ts4("10.9.3.0", "10.9.3.255", 0, 0, 65535);
	ok(pad_ts_allowed(&cfg.pad[2], &ts, NULL), "inside the child's");
	config_free(&cfg);
}

static void
test_pfp(void)
{
	struct config_ts ts, out;
	struct sockaddr_in pkt = v4("10.7.0.42");
	struct sockaddr_in far = v4("10.8.0.1");
	const char *why;

	why = cv_ts("10.7.0.0/24[tcp/1000-2000]", &ts);
	ok(why == NULL, "policy selector");
	ok(pad_pfp_ts(0, 0, &ts, (struct sockaddr *)&pkt, 6, 1500, &out) == 0 &&
	    !memcmp(&out, &ts, sizeof(ts)), "no PFP: the policy's selector");
	ok(pad_pfp_ts(PFP_REMOTE_ADDR, 0, &ts, (struct sockaddr *)&pkt, 6,
	    1500, &out) == 0 && !memcmp(&out.addr.lo, &out.addr.hi,
	    sizeof(out.addr.lo)) && out.addr.lo.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&out.addr.lo)->sin_addr.s_addr ==
	    pkt.sin_addr.s_addr && out.port_lo == 1000 && out.port_hi == 2000,
	    "remote address from the packet, ports from the policy");
	ok(pad_pfp_ts(PFP_LOCAL_ADDR, 0, &ts, (struct sockaddr *)&pkt, 6, 1500,
	    &out) == 0 && !memcmp(&out, &ts, sizeof(ts)),
	    "a local flag leaves the remote side alone");
	ok(pad_pfp_ts(PFP_ALL, 0, &ts, (struct sockaddr *)&pkt, 6, 1500,
	    &out) == 0 && out.proto == 6 && out.port_lo == 1500 &&
	    out.port_hi == 1500, "all: the packet's port");
	ok(pad_pfp_ts(PFP_ALL, 0, &ts, (struct sockaddr *)&far, 6, 1500,
	    &out) < 0, "a packet outside the policy's addresses");
	ok(pad_pfp_ts(PFP_ALL, 0, &ts, (struct sockaddr *)&pkt, 6, 999,
	    &out) < 0, "a packet outside the policy's ports");
	ok(pad_pfp_ts(PFP_ALL, 0, &ts, (struct sockaddr *)&pkt, 17, 1500,
	    &out) < 0, "a packet of another protocol");
	cv_ts("10.7.0.0/24", &ts);
	ok(pad_pfp_ts(PFP_PROTO | PFP_REMOTE_PORT, 0, &ts,
	    (struct sockaddr *)&pkt, 17, 53, &out) == 0 && out.proto == 17 &&
	    out.port_lo == 53 && out.port_hi == 53 && out.addr.family ==
	    AF_INET && memcmp(&out.addr.lo, &out.addr.hi, sizeof(out.addr.lo)),
	    "protocol and port from the packet, the range from the policy");
	ok(pad_pfp_ts(PFP_REMOTE_PORT, 0, &ts, (struct sockaddr *)&pkt, 17, 53,
	    &out) == 0 && out.proto == 0 && out.port_lo == 0 &&
	    out.port_hi == 65535, "no port without the protocol");
	cv_ts("dynamic", &ts);
	ok(pad_pfp_ts(PFP_ALL, 1, &ts, (struct sockaddr *)&far, 6, 1,
	    &out) == 0 && out.dynamic, "dynamic stays dynamic");
}

/* The PAD's patterns as the kernel's Name selectors (idpat_name). */
static void
test_names(void)
{
	static const struct {
		const char	*pat, *name;
		int		 type;	/* SADB_IDENTTYPE_*, -1: no kernel form */
	} c[] = {
		{ "*@family.example", "*@family.example", 3 },
		{ "*.family.example", "*.family.example", 2 },
		{ "bob@family.example", "bob@family.example", 3 },
		{ "gw.family.example", "gw.family.example", 2 },
		{ "%any", "*", 0 },
		{ "C=CH, O=Family, *", NULL, -1 },
		{ "C=CH, O=Family, CN=x", NULL, -1 },
		{ "192.0.2.0/24", NULL, -1 },
		{ "0x0102", NULL, -1 },
	};
	struct config_idpattern pat;
	const char *why;
	char buf[NAME_SEL_MAX + 1];
	uint8_t type;
	size_t i;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (idpat_parse(c[i].pat, &pat, &why) < 0) {
			ok(0, "name %s: parses (%s)", c[i].pat, why);
			continue;
		}
		r = idpat_name(&pat, buf, sizeof(buf), &type);
		if (c[i].type < 0)
			ok(r < 0, "name %s: no kernel form", c[i].pat);
		else
			ok(r == 0 && !strcmp(buf, c[i].name) &&
			    type == c[i].type, "name %s: \"%s\" type %d",
			    c[i].pat, r == 0 ? buf : "-", c[i].type);
	}
	ok(idpat_parse("*@family.example", &pat, &why) == 0 &&
	    idpat_name(&pat, buf, 8, &type) < 0,
	    "name: too long for the buffer is refused, not cut");
}

int
main(void)
{
	test_ids();
	test_patterns();
	test_lookup();
	test_pfp();
	test_names();
	return (tap_done());
}
