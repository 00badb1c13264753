/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 payload parsing, the payloads that negotiate: SA (proposals,
 * transforms, attributes), KE, Nonce, traffic selectors and
 * configuration.  The validate/parse rules are those of ikev2_pld.c,
 * which walks the chain and calls the ikev2_pld_<x>() here.
 */
#include <arpa/inet.h>
#include <string.h>

#include "ikev2_pld_int.h"

/* --- SA: proposals, transforms, attributes --------------------------- */

static int
ikev2_validate_attr(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_attr *attr, size_t *alen)
{
	if (left < sizeof(*attr))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(attr, p, sizeof(*attr));
	*alen = sizeof(*attr);
	if (!(ntohs(attr->type) & IKEV2_ATTR_TV)) {
		*alen += ntohs(attr->val);
		if (left < *alen)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	}
	return (0);
}

static int
ikev2_pld_attrs(struct ikev2_msg_p *msg, struct ikev2_xform_p *xf,
    const uint8_t *p, size_t left)
{
	struct ikev2_attr attr;
	size_t alen;
	uint16_t type;

	while (left > 0) {
		if (ikev2_validate_attr(msg, p, left, &attr, &alen) == -1)
			return (-1);
		type = ntohs(attr.type);
		if (type == (IKEV2_ATTR_TV | IKEV2_ATTR_KEYLEN) &&
		    !(xf->flags & IKEV2_XF_KEYLEN)) {
			xf->keylen = ntohs(attr.val);
			xf->flags |= IKEV2_XF_KEYLEN;
		} else {
			/*
			 * An attribute we do not know (or a second key
			 * length) makes the transform unusable; §3.3.6 says
			 * to reject the proposal, not the message.
			 */
			xf->flags |= IKEV2_XF_UNKNOWN_ATTR;
		}
		p += alen;
		left -= alen;
	}
	return (0);
}

