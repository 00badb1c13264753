// SPDX-License-Identifier: GPL-2.0
/*
 * The IP headers around ESP or AH, both ways (RFC 4301 §5.1.2, RFC 4303
 * §3.1, RFC 4302 §3.1: AH goes where ESP goes).
 * esp.c does the ESP header, trailer and crypto; this file decides where
 * ESP goes and builds or strips what surrounds it.
 *
 * Transport mode keeps the packet's own header in front of ESP: for IPv4
 * all of it, options included; for IPv6 the hop-by-hop and routing headers
 * and any destination options before a routing header (they are for the
 * hops on the way), which is where Linux's XFRM puts ESP too. A fragment
 * header or final-destination options go inside.
 *
 * Tunnel mode builds a new outer header of the SA's family, which need not
 * be the inner one's. Its DF bit, DSCP and ECN field are the SA's to
 * decide (tunnel_hdr.c): by default DF clear (the path MTU problem is the
 * outer packet's, and output.c sizes segments so that it rarely arises),
 * DSCP copied and ECN by RFC 6040's normal mode.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "ah.h"
#include "esp.h"
#include "path.h"
#include "tunnel_hdr.h"

/* Enough for any real chain; more is an attack on the parser. */
#define MAX_EXTHDRS	16

static int find_transport4(struct sk_buff *skb, struct nfipsec_encap *e)
{
	const struct iphdr *iph;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return -EINVAL;
	iph = ip_hdr(skb);
	e->hdrlen = iph->ihl * 4;
	e->nexthdr = iph->protocol;
	e->nhoff = offsetof(struct iphdr, protocol);
	e->outer_family = AF_INET;
	return pskb_may_pull(skb, e->hdrlen) ? 0 : -EINVAL;
}

/* The headers ESP goes after in transport mode: see the top of the file. */
static int find_transport6(struct sk_buff *skb, struct nfipsec_encap *e)
{
	unsigned int off = sizeof(struct ipv6hdr), i;
	u16 nhoff = offsetof(struct ipv6hdr, nexthdr);
	bool rthdr = false;
	u8 nexthdr;

	if (!pskb_may_pull(skb, off))
		return -EINVAL;
	nexthdr = ipv6_hdr(skb)->nexthdr;
	for (i = 0; i < MAX_EXTHDRS; i++) {
		const struct ipv6_opt_hdr *h;

		if (nexthdr == NEXTHDR_ROUTING)
			rthdr = true;
		else if (nexthdr != NEXTHDR_HOP &&
			 (nexthdr != NEXTHDR_DEST || rthdr))
			break;
		if (!pskb_may_pull(skb, off + sizeof(*h)))
			return -EINVAL;
		h = (const struct ipv6_opt_hdr *)(skb_network_header(skb) + off);
		nhoff = off;	/* ipv6_opt_hdr.nexthdr is its first byte */
		nexthdr = h->nexthdr;
		off += ipv6_optlen(h);
		if (!pskb_may_pull(skb, off))
			return -EINVAL;
	}
	if (i == MAX_EXTHDRS)
		return -EINVAL;
	e->hdrlen = off;
	e->nexthdr = nexthdr;
	e->nhoff = nhoff;
	e->outer_family = AF_INET6;
	return 0;
}

static int push_outer(const struct nfipsec_sa *sa, struct sk_buff *skb,
		      u8 inner_family, struct nfipsec_encap *e)
{
	struct dst_entry *dst = skb_dst(skb);
	unsigned int room;
	__be16 df;
	u8 ds;

	ds = inner_family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb)) :
				       ipv6_get_dsfield(ipv6_hdr(skb));
	ds = nfipsec_tunnel_outer_ds(sa, ds);
	df = nfipsec_tunnel_outer_df(sa, skb, inner_family);
	e->nexthdr = inner_family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	e->proto = sa->proto;
	e->outer_family = sa->family;
	e->hdrlen = sa->family == AF_INET ? sizeof(struct iphdr) :
					    sizeof(struct ipv6hdr);
	e->nhoff = sa->family == AF_INET ? offsetof(struct iphdr, protocol) :
					   offsetof(struct ipv6hdr, nexthdr);
	/* Room for the outer header, ESP's or AH's and the link layer's in
	 * one go.
	 */
	room = e->hdrlen + nfipsec_xform_hdrlen(sa, sa->family) +
	       LL_RESERVED_SPACE(dst->dev);
	if (skb_cow_head(skb, room))
		return -ENOMEM;
	skb_push(skb, e->hdrlen);
	skb_reset_network_header(skb);

	if (sa->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->version = 4;
		iph->ihl = 5;
		iph->tos = ds;
		iph->tot_len = 0;	/* encap_finish */
		iph->id = 0;
		iph->frag_off = df;
		iph->ttl = ip4_dst_hoplimit(dst);
		iph->protocol = sa->proto;
		iph->check = 0;
		iph->saddr = sa->saddr.ip;
		iph->daddr = sa->daddr.ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6_flow_hdr(ip6h, ds, 0);
		ip6h->payload_len = 0;
		ip6h->nexthdr = sa->proto;
		ip6h->hop_limit = ip6_dst_hoplimit(dst);
		ip6h->saddr = sa->saddr.in6;
		ip6h->daddr = sa->daddr.in6;
	}
	return 0;
}

