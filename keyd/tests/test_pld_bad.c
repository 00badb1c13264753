/* SPDX-License-Identifier: ISC */
/*
 * Malformed input for the payload parser; included by test_pld.c.  Each
 * case starts from a valid message and breaks one thing, so a pass means
 * that one check fired (the error code is checked where it is specific).
 */

static struct ikev2_msg_p *bad_m;

/* Parse a copy of b with the be16 at off replaced; returns error or 0. */
static uint16_t
with16(const struct buf *b, size_t off, uint16_t v)
{
	uint8_t *p = malloc(b->len);
	int r;

	memcpy(p, b->data, b->len);
	p[off] = v >> 8;
	p[off + 1] = v;
	r = ikev2_pld_parse(bad_m, p, b->len);
	free(p);
	return (r == 0 ? 0 : bad_m->error);
}

static uint16_t
with8(const struct buf *b, size_t off, uint8_t v)
{
	uint8_t *p = malloc(b->len);
	int r;

	memcpy(p, b->data, b->len);
	p[off] = v;
	r = ikev2_pld_parse(bad_m, p, b->len);
	free(p);
	return (r == 0 ? 0 : bad_m->error);
}

/* Every prefix, with the IKE length patched to match, must be refused. */
static int
all_truncations_fail(const struct buf *b)
{
	uint8_t *p = malloc(b->len);
	size_t t;
	int bad = 0;

	for (t = 0; t < b->len; t++) {
		memcpy(p, b->data, t);
		if (t >= 28) {
			p[24] = t >> 24; p[25] = t >> 16;
			p[26] = t >> 8; p[27] = t;
		}
		/* exact-size heap copy so ASan sees any overread */
		uint8_t *q = malloc(t ? t : 1);
		memcpy(q, p, t);
		if (ikev2_pld_parse(bad_m, q, t) == 0)
			bad++;
		free(q);
	}
	free(p);
	return (bad == 0);
}

static int
inner_truncations_fail(uint8_t first, const struct buf *in)
{
	size_t t;
	int bad = 0;

	for (t = 0; t < in->len; t++) {
		uint8_t *q = malloc(t ? t : 1);

		memcpy(q, in->data, t);
		memset(bad_m, 0, sizeof(*bad_m));
		bad_m->exchange = IKEV2_EXCH_IKE_AUTH;
		if (ikev2_pld_parse_inner(bad_m, first, q, t) == 0)
			bad++;
		free(q);
	}
	return (bad == 0);
}

/* A one-payload-at-a-time IKE_SA_INIT, for payloads in the wrong place. */
static uint16_t
init_with(uint8_t exchange, uint8_t pld, uint8_t critical,
    const uint8_t *body, size_t len)
{
	struct ikev2_bld bld;
	struct buf b;
	size_t off;
	uint16_t err;
	int r;

	buf_init(&b);
	ikev2_bld_msg(&bld, &b, ispi, rspi, exchange, 0, 0);
	ikev2_bld_nonce(&bld, nonce, sizeof(nonce));
	off = ikev2_bld_begin(&bld, pld, critical);
	buf_add(&b, body, len);
	ikev2_bld_end(&bld, off);
	ikev2_bld_msg_done(&bld);
	r = parse(bad_m, &b);
	err = r == 0 ? 0 : bad_m->error;
	buf_free(&b);
	return (err);
}

static uint16_t
notify_with(uint16_t type, const uint8_t *data, size_t len)
{
	struct ikev2_bld bld;
	struct buf b;
	int r;

	buf_init(&b);
	ikev2_bld_msg(&bld, &b, ispi, rspi, IKEV2_EXCH_IKE_SA_INIT, 0, 0);
	ikev2_bld_notify(&bld, 0, NULL, 0, type, data, len);
	ikev2_bld_msg_done(&bld);
	r = parse(bad_m, &b);
	buf_free(&b);
	return (r == 0 ? 0 : bad_m->error);
}

