// SPDX-License-Identifier: GPL-2.0
/*
 * Flow extraction from crafted packets: the fields the SPD is keyed by,
 * for each protocol family, direction, extension-header chain and fragment
 * case flow.c claims to handle.
 */
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>

#include "../flow.c"

static struct sk_buff *mkskb(struct kunit *test, const void *pkt,
			     unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len + 16, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 16);
	skb_put_data(skb, pkt, len);
	skb_reset_network_header(skb);
	return skb;
}

static void put_ip4(u8 *p, u8 proto, __be16 frag_off, unsigned int len)
{
	struct iphdr *iph = (struct iphdr *)p;

	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->frag_off = frag_off;
	iph->tot_len = htons(len);
	iph->saddr = htonl(0xc0000201);	/* 192.0.2.1 */
	iph->daddr = htonl(0xc6336402);	/* 198.51.100.2 */
}

static void put_ip6(u8 *p, u8 nexthdr, unsigned int plen)
{
	struct ipv6hdr *ip6 = (struct ipv6hdr *)p;

	memset(ip6, 0, sizeof(*ip6));
	ip6->version = 6;
	ip6->nexthdr = nexthdr;
	ip6->payload_len = htons(plen);
	ip6->hop_limit = 64;
	ip6->saddr.s6_addr[0] = 0x20;
	ip6->saddr.s6_addr[1] = 0x01;
	ip6->saddr.s6_addr[15] = 1;
	ip6->daddr.s6_addr[0] = 0x20;
	ip6->daddr.s6_addr[1] = 0x01;
	ip6->daddr.s6_addr[15] = 2;
}

static void flow_v4_tcp_both_directions(struct kunit *test)
{
	u8 pkt[40] = {};
	struct nfipsec_flow fl;
	struct tcphdr *th = (struct tcphdr *)(pkt + 20);
	struct sk_buff *skb;

	put_ip4(pkt, IPPROTO_TCP, 0, sizeof(pkt));
	th->source = htons(40000);
	th->dest = htons(443);
	skb = mkskb(test, pkt, sizeof(pkt));

	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.family, AF_INET);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, fl.flags, 0);
	KUNIT_EXPECT_EQ(test, ntohl(fl.local.ip), 0xc0000201);
	KUNIT_EXPECT_EQ(test, ntohl(fl.remote.ip), 0xc6336402);
	KUNIT_EXPECT_EQ(test, fl.lport, 40000);
	KUNIT_EXPECT_EQ(test, fl.rport, 443);

	/* Received: local is the destination, its port ours. */
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, false, &fl), 0);
	KUNIT_EXPECT_EQ(test, ntohl(fl.local.ip), 0xc6336402);
	KUNIT_EXPECT_EQ(test, ntohl(fl.remote.ip), 0xc0000201);
	KUNIT_EXPECT_EQ(test, fl.lport, 443);
	KUNIT_EXPECT_EQ(test, fl.rport, 40000);
	kfree_skb(skb);
}

static void flow_v4_icmp_type_code_not_swapped(struct kunit *test)
{
	u8 pkt[28] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	put_ip4(pkt, IPPROTO_ICMP, 0, sizeof(pkt));
	pkt[20] = ICMP_DEST_UNREACH;
	pkt[21] = ICMP_FRAG_NEEDED;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, false, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_ICMP);
	KUNIT_EXPECT_EQ(test, fl.lport, ICMP_DEST_UNREACH);
	KUNIT_EXPECT_EQ(test, fl.rport, ICMP_FRAG_NEEDED);
	kfree_skb(skb);
}

