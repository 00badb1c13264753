// SPDX-License-Identifier: ISC
/*
 * The event loop: one poll() over the IKE sockets (UDP 500 and 4500, v4
 * and v6; 4500 carries IKE after a non-ESP marker, RFC 3948 §2.2),
 * the kernel seam and a signalfd, with timers computed from the SAs
 * themselves (ike_sa_timers) rather than kept in a separate queue.
 *
 * Startup installs the policies of `start = trap` children and initiates
 * `start = start` ones.  ACQUIRE from the kernel initiates the matching
 * connection; EXPIRE rekeys (soft) or deletes (hard) the child it names.
 * SIGTERM/SIGINT send a Delete for every IKE SA and remove what we put
 * into the kernel.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/signalfd.h>

#include "ctl_ops.h"
#include "keyd.h"
#include "log.h"
#include "sockaddr.h"
#include "loop.h"
#include "pad_spd.h"

uint64_t
keyd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
udp_open(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	int fd, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	ss_set_port(&ss, port);
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Send from the address the SA uses, whatever the routing would pick.
 * raw: as is from the 4500 socket (a NAT keepalive), no non-ESP marker.
 */
static int
udp_sendmsg(struct keyd *k, const struct keyd_addr *a, const uint8_t *p,
    size_t len, int raw)
{
	struct loop *l = k->send_arg;
	union {
		struct cmsghdr	c;
		uint8_t		b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cm;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr m = {
		.msg_name = (void *)&a->remote,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.b,
	};
	struct cmsghdr *c = &cm.c;
	static const uint8_t marker[4];
	struct iovec iov2[2] = {
		{ .iov_base = (void *)marker, .iov_len = sizeof(marker) },
		{ .iov_base = (void *)p, .iov_len = len },
	};
	int fd, natt = raw || ss_port(&a->local) == IKEV2_NATT_PORT;

	memset(&cm, 0, sizeof(cm));
	if (natt && !raw) {	/* RFC 3948 §2.2: IKE on 4500 after 4 zero octets */
		m.msg_iov = iov2;
		m.msg_iovlen = 2;
		len += sizeof(marker);
	}
	if (a->remote.ss_family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		fd = natt ? l->nat4 : l->fd4;
		m.msg_namelen = sizeof(struct sockaddr_in);
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&a->local)->sin_addr;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };

		fd = natt ? l->nat6 : l->fd6;
		m.msg_namelen = sizeof(struct sockaddr_in6);
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&a->local)->sin6_addr;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	if (fd < 0)
		return (-1);
	return (sendmsg(fd, &m, 0) == (ssize_t)len ? 0 : -1);
}

static int
udp_send(struct keyd *k, const struct keyd_addr *a, const uint8_t *p,
    size_t len)
{
	return (udp_sendmsg(k, a, p, len, 0));
}

/* RFC 3948 §2.3: the NAT keepalive, one octet 0xff. */
static int
keepalive(struct keyd *k, const struct keyd_addr *a)
{
	static const uint8_t ff = 0xff;

	log_debug("NAT keepalive to %s", log_addr(&a->remote));
	return (udp_sendmsg(k, a, &ff, 1, 1));
}

static void
udp_recv(struct loop *l, int fd, uint16_t port)
{
	uint8_t buf[65536];
	union {
		struct cmsghdr	c;
		uint8_t		b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	} cm;
	struct keyd_addr a;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = {
		.msg_name = &a.remote, .msg_namelen = sizeof(a.remote),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.b, .msg_controllen = sizeof(cm.b),
	};
	struct cmsghdr *c;
	ssize_t n;

	for (;;) {
		memset(&a, 0, sizeof(a));
		m.msg_namelen = sizeof(a.remote);
		m.msg_controllen = sizeof(cm.b);
		n = recvmsg(fd, &m, 0);
		if (n < 0)
			return;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				struct sockaddr_in *s = (void *)&a.local;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				s->sin_family = AF_INET;
				s->sin_addr = pi.ipi_addr;
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				struct sockaddr_in6 *s = (void *)&a.local;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				s->sin6_family = AF_INET6;
				s->sin6_addr = pi.ipi6_addr;
			}
		}
		if (a.local.ss_family != a.remote.ss_family)
			continue;
		ss_set_port(&a.local, port);
		l->k.now = keyd_now_ms();
		if (port == IKEV2_NATT_PORT) {
			/* keepalives (0xff) and ESP (non-zero SPI) aren't ours */
			if (n < 4 || memcmp(buf, "\0\0\0\0", 4))
				continue;
			keyd_recv(&l->k, &a, buf + 4, n - 4);
		} else
			keyd_recv(&l->k, &a, buf, n);
	}
}

