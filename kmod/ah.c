// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302): the header and its ICV on one packet, both ways. The skb
 * contracts are in ah.h.
 *
 * The ICV covers the whole packet: the IP header and extension headers in
 * front of AH with their mutable fields zeroed (§3.3.3.1), AH with its ICV
 * field zeroed, the payload, and with ESN the high 32 bits of the sequence
 * number after it (§3.3.3.3.1). The packet itself is never zeroed and
 * restored, as XFRM does: the header part is copied into the per-packet
 * scratch and zeroed there, so a clone sharing the head sees nothing and
 * an asynchronous request has nothing to undo. What is zeroed:
 *
 *   IPv4  TOS, flags and fragment offset, TTL, checksum; options other than
 *         the ones Appendix A.1 calls immutable (Security, Extended and
 *         Commercial Security, Router Alert, SDB) are zeroed whole. With a
 *         source route the sender computes over the final destination.
 *   IPv6  traffic class, flow label, hop limit; the data of hop-by-hop and
 *         destination options with the "may change en route" bit (0x20);
 *         a type 0 or 2 routing header is computed as it will arrive (the
 *         final destination in the header, segments left 0), as XFRM's ah6
 *         does; other routing types with segments left are refused.
 *
 * The padding of the ICV field to 32 (IPv4) or 64 (IPv6) bits is sent as
 * zeros and taken into the ICV as received, as XFRM does (RFC 4302 leaves
 * its contents to the sender).
 *
 * The MAC runs as an AEAD with the whole input as associated data and
 * nothing to encrypt, which both transforms sa.c sets up for AH take:
 * authenc(hmac(H),ecb(cipher_null)) for HMAC, gcm(aes) for AES-GMAC
 * (RFC 4543 §4: the 8-byte IV, here the 64-bit sequence number, leads the
 * Authentication Data field, which is zeroed for the computation like any
 * AH ICV field; the IV still binds through the nonce, the key's 4-byte salt
 * and that IV; the tag is the ICV). XFRM has no AES-GMAC for AH, so this
 * reading of RFC 4543 is checked against our own Python reference only.
 */
#include <crypto/aead.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ah.h"
#include "flight.h"

#define AH_ICV_MAX	32		/* HMAC-SHA-512-256 */
#define AH_NONCE_LEN	12		/* GMAC: salt + IV */
#define AH_SALT_LEN	4

/* The scratch of a packet in flight (flight.h): the nonce follows it. */
struct ah_scratch {
	struct nfipsec_flight f;	/* first: nfipsec_flight_free() frees it */
	unsigned int icvoff;		/* the ICV, from the network header */
	unsigned int pull;		/* input: bytes up to the payload */
	unsigned int len;		/* payload bytes, for the SA counters */
	__be32 seqhi;
	u8 nexthdr;
	u8 icv[AH_ICV_MAX];
};

static u8 *scratch_nonce(struct crypto_aead *aead, struct ah_scratch *s)
{
	return nfipsec_flight_iv(aead, s, sizeof(*s));
}

static struct aead_request *scratch_req(struct crypto_aead *aead,
					struct ah_scratch *s)
{
	return nfipsec_flight_req(aead, s, sizeof(*s), AH_NONCE_LEN);
}

static struct scatterlist *scratch_sg(struct crypto_aead *aead,
				      struct ah_scratch *s)
{
	return nfipsec_flight_sg(aead, s, sizeof(*s), AH_NONCE_LEN);
}

/* After the scatterlist: the copy of the header the ICV is computed over. */
static u8 *scratch_hdr(struct crypto_aead *aead, struct ah_scratch *s,
		       unsigned int nsg)
{
	return (u8 *)(scratch_sg(aead, s) + nsg);
}

static struct ah_scratch *ah_scratch_get(struct nfipsec_sa *sa,
					 struct sk_buff *skb, unsigned int nsg,
					 unsigned int hlen, u64 seq,
					 const struct nfipsec_esp_cb *cb)
{
	return nfipsec_flight_alloc(sa, sizeof(struct ah_scratch), AH_NONCE_LEN,
				    nsg, hlen, skb, seq, cb);
}

