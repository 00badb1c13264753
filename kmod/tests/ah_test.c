// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302) through ah.c's own code paths.
 *
 * RFC 4302 has no test vectors; ah_vectors.h holds packets made by an
 * independent implementation (scapy's AH for HMAC-SHA-1-96 and
 * HMAC-SHA-256/384/512, a Python reference over `cryptography` for
 * AES-GMAC; see ah_vectors.py): IPv4 with mutable and immutable options,
 * IPv6 with a mutable hop-by-hop option, destination options and routing
 * headers, tunnels of either family in either, and ESN. Each plaintext
 * must go out byte for byte as the reference, and each reference packet
 * must come back in.
 *
 * Then: mutable fields changed in flight still verify, immutable ones do
 * not; the refusals (ICV, truncated AH, bad AH length, replay, routing
 * headers we cannot predict); payloads in page fragments; asynchronous
 * completion through cryptd.
 */
#include <kunit/test.h>
#include <linux/pfkeyv2.h>
#include <linux/skbuff.h>
#include <linux/unaligned.h>
#include <nfipsec_pfkey.h>

#include "../ah.c"

struct ah_vec {
	const char *desc;
	u8 aalg;
	const u8 *key;
	unsigned int keylen;
	const u8 *plain;
	unsigned int plainlen;
	const u8 *out;
	unsigned int outlen;
	unsigned int off;	/* AH's offset in @out */
	u16 nhoff;		/* the byte naming AH */
	u8 nh;			/* AH's Next Header */
	u8 family;
	u64 seq;
	bool esn;
	bool in_ok;		/* @out is also what the receiver sees */
};

#include "ah_vectors.h"

static void ah_put_sa(void *sa)
{
	nfipsec_sa_put(sa);
}

static void ah_free_skb(void *skb)
{
	kfree_skb(skb);
}

static struct nfipsec_sa *ah_sa(struct kunit *test, u8 aalg, const u8 *key,
				unsigned int keylen, bool esn)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(NULL, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ah_put_sa, sa),
			0);
	sa->proto = IPPROTO_AH;
	sa->spi = htonl(0x2000);
	sa->aalg = aalg;
	sa->flags = esn ? NFIPSEC_SAF_ESN : 0;
	sa->akey_bits = keylen * 8;
	sa->akey = kmemdup(key, keylen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sa->akey);
	KUNIT_ASSERT_EQ(test, nfipsec_sa_init_crypto(sa), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&sa->replay, 64, GFP_KERNEL),
			0);
	return sa;
}

static struct sk_buff *ah_skb(struct kunit *test, const u8 *data,
			      unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len + 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ah_free_skb,
							skb), 0);
	skb_reserve(skb, 64);
	skb_put_data(skb, data, len);
	skb_reset_network_header(skb);
	return skb;
}

struct ah_wait {
	struct completion done;
	int ret;
};

static void ah_test_done(struct nfipsec_sa *sa, struct sk_buff *skb, int ret,
			 void *ctx)
{
	struct ah_wait *w = *(struct ah_wait **)ctx;

	w->ret = ret;
	complete(&w->done);
}

static int ah_run(struct nfipsec_sa *sa, struct sk_buff *skb,
		  const struct nfipsec_encap *e, bool out)
{
	struct ah_wait w, *wp = &w;
	struct nfipsec_esp_cb cb = { ah_test_done, &wp, sizeof(wp) };
	int ret;

	init_completion(&w.done);
	ret = out ? nfipsec_ah_output(sa, skb, e, &cb) :
		    nfipsec_ah_input(sa, skb, e, &cb);
	if (ret == -EINPROGRESS) {
		wait_for_completion(&w.done);
		ret = w.ret;
	}
	return ret;
}

/* What encap.c would hand over: AH goes at @off, named by byte @nhoff. */
static struct nfipsec_encap ah_encap(unsigned int off, u16 nhoff, u8 nh,
				     u8 family)
{
	struct nfipsec_encap e = {
		.hdrlen = off, .nexthdr = nh, .nhoff = nhoff,
		.outer_family = family,
	};

	return e;
}