/* Source address for reaching `remote`: what the routing table says. */
static int
route_source(const struct sockaddr_storage *remote,
    struct sockaddr_storage *local)
{
	socklen_t len = sizeof(*local);
	int fd, r;

	fd = socket(remote->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	r = connect(fd, (const struct sockaddr *)remote,
	    remote->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6));
	if (r == 0)
		r = getsockname(fd, (struct sockaddr *)local, &len);
	close(fd);
	return (r);
}

/* The IKE endpoints of a connection: its single remote address. */
static int
conn_addrs(const struct config_conn *c, const struct sockaddr_storage *hint,
    struct sockaddr_storage *local, struct sockaddr_storage *remote)
{
	if (hint)
		*remote = *hint;
	else if (c->nremote_addrs && c->remote_addrs[0].family != AF_UNSPEC)
		*remote = c->remote_addrs[0].lo;
	else
		return (-1);
	ss_set_port(remote, c->remote_port ? c->remote_port : IKEV2_UDP_PORT);
	if (c->nlocal_addrs && c->local_addrs[0].family == remote->ss_family)
		*local = c->local_addrs[0].lo;
	else if (route_source(remote, local) < 0)
		return (-1);
	ss_set_port(local, c->local_port ? c->local_port : IKEV2_UDP_PORT);
	return (0);
}

static int initiate(struct loop *, const struct config_conn *,
    const struct config_child *, const struct sockaddr_storage *, uint32_t);

int
loop_initiate(struct loop *l, const char *conn, const char *child)
{
	const struct config_conn *c = config_find_conn(l->k.cfg, conn);

	if (c == NULL)
		return (-1);
	return (initiate(l, c, child_sa_conf(c, child), NULL, 0));
}

static int
initiate(struct loop *l, const struct config_conn *c,
    const struct config_child *cc, const struct sockaddr_storage *hint,
    uint32_t acq_seq)
{
	struct sockaddr_storage local, remote;

	if (conn_addrs(c, hint, &local, &remote) < 0) {
		log_warn("%s: no addresses to initiate with", c->name);
		return (-1);
	}
	log_info("%s: initiating to %s (child %s)", c->name, log_addr(&remote),
	    cc ? cc->name : "-");
	return (ike_sa_init_start(&l->k, c->name, cc ? cc->name : NULL,
	    &local, &remote, acq_seq));
}

/* Policies for a child's configured selectors, without SAs (trap). */
static void
trap(struct loop *l, const struct config_conn *c,
    const struct config_child *cc, int del)
{
	struct ike_sa sa;
	struct child_sa ch;

	memset(&sa, 0, sizeof(sa));
	memset(&ch, 0, sizeof(ch));
	if (conn_addrs(c, NULL, &sa.addr.local, &sa.addr.remote) < 0) {
		log_warn("%s/%s: trap needs a remote address", c->name, cc->name);
		return;
	}
	ch.tunnel = cc->mode_tunnel;
	ch.reqid = 0;	/* UNIQUE with reqid 0: the kernel picks one */
	if (child_sa_local_ts(&sa, cc, 1, &ch.ts_local) < 0 ||
	    child_sa_local_ts(&sa, cc, 0, &ch.ts_remote) < 0)
		return;
	if (child_sa_policies(&l->k, &sa, &ch, del) < 0)
		log_warn("%s/%s: trap policies refused", c->name, cc->name);
}

static void
trap_restore(struct keyd *k, const char *conn, const char *child)
{
	struct loop *l = k->send_arg;
	const struct config_conn *c = config_find_conn(k->cfg, conn);
	const struct config_child *cc = child_sa_conf(c, child);

	if (l && l->running && cc && cc->start == START_TRAP)
		trap(l, c, cc, 0);
}

void
loop_traps(struct loop *l, int del)
{
	const struct keyd_config *cfg = l->k.cfg;
	int i, j;

	for (i = 0; i < cfg->nconns; i++)
		for (j = 0; j < cfg->conns[i].nchildren; j++)
			if (cfg->conns[i].children[j].start == START_TRAP)
				trap(l, &cfg->conns[i], &cfg->conns[i].children[j],
				    del);
	/* a reload swaps the PAD's Name policies too */
	pad_spd(l->k.kern, cfg, del);
}

static int
addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET)
		return (!memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4));
	return (!memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16));
}

