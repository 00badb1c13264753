/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Security Policy Database (RFC 4301 §4.4.1). Owner: spd.c and the
 * files it names (decorrelate.c, classify.c, spd_cache.c).
 *
 * The SPD that PF_KEY edits is an ordered list of policies per direction
 * (priority, then insertion order). It is configuration. What the packet
 * path reads is a compiled generation: the decorrelated SPD-S (PROTECT),
 * SPD-O (BYPASS/DISCARD outbound) and SPD-I (BYPASS/DISCARD inbound) sets,
 * each piece linked to the policy it came from, indexed by a classifier
 * that needs no linear scan. A change builds a new generation and publishes
 * it with rcu_assign_pointer(); readers never lock.
 *
 * Locking: every function not marked "RCU" must be called with
 * nfipsec_net.cfg_lock held.
 */
#ifndef _NFIPSEC_SPD_H
#define _NFIPSEC_SPD_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "sel.h"

struct nfipsec_net;

enum nfipsec_dir {
	NFIPSEC_DIR_IN,
	NFIPSEC_DIR_OUT,
	NFIPSEC_DIR_FWD,
	NFIPSEC_DIR_MAX
};

enum nfipsec_action {
	NFIPSEC_ACT_DISCARD,
	NFIPSEC_ACT_BYPASS,
	NFIPSEC_ACT_PROTECT,
};

enum nfipsec_mode {
	NFIPSEC_MODE_ANY,	/* IPSEC_MODE_ANY: transport unless told */
	NFIPSEC_MODE_TRANSPORT,
	NFIPSEC_MODE_TUNNEL,
};

enum nfipsec_level {		/* IPSEC_LEVEL_* of <linux/ipsec.h> */
	NFIPSEC_LEVEL_DEFAULT,
	NFIPSEC_LEVEL_USE,
	NFIPSEC_LEVEL_REQUIRE,
	NFIPSEC_LEVEL_UNIQUE,
};

/* One sadb_x_ipsecrequest: which SA a PROTECT policy needs. */
struct nfipsec_tmpl {
	u8 proto;		/* IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	u8 mode;		/* enum nfipsec_mode */
	u8 level;		/* enum nfipsec_level */
	u8 family;		/* of the tunnel endpoints; 0 in transport */
	u32 reqid;		/* 0: any SA that fits */
	union nf_inet_addr saddr, daddr;	/* tunnel endpoints */
};

#define NFIPSEC_MAX_TMPL 4	/* AH+ESP+IPCOMP and one spare */

struct nfipsec_policy {
	struct list_head list;	/* in nfipsec_spd.policies[dir], ordered */
	struct hlist_node by_index;	/* spd.c: lookup by index */
	struct hlist_node by_sel;	/* spd.c: lookup by (dir, selector) */
	struct list_head pending;	/* spd.c: added, not yet compiled */
	struct rcu_head rcu;
	struct kref ref;
	u32 index;		/* sadb_x_policy_id: (id << 3) | dir */
	u32 priority;		/* lower wins, as in Linux */
	u64 seq;		/* insertion order, breaks priority ties */
	u8 dir;			/* enum nfipsec_dir */
	u8 action;		/* enum nfipsec_action */
	u8 ntmpl;
	bool dead;		/* spd.c: removed from the SPD (READ_ONCE) */
	bool on_pending;	/* spd.c: on nfipsec_spd.pending; cfg_lock */
	struct nfipsec_sel sel;
	struct nfipsec_tmpl tmpl[NFIPSEC_MAX_TMPL];
	/* Name selector (name_sel.h), NULL for none; freed with the policy. */
	struct nfipsec_name_sel *name;
	time64_t add_time;
	time64_t use_time;	/* written racily by readers: a hint */
	/*
	 * Lifetimes from X_SPDADD (pfkey_lifetime.c), in seconds, 0 = none;
	 * [0] soft, [1] hard. Use seconds count from the last use (an idle
	 * timeout, as in XFRM and KAME). cfg_lock.
	 */
	u64 lt_add[2], lt_use[2];
	bool soft_expired;	/* SPDEXPIRE(soft) sent; cfg_lock */
};

/* A decision for one flow, valid while the caller is in an RCU section. */
struct nfipsec_spd_result {
	const struct nfipsec_policy *pol;	/* NULL: no policy matched */
	u32 gen;				/* generation it came from */
};

/* A zeroed policy holding one reference. Process context. */
struct nfipsec_policy *nfipsec_policy_alloc(gfp_t gfp);

int nfipsec_spd_net_init(struct nfipsec_net *nn);
void nfipsec_spd_net_exit(struct nfipsec_net *nn);

/* Must be called with cfg_lock held. On success the SPD owns @pol. */
int nfipsec_spd_add(struct nfipsec_net *nn, struct nfipsec_policy *pol,
		    bool replace);
/*
 * Must be called with cfg_lock held. Return the removed policy (a
 * reference the caller puts) or an ERR_PTR.
 */
struct nfipsec_policy *nfipsec_spd_del_sel(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel);
struct nfipsec_policy *nfipsec_spd_del_index(struct nfipsec_net *nn,
					     u32 index);
void nfipsec_spd_flush(struct nfipsec_net *nn);
/*
 * Must be called with cfg_lock held. Changes are compiled a few
 * milliseconds later, batched (until then lookups stay exact but slower);
 * this compiles them now. Returns 0 or -ENOMEM (the lookup stays exact).
 */
int nfipsec_spd_commit(struct nfipsec_net *nn);
/* Must be called with cfg_lock held. A reference the caller puts, or NULL. */
struct nfipsec_policy *nfipsec_spd_get_index(struct nfipsec_net *nn,
					     u32 index);
struct nfipsec_policy *nfipsec_spd_get_sel(struct nfipsec_net *nn, u8 dir,
					   const struct nfipsec_sel *sel);
/*
 * Must be called with cfg_lock held. Call @fn on every policy, direction
 * by direction, each in SPD order; a non-zero return stops the walk and
 * is returned.
 */
int nfipsec_spd_walk(struct nfipsec_net *nn,
		     int (*fn)(struct nfipsec_policy *pol, void *arg),
		     void *arg);

/* RCU: classify a flow. Caller holds rcu_read_lock(). */
void nfipsec_spd_lookup(struct nfipsec_net *nn, u8 dir,
			const struct nfipsec_flow *fl,
			struct nfipsec_spd_result *res);

void nfipsec_policy_put(struct nfipsec_policy *pol);

#endif /* _NFIPSEC_SPD_H */
