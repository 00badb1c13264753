// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU through SAs (RFC 4301 §8.2).
 *
 * Learning. A router that cannot forward one of our ESP or AH packets
 * answers its source, us, with an ICMPv4 Frag Needed (outer DF set) or an
 * ICMPv6 Packet Too Big, quoting the packet's outer header and at least
 * the SPI. The quote names the SA: (SPI, destination, protocol) is its
 * SAD key, and the quoted source must be the SA's own; ESP in UDP (NAT-T)
 * must also quote the SA's ports. That is all we can authenticate (§8.1:
 * the message itself is not protected), so an error can only ever lower
 * the MTU of an SA we really use towards that address: never below the
 * minimum of the outer family (576 for IPv4, 1280 for IPv6), never for a
 * quoted packet that was not bigger than the MTU claimed, and never up (an
 * increase is learnt by aging, below). Errors that quote ESP or AH but no
 * SA of ours, or fail those checks, are counted InPmtuIgnored; the others
 * InPmtuUpdate. An SA added with SADB_SAFLAGS_NOPMTUDISC learns nothing.
 *
 * Aging (§8.2.2). The value is kept pmtu_expires seconds (module
 * parameter, default 600) after the last error that set or confirmed it;
 * then the SA goes back to full size and a router that still cannot take
 * it says so again. The parameter is read when the value is, so changing
 * it applies to values already learnt.
 *
 * Use (output.c). The MTU of a bundle's inner packet is the path MTU minus
 * what each SA adds (outer header, ESP's or AH's, NAT-T's UDP header):
 * nfipsec_pmtu_inner(). A packet longer than that which may not be
 * fragmented (IPv4 with DF, or IPv6 not allowed to fragment by its own
 * socket) gets Frag Needed or Packet Too Big, sent to its source with that
 * MTU, like a router's (§8.2.1), and is dropped (OutTooBig); local
 * senders get it too, through loopback, and lower the route's MTU as for
 * any router. For their packets the route's configured MTU (or its
 * device's; not what the route learnt, which our own errors lowered by
 * ESP's overhead already) counts as a path MTU even before any error, as
 * XFRM's does through its bundle's dst: that is
 * how a local TCP learns an MSS that leaves room for ESP, and for a
 * transport SA inside a tunnel it is the only way the inner ESP packet,
 * which the tunnel's far end forwards, stays within the far link's MTU.
 * Inner IPv6 cannot be told less than 1280: then, and for everything
 * allowed to fragment, the outer packet is fragmented to the path MTU
 * instead. TCP segments are cut to fit before ESP.
 *
 * The two fields are written without a lock by whichever CPU handles an
 * error: a reader that sees one old and one new value gets either value,
 * both valid.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ah.h"
#include "esp.h"
#include "natt.h"
#include "netns.h"
#include "pmtu.h"
#include "sa.h"

static unsigned int pmtu_expires = 600;
module_param(pmtu_expires, uint, 0644);
MODULE_PARM_DESC(pmtu_expires,
		 "Seconds an SA keeps a path MTU learnt from ICMP (RFC 4301 8.2.2; default 600, 0: forever)");

#define PMTU_MIN4	576	/* RFC 791: every host takes this much */

/* The smallest path MTU we believe for outer headers of @family. */
static unsigned int pmtu_floor(u8 family)
{
	return family == AF_INET ? PMTU_MIN4 : IPV6_MIN_MTU;
}

/*
 * The path MTU an error claiming @mtu for a packet of @len bytes leaves,
 * when the current one is @cur (0: none); 0 to ignore the error.
 */
static unsigned int pmtu_update(u8 family, unsigned int cur, unsigned int mtu,
				unsigned int len)
{
	mtu = max(mtu, pmtu_floor(family));
	if (len <= mtu)		/* that packet fitted: not a real error */
		return 0;
	if (cur && mtu > cur)	/* increases are learnt by aging only */
		return 0;
	return mtu;
}

/* Has a value learnt at @stamp aged out at @now? */
static bool pmtu_aged(unsigned long stamp, unsigned long now,
		      unsigned int expires)
{
	return expires && time_after_eq(now, stamp + (unsigned long)expires * HZ);
}

unsigned int nfipsec_pmtu_get(const struct nfipsec_sa *sa)
{
	unsigned int mtu = READ_ONCE(sa->pmtu);

	if (!mtu || pmtu_aged(READ_ONCE(sa->pmtu_stamp), jiffies,
			      READ_ONCE(pmtu_expires)))
		return 0;
	return mtu;
}

/* The largest packet @sa turns into one of at most @mtu bytes; 0: none. */
static unsigned int sa_inner(const struct nfipsec_sa *sa, unsigned int mtu)
{
	unsigned int hdr = sa->family == AF_INET ? sizeof(struct iphdr) :
						   sizeof(struct ipv6hdr);
	unsigned int natt = nfipsec_natt_overhead(sa), room;

	if (mtu <= natt + hdr)
		return 0;
	room = mtu - natt - hdr;
	if (sa->proto == IPPROTO_AH) {
		unsigned int ah = nfipsec_ah_hdrlen(sa, sa->family);

		room = room > ah ? room - ah : 0;
	} else {
		room = nfipsec_esp_payload_mtu(sa, room);
	}
	/* Tunnel: the inner packet is the payload. Transport: its header
	 * stays in front (options or extension headers not counted).
	 */
	if (sa->mode == NFIPSEC_MODE_TUNNEL || !room)
		return room;
	return room + hdr;
}

unsigned int nfipsec_pmtu_inner(struct nfipsec_sa *const *chain,
				unsigned int n, unsigned int route_mtu)
{
	unsigned int mtu = route_mtu, p;

	/* From the outermost SA in: each one's own path MTU, or what the
	 * SAs outside it leave, whichever is smaller.
	 */
	while (n--) {
		p = nfipsec_pmtu_get(chain[n]);
		if (p && (!mtu || p < mtu))
			mtu = p;
		if (mtu)
			mtu = sa_inner(chain[n], mtu) ? : 1;
	}
	return mtu;
}

/* What an ICMP too-big error says about the packet it quotes. */
struct pmtu_quote {
	union nf_inet_addr saddr, daddr;
	unsigned int len;	/* the quoted packet's length */
	unsigned int mtu;	/* the MTU the error claims */
	__be32 spi;
	__be16 sport, dport;	/* ESP in UDP: the UDP ports */
	u8 proto;		/* IPPROTO_ESP or IPPROTO_AH */
	bool udp;
};

/* The SPI after the quoted IP header, at @off. */
static bool quote_spi(const struct sk_buff *skb, unsigned int off,
		      struct pmtu_quote *q)
{
	__be32 _w[3];
	const __be32 *w;

	switch (q->proto) {
	case IPPROTO_ESP:
		w = skb_header_pointer(skb, off, 4, _w);
		if (!w)
			return false;
		q->spi = w[0];
		return true;
	case IPPROTO_AH:
		w = skb_header_pointer(skb, off, 8, _w);
		if (!w)
			return false;
		q->spi = w[1];
		return true;
	case IPPROTO_UDP:	/* RFC 3948: the SPI follows the UDP header */
		w = skb_header_pointer(skb, off, 12, _w);
		if (!w || !w[2])	/* cut short, or IKE's non-ESP marker */
			return false;
		q->sport = ((const __be16 *)w)[0];
		q->dport = ((const __be16 *)w)[1];
		q->spi = w[2];
		q->proto = IPPROTO_ESP;
		q->udp = true;
		return true;
	default:
		return false;
	}
}

static bool quote4(const struct sk_buff *skb, struct pmtu_quote *q)
{
	const struct iphdr *outer = ip_hdr(skb);
	unsigned int off = skb_network_offset(skb) + outer->ihl * 4;
	struct icmphdr _ih;
	const struct icmphdr *ih;
	struct iphdr _iph;
	const struct iphdr *iph;

	if (outer->protocol != IPPROTO_ICMP || ip_is_fragment(outer))
		return false;
	ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
	if (!ih || ih->type != ICMP_DEST_UNREACH ||
	    ih->code != ICMP_FRAG_NEEDED)
		return false;
	off += sizeof(*ih);
	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    (iph->frag_off & htons(IP_OFFSET)))
		return false;
	q->mtu = ntohs(ih->un.frag.mtu);
	q->len = ntohs(iph->tot_len);
	q->saddr.ip = iph->saddr;
	q->daddr.ip = iph->daddr;
	q->proto = iph->protocol;
	return quote_spi(skb, off + iph->ihl * 4, q);
}