/* encap_finish's part after the transform: the IPv4 checksum. */
static void ah_finish(struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		ip_send_check(ip_hdr(skb));
}

static void vec_desc(const struct ah_vec *v, char *desc)
{
	strscpy(desc, v->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ah_vec, ah_vecs, vec_desc);

static void ah_vector(struct kunit *test)
{
	const struct ah_vec *v = test->param_value;
	struct nfipsec_sa *sa = ah_sa(test, v->aalg, v->key, v->keylen, v->esn);
	struct nfipsec_encap e = ah_encap(v->off, v->nhoff, v->nh, v->family);
	unsigned int ahlen = v->outlen - v->plainlen;
	struct sk_buff *skb;

	KUNIT_ASSERT_EQ(test, ahlen, nfipsec_ah_hdrlen(sa, v->family));
	/* Out: the plaintext with our sequence number becomes the reference. */
	atomic64_set(&sa->oseq, v->seq - 1);
	skb = ah_skb(test, v->plain, v->plainlen);
	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, &e, true), 0);
	ah_finish(skb, v->family);
	KUNIT_ASSERT_EQ(test, skb->len, v->outlen);
	KUNIT_EXPECT_MEMEQ(test, skb->data, v->out, v->outlen);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), (int)v->off);
	if (!v->in_ok)
		return;

	/* In: the reference verifies and leaves the payload. */
	if (v->seq > 64)
		KUNIT_ASSERT_EQ(test, nfipsec_replay_advance(&sa->replay,
							     v->seq - 1), 0);
	skb = ah_skb(test, v->out, v->outlen);
	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, &e, false), v->nh);
	KUNIT_ASSERT_EQ(test, skb->len, v->plainlen - v->off);
	KUNIT_EXPECT_MEMEQ(test, skb->data, v->plain + v->off, skb->len);
	KUNIT_EXPECT_EQ(test, skb_network_offset(skb), -(int)(v->off + ahlen));
	/* And only once. */
	skb = ah_skb(test, v->out, v->outlen);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EALREADY);
}

/* IPv4 with Router Alert (immutable) and Record Route (mutable). */
static const u8 ip4_opts[] = {
	0x4a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0, 0,
	192, 0, 2, 1, 192, 0, 2, 2,
	0x94, 0x04, 0x00, 0x00,				/* Router Alert */
	0x07, 0x0b, 0x04, 1, 2, 3, 4, 0, 0, 0, 0,	/* Record Route */
	0x01, 0x01, 0x00, 0x00, 0x00,			/* NOP NOP EOL pad */
	0x00, 0x07, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x00,	/* UDP */
	'd', 'a', 't', 'a',
};

/* IPv6 with a hop-by-hop option that may change (0x3e) and one that may
 * not (0x05).
 */
static const u8 ip6_hbh[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x11, 0x00, 0x3e, 0x01, 0xaa, 0x05, 0x01, 0xcc,	/* HBH */
	0x00, 0x07, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x00,	/* UDP */
	'd', 'a', 't', 'a',
};

/* Protect @pkt, let @mangle change byte @at, and say what input thinks. */
static int ah_mangled(struct kunit *test, struct nfipsec_sa *sa,
		      const u8 *pkt, unsigned int len, struct nfipsec_encap *e,
		      unsigned int at, u8 xor)
{
	struct sk_buff *skb = ah_skb(test, pkt, len);

	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, e, true), 0);
	ah_finish(skb, e->outer_family);
	skb->data[at] ^= xor;
	return ah_run(sa, skb, e, false);
}

