// SPDX-License-Identifier: GPL-2.0
/*
 * The life of one SA: allocation, its crypto transform, and the last put.
 * The tables it lives in are sad.c's business; nothing here touches them.
 *
 * Transforms are named the way XFRM names them for the same PF_KEY numbers,
 * so that our packets are bit-for-bit what an XFRM peer sends and expects:
 *
 *   AEAD ealg (GCM, GMAC, CCM, ChaCha20-Poly1305)   its rfcNNNN(...) template
 *   cipher ealg + aalg                              authenc(aalg,ealg)
 *   the same with ESN                               authencesn(aalg,ealg)
 *   cipher ealg, no aalg (confidentiality only)     authenc(digest_null,ealg)
 *
 * One difference from af_key: HMAC-SHA-2 ICVs are truncated to half the
 * digest as RFC 4868 requires (SHA-256: 128 bits), where af_key keeps 96
 * bits for SHA-256, a pre-RFC Linux habit. ip-xfrm's "auth-trunc
 * hmac(sha256) ... 128" is what talks to us.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/pfkeyv2.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <nfipsec_pfkey.h>

#include "parallel.h"
#include "sa.h"

struct sa_aalg {
	u8 id;
	u8 icvlen;		/* bytes kept of the MAC */
	const char *name;
};

static const struct sa_aalg aalgs[] = {
	{ SADB_AALG_MD5HMAC, 12, "hmac(md5)" },		/* RFC 2403 */
	{ SADB_AALG_SHA1HMAC, 12, "hmac(sha1)" },	/* RFC 2404 */
	{ SADB_X_AALG_SHA2_256HMAC, 16, "hmac(sha256)" },	/* RFC 4868 */
	{ SADB_X_AALG_SHA2_384HMAC, 24, "hmac(sha384)" },
	{ SADB_X_AALG_SHA2_512HMAC, 32, "hmac(sha512)" },
	{ SADB_X_AALG_AES_XCBC_MAC, 12, "xcbc(aes)" },	/* RFC 3566 */
};

struct sa_ealg {
	u8 id;
	u8 icvlen;		/* non-zero: a combined mode with this ICV */
	const char *name;
};

/* Keys of the combined modes and of CTR end in their salt or nonce, which
 * the rfcNNNN templates take as the last bytes of the key, as PF_KEY
 * gives it.
 */
static const struct sa_ealg ealgs[] = {
	{ SADB_EALG_NULL, 0, "ecb(cipher_null)" },		/* RFC 2410 */
	{ SADB_EALG_3DESCBC, 0, "cbc(des3_ede)" },		/* RFC 2451 */
	{ SADB_X_EALG_AESCBC, 0, "cbc(aes)" },			/* RFC 3602 */
	{ SADB_X_EALG_AESCTR, 0, "rfc3686(ctr(aes))" },	/* RFC 3686 */
	{ SADB_X_EALG_AES_CCM_ICV8, 8, "rfc4309(ccm(aes))" },	/* RFC 4309 */
	{ SADB_X_EALG_AES_CCM_ICV12, 12, "rfc4309(ccm(aes))" },
	{ SADB_X_EALG_AES_CCM_ICV16, 16, "rfc4309(ccm(aes))" },
	{ SADB_X_EALG_AES_GCM_ICV8, 8, "rfc4106(gcm(aes))" },	/* RFC 4106 */
	{ SADB_X_EALG_AES_GCM_ICV12, 12, "rfc4106(gcm(aes))" },
	{ SADB_X_EALG_AES_GCM_ICV16, 16, "rfc4106(gcm(aes))" },
	{ SADB_X_EALG_NULL_AES_GMAC, 16, "rfc4543(gcm(aes))" },	/* RFC 4543 */
	{ NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305, 16,		/* RFC 7634 */
	  "rfc7539esp(chacha20,poly1305)" },
};

static const struct sa_aalg *find_aalg(u8 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(aalgs); i++)
		if (aalgs[i].id == id)
			return &aalgs[i];
	return NULL;
}

static const struct sa_ealg *find_ealg(u8 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ealgs); i++)
		if (ealgs[i].id == id)
			return &ealgs[i];
	return NULL;
}

struct nfipsec_sa *nfipsec_sa_alloc(struct nfipsec_net *nn, gfp_t gfp)
{
	struct nfipsec_sa *sa;

