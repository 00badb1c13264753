/* SPDX-License-Identifier: ISC */
/*
 * keyd.conf `secrets { }` and `pad { }`, the checks that need the whole
 * file (a PSK for every PSK connection, a key for every certificate), and
 * the PAD entries each connection implies.  See config_sec.h, pad.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "config_sec.h"
#include "id.h"
#include "pad.h"

/* A CA bundle: readable, and every certificate in it a CA. */
int
cfg_cacerts(struct cctx *c, const struct cnode *n, char *dst, size_t len)
{
	char why[CERT_WHY_MAX];
	struct cert_ca *ca;

	if (cfg_path(c, n, dst, len) < 0)
		return (-1);
	if ((ca = cert_ca_load(dst, why, sizeof(why))) == NULL)
		return (cfg_bad(c, n, why));
	cert_ca_free(ca);
	return (0);
}

static const struct cnode *
child_node(const struct cnode *sec, const char *key)
{
	const struct cnode *n;

	for (n = sec ? sec->child : NULL; n != NULL; n = n->next)
		if (!strcmp(n->key, key))
			return (n);
	return (NULL);
}

/* ike-NAME / NAME { id = ..; id-2 = ..; secret = .. } */
static int
psk_parse(struct cctx *c, const struct cnode *sec, struct config_secret *s)
{
	const struct cnode *n, *secret = NULL;
	const char *why;

	s->is_psk = 1;
	for (n = sec->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "id") || !strncmp(n->key, "id-", 3)) {
			if (s->nids == (int)(sizeof(s->ids) / sizeof(s->ids[0])))
				return (cfg_bad(c, n, "too many ids"));
			if (cfg_idpat(c, n, &s->ids[s->nids++]) < 0)
				return (-1);
		} else if (!strcmp(n->key, "secret")) {
			if (cfg_value(c, n) < 0)
				return (-1);
			if ((why = cv_secret(n->value, &s->data, &s->len)))
				return (cfg_bad(c, n, why));
			secret = n;
		} else {
			return (cfg_unknown(c, n, "a secret"));
		}
	}
	if (secret == NULL)
		return (cfg_err(c, sec->line, "%s: missing secret", sec->key));
	return (0);
}

/* private-NAME { file = key.pem } */
static int
key_parse(struct cctx *c, const struct cnode *sec, struct config_secret *s)
{
	const struct cnode *n;

	for (n = sec->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "file")) {
			if (cfg_path(c, n, s->file, sizeof(s->file)) < 0)
				return (-1);
		} else {
			return (cfg_unknown(c, n, "a private key"));
		}
	}
	if (!s->file[0])
		return (cfg_err(c, sec->line, "%s: missing file", sec->key));
	return (0);
}

int
secrets_parse(struct cctx *c, const struct cnode *sec)
{
	struct keyd_config *cfg = c->cfg;
	struct config_secret *s;
	const struct cnode *n;
	int k = 0, r;

	for (n = sec->child; n != NULL; n = n->next)
		k++;
	if (k && (cfg->secrets = calloc(k, sizeof(*cfg->secrets))) == NULL)
		return (cfg_err(c, sec->line, "out of memory"));
	for (n = sec->child; n != NULL; n = n->next) {
		s = &cfg->secrets[cfg->nsecrets++];
		if (cfg_section(c, n) < 0)
			return (-1);
		if (strlen(n->key) >= sizeof(s->name))
			return (cfg_err(c, n->line, "name too long"));
		strcpy(s->name, n->key);
		if (!strncmp(n->key, "private", 7))
			r = key_parse(c, n, s);
		else
			r = psk_parse(c, n, s);
		if (r < 0)
			return (-1);
	}
	return (0);
}

/* Is there a PSK secret whose ids hold this very pattern, or a peer it
 * admits (per-peer PSKs under one wildcard entry)? */
