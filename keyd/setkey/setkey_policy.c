/*
 * Policy strings, as libipsec's ipsec_set_policy() reads them:
 *
 *   in|out|fwd [priority|prio SPEC] discard|none|entrust|bypass
 *   in|out|fwd [priority|prio SPEC] ipsec REQUEST...
 *   in|out|fwd                        (spddelete: direction only)
 *
 *   SPEC     low|def|high [+|- N]  or  [-]N  (an offset from def;
 *            a higher priority is a smaller number)
 *   REQUEST  proto/mode[/src-dst[/level]]   e.g. esp/transport//require,
 *            esp/tunnel/10.0.0.1-10.0.0.2/unique:7, ah/transport/
 *
 * The result is one sadb_x_policy extension with its sadb_x_ipsecrequests;
 * request addresses are bare sockaddrs, as Linux af_key reads them.
 */
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "setkey.h"

static const char *dirs[] = { "any", "in", "out", "fwd" };
static const char *actions[] = { "discard", "none", "ipsec", "entrust",
    "bypass" };
static const char *levels[] = { "default", "use", "require", "unique" };

static int
lookup(const char **names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

#define LOOKUP(tab, s)	lookup(tab, sizeof(tab) / sizeof(tab[0]), s)

static int
digits(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v <= 0x3fffffffUL ? 0 : -1;
}

/*
 * Everything between "priority" and the action, spaces removed, e.g.
 * "def+10", "low", "-5", "100".
 */
static int
priority(const char *spec, uint32_t *prio)
{
	static const struct { const char *n; uint32_t v; } bases[] = {
		{ "low", SK_PRIO_LOW }, { "def", SK_PRIO_DEF },
		{ "high", SK_PRIO_HIGH },
	};
	uint32_t base = SK_PRIO_DEF;
	unsigned long off;
	size_t i;
	int sign;

	for (i = 0; i < 3; i++) {
		size_t l = strlen(bases[i].n);

		if (strncmp(spec, bases[i].n, l) == 0) {
			base = bases[i].v;
			spec += l;
			if (*spec == '\0') {
				*prio = base;
				return 0;
			}
			if (*spec != '+' && *spec != '-')
				return -1;
			break;
		}
	}
	/* A bare number is an offset from def: bigger means sooner. */
	sign = *spec == '-' ? -1 : 1;
	if (*spec == '+' || *spec == '-')
		spec++;
	if (digits(spec, &off) < 0)
		return -1;
	*prio = sign > 0 ? base - (uint32_t)off : base + (uint32_t)off;
	return 0;
}

/* "addr" or "addr[port]" into a sockaddr, numeric only as in libipsec. */
static int
req_addr(char *s, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char *port = NULL, *b;

	if ((b = strchr(s, '[')) != NULL) {
		*b = '\0';
		port = b + 1;
		if ((b = strchr(port, ']')) == NULL || b[1] != '\0') {
			snprintf(err, errlen, "bad port in %s", s);
			return -1;
		}
		*b = '\0';
	}
	return sk_parse_addr(s, port, 0, 1, ss, err, errlen);
}

static int
request(char *tok, int dir, uint8_t *out, size_t cap, size_t *off,
    char *err, size_t errlen)
{
	struct sadb_x_ipsecrequest rq;
	struct sockaddr_storage src, dst;
	char *f[4] = { NULL, NULL, NULL, NULL }, *s = tok, *dash;
	size_t nf = 0, slen = 0, dlen = 0;
	unsigned long reqid;
	int have_addr = 0;

	while (nf < 4) {
		f[nf++] = s;
		if ((s = strchr(s, '/')) == NULL)
			break;
		*s++ = '\0';
	}
	if (s != NULL) {
		snprintf(err, errlen, "too many '/' in request");
		return -1;
	}
	if (nf < 2 || f[1][0] == '\0') {
		snprintf(err, errlen, "request %s needs protocol/mode", f[0]);
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	if (strcmp(f[0], "esp") == 0)
		rq.sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	else if (strcmp(f[0], "ah") == 0)
		rq.sadb_x_ipsecrequest_proto = IPPROTO_AH;
	else if (strcmp(f[0], "ipcomp") == 0)
		rq.sadb_x_ipsecrequest_proto = IPPROTO_COMP;
	else {
		snprintf(err, errlen, "unknown protocol %s in request", f[0]);
		return -1;
	}
	if (strcmp(f[1], "transport") == 0)
		rq.sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	else if (strcmp(f[1], "tunnel") == 0)
		rq.sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	else {
		snprintf(err, errlen, "bad mode %s (transport or tunnel)",
		    f[1]);
		return -1;
	}
	if (nf > 2 && f[2][0] != '\0' && strcmp(f[2], "me-any") != 0 &&
	    strcmp(f[2], "any-me") != 0) {
		if ((dash = strchr(f[2], '-')) == NULL) {
			snprintf(err, errlen, "endpoints %s are not src-dst",
			    f[2]);
			return -1;
		}
		*dash = '\0';
		if (req_addr(f[2], &src, err, errlen) < 0 ||
		    req_addr(dash + 1, &dst, err, errlen) < 0)
			return -1;
		if (src.ss_family != dst.ss_family) {
			snprintf(err, errlen, "endpoint families differ");
			return -1;
		}
		slen = sk_sockaddr_len((struct sockaddr *)&src);
		dlen = sk_sockaddr_len((struct sockaddr *)&dst);
		have_addr = 1;
	} else if (nf > 2 && strcmp(f[2], "me-any") == 0 &&
	    dir != IPSEC_DIR_OUTBOUND) {
		snprintf(err, errlen, "me-any is for out policies");
		return -1;
	} else if (nf > 2 && strcmp(f[2], "any-me") == 0 &&
	    dir != IPSEC_DIR_INBOUND) {
		snprintf(err, errlen, "any-me is for in policies");
		return -1;
	}
	if (!have_addr && rq.sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL) {
		snprintf(err, errlen, "tunnel mode needs src-dst endpoints");
		return -1;
	}
	if (nf > 3 && f[3][0] != '\0') {
		int l = LOOKUP(levels, f[3]);

		if (l >= 0)
			rq.sadb_x_ipsecrequest_level = l;
		else if (strncmp(f[3], "unique:", 7) == 0 &&
		    digits(f[3] + 7, &reqid) == 0) {
			rq.sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
			rq.sadb_x_ipsecrequest_reqid = reqid;
		} else {
			snprintf(err, errlen, "bad level %s (default, use, "
			    "require, unique[:N])", f[3]);
			return -1;
		}
	}
	rq.sadb_x_ipsecrequest_len = sizeof(rq) + slen + dlen;
	if (*off + rq.sadb_x_ipsecrequest_len > cap) {
		snprintf(err, errlen, "too many requests");
		return -1;
	}
	memcpy(out + *off, &rq, sizeof(rq));
	memcpy(out + *off + sizeof(rq), &src, slen);
	memcpy(out + *off + sizeof(rq) + slen, &dst, dlen);
	*off += rq.sadb_x_ipsecrequest_len;
	return 0;
}

int
sk_policy_parse(const char *text, uint8_t *out, size_t cap, size_t *outlen,
    char *err, size_t errlen)
{
	struct sadb_x_policy *xp = (struct sadb_x_policy *)out;
	char buf[1024], spec[64] = "", *save, *t;
	size_t off = sizeof(*xp);
	int dir, action = -1, have_prio = 0;
	uint32_t prio = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	if ((t = strtok_r(buf, " ", &save)) == NULL) {
		snprintf(err, errlen, "empty policy");
		return -1;
	}
	if ((dir = LOOKUP(dirs, t)) <= 0) {
		snprintf(err, errlen, "bad direction %s (in, out or fwd)", t);
		return -1;
	}
	t = strtok_r(NULL, " ", &save);
	if (t && (strcmp(t, "priority") == 0 || strcmp(t, "prio") == 0)) {
		spec[0] = '\0';
		while ((t = strtok_r(NULL, " ", &save)) != NULL &&
		    LOOKUP(actions, t) < 0)
			if (strlen(spec) + strlen(t) < sizeof(spec))
				strcat(spec, t);
		if (priority(spec, &prio) < 0) {
			snprintf(err, errlen, "bad priority '%s'", spec);
			return -1;
		}
		have_prio = 1;
		if (t == NULL) {
			snprintf(err, errlen, "no action after the priority");
			return -1;
		}
	}
	if (t != NULL) {
		if ((action = LOOKUP(actions, t)) < 0) {
			snprintf(err, errlen, "bad action %s (discard, none, "
			    "ipsec, entrust or bypass)", t);
			return -1;
		}
		if (!have_prio)
			prio = SK_PRIO_DEF;	/* as libipsec on Linux */
	}
	memset(xp, 0, sizeof(*xp));
	xp->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	xp->sadb_x_policy_type = action < 0 ? IPSEC_POLICY_DISCARD : action;
	xp->sadb_x_policy_dir = dir;
	xp->sadb_x_policy_priority = prio;
	while ((t = strtok_r(NULL, " ", &save)) != NULL) {
		if (action != IPSEC_POLICY_IPSEC) {
			snprintf(err, errlen, "requests (%s) need the ipsec "
			    "action", t);
			return -1;
		}
		if (request(t, dir, out, cap, &off, err, errlen) < 0)
			return -1;
	}
	if (off % 8) {
		/* Mixed families could leave a ragged end; pad it. */
		if (off + 8 - off % 8 > cap) {
			snprintf(err, errlen, "too many requests");
			return -1;
		}
		memset(out + off, 0, 8 - off % 8);
		off += 8 - off % 8;
	}
	xp->sadb_x_policy_len = off / 8;
	*outlen = off;
	return 0;
}

static void
print_addr(FILE *fp, const struct sockaddr *sa)
{
	char host[NI_MAXHOST];

	if (getnameinfo(sa, sk_sockaddr_len(sa), host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	fputs(host, fp);
}

/* One policy as setkey -DP shows it; requests are joined by delim. */
void
sk_policy_print(FILE *fp, const struct sadb_x_policy *xp, size_t len,
    const char *delim)
{
	static const char *bname[] = { "high", "def", "low" };
	static const uint32_t bval[] = { SK_PRIO_HIGH, SK_PRIO_DEF,
	    SK_PRIO_LOW };
	const struct sadb_x_ipsecrequest *rq;
	const uint8_t *p = (const uint8_t *)(xp + 1), *end;
	uint32_t prio = xp->sadb_x_policy_priority;
	int64_t d, best = INT64_MAX;
	size_t i, bi = 1;

	end = (const uint8_t *)xp + len;
	fprintf(fp, "%s", xp->sadb_x_policy_dir < 4 ?
	    dirs[xp->sadb_x_policy_dir] : "?");
	if (prio != 0) {
		for (i = 0; i < 3; i++) {
			d = (int64_t)prio - bval[i];
			if (llabs(d) < llabs(best)) {
				best = d;
				bi = i;
			}
		}
		fprintf(fp, " prio %s", bname[bi]);
		if (best > 0)
			fprintf(fp, " - %lld", (long long)best);
		else if (best < 0)
			fprintf(fp, " + %lld", (long long)-best);
	}
	fprintf(fp, " %s", xp->sadb_x_policy_type < 5 ?
	    actions[xp->sadb_x_policy_type] : "?");
	while (p + sizeof(*rq) <= end) {
		const struct sockaddr *sa;

		rq = (const struct sadb_x_ipsecrequest *)p;
		if (rq->sadb_x_ipsecrequest_len < sizeof(*rq) ||
		    p + rq->sadb_x_ipsecrequest_len > end)
			break;
		fprintf(fp, "%s%s/%s/", delim,
		    rq->sadb_x_ipsecrequest_proto == IPPROTO_ESP ? "esp" :
		    rq->sadb_x_ipsecrequest_proto == IPPROTO_AH ? "ah" :
		    rq->sadb_x_ipsecrequest_proto == IPPROTO_COMP ? "ipcomp" :
		    "?",
		    rq->sadb_x_ipsecrequest_mode == IPSEC_MODE_TRANSPORT ?
		    "transport" : rq->sadb_x_ipsecrequest_mode ==
		    IPSEC_MODE_TUNNEL ? "tunnel" : "any");
		sa = (const struct sockaddr *)(rq + 1);
		/* Both endpoints must lie inside the request, whatever
		 * their families claim. */
		if (rq->sadb_x_ipsecrequest_len >= sizeof(*rq) + 2 * 16) {
			const struct sockaddr *da = (const struct sockaddr *)
			    ((const uint8_t *)sa + sk_sockaddr_len(sa));

			if (sizeof(*rq) + sk_sockaddr_len(sa) + 16 <=
			    rq->sadb_x_ipsecrequest_len &&
			    sizeof(*rq) + sk_sockaddr_len(sa) +
			    sk_sockaddr_len(da) <= rq->sadb_x_ipsecrequest_len) {
				print_addr(fp, sa);
				fputc('-', fp);
				print_addr(fp, da);
			} else
				fputs("?-?", fp);
		}
		fprintf(fp, "/%s", rq->sadb_x_ipsecrequest_level < 4 ?
		    levels[rq->sadb_x_ipsecrequest_level] : "?");
		/* As libipsec: ':' for a reqid one could have typed, '#'
		 * for one the kernel chose (above IPSEC_MANUAL_REQID_MAX). */
		if (rq->sadb_x_ipsecrequest_reqid)
			fprintf(fp, "%c%u", rq->sadb_x_ipsecrequest_reqid >
			    IPSEC_MANUAL_REQID_MAX ? '#' : ':',
			    rq->sadb_x_ipsecrequest_reqid);
		p += rq->sadb_x_ipsecrequest_len;
	}
}
