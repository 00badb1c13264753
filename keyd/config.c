/* SPDX-License-Identifier: ISC */
/*
 * keyd.conf: from the syntax tree (config_tree.c) to a struct keyd_config
 * (config.h), with every key, value and cross-reference checked.  The
 * first error stops the load and names its line.  Secrets and the PAD
 * are in config_sec.c; the reference is Documentation/keyd.conf.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_sec.h"
#include "id.h"
#include "pad.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Defaults that interoperate with strongSwan's own defaults. */
static const char default_ike[] =
    "aes128gcm16-prfsha256-x25519-ecp256-modp3072, "
    "aes128-sha256-x25519-ecp256-modp3072";
static const char default_esp[] = "aes128gcm16, aes128-sha256";

int __attribute__((format(printf, 3, 4)))
cfg_err(struct cctx *c, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->path, line, msg);
	return (-1);
}

int
cfg_bad(struct cctx *c, const struct cnode *n, const char *why)
{
	return (cfg_err(c, n->line, "%s: %s", n->key, why));
}

int
cfg_unknown(struct cctx *c, const struct cnode *n, const char *where)
{
	return (cfg_err(c, n->line, "unknown %s '%s' in %s",
	    n->value ? "key" : "section", n->key, where));
}

int
cfg_value(struct cctx *c, const struct cnode *n)
{
	if (n->value == NULL)
		return (cfg_err(c, n->line, "'%s' is a key, not a section",
		    n->key));
	return (0);
}

int
cfg_section(struct cctx *c, const struct cnode *n)
{
	if (n->value != NULL)
		return (cfg_err(c, n->line, "'%s' is a section: '%s { ... }'",
		    n->key, n->key));
	return (0);
}

int
cfg_bool(struct cctx *c, const struct cnode *n, int *v)
{
	const char *why;

	if (cfg_value(c, n) < 0)
		return (-1);
	return ((why = cv_bool(n->value, v)) ? cfg_bad(c, n, why) : 0);
}

static int
cfg_duration(struct cctx *c, const struct cnode *n, uint64_t *v)
{
	const char *why;

	if (cfg_value(c, n) < 0)
		return (-1);
	return ((why = cv_duration(n->value, v)) ? cfg_bad(c, n, why) : 0);
}

static int
cfg_count(struct cctx *c, const struct cnode *n, uint64_t *v)
{
	const char *why;

	if (cfg_value(c, n) < 0)
		return (-1);
	return ((why = cv_count(n->value, v)) ? cfg_bad(c, n, why) : 0);
}

static int
cfg_name(struct cctx *c, const struct cnode *n, char *dst)
{
	if (strlen(n->key) >= CONFIG_NAME_MAX)
		return (cfg_err(c, n->line, "name '%s' too long", n->key));
	strcpy(dst, n->key);
	return (0);
}

/*
 * A list value: items[] point into *buf, which the caller frees.  Counts
 * over max are refused rather than cut.
 */
int
cfg_list(struct cctx *c, const struct cnode *n, char **buf, char **items,
    int max)
{
	int k;

	*buf = NULL;
	if (cfg_value(c, n) < 0)
		return (-1);
	if ((*buf = strdup(n->value)) == NULL)
		return (cfg_err(c, n->line, "out of memory"));
	if ((k = cv_split(*buf, items, max)) < 0) {
		free(*buf);
		*buf = NULL;
		return (cfg_err(c, n->line, "%s: expected 1 to %d "
		    "comma-separated items", n->key, max));
	}
	return (k);
}

int
cfg_addrs(struct cctx *c, const struct cnode *n, struct config_addr *out,
    int *cnt)
{
	char *buf, *items[CONFIG_ADDRS_MAX];
	const char *why = NULL;
	int k, i;

	if ((k = cfg_list(c, n, &buf, items, CONFIG_ADDRS_MAX)) < 0)
		return (-1);
	for (i = 0; i < k && why == NULL; i++)
		why = cv_addr(items[i], &out[i]);
	free(buf);
	*cnt = k;
	return (why ? cfg_bad(c, n, why) : 0);
}

