// SPDX-License-Identifier: ISC
/*
 * IKE SA rekey (RFC 7296 §1.3.2, §2.18): CREATE_CHILD_SA carrying an IKE
 * proposal with the new SA's SPI, a nonce and a KE.  The new SA's keys
 * come from the old SK_d and the new g^ir; every Child SA moves to the new
 * IKE SA, and whoever started the rekey deletes the old one on it.
 *
 * The original initiator's IKE SAs rekey first (ike_sa_established sets
 * the responder's deadline later), so the two rarely collide.  When they
 * do (§2.8.2, §2.25.2), the peer's request is answered as usual but the
 * children stay where they are until our own exchange completes: the new
 * SA whose exchange has the lowest of the four nonces is redundant, its
 * maker deletes it, and the children go to the other one, whose maker
 * deletes the old SA.  A rekey request on an SA we are deleting gets
 * TEMPORARY_FAILURE (child_sa_request: it is no longer ESTABLISHED).
 */
#include <string.h>

#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"

/* SKEYSEED and the seven keys of the new SA n, from the old sa. */
static int
rekey_keys(struct ike_sa *sa, struct ike_sa *n, const struct ikev2_ke_p *ke)
{
	uint8_t gir[512], skeyseed[CRYPTO_PRF_MAX];
	struct crypto_suite s = { .encr = n->prop.encr,
	    .encr_keylen = n->prop.encr_keylen, .integ = n->prop.integ,
	    .prf = n->prop.prf };
	size_t glen;
	int r = -1;

	if (child_ke_secret(n->dh, ke, gir, &glen) == 0 &&
	    crypto_skeyseed_rekey(sa->prop.prf, sa->keys.sk_d, sa->keys.prf_len,
	    gir, glen, n->ni, n->nilen, n->nr, n->nrlen, skeyseed) == 0 &&
	    crypto_ike_keys(&n->keys, &s, skeyseed, n->ni, n->nilen, n->nr,
	    n->nrlen, n->ispi, n->rspi) == 0) {
		n->keyed = 1;
		r = 0;
	}
	explicit_bzero(gir, sizeof(gir));
	explicit_bzero(skeyseed, sizeof(skeyseed));
	return (r);
}

/* The lower nonce of the exchange that made n. */
static void
nonce_low(const struct ike_sa *n, const uint8_t **p, size_t *len)
{
	int i_low = child_nonce_cmp(n->ni, n->nilen, n->nr, n->nrlen) < 0;

	*p = i_low ? n->ni : n->nr;
	*len = i_low ? n->nilen : n->nrlen;
}

/* Is ours (made by our exchange) the redundant one of the two? */
static int
rekey_lost(const struct ike_sa *ours, const struct ike_sa *theirs)
{
	const uint8_t *a, *b;
	size_t alen, blen;

	nonce_low(ours, &a, &alen);
	nonce_low(theirs, &b, &blen);
	return (child_nonce_cmp(a, alen, b, blen) < 0);
}

/* The SA the peer's simultaneous rekey of sa made, if still alive. */
struct ike_sa *
ike_rekey_collided(struct keyd *k, struct ike_sa *sa)
{
	struct ike_sa *o;

	if (!sa->rekey_collided)
		return (NULL);
	o = ike_sa_find(k, NULL, sa->rekey_peer, 0);
	return (o && o->state == IKE_ESTABLISHED ? o : NULL);
}

static uint64_t
spi64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < IKEV2_SPI_SIZE; i++)
		v = v << 8 | p[i];
	return (v);
}

static void
spi_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < IKEV2_SPI_SIZE; i++)
		p[i] = v >> (56 - 8 * i);
}

/* §1.3.2, responder: answer SA, Nr, KEr; the children move over. */
void
ike_rekey_answer(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg, struct ikev2_bld *bld)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	struct config_proposal prop;
	struct ikev2_sa_p answer;
	struct ike_sa *n;
	uint8_t num;
	uint64_t spi;

	if (c == NULL || !(msg->seen & IKEV2_SEEN(IKEV2_PLD_KE)) ||
	    proposal_choose(c->ike, c->nike, &msg->sa, IKEV2_PROTO_IKE,
	    msg->ke.group, &prop, &num, &spi) < 0 || msg->nonce.len <
	    IKEV2_NONCE_MIN || msg->nonce.len > IKEV2_NONCE_MAX || !spi) {
		ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (prop.dh[0] != msg->ke.group) {
		uint8_t gb[2] = { prop.dh[0] >> 8, prop.dh[0] & 0xff };

		ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_INVALID_KE_PAYLOAD, gb, 2);
		return;
	}
	n = ike_sa_new(k, 0);
	if (n == NULL)
		goto fail;
	spi_put(n->ispi, spi);
	memcpy(n->conn, sa->conn, sizeof(n->conn));
	n->addr = sa->addr;
	n->nat = sa->nat;	/* the same NAT: keepalives go on */
	n->prop = prop;
	n->peer_id = sa->peer_id;
	memcpy(n->ni, msg->nonce.ptr, msg->nonce.len);
	n->nilen = msg->nonce.len;
	n->nrlen = KEYD_NONCE_LEN;
	n->dh = crypto_dh_new(prop.dh[0]);
	if (n->dh == NULL || crypto_random(n->nr, n->nrlen) < 0 ||
	    rekey_keys(sa, n, &msg->ke) < 0) {
		ike_sa_dead(k, n, "IKE rekey failed");
		goto fail;
	}
	ike_sa_established(k, n);
	if (sa->req.active && sa->req.kind == REQ_IKE_REKEY &&
	    sa->req.rekey_sa) {
		/* both rekey at once: our answer decides (header comment) */
		sa->rekey_collided = 1;
		memcpy(sa->rekey_peer, n->rspi, IKEV2_SPI_SIZE);
		log_exchange(k, n, "CREATE_CHILD_SA", "simultaneous IKE SA rekey");
	} else {
		n->children = sa->children;	/* they belong to the new SA now */
		sa->children = NULL;
	}
	proposal_answer(&prop, IKEV2_PROTO_IKE, num, spi64(n->rspi), &answer);
	ikev2_bld_sa(bld, &answer);
	ikev2_bld_nonce(bld, n->nr, n->nrlen);
	child_ke_add(bld, n->dh);
	log_exchange(k, n, "CREATE_CHILD_SA", "IKE SA rekeyed by the peer");
	return;
