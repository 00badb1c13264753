// SPDX-License-Identifier: ISC
/*
 * The kernel seam over PF_KEYv2 (RFC 2367 with Linux's extensions, as
 * nfipsec and af_key speak it; Documentation/pfkey.md).
 *
 * Requests are synchronous: write, then read until the answer with our
 * pid and sequence number arrives.  Anything else read meanwhile (ACQUIRE,
 * EXPIRE, other sockets' broadcasts) is parsed into a small queue the
 * event loop drains through ->event(), so nothing the kernel says is lost
 * while an exchange waits for GETSPI.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>
#include <linux/udp.h>

#include "kern.h"
#include "log.h"
#include "nfipsec_pfkey.h"

#define PFKEY_BUF	8192
#define PFKEY_QUEUE	32
#define PFKEY_ALIGN(x)	(((x) + 7) & ~7u)

struct pfkey {
	int			fd;
	uint32_t		seq;
	uint32_t		pid;
	struct kern_event	q[PFKEY_QUEUE];
	unsigned		qhead, qlen;
	struct kern		kern;
};

struct pmsg {
	uint8_t		b[PFKEY_BUF];
	size_t		len;
};

static void *
ext(struct pmsg *m, uint16_t type, size_t len)
{
	struct sadb_ext *e;

	len = PFKEY_ALIGN(len);
	if (m->len + len > sizeof(m->b))
		return (NULL);
	e = (struct sadb_ext *)(m->b + m->len);
	memset(e, 0, len);
	e->sadb_ext_len = len / 8;
	e->sadb_ext_type = type;
	m->len += len;
	return (e);
}

static void
msg_init(struct pfkey *pk, struct pmsg *m, uint8_t type, uint8_t satype)
{
	struct sadb_msg *h = (struct sadb_msg *)m->b;

	memset(h, 0, sizeof(*h));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = ++pk->seq;
	h->sadb_msg_pid = pk->pid;
	m->len = sizeof(*h);
}

static size_t
salen(int family)
{
	return (family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6));
}

static int
add_addr(struct pmsg *m, uint16_t type, const struct sockaddr_storage *ss,
    int plen, uint8_t proto, uint16_t port)
{
	struct sadb_address *a;
	size_t sl = salen(ss->ss_family);
	struct sockaddr_storage tmp = *ss;

	a = ext(m, type, sizeof(*a) + sl);
	if (a == NULL)
		return (-1);
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = plen >= 0 ? plen :
	    (ss->ss_family == AF_INET ? 32 : 128);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)&tmp)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&tmp)->sin6_port = htons(port);
	memcpy(a + 1, &tmp, sl);
	return (0);
}

/* IKEv2 transform IDs to SADB algorithm numbers; -1 if we can't say it. */
static int
sadb_encr(uint16_t encr)
{
	switch (encr) {
	case IKEV2_ENCR_AES_CBC:		return (SADB_X_EALG_AESCBC);
	case IKEV2_ENCR_AES_GCM_16:		return (SADB_X_EALG_AES_GCM_ICV16);
	case IKEV2_ENCR_CHACHA20_POLY1305:	return (NFIPSEC_SADB_X_EALG_CHACHA20_POLY1305);
	case IKEV2_ENCR_NULL:			return (SADB_EALG_NULL);
	}
	return (-1);
}

static int
sadb_integ(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_NONE:			return (SADB_AALG_NONE);
	case IKEV2_INTEG_HMAC_SHA1_96:		return (SADB_AALG_SHA1HMAC);
	case IKEV2_INTEG_HMAC_SHA2_256_128:	return (SADB_X_AALG_SHA2_256HMAC);
	case IKEV2_INTEG_HMAC_SHA2_384_192:	return (SADB_X_AALG_SHA2_384HMAC);
	case IKEV2_INTEG_HMAC_SHA2_512_256:	return (SADB_X_AALG_SHA2_512HMAC);
	}
	return (-1);
}

static void
sockaddr_from(struct sockaddr_storage *ss, const struct sadb_address *a)
{
	const struct sockaddr *sa = (const void *)(a + 1);
	size_t len = a->sadb_address_len * 8 - sizeof(*a);

	memset(ss, 0, sizeof(*ss));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		memcpy(ss, sa, sizeof(struct sockaddr_in));
	else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6))
		memcpy(ss, sa, sizeof(struct sockaddr_in6));
}

/* A port in network order into a sockaddr. */
static void
set_port(struct sockaddr_storage *ss, uint16_t nport)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = nport;
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = nport;
}