int
cfg_tss(struct cctx *c, const struct cnode *n, struct config_ts *out,
    int *cnt)
{
	char *buf, *items[CONFIG_TS_MAX];
	const char *why = NULL;
	int k, i;

	if ((k = cfg_list(c, n, &buf, items, CONFIG_TS_MAX)) < 0)
		return (-1);
	for (i = 0; i < k && why == NULL; i++)
		why = cv_ts(items[i], &out[i]);
	free(buf);
	*cnt = k;
	return (why ? cfg_bad(c, n, why) : 0);
}

static int
cfg_proposals(struct cctx *c, const struct cnode *n, const char *text,
    int esp, struct config_proposal *out, int *cnt)
{
	char *buf, *items[CONFIG_PROPOSALS_MAX];
	const char *why = NULL;
	int k, i;

	if (n != NULL && (k = cfg_list(c, n, &buf, items,
	    CONFIG_PROPOSALS_MAX)) < 0)
		return (-1);
	if (n == NULL) {
		buf = strdup(text);
		k = buf ? cv_split(buf, items, CONFIG_PROPOSALS_MAX) : -1;
	}
	for (i = 0; i < k && why == NULL; i++)
		why = cv_proposal(items[i], esp, &out[i]);
	free(buf);
	*cnt = k;
	if (why != NULL && n == NULL)
		return (cfg_err(c, 0, "default proposals: %s", why));
	return (why ? cfg_bad(c, n, why) : 0);
}

/* A file the daemon will read, relative to the config's directory. */
int
cfg_path(struct cctx *c, const struct cnode *n, char *dst, size_t len)
{
	int r;

	if (cfg_value(c, n) < 0)
		return (-1);
	if (n->value[0] == '/')
		r = snprintf(dst, len, "%s", n->value);
	else
		r = snprintf(dst, len, "%s/%s", c->dir, n->value);
	if (r < 0 || (size_t)r >= len)
		return (cfg_bad(c, n, "file name too long"));
	if (access(dst, R_OK) < 0)
		return (cfg_err(c, n->line, "%s: cannot read %s: %s", n->key,
		    dst, strerror(errno)));
	return (0);
}

static int
cfg_auth(struct cctx *c, const struct cnode *n, enum config_auth *v)
{
	if (cfg_value(c, n) < 0)
		return (-1);
	if (!strcmp(n->value, "psk"))
		*v = AUTH_PSK;
	else if (!strcmp(n->value, "pubkey"))
		*v = AUTH_PUBKEY;
	else
		return (cfg_bad(c, n, "expected psk or pubkey"));
	return (0);
}

int
cfg_idpat(struct cctx *c, const struct cnode *n, struct config_idpattern *p)
{
	const char *why;

	if (cfg_value(c, n) < 0)
		return (-1);
	return (idpat_parse(n->value, p, &why) < 0 ? cfg_bad(c, n, why) : 0);
}

/* local { } or remote { } */
static int
end_parse(struct cctx *c, const struct cnode *sec, struct config_end *e,
    int local)
{
	const struct cnode *n, *auth = NULL;
	const char *why;

	e->send_certreq = 1;
	e->idpat.match = IDMATCH_ANY;
	for (n = sec->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "auth")) {
			if (cfg_auth(c, n, &e->auth) < 0)
				return (-1);
			auth = n;
		} else if (!strcmp(n->key, "id") && local) {
			if (cfg_value(c, n) < 0)
				return (-1);
			if (id_parse(n->value, &e->id, &why) < 0)
				return (cfg_bad(c, n, why));
		} else if (!strcmp(n->key, "id")) {
			if (cfg_idpat(c, n, &e->idpat) < 0)
				return (-1);
		} else if (!strcmp(n->key, "certs") && local) {
			if (cfg_path(c, n, e->cert, sizeof(e->cert)) < 0)
				return (-1);
		} else if (!strcmp(n->key, "cacerts") && !local) {
			if (cfg_cacerts(c, n, e->cacerts, sizeof(e->cacerts)) < 0)
				return (-1);
		} else if (!strcmp(n->key, "send_certreq") && !local) {
			if (cfg_bool(c, n, &e->send_certreq) < 0)
				return (-1);
		} else {
			return (cfg_unknown(c, n, local ? "local" : "remote"));
		}
	}
	if (auth == NULL)
		return (cfg_err(c, sec->line, "%s: missing auth", sec->key));
	if (e->auth == AUTH_PUBKEY && local && !e->cert[0])
		return (cfg_err(c, auth->line, "local: auth = pubkey needs "
		    "certs"));
	if (e->auth == AUTH_PUBKEY && !local && !e->cacerts[0])
		return (cfg_err(c, auth->line, "remote: auth = pubkey needs "
		    "cacerts"));
	return (0);
}

