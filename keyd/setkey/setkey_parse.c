/*
 * The setkey command language, by recursive descent, into struct sk_cmd:
 * the commands, and the pieces every command shares (errors, words,
 * numbers, addresses, -ctx).  The SA commands' pieces are in
 * setkey_parse_sa.c, the SPD commands' in setkey_parse_spd.c.
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

#include "setkey_parse.h"

int
sk_perr(struct sk_parser *p, const char *fmt, ...)
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
tokname(struct sk_parser *p, enum sk_tok t)
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
int
sk_unexpected(struct sk_parser *p, enum sk_tok t, const char *want)
{
	char lexerr[sizeof(p->lx->err)];

	if (t == SK_T_ERROR) {
		memcpy(lexerr, p->lx->err, sizeof(lexerr));
		return sk_perr(p, "%s", lexerr);
	}
	return sk_perr(p, "expected %s, got %s", want, tokname(p, t));
}

const char *
sk_word(struct sk_parser *p, const char *want)
{
	enum sk_tok t = sk_lex_next(p->lx);

	if (t != SK_T_WORD) {
		sk_unexpected(p, t, want);
		return NULL;
	}
	return p->lx->text;
}

static int
end_of_command(struct sk_parser *p)
{
	enum sk_tok t = sk_lex_next(p->lx);

	return t == SK_T_SEMI ? 0 : sk_unexpected(p, t, "';'");
}

/* Decimal, or hex after 0x, no larger than max. */
int
sk_number(const char *s, unsigned long long max, unsigned long long *out)
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
aiflags(struct sk_parser *p)
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
address(struct sk_parser *p, int prefix_ok, struct sockaddr_storage *ss,
    int *plen)
{
	char host[256], port[32], err[200];
	unsigned long long v;
	const char *w;
	enum sk_tok t;
	int line;

	if ((w = sk_word(p, "an address")) == NULL)
		return -1;
	line = p->lx->tokline;
	if (strlen(w) >= sizeof(host))
		return sk_perr(p, "address too long");
	strcpy(host, w);
	port[0] = '\0';
	*plen = -1;
	t = sk_lex_next(p->lx);
	if (t == SK_T_SLASH) {
		if (!prefix_ok)
			return sk_perr(p, "no /prefix here: %s is one address",
			    host);
		if ((w = sk_word(p, "a prefix length")) == NULL)
			return -1;
		if (sk_number(w, 128, &v) < 0)
			return sk_perr(p, "bad prefix length /%s", w);
		*plen = v;
		t = sk_lex_next(p->lx);
	}
	if (t == SK_T_LBRACK) {
		if ((w = sk_word(p, "a port")) == NULL)
			return -1;
		if (strcmp(w, "any") == 0)
			snprintf(port, sizeof(port), "0");
		else if (sk_number(w, 65535, &v) == 0)
			snprintf(port, sizeof(port), "%llu", v);
		else
			return sk_perr(p, "bad port [%s]", w);
		if ((t = sk_lex_next(p->lx)) != SK_T_RBRACK)
			return sk_unexpected(p, t, "']'");
	} else
		sk_lex_unget(p->lx);
	if (sk_parse_addr(host, port[0] ? port : NULL, p->family, p->numeric,
	    ss, err, sizeof(err)) < 0) {
		p->lx->tokline = line;
		return sk_perr(p, "%s", err);
	}
	if (*plen > (ss->ss_family == AF_INET ? 32 : 128)) {
		p->lx->tokline = line;
		return sk_perr(p, "prefix /%d too long for %s", *plen, host);
	}
	return 0;
}

static int
two_addresses(struct sk_parser *p, struct sk_cmd *c, int prefix_ok)
{
	if (address(p, prefix_ok, &c->src, &c->splen) < 0 ||
	    address(p, prefix_ok, &c->dst, &c->dplen) < 0)
		return -1;
	if (c->src.ss_family != c->dst.ss_family)
		return sk_perr(p, "source and destination address families "
		    "differ");
	return 0;
}

int
sk_decimal(struct sk_parser *p, const char *what, unsigned long long max,
    unsigned long long *v)
{
	const char *w;

	if ((w = sk_word(p, what)) == NULL)
		return -1;
	if (sk_number(w, max, v) < 0)
		return sk_perr(p, "bad %s %s", what, w);
	return 0;
}

/* -ctx doi alg "context" */
int
sk_context(struct sk_parser *p, struct sk_cmd *c)
{
	unsigned long long doi, alg;
	enum sk_tok t;

	if (sk_decimal(p, "context DOI", 255, &doi) < 0 ||
	    sk_decimal(p, "context algorithm", 255, &alg) < 0)
		return -1;
	if ((t = sk_lex_next(p->lx)) != SK_T_STRING)
		return sk_unexpected(p, t, "a quoted security context");
	if (p->lx->len + 1 > sizeof(c->ctx))
		return sk_perr(p, "security context too long");
	c->ctx_doi = doi;
	c->ctx_alg = alg;
	memcpy(c->ctx, p->lx->text, p->lx->len + 1);
	c->ctxlen = p->lx->len + 1;	/* the NUL goes too, as in KAME */
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
command(struct sk_parser *p, struct sk_cmd *c)
{
	switch (c->type) {
	case SK_ADD:
	case SK_UPDATE:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 ||
		    sk_parse_protocol(p, c, 0) < 0 || sk_parse_spi(p, c) < 0 ||
		    sk_parse_extensions(p, c) < 0 ||
		    sk_parse_algorithms(p, c) < 0)
			return -1;
		break;
	case SK_GETSPI:
	case SK_GET:
	case SK_DELETE:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 ||
		    sk_parse_protocol(p, c, 0) < 0 || sk_parse_spi(p, c) < 0 ||
		    sk_parse_extensions(p, c) < 0)
			return -1;
		break;
	case SK_DELETEALL:
		aiflags(p);
		if (two_addresses(p, c, 0) < 0 ||
		    sk_parse_protocol(p, c, 0) < 0)
			return -1;
		break;
	case SK_FLUSH:
	case SK_DUMP:
		if (sk_parse_protocol(p, c, 1) < 0)
			return -1;
		break;
	case SK_SPDADD:
	case SK_SPDUPDATE:
	case SK_SPDDELETE:
		aiflags(p);
		if (two_addresses(p, c, 1) < 0 || sk_parse_upper(p, c) < 0 ||
		    sk_parse_policy(p, c) < 0)
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
	struct sk_parser p = { .lx = lx };
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
			return sk_unexpected(&p, t, "a command");
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(lx->text, commands[i].name) == 0)
				break;
		if (i == sizeof(commands) / sizeof(commands[0]))
			return sk_perr(&p, "unknown command %s", lx->text);
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