/* RFC 4302 Appendix A.1: the IPv4 options the ICV covers as they are. */
static bool opt4_immutable(u8 type)
{
	switch (type) {
	case IPOPT_SEC:		/* 130 */
	case 133:		/* Extended Security */
	case IPOPT_CIPSO:	/* 134, Commercial Security */
	case IPOPT_RA:		/* 148, Router Alert */
	case 149:		/* SDB, RFC 1770 */
		return true;
	default:
		return false;
	}
}

static int zero_mutable4(u8 *h, unsigned int len, bool out)
{
	struct iphdr *iph = (struct iphdr *)h;
	unsigned int ihl, off = sizeof(*iph), optlen;

	if (len < sizeof(*iph))
		return -EINVAL;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || ihl > len)
		return -EINVAL;
	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	while (off < ihl) {
		u8 type = h[off];

		if (type == IPOPT_END)
			break;
		if (type == IPOPT_NOOP) {
			off++;
			continue;
		}
		if (off + 2 > ihl)
			return -EINVAL;
		optlen = h[off + 1];
		if (optlen < 2 || off + optlen > ihl)
			return -EINVAL;
		/* The sender computes over the destination it will arrive at,
		 * the last address of the route (Appendix A.1).
		 */
		if (out && (type == IPOPT_LSRR || type == IPOPT_SSRR) &&
		    optlen >= 7)
			memcpy(&iph->daddr, h + off + optlen - 4, 4);
		if (!opt4_immutable(type))
			memset(h + off, 0, optlen);
		off += optlen;
	}
	return 0;
}

/* Hop-by-hop or destination options at @h, @len bytes. */
static int zero_opts6(u8 *h, unsigned int len)
{
	unsigned int off = 2, optlen;

	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return -EINVAL;
		optlen = h[off + 1];
		if (off + 2 + optlen > len)
			return -EINVAL;
		if (h[off] & 0x20)	/* may change en route (RFC 8200 §4.2) */
			memset(h + off + 2, 0, optlen);
		off += 2 + optlen;
	}
	return 0;
}

/* A routing header as the final destination will see it. */
static int rthdr_final6(struct ipv6hdr *ip6h, u8 *h, unsigned int len)
{
	struct ipv6_rt_hdr *rt = (struct ipv6_rt_hdr *)h;
	unsigned int n = rt->hdrlen / 2, left = rt->segments_left;
	struct in6_addr *addrs = (struct in6_addr *)(h + 8), final;

	if (!left)
		return 0;
	/* Types 0 and 2 are a list of addresses; others we cannot predict. */
	if (rt->type != IPV6_SRCRT_TYPE_0 && rt->type != IPV6_SRCRT_TYPE_2)
		return -EOPNOTSUPP;
	if (left > n || 8 + n * sizeof(*addrs) > len)
		return -EINVAL;
	final = addrs[n - 1];
	addrs += n - left;
	memmove(addrs + 1, addrs, (left - 1) * sizeof(*addrs));
	addrs[0] = ip6h->daddr;
	ip6h->daddr = final;
	rt->segments_left = 0;
	return 0;
}

static int zero_mutable6(u8 *h, unsigned int len, unsigned int ahoff, bool out)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)h;
	unsigned int off = sizeof(*ip6h), hl;
	u8 nh;
	int err;

	if (len < off || ahoff > len)
		return -EINVAL;
	/* Version stays; traffic class and flow label go. */
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->hop_limit = 0;
	nh = ip6h->nexthdr;
	while (off < ahoff) {
		if (off + 2 > ahoff)
			return -EINVAL;
		hl = ipv6_optlen((struct ipv6_opt_hdr *)(h + off));
		if (off + hl > ahoff)
			return -EINVAL;
		switch (nh) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			err = zero_opts6(h + off, hl);
			break;
		case NEXTHDR_ROUTING:
			err = out ? rthdr_final6(ip6h, h + off, hl) : 0;
			break;
		default:
			err = -EINVAL;
			break;
		}
		if (err)
			return err;
		nh = h[off];
		off += hl;
	}
	return off == ahoff && nh == IPPROTO_AH ? 0 : -EINVAL;
}

