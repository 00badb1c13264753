// SPDX-License-Identifier: ISC
/*
 * IKE_AUTH with certificates, end to end in one process: two daemons
 * wired together with fake kernels, on exch_harness.h (fake kernel,
 * wire, pump) as test_exch.c is.  The PKI is tests/certs/mk-certs.sh's
 * (CERTDIR, default tests/certs.d).
 *
 * Checked: RSA and ECDSA certificates both ways with RFC 7427 signatures,
 * a certificate on one side and a PSK on the other, an intermediate sent
 * along, DN identities against a DN subtree pattern, and the refusals --
 * a certificate from another CA, an expired one, an identity the PAD
 * does not allow -- with both IKE SAs gone and nothing installed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ops.h"
#include "id.h"
#include "log.h"
#include "tap.h"
#include "exch_harness.h"

/* ctl_ops.c's loop verbs are not exercised here (no loop, no sockets). */
int
loop_initiate(struct loop *l, const char *conn, const char *child)
{
	return (-1);
}

void
loop_traps(struct loop *l, int del)
{
}

static char certdir[PATH_MAX];

struct end {
	const char	*addr, *auth, *id, *cert, *key, *ts, *remote_id;
};

static const char cert_fmt[] =
	"connections {\n"
	"  c {\n"
	"    local_addrs = %s\n"
	"    remote_addrs = %s\n"
	"    local {\n      auth = %s\n%s%s    }\n"
	"    remote {\n      auth = %s\n      id = %s\n%s    }\n"
	"    children {\n"
	"      net {\n"
	"        local_ts = %s\n"
	"        remote_ts = %s\n"
	"      }\n"
	"    }\n"
	"  }\n"
	"}\n"
	"secrets {\n"
	"  s {\n    secret = \"sesame\"\n  }\n"
	"%s"
	"}\n";

