// SPDX-License-Identifier: ISC
/*
 * IKE messages: framing, the SK payload, message IDs and retransmission
 * (RFC 7296 §2.1–§2.4), and dispatch to the exchanges.
 *
 * Window size 1 both ways: we have at most one request outstanding
 * (sa->req), and we answer the peer's requests in order, keeping our last
 * answer so a retransmitted request gets the same bytes back without being
 * processed twice (§2.1).  Only the requester retransmits; a response is
 * never resent except for a repeated request.  Replies go to the address
 * and port the request came from, whatever the port (§2.11).
 */
#include <string.h>

#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"

static const char *
exch_name(uint8_t e)
{
	switch (e) {
	case IKEV2_EXCH_IKE_SA_INIT:		return ("IKE_SA_INIT");
	case IKEV2_EXCH_IKE_AUTH:		return ("IKE_AUTH");
	case IKEV2_EXCH_CREATE_CHILD_SA:	return ("CREATE_CHILD_SA");
	case IKEV2_EXCH_INFORMATIONAL:		return ("INFORMATIONAL");
	}
	return ("exchange?");
}

static int
send_buf(struct keyd *k, const struct keyd_addr *a, const struct buf *b)
{
	if (k->send(k, a, b->data, b->len) < 0) {
		log_debug("send to %s failed", log_addr(&a->remote));
		return (-1);
	}
	return (0);
}

static void
buf_copy(struct buf *dst, const struct buf *src)
{
	dst->len = 0;
	buf_add(dst, src->data, src->len);
}

int
ikev2_msg_request(struct keyd *k, struct ike_sa *sa, struct buf *m)
{
	const struct ikev2_hdr *h = (const void *)m->data;

	if (buf_error(m) || m->len < sizeof(*h))
		return (-1);
	buf_copy(&sa->req.msg, m);
	if (buf_error(&sa->req.msg))
		return (-1);
	sa->req.msgid = ntohl(h->msgid);
	sa->req.exchange = h->exchange;
	sa->req.tries = 0;
	sa->req.next_ms = k->now + KEYD_RTX_FIRST_MS;
	sa->req.active = 1;
	if (sa->req.msgid == sa->msgid_next)
		sa->msgid_next++;
	return (send_buf(k, &sa->addr, m));
}

int
ikev2_msg_response(struct keyd *k, struct ike_sa *sa, struct buf *m)
{
	if (buf_error(m))
		return (-1);
	buf_copy(&sa->last_resp, m);
	sa->have_resp = !buf_error(&sa->last_resp);
	sa->msgid_peer++;
	return (send_buf(k, &sa->addr, m));
}

int
ikev2_msg_sk(struct ike_sa *sa, struct buf *out, uint8_t exchange,
    int response, uint32_t msgid, struct buf *inner, uint8_t first)
{
	struct ikev2_bld bld;
	uint8_t flags = 0;
	size_t off;

	if (buf_error(inner))
		return (-1);
	if (sa->initiator)
		flags |= IKEV2_FLAG_INITIATOR;
	if (response)
		flags |= IKEV2_FLAG_RESPONSE;
	ikev2_bld_msg(&bld, out, sa->ispi, sa->rspi, exchange, flags, msgid);
	off = ikev2_bld_sk(&bld, first);
	if (buf_error(out))
		return (-1);
	return (crypto_sk_seal(&sa->keys, sa->initiator, out, off,
	    inner->data, inner->len));
}

/* Retransmit with exponential backoff (§2.4); give up after the last. */
void
ikev2_msg_timers(struct keyd *k, struct ike_sa *sa)
{
	struct ike_req *r = &sa->req;

	if (!r->active || k->now < r->next_ms)
		return;
	if (++r->tries >= KEYD_RTX_TRIES) {
		r->active = 0;
		ike_sa_dead(k, sa, "peer does not answer");
		return;
	}
	log_debug("retransmit %s msgid %u (try %d)", exch_name(r->exchange),
	    r->msgid, r->tries + 1);
	r->next_ms = k->now + ((uint64_t)KEYD_RTX_FIRST_MS << r->tries);
	send_buf(k, &sa->addr, &r->msg);
}

void
ikev2_msg_notify_plain(struct keyd *k, const struct keyd_addr *a,
    const struct ikev2_msg_p *req, uint16_t type, const uint8_t *data,
    size_t len)
{
	static const uint8_t zero[IKEV2_SPI_SIZE];
	struct ikev2_bld bld;
	struct buf b;

	buf_init(&b);
	ikev2_bld_msg(&bld, &b, req->ispi,
	    req->exchange == IKEV2_EXCH_IKE_SA_INIT ? zero : req->rspi,
	    req->exchange, IKEV2_FLAG_RESPONSE, req->msgid);
	ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0, type, data, len);
	if (ikev2_bld_msg_done(&bld) == 0)
		send_buf(k, a, &b);
	buf_free(&b);
}

