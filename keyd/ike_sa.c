// SPDX-License-Identifier: ISC
/*
 * The IKE SA table and the timers that hang off each SA.
 *
 * A plain list: keyd serves tens of peers, not tens of thousands, and a
 * list keeps the lookups obviously right.  SAs are found by our SPI (the
 * initiator SPI when we initiated, the responder SPI otherwise); a
 * half-open responder SA is also found by the initiator's SPI and address
 * so a retransmitted IKE_SA_INIT gets the same answer (§2.1).
 *
 * Nothing is freed while an exchange runs: ike_sa_dead() only marks the
 * SA, and the loop reaps dead SAs between events.
 */
#include <stdlib.h>
#include <string.h>

#include "keyd.h"
#include "log.h"

static const char *const state_names[] = {
	[IKE_INIT_SENT]		= "INIT_SENT",
	[IKE_AUTH_SENT]		= "AUTH_SENT",
	[IKE_INIT_DONE]		= "INIT_DONE",
	[IKE_ESTABLISHED]	= "ESTABLISHED",
	[IKE_DELETING]		= "DELETING",
	[IKE_DEAD]		= "DEAD",
};

const char *
ike_state_name(enum ike_state s)
{
	return (state_names[s]);
}

struct ike_sa *
ike_sa_new(struct keyd *k, int initiator)
{
	struct ike_sa *sa;
	uint8_t *mine;

	sa = calloc(1, sizeof(*sa));
	if (sa == NULL)
		return (NULL);
	sa->initiator = initiator;
	mine = initiator ? sa->ispi : sa->rspi;
	/* Our SPI is never zero and never repeats among live SAs. */
	do {
		if (crypto_random(mine, IKEV2_SPI_SIZE) < 0) {
			free(sa);
			return (NULL);
		}
	} while (ike_sa_find(k, initiator ? mine : NULL,
	    initiator ? NULL : mine, !initiator) != NULL ||
	    !memcmp(mine, "\0\0\0\0\0\0\0\0", IKEV2_SPI_SIZE));
	buf_init(&sa->init_req);
	buf_init(&sa->init_resp);
	buf_init(&sa->req.msg);
	buf_init(&sa->last_resp);
	sa->created = sa->last_heard = k->now;
	sa->next = k->sas;
	k->sas = sa;
	if (!initiator)
		k->half_open++;
	return (sa);
}

/*
 * By our SPI: a response to us carries our SPI where we put it; a request
 * to a responder SA carries ours as rspi, to an initiator SA as ispi.
 */
struct ike_sa *
ike_sa_find(struct keyd *k, const uint8_t *ispi, const uint8_t *rspi,
    int response)
{
	struct ike_sa *sa;

	(void)response;
	for (sa = k->sas; sa; sa = sa->next) {
		if (sa->state == IKE_DEAD)
			continue;
		if (sa->initiator && ispi &&
		    !memcmp(sa->ispi, ispi, IKEV2_SPI_SIZE))
			return (sa);
		if (!sa->initiator && rspi &&
		    !memcmp(sa->rspi, rspi, IKEV2_SPI_SIZE))
			return (sa);
	}
	return (NULL);
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET)
		return (!memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) &&
		    ((const struct sockaddr_in *)a)->sin_port ==
		    ((const struct sockaddr_in *)b)->sin_port);
	return (!memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) &&
	    ((const struct sockaddr_in6 *)a)->sin6_port ==
	    ((const struct sockaddr_in6 *)b)->sin6_port);
}

struct ike_sa *
ike_sa_find_half(struct keyd *k, const uint8_t *ispi,
    const struct sockaddr_storage *remote)
{
	struct ike_sa *sa;

	for (sa = k->sas; sa; sa = sa->next)
		if (!sa->initiator && sa->state != IKE_DEAD &&
		    !memcmp(sa->ispi, ispi, IKEV2_SPI_SIZE) &&
		    same_addr(&sa->addr.remote, remote))
			return (sa);
	return (NULL);
}

const struct config_conn *
ike_sa_conn(struct keyd *k, const struct ike_sa *sa)
{
	return (config_find_conn(k->cfg, sa->conn));
}

