// SPDX-License-Identifier: GPL-2.0
/*
 * The Security Policy Database (RFC 4301 §4.4.1): the configuration side
 * that PF_KEY edits, the compiled generation the packet path reads, and
 * the lookup that joins them.
 *
 * Configuration: per direction, a list ordered by priority (lower first)
 * then insertion, plus two hashes (by index, by direction and selector)
 * for PF_KEY's deletes and gets. All of it is changed under cfg_lock.
 *
 * Compilation: a change bumps change_seq and schedules a rebuild a little
 * later, so a bulk load of 100k policies compiles a few times rather than
 * 100k times. The rebuild decorrelates each direction (decorrelate.c),
 * indexes the pieces (classify.c), and publishes the new generation with
 * rcu_assign_pointer(); the old one is freed after a grace period. A
 * generation holds a reference on each policy it links to, so a policy
 * that was deleted stays valid for readers of the generation that still
 * names it.
 *
 * Lookup (RCU, no locks, no allocation): the per-CPU flow cache, then the
 * generation if it is current. While a change waits to be compiled, the
 * last generation is used with an overlay: the policies added since its
 * snapshot (the pending list, walked linearly) compete with its answer,
 * and if its answer has been deleted since, the ordered list itself is
 * walked. A few changes therefore cost a few comparisons per lookup, and
 * only a bulk load in progress costs a linear scan. Every path answers
 * with the first policy in SPD order that matches the flow.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/timekeeping.h>

#include "name_sel.h"
#include "netns.h"
#include "spd_int.h"

/* Shortest and longest wait before compiling a change. */
#define REBUILD_MIN_MS	10
#define REBUILD_MAX_MS	1000

struct nfipsec_policy *nfipsec_policy_alloc(gfp_t gfp)
{
	struct nfipsec_policy *pol = kzalloc(sizeof(*pol), gfp);

	if (!pol)
		return NULL;
	INIT_LIST_HEAD(&pol->list);
	INIT_LIST_HEAD(&pol->pending);
	INIT_HLIST_NODE(&pol->by_index);
	INIT_HLIST_NODE(&pol->by_sel);
	kref_init(&pol->ref);
	return pol;
}

static void policy_release(struct kref *ref)
{
	struct nfipsec_policy *pol = container_of(ref, struct nfipsec_policy,
						  ref);

	if (pol->name)
		kfree_rcu(pol->name, rcu);
	kfree_rcu(pol, rcu);
}

void nfipsec_policy_put(struct nfipsec_policy *pol)
{
	if (pol)
		kref_put(&pol->ref, policy_release);
}

static struct nfipsec_spd *spd_of(struct nfipsec_net *nn)
{
	lockdep_assert_held(&nn->cfg_lock);
	return nn->spd;
}

static u32 sel_hash(u8 dir, const struct nfipsec_sel *s)
{
	unsigned int words = s->family == AF_INET6 ? 4 : 1, i;
	u32 h = jhash_3words(dir, s->family << 8 | s->proto, s->flags, 0);

	for (i = 0; i < words; i++)
		h = jhash_3words((__force u32)s->local.lo.ip6[i],
				 (__force u32)s->remote.lo.ip6[i],
				 (__force u32)s->local.hi.ip6[i] ^
				 (__force u32)s->remote.hi.ip6[i], h);
	return jhash_3words((u32)s->lport_lo << 16 | s->lport_hi,
			    (u32)s->rport_lo << 16 | s->rport_hi, 0, h);
}

static bool range_ok(const struct nfipsec_addr_range *r, u8 family)
{
	return memcmp(&r->lo, &r->hi, family == AF_INET6 ? 16 : 4) <= 0;
}

static int policy_check(const struct nfipsec_policy *pol)
{
	const struct nfipsec_sel *s = &pol->sel;

	if (pol->dir >= NFIPSEC_DIR_MAX || pol->action > NFIPSEC_ACT_PROTECT ||
	    pol->ntmpl > NFIPSEC_MAX_TMPL)
		return -EINVAL;
	if (s->family != AF_INET && s->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!range_ok(&s->local, s->family) || !range_ok(&s->remote, s->family))
		return -EINVAL;
	if (s->lport_lo > s->lport_hi || s->rport_lo > s->rport_hi)
		return -EINVAL;
	return 0;
}

