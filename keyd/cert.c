/* SPDX-License-Identifier: ISC */
/*
 * X.509 certificates: our own and its key, the trusted CAs, and the
 * validation of a peer's chain and identity.  See cert.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "id.h"

struct cert_local {
	X509		*leaf;
	STACK_OF(X509)	*chain;		/* intermediates to send */
	EVP_PKEY	*key;
};

struct cert_ca {
	X509_STORE	*store;
	STACK_OF(X509)	*cas;
};

struct cert_peer {
	X509		*leaf;
	EVP_PKEY	*key;
};

static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	ERR_clear_error();
}

/* Every certificate of a PEM file, in order; NULL if none or unreadable. */
static STACK_OF(X509) *
read_pem_certs(const char *file, char *why, size_t len)
{
	STACK_OF(X509) *sk;
	BIO *bio;
	X509 *x;

	if ((bio = BIO_new_file(file, "r")) == NULL) {
		say(why, len, "%s: cannot open", file);
		return (NULL);
	}
	if ((sk = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		say(why, len, "out of memory");
		return (NULL);
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	BIO_free(bio);
	ERR_clear_error();	/* the end of the file reads as an error */
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		say(why, len, "%s: no PEM certificate", file);
		return (NULL);
	}
	return (sk);
}

/* No passphrase prompts: a daemon has nobody to ask. */
static int
no_pass(char *buf, int size, int rw, void *u)
{
	return (0);
}

struct cert_local *
cert_local_load(const char *certfile, const struct keyd_config *cfg,
    char *why, size_t len)
{
	struct cert_local *lc;
	STACK_OF(X509) *sk;
	EVP_PKEY *k;
	BIO *bio;
	int i;

	if ((sk = read_pem_certs(certfile, why, len)) == NULL)
		return (NULL);
	if ((lc = calloc(1, sizeof(*lc))) == NULL) {
		sk_X509_pop_free(sk, X509_free);
		say(why, len, "out of memory");
		return (NULL);
	}
	lc->leaf = sk_X509_shift(sk);
	lc->chain = sk;
	for (i = 0; i < cfg->nsecrets && lc->key == NULL; i++) {
		if (cfg->secrets[i].is_psk)
			continue;
		if ((bio = BIO_new_file(cfg->secrets[i].file, "r")) == NULL)
			continue;
		k = PEM_read_bio_PrivateKey(bio, NULL, no_pass, NULL);
		BIO_free(bio);
		if (k != NULL && EVP_PKEY_eq(k, X509_get0_pubkey(lc->leaf)) == 1)
			lc->key = k;
		else
			EVP_PKEY_free(k);
	}
	ERR_clear_error();
	if (lc->key == NULL) {
		say(why, len, "%s: no private key in secrets matches it",
		    certfile);
		cert_local_free(lc);
		return (NULL);
	}
	return (lc);
}

void
cert_local_free(struct cert_local *lc)
{
	if (lc == NULL)
		return;
	X509_free(lc->leaf);
	sk_X509_pop_free(lc->chain, X509_free);
	EVP_PKEY_free(lc->key);
	free(lc);
}

int
cert_local_count(const struct cert_local *lc)
{
	return (1 + sk_X509_num(lc->chain));
}

static int
der_append(X509 *x, struct buf *out)
{
	unsigned char *p;
	int n = i2d_X509(x, NULL);

	if (n <= 0 || (p = buf_reserve(out, n)) == NULL)
		return (-1);
	return (i2d_X509(x, &p) == n ? 0 : -1);
}

int
cert_local_der(const struct cert_local *lc, int i, struct buf *out)
{
	if (i == 0)
		return (der_append(lc->leaf, out));
	if (i < 0 || i > sk_X509_num(lc->chain))
		return (-1);
	return (der_append(sk_X509_value(lc->chain, i - 1), out));
}

static int
name_id(const X509_NAME *name, struct config_id *id)
{
	unsigned char *p = id->data;
	int n = i2d_X509_NAME(name, NULL);

	memset(id, 0, sizeof(*id));
	if (n <= 0 || (size_t)n > sizeof(id->data))
		return (-1);
	i2d_X509_NAME(name, &p);
	id->type = IKEV2_ID_DER_ASN1_DN;
	id->len = n;
	return (0);
}

int
cert_local_subject(const struct cert_local *lc, struct config_id *id)
{
	return (name_id(X509_get_subject_name(lc->leaf), id));
}

/* Does the certificate bind this identity (RFC 4945 §3.1)? */
static int
binds(X509 *x, const struct config_id *id)
{
	GENERAL_NAMES *gens;
	const ASN1_OCTET_STRING *ski;
	struct config_id tmp, subj;
	int i, r = 0;

	switch (id->type) {
	case IKEV2_ID_DER_ASN1_DN:
		return (name_id(X509_get_subject_name(x), &subj) == 0 &&
		    id_equal(&subj, id));
	case IKEV2_ID_KEY_ID:
		ski = X509_get0_subject_key_id(x);
		return (ski != NULL && (size_t)ASN1_STRING_length(ski) ==
		    id->len && !memcmp(ASN1_STRING_get0_data(ski), id->data,
		    id->len));
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		break;
	default:
		return (0);
	}
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && !r; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		int type;

		s = GENERAL_NAME_get0_value(g, &type);
		if (s == NULL)
			continue;
		if ((type == GEN_DNS && id->type == IKEV2_ID_FQDN) ||
		    (type == GEN_EMAIL && id->type == IKEV2_ID_RFC822_ADDR)) {
			if (id_from_payload(id->type, ASN1_STRING_get0_data(s),
			    ASN1_STRING_length(s), &tmp) == 0)
				r = id_equal(&tmp, id);
		} else if (type == GEN_IPADD &&
		    (id->type == IKEV2_ID_IPV4_ADDR ||
		    id->type == IKEV2_ID_IPV6_ADDR)) {
			r = (size_t)ASN1_STRING_length(s) == id->len &&
			    !memcmp(ASN1_STRING_get0_data(s), id->data, id->len);
		}
	}
	GENERAL_NAMES_free(gens);
	return (r);
}

