// SPDX-License-Identifier: GPL-2.0
/*
 * PF_KEY message validation (pfkey_parse.c): every malformed message gets
 * exactly the errno the sender will see in sadb_msg_errno, and the messages
 * setkey and strongSwan really send parse.
 *
 * Each case starts from a well-formed message and breaks one thing, so a
 * pass means the parser refused that thing and not something else.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "../pfkey_parse.c"

struct mbuf {
	u8 b[1024];
	size_t len;
};

static struct mbuf *mbuf_new(struct kunit *test)
{
	struct mbuf *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	return m;
}

static struct sadb_msg *put_hdr(struct mbuf *m, u8 type, u8 satype)
{
	struct sadb_msg *h = (void *)m->b;

	memset(m, 0, sizeof(*m));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = 7;
	h->sadb_msg_pid = 1234;
	m->len = sizeof(*h);
	return h;
}

/* A zeroed extension of @len bytes (a multiple of 8). */
static void *put(struct mbuf *m, u16 type, size_t len)
{
	struct sadb_ext *e = (void *)(m->b + m->len);

	e->sadb_ext_len = len / 8;
	e->sadb_ext_type = type;
	m->len += len;
	return e;
}

static struct sadb_address *put_addr4(struct mbuf *m, u16 type, u32 a,
				      u8 plen)
{
	struct sadb_address *ad = put(m, type, 24);
	struct sockaddr_in *sin = (void *)(ad + 1);

	ad->sadb_address_prefixlen = plen;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
	return ad;
}

static struct sadb_address *put_addr6(struct mbuf *m, u16 type, u8 plen)
{
	struct sadb_address *ad = put(m, type, 40);
	struct sockaddr_in6 *sin6 = (void *)(ad + 1);

	ad->sadb_address_prefixlen = plen;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr[15] = 1;
	return ad;
}

static struct sadb_key *put_key(struct mbuf *m, u16 type, u16 bits,
				size_t bytes)
{
	struct sadb_key *k = put(m, type, ALIGN(sizeof(*k) + bytes, 8));

	k->sadb_key_bits = bits;
	return k;
}

static void finish(struct mbuf *m)
{
	((struct sadb_msg *)m->b)->sadb_msg_len = m->len / 8;
}

static int parse(struct mbuf *m)
{
	struct nfipsec_pfkey_msg msg;

	return nfipsec_pfkey_parse(m->b, m->len, &msg);
}

/* SADB_ADD of an ESP AES-GCM-128 SA, 10.0.0.1 -> 10.0.0.2, as setkey. */
static struct sadb_sa *build_add(struct mbuf *m)
{
	struct sadb_sa *sa;

	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_spi = htonl(0x1000);
	sa->sadb_sa_replay = 32;
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	return sa;
}

/* SADB_X_SPDADD out 10.1.0.0/16 -> 10.2.0.0/16, ESP tunnel. */
static struct sadb_x_ipsecrequest *build_spdadd(struct mbuf *m)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	struct sockaddr_in *sin;

	put_hdr(m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
	put(m, SADB_EXT_LIFETIME_HARD, sizeof(struct sadb_lifetime));
	xp = put(m, SADB_X_EXT_POLICY, sizeof(*xp) + sizeof(*rq) + 32);
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	rq = (void *)(xp + 1);
	rq->sadb_x_ipsecrequest_len = sizeof(*rq) + 32;
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
	sin = (void *)(rq + 1);
	sin[0].sin_family = AF_INET;
	sin[0].sin_addr.s_addr = htonl(0xc0a80001);
	sin[1].sin_family = AF_INET;
	sin[1].sin_addr.s_addr = htonl(0xc0a80002);
	finish(m);
	return rq;
}

static void pfkey_add_parses(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	union nf_inet_addr a;
	struct mbuf *m = mbuf_new(test);
	__be16 port;

	build_add(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (const void *)msg.hdr, (void *)m->b);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_SA]);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_KEY_ENCRYPT]);
	KUNIT_EXPECT_NULL(test, msg.ext[SADB_EXT_KEY_AUTH]);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_addr(msg.ext[SADB_EXT_ADDRESS_DST],
						 &a, &port), AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(a.ip), 0x0a000002);
}

