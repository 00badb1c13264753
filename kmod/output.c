// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound processing (RFC 4301 §5.1): classify a packet against SPD-S and
 * SPD-O; bypass it, discard it, or protect it with the SA its policy's
 * template names and send the result on the route to the SA's peer.
 *
 * Re-entry. What we send goes through LOCAL_OUT again, our own hook
 * included. It is ESP, and ESP or AH leaving the host is passed through
 * unless the policy it matches names ESP or AH as its protocol: a PROTECT
 * policy over "any protocol" covers the traffic, not the IPsec packets
 * carrying it, just as IKE's own traffic must be given a BYPASS entry by
 * whoever configures the SPD. A policy that explicitly selects ESP is
 * honoured (nested protection); the cb-based marks XFRM uses cannot be
 * relied on, since the stack reuses skb->cb between our hook and the next.
 *
 * No SA yet: acquire.c sends ACQUIRE and the packet is dropped, never
 * sent in clear. A GSO packet is segmented before ESP; for TCP the
 * segments are first cut to fit the outer path MTU after ESP's overhead,
 * so that the ESP packets need no fragmentation.
 *
 * Asynchronous crypto: the packet is stolen (NF_STOLEN) in every case;
 * the completion callback sends it. nfipsec_path_get()/put() count it in
 * flight so that a namespace or the module cannot go away under it.
 */
#include <linux/netfilter.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "ah.h"
#include "esp.h"
#include "flow.h"
#include "natt.h"
#include "netns.h"
#include "path.h"
#include "pmtu.h"

/* What the ESP completion needs to finish one packet (copied by esp.c). */
struct out_ctx {
	struct net *net;
	struct nfipsec_encap e;
	u8 mode;
	bool same_family;	/* outer family = inner: keep skb->sk's opts */
	u8 nnext;		/* SAs of the bundle still to apply */
	struct nfipsec_sa *next[NFIPSEC_MAX_TMPL - 1];	/* referenced */
};

static void protect_one(struct nfipsec_sa *sa, struct sk_buff *skb,
			struct out_ctx *c, u8 family);
static int route_tunnel(struct net *net, const struct nfipsec_sa *sa,
			struct sk_buff *skb);

/* The packet died: the bundle's SAs it would have gone through are free. */
static void chain_put(const struct out_ctx *c)
{
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct out_ctx) > NFIPSEC_ESP_CTX_MAX);
	for (i = 0; i < c->nnext; i++)
		nfipsec_sa_put(c->next[i]);
}

/*
 * A bundle (RFC 4301 §4.5, KAME's several ipsecrequests): the next SA's
 * turn, on the packet the last one made. Templates are applied in their
 * order, the first innermost, as KAME and XFRM do. Consumes @skb.
 */
static void out_next(struct sk_buff *skb, const struct out_ctx *c)
{
	struct out_ctx n = *c;
	struct nfipsec_sa *sa = n.next[0];
	u8 family = c->e.outer_family;

	n.nnext--;
	memmove(n.next, n.next + 1, n.nnext * sizeof(n.next[0]));
	n.mode = sa->mode;
	if (sa->mode == NFIPSEC_MODE_TUNNEL) {
		if (route_tunnel(n.net, sa, skb)) {
			nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_NO_ROUTE);
			kfree_skb(skb);
			chain_put(&n);
			goto out;
		}
		n.same_family &= sa->family == family;
	}
	protect_one(sa, skb, &n, family);
out:
	nfipsec_sa_put(sa);
}

static void out_send(const struct nfipsec_sa *sa, struct sk_buff *skb,
		     struct out_ctx *c)
{
	unsigned int mtu;
	struct sock *sk;

	nfipsec_encap_finish(skb, &c->e);
	if (sa->encap_type && nfipsec_natt_output(sa, skb, &c->e)) {
		nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_NOMEM);
		kfree_skb(skb);
		return;
	}
	sk = c->same_family ? skb->sk : NULL;
	if (c->nnext) {
		out_next(skb, c);
		return;
	}
	/* A new packet: not the inner one's connection, and free to be
	 * fragmented (the SA's peer reassembles it before ESP).
	 */
	nf_reset_ct(skb);
	skb->ignore_df = 1;
	/* Fragments that fit the SA's path MTU, when it is below the
	 * route's (pmtu.c): the stack honours frag_max_size.
	 */
	mtu = nfipsec_pmtu_get(sa);
	if (skb->len <= mtu)
		mtu = 0;
	if (c->e.outer_family == AF_INET) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->frag_max_size = mtu;
		skb->protocol = htons(ETH_P_IP);
		ip_local_out(c->net, sk, skb);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->frag_max_size = mtu;
		skb->protocol = htons(ETH_P_IPV6);
		ip6_local_out(c->net, sk, skb);
	}
}

