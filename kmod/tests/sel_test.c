// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors: prefixes and ranges of both families compared as big
 * integers, ports with RFC 4301's ANY and OPAQUE, ICMP type/code and
 * MH type carried in the port fields, protocol ANY. The last case checks
 * nfipsec_sel_overlap() against brute force over a small space.
 */
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/in6.h>
#include <linux/prandom.h>

#include "../sel.c"

#include "sel_util.h"

static void sel_v4_prefixes(struct kunit *test)
{
	struct nfipsec_sel s;
	struct nfipsec_flow f;

	sel_any(&s, AF_INET);
	prefix4(&s.local, IP4(10, 1, 0, 0), 16);
	prefix4(&s.remote, IP4(192, 168, 7, 9), 32);

	flow4(&f, IPPROTO_TCP, IP4(10, 1, 0, 0), IP4(192, 168, 7, 9), 1, 2);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	flow4(&f, IPPROTO_TCP, IP4(10, 1, 255, 255), IP4(192, 168, 7, 9), 1, 2);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	flow4(&f, IPPROTO_TCP, IP4(10, 2, 0, 0), IP4(192, 168, 7, 9), 1, 2);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	flow4(&f, IPPROTO_TCP, IP4(10, 0, 255, 255), IP4(192, 168, 7, 9), 1, 2);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	flow4(&f, IPPROTO_TCP, IP4(10, 1, 3, 4), IP4(192, 168, 7, 10), 1, 2);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));

	/* set_prefix masks host bits off the address it is given. */
	prefix4(&s.local, IP4(10, 1, 2, 3), 8);
	flow4(&f, IPPROTO_UDP, IP4(10, 255, 0, 1), IP4(192, 168, 7, 9), 1, 2);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	KUNIT_EXPECT_EQ(test, nfipsec_sel_prefixlen(&s.local, AF_INET), 8);

	/* /0 is everything, and the family must still agree. */
	prefix4(&s.remote, IP4(1, 2, 3, 4), 0);
	flow4(&f, IPPROTO_UDP, IP4(10, 0, 0, 0), IP4(255, 255, 255, 255), 0, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.family = AF_INET6;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
}

static void sel_v4_ranges(struct kunit *test)
{
	struct nfipsec_sel s;
	struct nfipsec_flow f;

	sel_any(&s, AF_INET);
	addr4(&s.local.lo, IP4(10, 0, 0, 250));
	addr4(&s.local.hi, IP4(10, 0, 1, 5));
	KUNIT_EXPECT_EQ(test, nfipsec_sel_prefixlen(&s.local, AF_INET), -1);

	flow4(&f, 0, IP4(10, 0, 0, 249), IP4(1, 1, 1, 1), 0, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	f.local.ip = htonl(IP4(10, 0, 0, 250));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	/* Byte order matters: 10.0.0.255 < 10.0.1.0 only as big-endian. */
	f.local.ip = htonl(IP4(10, 0, 0, 255));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.local.ip = htonl(IP4(10, 0, 1, 0));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.local.ip = htonl(IP4(10, 0, 1, 5));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.local.ip = htonl(IP4(10, 0, 1, 6));
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	f.local.ip = htonl(IP4(9, 255, 255, 255));
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
}

static void sel_v6(struct kunit *test)
{
	struct nfipsec_sel s;
	struct nfipsec_flow f = { .family = AF_INET6, .proto = IPPROTO_TCP };
	union nf_inet_addr a;
	int len;

	sel_any(&s, AF_INET6);
	addr6(&a, 0x20010db8, 0, 0, 0);
	nfipsec_sel_set_prefix(&s.local, AF_INET6, &a, 32);
	/* A range whose ends differ in a middle word: carries across. */
	addr6(&s.remote.lo, 0x20010db8, 0, 0xffffffff, 0xfffffffe);
	addr6(&s.remote.hi, 0x20010db8, 1, 0, 1);

	addr6(&f.local, 0x20010db8, 0xffffffff, 0xffffffff, 0xffffffff);
	addr6(&f.remote, 0x20010db8, 0, 0xffffffff, 0xffffffff);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	addr6(&f.remote, 0x20010db8, 1, 0, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	addr6(&f.remote, 0x20010db8, 1, 0, 2);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	addr6(&f.remote, 0x20010db8, 0, 0xffffffff, 0xfffffffd);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	addr6(&f.remote, 0x20010db8, 0, 0xffffffff, 0xffffffff);
	addr6(&f.local, 0x20010db9, 0, 0, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));

	/* Prefix lengths round-trip, and only prefixes have one. */
	addr6(&a, 0xfe800000, 0x12345678, 0x9abcdef0, 0x0fedcba9);
	for (len = 0; len <= 128; len++) {
		nfipsec_sel_set_prefix(&s.local, AF_INET6, &a, len);
		KUNIT_EXPECT_EQ(test, nfipsec_sel_prefixlen(&s.local, AF_INET6),
				len);
	}
	KUNIT_EXPECT_EQ(test, nfipsec_sel_prefixlen(&s.remote, AF_INET6), -1);
	for (len = 0; len <= 32; len++) {
		prefix4(&s.local, IP4(172, 16, 254, 3), len);
		KUNIT_EXPECT_EQ(test, nfipsec_sel_prefixlen(&s.local, AF_INET),
				len);
	}
}

static void sel_ports(struct kunit *test)
{
	struct nfipsec_sel s;
	struct nfipsec_flow f;

	sel_any(&s, AF_INET);
	s.proto = IPPROTO_TCP;
	s.rport_lo = 1000;
	s.rport_hi = 2000;
	flow4(&f, IPPROTO_TCP, 1, 2, 40000, 1000);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.rport = 2000;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.rport = 2001;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	f.rport = 999;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	f.rport = 1500;
	f.proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));

	/* A non-initial fragment: no ports. A range cannot claim it. */
	f.proto = IPPROTO_TCP;
	f.flags = NFIPSEC_FLOW_PORTS_OPAQUE;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	/* ANY takes it ... */
	s.rport_lo = 0;
	s.rport_hi = U16_MAX;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	/* ... and so does OPAQUE, which takes nothing else. */
	s.flags = NFIPSEC_SEL_RPORT_OPAQUE;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.flags = 0;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	s.flags = NFIPSEC_SEL_LPORT_OPAQUE;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
}

