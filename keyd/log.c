// SPDX-License-Identifier: ISC
/*
 * keyd's log lines.  See log.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keyd.h"
#include "log.h"

static int log_fg = 1, log_level = LOG_LVL_INFO;

void
log_init(int foreground, int level)
{
	log_fg = foreground;
	log_level = level;
	if (!foreground)
		openlog("keyd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };
	struct timespec ts;

	if (lvl > log_level)
		return;
	if (!log_fg) {
		vsyslog(prio[lvl], fmt, ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOGFN(name, lvl)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	vlog(lvl, fmt, ap);				\
	va_end(ap);					\
}
LOGFN(log_warn, LOG_LVL_WARN)
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)

const char *
log_addr(const void *p)
{
	static char s[2][INET6_ADDRSTRLEN + 8];
	static int which;
	const struct sockaddr_storage *ss = p;
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	char *out = s[which ^= 1];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = p;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = p;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	}
	if (port)
		snprintf(out, sizeof(s[0]), ss->ss_family == AF_INET6 ?
		    "[%s]:%u" : "%s:%u", a, port);
	else
		snprintf(out, sizeof(s[0]), "%s", a);
	return (out);
}

/* The peer's ID as text: printable types as they are, others in hex. */
static void
id_text(const struct config_id *id, char *out, size_t len)
{
	size_t i, o = 0;

	if (id->len == 0) {
		snprintf(out, len, "-");
		return;
	}
	if (id->type == IKEV2_ID_IPV4_ADDR && id->len == 4) {
		inet_ntop(AF_INET, id->data, out, len);
		return;
	}
	if (id->type == IKEV2_ID_IPV6_ADDR && id->len == 16) {
		inet_ntop(AF_INET6, id->data, out, len);
		return;
	}
	if (id->type == IKEV2_ID_FQDN || id->type == IKEV2_ID_RFC822_ADDR) {
		for (i = 0; i < id->len && o + 1 < len; i++)
			out[o++] = id->data[i] >= 0x20 && id->data[i] < 0x7f ?
			    id->data[i] : '?';
		out[o] = 0;
		return;
	}
	for (i = 0; i < id->len && o + 3 < len; i++)
		o += snprintf(out + o, len - o, "%02x", id->data[i]);
	out[o] = 0;
}

static void
spi_hex(const uint8_t *spi, char *out)
{
	int i;

	for (i = 0; i < IKEV2_SPI_SIZE; i++)
		sprintf(out + 2 * i, "%02x", spi[i]);
}

void
log_exchange(const struct keyd *k, const struct ike_sa *sa, const char *what,
    const char *fmt, ...)
{
	char line[512], id[128], is[17], rs[17];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	spi_hex(sa->ispi, is);
	spi_hex(sa->rspi, rs);
	id_text(&sa->peer_id, id, sizeof(id));
	log_info("%s%s%s %s ispi=%s rspi=%s peer=%s %s id=%s %s",
	    k->name ? k->name : "", k->name ? ": " : "", sa->conn, what, is,
	    rs, log_addr(&sa->addr.remote), sa->initiator ? "init" : "resp",
	    id, line);
}

const char *
log_notify(unsigned type)
{
	switch (type) {
	case IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return ("UNSUPPORTED_CRITICAL_PAYLOAD");
	case IKEV2_N_INVALID_IKE_SPI:		return ("INVALID_IKE_SPI");
	case IKEV2_N_INVALID_MAJOR_VERSION:	return ("INVALID_MAJOR_VERSION");
	case IKEV2_N_INVALID_SYNTAX:		return ("INVALID_SYNTAX");
	case IKEV2_N_INVALID_MESSAGE_ID:	return ("INVALID_MESSAGE_ID");
	case IKEV2_N_INVALID_SPI:		return ("INVALID_SPI");
	case IKEV2_N_NO_PROPOSAL_CHOSEN:	return ("NO_PROPOSAL_CHOSEN");
	case IKEV2_N_INVALID_KE_PAYLOAD:	return ("INVALID_KE_PAYLOAD");
	case IKEV2_N_AUTHENTICATION_FAILED:	return ("AUTHENTICATION_FAILED");
	case IKEV2_N_SINGLE_PAIR_REQUIRED:	return ("SINGLE_PAIR_REQUIRED");
	case IKEV2_N_NO_ADDITIONAL_SAS:		return ("NO_ADDITIONAL_SAS");
	case IKEV2_N_INTERNAL_ADDRESS_FAILURE:	return ("INTERNAL_ADDRESS_FAILURE");
	case IKEV2_N_FAILED_CP_REQUIRED:	return ("FAILED_CP_REQUIRED");
	case IKEV2_N_TS_UNACCEPTABLE:		return ("TS_UNACCEPTABLE");
	case IKEV2_N_INVALID_SELECTORS:		return ("INVALID_SELECTORS");
	case IKEV2_N_UNACCEPTABLE_ADDRESSES:	return ("UNACCEPTABLE_ADDRESSES");
	case IKEV2_N_UNEXPECTED_NAT_DETECTED:	return ("UNEXPECTED_NAT_DETECTED");
	case IKEV2_N_TEMPORARY_FAILURE:		return ("TEMPORARY_FAILURE");
	case IKEV2_N_CHILD_SA_NOT_FOUND:	return ("CHILD_SA_NOT_FOUND");
	}
	return ("error notify");
}
