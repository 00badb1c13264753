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
 * The work runs with cfg_lock held, walks the SAD, acts on what is due and
 * re-arms itself for the earliest deadline left; while an SA with a use
 * limit waits for its first packet, that is a second later. Nothing is
 * armed when no SA has a time limit. Granularity: one second.
 */
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "netns.h"
#include "pfkey.h"
#include "sa.h"

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
	pn->lifetime_next = 0;
	arm_at(nn, w.next, w.now);
	mutex_unlock(&nn->cfg_lock);
}
