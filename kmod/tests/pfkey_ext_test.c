// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY message validation (pfkey_parse.c), the bodies of SA extensions:
 * addresses, keys, the SA, SPI ranges, and nfipsec's own extensions (replay
 * window, Name selector, mark, TFC, SENSITIVITY, statistics), each accepted
 * where it belongs and refused, with its errno, where it does not.
 *
 * Each case starts from a well-formed message and breaks one thing.
 */
#include <kunit/test.h>

#include "pfkey_util.h"

/* A Name selector on SPDADD: @pat (@len bytes, zero-padded to 8). */
static int spdadd_name(struct kunit *test, u8 type, const char *pat,
		       size_t len)
{
	struct nfipsec_sadb_x_name *n;
	struct mbuf *m = mbuf_new(test);

	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, ALIGN(sizeof(*n) + len, 8));
	n->sadb_x_name_type = type;
	memcpy(n + 1, pat, len);
	finish(m);
	return parse(m);
}

static void pfkey_bad_prefix(struct kunit *test)
{
	struct sadb_address *a;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	a = (void *)(m->b + sizeof(struct sadb_msg) + sizeof(struct sadb_sa));
	KUNIT_ASSERT_EQ(test, a->sadb_address_exttype, SADB_EXT_ADDRESS_SRC);
	a->sadb_address_prefixlen = 33;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	a->sadb_address_prefixlen = 0;
	KUNIT_EXPECT_EQ(test, parse(m), 0);

	/* An address of an unknown family. */
	((struct sockaddr *)(a + 1))->sa_family = AF_UNIX;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_family_mismatch(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr6(m, SADB_EXT_ADDRESS_DST, 128);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_key_bits(struct kunit *test)
{
	struct sadb_key *k;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	k = (void *)(m->b + m->len - 32);
	k->sadb_key_bits = 192;		/* 24 bytes: exactly what fits */
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	k->sadb_key_bits = 193;		/* one bit past the body */
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_bad_sa(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	sa = build_add(m);
	sa->sadb_sa_state = SADB_SASTATE_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	sa = build_add(m);
	sa->sadb_sa_auth = SADB_AALG_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An SA extension longer than struct sadb_sa. */
	put_hdr(m, SADB_GET, SADB_SATYPE_ESP);
	put(m, SADB_EXT_SA, 24);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* AH carries no cipher. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_AH);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_auth = SADB_AALG_SHA1HMAC;
	sa->sadb_sa_encrypt = SADB_X_EALG_AESCBC;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	put_key(m, SADB_EXT_KEY_AUTH, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_bad_spirange(struct kunit *test)
{
	struct sadb_spirange *r;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_GETSPI, SADB_SATYPE_ESP);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	r = put(m, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x200;
	r->sadb_spirange_max = 0x300;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	r->sadb_spirange_min = 0x301;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_sa_replay_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_replay *r;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	r = put(m, NFIPSEC_SADB_X_EXT_SA_REPLAY, sizeof(*r));
	r->sadb_x_sa_replay_replay = 4096;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_SA_REPLAY],
			    (const void *)r);
}

static void pfkey_name_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_name *n;
	struct mbuf *m;

	KUNIT_EXPECT_EQ(test, spdadd_name(test, SADB_IDENTTYPE_USERFQDN,
					  "*@family.example", 17), 0);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "*", 2), 0);
	/* empty; not NUL-terminated; bytes after the NUL; bad type */
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "abcdefgh", 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "ab\0cd", 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, SADB_IDENTTYPE_MAX + 1, "*", 2),
			-EINVAL);
	/* NFIPSEC_NAME_MAX bytes and its NUL fit; one more does not. */
	m = mbuf_new(test);
	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 136);
	memset(n + 1, 'a', NFIPSEC_NAME_MAX);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	memset(n + 1, 'a', NFIPSEC_NAME_MAX + 1);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* reserved bytes */
	m = mbuf_new(test);
	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 8);
	n->sadb_x_name_reserved[1] = 1;
	((char *)(n + 1))[0] = '*';
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* SAs take no Name selector. */
	m = mbuf_new(test);
	build_add(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 8);
	((char *)(n + 1))[0] = '*';
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_sa_mark_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_mark *mk;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	mk = put(m, NFIPSEC_SADB_X_EXT_SA_MARK, sizeof(*mk));
	mk->sadb_x_sa_mark_value = 0x100;
	mk->sadb_x_sa_mark_mask = 0xff00;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_SA_MARK],
			    (const void *)mk);
	mk->sadb_x_sa_mark_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take no mark. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, NFIPSEC_SADB_X_EXT_SA_MARK, sizeof(*mk));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_tfc_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_tfc *tfc;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	tfc = put(m, NFIPSEC_SADB_X_EXT_TFC, sizeof(*tfc));
	tfc->sadb_x_tfc_padto = 1200;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_TFC],
			    (const void *)tfc);
	/* Longer than any IP packet. */
	tfc->sadb_x_tfc_padto = 65536;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take no padding. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, NFIPSEC_SADB_X_EXT_TFC, sizeof(*tfc));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

/* RFC 2367 §2.3.7: SENSITIVITY rides on ADD, its bitmaps filling it. */
static void pfkey_sens_ext(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);
	struct sadb_sens *s;

	build_add(m);
	s = put(m, SADB_EXT_SENSITIVITY, sizeof(*s) + 16);
	s->sadb_sens_dpd = 1;
	s->sadb_sens_sens_len = 1;
	s->sadb_sens_integ_len = 1;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[SADB_EXT_SENSITIVITY],
			    (const void *)s);
	/* A bitmap longer than the extension. */
	s->sadb_sens_integ_len = 2;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Or shorter. */
	s->sadb_sens_sens_len = 0;
	s->sadb_sens_integ_len = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	s->sadb_sens_sens_len = 1;
	s->sadb_sens_integ_len = 1;
	s->sadb_sens_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take none. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, SADB_EXT_SENSITIVITY, sizeof(*s));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

/* NFIPSEC_SADB_X_EXT_SA_STATS: asked for in GET and DUMP only, zeroed. */
static void pfkey_sa_stats_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_stats *st;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_DUMP, SADB_SATYPE_UNSPEC);
	st = put(m, NFIPSEC_SADB_X_EXT_SA_STATS, sizeof(*st));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	st->sadb_x_sa_stats_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	build_add(m);
	put(m, NFIPSEC_SADB_X_EXT_SA_STATS, sizeof(*st));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static struct kunit_case pfkey_ext_cases[] = {
	KUNIT_CASE(pfkey_bad_prefix),
	KUNIT_CASE(pfkey_family_mismatch),
	KUNIT_CASE(pfkey_key_bits),
	KUNIT_CASE(pfkey_bad_sa),
	KUNIT_CASE(pfkey_bad_spirange),
	KUNIT_CASE(pfkey_sa_replay_ext),
	KUNIT_CASE(pfkey_name_ext),
	KUNIT_CASE(pfkey_sa_mark_ext),
	KUNIT_CASE(pfkey_tfc_ext),
	KUNIT_CASE(pfkey_sens_ext),
	KUNIT_CASE(pfkey_sa_stats_ext),
	{}
};

static struct kunit_suite pfkey_ext_suite = {
	.name = "nfipsec_pfkey_ext",
	.test_cases = pfkey_ext_cases,
};

kunit_test_suites(&pfkey_ext_suite);