static void out_done(struct nfipsec_sa *sa, struct sk_buff *skb, int ret,
		     void *ctx)
{
	struct out_ctx *c = ctx;

	if (ret) {
		nfipsec_stat_inc(sa->nn, nfipsec_esp_out_stat(ret));
		kfree_skb(skb);
		chain_put(c);
	} else {
		out_send(sa, skb, c);
	}
	nfipsec_path_put();
}

/* Bytes a later SA of a bundle adds, at most (for fit_gso() and TFC). */
static unsigned int xform_overhead(const struct nfipsec_sa *sa)
{
	unsigned int o = nfipsec_xform_hdrlen(sa, sa->family);

	if (sa->proto == IPPROTO_ESP)
		o += sa->icvlen + sa->blocksize + 1;
	if (sa->mode == NFIPSEC_MODE_TUNNEL)
		o += sa->family == AF_INET ? sizeof(struct iphdr) :
					     sizeof(struct ipv6hdr);
	return o;
}

/*
 * TFC padding (RFC 4303 §2.7) for one packet of @sa: up to the SA's length,
 * but never past what fits the outer route with the rest of the bundle.
 */
static unsigned int tfc_padto(const struct nfipsec_sa *sa,
			      const struct sk_buff *skb, const struct out_ctx *c)
{
	unsigned int mtu, extra = nfipsec_natt_overhead(sa) + c->e.hdrlen, i;

	if (!sa->tfc_padto || sa->proto != IPPROTO_ESP ||
	    sa->mode != NFIPSEC_MODE_TUNNEL || !skb_dst(skb))
		return 0;
	for (i = 0; i < c->nnext; i++)
		extra += xform_overhead(c->next[i]);
	mtu = dst_mtu(skb_dst(skb));
	if (mtu <= extra)
		return 0;
	return min_t(unsigned int, sa->tfc_padto,
		     nfipsec_esp_payload_mtu(sa, mtu - extra));
}

/* Encapsulate, encrypt and send one packet (not GSO). Consumes @skb. */
static void protect_one(struct nfipsec_sa *sa, struct sk_buff *skb,
			struct out_ctx *c, u8 family)
{
	const struct nfipsec_esp_cb cb = {
		.done = out_done, .ctx = c, .ctxlen = sizeof(*c),
	};
	int ret;

	ret = nfipsec_encap_prepare(sa, skb, family, &c->e);
	if (ret) {
		nfipsec_stat_inc(sa->nn, ret == -ENOMEM ? NFIPSEC_STAT_OUT_NOMEM :
				 NFIPSEC_STAT_OUT_ERROR);
		kfree_skb(skb);
		chain_put(c);
		return;
	}
	nfipsec_path_get();
	/* AH covers the outer IPv4 header's ID: choose it first. */
	if (c->mode == NFIPSEC_MODE_TUNNEL && c->e.outer_family == AF_INET)
		ip_select_ident(c->net, skb, NULL);
	if (sa->proto == IPPROTO_AH)
		ret = nfipsec_ah_output(sa, skb, &c->e, &cb);
	else
		ret = nfipsec_esp_output(sa, skb, c->e.hdrlen, c->e.nexthdr,
					 tfc_padto(sa, skb, c), &cb);
	if (ret == -EINPROGRESS) {
		nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_CRYPTO_ASYNC);
		return;
	}
	nfipsec_path_put();
	if (ret) {
		nfipsec_stat_inc(sa->nn, nfipsec_esp_out_stat(ret));
		kfree_skb(skb);
		chain_put(c);
		return;
	}
	out_send(sa, skb, c);
}

