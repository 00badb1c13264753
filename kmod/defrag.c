// SPDX-License-Identifier: GPL-2.0
/*
 * Defragmentation before our PRE_ROUTING hook, so ESP arrives whole: we
 * borrow nf_defrag_ipv4/6, as conntrack does. Debian builds those as
 * modules, and a module that links against them cannot be loaded with a
 * plain insmod. So their four functions are looked up once, at load time,
 * with symbol_request(): it loads the modules if they are not there yet and
 * pins them until nfipsec_defrag_exit() puts them back.
 */
#include <linux/module.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "defrag.h"

/* Set once at load, before any namespace exists; read-only after. */
static int (*v4_enable)(struct net *net);
static void (*v4_disable)(struct net *net);
static int (*v6_enable)(struct net *net);
static void (*v6_disable)(struct net *net);

void nfipsec_defrag_exit(void)
{
	/* symbol_put() of a symbol we never got would BUG: put what we have. */
	if (v4_enable)
		symbol_put(nf_defrag_ipv4_enable);
	if (v4_disable)
		symbol_put(nf_defrag_ipv4_disable);
	if (v6_enable)
		symbol_put(nf_defrag_ipv6_enable);
	if (v6_disable)
		symbol_put(nf_defrag_ipv6_disable);
	v4_enable = NULL;
	v4_disable = NULL;
	v6_enable = NULL;
	v6_disable = NULL;
}

int nfipsec_defrag_init(void)
{
	v4_enable = symbol_request(nf_defrag_ipv4_enable);
	v4_disable = symbol_request(nf_defrag_ipv4_disable);
	v6_enable = symbol_request(nf_defrag_ipv6_enable);
	v6_disable = symbol_request(nf_defrag_ipv6_disable);
	if (v4_enable && v4_disable && v6_enable && v6_disable)
		return 0;
	pr_err("nf_defrag_ipv4/6 not available (CONFIG_NF_DEFRAG_IPV4/6)\n");
	nfipsec_defrag_exit();
	return -ENOENT;
}

int nfipsec_defrag_net_enable(struct net *net)
{
	int ret;

	ret = v4_enable(net);
	if (ret)
		return ret;
	ret = v6_enable(net);
	if (ret)
		v4_disable(net);
	return ret;
}

void nfipsec_defrag_net_disable(struct net *net)
{
	v6_disable(net);
	v4_disable(net);
}
