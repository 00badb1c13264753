// SPDX-License-Identifier: ISC
/*
 * IKE_AUTH (RFC 7296 §1.2, §2.15): identities, AUTH, and the first Child
 * SA with its traffic selectors.
 *
 * Each side signs its own IKE_SA_INIT message, the other's nonce and
 * prf(SK_p, ID) over the ID payload exactly as sent (§2.15).  The
 * responder authenticates the initiator before anything reaches the
 * kernel; a peer that fails gets AUTHENTICATION_FAILED and its IKE SA is
 * gone.  A failed child (no proposal, TS outside the PAD) does not fail
 * the IKE SA (§1.2): the answer carries the child's error notify instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_sig.h"
#include "cert.h"
#include "id.h"
#include "ike_auth.h"
#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"
#include "pad.h"

/* The ID we send: configured, or our IKE address (§3.5). */
static void
local_id(const struct ike_sa *sa, const struct config_conn *c,
    struct config_id *id)
{
	memset(id, 0, sizeof(*id));
	if (c->local.id.type) {
		*id = c->local.id;
		return;
	}
	if (sa->addr.local.ss_family == AF_INET) {
		id->type = IKEV2_ID_IPV4_ADDR;
		id->len = 4;
		memcpy(id->data, &((const struct sockaddr_in *)&sa->addr.local)->sin_addr, 4);
	} else {
		id->type = IKEV2_ID_IPV6_ADDR;
		id->len = 16;
		memcpy(id->data, &((const struct sockaddr_in6 *)&sa->addr.local)->sin6_addr, 16);
	}
}

/*
 * <SignedOctets> (§2.15) for our AUTH (mine = 1) or the peer's: the
 * signer's IKE_SA_INIT message, the other side's nonce, and
 * prf(SK_px, ID body).
 */
static int
signed_octets(const struct ike_sa *sa, int mine, const uint8_t *idbody,
    size_t idlen, struct buf *oct)
{
	int i_signs = sa->initiator == mine;	/* the initiator signs */

	return (crypto_auth_octets(sa->prop.prf, i_signs ? sa->keys.sk_pi :
	    sa->keys.sk_pr, sa->keys.prf_len, i_signs ? sa->init_req.data :
	    sa->init_resp.data, i_signs ? sa->init_req.len : sa->init_resp.len,
	    i_signs ? sa->nr : sa->ni, i_signs ? sa->nrlen : sa->nilen,
	    idbody, idlen, oct));
}

/*
 * The hashes the peer accepts for our signature (RFC 7427): its
 * SIGNATURE_HASH_ALGORITHMS, from its IKE_SA_INIT message kept for AUTH.
 */
static uint32_t
peer_sighash(const struct ike_sa *sa)
{
	const struct buf *m = sa->initiator ? &sa->init_resp : &sa->init_req;
	struct ikev2_msg_p *msg = calloc(1, sizeof(*msg));
	uint32_t h = 0;

	if (msg != NULL && ikev2_pld_parse(msg, m->data, m->len) == 0)
		h = msg->sighash;
	free(msg);
	return (h);
}

/* CERTREQ for the CAs in cafile (§3.7). */
static void
bld_certreq(struct ikev2_bld *bld, const char *cafile)
{
	char why[CERT_WHY_MAX];
	struct cert_ca *ca;
	struct buf hashes;

	if ((ca = cert_ca_load(cafile, why, sizeof(why))) == NULL) {
		log_warn("CERTREQ: %s", why);
		return;
	}
	buf_init(&hashes);
	if (cert_ca_certreq(ca, &hashes) == 0 && hashes.len)
		ikev2_bld_cert(bld, IKEV2_PLD_CERTREQ, IKEV2_CERT_X509_SIG,
		    hashes.data, hashes.len);
	buf_free(&hashes);
	cert_ca_free(ca);
}

void
ike_auth_init_payloads(struct keyd *k, const struct config_conn *c,
    struct ikev2_bld *bld, int response)
{
	struct buf h;

