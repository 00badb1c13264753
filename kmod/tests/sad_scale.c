// SPDX-License-Identifier: GPL-2.0
/*
 * The SAD at scale, the way make bench's SAD phase fills it: one receiving
 * address, sad_scale_n inbound SAs from other peers with SPIs of their
 * own. Included by sad_test.c.
 *
 * What is asserted: every SA is found by its key and the table grew to its
 * largest size, whose longest by_spi chain stays short (a lookup walks one
 * chain). What is reported: insertion and lookup times, and the bytes per
 * SA of the SAD's own structures (without the AEAD, which PF_KEY adds:
 * Documentation/performance.md has both). make check runs 100000 SAs
 * (10000 on the debug kernel); the million of issue 7 is
 * `sad_scale_n=1000000` on the test module (Documentation/performance.md
 * says how it was run).
 */
#include <linux/moduleparam.h>

static unsigned int sad_scale_n;
module_param(sad_scale_n, uint, 0444);
MODULE_PARM_DESC(sad_scale_n,
		 "SAs in the nfipsec_sad.sad_scale case (default 100000, 10000 under KASAN)");

#define SCALE_DST	0xc0000202	/* 192.0.2.2, every SA's destination */
#define SCALE_SPI	0x200000

/* Must be called with cfg_lock held. */
static u32 longest_spi_chain(struct nfipsec_net *nn)
{
	struct sad_table *t = table_locked(nn);
	u32 b, len, longest = 0;
	struct nfipsec_sa *sa;

	for (b = 0; b < 1U << t->shift; b++) {
		len = 0;
		hlist_for_each_entry(sa, &t->by_spi[b], by_spi)
			len++;
		longest = max(longest, len);
	}
	return longest;
}

static void sad_scale(struct kunit *test)
{
	/* Under KASAN and TCG 100k takes minutes; make check has it. */
	const u32 n = sad_scale_n ?: (IS_ENABLED(CONFIG_KASAN) ? 10000 : 100000);
	const u32 probes = 100000;
	struct nfipsec_net *nn = new_nn(test);
	struct rnd_state rs;
	u32 i, k, found = 0, chain, shift;
	u64 t0, t_add, t_look;

	mutex_lock(&nn->cfg_lock);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, add(test, nn, IPPROTO_ESP,
						SCALE_SPI + i, SCALE_DST,
						NFIPSEC_SA_MATURE));
		if (!(i & 4095))
			cond_resched();
	}
	t_add = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, nfipsec_sad_count(nn), n);
	shift = table_locked(nn)->shift;
	KUNIT_EXPECT_EQ(test, shift,
			min_t(u32, SAD_MAX_SHIFT,
			      max_t(u32, SAD_MIN_SHIFT, order_base_2(n))));
	chain = longest_spi_chain(nn);
	mutex_unlock(&nn->cfg_lock);
	/* At most a few SAs per bucket up to 2^20 buckets; more above. */
	KUNIT_EXPECT_LE(test, chain, 16 + (n >> SAD_MAX_SHIFT) * 4);

	prandom_seed_state(&rs, n);
	t0 = ktime_get_ns();
	for (i = 0; i < probes; i++) {
		k = prandom_u32_state(&rs) % n;
		found += lookup(nn, IPPROTO_ESP, SCALE_SPI + k, SCALE_DST) !=
			 NULL;
	}
	t_look = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, found, probes);
	KUNIT_EXPECT_NULL(test, lookup(nn, IPPROTO_ESP, SCALE_SPI + n,
				       SCALE_DST));

	kunit_info(test, "%u SAs: added in %llu ms (%llu ns each), 2^%u buckets, longest by_spi chain %u, lookup %llu ns; %zu bytes of struct nfipsec_sa (slab %zu) + %zu per CPU x %u + %zu of buckets per SA\n",
		   n, div_u64(t_add, NSEC_PER_MSEC), div_u64(t_add, n), shift,
		   chain, div_u64(t_look, probes), sizeof(struct nfipsec_sa),
		   kmalloc_size_roundup(sizeof(struct nfipsec_sa)),
		   sizeof(struct nfipsec_sa_stats), num_possible_cpus(),
		   (3 * sizeof(struct hlist_head) << shift) / n);
	nfipsec_sad_net_exit(nn);
}