static void pfkey_spdadd_parses(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_spdadd(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_X_EXT_POLICY]);
	KUNIT_EXPECT_NOT_NULL(test, msg.ext[SADB_EXT_LIFETIME_HARD]);
	/* X_SPDSETIDX is X_SPDADD (af_key); X_SPDEXPIRE only comes from us. */
	((struct sadb_msg *)m->b)->sadb_msg_type = SADB_X_SPDSETIDX;
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	((struct sadb_msg *)m->b)->sadb_msg_type = SADB_X_SPDEXPIRE;
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
}

static void pfkey_ipv6_parses(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_ADD, SADB_SATYPE_AH);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_spi = htonl(0x2000);
	sa->sadb_sa_auth = SADB_X_AALG_SHA2_256HMAC;
	put_addr6(m, SADB_EXT_ADDRESS_SRC, 128);
	put_addr6(m, SADB_EXT_ADDRESS_DST, 128);
	put_key(m, SADB_EXT_KEY_AUTH, 256, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);

	/* A v6 prefix one past 128 is not. */
	((struct sadb_address *)(m->b + 32))->sadb_address_prefixlen = 129;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_truncated_header(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 8, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 0, &msg), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, nfipsec_pfkey_parse(m->b, 15, &msg), -EMSGSIZE);
}

static void pfkey_len_mismatch(struct kunit *test)
{
	struct sadb_msg *h;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	h = (void *)m->b;
	h->sadb_msg_len++;			/* says more than was sent */
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);
	h->sadb_msg_len -= 2;			/* says less */
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);
}

