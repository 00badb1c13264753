// SPDX-License-Identifier: GPL-2.0
/*
 * SPD Name selectors: does a peer identity match a policy's pattern?
 *
 * Patterns (uapi/nfipsec_pfkey.h, NFIPSEC_SADB_X_EXT_NAME): an exact
 * identity; "*" followed by a suffix that must end the identity with at
 * least one character before it ("*@family.example" takes any user at
 * that domain, "*.example.com" any name below that domain, not the domain
 * itself); or "*" alone, any identity. Comparison is ASCII
 * case-insensitive: DNS names are (RFC 4343), and IKE peers differ in the
 * case of the domain part of an e-mail address more often than in
 * anything else. A "*@domain" pattern wants a local part without another
 * "@": "*@family.example" does not match "x@evil.example@family.example".
 */
#include <linux/pfkeyv2.h>
#include <linux/string.h>

#include "name_sel.h"
#include "sa.h"

bool nfipsec_name_match(const struct nfipsec_name_sel *sel, u8 type,
			const char *id, size_t len)
{
	const char *pat = sel->pat;
	size_t plen;

	if (sel->type && sel->type != type)
		return false;
	/* Identities are strings: stop at a NUL, and refuse an empty one. */
	len = strnlen(id, len);
	if (!len)
		return false;
	if (pat[0] != '*') {
		plen = strlen(pat);
		return plen == len && !strncasecmp(pat, id, len);
	}
	pat++;
	plen = strlen(pat);
	if (!plen)
		return true;			/* "*": any identity */
	if (len <= plen || strncasecmp(pat, id + len - plen, plen))
		return false;
	/* "*@domain": the local part is one, without another "@". */
	if (pat[0] == '@' && memchr(id, '@', len - plen))
		return false;
	return true;
}

bool nfipsec_name_match_sa(const struct nfipsec_name_sel *sel,
			   const struct nfipsec_sa *sa)
{
	const struct sadb_ident *id = sa->ident_src;

	if (!id)
		return false;
	return nfipsec_name_match(sel, id->sadb_ident_type,
				  (const char *)(id + 1),
				  id->sadb_ident_len * 8 - sizeof(*id));
}
