/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow key of a packet (struct nfipsec_flow, sel.h): what the SPD and an
 * SA's selectors classify it by. Owner: flow.c, tested by tests/flow_test.c.
 */
#ifndef _NFIPSEC_FLOW_H
#define _NFIPSEC_FLOW_H

#include <linux/skbuff.h>

#include "sel.h"

/*
 * Fill @fl from the IPv4 or IPv6 packet at skb_network_offset(@skb).
 * @outbound: the packet leaves us, so local = source; otherwise local =
 * destination. IPv6 extension headers are walked to the upper layer;
 * ICMP(v6) give type (local port) and code (remote port), the Mobility
 * Header its type (local port); a non-initial fragment, or a first one too
 * short to hold the ports, gets NFIPSEC_FLOW_PORTS_OPAQUE. Reads through
 * skb_header_pointer(): no pull, no allocation, any context. Returns 0, or
 * -EINVAL when the IP header itself is malformed or truncated.
 */
int nfipsec_flow_from_skb(const struct sk_buff *skb, u8 family, bool outbound,
			  struct nfipsec_flow *fl);

#endif /* _NFIPSEC_FLOW_H */
