// SPDX-License-Identifier: GPL-2.0
/*
 * ESP against published vectors, through esp.c's own code paths:
 *
 *  - draft-mcgrew-gcm-test-01 (AES-GCM and AES-GMAC ESP packets, with and
 *    without ESN), RFC 3602 §4 case 5 (AES-CBC) and RFC 7634 appendix A
 *    (ChaCha20-Poly1305, tunnel mode): each plaintext goes out
 *    through esp.c's output with the vector's sequence number and IV and
 *    must come out byte for byte as the published packet, and the
 *    published packet must come back in through nfipsec_esp_input();
 *  - RFC 2202 and RFC 4231 HMACs through the authenc/authencesn transforms
 *    sa.c builds, truncated as RFC 2404/4868 say, with the data laid out
 *    as esp.c lays out an ESP packet (for ESN, the RFC 4231 data is split
 *    so that the ICV covers it in RFC 4303 §2.2.1 order);
 *  - RFC 8439 §2.8.2 ChaCha20-Poly1305 read as RFC 7634 reads its inputs,
 *    with an ESN AAD;
 *
 * then round trips at every padding length, TFC padding, sequence number
 * exhaustion, and the refusals: ICV, padding, dummy packets, malformed
 * packets, replays. sa.c's algorithm mapping is checked here too.
 */
#include <kunit/test.h>
#include <linux/hex.h>
#include <linux/skbuff.h>
#include <linux/unaligned.h>

#include "../esp.c"

#include "esp_vectors.h"

static void put_sa_action(void *sa)
{
	nfipsec_sa_put(sa);
}

static void free_skb_action(void *skb)
{
	kfree_skb(skb);
}

/* An ESP SA with a 64-packet window, freed when the test ends. */
static struct nfipsec_sa *test_sa(struct kunit *test, u8 ealg,
				  const u8 *ekey, unsigned int elen, u8 aalg,
				  const u8 *akey, unsigned int alen, bool esn)
{
	struct nfipsec_sa *sa = nfipsec_sa_alloc(NULL, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_sa_action,
							sa), 0);
	sa->proto = IPPROTO_ESP;
	sa->spi = htonl(0x1000);
	sa->ealg = ealg;
	sa->aalg = aalg;
	sa->flags = esn ? NFIPSEC_SAF_ESN : 0;
	sa->ekey_bits = elen * 8;
	sa->akey_bits = alen * 8;
	if (elen) {
		sa->ekey = kmemdup(ekey, elen, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, sa->ekey);
	}
	if (alen) {
		sa->akey = kmemdup(akey, alen, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, sa->akey);
	}
	KUNIT_ASSERT_EQ(test, nfipsec_sa_init_crypto(sa), 0);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&sa->replay, 64, GFP_KERNEL),
			0);
	return sa;
}

/* An SA with random keys of the given lengths. */
static struct nfipsec_sa *rand_sa(struct kunit *test, u8 ealg,
				  unsigned int elen, u8 aalg,
				  unsigned int alen, bool esn)
{
	u8 ekey[36], akey[64];

	get_random_bytes(ekey, sizeof(ekey));
	get_random_bytes(akey, sizeof(akey));
	return test_sa(test, ealg, ekey, elen, aalg, akey, alen, esn);
}

static struct sk_buff *test_skb(struct kunit *test, const void *data,
				unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len + 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_skb_action,
							skb), 0);
	skb_reserve(skb, 64);
	skb_put_data(skb, data, len);
	return skb;
}

/* The continuation: any transform may complete asynchronously. */
struct esp_wait {
	struct completion done;
	int ret;
};

static void esp_test_done(struct nfipsec_sa *sa, struct sk_buff *skb,
			  int ret, void *ctx)
{
	struct esp_wait *w = *(struct esp_wait **)ctx;

	w->ret = ret;
	complete(&w->done);
}

static int esp_wait(struct esp_wait *w, int ret)
{
	if (ret == -EINPROGRESS) {
		wait_for_completion(&w->done);
		ret = w->ret;
	}
	return ret;
}

