/* SPDX-License-Identifier: ISC */
/*
 * keyd's cryptography, as thin wrappers over OpenSSL 3 EVP.
 *
 *   crypto.c     PRF, prf+, SKEYSEED and the IKE/Child SA keys, AUTH (PSK)
 *   crypto_dh.c  Diffie-Hellman and ECDH key exchange (MODP, ECP, X25519)
 *   crypto_sk.c  the Encrypted payload: AES-CBC + HMAC and AEAD
 *
 * Algorithms are named by their IKEv2 transform IDs (ikev2.h) throughout,
 * so the exchanges never see an OpenSSL type.  Every function returns 0 or
 * -1; nothing is logged here, the caller knows what it was doing.
 */
#ifndef _KEYD_CRYPTO_H
#define _KEYD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "ikev2.h"

enum {
	CRYPTO_PRF_MAX		= 64,	/* HMAC-SHA2-512 */
	CRYPTO_ENCR_KEY_MAX	= 36,	/* 256-bit key + 4-octet AEAD salt */
	CRYPTO_INTEG_KEY_MAX	= 64,
	CRYPTO_ICV_MAX		= 32,
	CRYPTO_NATD_LEN		= 20,
};

/* --- algorithm properties (0 = not supported) ------------------------ */

size_t	crypto_prf_size(uint16_t prf);
/* Octets of encryption key material, salt included; keylen in bits. */
size_t	crypto_encr_keylen(uint16_t encr, uint16_t keylen);
int	crypto_encr_is_aead(uint16_t encr);
size_t	crypto_integ_keylen(uint16_t integ);
size_t	crypto_integ_icvlen(uint16_t integ);

/* --- PRF and key derivation (RFC 7296 §2.13, §2.14, §2.17, §2.18) ---- */

/* prf(key, iov...) into out[crypto_prf_size(prf)]. */
int	crypto_prf(uint16_t prf, const uint8_t *key, size_t klen,
	    const struct iovec *iov, int iovcnt, uint8_t *out);
/* prf+(key, seed...) into out[outlen]; outlen <= 255 * prf size. */
int	crypto_prfplus(uint16_t prf, const uint8_t *key, size_t klen,
	    const struct iovec *seed, int seedcnt, uint8_t *out,
	    size_t outlen);

/* SKEYSEED = prf(Ni | Nr, g^ir) */
int	crypto_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, const uint8_t *gir,
	    size_t girlen, uint8_t *out);
/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), for IKE SA rekey. */
int	crypto_skeyseed_rekey(uint16_t prf, const uint8_t *skd, size_t skdlen,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint8_t *out);

/* The negotiated IKE SA transforms. */
struct crypto_suite {
	uint16_t	encr;
	uint16_t	encr_keylen;	/* bits; 0 when the algorithm has one */
	uint16_t	integ;		/* IKEV2_INTEG_NONE with AEAD */
	uint16_t	prf;
};

/* The seven IKE SA keys of §2.14, plus the AEAD IV counters. */
struct ike_keys {
	struct crypto_suite s;
	size_t		prf_len, integ_len, encr_len;
	uint8_t		sk_d[CRYPTO_PRF_MAX];
	uint8_t		sk_ai[CRYPTO_INTEG_KEY_MAX];
	uint8_t		sk_ar[CRYPTO_INTEG_KEY_MAX];
	uint8_t		sk_ei[CRYPTO_ENCR_KEY_MAX];
	uint8_t		sk_er[CRYPTO_ENCR_KEY_MAX];
	uint8_t		sk_pi[CRYPTO_PRF_MAX];
	uint8_t		sk_pr[CRYPTO_PRF_MAX];
	uint64_t	iv_seq;		/* our next AEAD IV (crypto_sk.c) */
};

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * SKEYSEED is crypto_prf_size(s->prf) octets.
 */
int	crypto_ike_keys(struct ike_keys *, const struct crypto_suite *,
	    const uint8_t *skeyseed, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen,
	    const uint8_t spii[IKEV2_SPI_SIZE],
	    const uint8_t spir[IKEV2_SPI_SIZE]);
void	crypto_ike_keys_wipe(struct ike_keys *);

