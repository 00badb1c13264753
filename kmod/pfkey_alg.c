// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithms PF_KEY can name (sadb_sa_auth, sadb_sa_encrypt): their key
 * sizes as sadb_key_bits counts them, IV and ICV lengths, and what the
 * crypto API must provide for them. REGISTER answers with the ones this
 * kernel really has (SADB_EXT_SUPPORTED_*), and ACQUIRE proposes them.
 *
 * Differences from af_key, on purpose:
 *  - HMAC-SHA-2 ICVs are truncated as RFC 4868 says (SHA-256: 128 bits;
 *    af_key's "sha256" entry keeps 96 for old Linux peers);
 *  - AEAD keys (CCM, GCM, GMAC, ChaCha20-Poly1305) are the cipher key
 *    followed by the salt, and sadb_key_bits counts both (as in af_key);
 *  - ChaCha20-Poly1305 exists, as NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305;
 *  - AH has AES-GMAC (RFC 4543) under FreeBSD's numbers, the key with its
 *    salt; ESP is neither offered nor given them.
 *
 * Availability is learnt once per module load, by a work item queued at
 * load time, and cached for REGISTER and for ACQUIRE (packet path). Asking
 * the crypto API is slow: an algorithm not yet instantiated runs modprobe
 * twice ("crypto-NAME", "crypto-NAME-all") and a cryptomgr thread, and an
 * absent one does so again on every lookup. Measured in the debug kernel
 * (no modules, TCG): 68 s for the first REGISTER when it probed itself,
 * 14 s for each later one, all under the namespace's cfg_lock.
 * Algorithms registered after the probe are not seen until the next load.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/workqueue.h>

#include "pfkey.h"

enum { KIND_HASH, KIND_SKCIPHER, KIND_AEAD };

struct alg_entry {
	struct nfipsec_pfkey_alg a;
	u8 kind;
	u8 saltbits;		/* AES: key bits minus this is 128/192/256 */
	bool aes;
	bool ah_only;		/* an integrity algorithm ESP cannot use */
};

#define HMAC(i, icv, lo, hi, name) \
	{ { (i), 0, (icv), (lo), (hi), (name) }, KIND_HASH, 0, false }
/* AH's AES-GMAC: 8-byte IV, 16-byte ICV, one key size (with salt) each. */
#define GMAC(i, lo, hi) \
	{ { (i), 8, 16, (lo), (hi), "gcm(aes)" }, KIND_AEAD, 32, true, true }

static const struct alg_entry aalgs[] = {
	HMAC(SADB_AALG_MD5HMAC, 12, 128, 128, "hmac(md5)"),
	HMAC(SADB_AALG_SHA1HMAC, 12, 160, 160, "hmac(sha1)"),
	HMAC(SADB_X_AALG_SHA2_256HMAC, 16, 256, 256, "hmac(sha256)"),
	HMAC(SADB_X_AALG_SHA2_384HMAC, 24, 384, 384, "hmac(sha384)"),
	HMAC(SADB_X_AALG_SHA2_512HMAC, 32, 512, 512, "hmac(sha512)"),
	{ { SADB_X_AALG_AES_XCBC_MAC, 0, 12, 128, 128, "xcbc(aes)" },
	  KIND_HASH, 0, true },
	GMAC(NFIPSEC_SADB_X_AALG_AES128GMAC, 160, 160),
	GMAC(NFIPSEC_SADB_X_AALG_AES192GMAC, 224, 224),
	GMAC(NFIPSEC_SADB_X_AALG_AES256GMAC, 288, 288),
};

/* Bits of the entries above that only AH may use. */
static unsigned long ah_only_mask(void)
{
	unsigned long mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aalgs); i++)
		if (aalgs[i].ah_only)
			mask |= BIT(i);
	return mask;
}

#define AEAD(i, icv, salt, lo, hi, name) \
	{ { (i), 8, (icv), (lo), (hi), (name) }, KIND_AEAD, (salt), true }

static const struct alg_entry ealgs[] = {
	{ { SADB_EALG_NULL, 0, 0, 0, 0, "ecb(cipher_null)" },
	  KIND_SKCIPHER, 0, false },
	{ { SADB_EALG_3DESCBC, 8, 0, 192, 192, "cbc(des3_ede)" },
	  KIND_SKCIPHER, 0, false },
	{ { SADB_X_EALG_AESCBC, 16, 0, 128, 256, "cbc(aes)" },
	  KIND_SKCIPHER, 0, true },
	{ { SADB_X_EALG_AESCTR, 8, 0, 160, 288, "rfc3686(ctr(aes))" },
	  KIND_SKCIPHER, 32, true },
	AEAD(SADB_X_EALG_AES_CCM_ICV8, 8, 24, 152, 280, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_AES_CCM_ICV12, 12, 24, 152, 280, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_AES_CCM_ICV16, 16, 24, 152, 280, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_AES_GCM_ICV8, 8, 32, 160, 288, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_AES_GCM_ICV12, 12, 32, 160, 288, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_AES_GCM_ICV16, 16, 32, 160, 288, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_NULL_AES_GMAC, 16, 32, 160, 288, "rfc4543(gcm(aes))"),
	{ { NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305, 8, 16, 288, 288,
	    "rfc7539esp(chacha20,poly1305)" }, KIND_AEAD, 32, false },
};

