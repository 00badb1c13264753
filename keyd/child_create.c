// SPDX-License-Identifier: ISC
/*
 * CREATE_CHILD_SA (RFC 7296 §1.3): a new Child SA and a Child SA rekey
 * with or without PFS (§1.3.3, §2.8), plus choosing a child for a
 * request, which IKE_AUTH's first child shares.  IKE SA rekeys, which
 * arrive by the same exchange, are ike_rekey.c's.
 *
 * A child rekey is make-before-break: the new pair is installed under the
 * same reqid (so under the same policies) before the old pair is deleted,
 * and the peer's outbound traffic moves to the new SA as soon as it has
 * installed it.
 *
 * Simultaneous rekeys of one child (§2.8.1, §2.25.1): both exchanges are
 * answered as usual, and each new pair remembers its predecessor and the
 * lowest nonce of its exchange.  When our own exchange completes and the
 * peer's made a pair for the same predecessor, the pair whose exchange
 * has the lowest of the four nonces is redundant and its maker closes it:
 * if it is ours, our new outbound SA never goes in and we Delete our pair,
 * leaving the old one to the peer; else we Delete the old pair as usual
 * and the peer's redundant pair never gets our outbound SA.  A rekey
 * request for a pair we are already deleting gets TEMPORARY_FAILURE.
 */
#include <string.h>

#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"
#include "pad.h"

static uint16_t
error_notify(const struct ikev2_msg_p *msg)
{
	unsigned i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type <= IKEV2_N_ERROR_MAX)
			return (msg->notify[i].type);
	return (0);
}

int
child_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r == 0)
		r = alen < blen ? -1 : alen > blen;
	return (r);
}

/* A rekey's result: its predecessor, and the lower of the two nonces. */
static void
rekey_mark(struct child_sa *ch, uint32_t old_spi, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen)
{
	int i_low = child_nonce_cmp(ni, nilen, nr, nrlen) < 0;
	const uint8_t *n = i_low ? ni : nr;
	size_t len = i_low ? nilen : nrlen;

	ch->rekey_of = old_spi;
	if (len > sizeof(ch->nonce_low))
		len = sizeof(ch->nonce_low);
	memcpy(ch->nonce_low, n, len);
	ch->nonce_lowlen = len;
}

/* The pair the peer's own rekey of the same predecessor made, if any. */
static struct child_sa *
rekey_sibling(struct ike_sa *sa, const struct child_sa *ch)
{
	struct child_sa *c;

	for (c = sa->children; c; c = c->next)
		if (c != ch && !c->exch_init && c->rekey_of &&
		    c->rekey_of == ch->rekey_of)
			return (c);
	return (NULL);
}

/* g^ir from the peer's KE (PFS, IKE rekey); 0 and *len set, or -1. */
int
child_ke_secret(struct crypto_dh *dh, const struct ikev2_ke_p *ke,
    uint8_t *gir, size_t *len)
{
	*len = crypto_dh_secretlen(crypto_dh_group(dh));
	if (*len == 0 || *len > 512 || ke->group != crypto_dh_group(dh))
		return (-1);
	return (crypto_dh_derive(dh, ke->data.ptr, ke->data.len, gir, *len));
}

void
child_ke_add(struct ikev2_bld *bld, struct crypto_dh *dh)
{
	uint8_t pub[1024];
	size_t len = crypto_dh_publen(crypto_dh_group(dh));

	if (len && len <= sizeof(pub) && crypto_dh_public(dh, pub, len) == 0)
		ikev2_bld_ke(bld, crypto_dh_group(dh), pub, len);
}

