// SPDX-License-Identifier: ISC
/*
 * Proposals (RFC 7296 §3.3): ours from the configuration, and choosing
 * among the peer's.  The same choice checks a responder's answer: it must
 * be one of our proposals, transform for transform.
 */
#include <string.h>

#include "keyd.h"

static void
xf(struct ikev2_prop_p *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ikev2_xform_p *x;

	if (p->nxforms >= IKEV2_MAX_XFORMS)
		return;
	x = &p->xforms[p->nxforms++];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	if (keylen) {
		x->keylen = keylen;
		x->flags = IKEV2_XF_KEYLEN;
	}
}

void
proposal_ike_offer(const struct config_conn *c, uint16_t first_group,
    struct ikev2_sa_p *sa)
{
	int i, j;

	memset(sa, 0, sizeof(*sa));
	for (i = 0; i < c->nike && i < IKEV2_MAX_PROPS; i++) {
		const struct config_proposal *cp = &c->ike[i];
		struct ikev2_prop_p *p = &sa->props[sa->nprops++];

		p->num = sa->nprops;
		p->proto = IKEV2_PROTO_IKE;
		xf(p, IKEV2_XFORM_ENCR, cp->encr, cp->encr_keylen);
		xf(p, IKEV2_XFORM_PRF, cp->prf, 0);
		if (cp->integ)
			xf(p, IKEV2_XFORM_INTEG, cp->integ, 0);
		/* The group our KE carries first: peers read it as a hint. */
		for (j = 0; j < cp->ndh; j++)
			if (cp->dh[j] == first_group)
				xf(p, IKEV2_XFORM_DH, cp->dh[j], 0);
		for (j = 0; j < cp->ndh; j++)
			if (cp->dh[j] != first_group)
				xf(p, IKEV2_XFORM_DH, cp->dh[j], 0);
	}
}

void
proposal_esp_offer(const struct config_child *c, uint32_t spi, int pfs,
    struct ikev2_sa_p *sa)
{
	int i, j;

	memset(sa, 0, sizeof(*sa));
	for (i = 0; i < c->nesp && i < IKEV2_MAX_PROPS; i++) {
		const struct config_proposal *cp = &c->esp[i];
		struct ikev2_prop_p *p = &sa->props[sa->nprops++];

		p->num = sa->nprops;
		p->proto = IKEV2_PROTO_ESP;
		p->spisize = 4;
		p->spi = spi;
		xf(p, IKEV2_XFORM_ENCR, cp->encr, cp->encr_keylen);
		if (cp->integ)
			xf(p, IKEV2_XFORM_INTEG, cp->integ, 0);
		/* The first Child SA takes IKE_SA_INIT's keys: no KE (§1.2). */
		if (pfs)
			for (j = 0; j < cp->ndh; j++)
				xf(p, IKEV2_XFORM_DH, cp->dh[j], 0);
		if (cp->esn != 1)
			xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_NONE, 0);
		if (cp->esn != 0)
			xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_ENABLED, 0);
	}
}

static int
offers(const struct ikev2_prop_p *p, uint8_t type, uint16_t id,
    uint16_t keylen)
{
	int i;

	for (i = 0; i < p->nxforms; i++) {
		const struct ikev2_xform_p *x = &p->xforms[i];

		if (x->type != type || x->id != id)
			continue;
		if (type == IKEV2_XFORM_ENCR && x->keylen != keylen)
			continue;
		return (1);
	}
	return (0);
}

static int
has_type(const struct ikev2_prop_p *p, uint8_t type)
{
	int i;

	for (i = 0; i < p->nxforms; i++)
		if (p->xforms[i].type == type)
			return (1);
	return (0);
}

