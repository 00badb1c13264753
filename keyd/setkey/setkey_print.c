/*
 * Output: setkey -D and -DP in KAME's layout (scripts grep it), and a
 * plain decoder of any PF_KEY message for -x and -v.  Messages come from
 * the kernel, so each is indexed (bounds-checked) before a field is read.
 */
#include <netdb.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "setkey.h"

static const char *
satype_name(unsigned int t)
{
	switch (t) {
	case SADB_SATYPE_UNSPEC:	return "unspec";
	case SADB_SATYPE_AH:		return "ah";
	case SADB_SATYPE_ESP:		return "esp";
	case SADB_X_SATYPE_IPCOMP:	return "ipcomp";
	default:			return "?";
	}
}

static const char *
mode_name(unsigned int m)
{
	static const char *n[] = { "any", "transport", "tunnel", "beet" };

	return m < 4 ? n[m] : "?";
}

static const char *
state_name(unsigned int s)
{
	static const char *n[] = { "larval", "mature", "dying", "dead" };

	return s < 4 ? n[s] : "?";
}

/* The sockaddr after an address extension, if it fits; else NULL. */
static const struct sockaddr *
ext_sockaddr(const struct sadb_ext *e)
{
	const struct sockaddr *sa;
	size_t len;

	if (e == NULL)
		return NULL;
	sa = (const struct sockaddr *)((const struct sadb_address *)e + 1);
	len = (size_t)e->sadb_ext_len * 8 - sizeof(struct sadb_address);
	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    sk_sockaddr_len(sa) > len)
		return NULL;
	return sa;
}

static const char *
addr_str(const struct sockaddr *sa)
{
	static char buf[NI_MAXHOST];

	if (sa == NULL || getnameinfo(sa, sk_sockaddr_len(sa), buf,
	    sizeof(buf), NULL, 0, NI_NUMERICHOST) != 0)
		return "?";
	return buf;
}

static unsigned int
addr_port(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

/*
 * ctime without the weekday, or blanks for "never", as KAME.  Not ctime()
 * itself: glibc's ctime/localtime stat /etc/localtime on every call, three
 * per SA here, which made `setkey -D` of 100k SAs take over half an hour
 * in the VM (its root is 9p); localtime_r reads the zone once.
 */
static const char *
time_str(uint64_t t)
{
	static char buf[32];
	time_t tt = t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(buf, sizeof(buf), "%20s", "");
	return buf;
}

static void
hexdump(FILE *fp, const struct sadb_ext *e)
{
	const struct sadb_key *k = (const struct sadb_key *)e;
	const uint8_t *p = (const uint8_t *)(k + 1);
	size_t i, n = (k->sadb_key_bits + 7) / 8;

	if (n > (size_t)e->sadb_ext_len * 8 - sizeof(*k))
		n = (size_t)e->sadb_ext_len * 8 - sizeof(*k);
	for (i = 0; i < n; i++) {
		if (i && i % 32 == 0)
			fputs("\n\t  ", fp);
		if (i % 4 == 0)
			fputc(' ', fp);
		fprintf(fp, "%02x", p[i]);
	}
}

/* "[port]" from a NAT-T port extension, as KAME shows esp-udp SAs. */
static void
natt_port(FILE *fp, const struct sadb_ext *e)
{
	if (e != NULL && e->sadb_ext_len * 8 >= sizeof(struct sadb_x_nat_t_port))
		fprintf(fp, "[%u]", ntohs(((const struct sadb_x_nat_t_port *)
		    e)->sadb_x_nat_t_port_port));
}

#define LT(e, f)	((e) ? (unsigned long long) \
	((const struct sadb_lifetime *)(e))->f : 0ULL)

