// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Neighbor Discovery and MLD under a protect-everything policy.
 *
 * A policy like "::/0 ::/0 any: PROTECT" also covers the ICMPv6 messages
 * IPv6 cannot work without: Neighbor Discovery (RS, RA, NS, NA, Redirect;
 * RFC 4861) and MLD (query, v1 report and done, v2 report; RFC 2710,
 * 3810). They cannot be protected by the SAs such a policy asks for: they
 * are needed before the peer can be reached at all, and go to multicast
 * and link-local addresses that no SA serves. Every PF_KEY deployment
 * therefore writes the same BYPASS entries by hand (setkey.8 shows them);
 * forgetting them breaks the link in a way that looks like a routing
 * fault.
 *
 * nfipsec provides those entries itself, as the lowest layer of the SPD:
 * an ND or MLD message that matched a policy whose protocol is "any" is
 * bypassed (counted NdBypass), inbound and outbound. A policy naming
 * ICMPv6 explicitly, with or without a type, still decides for itself, so
 * ND can be protected or discarded on purpose, as ESP can be selected
 * explicitly (output.c).
 *
 * The switch: module parameter nd_bypass (default on), writable in
 * /sys/module/nfipsec/parameters/nd_bypass; off, ND and MLD follow the
 * policy they match like any packet.
 */
#include <linux/icmpv6.h>
#include <linux/moduleparam.h>
#include <net/ndisc.h>

#include "netns.h"
#include "path.h"

static bool nd_bypass = true;
module_param(nd_bypass, bool, 0644);
MODULE_PARM_DESC(nd_bypass,
		 "Bypass IPv6 ND and MLD under policies for any protocol (default: on)");

static bool is_nd_or_mld(u8 type)
{
	switch (type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
	case ICMPV6_MLD2_REPORT:
		return true;
	default:
		return false;
	}
}

bool nfipsec_nd_bypass(struct nfipsec_net *nn,
		       const struct nfipsec_policy *pol,
		       const struct nfipsec_flow *fl)
{
	/* ICMPv6 type travels in the local port (flow.c). */
	if (fl->proto != IPPROTO_ICMPV6 || pol->sel.proto == IPPROTO_ICMPV6 ||
	    (fl->flags & NFIPSEC_FLOW_PORTS_OPAQUE) ||
	    fl->lport > U8_MAX || !is_nd_or_mld(fl->lport) ||
	    !READ_ONCE(nd_bypass))
		return false;
	nfipsec_stat_inc(nn, NFIPSEC_STAT_ND_BYPASS);
	return true;
}
