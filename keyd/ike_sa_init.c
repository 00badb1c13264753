// SPDX-License-Identifier: ISC
/*
 * IKE_SA_INIT (RFC 7296 §1.2): SA, KE, Nonce and NAT_DETECTION_*, both
 * roles; the stateless COOKIE under load (§2.6); the retry with the
 * responder's group after INVALID_KE_PAYLOAD (§1.3.2 via §2.7).
 *
 * The responder keeps no state for a request it answers with COOKIE or
 * INVALID_KE_PAYLOAD: the initiator must come back, so half-open floods
 * cost us one HMAC per packet.
 */
#include <stdio.h>
#include <string.h>

#include "ike_auth.h"
#include "ikev2_bld.h"
#include "keyd.h"
#include "log.h"
#include "sockaddr.h"

/* g^ir, SKEYSEED and the seven keys, from the peer's KE. */
static int
derive(struct ike_sa *sa, const struct ikev2_span *peer_ke)
{
	uint8_t gir[512], skeyseed[CRYPTO_PRF_MAX];
	size_t glen = crypto_dh_secretlen(crypto_dh_group(sa->dh));
	struct crypto_suite s = {
		.encr = sa->prop.encr, .encr_keylen = sa->prop.encr_keylen,
		.integ = sa->prop.integ, .prf = sa->prop.prf,
	};
	int r = -1;

	if (glen == 0 || glen > sizeof(gir) ||
	    crypto_dh_derive(sa->dh, peer_ke->ptr, peer_ke->len, gir, glen) < 0)
		goto out;
	if (crypto_skeyseed(s.prf, sa->ni, sa->nilen, sa->nr, sa->nrlen, gir,
	    glen, skeyseed) < 0)
		goto out;
	if (crypto_ike_keys(&sa->keys, &s, skeyseed, sa->ni, sa->nilen,
	    sa->nr, sa->nrlen, sa->ispi, sa->rspi) < 0)
		goto out;
	sa->keyed = 1;
	r = 0;
out:
	explicit_bzero(gir, sizeof(gir));
	explicit_bzero(skeyseed, sizeof(skeyseed));
	return (r);
}

static int
ke_bytes(struct crypto_dh *dh, uint8_t *out, size_t *len)
{
	*len = crypto_dh_publen(crypto_dh_group(dh));
	if (*len == 0 || *len > 1024)
		return (-1);
	return (crypto_dh_public(dh, out, *len));
}

/* (Re)send our IKE_SA_INIT request: first try, COOKIE or new group. */
static int
send_init(struct keyd *k, struct ike_sa *sa)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	struct ikev2_sa_p offer;
	struct ikev2_bld bld;
	uint8_t ke[1024];
	size_t kelen;
	static const uint8_t zero[IKEV2_SPI_SIZE];

	if (c == NULL || ke_bytes(sa->dh, ke, &kelen) < 0)
		return (-1);
	proposal_ike_offer(c, crypto_dh_group(sa->dh), &offer);
	sa->init_req.len = 0;
	ikev2_bld_msg(&bld, &sa->init_req, sa->ispi, zero,
	    IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	if (sa->cookielen)
		ikev2_bld_notify(&bld, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_COOKIE, sa->cookie, sa->cookielen);
	ikev2_bld_sa(&bld, &offer);
	ikev2_bld_ke(&bld, crypto_dh_group(sa->dh), ke, kelen);
	ikev2_bld_nonce(&bld, sa->ni, sa->nilen);
	natt_notifies(k, sa, &bld);
	ike_auth_init_payloads(k, c, &bld, 0);
	if (ikev2_bld_msg_done(&bld) < 0)
		return (-1);
	log_exchange(k, sa, "IKE_SA_INIT", "request group=%u%s",
	    crypto_dh_group(sa->dh), sa->cookielen ? " cookie" : "");
	return (ikev2_msg_request(k, sa, &sa->init_req));
}

