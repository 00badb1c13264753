/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for keyd's payload parser, linked with ikev2_pld.c and
 * nothing else.  Each input is tried two ways:
 *   - as a whole IKE message; if it parses and has an SK payload, the SK
 *     body is then parsed as if it were the decrypted plaintext, so seeds
 *     built with a cleartext "SK" reach every inner payload parser;
 *   - as a bare payload chain: first octet = first payload type.
 * Beyond ASan/UBSan, every span the parser hands out is checked to lie
 * inside the input and is read end to end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_pld.h"

static const uint8_t *lo, *hi;
static volatile uint8_t sink;

static void
touch(struct ikev2_span s)
{
	size_t i;

	if (s.len == 0)
		return;
	if (s.ptr < lo || s.ptr > hi || (size_t)(hi - s.ptr) < s.len)
		abort();		/* a span escaped the buffer */
	for (i = 0; i < s.len; i++)
		sink ^= s.ptr[i];
}

static void
touch_all(const struct ikev2_msg_p *m)
{
	unsigned i;

	touch(m->ke.data); touch(m->nonce);
	touch(m->idi.data); touch(m->idi.body);
	touch(m->idr.data); touch(m->idr.body);
	touch(m->auth.data); touch(m->eap);
	touch(m->cookie); touch(m->natd_dst);
	for (i = 0; i < m->nnatd_src; i++)
		touch(m->natd_src[i]);
	for (i = 0; i < m->ncert; i++)
		touch(m->cert[i].data);
	for (i = 0; i < m->ncertreq; i++)
		touch(m->certreq[i].data);
	for (i = 0; i < m->nnotify; i++) {
		touch(m->notify[i].spi);
		touch(m->notify[i].data);
	}
	for (i = 0; i < m->nvendor; i++)
		touch(m->vendor[i]);
	for (i = 0; i < m->ndelete; i++)
		touch(m->del[i].spis);
	for (i = 0; i < m->cp.ncfg; i++)
		touch(m->cp.cfg[i].value);
	if (m->sa.nprops > IKEV2_MAX_PROPS || m->tsi.nts > IKEV2_MAX_TS ||
	    m->tsr.nts > IKEV2_MAX_TS || m->nnotify > IKEV2_MAX_NOTIFY)
		abort();
	for (i = 0; i < m->sa.nprops; i++)
		if (m->sa.props[i].nxforms > IKEV2_MAX_XFORMS)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ikev2_msg_p m;

	lo = data;
	hi = data + size;
	if (ikev2_pld_parse(&m, data, size) == 0) {
		touch_all(&m);
		if (m.seen & IKEV2_SEEN(IKEV2_PLD_SK)) {
			touch(m.sk.body);
			if (ikev2_pld_parse_inner(&m, m.sk.first,
			    m.sk.body.ptr, m.sk.body.len) == 0)
				touch_all(&m);
		}
	} else if (m.error == 0)
		abort();		/* failures always say why */

	if (size >= 1) {
		memset(&m, 0, sizeof(m));
		m.exchange = IKEV2_EXCH_IKE_AUTH;
		if (ikev2_pld_parse_inner(&m, data[0], size > 1 ?
		    data + 1 : NULL, size - 1) == 0)
			touch_all(&m);
		else if (m.error == 0)
			abort();
	}
	return (0);
}
