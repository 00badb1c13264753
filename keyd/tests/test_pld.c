/* SPDX-License-Identifier: ISC */
/*
 * Payload parser and builder: every payload through a build -> parse ->
 * build round trip, then the malformed cases a hostile peer would send:
 * truncations, lengths that lie, counts that disagree with the bytes,
 * payloads in the wrong place.  Links ikev2_pld.c, ikev2_bld.c and buf.c
 * only.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../ikev2_bld.h"
#include "captured.h"
#include "tap.h"

static const uint8_t ispi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rspi[8] = { 0 };
static const uint8_t rspi2[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
static uint8_t ke_data[256], nonce[32], natd_s[20], natd_d[20], cookie[32];

/* Offsets of interesting payloads in the messages built below. */
struct offs {
	size_t	sa, ke, nonce, natd, cookie, certreq, vid, sk;
};

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void
sample_sa(struct ikev2_sa_p *sa)
{
	struct ikev2_prop_p *p;

	memset(sa, 0, sizeof(*sa));
	sa->nprops = 2;
	p = &sa->props[0];
	p->num = 1; p->proto = IKEV2_PROTO_IKE; p->nxforms = 4;
	p->xforms[0] = (struct ikev2_xform_p){ IKEV2_XFORM_ENCR,
	    IKEV2_XF_KEYLEN, IKEV2_ENCR_AES_GCM_16, 256 };
	p->xforms[1] = (struct ikev2_xform_p){ IKEV2_XFORM_PRF, 0,
	    IKEV2_PRF_HMAC_SHA2_384, 0 };
	p->xforms[2] = (struct ikev2_xform_p){ IKEV2_XFORM_DH, 0,
	    IKEV2_DH_CURVE25519, 0 };
	p->xforms[3] = (struct ikev2_xform_p){ IKEV2_XFORM_DH, 0,
	    IKEV2_DH_MODP_2048, 0 };
	p = &sa->props[1];
	p->num = 2; p->proto = IKEV2_PROTO_IKE; p->nxforms = 4;
	p->xforms[0] = (struct ikev2_xform_p){ IKEV2_XFORM_ENCR,
	    IKEV2_XF_KEYLEN, IKEV2_ENCR_AES_CBC, 128 };
	p->xforms[1] = (struct ikev2_xform_p){ IKEV2_XFORM_INTEG, 0,
	    IKEV2_INTEG_HMAC_SHA2_256_128, 0 };
	p->xforms[2] = (struct ikev2_xform_p){ IKEV2_XFORM_PRF, 0,
	    IKEV2_PRF_HMAC_SHA2_256, 0 };
	p->xforms[3] = (struct ikev2_xform_p){ IKEV2_XFORM_DH, 0,
	    IKEV2_DH_ECP_256, 0 };
}

static void
sample_ts(struct ikev2_tss_p *t)
{
	memset(t, 0, sizeof(*t));
	t->nts = 2;
	t->ts[0] = (struct ikev2_ts_p){ IKEV2_TS_IPV4_ADDR_RANGE, 6, 0, 65535,
	    4, { 10, 0, 0, 0 }, { 10, 0, 0, 255 } };
	t->ts[1] = (struct ikev2_ts_p){ IKEV2_TS_IPV6_ADDR_RANGE, 0, 500, 500,
	    16, { 0x20, 0x01, 0x0d, 0xb8 }, { 0x20, 0x01, 0x0d, 0xb8, 0xff } };
}

/* IKE_SA_INIT request: SA, KE, Ni, N(NATD_S), N(COOKIE), CERTREQ, V. */
static void
build_init(struct buf *b, struct offs *o)
{
	struct ikev2_bld bld;
	struct ikev2_sa_p sa;

	sample_sa(&sa);
	buf_init(b);
	ikev2_bld_msg(&bld, b, ispi, rspi, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0);
	o->sa = b->len;
	ikev2_bld_sa(&bld, &sa);
	o->ke = b->len;
	ikev2_bld_ke(&bld, IKEV2_DH_MODP_2048, ke_data, sizeof(ke_data));
	o->nonce = b->len;
	ikev2_bld_nonce(&bld, nonce, sizeof(nonce));
	o->natd = b->len;
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    natd_s, sizeof(natd_s));
	ikev2_bld_notify(&bld, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, natd_d, sizeof(natd_d));
	o->cookie = b->len;
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_COOKIE, cookie, 12);
	o->certreq = b->len;
	ikev2_bld_cert(&bld, IKEV2_PLD_CERTREQ, IKEV2_CERT_X509_SIG,
	    natd_s, 20);
	o->vid = b->len;
	ikev2_bld_vendor(&bld, (const uint8_t *)"keyd", 4);
	ikev2_bld_msg_done(&bld);
}