	sa = kzalloc(sizeof(*sa), gfp);
	if (!sa)
		return NULL;
	sa->stats = alloc_percpu_gfp(struct nfipsec_sa_stats, gfp);
	if (!sa->stats) {
		kfree(sa);
		return NULL;
	}
	/*
	 * No window yet: PF_KEY learns its size later and calls
	 * nfipsec_replay_init() again before the SA carries traffic. Size 0
	 * allocates nothing and cannot fail.
	 */
	nfipsec_replay_init(&sa->replay, 0, gfp);
	kref_init(&sa->ref);
	INIT_HLIST_NODE(&sa->by_spi);
	INIT_HLIST_NODE(&sa->by_dst);
	INIT_HLIST_NODE(&sa->by_seq);
	sa->nn = nn;
	sa->state = NFIPSEC_SA_LARVAL;
	sa->add_time = ktime_get_real_seconds();
	return sa;
}

/*
 * authenc's key: an rtattr holding the cipher key length, then the MAC key,
 * then the cipher key (<crypto/authenc.h>). Freed with its contents wiped.
 */
static u8 *authenc_key(const struct nfipsec_sa *sa, unsigned int *len)
{
	unsigned int alen = sa->akey_bits / 8, elen = sa->ekey_bits / 8;
	struct crypto_authenc_key_param *param;
	struct rtattr *rta;
	u8 *key, *p;

	*len = RTA_SPACE(sizeof(*param)) + alen + elen;
	key = kmalloc(*len, GFP_KERNEL);
	if (!key)
		return NULL;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(elen);
	p = key + RTA_SPACE(sizeof(*param));
	if (alen)
		memcpy(p, sa->akey, alen);
	if (elen)
		memcpy(p + alen, sa->ekey, elen);
	return key;
}

static int setup_aead(struct nfipsec_sa *sa, const struct sa_ealg *e)
{
	struct crypto_aead *aead;
	int err;

	if (sa->aalg != SADB_AALG_NONE)
		return -EINVAL;		/* the mode authenticates itself */
	aead = nfipsec_aead_alloc(e->name);
	if (IS_ERR(aead))
		return PTR_ERR(aead);
	err = crypto_aead_setkey(aead, sa->ekey, sa->ekey_bits / 8);
	if (!err)
		err = crypto_aead_setauthsize(aead, e->icvlen);
	if (err) {
		crypto_free_aead(aead);
		return err;
	}
	sa->aead = aead;
	return 0;
}

static int setup_authenc(struct nfipsec_sa *sa, const struct sa_ealg *e)
{
	const char *aname = "digest_null", *tmpl = "authenc";
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	unsigned int icvlen = 0, keylen;
	u8 *key;
	int err;

	if (sa->aalg != SADB_AALG_NONE) {
		const struct sa_aalg *a = find_aalg(sa->aalg);

		if (!a)
			return -ENOPROTOOPT;
		if (!sa->akey_bits)
			return -EINVAL;
		aname = a->name;
		icvlen = a->icvlen;
		/* authencesn moves the high sequence bits behind the payload
		 * for the ICV (RFC 4303 §2.2.1); with no ICV there is nothing
		 * for them to cover. AH (ah.c) appends them itself.
		 */
		if ((sa->flags & NFIPSEC_SAF_ESN) && sa->proto == IPPROTO_ESP)
			tmpl = "authencesn";
	} else if (sa->ealg == SADB_EALG_NULL) {
		return -EINVAL;		/* neither secret nor authentic */
	}
	if (snprintf(name, sizeof(name), "%s(%s,%s)", tmpl, aname, e->name) >=
	    sizeof(name))
		return -ENAMETOOLONG;

	aead = nfipsec_aead_alloc(name);
	if (IS_ERR(aead))
		return PTR_ERR(aead);
	key = authenc_key(sa, &keylen);
	if (!key) {
		err = -ENOMEM;
		goto err_free;
	}
	err = crypto_aead_setkey(aead, key, keylen);
	kfree_sensitive(key);
	if (err)
		goto err_free;
	err = crypto_aead_setauthsize(aead, icvlen);
	if (err)
		goto err_free;
	sa->aead = aead;
	return 0;

err_free:
	crypto_free_aead(aead);
	return err;
}

