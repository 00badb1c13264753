/* SPDX-License-Identifier: ISC */
/*
 * The control protocol: request parsing, then the real keydctl binary
 * against ctl_handle() with stand-in daemon handlers, over a socket in a
 * temporary directory.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ctl.h"
#include "tap.h"

static void
test_parse(void)
{
	static const struct {
		const char	*line;
		int		 ok;
		enum ctl_verb	 verb;
		const char	*conn, *child;
	} cases[] = {
		{ "list", 1, CTL_LIST, "", "" },
		{ "reload", 1, CTL_RELOAD, "", "" },
		{ "initiate site", 1, CTL_INITIATE, "site", "" },
		{ "initiate site/lan", 1, CTL_INITIATE, "site", "lan" },
		{ "terminate site", 1, CTL_TERMINATE, "site", "" },
		{ "terminate 0123456789abcdef", 1, CTL_TERMINATE, "", "" },
		{ "terminate 0123456789abcdeg", 1, CTL_TERMINATE,
		    "0123456789abcdeg", "" },
		{ "list x", 0, 0, NULL, NULL },
		{ "initiate", 0, 0, NULL, NULL },
		{ "initiate ", 0, 0, NULL, NULL },
		{ "initiate a/", 0, 0, NULL, NULL },
		{ "initiate /b", 0, 0, NULL, NULL },
		{ "initiate a b", 0, 0, NULL, NULL },
		{ "initiate a/b/c", 0, 0, NULL, NULL },
		{ "terminate a/b", 0, 0, NULL, NULL },
		{ "LIST", 0, 0, NULL, NULL },
		{ "", 0, 0, NULL, NULL },
		{ "initiate aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaa", 0, 0, NULL, NULL },
	};
	struct ctl_req req;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = ctl_parse(cases[i].line, &req, &why);

		if (!cases[i].ok) {
			ok(r < 0 && why != NULL, "refused '%s': %s",
			    cases[i].line, why);
			continue;
		}
		ok(r == 0 && req.verb == cases[i].verb &&
		    !strcmp(req.conn, cases[i].conn) &&
		    !strcmp(req.child, cases[i].child), "parse '%s'",
		    cases[i].line);
	}
	ctl_parse("terminate 0123456789ABCDEF", &req, &why);
	ok(req.by_spi && req.ispi[0] == 0x01 && req.ispi[7] == 0xef,
	    "terminate by SPI: the octets");
}

/* Stand-in daemon handlers: they echo what they were asked. */
static void
d_list(void *arg, struct ctl_reply *r)
{
	ctl_printf(r, "site 0102030405060708_1112131415161718 ESTABLISHED "
	    "192.0.2.2[500] peer.example");
	ctl_printf(r, ".starts with a dot");
	ctl_printf(r, "has\na newline");
}

static void
d_initiate(void *arg, const char *conn, const char *child,
    struct ctl_reply *r)
{
	if (strcmp(conn, "site") != 0) {
		ctl_error(r, "no connection '%s'", conn);
		return;
	}
	ctl_printf(r, "initiating %s/%s", conn, child[0] ? child : "(first)");
}

static void
d_terminate(void *arg, const char *conn, const uint8_t *ispi,
    struct ctl_reply *r)
{
	if (ispi != NULL)
		ctl_printf(r, "terminate spi %02x..%02x", ispi[0], ispi[7]);
	else
		ctl_printf(r, "terminate conn %s", conn);
}

static void
d_reload(void *arg, struct ctl_reply *r)
{
	ctl_printf(r, "partial output");
	ctl_error(r, "keyd.conf:3: bad");
	ctl_error(r, "a second error is dropped");
}

static const struct ctl_ops ops = {
	.list = d_list, .initiate = d_initiate, .terminate = d_terminate,
	.reload = d_reload,
};

