// SPDX-License-Identifier: ISC
/*
 * CREATE_CHILD_SA end to end, in one process, on exch_harness.h's two
 * daemons and fake kernels.  (test_exch.c: bringing the IKE SA up and
 * down.)
 *
 * Checked: child rekeys with and without PFS (new pair in before the old
 * one goes), a child rekey started by the original responder (keys
 * checked against KEYMAT, not only against the peer), IKE SA rekeys by
 * either side, simultaneous child and IKE SA rekeys (§2.8.1, §2.8.2: one
 * survivor, both sides agree).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"
#include "exch_harness.h"

static void
test_rekey(const char *esp, int pfs)
{
	struct ike_sa *a, *b;
	uint32_t old_in;

	sides_default();
	sa_a.esp = sa_b.esp = esp;
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	b = live(&B.k);
	if (!ok(a && a->children && b, "rekey%s: established", pfs ? " PFS" : ""))
		return;
	old_in = a->children->spi_in;
	ok(child_sa_rekey(&A.k, a, a->children) == 0,
	    "rekey%s: CREATE_CHILD_SA sent", pfs ? " PFS" : "");
	pump();
	ok(a->children && !a->children->next && a->children->spi_in != old_in &&
	    b->children && !b->children->next,
	    "rekey%s: one child each side, a new one", pfs ? " PFS" : "");
	ok(f_count(&A.f, 0) == 2 && f_count(&B.f, 0) == 2 && pairs_match() == 2,
	    "rekey%s: the new pair agrees, the old pair is gone",
	    pfs ? " PFS" : "");
	ok(A.f.adds == 4 && A.f.dels == 2 && f_npol(&A.f) == 2,
	    "rekey%s: installed before deleted, policies kept (adds %d dels %d)",
	    pfs ? " PFS" : "", A.f.adds, A.f.dels);
}

/*
 * The original responder rekeys: it started this exchange, so KEYMAT's
 * first keys carry its traffic (§2.17), whatever the IKE SA's roles.  Two
 * keyds that both took the IKE SA's roles would still agree with each
 * other (pairs_match), and not with strongSwan: so check B's SAs against
 * KEYMAT computed here from the exchange's own nonces, A's read from its
 * answer on the wire.
 */
static void
test_rekey_by_responder(const char *esp)
{
	struct ike_sa *a, *b;
	struct child_sa *ch;
	struct ikev2_msg_p m;
	struct child_keys ck;
	struct buf plain;
	const struct fsa *bo, *bi;
	uint8_t ni[KEYD_NONCE_LEN], nr[IKEV2_NONCE_MAX];
	size_t nrlen = 0;
	struct pkt p;

	sides_default();
	sa_a.esp = sa_b.esp = esp;
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	b = live(&B.k);
	if (!ok(a && b && b->children && !b->initiator,
	    "rekey by the responder (%s): established", esp))
		return;
	ok(child_sa_rekey(&B.k, b, b->children) == 0 && nq == 1,
	    "rekey by the responder (%s): B sends CREATE_CHILD_SA", esp);
	memcpy(ni, b->req.nonce, sizeof(ni));
	p = q[0];
	memmove(q, q + 1, --nq * sizeof(q[0]));
	keyd_recv(p.to, &p.a, p.data, p.len);	/* A answers; we read it */
	buf_init(&plain);
	if (nq == 1 && ikev2_pld_parse(&m, q[0].data, q[0].len) == 0 &&
	    crypto_sk_open(&a->keys, 1, q[0].data, q[0].len,
	    m.sk.body.ptr - q[0].data, &plain) == 0 &&
	    ikev2_pld_parse_inner(&m, m.sk.first, plain.data, plain.len) == 0 &&
	    m.nonce.len <= sizeof(nr))
		memcpy(nr, m.nonce.ptr, nrlen = m.nonce.len);
	buf_free(&plain);
	pump();
	ch = b->children;
	if (!ok(nrlen && ch && !ch->next && ch->exch_init,
	    "rekey by the responder (%s): one new child, A's nonce read", esp))
		return;
	crypto_child_keys(&ck, b->prop.prf, b->keys.sk_d, b->keys.prf_len,
	    NULL, 0, ni, sizeof(ni), nr, nrlen, ch->esp.encr,
	    ch->esp.encr_keylen, ch->esp.integ);
	bo = f_find(&B.f, ch->spi_out);
	bi = f_find(&B.f, ch->spi_in);
	ok(bo && bi && bo->ekeylen == ck.encr_len &&
	    !memcmp(bo->ekey, ck.ei, ck.encr_len) &&
	    bo->akeylen == ck.integ_len &&
	    !memcmp(bo->akey, ck.ai, ck.integ_len) &&
	    !memcmp(bi->ekey, ck.er, ck.encr_len) &&
	    !memcmp(bi->akey, ck.ar, ck.integ_len),
	    "rekey by the responder (%s): B sends with KEYMAT's first keys", esp);
	ok(pairs_match() == 2 && f_count(&A.f, 0) == 2 && f_count(&B.f, 0) == 2,
	    "rekey by the responder (%s): A agrees, the old pair is gone", esp);
	crypto_child_keys_wipe(&ck);
}

