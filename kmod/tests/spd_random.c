// SPDX-License-Identifier: GPL-2.0
/*
 * The SPD's randomized and large cases, #included by spd_test.c (which
 * has the helpers and the unit under test): random policies and flows
 * against a deliberately horrible first-match reference, in the manner of
 * WireGuard's allowedips selftest, and a 100k-policy build.
 */

/* The horrible reference: every policy, keep the first by SPD order. */
struct horrible {
	struct nfipsec_policy *pol[512];
	u32 n;
};

static const struct nfipsec_policy *
horrible_lookup(const struct horrible *h, u8 dir, const struct nfipsec_flow *f)
{
	const struct nfipsec_policy *best = NULL, *p;
	u32 i;

	for (i = 0; i < h->n; i++) {
		p = h->pol[i];
		if (p->dir != dir || !nfipsec_sel_match(&p->sel, f))
			continue;
		if (!best || p->priority < best->priority ||
		    (p->priority == best->priority && p->seq < best->seq))
			best = p;
	}
	return best;
}

static u32 rnd(struct rnd_state *rs, u32 n)
{
	return prandom_u32_state(rs) % n;
}

/*
 * Addresses from a small pool, so that random entries overlap; @heavy
 * (a port-heavy set) picks from two hosts a side, so that most policies
 * share an address pair and differ only in protocol and ports.
 */
static void rnd_addr(struct rnd_state *rs, u8 family, bool remote, bool heavy,
		     union nf_inet_addr *a)
{
	if (heavy && family == AF_INET)
		addr4(a, (remote ? IP4(192, 168, 0, 0) : IP4(10, 0, 0, 0)) |
			 rnd(rs, 2));
	else if (heavy)
		addr6(a, 0x20010db8, remote ? 0xbbbb0000 : 0xaaaa0000, 0,
		      rnd(rs, 2));
	else if (family == AF_INET)
		addr4(a, (remote ? IP4(192, 168, 0, 0) : IP4(10, 0, 0, 0)) |
			 rnd(rs, 4) << 16 | rnd(rs, 4) << 8 | rnd(rs, 16));
	else
		addr6(a, 0x20010db8, remote ? 0xbbbb0000 + rnd(rs, 4) :
			 0xaaaa0000 + rnd(rs, 4), 0, rnd(rs, 16));
}

static void rnd_range(struct rnd_state *rs, u8 family, bool remote,
		      bool heavy, struct nfipsec_addr_range *r)
{
	static const u8 len4[] = { 0, 8, 14, 16, 22, 24, 28, 30, 32, 32 };
	static const u8 len6[] = { 0, 32, 62, 64, 100, 124, 126, 128, 128 };
	union nf_inet_addr a, b;

	rnd_addr(rs, family, remote, heavy, &a);
	if (heavy && rnd(rs, 8)) {
		nfipsec_sel_set_prefix(r, family, &a,
				       family == AF_INET ? 32 : 128);
		return;
	}
	if (rnd(rs, 5) == 0) {
		rnd_addr(rs, family, remote, heavy, &b);
		if (memcmp(&a, &b, family == AF_INET ? 4 : 16) > 0)
			swap(a, b);
		r->lo = a;
		r->hi = b;
		return;
	}
	if (family == AF_INET)
		nfipsec_sel_set_prefix(r, family, &a,
				       len4[rnd(rs, ARRAY_SIZE(len4))]);
	else
		nfipsec_sel_set_prefix(r, family, &a,
				       len6[rnd(rs, ARRAY_SIZE(len6))]);
}

static const u8 rnd_protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
				 IPPROTO_ESP };
static const u16 rnd_ports[] = { 22, 80, 443, 500, 4500, 1024 };

/* Ports for a port-heavy set: mostly single ports out of 300. */
static void rnd_ports_heavy(struct rnd_state *rs, u16 *lo, u16 *hi,
			    u8 *flags, u8 opaque_flag)
{
	switch (rnd(rs, 10)) {
	case 0:
		*flags |= opaque_flag;
		fallthrough;
	case 1:
		break;		/* ANY */
	case 2:
		*lo = rnd(rs, 300);
		*hi = *lo + rnd(rs, 20);
		break;
	default:
		*lo = rnd(rs, 300);
		*hi = *lo;
	}
}

