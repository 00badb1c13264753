// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU arithmetic (pmtu.c, RFC 4301 §8): which Too Big errors change
 * an SA's path MTU, how long the value lives, what is left of it for the
 * inner packet after each algorithm, mode and bundle, and reading the SA
 * and MTU out of the quoted packet.
 */
#include <kunit/test.h>

#include "../pmtu.c"

#define A4(a, b, c, d)	htonl((a) << 24 | (b) << 16 | (c) << 8 | (d))

static void pmtu_update_rules(struct kunit *test)
{
	/* Lowered, and never below the outer family's minimum. */
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 0, 1400, 1500), 1400u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 0, 300, 1500), 576u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 0, 0, 1500), 576u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET6, 0, 1000, 1500), 1280u);
	/* The quoted packet fitted: the error is not about it. */
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 0, 1400, 1400), 0u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET6, 0, 1000, 1200), 0u);
	/* An increase is ignored; the same value again is taken (refresh). */
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 1300, 1400, 1500), 0u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET, 1300, 1300, 1500), 1300u);
	KUNIT_EXPECT_EQ(test, pmtu_update(AF_INET6, 1400, 1300, 1500), 1300u);
}

/* struct nfipsec_sa is too big for a test's stack frame. */
static struct nfipsec_sa *new_sa(struct kunit *test)
{
	struct nfipsec_sa *sa = kunit_kzalloc(test, sizeof(*sa), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	return sa;
}

static void pmtu_aging(struct kunit *test)
{
	struct nfipsec_sa *sa = new_sa(test);
	unsigned long t = 1000000;

	KUNIT_EXPECT_FALSE(test, pmtu_aged(t, t + 599 * HZ, 600));
	KUNIT_EXPECT_TRUE(test, pmtu_aged(t, t + 600 * HZ, 600));
	KUNIT_EXPECT_FALSE(test, pmtu_aged(t, t + 100000 * HZ, 0));
	/* Across the jiffies wrap. */
	KUNIT_EXPECT_FALSE(test, pmtu_aged(ULONG_MAX - HZ, HZ, 600));
	KUNIT_EXPECT_TRUE(test, pmtu_aged(ULONG_MAX - HZ, 600 * HZ, 600));

	sa->pmtu = 1400;
	sa->pmtu_stamp = jiffies;
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_get(sa), 1400u);
	sa->pmtu_stamp = jiffies - (unsigned long)(pmtu_expires + 1) * HZ;
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_get(sa), 0u);
	sa->pmtu = 0;
	sa->pmtu_stamp = jiffies;
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_get(sa), 0u);
}

/* An SA's sizes as pfkey_alg.c sets them. */
static void set_sa(struct nfipsec_sa *sa, u8 proto, u8 mode, u8 family,
		   u8 ivlen, u8 icvlen, u8 blocksize)
{
	memset(sa, 0, sizeof(*sa));
	sa->proto = proto;
	sa->mode = mode;
	sa->family = family;
	sa->ivlen = ivlen;
	sa->icvlen = icvlen;
	sa->blocksize = blocksize;
}

static void pmtu_inner_per_sa(struct kunit *test)
{
	struct nfipsec_sa *sa = new_sa(test);

	/* AES-GCM-16, tunnel, IPv4 outer: 20 + 8 + 8 + 16, 2 of trailer. */
	set_sa(sa, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL, AF_INET, 8, 16, 4);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1346u);
	/* The same in UDP (NAT-T): 8 more. */
	sa->encap_type = 2;
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1338u);
	/* AES-CBC + HMAC-SHA-256, tunnel, IPv6 outer: 16-byte blocks. */
	set_sa(sa, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL, AF_INET6, 16, 16, 16);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1310u);
	/* NULL + HMAC-SHA-256, transport, IPv4: the header stays in front. */
	set_sa(sa, IPPROTO_ESP, NFIPSEC_MODE_TRANSPORT, AF_INET, 0, 16, 4);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1374u);
	/* AH HMAC-SHA-256: 12 + 16, 32-bit aligned (IPv4), 64-bit (IPv6). */
	set_sa(sa, IPPROTO_AH, NFIPSEC_MODE_TUNNEL, AF_INET, 0, 16, 4);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1352u);
	set_sa(sa, IPPROTO_AH, NFIPSEC_MODE_TRANSPORT, AF_INET6, 0, 16, 4);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 1400), 1368u);
	/* Nothing fits. */
	set_sa(sa, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL, AF_INET6, 8, 16, 4);
	KUNIT_EXPECT_EQ(test, sa_inner(sa, 60), 0u);
}

static void pmtu_inner_bundle(struct kunit *test)
{
	struct nfipsec_sa *tr = new_sa(test), *tun = new_sa(test);
	struct nfipsec_sa *chain[2] = { tr, tun };

	/* Transport (NULL + HMAC) inside a tunnel (GCM), both IPv6: the
	 * laptop's bundle in the gateway scenario.
	 */
	set_sa(tr, IPPROTO_ESP, NFIPSEC_MODE_TRANSPORT, AF_INET6, 0, 16, 4);
	set_sa(tun, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL, AF_INET6, 8, 16, 4);
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 0), 0u);
	tun->pmtu = 1400;
	tun->pmtu_stamp = jiffies;
	/* 1400 - 40 - 32 - 2 -> 1326; 1326 - 40 - 24 -> 1260 - 2, + 40. */
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 0),
			sa_inner(tr, sa_inner(tun, 1400)));
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 0), 1298u);
	/* The inner SA's own, smaller, path MTU wins. */
	tr->pmtu = 1280;
	tr->pmtu_stamp = jiffies;
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 0),
			sa_inner(tr, 1280));
	/* Aged out: nothing known any more. */
	tr->pmtu = 0;
	tun->pmtu_stamp = jiffies - (unsigned long)(pmtu_expires + 1) * HZ;
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 0), 0u);
	/* A route's MTU stands for the outermost SA's path MTU. */
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain, 2, 1400), 1298u);
	KUNIT_EXPECT_EQ(test, nfipsec_pmtu_inner(chain + 1, 1, 1500), 1426u);
}

