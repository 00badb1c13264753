// SPDX-License-Identifier: GPL-2.0
/*
 * The tunnel outer header's per-SA fields (tunnel_hdr.c): RFC 6040's
 * decapsulation table cell by cell, its encapsulation modes, DSCP copy
 * and mapping both ways, and DF clear/set/copy.
 */
#include <kunit/test.h>

#include "../tunnel_hdr.c"

enum {
	N = INET_ECN_NOT_ECT,
	E1 = INET_ECN_ECT_1,
	E0 = INET_ECN_ECT_0,
	CE = INET_ECN_CE,
	DROP = -1,
};

/* RFC 6040 §4.2, Figure 4, rows inner, columns outer (Not-ECT, ECT(0),
 * ECT(1), CE), written out as the RFC prints it.
 */
static const struct {
	u8 inner;
	int out[4];
} rfc6040[] = {
	{ N,  { N,  N,  N,  DROP } },
	{ E0, { E0, E0, E1, CE } },
	{ E1, { E1, E1, E1, CE } },
	{ CE, { CE, CE, CE, CE } },
};

static const u8 outer_cols[4] = { N, E0, E1, CE };

static void ecn_decap_table(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(rfc6040); i++)
		for (j = 0; j < 4; j++)
			KUNIT_EXPECT_EQ_MSG(test,
					    ecn_decap(rfc6040[i].inner,
						      outer_cols[j]),
					    rfc6040[i].out[j],
					    "inner %u outer %u",
					    rfc6040[i].inner, outer_cols[j]);
	/* DSCP bits in either field do not change the answer. */
	KUNIT_EXPECT_EQ(test, ecn_decap(0xb8 | N, 0x28 | CE), DROP);
	KUNIT_EXPECT_EQ(test, ecn_decap(0xb8 | E0, 0xfc | E1), E1);
}

static void encap_ds(struct kunit *test)
{
	struct nfipsec_sa sa = {};
	unsigned int ecn;

	/* Normal mode copies DSCP and ECN, CE included. */
	for (ecn = 0; ecn < 4; ecn++)
		KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_ds(&sa, 0xb8 | ecn),
				0xb8 | ecn);
	/* Compatibility mode: Not-ECT whatever the inner field. */
	sa.flags = NFIPSEC_SAF_NOECN;
	for (ecn = 0; ecn < 4; ecn++)
		KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_ds(&sa, 0xb8 | ecn),
				0xb8);
	/* DSCP mapped to one value (CS1 = 8); ECN still by its mode. */
	sa.flags = 0;
	sa.dscp_mode = NFIPSEC_DSCP_SET;
	sa.dscp = 8;
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_ds(&sa, 0xb8 | E0),
			(8 << 2) | E0);
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_ds(&sa, 0x00 | CE),
			(8 << 2) | CE);
	sa.dscp = 63;
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_ds(&sa, 0), 0xfc);
}

/* An skb holding one IPv4 or IPv6 header, at skb->data. */
static struct sk_buff *hdr_skb(struct kunit *test, u8 family, u8 ds,
			       __be16 frag_off)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	if (family == AF_INET) {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

		iph->version = 4;
		iph->ihl = 5;
		iph->tos = ds;
		iph->frag_off = frag_off;
		iph->tot_len = htons(sizeof(*iph));
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));

		ip6_flow_hdr(ip6h, ds, htonl(0x12345));
	}
	return skb;
}

static void outer_df(struct kunit *test)
{
	struct sk_buff *df4 = hdr_skb(test, AF_INET, 0, htons(IP_DF));
	struct sk_buff *nodf4 = hdr_skb(test, AF_INET, 0, 0);
	struct sk_buff *v6 = hdr_skb(test, AF_INET6, 0, 0);
	struct nfipsec_sa sa = {};

	/* Clear, the default, whatever the inner packet says. */
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, df4, AF_INET), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, v6, AF_INET6), 0);
	sa.df_mode = NFIPSEC_DF_SET;
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, nodf4, AF_INET),
			htons(IP_DF));
	sa.df_mode = NFIPSEC_DF_COPY;
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, df4, AF_INET),
			htons(IP_DF));
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, nodf4, AF_INET), 0);
	/* IPv6 is never fragmented on its path: copying it means DF. */
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_outer_df(&sa, v6, AF_INET6),
			htons(IP_DF));
	kfree_skb(df4);
	kfree_skb(nodf4);
	kfree_skb(v6);
}

static void decap_ds(struct kunit *test)
{
	struct nfipsec_sa sa = {};
	struct sk_buff *skb;

	/* IPv4 inner ECT(0), outer CE: CE, DSCP kept, checksum still good. */
	skb = hdr_skb(test, AF_INET, 0xb8 | E0, 0);
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_decap_ds(&sa, skb, AF_INET,
						      0x20 | CE), 0);
	KUNIT_EXPECT_EQ(test, ipv4_get_dsfield(ip_hdr(skb)), 0xb8 | CE);
	KUNIT_EXPECT_EQ(test, ip_fast_csum(ip_hdr(skb), 5), 0);
	kfree_skb(skb);

	/* The drop rule: outer CE on inner Not-ECT, header untouched. */
	skb = hdr_skb(test, AF_INET6, 0xb8 | N, 0);
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_decap_ds(&sa, skb, AF_INET6, CE),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, ipv6_get_dsfield(ipv6_hdr(skb)), 0xb8 | N);
	kfree_skb(skb);

	/* DECAP_DSCP: the outer DSCP is copied in; the flow label stays. */
	sa.flags = NFIPSEC_SAF_DECAP_DSCP;
	skb = hdr_skb(test, AF_INET6, 0xb8 | E1, 0);
	KUNIT_EXPECT_EQ(test, nfipsec_tunnel_decap_ds(&sa, skb, AF_INET6,
						      0x28 | E1), 0);
	KUNIT_EXPECT_EQ(test, ipv6_get_dsfield(ipv6_hdr(skb)), 0x28 | E1);
	KUNIT_EXPECT_EQ(test, ip6_flowlabel(ipv6_hdr(skb)), htonl(0x12345));
	kfree_skb(skb);
}

static struct kunit_case tunnel_hdr_cases[] = {
	KUNIT_CASE(ecn_decap_table),
	KUNIT_CASE(encap_ds),
	KUNIT_CASE(outer_df),
	KUNIT_CASE(decap_ds),
	{}
};

static struct kunit_suite tunnel_hdr_suite = {
	.name = "nfipsec_tunnel_hdr",
	.test_cases = tunnel_hdr_cases,
};

kunit_test_suites(&tunnel_hdr_suite);
