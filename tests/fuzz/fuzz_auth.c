/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for what a peer sends in IKE_AUTH besides the
 * payload framing: CERT payload contents (keyd/cert.c) and signature
 * AUTH data (keyd/auth_sig.c: methods 1, 9/10/11, 14 with its
 * AlgorithmIdentifier and RSASSA-PSS parameters).
 *
 * At start-up an RSA and an EC P-256 key get self-signed CA certificates
 * (made with OpenSSL's API, written to a temporary PEM bundle that
 * cert_ca_load() reads), so the AUTH data is checked against real keys.
 * Input: octet 0 picks the key and whether the rest is a CERT payload or
 * AUTH data; octet 1 is the AUTH method.  Nothing may crash or leak, and
 * no forged AUTH may verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "auth_sig.h"
#include "cert.h"
#include "id.h"

static struct cert_ca *ca;
static struct cert_peer *peers[2];
static struct config_id ident;
static const uint8_t octets[] = "the octets a peer would sign";

static X509 *
self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"fuzz.example", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "CA:true");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	    "DNS:fuzz.example");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, key, EVP_sha256());
	return (x);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/fuzz_auth.XXXXXX", why[CERT_WHY_MAX];
	EVP_PKEY *keys[2];
	X509 *certs[2];
	struct ikev2_cert_p cp;
	unsigned char *der;
	const char *e;
	FILE *f;
	int fd, i, n;

	keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		certs[i] = self_signed(keys[i]);
		PEM_write_X509(f, certs[i]);
	}
	fclose(f);
	if ((ca = cert_ca_load(path, why, sizeof(why))) == NULL)
		abort();
	unlink(path);
	id_parse("fuzz.example", &ident, &e);
	for (i = 0; i < 2; i++) {
		der = NULL;
		n = i2d_X509(certs[i], &der);
		cp.encoding = IKEV2_CERT_X509_SIG;
		cp.data.ptr = der;
		cp.data.len = n;
		peers[i] = cert_peer_verify(ca, &cp, 1, &ident, 0, why,
		    sizeof(why));
		if (peers[i] == NULL)
			abort();
		OPENSSL_free(der);
		X509_free(certs[i]);
		EVP_PKEY_free(keys[i]);
	}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[CERT_WHY_MAX];
	struct ikev2_cert_p cp[2];
	struct cert_peer *p;

	if (size < 2)
		return (0);
	if (data[0] & 0x80) {
		/* CERT payload(s): the leaf, maybe split for a chain */
		size_t cut = (size - 2) * (data[1] & 0x7f) / 128;

		cp[0].encoding = IKEV2_CERT_X509_SIG;
		cp[0].data.ptr = data + 2;
		cp[0].data.len = data[1] & 0x80 ? cut : size - 2;
		cp[1].encoding = IKEV2_CERT_X509_SIG;
		cp[1].data.ptr = data + 2 + cut;
		cp[1].data.len = size - 2 - cut;
		p = cert_peer_verify(ca, cp, data[1] & 0x80 ? 2 : 1, &ident, 0,
		    why, sizeof(why));
		cert_peer_free(p);
		return (0);
	}
	/* AUTH data under method data[1] with key data[0] & 1 */
	if (auth_sig_verify(peers[data[0] & 1], data[1], data + 2, size - 2,
	    octets, sizeof(octets), why, sizeof(why)) == 0)
		abort();		/* nobody holds these keys */
	return (0);
}
