/*
 * setkey unit test: scripts in, PF_KEY bytes out, no kernel.
 *
 * Each case is a setkey script (in the manner of FreeBSD's netipsec tests:
 * transport and tunnel, IPv4 and IPv6, aes-gcm-16, aes-cbc + hmac-sha256,
 * null + hmac-sha1, ah, ipcomp) and the exact messages it must produce,
 * one message per line in hex, sadb_msg_seq 1 and pid 42.  The expected
 * bytes were checked field by field against RFC 2367, <linux/pfkeyv2.h>
 * and af_key (the VM test feeds the same layouts to the real af_key).
 * PF_KEY fields are host order, so the table is for little-endian hosts.
 *
 * Then malformed scripts, each of which must fail with "file:line: ...",
 * and malformed kernel messages, which sk_msg_index must refuse.
 *
 * SETKEY_TEST_SHOW=1 prints what each case produced.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../setkey.h"

static int ntest, nfail;

static void
ok(int cond, const char *name)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, name);
}

struct out {
	char	hex[16384];
	size_t	len;
};

static int
collect(struct sk_cmd *c, void *arg)
{
	struct out *o = arg;
	uint8_t buf[SK_MSG_MAX];
	ssize_t n, i;

	if (c->type == SK_EXIT)
		return 1;
	if ((n = sk_msg_build(c, 1, 42, buf, sizeof(buf))) < 0)
		return -1;
	for (i = 0; i < n && o->len + 3 < sizeof(o->hex); i++)
		o->len += sprintf(o->hex + o->len, "%02x", buf[i]);
	if (o->len + 2 < sizeof(o->hex))
		o->len += sprintf(o->hex + o->len, "\n");
	return 0;
}

static int
run(const char *script, struct out *o, char *err, size_t errlen)
{
	struct sk_lex lx;
	FILE *fp;
	int rc;

	memset(o, 0, sizeof(*o));
	fp = fmemopen((void *)script, strlen(script), "r");
	if (fp == NULL)
		return -1;
	sk_lex_init(&lx, fp, "test.conf");
	rc = sk_parse(&lx, collect, o);
	fclose(fp);
	snprintf(err, errlen, "%s", rc < 0 ? lx.err : "");
	return rc;
}

/* Expected hex, whitespace ignored so that tables can be laid out. */
static void
squeeze(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (*in != ' ' && *in != '\t')
			out[n++] = *in;
	out[n] = '\0';
}

#include "setkey_cases.h"

static void
good_scripts(void)
{
	char want[16384], err[512];
	struct out o;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rc = run(good[i].script, &o, err, sizeof(err));
		squeeze(good[i].hex, want, sizeof(want));
		if (getenv("SETKEY_TEST_SHOW"))
			printf("# %s:\n%s", good[i].name, o.hex);
		if (rc != 0)
			printf("# %s: parse failed: %s\n", good[i].name, err);
		else if (strcmp(o.hex, want) != 0)
			printf("# want:\n%s# got:\n%s", want, o.hex);
		ok(rc == 0 && strcmp(o.hex, want) == 0, good[i].name);
	}
}

static void
bad_scripts(void)
{
	char err[512], name[200];
	struct out o;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = run(bad[i].script, &o, err, sizeof(err));
		snprintf(name, sizeof(name), "error: %s", bad[i].name);
		if (rc == 0 || strstr(err, bad[i].err) == NULL)
			printf("# want \"%s\", got \"%s\" (rc %d)\n", bad[i].err,
			    err, rc);
		ok(rc < 0 && strstr(err, bad[i].err) != NULL, name);
	}
}