/* Output; with @seq, that sequence number and @iv instead of our own. */
static int run_output(struct nfipsec_sa *sa, struct sk_buff *skb,
		      unsigned int hdrlen, u8 nh, unsigned int tfcpad,
		      const u64 *seq, const u8 *iv)
{
	struct esp_wait w, *wp = &w;
	struct nfipsec_esp_cb cb = { esp_test_done, &wp, sizeof(wp) };

	init_completion(&w.done);
	if (seq)
		return esp_wait(&w, esp_output_one(sa, skb, hdrlen, nh, tfcpad,
						   *seq, iv, &cb));
	return esp_wait(&w, nfipsec_esp_output(sa, skb, hdrlen, nh, tfcpad,
					       &cb));
}

static int run_input(struct nfipsec_sa *sa, struct sk_buff *skb)
{
	struct esp_wait w, *wp = &w;
	struct nfipsec_esp_cb cb = { esp_test_done, &wp, sizeof(wp) };

	init_completion(&w.done);
	return esp_wait(&w, nfipsec_esp_input(sa, skb, &cb));
}

/* A fresh window whose top is just below @seq, as if traffic led there. */
static void prime_window(struct kunit *test, struct nfipsec_sa *sa, u64 seq)
{
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&sa->replay, 64, GFP_KERNEL),
			0);
	if (seq > 1)
		KUNIT_ASSERT_EQ(test, nfipsec_replay_advance(&sa->replay,
							     seq - 1), 0);
}

/* Sum one per-CPU SA counter; @off is its offsetof(). */
static u64 sa_stat(const struct nfipsec_sa *sa, size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((u8 *)per_cpu_ptr(sa->stats, cpu) + off);
	return sum;
}

#define SA_STAT(sa, field) sa_stat(sa, offsetof(struct nfipsec_sa_stats, field))

/*
 * One AEAD operation over a flat ESP packet (SPI, seq lo, IV, data, ICV
 * room) in place, with esp.c's scratch, associated data and request.
 */
static int crypt_flat(struct nfipsec_sa *sa, u8 *pkt, unsigned int len,
		      u64 seq, bool enc)
{
	unsigned int hlen = nfipsec_esp_hdrlen(sa), aadlen, cryptlen;
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	struct esp_scratch *s;
	struct scatterlist *sg;
	static const struct nfipsec_esp_cb nocb;
	__be32 spi;
	int err;

	s = esp_scratch_get(sa, NULL, 2, seq, &nocb);
	if (IS_ERR(s))
		return PTR_ERR(s);
	memcpy(&spi, pkt, sizeof(spi));
	aadlen = esp_fill_aad(sa, s, spi, seq);
	memcpy(scratch_iv(sa->aead, s), pkt + 8, sa->ivlen);
	sg = scratch_sg(sa->aead, s);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], s->aad, aadlen);
	sg_set_buf(&sg[1], pkt + 8, len - 8);
	cryptlen = len - hlen - (enc ? sa->icvlen : 0);
	req = esp_req(sa, s, sg, aadlen, cryptlen, crypto_req_done, &wait);
	err = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	nfipsec_flight_free(&s->f);
	return err;
}

