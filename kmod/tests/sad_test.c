// SPDX-License-Identifier: GPL-2.0
/*
 * The SAD's tables (sad.c): every SA is found by its key through several
 * resizes and never by another key, deletions and flushes take exactly what
 * they should, larval SAs stay out of the packet path, outbound selection
 * prefers MATURE then newest, and SPI allocation stays inside its range;
 * and at scale (sad_scale.c).
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "../sad.c"

static struct nfipsec_net *new_nn(struct kunit *test)
{
	struct nfipsec_net *nn = kunit_kzalloc(test, sizeof(*nn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, nn);
	mutex_init(&nn->cfg_lock);
	KUNIT_ASSERT_EQ(test, nfipsec_sad_net_init(nn), 0);
	return nn;
}

static union nf_inet_addr v4(u32 a)
{
	union nf_inet_addr x = { .ip = htonl(a) };

	return x;
}

/* Must be called with cfg_lock held. Adds an SA; NULL if the add failed. */
static struct nfipsec_sa *add(struct kunit *test, struct nfipsec_net *nn,
			      u8 proto, u32 spi, u32 dst, u8 state)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(nn, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	sa->proto = proto;
	sa->spi = htonl(spi);
	sa->family = AF_INET;
	sa->daddr = v4(dst);
	sa->saddr = v4(0x0a000001);
	sa->mode = NFIPSEC_MODE_TRANSPORT;
	sa->state = state;
	if (nfipsec_sad_add(nn, sa)) {
		sa->state = NFIPSEC_SA_DEAD;
		nfipsec_sa_put(sa);
		return NULL;
	}
	return sa;
}

static struct nfipsec_sa *lookup(struct nfipsec_net *nn, u8 proto, u32 spi,
				 u32 dst)
{
	union nf_inet_addr d = v4(dst);
	struct nfipsec_sa *sa;

	rcu_read_lock();
	sa = nfipsec_sad_lookup_rcu(nn, proto, htonl(spi), AF_INET, &d);
	rcu_read_unlock();
	return sa;
}

#define MANY 3000

static void sad_many_through_resizes(struct kunit *test)
{
	struct nfipsec_net *nn = new_nn(test);
	struct nfipsec_sa **sas;
	unsigned int i;

	sas = kunit_kcalloc(test, MANY, sizeof(*sas), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sas);
	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < MANY; i++) {
		sas[i] = add(test, nn, IPPROTO_ESP, 0x1000 + i, 0x0a000000 + i % 7,
			     NFIPSEC_SA_MATURE);
		KUNIT_ASSERT_NOT_NULL(test, sas[i]);
	}
	KUNIT_EXPECT_EQ(test, nfipsec_sad_count(nn), MANY);
	/* It grew: at most one SA per bucket on average. */
	KUNIT_EXPECT_GE(test, 1U << table_locked(nn)->shift, MANY);
	/* The same key again is refused. */
	KUNIT_EXPECT_NULL(test, add(test, nn, IPPROTO_ESP, 0x1000,
				    0x0a000000, NFIPSEC_SA_MATURE));
	mutex_unlock(&nn->cfg_lock);

	for (i = 0; i < MANY; i++) {
		u32 dst = 0x0a000000 + i % 7;

		KUNIT_EXPECT_PTR_EQ(test, lookup(nn, IPPROTO_ESP, 0x1000 + i,
						 dst), sas[i]);
		/* Another destination, another protocol: not this SA. */
		KUNIT_EXPECT_NULL(test, lookup(nn, IPPROTO_ESP, 0x1000 + i,
					       dst + 7));
		KUNIT_EXPECT_NULL(test, lookup(nn, IPPROTO_AH, 0x1000 + i,
					       dst));
	}

	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < MANY; i += 2)
		nfipsec_sad_del(nn, sas[i]);
	KUNIT_EXPECT_EQ(test, nfipsec_sad_count(nn), MANY / 2);
	mutex_unlock(&nn->cfg_lock);
	for (i = 0; i < MANY; i++)
		KUNIT_EXPECT_PTR_EQ(test,
				    lookup(nn, IPPROTO_ESP, 0x1000 + i,
					   0x0a000000 + i % 7),
				    i % 2 ? sas[i] : NULL);
	nfipsec_sad_net_exit(nn);
}