fail:
	ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
}

/* Initiator: offer our IKE proposals with a fresh SPI, nonce and KE. */
int
ike_rekey_start(struct keyd *k, struct ike_sa *sa)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	struct ikev2_sa_p offer;
	struct ikev2_bld bld;
	struct buf inner, out;
	struct ike_sa *n;
	unsigned i;
	int r = -1;

	if (c == NULL || sa->req.active || sa->state != IKE_ESTABLISHED)
		return (-1);
	/* The new SA is ours as initiator; it stays half-made until the
	 * answer (state IKE_INIT_SENT keeps it out of every exchange). */
	n = ike_sa_new(k, 1);
	if (n == NULL)
		return (-1);
	memcpy(n->conn, sa->conn, sizeof(n->conn));
	n->addr = sa->addr;
	n->nat = sa->nat;	/* the same NAT: keepalives go on */
	n->peer_id = sa->peer_id;
	n->state = IKE_INIT_SENT;
	n->nilen = KEYD_NONCE_LEN;
	n->dh = crypto_dh_new(sa->prop.dh[0]);
	buf_init(&inner);
	buf_init(&out);
	if (n->dh == NULL || crypto_random(n->ni, n->nilen) < 0)
		goto out;
	proposal_ike_offer(c, sa->prop.dh[0], &offer);
	for (i = 0; i < offer.nprops; i++) {
		offer.props[i].spisize = IKEV2_SPI_SIZE;
		offer.props[i].spi = spi64(n->ispi);
	}
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_sa(&bld, &offer);
	ikev2_bld_nonce(&bld, n->ni, n->nilen);
	child_ke_add(&bld, n->dh);
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_CREATE_CHILD_SA, 0,
	    sa->msgid_next, &inner, bld.first) < 0)
		goto out;
	r = ikev2_msg_request(k, sa, &out);
	if (r == 0) {
		sa->req.kind = REQ_IKE_REKEY;
		sa->req.rekey_sa = n;
		log_exchange(k, sa, "CREATE_CHILD_SA", "rekeying the IKE SA");
	}
out:
	if (r < 0)
		ike_sa_dead(k, n, "IKE rekey not sent");
	buf_free(&inner);
	buf_free(&out);
	return (r);
}

void
ike_rekey_response(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	struct ike_sa *n = sa->req.rekey_sa, *o = ike_rekey_collided(k, sa);
	struct config_proposal prop;
	uint8_t num;
	uint64_t spi;

	sa->req.rekey_sa = NULL;
	if (o) {	/* whatever becomes of ours, the peer's SA stands */
		o->children = sa->children;
		sa->children = NULL;
	}
	if (n == NULL || n->state == IKE_DEAD)
		return;
	if (c == NULL || !(msg->seen & IKEV2_SEEN(IKEV2_PLD_SA)) ||
	    !(msg->seen & IKEV2_SEEN(IKEV2_PLD_KE)) || msg->sa.nprops != 1 ||
	    proposal_choose(c->ike, c->nike, &msg->sa, IKEV2_PROTO_IKE,
	    msg->ke.group, &prop, &num, &spi) < 0 || !spi ||
	    prop.dh[0] != crypto_dh_group(n->dh) ||
	    msg->nonce.len < IKEV2_NONCE_MIN || msg->nonce.len > IKEV2_NONCE_MAX) {
		log_exchange(k, sa, "CREATE_CHILD_SA", "IKE rekey refused");
		ike_sa_dead(k, n, "IKE rekey refused");
		sa->rekey_at = k->now + 10000;
		return;
	}
	spi_put(n->rspi, spi);
	n->prop = prop;
	memcpy(n->nr, msg->nonce.ptr, msg->nonce.len);
	n->nrlen = msg->nonce.len;
	if (rekey_keys(sa, n, &msg->ke) < 0) {
		ike_sa_dead(k, n, "IKE rekey keys failed");
		sa->rekey_at = k->now + 10000;
		return;
	}
	ike_sa_established(k, n);
	if (o && rekey_lost(n, o)) {
		log_exchange(k, n, "CREATE_CHILD_SA", "simultaneous IKE SA "
		    "rekey: the peer's SA stays, this one goes");
		if (informational_delete_ike(k, n) < 0)
			ike_sa_dead(k, n, "redundant");
		return;	/* the old SA is the peer's to delete */
	}
	if (o) {
		n->children = o->children;
		o->children = NULL;
		log_exchange(k, n, "CREATE_CHILD_SA", "simultaneous IKE SA "
		    "rekey: this SA stays, the peer deletes its own");
	} else {
		n->children = sa->children;
		sa->children = NULL;
	}
	log_exchange(k, n, "CREATE_CHILD_SA", "IKE SA rekeyed");
	/* the old SA goes: a Delete on it, its state with the answer */
	if (informational_delete_ike(k, sa) < 0)
		ike_sa_dead(k, sa, "rekeyed");
}
