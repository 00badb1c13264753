// SPDX-License-Identifier: GPL-2.0
/*
 * The SPD of make bench's scale phase (tests/bench/scale.bash), counted
 * rather than timed. Included by spd_test.c.
 *
 * N - 1 decoys in turn: the measured host pair with another UDP
 * destination port, a host elsewhere (198.18/15), a /24 pair for TCP;
 * then the pair's catch-all, last, which the measured flow (UDP to iperf3's
 * port) matches. The bench's target is a flat per-packet lookup from
 * N = 1 to 100k. Under TCG its packets/s are too noisy to show a 10 %
 * step, so here the work of one classified lookup of that flow is
 * counted: tuples probed, chain entries compared, fallback entries
 * matched. probe_cost() walks the same structure as nfipsec_cls_lookup()
 * and compiled_lookup(); it must stay bounded by a small constant.
 */

static const u32 mix_sizes[] = { 1, 1000, 10000, 100000 };

/* The bench's iperf3 flow: 192.0.2.1 -> 192.0.2.2, UDP to 5201. */
static void mix_flow(struct nfipsec_flow *f)
{
	flow4(f, IPPROTO_UDP, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 40000,
	      5201);
}

static void mix_decoy(struct nfipsec_sel *s, u32 i)
{
	u32 j = i / 3;

	sel_any(s, AF_INET);
	switch (i % 3) {
	case 0:		/* the measured pair, another UDP port */
		prefix4(&s->local, IP4(192, 0, 2, 1), 32);
		prefix4(&s->remote, IP4(192, 0, 2, 2), 32);
		s->proto = IPPROTO_UDP;
		s->rport_lo = 10000 + j;
		s->rport_hi = s->rport_lo;
		break;
	case 1:		/* a host elsewhere */
		prefix4(&s->local, IP4(192, 0, 2, 1), 32);
		prefix4(&s->remote, IP4(198, 18 + (j >> 16) % 2, (j >> 8) & 255,
					j & 255), 32);
		break;
	default:	/* a /24 pair, TCP */
		prefix4(&s->local, IP4(192, 0, 2, 0), 24);
		prefix4(&s->remote, IP4(10, (j >> 8) & 255, j & 255, 0), 24);
		s->proto = IPPROTO_TCP;
		break;
	}
}

/* What compiled_lookup() examines for @fl, step by step. */
static u32 probe_cost(const struct nfipsec_spd_compiled *c,
		      const struct nfipsec_flow *fl)
{
	const struct nfipsec_cls *cls = c->cls;
	unsigned int fam;
	struct nfipsec_point pt;
	struct nfipsec_u128 l, r;
	u32 t, e, i, v[3], cost = 0;

	nfipsec_point_from_flow(&pt, fl);
	fam = fam_idx(pt.family);
	for (t = cls->fam_start[fam]; t < cls->fam_end[fam]; t++) {
		const struct cls_tuple *tu = &cls->tuples[t];

		cost++;
		mask_to(&l, &pt.addr[0], &tu->lmask);
		mask_to(&r, &pt.addr[1], &tu->rmask);
		exact_vals(v, pt.v, tu->exact);
		for (e = cls->buckets[key_hash(&l, &r, v, t) & cls->hmask];
		     e != CLS_NONE; e = cls->entries[e].next) {
			const struct cls_entry *ent = &cls->entries[e];

			cost++;
			if (ent->tuple == t && !nfipsec_u128_cmp(&ent->l, &l) &&
			    !nfipsec_u128_cmp(&ent->r, &r) &&
			    !memcmp(ent->v, v, sizeof(v)) &&
			    nfipsec_box_contains(&ent->piece->box, &pt))
				return cost;
		}
	}
	for (i = 0; i < c->decor.nr_fallback; i++) {
		cost++;
		if (nfipsec_sel_match(&c->decor.fallback[i]->sel, fl))
			break;
	}
	return cost;
}

/* One SPD of @n policies: the cost of the measured flow's lookup. */
static u32 mix_one(struct kunit *test, u32 n)
{
	const u32 reps = 20000;
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy *pol, *last;
	struct nfipsec_spd_compiled *c;
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	u32 i, cost, hits = 0;
	u64 t0, t1;

	mutex_lock(&nn->cfg_lock);
	for (i = 0; i + 1 < n; i++) {
		mix_decoy(&s, i);
		pol = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 100, &s);
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol, false), 0);
		if (!(i & 4095))
			cond_resched();
	}
	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(192, 0, 2, 1), 32);
	prefix4(&s.remote, IP4(192, 0, 2, 2), 32);
	last = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 100, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, last, false), 0);
	t0 = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	t1 = ktime_get_ns();
	c = &current_gen(nn)->dir[NFIPSEC_DIR_OUT];

	mix_flow(&f);
	KUNIT_EXPECT_PTR_EQ(test, compiled_lookup(c, &f), last);
	/* A decoy's port and a decoy host still find their own policy. */
	if (n > 3) {
		f.rport = 10000;
		KUNIT_EXPECT_PTR_NE(test, compiled_lookup(c, &f), last);
		mix_flow(&f);
	}
	cost = probe_cost(c, &f);

	t0 = t1 - t0;
	t1 = ktime_get_ns();
	for (i = 0; i < reps; i++)
		hits += compiled_lookup(c, &f) == last;
	t1 = ktime_get_ns() - t1;
	KUNIT_EXPECT_EQ(test, hits, reps);
	kunit_info(test, "N=%u: compiled in %llu ms, %u pieces, %u fallback, %u tuples, longest chain %u; the flow's lookup examines %u, %llu ns\n",
		   n, div_u64(t0, NSEC_PER_MSEC), c->decor.nr_pieces,
		   c->decor.nr_fallback, nfipsec_cls_tuples(c->cls),
		   nfipsec_cls_longest_chain(c->cls), cost,
		   div_u64(t1, reps));
	mutex_unlock(&nn->cfg_lock);
	return cost;
}

static void spd_bench_mix(struct kunit *test)
{
	u32 k, cost;

	for (k = 0; k < ARRAY_SIZE(mix_sizes); k++) {
		/* Under KASAN and TCG 100k takes minutes; make check has it. */
		if (IS_ENABLED(CONFIG_KASAN) && mix_sizes[k] > 10000) {
			kunit_info(test, "N=%u: skipped under KASAN\n",
				   mix_sizes[k]);
			continue;
		}
		cost = mix_one(test, mix_sizes[k]);
		/*
		 * Three decoy tuples, a few colliding entries in each probed
		 * bucket (the table is as big as its entries), one fallback
		 * entry: a constant, whatever N.
		 */
		KUNIT_EXPECT_LE(test, cost, 16U);
	}
}
