/* SPDX-License-Identifier: ISC */
/*
 * IKE identities: parsing, formatting, comparison.  See id.h.  DNs go
 * through OpenSSL's X509_NAME so that configured names, names in ID
 * payloads and names in certificates are compared the same way.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "id.h"

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

static int
keyid(const char *s, struct config_id *id, const char **why)
{
	size_t n = strlen(s), i;

	if (n == 0 || n % 2 || n / 2 > sizeof(id->data)) {
		*why = "key id: expected an even number of hex digits";
		return (-1);
	}
	for (i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "key id: bad hex digit";
			return (-1);
		}
		id->data[i] = hi << 4 | lo;
	}
	id->type = IKEV2_ID_KEY_ID;
	id->len = n / 2;
	return (0);
}

static int
text_id(uint8_t type, const char *s, struct config_id *id, const char **why)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > sizeof(id->data)) {
		*why = "identity empty or too long";
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i])) {
			*why = "blank or control character in the identity";
			return (-1);
		}
	if (type == IKEV2_ID_FQDN && (s[0] == '.' || strstr(s, "..") ||
	    s[0] == '@')) {
		*why = "FQDN identity: empty label";
		return (-1);
	}
	if (type == IKEV2_ID_RFC822_ADDR) {
		const char *dom = strrchr(s, '@');

		if (s[0] == '@' || dom == NULL || dom[1] == '\0' ||
		    dom[1] == '.' || strstr(dom, "..")) {
			*why = "email identity: expected user@domain";
			return (-1);
		}
	}
	id->type = type;
	id->len = n;
	memcpy(id->data, s, n);
	return (0);
}

static int
ip_id(int family, const char *s, struct config_id *id, const char **why)
{
	if (inet_pton(family, s, id->data) != 1) {
		*why = "not an IP address";
		return (-1);
	}
	id->type = family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	id->len = family == AF_INET ? 4 : 16;
	return (0);
}

/*
 * Attribute names without case, as strongSwan takes them ("cn=", "E=");
 * OpenSSL's names are case-sensitive.
 */
static void
canon_attr(char *attr)
{
	static const char *const names[] = { "C", "ST", "L", "O", "OU", "CN",
	    "DC", "UID", "SN", "GN", "serialNumber", "title", "emailAddress",
	    "street", "postalCode", "pseudonym", "initials" };
	size_t i;

	if (!strcasecmp(attr, "E") || !strcasecmp(attr, "email"))
		strcpy(attr, "emailAddress");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(attr, names[i]))
			strcpy(attr, names[i]);
}

/*
 * "C=CH, O=Example, CN=host": RDNs separated by ',' (or '/'), a '+'
 * joins attributes into one multi-valued RDN, '\' escapes the next
 * character.  "E" is accepted for emailAddress, as strongSwan writes it.
 */
static int
dn_id(const char *s, struct config_id *id, const char **why)
{
	char attr[64], val[256];
	X509_NAME *name;
	unsigned char *p;
	int len, set = 0, n;
	size_t a, v;

	if ((name = X509_NAME_new()) == NULL) {
		*why = "out of memory";
		return (-1);
	}
	*why = NULL;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		for (a = 0; *s != '=' && *s != '\0' && a < sizeof(attr) - 1; )
			attr[a++] = *s++;
		while (a > 0 && attr[a - 1] == ' ')
			a--;
		attr[a] = '\0';
		if (*s != '=' || a == 0) {
			*why = "DN: expected ATTR=value";
			break;
		}
		s++;
		while (*s == ' ')
			s++;
		for (v = 0; *s != '\0' && *s != ',' && *s != '/' && *s != '+';) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (v == sizeof(val) - 1) {
				*why = "DN: value too long";
				break;
			}
			val[v++] = *s++;
		}
		if (*why != NULL)
			break;
		while (v > 0 && val[v - 1] == ' ')
			v--;
		val[v] = '\0';
		if (v == 0) {
			*why = "DN: empty value";
			break;
		}
		canon_attr(attr);
		if (!X509_NAME_add_entry_by_txt(name, attr, MBSTRING_UTF8,
		    (unsigned char *)val, -1, -1, set)) {
			*why = "DN: unknown attribute or bad value";
			break;
		}
		set = *s == '+' ? -1 : 0;
		if (*s != '\0' && *++s == '\0') {
			*why = "DN: trailing separator";
			break;
		}
	}
	if (*why == NULL && X509_NAME_entry_count(name) == 0)
		*why = "DN: no attributes";
	if (*why == NULL) {
		len = i2d_X509_NAME(name, NULL);
		if (len <= 0 || (size_t)len > sizeof(id->data)) {
			*why = "DN too long";
		} else {
			p = id->data;
			n = i2d_X509_NAME(name, &p);
			id->type = IKEV2_ID_DER_ASN1_DN;
			id->len = n;
		}
	}
	X509_NAME_free(name);
	return (*why == NULL ? 0 : -1);
}