int
ike_sa_init_start(struct keyd *k, const char *conn, const char *child,
    const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, uint32_t acquire_seq)
{
	const struct config_conn *c = config_find_conn(k->cfg, conn);
	struct ike_sa *sa;

	if (c == NULL || c->nike == 0 || c->ike[0].ndh == 0)
		return (-1);
	sa = ike_sa_new(k, 1);
	if (sa == NULL)
		return (-1);
	snprintf(sa->conn, sizeof(sa->conn), "%s", conn);
	if (child)
		snprintf(sa->first_child, sizeof(sa->first_child), "%s", child);
	sa->addr.local = *local;
	sa->addr.remote = *remote;
	sa->acquire_seq = acquire_seq;
	sa->state = IKE_INIT_SENT;
	sa->nilen = KEYD_NONCE_LEN;
	sa->dh = crypto_dh_new(c->ike[0].dh[0]);
	if (sa->dh == NULL || crypto_random(sa->ni, sa->nilen) < 0 ||
	    send_init(k, sa) < 0) {
		ike_sa_dead(k, sa, "cannot start IKE_SA_INIT");
		return (-1);
	}
	return (0);
}

void
ike_sa_init_response(struct keyd *k, struct ike_sa *sa,
    const struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	const struct config_conn *c = ike_sa_conn(k, sa);
	const struct ikev2_notify_p *n;
	uint8_t num;
	uint64_t spi;
	unsigned i;
	int nat;

	if (c == NULL)
		return ike_sa_dead(k, sa, "connection gone");
	if (msg->cookie.len && !(msg->seen & IKEV2_SEEN(IKEV2_PLD_SA))) {
		/* §2.6: the same request again, the cookie first. */
		memcpy(sa->cookie, msg->cookie.ptr, msg->cookie.len);
		sa->cookielen = msg->cookie.len;
		if (send_init(k, sa) < 0)
			ike_sa_dead(k, sa, "cannot resend with COOKIE");
		return;
	}
	if (msg->invalid_ke_group) {
		uint16_t g = msg->invalid_ke_group;

		if (g == crypto_dh_group(sa->dh) ||
		    !proposal_has_group(c->ike, c->nike, g))
			return ike_sa_dead(k, sa, "INVALID_KE_PAYLOAD: no common group");
		log_exchange(k, sa, "IKE_SA_INIT", "INVALID_KE_PAYLOAD: retry with group %u", g);
		crypto_dh_free(sa->dh);
		sa->dh = crypto_dh_new(g);
		if (sa->dh == NULL || send_init(k, sa) < 0)
			ike_sa_dead(k, sa, "cannot retry IKE_SA_INIT");
		return;
	}
	for (i = 0; i < msg->nnotify; i++) {
		n = &msg->notify[i];
		if (n->type <= IKEV2_N_ERROR_MAX) {
			log_exchange(k, sa, "IKE_SA_INIT", "refused: notify %u",
			    n->type);
			return ike_sa_dead(k, sa, "IKE_SA_INIT refused");
		}
	}
	if ((msg->seen & (IKEV2_SEEN(IKEV2_PLD_SA) | IKEV2_SEEN(IKEV2_PLD_KE) |
	    IKEV2_SEEN(IKEV2_PLD_NONCE))) != (IKEV2_SEEN(IKEV2_PLD_SA) |
	    IKEV2_SEEN(IKEV2_PLD_KE) | IKEV2_SEEN(IKEV2_PLD_NONCE)) ||
	    msg->sa.nprops != 1 || !memcmp(msg->rspi, "\0\0\0\0\0\0\0\0", 8) ||
	    msg->nonce.len < IKEV2_NONCE_MIN || msg->nonce.len > IKEV2_NONCE_MAX)
		return ike_sa_dead(k, sa, "IKE_SA_INIT response malformed");
	/* The answer must be one of our proposals, with our KE's group. */
	if (proposal_choose(c->ike, c->nike, &msg->sa, IKEV2_PROTO_IKE,
	    msg->ke.group, &sa->prop, &num, &spi) < 0 ||
	    sa->prop.dh[0] != crypto_dh_group(sa->dh) ||
	    msg->ke.group != crypto_dh_group(sa->dh))
		return ike_sa_dead(k, sa, "responder chose what we did not offer");
	sa->req.active = 0;
	memcpy(sa->rspi, msg->rspi, IKEV2_SPI_SIZE);
	memcpy(sa->nr, msg->nonce.ptr, msg->nonce.len);
	sa->nrlen = msg->nonce.len;
	sa->init_resp.len = 0;
	buf_add(&sa->init_resp, buf, len);
	if (derive(sa, &msg->ke.data) < 0)
		return ike_sa_dead(k, sa, "key exchange failed");
	nat = natt_detect(k, sa, msg);
	log_exchange(k, sa, "IKE_SA_INIT", "ok encr=%u/%u prf=%u integ=%u group=%u%s",
	    sa->prop.encr, sa->prop.encr_keylen, sa->prop.prf, sa->prop.integ,
	    sa->prop.dh[0], nat ? " NAT detected" : "");
	natt_float(k, sa);
	if (ike_auth_send(k, sa) < 0)
		ike_sa_dead(k, sa, "cannot send IKE_AUTH");
}

