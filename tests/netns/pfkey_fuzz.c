// SPDX-License-Identifier: GPL-2.0
/*
 * pfkey_fuzz COUNT SEED — send COUNT random and mutated PF_KEYv2 messages
 * to the PF_KEY socket of the current network namespace (built and run by
 * tests/netns/pfkey-fuzz.sh). Most start from a valid message (REGISTER,
 * GETSPI, ADD/UPDATE/GET/DELETE of ESP and AH SAs, X_SPDADD with one or two
 * ipsecrequests, DUMP, FLUSH, X_PROMISC, nfipsec's extensions 32..36) and
 * get one to four mutations: lengths, types, duplicated or dropped
 * extensions, misalignment, sadb_msg_len against the datagram, address
 * families and prefix lengths, ipsecrequest lengths, key bits, identity and
 * Name lengths and patterns, random bytes. Replies are read without
 * blocking after each message, from the sender and from a promiscuous
 * listener with a tiny receive buffer, and counted by sadb_msg_errno.
 *
 * Every 500 messages, and at the end, a valid ADD/GET/DELETE round trip on
 * a fresh socket must work (exit 1 if not). Prints "reply errno N: COUNT"
 * (sadb_msg_errno of the replies; errno 105, ENOBUFS, counts replies the
 * kernel dropped and said so), "send() errno N: COUNT" (messages refused
 * with no reply) and "sent N, replies N, sanity N" last.
 */
#include <errno.h>
#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXMSG 4096

static uint64_t rng;
static unsigned long nerr[256], serr[256], sent, replies, copies, lost, sane;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

struct msg {
	uint8_t b[MAXMSG];
	size_t len;
	size_t ext[64];		/* offsets of the extensions */
	int next;
};

static void *put(struct msg *m, const void *p, size_t n)
{
	void *at = m->b + m->len;

	if (m->len + n > MAXMSG)
		return NULL;
	if (p)
		memcpy(at, p, n);
	else
		memset(at, 0, n);
	m->len += n;
	return at;
}

/* An extension of @n bytes (rounded up to 8) with @body after the header. */
static uint8_t *ext(struct msg *m, uint16_t type, const void *body, size_t n)
{
	size_t tot = (4 + n + 7) & ~7UL;
	uint8_t *e;

	if (m->next < 64)
		m->ext[m->next++] = m->len;
	e = put(m, NULL, tot);
	if (!e)
		return NULL;
	*(uint16_t *)e = tot / 8;
	*(uint16_t *)(e + 2) = type;
	if (body)
		memcpy(e + 4, body, n);
	return e;
}

static void hdr(struct msg *m, uint8_t type, uint8_t satype)
{
	struct sadb_msg h = {
		.sadb_msg_version = PF_KEY_V2, .sadb_msg_type = type,
		.sadb_msg_satype = satype, .sadb_msg_seq = rnd(),
		.sadb_msg_pid = getpid(),
	};

	m->len = 0;
	m->next = 0;
	put(m, &h, sizeof(h));
}

static void finish(struct msg *m)
{
	((struct sadb_msg *)m->b)->sadb_msg_len = m->len / 8;
}

static void addr(struct msg *m, uint16_t type, int v6, uint8_t last)
{
	uint8_t body[4 + 28] = { 0 };
	struct sockaddr_in *s4 = (void *)(body + 4);
	struct sockaddr_in6 *s6 = (void *)(body + 4);

	body[1] = v6 ? 128 : 32;		/* prefixlen */
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr.s6_addr[0] = 0x20;
		s6->sin6_addr.s6_addr[1] = 0x01;
		s6->sin6_addr.s6_addr[2] = 0x0d;
		s6->sin6_addr.s6_addr[3] = 0xb8;
		s6->sin6_addr.s6_addr[15] = last;
		ext(m, type, body, 4 + sizeof(*s6));
	} else {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(0xc0000200 | last);
		ext(m, type, body, 4 + 16);
	}
}

