/* SPDX-License-Identifier: ISC */
/*
 * The control socket, both halves: request parsing, the server side the
 * daemon polls, and the client keydctl uses.  See ctl.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

struct ctl {
	int		fd;
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_ops	ops;
};

static int
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= CONFIG_NAME_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return (0);
	return (1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	return (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
}

int
ctl_parse(const char *line, struct ctl_req *req, const char **why)
{
	const char *arg, *slash;
	size_t vlen, alen;
	int i;

	memset(req, 0, sizeof(*req));
	*why = NULL;
	vlen = strcspn(line, " ");
	arg = line[vlen] == ' ' ? line + vlen + 1 : NULL;
	alen = arg ? strlen(arg) : 0;
	if (vlen == 4 && !strncmp(line, "list", 4))
		req->verb = CTL_LIST;
	else if (vlen == 6 && !strncmp(line, "reload", 6))
		req->verb = CTL_RELOAD;
	else if (vlen == 8 && !strncmp(line, "initiate", 8))
		req->verb = CTL_INITIATE;
	else if (vlen == 9 && !strncmp(line, "terminate", 9))
		req->verb = CTL_TERMINATE;
	else {
		*why = "unknown request: expected list, initiate, terminate "
		    "or reload";
		return (-1);
	}
	if (req->verb == CTL_LIST || req->verb == CTL_RELOAD) {
		if (arg != NULL)
			*why = "this request takes no argument";
		return (*why ? -1 : 0);
	}
	if (arg == NULL || alen == 0) {
		*why = req->verb == CTL_INITIATE ? "initiate CONN[/CHILD]" :
		    "terminate CONN|IKESPI";
		return (-1);
	}
	if (req->verb == CTL_TERMINATE && alen == 16) {
		for (i = 0; i < 16 && hexval((unsigned char)arg[i]) >= 0; i++)
			;
		if (i == 16) {
			for (i = 0; i < 8; i++)
				req->ispi[i] = hexval(arg[2 * i]) << 4 |
				    hexval(arg[2 * i + 1]);
			req->by_spi = 1;
			return (0);
		}
	}
	slash = req->verb == CTL_INITIATE ? memchr(arg, '/', alen) : NULL;
	if (slash != NULL) {
		if (!name_ok(slash + 1, alen - (slash + 1 - arg))) {
			*why = "bad child name";
			return (-1);
		}
		memcpy(req->child, slash + 1, alen - (slash + 1 - arg));
		alen = slash - arg;
	}
	if (!name_ok(arg, alen)) {
		*why = "bad connection name";
		return (-1);
	}
	memcpy(req->conn, arg, alen);
	return (0);
}

static void
vline(struct ctl_reply *r, const char *prefix, const char *fmt, va_list ap)
{
	char line[1024], *p, *nl;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* one line per call: a newline inside would forge the protocol */
	for (p = line; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		*nl = ' ';
	if (line[0] == '.')
		buf_add_u8(&r->out, '.');
	/* (no empty appends: buf_reserve(0) on an empty buf is NULL + 0) */
	if (prefix[0] != '\0')
		buf_add(&r->out, prefix, strlen(prefix));
	if (line[0] != '\0')
		buf_add(&r->out, line, strlen(line));
	buf_add_u8(&r->out, '\n');
}

void
ctl_printf(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(r, "", fmt, ap);
	va_end(ap);
}

int
ctl_error(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return (-1);	/* the first error is the one that counts */
	r->failed = 1;
	va_start(ap, fmt);
	vline(r, "error: ", fmt, ap);
	va_end(ap);
	return (-1);
}

struct ctl *
ctl_open(const char *path, const struct ctl_ops *ops, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *c;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return (NULL);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	strcpy(sun.sun_path, path);
	strcpy(c->path, path);
	c->ops = *ops;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	unlink(path);
	old = umask(0077);	/* root's tool: nobody else may connect */
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(c->fd, 8) < 0)
		goto fail;
	return (c);
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return (NULL);
}

int
ctl_fd(const struct ctl *c)
{
	return (c->fd);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Wait for fd until the deadline; 1 ready, 0 timed out or failed. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t t;
	int r;

	for (;;) {
		if ((t = now_ms()) >= deadline)
			return (0);
		r = poll(&pfd, 1, (int)(deadline - t));
		if (r > 0)
			return (1);
		if (r == 0 || errno != EINTR)
			return (0);
	}
}