/* Policies print back as they were written (setkey -DP's form). */
static void
policy_roundtrip(void)
{
	static const char *pols[] = {
		"out prio def ipsec esp/transport//require",
		("in prio def + 10 ipsec esp/tunnel/10.0.0.1-10.0.0.2/unique:7 "
		    "ah/transport//use"),
		"fwd prio high - 5 none",
		"out prio low discard",
		"in prio def ipsec esp/tunnel/2001:db8::1-2001:db8::2/require",
		"out prio def ipsec esp/transport//unique#20000",
	};
	uint8_t buf[SK_POLICY_MAX];
	char err[200], text[512], *s;
	size_t i, len;
	FILE *fp;

	for (i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		memset(text, 0, sizeof(text));
		/* The kernel picks reqids above 0x3fff; they print with '#'
		 * and cannot be typed back, so make that one by hand. */
		if (strchr(pols[i], '#')) {
			if (sk_policy_parse("out ipsec esp/transport//unique",
			    buf, sizeof(buf), &len, err, sizeof(err)) == 0)
				((struct sadb_x_ipsecrequest *)(buf +
				    sizeof(struct sadb_x_policy)))->
				    sadb_x_ipsecrequest_reqid = 20000;
		} else if (sk_policy_parse(pols[i], buf, sizeof(buf), &len, err,
		    sizeof(err)) < 0) {
			printf("# %s: %s\n", pols[i], err);
			ok(0, "policy round trip");
			continue;
		}
		fp = fmemopen(text, sizeof(text) - 1, "w");
		sk_policy_print(fp, (struct sadb_x_policy *)buf, len, " ");
		fclose(fp);
		if ((s = strchr(text, '\n')) != NULL)
			*s = '\0';
		if (strcmp(text, pols[i]) != 0)
			printf("# want \"%s\"\n# got  \"%s\"\n", pols[i], text);
		ok(strcmp(text, pols[i]) == 0, pols[i]);
	}
}

/*
 * Damaged scripts: each good script with a few bytes changed or cut short,
 * thousands of times.  The parser must never crash (run it under ASan to
 * be sure), and every failure must still say "test.conf:LINE: ".
 */
static void
mutations(void)
{
	static const char junk[] = ";/[]\"#\n -0x.:,E";
	char script[4096], err[512];
	unsigned int x = 2463534242u, rounds = 0, badmsg = 0;
	size_t i, len, k, n;
	struct out o;
	int rc, line;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		for (k = 0; k < 500; k++, rounds++) {
			len = strlen(good[i].script);
			if (len >= sizeof(script))
				continue;
			memcpy(script, good[i].script, len + 1);
			for (n = 0; n < 1 + k % 3; n++) {
				x ^= x << 13; x ^= x >> 17; x ^= x << 5;
				script[x % len] = (k & 1) ? junk[(x >> 8) %
				    (sizeof(junk) - 1)] : (char)(x >> 16);
				if (script[x % len] == '\0')
					script[x % len] = '?';
			}
			if (k % 7 == 0)
				script[x % len] = '\0';
			rc = run(script, &o, err, sizeof(err));
			if (rc < 0 && (sscanf(err, "test.conf:%d: ", &line) != 1 ||
			    line < 1)) {
				if (badmsg++ < 3)
					printf("# no file:line in \"%s\"\n", err);
			}
		}
	}
	printf("# %u damaged scripts parsed\n", rounds);
	ok(badmsg == 0, "damaged scripts fail with file:line, never crash");
}

struct msgs {
	uint8_t	buf[32][SK_MSG_MAX];
	size_t	len[32];
	size_t	n;
};

static int
keep(struct sk_cmd *c, void *arg)
{
	struct msgs *m = arg;
	ssize_t n;

	if (c->type == SK_EXIT || m->n == 32)
		return 1;
	if ((n = sk_msg_build(c, 1, 42, m->buf[m->n], SK_MSG_MAX)) < 0)
		return -1;
	m->len[m->n++] = n;
	return 0;
}

static void
messages_of(const char *script, struct msgs *m)
{
	struct sk_lex lx;
	FILE *fp;

	m->n = 0;
	fp = fmemopen((void *)script, strlen(script), "r");
	sk_lex_init(&lx, fp, "test.conf");
	sk_parse(&lx, keep, m);
	fclose(fp);
}

/*
 * setkey -D / -DP layout, on the messages case 1 builds (they carry no
 * current lifetime, so no clock shows up in the text).
 */
