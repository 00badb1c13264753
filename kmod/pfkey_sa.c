// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY's SAD messages (RFC 2367 §3.1.1 - §3.1.10), acting on sad.c.
 * Every handler runs with cfg_lock held (pfkey.c takes it) and has already
 * passed pfkey_parse.c, so the extensions it reads are present and sound.
 *
 * Who hears the answer, as af_key does it:
 *   GETSPI, GET, REGISTER(to the registered), DUMP    -> the sender
 *   UPDATE, ADD, DELETE, FLUSH                        -> every socket
 * Replies to UPDATE, ADD and DELETE carry no keys (RFC 2367 §3.1.2-4);
 * GET and DUMP do, as setkey -D expects.
 *
 * Semantics worth knowing:
 *  - sadb_sa_replay counts packets (RFC 2367, af_key). af_key clamps it to
 *    32; nfipsec does not. NFIPSEC_SADB_X_EXT_SA_REPLAY gives windows past
 *    255 (uapi/nfipsec_pfkey.h).
 *  - sadb_sa_state is ignored on ADD (KAME setkey sends LARVAL; af_key
 *    ignores it too).
 *  - An SA with no X_SA2 is transport mode, reqid 0. IPSEC_MODE_ANY means
 *    transport, as in af_key.
 *  - UPDATE of a larval SA (from GETSPI) replaces it with the full SA.
 *    UPDATE of a mature SA changes its lifetimes only; different keys or
 *    algorithms are -EINVAL (delete and add instead).
 *  - Time lifetimes (add and use seconds, soft and hard) and the 30 s a
 *    larval SA has to be UPDATEd are enforced by pfkey_lifetime.c.
 *  - X_NAT_T_TYPE must be UDP_ENCAP_ESPINUDP (RFC 3948; natt.c does the
 *    data path); X_NAT_T_OA is accepted and unused: in transport mode
 *    the ICV stands in for the inner checksum, as in Linux.
 */
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>

#include "netns.h"
#include "pfkey.h"
#include "sa.h"
#include "spd.h"

#define SPI_DEFAULT_MIN		0x100		/* 1..255: IANA (RFC 4303) */
#define SPI_DEFAULT_MAX		0x0fffffff	/* af_key's */

static u8 msg_addrs(const struct nfipsec_pfkey_msg *m,
		    union nf_inet_addr *saddr, union nf_inet_addr *daddr)
{
	nfipsec_pfkey_addr(m->ext[SADB_EXT_ADDRESS_SRC], saddr, NULL);
	return nfipsec_pfkey_addr(m->ext[SADB_EXT_ADDRESS_DST], daddr, NULL);
}

/* Must be called with cfg_lock held. The SA the message's SA, proto and
 * destination name, or NULL.
 */
static struct nfipsec_sa *msg_find(struct nfipsec_net *nn,
				   const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	union nf_inet_addr saddr, daddr;
	u8 family = msg_addrs(m, &saddr, &daddr);

	return nfipsec_sad_find(nn,
				nfipsec_pfkey_satype2proto(m->hdr->sadb_msg_satype),
				s->sadb_sa_spi, family, &daddr);
}

static void get_lifetime(const struct sadb_lifetime *l,
			 struct nfipsec_lifetime *lt)
{
	memset(lt, 0, sizeof(*lt));
	if (!l)
		return;
	lt->packets = l->sadb_lifetime_allocations;
	lt->bytes = l->sadb_lifetime_bytes;
	lt->add_seconds = l->sadb_lifetime_addtime;
	lt->use_seconds = l->sadb_lifetime_usetime;
}

static u8 *dup_key(const struct sadb_key *k)
{
	if (!k || !k->sadb_key_bits)
		return NULL;
	return kmemdup(k + 1, DIV_ROUND_UP(k->sadb_key_bits, 8), GFP_KERNEL);
}

static struct sadb_ident *dup_ident(const struct sadb_ident *id)
{
	return id ? kmemdup(id, id->sadb_ident_len * 8, GFP_KERNEL) : NULL;
}

/* A whole extension, as validated by pfkey_parse.c; NULL if absent. */
static void *dup_ext(const void *p)
{
	const struct sadb_ext *e = p;

	return e ? kmemdup(e, e->sadb_ext_len * 8, GFP_KERNEL) : NULL;
}

