/* SPDX-License-Identifier: ISC */
/*
 * Signature AUTH: methods 1, 9/10/11 and 14 (RFC 7296 §3.8, RFC 4754,
 * RFC 7427), over OpenSSL 3 EVP_DigestSign/Verify.  See auth_sig.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth_sig.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The AlgorithmIdentifiers we sign with (RFC 7427 Appendix A): DER, so
 * they go on the wire as they are.  PSS: hash, MGF1 with the same hash,
 * salt length = hash length, trailer 1 (the default, omitted).
 */
static const uint8_t alg_pss256[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1,
	0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x20,
};
static const uint8_t alg_pss384[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa1,
	0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x30,
};
static const uint8_t alg_pss512[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0xa1,
	0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,
	0x40,
};
static const uint8_t alg_ecdsa256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
};
static const uint8_t alg_ecdsa384[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
};
static const uint8_t alg_ecdsa512[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04,
};
static const uint8_t alg_ed25519[] = {
	0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
};

enum sigkind { SIG_RSA_PKCS1, SIG_RSA_PSS, SIG_ECDSA_DER, SIG_ECDSA_RS,
	SIG_EDDSA };

/* One way to sign: what the verifier must be told and what to do. */
struct sigalg {
	enum sigkind	 kind;
	const char	*md;		/* NULL: EdDSA hashes itself */
	int		 saltlen;	/* PSS */
	const char	*mgf1md;	/* PSS */
	size_t		 rslen;		/* ECDSA r|s: octets per half */
};

static const struct {
	uint16_t	 hash;		/* IKEV2_SIGHASH_* */
	const char	*md;
	int		 len;
} hashes[] = {
	{ IKEV2_SIGHASH_SHA2_256, "SHA2-256", 32 },
	{ IKEV2_SIGHASH_SHA2_384, "SHA2-384", 48 },
	{ IKEV2_SIGHASH_SHA2_512, "SHA2-512", 64 },
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

int
auth_sig_hashes(struct buf *out)
{
	size_t i;

	for (i = 0; i < nitems(hashes); i++)
		buf_add_be16(out, hashes[i].hash);
	buf_add_be16(out, IKEV2_SIGHASH_IDENTITY);
	return (buf_error(out) ? -1 : 0);
}

static int
ec_bits(EVP_PKEY *key)
{
	return (EVP_PKEY_get_bits(key));
}

static int
set_pss(EVP_PKEY_CTX *pctx, const struct sigalg *a)
{
	if (a->kind == SIG_RSA_PKCS1)
		return (EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PADDING) > 0);
	if (a->kind != SIG_RSA_PSS)
		return (1);
	return (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, a->saltlen) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->mgf1md, NULL) > 0);
}

