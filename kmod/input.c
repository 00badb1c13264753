// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound processing (RFC 4301 §5.2): ESP or AH addressed to us is
 * verified, decrypted and decapsulated at PRE_ROUTING, after defragmentation, and its content
 * reinjected with netif_rx() so that it is routed, filtered and delivered
 * like any packet received on the same device. The inbound SPD check then
 * runs on that content at LOCAL_IN (SPD-I, direction IN) or FORWARD
 * (direction FWD).
 *
 * "This packet came through SA X" travels with the reinjected packet in
 * its sec_path (secrec.c), which the policy check reads.
 *
 * The policy check (RFC 4301 §5.2 step 4, §4.4.1):
 *  - came through SAs X, Y..., and the policy matching the content is
 *    PROTECT with templates they fit, in order (a bundle: see protect_ok):
 *    accept; otherwise IN_TMPL_MISMATCH;
 *  - came through a tunnel-mode SA, and no PROTECT policy covers the
 *    content: the content is outside the SA's selectors, IN_SEL_MISMATCH
 *    (PF_KEY gives SAs no selectors of their own; those of the policy the
 *    SA serves are theirs). A transport-mode SA with no policy is accepted,
 *    as XFRM does;
 *  - plaintext matching PROTECT: IN_TMPL_MISMATCH unless every template is
 *    optional (level "use");
 *  - DISCARD: IN_POL_DISCARD; BYPASS: accept (IN_BYPASS);
 *  - no policy at all: accept, as Linux does when no policy matches.
 * ESP or AH itself reaching LOCAL_IN (not ours: XFRM's, in a namespace
 * that runs both) is only checked against policies that select ESP or AH
 * explicitly, as on output.
 *
 * Coexistence: ESP for an SPI we do not know is dropped (IN_NO_SA), unless
 * the namespace has XFRM states, in which case it is left to XFRM.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/xfrm.h>

#include "ah.h"
#include "esp.h"
#include "flow.h"
#include "name_sel.h"
#include "natt.h"
#include "netns.h"
#include "path.h"
#include "pmtu.h"
#include "secrec.h"
#include "tunnel_hdr.h"

/* What the ESP completion needs to finish one packet (copied by esp.c). */
struct in_ctx {
	struct nfipsec_encap e;
	u8 family;
	struct nfipsec_natt_in natt;	/* came in UDP (natt.c) */
};

/* An SA with selectors of its own narrower than "anything". */
static bool sel_is_any(const struct nfipsec_sel *sel)
{
	return sel->proto == NFIPSEC_PROTO_ANY && !sel->flags &&
	       nfipsec_sel_prefixlen(&sel->local, sel->family) == 0 &&
	       nfipsec_sel_prefixlen(&sel->remote, sel->family) == 0 &&
	       sel->lport_lo == 0 && sel->lport_hi == U16_MAX &&
	       sel->rport_lo == 0 && sel->rport_hi == U16_MAX;
}

/* Rebuild the link-layer header in front of the new network header, so
 * that taps see a well-formed frame.
 */
static void fix_mac(struct sk_buff *skb)
{
	skb_mac_header_rebuild(skb);
	if (skb_mac_header_was_set(skb) && skb->mac_len == ETH_HLEN &&
	    skb->dev && skb->dev->type == ARPHRD_ETHER)
		eth_hdr(skb)->h_proto = skb->protocol;
}