static struct nfipsec_policy *find_sel(struct nfipsec_spd *spd, u8 dir,
				       const struct nfipsec_sel *sel)
{
	struct nfipsec_policy *pol;

	hash_for_each_possible(spd->by_sel, pol, by_sel, sel_hash(dir, sel))
		if (pol->dir == dir && nfipsec_sel_equal(&pol->sel, sel))
			return pol;
	return NULL;
}

static struct nfipsec_policy *find_index(struct nfipsec_spd *spd, u32 index)
{
	struct nfipsec_policy *pol;

	hash_for_each_possible(spd->by_index, pol, by_index, index)
		if (pol->index == index)
			return pol;
	return NULL;
}

/* A fresh index whose low three bits are the direction, as Linux does. */
static u32 new_index(struct nfipsec_spd *spd, u8 dir)
{
	u32 idx;

	do {
		spd->next_index += 8;
		if (!spd->next_index)
			spd->next_index = 8;
		idx = spd->next_index | dir;
	} while (find_index(spd, idx));
	return idx;
}

/* Bump change_seq and have the change compiled soon. */
static void spd_changed(struct nfipsec_spd *spd)
{
	unsigned long delay;

	/* Pairs with smp_load_acquire() in nfipsec_spd_lookup(). */
	smp_store_release(&spd->change_seq, spd->change_seq + 1);
	/*
	 * Wait twice as long as the last build took, so that a bulk load
	 * spends at most about a third of its time compiling.
	 */
	delay = clamp(2 * spd->build_jiffies, msecs_to_jiffies(REBUILD_MIN_MS),
		      msecs_to_jiffies(REBUILD_MAX_MS));
	queue_delayed_work(system_unbound_wq, &spd->rebuild, delay);
}

static void spd_insert(struct nfipsec_spd *spd, struct nfipsec_policy *pol)
{
	struct list_head *head = &spd->policies[pol->dir], *pos;
	struct nfipsec_policy *p;

	/* From the tail: appending at equal priority is the common case. */
	for (pos = head->prev; pos != head; pos = pos->prev) {
		p = list_entry(pos, struct nfipsec_policy, list);
		if (p->priority <= pol->priority)
			break;
	}
	list_add_rcu(&pol->list, pos);
	list_add_tail_rcu(&pol->pending, &spd->pending);
	pol->on_pending = true;
	hash_add(spd->by_index, &pol->by_index, pol->index);
	hash_add(spd->by_sel, &pol->by_sel, sel_hash(pol->dir, &pol->sel));
	spd->count[pol->dir]++;
}

static void spd_unlink(struct nfipsec_spd *spd, struct nfipsec_policy *pol)
{
	/* Seen by readers before the change_seq bump that follows. */
	WRITE_ONCE(pol->dead, true);
	if (pol->on_pending) {
		list_del_rcu(&pol->pending);
		pol->on_pending = false;
	}
	list_del_rcu(&pol->list);
	hash_del(&pol->by_index);
	hash_del(&pol->by_sel);
	spd->count[pol->dir]--;
}

/*
 * The flow cache costs memory on every CPU, so a namespace gets one only
 * once it has a policy. Without one (or if this fails) lookups are
 * still exact, only slower.
 */
static void spd_cache_create(struct nfipsec_spd *spd)
{
	/* Pairs with smp_load_acquire() in nfipsec_spd_lookup(). */
	smp_store_release(&spd->cache, nfipsec_spd_cache_alloc());
}