static void
acquire(struct loop *l, const struct kern_event *ev)
{
	struct keyd *k = &l->k;
	struct ike_sa *sa;
	int i, j;

	for (i = 0; i < k->cfg->nconns; i++) {
		const struct config_conn *c = &k->cfg->conns[i];
		struct sockaddr_storage lo, re;

		if (conn_addrs(c, NULL, &lo, &re) < 0 || !addr_eq(&re, &ev->dst))
			continue;
		for (sa = k->sas; sa; sa = sa->next)
			if (sa->state != IKE_DEAD && !strcmp(sa->conn, c->name))
				break;
		if (sa) {
			log_debug("%s: ACQUIRE while an IKE SA exists", c->name);
			return;
		}
		for (j = 0; j < c->nchildren; j++)
			if (c->children[j].start == START_TRAP)
				break;
		if (j == c->nchildren)
			j = 0;
		log_info("%s: ACQUIRE for %s", c->name, log_addr(&ev->dst));
		if (initiate(l, c, c->nchildren ? &c->children[j] : NULL, NULL,
		    ev->seq) == 0)
			return;
		break;
	}
	k->kern->ops->acquire_fail(k->kern->arg, ev->seq, ENOENT);
}

static void
expire(struct loop *l, const struct kern_event *ev)
{
	struct keyd *k = &l->k;
	struct ike_sa *sa;
	struct child_sa *c;

	for (sa = k->sas; sa; sa = sa->next) {
		if (sa->state != IKE_ESTABLISHED)
			continue;
		if ((c = child_sa_by_spi(sa, ev->spi, 1)) == NULL &&
		    (c = child_sa_by_spi(sa, ev->spi, 0)) == NULL)
			continue;
		if (!ev->hard) {
			if (c->spi_in == ev->spi && !c->rekeying) {
				log_exchange(k, sa, "EXPIRE", "soft, rekeying %s %08x",
				    c->name, c->spi_in);
				c->rekey_at = k->now;	/* the timer pass rekeys */
			}
			return;
		}
		log_exchange(k, sa, "EXPIRE", "hard, deleting %s in=%08x out=%08x",
		    c->name, c->spi_in, c->spi_out);
		informational_delete_child(k, sa, c->spi_in);
		child_sa_free(k, sa, c, 1);
		return;
	}
}

/*
 * The kernel saw ESP that verified on one of our inbound SAs come from a
 * new address or port: the peer's NAT changed its mapping (natt.c).
 */
static void
new_mapping(struct loop *l, const struct kern_event *ev)
{
	struct ike_sa *sa;

	for (sa = l->k.sas; sa; sa = sa->next)
		if (sa->state == IKE_ESTABLISHED &&
		    child_sa_by_spi(sa, ev->spi, 1)) {
			natt_peer_moved(&l->k, sa, &ev->dst, "NEW_MAPPING");
			return;
		}
	log_debug("NEW_MAPPING for %08x: no such child", ev->spi);
}

static void
kern_events(struct loop *l)
{
	struct kern_event ev;

	while (l->k.kern->ops->event(l->k.kern->arg, &ev) == 1) {
		l->k.now = keyd_now_ms();
		if (ev.type == KEV_ACQUIRE)
			acquire(l, &ev);
		else if (ev.type == KEV_EXPIRE)
			expire(l, &ev);
		else if (ev.type == KEV_NEW_MAPPING)
			new_mapping(l, &ev);
	}
}

/*
 * IKE's own datagrams never go through IPsec: a transport-mode child
 * between the IKE endpoints would otherwise swallow them, and a trap
 * policy would hold back the very IKE_SA_INIT it triggers.  Bypass UDP
 * from and to our IKE port, ahead of every child's policies.
 */
static void
ike_bypass(struct loop *l, int del)
{
	static const int fam[] = { AF_INET, AF_INET6 };
	struct kern_pol p;
	int i, d;

	static const uint16_t ports[] = { IKEV2_UDP_PORT, IKEV2_NATT_PORT };
	int j;

	for (i = 0; i < 2; i++)
		for (d = 0; d < 4; d++) {
			j = d >> 1;
			memset(&p, 0, sizeof(p));
			p.src.ss_family = p.dst.ss_family = fam[i];
			p.bypass = 1;
			p.priority = KERN_PRIO_BYPASS;
			p.proto = IPPROTO_UDP;
			p.dir_out = d & 1;
			if (p.dir_out)
				p.sport = ports[j];
			else
				p.dport = ports[j];
			if (l->k.kern->ops->spd(l->k.kern->arg, &p, del) < 0 &&
			    !del)
				log_warn("cannot install the IKE bypass policy (%s)",
				    fam[i] == AF_INET ? "IPv4" : "IPv6");
		}
}

