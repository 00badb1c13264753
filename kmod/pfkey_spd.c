// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY's SPD messages, the KAME extensions Linux's af_key speaks
 * (SADB_X_SPDADD .. SADB_X_SPDDELETE2, with SADB_X_EXT_POLICY and its
 * sadb_x_ipsecrequests), turned into struct nfipsec_policy for spd.c. Every
 * handler runs with cfg_lock held.
 *
 * Translation, both ways:
 *  - sadb_address SRC/DST are the packet's source and destination. RFC
 *    4301 selectors say local/remote instead: local = source for outbound
 *    policies, local = destination for inbound and forward ones (a
 *    forwarded packet is checked as it comes in, as XFRM's fwd policies
 *    are). ICMP type and code (and the MH type) ride in the source and
 *    destination ports whatever the direction, as KAME encodes them.
 *  - A port of 0 is any port; sadb_address_proto 255 (IPSEC_ULPROTO_ANY)
 *    or 0 is any protocol.
 *  - IPSEC_POLICY_DISCARD -> DISCARD, NONE and BYPASS -> BYPASS (reported
 *    back as NONE, which setkey prints), IPSEC -> PROTECT with 1 to
 *    NFIPSEC_MAX_TMPL requests. ENTRUST is refused.
 *  - IPSEC_LEVEL_UNIQUE with reqid 0 (or above IPSEC_MANUAL_REQID_MAX)
 *    gets a fresh reqid no policy uses, as af_key does.
 *  - sadb_x_policy_id is ignored on SPDADD/SPDUPDATE (the kernel picks the
 *    index; af_key does the same) and names the policy for SPDGET and
 *    SPDDELETE2.
 *  - LIFETIME_HARD/SOFT: add seconds and use seconds (an idle timeout:
 *    from the last use, as in XFRM and KAME), enforced by
 *    pfkey_lifetime.c, which sends SADB_X_SPDEXPIRE. Policies count no
 *    bytes or packets, so such limits are refused (EOPNOTSUPP) rather
 *    than silently never enforced (libipsec sends an all-zero HARD).
 *  - X_SPDSETIDX is X_SPDADD, as in af_key, answer type included
 *    (af_key answers it as X_SPDADD).
 */
#include <linux/icmp.h>
#include <linux/in.h>
#include <linux/slab.h>

#include "name_sel.h"
#include "netns.h"
#include "pfkey.h"
#include "spd.h"

static bool ports_are_icmp(u8 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 ||
	       proto == IPPROTO_MH;
}

static bool dir_is_out(u8 dir)
{
	return dir == NFIPSEC_DIR_OUT;
}

static void set_ports(u16 *lo, u16 *hi, __be16 port)
{
	*lo = port ? ntohs(port) : 0;
	*hi = port ? ntohs(port) : U16_MAX;
}

u8 nfipsec_pfkey_msg_sel(const struct nfipsec_pfkey_msg *m, u8 dir,
			 struct nfipsec_sel *sel)
{
	const struct sadb_address *sa = m->ext[SADB_EXT_ADDRESS_SRC];
	const struct sadb_address *da = m->ext[SADB_EXT_ADDRESS_DST];
	union nf_inet_addr s, d;
	__be16 sport, dport;
	bool out = dir_is_out(dir);
	u8 proto;

	memset(sel, 0, sizeof(*sel));
	sel->family = nfipsec_pfkey_addr(sa, &s, &sport);
	nfipsec_pfkey_addr(da, &d, &dport);
	/* KAME sends the same protocol in both; take the destination's. */
	proto = da->sadb_address_proto;
	sel->proto = proto == IPSEC_ULPROTO_ANY ? NFIPSEC_PROTO_ANY : proto;
	nfipsec_sel_set_prefix(out ? &sel->local : &sel->remote, sel->family,
			       &s, sa->sadb_address_prefixlen);
	nfipsec_sel_set_prefix(out ? &sel->remote : &sel->local, sel->family,
			       &d, da->sadb_address_prefixlen);
	if (ports_are_icmp(sel->proto) || out) {
		set_ports(&sel->lport_lo, &sel->lport_hi, sport);
		set_ports(&sel->rport_lo, &sel->rport_hi, dport);
	} else {
		set_ports(&sel->lport_lo, &sel->lport_hi, dport);
		set_ports(&sel->rport_lo, &sel->rport_hi, sport);
	}
	return sel->family;
}

static int uses_reqid(struct nfipsec_policy *pol, void *arg)
{
	u32 reqid = *(u32 *)arg;
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++)
		if (pol->tmpl[i].reqid == reqid)
			return 1;
	return 0;
}

