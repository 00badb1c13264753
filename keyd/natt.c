// SPDX-License-Identifier: ISC
/*
 * NAT traversal (RFC 7296 §2.23, RFC 3948).
 *
 * Both sides hash the addresses and ports they see into NAT_DETECTION_*
 * notifies in IKE_SA_INIT; a hash that does not match says a NAT rewrote
 * that end.  Then the initiator moves IKE to port 4500 (non-ESP marker
 * framing, loop.c) before IKE_AUTH, the Child SAs go into the kernel with
 * the NAT-T extensions (ESP in UDP, the same 4500 ports, so the NAT keeps
 * one mapping for IKE and ESP), and the side behind the NAT sends a
 * one-octet keepalive every `keepalive` seconds so the mapping lives.
 * `encap = yes` fakes our source hash so both sides think we are behind a
 * NAT (as strongSwan does); `nat_traversal = no` sends no NAT-D at all.
 *
 * A NAT may change its mapping.  We take the new address from an
 * authenticated IKE message (§2.23: never from an unauthenticated one) or
 * from the kernel's SADB_X_NAT_T_NEW_MAPPING, which it sends only for an
 * ESP packet whose ICV verified.  IKE follows at once.  The Child SAs
 * cannot be moved in place: PF_KEY's UPDATE changes only the lifetimes of
 * a mature SA, and a DELETE + ADD with the same keys would restart the
 * outbound sequence numbers under the peer's replay window, which drops
 * them.  So each child is rekeyed: make-before-break at the new address,
 * then the old pair is deleted where it was installed (child->remote).
 */
#include <stdio.h>
#include <string.h>

#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"
#include "sockaddr.h"

/* Same address and port. */
static int
same_endpoint(const struct sockaddr_storage *x,
    const struct sockaddr_storage *y)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	uint16_t ap, bp;

	if (x->ss_family != y->ss_family)
		return (0);
	ss_addr(x, &a, &alen, &ap);
	ss_addr(y, &b, &blen, &bp);
	return (ap == bp && !memcmp(a, b, alen));
}

static int
hash(const uint8_t *ispi, const uint8_t *rspi,
    const struct sockaddr_storage *ss, uint8_t h[CRYPTO_NATD_LEN])
{
	const uint8_t *a;
	size_t alen;
	uint16_t port;

	ss_addr(ss, &a, &alen, &port);
	return (crypto_natd(ispi, rspi, a, alen, port, h));
}

void
natt_notifies(struct keyd *k, const struct ike_sa *sa, struct ikev2_bld *bld)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	uint8_t h[CRYPTO_NATD_LEN];
	int r;

	if (c == NULL || !c->natt)
		return;
	/* A source hash nobody can match makes the peer see a NAT here. */
	r = c->encap ? crypto_random(h, sizeof(h)) :
	    hash(sa->ispi, sa->rspi, &sa->addr.local, h);
	if (r == 0)
		ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (hash(sa->ispi, sa->rspi, &sa->addr.remote, h) == 0)
		ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/*
 * The hashes take the SPIs of the message's own header: a request's
 * responder SPI is still zero (§2.23).  A peer that sent no NAT-D does
 * not do NAT-T: no NAT, whatever is in between.
 */
int
natt_detect(struct keyd *k, struct ike_sa *sa, const struct ikev2_msg_p *msg)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	uint8_t h[CRYPTO_NATD_LEN];
	unsigned i;
	int nat = 0;

	sa->nat = 0;
	if (c == NULL || !c->natt || !msg->natd_dst.len || !msg->nnatd_src)
		return (0);
	if (hash(msg->ispi, msg->rspi, &sa->addr.local, h) < 0)
		return (0);
	if (memcmp(h, msg->natd_dst.ptr, sizeof(h)))
		nat |= NAT_HERE;
	if (hash(msg->ispi, msg->rspi, &sa->addr.remote, h) < 0)
		return (0);
	for (i = 0; i < msg->nnatd_src; i++)
		if (!memcmp(h, msg->natd_src[i].ptr, sizeof(h)))
			break;
	if (i == msg->nnatd_src)
		nat |= NAT_THERE;
	if (c->encap)
		nat |= NAT_HERE;
	sa->nat = nat;
	return (nat);
}

void
natt_float(struct keyd *k, struct ike_sa *sa)
{
	if (!sa->nat)
		return;
	ss_set_port(&sa->addr.local, IKEV2_NATT_PORT);
	/* A peer configured on another port than 500 stays there. */
	if (ss_port(&sa->addr.remote) == IKEV2_UDP_PORT)
		ss_set_port(&sa->addr.remote, IKEV2_NATT_PORT);
	log_exchange(k, sa, "NAT-T", "%s%s behind a NAT: IKE and ESP on %u",
	    sa->nat & NAT_HERE ? "we are" : "",
	    sa->nat == (NAT_HERE | NAT_THERE) ? ", the peer is" :
	    sa->nat & NAT_THERE ? "the peer is" : "", IKEV2_NATT_PORT);
}

/*
 * Only when NAT-D found a NAT (or encap = yes faked one): a peer may move
 * to 4500 without one -- strongSwan does whenever MOBIKE is on -- and
 * still expects plain ESP (RFC 7296 §2.23).
 */
void
natt_sa(const struct ike_sa *sa, struct kern_sa *in, struct kern_sa *out)
{
	uint16_t lp = ss_port(&sa->addr.local), rp = ss_port(&sa->addr.remote);

	if (!sa->nat)
		return;
	in->encap = out->encap = 1;
	out->encap_sport = in->encap_dport = lp;
	out->encap_dport = in->encap_sport = rp;
}

void
natt_peer_moved(struct keyd *k, struct ike_sa *sa,
    const struct sockaddr_storage *remote, const char *how)
{
	struct child_sa *c;
	char was[64];
	int n = 0;

	if (same_endpoint(remote, &sa->addr.remote))
		return;
	snprintf(was, sizeof(was), "%s", log_addr(&sa->addr.remote));
	sa->addr.remote = *remote;
	if (sa->state != IKE_ESTABLISHED)
		return;		/* nothing installed yet: IKE follows, enough */
	for (c = sa->children; c; c = c->next)
		if (c->installed && !c->rekeying &&
		    !same_endpoint(&c->remote, remote)) {
			c->rekey_at = k->now;	/* the timer pass rekeys */
			n++;
		}
	log_exchange(k, sa, "NAT-T", "peer moved %s -> %s (%s): rekeying %d "
	    "child%s", was, log_addr(remote), how, n, n == 1 ? "" : "ren");
}

uint64_t
natt_timers(struct keyd *k, struct ike_sa *sa)
{
	const struct config_conn *c = ike_sa_conn(k, sa);

	if (!(sa->nat & NAT_HERE) || c == NULL || !c->keepalive ||
	    !k->keepalive)
		return (0);
	if (sa->keepalive_at && k->now >= sa->keepalive_at)
		k->keepalive(k, &sa->addr);
	if (!sa->keepalive_at || k->now >= sa->keepalive_at)
		sa->keepalive_at = k->now + c->keepalive * 1000ull;
	return (sa->keepalive_at);
}
