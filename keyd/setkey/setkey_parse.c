/*
 * The setkey command language, by recursive descent, into struct sk_cmd.
 *
 * The grammar is KAME's (ipsec-tools parse.y); every command ends in ';'
 * and whitespace, newlines and '#' comments are free.  A mistake stops the
 * parse with "file:line: what" in lx->err: a half-understood script must
 * not half-configure the kernel.  Nothing here talks to the kernel, so the
 * unit test can run every script on the build host.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/udp.h>

#include "setkey.h"

struct parser {
	struct sk_lex	*lx;
	int		 family;	/* -4/-6: AF_INET/AF_INET6, else 0 */
	int		 numeric;	/* -n: no name lookups */
};

static int __attribute__((format(printf, 2, 3)))
perr(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->lx->err, sizeof(p->lx->err), "%s:%d: %s",
	    p->lx->file, p->lx->tokline, msg);
	return -1;
}

static const char *
tokname(struct parser *p, enum sk_tok t)
{
	switch (t) {
	case SK_T_EOF:		return "end of file";
	case SK_T_SEMI:		return "';'";
	case SK_T_SLASH:	return "'/'";
	case SK_T_LBRACK:	return "'['";
	case SK_T_RBRACK:	return "']'";
	case SK_T_STRING:	return "a quoted string";
	default:		return p->lx->text;
	}
}

/* Report what came instead of what was wanted; lexer errors win. */
static int
unexpected(struct parser *p, enum sk_tok t, const char *want)
{
	char lexerr[sizeof(p->lx->err)];

	if (t == SK_T_ERROR) {
		memcpy(lexerr, p->lx->err, sizeof(lexerr));
		return perr(p, "%s", lexerr);
	}
	return perr(p, "expected %s, got %s", want, tokname(p, t));
}

static const char *
word(struct parser *p, const char *want)
{
	enum sk_tok t = sk_lex_next(p->lx);

	if (t != SK_T_WORD) {
		unexpected(p, t, want);
		return NULL;
	}
	return p->lx->text;
}

static int
end_of_command(struct parser *p)
{
	enum sk_tok t = sk_lex_next(p->lx);

	return t == SK_T_SEMI ? 0 : unexpected(p, t, "';'");
}

/* Decimal, or hex after 0x, no larger than max. */
static int
number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s == '-' || *s == '+' || *s == '\0')
		return -1;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		*out = strtoull(s + 2, &end, 16);
	else
		*out = strtoull(s, &end, 10);
	if (errno || *end != '\0' || end == s || *out > max)
		return -1;
	return 0;
}