/* Bit i: aalgs[i] / ealgs[i] was found in the crypto API. Written once by
 * probe_work; readers that need the final answer wait for probed.
 */
static unsigned long aalg_avail, ealg_avail;
static DECLARE_COMPLETION(probed);
/* Set at unload: a probe still running stops at the next algorithm, so
 * rmmod waits for one crypto API lookup at most, not for all of them.
 */
static bool unloading;

static const struct alg_entry *find(const struct alg_entry *t, size_t n,
				    u8 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].a.id == id)
			return &t[i];
	return NULL;
}

const struct nfipsec_pfkey_alg *nfipsec_pfkey_aalg(u8 id)
{
	const struct alg_entry *e = find(aalgs, ARRAY_SIZE(aalgs), id);

	return e ? &e->a : NULL;
}

const struct nfipsec_pfkey_alg *nfipsec_pfkey_ealg(u8 id)
{
	const struct alg_entry *e = find(ealgs, ARRAY_SIZE(ealgs), id);

	return e ? &e->a : NULL;
}

bool nfipsec_pfkey_ealg_is_aead(u8 id)
{
	const struct alg_entry *e = find(ealgs, ARRAY_SIZE(ealgs), id);

	return e && e->kind == KIND_AEAD;
}

bool nfipsec_pfkey_key_ok(const struct nfipsec_pfkey_alg *alg, u16 bits)
{
	const struct alg_entry *e = container_of(alg, struct alg_entry, a);

	if (bits < alg->minbits || bits > alg->maxbits)
		return false;
	if (e->aes && e->a.id != SADB_X_AALG_AES_XCBC_MAC) {
		bits -= e->saltbits;
		return bits == 128 || bits == 192 || bits == 256;
	}
	return true;
}

static bool have(const struct alg_entry *e)
{
	switch (e->kind) {
	case KIND_HASH:
		return crypto_has_ahash(e->a.crypto, 0, 0);
	case KIND_SKCIPHER:
		return crypto_has_skcipher(e->a.crypto, 0, 0);
	default:
		return crypto_has_aead(e->a.crypto, 0, 0);
	}
}

static unsigned long probe(const struct alg_entry *t, size_t n)
{
	unsigned long mask = 0;
	size_t i;

	for (i = 0; i < n && !READ_ONCE(unloading); i++)
		if (have(&t[i]))
			mask |= BIT(i);
	return mask;
}

static void probe_fn(struct work_struct *work)
{
	WRITE_ONCE(aalg_avail, probe(aalgs, ARRAY_SIZE(aalgs)));
	WRITE_ONCE(ealg_avail, probe(ealgs, ARRAY_SIZE(ealgs)));
	complete_all(&probed);
}

static DECLARE_WORK(probe_work, probe_fn);

/* At load: the probe overlaps whatever the key manager does before it
 * REGISTERs (starting, reading its configuration, opening its socket).
 */
void nfipsec_pfkey_alg_init(void)
{
	queue_work(system_unbound_wq, &probe_work);
}

/* Waits for a probe still running: it runs this module's code. No socket
 * is left to wait for its answer (each holds a module reference).
 */
void nfipsec_pfkey_alg_exit(void)
{
	WRITE_ONCE(unloading, true);
	cancel_work_sync(&probe_work);
}

static void put_supported(struct sk_buff *skb, u16 type,
			  const struct alg_entry *t, size_t n,
			  unsigned long avail)
{
	struct sadb_supported *sup;
	struct sadb_alg *alg;
	size_t i;

	sup = nfipsec_pfkey_put_ext(skb, type, sizeof(*sup) +
				    hweight_long(avail) * sizeof(*alg));
	alg = (struct sadb_alg *)(sup + 1);
	for (i = 0; i < n; i++) {
		if (!(avail & BIT(i)))
			continue;
		alg->sadb_alg_id = t[i].a.id;
		alg->sadb_alg_ivlen = t[i].a.ivlen;
		alg->sadb_alg_minbits = t[i].a.minbits;
		alg->sadb_alg_maxbits = t[i].a.maxbits;
		alg++;
	}
}