static int
start_parse(struct cctx *c, const struct cnode *n, enum config_start *v)
{
	if (cfg_value(c, n) < 0)
		return (-1);
	if (!strcmp(n->value, "none"))
		*v = START_NONE;
	else if (!strcmp(n->value, "trap"))
		*v = START_TRAP;
	else if (!strcmp(n->value, "start"))
		*v = START_START;
	else
		return (cfg_bad(c, n, "expected none, trap or start"));
	return (0);
}

/* Soft before hard; a hard limit defaults to soft + 10%. */
static int
limits(struct cctx *c, int line, const char *what, uint64_t soft,
    uint64_t *hard)
{
	if (*hard == 0 && soft != 0)
		*hard = soft + soft / 10 + (soft < 10);
	if (soft != 0 && soft >= *hard)
		return (cfg_err(c, line, "rekey_%s must be below life_%s",
		    what, what));
	return (0);
}

static int
child_parse(struct cctx *c, const struct cnode *sec, struct config_child *ch)
{
	const struct cnode *n, *esp = NULL;
	uint64_t v;

	if (cfg_section(c, sec) < 0 || cfg_name(c, sec, ch->name) < 0)
		return (-1);
	ch->mode_tunnel = 1;
	ch->replay_window = 64;	/* RFC 4303 §3.4.3: SHOULD be the default */
	ch->rekey_time = 3600;
	for (n = sec->child; n != NULL; n = n->next) {
		int r;

		if (!strcmp(n->key, "local_ts"))
			r = cfg_tss(c, n, ch->local_ts, &ch->nlocal_ts);
		else if (!strcmp(n->key, "remote_ts"))
			r = cfg_tss(c, n, ch->remote_ts, &ch->nremote_ts);
		else if (!strcmp(n->key, "mode")) {
			r = cfg_value(c, n);
			if (r == 0 && !strcmp(n->value, "tunnel"))
				ch->mode_tunnel = 1;
			else if (r == 0 && !strcmp(n->value, "transport"))
				ch->mode_tunnel = 0;
			else if (r == 0)
				r = cfg_bad(c, n, "expected tunnel or transport");
		} else if (!strcmp(n->key, "esp_proposals")) {
			esp = n;
			r = cfg_proposals(c, n, NULL, 1, ch->esp, &ch->nesp);
		} else if (!strcmp(n->key, "start_action"))
			r = start_parse(c, n, &ch->start);
		else if (!strcmp(n->key, "rekey_time"))
			r = cfg_duration(c, n, &ch->rekey_time);
		else if (!strcmp(n->key, "life_time"))
			r = cfg_duration(c, n, &ch->life_time);
		else if (!strcmp(n->key, "rekey_bytes"))
			r = cfg_count(c, n, &ch->rekey_bytes);
		else if (!strcmp(n->key, "life_bytes"))
			r = cfg_count(c, n, &ch->life_bytes);
		else if (!strcmp(n->key, "rekey_packets"))
			r = cfg_count(c, n, &ch->rekey_packets);
		else if (!strcmp(n->key, "life_packets"))
			r = cfg_count(c, n, &ch->life_packets);
		else if (!strcmp(n->key, "replay_window")) {
			r = cfg_value(c, n);
			/* nfipsec's limit (NFIPSEC_REPLAY_MAX) */
			if (r == 0 && cv_uint(n->value, 65536, &v) != NULL)
				r = cfg_bad(c, n, "expected 0 to 65536 packets");
			ch->replay_window = v;
		} else
			r = cfg_unknown(c, n, "a child");
		if (r < 0)
			return (-1);
	}
	if (esp == NULL &&
	    cfg_proposals(c, NULL, default_esp, 1, ch->esp, &ch->nesp) < 0)
		return (-1);
	if (ch->nlocal_ts == 0) {
		ch->nlocal_ts = 1;
		ch->local_ts[0].dynamic = 1;
		ch->local_ts[0].port_hi = 0xffff;
	}
	if (ch->nremote_ts == 0) {
		ch->nremote_ts = 1;
		ch->remote_ts[0].dynamic = 1;
		ch->remote_ts[0].port_hi = 0xffff;
	}
	if (limits(c, sec->line, "time", ch->rekey_time, &ch->life_time) < 0 ||
	    limits(c, sec->line, "bytes", ch->rekey_bytes, &ch->life_bytes) < 0 ||
	    limits(c, sec->line, "packets", ch->rekey_packets,
	    &ch->life_packets) < 0)
		return (-1);
	return (0);
}

