// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors as boxes: the geometry decorrelation and the classifier work
 * in. Each dimension is an inclusive integer interval; an address is a
 * 128-bit number (IPv4 uses the low 32 bits), a port interval runs over
 * 0..NFIPSEC_PORT_OPAQUE so that RFC 4301's ANY (everything, unknown ports
 * included) and OPAQUE (only unknown ports) are plain intervals too. This
 * keeps the box semantics identical to nfipsec_sel_match(): the SPD tests
 * check one against the other on random input.
 */
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "spd_int.h"

int nfipsec_u128_cmp(const struct nfipsec_u128 *a,
		     const struct nfipsec_u128 *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

static void u128_inc(struct nfipsec_u128 *a)
{
	if (++a->lo == 0)
		a->hi++;
}

static void u128_dec(struct nfipsec_u128 *a)
{
	if (a->lo-- == 0)
		a->hi--;
}

static void u128_from_addr(struct nfipsec_u128 *v, u8 family,
			   const union nf_inet_addr *a)
{
	if (family == AF_INET6) {
		v->hi = (u64)ntohl(a->ip6[0]) << 32 | ntohl(a->ip6[1]);
		v->lo = (u64)ntohl(a->ip6[2]) << 32 | ntohl(a->ip6[3]);
	} else {
		v->hi = 0;
		v->lo = ntohl(a->ip);
	}
}

static void port_span(bool opaque, u16 lo, u16 hi, u32 *elo, u32 *ehi)
{
	if (opaque) {
		*elo = NFIPSEC_PORT_OPAQUE;
		*ehi = NFIPSEC_PORT_OPAQUE;
	} else if (lo == 0 && hi == U16_MAX) {
		*elo = 0;
		*ehi = NFIPSEC_PORT_OPAQUE;
	} else {
		*elo = lo;
		*ehi = hi;
	}
}

void nfipsec_box_from_sel(struct nfipsec_box *b, const struct nfipsec_sel *s)
{
	memset(b, 0, sizeof(*b));
	b->family = s->family;
	u128_from_addr(&b->addr_lo[0], s->family, &s->local.lo);
	u128_from_addr(&b->addr_hi[0], s->family, &s->local.hi);
	u128_from_addr(&b->addr_lo[1], s->family, &s->remote.lo);
	u128_from_addr(&b->addr_hi[1], s->family, &s->remote.hi);
	if (s->proto == NFIPSEC_PROTO_ANY) {
		b->lo[0] = 0;
		b->hi[0] = U8_MAX;
	} else {
		b->lo[0] = s->proto;
		b->hi[0] = s->proto;
	}
	port_span(s->flags & NFIPSEC_SEL_LPORT_OPAQUE, s->lport_lo,
		  s->lport_hi, &b->lo[1], &b->hi[1]);
	port_span(s->flags & NFIPSEC_SEL_RPORT_OPAQUE, s->rport_lo,
		  s->rport_hi, &b->lo[2], &b->hi[2]);
}

void nfipsec_point_from_flow(struct nfipsec_point *p,
			     const struct nfipsec_flow *fl)
{
	p->family = fl->family;
	u128_from_addr(&p->addr[0], fl->family, &fl->local);
	u128_from_addr(&p->addr[1], fl->family, &fl->remote);
	p->v[0] = fl->proto;
	if (fl->flags & NFIPSEC_FLOW_PORTS_OPAQUE) {
		p->v[1] = NFIPSEC_PORT_OPAQUE;
		p->v[2] = NFIPSEC_PORT_OPAQUE;
	} else {
		p->v[1] = fl->lport;
		p->v[2] = fl->rport;
	}
}

bool nfipsec_box_contains(const struct nfipsec_box *b,
			  const struct nfipsec_point *p)
{
	unsigned int i;

	if (b->family != p->family)
		return false;
	for (i = 0; i < 3; i++)
		if (p->v[i] < b->lo[i] || p->v[i] > b->hi[i])
			return false;
	for (i = 0; i < 2; i++)
		if (nfipsec_u128_cmp(&p->addr[i], &b->addr_lo[i]) < 0 ||
		    nfipsec_u128_cmp(&p->addr[i], &b->addr_hi[i]) > 0)
			return false;
	return true;
}

bool nfipsec_box_overlap(const struct nfipsec_box *a,
			 const struct nfipsec_box *b)
{
	unsigned int i;

	if (a->family != b->family)
		return false;
	for (i = 0; i < 3; i++)
		if (a->lo[i] > b->hi[i] || b->lo[i] > a->hi[i])
			return false;
	for (i = 0; i < 2; i++)
		if (nfipsec_u128_cmp(&a->addr_lo[i], &b->addr_hi[i]) > 0 ||
		    nfipsec_u128_cmp(&b->addr_lo[i], &a->addr_hi[i]) > 0)
			return false;
	return true;
}

void nfipsec_box_get(const struct nfipsec_box *b, unsigned int dim,
		     struct nfipsec_u128 *lo, struct nfipsec_u128 *hi)
{
	if (dim < NFIPSEC_DIM_PROTO) {
		*lo = b->addr_lo[dim];
		*hi = b->addr_hi[dim];
	} else {
		lo->hi = 0;
		lo->lo = b->lo[dim - NFIPSEC_DIM_PROTO];
		hi->hi = 0;
		hi->lo = b->hi[dim - NFIPSEC_DIM_PROTO];
	}
}

static void box_set(struct nfipsec_box *b, unsigned int dim,
		    const struct nfipsec_u128 *lo, const struct nfipsec_u128 *hi)
{
	if (dim < NFIPSEC_DIM_PROTO) {
		b->addr_lo[dim] = *lo;
		b->addr_hi[dim] = *hi;
	} else {
		b->lo[dim - NFIPSEC_DIM_PROTO] = lo->lo;
		b->hi[dim - NFIPSEC_DIM_PROTO] = hi->lo;
	}
}

/*
 * Write to @out the boxes that make up @a minus @b, and return how many
 * (at most NFIPSEC_BOX_SPLIT_MAX). They are disjoint, and together with
 * a ∩ b they are exactly @a. Dimension by dimension, the slab of what is
 * left below @b and the slab above it are cut off, and the remainder is
 * narrowed to @b's interval before the next dimension. The address
 * dimensions go first, so most pieces keep whole port and protocol ranges.
 */
unsigned int nfipsec_box_subtract(const struct nfipsec_box *a,
				  const struct nfipsec_box *b,
				  struct nfipsec_box *out)
{
	struct nfipsec_u128 alo, ahi, blo, bhi, v;
	struct nfipsec_box rest = *a;
	unsigned int d, n = 0;

	if (!nfipsec_box_overlap(a, b)) {
		out[0] = *a;
		return 1;
	}
	for (d = 0; d < NFIPSEC_DIMS; d++) {
		nfipsec_box_get(&rest, d, &alo, &ahi);
		nfipsec_box_get(b, d, &blo, &bhi);
		if (nfipsec_u128_cmp(&alo, &blo) < 0) {
			v = blo;
			u128_dec(&v);
			out[n] = rest;
			box_set(&out[n++], d, &alo, &v);
			alo = blo;
		}
		if (nfipsec_u128_cmp(&ahi, &bhi) > 0) {
			v = bhi;
			u128_inc(&v);
			out[n] = rest;
			box_set(&out[n++], d, &v, &ahi);
			ahi = bhi;
		}
		box_set(&rest, d, &alo, &ahi);
	}
	return n;
}
