/* SPDX-License-Identifier: ISC */
/*
 * PRF, prf+, key derivation and PSK AUTH for IKEv2 (RFC 7296 §2.13-2.18),
 * over OpenSSL 3 EVP_MAC.  See crypto.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	uint16_t	 id;
	const char	*md;
	size_t		 len;
} prfs[] = {
	{ IKEV2_PRF_HMAC_SHA2_256, "SHA2-256", 32 },
	{ IKEV2_PRF_HMAC_SHA2_384, "SHA2-384", 48 },
	{ IKEV2_PRF_HMAC_SHA2_512, "SHA2-512", 64 },
};

static const struct {
	uint16_t	 id;
	size_t		 keylen, icvlen;
} integs[] = {
	{ IKEV2_INTEG_HMAC_SHA2_256_128, 32, 16 },	/* RFC 4868 */
	{ IKEV2_INTEG_HMAC_SHA2_384_192, 48, 24 },
	{ IKEV2_INTEG_HMAC_SHA2_512_256, 64, 32 },
};

static const char *
prf_md(uint16_t prf)
{
	size_t i;

	for (i = 0; i < nitems(prfs); i++)
		if (prfs[i].id == prf)
			return (prfs[i].md);
	return (NULL);
}

size_t
crypto_prf_size(uint16_t prf)
{
	size_t i;

	for (i = 0; i < nitems(prfs); i++)
		if (prfs[i].id == prf)
			return (prfs[i].len);
	return (0);
}

size_t
crypto_encr_keylen(uint16_t encr, uint16_t keylen)
{
	switch (encr) {
	case IKEV2_ENCR_AES_CBC:
		if (keylen == 128 || keylen == 192 || keylen == 256)
			return (keylen / 8);
		return (0);
	case IKEV2_ENCR_AES_GCM_16:
		/* RFC 5282 §7.1: the key is followed by a 4-octet salt. */
		if (keylen == 128 || keylen == 192 || keylen == 256)
			return (keylen / 8 + 4);
		return (0);
	case IKEV2_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 §2: fixed 256-bit key, no Key Length attribute. */
		return (keylen == 0 || keylen == 256 ? 32 + 4 : 0);
	default:
		return (0);
	}
}

int
crypto_encr_is_aead(uint16_t encr)
{
	return (encr == IKEV2_ENCR_AES_GCM_16 ||
	    encr == IKEV2_ENCR_CHACHA20_POLY1305);
}

size_t
crypto_integ_keylen(uint16_t integ)
{
	size_t i;

	for (i = 0; i < nitems(integs); i++)
		if (integs[i].id == integ)
			return (integs[i].keylen);
	return (0);
}

size_t
crypto_integ_icvlen(uint16_t integ)
{
	size_t i;

	for (i = 0; i < nitems(integs); i++)
		if (integs[i].id == integ)
			return (integs[i].icvlen);
	return (0);
}

/*
 * HMAC over a scatter list.  The EVP_MAC is fetched once: fetching is a
 * provider lookup under a lock, and keyd derives keys per exchange.
 */