static void flow_v4_fragments(struct kunit *test)
{
	u8 pkt[28] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	/* Non-initial fragment: the bytes after the header are payload. */
	put_ip4(pkt, IPPROTO_UDP, htons(185), sizeof(pkt));
	pkt[20] = 0x12;
	pkt[21] = 0x34;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, fl.flags, NFIPSEC_FLOW_PORTS_OPAQUE);
	KUNIT_EXPECT_EQ(test, fl.lport, 0);
	kfree_skb(skb);

	/* First fragment (MF set, offset 0): ports are there. */
	put_ip4(pkt, IPPROTO_UDP, htons(IP_MF), sizeof(pkt));
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.flags, 0);
	KUNIT_EXPECT_EQ(test, fl.lport, 0x1234);
	kfree_skb(skb);

	/* A first fragment too short for the ports. */
	skb = mkskb(test, pkt, 22);
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.flags, NFIPSEC_FLOW_PORTS_OPAQUE);
	kfree_skb(skb);
}

static void flow_v4_malformed(struct kunit *test)
{
	u8 pkt[28] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	put_ip4(pkt, IPPROTO_UDP, 0, sizeof(pkt));
	skb = mkskb(test, pkt, 19);		/* shorter than a header */
	KUNIT_EXPECT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl),
			-EINVAL);
	kfree_skb(skb);

	pkt[0] = 0x44;				/* ihl 4: below the minimum */
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl),
			-EINVAL);
	kfree_skb(skb);

	pkt[0] = 0x4f;				/* ihl 15: past the end */
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET, true, &fl),
			-EINVAL);
	kfree_skb(skb);

	put_ip4(pkt, IPPROTO_UDP, 0, sizeof(pkt));
	skb = mkskb(test, pkt, sizeof(pkt));	/* v4 header read as v6 */
	KUNIT_EXPECT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl),
			-EINVAL);
	kfree_skb(skb);
}

static void flow_v6_exthdrs_to_udp(struct kunit *test)
{
	/* ipv6 | hop-by-hop (8) | routing (24) | dstopts (16) | udp */
	u8 pkt[40 + 8 + 24 + 16 + 8] = {};
	unsigned int o = 40;
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	put_ip6(pkt, NEXTHDR_HOP, sizeof(pkt) - 40);
	pkt[o] = NEXTHDR_ROUTING;
	pkt[o + 1] = 0;
	o += 8;
	pkt[o] = NEXTHDR_DEST;
	pkt[o + 1] = 2;
	o += 24;
	pkt[o] = IPPROTO_UDP;
	pkt[o + 1] = 1;
	o += 16;
	pkt[o] = 5353 >> 8;
	pkt[o + 1] = 5353 & 0xff;
	pkt[o + 3] = 53;
	skb = mkskb(test, pkt, sizeof(pkt));

	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, fl.flags, 0);
	KUNIT_EXPECT_EQ(test, fl.local.in6.s6_addr[15], 1);
	KUNIT_EXPECT_EQ(test, fl.remote.in6.s6_addr[15], 2);
	KUNIT_EXPECT_EQ(test, fl.lport, 5353);
	KUNIT_EXPECT_EQ(test, fl.rport, 53);

	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, false, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.local.in6.s6_addr[15], 2);
	KUNIT_EXPECT_EQ(test, fl.lport, 53);
	KUNIT_EXPECT_EQ(test, fl.rport, 5353);
	kfree_skb(skb);
}

static void flow_v6_fragments(struct kunit *test)
{
	/* ipv6 | fragment | tcp */
	u8 pkt[40 + 8 + 20] = {};
	struct frag_hdr *fh = (struct frag_hdr *)(pkt + 40);
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	put_ip6(pkt, NEXTHDR_FRAGMENT, sizeof(pkt) - 40);
	fh->nexthdr = IPPROTO_TCP;
	fh->frag_off = htons(IP6_MF);
	pkt[48] = 1000 >> 8;
	pkt[49] = 1000 & 0xff;
	pkt[51] = 22;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, fl.flags, 0);
	KUNIT_EXPECT_EQ(test, fl.lport, 1000);
	KUNIT_EXPECT_EQ(test, fl.rport, 22);
	kfree_skb(skb);

	fh->frag_off = htons(8 << 3);		/* offset 64 bytes */
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, fl.flags, NFIPSEC_FLOW_PORTS_OPAQUE);
	KUNIT_EXPECT_EQ(test, fl.lport, 0);
	KUNIT_EXPECT_EQ(test, fl.rport, 0);
	kfree_skb(skb);
}