static void pfkey_misaligned(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct mbuf *m = mbuf_new(test);

	/* A message that is not a whole number of 64-bit words. */
	build_add(m);
	m->len += 4;
	KUNIT_EXPECT_EQ(test, parse(m), -EMSGSIZE);

	/* An ipsecrequest whose byte length breaks 8-byte alignment. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len -= 4;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_ext_past_end(struct kunit *test)
{
	struct sadb_key *k;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	/* The key is the last extension: make it claim one word more. */
	k = (void *)(m->b + m->len - 32);
	KUNIT_ASSERT_EQ(test, k->sadb_key_exttype, SADB_EXT_KEY_ENCRYPT);
	k->sadb_key_len++;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_zero_len_ext(struct kunit *test)
{
	struct sadb_ext *e;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	e = (void *)(m->b + sizeof(struct sadb_msg));
	e->sadb_ext_len = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_duplicate_ext(struct kunit *test)
{
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000003, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_unknown_ext(struct kunit *test)
{
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	put(m, 27, 8);		/* between Linux's last and ours */
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	put(m, SADB_EXT_RESERVED, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	put(m, 4000, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_missing_required(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	/* No SA extension. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* No destination. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* ESP without its cipher key. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An integrity algorithm without its key. */
	sa = build_add(m);
	sa->sadb_sa_auth = SADB_X_AALG_SHA2_256HMAC;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* SPDADD without its policy. */
	put_hdr(m, SADB_X_SPDADD, 0);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_forbidden_ext(struct kunit *test)
{
	struct sadb_spirange *r;
	struct mbuf *m = mbuf_new(test);

	/* SPIRANGE belongs to GETSPI, not ADD. */
	build_add(m);
	r = put(m, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x100;
	r->sadb_spirange_max = 0x200;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Only the kernel sends SUPPORTED. */
	build_add(m);
	put(m, SADB_EXT_SUPPORTED_AUTH, sizeof(struct sadb_supported));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* FLUSH takes nothing. */
	put_hdr(m, SADB_FLUSH, SADB_SATYPE_UNSPEC);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Security contexts: no LSM labels here. */
	build_add(m);
	put(m, SADB_X_EXT_SEC_CTX, 8);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
}

static void pfkey_bad_prefix(struct kunit *test)
{
	struct sadb_address *a;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	a = (void *)(m->b + sizeof(struct sadb_msg) + sizeof(struct sadb_sa));
	KUNIT_ASSERT_EQ(test, a->sadb_address_exttype, SADB_EXT_ADDRESS_SRC);
	a->sadb_address_prefixlen = 33;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	a->sadb_address_prefixlen = 0;
	KUNIT_EXPECT_EQ(test, parse(m), 0);

	/* An address of an unknown family. */
	((struct sockaddr *)(a + 1))->sa_family = AF_UNIX;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_family_mismatch(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_ADD, SADB_SATYPE_ESP);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr6(m, SADB_EXT_ADDRESS_DST, 128);
	put_key(m, SADB_EXT_KEY_ENCRYPT, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_key_bits(struct kunit *test)
{
	struct sadb_key *k;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	k = (void *)(m->b + m->len - 32);
	k->sadb_key_bits = 192;		/* 24 bytes: exactly what fits */
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	k->sadb_key_bits = 193;		/* one bit past the body */
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_bad_header(struct kunit *test)
{
	struct sadb_msg *h;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	h = (void *)m->b;
	h->sadb_msg_version = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	h->sadb_msg_type = SADB_RESERVED;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	h->sadb_msg_type = SADB_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	build_add(m);
	h->sadb_msg_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An SA needs a protocol: not UNSPEC, not IPComp, not RSVP. */
	build_add(m);
	h->sadb_msg_satype = SADB_SATYPE_UNSPEC;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	h->sadb_msg_satype = SADB_X_SATYPE_IPCOMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);
	h->sadb_msg_satype = SADB_SATYPE_RSVP;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Types only the kernel sends, or nfipsec does not do. */
	put_hdr(m, SADB_EXPIRE, SADB_SATYPE_ESP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);
	put_hdr(m, SADB_X_PCHANGE, 0);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EOPNOTSUPP);

	put_hdr(m, SADB_REGISTER, SADB_X_SATYPE_IPCOMP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);

	/* REGISTER with a satype past SADB_SATYPE_MAX. */
	put_hdr(m, SADB_REGISTER, SADB_SATYPE_MAX + 1);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	put_hdr(m, SADB_REGISTER, SADB_SATYPE_ESP);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
}

static void pfkey_bad_sa(struct kunit *test)
{
	struct sadb_sa *sa;
	struct mbuf *m = mbuf_new(test);

	sa = build_add(m);
	sa->sadb_sa_state = SADB_SASTATE_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	sa = build_add(m);
	sa->sadb_sa_auth = SADB_AALG_MAX + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An SA extension longer than struct sadb_sa. */
	put_hdr(m, SADB_GET, SADB_SATYPE_ESP);
	put(m, SADB_EXT_SA, 24);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* AH carries no cipher. */
	put_hdr(m, SADB_ADD, SADB_SATYPE_AH);
	sa = put(m, SADB_EXT_SA, sizeof(*sa));
	sa->sadb_sa_auth = SADB_AALG_SHA1HMAC;
	sa->sadb_sa_encrypt = SADB_X_EALG_AESCBC;
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	put_key(m, SADB_EXT_KEY_AUTH, 160, 20);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_bad_spirange(struct kunit *test)
{
	struct sadb_spirange *r;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_GETSPI, SADB_SATYPE_ESP);
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a000001, 32);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a000002, 32);
	r = put(m, SADB_EXT_SPIRANGE, sizeof(*r));
	r->sadb_spirange_min = 0x200;
	r->sadb_spirange_max = 0x300;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	r->sadb_spirange_min = 0x301;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_bad_ipsecrequest(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	struct mbuf *m = mbuf_new(test);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_ANY;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_COMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);

	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Tunnel endpoints of two families. */
	rq = build_spdadd(m);
	((struct sockaddr_in *)(rq + 1))[1].sin_family = AF_INET6;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* A request that claims more than the policy holds. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len += 8;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* A request shorter than its header. */
	rq = build_spdadd(m);
	rq->sadb_x_ipsecrequest_len = 8;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* Requests on a DISCARD policy. */
	build_spdadd(m);
	xp = (void *)(m->b + sizeof(struct sadb_msg) + 2 * 24 + 32);
	KUNIT_ASSERT_EQ(test, xp->sadb_x_policy_exttype, SADB_X_EXT_POLICY);
	xp->sadb_x_policy_type = IPSEC_POLICY_DISCARD;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	xp->sadb_x_policy_type = IPSEC_POLICY_BYPASS + 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_too_many_requests(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	unsigned int i, n;
	struct mbuf *m = mbuf_new(test);

	for (n = NFIPSEC_MAX_TMPL; n <= NFIPSEC_MAX_TMPL + 1; n++) {
		put_hdr(m, SADB_X_SPDADD, 0);
		put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
		put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
		xp = put(m, SADB_X_EXT_POLICY, sizeof(*xp) + n * sizeof(*rq));
		xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
		xp->sadb_x_policy_dir = IPSEC_DIR_INBOUND;
		rq = (void *)(xp + 1);
		for (i = 0; i < n; i++, rq++) {
			rq->sadb_x_ipsecrequest_len = sizeof(*rq);
			rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
			rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
		}
		finish(m);
		KUNIT_EXPECT_EQ(test, parse(m),
				n > NFIPSEC_MAX_TMPL ? -EINVAL : 0);
	}
}

static void pfkey_sa_replay_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_replay *r;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	r = put(m, NFIPSEC_SADB_X_EXT_SA_REPLAY, sizeof(*r));
	r->sadb_x_sa_replay_replay = 4096;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_SA_REPLAY],
			    (const void *)r);
}

/* A Name selector on SPDADD: @pat (@len bytes, zero-padded to 8). */
static int spdadd_name(struct kunit *test, u8 type, const char *pat,
		       size_t len)
{
	struct nfipsec_sadb_x_name *n;
	struct mbuf *m = mbuf_new(test);

	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, ALIGN(sizeof(*n) + len, 8));
	n->sadb_x_name_type = type;
	memcpy(n + 1, pat, len);
	finish(m);
	return parse(m);
}

static void pfkey_name_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_name *n;
	struct mbuf *m;

	KUNIT_EXPECT_EQ(test, spdadd_name(test, SADB_IDENTTYPE_USERFQDN,
					  "*@family.example", 17), 0);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "*", 2), 0);
	/* empty; not NUL-terminated; bytes after the NUL; bad type */
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "abcdefgh", 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, 0, "ab\0cd", 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, spdadd_name(test, SADB_IDENTTYPE_MAX + 1, "*", 2),
			-EINVAL);
	/* NFIPSEC_NAME_MAX bytes and its NUL fit; one more does not. */
	m = mbuf_new(test);
	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 136);
	memset(n + 1, 'a', NFIPSEC_NAME_MAX);
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	memset(n + 1, 'a', NFIPSEC_NAME_MAX + 1);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* reserved bytes */
	m = mbuf_new(test);
	build_spdadd(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 8);
	n->sadb_x_name_reserved[1] = 1;
	((char *)(n + 1))[0] = '*';
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* SAs take no Name selector. */
	m = mbuf_new(test);
	build_add(m);
	n = put(m, NFIPSEC_SADB_X_EXT_NAME, sizeof(*n) + 8);
	((char *)(n + 1))[0] = '*';
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_sa_mark_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_mark *mk;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	mk = put(m, NFIPSEC_SADB_X_EXT_SA_MARK, sizeof(*mk));
	mk->sadb_x_sa_mark_value = 0x100;
	mk->sadb_x_sa_mark_mask = 0xff00;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_SA_MARK],
			    (const void *)mk);
	mk->sadb_x_sa_mark_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take no mark. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, NFIPSEC_SADB_X_EXT_SA_MARK, sizeof(*mk));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

