/* SPDX-License-Identifier: ISC */
/*
 * PAD patterns and lookup (RFC 4301 §4.4.3).  See pad.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/pfkeyv2.h>

#include "config_int.h"
#include "id.h"
#include "pad.h"

/* "a-b" where a and b are IP addresses (of any family)? */
static int
both_addrs(const char *s)
{
	char buf[2 * INET6_ADDRSTRLEN + 2], *dash;
	uint8_t tmp[16];

	if (strlen(s) >= sizeof(buf))
		return (0);
	strcpy(buf, s);
	if ((dash = strchr(buf, '-')) == NULL)
		return (0);
	*dash++ = '\0';
	return ((inet_pton(AF_INET, buf, tmp) == 1 ||
	    inet_pton(AF_INET6, buf, tmp) == 1) &&
	    (inet_pton(AF_INET, dash, tmp) == 1 ||
	    inet_pton(AF_INET6, dash, tmp) == 1));
}

int
idpat_parse(const char *s, struct config_idpattern *pat, const char **why)
{
	size_t n = strlen(s);
	char dn[CONFIG_ID_MAX + 8];

	memset(pat, 0, sizeof(*pat));
	if (!strcmp(s, "%any") || !strcmp(s, "*")) {
		pat->match = IDMATCH_ANY;
		return (0);
	}
	if (!strncmp(s, "*.", 2)) {
		pat->match = IDMATCH_DNS_SUBTREE;
		if (id_parse(s + 2, &pat->id, why) < 0)
			return (-1);
		if (pat->id.type != IKEV2_ID_FQDN || strchr(s + 2, '*')) {
			*why = "expected *.domain";
			return (-1);
		}
		return (0);
	}
	if (!strncmp(s, "*@", 2)) {
		pat->match = IDMATCH_EMAIL_DOMAIN;
		if (strchr(s + 2, '@') || strchr(s + 2, '*') || s[2] == '\0' ||
		    id_parse(s + 2, &pat->id, why) < 0 ||
		    pat->id.type != IKEV2_ID_FQDN) {
			*why = "expected *@domain";
			return (-1);
		}
		return (0);
	}
	/* "C=CH, O=x, *": the DN without its wildcard RDN. */
	if (n >= 3 && strchr(s, '=') && s[n - 1] == '*') {
		size_t k = n - 1;

		while (k > 0 && s[k - 1] == ' ')
			k--;
		if (k == 0 || (s[k - 1] != ',' && s[k - 1] != '/') ||
		    k - 1 >= sizeof(dn)) {
			*why = "DN subtree: expected \"ATTR=value, ..., *\"";
			return (-1);
		}
		memcpy(dn, s, k - 1);
		dn[k - 1] = '\0';
		pat->match = IDMATCH_DN_SUBTREE;
		if (strncasecmp(dn, "dn:", 3) && strncasecmp(dn, "asn1dn:", 7)) {
			memmove(dn + 3, dn, k);
			memcpy(dn, "dn:", 3);
		}
		return (id_parse(dn, &pat->id, why));
	}
	if (strchr(s, '*')) {
		*why = "'*' only as *.domain, *@domain or a trailing DN RDN";
		return (-1);
	}
	/* A prefix or an address range; "a-b" only if both are addresses. */
	if ((strchr(s, '/') && !strchr(s, '=')) || both_addrs(s)) {
		if ((*why = cv_addr(s, &pat->range)) != NULL)
			return (-1);
		if (pat->range.family == AF_UNSPEC) {
			*why = "expected an address range";
			return (-1);
		}
		pat->match = IDMATCH_ADDR_RANGE;
		pat->id.type = pat->range.family == AF_INET ?
		    IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
		return (0);
	}
	pat->match = IDMATCH_EXACT;
	return (id_parse(s, &pat->id, why));
}

/* FQDN strictly below the domain: a '.'-separated label must precede. */
static int
dns_below(const struct config_id *dom, const uint8_t *name, size_t len)
{
	size_t dlen = dom->len;

	if (len < dlen + 2 || name[len - dlen - 1] != '.' ||
	    memchr(name, '\0', len) != NULL)
		return (0);
	return (id_dns_equal(name + len - dlen, dlen, dom->data, dlen));
}

