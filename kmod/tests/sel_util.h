/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the selector and SPD suites: addresses in host-order
 * numbers, selectors and flows built from them. Include after sel.c.
 */
#ifndef _NFIPSEC_TESTS_SEL_UTIL_H
#define _NFIPSEC_TESTS_SEL_UTIL_H

#define IP4(a, b, c, d)	((u32)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static inline void addr4(union nf_inet_addr *a, u32 host)
{
	memset(a, 0, sizeof(*a));
	a->ip = htonl(host);
}

static inline void addr6(union nf_inet_addr *a, u32 w0, u32 w1, u32 w2, u32 w3)
{
	a->ip6[0] = htonl(w0);
	a->ip6[1] = htonl(w1);
	a->ip6[2] = htonl(w2);
	a->ip6[3] = htonl(w3);
}

/* A selector that matches everything of @family. */
static inline void sel_any(struct nfipsec_sel *s, u8 family)
{
	union nf_inet_addr zero = {};

	memset(s, 0, sizeof(*s));
	s->family = family;
	nfipsec_sel_set_prefix(&s->local, family, &zero, 0);
	nfipsec_sel_set_prefix(&s->remote, family, &zero, 0);
	s->lport_hi = U16_MAX;
	s->rport_hi = U16_MAX;
}

static inline void prefix4(struct nfipsec_addr_range *r, u32 host, u8 len)
{
	union nf_inet_addr a;

	addr4(&a, host);
	nfipsec_sel_set_prefix(r, AF_INET, &a, len);
}

static inline void flow4(struct nfipsec_flow *f, u8 proto, u32 l, u32 r,
			 u16 lp, u16 rp)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->proto = proto;
	addr4(&f->local, l);
	addr4(&f->remote, r);
	f->lport = lp;
	f->rport = rp;
}

#endif /* _NFIPSEC_TESTS_SEL_UTIL_H */
