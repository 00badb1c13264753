/*
 * PF_KEY message bytes: built from a parsed command, and split back into
 * extensions when they come from the kernel.
 *
 * Extensions are laid out in ipsec-tools' order (keys, lifetimes, SA, SA2,
 * addresses for SA messages; policy then addresses for SPD messages), so a
 * trace of ours reads like a trace of KAME setkey on Linux.  Every length
 * is in 64-bit words and every extension is zero-padded to 8 bytes.
 */
#include <string.h>
#include <netinet/in.h>

#include "setkey.h"

struct mbuf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 overflow;
};

size_t
sk_sockaddr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

/* Append a header and a variable part, padded to 8; NULL on overflow. */
static void *
put(struct mbuf *m, uint16_t type, const void *hdr, size_t hlen,
    const void *var, size_t vlen)
{
	size_t total = (hlen + vlen + 7) & ~(size_t)7;
	struct sadb_ext *e;

	if (m->len + total > m->cap) {
		m->overflow = 1;
		return NULL;
	}
	e = (struct sadb_ext *)(m->p + m->len);
	memset(e, 0, total);
	memcpy(e, hdr, hlen);
	if (vlen)
		memcpy((uint8_t *)e + hlen, var, vlen);
	if (type) {	/* 0: the sadb_msg itself, sized at the end */
		e->sadb_ext_len = total / 8;
		e->sadb_ext_type = type;
	}
	m->len += total;
	return e;
}

static void
put_address(struct mbuf *m, uint16_t type, const struct sockaddr_storage *ss,
    uint8_t proto, int plen)
{
	struct sadb_address a;

	memset(&a, 0, sizeof(a));
	a.sadb_address_proto = proto;
	a.sadb_address_prefixlen = plen >= 0 ? plen :
	    ss->ss_family == AF_INET ? 32 : 128;
	put(m, type, &a, sizeof(a), ss,
	    sk_sockaddr_len((const struct sockaddr *)ss));
}

static void
put_key(struct mbuf *m, uint16_t type, const uint8_t *key, size_t len)
{
	struct sadb_key k;

	memset(&k, 0, sizeof(k));
	k.sadb_key_bits = len * 8;
	put(m, type, &k, sizeof(k), key, len);
}

static void
put_lifetime(struct mbuf *m, uint16_t type, uint64_t bytes, uint64_t secs)
{
	struct sadb_lifetime l;

	if (bytes == 0 && secs == 0)
		return;
	memset(&l, 0, sizeof(l));
	l.sadb_lifetime_bytes = bytes;
	l.sadb_lifetime_addtime = secs;
	put(m, type, &l, sizeof(l), NULL, 0);
}

static void
put_ctx(struct mbuf *m, const struct sk_cmd *c)
{
	struct sadb_x_sec_ctx x;

	if (c->ctxlen == 0)
		return;
	memset(&x, 0, sizeof(x));
	x.sadb_x_ctx_doi = c->ctx_doi;
	x.sadb_x_ctx_alg = c->ctx_alg;
	x.sadb_x_ctx_len = c->ctxlen;
	put(m, SADB_X_EXT_SEC_CTX, &x, sizeof(x), c->ctx, c->ctxlen);
}

static void
put_sa(struct mbuf *m, const struct sk_cmd *c)
{
	struct nfipsec_sadb_x_sa_replay r;
	struct sadb_x_sa2 sa2;
	struct sadb_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.sadb_sa_spi = htonl(c->spi);
	/* A count of packets; bigger windows go in the nfipsec extension. */
	sa.sadb_sa_replay = c->replay > 255 ? 255 : c->replay;
	sa.sadb_sa_auth = c->aalg;
	sa.sadb_sa_encrypt = c->ealg;
	sa.sadb_sa_flags = c->flags;
	put(m, SADB_EXT_SA, &sa, sizeof(sa), NULL, 0);

	memset(&sa2, 0, sizeof(sa2));
	sa2.sadb_x_sa2_mode = c->mode;
	sa2.sadb_x_sa2_reqid = c->reqid;
	put(m, SADB_X_EXT_SA2, &sa2, sizeof(sa2), NULL, 0);

	if (c->replay > 255) {
		memset(&r, 0, sizeof(r));
		r.sadb_x_sa_replay_replay = c->replay;
		put(m, NFIPSEC_SADB_X_EXT_SA_REPLAY, &r, sizeof(r), NULL, 0);
	}
	if (c->have_th) {
		struct nfipsec_sadb_x_tunnel_hdr th;

		memset(&th, 0, sizeof(th));
		th.sadb_x_tunnel_hdr_df = c->th_df;
		th.sadb_x_tunnel_hdr_dscp_mode = c->th_dscp_mode;
		th.sadb_x_tunnel_hdr_dscp = c->th_dscp;
		put(m, NFIPSEC_SADB_X_EXT_TUNNEL_HDR, &th, sizeof(th), NULL, 0);
	}
	if (c->tfc) {
		struct nfipsec_sadb_x_tfc tfc;

		memset(&tfc, 0, sizeof(tfc));
		tfc.sadb_x_tfc_padto = c->tfc;
		put(m, NFIPSEC_SADB_X_EXT_TFC, &tfc, sizeof(tfc), NULL, 0);
	}
}

