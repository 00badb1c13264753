// SPDX-License-Identifier: ISC
/*
 * Child SAs: traffic selectors (ours from config, narrowing the peer's,
 * §2.9), keys (§2.17), and putting them into the kernel through the seam
 * (kern.h): the inbound SA completes GETSPI's larval one (UPDATE), the
 * outbound one is ADDed, then one policy pair per selector pair.
 *
 * Policies are shared by the generations of one child (a rekey keeps the
 * reqid), so make-before-break works: the new SAs go in under the old
 * policies, the kernel prefers the newest MATURE outbound SA, and only
 * then does the old pair go.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "keyd.h"
#include "log.h"
#include "pad.h"

const struct config_child *
child_sa_conf(const struct config_conn *c, const char *name)
{
	int i;

	if (c == NULL || c->nchildren == 0)
		return (NULL);
	if (name == NULL || !*name)
		return (&c->children[0]);
	for (i = 0; i < c->nchildren; i++)
		if (!strcmp(c->children[i].name, name))
			return (&c->children[i]);
	return (NULL);
}

struct child_sa *
child_sa_new(struct keyd *k, struct ike_sa *sa, const char *name)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return (NULL);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->exch_init = sa->initiator;	/* IKE_AUTH's; CREATE_CHILD_SA sets it */
	c->reqid = ++k->reqid_next;
	c->next = sa->children;
	sa->children = c;
	return (c);
}

struct child_sa *
child_sa_by_spi(struct ike_sa *sa, uint32_t spi, int in)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (in ? c->spi_in == spi : c->spi_out == spi)
			return (c);
	return (NULL);
}

int
child_sa_getspi(struct keyd *k, struct ike_sa *sa, struct child_sa *ch)
{
	struct sockaddr_storage src = sa->addr.remote, dst = sa->addr.local;
	int err;

	((struct sockaddr_in *)&src)->sin_port = 0;
	((struct sockaddr_in *)&dst)->sin_port = 0;
	if (src.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	}
	err = k->kern->ops->getspi(k->kern->arg, &src, &dst, sa->acquire_seq,
	    &ch->spi_in, &ch->getspi_seq);
	sa->acquire_seq = 0;	/* an ACQUIRE's larval SA is used once */
	if (err)
		log_warn("%s/%s: GETSPI failed: %s", sa->conn, ch->name,
		    strerror(-err));
	return (err ? -1 : 0);
}

static void
ss_addr(const struct sockaddr_storage *ss, uint8_t *out, uint8_t *alen)
{
	if (ss->ss_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		*alen = 4;
	} else {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		*alen = 16;
	}
}

static void
ss_set(struct sockaddr_storage *ss, const uint8_t *a, uint8_t alen)
{
	memset(ss, 0, sizeof(*ss));
	if (alen == 4) {
		ss->ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, a, 4);
	} else {
		ss->ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, a, 16);
	}
}

static void
ts_from_conf(const struct ike_sa *sa, const struct config_ts *t, int local,
    struct ikev2_ts_p *o)
{
	memset(o, 0, sizeof(*o));
	if (t->dynamic) {
		const struct sockaddr_storage *ss = local ? &sa->addr.local :
		    &sa->addr.remote;

		ss_addr(ss, o->start, &o->alen);
		memcpy(o->end, o->start, o->alen);
	} else if (t->addr.family == AF_UNSPEC) {
		/* %any: the whole space of the IKE SA's family */
		o->alen = sa->addr.local.ss_family == AF_INET ? 4 : 16;
		memset(o->end, 0xff, o->alen);
	} else {
		ss_addr(&t->addr.lo, o->start, &o->alen);
		ss_addr(&t->addr.hi, o->end, &o->alen);
	}
	o->type = o->alen == 4 ? IKEV2_TS_IPV4_ADDR_RANGE :
	    IKEV2_TS_IPV6_ADDR_RANGE;
	o->proto = t->proto;
	o->sport = t->port_lo;
	o->eport = t->port_hi;
	if (!t->port_lo && !t->port_hi)
		o->eport = 0xffff;
}

int
child_sa_local_ts(const struct ike_sa *sa, const struct config_child *cc,
    int local, struct ikev2_tss_p *out)
{
	const struct config_ts *ts = local ? cc->local_ts : cc->remote_ts;
	int n = local ? cc->nlocal_ts : cc->nremote_ts, i;
	struct config_ts dyn = { .dynamic = 1 };

	memset(out, 0, sizeof(*out));
	if (n == 0) {		/* nothing configured: the IKE address */
		ts = &dyn;
		n = 1;
	}
	for (i = 0; i < n && out->nts < IKEV2_MAX_TS; i++)
		ts_from_conf(sa, &ts[i], local, &out->ts[out->nts++]);
	return (out->nts ? 0 : -1);
}