static void rnd_ports_sel(struct rnd_state *rs, u16 *lo, u16 *hi, u8 *flags,
			  u8 opaque_flag)
{
	u16 a, b;

	switch (rnd(rs, 8)) {
	case 0:
		*flags |= opaque_flag;
		fallthrough;
	case 1:
	case 2:
	case 3:
		break;		/* ANY */
	case 4:
	case 5:
		*lo = rnd_ports[rnd(rs, ARRAY_SIZE(rnd_ports))];
		*hi = *lo;
		break;
	default:
		a = rnd(rs, 1100);
		b = rnd(rs, 1100);
		*lo = min(a, b);
		*hi = max(a, b);
	}
}

static void rnd_sel(struct rnd_state *rs, bool heavy, struct nfipsec_sel *s)
{
	u32 k;

	sel_any(s, rnd(rs, 3) ? AF_INET : AF_INET6);
	rnd_range(rs, s->family, false, heavy, &s->local);
	rnd_range(rs, s->family, true, heavy, &s->remote);
	if (rnd(rs, heavy ? 20 : 5) < 2)
		return;		/* protocol and ports ANY */
	/* Ports under protocol ANY too, as PF_KEY allows. */
	k = rnd(rs, 4);
	s->proto = k == 3 ? NFIPSEC_PROTO_ANY : rnd_protos[k];
	if (heavy) {
		s->proto = k == 3 ? NFIPSEC_PROTO_ANY : rnd_protos[k & 1];
		if (rnd(rs, 2))	/* local port ANY half the time */
			rnd_ports_heavy(rs, &s->lport_lo, &s->lport_hi,
					&s->flags, NFIPSEC_SEL_LPORT_OPAQUE);
		rnd_ports_heavy(rs, &s->rport_lo, &s->rport_hi, &s->flags,
				NFIPSEC_SEL_RPORT_OPAQUE);
		return;
	}
	rnd_ports_sel(rs, &s->lport_lo, &s->lport_hi, &s->flags,
		      NFIPSEC_SEL_LPORT_OPAQUE);
	rnd_ports_sel(rs, &s->rport_lo, &s->rport_hi, &s->flags,
		      NFIPSEC_SEL_RPORT_OPAQUE);
}

static void rnd_flow(struct rnd_state *rs, bool heavy, struct nfipsec_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = rnd(rs, 3) ? AF_INET : AF_INET6;
	rnd_addr(rs, f->family, false, heavy, &f->local);
	rnd_addr(rs, f->family, true, heavy, &f->remote);
	f->proto = rnd_protos[rnd(rs, heavy ? 2 : ARRAY_SIZE(rnd_protos))];
	if (rnd(rs, 10) == 0) {
		f->flags = NFIPSEC_FLOW_PORTS_OPAQUE;
		return;
	}
	if (heavy) {
		f->lport = rnd(rs, 320);
		f->rport = rnd(rs, 320);
		return;
	}
	f->lport = rnd(rs, 2) ? rnd_ports[rnd(rs, ARRAY_SIZE(rnd_ports))] :
				rnd(rs, 1200);
	f->rport = rnd(rs, 2) ? rnd_ports[rnd(rs, ARRAY_SIZE(rnd_ports))] :
				rnd(rs, 1200);
}

/* Every flow, every direction: the SPD must agree with the reference. */
static void check_flows(struct kunit *test, struct nfipsec_net *nn,
			const struct horrible *h, struct rnd_state *rs,
			bool heavy, u32 nflows, u32 *hits)
{
	const struct nfipsec_policy *want, *got;
	struct nfipsec_flow f;
	u32 i, dir;

	for (i = 0; i < nflows; i++) {
		rnd_flow(rs, heavy, &f);
		for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++) {
			want = horrible_lookup(h, dir, &f);
			got = lookup(nn, dir, &f);
			KUNIT_ASSERT_PTR_EQ_MSG(test, got, want,
						"flow %u dir %u", i, dir);
			/* Again, now from the flow cache. */
			KUNIT_ASSERT_PTR_EQ(test, lookup(nn, dir, &f), want);
			*hits += !!want;
		}
	}
}

