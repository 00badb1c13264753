// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: where packets enter nfipsec. Registered in every network
 * namespace (pernet), for IPv4 and IPv6:
 *
 *   PRE_ROUTING   inbound ESP addressed to us           -> input.c
 *   LOCAL_IN      inbound policy check (SPD-I, IN)      -> input.c
 *   FORWARD       inbound check (FWD), then outbound    -> gateway role
 *   LOCAL_OUT     outbound classification (SPD-S/O)     -> output.c
 *
 * Each namespace also gets IPv4 and IPv6 defragmentation at PRE_ROUTING
 * (nf_defrag_ipv4/6, what conntrack uses), so ESP arrives whole: a peer
 * that fragments its ESP packets is normal.
 *
 * Documentation/packet-path.md has the whole flow; the tops of input.c and
 * output.c have the details.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/wait_bit.h>

#include "defrag.h"
#include "hooks.h"
#include "netns.h"
#include "path.h"

/* ESP requests in flight, all namespaces: see path.h. */
static atomic_t inflight = ATOMIC_INIT(0);

void nfipsec_path_get(void)
{
	atomic_inc(&inflight);
}

void nfipsec_path_put(void)
{
	if (atomic_dec_and_test(&inflight))
		wake_up_var(&inflight);
}

void nfipsec_path_drain(void)
{
	wait_var_event(&inflight, !atomic_read(&inflight));
	/* The last callback may still be returning: it runs with BH off. */
	synchronize_rcu();
}

static unsigned int pre_routing(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);

	nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_PACKETS);
	nfipsec_stat_add(nn, NFIPSEC_STAT_IN_BYTES, skb->len);
	return nfipsec_input(skb, state);
}

static unsigned int local_in(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	return nfipsec_input_policy(skb, state, NFIPSEC_DIR_IN);
}

static unsigned int forward(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	unsigned int verdict;

	verdict = nfipsec_input_policy(skb, state, NFIPSEC_DIR_FWD);
	if (verdict != NF_ACCEPT)
		return verdict;
	return nfipsec_output(skb, state);
}

static unsigned int local_out(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);

	nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_PACKETS);
	nfipsec_stat_add(nn, NFIPSEC_STAT_OUT_BYTES, skb->len);
	return nfipsec_output(skb, state);
}

/*
 * Priorities: inbound decapsulation runs after defragmentation and before
 * conntrack sees the packet; the inbound policy check runs before the
 * filter tables, so they only see what the SPD admits; the outbound hook
 * runs last, after NAT and the filter tables, so it protects what would
 * really leave the host.
 */
static const struct nf_hook_ops hook_ops[] = {
	{ .hook = pre_routing, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1 },
	{ .hook = local_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP_PRI_FILTER - 1 },
	{ .hook = forward, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP_PRI_FILTER - 1 },
	{ .hook = local_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_LAST - 1 },
	{ .hook = pre_routing, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1 },
	{ .hook = local_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP6_PRI_FILTER - 1 },
	{ .hook = forward, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP6_PRI_FILTER - 1 },
	{ .hook = local_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_LAST - 1 },
};

int nfipsec_hooks_net_init(struct net *net)
{
	int ret;

	ret = nfipsec_defrag_net_enable(net);
	if (ret)
		return ret;
	ret = nf_register_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
	if (ret)
		goto err_defrag;
	return 0;

err_defrag:
	nfipsec_defrag_net_disable(net);
	return ret;
}

void nfipsec_hooks_net_exit(struct net *net)
{
	/* No new packet after this (it waits for the hooks running)... */
	nf_unregister_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
	/* ...and none still in the crypto layer. */
	nfipsec_path_drain();
	/* Expiries its last packets queued, before its SAD goes away. */
	nfipsec_usage_flush();
	nfipsec_acquire_net_exit(nfipsec_pernet(net));
	nfipsec_defrag_net_disable(net);
}
