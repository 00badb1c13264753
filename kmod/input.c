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
 * its sec_path, the skb extension XFRM keeps its own record in, set with
 * secpath_set() (exported by the built-in XFRM core that Debian's kernels,
 * and any kernel with XFRM, have). skb->cb does not survive netif_rx(),
 * skb->mark belongs to the user, and the stack drops sec_paths exactly
 * where the record must go: when the packet crosses into another
 * namespace (skb_scrub_packet()).
 *
 * The stack expects every sec_path entry to be a live xfrm_state (an empty
 * sec_path crashes __xfrm_policy_check() in 6.12, which dereferences the
 * last entry), so ours holds one: a marker state, one for the module,
 * never linked into XFRM's tables, in transport mode with an empty
 * selector so that XFRM's own checks on a packet with no XFRM policy pass
 * it (as they pass a packet XFRM decapsulated in transport mode). The
 * packet holds a reference on it like on any sec_path entry, and frees it
 * with the packet. The record itself - what the policy check needs to
 * match templates: protocol, mode, reqid and the tunnel's endpoints of
 * every SA the packet came through, outermost first, one more each time
 * an inner layer is taken off and reinjected (AH around ESP, ESP in a
 * tunnel) - sits in the sec_path's unused bytes after that one entry
 * (xvec[1..]
 * and ovec, unused while olen is 0), recognised by the marker in xvec[0],
 * len == 1 and a magic word. When XFRM pushes a state of its own onto the
 * path (len > 1), the record is gone, and the packet is XFRM's.
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
#include "tunnel_hdr.h"

#define REC_MAGIC	0x6e664950	/* "nfIP" */

/*
 * The record of the SAs a packet came through, outermost first, in the
 * sec_path's bytes after its one entry (see the top of the file): @n
 * entries in @buf, each a struct in_ent followed by its tunnel endpoints
 * (4 + 4 bytes for IPv4, 16 + 16 for IPv6; none in transport mode, nor for
 * a tunnel between the same endpoints as the tunnel before it). That holds
 * AH+ESP (transport, or tunnels between the same IPv6 endpoints), ESP
 * transport inside an IPv6 tunnel, or seven transport SAs; a packet nested
 * deeper is dropped (IN_NESTING).
 */
struct in_ent {
	u32 reqid;
	u8 proto;
	u8 mode;
	u8 family;		/* of the endpoints that follow */
	u8 addrlen;		/* bytes of them: 0, 8 or 32 */
};

#define REC_SPACE	(sizeof_field(struct sec_path, xvec) - \
			 sizeof(struct xfrm_state *) + \
			 sizeof_field(struct sec_path, ovec))
#define REC_MAX		8	/* entries: REC_SPACE / sizeof(in_ent) */

struct in_rec {
	u32 magic;
	u8 n;			/* entries */
	u8 used;		/* bytes of @buf */
	u8 buf[REC_SPACE - 6];
};

/* One entry, decoded, as the policy check reads it. */
struct in_sa {
	u32 reqid;
	u8 proto;
	u8 mode;
	u8 family;
	union nf_inet_addr saddr, daddr;
};

/* What the ESP completion needs to finish one packet (copied by esp.c). */
struct in_ctx {
	struct nfipsec_encap e;
	u8 family;
	struct nfipsec_natt_in natt;	/* came in UDP (natt.c) */
};

/* The marker xfrm_state in xvec[0]: see the top of the file. */
static struct xfrm_state *marker;

int nfipsec_input_init(void)
{
	marker = xfrm_state_alloc(&init_net);
	if (!marker)
		return -ENOMEM;
	marker->props.mode = XFRM_MODE_TRANSPORT;
	/* Never linked: its last put may free it at once. */
	marker->km.state = XFRM_STATE_DEAD;
	return 0;
}

void nfipsec_input_exit(void)
{
	/* Packets still holding it keep it alive; it is XFRM's memory. */
	xfrm_state_put(marker);
}