int
idpat_match(const struct config_idpattern *pat, const struct config_id *peer)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const uint8_t *at;

	switch (pat->match) {
	case IDMATCH_ANY:
		return (1);
	case IDMATCH_EXACT:
		return (id_equal(&pat->id, peer));
	case IDMATCH_DNS_SUBTREE:
		return (peer->type == IKEV2_ID_FQDN &&
		    dns_below(&pat->id, peer->data, peer->len));
	case IDMATCH_EMAIL_DOMAIN:
		/* one non-empty local part: x@evil.example@domain is not */
		if (peer->type != IKEV2_ID_RFC822_ADDR ||
		    (at = memchr(peer->data, '@', peer->len)) == NULL ||
		    at == peer->data)
			return (0);
		at++;
		return (id_dns_equal(at, peer->len - (at - peer->data),
		    pat->id.data, pat->id.len));
	case IDMATCH_DN_SUBTREE:
		return (peer->type == IKEV2_ID_DER_ASN1_DN &&
		    id_dn_below(&pat->id, peer));
	case IDMATCH_ADDR_RANGE:
		memset(&ss, 0, sizeof(ss));
		if (peer->type == IKEV2_ID_IPV4_ADDR && peer->len == 4) {
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, peer->data, 4);
		} else if (peer->type == IKEV2_ID_IPV6_ADDR && peer->len == 16) {
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, peer->data, 16);
		} else {
			return (0);
		}
		return (cv_addr_contains(&pat->range, (struct sockaddr *)&ss));
	}
	return (0);
}

char *
idpat_format(const struct config_idpattern *pat, char *buf, size_t len)
{
	char id[ID_TEXT_MAX], lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	const void *a, *b;

	switch (pat->match) {
	case IDMATCH_ANY:
		snprintf(buf, len, "%%any");
		break;
	case IDMATCH_DNS_SUBTREE:
		snprintf(buf, len, "*.%s", id_format(&pat->id, id, sizeof(id)));
		break;
	case IDMATCH_EMAIL_DOMAIN:
		snprintf(buf, len, "*@%s", id_format(&pat->id, id, sizeof(id)));
		break;
	case IDMATCH_DN_SUBTREE:
		snprintf(buf, len, "%s, *", id_format(&pat->id, id, sizeof(id)));
		break;
	case IDMATCH_ADDR_RANGE:
		if (pat->range.family == AF_INET) {
			a = &((const struct sockaddr_in *)&pat->range.lo)->sin_addr;
			b = &((const struct sockaddr_in *)&pat->range.hi)->sin_addr;
		} else {
			a = &((const struct sockaddr_in6 *)&pat->range.lo)->sin6_addr;
			b = &((const struct sockaddr_in6 *)&pat->range.hi)->sin6_addr;
		}
		inet_ntop(pat->range.family, a, lo, sizeof(lo));
		inet_ntop(pat->range.family, b, hi, sizeof(hi));
		snprintf(buf, len, "%s-%s", lo, hi);
		break;
	default:
		id_format(&pat->id, buf, len);
		break;
	}
	return (buf);
}

int
idpat_name(const struct config_idpattern *pat, char *buf, size_t len,
    uint8_t *type)
{
	const struct config_id *id = &pat->id;
	const char *pre = "*";
	int n;

	switch (pat->match) {
	case IDMATCH_ANY:
		*type = 0;
		pre = "";
		snprintf(buf, len, "*");
		return (0);
	case IDMATCH_DNS_SUBTREE:
		*type = SADB_IDENTTYPE_FQDN;
		pre = "*.";
		break;
	case IDMATCH_EMAIL_DOMAIN:
		/* the kernel's "*@" also wants one local part without '@' */
		*type = SADB_IDENTTYPE_USERFQDN;
		pre = "*@";
		break;
	case IDMATCH_EXACT:
		if (id->type != IKEV2_ID_FQDN && id->type != IKEV2_ID_RFC822_ADDR)
			return (-1);
		*type = id->type == IKEV2_ID_FQDN ? SADB_IDENTTYPE_FQDN :
		    SADB_IDENTTYPE_USERFQDN;
		pre = "";
		break;
	default:
		return (-1);	/* DNs, addresses: PF_KEY names are strings */
	}
	/* a '*' of its own would be a wildcard to the kernel */
	if (memchr(id->data, '*', id->len) || memchr(id->data, '\0', id->len))
		return (-1);
	n = snprintf(buf, len, "%s%.*s", pre, (int)id->len,
	    (const char *)id->data);
	return (n < 0 || (size_t)n >= len || n > NAME_SEL_MAX ? -1 : 0);
}