int
cert_local_has_id(const struct cert_local *lc, const struct config_id *id)
{
	return (binds(lc->leaf, id));
}

struct cert_ca *
cert_ca_load(const char *cafile, char *why, size_t len)
{
	struct cert_ca *ca;
	STACK_OF(X509) *sk;
	int i;

	if ((sk = read_pem_certs(cafile, why, len)) == NULL)
		return (NULL);
	for (i = 0; i < sk_X509_num(sk); i++) {
		if (X509_check_ca(sk_X509_value(sk, i)) == 0) {
			say(why, len, "%s: certificate %d is not a CA", cafile,
			    i + 1);
			sk_X509_pop_free(sk, X509_free);
			return (NULL);
		}
	}
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->store = X509_STORE_new()) == NULL) {
		free(ca);
		sk_X509_pop_free(sk, X509_free);
		say(why, len, "out of memory");
		return (NULL);
	}
	ca->cas = sk;
	for (i = 0; i < sk_X509_num(sk); i++)
		X509_STORE_add_cert(ca->store, sk_X509_value(sk, i));
	/* Any configured CA is an anchor, an intermediate too (strongSwan). */
	X509_STORE_set_flags(ca->store, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_set_depth(ca->store, CERT_DEPTH_MAX);
	return (ca);
}

void
cert_ca_free(struct cert_ca *ca)
{
	if (ca == NULL)
		return;
	X509_STORE_free(ca->store);
	sk_X509_pop_free(ca->cas, X509_free);
	free(ca);
}

int
cert_ca_certreq(const struct cert_ca *ca, struct buf *out)
{
	unsigned char *der, *p;
	uint8_t *h;
	int i, n, r;

	for (i = 0; i < sk_X509_num(ca->cas); i++) {
		X509_PUBKEY *pk = X509_get_X509_PUBKEY(sk_X509_value(ca->cas, i));

		if ((n = i2d_X509_PUBKEY(pk, NULL)) <= 0 ||
		    (der = malloc(n)) == NULL)
			return (-1);
		p = der;
		i2d_X509_PUBKEY(pk, &p);
		h = buf_reserve(out, 20);
		r = h != NULL && EVP_Digest(der, n, h, NULL, EVP_sha1(), NULL);
		free(der);
		if (!r)
			return (-1);
	}
	return (0);
}

/*
 * RFC 4945 §5.1.3.2, §5.1.3.12: a key usage, if present, must allow
 * signatures; an extended key usage, if present, must allow IKE (we take
 * the TLS ones and anyExtendedKeyUsage as strongSwan does).
 */
