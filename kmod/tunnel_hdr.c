// SPDX-License-Identifier: GPL-2.0
/*
 * The fields of a tunnel-mode outer header that policy decides, per SA:
 *
 * DF (outer IPv4 only; RFC 4301 §8.1): clear (the default: the outer
 * packet may be fragmented, and the peer reassembles it before ESP), set,
 * or copied from the inner packet (an IPv6 inner packet counts as DF set,
 * since nothing on its path may fragment it, as XFRM does).
 *
 * DSCP (RFC 4301 §5.1.2.1, RFC 2983): copied from the inner header (the
 * default), or mapped to one value for everything the SA carries, so the
 * outer path sees a class the tunnel's operator chose and not the inner
 * traffic's own marking. On decapsulation the inner DSCP is kept unless
 * the SA says DECAP_DSCP (SADB_SAFLAGS_DECAP_DSCP), in which case the
 * outer one is copied in.
 *
 * ECN (RFC 6040): on encapsulation, normal mode copies the inner field
 * (CE included); compatibility mode (SADB_SAFLAGS_NOECN) writes Not-ECT.
 * On decapsulation the outer and inner fields combine by RFC 6040 §4.2's
 * table (ecn_decap()); a CE mark on a packet whose inner field says it
 * cannot understand congestion marks (Not-ECT) must be dropped: the only
 * way left to signal that congestion. Counted InEcnDrop by the caller.
 *
 * Settings come from PF_KEY: NFIPSEC_SADB_X_EXT_TUNNEL_HDR
 * (uapi/nfipsec_pfkey.h) and the two sadb_sa_flags bits above.
 */
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "nfipsec_pfkey.h"
#include "tunnel_hdr.h"

/*
 * RFC 6040 §4.2, Figure 4: the ECN field the inner header leaves with,
 * for its arriving inner and outer fields; -1 to drop. Indexed by the
 * INET_ECN_* values (Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3).
 */
static int ecn_decap(u8 inner, u8 outer)
{
	inner &= INET_ECN_MASK;
	outer &= INET_ECN_MASK;
	if (inner == INET_ECN_NOT_ECT)
		return outer == INET_ECN_CE ? -1 : INET_ECN_NOT_ECT;
	if (outer == INET_ECN_CE)
		return INET_ECN_CE;
	/* ECT(0) inner under ECT(1) outer leaves as ECT(1) (the table). */
	if (outer == INET_ECN_ECT_1 && inner == INET_ECN_ECT_0)
		return INET_ECN_ECT_1;
	return inner;
}

u8 nfipsec_tunnel_outer_ds(const struct nfipsec_sa *sa, u8 inner_ds)
{
	u8 ecn = inner_ds & INET_ECN_MASK;	/* RFC 6040 §4.1, normal mode */
	u8 dscp = inner_ds & ~INET_ECN_MASK;

	if (sa->flags & NFIPSEC_SAF_NOECN)
		ecn = INET_ECN_NOT_ECT;		/* compatibility mode */
	if (sa->dscp_mode == NFIPSEC_DSCP_SET)
		dscp = sa->dscp << 2;
	return dscp | ecn;
}

__be16 nfipsec_tunnel_outer_df(const struct nfipsec_sa *sa,
			       const struct sk_buff *skb, u8 inner_family)
{
	switch (sa->df_mode) {
	case NFIPSEC_DF_SET:
		return htons(IP_DF);
	case NFIPSEC_DF_COPY:
		if (inner_family == AF_INET6)
			return htons(IP_DF);
		return ip_hdr(skb)->frag_off & htons(IP_DF);
	default:
		return 0;
	}
}

u8 nfipsec_tunnel_get_ds(const struct sk_buff *skb, u8 outer_family)
{
	return outer_family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb)) :
					 ipv6_get_dsfield(ipv6_hdr(skb));
}

int nfipsec_tunnel_decap_ds(const struct nfipsec_sa *sa, struct sk_buff *skb,
			    u8 inner_family, u8 outer_ds)
{
	u8 inner = inner_family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb)) :
					     ipv6_get_dsfield(ipv6_hdr(skb));
	int ecn = ecn_decap(inner, outer_ds);
	u8 ds;

	if (ecn < 0)
		return -EBADMSG;
	ds = (inner & ~INET_ECN_MASK) | ecn;
	if (sa->flags & NFIPSEC_SAF_DECAP_DSCP)
		ds = (outer_ds & ~INET_ECN_MASK) | ecn;
	if (ds == inner)
		return 0;
	/* The mask keeps nothing: the whole field is ours to write. */
	if (inner_family == AF_INET)
		ipv4_change_dsfield(ip_hdr(skb), 0, ds);
	else
		ipv6_change_dsfield(ipv6_hdr(skb), 0, ds);
	return 0;
}
