/* SPDX-License-Identifier: ISC */
/*
 * Building IKEv2 payloads; see ikev2_bld.h.  Each builder writes exactly
 * what the matching ikev2_pld_<x>() accepts, and the round-trip tests hold
 * the two to that.  Only libc and buf.c.
 */
#include <string.h>

#include "ikev2_bld.h"

static void
bld_start(struct ikev2_bld *b, struct buf *buf)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->start = buf->len;
}

void
ikev2_bld_msg(struct ikev2_bld *b, struct buf *buf,
    const uint8_t ispi[IKEV2_SPI_SIZE], const uint8_t rspi[IKEV2_SPI_SIZE],
    uint8_t exchange, uint8_t flags, uint32_t msgid)
{
	bld_start(b, buf);
	buf_add(buf, ispi, IKEV2_SPI_SIZE);
	buf_add(buf, rspi, IKEV2_SPI_SIZE);
	b->nextp = buf->len;
	b->chained = 1;
	buf_add_u8(buf, IKEV2_PLD_NONE);
	buf_add_u8(buf, IKEV2_VERSION);
	buf_add_u8(buf, exchange);
	buf_add_u8(buf, flags);
	buf_add_be32(buf, msgid);
	buf_add_be32(buf, 0);			/* length: ikev2_bld_msg_done */
}

int
ikev2_bld_msg_done(struct ikev2_bld *b)
{
	buf_put_be32(b->buf, b->start + offsetof(struct ikev2_hdr, length),
	    b->buf->len - b->start);
	return (buf_error(b->buf) ? -1 : 0);
}

void
ikev2_bld_chain(struct ikev2_bld *b, struct buf *buf)
{
	bld_start(b, buf);
}

size_t
ikev2_bld_begin(struct ikev2_bld *b, uint8_t type, int critical)
{
	size_t off = b->buf->len;

	if (b->chained && !buf_error(b->buf))
		b->buf->data[b->nextp] = type;
	else if (!b->chained)
		b->first = type;
	b->nextp = off;
	b->chained = 1;
	buf_add_u8(b->buf, IKEV2_PLD_NONE);
	buf_add_u8(b->buf, critical ? IKEV2_CRITICAL : 0);
	buf_add_be16(b->buf, 0);
	return (off);
}

void
ikev2_bld_end(struct ikev2_bld *b, size_t off)
{
	size_t len = b->buf->len - off;

	/* The generic length is 16 bits; never let it wrap silently. */
	if (len > UINT16_MAX) {
		b->buf->err = 1;
		return;
	}
	buf_put_be16(b->buf, off + offsetof(struct ikev2_gen, length), len);
}

void
ikev2_bld_sa(struct ikev2_bld *b, const struct ikev2_sa_p *sa)
{
	const struct ikev2_prop_p *pp;
	const struct ikev2_xform_p *x;
	size_t off, poff, xoff;
	unsigned i, j;

	off = ikev2_bld_begin(b, IKEV2_PLD_SA, 0);
	for (i = 0; i < sa->nprops; i++) {
		pp = &sa->props[i];
		poff = b->buf->len;
		buf_add_u8(b->buf, i + 1 == sa->nprops ?
		    IKEV2_PROP_LAST : IKEV2_PROP_MORE);
		buf_add_u8(b->buf, 0);
		buf_add_be16(b->buf, 0);
		buf_add_u8(b->buf, pp->num);
		buf_add_u8(b->buf, pp->proto);
		buf_add_u8(b->buf, pp->spisize);
		buf_add_u8(b->buf, pp->nxforms);
		if (pp->spisize == 4)
			buf_add_be32(b->buf, pp->spi);
		else if (pp->spisize == 8) {
			buf_add_be32(b->buf, pp->spi >> 32);
			buf_add_be32(b->buf, pp->spi);
		}
		for (j = 0; j < pp->nxforms; j++) {
			x = &pp->xforms[j];
			xoff = b->buf->len;
			buf_add_u8(b->buf, j + 1 == pp->nxforms ?
			    IKEV2_XFORM_LAST : IKEV2_XFORM_MORE);
			buf_add_u8(b->buf, 0);
			buf_add_be16(b->buf, 0);
			buf_add_u8(b->buf, x->type);
			buf_add_u8(b->buf, 0);
			buf_add_be16(b->buf, x->id);
			if (x->flags & IKEV2_XF_KEYLEN) {
				buf_add_be16(b->buf,
				    IKEV2_ATTR_TV | IKEV2_ATTR_KEYLEN);
				buf_add_be16(b->buf, x->keylen);
			}
			buf_put_be16(b->buf, xoff + 2, b->buf->len - xoff);
		}
		buf_put_be16(b->buf, poff + 2, b->buf->len - poff);
	}
	ikev2_bld_end(b, off);
}

