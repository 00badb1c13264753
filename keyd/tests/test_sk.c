/* SPDX-License-Identifier: ISC */
/*
 * The SK payload: Python-made messages (ref_vectors.h) open to the right
 * plaintext and AEAD sealing reproduces them byte for byte; every suite
 * round-trips at every plaintext length around the block size; and any
 * flipped bit (IKE header, SK header, IV, ciphertext, ICV), truncation or
 * wrong direction is refused.
 */
#include <stdio.h>

#include "../crypto.h"
#include "../ikev2_bld.h"
#include "hex.h"
#include "ref_vectors.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char		*name;
	struct crypto_suite	 s;
} suites[] = {
	{ "AES-CBC-128/HMAC-SHA2-256-128", { IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_INTEG_HMAC_SHA2_256_128, IKEV2_PRF_HMAC_SHA2_256 } },
	{ "AES-CBC-192/HMAC-SHA2-384-192", { IKEV2_ENCR_AES_CBC, 192,
	    IKEV2_INTEG_HMAC_SHA2_384_192, IKEV2_PRF_HMAC_SHA2_384 } },
	{ "AES-CBC-256/HMAC-SHA2-512-256", { IKEV2_ENCR_AES_CBC, 256,
	    IKEV2_INTEG_HMAC_SHA2_512_256, IKEV2_PRF_HMAC_SHA2_512 } },
	{ "AES-GCM-16-128", { IKEV2_ENCR_AES_GCM_16, 128, IKEV2_INTEG_NONE,
	    IKEV2_PRF_HMAC_SHA2_256 } },
	{ "AES-GCM-16-256", { IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE,
	    IKEV2_PRF_HMAC_SHA2_384 } },
	{ "ChaCha20-Poly1305", { IKEV2_ENCR_CHACHA20_POLY1305, 0,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_512 } },
};

static const uint8_t ispi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rspi[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18 };

/* Keys as ref.py has them: SK_e* = 01 02 ..., salt 81 82 83 84. */
static void
ref_keys(struct ike_keys *k, const struct crypto_suite *s)
{
	size_t klen;

	memset(k, 0, sizeof(*k));
	k->s = *s;
	k->encr_len = crypto_encr_keylen(s->encr, s->encr_keylen);
	k->integ_len = crypto_integ_keylen(s->integ);
	klen = crypto_encr_is_aead(s->encr) ? k->encr_len - 4 : k->encr_len;
	seq(k->sk_ei, klen, 0x01);
	seq(k->sk_ei + klen, k->encr_len - klen, 0x81);
	seq(k->sk_ai, k->integ_len, 0x31);
	seq(k->sk_er, k->encr_len, 0x51);
	seq(k->sk_ar, k->integ_len, 0x61);
}

/* IKE_AUTH request, msgid 1, SK with IDi first, sealed by `initiator`. */
static int
seal(struct ike_keys *k, int initiator, const uint8_t *plain, size_t len,
    struct buf *msg)
{
	struct ikev2_bld bld;
	size_t off;

	buf_init(msg);
	ikev2_bld_msg(&bld, msg, ispi, rspi, IKEV2_EXCH_IKE_AUTH,
	    initiator ? IKEV2_FLAG_INITIATOR : IKEV2_FLAG_RESPONSE, 1);
	off = ikev2_bld_sk(&bld, IKEV2_PLD_IDi);
	return (crypto_sk_seal(k, initiator, msg, off, plain, len));
}

static int
open_ok(const struct ike_keys *k, int initiator, const uint8_t *msg,
    size_t len, const uint8_t *want, size_t wlen)
{
	struct buf out;
	int r;

	buf_init(&out);
	r = crypto_sk_open(k, initiator, msg, len, 32, &out) == 0 &&
	    out.len == wlen && memcmp(out.data, want, wlen) == 0;
	buf_free(&out);
	return (r);
}

static void
test_reference(void)
{
	static const struct { const char *hex; int suite; } ref[] = {
		{ sk_gcm128, 3 }, { sk_chacha, 5 }, { sk_cbc256, 2 },
	};
	struct crypto_suite cbc = { IKEV2_ENCR_AES_CBC, 256,
	    IKEV2_INTEG_HMAC_SHA2_256_128, IKEV2_PRF_HMAC_SHA2_256 };
	uint8_t plain[40], *m;
	struct ike_keys k;
	struct buf msg;
	size_t i, len;

	seq(plain, sizeof(plain), 0x40);
	for (i = 0; i < nitems(ref); i++) {
		ref_keys(&k, i == 2 ? &cbc : &suites[ref[i].suite].s);
		m = unhex(ref[i].hex, &len);
		ok(open_ok(&k, 1, m, len, plain, sizeof(plain)),
		    "%s: opens the Python-made message",
		    i == 2 ? "AES-CBC-256/HMAC-SHA2-256-128" :
		    suites[ref[i].suite].name);
		if (i < 2) {
			ok(seal(&k, 1, plain, sizeof(plain), &msg) == 0 &&
			    msg.len == len && memcmp(msg.data, m, len) == 0,
			    "%s: sealing reproduces it (IV counter 0)",
			    suites[ref[i].suite].name);
			buf_free(&msg);
		}
		free(m);
	}
}