static void
printers(void)
{
	static const char sa[] =
	    "10.0.0.1 10.0.0.2 \n"
	    "\tesp mode=transport spi=4096(0x00001000) reqid=0(0x00000000)\n"
	    "\tE: aes-cbc  00112233 44556677 8899aabb ccddeeff\n"
	    "\tA: hmac-sha256  00010203 04050607 08090a0b 0c0d0e0f 10111213 "
	    "14151617 18191a1b 1c1d1e1f\n"
	    "\tseq=0x00000000 replay=0 flags=0x00000040 state=larval \n"
	    "\tsadb_seq=1 pid=42 refcnt=0\n";
	static const char sp[] =
	    "10.0.0.1[any] 10.0.0.2[any] any\n"
	    "\tout prio def ipsec\n"
	    "\tesp/transport//require\n"
	    "\tspid=0 seq=1 pid=42\n"
	    "\trefcnt=0\n";
	static struct msgs m;
	char text[2048];
	FILE *fp;

	messages_of(good[0].script, &m);
	memset(text, 0, sizeof(text));
	fp = fmemopen(text, sizeof(text) - 1, "w");
	sk_print_sa(fp, (struct sadb_msg *)m.buf[0], m.len[0]);
	fclose(fp);
	if (strcmp(text, sa) != 0)
		printf("# want:\n%s# got:\n%s", sa, text);
	ok(strcmp(text, sa) == 0, "print: SA in setkey -D layout");

	memset(text, 0, sizeof(text));
	fp = fmemopen(text, sizeof(text) - 1, "w");
	sk_print_sp(fp, (struct sadb_msg *)m.buf[1], m.len[1]);
	fclose(fp);
	if (strcmp(text, sp) != 0)
		printf("# want:\n%s# got:\n%s", sp, text);
	ok(strcmp(text, sp) == 0, "print: policy in setkey -DP layout");
}

/* Printers read kernel bytes: damage them and print, thousands of times. */
static void
damaged_messages(void)
{
	static struct msgs m;
	uint8_t buf[SK_MSG_MAX];
	unsigned int x = 88172645u, rounds = 0;
	size_t i, j, k, n;
	FILE *null = fopen("/dev/null", "w");

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		messages_of(good[i].script, &m);
		for (j = 0; j < m.n; j++) {
			for (k = 0; k < 300; k++, rounds++) {
				memcpy(buf, m.buf[j], m.len[j]);
				for (n = 0; n < 1 + k % 4; n++) {
					x ^= x << 13; x ^= x >> 17; x ^= x << 5;
					/* keep sadb_msg_len right half the time */
					buf[(k & 1) ? 4 + x % (m.len[j] - 4) :
					    x % m.len[j]] = x >> 24;
				}
				sk_print_sa(null, (struct sadb_msg *)buf,
				    m.len[j]);
				sk_print_sp(null, (struct sadb_msg *)buf,
				    m.len[j]);
				sk_print_raw(null, "recv", (struct sadb_msg *)buf,
				    m.len[j]);
			}
		}
	}
	fclose(null);
	printf("# %u damaged messages printed\n", rounds);
	ok(1, "printers survive damaged kernel messages");
}

/*
 * The command line, through the built binary (make test runs from keyd/):
 * exit codes 0/1/2, usage on the right stream, file:line on errors.  -n
 * keeps the kernel out of it.
 */
