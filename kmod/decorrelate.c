// SPDX-License-Identifier: GPL-2.0
/*
 * Decorrelation (RFC 4301 §4.4.1, Appendix B). The SPD is ordered: a flow
 * takes the first entry it matches. A decorrelated SPD says the same thing
 * with disjoint entries, so a lookup may stop at any match. Entry i becomes
 *
 *	box(i) \ (box(0) ∪ ... ∪ box(i - 1))
 *
 * cut into disjoint boxes ("pieces"), each linked back to policy i. Pieces
 * of PROTECT policies form SPD-S; those of BYPASS and DISCARD policies form
 * SPD-O (outbound, forward) or SPD-I (inbound). An entry wholly covered by
 * earlier ones leaves no piece: it can never match.
 *
 * Finding what to subtract. Comparing every pair is O(n²): too slow for
 * 100k policies. Only earlier entries that overlap entry i matter, and
 * those are found by a sweep over the local-address axis: boxes enter and
 * leave an interval tree keyed on their remote-address interval, so each
 * overlapping pair in the (local, remote) plane is reported once, in
 * O((n + k) log n) for k such pairs; protocol and ports filter after.
 *
 * Entries that share their addresses would make k quadratic although
 * they differ in a port (a per-port policy list). So one of protocol,
 * local port and remote port - the one in which most distinct single
 * values occur - also splits the sweep: an entry holding one value v
 * there ("exact") meets only entries with the same v or with a range
 * ("wild"); and the protocol splits it again, an entry of protocol p
 * meeting only entries of p or of ANY. Each entry lives in two trees:
 * its value's if exact, else the wild tree of its protocol (ANY being
 * one more); and the tree of all entries of its protocol. An exact
 * entry asks its value's tree and the wild trees its protocol meets; a
 * wild one asks the trees of all that its protocol meets. Each
 * overlapping pair is still reported exactly once.
 *
 * The fallback. Subtracting m boxes can leave O(m) pieces or more: the
 * classic case is a catch-all DISCARD at the end of 100k specific
 * policies. An entry with more than limits.cand_max earlier overlaps, or
 * whose pieces would exceed limits.piece_max, is not cut at all: it goes
 * whole onto the fallback list, which the lookup walks in SPD order only
 * when no piece matched. This is exact for any choice of fallback entries,
 * because later entries are still cut by every earlier one, fallback or
 * not: a flow that no piece holds has, as its first matching entry, a
 * fallback entry, and the walk finds that one first.
 *
 * Worst cases. Besides addresses the sweep sees one dimension's single
 * values, so n entries that share their addresses and differ only in
 * port *ranges*, or in another dimension than the one chosen, are still
 * k = n²/2 pairs to enumerate (twice: once to count, once to record),
 * although each entry is then cut by at most limits.cand_max of them. Candidate lists take at
 * most n × cand_max words, pieces at most piece_max per entry (about 100
 * bytes each). The fallback list is walked linearly by every lookup that
 * no piece answers, so an SPD built to overlap heavily everywhere moves
 * its cost there; the usual catch-all entries make it a few entries long.
 */
#include <linux/bitmap.h>
#include <linux/rbtree_augmented.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "spd_int.h"

/* decor_ctx.cnt of an entry that has more than limits.cand_max. */
#define DECOR_OVER		U32_MAX
/* Any protocol or port value, and "a range": the sweep's classes. */
#define DECOR_VALUES		(NFIPSEC_PORT_OPAQUE + 1)
#define DECOR_WILD		U32_MAX
#define DECOR_PROTO_ANY		(U8_MAX + 1)
#define DECOR_PROTOS		(DECOR_PROTO_ANY + 1)

struct sweep_node {
	struct rb_node rb;
	struct nfipsec_u128 lo, hi;	/* remote-address interval */
	struct nfipsec_u128 max;	/* highest hi in this subtree */
};