/*
 * Zero what may change en route in the copy @h of the headers up to and
 * including AH at @ahoff. @out: the sender's view (source routes).
 */
static int ah_zero_mutable(u8 *h, unsigned int len, u8 family,
			   unsigned int ahoff, bool out)
{
	if (family == AF_INET)
		return zero_mutable4(h, len, out);
	return zero_mutable6(h, len, ahoff, out);
}

/* Scatterlist entries the packet needs (one level of frag_list). */
static int ah_nsg(struct sk_buff *skb)
{
	struct sk_buff *frag;
	int n = 1 + skb_shinfo(skb)->nr_frags;

	skb_walk_frags(skb, frag) {
		if (skb_has_frag_list(frag))
			return -EMSGSIZE;
		n += 1 + skb_shinfo(frag)->nr_frags;
	}
	return n;
}

/*
 * The request: associated data = header copy | payload | [seq hi], then
 * the ICV buffer. @cryptlen is 0 to compute, the ICV's length to verify.
 */
static int ah_req(struct ah_scratch *s, unsigned int nsg, unsigned int hlen,
		  unsigned int cryptlen, crypto_completion_t done,
		  struct aead_request **reqp)
{
	struct nfipsec_sa *sa = s->f.sa;
	struct sk_buff *skb = s->f.skb;
	struct scatterlist *sg = scratch_sg(sa->aead, s);
	struct aead_request *req = scratch_req(sa->aead, s);
	unsigned int ad = hlen + s->len, i;
	int n;

	sg_init_table(sg, nsg);
	sg_set_buf(sg, scratch_hdr(sa->aead, s, nsg), hlen);
	n = skb_to_sgvec_nomark(skb, sg + 1, hlen, s->len);
	if (unlikely(n < 0))
		return n;
	i = 1 + n;
	if (sa->flags & NFIPSEC_SAF_ESN) {
		s->seqhi = htonl(upper_32_bits(s->f.seq));
		sg_set_buf(&sg[i++], &s->seqhi, sizeof(s->seqhi));
		ad += sizeof(s->seqhi);
	}
	sg_set_buf(&sg[i], s->icv, sa->icvlen);
	sg_mark_end(&sg[i]);

	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, done, s);
	aead_request_set_crypt(req, sg, sg, cryptlen, scratch_nonce(sa->aead, s));
	aead_request_set_ad(req, ad);
	*reqp = req;
	return 0;
}

/* GMAC's nonce: the key's salt, then the IV as sent. */
static void ah_nonce(const struct nfipsec_sa *sa, struct ah_scratch *s,
		     const u8 *iv)
{
	u8 *nonce = scratch_nonce(sa->aead, s);

	if (!sa->ivlen)
		return;
	memcpy(nonce, sa->akey + sa->akey_bits / 8 - AH_SALT_LEN, AH_SALT_LEN);
	memcpy(nonce + AH_SALT_LEN, iv, sa->ivlen);
}

static int ah_crypto_ret(int err)
{
	return err == -EBUSY || err == -ENOSPC ? -ENOBUFS : err;
}

static void ah_note_use(struct nfipsec_sa *sa)
{
	if (unlikely(!READ_ONCE(sa->use_time)))
		WRITE_ONCE(sa->use_time, ktime_get_real_seconds());
}

/* RFC 4302 §3.3.2: the counter never cycles (see esp.c). */
static int ah_next_seq(struct nfipsec_sa *sa, u64 *seq)
{
	*seq = atomic64_inc_return(&sa->oseq);
	if (sa->flags & NFIPSEC_SAF_ESN)
		return *seq ? 0 : -EOVERFLOW;
	return *seq > U32_MAX ? -EOVERFLOW : 0;
}

static int ah_output_finish(struct ah_scratch *s, int err)
{
	struct nfipsec_sa *sa = s->f.sa;

	if (err) {
		this_cpu_inc(sa->stats->errors);
		return err;
	}
	memcpy(skb_network_header(s->f.skb) + s->icvoff, s->icv, sa->icvlen);
	ah_note_use(sa);
	this_cpu_inc(sa->stats->packets);
	this_cpu_add(sa->stats->bytes, s->len);
	return 0;
}

