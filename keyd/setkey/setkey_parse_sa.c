/*
 * The SA commands' pieces (add, update, get, delete, ...): the protocol,
 * the SPI, the -m -r -u ... extensions, and -E/-A/-C with their keys.
 */
#include <string.h>
#include <linux/udp.h>

#include "setkey_parse.h"

/*
 * esp-udp [original-address]: ESP in UDP (RFC 3948).  The SA's ports are
 * the encapsulation ports (4500 when not given); an address right after
 * the keyword, where the SPI could not be (SPIs hold no '.' or ':'), is
 * the NAT-OA.
 */
static int
esp_udp(struct sk_parser *p, struct sk_cmd *c)
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
		return sk_perr(p, "%s", err);
	c->have_oa = 1;
	return 0;
}

/* esp, ah, esp-old, ah-old, ipcomp; absent only where optional. */
int
sk_parse_protocol(struct sk_parser *p, struct sk_cmd *c, int optional)
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
			return sk_perr(p, "protocol tcp (TCP-MD5) is not supported");
		else
			return sk_perr(p, "unknown protocol %s (esp, ah, "
			    "esp-old, ah-old or ipcomp)", w);
		if (strstr(w, "-old"))
			c->flags |= SK_EXT_OLD;
		return 0;
	}
	if (optional && t == SK_T_SEMI) {
		sk_lex_unget(p->lx);
		c->satype = SADB_SATYPE_UNSPEC;
		return 0;
	}
	return sk_unexpected(p, t, "a protocol (esp, ah, ipcomp)");
}

int
sk_parse_spi(struct sk_parser *p, struct sk_cmd *c)
{
	unsigned long long v;
	const char *w;

	if ((w = sk_word(p, "an SPI")) == NULL)
		return -1;
	if (sk_number(w, 0xffffffffULL, &v) < 0)
		return sk_perr(p, "bad SPI %s", w);
	if (c->satype == SADB_X_SATYPE_IPCOMP && v > 0xffff)
		return sk_perr(p, "ipcomp CPI %s does not fit 16 bits", w);
	c->spi = v;
	return 0;
}

