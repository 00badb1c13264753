/* SPDX-License-Identifier: ISC */
/*
 * The Peer Authorization Database (RFC 4301 §4.4.3): which peer
 * identities may authenticate, how, and which child SA traffic selectors
 * each may ask for.
 *
 * Entries are searched in order, the first match wins (§4.4.3): the
 * `pad { }` sections of keyd.conf as written, then one entry implied by
 * each connection (its remote id pattern, remote auth, remote_addrs and
 * the children's remote_ts).
 *
 * Pattern text (keyd.conf `id` values under remote, pad and secrets):
 *	%any or *			anyone
 *	*.family.example		an FQDN below family.example (not
 *					family.example itself, not
 *					evil-family.example)
 *	*@family.example		an RFC822 name in exactly that domain
 *	C=CH, O=Family, *		a DN below C=CH, O=Family: its leading
 *					RDNs in DER order equal these and at
 *					least one more follows
 *	192.0.2.0/24, 192.0.2.1-192.0.2.9	an IPv4/IPv6 address ID in range
 *	anything else			exactly that identity (id.h)
 * DNS names and RFC822 names compare ASCII without case, a trailing dot
 * counting; "*@domain" wants one local part without another "@".  These
 * are the kernel's SPD Name selector rules (uapi/nfipsec_pfkey.h,
 * NFIPSEC_SADB_X_EXT_NAME, kmod/name_sel.c), so the PAD and the kernel
 * agree on every name they both see; when keyd pushes a pattern it must
 * set the identity type (FQDN for "*.dom", USERFQDN for "*@dom"), which
 * the PAD implies.  DN attributes compare in OpenSSL's canonical form.
 */
#ifndef _KEYD_PAD_H
#define _KEYD_PAD_H

#include <sys/socket.h>

#include "config.h"
#include "ikev2_pld.h"

/* 0, or -1 with a static reason in *why. */
int	idpat_parse(const char *text, struct config_idpattern *,
	    const char **why);
int	idpat_match(const struct config_idpattern *,
	    const struct config_id *peer);
/* Pattern text for logs; returns buf. */
char	*idpat_format(const struct config_idpattern *, char *buf, size_t len);

/*
 * The pattern as the kernel's SPD Name selector says it
 * (NFIPSEC_SADB_X_EXT_NAME): the text into buf and the SADB_IDENTTYPE
 * into *type (0: any type).  -1 if the kernel has no form for it: DN
 * and address patterns, KEY_IDs, a pattern longer than NAME_SEL_MAX.
 */
enum { NAME_SEL_MAX = 127 };
int	idpat_name(const struct config_idpattern *, char *buf, size_t len,
	    uint8_t *type);

/*
 * The first PAD entry for this authenticated peer identity arriving from
 * peer_addr (may be NULL: address constraints then fail), or NULL.
 */
const struct config_pad *pad_lookup(const struct keyd_config *,
	    const struct config_id *peer, const struct sockaddr *peer_addr);

/*
 * May the peer ask for this traffic selector (its side of the child SA)?
 * It must lie inside one of the entry's selectors; "dynamic" there means
 * the peer's IKE address.  An entry without selectors allows any.
 */
int	pad_ts_allowed(const struct config_pad *, const struct ikev2_ts_p *,
	    const struct sockaddr *peer_addr);

/*
 * Populate from packet (RFC 4301 §4.4.1.2): the selector an SA gets from
 * the policy's selector `ts` and the packet that triggered it.  Each
 * field whose PFP bit is set (PFP_LOCAL_* when ts is our side, else
 * PFP_REMOTE_*; PFP_PROTO for both) becomes the packet's value alone:
 * the address (addr), the protocol (proto) and the port (port; ignored
 * unless the protocol has ports).  A packet outside ts leaves it as it is
 * and returns -1; a dynamic ts is returned unchanged.
 */
int	pad_pfp_ts(int pfp, int local, const struct config_ts *ts,
	    const struct sockaddr *addr, uint8_t proto, uint16_t port,
	    struct config_ts *out);

#endif /* _KEYD_PAD_H */
