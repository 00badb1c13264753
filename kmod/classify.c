// SPDX-License-Identifier: GPL-2.0
/*
 * The SPD classifier: which decorrelated piece holds a flow.
 *
 * What it indexes. The pieces of one direction's SPD (SPD-S together with
 * SPD-O, or SPD-S with SPD-I). Decorrelation made them disjoint, so at most
 * one piece holds any flow and the search may stop at the first piece that
 * does: there is no priority to compare.
 *
 * Structure: tuple space search over (local prefix, remote prefix,
 * exact protocol and ports).
 *
 *  - Each piece's local and remote address ranges are written as prefixes.
 *    A prefix range is itself; any other range has a minimal prefix cover
 *    of at most 2w - 2 prefixes (w = 32 or 128 bits). A piece is entered
 *    under every pair of its local and remote prefixes, as long as that is
 *    at most limits.keys_max (16) entries. Otherwise the dimension with more
 *    prefixes (or both) is entered under one coarser key instead: the
 *    shortest prefix containing the whole range. That is still exact,
 *    because every entry found is checked against the piece's true box;
 *    it only makes a bucket chain longer.
 *  - Protocol, local port and remote port are each either exact (the
 *    piece holds one value: a per-port policy) or wild (a range, or ANY).
 *    An exact value is part of the key; a wild one is not, and the box
 *    check below decides it.
 *  - A tuple is one (family, local length, remote length, which of the
 *    three are exact). Full-length pairs, host to host, are the tuple
 *    (32, 32) or (128, 128): the exact match hash is just the most
 *    specific tuple.
 *  - One hash table holds all entries, keyed by (tuple, local address
 *    masked to the tuple's local length, remote address masked likewise,
 *    the tuple's exact values). Chains link entries by array index; the
 *    table is built once per generation and never changed, so readers
 *    need no locks and the lookup allocates nothing.
 *  - Each entry found is checked against its piece's box, which covers
 *    all five dimensions: keys only narrow the search, never decide it.
 *
 * Lookup: for each tuple of the flow's family, mask the two addresses,
 * take the flow's protocol and ports where the tuple is exact, hash, walk
 * the chain, check the box. Cost O(T × c) for T tuples of the
 * family and c the chain length at the probed bucket; a hit stops early,
 * a miss probes every tuple. Entries decorrelation left whole (the
 * fallback list, see decorrelate.c) are not in here: spd.c walks them
 * after a miss. Repeated flows are answered by the flow cache before
 * any of this.
 *
 * Worst cases, and when they happen:
 *  - T. Bounded by 33 × 33 (IPv4) or 129 × 129 (IPv6), and by the number
 *    of entries. Real SPDs use a handful of prefix lengths (host pairs,
 *    site subnets, the catch-all), so T is small; an SPD that uses every
 *    pair of lengths makes each miss probe every tuple.
 *  - T also doubles, at most, for each of protocol, local and remote port
 *    that some pieces hold exactly and others do not: at most 8 tuples per
 *    address length pair.
 *  - c. Entries with the same key share a chain. A per-port policy list
 *    (thousands of policies between the same two addresses, one port
 *    each) has a key per port, so its chains stay short. What still
 *    chains: pieces between the same prefixes that differ only in port
 *    or protocol *ranges*, and pieces that fell back to their coarse
 *    address key. Such a chain is walked linearly.
 *  - Memory: at most keys_max entries of 64 bytes per piece, plus a
 *    4-byte bucket per entry (the table is a power of two at least as big
 *    as the entry count). For 100k host-pair policies: 100k entries, about
 *    6.9 MB.
 *  - Build: O(E) for E entries, plus sorting the tuples.
 */
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sort.h>

#include "spd_int.h"

#define CLS_NONE	U32_MAX
#define CLS_WMAX	128

struct cls_prefix {
	struct nfipsec_u128 v;
	u8 len;
};