static uint16_t
inner_with(uint8_t pld, const uint8_t *body, size_t len)
{
	struct ikev2_bld bld;
	struct buf b;
	size_t off;
	int r;

	buf_init(&b);
	ikev2_bld_chain(&bld, &b);
	off = ikev2_bld_begin(&bld, pld, 0);
	buf_add(&b, body, len);
	ikev2_bld_end(&bld, off);
	memset(bad_m, 0, sizeof(*bad_m));
	bad_m->exchange = IKEV2_EXCH_CREATE_CHILD_SA;
	r = ikev2_pld_parse_inner(bad_m, bld.first, b.data, b.len);
	buf_free(&b);
	return (r == 0 ? 0 : bad_m->error);
}

static void
test_malformed_sa(const struct buf *b, const struct offs *o)
{
	size_t prop = o->sa + 4, xf = prop + 8, attr = xf + 8;
	struct ikev2_sa_p *sa = calloc(1, sizeof(*sa));
	struct ikev2_bld bld;
	struct buf big;
	size_t off;
	unsigned i;

	ok(with16(b, prop + 2, 7) == IKEV2_N_INVALID_SYNTAX,
	    "proposal length below its header");
	ok(with16(b, prop + 2, 0x1000) == IKEV2_N_INVALID_SYNTAX,
	    "proposal length past the SA payload");
	ok(with16(b, xf + 2, 7) == IKEV2_N_INVALID_SYNTAX,
	    "transform length below its header");
	ok(with16(b, xf + 2, 0x200) == IKEV2_N_INVALID_SYNTAX,
	    "transform length past the proposal");
	ok(with16(b, attr, IKEV2_ATTR_KEYLEN) == IKEV2_N_INVALID_SYNTAX,
	    "TLV attribute length (256) past the transform");
	ok(with8(b, prop + 7, 3) == IKEV2_N_INVALID_SYNTAX,
	    "transform count lower than the transforms present");
	ok(with8(b, prop + 7, 5) == IKEV2_N_INVALID_SYNTAX,
	    "transform count higher than the transforms present");
	ok(with8(b, prop + 7, 0) == IKEV2_N_INVALID_SYNTAX,
	    "proposal without transforms");
	ok(with8(b, prop, IKEV2_PROP_LAST) == IKEV2_N_INVALID_SYNTAX,
	    "'last proposal' while another follows");
	ok(with8(b, prop, 1) == IKEV2_N_INVALID_SYNTAX,
	    "bad Last Substruc value");
	ok(with8(b, xf, IKEV2_XFORM_LAST) == IKEV2_N_INVALID_SYNTAX,
	    "'last transform' while another follows");
	ok(with8(b, prop + 6, 3) == IKEV2_N_INVALID_SYNTAX, "SPI size 3");
	ok(with8(b, prop + 6, 8) == IKEV2_N_INVALID_SYNTAX,
	    "SPI size eating the transforms");

	/* An unknown attribute flags the transform; the message is fine. */
	ok(with16(b, attr, IKEV2_ATTR_TV | 99) == 0 &&
	    (bad_m->sa.props[0].xforms[0].flags & IKEV2_XF_UNKNOWN_ATTR),
	    "unknown attribute: parsed, transform flagged");

	/* Seventeen proposals, written by hand: refused, not truncated. */
	buf_init(&big);
	ikev2_bld_msg(&bld, &big, ispi, rspi, IKEV2_EXCH_IKE_SA_INIT, 0, 0);
	off = ikev2_bld_begin(&bld, IKEV2_PLD_SA, 0);
	for (i = 0; i < IKEV2_MAX_PROPS + 1; i++) {
		const uint8_t pr[16] = {
		    i == IKEV2_MAX_PROPS ? IKEV2_PROP_LAST : IKEV2_PROP_MORE,
		    0, 0, 16, i + 1, IKEV2_PROTO_IKE, 0, 1,
		    IKEV2_XFORM_LAST, 0, 0, 8, IKEV2_XFORM_ENCR, 0, 0,
		    IKEV2_ENCR_AES_GCM_16 };

		buf_add(&big, pr, sizeof(pr));
	}
	ikev2_bld_end(&bld, off);
	ikev2_bld_msg_done(&bld);
	ok(parse(bad_m, &big) == -1 &&
	    bad_m->error == IKEV2_N_NO_PROPOSAL_CHOSEN,
	    "more than %d proposals refused", IKEV2_MAX_PROPS);
	buf_free(&big);
	/* ... while sixteen are fine. */
	buf_init(&big);
	ikev2_bld_msg(&bld, &big, ispi, rspi, IKEV2_EXCH_IKE_SA_INIT, 0, 0);
	sa->nprops = IKEV2_MAX_PROPS;
	for (i = 0; i < sa->nprops; i++) {
		sa->props[i].num = i + 1;
		sa->props[i].proto = IKEV2_PROTO_IKE;
		sa->props[i].nxforms = 1;
	}
	ikev2_bld_sa(&bld, sa);
	ikev2_bld_msg_done(&bld);
	ok(parse(bad_m, &big) == 0 && bad_m->sa.nprops == IKEV2_MAX_PROPS,
	    "%d proposals accepted", IKEV2_MAX_PROPS);
	buf_free(&big);
	free(sa);
}

