/* SPDX-License-Identifier: ISC */
/*
 * Certificates and signature AUTH against a PKI made at test time by
 * tests/certs/mk-certs.sh (CERTDIR, default tests/certs.d): chains that
 * must validate and the ones that must not (another CA, expired, wrong
 * key usage, missing intermediate), identities bound by the certificate
 * or not, CERTREQ hashes, and AUTH methods 1, 9/10/11 and 14 for RSA and
 * ECDSA keys, cross-checked with the openssl command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../auth_sig.h"
#include "../cert.h"
#include "../id.h"
#include "tap.h"

static const char *dir;
static char path[512];

static const char *
p(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return (path);
}

/* A config holding just the private keys, as secrets would. */
static struct config_secret keys[12];
static struct keyd_config cfg = { .secrets = keys };

static void
add_key(const char *name)
{
	struct config_secret *s = &keys[cfg.nsecrets++];

	snprintf(s->file, sizeof(s->file), "%s/%s.key", dir, name);
}

static struct cert_local *
local(const char *certname)
{
	char why[CERT_WHY_MAX], f[300];
	struct cert_local *lc;

	snprintf(f, sizeof(f), "%s/%s", dir, certname);
	lc = cert_local_load(f, &cfg, why, sizeof(why));
	if (lc == NULL)
		printf("# %s: %s\n", certname, why);
	return (lc);
}

static struct config_id
ident(const char *text)
{
	struct config_id id;
	const char *why;

	if (id_parse(text, &id, &why) < 0)
		printf("# id %s: %s\n", text, why);
	return (id);
}

/* The peer's view: CERT payloads from our certificate and chain. */
struct certs {
	struct buf		der[4];
	struct ikev2_cert_p	p[4];
	unsigned		n;
};

static void
to_payloads(const struct cert_local *lc, struct certs *c, int nchain)
{
	int i;

	c->n = 0;
	for (i = 0; i < cert_local_count(lc) && i <= nchain && i < 4; i++) {
		buf_init(&c->der[i]);
		cert_local_der(lc, i, &c->der[i]);
		c->p[i].encoding = IKEV2_CERT_X509_SIG;
		c->p[i].data.ptr = c->der[i].data;
		c->p[i].data.len = c->der[i].len;
		c->n++;
	}
}

static void
certs_free(struct certs *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		buf_free(&c->der[i]);
}

/* Verify `certname` as the peer `id`; NULL and the reason in why if not. */
static struct cert_peer *
peer(struct cert_ca *ca, const char *certname, const char *id, int nchain,
    char *why, size_t len)
{
	struct config_id pid = ident(id);
	struct cert_local *lc = local(certname);
	struct cert_peer *cp;
	struct certs c;

	if (lc == NULL) {
		snprintf(why, len, "no local cert");
		return (NULL);
	}
	to_payloads(lc, &c, nchain);
	cp = cert_peer_verify(ca, c.p, c.n, &pid, 0, why, len);
	certs_free(&c);
	cert_local_free(lc);
	return (cp);
}