struct sweep_event {
	struct nfipsec_u128 x;	/* local-address bound */
	u32 idx;
	u8 family;
	u8 end;			/* 0: the box opens at x; 1: it closes */
};

struct decor_ctx {
	struct nfipsec_policy *const *pols;
	u32 n;
	const struct nfipsec_spd_limits *lim;
	struct nfipsec_box *boxes;
	struct sweep_node *nodes;	/* n in a home tree, n in an "all" tree */
	struct rb_root *roots;		/* a tree per exact value, or NULL */
	int dim;			/* the class dimension (box lo/hi), or -1 */
	/* Per protocol, DECOR_PROTO_ANY for ANY: wild entries, all entries. */
	struct rb_root *wild, *all;
	u16 *protos;			/* the protocols present */
	u32 nr_protos;
	u32 *cnt;		/* earlier overlaps of each entry */
	u32 *off;		/* start of each entry's slice of cand */
	u32 *cand;		/* earlier overlapping entries, per entry */
	bool fill;		/* second sweep: record, not count */
};

static bool sweep_compute_max(struct sweep_node *n, bool exit)
{
	struct nfipsec_u128 max = n->hi;
	struct sweep_node *c;

	if (n->rb.rb_left) {
		c = rb_entry(n->rb.rb_left, struct sweep_node, rb);
		if (nfipsec_u128_cmp(&c->max, &max) > 0)
			max = c->max;
	}
	if (n->rb.rb_right) {
		c = rb_entry(n->rb.rb_right, struct sweep_node, rb);
		if (nfipsec_u128_cmp(&c->max, &max) > 0)
			max = c->max;
	}
	if (exit && !nfipsec_u128_cmp(&n->max, &max))
		return true;
	n->max = max;
	return false;
}

RB_DECLARE_CALLBACKS(static, sweep_cb, struct sweep_node, rb, max,
		     sweep_compute_max);

static void sweep_insert(struct rb_root *root, struct sweep_node *node)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;
	struct sweep_node *p;

	node->max = node->hi;
	while (*link) {
		parent = *link;
		p = rb_entry(parent, struct sweep_node, rb);
		if (nfipsec_u128_cmp(&p->max, &node->hi) < 0)
			p->max = node->hi;
		if (nfipsec_u128_cmp(&node->lo, &p->lo) < 0)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&node->rb, parent, link);
	rb_insert_augmented(&node->rb, root, &sweep_cb);
}

static void record_pair(struct decor_ctx *c, u32 a, u32 b)
{
	u32 later = max(a, b), earlier = min(a, b);

	if (!nfipsec_box_overlap(&c->boxes[a], &c->boxes[b]))
		return;
	if (!c->fill) {
		c->cnt[later]++;
		return;
	}
	if (c->cnt[later] == DECOR_OVER)
		return;		/* a fallback entry: nothing to subtract */
	c->cand[c->off[later] + c->cnt[later]++] = earlier;
}

/* Report every active box whose remote interval meets [lo, hi]. */
static void sweep_query(struct decor_ctx *c, struct rb_node *rb, u32 idx,
			const struct nfipsec_u128 *lo,
			const struct nfipsec_u128 *hi)
{
	struct sweep_node *n;

	while (rb) {
		n = rb_entry(rb, struct sweep_node, rb);
		if (nfipsec_u128_cmp(&n->max, lo) < 0)
			return;
		sweep_query(c, rb->rb_left, idx, lo, hi);
		if (nfipsec_u128_cmp(&n->lo, hi) > 0)
			return;
		if (nfipsec_u128_cmp(&n->hi, lo) >= 0)
			record_pair(c, idx, (u32)(n - c->nodes) % c->n);
		rb = rb->rb_right;
	}
}

/* An entry's class: its value in the class dimension, or DECOR_WILD. */
static u32 class_of(const struct decor_ctx *c, u32 i)
{
	const struct nfipsec_box *b = &c->boxes[i];

	if (c->dim < 0 || b->lo[c->dim] != b->hi[c->dim])
		return DECOR_WILD;
	return b->lo[c->dim];
}