/*
 * Appendix B's promise, checked structurally on a compiled direction: the
 * pieces are pairwise disjoint, each lies inside its own policy, and none
 * reaches into a policy that comes earlier in SPD order.
 */
static void check_decor(struct kunit *test,
			const struct nfipsec_spd_compiled *c)
{
	const struct nfipsec_decor *d = &c->decor;
	struct nfipsec_box own, other;
	u32 i, j, k;

	for (i = 0; i < d->nr_pieces; i++) {
		const struct nfipsec_piece *p = &d->pieces[i];

		KUNIT_ASSERT_EQ(test, i < d->nr_protect,
				p->pol->action == NFIPSEC_ACT_PROTECT);
		for (j = i + 1; j < d->nr_pieces; j++) {
			bool meet = nfipsec_box_overlap(&p->box,
							&d->pieces[j].box);

			KUNIT_ASSERT_FALSE_MSG(test, meet, "pieces %u, %u", i, j);
		}
		nfipsec_box_from_sel(&own, &p->pol->sel);
		KUNIT_ASSERT_TRUE(test, box_inside(&p->box, &own));
		for (k = 0; c->pols[k] != p->pol; k++) {
			nfipsec_box_from_sel(&other, &c->pols[k]->sel);
			KUNIT_ASSERT_FALSE(test,
					   nfipsec_box_overlap(&p->box, &other));
		}
	}
}

static void random_run(struct kunit *test,
		       const struct nfipsec_spd_limits *lim, u64 seed,
		       bool heavy, u32 *nr_fallback)
{
	struct nfipsec_net *nn = fake_net(test);
	struct horrible *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct nfipsec_policy *pol, *gone;
	struct nfipsec_spd_gen *gen;
	u32 i, k, hits = 0, pieces = 0, fallback = 0;
	struct rnd_state rs;
	struct nfipsec_sel s;

	KUNIT_ASSERT_NOT_NULL(test, h);
	prandom_seed_state(&rs, seed);
	mutex_lock(&nn->cfg_lock);
	nn->spd->limits = *lim;
	while (h->n < 300) {
		rnd_sel(&rs, heavy, &s);
		pol = mkpol(test, rnd(&rs, NFIPSEC_DIR_MAX), rnd(&rs, 3),
			    rnd(&rs, 5), &s);
		if (nfipsec_spd_add(nn, pol, false)) {
			nfipsec_policy_put(pol);	/* a duplicate */
			continue;
		}
		h->pol[h->n++] = pol;
	}
	/* The list path, before anything is compiled. */
	check_flows(test, nn, h, &rs, heavy, 500, &hits);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	gen = current_gen(nn);
	KUNIT_ASSERT_EQ(test, gen->seq, nn->spd->change_seq);
	for (i = 0; i < NFIPSEC_DIR_MAX; i++) {
		pieces += gen->dir[i].decor.nr_pieces;
		fallback += gen->dir[i].decor.nr_fallback;
	}
	kunit_info(test, "300 policies: %u pieces, %u on the fallback list\n",
		   pieces, fallback);
	for (i = 0; i < NFIPSEC_DIR_MAX; i++)
		check_decor(test, &gen->dir[i]);
	check_flows(test, nn, h, &rs, heavy, 3000, &hits);

	/* Uncompiled additions on top of a compiled generation. */
	while (h->n < 330) {
		rnd_sel(&rs, heavy, &s);
		pol = mkpol(test, rnd(&rs, NFIPSEC_DIR_MAX), rnd(&rs, 3),
			    rnd(&rs, 5), &s);
		if (nfipsec_spd_add(nn, pol, false)) {
			nfipsec_policy_put(pol);
			continue;
		}
		h->pol[h->n++] = pol;
	}
	KUNIT_ASSERT_NE(test, current_gen(nn)->seq, nn->spd->change_seq);
	check_flows(test, nn, h, &rs, heavy, 500, &hits);

	/* Delete a third, by index and by selector, and replace some. */
	for (k = 0; k < 100; k++) {
		i = rnd(&rs, h->n);
		pol = h->pol[i];
		if (k & 1)
			gone = nfipsec_spd_del_index(nn, pol->index);
		else
			gone = nfipsec_spd_del_sel(nn, pol->dir, &pol->sel);
		KUNIT_ASSERT_PTR_EQ(test, gone, pol);
		h->pol[i] = h->pol[--h->n];
		nfipsec_policy_put(gone);
	}
	for (k = 0; k < 20; k++) {
		u32 index;

		i = rnd(&rs, h->n);
		index = h->pol[i]->index;
		pol = mkpol(test, h->pol[i]->dir, rnd(&rs, 3), rnd(&rs, 5),
			    &h->pol[i]->sel);
		/* The SPD puts the old policy: forget it first. */
		h->pol[i] = pol;
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol, true), 0);
		KUNIT_EXPECT_EQ(test, pol->index, index);
	}
	check_flows(test, nn, h, &rs, heavy, 500, &hits);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	for (i = 0; i < NFIPSEC_DIR_MAX; i++)
		check_decor(test, &current_gen(nn)->dir[i]);
	check_flows(test, nn, h, &rs, heavy, 3000, &hits);
	mutex_unlock(&nn->cfg_lock);

	/* A test that never hits a policy proves nothing. */
	KUNIT_EXPECT_GT(test, hits, 3000U);
	kunit_info(test, "%u of %u lookups matched a policy\n", hits,
		   7500 * NFIPSEC_DIR_MAX);
	*nr_fallback = fallback;
}