static void sad_flush_by_proto(struct kunit *test)
{
	struct nfipsec_net *nn = new_nn(test);
	unsigned int i;

	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < 40; i++)
		KUNIT_ASSERT_NOT_NULL(test, add(test, nn, i % 2 ? IPPROTO_AH :
						IPPROTO_ESP, 0x500 + i,
						0x0a000002,
						NFIPSEC_SA_MATURE));
	nfipsec_sad_flush(nn, IPPROTO_AH);
	KUNIT_EXPECT_EQ(test, nfipsec_sad_count(nn), 20);
	mutex_unlock(&nn->cfg_lock);
	KUNIT_EXPECT_NOT_NULL(test, lookup(nn, IPPROTO_ESP, 0x500, 0x0a000002));
	KUNIT_EXPECT_NULL(test, lookup(nn, IPPROTO_AH, 0x501, 0x0a000002));
	mutex_lock(&nn->cfg_lock);
	nfipsec_sad_flush(nn, 0);
	KUNIT_EXPECT_EQ(test, nfipsec_sad_count(nn), 0);
	mutex_unlock(&nn->cfg_lock);
	nfipsec_sad_net_exit(nn);
}

static void sad_larval(struct kunit *test)
{
	struct nfipsec_net *nn = new_nn(test);
	union nf_inet_addr d = v4(0x0a000002), other = v4(0x0a000003);
	struct nfipsec_sa *sa;

	mutex_lock(&nn->cfg_lock);
	sa = nfipsec_sa_alloc(nn, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sa);
	sa->proto = IPPROTO_ESP;
	sa->spi = htonl(0x777);
	sa->family = AF_INET;
	sa->daddr = d;
	sa->seq = 42;
	sa->state = NFIPSEC_SA_LARVAL;
	KUNIT_ASSERT_EQ(test, nfipsec_sad_add(nn, sa), 0);
	/* Found for PF_KEY, by key and by seq; never for packets. */
	KUNIT_EXPECT_PTR_EQ(test, nfipsec_sad_find(nn, IPPROTO_ESP,
						   htonl(0x777), AF_INET, &d),
			    sa);
	KUNIT_EXPECT_PTR_EQ(test, nfipsec_sad_find_larval(nn, 42, AF_INET, &d),
			    sa);
	KUNIT_EXPECT_NULL(test, nfipsec_sad_find_larval(nn, 42, AF_INET,
							&other));
	KUNIT_EXPECT_NULL(test, nfipsec_sad_find_larval(nn, 43, AF_INET, &d));
	mutex_unlock(&nn->cfg_lock);
	KUNIT_EXPECT_NULL(test, lookup(nn, IPPROTO_ESP, 0x777, 0x0a000002));
	mutex_lock(&nn->cfg_lock);
	nfipsec_sad_del(nn, sa);
	KUNIT_EXPECT_NULL(test, nfipsec_sad_find_larval(nn, 42, AF_INET, &d));
	mutex_unlock(&nn->cfg_lock);
	nfipsec_sad_net_exit(nn);
}

static struct nfipsec_sa *out(struct nfipsec_net *nn, u8 mode, u32 reqid,
			      const union nf_inet_addr *saddr)
{
	union nf_inet_addr d = v4(0x0a000009);
	struct nfipsec_sa *sa;

	rcu_read_lock();
	sa = nfipsec_sad_lookup_out_rcu(nn, AF_INET, IPPROTO_ESP, mode, reqid,
					saddr, &d);
	rcu_read_unlock();
	return sa;
}