int nfipsec_spd_add(struct nfipsec_net *nn, struct nfipsec_policy *pol,
		    bool replace)
{
	struct nfipsec_spd *spd = spd_of(nn);
	struct nfipsec_policy *old, *other;
	int ret;

	ret = policy_check(pol);
	if (ret)
		return ret;
	old = find_sel(spd, pol->dir, &pol->sel);
	if (old && !replace)
		return -EEXIST;
	if (pol->index) {
		other = find_index(spd, pol->index);
		if (other && other != old)
			return -EEXIST;
	} else {
		pol->index = old ? old->index : new_index(spd, pol->dir);
	}
	if (!spd->cache)
		spd_cache_create(spd);
	if (old)
		spd_unlink(spd, old);
	pol->seq = spd->next_seq++;
	pol->add_time = ktime_get_real_seconds();
	spd_insert(spd, pol);
	spd_changed(spd);
	nfipsec_policy_put(old);
	return 0;
}

struct nfipsec_policy *nfipsec_spd_del_sel(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel)
{
	struct nfipsec_spd *spd = spd_of(nn);
	struct nfipsec_policy *pol;

	if (dir >= NFIPSEC_DIR_MAX)
		return ERR_PTR(-EINVAL);
	pol = find_sel(spd, dir, sel);
	if (!pol)
		return ERR_PTR(-ENOENT);
	spd_unlink(spd, pol);
	spd_changed(spd);
	return pol;
}

struct nfipsec_policy *nfipsec_spd_del_index(struct nfipsec_net *nn,
					     u32 index)
{
	struct nfipsec_spd *spd = spd_of(nn);
	struct nfipsec_policy *pol;

	pol = find_index(spd, index);
	if (!pol)
		return ERR_PTR(-ENOENT);
	spd_unlink(spd, pol);
	spd_changed(spd);
	return pol;
}

static void spd_flush_lists(struct nfipsec_spd *spd)
{
	struct nfipsec_policy *pol, *tmp;
	unsigned int dir;

	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++) {
		list_for_each_entry_safe(pol, tmp, &spd->policies[dir], list) {
			spd_unlink(spd, pol);
			nfipsec_policy_put(pol);
		}
	}
}

void nfipsec_spd_flush(struct nfipsec_net *nn)
{
	struct nfipsec_spd *spd = spd_of(nn);

	spd_flush_lists(spd);
	spd_changed(spd);
}

struct nfipsec_policy *nfipsec_spd_get_index(struct nfipsec_net *nn,
					     u32 index)
{
	struct nfipsec_policy *pol = find_index(spd_of(nn), index);

	if (pol)
		kref_get(&pol->ref);
	return pol;
}

struct nfipsec_policy *nfipsec_spd_get_sel(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel)
{
	struct nfipsec_policy *pol;

	if (dir >= NFIPSEC_DIR_MAX)
		return NULL;
	pol = find_sel(spd_of(nn), dir, sel);
	if (pol)
		kref_get(&pol->ref);
	return pol;
}

