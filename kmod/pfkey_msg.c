// SPDX-License-Identifier: GPL-2.0
/*
 * Messages the kernel composes: an SA as PF_KEY describes it (replies to
 * GETSPI, UPDATE, ADD, GET, DUMP, DELETE), and the two the packet path
 * sends on its own, ACQUIRE and EXPIRE. The layout of an SA message is
 * af_key's, extension for extension, so clients that parse af_key's
 * replies parse these:
 *
 *   base, SA, [LIFETIME_HARD], [LIFETIME_SOFT], LIFETIME_CURRENT,
 *   ADDRESS_SRC, ADDRESS_DST, [KEY_AUTH], [KEY_ENCRYPT], X_SA2,
 *   [X_NAT_T_TYPE, X_NAT_T_SPORT, X_NAT_T_DPORT],
 *   then nfipsec's: [IDENTITY_SRC], [IDENTITY_DST], [X_SA_MARK],
 *   [X_SA_REPLAY], [X_TUNNEL_HDR], [X_TFC], [X_SA_STATS]
 */
#include <linux/in.h>
#include <linux/skbuff.h>

#include "netns.h"
#include "pfkey.h"
#include "sa.h"
#include "spd.h"

enum {
	WITH_KEYS = NFIPSEC_PFKEY_KEYS,
	WITH_STATS = NFIPSEC_PFKEY_STATS,
	WITH_HARD = 1 << 2,
	WITH_SOFT = 1 << 3,
};

static size_t ident_size(const struct sadb_ident *id)
{
	return id ? id->sadb_ident_len * 8 : 0;
}

static size_t key_size(u16 bits)
{
	return bits ? ALIGN(sizeof(struct sadb_key) + DIV_ROUND_UP(bits, 8),
			    8) : 0;
}

static void put_key(struct sk_buff *skb, u16 type, const u8 *key, u16 bits)
{
	struct sadb_key *k;

	if (!bits)
		return;
	k = nfipsec_pfkey_put_ext(skb, type, key_size(bits));
	k->sadb_key_bits = bits;
	memcpy(k + 1, key, DIV_ROUND_UP(bits, 8));
}

static void put_lifetime(struct sk_buff *skb, u16 type,
			 const struct nfipsec_lifetime *lt)
{
	struct sadb_lifetime *l;

	l = nfipsec_pfkey_put_ext(skb, type, sizeof(*l));
	l->sadb_lifetime_allocations = min_t(u64, lt->packets, U32_MAX);
	l->sadb_lifetime_bytes = lt->bytes;
	l->sadb_lifetime_addtime = lt->add_seconds;
	l->sadb_lifetime_usetime = lt->use_seconds;
}

static void put_current(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct sadb_lifetime *l;
	u64 packets = 0, bytes = 0;
	int cpu;

	if (sa->stats) {
		for_each_possible_cpu(cpu) {
			const struct nfipsec_sa_stats *s;

			s = per_cpu_ptr(sa->stats, cpu);
			packets += READ_ONCE(s->packets);
			bytes += READ_ONCE(s->bytes);
		}
	}
	l = nfipsec_pfkey_put_ext(skb, SADB_EXT_LIFETIME_CURRENT, sizeof(*l));
	l->sadb_lifetime_allocations = min_t(u64, packets, U32_MAX);
	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = sa->add_time;
	l->sadb_lifetime_usetime = READ_ONCE(sa->use_time);
}

static void put_stats(struct sk_buff *skb, const struct nfipsec_sa *sa)
{
	struct nfipsec_sadb_x_sa_stats *st;
	int cpu;

	st = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_SA_STATS,
				   sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct nfipsec_sa_stats *s = per_cpu_ptr(sa->stats, cpu);

		st->sadb_x_sa_stats_packets += READ_ONCE(s->packets);
		st->sadb_x_sa_stats_bytes += READ_ONCE(s->bytes);
		st->sadb_x_sa_stats_errors += READ_ONCE(s->errors);
		st->sadb_x_sa_stats_replay += READ_ONCE(s->replay);
		st->sadb_x_sa_stats_icv_fail += READ_ONCE(s->icv_fail);
	}
}

