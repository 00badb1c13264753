/* SPDX-License-Identifier: ISC */
/*
 * PRF, prf+, SKEYSEED and key derivation against the NIST ACVP IKEv2 KDF
 * vectors (kdf_vectors.h), the IKE SA and Child SA key split, and PSK AUTH
 * against Python-computed references (ref_vectors.h).
 */
#include <stdio.h>

#include "../crypto.h"
#include "hex.h"
#include "kdf_vectors.h"
#include "ref_vectors.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int
eqhex(const uint8_t *p, size_t n, const char *hex)
{
	size_t len;
	uint8_t *want = unhex(hex, &len);
	int r = len == n && memcmp(p, want, n) == 0;

	free(want);
	return (r);
}

static void
test_kdf_vec(const struct kdf_vec *v)
{
	size_t nil, nrl, gl, gnl, il, rl, dl, cl, hl = crypto_prf_size(v->prf);
	uint8_t *ni = unhex(v->ni, &nil), *nr = unhex(v->nr, &nrl);
	uint8_t *gir = unhex(v->gir, &gl), *gnew = unhex(v->gir_new, &gnl);
	uint8_t *spii = unhex(v->spii, &il), *spir = unhex(v->spir, &rl);
	uint8_t skeyseed[CRYPTO_PRF_MAX], rekey[CRYPTO_PRF_MAX], *dkm, *out;
	struct iovec seed[4] = { { ni, nil }, { nr, nrl }, { spii, il },
	    { spir, rl } };
	struct iovec cseed[3] = { { gnew, gnl }, { ni, nil }, { nr, nrl } };

	dl = strlen(v->dkm) / 2;
	cl = strlen(v->child) / 2;
	dkm = malloc(dl);
	out = malloc(cl);

	/*
	 * The ACVP nonces are 256 octets, the IKEv2 maximum, so the nonce
	 * key path is exercised at its limit.
	 */
	ok(crypto_skeyseed(v->prf, ni, nil, nr, nrl, gir, gl, skeyseed) == 0 &&
	    eqhex(skeyseed, hl, v->skeyseed), "%s: SKEYSEED", v->name);
	ok(crypto_prfplus(v->prf, skeyseed, hl, seed, 4, dkm, dl) == 0 &&
	    eqhex(dkm, dl, v->dkm), "%s: prf+ DKM (%zu octets)", v->name, dl);
	ok(crypto_prfplus(v->prf, dkm, hl, seed, 2, out, cl) == 0 &&
	    eqhex(out, cl, v->child), "%s: KEYMAT, no PFS", v->name);
	ok(crypto_prfplus(v->prf, dkm, hl, cseed, 3, out, cl) == 0 &&
	    eqhex(out, cl, v->child_dh), "%s: KEYMAT with g^ir (new)",
	    v->name);
	ok(crypto_skeyseed_rekey(v->prf, dkm, hl, gnew, gnl, ni, nil, nr, nrl,
	    rekey) == 0 && eqhex(rekey, hl, v->rekey),
	    "%s: rekey SKEYSEED", v->name);

	/* The split helpers must agree with raw prf+ on the same vector. */
	{
		struct crypto_suite s = { IKEV2_ENCR_AES_CBC, 256,
		    IKEV2_INTEG_HMAC_SHA2_256_128, v->prf };
		struct ike_keys k;
		struct child_keys c;
		size_t off = 0;

		ok(crypto_ike_keys(&k, &s, skeyseed, ni, nil, nr, nrl, spii,
		    spir) == 0 &&
		    memcmp(k.sk_d, dkm + off, hl) == 0 &&
		    memcmp(k.sk_ai, dkm + (off += hl), 32) == 0 &&
		    memcmp(k.sk_ar, dkm + (off += 32), 32) == 0 &&
		    memcmp(k.sk_ei, dkm + (off += 32), 32) == 0 &&
		    memcmp(k.sk_er, dkm + (off += 32), 32) == 0 &&
		    memcmp(k.sk_pi, dkm + (off += 32), hl) == 0 &&
		    memcmp(k.sk_pr, dkm + (off += hl), hl) == 0,
		    "%s: SK_d|SK_ai|SK_ar|SK_ei|SK_er|SK_pi|SK_pr split",
		    v->name);
		ok(crypto_child_keys(&c, v->prf, dkm, hl, gnew, gnl, ni, nil,
		    nr, nrl, IKEV2_ENCR_AES_CBC, 128,
		    IKEV2_INTEG_HMAC_SHA2_512_256) == 0 &&
		    memcmp(c.ei, out, 16) == 0 &&
		    memcmp(c.ai, out + 16, 64) == 0 &&
		    memcmp(c.er, out + 16 + 64, 16) == 0 &&
		    memcmp(c.ar, out + 16 + 64 + 16, 64) == 0,
		    "%s: Child SA ei|ai|er|ar split", v->name);
		crypto_ike_keys_wipe(&k);
		crypto_child_keys_wipe(&c);
	}
	free(ni); free(nr); free(gir); free(gnew); free(spii); free(spir);
	free(dkm); free(out);
}

