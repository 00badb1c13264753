// SPDX-License-Identifier: ISC
/*
 * NAT traversal end to end in one process (natt.c): exch_harness.h's two
 * daemons and fake kernels, with a NAT on the wire in front of A that
 * rewrites A's private address and ports to a public address and mapped
 * ports, as a masquerade does, and can change its mapping.
 *
 * Checked: NAT-D sees the NAT on both sides (A here, B there); A floats
 * to 4500 before IKE_AUTH; both install ESP in UDP with the ports each
 * sees; without a NAT, nothing of that; `encap = yes` forces it without
 * a NAT, `nat_traversal = no` turns it off with one; A alone sends
 * keepalives; a new mapping learned from an authenticated message (and
 * from the kernel's NEW_MAPPING) moves IKE and rekeys the child to the
 * new port, the old pair deleted where it was; an unauthenticated message
 * from elsewhere moves nothing; the config knobs and their checks.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"
#include "exch_harness.h"

/* --- what was added, with the NAT-T extensions ---------------------------- */

static struct kern_sa added[64];
static void *added_by[64];
static int nadded;

static int
rec_add(void *arg, const struct kern_sa *s, int update)
{
	if (nadded < 64) {
		added_by[nadded] = arg;
		added[nadded++] = *s;
	}
	return (f_add(arg, s, update));
}

static const struct kern_ops rec_ops = {
	.getspi = f_getspi, .add = rec_add, .del = f_del, .spd = f_spd,
	.acquire_fail = f_acquire_fail, .event = f_event, .fd = f_fd,
};

/* The last ADD/UPDATE of this SPI into n's kernel. */
static const struct kern_sa *
added_spi(struct node *n, uint32_t spi)
{
	int i;

	for (i = nadded - 1; i >= 0; i--)
		if (added[i].spi == spi && added_by[i] == &n->f)
			return (&added[i]);
	return (NULL);
}

static uint16_t
port(const struct sockaddr_storage *ss)
{
	return (ntohs(((const struct sockaddr_in *)ss)->sin_port));
}

static int
is_addr(const struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_storage x;

	sin_set(&x, a, 0);
	return (!memcmp(&((const struct sockaddr_in *)ss)->sin_addr,
	    &((const struct sockaddr_in *)&x)->sin_addr, 4));
}

/* --- a NAT in front of A ------------------------------------------------- */

#define PRIV	"10.0.0.1"
#define PUB	"198.51.100.1"

static int nat_on, nat_shift = 30000, keepalives[2];

static int float_anyway;	/* A moves IKE_AUTH to 4500 without a NAT */

/* A sends: the source becomes PUB, port + nat_shift. */
static int
a_send(struct keyd *k, const struct keyd_addr *a, const uint8_t *p,
    size_t len)
{
	struct keyd_addr x = *a;

	/* as strongSwan with MOBIKE on: byte 18 is the exchange type */
	if (float_anyway && len > 18 && p[18] == IKEV2_EXCH_IKE_AUTH) {
		((struct sockaddr_in *)&x.local)->sin_port = htons(4500);
		((struct sockaddr_in *)&x.remote)->sin_port = htons(4500);
	}
	if (nat_on)
		sin_set(&x.local, PUB, port(&a->local) + nat_shift);
	return (wire_send(k, &x, p, len));
}

/* B sends to PUB: back to A's private address and port. */
static int
b_send(struct keyd *k, const struct keyd_addr *a, const uint8_t *p,
    size_t len)
{
	struct keyd_addr x = *a;

	if (nat_on) {
		if (!is_addr(&a->remote, PUB) ||
		    port(&a->remote) < nat_shift)
			return (0);	/* nothing mapped there: lost */
		sin_set(&x.remote, PRIV, port(&a->remote) - nat_shift);
	}
	return (wire_send(k, &x, p, len));
}

static int
count_keepalive(struct keyd *k, const struct keyd_addr *a)
{
	keepalives[k == &B.k]++;
	return (0);
}