/* The route to the tunnel's far end, from its near end. */
static struct dst_entry *tunnel_route4(struct net *net,
				       const struct nfipsec_sa *sa,
				       const struct sk_buff *skb)
{
	struct flowi4 fl4 = {
		.daddr = sa->daddr.ip,
		.saddr = sa->saddr.ip,
		.flowi4_proto = sa->proto,
		.flowi4_mark = skb->mark,
	};
	struct rtable *rt = ip_route_output_key(net, &fl4);

	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

static struct dst_entry *tunnel_route6(struct net *net,
				       const struct nfipsec_sa *sa,
				       const struct sk_buff *skb)
{
	struct flowi6 fl6 = {
		.daddr = sa->daddr.in6,
		.saddr = sa->saddr.in6,
		.flowi6_proto = sa->proto,
		.flowi6_mark = skb->mark,
	};
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);
	int err = dst->error;

	if (err) {
		dst_release(dst);
		return ERR_PTR(err);
	}
	return dst;
}

/* The largest payload whose ESP or AH packet fits in @mtu. */
static unsigned int payload_mtu(const struct nfipsec_sa *sa, unsigned int mtu)
{
	unsigned int ah;

	if (sa->proto != IPPROTO_AH)
		return nfipsec_esp_payload_mtu(sa, mtu);
	ah = nfipsec_ah_hdrlen(sa, sa->family);
	return mtu > ah ? mtu - ah : 0;
}

/*
 * Cut TCP segments so that each ESP packet fits the outer route's MTU: the
 * sender's MSS is for its own route, which knows nothing of ESP.
 */
static void fit_gso(const struct nfipsec_sa *sa, struct sk_buff *skb,
		    unsigned int outer_hdrlen, unsigned int extra,
		    unsigned int pmtu)
{
	struct skb_shared_info *si = skb_shinfo(skb);
	unsigned int mtu, hdrs, room;

	if (!(si->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) ||
	    !skb_transport_header_was_set(skb))
		return;
	mtu = dst_mtu(skb_dst(skb)) - nfipsec_natt_overhead(sa);
	mtu = mtu > extra ? mtu - extra : 0;	/* the rest of a bundle */
	/* Transport mode keeps the IP header in front of ESP; tunnel mode
	 * encrypts it, with an outer header in front.
	 */
	hdrs = skb_transport_offset(skb) + tcp_hdrlen(skb);
	if (sa->mode == NFIPSEC_MODE_TUNNEL) {
		room = mtu > outer_hdrlen ?
		       payload_mtu(sa, mtu - outer_hdrlen) : 0;
	} else {
		room = mtu > skb_transport_offset(skb) ?
		       payload_mtu(sa, mtu - skb_transport_offset(skb)) : 0;
		hdrs = tcp_hdrlen(skb);
	}
	/* The bundle's path MTU, learnt from ICMP (pmtu.c): whole packets. */
	if (pmtu && sa->mode != NFIPSEC_MODE_TUNNEL)
		pmtu = pmtu > skb_transport_offset(skb) ?
		       pmtu - skb_transport_offset(skb) : 0;
	if (pmtu)
		room = min(room, pmtu);
	if (room < hdrs + 256 || room - hdrs >= si->gso_size)
		return;
	/* The shared info may be TCP's own (a clone of its queue). */
	if (skb_unclone(skb, GFP_ATOMIC))
		return;
	si = skb_shinfo(skb);
	si->gso_size = room - hdrs;
	si->gso_type |= SKB_GSO_DODGY;
	si->gso_segs = 0;
}

/*
 * A route's MTU as configured, or its device's: not what it learnt. The
 * errors we send our own senders lower their route's MTU, by ESP's
 * overhead; counting that again would lower it once more at every error.
 */
static unsigned int route_mtu(const struct dst_entry *dst)
{
	if (!dst)
		return 0;
	return dst_metric_raw(dst, RTAX_MTU) ? : READ_ONCE(dst->dev->mtu);
}

/* Point @skb at the route to @sa's far end; 0 or an error. */
static int route_tunnel(struct net *net, const struct nfipsec_sa *sa,
			struct sk_buff *skb)
{
	struct dst_entry *dst = sa->family == AF_INET ?
		tunnel_route4(net, sa, skb) : tunnel_route6(net, sa, skb);

	if (IS_ERR(dst))
		return PTR_ERR(dst);
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	return 0;
}