static void
test_key_lengths(void)
{
	struct crypto_suite gcm = { IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_384 };
	struct crypto_suite cc = { IKEV2_ENCR_CHACHA20_POLY1305, 0,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_512 };
	struct crypto_suite bad = { IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_256 };
	uint8_t seed[64] = { 1 }, n[32] = { 2 }, spi[8] = { 3 };
	uint8_t km[2 * 36 + 3 * 48];
	struct iovec iov[4] = { { n, 32 }, { n, 32 }, { spi, 8 }, { spi, 8 } };
	struct ike_keys k;

	ok(crypto_encr_keylen(IKEV2_ENCR_AES_GCM_16, 128) == 20 &&
	    crypto_encr_keylen(IKEV2_ENCR_AES_GCM_16, 256) == 36 &&
	    crypto_encr_keylen(IKEV2_ENCR_CHACHA20_POLY1305, 0) == 36 &&
	    crypto_encr_keylen(IKEV2_ENCR_AES_CBC, 192) == 24 &&
	    crypto_encr_keylen(IKEV2_ENCR_AES_CBC, 100) == 0,
	    "encryption key material: AEAD keys carry a 4-octet salt");
	ok(crypto_integ_keylen(IKEV2_INTEG_HMAC_SHA2_384_192) == 48 &&
	    crypto_integ_icvlen(IKEV2_INTEG_HMAC_SHA2_384_192) == 24 &&
	    crypto_integ_icvlen(IKEV2_INTEG_HMAC_SHA2_512_256) == 32 &&
	    crypto_prf_size(IKEV2_PRF_HMAC_SHA2_384) == 48 &&
	    crypto_prf_size(IKEV2_PRF_HMAC_SHA1) == 0,
	    "integrity and PRF sizes (RFC 4868)");
	ok(crypto_ike_keys(&k, &gcm, seed, n, 32, n, 32, spi, spi) == 0 &&
	    k.integ_len == 0 && k.encr_len == 36 && k.prf_len == 48 &&
	    crypto_prfplus(IKEV2_PRF_HMAC_SHA2_384, seed, 48, iov, 4, km,
	    sizeof(km)) == 0 && memcmp(k.sk_ei, km + 48, 36) == 0 &&
	    memcmp(k.sk_er, km + 48 + 36, 36) == 0 &&
	    memcmp(k.sk_pr, km + 48 + 72 + 48, 48) == 0,
	    "AES-GCM-256: no SK_a, 36-octet SK_e (key | salt)");
	ok(crypto_ike_keys(&k, &cc, seed, n, 32, n, 32, spi, spi) == 0 &&
	    k.encr_len == 36 && k.integ_len == 0,
	    "ChaCha20-Poly1305: 32-octet key | 4-octet salt");
	ok(crypto_ike_keys(&k, &bad, seed, n, 32, n, 32, spi, spi) == -1,
	    "AES-CBC without integrity refused");
	ok(crypto_prfplus(IKEV2_PRF_HMAC_SHA2_256, seed, 32, iov, 1, km,
	    255 * 32 + 1) == -1, "prf+ beyond 255 blocks refused");
	crypto_ike_keys_wipe(&k);
}