/* IKE_AUTH plaintext: IDi, CERT, AUTH, N(USE_TRANSPORT), SA, TSi, TSr, CP */
static uint8_t
build_auth_inner(struct buf *b)
{
	struct ikev2_bld bld;
	struct ikev2_sa_p sa;
	struct ikev2_tss_p ts;
	struct ikev2_cp_p cp;
	static const uint8_t a4[4] = { 192, 0, 2, 1 };

	memset(&sa, 0, sizeof(sa));
	sa.nprops = 1;
	sa.props[0].num = 1;
	sa.props[0].proto = IKEV2_PROTO_ESP;
	sa.props[0].spisize = 4;
	sa.props[0].spi = 0xc0ffee01;
	sa.props[0].nxforms = 2;
	sa.props[0].xforms[0] = (struct ikev2_xform_p){ IKEV2_XFORM_ENCR, 0,
	    IKEV2_ENCR_CHACHA20_POLY1305, 0 };
	sa.props[0].xforms[1] = (struct ikev2_xform_p){ IKEV2_XFORM_ESN, 0,
	    IKEV2_ESN_NONE, 0 };
	sample_ts(&ts);
	memset(&cp, 0, sizeof(cp));
	cp.type = IKEV2_CFG_REQUEST;
	cp.ncfg = 2;
	cp.cfg[0].type = IKEV2_CFG_INTERNAL_IP4_ADDRESS;
	cp.cfg[1].type = IKEV2_CFG_INTERNAL_IP4_DNS;
	cp.cfg[1].value = (struct ikev2_span){ a4, 4 };

	buf_init(b);
	ikev2_bld_chain(&bld, b);
	ikev2_bld_id(&bld, IKEV2_PLD_IDi, IKEV2_ID_FQDN,
	    (const uint8_t *)"left.example", 12);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERT, IKEV2_CERT_X509_SIG,
	    ke_data, 100);
	ikev2_bld_auth(&bld, IKEV2_AUTH_SHARED_KEY_MIC, nonce, 32);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_USE_TRANSPORT_MODE,
	    NULL, 0);
	ikev2_bld_sa(&bld, &sa);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &ts);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &ts);
	ikev2_bld_cp(&bld, &cp);
	return (bld.first);
}

/* A message of `exchange` whose only payload is SK with `body`. */
static void
build_sk(struct buf *b, uint8_t exchange, uint8_t first,
    const uint8_t *body, size_t len)
{
	struct ikev2_bld bld;
	size_t off;

	buf_init(b);
	ikev2_bld_msg(&bld, b, ispi, rspi2, exchange, IKEV2_FLAG_INITIATOR, 1);
	off = ikev2_bld_sk(&bld, first);
	buf_add(b, body, len);
	buf_put_be16(b, off + 2, b->len - off);
	ikev2_bld_msg_done(&bld);
}

static int
parse(struct ikev2_msg_p *m, const struct buf *b)
{
	return (ikev2_pld_parse(m, b->data, b->len));
}

static int
same_sa(const struct ikev2_sa_p *a, const struct ikev2_sa_p *b)
{
	unsigned i, j;

	if (a->nprops != b->nprops)
		return (0);
	for (i = 0; i < a->nprops; i++) {
		const struct ikev2_prop_p *x = &a->props[i], *y = &b->props[i];

		if (x->num != y->num || x->proto != y->proto ||
		    x->spisize != y->spisize || x->spi != y->spi ||
		    x->nxforms != y->nxforms)
			return (0);
		for (j = 0; j < x->nxforms; j++)
			if (memcmp(&x->xforms[j], &y->xforms[j],
			    sizeof(x->xforms[j])) != 0)
				return (0);
	}
	return (1);
}