static int
psk_for_pattern(const struct keyd_config *cfg,
    const struct config_idpattern *pat)
{
	const struct config_secret *s;
	int i, j;

	for (i = 0; i < cfg->nsecrets; i++) {
		s = &cfg->secrets[i];
		for (j = 0; s->is_psk && j < s->nids; j++)
			/* a per-peer PSK for someone the pattern admits */
			if ((s->ids[j].match == IDMATCH_EXACT &&
			    idpat_match(pat, &s->ids[j].id)) ||
			    (s->ids[j].match == pat->match &&
			    s->ids[j].id.type == pat->id.type &&
			    s->ids[j].id.len == pat->id.len &&
			    !memcmp(s->ids[j].id.data, pat->id.data,
			    pat->id.len) &&
			    !memcmp(&s->ids[j].range, &pat->range,
			    sizeof(pat->range))))
				return (1);
	}
	return (0);
}

static int
pad_entry(struct cctx *c, const struct cnode *sec, struct config_pad *p)
{
	const struct cnode *n, *id = NULL, *auth = NULL, *byname = NULL;
	const struct cnode *lts = NULL;
	char name[NAME_SEL_MAX + 1];
	uint8_t ntype;
	int r;

	if (cfg_section(c, sec) < 0)
		return (-1);
	if (strlen(sec->key) >= sizeof(p->name))
		return (cfg_err(c, sec->line, "name too long"));
	strcpy(p->name, sec->key);
	for (n = sec->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "id")) {
			r = cfg_idpat(c, id = n, &p->idpat);
		} else if (!strcmp(n->key, "auth")) {
			auth = n;
			r = cfg_value(c, n);
			if (r == 0 && !strcmp(n->value, "psk"))
				p->auth = AUTH_PSK;
			else if (r == 0 && !strcmp(n->value, "pubkey"))
				p->auth = AUTH_PUBKEY;
			else if (r == 0)
				r = cfg_bad(c, n, "expected psk or pubkey");
		} else if (!strcmp(n->key, "cacerts")) {
			r = cfg_cacerts(c, n, p->cacerts, sizeof(p->cacerts));
		} else if (!strcmp(n->key, "remote_ts")) {
			r = cfg_tss(c, n, p->ts, &p->nts);
		} else if (!strcmp(n->key, "remote_addrs")) {
			r = cfg_addrs(c, n, p->addrs, &p->naddrs);
		} else if (!strcmp(n->key, "populate_from_packet")) {
			const char *why;

			r = cfg_value(c, n);
			if (r == 0 && (why = cv_pfp(n->value,
			    &p->populate_from_packet)))
				r = cfg_bad(c, n, why);
		} else if (!strcmp(n->key, "spd_by_name")) {
			r = cfg_bool(c, n, &p->spd_by_name);
			byname = n;
		} else if (!strcmp(n->key, "local_ts")) {
			r = cfg_tss(c, lts = n, p->local_ts, &p->nlocal_ts);
		} else if (!strcmp(n->key, "mark")) {
			const char *why;

			r = cfg_value(c, n);
			if (r == 0 && (why = cv_mark(n->value, &p->mark,
			    &p->mark_mask)))
				r = cfg_bad(c, n, why);
		} else {
			r = cfg_unknown(c, n, "a PAD entry");
		}
		if (r < 0)
			return (-1);
	}
	if (id == NULL)
		return (cfg_err(c, sec->line, "%s: missing id", sec->key));
	if (auth == NULL)
		return (cfg_err(c, sec->line, "%s: missing auth", sec->key));
	if (p->auth == AUTH_PUBKEY && !p->cacerts[0])
		return (cfg_err(c, auth->line, "auth = pubkey needs cacerts"));
	/* A Name policy is the pattern as the kernel says it, over our
	 * selectors: both must exist (pad_spd.c installs them). */
	if (p->spd_by_name && lts == NULL)
		return (cfg_err(c, byname->line,
		    "spd_by_name = yes needs local_ts (the selectors only "
		    "these peers may reach)"));
	if (lts != NULL && !p->spd_by_name)
		return (cfg_err(c, lts->line,
		    "local_ts needs spd_by_name = yes"));
	for (r = 0; r < p->nlocal_ts; r++)
		if (p->local_ts[r].port_lo != p->local_ts[r].port_hi &&
		    (p->local_ts[r].port_lo || p->local_ts[r].port_hi != 0xffff))
			return (cfg_err(c, lts->line, "local_ts: a policy "
			    "takes one port or all (PF_KEY)"));
	for (r = 0; r < p->nlocal_ts; r++) {
		struct sockaddr_storage ss;
		uint8_t pl;

		if (!p->local_ts[r].dynamic &&
		    p->local_ts[r].addr.family != AF_UNSPEC &&
		    cv_addr_prefix(&p->local_ts[r].addr, &ss, &pl) < 0)
			return (cfg_err(c, lts->line, "local_ts: a prefix, "
			    "not a range (PF_KEY)"));
	}
	if (p->spd_by_name && idpat_name(&p->idpat, name, sizeof(name),
	    &ntype) < 0)
		return (cfg_err(c, byname->line, "spd_by_name: the kernel "
		    "matches names only (exact, *.domain, *@domain, %%any), "
		    "not %s", id->value));
	if (p->auth == AUTH_PSK && config_find_psk(c->cfg, NULL,
	    p->idpat.match == IDMATCH_EXACT ? &p->idpat.id : NULL) == NULL &&
	    !psk_for_pattern(c->cfg, &p->idpat))
		return (cfg_err(c, auth->line, "auth = psk but no secret "
		    "matches %s", sec->key));
	return (0);
}