void
ike_sa_established(struct keyd *k, struct ike_sa *sa)
{
	const struct config_conn *c = ike_sa_conn(k, sa);

	if (!sa->initiator && sa->state != IKE_ESTABLISHED && k->half_open)
		k->half_open--;
	sa->state = IKE_ESTABLISHED;
	sa->established = k->now;
	sa->rekey_at = 0;
	/* The original initiator rekeys first; the other side only if it
	 * does not (§2.8.2 collisions are then rare). */
	if (c && c->rekey_time)
		sa->rekey_at = k->now + c->rekey_time * (sa->initiator ? 1000 : 1100);
}

/* Mark dead; children's kernel SAs go now, the memory at the next reap. */
void
ike_sa_dead(struct keyd *k, struct ike_sa *sa, const char *why)
{
	if (sa->state == IKE_DEAD)
		return;
	if (!sa->initiator && sa->state == IKE_INIT_DONE && k->half_open)
		k->half_open--;
	log_exchange(k, sa, "IKE_SA down", "state=%s %s",
	    ike_state_name(sa->state), why);
	while (sa->children)
		child_sa_free(k, sa, sa->children, 1);
	sa->state = IKE_DEAD;
	sa->req.active = 0;
}

static void
ike_sa_free(struct ike_sa *sa)
{
	crypto_dh_free(sa->dh);
	crypto_dh_free(sa->req.dh);
	crypto_ike_keys_wipe(&sa->keys);
	buf_free(&sa->init_req);
	buf_free(&sa->init_resp);
	buf_free(&sa->req.msg);
	buf_free(&sa->last_resp);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

void
ike_sa_reap(struct keyd *k)
{
	struct ike_sa **pp = &k->sas, *sa;

	while ((sa = *pp) != NULL) {
		if (sa->state == IKE_DEAD) {
			struct ike_sa *o;

			*pp = sa->next;
			/* an IKE rekey in flight may point at it */
			for (o = k->sas; o; o = o->next)
				if (o->req.rekey_sa == sa)
					o->req.rekey_sa = NULL;
			ike_sa_free(sa);
		} else
			pp = &sa->next;
	}
}

/*
 * One pass over every SA's timers; returns the earliest next deadline.
 * Retransmission is ikev2_msg.c's; lifetimes, DPD and half-open expiry
 * are here.
 */
uint64_t
ike_sa_timers(struct keyd *k)
{
	uint64_t next = UINT64_MAX;
	struct ike_sa *sa;
	struct child_sa *c;

#define SOONER(t)	do { if ((t) && (t) < next) next = (t); } while (0)
	for (sa = k->sas; sa; sa = sa->next) {
		const struct config_conn *conn;

		if (sa->state == IKE_DEAD)
			continue;
		ikev2_msg_timers(k, sa);
		if (sa->state == IKE_DEAD)
			continue;
		if (sa->req.active)
			SOONER(sa->req.next_ms);
		if (sa->state != IKE_ESTABLISHED) {
			uint64_t t = sa->created + KEYD_INIT_TIMEOUT_S * 1000;

			if (k->now >= t && !sa->req.active) {
				ike_sa_dead(k, sa, "half-open timeout");
				continue;
			}
			SOONER(t);
			continue;
		}
		conn = ike_sa_conn(k, sa);
		/* Child rekeys: make-before-break, one at a time (window 1). */
		for (c = sa->children; c; c = c->next) {
			if (c->out_pending && k->now >= c->out_pending)
				child_sa_out_now(k, sa, c);
			SOONER(c->out_pending);
			if (c->rekey_at && k->now >= c->rekey_at &&
			    !sa->req.active && !c->rekeying)
				c->rekey_at = child_sa_rekey(k, sa, c) < 0 ?
				    k->now + 10000 : 0;
			if (c->rekey_at && !c->rekeying)
				SOONER(c->rekey_at);
		}
		if (sa->rekey_at && k->now >= sa->rekey_at && !sa->req.active)
			sa->rekey_at = ike_rekey_start(k, sa) < 0 ?
			    k->now + 10000 : 0;
		else if (sa->rekey_at)
			SOONER(sa->rekey_at);
		if (conn && conn->dpd_delay && !sa->req.active) {
			uint64_t t = sa->last_heard + conn->dpd_delay * 1000ull;

			if (k->now >= t)
				informational_dpd(k, sa);
			else
				SOONER(t);
		}
		SOONER(natt_timers(k, sa));
		if (sa->req.active)
			SOONER(sa->req.next_ms);
	}
#undef SOONER
	return (next);
}
