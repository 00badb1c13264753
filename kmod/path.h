/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet path: what hooks.c calls and what its files share. Owners:
 * output.c (outbound), input.c (inbound ESP and the inbound policy check),
 * encap.c (IP headers around ESP), acquire.c (no SA yet), flow.c (the flow
 * key). Everything here runs in the hooks' context (softirq, or process
 * context with BH disabled) unless it says otherwise.
 */
#ifndef _NFIPSEC_PATH_H
#define _NFIPSEC_PATH_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

#include "sa.h"
#include "spd.h"

struct nfipsec_net;

/* output.c: classify a packet leaving through @dir (OUT) and protect it. */
unsigned int nfipsec_output(struct sk_buff *skb,
			    const struct nf_hook_state *state);

/* input.c: take ESP addressed to us (PRE_ROUTING). */
unsigned int nfipsec_input(struct sk_buff *skb,
			   const struct nf_hook_state *state);
/* input.c: the inbound SPD check, @dir IN (LOCAL_IN) or FWD (FORWARD). */
unsigned int nfipsec_input_policy(struct sk_buff *skb,
				  const struct nf_hook_state *state, u8 dir);

/*
 * Asynchronous ESP requests of either direction not completed yet. The
 * completion callbacks run module code and use the namespace, so a
 * namespace (or the module) going away waits for this to reach 0, then for
 * an RCU grace period (a callback runs with BH disabled, an RCU reader).
 */
void nfipsec_path_get(void);
void nfipsec_path_put(void);
/* Process context: wait until nothing is in flight. */
void nfipsec_path_drain(void);

/*
 * usage.c: a packet is about to go through @sa: note the first use, and
 * check its byte and packet lifetimes. False when the hard limit is
 * reached (drop the packet). Any context.
 */
bool nfipsec_usage(struct nfipsec_sa *sa);
/* Process context: wait for the expiry work queued so far. */
void nfipsec_usage_flush(void);

/* acquire.c: no SA for @t of @pol. Any context; under rcu_read_lock(). */
void nfipsec_acquire(struct nfipsec_net *nn, const struct nfipsec_policy *pol,
		     const struct nfipsec_tmpl *t,
		     const struct nfipsec_flow *fl);
void nfipsec_acquire_net_exit(struct nfipsec_net *nn);

/*
 * nd.c: true (and counted) when @fl is IPv6 ND or MLD that the automatic
 * BYPASS entries let by, whatever @pol says. Any context.
 */
bool nfipsec_nd_bypass(struct nfipsec_net *nn,
		       const struct nfipsec_policy *pol,
		       const struct nfipsec_flow *fl);

/*
 * icmp.c (RFC 4301 §6.1): if @skb is an ICMP error, the flow of the packet
 * it quotes, from our side (@outbound: the quoted packet came to us), in
 * @fl; false when it is not an error whose quote we can read.
 */
bool nfipsec_icmp_error_flow(const struct sk_buff *skb,
			     const struct nfipsec_flow *outer, bool outbound,
			     struct nfipsec_flow *fl);
/*
 * Outbound: when @skb is an ICMP error whose quoted flow has a policy, that
 * policy in @res and the quoted flow in @fl (the error goes on its SA).
 * False, @fl untouched, otherwise. Under rcu_read_lock().
 */
bool nfipsec_icmp_error_out(struct nfipsec_net *nn, const struct sk_buff *skb,
			    struct nfipsec_flow *fl,
			    struct nfipsec_spd_result *res);

/* encap.c: the headers around ESP or AH. */
struct nfipsec_encap {
	unsigned int hdrlen;	/* bytes kept in front of ESP/AH */
	u8 nexthdr;		/* ESP's or AH's Next Header */
	u8 outer_family;
	u16 nhoff;		/* the byte naming it, from the network header */
	u8 proto;		/* IPPROTO_ESP or IPPROTO_AH */
};

/*
 * Output, before nfipsec_esp_output(): transport mode finds where ESP goes
 * (after the IPv4 header; for IPv6 after hop-by-hop, routing and fragment
 * headers and the destination options before a routing header, as RFC
 * 4303 §3.1.1 wants), tunnel mode pushes the outer header of @sa's family.
 * @skb->data is the inner network header on entry.
 */
int nfipsec_encap_prepare(const struct nfipsec_sa *sa, struct sk_buff *skb,
			  u8 inner_family, struct nfipsec_encap *e);
/* Output, after it: lengths, protocol, checksum of the kept header. */
void nfipsec_encap_finish(struct sk_buff *skb, const struct nfipsec_encap *e);

/*
 * Input: where ESP or AH (@proto) starts in the packet at the network
 * header (@hdrlen, and for IPv6 the offset of the byte that names it), or
 * -ENOENT when the packet is neither, or is a fragment.
 */
int nfipsec_encap_find_esp(struct sk_buff *skb, u8 family,
			   struct nfipsec_encap *e);
/*
 * Input, after nfipsec_esp_input() left the payload at skb->data: put the
 * packet back together. Transport: the kept header moves up to the payload
 * and names @nexthdr. Tunnel: the inner packet becomes the packet. Returns
 * the family of the result, or -EINVAL when it is not a valid IP packet.
 */
int nfipsec_decap(struct sk_buff *skb, u8 mode, const struct nfipsec_encap *e,
		  u8 nexthdr);

#endif /* _NFIPSEC_PATH_H */