/* Find each extension of a received message; 0, or -1 if malformed. */
static int
exts(const uint8_t *b, size_t len, const struct sadb_ext *e[SADB_EXT_MAX + 1])
{
	size_t off = sizeof(struct sadb_msg);

	memset(e, 0, sizeof(*e) * (SADB_EXT_MAX + 1));
	while (off + sizeof(struct sadb_ext) <= len) {
		const struct sadb_ext *x = (const void *)(b + off);
		size_t xl = x->sadb_ext_len * 8;

		if (xl < sizeof(*x) || off + xl > len)
			return (-1);
		if (x->sadb_ext_type <= SADB_EXT_MAX)
			e[x->sadb_ext_type] = x;
		off += xl;
	}
	return (0);
}

static void
queue_event(struct pfkey *pk, const uint8_t *b, size_t len)
{
	const struct sadb_msg *h = (const void *)b;
	const struct sadb_ext *e[SADB_EXT_MAX + 1];
	struct kern_event ev;

	if (h->sadb_msg_satype != SADB_SATYPE_ESP || h->sadb_msg_errno ||
	    exts(b, len, e) < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	if (h->sadb_msg_type == SADB_ACQUIRE) {
		if (!e[SADB_EXT_ADDRESS_SRC] || !e[SADB_EXT_ADDRESS_DST])
			return;
		ev.type = KEV_ACQUIRE;
		ev.seq = h->sadb_msg_seq;
		sockaddr_from(&ev.src, (const void *)e[SADB_EXT_ADDRESS_SRC]);
		sockaddr_from(&ev.dst, (const void *)e[SADB_EXT_ADDRESS_DST]);
	} else if (h->sadb_msg_type == SADB_EXPIRE) {
		const struct sadb_sa *sa = (const void *)e[SADB_EXT_SA];

		if (!sa || !e[SADB_EXT_ADDRESS_DST])
			return;
		ev.type = KEV_EXPIRE;
		ev.hard = e[SADB_EXT_LIFETIME_HARD] != NULL;
		ev.spi = ntohl(sa->sadb_sa_spi);
		if (e[SADB_EXT_ADDRESS_SRC])
			sockaddr_from(&ev.src, (const void *)e[SADB_EXT_ADDRESS_SRC]);
		sockaddr_from(&ev.dst, (const void *)e[SADB_EXT_ADDRESS_DST]);
	} else if (h->sadb_msg_type == SADB_X_NAT_T_NEW_MAPPING) {
		const struct sadb_sa *sa = (const void *)e[SADB_EXT_SA];
		const struct sadb_x_nat_t_port *sp =
		    (const void *)e[SADB_X_EXT_NAT_T_SPORT];
		const struct sadb_x_nat_t_port *dp =
		    (const void *)e[SADB_X_EXT_NAT_T_DPORT];

		if (!sa || !sp || !dp || !e[SADB_EXT_ADDRESS_SRC] ||
		    !e[SADB_EXT_ADDRESS_DST])
			return;
		ev.type = KEV_NEW_MAPPING;
		ev.spi = ntohl(sa->sadb_sa_spi);
		sockaddr_from(&ev.src, (const void *)e[SADB_EXT_ADDRESS_SRC]);
		sockaddr_from(&ev.dst, (const void *)e[SADB_EXT_ADDRESS_DST]);
		set_port(&ev.src, sp->sadb_x_nat_t_port_port);
		set_port(&ev.dst, dp->sadb_x_nat_t_port_port);
	} else
		return;
	if (pk->qlen == PFKEY_QUEUE) {
		log_warn("pfkey: event queue full, dropping %s",
		    ev.type == KEV_ACQUIRE ? "ACQUIRE" :
		    ev.type == KEV_EXPIRE ? "EXPIRE" : "NEW_MAPPING");
		return;
	}
	pk->q[(pk->qhead + pk->qlen++) % PFKEY_QUEUE] = ev;
}

/* Read one message; queue it unless it answers (type, seq).  1 = answer. */
static int
read_one(struct pfkey *pk, uint8_t *b, size_t *len, uint8_t type,
    uint32_t seq)
{
	const struct sadb_msg *h = (const void *)b;
	ssize_t n;

	n = read(pk->fd, b, PFKEY_BUF);
	if (n < 0)
		return (errno == ENOBUFS ? 0 : -1);	/* lost broadcasts */
	if ((size_t)n < sizeof(*h) || h->sadb_msg_len * 8 != n)
		return (0);
	*len = n;
	if (type && h->sadb_msg_type == type && h->sadb_msg_seq == seq &&
	    h->sadb_msg_pid == pk->pid)
		return (1);
	if (h->sadb_msg_pid == 0)
		queue_event(pk, b, n);
	return (0);
}

/* Send m and wait for its answer in out (may be m); 0 or -errno. */
static int
request(struct pfkey *pk, struct pmsg *m, struct pmsg *out)
{
	struct sadb_msg *h = (struct sadb_msg *)m->b;
	uint8_t type = h->sadb_msg_type;
	uint32_t seq = h->sadb_msg_seq;
	struct pollfd pfd = { .fd = pk->fd, .events = POLLIN };
	int r;

	h->sadb_msg_len = m->len / 8;
	if (write(pk->fd, m->b, m->len) != (ssize_t)m->len)
		return (-errno);
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0)
			return (-ETIMEDOUT);
		r = read_one(pk, out->b, &out->len, type, seq);
		if (r < 0)
			return (-errno);
		if (r == 1)
			break;
	}
	h = (struct sadb_msg *)out->b;
	return (-h->sadb_msg_errno);
}