void
child_sa_answer(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg, struct ikev2_bld *bld,
    struct child_sa *old, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	const struct config_pad *pad = pad_lookup(k->cfg, &sa->peer_id,
	    (const struct sockaddr *)&sa->addr.remote);
	int transport = ikev2_pld_notify_find(msg, IKEV2_N_USE_TRANSPORT_MODE) != NULL;
	int pfs = !!(msg->seen & IKEV2_SEEN(IKEV2_PLD_KE));
	uint16_t err = IKEV2_N_TS_UNACCEPTABLE;
	struct ikev2_tss_p ti, tr;
	struct config_proposal prop;
	struct ikev2_sa_p answer;
	struct child_sa *ch;
	struct crypto_dh *dh = NULL;
	uint8_t num, gir[512];
	uint64_t spi;
	size_t glen = 0;
	unsigned j;
	int i;

	for (i = 0; c && i < c->nchildren; i++) {
		const struct config_child *cc = &c->children[i];

		if (old && strcmp(cc->name, old->name))
			continue;
		if (child_sa_narrow(sa, cc, &msg->tsi, &msg->tsr, &ti, &tr) < 0)
			continue;
		for (j = 0; j < ti.nts; j++)
			if (!pad || !pad_ts_allowed(pad, &ti.ts[j],
			    (const struct sockaddr *)&sa->addr.remote))
				break;
		if (j < ti.nts) {
			log_exchange(k, sa, "CHILD_SA", "%s: TS outside the PAD",
			    cc->name);
			continue;
		}
		if (proposal_choose(cc->esp, cc->nesp, &msg->sa,
		    IKEV2_PROTO_ESP, pfs ? msg->ke.group : 0, &prop, &num,
		    &spi) < 0 || !!prop.ndh != pfs ||
		    (pfs && prop.dh[0] != msg->ke.group)) {
			err = IKEV2_N_NO_PROPOSAL_CHOSEN;
			continue;
		}
		if (!cc->mode_tunnel && !transport) {
			err = IKEV2_N_NO_PROPOSAL_CHOSEN;	/* we want transport */
			continue;
		}
		if (pfs && ((dh = crypto_dh_new(prop.dh[0])) == NULL ||
		    child_ke_secret(dh, &msg->ke, gir, &glen) < 0)) {
			err = IKEV2_N_INVALID_KE_PAYLOAD;
			break;
		}
		ch = child_sa_new(k, sa, cc->name);
		if (ch == NULL)
			break;
		if (old) {
			ch->reqid = old->reqid;
			ch->defer_out = 1;
			rekey_mark(ch, old->spi_in, ni, nilen, nr, nrlen);
		}
		ch->exch_init = 0;
		ch->esp = prop;
		ch->spi_out = spi;
		ch->tunnel = !(transport && !cc->mode_tunnel);
		ch->ts_local = tr;
		ch->ts_remote = ti;
		if (child_sa_getspi(k, sa, ch) < 0 || child_sa_install(k, sa, ch,
		    pfs ? gir : NULL, glen, ni, nilen, nr, nrlen) < 0) {
			child_sa_free(k, sa, ch, 1);
			err = IKEV2_N_TEMPORARY_FAILURE;
			break;
		}
		proposal_answer(&prop, IKEV2_PROTO_ESP, num, ch->spi_in, &answer);
		ikev2_bld_sa(bld, &answer);
		if (msg->exchange == IKEV2_EXCH_CREATE_CHILD_SA) {
			ikev2_bld_nonce(bld, nr, nrlen);
			if (dh)
				child_ke_add(bld, dh);
		}
		if (!ch->tunnel)
			ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
			    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
		ikev2_bld_ts(bld, IKEV2_PLD_TSi, &ti);
		ikev2_bld_ts(bld, IKEV2_PLD_TSr, &tr);
		crypto_dh_free(dh);
		explicit_bzero(gir, sizeof(gir));
		return;
	}
	crypto_dh_free(dh);
	explicit_bzero(gir, sizeof(gir));
	if (err == IKEV2_N_INVALID_KE_PAYLOAD && c) {
		uint16_t g = 0;

		for (i = 0; i < c->nchildren && !g; i++)
			if (!old || !strcmp(c->children[i].name, old->name))
				g = c->children[i].esp[0].dh[0];
		if (g) {
			uint8_t gb[2] = { g >> 8, g & 0xff };

			ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0, err,
			    gb, 2);
			return;
		}
		err = IKEV2_N_NO_PROPOSAL_CHOSEN;
	}
	log_exchange(k, sa, "CHILD_SA", "refused: %s (%u)", log_notify(err),
	    err);
	ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0, err, NULL, 0);
}

