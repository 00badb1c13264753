/* SPDX-License-Identifier: ISC */
/*
 * keyd.conf syntax: nested sections and key = value lines, into a tree
 * that config.c interprets.  See config_int.h.
 *
 *	name {			a section; `{` may follow on a later line
 *		key = value	value: the rest of the line, trimmed, or one
 *				"quoted string" (\" and \\ escape)
 *	}
 *	# comment		also after a value or a brace
 *
 * Keeping syntax and meaning apart lets every semantic error name the
 * line of the key it is about, and lets duplicates be refused here once.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

struct lexer {
	const char	*path;
	const char	*p, *end;
	int		 line;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static void __attribute__((format(printf, 3, 4)))
lerr(struct lexer *lx, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (lx->failed)
		return;
	lx->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->path, line, msg);
}

static int
namechar(int c)
{
	return (isalnum(c) || c == '_' || c == '-' || c == '.');
}

/* Skip blanks, newlines and comments. */
static void
skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->p++;
		} else if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (isspace((unsigned char)*lx->p)) {
			lx->p++;
		} else {
			break;
		}
	}
}

/* After a value or brace: only blanks and a comment until the newline. */
static int
end_of_line(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '#') {
		if (!isspace((unsigned char)*lx->p)) {
			lerr(lx, lx->line, "unexpected '%c' after the value",
			    *lx->p);
			return (-1);
		}
		lx->p++;
	}
	return (0);
}

static char *
quoted(struct lexer *lx)
{
	size_t n = 0;
	char *s, c;

	s = malloc(lx->end - lx->p + 1);
	if (s == NULL) {
		lerr(lx, lx->line, "out of memory");
		return (NULL);
	}
	lx->p++;			/* the opening quote */
	while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
		c = *lx->p++;
		if (c == '\\' && lx->p < lx->end &&
		    (*lx->p == '"' || *lx->p == '\\'))
			c = *lx->p++;
		s[n++] = c;
	}
	if (lx->p >= lx->end || *lx->p != '"') {
		lerr(lx, lx->line, "unterminated string");
		free(s);
		return (NULL);
	}
	lx->p++;
	s[n] = '\0';
	if (memchr(s, '\0', n) != NULL) {
		lerr(lx, lx->line, "NUL in a string");
		free(s);
		return (NULL);
	}
	return (s);
}

static char *
value(struct lexer *lx)
{
	const char *start, *stop;
	char *s;

	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '"') {
		s = quoted(lx);
		if (s != NULL && end_of_line(lx) < 0) {
			free(s);
			return (NULL);
		}
		return (s);
	}
	start = lx->p;
	while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '#')
		lx->p++;
	stop = lx->p;
	while (stop > start && isspace((unsigned char)stop[-1]))
		stop--;
	if (stop == start) {
		lerr(lx, lx->line, "missing value");
		return (NULL);
	}
	if (memchr(start, '\0', stop - start) != NULL ||
	    memchr(start, '"', stop - start) != NULL) {
		lerr(lx, lx->line, "stray quote or NUL in a value");
		return (NULL);
	}
	return (strndup(start, stop - start));
}

void
ctree_free(struct cnode *n)
{
	struct cnode *next;

	for (; n != NULL; n = next) {
		next = n->next;
		ctree_free(n->child);
		free(n->key);
		if (n->value != NULL) {
			/* values include secrets */
			memset(n->value, 0, strlen(n->value));
			free(n->value);
		}
		free(n);
	}
}

static const struct cnode *
find_key(const struct cnode *first, const char *key)
{
	for (; first != NULL; first = first->next)
		if (strcmp(first->key, key) == 0)
			return (first);
	return (NULL);
}

/* Parse items into sec until `}` (depth > 0) or the end of the text. */
static int
body(struct lexer *lx, struct cnode *sec, int depth)
{
	struct cnode **tail = &sec->child, *n;
	const struct cnode *dup;
	const char *start;

	for (;;) {
		skip_space(lx);
		if (lx->p >= lx->end) {
			if (depth > 0) {
				lerr(lx, sec->line, "section '%s' is not "
				    "closed", sec->key);
				return (-1);
			}
			return (0);
		}
		if (*lx->p == '}') {
			if (depth == 0) {
				lerr(lx, lx->line, "'}' without a section");
				return (-1);
			}
			lx->p++;
			return (end_of_line(lx));
		}
		start = lx->p;
		while (lx->p < lx->end && namechar((unsigned char)*lx->p))
			lx->p++;
		if (lx->p == start) {
			lerr(lx, lx->line, "expected a name, not '%c'",
			    isprint((unsigned char)*lx->p) ? *lx->p : '?');
			return (-1);
		}
		if ((n = calloc(1, sizeof(*n))) == NULL ||
		    (n->key = strndup(start, lx->p - start)) == NULL) {
			free(n);
			lerr(lx, lx->line, "out of memory");
			return (-1);
		}
		n->line = lx->line;
		*tail = n;
		tail = &n->next;
		if ((dup = find_key(sec->child, n->key)) != n) {
			lerr(lx, n->line, "duplicate '%s' (first at line %d)",
			    n->key, dup->line);
			return (-1);
		}
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
			lx->p++;
		if (lx->p < lx->end && *lx->p == '=') {
			lx->p++;
			if ((n->value = value(lx)) == NULL)
				return (-1);
			continue;
		}
		skip_space(lx);
		if (lx->p >= lx->end || *lx->p != '{') {
			lerr(lx, n->line, "expected '=' or '{' after '%s'",
			    n->key);
			return (-1);
		}
		lx->p++;
		if (depth + 1 >= CTREE_DEPTH_MAX) {
			lerr(lx, n->line, "sections nested too deeply");
			return (-1);
		}
		if (end_of_line(lx) < 0 || body(lx, n, depth + 1) < 0)
			return (-1);
	}
}

struct cnode *
ctree_parse(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct lexer lx = {
		.path = path, .p = text, .end = text + len, .line = 1,
		.err = err, .errlen = errlen,
	};
	struct cnode *root;

	if (len > CTREE_FILE_MAX) {
		snprintf(err, errlen, "%s: file too large", path);
		return (NULL);
	}
	if ((root = calloc(1, sizeof(*root))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return (NULL);
	}
	if (body(&lx, root, 0) < 0) {
		ctree_free(root);
		return (NULL);
	}
	return (root);
}
