// SPDX-License-Identifier: GPL-2.0
/*
 * pfkey_dump N — for tests/netns/pfkey-dump100k.sh: ADD N ESP SAs (AES-GCM,
 * SPIs 0x10000 .. 0x10000 + N - 1, 192.0.2.1 -> 192.0.2.2) through one
 * PF_KEY socket, then SADB_DUMP them through a socket whose receive buffer
 * is 4 kB, so the dump must pause and go on as the reader drains it.
 * Checks: N replies, every SPI exactly once, sadb_msg_seq counting down to
 * 0 in the last one, no ENOBUFS (a lost reply). Prints timings; exit 1 on
 * any failure.
 */
#include <errno.h>
#include <linux/pfkeyv2.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SPI0 0x10000u

struct add {
	struct sadb_msg h;
	struct sadb_sa sa;
	struct sadb_address src;
	struct sockaddr_in s;
	struct sadb_address dst;
	struct sockaddr_in d;
	struct sadb_key key;
	uint8_t keybits[24];	/* 160 bits: AES-128 and the salt, padded */
};

_Static_assert(sizeof(struct add) == 112, "no padding between extensions");

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int pfkey(int rcvbuf)
{
	int fd = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);

	if (fd < 0) {
		perror("socket(PF_KEY)");
		exit(2);
	}
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf))) {
		perror("SO_RCVBUF");
		exit(2);
	}
	return fd;
}

static void addr(struct sadb_address *a, struct sockaddr_in *s, uint16_t type,
		 uint32_t ip)
{
	a->sadb_address_len = (sizeof(*a) + sizeof(*s)) / 8;
	a->sadb_address_exttype = type;
	a->sadb_address_prefixlen = 32;
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(ip);
}

int main(int argc, char **argv)
{
	uint8_t buf[65536], *seen;
	unsigned long n, i, got = 0, last_seq = ~0UL;
	int fd, dfd, rcv = 4096;
	struct add m;
	double t0;

	if (argc != 2)
		return fprintf(stderr, "usage: pfkey_dump N\n"), 2;
	n = strtoul(argv[1], NULL, 0);
	seen = calloc(n, 1);
	fd = pfkey(0);

	memset(&m, 0, sizeof(m));
	m.h.sadb_msg_version = PF_KEY_V2;
	m.h.sadb_msg_type = SADB_ADD;
	m.h.sadb_msg_satype = SADB_SATYPE_ESP;
	m.h.sadb_msg_len = sizeof(m) / 8;
	m.h.sadb_msg_pid = getpid();
	m.sa.sadb_sa_len = sizeof(m.sa) / 8;
	m.sa.sadb_sa_exttype = SADB_EXT_SA;
	m.sa.sadb_sa_replay = 32;
	m.sa.sadb_sa_state = SADB_SASTATE_MATURE;
	m.sa.sadb_sa_encrypt = SADB_X_EALG_AES_GCM_ICV16;
	addr(&m.src, &m.s, SADB_EXT_ADDRESS_SRC, 0xc0000201);
	addr(&m.dst, &m.d, SADB_EXT_ADDRESS_DST, 0xc0000202);
	m.key.sadb_key_len = (sizeof(m.key) + sizeof(m.keybits)) / 8;
	m.key.sadb_key_exttype = SADB_EXT_KEY_ENCRYPT;
	m.key.sadb_key_bits = 160;
	memset(m.keybits, 0x42, 20);

	t0 = now();
	for (i = 0; i < n; i++) {
		ssize_t r;

		m.h.sadb_msg_seq = i;
		m.sa.sadb_sa_spi = htonl(SPI0 + i);
		if (send(fd, &m, sizeof(m), 0) < 0) {
			perror("send ADD");
			return 1;
		}
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < (ssize_t)sizeof(struct sadb_msg) ||
		    ((struct sadb_msg *)buf)->sadb_msg_errno) {
			fprintf(stderr, "ADD %#lx: errno %d\n", SPI0 + i,
				r < 0 ? errno : ((struct sadb_msg *)buf)->sadb_msg_errno);
			return 1;
		}
	}
	printf("added %lu SAs in %.1f s\n", n, now() - t0);
	close(fd);

	dfd = pfkey(rcv);
	memset(&m.h, 0, sizeof(m.h));
	m.h.sadb_msg_version = PF_KEY_V2;
	m.h.sadb_msg_type = SADB_DUMP;
	m.h.sadb_msg_satype = SADB_SATYPE_ESP;
	m.h.sadb_msg_len = 2;
	m.h.sadb_msg_pid = getpid();
	t0 = now();
	if (send(dfd, &m.h, sizeof(m.h), 0) < 0) {
		perror("send DUMP");
		return 1;
	}
	while (last_seq != 0) {
		struct sadb_msg *h = (void *)buf;
		size_t off = sizeof(*h);
		uint32_t spi = 0;
		ssize_t r = recv(dfd, buf, sizeof(buf), 0);

		if (r < 0) {
			fprintf(stderr, "DUMP after %lu replies: %s\n", got,
				strerror(errno));
			return 1;
		}
		if (h->sadb_msg_type != SADB_DUMP || h->sadb_msg_errno) {
			fprintf(stderr, "reply %lu: type %u errno %u\n", got,
				h->sadb_msg_type, h->sadb_msg_errno);
			return 1;
		}
		while (off + sizeof(struct sadb_ext) <= (size_t)r) {
			struct sadb_ext *e = (void *)(buf + off);

			if (!e->sadb_ext_len)
				break;
			if (e->sadb_ext_type == SADB_EXT_SA)
				spi = ntohl(((struct sadb_sa *)e)->sadb_sa_spi);
			off += e->sadb_ext_len * 8;
		}
		if (spi < SPI0 || spi >= SPI0 + n || seen[spi - SPI0]++) {
			fprintf(stderr, "reply %lu: SPI %#x unknown or twice\n",
				got, spi);
			return 1;
		}
		if (h->sadb_msg_seq >= last_seq) {
			fprintf(stderr, "reply %lu: seq %u after %lu\n", got,
				h->sadb_msg_seq, last_seq);
			return 1;
		}
		last_seq = h->sadb_msg_seq;
		got++;
	}
	printf("dumped %lu SAs in %.1f s through a %d-byte receive buffer\n",
	       got, now() - t0, rcv);
	if (got != n) {
		fprintf(stderr, "%lu replies for %lu SAs\n", got, n);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			return fprintf(stderr, "SPI %#lx missing\n", SPI0 + i), 1;
	printf("ok: every SPI once, seq down to 0, no ENOBUFS\n");
	return 0;
}
