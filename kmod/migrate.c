// SPDX-License-Identifier: GPL-2.0
/*
 * SADB_X_MIGRATE (KAME, as Linux's af_key speaks it): move the SAs and the
 * templates of one PROTECT policy to new endpoints, for Mobile IPv6 (RFC
 * 6275: a mobile node's care-of address changes) and MOBIKE.
 *
 * The message: ADDRESS_SRC/DST and the direction in X_POLICY name the
 * policy, exactly as X_SPDDELETE does; X_POLICY's ipsecrequests come in
 * pairs, the old endpoints then the new, each pair of one protocol, mode
 * and reqid (pfkey_parse.c checks all that); an optional X_KMADDRESS is
 * for the key managers and is only echoed.
 *
 * For every pair (xfrm_migrate()'s rules):
 *  - every MATURE or DYING SA of that protocol and mode (and reqid, when
 *    not 0) between the old endpoints is replaced by a copy between the
 *    new ones: same SPI, keys, lifetimes, counters, sequence number and
 *    replay window. XFRM moves the first one it finds; moving all of them
 *    also carries an SA pair mid-rekey along;
 *  - every template of the policy of that protocol and mode (and reqid)
 *    whose endpoints are the old ones gets the new ones; transport
 *    templates have none and stay as they are.
 * No SA to move is not an error (the SA may have moved with another
 * policy, or not exist yet); no policy is -ENOENT.
 *
 * Readers see the old state or the new, never a mix: the copies are made
 * and keyed first, where nothing can see them; then, under cfg_lock, they
 * are linked ahead of the old SAs, the policy is replaced by one with the
 * new templates (X_SPDUPDATE's replacement: same index, same add time), and
 * only then are the old SAs unlinked. A packet that found an old SA just
 * before that still goes out on it; the copies start their sequence
 * numbers SEQ_GAP above the old ones so no number is sent twice.
 *
 * The answer is the request itself (satype set to the first pair's
 * protocol, the policy's id filled in), to every socket: af_key sends the
 * same message from km_migrate(), with seq and pid 0; here they are the
 * request's, so the sender can tell its answer.
 */
#include <linux/slab.h>

#include "name_sel.h"
#include "netns.h"
#include "pfkey.h"
#include "sa.h"
#include "spd.h"

/* Sequence numbers the old SA may still send in the instant of the switch. */
#define SEQ_GAP		1024
/* Pairs in one message: NFIPSEC_MAX_TMPL ipsecrequests. */
#define PAIRS_MAX	(NFIPSEC_MAX_TMPL / 2)
/* SAs one pair may move (an SA pair mid-rekey, both directions of a
 * transport policy's reqid, ...).
 */
#define MOVES_MAX	16

struct pair {
	u8 proto, mode;		/* IPPROTO_*, NFIPSEC_MODE_* */
	u32 reqid;
	u8 old_family, new_family;
	union nf_inet_addr old_s, old_d, new_s, new_d;
};

struct move {
	struct nfipsec_sa *old;	/* the SAD's; no reference of ours */
	struct nfipsec_sa *new;	/* ours until linked */
};

struct migration {
	struct pair pair[PAIRS_MAX];
	unsigned int npairs;
	struct move move[PAIRS_MAX * MOVES_MAX];
	unsigned int nmoves;
	const struct pair *cur;	/* the pair the SAD walk looks for */
	int err;
};

static u8 mode_of(u8 ipsec_mode)
{
	return ipsec_mode == IPSEC_MODE_TUNNEL ? NFIPSEC_MODE_TUNNEL :
						 NFIPSEC_MODE_TRANSPORT;
}