/* After ESP: decapsulate, check, record and reinject. Consumes @skb. */
static void in_finish(struct nfipsec_sa *sa, struct sk_buff *skb, int nexthdr,
		      const struct in_ctx *c)
{
	struct nfipsec_net *nn = sa->nn;
	struct nfipsec_flow fl;
	int family;
	u8 outer_ds;

	if (skb_unclone(skb, GFP_ATOMIC)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NOMEM);
		goto drop;
	}
	outer_ds = nfipsec_tunnel_get_ds(skb, c->e.outer_family);
	family = nfipsec_decap(skb, sa->mode, &c->e, nexthdr);
	if (family < 0) {
		nfipsec_stat_inc(nn, family == -ENOMEM ?
				 NFIPSEC_STAT_IN_NOMEM :
				 NFIPSEC_STAT_IN_SA_MODE_ERROR);
		goto drop;
	}
	if (sa->mode == NFIPSEC_MODE_TUNNEL &&
	    nfipsec_tunnel_decap_ds(sa, skb, family, outer_ds)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ECN_DROP);
		goto drop;
	}
	if (!nfipsec_natt_input_done(sa, skb, &c->natt))
		goto drop;
	if (!nfipsec_name_check(sa, skb, family))
		goto drop;
	/* For the firewall: who it came from (uapi, NFIPSEC_SADB_X_EXT_SA_MARK). */
	if (sa->mark_mask)
		skb->mark = (skb->mark & ~sa->mark_mask) |
			    (sa->mark_value & sa->mark_mask);
	if (!sel_is_any(&sa->sel) &&
	    (nfipsec_flow_from_skb(skb, family, false, &fl) ||
	     !nfipsec_sel_match(&sa->sel, &fl))) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_SEL_MISMATCH);
		goto drop;
	}
	switch (nfipsec_secrec_add(skb, sa)) {
	case 0:
		break;
	case -ENOSPC:
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NESTING);
		goto drop;
	default:
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NOMEM);
		goto drop;
	}
	nf_reset_ct(skb);
	skb_dst_drop(skb);
	fix_mac(skb);
	skb->pkt_type = PACKET_HOST;
	netif_rx(skb);
	return;
drop:
	kfree_skb(skb);
}

static void in_done(struct nfipsec_sa *sa, struct sk_buff *skb, int ret,
		    void *ctx)
{
	if (ret < 0) {
		nfipsec_stat_inc(sa->nn, nfipsec_esp_in_stat(ret));
		kfree_skb(skb);
	} else {
		in_finish(sa, skb, ret, ctx);
	}
	nfipsec_path_put();
}

/* esp.c wants skb->data at the ESP header, ah.c the whole packet. */
static int in_xform(struct nfipsec_sa *sa, struct sk_buff *skb,
		    const struct nfipsec_encap *e,
		    const struct nfipsec_esp_cb *cb)
{
	if (sa->proto == IPPROTO_AH)
		return nfipsec_ah_input(sa, skb, e, cb);
	__skb_pull(skb, e->hdrlen);
	skb_reset_transport_header(skb);
	return nfipsec_esp_input(sa, skb, cb);
}

/* Is this ESP someone else's to handle (XFRM in the same namespace)? */
static bool xfrm_may_own(const struct net *net)
{
	return READ_ONCE(net->xfrm.state_num) != 0;
}

/*
 * ESP passing through: a router on the path, or a gateway forwarding the
 * end-to-end transport ESP it took out of a tunnel. Not ours to decrypt;
 * the FWD policy decides on it like on any forwarded packet.
 */
static bool transit(struct net *net, u8 family,
		    const union nf_inet_addr *daddr)
{
	if (family == AF_INET)
		return inet_addr_type(net, daddr->ip) != RTN_LOCAL;
	return !ipv6_chk_addr(net, &daddr->in6, NULL, 0);
}

