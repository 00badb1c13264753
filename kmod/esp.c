// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303): encapsulation and decapsulation of one packet with the
 * SA's AEAD transform. The skb contracts are in esp.h.
 *
 * One request layout serves every transform sa.c sets up, the one XFRM
 * uses, so packets interoperate bit for bit:
 *
 *   assoc = SPI | [seq hi] | seq lo | IV      (assoclen = 8 or 12, + ivlen)
 *   then    payload | TFC | pad | padlen | nh   (cryptlen)
 *   then    ICV
 *
 * rfc4106/rfc4309/rfc4543/rfc7539esp take the explicit IV as the last 8
 * bytes of the associated data and from req->iv; authenc authenticates it
 * with the header; authencesn moves seq hi behind the payload as RFC 4303
 * §2.2.1 wants. Unlike XFRM we build the associated data in the per-packet
 * allocation rather than borrowing 4 bytes in front of the ESP header, so
 * nothing outside the ESP packet is ever written.
 *
 * The explicit IV is generated here rather than by a geniv template: the
 * sequence number for the counter modes (unique for the life of the key,
 * since the counter never wraps), random bytes for CBC, which needs an
 * unpredictable IV (RFC 3602 §2.3).
 */
#include <crypto/aead.h>
#include <linux/in6.h>
#include <linux/pfkeyv2.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <nfipsec_pfkey.h>

#include "esp.h"
#include "flight.h"

#define ESP_IV_MAX 16

/* The scratch of a packet in flight (flight.h): the IV follows it. */
struct esp_scratch {
	struct nfipsec_flight f;	/* first: nfipsec_flight_free() frees it */
	unsigned int len;		/* payload bytes, for the SA counters */
	__be32 aad[3];			/* SPI, [seq hi], seq lo */
};

static u8 *scratch_iv(struct crypto_aead *aead, struct esp_scratch *s)
{
	return nfipsec_flight_iv(aead, s, sizeof(*s));
}

static struct scatterlist *scratch_sg(struct crypto_aead *aead,
				      struct esp_scratch *s)
{
	return nfipsec_flight_sg(aead, s, sizeof(*s), crypto_aead_ivsize(aead));
}

/* The associated data before the IV; returns its length. */
static unsigned int esp_fill_aad(const struct nfipsec_sa *sa,
				 struct esp_scratch *s, __be32 spi, u64 seq)
{
	s->aad[0] = spi;
	if (sa->flags & NFIPSEC_SAF_ESN) {
		s->aad[1] = htonl(upper_32_bits(seq));
		s->aad[2] = htonl(lower_32_bits(seq));
		return 12;
	}
	s->aad[1] = htonl(lower_32_bits(seq));
	return 8;
}

/*
 * The request over @sg: sg[0] is the AAD in the scratch, sg[1..] the packet
 * from the IV on. No CRYPTO_TFM_REQ_MAY_BACKLOG: under overload packets are
 * dropped rather than queued without bound, as in XFRM.
 */
static struct aead_request *esp_req(const struct nfipsec_sa *sa,
				    struct esp_scratch *s,
				    struct scatterlist *sg,
				    unsigned int aadlen, unsigned int cryptlen,
				    crypto_completion_t cb, void *data)
{
	struct aead_request *req;

	req = nfipsec_flight_req(sa->aead, s, sizeof(*s),
				 crypto_aead_ivsize(sa->aead));
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, cb, data);
	aead_request_set_crypt(req, sg, sg, cryptlen, scratch_iv(sa->aead, s));
	aead_request_set_ad(req, aadlen + sa->ivlen);
	return req;
}

/* Allocate the scratch for @nsg scatterlist entries. */
static struct esp_scratch *
esp_scratch_get(struct nfipsec_sa *sa, struct sk_buff *skb, unsigned int nsg,
		u64 seq, const struct nfipsec_esp_cb *cb)
{
	return nfipsec_flight_alloc(sa, sizeof(struct esp_scratch),
				    crypto_aead_ivsize(sa->aead), nsg, 0, skb,
				    seq, cb);
}

/* A queue-full refusal means the request was dropped, not queued. */
static int esp_crypto_ret(int err)
{
	return err == -EBUSY || err == -ENOSPC ? -ENOBUFS : err;
}