static void
test_chains(void)
{
	char why[CERT_WHY_MAX];
	struct cert_ca *ca, *inter, *bad;
	struct cert_peer *cp;

	ca = cert_ca_load(p("cacerts.pem"), why, sizeof(why));
	ok(ca != NULL, "load cacerts.pem");
	bad = cert_ca_load(p("rsa.pem"), why, sizeof(why));
	ok(bad == NULL && strstr(why, "not a CA"), "a leaf is no CA: %s", why);
	bad = cert_ca_load(p("nonexistent.pem"), why, sizeof(why));
	ok(bad == NULL && strstr(why, "cannot open"), "missing CA file");
	inter = cert_ca_load(p("int.pem"), why, sizeof(why));
	if (ca == NULL || inter == NULL)
		return;

	cp = peer(ca, "rsa.pem", "rsa.test.example", 0, why, sizeof(why));
	ok(cp != NULL, "RSA leaf below the CA, FQDN in dNSName");
	cert_peer_free(cp);
	cp = peer(ca, "via-int-chain.pem", "via-int.test.example", 1, why,
	    sizeof(why));
	ok(cp != NULL, "leaf via an intermediate sent along");
	cert_peer_free(cp);
	cp = peer(ca, "via-int-chain.pem", "via-int.test.example", 0, why,
	    sizeof(why));
	ok(cp == NULL && strstr(why, "issuer"),
	    "intermediate not sent: refused (%s)", why);
	cp = peer(inter, "via-int-chain.pem", "via-int.test.example", 0, why,
	    sizeof(why));
	ok(cp != NULL, "an intermediate configured as cacerts is an anchor");
	cert_peer_free(cp);
	cp = peer(ca, "stranger.pem", "stranger.test.example", 0, why,
	    sizeof(why));
	ok(cp == NULL && strstr(why, "issuer"), "other CA: %s", why);
	cp = peer(ca, "expired.pem", "expired.test.example", 0, why,
	    sizeof(why));
	ok(cp == NULL && strstr(why, "expired"), "expired: %s", why);
	cp = peer(ca, "codesign.pem", "codesign.test.example", 0, why,
	    sizeof(why));
	ok(cp == NULL && strstr(why, "extended key usage"), "EKU: %s", why);

	/* identities */
	cp = peer(ca, "rsa.pem", "rsa@test.example", 0, why, sizeof(why));
	ok(cp != NULL, "RFC822 id in rfc822Name");
	cert_peer_free(cp);
	cp = peer(ca, "rsa.pem", "RSA.Test.Example", 0, why, sizeof(why));
	ok(cp != NULL, "FQDN: case does not matter");
	cert_peer_free(cp);
	cp = peer(ca, "rsa.pem", "rsa.test.example.", 0, why, sizeof(why));
	ok(cp == NULL, "FQDN: a trailing dot is another name");
	cp = peer(ca, "rsa.pem", "ec256.test.example", 0, why, sizeof(why));
	ok(cp == NULL && strstr(why, "does not bind"), "another FQDN: %s", why);
	cp = peer(ca, "rsa.pem", "evilrsa.test.example", 0, why, sizeof(why));
	ok(cp == NULL, "FQDN with a prefix is another name");
	cp = peer(ca, "rsa.pem", "C=CH, O=nfipsec test, CN=rsa.test.example",
	    0, why, sizeof(why));
	ok(cp != NULL, "subject DN");
	cert_peer_free(cp);
	cp = peer(ca, "rsa.pem", "c=ch, o=NFIPSEC  test, cn=RSA.test.example",
	    0, why, sizeof(why));
	ok(cp != NULL, "subject DN, case and spaces folded");
	cert_peer_free(cp);
	cp = peer(ca, "rsa.pem", "CN=rsa.test.example, O=nfipsec test, C=CH",
	    0, why, sizeof(why));
	ok(cp == NULL, "subject DN in the reverse RDN order is another name");
	cp = peer(ca, "192.0.2.9.pem", "192.0.2.9", 0, why, sizeof(why));
	ok(cp != NULL, "IPv4 id in iPAddress");
	cert_peer_free(cp);
	cp = peer(ca, "192.0.2.9.pem", "192.0.2.10", 0, why, sizeof(why));
	ok(cp == NULL, "another IPv4 address");
	cp = peer(ca, "nosan.pem", "nosan.test.example", 0, why, sizeof(why));
	ok(cp == NULL, "no subjectAltName: the FQDN is not bound");
	cp = peer(ca, "nosan.pem", "C=CH, O=nfipsec test, "
	    "CN=nosan.test.example", 0, why, sizeof(why));
	ok(cp != NULL, "no subjectAltName: the DN is");
	cert_peer_free(cp);
	cert_ca_free(ca);
	cert_ca_free(inter);
}