int nfipsec_spd_walk(struct nfipsec_net *nn,
		     int (*fn)(struct nfipsec_policy *pol, void *arg),
		     void *arg)
{
	struct nfipsec_spd *spd = spd_of(nn);
	struct nfipsec_policy *pol;
	unsigned int dir;
	int ret;

	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++) {
		list_for_each_entry(pol, &spd->policies[dir], list) {
			ret = fn(pol, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Compilation */

static void compiled_free(struct nfipsec_spd_compiled *c)
{
	u32 i;

	nfipsec_cls_free(c->cls);
	nfipsec_decor_free(&c->decor);
	for (i = 0; i < c->nr_pols; i++)
		nfipsec_policy_put(c->pols[i]);
	kvfree(c->pols);
}

static void gen_free(struct nfipsec_spd_gen *gen)
{
	unsigned int dir;

	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++)
		compiled_free(&gen->dir[dir]);
	kfree(gen);
}

/*
 * A generation can name 100k policies: rather than drop that many
 * references in softirq context, the RCU callback hands it to a work.
 */
static void gen_free_rcu(struct rcu_head *head)
{
	struct nfipsec_spd_gen *gen = container_of(head, struct nfipsec_spd_gen,
						   rcu);

	llist_add(&gen->free_node, &gen->spd->free_list);
	queue_work(system_unbound_wq, &gen->spd->free_work);
}

static void spd_free_work(struct work_struct *work)
{
	struct nfipsec_spd *spd = container_of(work, struct nfipsec_spd,
					       free_work);
	struct nfipsec_spd_gen *gen, *tmp;

	llist_for_each_entry_safe(gen, tmp, llist_del_all(&spd->free_list),
				  free_node) {
		gen_free(gen);
		cond_resched();
	}
}

/*
 * Must be called with cfg_lock held. A generation that names the current
 * policies, each with a reference, and nothing compiled yet.
 */
static struct nfipsec_spd_gen *gen_snapshot(struct nfipsec_spd *spd)
{
	struct nfipsec_spd_compiled *c;
	struct nfipsec_policy *pol;
	struct nfipsec_spd_gen *gen;
	unsigned int dir;

	gen = kzalloc(sizeof(*gen), GFP_KERNEL);
	if (!gen)
		return NULL;
	gen->spd = spd;
	gen->seq = spd->change_seq;
	gen->base = spd->next_seq;
	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++) {
		c = &gen->dir[dir];
		c->pols = kvmalloc_array(max(spd->count[dir], 1U),
					 sizeof(*c->pols), GFP_KERNEL);
		if (!c->pols) {
			gen_free(gen);
			return NULL;
		}
		list_for_each_entry(pol, &spd->policies[dir], list) {
			kref_get(&pol->ref);
			c->pols[c->nr_pols++] = pol;
		}
	}
	return gen;
}

/*
 * Decorrelate and index a snapshot. Needs no lock: it reads only what a
 * policy never changes once added, and the snapshot holds references.
 */
static int gen_compile(struct nfipsec_spd_gen *gen,
		       const struct nfipsec_spd_limits *lim)
{
	struct nfipsec_spd_compiled *c;
	unsigned int dir;
	int ret;

	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++) {
		c = &gen->dir[dir];
		ret = nfipsec_decorrelate(c->pols, c->nr_pols, lim, &c->decor);
		if (ret)
			return ret;
		c->cls = nfipsec_cls_build(c->decor.pieces, c->decor.nr_pieces,
					   lim->keys_max);
		if (!c->cls)
			return -ENOMEM;
	}
	return 0;
}

static struct nfipsec_spd_gen *gen_current(struct nfipsec_net *nn)
{
	return rcu_dereference_protected(nn->spd->gen,
					 lockdep_is_held(&nn->cfg_lock));
}

/* Must be called with cfg_lock held: make @gen the one readers use. */
static void gen_publish(struct nfipsec_net *nn, struct nfipsec_spd_gen *gen)
{
	struct nfipsec_spd_gen *old = gen_current(nn);

	rcu_assign_pointer(nn->spd->gen, gen);
	if (old)
		call_rcu(&old->rcu, gen_free_rcu);
}

/* Must be called with cfg_lock held. */
static bool gen_is_current(struct nfipsec_net *nn)
{
	struct nfipsec_spd_gen *gen = gen_current(nn);

	return gen && gen->seq == nn->spd->change_seq;
}

int nfipsec_spd_commit(struct nfipsec_net *nn)
{
	struct nfipsec_spd *spd = spd_of(nn);
	struct nfipsec_spd_gen *gen;
	int ret;

	if (gen_is_current(nn))
		return 0;
	gen = gen_snapshot(spd);
	if (!gen)
		return -ENOMEM;
	ret = gen_compile(gen, &spd->limits);
	if (ret) {
		gen_free(gen);
		return ret;
	}
	gen_publish(nn, gen);
	/* No rebuild left to do; the work still trims the pending list. */
	mod_delayed_work(system_unbound_wq, &spd->rebuild, 0);
	return 0;
}

/*
 * Must be called with cfg_lock held. Drop from the pending list what a
 * generation published at least a grace period ago holds: with seq below
 * @base. No reader can still be using an older generation.
 */
static void spd_trim_pending(struct nfipsec_spd *spd, u64 base)
{
	struct nfipsec_policy *pol, *tmp;

	list_for_each_entry_safe(pol, tmp, &spd->pending, pending) {
		if (pol->seq >= base)
			break;
		list_del_rcu(&pol->pending);
		pol->on_pending = false;
	}
}

