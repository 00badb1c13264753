/*
 * Algorithm names as setkey spells them, with Linux's PF_KEY numbers and
 * the key sizes each takes.  Sizes are checked here rather than against
 * the kernel's SADB_REGISTER list (as ipsec-tools does) so that a script's
 * errors do not depend on which modules happen to be loaded.
 *
 * Counter-mode and AEAD keys carry their salt/nonce at the end, as in
 * RFC 3686 (4 bytes), RFC 4106/4543 (4), RFC 4309 (3) and RFC 7634 (4).
 */
#include <string.h>

#include "setkey.h"

static const struct sk_alg algs[] = {
	/* encryption (-E); the first name of an id is the one printed */
	{ "des-cbc",		SK_ALG_ENC, SADB_EALG_DESCBC,	64, 64, 0 },
	{ "3des-cbc",		SK_ALG_ENC, SADB_EALG_3DESCBC,	192, 192, 0 },
	{ "null",		SK_ALG_ENC, SADB_EALG_NULL,	0, 0, 0 },
	{ "blowfish-cbc",	SK_ALG_ENC, SADB_X_EALG_BLOWFISHCBC, 40, 448, 0 },
	{ "cast128-cbc",	SK_ALG_ENC, SADB_X_EALG_CASTCBC, 40, 128, 0 },
	{ "aes-cbc",		SK_ALG_ENC, SADB_X_EALG_AESCBC,	128, 256, 0 },
	{ "rijndael-cbc",	SK_ALG_ENC, SADB_X_EALG_AESCBC,	128, 256, 0 },
	{ "aes-ctr",		SK_ALG_ENC, SADB_X_EALG_AESCTR,	160, 288, 0 },
	{ "aes-ccm-8",		SK_ALG_ENC, SADB_X_EALG_AES_CCM_ICV8, 152, 280, 1 },
	{ "aes-ccm-12",		SK_ALG_ENC, SADB_X_EALG_AES_CCM_ICV12, 152, 280, 1 },
	{ "aes-ccm-16",		SK_ALG_ENC, SADB_X_EALG_AES_CCM_ICV16, 152, 280, 1 },
	{ "aes-gcm-8",		SK_ALG_ENC, SADB_X_EALG_AES_GCM_ICV8, 160, 288, 1 },
	{ "aes-gcm-12",		SK_ALG_ENC, SADB_X_EALG_AES_GCM_ICV12, 160, 288, 1 },
	{ "aes-gcm-16",		SK_ALG_ENC, SADB_X_EALG_AES_GCM_ICV16, 160, 288, 1 },
	{ "aes-gcm",		SK_ALG_ENC, SADB_X_EALG_AES_GCM_ICV16, 160, 288, 1 },
	{ "null-aes-gmac",	SK_ALG_ENC, SADB_X_EALG_NULL_AES_GMAC, 160, 288, 1 },
	{ "aes-gmac",		SK_ALG_ENC, SADB_X_EALG_NULL_AES_GMAC, 160, 288, 1 },
	{ "camellia-cbc",	SK_ALG_ENC, SADB_X_EALG_CAMELLIACBC, 128, 256, 0 },
	{ "chacha20-poly1305",	SK_ALG_ENC, NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305,
				288, 288, 1 },
	{ "twofish-cbc",	SK_ALG_ENC, SADB_X_EALG_TWOFISHCBC, 128, 256, 0 },
	{ "serpent-cbc",	SK_ALG_ENC, SADB_X_EALG_SERPENTCBC, 128, 256, 0 },

	/* authentication (-A) */
	{ "hmac-md5",		SK_ALG_AUTH, SADB_AALG_MD5HMAC,	128, 128, 0 },
	{ "hmac-sha1",		SK_ALG_AUTH, SADB_AALG_SHA1HMAC, 160, 160, 0 },
	{ "hmac-sha256",	SK_ALG_AUTH, SADB_X_AALG_SHA2_256HMAC, 256, 256, 0 },
	{ "hmac-sha2-256",	SK_ALG_AUTH, SADB_X_AALG_SHA2_256HMAC, 256, 256, 0 },
	{ "hmac-sha384",	SK_ALG_AUTH, SADB_X_AALG_SHA2_384HMAC, 384, 384, 0 },
	{ "hmac-sha2-384",	SK_ALG_AUTH, SADB_X_AALG_SHA2_384HMAC, 384, 384, 0 },
	{ "hmac-sha512",	SK_ALG_AUTH, SADB_X_AALG_SHA2_512HMAC, 512, 512, 0 },
	{ "hmac-sha2-512",	SK_ALG_AUTH, SADB_X_AALG_SHA2_512HMAC, 512, 512, 0 },
	{ "hmac-ripemd160",	SK_ALG_AUTH, SADB_X_AALG_RIPEMD160HMAC, 160, 160, 0 },
	{ "aes-xcbc-mac",	SK_ALG_AUTH, SADB_X_AALG_AES_XCBC_MAC, 128, 128, 0 },
	/* AH only (RFC 4543 §4), FreeBSD's names and numbers; key + salt */
	{ "aes-128-gmac",	SK_ALG_AUTH, NFIPSEC_SADB_X_AALG_AES128GMAC,
	  160, 160, 0 },
	{ "aes-192-gmac",	SK_ALG_AUTH, NFIPSEC_SADB_X_AALG_AES192GMAC,
	  224, 224, 0 },
	{ "aes-256-gmac",	SK_ALG_AUTH, NFIPSEC_SADB_X_AALG_AES256GMAC,
	  288, 288, 0 },
	{ "null",		SK_ALG_AUTH, SADB_X_AALG_NULL,	0, 0, 0 },

	/* compression (-C) */
	{ "oui",		SK_ALG_COMP, SADB_X_CALG_OUI,	0, 0, 0 },
	{ "deflate",		SK_ALG_COMP, SADB_X_CALG_DEFLATE, 0, 0, 0 },
	{ "lzs",		SK_ALG_COMP, SADB_X_CALG_LZS,	0, 0, 0 },
	{ "lzjh",		SK_ALG_COMP, SADB_X_CALG_LZJH,	0, 0, 0 },
};

const struct sk_alg *
sk_alg_byname(enum sk_algkind kind, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].kind == kind && strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

const char *
sk_alg_name(enum sk_algkind kind, unsigned int id)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].kind == kind && algs[i].id == id)
			return algs[i].name;
	return id == 0 ? "none" : NULL;
}
