// SPDX-License-Identifier: GPL-2.0
/*
 * sa.c: which transform each PF_KEY algorithm pair becomes, what it records
 * for the packet path, and what it refuses. The transform names are XFRM's
 * for the same numbers, so that the bytes on the wire are too; esp_test.c
 * checks the bytes themselves.
 */
#include <kunit/test.h>

#include "../sa.c"
/* sa.c allocates its AEADs through parallel.c (parallel=1). */
#include "../parallel.c"

struct map_case {
	const char *desc;
	u8 proto, ealg, aalg;
	bool esn;
	u16 ebits, abits;
	int err;
	const char *name;	/* crypto API name of the transform */
	u8 ivlen, icvlen, blocksize;
};

#define ESP IPPROTO_ESP
#define NOKEY 0

static const struct map_case map_cases[] = {
	{ "GCM-8", ESP, SADB_X_EALG_AES_GCM_ICV8, 0, false, 160, NOKEY, 0,
	  "rfc4106(gcm(aes))", 8, 8, 4 },
	{ "GCM-12 AES-256", ESP, SADB_X_EALG_AES_GCM_ICV12, 0, false, 288,
	  NOKEY, 0, "rfc4106(gcm(aes))", 8, 12, 4 },
	{ "GCM-16 ESN", ESP, SADB_X_EALG_AES_GCM_ICV16, 0, true, 224, NOKEY, 0,
	  "rfc4106(gcm(aes))", 8, 16, 4 },
	{ "GMAC", ESP, SADB_X_EALG_NULL_AES_GMAC, 0, false, 160, NOKEY, 0,
	  "rfc4543(gcm(aes))", 8, 16, 4 },
	{ "ChaCha20-Poly1305", ESP, NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305, 0,
	  false, 288, NOKEY, 0, "rfc7539esp(chacha20,poly1305)", 8, 16, 4 },
	{ "AES-CBC SHA-1", ESP, SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, false,
	  128, 160, 0, "authenc(hmac(sha1),cbc(aes))", 16, 12, 16 },
	{ "AES-CBC SHA-256", ESP, SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256HMAC,
	  false, 256, 256, 0, "authenc(hmac(sha256),cbc(aes))", 16, 16, 16 },
	{ "AES-CBC SHA-256 ESN", ESP, SADB_X_EALG_AESCBC,
	  SADB_X_AALG_SHA2_256HMAC, true, 128, 256, 0,
	  "authencesn(hmac(sha256),cbc(aes))", 16, 16, 16 },
	{ "AES-CBC SHA-384", ESP, SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_384HMAC,
	  false, 192, 384, 0, "authenc(hmac(sha384),cbc(aes))", 16, 24, 16 },
	{ "AES-CBC SHA-512", ESP, SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_512HMAC,
	  false, 256, 512, 0, "authenc(hmac(sha512),cbc(aes))", 16, 32, 16 },
	{ "NULL SHA-256", ESP, SADB_EALG_NULL, SADB_X_AALG_SHA2_256HMAC, false,
	  0, 256, 0, "authenc(hmac(sha256),ecb(cipher_null))", 0, 16, 4 },
	{ "AES-CBC alone", ESP, SADB_X_EALG_AESCBC, 0, false, 128, NOKEY, 0,
	  "authenc(digest_null,cbc(aes))", 16, 0, 16 },
	{ "AES-CBC alone, ESN", ESP, SADB_X_EALG_AESCBC, 0, true, 128, NOKEY,
	  0, "authenc(digest_null,cbc(aes))", 16, 0, 16 },
	{ "AH SHA-256", IPPROTO_AH, 0, SADB_X_AALG_SHA2_256HMAC, false, 0, 256,
	  0, "authenc(hmac(sha256),ecb(cipher_null))", 0, 16, 4 },
	/* Refusals. */
	{ "NULL alone", ESP, SADB_EALG_NULL, 0, false, 0, NOKEY, -EINVAL },
	{ "unknown ealg", ESP, 250, SADB_X_AALG_SHA2_256HMAC, false, 128, 256,
	  -ENOPROTOOPT },
	{ "unknown aalg", ESP, SADB_X_EALG_AESCBC, 250, false, 128, 256,
	  -ENOPROTOOPT },
	{ "GCM with an aalg", ESP, SADB_X_EALG_AES_GCM_ICV16,
	  SADB_X_AALG_SHA2_256HMAC, false, 160, 256, -EINVAL },
	{ "GCM without its salt", ESP, SADB_X_EALG_AES_GCM_ICV16, 0, false,
	  128, NOKEY, -EINVAL },
	{ "aalg without a key", ESP, SADB_X_EALG_AESCBC,
	  SADB_X_AALG_SHA2_256HMAC, false, 128, NOKEY, -EINVAL },
	{ "key bits not bytes", ESP, SADB_X_EALG_AESCBC,
	  SADB_X_AALG_SHA2_256HMAC, false, 127, 256, -EINVAL },
	{ "AH with encryption", IPPROTO_AH, SADB_X_EALG_AESCBC,
	  SADB_X_AALG_SHA2_256HMAC, false, 128, 256, -EINVAL },
	{ "not ESP or AH", IPPROTO_UDP, SADB_X_EALG_AESCBC,
	  SADB_X_AALG_SHA2_256HMAC, false, 128, 256, -EPROTONOSUPPORT },
};