/*
 * sadb_sa_auth as the SA keeps it: KAME's SADB_X_AALG_NULL ("-A null",
 * as af_key takes it) is no integrity algorithm at all, so ESP with a
 * real cipher is confidentiality only (RFC 4303 §3.2 allows it), and
 * ESP NULL or AH with it is refused like any SA that protects nothing.
 */
static u8 msg_aalg(const struct sadb_sa *s)
{
	return s->sadb_sa_auth == SADB_X_AALG_NULL ? SADB_AALG_NONE :
						     s->sadb_sa_auth;
}

/* The algorithms and keys of an ADD/UPDATE: known, of a usable size, and
 * a combination ESP or AH can run.
 */
static int check_algs(u8 proto, const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	const struct sadb_key *ak = m->ext[SADB_EXT_KEY_AUTH];
	const struct sadb_key *ek = m->ext[SADB_EXT_KEY_ENCRYPT];
	const struct nfipsec_pfkey_alg *a = NULL, *e = NULL;

	if (s->sadb_sa_auth == SADB_X_AALG_NULL) {
		if (ak && ak->sadb_key_bits)
			return -EINVAL;		/* a key for no algorithm */
	} else if (s->sadb_sa_auth) {
		a = nfipsec_pfkey_aalg(s->sadb_sa_auth);
		if (!a)
			return -ENOPROTOOPT;
		if (!nfipsec_pfkey_key_ok(a, ak->sadb_key_bits))
			return -EINVAL;
	} else if (ak) {
		return -EINVAL;		/* a key for no algorithm */
	}
	if (proto == IPPROTO_AH)
		return a ? 0 : -EINVAL;

	e = nfipsec_pfkey_ealg(s->sadb_sa_encrypt);
	if (!e)
		return -ENOPROTOOPT;
	if (!nfipsec_pfkey_key_ok(e, ek->sadb_key_bits))
		return -EINVAL;
	if (nfipsec_pfkey_ealg_is_aead(e->id))
		return a ? -EINVAL : 0;		/* integrity is built in */
	if (e->id == SADB_EALG_NULL && !a)
		return -EINVAL;			/* RFC 4303 §3.2 */
	return 0;
}

static int msg_replay(const struct nfipsec_pfkey_msg *m, u32 *window)
{
	const struct nfipsec_sadb_x_sa_replay *r;
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];

	r = m->ext[NFIPSEC_SADB_X_EXT_SA_REPLAY];
	*window = r ? r->sadb_x_sa_replay_replay : s->sadb_sa_replay;
	return *window > NFIPSEC_REPLAY_MAX ? -EINVAL : 0;
}

