/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nfipsec's additions to PF_KEYv2 (RFC 2367, Linux <linux/pfkeyv2.h>).
 *
 * Every structure and number of <linux/pfkeyv2.h> and <linux/ipsec.h> means
 * exactly what it means to Linux's af_key, so setkey, racoon and strongSwan's
 * kernel-pfkey plugin work unmodified. This file only names what Linux
 * lacks; a client that never uses these sees plain af_key behaviour.
 */
#ifndef _UAPI_NFIPSEC_PFKEY_H
#define _UAPI_NFIPSEC_PFKEY_H

#include <linux/types.h>

/*
 * ChaCha20-Poly1305 (RFC 7634) as a sadb_sa_encrypt value. Linux has no
 * PF_KEY number for it; FreeBSD's (15) clashes with Linux's
 * SADB_X_EALG_AES_CCM_ICV12, so we use 28, its IKEv2 transform number. The
 * key is 256 bits of key followed by a 32-bit salt (sadb_key_bits = 288).
 */
#define NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305	28

/*
 * AES-GMAC for AH (RFC 4543 §4) as a sadb_sa_auth value, FreeBSD's
 * numbers (Linux has none; 11 to 13 are free there). The key is the AES
 * key followed by a 32-bit salt: sadb_key_bits 160, 224 or 288, each ID
 * exactly its own size. AH only: ESP has SADB_X_EALG_NULL_AES_GMAC.
 */
#define NFIPSEC_SADB_X_AALG_AES128GMAC		11
#define NFIPSEC_SADB_X_AALG_AES192GMAC		12
#define NFIPSEC_SADB_X_AALG_AES256GMAC		13

/*
 * ICV lengths differ from af_key in one place: SADB_X_AALG_SHA2_256HMAC,
 * _384HMAC and _512HMAC carry 128, 192 and 256 bits of the MAC, as RFC
 * 4868 requires. af_key keeps 96 bits for SHA-256 (an old Linux habit), so
 * a peer keyed through af_key needs "ip xfrm state ... auth-trunc
 * hmac(sha256) KEY 128" to talk to us. SHA-1 keeps its 96 (RFC 2404).
 */

/*
 * Anti-replay window larger than sadb_sa_replay can say.
 *
 * sadb_sa_replay is a count of packets (RFC 2367 §2.3.1; Linux af_key reads
 * it so too, and clamps it to 32). nfipsec takes it unclamped, 0..255
 * packets. For a larger window a client adds this extension, laid out as
 * FreeBSD's SADB_X_EXT_SA_REPLAY and likewise counted in packets (up to
 * 65536); when present it overrides sadb_sa_replay. Replies carry it when
 * the window does not fit in sadb_sa_replay.
 *
 * FreeBSD numbers it 26, which Linux uses for SADB_X_EXT_FILTER, so it gets
 * 32 here: above Linux's SADB_EXT_MAX (26) with room for Linux to grow.
 */
#define NFIPSEC_SADB_X_EXT_SA_REPLAY		32

struct nfipsec_sadb_x_sa_replay {
	__u16	sadb_x_sa_replay_len;		/* 1 (8 bytes) */
	__u16	sadb_x_sa_replay_exttype;	/* NFIPSEC_SADB_X_EXT_SA_REPLAY */
	__u32	sadb_x_sa_replay_replay;	/* window, in packets */
} __attribute__((packed));

/*
 * The outer header of a tunnel-mode SA (RFC 4301 §5.1.2.1 and §8.1):
 * whether the outer IPv4 header says Don't Fragment, and the DSCP it
 * carries. Optional in ADD and UPDATE; all zeros, the default, is DF
 * clear and DSCP copied from the inner header. Replies carry it when it
 * is not all zeros. ECN needs no extension: normal mode (RFC 6040) is the
 * default and SADB_SAFLAGS_NOECN selects compatibility mode; the inner
 * DSCP is kept on decapsulation unless SADB_SAFLAGS_DECAP_DSCP copies the
 * outer one in. Transport-mode SAs take it and ignore it.
 */
#define NFIPSEC_SADB_X_EXT_TUNNEL_HDR		33

enum {
	NFIPSEC_DF_CLEAR	= 0,	/* outer IPv4 may be fragmented */
	NFIPSEC_DF_SET		= 1,
	NFIPSEC_DF_COPY		= 2,	/* from the inner IPv4; IPv6: set */
};

enum {
	NFIPSEC_DSCP_COPY	= 0,	/* outer DSCP = inner DSCP */
	NFIPSEC_DSCP_SET	= 1,	/* outer DSCP = sadb_x_tunnel_hdr_dscp */
};

struct nfipsec_sadb_x_tunnel_hdr {
	__u16	sadb_x_tunnel_hdr_len;		/* 1 (8 bytes) */
	__u16	sadb_x_tunnel_hdr_exttype;	/* NFIPSEC_SADB_X_EXT_TUNNEL_HDR */
	__u8	sadb_x_tunnel_hdr_df;		/* NFIPSEC_DF_* */
	__u8	sadb_x_tunnel_hdr_dscp_mode;	/* NFIPSEC_DSCP_* */
	__u8	sadb_x_tunnel_hdr_dscp;		/* 0..63, for NFIPSEC_DSCP_SET */
	__u8	sadb_x_tunnel_hdr_reserved;	/* 0 */
} __attribute__((packed));