	if (c->local.auth != AUTH_PUBKEY && c->remote.auth != AUTH_PUBKEY)
		return;
	buf_init(&h);
	if (auth_sig_hashes(&h) == 0)
		ikev2_bld_notify(bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_SIGNATURE_HASH_ALGORITHMS, h.data, h.len);
	buf_free(&h);
	if (response && c->remote.auth == AUTH_PUBKEY && c->remote.send_certreq)
		bld_certreq(bld, c->remote.cacerts);
}

/* Our certificates (CERT payloads) and signature AUTH. */
static int
bld_sig_auth(struct keyd *k, struct ike_sa *sa, const struct config_conn *c,
    struct ikev2_bld *bld, const uint8_t *idbody, size_t idlen, int certreq)
{
	char why[CERT_WHY_MAX];
	struct cert_local *lc;
	struct buf der, oct, sig;
	uint8_t method;
	int i, r = -1;

	if ((lc = cert_local_load(c->local.cert, k->cfg, why,
	    sizeof(why))) == NULL) {
		log_warn("%s: %s", c->name, why);
		return (-1);
	}
	buf_init(&der);
	buf_init(&oct);
	buf_init(&sig);
	for (i = 0; i < cert_local_count(lc); i++) {
		der.len = 0;
		if (cert_local_der(lc, i, &der) < 0)
			goto out;
		ikev2_bld_cert(bld, IKEV2_PLD_CERT, IKEV2_CERT_X509_SIG,
		    der.data, der.len);
	}
	if (certreq)
		bld_certreq(bld, c->remote.cacerts);
	if (signed_octets(sa, 1, idbody, idlen, &oct) < 0 ||
	    auth_sig_sign(lc, peer_sighash(sa), oct.data, oct.len, &method,
	    &sig) < 0) {
		log_warn("%s: cannot sign our AUTH with %s", c->name,
		    c->local.cert);
		goto out;
	}
	ikev2_bld_auth(bld, method, sig.data, sig.len);
	r = 0;
out:
	buf_free(&der);
	buf_free(&oct);
	buf_free(&sig);
	cert_local_free(lc);
	return (r);
}

/* Our PSK AUTH. */
static int
bld_psk_auth(struct keyd *k, struct ike_sa *sa, const struct config_conn *c,
    struct ikev2_bld *bld, const struct config_id *me, const uint8_t *idbody,
    size_t idlen)
{
	const struct config_secret *s;
	uint8_t auth[CRYPTO_PRF_MAX];
	struct buf oct;
	int r;

	s = config_find_psk(k->cfg, me, sa->peer_id.type ? &sa->peer_id : NULL);
	if (s == NULL) {
		log_warn("%s: no PSK for this peer", c->name);
		return (-1);
	}
	buf_init(&oct);
	r = signed_octets(sa, 1, idbody, idlen, &oct);
	if (r == 0)
		r = crypto_psk_auth(sa->prop.prf, s->data, s->len, oct.data,
		    oct.len, auth);
	if (r == 0)
		ikev2_bld_auth(bld, IKEV2_AUTH_SHARED_KEY_MIC, auth,
		    sa->keys.prf_len);
	explicit_bzero(auth, sizeof(auth));
	buf_free(&oct);
	return (r);
}

/*
 * Check the peer's AUTH (and with it, its certificate); 0 if it proves
 * who it claims to be, else -1 with the reason for the log.  How it must
 * authenticate is the PAD entry's say (responder), else the
 * connection's remote end.
 */
