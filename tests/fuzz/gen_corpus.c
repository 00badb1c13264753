/* SPDX-License-Identifier: ISC */
/*
 * Writes the fuzzer's seed corpus with keyd's own payload builder, so the
 * seeds are well-formed messages of every exchange (SK bodies left in
 * clear, see fuzz_pld.c) plus bare inner payload chains.
 *
 *   make -C tests/fuzz corpus
 */
#include <stdio.h>
#include <string.h>

#include "ikev2_bld.h"

static const uint8_t ispi[8] = { 0x5a, 1, 2, 3, 4, 5, 6, 7 };
static const uint8_t rspi[8] = { 0xa5, 8, 9, 10, 11, 12, 13, 14 };
static const uint8_t zero[8];
static uint8_t bytes[512];
static const char *dir = "corpus";

static void
save(const char *name, const uint8_t *p, size_t len)
{
	static struct ikev2_msg_p m;
	char path[256];
	FILE *f;

	/* A seed the parser refuses would only teach the fuzzer errors. */
	memset(&m, 0, sizeof(m));
	m.exchange = IKEV2_EXCH_IKE_AUTH;
	if (strncmp(name, "msg-", 4) == 0 ? ikev2_pld_parse(&m, p, len) :
	    ikev2_pld_parse_inner(&m, p[0], p + 1, len - 1))
		fprintf(stderr, "%s: seed does not parse (%u)\n", name,
		    m.error);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len) {
		perror(path);
		return;
	}
	fclose(f);
}

static void
ike_sa(struct ikev2_sa_p *sa, uint8_t proto, uint8_t spisize)
{
	struct ikev2_prop_p *p;

	memset(sa, 0, sizeof(*sa));
	sa->nprops = 2;
	p = &sa->props[0];
	*p = (struct ikev2_prop_p){ .num = 1, .proto = proto,
	    .spisize = spisize, .nxforms = 3, .spi = 0x1122334455667788ULL };
	p->xforms[0] = (struct ikev2_xform_p){ IKEV2_XFORM_ENCR,
	    IKEV2_XF_KEYLEN, IKEV2_ENCR_AES_GCM_16, 256 };
	p->xforms[1] = (struct ikev2_xform_p){ IKEV2_XFORM_PRF, 0,
	    IKEV2_PRF_HMAC_SHA2_256, 0 };
	p->xforms[2] = (struct ikev2_xform_p){ IKEV2_XFORM_DH, 0,
	    IKEV2_DH_CURVE25519, 0 };
	p = &sa->props[1];
	*p = (struct ikev2_prop_p){ .num = 2, .proto = proto,
	    .spisize = spisize, .nxforms = 4, .spi = 0x1122334455667788ULL };
	p->xforms[0] = (struct ikev2_xform_p){ IKEV2_XFORM_ENCR,
	    IKEV2_XF_KEYLEN, IKEV2_ENCR_AES_CBC, 128 };
	p->xforms[1] = (struct ikev2_xform_p){ IKEV2_XFORM_INTEG, 0,
	    IKEV2_INTEG_HMAC_SHA2_256_128, 0 };
	p->xforms[2] = (struct ikev2_xform_p){ proto == IKEV2_PROTO_IKE ?
	    IKEV2_XFORM_PRF : IKEV2_XFORM_ESN, 0, 1, 0 };
	p->xforms[3] = (struct ikev2_xform_p){ IKEV2_XFORM_DH, 0,
	    IKEV2_DH_MODP_2048, 0 };
}

static void
tss(struct ikev2_tss_p *t)
{
	memset(t, 0, sizeof(*t));
	t->nts = 2;
	t->ts[0] = (struct ikev2_ts_p){ IKEV2_TS_IPV4_ADDR_RANGE, 17, 500, 500,
	    4, { 192, 0, 2, 0 }, { 192, 0, 2, 255 } };
	t->ts[1] = (struct ikev2_ts_p){ IKEV2_TS_IPV6_ADDR_RANGE, 0, 0, 65535,
	    16, { 0x20, 1, 0xd, 0xb8 }, { 0x20, 1, 0xd, 0xb8, 0xff, 0xff } };
}

/* Inner chains, each saved bare ("inner-*") and wrapped in SK. */
static uint8_t
inner_auth(struct buf *b)
{
	struct ikev2_bld bld;
	struct ikev2_sa_p sa;
	struct ikev2_tss_p ts;
	struct ikev2_cp_p cp = { .type = IKEV2_CFG_REQUEST, .ncfg = 1 };

	ike_sa(&sa, IKEV2_PROTO_ESP, 4);
	tss(&ts);
	cp.cfg[0].type = IKEV2_CFG_INTERNAL_IP4_ADDRESS;
	ikev2_bld_chain(&bld, b);
	ikev2_bld_id(&bld, IKEV2_PLD_IDi, IKEV2_ID_FQDN,
	    (const uint8_t *)"initiator.example", 17);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERT, IKEV2_CERT_X509_SIG, bytes, 64);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERTREQ, IKEV2_CERT_X509_SIG, bytes,
	    20);
	ikev2_bld_id(&bld, IKEV2_PLD_IDr, IKEV2_ID_IPV4_ADDR, bytes, 4);
	ikev2_bld_auth(&bld, IKEV2_AUTH_SHARED_KEY_MIC, bytes, 32);
	ikev2_bld_cp(&bld, &cp);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_USE_TRANSPORT_MODE,
	    NULL, 0);
	ikev2_bld_sa(&bld, &sa);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &ts);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &ts);
	return (bld.first);
}