int
pad_parse(struct cctx *c, const struct cnode *sec)
{
	struct keyd_config *cfg = c->cfg;
	const struct cnode *n;
	int k = 0;

	for (n = sec->child; n != NULL; n = n->next)
		k++;
	/* room for the entries the connections imply (config_check) */
	k += cfg->nconns;
	if (k && (cfg->pad = calloc(k, sizeof(*cfg->pad))) == NULL)
		return (cfg_err(c, sec->line, "out of memory"));
	for (n = sec->child; n != NULL; n = n->next)
		if (pad_entry(c, n, &cfg->pad[cfg->npad++]) < 0)
			return (-1);
	return (0);
}

/*
 * With a certificate, our identity must be one it binds (the peer checks
 * the same), and a DN is sent as the certificate's subject octets, so a
 * peer comparing DER (string types and all) sees what it expects.
 * Without an id, the subject is our identity.
 */
static int
local_cert_id(struct cctx *c, const struct cnode *sec, struct config_conn *co,
    const struct cert_local *lc)
{
	const struct cnode *n = child_node(child_node(sec, "local"), "id");
	char txt[ID_TEXT_MAX];

	if (co->local.id.type == 0 || co->local.id.type == IKEV2_ID_DER_ASN1_DN) {
		struct config_id subj;

		if (cert_local_subject(lc, &subj) < 0)
			return (cfg_err(c, sec->line, "%s: certificate subject "
			    "too long for an identity", co->name));
		if (co->local.id.type == 0 || id_equal(&subj, &co->local.id)) {
			co->local.id = subj;
			return (0);
		}
	}
	if (!cert_local_has_id(lc, &co->local.id))
		return (cfg_err(c, n ? n->line : sec->line, "id: %s is not in "
		    "the certificate %s", id_format(&co->local.id, txt,
		    sizeof(txt)), co->local.cert));
	return (0);
}