static struct in_rec *rec_slot(struct sec_path *sp)
{
	/* xvec[1..] and ovec[] are contiguous, and hold the record. */
	BUILD_BUG_ON(offsetof(struct sec_path, ovec) !=
		     offsetof(struct sec_path, xvec) + sizeof(sp->xvec));
	BUILD_BUG_ON(sizeof(struct in_rec) != REC_SPACE);
	BUILD_BUG_ON(REC_MAX * sizeof(struct in_ent) <
		     sizeof_field(struct in_rec, buf));
	return (struct in_rec *)((u8 *)sp + offsetof(struct sec_path, xvec) +
				 sizeof(sp->xvec[0]));
}

static const struct in_rec *rec_get(const struct sk_buff *skb)
{
	struct sec_path *sp = skb_sec_path(skb);
	const struct in_rec *r;

	if (!sp || sp->len != 1 || sp->olen || sp->xvec[0] != marker)
		return NULL;
	r = rec_slot(sp);
	return r->magic == REC_MAGIC ? r : NULL;
}

/* Decode @r into @s (REC_MAX of them); returns how many. */
static unsigned int rec_read(const struct in_rec *r, struct in_sa *s)
{
	const struct in_sa *last = NULL;
	unsigned int off = 0, i;

	for (i = 0; r && i < r->n && i < REC_MAX; i++) {
		struct in_ent ent;

		if (off + sizeof(ent) > r->used)
			break;
		memcpy(&ent, r->buf + off, sizeof(ent));
		off += sizeof(ent);
		if (off + ent.addrlen > r->used)
			break;
		memset(&s[i], 0, sizeof(s[i]));
		if (ent.mode == NFIPSEC_MODE_TUNNEL && !ent.addrlen) {
			/* The endpoints of the tunnel entry before it. */
			if (!last)
				break;
			s[i] = *last;
		}
		s[i].reqid = ent.reqid;
		s[i].proto = ent.proto;
		s[i].mode = ent.mode;
		s[i].family = ent.family;
		if (ent.addrlen == 8) {
			memcpy(&s[i].saddr.ip, r->buf + off, 4);
			memcpy(&s[i].daddr.ip, r->buf + off + 4, 4);
		} else if (ent.addrlen == 32) {
			memcpy(&s[i].saddr.in6, r->buf + off, 16);
			memcpy(&s[i].daddr.in6, r->buf + off + 16, 16);
		}
		off += ent.addrlen;
		if (ent.mode == NFIPSEC_MODE_TUNNEL)
			last = &s[i];
	}
	return i;
}

/*
 * Does @sa tunnel between the same endpoints as the last tunnel of @r (AH
 * around ESP, both in tunnel mode)? Its entry then needs no addresses.
 */
static bool rec_same_tunnel(const struct in_rec *r, const struct nfipsec_sa *sa)
{
	struct in_sa s[REC_MAX];
	unsigned int n = rec_read(r, s);

	while (n--) {
		if (s[n].mode != NFIPSEC_MODE_TUNNEL)
			continue;
		return s[n].family == sa->family &&
		       !memcmp(&s[n].saddr, &sa->saddr, sizeof(sa->saddr)) &&
		       !memcmp(&s[n].daddr, &sa->daddr, sizeof(sa->daddr));
	}
	return false;
}

static int rec_add(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct sec_path *sp = secpath_set(skb);
	unsigned int alen = 0;
	struct in_ent ent;
	struct in_rec *r;
	u8 *p;

	if (!sp)
		return -ENOMEM;
	if (sp->len == 0) {
		xfrm_state_hold(marker);
		sp->xvec[0] = marker;
		sp->len = 1;
	} else if (sp->len != 1 || sp->olen || sp->xvec[0] != marker) {
		return 0;	/* XFRM's: leave it alone */
	}
	r = rec_slot(sp);
	if (r->magic != REC_MAGIC) {
		memset(r, 0, sizeof(*r));
		r->magic = REC_MAGIC;
	}
	if (sa->mode == NFIPSEC_MODE_TUNNEL && !rec_same_tunnel(r, sa))
		alen = sa->family == AF_INET ? 8 : 32;
	if (r->used + sizeof(ent) + alen > sizeof(r->buf))
		return -ENOSPC;
	ent = (struct in_ent){
		.reqid = sa->reqid, .proto = sa->proto, .mode = sa->mode,
		.family = sa->family, .addrlen = alen,
	};
	p = r->buf + r->used;
	memcpy(p, &ent, sizeof(ent));
	p += sizeof(ent);
	if (alen == 8) {
		memcpy(p, &sa->saddr.ip, 4);
		memcpy(p + 4, &sa->daddr.ip, 4);
	} else if (alen) {
		memcpy(p, &sa->saddr.in6, 16);
		memcpy(p + 16, &sa->daddr.in6, 16);
	}
	r->used += sizeof(ent) + alen;
	r->n++;
	return 0;
}

