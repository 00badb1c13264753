/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the SPD's own files share and nobody else needs: selector boxes
 * (box.c), decorrelation (decorrelate.c), the classifier (classify.c), the
 * flow cache (spd_cache.c) and the compiled generation they make up
 * (spd.c). Other code uses spd.h only.
 */
#ifndef _NFIPSEC_SPD_INT_H
#define _NFIPSEC_SPD_INT_H

#include <linux/hashtable.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "spd.h"

/* A 128-bit unsigned integer in host order: an address as a number. */
struct nfipsec_u128 {
	u64 hi, lo;
};

/*
 * A selector, or a piece of one, as a box in five integer dimensions:
 * local address, remote address (32 or 128 bits), protocol (0..255) and
 * the two ports (0..65536, where NFIPSEC_PORT_OPAQUE is "unknown"). A
 * selector with protocol ANY covers 0..255; a port ANY covers 0..65536.
 * Every bound is inclusive.
 */
enum nfipsec_dim {
	NFIPSEC_DIM_LOCAL,
	NFIPSEC_DIM_REMOTE,
	NFIPSEC_DIM_PROTO,
	NFIPSEC_DIM_LPORT,
	NFIPSEC_DIM_RPORT,
	NFIPSEC_DIMS
};

#define NFIPSEC_PORT_OPAQUE	(U16_MAX + 1)

struct nfipsec_box {
	struct nfipsec_u128 addr_lo[2], addr_hi[2];	/* local, remote */
	u32 lo[3], hi[3];				/* proto, lport, rport */
	u8 family;
};

/* A flow as a point in the same space. */
struct nfipsec_point {
	struct nfipsec_u128 addr[2];
	u32 v[3];
	u8 family;
};

/* One decorrelated piece: disjoint from every other piece of its SPD. */
struct nfipsec_piece {
	struct nfipsec_box box;
	struct nfipsec_policy *pol;	/* the original it was cut from */
};

/* box.c */
void nfipsec_box_from_sel(struct nfipsec_box *b, const struct nfipsec_sel *s);
void nfipsec_point_from_flow(struct nfipsec_point *p,
			     const struct nfipsec_flow *fl);
bool nfipsec_box_contains(const struct nfipsec_box *b,
			  const struct nfipsec_point *p);
bool nfipsec_box_overlap(const struct nfipsec_box *a,
			 const struct nfipsec_box *b);
#define NFIPSEC_BOX_SPLIT_MAX	(2 * NFIPSEC_DIMS)
unsigned int nfipsec_box_subtract(const struct nfipsec_box *a,
				  const struct nfipsec_box *b,
				  struct nfipsec_box *out);
void nfipsec_box_get(const struct nfipsec_box *b, unsigned int dim,
		     struct nfipsec_u128 *lo, struct nfipsec_u128 *hi);
int nfipsec_u128_cmp(const struct nfipsec_u128 *a,
		     const struct nfipsec_u128 *b);

/*
 * How much work compiling may do per entry; per namespace, so tests can
 * force the rare paths. See decorrelate.c and classify.c.
 */
struct nfipsec_spd_limits {
	u32 cand_max;		/* earlier overlaps before the fallback list */
	u32 piece_max;		/* pieces before the fallback list */
	u32 keys_max;		/* hash keys per piece, 1..NFIPSEC_CLS_KEYS */
};

#define NFIPSEC_CLS_KEYS	16
#define NFIPSEC_SPD_LIMITS_DEFAULT					\
	((struct nfipsec_spd_limits){ .cand_max = 64, .piece_max = 256,	\
				      .keys_max = NFIPSEC_CLS_KEYS })

/*
 * decorrelate.c: RFC 4301 Appendix B over one direction's ordered policies.
 * @pols is in SPD order. On success the caller owns the arrays in @out.
 */