static int
natt_setup(int nat, const char *a_extra)
{
	sides_default();
	sa_a.addr = "%any";	/* behind a NAT, B sees any address */
	sa_b.extra = NULL;
	nat_on = nat;
	nat_shift = 30000;
	nadded = keepalives[0] = keepalives[1] = 0;
	if (setup("tunnel") < 0)
		return (-1);
	if (a_extra) {
		/* the connection's knobs: append to A's only connection */
		struct config_conn *c = &A.cfg.conns[0];

		if (strstr(a_extra, "encap"))
			c->encap = 1;
		if (strstr(a_extra, "nonatt"))
			c->natt = 0;
	}
	A.k.send = a_send;
	B.k.send = b_send;
	A.f.kern.ops = B.f.kern.ops = &rec_ops;
	A.k.keepalive = B.k.keepalive = count_keepalive;
	return (0);
}

static int
natt_start(void)
{
	struct sockaddr_storage l, r;

	sin_set(&l, PRIV, 500);
	sin_set(&r, sa_b.addr, 500);
	if (ike_sa_init_start(&A.k, "c", "net", &l, &r, 0) < 0)
		return (-1);
	pump();
	advance(0);	/* the loop runs the timers after every event */
	return (established(&A.k) && established(&B.k) ? 0 : -1);
}

/* Each side's outbound SA is the other's inbound, same keys. */
static int
keys_match(void)
{
	int i, j, n = 0;

	for (i = 0; i < 32; i++)
		for (j = 0; j < 32; j++) {
			const struct fsa *x = &A.f.sa[i], *y = &B.f.sa[j];

			n += x->used && x->mature && y->used && y->mature &&
			    x->spi == y->spi && x->ekeylen == y->ekeylen &&
			    !memcmp(x->ekey, y->ekey, x->ekeylen);
		}
	return (n);
}

static void
test_nat_detect_float(void)
{
	const struct kern_sa *ao, *ai, *bo, *bi;
	struct ike_sa *a, *b;

	if (!ok(natt_setup(1, NULL) == 0 && natt_start() == 0,
	    "NAT: established through the NAT"))
		return;
	a = live(&A.k);
	b = live(&B.k);
	ok(a->nat == NAT_HERE && b->nat == NAT_THERE,
	    "NAT-D: A sees a NAT here, B one there (%d, %d)", a->nat, b->nat);
	ok(port(&a->addr.local) == 4500 && port(&a->addr.remote) == 4500,
	    "float: A talks from 4500 to 4500");
	ok(port(&b->addr.local) == 4500 && is_addr(&b->addr.remote, PUB) &&
	    port(&b->addr.remote) == 34500,
	    "float: B answers the NAT's mapping of 4500 (%u)",
	    port(&b->addr.remote));
	ao = added_spi(&A, a->children->spi_out);
	ai = added_spi(&A, a->children->spi_in);
	bo = added_spi(&B, b->children->spi_out);
	bi = added_spi(&B, b->children->spi_in);
	if (!ok(ao && ai && bo && bi, "NAT: both pairs added"))
		return;
	ok(ao->encap && ao->encap_sport == 4500 && ao->encap_dport == 4500 &&
	    is_addr(&ao->src, PRIV) && ai->encap && ai->encap_sport == 4500 &&
	    ai->encap_dport == 4500,
	    "encap: A's pair in UDP 4500 <-> 4500 from its private address");
	ok(bo->encap && bo->encap_sport == 4500 && bo->encap_dport == 34500 &&
	    is_addr(&bo->dst, PUB) && bi->encap && bi->encap_sport == 34500 &&
	    bi->encap_dport == 4500 && is_addr(&bi->src, PUB),
	    "encap: B's pair to and from the NAT's 34500");
	ok(keys_match() == 2, "NAT: the pairs agree in SPIs and keys");
}

static void
test_no_nat(void)
{
	struct ike_sa *a, *b;
	int i, encap = 0;

	if (!ok(natt_setup(0, NULL) == 0 && natt_start() == 0,
	    "no NAT: established"))
		return;
	a = live(&A.k);
	b = live(&B.k);
	for (i = 0; i < nadded; i++)
		encap += added[i].encap;
	ok(a->nat == 0 && b->nat == 0 && port(&a->addr.remote) == 500 &&
	    port(&b->addr.local) == 500 && encap == 0 && nadded == 4,
	    "no NAT: no NAT seen, IKE stays on 500, plain ESP");
	advance(60000);
	ok(keepalives[0] == 0 && keepalives[1] == 0, "no NAT: no keepalives");
}

