// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY message validation (pfkey_parse.c), the message as a whole: its
 * header, its length, and the set of extensions it carries. Every malformed
 * message gets exactly the errno the sender will see in sadb_msg_errno, and
 * the messages setkey and strongSwan really send parse. The bodies of
 * extensions are pfkey_ext_test.c's, policies and MIGRATE
 * pfkey_policy_test.c's; this file compiles pfkey_parse.c for all three.
 *
 * Each case starts from a well-formed message and breaks one thing, so a
 * pass means the parser refused that thing and not something else.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "../pfkey_parse.c"

#include "pfkey_util.h"

static void pfkey_add_parses(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	union nf_inet_addr a;
	struct mbuf *m = mbuf_new(test);
	__be16 port;

	build_add(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (const void *)msg.hdr, (void *)m->b);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_SA]);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_KEY_ENCRYPT]);
	KUNIT_EXPECT_NULL(test, msg.ext[SADB_EXT_KEY_AUTH]);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_addr(msg.ext[SADB_EXT_ADDRESS_DST],
						 &a, &port), AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(a.ip), 0x0a000002);
}

static void pfkey_spdadd_parses(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_spdadd(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_X_EXT_POLICY]);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_LIFETIME_HARD]);
	/* X_SPDSETIDX is X_SPDADD (af_key); X_SPDEXPIRE only comes from us. */
	((struct sadb_msg *)m->b)->sadb_msg_type = SADB_X_SPDSETIDX;
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	((struct sadb_msg *)m->b)->sadb_msg_type = SADB_X_SPDEXPIRE;
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
}

static void pfkey_ipv6_parses(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_ADD, SADB_SATYPE_AH);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_spi = htonl(0x2000);
	sa->sadb_sa_auth = SADB_X_AALG_SHA2_256HMAC;
	put_addr6(m, SADB_EXT_ADDRESS_SRC, 128);
	put_addr6(m, SADB_EXT_ADDRESS_DST, 128);
	put_key(m, SADB_EXT_KEY_AUTH, 256, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);

	/* A v6 prefix one past 128 is not. */
	((struct sadb_address *)(m->b + 32))->sadb_address_prefixlen = 129;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_truncated_header(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 8, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 0, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 15, &msg), -EMSGSIZE);
}

static void pfkey_len_mismatch(struct kunit *test)
{
	struct sadb_msg *h;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	h = (void *)m->b;
	h->sadb_msg_len++;			/* says more than was sent */
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);
	h->sadb_msg_len -= 2;			/* says less */
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);
}

static void pfkey_misaligned(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct mbuf *m = mbuf_new(test);

	/* A message that is not a whole number of 64-bit words. */
	build_add(m);
	m->len += 4;
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);

	/* An ipsecrequest whose byte length breaks 8-byte alignment. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len -= 4;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_ext_past_end(struct kunit *test)
{
	struct sadb_key *k;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	/* The key is the last extension: make it claim one word more. */
	k = (void *)(m->b + m->len - 32);
	KUNIT_ASSERT_EQ(test, k->sadb_key_exttype, SADB_EXT_KEY_ENCRYPT);
	k->sadb_key_len++;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_zero_len_ext(struct kunit *test)
{
	struct sadb_ext *e;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	e = (void *)(m->b + sizeof(struct sadb_msg));
	e->sadb_ext_len = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_duplicate_ext(struct kunit *test)
{
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000003, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_unknown_ext(struct kunit *test)
{
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	put(m, 27, 8);		/* between Linux's last and ours */
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	put(m, SADB_EXT_RESERVED, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	put(m, 4000, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_missing_required(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	/* No SA extension. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* No destination. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* ESP without its cipher key. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An integrity algorithm without its key. */
	sa = build_add(m);
	sa->sadb_sa_auth = SADB_X_AALG_SHA2_256HMAC;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* SPDADD without its policy. */
	put_hdr(m, SADB_X_SPDADD, 0);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_forbidden_ext(struct kunit *test)
{
	struct sadb_spirange *r;
	struct mbuf *m = mbuf_new(test);

	/* SPIRANGE belongs to GETSPI, not ADD. */
	build_add(m);
	r = put(m, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x100;
	r->sadb_spirange_max = 0x200;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Only the kernel sends SUPPORTED. */
	build_add(m);
	put(m, SADB_EXT_SUPPORTED_AUTH, sizeof(struct sadb_supported));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* FLUSH takes nothing. */
	put_hdr(m, SADB_FLUSH, SADB_SATYPE_UNSPEC);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Security contexts: no LSM labels here. */
	build_add(m);
	put(m, SADB_X_EXT_SEC_CTX, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
}

static void pfkey_bad_header(struct kunit *test)
{
	struct sadb_msg *h;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	h = (void *)m->b;
	h->sadb_msg_version = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	h->sadb_msg_type = SADB_RESERVED;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	h->sadb_msg_type = SADB_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	h->sadb_msg_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An SA needs a protocol: not UNSPEC, not IPComp, not RSVP. */
	build_add(m);
	h->sadb_msg_satype = SADB_SATYPE_UNSPEC;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	h->sadb_msg_satype = SADB_X_SATYPE_IPCOMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);
	h->sadb_msg_satype = SADB_SATYPE_RSVP;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Types only the kernel sends, or nfipsec does not do. */
	put_hdr(m, SADB_EXPIRE, SADB_SATYPE_ESP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
	put_hdr(m, SADB_X_PCHANGE, 0);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);

	put_hdr(m, SADB_REGISTER, SADB_X_SATYPE_IPCOMP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);

	/* REGISTER with a satype past SADB_SATYPE_MAX. */
	put_hdr(m, SADB_REGISTER, SADB_SATYPE_MAX + 1);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	put_hdr(m, SADB_REGISTER, SADB_SATYPE_ESP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
}

static struct kunit_case pfkey_cases[] = {
	KUNIT_CASE(pfkey_add_parses),
	KUNIT_CASE(pfkey_spdadd_parses),
	KUNIT_CASE(pfkey_ipv6_parses),
	KUNIT_CASE(pfkey_truncated_header),
	KUNIT_CASE(pfkey_len_mismatch),
	KUNIT_CASE(pfkey_misaligned),
	KUNIT_CASE(pfkey_ext_past_end),
	KUNIT_CASE(pfkey_zero_len_ext),
	KUNIT_CASE(pfkey_duplicate_ext),
	KUNIT_CASE(pfkey_unknown_ext),
	KUNIT_CASE(pfkey_missing_required),
	KUNIT_CASE(pfkey_forbidden_ext),
	KUNIT_CASE(pfkey_bad_header),
	{}
};

static struct kunit_suite pfkey_suite = {
	.name = "nfipsec_pfkey",
	.test_cases = pfkey_cases,
};

kunit_test_suites(&pfkey_suite);
