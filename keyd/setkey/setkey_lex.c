/*
 * Tokens of the setkey language.
 *
 * KAME's flex scanner switches states for algorithm names and policies;
 * here the parser asks for what it expects, so the scanner only splits:
 * words, "quoted strings", and the punctuation ; / [ ].  A word runs over
 * every character an address, a number, a flag or a name can hold, so
 * "fe80::1%eth0", "-lh", "0xdeadbeef" and "icmp6" are each one word.
 * Reading is one getc() at a time so that `setkey -c` runs each command
 * as soon as its ';' arrives.
 */
#include <ctype.h>
#include <string.h>

#include "setkey.h"

void
sk_lex_init(struct sk_lex *lx, FILE *fp, const char *file)
{
	memset(lx, 0, sizeof(*lx));
	lx->fp = fp;
	lx->file = file;
	lx->line = 1;
}

static int
lex_getc(struct sk_lex *lx)
{
	int c = getc(lx->fp);

	if (c == '\n')
		lx->line++;
	return c;
}

static void
lex_ungetc(struct sk_lex *lx, int c)
{
	if (c == EOF)
		return;
	if (c == '\n')
		lx->line--;
	ungetc(c, lx->fp);
}

static int
is_word(int c)
{
	return isalnum(c) || strchr(":._%,+-*=@", c) != NULL;
}

static enum sk_tok
lex_error(struct sk_lex *lx, const char *what)
{
	snprintf(lx->err, sizeof(lx->err), "%s", what);
	return lx->tok = SK_T_ERROR;
}

/* The last token comes back from the next sk_lex_next(). */
void
sk_lex_unget(struct sk_lex *lx)
{
	lx->pushed = 1;
}

enum sk_tok
sk_lex_next(struct sk_lex *lx)
{
	int c;

	if (lx->pushed) {
		lx->pushed = 0;
		return lx->tok;
	}
	lx->len = 0;
	lx->text[0] = '\0';
	for (;;) {
		c = lex_getc(lx);
		if (c == '#') {
			while ((c = lex_getc(lx)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == EOF || !isspace(c))
			break;
	}
	/* "expected ';'" at EOF reads better on the last token's line. */
	if (c == EOF)
		return lx->tok = SK_T_EOF;
	lx->tokline = lx->line;
	switch (c) {
	case ';':
		return lx->tok = SK_T_SEMI;
	case '/':
		return lx->tok = SK_T_SLASH;
	case '[':
		return lx->tok = SK_T_LBRACK;
	case ']':
		return lx->tok = SK_T_RBRACK;
	case '"':
		while ((c = lex_getc(lx)) != '"') {
			if (c == EOF)
				return lex_error(lx, "unterminated string");
			if (lx->len + 1 >= sizeof(lx->text))
				return lex_error(lx, "string too long");
			lx->text[lx->len++] = c;
		}
		lx->text[lx->len] = '\0';
		return lx->tok = SK_T_STRING;
	}
	if (!is_word(c)) {
		snprintf(lx->err, sizeof(lx->err),
		    isprint(c) ? "unexpected character '%c'" :
		    "unexpected byte 0x%02x", c);
		return lx->tok = SK_T_ERROR;
	}
	do {
		if (lx->len + 1 >= sizeof(lx->text))
			return lex_error(lx, "word too long");
		lx->text[lx->len++] = c;
	} while ((c = lex_getc(lx)) != EOF && is_word(c));
	lex_ungetc(lx, c);
	lx->text[lx->len] = '\0';
	return lx->tok = SK_T_WORD;
}

/*
 * Everything up to the next ';' (consumed, not copied): the policy after
 * "-P" has its own little grammar (setkey_policy.c), and may span lines.
 */
int
sk_lex_raw(struct sk_lex *lx, char *buf, size_t cap)
{
	size_t n = 0;
	int c;

	lx->tokline = lx->line;
	while ((c = lex_getc(lx)) != ';') {
		if (c == EOF) {
			lex_error(lx, "policy not ended by ';'");
			return -1;
		}
		if (n + 1 >= cap) {
			lex_error(lx, "policy too long");
			return -1;
		}
		buf[n++] = c == '\n' || c == '\t' ? ' ' : c;
	}
	buf[n] = '\0';
	return 0;
}
