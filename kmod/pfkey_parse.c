// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of a PF_KEYv2 message from userspace, before anything acts on
 * it. Stricter than af_key: what af_key silently skips (unknown extension
 * types, extensions a message type has no use for) is refused here, so a
 * client finds out that nfipsec did not do what it asked. Every refusal is
 * an errno the sender gets back in sadb_msg_errno:
 *
 *   EMSGSIZE  shorter than a header, or sadb_msg_len * 8 != bytes received
 *   EINVAL    bad version/type/satype/reserved, an extension that is
 *             truncated, zero-length, runs past the end, repeats, has an
 *             unknown type or a bad body, a missing required extension or
 *             one the message type does not take
 *   EOPNOTSUPP a message type the kernel only sends, or that nfipsec does
 *             not implement (X_PCHANGE, X_SPDACQUIRE, ...), and
 *             security contexts (SADB_X_EXT_SEC_CTX: no LSM labels here)
 *   EPROTONOSUPPORT  IPComp: SADB_X_SATYPE_IPCOMP in any SA message or
 *             REGISTER, an IPPROTO_COMP ipsecrequest
 *
 * Pure: no locks, no allocation, no state; tests/pfkey_test.c,
 * pfkey_ext_test.c and pfkey_policy_test.c drive it.
 * After it returned 0 every extension's length covers its fixed part and
 * its variable part (sockaddr, key bits, ipsecrequests), so the handlers
 * read them without further bounds checks.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/skbuff.h>
#include <linux/socket.h>

#include "pfkey.h"
#include "spd.h"

#define EXT(t)		(1ULL << (t))
#define ADDRS		(EXT(SADB_EXT_ADDRESS_SRC) | EXT(SADB_EXT_ADDRESS_DST))
#define LIFETIMES	(EXT(SADB_EXT_LIFETIME_HARD) | EXT(SADB_EXT_LIFETIME_SOFT))
#define NATT		(EXT(SADB_X_EXT_NAT_T_TYPE) |			\
			 EXT(SADB_X_EXT_NAT_T_SPORT) |			\
			 EXT(SADB_X_EXT_NAT_T_DPORT) |			\
			 EXT(SADB_X_EXT_NAT_T_OA))

enum satype_class {
	SAT_ANY,	/* not looked at (SPD messages) */
	SAT_SA,		/* AH or ESP: the SA must have a protocol */
	SAT_SA_ALL,	/* AH, ESP or UNSPEC (all) */
	SAT_REGISTER,	/* UNSPEC .. SADB_SATYPE_MAX */
};

struct msg_rule {
	bool from_user;		/* false: -EOPNOTSUPP */
	u8 satype;		/* enum satype_class */
	u64 required;
	u64 allowed;		/* required ones are allowed too */
};