/* Sign into out; ECDSA r|s converted from DER. */
static int
sign(EVP_PKEY *key, const struct sigalg *a, const uint8_t *m, size_t mlen,
    struct buf *out)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const unsigned char *p;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	uint8_t *sig = NULL, *o;
	size_t slen = 0;
	int ok = 0;

	if (mctx == NULL ||
	    EVP_DigestSignInit_ex(mctx, &pctx, a->md, NULL, NULL, key,
	    NULL) != 1 || !set_pss(pctx, a) ||
	    EVP_DigestSign(mctx, NULL, &slen, m, mlen) != 1 ||
	    (sig = malloc(slen)) == NULL ||
	    EVP_DigestSign(mctx, sig, &slen, m, mlen) != 1)
		goto out;
	if (a->kind != SIG_ECDSA_RS) {
		ok = buf_add(out, sig, slen) == 0;
		goto out;
	}
	p = sig;
	if ((es = d2i_ECDSA_SIG(NULL, &p, slen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	o = buf_reserve(out, 2 * a->rslen);
	ok = o != NULL && BN_bn2binpad(r, o, a->rslen) > 0 &&
	    BN_bn2binpad(s, o + a->rslen, a->rslen) > 0;
	ECDSA_SIG_free(es);
out:
	free(sig);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return (ok ? 0 : -1);
}

/* Our preferred SHA-2 hash for a key: match an EC curve's strength. */
static int
pick_hash(EVP_PKEY *key, uint32_t peer)
{
	static const int order[3][3] = { { 0, 1, 2 }, { 1, 2, 0 }, { 2, 1, 0 } };
	int pref = 0, i;

	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
		pref = ec_bits(key) > 384 ? 2 : ec_bits(key) > 256 ? 1 : 0;
	for (i = 0; i < 3; i++)
		if (peer & (1u << hashes[order[pref][i]].hash))
			return (order[pref][i]);
	return (-1);
}

int
auth_sig_sign(const struct cert_local *lc, uint32_t peer_sighash,
    const uint8_t *octets, size_t olen, uint8_t *method, struct buf *out)
{
	static const uint8_t *const pss[] = { alg_pss256, alg_pss384,
	    alg_pss512 };
	static const uint8_t *const ecdsa[] = { alg_ecdsa256, alg_ecdsa384,
	    alg_ecdsa512 };
	EVP_PKEY *key = cert_local_key(lc);
	struct sigalg a = { 0 };
	const uint8_t *alg;
	size_t alen;
	int type = EVP_PKEY_get_base_id(key), h = pick_hash(key, peer_sighash);

	if (type == EVP_PKEY_ED25519) {
		if (!(peer_sighash & (1u << IKEV2_SIGHASH_IDENTITY)))
			return (-1);	/* Ed25519 exists only in RFC 8420 */
		*method = IKEV2_AUTH_DIGITAL_SIGNATURE;
		a.kind = SIG_EDDSA;
		buf_add_u8(out, sizeof(alg_ed25519));
		buf_add(out, alg_ed25519, sizeof(alg_ed25519));
		return (sign(key, &a, octets, olen, out));
	}
	if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
		return (-1);
	if (h >= 0) {
		*method = IKEV2_AUTH_DIGITAL_SIGNATURE;
		a.md = hashes[h].md;
		if (type == EVP_PKEY_RSA) {
			a.kind = SIG_RSA_PSS;
			a.saltlen = hashes[h].len;
			a.mgf1md = a.md;
			alg = pss[h];
			alen = sizeof(alg_pss256);
		} else {
			a.kind = SIG_ECDSA_DER;
			alg = ecdsa[h];
			alen = sizeof(alg_ecdsa256);
		}
		buf_add_u8(out, alen);
		buf_add(out, alg, alen);
		return (sign(key, &a, octets, olen, out));
	}
	if (type == EVP_PKEY_RSA) {
		*method = IKEV2_AUTH_RSA_SIG;
		a.kind = SIG_RSA_PKCS1;
		a.md = "SHA1";
		return (sign(key, &a, octets, olen, out));
	}
	a.kind = SIG_ECDSA_RS;
	switch (ec_bits(key)) {
	case 256:
		*method = IKEV2_AUTH_ECDSA_256;
		a.md = "SHA2-256";
		a.rslen = 32;
		break;
	case 384:
		*method = IKEV2_AUTH_ECDSA_384;
		a.md = "SHA2-384";
		a.rslen = 48;
		break;
	case 521:
		*method = IKEV2_AUTH_ECDSA_521;
		a.md = "SHA2-512";
		a.rslen = 66;
		break;
	default:
		return (-1);
	}
	return (sign(key, &a, octets, olen, out));
}

static int
verify(EVP_PKEY *key, const struct sigalg *a, const uint8_t *sig,
    size_t slen, const uint8_t *m, size_t mlen)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL, *p;
	BIGNUM *r, *s;
	ECDSA_SIG *es;
	int ok = 0, n;

	if (a->kind == SIG_ECDSA_RS) {
		/* RFC 4754: r | s, each exactly the group's size. */
		if (slen != 2 * a->rslen || (es = ECDSA_SIG_new()) == NULL)
			goto out;
		r = BN_bin2bn(sig, a->rslen, NULL);
		s = BN_bin2bn(sig + a->rslen, a->rslen, NULL);
		if (r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
			BN_free(r);
			BN_free(s);
			ECDSA_SIG_free(es);
			goto out;
		}
		n = i2d_ECDSA_SIG(es, NULL);
		if (n > 0 && (der = malloc(n)) != NULL) {
			p = der;
			i2d_ECDSA_SIG(es, &p);
			sig = der;
			slen = n;
		}
		ECDSA_SIG_free(es);
		if (der == NULL)
			goto out;
	}
	ok = mctx != NULL &&
	    EVP_DigestVerifyInit_ex(mctx, &pctx, a->md, NULL, NULL, key,
	    NULL) == 1 && set_pss(pctx, a) &&
	    EVP_DigestVerify(mctx, sig, slen, m, mlen) == 1;
out:
	free(der);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return (ok);
}

/* SHA-2 hash of an AlgorithmIdentifier's OID, or NULL; *len its size. */
static const char *
sha2_of(const ASN1_OBJECT *obj, int *len)
{
	switch (OBJ_obj2nid(obj)) {
	case NID_sha256:
		*len = 32;
		return ("SHA2-256");
	case NID_sha384:
		*len = 48;
		return ("SHA2-384");
	case NID_sha512:
		*len = 64;
		return ("SHA2-512");
	}
	return (NULL);
}

/* RSASSA-PSS-params (RFC 4055): SHA-2, MGF1 with a SHA-2, trailer 1. */
static const char *
pss_params(const X509_ALGOR *alg, struct sigalg *a)
{
	const ASN1_STRING *seq;
	const ASN1_OBJECT *obj;
	const void *pval;
	RSA_PSS_PARAMS *pss;
	X509_ALGOR *mgfh = NULL;
	const char *why = NULL;
	int ptype, hlen, mlen;
	long salt;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return ("RSASSA-PSS without parameters (SHA-1)");
	seq = pval;
	pss = ASN1_item_unpack(seq, ASN1_ITEM_rptr(RSA_PSS_PARAMS));
	if (pss == NULL)
		return ("bad RSASSA-PSS parameters");
	if (pss->hashAlgorithm == NULL ||
	    (a->md = sha2_of(pss->hashAlgorithm->algorithm, &hlen)) == NULL)
		why = "RSASSA-PSS hash is not SHA-2";
	else if (pss->maskGenAlgorithm == NULL ||
	    OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1 ||
	    pss->maskGenAlgorithm->parameter == NULL ||
	    pss->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE ||
	    (mgfh = ASN1_item_unpack(
	    pss->maskGenAlgorithm->parameter->value.sequence,
	    ASN1_ITEM_rptr(X509_ALGOR))) == NULL ||
	    (a->mgf1md = sha2_of(mgfh->algorithm, &mlen)) == NULL)
		why = "RSASSA-PSS mask generation is not MGF1 with SHA-2";
	else if (pss->trailerField != NULL &&
	    ASN1_INTEGER_get(pss->trailerField) != 1)
		why = "RSASSA-PSS trailer field is not 1";
	else {
		salt = pss->saltLength ? ASN1_INTEGER_get(pss->saltLength) : 20;
		if (salt < 0 || salt > 1024)
			why = "RSASSA-PSS salt length out of range";
		a->saltlen = salt;
		a->kind = SIG_RSA_PSS;
	}
	X509_ALGOR_free(mgfh);
	RSA_PSS_PARAMS_free(pss);
	return (why);
}

/* Method 14: the AlgorithmIdentifier into a; the signature's offset. */
static const char *
ds_parse(const uint8_t *auth, size_t alen, int keytype, struct sigalg *a,
    size_t *sigoff)
{
	const unsigned char *p = auth + 1;
	const ASN1_OBJECT *obj;
	X509_ALGOR *alg;
	const char *why = NULL;

	if (alen < 2 || auth[0] == 0 || (size_t)auth[0] + 1 >= alen)
		return ("Digital Signature AUTH too short");
	alg = d2i_X509_ALGOR(NULL, &p, auth[0]);
	if (alg == NULL || p != auth + 1 + auth[0]) {
		X509_ALGOR_free(alg);
		return ("bad AlgorithmIdentifier");
	}
	*sigoff = 1 + auth[0];
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	a->kind = SIG_RSA_PKCS1;
	switch (OBJ_obj2nid(obj)) {
	case NID_sha256WithRSAEncryption:
		a->md = "SHA2-256";
		break;
	case NID_sha384WithRSAEncryption:
		a->md = "SHA2-384";
		break;
	case NID_sha512WithRSAEncryption:
		a->md = "SHA2-512";
		break;
	case NID_rsassaPss:
		why = pss_params(alg, a);
		break;
	case NID_ecdsa_with_SHA256:
		a->kind = SIG_ECDSA_DER;
		a->md = "SHA2-256";
		break;
	case NID_ecdsa_with_SHA384:
		a->kind = SIG_ECDSA_DER;
		a->md = "SHA2-384";
		break;
	case NID_ecdsa_with_SHA512:
		a->kind = SIG_ECDSA_DER;
		a->md = "SHA2-512";
		break;
	case NID_ED25519:
		a->kind = SIG_EDDSA;
		a->md = NULL;
		break;
	default:
		why = "signature algorithm not offered (we take SHA-2 RSA, "
		    "RSASSA-PSS, ECDSA and Ed25519)";
		break;
	}
	X509_ALGOR_free(alg);
	if (why == NULL &&
	    ((keytype == EVP_PKEY_RSA) != (a->kind == SIG_RSA_PKCS1 ||
	    a->kind == SIG_RSA_PSS) ||
	    (keytype == EVP_PKEY_EC) != (a->kind == SIG_ECDSA_DER) ||
	    (keytype == EVP_PKEY_ED25519) != (a->kind == SIG_EDDSA)))
		why = "signature algorithm does not fit the certificate's key";
	return (why);
}

int
auth_sig_verify(const struct cert_peer *cp, uint8_t method,
    const uint8_t *auth, size_t alen, const uint8_t *octets, size_t olen,
    char *why, size_t len)
{
	EVP_PKEY *key = cert_peer_key(cp);
	int type = EVP_PKEY_get_base_id(key);
	struct sigalg a = { 0 };
	size_t off = 0;
	const char *bad = NULL;
	int bits = EVP_PKEY_get_bits(key);

	switch (method) {
	case IKEV2_AUTH_RSA_SIG:
		if (type != EVP_PKEY_RSA)
			bad = "RSA signature AUTH, but not an RSA key";
		a.kind = SIG_RSA_PKCS1;
		a.md = "SHA1";
		break;
	case IKEV2_AUTH_ECDSA_256:
	case IKEV2_AUTH_ECDSA_384:
	case IKEV2_AUTH_ECDSA_521:
		a.kind = SIG_ECDSA_RS;
		a.rslen = method == IKEV2_AUTH_ECDSA_256 ? 32 :
		    method == IKEV2_AUTH_ECDSA_384 ? 48 : 66;
		a.md = method == IKEV2_AUTH_ECDSA_256 ? "SHA2-256" :
		    method == IKEV2_AUTH_ECDSA_384 ? "SHA2-384" : "SHA2-512";
		if (type != EVP_PKEY_EC || (bits + 7) / 8 != (int)a.rslen)
			bad = "ECDSA AUTH method does not fit the key's curve";
		break;
	case IKEV2_AUTH_DIGITAL_SIGNATURE:
		bad = ds_parse(auth, alen, type, &a, &off);
		break;
	default:
		say(why, len, "AUTH method %u is not a signature we verify",
		    method);
		return (-1);
	}
	if (bad != NULL) {
		say(why, len, "%s", bad);
		return (-1);
	}
	if (!verify(key, &a, auth + off, alen - off, octets, olen)) {
		say(why, len, "AUTH signature (method %u) does not verify",
		    method);
		return (-1);
	}
	return (0);
}
