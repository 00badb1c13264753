/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target holding keyd's payload builder to its parser: whatever
 * parses is rebuilt from the parsed form with ikev2_bld.c, and the rebuilt
 * bytes must parse again to the same fields.  Inputs are read as a bare
 * inner payload chain (first octet = first payload type) and, when they
 * have no SK payload, as a whole cleartext message.  Links ikev2_pld.c,
 * ikev2_bld.c and buf.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ikev2_bld.h"

static int
span_eq(struct ikev2_span a, struct ikev2_span b)
{
	return (a.len == b.len && (a.len == 0 ||
	    memcmp(a.ptr, b.ptr, a.len) == 0));
}

static int
sa_eq(const struct ikev2_sa_p *a, const struct ikev2_sa_p *b)
{
	unsigned i, j;

	if (a->nprops != b->nprops)
		return (0);
	for (i = 0; i < a->nprops; i++) {
		const struct ikev2_prop_p *x = &a->props[i], *y = &b->props[i];

		if (x->num != y->num || x->proto != y->proto ||
		    x->spisize != y->spisize || x->spi != y->spi ||
		    x->nxforms != y->nxforms)
			return (0);
		for (j = 0; j < x->nxforms; j++) {
			const struct ikev2_xform_p *s = &x->xforms[j],
			    *t = &y->xforms[j];

			/* Unknown attributes are not rebuilt: mask the flag. */
			if (s->type != t->type || s->id != t->id ||
			    (s->flags & IKEV2_XF_KEYLEN) !=
			    (t->flags & IKEV2_XF_KEYLEN) ||
			    ((s->flags & IKEV2_XF_KEYLEN) &&
			    s->keylen != t->keylen))
				return (0);
		}
	}
	return (1);
}

static int
tss_eq(const struct ikev2_tss_p *a, const struct ikev2_tss_p *b)
{
	unsigned i;

	if (a->nts != b->nts)
		return (0);
	for (i = 0; i < a->nts; i++) {
		const struct ikev2_ts_p *x = &a->ts[i], *y = &b->ts[i];

		if (x->type != y->type || x->proto != y->proto ||
		    x->sport != y->sport || x->eport != y->eport ||
		    x->alen != y->alen || memcmp(x->start, y->start, x->alen) ||
		    memcmp(x->end, y->end, x->alen))
			return (0);
	}
	return (1);
}

static int
msg_eq(const struct ikev2_msg_p *a, const struct ikev2_msg_p *b)
{
	unsigned i;

	if (a->seen != b->seen || !sa_eq(&a->sa, &b->sa) ||
	    a->ke.group != b->ke.group || !span_eq(a->ke.data, b->ke.data) ||
	    !span_eq(a->nonce, b->nonce) ||
	    /* not .body: it keeps the sender's RESERVED octets, as AUTH must */
	    a->idi.type != b->idi.type || !span_eq(a->idi.data, b->idi.data) ||
	    a->idr.type != b->idr.type || !span_eq(a->idr.data, b->idr.data) ||
	    a->auth.method != b->auth.method ||
	    !span_eq(a->auth.data, b->auth.data) ||
	    !tss_eq(&a->tsi, &b->tsi) || !tss_eq(&a->tsr, &b->tsr) ||
	    a->cp.type != b->cp.type || a->cp.ncfg != b->cp.ncfg ||
	    a->ncert != b->ncert || a->ncertreq != b->ncertreq ||
	    a->nnotify != b->nnotify || a->nvendor != b->nvendor ||
	    a->ndelete != b->ndelete || !span_eq(a->cookie, b->cookie) ||
	    a->invalid_ke_group != b->invalid_ke_group)
		return (0);
	for (i = 0; i < a->cp.ncfg; i++)
		if (a->cp.cfg[i].type != b->cp.cfg[i].type ||
		    !span_eq(a->cp.cfg[i].value, b->cp.cfg[i].value))
			return (0);
	for (i = 0; i < a->ncert; i++)
		if (a->cert[i].encoding != b->cert[i].encoding ||
		    !span_eq(a->cert[i].data, b->cert[i].data))
			return (0);
	for (i = 0; i < a->ncertreq; i++)
		if (a->certreq[i].encoding != b->certreq[i].encoding ||
		    !span_eq(a->certreq[i].data, b->certreq[i].data))
			return (0);
	for (i = 0; i < a->nnotify; i++)
		if (a->notify[i].type != b->notify[i].type ||
		    a->notify[i].proto != b->notify[i].proto ||
		    !span_eq(a->notify[i].spi, b->notify[i].spi) ||
		    !span_eq(a->notify[i].data, b->notify[i].data))
			return (0);
	for (i = 0; i < a->nvendor; i++)
		if (!span_eq(a->vendor[i], b->vendor[i]))
			return (0);
	for (i = 0; i < a->ndelete; i++)
		if (a->del[i].proto != b->del[i].proto ||
		    !span_eq(a->del[i].spis, b->del[i].spis))
			return (0);
	return (1);
}