/* Frag Needed (@mtu) quoting ESP 0x6001 from 192.0.2.1 to 192.0.2.2. */
static struct sk_buff *frag_needed(struct kunit *test, u16 mtu, u8 proto)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct iphdr *iph, *q;
	struct icmphdr *ih;
	__be32 *w;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->protocol = IPPROTO_ICMP;
	ih = skb_put_zero(skb, sizeof(*ih));
	ih->type = ICMP_DEST_UNREACH;
	ih->code = ICMP_FRAG_NEEDED;
	ih->un.frag.mtu = htons(mtu);
	q = skb_put_zero(skb, sizeof(*q));
	q->version = 4;
	q->ihl = 5;
	q->tot_len = htons(1500);
	q->protocol = proto;
	q->saddr = A4(192, 0, 2, 1);
	q->daddr = A4(192, 0, 2, 2);
	w = skb_put_zero(skb, 12);
	if (proto == IPPROTO_UDP) {
		w[0] = htonl(4500 << 16 | 4500);
		w[2] = htonl(0x6001);
	} else {
		w[proto == IPPROTO_AH ? 1 : 0] = htonl(0x6001);
	}
	return skb;
}

static void pmtu_quote4(struct kunit *test)
{
	static const u8 protos[] = { IPPROTO_ESP, IPPROTO_AH, IPPROTO_UDP };
	struct pmtu_quote q;
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		skb = frag_needed(test, 1400, protos[i]);
		memset(&q, 0, sizeof(q));
		KUNIT_ASSERT_TRUE(test, quote4(skb, &q));
		KUNIT_EXPECT_EQ(test, q.mtu, 1400u);
		KUNIT_EXPECT_EQ(test, q.len, 1500u);
		KUNIT_EXPECT_EQ(test, q.spi, htonl(0x6001));
		KUNIT_EXPECT_EQ(test, q.saddr.ip, A4(192, 0, 2, 1));
		KUNIT_EXPECT_EQ(test, q.daddr.ip, A4(192, 0, 2, 2));
		KUNIT_EXPECT_EQ(test, q.proto, protos[i] == IPPROTO_AH ?
				IPPROTO_AH : IPPROTO_ESP);
		KUNIT_EXPECT_EQ(test, q.udp, protos[i] == IPPROTO_UDP);
		kfree_skb(skb);
	}
	/* TCP is not ours to read; another unreachable code is not Too Big. */
	skb = frag_needed(test, 1400, IPPROTO_TCP);
	KUNIT_EXPECT_FALSE(test, quote4(skb, &q));
	kfree_skb(skb);
	skb = frag_needed(test, 1400, IPPROTO_ESP);
	((struct icmphdr *)(skb->data + sizeof(struct iphdr)))->code =
		ICMP_HOST_UNREACH;
	KUNIT_EXPECT_FALSE(test, quote4(skb, &q));
	kfree_skb(skb);
}

/* Packet Too Big quoting ESP 0x6001 from 2001:db8::1 to 2001:db8::2. */
static void pmtu_quote6(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct ipv6hdr *ip6h, *q6;
	struct icmp6hdr *ih;
	struct pmtu_quote q = {};
	__be32 *w;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ih = skb_put_zero(skb, sizeof(*ih));
	ih->icmp6_type = ICMPV6_PKT_TOOBIG;
	ih->icmp6_mtu = htonl(1400);
	q6 = skb_put_zero(skb, sizeof(*q6));
	q6->version = 6;
	q6->nexthdr = IPPROTO_ESP;
	q6->payload_len = htons(1460);
	q6->saddr.s6_addr[0] = 0x20;
	q6->saddr.s6_addr[15] = 1;
	q6->daddr.s6_addr[0] = 0x20;
	q6->daddr.s6_addr[15] = 2;
	w = skb_put_zero(skb, 8);
	w[0] = htonl(0x6001);

	KUNIT_ASSERT_TRUE(test, quote6(skb, &q));
	KUNIT_EXPECT_EQ(test, q.mtu, 1400u);
	KUNIT_EXPECT_EQ(test, q.len, 1500u);
	KUNIT_EXPECT_EQ(test, q.proto, IPPROTO_ESP);
	KUNIT_EXPECT_EQ(test, q.spi, htonl(0x6001));
	KUNIT_EXPECT_EQ(test, q.daddr.in6.s6_addr[15], 2);
	/* Not a Packet Too Big. */
	ih->icmp6_type = ICMPV6_DEST_UNREACH;
	KUNIT_EXPECT_FALSE(test, quote6(skb, &q));
	kfree_skb(skb);
}

static struct kunit_case pmtu_cases[] = {
	KUNIT_CASE(pmtu_update_rules),
	KUNIT_CASE(pmtu_aging),
	KUNIT_CASE(pmtu_inner_per_sa),
	KUNIT_CASE(pmtu_inner_bundle),
	KUNIT_CASE(pmtu_quote4),
	KUNIT_CASE(pmtu_quote6),
	{}
};

static struct kunit_suite pmtu_suite = {
	.name = "nfipsec_pmtu",
	.test_cases = pmtu_cases,
};

kunit_test_suites(&pmtu_suite);
