// SPDX-License-Identifier: GPL-2.0
/*
 * What the packet path records about an SA's use, and what it does when
 * the use reaches a limit (RFC 4301 §4.4.2.1, RFC 2367 §3.1.8):
 *
 *   first packet             sa->use_time, from which pfkey_lifetime.c
 *                            counts use seconds
 *   soft bytes or packets    one soft EXPIRE, SA DYING (still used)
 *   hard bytes or packets    packets refused; hard EXPIRE, SA deleted
 *
 * The counts are esp.c's per-CPU ones, summed only for an SA that has a
 * byte or packet limit (a handful of loads per CPU, per packet). Crossing
 * a limit is noticed in softirq, where cfg_lock cannot be taken, so the
 * SA is handed, with a reference, to a work item that does the rest in
 * process context. A hard limit may be reported several times before the
 * SA is gone; the work acts once, on an SA still linked.
 */
#include <linux/llist.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "netns.h"
#include "path.h"
#include "pfkey.h"

struct usage_event {
	struct llist_node node;
	struct nfipsec_sa *sa;	/* a reference */
	bool hard;
};

static LLIST_HEAD(events);
static void usage_work_fn(struct work_struct *work);
static DECLARE_WORK(usage_work, usage_work_fn);

static void usage_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&events);
	struct usage_event *ev, *next;

	llist_for_each_entry_safe(ev, next, list, node) {
		struct nfipsec_sa *sa = ev->sa;
		struct nfipsec_net *nn = sa->nn;

		mutex_lock(&nn->cfg_lock);
		if (ev->hard && sa->state != NFIPSEC_SA_DEAD) {
			nfipsec_pfkey_expire(sa, true);
			nfipsec_sad_del(nn, sa);
		} else if (!ev->hard && !sa->soft_expired &&
			   (sa->state == NFIPSEC_SA_MATURE)) {
			sa->soft_expired = true;
			WRITE_ONCE(sa->state, NFIPSEC_SA_DYING);
			nfipsec_pfkey_expire(sa, false);
		}
		mutex_unlock(&nn->cfg_lock);
		nfipsec_sa_put(sa);
		kfree(ev);
	}
}

static void report(struct nfipsec_sa *sa, bool hard)
{
	struct usage_event *ev = kmalloc(sizeof(*ev), GFP_ATOMIC);

	if (!ev)
		return;		/* the next packet reports it again */
	if (!nfipsec_sa_get(sa)) {
		kfree(ev);
		return;
	}
	ev->sa = sa;
	ev->hard = hard;
	llist_add(&ev->node, &events);
	schedule_work(&usage_work);
}

static bool reached(const struct nfipsec_lifetime *lt, u64 packets, u64 bytes)
{
	return (lt->packets && packets >= lt->packets) ||
	       (lt->bytes && bytes >= lt->bytes);
}

bool nfipsec_usage(struct nfipsec_sa *sa)
{
	u64 packets = 0, bytes = 0;
	int cpu;

	if (unlikely(!READ_ONCE(sa->use_time)))
		WRITE_ONCE(sa->use_time, ktime_get_real_seconds());
	if (likely(!sa->hard.packets && !sa->hard.bytes &&
		   !sa->soft.packets && !sa->soft.bytes))
		return true;

	for_each_possible_cpu(cpu) {
		const struct nfipsec_sa_stats *s = per_cpu_ptr(sa->stats, cpu);

		packets += READ_ONCE(s->packets);
		bytes += READ_ONCE(s->bytes);
	}
	if (reached(&sa->hard, packets, bytes)) {
		report(sa, true);
		return false;
	}
	if (!READ_ONCE(sa->soft_expired) &&
	    reached(&sa->soft, packets, bytes))
		report(sa, false);
	return true;
}

void nfipsec_usage_flush(void)
{
	flush_work(&usage_work);
}
