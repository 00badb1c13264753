/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_DEFRAG_H
#define _NFIPSEC_DEFRAG_H

struct net;

int nfipsec_defrag_init(void);
void nfipsec_defrag_exit(void);
int nfipsec_defrag_net_enable(struct net *net);
void nfipsec_defrag_net_disable(struct net *net);

#endif /* _NFIPSEC_DEFRAG_H */