static int
sh(const char *cmd, char *out, size_t cap)
{
	size_t n = 0;
	FILE *p;
	int st;

	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (n + 1 < cap && fgets(out + n, cap - n, p) != NULL)
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
command_line(void)
{
	static const char *bin = "./setkey/setkey";
	char cmd[512], out[4096];
	FILE *fp;

	if (access(bin, X_OK) != 0) {
		printf("ok %d - # SKIP %s not built\n", ++ntest, bin);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s -Z 2>&1", bin);
	ok(sh(cmd, out, sizeof(out)) == 2 && strstr(out, "usage:"),
	    "cli: unknown flag gives usage, exit 2");
	snprintf(cmd, sizeof(cmd), "%s 2>&1", bin);
	ok(sh(cmd, out, sizeof(out)) == 2, "cli: no mode, exit 2");
	snprintf(cmd, sizeof(cmd), "%s -P 2>&1", bin);
	ok(sh(cmd, out, sizeof(out)) == 2, "cli: -P alone, exit 2");
	snprintf(cmd, sizeof(cmd), "%s -h 2>/dev/null", bin);
	ok(sh(cmd, out, sizeof(out)) == 0 && strstr(out, "usage:"),
	    "cli: -h prints usage on stdout, exit 0");

	fp = fopen("setkey/tests/cli.conf", "w");
	if (fp == NULL) {
		ok(0, "cli: write a script");
		return;
	}
	fputs("flush;\n# two\nadd 10.0.0.1 10.0.0.2 esp 1 -E des-cbc 0x11;\n",
	    fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s -n -f setkey/tests/cli.conf 2>&1",
	    bin);
	ok(sh(cmd, out, sizeof(out)) == 1 && strstr(out,
	    "setkey: setkey/tests/cli.conf:3: des-cbc takes a 64-bit key"),
	    "cli: -f error names file and line, exit 1");
	snprintf(cmd, sizeof(cmd), "%s -n -f setkey/tests/nonexistent.conf "
	    "2>&1", bin);
	ok(sh(cmd, out, sizeof(out)) == 1, "cli: missing file, exit 1");
	snprintf(cmd, sizeof(cmd), "printf 'flush;\\nspdflush;\\n' | "
	    "%s -n -c", bin);
	ok(sh(cmd, out, sizeof(out)) == 0 && strstr(out, "type=9 ") &&
	    strstr(out, "type=19 "), "cli: -n -c reads stdin, exit 0");
	remove("setkey/tests/cli.conf");
}

/* What the kernel sends is checked before anything reads it. */
static void
index_bounds(void)
{
	const struct sadb_ext *x[SK_EXT_SLOTS];
	uint8_t m[64];
	struct sadb_msg *h = (struct sadb_msg *)m;
	struct sadb_ext *e = (struct sadb_ext *)(m + 16);
	char err[128];

	memset(m, 0, sizeof(m));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_len = 2;
	ok(sk_msg_index(m, 16, x, err, sizeof(err)) == 0, "index: bare header");
	ok(sk_msg_index(m, 8, x, err, sizeof(err)) < 0, "index: short header");
	ok(sk_msg_index(m, 24, x, err, sizeof(err)) < 0,
	    "index: length disagrees with sadb_msg_len");
	h->sadb_msg_len = 4;
	e->sadb_ext_len = 3;
	e->sadb_ext_type = SADB_EXT_SA;
	ok(sk_msg_index(m, 32, x, err, sizeof(err)) < 0,
	    "index: extension overruns the message");
	e->sadb_ext_len = 0;
	ok(sk_msg_index(m, 32, x, err, sizeof(err)) < 0,
	    "index: zero-length extension");
	e->sadb_ext_len = 1;
	ok(sk_msg_index(m, 32, x, err, sizeof(err)) < 0,
	    "index: SA extension shorter than struct sadb_sa");
	e->sadb_ext_len = 2;
	ok(sk_msg_index(m, 32, x, err, sizeof(err)) == 0 &&
	    x[SADB_EXT_SA] == e, "index: SA extension found");
	h->sadb_msg_len = 6;
	memcpy(m + 32, e, 16);
	ok(sk_msg_index(m, 48, x, err, sizeof(err)) < 0,
	    "index: repeated extension");
	e->sadb_ext_type = 200;
	ok(sk_msg_index(m, 48, x, err, sizeof(err)) == 0,
	    "index: unknown extension skipped");
}

int
main(void)
{
	if (BYTE_ORDER != LITTLE_ENDIAN) {
		printf("ok 1 - # SKIP expected bytes are little-endian\n");
		return 0;
	}
	good_scripts();
	bad_scripts();
	policy_roundtrip();
	index_bounds();
	mutations();
	printers();
	damaged_messages();
	command_line();
	printf("# %d tests, %d failed\n", ntest, nfail);
	return nfail != 0;
}