int
id_parse(const char *s, struct config_id *id, const char **why)
{
	static const struct {
		const char	*prefix;
		int		 kind;
	} prefixes[] = {
		{ "fqdn:", IKEV2_ID_FQDN }, { "email:", IKEV2_ID_RFC822_ADDR },
		{ "rfc822:", IKEV2_ID_RFC822_ADDR },
		{ "ipv4:", IKEV2_ID_IPV4_ADDR }, { "ipv6:", IKEV2_ID_IPV6_ADDR },
		{ "dn:", IKEV2_ID_DER_ASN1_DN }, { "asn1dn:", IKEV2_ID_DER_ASN1_DN },
		{ "keyid:", IKEV2_ID_KEY_ID },
	};
	uint8_t tmp[16];
	size_t i;

	memset(id, 0, sizeof(*id));
	for (i = 0; s[i] != '\0'; i++)
		if (iscntrl((unsigned char)s[i])) {
			*why = "control character in the identity";
			return (-1);
		}
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (strncasecmp(s, prefixes[i].prefix, n) != 0)
			continue;
		s += n;
		switch (prefixes[i].kind) {
		case IKEV2_ID_IPV4_ADDR:
			return (ip_id(AF_INET, s, id, why));
		case IKEV2_ID_IPV6_ADDR:
			return (ip_id(AF_INET6, s, id, why));
		case IKEV2_ID_DER_ASN1_DN:
			return (dn_id(s, id, why));
		case IKEV2_ID_KEY_ID:
			return (keyid(s, id, why));
		default:
			return (text_id(prefixes[i].kind, s, id, why));
		}
	}
	if (inet_pton(AF_INET, s, tmp) == 1)
		return (ip_id(AF_INET, s, id, why));
	if (inet_pton(AF_INET6, s, tmp) == 1)
		return (ip_id(AF_INET6, s, id, why));
	if (!strncmp(s, "@#", 2))
		return (keyid(s + 2, id, why));
	if (!strncmp(s, "0x", 2))
		return (keyid(s + 2, id, why));
	if (s[0] == '@')
		return (text_id(IKEV2_ID_FQDN, s + 1, id, why));
	if (strchr(s, '='))
		return (dn_id(s, id, why));
	if (strchr(s, '@'))
		return (text_id(IKEV2_ID_RFC822_ADDR, s, id, why));
	return (text_id(IKEV2_ID_FQDN, s, id, why));
}

/* The DER as an X509_NAME, or NULL if it is not a DN. */
X509_NAME *
id_dn(const struct config_id *id)
{
	const unsigned char *p = id->data;
	X509_NAME *name;

	if (id->type != IKEV2_ID_DER_ASN1_DN)
		return (NULL);
	name = d2i_X509_NAME(NULL, &p, id->len);
	if (name != NULL && p != id->data + id->len) {
		X509_NAME_free(name);
		return (NULL);
	}
	return (name);
}

int
id_from_payload(uint8_t type, const uint8_t *data, size_t len,
    struct config_id *id)
{
	X509_NAME *name;

	memset(id, 0, sizeof(*id));
	if (len == 0 || len > sizeof(id->data))
		return (-1);
	if ((type == IKEV2_ID_IPV4_ADDR && len != 4) ||
	    (type == IKEV2_ID_IPV6_ADDR && len != 16))
		return (-1);
	id->type = type;
	id->len = len;
	memcpy(id->data, data, len);
	if (type == IKEV2_ID_DER_ASN1_DN) {
		if ((name = id_dn(id)) == NULL)
			return (-1);
		X509_NAME_free(name);
	}
	return (0);
}