static void map_desc(const struct map_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map, map_cases, map_desc);

static void put_sa_action(void *sa)
{
	nfipsec_sa_put(sa);
}

static void sa_map(struct kunit *test)
{
	const struct map_case *c = test->param_value;
	struct nfipsec_sa *sa = nfipsec_sa_alloc(NULL, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_sa_action,
							sa), 0);
	sa->proto = c->proto;
	sa->ealg = c->ealg;
	sa->aalg = c->aalg;
	sa->flags = c->esn ? NFIPSEC_SAF_ESN : 0;
	sa->ekey_bits = c->ebits;
	sa->akey_bits = c->abits;
	sa->ekey = kzalloc(64, GFP_KERNEL);
	sa->akey = kzalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sa->ekey);
	KUNIT_ASSERT_NOT_NULL(test, sa->akey);
	memset(sa->ekey, 0x5a, 64);

	KUNIT_ASSERT_EQ(test, nfipsec_sa_init_crypto(sa), c->err);
	if (c->err) {
		KUNIT_EXPECT_NULL(test, sa->aead);
		return;
	}
	KUNIT_EXPECT_STREQ(test, crypto_tfm_alg_name(crypto_aead_tfm(sa->aead)),
			   c->name);
	KUNIT_EXPECT_EQ(test, sa->ivlen, c->ivlen);
	KUNIT_EXPECT_EQ(test, sa->icvlen, c->icvlen);
	KUNIT_EXPECT_EQ(test, sa->blocksize, c->blocksize);
	/* One transform per SA, set up once. */
	KUNIT_EXPECT_EQ(test, nfipsec_sa_init_crypto(sa), -EBUSY);
}

static void sa_lifecycle(struct kunit *test)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(NULL, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_EXPECT_EQ(test, sa->state, NFIPSEC_SA_LARVAL);
	KUNIT_EXPECT_EQ(test, sa->replay.size, 0);
	KUNIT_EXPECT_GT(test, sa->add_time, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&sa->ref), 1);
	/* The window, once PF_KEY knows it. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_init(&sa->replay, 128,
						  GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, nfipsec_sa_get(sa));
	KUNIT_EXPECT_EQ(test, kref_read(&sa->ref), 2);
	nfipsec_sa_put(sa);
	KUNIT_EXPECT_EQ(test, kref_read(&sa->ref), 1);
	nfipsec_sa_put(sa);
	nfipsec_sa_put(NULL);
}

static void sa_suite_exit(struct kunit_suite *suite)
{
	/* SAs are freed from RCU callbacks: let them run before unload. */
	rcu_barrier();
}

static struct kunit_case sa_test_cases[] = {
	KUNIT_CASE_PARAM(sa_map, map_gen_params),
	KUNIT_CASE(sa_lifecycle),
	{}
};

static struct kunit_suite sa_test_suite = {
	.name = "nfipsec_sa",
	.suite_exit = sa_suite_exit,
	.test_cases = sa_test_cases,
};

kunit_test_suites(&sa_test_suite);
