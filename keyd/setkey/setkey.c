/*
 * setkey: manipulate the kernel's SAD and SPD over PF_KEYv2, with KAME's
 * command language (see Documentation/setkey.8).
 *
 *   setkey -c | -f file        run commands from stdin / a file
 *   setkey -D [-P]             dump the SAD (the SPD with -P)
 *   setkey -F [-P]             flush the SAD (the SPD with -P)
 *   setkey -x                  print every PF_KEY message, forever
 *   -v  decode every message sent and received
 *   -n  parse and show the messages only, touch nothing
 *   -h  this help
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setkey.h"

struct run {
	struct sk_io	 io;
	const char	*file;
	int		 noact;		/* -n */
	int		 failed;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: setkey [-v] -c\n"
	    "       setkey [-nv] -f file\n"
	    "       setkey [-v] -D [-P]\n"
	    "       setkey [-v] -F [-P]\n"
	    "       setkey [-v] -x\n"
	    "       setkey -h\n");
}

static void
fail(struct run *r, const struct sk_cmd *c, const char *what)
{
	fprintf(stderr, "setkey: %s:%d: %s: %s\n", r->file, c->line, c->name,
	    what);
	r->failed = 1;
}

static int
print_sa(const struct sadb_msg *m, size_t len, void *arg)
{
	sk_print_sa(stdout, m, len);
	return 0;
}

static int
print_sp(const struct sadb_msg *m, size_t len, void *arg)
{
	sk_print_sp(stdout, m, len);
	return 0;
}

static int
same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a == NULL || a->sa_family != b->ss_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

struct match {
	const struct sk_cmd	*cmd;
	uint32_t		 spi[1024];
	size_t			 n;
};

/* deleteall: collect the SPIs of SAs between the two addresses. */
static int
collect(const struct sadb_msg *m, size_t len, void *arg)
{
	const struct sadb_ext *x[SK_EXT_SLOTS];
	struct match *mt = arg;
	char err[128];

	if (sk_msg_index(m, len, x, err, sizeof(err)) < 0 ||
	    !x[SADB_EXT_SA] || !x[SADB_EXT_ADDRESS_SRC] ||
	    !x[SADB_EXT_ADDRESS_DST] ||
	    m->sadb_msg_satype != mt->cmd->satype)
		return 0;
	if (!same_addr((const struct sockaddr *)((const struct sadb_address *)
	    x[SADB_EXT_ADDRESS_SRC] + 1), &mt->cmd->src) ||
	    !same_addr((const struct sockaddr *)((const struct sadb_address *)
	    x[SADB_EXT_ADDRESS_DST] + 1), &mt->cmd->dst))
		return 0;
	if (mt->n < sizeof(mt->spi) / sizeof(mt->spi[0]))
		mt->spi[mt->n++] = ntohl(((const struct sadb_sa *)
		    x[SADB_EXT_SA])->sadb_sa_spi);
	return 0;
}

static int
request(struct run *r, const struct sk_cmd *c, int show)
{
	static uint8_t msg[SK_MSG_MAX], reply[1 << 16];
	size_t rlen;
	ssize_t len;

	if ((len = sk_msg_build(c, 0, 0, msg, sizeof(msg))) < 0) {
		fail(r, c, "message too large");
		return 0;
	}
	if (r->noact) {
		sk_print_raw(stdout, "send", (struct sadb_msg *)msg, len);
		return 0;
	}
	if (sk_io_request(&r->io, msg, len, reply, sizeof(reply), &rlen) < 0) {
		if (errno == ETIMEDOUT)
			fail(r, c, "no answer from the kernel");
		else if (errno == ENOSYS &&
		    (c->type == SK_ADD || c->type == SK_UPDATE))
			fail(r, c, "algorithm not supported by the kernel "
			    "(Linux af_key has no AEAD)");
		else
			fail(r, c, strerror(errno));
		return 0;
	}
	if (show)
		sk_print_sa(stdout, (struct sadb_msg *)reply, rlen);
	return 0;
}

