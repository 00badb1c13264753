// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: SPD Name selector patterns (name_sel.c).
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "../name_sel.c"

struct name_case {
	u8 sel_type;
	const char *pat;
	u8 type;
	const char *id;
	bool match;
};

static const struct name_case cases[] = {
	/* exact, case-insensitive */
	{ 0, "alice@family.example", SADB_IDENTTYPE_USERFQDN,
	  "alice@family.example", true },
	{ 0, "alice@family.example", SADB_IDENTTYPE_USERFQDN,
	  "Alice@Family.EXAMPLE", true },
	{ 0, "alice@family.example", SADB_IDENTTYPE_USERFQDN,
	  "alice@family.example.org", false },
	{ 0, "alice@family.example", SADB_IDENTTYPE_USERFQDN,
	  "malice@family.example", false },
	/* e-mail domain */
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_USERFQDN, "bob@family.example", true },
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_USERFQDN, "@family.example", false },
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_USERFQDN, "bob@evil.example", false },
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_USERFQDN, "x@evil.example@family.example", false },
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_USERFQDN, "bob@notfamily.example", false },
	/* the type must agree when the selector names one */
	{ SADB_IDENTTYPE_USERFQDN, "*@family.example",
	  SADB_IDENTTYPE_FQDN, "bob@family.example", false },
	/* DNS wildcard: below the domain, not the domain itself */
	{ SADB_IDENTTYPE_FQDN, "*.example.com", SADB_IDENTTYPE_FQDN,
	  "gw.example.com", true },
	{ SADB_IDENTTYPE_FQDN, "*.example.com", SADB_IDENTTYPE_FQDN,
	  "a.b.example.com", true },
	{ SADB_IDENTTYPE_FQDN, "*.example.com", SADB_IDENTTYPE_FQDN,
	  "example.com", false },
	{ SADB_IDENTTYPE_FQDN, "*.example.com", SADB_IDENTTYPE_FQDN,
	  "badexample.com", false },
	/* anything, but something */
	{ 0, "*", SADB_IDENTTYPE_PREFIX, "192.0.2.1/32", true },
	{ 0, "*", SADB_IDENTTYPE_FQDN, "", false },
};

static struct nfipsec_name_sel *mk_sel(struct kunit *test, u8 type,
				       const char *pat)
{
	struct nfipsec_name_sel *sel;

	sel = kunit_kzalloc(test, sizeof(*sel) + strlen(pat) + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sel);
	sel->type = type;
	memcpy(sel->pat, pat, strlen(pat));
	return sel;
}

static void name_patterns(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct name_case *c = &cases[i];
		struct nfipsec_name_sel *sel = mk_sel(test, c->sel_type, c->pat);

		KUNIT_EXPECT_EQ_MSG(test, nfipsec_name_match(sel, c->type, c->id,
							     strlen(c->id)),
				    c->match, "pattern %s, identity %s",
				    c->pat, c->id);
	}
}

/* The length bounds the identity; a NUL inside ends it. */
static void name_lengths(struct kunit *test)
{
	struct nfipsec_name_sel *sel = mk_sel(test, 0, "bob@family.example");
	static const char padded[] = "bob@family.example\0\0\0\0\0";

	KUNIT_EXPECT_TRUE(test, nfipsec_name_match(sel, 3, padded,
						   sizeof(padded)));
	KUNIT_EXPECT_FALSE(test, nfipsec_name_match(sel, 3, padded, 10));
}

/* The SA's IDENTITY_SRC, as PF_KEY stores it (header and padding). */
static void name_sa(struct kunit *test)
{
	struct nfipsec_name_sel *sel = mk_sel(test, SADB_IDENTTYPE_USERFQDN,
					      "*@family.example");
	struct nfipsec_sa *sa = kunit_kzalloc(test, sizeof(*sa), GFP_KERNEL);
	struct sadb_ident *id;

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_EXPECT_FALSE(test, nfipsec_name_match_sa(sel, sa));
	id = kunit_kzalloc(test, 48, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, id);
	id->sadb_ident_len = 6;
	id->sadb_ident_exttype = SADB_EXT_IDENTITY_SRC;
	id->sadb_ident_type = SADB_IDENTTYPE_USERFQDN;
	strscpy((char *)(id + 1), "carol@family.example", 32);
	sa->ident_src = id;
	KUNIT_EXPECT_TRUE(test, nfipsec_name_match_sa(sel, sa));
	strscpy((char *)(id + 1), "carol@other.example", 32);
	KUNIT_EXPECT_FALSE(test, nfipsec_name_match_sa(sel, sa));
}

static struct kunit_case name_sel_cases[] = {
	KUNIT_CASE(name_patterns),
	KUNIT_CASE(name_lengths),
	KUNIT_CASE(name_sa),
	{}
};

static struct kunit_suite name_sel_suite = {
	.name = "nfipsec_name_sel",
	.test_cases = name_sel_cases,
};

kunit_test_suite(name_sel_suite);
