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
	[NFIPSEC_STAT_IN_PACKETS] = "InPackets",
	[NFIPSEC_STAT_IN_BYTES] = "InBytes",
	[NFIPSEC_STAT_OUT_PACKETS] = "OutPackets",
	[NFIPSEC_STAT_OUT_BYTES] = "OutBytes",
	[NFIPSEC_STAT_IN_BYPASS] = "InBypass",
	[NFIPSEC_STAT_OUT_BYPASS] = "OutBypass",
	[NFIPSEC_STAT_IN_ERROR] = "InError",
	[NFIPSEC_STAT_IN_HDR_ERROR] = "InHdrError",
	[NFIPSEC_STAT_IN_NO_SA] = "InNoStates",
	[NFIPSEC_STAT_IN_SA_PROTO_ERROR] = "InStateProtoError",
	[NFIPSEC_STAT_IN_SA_MODE_ERROR] = "InStateModeError",
	[NFIPSEC_STAT_IN_REPLAY] = "InStateSeqError",
	[NFIPSEC_STAT_IN_SA_EXPIRED] = "InStateExpired",
	[NFIPSEC_STAT_IN_ICV_FAIL] = "InIcvError",
	[NFIPSEC_STAT_IN_BAD_PADDING] = "InBadPadding",
	[NFIPSEC_STAT_IN_DUMMY] = "InDummyDiscard",
	[NFIPSEC_STAT_IN_SEL_MISMATCH] = "InSelectorMismatch",
	[NFIPSEC_STAT_IN_POL_DISCARD] = "InPolBlock",
	[NFIPSEC_STAT_IN_POL_ERROR] = "InPolError",
	[NFIPSEC_STAT_IN_NO_POL] = "InNoPols",
	[NFIPSEC_STAT_IN_IPSEC_NO_POL] = "InIpsecNoPolicy",
	[NFIPSEC_STAT_IN_TMPL_MISMATCH] = "InTmplMismatch",
	[NFIPSEC_STAT_IN_NOMEM] = "InNoMem",
	[NFIPSEC_STAT_IN_NESTING] = "InNestingTooDeep",
	[NFIPSEC_STAT_IN_STATE_MISMATCH] = "InStateMismatch",
	[NFIPSEC_STAT_IN_NAME_MISMATCH] = "InNameMismatch",
	[NFIPSEC_STAT_OUT_ERROR] = "OutError",
	[NFIPSEC_STAT_OUT_NO_SA] = "OutNoStates",
	[NFIPSEC_STAT_OUT_ACQUIRE_QUEUED] = "OutAcquireQueued",
	[NFIPSEC_STAT_OUT_ACQUIRE_DROP] = "OutAcquireDrop",
	[NFIPSEC_STAT_OUT_POL_DISCARD] = "OutPolBlock",
	[NFIPSEC_STAT_OUT_SEQ_OVERFLOW] = "OutStateSeqError",
	[NFIPSEC_STAT_OUT_SA_EXPIRED] = "OutStateExpired",
	[NFIPSEC_STAT_OUT_NO_ROUTE] = "OutNoRoute",
	[NFIPSEC_STAT_OUT_NOMEM] = "OutNoMem",
	[NFIPSEC_STAT_OUT_TOO_BIG] = "OutTooBig",
	[NFIPSEC_STAT_CRYPTO_ASYNC] = "CryptoAsync",
	[NFIPSEC_STAT_CRYPTO_ERROR] = "CryptoError",
	[NFIPSEC_STAT_PFKEY_BAD_MSG] = "PfkeyBadMessage",
	[NFIPSEC_STAT_PFKEY_ENOBUFS] = "PfkeyEnobufs",
	[NFIPSEC_STAT_ND_BYPASS] = "NdBypass",
	[NFIPSEC_STAT_IN_ECN_DROP] = "InEcnDrop",
	[NFIPSEC_STAT_IN_ICMP_SEL_MISMATCH] = "InIcmpSelMismatch",
	[NFIPSEC_STAT_IN_PMTU_UPDATE] = "InPmtuUpdate",
	[NFIPSEC_STAT_IN_PMTU_IGNORED] = "InPmtuIgnored",
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