/* The pairs of a message pfkey_parse.c accepted. */
static void parse_pairs(const struct nfipsec_pfkey_msg *m,
			struct migration *mg)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const u8 *p = (const u8 *)(xp + 1);
	unsigned int left = xp->sadb_x_policy_len * 8 - sizeof(*xp);

	while (left && mg->npairs < PAIRS_MAX) {
		const struct sadb_x_ipsecrequest *o = (const void *)p;
		const struct sadb_x_ipsecrequest *n =
			(const void *)(p + o->sadb_x_ipsecrequest_len);
		struct pair *pr = &mg->pair[mg->npairs++];

		pr->proto = o->sadb_x_ipsecrequest_proto;
		pr->mode = mode_of(o->sadb_x_ipsecrequest_mode);
		pr->reqid = o->sadb_x_ipsecrequest_reqid;
		pr->old_family = nfipsec_pfkey_sockaddr_pair(o + 1, &pr->old_s,
							     &pr->old_d);
		pr->new_family = nfipsec_pfkey_sockaddr_pair(n + 1, &pr->new_s,
							     &pr->new_d);
		left -= o->sadb_x_ipsecrequest_len + n->sadb_x_ipsecrequest_len;
		p += o->sadb_x_ipsecrequest_len + n->sadb_x_ipsecrequest_len;
	}
}

static bool addr_eq(const union nf_inet_addr *a, const union nf_inet_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static bool sa_matches(const struct nfipsec_sa *sa, const struct pair *p)
{
	return (sa->state == NFIPSEC_SA_MATURE ||
		sa->state == NFIPSEC_SA_DYING) &&
	       sa->proto == p->proto && sa->mode == p->mode &&
	       (!p->reqid || sa->reqid == p->reqid) &&
	       sa->family == p->old_family &&
	       addr_eq(&sa->saddr, &p->old_s) && addr_eq(&sa->daddr, &p->old_d);
}

static void sum_stats(struct nfipsec_sa *to, const struct nfipsec_sa *from)
{
	struct nfipsec_sa_stats *d = per_cpu_ptr(to->stats, 0);
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nfipsec_sa_stats *s = per_cpu_ptr(from->stats, cpu);

		d->packets += READ_ONCE(s->packets);
		d->bytes += READ_ONCE(s->bytes);
		d->errors += READ_ONCE(s->errors);
		d->replay += READ_ONCE(s->replay);
		d->icv_fail += READ_ONCE(s->icv_fail);
	}
}

static void *dup(const void *p, size_t len)
{
	return p ? kmemdup(p, len, GFP_KERNEL) : NULL;
}

/*
 * @old as it would be between @p's new endpoints, keyed, not linked.
 * Process context. Every field of struct nfipsec_sa PF_KEY sets is
 * copied here (sa.h says so next to the struct).
 */
static struct nfipsec_sa *clone_sa(struct nfipsec_sa *old, const struct pair *p)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(old->nn, GFP_KERNEL);
	int err;

	if (!sa)
		return ERR_PTR(-ENOMEM);
	sa->spi = old->spi;
	sa->proto = old->proto;
	sa->mode = old->mode;
	sa->family = p->new_family;
	sa->saddr = p->new_s;
	sa->daddr = p->new_d;
	sa->flags = old->flags;
	sa->reqid = old->reqid;
	sa->seq = old->seq;
	/* Any inner traffic, as pfkey_sa.c gives every SA. */
	sa->sel.family = sa->family;
	nfipsec_sel_set_prefix(&sa->sel.local, sa->family, &sa->saddr, 0);
	nfipsec_sel_set_prefix(&sa->sel.remote, sa->family, &sa->daddr, 0);
	sa->sel.lport_hi = U16_MAX;
	sa->sel.rport_hi = U16_MAX;

	sa->ealg = old->ealg;
	sa->aalg = old->aalg;
	sa->ekey_bits = old->ekey_bits;
	sa->akey_bits = old->akey_bits;
	sa->ekey = dup(old->ekey, DIV_ROUND_UP(old->ekey_bits, 8));
	sa->akey = dup(old->akey, DIV_ROUND_UP(old->akey_bits, 8));
	sa->ident_src = dup(old->ident_src, old->ident_src ?
			    old->ident_src->sadb_ident_len * 8 : 0);
	sa->ident_dst = dup(old->ident_dst, old->ident_dst ?
			    old->ident_dst->sadb_ident_len * 8 : 0);
	err = -ENOMEM;
	if ((old->ekey && !sa->ekey) || (old->akey && !sa->akey) ||
	    (old->ident_src && !sa->ident_src) ||
	    (old->ident_dst && !sa->ident_dst))
		goto err;

	sa->soft = old->soft;
	sa->hard = old->hard;
	sa->add_time = old->add_time;
	sa->use_time = READ_ONCE(old->use_time);
	sa->soft_expired = old->soft_expired;
	sa->encap_type = old->encap_type;
	sa->encap_sport = old->encap_sport;
	sa->encap_dport = old->encap_dport;
	sa->mark_value = old->mark_value;
	sa->mark_mask = old->mark_mask;
	sa->df_mode = old->df_mode;
	sa->dscp_mode = old->dscp_mode;
	sa->dscp = old->dscp;
	sa->tfc_padto = old->tfc_padto;
	sa->peer_id = old->peer_id;

	err = nfipsec_sa_init_crypto(sa);
	if (err)
		goto err;
	err = nfipsec_replay_init(&sa->replay, old->replay.size, GFP_KERNEL);
	if (err)
		goto err;
	sa->state = old->state;
	return sa;
