/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A packet in flight through the AEAD transform: the one allocation ESP
 * (esp.c) and AH (ah.c) make per packet. It holds what the completion
 * needs, whether the transform answers at once or later from a softirq:
 *
 *   | protocol scratch  | IV or | aead_request | scatterlist | extra   |
 *   | (starts with      | nonce | + tfm's      | nsg entries | (AH:    |
 *   |  nfipsec_flight)  |       |   reqsize    |             |  header)|
 *
 * each part aligned as the crypto API wants. The flight holds a reference
 * on the SA from nfipsec_flight_alloc() to nfipsec_flight_free(), so the
 * key cannot be wiped under a request that still uses it.
 */
#ifndef _NFIPSEC_FLIGHT_H
#define _NFIPSEC_FLIGHT_H

#include <crypto/aead.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "esp.h"

struct nfipsec_flight {
	struct nfipsec_sa *sa;
	struct sk_buff *skb;
	nfipsec_esp_done_t done;
	u64 seq;
	u64 ctx[NFIPSEC_ESP_CTX_MAX / sizeof(u64)];
};

/* The continuation is mandatory: any transform may go asynchronous. */
static inline bool nfipsec_flight_cb_ok(const struct nfipsec_esp_cb *cb)
{
	return cb && cb->done && cb->ctxlen <= NFIPSEC_ESP_CTX_MAX;
}

/* @s is the protocol scratch of @size bytes; the IV or nonce follows it. */
static inline u8 *nfipsec_flight_iv(struct crypto_aead *aead, void *s,
				    size_t size)
{
	return PTR_ALIGN((u8 *)s + size, crypto_aead_alignmask(aead) + 1);
}

static inline struct aead_request *
nfipsec_flight_req(struct crypto_aead *aead, void *s, size_t size,
		   unsigned int ivlen)
{
	return (void *)PTR_ALIGN(nfipsec_flight_iv(aead, s, size) + ivlen,
				 crypto_tfm_ctx_alignment());
}

static inline struct scatterlist *
nfipsec_flight_sg(struct crypto_aead *aead, void *s, size_t size,
		  unsigned int ivlen)
{
	struct aead_request *req = nfipsec_flight_req(aead, s, size, ivlen);
	u8 *end = (u8 *)(req + 1) + crypto_aead_reqsize(aead);

	return (void *)PTR_ALIGN(end, __alignof__(struct scatterlist));
}

/*
 * Allocate the scratch (@size bytes, starting with struct nfipsec_flight)
 * and what follows it for @sa's transform, fill the flight from the caller
 * and take the SA reference. Returns the scratch or an ERR_PTR: -ENOMEM,
 * or -ENOENT when the SA is already being freed.
 */
static inline void *nfipsec_flight_alloc(struct nfipsec_sa *sa, size_t size,
					 unsigned int ivlen, unsigned int nsg,
					 size_t extra, struct sk_buff *skb,
					 u64 seq,
					 const struct nfipsec_esp_cb *cb)
{
	struct crypto_aead *aead = sa->aead;
	struct nfipsec_flight *f;
	size_t len = size;

	/* Room for the worst case of each alignment step above. */
	len += crypto_aead_alignmask(aead) + ivlen;
	len += crypto_tfm_ctx_alignment() - 1;
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len += __alignof__(struct scatterlist) - 1;
	len += nsg * sizeof(struct scatterlist) + extra;
	f = kmalloc(len, GFP_ATOMIC);
	if (!f)
		return ERR_PTR(-ENOMEM);
	if (!nfipsec_sa_get(sa)) {
		kfree(f);
		return ERR_PTR(-ENOENT);
	}
	f->sa = sa;
	f->skb = skb;
	f->seq = seq;
	f->done = cb->done;
	if (cb->ctxlen)
		memcpy(f->ctx, cb->ctx, cb->ctxlen);
	return f;
}

/* Free the scratch that starts with @f and drop its SA reference. */
static inline void nfipsec_flight_free(struct nfipsec_flight *f)
{
	struct nfipsec_sa *sa = f->sa;

	kfree(f);
	nfipsec_sa_put(sa);
}

#endif /* _NFIPSEC_FLIGHT_H */
