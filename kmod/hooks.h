/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_HOOKS_H
#define _NFIPSEC_HOOKS_H

struct net;

int nfipsec_hooks_net_init(struct net *net);
void nfipsec_hooks_net_exit(struct net *net);

#endif /* _NFIPSEC_HOOKS_H */