static void vec_desc(const struct esp_vec *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(esp_vec, esp_vectors, vec_desc);

static void esp_vector(struct kunit *test)
{
	const struct esp_vec *v = test->param_value;
	unsigned int ivlen = v->iv_len, plen = v->ptext_len;
	unsigned int clen = v->ctext_len, wlen, paylen;
	const u8 *pt = v->ptext;
	struct nfipsec_sa *sa;
	struct sk_buff *skb;
	u8 *wire, nh;

	sa = test_sa(test, v->ealg, v->ekey, v->ekey_len, v->aalg, NULL, 0,
		     v->esn);
	sa->spi = htonl(v->spi);
	KUNIT_ASSERT_EQ(test, sa->ivlen, ivlen);
	nh = pt[plen - 1];
	paylen = plen - pt[plen - 2] - 2;

	/* The packet on the wire: SPI, low sequence bits, IV, ciphertext. */
	wlen = 8 + ivlen + clen;
	wire = kunit_kzalloc(test, wlen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wire);
	put_unaligned_be32(v->spi, wire);
	put_unaligned_be32(lower_32_bits(v->seq), wire + 4);
	memcpy(wire + 8, v->iv, ivlen);
	memcpy(wire + 8 + ivlen, v->ctext, clen);

	/* Out: our padding and layout must give the published bytes. */
	skb = test_skb(test, pt, paylen);
	KUNIT_ASSERT_EQ(test, run_output(sa, skb, 0, nh, 0, &v->seq, v->iv), 0);
	KUNIT_ASSERT_EQ(test, skb->len, wlen);
	KUNIT_EXPECT_MEMEQ(test, skb->data, wire, wlen);

	/* In: the published packet decrypts to the payload. */
	prime_window(test, sa, v->seq);
	skb = test_skb(test, wire, wlen);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), nh);
	KUNIT_ASSERT_EQ(test, skb->len, paylen);
	KUNIT_EXPECT_MEMEQ(test, skb->data, pt, paylen);
	KUNIT_EXPECT_EQ(test, sa->replay.top, v->seq);

	/* Again: a replay, refused before any crypto. */
	skb = test_skb(test, wire, wlen);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EALREADY);
	KUNIT_EXPECT_EQ(test, SA_STAT(sa, replay), 1);

	if (!sa->icvlen)
		return;	/* confidentiality only: nothing can tell */
	/* One flipped ICV bit: refused, and the window does not move. */
	prime_window(test, sa, v->seq);
	wire[wlen - 1] ^= 1;
	skb = test_skb(test, wire, wlen);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EBADMSG);
	KUNIT_EXPECT_EQ(test, SA_STAT(sa, icv_fail), 1);
	KUNIT_EXPECT_EQ(test, sa->replay.top, v->seq - 1);
	wire[wlen - 1] ^= 1;
	skb = test_skb(test, wire, wlen);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), nh);
}

static void hmac_desc(const struct hmac_vec *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hmac_vec, hmac_vectors, hmac_desc);

/* NULL encryption leaves the data as it is; the ICV is the HMAC, cut. */
static void esp_hmac(struct kunit *test)
{
	const struct hmac_vec *v = test->param_value;
	unsigned int len = strlen(v->data), icv;
	struct nfipsec_sa *sa;
	u8 *pkt;
	u64 seq;

	sa = test_sa(test, SADB_EALG_NULL, NULL, 0, v->aalg, v->key, v->key_len,
		     v->esn);
	icv = sa->icvlen;
	/* RFC 2404 and RFC 4868: 96 bits for SHA-1, half the digest else. */
	KUNIT_EXPECT_EQ(test, icv, v->aalg == SADB_AALG_SHA1HMAC ? 12 :
				   v->mac_len / 2);
	pkt = kunit_kzalloc(test, len + icv, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	memcpy(pkt, v->data, len);
	seq = get_unaligned_be32(pkt + 4);
	if (v->esn) {
		/* The high half leaves the packet: it is never sent. */
		len -= 4;
		seq |= (u64)get_unaligned_be32(pkt + len) << 32;
		memset(pkt + len, 0, 4);
	}
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, len + icv, seq, true), 0);
	KUNIT_EXPECT_MEMEQ(test, pkt, v->data, len);
	KUNIT_EXPECT_MEMEQ(test, pkt + len, v->mac, icv);

	KUNIT_EXPECT_EQ(test, crypt_flat(sa, pkt, len + icv, seq, false), 0);
	pkt[len] ^= 0x80;
	KUNIT_EXPECT_EQ(test, crypt_flat(sa, pkt, len + icv, seq, false),
			-EBADMSG);
	pkt[len] ^= 0x80;
	/* With ESN a wrong high half is a wrong ICV too. */
	if (v->esn)
		KUNIT_EXPECT_EQ(test, crypt_flat(sa, pkt, len + icv,
						 seq + BIT_ULL(32), false),
				-EBADMSG);
}

/*
 * RFC 8439 §2.8.2, read as RFC 7634 reads its inputs: key, then the
 * nonce's first 4 bytes as the salt; its last 8 as the IV; the 12-byte AAD
 * as SPI and a 64-bit (ESN) sequence number.
 */