static void sad_outbound_choice(struct kunit *test)
{
	struct nfipsec_net *nn = new_nn(test);
	union nf_inet_addr s = v4(0x0a000001), s2 = v4(0x0a0000ff);
	struct nfipsec_sa *old, *newer, *dying, *tun;

	mutex_lock(&nn->cfg_lock);
	old = add(test, nn, IPPROTO_ESP, 0x100, 0x0a000009, NFIPSEC_SA_MATURE);
	newer = add(test, nn, IPPROTO_ESP, 0x101, 0x0a000009,
		    NFIPSEC_SA_MATURE);
	dying = add(test, nn, IPPROTO_ESP, 0x102, 0x0a000009,
		    NFIPSEC_SA_DYING);
	tun = add(test, nn, IPPROTO_ESP, 0x103, 0x0a000009, NFIPSEC_SA_MATURE);
	KUNIT_ASSERT_TRUE(test, old && newer && dying && tun);
	old->add_time = 1000;
	newer->add_time = 2000;
	dying->add_time = 3000;		/* newest, but dying */
	tun->add_time = 4000;
	tun->mode = NFIPSEC_MODE_TUNNEL;
	tun->reqid = 7;
	mutex_unlock(&nn->cfg_lock);

	KUNIT_EXPECT_PTR_EQ(test, out(nn, NFIPSEC_MODE_TRANSPORT, 0, &s), newer);
	KUNIT_EXPECT_PTR_EQ(test, out(nn, NFIPSEC_MODE_ANY, 0, NULL), tun);
	KUNIT_EXPECT_PTR_EQ(test, out(nn, NFIPSEC_MODE_TUNNEL, 7, &s), tun);
	KUNIT_EXPECT_NULL(test, out(nn, NFIPSEC_MODE_TUNNEL, 8, &s));
	KUNIT_EXPECT_NULL(test, out(nn, NFIPSEC_MODE_TRANSPORT, 0, &s2));

	mutex_lock(&nn->cfg_lock);
	nfipsec_sad_del(nn, newer);
	nfipsec_sad_del(nn, old);
	mutex_unlock(&nn->cfg_lock);
	/* Only the dying one is left in transport mode: still usable. */
	KUNIT_EXPECT_PTR_EQ(test, out(nn, NFIPSEC_MODE_TRANSPORT, 0, &s),
			    dying);
	nfipsec_sad_net_exit(nn);
}

static void sad_spi_alloc(struct kunit *test)
{
	struct nfipsec_net *nn = new_nn(test);
	union nf_inet_addr d = v4(0x0a000002);
	unsigned int i;
	__be32 spi;

	mutex_lock(&nn->cfg_lock);
	for (i = 0x100; i < 0x104; i++)
		KUNIT_ASSERT_NOT_NULL(test, add(test, nn, IPPROTO_ESP, i,
						0x0a000002,
						NFIPSEC_SA_MATURE));
	/* One free SPI in the range: always that one. */
	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ(test, nfipsec_sad_alloc_spi(nn, IPPROTO_ESP,
							    AF_INET, &d, 0x100,
							    0x104, &spi), 0);
		KUNIT_EXPECT_EQ(test, ntohl(spi), 0x104);
	}
	KUNIT_EXPECT_EQ(test, nfipsec_sad_alloc_spi(nn, IPPROTO_ESP, AF_INET,
						    &d, 0x100, 0x103, &spi),
			-ENOENT);
	/* The same SPIs are free for AH. */
	KUNIT_EXPECT_EQ(test, nfipsec_sad_alloc_spi(nn, IPPROTO_AH, AF_INET,
						    &d, 0x100, 0x103, &spi), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_sad_alloc_spi(nn, IPPROTO_ESP, AF_INET,
						    &d, 0, 0x103, &spi),
			-EINVAL);
	/* A wide range: the answer lies inside it. */
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, nfipsec_sad_alloc_spi(nn, IPPROTO_ESP,
							    AF_INET, &d,
							    0xc0000000,
							    0xcfffffff, &spi),
				0);
		KUNIT_EXPECT_GE(test, ntohl(spi), 0xc0000000);
		KUNIT_EXPECT_LE(test, ntohl(spi), 0xcfffffff);
	}
	mutex_unlock(&nn->cfg_lock);
	nfipsec_sad_net_exit(nn);
}

#include "sad_scale.c"

static struct kunit_case sad_cases[] = {
	KUNIT_CASE(sad_many_through_resizes),
	KUNIT_CASE(sad_flush_by_proto),
	KUNIT_CASE(sad_larval),
	KUNIT_CASE(sad_outbound_choice),
	KUNIT_CASE(sad_spi_alloc),
	KUNIT_CASE_SLOW(sad_scale),
	{}
};

static struct kunit_suite sad_suite = {
	.name = "nfipsec_sad",
	.test_cases = sad_cases,
};

kunit_test_suites(&sad_suite);