static int
span_is(struct ikev2_span s, const void *p, size_t len)
{
	return (s.len == len && (len == 0 || memcmp(s.ptr, p, len) == 0));
}

static void
test_init_roundtrip(void)
{
	struct ikev2_msg_p *m = calloc(1, sizeof(*m));
	struct ikev2_sa_p sa;
	struct buf b, b2;
	struct ikev2_bld bld;
	struct offs o;

	build_init(&b, &o);
	ok(!buf_error(&b), "build IKE_SA_INIT");
	ok(parse(m, &b) == 0, "parse IKE_SA_INIT (error %u)", m->error);
	ok(memcmp(m->ispi, ispi, 8) == 0 && m->exchange ==
	    IKEV2_EXCH_IKE_SA_INIT && m->flags == IKEV2_FLAG_INITIATOR &&
	    m->msgid == 0 && m->length == b.len, "header fields");
	sample_sa(&sa);
	ok(same_sa(&m->sa, &sa), "SA: proposals, transforms, key lengths");
	ok(m->ke.group == IKEV2_DH_MODP_2048 &&
	    span_is(m->ke.data, ke_data, sizeof(ke_data)), "KE group, data");
	ok(span_is(m->nonce, nonce, sizeof(nonce)), "Nonce");
	ok(m->nnotify == 3 && m->nnatd_src == 1 &&
	    span_is(m->natd_src[0], natd_s, 20) &&
	    span_is(m->natd_dst, natd_d, 20), "NAT_DETECTION_* lifted");
	ok(span_is(m->cookie, cookie, 12) &&
	    ikev2_pld_notify_find(m, IKEV2_N_COOKIE) != NULL &&
	    !ikev2_pld_notify_find(m, IKEV2_N_COOKIE)->encrypted,
	    "COOKIE lifted, marked cleartext");
	ok(m->ncertreq == 1 && m->certreq[0].encoding == IKEV2_CERT_X509_SIG &&
	    span_is(m->certreq[0].data, natd_s, 20), "CERTREQ");
	ok(m->nvendor == 1 && span_is(m->vendor[0], "keyd", 4), "Vendor ID");

	/* Rebuild from the parsed form: the bytes must not change. */
	buf_init(&b2);
	ikev2_bld_msg(&bld, &b2, m->ispi, m->rspi, m->exchange, m->flags,
	    m->msgid);
	ikev2_bld_sa(&bld, &m->sa);
	ikev2_bld_ke(&bld, m->ke.group, m->ke.data.ptr, m->ke.data.len);
	ikev2_bld_nonce(&bld, m->nonce.ptr, m->nonce.len);
	for (unsigned i = 0; i < m->nnotify; i++)
		ikev2_bld_notify(&bld, m->notify[i].proto, m->notify[i].spi.ptr,
		    m->notify[i].spisize, m->notify[i].type,
		    m->notify[i].data.ptr, m->notify[i].data.len);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERTREQ, m->certreq[0].encoding,
	    m->certreq[0].data.ptr, m->certreq[0].data.len);
	ikev2_bld_vendor(&bld, m->vendor[0].ptr, m->vendor[0].len);
	ikev2_bld_msg_done(&bld);
	ok(b2.len == b.len && memcmp(b.data, b2.data, b.len) == 0,
	    "IKE_SA_INIT rebuilt from parse is byte-identical");
	buf_free(&b2);
	buf_free(&b);
	free(m);
}