static void esp_chacha20poly1305(struct kunit *test)
{
	/* The plaintext, in two lines. */
	static const char pt1[] = "Ladies and Gentlemen of the class of '99: ";
	static const char pt2[] =
		"If I could offer you only one tip for the future, sunscreen would be it.";
	static const u8 key[] = "\x80\x81\x82\x83\x84\x85\x86\x87"
				 "\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"
				 "\x90\x91\x92\x93\x94\x95\x96\x97"
				 "\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f"
				 "\x07\x00\x00\x00";
	static const u8 ct[] = "\xd3\x1a\x8d\x34\x64\x8e\x60\xdb"
				"\x7b\x86\xaf\xbc\x53\xef\x7e\xc2"
				"\xa4\xad\xed\x51\x29\x6e\x08\xfe"
				"\xa9\xe2\xb5\xa7\x36\xee\x62\xd6"
				"\x3d\xbe\xa4\x5e\x8c\xa9\x67\x12"
				"\x82\xfa\xfb\x69\xda\x92\x72\x8b"
				"\x1a\x71\xde\x0a\x9e\x06\x0b\x29"
				"\x05\xd6\xa5\xb6\x7e\xcd\x3b\x36"
				"\x92\xdd\xbd\x7f\x2d\x77\x8b\x8c"
				"\x98\x03\xae\xe3\x28\x09\x1b\x58"
				"\xfa\xb3\x24\xe4\xfa\xd6\x75\x94"
				"\x55\x85\x80\x8b\x48\x31\xd7\xbc"
				"\x3f\xf4\xde\xf0\x8e\x4b\x7a\x9d"
				"\xe5\x76\xd2\x65\x86\xce\xc6\x4b"
				"\x61\x16\x1a\xe1\x0b\x59\x4f\x09"
				"\xe2\x6a\x7e\x90\x2e\xcb\xd0\x60"
				"\x06\x91";
	unsigned int clen = sizeof(ct) - 1, len = strlen(pt1) + strlen(pt2);
	const u64 seq = 0xc0c1c2c3c4c5c6c7ULL;
	struct nfipsec_sa *sa;
	u8 *pkt;

	sa = test_sa(test, NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305, key,
		     sizeof(key) - 1, SADB_AALG_NONE, NULL, 0, true);
	KUNIT_ASSERT_EQ(test, sa->ivlen, 8);
	KUNIT_ASSERT_EQ(test, sa->icvlen, 16);
	KUNIT_ASSERT_EQ(test, clen, len + 16);

	pkt = kunit_kzalloc(test, 16 + clen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	put_unaligned_be32(0x50515253, pkt);
	put_unaligned_be32(lower_32_bits(seq), pkt + 4);
	put_unaligned_be64(0x4041424344454647ULL, pkt + 8);
	memcpy(pkt + 16, pt1, strlen(pt1));
	memcpy(pkt + 16 + strlen(pt1), pt2, strlen(pt2));
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, 16 + clen, seq, true), 0);
	KUNIT_EXPECT_MEMEQ(test, pkt + 16, ct, clen);
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, 16 + clen, seq, false), 0);
	KUNIT_EXPECT_MEMEQ(test, pkt + 16, pt1, strlen(pt1));
	KUNIT_EXPECT_MEMEQ(test, pkt + 16 + strlen(pt1), pt2, strlen(pt2));
}

struct rt_sa {
	const char *name;
	u8 ealg;
	unsigned int elen;
	u8 aalg;
	unsigned int alen;
	bool esn;
};

static const struct rt_sa rt_sas[] = {
	{ "AES-GCM-16", SADB_X_EALG_AES_GCM_ICV16, 20, 0, 0, false },
	{ "AES-GCM-8 ESN", SADB_X_EALG_AES_GCM_ICV8, 36, 0, 0, true },
	{ "AES-GMAC", SADB_X_EALG_NULL_AES_GMAC, 20, 0, 0, false },
	{ "ChaCha20-Poly1305 ESN", NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305, 36,
	  0, 0, true },
	{ "AES-CBC HMAC-SHA-256", SADB_X_EALG_AESCBC, 32,
	  SADB_X_AALG_SHA2_256HMAC, 32, false },
	{ "AES-CBC HMAC-SHA-1 ESN", SADB_X_EALG_AESCBC, 16, SADB_AALG_SHA1HMAC,
	  20, true },
	{ "NULL HMAC-SHA-512", SADB_EALG_NULL, 0, SADB_X_AALG_SHA2_512HMAC, 64,
	  false },
	{ "AES-CBC alone", SADB_X_EALG_AESCBC, 16, 0, 0, false },
};