err:
	sa->state = NFIPSEC_SA_DEAD;
	nfipsec_sa_put(sa);
	return ERR_PTR(err);
}

static int collect(struct nfipsec_sa *sa, void *arg)
{
	struct migration *mg = arg;
	struct move *mv;
	unsigned int i;

	if (!sa_matches(sa, mg->cur))
		return 0;
	for (i = 0; i < mg->nmoves; i++)
		if (mg->move[i].old == sa)
			return 0;	/* two pairs alike: moved once */
	if (mg->nmoves == ARRAY_SIZE(mg->move)) {
		mg->err = -ENOSPC;
		return 1;
	}
	mv = &mg->move[mg->nmoves];
	mv->new = clone_sa(sa, mg->cur);
	if (IS_ERR(mv->new)) {
		mg->err = PTR_ERR(mv->new);
		return 1;
	}
	mv->old = sa;
	mg->nmoves++;
	return 0;
}

/* A copy of @old with the new endpoints in the templates @mg moves. */
static struct nfipsec_policy *migrate_policy(const struct nfipsec_policy *old,
					     const struct migration *mg)
{
	struct nfipsec_policy *pol = nfipsec_policy_alloc(GFP_KERNEL);
	unsigned int i, j;

	if (!pol)
		return NULL;
	pol->index = old->index;
	pol->priority = old->priority;
	pol->dir = old->dir;
	pol->action = old->action;
	pol->ntmpl = old->ntmpl;
	pol->sel = old->sel;
	memcpy(pol->tmpl, old->tmpl, sizeof(pol->tmpl));
	memcpy(pol->lt_add, old->lt_add, sizeof(pol->lt_add));
	memcpy(pol->lt_use, old->lt_use, sizeof(pol->lt_use));
	pol->soft_expired = old->soft_expired;
	if (old->name) {
		size_t len = strlen(old->name->pat) + 1;

		pol->name = kzalloc(sizeof(*pol->name) + len, GFP_KERNEL);
		if (!pol->name) {
			nfipsec_policy_put(pol);
			return NULL;
		}
		pol->name->type = old->name->type;
		memcpy(pol->name->pat, old->name->pat, len);
	}
	for (i = 0; i < pol->ntmpl; i++) {
		struct nfipsec_tmpl *t = &pol->tmpl[i];

		for (j = 0; j < mg->npairs; j++) {
			const struct pair *p = &mg->pair[j];

			if (t->proto != p->proto || t->mode != p->mode ||
			    (p->reqid && t->reqid != p->reqid) ||
			    t->mode != NFIPSEC_MODE_TUNNEL)
				continue;
			if (t->family != p->old_family ||
			    !addr_eq(&t->saddr, &p->old_s) ||
			    !addr_eq(&t->daddr, &p->old_d))
				continue;
			t->family = p->new_family;
			t->saddr = p->new_s;
			t->daddr = p->new_d;
			break;
		}
	}
	return pol;
}

/* Must be called with cfg_lock held. Undo: unlink the first @n copies,
 * keeping our references for the caller to put.
 */
static void unlink_new(struct nfipsec_net *nn, struct migration *mg,
		       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		nfipsec_sa_get(mg->move[i].new);
		nfipsec_sad_del(nn, mg->move[i].new);
	}
}