/* Does peer proposal p fit our proposal o?  Fills out on success. */
static int
fits(const struct config_proposal *o, const struct ikev2_prop_p *p,
    uint8_t proto, uint16_t prefer_group, struct config_proposal *out)
{
	int i;

	for (i = 0; i < p->nxforms; i++)
		if (p->xforms[i].flags & IKEV2_XF_UNKNOWN_ATTR)
			return (0);
	if (!offers(p, IKEV2_XFORM_ENCR, o->encr, o->encr_keylen))
		return (0);
	if (proto == IKEV2_PROTO_IKE && !offers(p, IKEV2_XFORM_PRF, o->prf, 0))
		return (0);
	if (o->integ ? !offers(p, IKEV2_XFORM_INTEG, o->integ, 0) :
	    has_type(p, IKEV2_XFORM_INTEG) &&
	    !offers(p, IKEV2_XFORM_INTEG, IKEV2_INTEG_NONE, 0))
		return (0);
	*out = *o;
	out->ndh = 0;
	memset(out->dh, 0, sizeof(out->dh));
	if (o->ndh && prefer_group) {
		for (i = 0; i < o->ndh; i++)
			if (o->dh[i] == prefer_group &&
			    offers(p, IKEV2_XFORM_DH, prefer_group, 0))
				out->dh[out->ndh++] = prefer_group;
	}
	for (i = 0; i < o->ndh && !out->ndh; i++)
		if (offers(p, IKEV2_XFORM_DH, o->dh[i], 0))
			out->dh[out->ndh++] = o->dh[i];
	if (!out->ndh) {
		/* IKE needs a group; ESP without PFS takes none or NONE. */
		if (proto == IKEV2_PROTO_IKE)
			return (0);
		if (has_type(p, IKEV2_XFORM_DH) &&
		    !offers(p, IKEV2_XFORM_DH, IKEV2_DH_NONE, 0))
			return (0);
	}
	if (proto == IKEV2_PROTO_ESP) {
		/* nfipsec's PF_KEY has no ESN: prefer none when allowed. */
		if (o->esn != 1 && (offers(p, IKEV2_XFORM_ESN, 0, 0) ||
		    !has_type(p, IKEV2_XFORM_ESN)))
			out->esn = 0;
		else if (o->esn != 0 &&
		    offers(p, IKEV2_XFORM_ESN, IKEV2_ESN_ENABLED, 0))
			out->esn = 1;
		else
			return (0);
	}
	return (1);
}

int
proposal_choose(const struct config_proposal *ours, int nours,
    const struct ikev2_sa_p *theirs, uint8_t proto, uint16_t prefer_group,
    struct config_proposal *out, uint8_t *num, uint64_t *spi)
{
	unsigned i;
	int j;

	for (i = 0; i < theirs->nprops; i++) {
		const struct ikev2_prop_p *p = &theirs->props[i];

		if (p->proto != proto)
			continue;
		if (proto == IKEV2_PROTO_ESP && p->spisize != 4)
			continue;
		for (j = 0; j < nours; j++) {
			if (!fits(&ours[j], p, proto, prefer_group, out))
				continue;
			*num = p->num;
			*spi = p->spi;
			return (0);
		}
	}
	return (-1);
}

void
proposal_answer(const struct config_proposal *c, uint8_t proto, uint8_t num,
    uint64_t spi, struct ikev2_sa_p *sa)
{
	struct ikev2_prop_p *p;

	memset(sa, 0, sizeof(*sa));
	sa->nprops = 1;
	p = &sa->props[0];
	p->num = num;
	p->proto = proto;
	if (proto == IKEV2_PROTO_ESP) {
		p->spisize = 4;
		p->spi = spi;
	} else if (spi) {
		p->spisize = 8;	/* IKE SA rekey */
		p->spi = spi;
	}
	xf(p, IKEV2_XFORM_ENCR, c->encr, c->encr_keylen);
	if (proto == IKEV2_PROTO_IKE)
		xf(p, IKEV2_XFORM_PRF, c->prf, 0);
	if (c->integ)
		xf(p, IKEV2_XFORM_INTEG, c->integ, 0);
	if (c->ndh)
		xf(p, IKEV2_XFORM_DH, c->dh[0], 0);
	if (proto == IKEV2_PROTO_ESP)
		xf(p, IKEV2_XFORM_ESN, c->esn == 1 ? IKEV2_ESN_ENABLED :
		    IKEV2_ESN_NONE, 0);
}

int
proposal_has_group(const struct config_proposal *ps, int n, uint16_t group)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < ps[i].ndh; j++)
			if (ps[i].dh[j] == group)
				return (1);
	return (0);
}