/* What each message type takes from userspace (RFC 2367 §3.1, af_key). */
static const struct msg_rule msg_rules[SADB_MAX + 1] = {
	[SADB_GETSPI] = { true, SAT_SA, ADDRS,
			  EXT(SADB_EXT_SPIRANGE) | EXT(SADB_X_EXT_SA2) |
			  EXT(SADB_X_EXT_KMPRIVATE) },
	[SADB_UPDATE] = { true, SAT_SA, EXT(SADB_EXT_SA) | ADDRS,
			  LIFETIMES | EXT(SADB_EXT_KEY_AUTH) |
			  EXT(SADB_EXT_KEY_ENCRYPT) |
			  EXT(SADB_EXT_IDENTITY_SRC) |
			  EXT(SADB_EXT_IDENTITY_DST) | EXT(SADB_X_EXT_SA2) |
			  EXT(SADB_EXT_SENSITIVITY) | NATT | EXT(NFIPSEC_SADB_X_EXT_SA_REPLAY) |
			  EXT(NFIPSEC_SADB_X_EXT_TUNNEL_HDR) |
			  EXT(NFIPSEC_SADB_X_EXT_TFC) |
			  EXT(NFIPSEC_SADB_X_EXT_SA_MARK) |
			  EXT(SADB_X_EXT_KMPRIVATE) },
	[SADB_ADD] = { true, SAT_SA, EXT(SADB_EXT_SA) | ADDRS,
		       LIFETIMES | EXT(SADB_EXT_KEY_AUTH) |
		       EXT(SADB_EXT_KEY_ENCRYPT) | EXT(SADB_EXT_IDENTITY_SRC) |
		       EXT(SADB_EXT_IDENTITY_DST) | EXT(SADB_X_EXT_SA2) |
		       EXT(SADB_EXT_SENSITIVITY) | NATT | EXT(NFIPSEC_SADB_X_EXT_SA_REPLAY) |
		       EXT(NFIPSEC_SADB_X_EXT_TUNNEL_HDR) |
		       EXT(NFIPSEC_SADB_X_EXT_TFC) |
		       EXT(NFIPSEC_SADB_X_EXT_SA_MARK) |
		       EXT(SADB_X_EXT_KMPRIVATE) },
	[SADB_DELETE] = { true, SAT_SA, EXT(SADB_EXT_SA) | ADDRS,
			  EXT(SADB_X_EXT_SA2) },
	[SADB_GET] = { true, SAT_SA, EXT(SADB_EXT_SA) | ADDRS,
		       EXT(SADB_X_EXT_SA2) | EXT(NFIPSEC_SADB_X_EXT_SA_STATS) },
	/* From a key manager only as "I failed": header, seq and errno. */
	[SADB_ACQUIRE] = { true, SAT_SA_ALL, 0, 0 },
	[SADB_REGISTER] = { true, SAT_REGISTER, 0, 0 },
	[SADB_EXPIRE] = { false },
	[SADB_FLUSH] = { true, SAT_SA_ALL, 0, 0 },
	[SADB_DUMP] = { true, SAT_SA_ALL, 0, EXT(SADB_X_EXT_FILTER) |
			EXT(NFIPSEC_SADB_X_EXT_SA_STATS) },
	[SADB_X_PROMISC] = { true, SAT_ANY, 0, 0 },
	[SADB_X_PCHANGE] = { false },
	[SADB_X_SPDUPDATE] = { true, SAT_ANY, ADDRS | EXT(SADB_X_EXT_POLICY),
			       LIFETIMES | EXT(NFIPSEC_SADB_X_EXT_NAME) },
	[SADB_X_SPDADD] = { true, SAT_ANY, ADDRS | EXT(SADB_X_EXT_POLICY),
			    LIFETIMES | EXT(NFIPSEC_SADB_X_EXT_NAME) },
	[SADB_X_SPDDELETE] = { true, SAT_ANY, ADDRS | EXT(SADB_X_EXT_POLICY),
			       0 },
	[SADB_X_SPDGET] = { true, SAT_ANY, EXT(SADB_X_EXT_POLICY), 0 },
	[SADB_X_SPDACQUIRE] = { false },
	[SADB_X_SPDDUMP] = { true, SAT_ANY, 0, 0 },
	[SADB_X_SPDFLUSH] = { true, SAT_ANY, 0, 0 },
	[SADB_X_SPDSETIDX] = { true, SAT_ANY, ADDRS | EXT(SADB_X_EXT_POLICY),
			       LIFETIMES | EXT(NFIPSEC_SADB_X_EXT_NAME) },
	[SADB_X_SPDEXPIRE] = { false },
	[SADB_X_SPDDELETE2] = { true, SAT_ANY, EXT(SADB_X_EXT_POLICY), 0 },
	[SADB_X_NAT_T_NEW_MAPPING] = { false },
	/* Pairs of old/new ipsecrequests (migrate.c), af_key's layout. */
	[SADB_X_MIGRATE] = { true, SAT_ANY, ADDRS | EXT(SADB_X_EXT_POLICY),
			     EXT(SADB_X_EXT_KMADDRESS) },
};