static void sa(struct msg *m, uint32_t spi, uint8_t auth, uint8_t enc)
{
	struct sadb_sa s = {
		.sadb_sa_spi = htonl(spi), .sadb_sa_replay = 32,
		.sadb_sa_state = SADB_SASTATE_MATURE,
		.sadb_sa_auth = auth, .sadb_sa_encrypt = enc,
	};

	ext(m, SADB_EXT_SA, (uint8_t *)&s + 4, sizeof(s) - 4);
}

static void key(struct msg *m, uint16_t type, uint16_t bits)
{
	uint8_t body[4 + 64];
	unsigned int i;

	memset(body, 0, 4);
	*(uint16_t *)body = bits;
	for (i = 4; i < sizeof(body); i++)
		body[i] = rnd();
	ext(m, type, body, 4 + ((bits + 7) / 8 > 64 ? 64 : (bits + 7) / 8));
}

static void ident(struct msg *m, uint16_t type, const char *s)
{
	uint8_t body[4 + 8 + 128] = { 0 };
	size_t n = strlen(s) + 1;

	body[0] = 3;	/* SADB_IDENTTYPE_USERFQDN */
	memcpy(body + 12, s, n);
	ext(m, type, body, 12 + n);
}

static void lifetime(struct msg *m, uint16_t type)
{
	uint64_t body[4] = { 0 };

	body[0] = below(5);
	body[1] = below(2) ? 0 : below(100000);
	body[2] = below(4) ? 0 : below(3600);
	ext(m, type, (uint8_t *)body + 0, 4 + 24);
}

static void ipsecreq(uint8_t *p, size_t *off, int tunnel, int v6, uint16_t proto)
{
	struct sadb_x_ipsecrequest r = {
		.sadb_x_ipsecrequest_proto = proto,
		.sadb_x_ipsecrequest_mode = tunnel ? IPSEC_MODE_TUNNEL :
						     IPSEC_MODE_TRANSPORT,
		.sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE,
		.sadb_x_ipsecrequest_reqid = below(3),
	};
	size_t n = sizeof(r);

	if (tunnel)
		n += v6 ? 2 * sizeof(struct sockaddr_in6) :
			  2 * sizeof(struct sockaddr_in);
	n = (n + 7) & ~7UL;
	r.sadb_x_ipsecrequest_len = n;
	memset(p + *off, 0, n);
	memcpy(p + *off, &r, sizeof(r));
	if (tunnel && !v6) {
		struct sockaddr_in *a = (void *)(p + *off + sizeof(r));

		a[0].sin_family = a[1].sin_family = AF_INET;
		a[0].sin_addr.s_addr = htonl(0xc0000201);
		a[1].sin_addr.s_addr = htonl(0xc0000202);
	} else if (tunnel) {
		struct sockaddr_in6 *a = (void *)(p + *off + sizeof(r));

		a[0].sin6_family = a[1].sin6_family = AF_INET6;
		a[0].sin6_addr.s6_addr[15] = 1;
		a[1].sin6_addr.s6_addr[15] = 2;
	}
	*off += n;
}

static void policy(struct msg *m, int v6)
{
	uint8_t body[512] = { 0 };
	struct sadb_x_policy *p = (void *)body;
	size_t off = sizeof(*p);
	int i, nreq = below(3);

	p->sadb_x_policy_type = nreq ? IPSEC_POLICY_IPSEC : below(3);
	p->sadb_x_policy_dir = 1 + below(3);
	p->sadb_x_policy_priority = rnd();
	for (i = 0; i < nreq; i++)
		ipsecreq(body, &off, below(2), v6,
			 i == 0 && nreq == 2 ? IPPROTO_AH : IPPROTO_ESP);
	ext(m, SADB_X_EXT_POLICY, body + 4, off - 4);
}