struct nfipsec_decor {
	struct nfipsec_piece *pieces;	/* SPD-S pieces first, then the rest */
	u32 nr_pieces;
	u32 nr_protect;			/* pieces[0..nr_protect) are SPD-S */
	struct nfipsec_policy **fallback;	/* in SPD order */
	u32 nr_fallback;
};

int nfipsec_decorrelate(struct nfipsec_policy *const *pols, u32 n,
			const struct nfipsec_spd_limits *lim,
			struct nfipsec_decor *out);
void nfipsec_decor_free(struct nfipsec_decor *d);

/* classify.c: the index over one direction's pieces. */
struct nfipsec_cls;

struct nfipsec_cls *nfipsec_cls_build(const struct nfipsec_piece *pieces,
				      u32 n, u32 keys_max);
void nfipsec_cls_free(struct nfipsec_cls *cls);
/* RCU or owner: no locks, no allocation. */
const struct nfipsec_piece *nfipsec_cls_lookup(const struct nfipsec_cls *cls,
					       const struct nfipsec_point *pt);
u32 nfipsec_cls_entries(const struct nfipsec_cls *cls);
u32 nfipsec_cls_tuples(const struct nfipsec_cls *cls);
u32 nfipsec_cls_longest_chain(const struct nfipsec_cls *cls);

/* A compiled generation: immutable once published. */
struct nfipsec_spd_compiled {
	struct nfipsec_decor decor;
	struct nfipsec_cls *cls;
	struct nfipsec_policy **pols;	/* one reference each */
	u32 nr_pols;
};

struct nfipsec_spd_gen {
	struct rcu_head rcu;
	struct llist_node free_node;	/* on nfipsec_spd.free_list */
	struct nfipsec_spd *spd;
	u32 seq;			/* nfipsec_spd.change_seq it reflects */
	u64 base;			/* it holds the policies with seq < base */
	struct nfipsec_spd_compiled dir[NFIPSEC_DIR_MAX];
};

/* spd_cache.c: per-CPU flow cache, entries tagged with change_seq. */
struct nfipsec_spd_cache;

struct nfipsec_spd_cache *nfipsec_spd_cache_alloc(void);
void nfipsec_spd_cache_free(struct nfipsec_spd_cache *c);
bool nfipsec_spd_cache_get(struct nfipsec_spd_cache *c, u8 dir,
			   const struct nfipsec_flow *fl, u32 seq,
			   struct nfipsec_policy **pol);
void nfipsec_spd_cache_put(struct nfipsec_spd_cache *c, u8 dir,
			   const struct nfipsec_flow *fl, u32 seq,
			   struct nfipsec_policy *pol);

#define NFIPSEC_SPD_HASH_BITS	12

struct nfipsec_spd {
	struct nfipsec_net *nn;
	/*
	 * Configuration, cfg_lock to write. The lists are also read under
	 * RCU while a change has not been compiled yet.
	 */
	struct list_head policies[NFIPSEC_DIR_MAX];
	/*
	 * Policies added since the oldest generation a reader may still
	 * use, in insertion (seq) order; RCU to read. Trimmed a grace
	 * period after the generation that holds them is published.
	 */
	struct list_head pending;
	u32 count[NFIPSEC_DIR_MAX];
	DECLARE_HASHTABLE(by_index, NFIPSEC_SPD_HASH_BITS);
	DECLARE_HASHTABLE(by_sel, NFIPSEC_SPD_HASH_BITS);
	u64 next_seq;
	u32 next_index;
	/*
	 * Bumped (release) after every change, under cfg_lock. A generation
	 * whose seq differs is stale: readers fall back to the lists.
	 */
	u32 change_seq;
	struct nfipsec_spd_gen __rcu *gen;
	struct nfipsec_spd_limits limits;
	struct delayed_work rebuild;
	unsigned long build_jiffies;	/* how long the last build took */
	struct nfipsec_spd_cache *cache;	/* set once, at the first add */
	/* Generations past their grace period, freed in process context. */
	struct llist_head free_list;
	struct work_struct free_work;
};

#endif /* _NFIPSEC_SPD_INT_H */
