/* SPDX-License-Identifier: ISC */
/*
 * IKEv2 payload parsing.
 *
 * Each payload has a validate/parse pair, as in OpenBSD iked:
 * ikev2_validate_<x>() checks that the fixed part fits and that every
 * length it carries agrees with the bytes actually there, and copies the
 * fixed part into a local packed struct; ikev2_pld_<x>() then gives the
 * fields their meaning and fills struct ikev2_msg_p.  No length from the
 * wire is used before it has been compared with what is left.
 *
 * The negotiating payloads (SA, KE, Nonce, TS, CP) are in ikev2_pld_neg.c.
 * Only libc: these two files link alone into the unit tests and the fuzzer.
 */
#include <arpa/inet.h>
#include <string.h>

#include "ikev2_pld_int.h"

static int	ikev2_pld_payloads(struct ikev2_msg_p *, const uint8_t *,
		    size_t, size_t, uint8_t);

/* --- IKE header ------------------------------------------------------ */

static int
ikev2_validate_hdr(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len,
    struct ikev2_hdr *hdr)
{
	if (len < sizeof(*hdr))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(hdr, buf, sizeof(*hdr));
	/*
	 * The length must describe exactly this datagram: a shorter claim
	 * would let trailing bytes ride along unauthenticated, a longer one
	 * would send us past the end.
	 */
	if (ntohl(hdr->length) != len)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	if ((hdr->version & IKEV2_MAJOR_MASK) != IKEV2_VERSION)
		return (pld_error(msg, IKEV2_N_INVALID_MAJOR_VERSION));
	return (0);
}

static int
ikev2_pld_hdr(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	struct ikev2_hdr hdr;

	if (ikev2_validate_hdr(msg, buf, len, &hdr) == -1)
		return (-1);
	memcpy(msg->ispi, hdr.ispi, sizeof(msg->ispi));
	memcpy(msg->rspi, hdr.rspi, sizeof(msg->rspi));
	msg->next = hdr.next;
	msg->version = hdr.version;
	msg->exchange = hdr.exchange;
	msg->flags = hdr.flags;
	msg->msgid = ntohl(hdr.msgid);
	msg->length = ntohl(hdr.length);
	return (0);
}

/* --- generic payload header ------------------------------------------ */