/* Run keydctl with args against one ctl_handle(); its output and status. */
static int
keydctl(struct ctl *c, const char *sock, const char *a1, const char *a2,
    char *out, size_t len)
{
	struct pollfd pfd = { .fd = ctl_fd(c), .events = POLLIN };
	int pipefd[2], st, served = 0;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return (-1);
	if ((pid = fork()) == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl("./keydctl", "keydctl", "-s", sock, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (poll(&pfd, 1, 5000) == 1) {
		ctl_handle(c);
		served = 1;
	}
	while (n + 1 < len && (r = read(pipefd[0], out + n, len - 1 - n)) > 0)
		n += r;
	out[n] = '\0';
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	return (served && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* A raw client: send bytes, half-close, collect the answer. */
static void
raw(struct ctl *c, const char *sock, const char *data, size_t dlen,
    char *out, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t r;

	out[0] = '\0';
	strcpy(sun.sun_path, sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return;
	if (write(fd, data, dlen) != (ssize_t)dlen)
		return;
	shutdown(fd, SHUT_WR);
	ctl_handle(c);		/* the connection is queued: accept works */
	while (n + 1 < len && (r = read(fd, out + n, len - 1 - n)) > 0)
		n += r;
	out[n] = '\0';
	close(fd);
}

static void
test_socket(void)
{
	char dir[] = "/tmp/test_ctl.XXXXXX", sock[64], out[1024], err[256];
	struct ctl *c;
	int r;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(sock, sizeof(sock), "%s/keyd.ctl", dir);
	c = ctl_open(sock, &ops, err, sizeof(err));
	if (!ok(c != NULL, "listen on %s", sock)) {
		printf("# %s\n", err);
		return;
	}
	r = keydctl(c, sock, "list", NULL, out, sizeof(out));
	ok(r == 0 && !strcmp(out, "site 0102030405060708_1112131415161718 "
	    "ESTABLISHED 192.0.2.2[500] peer.example\n.starts with a dot\n"
	    "has a newline\n"), "list: lines, dots unstuffed, no forged "
	    "line breaks");
	r = keydctl(c, sock, "initiate", "site/lan", out, sizeof(out));
	ok(r == 0 && !strcmp(out, "initiating site/lan\n"), "initiate");
	r = keydctl(c, sock, "initiate", "nope", out, sizeof(out));
	ok(r == 1 && !strcmp(out, "error: no connection 'nope'\n"),
	    "a refused request exits 1 with its error");
	r = keydctl(c, sock, "terminate", "00112233445566ff", out, sizeof(out));
	ok(r == 0 && !strcmp(out, "terminate spi 00..ff\n"), "terminate SPI");
	r = keydctl(c, sock, "terminate", "site", out, sizeof(out));
	ok(r == 0 && !strcmp(out, "terminate conn site\n"), "terminate conn");
	r = keydctl(c, sock, "reload", NULL, out, sizeof(out));
	ok(r == 1 && !strcmp(out, "partial output\nerror: keyd.conf:3: bad\n"),
	    "reload error: the first error only");

	raw(c, sock, "bogus\n", 6, out, sizeof(out));
	ok(!strncmp(out, "error: unknown request", 22) &&
	    strstr(out, "\n.\n") != NULL, "raw: unknown verb answered");
	raw(c, sock, "list", 4, out, sizeof(out));
	ok(!strncmp(out, "error: expected one request line", 32),
	    "raw: no newline");
	raw(c, sock, "list\nlist\n", 10, out, sizeof(out));
	ok(!strncmp(out, "error: expected one request line", 32),
	    "raw: two requests refused");
	raw(c, sock, "list\0x\n", 7, out, sizeof(out));
	ok(!strncmp(out, "error: ", 7), "raw: NUL refused");
	ctl_close(c);
	ok(access(sock, F_OK) < 0, "ctl_close removes the socket");
	{
		static const struct ctl_ops none = { .list = d_list };

		c = ctl_open(sock, &none, err, sizeof(err));
		r = c ? keydctl(c, sock, "reload", NULL, out, sizeof(out)) : -1;
		ok(r == 1 && strstr(out, "error: this keyd does not do that"),
		    "a verb without a handler is refused, not a crash");
		ctl_close(c);
	}
	snprintf(out, sizeof(out), "./keydctl -s %s list 2>/dev/null", sock);
	r = system(out);
	ok(WIFEXITED(r) && WEXITSTATUS(r) == 2, "no daemon: exit 2");
	r = system("./keydctl frobnicate 2>/dev/null");
	ok(WIFEXITED(r) && WEXITSTATUS(r) == 2, "bad request: exit 2 "
	    "without connecting");
	rmdir(dir);
}

int
main(void)
{
	test_parse();
	test_socket();
	return (tap_done());
}
