// SPDX-License-Identifier: GPL-2.0
/*
 * The SAD's tables (RFC 4301 §4.4.2), one set per network namespace.
 *
 * Every linked SA sits in up to three hash chains, all sized alike:
 *
 *   by_spi  (SPI, daddr, proto)   inbound lookup, and uniqueness of SAs
 *   by_dst  (daddr, proto)        outbound: the SA for a policy template,
 *                                 filtered by saddr, reqid and mode
 *   by_seq  (sadb_msg_seq)        larval SAs only: GETSPI's answer to an
 *                                 ACQUIRE, found again by its UPDATE
 *
 * Writers (add, del, flush, resize) hold nfipsec_net.cfg_lock. Readers on
 * the packet path take no lock: they walk the chains under RCU. Adding and
 * unlinking are plain RCU list operations. A resize (the table doubles when
 * it holds more SAs than buckets) allocates new arrays, re-links every SA
 * into them and publishes them with rcu_assign_pointer(), all inside a
 * write section of the @relink seqcount, as xfrm_state.c does. A reader
 * that races with a resize can be carried from an old chain into a new one
 * and miss its SA; a hit is always right (it matched the key), so only a
 * miss re-checks the seqcount and retries. The old arrays are freed after
 * a grace period. The write section runs with BH off, since readers run in
 * softirq. Tables never shrink: a namespace that once held many SAs keeps
 * its buckets until it goes away.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "netns.h"
#include "sa.h"
#include "spd.h"

#define SAD_MIN_SHIFT	4
#define SAD_MAX_SHIFT	20
#define SAD_SPI_PROBES	65536	/* candidates GETSPI tries at most */

struct sad_table {
	struct rcu_head rcu;
	unsigned int shift;
	struct hlist_head *by_spi, *by_dst, *by_seq;
	struct hlist_head b[];	/* the three arrays, one after another */
};

struct nfipsec_sad {
	struct sad_table __rcu *tbl;	/* cfg_lock to replace */
	spinlock_t relink_lock;		/* only to make @relink's writer BH-safe */
	seqcount_spinlock_t relink;	/* odd while a resize re-links */
	unsigned int count;		/* SAs linked; cfg_lock */
	u32 rnd;			/* hash seed */
};

static struct sad_table *table_alloc(unsigned int shift)
{
	unsigned int n = 1U << shift;
	struct sad_table *t;

	t = kvzalloc(struct_size(t, b, 3 * n), GFP_KERNEL);
	if (!t)
		return NULL;
	t->shift = shift;
	t->by_spi = t->b;
	t->by_dst = t->b + n;
	t->by_seq = t->b + 2 * n;
	return t;
}

static u32 addr_hash(u8 family, const union nf_inet_addr *a, u32 rnd)
{
	if (family == AF_INET)
		return jhash_1word((__force u32)a->ip, rnd);
	return jhash2((__force const u32 *)a->all, 4, rnd);
}

static unsigned int spi_bucket(const struct nfipsec_sad *sad,
			       const struct sad_table *t, u8 proto,
			       __be32 spi, u8 family,
			       const union nf_inet_addr *daddr)
{
	u32 h = jhash_3words((__force u32)spi, addr_hash(family, daddr,
				sad->rnd), proto, sad->rnd);

	return hash_32(h, t->shift);
}

static unsigned int dst_bucket(const struct nfipsec_sad *sad,
			       const struct sad_table *t, u8 proto,
			       u8 family, const union nf_inet_addr *daddr)
{
	u32 h = jhash_2words(addr_hash(family, daddr, sad->rnd), proto,
			     sad->rnd);

	return hash_32(h, t->shift);
}

static unsigned int seq_bucket(const struct nfipsec_sad *sad,
			       const struct sad_table *t, u32 seq)
{
	return hash_32(jhash_1word(seq, sad->rnd), t->shift);
}

