// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsec: an RFC 4301 IPsec stack on netfilter hooks, keyed over PF_KEYv2.
 * This file is only the init ladder and its mirror.
 */
#include <linux/module.h>

#include "defrag.h"
#include "netns.h"
#include "path.h"
#include "pfkey.h"
#include "secrec.h"
#include "version.h"

static int __init nfipsec_init(void)
{
	int ret;

	ret = nfipsec_defrag_init();
	if (ret)
		goto err_defrag;
	ret = nfipsec_secrec_init();
	if (ret)
		goto err_secrec;
	ret = nfipsec_netns_init();
	if (ret)
		goto err_netns;
	ret = nfipsec_pfkey_init();
	if (ret)
		goto err_pfkey;

	pr_info("nfipsec " NFIPSEC_VERSION " loaded\n");
	return 0;

err_pfkey:
	nfipsec_netns_exit();
err_netns:
	nfipsec_secrec_exit();
err_secrec:
	nfipsec_defrag_exit();
err_defrag:
	return ret;
}

static void __exit nfipsec_exit(void)
{
	nfipsec_pfkey_exit();
	nfipsec_netns_exit();
	nfipsec_secrec_exit();
	nfipsec_defrag_exit();
	pr_info("nfipsec unloaded\n");
}

module_init(nfipsec_init);
module_exit(nfipsec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("RFC 4301 IPsec on netfilter hooks, keyed over PF_KEYv2");
MODULE_AUTHOR("The nfipsec developers");
MODULE_VERSION(NFIPSEC_VERSION);
