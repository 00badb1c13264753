/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ESP transform (RFC 4303) on one packet. Owner: esp.c, tested by
 * tests/esp_test.c. Choosing the SA, building or checking IP headers and
 * reinjecting the packet are the caller's; this is only the cryptographic
 * encapsulation and its checks.
 *
 * Output. On entry:
 *
 *   skb->data
 *   |<- hdrlen ->|<------------- payload ------------->|
 *   | kept bytes |  inner packet (tunnel mode), or the   |
 *   | (outer IP, |  transport header onwards (transport |
 *   |  UDP encap)|  mode)                               |
 *
 * On success:
 *
 *   | kept bytes | SPI | seq | IV | payload | TFC | pad | padlen | nh | ICV |
 *                ^ transport header
 *
 * The kept bytes move toward the head by the ESP header and IV; when
 * @hdrlen is not 0 they must start with the IP header, and the network
 * header is reset to skb->data. esp.c makes the head- and tailroom it needs
 * (copying only a cloned or shared skb), resolves CHECKSUM_PARTIAL, and
 * never touches a byte before skb->data. The caller then fixes lengths,
 * protocol and checksum in the kept bytes. GSO packets must be segmented
 * first (-EOPNOTSUPP).
 *
 * Input. On entry skb->data is the ESP header and skb->len ends with the
 * ICV (link-layer padding trimmed). On success the return value is the
 * Next Header and the skb holds only the payload: the ESP header and IV
 * are pulled (still in the headroom), the trailer and ICV trimmed,
 * transport header = skb->data, ip_summed = CHECKSUM_NONE. The replay
 * window is checked before the ICV and advanced only after it verified.
 *
 * Both directions take their own reference on the SA for the duration, so
 * the caller need only hold rcu_read_lock() or a reference at the call.
 * They keep the SA's own counters (sa->stats: packets and payload bytes
 * that made it, errors, replays, ICV failures) and set sa->use_time on the
 * first packet; the caller counts only the namespace's. Byte and packet
 * lifetimes are not checked here.
 * The skb always stays the caller's: esp.c never frees or queues it, and
 * on error its contents are undefined (drop it).
 *
 * Asynchronous crypto: the return value is -EINPROGRESS when the transform
 * went asynchronous; @cb->done() is then called exactly once with what the
 * call would have returned, from the crypto completion (softirq, or
 * process context with BH disabled). Requests are not backlogged: a full
 * crypto queue fails the packet with -ENOBUFS. Otherwise the call returns
 * the result itself and @cb->done() is not called. @cb->ctx (up to
 * NFIPSEC_ESP_CTX_MAX bytes) is copied into the per-packet allocation, so
 * the caller's state survives without an allocation of its own.
 *
 * Input errors, one per counter (nfipsec_esp_in_stat()):
 *   -EINVAL    malformed: too short, or not whole cipher blocks
 *   -EALREADY  replayed, too old, or a duplicate that raced us
 *   -EBADMSG   ICV mismatch
 *   -EPROTO    bad padding: Pad Length beyond the payload, or pad bytes
 *              other than 1, 2, 3, ...
 *   -ENODATA   Next Header 59: a dummy packet (RFC 4303 §2.6), discard
 *   -ENOMEM, -ENOBUFS, other: no memory, crypto queue full, crypto error
 * Output errors: -EOVERFLOW (sequence numbers exhausted: the SA must be
 * replaced, RFC 4303 §3.3.3), -ENOMEM, -ENOBUFS, -EINVAL, -EOPNOTSUPP.
 * Both: -ENOKEY (no transform yet), -ENOENT (the SA is being freed).
 */
#ifndef _NFIPSEC_ESP_H
#define _NFIPSEC_ESP_H

#include <linux/ip.h>
#include <linux/skbuff.h>

#include "sa.h"
#include "stats.h"

#define NFIPSEC_ESP_CTX_MAX 64	/* bytes of caller state per packet */

typedef void (*nfipsec_esp_done_t)(struct nfipsec_sa *sa, struct sk_buff *skb,
				   int ret, void *ctx);

struct nfipsec_esp_cb {
	nfipsec_esp_done_t done;
	const void *ctx;	/* copied; done() gets the copy */
	unsigned int ctxlen;	/* at most NFIPSEC_ESP_CTX_MAX */
};

/*
 * Encapsulate the payload after @hdrlen bytes with Next Header @nexthdr.
 * @tfcpad: pad the payload with zeros up to this length (RFC 4303 §2.7,
 * tunnel mode only, where the inner header tells its real length); 0 for
 * none. Softirq or process context. Returns 0, -EINPROGRESS or an error.
 */
int nfipsec_esp_output(struct nfipsec_sa *sa, struct sk_buff *skb,
		       unsigned int hdrlen, u8 nexthdr, unsigned int tfcpad,
		       const struct nfipsec_esp_cb *cb);
/*
 * Decapsulate. Softirq or process context. Returns the Next Header,
 * -EINPROGRESS or an error.
 */
int nfipsec_esp_input(struct nfipsec_sa *sa, struct sk_buff *skb,
		      const struct nfipsec_esp_cb *cb);

/* Bytes output inserts after the kept bytes: ESP header and IV. */
static inline unsigned int nfipsec_esp_hdrlen(const struct nfipsec_sa *sa)
{
	return sizeof(struct ip_esp_hdr) + sa->ivlen;
}

/*
 * The largest payload whose ESP packet fits in @mtu (after the kept bytes),
 * without TFC padding; 0 if none does.
 */
static inline unsigned int nfipsec_esp_payload_mtu(const struct nfipsec_sa *sa,
						   unsigned int mtu)
{
	unsigned int over = nfipsec_esp_hdrlen(sa) + sa->icvlen;

	if (mtu < over + sa->blocksize)
		return 0;
	return ALIGN_DOWN(mtu - over, sa->blocksize) - 2;
}

/* The namespace counter an input error belongs under. */
static inline enum nfipsec_stat_id nfipsec_esp_in_stat(int err)
{
	switch (err) {
	case -EINVAL:
		return NFIPSEC_STAT_IN_HDR_ERROR;
	case -EALREADY:
		return NFIPSEC_STAT_IN_REPLAY;
	case -EBADMSG:
		return NFIPSEC_STAT_IN_ICV_FAIL;
	case -EPROTO:
		return NFIPSEC_STAT_IN_BAD_PADDING;
	case -ENODATA:
		return NFIPSEC_STAT_IN_DUMMY;
	case -ENOMEM:
		return NFIPSEC_STAT_IN_NOMEM;
	case -ENOENT:
		return NFIPSEC_STAT_IN_NO_SA;
	default:
		return NFIPSEC_STAT_CRYPTO_ERROR;
	}
}

/* The namespace counter an output error belongs under. */
static inline enum nfipsec_stat_id nfipsec_esp_out_stat(int err)
{
	switch (err) {
	case -EOVERFLOW:
		return NFIPSEC_STAT_OUT_SEQ_OVERFLOW;
	case -ENOMEM:
		return NFIPSEC_STAT_OUT_NOMEM;
	case -ENOENT:
		return NFIPSEC_STAT_OUT_NO_SA;
	case -ENOBUFS:
	case -ENOKEY:
		return NFIPSEC_STAT_CRYPTO_ERROR;
	default:
		return NFIPSEC_STAT_OUT_ERROR;
	}
}

#endif /* _NFIPSEC_ESP_H */