static void rt_desc(const struct rt_sa *r, char *desc)
{
	strscpy(desc, r->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rt_sa, rt_sas, rt_desc);

/*
 * Every payload length from 0 to 3 blocks, behind 20 kept header bytes:
 * padding is 1, 2, 3... up to the block, the header bytes survive, the
 * sequence number counts from 1, and input gives back what went out.
 */
static void esp_roundtrip(struct kunit *test)
{
	const struct rt_sa *r = test->param_value;
	struct nfipsec_sa *sa;
	u8 data[20 + 48];
	unsigned int plen;

	sa = rand_sa(test, r->ealg, r->elen, r->aalg, r->alen, r->esn);
	KUNIT_EXPECT_EQ(test, sa->use_time, 0);
	get_random_bytes(data, sizeof(data));
	for (plen = 0; plen <= 48; plen++) {
		unsigned int hlen = nfipsec_esp_hdrlen(sa), clen, padlen, i;
		struct sk_buff *skb = test_skb(test, data, 20 + plen);
		struct ip_esp_hdr *esph;
		const u8 *trailer;
		int ret;

		KUNIT_ASSERT_EQ(test, run_output(sa, skb, 20, IPPROTO_IPIP, 0,
						 NULL, NULL), 0);
		KUNIT_EXPECT_MEMEQ(test, skb->data, data, 20);
		KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), 20);
		esph = (struct ip_esp_hdr *)(skb->data + 20);
		KUNIT_EXPECT_EQ(test, esph->spi, sa->spi);
		KUNIT_EXPECT_EQ(test, ntohl(esph->seq_no), plen + 1);
		clen = skb->len - 20 - hlen - sa->icvlen;
		padlen = clen - plen - 2;
		KUNIT_EXPECT_EQ(test, clen % sa->blocksize, 0);
		KUNIT_EXPECT_LT(test, padlen, sa->blocksize);
		/* The path MTU helper agrees: this fits, one byte less not. */
		KUNIT_EXPECT_GE(test, nfipsec_esp_payload_mtu(sa, skb->len - 20),
				plen);
		if (plen)	/* 0 also says "nothing fits" */
			KUNIT_EXPECT_LT(test,
					nfipsec_esp_payload_mtu(sa, skb->len - 21),
					plen);

		__skb_pull(skb, 20);
		ret = run_input(sa, skb);
		KUNIT_EXPECT_EQ_MSG(test, ret, IPPROTO_IPIP, "length %u", plen);
		KUNIT_EXPECT_EQ(test, skb->len, plen);
		KUNIT_EXPECT_MEMEQ(test, skb->data, data + 20, plen);
		/* What was stripped really was RFC 4303 padding. */
		KUNIT_ASSERT_FALSE(test, skb_is_nonlinear(skb));
		trailer = skb->data + plen;
		for (i = 0; i < padlen; i++)
			KUNIT_EXPECT_EQ(test, trailer[i], i + 1);
		KUNIT_EXPECT_EQ(test, trailer[padlen], padlen);
		KUNIT_EXPECT_EQ(test, trailer[padlen + 1], IPPROTO_IPIP);
	}
	KUNIT_EXPECT_GT(test, sa->use_time, 0);
	KUNIT_EXPECT_EQ(test, SA_STAT(sa, packets), 2 * 49);
	KUNIT_EXPECT_EQ(test, SA_STAT(sa, errors), 0);
}

/* Output into a clone: the shared data must be copied, not written. */
static void esp_clone(struct kunit *test)
{
	struct nfipsec_sa *sa = rand_sa(test, SADB_X_EALG_AES_GCM_ICV16, 20,
					0, 0, false);
	u8 data[40];
	struct sk_buff *skb, *clone;

	get_random_bytes(data, sizeof(data));
	skb = test_skb(test, data, sizeof(data));
	clone = skb_clone(skb, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, clone);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_skb_action,
							clone), 0);
	KUNIT_ASSERT_EQ(test, run_output(sa, clone, 0, IPPROTO_TCP, 0, NULL,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, skb->len, sizeof(data));
	KUNIT_EXPECT_MEMEQ(test, skb->data, data, sizeof(data));

	/* And input from a clone of the ESP packet. */
	skb = clone;
	clone = skb_clone(skb, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, clone);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_skb_action,
							clone), 0);
	KUNIT_EXPECT_EQ(test, run_input(sa, clone), IPPROTO_TCP);
	KUNIT_EXPECT_MEMEQ(test, clone->data, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, ntohl(((struct ip_esp_hdr *)skb->data)->spi),
			0x1000);
}