/* What routers may change does not matter; anything else does. */
static void ah_mutable(struct kunit *test)
{
	static const u8 key[32] = { 1, 2, 3 };
	struct nfipsec_sa *sa = ah_sa(test, SADB_X_AALG_SHA2_256HMAC, key,
				      sizeof(key), false);
	struct nfipsec_encap e4 = ah_encap(40, 9, IPPROTO_UDP, AF_INET);
	struct nfipsec_encap e6 = ah_encap(48, 40, IPPROTO_UDP, AF_INET6);
	static const struct { unsigned int at; u8 xor; } ok4[] = {
		{ 1, 0xfc },	/* TOS */
		{ 6, 0x40 },	/* DF */
		{ 7, 0x01 },	/* fragment offset */
		{ 8, 0x05 },	/* TTL */
		{ 10, 0xff },	/* checksum */
		{ 30, 0x77 },	/* Record Route data */
	}, bad4[] = {
		{ 5, 0x01 },	/* identification */
		{ 15, 0x01 },	/* source */
		{ 22, 0x01 },	/* Router Alert value */
		{ 60, 0x01 },	/* ICV */
		{ 70, 0x01 },	/* payload */
	}, ok6[] = {
		{ 1, 0xff },	/* traffic class, flow label */
		{ 3, 0xff },	/* flow label */
		{ 7, 0x3f },	/* hop limit */
		{ 44, 0x5a },	/* mutable option's data */
	}, bad6[] = {
		{ 4, 0x01 },	/* payload length */
		{ 39, 0x01 },	/* destination */
		{ 42, 0x01 },	/* mutable option's type */
		{ 47, 0x01 },	/* immutable option's data */
		{ 82, 0x01 },	/* payload */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok4); i++)
		KUNIT_EXPECT_EQ_MSG(test, ah_mangled(test, sa, ip4_opts,
						     sizeof(ip4_opts), &e4,
						     ok4[i].at, ok4[i].xor),
				    IPPROTO_UDP, "v4 byte %u", ok4[i].at);
	for (i = 0; i < ARRAY_SIZE(bad4); i++)
		KUNIT_EXPECT_EQ_MSG(test, ah_mangled(test, sa, ip4_opts,
						     sizeof(ip4_opts), &e4,
						     bad4[i].at, bad4[i].xor),
				    -EBADMSG, "v4 byte %u", bad4[i].at);
	for (i = 0; i < ARRAY_SIZE(ok6); i++)
		KUNIT_EXPECT_EQ_MSG(test, ah_mangled(test, sa, ip6_hbh,
						     sizeof(ip6_hbh), &e6,
						     ok6[i].at, ok6[i].xor),
				    IPPROTO_UDP, "v6 byte %u", ok6[i].at);
	for (i = 0; i < ARRAY_SIZE(bad6); i++)
		KUNIT_EXPECT_EQ_MSG(test, ah_mangled(test, sa, ip6_hbh,
						     sizeof(ip6_hbh), &e6,
						     bad6[i].at, bad6[i].xor),
				    -EBADMSG, "v6 byte %u", bad6[i].at);
}

static u64 ah_stat(const struct nfipsec_sa *sa, size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((u8 *)per_cpu_ptr(sa->stats, cpu) + off);
	return sum;
}

