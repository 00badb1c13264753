// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors placed by the flow they quote (icmp.c, RFC 4301 §6.1): the
 * quoted packet's addresses and ports from our side, in both directions
 * and both families; messages that are not errors, or whose quote is cut
 * short, are left alone.
 */
#include <kunit/test.h>
#include <linux/udp.h>

#include "../icmp.c"

#define A4(a, b, c, d)	htonl((a) << 24 | (b) << 16 | (c) << 8 | (d))

/* ICMP error from 10.0.0.1 to 10.0.1.1 quoting UDP 10.0.1.1:40000 ->
 * 10.0.0.99:9, cut after @quote bytes of the quoted packet.
 */
static struct sk_buff *err4(struct kunit *test, u8 type, unsigned int quote)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct iphdr *iph, *q;
	struct icmphdr *ih;
	struct udphdr *uh;
	u8 buf[28] = {};

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = A4(10, 0, 0, 1);
	iph->daddr = A4(10, 0, 1, 1);
	ih = skb_put_zero(skb, sizeof(*ih));
	ih->type = type;
	q = (struct iphdr *)buf;
	q->version = 4;
	q->ihl = 5;
	q->protocol = IPPROTO_UDP;
	q->saddr = A4(10, 0, 1, 1);
	q->daddr = A4(10, 0, 0, 99);
	uh = (struct udphdr *)(buf + sizeof(*q));
	uh->source = htons(40000);
	uh->dest = htons(9);
	skb_put_data(skb, buf, quote);
	return skb;
}

static void outer4(struct nfipsec_flow *fl, u8 type)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = AF_INET;
	fl->proto = IPPROTO_ICMP;
	fl->lport = type;
}

static void icmp_error4_both_ways(struct kunit *test)
{
	struct sk_buff *skb = err4(test, ICMP_DEST_UNREACH, 28);
	struct nfipsec_flow outer, fl;

	outer4(&outer, ICMP_DEST_UNREACH);
	/* We send it: the quoted packet came to us, 10.0.0.99 is our side. */
	KUNIT_ASSERT_TRUE(test, nfipsec_icmp_error_flow(skb, &outer, true, &fl));
	KUNIT_EXPECT_EQ(test, fl.family, AF_INET);
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, fl.local.ip, A4(10, 0, 0, 99));
	KUNIT_EXPECT_EQ(test, fl.remote.ip, A4(10, 0, 1, 1));
	KUNIT_EXPECT_EQ(test, fl.lport, 9);
	KUNIT_EXPECT_EQ(test, fl.rport, 40000);
	KUNIT_EXPECT_FALSE(test, fl.flags & NFIPSEC_FLOW_PORTS_OPAQUE);
	/* We receive it: the quoted packet is one we sent. */
	KUNIT_ASSERT_TRUE(test, nfipsec_icmp_error_flow(skb, &outer, false,
							&fl));
	KUNIT_EXPECT_EQ(test, fl.local.ip, A4(10, 0, 1, 1));
	KUNIT_EXPECT_EQ(test, fl.remote.ip, A4(10, 0, 0, 99));
	KUNIT_EXPECT_EQ(test, fl.lport, 40000);
	KUNIT_EXPECT_EQ(test, fl.rport, 9);
	kfree_skb(skb);
}

static void icmp_not_errors(struct kunit *test)
{
	struct sk_buff *skb = err4(test, ICMP_ECHO, 28);
	struct nfipsec_flow outer, fl;

	outer4(&outer, ICMP_ECHO);
	KUNIT_EXPECT_FALSE(test, nfipsec_icmp_error_flow(skb, &outer, true,
							 &fl));
	kfree_skb(skb);
	/* A quote shorter than its IP header cannot be placed. */
	skb = err4(test, ICMP_TIME_EXCEEDED, 12);
	outer4(&outer, ICMP_TIME_EXCEEDED);
	KUNIT_EXPECT_FALSE(test, nfipsec_icmp_error_flow(skb, &outer, true,
							 &fl));
	kfree_skb(skb);
	/* Addresses but no ports: placed, ports zero. */
	skb = err4(test, ICMP_TIME_EXCEEDED, 20);
	KUNIT_EXPECT_TRUE(test, nfipsec_icmp_error_flow(skb, &outer, true,
							&fl));
	KUNIT_EXPECT_EQ(test, fl.lport, 0);
	kfree_skb(skb);
}

/* ICMPv6 Packet Too Big quoting ICMPv6 echo 2001:db8::1 -> 2001:db8::2. */
static void icmp_error6(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct ipv6hdr *ip6h, *q;
	struct icmp6hdr *ih;
	struct nfipsec_flow outer = {
		.family = AF_INET6, .proto = IPPROTO_ICMPV6,
		.lport = ICMPV6_PKT_TOOBIG,
	}, fl;
	u8 *echo;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ih = skb_put_zero(skb, sizeof(*ih));
	ih->icmp6_type = ICMPV6_PKT_TOOBIG;
	q = skb_put_zero(skb, sizeof(*q));
	q->version = 6;
	q->nexthdr = IPPROTO_ICMPV6;
	q->saddr.s6_addr[0] = 0x20;
	q->saddr.s6_addr[15] = 1;
	q->daddr.s6_addr[0] = 0x20;
	q->daddr.s6_addr[15] = 2;
	echo = skb_put_zero(skb, 8);
	echo[0] = ICMPV6_ECHO_REQUEST;

	KUNIT_ASSERT_TRUE(test, nfipsec_icmp_error_flow(skb, &outer, false,
							&fl));
	KUNIT_EXPECT_EQ(test, fl.proto, IPPROTO_ICMPV6);
	KUNIT_EXPECT_EQ(test, fl.local.in6.s6_addr[15], 1);
	KUNIT_EXPECT_EQ(test, fl.remote.in6.s6_addr[15], 2);
	/* ICMP type and code are not swapped with the direction. */
	KUNIT_EXPECT_EQ(test, fl.lport, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, fl.rport, 0);
	KUNIT_ASSERT_TRUE(test, nfipsec_icmp_error_flow(skb, &outer, true,
							&fl));
	KUNIT_EXPECT_EQ(test, fl.local.in6.s6_addr[15], 2);
	KUNIT_EXPECT_EQ(test, fl.lport, ICMPV6_ECHO_REQUEST);
	/* An informational message (echo reply) is not placed. */
	outer.lport = ICMPV6_ECHO_REPLY;
	KUNIT_EXPECT_FALSE(test, nfipsec_icmp_error_flow(skb, &outer, true,
							 &fl));
	kfree_skb(skb);
}

static struct kunit_case icmp_cases[] = {
	KUNIT_CASE(icmp_error4_both_ways),
	KUNIT_CASE(icmp_not_errors),
	KUNIT_CASE(icmp_error6),
	{}
};

static struct kunit_suite icmp_suite = {
	.name = "nfipsec_icmp",
	.test_cases = icmp_cases,
};

kunit_test_suites(&icmp_suite);
