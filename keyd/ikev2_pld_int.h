/* SPDX-License-Identifier: ISC */
/*
 * Shared by the two halves of the payload parser (ikev2_pld.c,
 * ikev2_pld_neg.c) and nothing else.
 */
#ifndef KEYD_IKEV2_PLD_INT_H
#define KEYD_IKEV2_PLD_INT_H

#include "ikev2_pld.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Record the first error notify of a message; always -1. */
static inline int
pld_error(struct ikev2_msg_p *msg, uint16_t type)
{
	if (msg->error == 0)
		msg->error = type;
	return (-1);
}

static inline uint64_t
be_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | *p++;
	return (v);
}

static inline struct ikev2_span
span(const uint8_t *p, size_t len)
{
	struct ikev2_span s = { len ? p : NULL, len };

	return (s);
}

/* ikev2_pld_neg.c: each parses one payload body of `left` bytes at p. */
int	ikev2_pld_sa(struct ikev2_msg_p *, const uint8_t *, size_t);
int	ikev2_pld_ke(struct ikev2_msg_p *, const uint8_t *, size_t);
int	ikev2_pld_nonce(struct ikev2_msg_p *, const uint8_t *, size_t);
int	ikev2_pld_tss(struct ikev2_msg_p *, struct ikev2_tss_p *,
	    const uint8_t *, size_t);
int	ikev2_pld_cp(struct ikev2_msg_p *, const uint8_t *, size_t);

#endif /* KEYD_IKEV2_PLD_INT_H */