/* esp-udp: the encapsulation, and the NAT-OA if one was given. */
static void
put_natt_type(struct mbuf *m, const struct sk_cmd *c)
{
	struct sadb_x_nat_t_type t;

	memset(&t, 0, sizeof(t));
	t.sadb_x_nat_t_type_type = c->natt;
	put(m, SADB_X_EXT_NAT_T_TYPE, &t, sizeof(t), NULL, 0);
	if (c->have_oa)
		put_address(m, SADB_X_EXT_NAT_T_OA, &c->oa,
		    IPSEC_ULPROTO_ANY, -1);
}

/* The UDP port of one end: the address's [port], else 4500 (RFC 3948). */
static void
put_natt_port(struct mbuf *m, uint16_t type, const struct sockaddr_storage *ss)
{
	struct sadb_x_nat_t_port p;
	uint16_t port;

	port = ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)ss)->sin6_port;
	memset(&p, 0, sizeof(p));
	p.sadb_x_nat_t_port_port = port ? port : htons(4500);
	put(m, type, &p, sizeof(p), NULL, 0);
}

static const uint8_t msgtypes[] = {
	[SK_ADD] = SADB_ADD,		[SK_UPDATE] = SADB_UPDATE,
	[SK_GETSPI] = SADB_GETSPI,	[SK_GET] = SADB_GET,
	[SK_DELETE] = SADB_DELETE,
	[SK_DELETEALL] = SADB_DUMP,	[SK_FLUSH] = SADB_FLUSH,
	[SK_DUMP] = SADB_DUMP,		[SK_SPDADD] = SADB_X_SPDADD,
	[SK_SPDUPDATE] = SADB_X_SPDUPDATE, [SK_SPDDELETE] = SADB_X_SPDDELETE,
	[SK_SPDFLUSH] = SADB_X_SPDFLUSH, [SK_SPDDUMP] = SADB_X_SPDDUMP,
};

/*
 * The message for one command, or -1 if it does not fit.  deleteall has
 * no single message: on Linux an SADB_DELETE must name an SPI (RFC 2367
 * strictly), so its message is the SADB_DUMP that finds the SPIs, and the
 * caller sends one SK_DELETE per match.
 */
ssize_t
sk_msg_build(const struct sk_cmd *c, uint32_t seq, uint32_t pid,
    uint8_t *buf, size_t cap)
{
	struct mbuf m = { buf, 0, cap, 0 };
	struct sadb_msg h, *hp;
	struct sadb_spirange r;
	struct sadb_x_sa2 sa2;

	if (c->type == SK_EXIT)
		return -1;
	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_type = msgtypes[c->type];
	h.sadb_msg_satype = c->satype;
	h.sadb_msg_seq = seq;
	h.sadb_msg_pid = pid;
	if ((hp = put(&m, 0, &h, sizeof(h), NULL, 0)) == NULL)
		return -1;

	switch (c->type) {
	case SK_ADD:
	case SK_UPDATE:
		if (c->satype != SADB_X_SATYPE_IPCOMP && c->have_ekey)
			put_key(&m, SADB_EXT_KEY_ENCRYPT, c->ekey, c->ekeylen);
		if (c->have_akey)
			put_key(&m, SADB_EXT_KEY_AUTH, c->akey, c->akeylen);
		put_lifetime(&m, SADB_EXT_LIFETIME_HARD, c->lb_hard,
		    c->lt_hard);
		put_lifetime(&m, SADB_EXT_LIFETIME_SOFT, c->lb_soft,
		    c->lt_soft);
		put_ctx(&m, c);
		/* FALLTHROUGH */
	case SK_GET:
	case SK_DELETE:
		put_sa(&m, c);
		if (c->natt && (c->type == SK_ADD || c->type == SK_UPDATE))
			put_natt_type(&m, c);
		put_address(&m, SADB_EXT_ADDRESS_SRC, &c->src,
		    IPSEC_ULPROTO_ANY, -1);
		put_address(&m, SADB_EXT_ADDRESS_DST, &c->dst,
		    IPSEC_ULPROTO_ANY, -1);
		if (c->natt && (c->type == SK_ADD || c->type == SK_UPDATE)) {
			put_natt_port(&m, SADB_X_EXT_NAT_T_SPORT, &c->src);
			put_natt_port(&m, SADB_X_EXT_NAT_T_DPORT, &c->dst);
		}
		break;
	case SK_GETSPI:
		/*
		 * RFC 2367 3.1.1: addresses and an SPI range, no SA (ipsec-
		 * tools sends one; nfipsec refuses it). SA2 carries mode and
		 * reqid for af_key. SPI 0 lets the kernel choose.
		 */
		memset(&sa2, 0, sizeof(sa2));
		sa2.sadb_x_sa2_mode = c->mode;
		sa2.sadb_x_sa2_reqid = c->reqid;
		put(&m, SADB_X_EXT_SA2, &sa2, sizeof(sa2), NULL, 0);
		if (c->spi) {
			memset(&r, 0, sizeof(r));
			r.sadb_spirange_min = c->spi;
			r.sadb_spirange_max = c->spi;
			put(&m, SADB_EXT_SPIRANGE, &r, sizeof(r), NULL, 0);
		}
		put_address(&m, SADB_EXT_ADDRESS_SRC, &c->src,
		    IPSEC_ULPROTO_ANY, -1);
		put_address(&m, SADB_EXT_ADDRESS_DST, &c->dst,
		    IPSEC_ULPROTO_ANY, -1);
		break;
	case SK_SPDADD:
	case SK_SPDUPDATE:
	case SK_SPDDELETE:
		if (c->policylen + m.len > m.cap) {
			m.overflow = 1;
			break;
		}
		memcpy(m.p + m.len, c->policy, c->policylen);
		m.len += c->policylen;
		put_address(&m, SADB_EXT_ADDRESS_SRC, &c->src, c->ulproto,
		    c->splen);
		put_address(&m, SADB_EXT_ADDRESS_DST, &c->dst, c->ulproto,
		    c->dplen);
		put_ctx(&m, c);
		break;
	default:
		break;
	}
	if (m.overflow)
		return -1;
	hp->sadb_msg_len = m.len / 8;
	hp->sadb_msg_reserved = 0;
	return m.len;
}