static void sel_icmp_mh(struct kunit *test)
{
	struct nfipsec_sel s;
	struct nfipsec_flow f;

	/* ICMP echo request: type in the local port, code in the remote. */
	sel_any(&s, AF_INET);
	s.proto = IPPROTO_ICMP;
	s.lport_lo = ICMP_ECHO;
	s.lport_hi = ICMP_ECHO;
	s.rport_lo = 0;
	s.rport_hi = 0;
	flow4(&f, IPPROTO_ICMP, 1, 2, ICMP_ECHO, 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.lport = ICMP_ECHOREPLY;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	f.lport = ICMP_ECHO;
	f.rport = 1;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
	/* The same numbers as TCP ports are another protocol's traffic. */
	flow4(&f, IPPROTO_TCP, 1, 2, ICMP_ECHO, 0);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));

	/* Destination unreachable, any code. */
	s.lport_lo = ICMP_DEST_UNREACH;
	s.lport_hi = ICMP_DEST_UNREACH;
	s.rport_lo = 0;
	s.rport_hi = U16_MAX;
	flow4(&f, IPPROTO_ICMP, 1, 2, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));

	/* Mobility Header type 5 (Binding Update) over IPv6. */
	sel_any(&s, AF_INET6);
	s.proto = IPPROTO_MH;
	s.lport_lo = 5;
	s.lport_hi = 5;
	memset(&f, 0, sizeof(f));
	f.family = AF_INET6;
	f.proto = IPPROTO_MH;
	f.lport = 5;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	f.lport = 6;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_match(&s, &f));
}

static void sel_proto_any(struct kunit *test)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ESP,
				     IPPROTO_ICMP, IPPROTO_SCTP, 255 };
	struct nfipsec_sel s;
	struct nfipsec_flow f;
	unsigned int i;

	sel_any(&s, AF_INET);
	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		flow4(&f, protos[i], 3, 4, 5, 6);
		KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
		f.flags = NFIPSEC_FLOW_PORTS_OPAQUE;
		KUNIT_EXPECT_TRUE(test, nfipsec_sel_match(&s, &f));
	}
}

static void sel_overlap_cases(struct kunit *test)
{
	struct nfipsec_sel a, b;

	sel_any(&a, AF_INET);
	sel_any(&b, AF_INET);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&a, &b));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_equal(&a, &b));
	b.family = AF_INET6;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_overlap(&a, &b));
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_equal(&a, &b));

	sel_any(&b, AF_INET);
	prefix4(&a.local, IP4(10, 0, 0, 0), 8);
	prefix4(&b.local, IP4(10, 1, 0, 0), 16);
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&a, &b));
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_equal(&a, &b));
	prefix4(&b.local, IP4(11, 0, 0, 0), 16);
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_overlap(&a, &b));

	/* Protocols: ANY meets all, two named ones only themselves. */
	sel_any(&b, AF_INET);
	b.proto = IPPROTO_TCP;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&a, &b));
	a.proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_overlap(&a, &b));
	a.proto = IPPROTO_TCP;

	/* Ports: closed ranges, and ANY vs OPAQUE. */
	a.lport_lo = 1;
	a.lport_hi = 5;
	b.lport_lo = 5;
	b.lport_hi = 9;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&a, &b));
	b.lport_lo = 6;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_overlap(&a, &b));
	b.flags = NFIPSEC_SEL_LPORT_OPAQUE;
	KUNIT_EXPECT_FALSE(test, nfipsec_sel_overlap(&a, &b));
	a.lport_lo = 0;
	a.lport_hi = U16_MAX;
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&a, &b));
	KUNIT_EXPECT_TRUE(test, nfipsec_sel_overlap(&b, &a));
}