/* AES key bits of an AH AES-GMAC algorithm, or 0 for any other. */
static unsigned int ah_gmac_bits(u8 aalg)
{
	switch (aalg) {
	case NFIPSEC_SADB_X_AALG_AES128GMAC:
		return 128;
	case NFIPSEC_SADB_X_AALG_AES192GMAC:
		return 192;
	case NFIPSEC_SADB_X_AALG_AES256GMAC:
		return 256;
	default:
		return 0;
	}
}

/*
 * AH with AES-GMAC (RFC 4543 §4): plain gcm(aes), since rfc4543() takes
 * only ESP's 8 or 12 bytes of associated data and AH's is the packet. The
 * key's last 4 bytes are the salt, which ah.c puts in the nonce itself;
 * the IV on the wire is 8 bytes of it.
 */
static int setup_ah_gmac(struct nfipsec_sa *sa)
{
	unsigned int bits = ah_gmac_bits(sa->aalg);
	struct crypto_aead *aead;
	int err;

	if (sa->akey_bits != bits + 32)
		return -EINVAL;
	aead = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(aead))
		return PTR_ERR(aead);
	err = crypto_aead_setkey(aead, sa->akey, bits / 8);
	if (!err)
		err = crypto_aead_setauthsize(aead, 16);
	if (err) {
		crypto_free_aead(aead);
		return err;
	}
	sa->aead = aead;
	sa->ivlen = 8;
	sa->icvlen = 16;
	sa->blocksize = 4;
	return 0;
}

int nfipsec_sa_init_crypto(struct nfipsec_sa *sa)
{
	const struct sa_ealg *e;
	int err;

	might_sleep();
	if (sa->aead)
		return -EBUSY;
	if (sa->ekey_bits % 8 || sa->akey_bits % 8)
		return -EINVAL;
	if ((sa->ekey_bits && !sa->ekey) || (sa->akey_bits && !sa->akey))
		return -EINVAL;

	switch (sa->proto) {
	case IPPROTO_ESP:
		e = find_ealg(sa->ealg);
		if (!e)
			return -ENOPROTOOPT;
		break;
	case IPPROTO_AH:
		/* AH is integrity only: the MAC through a null cipher. */
		if (sa->ealg != SADB_EALG_NONE || sa->aalg == SADB_AALG_NONE)
			return -EINVAL;
		if (ah_gmac_bits(sa->aalg))
			return setup_ah_gmac(sa);
		e = find_ealg(SADB_EALG_NULL);
		break;
	default:
		return -EPROTONOSUPPORT;
	}

	err = e->icvlen ? setup_aead(sa, e) : setup_authenc(sa, e);
	if (err)
		return err;

	sa->ivlen = crypto_aead_ivsize(sa->aead);
	sa->icvlen = crypto_aead_authsize(sa->aead);
	/*
	 * RFC 4303 §2.4: pad to the cipher block, and at least to 4 bytes so
	 * that Pad Length and Next Header end a 32-bit word.
	 */
	sa->blocksize = ALIGN(crypto_aead_blocksize(sa->aead), 4);
	return 0;
}

/* After a grace period, so RCU readers of the SAD are done with it. */
static void sa_free_rcu(struct rcu_head *head)
{
	struct nfipsec_sa *sa = container_of(head, struct nfipsec_sa, rcu);

	/* Frees the key schedule with kfree_sensitive(). */
	if (sa->aead)
		crypto_free_aead(sa->aead);
	nfipsec_replay_free(&sa->replay);
	/*
	 * kfree_sensitive() is memzero_explicit() of the whole allocation,
	 * whatever length PF_KEY gave it, then kfree().
	 */
	kfree_sensitive(sa->ekey);
	kfree_sensitive(sa->akey);
	kfree(sa->ident_src);
	kfree(sa->ident_dst);
	kfree(sa->sens);
	free_percpu(sa->stats);
	kfree(sa);
}

static void sa_release(struct kref *ref)
{
	struct nfipsec_sa *sa = container_of(ref, struct nfipsec_sa, ref);

	call_rcu(&sa->rcu, sa_free_rcu);
}

/* Any context: the free itself is deferred to an RCU callback. */
void nfipsec_sa_put(struct nfipsec_sa *sa)
{
	if (sa)
		kref_put(&sa->ref, sa_release);
}