unsigned int nfipsec_input(struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfipsec_esp_cb cb = { .done = in_done };
	union nf_inet_addr daddr = {};
	struct in_ctx c = { .family = family };
	struct nfipsec_sa *sa;
	__be32 spi;
	int ret;

	ret = nfipsec_encap_find_esp(skb, family, &c.e);
	if (ret == -ENOENT && c.e.nexthdr == IPPROTO_UDP)
		ret = nfipsec_natt_input(nn, skb, family, &c.e, &c.natt);
	if (ret == -ENOENT)
		return NF_ACCEPT;	/* not ESP */
	if (ret) {
		nfipsec_stat_inc(nn, ret == -ENOMEM ? NFIPSEC_STAT_IN_NOMEM :
				 NFIPSEC_STAT_IN_HDR_ERROR);
		return NF_DROP;
	}
	/* ESP in UDP (NAT-T) leaves @proto 0: it is ESP. */
	if (c.e.proto != IPPROTO_AH)
		c.e.proto = IPPROTO_ESP;
	if (c.e.proto == IPPROTO_AH)
		spi = ((struct ip_auth_hdr *)(skb_network_header(skb) +
					      c.e.hdrlen))->spi;
	else
		spi = ((struct ip_esp_hdr *)(skb_network_header(skb) +
					     c.e.hdrlen))->spi;
	if (family == AF_INET)
		daddr.ip = ip_hdr(skb)->daddr;
	else
		daddr.in6 = ipv6_hdr(skb)->daddr;

	rcu_read_lock();
	sa = nfipsec_sad_lookup_rcu(nn, c.e.proto, spi, family, &daddr);
	if (!sa) {
		rcu_read_unlock();
		if (xfrm_may_own(state->net) ||
		    transit(state->net, family, &daddr))
			return NF_ACCEPT;
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_NO_SA);
		return NF_DROP;
	}

	if (!nfipsec_usage(sa)) {
		rcu_read_unlock();
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_SA_EXPIRED);
		return NF_DROP;
	}

	cb.ctx = &c;
	cb.ctxlen = sizeof(c);
	nfipsec_path_get();
	ret = in_xform(sa, skb, &c.e, &cb);
	if (ret == -EINPROGRESS) {
		rcu_read_unlock();
		nfipsec_stat_inc(nn, NFIPSEC_STAT_CRYPTO_ASYNC);
		return NF_STOLEN;
	}
	nfipsec_path_put();
	if (ret < 0) {
		rcu_read_unlock();
		nfipsec_stat_inc(nn, nfipsec_esp_in_stat(ret));
		return NF_DROP;
	}
	in_finish(sa, skb, ret, &c);
	rcu_read_unlock();
	return NF_STOLEN;
}

unsigned int nfipsec_input_policy(struct sk_buff *skb,
				  const struct nf_hook_state *state, u8 dir)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	const struct nfipsec_policy *pol;
	struct nfipsec_spd_result res;
	const struct nfipsec_secrec *r;
	struct nfipsec_flow fl, efl;
	unsigned int verdict = NF_ACCEPT;
	bool icmp_err;

	if (nfipsec_flow_from_skb(skb, family, false, &fl)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_HDR_ERROR);
		return NF_DROP;
	}
	r = nfipsec_secrec_get(skb);
	/* An ICMP error through an SA: the flow it quotes (icmp.c). */
	icmp_err = r && nfipsec_icmp_error_flow(skb, &fl, false, &efl);
	if (icmp_err)
		fl = efl;

	rcu_read_lock();
	nfipsec_spd_lookup(nn, dir, &fl, &res);
	pol = res.pol;
	if (pol && (fl.proto == IPPROTO_ESP || fl.proto == IPPROTO_AH) &&
	    pol->sel.proto != fl.proto)
		pol = NULL;
	if (icmp_err && (!pol || pol->action != NFIPSEC_ACT_PROTECT)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_ICMP_SEL_MISMATCH);
		verdict = NF_DROP;
		goto out;
	}
	if (!pol) {
		if (nfipsec_secrec_has_tunnel(r)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_SEL_MISMATCH);
			verdict = NF_DROP;
		}
		goto out;
	}
	if (!r && nfipsec_nd_bypass(nn, pol, &fl))
		goto out;
	switch (pol->action) {
	case NFIPSEC_ACT_PROTECT:
		if (!nfipsec_secrec_protect_ok(pol, r)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_TMPL_MISMATCH);
			verdict = NF_DROP;
		}
		break;
	case NFIPSEC_ACT_BYPASS:
		if (nfipsec_secrec_has_tunnel(r)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_SEL_MISMATCH);
			verdict = NF_DROP;
		} else {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_BYPASS);
		}
		break;
	default:
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_POL_DISCARD);
		verdict = NF_DROP;
		break;
	}
out:
	rcu_read_unlock();
	/* A Too Big the SPD let in may be about our ESP (pmtu.c). */
	if (verdict == NF_ACCEPT && dir == NFIPSEC_DIR_IN &&
	    (fl.proto == IPPROTO_ICMP || fl.proto == IPPROTO_ICMPV6))
		nfipsec_pmtu_icmp(nn, skb, family);
	return verdict;
}