/* Which of protocol, local port and remote port a tuple holds exactly. */
#define CLS_EXACT_ALL	(BIT(3) - 1)	/* bit i: nfipsec_box.lo[i] */

struct cls_tuple {
	struct nfipsec_u128 lmask, rmask;
	u32 nr;			/* entries; the build sorts on it */
	u8 family;
	u8 llen, rlen;
	u8 exact;
};

struct cls_entry {
	struct nfipsec_u128 l, r;	/* masked to the tuple's lengths */
	u32 v[3];			/* the exact values, 0 where wild */
	const struct nfipsec_piece *piece;
	u32 next;			/* index in entries, or CLS_NONE */
	u32 tuple;
};

struct nfipsec_cls {
	struct cls_tuple *tuples;
	u32 nr_tuples;
	u32 fam_start[2], fam_end[2];	/* AF_INET, AF_INET6 */
	u32 *buckets;
	u32 hmask;
	struct cls_entry *entries;
	u32 nr_entries;
	u32 keys_max;			/* most keys one piece may take */
};

static unsigned int fam_idx(u8 family)
{
	return family == AF_INET6;
}

static unsigned int fam_width(u8 family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* 2^k - 1 */
static struct nfipsec_u128 u128_ones(unsigned int k)
{
	struct nfipsec_u128 v;

	if (k >= 128) {
		v.hi = ~0ULL;
		v.lo = ~0ULL;
	} else if (k >= 64) {
		v.hi = k == 64 ? 0 : (1ULL << (k - 64)) - 1;
		v.lo = ~0ULL;
	} else {
		v.hi = 0;
		v.lo = k ? (1ULL << k) - 1 : 0;
	}
	return v;
}

static struct nfipsec_u128 u128_add(struct nfipsec_u128 a,
				    struct nfipsec_u128 b)
{
	struct nfipsec_u128 r = { .hi = a.hi + b.hi, .lo = a.lo + b.lo };

	if (r.lo < a.lo)
		r.hi++;
	return r;
}

static unsigned int u128_ctz(struct nfipsec_u128 a)
{
	if (a.lo)
		return __ffs64(a.lo);
	if (a.hi)
		return 64 + __ffs64(a.hi);
	return 128;
}

/* Number of significant bits: 0 for 0. */
static unsigned int u128_fls(struct nfipsec_u128 a)
{
	if (a.hi)
		return 64 + fls64(a.hi);
	return fls64(a.lo);
}

/* The mask of a @len-bit prefix in a @w-bit address. */
static struct nfipsec_u128 prefix_mask(unsigned int len, unsigned int w)
{
	struct nfipsec_u128 host = u128_ones(w - len), all = u128_ones(w);

	return (struct nfipsec_u128){ .hi = all.hi & ~host.hi,
				      .lo = all.lo & ~host.lo };
}

/*
 * The minimal prefix cover of [lo, hi] in a @w-bit space. Stores at most
 * @max prefixes in @out and returns how many there are, or max + 1 when
 * there are more.
 */
static unsigned int range_prefixes(struct nfipsec_u128 lo,
				   struct nfipsec_u128 hi, unsigned int w,
				   struct cls_prefix *out, unsigned int max)
{
	unsigned int n = 0, k;
	struct nfipsec_u128 end;

	for (;;) {
		/* The largest aligned block at lo that stays within hi. */
		k = min(u128_ctz(lo), w);
		for (;;) {
			end = u128_add(lo, u128_ones(k));
			if (nfipsec_u128_cmp(&end, &hi) <= 0)
				break;
			k--;
		}
		if (n == max)
			return max + 1;
		out[n].v = lo;
		out[n++].len = w - k;
		if (!nfipsec_u128_cmp(&end, &hi))
			return n;
		lo = u128_add(end, u128_ones(1));
	}
}

/* The shortest prefix that contains all of [lo, hi]. */
static void range_cover(struct nfipsec_u128 lo, struct nfipsec_u128 hi,
			unsigned int w, struct cls_prefix *out)
{
	struct nfipsec_u128 diff = { .hi = lo.hi ^ hi.hi, .lo = lo.lo ^ hi.lo };
	struct nfipsec_u128 m;

	out->len = w - u128_fls(diff);
	m = prefix_mask(out->len, w);
	out->v.hi = lo.hi & m.hi;
	out->v.lo = lo.lo & m.lo;
}

/* The keys a piece is entered under: nl × nr prefix pairs. */
static void piece_keys(const struct nfipsec_piece *p, unsigned int max,
		       struct cls_prefix *lp, unsigned int *nl,
		       struct cls_prefix *rp, unsigned int *nr)
{
	const struct nfipsec_box *b = &p->box;
	unsigned int w = fam_width(b->family);

	*nl = range_prefixes(b->addr_lo[0], b->addr_hi[0], w, lp, max);
	*nr = range_prefixes(b->addr_lo[1], b->addr_hi[1], w, rp, max);
	if (*nl * *nr <= max)
		return;
	/* Too many pairs: keep the cheaper dimension's prefixes if it can. */
	if (*nl <= *nr) {
		range_cover(b->addr_lo[1], b->addr_hi[1], w, rp);
		*nr = 1;
		if (*nl > max) {
			range_cover(b->addr_lo[0], b->addr_hi[0], w, lp);
			*nl = 1;
		}
	} else {
		range_cover(b->addr_lo[0], b->addr_hi[0], w, lp);
		*nl = 1;
		if (*nr > max) {
			range_cover(b->addr_lo[1], b->addr_hi[1], w, rp);
			*nr = 1;
		}
	}
}

/* The dimensions among protocol and ports where a piece holds one value. */
static u8 piece_exact(const struct nfipsec_piece *p)
{
	u8 x = 0;
	int i;

	for (i = 0; i < 3; i++)
		if (p->box.lo[i] == p->box.hi[i])
			x |= BIT(i);
	return x;
}

/* @v's values in the dimensions @exact names, 0 in the others. */
static void exact_vals(u32 *out, const u32 *v, u8 exact)
{
	int i;

	for (i = 0; i < 3; i++)
		out[i] = exact & BIT(i) ? v[i] : 0;
}

static u32 key_hash(const struct nfipsec_u128 *l, const struct nfipsec_u128 *r,
		    const u32 *v, u32 tuple)
{
	u32 k[11] = {
		upper_32_bits(l->hi), lower_32_bits(l->hi),
		upper_32_bits(l->lo), lower_32_bits(l->lo),
		upper_32_bits(r->hi), lower_32_bits(r->hi),
		upper_32_bits(r->lo), lower_32_bits(r->lo),
		v[0], v[1], v[2],
	};

	return jhash2(k, ARRAY_SIZE(k), tuple);
}

static void mask_to(struct nfipsec_u128 *out, const struct nfipsec_u128 *v,
		    const struct nfipsec_u128 *m)
{
	out->hi = v->hi & m->hi;
	out->lo = v->lo & m->lo;
}

static int tuple_cmp(const void *pa, const void *pb)
{
	const struct cls_tuple *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* Busiest first: a hit there ends the search soonest. */
	if (a->nr != b->nr)
		return a->nr > b->nr ? -1 : 1;
	if (a->llen != b->llen)
		return a->llen > b->llen ? -1 : 1;
	if (a->rlen != b->rlen)
		return a->rlen > b->rlen ? -1 : 1;
	return a->exact > b->exact ? -1 : a->exact < b->exact;
}

#define TMAP_DIM	(CLS_WMAX + 1)
#define TMAP_X		(CLS_EXACT_ALL + 1)
#define TMAP_LEN	(2 * TMAP_DIM * TMAP_DIM * TMAP_X)
#define TMAP_IDX(f, l, r, x)	\
	((((f) * TMAP_DIM + (l)) * TMAP_DIM + (r)) * TMAP_X + (x))

/* First pass: count the entries of every tuple in @tmap. */
static void count_entries(struct nfipsec_cls *cls,
			  const struct nfipsec_piece *pieces, u32 n, u32 *tmap,
			  struct cls_prefix *lp, struct cls_prefix *rp)
{
	unsigned int nl, nr, a, b;
	u32 i;

	for (i = 0; i < n; i++) {
		unsigned int f = fam_idx(pieces[i].box.family);
		u8 x = piece_exact(&pieces[i]);

		piece_keys(&pieces[i], cls->keys_max, lp, &nl, rp, &nr);
		for (a = 0; a < nl; a++)
			for (b = 0; b < nr; b++)
				tmap[TMAP_IDX(f, lp[a].len, rp[b].len, x)]++;
		cls->nr_entries += nl * nr;
	}
}

/* Turn the counts in @tmap into sorted tuples; @tmap then maps to them. */
static int make_tuples(struct nfipsec_cls *cls, u32 *tmap)
{
	u32 slot, t = 0;

	for (slot = 0; slot < TMAP_LEN; slot++)
		cls->nr_tuples += !!tmap[slot];
	cls->tuples = kvcalloc(max(cls->nr_tuples, 1U), sizeof(*cls->tuples),
			       GFP_KERNEL);
	if (!cls->tuples)
		return -ENOMEM;
	for (slot = 0; slot < TMAP_LEN; slot++) {
		struct cls_tuple *tu = &cls->tuples[t];
		unsigned int w;

		if (!tmap[slot])
			continue;
		tu->family = slot / (TMAP_DIM * TMAP_DIM * TMAP_X) ? AF_INET6 :
								    AF_INET;
		tu->llen = (slot / (TMAP_DIM * TMAP_X)) % TMAP_DIM;
		tu->rlen = (slot / TMAP_X) % TMAP_DIM;
		tu->exact = slot % TMAP_X;
		tu->nr = tmap[slot];
		w = fam_width(tu->family);
		tu->lmask = prefix_mask(tu->llen, w);
		tu->rmask = prefix_mask(tu->rlen, w);
		t++;
	}
	sort(cls->tuples, cls->nr_tuples, sizeof(*cls->tuples), tuple_cmp,
	     NULL);
	for (t = 0; t < cls->nr_tuples; t++) {
		struct cls_tuple *tu = &cls->tuples[t];
		unsigned int f = fam_idx(tu->family);

		tmap[TMAP_IDX(f, tu->llen, tu->rlen, tu->exact)] = t;
		if (!t || cls->tuples[t - 1].family != tu->family)
			cls->fam_start[f] = t;
		cls->fam_end[f] = t + 1;
	}
	return 0;
}

/* Second pass: enter every key of every piece in the hash. */
static void fill_entries(struct nfipsec_cls *cls,
			 const struct nfipsec_piece *pieces, u32 n,
			 const u32 *tmap, struct cls_prefix *lp,
			 struct cls_prefix *rp)
{
	unsigned int nl, nr, a, b;
	struct cls_entry *e;
	u32 i, t, h, k = 0;

	for (i = 0; i < n; i++) {
		unsigned int f = fam_idx(pieces[i].box.family);
		u8 x = piece_exact(&pieces[i]);

		piece_keys(&pieces[i], cls->keys_max, lp, &nl, rp, &nr);
		for (a = 0; a < nl; a++) {
			for (b = 0; b < nr; b++) {
				t = tmap[TMAP_IDX(f, lp[a].len, rp[b].len, x)];
				e = &cls->entries[k];
				e->l = lp[a].v;
				e->r = rp[b].v;
				exact_vals(e->v, pieces[i].box.lo, x);
				e->piece = &pieces[i];
				e->tuple = t;
				h = key_hash(&e->l, &e->r, e->v, t) &
				    cls->hmask;
				e->next = cls->buckets[h];
				cls->buckets[h] = k++;
			}
		}
	}
}

struct nfipsec_cls *nfipsec_cls_build(const struct nfipsec_piece *pieces,
				      u32 n, u32 keys_max)
{
	struct cls_prefix *lp, *rp;
	struct nfipsec_cls *cls;
	u32 *tmap, nb;

	/* Scratch for one piece's prefixes: too big for the stack. */
	lp = kcalloc(2 * NFIPSEC_CLS_KEYS, sizeof(*lp), GFP_KERNEL);
	rp = lp + NFIPSEC_CLS_KEYS;
	cls = kzalloc(sizeof(*cls), GFP_KERNEL);
	tmap = kvcalloc(TMAP_LEN, sizeof(*tmap), GFP_KERNEL);
	if (!lp || !cls || !tmap)
		goto err;
	cls->keys_max = clamp_t(u32, keys_max, 1, NFIPSEC_CLS_KEYS);
	count_entries(cls, pieces, n, tmap, lp, rp);
	if (make_tuples(cls, tmap))
		goto err;

	nb = roundup_pow_of_two(max(cls->nr_entries, 16U));
	cls->hmask = nb - 1;
	cls->buckets = kvmalloc_array(nb, sizeof(u32), GFP_KERNEL);
	cls->entries = kvmalloc_array(max(cls->nr_entries, 1U),
				      sizeof(*cls->entries), GFP_KERNEL);
	if (!cls->buckets || !cls->entries)
		goto err;
	memset(cls->buckets, 0xff, nb * sizeof(u32));
	fill_entries(cls, pieces, n, tmap, lp, rp);
	kvfree(tmap);
	kfree(lp);
	return cls;

err:
	kvfree(tmap);
	kfree(lp);
	nfipsec_cls_free(cls);
	return NULL;
}

void nfipsec_cls_free(struct nfipsec_cls *cls)
{
	if (!cls)
		return;
	kvfree(cls->entries);
	kvfree(cls->buckets);
	kvfree(cls->tuples);
	kfree(cls);
}

const struct nfipsec_piece *nfipsec_cls_lookup(const struct nfipsec_cls *cls,
					       const struct nfipsec_point *pt)
{
	unsigned int f = fam_idx(pt->family);
	struct nfipsec_u128 l, r;
	u32 t, e, v[3];

	if (pt->family != AF_INET && pt->family != AF_INET6)
		return NULL;
	for (t = cls->fam_start[f]; t < cls->fam_end[f]; t++) {
		const struct cls_tuple *tu = &cls->tuples[t];

		mask_to(&l, &pt->addr[0], &tu->lmask);
		mask_to(&r, &pt->addr[1], &tu->rmask);
		exact_vals(v, pt->v, tu->exact);
		e = cls->buckets[key_hash(&l, &r, v, t) & cls->hmask];
		while (e != CLS_NONE) {
			const struct cls_entry *ent = &cls->entries[e];

			if (ent->tuple == t &&
			    !nfipsec_u128_cmp(&ent->l, &l) &&
			    !nfipsec_u128_cmp(&ent->r, &r) &&
			    !memcmp(ent->v, v, sizeof(v)) &&
			    nfipsec_box_contains(&ent->piece->box, pt))
				return ent->piece;
			e = ent->next;
		}
	}
	return NULL;
}

u32 nfipsec_cls_entries(const struct nfipsec_cls *cls)
{
	return cls->nr_entries;
}

u32 nfipsec_cls_tuples(const struct nfipsec_cls *cls)
{
	return cls->nr_tuples;
}

/* The longest bucket chain: what a lookup may walk in one tuple. */
u32 nfipsec_cls_longest_chain(const struct nfipsec_cls *cls)
{
	u32 b, e, len, longest = 0;

	for (b = 0; b <= cls->hmask; b++) {
		len = 0;
		for (e = cls->buckets[b]; e != CLS_NONE;
		     e = cls->entries[e].next)
			len++;
		longest = max(longest, len);
	}
	return longest;
}