static void
test_local(void)
{
	struct cert_local *lc;
	struct config_id id;
	char why[CERT_WHY_MAX], txt[ID_TEXT_MAX], cmd[1024], hex[64];
	struct cert_ca *ca;
	struct buf b;
	FILE *f;
	size_t i;

	lc = local("rsa.pem");
	ok(lc != NULL && cert_local_count(lc) == 1, "RSA cert and its key");
	if (lc != NULL) {
		ok(cert_local_subject(lc, &id) == 0 &&
		    !strcmp(id_format(&id, txt, sizeof(txt)),
		    "C=CH, O=nfipsec test, CN=rsa.test.example"),
		    "subject as our id: %s", txt);
		ok(cert_local_has_id(lc, &id), "the cert binds its subject");
		id = ident("rsa.test.example");
		ok(cert_local_has_id(lc, &id), "and its dNSName");
		cert_local_free(lc);
	}
	lc = local("via-int-chain.pem");
	ok(lc != NULL && cert_local_count(lc) == 2, "leaf + intermediate");
	cert_local_free(lc);
	ok(cert_local_load(p("other-ca.pem"), &cfg, why, sizeof(why)) == NULL &&
	    strstr(why, "no private key"), "no key for the cert: %s", why);

	/* CERTREQ: SHA-1 of the CA's SubjectPublicKeyInfo, per openssl. */
	ca = cert_ca_load(p("cacerts.pem"), why, sizeof(why));
	buf_init(&b);
	ok(ca != NULL && cert_ca_certreq(ca, &b) == 0 && b.len == 20,
	    "CERTREQ data: one SHA-1 hash");
	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s/ca.pem -noout -pubkey"
	    " | openssl pkey -pubin -outform DER | openssl dgst -sha1 -r", dir);
	hex[0] = '\0';
	if ((f = popen(cmd, "r")) != NULL) {
		if (fgets(hex, sizeof(hex), f) == NULL)
			hex[0] = '\0';
		pclose(f);
	}
	for (i = 0; i < b.len && i < 20; i++)
		snprintf(txt + 2 * i, 3, "%02x", b.data[i]);
	ok(b.len == 20 && !strncmp(hex, txt, 40), "CERTREQ hash matches "
	    "openssl's: %.40s", hex);
	buf_free(&b);
	cert_ca_free(ca);
}

/* Sign with one leaf, verify as its peer; then the failure cases. */
static void
test_sig(struct cert_ca *ca, const char *name, uint32_t sighash,
    uint8_t want_method)
{
	static const uint8_t octets[] = "IKE_SA_INIT | Nr | prf(SK_pi, IDi)";
	char f[64], idt[64], why[CERT_WHY_MAX];
	struct cert_local *lc;
	struct cert_peer *cp;
	uint8_t method = 0, tampered[sizeof(octets)];
	struct buf sig;

	snprintf(f, sizeof(f), "%s.pem", name);
	snprintf(idt, sizeof(idt), "%s.test.example", name);
	lc = local(f);
	cp = peer(ca, f, idt, 0, why, sizeof(why));
	buf_init(&sig);
	if (!ok(lc && cp && auth_sig_sign(lc, sighash, octets, sizeof(octets),
	    &method, &sig) == 0 && method == want_method, "%s, sighash %#x: "
	    "signs with method %u", name, sighash, want_method))
		goto out;
	ok(auth_sig_verify(cp, method, sig.data, sig.len, octets,
	    sizeof(octets), why, sizeof(why)) == 0, "%s, method %u: verifies",
	    name, method);
	memcpy(tampered, octets, sizeof(octets));
	tampered[3] ^= 1;
	ok(auth_sig_verify(cp, method, sig.data, sig.len, tampered,
	    sizeof(tampered), why, sizeof(why)) < 0 &&
	    strstr(why, "does not verify"), "%s: other octets refused", name);
	sig.data[sig.len - 1] ^= 0x80;
	ok(auth_sig_verify(cp, method, sig.data, sig.len, octets,
	    sizeof(octets), why, sizeof(why)) < 0, "%s: flipped signature "
	    "refused", name);
	ok(auth_sig_verify(cp, method, sig.data, sig.len - 1, octets,
	    sizeof(octets), why, sizeof(why)) < 0, "%s: short AUTH refused",
	    name);
	ok(auth_sig_verify(cp, method == IKEV2_AUTH_RSA_SIG ?
	    IKEV2_AUTH_ECDSA_256 : IKEV2_AUTH_RSA_SIG, sig.data, sig.len,
	    octets, sizeof(octets), why, sizeof(why)) < 0 &&
	    strstr(why, "not"), "%s: a method that does not fit the key: %s",
	    name, why);
	ok(auth_sig_verify(cp, IKEV2_AUTH_SHARED_KEY_MIC, sig.data, sig.len,
	    octets, sizeof(octets), why, sizeof(why)) < 0,
	    "%s: PSK method refused here", name);
out:
	buf_free(&sig);
	cert_local_free(lc);
	cert_peer_free(cp);
}

