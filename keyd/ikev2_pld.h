/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 payload parsing into plain C structures.
 *
 * The parser never allocates: every variable-length field is a struct
 * ikev2_span pointing into the caller's buffer, checked to lie inside it.
 * Counts are capped by the IKEV2_MAX_* limits below; a message that
 * exceeds one is refused rather than silently truncated, so the exchanges
 * never act on half a proposal list.
 *
 * This file and ikev2_pld.c depend on libc only, so the parser can be
 * linked alone into unit tests and the fuzzer.
 */
#ifndef _KEYD_IKEV2_PLD_H
#define _KEYD_IKEV2_PLD_H

#include <stddef.h>
#include <stdint.h>

#include "ikev2.h"

enum {
	IKEV2_MAX_PROPS		= 16,
	IKEV2_MAX_XFORMS	= 64,	/* per proposal; peers list many groups */
	IKEV2_MAX_NOTIFY	= 24,
	IKEV2_MAX_CERT		= 8,
	IKEV2_MAX_VENDOR	= 8,
	IKEV2_MAX_DELETE	= 8,
	IKEV2_MAX_TS		= 16,	/* per TSi or TSr payload */
	IKEV2_MAX_CFG		= 16,
};

/* A bounds-checked view into a buffer the caller owns. */
struct ikev2_span {
	const uint8_t	*ptr;
	size_t		 len;
};

/* ikev2_xform_p.flags */
enum {
	IKEV2_XF_UNKNOWN_ATTR	= 0x01,	/* proposal must be rejected, §3.3.6 */
	IKEV2_XF_KEYLEN		= 0x02,	/* keylen attribute was present */
};

struct ikev2_xform_p {
	uint8_t		type;
	uint8_t		flags;
	uint16_t	id;
	uint16_t	keylen;		/* bits, from IKEV2_ATTR_KEYLEN */
};

struct ikev2_prop_p {
	uint8_t			num;
	uint8_t			proto;
	uint8_t			spisize;	/* 0, 4 or 8 */
	uint8_t			nxforms;
	uint64_t		spi;		/* host order */
	struct ikev2_xform_p	xforms[IKEV2_MAX_XFORMS];
};

struct ikev2_sa_p {
	unsigned		nprops;
	struct ikev2_prop_p	props[IKEV2_MAX_PROPS];
};

struct ikev2_ke_p {
	uint16_t		group;
	struct ikev2_span	data;
};

struct ikev2_id_p {
	uint8_t			type;
	struct ikev2_span	data;
	struct ikev2_span	body;	/* from the ID type on: AUTH signs it */
};

struct ikev2_cert_p {
	uint8_t			encoding;
	struct ikev2_span	data;
};

struct ikev2_auth_p {
	uint8_t			method;
	struct ikev2_span	data;
};

struct ikev2_notify_p {
	uint8_t			proto;
	uint8_t			spisize;
	uint16_t		type;
	uint8_t			encrypted;	/* came from inside SK */
	struct ikev2_span	spi;
	struct ikev2_span	data;
};

struct ikev2_delete_p {
	uint8_t			proto;
	uint8_t			spisize;
	uint16_t		nspi;
	struct ikev2_span	spis;		/* nspi * spisize octets */
};

struct ikev2_ts_p {
	uint8_t		type;
	uint8_t		proto;		/* 0 = any */
	uint16_t	sport;
	uint16_t	eport;
	uint8_t		alen;		/* 4 or 16 */
	uint8_t		start[16];
	uint8_t		end[16];
};

struct ikev2_tss_p {
	unsigned		nts;
	struct ikev2_ts_p	ts[IKEV2_MAX_TS];
};

struct ikev2_cfg_p {
	uint16_t		type;
	struct ikev2_span	value;
};

struct ikev2_cp_p {
	uint8_t			type;
	unsigned		ncfg;
	struct ikev2_cfg_p	cfg[IKEV2_MAX_CFG];
};

struct ikev2_sk_p {
	uint8_t			first;		/* first inner payload type */
	size_t			off;		/* SK generic header in the message */
	struct ikev2_span	body;		/* IV | ciphertext | ICV */
	uint16_t		fragnum;	/* SKF only */
	uint16_t		total;		/* SKF only */
};

/* Which payloads were seen (bit n-IKEV2_PLD_SA for payload type n). */
#define IKEV2_SEEN(t)	(1u << ((t) - IKEV2_PLD_SA))

struct ikev2_msg_p {
	/* IKE header, host order */
	uint8_t			ispi[IKEV2_SPI_SIZE];
	uint8_t			rspi[IKEV2_SPI_SIZE];
	uint8_t			next;
	uint8_t			version;
	uint8_t			exchange;
	uint8_t			flags;
	uint32_t		msgid;
	uint32_t		length;

	uint32_t		seen;		/* IKEV2_SEEN() bits */
	int			inner;		/* parsing decrypted payloads */

	/* On failure: the notify type to answer with, and its data. */
	uint16_t		error;
	uint8_t			error_data;	/* UNSUPPORTED_CRITICAL_PAYLOAD */

	struct ikev2_sa_p	sa;
	struct ikev2_ke_p	ke;
	struct ikev2_span	nonce;
	struct ikev2_id_p	idi, idr;
	struct ikev2_auth_p	auth;
	struct ikev2_tss_p	tsi, tsr;
	struct ikev2_cp_p	cp;
	struct ikev2_span	eap;
	struct ikev2_sk_p	sk;		/* SK or SKF */

	unsigned		ncert, ncertreq, nnotify, nvendor, ndelete;
	struct ikev2_cert_p	cert[IKEV2_MAX_CERT];
	struct ikev2_cert_p	certreq[IKEV2_MAX_CERT];
	struct ikev2_notify_p	notify[IKEV2_MAX_NOTIFY];
	struct ikev2_span	vendor[IKEV2_MAX_VENDOR];
	struct ikev2_delete_p	del[IKEV2_MAX_DELETE];

	/* Notifies the parser checks and lifts out for the exchanges. */
	struct ikev2_span	cookie;		/* COOKIE data, 1..64 */
	uint16_t		invalid_ke_group; /* INVALID_KE_PAYLOAD data */
	unsigned		nnatd_src;
	struct ikev2_span	natd_src[8];	/* §2.23: one per candidate
					   source address; more refused */
	struct ikev2_span	natd_dst;
	uint32_t		sighash;	/* RFC 7427: bit n = hash n */
};

/*
 * Parse an IKE message: the header and the payloads outside SK.  The SK
 * payload, if any, is only located (msg->sk); decrypt it and hand the
 * plaintext to ikev2_pld_parse_inner().  Returns 0 or -1 with msg->error
 * set.  msg keeps pointers into buf.
 */
int	ikev2_pld_parse(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len);

/*
 * Parse decrypted SK contents, first payload type `first`, into the same
 * msg.  msg keeps pointers into buf.
 */
int	ikev2_pld_parse_inner(struct ikev2_msg_p *msg, uint8_t first,
	    const uint8_t *buf, size_t len);

/* First notify of `type` in msg, or NULL. */
const struct ikev2_notify_p *
	ikev2_pld_notify_find(const struct ikev2_msg_p *msg, uint16_t type);

#endif /* _KEYD_IKEV2_PLD_H */
