// SPDX-License-Identifier: GPL-2.0
/*
 * The SPD: ordering, the delayed rebuild, decorrelation worked through by
 * hand, the fallback list; and from spd_random.c, in the manner of
 * WireGuard's allowedips selftest, the compiled classifier checked
 * against a deliberately horrible reference (scan every policy, keep the
 * best by priority and insertion) on random policies and flows, before
 * and after additions, deletes and replaces, also on port-heavy sets. Ends
 * with a 100k-policy build, timed, a 22k-entry per-port policy list
 * whose classifier chains must stay short, and make bench's SPD mix at
 * 1 to 100k policies, whose lookup must examine no more at 100k than a
 * small constant (spd_bench_mix.c).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/prandom.h>
#include <linux/timekeeping.h>

#include "../box.c"
#include "../decorrelate.c"
#include "../classify.c"
#include "../spd_cache.c"
#include "../spd.c"

#include "sel_util.h"

static struct nfipsec_policy *mkpol(struct kunit *test, u8 dir, u8 action,
				    u32 prio, const struct nfipsec_sel *sel)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	pol->dir = dir;
	pol->action = action;
	pol->priority = prio;
	pol->sel = *sel;
	return pol;
}

static void fake_net_exit(void *arg)
{
	struct nfipsec_net *nn = arg;

	nfipsec_spd_net_exit(nn);
	kfree(nn);
}

static struct nfipsec_net *fake_net(struct kunit *test)
{
	struct nfipsec_net *nn = kzalloc(sizeof(*nn), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, nn);
	mutex_init(&nn->cfg_lock);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_net_init(nn), 0);
	ret = kunit_add_action_or_reset(test, fake_net_exit, nn);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return nn;
}

static const struct nfipsec_policy *lookup(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_flow *f)
{
	struct nfipsec_spd_result res;

	rcu_read_lock();
	nfipsec_spd_lookup(nn, dir, f, &res);
	rcu_read_unlock();
	return res.pol;
}

static struct nfipsec_spd_gen *current_gen(struct nfipsec_net *nn)
{
	return rcu_dereference_protected(nn->spd->gen,
					 lockdep_is_held(&nn->cfg_lock));
}

static int walk_collect(struct nfipsec_policy *pol, void *arg)
{
	struct nfipsec_policy ***pos = arg;

	*(*pos)++ = pol;
	return 0;
}

static void spd_order(struct kunit *test)
{
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy *a, *b, *c, *d, *e, *seen[4], **pos = seen;
	struct nfipsec_sel s;
	struct nfipsec_flow f;

	flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1000, 22);
	mutex_lock(&nn->cfg_lock);
	sel_any(&s, AF_INET);
	a = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 10, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, a, false), 0);
	s.proto = IPPROTO_TCP;
	b = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_DISCARD, 5, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, b, false), 0);
	s.rport_lo = 22;
	s.rport_hi = 22;
	c = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 10, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, c, false), 0);

	/* The same selector again is refused unless it is a replace. */
	d = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 1, &s);
	KUNIT_EXPECT_EQ(test, nfipsec_spd_add(nn, d, false), -EEXIST);
	nfipsec_policy_put(d);

	KUNIT_EXPECT_EQ(test, nfipsec_spd_walk(nn, walk_collect, &pos), 0);
	KUNIT_ASSERT_EQ(test, pos - seen, 3);
	KUNIT_EXPECT_PTR_EQ(test, seen[0], b);
	KUNIT_EXPECT_PTR_EQ(test, seen[1], a);
	KUNIT_EXPECT_PTR_EQ(test, seen[2], c);
	KUNIT_EXPECT_EQ(test, a->index & 7, NFIPSEC_DIR_OUT);
	KUNIT_EXPECT_NE(test, a->index, b->index);

	/* Uncompiled (the list) and compiled must agree. */
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), b);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	KUNIT_EXPECT_EQ(test, current_gen(nn)->seq, nn->spd->change_seq);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), b);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), b);
	KUNIT_EXPECT_NULL(test, lookup(nn, NFIPSEC_DIR_IN, &f));

	/* Deleting B uncovers A, the earlier of the two at priority 10;
	 * the cached answer must not survive the change.
	 */
	KUNIT_EXPECT_PTR_EQ(test, nfipsec_spd_del_index(nn, b->index), b);
	nfipsec_policy_put(b);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), a);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), a);

	/* A later equal priority stays behind; a better one goes ahead. */
	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(10, 0, 0, 0), 8);
	d = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_DISCARD, 10, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, d, false), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), a);
	prefix4(&s.local, IP4(10, 0, 0, 0), 16);
	e = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 9, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, e, false), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), e);

	/* Delete by selector; an unknown one is -ENOENT. */
	KUNIT_EXPECT_PTR_EQ(test, nfipsec_spd_del_sel(nn, NFIPSEC_DIR_OUT, &s),
			    e);
	nfipsec_policy_put(e);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nfipsec_spd_del_sel(nn, NFIPSEC_DIR_OUT,
							  &s)), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), a);
	nfipsec_spd_flush(nn);
	KUNIT_EXPECT_NULL(test, lookup(nn, NFIPSEC_DIR_OUT, &f));
	mutex_unlock(&nn->cfg_lock);
}