/* One SA as `setkey -D` prints it. */
void
sk_print_sa(FILE *fp, const struct sadb_msg *m, size_t len)
{
	const struct sadb_ext *x[SK_EXT_SLOTS];
	const struct sadb_sa *sa;
	const struct sadb_x_sa2 *sa2;
	const struct sadb_ext *c, *h, *s;
	const char *name;
	char err[128];
	time_t now;
	int natt;

	if (sk_msg_index(m, len, x, err, sizeof(err)) < 0) {
		fprintf(fp, "bad message: %s\n", err);
		return;
	}
	sa = (const struct sadb_sa *)x[SADB_EXT_SA];
	sa2 = (const struct sadb_x_sa2 *)x[SADB_X_EXT_SA2];
	if (!sa || !x[SADB_EXT_ADDRESS_SRC] || !x[SADB_EXT_ADDRESS_DST]) {
		fprintf(fp, "SA message without SA or addresses\n");
		return;
	}
	natt = x[SADB_X_EXT_NAT_T_TYPE] && ((const struct sadb_x_nat_t_type *)
	    x[SADB_X_EXT_NAT_T_TYPE])->sadb_x_nat_t_type_type;
	fprintf(fp, "%s", addr_str(ext_sockaddr(x[SADB_EXT_ADDRESS_SRC])));
	natt_port(fp, natt ? x[SADB_X_EXT_NAT_T_SPORT] : NULL);
	fprintf(fp, " %s", addr_str(ext_sockaddr(x[SADB_EXT_ADDRESS_DST])));
	natt_port(fp, natt ? x[SADB_X_EXT_NAT_T_DPORT] : NULL);
	fprintf(fp, " \n\t%s mode=%s spi=%u(0x%08x) reqid=%u(0x%08x)\n",
	    natt && m->sadb_msg_satype == SADB_SATYPE_ESP ? "esp-udp" :
	    satype_name(m->sadb_msg_satype),
	    mode_name(sa2 ? sa2->sadb_x_sa2_mode : 0),
	    ntohl(sa->sadb_sa_spi), ntohl(sa->sadb_sa_spi),
	    sa2 ? sa2->sadb_x_sa2_reqid : 0, sa2 ? sa2->sadb_x_sa2_reqid : 0);
	if (natt && x[SADB_X_EXT_NAT_T_OA] &&
	    ext_sockaddr(x[SADB_X_EXT_NAT_T_OA]))
		fprintf(fp, "\tNAT OA=%s\n",
		    addr_str(ext_sockaddr(x[SADB_X_EXT_NAT_T_OA])));
	if (m->sadb_msg_satype == SADB_X_SATYPE_IPCOMP) {
		name = sk_alg_name(SK_ALG_COMP, sa->sadb_sa_encrypt);
		fprintf(fp, "\tC: %s\n", name ? name : "?");
	} else if (x[SADB_EXT_KEY_ENCRYPT]) {
		name = sk_alg_name(SK_ALG_ENC, sa->sadb_sa_encrypt);
		fprintf(fp, "\tE: %s ", name ? name : "?");
		hexdump(fp, x[SADB_EXT_KEY_ENCRYPT]);
		fputc('\n', fp);
	}
	if (x[SADB_EXT_KEY_AUTH]) {
		name = sk_alg_name(SK_ALG_AUTH, sa->sadb_sa_auth);
		fprintf(fp, "\tA: %s ", name ? name : "?");
		hexdump(fp, x[SADB_EXT_KEY_AUTH]);
		fputc('\n', fp);
	}
	/* KAME's trailing blank after the state is kept: scripts match it. */
	fprintf(fp, "\tseq=0x%08x replay=%u flags=0x%08x state=%s \n",
	    sa2 ? sa2->sadb_x_sa2_sequence : 0, sa->sadb_sa_replay,
	    sa->sadb_sa_flags, state_name(sa->sadb_sa_state));
	c = x[SADB_EXT_LIFETIME_CURRENT];
	h = x[SADB_EXT_LIFETIME_HARD];
	s = x[SADB_EXT_LIFETIME_SOFT];
	if (c) {
		now = time(NULL);
		fprintf(fp, "\tcreated: %s", time_str(LT(c, sadb_lifetime_addtime)));
		fprintf(fp, "\tcurrent: %s\n", time_str(now));
		fprintf(fp, "\tdiff: %llu(s)\thard: %llu(s)\tsoft: %llu(s)\n",
		    LT(c, sadb_lifetime_addtime) ? (unsigned long long)now -
		    LT(c, sadb_lifetime_addtime) : 0ULL,
		    LT(h, sadb_lifetime_addtime), LT(s, sadb_lifetime_addtime));
		fprintf(fp, "\tlast: %s", time_str(LT(c, sadb_lifetime_usetime)));
		fprintf(fp, "\thard: %llu(s)\tsoft: %llu(s)\n",
		    LT(h, sadb_lifetime_usetime), LT(s, sadb_lifetime_usetime));
		fprintf(fp, "\tcurrent: %llu(bytes)\thard: %llu(bytes)\t"
		    "soft: %llu(bytes)\n", LT(c, sadb_lifetime_bytes),
		    LT(h, sadb_lifetime_bytes), LT(s, sadb_lifetime_bytes));
		fprintf(fp, "\tallocated: %llu\thard: %llu\tsoft: %llu\n",
		    LT(c, sadb_lifetime_allocations),
		    LT(h, sadb_lifetime_allocations),
		    LT(s, sadb_lifetime_allocations));
	}
	fprintf(fp, "\tsadb_seq=%u pid=%u refcnt=%u\n", m->sadb_msg_seq,
	    m->sadb_msg_pid, m->sadb_msg_reserved);
}