const struct config_pad *
pad_lookup(const struct keyd_config *cfg, const struct config_id *peer,
    const struct sockaddr *peer_addr)
{
	const struct config_pad *p;
	int i, j;

	for (i = 0; i < cfg->npad; i++) {
		p = &cfg->pad[i];
		if (!idpat_match(&p->idpat, peer))
			continue;
		if (p->naddrs == 0)
			return (p);
		for (j = 0; j < p->naddrs && peer_addr != NULL; j++)
			if (cv_addr_contains(&p->addrs[j], peer_addr))
				return (p);
	}
	return (NULL);
}

/* The TS's addresses as a config_addr; 0 or -1 if malformed. */
static int
ts_range(const struct ikev2_ts_p *ts, struct config_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ts->type == IKEV2_TS_IPV4_ADDR_RANGE && ts->alen == 4) {
		a->family = AF_INET;
		a->lo.ss_family = a->hi.ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&a->lo)->sin_addr, ts->start, 4);
		memcpy(&((struct sockaddr_in *)&a->hi)->sin_addr, ts->end, 4);
		return (0);
	}
	if (ts->type == IKEV2_TS_IPV6_ADDR_RANGE && ts->alen == 16) {
		a->family = AF_INET6;
		a->lo.ss_family = a->hi.ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&a->lo)->sin6_addr, ts->start, 16);
		memcpy(&((struct sockaddr_in6 *)&a->hi)->sin6_addr, ts->end, 16);
		return (0);
	}
	return (-1);
}

int
pad_ts_allowed(const struct config_pad *p, const struct ikev2_ts_p *ts,
    const struct sockaddr *peer_addr)
{
	const struct config_ts *c;
	struct config_addr want, dyn;
	int i;

	if (ts_range(ts, &want) < 0)
		return (0);
	if (p->nts == 0)
		return (1);
	for (i = 0; i < p->nts; i++) {
		c = &p->ts[i];
		if (c->proto != 0 && c->proto != ts->proto)
			continue;
		if (ts->sport < c->port_lo || ts->eport > c->port_hi)
			continue;
		if (c->dynamic) {
			if (peer_addr == NULL || peer_addr->sa_family != want.family)
				continue;
			memset(&dyn, 0, sizeof(dyn));
			dyn.family = want.family;
			memcpy(&dyn.lo, peer_addr, want.family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6));
			dyn.hi = dyn.lo;
			if (cv_addr_contains(&dyn, (struct sockaddr *)&want.lo) &&
			    cv_addr_contains(&dyn, (struct sockaddr *)&want.hi))
				return (1);
			continue;
		}
		if (c->addr.family == want.family &&
		    cv_addr_contains(&c->addr, (struct sockaddr *)&want.lo) &&
		    cv_addr_contains(&c->addr, (struct sockaddr *)&want.hi))
			return (1);
	}
	return (0);
}

static int
has_ports(uint8_t proto)
{
	return (proto == 6 || proto == 17 || proto == 132);
}

int
pad_pfp_ts(int pfp, int local, const struct config_ts *ts,
    const struct sockaddr *addr, uint8_t proto, uint16_t port,
    struct config_ts *out)
{
	int pfp_addr = local ? PFP_LOCAL_ADDR : PFP_REMOTE_ADDR;
	int pfp_port = local ? PFP_LOCAL_PORT : PFP_REMOTE_PORT;

	*out = *ts;
	if (ts->dynamic)
		return (0);
	/* the packet must be one the policy covers */
	if (!cv_addr_contains(&ts->addr, addr) ||
	    (ts->proto != 0 && ts->proto != proto) ||
	    (ts->proto != 0 && has_ports(proto) &&
	    (port < ts->port_lo || port > ts->port_hi)))
		return (-1);
	if (pfp & pfp_addr) {
		memset(&out->addr.lo, 0, sizeof(out->addr.lo));
		memcpy(&out->addr.lo, addr, addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		out->addr.hi = out->addr.lo;
	}
	if (pfp & PFP_PROTO)
		out->proto = proto;
	if ((pfp & pfp_port) && has_ports(proto) && out->proto == proto) {
		out->port_lo = port;
		out->port_hi = port;
	}
	return (0);
}
