/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 payload parsing.
 *
 * Each payload has a validate/parse pair, as in OpenBSD iked:
 * ikev2_validate_<x>() checks that the fixed part fits and that every
 * length it carries agrees with the bytes actually there, and copies the
 * fixed part into a local packed struct; ikev2_pld_<x>() then gives the
 * fields their meaning and fills struct ikev2_msg_p.  No length from the
 * wire is used before it has been compared with what is left.
 *
 * Only libc: this file links alone into the unit tests and the fuzzer.
 */
#include <arpa/inet.h>
#include <string.h>

#include "ikev2_pld.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int	ikev2_pld_payloads(struct ikev2_msg_p *, const uint8_t *,
		    size_t, size_t, uint8_t);

static int
pld_error(struct ikev2_msg_p *msg, uint16_t type)
{
	if (msg->error == 0)
		msg->error = type;
	return (-1);
}

static uint64_t
be_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | *p++;
	return (v);
}

static struct ikev2_span
span(const uint8_t *p, size_t len)
{
	struct ikev2_span s = { len ? p : NULL, len };

	return (s);
}

/* --- IKE header ------------------------------------------------------ */

static int
ikev2_validate_hdr(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len,
    struct ikev2_hdr *hdr)
{
	if (len < sizeof(*hdr))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(hdr, buf, sizeof(*hdr));
	/*
	 * The length must describe exactly this datagram: a shorter claim
	 * would let trailing bytes ride along unauthenticated, a longer one
	 * would send us past the end.
	 */
	if (ntohl(hdr->length) != len)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if ((hdr->version & IKEV2_MAJOR_MASK) != IKEV2_VERSION)
		return (pld_error(msg, IKEV2_N_INVALID_MAJOR_VERSION));
	return (0);
}

static int
ikev2_pld_hdr(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	struct ikev2_hdr hdr;

	if (ikev2_validate_hdr(msg, buf, len, &hdr) == -1)
		return (-1);
	memcpy(msg->ispi, hdr.ispi, sizeof(msg->ispi));
	memcpy(msg->rspi, hdr.rspi, sizeof(msg->rspi));
	msg->next = hdr.next;
	msg->version = hdr.version;
	msg->exchange = hdr.exchange;
	msg->flags = hdr.flags;
	msg->msgid = ntohl(hdr.msgid);
	msg->length = ntohl(hdr.length);
	return (0);
}

/* --- generic payload header ------------------------------------------ */