/* Smallest body of each extension type, in bytes; 0 = unknown type. */
static const u8 ext_min_len[NFIPSEC_SADB_EXT_MAX + 1] = {
	[SADB_EXT_SA]			= sizeof(struct sadb_sa),
	[SADB_EXT_LIFETIME_CURRENT]	= sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_HARD]	= sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_SOFT]	= sizeof(struct sadb_lifetime),
	[SADB_EXT_ADDRESS_SRC]		= sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_DST]		= sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_PROXY]	= sizeof(struct sadb_address),
	[SADB_EXT_KEY_AUTH]		= sizeof(struct sadb_key),
	[SADB_EXT_KEY_ENCRYPT]		= sizeof(struct sadb_key),
	[SADB_EXT_IDENTITY_SRC]		= sizeof(struct sadb_ident),
	[SADB_EXT_IDENTITY_DST]		= sizeof(struct sadb_ident),
	[SADB_EXT_SENSITIVITY]		= sizeof(struct sadb_sens),
	[SADB_EXT_PROPOSAL]		= sizeof(struct sadb_prop),
	[SADB_EXT_SUPPORTED_AUTH]	= sizeof(struct sadb_supported),
	[SADB_EXT_SUPPORTED_ENCRYPT]	= sizeof(struct sadb_supported),
	[SADB_EXT_SPIRANGE]		= sizeof(struct sadb_spirange),
	[SADB_X_EXT_KMPRIVATE]		= sizeof(struct sadb_x_kmprivate),
	[SADB_X_EXT_POLICY]		= sizeof(struct sadb_x_policy),
	[SADB_X_EXT_SA2]		= sizeof(struct sadb_x_sa2),
	[SADB_X_EXT_NAT_T_TYPE]		= sizeof(struct sadb_x_nat_t_type),
	[SADB_X_EXT_NAT_T_SPORT]	= sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_DPORT]	= sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_OA]		= sizeof(struct sadb_address),
	[SADB_X_EXT_SEC_CTX]		= sizeof(struct sadb_x_sec_ctx),
	[SADB_X_EXT_KMADDRESS]		= sizeof(struct sadb_x_kmaddress),
	[SADB_X_EXT_FILTER]		= sizeof(struct sadb_x_filter),
	[NFIPSEC_SADB_X_EXT_SA_REPLAY]	= sizeof(struct nfipsec_sadb_x_sa_replay),
	[NFIPSEC_SADB_X_EXT_TUNNEL_HDR]	= sizeof(struct nfipsec_sadb_x_tunnel_hdr),
	[NFIPSEC_SADB_X_EXT_NAME]	= sizeof(struct nfipsec_sadb_x_name) + 8,
	[NFIPSEC_SADB_X_EXT_SA_MARK]	= sizeof(struct nfipsec_sadb_x_sa_mark),
	[NFIPSEC_SADB_X_EXT_TFC]	= sizeof(struct nfipsec_sadb_x_tfc),
	[NFIPSEC_SADB_X_EXT_SA_STATS]	= sizeof(struct nfipsec_sadb_x_sa_stats),
};

static unsigned int sockaddr_len(u16 family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	}
	return 0;
}

static unsigned int family_bits(u16 family)
{
	return family == AF_INET ? 32 : 128;
}

unsigned int nfipsec_pfkey_addr_size(u8 family)
{
	return ALIGN(sizeof(struct sadb_address) + sockaddr_len(family), 8);
}

/* A sockaddr of @len bytes: known family, room for it. Returns family. */
static int check_sockaddr(const void *p, unsigned int len)
{
	const struct sockaddr *sa = p;
	unsigned int need;

	if (len < offsetofend(struct sockaddr, sa_family))
		return -EINVAL;
	need = sockaddr_len(sa->sa_family);
	if (!need || len < need)
		return -EINVAL;
	return sa->sa_family;
}

