// SPDX-License-Identifier: ISC
/*
 * Who the peer is, as keyd tells the kernel: the PAD's Name policies
 * (pad_spd.c), the authenticated identity on each SA and the PAD entry's
 * SA mark (child_sa.c), and the PF_KEY messages that carry them
 * (pfkey.c: NFIPSEC_SADB_X_EXT_NAME, SADB_EXT_IDENTITY_*,
 * NFIPSEC_SADB_X_EXT_SA_MARK; Documentation/pfkey.md).
 *
 * The exchanges run on exch_harness.h (two daemons, fake kernels),
 * with the fake's add and spd wrapped to record what they were given.
 * The messages are checked byte for byte: pfkey.c speaks over a
 * socketpair whose other end records each message and echoes it back as
 * the kernel's answer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>

#include "id.h"
#include "log.h"
#include "nfipsec_pfkey.h"
#include "pad_spd.h"
#include "tap.h"
#include "exch_harness.h"

/* --- what the fake kernel was told ---------------------------------------- */

struct rsa {
	struct fake	*f;
	uint32_t	spi;
	char		src_id[ID_TEXT_MAX], dst_id[ID_TEXT_MAX];
	uint8_t		src_type;
	uint32_t	mark, mark_mask;
};

struct rpol {
	struct fake	*f;
	int		del, out, family;
	uint8_t		splen, dplen, proto, name_type;
	uint16_t	sport, dport;
	uint32_t	priority, reqid;
	char		name[128];
};

static struct rsa rsas[64];
static struct rpol rpols[64];
static int nrsa, nrpol;

static int
r_add(void *arg, const struct kern_sa *s, int update)
{
	struct rsa *r = &rsas[nrsa < 63 ? nrsa++ : 63];

	memset(r, 0, sizeof(*r));
	r->f = arg;
	r->spi = s->spi;
	if (s->src_id) {
		id_format(s->src_id, r->src_id, sizeof(r->src_id));
		r->src_type = s->src_id->type;
	}
	if (s->dst_id)
		id_format(s->dst_id, r->dst_id, sizeof(r->dst_id));
	r->mark = s->mark;
	r->mark_mask = s->mark_mask;
	return (f_add(arg, s, update));
}

static int
r_spd(void *arg, const struct kern_pol *p, int del)
{
	struct rpol *r = &rpols[nrpol < 63 ? nrpol++ : 63];

	memset(r, 0, sizeof(*r));
	r->f = arg;
	r->del = del;
	r->out = p->dir_out;
	r->family = p->dst.ss_family;
	r->splen = p->splen;
	r->dplen = p->dplen;
	r->proto = p->proto;
	r->sport = p->sport;
	r->dport = p->dport;
	r->priority = p->priority;
	r->reqid = p->reqid;
	r->name_type = p->name_type;
	if (p->name)
		snprintf(r->name, sizeof(r->name), "%s", p->name);
	/* Name policies share selectors with nothing the fake tracks */
	return (p->name ? 0 : f_spd(arg, p, del));
}

static const struct kern_ops rec_ops = {
	.getspi = f_getspi, .add = r_add, .del = f_del, .spd = r_spd,
	.acquire_fail = f_acquire_fail, .event = f_event, .fd = f_fd,
};

/* The inbound SA node n installed from peer address `from`, or NULL. */
static const struct rsa *
inbound(const struct node *n)
{
	const struct ike_sa *sa = live((struct keyd *)&n->k);
	int i;

	for (i = nrsa - 1; sa && sa->children && i >= 0; i--)
		if (rsas[i].f == &n->f && rsas[i].spi == sa->children->spi_in)
			return (&rsas[i]);
	return (NULL);
}

static const struct rsa *
outbound(const struct node *n)
{
	const struct ike_sa *sa = live((struct keyd *)&n->k);
	int i;

	for (i = nrsa - 1; sa && sa->children && i >= 0; i--)
		if (rsas[i].f == &n->f && rsas[i].spi == sa->children->spi_out)
			return (&rsas[i]);
	return (NULL);
}

/*
 * B is Alice: the responder whose PAD has the Name entry.  (The harness
 * gives each side one secret, for itself and its peer, so the `other`
 * entry is only there when the peer is eve: a PSK entry needs a secret.)
 */
