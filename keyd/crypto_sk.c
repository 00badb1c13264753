/* SPDX-License-Identifier: ISC */
/*
 * The Encrypted (SK) payload, RFC 7296 §3.14, with either
 *   - AES-CBC and an HMAC-SHA2 integrity check (RFC 4868) over the whole
 *     message from the IKE header through the ciphertext, or
 *   - an AEAD, AES-GCM with a 16-octet ICV (RFC 5282) or ChaCha20-Poly1305
 *     (RFC 7634), whose associated data is the IKE header and everything
 *     up to the end of the SK (or SKF) header, the IV excluded (RFC 5282
 *     §5.1), with nonce = 4-octet salt | 8-octet IV.
 *
 *   SK payload:  generic header | IV | E(plain | padding | pad length) | ICV
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

enum {
	SK_AEAD_IV	= 8,
	SK_AEAD_SALT	= 4,
	SK_AEAD_ICV	= 16,
	SK_CBC_BLOCK	= 16,
	IKE_LEN_OFF	= 24,	/* struct ikev2_hdr length */
};

static const EVP_CIPHER *
sk_cipher(const struct ike_keys *k)
{
	size_t keylen = k->encr_len;

	switch (k->s.encr) {
	case IKEV2_ENCR_AES_CBC:
		return (keylen == 16 ? EVP_aes_128_cbc() :
		    keylen == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc());
	case IKEV2_ENCR_AES_GCM_16:
		keylen -= SK_AEAD_SALT;
		return (keylen == 16 ? EVP_aes_128_gcm() :
		    keylen == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm());
	case IKEV2_ENCR_CHACHA20_POLY1305:
		return (EVP_chacha20_poly1305());
	default:
		return (NULL);
	}
}

static size_t
sk_ivlen(const struct ike_keys *k)
{
	return (crypto_encr_is_aead(k->s.encr) ? SK_AEAD_IV : SK_CBC_BLOCK);
}

static size_t
sk_icvlen(const struct ike_keys *k)
{
	return (crypto_encr_is_aead(k->s.encr) ? SK_AEAD_ICV :
	    crypto_integ_icvlen(k->s.integ));
}

size_t
crypto_sk_overhead(const struct ike_keys *k)
{
	return (sk_ivlen(k) + sk_icvlen(k));
}

static const char *
integ_md(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA2_256_128:	return ("SHA2-256");
	case IKEV2_INTEG_HMAC_SHA2_384_192:	return ("SHA2-384");
	case IKEV2_INTEG_HMAC_SHA2_512_256:	return ("SHA2-512");
	default:				return (NULL);
	}
}

/* The truncated HMAC of data into icv[crypto_integ_icvlen()]. */
static int
sk_integ(const struct ike_keys *k, const uint8_t *key, const uint8_t *data,
    size_t len, uint8_t *icv)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	const char *md = integ_md(k->s.integ);
	size_t n;

	if (md == NULL || EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key,
	    k->integ_len, data, len, mac, sizeof(mac), &n) == NULL)
		return (-1);
	memcpy(icv, mac, crypto_integ_icvlen(k->s.integ));
	OPENSSL_cleanse(mac, sizeof(mac));
	return (0);
}

/*
 * One pass of the cipher over buf[0..len) in place.  For AEAD, aad is
 * authenticated and the tag written (enc) or checked (!enc).
 */
static int
sk_crypt(const struct ike_keys *k, int enc, const uint8_t *key,
    const uint8_t *iv, const uint8_t *aad, size_t aadlen, uint8_t *buf,
    size_t len, uint8_t *tag)
{
	const EVP_CIPHER *c = sk_cipher(k);
	int aead = crypto_encr_is_aead(k->s.encr);
	uint8_t nonce[SK_AEAD_SALT + SK_AEAD_IV];
	EVP_CIPHER_CTX *ctx;
	int n, ok = 0;

	if (c == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (aead) {
		/* The salt is the last 4 octets of the key material. */
		memcpy(nonce, key + k->encr_len - SK_AEAD_SALT, SK_AEAD_SALT);
		memcpy(nonce + SK_AEAD_SALT, iv, SK_AEAD_IV);
		iv = nonce;
	}
	if (!EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc))
		goto done;
	if (aead && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
	    sizeof(nonce), NULL))
		goto done;
	if (!EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto done;
	if (aead && !enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    SK_AEAD_ICV, tag))
		goto done;
	if (aead && aadlen && !EVP_CipherUpdate(ctx, NULL, &n, aad, aadlen))
		goto done;
	if (!EVP_CipherUpdate(ctx, buf, &n, buf, len) || (size_t)n != len)
		goto done;
	/* For AEAD decryption, Final is where the tag is verified. */
	if (!EVP_CipherFinal_ex(ctx, buf + n, &n) || n != 0)
		goto done;
	if (aead && enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    SK_AEAD_ICV, tag))
		goto done;
	ok = 1;
 done:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	return (ok ? 0 : -1);
}