static int
write_all(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return (-1);
		} else if (!wait_fd(fd, POLLOUT, deadline)) {
			return (-1);
		}
	}
	return (0);
}

/* Read one line (without the newline) before the deadline. */
static int
read_line(int fd, char *line, size_t len, uint64_t deadline)
{
	size_t n = 0;
	ssize_t r;
	char *nl;

	for (;;) {
		r = recv(fd, line + n, len - 1 - n, MSG_DONTWAIT);
		if (r > 0) {
			n += r;
			line[n] = '\0';
			if ((nl = memchr(line, '\n', n)) != NULL) {
				/* exactly one line, no NUL inside */
				*nl = '\0';
				return (strlen(line) == n - 1 ? 0 : -1);
			}
			if (n == len - 1)
				return (-1);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			return (-1);
		} else if (!wait_fd(fd, POLLIN, deadline)) {
			return (-1);
		}
	}
}

void
ctl_handle(struct ctl *c)
{
	struct ctl_reply r = { .failed = 0 };
	struct ctl_req req;
	char line[CTL_LINE_MAX + 2];
	const char *why;
	uint64_t deadline;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	buf_init(&r.out);
	deadline = now_ms() + CTL_TIMEOUT_MS;
	if (read_line(fd, line, sizeof(line), deadline) < 0) {
		ctl_error(&r, "expected one request line of at most %d octets",
		    CTL_LINE_MAX);
	} else if (ctl_parse(line, &req, &why) < 0) {
		ctl_error(&r, "%s", why);
	} else if (req.verb == CTL_LIST && c->ops.list) {
		c->ops.list(c->ops.arg, &r);
	} else if (req.verb == CTL_INITIATE && c->ops.initiate) {
		c->ops.initiate(c->ops.arg, req.conn, req.child, &r);
	} else if (req.verb == CTL_TERMINATE && c->ops.terminate) {
		c->ops.terminate(c->ops.arg, req.by_spi ? NULL : req.conn,
		    req.by_spi ? req.ispi : NULL, &r);
	} else if (req.verb == CTL_RELOAD && c->ops.reload) {
		c->ops.reload(c->ops.arg, &r);
	} else {
		ctl_error(&r, "this keyd does not do that yet");
	}
	buf_add(&r.out, ".\n", 2);
	if (!buf_error(&r.out))
		write_all(fd, r.out.data, r.out.len, now_ms() + CTL_TIMEOUT_MS);
	buf_free(&r.out);
	close(fd);
}

void
ctl_close(struct ctl *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	unlink(c->path);
	free(c);
}

int
ctl_request(const char *path, const char *line, struct buf *out,
    int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	uint64_t deadline = now_ms() + timeout_ms;
	char chunk[4096], *p, *nl;
	struct buf in;
	ssize_t r;
	int fd, status = -1;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    strlen(line) > CTL_LINE_MAX || strchr(line, '\n')) {
		errno = EINVAL;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return (-1);
	}
	buf_init(&in);
	if (write_all(fd, (const uint8_t *)line, strlen(line), deadline) < 0 ||
	    write_all(fd, (const uint8_t *)"\n", 1, deadline) < 0)
		goto out;
	for (;;) {
		r = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (r > 0) {
			buf_add(&in, chunk, r);
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			goto out;
		if (!wait_fd(fd, POLLIN, deadline)) {
			errno = ETIMEDOUT;
			goto out;
		}
	}
	buf_add_u8(&in, '\0');
	if (buf_error(&in))
		goto out;
	/* lines up to ".", unstuffed; the status is the last line's kind */
	for (p = (char *)in.data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (!strcmp(p, ".")) {
			if (status < 0)
				status = 0;
			break;
		}
		if (!strncmp(p, "error: ", 7))
			status = 1;
		if (p[0] == '.')
			p++;
		if (p[0] != '\0')
			buf_add(out, p, strlen(p));
		buf_add_u8(out, '\n');
	}
	if (nl == NULL) {
		status = -1;		/* no final "." */
		errno = EPROTO;
	}
out:
	buf_free(&in);
	close(fd);
	return (status);
}