static int
auth_check(struct keyd *k, struct ike_sa *sa, const struct config_conn *c,
    const struct config_pad *pad, const struct config_id *me,
    const struct ikev2_msg_p *msg, const struct ikev2_id_p *pid, char *why,
    size_t whylen)
{
	enum config_auth want = pad ? pad->auth : c->remote.auth;
	const char *cafile = pad && pad->cacerts[0] ? pad->cacerts :
	    c->remote.cacerts;
	const struct ikev2_auth_p *auth = &msg->auth;
	const struct config_secret *s;
	struct cert_peer *cp = NULL;
	struct cert_ca *ca = NULL;
	struct buf oct;
	int r = -1;

	buf_init(&oct);
	if (signed_octets(sa, 0, pid->body.ptr, pid->body.len, &oct) < 0) {
		snprintf(why, whylen, "cannot compute the signed octets");
		goto out;
	}
	if (want == AUTH_PSK) {
		if (auth->method != IKEV2_AUTH_SHARED_KEY_MIC)
			snprintf(why, whylen, "AUTH method %u, expected PSK",
			    auth->method);
		else if ((s = config_find_psk(k->cfg, me, &sa->peer_id)) == NULL)
			snprintf(why, whylen, "no PSK for this peer");
		else if (crypto_psk_verify(sa->prop.prf, s->data, s->len,
		    oct.data, oct.len, auth->data.ptr, auth->data.len) < 0)
			snprintf(why, whylen, "PSK AUTH does not verify");
		else
			r = 0;
		goto out;
	}
	if (auth->method == IKEV2_AUTH_SHARED_KEY_MIC) {
		snprintf(why, whylen, "PSK AUTH, expected a signature");
		goto out;
	}
	if ((ca = cert_ca_load(cafile, why, whylen)) == NULL ||
	    (cp = cert_peer_verify(ca, msg->cert, msg->ncert, &sa->peer_id,
	    0, why, whylen)) == NULL ||
	    auth_sig_verify(cp, auth->method, auth->data.ptr, auth->data.len,
	    oct.data, oct.len, why, whylen) < 0)
		goto out;
	r = 0;
out:
	cert_peer_free(cp);
	cert_ca_free(ca);
	buf_free(&oct);
	return (r);
}

/* IDx, CERT and CERTREQ as needed, and AUTH into the SK plaintext. */
static int
bld_id_auth(struct keyd *k, struct ike_sa *sa, const struct config_conn *c,
    struct ikev2_bld *bld, uint8_t pld)
{
	struct config_id me;
	uint8_t idbody[4 + CONFIG_ID_MAX];
	size_t before, idlen;
	int certreq;

	local_id(sa, c, &me);
	before = bld->buf->len;
	ikev2_bld_id(bld, pld, me.type, me.data, me.len);
	if (buf_error(bld->buf))
		return (-1);
	/* a copy: the payloads that follow may move the buffer */
	idlen = bld->buf->len - before - 4;
	if (idlen > sizeof(idbody))
		return (-1);
	memcpy(idbody, bld->buf->data + before + 4, idlen);
	/* the initiator asks for the responder's certificate here (§1.2) */
	certreq = pld == IKEV2_PLD_IDi && c->remote.auth == AUTH_PUBKEY &&
	    c->remote.send_certreq;
	if (c->local.auth == AUTH_PUBKEY)
		return (bld_sig_auth(k, sa, c, bld, idbody, idlen, certreq));
	if (certreq)
		bld_certreq(bld, c->remote.cacerts);
	return (bld_psk_auth(k, sa, c, bld, &me, idbody, idlen));
}

int
ike_auth_send(struct keyd *k, struct ike_sa *sa)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	const struct config_child *cc = child_sa_conf(c, sa->first_child);
	struct ikev2_bld bld;
	struct buf inner, out;
	struct child_sa *ch = NULL;
	int r = -1;

	if (c == NULL)
		return (-1);
	buf_init(&inner);
	buf_init(&out);
	ikev2_bld_chain(&bld, &inner);
	if (bld_id_auth(k, sa, c, &bld, IKEV2_PLD_IDi) < 0)
		goto out;
	if (cc) {
		struct ikev2_sa_p offer;

		ch = child_sa_new(k, sa, cc->name);
		if (ch == NULL || child_sa_getspi(k, sa, ch) < 0 ||
		    child_sa_local_ts(sa, cc, 1, &ch->ts_local) < 0 ||
		    child_sa_local_ts(sa, cc, 0, &ch->ts_remote) < 0)
			goto out;
		ch->tunnel = cc->mode_tunnel;
		if (!cc->mode_tunnel)
			ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
			    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
		proposal_esp_offer(cc, ch->spi_in, 0, &offer);
		ikev2_bld_sa(&bld, &offer);
		ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &ch->ts_local);
		ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &ch->ts_remote);
	}
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_IKE_AUTH, 0, sa->msgid_next,
	    &inner, bld.first) < 0)
		goto out;
	sa->state = IKE_AUTH_SENT;
	sa->req.child = ch;
	log_exchange(k, sa, "IKE_AUTH", "request child=%s",
	    cc ? cc->name : "-");
	r = ikev2_msg_request(k, sa, &out);