/* "/prefix[port]" after an address: prefix only when not a host. */
static void
prefport(FILE *fp, const struct sockaddr *sa, unsigned int plen,
    unsigned int ulp)
{
	unsigned int full = sa && sa->sa_family == AF_INET6 ? 128 : 32;
	unsigned int port = addr_port(sa);

	if (plen != full)
		fprintf(fp, "/%u", plen);
	if (ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 || ulp == IPPROTO_MH)
		return;		/* the ports hold type and code */
	if (port == 0)
		fputs("[any]", fp);
	else
		fprintf(fp, "[%u]", port);
}

/* One policy as `setkey -DP` prints it. */
void
sk_print_sp(FILE *fp, const struct sadb_msg *m, size_t len)
{
	const struct sadb_ext *x[SK_EXT_SLOTS];
	const struct sadb_address *sad, *dad;
	const struct sadb_x_policy *xp;
	const struct sockaddr *ss, *ds;
	struct protoent *pe;
	char err[128];
	unsigned int ulp;

	if (sk_msg_index(m, len, x, err, sizeof(err)) < 0) {
		fprintf(fp, "bad message: %s\n", err);
		return;
	}
	xp = (const struct sadb_x_policy *)x[SADB_X_EXT_POLICY];
	sad = (const struct sadb_address *)x[SADB_EXT_ADDRESS_SRC];
	dad = (const struct sadb_address *)x[SADB_EXT_ADDRESS_DST];
	if (xp == NULL) {
		fprintf(fp, "policy message without a policy\n");
		return;
	}
	ss = ext_sockaddr(x[SADB_EXT_ADDRESS_SRC]);
	ds = ext_sockaddr(x[SADB_EXT_ADDRESS_DST]);
	/* Linux numbers per-socket policies with id % 8 >= 3. */
	if (xp->sadb_x_policy_id % 8 >= 3)
		fputs("(per-socket policy) ", fp);
	else if (ss && ds) {
		ulp = sad->sadb_address_proto;
		fprintf(fp, "%s", addr_str(ss));
		prefport(fp, ss, sad->sadb_address_prefixlen, ulp);
		fprintf(fp, " %s", addr_str(ds));
		prefport(fp, ds, dad->sadb_address_prefixlen, ulp);
		if (ulp == IPSEC_ULPROTO_ANY)
			fputs(" any", fp);
		else if ((pe = getprotobynumber(ulp)) != NULL)
			fprintf(fp, " %s", pe->p_name);
		else
			fprintf(fp, " %u", ulp);
		if ((ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 ||
		    ulp == IPPROTO_MH) && (addr_port(ss) || addr_port(ds)))
			fprintf(fp, " %u,%u", addr_port(ss), addr_port(ds));
	} else
		fputs("(no selector, probably per-socket policy) ", fp);
	fputs("\n\t", fp);
	sk_policy_print(fp, xp, (size_t)xp->sadb_x_policy_len * 8, "\n\t");
	fputc('\n', fp);
	if (x[SADB_EXT_LIFETIME_CURRENT]) {
		fprintf(fp, "\tcreated: %s  ", time_str(LT(
		    x[SADB_EXT_LIFETIME_CURRENT], sadb_lifetime_addtime)));
		fprintf(fp, "lastused: %s\n", time_str(LT(
		    x[SADB_EXT_LIFETIME_CURRENT], sadb_lifetime_usetime)));
	}
	if (x[SADB_EXT_LIFETIME_HARD])
		fprintf(fp, "\tlifetime: %llu(s) validtime: %llu(s)\n",
		    LT(x[SADB_EXT_LIFETIME_HARD], sadb_lifetime_addtime),
		    LT(x[SADB_EXT_LIFETIME_HARD], sadb_lifetime_usetime));
	fprintf(fp, "\tspid=%u seq=%u pid=%u\n", xp->sadb_x_policy_id,
	    m->sadb_msg_seq, m->sadb_msg_pid);
	fprintf(fp, "\trefcnt=%u\n", m->sadb_msg_reserved);
}