/* Child SA keys (§2.17), one direction each; lengths in octets. */
struct child_keys {
	size_t		encr_len, integ_len;
	uint8_t		ei[CRYPTO_ENCR_KEY_MAX], ai[CRYPTO_INTEG_KEY_MAX];
	uint8_t		er[CRYPTO_ENCR_KEY_MAX], ar[CRYPTO_INTEG_KEY_MAX];
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), split as: initiator-to-
 * responder encryption then integrity key, then responder-to-initiator.
 * gir may be NULL (no PFS).
 */
int	crypto_child_keys(struct child_keys *, uint16_t prf,
	    const uint8_t *skd, size_t skdlen, const uint8_t *gir,
	    size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint16_t encr,
	    uint16_t encr_keylen, uint16_t integ);
void	crypto_child_keys_wipe(struct child_keys *);

/* --- AUTH (§2.15) ----------------------------------------------------- */

/*
 * <SignedOctets> = RealMessage | NonceData of the peer | prf(SK_p, IDbody)
 * appended to out.  For the initiator: its IKE_SA_INIT request, Nr, SK_pi
 * and IDi's body; for the responder: its response, Ni, SK_pr and IDr.
 */
int	crypto_auth_octets(uint16_t prf, const uint8_t *skp, size_t skplen,
	    const uint8_t *msg, size_t msglen, const uint8_t *nonce,
	    size_t noncelen, const uint8_t *idbody, size_t idlen,
	    struct buf *out);
/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) */
int	crypto_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen,
	    const uint8_t *octets, size_t olen, uint8_t *out);
/* Constant-time check of a received PSK AUTH value. */
int	crypto_psk_verify(uint16_t prf, const uint8_t *psk, size_t psklen,
	    const uint8_t *octets, size_t olen, const uint8_t *auth,
	    size_t authlen);

/* --- misc ------------------------------------------------------------ */

int	crypto_random(uint8_t *, size_t);
/* NAT-D hash (§2.23): SHA-1(SPIi | SPIr | IP | port), port host order. */
int	crypto_natd(const uint8_t spii[IKEV2_SPI_SIZE],
	    const uint8_t spir[IKEV2_SPI_SIZE], const uint8_t *addr,
	    size_t alen, uint16_t port, uint8_t out[CRYPTO_NATD_LEN]);

/* --- Diffie-Hellman (crypto_dh.c) ------------------------------------ */

struct crypto_dh;

/* KE payload data length for the group (0: unsupported). */
size_t	crypto_dh_publen(uint16_t group);
/* g^ir length: the modulus, the field element (RFC 5903), or 32. */
size_t	crypto_dh_secretlen(uint16_t group);
/* A fresh key pair for `group`. */
struct crypto_dh *crypto_dh_new(uint16_t group);
void	crypto_dh_free(struct crypto_dh *);
uint16_t crypto_dh_group(const struct crypto_dh *);
/* Our public value in IKEv2 encoding, crypto_dh_publen() octets. */
int	crypto_dh_public(const struct crypto_dh *, uint8_t *out, size_t len);
/*
 * g^ir from the peer's KE data, crypto_dh_secretlen() octets.  Fails on a
 * public value of the wrong length or one that is not a valid group
 * element (RFC 6989 checks: range and subgroup, or point on curve).
 */
int	crypto_dh_derive(const struct crypto_dh *, const uint8_t *peer,
	    size_t peerlen, uint8_t *secret, size_t len);

/* --- the Encrypted payload (crypto_sk.c) ------------------------------ */

/* IV and ICV octets the SK payload adds around the ciphertext. */
size_t	crypto_sk_overhead(const struct ike_keys *);

/*
 * Encrypt `plain` into the SK payload that ikev2_bld_sk() opened at
 * sk_off in msg (which must end right after its generic header, or after
 * the SKF fragment fields).  Appends IV | ciphertext | ICV and sets the SK
 * and IKE header lengths before integrity or AAD are computed.
 * `initiator`: we are the original initiator (use SK_ei/SK_ai).
 */
int	crypto_sk_seal(struct ike_keys *, int initiator, struct buf *msg,
	    size_t sk_off, const uint8_t *plain, size_t plen);
/*
 * Check and decrypt an SK payload of a received message: iv_off is where
 * the IV starts (the SK body).  The plaintext, padding removed, is
 * appended to out.  `initiator`: the sender was the original initiator.
 */
int	crypto_sk_open(const struct ike_keys *, int initiator,
	    const uint8_t *msg, size_t msglen, size_t iv_off,
	    struct buf *out);

#endif /* _KEYD_CRYPTO_H */
