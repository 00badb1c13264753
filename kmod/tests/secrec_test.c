// SPDX-License-Identifier: GPL-2.0
/*
 * The record of the SAs an inbound packet came through (secrec.c): what
 * it holds after each layer, how full it may get, whose sec_path it
 * leaves alone, and the bundle check the inbound policy makes on it.
 */
#include <kunit/test.h>

#include "../secrec.c"

static struct nfipsec_sa *sa_make(struct kunit *test, u8 proto, u8 mode,
				  u8 family, u32 reqid, u8 tag)
{
	struct nfipsec_sa *sa = kunit_kzalloc(test, sizeof(*sa), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	sa->proto = proto;
	sa->mode = mode;
	sa->family = family;
	sa->reqid = reqid;
	if (family == AF_INET) {
		sa->saddr.ip = htonl(0xc0000200 | tag);
		sa->daddr.ip = htonl(0xc0000201);
	} else {
		sa->saddr.in6.s6_addr[0] = 0x20;
		sa->saddr.in6.s6_addr[15] = tag;
		sa->daddr.in6.s6_addr[0] = 0x20;
		sa->daddr.in6.s6_addr[15] = 1;
	}
	return sa;
}

static struct sk_buff *skb_make(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

static void tmpl_set(struct nfipsec_policy *pol, unsigned int i,
		     const struct nfipsec_sa *sa, u8 level)
{
	struct nfipsec_tmpl *t = &pol->tmpl[i];

	t->proto = sa->proto;
	t->mode = sa->mode;
	t->level = level;
	t->reqid = sa->reqid;
	if (sa->mode == NFIPSEC_MODE_TUNNEL) {
		t->family = sa->family;
		t->saddr = sa->saddr;
		t->daddr = sa->daddr;
	}
	if (pol->ntmpl <= i)
		pol->ntmpl = i + 1;
}

/*
 * A fresh sec_path sits in a recycled skb_ext whose bytes after xvec[0]
 * still hold an earlier packet's full record (kernels that do not zero
 * allocations): the first layer starts a new record all the same.
 */
static void secrec_fresh_ext_stale_bytes(struct kunit *test)
{
	struct nfipsec_sa *sa = sa_make(test, IPPROTO_ESP,
					NFIPSEC_MODE_TRANSPORT, AF_INET6, 1, 2);
	struct sk_buff *skb = skb_make(test);
	const struct nfipsec_secrec *got;
	struct nfipsec_secrec *r;
	struct sec_path *sp;

	sp = secpath_set(skb);
	KUNIT_ASSERT_NOT_NULL(test, sp);
	KUNIT_ASSERT_EQ(test, sp->len, 0);
	r = rec_slot(sp);
	memset(r, 0xa5, sizeof(*r));
	r->magic = REC_MAGIC;
	r->n = REC_MAX;
	r->used = sizeof(r->buf);

	KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, sa), 0);
	got = nfipsec_secrec_get(skb);
	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_EXPECT_EQ(test, got->n, 1);
	KUNIT_EXPECT_EQ(test, got->used, sizeof(struct rec_ent));
	kfree_skb(skb);
}

/* ESP transport inside an IPv6 tunnel, and the bundles that accept it. */
static void secrec_transport_in_tunnel(struct kunit *test)
{
	struct nfipsec_sa *tun = sa_make(test, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL,
					 AF_INET6, 1, 2);
	struct nfipsec_sa *tr = sa_make(test, IPPROTO_ESP,
					NFIPSEC_MODE_TRANSPORT, AF_INET6, 2, 3);
	struct nfipsec_policy *pol = kunit_kzalloc(test, sizeof(*pol),
						   GFP_KERNEL);
	struct sk_buff *skb = skb_make(test);
	const struct nfipsec_secrec *r;

	KUNIT_ASSERT_NOT_NULL(test, pol);
	KUNIT_EXPECT_NULL(test, nfipsec_secrec_get(skb));
	KUNIT_ASSERT_EQ(test, nfipsec_secrec_add(skb, tun), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_secrec_add(skb, tr), 0);
	r = nfipsec_secrec_get(skb);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->n, 2);
	KUNIT_EXPECT_TRUE(test, nfipsec_secrec_has_tunnel(r));

	/* Templates innermost first: transport, then the tunnel. */
	tmpl_set(pol, 0, tr, NFIPSEC_LEVEL_REQUIRE);
	tmpl_set(pol, 1, tun, NFIPSEC_LEVEL_REQUIRE);
	KUNIT_EXPECT_TRUE(test, nfipsec_secrec_protect_ok(pol, r));

	/* The tunnel's other endpoint: not this bundle. */
	pol->tmpl[1].saddr.in6.s6_addr[15] = 9;
	KUNIT_EXPECT_FALSE(test, nfipsec_secrec_protect_ok(pol, r));

	/* Only the transport SA asked for: the tunnel is left over. */
	pol->ntmpl = 1;
	KUNIT_EXPECT_FALSE(test, nfipsec_secrec_protect_ok(pol, r));

	/* Only the tunnel: more protection (transport) is fine. */
	tmpl_set(pol, 0, tun, NFIPSEC_LEVEL_REQUIRE);
	KUNIT_EXPECT_TRUE(test, nfipsec_secrec_protect_ok(pol, r));

	/* Another reqid is another SA. */
	pol->tmpl[0].reqid = 7;
	KUNIT_EXPECT_FALSE(test, nfipsec_secrec_protect_ok(pol, r));
	kfree_skb(skb);
}

