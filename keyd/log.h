/* SPDX-License-Identifier: ISC */
/*
 * Logging: stderr with a timestamp in the foreground (-d), syslog as a
 * daemon.  One line per exchange (log_exchange) carries both SPIs and the
 * peer's ID, so a log is greppable by either.
 */
#ifndef _KEYD_LOG_H
#define _KEYD_LOG_H

#include <stdarg.h>

struct ike_sa;
struct keyd;

enum { LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(int foreground, int level);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "IKE_AUTH ok ispi=.. rspi=.. peer=<id> child esp in=.. out=.." */
void	log_exchange(const struct keyd *, const struct ike_sa *,
	    const char *what, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
/* Text for an address (port included when nonzero); a static buffer. */
const char *log_addr(const void *sockaddr_storage);
/* An error notify's name (RFC 7296 §3.10.1), "error notify" if unknown. */
const char *log_notify(unsigned type);

#endif /* _KEYD_LOG_H */