static bool quote6(const struct sk_buff *skb, struct pmtu_quote *q)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	struct icmp6hdr _ih;
	const struct icmp6hdr *ih;
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
			       sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6 ||
	    (frag_off & htons(IP6_OFFSET)))
		return false;
	ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
	if (!ih || ih->icmp6_type != ICMPV6_PKT_TOOBIG)
		return false;
	off += sizeof(*ih);
	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return false;
	q->mtu = ntohl(ih->icmp6_mtu);
	q->len = ntohs(ip6h->payload_len) + sizeof(*ip6h);
	q->saddr.in6 = ip6h->saddr;
	q->daddr.in6 = ip6h->daddr;
	nexthdr = ip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0 || (frag_off & htons(IP6_OFFSET)))
		return false;
	q->proto = nexthdr;
	return quote_spi(skb, off, q);
}

/* Is @q a packet @sa sent? The SAD lookup matched SPI and destination. */
static bool sa_sent(const struct nfipsec_sa *sa, const struct pmtu_quote *q)
{
	if (sa->family == AF_INET ? sa->saddr.ip != q->saddr.ip :
	    !ipv6_addr_equal(&sa->saddr.in6, &q->saddr.in6))
		return false;
	if (q->udp)
		return sa->encap_type && sa->encap_sport == q->sport &&
		       sa->encap_dport == q->dport;
	return !sa->encap_type;
}

