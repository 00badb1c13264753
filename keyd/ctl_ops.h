/* SPDX-License-Identifier: ISC */
/*
 * What keydctl's verbs do to the daemon (ctl_ops.c); the protocol and
 * the socket are ctl.h's, the poll hook loop.c's.
 */
#ifndef _KEYD_CTL_OPS_H
#define _KEYD_CTL_OPS_H

#include "ctl.h"
#include "keyd.h"

struct loop;

/* The handlers for ctl_open(), over this loop's daemon. */
void	ctl_ops_fill(struct ctl_ops *, struct loop *);
/* At exit: free a configuration `reload` installed. */
void	ctl_ops_done(struct loop *);

/*
 * The parts that need only the SA tables (and so run in the exchange
 * tests without a loop):
 *   list: one line per IKE SA, one indented line per Child SA
 *	CONN ISPI_RSPI STATE LOCAL === REMOTE PEERID
 *	  CHILD SPIIN/SPIOUT tunnel|transport LOCALTS === REMOTETS
 *   terminate: Delete to the peer and drop every live IKE SA of the
 *	connection (conn) or the one with this initiator SPI (ispi).
 */
void	ctl_list(struct keyd *, struct ctl_reply *);
void	ctl_terminate(struct keyd *, const char *conn, const uint8_t *ispi,
	    struct ctl_reply *);

#endif /* _KEYD_CTL_OPS_H */