int
crypto_prf(uint16_t prf, const uint8_t *key, size_t klen,
    const struct iovec *iov, int iovcnt, uint8_t *out)
{
	static EVP_MAC *hmac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	const char *md;
	size_t outlen;
	int i, ret = -1;

	if ((md = prf_md(prf)) == NULL)
		return (-1);
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	if ((ctx = EVP_MAC_CTX_new(hmac)) == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* HMAC takes any key length, including the empty one. */
	if (!EVP_MAC_init(ctx, klen ? key : (const uint8_t *)"", klen, params))
		goto done;
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len &&
		    !EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto done;
	if (!EVP_MAC_final(ctx, out, &outlen, crypto_prf_size(prf)))
		goto done;
	ret = 0;
 done:
	EVP_MAC_CTX_free(ctx);
	return (ret);
}

/*
 * prf+ (§2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output
 * T1 | T2 | ...; the one-octet counter caps it at 255 blocks.
 */
int
crypto_prfplus(uint16_t prf, const uint8_t *key, size_t klen,
    const struct iovec *seed, int seedcnt, uint8_t *out, size_t outlen)
{
	struct iovec iov[8];
	uint8_t t[CRYPTO_PRF_MAX], n;
	size_t hlen = crypto_prf_size(prf), done = 0, take;
	int i, cnt;

	if (hlen == 0 || seedcnt > (int)nitems(iov) - 2 ||
	    outlen > 255 * hlen)
		return (-1);
	for (n = 1; done < outlen; n++) {
		cnt = 0;
		if (n > 1) {
			iov[cnt].iov_base = t;
			iov[cnt++].iov_len = hlen;
		}
		for (i = 0; i < seedcnt; i++)
			iov[cnt++] = seed[i];
		iov[cnt].iov_base = &n;
		iov[cnt++].iov_len = 1;
		if (crypto_prf(prf, key, klen, iov, cnt, t) == -1) {
			OPENSSL_cleanse(t, sizeof(t));
			return (-1);
		}
		take = outlen - done < hlen ? outlen - done : hlen;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return (0);
}

#define IOV(p, l)	{ .iov_base = (void *)(p), .iov_len = (l) }

int
crypto_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
    uint8_t *out)
{
	uint8_t key[2 * IKEV2_NONCE_MAX];
	struct iovec iov[1] = { IOV(gir, girlen) };
	int r;

	/*
	 * The key is Ni | Nr.  (§2.14 takes only 64 bits of each for PRFs
	 * with a fixed key size; keyd's PRFs are all HMAC, so all of it.)
	 */
	if (nilen > IKEV2_NONCE_MAX || nrlen > IKEV2_NONCE_MAX)
		return (-1);
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	r = crypto_prf(prf, key, nilen + nrlen, iov, 1, out);
	OPENSSL_cleanse(key, sizeof(key));
	return (r);
}

int
crypto_skeyseed_rekey(uint16_t prf, const uint8_t *skd, size_t skdlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out)
{
	struct iovec iov[3] = { IOV(gir, girlen), IOV(ni, nilen),
	    IOV(nr, nrlen) };

	return (crypto_prf(prf, skd, skdlen, iov, 3, out));
}

int
crypto_ike_keys(struct ike_keys *k, const struct crypto_suite *s,
    const uint8_t *skeyseed, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, const uint8_t spii[IKEV2_SPI_SIZE],
    const uint8_t spir[IKEV2_SPI_SIZE])
{
	struct iovec seed[4] = { IOV(ni, nilen), IOV(nr, nrlen),
	    IOV(spii, IKEV2_SPI_SIZE), IOV(spir, IKEV2_SPI_SIZE) };
	uint8_t km[3 * CRYPTO_PRF_MAX + 2 * CRYPTO_INTEG_KEY_MAX +
	    2 * CRYPTO_ENCR_KEY_MAX], *p = km;
	size_t total;

	memset(k, 0, sizeof(*k));
	k->s = *s;
	k->prf_len = crypto_prf_size(s->prf);
	k->encr_len = crypto_encr_keylen(s->encr, s->encr_keylen);
	/* AEAD carries its own integrity; anything else needs INTEG. */
	if (crypto_encr_is_aead(s->encr)) {
		if (s->integ != IKEV2_INTEG_NONE)
			return (-1);
	} else if ((k->integ_len = crypto_integ_keylen(s->integ)) == 0)
		return (-1);
	if (k->prf_len == 0 || k->encr_len == 0)
		return (-1);

	total = 3 * k->prf_len + 2 * k->integ_len + 2 * k->encr_len;
	if (crypto_prfplus(s->prf, skeyseed, k->prf_len, seed, 4,
	    km, total) == -1) {
		OPENSSL_cleanse(km, sizeof(km));
		return (-1);
	}
	memcpy(k->sk_d, p, k->prf_len);		p += k->prf_len;
	memcpy(k->sk_ai, p, k->integ_len);	p += k->integ_len;
	memcpy(k->sk_ar, p, k->integ_len);	p += k->integ_len;
	memcpy(k->sk_ei, p, k->encr_len);	p += k->encr_len;
	memcpy(k->sk_er, p, k->encr_len);	p += k->encr_len;
	memcpy(k->sk_pi, p, k->prf_len);	p += k->prf_len;
	memcpy(k->sk_pr, p, k->prf_len);
	OPENSSL_cleanse(km, sizeof(km));
	return (0);
}

void
crypto_ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
crypto_child_keys(struct child_keys *c, uint16_t prf, const uint8_t *skd,
    size_t skdlen, const uint8_t *gir, size_t girlen, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, uint16_t encr,
    uint16_t encr_keylen, uint16_t integ)
{
	struct iovec seed[3];
	uint8_t km[2 * (CRYPTO_ENCR_KEY_MAX + CRYPTO_INTEG_KEY_MAX)], *p = km;
	int n = 0, r;

	memset(c, 0, sizeof(*c));
	if ((c->encr_len = crypto_encr_keylen(encr, encr_keylen)) == 0)
		return (-1);
	if (crypto_encr_is_aead(encr)) {
		if (integ != IKEV2_INTEG_NONE)
			return (-1);
	} else if ((c->integ_len = crypto_integ_keylen(integ)) == 0)
		return (-1);
	if (gir != NULL)
		seed[n++] = (struct iovec)IOV(gir, girlen);
	seed[n++] = (struct iovec)IOV(ni, nilen);
	seed[n++] = (struct iovec)IOV(nr, nrlen);
	r = crypto_prfplus(prf, skd, skdlen, seed, n, km,
	    2 * (c->encr_len + c->integ_len));
	if (r == 0) {
		memcpy(c->ei, p, c->encr_len);	p += c->encr_len;
		memcpy(c->ai, p, c->integ_len);	p += c->integ_len;
		memcpy(c->er, p, c->encr_len);	p += c->encr_len;
		memcpy(c->ar, p, c->integ_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return (r);
}

void
crypto_child_keys_wipe(struct child_keys *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}

int
crypto_auth_octets(uint16_t prf, const uint8_t *skp, size_t skplen,
    const uint8_t *msg, size_t msglen, const uint8_t *nonce, size_t noncelen,
    const uint8_t *idbody, size_t idlen, struct buf *out)
{
	struct iovec iov[1] = { IOV(idbody, idlen) };
	uint8_t *maced;

	buf_add(out, msg, msglen);
	buf_add(out, nonce, noncelen);
	if ((maced = buf_reserve(out, crypto_prf_size(prf))) == NULL)
		return (-1);
	return (crypto_prf(prf, skp, skplen, iov, 1, maced));
}

int
crypto_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";	/* no NUL, §2.15 */
	struct iovec iov[1] = { IOV(pad, sizeof(pad) - 1) };
	uint8_t key[CRYPTO_PRF_MAX];
	int r;

	if ((r = crypto_prf(prf, psk, psklen, iov, 1, key)) == 0) {
		iov[0] = (struct iovec)IOV(octets, olen);
		r = crypto_prf(prf, key, crypto_prf_size(prf), iov, 1, out);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return (r);
}

int
crypto_psk_verify(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, const uint8_t *auth, size_t authlen)
{
	uint8_t want[CRYPTO_PRF_MAX];
	int r = -1;

	if (authlen == crypto_prf_size(prf) &&
	    crypto_psk_auth(prf, psk, psklen, octets, olen, want) == 0 &&
	    CRYPTO_memcmp(want, auth, authlen) == 0)
		r = 0;
	OPENSSL_cleanse(want, sizeof(want));
	return (r);
}

int
crypto_random(uint8_t *p, size_t len)
{
	return (RAND_bytes(p, len) == 1 ? 0 : -1);
}

int
crypto_natd(const uint8_t spii[IKEV2_SPI_SIZE],
    const uint8_t spir[IKEV2_SPI_SIZE], const uint8_t *addr, size_t alen,
    uint16_t port, uint8_t out[CRYPTO_NATD_LEN])
{
	uint8_t p[2] = { port >> 8, port };
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	/* SHA-1 is what §2.23 specifies; it only detects address rewriting. */
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	    EVP_DigestUpdate(ctx, spii, IKEV2_SPI_SIZE) &&
	    EVP_DigestUpdate(ctx, spir, IKEV2_SPI_SIZE) &&
	    EVP_DigestUpdate(ctx, addr, alen) &&
	    EVP_DigestUpdate(ctx, p, sizeof(p)) &&
	    EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return (ok ? 0 : -1);
}
