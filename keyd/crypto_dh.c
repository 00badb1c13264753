/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 key exchange over OpenSSL 3 EVP_PKEY: MODP groups 14 and 15 (RFC
 * 3526), NIST ECP groups 19, 20 and 21 (RFC 5903) and Curve25519 (group
 * 31, RFC 8031).
 *
 * Encodings on the wire:
 *   MODP     g^x as a big-endian integer padded to the modulus length;
 *            g^ir likewise (§2.14 "padded with zeros").
 *   ECP      x | y, each padded to the field size, *without* the 0x04
 *            point-format octet (RFC 5903 §7); g^ir is x alone.
 *   X25519   the 32-octet u-coordinate (RFC 8031 §2).
 *
 * Note the OpenSSL names: "modp_2048"/"modp_3072" are the RFC 3526 groups
 * IKEv2 uses; "ffdhe2048"/"ffdhe3072" are the RFC 7919 TLS groups, with
 * different primes.  tests/test_dh.c checks the prime against RFC 3526.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

static const struct dh_group {
	uint16_t	 id;
	enum dh_kind	 kind;
	const char	*name;		/* OpenSSL group or algorithm name */
	size_t		 publen;	/* KE payload data */
	size_t		 secretlen;	/* g^ir */
} groups[] = {
	{ IKEV2_DH_MODP_2048,	DH_MODP,	"modp_2048",	256, 256 },
	{ IKEV2_DH_MODP_3072,	DH_MODP,	"modp_3072",	384, 384 },
	{ IKEV2_DH_ECP_256,	DH_ECP,		"P-256",	64, 32 },
	{ IKEV2_DH_ECP_384,	DH_ECP,		"P-384",	96, 48 },
	{ IKEV2_DH_ECP_521,	DH_ECP,		"P-521",	132, 66 },
	{ IKEV2_DH_CURVE25519,	DH_X25519,	"X25519",	32, 32 },
};

struct crypto_dh {
	const struct dh_group	*g;
	EVP_PKEY		*key;
};

static const struct dh_group *
dh_group(uint16_t id)
{
	size_t i;

	for (i = 0; i < nitems(groups); i++)
		if (groups[i].id == id)
			return (&groups[i]);
	return (NULL);
}

size_t
crypto_dh_publen(uint16_t group)
{
	const struct dh_group *g = dh_group(group);

	return (g ? g->publen : 0);
}

size_t
crypto_dh_secretlen(uint16_t group)
{
	const struct dh_group *g = dh_group(group);

	return (g ? g->secretlen : 0);
}

uint16_t
crypto_dh_group(const struct crypto_dh *dh)
{
	return (dh->g->id);
}

struct crypto_dh *
crypto_dh_new(uint16_t group)
{
	const struct dh_group *g;
	struct crypto_dh *dh;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[2];

	if ((g = dh_group(group)) == NULL)
		return (NULL);
	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		return (NULL);
	dh->g = g;
	switch (g->kind) {
	case DH_MODP:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		break;
	case DH_ECP:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		break;
	case DH_X25519:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
		break;
	}
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
		goto fail;
	if (g->kind != DH_X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto fail;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	return (dh);
 fail:
	EVP_PKEY_CTX_free(ctx);
	crypto_dh_free(dh);
	return (NULL);
}

void
crypto_dh_free(struct crypto_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);		/* OpenSSL clears private keys */
	free(dh);
}

int
crypto_dh_public(const struct crypto_dh *dh, uint8_t *out, size_t len)
{
	uint8_t pt[1 + 2 * 66];
	BIGNUM *y = NULL;
	size_t n;
	int ret = -1;

	if (len != dh->g->publen)
		return (-1);
	switch (dh->g->kind) {
	case DH_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY,
		    &y) && BN_bn2binpad(y, out, len) == (int)len)
			ret = 0;
		BN_free(y);
		break;
	case DH_ECP:
		/* Uncompressed point 04 | x | y; IKEv2 drops the 04. */
		if (EVP_PKEY_get_octet_string_param(dh->key,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) &&
		    n == len + 1 && pt[0] == 0x04) {
			memcpy(out, pt + 1, len);
			ret = 0;
		}
		break;
	case DH_X25519:
		n = len;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) && n == len)
			ret = 0;
		break;
	}
	return (ret);
}

/* Build the peer's public key in the same group as ours. */
static EVP_PKEY *
dh_peer(const struct dh_group *g, const uint8_t *peer, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *y = NULL;
	uint8_t pt[1 + 2 * 66];
	const char *alg = g->kind == DH_MODP ? "DH" : "EC";

	if (g->kind == DH_X25519)
		return (EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    peer, len));

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->name, 0))
		goto done;
	if (g->kind == DH_MODP) {
		if ((y = BN_bin2bn(peer, len, NULL)) == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto done;
	} else {
		pt[0] = 0x04;
		memcpy(pt + 1, peer, len);
		if (!OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1))
			goto done;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
 done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return (key);
}

/*
 * RFC 6989 asks for the peer's value to be checked before use.  For MODP
 * the full check is 1 < y < p-1 and y^q = 1 (named groups carry q); for
 * ECP, a point on the curve of the right order.  X25519 needs no check,
 * but an all-zero result (a small-order input) is refused below.
 */
static int
dh_peer_check(EVP_PKEY *peer)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)) == NULL)
		return (-1);
	ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return (ok ? 0 : -1);
}

int
crypto_dh_derive(const struct crypto_dh *dh, const uint8_t *peer,
    size_t peerlen, uint8_t *secret, size_t len)
{
	const struct dh_group *g = dh->g;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t tmp[384], zero = 0;
	size_t n = sizeof(tmp), i;
	int ret = -1;

	/* §3.4: a KE payload of the wrong length is a syntax error. */
	if (peerlen != g->publen || len != g->secretlen)
		return (-1);
	if ((pk = dh_peer(g, peer, peerlen)) == NULL)
		goto done;
	if (g->kind != DH_X25519 && dh_peer_check(pk) == -1)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) <= 0)
		goto done;
	if (g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto done;
	if (EVP_PKEY_derive(ctx, tmp, &n) <= 0 || n > len)
		goto done;
	/* Left-pad to the full length, whatever OpenSSL trimmed. */
	memset(secret, 0, len - n);
	memcpy(secret + len - n, tmp, n);
	for (i = 0; i < len; i++)
		zero |= secret[i];
	if (zero == 0)
		goto done;
	ret = 0;
 done:
	if (ret == -1)
		OPENSSL_cleanse(secret, len);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return (ret);
}