static bool addr_eq(u8 family, const union nf_inet_addr *a,
		    const union nf_inet_addr *b)
{
	if (family == AF_INET)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

static bool sa_is(const struct nfipsec_sa *sa, u8 proto, __be32 spi,
		  u8 family, const union nf_inet_addr *daddr)
{
	return sa->spi == spi && sa->proto == proto && sa->family == family &&
	       addr_eq(family, &sa->daddr, daddr);
}

static struct sad_table *table_locked(struct nfipsec_net *nn)
{
	return rcu_dereference_protected(nn->sad->tbl,
					 lockdep_is_held(&nn->cfg_lock));
}

static void link_sa(struct nfipsec_sad *sad, struct sad_table *t,
		    struct nfipsec_sa *sa)
{
	hlist_add_head_rcu(&sa->by_spi,
			   &t->by_spi[spi_bucket(sad, t, sa->proto, sa->spi,
						 sa->family, &sa->daddr)]);
	hlist_add_head_rcu(&sa->by_dst,
			   &t->by_dst[dst_bucket(sad, t, sa->proto,
						 sa->family, &sa->daddr)]);
	if (sa->state == NFIPSEC_SA_LARVAL && sa->seq)
		hlist_add_head_rcu(&sa->by_seq,
				   &t->by_seq[seq_bucket(sad, t, sa->seq)]);
}

/* Must be called with cfg_lock held. Doubles the table; on allocation
 * failure keeps the old one (longer chains, still correct).
 */
static void sad_grow(struct nfipsec_net *nn)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *old = table_locked(nn), *new;
	struct hlist_node *tmp;
	struct nfipsec_sa *sa;
	unsigned int i, n = 1U << old->shift;

	new = table_alloc(old->shift + 1);
	if (!new)
		return;
	spin_lock_bh(&sad->relink_lock);
	write_seqcount_begin(&sad->relink);
	for (i = 0; i < n; i++) {
		hlist_for_each_entry_safe(sa, tmp, &old->by_spi[i], by_spi) {
			hlist_del_rcu(&sa->by_spi);
			hlist_del_rcu(&sa->by_dst);
			if (!hlist_unhashed(&sa->by_seq))
				hlist_del_rcu(&sa->by_seq);
			link_sa(sad, new, sa);
		}
	}
	rcu_assign_pointer(sad->tbl, new);
	write_seqcount_end(&sad->relink);
	spin_unlock_bh(&sad->relink_lock);
	kvfree_rcu(old, rcu);
}

struct nfipsec_sa *nfipsec_sad_find(struct nfipsec_net *nn, u8 proto,
				    __be32 spi, u8 family,
				    const union nf_inet_addr *daddr)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *t = table_locked(nn);
	struct nfipsec_sa *sa;

	hlist_for_each_entry(sa, &t->by_spi[spi_bucket(sad, t, proto, spi,
						       family, daddr)],
			     by_spi)
		if (sa_is(sa, proto, spi, family, daddr))
			return sa;
	return NULL;
}

/* Must be called with cfg_lock held. Is @sa's key taken by another SA
 * than @allow?
 */
static bool key_taken(struct nfipsec_net *nn, const struct nfipsec_sa *sa,
		      const struct nfipsec_sa *allow)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *t = table_locked(nn);
	struct nfipsec_sa *o;

	hlist_for_each_entry(o, &t->by_spi[spi_bucket(sad, t, sa->proto,
						      sa->spi, sa->family,
						      &sa->daddr)], by_spi)
		if (o != allow &&
		    sa_is(o, sa->proto, sa->spi, sa->family, &sa->daddr))
			return true;
	return false;
}

static int sad_add(struct nfipsec_net *nn, struct nfipsec_sa *sa,
		   const struct nfipsec_sa *allow)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *t;

	lockdep_assert_held(&nn->cfg_lock);
	if (!sa->spi)
		return -EINVAL;
	if (key_taken(nn, sa, allow))
		return -EEXIST;
	t = table_locked(nn);
	if (sad->count >= (1U << t->shift) && t->shift < SAD_MAX_SHIFT) {
		sad_grow(nn);
		t = table_locked(nn);
	}
	INIT_HLIST_NODE(&sa->by_seq);
	link_sa(sad, t, sa);
	sad->count++;
	return 0;
}