int
crypto_sk_seal(struct ike_keys *k, int initiator, struct buf *msg,
    size_t sk_off, const uint8_t *plain, size_t plen)
{
	const uint8_t *ekey = initiator ? k->sk_ei : k->sk_er;
	const uint8_t *akey = initiator ? k->sk_ai : k->sk_ar;
	int aead = crypto_encr_is_aead(k->s.encr);
	size_t ivlen = sk_ivlen(k), icvlen = sk_icvlen(k);
	size_t iv_off = msg->len, padlen, ctlen;
	uint8_t *iv, *ct;
	uint64_t seq;
	int i;

	/*
	 * AEAD needs no padding (RFC 5282 §3); CBC pads to the block, and
	 * the pad length octet is always there.
	 */
	padlen = aead ? 0 : (SK_CBC_BLOCK - (plen + 1) % SK_CBC_BLOCK) %
	    SK_CBC_BLOCK;
	ctlen = plen + padlen + 1;
	if (sk_cipher(k) == NULL || icvlen == 0 || sk_off + 4 > iv_off ||
	    buf_reserve(msg, ivlen + ctlen + icvlen) == NULL)
		return (-1);
	iv = msg->data + iv_off;
	ct = iv + ivlen;

	/* Lengths first: they are covered by the ICV or the AAD. */
	if (msg->len - sk_off > UINT16_MAX)
		return (-1);
	buf_put_be16(msg, sk_off + 2, msg->len - sk_off);
	buf_put_be32(msg, IKE_LEN_OFF, msg->len);

	if (aead) {
		/*
		 * A counter, not random: an AEAD nonce must never repeat
		 * under one key, and each IKE SA has fresh keys.
		 */
		seq = k->iv_seq++;
		for (i = SK_AEAD_IV - 1; i >= 0; i--, seq >>= 8)
			iv[i] = seq;
	} else if (RAND_bytes(iv, ivlen) != 1)	/* CBC: unpredictable */
		return (-1);

	if (plen)
		memcpy(ct, plain, plen);
	memset(ct + plen, 0, padlen);
	ct[plen + padlen] = padlen;

	if (sk_crypt(k, 1, ekey, iv, msg->data, iv_off, ct, ctlen,
	    ct + ctlen) == -1)
		return (-1);
	if (!aead && sk_integ(k, akey, msg->data, msg->len - icvlen,
	    msg->data + msg->len - icvlen) == -1)
		return (-1);
	return (0);
}

int
crypto_sk_open(const struct ike_keys *k, int initiator, const uint8_t *msg,
    size_t msglen, size_t iv_off, struct buf *out)
{
	const uint8_t *ekey = initiator ? k->sk_ei : k->sk_er;
	const uint8_t *akey = initiator ? k->sk_ai : k->sk_ar;
	int aead = crypto_encr_is_aead(k->s.encr);
	size_t ivlen = sk_ivlen(k), icvlen = sk_icvlen(k), ctlen, padlen;
	uint8_t icv[CRYPTO_ICV_MAX], tag[SK_AEAD_ICV], *pt;
	size_t start = out->len;

	if (sk_cipher(k) == NULL || icvlen == 0 || iv_off > msglen ||
	    msglen - iv_off < ivlen + icvlen + 1)
		return (-1);
	ctlen = msglen - iv_off - ivlen - icvlen;
	if (!aead && ctlen % SK_CBC_BLOCK != 0)
		return (-1);

	/* Integrity before decryption: never run CBC on forged input. */
	if (!aead) {
		if (sk_integ(k, akey, msg, msglen - icvlen, icv) == -1 ||
		    CRYPTO_memcmp(icv, msg + msglen - icvlen, icvlen) != 0)
			return (-1);
	} else
		memcpy(tag, msg + msglen - icvlen, SK_AEAD_ICV);

	if ((pt = buf_reserve(out, ctlen)) == NULL)
		return (-1);
	memcpy(pt, msg + iv_off + ivlen, ctlen);
	if (sk_crypt(k, 0, ekey, msg + iv_off, msg, iv_off, pt, ctlen,
	    tag) == -1)
		goto fail;
	/* §3.14: accept any padding that fits; its contents are not checked. */
	padlen = pt[ctlen - 1];
	if (padlen + 1 > ctlen)
		goto fail;
	OPENSSL_cleanse(pt + ctlen - padlen - 1, padlen + 1);
	out->len -= padlen + 1;
	return (0);
 fail:
	OPENSSL_cleanse(pt, ctlen);
	out->len = start;
	return (-1);
}