static int
conn_secrets(struct cctx *c, const struct cnode *sec, struct config_conn *co)
{
	const struct config_idpattern *rp = &co->remote.idpat;
	const struct config_id *lid = co->local.id.type ? &co->local.id : NULL;
	char why[CERT_WHY_MAX];
	struct cert_local *lc;
	const struct cnode *n;
	int r;

	if (co->local.auth == AUTH_PSK || co->remote.auth == AUTH_PSK) {
		n = child_node(sec, co->local.auth == AUTH_PSK ? "local" :
		    "remote");
		if (config_find_psk(c->cfg, lid, rp->match == IDMATCH_EXACT ?
		    &rp->id : NULL) == NULL && !psk_for_pattern(c->cfg, rp))
			return (cfg_err(c, n ? n->line : sec->line, "%s: auth "
			    "= psk but no secret matches its ids", co->name));
	}
	if (co->local.auth == AUTH_PUBKEY) {
		/* the certificate parses and a private-* secret holds its key */
		n = child_node(child_node(sec, "local"), "certs");
		if ((lc = cert_local_load(co->local.cert, c->cfg, why,
		    sizeof(why))) == NULL)
			return (cfg_err(c, n ? n->line : sec->line, "certs: %s",
			    why));
		r = local_cert_id(c, sec, co, lc);
		cert_local_free(lc);
		return (r);
	}
	return (0);
}

/* The PAD entry a connection implies: its remote end and selectors. */
static int
conn_pad(struct cctx *c, const struct cnode *sec, const struct config_conn *co,
    struct config_pad *p)
{
	const struct config_child *ch;
	int i, j;

	memset(p, 0, sizeof(*p));
	strcpy(p->name, co->name);
	strcpy(p->conn, co->name);
	p->idpat = co->remote.idpat;
	p->auth = co->remote.auth;
	strcpy(p->cacerts, co->remote.cacerts);
	for (i = 0; i < co->nremote_addrs; i++)
		if (co->remote_addrs[i].family != AF_UNSPEC)
			p->addrs[p->naddrs++] = co->remote_addrs[i];
	if (p->naddrs != co->nremote_addrs)
		p->naddrs = 0;		/* %any among them */
	for (i = 0; i < co->nchildren; i++) {
		ch = &co->children[i];
		for (j = 0; j < ch->nremote_ts; j++) {
			if (p->nts == CONFIG_TS_MAX)
				return (cfg_err(c, sec->line, "%s: over %d "
				    "remote_ts in all children", co->name,
				    CONFIG_TS_MAX));
			p->ts[p->nts++] = ch->remote_ts[j];
		}
	}
	return (0);
}

int
config_check(struct cctx *c, const struct cnode *root)
{
	struct keyd_config *cfg = c->cfg;
	const struct cnode *conns = child_node(root, "connections"), *n;
	struct config_pad *pad;
	int i;

	if (cfg->pad == NULL && cfg->nconns &&
	    (cfg->pad = calloc(cfg->nconns, sizeof(*cfg->pad))) == NULL)
		return (cfg_err(c, 0, "out of memory"));
	for (i = 0, n = conns ? conns->child : NULL; i < cfg->nconns;
	    i++, n = n->next) {
		if (conn_secrets(c, n, &cfg->conns[i]) < 0)
			return (-1);
		pad = &cfg->pad[cfg->npad++];
		if (conn_pad(c, n, &cfg->conns[i], pad) < 0)
			return (-1);
	}
	return (0);
}

static int
any_match(const struct config_secret *s, const struct config_id *id)
{
	int i;

	for (i = 0; id != NULL && i < s->nids; i++)
		if (idpat_match(&s->ids[i], id))
			return (1);
	return (0);
}

const struct config_secret *
config_find_psk(const struct keyd_config *cfg, const struct config_id *local,
    const struct config_id *remote)
{
	const struct config_secret *best = NULL, *s;
	int i, score, top = 0;

	for (i = 0; i < cfg->nsecrets; i++) {
		s = &cfg->secrets[i];
		if (!s->is_psk)
			continue;
		if (s->nids == 0)
			score = 1;
		else
			score = any_match(s, local) + any_match(s, remote);
		if (score > 0 && s->nids > 0)
			score++;
		if (score > top) {
			top = score;
			best = s;
		}
	}
	return (best);
}