/* Everything an SA takes from the wire except its state and crypto. */
static int fill_sa(struct nfipsec_sa *sa, const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	const struct sadb_x_sa2 *sa2 = m->ext[SADB_X_EXT_SA2];
	const struct sadb_x_nat_t_type *nt = m->ext[SADB_X_EXT_NAT_T_TYPE];
	const struct nfipsec_sadb_x_sa_mark *mk =
		m->ext[NFIPSEC_SADB_X_EXT_SA_MARK];
	const struct sadb_key *ak = m->ext[SADB_EXT_KEY_AUTH];
	const struct sadb_key *ek = m->ext[SADB_EXT_KEY_ENCRYPT];
	const struct nfipsec_sadb_x_tunnel_hdr *th =
		m->ext[NFIPSEC_SADB_X_EXT_TUNNEL_HDR];
	const struct nfipsec_sadb_x_tfc *tfc = m->ext[NFIPSEC_SADB_X_EXT_TFC];
	u32 window;
	int ret;

	ret = msg_replay(m, &window);
	if (ret)
		return ret;
	sa->proto = nfipsec_pfkey_satype2proto(m->hdr->sadb_msg_satype);
	sa->spi = s->sadb_sa_spi;
	sa->family = msg_addrs(m, &sa->saddr, &sa->daddr);
	sa->mode = sa2 && sa2->sadb_x_sa2_mode == IPSEC_MODE_TUNNEL ?
		   NFIPSEC_MODE_TUNNEL : NFIPSEC_MODE_TRANSPORT;
	sa->reqid = sa2 ? sa2->sadb_x_sa2_reqid : 0;
	sa->seq = m->hdr->sadb_msg_seq;
	if (s->sadb_sa_flags & SADB_SAFLAGS_NOECN)
		sa->flags |= NFIPSEC_SAF_NOECN;
	if (s->sadb_sa_flags & SADB_SAFLAGS_DECAP_DSCP)
		sa->flags |= NFIPSEC_SAF_DECAP_DSCP;
	if (s->sadb_sa_flags & SADB_SAFLAGS_NOPMTUDISC)
		sa->flags |= NFIPSEC_SAF_NOPMTUDISC;
	if (th) {
		sa->df_mode = th->sadb_x_tunnel_hdr_df;
		sa->dscp_mode = th->sadb_x_tunnel_hdr_dscp_mode;
		sa->dscp = th->sadb_x_tunnel_hdr_dscp;
	}
	if (tfc && tfc->sadb_x_tfc_padto) {
		/* Only a tunnel's inner header tells the padding from data. */
		if (sa->proto != IPPROTO_ESP || sa->mode != NFIPSEC_MODE_TUNNEL)
			return -EINVAL;
		sa->tfc_padto = tfc->sadb_x_tfc_padto;
	}
	get_lifetime(m->ext[SADB_EXT_LIFETIME_HARD], &sa->hard);
	get_lifetime(m->ext[SADB_EXT_LIFETIME_SOFT], &sa->soft);

	/* Any inner traffic: PF_KEY gives SAs no selector of their own. */
	sa->sel.family = sa->family;
	nfipsec_sel_set_prefix(&sa->sel.local, sa->family, &sa->saddr, 0);
	nfipsec_sel_set_prefix(&sa->sel.remote, sa->family, &sa->daddr, 0);
	sa->sel.lport_hi = U16_MAX;
	sa->sel.rport_hi = U16_MAX;

	if (nt) {
		const struct sadb_x_nat_t_port *sp, *dp;

		/* RFC 3948 only: not the old draft's 8-byte non-IKE marker. */
		if (nt->sadb_x_nat_t_type_type == UDP_ENCAP_ESPINUDP_NON_IKE)
			return -EOPNOTSUPP;
		if (sa->proto != IPPROTO_ESP ||
		    nt->sadb_x_nat_t_type_type != UDP_ENCAP_ESPINUDP)
			return -EINVAL;
		sp = m->ext[SADB_X_EXT_NAT_T_SPORT];
		dp = m->ext[SADB_X_EXT_NAT_T_DPORT];
		sa->encap_type = nt->sadb_x_nat_t_type_type;
		sa->encap_sport = sp ? sp->sadb_x_nat_t_port_port : 0;
		sa->encap_dport = dp ? dp->sadb_x_nat_t_port_port : 0;
	}

	if (mk) {
		sa->mark_value = mk->sadb_x_sa_mark_value;
		sa->mark_mask = mk->sadb_x_sa_mark_mask;
	}
	sa->aalg = msg_aalg(s);
	sa->ealg = sa->proto == IPPROTO_ESP ? s->sadb_sa_encrypt : 0;
	sa->akey_bits = ak ? ak->sadb_key_bits : 0;
	sa->ekey_bits = ek ? ek->sadb_key_bits : 0;
	sa->akey = dup_key(ak);
	sa->ekey = dup_key(ek);
	sa->ident_src = dup_ident(m->ext[SADB_EXT_IDENTITY_SRC]);
	sa->ident_dst = dup_ident(m->ext[SADB_EXT_IDENTITY_DST]);
	sa->sens = dup_ext(m->ext[SADB_EXT_SENSITIVITY]);
	if ((sa->akey_bits && !sa->akey) || (sa->ekey_bits && !sa->ekey) ||
	    (m->ext[SADB_EXT_IDENTITY_SRC] && !sa->ident_src) ||
	    (m->ext[SADB_EXT_IDENTITY_DST] && !sa->ident_dst) ||
	    (m->ext[SADB_EXT_SENSITIVITY] && !sa->sens))
		return -ENOMEM;
	return nfipsec_replay_init(&sa->replay, window, GFP_KERNEL);
}

