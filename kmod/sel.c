// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic selectors (RFC 4301 §4.4.1.1): does a flow fall inside one, do two
 * of them share a flow, are two of them the same.
 *
 * Addresses are kept in network byte order, so a memcmp() over the family's
 * address length compares them as the big integers they are; a range is
 * inclusive at both ends. Port fields follow the RFC's three cases:
 *
 *   ANY     0..65535 without the OPAQUE flag: every flow, including those
 *           whose ports could not be read;
 *   OPAQUE  only flows whose ports are unknown (non-initial fragments);
 *   a range only flows whose ports are known and inside it.
 *
 * For protocols without ports the same fields carry ICMP type (local) and
 * code (remote) or the Mobility Header type (local), so nothing here looks
 * at the protocol to decide what a port means.
 */
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "sel.h"

static unsigned int addr_len(u8 family)
{
	return family == AF_INET6 ? 16 : 4;
}

static int addr_cmp(const union nf_inet_addr *a, const union nf_inet_addr *b,
		    u8 family)
{
	return memcmp(a, b, addr_len(family));
}

static bool range_has(const struct nfipsec_addr_range *r,
		      const union nf_inet_addr *a, u8 family)
{
	return addr_cmp(&r->lo, a, family) <= 0 &&
	       addr_cmp(a, &r->hi, family) <= 0;
}

static bool ranges_meet(const struct nfipsec_addr_range *a,
			const struct nfipsec_addr_range *b, u8 family)
{
	return addr_cmp(&a->lo, &b->hi, family) <= 0 &&
	       addr_cmp(&b->lo, &a->hi, family) <= 0;
}

static bool port_match(bool sel_opaque, u16 lo, u16 hi, bool fl_opaque,
		       u16 port)
{
	if (sel_opaque)
		return fl_opaque;
	if (lo == 0 && hi == U16_MAX)
		return true;
	return !fl_opaque && lo <= port && port <= hi;
}

/* Does a port selector take flows whose ports are unknown? */
static bool port_takes_opaque(bool opaque, u16 lo, u16 hi)
{
	return opaque || (lo == 0 && hi == U16_MAX);
}

/*
 * Flows come in two kinds: those with both ports known, and those with
 * neither (NFIPSEC_FLOW_PORTS_OPAQUE). Two selectors share a flow of the
 * first kind when their known-port ranges meet on both sides, and one of
 * the second kind when all four port selectors take unknown ports.
 */
static bool ports_meet(const struct nfipsec_sel *a,
		       const struct nfipsec_sel *b)
{
	const u8 opq = NFIPSEC_SEL_LPORT_OPAQUE | NFIPSEC_SEL_RPORT_OPAQUE;

	if (!((a->flags | b->flags) & opq) &&
	    a->lport_lo <= b->lport_hi && b->lport_lo <= a->lport_hi &&
	    a->rport_lo <= b->rport_hi && b->rport_lo <= a->rport_hi)
		return true;
	return port_takes_opaque(a->flags & NFIPSEC_SEL_LPORT_OPAQUE,
				 a->lport_lo, a->lport_hi) &&
	       port_takes_opaque(a->flags & NFIPSEC_SEL_RPORT_OPAQUE,
				 a->rport_lo, a->rport_hi) &&
	       port_takes_opaque(b->flags & NFIPSEC_SEL_LPORT_OPAQUE,
				 b->lport_lo, b->lport_hi) &&
	       port_takes_opaque(b->flags & NFIPSEC_SEL_RPORT_OPAQUE,
				 b->rport_lo, b->rport_hi);
}

bool nfipsec_sel_match(const struct nfipsec_sel *sel,
		       const struct nfipsec_flow *fl)
{
	bool opaque = fl->flags & NFIPSEC_FLOW_PORTS_OPAQUE;

	if (sel->family != fl->family)
		return false;
	if (sel->proto != NFIPSEC_PROTO_ANY && sel->proto != fl->proto)
		return false;
	if (!range_has(&sel->local, &fl->local, sel->family) ||
	    !range_has(&sel->remote, &fl->remote, sel->family))
		return false;
	return port_match(sel->flags & NFIPSEC_SEL_LPORT_OPAQUE,
			  sel->lport_lo, sel->lport_hi, opaque, fl->lport) &&
	       port_match(sel->flags & NFIPSEC_SEL_RPORT_OPAQUE,
			  sel->rport_lo, sel->rport_hi, opaque, fl->rport);
}

bool nfipsec_sel_overlap(const struct nfipsec_sel *a,
			 const struct nfipsec_sel *b)
{
	if (a->family != b->family)
		return false;
	if (a->proto != NFIPSEC_PROTO_ANY && b->proto != NFIPSEC_PROTO_ANY &&
	    a->proto != b->proto)
		return false;
	if (!ranges_meet(&a->local, &b->local, a->family) ||
	    !ranges_meet(&a->remote, &b->remote, a->family))
		return false;
	return ports_meet(a, b);
}

bool nfipsec_sel_equal(const struct nfipsec_sel *a,
		       const struct nfipsec_sel *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->flags == b->flags &&
	       !addr_cmp(&a->local.lo, &b->local.lo, a->family) &&
	       !addr_cmp(&a->local.hi, &b->local.hi, a->family) &&
	       !addr_cmp(&a->remote.lo, &b->remote.lo, a->family) &&
	       !addr_cmp(&a->remote.hi, &b->remote.hi, a->family) &&
	       a->lport_lo == b->lport_lo && a->lport_hi == b->lport_hi &&
	       a->rport_lo == b->rport_lo && a->rport_hi == b->rport_hi;
}

void nfipsec_sel_set_prefix(struct nfipsec_addr_range *r, u8 family,
			    const union nf_inet_addr *addr, u8 prefixlen)
{
	unsigned int len = addr_len(family), i;
	unsigned int bits = min_t(unsigned int, prefixlen, len * 8);
	const u8 *a = (const u8 *)addr;
	u8 *lo = (u8 *)&r->lo, *hi = (u8 *)&r->hi;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < len; i++) {
		/* Bits of byte i that belong to the prefix. */
		unsigned int keep = clamp_t(int, (int)bits - (int)i * 8, 0, 8);
		u8 mask = keep ? (u8)(0xff << (8 - keep)) : 0;

		lo[i] = a[i] & mask;
		hi[i] = a[i] | (u8)~mask;
	}
}

int nfipsec_sel_prefixlen(const struct nfipsec_addr_range *r, u8 family)
{
	const u8 *lo = (const u8 *)&r->lo, *hi = (const u8 *)&r->hi;
	unsigned int len = addr_len(family), i, plen = 0;
	bool in_host = false;

	/* A prefix is lo with some trailing zero bits, hi the same bits one. */
	for (i = 0; i < len; i++) {
		u8 diff = lo[i] ^ hi[i];

		if (in_host) {
			if (lo[i] != 0 || hi[i] != 0xff)
				return -1;
			continue;
		}
		if (diff == 0) {
			plen += 8;
			continue;
		}
		/* diff must be a run of low-order ones, lo zero there. */
		if ((diff & (diff + 1)) || (lo[i] & diff) || (~hi[i] & diff))
			return -1;
		plen += 8 - hweight8(diff);
		in_host = true;
	}
	return plen;
}