/* AH around ESP, both tunnels between the same endpoints. */
static void secrec_same_tunnel_shares_endpoints(struct kunit *test)
{
	struct nfipsec_sa *ah = sa_make(test, IPPROTO_AH, NFIPSEC_MODE_TUNNEL,
					AF_INET6, 1, 2);
	struct nfipsec_sa *esp = sa_make(test, IPPROTO_ESP,
					 NFIPSEC_MODE_TUNNEL, AF_INET6, 1, 2);
	struct nfipsec_policy *pol = kunit_kzalloc(test, sizeof(*pol),
						   GFP_KERNEL);
	struct sk_buff *skb = skb_make(test);
	const struct nfipsec_secrec *r;

	KUNIT_ASSERT_NOT_NULL(test, pol);
	KUNIT_ASSERT_EQ(test, nfipsec_secrec_add(skb, ah), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_secrec_add(skb, esp), 0);
	r = nfipsec_secrec_get(skb);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->used, 2 * sizeof(struct rec_ent) + 32);
	tmpl_set(pol, 0, esp, NFIPSEC_LEVEL_REQUIRE);
	tmpl_set(pol, 1, ah, NFIPSEC_LEVEL_REQUIRE);
	KUNIT_EXPECT_TRUE(test, nfipsec_secrec_protect_ok(pol, r));
	kfree_skb(skb);
}

/* Seven transport SAs fit, the eighth layer does not; two IPv6 tunnels
 * between different endpoints do not either.
 */
static void secrec_nesting_limit(struct kunit *test)
{
	struct nfipsec_sa *tr = sa_make(test, IPPROTO_ESP,
					NFIPSEC_MODE_TRANSPORT, AF_INET, 1, 2);
	struct nfipsec_sa *t1 = sa_make(test, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL,
					AF_INET6, 1, 2);
	struct nfipsec_sa *t2 = sa_make(test, IPPROTO_ESP, NFIPSEC_MODE_TUNNEL,
					AF_INET6, 1, 3);
	struct sk_buff *skb = skb_make(test);
	unsigned int i;

	for (i = 0; i < 7; i++)
		KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, tr), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, tr), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nfipsec_secrec_get(skb)->n, 7);
	kfree_skb(skb);

	skb = skb_make(test);
	KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, t1), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, t2), -ENOSPC);
	kfree_skb(skb);
}

/* No record: a plaintext packet passes a PROTECT policy only at "use". */
static void secrec_plaintext(struct kunit *test)
{
	struct nfipsec_sa *tr = sa_make(test, IPPROTO_ESP,
					NFIPSEC_MODE_TRANSPORT, AF_INET, 1, 2);
	struct nfipsec_policy *pol = kunit_kzalloc(test, sizeof(*pol),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	KUNIT_EXPECT_FALSE(test, nfipsec_secrec_has_tunnel(NULL));
	tmpl_set(pol, 0, tr, NFIPSEC_LEVEL_REQUIRE);
	KUNIT_EXPECT_FALSE(test, nfipsec_secrec_protect_ok(pol, NULL));
	pol->tmpl[0].level = NFIPSEC_LEVEL_USE;
	KUNIT_EXPECT_TRUE(test, nfipsec_secrec_protect_ok(pol, NULL));
}

/* A sec_path XFRM filled is XFRM's: no record is read or written. */
static void secrec_leaves_xfrm_alone(struct kunit *test)
{
	struct nfipsec_sa *tr = sa_make(test, IPPROTO_ESP,
					NFIPSEC_MODE_TRANSPORT, AF_INET, 1, 2);
	struct sk_buff *skb = skb_make(test);
	struct xfrm_state *x = xfrm_state_alloc(&init_net);
	struct sec_path *sp;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->km.state = XFRM_STATE_DEAD;
	sp = secpath_set(skb);
	KUNIT_ASSERT_NOT_NULL(test, sp);
	sp->xvec[0] = x;	/* the packet's reference */
	sp->len = 1;
	KUNIT_EXPECT_EQ(test, nfipsec_secrec_add(skb, tr), 0);
	KUNIT_EXPECT_EQ(test, sp->len, 1);
	KUNIT_EXPECT_PTR_EQ(test, sp->xvec[0], x);
	KUNIT_EXPECT_NULL(test, nfipsec_secrec_get(skb));
	kfree_skb(skb);
}

static int secrec_suite_init(struct kunit_suite *suite)
{
	return nfipsec_secrec_init();
}

static void secrec_suite_exit(struct kunit_suite *suite)
{
	nfipsec_secrec_exit();
}

static struct kunit_case secrec_cases[] = {
	KUNIT_CASE(secrec_fresh_ext_stale_bytes),
	KUNIT_CASE(secrec_transport_in_tunnel),
	KUNIT_CASE(secrec_same_tunnel_shares_endpoints),
	KUNIT_CASE(secrec_nesting_limit),
	KUNIT_CASE(secrec_plaintext),
	KUNIT_CASE(secrec_leaves_xfrm_alone),
	{}
};

static struct kunit_suite secrec_suite = {
	.name = "nfipsec_secrec",
	.suite_init = secrec_suite_init,
	.suite_exit = secrec_suite_exit,
	.test_cases = secrec_cases,
};

kunit_test_suite(secrec_suite);