static void nfipsec_exts(struct msg *m)
{
	static const char *const names[] = {
		"*", "*@example.com", "*.example.com", "alice@example.com",
		"", "**", "@", "*@", "a*b", "x.", ".",
	};
	uint8_t body[160] = { 0 };
	size_t n;

	switch (below(5)) {
	case 0:		/* SA_REPLAY */
		*(uint32_t *)body = below(2) ? below(70000) : rnd();
		ext(m, 32, body, 4);
		break;
	case 1:		/* TUNNEL_HDR */
		body[0] = below(4);
		body[1] = below(3);
		body[2] = below(80);
		ext(m, 33, body, 4);
		break;
	case 2:		/* NAME */
		body[0] = below(6);
		n = strlen(names[below(sizeof(names) / sizeof(names[0]))]);
		if (below(8) == 0) {	/* long, maybe unterminated */
			n = 100 + below(50);
			memset(body + 4, 'a' + below(3), n);
		} else {
			strcpy((char *)body + 4, names[below(11)]);
			n = strlen((char *)body + 4) + 1;
		}
		ext(m, 34, body, 4 + n);
		break;
	case 3:		/* SA_MARK */
		*(uint32_t *)(body + 4) = rnd();
		*(uint32_t *)(body + 8) = below(2) ? 0xff00 : rnd();
		ext(m, 35, body, 12);
		break;
	default:	/* TFC */
		*(uint32_t *)body = below(2) ? below(1500) : rnd();
		ext(m, 36, body, 4);
		break;
	}
}

static const uint8_t aalgs[] = { 0, 2, 3, 5, 6, 7, 9, 11, 12, 13, 250 };
static const uint8_t ealgs[] = { 0, 2, 3, 11, 12, 13, 14, 15, 16, 18, 19,
				 20, 23, 28, 250 };
static const uint16_t bits[] = { 0, 8, 128, 152, 160, 192, 224, 256, 280,
				 288, 384, 512, 513, 65535 };