/* a ∩ b into o; 0 if empty. */
static int
ts_meet(const struct ikev2_ts_p *a, const struct ikev2_ts_p *b,
    struct ikev2_ts_p *o)
{
	if (a->type != b->type || a->alen != b->alen)
		return (0);
	if (a->proto && b->proto && a->proto != b->proto)
		return (0);
	*o = *a;
	o->proto = a->proto ? a->proto : b->proto;
	o->sport = a->sport > b->sport ? a->sport : b->sport;
	o->eport = a->eport < b->eport ? a->eport : b->eport;
	if (o->sport > o->eport)
		return (0);
	memcpy(o->start, memcmp(a->start, b->start, a->alen) > 0 ? a->start :
	    b->start, a->alen);
	memcpy(o->end, memcmp(a->end, b->end, a->alen) < 0 ? a->end : b->end,
	    a->alen);
	return (memcmp(o->start, o->end, a->alen) <= 0);
}

/* Every peer TS cut down to what ours allow; -1 if nothing is left. */
static int
narrow(const struct ikev2_tss_p *peer, const struct ikev2_tss_p *ours,
    struct ikev2_tss_p *out)
{
	unsigned i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < peer->nts; i++)
		for (j = 0; j < ours->nts && out->nts < IKEV2_MAX_TS; j++)
			if (ts_meet(&peer->ts[i], &ours->ts[j],
			    &out->ts[out->nts]))
				out->nts++;
	return (out->nts ? 0 : -1);
}

int
child_sa_narrow(const struct ike_sa *sa, const struct config_child *cc,
    const struct ikev2_tss_p *tsi, const struct ikev2_tss_p *tsr,
    struct ikev2_tss_p *outi, struct ikev2_tss_p *outr)
{
	struct ikev2_tss_p mine, theirs;

	/* We answer, so TSi is the peer's side and TSr ours (§2.9). */
	if (child_sa_local_ts(sa, cc, 1, &mine) < 0 ||
	    child_sa_local_ts(sa, cc, 0, &theirs) < 0)
		return (-1);
	if (narrow(tsi, &theirs, outi) < 0 || narrow(tsr, &mine, outr) < 0)
		return (-1);
	return (0);
}

/* Is every TS in `got` inside some TS of `offered`? */
int
child_sa_ts_within(const struct ikev2_tss_p *got,
    const struct ikev2_tss_p *offered)
{
	struct ikev2_ts_p m;
	unsigned i, j;

	if (got->nts == 0)
		return (0);
	for (i = 0; i < got->nts; i++) {
		for (j = 0; j < offered->nts; j++)
			if (ts_meet(&got->ts[i], &offered->ts[j], &m) &&
			    !memcmp(&m, &got->ts[i], sizeof(m)))
				break;
		if (j == offered->nts)
			return (0);
	}
	return (1);
}

/* A TS range as the prefix PF_KEY selectors need: the largest prefix
 * starting at `start` that stays inside the range. */
static void
ts_prefix(const struct ikev2_ts_p *t, struct sockaddr_storage *ss,
    uint8_t *plen)
{
	int bits = t->alen * 8, p;

	ss_set(ss, t->start, t->alen);
	for (p = 0; p < bits; p++) {
		int byte = p / 8, bit = 7 - p % 8, q, ok = 1;

		/* prefix p: start's host bits zero, end's host bits one */
		for (q = p; q < bits && ok; q++) {
			byte = q / 8;
			bit = 7 - q % 8;
			if ((t->start[byte] >> bit & 1) ||
			    !(t->end[byte] >> bit & 1))
				ok = 0;
		}
		if (ok)
			break;
	}
	*plen = p;
}

