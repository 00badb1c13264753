/* SPDX-License-Identifier: ISC */
/* The event loop (loop.c): sockets, the kernel seam, signals, timers. */
#ifndef _KEYD_LOOP_H
#define _KEYD_LOOP_H

#include "keyd.h"

struct loop {
	struct keyd	k;
	int		fd4, fd6;	/* UDP 500 */
	int		nat4, nat6;	/* UDP 4500: the non-ESP marker first */
	int		running;
};

int	loop_init(struct loop *, struct keyd_config *, struct kern *);
/* Start IKE for a connection (child NULL: its first); 0 or -1. */
int	loop_initiate(struct loop *, const char *conn, const char *child);
/* Install (del 0) or remove the trap policies of k.cfg (ctl_ops reload). */
void	loop_traps(struct loop *, int del);
/* Until SIGTERM/SIGINT; 0 after a clean shutdown. */
int	loop_run(struct loop *);

#endif /* _KEYD_LOOP_H */
