/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AH transform (RFC 4302) on one packet. Owner: ah.c, tested by
 * tests/ah_test.c. Like esp.h: choosing the SA, building the outer header
 * and reinjecting are the caller's; this is the AH header and its ICV.
 *
 * Unlike ESP, AH covers the IP header in front of it, so both directions
 * take the whole packet from its network header, and @e (path.h) says
 * where AH goes: @e->hdrlen bytes of IP header (and IPv6 extension
 * headers) in front of it, @e->nhoff the byte that names it, and
 * @e->outer_family the family of that header.
 *
 * Output. On entry skb->data is the network header and the kept header is
 * final except for its length and protocol fields (and, for IPv4, the
 * checksum), which ah.c sets before computing the ICV, since they are
 * covered. On success:
 *
 *   | kept header | next | len | 0 | SPI | seq | [IV] | ICV | pad | payload |
 *                 ^ transport header
 *
 * Input. On entry skb->data is the network header and AH starts at
 * @e->hdrlen. On success the return value is AH's Next Header, skb->data
 * is the payload after AH (the network header unmoved, AH pulled), and the
 * transport header is skb->data: what nfipsec_decap() takes.
 *
 * Errors, callbacks, references and counters: exactly as esp.h says for
 * ESP (-EINVAL malformed, -EALREADY replayed, -EBADMSG ICV mismatch, ...),
 * so that nfipsec_esp_in_stat()/nfipsec_esp_out_stat() name the counter.
 */
#ifndef _NFIPSEC_AH_H
#define _NFIPSEC_AH_H

#include <linux/skbuff.h>
#include <net/ip.h>

#include "esp.h"
#include "path.h"

/* AH's fixed part: Next Header, Payload Len, Reserved, SPI, Sequence. */
#define NFIPSEC_AH_FIXED	12

/*
 * Bytes of AH for @sa in front of a payload under a header of @family:
 * the fixed part, the IV (AES-GMAC), the ICV, and the padding to 32 bits
 * (IPv4) or 64 bits (IPv6) that RFC 4302 §3.3.3.2.1 asks for.
 */
static inline unsigned int nfipsec_ah_hdrlen(const struct nfipsec_sa *sa,
					     u8 family)
{
	unsigned int len = NFIPSEC_AH_FIXED + sa->ivlen + sa->icvlen;

	return family == AF_INET6 ? ALIGN(len, 8) : ALIGN(len, 4);
}

int nfipsec_ah_output(struct nfipsec_sa *sa, struct sk_buff *skb,
		      const struct nfipsec_encap *e,
		      const struct nfipsec_esp_cb *cb);
int nfipsec_ah_input(struct nfipsec_sa *sa, struct sk_buff *skb,
		     const struct nfipsec_encap *e,
		     const struct nfipsec_esp_cb *cb);

/* What either transform inserts after the kept header on output. */
static inline unsigned int nfipsec_xform_hdrlen(const struct nfipsec_sa *sa,
						u8 family)
{
	return sa->proto == IPPROTO_AH ? nfipsec_ah_hdrlen(sa, family) :
					 nfipsec_esp_hdrlen(sa);
}

#endif /* _NFIPSEC_AH_H */