static const char *
usage_ok(X509 *x)
{
	static const char *const ok_eku[] = {
		"1.3.6.1.5.5.7.3.17",	/* id-kp-ipsecIKE */
		"1.3.6.1.5.5.8.2.2",	/* iKEIntermediate */
		"1.3.6.1.5.5.7.3.1",	/* serverAuth */
		"1.3.6.1.5.5.7.3.2",	/* clientAuth */
		"2.5.29.37.0",		/* anyExtendedKeyUsage */
	};
	EXTENDED_KEY_USAGE *eku;
	char oid[64];
	int i, found = 0;
	size_t k;

	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE |
	    KU_NON_REPUDIATION)))
		return ("its key usage excludes signatures");
	if (!(X509_get_extension_flags(x) & EXFLAG_XKUSAGE))
		return (NULL);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1);
		for (k = 0; k < sizeof(ok_eku) / sizeof(ok_eku[0]); k++)
			found |= !strcmp(oid, ok_eku[k]);
	}
	EXTENDED_KEY_USAGE_free(eku);
	return (found ? NULL : "its extended key usage excludes IKE");
}

static X509 *
cert_from(const struct ikev2_cert_p *c)
{
	const unsigned char *p = c->data.ptr;
	X509 *x;

	if (c->encoding != IKEV2_CERT_X509_SIG || c->data.len > INT32_MAX)
		return (NULL);
	x = d2i_X509(NULL, &p, c->data.len);
	if (x != NULL && p != c->data.ptr + c->data.len) {
		X509_free(x);
		return (NULL);
	}
	return (x);
}

struct cert_peer *
cert_peer_verify(const struct cert_ca *ca, const struct ikev2_cert_p *certs,
    unsigned ncert, const struct config_id *peer_id, int64_t now, char *why,
    size_t len)
{
	struct cert_peer *cp = NULL;
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	char idt[ID_TEXT_MAX];
	X509 *leaf, *x;
	const char *bad;
	unsigned i;
	int err;

	if (ncert == 0) {
		say(why, len, "no certificate");
		return (NULL);
	}
	if ((leaf = cert_from(&certs[0])) == NULL) {
		say(why, len, "first CERT payload is not a DER X.509 "
		    "certificate (encoding %u)", certs[0].encoding);
		return (NULL);
	}
	if ((untrusted = sk_X509_new_null()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL) {
		say(why, len, "out of memory");
		goto out;
	}
	for (i = 1; i < ncert && i <= CERT_DEPTH_MAX; i++)
		if ((x = cert_from(&certs[i])) != NULL &&
		    !sk_X509_push(untrusted, x))
			X509_free(x);
	if (!X509_STORE_CTX_init(ctx, ca->store, leaf, untrusted)) {
		say(why, len, "cannot set up the verification");
		goto out;
	}
	if (now != 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		say(why, len, "certificate rejected at depth %d: %s",
		    X509_STORE_CTX_get_error_depth(ctx),
		    X509_verify_cert_error_string(err));
		goto out;
	}
	if ((bad = usage_ok(leaf)) != NULL) {
		say(why, len, "certificate rejected: %s", bad);
		goto out;
	}
	if (!binds(leaf, peer_id)) {
		say(why, len, "certificate does not bind the identity %s",
		    id_format(peer_id, idt, sizeof(idt)));
		goto out;
	}
	if ((cp = calloc(1, sizeof(*cp))) == NULL ||
	    (cp->key = X509_get_pubkey(leaf)) == NULL) {
		free(cp);
		cp = NULL;
		say(why, len, "certificate without a usable public key");
		goto out;
	}
	cp->leaf = leaf;
	leaf = NULL;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	ERR_clear_error();
	return (cp);
}

void
cert_peer_free(struct cert_peer *cp)
{
	if (cp == NULL)
		return;
	X509_free(cp->leaf);
	EVP_PKEY_free(cp->key);
	free(cp);
}

char *
cert_peer_subject(const struct cert_peer *cp, char *buf, size_t len)
{
	struct config_id id;

	if (name_id(X509_get_subject_name(cp->leaf), &id) < 0)
		snprintf(buf, len, "(subject too long)");
	else
		id_format(&id, buf, len);
	return (buf);
}

struct evp_pkey_st *
cert_local_key(const struct cert_local *lc)
{
	return (lc->key);
}

struct evp_pkey_st *
cert_peer_key(const struct cert_peer *cp)
{
	return (cp->key);
}
