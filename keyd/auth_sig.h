/* SPDX-License-Identifier: ISC */
/*
 * Signature AUTH (RFC 7296 §2.15, §3.8): the AUTH payload data for our
 * certificate's key, and the check of a peer's.  The signed octets are
 * what crypto_auth_octets() builds; these functions only sign and verify.
 *
 * Methods:
 *   1	RSA PKCS#1 v1.5 with SHA-1 (only when the peer did not announce
 *	SIGNATURE_HASH_ALGORITHMS, as RFC 7427 §4 requires)
 *   9/10/11  ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, the
 *	signature as r | s (RFC 4754)
 *   14	RFC 7427 Digital Signature: an AlgorithmIdentifier, then the
 *	signature.  We sign RSA keys with RSASSA-PSS (salt = hash length,
 *	MGF1 with the same hash) and EC keys with DER ECDSA; we verify
 *	PSS, PKCS#1 v1.5 (sha256/384/512WithRSAEncryption) and ECDSA with
 *	SHA-256/384/512, and Ed25519.
 */
#ifndef _KEYD_AUTH_SIG_H
#define _KEYD_AUTH_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"

/*
 * The SIGNATURE_HASH_ALGORITHMS notify data we send in IKE_SA_INIT:
 * SHA2-256, SHA2-384, SHA2-512 and Identity, 16 bits each; appended.
 */
int	auth_sig_hashes(struct buf *out);

/*
 * Sign `octets` with our key.  peer_sighash is msg->sighash from the
 * peer's IKE_SA_INIT (bit n = hash n; 0 if it sent none): with a SHA-2
 * hash in common method 14 is used, else 1 or 9/10/11.  Sets *method
 * and appends the AUTH data (after the method and reserved octets).
 */
int	auth_sig_sign(const struct cert_local *, uint32_t peer_sighash,
	    const uint8_t *octets, size_t olen, uint8_t *method,
	    struct buf *out);

/*
 * Check a peer's AUTH payload (method and data) over `octets` with its
 * validated certificate's key.  0 if valid; -1 with a reason otherwise
 * (a method that does not fit the key, a hash we did not offer, a bad
 * signature).
 */
int	auth_sig_verify(const struct cert_peer *, uint8_t method,
	    const uint8_t *auth, size_t authlen, const uint8_t *octets,
	    size_t olen, char *why, size_t whylen);

#endif /* _KEYD_AUTH_SIG_H */