static void
test_malformed(void)
{
	static const uint8_t idb[8] = { IKEV2_ID_FQDN, 0, 0, 0, 'a', 'b' };
	static const uint8_t v4id[7] = { IKEV2_ID_IPV4_ADDR, 0, 0, 0, 1, 2, 3 };
	static const uint8_t tsb[24] = { 1, 0, 0, 0, IKEV2_TS_IPV4_ADDR_RANGE,
	    0, 0, 16, 0, 0, 0xff, 0xff };
	static const uint8_t delb[12] = { IKEV2_PROTO_ESP, 4, 0, 3, 1, 2, 3, 4,
	    5, 6, 7, 8 };
	static const uint8_t delike[8] = { IKEV2_PROTO_IKE, 4, 0, 1 };
	static const uint8_t skf0[8] = { 0, 0, 0, 1 };
	uint8_t big[300];
	struct buf b, in, msg;
	struct offs o;
	uint8_t first, tsx[sizeof(tsb)];

	bad_m = calloc(1, sizeof(*bad_m));
	memset(big, 0xab, sizeof(big));
	build_init(&b, &o);

	ok(all_truncations_fail(&b),
	    "every truncation of IKE_SA_INIT (%zu prefixes) refused", b.len);
	ok(with16(&b, 26, b.len + 1) == IKEV2_N_INVALID_SYNTAX &&
	    with16(&b, 26, b.len - 1) == IKEV2_N_INVALID_SYNTAX,
	    "IKE length differing from the datagram");
	ok(with8(&b, 17, 0x10) == IKEV2_N_INVALID_MAJOR_VERSION &&
	    with8(&b, 17, 0x30) == IKEV2_N_INVALID_MAJOR_VERSION,
	    "major version 1 and 3 refused");
	ok(with8(&b, 17, 0x21) == 0, "minor version ignored");
	ok(with16(&b, o.sa + 2, 3) == IKEV2_N_INVALID_SYNTAX,
	    "generic length below the generic header");
	ok(with16(&b, o.vid + 2, 9) == IKEV2_N_INVALID_SYNTAX,
	    "generic length past the message");
	ok(with16(&b, o.ke + 2, 0xffff) == IKEV2_N_INVALID_SYNTAX,
	    "generic length 0xffff");
	ok(with16(&b, o.ke + 2, 8) == IKEV2_N_INVALID_SYNTAX,
	    "generic length shorter than truth: chain falls apart");
	ok(with8(&b, o.vid, IKEV2_PLD_NONCE) == IKEV2_N_INVALID_SYNTAX,
	    "Next Payload pointing past the end");
	ok(with8(&b, o.natd + 5, 30) == IKEV2_N_INVALID_SYNTAX,
	    "Notify SPI size past the payload");
	ok(with8(&b, o.nonce, IKEV2_PLD_KE) == IKEV2_N_INVALID_SYNTAX,
	    "second KE payload");
	test_malformed_sa(&b, &o);
	buf_free(&b);

	buf_init(&b);
	buf_add(&b, captured_init, sizeof(captured_init));
	ok(all_truncations_fail(&b),
	    "every truncation of the captured IKE_SA_INIT refused");
	buf_free(&b);

	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_NONCE, 0, nonce,
	    16) == IKEV2_N_INVALID_SYNTAX, "duplicate Nonce");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, 50, 0, big, 10) == 0,
	    "unknown non-critical payload skipped");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, 50, 1, big, 10) ==
	    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD && bad_m->error_data == 50,
	    "unknown critical payload: UNSUPPORTED_CRITICAL_PAYLOAD(50)");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_IDi, 0, idb, 6) ==
	    IKEV2_N_INVALID_SYNTAX, "IDi outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_IDr, 0, idb, 6) ==
	    IKEV2_N_INVALID_SYNTAX, "IDr outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_AUTH, 0, idb, 6) ==
	    IKEV2_N_INVALID_SYNTAX, "AUTH outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_CERT, 0, idb, 6) ==
	    IKEV2_N_INVALID_SYNTAX, "CERT outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_TSi, 0, tsb, 20) ==
	    IKEV2_N_INVALID_SYNTAX, "TSi outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_DELETE, 0, delb, 12) ==
	    IKEV2_N_INVALID_SYNTAX, "Delete outside SK refused");
	ok(init_with(IKEV2_EXCH_IKE_SA_INIT, IKEV2_PLD_SK, 0, big, 40) ==
	    IKEV2_N_INVALID_SYNTAX, "SK in IKE_SA_INIT refused");
	ok(init_with(IKEV2_EXCH_IKE_AUTH, IKEV2_PLD_SA, 0, big, 8) ==
	    IKEV2_N_INVALID_SYNTAX, "cleartext Nonce in IKE_AUTH refused");

	ok(notify_with(IKEV2_N_NAT_DETECTION_SOURCE_IP, big, 19) ==
	    IKEV2_N_INVALID_SYNTAX, "NAT_DETECTION_SOURCE_IP of 19 octets");
	ok(notify_with(IKEV2_N_NAT_DETECTION_DESTINATION_IP, big, 21) ==
	    IKEV2_N_INVALID_SYNTAX, "NAT_DETECTION_DESTINATION_IP of 21");
	ok(notify_with(IKEV2_N_COOKIE, big, 0) == IKEV2_N_INVALID_SYNTAX &&
	    notify_with(IKEV2_N_COOKIE, big, 65) == IKEV2_N_INVALID_SYNTAX &&
	    notify_with(IKEV2_N_COOKIE, big, 64) == 0,
	    "COOKIE of 0 and 65 octets refused, 64 accepted");
	ok(notify_with(IKEV2_N_SIGNATURE_HASH_ALGORITHMS, big, 3) ==
	    IKEV2_N_INVALID_SYNTAX && notify_with(
	    IKEV2_N_SIGNATURE_HASH_ALGORITHMS, big, 0) ==
	    IKEV2_N_INVALID_SYNTAX && notify_with(
	    IKEV2_N_SIGNATURE_HASH_ALGORITHMS, big, 4) == 0,
	    "SIGNATURE_HASH_ALGORITHMS of 3 or 0 octets refused, 4 accepted");
	ok(notify_with(IKEV2_N_INVALID_KE_PAYLOAD, big, 3) ==
	    IKEV2_N_INVALID_SYNTAX, "INVALID_KE_PAYLOAD with 3 data octets");

	/* Nonce limits: 16..256 octets (§3.9). */
	{
		struct ikev2_bld bld;
		size_t n;
		int r[4], i = 0;
		const size_t sizes[4] = { 15, 16, 256, 257 };

		for (i = 0; i < 4; i++) {
			buf_init(&b);
			ikev2_bld_msg(&bld, &b, ispi, rspi,
			    IKEV2_EXCH_IKE_SA_INIT, 0, 0);
			n = sizes[i];
			ikev2_bld_nonce(&bld, big, n);
			ikev2_bld_msg_done(&bld);
			r[i] = parse(bad_m, &b);
			buf_free(&b);
		}
		ok(r[0] == -1 && r[1] == 0 && r[2] == 0 && r[3] == -1,
		    "Nonce of 15 and 257 refused, 16 and 256 accepted");
	}

	/* Inside SK. */
	first = build_auth_inner(&in);
	ok(inner_truncations_fail(first, &in),
	    "every truncation of the IKE_AUTH plaintext refused");
	ok(inner_with(IKEV2_PLD_SK, big, 40) == IKEV2_N_INVALID_SYNTAX,
	    "SK inside SK refused");
	ok(inner_with(IKEV2_PLD_IDi, v4id, 7) == IKEV2_N_INVALID_SYNTAX,
	    "ID_IPV4_ADDR with 3 address octets");
	ok(inner_with(IKEV2_PLD_AUTH, idb, 4) == IKEV2_N_INVALID_SYNTAX,
	    "AUTH without data");
	ok(inner_with(IKEV2_PLD_TSi, tsb, 20) == 0,
	    "one IPv4 TS accepted");
	memcpy(tsx, tsb, sizeof(tsb));
	tsx[0] = 2;
	ok(inner_with(IKEV2_PLD_TSi, tsx, 20) == IKEV2_N_INVALID_SYNTAX,
	    "TS count above the selectors present");
	tsx[0] = 0;
	ok(inner_with(IKEV2_PLD_TSi, tsx, 20) == IKEV2_N_INVALID_SYNTAX,
	    "TS count of zero");
	memcpy(tsx, tsb, sizeof(tsb));
	tsx[7] = 17;
	ok(inner_with(IKEV2_PLD_TSi, tsx, 21) == IKEV2_N_INVALID_SYNTAX,
	    "IPv4 TS with selector length 17");
	tsx[6] = 0xff;
	ok(inner_with(IKEV2_PLD_TSi, tsx, 20) == IKEV2_N_INVALID_SYNTAX,
	    "TS selector length past the payload");
	ok(inner_with(IKEV2_PLD_TSi, tsb, 24) == IKEV2_N_INVALID_SYNTAX,
	    "bytes after the last TS");
	ok(inner_with(IKEV2_PLD_DELETE, delb, 12) == IKEV2_N_INVALID_SYNTAX,
	    "Delete claiming 3 SPIs with 2 present");
	ok(inner_with(IKEV2_PLD_DELETE, delike, 8) == IKEV2_N_INVALID_SYNTAX,
	    "IKE SA Delete with an SPI");

	/* SK must be the last payload. */
	build_sk(&msg, IKEV2_EXCH_IKE_AUTH, first, in.data, in.len);
	buf_add(&msg, "xxxx", 4);
	buf_put_be32(&msg, 24, msg.len);
	ok(parse(bad_m, &msg) == -1, "bytes after SK refused");
	buf_free(&msg);
	build_sk(&msg, IKEV2_EXCH_IKE_AUTH, first, in.data, in.len);
	ok(with16(&msg, 30, in.len + 3) == IKEV2_N_INVALID_SYNTAX,
	    "SK length short of the message end");
	buf_free(&msg);
	{
		struct ikev2_bld bld;
		size_t off;

		buf_init(&msg);
		ikev2_bld_msg(&bld, &msg, ispi, rspi2, IKEV2_EXCH_IKE_AUTH,
		    0, 1);
		off = ikev2_bld_begin(&bld, IKEV2_PLD_SKF, 0);
		buf_add(&msg, skf0, sizeof(skf0));
		ikev2_bld_end(&bld, off);
		ikev2_bld_msg_done(&bld);
		ok(with16(&msg, 32, 0) == IKEV2_N_INVALID_SYNTAX &&
		    with16(&msg, 32, 2) == IKEV2_N_INVALID_SYNTAX &&
		    with16(&msg, 32, 1) == 0 && bad_m->sk.total == 1,
		    "SKF fragment 0 or above total refused, 1 of 1 accepted");
		buf_free(&msg);
	}
	buf_free(&in);
	free(bad_m);
}