/*
 * Without a commit, the delayed rebuild compiles a batch of changes by
 * itself, outside cfg_lock, and lookups are exact before and after.
 */
static void spd_batched_rebuild(struct kunit *test)
{
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy *pol[50];
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	bool done = false;
	u32 i, tries;

	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < ARRAY_SIZE(pol); i++) {
		sel_any(&s, AF_INET);
		prefix4(&s.local, IP4(10, 0, i, 0), 24);
		pol[i] = mkpol(test, NFIPSEC_DIR_IN, NFIPSEC_ACT_BYPASS, 0, &s);
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol[i], false), 0);
	}
	KUNIT_EXPECT_FALSE(test, gen_is_current(nn));
	mutex_unlock(&nn->cfg_lock);

	flow4(&f, IPPROTO_UDP, IP4(10, 0, 7, 1), IP4(1, 2, 3, 4), 53, 53);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_IN, &f), pol[7]);
	/* Compiled, and then the pending list trimmed. */
	for (tries = 0; tries < 500 && !done; tries++) {
		msleep(20);
		mutex_lock(&nn->cfg_lock);
		done = gen_is_current(nn) && list_empty(&nn->spd->pending);
		mutex_unlock(&nn->cfg_lock);
	}
	KUNIT_ASSERT_TRUE(test, done);
	for (i = 0; i < ARRAY_SIZE(pol); i++) {
		f.local.ip = htonl(IP4(10, 0, i, 200));
		KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_IN, &f),
				    pol[i]);
	}
	f.local.ip = htonl(IP4(10, 0, 50, 1));
	KUNIT_EXPECT_NULL(test, lookup(nn, NFIPSEC_DIR_IN, &f));
}

/* Number of points in a box; the caller keeps it below 2^64. */
static u64 box_volume(const struct nfipsec_box *b)
{
	struct nfipsec_u128 lo, hi;
	unsigned int d;
	u64 v = 1;

	for (d = 0; d < NFIPSEC_DIMS; d++) {
		nfipsec_box_get(b, d, &lo, &hi);
		v *= hi.lo - lo.lo + 1;
	}
	return v;
}

static bool box_inside(const struct nfipsec_box *in,
		       const struct nfipsec_box *out)
{
	struct nfipsec_u128 ilo, ihi, olo, ohi;
	unsigned int d;

	for (d = 0; d < NFIPSEC_DIMS; d++) {
		nfipsec_box_get(in, d, &ilo, &ihi);
		nfipsec_box_get(out, d, &olo, &ohi);
		if (nfipsec_u128_cmp(&ilo, &olo) < 0 ||
		    nfipsec_u128_cmp(&ihi, &ohi) > 0)
			return false;
	}
	return true;
}