static bool esp_iv_is_seq(const struct nfipsec_sa *sa)
{
	switch (sa->ealg) {
	case SADB_X_EALG_AESCTR:
	case SADB_X_EALG_AES_CCM_ICV8:
	case SADB_X_EALG_AES_CCM_ICV12:
	case SADB_X_EALG_AES_CCM_ICV16:
	case SADB_X_EALG_AES_GCM_ICV8:
	case SADB_X_EALG_AES_GCM_ICV12:
	case SADB_X_EALG_AES_GCM_ICV16:
	case SADB_X_EALG_NULL_AES_GMAC:
	case NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

static void esp_make_iv(const struct nfipsec_sa *sa, u64 seq, u8 *iv)
{
	__be64 nseq = cpu_to_be64(seq);

	if (!sa->ivlen)
		return;
	if (esp_iv_is_seq(sa) && sa->ivlen == sizeof(nseq))
		memcpy(iv, &nseq, sizeof(nseq));
	else
		get_random_bytes(iv, sa->ivlen);
}

/*
 * RFC 4303 §3.3.3: the counter must not cycle. atomic64 keeps counting
 * past the limit, so every later packet is refused too.
 */
static int esp_next_seq(struct nfipsec_sa *sa, u64 *seq)
{
	*seq = atomic64_inc_return(&sa->oseq);
	if (sa->flags & NFIPSEC_SAF_ESN)
		return *seq ? 0 : -EOVERFLOW;
	return *seq > U32_MAX ? -EOVERFLOW : 0;
}

/*
 * The first packet starts the SA's use lifetime (SADB_EXT_LIFETIME_*
 * usetime), which PF_KEY's lifetime work counts from. Racing CPUs write
 * the same second, give or take one.
 */
static void esp_note_use(struct nfipsec_sa *sa)
{
	if (unlikely(!READ_ONCE(sa->use_time)))
		WRITE_ONCE(sa->use_time, ktime_get_real_seconds());
}

static int esp_output_finish(struct esp_scratch *s, int err)
{
	struct nfipsec_sa *sa = s->f.sa;

	if (err) {
		this_cpu_inc(sa->stats->errors);
		return err;
	}
	esp_note_use(sa);
	this_cpu_inc(sa->stats->packets);
	this_cpu_add(sa->stats->bytes, s->len);
	return 0;
}

static void esp_output_done(NFIPSEC_CRYPTO_CB_ARG data, int err)
{
	struct esp_scratch *s = NFIPSEC_CRYPTO_CB_DATA(data);

	if (err == -EINPROGRESS)
		return;		/* only sent for backlogged requests */
	err = esp_output_finish(s, err);
	s->f.done(s->f.sa, s->f.skb, err, s->f.ctx);
	nfipsec_flight_free(&s->f);
}

/*
 * Write the trailer at @t: TFC zeros, padding 1, 2, 3..., its length, and
 * the Next Header.
 */
static void esp_put_trailer(u8 *t, unsigned int tfclen, unsigned int padlen,
			    u8 nexthdr)
{
	unsigned int i;

	memset(t, 0, tfclen);
	t += tfclen;
	for (i = 0; i < padlen; i++)
		t[i] = i + 1;
	t[padlen] = padlen;
	t[padlen + 1] = nexthdr;
}

/* Output with the sequence number and IV already chosen. */
static int esp_output_one(struct nfipsec_sa *sa, struct sk_buff *skb,
			  unsigned int hdrlen, u8 nexthdr, unsigned int tfcpad,
			  u64 seq, const u8 *iv,
			  const struct nfipsec_esp_cb *cb)
{
	unsigned int hlen = nfipsec_esp_hdrlen(sa);
	unsigned int plen, tfclen = 0, clen, tail, aadlen;
	struct aead_request *req;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct esp_scratch *s;
	struct scatterlist *sg;
	int nfrags, err;

	/* The kept bytes are moved with memmove(): they must be linear. */
	if (!pskb_may_pull(skb, hdrlen))
		return -EINVAL;
	if (skb_is_gso(skb))
		return -EOPNOTSUPP;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		err = skb_checksum_help(skb);
		if (err)
			return err;
	}

	plen = skb->len - hdrlen;
	if (tfcpad > plen)
		tfclen = tfcpad - plen;
	clen = ALIGN(plen + tfclen + 2, sa->blocksize);
	tail = clen - plen + sa->icvlen;

	/* Private, writable head with room for the ESP header and IV. */
	err = skb_cow_head(skb, hlen);
	if (err)
		return err;
	if (!skb_cloned(skb) && !skb_is_nonlinear(skb) &&
	    skb_tailroom(skb) >= tail) {
		trailer = skb;
		nfrags = 1;
	} else {
		nfrags = skb_cow_data(skb, tail, &trailer);
		if (nfrags < 0)
			return nfrags;
	}

	s = esp_scratch_get(sa, skb, nfrags + 1, seq, cb);
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->len = plen;

	esp_put_trailer(pskb_put(skb, trailer, tail), tfclen,
			clen - plen - tfclen - 2, nexthdr);
	skb_push(skb, hlen);
	memmove(skb->data, skb->data + hlen, hdrlen);
	if (hdrlen)
		skb_reset_network_header(skb);
	skb_set_transport_header(skb, hdrlen);
	esph = (struct ip_esp_hdr *)skb_transport_header(skb);
	esph->spi = sa->spi;
	esph->seq_no = htonl(lower_32_bits(seq));
	memcpy(esph->enc_data, iv, sa->ivlen);
	memcpy(scratch_iv(sa->aead, s), iv, sa->ivlen);

	aadlen = esp_fill_aad(sa, s, sa->spi, seq);
	sg = scratch_sg(sa->aead, s);
	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, s->aad, aadlen);
	err = skb_to_sgvec(skb, sg + 1, hdrlen + sizeof(*esph),
			   sa->ivlen + clen + sa->icvlen);
	if (unlikely(err < 0))
		goto out;

	req = esp_req(sa, s, sg, aadlen, clen, esp_output_done, s);
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return err;
	err = esp_output_finish(s, esp_crypto_ret(err));
out:
	nfipsec_flight_free(&s->f);
	return err;
}

