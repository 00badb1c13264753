// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal (RFC 3948): ESP carried in UDP, for the SAs PF_KEY gave
 * SADB_X_EXT_NAT_T_TYPE (UDP_ENCAP_ESPINUDP, with NAT_T_SPORT/DPORT; a
 * port left out is 4500).
 *
 * Output: the ESP packet is built as usual, then a UDP header goes between
 * the kept IP header and ESP, from the SA's ports. Its checksum is 0 over
 * IPv4 (RFC 3948 §3.1.1) and computed over IPv6, where 0 is not allowed
 * (RFC 8200 §8.1). Our own ESP-in-UDP coming back through LOCAL_OUT is
 * recognised by nfipsec_natt_is_ours() (an outbound SA of ours with this
 * SPI, these addresses and these ports) and passes, as ESP does. What
 * tells it from a datagram a local program wrote to look the same (UDP
 * port 4500 is not privileged) is the owner: we orphan the packets we
 * build, and every datagram a program writes belongs to its socket. So a
 * program's datagram is classified like any other, even the IKE socket's
 * own when a policy covers it.
 *
 * Input: no socket needed. At PRE_ROUTING a UDP datagram is ours when its
 * payload starts with a non-zero SPI (not the non-ESP marker of IKE, RFC
 * 3948 §2.2, nor the one-byte 0xff keepalive, §2.3) that names one of our
 * encapsulated SAs whose NAT_T_DPORT is the datagram's destination port.
 * Then the UDP header is cut out and the packet goes on as plain ESP.
 * Everything else, IKE and keepalives included, is left to the stack and
 * reaches the UDP socket untouched. The UDP checksum of a datagram we take
 * is not checked: ESP's ICV covers what it covers, better.
 *
 * After the ICV verified:
 *  - transport mode: the inner TCP/UDP checksum was computed over the
 *    addresses before the NAT, so it cannot be checked against ours; the
 *    packet is marked CHECKSUM_UNNECESSARY, as Linux's XFRM does, instead
 *    of being patched from NAT_OA (RFC 3948 §3.1.2 allows both; the ICV
 *    already protects the segment end to end, which is what the checksum
 *    was for). NAT_OA is kept on the SA and reported, not used.
 *  - when the packet's source address or port is not the SA's, the NAT
 *    in front of the peer changed its mapping: SADB_X_NAT_T_NEW_MAPPING
 *    goes to the key managers registered for ESP, at most once a second
 *    per SA. The SA itself is not changed: that is the key manager's
 *    decision (it UPDATEs or re-adds the SA), as with af_key.
 *  - ESP in UDP for an SA without NAT-T, or plain ESP for one with it, is
 *    dropped (InStateMismatch): the two ends disagree about the SA.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "esp.h"
#include "natt.h"
#include "netns.h"
#include "pfkey.h"

static __be16 sa_port(__be16 port)
{
	return port ?: htons(NFIPSEC_NATT_PORT);
}

