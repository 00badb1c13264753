// SPDX-License-Identifier: ISC
/*
 * The exchanges end to end, in one process: two daemons (A initiates, B
 * responds) wired to each other through their ->send hooks and each to a
 * fake kernel that records what PF_KEY would have been told.  Time is
 * ours to move, so retransmission and liveness run without sleeping.
 *
 * Checked: PSK IKE_SA_INIT + IKE_AUTH with the first Child SA (tunnel and
 * transport), the installed pairs agreeing in SPIs and keys, the retry
 * after INVALID_KE_PAYLOAD, the COOKIE round trip, retransmission and the
 * responder's cached answer, a wrong PSK and a TS outside the PAD
 * (refused, nothing installed), child rekeys with and without PFS (new
 * pair in before the old one goes), a child rekey started by the original
 * responder (keys checked against KEYMAT, not only against the peer),
 * IKE SA rekeys by either side, simultaneous child and IKE SA rekeys
 * (§2.8.1, §2.8.2: one survivor, both sides agree), Delete, and liveness
 * checks.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "keyd.h"
#include "log.h"
#include "tap.h"

/* --- a fake kernel ------------------------------------------------------ */

struct fsa {
	int		used, mature;
	uint32_t	spi, reqid;
	struct sockaddr_storage src, dst;
	uint16_t	encr, integ;
	int		tunnel;
	uint8_t		ekey[64], akey[64];
	size_t		ekeylen, akeylen;
	uint64_t	soft_s;
	uint32_t	seq;
};

struct fpol {
	int		used, out;
	struct sockaddr_storage src, dst;
	uint8_t		splen, dplen;
	uint32_t	reqid;
	int		tunnel;
};

struct fake {
	struct kern	kern;
	struct fsa	sa[32];
	struct fpol	pol[32];
	uint32_t	next_spi, next_seq;
	int		adds, dels;
};

static int
f_getspi(void *arg, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint32_t acq, uint32_t *spi,
    uint32_t *seq)
{
	struct fake *f = arg;
	int i;

	for (i = 0; i < 32; i++)
		if (!f->sa[i].used) {
			memset(&f->sa[i], 0, sizeof(f->sa[i]));
			f->sa[i].used = 1;
			f->sa[i].spi = *spi = f->next_spi++;
			f->sa[i].src = *src;
			f->sa[i].dst = *dst;
			f->sa[i].seq = *seq = acq ? acq : ++f->next_seq;
			return (0);
		}
	return (-12);
}

static struct fsa *
f_find(struct fake *f, uint32_t spi)
{
	int i;

	for (i = 0; i < 32; i++)
		if (f->sa[i].used && f->sa[i].spi == spi)
			return (&f->sa[i]);
	return (NULL);
}

static int
f_add(void *arg, const struct kern_sa *s, int update)
{
	struct fake *f = arg;
	struct fsa *x = f_find(f, s->spi);
	int i;

	if (update && (x == NULL || x->mature || x->seq != s->seq))
		return (-2);
	if (!update) {
		if (x)
			return (-17);
		for (i = 0; i < 32 && f->sa[i].used; i++)
			;
		if (i == 32)
			return (-12);
		x = &f->sa[i];
		memset(x, 0, sizeof(*x));
		x->used = 1;
		x->spi = s->spi;
	}
	x->mature = 1;
	x->src = s->src;
	x->dst = s->dst;
	x->reqid = s->reqid;
	x->encr = s->encr;
	x->integ = s->integ;
	x->tunnel = s->tunnel;
	x->soft_s = s->soft_s;
	memcpy(x->ekey, s->ekey, x->ekeylen = s->ekeylen);
	memcpy(x->akey, s->akey, x->akeylen = s->akeylen);
	f->adds++;
	return (0);
}

static int
f_del(void *arg, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct fake *f = arg;
	struct fsa *x = f_find(f, spi);

	if (x == NULL)
		return (-3);
	x->used = 0;
	f->dels++;
	return (0);
}