int nfipsec_esp_output(struct nfipsec_sa *sa, struct sk_buff *skb,
		       unsigned int hdrlen, u8 nexthdr, unsigned int tfcpad,
		       const struct nfipsec_esp_cb *cb)
{
	u8 iv[ESP_IV_MAX];
	u64 seq;
	int err;

	if (!sa->aead)
		return -ENOKEY;
	if (!nfipsec_flight_cb_ok(cb) || sa->ivlen > ESP_IV_MAX)
		return -EINVAL;
	err = esp_next_seq(sa, &seq);
	if (err) {
		this_cpu_inc(sa->stats->errors);
		return err;
	}
	esp_make_iv(sa, seq, iv);
	return esp_output_one(sa, skb, hdrlen, nexthdr, tfcpad, seq, iv, cb);
}

/*
 * Check and strip the trailer of a decrypted packet. RFC 4303 §2.4 lets
 * the receiver check the padding; we do, since a sender that pads
 * otherwise is broken or not who it claims to be.
 */
static int esp_strip(const struct nfipsec_sa *sa, struct sk_buff *skb)
{
	unsigned int hlen = nfipsec_esp_hdrlen(sa);
	unsigned int elen = skb->len - hlen - sa->icvlen;
	unsigned int padlen, off, i, j, n;
	u8 tail[2], buf[32];
	const u8 *p;
	int err;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, tail, 2))
		return -EINVAL;
	padlen = tail[0];
	if (padlen + 2 > elen)
		return -EPROTO;
	off = skb->len - sa->icvlen - 2 - padlen;
	for (i = 0; i < padlen; i += n) {
		n = min_t(unsigned int, padlen - i, sizeof(buf));
		p = skb_header_pointer(skb, off + i, n, buf);
		if (!p)
			return -EINVAL;
		for (j = 0; j < n; j++)
			if (p[j] != (u8)(i + j + 1))
				return -EPROTO;
	}
	err = pskb_trim(skb, off);
	if (err)
		return err;
	__skb_pull(skb, hlen);
	skb_reset_transport_header(skb);
	return tail[1];
}

