/* SPDX-License-Identifier: ISC */
/*
 * IKE identities (RFC 7296 §3.5): from config text, to log text, and
 * compared.  A struct config_id holds the octets of an ID payload after
 * its type, so what is configured is what goes on the wire.
 *
 * Text forms (strongSwan's, plus explicit prefixes):
 *	192.0.2.1, 2001:db8::1		ID_IPV4_ADDR / ID_IPV6_ADDR
 *	host.example.com, @host		ID_FQDN ("@" forces FQDN)
 *	user@example.com		ID_RFC822_ADDR
 *	C=CH, O=Example, CN=host	ID_DER_ASN1_DN (DER via OpenSSL; the
 *					first RDN written is the first in DER)
 *	0x0102..., @#0102...		ID_KEY_ID
 *	fqdn:, email:, ipv4:, ipv6:, dn:, keyid:	force a type
 */
#ifndef _KEYD_ID_H
#define _KEYD_ID_H

#include <stddef.h>

#include "config.h"

enum {
	ID_TEXT_MAX	= 512,		/* id_format() output, NUL included */
};

/* 0, or -1 with a static reason in *why. */
int	id_parse(const char *text, struct config_id *, const char **why);
/* From an ID payload (type, data); -1 if it is too long or malformed. */
int	id_from_payload(uint8_t type, const uint8_t *data, size_t len,
	    struct config_id *);
/* Printable text for logs, always NUL-terminated; returns buf. */
char	*id_format(const struct config_id *, char *buf, size_t len);
/*
 * Same identity?  FQDNs and RFC822 names compare ASCII without case (a
 * trailing dot counts), as the kernel's SPD Name selectors do; DNs in
 * OpenSSL's canonical form (case and white space folded, string types
 * ignored); the rest octet by octet.
 */
int	id_equal(const struct config_id *, const struct config_id *);
/* DNS names equal without case (id_equal's FQDN rule). */
int	id_dns_equal(const uint8_t *, size_t, const uint8_t *, size_t);
/*
 * DN subtree: peer's leading RDNs (DER order: the most significant first,
 * as written in keyd.conf) equal all of pat's and peer has more.
 */
int	id_dn_below(const struct config_id *pat, const struct config_id *peer);
/* A DN identity as an X509_NAME (the caller frees it), or NULL. */
struct X509_name_st *id_dn(const struct config_id *);

#endif /* _KEYD_ID_H */