/* Tell every socket about @sa, without its keys; @sk's copy must arrive. */
static int notify_sa(struct sock *sk, const struct nfipsec_sa *sa,
		     const struct sadb_msg *req)
{
	struct sk_buff *skb;

	skb = nfipsec_pfkey_sa_msg(sa, req->sadb_msg_type, req->sadb_msg_seq,
				   req->sadb_msg_pid, 0, GFP_KERNEL);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

static bool same_key(const struct sadb_key *k, const u8 *key, u16 bits)
{
	if (!k)
		return true;	/* not restated */
	return k->sadb_key_bits == bits &&
	       (!bits || !memcmp(k + 1, key, DIV_ROUND_UP(bits, 8)));
}

/* UPDATE of a mature SA: new lifetimes. The algorithms and keys may be
 * restated (the parser wants ESP's key in every UPDATE) but not changed.
 */
static int update_mature(struct sock *sk, struct nfipsec_sa *sa,
			 const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];

	if (!same_key(m->ext[SADB_EXT_KEY_AUTH], sa->akey, sa->akey_bits) ||
	    !same_key(m->ext[SADB_EXT_KEY_ENCRYPT], sa->ekey, sa->ekey_bits) ||
	    msg_aalg(s) != sa->aalg ||
	    (sa->proto == IPPROTO_ESP && s->sadb_sa_encrypt != sa->ealg))
		return -EINVAL;
	get_lifetime(m->ext[SADB_EXT_LIFETIME_HARD], &sa->hard);
	get_lifetime(m->ext[SADB_EXT_LIFETIME_SOFT], &sa->soft);
	nfipsec_pfkey_lifetime_arm(sa->nn, sa);
	return notify_sa(sk, sa, m->hdr);
}