static void ah_refusals(struct kunit *test)
{
	static const u8 key[20] = { 9 };
	struct nfipsec_sa *sa = ah_sa(test, SADB_AALG_SHA1HMAC, key,
				      sizeof(key), false);
	struct nfipsec_encap e = ah_encap(40, 9, IPPROTO_UDP, AF_INET);
	struct sk_buff *skb;
	u8 pkt[128];

	/* A flipped ICV byte, counted. */
	KUNIT_EXPECT_EQ(test, ah_mangled(test, sa, ip4_opts, sizeof(ip4_opts),
					 &e, 40 + 12, 0x80), -EBADMSG);
	KUNIT_EXPECT_EQ(test, ah_stat(sa, offsetof(struct nfipsec_sa_stats,
						   icv_fail)), 1);

	skb = ah_skb(test, ip4_opts, sizeof(ip4_opts));
	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, &e, true), 0);
	ah_finish(skb, AF_INET);
	KUNIT_ASSERT_LE(test, skb->len, sizeof(pkt));
	memcpy(pkt, skb->data, skb->len);

	/* Truncated inside AH. */
	skb = ah_skb(test, pkt, 40 + 20);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EINVAL);
	skb = ah_skb(test, pkt, 40 + 8);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EINVAL);
	/* An AH length other than our SA's (24 bytes: 4). */
	pkt[41]++;
	skb = ah_skb(test, pkt, sizeof(ip4_opts) + 24);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EINVAL);
	pkt[41] -= 2;
	skb = ah_skb(test, pkt, sizeof(ip4_opts) + 24);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EINVAL);
	pkt[41]++;
	/* Intact, it passes once; then it is a replay, counted. */
	skb = ah_skb(test, pkt, sizeof(ip4_opts) + 24);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), IPPROTO_UDP);
	skb = ah_skb(test, pkt, sizeof(ip4_opts) + 24);
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, false), -EALREADY);
	KUNIT_EXPECT_EQ(test, ah_stat(sa, offsetof(struct nfipsec_sa_stats,
						   replay)), 1);
	/* A malformed option (length past the header) on output. */
	memcpy(pkt, ip4_opts, sizeof(ip4_opts));
	pkt[25] = 0x20;
	skb = ah_skb(test, pkt, sizeof(ip4_opts));
	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, true), -EINVAL);
}

/* A routing header whose arrival we cannot predict (segment routing). */
static void ah_rthdr_refused(struct kunit *test)
{
	static const u8 key[20] = { 9 };
	struct nfipsec_sa *sa = ah_sa(test, SADB_AALG_SHA1HMAC, key,
				      sizeof(key), false);
	struct nfipsec_encap e = ah_encap(64, 40, IPPROTO_UDP, AF_INET6);
	u8 pkt[64 + 12] = {
		0x60, 0, 0, 0, 0, 36, NEXTHDR_ROUTING, 64,
		[8] = 0x20, 0x01, 0x0d, 0xb8, [23] = 1,
		[24] = 0x20, 0x01, 0x0d, 0xb8, [39] = 2,
		[40] = IPPROTO_UDP, 2, 4, 1,	/* type 4, 1 segment left */
	};
	struct sk_buff *skb = ah_skb(test, pkt, sizeof(pkt));

	KUNIT_EXPECT_EQ(test, ah_run(sa, skb, &e, true), -EOPNOTSUPP);
}

/* Payload in a page fragment, as GRO and GSO leave it. */
static void ah_paged(struct kunit *test)
{
	static const u8 key[48] = { 7 };
	struct nfipsec_sa *sa = ah_sa(test, SADB_X_AALG_SHA2_384HMAC, key,
				      sizeof(key), true);
	struct nfipsec_encap e = ah_encap(40, 6, IPPROTO_UDP, AF_INET6);
	u8 pkt[40 + 400], *flat;
	struct sk_buff *skb;
	struct page *page;
	unsigned int ahlen = nfipsec_ah_hdrlen(sa, AF_INET6), head;

	get_random_bytes(pkt, sizeof(pkt));
	pkt[0] = 0x60;
	put_unaligned_be16(400, pkt + 4);
	pkt[6] = IPPROTO_UDP;
	skb = ah_skb(test, pkt, 60);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), pkt + 60, sizeof(pkt) - 60);
	skb_add_rx_frag(skb, 0, page, 0, sizeof(pkt) - 60, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, &e, true), 0);

	/* As it would arrive: headers linear, the rest in a page. */
	flat = kunit_kzalloc(test, skb->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, flat);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, flat, skb->len), 0);
	head = 40 + 8;
	skb = ah_skb(test, flat, head);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), flat + head, sizeof(pkt) + ahlen - head);
	skb_add_rx_frag(skb, 0, page, 0, sizeof(pkt) + ahlen - head, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ah_run(sa, skb, &e, false), IPPROTO_UDP);
	KUNIT_ASSERT_EQ(test, skb->len, sizeof(pkt) - 40);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, flat, skb->len), 0);
	KUNIT_EXPECT_MEMEQ(test, flat, pkt + 40, skb->len);
}