void
child_sa_request(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	const struct ikev2_notify_p *rk;
	struct child_sa *old = NULL;
	struct ikev2_bld bld;
	struct buf inner, out;
	uint8_t nr[KEYD_NONCE_LEN];

	buf_init(&inner);
	buf_init(&out);
	ikev2_bld_chain(&bld, &inner);
	rk = ikev2_pld_notify_find(msg, IKEV2_N_REKEY_SA);
	if (sa->state != IKE_ESTABLISHED) {
		ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
	} else if (!(msg->seen & IKEV2_SEEN(IKEV2_PLD_SA)) ||
	    msg->nonce.len < IKEV2_NONCE_MIN || msg->nonce.len > IKEV2_NONCE_MAX) {
		ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_INVALID_SYNTAX, NULL, 0);
	} else if (msg->sa.nprops && msg->sa.props[0].proto == IKEV2_PROTO_IKE &&
	    !(msg->seen & IKEV2_SEEN(IKEV2_PLD_TSi))) {
		ike_rekey_answer(k, sa, msg, &bld);
	} else {
		if (rk && rk->proto == IKEV2_PROTO_ESP && rk->spi.len == 4) {
			uint32_t spi = (uint32_t)rk->spi.ptr[0] << 24 |
			    rk->spi.ptr[1] << 16 | rk->spi.ptr[2] << 8 |
			    rk->spi.ptr[3];

			old = child_sa_by_spi(sa, spi, 0);
			if (old == NULL) {
				ikev2_bld_notify(&bld, IKEV2_PROTO_ESP,
				    rk->spi.ptr, 4, IKEV2_N_CHILD_SA_NOT_FOUND,
				    NULL, 0);
				goto send;
			}
			if (old->closing) {	/* §2.25.1 */
				log_exchange(k, sa, "CREATE_CHILD_SA",
				    "peer rekeys %s in=%08x, which we delete",
				    old->name, old->spi_in);
				ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
				    IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
				goto send;
			}
			if (old->rekeying)
				log_exchange(k, sa, "CREATE_CHILD_SA",
				    "simultaneous rekey of %s in=%08x", old->name,
				    old->spi_in);
		}
		if (crypto_random(nr, sizeof(nr)) < 0)
			ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
			    IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		else
			child_sa_answer(k, sa, msg, &bld, old, msg->nonce.ptr,
			    msg->nonce.len, nr, sizeof(nr));
		if (old)
			log_exchange(k, sa, "CREATE_CHILD_SA", "peer rekeys %s in=%08x",
			    old->name, old->spi_in);
	}
send:
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_CREATE_CHILD_SA, 1, msg->msgid,
	    &inner, bld.first) == 0)
		ikev2_msg_response(k, sa, &out);
	buf_free(&inner);
	buf_free(&out);
}

/* Initiator: rekey `old` (same selectors and reqid, PFS as configured). */
int
child_sa_rekey(struct keyd *k, struct ike_sa *sa, struct child_sa *old)
{
	const struct config_child *cc = child_sa_conf(ike_sa_conn(k, sa),
	    old->name);
	struct ikev2_sa_p offer;
	struct ikev2_bld bld;
	struct buf inner, out;
	struct child_sa *ch;
	uint8_t spi[4] = { old->spi_in >> 24, old->spi_in >> 16,
	    old->spi_in >> 8, old->spi_in };
	int pfs, r = -1;

	if (cc == NULL || sa->req.active || sa->state != IKE_ESTABLISHED)
		return (-1);
	pfs = cc->nesp && cc->esp[0].ndh && cc->esp[0].dh[0];
	ch = child_sa_new(k, sa, old->name);
	if (ch == NULL)
		return (-1);
	ch->exch_init = 1;
	ch->reqid = old->reqid;
	ch->tunnel = old->tunnel;
	ch->ts_local = old->ts_local;
	ch->ts_remote = old->ts_remote;
	buf_init(&inner);
	buf_init(&out);
	crypto_dh_free(sa->req.dh);
	sa->req.dh = NULL;
	if (child_sa_getspi(k, sa, ch) < 0 ||
	    crypto_random(sa->req.nonce, sizeof(sa->req.nonce)) < 0 ||
	    (pfs && (sa->req.dh = crypto_dh_new(cc->esp[0].dh[0])) == NULL))
		goto out;
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_notify(&bld, IKEV2_PROTO_ESP, spi, 4, IKEV2_N_REKEY_SA,
	    NULL, 0);
	if (!ch->tunnel)
		ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	proposal_esp_offer(cc, ch->spi_in, pfs, &offer);
	ikev2_bld_sa(&bld, &offer);
	ikev2_bld_nonce(&bld, sa->req.nonce, sizeof(sa->req.nonce));
	if (pfs)
		child_ke_add(&bld, sa->req.dh);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &ch->ts_local);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &ch->ts_remote);
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_CREATE_CHILD_SA, 0,
	    sa->msgid_next, &inner, bld.first) < 0)
		goto out;
	r = ikev2_msg_request(k, sa, &out);
	if (r == 0) {
		sa->req.kind = REQ_CHILD;
		sa->req.child = ch;
		sa->req.rekey_spi = old->spi_in;
		old->rekeying = 1;
		log_exchange(k, sa, "CREATE_CHILD_SA", "rekeying %s in=%08x%s",
		    old->name, old->spi_in, pfs ? " with PFS" : "");
	}
