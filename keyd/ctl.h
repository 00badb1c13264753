/* SPDX-License-Identifier: ISC */
/*
 * The control socket: keydctl(8) talks to keyd over a unix stream socket
 * (keyd.conf `ctl_socket`, default /run/keyd.ctl, mode 0600).
 *
 * Protocol, one exchange per connection:
 *
 *	request:   one line, "VERB [ARG]\n", at most CTL_LINE_MAX octets
 *		   list
 *		   initiate CONN[/CHILD]	(CHILD: the first child if absent)
 *		   terminate CONN		every IKE SA of the connection
 *		   terminate IKESPI		16 hex digits, the initiator's SPI
 *		   reload			re-read keyd.conf
 *	response:  text lines; a line starting with '.' is sent with one
 *		   more '.' in front (as SMTP does); then either
 *		   "error: MESSAGE\n" or nothing, and ".\n" last.
 *
 * The server half (ctl_open/ctl_handle) runs in the daemon's loop: the
 * listening socket is polled with the others; ctl_handle() accepts one
 * client, reads its request and writes the reply with a short deadline
 * (CTL_TIMEOUT_MS each way), so a stuck client stalls nothing for long.
 * What the verbs do is the daemon's: it fills struct ctl_ops.
 */
#ifndef _KEYD_CTL_H
#define _KEYD_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

enum {
	CTL_LINE_MAX	= 256,
	CTL_TIMEOUT_MS	= 1000,
};

enum ctl_verb {
	CTL_LIST = 1,
	CTL_INITIATE,
	CTL_TERMINATE,
	CTL_RELOAD,
};

struct ctl_req {
	enum ctl_verb	verb;
	char		conn[CONFIG_NAME_MAX];	/* INITIATE, TERMINATE by name */
	char		child[CONFIG_NAME_MAX];	/* INITIATE; "" = the first */
	uint8_t		ispi[8];		/* TERMINATE by SPI */
	int		by_spi;
};

/* Parse a request line (without its newline); -1 with a reason. */
int	ctl_parse(const char *line, struct ctl_req *, const char **why);

/* Where a verb's handler writes its answer. */
struct ctl_reply {
	struct buf	out;		/* lines, dot-stuffed */
	int		failed;
};

/* One line of output (no newline in fmt). */
void	ctl_printf(struct ctl_reply *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The request failed: the message becomes "error: ..."; returns -1. */
int	ctl_error(struct ctl_reply *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The daemon's side.  Each handler answers through ctl_printf() and
 * ctl_error(); a NULL handler answers "error: ... does not do that yet".
 * A 16-hex-digit argument to terminate is an SPI, never a name.  Suggested `list` format, one line per IKE SA and one
 * indented line per child:
 *	CONN ISPI_RSPI STATE PEERADDR[PORT] PEERID
 *	  CHILD SPIIN/SPIOUT tunnel|transport LOCALTS === REMOTETS
 */
struct ctl_ops {
	void	*arg;
	void	(*list)(void *arg, struct ctl_reply *);
	void	(*initiate)(void *arg, const char *conn, const char *child,
		    struct ctl_reply *);
	void	(*terminate)(void *arg, const char *conn,
		    const uint8_t *ispi, struct ctl_reply *);	/* one is NULL */
	void	(*reload)(void *arg, struct ctl_reply *);
};

struct ctl;

/*
 * Listen on path (an old socket there is replaced; the directory must
 * exist).  NULL with a reason in err.
 */
struct ctl *ctl_open(const char *path, const struct ctl_ops *, char *err,
	    size_t errlen);
int	ctl_fd(const struct ctl *);		/* poll for POLLIN */
/* The listening socket is readable: serve one client. */
void	ctl_handle(struct ctl *);
/* Stop listening and remove the socket file. */
void	ctl_close(struct ctl *);

/*
 * The client's side (keydctl): send one request line, read the reply
 * up to the final ".", undo the dot-stuffing.  Returns 0 if the request
 * succeeded, 1 if the daemon answered with an error (the "error: ..."
 * line is included in out), -1 if there was no usable answer (errno).
 */
int	ctl_request(const char *path, const char *line, struct buf *out,
	    int timeout_ms);

#endif /* _KEYD_CTL_H */