int nfipsec_encap_prepare(const struct nfipsec_sa *sa, struct sk_buff *skb,
			  u8 inner_family, struct nfipsec_encap *e)
{
	skb_reset_network_header(skb);
	e->proto = sa->proto;
	if (sa->mode == NFIPSEC_MODE_TUNNEL)
		return push_outer(sa, skb, inner_family, e);
	if (sa->family != inner_family)
		return -EAFNOSUPPORT;
	return inner_family == AF_INET ? find_transport4(skb, e) :
					 find_transport6(skb, e);
}

void nfipsec_encap_finish(struct sk_buff *skb, const struct nfipsec_encap *e)
{
	skb_reset_network_header(skb);
	skb_network_header(skb)[e->nhoff] = e->proto;
	if (e->outer_family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
	}
	skb_set_transport_header(skb, e->hdrlen);
}

int nfipsec_encap_find_esp(struct sk_buff *skb, u8 family,
			   struct nfipsec_encap *e)
{
	int ret;

	if (family == AF_INET) {
		ret = find_transport4(skb, e);
		if (ret)
			return ret;
		if (ip_is_fragment(ip_hdr(skb)))
			return -ENOENT;
	} else {
		/* What transport-mode output keeps in front, and no more:
		 * ESP after final-destination options is not ours to take.
		 */
		ret = find_transport6(skb, e);
		if (ret)
			return ret;
	}
	if (e->nexthdr != IPPROTO_ESP && e->nexthdr != IPPROTO_AH)
		return -ENOENT;
	e->proto = e->nexthdr;
	/* The SPI and sequence number, linear (AH: after 4 bytes more). */
	return pskb_may_pull(skb, e->hdrlen + sizeof(struct ip_esp_hdr) +
			     (e->proto == IPPROTO_AH ? 4 : 0)) ? 0 : -EINVAL;
}

static int decap_transport(struct sk_buff *skb, const struct nfipsec_encap *e,
			   u8 nexthdr)
{
	u8 *old = skb_network_header(skb);

	/* The kept header sits in front of the pulled ESP header and IV. */
	if (skb_headroom(skb) < e->hdrlen || skb->data - e->hdrlen < old)
		return -EINVAL;
	memmove(skb->data - e->hdrlen, old, e->hdrlen);
	__skb_push(skb, e->hdrlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, e->hdrlen);
	skb_network_header(skb)[e->nhoff] = nexthdr;
	if (e->outer_family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
		return AF_INET;
	}
	ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
	return AF_INET6;
}

/* Tunnel mode: the payload is an IP packet; TFC padding may follow it. */
static int decap_tunnel(struct sk_buff *skb, u8 nexthdr)
{
	unsigned int len;

	skb_reset_network_header(skb);
	switch (nexthdr) {
	case IPPROTO_IPIP: {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = ip_hdr(skb);
		len = ntohs(iph->tot_len);
		if (iph->version != 4 || iph->ihl < 5 ||
		    len < iph->ihl * 4 || len > skb->len)
			return -EINVAL;
		if (pskb_trim(skb, len))
			return -ENOMEM;
		skb->protocol = htons(ETH_P_IP);
		skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);
		return AF_INET;
	}
	case IPPROTO_IPV6: {
		const struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = ipv6_hdr(skb);
		len = ntohs(ip6h->payload_len) + sizeof(*ip6h);
		if (ip6h->version != 6 || len > skb->len)
			return -EINVAL;
		if (pskb_trim(skb, len))
			return -ENOMEM;
		skb->protocol = htons(ETH_P_IPV6);
		skb_set_transport_header(skb, sizeof(*ip6h));
		return AF_INET6;
	}
	default:
		return -EINVAL;
	}
}

int nfipsec_decap(struct sk_buff *skb, u8 mode, const struct nfipsec_encap *e,
		  u8 nexthdr)
{
	if (mode == NFIPSEC_MODE_TUNNEL)
		return decap_tunnel(skb, nexthdr);
	return decap_transport(skb, e, nexthdr);
}
