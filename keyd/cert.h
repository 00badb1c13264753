/* SPDX-License-Identifier: ISC */
/*
 * X.509 certificates for IKEv2 (RFC 7296 §3.6-3.7, RFC 4945), over
 * OpenSSL 3.  The types are opaque so the exchanges never see OpenSSL.
 *
 *   struct cert_local	our certificate, its chain and the private key
 *			(from a `private-*` secret whose key matches)
 *   struct cert_ca	the trusted CAs of a `cacerts` bundle
 *   struct cert_peer	a peer's validated end-entity certificate: the
 *			public key its AUTH is checked with (auth_sig.h)
 *
 * Every loader and checker returns NULL/-1 with a one-line reason in
 * `why` (for the log and for keyd --check).
 */
#ifndef _KEYD_CERT_H
#define _KEYD_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "ikev2_pld.h"

struct cert_local;
struct cert_ca;
struct cert_peer;

enum {
	CERT_DEPTH_MAX	= 8,		/* CAs between the leaf and the root */
	CERT_WHY_MAX	= 256,
};

/*
 * Load certfile (PEM: the end-entity certificate first, then any
 * intermediates) and find its private key among cfg's private-key
 * secrets.
 */
struct cert_local *cert_local_load(const char *certfile,
	    const struct keyd_config *cfg, char *why, size_t whylen);
void	cert_local_free(struct cert_local *);
/* Certificates to send, leaf first: CERT payload data (DER) of #i. */
int	cert_local_count(const struct cert_local *);
int	cert_local_der(const struct cert_local *, int i, struct buf *out);
/* Our subject DN as an identity (for a local end without `id`). */
int	cert_local_subject(const struct cert_local *, struct config_id *);
/* Does the certificate bind this identity?  (As cert_peer_check_id.) */
int	cert_local_has_id(const struct cert_local *, const struct config_id *);

/* Load a PEM bundle of trusted CA certificates. */
struct cert_ca *cert_ca_load(const char *cafile, char *why, size_t whylen);
void	cert_ca_free(struct cert_ca *);
/*
 * CERTREQ data (§3.7): the SHA-1 hashes of each CA's SubjectPublicKeyInfo,
 * concatenated; appended to out.
 */
int	cert_ca_certreq(const struct cert_ca *, struct buf *out);

/*
 * Validate the peer's CERT payloads (X.509 Certificate - Signature; the
 * first is the end-entity certificate, the rest may complete its chain)
 * against the trusted CAs: signatures, validity times, CA constraints,
 * depth, key usage; then check that the certificate binds peer_id
 * (subjectAltName dNSName / rfc822Name / iPAddress, the subject DN, or
 * for KEY_ID the subjectKeyIdentifier).  `now` 0 means the current time.
 */
struct cert_peer *cert_peer_verify(const struct cert_ca *,
	    const struct ikev2_cert_p *certs, unsigned ncert,
	    const struct config_id *peer_id, int64_t now, char *why,
	    size_t whylen);
void	cert_peer_free(struct cert_peer *);
/* The subject for logs. */
char	*cert_peer_subject(const struct cert_peer *, char *buf, size_t len);

/* For auth_sig.c: the keys (owned by their certificate structs). */
struct evp_pkey_st;
struct evp_pkey_st *cert_local_key(const struct cert_local *);
struct evp_pkey_st *cert_peer_key(const struct cert_peer *);

#endif /* _KEYD_CERT_H */