static void spd_random_vs_horrible(struct kunit *test)
{
	struct nfipsec_spd_limits lim = NFIPSEC_SPD_LIMITS_DEFAULT;
	u32 fallback;

	random_run(test, &lim, 0x5eed4301, false, &fallback);
}

/*
 * Port-heavy: most policies between the same two hosts, differing in
 * protocol and (mostly single) ports, as a per-port policy list is. The
 * classifier hashes exact ports; its answers must still be the list's.
 */
static void spd_random_ports(struct kunit *test)
{
	struct nfipsec_spd_limits lim = NFIPSEC_SPD_LIMITS_DEFAULT;
	u32 fallback;

	random_run(test, &lim, 0x9007, true, &fallback);
}

/*
 * The same with limits so tight that many entries go to the fallback
 * list and many pieces are hashed under one covering prefix: the answers
 * must not change.
 */
static void spd_random_tight_limits(struct kunit *test)
{
	struct nfipsec_spd_limits lim = { .cand_max = 2, .piece_max = 6,
					  .keys_max = 1 };
	u32 fallback;

	random_run(test, &lim, 0x4301b, false, &fallback);
	KUNIT_EXPECT_GT(test, fallback, 20U);
	random_run(test, &lim, 0x4301c, true, &fallback);
	KUNIT_EXPECT_GT(test, fallback, 20U);
}

/*
 * What a lookup costs in the 100k SPD: through the classifier (distinct
 * flows, so the flow cache mostly misses), from the cache, and - for
 * scale - by walking the ordered list, which is what the classifier
 * saves. Reported, not asserted: TCG timings say little.
 */
static void lookup_speed(struct kunit *test, struct nfipsec_net *nn)
{
	const u32 n = 20000, nlist = 20;
	u64 t0, t_cls, t_hit, t_list;
	struct nfipsec_flow f;
	u32 i, found = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 0) + 2 * i,
		      (IP4(172, 16, 0, 0) + 2 * i) ^ 0x5555, 1234, 80);
		found += !!lookup(nn, NFIPSEC_DIR_OUT, &f);
	}
	t_cls = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		found += !!lookup(nn, NFIPSEC_DIR_OUT, &f);
	t_hit = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	rcu_read_lock();
	for (i = 0; i < nlist; i++) {
		flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 0) + 4999 * i,
		      (IP4(172, 16, 0, 0) + 4999 * i) ^ 0x5555, 1234, 80);
		found += !!list_lookup(nn->spd, NFIPSEC_DIR_OUT, &f);
	}
	rcu_read_unlock();
	t_list = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, found, 2 * n + nlist);
	kunit_info(test, "lookup: %llu ns classified, %llu ns cached, %llu ns by list walk\n",
		   div_u64(t_cls, n), div_u64(t_hit, n), div_u64(t_list, nlist));
}