/* Rebuild every parsed payload, in a fixed order. */
static void
rebuild(struct ikev2_bld *bld, const struct ikev2_msg_p *m)
{
	uint32_t s = m->seen;
	unsigned i;

	for (i = 0; i < m->nnotify; i++)
		ikev2_bld_notify(bld, m->notify[i].proto, m->notify[i].spi.ptr,
		    m->notify[i].spisize, m->notify[i].type,
		    m->notify[i].data.ptr, m->notify[i].data.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_IDi))
		ikev2_bld_id(bld, IKEV2_PLD_IDi, m->idi.type,
		    m->idi.data.ptr, m->idi.data.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_IDr))
		ikev2_bld_id(bld, IKEV2_PLD_IDr, m->idr.type,
		    m->idr.data.ptr, m->idr.data.len);
	for (i = 0; i < m->ncert; i++)
		ikev2_bld_cert(bld, IKEV2_PLD_CERT, m->cert[i].encoding,
		    m->cert[i].data.ptr, m->cert[i].data.len);
	for (i = 0; i < m->ncertreq; i++)
		ikev2_bld_cert(bld, IKEV2_PLD_CERTREQ, m->certreq[i].encoding,
		    m->certreq[i].data.ptr, m->certreq[i].data.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_AUTH))
		ikev2_bld_auth(bld, m->auth.method, m->auth.data.ptr,
		    m->auth.data.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_SA))
		ikev2_bld_sa(bld, &m->sa);
	if (s & IKEV2_SEEN(IKEV2_PLD_KE))
		ikev2_bld_ke(bld, m->ke.group, m->ke.data.ptr, m->ke.data.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_NONCE))
		ikev2_bld_nonce(bld, m->nonce.ptr, m->nonce.len);
	if (s & IKEV2_SEEN(IKEV2_PLD_TSi))
		ikev2_bld_ts(bld, IKEV2_PLD_TSi, &m->tsi);
	if (s & IKEV2_SEEN(IKEV2_PLD_TSr))
		ikev2_bld_ts(bld, IKEV2_PLD_TSr, &m->tsr);
	for (i = 0; i < m->ndelete; i++)
		ikev2_bld_delete(bld, m->del[i].proto, m->del[i].spisize,
		    m->del[i].spis.ptr, m->del[i].nspi);
	if (s & IKEV2_SEEN(IKEV2_PLD_CP))
		ikev2_bld_cp(bld, &m->cp);
	for (i = 0; i < m->nvendor; i++)
		ikev2_bld_vendor(bld, m->vendor[i].ptr, m->vendor[i].len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ikev2_msg_p a, b;
	struct ikev2_bld bld;
	struct buf out;

	/* EAP has no builder yet; SK bodies are opaque here. */
	const uint32_t skip = IKEV2_SEEN(IKEV2_PLD_EAP) |
	    IKEV2_SEEN(IKEV2_PLD_SK) | IKEV2_SEEN(IKEV2_PLD_SKF);

	if (size >= 1) {
		memset(&a, 0, sizeof(a));
		a.exchange = IKEV2_EXCH_IKE_AUTH;
		if (ikev2_pld_parse_inner(&a, data[0], size > 1 ? data + 1 :
		    NULL, size - 1) == 0 && !(a.seen & skip)) {
			buf_init(&out);
			ikev2_bld_chain(&bld, &out);
			rebuild(&bld, &a);
			memset(&b, 0, sizeof(b));
			b.exchange = IKEV2_EXCH_IKE_AUTH;
			if (buf_error(&out) || ikev2_pld_parse_inner(&b,
			    bld.first, out.data, out.len) != 0 ||
			    !msg_eq(&a, &b))
				abort();
			buf_free(&out);
		}
	}
	if (ikev2_pld_parse(&a, data, size) == 0 && !(a.seen & skip)) {
		buf_init(&out);
		ikev2_bld_msg(&bld, &out, a.ispi, a.rspi, a.exchange, a.flags,
		    a.msgid);
		rebuild(&bld, &a);
		if (ikev2_bld_msg_done(&bld) != 0 ||
		    ikev2_pld_parse(&b, out.data, out.len) != 0 ||
		    !msg_eq(&a, &b) || b.version != IKEV2_VERSION)
			abort();
		buf_free(&out);
	}
	return (0);
}