/* RFC 4303 §2.7: zeros after the payload, left for the inner header. */
static void esp_tfc_padding(struct kunit *test)
{
	struct nfipsec_sa *sa = rand_sa(test, SADB_X_EALG_AES_GCM_ICV16, 20,
					0, 0, false);
	u8 data[20], zero[80] = {};
	struct sk_buff *skb;

	get_random_bytes(data, sizeof(data));
	skb = test_skb(test, data, sizeof(data));
	KUNIT_ASSERT_EQ(test, run_output(sa, skb, 0, IPPROTO_IPIP, 100, NULL,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, skb->len, nfipsec_esp_hdrlen(sa) +
			ALIGN(100 + 2, 4) + sa->icvlen);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), IPPROTO_IPIP);
	KUNIT_ASSERT_EQ(test, skb->len, 100);
	KUNIT_EXPECT_MEMEQ(test, skb->data, data, sizeof(data));
	KUNIT_EXPECT_MEMEQ(test, skb->data + 20, zero, sizeof(zero));
	/* A payload already longer is not padded. */
	skb = test_skb(test, data, sizeof(data));
	KUNIT_ASSERT_EQ(test, run_output(sa, skb, 0, IPPROTO_IPIP, 8, NULL,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, skb->len, nfipsec_esp_hdrlen(sa) + 24 +
			sa->icvlen);
}