int nfipsec_sad_add(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	return sad_add(nn, sa, NULL);
}

/*
 * @sa goes in ahead of @old in every chain, so a lookup by a key they
 * share finds @sa first; @old is still found by readers already past the
 * head, until the caller deletes it.
 */
int nfipsec_sad_add_replacing(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			      const struct nfipsec_sa *old)
{
	return sad_add(nn, sa, old);
}

void nfipsec_sad_del(struct nfipsec_net *nn, struct nfipsec_sa *sa)
{
	lockdep_assert_held(&nn->cfg_lock);
	if (sa->state == NFIPSEC_SA_DEAD)
		return;
	hlist_del_init_rcu(&sa->by_spi);
	hlist_del_init_rcu(&sa->by_dst);
	if (!hlist_unhashed(&sa->by_seq))
		hlist_del_init_rcu(&sa->by_seq);
	WRITE_ONCE(sa->state, NFIPSEC_SA_DEAD);
	nn->sad->count--;
	nfipsec_sa_put(sa);	/* the SAD's reference */
}

void nfipsec_sad_flush(struct nfipsec_net *nn, u8 proto)
{
	struct sad_table *t = table_locked(nn);
	struct hlist_node *tmp;
	struct nfipsec_sa *sa;
	unsigned int i;

	for (i = 0; i < (1U << t->shift); i++) {
		hlist_for_each_entry_safe(sa, tmp, &t->by_spi[i], by_spi)
			if (!proto || sa->proto == proto)
				nfipsec_sad_del(nn, sa);
		cond_resched();
	}
}