/* A valid (or nearly) message of a random kind. */
static void seed(struct msg *m)
{
	static const uint8_t satypes[] = { SADB_SATYPE_ESP, SADB_SATYPE_AH,
					   SADB_SATYPE_UNSPEC };
	uint8_t satype = satypes[below(3)];
	int v6 = below(2), k = below(14);
	uint32_t spi = 0x1000 + below(64);

	switch (k) {
	case 0:
		hdr(m, SADB_REGISTER, satype);
		break;
	case 1: {
		uint32_t r[3] = { 0x100, 0x100 + below(1000), 0 };

		hdr(m, SADB_GETSPI, satype);
		addr(m, SADB_EXT_ADDRESS_SRC, v6, 1);
		addr(m, SADB_EXT_ADDRESS_DST, v6, 2);
		if (below(4))
			ext(m, SADB_EXT_SPIRANGE, r, 12);
		break;
	}
	case 2: case 3: case 4: {
		uint8_t e = ealgs[below(sizeof(ealgs))];
		uint8_t a = aalgs[below(sizeof(aalgs))];
		struct sadb_x_sa2 s2 = { .sadb_x_sa2_mode = below(3),
					 .sadb_x_sa2_reqid = below(3) };

		hdr(m, below(3) ? SADB_ADD : SADB_UPDATE, satype);
		sa(m, spi, a, satype == SADB_SATYPE_AH ? 0 : e);
		addr(m, SADB_EXT_ADDRESS_SRC, v6, 1);
		addr(m, SADB_EXT_ADDRESS_DST, v6, 2);
		if (a)
			key(m, SADB_EXT_KEY_AUTH, bits[below(sizeof(bits) / 2)]);
		if (e && satype != SADB_SATYPE_AH)
			key(m, SADB_EXT_KEY_ENCRYPT, bits[below(sizeof(bits) / 2)]);
		if (below(2))
			ext(m, SADB_X_EXT_SA2, (uint8_t *)&s2 + 4,
			    sizeof(s2) - 4);
		if (below(3) == 0)
			lifetime(m, SADB_EXT_LIFETIME_HARD);
		if (below(3) == 0)
			lifetime(m, SADB_EXT_LIFETIME_SOFT);
		if (below(3) == 0)
			ident(m, SADB_EXT_IDENTITY_SRC, "alice@example.com");
		if (below(4) == 0)
			ident(m, SADB_EXT_IDENTITY_DST, "gw.example.com");
		if (below(3) == 0)
			nfipsec_exts(m);
		if (below(6) == 0) {
			uint32_t nat[2] = { 2, 0 };

			ext(m, SADB_X_EXT_NAT_T_TYPE, nat, 4);
			nat[0] = htons(4500);
			ext(m, SADB_X_EXT_NAT_T_SPORT, nat, 4);
			ext(m, SADB_X_EXT_NAT_T_DPORT, nat, 4);
		}
		break;
	}
	case 5: case 6:
		hdr(m, below(2) ? SADB_GET : SADB_DELETE, satype);
		sa(m, spi, 0, 0);
		addr(m, SADB_EXT_ADDRESS_SRC, v6, 1);
		addr(m, SADB_EXT_ADDRESS_DST, v6, 2);
		break;
	case 7: case 8: case 9: {
		static const uint8_t t[] = { SADB_X_SPDADD, SADB_X_SPDUPDATE,
					     SADB_X_SPDDELETE, SADB_X_SPDSETIDX };

		hdr(m, t[below(4)], SADB_SATYPE_UNSPEC);
		addr(m, SADB_EXT_ADDRESS_SRC, v6, 1);
		addr(m, SADB_EXT_ADDRESS_DST, v6, 2);
		policy(m, v6);
		if (below(3) == 0)
			lifetime(m, SADB_EXT_LIFETIME_HARD);
		if (below(4) == 0)
			nfipsec_exts(m);
		break;
	}
	case 10: {
		uint8_t body[12] = { 0 };
		static const uint8_t t[] = { SADB_X_SPDGET, SADB_X_SPDDELETE2 };

		hdr(m, t[below(2)], SADB_SATYPE_UNSPEC);
		body[4] = 1 + below(3);	/* sadb_x_policy_dir */
		*(uint32_t *)(body + 8) = below(20);	/* id */
		ext(m, SADB_X_EXT_POLICY, body, 12);
		break;
	}
	case 11: {
		static const uint8_t t[] = { SADB_DUMP, SADB_X_SPDDUMP,
					     SADB_X_PROMISC, SADB_FLUSH,
					     SADB_X_SPDFLUSH, SADB_EXPIRE,
					     SADB_ACQUIRE, SADB_X_MIGRATE };
		uint8_t ty = t[below(8)];

		/* Flushes now and then keep the tables small. */
		if ((ty == SADB_FLUSH || ty == SADB_X_SPDFLUSH) && below(4))
			ty = SADB_DUMP;
		hdr(m, ty, satype);
		((struct sadb_msg *)m->b)->sadb_msg_satype =
			ty == SADB_X_PROMISC ? below(2) : satype;
		break;
	}
	default: {	/* random extensions after a random header */
		int i, n = below(6);

		hdr(m, below(30), below(12));
		for (i = 0; i < n; i++) {
			uint8_t body[64];
			unsigned int j, l = below(60);

			for (j = 0; j < l; j++)
				body[j] = rnd();
			ext(m, below(40), body, l);
		}
		break;
	}
	}
	finish(m);
}