static void ah_output_done(NFIPSEC_CRYPTO_CB_ARG data, int err)
{
	struct ah_scratch *s = NFIPSEC_CRYPTO_CB_DATA(data);

	if (err == -EINPROGRESS)
		return;
	err = ah_output_finish(s, err);
	s->f.done(s->f.sa, s->f.skb, err, s->f.ctx);
	nfipsec_flight_free(&s->f);
}

/* The length and protocol fields the ICV covers, final before it. */
static void ah_fix_hdr(struct sk_buff *skb, const struct nfipsec_encap *e)
{
	skb_network_header(skb)[e->nhoff] = IPPROTO_AH;
	if (e->outer_family == AF_INET)
		ip_hdr(skb)->tot_len = htons(skb->len);
	else
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
}

int nfipsec_ah_output(struct nfipsec_sa *sa, struct sk_buff *skb,
		      const struct nfipsec_encap *e,
		      const struct nfipsec_esp_cb *cb)
{
	unsigned int ahlen, hlen;
	struct aead_request *req;
	struct ip_auth_hdr *ah;
	struct ah_scratch *s;
	int nsg, err;
	u64 seq;

	if (!sa->aead)
		return -ENOKEY;
	if (!nfipsec_flight_cb_ok(cb) || sa->icvlen > AH_ICV_MAX)
		return -EINVAL;
	if (skb_is_gso(skb))
		return -EOPNOTSUPP;
	if (!pskb_may_pull(skb, e->hdrlen) || e->nhoff >= e->hdrlen)
		return -EINVAL;
	/* AH covers the payload: its checksum must be final. */
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		err = skb_checksum_help(skb);
		if (err)
			return err;
	}
	ahlen = nfipsec_ah_hdrlen(sa, e->outer_family);
	hlen = e->hdrlen + ahlen;
	if (skb->len + ahlen > (e->outer_family == AF_INET ? IP_MAX_MTU :
				IPV6_MAXPLEN + sizeof(struct ipv6hdr)))
		return -EMSGSIZE;
	nsg = ah_nsg(skb);
	if (nsg < 0)
		return nsg;
	err = ah_next_seq(sa, &seq);
	if (err) {
		this_cpu_inc(sa->stats->errors);
		return err;
	}
	err = skb_cow_head(skb, ahlen);
	if (err)
		return err;

	skb_push(skb, ahlen);
	memmove(skb->data, skb->data + ahlen, e->hdrlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, e->hdrlen);
	ah = (struct ip_auth_hdr *)skb_transport_header(skb);
	ah->nexthdr = e->nexthdr;
	ah->hdrlen = ahlen / 4 - 2;
	ah->reserved = 0;
	ah->spi = sa->spi;
	ah->seq_no = htonl(lower_32_bits(seq));
	memset(ah->auth_data, 0, ahlen - NFIPSEC_AH_FIXED);
	if (sa->ivlen) {
		__be64 iv = cpu_to_be64(seq);

		memcpy(ah->auth_data, &iv, sizeof(iv));
	}
	ah_fix_hdr(skb, e);

	s = ah_scratch_get(sa, skb, nsg + 3, hlen, seq, cb);
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->icvoff = e->hdrlen + NFIPSEC_AH_FIXED + sa->ivlen;
	s->len = skb->len - hlen;
	memcpy(scratch_hdr(sa->aead, s, nsg + 3), skb->data, hlen);
	/* The IV too: it is part of the Authentication Data field. */
	memset(scratch_hdr(sa->aead, s, nsg + 3) + e->hdrlen + NFIPSEC_AH_FIXED,
	       0, sa->ivlen);
	err = ah_zero_mutable(scratch_hdr(sa->aead, s, nsg + 3), hlen,
			      e->outer_family, e->hdrlen, true);
	if (err)
		goto out;
	ah_nonce(sa, s, ah->auth_data);
	err = ah_req(s, nsg + 3, hlen, 0, ah_output_done, &req);
	if (err)
		goto out;
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return err;
	err = ah_output_finish(s, ah_crypto_ret(err));
	nfipsec_flight_free(&s->f);
	return err;
out:
	this_cpu_inc(sa->stats->errors);
	nfipsec_flight_free(&s->f);
	return err;
}