/* One packet (or segment) into the bundle, with references of its own. */
static void protect_seg(struct nfipsec_sa *sa, struct sk_buff *skb,
			const struct out_ctx *c, u8 family)
{
	struct out_ctx own = *c;
	unsigned int i;

	/* The caller holds a reference on each: these cannot fail. */
	for (i = 0; i < own.nnext; i++)
		WARN_ON_ONCE(!nfipsec_sa_get(own.next[i]));
	protect_one(sa, skb, &own, family);
}

/*
 * Protect @skb (of @family) with the @n SAs of @chain, the first applied
 * first. Consumes @skb; the caller keeps its references.
 */
static void protect(struct nfipsec_sa **chain, unsigned int n,
		    struct sk_buff *skb, const struct nf_hook_state *state,
		    u8 family)
{
	struct nfipsec_sa *sa = chain[0];
	struct out_ctx c = {
		.net = state->net,
		.mode = sa->mode,
		.same_family = sa->family == family,
		.nnext = n - 1,
	};
	struct sk_buff *segs, *seg, *next;
	unsigned int outer = 0, extra = 0, pmtu, i;

	for (i = 1; i < n; i++) {
		c.next[i - 1] = chain[i];
		extra += xform_overhead(chain[i]);
	}
	/* Too big for the path MTU and not to be fragmented: say so, while
	 * the packet still has its own route (the error is of its family).
	 * Our own senders are held to that route's MTU too (pmtu.c).
	 */
	pmtu = nfipsec_pmtu_inner(chain, n,
				  state->hook == NF_INET_LOCAL_OUT ?
				  route_mtu(skb_dst(skb)) : 0);
	if (pmtu && nfipsec_pmtu_too_big(sa->nn, skb, family, pmtu)) {
		kfree_skb(skb);
		return;
	}
	if (sa->mode == NFIPSEC_MODE_TUNNEL) {
		if (route_tunnel(state->net, sa, skb)) {
			nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_NO_ROUTE);
			kfree_skb(skb);
			return;
		}
		outer = sa->family == AF_INET ? sizeof(struct iphdr) :
						sizeof(struct ipv6hdr);
	}
	if (!skb_is_gso(skb)) {
		protect_seg(sa, skb, &c, family);
		return;
	}
	fit_gso(sa, skb, outer, extra, pmtu);
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		nfipsec_stat_inc(sa->nn, NFIPSEC_STAT_OUT_ERROR);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		protect_seg(sa, seg, &c, family);
	}
}

/*
 * RCU: the SA for template @t, or NULL. A transport-mode SA is between the
 * packet's addresses as they are at that point of the bundle (@family,
 * @local, @remote: the flow's, or an earlier tunnel's endpoints).
 */
static struct nfipsec_sa *find_sa(struct nfipsec_net *nn,
				  const struct nfipsec_tmpl *t, u8 family,
				  const union nf_inet_addr *local,
				  const union nf_inet_addr *remote)
{
	static const union nf_inet_addr any;

	if (t->mode == NFIPSEC_MODE_TUNNEL)
		return nfipsec_sad_lookup_out_rcu(nn, t->family, t->proto,
						  t->mode, t->reqid,
						  memcmp(&t->saddr, &any,
							 sizeof(any)) ?
						  &t->saddr : NULL,
						  &t->daddr);
	return nfipsec_sad_lookup_out_rcu(nn, family, t->proto,
					  NFIPSEC_MODE_TRANSPORT, t->reqid,
					  local, remote);
}

static void chain_release(struct nfipsec_sa **chain, unsigned int n)
{
	while (n)
		nfipsec_sa_put(chain[--n]);
}

/*
 * RCU: the SAs for @pol's templates, in order, referenced, into @chain.
 * Returns how many; 0 when every template is optional and none has an SA
 * (the packet may go in clear); -ENOENT when a required one has none
 * (ACQUIRE sent); -EINVAL for a template we cannot apply (IPComp, or NAT-T
 * anywhere but outermost) that is not optional.
 */