static int
deleteall(struct run *r, const struct sk_cmd *c)
{
	static struct match mt;
	struct sk_cmd d;
	size_t i;

	mt.cmd = c;
	mt.n = 0;
	if (sk_io_dump(&r->io, SADB_DUMP, c->satype, collect, &mt) < 0) {
		fail(r, c, strerror(errno));
		return 0;
	}
	for (i = 0; i < mt.n; i++) {
		d = *c;
		d.type = SK_DELETE;
		d.spi = mt.spi[i];
		request(r, &d, 0);
	}
	return 0;
}

static int
dump(struct run *r, const struct sk_cmd *c)
{
	int spd = c->type == SK_SPDDUMP, n;

	n = sk_io_dump(&r->io, spd ? SADB_X_SPDDUMP : SADB_DUMP, c->satype,
	    spd ? print_sp : print_sa, NULL);
	if (n < 0)
		fail(r, c, strerror(errno));
	else if (n == 0)
		printf(spd ? "No SPD entries.\n" : "No SAD entries.\n");
	return 0;
}

/* Run one parsed command; failures are reported and remembered. */
static int
execute(struct sk_cmd *c, void *arg)
{
	struct run *r = arg;
	int rc;

	if (c->type == SK_EXIT)
		return 1;
	if (r->noact)
		return request(r, c, 0);
	switch (c->type) {
	case SK_DUMP:
	case SK_SPDDUMP:
		rc = dump(r, c);
		break;
	case SK_DELETEALL:
		rc = deleteall(r, c);
		break;
	case SK_GETSPI:
	case SK_GET:
		rc = request(r, c, 1);
		break;
	default:
		rc = request(r, c, 0);
		break;
	}
	fflush(stdout);
	return rc;
}

static int
run_file(struct run *r, FILE *fp, const char *name)
{
	struct sk_lex lx;

	r->file = name;
	sk_lex_init(&lx, fp, name);
	if (sk_parse(&lx, execute, r) < 0) {
		fprintf(stderr, "setkey: %s\n", lx.err);
		return 1;
	}
	return r->failed;
}

int
main(int argc, char **argv)
{
	int ch, c_flag = 0, D = 0, F = 0, P = 0, x = 0, rc;
	const char *file = NULL;
	struct run r;
	struct sk_cmd cmd;
	FILE *fp;

	memset(&r, 0, sizeof(r));
	r.io.fd = -1;
	while ((ch = getopt(argc, argv, "cf:DFPxvnh")) != -1) {
		switch (ch) {
		case 'c': c_flag = 1; break;
		case 'f': file = optarg; break;
		case 'D': D = 1; break;
		case 'F': F = 1; break;
		case 'P': P = 1; break;
		case 'x': x = 1; break;
		case 'v': r.io.verbose = 1; break;
		case 'n': r.noact = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || c_flag + !!file + D + F + x != 1 ||
	    (P && !D && !F)) {
		usage(stderr);
		return 2;
	}
	if (!r.noact && sk_io_open(&r.io) < 0) {
		fprintf(stderr, "setkey: PF_KEY socket: %s (is af_key or "
		    "nfipsec loaded?)\n", strerror(errno));
		return 1;
	}
	if (x) {
		if (r.noact) {
			usage(stderr);
			return 2;
		}
		sk_io_promisc(&r.io);
		fprintf(stderr, "setkey: %s\n", strerror(errno));
		return 1;
	}
	if (D || F) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = D ? (P ? SK_SPDDUMP : SK_DUMP) :
		    (P ? SK_SPDFLUSH : SK_FLUSH);
		cmd.name = D ? (P ? "spddump" : "dump") :
		    (P ? "spdflush" : "flush");
		r.file = "command line";
		execute(&cmd, &r);
		rc = r.failed;
	} else if (c_flag || strcmp(file, "-") == 0)
		rc = run_file(&r, stdin, "stdin");
	else if ((fp = fopen(file, "r")) == NULL) {
		fprintf(stderr, "setkey: %s: %s\n", file, strerror(errno));
		rc = 1;
	} else {
		rc = run_file(&r, fp, file);
		fclose(fp);
	}
	sk_io_close(&r.io);
	return rc;
}