/*
 * Brute force over a small space: the last address octet 0..7, protocols
 * TCP, UDP and ESP, ports 0..3 and 65535 and "unknown". Two selectors
 * overlap exactly when some flow of that space matches both.
 */
#define BF_PORTS 5

static u16 bf_port(unsigned int i)
{
	return i < 4 ? i : U16_MAX;
}

static void bf_sel(struct nfipsec_sel *s, struct rnd_state *rs)
{
	static const u8 protos[] = { NFIPSEC_PROTO_ANY, IPPROTO_TCP,
				     IPPROTO_UDP };
	u32 a = prandom_u32_state(rs) % 8, b = prandom_u32_state(rs) % 8;
	u32 p = prandom_u32_state(rs);

	sel_any(s, AF_INET);
	addr4(&s->local.lo, IP4(10, 0, 0, min(a, b)));
	addr4(&s->local.hi, IP4(10, 0, 0, max(a, b)));
	a = prandom_u32_state(rs) % 8;
	prefix4(&s->remote, IP4(10, 0, 1, a), 29 + prandom_u32_state(rs) % 4);
	s->proto = protos[p % 3];
	switch ((p >> 4) % 4) {
	case 0:
		break;		/* ANY */
	case 1:
		s->flags |= NFIPSEC_SEL_LPORT_OPAQUE;
		break;
	default:
		a = prandom_u32_state(rs) % 4;
		b = prandom_u32_state(rs) % 4;
		s->lport_lo = min(a, b);
		s->lport_hi = max(a, b);
	}
	if ((p >> 8) % 3 == 0) {
		s->rport_lo = (p >> 12) % 4;
		s->rport_hi = s->rport_lo;
	}
}

static bool bf_witness(const struct nfipsec_sel *x,
		       const struct nfipsec_sel *y)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ESP };
	/* Port pairs: BF_PORTS² known ones, then one "unknown". */
	const unsigned int npp = BF_PORTS * BF_PORTS + 1;
	struct nfipsec_flow f;
	unsigned int i, pp;

	for (i = 0; i < 8 * 8 * ARRAY_SIZE(protos) * npp; i++) {
		pp = i % npp;
		flow4(&f, protos[(i / npp) % ARRAY_SIZE(protos)],
		      IP4(10, 0, 0, i / (npp * ARRAY_SIZE(protos) * 8)),
		      IP4(10, 0, 1, (i / (npp * ARRAY_SIZE(protos))) % 8),
		      bf_port(pp / BF_PORTS % BF_PORTS),
		      bf_port(pp % BF_PORTS));
		if (pp == npp - 1)
			f.flags = NFIPSEC_FLOW_PORTS_OPAQUE;
		if (nfipsec_sel_match(x, &f) && nfipsec_sel_match(y, &f))
			return true;
	}
	return false;
}

static void sel_overlap_bruteforce(struct kunit *test)
{
	struct nfipsec_sel x, y;
	struct rnd_state rs;
	unsigned int i, meets = 0;

	prandom_seed_state(&rs, 4301);
	for (i = 0; i < 400; i++) {
		bf_sel(&x, &rs);
		bf_sel(&y, &rs);
		meets += nfipsec_sel_overlap(&x, &y);
		KUNIT_ASSERT_EQ_MSG(test, nfipsec_sel_overlap(&x, &y),
				    bf_witness(&x, &y), "pair %u", i);
		KUNIT_ASSERT_EQ(test, nfipsec_sel_overlap(&x, &y),
				nfipsec_sel_overlap(&y, &x));
	}
	/* Both answers must have come up for the test to mean anything. */
	KUNIT_EXPECT_GT(test, meets, 40U);
	KUNIT_EXPECT_LT(test, meets, 360U);
}

static struct kunit_case sel_cases[] = {
	KUNIT_CASE(sel_v4_prefixes),
	KUNIT_CASE(sel_v4_ranges),
	KUNIT_CASE(sel_v6),
	KUNIT_CASE(sel_ports),
	KUNIT_CASE(sel_icmp_mh),
	KUNIT_CASE(sel_proto_any),
	KUNIT_CASE(sel_overlap_cases),
	KUNIT_CASE(sel_overlap_bruteforce),
	{}
};

static struct kunit_suite sel_suite = {
	.name = "nfipsec_sel",
	.test_cases = sel_cases,
};

kunit_test_suites(&sel_suite);
