/* SPDX-License-Identifier: ISC */
/*
 * Key exchange: for every group both sides agree, the wire encodings have
 * the RFC lengths, the groups are the right ones, and bad peer values are
 * refused.
 *
 * "The right group" is checked without trusting OpenSSL's names:
 *  - MODP: the peer value 4 = g^2 must give (g^x)^2 mod p, with p the
 *    RFC 3526 prime written out below (recomputed from its pi formula
 *    and checked to be a safe prime); the RFC 7919 ffdhe primes differ.
 *  - ECP: the generator G fed in must give x(xG), the first half of our
 *    public value, which pins both the curve and the x | y order.
 *  - X25519: the base point u = 9 must give our public value.
 */
#include <stdio.h>

#include <openssl/bn.h>

#include "../crypto.h"
#include "hex.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* RFC 3526 §3 and §4. */
static const char modp2048_p[] =
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
	    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
	    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
	    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";
static const char modp3072_p[] =
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
	    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
	    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
	    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	    "3995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33"
	    "a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7"
	    "abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864"
	    "d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e2"
	    "08e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

static const struct {
	uint16_t	 group;
	const char	*name;
	size_t		 publen, secretlen;
	const char	*gen;		/* MODP: p; ECP: Gx | Gy */
} groups[] = {
	{ IKEV2_DH_MODP_2048, "MODP-2048 (14)", 256, 256, modp2048_p },
	{ IKEV2_DH_MODP_3072, "MODP-3072 (15)", 384, 384, modp3072_p },
	{ IKEV2_DH_ECP_256, "ECP-256 (19)", 64, 32,
	    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
	    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5" },
	{ IKEV2_DH_ECP_384, "ECP-384 (20)", 96, 48,
	    "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
	    "5502f25dbf55296c3a545e3872760ab7"
	    "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
	    "0a60b1ce1d7e819d7a431d7c90ea0e5f" },
	{ IKEV2_DH_ECP_521, "ECP-521 (21)", 132, 66,
	    "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d"
	    "3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5"
	    "bd66"
	    "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e"
	    "662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd1"
	    "6650" },
	{ IKEV2_DH_CURVE25519, "Curve25519 (31)", 32, 32, NULL },
};

/* (y^2 mod p) for MODP: what peer value 4 = g^2 must yield. */
static int
modp_square(const uint8_t *y, size_t len, const char *phex, uint8_t *out)
{
	BIGNUM *p = NULL, *b = BN_bin2bn(y, len, NULL), *r = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int ok;

	ok = BN_hex2bn(&p, phex) && BN_mod_sqr(r, b, p, ctx) &&
	    BN_bn2binpad(r, out, len) == (int)len;
	BN_free(p); BN_free(b); BN_free(r); BN_CTX_free(ctx);
	return (ok);
}

static void
test_group(size_t i)
{
	uint16_t g = groups[i].group;
	size_t pl = groups[i].publen, sl = groups[i].secretlen, gl;
	struct crypto_dh *a = crypto_dh_new(g), *b = crypto_dh_new(g);
	uint8_t pa[384], pb[384], sa[384], sb[384], x[384], bad[400];
	uint8_t *gen = groups[i].gen ? unhex(groups[i].gen, &gl) : NULL;
	const char *n = groups[i].name;

	ok(a != NULL && b != NULL && crypto_dh_publen(g) == pl &&
	    crypto_dh_secretlen(g) == sl && crypto_dh_group(a) == g,
	    "%s: key pairs, KE %zu octets, g^ir %zu", n, pl, sl);
	ok(crypto_dh_public(a, pa, pl) == 0 && crypto_dh_public(b, pb, pl) == 0
	    && crypto_dh_derive(a, pb, pl, sa, sl) == 0 &&
	    crypto_dh_derive(b, pa, pl, sb, sl) == 0 &&
	    memcmp(sa, sb, sl) == 0, "%s: both sides agree", n);
	ok(crypto_dh_derive(a, pb, pl - 1, sa, sl) == -1 &&
	    crypto_dh_derive(a, pb, pl, sa, sl + 1) == -1,
	    "%s: wrong KE length refused", n);

	if (g == IKEV2_DH_MODP_2048 || g == IKEV2_DH_MODP_3072) {
		memset(bad, 0, pl);
		bad[pl - 1] = 4;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == 0 &&
		    modp_square(pa, pl, groups[i].gen, x) &&
		    memcmp(sa, x, sl) == 0,
		    "%s: is the RFC 3526 prime (4^x == (g^x)^2 mod p)", n);
		bad[pl - 1] = 1;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1, "%s: y = 1", n);
		bad[pl - 1] = 0;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1, "%s: y = 0", n);
		memcpy(bad, gen, pl);
		bad[pl - 1] -= 1;			/* p - 1 */
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: y = p - 1", n);
		bad[pl - 1] -= 1;			/* p - 2: outside q */
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: y = p - 2, not in the prime-order subgroup", n);
		memset(bad, 0xff, pl);
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1, "%s: y > p", n);
	} else if (gen != NULL) {
		ok(gl == pl && crypto_dh_derive(a, gen, pl, sa, sl) == 0 &&
		    memcmp(sa, pa, sl) == 0,
		    "%s: G gives x(xG): the curve and x | y order", n);
		memcpy(bad, gen, pl);
		bad[pl - 1] ^= 1;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: point off the curve refused", n);
		memset(bad, 0, pl);
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: (0, 0) refused", n);
	} else {
		memset(bad, 0, pl);
		bad[0] = 9;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == 0 &&
		    memcmp(sa, pa, sl) == 0, "%s: base point 9 gives ours", n);
		memset(bad, 0, pl);
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: small-order point (all-zero g^ir) refused", n);
		bad[0] = 1;
		ok(crypto_dh_derive(a, bad, pl, sa, sl) == -1,
		    "%s: u = 1 (order 1) refused", n);
	}
	free(gen);
	crypto_dh_free(a);
	crypto_dh_free(b);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < nitems(groups); i++)
		test_group(i);
	ok(crypto_dh_new(IKEV2_DH_MODP_1024) == NULL &&
	    crypto_dh_publen(IKEV2_DH_CURVE448) == 0,
	    "unsupported groups refused");
	return (tap_done());
}