/* IKE SA rekey started by `who`: one new SA each side, children moved. */
static void
test_ike_rekey(int by_responder)
{
	struct keyd *who = by_responder ? &B.k : &A.k;
	struct ike_sa *old, *a, *b;
	uint8_t ispi[IKEV2_SPI_SIZE];
	int adds, s;
	const char *t = by_responder ? "IKE rekey by the responder" :
	    "IKE rekey";

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	old = live(who);
	if (!ok(old != NULL, "%s: established", t))
		return;
	memcpy(ispi, old->ispi, sizeof(ispi));
	adds = A.f.adds + B.f.adds;
	ok(ike_rekey_start(who, old) == 0, "%s: CREATE_CHILD_SA sent", t);
	pump();
	advance(0);
	a = live(&A.k);
	b = live(&B.k);
	ok(nlive(&A.k) == 1 && nlive(&B.k) == 1 && a && b &&
	    a->state == IKE_ESTABLISHED && b->state == IKE_ESTABLISHED,
	    "%s: one IKE SA each side, the old one deleted", t);
	ok(a && b && !memcmp(a->ispi, b->ispi, 8) && !memcmp(a->rspi, b->rspi, 8) &&
	    memcmp(a->ispi, ispi, 8) && a->initiator != b->initiator &&
	    (by_responder ? b->initiator : a->initiator),
	    "%s: new SPIs, the rekeying side is the new initiator", t);
	ok(a && b && a->children && b->children && A.f.adds + B.f.adds == adds &&
	    pairs_match() == 2, "%s: the children moved, the kernel untouched", t);
	s = sent_total;
	ok(a && informational_dpd(&A.k, a) == 0 && (pump(), 1) &&
	    sent_total == s + 2 && !a->req.active,
	    "%s: the new SA's keys work both ways", t);
	ok(a && a->children && child_sa_rekey(&A.k, a, a->children) == 0 &&
	    (pump(), 1) && pairs_match() == 2 && A.f.dels == 2,
	    "%s: a child rekey under the new SA", t);
}

/* Deliver the i-th datagram on the wire out of turn. */
static void
deliver(int i)
{
	struct pkt p = q[i];

	memmove(q + i, q + i + 1, (--nq - i) * sizeof(q[0]));
	keyd_recv(p.to, &p.a, p.data, p.len);
}

static struct child_sa *
one_child(struct keyd *k)
{
	struct ike_sa *sa = live(k);

	return (nlive(k) == 1 && sa->children && !sa->children->next ?
	    sa->children : NULL);
}

/* Both sides' only pair is the same one, in both kernels, nothing else. */
static int
agreed(uint32_t a_old, uint32_t b_old)
{
	struct child_sa *x = one_child(&A.k), *y = one_child(&B.k);

	return (x && y && x->spi_in == y->spi_out && x->spi_out == y->spi_in &&
	    x->spi_in != a_old && y->spi_in != b_old &&
	    f_count(&A.f, 0) == 2 && f_count(&B.f, 0) == 2 &&
	    pairs_match() == 2 && f_npol(&A.f) == 2 && f_npol(&B.f) == 2);
}