static int
ikev2_validate_pld(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_gen *gen)
{
	size_t plen;

	/* We need the generic header itself, ... */
	if (left < sizeof(*gen))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(gen, p, sizeof(*gen));
	plen = ntohs(gen->length);
	/* ... all the bytes it claims, ... */
	if (left < plen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	/* ... and a claim that at least covers the header. */
	if (plen < sizeof(*gen))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

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

static int
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

static int
ikev2_pld_ke(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_ke ke;

	if (ikev2_validate_ke(msg, p, left, &ke) == -1)
		return (-1);
	msg->ke.group = ntohs(ke.group);
	msg->ke.data = span(p + sizeof(ke), left - sizeof(ke));
	return (0);
}

static int
ikev2_pld_nonce(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	if (left < IKEV2_NONCE_MIN || left > IKEV2_NONCE_MAX)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	msg->nonce = span(p, left);
	return (0);
}

/* --- IDi/IDr, CERT/CERTREQ, AUTH ------------------------------------- */

static int
ikev2_validate_id(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_id *id)
{
	size_t dlen;

	if (left < sizeof(*id))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(id, p, sizeof(*id));
	dlen = left - sizeof(*id);
	switch (id->type) {
	case IKEV2_ID_IPV4_ADDR:
		if (dlen != 4)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_ID_IPV6_ADDR:
		if (dlen != 16)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_ID_NULL:
		break;			/* RFC 7619: data may be empty */
	default:
		if (dlen == 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	}
	return (0);
}

static int
ikev2_pld_id(struct ikev2_msg_p *msg, struct ikev2_id_p *out,
    const uint8_t *p, size_t left)
{
	struct ikev2_id id;

	if (ikev2_validate_id(msg, p, left, &id) == -1)
		return (-1);
	out->type = id.type;
	out->data = span(p + sizeof(id), left - sizeof(id));
	out->body = span(p, left);
	return (0);
}

static int
ikev2_validate_cert(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_cert *cert)
{
	if (left < sizeof(*cert))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(cert, p, sizeof(*cert));
	return (0);
}

static int
ikev2_pld_cert(struct ikev2_msg_p *msg, struct ikev2_cert_p *tab,
    unsigned *n, const uint8_t *p, size_t left)
{
	struct ikev2_cert cert;

	if (ikev2_validate_cert(msg, p, left, &cert) == -1)
		return (-1);
	if (*n == IKEV2_MAX_CERT)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	tab[*n].encoding = cert.encoding;
	tab[*n].data = span(p + sizeof(cert), left - sizeof(cert));
	(*n)++;
	return (0);
}

static int
ikev2_validate_auth(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_auth *auth)
{
	if (left <= sizeof(*auth))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(auth, p, sizeof(*auth));
	return (0);
}

static int
ikev2_pld_auth(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_auth auth;

	if (ikev2_validate_auth(msg, p, left, &auth) == -1)
		return (-1);
	msg->auth.method = auth.method;
	msg->auth.data = span(p + sizeof(auth), left - sizeof(auth));
	return (0);
}

/* --- Notify ---------------------------------------------------------- */

static int
ikev2_validate_notify(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_notify *n)
{
	if (left < sizeof(*n))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(n, p, sizeof(*n));
	if (left - sizeof(*n) < n->spisize)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

/*
 * Check the notifies whose data the exchanges act on before any state
 * exists, and lift them out so nobody re-parses them.
 */
static int
ikev2_pld_notify_known(struct ikev2_msg_p *msg, const struct ikev2_notify_p *n)
{
	uint64_t h;
	size_t i;

	switch (n->type) {
	case IKEV2_N_NAT_DETECTION_SOURCE_IP:
	case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
		if (n->data.len != IKEV2_NATD_LEN || n->spisize != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			if (msg->natd_dst.len != 0)
				return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
			msg->natd_dst = n->data;
		} else {
			if (msg->nnatd_src == nitems(msg->natd_src))
				return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
			msg->natd_src[msg->nnatd_src++] = n->data;
		}
		break;
	case IKEV2_N_COOKIE:
		if (n->data.len == 0 || n->data.len > IKEV2_COOKIE_MAX)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		/* Only IKE_SA_INIT carries a cookie, and never under SK. */
		if (!n->encrypted && msg->cookie.len == 0)
			msg->cookie = n->data;
		break;
	case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:
		/* RFC 7427 §4: a list of 16-bit hash algorithm numbers. */
		if (n->data.len == 0 || n->data.len % 2 != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		for (i = 0; i < n->data.len; i += 2) {
			h = be_uint(n->data.ptr + i, 2);
			if (h < 32)	/* unknown numbers are just not ours */
				msg->sighash |= 1u << h;
		}
		break;
	case IKEV2_N_INVALID_KE_PAYLOAD:
		if (n->data.len != 2)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		msg->invalid_ke_group = be_uint(n->data.ptr, 2);
		break;
	}
	return (0);
}

static int
ikev2_pld_notify(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_notify n;
	struct ikev2_notify_p *np;
	size_t off;

	if (ikev2_validate_notify(msg, p, left, &n) == -1)
		return (-1);
	if (msg->nnotify == IKEV2_MAX_NOTIFY)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	np = &msg->notify[msg->nnotify++];
	np->proto = n.proto;
	np->spisize = n.spisize;
	np->type = ntohs(n.type);
	np->encrypted = msg->inner;
	off = sizeof(n);
	np->spi = span(p + off, n.spisize);
	off += n.spisize;
	np->data = span(p + off, left - off);
	return (ikev2_pld_notify_known(msg, np));
}

const struct ikev2_notify_p *
ikev2_pld_notify_find(const struct ikev2_msg_p *msg, uint16_t type)
{
	unsigned i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type == type)
			return (&msg->notify[i]);
	return (NULL);
}

/* --- Delete ---------------------------------------------------------- */

static int
ikev2_validate_delete(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_delete *del)
{
	if (left < sizeof(*del))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(del, p, sizeof(*del));
	/* §3.11: IKE SA deletes carry no SPI, ESP/AH ones 4-octet SPIs. */
	switch (del->proto) {
	case IKEV2_PROTO_IKE:
		if (del->spisize != 0 || ntohs(del->nspi) != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (del->spisize != 4)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	default:
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	}
	if ((size_t)ntohs(del->nspi) * del->spisize != left - sizeof(*del))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_pld_delete(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_delete del;
	struct ikev2_delete_p *d;

	if (ikev2_validate_delete(msg, p, left, &del) == -1)
		return (-1);
	if (msg->ndelete == IKEV2_MAX_DELETE)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	d = &msg->del[msg->ndelete++];
	d->proto = del.proto;
	d->spisize = del.spisize;
	d->nspi = ntohs(del.nspi);
	d->spis = span(p + sizeof(del), left - sizeof(del));
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

static int
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

static int
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

/* --- Vendor ID, EAP -------------------------------------------------- */

static int
ikev2_pld_vendor(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	if (msg->nvendor == IKEV2_MAX_VENDOR)
		return (0);		/* informational only: extra ones ignored */
	msg->vendor[msg->nvendor++] = span(p, left);
	return (0);
}

/* --- SK and SKF ------------------------------------------------------ */

static int
ikev2_validate_skf(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_skf *skf)
{
	if (left < sizeof(*skf))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(skf, p, sizeof(*skf));
	/* RFC 7383 §2.5: numbered from 1, never above the total. */
	if (ntohs(skf->fragnum) == 0 ||
	    ntohs(skf->fragnum) > ntohs(skf->total))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_pld_sk(struct ikev2_msg_p *msg, uint8_t type, uint8_t first,
    size_t off, const uint8_t *p, size_t left)
{
	struct ikev2_skf skf;

	msg->sk.first = first;
	msg->sk.off = off;
	if (type == IKEV2_PLD_SKF) {
		if (ikev2_validate_skf(msg, p, left, &skf) == -1)
			return (-1);
		msg->sk.fragnum = ntohs(skf.fragnum);
		msg->sk.total = ntohs(skf.total);
		p += sizeof(skf);
		left -= sizeof(skf);
	}
	msg->sk.body = span(p, left);
	return (0);
}

/* --- the payload chain ----------------------------------------------- */

/*
 * May payload `type` appear here?  -1: refuse the message; 0: it is one
 * we do not know (skip it unless critical); 1: parse it.  Payloads that
 * identify, authenticate or select traffic only ever travel under SK
 * (§1.2); outside it, only IKE_SA_INIT has cleartext payloads, plus the
 * unprotected error notifies of §1.5.
 */
static int
pld_allowed(const struct ikev2_msg_p *msg, uint8_t type)
{
	switch (type) {
	case IKEV2_PLD_SA:
	case IKEV2_PLD_KE:
	case IKEV2_PLD_NONCE:
	case IKEV2_PLD_CERTREQ:
	case IKEV2_PLD_VENDOR:
		return (msg->inner ||
		    msg->exchange == IKEV2_EXCH_IKE_SA_INIT ? 1 : -1);
	case IKEV2_PLD_NOTIFY:
		return (1);
	case IKEV2_PLD_IDi:
	case IKEV2_PLD_IDr:
	case IKEV2_PLD_CERT:
	case IKEV2_PLD_AUTH:
	case IKEV2_PLD_DELETE:
	case IKEV2_PLD_TSi:
	case IKEV2_PLD_TSr:
	case IKEV2_PLD_CP:
	case IKEV2_PLD_EAP:
		return (msg->inner ? 1 : -1);
	case IKEV2_PLD_SK:
	case IKEV2_PLD_SKF:
		return (!msg->inner &&
		    msg->exchange != IKEV2_EXCH_IKE_SA_INIT ? 1 : -1);
	default:
		return (0);
	}
}

/* Payloads a message may carry at most once. */
static int
pld_once(struct ikev2_msg_p *msg, uint8_t type)
{
	uint32_t bit;

	switch (type) {
	case IKEV2_PLD_SA: case IKEV2_PLD_KE: case IKEV2_PLD_NONCE:
	case IKEV2_PLD_IDi: case IKEV2_PLD_IDr: case IKEV2_PLD_AUTH:
	case IKEV2_PLD_TSi: case IKEV2_PLD_TSr: case IKEV2_PLD_CP:
	case IKEV2_PLD_EAP: case IKEV2_PLD_SK: case IKEV2_PLD_SKF:
		bit = IKEV2_SEEN(type);
		if (msg->seen & bit)
			return (-1);
		msg->seen |= bit;
		return (0);
	default:
		if (type >= IKEV2_PLD_SA && type <= IKEV2_PLD_SKF)
			msg->seen |= IKEV2_SEEN(type);
		return (0);
	}
}

/*
 * Walk a payload chain that must fill [buf+off, buf+len) exactly.  The SK
 * offset recorded in msg is relative to buf, i.e. to the message start.
 */
static int
ikev2_pld_payloads(struct ikev2_msg_p *msg, const uint8_t *buf, size_t off,
    size_t len, uint8_t type)
{
	struct ikev2_gen gen;
	const uint8_t *p;
	size_t left, plen;
	int r, ok;

	while (type != IKEV2_PLD_NONE) {
		if (ikev2_validate_pld(msg, buf + off, len - off, &gen) == -1)
			return (-1);
		plen = ntohs(gen.length);
		p = buf + off + sizeof(gen);
		left = plen - sizeof(gen);

		if ((ok = pld_allowed(msg, type)) == -1)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		if (ok == 0) {
			if (gen.critical & IKEV2_CRITICAL) {
				msg->error_data = type;
				return (pld_error(msg,
				    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD));
			}
			goto next;
		}
		if (pld_once(msg, type) == -1)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));

		switch (type) {
		case IKEV2_PLD_SA:
			r = ikev2_pld_sa(msg, p, left);
			break;
		case IKEV2_PLD_KE:
			r = ikev2_pld_ke(msg, p, left);
			break;
		case IKEV2_PLD_IDi:
			r = ikev2_pld_id(msg, &msg->idi, p, left);
			break;
		case IKEV2_PLD_IDr:
			r = ikev2_pld_id(msg, &msg->idr, p, left);
			break;
		case IKEV2_PLD_CERT:
			r = ikev2_pld_cert(msg, msg->cert, &msg->ncert,
			    p, left);
			break;
		case IKEV2_PLD_CERTREQ:
			r = ikev2_pld_cert(msg, msg->certreq, &msg->ncertreq,
			    p, left);
			break;
		case IKEV2_PLD_AUTH:
			r = ikev2_pld_auth(msg, p, left);
			break;
		case IKEV2_PLD_NONCE:
			r = ikev2_pld_nonce(msg, p, left);
			break;
		case IKEV2_PLD_NOTIFY:
			r = ikev2_pld_notify(msg, p, left);
			break;
		case IKEV2_PLD_DELETE:
			r = ikev2_pld_delete(msg, p, left);
			break;
		case IKEV2_PLD_VENDOR:
			r = ikev2_pld_vendor(msg, p, left);
			break;
		case IKEV2_PLD_TSi:
			r = ikev2_pld_tss(msg, &msg->tsi, p, left);
			break;
		case IKEV2_PLD_TSr:
			r = ikev2_pld_tss(msg, &msg->tsr, p, left);
			break;
		case IKEV2_PLD_CP:
			r = ikev2_pld_cp(msg, p, left);
			break;
		case IKEV2_PLD_EAP:
			msg->eap = span(p, left);
			r = 0;
			break;
		case IKEV2_PLD_SK:
		case IKEV2_PLD_SKF:
			/*
			 * §3.14: SK is the last payload; its Next Payload
			 * names the first payload inside it.
			 */
			if (off + plen != len)
				return (pld_error(msg,
				    IKEV2_N_INVALID_SYNTAX));
			return (ikev2_pld_sk(msg, type, gen.next, off,
			    p, left));
		default:
			r = 0;
			break;
		}
		if (r == -1)
			return (-1);
 next:
		off += plen;
		type = gen.next;
	}
	/* The chain ended: nothing may trail it. */
	if (off != len)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

int
ikev2_pld_parse(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	memset(msg, 0, sizeof(*msg));
	if (ikev2_pld_hdr(msg, buf, len) == -1)
		return (-1);
	return (ikev2_pld_payloads(msg, buf, sizeof(struct ikev2_hdr), len,
	    msg->next));
}

int
ikev2_pld_parse_inner(struct ikev2_msg_p *msg, uint8_t first,
    const uint8_t *buf, size_t len)
{
	static const uint8_t empty[1];
	int r;

	/* An empty SK (a liveness check) may come as NULL, 0. */
	if (buf == NULL) {
		if (len != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		buf = empty;
	}
	msg->inner = 1;
	r = ikev2_pld_payloads(msg, buf, 0, len, first);
	msg->inner = 0;
	return (r);
}
