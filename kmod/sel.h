/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traffic selectors (RFC 4301 §4.4.1.1) and the flow key a packet is
 * classified by. Owner: spd.c / classify.c.
 *
 * Direction-neutral naming, as in RFC 4301: "local" is our side. For an
 * outbound packet local = source; for an inbound one local = destination.
 * Addresses and ports are ranges, inclusive at both ends; a prefix is just
 * the range it covers. Ports carry ICMP type (local) and code (remote), or
 * the Mobility Header type (local), when the protocol has no ports, which
 * is how KAME and Linux PF_KEY encode them in sadb_address ports.
 */
#ifndef _NFIPSEC_SEL_H
#define _NFIPSEC_SEL_H

#include <linux/netfilter.h>
#include <linux/types.h>

#define NFIPSEC_PROTO_ANY	0	/* next-layer protocol wildcard */

enum nfipsec_sel_flags {
	/*
	 * Ports are OPAQUE: matches only packets whose ports are unknown
	 * (non-initial fragments, encrypted next headers).
	 */
	NFIPSEC_SEL_LPORT_OPAQUE = 1 << 0,
	NFIPSEC_SEL_RPORT_OPAQUE = 1 << 1,
};

struct nfipsec_addr_range {
	union nf_inet_addr lo, hi;	/* network byte order, lo <= hi */
};

struct nfipsec_sel {
	u8 family;		/* AF_INET or AF_INET6 */
	u8 proto;		/* IPPROTO_*, or NFIPSEC_PROTO_ANY */
	u8 flags;		/* enum nfipsec_sel_flags */
	struct nfipsec_addr_range local, remote;
	u16 lport_lo, lport_hi;	/* host byte order; 0..65535 = ANY */
	u16 rport_lo, rport_hi;
};

enum nfipsec_flow_flags {
	/*
	 * Ports could not be read (non-initial fragment): matches OPAQUE or
	 * ANY port selectors only.
	 */
	NFIPSEC_FLOW_PORTS_OPAQUE = 1 << 0,
};

/* What a packet is classified by: one point in selector space. */
struct nfipsec_flow {
	u8 family;
	u8 proto;
	u8 flags;		/* enum nfipsec_flow_flags */
	union nf_inet_addr local, remote;
	u16 lport, rport;	/* host byte order; ICMP type/code, MH type */
};

/* True when the flow lies inside the selector. Pure; any context. */
bool nfipsec_sel_match(const struct nfipsec_sel *sel,
		       const struct nfipsec_flow *fl);
/* True when some flow matches both selectors. */
bool nfipsec_sel_overlap(const struct nfipsec_sel *a,
			 const struct nfipsec_sel *b);
/* True when both selectors describe exactly the same traffic. */
bool nfipsec_sel_equal(const struct nfipsec_sel *a,
		       const struct nfipsec_sel *b);
/* Fill a selector from a prefix pair (PF_KEY's sadb_address form). */
void nfipsec_sel_set_prefix(struct nfipsec_addr_range *r, u8 family,
			    const union nf_inet_addr *addr, u8 prefixlen);
/* Prefix length of @r if it is exactly one prefix, else -1. */
int nfipsec_sel_prefixlen(const struct nfipsec_addr_range *r, u8 family);

#endif /* _NFIPSEC_SEL_H */
