/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tunnel-mode outer header's per-SA fields: DF, DSCP and ECN (RFC 4301
 * §5.1.2.1 and §8.1, RFC 6040). Owner: tunnel_hdr.c; settings come from
 * PF_KEY (NFIPSEC_SADB_X_EXT_TUNNEL_HDR, SADB_SAFLAGS_NOECN and _DECAP_DSCP).
 * All of it runs in the hooks' context and takes no lock.
 */
#ifndef _NFIPSEC_TUNNEL_HDR_H
#define _NFIPSEC_TUNNEL_HDR_H

#include <linux/skbuff.h>

#include "sa.h"

/* Encapsulation: the outer DS field (DSCP and ECN) for an inner one. */
u8 nfipsec_tunnel_outer_ds(const struct nfipsec_sa *sa, u8 inner_ds);
/*
 * Encapsulation: the outer IPv4 frag_off (DF or not) for the inner packet
 * of @inner_family at skb->data.
 */
__be16 nfipsec_tunnel_outer_df(const struct nfipsec_sa *sa,
			       const struct sk_buff *skb, u8 inner_family);
/* Decapsulation: the DS field of the outer header at the network header. */
u8 nfipsec_tunnel_get_ds(const struct sk_buff *skb, u8 outer_family);
/*
 * Decapsulation, the inner packet (of @inner_family) now at the network
 * header: combine the outer DS field @outer_ds into it (RFC 6040 §4.2,
 * and the outer DSCP when the SA says DECAP_DSCP). -EBADMSG when RFC 6040
 * says drop (outer CE, inner Not-ECT). The caller has unshared the header.
 */
int nfipsec_tunnel_decap_ds(const struct nfipsec_sa *sa, struct sk_buff *skb,
			    u8 inner_family, u8 outer_ds);

#endif /* _NFIPSEC_TUNNEL_HDR_H */
