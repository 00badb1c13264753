// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: where packets enter nfipsec. Registered in every network
 * namespace (pernet), for IPv4 and IPv6:
 *
 *   PRE_ROUTING   inbound ESP/AH addressed to us      -> input path
 *   LOCAL_IN      inbound policy check (SPD-I)         -> accept / drop
 *   FORWARD       forwarded traffic, both checks       -> gateway role
 *   LOCAL_OUT     outbound classification (SPD-S/O)    -> output path
 *
 * See Documentation/design.md for the whole flow.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>

#include "hooks.h"
#include "netns.h"

static unsigned int in_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);

	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PACKETS);
	nfipsec_stat_add(nn, NFIPSEC_STAT_IN_BYTES, skb->len);
	return NF_ACCEPT;
}

static unsigned int out_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);

	nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_PACKETS);
	nfipsec_stat_add(nn, NFIPSEC_STAT_OUT_BYTES, skb->len);
	return NF_ACCEPT;
}

/*
 * Priorities: inbound decapsulation runs after defragmentation and before
 * conntrack sees the packet; the outbound hook runs last, after NAT and the
 * filter tables, so it protects what would really leave the host.
 */
static const struct nf_hook_ops hook_ops[] = {
	{ .hook = in_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1 },
	{ .hook = out_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_LAST - 1 },
	{ .hook = in_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1 },
	{ .hook = out_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_LAST - 1 },
};

int nfipsec_hooks_net_init(struct net *net)
{
	return nf_register_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
}

void nfipsec_hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
}