static uint8_t
inner_child(struct buf *b)
{
	struct ikev2_bld bld;
	struct ikev2_sa_p sa;
	struct ikev2_tss_p ts;
	static const uint8_t spi[4] = { 0xc0, 0, 0, 1 };

	ike_sa(&sa, IKEV2_PROTO_ESP, 4);
	tss(&ts);
	ikev2_bld_chain(&bld, b);
	ikev2_bld_notify(&bld, IKEV2_PROTO_ESP, spi, 4, IKEV2_N_REKEY_SA,
	    NULL, 0);
	ikev2_bld_sa(&bld, &sa);
	ikev2_bld_nonce(&bld, bytes, 32);
	ikev2_bld_ke(&bld, IKEV2_DH_CURVE25519, bytes, 32);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSi, &ts);
	ikev2_bld_ts(&bld, IKEV2_PLD_TSr, &ts);
	return (bld.first);
}

static uint8_t
inner_info(struct buf *b)
{
	struct ikev2_bld bld;
	static const uint8_t spis[8] = { 0xc0, 0, 0, 1, 0xc0, 0, 0, 2 };
	static const uint8_t grp[2] = { 0, IKEV2_DH_ECP_256 };

	ikev2_bld_chain(&bld, b);
	ikev2_bld_delete(&bld, IKEV2_PROTO_ESP, 4, spis, 2);
	ikev2_bld_delete(&bld, IKEV2_PROTO_IKE, 0, NULL, 0);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, grp, 2);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    bytes, 20);
	ikev2_bld_notify(&bld, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, bytes, 20);
	ikev2_bld_vendor(&bld, (const uint8_t *)"keyd", 4);
	return (bld.first);
}

static void
save_inner(const char *name, uint8_t exch, uint8_t (*fn)(struct buf *))
{
	struct ikev2_bld bld;
	struct buf in, msg, bare;
	char n[64];
	size_t off;
	uint8_t first;

	buf_init(&in);
	first = fn(&in);
	buf_init(&bare);
	buf_add_u8(&bare, first);
	buf_add(&bare, in.data, in.len);
	snprintf(n, sizeof(n), "inner-%s", name);
	save(n, bare.data, bare.len);

	buf_init(&msg);
	ikev2_bld_msg(&bld, &msg, ispi, rspi, exch, IKEV2_FLAG_INITIATOR, 1);
	off = ikev2_bld_sk(&bld, first);
	buf_add(&msg, in.data, in.len);
	ikev2_bld_end(&bld, off);
	ikev2_bld_msg_done(&bld);
	snprintf(n, sizeof(n), "msg-%s", name);
	save(n, msg.data, msg.len);
	buf_free(&msg);
	buf_free(&bare);
	buf_free(&in);
}

int
main(int argc, char *argv[])
{
	struct ikev2_bld bld;
	struct ikev2_sa_p sa;
	struct buf b;
	size_t i, off;
	static const uint8_t grp[2] = { 0, IKEV2_DH_MODP_2048 };
	static const uint8_t skf[4] = { 0, 1, 0, 2 };

	if (argc > 1)
		dir = argv[1];
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = i * 13 + 7;

	/* IKE_SA_INIT request, every cleartext payload. */
	ike_sa(&sa, IKEV2_PROTO_IKE, 0);
	buf_init(&b);
	ikev2_bld_msg(&bld, &b, ispi, zero, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_COOKIE, bytes, 16);
	ikev2_bld_sa(&bld, &sa);
	ikev2_bld_ke(&bld, IKEV2_DH_MODP_2048, bytes, 256);
	ikev2_bld_nonce(&bld, bytes, 32);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    bytes, 20);
	ikev2_bld_notify(&bld, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, bytes + 20, 20);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_FRAGMENTATION_SUPPORTED,
	    NULL, 0);
	ikev2_bld_cert(&bld, IKEV2_PLD_CERTREQ, IKEV2_CERT_X509_SIG, bytes,
	    40);
	ikev2_bld_vendor(&bld, bytes, 16);
	ikev2_bld_msg_done(&bld);
	save("msg-sa-init-req", b.data, b.len);
	buf_free(&b);

	/* IKE_SA_INIT response asking for another group. */
	buf_init(&b);
	ikev2_bld_msg(&bld, &b, ispi, zero, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0);
	ikev2_bld_notify(&bld, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, grp, 2);
	ikev2_bld_msg_done(&bld);
	save("msg-sa-init-invalid-ke", b.data, b.len);
	buf_free(&b);

	save_inner("ike-auth", IKEV2_EXCH_IKE_AUTH, inner_auth);
	save_inner("create-child", IKEV2_EXCH_CREATE_CHILD_SA, inner_child);
	save_inner("informational", IKEV2_EXCH_INFORMATIONAL, inner_info);

	/* An encrypted fragment (RFC 7383), 1 of 2. */
	buf_init(&b);
	ikev2_bld_msg(&bld, &b, ispi, rspi, IKEV2_EXCH_IKE_AUTH,
	    IKEV2_FLAG_INITIATOR, 1);
	off = ikev2_bld_begin(&bld, IKEV2_PLD_SKF, 0);
	b.data[off] = IKEV2_PLD_IDi;
	buf_add(&b, skf, sizeof(skf));
	buf_add(&b, bytes, 64);
	ikev2_bld_end(&bld, off);
	ikev2_bld_msg_done(&bld);
	save("msg-skf", b.data, b.len);
	buf_free(&b);
	return (0);
}
