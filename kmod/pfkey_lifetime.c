// SPDX-License-Identifier: GPL-2.0
/*
 * Time lifetimes of SAs (RFC 2367 §2.3.2, §3.1.8), kept by one delayed work
 * per network namespace:
 *
 *   larval SA (GETSPI, no UPDATE yet)   deleted 30 s after its GETSPI, with
 *                                       a hard EXPIRE (XFRM's acquire
 *                                       states live as long)
 *   soft add/use seconds passed         DYING, one soft EXPIRE
 *   hard add/use seconds passed         hard EXPIRE, then deleted
 *
 * Use seconds count from the first packet (sa->use_time, set by the data
 * path). Byte and packet limits are the data path's, which sees every
 * packet and calls nfipsec_pfkey_expire() itself.
 *
 * Policies (X_SPDADD's LIFETIME_SOFT/HARD) the same way, with KAME's
 * SADB_X_SPDEXPIRE: soft sends one and keeps the policy, hard sends one
 * and deletes it. A policy's use seconds run from its last use (XFRM's
 * and KAME's idle timeout), its add seconds from the X_SPDADD.
 *
 * The work runs with cfg_lock held, walks the SAD (and the SPD once a
 * policy had a lifetime), acts on what is due and
 * re-arms itself for the earliest deadline left; while an SA with a use
 * limit waits for its first packet, that is a second later. Nothing is
 * armed when no SA has a time limit. Granularity: one second.
 */
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "netns.h"
#include "pfkey.h"
#include "sa.h"
#include "spd.h"

#define LARVAL_SECONDS	30
#define HARD_BATCH	64

/* The earlier of two instants, 0 being "never". */
static time64_t first(time64_t a, time64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return min(a, b);
}

/* When @lt runs out for @sa (0: never; @now + 1: poll for first use). */
static time64_t due(const struct nfipsec_sa *sa,
		    const struct nfipsec_lifetime *lt, time64_t now)
{
	time64_t t = 0, used = READ_ONCE(sa->use_time);

	if (lt->add_seconds)
		t = sa->add_time + lt->add_seconds;
	if (lt->use_seconds)
		t = first(t, used ? used + lt->use_seconds : now + 1);
	return t;
}

/* The next instant @sa needs the work, 0 for never. */
static time64_t next_for(const struct nfipsec_sa *sa, time64_t now)
{
	if (sa->state == NFIPSEC_SA_LARVAL)
		return sa->add_time + LARVAL_SECONDS;
	if (sa->state == NFIPSEC_SA_DEAD)
		return 0;
	return first(sa->soft_expired ? 0 : due(sa, &sa->soft, now),
		     due(sa, &sa->hard, now));
}

/* Must be called with cfg_lock held. Make the work run by @when. */
static void arm_at(struct nfipsec_net *nn, time64_t when, time64_t now)
{
	struct nfipsec_pfkey_net *pn = nn->pfkey;

	lockdep_assert_held(&nn->cfg_lock);
	if (!when)
		return;
	if (delayed_work_pending(&pn->lifetime_work) &&
	    pn->lifetime_next <= when)
		return;
	pn->lifetime_next = when;
	mod_delayed_work(system_wq, &pn->lifetime_work,
			 when > now ? (when - now) * HZ : 0);
}

void nfipsec_pfkey_lifetime_arm(struct nfipsec_net *nn,
				const struct nfipsec_sa *sa)
{
	time64_t now = ktime_get_real_seconds();

	arm_at(nn, next_for(sa, now), now);
}

struct sweep {
	time64_t now, next;
	unsigned int n;
	struct nfipsec_sa *hard[HARD_BATCH];
};

static int sweep_one(struct nfipsec_sa *sa, void *arg)
{
	struct sweep *w = arg;
	time64_t t;

	if (sa->state == NFIPSEC_SA_DEAD)
		return 0;
	if (sa->state == NFIPSEC_SA_LARVAL) {
		t = sa->add_time + LARVAL_SECONDS;
	} else {
		t = due(sa, &sa->hard, w->now);
		if (!sa->soft_expired) {
			time64_t s = due(sa, &sa->soft, w->now);

			if (s && s <= w->now && (!t || t > w->now)) {
				sa->soft_expired = true;
				WRITE_ONCE(sa->state, NFIPSEC_SA_DYING);
				nfipsec_pfkey_expire(sa, false);
			} else {
				w->next = first(w->next, s);
			}
		}
	}
	if (!t || t > w->now) {
		w->next = first(w->next, t);
		return 0;
	}
	w->hard[w->n++] = sa;		/* unlinked after the walk */
	return w->n == HARD_BATCH;
}

