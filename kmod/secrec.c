// SPDX-License-Identifier: GPL-2.0
/*
 * The record of the SAs an inbound packet came through (RFC 4301 §5.2),
 * kept for the inbound policy check (input.c).
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
 * (xvec[1..] and ovec, unused while olen is 0), recognised by the marker
 * in xvec[0], len == 1 and a magic word. When XFRM pushes a state of its
 * own onto the path (len > 1), the record is gone, and the packet is
 * XFRM's.
 *
 * Records are written by the inbound path after each layer it takes off
 * and read by the policy check; any context (softirq, or process context
 * with BH disabled).
 */
#include <linux/skbuff.h>
#include <net/xfrm.h>

#include "secrec.h"

#define REC_MAGIC	0x6e664950	/* "nfIP" */

/*
 * The record of the SAs a packet came through, outermost first, in the
 * sec_path's bytes after its one entry (see the top of this file): @n
 * entries in @buf, each a struct rec_ent followed by its tunnel endpoints
 * (4 + 4 bytes for IPv4, 16 + 16 for IPv6; none in transport mode, nor for
 * a tunnel between the same endpoints as the tunnel before it). That holds
 * AH+ESP (transport, or tunnels between the same IPv6 endpoints), ESP
 * transport inside an IPv6 tunnel, or seven transport SAs; a packet nested
 * deeper is dropped (IN_NESTING).
 */
struct rec_ent {
	u32 reqid;
	u8 proto;
	u8 mode;
	u8 family;		/* of the endpoints that follow */
	u8 addrlen;		/* bytes of them: 0, 8 or 32 */
};

#define REC_SPACE	(sizeof_field(struct sec_path, xvec) - \
			 sizeof(struct xfrm_state *) + \
			 sizeof_field(struct sec_path, ovec))
#define REC_MAX		8	/* entries: REC_SPACE / sizeof(rec_ent) */

struct nfipsec_secrec {
	u32 magic;
	u8 n;			/* entries */
	u8 used;		/* bytes of @buf */
	u8 buf[REC_SPACE - 6];
};

/* One entry, decoded, as the policy check reads it. */
struct rec_sa {
	u32 reqid;
	u8 proto;
	u8 mode;
	u8 family;
	union nf_inet_addr saddr, daddr;
};

/* The marker xfrm_state in xvec[0]: see the top of this file. */
static struct xfrm_state *marker;

int nfipsec_secrec_init(void)
{
	marker = xfrm_state_alloc(&init_net);
	if (!marker)
		return -ENOMEM;
	marker->props.mode = XFRM_MODE_TRANSPORT;
	/* Never linked: its last put may free it at once. */
	marker->km.state = XFRM_STATE_DEAD;
	return 0;
}

void nfipsec_secrec_exit(void)
{
	/* Packets still holding it keep it alive; it is XFRM's memory. */
	xfrm_state_put(marker);
}

static struct nfipsec_secrec *rec_slot(struct sec_path *sp)
{
	/* xvec[1..] and ovec[] are contiguous, and hold the record. */
	BUILD_BUG_ON(offsetof(struct sec_path, ovec) !=
		     offsetof(struct sec_path, xvec) + sizeof(sp->xvec));
	BUILD_BUG_ON(sizeof(struct nfipsec_secrec) != REC_SPACE);
	BUILD_BUG_ON(REC_MAX * sizeof(struct rec_ent) <
		     sizeof_field(struct nfipsec_secrec, buf));
	return (struct nfipsec_secrec *)((u8 *)sp->xvec + sizeof(sp->xvec[0]));
}

const struct nfipsec_secrec *nfipsec_secrec_get(const struct sk_buff *skb)
{
	struct sec_path *sp = skb_sec_path(skb);
	const struct nfipsec_secrec *r;

	if (!sp || sp->len != 1 || sp->olen || sp->xvec[0] != marker)
		return NULL;
	r = rec_slot(sp);
	return r->magic == REC_MAGIC ? r : NULL;
}

/* Decode @r into @s (REC_MAX of them); returns how many. */
static unsigned int rec_read(const struct nfipsec_secrec *r, struct rec_sa *s)
{
	const struct rec_sa *last = NULL;
	unsigned int off = 0, i;

	for (i = 0; r && i < r->n && i < REC_MAX; i++) {
		struct rec_ent ent;

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
static bool rec_same_tunnel(const struct nfipsec_secrec *r,
			    const struct nfipsec_sa *sa)
{
	struct rec_sa s[REC_MAX];
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

int nfipsec_secrec_add(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct sec_path *sp = secpath_set(skb);
	struct nfipsec_secrec *r;
	unsigned int alen = 0;
	struct rec_ent ent;
	u8 *p;

	if (!sp)
		return -ENOMEM;
	r = rec_slot(sp);
	if (sp->len == 0) {
		/*
		 * secpath_set() initialises only len, olen and ovec: the
		 * bytes after xvec[0] are whatever the recycled skb_ext held,
		 * an earlier packet's record included (unless the kernel
		 * zeroes allocations, as Debian's does).
		 */
		xfrm_state_hold(marker);
		sp->xvec[0] = marker;
		sp->len = 1;
		memset(r, 0, sizeof(*r));
		r->magic = REC_MAGIC;
	} else if (sp->len != 1 || sp->olen || sp->xvec[0] != marker ||
		   r->magic != REC_MAGIC) {
		return 0;	/* XFRM's: leave it alone */
	}
	if (sa->mode == NFIPSEC_MODE_TUNNEL && !rec_same_tunnel(r, sa))
		alen = sa->family == AF_INET ? 8 : 32;
	if (r->used + sizeof(ent) + alen > sizeof(r->buf))
		return -ENOSPC;
	ent = (struct rec_ent){
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
bool nfipsec_secrec_has_tunnel(const struct nfipsec_secrec *r)
{
	struct rec_sa s[REC_MAX];
	unsigned int i, n = rec_read(r, s);

	for (i = 0; i < n; i++)
		if (s[i].mode == NFIPSEC_MODE_TUNNEL)
			return true;
	return false;
}

/* Does SA @r of the record fit template @t (RFC 4301 §5.2 step 4)? */
static bool tmpl_fits(const struct nfipsec_tmpl *t, const struct rec_sa *r)
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
bool nfipsec_secrec_protect_ok(const struct nfipsec_policy *pol,
			       const struct nfipsec_secrec *r)
{
	struct rec_sa s[REC_MAX];
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