/* Decrypt and parse the SK payload into msg; plain must outlive msg. */
static int
open_sk(struct ike_sa *sa, struct ikev2_msg_p *msg, const uint8_t *buf,
    size_t len, struct buf *plain)
{
	int from_initiator = !!(msg->flags & IKEV2_FLAG_INITIATOR);

	if (!sa->keyed || !(msg->seen & IKEV2_SEEN(IKEV2_PLD_SK)))
		return (-1);
	if (crypto_sk_open(&sa->keys, from_initiator, buf, len,
	    msg->sk.body.ptr - buf, plain) < 0)
		return (-1);
	return (ikev2_pld_parse_inner(msg, msg->sk.first, plain->data,
	    plain->len));
}

static void
dispatch(struct keyd *k, struct ike_sa *sa, const struct ikev2_msg_p *msg,
    int response)
{
	switch (msg->exchange) {
	case IKEV2_EXCH_IKE_AUTH:
		if (response)
			ike_auth_response(k, sa, msg);
		else
			ike_auth_request(k, sa, msg);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		if (response)
			child_sa_response(k, sa, msg);
		else
			child_sa_request(k, sa, msg);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		if (response)
			informational_response(k, sa, msg);
		else
			informational_request(k, sa, msg);
		break;
	default:
		log_debug("%s: exchange %u ignored", sa->conn, msg->exchange);
	}
}

void
keyd_recv(struct keyd *k, const struct keyd_addr *a, uint8_t *buf,
    size_t len)
{
	struct ikev2_msg_p msg;
	struct ike_sa *sa;
	struct buf plain;
	int response;

	if (ikev2_pld_parse(&msg, buf, len) < 0) {
		log_debug("bad message from %s: notify %u",
		    log_addr(&a->remote), msg.error);
		if (msg.error == IKEV2_N_INVALID_MAJOR_VERSION &&
		    !(msg.flags & IKEV2_FLAG_RESPONSE) && len >= 28)
			ikev2_msg_notify_plain(k, a, &msg, msg.error, NULL, 0);
		return;
	}
	response = !!(msg.flags & IKEV2_FLAG_RESPONSE);

	if (msg.exchange == IKEV2_EXCH_IKE_SA_INIT) {
		if (!response) {
			sa = ike_sa_find_half(k, msg.ispi, &a->remote);
			if (sa && sa->have_resp && msg.msgid == 0) {
				/* a retransmission: the same answer (§2.1) */
				send_buf(k, &sa->addr, &sa->last_resp);
				return;
			}
			if (sa == NULL)
				ike_sa_init_request(k, a, &msg, buf, len);
			return;
		}
		sa = ike_sa_find(k, msg.ispi, NULL, 1);
		if (sa && sa->initiator && sa->state == IKE_INIT_SENT &&
		    sa->req.active && msg.msgid == 0)
			ike_sa_init_response(k, sa, &msg, buf, len);
		return;
	}

	/* The I flag says who sent it, so which SPI is ours. */
	if (msg.flags & IKEV2_FLAG_INITIATOR)
		sa = ike_sa_find(k, NULL, msg.rspi, response);
	else
		sa = ike_sa_find(k, msg.ispi, NULL, response);
	if (sa == NULL || memcmp(sa->ispi, msg.ispi, IKEV2_SPI_SIZE) ||
	    memcmp(sa->rspi, msg.rspi, IKEV2_SPI_SIZE)) {
		log_debug("%s from %s: no such IKE SA", exch_name(msg.exchange),
		    log_addr(&a->remote));
		return;
	}
	if (!!(msg.flags & IKEV2_FLAG_INITIATOR) == sa->initiator)
		return;		/* our own role reflected back */
	if (response) {
		if (!sa->req.active || msg.msgid != sa->req.msgid)
			return;
	} else if (msg.msgid + 1 == sa->msgid_peer && sa->have_resp) {
		send_buf(k, a, &sa->last_resp);
		return;
	} else if (msg.msgid != sa->msgid_peer)
		return;

	buf_init(&plain);
	if (open_sk(sa, &msg, buf, len, &plain) < 0) {
		/* Unauthenticated garbage changes nothing (§2.21.2). */
		log_debug("%s from %s: SK did not open (notify %u)",
		    exch_name(msg.exchange), log_addr(&a->remote), msg.error);
		buf_free(&plain);
		return;
	}
	sa->last_heard = k->now;
	/* Authenticated: answer and send where the peer now is (it may
	 * have moved to port 4500, or its NAT to a new mapping, §2.23). */
	sa->addr.local = a->local;
	natt_peer_moved(k, sa, &a->remote, "IKE");
	if (response)
		sa->req.active = 0;
	dispatch(k, sa, &msg, response);
	buf_free(&plain);
}