static u8 sa_state(const struct nfipsec_sa *sa)
{
	switch (READ_ONCE(sa->state)) {
	case NFIPSEC_SA_LARVAL:
		return SADB_SASTATE_LARVAL;
	case NFIPSEC_SA_MATURE:
		return SADB_SASTATE_MATURE;
	case NFIPSEC_SA_DYING:
		return SADB_SASTATE_DYING;
	}
	return SADB_SASTATE_DEAD;
}

static u32 sa_flags(const struct nfipsec_sa *sa)
{
	u32 f = 0;

	if (sa->flags & NFIPSEC_SAF_NOECN)
		f |= SADB_SAFLAGS_NOECN;
	if (sa->flags & NFIPSEC_SAF_DECAP_DSCP)
		f |= SADB_SAFLAGS_DECAP_DSCP;
	if (sa->flags & NFIPSEC_SAF_NOPMTUDISC)
		f |= SADB_SAFLAGS_NOPMTUDISC;
	return f;
}

static struct sk_buff *sa_msg(const struct nfipsec_sa *sa, u8 type, u32 seq,
			      u32 pid, unsigned int with, gfp_t gfp)
{
	unsigned int asize = nfipsec_pfkey_addr_size(sa->family);
	unsigned int bits = sa->family == AF_INET ? 32 : 128;
	bool keys = with & WITH_KEYS;
	struct sadb_x_sa2 *sa2;
	struct sk_buff *skb;
	struct sadb_sa *s;
	size_t size;

	size = sizeof(struct sadb_msg) + sizeof(struct sadb_sa) +
	       sizeof(struct sadb_lifetime) * (1 + !!(with & WITH_HARD) +
					       !!(with & WITH_SOFT)) +
	       2 * asize + sizeof(struct sadb_x_sa2) +
	       ident_size(sa->ident_src) + ident_size(sa->ident_dst) +
	       (sa->sens ? sa->sens->sadb_sens_len * 8 : 0) +
	       sizeof(struct nfipsec_sadb_x_sa_replay) +
	       sizeof(struct nfipsec_sadb_x_sa_mark) +
	       sizeof(struct nfipsec_sadb_x_tunnel_hdr) +
	       sizeof(struct nfipsec_sadb_x_tfc) +
	       sizeof(struct nfipsec_sadb_x_sa_stats);
	if (keys)
		size += key_size(sa->akey_bits) + key_size(sa->ekey_bits);
	if (sa->encap_type)
		size += sizeof(struct sadb_x_nat_t_type) +
			2 * sizeof(struct sadb_x_nat_t_port);

	skb = nfipsec_pfkey_alloc(size, gfp, type,
				  nfipsec_pfkey_proto2satype(sa->proto),
				  seq, pid);
	if (!skb)
		return NULL;
	s = nfipsec_pfkey_put_ext(skb, SADB_EXT_SA, sizeof(*s));
	s->sadb_sa_spi = sa->spi;
	s->sadb_sa_replay = min_t(u32, sa->replay.size, U8_MAX);
	s->sadb_sa_state = sa_state(sa);
	s->sadb_sa_auth = sa->aalg;
	s->sadb_sa_encrypt = sa->ealg;
	s->sadb_sa_flags = sa_flags(sa);
	if (with & WITH_HARD)
		put_lifetime(skb, SADB_EXT_LIFETIME_HARD, &sa->hard);
	if (with & WITH_SOFT)
		put_lifetime(skb, SADB_EXT_LIFETIME_SOFT, &sa->soft);
	put_current(skb, sa);
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_SRC, sa->family,
			       &sa->saddr, 0, 0, bits);
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_DST, sa->family,
			       &sa->daddr, 0, 0, bits);
	if (keys) {
		put_key(skb, SADB_EXT_KEY_AUTH, sa->akey, sa->akey_bits);
		put_key(skb, SADB_EXT_KEY_ENCRYPT, sa->ekey, sa->ekey_bits);
	}
	sa2 = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_SA2, sizeof(*sa2));
	sa2->sadb_x_sa2_mode = sa->mode;	/* enum nfipsec_mode = IPSEC_MODE_* */
	sa2->sadb_x_sa2_reqid = sa->reqid;
	if (sa->encap_type) {
		struct sadb_x_nat_t_type *nt;
		struct sadb_x_nat_t_port *np;

		nt = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_NAT_T_TYPE,
					   sizeof(*nt));
		nt->sadb_x_nat_t_type_type = sa->encap_type;
		np = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_NAT_T_SPORT,
					   sizeof(*np));
		np->sadb_x_nat_t_port_port = sa->encap_sport;
		np = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_NAT_T_DPORT,
					   sizeof(*np));
		np->sadb_x_nat_t_port_port = sa->encap_dport;
	}
	if (sa->ident_src)
		skb_put_data(skb, sa->ident_src, ident_size(sa->ident_src));
	if (sa->ident_dst)
		skb_put_data(skb, sa->ident_dst, ident_size(sa->ident_dst));
	if (sa->sens)
		skb_put_data(skb, sa->sens, sa->sens->sadb_sens_len * 8);
	if (sa->mark_mask) {
		struct nfipsec_sadb_x_sa_mark *mk;

		mk = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_SA_MARK,
					   sizeof(*mk));
		mk->sadb_x_sa_mark_value = sa->mark_value;
		mk->sadb_x_sa_mark_mask = sa->mark_mask;
	}
	if (sa->replay.size > U8_MAX) {
		struct nfipsec_sadb_x_sa_replay *r;

		r = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_SA_REPLAY,
					  sizeof(*r));
		r->sadb_x_sa_replay_replay = sa->replay.size;
	}
	if (sa->df_mode || sa->dscp_mode) {
		struct nfipsec_sadb_x_tunnel_hdr *th;

		th = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_TUNNEL_HDR,
					   sizeof(*th));
		th->sadb_x_tunnel_hdr_df = sa->df_mode;
		th->sadb_x_tunnel_hdr_dscp_mode = sa->dscp_mode;
		th->sadb_x_tunnel_hdr_dscp = sa->dscp;
	}
	if (sa->tfc_padto) {
		struct nfipsec_sadb_x_tfc *tfc;

		tfc = nfipsec_pfkey_put_ext(skb, NFIPSEC_SADB_X_EXT_TFC,
					    sizeof(*tfc));
		tfc->sadb_x_tfc_padto = sa->tfc_padto;
	}
	if ((with & WITH_STATS) && sa->stats)
		put_stats(skb, sa);
	nfipsec_pfkey_finish(skb);
	return skb;
}

