/* SPDX-License-Identifier: ISC */
/*
 * The harness of the exchange tests (test_exch*.c, test_name.c,
 * test_natt.c): two daemons in one process, A initiating and B
 * responding, wired to each other through their ->send hooks and each to
 * a fake kernel that records what PF_KEY would have been told.  Time is
 * ours to move, so retransmission and liveness run without sleeping.
 *
 * Header-only, as tap.h, so each test stays a single C file; the
 * functions are static inline so a test that uses only some of them
 * builds without unused-function warnings.
 */
#ifndef _KEYD_TEST_EXCH_HARNESS_H
#define _KEYD_TEST_EXCH_HARNESS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "keyd.h"

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

static inline int
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

static inline struct fsa *
f_find(struct fake *f, uint32_t spi)
{
	int i;

	for (i = 0; i < 32; i++)
		if (f->sa[i].used && f->sa[i].spi == spi)
			return (&f->sa[i]);
	return (NULL);
}

static inline int
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

static inline int
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

static inline int
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

static inline int
f_acquire_fail(void *arg, uint32_t seq, int err)
{
	return (0);
}

static inline int
f_event(void *arg, struct kern_event *ev)
{
	return (0);
}

static inline int
f_fd(void *arg)
{
	return (-1);
}

static const struct kern_ops fake_ops = {
	.getspi = f_getspi, .add = f_add, .del = f_del, .spd = f_spd,
	.acquire_fail = f_acquire_fail, .event = f_event, .fd = f_fd,
};

static inline int
f_count(const struct fake *f, int mature)
{
	int i, n = 0;

	for (i = 0; i < 32; i++)
		if (f->sa[i].used && (!mature || f->sa[i].mature))
			n++;
	return (n);
}

static inline int
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

static inline int
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

static inline void
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
static inline void
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

static inline void
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

static inline int
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

static inline void
sides_default(void)
{
	sa_a = (struct side){ "192.0.2.1", "aes128gcm16-prfsha256-x25519",
	    "a.example", "10.0.0.0/24", "aes128gcm16", "sesame", NULL };
	sa_b = (struct side){ "192.0.2.2", "aes128gcm16-prfsha256-x25519",
	    "b.example", "10.0.1.0/24", "aes128gcm16", "sesame", NULL };
}

static inline int
setup(const char *mode)
{
	nq = drop_next = 0;
	return (node_init(&A, &B.k, &sa_a, &sa_b, mode, "A") < 0 ||
	    node_init(&B, &A.k, &sa_b, &sa_a, mode, "B") < 0 ? -1 : 0);
}

static inline int
start(void)
{
	struct sockaddr_storage l, r;

	sin_set(&l, sa_a.addr, 500);
	sin_set(&r, sa_b.addr, 500);
	return (ike_sa_init_start(&A.k, "c", "net", &l, &r, 0));
}

static inline struct ike_sa *
live(struct keyd *k)
{
	struct ike_sa *sa;

	for (sa = k->sas; sa; sa = sa->next)
		if (sa->state != IKE_DEAD)
			return (sa);
	return (NULL);
}

static inline int
established(struct keyd *k)
{
	struct ike_sa *sa = live(k);

	return (sa && sa->state == IKE_ESTABLISHED);
}

/* A's outbound SA must be B's inbound one, same keys, and vice versa. */
static inline int
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

/* How many of k's IKE SAs are not dead. */
static inline int
nlive(struct keyd *k)
{
	struct ike_sa *sa;
	int n = 0;

	for (sa = k->sas; sa; sa = sa->next)
		n += sa->state != IKE_DEAD;
	return (n);
}

#endif /* _KEYD_TEST_EXCH_HARNESS_H */
