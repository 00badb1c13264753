/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the PF_KEY parser's suites: a message buffer, its
 * header and extensions appended one by one, and the well-formed ADD and
 * X_SPDADD each case starts from before breaking one thing.
 */
#ifndef _NFIPSEC_TESTS_PFKEY_UTIL_H
#define _NFIPSEC_TESTS_PFKEY_UTIL_H

#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "../pfkey.h"

struct mbuf {
	u8 b[1024];
	size_t len;
};

static inline struct mbuf *mbuf_new(struct kunit *test)
{
	struct mbuf *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	return m;
}

static inline struct sadb_msg *put_hdr(struct mbuf *m, u8 type, u8 satype)
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
static inline void *put(struct mbuf *m, u16 type, size_t len)
{
	struct sadb_ext *e = (void *)(m->b + m->len);

	e->sadb_ext_len = len / 8;
	e->sadb_ext_type = type;
	m->len += len;
	return e;
}

static inline struct sadb_address *put_addr4(struct mbuf *m, u16 type, u32 a,
					     u8 plen)
{
	struct sadb_address *ad = put(m, type, 24);
	struct sockaddr_in *sin = (void *)(ad + 1);

	ad->sadb_address_prefixlen = plen;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
	return ad;
}

static inline struct sadb_address *put_addr6(struct mbuf *m, u16 type, u8 plen)
{
	struct sadb_address *ad = put(m, type, 40);
	struct sockaddr_in6 *sin6 = (void *)(ad + 1);

	ad->sadb_address_prefixlen = plen;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr[15] = 1;
	return ad;
}

static inline struct sadb_key *put_key(struct mbuf *m, u16 type, u16 bits,
				       size_t bytes)
{
	struct sadb_key *k = put(m, type, ALIGN(sizeof(*k) + bytes, 8));

	k->sadb_key_bits = bits;
	return k;
}

static inline void finish(struct mbuf *m)
{
	((struct sadb_msg *)m->b)->sadb_msg_len = m->len / 8;
}

static inline int parse(struct mbuf *m)
{
	struct nfipsec_pfkey_msg msg;

	return nfipsec_pfkey_parse(m->b, m->len, &msg);
}

/* SADB_ADD of an ESP AES-GCM-128 SA, 10.0.0.1 -> 10.0.0.2, as setkey. */
static inline struct sadb_sa *build_add(struct mbuf *m)
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
static inline struct sadb_x_ipsecrequest *build_spdadd(struct mbuf *m)
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

#endif
