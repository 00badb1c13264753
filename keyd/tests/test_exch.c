// SPDX-License-Identifier: ISC
/*
 * The exchanges end to end, in one process, on exch_harness.h's two
 * daemons and fake kernels: bringing an IKE SA up and taking it down.
 * (test_exch_rekey.c: the rekeys, on the same harness.)
 *
 * Checked: PSK IKE_SA_INIT + IKE_AUTH with the first Child SA (tunnel and
 * transport), the installed pairs agreeing in SPIs and keys, the retry
 * after INVALID_KE_PAYLOAD, the COOKIE round trip, retransmission and the
 * responder's cached answer, a wrong PSK and a TS outside the PAD
 * (refused, nothing installed), Delete, and liveness checks.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"
#include "exch_harness.h"

static void
test_basic(const char *mode, const char *esp)
{
	struct ike_sa *a, *b;

	sides_default();
	sa_a.esp = sa_b.esp = esp;
	if (!ok(setup(mode) == 0, "%s/%s: configs parse", mode, esp))
		return;
	ok(start() == 0 && (pump(), 1) && established(&A.k) &&
	    established(&B.k), "%s/%s: IKE SA established both sides", mode,
	    esp);
	ok(f_count(&A.f, 1) == 2 && f_count(&B.f, 1) == 2 &&
	    f_count(&A.f, 0) == 2 && f_count(&B.f, 0) == 2,
	    "%s/%s: one SA pair each side, no larval left", mode, esp);
	ok(pairs_match() == 2, "%s/%s: SPIs, endpoints and keys agree", mode,
	    esp);
	ok(f_npol(&A.f) == 2 && f_npol(&B.f) == 2,
	    "%s/%s: a policy pair each side", mode, esp);
	a = live(&A.k);
	b = live(&B.k);
	ok(a && b && a->children && b->children &&
	    a->children->tunnel == !strcmp(mode, "tunnel") &&
	    b->children->tunnel == a->children->tunnel,
	    "%s/%s: mode agreed", mode, esp);
	ok(a && b && a->peer_id.len == 9 && !memcmp(a->peer_id.data,
	    "b.example", 9) && !memcmp(b->peer_id.data, "a.example", 9),
	    "%s/%s: each knows the other's identity", mode, esp);
}

static void
test_invalid_ke(void)
{
	int before;

	sides_default();
	sa_a.props = "aes128gcm16-prfsha256-ecp256-x25519";
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	before = sent_total;
	start();
	pump();
	ok(established(&A.k) && established(&B.k) && pairs_match() == 2,
	    "INVALID_KE_PAYLOAD: A retries with x25519 and gets through");
	ok(sent_total - before == 6, "INVALID_KE_PAYLOAD: 3 round trips (%d "
	    "messages)", sent_total - before);
}

static void
test_cookie(void)
{
	int before;

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	B.k.cookie_threshold = 0;	/* "under load" from the first SA */
	before = sent_total;
	start();
	pump();
	ok(established(&A.k) && established(&B.k),
	    "COOKIE: A returns the cookie and gets through");
	ok(sent_total - before == 6, "COOKIE: 3 round trips (%d messages)",
	    sent_total - before);
}

static void
test_retransmit(void)
{
	struct ike_sa *b;
	int adds;

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	drop_next = 1;			/* B's IKE_SA_INIT response is lost */
	pump();
	ok(!established(&A.k), "retransmit: nothing yet after a loss");
	advance(KEYD_RTX_FIRST_MS);	/* A resends IKE_SA_INIT; B its cache */
	ok(established(&A.k) && established(&B.k),
	    "retransmit: the resent IKE_SA_INIT gets the cached answer through");
	b = live(&B.k);
	ok(b && b->have_resp && b->msgid_peer == 2,
	    "retransmit: B answered each request once (msgid_peer %u)",
	    b ? b->msgid_peer : 0);
	/* A replayed IKE_AUTH: same answer, no second child. */
	adds = B.f.adds;
	{
		struct ike_sa *a = live(&A.k);
		int s = sent_total;

		keyd_recv(&B.k, &(struct keyd_addr){ .local = b->addr.local,
		    .remote = b->addr.remote }, a->req.msg.data, a->req.msg.len);
		ok(sent_total == s + 1 && last_len == b->last_resp.len &&
		    !memcmp(last_sent, b->last_resp.data, last_len) &&
		    B.f.adds == adds,
		    "retransmit: a repeated request gets the cached bytes, nothing redone");
		nq = 0;
	}
}