/* RFC 2367 §2.3.7: SENSITIVITY rides on ADD, its bitmaps filling it. */
static void pfkey_sens_ext(struct kunit *test)
{
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);
	struct sadb_sens *s;

	build_add(m);
	s = put(m, SADB_EXT_SENSITIVITY, sizeof(*s) + 16);
	s->sadb_sens_dpd = 1;
	s->sadb_sens_sens_len = 1;
	s->sadb_sens_integ_len = 1;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[SADB_EXT_SENSITIVITY],
			    (const void *)s);
	/* A bitmap longer than the extension. */
	s->sadb_sens_integ_len = 2;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Or shorter. */
	s->sadb_sens_sens_len = 0;
	s->sadb_sens_integ_len = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	s->sadb_sens_sens_len = 1;
	s->sadb_sens_integ_len = 1;
	s->sadb_sens_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take none. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, SADB_EXT_SENSITIVITY, sizeof(*s));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static void pfkey_tfc_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_tfc *tfc;
	struct nfipsec_pfkey_msg msg;
	struct mbuf *m = mbuf_new(test);

	build_add(m);
	tfc = put(m, NFIPSEC_SADB_X_EXT_TFC, sizeof(*tfc));
	tfc->sadb_x_tfc_padto = 1200;
	finish(m);
	KUNIT_ASSERT_EQ(test, nfipsec_pfkey_parse(m->b, m->len, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ext[NFIPSEC_SADB_X_EXT_TFC],
			    (const void *)tfc);
	/* Longer than any IP packet. */
	tfc->sadb_x_tfc_padto = 65536;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Policies take no padding. */
	m = mbuf_new(test);
	build_spdadd(m);
	put(m, NFIPSEC_SADB_X_EXT_TFC, sizeof(*tfc));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

/*
 * SADB_X_MIGRATE out 10.1.0.0/16 -> 10.2.0.0/16: ESP tunnel 192.168.0.1 ->
 * 192.168.0.2 moves to 192.168.0.3 -> 192.168.0.2 (@km: with KMADDRESS).
 * Returns the two requests.
 */
static struct sadb_x_ipsecrequest *build_migrate(struct mbuf *m, bool km)
{
	struct sadb_x_ipsecrequest *rq;
	struct sadb_x_policy *xp;
	struct sockaddr_in *sin;
	unsigned int i;

	put_hdr(m, SADB_X_MIGRATE, SADB_SATYPE_UNSPEC);
	if (km) {
		sin = (void *)((u8 *)put(m, SADB_X_EXT_KMADDRESS, 40) + 8);
		sin[0].sin_family = AF_INET;
		sin[1].sin_family = AF_INET;
	}
	put_addr4(m, SADB_EXT_ADDRESS_SRC, 0x0a010000, 16);
	put_addr4(m, SADB_EXT_ADDRESS_DST, 0x0a020000, 16);
	xp = put(m, SADB_X_EXT_POLICY, sizeof(*xp) + 2 * (sizeof(*rq) + 32));
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	rq = (void *)(xp + 1);
	for (i = 0; i < 2; i++) {
		struct sadb_x_ipsecrequest *r = (void *)((u8 *)rq + i * 48);

		r->sadb_x_ipsecrequest_len = sizeof(*r) + 32;
		r->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
		r->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
		r->sadb_x_ipsecrequest_level = IPSEC_LEVEL_REQUIRE;
		sin = (void *)(r + 1);
		sin[0].sin_family = AF_INET;
		sin[0].sin_addr.s_addr = htonl(i ? 0xc0a80003 : 0xc0a80001);
		sin[1].sin_family = AF_INET;
		sin[1].sin_addr.s_addr = htonl(0xc0a80002);
	}
	finish(m);
	return rq;
}

static void pfkey_migrate_checks(struct kunit *test)
{
	struct sadb_x_ipsecrequest *rq, *rq2;
	struct sadb_x_policy *xp;
	struct mbuf *m = mbuf_new(test);

	build_migrate(m, false);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	build_migrate(m, true);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	/* KMADDRESS: one family, reserved zero. */
	((struct sockaddr_in *)(m->b + 24))[1].sin_family = AF_INET6;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	build_migrate(m, true);
	((struct sadb_x_kmaddress *)(m->b + 16))->sadb_x_kmaddress_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* The halves of a pair: one protocol, mode and reqid. */
	rq = build_migrate(m, false);
	rq2 = (void *)((u8 *)rq + 48);
	rq2->sadb_x_ipsecrequest_reqid = 5;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_AH;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	/* Moving nothing; moving IPComp. */
	rq = build_migrate(m, false);
	((struct sockaddr_in *)((u8 *)rq + 48 + 16))->sin_addr.s_addr =
		htonl(0xc0a80001);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_COMP;
	((struct sadb_x_ipsecrequest *)((u8 *)rq + 48))->sadb_x_ipsecrequest_proto =
		IPPROTO_COMP;
	KUNIT_EXPECT_EQ(test, parse(m), -EPROTONOSUPPORT);
	/* Transport mode still names both endpoints of each half. */
	rq = build_migrate(m, false);
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	rq2 = (void *)((u8 *)rq + 48);
	rq2->sadb_x_ipsecrequest_mode = IPSEC_MODE_TRANSPORT;
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	((struct sockaddr_in *)(rq2 + 1))[1].sin_family = 0;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);

	/* An odd number of requests; no requests; no policy at all. */
	rq = build_migrate(m, false);
	xp = (void *)((u8 *)rq - sizeof(*xp));
	xp->sadb_x_policy_len -= 6;
	m->len -= 48;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	xp->sadb_x_policy_len -= 6;
	m->len -= 48;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	m->len -= 16;
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

/* NFIPSEC_SADB_X_EXT_SA_STATS: asked for in GET and DUMP only, zeroed. */
static void pfkey_sa_stats_ext(struct kunit *test)
{
	struct nfipsec_sadb_x_sa_stats *st;
	struct mbuf *m = mbuf_new(test);

	put_hdr(m, SADB_DUMP, SADB_SATYPE_UNSPEC);
	st = put(m, NFIPSEC_SADB_X_EXT_SA_STATS, sizeof(*st));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), 0);
	st->sadb_x_sa_stats_reserved = 1;
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
	build_add(m);
	put(m, NFIPSEC_SADB_X_EXT_SA_STATS, sizeof(*st));
	finish(m);
	KUNIT_EXPECT_EQ(test, parse(m), -EINVAL);
}