/* §2.6: Cookie = HMAC(secret, Ni | IPi | SPIi), stateless. */
static void
cookie_make(struct keyd *k, const struct ikev2_msg_p *msg,
    const struct keyd_addr *a, uint8_t out[32])
{
	const uint8_t *ip;
	size_t iplen;
	uint16_t port;
	struct iovec iov[3];

	ss_addr(&a->remote, &ip, &iplen, &port);
	iov[0].iov_base = (void *)msg->nonce.ptr;
	iov[0].iov_len = msg->nonce.len;
	iov[1].iov_base = (void *)ip;
	iov[1].iov_len = iplen;
	iov[2].iov_base = (void *)msg->ispi;
	iov[2].iov_len = IKEV2_SPI_SIZE;
	crypto_prf(IKEV2_PRF_HMAC_SHA2_256, k->cookie_secret,
	    sizeof(k->cookie_secret), iov, 3, out);
}

static int
addr_in(const struct config_addr *ca, int n, const struct sockaddr_storage *ss)
{
	int i;

	if (n == 0)
		return (1);
	for (i = 0; i < n; i++) {
		const uint8_t *a, *lo, *hi;
		size_t alen, l2;
		uint16_t port;

		if (ca[i].family == AF_UNSPEC)
			return (1);
		if (ca[i].family != ss->ss_family)
			continue;
		ss_addr(ss, &a, &alen, &port);
		ss_addr(&ca[i].lo, &lo, &l2, &port);
		ss_addr(&ca[i].hi, &hi, &l2, &port);
		if (memcmp(a, lo, alen) >= 0 && memcmp(a, hi, alen) <= 0)
			return (1);
	}
	return (0);
}

/* The connection for a new peer: the first whose addresses admit it. */
static const struct config_conn *
conn_for(struct keyd *k, const struct keyd_addr *a)
{
	int i;

	for (i = 0; i < k->cfg->nconns; i++) {
		const struct config_conn *c = &k->cfg->conns[i];

		if (c->nike && addr_in(c->local_addrs, c->nlocal_addrs,
		    &a->local) && addr_in(c->remote_addrs, c->nremote_addrs,
		    &a->remote))
			return (c);
	}
	return (NULL);
}