/* Every single-bit flip anywhere in the message must be caught. */
static int
all_flips_fail(const struct ike_keys *k, const struct buf *msg)
{
	struct buf out;
	size_t i;
	int bad = 0;

	for (i = 0; i < msg->len; i++) {
		msg->data[i] ^= 0x04;
		buf_init(&out);
		if (crypto_sk_open(k, 1, msg->data, msg->len, 32, &out) == 0)
			bad++;
		buf_free(&out);
		msg->data[i] ^= 0x04;
	}
	return (bad == 0);
}

static void
test_suite(const char *name, const struct crypto_suite *s)
{
	uint8_t seed[64], n[32], plain[80];
	struct ike_keys k;
	struct buf msg, out;
	size_t len, bad = 0, t;
	int aead = crypto_encr_is_aead(s->encr);

	seq(seed, sizeof(seed), 7);
	seq(n, sizeof(n), 9);
	seq(plain, sizeof(plain), 0x33);
	ok(crypto_ike_keys(&k, s, seed, n, 32, n, 32, ispi, rspi) == 0,
	    "%s: keys", name);
	for (len = 0; len <= 70; len++) {
		if (seal(&k, len & 1, plain, len, &msg) != 0 ||
		    msg.len != 32 + crypto_sk_overhead(&k) + len + 1 +
		    (aead ? 0 : (16 - (len + 1) % 16) % 16) ||
		    !open_ok(&k, len & 1, msg.data, msg.len, plain, len) ||
		    open_ok(&k, !(len & 1), msg.data, msg.len, plain, len))
			bad++;
		buf_free(&msg);
	}
	ok(bad == 0, "%s: round trip, 0..70 octets, both directions; "
	    "the other direction's keys refused", name);

	seal(&k, 1, plain, 37, &msg);
	ok(all_flips_fail(&k, &msg),
	    "%s: a flipped bit in any of %zu octets refused", name, msg.len);
	for (bad = 0, t = 32; t < msg.len; t++) {
		buf_init(&out);
		if (crypto_sk_open(&k, 1, msg.data, t, 32, &out) == 0)
			bad++;
		buf_free(&out);
	}
	ok(bad == 0, "%s: every truncation refused", name);
	buf_free(&msg);

	if (aead) {
		struct buf m2;

		seal(&k, 1, plain, 16, &msg);
		seal(&k, 1, plain, 16, &m2);
		ok(memcmp(msg.data + 32, m2.data + 32, 8) != 0 &&
		    memcmp(msg.data + 40, m2.data + 40, 17) != 0,
		    "%s: IV never repeats under one key", name);
		buf_free(&m2);
		buf_free(&msg);
	}
	crypto_ike_keys_wipe(&k);
}

/*
 * The path the exchanges will take: build the inner chain, seal it into
 * SK, parse the datagram, open SK at the offset the parser found, parse
 * the plaintext.
 */
static void
test_pipeline(void)
{
	static const struct crypto_suite s = { IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_256 };
	static struct ikev2_msg_p m;
	uint8_t seed[32], n[32], auth[32];
	struct ikev2_bld bld, in;
	struct buf plain, msg, out;
	struct ike_keys k;
	size_t off;
	int r;

	seq(seed, 32, 1);
	seq(n, 32, 2);
	seq(auth, 32, 3);
	crypto_ike_keys(&k, &s, seed, n, 32, n, 32, ispi, rspi);
	buf_init(&plain);
	ikev2_bld_chain(&in, &plain);
	ikev2_bld_id(&in, IKEV2_PLD_IDi, IKEV2_ID_FQDN,
	    (const uint8_t *)"a.example", 9);
	ikev2_bld_auth(&in, IKEV2_AUTH_SHARED_KEY_MIC, auth, 32);
	buf_init(&msg);
	ikev2_bld_msg(&bld, &msg, ispi, rspi, IKEV2_EXCH_IKE_AUTH,
	    IKEV2_FLAG_INITIATOR, 1);
	off = ikev2_bld_sk(&bld, in.first);
	r = crypto_sk_seal(&k, 1, &msg, off, plain.data, plain.len);
	buf_init(&out);
	ok(r == 0 && ikev2_pld_parse(&m, msg.data, msg.len) == 0 &&
	    m.sk.first == IKEV2_PLD_IDi &&
	    crypto_sk_open(&k, 1, msg.data, msg.len, m.sk.off + 4, &out) == 0 &&
	    ikev2_pld_parse_inner(&m, m.sk.first, out.data, out.len) == 0 &&
	    m.idi.data.len == 9 && m.auth.data.len == 32 &&
	    memcmp(m.auth.data.ptr, auth, 32) == 0,
	    "build, seal, parse, open, parse inner: IDi and AUTH arrive");
	buf_free(&out);
	buf_free(&msg);
	buf_free(&plain);
	crypto_ike_keys_wipe(&k);
}

int
main(void)
{
	size_t i;

	test_reference();
	test_pipeline();
	for (i = 0; i < nitems(suites); i++)
		test_suite(suites[i].name, &suites[i].s);
	return (tap_done());
}
