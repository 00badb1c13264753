// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace lifetime: each namespace gets its counters, its tables
 * and its hooks when it is created (or when the module loads), and loses them
 * when it goes away (or when the module unloads).
 */
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "hooks.h"
#include "netns.h"
#include "pfkey.h"
#include "pmtu.h"
#include "sa.h"
#include "spd.h"
#include "stats.h"

unsigned int nfipsec_net_id __read_mostly;

static int __net_init nfipsec_net_init(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_pernet(net);
	int ret;

	nn->net = net;
	mutex_init(&nn->cfg_lock);

	ret = nfipsec_stats_net_init(net);
	if (ret)
		return ret;
	ret = nfipsec_spd_net_init(nn);
	if (ret)
		goto err_stats;
	ret = nfipsec_sad_net_init(nn);
	if (ret)
		goto err_spd;
	ret = nfipsec_pfkey_net_init(nn);
	if (ret)
		goto err_sad;
	ret = nfipsec_pmtu_net_init(net);
	if (ret)
		goto err_pfkey;
	ret = nfipsec_hooks_net_init(net);
	if (ret)
		goto err_pmtu;
	return 0;

err_pmtu:
	nfipsec_pmtu_net_exit(net);
err_pfkey:
	nfipsec_pfkey_net_exit(nn);
err_sad:
	nfipsec_sad_net_exit(nn);
err_spd:
	nfipsec_spd_net_exit(nn);
err_stats:
	nfipsec_stats_net_exit(net);
	return ret;
}

static void __net_exit nfipsec_net_exit(struct net *net)
{
	nfipsec_hooks_net_exit(net);
	nfipsec_pmtu_net_exit(net);
	/* After the hooks: no packet can be looking at the SAD any more. */
	nfipsec_pfkey_net_exit(nfipsec_pernet(net));
	nfipsec_sad_net_exit(nfipsec_pernet(net));
	nfipsec_spd_net_exit(nfipsec_pernet(net));
	nfipsec_stats_net_exit(net);
}

static struct pernet_operations nfipsec_net_ops = {
	.init = nfipsec_net_init,
	.exit = nfipsec_net_exit,
	.id = &nfipsec_net_id,
	.size = sizeof(struct nfipsec_net),
};

int nfipsec_netns_init(void)
{
	return register_pernet_subsys(&nfipsec_net_ops);
}

void nfipsec_netns_exit(void)
{
	unregister_pernet_subsys(&nfipsec_net_ops);
}