static struct kunit_case pfkey_cases[] = {
	KUNIT_CASE(pfkey_add_parses),
	KUNIT_CASE(pfkey_spdadd_parses),
	KUNIT_CASE(pfkey_ipv6_parses),
	KUNIT_CASE(pfkey_truncated_header),
	KUNIT_CASE(pfkey_len_mismatch),
	KUNIT_CASE(pfkey_misaligned),
	KUNIT_CASE(pfkey_ext_past_end),
	KUNIT_CASE(pfkey_zero_len_ext),
	KUNIT_CASE(pfkey_duplicate_ext),
	KUNIT_CASE(pfkey_unknown_ext),
	KUNIT_CASE(pfkey_missing_required),
	KUNIT_CASE(pfkey_forbidden_ext),
	KUNIT_CASE(pfkey_bad_prefix),
	KUNIT_CASE(pfkey_family_mismatch),
	KUNIT_CASE(pfkey_key_bits),
	KUNIT_CASE(pfkey_bad_header),
	KUNIT_CASE(pfkey_bad_sa),
	KUNIT_CASE(pfkey_bad_spirange),
	KUNIT_CASE(pfkey_bad_ipsecrequest),
	KUNIT_CASE(pfkey_too_many_requests),
	KUNIT_CASE(pfkey_sa_replay_ext),
	KUNIT_CASE(pfkey_name_ext),
	KUNIT_CASE(pfkey_sa_mark_ext),
	KUNIT_CASE(pfkey_tfc_ext),
	KUNIT_CASE(pfkey_sens_ext),
	KUNIT_CASE(pfkey_migrate_checks),
	KUNIT_CASE(pfkey_sa_stats_ext),
	{}
};

static struct kunit_suite pfkey_suite = {
	.name = "nfipsec_pfkey",
	.test_cases = pfkey_cases,
};

kunit_test_suites(&pfkey_suite);