/* A peer that moves to 4500 without a NAT still wants plain ESP. */
static void
test_float_no_nat(void)
{
	struct ike_sa *b;
	int i, encap = 0;

	if (!ok(natt_setup(0, NULL) == 0, "float without NAT: configs"))
		return;
	float_anyway = 1;
	ok(natt_start() == 0, "float without NAT: established");
	float_anyway = 0;
	b = live(&B.k);
	for (i = 0; i < nadded; i++)
		encap += added[i].encap;
	ok(b && port(&b->addr.local) == 4500 && b->nat == 0 && encap == 0 &&
	    nadded == 4, "float without NAT: B answers on 4500, plain ESP");
}

static void
test_forced(void)
{
	struct ike_sa *a, *b;

	if (!ok(natt_setup(0, "encap") == 0 && natt_start() == 0,
	    "encap = yes: established"))
		return;
	a = live(&A.k);
	b = live(&B.k);
	ok(a->nat == NAT_HERE && b->nat == NAT_THERE &&
	    port(&a->addr.remote) == 4500 && port(&b->addr.local) == 4500 &&
	    added_spi(&B, b->children->spi_out)->encap &&
	    added_spi(&A, a->children->spi_out)->encap,
	    "encap = yes: a faked source hash, both float and encapsulate");
}

static void
test_disabled(void)
{
	struct ike_sa *a, *b;
	int i, encap = 0;

	if (!ok(natt_setup(1, "nonatt") == 0 && natt_start() == 0,
	    "nat_traversal = no: established (the test NAT passes ESP)"))
		return;
	a = live(&A.k);
	b = live(&B.k);
	for (i = 0; i < nadded; i++)
		encap += added[i].encap;
	ok(a->nat == 0 && b->nat == 0 && port(&a->addr.remote) == 500 &&
	    encap == 0, "nat_traversal = no: no NAT-D, no float, plain ESP");
}

static void
test_keepalive(void)
{
	if (!ok(natt_setup(1, NULL) == 0 && natt_start() == 0,
	    "keepalive: established"))
		return;
	advance(19000);
	ok(keepalives[0] == 0, "keepalive: none before 20 s");
	advance(1000);
	advance(20000);
	ok(keepalives[0] == 2 && keepalives[1] == 0,
	    "keepalive: A behind the NAT every 20 s, B never (%d, %d)",
	    keepalives[0], keepalives[1]);
}

/* An IKE SA rekey: the new SA is behind the same NAT. */
static void
test_ike_rekey_nat(void)
{
	struct ike_sa *a, *b;

	if (!ok(natt_setup(1, NULL) == 0 && natt_start() == 0,
	    "IKE rekey: established"))
		return;
	ok(ike_rekey_start(&A.k, live(&A.k)) == 0 && (pump(), 1),
	    "IKE rekey: CREATE_CHILD_SA sent");
	advance(0);
	a = live(&A.k);
	b = live(&B.k);
	ok(nlive(&A.k) == 1 && nlive(&B.k) == 1 && a->nat == NAT_HERE &&
	    b->nat == NAT_THERE && port(&b->addr.remote) == 34500,
	    "IKE rekey: the new IKE SA knows the NAT (%d, %d)", a->nat,
	    b->nat);
	keepalives[0] = 0;
	advance(20000);
	ok(keepalives[0] == 1, "IKE rekey: keepalives go on (%d)",
	    keepalives[0]);
	ok(a->children && child_sa_rekey(&A.k, a, a->children) == 0 &&
	    (pump(), 1) && added_spi(&B, b->children->spi_out) &&
	    added_spi(&B, b->children->spi_out)->encap_dport == 34500,
	    "IKE rekey: a child rekey under it is still in UDP");
}