/* Must be called with cfg_lock held. */
static bool spd_trimmable(struct nfipsec_net *nn)
{
	struct nfipsec_spd_gen *gen = gen_current(nn);
	struct nfipsec_policy *first;

	first = list_first_entry_or_null(&nn->spd->pending,
					 struct nfipsec_policy, pending);
	return gen && first && first->seq < gen->base;
}

/*
 * The batched rebuild. The snapshot and the publication take cfg_lock;
 * the compilation in between does not, so PF_KEY is not held up by it. If
 * the SPD changed meanwhile, the result is already stale and is dropped:
 * that change queued this work again. Then, a grace period after a
 * publication, the pending list loses what the new generation holds.
 */
static void spd_rebuild_work(struct work_struct *work)
{
	struct nfipsec_spd *spd = container_of(to_delayed_work(work),
					       struct nfipsec_spd, rebuild);
	struct nfipsec_net *nn = spd->nn;
	struct nfipsec_spd_gen *gen = NULL;
	struct nfipsec_spd_limits lim;
	unsigned long start;
	int ret = 0;
	u64 base;

	mutex_lock(&nn->cfg_lock);
	if (!gen_is_current(nn)) {
		gen = gen_snapshot(spd);
		ret = gen ? 0 : -ENOMEM;
	}
	lim = spd->limits;
	mutex_unlock(&nn->cfg_lock);

	if (gen) {
		start = jiffies;
		ret = gen_compile(gen, &lim);
		mutex_lock(&nn->cfg_lock);
		spd->build_jiffies = jiffies - start;
		if (!ret && gen->seq == spd->change_seq &&
		    !gen_is_current(nn)) {
			gen_publish(nn, gen);
			gen = NULL;
		}
		mutex_unlock(&nn->cfg_lock);
		if (gen)
			gen_free(gen);
	}
	if (ret) {
		/* The lists keep lookups exact; try again later. */
		queue_delayed_work(system_unbound_wq, &spd->rebuild,
				   msecs_to_jiffies(REBUILD_MAX_MS));
		return;
	}

	mutex_lock(&nn->cfg_lock);
	if (!spd_trimmable(nn)) {
		mutex_unlock(&nn->cfg_lock);
		return;
	}
	base = gen_current(nn)->base;
	mutex_unlock(&nn->cfg_lock);
	synchronize_rcu();
	mutex_lock(&nn->cfg_lock);
	spd_trim_pending(spd, base);
	mutex_unlock(&nn->cfg_lock);
}

/* Lookup */

static struct nfipsec_policy *
compiled_lookup(const struct nfipsec_spd_compiled *c,
		const struct nfipsec_flow *fl)
{
	const struct nfipsec_piece *piece;
	struct nfipsec_point pt;
	u32 i;

	nfipsec_point_from_flow(&pt, fl);
	piece = nfipsec_cls_lookup(c->cls, &pt);
	if (piece)
		return piece->pol;
	for (i = 0; i < c->decor.nr_fallback; i++)
		if (nfipsec_sel_match(&c->decor.fallback[i]->sel, fl))
			return c->decor.fallback[i];
	return NULL;
}

static bool policy_before(const struct nfipsec_policy *a,
			  const struct nfipsec_policy *b)
{
	return a->priority < b->priority ||
	       (a->priority == b->priority && a->seq < b->seq);
}

/* RCU: the ordered list itself. */
static struct nfipsec_policy *list_lookup(struct nfipsec_spd *spd, u8 dir,
					  const struct nfipsec_flow *fl)
{
	struct nfipsec_policy *pol;

	list_for_each_entry_rcu(pol, &spd->policies[dir], list)
		if (nfipsec_sel_match(&pol->sel, fl))
			return pol;
	return NULL;
}

/*
 * RCU: a generation that is no longer current, corrected by what changed
 * since its snapshot. Its answer stays the first match among its own
 * policies that are still in the SPD, unless that answer was deleted;
 * then what it was hiding is unknown, and only the list can tell.
 */
