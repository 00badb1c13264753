/*
 * The SPD commands' pieces (spdadd, spdupdate, spddelete): the
 * upper-layer protocol and the -P policy.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "setkey_parse.h"

/*
 * Upper-layer protocol: a name or number, "any", and for icmp/icmp6/mh an
 * optional "type[,code]", which KAME carries in the source and destination
 * ports of the selector.
 */
static const struct { const char *name; uint8_t proto; } ulprotos[] = {
	{ "any", IPSEC_ULPROTO_ANY }, { "icmp", IPPROTO_ICMP },
	{ "igmp", IPPROTO_IGMP }, { "ip4", IPPROTO_IPIP },
	{ "ipencap", IPPROTO_IPIP }, { "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP }, { "ipv6", IPPROTO_IPV6 },
	{ "gre", IPPROTO_GRE }, { "esp", IPPROTO_ESP }, { "ah", IPPROTO_AH },
	{ "icmp6", IPPROTO_ICMPV6 }, { "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "ipcomp", IPPROTO_COMP }, { "sctp", IPPROTO_SCTP },
	{ "mh", IPPROTO_MH }, { "ipv6-mh", IPPROTO_MH },
	{ "udplite", IPPROTO_UDPLITE },
};

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

int
sk_parse_upper(struct sk_parser *p, struct sk_cmd *c)
{
	unsigned long long v, type, code;
	struct protoent *pe;
	const char *w;
	size_t i;
	char *end;

	if ((w = sk_word(p, "an upper-layer protocol")) == NULL)
		return -1;
	for (i = 0; i < sizeof(ulprotos) / sizeof(ulprotos[0]); i++)
		if (strcmp(w, ulprotos[i].name) == 0)
			break;
	if (i < sizeof(ulprotos) / sizeof(ulprotos[0]))
		c->ulproto = ulprotos[i].proto;
	else if (sk_number(w, 255, &v) == 0)
		c->ulproto = v;
	else if ((pe = getprotobyname(w)) != NULL)
		c->ulproto = pe->p_proto;
	else
		return sk_perr(p, "unknown upper-layer protocol %s", w);

	if (c->ulproto != IPPROTO_ICMP && c->ulproto != IPPROTO_ICMPV6 &&
	    c->ulproto != IPPROTO_MH)
		return 0;
	if (sk_lex_next(p->lx) != SK_T_WORD || p->lx->text[0] == '-') {
		sk_lex_unget(p->lx);
		return 0;
	}
	w = p->lx->text;
	errno = 0;
	type = strtoull(w, &end, 10);
	code = 0;
	if (*end == ',' && end != w)
		code = strtoull(end + 1, &end, 10);
	if (errno || *end != '\0' || !(w[0] >= '0' && w[0] <= '9') ||
	    type > 255 || code > 255)
		return sk_perr(p, "bad type,code %s", w);
	set_port(&c->src, type);
	set_port(&c->dst, code);
	return 0;
}

int
sk_parse_policy(struct sk_parser *p, struct sk_cmd *c)
{
	char text[1024], err[200];
	const char *w;
	enum sk_tok t;

	for (;;) {
		if ((w = sk_word(p, "-P policy")) == NULL)
			return -1;
		if (strcmp(w, "-ctx") == 0) {
			if (sk_context(p, c) < 0)
				return -1;
			continue;
		}
		if (strcmp(w, "-P") != 0)
			return sk_perr(p, "expected -P policy, got %s", w);
		break;
	}
	if (sk_lex_raw(p->lx, text, sizeof(text)) < 0) {
		t = SK_T_ERROR;
		return sk_unexpected(p, t, "a policy");
	}
	if (sk_policy_parse(text, c->policy, sizeof(c->policy),
	    &c->policylen, err, sizeof(err)) < 0)
		return sk_perr(p, "policy: %s", err);
	return 0;
}