static int
children_parse(struct cctx *c, const struct cnode *sec, struct config_conn *co)
{
	const struct cnode *n;
	int k = 0;

	if (cfg_section(c, sec) < 0)
		return (-1);
	for (n = sec->child; n != NULL; n = n->next)
		k++;
	if (k == 0)
		return (cfg_err(c, sec->line, "children: no child"));
	if ((co->children = calloc(k, sizeof(*co->children))) == NULL)
		return (cfg_err(c, sec->line, "out of memory"));
	for (n = sec->child; n != NULL; n = n->next)
		if (child_parse(c, n, &co->children[co->nchildren++]) < 0)
			return (-1);
	return (0);
}

static int
single_host(const struct config_addr *a)
{
	return (a->family != AF_UNSPEC &&
	    memcmp(&a->lo, &a->hi, sizeof(a->lo)) == 0);
}

/* Cross-checks that need the whole connection. */
static int
conn_check(struct cctx *c, const struct cnode *sec, struct config_conn *co)
{
	const struct config_child *ch;
	int i, j;

	if (co->nchildren == 0)
		return (cfg_err(c, sec->line, "connection '%s' has no children",
		    co->name));
	for (i = 0; i < co->nchildren; i++) {
		ch = &co->children[i];
		if (ch->start == START_NONE)
			continue;
		if (co->nremote_addrs != 1 || !single_host(&co->remote_addrs[0]))
			return (cfg_err(c, sec->line, "%s/%s: start_action "
			    "needs one remote_addrs host to initiate to",
			    co->name, ch->name));
		for (j = 0; j < ch->nlocal_ts; j++)
			if (ch->start == START_TRAP && ch->local_ts[j].dynamic &&
			    (co->nlocal_addrs != 1 ||
			    !single_host(&co->local_addrs[0])))
				return (cfg_err(c, sec->line, "%s/%s: trap "
				    "with a dynamic local_ts needs one "
				    "local_addrs host", co->name, ch->name));
	}
	for (i = 0; i < co->nchildren; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(co->children[i].name, co->children[j].name))
				return (cfg_err(c, sec->line, "child '%s' "
				    "twice", co->children[i].name));
	if (limits(c, sec->line, "time", co->rekey_time, &co->over_time) < 0)
		return (-1);
	co->over_time -= co->rekey_time;
	return (0);
}