/*
 * RFC 4301 Appendix B by hand: a BYPASS for ssh from 10.1.2.0/26 sits
 * above a PROTECT for 10.1.2.0/24 -> 192.168.0.0/30. The PROTECT entry is
 * carved: its pieces are disjoint, inside it, outside the BYPASS, and
 * their volume is the PROTECT's less the part the BYPASS took.
 */
static void spd_decorrelate_example(struct kunit *test)
{
	struct nfipsec_policy *pol[2];
	struct nfipsec_box pbox, bbox, *both;
	struct nfipsec_spd_limits lim;
	struct nfipsec_decor d;
	struct nfipsec_point pt;
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	u64 vol = 0;
	u32 i, j;

	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(10, 1, 2, 0), 26);
	s.proto = IPPROTO_TCP;
	s.rport_lo = 22;
	s.rport_hi = 22;
	pol[0] = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 1, &s);
	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(10, 1, 2, 0), 24);
	prefix4(&s.remote, IP4(192, 168, 0, 0), 30);
	pol[1] = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 2, &s);
	nfipsec_box_from_sel(&bbox, &pol[0]->sel);
	nfipsec_box_from_sel(&pbox, &pol[1]->sel);
	both = kunit_kcalloc(test, NFIPSEC_BOX_SPLIT_MAX, sizeof(*both),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, both);

	lim = NFIPSEC_SPD_LIMITS_DEFAULT;
	KUNIT_ASSERT_EQ(test, nfipsec_decorrelate(pol, 2, &lim, &d), 0);
	KUNIT_EXPECT_EQ(test, d.nr_fallback, 0U);
	/* SPD-O: the BYPASS, whole. SPD-S: the PROTECT's pieces. */
	KUNIT_ASSERT_EQ(test, d.nr_pieces - d.nr_protect, 1U);
	KUNIT_EXPECT_PTR_EQ(test, d.pieces[d.nr_protect].pol, pol[0]);
	KUNIT_EXPECT_TRUE(test, box_inside(&d.pieces[d.nr_protect].box, &bbox));
	KUNIT_EXPECT_TRUE(test, box_inside(&bbox, &d.pieces[d.nr_protect].box));
	KUNIT_EXPECT_GT(test, d.nr_protect, 1U);
	for (i = 0; i < d.nr_protect; i++) {
		const struct nfipsec_box *b = &d.pieces[i].box;

		KUNIT_EXPECT_PTR_EQ(test, d.pieces[i].pol, pol[1]);
		KUNIT_EXPECT_TRUE(test, box_inside(b, &pbox));
		KUNIT_EXPECT_FALSE(test, nfipsec_box_overlap(b, &bbox));
		for (j = 0; j < d.nr_pieces; j++) {
			const struct nfipsec_box *o = &d.pieces[j].box;

			if (j != i)
				KUNIT_EXPECT_FALSE(test, nfipsec_box_overlap(b, o));
		}
		vol += box_volume(b);
	}
	/* The part the BYPASS takes is itself one box. */
	KUNIT_ASSERT_EQ(test, nfipsec_box_subtract(&pbox, &bbox, both),
			d.nr_protect);
	bbox.addr_lo[1] = pbox.addr_lo[1];
	bbox.addr_hi[1] = pbox.addr_hi[1];
	KUNIT_EXPECT_EQ(test, vol, box_volume(&pbox) - box_volume(&bbox));
	KUNIT_EXPECT_EQ(test, box_volume(&bbox), 64ULL * 4 * 1 * 65537 * 1);

	/* Flows on the edges land in the right piece, or in none. */
	flow4(&f, IPPROTO_TCP, IP4(10, 1, 2, 63), IP4(192, 168, 0, 3), 9, 22);
	nfipsec_point_from_flow(&pt, &f);
	for (i = 0, j = 0; i < d.nr_pieces; i++)
		j += nfipsec_box_contains(&d.pieces[i].box, &pt) ?
		     (d.pieces[i].pol == pol[0] ? 1 : 100) : 0;
	KUNIT_EXPECT_EQ(test, j, 1U);
	flow4(&f, IPPROTO_TCP, IP4(10, 1, 2, 64), IP4(192, 168, 0, 3), 9, 22);
	nfipsec_point_from_flow(&pt, &f);
	for (i = 0, j = 0; i < d.nr_pieces; i++)
		j += nfipsec_box_contains(&d.pieces[i].box, &pt) ?
		     (d.pieces[i].pol == pol[1] ? 1 : 100) : 0;
	KUNIT_EXPECT_EQ(test, j, 1U);
	flow4(&f, IPPROTO_TCP, IP4(10, 1, 2, 64), IP4(192, 168, 0, 4), 9, 22);
	nfipsec_point_from_flow(&pt, &f);
	for (i = 0, j = 0; i < d.nr_pieces; i++)
		j += nfipsec_box_contains(&d.pieces[i].box, &pt);
	KUNIT_EXPECT_EQ(test, j, 0U);

	nfipsec_decor_free(&d);
	nfipsec_policy_put(pol[0]);
	nfipsec_policy_put(pol[1]);
}

