/* SPDX-License-Identifier: ISC */
/* IKE_AUTH's share of IKE_SA_INIT (ike_auth.c). */
#ifndef _KEYD_IKE_AUTH_H
#define _KEYD_IKE_AUTH_H

#include "keyd.h"

/*
 * The authentication payloads of an IKE_SA_INIT message for connection
 * c: SIGNATURE_HASH_ALGORITHMS (RFC 7427) when either end uses a
 * certificate, and in the response CERTREQ for the CAs the peer's
 * certificate must chain to.
 */
void	ike_auth_init_payloads(struct keyd *, const struct config_conn *c,
	    struct ikev2_bld *, int response);

#endif /* _KEYD_IKE_AUTH_H */
