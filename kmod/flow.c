// SPDX-License-Identifier: GPL-2.0
/*
 * From a packet to the point in selector space it is classified by
 * (RFC 4301 §4.4.1.1, §7 for fragments).
 *
 * Ports follow what KAME and Linux PF_KEY put in sadb_address ports:
 * TCP, UDP, UDP-Lite, SCTP and DCCP give their two ports; ICMP and ICMPv6
 * give the type as the local port and the code as the remote one, whatever
 * the direction; the IPv6 Mobility Header gives its type as the local port.
 * A packet whose upper-layer header cannot be read — a non-initial
 * fragment, or a first fragment cut before the ports — has OPAQUE ports.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "flow.h"

/* Enough for any real chain; a longer one is an attack on the parser. */
#define MAX_EXTHDRS	16

/* The ports of @proto at @off, or -ENOENT when they cannot be read. */
static int read_ports(const struct sk_buff *skb, unsigned int off, u8 proto,
		      u16 *src, u16 *dst)
{
	__be16 buf[2], *pp;
	u8 *p;

	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		pp = skb_header_pointer(skb, off, sizeof(buf), buf);
		if (!pp)
			return -ENOENT;
		*src = ntohs(pp[0]);
		*dst = ntohs(pp[1]);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p = skb_header_pointer(skb, off, 2, buf);
		if (!p)
			return -ENOENT;
		*src = p[0];		/* type */
		*dst = p[1];		/* code */
		return 0;
	case IPPROTO_MH:
		/* struct ip6_mh: proto, hdrlen, type */
		p = skb_header_pointer(skb, off, 3, buf);
		if (!p)
			return -ENOENT;
		*src = p[2];
		*dst = 0;
		return 0;
	default:
		*src = 0;
		*dst = 0;
		return 0;
	}
}

/* ICMP type/code and MH type are not swapped with the direction. */
static bool ports_directional(u8 proto)
{
	return proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6 &&
	       proto != IPPROTO_MH;
}

static void set_ports(struct nfipsec_flow *fl, const struct sk_buff *skb,
		      unsigned int off, bool first_frag, bool outbound)
{
	u16 src, dst;

	if (!first_frag || read_ports(skb, off, fl->proto, &src, &dst)) {
		fl->flags |= NFIPSEC_FLOW_PORTS_OPAQUE;
		fl->lport = 0;
		fl->rport = 0;
		return;
	}
	if (outbound || !ports_directional(fl->proto)) {
		fl->lport = src;
		fl->rport = dst;
	} else {
		fl->lport = dst;
		fl->rport = src;
	}
}

static int flow4(const struct sk_buff *skb, bool outbound,
		 struct nfipsec_flow *fl)
{
	unsigned int off = skb_network_offset(skb), ihl;
	struct iphdr _iph;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4)
		return -EINVAL;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || off + ihl > skb->len)
		return -EINVAL;

	fl->family = AF_INET;
	fl->proto = iph->protocol;
	if (outbound) {
		fl->local.ip = iph->saddr;
		fl->remote.ip = iph->daddr;
	} else {
		fl->local.ip = iph->daddr;
		fl->remote.ip = iph->saddr;
	}
	set_ports(fl, skb, off + ihl, !(iph->frag_off & htons(IP_OFFSET)),
		  outbound);
	return 0;
}

static int flow6(const struct sk_buff *skb, bool outbound,
		 struct nfipsec_flow *fl)
{
	unsigned int off = skb_network_offset(skb);
	const struct ipv6hdr *ip6;
	struct ipv6hdr _ip6;
	bool first_frag = true;
	unsigned int i;
	u8 nexthdr;

	ip6 = skb_header_pointer(skb, off, sizeof(_ip6), &_ip6);
	if (!ip6 || ip6->version != 6)
		return -EINVAL;
	fl->family = AF_INET6;
	if (outbound) {
		fl->local.in6 = ip6->saddr;
		fl->remote.in6 = ip6->daddr;
	} else {
		fl->local.in6 = ip6->daddr;
		fl->remote.in6 = ip6->saddr;
	}
	nexthdr = ip6->nexthdr;
	off += sizeof(*ip6);

	for (i = 0; i < MAX_EXTHDRS; i++) {
		struct ipv6_opt_hdr _h;
		const struct ipv6_opt_hdr *h;
		struct frag_hdr _fh;
		const struct frag_hdr *fh;

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			h = skb_header_pointer(skb, off, sizeof(_h), &_h);
			if (!h)
				goto opaque;
			nexthdr = h->nexthdr;
			off += ipv6_optlen(h);
			break;
		case NEXTHDR_FRAGMENT:
			fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
			if (!fh)
				goto opaque;
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
			if (fh->frag_off & htons(IP6_OFFSET)) {
				/* RFC 4301 §7: the next header of a
				 * non-initial fragment is known, its
				 * ports are not.
				 */
				first_frag = false;
				goto done;
			}
			break;
		default:
			/* AH, like ESP, is the next layer (as in IPv4):
			 * a policy may select it, and IPsec packets pass
			 * output's re-entry check (output.c).
			 */
			goto done;
		}
	}
	return -EINVAL;		/* absurdly long chain */

opaque:
	/* The chain runs past the packet: the upper layer is unknown. */
	fl->proto = nexthdr;
	fl->flags |= NFIPSEC_FLOW_PORTS_OPAQUE;
	fl->lport = 0;
	fl->rport = 0;
	return 0;
done:
	fl->proto = nexthdr;
	set_ports(fl, skb, off, first_frag, outbound);
	return 0;
}

int nfipsec_flow_from_skb(const struct sk_buff *skb, u8 family, bool outbound,
			  struct nfipsec_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	switch (family) {
	case AF_INET:
		return flow4(skb, outbound, fl);
	case AF_INET6:
		return flow6(skb, outbound, fl);
	default:
		return -EINVAL;
	}
}