static int check_address(const struct sadb_address *a, unsigned int len)
{
	int family = check_sockaddr(a + 1, len - sizeof(*a));

	if (family < 0)
		return family;
	/* Exactly the sockaddr, padded to 8 bytes (as af_key). */
	if (len != nfipsec_pfkey_addr_size(family))
		return -EINVAL;
	if (a->sadb_address_prefixlen > family_bits(family))
		return -EINVAL;
	return 0;
}

static int check_key(const struct sadb_key *k, unsigned int len)
{
	if (DIV_ROUND_UP(k->sadb_key_bits, 8) > len - sizeof(*k))
		return -EINVAL;
	return 0;
}

static int check_sa(const struct sadb_sa *sa, unsigned int len)
{
	if (len != sizeof(*sa))
		return -EINVAL;
	if (sa->sadb_sa_state > SADB_SASTATE_MAX)
		return -EINVAL;
	if (sa->sadb_sa_auth > SADB_AALG_MAX)
		return -EINVAL;
	return 0;
}

static int check_ident(const struct sadb_ident *id, unsigned int len)
{
	const char *s = (const char *)(id + 1);
	unsigned int n = len - sizeof(*id);

	if (id->sadb_ident_type > SADB_IDENTTYPE_MAX)
		return -EINVAL;
	/* A string identity is NUL-terminated inside the extension. */
	if (n && !memchr(s, 0, n))
		return -EINVAL;
	return 0;
}

/*
 * RFC 2367 §2.3.7: the sensitivity and integrity bitmaps follow the fixed
 * part, their lengths counted in 64-bit words, and fill the extension.
 */
static int check_sens(const struct sadb_sens *s, unsigned int len)
{
	unsigned int words = s->sadb_sens_sens_len + s->sadb_sens_integ_len;

	if (s->sadb_sens_reserved || len != sizeof(*s) + words * 8)
		return -EINVAL;
	return 0;
}

/* A Name selector: a known type, a pattern of 1..NFIPSEC_NAME_MAX bytes
 * ended by a NUL inside the extension, with only zeros after it.
 */
static int check_name(const struct nfipsec_sadb_x_name *n, unsigned int len)
{
	const char *s = (const char *)(n + 1);
	unsigned int room = len - sizeof(*n), plen = strnlen(s, room);

	if (n->sadb_x_name_type > SADB_IDENTTYPE_MAX ||
	    n->sadb_x_name_reserved[0] || n->sadb_x_name_reserved[1] ||
	    n->sadb_x_name_reserved[2])
		return -EINVAL;
	if (!plen || plen == room || plen > NFIPSEC_NAME_MAX ||
	    memchr_inv(s + plen, 0, room - plen))
		return -EINVAL;
	return 0;
}

/*
 * Two sockaddrs of one family back to back in @len bytes (a tunnel
 * request's endpoints, KMADDRESS). Returns the family.
 */
static int check_sockaddr_pair(const u8 *p, unsigned int len)
{
	int fs, fd;

	fs = check_sockaddr(p, len);
	if (fs < 0)
		return fs;
	fd = check_sockaddr(p + sockaddr_len(fs), len - sockaddr_len(fs));
	if (fd < 0)
		return fd;
	return fs == fd ? fs : -EINVAL;
}

static int check_kmaddress(const struct sadb_x_kmaddress *k, unsigned int len)
{
	int family = check_sockaddr_pair((const u8 *)(k + 1), len - sizeof(*k));

	if (family < 0)
		return family;
	if (len != ALIGN(sizeof(*k) + 2 * sockaddr_len(family), 8) ||
	    k->sadb_x_kmaddress_reserved)
		return -EINVAL;
	return 0;
}