static int
conn_parse(struct cctx *c, const struct cnode *sec, struct config_conn *co)
{
	const struct cnode *n, *local = NULL, *remote = NULL, *ike = NULL;
	uint64_t v, over = 0;
	int r, overset = 0;

	if (cfg_section(c, sec) < 0 || cfg_name(c, sec, co->name) < 0)
		return (-1);
	co->local_port = co->remote_port = 500;
	co->rekey_time = 4 * 3600;
	co->natt = 1;
	co->keepalive = 20;	/* NAT UDP state often lasts 30 s */
	for (n = sec->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "local_addrs"))
			r = cfg_addrs(c, n, co->local_addrs, &co->nlocal_addrs);
		else if (!strcmp(n->key, "remote_addrs"))
			r = cfg_addrs(c, n, co->remote_addrs,
			    &co->nremote_addrs);
		else if (!strcmp(n->key, "local_port") ||
		    !strcmp(n->key, "remote_port")) {
			r = cfg_value(c, n);
			if (r == 0 && (cv_uint(n->value, 65535, &v) || v == 0))
				r = cfg_bad(c, n, "expected a port 1-65535");
			*(n->key[0] == 'l' ? &co->local_port :
			    &co->remote_port) = v;
		} else if (!strcmp(n->key, "proposals")) {
			ike = n;
			r = cfg_proposals(c, n, NULL, 0, co->ike, &co->nike);
		} else if (!strcmp(n->key, "local")) {
			local = n;
			r = cfg_section(c, n) ? -1 :
			    end_parse(c, n, &co->local, 1);
		} else if (!strcmp(n->key, "remote")) {
			remote = n;
			r = cfg_section(c, n) ? -1 :
			    end_parse(c, n, &co->remote, 0);
		} else if (!strcmp(n->key, "children"))
			r = children_parse(c, n, co);
		else if (!strcmp(n->key, "rekey_time"))
			r = cfg_duration(c, n, &co->rekey_time);
		else if (!strcmp(n->key, "over_time")) {
			r = cfg_duration(c, n, &over);
			overset = 1;
		} else if (!strcmp(n->key, "dpd_delay")) {
			r = cfg_duration(c, n, &v);
			if (r == 0 && v > UINT32_MAX)
				r = cfg_bad(c, n, "too long");
			co->dpd_delay = v;
		} else if (!strcmp(n->key, "encap"))
			r = cfg_bool(c, n, &co->encap);
		else if (!strcmp(n->key, "nat_traversal"))
			r = cfg_bool(c, n, &co->natt);
		else if (!strcmp(n->key, "keepalive")) {
			r = cfg_duration(c, n, &v);
			if (r == 0 && v > 3600)
				r = cfg_bad(c, n, "at most 1h");
			co->keepalive = v;
		} else if (!strcmp(n->key, "mobike")) {
			r = cfg_bool(c, n, &co->mobike);
			if (r == 0 && co->mobike)
				r = cfg_bad(c, n, "MOBIKE is not supported");
		} else
			r = cfg_unknown(c, n, "a connection");
		if (r < 0)
			return (-1);
	}
	if (local == NULL)
		return (cfg_err(c, sec->line, "%s: missing local { }",
		    co->name));
	if (remote == NULL)
		return (cfg_err(c, sec->line, "%s: missing remote { }",
		    co->name));
	if (ike == NULL &&
	    cfg_proposals(c, NULL, default_ike, 0, co->ike, &co->nike) < 0)
		return (-1);
	if (co->nlocal_addrs == 0)
		co->nlocal_addrs = 1;	/* zeroed: AF_UNSPEC, %any */
	if (co->nremote_addrs == 0)
		co->nremote_addrs = 1;
	/* over_time: hard IKE lifetime past rekey_time; default 10%. */
	co->over_time = overset ? co->rekey_time + over : 0;
	if (overset && over == 0)
		return (cfg_err(c, sec->line, "%s: over_time must not be 0",
		    co->name));
	if (co->encap && !co->natt)
		return (cfg_err(c, sec->line,
		    "%s: encap = yes needs nat_traversal = yes", co->name));
	return (conn_check(c, sec, co));
}

static int
connections_parse(struct cctx *c, const struct cnode *sec)
{
	struct keyd_config *cfg = c->cfg;
	const struct cnode *n;
	int k = 0, i;

	if (cfg_section(c, sec) < 0)
		return (-1);
	for (n = sec->child; n != NULL; n = n->next)
		k++;
	if (k && (cfg->conns = calloc(k, sizeof(*cfg->conns))) == NULL)
		return (cfg_err(c, sec->line, "out of memory"));
	for (n = sec->child; n != NULL; n = n->next) {
		if (conn_parse(c, n, &cfg->conns[cfg->nconns++]) < 0)
			return (-1);
		for (i = 0; i < cfg->nconns - 1; i++)
			if (!strcmp(cfg->conns[i].name, n->key))
				return (cfg_err(c, n->line,
				    "connection '%s' twice", n->key));
	}
	return (0);
}

static int
log_level(struct cctx *c, const struct cnode *n)
{
	/* log.h's LOG_LVL_WARN, _INFO, _DEBUG */
	static const char *const names[] = { "warning", "info", "debug" };
	uint64_t v;
	size_t i;

	if (cfg_value(c, n) < 0)
		return (-1);
	for (i = 0; i < nitems(names); i++)
		if (!strcmp(n->value, names[i])) {
			c->cfg->log_level = i;
			return (0);
		}
	if (cv_uint(n->value, nitems(names) - 1, &v) != NULL)
		return (cfg_bad(c, n, "expected warning, info or debug"));
	c->cfg->log_level = v;
	return (0);
}