/*
 * SPD Name selector (RFC 4301 §4.4.1.1 "Name"): a peer-identity pattern
 * on a policy, in X_SPDADD and X_SPDUPDATE, returned by X_SPDGET and
 * X_SPDDUMP. An inbound or forward PROTECT policy that has one admits a
 * packet only when it came through an SA whose SADB_EXT_IDENTITY_SRC (the
 * peer's identity, which the key manager stored at ADD/UPDATE after IKE
 * authenticated it) matches; otherwise the packet is dropped
 * (InNameMismatch), not passed on to a later policy. Outbound policies
 * keep and report it, and ignore it. Documentation/pfkey.md has more.
 *
 * sadb_x_name_type is the SADB_IDENTTYPE_* the identity must have (0:
 * any). The pattern is a NUL-terminated string, 1 to 127 bytes, padded
 * with zeros to 8 bytes:
 *   "alice@family.example"  exactly this identity (ASCII case-insensitive)
 *   "*@family.example"      any user at that domain (a non-empty local part)
 *   "*.example.com"         any name under that domain (one label or more)
 *   "*"                     any identity at all (but there must be one)
 */
#define NFIPSEC_SADB_X_EXT_NAME			34

struct nfipsec_sadb_x_name {
	__u16	sadb_x_name_len;
	__u16	sadb_x_name_exttype;		/* NFIPSEC_SADB_X_EXT_NAME */
	__u8	sadb_x_name_type;		/* SADB_IDENTTYPE_*, 0: any */
	__u8	sadb_x_name_reserved[3];	/* 0 */
	/* followed by the pattern, NUL-terminated, zero-padded */
} __attribute__((packed));

#define NFIPSEC_NAME_MAX			127

/*
 * A mark for what came through an SA, for the firewall (nftables "meta
 * mark"): in ADD and UPDATE, returned by GET and DUMP. Every packet that
 * comes out of the SA (decrypted and verified) gets
 *	skb->mark = (skb->mark & ~mask) | (value & mask)
 * so a key manager that gives each peer identity (or group of them) its
 * own value lets nftables rules say "only peers of group X on port 445":
 * "meta mark & 0xff00 == 0x0100 tcp dport 445 accept". mask 0: no mark.
 */
#define NFIPSEC_SADB_X_EXT_SA_MARK		35

struct nfipsec_sadb_x_sa_mark {
	__u16	sadb_x_sa_mark_len;		/* 2 (16 bytes) */
	__u16	sadb_x_sa_mark_exttype;		/* NFIPSEC_SADB_X_EXT_SA_MARK */
	__u32	sadb_x_sa_mark_reserved;	/* 0 */
	__u32	sadb_x_sa_mark_value;
	__u32	sadb_x_sa_mark_mask;
} __attribute__((packed));

/*
 * Traffic flow confidentiality padding (RFC 4303 §2.7): in ADD and UPDATE
 * of an ESP tunnel-mode SA, returned by GET and DUMP. Each inner packet is
 * padded with zeros up to sadb_x_tfc_padto bytes before encryption, but
 * never past what fits the outer path MTU, so every packet on the wire has
 * the same length up to that size. The receiver needs nothing: the inner
 * IP header gives the real length. 0 or absent: no padding; at most 65535.
 * Refused (EINVAL) on AH and transport-mode SAs, where the receiver could
 * not tell padding from payload.
 */
#define NFIPSEC_SADB_X_EXT_TFC			36

struct nfipsec_sadb_x_tfc {
	__u16	sadb_x_tfc_len;			/* 1 (8 bytes) */
	__u16	sadb_x_tfc_exttype;		/* NFIPSEC_SADB_X_EXT_TFC */
	__u32	sadb_x_tfc_padto;		/* bytes of inner packet, 0..65535 */
} __attribute__((packed));

/*
 * Per-SA counters, beyond af_key: a client that wants them puts this
 * extension, zeroed, in SADB_GET or SADB_DUMP; every SA message of the
 * answer then carries it filled in (others never see it, so KAME-library
 * clients that refuse unknown extensions are not surprised). Counted since
 * the SA was added (a MIGRATE'd SA keeps its counts): packets and bytes as
 * in LIFETIME_CURRENT, packets dropped for another reason (errors), as
 * replays (replay) and for a failed ICV (icv_fail).
 */
#define NFIPSEC_SADB_X_EXT_SA_STATS		37

struct nfipsec_sadb_x_sa_stats {
	__u16	sadb_x_sa_stats_len;		/* 6 (48 bytes) */
	__u16	sadb_x_sa_stats_exttype;	/* NFIPSEC_SADB_X_EXT_SA_STATS */
	__u32	sadb_x_sa_stats_reserved;	/* 0 */
	__u64	sadb_x_sa_stats_packets;
	__u64	sadb_x_sa_stats_bytes;
	__u64	sadb_x_sa_stats_errors;
	__u64	sadb_x_sa_stats_replay;
	__u64	sadb_x_sa_stats_icv_fail;
} __attribute__((packed));

/* Highest extension type nfipsec knows. */
#define NFIPSEC_SADB_EXT_MAX			37

#endif /* _UAPI_NFIPSEC_PFKEY_H */