static int
pk_getspi(void *arg, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint32_t acq_seq, uint32_t *spi,
    uint32_t *seq)
{
	struct pfkey *pk = arg;
	const struct sadb_ext *e[SADB_EXT_MAX + 1];
	struct pmsg m;
	struct sadb_spirange *r;
	struct sadb_x_sa2 *sa2;
	const struct sadb_sa *sa;
	int err;

	msg_init(pk, &m, SADB_GETSPI, SADB_SATYPE_ESP);
	if (acq_seq)
		((struct sadb_msg *)m.b)->sadb_msg_seq = acq_seq;
	*seq = ((struct sadb_msg *)m.b)->sadb_msg_seq;
	sa2 = ext(&m, SADB_X_EXT_SA2, sizeof(*sa2));
	sa2->sadb_x_sa2_mode = IPSEC_MODE_ANY;
	add_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	r = ext(&m, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x100;
	r->sadb_spirange_max = 0x0fffffff;
	err = request(pk, &m, &m);
	if (err)
		return (err);
	if (exts(m.b, m.len, e) < 0 || !(sa = (const void *)e[SADB_EXT_SA]))
		return (-EPROTO);
	*spi = ntohl(sa->sadb_sa_spi);
	return (0);
}

static void
add_ident(struct pmsg *m, uint16_t type, const struct config_id *id)
{
	struct sadb_ident *i;
	uint16_t it;

	/* PF_KEY carries names as strings; other ID types have no form. */
	if (id == NULL)
		return;
	if (id->type == IKEV2_ID_FQDN)
		it = SADB_IDENTTYPE_FQDN;
	else if (id->type == IKEV2_ID_RFC822_ADDR)
		it = SADB_IDENTTYPE_USERFQDN;
	else
		return;
	i = ext(m, type, sizeof(*i) + id->len + 1);
	if (i == NULL)
		return;
	i->sadb_ident_type = it;
	memcpy(i + 1, id->data, id->len);
}

/* RFC 3948 ESP in UDP: the three NAT-T extensions (pfkey.md). */
static void
add_encap(struct pmsg *m, const struct kern_sa *s)
{
	struct sadb_x_nat_t_type *t;
	struct sadb_x_nat_t_port *p;

	t = ext(m, SADB_X_EXT_NAT_T_TYPE, sizeof(*t));
	if (t)
		t->sadb_x_nat_t_type_type = UDP_ENCAP_ESPINUDP;
	p = ext(m, SADB_X_EXT_NAT_T_SPORT, sizeof(*p));
	if (p)
		p->sadb_x_nat_t_port_port = htons(s->encap_sport);
	p = ext(m, SADB_X_EXT_NAT_T_DPORT, sizeof(*p));
	if (p)
		p->sadb_x_nat_t_port_port = htons(s->encap_dport);
}

static int
pk_add(void *arg, const struct kern_sa *s, int update)
{
	struct pfkey *pk = arg;
	struct pmsg m, ans;
	struct sadb_sa *sa;
	struct sadb_x_sa2 *sa2;
	struct sadb_key *k;
	struct sadb_lifetime *lt;
	int ealg = sadb_encr(s->encr), aalg = sadb_integ(s->integ);

	if (ealg < 0 || aalg < 0)
		return (-EOPNOTSUPP);
	msg_init(pk, &m, update ? SADB_UPDATE : SADB_ADD, SADB_SATYPE_ESP);
	if (update)
		((struct sadb_msg *)m.b)->sadb_msg_seq = s->seq;
	sa = ext(&m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_spi = htonl(s->spi);
	sa->sadb_sa_replay = s->replay > 255 ? 255 : s->replay;
	sa->sadb_sa_state = SADB_SASTATE_MATURE;
	sa->sadb_sa_auth = aalg;
	sa->sadb_sa_encrypt = ealg;
	if (s->replay > 255) {
		struct nfipsec_sadb_x_sa_replay *rp;

		rp = ext(&m, NFIPSEC_SADB_X_EXT_SA_REPLAY, sizeof(*rp));
		rp->sadb_x_sa_replay_replay = s->replay;
	}
	sa2 = ext(&m, SADB_X_EXT_SA2, sizeof(*sa2));
	sa2->sadb_x_sa2_mode = s->tunnel ? IPSEC_MODE_TUNNEL :
	    IPSEC_MODE_TRANSPORT;
	sa2->sadb_x_sa2_reqid = s->reqid;
	add_addr(&m, SADB_EXT_ADDRESS_SRC, &s->src, -1, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_DST, &s->dst, -1, 0, 0);
	/* Both or neither: af_key refuses one alone (0 = no limit). */
	if (s->soft_s || s->hard_s) {
		lt = ext(&m, SADB_EXT_LIFETIME_SOFT, sizeof(*lt));
		lt->sadb_lifetime_addtime = s->soft_s;
		lt = ext(&m, SADB_EXT_LIFETIME_HARD, sizeof(*lt));
		lt->sadb_lifetime_addtime = s->hard_s;
	}
	if (s->akeylen) {
		k = ext(&m, SADB_EXT_KEY_AUTH, sizeof(*k) + s->akeylen);
		k->sadb_key_bits = s->akeylen * 8;
		memcpy(k + 1, s->akey, s->akeylen);
	}
	if (s->ekeylen) {
		k = ext(&m, SADB_EXT_KEY_ENCRYPT, sizeof(*k) + s->ekeylen);
		k->sadb_key_bits = s->ekeylen * 8;
		memcpy(k + 1, s->ekey, s->ekeylen);
	}
	add_ident(&m, SADB_EXT_IDENTITY_SRC, s->src_id);
	add_ident(&m, SADB_EXT_IDENTITY_DST, s->dst_id);
	if (s->mark_mask) {
		struct nfipsec_sadb_x_sa_mark *mk;

		mk = ext(&m, NFIPSEC_SADB_X_EXT_SA_MARK, sizeof(*mk));
		if (mk) {
			mk->sadb_x_sa_mark_value = s->mark;
			mk->sadb_x_sa_mark_mask = s->mark_mask;
		}
	}
	if (s->encap)
		add_encap(&m, s);
	if (m.len > sizeof(m.b) - 8) {
		explicit_bzero(m.b, sizeof(m.b));
		return (-EMSGSIZE);
	}
	{
		int err = request(pk, &m, &ans);

		explicit_bzero(m.b, sizeof(m.b));
		return (err);
	}
}

static int
pk_del(void *arg, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct pfkey *pk = arg;
	struct pmsg m;
	struct sadb_sa *sa;

	msg_init(pk, &m, SADB_DELETE, SADB_SATYPE_ESP);
	sa = ext(&m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_spi = htonl(spi);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	add_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	return (request(pk, &m, &m));
}

static int
pk_spd(void *arg, const struct kern_pol *p, int del)
{
	struct pfkey *pk = arg;
	struct pmsg m;
	struct sadb_x_policy *xp;
	struct sadb_x_ipsecrequest *rq;
	size_t rqlen = sizeof(*rq);

	if (p->bypass)
		rqlen = 0;
	else if (p->tunnel)
		rqlen += 2 * salen(p->tsrc.ss_family);
	msg_init(pk, &m, del ? SADB_X_SPDDELETE : SADB_X_SPDUPDATE,
	    SADB_SATYPE_UNSPEC);
	add_addr(&m, SADB_EXT_ADDRESS_SRC, &p->src, p->splen,
	    p->proto ? p->proto : IPSEC_ULPROTO_ANY, p->sport);
	add_addr(&m, SADB_EXT_ADDRESS_DST, &p->dst, p->dplen,
	    p->proto ? p->proto : IPSEC_ULPROTO_ANY, p->dport);
	xp = ext(&m, SADB_X_EXT_POLICY, sizeof(*xp) + PFKEY_ALIGN(rqlen));
	xp->sadb_x_policy_type = p->bypass ? IPSEC_POLICY_NONE :
	    IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = p->dir_out ? IPSEC_DIR_OUTBOUND :
	    IPSEC_DIR_INBOUND;
	xp->sadb_x_policy_priority = p->priority;
	if (p->bypass)
		return (request(pk, &m, &m));
	rq = (void *)(xp + 1);
	rq->sadb_x_ipsecrequest_len = PFKEY_ALIGN(rqlen);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	rq->sadb_x_ipsecrequest_mode = p->tunnel ? IPSEC_MODE_TUNNEL :
	    IPSEC_MODE_TRANSPORT;
	/* A Name policy takes any peer's SA: its name says who may send. */
	rq->sadb_x_ipsecrequest_level = p->name ? IPSEC_LEVEL_REQUIRE :
	    IPSEC_LEVEL_UNIQUE;
	rq->sadb_x_ipsecrequest_reqid = p->name ? 0 : p->reqid;
	if (p->name && !del) {
		struct nfipsec_sadb_x_name *nm;
		size_t nl = strlen(p->name);

		if (nl == 0 || nl > NFIPSEC_NAME_MAX)
			return (-EINVAL);
		nm = ext(&m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*nm) + nl + 1);
		if (nm == NULL)
			return (-EMSGSIZE);
		nm->sadb_x_name_type = p->name_type;
		memcpy(nm + 1, p->name, nl);
	}
	if (p->tunnel) {
		size_t sl = salen(p->tsrc.ss_family);
		struct sockaddr_storage s = p->tsrc, d = p->tdst;

		/* endpoints are hosts: the IKE ports mean nothing here */
		((struct sockaddr_in *)&s)->sin_port = 0;
		((struct sockaddr_in *)&d)->sin_port = 0;
		memcpy(rq + 1, &s, sl);
		memcpy((uint8_t *)(rq + 1) + sl, &d, sl);
	}
	return (request(pk, &m, &m));
}

static int
pk_acquire_fail(void *arg, uint32_t seq, int err)
{
	struct pfkey *pk = arg;
	struct pmsg m;
	struct sadb_msg *h;

	msg_init(pk, &m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	h = (struct sadb_msg *)m.b;
	h->sadb_msg_seq = seq;
	h->sadb_msg_errno = err;
	h->sadb_msg_len = m.len / 8;
	/* No answer comes back to a failed ACQUIRE. */
	return (write(pk->fd, m.b, m.len) == (ssize_t)m.len ? 0 : -errno);
}

static int
pk_event(void *arg, struct kern_event *ev)
{
	struct pfkey *pk = arg;
	uint8_t b[PFKEY_BUF];
	size_t len;
	struct pollfd pfd = { .fd = pk->fd, .events = POLLIN };

	while (pk->qlen == 0 && poll(&pfd, 1, 0) == 1)
		if (read_one(pk, b, &len, 0, 0) < 0)
			return (-1);
	if (pk->qlen == 0)
		return (0);
	*ev = pk->q[pk->qhead];
	pk->qhead = (pk->qhead + 1) % PFKEY_QUEUE;
	pk->qlen--;
	return (1);
}

static int
pk_fd(void *arg)
{
	return (((struct pfkey *)arg)->fd);
}

static void
pk_close(void *arg)
{
	struct pfkey *pk = arg;

	close(pk->fd);
	free(pk);
}

static const struct kern_ops pfkey_ops = {
	.getspi		= pk_getspi,
	.add		= pk_add,
	.del		= pk_del,
	.spd		= pk_spd,
	.acquire_fail	= pk_acquire_fail,
	.event		= pk_event,
	.fd		= pk_fd,
	.close		= pk_close,
};

struct kern *
pfkey_open(void)
{
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);

	return (fd < 0 ? NULL : pfkey_open_fd(fd));
}

struct kern *
pfkey_open_fd(int fd)
{
	struct pfkey *pk;
	struct pmsg m;
	int err;

	pk = calloc(1, sizeof(*pk));
	if (pk == NULL) {
		close(fd);
		return (NULL);
	}
	pk->fd = fd;
	pk->pid = getpid();
	msg_init(pk, &m, SADB_REGISTER, SADB_SATYPE_ESP);
	err = request(pk, &m, &m);
	if (err) {
		close(pk->fd);
		free(pk);
		errno = -err;
		return (NULL);
	}
	pk->kern.ops = &pfkey_ops;
	pk->kern.arg = pk;
	return (&pk->kern);
}