static int
run(const char *cmd)
{
	int r = system(cmd);

	if (r != 0)
		printf("# command failed: %s\n", cmd);
	return (r);
}

static int
write_file(const char *name, const void *d, size_t n)
{
	FILE *f = fopen(p(name), "w");
	int r;

	if (f == NULL)
		return (-1);
	r = fwrite(d, 1, n, f) == n ? 0 : -1;
	return (fclose(f) == 0 ? r : -1);
}

static uint8_t *
read_file(const char *name, size_t *n)
{
	static uint8_t buf[4096];
	FILE *f = fopen(p(name), "r");

	if (f == NULL)
		return (NULL);
	*n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return (buf);
}

/*
 * RFC 7427 interop: our PSS and ECDSA signatures checked by openssl(1),
 * and openssl's checked by us, with the AlgorithmIdentifier we send.
 */
static void
test_openssl(struct cert_ca *ca)
{
	static const uint8_t octets[] = "signed octets for the interop check";
	char why[CERT_WHY_MAX], cmd[1024];
	struct cert_local *lc;
	struct cert_peer *cp;
	struct buf sig, ds;
	uint8_t method, *s;
	size_t n, alen;

	/* our PSS signature, their verification */
	lc = local("rsa.pem");
	cp = peer(ca, "rsa.pem", "rsa.test.example", 0, why, sizeof(why));
	buf_init(&sig);
	if (lc == NULL || cp == NULL || auth_sig_sign(lc,
	    1u << IKEV2_SIGHASH_SHA2_256, octets, sizeof(octets), &method,
	    &sig) < 0 || write_file("octets", octets, sizeof(octets)) < 0) {
		ok(0, "openssl interop setup");
		goto out;
	}
	alen = sig.data[0];
	write_file("sig.pss", sig.data + 1 + alen, sig.len - 1 - alen);
	snprintf(cmd, sizeof(cmd), "cd %s && openssl x509 -in rsa.pem -noout "
	    "-pubkey > rsa.pub && openssl dgst -sha256 -sigopt "
	    "rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify rsa.pub "
	    "-signature sig.pss octets >/dev/null", dir);
	ok(alen == 0x43 && run(cmd) == 0,
	    "openssl verifies our RSASSA-PSS SHA-256 signature");

	/* their PSS signature (salt 32) behind our AlgorithmIdentifier */
	snprintf(cmd, sizeof(cmd), "cd %s && openssl dgst -sha256 -sigopt "
	    "rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sign rsa.key "
	    "-out sig.theirs octets", dir);
	buf_init(&ds);
	if (run(cmd) == 0 && (s = read_file("sig.theirs", &n)) != NULL) {
		buf_add(&ds, sig.data, 1 + alen);
		buf_add(&ds, s, n);
	}
	ok(auth_sig_verify(cp, IKEV2_AUTH_DIGITAL_SIGNATURE, ds.data, ds.len,
	    octets, sizeof(octets), why, sizeof(why)) == 0,
	    "we verify openssl's RSASSA-PSS signature");
	/* sha256WithRSAEncryption (PKCS#1 v1.5) under method 14 */
	snprintf(cmd, sizeof(cmd), "cd %s && openssl dgst -sha256 -sign "
	    "rsa.key -out sig.pkcs1 octets", dir);
	buf_free(&ds);
	buf_init(&ds);
	if (run(cmd) == 0 && (s = read_file("sig.pkcs1", &n)) != NULL) {
		static const uint8_t alg[] = { 0x0f, 0x30, 0x0d, 0x06, 0x09,
		    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
		    0x00 };

		buf_add(&ds, alg, sizeof(alg));
		buf_add(&ds, s, n);
	}
	ok(auth_sig_verify(cp, IKEV2_AUTH_DIGITAL_SIGNATURE, ds.data, ds.len,
	    octets, sizeof(octets), why, sizeof(why)) == 0,
	    "we verify openssl's sha256WithRSAEncryption signature");
	ds.data[2] ^= 0x01;	/* corrupt the AlgorithmIdentifier */
	ok(auth_sig_verify(cp, IKEV2_AUTH_DIGITAL_SIGNATURE, ds.data, ds.len,
	    octets, sizeof(octets), why, sizeof(why)) < 0,
	    "a broken AlgorithmIdentifier is refused: %s", why);
	buf_free(&ds);
	cert_local_free(lc);
	cert_peer_free(cp);
	lc = NULL;
	cp = NULL;

	/* our ECDSA P-384 signature (DER, method 14), their verification */
	lc = local("ec384.pem");
	buf_free(&sig);
	buf_init(&sig);
	if (lc != NULL && auth_sig_sign(lc, 1u << IKEV2_SIGHASH_SHA2_384 |
	    1u << IKEV2_SIGHASH_SHA2_256, octets, sizeof(octets), &method,
	    &sig) == 0) {
		alen = sig.data[0];
		write_file("sig.ec", sig.data + 1 + alen, sig.len - 1 - alen);
	}
	snprintf(cmd, sizeof(cmd), "cd %s && openssl x509 -in ec384.pem "
	    "-noout -pubkey > ec384.pub && openssl dgst -sha384 -verify "
	    "ec384.pub -signature sig.ec octets >/dev/null", dir);
	ok(lc != NULL && method == IKEV2_AUTH_DIGITAL_SIGNATURE &&
	    sig.len > 14 && sig.data[12] == 0x03 && run(cmd) == 0,
	    "openssl verifies our ecdsa-with-SHA384 signature (P-384 picks "
	    "SHA-384)");
out:
	buf_free(&sig);
	cert_local_free(lc);
	cert_peer_free(cp);
}