static int
f_spd(void *arg, const struct kern_pol *p, int del)
{
	struct fake *f = arg;
	int i, free_i = -1;

	for (i = 0; i < 32; i++) {
		struct fpol *q = &f->pol[i];

		if (!q->used) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (q->out == p->dir_out && !memcmp(&q->src, &p->src,
		    sizeof(q->src)) && !memcmp(&q->dst, &p->dst, sizeof(q->dst))) {
			if (del)
				q->used = 0;
			else
				q->reqid = p->reqid;
			return (0);
		}
	}
	if (del || free_i < 0)
		return (-2);
	f->pol[free_i] = (struct fpol){ .used = 1, .out = p->dir_out,
	    .src = p->src, .dst = p->dst, .splen = p->splen,
	    .dplen = p->dplen, .reqid = p->reqid, .tunnel = p->tunnel };
	return (0);
}

static int
f_acquire_fail(void *arg, uint32_t seq, int err)
{
	return (0);
}

static int
f_event(void *arg, struct kern_event *ev)
{
	return (0);
}

static int
f_fd(void *arg)
{
	return (-1);
}

static const struct kern_ops fake_ops = {
	.getspi = f_getspi, .add = f_add, .del = f_del, .spd = f_spd,
	.acquire_fail = f_acquire_fail, .event = f_event, .fd = f_fd,
};

static int
f_count(const struct fake *f, int mature)
{
	int i, n = 0;

	for (i = 0; i < 32; i++)
		if (f->sa[i].used && (!mature || f->sa[i].mature))
			n++;
	return (n);
}

static int
f_npol(const struct fake *f)
{
	int i, n = 0;

	for (i = 0; i < 32; i++)
		n += f->pol[i].used;
	return (n);
}

/* --- the wire between A and B --------------------------------------------- */

struct pkt {
	struct keyd	*to;
	struct keyd_addr a;
	uint8_t		data[4096];
	size_t		len;
};

static struct pkt q[64];
static int nq, drop_next, sent_total;
static uint8_t last_sent[4096];
static size_t last_len;

struct node {
	struct keyd		k;
	struct keyd_config	cfg;
	struct fake		f;
	struct keyd		*peer;
};

static struct node A, B;

static int
wire_send(struct keyd *k, const struct keyd_addr *a, const uint8_t *p,
    size_t len)
{
	struct node *n = k->send_arg;

	sent_total++;
	if (len <= sizeof(last_sent)) {
		memcpy(last_sent, p, len);
		last_len = len;
	}
	if (drop_next) {
		drop_next--;
		return (0);
	}
	if (nq == 64 || len > sizeof(q[0].data))
		return (-1);
	q[nq].to = n->peer;
	q[nq].a.local = a->remote;	/* as the receiver sees it */
	q[nq].a.remote = a->local;
	memcpy(q[nq].data, p, len);
	q[nq].len = len;
	nq++;
	return (0);
}

static void
pump(void)
{
	int guard = 0;

	while (nq && guard++ < 200) {
		struct pkt p = q[0];

		memmove(q, q + 1, --nq * sizeof(q[0]));
		keyd_recv(p.to, &p.a, p.data, p.len);
	}
}

/* Let `ms` pass on both sides, running the timers. */
static void
advance(uint64_t ms)
{
	A.k.now += ms;
	B.k.now += ms;
	ike_sa_timers(&A.k);
	ike_sa_timers(&B.k);
	pump();
	ike_sa_reap(&A.k);
	ike_sa_reap(&B.k);
}

static void
sin_set(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s = (void *)ss;

		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, a, &s->sin6_addr);
		s->sin6_port = htons(port);
	} else {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		inet_pton(AF_INET, a, &s->sin_addr);
		s->sin_port = htons(port);
	}
}

static const char conf_fmt[] =
	"connections {\n"
	"  c {\n"
	"    local_addrs = %s\n"
	"    remote_addrs = %s\n"
	"    proposals = %s\n"
	"    local {\n      auth = psk\n      id = %s\n    }\n"
	"    remote {\n      auth = psk\n      id = %s\n    }\n"
	"    children {\n"
	"      net {\n"
	"        local_ts = %s\n"
	"        remote_ts = %s\n"
	"        mode = %s\n"
	"        esp_proposals = %s\n"
	"      }\n"
	"    }\n"
	"  }\n"
	"}\n"
	"%s"
	"secrets {\n"
	"  s {\n    id = %s\n    id-2 = %s\n    secret = \"%s\"\n  }\n"
	"}\n";

struct side {
	const char *addr, *props, *id, *ts, *esp, *psk, *extra;
};