out:
	if (r < 0 && ch)
		child_sa_free(k, sa, ch, 1);
	buf_free(&inner);
	buf_free(&out);
	return (r);
}

/* The error notify a child failure answers with, or 0. */
static uint16_t
child_error(const struct ikev2_msg_p *msg)
{
	unsigned i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type <= IKEV2_N_ERROR_MAX)
			return (msg->notify[i].type);
	return (0);
}

static void
answer_error(struct keyd *k, struct ike_sa *sa, const struct ikev2_msg_p *msg,
    uint16_t type)
{
	struct ikev2_bld bld;
	struct buf inner, out;

	buf_init(&inner);
	buf_init(&out);
	ikev2_bld_chain(&bld, &inner);
	ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0, type, NULL, 0);
	if (ikev2_msg_sk(sa, &out, msg->exchange, 1, msg->msgid, &inner,
	    bld.first) == 0)
		ikev2_msg_response(k, sa, &out);
	buf_free(&inner);
	buf_free(&out);
}

void
ike_auth_request(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	const struct config_pad *pad;
	struct config_id me;
	struct ikev2_bld bld;
	struct buf inner, out;
	char idt[ID_TEXT_MAX], why[CERT_WHY_MAX];

	if (sa->state != IKE_INIT_DONE || c == NULL)
		return answer_error(k, sa, msg, IKEV2_N_INVALID_SYNTAX);
	if (!(msg->seen & IKEV2_SEEN(IKEV2_PLD_IDi)) ||
	    !(msg->seen & IKEV2_SEEN(IKEV2_PLD_AUTH)) ||
	    id_from_payload(msg->idi.type, msg->idi.data.ptr, msg->idi.data.len,
	    &sa->peer_id) < 0) {
		answer_error(k, sa, msg, IKEV2_N_INVALID_SYNTAX);
		return ike_sa_dead(k, sa, "IKE_AUTH without IDi/AUTH");
	}
	local_id(sa, c, &me);
	pad = pad_lookup(k->cfg, &sa->peer_id,
	    (const struct sockaddr *)&sa->addr.remote);
	if (pad == NULL || !idpat_match(&c->remote.idpat, &sa->peer_id))
		snprintf(why, sizeof(why), "identity %s not allowed",
		    id_format(&sa->peer_id, idt, sizeof(idt)));
	if (pad == NULL || !idpat_match(&c->remote.idpat, &sa->peer_id) ||
	    auth_check(k, sa, c, pad, &me, msg, &msg->idi, why,
	    sizeof(why)) < 0) {
		log_exchange(k, sa, "IKE_AUTH", "AUTHENTICATION_FAILED (%s)",
		    why);
		answer_error(k, sa, msg, IKEV2_N_AUTHENTICATION_FAILED);
		return ike_sa_dead(k, sa, "authentication failed");
	}
	log_debug("%s: peer %s authenticated", c->name,
	    id_format(&sa->peer_id, idt, sizeof(idt)));
	buf_init(&inner);
	buf_init(&out);
	ikev2_bld_chain(&bld, &inner);
	if (bld_id_auth(k, sa, c, &bld, IKEV2_PLD_IDr) < 0) {
		buf_free(&inner);
		answer_error(k, sa, msg, IKEV2_N_AUTHENTICATION_FAILED);
		return ike_sa_dead(k, sa, "cannot make our AUTH");
	}
	ike_sa_established(k, sa);
	if (msg->seen & IKEV2_SEEN(IKEV2_PLD_SA))
		child_sa_answer(k, sa, msg, &bld, NULL, sa->ni, sa->nilen,
		    sa->nr, sa->nrlen);
	if (ikev2_msg_sk(sa, &out, IKEV2_EXCH_IKE_AUTH, 1, msg->msgid, &inner,
	    bld.first) == 0) {
		log_exchange(k, sa, "IKE_AUTH", "ok, IKE SA established");
		ikev2_msg_response(k, sa, &out);
	}
	buf_free(&inner);
	buf_free(&out);
}