/* HMAC-SHA2-384 has no ACVP case here: a Python reference instead. */
static void
test_kdf384(void)
{
	struct crypto_suite s = { IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_INTEG_NONE, IKEV2_PRF_HMAC_SHA2_384 };
	uint8_t ni[32], nr[48], gir[256], spii[8], spir[8], sk[48];
	uint8_t all[3 * 48 + 2 * 36], *p = all;
	struct ike_keys k;

	seq(ni, 32, 0x10);
	seq(nr, 48, 0x90);
	seq(gir, 256, 0x33);
	seq(spii, 8, 0xa0);
	seq(spir, 8, 0xb0);
	ok(crypto_skeyseed(s.prf, ni, 32, nr, 48, gir, 256, sk) == 0 &&
	    eqhex(sk, 48, kdf384_skeyseed), "HMAC-SHA2-384: SKEYSEED");
	ok(crypto_ike_keys(&k, &s, sk, ni, 32, nr, 48, spii, spir) == 0,
	    "HMAC-SHA2-384: IKE SA keys for AES-GCM-16-256");
	memcpy(p, k.sk_d, 48); p += 48;
	memcpy(p, k.sk_ei, 36); p += 36;
	memcpy(p, k.sk_er, 36); p += 36;
	memcpy(p, k.sk_pi, 48); p += 48;
	memcpy(p, k.sk_pr, 48);
	ok(eqhex(all, sizeof(all), kdf384_keys),
	    "HMAC-SHA2-384: SK_d|SK_ei|SK_er|SK_pi|SK_pr known value");
	crypto_ike_keys_wipe(&k);
}

static void
test_psk(void)
{
	static const struct { uint16_t prf; const char *want; } v[] = {
		{ IKEV2_PRF_HMAC_SHA2_256, psk_auth_5 },
		{ IKEV2_PRF_HMAC_SHA2_384, psk_auth_6 },
		{ IKEV2_PRF_HMAC_SHA2_512, psk_auth_7 },
	};
	static const uint8_t idbody[] = "\x02\0\0\0left.example";
	static const uint8_t psk[] = "keyd-test-psk-0123";
	uint8_t msg[200], nonce[32], skp[64], auth[64];
	struct buf oct;
	size_t i, hl;

	seq(msg, sizeof(msg), 0);
	seq(nonce, sizeof(nonce), 0xa5);
	for (i = 0; i < nitems(v); i++) {
		hl = crypto_prf_size(v[i].prf);
		seq(skp, hl, 0x20);
		buf_init(&oct);
		ok(crypto_auth_octets(v[i].prf, skp, hl, msg, sizeof(msg),
		    nonce, sizeof(nonce), idbody, sizeof(idbody) - 1,
		    &oct) == 0 && oct.len == 200 + 32 + hl &&
		    crypto_psk_auth(v[i].prf, psk, sizeof(psk) - 1, oct.data,
		    oct.len, auth) == 0 && eqhex(auth, hl, v[i].want),
		    "PSK AUTH known value, PRF %u", v[i].prf);
		ok(crypto_psk_verify(v[i].prf, psk, sizeof(psk) - 1, oct.data,
		    oct.len, auth, hl) == 0, "PSK AUTH verifies, PRF %u",
		    v[i].prf);
		auth[hl - 1] ^= 1;
		ok(crypto_psk_verify(v[i].prf, psk, sizeof(psk) - 1, oct.data,
		    oct.len, auth, hl) == -1 &&
		    crypto_psk_verify(v[i].prf, psk, sizeof(psk) - 1,
		    oct.data, oct.len, auth, hl - 1) == -1,
		    "PSK AUTH with a flipped bit or short length refused");
		buf_free(&oct);
	}
}

static void
test_natd(void)
{
	static const uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, a[4] =
	    { 192, 0, 2, 1 };
	uint8_t h[20], h2[20];

	ok(crypto_natd(spi, (uint8_t[8]){ 0 }, a, 4, 500, h) == 0 &&
	    eqhex(h, 20, natd_ref) &&
	    crypto_natd(spi, (uint8_t[8]){ 0 }, a, 4, 4500, h2) == 0 &&
	    memcmp(h, h2, 20) != 0, "NAT-D hash known value; depends on the port");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < nitems(kdf_vecs); i++)
		test_kdf_vec(&kdf_vecs[i]);
	test_key_lengths();
	test_kdf384();
	test_psk();
	test_natd();
	return (tap_done());
}