void
ike_sa_init_request(struct keyd *k, const struct keyd_addr *a,
    const struct ikev2_msg_p *msg, const uint8_t *buf, size_t len)
{
	const struct config_conn *c;
	struct config_proposal prop;
	struct ikev2_sa_p answer;
	struct ikev2_bld bld;
	struct ike_sa *sa;
	uint8_t num, ke[1024], ck[32];
	uint64_t spi;
	size_t kelen;
	uint16_t g;

	if (msg->msgid != 0 || !(msg->flags & IKEV2_FLAG_INITIATOR) ||
	    memcmp(msg->rspi, "\0\0\0\0\0\0\0\0", 8))
		return;
	if ((msg->seen & (IKEV2_SEEN(IKEV2_PLD_SA) | IKEV2_SEEN(IKEV2_PLD_KE) |
	    IKEV2_SEEN(IKEV2_PLD_NONCE))) != (IKEV2_SEEN(IKEV2_PLD_SA) |
	    IKEV2_SEEN(IKEV2_PLD_KE) | IKEV2_SEEN(IKEV2_PLD_NONCE)) ||
	    msg->nonce.len < IKEV2_NONCE_MIN || msg->nonce.len > IKEV2_NONCE_MAX)
		return ikev2_msg_notify_plain(k, a, msg, IKEV2_N_INVALID_SYNTAX,
		    NULL, 0);
	if (k->half_open >= (unsigned)k->cookie_threshold) {
		cookie_make(k, msg, a, ck);
		if (msg->cookie.len != sizeof(ck) ||
		    memcmp(msg->cookie.ptr, ck, sizeof(ck))) {
			log_info("IKE_SA_INIT from %s: %u half-open, COOKIE",
			    log_addr(&a->remote), k->half_open);
			return ikev2_msg_notify_plain(k, a, msg, IKEV2_N_COOKIE,
			    ck, sizeof(ck));
		}
	}
	c = conn_for(k, a);
	if (c == NULL) {
		log_info("IKE_SA_INIT from %s: no connection for it",
		    log_addr(&a->remote));
		return ikev2_msg_notify_plain(k, a, msg,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	}
	if (proposal_choose(c->ike, c->nike, &msg->sa, IKEV2_PROTO_IKE,
	    msg->ke.group, &prop, &num, &spi) < 0) {
		log_info("%s: IKE_SA_INIT from %s: no proposal chosen", c->name,
		    log_addr(&a->remote));
		return ikev2_msg_notify_plain(k, a, msg,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	}
	if (prop.dh[0] != msg->ke.group) {
		uint8_t gb[2] = { prop.dh[0] >> 8, prop.dh[0] & 0xff };

		log_info("%s: IKE_SA_INIT from %s: KE group %u, want %u",
		    c->name, log_addr(&a->remote), msg->ke.group, prop.dh[0]);
		return ikev2_msg_notify_plain(k, a, msg,
		    IKEV2_N_INVALID_KE_PAYLOAD, gb, sizeof(gb));
	}
	sa = ike_sa_new(k, 0);
	if (sa == NULL)
		return;
	snprintf(sa->conn, sizeof(sa->conn), "%s", c->name);
	memcpy(sa->ispi, msg->ispi, IKEV2_SPI_SIZE);
	sa->addr = *a;
	sa->prop = prop;
	sa->state = IKE_INIT_DONE;
	sa->msgid_peer = 0;
	memcpy(sa->ni, msg->nonce.ptr, msg->nonce.len);
	sa->nilen = msg->nonce.len;
	sa->nrlen = KEYD_NONCE_LEN;
	g = prop.dh[0];
	sa->dh = crypto_dh_new(g);
	if (sa->dh == NULL || crypto_random(sa->nr, sa->nrlen) < 0 ||
	    ke_bytes(sa->dh, ke, &kelen) < 0 || derive(sa, &msg->ke.data) < 0) {
		ike_sa_dead(k, sa, "key exchange failed");
		return ikev2_msg_notify_plain(k, a, msg,
		    IKEV2_N_INVALID_SYNTAX, NULL, 0);
	}
	buf_add(&sa->init_req, buf, len);
	proposal_answer(&prop, IKEV2_PROTO_IKE, num, 0, &answer);
	ikev2_bld_msg(&bld, &sa->init_resp, sa->ispi, sa->rspi,
	    IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE, 0);
	ikev2_bld_sa(&bld, &answer);
	ikev2_bld_ke(&bld, g, ke, kelen);
	ikev2_bld_nonce(&bld, sa->nr, sa->nrlen);
	natt_notifies(k, sa, &bld);
	ike_auth_init_payloads(k, c, &bld, 1);
	if (ikev2_bld_msg_done(&bld) < 0)
		return ike_sa_dead(k, sa, "cannot build IKE_SA_INIT response");
	log_exchange(k, sa, "IKE_SA_INIT", "ok encr=%u/%u prf=%u integ=%u group=%u%s",
	    prop.encr, prop.encr_keylen, prop.prf, prop.integ, g,
	    natt_detect(k, sa, msg) ? " NAT detected" : "");
	ikev2_msg_response(k, sa, &sa->init_resp);
}