out:
	if (r < 0)
		child_sa_free(k, sa, ch, 1);
	buf_free(&inner);
	buf_free(&out);
	return (r);
}

void
child_sa_response(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	struct child_sa *ch = sa->req.child, *old, *sib = NULL;
	const struct config_child *cc;

	if (sa->req.kind == REQ_IKE_REKEY)
		return ike_rekey_response(k, sa, msg);
	struct config_proposal prop;
	uint8_t num, gir[512];
	uint64_t spi;
	size_t glen = 0;
	uint16_t err;

	sa->req.child = NULL;
	if (ch == NULL)
		return;
	old = child_sa_by_spi(sa, sa->req.rekey_spi, 1);
	cc = child_sa_conf(ike_sa_conn(k, sa), ch->name);
	err = error_notify(msg);
	if (err || cc == NULL || !(msg->seen & IKEV2_SEEN(IKEV2_PLD_SA)) ||
	    msg->sa.nprops != 1 || proposal_choose(cc->esp, cc->nesp, &msg->sa,
	    IKEV2_PROTO_ESP, sa->req.dh ? crypto_dh_group(sa->req.dh) : 0,
	    &prop, &num, &spi) < 0 || !!prop.ndh != !!sa->req.dh ||
	    msg->nonce.len < IKEV2_NONCE_MIN ||
	    !child_sa_ts_within(&msg->tsi, &ch->ts_local) ||
	    !child_sa_ts_within(&msg->tsr, &ch->ts_remote) ||
	    (sa->req.dh &&
	    child_ke_secret(sa->req.dh, &msg->ke, gir, &glen) < 0)) {
		log_exchange(k, sa, "CREATE_CHILD_SA", "%s not rekeyed (%s)",
		    ch->name, err ? log_notify(err) : "answer not acceptable");
		child_sa_free(k, sa, ch, 1);
		if (old) {
			/* try again later; the hard lifetime is the limit */
			old->rekeying = 0;
			old->rekey_at = k->now + 10000;
		}
		goto out;
	}
	ch->esp = prop;
	ch->spi_out = spi;
	ch->ts_local = msg->tsi;
	ch->ts_remote = msg->tsr;
	if (sa->req.rekey_spi) {
		rekey_mark(ch, sa->req.rekey_spi, sa->req.nonce,
		    sizeof(sa->req.nonce), msg->nonce.ptr, msg->nonce.len);
		sib = rekey_sibling(sa, ch);
	}
	/* §2.8.1: the lowest of the four nonces makes ours the redundant
	 * pair; then it never sends, and we close it. */
	if (sib && child_nonce_cmp(ch->nonce_low, ch->nonce_lowlen,
	    sib->nonce_low, sib->nonce_lowlen) < 0)
		ch->defer_out = 1;
	if (child_sa_install(k, sa, ch, sa->req.dh ? gir : NULL, glen,
	    sa->req.nonce, sizeof(sa->req.nonce), msg->nonce.ptr,
	    msg->nonce.len) < 0) {
		child_sa_free(k, sa, ch, 1);
		goto out;
	}
	if (sib && ch->defer_out) {
		log_exchange(k, sa, "CREATE_CHILD_SA", "simultaneous rekey of "
		    "%s: the peer's in=%08x stays, ours in=%08x goes",
		    ch->name, sib->spi_in, ch->spi_in);
		child_sa_out_drop(ch);
		if (informational_delete_child(k, sa, ch->spi_in) < 0)
			child_sa_free(k, sa, ch, 1);
		goto out;	/* the old pair is the peer's to delete */
	}
	if (sib) {
		log_exchange(k, sa, "CREATE_CHILD_SA", "simultaneous rekey of "
		    "%s: ours in=%08x stays, the peer's in=%08x goes",
		    ch->name, ch->spi_in, sib->spi_in);
		child_sa_out_drop(sib);	/* the peer deletes it */
	}
	/*
	 * Make-before-break: the new pair is in.  The old pair goes when the
	 * peer has answered our Delete (informational.c), since it may keep
	 * sending on the old SA until it has our Delete (strongSwan does).
	 */
	if (old && informational_delete_child(k, sa, old->spi_in) < 0)
		child_sa_free(k, sa, old, 1);
out:
	crypto_dh_free(sa->req.dh);
	sa->req.dh = NULL;
	explicit_bzero(gir, sizeof(gir));
}
