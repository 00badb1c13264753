/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state. Everything nfipsec knows lives in one of
 * these; there is no global table, so namespaces never see each other's
 * policies, SAs or PF_KEY sockets.
 */
#ifndef _NFIPSEC_NETNS_H
#define _NFIPSEC_NETNS_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "stats.h"

struct nfipsec_sad;
struct nfipsec_spd;
struct nfipsec_pfkey_net;

struct nfipsec_net {
	struct net *net;
	/* Per-CPU counters; written from any context with this_cpu_inc(). */
	struct nfipsec_stats __percpu *stats;
	/*
	 * Serialises every change to this namespace's SPD and SAD (PF_KEY,
	 * expiry work, teardown). Readers on the packet path take none: they
	 * use RCU on what the writers publish.
	 */
	struct mutex cfg_lock;
	bool hooks_registered;
	struct nfipsec_spd *spd;		/* spd.c */
	struct nfipsec_sad *sad;		/* sad.c */
	struct nfipsec_pfkey_net *pfkey;	/* pfkey.c: sockets */
};

extern unsigned int nfipsec_net_id;

static inline struct nfipsec_net *nfipsec_pernet(const struct net *net)
{
	return net_generic(net, nfipsec_net_id);
}

static inline void nfipsec_stat_inc(struct nfipsec_net *nn,
				    enum nfipsec_stat_id id)
{
	this_cpu_inc(nn->stats->v[id]);
}

static inline void nfipsec_stat_add(struct nfipsec_net *nn,
				    enum nfipsec_stat_id id, u64 n)
{
	this_cpu_add(nn->stats->v[id], n);
}

int nfipsec_netns_init(void);
void nfipsec_netns_exit(void);

#endif /* _NFIPSEC_NETNS_H */