/* -m -r -u -f -lh -ls -bh -bs -ctx, in any order, any number. */
int
sk_parse_extensions(struct sk_parser *p, struct sk_cmd *c)
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
			if ((w = sk_word(p, "a mode")) == NULL)
				return -1;
			if (strcmp(w, "transport") == 0)
				c->mode = IPSEC_MODE_TRANSPORT;
			else if (strcmp(w, "tunnel") == 0)
				c->mode = IPSEC_MODE_TUNNEL;
			else if (strcmp(w, "any") == 0)
				c->mode = IPSEC_MODE_ANY;
			else
				return sk_perr(p, "bad mode %s (transport, "
				    "tunnel or any)", w);
		} else if (strcmp(w, "-r") == 0) {
			if (sk_decimal(p, "replay window", 65536, &v) < 0)
				return -1;
			if (c->flags & SK_EXT_OLD)
				return sk_perr(p, "no replay window with "
				    "esp-old/ah-old");
			c->replay = v;
		} else if (strcmp(w, "-u") == 0) {
			if (sk_decimal(p, "reqid", 0xffffffffULL, &v) < 0)
				return -1;
			c->reqid = v;
		} else if (strcmp(w, "-f") == 0) {
			if ((w = sk_word(p, "a padding option")) == NULL)
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
				return sk_perr(p, "bad -f option %s", w);
		} else if (strcmp(w, "-df") == 0) {
			/* nfipsec: the tunnel's outer DF bit. */
			if ((w = sk_word(p, "clear, set or copy")) == NULL)
				return -1;
			if (strcmp(w, "clear") == 0)
				c->th_df = NFIPSEC_DF_CLEAR;
			else if (strcmp(w, "set") == 0)
				c->th_df = NFIPSEC_DF_SET;
			else if (strcmp(w, "copy") == 0)
				c->th_df = NFIPSEC_DF_COPY;
			else
				return sk_perr(p, "bad -df %s (clear, set or copy)", w);
			c->have_th = 1;
		} else if (strcmp(w, "-dscp") == 0) {
			/* nfipsec: the tunnel's outer DSCP, copied or one value. */
			if (sk_lex_next(p->lx) == SK_T_WORD &&
			    strcmp(p->lx->text, "copy") == 0) {
				c->th_dscp_mode = NFIPSEC_DSCP_COPY;
			} else {
				sk_lex_unget(p->lx);
				if (sk_decimal(p, "DSCP", 63, &v) < 0)
					return -1;
				c->th_dscp_mode = NFIPSEC_DSCP_SET;
				c->th_dscp = v;
			}
			c->have_th = 1;
		} else if (strcmp(w, "-ecn") == 0) {
			/* RFC 6040 mode: Linux's SADB_SAFLAGS_NOECN. */
			if ((w = sk_word(p, "normal or compat")) == NULL)
				return -1;
			if (strcmp(w, "compat") == 0)
				c->flags |= SADB_SAFLAGS_NOECN;
			else if (strcmp(w, "normal") == 0)
				c->flags &= ~SADB_SAFLAGS_NOECN;
			else
				return sk_perr(p, "bad -ecn %s (normal or compat)", w);
		} else if (strcmp(w, "-decap-dscp") == 0) {
			c->flags |= SADB_SAFLAGS_DECAP_DSCP;
		} else if (strcmp(w, "-tfc") == 0) {
			/* nfipsec: RFC 4303 TFC padding, inner bytes. */
			if (sk_decimal(p, "TFC length", 65535, &v) < 0)
				return -1;
			c->tfc = v;
		} else if (strcmp(w, "-lh") == 0) {
			if (sk_decimal(p, "hard lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lt_hard = v;
		} else if (strcmp(w, "-ls") == 0) {
			if (sk_decimal(p, "soft lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lt_soft = v;
		} else if (strcmp(w, "-bh") == 0) {
			if (sk_decimal(p, "hard byte lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lb_hard = v;
		} else if (strcmp(w, "-bs") == 0) {
			if (sk_decimal(p, "soft byte lifetime", ~0ULL, &v) < 0)
				return -1;
			c->lb_soft = v;
		} else if (strcmp(w, "-ctx") == 0) {
			if (sk_context(p, c) < 0)
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
key(struct sk_parser *p, uint8_t *buf, size_t *len)
{
	enum sk_tok t = sk_lex_next(p->lx);
	const char *s = p->lx->text;
	size_t n, i = 0;
	int hi, lo;

	if (t == SK_T_STRING) {
		if (p->lx->len > SK_KEY_MAX)
			return sk_perr(p, "key longer than %d bytes",
			    SK_KEY_MAX);
		memcpy(buf, s, p->lx->len);
		*len = p->lx->len;
		return 0;
	}
	if (t != SK_T_WORD || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return sk_unexpected(p, t, "a key (0x... or \"...\")");
	s += 2;
	n = strlen(s);
	if (n == 0 || (n + 1) / 2 > SK_KEY_MAX)
		return sk_perr(p, "bad key length");
	if (n % 2) {
		if ((lo = hexval(*s++)) < 0)
			return sk_perr(p, "bad hex digit in key");
		buf[i++] = lo;
	}
	for (; *s; s += 2) {
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return sk_perr(p, "bad hex digit in key");
		buf[i++] = hi << 4 | lo;
	}
	*len = i;
	return 0;
}

static int
keysize_ok(struct sk_parser *p, const struct sk_alg *a, size_t len)
{
	size_t bits = len * 8;

	if (bits < a->minbits || bits > a->maxbits) {
		if (a->minbits == a->maxbits)
			return sk_perr(p, "%s takes a %u-bit key, not %zu bits",
			    a->name, a->minbits, bits);
		return sk_perr(p, "%s takes a key of %u to %u bits, not %zu",
		    a->name, a->minbits, a->maxbits, bits);
	}
	return 0;
}

static int
one_algorithm(struct sk_parser *p, struct sk_cmd *c, enum sk_algkind kind)
{
	static const char *kinds[] = { "encryption", "authentication",
	    "compression" };
	const struct sk_alg *a;
	const char *w;
	enum sk_tok t;

	if ((w = sk_word(p, "an algorithm name")) == NULL)
		return -1;
	if ((a = sk_alg_byname(kind, w)) == NULL)
		return sk_perr(p, "unknown %s algorithm %s", kinds[kind], w);
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
int
sk_parse_algorithms(struct sk_parser *p, struct sk_cmd *c)
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
			return sk_perr(p, "%s given twice", w);
		else
			return sk_perr(p, "unexpected %s (want -E, -A or -C)",
			    w);
	}
	/* Aliases share an id and its flags: look up the printed name. */
	if (seen_e && (a = sk_alg_byname(SK_ALG_ENC,
	    sk_alg_name(SK_ALG_ENC, c->ealg))) != NULL)
		aead = a->aead;
	switch (c->satype) {
	case SADB_SATYPE_ESP:
		if (!seen_e)
			return sk_perr(p, "esp needs -E (use -E null for "
			    "authentication only)");
		if (seen_c)
			return sk_perr(p, "-C is for ipcomp, not esp");
		if (aead && seen_a)
			return sk_perr(p, "%s authenticates by itself; drop the -A",
			    sk_alg_name(SK_ALG_ENC, c->ealg));
		break;
	case SADB_SATYPE_AH:
		if (!seen_a || seen_e || seen_c)
			return sk_perr(p, "ah takes -A and nothing else");
		break;
	case SADB_X_SATYPE_IPCOMP:
		if (!seen_c || seen_e || seen_a)
			return sk_perr(p, "ipcomp takes -C and nothing else");
		break;
	}
	return 0;
}