#define FAMILY \
	"  family {\n" \
	"    id = *@family.example\n" \
	"    auth = psk\n" \
	"    spd_by_name = yes\n" \
	"    local_ts = dynamic[tcp/445]\n" \
	"    mark = 0x1100/0xff00\n" \
	"  }\n"
static const char pad_family[] = "pad {\n" FAMILY "}\n";
static const char pad_both[] =
	"pad {\n"
	FAMILY
	"  other {\n"
	"    id = *@other.example\n"
	"    auth = psk\n"
	"    mark = 0x1200/0xff00\n"
	"  }\n"
	"}\n";

static int
dixon_setup(const char *peer)
{
	sides_default();
	sa_a.addr = "2001:db8::2";
	sa_a.ts = "dynamic";
	sa_a.id = peer;
	sa_b.addr = "2001:db8::1";
	sa_b.ts = "dynamic";
	sa_b.id = "alice@family.example";
	sa_b.extra = strstr(peer, "@family.") ? pad_family : pad_both;
	if (setup("transport") < 0)
		return (-1);
	A.f.kern.ops = B.f.kern.ops = &rec_ops;
	nrsa = nrpol = 0;
	return (0);
}

static void
test_name_policies(void)
{
	int i, n = 0, fam = 0;

	if (!ok(dixon_setup("eve@other.example") == 0, "Name: configs parse"))
		return;
	ok(pad_spd(&B.f.kern, &B.cfg, 0) == 0, "Name: policies installed");
	for (i = 0; i < nrpol; i++) {
		const struct rpol *r = &rpols[i];

		if (r->del || r->out || r->proto != 6 || r->dport != 445 ||
		    r->sport || r->splen || r->dplen ||
		    r->priority != KERN_PRIO_NAME || r->reqid ||
		    strcmp(r->name, "*@family.example") ||
		    r->name_type != SADB_IDENTTYPE_USERFQDN)
			continue;
		n++;
		fam |= r->family == AF_INET ? 1 : r->family == AF_INET6 ? 2 : 0;
	}
	ok(nrpol == 2 && n == 2 && fam == 3,
	    "Name: one inbound policy per family, any -> tcp/445, "
	    "\"*@family.example\" USERFQDN, ahead of the children (%d of %d)",
	    n, nrpol);
	nrpol = 0;
	ok(pad_spd(&B.f.kern, &B.cfg, 1) == 0 && nrpol == 2 &&
	    rpols[0].del && rpols[1].del && !strcmp(rpols[0].name,
	    "*@family.example"), "Name: the same two removed");
	nrpol = 0;
	ok(pad_spd(&A.f.kern, &A.cfg, 0) == 0 && nrpol == 0,
	    "Name: a PAD without spd_by_name installs none");
}

static void
test_identity_mark(const char *peer, uint32_t mark)
{
	const struct rsa *in, *out;

	if (!ok(dixon_setup(peer) == 0, "%s: configs parse", peer))
		return;
	ok(start() == 0 && (pump(), 1) && established(&A.k) &&
	    established(&B.k) && pairs_match() == 2,
	    "%s: IKE SA and child up", peer);
	in = inbound(&B);
	out = outbound(&B);
	ok(in && !strcmp(in->src_id, peer) &&
	    in->src_type == IKEV2_ID_RFC822_ADDR &&
	    !strcmp(in->dst_id, "alice@family.example"),
	    "%s: Alice's inbound SA carries the authenticated ID, not the "
	    "pattern (%s)", peer, in ? in->src_id : "none");
	ok(in && in->mark == mark && in->mark_mask == 0xff00,
	    "%s: and its PAD entry's mark %#x/0xff00 (%#x/%#x)", peer, mark,
	    in ? in->mark : 0, in ? in->mark_mask : 0);
	ok(out && out->mark_mask == 0 && !strcmp(out->dst_id, peer),
	    "%s: the outbound SA: no mark, the peer as destination", peer);
	in = inbound(&A);
	ok(in && in->mark_mask == 0 && !strcmp(in->src_id,
	    "alice@family.example"), "%s: the peer's side, without a PAD "
	    "mark, marks nothing", peer);
}

/* --- the PF_KEY messages, byte for byte -------------------------------------- */

static uint8_t msgs[8][4096];
static size_t msglen[8];
static int nmsg;

