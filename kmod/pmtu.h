/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path MTU of an SA (RFC 4301 §8): learned from ICMP errors that quote our
 * ESP or AH packets, aged, and reported to the senders of inner packets
 * that no longer fit. Owner: pmtu.c, tested by tests/pmtu_test.c.
 */
#ifndef _NFIPSEC_PMTU_H
#define _NFIPSEC_PMTU_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct net;
struct nfipsec_net;
struct nfipsec_sa;

/*
 * Input (LOCAL_IN, after the SPD accepted it): if @skb is an ICMPv4 Frag
 * Needed or ICMPv6 Packet Too Big quoting one of our outbound SAs' packets,
 * lower that SA's path MTU. Counted InPmtuUpdate, or InPmtuIgnored when it
 * quotes ESP/AH we did not send or cannot be believed. Any context.
 */
void nfipsec_pmtu_icmp(struct nfipsec_net *nn, const struct sk_buff *skb,
		       u8 family);

/* @sa's path MTU (outer packets), 0 when none is known or it aged out. */
unsigned int nfipsec_pmtu_get(const struct nfipsec_sa *sa);

/*
 * The largest packet that fits, once through the @n SAs of a bundle (the
 * first applied first), the path MTUs they learnt and @route_mtu (0: none)
 * for the outermost; 0 when there is neither.
 */
unsigned int nfipsec_pmtu_inner(struct nfipsec_sa *const *chain,
				unsigned int n, unsigned int route_mtu);

/*
 * Output, before protection: when @skb (of @family, not GSO) is longer
 * than @mtu and may not be fragmented (IPv4 DF, or IPv6), answer its
 * source with Frag Needed / Packet Too Big for @mtu, count OutTooBig and
 * return true: the caller drops it. Consumes nothing.
 */
bool nfipsec_pmtu_too_big(struct nfipsec_net *nn, struct sk_buff *skb,
			  u8 family, unsigned int mtu);

/* /proc/net/nfipsec_pmtu: the SAs with a path MTU, and its age. */
int nfipsec_pmtu_net_init(struct net *net);
void nfipsec_pmtu_net_exit(struct net *net);

#endif /* _NFIPSEC_PMTU_H */