int
child_sa_policies(struct keyd *k, struct ike_sa *sa, struct child_sa *c, int del)
{
	unsigned i, j;
	int err = 0;

	for (i = 0; i < c->ts_local.nts; i++)
		for (j = 0; j < c->ts_remote.nts; j++) {
			const struct ikev2_ts_p *l = &c->ts_local.ts[i];
			const struct ikev2_ts_p *r = &c->ts_remote.ts[j];
			struct kern_pol p;
			int d;

			if (l->alen != r->alen)
				continue;
			for (d = 0; d < 2; d++) {
				const struct ikev2_ts_p *s = d ? l : r;
				const struct ikev2_ts_p *t = d ? r : l;

				memset(&p, 0, sizeof(p));
				p.dir_out = d;
				ts_prefix(s, &p.src, &p.splen);
				ts_prefix(t, &p.dst, &p.dplen);
				p.proto = l->proto;
				/* PF_KEY takes one port or any */
				if (s->sport == s->eport)
					p.sport = s->sport;
				if (t->sport == t->eport)
					p.dport = t->sport;
				p.tunnel = c->tunnel;
				p.tsrc = d ? sa->addr.local : sa->addr.remote;
				p.tdst = d ? sa->addr.remote : sa->addr.local;
				p.reqid = c->reqid;
				p.priority = KERN_PRIO_CHILD;
				if (k->kern->ops->spd(k->kern->arg, &p, del) < 0 &&
				    !del)
					err = -1;
			}
		}
	return (err);
}

static void
host(struct sockaddr_storage *o, const struct sockaddr_storage *i)
{
	*o = *i;
	if (o->ss_family == AF_INET)
		((struct sockaddr_in *)o)->sin_port = 0;
	else
		((struct sockaddr_in6 *)o)->sin6_port = 0;
}

int
child_sa_install(struct keyd *k, struct ike_sa *sa, struct child_sa *c,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen)
{
	const struct config_conn *conn = ike_sa_conn(k, sa);
	const struct config_child *cc = child_sa_conf(conn, c->name);
	const struct config_id *lid = conn ? &conn->local.id : NULL;
	const struct config_pad *pad;
	struct child_keys ck;
	struct kern_sa in, out;
	int r = -1, ri, ro;

	if (cc == NULL)
		return (-1);
	if (crypto_child_keys(&ck, sa->prop.prf, sa->keys.sk_d,
	    sa->keys.prf_len, gir, girlen, ni, nilen, nr, nrlen, c->esp.encr,
	    c->esp.encr_keylen, c->esp.integ) < 0)
		return (-1);
	memset(&in, 0, sizeof(in));
	host(&in.src, &sa->addr.remote);
	host(&in.dst, &sa->addr.local);
	in.spi = c->spi_in;
	in.reqid = c->reqid;
	in.tunnel = c->tunnel;
	in.encr = c->esp.encr;
	in.encr_keylen = c->esp.encr_keylen;
	in.integ = c->esp.integ;
	in.esn = c->esp.esn;
	in.seq = c->getspi_seq;
	out = in;
	host(&out.src, &sa->addr.local);
	host(&out.dst, &sa->addr.remote);
	out.spi = c->spi_out;
	in.replay = cc->replay_window;	/* 0: no replay check */
	/* The original initiator's SAs expire first, so it rekeys and the
	 * peer rarely collides with it (§2.8.1). */
	in.soft_s = cc->rekey_time;
	in.hard_s = cc->life_time;
	if (in.soft_s && !sa->initiator) {
		uint64_t extra = in.soft_s / 10 + 1;

		if (in.hard_s > in.soft_s && extra > (in.hard_s - in.soft_s) / 2)
			extra = (in.hard_s - in.soft_s) / 2;
		in.soft_s += extra;
	}
	if (in.hard_s && in.soft_s >= in.hard_s)
		in.soft_s = 0;
	out.hard_s = in.hard_s;	/* outbound: the inbound SA drives rekey */
	/* The authenticated ID (IKE_AUTH checked AUTH against it), never
	 * the pattern it matched: the kernel's Name selectors and the
	 * firewall's mark are about who the peer proved to be. */
	in.src_id = &sa->peer_id;
	in.dst_id = lid;
	pad = pad_lookup(k->cfg, &sa->peer_id,
	    (const struct sockaddr *)&sa->addr.remote);
	if (pad && pad->mark_mask) {
		in.mark = pad->mark;
		in.mark_mask = pad->mark_mask;
	}
	out.src_id = lid;
	out.dst_id = &sa->peer_id;
	in.ekeylen = out.ekeylen = ck.encr_len;
	in.akeylen = out.akeylen = ck.integ_len;
	/* "initiator" in §2.17 is the exchange's, not the IKE SA's. */
	in.ekey = c->exch_init ? ck.er : ck.ei;
	in.akey = c->exch_init ? ck.ar : ck.ai;
	out.ekey = c->exch_init ? ck.ei : ck.er;
	out.akey = c->exch_init ? ck.ai : ck.ar;
	natt_sa(sa, &in, &out);
	c->remote = sa->addr.remote;
	ri = k->kern->ops->add(k->kern->arg, &in, 1);
	ro = 0;
	if (!ri && c->defer_out) {
		/*
		 * We answered a rekey: the peer takes the new SA inbound only
		 * once it has our answer, so our traffic stays on the old SA
		 * until its Delete arrives (or a few seconds pass).
		 */
		c->out_sa = out;
		memcpy(c->out_ekey, out.ekey, out.ekeylen);
		memcpy(c->out_akey, out.akey, out.akeylen);
		c->out_sa.ekey = c->out_ekey;
		c->out_sa.akey = c->out_akey;
		c->out_sa.src_id = c->out_sa.dst_id = NULL;
		c->out_pending = k->now + 5000;
	} else if (!ri)
		ro = k->kern->ops->add(k->kern->arg, &out, 0);
	if (ri || ro) {
		log_warn("%s/%s: kernel refused the %s SA: %s", sa->conn,
		    c->name, ri ? "inbound" : "outbound", strerror(-(ri ? ri : ro)));
		if (!ri)
			k->kern->ops->del(k->kern->arg, &in.src, &in.dst, in.spi);
		goto out;
	}
	c->installed = 1;
	if (child_sa_policies(k, sa, c, 0) < 0)
		log_warn("%s/%s: kernel refused a policy", sa->conn, c->name);
	c->established = k->now;
	log_exchange(k, sa, "CHILD_SA up", "%s esp in=%08x out=%08x %s encr=%u/%u integ=%u",
	    c->name, c->spi_in, c->spi_out, c->tunnel ? "tunnel" : "transport",
	    c->esp.encr, c->esp.encr_keylen, c->esp.integ);
	r = 0;
out:
	crypto_child_keys_wipe(&ck);
	return (r);
}