void nfipsec_pmtu_icmp(struct nfipsec_net *nn, const struct sk_buff *skb,
		       u8 family)
{
	struct pmtu_quote q = {};
	struct nfipsec_sa *sa;
	unsigned int mtu;

	if (!(family == AF_INET ? quote4(skb, &q) : quote6(skb, &q)))
		return;
	rcu_read_lock();
	sa = nfipsec_sad_lookup_rcu(nn, q.proto, q.spi, family, &q.daddr);
	if (!sa || !sa_sent(sa, &q)) {
		/* UDP that is not ESP of ours is anybody's: not counted. */
		if (!q.udp)
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU_IGNORED);
		goto out;
	}
	mtu = pmtu_update(family, nfipsec_pmtu_get(sa), q.mtu, q.len);
	if (!mtu || (sa->flags & NFIPSEC_SAF_NOPMTUDISC)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU_IGNORED);
		goto out;
	}
	WRITE_ONCE(sa->pmtu_stamp, jiffies);
	WRITE_ONCE(sa->pmtu, mtu);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PMTU_UPDATE);
out:
	rcu_read_unlock();
}

bool nfipsec_pmtu_too_big(struct nfipsec_net *nn, struct sk_buff *skb,
			  u8 family, unsigned int mtu)
{
	if (skb->len <= mtu || skb_is_gso(skb) || skb->ignore_df ||
	    !skb_dst(skb))
		return false;
	if (family == AF_INET ?
	    !(ip_hdr(skb)->frag_off & htons(IP_DF)) || mtu < 68 :
	    mtu < IPV6_MIN_MTU)
		return false;
	/* Locally generated packets have no device yet; ICMP wants one. */
	if (!skb->dev)
		skb->dev = skb_dst(skb)->dev;
	if (family == AF_INET)
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	else
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_TOO_BIG);
	return true;
}

static int show_sa(struct nfipsec_sa *sa, void *arg)
{
	unsigned long stamp = READ_ONCE(sa->pmtu_stamp);
	unsigned int expires = READ_ONCE(pmtu_expires);
	unsigned int mtu = nfipsec_pmtu_get(sa);
	struct seq_file *seq = arg;
	long left = 0;

	if (!mtu)
		return 0;
	if (expires)
		left = ((long)(stamp + (unsigned long)expires * HZ - jiffies) +
			HZ - 1) / HZ;
	if (sa->family == AF_INET)
		seq_printf(seq, "%s 0x%08x %pI4 %pI4 %u %ld\n",
			   sa->proto == IPPROTO_AH ? "ah" : "esp",
			   ntohl(sa->spi), &sa->saddr.ip, &sa->daddr.ip, mtu,
			   left);
	else
		seq_printf(seq, "%s 0x%08x %pI6c %pI6c %u %ld\n",
			   sa->proto == IPPROTO_AH ? "ah" : "esp",
			   ntohl(sa->spi), &sa->saddr.in6, &sa->daddr.in6, mtu,
			   left);
	return 0;
}

/* One line per SA with a path MTU: proto spi src dst pmtu seconds-left. */
static int pmtu_show(struct seq_file *seq, void *v)
{
	struct nfipsec_net *nn = nfipsec_pernet(seq_file_single_net(seq));

	seq_puts(seq, "proto spi src dst pmtu expires\n");
	mutex_lock(&nn->cfg_lock);
	nfipsec_sad_walk(nn, 0, show_sa, seq);
	mutex_unlock(&nn->cfg_lock);
	return 0;
}

int nfipsec_pmtu_net_init(struct net *net)
{
	if (!proc_create_net_single("nfipsec_pmtu", 0444, net->proc_net,
				    pmtu_show, NULL))
		return -ENOMEM;
	return 0;
}

void nfipsec_pmtu_net_exit(struct net *net)
{
	remove_proc_entry("nfipsec_pmtu", net->proc_net);
}