static int esp_input_finish(struct esp_scratch *s, int err)
{
	struct nfipsec_sa *sa = s->f.sa;
	struct sk_buff *skb = s->f.skb;

	if (err == -EBADMSG) {
		this_cpu_inc(sa->stats->icv_fail);
		return err;
	}
	if (err)
		goto error;
	/* Authentic: only now may it move the window. */
	if (nfipsec_replay_advance(&sa->replay, s->f.seq)) {
		this_cpu_inc(sa->stats->replay);
		return -EALREADY;
	}
	err = esp_strip(sa, skb);
	if (err < 0)
		goto error;
	esp_note_use(sa);
	this_cpu_inc(sa->stats->packets);
	this_cpu_add(sa->stats->bytes, skb->len);
	return err == IPPROTO_NONE ? -ENODATA : err;
error:
	this_cpu_inc(sa->stats->errors);
	return err;
}

static void esp_input_done(NFIPSEC_CRYPTO_CB_ARG data, int err)
{
	struct esp_scratch *s = NFIPSEC_CRYPTO_CB_DATA(data);

	if (err == -EINPROGRESS)
		return;
	err = esp_input_finish(s, err);
	s->f.done(s->f.sa, s->f.skb, err, s->f.ctx);
	nfipsec_flight_free(&s->f);
}

/* How many scatterlist entries the packet needs, making it writable. */
static int esp_input_nfrags(struct sk_buff *skb)
{
	struct sk_buff *trailer;

	if (!skb_cloned(skb)) {
		if (!skb_is_nonlinear(skb))
			return 1;
		/* Private page fragments can be decrypted in place. */
		if (!skb_has_frag_list(skb) && !skb_has_shared_frag(skb))
			return skb_shinfo(skb)->nr_frags + 1;
	}
	return skb_cow_data(skb, 0, &trailer);
}

int nfipsec_esp_input(struct nfipsec_sa *sa, struct sk_buff *skb,
		      const struct nfipsec_esp_cb *cb)
{
	unsigned int hlen = nfipsec_esp_hdrlen(sa);
	unsigned int elen, aadlen;
	struct aead_request *req;
	struct ip_esp_hdr *esph;
	struct esp_scratch *s;
	struct scatterlist *sg;
	int nfrags, err;
	u64 seq;

	if (!sa->aead)
		return -ENOKEY;
	if (!nfipsec_flight_cb_ok(cb))
		return -EINVAL;
	if (!pskb_may_pull(skb, hlen) || skb->len < hlen + sa->icvlen + 2)
		return -EINVAL;
	elen = skb->len - hlen - sa->icvlen;
	if (elen % crypto_aead_blocksize(sa->aead))
		return -EINVAL;

	esph = (struct ip_esp_hdr *)skb->data;
	if (nfipsec_replay_check(&sa->replay, ntohl(esph->seq_no),
				 sa->flags & NFIPSEC_SAF_ESN, &seq)) {
		this_cpu_inc(sa->stats->replay);
		return -EALREADY;
	}

	nfrags = esp_input_nfrags(skb);
	if (nfrags < 0)
		return nfrags;
	s = esp_scratch_get(sa, skb, nfrags + 1, seq, cb);
	if (IS_ERR(s))
		return PTR_ERR(s);

	esph = (struct ip_esp_hdr *)skb->data;	/* the cow may move it */
	aadlen = esp_fill_aad(sa, s, esph->spi, seq);
	memcpy(scratch_iv(sa->aead, s), esph->enc_data, sa->ivlen);
	sg = scratch_sg(sa->aead, s);
	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, s->aad, aadlen);
	err = skb_to_sgvec(skb, sg + 1, sizeof(*esph),
			   skb->len - sizeof(*esph));
	if (unlikely(err < 0))
		goto out;
	/* Decrypting in place invalidates any checksum over the payload. */
	skb->ip_summed = CHECKSUM_NONE;

	req = esp_req(sa, s, sg, aadlen, elen + sa->icvlen, esp_input_done, s);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return err;
	err = esp_input_finish(s, esp_crypto_ret(err));
out:
	nfipsec_flight_free(&s->f);
	return err;
}