int
main(void)
{
	static const uint32_t all = 1u << IKEV2_SIGHASH_SHA2_256 |
	    1u << IKEV2_SIGHASH_SHA2_384 | 1u << IKEV2_SIGHASH_SHA2_512;
	char why[CERT_WHY_MAX], cmd[600];
	struct cert_ca *ca;
	struct buf b;

	if ((dir = getenv("CERTDIR")) == NULL)
		dir = "tests/certs.d";
	snprintf(cmd, sizeof(cmd), "../tests/certs/mk-certs.sh %s "
	    "192.0.2.9:ec256 >/dev/null", dir);
	if (!ok(system(cmd) == 0, "mk-certs.sh made the test PKI in %s", dir))
		return (tap_done());
	add_key("rsa");
	add_key("ec256");
	add_key("ec384");
	add_key("ec521");
	add_key("via-int");
	add_key("192.0.2.9");
	add_key("nosan");
	add_key("stranger");
	add_key("expired");
	add_key("codesign");
	test_chains();
	test_local();

	ca = cert_ca_load(p("cacerts.pem"), why, sizeof(why));
	if (ca == NULL)
		return (tap_done());
	test_sig(ca, "rsa", 0, IKEV2_AUTH_RSA_SIG);
	test_sig(ca, "rsa", all, IKEV2_AUTH_DIGITAL_SIGNATURE);
	test_sig(ca, "rsa", 1u << IKEV2_SIGHASH_SHA2_512,
	    IKEV2_AUTH_DIGITAL_SIGNATURE);
	test_sig(ca, "rsa", 1u << IKEV2_SIGHASH_SHA1, IKEV2_AUTH_RSA_SIG);
	test_sig(ca, "ec256", 0, IKEV2_AUTH_ECDSA_256);
	test_sig(ca, "ec384", 0, IKEV2_AUTH_ECDSA_384);
	test_sig(ca, "ec521", 0, IKEV2_AUTH_ECDSA_521);
	test_sig(ca, "ec256", all, IKEV2_AUTH_DIGITAL_SIGNATURE);
	test_sig(ca, "ec521", 1u << IKEV2_SIGHASH_SHA2_256,
	    IKEV2_AUTH_DIGITAL_SIGNATURE);
	test_openssl(ca);
	cert_ca_free(ca);

	buf_init(&b);
	ok(auth_sig_hashes(&b) == 0 && b.len == 8 && b.data[1] == 2 &&
	    b.data[3] == 3 && b.data[5] == 4 && b.data[7] == 5,
	    "SIGNATURE_HASH_ALGORITHMS data: SHA2-256/384/512, Identity");
	buf_free(&b);
	return (tap_done());
}