/* One sadb_x_ipsecrequest: @len bytes, its own length already checked. */
static int check_ipsecrequest(const struct sadb_x_ipsecrequest *rq,
			      unsigned int len)
{
	const u8 *p = (const u8 *)(rq + 1);
	unsigned int left = len - sizeof(*rq);
	int family;

	switch (rq->sadb_x_ipsecrequest_proto) {
	case IPPROTO_ESP:
	case IPPROTO_AH:
		break;
	case IPPROTO_COMP:
		return -EPROTONOSUPPORT;	/* no IPComp SA could serve it */
	default:
		return -EINVAL;
	}
	if (rq->sadb_x_ipsecrequest_level > IPSEC_LEVEL_UNIQUE)
		return -EINVAL;
	switch (rq->sadb_x_ipsecrequest_mode) {
	case IPSEC_MODE_TRANSPORT:
		return 0;
	case IPSEC_MODE_TUNNEL:
		break;
	default:		/* ANY is meaningless here; no BEET */
		return -EINVAL;
	}
	/* Tunnel: the endpoints follow, two sockaddrs of one family. */
	family = check_sockaddr_pair(p, left);
	return family < 0 ? family : 0;
}

static int check_policy(const struct sadb_x_policy *pol, unsigned int len)
{
	const u8 *p = (const u8 *)(pol + 1);
	unsigned int left = len - sizeof(*pol);
	unsigned int n = 0;
	int ret;

	if (pol->sadb_x_policy_type > IPSEC_POLICY_BYPASS)
		return -EINVAL;
	if (pol->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	while (left) {
		const struct sadb_x_ipsecrequest *rq = (const void *)p;
		unsigned int rlen;

		if (left < sizeof(*rq))
			return -EINVAL;
		/* ipsecrequest_len counts bytes, not 8-byte units. */
		rlen = rq->sadb_x_ipsecrequest_len;
		if (rlen < sizeof(*rq) || rlen > left || rlen % 8)
			return -EINVAL;
		if (++n > NFIPSEC_MAX_TMPL)
			return -EINVAL;
		ret = check_ipsecrequest(rq, rlen);
		if (ret)
			return ret;
		p += rlen;
		left -= rlen;
	}
	if (n && pol->sadb_x_policy_type != IPSEC_POLICY_IPSEC)
		return -EINVAL;
	return 0;
}

static int check_filter(const struct sadb_x_filter *f, unsigned int len)
{
	if (len != sizeof(*f))
		return -EINVAL;
	if (f->sadb_x_filter_family != AF_INET &&
	    f->sadb_x_filter_family != AF_INET6)
		return -EINVAL;
	if (f->sadb_x_filter_splen > family_bits(f->sadb_x_filter_family) ||
	    f->sadb_x_filter_dplen > family_bits(f->sadb_x_filter_family))
		return -EINVAL;
	return 0;
}

/* The body of one extension, whose length covers ext_min_len[type]. */
static int check_ext(u16 type, const void *p, unsigned int len)
{
	switch (type) {
	case SADB_EXT_SA:
		return check_sa(p, len);
	case SADB_EXT_LIFETIME_CURRENT:
	case SADB_EXT_LIFETIME_HARD:
	case SADB_EXT_LIFETIME_SOFT:
		return len == sizeof(struct sadb_lifetime) ? 0 : -EINVAL;
	case SADB_EXT_ADDRESS_SRC:
	case SADB_EXT_ADDRESS_DST:
	case SADB_EXT_ADDRESS_PROXY:
	case SADB_X_EXT_NAT_T_OA:
		return check_address(p, len);
	case SADB_EXT_KEY_AUTH:
	case SADB_EXT_KEY_ENCRYPT:
		return check_key(p, len);
	case SADB_EXT_IDENTITY_SRC:
	case SADB_EXT_IDENTITY_DST:
		return check_ident(p, len);
	case SADB_EXT_SENSITIVITY:
		return check_sens(p, len);
	case SADB_EXT_SPIRANGE: {
		const struct sadb_spirange *r = p;

		if (len != sizeof(*r) ||
		    r->sadb_spirange_min > r->sadb_spirange_max)
			return -EINVAL;
		return 0;
	}
	case SADB_X_EXT_POLICY:
		return check_policy(p, len);
	case SADB_X_EXT_SA2: {
		const struct sadb_x_sa2 *sa2 = p;

		if (len != sizeof(*sa2) ||
		    sa2->sadb_x_sa2_mode > IPSEC_MODE_TUNNEL)
			return -EINVAL;
		return 0;
	}
	case SADB_X_EXT_NAT_T_TYPE:
	case SADB_X_EXT_NAT_T_SPORT:
	case SADB_X_EXT_NAT_T_DPORT:
	case NFIPSEC_SADB_X_EXT_SA_REPLAY:
		return len == 8 ? 0 : -EINVAL;
	case NFIPSEC_SADB_X_EXT_TUNNEL_HDR: {
		const struct nfipsec_sadb_x_tunnel_hdr *th = p;

		if (len != sizeof(*th) || th->sadb_x_tunnel_hdr_df > NFIPSEC_DF_COPY ||
		    th->sadb_x_tunnel_hdr_dscp_mode > NFIPSEC_DSCP_SET ||
		    th->sadb_x_tunnel_hdr_dscp > 63 ||
		    th->sadb_x_tunnel_hdr_reserved)
			return -EINVAL;
		return 0;
	}
	case NFIPSEC_SADB_X_EXT_TFC: {
		const struct nfipsec_sadb_x_tfc *tfc = p;

		return len == sizeof(*tfc) && tfc->sadb_x_tfc_padto <= U16_MAX ?
		       0 : -EINVAL;
	}
	case NFIPSEC_SADB_X_EXT_NAME:
		return check_name(p, len);
	case NFIPSEC_SADB_X_EXT_SA_MARK: {
		const struct nfipsec_sadb_x_sa_mark *mk = p;

		return len == sizeof(*mk) && !mk->sadb_x_sa_mark_reserved ?
		       0 : -EINVAL;
	}
	case NFIPSEC_SADB_X_EXT_SA_STATS: {
		const struct nfipsec_sadb_x_sa_stats *st = p;

		return len == sizeof(*st) && !st->sadb_x_sa_stats_reserved ?
		       0 : -EINVAL;
	}
	case SADB_X_EXT_SEC_CTX:
		return -EOPNOTSUPP;
	case SADB_X_EXT_FILTER:
		return check_filter(p, len);
	case SADB_X_EXT_KMADDRESS:
		return check_kmaddress(p, len);
	}
	return 0;
}

static bool satype_ok(u8 class, u8 satype)
{
	switch (class) {
	case SAT_SA:
		return satype == SADB_SATYPE_AH || satype == SADB_SATYPE_ESP;
	case SAT_SA_ALL:
		return satype == SADB_SATYPE_UNSPEC ||
		       satype == SADB_SATYPE_AH || satype == SADB_SATYPE_ESP;
	case SAT_REGISTER:
		return satype <= SADB_SATYPE_MAX;
	}
	return true;
}

static u16 addr_family(const void *ext)
{
	const struct sockaddr *sa = (const void *)
		((const struct sadb_address *)ext + 1);

	return sa->sa_family;
}

/*
 * X_MIGRATE (af_key's layout): a PROTECT policy's direction and, in its
 * SADB_X_EXT_POLICY, pairs of ipsecrequests, the old endpoints then the
 * new ones, each with its two addresses even in transport mode. A pair
 * names one protocol, mode and reqid, and moves something.
 */
static int check_migrate(const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_x_policy *xp = m->ext[SADB_X_EXT_POLICY];
	const u8 *p = (const u8 *)(xp + 1);
	unsigned int left = xp->sadb_x_policy_len * 8 - sizeof(*xp);
	const struct sadb_x_ipsecrequest *rq[2];
	union nf_inet_addr a[2][2];
	int i, family[2];

	if (xp->sadb_x_policy_type != IPSEC_POLICY_IPSEC || !left ||
	    xp->sadb_x_policy_dir < IPSEC_DIR_INBOUND ||
	    xp->sadb_x_policy_dir > IPSEC_DIR_FWD)
		return -EINVAL;
	/* check_policy() bounded every request. */
	while (left) {
		for (i = 0; i < 2; i++) {
			if (!left)
				return -EINVAL;	/* an odd number */
			rq[i] = (const void *)p;
			family[i] = check_sockaddr_pair((const u8 *)(rq[i] + 1),
							rq[i]->sadb_x_ipsecrequest_len -
							sizeof(*rq[i]));
			if (family[i] < 0)
				return family[i];
			nfipsec_pfkey_sockaddr_pair(rq[i] + 1, &a[i][0],
						    &a[i][1]);
			p += rq[i]->sadb_x_ipsecrequest_len;
			left -= rq[i]->sadb_x_ipsecrequest_len;
		}
		if (rq[0]->sadb_x_ipsecrequest_proto !=
		    rq[1]->sadb_x_ipsecrequest_proto ||
		    rq[0]->sadb_x_ipsecrequest_mode !=
		    rq[1]->sadb_x_ipsecrequest_mode ||
		    rq[0]->sadb_x_ipsecrequest_reqid !=
		    rq[1]->sadb_x_ipsecrequest_reqid)
			return -EINVAL;
		if (family[0] == family[1] && !memcmp(a[0], a[1], sizeof(a[0])))
			return -EINVAL;	/* moves nothing */
	}
	return 0;
}

/* Rules between extensions, once each is valid on its own. */
static int check_msg(const struct nfipsec_pfkey_msg *m)
{
	const struct sadb_msg *hdr = m->hdr;
	const void *src = m->ext[SADB_EXT_ADDRESS_SRC];
	const void *dst = m->ext[SADB_EXT_ADDRESS_DST];

	if (src && dst && addr_family(src) != addr_family(dst))
		return -EINVAL;
	if (hdr->sadb_msg_type == SADB_X_MIGRATE)
		return check_migrate(m);
	if (hdr->sadb_msg_type == SADB_ADD ||
	    hdr->sadb_msg_type == SADB_UPDATE) {
		const struct sadb_sa *sa = m->ext[SADB_EXT_SA];

		/* ESP needs its cipher key (NULL: a 0-bit one, as setkey
		 * sends), AH its integrity key.
		 */
		if (hdr->sadb_msg_satype == SADB_SATYPE_ESP &&
		    !m->ext[SADB_EXT_KEY_ENCRYPT])
			return -EINVAL;
		if (hdr->sadb_msg_satype == SADB_SATYPE_AH &&
		    (!m->ext[SADB_EXT_KEY_AUTH] || sa->sadb_sa_encrypt))
			return -EINVAL;
		/* KAME's "-A null" names no integrity and has no key. */
		if (sa->sadb_sa_auth && sa->sadb_sa_auth != SADB_X_AALG_NULL &&
		    !m->ext[SADB_EXT_KEY_AUTH])
			return -EINVAL;
		if ((m->ext[SADB_X_EXT_NAT_T_SPORT] ||
		     m->ext[SADB_X_EXT_NAT_T_DPORT] ||
		     m->ext[SADB_X_EXT_NAT_T_OA]) &&
		    !m->ext[SADB_X_EXT_NAT_T_TYPE])
			return -EINVAL;
	}
	return 0;
}

int nfipsec_pfkey_parse(const void *buf, size_t len,
			struct nfipsec_pfkey_msg *m)
{
	const struct sadb_msg *hdr = buf;
	const struct msg_rule *rule;
	const u8 *p = buf;
	u64 seen = 0;
	size_t off;
	int ret;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(*hdr))
		return -EMSGSIZE;
	if (hdr->sadb_msg_version != PF_KEY_V2 ||
	    hdr->sadb_msg_reserved != 0 ||
	    hdr->sadb_msg_type == SADB_RESERVED ||
	    hdr->sadb_msg_type > SADB_MAX)
		return -EINVAL;
	if ((size_t)hdr->sadb_msg_len * 8 != len)
		return -EMSGSIZE;
	rule = &msg_rules[hdr->sadb_msg_type];
	if (!rule->from_user)
		return -EOPNOTSUPP;
	/* No IPComp (RFC 3173) here: said plainly, whatever the message. */
	if (hdr->sadb_msg_satype == SADB_X_SATYPE_IPCOMP &&
	    rule->satype != SAT_ANY)
		return -EPROTONOSUPPORT;
	if (!satype_ok(rule->satype, hdr->sadb_msg_satype))
		return -EINVAL;
	m->hdr = hdr;

	for (off = sizeof(*hdr); off < len;) {
		const struct sadb_ext *ext = (const void *)(p + off);
		unsigned int elen;
		u16 type;

		/* off and len are multiples of 8, so a whole header fits. */
		elen = ext->sadb_ext_len * 8;
		type = ext->sadb_ext_type;
		if (!elen || elen > len - off)
			return -EINVAL;
		if (type > NFIPSEC_SADB_EXT_MAX || !ext_min_len[type])
			return -EINVAL;
		if (elen < ext_min_len[type])
			return -EINVAL;
		if (seen & EXT(type))
			return -EINVAL;
		ret = check_ext(type, ext, elen);
		if (ret)
			return ret;
		seen |= EXT(type);
		m->ext[type] = ext;
		off += elen;
	}

	if ((seen & rule->required) != rule->required)
		return -EINVAL;
	if (seen & ~(rule->required | rule->allowed))
		return -EINVAL;
	return check_msg(m);
}

