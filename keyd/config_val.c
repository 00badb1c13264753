/* SPDX-License-Identifier: ISC */
/*
 * keyd.conf value syntax: booleans, numbers, durations, addresses,
 * traffic selectors, proposals and secrets.  See config_int.h; every
 * parser returns NULL or a message for "FILE:LINE: key: message".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

int
cv_split(char *s, char **items, int max)
{
	int n = 0;
	char *tok, *e;

	for (;;) {
		tok = s;
		s = strchr(s, ',');
		if (s != NULL)
			*s++ = '\0';
		while (isspace((unsigned char)*tok))
			tok++;
		e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*tok == '\0' || n == max)
			return (-1);
		items[n++] = tok;
		if (s == NULL)
			return (n);
	}
}

const char *
cv_bool(const char *s, int *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true"))
		*v = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false"))
		*v = 0;
	else
		return ("expected yes or no");
	return (NULL);
}

/* Digits only: strtoull would take signs, blanks and hex. */
static const char *
digits(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s))
		return ("expected a number");
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return ("number too large");
		n = n * 10 + (*s - '0');
	}
	*end = s;
	*v = n;
	return (NULL);
}

const char *
cv_uint(const char *s, uint64_t max, uint64_t *v)
{
	const char *e, *why;

	if ((why = digits(s, &e, v)) != NULL)
		return (why);
	if (*e != '\0')
		return ("expected a number");
	if (*v > max)
		return ("number too large");
	return (NULL);
}

static const char *
suffixed(const char *s, const char *sfx, const uint64_t *mul, uint64_t *v,
    const char *what)
{
	const char *e, *why, *p;

	if ((why = digits(s, &e, v)) != NULL)
		return (why);
	if (*e == '\0')
		return (NULL);
	if (e[1] != '\0' || (p = strchr(sfx, *e)) == NULL)
		return (what);
	if (*v > UINT64_MAX / mul[p - sfx])
		return ("number too large");
	*v *= mul[p - sfx];
	return (NULL);
}

const char *
cv_duration(const char *s, uint64_t *v)
{
	static const uint64_t mul[] = { 1, 60, 3600, 86400 };

	return (suffixed(s, "smhd", mul, v,
	    "expected a duration: a number with s, m, h or d"));
}

const char *
cv_count(const char *s, uint64_t *v)
{
	static const uint64_t mul[] = { 1ULL << 10, 1ULL << 20, 1ULL << 30,
	    1ULL << 10, 1ULL << 20, 1ULL << 30 };

	return (suffixed(s, "kmgKMG", mul, v,
	    "expected a number with an optional k, M or G"));
}

/* One IP address into sa; the family, or 0. */
static int
ip(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return (AF_INET);
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return (AF_INET6);
	}
	return (0);
}

static uint8_t *
addr_bytes(struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return ((uint8_t *)&((struct sockaddr_in *)ss)->sin_addr);
	}
	*len = 16;
	return ((uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr);
}

static int
addr_cmp(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const uint8_t *pa = addr_bytes((struct sockaddr_storage *)a, &la);
	const uint8_t *pb = addr_bytes((struct sockaddr_storage *)b, &lb);

	return (memcmp(pa, pb, la));
}

const char *
cv_addr(const char *s, struct config_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8], *sep;
	uint8_t *lo, *hi;
	uint64_t plen;
	size_t len, i;

	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "%any")) {
		a->family = AF_UNSPEC;
		return (NULL);
	}
	if (strlen(s) >= sizeof(buf))
		return ("expected an address, prefix or range");
	strcpy(buf, s);
	if ((sep = strchr(buf, '/')) != NULL) {
		*sep++ = '\0';
		if ((a->family = ip(buf, &a->lo)) == 0)
			return ("expected an address before '/'");
		a->hi = a->lo;
		lo = addr_bytes(&a->lo, &len);
		hi = addr_bytes(&a->hi, &len);
		if (cv_uint(sep, len * 8, &plen) != NULL)
			return ("bad prefix length");
		for (i = 0; i < len; i++) {
			unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
			uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

			if (lo[i] & ~mask)
				return ("host bits set in the prefix");
			hi[i] = lo[i] | (uint8_t)~mask;
		}
		return (NULL);
	}
	if ((sep = strchr(buf, '-')) != NULL) {
		*sep++ = '\0';
		a->family = ip(buf, &a->lo);
		if (a->family == 0 || ip(sep, &a->hi) != a->family)
			return ("expected a range ADDR-ADDR of one family");
		if (addr_cmp(&a->lo, &a->hi) > 0)
			return ("range ends before it starts");
		return (NULL);
	}
	if ((a->family = ip(buf, &a->lo)) == 0)
		return ("expected an address, prefix, range or %any");
	a->hi = a->lo;
	return (NULL);
}

