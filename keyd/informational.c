// SPDX-License-Identifier: ISC
/*
 * INFORMATIONAL (RFC 7296 §1.4): Delete of IKE and Child SAs, liveness
 * checks (an empty request, §2.4), and error notifies.
 *
 * A Delete for Child SAs is answered with a Delete for our side of the
 * same pairs (§1.4.1); a Delete for the IKE SA is answered empty and takes
 * every child with it.  Our own Deletes remove our state when sent: the
 * peer may be gone, and a Delete is only ever a courtesy to it.  The
 * exception is the old pair of a child we rekeyed: it stays until the
 * peer has answered, because the peer may send on it until then.
 */
#include <string.h>

#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"

static int
send_req(struct keyd *k, struct ike_sa *sa, struct buf *inner, uint8_t first,
    int kind)
{
	struct buf out;
	int r;

	buf_init(&out);
	r = ikev2_msg_sk(sa, &out, IKEV2_EXCH_INFORMATIONAL, 0,
	    sa->msgid_next, inner, first);
	if (r == 0)
		r = ikev2_msg_request(k, sa, &out);
	if (r == 0)
		sa->req.kind = kind;
	buf_free(&out);
	return (r);
}

int
informational_delete_ike(struct keyd *k, struct ike_sa *sa)
{
	struct ikev2_bld bld;
	struct buf inner;
	int r;

	if (!sa->keyed || sa->req.active)
		return (-1);
	buf_init(&inner);
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_delete(&bld, IKEV2_PROTO_IKE, 0, NULL, 0);
	r = send_req(k, sa, &inner, bld.first, REQ_DELETE_IKE);
	buf_free(&inner);
	if (r == 0) {
		log_exchange(k, sa, "INFORMATIONAL", "Delete IKE SA sent");
		sa->state = IKE_DELETING;
	}
	return (r);
}

int
informational_delete_child(struct keyd *k, struct ike_sa *sa, uint32_t spi_in)
{
	struct ikev2_bld bld;
	struct buf inner;
	uint8_t spi[4] = { spi_in >> 24, spi_in >> 16, spi_in >> 8, spi_in };
	int r;

	if (!sa->keyed || sa->req.active)
		return (-1);
	buf_init(&inner);
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_delete(&bld, IKEV2_PROTO_ESP, 4, spi, 1);
	r = send_req(k, sa, &inner, bld.first, REQ_DELETE_CHILD);
	buf_free(&inner);
	if (r == 0) {
		struct child_sa *c = child_sa_by_spi(sa, spi_in, 1);

		if (c)
			c->closing = 1;
		sa->req.rekey_spi = spi_in;
		log_exchange(k, sa, "INFORMATIONAL", "Delete ESP %08x sent", spi_in);
	}
	return (r);
}

/*
 * §2.21.2: an error the initiator finds in IKE_AUTH's answer (the
 * responder's AUTH) goes to the peer in an INFORMATIONAL of its own; the
 * caller then forgets the SA.
 */
int
informational_error(struct keyd *k, struct ike_sa *sa, uint16_t type)
{
	struct ikev2_bld bld;
	struct buf inner;
	int r;

	if (!sa->keyed || sa->req.active)
		return (-1);
	buf_init(&inner);
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0, type, NULL, 0);
	r = send_req(k, sa, &inner, bld.first, REQ_DELETE_IKE);
	buf_free(&inner);
	if (r == 0)
		log_exchange(k, sa, "INFORMATIONAL", "%s sent",
		    log_notify(type));
	return (r);
}

int
informational_dpd(struct keyd *k, struct ike_sa *sa)
{
	struct buf inner;
	int r;

	if (sa->req.active)
		return (-1);
	buf_init(&inner);
	r = send_req(k, sa, &inner, IKEV2_PLD_NONE, REQ_DPD);
	buf_free(&inner);
	log_debug("%s: liveness check", sa->conn);
	return (r);
}

