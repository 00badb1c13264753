/* SPDX-License-Identifier: ISC */
/*
 * The address bytes and port of an AF_INET or AF_INET6 sockaddr_storage,
 * ports in host order.  One copy for the daemon's files that move IKE
 * endpoints around (loop.c, ike_sa_init.c, natt.c).
 */
#ifndef KEYD_SOCKADDR_H
#define KEYD_SOCKADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

static inline void
ss_addr(const struct sockaddr_storage *ss, const uint8_t **p, size_t *len,
    uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		*p = (const uint8_t *)&s->sin_addr;
		*len = 4;
		*port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		*p = (const uint8_t *)&s->sin6_addr;
		*len = 16;
		*port = ntohs(s->sin6_port);
	}
}

static inline void
ss_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static inline uint16_t
ss_port(const struct sockaddr_storage *ss)
{
	return (ntohs(ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)ss)->sin6_port));
}

#endif /* KEYD_SOCKADDR_H */