/*
 * A catch-all DISCARD below 100 host pairs overlaps more entries than
 * decorrelation will cut it by: it goes whole onto the fallback list, and
 * lookups stay exact. A BYPASS below the catch-all can never match.
 */
#define NR_HOSTS	100U

static void spd_fallback(struct kunit *test)
{
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy **host, *all, *dead;
	struct nfipsec_spd_compiled *c;
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	u32 i;

	host = kunit_kcalloc(test, NR_HOSTS, sizeof(*host), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, host);
	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < NR_HOSTS; i++) {
		sel_any(&s, AF_INET);
		prefix4(&s.local, IP4(10, 0, 0, i), 32);
		prefix4(&s.remote, IP4(192, 168, 0, i), 32);
		host[i] = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 1,
				&s);
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, host[i], false), 0);
	}
	sel_any(&s, AF_INET);
	all = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_DISCARD, 2, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, all, false), 0);
	prefix4(&s.local, IP4(10, 0, 0, 0), 8);
	dead = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 3, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, dead, false), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);

	c = &current_gen(nn)->dir[NFIPSEC_DIR_OUT];
	KUNIT_EXPECT_EQ(test, c->decor.nr_pieces, NR_HOSTS);
	KUNIT_EXPECT_EQ(test, c->decor.nr_protect, NR_HOSTS);
	KUNIT_ASSERT_GE(test, c->decor.nr_fallback, 1U);
	KUNIT_EXPECT_PTR_EQ(test, c->decor.fallback[0], all);
	/* Host pairs are the exact-match tuple. */
	KUNIT_EXPECT_EQ(test, nfipsec_cls_tuples(c->cls), 1U);

	for (i = 0; i < NR_HOSTS; i++) {
		flow4(&f, IPPROTO_UDP, IP4(10, 0, 0, i), IP4(192, 168, 0, i),
		      4500, 4500);
		KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f),
				    host[i]);
		f.remote.ip = htonl(IP4(192, 168, 0, i + 1));
		KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), all);
	}
	mutex_unlock(&nn->cfg_lock);
}

#include "spd_random.c"
#include "spd_bench_mix.c"

static struct kunit_case spd_cases[] = {
	KUNIT_CASE(spd_order),
	KUNIT_CASE(spd_batched_rebuild),
	KUNIT_CASE(spd_decorrelate_example),
	KUNIT_CASE(spd_fallback),
	KUNIT_CASE(spd_random_vs_horrible),
	KUNIT_CASE(spd_random_ports),
	KUNIT_CASE(spd_random_tight_limits),
	KUNIT_CASE_SLOW(spd_100k),
	KUNIT_CASE_SLOW(spd_ports_flat),
	KUNIT_CASE_SLOW(spd_bench_mix),
	{}
};

static struct kunit_suite spd_suite = {
	.name = "nfipsec_spd",
	.test_cases = spd_cases,
};

kunit_test_suites(&spd_suite);