static void *
echo(void *arg)
{
	int fd = *(int *)arg;
	uint8_t b[4096];
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		if (nmsg < 8) {
			memcpy(msgs[nmsg], b, n);
			msglen[nmsg++] = n;
		}
		if (write(fd, b, n) != n)
			break;
	}
	return (NULL);
}

/* The extension of this type in message i, or NULL. */
static const uint8_t *
find_ext(int i, uint16_t type, size_t *len)
{
	size_t off = sizeof(struct sadb_msg);

	while (off + sizeof(struct sadb_ext) <= msglen[i]) {
		const struct sadb_ext *e = (const void *)(msgs[i] + off);

		if (e->sadb_ext_len == 0)
			break;
		if (e->sadb_ext_type == type) {
			*len = e->sadb_ext_len * 8;
			return (msgs[i] + off);
		}
		off += e->sadb_ext_len * 8;
	}
	return (NULL);
}

static void
sin6(struct sockaddr_storage *ss, const char *a)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = AF_INET6;
	inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)ss)->sin6_addr);
}

static void
test_pfkey_messages(void)
{
	static const uint8_t ident_src[] = {
		5, 0, SADB_EXT_IDENTITY_SRC, 0, SADB_IDENTTYPE_USERFQDN, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'b', 'o', 'b', '@', 'f', 'a', 'm', 'i', 'l', 'y', '.', 'e',
		'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t mark[] = {
		2, 0, NFIPSEC_SADB_X_EXT_SA_MARK, 0, 0, 0, 0, 0,
		0x00, 0x11, 0, 0, 0x00, 0xff, 0, 0,	/* little-endian host */
	};
	static const uint8_t name[] = {
		4, 0, NFIPSEC_SADB_X_EXT_NAME, 0, SADB_IDENTTYPE_USERFQDN, 0, 0, 0,
		'*', '@', 'f', 'a', 'm', 'i', 'l', 'y', '.', 'e', 'x', 'a',
		'm', 'p', 'l', 'e', 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct config_id bob = { .type = IKEV2_ID_RFC822_ADDR, .len = 18 };
	struct config_id alice = { .type = IKEV2_ID_RFC822_ADDR, .len = 20 };
	uint8_t key[20] = { 1 };
	const struct sadb_x_policy *xp;
	const struct sadb_x_ipsecrequest *rq;
	const uint8_t *e;
	struct kern_sa s;
	struct kern_pol p;
	struct kern *k;
	pthread_t t;
	size_t len;
	int sv[2];
	uint16_t one = 1;

	memcpy(bob.data, "bob@family.example", 18);
	memcpy(alice.data, "alice@family.example", 20);
	if (!ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0 &&
	    pthread_create(&t, NULL, echo, &sv[1]) == 0,
	    "pfkey: a socketpair for a kernel"))
		return;
	k = pfkey_open_fd(sv[0]);
	if (!ok(k != NULL && nmsg == 1, "pfkey: REGISTER answered"))
		return;

	memset(&s, 0, sizeof(s));
	sin6(&s.src, "2001:db8::2");
	sin6(&s.dst, "2001:db8::1");
	s.spi = 0x1234;
	s.encr = IKEV2_ENCR_AES_GCM_16;
	s.encr_keylen = 128;
	s.ekey = key;
	s.ekeylen = sizeof(key);
	s.replay = 32;
	s.src_id = &bob;
	s.dst_id = &alice;
	s.mark = 0x1100;
	s.mark_mask = 0xff00;
	ok(k->ops->add(k->arg, &s, 0) == 0 && nmsg == 2 &&
	    ((struct sadb_msg *)msgs[1])->sadb_msg_type == SADB_ADD,
	    "pfkey: ADD sent and answered");
	e = find_ext(1, SADB_EXT_IDENTITY_SRC, &len);
	ok(e && len == sizeof(ident_src) && !memcmp(e, ident_src, len),
	    "pfkey: IDENTITY_SRC is USERFQDN \"bob@family.example\", "
	    "NUL-padded to 8");
	e = find_ext(1, SADB_EXT_IDENTITY_DST, &len);
	ok(e && len == 40 && e[4] == SADB_IDENTTYPE_USERFQDN &&
	    !memcmp(e + 16, "alice@family.example", 21),
	    "pfkey: IDENTITY_DST is ours");
	e = find_ext(1, NFIPSEC_SADB_X_EXT_SA_MARK, &len);
	ok(*(uint8_t *)&one == 1 && e && len == sizeof(mark) &&
	    !memcmp(e, mark, len), "pfkey: SA_MARK value 0x1100 mask 0xff00");
	s.mark_mask = s.mark = 0;
	s.src_id = s.dst_id = NULL;
	ok(k->ops->add(k->arg, &s, 0) == 0 && nmsg == 3 &&
	    !find_ext(2, NFIPSEC_SADB_X_EXT_SA_MARK, &len) &&
	    !find_ext(2, SADB_EXT_IDENTITY_SRC, &len),
	    "pfkey: no mark, no identities: neither extension");

	memset(&p, 0, sizeof(p));
	p.src.ss_family = p.dst.ss_family = AF_INET6;
	p.proto = 6;
	p.dport = 445;
	p.reqid = 7;
	p.priority = KERN_PRIO_NAME;
	p.name = "*@family.example";
	p.name_type = SADB_IDENTTYPE_USERFQDN;
	ok(k->ops->spd(k->arg, &p, 0) == 0 && nmsg == 4 &&
	    ((struct sadb_msg *)msgs[3])->sadb_msg_type == SADB_X_SPDUPDATE,
	    "pfkey: SPDUPDATE sent and answered");
	e = find_ext(3, NFIPSEC_SADB_X_EXT_NAME, &len);
	ok(e && len == sizeof(name) && !memcmp(e, name, len),
	    "pfkey: the Name extension: USERFQDN, \"*@family.example\"");
	xp = (const void *)find_ext(3, SADB_X_EXT_POLICY, &len);
	rq = xp ? (const void *)(xp + 1) : NULL;
	ok(xp && xp->sadb_x_policy_dir == IPSEC_DIR_INBOUND &&
	    xp->sadb_x_policy_type == IPSEC_POLICY_IPSEC &&
	    xp->sadb_x_policy_priority == KERN_PRIO_NAME &&
	    rq->sadb_x_ipsecrequest_proto == IPPROTO_ESP &&
	    rq->sadb_x_ipsecrequest_mode == IPSEC_MODE_TRANSPORT &&
	    rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_REQUIRE &&
	    rq->sadb_x_ipsecrequest_reqid == 0,
	    "pfkey: inbound ESP transport, level require, reqid 0: any "
	    "peer's SA, the name decides");
	ok(k->ops->spd(k->arg, &p, 1) == 0 && nmsg == 5 &&
	    ((struct sadb_msg *)msgs[4])->sadb_msg_type == SADB_X_SPDDELETE &&
	    !find_ext(4, NFIPSEC_SADB_X_EXT_NAME, &len),
	    "pfkey: SPDDELETE by selector, without the name");
	p.name = NULL;
	ok(k->ops->spd(k->arg, &p, 0) == 0 && nmsg == 6 &&
	    !find_ext(5, NFIPSEC_SADB_X_EXT_NAME, &len) &&
	    (xp = (const void *)find_ext(5, SADB_X_EXT_POLICY, &len)) &&
	    ((const struct sadb_x_ipsecrequest *)(xp + 1))->
	    sadb_x_ipsecrequest_level == IPSEC_LEVEL_UNIQUE &&
	    ((const struct sadb_x_ipsecrequest *)(xp + 1))->
	    sadb_x_ipsecrequest_reqid == 7,
	    "pfkey: a child's policy: no name, unique with its reqid");
	k->ops->close(k->arg);
	pthread_join(t, NULL);
	close(sv[1]);
}

int
main(void)
{
	log_init(1, getenv("KEYD_DEBUG") ? LOG_LVL_DEBUG : -1);
	test_name_policies();
	test_identity_mark("bob@family.example", 0x1100);
	test_identity_mark("eve@other.example", 0x1200);
	test_pfkey_messages();
	node_init(&A, &B.k, &sa_a, &sa_b, "tunnel", "A");	/* frees the SAs */
	node_init(&B, &A.k, &sa_b, &sa_a, "tunnel", "B");
	config_free(&A.cfg);
	config_free(&B.cfg);
	return (tap_done());
}