/* When @pol's lifetime [i] runs out (0: never). */
static time64_t pol_due(const struct nfipsec_policy *pol, int i)
{
	time64_t t = 0, used = READ_ONCE(pol->use_time);

	if (pol->lt_add[i])
		t = pol->add_time + pol->lt_add[i];
	if (pol->lt_use[i])
		t = first(t, (used ?: pol->add_time) + pol->lt_use[i]);
	return t;
}

static time64_t pol_next(const struct nfipsec_policy *pol)
{
	return first(pol->soft_expired ? 0 : pol_due(pol, 0), pol_due(pol, 1));
}

void nfipsec_pfkey_lifetime_arm_policy(struct nfipsec_net *nn,
				       const struct nfipsec_policy *pol)
{
	time64_t now = ktime_get_real_seconds(), when = pol_next(pol);

	if (!when)
		return;
	nn->pfkey->spd_lifetimes = true;
	arm_at(nn, when, now);
}

struct pol_sweep {
	struct nfipsec_net *nn;
	time64_t now, next;
	unsigned int n;
	u32 hard[HARD_BATCH];	/* indexes: deleted after the walk */
};

static int pol_sweep_one(struct nfipsec_policy *pol, void *arg)
{
	struct pol_sweep *w = arg;
	time64_t s, h = pol_due(pol, 1);

	if (!pol->soft_expired) {
		s = pol_due(pol, 0);
		if (s && s <= w->now && (!h || h > w->now)) {
			pol->soft_expired = true;
			nfipsec_pfkey_spdexpire(w->nn, pol, false);
		} else {
			w->next = first(w->next, s);
		}
	}
	if (!h || h > w->now) {
		w->next = first(w->next, h);
		return 0;
	}
	w->hard[w->n++] = pol->index;
	return w->n == HARD_BATCH;
}

/* Must be called with cfg_lock held. Returns the next deadline. */
static time64_t sweep_spd(struct nfipsec_net *nn, time64_t now)
{
	struct pol_sweep w = { .nn = nn, .now = now };
	struct nfipsec_policy *pol;
	unsigned int i;
	time64_t next = 0;

	do {
		w.n = 0;
		w.next = 0;
		nfipsec_spd_walk(nn, pol_sweep_one, &w);
		for (i = 0; i < w.n; i++) {
			pol = nfipsec_spd_del_index(nn, w.hard[i]);
			if (IS_ERR(pol))
				continue;
			nfipsec_pfkey_spdexpire(nn, pol, true);
			nfipsec_policy_put(pol);
		}
		next = first(next, w.next);
	} while (w.n == HARD_BATCH);
	return next;
}

void nfipsec_pfkey_lifetime_work(struct work_struct *work)
{
	struct nfipsec_pfkey_net *pn = container_of(to_delayed_work(work),
						    struct nfipsec_pfkey_net,
						    lifetime_work);
	struct nfipsec_net *nn = pn->nn;
	struct sweep w = { .now = ktime_get_real_seconds() };
	unsigned int i;

	mutex_lock(&nn->cfg_lock);
	do {
		w.n = 0;
		w.next = 0;
		nfipsec_sad_walk(nn, 0, sweep_one, &w);
		for (i = 0; i < w.n; i++) {
			nfipsec_pfkey_expire(w.hard[i], true);
			nfipsec_sad_del(nn, w.hard[i]);
		}
	} while (w.n == HARD_BATCH);
	if (pn->spd_lifetimes)
		w.next = first(w.next, sweep_spd(nn, w.now));
	pn->lifetime_next = 0;
	arm_at(nn, w.next, w.now);
	mutex_unlock(&nn->cfg_lock);
}
