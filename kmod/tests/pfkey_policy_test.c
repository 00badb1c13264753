// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY message validation (pfkey_parse.c), policies: the ipsecrequests of
 * X_SPDADD (modes, protocols, levels, tunnel endpoints, how many) and the
 * request pairs of X_MIGRATE, with its KMADDRESS.
 *
 * Each case starts from a well-formed message and breaks one thing.
 */
#include <kunit/test.h>

#include "../spd.h"

#include "pfkey_util.h"

/*
 * SADB_X_MIGRATE out 10.1.0.0/16 -> 10.2.0.0/16: ESP tunnel 192.168.0.1 ->
 * 192.168.0.2 moves to 192.168.0.3 -> 192.168.0.2 (@km: with KMADDRESS).
 * Returns the two requests.
 */
static struct sadb_x_ipsecrequest *build_migrate(struct mbuf *m, bool km)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	struct sockaddr_in *sin;
	unsigned int i;

	put_hdr(m, SADB_X_MIGRATE, SADB_SATYPE_UNSPEC);
	if (km) {
		sin = (void *)((u8 *)put(m, SADB_X_EXT_KMADDRESS, 40) + 8);
		sin[0].sin_family = AF_INET;
		sin[1].sin_family = AF_INET;
	}
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
	xp = put(m, SADB_X_EXT_POLICY, sizeof(*xp) + 2 * (sizeof(*rq) + 32));
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	rq = (void *)(xp + 1);
	for (i = 0; i < 2; i++) {
		struct sadb_x_ipsecrequest *r = (void *)((u8 *)rq + i * 48);

		r->sadb_x_ipsecrequest_len = sizeof(*r) + 32;
		r->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
		r->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
		r->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
		sin = (void *)(r + 1);
		sin[0].sin_family = AF_INET;
		sin[0].sin_addr.s_addr = htonl(i ? 0xc0a80003 : 0xc0a80001);
		sin[1].sin_family = AF_INET;
		sin[1].sin_addr.s_addr = htonl(0xc0a80002);
	}
	finish(m);
	return rq;
}

static void pfkey_bad_ipsecrequest(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	struct mbuf *m = mbuf_new(test);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_ANY;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_COMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Tunnel endpoints of two families. */
	rq = build_spdadd(m);
	((struct sockaddr_in *)(rq + 1))[1].sin_family = AF_INET6;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* A request that claims more than the policy holds. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len += 8;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* A request shorter than its header. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len = 8;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Requests on a DISCARD policy. */
	build_spdadd(m);
	xp = (void *)(m->b + sizeof(struct sadb_msg) + 2 * 24 + 32);
	KUNIT_ASSERT_EQ(test, xp->sadb_x_policy_exttype, SADB_X_EXT_POLICY);
	xp->sadb_x_policy_type = IPSEC_POLICY_DISCARD;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	xp->sadb_x_policy_type = IPSEC_POLICY_BYPASS + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_too_many_requests(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	unsigned int i, n;
	struct mbuf *m = mbuf_new(test);

	for (n = NFIPSEC_MAX_TMPL; n <= NFIPSEC_MAX_TMPL + 1; n++) {
		put_hdr(m, SADB_X_SPDADD, 0);
		put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
		put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
		xp = put(m, SADB_X_EXT_POLICY, sizeof(*xp) + n * sizeof(*rq));
		xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
		xp->sadb_x_policy_dir = IPSEC_DIR_INBOUND;
		rq = (void *)(xp + 1);
		for (i = 0; i < n; i++, rq++) {
			rq->sadb_x_ipsecrequest_len = sizeof(*rq);
			rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
			rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
		}
		finish(m);
		KUNIT_EXPECT_EQ(test, parse(m),
				n > NFIPSEC_MAX_TMPL ? -EINVAL : 0);
	}
}

static void pfkey_migrate_checks(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq, *rq2;
	struct sadb_x_policy *xp;
	struct mbuf *m = mbuf_new(test);

	build_migrate(m, false);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	build_migrate(m, true);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	/* KMADDRESS: one family, reserved zero. */
	((struct sockaddr_in *)(m->b + 24))[1].sin_family = AF_INET6;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	build_migrate(m, true);
	((struct sadb_x_kmaddress *)(m->b + 16))->sadb_x_kmaddress_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* The halves of a pair: one protocol, mode and reqid. */
	rq = build_migrate(m, false);
	rq2 = (void *)((u8 *)rq + 48);
	rq2->sadb_x_ipsecrequest_reqid = 5;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_AH;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Moving nothing; moving IPComp. */
	rq = build_migrate(m, false);
	((struct sockaddr_in *)((u8 *)rq + 48 + 16))->sin_addr.s_addr =
		htonl(0xc0a80001);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_COMP;
	((struct sadb_x_ipsecrequest *)((u8 *)rq + 48))->sadb_x_ipsecrequest_proto =
		IPPROTO_COMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);
	/* Transport mode still names both endpoints of each half. */
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	rq2 = (void *)((u8 *)rq + 48);
	rq2->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	((struct sockaddr_in *)(rq2 + 1))[1].sin_family = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An odd number of requests; no requests; no policy at all. */
	rq = build_migrate(m, false);
	xp = (void *)((u8 *)rq - sizeof(*xp));
	xp->sadb_x_policy_len -= 6;
	m->len -= 48;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	xp->sadb_x_policy_len -= 6;
	m->len -= 48;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	m->len -= 16;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static struct kunit_case pfkey_policy_cases[] = {
	KUNIT_CASE(pfkey_bad_ipsecrequest),
	KUNIT_CASE(pfkey_too_many_requests),
	KUNIT_CASE(pfkey_migrate_checks),
	{}
};

static struct kunit_suite pfkey_policy_suite = {
	.name = "nfipsec_pfkey_policy",
	.test_cases = pfkey_policy_cases,
};

kunit_test_suites(&pfkey_policy_suite);