static int
node_init(struct node *n, struct keyd *peer, const struct side *me,
    const struct side *other, const char *mode, const char *name)
{
	char text[4096], err[256];
	struct ike_sa *sa;

	/* what the last test left: gone, as a shutdown would */
	for (sa = n->k.sas; sa; sa = sa->next)
		ike_sa_dead(&n->k, sa, "next test");
	ike_sa_reap(&n->k);
	config_free(&n->cfg);
	memset(n, 0, sizeof(*n));
	snprintf(text, sizeof(text), conf_fmt, me->addr, other->addr,
	    me->props, me->id, other->id, me->ts, other->ts, mode, me->esp,
	    me->extra ? me->extra : "", me->id, other->id, me->psk);
	if (config_parse(name, text, strlen(text), &n->cfg, err,
	    sizeof(err)) < 0) {
		printf("# config: %s\n", err);
		return (-1);
	}
	n->f.kern.ops = &fake_ops;
	n->f.kern.arg = &n->f;
	n->f.next_spi = name[0] == 'A' ? 0xa0000001 : 0xb0000001;
	n->k.cfg = &n->cfg;
	n->k.kern = &n->f.kern;
	n->k.send = wire_send;
	n->k.send_arg = n;
	n->k.cookie_threshold = KEYD_HALF_OPEN_MAX;
	n->k.now = 1000000;
	n->k.name = name;
	n->peer = peer;
	crypto_random(n->k.cookie_secret, sizeof(n->k.cookie_secret));
	return (0);
}

static struct side sa_a, sa_b;

static void
sides_default(void)
{
	sa_a = (struct side){ "192.0.2.1", "aes128gcm16-prfsha256-x25519",
	    "a.example", "10.0.0.0/24", "aes128gcm16", "sesame", NULL };
	sa_b = (struct side){ "192.0.2.2", "aes128gcm16-prfsha256-x25519",
	    "b.example", "10.0.1.0/24", "aes128gcm16", "sesame", NULL };
}

static int
setup(const char *mode)
{
	nq = drop_next = 0;
	return (node_init(&A, &B.k, &sa_a, &sa_b, mode, "A") < 0 ||
	    node_init(&B, &A.k, &sa_b, &sa_a, mode, "B") < 0 ? -1 : 0);
}

static int
start(void)
{
	struct sockaddr_storage l, r;

	sin_set(&l, sa_a.addr, 500);
	sin_set(&r, sa_b.addr, 500);
	return (ike_sa_init_start(&A.k, "c", "net", &l, &r, 0));
}

static struct ike_sa *
live(struct keyd *k)
{
	struct ike_sa *sa;

	for (sa = k->sas; sa; sa = sa->next)
		if (sa->state != IKE_DEAD)
			return (sa);
	return (NULL);
}

static int
established(struct keyd *k)
{
	struct ike_sa *sa = live(k);

	return (sa && sa->state == IKE_ESTABLISHED);
}

/* A's outbound SA must be B's inbound one, same keys, and vice versa. */
static int
pairs_match(void)
{
	int i, j, matched = 0;

	for (i = 0; i < 32; i++) {
		const struct fsa *x = &A.f.sa[i];

		if (!x->used || !x->mature)
			continue;
		for (j = 0; j < 32; j++) {
			const struct fsa *y = &B.f.sa[j];

			if (y->used && y->mature && y->spi == x->spi &&
			    y->ekeylen == x->ekeylen && x->ekeylen &&
			    !memcmp(y->ekey, x->ekey, x->ekeylen) &&
			    y->akeylen == x->akeylen &&
			    !memcmp(y->akey, x->akey, x->akeylen) &&
			    !memcmp(&y->src, &x->src, sizeof(x->src)))
				matched++;
		}
	}
	return (matched);
}

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

static int
nlive(struct keyd *k)
{
	struct ike_sa *sa;
	int n = 0;

	for (sa = k->sas; sa; sa = sa->next)
		n += sa->state != IKE_DEAD;
	return (n);
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
	test_rekey("aes128gcm16", 0);
	test_rekey("aes128gcm16-x25519", 1);
	test_rekey_by_responder("aes128gcm16");
	test_rekey_by_responder("aes256-sha256");
	test_ike_rekey(0);
	test_ike_rekey(1);
	test_rekey_collision();
	test_ike_rekey_collision();
	test_delete_dpd();
	test_dead_peer();
	node_init(&A, &B.k, &sa_a, &sa_b, "tunnel", "A");	/* frees the SAs */
	node_init(&B, &A.k, &sa_b, &sa_a, "tunnel", "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