void
ikev2_bld_ke(struct ikev2_bld *b, uint16_t group, const uint8_t *data,
    size_t len)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_KE, 0);

	buf_add_be16(b->buf, group);
	buf_add_be16(b->buf, 0);
	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_nonce(struct ikev2_bld *b, const uint8_t *data, size_t len)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_NONCE, 0);

	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_id(struct ikev2_bld *b, uint8_t pld, uint8_t idtype,
    const uint8_t *data, size_t len)
{
	size_t off = ikev2_bld_begin(b, pld, 0);

	buf_add_u8(b->buf, idtype);
	buf_reserve(b->buf, 3);
	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_cert(struct ikev2_bld *b, uint8_t pld, uint8_t encoding,
    const uint8_t *data, size_t len)
{
	size_t off = ikev2_bld_begin(b, pld, 0);

	buf_add_u8(b->buf, encoding);
	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_auth(struct ikev2_bld *b, uint8_t method, const uint8_t *data,
    size_t len)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_AUTH, 0);

	buf_add_u8(b->buf, method);
	buf_reserve(b->buf, 3);
	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_notify(struct ikev2_bld *b, uint8_t proto, const uint8_t *spi,
    uint8_t spisize, uint16_t type, const uint8_t *data, size_t len)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_NOTIFY, 0);

	buf_add_u8(b->buf, proto);
	buf_add_u8(b->buf, spisize);
	buf_add_be16(b->buf, type);
	buf_add(b->buf, spi, spisize);
	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_delete(struct ikev2_bld *b, uint8_t proto, uint8_t spisize,
    const uint8_t *spis, uint16_t nspi)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_DELETE, 0);

	buf_add_u8(b->buf, proto);
	buf_add_u8(b->buf, spisize);
	buf_add_be16(b->buf, nspi);
	buf_add(b->buf, spis, (size_t)spisize * nspi);
	ikev2_bld_end(b, off);
}

void
ikev2_bld_ts(struct ikev2_bld *b, uint8_t pld, const struct ikev2_tss_p *tss)
{
	const struct ikev2_ts_p *t;
	size_t off = ikev2_bld_begin(b, pld, 0);
	unsigned i;

	buf_add_u8(b->buf, tss->nts);
	buf_reserve(b->buf, 3);
	for (i = 0; i < tss->nts; i++) {
		t = &tss->ts[i];
		buf_add_u8(b->buf, t->type);
		buf_add_u8(b->buf, t->proto);
		buf_add_be16(b->buf, sizeof(struct ikev2_ts) + 2 * t->alen);
		buf_add_be16(b->buf, t->sport);
		buf_add_be16(b->buf, t->eport);
		buf_add(b->buf, t->start, t->alen);
		buf_add(b->buf, t->end, t->alen);
	}
	ikev2_bld_end(b, off);
}

void
ikev2_bld_cp(struct ikev2_bld *b, const struct ikev2_cp_p *cp)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_CP, 0);
	unsigned i;

	buf_add_u8(b->buf, cp->type);
	buf_reserve(b->buf, 3);
	for (i = 0; i < cp->ncfg; i++) {
		buf_add_be16(b->buf, cp->cfg[i].type & 0x7fff);
		buf_add_be16(b->buf, cp->cfg[i].value.len);
		buf_add(b->buf, cp->cfg[i].value.ptr, cp->cfg[i].value.len);
	}
	ikev2_bld_end(b, off);
}

void
ikev2_bld_vendor(struct ikev2_bld *b, const uint8_t *data, size_t len)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_VENDOR, 0);

	buf_add(b->buf, data, len);
	ikev2_bld_end(b, off);
}

size_t
ikev2_bld_sk(struct ikev2_bld *b, uint8_t first)
{
	size_t off = ikev2_bld_begin(b, IKEV2_PLD_SK, 0);

	if (!buf_error(b->buf))
		b->buf->data[off] = first;
	/* No further payload may follow SK: stop patching. */
	b->chained = 0;
	b->first = 0;
	ikev2_bld_end(b, off);
	return (off);
}