int
sk_parse_addr(const char *host, const char *port, int family, int numeric,
    struct sockaddr_storage *ss, char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family ? family : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;	/* one answer per address */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	e = getaddrinfo(host, port, &hints, &res);
	if (e == EAI_NONAME && !numeric) {
		hints.ai_flags = AI_NUMERICSERV;
		e = getaddrinfo(host, port, &hints, &res);
	}
	if (e != 0) {
		snprintf(err, errlen, "bad address %s%s%s%s: %s", host,
		    port ? "[" : "", port ? port : "", port ? "]" : "",
		    gai_strerror(e));
		return -1;
	}
	/* KAME tries every answer; we take the first (see setkey.8). */
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Leading -4, -6, -n, or combinations such as -4n. */
static void
aiflags(struct parser *p)
{
	const char *s;

	p->family = p->numeric = 0;
	while (sk_lex_next(p->lx) == SK_T_WORD && p->lx->text[0] == '-' &&
	    p->lx->text[1] != '\0' &&
	    strspn(p->lx->text + 1, "46n") == strlen(p->lx->text + 1)) {
		for (s = p->lx->text + 1; *s; s++) {
			if (*s == '4')
				p->family = AF_INET;
			else if (*s == '6')
				p->family = AF_INET6;
			else
				p->numeric = 1;
		}
	}
	sk_lex_unget(p->lx);
}

/*
 * address, address[port] and, for policies, address/prefix[port].  A
 * port is a number or "any"; icmp type/code come after the protocol.
 */
static int
address(struct parser *p, int prefix_ok, struct sockaddr_storage *ss,
    int *plen)
{
	char host[256], port[32], err[200];
	unsigned long long v;
	const char *w;
	enum sk_tok t;
	int line;

	if ((w = word(p, "an address")) == NULL)
		return -1;
	line = p->lx->tokline;
	if (strlen(w) >= sizeof(host))
		return perr(p, "address too long");
	strcpy(host, w);
	port[0] = '\0';
	*plen = -1;
	t = sk_lex_next(p->lx);
	if (t == SK_T_SLASH) {
		if (!prefix_ok)
			return perr(p, "no /prefix here: %s is one address",
			    host);
		if ((w = word(p, "a prefix length")) == NULL)
			return -1;
		if (number(w, 128, &v) < 0)
			return perr(p, "bad prefix length /%s", w);
		*plen = v;
		t = sk_lex_next(p->lx);
	}
	if (t == SK_T_LBRACK) {
		if ((w = word(p, "a port")) == NULL)
			return -1;
		if (strcmp(w, "any") == 0)
			snprintf(port, sizeof(port), "0");
		else if (number(w, 65535, &v) == 0)
			snprintf(port, sizeof(port), "%llu", v);
		else
			return perr(p, "bad port [%s]", w);
		if ((t = sk_lex_next(p->lx)) != SK_T_RBRACK)
			return unexpected(p, t, "']'");
	} else
		sk_lex_unget(p->lx);
	if (sk_parse_addr(host, port[0] ? port : NULL, p->family, p->numeric,
	    ss, err, sizeof(err)) < 0) {
		p->lx->tokline = line;
		return perr(p, "%s", err);
	}
	if (*plen > (ss->ss_family == AF_INET ? 32 : 128)) {
		p->lx->tokline = line;
		return perr(p, "prefix /%d too long for %s", *plen, host);
	}
	return 0;
}

static int
two_addresses(struct parser *p, struct sk_cmd *c, int prefix_ok)
{
	if (address(p, prefix_ok, &c->src, &c->splen) < 0 ||
	    address(p, prefix_ok, &c->dst, &c->dplen) < 0)
		return -1;
	if (c->src.ss_family != c->dst.ss_family)
		return perr(p, "source and destination address families "
		    "differ");
	return 0;
}

/*
 * esp-udp [original-address]: ESP in UDP (RFC 3948).  The SA's ports are
 * the encapsulation ports (4500 when not given); an address right after
 * the keyword, where the SPI could not be (SPIs hold no '.' or ':'), is
 * the NAT-OA.
 */
static int
esp_udp(struct parser *p, struct sk_cmd *c)
{
	char err[200];
	const char *w;

	c->satype = SADB_SATYPE_ESP;
	c->natt = UDP_ENCAP_ESPINUDP;
	if (sk_lex_next(p->lx) != SK_T_WORD) {
		sk_lex_unget(p->lx);
		return 0;
	}
	w = p->lx->text;
	if (strchr(w, '.') == NULL && strchr(w, ':') == NULL) {
		sk_lex_unget(p->lx);
		return 0;
	}
	if (sk_parse_addr(w, NULL, p->family, 1, &c->oa, err,
	    sizeof(err)) < 0)
		return perr(p, "%s", err);
	c->have_oa = 1;
	return 0;
}

/* esp, ah, esp-old, ah-old, ipcomp; absent only where optional. */
static int
protocol(struct parser *p, struct sk_cmd *c, int optional)
{
	enum sk_tok t = sk_lex_next(p->lx);
	const char *w = p->lx->text;

	if (t == SK_T_WORD) {
		if (strcmp(w, "esp") == 0 || strcmp(w, "esp-old") == 0)
			c->satype = SADB_SATYPE_ESP;
		else if (strcmp(w, "ah") == 0 || strcmp(w, "ah-old") == 0)
			c->satype = SADB_SATYPE_AH;
		else if (strcmp(w, "ipcomp") == 0)
			c->satype = SADB_X_SATYPE_IPCOMP;
		else if (strcmp(w, "esp-udp") == 0)
			return esp_udp(p, c);
		else if (strcmp(w, "tcp") == 0)
			return perr(p, "protocol tcp (TCP-MD5) is not supported");
		else
			return perr(p, "unknown protocol %s (esp, ah, esp-old, "
			    "ah-old or ipcomp)", w);
		if (strstr(w, "-old"))
			c->flags |= SK_EXT_OLD;
		return 0;
	}
	if (optional && t == SK_T_SEMI) {
		sk_lex_unget(p->lx);
		c->satype = SADB_SATYPE_UNSPEC;
		return 0;
	}
	return unexpected(p, t, "a protocol (esp, ah, ipcomp)");
}

static int
spi(struct parser *p, struct sk_cmd *c)
{
	unsigned long long v;
	const char *w;

	if ((w = word(p, "an SPI")) == NULL)
		return -1;
	if (number(w, 0xffffffffULL, &v) < 0)
		return perr(p, "bad SPI %s", w);
	if (c->satype == SADB_X_SATYPE_IPCOMP && v > 0xffff)
		return perr(p, "ipcomp CPI %s does not fit 16 bits", w);
	c->spi = v;
	return 0;
}

static int
decimal(struct parser *p, const char *what, unsigned long long max,
    unsigned long long *v)
{
	const char *w;

	if ((w = word(p, what)) == NULL)
		return -1;
	if (number(w, max, v) < 0)
		return perr(p, "bad %s %s", what, w);
	return 0;
}

/* -ctx doi alg "context" */
static int
context(struct parser *p, struct sk_cmd *c)
{
	unsigned long long doi, alg;
	enum sk_tok t;

	if (decimal(p, "context DOI", 255, &doi) < 0 ||
	    decimal(p, "context algorithm", 255, &alg) < 0)
		return -1;
	if ((t = sk_lex_next(p->lx)) != SK_T_STRING)
		return unexpected(p, t, "a quoted security context");
	if (p->lx->len + 1 > sizeof(c->ctx))
		return perr(p, "security context too long");
	c->ctx_doi = doi;
	c->ctx_alg = alg;
	memcpy(c->ctx, p->lx->text, p->lx->len + 1);
	c->ctxlen = p->lx->len + 1;	/* the NUL goes too, as in KAME */
	return 0;
}

/* -m -r -u -f -lh -ls -bh -bs -ctx, in any order, any number. */
static int
extensions(struct parser *p, struct sk_cmd *c)
{
	unsigned long long v = 0;	/* quiets clang --analyze */
	const char *w;

	for (;;) {
		if (sk_lex_next(p->lx) != SK_T_WORD) {
			sk_lex_unget(p->lx);
			return 0;
		}
		w = p->lx->text;
		if (strcmp(w, "-m") == 0) {
			if ((w = word(p, "a mode")) == NULL)
				return -1;
			if (strcmp(w, "transport") == 0)
				c->mode = IPSEC_MODE_TRANSPORT;
			else if (strcmp(w, "tunnel") == 0)
				c->mode = IPSEC_MODE_TUNNEL;
			else if (strcmp(w, "any") == 0)
				c->mode = IPSEC_MODE_ANY;
			else
				return perr(p, "bad mode %s (transport, "
				    "tunnel or any)", w);
		} else if (strcmp(w, "-r") == 0) {
			if (decimal(p, "replay window", 65536, &v) < 0)
				return -1;
			if (c->flags & SK_EXT_OLD)
				return perr(p, "no replay window with "
				    "esp-old/ah-old");
			c->replay = v;
		} else if (strcmp(w, "-u") == 0) {
			if (decimal(p, "reqid", 0xffffffffULL, &v) < 0)
				return -1;
			c->reqid = v;
		} else if (strcmp(w, "-f") == 0) {
			if ((w = word(p, "a padding option")) == NULL)
				return -1;
			if (strcmp(w, "zero-pad") == 0)
				c->flags |= SK_EXT_PZERO;
			else if (strcmp(w, "random-pad") == 0)
				c->flags |= SK_EXT_PRAND;
			else if (strcmp(w, "seq-pad") == 0)
				c->flags |= SK_EXT_PSEQ;
			else if (strcmp(w, "nocyclic-seq") == 0)
				c->flags &= ~SK_EXT_CYCSEQ;
			else
				return perr(p, "bad -f option %s", w);
		} else if (strcmp(w, "-df") == 0) {
			/* nfipsec: the tunnel's outer DF bit. */
			if ((w = word(p, "clear, set or copy")) == NULL)
				return -1;
			if (strcmp(w, "clear") == 0)
				c->th_df = NFIPSEC_DF_CLEAR;
			else if (strcmp(w, "set") == 0)
				c->th_df = NFIPSEC_DF_SET;
			else if (strcmp(w, "copy") == 0)
				c->th_df = NFIPSEC_DF_COPY;
			else
				return perr(p, "bad -df %s (clear, set or copy)", w);
			c->have_th = 1;
		} else if (strcmp(w, "-dscp") == 0) {
			/* nfipsec: the tunnel's outer DSCP, copied or one value. */
			if (sk_lex_next(p->lx) == SK_T_WORD &&
			    strcmp(p->lx->text, "copy") == 0) {
				c->th_dscp_mode = NFIPSEC_DSCP_COPY;
			} else {
				sk_lex_unget(p->lx);
				if (decimal(p, "DSCP", 63, &v) < 0)
					return -1;
				c->th_dscp_mode = NFIPSEC_DSCP_SET;
				c->th_dscp = v;
			}
			c->have_th = 1;
		} else if (strcmp(w, "-ecn") == 0) {
			/* RFC 6040 mode: Linux's SADB_SAFLAGS_NOECN. */
			if ((w = word(p, "normal or compat")) == NULL)
				return -1;
			if (strcmp(w, "compat") == 0)
				c->flags |= SADB_SAFLAGS_NOECN;
			else if (strcmp(w, "normal") == 0)
				c->flags &= ~SADB_SAFLAGS_NOECN;
			else
				return perr(p, "bad -ecn %s (normal or compat)", w);
		} else if (strcmp(w, "-decap-dscp") == 0) {
			c->flags |= SADB_SAFLAGS_DECAP_DSCP;
		} else if (strcmp(w, "-tfc") == 0) {
			/* nfipsec: RFC 4303 TFC padding, inner bytes. */
			if (decimal(p, "TFC length", 65535, &v) < 0)
				return -1;
			c->tfc = v;
		} else if (strcmp(w, "-lh") == 0) {
			if (decimal(p, "hard lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lt_hard = v;
		} else if (strcmp(w, "-ls") == 0) {
			if (decimal(p, "soft lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lt_soft = v;
		} else if (strcmp(w, "-bh") == 0) {
			if (decimal(p, "hard byte lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lb_hard = v;
		} else if (strcmp(w, "-bs") == 0) {
			if (decimal(p, "soft byte lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lb_soft = v;
		} else if (strcmp(w, "-ctx") == 0) {
			if (context(p, c) < 0)
				return -1;
		} else {
			sk_lex_unget(p->lx);
			return 0;
		}
	}
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 0xhex (an odd digit count pads a leading zero, as KAME) or "string". */
static int
key(struct parser *p, uint8_t *buf, size_t *len)
{
	enum sk_tok t = sk_lex_next(p->lx);
	const char *s = p->lx->text;
	size_t n, i = 0;
	int hi, lo;

	if (t == SK_T_STRING) {
		if (p->lx->len > SK_KEY_MAX)
			return perr(p, "key longer than %d bytes", SK_KEY_MAX);
		memcpy(buf, s, p->lx->len);
		*len = p->lx->len;
		return 0;
	}
	if (t != SK_T_WORD || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return unexpected(p, t, "a key (0x... or \"...\")");
	s += 2;
	n = strlen(s);
	if (n == 0 || (n + 1) / 2 > SK_KEY_MAX)
		return perr(p, "bad key length");
	if (n % 2) {
		if ((lo = hexval(*s++)) < 0)
			return perr(p, "bad hex digit in key");
		buf[i++] = lo;
	}
	for (; *s; s += 2) {
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return perr(p, "bad hex digit in key");
		buf[i++] = hi << 4 | lo;
	}
	*len = i;
	return 0;
}

static int
keysize_ok(struct parser *p, const struct sk_alg *a, size_t len)
{
	size_t bits = len * 8;

	if (bits < a->minbits || bits > a->maxbits) {
		if (a->minbits == a->maxbits)
			return perr(p, "%s takes a %u-bit key, not %zu bits",
			    a->name, a->minbits, bits);
		return perr(p, "%s takes a key of %u to %u bits, not %zu",
		    a->name, a->minbits, a->maxbits, bits);
	}
	return 0;
}

static int
one_algorithm(struct parser *p, struct sk_cmd *c, enum sk_algkind kind)
{
	static const char *kinds[] = { "encryption", "authentication",
	    "compression" };
	const struct sk_alg *a;
	const char *w;
	enum sk_tok t;

	if ((w = word(p, "an algorithm name")) == NULL)
		return -1;
	if ((a = sk_alg_byname(kind, w)) == NULL)
		return perr(p, "unknown %s algorithm %s", kinds[kind], w);
	if (kind == SK_ALG_COMP) {
		c->ealg = a->id;
		t = sk_lex_next(p->lx);
		if (t == SK_T_WORD && strcmp(p->lx->text, "-R") == 0)
			c->flags |= SK_EXT_RAWCPI;
		else
			sk_lex_unget(p->lx);
		return 0;
	}
	if (kind == SK_ALG_ENC) {
		c->ealg = a->id;
		c->have_ekey = 1;
	} else
		c->aalg = a->id;
	if (a->maxbits == 0) {
		/* "-E null" takes no key; allow an empty one as well. */
		t = sk_lex_next(p->lx);
		if ((t == SK_T_STRING && p->lx->len == 0))
			return 0;
		sk_lex_unget(p->lx);
		return 0;
	}
	if (kind == SK_ALG_ENC) {
		if (key(p, c->ekey, &c->ekeylen) < 0)
			return -1;
		return keysize_ok(p, a, c->ekeylen);
	}
	if (key(p, c->akey, &c->akeylen) < 0)
		return -1;
	c->have_akey = 1;
	return keysize_ok(p, a, c->akeylen);
}

/* -E ealg key [-A aalg key] | -A aalg key | -C calg [-R] */
static int
algorithms(struct parser *p, struct sk_cmd *c)
{
	int seen_e = 0, seen_a = 0, seen_c = 0, aead = 0;
	const struct sk_alg *a;
	const char *w;

	for (;;) {
		if (sk_lex_next(p->lx) != SK_T_WORD) {
			sk_lex_unget(p->lx);
			break;
		}
		w = p->lx->text;
		if (strcmp(w, "-E") == 0 && !seen_e) {
			if (one_algorithm(p, c, SK_ALG_ENC) < 0)
				return -1;
			seen_e = 1;
		} else if (strcmp(w, "-A") == 0 && !seen_a) {
			if (one_algorithm(p, c, SK_ALG_AUTH) < 0)
				return -1;
			seen_a = 1;
		} else if (strcmp(w, "-C") == 0 && !seen_c) {
			if (one_algorithm(p, c, SK_ALG_COMP) < 0)
				return -1;
			seen_c = 1;
		} else if (strcmp(w, "-E") == 0 || strcmp(w, "-A") == 0 ||
		    strcmp(w, "-C") == 0)
			return perr(p, "%s given twice", w);
		else
			return perr(p, "unexpected %s (want -E, -A or -C)", w);
	}
	/* Aliases share an id and its flags: look up the printed name. */
	if (seen_e && (a = sk_alg_byname(SK_ALG_ENC,
	    sk_alg_name(SK_ALG_ENC, c->ealg))) != NULL)
		aead = a->aead;
	switch (c->satype) {
	case SADB_SATYPE_ESP:
		if (!seen_e)
			return perr(p, "esp needs -E (use -E null for "
			    "authentication only)");
		if (seen_c)
			return perr(p, "-C is for ipcomp, not esp");
		if (aead && seen_a)
			return perr(p, "%s authenticates by itself; drop the -A",
			    sk_alg_name(SK_ALG_ENC, c->ealg));
		break;
	case SADB_SATYPE_AH:
		if (!seen_a || seen_e || seen_c)
			return perr(p, "ah takes -A and nothing else");
		break;
	case SADB_X_SATYPE_IPCOMP:
		if (!seen_c || seen_e || seen_a)
			return perr(p, "ipcomp takes -C and nothing else");
		break;
	}
	return 0;
}

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

static int
upper(struct parser *p, struct sk_cmd *c)
{
	unsigned long long v, type, code;
	struct protoent *pe;
	const char *w;
	size_t i;
	char *end;

	if ((w = word(p, "an upper-layer protocol")) == NULL)
		return -1;
	for (i = 0; i < sizeof(ulprotos) / sizeof(ulprotos[0]); i++)
		if (strcmp(w, ulprotos[i].name) == 0)
			break;
	if (i < sizeof(ulprotos) / sizeof(ulprotos[0]))
		c->ulproto = ulprotos[i].proto;
	else if (number(w, 255, &v) == 0)
		c->ulproto = v;
	else if ((pe = getprotobyname(w)) != NULL)
		c->ulproto = pe->p_proto;
	else
		return perr(p, "unknown upper-layer protocol %s", w);

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
		return perr(p, "bad type,code %s", w);
	set_port(&c->src, type);
	set_port(&c->dst, code);
	return 0;
}

static int
policy(struct parser *p, struct sk_cmd *c)
{
	char text[1024], err[200];
	const char *w;
	enum sk_tok t;

	for (;;) {
		if ((w = word(p, "-P policy")) == NULL)
			return -1;
		if (strcmp(w, "-ctx") == 0) {
			if (context(p, c) < 0)
				return -1;
			continue;
		}
		if (strcmp(w, "-P") != 0)
			return perr(p, "expected -P policy, got %s", w);
		break;
	}
	if (sk_lex_raw(p->lx, text, sizeof(text)) < 0) {
		t = SK_T_ERROR;
		return unexpected(p, t, "a policy");
	}
	if (sk_policy_parse(text, c->policy, sizeof(c->policy),
	    &c->policylen, err, sizeof(err)) < 0)
		return perr(p, "policy: %s", err);
	return 0;
}

static const struct {
	const char	*name;
	enum sk_cmdtype	 type;
} commands[] = {
	{ "add", SK_ADD }, { "update", SK_UPDATE }, { "getspi", SK_GETSPI },
	{ "get", SK_GET },
	{ "delete", SK_DELETE }, { "deleteall", SK_DELETEALL },
	{ "flush", SK_FLUSH }, { "dump", SK_DUMP },
	{ "spdadd", SK_SPDADD }, { "spdupdate", SK_SPDUPDATE },
	{ "spddelete", SK_SPDDELETE }, { "spdflush", SK_SPDFLUSH },
	{ "spddump", SK_SPDDUMP },
	{ "exit", SK_EXIT }, { "quit", SK_EXIT }, { "bye", SK_EXIT },
};

static int
command(struct parser *p, struct sk_cmd *c)
{
	switch (c->type) {
	case SK_ADD:
	case SK_UPDATE:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 || protocol(p, c, 0) < 0 ||
		    spi(p, c) < 0 || extensions(p, c) < 0 ||
		    algorithms(p, c) < 0)
			return -1;
		break;
	case SK_GETSPI:
	case SK_GET:
	case SK_DELETE:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 || protocol(p, c, 0) < 0 ||
		    spi(p, c) < 0 || extensions(p, c) < 0)
			return -1;
		break;
	case SK_DELETEALL:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 || protocol(p, c, 0) < 0)
			return -1;
		break;
	case SK_FLUSH:
	case SK_DUMP:
		if (protocol(p, c, 1) < 0)
			return -1;
		break;
	case SK_SPDADD:
	case SK_SPDUPDATE:
	case SK_SPDDELETE:
		aiflags(p);
		if (two_addresses(p, c, 1) < 0 || upper(p, c) < 0 ||
		    policy(p, c) < 0)
			return -1;
		return 0;	/* the policy read its own ';' */
	default:
		break;
	}
	return end_of_command(p);
}

int
sk_parse(struct sk_lex *lx, sk_exec_fn exec, void *arg)
{
	struct parser p = { .lx = lx };
	struct sk_cmd c;
	enum sk_tok t;
	size_t i;
	int r;

	for (;;) {
		if ((t = sk_lex_next(lx)) == SK_T_EOF)
			return 0;
		if (t == SK_T_SEMI)
			continue;	/* an empty command is harmless */
		if (t != SK_T_WORD)
			return unexpected(&p, t, "a command");
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(lx->text, commands[i].name) == 0)
				break;
		if (i == sizeof(commands) / sizeof(commands[0]))
			return perr(&p, "unknown command %s", lx->text);
		memset(&c, 0, sizeof(c));
		c.type = commands[i].type;
		c.name = commands[i].name;
		c.line = lx->tokline;
		c.flags = SK_EXT_CYCSEQ;	/* KAME's default */
		c.splen = c.dplen = -1;
		c.ulproto = IPSEC_ULPROTO_ANY;
		if (command(&p, &c) < 0)
			return -1;
		if ((r = exec(&c, arg)) != 0)
			return r < 0 ? -1 : 0;
	}
}
