/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT traversal: ESP in UDP (RFC 3948) for SAs that carry the PF_KEY NAT-T
 * extensions. Owner: natt.c. Called from the packet path (input.c,
 * output.c) in its context: softirq, or process context with BH disabled.
 */
#ifndef _NFIPSEC_NATT_H
#define _NFIPSEC_NATT_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/udp.h>

#include "path.h"

struct nfipsec_flow;

/* The NAT-T port when PF_KEY gave none (RFC 3948 §2). */
#define NFIPSEC_NATT_PORT	4500

/* What input remembers of the UDP header it stripped (in in_ctx). */
struct nfipsec_natt_in {
	union nf_inet_addr saddr;	/* the outer source, as received */
	__be16 sport;			/* the UDP source port */
	bool encap;			/* the packet came in UDP */
};

/* Bytes NAT-T adds in front of ESP for @sa: 8 or 0. */
static inline unsigned int nfipsec_natt_overhead(const struct nfipsec_sa *sa)
{
	return sa->encap_type ? sizeof(struct udphdr) : 0;
}

/*
 * Input, at PRE_ROUTING, for a UDP packet (UDP at @e->hdrlen, the header
 * in front of it linear). Returns -ENOENT when the datagram is not ESP for
 * one of our encapsulated SAs (IKE with its non-ESP marker, a keepalive,
 * any other UDP: leave it to the stack), -EINVAL when it is but is
 * malformed, -ENOMEM, or 0 when the UDP header was stripped: the packet is
 * now plain ESP after @e->hdrlen bytes, and @ni says where it came from.
 */
int nfipsec_natt_input(struct nfipsec_net *nn, struct sk_buff *skb,
		       u8 family, struct nfipsec_encap *e,
		       struct nfipsec_natt_in *ni);

/*
 * Input, after ESP verified the packet and it was decapsulated: the
 * transport-mode checksum, and SADB_X_NAT_T_NEW_MAPPING when the peer's
 * address or port changed. False when @sa and the packet disagree on
 * encapsulation (drop it; counted).
 */
bool nfipsec_natt_input_done(struct nfipsec_sa *sa, struct sk_buff *skb,
			     const struct nfipsec_natt_in *ni);

/*
 * Output, after nfipsec_encap_finish(): insert the UDP header between the
 * kept header and ESP. 0 or -ENOMEM.
 */
int nfipsec_natt_output(const struct nfipsec_sa *sa, struct sk_buff *skb,
			struct nfipsec_encap *e);

/*
 * LOCAL_OUT: is this UDP packet (flow @fl) ESP in UDP that we built for
 * one of our SAs, coming back through the hook? Caller holds
 * rcu_read_lock().
 */
bool nfipsec_natt_is_ours(struct nfipsec_net *nn, struct sk_buff *skb,
			  const struct nfipsec_flow *fl);

#endif /* _NFIPSEC_NATT_H */
