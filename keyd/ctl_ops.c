// SPDX-License-Identifier: ISC
/*
 * keydctl's verbs over the daemon's state: list, initiate, terminate,
 * reload.  See ctl_ops.h; the protocol is ctl.c's.
 *
 * reload builds the new configuration completely before anything
 * changes, so a file with an error leaves the running one in place.  IKE
 * SAs name their connection, so they survive a reload; one whose
 * connection is gone is left to its lifetime (terminate it to end it
 * now).  Trap policies are those of the new file.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ops.h"
#include "id.h"
#include "log.h"
#include "loop.h"

/* The configuration a reload installed (the first one is main()'s). */
static struct keyd_config *reloaded;

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* "10.0.0.0-10.0.0.255[6/80-80]" for a list line; returns buf. */
static char *
ts_text(const struct ikev2_tss_p *t, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < t->nts && o < len; i++) {
		const struct ikev2_ts_p *s = &t->ts[i];
		int af = s->alen == 4 ? AF_INET : AF_INET6;

		inet_ntop(af, s->start, a, sizeof(a));
		inet_ntop(af, s->end, b, sizeof(b));
		o += snprintf(buf + o, len - o, "%s%s-%s", i ? "," : "", a, b);
		if (o < len && (s->proto || s->sport || s->eport != 0xffff))
			o += snprintf(buf + o, len - o, "[%u/%u-%u]", s->proto,
			    s->sport, s->eport);
	}
	return (buf);
}

void
ctl_list(struct keyd *k, struct ctl_reply *r)
{
	char is[17], rs[17], id[ID_TEXT_MAX], la[64], lt[512], rt[512];
	const struct child_sa *ch;
	const struct ike_sa *sa;
	int n = 0;

	for (sa = k->sas; sa; sa = sa->next) {
		if (sa->state == IKE_DEAD)
			continue;
		n++;
		hex(sa->ispi, IKEV2_SPI_SIZE, is);
		hex(sa->rspi, IKEV2_SPI_SIZE, rs);
		/* log_addr() has one static buffer: copy the first */
		snprintf(la, sizeof(la), "%s", log_addr(&sa->addr.local));
		ctl_printf(r, "%s %s_%s %s %s === %s %s", sa->conn, is, rs,
		    ike_state_name(sa->state), la, log_addr(&sa->addr.remote),
		    sa->peer_id.type ? id_format(&sa->peer_id, id, sizeof(id)) :
		    "-");
		for (ch = sa->children; ch; ch = ch->next)
			ctl_printf(r, "  %s %08x/%08x %s %s === %s%s", ch->name,
			    ch->spi_in, ch->spi_out, ch->tunnel ? "tunnel" :
			    "transport", ts_text(&ch->ts_local, lt, sizeof(lt)),
			    ts_text(&ch->ts_remote, rt, sizeof(rt)),
			    ch->installed ? "" : " (not installed)");
	}
	if (n == 0)
		ctl_printf(r, "no IKE SAs");
}

void
ctl_terminate(struct keyd *k, const char *conn, const uint8_t *ispi,
    struct ctl_reply *r)
{
	struct ike_sa *sa;
	char is[17];
	int n = 0;

	for (sa = k->sas; sa; sa = sa->next) {
		if (sa->state == IKE_DEAD ||
		    (conn != NULL && strcmp(sa->conn, conn) != 0) ||
		    (ispi != NULL && memcmp(sa->ispi, ispi, IKEV2_SPI_SIZE)))
			continue;
		hex(sa->ispi, IKEV2_SPI_SIZE, is);
		if (sa->state == IKE_ESTABLISHED) {
			sa->req.active = 0;	/* the Delete goes out now */
			informational_delete_ike(k, sa);
		}
		ike_sa_dead(k, sa, "terminated by keydctl");
		ctl_printf(r, "terminated %s %s", sa->conn, is);
		n++;
	}
	ike_sa_reap(k);
	if (n == 0)
		ctl_error(r, "no IKE SA %s %s", conn ? "of" : "with SPI",
		    conn ? conn : "(given)");
}

static void
op_list(void *arg, struct ctl_reply *r)
{
	struct loop *l = arg;

	ctl_list(&l->k, r);
}

static void
op_initiate(void *arg, const char *conn, const char *child,
    struct ctl_reply *r)
{
	struct loop *l = arg;
	const struct config_conn *c = config_find_conn(l->k.cfg, conn);

	if (c == NULL) {
		ctl_error(r, "no connection '%s'", conn);
		return;
	}
	if (child[0] && config_find_child(c, child) == NULL) {
		ctl_error(r, "connection '%s' has no child '%s'", conn, child);
		return;
	}
	if (loop_initiate(l, conn, child[0] ? child : NULL) < 0) {
		ctl_error(r, "cannot initiate %s (see the log)", conn);
		return;
	}
	ctl_printf(r, "initiating %s%s%s", conn, child[0] ? "/" : "", child);
}

static void
op_terminate(void *arg, const char *conn, const uint8_t *ispi,
    struct ctl_reply *r)
{
	struct loop *l = arg;

	ctl_terminate(&l->k, conn, ispi, r);
}

static void
op_reload(void *arg, struct ctl_reply *r)
{
	struct loop *l = arg;
	struct keyd_config *old = l->k.cfg, *cfg;
	char err[512];

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		ctl_error(r, "out of memory");
		return;
	}
	if (config_load(old->path, cfg, err, sizeof(err)) < 0) {
		free(cfg);
		log_warn("reload refused: %s", err);
		ctl_error(r, "%s (the running configuration stays)", err);
		return;
	}
	loop_traps(l, 1);
	l->k.cfg = cfg;
	loop_traps(l, 0);
	/* main()'s first configuration is emptied, ours freed */
	config_free(old);
	if (old == reloaded)
		free(old);
	reloaded = cfg;
	log_info("reloaded %s: %d connection(s)", cfg->path, cfg->nconns);
	ctl_printf(r, "reloaded %s: %d connection(s)", cfg->path, cfg->nconns);
}

void
ctl_ops_fill(struct ctl_ops *ops, struct loop *l)
{
	*ops = (struct ctl_ops){
		.arg = l, .list = op_list, .initiate = op_initiate,
		.terminate = op_terminate, .reload = op_reload,
	};
}

void
ctl_ops_done(struct loop *l)
{
	if (reloaded != NULL && l->k.cfg == reloaded) {
		config_free(reloaded);
		free(reloaded);
		l->k.cfg = NULL;
	}
	reloaded = NULL;
}