int
cv_addr_contains(const struct config_addr *a, const struct sockaddr *sa)
{
	struct sockaddr_storage ss;

	if (a->family == AF_UNSPEC)
		return (1);
	if (sa->sa_family != a->family)
		return (0);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, a->family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6));
	return (addr_cmp(&a->lo, &ss) <= 0 && addr_cmp(&ss, &a->hi) <= 0);
}

/* "10.0.0.0/24[tcp/445]", "dynamic[udp]", "::/0[icmp6/128]" */
const char *
cv_ts(const char *s, struct config_ts *ts)
{
	static const struct {
		const char	*name;
		uint8_t		 proto;
	} protos[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 },
		{ "ipv6-icmp", 58 }, { "sctp", 132 }, { "gre", 47 },
	};
	char buf[128], *br, *proto, *port, *dash;
	const char *why;
	uint64_t v, v2;
	size_t i;
	int icmp;

	memset(ts, 0, sizeof(*ts));
	ts->port_hi = 0xffff;
	if (strlen(s) >= sizeof(buf))
		return ("traffic selector too long");
	strcpy(buf, s);
	if ((br = strchr(buf, '[')) != NULL) {
		if (buf[strlen(buf) - 1] != ']')
			return ("expected ']' at the end");
		buf[strlen(buf) - 1] = '\0';
		*br++ = '\0';
	}
	if (!strcmp(buf, "dynamic"))
		ts->dynamic = 1;
	else if ((why = cv_addr(buf, &ts->addr)) != NULL)
		return (why);
	else if (ts->addr.family == AF_UNSPEC)
		return ("use 0.0.0.0/0 or ::/0, not %any, in a selector");
	if (br == NULL)
		return (NULL);
	proto = br;
	if ((port = strchr(br, '/')) != NULL)
		*port++ = '\0';
	if (*proto != '\0' && strcmp(proto, "%any") != 0) {
		for (i = 0; i < nitems(protos); i++)
			if (!strcmp(protos[i].name, proto))
				break;
		if (i < nitems(protos))
			ts->proto = protos[i].proto;
		else if (cv_uint(proto, 255, &v) == NULL && v != 0)
			ts->proto = v;
		else
			return ("unknown protocol");
	}
	if (port == NULL || !strcmp(port, "%any"))
		return (NULL);
	icmp = ts->proto == 1 || ts->proto == 58;
	if (ts->proto != 6 && ts->proto != 17 && ts->proto != 132 && !icmp)
		return ("ports need tcp, udp, sctp or icmp");
	if (icmp) {
		/* RFC 7296 §3.13.1: type in the high octet, code low. */
		if (cv_uint(port, 255, &v) != NULL)
			return ("expected an ICMP type");
		ts->port_lo = v << 8;
		ts->port_hi = v << 8 | 0xff;
		return (NULL);
	}
	if ((dash = strchr(port, '-')) != NULL)
		*dash++ = '\0';
	if (cv_uint(port, 65535, &v) != NULL ||
	    (dash != NULL && cv_uint(dash, 65535, &v2) != NULL))
		return ("expected a port or a range PORT-PORT");
	ts->port_lo = v;
	ts->port_hi = dash != NULL ? v2 : v;
	if (ts->port_lo > ts->port_hi)
		return ("port range ends before it starts");
	return (NULL);
}

/* strongSwan's proposal keywords (swanctl.conf(5), IKEv2 cipher suites). */
enum kw_kind { KW_ENCR, KW_INTEG, KW_PRF, KW_DH, KW_ESN };