static void
test_auth_roundtrip(void)
{
	struct ikev2_msg_p *m = calloc(1, sizeof(*m));
	struct ikev2_tss_p ts;
	struct buf in, msg, b2;
	struct ikev2_bld bld;
	uint8_t first;

	first = build_auth_inner(&in);
	ok(first == IKEV2_PLD_IDi && !buf_error(&in), "build IKE_AUTH inner");
	build_sk(&msg, IKEV2_EXCH_IKE_AUTH, first, in.data, in.len);
	ok(parse(m, &msg) == 0, "parse IKE_AUTH outer");
	ok(m->sk.first == IKEV2_PLD_IDi && m->sk.off == 28 &&
	    span_is(m->sk.body, in.data, in.len), "SK located, next = IDi");
	ok(ikev2_pld_parse_inner(m, m->sk.first, in.data, in.len) == 0,
	    "parse IKE_AUTH inner (error %u)", m->error);
	ok(m->idi.type == IKEV2_ID_FQDN &&
	    span_is(m->idi.data, "left.example", 12) &&
	    m->idi.body.len == 16 && m->idi.body.ptr[0] == IKEV2_ID_FQDN,
	    "IDi type, data, signed body");
	ok(m->ncert == 1 && span_is(m->cert[0].data, ke_data, 100), "CERT");
	ok(m->auth.method == IKEV2_AUTH_SHARED_KEY_MIC &&
	    span_is(m->auth.data, nonce, 32), "AUTH");
	ok(m->nnotify == 1 && m->notify[0].encrypted &&
	    m->notify[0].type == IKEV2_N_USE_TRANSPORT_MODE,
	    "Notify inside SK marked encrypted");
	ok(m->sa.nprops == 1 && m->sa.props[0].proto == IKEV2_PROTO_ESP &&
	    m->sa.props[0].spi == 0xc0ffee01 &&
	    m->sa.props[0].xforms[0].id == IKEV2_ENCR_CHACHA20_POLY1305,
	    "ESP proposal with 4-octet SPI");
	sample_ts(&ts);
	ok(m->tsi.nts == 2 && memcmp(&m->tsi.ts[0], &ts.ts[0],
	    sizeof(ts.ts[0])) == 0 && memcmp(&m->tsr.ts[1], &ts.ts[1],
	    sizeof(ts.ts[1])) == 0, "TSi/TSr IPv4 and IPv6 ranges");
	ok(m->cp.type == IKEV2_CFG_REQUEST && m->cp.ncfg == 2 &&
	    m->cp.cfg[0].value.len == 0 && m->cp.cfg[1].value.len == 4,
	    "CP attributes");

	buf_init(&b2);
	ikev2_bld_chain(&bld, &b2);
	ikev2_bld_id(&bld, IKEV2_PLD_IDi, m->idi.type, m->idi.data.ptr,
	    m->idi.data.len);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERT, m->cert[0].encoding,
	    m->cert[0].data.ptr, m->cert[0].data.len);
	ikev2_bld_auth(&bld, m->auth.method, m->auth.data.ptr,
	    m->auth.data.len);
	ikev2_bld_notify(&bld, 0, NULL, 0, m->notify[0].type, NULL, 0);
	ikev2_bld_sa(&bld, &m->sa);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &m->tsi);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &m->tsr);
	ikev2_bld_cp(&bld, &m->cp);
	ok(b2.len == in.len && memcmp(b2.data, in.data, in.len) == 0,
	    "IKE_AUTH inner rebuilt from parse is byte-identical");
	buf_free(&b2);
	buf_free(&msg);
	buf_free(&in);
	free(m);
}

static void
test_informational(void)
{
	struct ikev2_msg_p *m = calloc(1, sizeof(*m));
	struct ikev2_bld bld;
	struct buf in, msg;
	static const uint8_t spis[12] = { 0xc0, 0, 0, 1, 0xc0, 0, 0, 2,
	    0xc0, 0, 0, 3 };
	static const uint8_t grp[2] = { 0, IKEV2_DH_ECP_384 };

	buf_init(&in);
	ikev2_bld_chain(&bld, &in);
	ikev2_bld_delete(&bld, IKEV2_PROTO_ESP, 4, spis, 3);
	ikev2_bld_delete(&bld, IKEV2_PROTO_IKE, 0, NULL, 0);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD,
	    grp, 2);
	build_sk(&msg, IKEV2_EXCH_INFORMATIONAL, bld.first, in.data, in.len);
	ok(parse(m, &msg) == 0 &&
	    ikev2_pld_parse_inner(m, m->sk.first, in.data, in.len) == 0,
	    "parse INFORMATIONAL with two Deletes");
	ok(m->ndelete == 2 && m->del[0].nspi == 3 &&
	    span_is(m->del[0].spis, spis, 12) &&
	    m->del[1].proto == IKEV2_PROTO_IKE, "Delete ESP SPIs, Delete IKE");
	ok(m->invalid_ke_group == IKEV2_DH_ECP_384,
	    "INVALID_KE_PAYLOAD group lifted");
	buf_free(&msg);

	/* An empty SK (liveness check) is fine. */
	build_sk(&msg, IKEV2_EXCH_INFORMATIONAL, IKEV2_PLD_NONE, NULL, 0);
	ok(parse(m, &msg) == 0 &&
	    ikev2_pld_parse_inner(m, m->sk.first, NULL, 0) == 0,
	    "empty INFORMATIONAL");
	buf_free(&msg);
	buf_free(&in);
	free(m);
}