int nfipsec_sad_walk(struct nfipsec_net *nn, u8 proto,
		     int (*fn)(struct nfipsec_sa *sa, void *arg), void *arg)
{
	struct sad_table *t = table_locked(nn);
	struct nfipsec_sa *sa;
	unsigned int i;
	int ret;

	for (i = 0; i < (1U << t->shift); i++) {
		hlist_for_each_entry(sa, &t->by_spi[i], by_spi) {
			if (proto && sa->proto != proto)
				continue;
			ret = fn(sa, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

unsigned int nfipsec_sad_count(struct nfipsec_net *nn)
{
	lockdep_assert_held(&nn->cfg_lock);
	return nn->sad->count;
}

struct nfipsec_sa *nfipsec_sad_find_larval(struct nfipsec_net *nn, u32 seq,
					   u8 family,
					   const union nf_inet_addr *daddr)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *t = table_locked(nn);
	struct nfipsec_sa *sa;

	if (!seq)
		return NULL;
	hlist_for_each_entry(sa, &t->by_seq[seq_bucket(sad, t, seq)], by_seq)
		if (sa->seq == seq && sa->state == NFIPSEC_SA_LARVAL &&
		    sa->family == family && addr_eq(family, &sa->daddr, daddr))
			return sa;
	return NULL;
}

int nfipsec_sad_alloc_spi(struct nfipsec_net *nn, u8 proto, u8 family,
			  const union nf_inet_addr *daddr, u32 lo, u32 hi,
			  __be32 *spi)
{
	u64 range = (u64)hi - lo + 1;
	u64 probes = min_t(u64, range, SAD_SPI_PROBES);
	u32 start, cand;
	u64 i;

	lockdep_assert_held(&nn->cfg_lock);
	if (lo > hi || !lo)
		return -EINVAL;
	/* A random start, then linear probing: never two equal answers,
	 * and a free SPI is found while the range is not nearly full.
	 */
	start = range > U32_MAX ? get_random_u32() :
		get_random_u32_below((u32)range);
	for (i = 0; i < probes; i++) {
		cand = lo + (u32)((start + i) % range);
		if (!nfipsec_sad_find(nn, proto, htonl(cand), family, daddr)) {
			*spi = htonl(cand);
			return 0;
		}
	}
	return -ENOENT;
}

static bool sa_usable(const struct nfipsec_sa *sa)
{
	u8 state = READ_ONCE(sa->state);

	return state == NFIPSEC_SA_MATURE || state == NFIPSEC_SA_DYING;
}

struct nfipsec_sa *nfipsec_sad_lookup_rcu(struct nfipsec_net *nn, u8 proto,
					  __be32 spi, u8 family,
					  const union nf_inet_addr *daddr)
{
	struct nfipsec_sad *sad = nn->sad;
	struct sad_table *t;
	struct nfipsec_sa *sa;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&sad->relink);
		t = rcu_dereference(sad->tbl);
		hlist_for_each_entry_rcu(sa,
					 &t->by_spi[spi_bucket(sad, t, proto,
							       spi, family,
							       daddr)],
					 by_spi)
			if (sa_is(sa, proto, spi, family, daddr))
				return sa_usable(sa) ? sa : NULL;
	} while (read_seqcount_retry(&sad->relink, seq));
	return NULL;
}

/* Is @a a better outbound SA than @b (NULL: none yet)? */
static bool sa_better(const struct nfipsec_sa *a, const struct nfipsec_sa *b)
{
	u8 sa = READ_ONCE(a->state), sb;

	if (!b)
		return true;
	sb = READ_ONCE(b->state);
	if (sa != sb)
		return sa == NFIPSEC_SA_MATURE;
	return a->add_time > b->add_time;
}

struct nfipsec_sa *nfipsec_sad_lookup_out_rcu(struct nfipsec_net *nn,
					      u8 family, u8 proto, u8 mode,
					      u32 reqid,
					      const union nf_inet_addr *saddr,
					      const union nf_inet_addr *daddr)
{
	struct nfipsec_sad *sad = nn->sad;
	struct nfipsec_sa *sa, *best;
	struct sad_table *t;
	unsigned int seq;

	do {
		best = NULL;
		seq = read_seqcount_begin(&sad->relink);
		t = rcu_dereference(sad->tbl);
		hlist_for_each_entry_rcu(sa,
					 &t->by_dst[dst_bucket(sad, t, proto,
							       family, daddr)],
					 by_dst) {
			if (sa->proto != proto || sa->family != family ||
			    !addr_eq(family, &sa->daddr, daddr))
				continue;
			if (saddr && !addr_eq(family, &sa->saddr, saddr))
				continue;
			if ((reqid && sa->reqid != reqid) ||
			    (mode != NFIPSEC_MODE_ANY && sa->mode != mode))
				continue;
			if (sa_usable(sa) && sa_better(sa, best))
				best = sa;
		}
	} while (!best && read_seqcount_retry(&sad->relink, seq));
	return best;
}

int nfipsec_sad_net_init(struct nfipsec_net *nn)
{
	struct nfipsec_sad *sad;
	struct sad_table *t;

	sad = kzalloc(sizeof(*sad), GFP_KERNEL);
	if (!sad)
		return -ENOMEM;
	t = table_alloc(SAD_MIN_SHIFT);
	if (!t) {
		kfree(sad);
		return -ENOMEM;
	}
	spin_lock_init(&sad->relink_lock);
	seqcount_spinlock_init(&sad->relink, &sad->relink_lock);
	sad->rnd = get_random_u32();
	RCU_INIT_POINTER(sad->tbl, t);
	nn->sad = sad;
	return 0;
}

void nfipsec_sad_net_exit(struct nfipsec_net *nn)
{
	struct nfipsec_sad *sad = nn->sad;

	mutex_lock(&nn->cfg_lock);
	nfipsec_sad_flush(nn, 0);
	kvfree(rcu_dereference_protected(sad->tbl,
					 lockdep_is_held(&nn->cfg_lock)));
	mutex_unlock(&nn->cfg_lock);
	kfree(sad);
	nn->sad = NULL;
}