static const struct {
	const char	*name;
	enum kw_kind	 kind;
	uint16_t	 id, keylen;
} keywords[] = {
	{ "aes128", KW_ENCR, IKEV2_ENCR_AES_CBC, 128 },
	{ "aes192", KW_ENCR, IKEV2_ENCR_AES_CBC, 192 },
	{ "aes256", KW_ENCR, IKEV2_ENCR_AES_CBC, 256 },
	{ "aes128gcm16", KW_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16", KW_ENCR, IKEV2_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16", KW_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm128", KW_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
	{ "aes256gcm128", KW_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305", KW_ENCR, IKEV2_ENCR_CHACHA20_POLY1305, 0 },
	{ "sha256", KW_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", KW_INTEG, IKEV2_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", KW_INTEG, IKEV2_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha256", KW_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", KW_PRF, IKEV2_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", KW_PRF, IKEV2_PRF_HMAC_SHA2_512, 0 },
	{ "modp2048", KW_DH, IKEV2_DH_MODP_2048, 0 },
	{ "modp3072", KW_DH, IKEV2_DH_MODP_3072, 0 },
	{ "ecp256", KW_DH, IKEV2_DH_ECP_256, 0 },
	{ "ecp384", KW_DH, IKEV2_DH_ECP_384, 0 },
	{ "ecp521", KW_DH, IKEV2_DH_ECP_521, 0 },
	{ "curve25519", KW_DH, IKEV2_DH_CURVE25519, 0 },
	{ "x25519", KW_DH, IKEV2_DH_CURVE25519, 0 },
	{ "esn", KW_ESN, 1, 0 },
	{ "noesn", KW_ESN, 0, 0 },
};

/* sha256 in an IKE proposal without a prf also means prfsha256. */
static uint16_t
prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA2_256_128:
		return (IKEV2_PRF_HMAC_SHA2_256);
	case IKEV2_INTEG_HMAC_SHA2_384_192:
		return (IKEV2_PRF_HMAC_SHA2_384);
	default:
		return (IKEV2_PRF_HMAC_SHA2_512);
	}
}

static int
is_aead(uint16_t encr)
{
	return (encr == IKEV2_ENCR_AES_GCM_16 ||
	    encr == IKEV2_ENCR_CHACHA20_POLY1305);
}

const char *
cv_proposal(const char *s, int esp, struct config_proposal *p)
{
	char buf[256], *tok, *save;
	int esn = 0, i;
	size_t k;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf))
		return ("proposal too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, "-", &save); tok != NULL;
	    tok = strtok_r(NULL, "-", &save)) {
		for (k = 0; k < nitems(keywords); k++)
			if (!strcmp(keywords[k].name, tok))
				break;
		if (k == nitems(keywords))
			return ("unknown algorithm in the proposal");
		switch (keywords[k].kind) {
		case KW_ENCR:
			if (p->encr)
				return ("one encryption algorithm per "
				    "proposal; list another proposal");
			p->encr = keywords[k].id;
			p->encr_keylen = keywords[k].keylen;
			break;
		case KW_INTEG:
			if (p->integ)
				return ("one integrity algorithm per proposal");
			p->integ = keywords[k].id;
			break;
		case KW_PRF:
			if (esp)
				return ("a prf has no place in an ESP proposal");
			if (p->prf)
				return ("one prf per proposal");
			p->prf = keywords[k].id;
			break;
		case KW_DH:
			for (i = 0; i < p->ndh; i++)
				if (p->dh[i] == keywords[k].id)
					return ("group listed twice");
			if (p->ndh == (int)nitems(p->dh))
				return ("too many groups in one proposal");
			p->dh[p->ndh++] = keywords[k].id;
			break;
		case KW_ESN:
			if (!esp)
				return ("esn/noesn belong in ESP proposals");
			esn |= keywords[k].id ? 2 : 1;
			break;
		}
	}
	if (!p->encr)
		return ("proposal without an encryption algorithm");
	if (is_aead(p->encr) && p->integ)
		return ("an AEAD algorithm takes no integrity algorithm");
	if (!is_aead(p->encr) && !p->integ)
		return ("proposal without an integrity algorithm");
	if (!esp) {
		if (!p->ndh)
			return ("IKE proposal without a key exchange group");
		if (!p->prf && !p->integ)
			return ("AEAD IKE proposal without a prf");
		if (!p->prf)
			p->prf = prf_for_integ(p->integ);
	}
	/* ESN field: 0 no, 1 yes, 2 either; noesn alone is the default. */
	p->esn = esn == 3 ? 2 : esn == 2 ? 1 : 0;
	return (NULL);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* A PSK: 0x-prefixed hex, else the string's octets. */