/* Smallest size of each extension we read, so printers may cast. */
static const uint8_t minlen[SK_EXT_SLOTS] = {
	[SADB_EXT_SA] = sizeof(struct sadb_sa),
	[SADB_EXT_LIFETIME_CURRENT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_HARD] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_SOFT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_ADDRESS_SRC] = sizeof(struct sadb_address) + 16,
	[SADB_EXT_ADDRESS_DST] = sizeof(struct sadb_address) + 16,
	[SADB_EXT_ADDRESS_PROXY] = sizeof(struct sadb_address) + 16,
	[SADB_EXT_KEY_AUTH] = sizeof(struct sadb_key),
	[SADB_EXT_KEY_ENCRYPT] = sizeof(struct sadb_key),
	[SADB_X_EXT_POLICY] = sizeof(struct sadb_x_policy),
	[SADB_X_EXT_SA2] = sizeof(struct sadb_x_sa2),
	[SADB_X_EXT_SEC_CTX] = sizeof(struct sadb_x_sec_ctx),
	[SADB_X_EXT_NAT_T_TYPE] = sizeof(struct sadb_x_nat_t_type),
	[SADB_X_EXT_NAT_T_SPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_DPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_OA] = sizeof(struct sadb_address) + 16,
	[NFIPSEC_SADB_X_EXT_SA_REPLAY] =
	    sizeof(struct nfipsec_sadb_x_sa_replay),
	[NFIPSEC_SADB_X_EXT_TUNNEL_HDR] =
	    sizeof(struct nfipsec_sadb_x_tunnel_hdr),
};

/*
 * Split a message into its extensions, ext[type] (NULL when absent).
 * Checked three ways, as iked does: the space left holds a header, the
 * extension's length fits the space left, and the length covers at least
 * its own header.  A repeated extension is an error too.
 */
int
sk_msg_index(const void *buf, size_t len, const struct sadb_ext **ext,
    char *err, size_t errlen)
{
	const struct sadb_msg *h = buf;
	const uint8_t *p = buf;
	size_t off, elen;
	const struct sadb_ext *e;

	memset(ext, 0, SK_EXT_SLOTS * sizeof(*ext));
	if (len < sizeof(*h)) {
		snprintf(err, errlen, "message of %zu bytes is too short", len);
		return -1;
	}
	if ((size_t)h->sadb_msg_len * 8 != len) {
		snprintf(err, errlen, "message says %u bytes, got %zu",
		    h->sadb_msg_len * 8, len);
		return -1;
	}
	for (off = sizeof(*h); off < len; off += elen) {
		if (len - off < sizeof(*e)) {
			snprintf(err, errlen, "truncated extension header");
			return -1;
		}
		e = (const struct sadb_ext *)(p + off);
		elen = (size_t)e->sadb_ext_len * 8;
		if (elen > len - off) {
			snprintf(err, errlen, "extension %u overruns message",
			    e->sadb_ext_type);
			return -1;
		}
		if (elen < sizeof(*e)) {
			snprintf(err, errlen, "extension %u of zero length",
			    e->sadb_ext_type);
			return -1;
		}
		if (e->sadb_ext_type == 0 ||
		    e->sadb_ext_type >= SK_EXT_SLOTS)
			continue;	/* unknown: skip, as RFC 2367 asks */
		if (elen < minlen[e->sadb_ext_type]) {
			snprintf(err, errlen, "extension %u too short",
			    e->sadb_ext_type);
			return -1;
		}
		if (ext[e->sadb_ext_type]) {
			snprintf(err, errlen, "extension %u repeated",
			    e->sadb_ext_type);
			return -1;
		}
		ext[e->sadb_ext_type] = e;
	}
	return 0;
}