static void flow_v6_icmp_and_mh(struct kunit *test)
{
	u8 pkt[40 + 8 + 8] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	put_ip6(pkt, IPPROTO_ICMPV6, 8);
	pkt[40] = ICMPV6_PKT_TOOBIG;
	pkt[41] = 0;
	skb = mkskb(test, pkt, 48);
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, false, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_ICMPV6);
	KUNIT_EXPECT_EQ(test, fl.lport, ICMPV6_PKT_TOOBIG);
	KUNIT_EXPECT_EQ(test, fl.rport, 0);
	kfree_skb(skb);

	/* Destination options, then a Binding Update (MH type 5). */
	put_ip6(pkt, NEXTHDR_DEST, 16);
	pkt[40] = IPPROTO_MH;
	pkt[41] = 0;
	pkt[48] = IPPROTO_NONE;
	pkt[49] = 0;
	pkt[50] = 5;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, false, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_MH);
	KUNIT_EXPECT_EQ(test, fl.lport, 5);
	KUNIT_EXPECT_EQ(test, fl.rport, 0);
	kfree_skb(skb);
}

static void flow_v6_esp_and_truncated_chain(struct kunit *test)
{
	u8 pkt[40 + 8 + 8] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;

	/* Hop-by-hop then ESP: the flow's protocol is ESP, no ports. */
	put_ip6(pkt, NEXTHDR_HOP, 16);
	pkt[40] = IPPROTO_ESP;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_ESP);
	KUNIT_EXPECT_EQ(test, fl.flags, 0);
	kfree_skb(skb);

	/* A routing header claiming more bytes than there are. */
	put_ip6(pkt, NEXTHDR_ROUTING, 16);
	pkt[40] = IPPROTO_TCP;
	pkt[41] = 10;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, fl.flags, NFIPSEC_FLOW_PORTS_OPAQUE);
	kfree_skb(skb);

	/* A header chain cut inside an extension header. */
	put_ip6(pkt, NEXTHDR_DEST, 1);
	skb = mkskb(test, pkt, 41);
	KUNIT_ASSERT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl), 0);
	KUNIT_EXPECT_EQ(test, fl.proto, NEXTHDR_DEST);
	KUNIT_EXPECT_EQ(test, fl.flags, NFIPSEC_FLOW_PORTS_OPAQUE);
	kfree_skb(skb);
}

static void flow_v6_endless_chain_refused(struct kunit *test)
{
	u8 pkt[40 + 8 * (MAX_EXTHDRS + 1)] = {};
	struct nfipsec_flow fl;
	struct sk_buff *skb;
	unsigned int i;

	put_ip6(pkt, NEXTHDR_DEST, sizeof(pkt) - 40);
	for (i = 0; i <= MAX_EXTHDRS; i++)
		pkt[40 + 8 * i] = NEXTHDR_DEST;
	skb = mkskb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, nfipsec_flow_from_skb(skb, AF_INET6, true, &fl),
			-EINVAL);
	kfree_skb(skb);
}

static struct kunit_case flow_cases[] = {
	KUNIT_CASE(flow_v4_tcp_both_directions),
	KUNIT_CASE(flow_v4_icmp_type_code_not_swapped),
	KUNIT_CASE(flow_v4_fragments),
	KUNIT_CASE(flow_v4_malformed),
	KUNIT_CASE(flow_v6_exthdrs_to_udp),
	KUNIT_CASE(flow_v6_fragments),
	KUNIT_CASE(flow_v6_icmp_and_mh),
	KUNIT_CASE(flow_v6_esp_and_truncated_chain),
	KUNIT_CASE(flow_v6_endless_chain_refused),
	{}
};

static struct kunit_suite flow_suite = {
	.name = "nfipsec_flow",
	.test_cases = flow_cases,
};

kunit_test_suites(&flow_suite);