/* Must be called with cfg_lock held. A reqid no policy uses, or 0. */
static u32 new_reqid(struct nfipsec_net *nn)
{
	u32 tries, r;

	for (tries = 0; tries < 1024; tries++) {
		r = nn->pfkey->next_reqid++;
		if (r <= IPSEC_MANUAL_REQID_MAX) {
			nn->pfkey->next_reqid = IPSEC_MANUAL_REQID_MAX + 1;
			continue;
		}
		if (!nfipsec_spd_walk(nn, uses_reqid, &r))
			return r;
	}
	return 0;
}

static int parse_tmpl(struct nfipsec_net *nn, struct nfipsec_policy *pol,
		      const struct sadb_x_ipsecrequest *rq)
{
	struct nfipsec_tmpl *t = &pol->tmpl[pol->ntmpl];
	const u8 *p = (const u8 *)(rq + 1);

	t->proto = rq->sadb_x_ipsecrequest_proto;
	t->mode = rq->sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL ?
		  NFIPSEC_MODE_TUNNEL : NFIPSEC_MODE_TRANSPORT;
	t->level = rq->sadb_x_ipsecrequest_level;
	/* An optional tunnel outbound would send clear text where the
	 * tunnel was meant (af_key refuses it too).
	 */
	if (t->level == IPSEC_LEVEL_USE && t->mode == NFIPSEC_MODE_TUNNEL &&
	    pol->dir == NFIPSEC_DIR_OUT)
		return -EINVAL;
	t->reqid = rq->sadb_x_ipsecrequest_reqid;
	if (t->level == IPSEC_LEVEL_UNIQUE) {
		if (t->reqid > IPSEC_MANUAL_REQID_MAX)
			t->reqid = 0;
		if (!t->reqid)
			t->reqid = new_reqid(nn);
		if (!t->reqid)
			return -ENOBUFS;
	}
	if (t->mode == NFIPSEC_MODE_TUNNEL) {
		/* Two sockaddrs back to back; pfkey_parse.c checked them. */
		const struct sockaddr *s = (const void *)p;

		t->family = s->sa_family;
		if (t->family == AF_INET) {
			const struct sockaddr_in *a = (const void *)p;

			t->saddr.ip = a[0].sin_addr.s_addr;
			t->daddr.ip = a[1].sin_addr.s_addr;
		} else {
			const struct sockaddr_in6 *a = (const void *)p;

			t->saddr.in6 = a[0].sin6_addr;
			t->daddr.in6 = a[1].sin6_addr;
		}
	}
	pol->ntmpl++;
	return 0;
}

/* The Name selector, if any (pfkey_parse.c checked its pattern). */
static int msg_name(const struct nfipsec_pfkey_msg *m,
		    struct nfipsec_policy *pol)
{
	const struct nfipsec_sadb_x_name *n = m->ext[NFIPSEC_SADB_X_EXT_NAME];
	const char *pat;
	size_t len;

	if (!n)
		return 0;
	pat = (const char *)(n + 1);
	len = strlen(pat);
	pol->name = kzalloc(sizeof(*pol->name) + len + 1, GFP_KERNEL);
	if (!pol->name)
		return -ENOMEM;
	pol->name->type = n->sadb_x_name_type;
	memcpy(pol->name->pat, pat, len);
	return 0;
}

static size_t name_size(const struct nfipsec_policy *pol)
{
	if (!pol->name)
		return 0;
	return ALIGN(sizeof(struct nfipsec_sadb_x_name) +
		     strlen(pol->name->pat) + 1, 8);
}