static void
printable(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < len; i++)
		o += snprintf(buf + o, len - o, isprint(p[i]) && p[i] != '\\' ?
		    "%c" : "\\x%02x", p[i]);
	buf[o] = '\0';
}

char *
id_format(const struct config_id *id, char *buf, size_t len)
{
	X509_NAME *name;
	BIO *bio;
	size_t i, o;
	int n;

	if (len == 0)
		return (buf);
	buf[0] = '\0';
	switch (id->type) {
	case 0:
		snprintf(buf, len, "%%any");
		break;
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		if (!inet_ntop(id->type == IKEV2_ID_IPV4_ADDR ? AF_INET :
		    AF_INET6, id->data, buf, len))
			snprintf(buf, len, "(bad address)");
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		printable(id->data, id->len, buf, len);
		break;
	case IKEV2_ID_DER_ASN1_DN:
		name = id_dn(id);
		bio = BIO_new(BIO_s_mem());
		if (name == NULL || bio == NULL ||
		    X509_NAME_print_ex(bio, name, 0, XN_FLAG_SEP_CPLUS_SPC |
		    XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS |
		    ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL |
		    ASN1_STRFLGS_UTF8_CONVERT) < 0) {
			snprintf(buf, len, "(bad DN)");
		} else {
			n = BIO_read(bio, buf, len - 1);
			buf[n > 0 ? n : 0] = '\0';
		}
		BIO_free(bio);
		X509_NAME_free(name);
		break;
	default:
		o = snprintf(buf, len, "%s",
		    id->type == IKEV2_ID_KEY_ID ? "@#" : "(type) ");
		for (i = 0; i < id->len && o + 3 < len; i++)
			o += snprintf(buf + o, len - o, "%02x", id->data[i]);
		break;
	}
	return (buf);
}

/*
 * Equal DNS names: ASCII without case (RFC 4343).  A trailing dot counts,
 * as it does for the kernel's SPD Name selectors (kmod/name_sel.c), so
 * that what the PAD lets in and what the kernel admits never differ.
 */
int
id_dns_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return (alen == blen && alen > 0 &&
	    strncasecmp((const char *)a, (const char *)b, alen) == 0 &&
	    memchr(a, '\0', alen) == NULL);
}

int
id_equal(const struct config_id *a, const struct config_id *b)
{
	X509_NAME *na, *nb;
	int r;

	if (a->type != b->type)
		return (0);
	switch (a->type) {
	case IKEV2_ID_FQDN:
		return (id_dns_equal(a->data, a->len, b->data, b->len));
	case IKEV2_ID_RFC822_ADDR:
		/* all of it without case, as strongSwan and the kernel do */
		return (id_dns_equal(a->data, a->len, b->data, b->len));
	case IKEV2_ID_DER_ASN1_DN:
		na = id_dn(a);
		nb = id_dn(b);
		r = na != NULL && nb != NULL && X509_NAME_cmp(na, nb) == 0;
		X509_NAME_free(na);
		X509_NAME_free(nb);
		return (r);
	default:
		return (a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
	}
}

/*
 * Is peer below the DN pattern: its first RDNs (in DER order, the most
 * significant first) equal all of pat's, and it has at least one more?
 */
int
id_dn_below(const struct config_id *pat, const struct config_id *peer)
{
	X509_NAME *np = id_dn(pat), *nq = id_dn(peer), *head = NULL;
	int i, k, r = 0;

	if (np == NULL || nq == NULL)
		goto out;
	k = X509_NAME_ENTRY_set(X509_NAME_get_entry(np,
	    X509_NAME_entry_count(np) - 1)) + 1;
	if ((head = X509_NAME_new()) == NULL)
		goto out;
	for (i = 0; i < X509_NAME_entry_count(nq); i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(nq, i);

		if (X509_NAME_ENTRY_set(e) >= k)
			break;
		if (!X509_NAME_add_entry(head, e, -1,
		    i > 0 && X509_NAME_ENTRY_set(e) ==
		    X509_NAME_ENTRY_set(X509_NAME_get_entry(nq, i - 1)) ? -1 : 0))
			goto out;
	}
	/* i < count: an RDN beyond the pattern's is left over. */
	r = i < X509_NAME_entry_count(nq) && X509_NAME_cmp(head, np) == 0;
out:
	X509_NAME_free(head);
	X509_NAME_free(np);
	X509_NAME_free(nq);
	return (r);
}