/*
 * 100k site-to-site host pairs and a catch-all below them, as one bulk
 * load, then one build.
 */
#define BIG_N	100000

static void spd_100k(struct kunit *test)
{
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy *pol, *all, *first = NULL;
	const struct nfipsec_policy *got;
	struct nfipsec_spd_compiled *c;
	struct rnd_state rs;
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	u64 t0, t1, t2, first_seq = 0;
	u32 i;

	prandom_seed_state(&rs, 100000);
	mutex_lock(&nn->cfg_lock);
	t0 = ktime_get_ns();
	for (i = 0; i < BIG_N; i++) {
		sel_any(&s, AF_INET);
		prefix4(&s.local, IP4(10, 0, 0, 0) + i, 32);
		prefix4(&s.remote, IP4(172, 16, 0, 0) + (i ^ 0x5555), 32);
		pol = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 100, &s);
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol, false), 0);
		if (!first) {
			first = pol;
			first_seq = pol->seq;
		}
		if (!(i & 4095))
			cond_resched();
	}
	sel_any(&s, AF_INET);
	all = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_DISCARD, 200, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, all, false), 0);
	t1 = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	t2 = ktime_get_ns();

	c = &current_gen(nn)->dir[NFIPSEC_DIR_OUT];
	kunit_info(test, "%u policies: added in %llu ms, compiled in %llu ms: %u pieces, %u fallback, %u entries, %u tuples\n",
		   BIG_N + 1, div_u64(t1 - t0, NSEC_PER_MSEC),
		   div_u64(t2 - t1, NSEC_PER_MSEC), c->decor.nr_pieces,
		   c->decor.nr_fallback, nfipsec_cls_entries(c->cls),
		   nfipsec_cls_tuples(c->cls));
	KUNIT_EXPECT_EQ(test, c->decor.nr_pieces, (u32)BIG_N);
	KUNIT_EXPECT_EQ(test, c->decor.nr_fallback, 1U);

	for (i = 0; i < 2000; i++) {
		u32 k = rnd(&rs, BIG_N);

		flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 0) + k,
		      IP4(172, 16, 0, 0) + (k ^ 0x5555), 1234, 80);
		pol = (struct nfipsec_policy *)lookup(nn, NFIPSEC_DIR_OUT, &f);
		KUNIT_ASSERT_NOT_NULL(test, pol);
		KUNIT_ASSERT_EQ(test, pol->seq - first_seq, (u64)k);
		f.remote.ip = htonl(IP4(172, 16, 0, 0) + (k ^ 0x5556));
		KUNIT_ASSERT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), all);
	}

	/*
	 * One deletion and one addition on top: exact at once, through the
	 * overlay on the old generation, before the rebuild.
	 */
	pol = nfipsec_spd_del_sel(nn, NFIPSEC_DIR_OUT, &first->sel);
	KUNIT_ASSERT_PTR_EQ(test, pol, first);
	nfipsec_policy_put(pol);
	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(10, 0, 0, 1), 32);
	pol = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_BYPASS, 50, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol, false), 0);
	flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 0), IP4(172, 16, 0, 0) ^ 0x5555,
	      1234, 80);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), all);
	flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 1), IP4(172, 16, 0, 0) ^ 0x5554,
	      1234, 80);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), pol);
	flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 2), IP4(172, 16, 0, 0) ^ 0x5557,
	      1234, 80);
	got = lookup(nn, NFIPSEC_DIR_OUT, &f);
	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_EXPECT_EQ(test, got->seq, first_seq + 2);
	t0 = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	t1 = ktime_get_ns();
	kunit_info(test, "one change on top: compiled in %llu ms\n",
		   div_u64(t1 - t0, NSEC_PER_MSEC));
	flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 1), IP4(172, 16, 0, 0) ^ 0x5554,
	      1234, 80);
	KUNIT_EXPECT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), pol);
	mutex_unlock(&nn->cfg_lock);
	lookup_speed(test, nn);
}

/*
 * A per-port policy list: 20k UDP policies between the same two hosts, one
 * remote port each, 2k TCP ones by local port, a catch-all below. Every
 * piece has the same address key; with the exact ports hashed, no chain
 * may grow with the list (it was one 22k-entry chain before).
 */