static int msg_policy(struct nfipsec_net *nn, const struct nfipsec_pfkey_msg *m,
		      struct nfipsec_policy *pol)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const struct sadb_lifetime *hard = m->ext[SADB_EXT_LIFETIME_HARD];
	const struct sadb_lifetime *soft = m->ext[SADB_EXT_LIFETIME_SOFT];
	const u8 *p = (const u8 *)(xp + 1);
	unsigned int left = xp->sadb_x_policy_len * 8 - sizeof(*xp);
	const struct sadb_lifetime *lt[2] = { soft, hard };
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		if (!lt[i])
			continue;
		if (lt[i]->sadb_lifetime_allocations ||
		    lt[i]->sadb_lifetime_bytes)
			return -EOPNOTSUPP;
		pol->lt_add[i] = lt[i]->sadb_lifetime_addtime;
		pol->lt_use[i] = lt[i]->sadb_lifetime_usetime;
	}
	if (xp->sadb_x_policy_dir < IPSEC_DIR_INBOUND ||
	    xp->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	pol->dir = xp->sadb_x_policy_dir - IPSEC_DIR_INBOUND;
	pol->priority = xp->sadb_x_policy_priority;
	switch (xp->sadb_x_policy_type) {
	case IPSEC_POLICY_DISCARD:
		pol->action = NFIPSEC_ACT_DISCARD;
		break;
	case IPSEC_POLICY_NONE:
	case IPSEC_POLICY_BYPASS:
		pol->action = NFIPSEC_ACT_BYPASS;
		break;
	case IPSEC_POLICY_IPSEC:
		pol->action = NFIPSEC_ACT_PROTECT;
		if (!left)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	nfipsec_pfkey_msg_sel(m, pol->dir, &pol->sel);
	ret = msg_name(m, pol);
	if (ret)
		return ret;
	/* The requests' bounds were checked by pfkey_parse.c. */
	while (left) {
		const struct sadb_x_ipsecrequest *rq = (const void *)p;

		ret = parse_tmpl(nn, pol, rq);
		if (ret)
			return ret;
		p += rq->sadb_x_ipsecrequest_len;
		left -= rq->sadb_x_ipsecrequest_len;
	}
	return 0;
}

/* ---- policy -> message ---- */

static unsigned int sockaddr_len(u8 family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
				   sizeof(struct sockaddr_in6);
}

static unsigned int rq_size(const struct nfipsec_tmpl *t)
{
	unsigned int n = sizeof(struct sadb_x_ipsecrequest);

	if (t->mode == NFIPSEC_MODE_TUNNEL)
		n += ALIGN(2 * sockaddr_len(t->family), 8);
	return n;
}

static void put_sockaddr(u8 *p, u8 family, const union nf_inet_addr *a)
{
	if (family == AF_INET) {
		struct sockaddr_in *sin = (void *)p;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = a->ip;
	} else {
		struct sockaddr_in6 *sin6 = (void *)p;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->in6;
	}
}

static void put_sel_addr(struct sk_buff *skb, u16 type, const struct nfipsec_sel *s,
			 const struct nfipsec_addr_range *r, u16 port_lo,
			 u16 port_hi)
{
	int plen = nfipsec_sel_prefixlen(r, s->family);
	__be16 port = port_lo == port_hi ? htons(port_lo) : 0;
	u8 proto = s->proto == NFIPSEC_PROTO_ANY ? IPSEC_ULPROTO_ANY : s->proto;

	/* Only PF_KEY makes policies, so ranges are prefixes; anything else
	 * is shown as its first address.
	 */
	if (plen < 0)
		plen = s->family == AF_INET ? 32 : 128;
	nfipsec_pfkey_put_addr(skb, type, s->family, &r->lo, port, proto,
			       plen);
}

static void put_requests(struct sadb_x_policy *xp,
			 const struct nfipsec_policy *pol)
{
	u8 *p = (u8 *)(xp + 1);
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++) {
		const struct nfipsec_tmpl *t = &pol->tmpl[i];
		struct sadb_x_ipsecrequest *rq = (void *)p;

		rq->sadb_x_ipsecrequest_len = rq_size(t);
		rq->sadb_x_ipsecrequest_proto = t->proto;
		rq->sadb_x_ipsecrequest_mode = t->mode;	/* = IPSEC_MODE_* */
		rq->sadb_x_ipsecrequest_level = t->level;
		rq->sadb_x_ipsecrequest_reqid = t->reqid;
		if (t->mode == NFIPSEC_MODE_TUNNEL) {
			/* Back to back, as af_key writes them. */
			put_sockaddr(p + sizeof(*rq), t->family, &t->saddr);
			put_sockaddr(p + sizeof(*rq) + sockaddr_len(t->family),
				     t->family, &t->daddr);
		}
		p += rq_size(t);
	}
}

static void put_policy_lifetime(struct sk_buff *skb, u16 type,
				const struct nfipsec_policy *pol, int i)
{
	struct sadb_lifetime *l;

	l = nfipsec_pfkey_put_ext(skb, type, sizeof(*l));
	l->sadb_lifetime_addtime = pol->lt_add[i];
	l->sadb_lifetime_usetime = pol->lt_use[i];
}

enum { WITH_SOFT = 1 << 0, WITH_HARD = 1 << 1 };