/* The request, as the answer to everyone. */
static int notify(struct sock *sk, const struct nfipsec_pfkey_msg *m,
		  const struct nfipsec_policy *pol, const struct migration *mg)
{
	size_t len = m->hdr->sadb_msg_len * 8;
	struct sadb_x_policy *xp;
	struct sadb_msg *hdr;
	struct sk_buff *skb;

	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return -ENOBUFS;
	hdr = skb_put_data(skb, m->hdr, len);
	hdr->sadb_msg_errno = 0;
	hdr->sadb_msg_satype = nfipsec_pfkey_proto2satype(mg->pair[0].proto);
	xp = (void *)((u8 *)hdr + ((const u8 *)m->ext[SADB_X_EXT_POLICY] -
				   (const u8 *)m->hdr));
	xp->sadb_x_policy_id = pol->index;
	return nfipsec_pfkey_broadcast(sock_net(sk), skb, NFIPSEC_PFKEY_ALL,
				       sk, 0);
}

int nfipsec_pfkey_migrate(struct sock *sk, struct nfipsec_net *nn,
			  const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	struct nfipsec_policy *old_pol, *pol = NULL;
	struct migration *mg;
	struct nfipsec_sel sel;
	unsigned int i;
	int err;
	u8 dir;

	lockdep_assert_held(&nn->cfg_lock);
	dir = xp->sadb_x_policy_dir - IPSEC_DIR_INBOUND;
	nfipsec_pfkey_msg_sel(m, dir, &sel);
	old_pol = nfipsec_spd_get_sel(nn, dir, &sel);
	if (!old_pol)
		return -ENOENT;
	err = -EINVAL;
	if (old_pol->action != NFIPSEC_ACT_PROTECT)
		goto out;
	mg = kzalloc(sizeof(*mg), GFP_KERNEL);
	err = -ENOMEM;
	if (!mg)
		goto out;
	parse_pairs(m, mg);

	/* Everything that can fail, before anyone sees anything. */
	for (i = 0; i < mg->npairs && !mg->err; i++) {
		mg->cur = &mg->pair[i];
		nfipsec_sad_walk(nn, mg->cur->proto, collect, mg);
	}
	err = mg->err;
	if (!err) {
		pol = migrate_policy(old_pol, mg);
		if (!pol)
			err = -ENOMEM;
	}
	if (err)
		goto free;
	/* The copies take over the counters before any packet can reach them. */
	for (i = 0; i < mg->nmoves; i++) {
		struct nfipsec_sa *o = mg->move[i].old, *n = mg->move[i].new;

		nfipsec_replay_copy(&n->replay, &o->replay);
		atomic64_set(&n->oseq, atomic64_read(&o->oseq) + SEQ_GAP);
		sum_stats(n, o);
	}
	for (i = 0; i < mg->nmoves; i++) {
		err = nfipsec_sad_add_replacing(nn, mg->move[i].new,
						mg->move[i].old);
		if (err) {
			unlink_new(nn, mg, i);
			goto free;
		}
	}

	/* Switch: the copies are in, the policy follows, the old SAs leave. */
	kref_get(&pol->ref);
	err = nfipsec_spd_add(nn, pol, true);
	if (err) {
		nfipsec_policy_put(pol);
		unlink_new(nn, mg, mg->nmoves);
		goto free;
	}
	pol->add_time = old_pol->add_time;
	WRITE_ONCE(pol->use_time, READ_ONCE(old_pol->use_time));
	for (i = 0; i < mg->nmoves; i++) {
		nfipsec_sad_del(nn, mg->move[i].old);
		nfipsec_pfkey_lifetime_arm(nn, mg->move[i].new);
		mg->move[i].new = NULL;	/* the SAD's now */
	}
	err = notify(sk, m, pol, mg);
free:
	for (i = 0; i < mg->nmoves; i++)
		nfipsec_sa_put(mg->move[i].new);
	nfipsec_policy_put(pol);
	kfree(mg);
out:
	nfipsec_policy_put(old_pol);
	return err;
}