static int
ikev2_validate_pld(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_gen *gen)
{
	size_t plen;

	/* We need the generic header itself, ... */
	if (left < sizeof(*gen))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(gen, p, sizeof(*gen));
	plen = ntohs(gen->length);
	/* ... all the bytes it claims, ... */
	if (left < plen)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	/* ... and a claim that at least covers the header. */
	if (plen < sizeof(*gen))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

/* --- IDi/IDr, CERT/CERTREQ, AUTH ------------------------------------- */

static int
ikev2_validate_id(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_id *id)
{
	size_t dlen;

	if (left < sizeof(*id))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(id, p, sizeof(*id));
	dlen = left - sizeof(*id);
	switch (id->type) {
	case IKEV2_ID_IPV4_ADDR:
		if (dlen != 4)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_ID_IPV6_ADDR:
		if (dlen != 16)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_ID_NULL:
		break;			/* RFC 7619: data may be empty */
	default:
		if (dlen == 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	}
	return (0);
}

static int
ikev2_pld_id(struct ikev2_msg_p *msg, struct ikev2_id_p *out,
    const uint8_t *p, size_t left)
{
	struct ikev2_id id;

	if (ikev2_validate_id(msg, p, left, &id) == -1)
		return (-1);
	out->type = id.type;
	out->data = span(p + sizeof(id), left - sizeof(id));
	out->body = span(p, left);
	return (0);
}

static int
ikev2_validate_cert(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_cert *cert)
{
	if (left < sizeof(*cert))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(cert, p, sizeof(*cert));
	return (0);
}

static int
ikev2_pld_cert(struct ikev2_msg_p *msg, struct ikev2_cert_p *tab,
    unsigned *n, const uint8_t *p, size_t left)
{
	struct ikev2_cert cert;

	if (ikev2_validate_cert(msg, p, left, &cert) == -1)
		return (-1);
	if (*n == IKEV2_MAX_CERT)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	tab[*n].encoding = cert.encoding;
	tab[*n].data = span(p + sizeof(cert), left - sizeof(cert));
	(*n)++;
	return (0);
}

static int
ikev2_validate_auth(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_auth *auth)
{
	if (left <= sizeof(*auth))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(auth, p, sizeof(*auth));
	return (0);
}

static int
ikev2_pld_auth(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_auth auth;

	if (ikev2_validate_auth(msg, p, left, &auth) == -1)
		return (-1);
	msg->auth.method = auth.method;
	msg->auth.data = span(p + sizeof(auth), left - sizeof(auth));
	return (0);
}

/* --- Notify ---------------------------------------------------------- */

static int
ikev2_validate_notify(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_notify *n)
{
	if (left < sizeof(*n))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(n, p, sizeof(*n));
	if (left - sizeof(*n) < n->spisize)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

/*
 * Check the notifies whose data the exchanges act on before any state
 * exists, and lift them out so nobody re-parses them.
 */
static int
ikev2_pld_notify_known(struct ikev2_msg_p *msg, const struct ikev2_notify_p *n)
{
	uint64_t h;
	size_t i;

	switch (n->type) {
	case IKEV2_N_NAT_DETECTION_SOURCE_IP:
	case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
		if (n->data.len != IKEV2_NATD_LEN || n->spisize != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			if (msg->natd_dst.len != 0)
				return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
			msg->natd_dst = n->data;
		} else {
			if (msg->nnatd_src == nitems(msg->natd_src))
				return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
			msg->natd_src[msg->nnatd_src++] = n->data;
		}
		break;
	case IKEV2_N_COOKIE:
		if (n->data.len == 0 || n->data.len > IKEV2_COOKIE_MAX)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		/* Only IKE_SA_INIT carries a cookie, and never under SK. */
		if (!n->encrypted && msg->cookie.len == 0)
			msg->cookie = n->data;
		break;
	case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:
		/* RFC 7427 §4: a list of 16-bit hash algorithm numbers. */
		if (n->data.len == 0 || n->data.len % 2 != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		for (i = 0; i < n->data.len; i += 2) {
			h = be_uint(n->data.ptr + i, 2);
			if (h < 32)	/* unknown numbers are just not ours */
				msg->sighash |= 1u << h;
		}
		break;
	case IKEV2_N_INVALID_KE_PAYLOAD:
		if (n->data.len != 2)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		msg->invalid_ke_group = be_uint(n->data.ptr, 2);
		break;
	}
	return (0);
}

static int
ikev2_pld_notify(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_notify n;
	struct ikev2_notify_p *np;
	size_t off;

	if (ikev2_validate_notify(msg, p, left, &n) == -1)
		return (-1);
	if (msg->nnotify == IKEV2_MAX_NOTIFY)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	np = &msg->notify[msg->nnotify++];
	np->proto = n.proto;
	np->spisize = n.spisize;
	np->type = ntohs(n.type);
	np->encrypted = msg->inner;
	off = sizeof(n);
	np->spi = span(p + off, n.spisize);
	off += n.spisize;
	np->data = span(p + off, left - off);
	return (ikev2_pld_notify_known(msg, np));
}

const struct ikev2_notify_p *
ikev2_pld_notify_find(const struct ikev2_msg_p *msg, uint16_t type)
{
	unsigned i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type == type)
			return (&msg->notify[i]);
	return (NULL);
}

/* --- Delete ---------------------------------------------------------- */

static int
ikev2_validate_delete(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_delete *del)
{
	if (left < sizeof(*del))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(del, p, sizeof(*del));
	/* §3.11: IKE SA deletes carry no SPI, ESP/AH ones 4-octet SPIs. */
	switch (del->proto) {
	case IKEV2_PROTO_IKE:
		if (del->spisize != 0 || ntohs(del->nspi) != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (del->spisize != 4)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		break;
	default:
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	}
	if ((size_t)ntohs(del->nspi) * del->spisize != left - sizeof(*del))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_pld_delete(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	struct ikev2_delete del;
	struct ikev2_delete_p *d;

	if (ikev2_validate_delete(msg, p, left, &del) == -1)
		return (-1);
	if (msg->ndelete == IKEV2_MAX_DELETE)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	d = &msg->del[msg->ndelete++];
	d->proto = del.proto;
	d->spisize = del.spisize;
	d->nspi = ntohs(del.nspi);
	d->spis = span(p + sizeof(del), left - sizeof(del));
	return (0);
}

/* --- Vendor ID, EAP -------------------------------------------------- */

static int
ikev2_pld_vendor(struct ikev2_msg_p *msg, const uint8_t *p, size_t left)
{
	if (msg->nvendor == IKEV2_MAX_VENDOR)
		return (0);		/* informational only: extra ones ignored */
	msg->vendor[msg->nvendor++] = span(p, left);
	return (0);
}

/* --- SK and SKF ------------------------------------------------------ */

static int
ikev2_validate_skf(struct ikev2_msg_p *msg, const uint8_t *p, size_t left,
    struct ikev2_skf *skf)
{
	if (left < sizeof(*skf))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	memcpy(skf, p, sizeof(*skf));
	/* RFC 7383 §2.5: numbered from 1, never above the total. */
	if (ntohs(skf->fragnum) == 0 ||
	    ntohs(skf->fragnum) > ntohs(skf->total))
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

static int
ikev2_pld_sk(struct ikev2_msg_p *msg, uint8_t type, uint8_t first,
    size_t off, const uint8_t *p, size_t left)
{
	struct ikev2_skf skf;

	msg->sk.first = first;
	msg->sk.off = off;
	if (type == IKEV2_PLD_SKF) {
		if (ikev2_validate_skf(msg, p, left, &skf) == -1)
			return (-1);
		msg->sk.fragnum = ntohs(skf.fragnum);
		msg->sk.total = ntohs(skf.total);
		p += sizeof(skf);
		left -= sizeof(skf);
	}
	msg->sk.body = span(p, left);
	return (0);
}

/* --- the payload chain ----------------------------------------------- */

/*
 * May payload `type` appear here?  -1: refuse the message; 0: it is one
 * we do not know (skip it unless critical); 1: parse it.  Payloads that
 * identify, authenticate or select traffic only ever travel under SK
 * (§1.2); outside it, only IKE_SA_INIT has cleartext payloads, plus the
 * unprotected error notifies of §1.5.
 */
static int
pld_allowed(const struct ikev2_msg_p *msg, uint8_t type)
{
	switch (type) {
	case IKEV2_PLD_SA:
	case IKEV2_PLD_KE:
	case IKEV2_PLD_NONCE:
	case IKEV2_PLD_CERTREQ:
	case IKEV2_PLD_VENDOR:
		return (msg->inner ||
		    msg->exchange == IKEV2_EXCH_IKE_SA_INIT ? 1 : -1);
	case IKEV2_PLD_NOTIFY:
		return (1);
	case IKEV2_PLD_IDi:
	case IKEV2_PLD_IDr:
	case IKEV2_PLD_CERT:
	case IKEV2_PLD_AUTH:
	case IKEV2_PLD_DELETE:
	case IKEV2_PLD_TSi:
	case IKEV2_PLD_TSr:
	case IKEV2_PLD_CP:
	case IKEV2_PLD_EAP:
		return (msg->inner ? 1 : -1);
	case IKEV2_PLD_SK:
	case IKEV2_PLD_SKF:
		return (!msg->inner &&
		    msg->exchange != IKEV2_EXCH_IKE_SA_INIT ? 1 : -1);
	default:
		return (0);
	}
}

/* Payloads a message may carry at most once. */
static int
pld_once(struct ikev2_msg_p *msg, uint8_t type)
{
	uint32_t bit;

	switch (type) {
	case IKEV2_PLD_SA: case IKEV2_PLD_KE: case IKEV2_PLD_NONCE:
	case IKEV2_PLD_IDi: case IKEV2_PLD_IDr: case IKEV2_PLD_AUTH:
	case IKEV2_PLD_TSi: case IKEV2_PLD_TSr: case IKEV2_PLD_CP:
	case IKEV2_PLD_EAP: case IKEV2_PLD_SK: case IKEV2_PLD_SKF:
		bit = IKEV2_SEEN(type);
		if (msg->seen & bit)
			return (-1);
		msg->seen |= bit;
		return (0);
	default:
		if (type >= IKEV2_PLD_SA && type <= IKEV2_PLD_SKF)
			msg->seen |= IKEV2_SEEN(type);
		return (0);
	}
}

/*
 * Walk a payload chain that must fill [buf+off, buf+len) exactly.  The SK
 * offset recorded in msg is relative to buf, i.e. to the message start.
 */
static int
ikev2_pld_payloads(struct ikev2_msg_p *msg, const uint8_t *buf, size_t off,
    size_t len, uint8_t type)
{
	struct ikev2_gen gen;
	const uint8_t *p;
	size_t left, plen;
	int r, ok;

	while (type != IKEV2_PLD_NONE) {
		if (ikev2_validate_pld(msg, buf + off, len - off, &gen) == -1)
			return (-1);
		plen = ntohs(gen.length);
		p = buf + off + sizeof(gen);
		left = plen - sizeof(gen);

		if ((ok = pld_allowed(msg, type)) == -1)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		if (ok == 0) {
			if (gen.critical & IKEV2_CRITICAL) {
				msg->error_data = type;
				return (pld_error(msg,
				    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD));
			}
			goto next;
		}
		if (pld_once(msg, type) == -1)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));

		switch (type) {
		case IKEV2_PLD_SA:
			r = ikev2_pld_sa(msg, p, left);
			break;
		case IKEV2_PLD_KE:
			r = ikev2_pld_ke(msg, p, left);
			break;
		case IKEV2_PLD_IDi:
			r = ikev2_pld_id(msg, &msg->idi, p, left);
			break;
		case IKEV2_PLD_IDr:
			r = ikev2_pld_id(msg, &msg->idr, p, left);
			break;
		case IKEV2_PLD_CERT:
			r = ikev2_pld_cert(msg, msg->cert, &msg->ncert,
			    p, left);
			break;
		case IKEV2_PLD_CERTREQ:
			r = ikev2_pld_cert(msg, msg->certreq, &msg->ncertreq,
			    p, left);
			break;
		case IKEV2_PLD_AUTH:
			r = ikev2_pld_auth(msg, p, left);
			break;
		case IKEV2_PLD_NONCE:
			r = ikev2_pld_nonce(msg, p, left);
			break;
		case IKEV2_PLD_NOTIFY:
			r = ikev2_pld_notify(msg, p, left);
			break;
		case IKEV2_PLD_DELETE:
			r = ikev2_pld_delete(msg, p, left);
			break;
		case IKEV2_PLD_VENDOR:
			r = ikev2_pld_vendor(msg, p, left);
			break;
		case IKEV2_PLD_TSi:
			r = ikev2_pld_tss(msg, &msg->tsi, p, left);
			break;
		case IKEV2_PLD_TSr:
			r = ikev2_pld_tss(msg, &msg->tsr, p, left);
			break;
		case IKEV2_PLD_CP:
			r = ikev2_pld_cp(msg, p, left);
			break;
		case IKEV2_PLD_EAP:
			msg->eap = span(p, left);
			r = 0;
			break;
		case IKEV2_PLD_SK:
		case IKEV2_PLD_SKF:
			/*
			 * §3.14: SK is the last payload; its Next Payload
			 * names the first payload inside it.
			 */
			if (off + plen != len)
				return (pld_error(msg,
				    IKEV2_N_INVALID_SYNTAX));
			return (ikev2_pld_sk(msg, type, gen.next, off,
			    p, left));
		default:
			r = 0;
			break;
		}
		if (r == -1)
			return (-1);
 next:
		off += plen;
		type = gen.next;
	}
	/* The chain ended: nothing may trail it. */
	if (off != len)
		return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
	return (0);
}

int
ikev2_pld_parse(struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	memset(msg, 0, sizeof(*msg));
	if (ikev2_pld_hdr(msg, buf, len) == -1)
		return (-1);
	return (ikev2_pld_payloads(msg, buf, sizeof(struct ikev2_hdr), len,
	    msg->next));
}

int
ikev2_pld_parse_inner(struct ikev2_msg_p *msg, uint8_t first,
    const uint8_t *buf, size_t len)
{
	static const uint8_t empty[1];
	int r;

	/* An empty SK (a liveness check) may come as NULL, 0. */
	if (buf == NULL) {
		if (len != 0)
			return (pld_error(msg, IKEV2_N_INVALID_SYNTAX));
		buf = empty;
	}
	msg->inner = 1;
	r = ikev2_pld_payloads(msg, buf, 0, len, first);
	msg->inner = 0;
	return (r);
}