u8 nfipsec_pfkey_addr(const struct sadb_address *a, union nf_inet_addr *addr,
		      __be16 *port)
{
	const struct sockaddr *sa = (const void *)(a + 1);

	memset(addr, 0, sizeof(*addr));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		addr->ip = sin->sin_addr.s_addr;
		if (port)
			*port = sin->sin_port;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		addr->in6 = sin6->sin6_addr;
		if (port)
			*port = sin6->sin6_port;
	}
	return sa->sa_family;
}

u8 nfipsec_pfkey_sockaddr(const void *p, union nf_inet_addr *addr)
{
	const struct sockaddr *sa = p;

	memset(addr, 0, sizeof(*addr));
	if (sa->sa_family == AF_INET)
		addr->ip = ((const struct sockaddr_in *)p)->sin_addr.s_addr;
	else
		addr->in6 = ((const struct sockaddr_in6 *)p)->sin6_addr;
	return sa->sa_family;
}

u8 nfipsec_pfkey_sockaddr_pair(const void *p, union nf_inet_addr *s,
			       union nf_inet_addr *d)
{
	u8 family = nfipsec_pfkey_sockaddr(p, s);

	nfipsec_pfkey_sockaddr((const u8 *)p + sockaddr_len(family), d);
	return family;
}

void nfipsec_pfkey_put_addr(struct sk_buff *skb, u16 type, u8 family,
			    const union nf_inet_addr *addr, __be16 port,
			    u8 proto, u8 prefixlen)
{
	unsigned int size = nfipsec_pfkey_addr_size(family);
	struct sadb_address *a = skb_put_zero(skb, size);

	a->sadb_address_len = size / 8;
	a->sadb_address_exttype = type;
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = prefixlen;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (void *)(a + 1);

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = addr->ip;
	} else {
		struct sockaddr_in6 *sin6 = (void *)(a + 1);

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		sin6->sin6_addr = addr->in6;
	}
}

u8 nfipsec_pfkey_satype2proto(u8 satype)
{
	switch (satype) {
	case SADB_SATYPE_AH:
		return IPPROTO_AH;
	case SADB_SATYPE_ESP:
		return IPPROTO_ESP;
	}
	return 0;
}

u8 nfipsec_pfkey_proto2satype(u8 proto)
{
	switch (proto) {
	case IPPROTO_AH:
		return SADB_SATYPE_AH;
	case IPPROTO_ESP:
		return SADB_SATYPE_ESP;
	case IPPROTO_COMP:
		return SADB_X_SATYPE_IPCOMP;
	}
	return SADB_SATYPE_UNSPEC;
}