/* Did the packet come out of a tunnel-mode SA? */
static bool rec_has_tunnel(const struct in_rec *r)
{
	struct in_sa s[REC_MAX];
	unsigned int i, n = rec_read(r, s);

	for (i = 0; i < n; i++)
		if (s[i].mode == NFIPSEC_MODE_TUNNEL)
			return true;
	return false;
}

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
	switch (rec_add(skb, sa)) {
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

/* Does SA @r of the record fit template @t (RFC 4301 §5.2 step 4)? */
static bool tmpl_fits(const struct nfipsec_tmpl *t, const struct in_sa *r)
{
	static const union nf_inet_addr any;
	u8 mode = t->mode == NFIPSEC_MODE_ANY ? NFIPSEC_MODE_TRANSPORT :
						t->mode;

	if (t->proto != r->proto || mode != r->mode)
		return false;
	if (t->reqid && t->reqid != r->reqid)
		return false;
	if (mode != NFIPSEC_MODE_TUNNEL)
		return true;
	if (t->family && t->family != r->family)
		return false;
	if (memcmp(&t->saddr, &any, sizeof(any)) &&
	    memcmp(&t->saddr, &r->saddr, sizeof(any)))
		return false;
	return !memcmp(&t->daddr, &any, sizeof(any)) ||
	       !memcmp(&t->daddr, &r->daddr, sizeof(any));
}

/*
 * The verdict of a PROTECT policy on a packet with record @r (or none):
 * the packet must have come through the whole bundle (RFC 4301 §5.2 step
 * 4; KAME and XFRM semantics). Templates are listed innermost first and
 * the record outermost first, so they are matched in opposite orders. A
 * template at level "use" may be missing; a required one may skip
 * transport-mode SAs that fit no template (more protection than asked
 * for), never a tunnel. Tunnel-mode SAs left over are refused: the
 * content was not what they may carry.
 */
static bool protect_ok(const struct nfipsec_policy *pol,
		       const struct in_rec *r)
{
	struct in_sa s[REC_MAX];
	unsigned int n = rec_read(r, s), k = 0, i, j;

	for (i = pol->ntmpl; i-- > 0;) {
		const struct nfipsec_tmpl *t = &pol->tmpl[i];

		for (j = k; j < n; j++) {
			if (tmpl_fits(t, &s[j]))
				break;
			if (s[j].mode != NFIPSEC_MODE_TRANSPORT) {
				j = n;
				break;
			}
		}
		if (j < n)
			k = j + 1;
		else if (t->level != NFIPSEC_LEVEL_USE)
			return false;
	}
	for (; k < n; k++)
		if (s[k].mode != NFIPSEC_MODE_TRANSPORT)
			return false;
	return true;
}

unsigned int nfipsec_input_policy(struct sk_buff *skb,
				  const struct nf_hook_state *state, u8 dir)
{
	struct nfipsec_net *nn = nfipsec_pernet(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	const struct nfipsec_policy *pol;
	struct nfipsec_spd_result res;
	const struct in_rec *r;
	struct nfipsec_flow fl, efl;
	unsigned int verdict = NF_ACCEPT;
	bool icmp_err;

	if (nfipsec_flow_from_skb(skb, family, false, &fl)) {
		nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_HDR_ERROR);
		return NF_DROP;
	}
	r = rec_get(skb);
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
		if (rec_has_tunnel(r)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_SEL_MISMATCH);
			verdict = NF_DROP;
		}
		goto out;
	}
	if (!r && nfipsec_nd_bypass(nn, pol, &fl))
		goto out;
	switch (pol->action) {
	case NFIPSEC_ACT_PROTECT:
		if (!protect_ok(pol, r)) {
			nfipsec_stat_inc(nn, NFIPSEC_STAT_IN_TMPL_MISMATCH);
			verdict = NF_DROP;
		}
		break;
	case NFIPSEC_ACT_BYPASS:
		if (rec_has_tunnel(r)) {
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