static struct nfipsec_policy *overlay_lookup(struct nfipsec_spd *spd,
					     const struct nfipsec_spd_gen *gen,
					     u8 dir,
					     const struct nfipsec_flow *fl)
{
	struct nfipsec_policy *best, *q;

	best = compiled_lookup(&gen->dir[dir], fl);
	if (best && READ_ONCE(best->dead))
		return list_lookup(spd, dir, fl);
	list_for_each_entry_rcu(q, &spd->pending, pending) {
		if (q->seq < gen->base || q->dir != dir ||
		    READ_ONCE(q->dead) || !nfipsec_sel_match(&q->sel, fl))
			continue;
		if (!best || policy_before(q, best))
			best = q;
	}
	return best;
}

void nfipsec_spd_lookup(struct nfipsec_net *nn, u8 dir,
			const struct nfipsec_flow *fl,
			struct nfipsec_spd_result *res)
{
	struct nfipsec_spd *spd = nn->spd;
	struct nfipsec_spd_cache *cache;
	struct nfipsec_spd_gen *gen;
	struct nfipsec_policy *pol;
	time64_t now;
	u32 seq;

	/*
	 * Pairs with smp_store_release() in spd_changed(): the lists are at
	 * least as new as seq.
	 */
	seq = smp_load_acquire(&spd->change_seq);
	res->gen = seq;
	res->pol = NULL;
	if (dir >= NFIPSEC_DIR_MAX)
		return;
	/* Pairs with smp_store_release() in spd_cache_create(). */
	cache = smp_load_acquire(&spd->cache);
	if (!cache || !nfipsec_spd_cache_get(cache, dir, fl, seq, &pol)) {
		gen = rcu_dereference(spd->gen);
		if (gen && gen->seq == seq)
			pol = compiled_lookup(&gen->dir[dir], fl);
		else if (gen)
			pol = overlay_lookup(spd, gen, dir, fl);
		else
			pol = list_lookup(spd, dir, fl);
		if (cache)
			nfipsec_spd_cache_put(cache, dir, fl, seq, pol);
	}
	if (pol) {
		now = ktime_get_real_seconds();
		if (READ_ONCE(pol->use_time) != now)
			WRITE_ONCE(pol->use_time, now);
	}
	res->pol = pol;
}

int nfipsec_spd_net_init(struct nfipsec_net *nn)
{
	struct nfipsec_spd *spd;
	unsigned int dir;

	spd = kvzalloc(sizeof(*spd), GFP_KERNEL);
	if (!spd)
		return -ENOMEM;
	spd->nn = nn;
	spd->limits = NFIPSEC_SPD_LIMITS_DEFAULT;
	for (dir = 0; dir < NFIPSEC_DIR_MAX; dir++)
		INIT_LIST_HEAD(&spd->policies[dir]);
	INIT_LIST_HEAD(&spd->pending);
	hash_init(spd->by_index);
	hash_init(spd->by_sel);
	INIT_DELAYED_WORK(&spd->rebuild, spd_rebuild_work);
	init_llist_head(&spd->free_list);
	INIT_WORK(&spd->free_work, spd_free_work);
	nn->spd = spd;
	return 0;
}

void nfipsec_spd_net_exit(struct nfipsec_net *nn)
{
	struct nfipsec_spd *spd = nn->spd;
	struct nfipsec_spd_gen *gen;

	cancel_delayed_work_sync(&spd->rebuild);
	mutex_lock(&nn->cfg_lock);
	spd_flush_lists(spd);
	gen = rcu_dereference_protected(spd->gen,
					lockdep_is_held(&nn->cfg_lock));
	RCU_INIT_POINTER(spd->gen, NULL);
	mutex_unlock(&nn->cfg_lock);
	if (gen)
		call_rcu(&gen->rcu, gen_free_rcu);
	/*
	 * Every gen_free_rcu() queued so far runs, and the work it queued
	 * frees, before the namespace (or the module) goes.
	 */
	rcu_barrier();
	flush_work(&spd->free_work);
	nfipsec_spd_cache_free(spd->cache);
	nn->spd = NULL;
	kvfree(spd);
}