struct sk_buff *nfipsec_pfkey_supported(const struct sadb_msg *req)
{
	bool esp = req->sadb_msg_satype != SADB_SATYPE_AH;
	unsigned long auth, enc = 0;
	struct sk_buff *skb;
	size_t size;

	/* Only a REGISTER in the first moments after load waits here; a
	 * fatal signal ends the wait (the reply no longer matters then).
	 */
	if (wait_for_completion_killable(&probed))
		return NULL;
	auth = READ_ONCE(aalg_avail);
	if (esp) {
		auth &= ~ah_only_mask();
		enc = READ_ONCE(ealg_avail);
	}
	size = sizeof(struct sadb_msg) + sizeof(struct sadb_supported) +
	       hweight_long(auth) * sizeof(struct sadb_alg);
	if (esp)
		size += sizeof(struct sadb_supported) +
			hweight_long(enc) * sizeof(struct sadb_alg);
	skb = nfipsec_pfkey_alloc(size, GFP_KERNEL, SADB_REGISTER,
				  req->sadb_msg_satype, req->sadb_msg_seq,
				  req->sadb_msg_pid);
	if (!skb)
		return NULL;
	put_supported(skb, SADB_EXT_SUPPORTED_AUTH, aalgs, ARRAY_SIZE(aalgs),
		      auth);
	if (esp)
		put_supported(skb, SADB_EXT_SUPPORTED_ENCRYPT, ealgs,
			      ARRAY_SIZE(ealgs), enc);
	nfipsec_pfkey_finish(skb);
	return skb;
}

/* ACQUIRE's combinations: for AH every integrity algorithm; for ESP every
 * AEAD alone, then every cipher with every integrity algorithm.
 */
static unsigned int count_combs(u8 proto, const struct nfipsec_pfkey_avail *s)
{
	unsigned int n = 0;
	size_t i;

	if (proto == IPPROTO_AH)
		return hweight_long(s->aalgs);
	for (i = 0; i < ARRAY_SIZE(ealgs); i++) {
		if (!(s->ealgs & BIT(i)))
			continue;
		n += ealgs[i].kind == KIND_AEAD ? 1 : hweight_long(s->aalgs);
	}
	return n;
}

size_t nfipsec_pfkey_proposal_size(u8 proto,
				   struct nfipsec_pfkey_avail *snap)
{
	snap->aalgs = READ_ONCE(aalg_avail);
	if (proto != IPPROTO_AH)
		snap->aalgs &= ~ah_only_mask();
	snap->ealgs = READ_ONCE(ealg_avail);
	return sizeof(struct sadb_prop) +
	       count_combs(proto, snap) * sizeof(struct sadb_comb);
}

static void fill_comb(struct sadb_comb *c, const struct alg_entry *a,
		      const struct alg_entry *e)
{
	if (a) {
		c->sadb_comb_auth = a->a.id;
		c->sadb_comb_auth_minbits = a->a.minbits;
		c->sadb_comb_auth_maxbits = a->a.maxbits;
	}
	if (e) {
		c->sadb_comb_encrypt = e->a.id;
		c->sadb_comb_encrypt_minbits = e->a.minbits;
		c->sadb_comb_encrypt_maxbits = e->a.maxbits;
	}
	/* af_key's defaults: rekey after 20 h or 7 h idle, die at 24/8. */
	c->sadb_comb_soft_addtime = 20 * 60 * 60;
	c->sadb_comb_hard_addtime = 24 * 60 * 60;
	c->sadb_comb_soft_usetime = 7 * 60 * 60;
	c->sadb_comb_hard_usetime = 8 * 60 * 60;
}

void nfipsec_pfkey_put_proposal(struct sk_buff *skb, u8 proto,
				const struct nfipsec_pfkey_avail *snap)
{
	unsigned int n = count_combs(proto, snap);
	struct sadb_prop *prop;
	struct sadb_comb *c;
	size_t i, j;

	prop = nfipsec_pfkey_put_ext(skb, SADB_EXT_PROPOSAL,
				     sizeof(*prop) + n * sizeof(*c));
	prop->sadb_prop_replay = 32;
	c = (struct sadb_comb *)(prop + 1);
	for (i = 0; i < ARRAY_SIZE(aalgs) && proto == IPPROTO_AH; i++)
		if (snap->aalgs & BIT(i))
			fill_comb(c++, &aalgs[i], NULL);
	for (i = 0; i < ARRAY_SIZE(ealgs) && proto == IPPROTO_ESP; i++) {
		if (!(snap->ealgs & BIT(i)))
			continue;
		if (ealgs[i].kind == KIND_AEAD) {
			fill_comb(c++, NULL, &ealgs[i]);
			continue;
		}
		for (j = 0; j < ARRAY_SIZE(aalgs); j++)
			if (snap->aalgs & BIT(j))
				fill_comb(c++, &aalgs[j], &ealgs[i]);
	}
}
