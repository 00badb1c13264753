/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secrec.c: the record of the SAs an inbound packet came through, kept in
 * its sec_path across netif_rx() for the inbound policy check.
 */
#ifndef _NFIPSEC_SECREC_H
#define _NFIPSEC_SECREC_H

#include <linux/skbuff.h>

#include "sa.h"
#include "spd.h"

struct nfipsec_secrec;

/* Module init/exit: the marker state (process context). */
int nfipsec_secrec_init(void);
void nfipsec_secrec_exit(void);

/* @skb's record, or NULL: it came through none of our SAs. */
const struct nfipsec_secrec *nfipsec_secrec_get(const struct sk_buff *skb);
/*
 * Add @sa, the layer just taken off @skb: 0, -ENOSPC when the record is
 * full (nested too deep), -ENOMEM.
 */
int nfipsec_secrec_add(struct sk_buff *skb, const struct nfipsec_sa *sa);
/* Did the packet come out of a tunnel-mode SA? @r may be NULL. */
bool nfipsec_secrec_has_tunnel(const struct nfipsec_secrec *r);
/* Did the packet come through the bundle @pol asks for? @r may be NULL. */
bool nfipsec_secrec_protect_ok(const struct nfipsec_policy *pol,
			       const struct nfipsec_secrec *r);

#endif /* _NFIPSEC_SECREC_H */