void
ike_auth_response(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	struct child_sa *ch = sa->req.child;
	const struct config_child *cc;
	struct config_proposal prop;
	struct config_id me;
	char idt[ID_TEXT_MAX], why[CERT_WHY_MAX];
	uint16_t err;
	uint8_t num;
	uint64_t spi;

	sa->req.child = NULL;
	if (sa->state != IKE_AUTH_SENT || c == NULL)
		return;
	if (!(msg->seen & IKEV2_SEEN(IKEV2_PLD_AUTH)) ||
	    !(msg->seen & IKEV2_SEEN(IKEV2_PLD_IDr))) {
		log_exchange(k, sa, "IKE_AUTH", "refused: %s (%u)",
		    log_notify(child_error(msg)), child_error(msg));
		return ike_sa_dead(k, sa, "IKE_AUTH refused");
	}
	if (id_from_payload(msg->idr.type, msg->idr.data.ptr,
	    msg->idr.data.len, &sa->peer_id) < 0)
		return ike_sa_dead(k, sa, "bad IDr");
	local_id(sa, c, &me);
	if (!idpat_match(&c->remote.idpat, &sa->peer_id))
		snprintf(why, sizeof(why), "identity %s not allowed",
		    id_format(&sa->peer_id, idt, sizeof(idt)));
	if (!idpat_match(&c->remote.idpat, &sa->peer_id) ||
	    auth_check(k, sa, c, NULL, &me, msg, &msg->idr, why,
	    sizeof(why)) < 0) {
		log_exchange(k, sa, "IKE_AUTH", "responder failed "
		    "authentication (%s)", why);
		/* §2.21.2: tell it, then forget the SA */
		informational_error(k, sa, IKEV2_N_AUTHENTICATION_FAILED);
		return ike_sa_dead(k, sa, "authentication failed");
	}
	ike_sa_established(k, sa);
	log_exchange(k, sa, "IKE_AUTH", "ok, IKE SA established");
	if (ch == NULL)
		return;
	cc = child_sa_conf(c, ch->name);
	err = child_error(msg);
	if (err || cc == NULL || !(msg->seen & IKEV2_SEEN(IKEV2_PLD_SA))) {
		log_exchange(k, sa, "IKE_AUTH", "child %s refused: %s (%u)",
		    ch->name, log_notify(err), err);
		return child_sa_free(k, sa, ch, 1);
	}
	if (msg->sa.nprops != 1 || proposal_choose(cc->esp, cc->nesp, &msg->sa,
	    IKEV2_PROTO_ESP, 0, &prop, &num, &spi) < 0 || prop.ndh ||
	    !child_sa_ts_within(&msg->tsi, &ch->ts_local) ||
	    !child_sa_ts_within(&msg->tsr, &ch->ts_remote) ||
	    (!cc->mode_tunnel &&
	    !ikev2_pld_notify_find(msg, IKEV2_N_USE_TRANSPORT_MODE))) {
		log_exchange(k, sa, "IKE_AUTH", "child %s: answer not acceptable",
		    ch->name);
		informational_delete_child(k, sa, ch->spi_in);
		return child_sa_free(k, sa, ch, 1);
	}
	ch->esp = prop;
	ch->spi_out = spi;
	ch->ts_local = msg->tsi;
	ch->ts_remote = msg->tsr;
	if (child_sa_install(k, sa, ch, NULL, 0, sa->ni, sa->nilen, sa->nr,
	    sa->nrlen) < 0) {
		informational_delete_child(k, sa, ch->spi_in);
		child_sa_free(k, sa, ch, 1);
	}
}