static void
test_new_mapping(void)
{
	struct ike_sa *a, *b;
	uint32_t old_in, old_out;
	const struct kern_sa *bo, *bi;
	int dels, s;

	if (!ok(natt_setup(1, NULL) == 0 && natt_start() == 0,
	    "new mapping: established"))
		return;
	a = live(&A.k);
	b = live(&B.k);
	old_in = b->children->spi_in;
	old_out = b->children->spi_out;
	dels = B.f.dels;
	nat_shift = 40000;	/* the NAT forgot: 4500 is now 44500 */

	/* Unauthenticated: a damaged copy of A's next request. */
	informational_dpd(&A.k, a);
	q[0].data[q[0].len - 1] ^= 1;
	pump();
	ok(port(&b->addr.remote) == 34500 && b->children->spi_in == old_in,
	    "new mapping: an unauthenticated message moves nothing");
	/* The retransmission is intact: B follows, rekeys the child. */
	advance(KEYD_RTX_FIRST_MS);
	advance(0);
	b = live(&B.k);
	ok(port(&b->addr.remote) == 44500,
	    "new mapping: an authenticated message moves IKE to 44500");
	ok(b->children && !b->children->next &&
	    b->children->spi_in != old_in && b->children->spi_out != old_out,
	    "new mapping: B rekeyed its child");
	bo = added_spi(&B, b->children->spi_out);
	bi = added_spi(&B, b->children->spi_in);
	ok(bo && bi && bo->encap_dport == 44500 && bi->encap_sport == 44500 &&
	    !f_find(&B.f, old_in) && !f_find(&B.f, old_out) &&
	    B.f.dels == dels + 2 && f_count(&B.f, 0) == 2 && keys_match() == 2,
	    "new mapping: new pair at 44500, the old pair deleted, keys agree");

	/* The kernel's NEW_MAPPING (a verified ESP packet) does the same. */
	nat_shift = 50000;
	old_in = b->children->spi_in;
	{
		struct sockaddr_storage n;

		sin_set(&n, PUB, 54500);
		natt_peer_moved(&B.k, b, &n, "NEW_MAPPING");
	}
	s = sent_total;
	advance(0);
	ok(port(&b->addr.remote) == 54500 && b->children &&
	    b->children->spi_in != old_in && sent_total > s &&
	    added_spi(&B, b->children->spi_out)->encap_dport == 54500 &&
	    keys_match() == 2,
	    "NEW_MAPPING: IKE follows, the child is rekeyed to 54500");
}

static void
test_config_knobs(void)
{
	struct keyd_config c;
	char err[256];
	static const char base[] =
	    "connections {\n c {\n  remote_addrs = 192.0.2.2\n%s"
	    "  local {\n   auth = psk\n  }\n  remote {\n   auth = psk\n  }\n"
	    "  children {\n   n {\n    local_ts = 10.0.0.0/24\n"
	    "    remote_ts = 10.0.1.0/24\n   }\n  }\n }\n}\n"
	    "secrets {\n s {\n  secret = x\n }\n}\n";
	char text[1024];

	snprintf(text, sizeof(text), base, "");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) == 0 &&
	    c.conns[0].natt == 1 && c.conns[0].keepalive == 20 &&
	    !c.conns[0].encap, "config: NAT-T on, keepalive 20 s by default");
	config_free(&c);
	snprintf(text, sizeof(text), base,
	    "  keepalive = 5s\n  nat_traversal = yes\n  encap = yes\n");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) == 0 &&
	    c.conns[0].keepalive == 5 && c.conns[0].encap,
	    "config: keepalive = 5s, encap = yes");
	config_free(&c);
	snprintf(text, sizeof(text), base, "  keepalive = 0\n");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) == 0 &&
	    c.conns[0].keepalive == 0, "config: keepalive = 0 turns them off");
	config_free(&c);
	snprintf(text, sizeof(text), base, "  keepalive = 2h\n");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) < 0 &&
	    strstr(err, "t:4:") && strstr(err, "1h"),
	    "config: keepalive over 1h refused with its line (%s)", err);
	snprintf(text, sizeof(text), base,
	    "  nat_traversal = no\n  encap = yes\n");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) < 0 &&
	    strstr(err, "encap = yes needs nat_traversal"),
	    "config: encap without nat_traversal refused (%s)", err);
	snprintf(text, sizeof(text), base, "  nat_traversal = maybe\n");
	ok(config_parse("t", text, strlen(text), &c, err, sizeof(err)) < 0 &&
	    strstr(err, "t:4:"), "config: nat_traversal takes yes/no (%s)",
	    err);
}

int
main(void)
{
	log_init(1, getenv("KEYD_DEBUG") ? LOG_LVL_DEBUG : -1);
	test_nat_detect_float();
	test_no_nat();
	test_float_no_nat();
	test_forced();
	test_disabled();
	test_keepalive();
	test_ike_rekey_nat();
	test_new_mapping();
	test_config_knobs();
	nat_on = 0;
	node_init(&A, &B.k, &sa_a, &sa_b, "tunnel", "A");	/* frees the SAs */
	node_init(&B, &A.k, &sa_b, &sa_a, "tunnel", "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