static int
top_parse(struct cctx *c, const struct cnode *root)
{
	const struct cnode *n, *secrets = NULL, *pad = NULL;
	int r;

	strcpy(c->cfg->ctl_socket, "/run/keyd.ctl");
	c->cfg->log_level = 1;		/* info */
	for (n = root->child; n != NULL; n = n->next) {
		if (!strcmp(n->key, "connections"))
			r = connections_parse(c, n);
		else if (!strcmp(n->key, "secrets"))
			r = cfg_section(c, secrets = n);
		else if (!strcmp(n->key, "pad"))
			r = cfg_section(c, pad = n);
		else if (!strcmp(n->key, "ctl_socket")) {
			r = cfg_value(c, n);
			if (r == 0 && (n->value[0] != '/' || strlen(n->value) >=
			    sizeof(c->cfg->ctl_socket)))
				r = cfg_bad(c, n, "expected an absolute path "
				    "under 108 characters");
			else if (r == 0)
				strcpy(c->cfg->ctl_socket, n->value);
		} else if (!strcmp(n->key, "log_level"))
			r = log_level(c, n);
		else
			r = cfg_unknown(c, n, "the top level");
		if (r < 0)
			return (-1);
	}
	/* Secrets first: the PAD and connection checks look up PSKs. */
	if (secrets != NULL && secrets_parse(c, secrets) < 0)
		return (-1);
	if (pad != NULL && pad_parse(c, pad) < 0)
		return (-1);
	return (config_check(c, root));
}

int
config_parse(const char *path, const char *text, size_t len,
    struct keyd_config *cfg, char *err, size_t errlen)
{
	struct cctx c = { .path = path, .err = err, .errlen = errlen,
	    .cfg = cfg };
	struct cnode *root;
	const char *d;
	char *copy, abs[PATH_MAX];
	int r;

	memset(cfg, 0, sizeof(*cfg));
	/*
	 * Absolute names: a daemon chdir()s to / and still reads certificates
	 * at IKE_AUTH and the file again on reload.  Errors name the file as
	 * it was given.
	 */
	d = realpath(path, abs) != NULL ? abs : path;
	if (strlen(d) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return (-1);
	}
	strcpy(cfg->path, d);
	if ((copy = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return (-1);
	}
	d = dirname(copy);
	if (realpath(d, abs) != NULL)
		d = abs;
	if (strlen(d) >= sizeof(c.dir)) {
		snprintf(err, errlen, "%s: directory name too long", path);
		free(copy);
		return (-1);
	}
	strcpy(c.dir, d);
	free(copy);
	if ((root = ctree_parse(path, text, len, err, errlen)) == NULL)
		return (-1);
	r = top_parse(&c, root);
	ctree_free(root);
	if (r < 0)
		config_free(cfg);
	return (r);
}

int
config_load(const char *path, struct keyd_config *cfg, char *err,
    size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd, r;

	memset(cfg, 0, sizeof(*cfg));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CTREE_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file under 1 MiB",
		    path);
		close(fd);
		return (-1);
	}
	if ((text = malloc(st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return (-1);
	}
	n = read(fd, text, st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(text);
		return (-1);
	}
	r = config_parse(path, text, n, cfg, err, errlen);
	memset(text, 0, n);	/* it holds the PSKs */
	free(text);
	return (r);
}

void
config_free(struct keyd_config *cfg)
{
	int i;

	for (i = 0; i < cfg->nconns; i++)
		free(cfg->conns[i].children);
	free(cfg->conns);
	for (i = 0; i < cfg->nsecrets; i++) {
		if (cfg->secrets[i].data != NULL) {
			explicit_bzero(cfg->secrets[i].data,
			    cfg->secrets[i].len);
			free(cfg->secrets[i].data);
		}
	}
	free(cfg->secrets);
	free(cfg->pad);
	memset(cfg, 0, sizeof(*cfg));
}

const struct config_conn *
config_find_conn(const struct keyd_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->nconns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return (&cfg->conns[i]);
	return (NULL);
}

const struct config_child *
config_find_child(const struct config_conn *co, const char *name)
{
	int i;

	for (i = 0; i < co->nchildren; i++)
		if (!strcmp(co->children[i].name, name))
			return (&co->children[i]);
	return (NULL);
}