/* An entry's protocol, DECOR_PROTO_ANY for a range. */
static u32 proto_of(const struct decor_ctx *c, u32 i)
{
	const struct nfipsec_box *b = &c->boxes[i];

	return b->lo[0] == b->hi[0] ? b->lo[0] : DECOR_PROTO_ANY;
}

/*
 * The class dimension: the one of protocol, local and remote port with
 * the most distinct single values, if any has two or more. And the
 * protocols present.
 */
static int pick_dim(struct decor_ctx *c)
{
	u32 best = 1, distinct, i;
	unsigned long *seen;
	int d;

	c->dim = -1;
	seen = bitmap_zalloc(DECOR_VALUES, GFP_KERNEL);
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		if (!__test_and_set_bit(proto_of(c, i), seen))
			c->protos[c->nr_protos++] = proto_of(c, i);
	for (d = 0; d < 3; d++) {
		bitmap_zero(seen, DECOR_VALUES);
		distinct = 0;
		for (i = 0; i < c->n; i++) {
			const struct nfipsec_box *b = &c->boxes[i];

			if (b->lo[d] == b->hi[d] &&
			    !__test_and_set_bit(b->lo[d], seen))
				distinct++;
		}
		if (distinct > best) {
			best = distinct;
			c->dim = d;
		}
	}
	bitmap_free(seen);
	return 0;
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct sweep_event *a = pa, *b = pb;
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = nfipsec_u128_cmp(&a->x, &b->x);
	if (r)
		return r;
	/* Closed intervals: at the same x, open before closing. */
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Ask @trees[p] for every protocol p that protocol @proto meets. */
static void query_protos(struct decor_ctx *c, struct rb_root *trees,
			 u32 proto, u32 idx, const struct sweep_node *node)
{
	u32 k;

	if (proto != DECOR_PROTO_ANY) {
		sweep_query(c, trees[proto].rb_node, idx, &node->lo, &node->hi);
		sweep_query(c, trees[DECOR_PROTO_ANY].rb_node, idx, &node->lo,
			    &node->hi);
		return;
	}
	for (k = 0; k < c->nr_protos; k++)
		sweep_query(c, trees[c->protos[k]].rb_node, idx, &node->lo,
			    &node->hi);
}

static void sweep(struct decor_ctx *c, const struct sweep_event *ev)
{
	struct rb_root *home;
	u32 i;

	for (i = 0; i < 2 * c->n; i++) {
		u32 idx = ev[i].idx, k = class_of(c, idx), p = proto_of(c, idx);
		struct sweep_node *own = &c->nodes[idx];
		struct sweep_node *any = &c->nodes[c->n + idx];

		/* Without classes, nobody asks the wild trees. */
		home = k != DECOR_WILD ? &c->roots[k] :
		       c->roots ? &c->wild[p] : NULL;
		if (ev[i].end) {
			if (home)
				rb_erase_augmented(&own->rb, home, &sweep_cb);
			rb_erase_augmented(&any->rb, &c->all[p], &sweep_cb);
			continue;
		}
		if (k == DECOR_WILD) {
			query_protos(c, c->all, p, idx, own);
		} else {
			sweep_query(c, home->rb_node, idx, &own->lo, &own->hi);
			query_protos(c, c->wild, p, idx, own);
		}
		if (home)
			sweep_insert(home, own);
		sweep_insert(&c->all[p], any);
		if (!(i & 1023))
			cond_resched();
	}
}

/* Fill c->off/c->cand with the earlier overlaps of every entry. */
static int find_overlaps(struct decor_ctx *c)
{
	struct sweep_event *ev;
	u32 i, total = 0;

	/* Zeroed: every tree empty (RB_ROOT). */
	c->wild = kcalloc(2 * DECOR_PROTOS, sizeof(*c->wild), GFP_KERNEL);
	c->protos = kcalloc(DECOR_PROTOS, sizeof(*c->protos), GFP_KERNEL);
	if (!c->wild || !c->protos || pick_dim(c))
		return -ENOMEM;
	c->all = c->wild + DECOR_PROTOS;
	if (c->dim >= 0) {
		c->roots = kvcalloc(DECOR_VALUES, sizeof(*c->roots), GFP_KERNEL);
		if (!c->roots)
			return -ENOMEM;
	}
	ev = kvmalloc_array(2 * (size_t)c->n, sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		const struct nfipsec_box *b = &c->boxes[i];

		c->nodes[i].lo = b->addr_lo[1];
		c->nodes[i].hi = b->addr_hi[1];
		c->nodes[c->n + i] = c->nodes[i];
		ev[2 * i] = (struct sweep_event){ .x = b->addr_lo[0],
			.idx = i, .family = b->family, .end = 0 };
		ev[2 * i + 1] = (struct sweep_event){ .x = b->addr_hi[0],
			.idx = i, .family = b->family, .end = 1 };
	}
	sort(ev, 2 * (size_t)c->n, sizeof(*ev), event_cmp, NULL);

	c->fill = false;
	sweep(c, ev);
	for (i = 0; i < c->n; i++) {
		c->off[i] = total;
		if (c->cnt[i] <= c->lim->cand_max)
			total += c->cnt[i];
	}
	c->off[c->n] = total;
	c->cand = kvmalloc_array(max(total, 1U), sizeof(u32), GFP_KERNEL);
	if (!c->cand) {
		kvfree(ev);
		return -ENOMEM;
	}
	/* An entry over the limit keeps an empty slice and is marked. */
	for (i = 0; i < c->n; i++)
		c->cnt[i] = c->cnt[i] > c->lim->cand_max ? DECOR_OVER : 0;
	c->fill = true;
	sweep(c, ev);
	kvfree(ev);
	return 0;
}

static int grow(void **arr, u32 *cap, u32 used, u32 need, size_t size)
{
	u32 ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = max3(need, *cap * 2, 64U);
	p = kvmalloc_array(ncap, size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	if (*arr)
		memcpy(p, *arr, (size_t)used * size);
	kvfree(*arr);
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * Cut entry i by its earlier overlaps. Returns the number of pieces left in
 * *res (one of the two buffers), or -E2BIG when it would take too many.
 */
static int cut_entry(struct decor_ctx *c, u32 i, struct nfipsec_box *buf[2],
		     struct nfipsec_box **res)
{
	const u32 cap = c->lim->piece_max + NFIPSEC_BOX_SPLIT_MAX;
	u32 ncur = 1, k, j, next, cur = 0;

	buf[0][0] = c->boxes[i];
	for (k = c->off[i]; k < c->off[i + 1] && ncur; k++) {
		const struct nfipsec_box *sub = &c->boxes[c->cand[k]];

		next = 0;
		for (j = 0; j < ncur; j++) {
			const struct nfipsec_box *p = &buf[cur][j];

			if (next + NFIPSEC_BOX_SPLIT_MAX > cap)
				return -E2BIG;
			next += nfipsec_box_subtract(p, sub,
						     &buf[!cur][next]);
		}
		cur = !cur;
		ncur = next;
		if (ncur > c->lim->piece_max)
			return -E2BIG;
	}
	*res = buf[cur];
	return ncur;
}

struct piece_vec {
	struct nfipsec_piece *p;
	u32 nr, cap;
};

static int vec_add(struct piece_vec *v, const struct nfipsec_box *boxes,
		   u32 n, struct nfipsec_policy *pol)
{
	u32 j;
	int ret;

	ret = grow((void **)&v->p, &v->cap, v->nr, v->nr + n, sizeof(*v->p));
	if (ret)
		return ret;
	for (j = 0; j < n; j++) {
		v->p[v->nr].box = boxes[j];
		v->p[v->nr++].pol = pol;
	}
	return 0;
}

static int decorrelate_all(struct decor_ctx *c, struct nfipsec_decor *out)
{
	struct piece_vec vs = {}, vo = {};
	struct nfipsec_box *buf[2] = {}, *res;
	u32 i, fcap = 0;
	int ret = -ENOMEM, n;

	buf[0] = kvmalloc_array(c->lim->piece_max + NFIPSEC_BOX_SPLIT_MAX,
				sizeof(**buf), GFP_KERNEL);
	buf[1] = kvmalloc_array(c->lim->piece_max + NFIPSEC_BOX_SPLIT_MAX,
				sizeof(**buf), GFP_KERNEL);
	if (!buf[0] || !buf[1])
		goto out;

	for (i = 0; i < c->n; i++) {
		struct nfipsec_policy *pol = c->pols[i];

		if (c->cnt[i] == DECOR_OVER)
			n = -E2BIG;
		else
			n = cut_entry(c, i, buf, &res);
		if (n == -E2BIG) {
			ret = grow((void **)&out->fallback, &fcap,
				   out->nr_fallback, out->nr_fallback + 1,
				   sizeof(*out->fallback));
			if (ret)
				goto out;
			out->fallback[out->nr_fallback++] = pol;
			continue;
		}
		if (pol->action == NFIPSEC_ACT_PROTECT)
			ret = vec_add(&vs, res, n, pol);
		else
			ret = vec_add(&vo, res, n, pol);
		if (ret)
			goto out;
		if (!(i & 255))
			cond_resched();
	}

	/* SPD-S first, then SPD-O or SPD-I, in one array. */
	ret = -ENOMEM;
	out->pieces = kvmalloc_array(max(vs.nr + vo.nr, 1U),
				     sizeof(*out->pieces), GFP_KERNEL);
	if (!out->pieces)
		goto out;
	if (vs.nr)
		memcpy(out->pieces, vs.p, vs.nr * sizeof(*vs.p));
	if (vo.nr)
		memcpy(out->pieces + vs.nr, vo.p, vo.nr * sizeof(*vo.p));
	out->nr_protect = vs.nr;
	out->nr_pieces = vs.nr + vo.nr;
	ret = 0;
out:
	kvfree(vs.p);
	kvfree(vo.p);
	kvfree(buf[0]);
	kvfree(buf[1]);
	return ret;
}

int nfipsec_decorrelate(struct nfipsec_policy *const *pols, u32 n,
			const struct nfipsec_spd_limits *lim,
			struct nfipsec_decor *out)
{
	struct decor_ctx c = { .pols = pols, .n = n, .lim = lim };
	u32 i;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	c.boxes = kvmalloc_array(max(n, 1U), sizeof(*c.boxes), GFP_KERNEL);
	c.nodes = kvmalloc_array(2 * (size_t)max(n, 1U), sizeof(*c.nodes),
				 GFP_KERNEL);
	c.cnt = kvcalloc(max(n, 1U), sizeof(u32), GFP_KERNEL);
	c.off = kvcalloc(n + 1, sizeof(u32), GFP_KERNEL);
	if (!c.boxes || !c.nodes || !c.cnt || !c.off)
		goto out;
	for (i = 0; i < n; i++)
		nfipsec_box_from_sel(&c.boxes[i], &pols[i]->sel);
	ret = find_overlaps(&c);
	if (ret)
		goto out;
	ret = decorrelate_all(&c, out);
out:
	if (ret)
		nfipsec_decor_free(out);
	kvfree(c.cand);
	kvfree(c.off);
	kvfree(c.cnt);
	kfree(c.protos);
	kfree(c.wild);
	kvfree(c.roots);
	kvfree(c.nodes);
	kvfree(c.boxes);
	return ret;
}

void nfipsec_decor_free(struct nfipsec_decor *d)
{
	kvfree(d->pieces);
	kvfree(d->fallback);
	memset(d, 0, sizeof(*d));
}