/* RFC 4303 §3.3.3: the counter never cycles. */
static void esp_seq_overflow(struct kunit *test)
{
	struct nfipsec_sa *sa = rand_sa(test, SADB_X_EALG_AES_GCM_ICV16, 20,
					0, 0, false);
	struct nfipsec_sa *esn = rand_sa(test, SADB_X_EALG_AES_GCM_ICV16, 20,
					 0, 0, true);
	struct sk_buff *skb;
	u8 data[8] = {};

	atomic64_set(&sa->oseq, U32_MAX - 1);
	skb = test_skb(test, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, run_output(sa, skb, 0, 4, 0, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(skb->data + 4), U32_MAX);
	skb = test_skb(test, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, run_output(sa, skb, 0, 4, 0, NULL, NULL),
			-EOVERFLOW);
	skb = test_skb(test, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, run_output(sa, skb, 0, 4, 0, NULL, NULL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_out_stat(-EOVERFLOW),
			NFIPSEC_STAT_OUT_SEQ_OVERFLOW);

	/* With ESN the wire wraps and the high half goes on, unsent. */
	atomic64_set(&esn->oseq, U32_MAX);
	skb = test_skb(test, data, sizeof(data));
	KUNIT_ASSERT_EQ(test, run_output(esn, skb, 0, 4, 0, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(skb->data + 4), 0);
	/* The IV is the full 64-bit number: never reused under the key. */
	KUNIT_EXPECT_EQ(test, get_unaligned_be64(skb->data + 8), BIT_ULL(32));
	prime_window(test, esn, BIT_ULL(32));
	KUNIT_EXPECT_EQ(test, run_input(esn, skb), 4);
	KUNIT_EXPECT_EQ(test, esn->replay.top, BIT_ULL(32));
}

/*
 * Refusals: each gets its own error and so its own counter. Packets with
 * a bad trailer are sealed with a valid ICV, as a broken peer would send.
 */
static void esp_refusals(struct kunit *test)
{
	struct nfipsec_sa *sa = rand_sa(test, SADB_X_EALG_AES_GCM_ICV16, 20,
					0, 0, false);
	struct nfipsec_sa *cbc = rand_sa(test, SADB_X_EALG_AESCBC, 16,
					 SADB_X_AALG_SHA2_256HMAC, 32, false);
	u8 pkt[8 + 8 + 16 + 16] = {}, data[8] = {};
	struct sk_buff *skb;

	/* Next Header 59: a dummy packet, authentic but to be dropped. */
	skb = test_skb(test, data, sizeof(data));
	KUNIT_ASSERT_EQ(test, run_output(sa, skb, 0, IPPROTO_NONE, 0, NULL,
					 NULL), 0);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -ENODATA);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_in_stat(-ENODATA),
			NFIPSEC_STAT_IN_DUMMY);

	/* Padding 1, 3 instead of 1, 2. */
	put_unaligned_be32(ntohl(sa->spi), pkt);
	put_unaligned_be32(10, pkt + 4);
	memcpy(pkt + 16, "\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc"
			 "\x01\x03\x02\x04", 16);
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, sizeof(pkt), 10, true), 0);
	skb = test_skb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EPROTO);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_in_stat(-EPROTO),
			NFIPSEC_STAT_IN_BAD_PADDING);

	/* Pad Length longer than the payload. */
	memset(pkt + 8, 0, sizeof(pkt) - 8);
	put_unaligned_be32(11, pkt + 4);
	pkt[16 + 14] = 15;
	pkt[16 + 15] = 4;
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, sizeof(pkt), 11, true), 0);
	skb = test_skb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EPROTO);
	/* ...but 14 bytes of 1..14 would have been fine. */
	memset(pkt + 8, 0, sizeof(pkt) - 8);
	put_unaligned_be32(12, pkt + 4);
	memcpy(pkt + 16, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
			 "\x0d\x0e\x0e\x04", 16);
	KUNIT_ASSERT_EQ(test, crypt_flat(sa, pkt, sizeof(pkt), 12, true), 0);
	skb = test_skb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), 4);
	KUNIT_EXPECT_EQ(test, skb->len, 0);
	KUNIT_EXPECT_EQ(test, SA_STAT(sa, errors), 2);

	/* Too short to hold a trailer and ICV. */
	skb = test_skb(test, pkt, 8 + 8 + 16 + 1);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EINVAL);
	/* CBC ciphertext that is not whole blocks. */
	skb = test_skb(test, pkt, 8 + 16 + 20 + 16);
	KUNIT_EXPECT_EQ(test, run_input(cbc, skb), -EINVAL);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_in_stat(-EINVAL),
			NFIPSEC_STAT_IN_HDR_ERROR);
	/* Below the window, refused before any crypto. */
	KUNIT_ASSERT_EQ(test, nfipsec_replay_advance(&sa->replay, 1000), 0);
	put_unaligned_be32(900, pkt + 4);
	skb = test_skb(test, pkt, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), -EALREADY);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_in_stat(-EBADMSG),
			NFIPSEC_STAT_IN_ICV_FAIL);
	KUNIT_EXPECT_EQ(test, nfipsec_esp_in_stat(-EALREADY),
			NFIPSEC_STAT_IN_REPLAY);
}

/* A caller's state, as the data path would pass it. */
struct async_ctx {
	struct esp_wait *w;
	u32 magic;
	const void *orig;
};

static void async_done(struct nfipsec_sa *sa, struct sk_buff *skb, int ret,
		       void *ctx)
{
	struct async_ctx *c = ctx;

	/* A copy: the caller's own went out of scope long ago. */
	c->w->ret = c->magic == 0x5e5ab1e5 && c->orig != ctx ? ret : -EFAULT;
	complete(&c->w->done);
}

/*
 * Through cryptd every request completes later, from a worker: the call
 * says -EINPROGRESS, then the continuation gets the result and a copy of
 * the caller's state, exactly once.
 */