static int ah_input_finish(struct ah_scratch *s, int err)
{
	struct nfipsec_sa *sa = s->f.sa;
	struct sk_buff *skb = s->f.skb;

	if (err == -EBADMSG) {
		this_cpu_inc(sa->stats->icv_fail);
		return err;
	}
	if (err) {
		this_cpu_inc(sa->stats->errors);
		return err;
	}
	/* Authentic: only now may it move the window. */
	if (nfipsec_replay_advance(&sa->replay, s->f.seq)) {
		this_cpu_inc(sa->stats->replay);
		return -EALREADY;
	}
	__skb_pull(skb, s->pull);
	skb_reset_transport_header(skb);
	/* A received checksum over what was pulled is no longer right. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	ah_note_use(sa);
	this_cpu_inc(sa->stats->packets);
	this_cpu_add(sa->stats->bytes, s->len);
	return s->nexthdr;
}

static void ah_input_done(NFIPSEC_CRYPTO_CB_ARG data, int err)
{
	struct ah_scratch *s = NFIPSEC_CRYPTO_CB_DATA(data);

	if (err == -EINPROGRESS)
		return;
	err = ah_input_finish(s, err);
	s->f.done(s->f.sa, s->f.skb, err, s->f.ctx);
	nfipsec_flight_free(&s->f);
}

int nfipsec_ah_input(struct nfipsec_sa *sa, struct sk_buff *skb,
		     const struct nfipsec_encap *e,
		     const struct nfipsec_esp_cb *cb)
{
	unsigned int ahlen = nfipsec_ah_hdrlen(sa, e->outer_family), hlen;
	const struct ip_auth_hdr *ah;
	struct aead_request *req;
	struct ah_scratch *s;
	int nsg, err;
	u8 *hdr;
	u64 seq;

	if (!sa->aead)
		return -ENOKEY;
	if (!nfipsec_flight_cb_ok(cb) || sa->icvlen > AH_ICV_MAX)
		return -EINVAL;
	hlen = e->hdrlen + ahlen;
	if (!pskb_may_pull(skb, e->hdrlen + NFIPSEC_AH_FIXED))
		return -EINVAL;
	ah = (const struct ip_auth_hdr *)(skb->data + e->hdrlen);
	/* The length our own SA implies, and nothing else (as XFRM). */
	if ((ah->hdrlen + 2) * 4 != ahlen || !pskb_may_pull(skb, hlen))
		return -EINVAL;
	ah = (const struct ip_auth_hdr *)(skb->data + e->hdrlen);
	if (nfipsec_replay_check(&sa->replay, ntohl(ah->seq_no),
				 sa->flags & NFIPSEC_SAF_ESN, &seq)) {
		this_cpu_inc(sa->stats->replay);
		return -EALREADY;
	}
	nsg = ah_nsg(skb);
	if (nsg < 0)
		return nsg;
	s = ah_scratch_get(sa, skb, nsg + 3, hlen, seq, cb);
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->icvoff = e->hdrlen + NFIPSEC_AH_FIXED + sa->ivlen;
	s->pull = hlen;
	s->nexthdr = ah->nexthdr;
	s->len = skb->len - hlen;

	hdr = scratch_hdr(sa->aead, s, nsg + 3);
	memcpy(hdr, skb->data, hlen);
	memcpy(s->icv, hdr + s->icvoff, sa->icvlen);
	memset(hdr + e->hdrlen + NFIPSEC_AH_FIXED, 0, sa->ivlen + sa->icvlen);
	err = ah_zero_mutable(hdr, hlen, e->outer_family, e->hdrlen, false);
	if (err) {
		err = -EINVAL;
		goto out;
	}
	ah_nonce(sa, s, ah->auth_data);
	err = ah_req(s, nsg + 3, hlen, sa->icvlen, ah_input_done, &req);
	if (err)
		goto out;
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return err;
	err = ah_input_finish(s, ah_crypto_ret(err));
	nfipsec_flight_free(&s->f);
	return err;
out:
	this_cpu_inc(sa->stats->errors);
	nfipsec_flight_free(&s->f);
	return err;
}
