// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nfipsec_stat: one "Name value" line per counter, summed over
 * CPUs, in the style of /proc/net/xfrm_stat so existing scripts can read it.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "netns.h"
#include "stats.h"

static const char *const stat_names[NFIPSEC_STAT_MAX] = {
#define NFIPSEC_STAT_NAME(id, name) [NFIPSEC_STAT_##id] = name,
	NFIPSEC_STATS(NFIPSEC_STAT_NAME)
#undef NFIPSEC_STAT_NAME
};

static int stat_show(struct seq_file *seq, void *v)
{
	struct nfipsec_net *nn = nfipsec_pernet(seq_file_single_net(seq));
	unsigned int i;
	int cpu;

	for (i = 0; i < NFIPSEC_STAT_MAX; i++) {
		u64 sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(nn->stats, cpu)->v[i];
		seq_printf(seq, "%-24s\t%llu\n", stat_names[i], sum);
	}
	return 0;
}

int nfipsec_stats_net_init(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_pernet(net);

	nn->stats = alloc_percpu(struct nfipsec_stats);
	if (!nn->stats)
		return -ENOMEM;
	if (!proc_create_net_single("nfipsec_stat", 0444, net->proc_net,
				    stat_show, NULL)) {
		free_percpu(nn->stats);
		nn->stats = NULL;
		return -ENOMEM;
	}
	return 0;
}

void nfipsec_stats_net_exit(struct net *net)
{
	struct nfipsec_net *nn = nfipsec_pernet(net);

	remove_proc_entry("nfipsec_stat", net->proc_net);
	free_percpu(nn->stats);
	nn->stats = NULL;
}