/* Does a Delete in msg name this child (by the peer's SPI)? */
static int
deleted(const struct ikev2_msg_p *msg, const struct child_sa *c)
{
	unsigned i, j;

	for (i = 0; i < msg->ndelete; i++) {
		const struct ikev2_delete_p *d = &msg->del[i];

		if (d->proto != IKEV2_PROTO_ESP || d->spisize != 4)
			continue;
		for (j = 0; j < d->nspi; j++) {
			const uint8_t *p = d->spis.ptr + 4 * j;

			if (((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 |
			    p[3]) == c->spi_out)
				return (1);
		}
	}
	return (0);
}

void
informational_request(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	uint8_t ours[4 * IKEV2_MAX_DELETE * 8];
	uint16_t nours = 0;
	struct ikev2_bld bld;
	struct buf inner, out;
	int del_ike = 0, auth_failed = 0;
	unsigned i, j;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type <= IKEV2_N_ERROR_MAX) {
			log_exchange(k, sa, "INFORMATIONAL", "peer says: %s (%u)",
			    log_notify(msg->notify[i].type),
			    msg->notify[i].type);
			/* §2.21.2: the peer refused our AUTH after all */
			if (msg->notify[i].type == IKEV2_N_AUTHENTICATION_FAILED)
				auth_failed = del_ike = 1;
		}
	/*
	 * A Delete of ESP pairs: the successors of rekeyed pairs may send now,
	 * and their outbound SAs go in before the old ones go, so there is
	 * never a moment without one (an ACQUIRE, a lost packet).  Not those
	 * of pairs this Delete names (a redundant pair of a simultaneous
	 * rekey, §2.8.1).
	 */
	for (i = 0; i < msg->ndelete; i++)
		if (msg->del[i].proto == IKEV2_PROTO_ESP) {
			struct child_sa *c;

			for (c = sa->children; c; c = c->next)
				if (!deleted(msg, c))
					child_sa_out_now(k, sa, c);
			break;
		}
	for (i = 0; i < msg->ndelete; i++) {
		const struct ikev2_delete_p *d = &msg->del[i];

		if (d->proto == IKEV2_PROTO_IKE) {
			del_ike = 1;
			continue;
		}
		if (d->proto != IKEV2_PROTO_ESP || d->spisize != 4)
			continue;
		for (j = 0; j < d->nspi; j++) {
			const uint8_t *p = d->spis.ptr + 4 * j;
			uint32_t spi = (uint32_t)p[0] << 24 | p[1] << 16 |
			    p[2] << 8 | p[3];
			struct child_sa *c = child_sa_by_spi(sa, spi, 0);

			if (c == NULL)
				continue;	/* already gone: nothing to say */
			log_exchange(k, sa, "INFORMATIONAL", "peer deletes ESP %08x (ours %08x)",
			    spi, c->spi_in);
			if (nours < sizeof(ours) / 4) {
				ours[4 * nours] = c->spi_in >> 24;
				ours[4 * nours + 1] = c->spi_in >> 16;
				ours[4 * nours + 2] = c->spi_in >> 8;
				ours[4 * nours + 3] = c->spi_in;
				nours++;
			}
			child_sa_free(k, sa, c, 1);
		}
	}
	buf_init(&inner);
	buf_init(&out);
	ikev2_bld_chain(&bld, &inner);
	if (nours && !del_ike)
		ikev2_bld_delete(&bld, IKEV2_PROTO_ESP, 4, ours, nours);
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_INFORMATIONAL, 1, msg->msgid,
	    &inner, bld.first) == 0)
		ikev2_msg_response(k, sa, &out);
	buf_free(&inner);
	buf_free(&out);
	if (del_ike) {
		struct ike_sa *o = ike_rekey_collided(k, sa);

		/* §2.8.2: the peer's new SA won before our answer came */
		if (o && sa->children && o->children == NULL) {
			o->children = sa->children;
			sa->children = NULL;
		}
		if (!auth_failed)
			log_exchange(k, sa, "INFORMATIONAL", "peer deletes the IKE SA");
		ike_sa_dead(k, sa, auth_failed ? "the peer refused our AUTH" :
		    "deleted by peer");
	}
}

void
informational_response(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	int kind = sa->req.kind;

	sa->req.kind = REQ_NONE;
	if (kind == REQ_DELETE_IKE)
		ike_sa_dead(k, sa, "deleted");
	else if (kind == REQ_DELETE_CHILD) {
		/* a rekeyed child kept until now (child_create.c) */
		struct child_sa *c = child_sa_by_spi(sa, sa->req.rekey_spi, 1);

		if (c)
			child_sa_free(k, sa, c, 1);
	}
	else if (kind == REQ_DPD)
		log_debug("%s: peer alive", sa->conn);
}