/* A rekey answer's outbound SA, held back until now (see install). */
void
child_sa_out_now(struct keyd *k, struct ike_sa *sa, struct child_sa *c)
{
	const struct config_conn *conn = ike_sa_conn(k, sa);
	int r;

	if (!c->out_pending)
		return;
	c->out_pending = 0;
	c->out_sa.src_id = conn ? &conn->local.id : NULL;
	c->out_sa.dst_id = &sa->peer_id;
	r = k->kern->ops->add(k->kern->arg, &c->out_sa, 0);
	explicit_bzero(c->out_ekey, sizeof(c->out_ekey));
	explicit_bzero(c->out_akey, sizeof(c->out_akey));
	if (r)
		log_warn("%s/%s: kernel refused the outbound SA: %s", sa->conn,
		    c->name, strerror(-r));
	else
		log_debug("%s/%s: outbound SA %08x in use", sa->conn, c->name,
		    c->spi_out);
}

void
child_sa_out_drop(struct child_sa *c)
{
	c->out_pending = 0;
	c->out_dropped = 1;
	explicit_bzero(c->out_ekey, sizeof(c->out_ekey));
	explicit_bzero(c->out_akey, sizeof(c->out_akey));
}

/* Is another installed child of this IKE SA using the same policies? */
static int
policy_shared(const struct ike_sa *sa, const struct child_sa *c)
{
	const struct child_sa *o;

	for (o = sa->children; o; o = o->next)
		if (o != c && o->installed && o->reqid == c->reqid)
			return (1);
	return (0);
}

void
child_sa_free(struct keyd *k, struct ike_sa *sa, struct child_sa *c, int del)
{
	struct child_sa **pp;
	struct sockaddr_storage l, r;

	host(&l, &sa->addr.local);
	/* where its SAs are, if the peer has moved since (natt.c) */
	host(&r, c->remote.ss_family ? &c->remote : &sa->addr.remote);
	if (del && c->spi_in)
		k->kern->ops->del(k->kern->arg, &r, &l, c->spi_in);
	if (del && c->installed && c->spi_out && !c->out_pending &&
	    !c->out_dropped)
		k->kern->ops->del(k->kern->arg, &l, &r, c->spi_out);
	if (del && c->installed && !policy_shared(sa, c)) {
		child_sa_policies(k, sa, c, 1);
		if (k->trap_restore)
			k->trap_restore(k, sa->conn, c->name);
	}
	if (c->installed)
		log_exchange(k, sa, "CHILD_SA down", "%s esp in=%08x out=%08x",
		    c->name, c->spi_in, c->spi_out);
	for (pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (sa->req.child == c)
		sa->req.child = NULL;
	explicit_bzero(c, sizeof(*c));
	free(c);
}