struct sk_buff *nfipsec_pfkey_sa_msg(const struct nfipsec_sa *sa, u8 type,
				     u32 seq, u32 pid, unsigned int with,
				     gfp_t gfp)
{
	return sa_msg(sa, type, seq, pid,
		      WITH_HARD | WITH_SOFT |
		      (with & (WITH_KEYS | WITH_STATS)), gfp);
}

int nfipsec_pfkey_expire(struct nfipsec_sa *sa, bool hard)
{
	struct sk_buff *skb;

	skb = sa_msg(sa, SADB_EXPIRE, 0, 0, hard ? WITH_HARD : WITH_SOFT,
		     GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;
	return nfipsec_pfkey_broadcast(sa->nn->net, skb,
				       NFIPSEC_PFKEY_REGISTERED, NULL,
				       nfipsec_pfkey_proto2satype(sa->proto));
}

/*
 * HDR | SA | ADDRESS_SRC (the SA's peer) | NAT_T_SPORT (its port) |
 * ADDRESS_DST (the new address) | NAT_T_DPORT (the new port), af_key's
 * layout; sadb_msg_seq is the SA's.
 */
int nfipsec_pfkey_new_mapping(const struct nfipsec_sa *sa,
			      const union nf_inet_addr *addr, __be16 port)
{
	unsigned int bits = sa->family == AF_INET ? 32 : 128;
	struct sadb_x_nat_t_port *np;
	struct sk_buff *skb;
	struct sadb_sa *s;
	size_t size;

	size = sizeof(struct sadb_msg) + sizeof(*s) +
	       2 * nfipsec_pfkey_addr_size(sa->family) + 2 * sizeof(*np);
	skb = nfipsec_pfkey_alloc(size, GFP_ATOMIC, SADB_X_NAT_T_NEW_MAPPING,
				  SADB_SATYPE_ESP, sa->seq, 0);
	if (!skb)
		return -ENOMEM;
	s = nfipsec_pfkey_put_ext(skb, SADB_EXT_SA, sizeof(*s));
	s->sadb_sa_spi = sa->spi;
	s->sadb_sa_state = sa_state(sa);
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_SRC, sa->family,
			       &sa->saddr, 0, 0, bits);
	np = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_NAT_T_SPORT, sizeof(*np));
	np->sadb_x_nat_t_port_port = sa->encap_sport;
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_DST, sa->family, addr, 0,
			       0, bits);
	np = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_NAT_T_DPORT, sizeof(*np));
	np->sadb_x_nat_t_port_port = port;
	nfipsec_pfkey_finish(skb);
	return nfipsec_pfkey_broadcast(sa->nn->net, skb,
				       NFIPSEC_PFKEY_REGISTERED, NULL,
				       SADB_SATYPE_ESP);
}