static const char *
ext_name(unsigned int t)
{
	static const char *n[] = { "reserved", "sa", "lifetime_current",
	    "lifetime_hard", "lifetime_soft", "address_src", "address_dst",
	    "address_proxy", "key_auth", "key_encrypt", "identity_src",
	    "identity_dst", "sensitivity", "proposal", "supported_auth",
	    "supported_encrypt", "spirange", "x_kmprivate", "x_policy",
	    "x_sa2", "x_nat_t_type", "x_nat_t_sport", "x_nat_t_dport",
	    "x_nat_t_oa", "x_sec_ctx", "x_kmaddress", "x_filter" };

	if (t < sizeof(n) / sizeof(n[0]))
		return n[t];
	if (t == NFIPSEC_SADB_X_EXT_TUNNEL_HDR)
		return "x_tunnel_hdr";
	if (t == NFIPSEC_SADB_X_EXT_TFC)
		return "x_tfc";
	return t == NFIPSEC_SADB_X_EXT_SA_REPLAY ? "x_sa_replay" : "?";
}

/* Any message, field by field, for -x and -v. */
void
sk_print_raw(FILE *fp, const char *dir, const struct sadb_msg *m, size_t len)
{
	const uint8_t *p = (const uint8_t *)m;
	const struct sadb_ext *e;
	size_t off, elen, i;

	fprintf(fp, "%s: sadb_msg{ version=%u type=%u errno=%u satype=%u "
	    "len=%u reserved=%u seq=%u pid=%u }\n", dir, m->sadb_msg_version,
	    m->sadb_msg_type, m->sadb_msg_errno, m->sadb_msg_satype,
	    m->sadb_msg_len, m->sadb_msg_reserved, m->sadb_msg_seq,
	    m->sadb_msg_pid);
	for (off = sizeof(*m); off + sizeof(*e) <= len; off += elen) {
		e = (const struct sadb_ext *)(p + off);
		elen = (size_t)e->sadb_ext_len * 8;
		if (elen < sizeof(*e) || elen > len - off) {
			fprintf(fp, "  <bad extension length %zu>\n", elen);
			break;
		}
		fprintf(fp, "  %s(%u) len=%zu:", ext_name(e->sadb_ext_type),
		    e->sadb_ext_type, elen);
		for (i = sizeof(*e); i < elen; i++)
			fprintf(fp, "%s%02x", (i % 4) ? "" : " ", p[off + i]);
		fputc('\n', fp);
		if ((e->sadb_ext_type == SADB_EXT_ADDRESS_SRC ||
		    e->sadb_ext_type == SADB_EXT_ADDRESS_DST) &&
		    elen >= sizeof(struct sadb_address) + 16 && ext_sockaddr(e))
			fprintf(fp, "    address %s port %u\n",
			    addr_str(ext_sockaddr(e)),
			    addr_port(ext_sockaddr(e)));
	}
}
