/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PF_KEYv2 (RFC 2367, as Linux's af_key speaks it). Owners:
 *
 *   pfkey.c        the socket family, per-netns socket list, broadcast,
 *                  receive-buffer accounting and resumable dumps
 *   pfkey_parse.c  validation of a message from userspace (pure)
 *   pfkey_alg.c    the algorithms PF_KEY can name, REGISTER's answer
 *   pfkey_sa.c     SAD messages (GETSPI .. DUMP)
 *   pfkey_msg.c    SA -> message, ACQUIRE and EXPIRE (the data path's API)
 *   pfkey_spd.c    SPD messages (X_SPDADD .. X_SPDDUMP)
 *   pfkey_lifetime.c  time lifetimes: soft/hard EXPIRE, larval reaping
 *   migrate.c      X_MIGRATE: SAs and policy templates to new endpoints
 *
 * Locking: a message from userspace is handled with nfipsec_net.cfg_lock
 * held, start to end. Broadcasts walk the socket list under RCU and may run
 * in any context.
 */
#ifndef _NFIPSEC_PFKEY_H
#define _NFIPSEC_PFKEY_H

#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "nfipsec_pfkey.h"
#include "sel.h"

struct nfipsec_net;
struct nfipsec_sa;
struct nfipsec_policy;
struct nfipsec_tmpl;

/* A message that passed nfipsec_pfkey_parse(): the header, and each
 * extension by type (NULL when absent). Points into the caller's buffer.
 */
struct nfipsec_pfkey_msg {
	const struct sadb_msg *hdr;
	const void *ext[NFIPSEC_SADB_EXT_MAX + 1];
};

/* pfkey_parse.c. Pure: no locks, no allocation. */
int nfipsec_pfkey_parse(const void *buf, size_t len,
			struct nfipsec_pfkey_msg *m);
/* The address of a validated sadb_address; returns its family. */
u8 nfipsec_pfkey_addr(const struct sadb_address *a, union nf_inet_addr *addr,
		      __be16 *port);
/* A validated sockaddr (AF_INET or AF_INET6); returns its family. */
u8 nfipsec_pfkey_sockaddr(const void *sa, union nf_inet_addr *addr);
/* Two validated sockaddrs of one family back to back (ipsecrequest). */
u8 nfipsec_pfkey_sockaddr_pair(const void *p, union nf_inet_addr *s,
			       union nf_inet_addr *d);
/* Bytes of a sadb_address extension (with its sockaddr) for @family. */
unsigned int nfipsec_pfkey_addr_size(u8 family);
/* Append a sadb_address extension. @skb must have room. */
void nfipsec_pfkey_put_addr(struct sk_buff *skb, u16 type, u8 family,
			    const union nf_inet_addr *addr, __be16 port,
			    u8 proto, u8 prefixlen);
u8 nfipsec_pfkey_satype2proto(u8 satype);
u8 nfipsec_pfkey_proto2satype(u8 proto);

/* Per network namespace PF_KEY state (nfipsec_net.pfkey). */
struct nfipsec_pfkey_net {
	struct nfipsec_net *nn;
	struct hlist_head socks;	/* RCU; @socks_lock to change */
	struct mutex socks_lock;
	atomic_t acq_seq;		/* last ACQUIRE's sadb_msg_seq */
	u32 next_reqid;			/* IPSEC_LEVEL_UNIQUE; cfg_lock */
	bool names_used;		/* a Name selector was added (name_check.c) */
	struct delayed_work lifetime_work;	/* pfkey_lifetime.c */
	time64_t lifetime_next;		/* when it is due; cfg_lock */
	bool spd_lifetimes;		/* a policy had one: sweep the SPD too */
};

/* pfkey.c: who receives a message (RFC 2367 §3.1). */
enum nfipsec_pfkey_to {
	NFIPSEC_PFKEY_ONE,		/* the sender only */
	NFIPSEC_PFKEY_ALL,		/* every socket of the netns */
	NFIPSEC_PFKEY_REGISTERED,	/* sockets REGISTERed for the satype */
	NFIPSEC_PFKEY_PROMISC,		/* the promiscuous ones only */
};

/*
 * Send @skb (consumed) to @to, plus a copy to every promiscuous socket.
 * For ONE returns -ENOBUFS when @one's receive buffer is full; for
 * REGISTERED -ESRCH when no registered socket took it. A socket that misses
 * a broadcast because it is full gets ENOBUFS on its next read. Any context.
 */
int nfipsec_pfkey_broadcast(struct net *net, struct sk_buff *skb,
			    enum nfipsec_pfkey_to to, struct sock *one,
			    u8 satype);
/* A new message of @size bytes (header included) with its sadb_msg filled
 * from the arguments; NULL on allocation failure.
 */
struct sk_buff *nfipsec_pfkey_alloc(size_t size, gfp_t gfp, u8 type,
				    u8 satype, u32 seq, u32 pid);
/* Fix sadb_msg_len after the message is complete. */
void nfipsec_pfkey_finish(struct sk_buff *skb);
/* Start an extension of @len bytes (multiple of 8) zeroed, header set. */
void *nfipsec_pfkey_put_ext(struct sk_buff *skb, u16 type, size_t len);

/*
 * A dump: a snapshot of referenced objects sent one message each, the
 * sadb_msg_seq counting down to 0 on the last. build() makes the message
 * for one item; put() drops the snapshot's reference. Sending pauses while
 * the reader's buffer is two thirds full and resumes as it drains.
 */
struct nfipsec_pfkey_dump_ops {
	struct sk_buff *(*build)(void *item, const struct sadb_msg *req);
	void (*put)(void *item);
};

/* Must be called with cfg_lock held. Takes over @items (kvmalloc'd, @n
 * references), also on failure. Returns -ENOENT when @n is 0 (af_key's
 * answer to an empty dump), -EBUSY while another dump is running.
 */
int nfipsec_pfkey_dump_start(struct sock *sk, const struct sadb_msg *req,
			     const struct nfipsec_pfkey_dump_ops *ops,
			     void **items, unsigned int n);

/* Per-socket registration, read by the handlers (cfg_lock held). */
u32 nfipsec_pfkey_registered(struct sock *sk);
void nfipsec_pfkey_set_registered(struct sock *sk, u32 mask);
void nfipsec_pfkey_set_promisc(struct sock *sk, bool on);

/* A handler: cfg_lock held. Returns 0 when it has replied, or an errno the
 * caller turns into an error reply.
 */
typedef int (*nfipsec_pfkey_handler)(struct sock *sk, struct nfipsec_net *nn,
				     const struct nfipsec_pfkey_msg *m);

/* pfkey_sa.c */
int nfipsec_pfkey_getspi(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_add(struct sock *sk, struct nfipsec_net *nn,
		      const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_delete(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_get(struct sock *sk, struct nfipsec_net *nn,
		      const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_acquire_reply(struct sock *sk, struct nfipsec_net *nn,
				const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_register(struct sock *sk, struct nfipsec_net *nn,
			   const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_flush(struct sock *sk, struct nfipsec_net *nn,
			const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_dump(struct sock *sk, struct nfipsec_net *nn,
		       const struct nfipsec_pfkey_msg *m);

/* pfkey_lifetime.c. The lifetime_work function. */
void nfipsec_pfkey_lifetime_work(struct work_struct *work);
/* Must be called with cfg_lock held. Have @sa's time limits watched. */
void nfipsec_pfkey_lifetime_arm(struct nfipsec_net *nn,
				const struct nfipsec_sa *sa);
/* Must be called with cfg_lock held. The same for a policy's. */
void nfipsec_pfkey_lifetime_arm_policy(struct nfipsec_net *nn,
				       const struct nfipsec_policy *pol);

/* pfkey_spd.c */
int nfipsec_pfkey_spdadd(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_spddelete(struct sock *sk, struct nfipsec_net *nn,
			    const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_spdget(struct sock *sk, struct nfipsec_net *nn,
			 const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_spdflush(struct sock *sk, struct nfipsec_net *nn,
			   const struct nfipsec_pfkey_msg *m);
int nfipsec_pfkey_spddump(struct sock *sk, struct nfipsec_net *nn,
			  const struct nfipsec_pfkey_msg *m);
/* The selector SRC/DST of @m describe for direction @dir (NFIPSEC_DIR_*);
 * returns its family.
 */
/* Process context: X_SPDEXPIRE for @pol's soft or hard lifetime. */
int nfipsec_pfkey_spdexpire(struct nfipsec_net *nn,
			    const struct nfipsec_policy *pol, bool hard);
u8 nfipsec_pfkey_msg_sel(const struct nfipsec_pfkey_msg *m, u8 dir,
			 struct nfipsec_sel *sel);

/* migrate.c: SADB_X_MIGRATE. */
int nfipsec_pfkey_migrate(struct sock *sk, struct nfipsec_net *nn,
			  const struct nfipsec_pfkey_msg *m);

/* pfkey_msg.c: an SA as a message of @type (seq, pid from the caller),
 * with its keys and NFIPSEC_SADB_X_EXT_SA_STATS as @with says.
 */
enum {
	NFIPSEC_PFKEY_KEYS = 1 << 0,
	NFIPSEC_PFKEY_STATS = 1 << 1,
};

struct sk_buff *nfipsec_pfkey_sa_msg(const struct nfipsec_sa *sa, u8 type,
				     u32 seq, u32 pid, unsigned int with,
				     gfp_t gfp);

/*
 * The data path's API (pfkey_msg.c). Any context; GFP_ATOMIC inside.
 *
 * nfipsec_pfkey_acquire(): RFC 2367 §3.1.6 — ask the key managers
 * registered for @t->proto for an SA that @t of @pol describes, for the
 * flow @fl (outbound: local = source). Returns the sadb_msg_seq it used
 * (never 0; the GETSPI/UPDATE answering it carries it) in @seq, and 0, or
 * -ESRCH when no key manager is registered, -ENOMEM.
 *
 * nfipsec_pfkey_expire(): RFC 2367 §3.1.8 — tell the registered key
 * managers that @sa reached its soft or hard lifetime.
 */
int nfipsec_pfkey_acquire(struct nfipsec_net *nn,
			  const struct nfipsec_policy *pol,
			  const struct nfipsec_tmpl *t,
			  const struct nfipsec_flow *fl, u32 *seq);
int nfipsec_pfkey_expire(struct nfipsec_sa *sa, bool hard);
/*
 * nfipsec_pfkey_new_mapping(): KAME's SADB_X_NAT_T_NEW_MAPPING, as af_key
 * sends it: ESP from the peer of @sa (an inbound NAT-T SA) verified but
 * came from @addr, UDP port @port (network order).
 */
int nfipsec_pfkey_new_mapping(const struct nfipsec_sa *sa,
			      const union nf_inet_addr *addr, __be16 port);

/* pfkey_alg.c */
struct nfipsec_pfkey_alg {
	u8 id;			/* SADB_*ALG_* */
	u8 ivlen;		/* bytes */
	u8 icvlen;		/* bytes of ICV on the wire */
	u16 minbits, maxbits;	/* sadb_key_bits, salt included */
	const char *crypto;	/* what the crypto API must provide */
};

const struct nfipsec_pfkey_alg *nfipsec_pfkey_aalg(u8 id);
const struct nfipsec_pfkey_alg *nfipsec_pfkey_ealg(u8 id);
/* True for the combined-mode (AEAD) encryption IDs. */
bool nfipsec_pfkey_ealg_is_aead(u8 id);
/* Start / wait out the one probe of what the crypto API has (at load). */
void nfipsec_pfkey_alg_init(void);
void nfipsec_pfkey_alg_exit(void);
/* REGISTER's reply; sleeps until that probe is done. */
struct sk_buff *nfipsec_pfkey_supported(const struct sadb_msg *req);
/* Is @bits a key size @alg takes (salt included)? */
bool nfipsec_pfkey_key_ok(const struct nfipsec_pfkey_alg *alg, u16 bits);
/* ACQUIRE's proposal: size it from a snapshot of what is available, then
 * fill it from the same snapshot. Any context.
 */
struct nfipsec_pfkey_avail {
	unsigned long aalgs, ealgs;
};

size_t nfipsec_pfkey_proposal_size(u8 proto,
				   struct nfipsec_pfkey_avail *snap);
void nfipsec_pfkey_put_proposal(struct sk_buff *skb, u8 proto,
				const struct nfipsec_pfkey_avail *snap);

/* pfkey.c: module and namespace life. */
int nfipsec_pfkey_init(void);
void nfipsec_pfkey_exit(void);
int nfipsec_pfkey_net_init(struct nfipsec_net *nn);
void nfipsec_pfkey_net_exit(struct nfipsec_net *nn);

#endif /* _NFIPSEC_PFKEY_H */
