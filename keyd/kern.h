/* SPDX-License-Identifier: ISC */
/*
 * The kernel seam: what keyd asks of the IPsec stack, as a table of
 * operations.  pfkey.c implements it over a PF_KEY socket (nfipsec, or
 * Linux af_key); the unit tests implement it with a fake that records what
 * was installed.  Algorithms are IKEv2 transform IDs here; pfkey.c maps
 * them to SADB numbers.
 */
#ifndef _KEYD_KERN_H
#define _KEYD_KERN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "crypto.h"

struct kern_sa {
	struct sockaddr_storage	src, dst;	/* outer addresses */
	uint32_t		spi;		/* host order */
	uint32_t		reqid;
	int			tunnel;
	uint16_t		encr, encr_keylen, integ;	/* IKEv2 IDs; keylen bits */
	int			esn;
	uint32_t		replay;		/* packets; 0 outbound */
	const uint8_t		*ekey, *akey;
	size_t			ekeylen, akeylen;	/* octets, salt included */
	uint64_t		soft_s, hard_s;	/* add-time lifetimes, 0 = none */
	const struct config_id	*src_id, *dst_id;	/* IKE identities */
	uint32_t		seq;		/* GETSPI's sequence (UPDATE) */
	uint32_t		mark, mark_mask;	/* inbound: the PAD entry's; mask 0 = none */
	/* ESP in UDP (RFC 3948): the ports of the SA's packets as this host
	 * sends or receives them; src and dst are likewise the addresses
	 * as seen here, the NAT's public one for a peer behind it. */
	int			encap;
	uint16_t		encap_sport, encap_dport;
};

/* A policy: one direction of one child's selectors. */
struct kern_pol {
	int			dir_out;	/* else inbound */
	struct sockaddr_storage	src, dst;	/* selector addresses */
	uint8_t			splen, dplen;
	uint8_t			proto;		/* 0 any */
	uint16_t		sport, dport;	/* 0 any */
	int			tunnel;
	struct sockaddr_storage	tsrc, tdst;	/* tunnel endpoints */
	uint32_t		reqid;
	int			bypass;		/* no IPsec (IKE's own packets) */
	uint32_t		priority;	/* lower wins */
	/*
	 * A Name selector (inbound only): the identity pattern an SA's
	 * IDENTITY_SRC must match, and its SADB_IDENTTYPE (0 any).  Such a
	 * policy takes any ESP transport SA (level require, reqid 0): the
	 * Name, not the SA, says who may send.
	 */
	const char		*name;
	uint8_t			name_type;
};

/* Policy priorities: IKE's bypass, then Name policies, then children. */
enum {
	KERN_PRIO_BYPASS	= 10,
	KERN_PRIO_NAME		= 500,	/* a PAD entry's Name policies (pad_spd.c) */
	KERN_PRIO_CHILD		= 1000,
};

/* What the kernel tells us (ACQUIRE, EXPIRE), delivered to the loop. */
struct kern_event {
	enum { KEV_ACQUIRE = 1, KEV_EXPIRE, KEV_NEW_MAPPING } type;
	int			hard;
	uint32_t		spi;		/* EXPIRE, NEW_MAPPING */
	/* ACQUIRE: the SA's endpoints.  NEW_MAPPING: src the inbound SA's
	 * old peer address, dst where an authenticated packet came from;
	 * ports included (kmod/natt.c, Documentation/pfkey.md). */
	struct sockaddr_storage	src, dst;
	struct sockaddr_storage	sel_src, sel_dst;	/* ACQUIRE: the packet's */
	uint32_t		seq;		/* ACQUIRE's sadb_msg_seq */
	uint32_t		reqid;
};

struct kern_ops {
	/* A larval inbound SA: src is the peer.  *seq names it for UPDATE. */
	int	(*getspi)(void *, const struct sockaddr_storage *src,
		    const struct sockaddr_storage *dst, uint32_t acq_seq,
		    uint32_t *spi, uint32_t *seq);
	/* update: complete a GETSPI's larval SA; else ADD. */
	int	(*add)(void *, const struct kern_sa *, int update);
	int	(*del)(void *, const struct sockaddr_storage *src,
		    const struct sockaddr_storage *dst, uint32_t spi);
	/* Add or replace (SPDUPDATE); del removes. */
	int	(*spd)(void *, const struct kern_pol *, int del);
	/* Tell the kernel an ACQUIRE failed (drops its larval state). */
	int	(*acquire_fail)(void *, uint32_t seq, int err);
	/* The next event, 1; none pending, 0; error, -1. */
	int	(*event)(void *, struct kern_event *);
	int	(*fd)(void *);		/* pollable, or -1 */
	void	(*close)(void *);
};

struct kern {
	const struct kern_ops	*ops;
	void			*arg;
};

/* PF_KEY: NULL on failure (errno set).  REGISTERs for ESP. */
struct kern	*pfkey_open(void);
/* The same over a socket of the caller's (tests: the other end answers). */
struct kern	*pfkey_open_fd(int fd);

#endif /* _KEYD_KERN_H */
