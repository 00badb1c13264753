/*
 * Private to the command parser (setkey_parse*.c): its state, the pieces
 * every command shares (setkey_parse.c), and what the SA and SPD commands
 * read (setkey_parse_sa.c, setkey_parse_spd.c).  Each returns -1 with
 * "file:line: what" in p->lx->err on a mistake.
 */
#ifndef _SETKEY_PARSE_H
#define _SETKEY_PARSE_H

#include "setkey.h"

struct sk_parser {
	struct sk_lex	*lx;
	int		 family;	/* -4/-6: AF_INET/AF_INET6, else 0 */
	int		 numeric;	/* -n: no name lookups */
};

/* setkey_parse.c */
int __attribute__((format(printf, 2, 3)))
	sk_perr(struct sk_parser *, const char *, ...);
int	sk_unexpected(struct sk_parser *, enum sk_tok, const char *);
const char *sk_word(struct sk_parser *, const char *);
int	sk_number(const char *, unsigned long long, unsigned long long *);
int	sk_decimal(struct sk_parser *, const char *, unsigned long long,
	    unsigned long long *);
int	sk_context(struct sk_parser *, struct sk_cmd *);

/* setkey_parse_sa.c */
int	sk_parse_protocol(struct sk_parser *, struct sk_cmd *, int);
int	sk_parse_spi(struct sk_parser *, struct sk_cmd *);
int	sk_parse_extensions(struct sk_parser *, struct sk_cmd *);
int	sk_parse_algorithms(struct sk_parser *, struct sk_cmd *);

/* setkey_parse_spd.c */
int	sk_parse_upper(struct sk_parser *, struct sk_cmd *);
int	sk_parse_policy(struct sk_parser *, struct sk_cmd *);

#endif /* _SETKEY_PARSE_H */