static int find_chain(struct nfipsec_net *nn, const struct nfipsec_policy *pol,
		      const struct nfipsec_flow *fl, struct nfipsec_sa **chain)
{
	const union nf_inet_addr *local = &fl->local, *remote = &fl->remote;
	u8 family = fl->family;
	unsigned int i, n = 0;

	for (i = 0; i < pol->ntmpl; i++) {
		const struct nfipsec_tmpl *t = &pol->tmpl[i];
		struct nfipsec_sa *sa = NULL;

		if (t->proto == IPPROTO_ESP || t->proto == IPPROTO_AH)
			sa = find_sa(nn, t, family, local, remote);
		else if (t->level != NFIPSEC_LEVEL_USE)
			goto invalid;
		if (!sa || !nfipsec_sa_get(sa)) {
			if (t->level == NFIPSEC_LEVEL_USE)
				continue;	/* optional: may be left out */
			if (t->proto == IPPROTO_ESP || t->proto == IPPROTO_AH)
				nfipsec_acquire(nn, pol, t, fl);
			chain_release(chain, n);
			return -ENOENT;
		}
		chain[n++] = sa;
		if (n > 1 && chain[n - 2]->encap_type)
			goto invalid;
		if (sa->mode == NFIPSEC_MODE_TUNNEL) {
			family = sa->family;
			local = &sa->saddr;
			remote = &sa->daddr;
		}
	}
	return n;
invalid:
	chain_release(chain, n);
	return -EINVAL;
}

/*
 * Conntrack confirms a connection at POSTROUTING, which a packet we
 * protect never reaches in clear (we steal it here and send ESP). Confirm
 * it now, or the replies to a connection this host opened (or forwarded)
 * over IPsec look NEW to a stateful firewall. Through nf_ct_hook: no
 * symbol of nf_conntrack's, so no module dependency. Helpers and sequence
 * adjustment, which POSTROUTING would also run, are not.
 */
static unsigned int confirm_ct(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	const struct nf_ct_hook *h;
	unsigned int ret = NF_ACCEPT;

	if (!ct || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	rcu_read_lock();
	h = rcu_dereference(nf_ct_hook);
	if (h && h->confirm)
		ret = h->confirm(skb);
	rcu_read_unlock();
	return ret;
#else
	return NF_ACCEPT;
#endif
}

unsigned int nfipsec_output(struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfipsec_sa *chain[NFIPSEC_MAX_TMPL];
	const struct nfipsec_policy *pol;
	struct nfipsec_spd_result res;
	struct nfipsec_flow fl;
	int n, i;

	if (nfipsec_flow_from_skb(skb, family, true, &fl)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ERROR);
		return NF_DROP;
	}

	rcu_read_lock();
	if (!nfipsec_icmp_error_out(nn, skb, &fl, &res))
		nfipsec_spd_lookup(nn, NFIPSEC_DIR_OUT, &fl, &res);
	pol = res.pol;
	if (!pol)
		goto accept;
	/* IPsec packets, ours included: see the top of the file. */
	if ((fl.proto == IPPROTO_ESP || fl.proto == IPPROTO_AH) &&
	    pol->sel.proto != fl.proto)
		goto accept;
	/* Our ESP in UDP (NAT-T) is ESP, whatever the policy's protocol. */
	if (fl.proto == IPPROTO_UDP && state->hook == NF_INET_LOCAL_OUT &&
	    nfipsec_natt_is_ours(nn, skb, &fl))
		goto accept;
	if (nfipsec_nd_bypass(nn, pol, &fl))
		goto accept;
	switch (pol->action) {
	case NFIPSEC_ACT_BYPASS:
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_BYPASS);
		goto accept;
	case NFIPSEC_ACT_PROTECT:
		break;
	default:
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_POL_DISCARD);
		goto drop;
	}

	n = find_chain(nn, pol, &fl, chain);
	if (n == -EINVAL) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ERROR);
		goto drop;
	}
	if (n < 0)
		goto drop;
	if (!n)
		goto accept;	/* optional: in clear is allowed */
	rcu_read_unlock();

	for (i = 0; i < n; i++) {
		if (!nfipsec_usage(chain[i])) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_SA_EXPIRED);
			chain_release(chain, n);
			return NF_DROP;
		}
	}
	if (confirm_ct(skb) != NF_ACCEPT) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_OUT_ERROR);
		chain_release(chain, n);
		return NF_DROP;
	}
	protect(chain, n, skb, state, family);
	chain_release(chain, n);
	return NF_STOLEN;

accept:
	rcu_read_unlock();
	return NF_ACCEPT;
drop:
	rcu_read_unlock();
	return NF_DROP;
}
