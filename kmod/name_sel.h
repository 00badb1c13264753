/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPD Name selectors (RFC 4301 §4.4.1.1): a peer-identity pattern on a
 * policy, checked against the identity the key manager stored on the SA a
 * packet came through. Owners: name_sel.c (pure matching; KUnit suite
 * nfipsec_name_sel) and name_check.c (where the packet path asks). The
 * PF_KEY form is NFIPSEC_SADB_X_EXT_NAME (uapi/nfipsec_pfkey.h), which
 * also gives the pattern syntax.
 */
#ifndef _NFIPSEC_NAME_SEL_H
#define _NFIPSEC_NAME_SEL_H

#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct nfipsec_sa;

/* Hung off a policy (nfipsec_policy.name); freed with kfree_rcu(). */
struct nfipsec_name_sel {
	struct rcu_head rcu;
	u8 type;		/* SADB_IDENTTYPE_*, 0: any */
	char pat[];		/* NUL-terminated, 1..NFIPSEC_NAME_MAX bytes */
};

/*
 * Does identity @id (@len bytes, no NUL needed) of SADB_IDENTTYPE @type
 * match @sel? Pure; any context.
 */
bool nfipsec_name_match(const struct nfipsec_name_sel *sel, u8 type,
			const char *id, size_t len);

/* Does the peer identity (IDENTITY_SRC) of @sa match @sel? Any context. */
bool nfipsec_name_match_sa(const struct nfipsec_name_sel *sel,
			   const struct nfipsec_sa *sa);

/*
 * name_check.c, the packet path: @skb just came out of @sa (decapsulated,
 * of @family). False when the inbound policy it meets has a Name selector
 * that @sa's peer identity does not match (counted; drop it). Softirq or
 * process context with BH disabled.
 */
bool nfipsec_name_check(const struct nfipsec_sa *sa,
			const struct sk_buff *skb, u8 family);

#endif /* _NFIPSEC_NAME_SEL_H */
