/* SPDX-License-Identifier: ISC */
/*
 * Building IKEv2 payloads into a struct buf: the mirror of ikev2_pld.c.
 *
 * A struct ikev2_bld tracks the payload chain: each payload added patches
 * the Next Payload field of the one before (or of the IKE header), so the
 * caller only appends in order.  Errors are sticky in the buf, as there.
 */
#ifndef _KEYD_IKEV2_BLD_H
#define _KEYD_IKEV2_BLD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ikev2_pld.h"

struct ikev2_bld {
	struct buf	*buf;
	size_t		 start;		/* IKE header, or chain start */
	size_t		 nextp;		/* Next Payload byte to patch */
	int		 chained;	/* nextp is valid */
	uint8_t		 first;		/* first payload type of the chain */
};

/* Start a message: writes the IKE header (length set by _msg_done). */
void	ikev2_bld_msg(struct ikev2_bld *, struct buf *,
	    const uint8_t ispi[IKEV2_SPI_SIZE],
	    const uint8_t rspi[IKEV2_SPI_SIZE],
	    uint8_t exchange, uint8_t flags, uint32_t msgid);
/* Fix the IKE header length; returns -1 if anything failed. */
int	ikev2_bld_msg_done(struct ikev2_bld *);
/* Start a bare chain (the plaintext of an SK payload); see ->first. */
void	ikev2_bld_chain(struct ikev2_bld *, struct buf *);

/* Open/close one payload; begin returns its generic header offset. */
size_t	ikev2_bld_begin(struct ikev2_bld *, uint8_t type, int critical);
void	ikev2_bld_end(struct ikev2_bld *, size_t off);

void	ikev2_bld_sa(struct ikev2_bld *, const struct ikev2_sa_p *);
void	ikev2_bld_ke(struct ikev2_bld *, uint16_t group,
	    const uint8_t *, size_t);
void	ikev2_bld_nonce(struct ikev2_bld *, const uint8_t *, size_t);
void	ikev2_bld_id(struct ikev2_bld *, uint8_t pld, uint8_t idtype,
	    const uint8_t *, size_t);
void	ikev2_bld_cert(struct ikev2_bld *, uint8_t pld, uint8_t encoding,
	    const uint8_t *, size_t);
void	ikev2_bld_auth(struct ikev2_bld *, uint8_t method,
	    const uint8_t *, size_t);
void	ikev2_bld_notify(struct ikev2_bld *, uint8_t proto,
	    const uint8_t *spi, uint8_t spisize, uint16_t type,
	    const uint8_t *, size_t);
void	ikev2_bld_delete(struct ikev2_bld *, uint8_t proto, uint8_t spisize,
	    const uint8_t *spis, uint16_t nspi);
void	ikev2_bld_ts(struct ikev2_bld *, uint8_t pld,
	    const struct ikev2_tss_p *);
void	ikev2_bld_cp(struct ikev2_bld *, const struct ikev2_cp_p *);
void	ikev2_bld_vendor(struct ikev2_bld *, const uint8_t *, size_t);
/*
 * Open the SK payload whose contents start with payload type `first`; it
 * must be the last payload.  Returns its offset for crypto_sk_seal(),
 * which appends IV, ciphertext and ICV and fixes both lengths.
 */
size_t	ikev2_bld_sk(struct ikev2_bld *, uint8_t first);

#endif /* _KEYD_IKEV2_BLD_H */