static void
startup(struct loop *l)
{
	const struct keyd_config *cfg = l->k.cfg;
	int i, j;

	ike_bypass(l, 0);
	pad_spd(l->k.kern, cfg, 0);
	for (i = 0; i < cfg->nconns; i++) {
		const struct config_conn *c = &cfg->conns[i];

		for (j = 0; j < c->nchildren; j++)
			if (c->children[j].start == START_TRAP)
				trap(l, c, &c->children[j], 0);
		for (j = 0; j < c->nchildren; j++)
			if (c->children[j].start == START_START) {
				initiate(l, c, &c->children[j], NULL, 0);
				break;
			}
	}
}

static void
shutdown_all(struct loop *l)
{
	struct keyd *k = &l->k;
	const struct keyd_config *cfg = k->cfg;
	struct ike_sa *sa;
	int i, j;

	l->running = 0;
	for (sa = k->sas; sa; sa = sa->next) {
		if (sa->state == IKE_ESTABLISHED) {
			sa->req.active = 0;	/* a Delete goes out now */
			informational_delete_ike(k, sa);
		}
		ike_sa_dead(k, sa, "shutting down");
	}
	ike_sa_reap(k);
	for (i = 0; i < cfg->nconns; i++)
		for (j = 0; j < cfg->conns[i].nchildren; j++)
			if (cfg->conns[i].children[j].start == START_TRAP)
				trap(l, &cfg->conns[i], &cfg->conns[i].children[j], 1);
	pad_spd(k->kern, cfg, 1);
	ike_bypass(l, 1);
}

int
loop_init(struct loop *l, struct keyd_config *cfg, struct kern *kern)
{
	memset(l, 0, sizeof(*l));
	l->k.cfg = cfg;
	l->k.kern = kern;
	l->k.send = udp_send;
	l->k.send_arg = l;
	l->k.keepalive = keepalive;
	l->k.trap_restore = trap_restore;
	l->k.cookie_threshold = KEYD_HALF_OPEN_MAX;
	l->k.now = keyd_now_ms();
	if (crypto_random(l->k.cookie_secret, sizeof(l->k.cookie_secret)) < 0)
		return (-1);
	l->fd4 = udp_open(AF_INET, IKEV2_UDP_PORT);
	l->fd6 = udp_open(AF_INET6, IKEV2_UDP_PORT);
	l->nat4 = udp_open(AF_INET, IKEV2_NATT_PORT);
	l->nat6 = udp_open(AF_INET6, IKEV2_NATT_PORT);
	if (l->fd4 < 0 && l->fd6 < 0) {
		log_warn("cannot bind UDP port %u: %s", IKEV2_UDP_PORT,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

int
loop_run(struct loop *l)
{
	struct keyd *k = &l->k;
	struct pollfd pfd[7];
	struct ctl_ops ops;
	struct ctl *ctl;
	char err[256];
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	l->running = 1;
	startup(l);
	ctl_ops_fill(&ops, l);
	if ((ctl = ctl_open(k->cfg->ctl_socket, &ops, err, sizeof(err))) == NULL)
		log_warn("no control socket: %s", err);
	for (;;) {
		uint64_t next;
		int timeout;

		k->now = keyd_now_ms();
		next = ike_sa_timers(k);
		ike_sa_reap(k);
		k->now = keyd_now_ms();
		timeout = next == UINT64_MAX ? 10000 :
		    next <= k->now ? 0 : (int)(next - k->now);
		if (timeout > 10000)
			timeout = 10000;
		pfd[0] = (struct pollfd){ .fd = l->fd4, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = l->fd6, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = k->kern->ops->fd(k->kern->arg),
		    .events = POLLIN };
		pfd[3] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[4] = (struct pollfd){ .fd = l->nat4, .events = POLLIN };
		pfd[5] = (struct pollfd){ .fd = l->nat6, .events = POLLIN };
		pfd[6] = (struct pollfd){ .fd = ctl ? ctl_fd(ctl) : -1,
		    .events = POLLIN };
		if (poll(pfd, 7, timeout) < 0 && errno != EINTR)
			return (-1);
		if (pfd[3].revents & POLLIN) {
			log_info("shutting down");
			shutdown_all(l);
			ctl_close(ctl);
			ctl_ops_done(l);
			close(sfd);
			return (0);
		}
		if (pfd[6].revents & POLLIN)
			ctl_handle(ctl);	/* may change k->cfg: reload */
		if (pfd[0].revents & POLLIN)
			udp_recv(l, l->fd4, IKEV2_UDP_PORT);
		if (pfd[1].revents & POLLIN)
			udp_recv(l, l->fd6, IKEV2_UDP_PORT);
		if (pfd[4].revents & POLLIN)
			udp_recv(l, l->nat4, IKEV2_NATT_PORT);
		if (pfd[5].revents & POLLIN)
			udp_recv(l, l->nat6, IKEV2_NATT_PORT);
		/* GETSPI answers may have queued kernel events: always look. */
		kern_events(l);
	}
}