int nfipsec_pfkey_acquire(struct nfipsec_net *nn,
			  const struct nfipsec_policy *pol,
			  const struct nfipsec_tmpl *t,
			  const struct nfipsec_flow *fl, u32 *seq)
{
	const union nf_inet_addr *src = &fl->local, *dst = &fl->remote;
	u8 satype = nfipsec_pfkey_proto2satype(t->proto);
	struct nfipsec_pfkey_avail avail;
	u8 family = fl->family, bits;
	struct sadb_x_policy *xp;
	struct sk_buff *skb;
	size_t size;
	u32 s;

	if (t->mode == NFIPSEC_MODE_TUNNEL && t->family) {
		family = t->family;
		src = &t->saddr;
		dst = &t->daddr;
	}
	bits = family == AF_INET ? 32 : 128;
	/* Never 0: a GETSPI with seq 0 answers no ACQUIRE. */
	do {
		s = atomic_inc_return(&nn->pfkey->acq_seq);
	} while (!s);

	size = sizeof(struct sadb_msg) + 2 * nfipsec_pfkey_addr_size(family) +
	       sizeof(struct sadb_x_policy) +
	       nfipsec_pfkey_proposal_size(t->proto, &avail);
	skb = nfipsec_pfkey_alloc(size, GFP_ATOMIC, SADB_ACQUIRE, satype, s, 0);
	if (!skb)
		return -ENOMEM;
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_SRC, family, src, 0, 0,
			       bits);
	nfipsec_pfkey_put_addr(skb, SADB_EXT_ADDRESS_DST, family, dst, 0, 0,
			       bits);
	xp = nfipsec_pfkey_put_ext(skb, SADB_X_EXT_POLICY, sizeof(*xp));
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = pol->dir + 1;	/* IPSEC_DIR_INBOUND = 1 */
	xp->sadb_x_policy_id = pol->index;
	xp->sadb_x_policy_priority = pol->priority;
	nfipsec_pfkey_put_proposal(skb, t->proto, &avail);
	nfipsec_pfkey_finish(skb);
	*seq = s;
	return nfipsec_pfkey_broadcast(nn->net, skb, NFIPSEC_PFKEY_REGISTERED,
				       NULL, satype);
}