const char *
cv_secret(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), i;
	uint8_t *p;

	*out = NULL;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
		if (n == 0 || n % 2)
			return ("hex secret needs an even number of digits");
		if ((p = malloc(n / 2)) == NULL)
			return ("out of memory");
		for (i = 0; i < n / 2; i++) {
			int hi = hexval((unsigned char)s[2 * i]);
			int lo = hexval((unsigned char)s[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				memset(p, 0, n / 2);
				free(p);
				return ("bad hex digit in the secret");
			}
			p[i] = hi << 4 | lo;
		}
		*out = p;
		*len = n / 2;
		return (NULL);
	}
	if (n == 0)
		return ("empty secret");
	if ((p = malloc(n)) == NULL)
		return ("out of memory");
	memcpy(p, s, n);
	*out = p;
	*len = n;
	return (NULL);
}

/*
 * populate_from_packet (RFC 4301 §4.4.1.2 PFP flags): yes, no, or a list
 * of the selectors taken from the packet rather than the policy.
 */
const char *
cv_pfp(const char *s, int *v)
{
	static const struct {
		const char	*name;
		int		 bit;
	} bits[] = {
		{ "local_addr", PFP_LOCAL_ADDR }, { "remote_addr", PFP_REMOTE_ADDR },
		{ "proto", PFP_PROTO }, { "local_port", PFP_LOCAL_PORT },
		{ "remote_port", PFP_REMOTE_PORT },
	};
	char buf[128], *items[8];
	int n, i;
	size_t k;

	if (cv_bool(s, v) == NULL) {
		*v = *v ? PFP_ALL : 0;
		return (NULL);
	}
	if (strlen(s) >= sizeof(buf))
		return ("expected yes, no or a list of selectors");
	strcpy(buf, s);
	if ((n = cv_split(buf, items, nitems(items))) < 0)
		return ("expected yes, no or a list of selectors");
	*v = 0;
	for (i = 0; i < n; i++) {
		for (k = 0; k < nitems(bits); k++)
			if (!strcmp(items[i], bits[k].name))
				break;
		if (k == nitems(bits))
			return ("unknown selector: expected local_addr, "
			    "remote_addr, proto, local_port or remote_port");
		*v |= bits[k].bit;
	}
	return (NULL);
}

/*
 * An SA mark: VALUE or VALUE/MASK (numbers, hex with 0x); the mask
 * defaults to all ones.  A zero mask would be no mark at all, and value
 * bits outside the mask would never reach a packet: both refused.
 */
const char *
cv_mark(const char *s, uint32_t *value, uint32_t *mask)
{
	unsigned long long v, m = 0xffffffffULL;
	char *end;

	if (*s < '0' || *s > '9')
		return ("expected VALUE or VALUE/MASK");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end == '/') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return ("expected VALUE or VALUE/MASK");
		m = strtoull(s, &end, 0);
	}
	if (*end != '\0' || errno)
		return ("expected VALUE or VALUE/MASK");
	if (v > 0xffffffffULL || m > 0xffffffffULL)
		return ("mark and mask are 32-bit");
	if (m == 0)
		return ("mask 0 marks nothing");
	if (v & ~m)
		return ("value has bits outside the mask");
	*value = v;
	*mask = m;
	return (NULL);
}

/* The range as ADDR/PLEN, if it is exactly one prefix; else -1. */
int
cv_addr_prefix(const struct config_addr *a, struct sockaddr_storage *ss,
    uint8_t *plen)
{
	const uint8_t *lo, *hi;
	int bits, i;

	if (a->family == AF_INET) {
		lo = (const uint8_t *)&((const struct sockaddr_in *)&a->lo)->sin_addr;
		hi = (const uint8_t *)&((const struct sockaddr_in *)&a->hi)->sin_addr;
		bits = 32;
	} else if (a->family == AF_INET6) {
		lo = (const uint8_t *)&((const struct sockaddr_in6 *)&a->lo)->sin6_addr;
		hi = (const uint8_t *)&((const struct sockaddr_in6 *)&a->hi)->sin6_addr;
		bits = 128;
	} else
		return (-1);
	for (i = 0; i < bits; i++)
		if ((lo[i / 8] ^ hi[i / 8]) >> (7 - i % 8) & 1)
			break;
	*plen = i;
	/* past the common part: lo all zeros, hi all ones */
	for (; i < bits; i++)
		if ((lo[i / 8] >> (7 - i % 8) & 1) ||
		    !(hi[i / 8] >> (7 - i % 8) & 1))
			return (-1);
	*ss = a->lo;
	return (0);
}