/*
 * Both sides rekey the child at once (§2.8.1): each answers the other's
 * request, and when its own completes the pair of the exchange with the
 * lowest nonce is closed by its maker.  Several rounds, so that each side
 * wins some; then the request that crosses our finished rekey's Delete.
 */
static void
test_rekey_collision(void)
{
	struct ike_sa *a, *b;
	struct child_sa *ca;
	uint32_t a_old, b_old;
	int i, ok_rounds = 0, a_won = 0;

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	b = live(&B.k);
	for (i = 0; i < 8 && a && b && a->children && b->children; i++) {
		a_old = a->children->spi_in;
		b_old = b->children->spi_in;
		if (child_sa_rekey(&A.k, a, a->children) < 0 ||
		    child_sa_rekey(&B.k, b, b->children) < 0 || nq != 2)
			break;
		pump();
		advance(0);
		if (!agreed(a_old, b_old) || a->req.active || b->req.active)
			break;
		ok_rounds++;
		a_won += one_child(&A.k)->exch_init;
	}
	ok(ok_rounds == 8, "simultaneous child rekey: one pair survives each "
	    "of %d rounds, both sides agree (A's own pair won %d)", ok_rounds,
	    a_won);

	/* A's rekey completes before B's request reaches it. */
	ca = a ? a->children : NULL;
	if (!ok(ca && b && b->children, "rekey colliding with a Delete: up"))
		return;
	a_old = ca->spi_in;
	b_old = b->children->spi_in;
	child_sa_rekey(&A.k, a, ca);
	child_sa_rekey(&B.k, b, b->children);
	deliver(0);		/* A's request: B answers */
	deliver(1);		/* B's answer: A done, sends Delete(old) */
	ok(ca->closing && nq == 2, "rekey colliding with a Delete: A deletes "
	    "the old pair first");
	pump();			/* B's request finds it closing */
	advance(0);
	ok(agreed(a_old, b_old) && one_child(&A.k)->exch_init,
	    "rekey colliding with a Delete: TEMPORARY_FAILURE, A's pair stays");
}

/* Both sides rekey the IKE SA at once (§2.8.2): one new SA survives. */
static void
test_ike_rekey_collision(void)
{
	struct ike_sa *a, *b;
	int adds, s;

	sides_default();
	if (!ok(setup("tunnel") == 0, "configs parse"))
		return;
	start();
	pump();
	a = live(&A.k);
	b = live(&B.k);
	adds = A.f.adds + B.f.adds;
	ok(a && b && ike_rekey_start(&A.k, a) == 0 &&
	    ike_rekey_start(&B.k, b) == 0 && nq == 2,
	    "simultaneous IKE rekey: both send CREATE_CHILD_SA");
	pump();
	advance(0);
	a = live(&A.k);
	b = live(&B.k);
	ok(nlive(&A.k) == 1 && nlive(&B.k) == 1 && a && b &&
	    a->state == IKE_ESTABLISHED && b->state == IKE_ESTABLISHED &&
	    !memcmp(a->ispi, b->ispi, 8) && !memcmp(a->rspi, b->rspi, 8),
	    "simultaneous IKE rekey: the same one new IKE SA each side");
	ok(a && b && a->children && b->children && pairs_match() == 2 &&
	    A.f.adds + B.f.adds == adds,
	    "simultaneous IKE rekey: the children moved to it, kernel untouched");
	s = sent_total;
	ok(a && informational_dpd(&A.k, a) == 0 && (pump(), 1) &&
	    sent_total == s + 2 && !a->req.active,
	    "simultaneous IKE rekey: the survivor's keys work");
}

int
main(void)
{
	log_init(1, getenv("KEYD_DEBUG") ? LOG_LVL_DEBUG : -1);
	test_rekey("aes128gcm16", 0);
	test_rekey("aes128gcm16-x25519", 1);
	test_rekey_by_responder("aes128gcm16");
	test_rekey_by_responder("aes256-sha256");
	test_ike_rekey(0);
	test_ike_rekey(1);
	test_rekey_collision();
	test_ike_rekey_collision();
	node_init(&A, &B.k, &sa_a, &sa_b, "tunnel", "A");	/* frees the SAs */
	node_init(&B, &A.k, &sa_b, &sa_a, "tunnel", "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