static bool addr_eq(u8 family, const union nf_inet_addr *a,
		    const union nf_inet_addr *b)
{
	if (family == AF_INET)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

/* Lengths, protocol byte and IPv4 checksum of the kept header. */
static void fix_header(struct sk_buff *skb, const struct nfipsec_encap *e,
		       u8 proto)
{
	skb_network_header(skb)[e->nhoff] = proto;
	if (e->outer_family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
	}
}

int nfipsec_natt_input(struct nfipsec_net *nn, struct sk_buff *skb,
		       u8 family, struct nfipsec_encap *e,
		       struct nfipsec_natt_in *ni)
{
	unsigned int off = e->hdrlen, ulen;
	const struct udphdr *uh;
	union nf_inet_addr daddr = {};
	struct nfipsec_sa *sa;
	bool ours;
	__be32 spi;
	u8 *nh;

	if (family == AF_INET && ip_is_fragment(ip_hdr(skb)))
		return -ENOENT;
	/* UDP, SPI and sequence number: shorter is a keepalive or not ESP. */
	if (!pskb_may_pull(skb, off + sizeof(*uh) + sizeof(struct ip_esp_hdr)))
		return -ENOENT;
	nh = skb_network_header(skb);
	uh = (const struct udphdr *)(nh + off);
	spi = ((const struct ip_esp_hdr *)(uh + 1))->spi;
	if (!spi)
		return -ENOENT;		/* the non-ESP marker: IKE */
	if (family == AF_INET) {
		daddr.ip = ip_hdr(skb)->daddr;
		ni->saddr.ip = ip_hdr(skb)->saddr;
	} else {
		daddr.in6 = ipv6_hdr(skb)->daddr;
		ni->saddr.in6 = ipv6_hdr(skb)->saddr;
	}
	rcu_read_lock();
	sa = nfipsec_sad_lookup_rcu(nn, IPPROTO_ESP, spi, family, &daddr);
	ours = sa && sa->encap_type && uh->dest == sa_port(sa->encap_dport);
	rcu_read_unlock();
	if (!ours)
		return -ENOENT;

	ulen = ntohs(uh->len);
	if (ulen != skb->len - off)
		return -EINVAL;
	ni->sport = uh->source;
	ni->encap = true;
	if (skb_ensure_writable(skb, off + sizeof(*uh)))
		return -ENOMEM;
	/* Move the IP header up over the UDP header. */
	nh = skb_network_header(skb);
	memmove(nh + sizeof(*uh), nh, off);
	__skb_pull(skb, sizeof(*uh));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, off);
	e->nexthdr = IPPROTO_ESP;
	fix_header(skb, e, IPPROTO_ESP);
	/* The bytes moved: a hardware sum no longer describes them. */
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/* Tell the key managers, at most once a second per SA. */
static void new_mapping(struct nfipsec_sa *sa, const struct nfipsec_natt_in *ni)
{
	unsigned long last = READ_ONCE(sa->natt_mapping_sent);
	unsigned long now = jiffies | 1;	/* 0 means never */

	if (last && time_before(now, last + HZ))
		return;
	if (cmpxchg(&sa->natt_mapping_sent, last, now) != last)
		return;			/* another CPU reports it */
	nfipsec_pfkey_new_mapping(sa, &ni->saddr, ni->sport);
}

bool nfipsec_natt_input_done(struct nfipsec_sa *sa, struct sk_buff *skb,
			     const struct nfipsec_natt_in *ni)
{
	if (!sa->encap_type != !ni->encap) {
		nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_IN_STATE_MISMATCH);
		return false;
	}
	if (!ni->encap)
		return true;
	if (sa->mode == NFIPSEC_MODE_TRANSPORT)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (!addr_eq(sa->family, &ni->saddr, &sa->saddr) ||
	    ni->sport != sa_port(sa->encap_sport))
		new_mapping(sa, ni);
	return true;
}

int nfipsec_natt_output(const struct nfipsec_sa *sa, struct sk_buff *skb,
			struct nfipsec_encap *e)
{
	unsigned int hl = e->hdrlen, len;
	struct udphdr *uh;
	u8 *nh;

	skb_orphan(skb);	/* see nfipsec_natt_is_ours() */
	if (skb_cow_head(skb, sizeof(*uh)))
		return -ENOMEM;
	nh = skb_push(skb, sizeof(*uh));
	memmove(nh, nh + sizeof(*uh), hl);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hl);
	len = skb->len - hl;
	uh = (struct udphdr *)(nh + hl);
	uh->source = sa_port(sa->encap_sport);
	uh->dest = sa_port(sa->encap_dport);
	uh->len = htons(len);
	uh->check = 0;
	fix_header(skb, e, IPPROTO_UDP);
	if (e->outer_family == AF_INET6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		uh->check = udp_v6_check(len, &ip6h->saddr, &ip6h->daddr,
					 skb_checksum(skb, hl, len, 0));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

bool nfipsec_natt_is_ours(struct nfipsec_net *nn, struct sk_buff *skb,
			  const struct nfipsec_flow *fl)
{
	struct {
		struct udphdr uh;
		__be32 spi;
	} _h;
	const struct nfipsec_sa *sa;
	const typeof(_h) *h;
	int off;

	if (skb->sk)
		return false;	/* a socket's: see the top of the file */
	if (fl->family == AF_INET) {
		off = ip_hdrlen(skb);
	} else {
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag;

		off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
				       &frag);
		if (off < 0 || nexthdr != IPPROTO_UDP)
			return false;
	}
	h = skb_header_pointer(skb, skb_network_offset(skb) + off,
			       sizeof(_h), &_h);
	if (!h || !h->spi)
		return false;
	sa = nfipsec_sad_lookup_rcu(nn, IPPROTO_ESP, h->spi, fl->family,
				    &fl->remote);
	return sa && sa->encap_type &&
	       h->uh.source == sa_port(sa->encap_sport) &&
	       h->uh.dest == sa_port(sa->encap_dport) &&
	       addr_eq(fl->family, &sa->saddr, &fl->local);
}
