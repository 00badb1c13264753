/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security Associations and the SAD (RFC 4301 §4.4.2). Owner: sa.c (one
 * SA's life: crypto setup, lifetimes, teardown) and sad.c (the tables).
 *
 * Inbound lookup is by (SPI, destination, protocol) in an RCU hash that
 * resizes without stopping readers. Outbound SAs are found from a policy
 * template: (protocol, mode, endpoints, reqid).
 *
 * Lifetime of an SA: kref. The SAD holds one reference while the SA is
 * linked; packets in flight (async crypto) hold their own. The last put
 * frees the crypto transform and wipes the keys with memzero_explicit()
 * after an RCU grace period.
 */
#ifndef _NFIPSEC_SA_H
#define _NFIPSEC_SA_H

#include <crypto/aead.h>
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "replay.h"
#include "sel.h"

struct nfipsec_net;
struct sadb_ident;
struct sadb_sens;

enum nfipsec_sa_state {		/* SADB_SASTATE_* */
	NFIPSEC_SA_LARVAL,	/* GETSPI reserved it; no keys yet */
	NFIPSEC_SA_MATURE,
	NFIPSEC_SA_DYING,	/* soft lifetime passed */
	NFIPSEC_SA_DEAD,	/* unlinked; waiting for the last reference */
};

enum nfipsec_sa_flags {
	NFIPSEC_SAF_ESN		= 1 << 0,	/* 64-bit sequence numbers */
	NFIPSEC_SAF_NOECN	= 1 << 1,	/* XFRM_STATE_NOECN */
	NFIPSEC_SAF_DECAP_DSCP	= 1 << 2,	/* copy DSCP out on decap */
	NFIPSEC_SAF_NOPMTUDISC	= 1 << 3,
	NFIPSEC_SAF_TFC_PAD	= 1 << 4,	/* pad to the path MTU */
};

/* A lifetime limit (SADB_EXT_LIFETIME_SOFT/HARD); 0 = no limit. */
struct nfipsec_lifetime {
	u64 bytes;
	u64 packets;
	u64 add_seconds;	/* since the SA was added */
	u64 use_seconds;	/* since its first use */
};

/* Per-CPU SA counters, summed for PF_KEY and /proc. */
struct nfipsec_sa_stats {
	u64 packets;
	u64 bytes;
	u64 errors;
	u64 replay;
	u64 icv_fail;
};

/*
 * X_MIGRATE copies an SA field by field (migrate.c, clone_sa()): a field
 * added here that PF_KEY or the data path sets must be copied there too.
 */
struct nfipsec_sa {
	struct hlist_node by_spi;	/* sad.c: inbound hash */
	struct hlist_node by_dst;	/* sad.c: outbound (dst, proto, reqid) */
	struct rcu_head rcu;
	struct kref ref;
	struct nfipsec_net *nn;

	/* Identity: (spi, daddr, proto) is the SAD key. */
	__be32 spi;
	u8 proto;		/* IPPROTO_ESP or IPPROTO_AH */
	u8 mode;		/* enum nfipsec_mode */
	u8 family;		/* of saddr/daddr (outer, in tunnel mode) */
	u8 state;		/* enum nfipsec_sa_state; cfg_lock to write */
	u32 flags;		/* enum nfipsec_sa_flags */
	u32 reqid;
	u32 seq;		/* sadb_msg_seq of the GETSPI/ACQUIRE */
	union nf_inet_addr saddr, daddr;
	struct nfipsec_sel sel;	/* inner traffic the SA may carry */

	/* Algorithms, as PF_KEY numbers them (SADB_*ALG_*). */
	u8 ealg;
	u8 aalg;
	u8 ivlen;
	u8 icvlen;		/* bytes of ICV on the wire */
	u8 blocksize;		/* padding alignment, at least 4 */
	u16 ekey_bits;		/* as given in sadb_key_bits */
	u16 akey_bits;
	u8 *ekey;		/* kept for SADB_GET; wiped at free */
	u8 *akey;
	struct crypto_aead *aead;	/* one transform per SA */

	/* Sequence numbers and anti-replay. */
	atomic64_t oseq;		/* last sent; the next is oseq + 1 */
	struct nfipsec_replay replay;	/* inbound window */

	/* Lifetimes. */
	struct nfipsec_lifetime soft, hard;
	time64_t add_time;
	time64_t use_time;		/* 0 until first use */
	bool soft_expired;		/* EXPIRE(soft) sent once */
	struct delayed_work expire_work;

	/* NAT-T (SADB_X_EXT_NAT_T_*): 0 when not encapsulated. */
	u16 encap_type;
	__be16 encap_sport, encap_dport;
	unsigned long natt_mapping_sent;	/* jiffies; natt.c */

	/* NFIPSEC_SADB_X_EXT_SA_MARK: set on what comes out (mask 0: none). */
	u32 mark_value, mark_mask;

	/* Tunnel mode's outer header (tunnel_hdr.c): NFIPSEC_DF_*, _DSCP_*. */
	u8 df_mode;
	u8 dscp_mode;
	u8 dscp;		/* for NFIPSEC_DSCP_SET */
	/* NFIPSEC_SADB_X_EXT_TFC: pad inner packets to this (ESP tunnel). */
	u16 tfc_padto;

	/* Peer identity index for the firewall (0: none). */
	u32 peer_id;

	/* Path MTU learnt from ICMP (pmtu.c; 0: none) and when, in jiffies.
	 * Written lock-free from softirq: READ_ONCE/WRITE_ONCE. Not copied
	 * by X_MIGRATE: new endpoints, a new path.
	 */
	u32 pmtu;
	unsigned long pmtu_stamp;

	struct nfipsec_sa_stats __percpu *stats;

	/*
	 * SAD and PF_KEY bookkeeping (sad.c, pfkey_sa.c). by_seq links a
	 * larval SA under the sadb_msg_seq of its GETSPI so an ACQUIRE's
	 * answer finds it. ident_src/dst are the SADB_EXT_IDENTITY_* given
	 * at ADD/UPDATE, kmalloc()ed whole (header included, NULL if none),
	 * returned by GET/DUMP; the SA's free must kfree() them. sens, the
	 * SADB_EXT_SENSITIVITY, is kept the same way: stored and returned,
	 * not enforced (no MLS labels on packets here).
	 */
	struct hlist_node by_seq;
	struct sadb_ident *ident_src;
	struct sadb_ident *ident_dst;
	struct sadb_sens *sens;
};

/* sa.c */
struct nfipsec_sa *nfipsec_sa_alloc(struct nfipsec_net *nn, gfp_t gfp);
/*
 * Allocate the AEAD transform for (ealg, aalg) and set the keys. Process
 * context, may sleep. Refuses NULL encryption without integrity.
 */
int nfipsec_sa_init_crypto(struct nfipsec_sa *sa);
void nfipsec_sa_put(struct nfipsec_sa *sa);

static inline bool nfipsec_sa_get(struct nfipsec_sa *sa)
{
	return kref_get_unless_zero(&sa->ref);
}

/* sad.c. Functions not marked RCU must be called with cfg_lock held. */
int nfipsec_sad_net_init(struct nfipsec_net *nn);
void nfipsec_sad_net_exit(struct nfipsec_net *nn);
int nfipsec_sad_add(struct nfipsec_net *nn, struct nfipsec_sa *sa);
/* X_MIGRATE (migrate.c): add @sa, which may have the key of @old. */
int nfipsec_sad_add_replacing(struct nfipsec_net *nn, struct nfipsec_sa *sa,
			      const struct nfipsec_sa *old);
void nfipsec_sad_del(struct nfipsec_net *nn, struct nfipsec_sa *sa);
void nfipsec_sad_flush(struct nfipsec_net *nn, u8 proto);
struct nfipsec_sa *nfipsec_sad_find(struct nfipsec_net *nn, u8 proto,
				    __be32 spi, u8 family,
				    const union nf_inet_addr *daddr);

/* RCU: inbound lookup. Caller holds rcu_read_lock(); takes no reference. */
struct nfipsec_sa *nfipsec_sad_lookup_rcu(struct nfipsec_net *nn, u8 proto,
					  __be32 spi, u8 family,
					  const union nf_inet_addr *daddr);

/*
 * RCU: the SA to protect an outbound packet with, for a policy template.
 * @saddr may be NULL (any source); @reqid 0 and @mode NFIPSEC_MODE_ANY
 * match any. Prefers MATURE to DYING, then the newest. Caller holds
 * rcu_read_lock(); takes no reference (nfipsec_sa_get() to keep it).
 */
struct nfipsec_sa *nfipsec_sad_lookup_out_rcu(struct nfipsec_net *nn,
					      u8 family, u8 proto, u8 mode,
					      u32 reqid,
					      const union nf_inet_addr *saddr,
					      const union nf_inet_addr *daddr);

/*
 * Must be called with cfg_lock held. The larval SA a GETSPI with this
 * sadb_msg_seq created towards @daddr, or NULL.
 */
struct nfipsec_sa *nfipsec_sad_find_larval(struct nfipsec_net *nn, u32 seq,
					   u8 family,
					   const union nf_inet_addr *daddr);
/*
 * Must be called with cfg_lock held. An SPI in [@lo, @hi] (host order)
 * unused for (@proto, @daddr), in @spi; -ENOENT when none is free.
 */
int nfipsec_sad_alloc_spi(struct nfipsec_net *nn, u8 proto, u8 family,
			  const union nf_inet_addr *daddr, u32 lo, u32 hi,
			  __be32 *spi);
/*
 * Must be called with cfg_lock held. Calls @fn on every SA of @proto (0:
 * all) until it returns non-zero, which is returned. @fn must not unlink.
 */
int nfipsec_sad_walk(struct nfipsec_net *nn, u8 proto,
		     int (*fn)(struct nfipsec_sa *sa, void *arg), void *arg);
/* Must be called with cfg_lock held. Number of SAs linked. */
unsigned int nfipsec_sad_count(struct nfipsec_net *nn);

#endif /* _NFIPSEC_SA_H */
