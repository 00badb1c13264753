/*
 * The PF_KEY socket.
 *
 * PF_KEY is an unreliable service: the kernel drops a reply when our
 * receive buffer is full, and broadcasts other sockets' traffic to us.
 * So every request carries a fresh sadb_msg_seq and our pid, a reply is
 * only what matches both (and the type), everything else is skipped, and
 * every wait is bounded by a poll timeout.  A dump is answered by many
 * messages carrying our pid; the last one has sadb_msg_seq 0.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "setkey.h"

int
sk_io_open(struct sk_io *io)
{
	int rcvbuf = 1 << 20;

	io->fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);
	if (io->fd < 0)
		return -1;
	/* Big dumps arrive in bursts; a small buffer loses their tail. */
	setsockopt(io->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	io->pid = getpid();
	io->seq = 0;
	if (io->timeout_ms <= 0)
		io->timeout_ms = 5000;
	return 0;
}

void
sk_io_close(struct sk_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

static int
io_send(struct sk_io *io, const uint8_t *msg, size_t len)
{
	ssize_t n;

	if (io->verbose)
		sk_print_raw(stdout, "send", (const struct sadb_msg *)msg,
		    len);
	do
		n = send(io->fd, msg, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* One message, waiting until the deadline; -1/ETIMEDOUT past it. */
static ssize_t
io_recv(struct sk_io *io, uint8_t *buf, size_t cap, long deadline)
{
	struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
	ssize_t n;
	long left;
	int r;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		n = recv(io->fd, buf, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n < sizeof(struct sadb_msg))
			continue;	/* not PF_KEY as we know it */
		if (io->verbose)
			sk_print_raw(stdout, "recv",
			    (const struct sadb_msg *)buf, n);
		return n;
	}
}

/*
 * Send msg (its seq and pid are filled in here) and wait for the answer.
 * -1 with errno: the kernel's sadb_msg_errno, ETIMEDOUT, or a socket
 * error.
 */
int
sk_io_request(struct sk_io *io, uint8_t *msg, size_t len, uint8_t *reply,
    size_t rcap, size_t *rlen)
{
	struct sadb_msg *h = (struct sadb_msg *)msg;
	const struct sadb_msg *r = (const struct sadb_msg *)reply;
	long deadline;
	ssize_t n;

	h->sadb_msg_seq = ++io->seq;
	h->sadb_msg_pid = io->pid;
	if (io_send(io, msg, len) < 0)
		return -1;
	deadline = now_ms() + io->timeout_ms;
	for (;;) {
		n = io_recv(io, reply, rcap, deadline);
		/*
		 * ENOBUFS: broadcasts overflowed our buffer and were lost.
		 * Our reply may still be on its way; the deadline bounds it.
		 */
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n < 0)
			return -1;
		if (r->sadb_msg_pid != io->pid ||
		    r->sadb_msg_seq != h->sadb_msg_seq ||
		    r->sadb_msg_type != h->sadb_msg_type)
			continue;	/* someone else's, or a broadcast */
		if (r->sadb_msg_errno) {
			errno = r->sadb_msg_errno;
			return -1;
		}
		*rlen = n;
		return 0;
	}
}

/*
 * SADB_DUMP or SADB_X_SPDDUMP: fn sees each entry.  Returns the number
 * of entries (0 when the kernel says ENOENT: nothing to dump), or -1.
 */
int
sk_io_dump(struct sk_io *io, uint8_t type, uint8_t satype, sk_dump_fn fn,
    void *arg)
{
	static uint8_t buf[1 << 16];
	const struct sadb_msg *r = (const struct sadb_msg *)buf;
	struct sadb_msg h;
	int count = 0;
	ssize_t n;

	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_type = type;
	h.sadb_msg_satype = satype;
	h.sadb_msg_len = sizeof(h) / 8;
	h.sadb_msg_seq = ++io->seq;
	h.sadb_msg_pid = io->pid;
	if (io_send(io, (uint8_t *)&h, sizeof(h)) < 0)
		return -1;
	for (;;) {
		/* Each part of a dump restarts the clock. */
		n = io_recv(io, buf, sizeof(buf), now_ms() + io->timeout_ms);
		if (n < 0)
			return -1;
		if (r->sadb_msg_pid != io->pid || r->sadb_msg_type != type)
			continue;
		if (r->sadb_msg_errno == ENOENT)
			return count;
		if (r->sadb_msg_errno) {
			errno = r->sadb_msg_errno;
			return -1;
		}
		count++;
		if (fn(r, n, arg) < 0)
			return -1;
		if (r->sadb_msg_seq == 0)
			return count;
	}
}

/* setkey -x: ask for every PF_KEY message, print them until killed. */
int
sk_io_promisc(struct sk_io *io)
{
	static uint8_t buf[1 << 16];
	struct sadb_msg h;
	ssize_t n;

	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_type = SADB_X_PROMISC;
	h.sadb_msg_satype = 1;		/* on */
	h.sadb_msg_len = sizeof(h) / 8;
	h.sadb_msg_seq = ++io->seq;
	h.sadb_msg_pid = io->pid;
	if (io_send(io, (uint8_t *)&h, sizeof(h)) < 0)
		return -1;
	for (;;) {
		if ((n = io_recv(io, buf, sizeof(buf), -1)) < 0)
			return -1;
		if (!io->verbose)
			sk_print_raw(stdout, "recv",
			    (const struct sadb_msg *)buf, n);
		fflush(stdout);
	}
}