/* Someone else's bytes: parse, check, and rebuild them exactly. */
static void
test_captured(void)
{
	struct ikev2_msg_p *m = calloc(1, sizeof(*m));
	const struct ikev2_prop_p *p = &m->sa.props[0];
	const struct ikev2_notify_p *sh;
	struct ikev2_bld bld;
	struct buf b;
	unsigned i;

	ok(ikev2_pld_parse(m, captured_init, sizeof(captured_init)) == 0,
	    "captured IKE_SA_INIT request parses (error %u)", m->error);
	ok(m->sa.nprops == 1 && p->nxforms == 4 &&
	    p->xforms[0].id == IKEV2_ENCR_AES_GCM_16 &&
	    p->xforms[0].keylen == 128 &&
	    p->xforms[1].id == IKEV2_INTEG_HMAC_SHA2_256_128 &&
	    p->xforms[2].id == IKEV2_PRF_HMAC_SHA2_256 &&
	    p->xforms[3].type == IKEV2_XFORM_DH && p->xforms[3].id == 30,
	    "captured: proposal and transforms");
	sh = ikev2_pld_notify_find(m, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	ok(m->ke.group == 30 && m->ke.data.len == 128 &&
	    m->nonce.len == 32 && m->nnatd_src == 1 && m->natd_dst.len == 20 &&
	    sh != NULL && sh->data.len == 8 &&
	    ikev2_pld_notify_find(m, IKEV2_N_REDIRECT_SUPPORTED) != NULL &&
	    m->sighash == (1u << IKEV2_SIGHASH_SHA1 |
	    1u << IKEV2_SIGHASH_SHA2_256 | 1u << IKEV2_SIGHASH_SHA2_384 |
	    1u << IKEV2_SIGHASH_SHA2_512),
	    "captured: KE, Nonce, NAT-D, SIGNATURE_HASH_ALGORITHMS, REDIRECT");

	buf_init(&b);
	ikev2_bld_msg(&bld, &b, m->ispi, m->rspi, m->exchange, m->flags,
	    m->msgid);
	ikev2_bld_sa(&bld, &m->sa);
	ikev2_bld_ke(&bld, m->ke.group, m->ke.data.ptr, m->ke.data.len);
	ikev2_bld_nonce(&bld, m->nonce.ptr, m->nonce.len);
	for (i = 0; i < m->nnotify; i++)
		ikev2_bld_notify(&bld, m->notify[i].proto, m->notify[i].spi.ptr,
		    m->notify[i].spisize, m->notify[i].type,
		    m->notify[i].data.ptr, m->notify[i].data.len);
	ikev2_bld_msg_done(&bld);
	ok(b.len == sizeof(captured_init) &&
	    memcmp(b.data, captured_init, b.len) == 0,
	    "captured: our builder reproduces it byte for byte");
	buf_free(&b);
	free(m);
}

#include "test_pld_bad.c"

int
main(void)
{
	fill(ke_data, sizeof(ke_data), 1);
	fill(nonce, sizeof(nonce), 2);
	fill(natd_s, sizeof(natd_s), 3);
	fill(natd_d, sizeof(natd_d), 4);
	fill(cookie, sizeof(cookie), 5);

	test_init_roundtrip();
	test_auth_roundtrip();
	test_informational();
	test_captured();
	test_malformed();
	return (tap_done());
}