/* Like node_init(), from an end's description. */
static int
node_cert(struct node *n, struct keyd *peer, const struct end *me,
    const struct end *other, const char *name)
{
	char text[16384], err[512], id[300], certs[PATH_MAX + 32];
	char cacerts[PATH_MAX + 32], key[PATH_MAX + 64];
	struct ike_sa *sa;

	for (sa = n->k.sas; sa; sa = sa->next)
		ike_sa_dead(&n->k, sa, "next test");
	ike_sa_reap(&n->k);
	config_free(&n->cfg);
	memset(n, 0, sizeof(*n));
	snprintf(id, sizeof(id), me->id ? "      id = %s\n" : "%s",
	    me->id ? me->id : "");
	snprintf(certs, sizeof(certs), me->cert ? "      certs = %s/%s\n" :
	    "%s%s", me->cert ? certdir : "", me->cert ? me->cert : "");
	snprintf(cacerts, sizeof(cacerts), !strcmp(other->auth, "pubkey") ?
	    "      cacerts = %s/cacerts.pem\n" : "%s",
	    !strcmp(other->auth, "pubkey") ? certdir : "");
	snprintf(key, sizeof(key), me->key ? "  private-k {\n    file = "
	    "%s/%s\n  }\n" : "%s%s", me->key ? certdir : "",
	    me->key ? me->key : "");
	snprintf(text, sizeof(text), cert_fmt, me->addr, other->addr,
	    me->auth, id, certs, other->auth, me->remote_id, cacerts, me->ts,
	    other->ts, key);
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

static struct end ea, eb;

static void
ends_default(void)
{
	ea = (struct end){ "192.0.2.1", "pubkey", "ec256.test.example",
	    "ec256.pem", "ec256.key", "10.0.0.0/24", "*.test.example" };
	eb = (struct end){ "192.0.2.2", "pubkey", "rsa.test.example",
	    "rsa.pem", "rsa.key", "10.0.1.0/24", "*.test.example" };
}

static int
run(void)
{
	struct sockaddr_storage l, r;

	nq = drop_next = 0;
	if (node_cert(&A, &B.k, &ea, &eb, "A") < 0 ||
	    node_cert(&B, &A.k, &eb, &ea, "B") < 0)
		return (-1);
	sin_set(&l, ea.addr, 500);
	sin_set(&r, eb.addr, 500);
	if (ike_sa_init_start(&A.k, "c", "net", &l, &r, 0) < 0)
		return (-1);
	pump();
	advance(0);
	return (0);
}

static void
expect_up(const char *what)
{
	struct ike_sa *a, *b;
	char t[ID_TEXT_MAX];

	if (!ok(run() == 0, "%s: configs parse", what))
		return;
	a = live(&A.k);
	b = live(&B.k);
	ok(established(&A.k) && established(&B.k), "%s: IKE SA up", what);
	ok(f_count(&A.f, 1) == 2 && f_count(&B.f, 1) == 2 &&
	    pairs_match() == 2, "%s: child installed, pairs agree", what);
	ok(a && b && !strcmp(id_format(&a->peer_id, t, sizeof(t)),
	    eb.id ? eb.id : "C=CH, O=nfipsec test, CN=rsa.test.example"),
	    "%s: A authenticated B as %s", what, t);
}

static void
expect_refused(const char *what)
{
	if (!ok(run() == 0, "%s: configs parse", what))
		return;
	ok(live(&A.k) == NULL && live(&B.k) == NULL,
	    "%s: refused, both IKE SAs gone", what);
	ok(f_count(&A.f, 0) == 0 && f_count(&B.f, 0) == 0 &&
	    f_npol(&A.f) == 0 && f_npol(&B.f) == 0,
	    "%s: nothing installed", what);
}

/* keydctl's list and terminate over the SA tables (ctl_ops.c). */
static void
test_ctl_verbs(void)
{
	struct ctl_reply r = { .failed = 0 };
	uint8_t nospi[8] = { 0 };
	struct ike_sa *a = NULL;
	char want[128], is[17];
	int i;

	ends_default();
	if (!ok(run() == 0 && (a = live(&A.k)) != NULL && established(&B.k),
	    "ctl: an IKE SA to look at"))
		return;
	for (i = 0; i < 8; i++)
		sprintf(is + 2 * i, "%02x", a->ispi[i]);
	buf_init(&r.out);
	ctl_list(&A.k, &r);
	buf_add_u8(&r.out, 0);
	snprintf(want, sizeof(want), "c %s_", is);
	ok(!strncmp((char *)r.out.data, want, strlen(want)) &&
	    strstr((char *)r.out.data, " ESTABLISHED 192.0.2.1:500 === "
	    "192.0.2.2:500 rsa.test.example\n") &&
	    strstr((char *)r.out.data, "\n  net ") &&
	    strstr((char *)r.out.data, " tunnel 10.0.0.0-10.0.0.255 === "
	    "10.0.1.0-10.0.1.255\n"), "ctl list: the IKE SA and its child");
	buf_free(&r.out);

	buf_init(&r.out);
	ctl_terminate(&A.k, NULL, nospi, &r);
	ok(r.failed && live(&A.k) != NULL, "ctl terminate: an unknown SPI");
	buf_free(&r.out);
	buf_init(&r.out);
	r.failed = 0;
	ctl_terminate(&A.k, "c", NULL, &r);
	pump();
	advance(0);
	ok(!r.failed && live(&A.k) == NULL && live(&B.k) == NULL,
	    "ctl terminate c: both sides gone (Delete sent)");
	ok(f_count(&A.f, 0) == 0 && f_count(&B.f, 0) == 0,
	    "ctl terminate c: SAs removed on both sides");
	buf_free(&r.out);
	buf_init(&r.out);
	ctl_list(&A.k, &r);
	ok(r.out.len == 11 && !memcmp(r.out.data, "no IKE SAs\n", 11),
	    "ctl list: nothing left");
	buf_free(&r.out);
}

int
main(void)
{
	char cmd[PATH_MAX + 80];
	const char *d;

	log_init(1, getenv("KEYD_DEBUG") ? LOG_LVL_DEBUG : -1);
	if ((d = getenv("CERTDIR")) == NULL)
		d = "tests/certs.d";
	snprintf(cmd, sizeof(cmd), "../tests/certs/mk-certs.sh %s "
	    "192.0.2.9:ec256 >/dev/null", d);
	if (!ok(system(cmd) == 0 && realpath(d, certdir) != NULL,
	    "test PKI in %s", d))
		return (tap_done());

	ends_default();
	expect_up("ECDSA <-> RSA certificates");
	ends_default();
	ea.cert = "ec384.pem";
	ea.key = "ec384.key";
	ea.id = "ec384.test.example";
	eb.cert = "ec521.pem";
	eb.key = "ec521.key";
	eb.id = "ec521@test.example";
	ea.remote_id = "*@test.example";
	expect_up("P-384 <-> P-521, RFC822 id, email domain pattern");
	ends_default();
	eb.auth = "psk";
	eb.cert = eb.key = NULL;
	eb.id = "192.0.2.2";
	ea.remote_id = "192.0.2.2";
	expect_up("certificate one way, PSK the other");
	ends_default();
	ea.cert = "via-int-chain.pem";
	ea.key = "via-int.key";
	ea.id = "via-int.test.example";
	expect_up("an intermediate sent along");
	ends_default();
	ea.id = NULL;		/* the subject */
	eb.id = NULL;
	ea.remote_id = eb.remote_id = "C=CH, O=nfipsec test, *";
	expect_up("DN identities, DN subtree patterns");

	test_ctl_verbs();

	ends_default();
	ea.cert = "stranger.pem";
	ea.key = "stranger.key";
	ea.id = "stranger.test.example";
	expect_refused("a certificate from another CA");
	ends_default();
	ea.cert = "expired.pem";
	ea.key = "expired.key";
	ea.id = "expired.test.example";
	expect_refused("an expired certificate");
	ends_default();
	eb.remote_id = "*.other.example";
	expect_refused("an identity B does not allow");
	ends_default();
	ea.remote_id = "ec521.test.example";
	expect_refused("the responder is not who A wants");

	node_cert(&A, &B.k, &ea, &eb, "A");	/* frees the SAs */
	node_cert(&B, &A.k, &eb, &ea, "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
