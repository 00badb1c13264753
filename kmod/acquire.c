// SPDX-License-Identifier: GPL-2.0
/*
 * A PROTECT policy with no SA yet (RFC 4301 §5.1 step 3b, RFC 2367
 * §3.1.6): ask the key managers for one with SADB_ACQUIRE, and drop the
 * packet. It is never sent in clear, and never queued: the key manager
 * takes at least a round trip to the peer, long past any retransmission
 * the sender's own protocol will do.
 *
 * One ACQUIRE per (namespace, policy, template, peer) per ACQ_HOLD, as
 * XFRM's larval states do, so a flood of packets towards a peer with no
 * SA costs one message, not one per packet. The memory of what was asked
 * is a small table of slots hashed by that key, overwritten on collision
 * (at worst an extra ACQUIRE), shared by all namespaces.
 */
#include <linux/jhash.h>
#include <linux/spinlock.h>

#include "netns.h"
#include "path.h"
#include "pfkey.h"

#define ACQ_SLOTS	256
#define ACQ_HOLD	(3 * HZ)

struct acq_slot {
	const struct nfipsec_net *nn;
	u32 index;		/* policy */
	u32 tmpl;		/* template number in it */
	union nf_inet_addr peer;
	unsigned long sent;	/* jiffies */
};

static DEFINE_SPINLOCK(acq_lock);	/* guards acq_table */
static struct acq_slot acq_table[ACQ_SLOTS];

static struct acq_slot *slot(const struct nfipsec_net *nn, u32 index,
			     u32 tmpl, const union nf_inet_addr *peer)
{
	u32 h = jhash(peer, sizeof(*peer),
		      jhash_3words((u32)(unsigned long)nn, index, tmpl, 0));

	return &acq_table[h % ACQ_SLOTS];
}

static bool slot_is(const struct acq_slot *s, const struct nfipsec_net *nn,
		    u32 index, u32 tmpl, const union nf_inet_addr *peer)
{
	return s->nn == nn && s->index == index && s->tmpl == tmpl &&
	       !memcmp(&s->peer, peer, sizeof(*peer));
}

/* True when an ACQUIRE for this key went out less than ACQ_HOLD ago;
 * otherwise records that one goes out now.
 */
static bool recently_asked(const struct nfipsec_net *nn, u32 index, u32 tmpl,
			   const union nf_inet_addr *peer)
{
	struct acq_slot *s = slot(nn, index, tmpl, peer);
	unsigned long now = jiffies;
	bool hit;

	spin_lock_bh(&acq_lock);
	hit = slot_is(s, nn, index, tmpl, peer) &&
	      time_before(now, s->sent + ACQ_HOLD);
	if (!hit) {
		s->nn = nn;
		s->index = index;
		s->tmpl = tmpl;
		s->peer = *peer;
		s->sent = now;
	}
	spin_unlock_bh(&acq_lock);
	return hit;
}

static void forget(const struct nfipsec_net *nn, u32 index, u32 tmpl,
		   const union nf_inet_addr *peer)
{
	struct acq_slot *s = slot(nn, index, tmpl, peer);

	spin_lock_bh(&acq_lock);
	if (slot_is(s, nn, index, tmpl, peer))
		s->nn = NULL;
	spin_unlock_bh(&acq_lock);
}

void nfipsec_acquire(struct nfipsec_net *nn, const struct nfipsec_policy *pol,
		     const struct nfipsec_tmpl *t,
		     const struct nfipsec_flow *fl)
{
	const union nf_inet_addr *peer = &fl->remote;
	u32 seq;
	int ret;

	if (t->mode == NFIPSEC_MODE_TUNNEL && t->family)
		peer = &t->daddr;
	if (recently_asked(nn, pol->index, t - pol->tmpl, peer)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ACQUIRE_DROP);
		return;
	}
	ret = nfipsec_pfkey_acquire(nn, pol, t, fl, &seq);
	if (ret) {
		/* Nobody to ask (-ESRCH), or no memory: forget we asked, so
		 * the next packet tries again.
		 */
		forget(nn, pol->index, t - pol->tmpl, peer);
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_NO_SA);
		return;
	}
	nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ACQUIRE_DROP);
}

/* A namespace going away: its slots must not match a new one that reuses
 * the address. Process context.
 */
void nfipsec_acquire_net_exit(struct nfipsec_net *nn)
{
	unsigned int i;

	spin_lock_bh(&acq_lock);
	for (i = 0; i < ACQ_SLOTS; i++)
		if (acq_table[i].nn == nn)
			acq_table[i].nn = NULL;
	spin_unlock_bh(&acq_lock);
}