static void
test_wrong_psk(void)
{
	sides_default();
	sa_a.psk = "not sesame";
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	advance(0);
	ok(live(&A.k) == NULL && live(&B.k) == NULL,
	    "wrong PSK: both IKE SAs gone");
	ok(f_count(&A.f, 0) == 0 && f_count(&B.f, 0) == 0 &&
	    f_npol(&A.f) == 0 && f_npol(&B.f) == 0,
	    "wrong PSK: nothing installed, larval SAs removed");
}

static void
test_pad_ts(void)
{
	sides_default();
	/* B's PAD lets a.example use 10.0.9.0/24 only; A asks 10.0.0.0/24. */
	sa_b.extra = "pad {\n  p {\n    id = a.example\n    auth = psk\n"
	    "    remote_ts = 10.0.9.0/24\n  }\n}\n";
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	ok(established(&A.k) && established(&B.k),
	    "TS outside the PAD: the IKE SA stands (§1.2)");
	ok(f_count(&A.f, 0) == 0 && f_count(&B.f, 0) == 0 &&
	    f_npol(&B.f) == 0 && live(&A.k)->children == NULL,
	    "TS outside the PAD: no child, nothing installed");
}

static void
test_delete_dpd(void)
{
	struct ike_sa *a;
	int s;

	sides_default();
	if (!ok(setup("transport") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	s = sent_total;
	ok(a && informational_dpd(&A.k, a) == 0 && (pump(), 1) &&
	    sent_total == s + 2 && !a->req.active,
	    "DPD: an empty INFORMATIONAL is answered");
	ok(informational_delete_ike(&A.k, a) == 0, "Delete: sent");
	pump();
	advance(0);
	ok(live(&A.k) == NULL && live(&B.k) == NULL,
	    "Delete: both IKE SAs gone");
	ok(f_count(&A.f, 0) == 0 && f_count(&B.f, 0) == 0 &&
	    f_npol(&A.f) == 0 && f_npol(&B.f) == 0,
	    "Delete: both kernels empty");
}

static void
test_dead_peer(void)
{
	struct ike_sa *a;

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	B.peer = NULL;	/* B vanishes */
	{
		int i;

		informational_dpd(&A.k, a);
		nq = 0;
		for (i = 0; i < KEYD_RTX_TRIES + 1; i++) {
			A.k.now += (uint64_t)KEYD_RTX_FIRST_MS << i;
			ike_sa_timers(&A.k);
			nq = 0;
		}
		ike_sa_reap(&A.k);
	}
	ok(live(&A.k) == NULL && f_count(&A.f, 0) == 0,
	    "dead peer: retransmissions run out, the SA and its children go");
}

int
main(void)
{
	log_init(1, getenv("KEYD_DEBUG") ? LOG_LVL_DEBUG : -1);
	test_basic("tunnel", "aes128gcm16");
	test_basic("transport", "aes256-sha256");
	test_basic("tunnel", "chacha20poly1305");
	test_invalid_ke();
	test_cookie();
	test_retransmit();
	test_wrong_psk();
	test_pad_ts();
	test_delete_dpd();
	test_dead_peer();
	node_init(&A, &B.k, &sa_a, &sa_b, "tunnel", "A");	/* frees the SAs */
	node_init(&B, &A.k, &sa_b, &sa_a, "tunnel", "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