static void mutate(struct msg *m)
{
	struct sadb_ext *e = NULL;
	size_t off = 0;
	uint8_t *p;

	if (m->next) {
		off = m->ext[below(m->next)];
		e = (void *)(m->b + off);
	}
	switch (below(14)) {
	case 0:		/* flip bytes anywhere */
		m->b[below(m->len)] ^= 1 << below(8);
		break;
	case 1:
		m->b[below(m->len)] = rnd();
		break;
	case 2:		/* sadb_msg_len against the datagram */
		((struct sadb_msg *)m->b)->sadb_msg_len = below(2) ?
			m->len / 8 + below(3) - 1 : below(1024);
		break;
	case 3:		/* truncate, maybe unaligned */
		m->len = below(m->len + 1);
		break;
	case 4:		/* junk at the end */
		while (below(4) && m->len < MAXMSG)
			m->b[m->len++] = rnd();
		break;
	case 5:		/* an extension's length */
		if (e)
			e->sadb_ext_len = below(2) ? e->sadb_ext_len + below(3) - 1 :
						    below(600);
		break;
	case 6:		/* an extension's type */
		if (e)
			e->sadb_ext_type = below(2) ? below(40) : rnd();
		break;
	case 7:		/* duplicate an extension */
		if (e && m->len + e->sadb_ext_len * 8 <= MAXMSG &&
		    off + e->sadb_ext_len * 8 <= m->len) {
			memcpy(m->b + m->len, e, e->sadb_ext_len * 8);
			m->len += e->sadb_ext_len * 8;
			finish(m);
		}
		break;
	case 8:		/* drop an extension */
		if (e && e->sadb_ext_len && off + e->sadb_ext_len * 8 <= m->len) {
			size_t n = e->sadb_ext_len * 8;

			memmove(m->b + off, m->b + off + n, m->len - off - n);
			m->len -= n;
			m->next = 0;
			finish(m);
		}
		break;
	case 9:		/* address family, prefix length, proto */
		if (e && (e->sadb_ext_type == SADB_EXT_ADDRESS_SRC ||
			  e->sadb_ext_type == SADB_EXT_ADDRESS_DST)) {
			p = (uint8_t *)e;
			*(uint16_t *)(p + 8) = (uint16_t[]){ 0, AF_INET, AF_INET6,
							     AF_UNIX, 0xffff }[below(5)];
			p[5] = below(2) ? below(130) : rnd();
			p[4] = rnd();
		}
		break;
	case 10:	/* an ipsecrequest's length, or what follows it */
		if (e && e->sadb_ext_type == SADB_X_EXT_POLICY &&
		    e->sadb_ext_len > 2) {
			p = (uint8_t *)e + 16;
			if (below(2))
				*(uint16_t *)p = below(2) ? below(80) :
					*(uint16_t *)p + below(9) - 4;
			else
				p[16 + 1 + below(8)] = rnd();
		}
		break;
	case 11:	/* key bits, identity type */
		if (e && e->sadb_ext_len >= 1)
			*(uint16_t *)((uint8_t *)e + 4) = below(2) ? rnd() : below(600);
		break;
	case 12:	/* message type / satype / version / errno / reserved */
		p = m->b;
		p[below(8)] = below(2) ? rnd() : below(30);
		break;
	default:	/* misalign: one to seven bytes in the middle */
		if (m->len > 16 && m->len + 8 < MAXMSG) {
			size_t at = 16 + below(m->len - 16), n = 1 + below(7);

			memmove(m->b + at + n, m->b + at, m->len - at);
			memset(m->b + at, 0, n);
			m->len += n;
		}
		break;
	}
}

/* @promisc: the listener's copies of requests (errno as mutated). */
static void drain(int fd, int promisc)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {
			/* a message dropped, and said so */
			if (promisc)
				lost++;
			else
				nerr[ENOBUFS]++;
			continue;
		}
		if (promisc) {
			copies++;
			continue;
		}
		replies++;
		if ((size_t)n >= sizeof(struct sadb_msg))
			nerr[((struct sadb_msg *)buf)->sadb_msg_errno]++;
	}
}

