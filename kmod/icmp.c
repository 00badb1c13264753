// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP error messages and the SPD (RFC 4301 §6.1.1 and §6.1.2).
 *
 * An ICMP error belongs to the flow of the packet it quotes, not to its
 * own addresses: a security gateway reports "unreachable" from an address
 * of its own, which the SA's selectors do not cover, about a packet that
 * came through the SA. Classified by its own header, that error would
 * leave in clear (or be refused by the peer, whose SA does not carry it).
 * So for outbound errors the SPD is asked first with the quoted packet's
 * selectors, reversed (it came towards us: its destination is our side),
 * and the error goes out on that flow's SA; when the quoted flow has no
 * policy, the error is classified as itself.
 *
 * Inbound, an ICMP error that came through an SA must quote a packet the
 * SA could have carried the other way (§6.1.2): the quoted packet is one
 * we sent, so its source is our side. The policy for the quoted flow must
 * be PROTECT with a template the SA fits; anything else is dropped and
 * counted (InIcmpSelMismatch), so a peer cannot use an SA to deliver
 * errors about traffic the SA was never for.
 *
 * Quoted headers are read with skb_header_pointer(): no pull, any context.
 * A quote too short for the addresses is not an error message we can
 * place, and is classified as itself.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "path.h"

static bool is_error(u8 family, u8 type)
{
	if (family == AF_INET)
		return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
		       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
		       type == ICMP_PARAMETERPROB;
	return type < 128;	/* RFC 4443 §2.1: error messages are 0..127 */
}

/* The quoted packet's ports, or ICMP type and code, at @off. */
static void quoted_ports(const struct sk_buff *skb, unsigned int off,
			 u8 proto, bool first_frag, u16 *sport, u16 *dport)
{
	__be16 _p[2];
	const __be16 *p;

	*sport = 0;
	*dport = 0;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		return;
	}
	/* RFC 792/4443 quote at least 8 bytes past the IP header. */
	p = first_frag ? skb_header_pointer(skb, off, sizeof(_p), _p) : NULL;
	if (!p)
		return;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		*sport = ((const u8 *)p)[0];	/* type */
		*dport = ((const u8 *)p)[1];	/* code */
	} else {
		*sport = ntohs(p[0]);
		*dport = ntohs(p[1]);
	}
}

static bool ports_swap(u8 proto)
{
	return proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6;
}

bool nfipsec_icmp_error_flow(const struct sk_buff *skb,
			     const struct nfipsec_flow *outer, bool outbound,
			     struct nfipsec_flow *fl)
{
	unsigned int off = skb_network_offset(skb);
	union nf_inet_addr src = {}, dst = {};
	bool first_frag = true;
	u16 sport, dport;
	u8 proto;

	if (outer->proto != (outer->family == AF_INET ? IPPROTO_ICMP :
						      IPPROTO_ICMPV6) ||
	    (outer->flags & NFIPSEC_FLOW_PORTS_OPAQUE) ||
	    !is_error(outer->family, outer->lport))
		return false;

	if (outer->family == AF_INET) {
		struct iphdr _iph;
		const struct iphdr *iph;

		off += ip_hdr(skb)->ihl * 4 + sizeof(struct icmphdr);
		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5)
			return false;
		src.ip = iph->saddr;
		dst.ip = iph->daddr;
		proto = iph->protocol;
		first_frag = !(iph->frag_off & htons(IP_OFFSET));
		off += iph->ihl * 4;
	} else {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;
		int ioff;

		ioff = ipv6_skip_exthdr(skb, off + sizeof(struct ipv6hdr),
					&nexthdr, &frag_off);
		if (ioff < 0 || nexthdr != IPPROTO_ICMPV6)
			return false;
		off = ioff + sizeof(struct icmp6hdr);
		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return false;
		src.in6 = ip6h->saddr;
		dst.in6 = ip6h->daddr;
		nexthdr = ip6h->nexthdr;
		ioff = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr,
					&frag_off);
		/* A quote cut inside its extension headers: ports unknown. */
		if (ioff < 0) {
			first_frag = false;
			ioff = off + sizeof(*ip6h);
		}
		if (frag_off & htons(IP6_OFFSET))
			first_frag = false;
		proto = nexthdr;
		off = ioff;
	}
	quoted_ports(skb, off, proto, first_frag, &sport, &dport);

	memset(fl, 0, sizeof(*fl));
	fl->family = outer->family;
	fl->proto = proto;
	if (!first_frag)
		fl->flags |= NFIPSEC_FLOW_PORTS_OPAQUE;
	/* Outbound: it came to us, our side is its destination. */
	fl->local = outbound ? dst : src;
	fl->remote = outbound ? src : dst;
	if (ports_swap(proto) && outbound) {
		fl->lport = dport;
		fl->rport = sport;
	} else {
		fl->lport = sport;
		fl->rport = dport;
	}
	return true;
}

bool nfipsec_icmp_error_out(struct nfipsec_net *nn, const struct sk_buff *skb,
			    struct nfipsec_flow *fl,
			    struct nfipsec_spd_result *res)
{
	struct nfipsec_flow efl;

	if (!nfipsec_icmp_error_flow(skb, fl, true, &efl))
		return false;
	nfipsec_spd_lookup(nn, NFIPSEC_DIR_OUT, &efl, res);
	if (!res->pol)
		return false;
	*fl = efl;
	return true;
}