/* AES-GMAC keys are exactly the AES key and a 4-byte salt. */
static void ah_gmac_keys(struct kunit *test)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(NULL, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ah_put_sa, sa),
			0);
	sa->proto = IPPROTO_AH;
	sa->aalg = NFIPSEC_SADB_X_AALG_AES128GMAC;
	sa->akey_bits = 128;
	sa->akey = kzalloc(36, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sa->akey);
	KUNIT_EXPECT_EQ(test, nfipsec_sa_init_crypto(sa), -EINVAL);
	sa->akey_bits = 288;
	KUNIT_EXPECT_EQ(test, nfipsec_sa_init_crypto(sa), -EINVAL);
	sa->akey_bits = 160;
	KUNIT_ASSERT_EQ(test, nfipsec_sa_init_crypto(sa), 0);
	KUNIT_EXPECT_EQ(test, sa->ivlen, 8);
	KUNIT_EXPECT_EQ(test, sa->icvlen, 16);
	KUNIT_EXPECT_EQ(test, nfipsec_ah_hdrlen(sa, AF_INET), 36);
	KUNIT_EXPECT_EQ(test, nfipsec_ah_hdrlen(sa, AF_INET6), 40);
}

/* Through cryptd every request completes later, from a worker. */
static void ah_async(struct kunit *test)
{
	static const char cryptd_gcm[] =
		"cryptd(gcm_base(ctr(aes-generic),ghash-generic))";
	static const u8 key[20] = { 1, 2, 3, 4, 5 };
	struct nfipsec_sa *sa = ah_sa(test, NFIPSEC_SADB_X_AALG_AES128GMAC,
				      key, sizeof(key), false);
	struct nfipsec_encap e = ah_encap(40, 9, IPPROTO_UDP, AF_INET);
	struct ah_wait w, *wp = &w;
	struct nfipsec_esp_cb cb = { ah_test_done, &wp, sizeof(wp) };
	struct crypto_aead *cryptd;
	struct sk_buff *skb;

	cryptd = crypto_alloc_aead(cryptd_gcm, 0, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(cryptd), "cryptd: %ld",
			       PTR_ERR(cryptd));
	KUNIT_ASSERT_EQ(test, crypto_aead_setkey(cryptd, key, 16), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(cryptd, 16), 0);
	crypto_free_aead(sa->aead);
	sa->aead = cryptd;

	skb = ah_skb(test, ip4_opts, sizeof(ip4_opts));
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_ah_output(sa, skb, &e, &cb),
			-EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_ASSERT_EQ(test, w.ret, 0);
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_ah_input(sa, skb, &e, &cb),
			-EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_EQ(test, w.ret, IPPROTO_UDP);
	KUNIT_EXPECT_MEMEQ(test, skb->data, ip4_opts + 40,
			   sizeof(ip4_opts) - 40);

	/* An asynchronous ICV failure is reported the same way. */
	skb = ah_skb(test, ip4_opts, sizeof(ip4_opts));
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_ah_output(sa, skb, &e, &cb),
			-EINPROGRESS);
	wait_for_completion(&w.done);
	skb->data[skb->len - 1] ^= 1;
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_ah_input(sa, skb, &e, &cb),
			-EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_EQ(test, w.ret, -EBADMSG);
}

static void ah_suite_exit(struct kunit_suite *suite)
{
	rcu_barrier();
}

static struct kunit_case ah_test_cases[] = {
	KUNIT_CASE_PARAM(ah_vector, ah_vec_gen_params),
	KUNIT_CASE(ah_mutable),
	KUNIT_CASE(ah_refusals),
	KUNIT_CASE(ah_rthdr_refused),
	KUNIT_CASE(ah_paged),
	KUNIT_CASE(ah_gmac_keys),
	KUNIT_CASE(ah_async),
	{}
};

static struct kunit_suite ah_test_suite = {
	.name = "nfipsec_ah",
	.suite_exit = ah_suite_exit,
	.test_cases = ah_test_cases,
};

kunit_test_suite(ah_test_suite);