static int pfkey(int rcvbuf)
{
	int fd = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);

	if (fd < 0) {
		perror("socket(PF_KEY)");
		exit(2);
	}
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* Wait (up to 10 s) for the reply of type @type and return its errno. */
static int ask(int fd, struct msg *m, uint8_t type)
{
	uint8_t buf[65536];
	struct timeval tv = { 10, 0 };
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, m->b, m->len, 0) < 0 && errno != EEXIST &&
	    errno != ESRCH && errno != EINVAL)
		return errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? ETIMEDOUT : errno;
		if (n >= (ssize_t)sizeof(struct sadb_msg) &&
		    ((struct sadb_msg *)buf)->sadb_msg_type == type &&
		    ((struct sadb_msg *)buf)->sadb_msg_pid == (uint32_t)getpid())
			return ((struct sadb_msg *)buf)->sadb_msg_errno;
	}
}

/* ADD, GET, DELETE of one valid SA on a fresh socket must all work. */
static int sanity(void)
{
	static const uint8_t t[] = { SADB_ADD, SADB_GET, SADB_DELETE };
	uint32_t spi = 0xfeed0000 | below(0xffff);
	struct msg m;
	int fd = pfkey(0), i, err;

	for (i = 0; i < 3; i++) {
		hdr(&m, t[i], SADB_SATYPE_ESP);
		sa(&m, spi, 0, i ? 0 : SADB_X_EALG_AES_GCM_ICV16);
		addr(&m, SADB_EXT_ADDRESS_SRC, 0, 101);
		addr(&m, SADB_EXT_ADDRESS_DST, 0, 102);
		if (!i)
			key(&m, SADB_EXT_KEY_ENCRYPT, 160);
		finish(&m);
		err = ask(fd, &m, t[i]);
		if (err) {
			fprintf(stderr, "sanity: message %u on SPI %#x: errno %d\n",
				t[i], spi, err);
			close(fd);
			return 1;
		}
	}
	close(fd);
	sane++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count, i;
	int fd, promisc, one;
	struct msg m;

	if (argc != 3) {
		fprintf(stderr, "usage: pfkey_fuzz COUNT SEED\n");
		return 2;
	}
	count = strtoul(argv[1], NULL, 0);
	rng = strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ULL | 1;
	fd = pfkey(0);
	promisc = pfkey(1024);	/* overflows at once: ENOBUFS paths */
	hdr(&m, SADB_X_PROMISC, SADB_SATYPE_UNSPEC);
	((struct sadb_msg *)m.b)->sadb_msg_satype = 1;
	finish(&m);
	send(promisc, m.b, m.len, 0);

	for (i = 0; i < count; i++) {
		int nmut = below(4) == 0 ? 0 : 1 + below(4), j;

		seed(&m);
		for (j = 0; j < nmut && m.len; j++)
			mutate(&m);
		sent++;
		if (send(fd, m.b, m.len, MSG_DONTWAIT) < 0)
			serr[errno < 256 ? errno : 255]++;
		drain(fd, 0);
		if (below(16) == 0)
			drain(promisc, 1);
		/* Now and then a socket dies with queued replies and
		 * registrations, and a new one takes its place.
		 */
		if (below(2000) == 0) {
			close(fd);
			fd = pfkey(below(2) ? 0 : 2048);
		}
		if ((i + 1) % 500 == 0 && sanity())
			return 1;
	}
	drain(fd, 0);
	drain(promisc, 1);
	one = sanity();
	for (i = 0; i < 256; i++)
		if (nerr[i])
			printf("reply errno %lu: %lu\n", i, nerr[i]);
	for (i = 0; i < 256; i++)
		if (serr[i])
			printf("send() errno %lu: %lu\n", i, serr[i]);
	printf("promiscuous listener: %lu copies, ENOBUFS %lu times\n",
	       copies, lost);
	printf("sent %lu, replies %lu, sanity %lu\n", sent, replies, sane);
	return one;
}
