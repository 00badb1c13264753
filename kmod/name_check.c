// SPDX-License-Identifier: GPL-2.0
/*
 * SPD Name selectors on the packet path (RFC 4301 §4.4.1.1, §5.2).
 *
 * The check runs where the SA is known: right after a packet came out of
 * it (input.c, in_finish), not in the policy check at LOCAL_IN, whose
 * record of the SAs says which templates they fit but not who the peer
 * was. The decapsulated packet is looked up in the SPD in the direction it
 * is going (IN when its destination is one of ours, else FWD); if the
 * policy it meets is PROTECT with a Name selector, the SA's peer identity
 * (IDENTITY_SRC) must match it, or the packet is dropped
 * (InNameMismatch). The policy check at LOCAL_IN or FORWARD then finds the
 * same policy and checks the templates as for any packet.
 *
 * A mismatch drops the packet rather than moving on to the next policy:
 * the SPD is decorrelated (design.md), so no later policy overlaps it.
 * Write the Name policy for exactly the traffic only those peers may send.
 *
 * The lookup costs one more SPD search per decrypted packet, only in a
 * namespace that has ever had a Name selector (pfkey_spd.c sets
 * names_used).
 */
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/route.h>

#include "flow.h"
#include "name_sel.h"
#include "netns.h"
#include "pfkey.h"
#include "sa.h"
#include "spd.h"

static bool is_local(struct net *net, const struct nfipsec_flow *fl)
{
	if (fl->family == AF_INET)
		return inet_addr_type(net, fl->local.ip) == RTN_LOCAL;
	return ipv6_chk_addr(net, &fl->local.in6, NULL, 0);
}

bool nfipsec_name_check(const struct nfipsec_sa *sa,
			const struct sk_buff *skb, u8 family)
{
	struct nfipsec_net *nn = sa->nn;
	const struct nfipsec_policy *pol;
	struct nfipsec_spd_result res;
	struct nfipsec_flow fl;
	bool ok = true;

	if (!READ_ONCE(nn->pfkey->names_used))
		return true;
	if (nfipsec_flow_from_skb(skb, family, false, &fl))
		return true;		/* the policy check drops it */
	if (fl.proto == IPPROTO_ESP || fl.proto == IPPROTO_AH)
		return true;		/* a bundle: the inner SA decides */
	rcu_read_lock();
	nfipsec_spd_lookup(nn, is_local(nn->net, &fl) ? NFIPSEC_DIR_IN :
			   NFIPSEC_DIR_FWD, &fl, &res);
	pol = res.pol;
	if (pol && pol->action == NFIPSEC_ACT_PROTECT && pol->name)
		ok = nfipsec_name_match_sa(pol->name, sa);
	rcu_read_unlock();
	if (!ok)
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NAME_MISMATCH);
	return ok;
}