static int
ikev2_validate_xform(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_xform *xf, int last)
{
	size_t xlen;

	if (left < sizeof(*xf))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(xf, p, sizeof(*xf));
	xlen = ntohs(xf->length);
	if (xlen < sizeof(*xf) || left < xlen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	/* "Last Substruc" must agree with the count and with the bytes. */
	if (last && (xf->last != IKEV2_XFORM_LAST || xlen != left))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (!last && (xf->last != IKEV2_XFORM_MORE || xlen == left))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_pld_xforms(struct ikev2_msg_p *msg, struct ikev2_prop_p *prop,
    const uint8_t *p, size_t left)
{
	struct ikev2_xform xf;
	struct ikev2_xform_p *x;
	size_t xlen;
	unsigned i;

	for (i = 0; i < prop->nxforms; i++) {
		if (ikev2_validate_xform(msg, p, left, &xf,
		    i + 1 == prop->nxforms) == -1)
			return (-1);
		xlen = ntohs(xf.length);
		x = &prop->xforms[i];
		x->type = xf.type;
		x->id = ntohs(xf.id);
		if (ikev2_pld_attrs(msg, x, p + sizeof(xf),
		    xlen - sizeof(xf)) == -1)
			return (-1);
		p += xlen;
		left -= xlen;
	}
	return (0);
}

static int
ikev2_validate_prop(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_prop *prop)
{
	size_t plen;

	if (left < sizeof(*prop))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(prop, p, sizeof(*prop));
	plen = ntohs(prop->length);
	if (plen < sizeof(*prop) || left < plen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	/* A last proposal ends the payload; a non-last one does not. */
	if (prop->last == IKEV2_PROP_LAST && plen != left)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (prop->last == IKEV2_PROP_MORE && plen == left)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (prop->last != IKEV2_PROP_LAST && prop->last != IKEV2_PROP_MORE)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (prop->spisize != 0 && prop->spisize != 4 && prop->spisize != 8)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (plen - sizeof(*prop) < prop->spisize)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (prop->nxforms == 0)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

int
ikev2_pld_sa(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_prop prop;
	struct ikev2_prop_p *pp;
	size_t plen, body;

	if (left == 0)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	do {
		if (ikev2_validate_prop(msg, p, left, &prop) == -1)
			return (-1);
		/* Refuse rather than truncate: see ikev2_pld.h. */
		if (msg->sa.nprops == IKEV2_MAX_PROPS ||
		    prop.nxforms > IKEV2_MAX_XFORMS)
			return (pld_error(msg, IKEV2_N_NO_PROPOSAL_CHOSEN));
		plen = ntohs(prop.length);
		pp = &msg->sa.props[msg->sa.nprops++];
		pp->num = prop.num;
		pp->proto = prop.proto;
		pp->spisize = prop.spisize;
		pp->nxforms = prop.nxforms;
		pp->spi = be_uint(p + sizeof(prop), prop.spisize);
		body = sizeof(prop) + prop.spisize;
		if (ikev2_pld_xforms(msg, pp, p + body, plen - body) == -1)
			return (-1);
		p += plen;
		left -= plen;
	} while (prop.last == IKEV2_PROP_MORE);
	return (0);
}

/* --- KE, Nonce ------------------------------------------------------- */

static int
ikev2_validate_ke(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_ke *ke)
{
	/* The public value's length is checked against the group later. */
	if (left <= sizeof(*ke))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(ke, p, sizeof(*ke));
	return (0);
}

int
ikev2_pld_ke(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_ke ke;

	if (ikev2_validate_ke(msg, p, left, &ke) == -1)
		return (-1);
	msg->ke.group = ntohs(ke.group);
	msg->ke.data = span(p + sizeof(ke), left - sizeof(ke));
	return (0);
}

int
ikev2_pld_nonce(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	if (left < IKEV2_NONCE_MIN || left > IKEV2_NONCE_MAX)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	msg->nonce = span(p, left);
	return (0);
}

/* --- Traffic selectors ----------------------------------------------- */

static int
ikev2_validate_ts(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_ts *ts, size_t *alen)
{
	size_t tlen;

	if (left < sizeof(*ts))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(ts, p, sizeof(*ts));
	tlen = ntohs(ts->length);
	if (tlen < sizeof(*ts) || left < tlen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	switch (ts->type) {
	case IKEV2_TS_IPV4_ADDR_RANGE:
		*alen = 4;
		break;
	case IKEV2_TS_IPV6_ADDR_RANGE:
		*alen = 16;
		break;
	default:
		/* Unknown types keep their length; policy will skip them. */
		*alen = 0;
		return (0);
	}
	if (tlen != sizeof(*ts) + 2 * *alen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_validate_tss(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_tsp *tsp)
{
	if (left < sizeof(*tsp))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(tsp, p, sizeof(*tsp));
	if (tsp->nts == 0)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if (tsp->nts > IKEV2_MAX_TS)
		return (pld_error(msg, IKEV2_N_TS_UNACCEPTABLE));
	return (0);
}

int
ikev2_pld_tss(struct ikev2_msg_p *msg, struct ikev2_tss_p *out,
    const uint8_t *p, size_t left)
{
	struct ikev2_tsp tsp;
	struct ikev2_ts ts;
	struct ikev2_ts_p *t;
	size_t alen;
	unsigned i;

	if (ikev2_validate_tss(msg, p, left, &tsp) == -1)
		return (-1);
	p += sizeof(tsp);
	left -= sizeof(tsp);
	for (i = 0; i < tsp.nts; i++) {
		if (ikev2_validate_ts(msg, p, left, &ts, &alen) == -1)
			return (-1);
		t = &out->ts[out->nts++];
		t->type = ts.type;
		t->proto = ts.proto;
		t->sport = ntohs(ts.sport);
		t->eport = ntohs(ts.eport);
		t->alen = alen;
		memcpy(t->start, p + sizeof(ts), alen);
		memcpy(t->end, p + sizeof(ts) + alen, alen);
		p += ntohs(ts.length);
		left -= ntohs(ts.length);
	}
	/* The count must account for every byte of the payload. */
	if (left != 0)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

/* --- Configuration --------------------------------------------------- */

static int
ikev2_validate_cp(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_cp *cp)
{
	if (left < sizeof(*cp))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(cp, p, sizeof(*cp));
	return (0);
}

int
ikev2_pld_cp(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_cp cp;
	struct ikev2_cfg cfg;
	size_t clen;

	if (ikev2_validate_cp(msg, p, left, &cp) == -1)
		return (-1);
	msg->cp.type = cp.type;
	p += sizeof(cp);
	left -= sizeof(cp);
	while (left > 0) {
		if (left < sizeof(cfg))
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		memcpy(&cfg, p, sizeof(cfg));
		clen = ntohs(cfg.length);
		if (left - sizeof(cfg) < clen)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		if (msg->cp.ncfg == IKEV2_MAX_CFG)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		msg->cp.cfg[msg->cp.ncfg].type = ntohs(cfg.type) & 0x7fff;
		msg->cp.cfg[msg->cp.ncfg].value = span(p + sizeof(cfg), clen);
		msg->cp.ncfg++;
		p += sizeof(cfg) + clen;
		left -= sizeof(cfg) + clen;
	}
	return (0);
}