int nfipsec_pfkey_add(struct sock *sk, struct nfipsec_net *nn,
		      const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_sa *s = m->ext[SADB_EXT_SA];
	u8 proto = nfipsec_pfkey_satype2proto(m->hdr->sadb_msg_satype);
	struct nfipsec_sa *sa, *old = NULL;
	int ret;

	lockdep_assert_held(&nn->cfg_lock);
	if (!s->sadb_sa_spi)
		return -EINVAL;
	if (m->hdr->sadb_msg_type == SADB_UPDATE) {
		old = msg_find(nn, m);
		if (!old)
			return -ESRCH;
		if (old->state != NFIPSEC_SA_LARVAL)
			return update_mature(sk, old, m);
	}
	ret = check_algs(proto, m);
	if (ret)
		return ret;

	sa = nfipsec_sa_alloc(nn, GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	ret = fill_sa(sa, m);
	if (ret)
		goto err;
	sa->add_time = ktime_get_real_seconds();
	ret = nfipsec_sa_init_crypto(sa);
	if (ret)
		goto err;
	sa->state = NFIPSEC_SA_MATURE;
	if (old) {
		/* The larval SA gives up its place (and SPI) to the new one. */
		if (old->family != sa->family)
			ret = -EINVAL;
		else
			nfipsec_sad_del(nn, old);
	}
	if (!ret)
		ret = nfipsec_sad_add(nn, sa);
	if (ret)
		goto err;
	nfipsec_pfkey_lifetime_arm(nn, sa);
	return notify_sa(sk, sa, m->hdr);

err:
	sa->state = NFIPSEC_SA_DEAD;
	nfipsec_sa_put(sa);
	return ret;
}

int nfipsec_pfkey_getspi(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_spirange *r = m->ext[SADB_EXT_SPIRANGE];
	const struct sadb_x_sa2 *sa2 = m->ext[SADB_X_EXT_SA2];
	const struct sadb_msg *hdr = m->hdr;
	union nf_inet_addr saddr, daddr;
	u32 lo = SPI_DEFAULT_MIN, hi = SPI_DEFAULT_MAX;
	struct nfipsec_sa *sa;
	struct sk_buff *skb;
	u8 family;
	int ret;

	lockdep_assert_held(&nn->cfg_lock);
	family = msg_addrs(m, &saddr, &daddr);
	/* The same GETSPI again (a retransmission): the same answer. */
	sa = nfipsec_sad_find_larval(nn, hdr->sadb_msg_seq, family, &daddr);
	if (sa)
		goto reply;

	if (r) {
		lo = max_t(u32, r->sadb_spirange_min, SPI_DEFAULT_MIN);
		hi = r->sadb_spirange_max;
		if (lo > hi)
			return -EINVAL;
	}
	sa = nfipsec_sa_alloc(nn, GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	sa->proto = nfipsec_pfkey_satype2proto(hdr->sadb_msg_satype);
	sa->family = family;
	sa->saddr = saddr;
	sa->daddr = daddr;
	sa->mode = sa2 && sa2->sadb_x_sa2_mode == IPSEC_MODE_TUNNEL ?
		   NFIPSEC_MODE_TUNNEL : NFIPSEC_MODE_TRANSPORT;
	sa->reqid = sa2 ? sa2->sadb_x_sa2_reqid : 0;
	sa->seq = hdr->sadb_msg_seq;
	sa->state = NFIPSEC_SA_LARVAL;
	sa->add_time = ktime_get_real_seconds();
	ret = nfipsec_sad_alloc_spi(nn, sa->proto, family, &daddr, lo, hi,
				    &sa->spi);
	if (!ret)
		ret = nfipsec_sad_add(nn, sa);
	if (ret) {
		sa->state = NFIPSEC_SA_DEAD;
		nfipsec_sa_put(sa);
		return ret;
	}
	nfipsec_pfkey_lifetime_arm(nn, sa);
reply:
	skb = nfipsec_pfkey_sa_msg(sa, SADB_GETSPI, hdr->sadb_msg_seq,
				   hdr->sadb_msg_pid, 0, GFP_KERNEL);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ONE,
				       sk, 0);
}

int nfipsec_pfkey_delete(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m)
{
	struct nfipsec_sa *sa;
	struct sk_buff *skb;

	lockdep_assert_held(&nn->cfg_lock);
	sa = msg_find(nn, m);
	if (!sa)
		return -ESRCH;
	/* Described before it goes: the SAD's reference may be the last. */
	skb = nfipsec_pfkey_sa_msg(sa, SADB_DELETE, m->hdr->sadb_msg_seq,
				   m->hdr->sadb_msg_pid, 0, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	nfipsec_sad_del(nn, sa);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

int nfipsec_pfkey_get(struct sock *sk, struct nfipsec_net *nn,
		      const struct nfipsec_pfkey_msg *m)
{
	struct nfipsec_sa *sa;
	struct sk_buff *skb;

	lockdep_assert_held(&nn->cfg_lock);
	sa = msg_find(nn, m);
	if (!sa)
		return -ESRCH;
	skb = nfipsec_pfkey_sa_msg(sa, SADB_GET, m->hdr->sadb_msg_seq,
				   m->hdr->sadb_msg_pid, NFIPSEC_PFKEY_KEYS |
				   (m->ext[NFIPSEC_SADB_X_EXT_SA_STATS] ?
				    NFIPSEC_PFKEY_STATS : 0), GFP_KERNEL);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ONE,
				       sk, 0);
}

struct acq_fail {
	u32 seq;
	struct nfipsec_sa *sa;
};

static int find_seq(struct nfipsec_sa *sa, void *arg)
{
	struct acq_fail *f = arg;

	if (sa->state != NFIPSEC_SA_LARVAL || sa->seq != f->seq)
		return 0;
	f->sa = sa;
	return 1;
}

/*
 * A key manager's ACQUIRE: RFC 2367 §3.1.6's way of saying it could not
 * negotiate what the kernel's ACQUIRE with this seq asked for. The larval
 * SA its GETSPI made, if any, goes; the data path then ACQUIREs again when
 * traffic asks. Like af_key, no reply.
 */
int nfipsec_pfkey_acquire_reply(struct sock *sk, struct nfipsec_net *nn,
				const struct nfipsec_pfkey_msg *m)
{
	struct acq_fail f = { .seq = m->hdr->sadb_msg_seq };

	lockdep_assert_held(&nn->cfg_lock);
	if (!f.seq || !m->hdr->sadb_msg_errno)
		return -EINVAL;
	if (nfipsec_sad_walk(nn, 0, find_seq, &f))
		nfipsec_sad_del(nn, f.sa);
	return 0;
}

int nfipsec_pfkey_register(struct sock *sk, struct nfipsec_net *nn,
			   const struct nfipsec_pfkey_msg *m)
{
	u8 satype = m->hdr->sadb_msg_satype;
	u32 reg = nfipsec_pfkey_registered(sk);
	struct sk_buff *skb;
	int ret;

	lockdep_assert_held(&nn->cfg_lock);
	if (satype != SADB_SATYPE_UNSPEC) {
		if (reg & BIT(satype))
			return -EEXIST;
		nfipsec_pfkey_set_registered(sk, reg | BIT(satype));
	}
	skb = nfipsec_pfkey_supported(m->hdr);
	if (!skb)
		ret = -ENOBUFS;
	else
		ret = nfipsec_pfkey_broadcast(sock_net(sk), skb,
					      NFIPSEC_PFKEY_REGISTERED, sk,
					      satype);
	if (ret && satype != SADB_SATYPE_UNSPEC)
		nfipsec_pfkey_set_registered(sk, reg);
	return ret;
}

int nfipsec_pfkey_flush(struct sock *sk, struct nfipsec_net *nn,
			const struct nfipsec_pfkey_msg *m)
{
	struct sk_buff *skb;

	lockdep_assert_held(&nn->cfg_lock);
	nfipsec_sad_flush(nn,
			  nfipsec_pfkey_satype2proto(m->hdr->sadb_msg_satype));
	skb = nfipsec_pfkey_alloc(sizeof(struct sadb_msg), GFP_KERNEL,
				  SADB_FLUSH, m->hdr->sadb_msg_satype,
				  m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid);
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

/* ---- DUMP ---- */

static struct sk_buff *dump_build(void *item, const struct sadb_msg *req)
{
	/* The request's header only: sadb_msg_reserved carries the flags
	 * nfipsec_pfkey_dump() chose (zero on the wire, checked).
	 */
	return nfipsec_pfkey_sa_msg(item, SADB_DUMP, 0, req->sadb_msg_pid,
				    NFIPSEC_PFKEY_KEYS | req->sadb_msg_reserved,
				    GFP_KERNEL);
}

static void dump_put(void *item)
{
	nfipsec_sa_put(item);
}

static const struct nfipsec_pfkey_dump_ops dump_ops = {
	.build = dump_build,
	.put = dump_put,
};

struct snap {
	void **items;
	unsigned int n, max;
	const struct sadb_x_filter *filter;
};

static bool prefix_match(u8 family, const union nf_inet_addr *a,
			 const __u32 *p, u8 plen)
{
	union nf_inet_addr lo, hi;
	struct nfipsec_addr_range r;

	memcpy(&lo, p, sizeof(lo));
	nfipsec_sel_set_prefix(&r, family, &lo, plen);
	hi = r.hi;
	lo = r.lo;
	if (family == AF_INET)
		return ntohl(a->ip) >= ntohl(lo.ip) &&
		       ntohl(a->ip) <= ntohl(hi.ip);
	return memcmp(a, &lo, 16) >= 0 && memcmp(a, &hi, 16) <= 0;
}

static int snap_one(struct nfipsec_sa *sa, void *arg)
{
	const struct sadb_x_filter *f;
	struct snap *s = arg;

	f = s->filter;
	if (f && (sa->family != f->sadb_x_filter_family ||
		  !prefix_match(sa->family, &sa->saddr, f->sadb_x_filter_saddr,
				f->sadb_x_filter_splen) ||
		  !prefix_match(sa->family, &sa->daddr, f->sadb_x_filter_daddr,
				f->sadb_x_filter_dplen)))
		return 0;
	if (WARN_ON_ONCE(s->n == s->max) || !nfipsec_sa_get(sa))
		return 0;
	s->items[s->n++] = sa;
	return 0;
}

int nfipsec_pfkey_dump(struct sock *sk, struct nfipsec_net *nn,
		       const struct nfipsec_pfkey_msg *m)
{
	struct snap s = { .filter = m->ext[SADB_X_EXT_FILTER] };
	struct sadb_msg req = *m->hdr;

	lockdep_assert_held(&nn->cfg_lock);
	s.max = nfipsec_sad_count(nn);
	s.items = kvmalloc_array(max(s.max, 1U), sizeof(void *), GFP_KERNEL);
	if (!s.items)
		return -ENOMEM;
	nfipsec_sad_walk(nn,
			 nfipsec_pfkey_satype2proto(m->hdr->sadb_msg_satype),
			 snap_one, &s);
	req.sadb_msg_reserved = m->ext[NFIPSEC_SADB_X_EXT_SA_STATS] ?
				NFIPSEC_PFKEY_STATS : 0;
	return nfipsec_pfkey_dump_start(sk, &req, &dump_ops, s.items, s.n);
}