#define PORTS_N		20000
#define PORTS_TCP	2000

static void spd_ports_flat(struct kunit *test)
{
	struct nfipsec_net *nn = fake_net(test);
	struct nfipsec_policy *pol, *all, *first[2] = { NULL, NULL };
	const struct nfipsec_policy *got;
	struct nfipsec_spd_compiled *c;
	struct rnd_state rs;
	struct nfipsec_flow f;
	struct nfipsec_sel s;
	u32 i, k, chain;
	u64 t0;

	prandom_seed_state(&rs, 0x9070);
	mutex_lock(&nn->cfg_lock);
	for (i = 0; i < PORTS_N + PORTS_TCP; i++) {
		sel_any(&s, AF_INET);
		prefix4(&s.local, IP4(10, 0, 0, 1), 32);
		prefix4(&s.remote, IP4(10, 0, 0, 2), 32);
		if (i < PORTS_N) {
			s.proto = IPPROTO_UDP;
			s.rport_lo = 1 + i;
			s.rport_hi = s.rport_lo;
		} else {
			s.proto = IPPROTO_TCP;
			s.lport_lo = 1 + i - PORTS_N;
			s.lport_hi = s.lport_lo;
		}
		pol = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_PROTECT, 100, &s);
		KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, pol, false), 0);
		if (!first[i >= PORTS_N])
			first[i >= PORTS_N] = pol;
		if (!(i & 4095))
			cond_resched();
	}
	sel_any(&s, AF_INET);
	all = mkpol(test, NFIPSEC_DIR_OUT, NFIPSEC_ACT_DISCARD, 200, &s);
	KUNIT_ASSERT_EQ(test, nfipsec_spd_add(nn, all, false), 0);
	t0 = ktime_get_ns();
	KUNIT_ASSERT_EQ(test, nfipsec_spd_commit(nn), 0);
	t0 = ktime_get_ns() - t0;

	c = &current_gen(nn)->dir[NFIPSEC_DIR_OUT];
	chain = nfipsec_cls_longest_chain(c->cls);
	kunit_info(test, "%u per-port policies: compiled in %llu ms: %u pieces, %u entries, %u tuples, longest chain %u\n",
		   PORTS_N + PORTS_TCP, div_u64(t0, NSEC_PER_MSEC),
		   c->decor.nr_pieces,
		   nfipsec_cls_entries(c->cls), nfipsec_cls_tuples(c->cls),
		   chain);
	KUNIT_EXPECT_EQ(test, c->decor.nr_pieces, PORTS_N + PORTS_TCP);
	KUNIT_EXPECT_EQ(test, c->decor.nr_fallback, 1U);
	/* A jhash table as big as its keys: a handful per bucket at most. */
	KUNIT_EXPECT_LT(test, chain, 16U);

	for (i = 0; i < 4000; i++) {
		k = rnd(&rs, PORTS_N);
		flow4(&f, IPPROTO_UDP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2),
		      40000, 1 + k);
		got = lookup(nn, NFIPSEC_DIR_OUT, &f);
		KUNIT_ASSERT_NOT_NULL(test, got);
		KUNIT_ASSERT_EQ(test, got->seq - first[0]->seq, (u64)k);
		k = rnd(&rs, PORTS_TCP);
		flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2),
		      1 + k, 1 + rnd(&rs, PORTS_N));
		got = lookup(nn, NFIPSEC_DIR_OUT, &f);
		KUNIT_ASSERT_NOT_NULL(test, got);
		KUNIT_ASSERT_EQ(test, got->seq - first[1]->seq, (u64)k);
		/* No policy's port: the catch-all. */
		flow4(&f, IPPROTO_UDP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2),
		      40000, PORTS_N + 1 + rnd(&rs, 1000));
		KUNIT_ASSERT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), all);
		flow4(&f, IPPROTO_TCP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 3),
		      1 + k, 80);
		KUNIT_ASSERT_PTR_EQ(test, lookup(nn, NFIPSEC_DIR_OUT, &f), all);
	}
	mutex_unlock(&nn->cfg_lock);
}