static void esp_async(struct kunit *test)
{
	static const char cryptd_gcm[] =
		"cryptd(rfc4106(gcm_base(ctr(aes-generic),ghash-generic)))";
	struct async_ctx c = { .magic = 0x5e5ab1e5 };
	struct nfipsec_esp_cb cb = { async_done, &c, sizeof(c) };
	struct crypto_aead *cryptd;
	struct nfipsec_sa *sa;
	struct sk_buff *skb;
	struct esp_wait w;
	u8 key[20], data[50];
	int ret;

	get_random_bytes(key, sizeof(key));
	get_random_bytes(data, sizeof(data));
	sa = test_sa(test, SADB_X_EALG_AES_GCM_ICV16, key, sizeof(key), 0,
		     NULL, 0, false);
	/* cryptd wraps only synchronous transforms: name the generic one. */
	cryptd = crypto_alloc_aead(cryptd_gcm, 0, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(cryptd), "cryptd: %ld",
			       PTR_ERR(cryptd));
	KUNIT_ASSERT_EQ(test, crypto_aead_setkey(cryptd, key, sizeof(key)), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(cryptd, 16), 0);
	crypto_free_aead(sa->aead);
	sa->aead = cryptd;
	c.w = &w;
	c.orig = &c;

	init_completion(&w.done);
	skb = test_skb(test, data, sizeof(data));
	ret = nfipsec_esp_output(sa, skb, 0, IPPROTO_UDP, 0, &cb);
	KUNIT_ASSERT_EQ(test, ret, -EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_ASSERT_EQ(test, w.ret, 0);

	init_completion(&w.done);
	ret = nfipsec_esp_input(sa, skb, &cb);
	KUNIT_ASSERT_EQ(test, ret, -EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_EQ(test, w.ret, IPPROTO_UDP);
	KUNIT_ASSERT_EQ(test, skb->len, sizeof(data));
	KUNIT_EXPECT_MEMEQ(test, skb->data, data, sizeof(data));

	/* An asynchronous ICV failure is reported the same way. */
	skb = test_skb(test, data, sizeof(data));
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_esp_output(sa, skb, 0, 4, 0, &cb),
			-EINPROGRESS);
	wait_for_completion(&w.done);
	skb->data[skb->len - 1] ^= 1;
	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, nfipsec_esp_input(sa, skb, &cb), -EINPROGRESS);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_EQ(test, w.ret, -EBADMSG);
}

/* An skb with @len bytes of @data, all but @head of them in a page. */
static struct sk_buff *paged_skb(struct kunit *test, const u8 *data,
				 unsigned int len, unsigned int head)
{
	struct sk_buff *skb = test_skb(test, data, head);
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), data + head, len - head);
	skb_add_rx_frag(skb, 0, page, 0, len - head, PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, skb_is_nonlinear(skb));
	return skb;
}

/* Payload and ESP packets in page fragments, as GRO and GSO leave them. */
static void esp_paged(struct kunit *test)
{
	struct nfipsec_sa *sa = rand_sa(test, SADB_X_EALG_AESCBC, 16,
					SADB_X_AALG_SHA2_256HMAC, 32, true);
	u8 data[300], *pkt, *out;
	struct sk_buff *skb;
	unsigned int len;

	get_random_bytes(data, sizeof(data));
	skb = paged_skb(test, data, sizeof(data), 20);
	KUNIT_ASSERT_EQ(test, run_output(sa, skb, 20, 4, 0, NULL, NULL), 0);
	KUNIT_EXPECT_MEMEQ(test, skb->data, data, 20);

	/* The packet as it would arrive, mostly in a page. */
	len = skb->len - 20;
	pkt = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pkt);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 20, pkt, len), 0);
	skb = paged_skb(test, pkt, len, 8);
	KUNIT_EXPECT_EQ(test, run_input(sa, skb), 4);
	KUNIT_ASSERT_EQ(test, skb->len, sizeof(data) - 20);
	out = kunit_kzalloc(test, skb->len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, out, skb->len), 0);
	KUNIT_EXPECT_MEMEQ(test, out, data + 20, skb->len);
}

static void esp_suite_exit(struct kunit_suite *suite)
{
	/* SAs are freed from RCU callbacks: let them run before unload. */
	rcu_barrier();
}

static struct kunit_case esp_test_cases[] = {
	KUNIT_CASE_PARAM(esp_vector, esp_vec_gen_params),
	KUNIT_CASE_PARAM(esp_hmac, hmac_vec_gen_params),
	KUNIT_CASE(esp_chacha20poly1305),
	KUNIT_CASE_PARAM(esp_roundtrip, rt_sa_gen_params),
	KUNIT_CASE(esp_clone),
	KUNIT_CASE(esp_tfc_padding),
	KUNIT_CASE(esp_seq_overflow),
	KUNIT_CASE(esp_refusals),
	KUNIT_CASE(esp_async),
	KUNIT_CASE(esp_paged),
	{}
};

static struct kunit_suite esp_test_suite = {
	.name = "nfipsec_esp",
	.suite_exit = esp_suite_exit,
	.test_cases = esp_test_cases,
};

kunit_test_suites(&esp_test_suite);