/* @pol as a message: SRC, DST, [HARD], [SOFT], CURRENT, POLICY, [NAME]. */
static struct sk_buff *policy_msg_lt(const struct nfipsec_policy *pol, u8 type,
				     u32 seq, u32 pid, unsigned int with)
{
	const struct nfipsec_sel *s = &pol->sel;
	bool out = dir_is_out(pol->dir), icmp = ports_are_icmp(s->proto);
	struct sadb_lifetime *l;
	struct sadb_x_policy *xp;
	struct sk_buff *skb;
	unsigned int i, plen = sizeof(*xp);
	size_t size;

	for (i = 0; i < pol->ntmpl; i++)
		plen += rq_size(&pol->tmpl[i]);
	size = sizeof(struct sadb_msg) + 2 * nfipsec_pfkey_addr_size(s->family) +
	       3 * sizeof(struct sadb_lifetime) + plen + name_size(pol);
	skb = nfipsec_pfkey_alloc(size, GFP_KERNEL, type, SADB_SATYPE_UNSPEC,
				  seq, pid);
	if (!skb)
		return NULL;
	if (out || icmp) {
		put_sel_addr(skb, SADB_EXT_ADDRESS_SRC, s,
			     out ? &s->local : &s->remote,
			     s->lport_lo, s->lport_hi);
		put_sel_addr(skb, SADB_EXT_ADDRESS_DST, s,
			     out ? &s->remote : &s->local,
			     s->rport_lo, s->rport_hi);
	} else {
		put_sel_addr(skb, SADB_EXT_ADDRESS_SRC, s, &s->remote,
			     s->rport_lo, s->rport_hi);
		put_sel_addr(skb, SADB_EXT_ADDRESS_DST, s, &s->local,
			     s->lport_lo, s->lport_hi);
	}
	/* 0 = no limit (af_key shows XFRM_INF). */
	if (with & WITH_HARD)
		put_policy_lifetime(skb, SADB_EXT_LIFETIME_HARD, pol, 1);
	if (with & WITH_SOFT)
		put_policy_lifetime(skb, SADB_EXT_LIFETIME_SOFT, pol, 0);
	l = nfipsec_pfkey_put_ext(skb, SADB_EXT_LIFETIME_CURRENT, sizeof(*l));
	l->sadb_lifetime_addtime = pol->add_time;
	l->sadb_lifetime_usetime = READ_ONCE(pol->use_time);

	xp = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_POLICY, plen);
	xp->sadb_x_policy_type =
		pol->action == NFIPSEC_ACT_DISCARD ? IPSEC_POLICY_DISCARD :
		pol->action == NFIPSEC_ACT_BYPASS ? IPSEC_POLICY_NONE :
		IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = pol->dir + IPSEC_DIR_INBOUND;
	xp->sadb_x_policy_id = pol->index;
	xp->sadb_x_policy_priority = pol->priority;
	put_requests(xp, pol);
	if (pol->name) {
		struct nfipsec_sadb_x_name *n;

		n = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_NAME,
					  name_size(pol));
		n->sadb_x_name_type = pol->name->type;
		memcpy(n + 1, pol->name->pat, strlen(pol->name->pat));
	}
	nfipsec_pfkey_finish(skb);
	return skb;
}

static struct sk_buff *policy_msg(const struct nfipsec_policy *pol, u8 type,
				  u32 seq, u32 pid)
{
	return policy_msg_lt(pol, type, seq, pid, WITH_SOFT | WITH_HARD);
}

/*
 * KAME's SADB_X_SPDEXPIRE (af_key sends none): the policy with
 * LIFETIME_CURRENT and the lifetime that ran out, to the sockets
 * REGISTERed for any SA type, seq and pid 0.
 */
int nfipsec_pfkey_spdexpire(struct nfipsec_net *nn,
			    const struct nfipsec_policy *pol, bool hard)
{
	struct sk_buff *skb;

	skb = policy_msg_lt(pol, SADB_X_SPDEXPIRE, 0, 0,
			    hard ? WITH_HARD : WITH_SOFT);
	return nfipsec_pfkey_broadcast(nn->net, skb, NFIPSEC_PFKEY_REGISTERED,
				       NULL, 0);
}

/* ---- handlers ---- */

/* Tell every socket; the sender's copy must arrive. */
static int notify_policy(struct sock *sk, const struct nfipsec_policy *pol,
			 const struct sadb_msg *req)
{
	u8 type = req->sadb_msg_type;
	struct sk_buff *skb;

	if (type == SADB_X_SPDSETIDX)
		type = SADB_X_SPDADD;
	skb = policy_msg(pol, type, req->sadb_msg_seq, req->sadb_msg_pid);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

int nfipsec_pfkey_spdadd(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m)
{
	struct nfipsec_policy *pol;
	int ret;

	lockdep_assert_held(&nn->cfg_lock);
	pol = nfipsec_policy_alloc(GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	ret = msg_policy(nn, m, pol);
	if (ret)
		goto out;
	if (pol->name)
		WRITE_ONCE(nn->pfkey->names_used, true);
	/* The SPD takes our reference; keep one for the notification. */
	kref_get(&pol->ref);
	ret = nfipsec_spd_add(nn, pol,
			      m->hdr->sadb_msg_type == SADB_X_SPDUPDATE);
	if (ret) {
		nfipsec_policy_put(pol);
		goto out;
	}
	nfipsec_pfkey_lifetime_arm_policy(nn, pol);
	ret = notify_policy(sk, pol, m->hdr);
out:
	nfipsec_policy_put(pol);
	return ret;
}

int nfipsec_pfkey_spddelete(struct sock *sk, struct nfipsec_net *nn,
			    const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	struct nfipsec_policy *pol;
	struct nfipsec_sel sel;
	int ret;
	u8 dir;

	lockdep_assert_held(&nn->cfg_lock);
	if (xp->sadb_x_policy_dir < IPSEC_DIR_INBOUND ||
	    xp->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	dir = xp->sadb_x_policy_dir - IPSEC_DIR_INBOUND;
	nfipsec_pfkey_msg_sel(m, dir, &sel);
	pol = nfipsec_spd_del_sel(nn, dir, &sel);
	if (IS_ERR(pol))
		return PTR_ERR(pol);
	ret = notify_policy(sk, pol, m->hdr);
	nfipsec_policy_put(pol);
	return ret;
}

/* SPDGET and SPDDELETE2: the policy named by sadb_x_policy_id. */
int nfipsec_pfkey_spdget(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	struct nfipsec_policy *pol;
	struct sk_buff *skb;

	lockdep_assert_held(&nn->cfg_lock);
	if (m->hdr->sadb_msg_type == SADB_X_SPDDELETE2) {
		pol = nfipsec_spd_del_index(nn, xp->sadb_x_policy_id);
		if (IS_ERR(pol))
			return PTR_ERR(pol);
		skb = policy_msg(pol, SADB_X_SPDDELETE2, m->hdr->sadb_msg_seq,
				 m->hdr->sadb_msg_pid);
		nfipsec_policy_put(pol);
		return nfipsec_pfkey_broadcast(sock_net(sk), skb,
					       NFIPSEC_PFKEY_ALL, sk, 0);
	}
	pol = nfipsec_spd_get_index(nn, xp->sadb_x_policy_id);
	if (!pol)
		return -ENOENT;
	skb = policy_msg(pol, SADB_X_SPDGET, m->hdr->sadb_msg_seq,
			 m->hdr->sadb_msg_pid);
	nfipsec_policy_put(pol);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ONE,
				       sk, 0);
}

int nfipsec_pfkey_spdflush(struct sock *sk, struct nfipsec_net *nn,
			   const struct nfipsec_pfkey_msg *m)
{
	struct sk_buff *skb;

	lockdep_assert_held(&nn->cfg_lock);
	nfipsec_spd_flush(nn);
	skb = nfipsec_pfkey_alloc(sizeof(struct sadb_msg), GFP_KERNEL,
				  SADB_X_SPDFLUSH, m->hdr->sadb_msg_satype,
				  m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

static struct sk_buff *dump_build(void *item, const struct sadb_msg *req)
{
	return policy_msg(item, SADB_X_SPDDUMP, 0, req->sadb_msg_pid);
}

static void dump_put(void *item)
{
	nfipsec_policy_put(item);
}

static const struct nfipsec_pfkey_dump_ops dump_ops = {
	.build = dump_build,
	.put = dump_put,
};

struct snap {
	void **items;
	unsigned int n, max;
};

static int count_one(struct nfipsec_policy *pol, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

static int snap_one(struct nfipsec_policy *pol, void *arg)
{
	struct snap *s = arg;

	if (WARN_ON_ONCE(s->n == s->max))
		return -EOVERFLOW;
	kref_get(&pol->ref);
	s->items[s->n++] = pol;
	return 0;
}

int nfipsec_pfkey_spddump(struct sock *sk, struct nfipsec_net *nn,
			  const struct nfipsec_pfkey_msg *m)
{
	struct snap s = {};

	lockdep_assert_held(&nn->cfg_lock);
	nfipsec_spd_walk(nn, count_one, &s.max);
	s.items = kvmalloc_array(max(s.max, 1U), sizeof(void *), GFP_KERNEL);
	if (!s.items)
		return -ENOMEM;
	nfipsec_spd_walk(nn, snap_one, &s);
	return nfipsec_pfkey_dump_start(sk, m->hdr, &dump_ops, s.items, s.n);
}
