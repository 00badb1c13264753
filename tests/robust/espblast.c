// SPDX-License-Identifier: GPL-2.0
/*
 * espblast — send many malformed ESP and AH packets fast, for
 * tests/robust/esp-fuzz.sh.
 *
 *   espblast IFACE TEMPLATES COUNT SEED
 *
 * TEMPLATES is what esp_templates.py wrote. First every template is sent
 * once, in file order (their sequence numbers ascend, so each meets its own
 * defect rather than the replay window). Then, until COUNT logical packets
 * have gone out, a random template is sent again as it is (a replay, or the
 * same defect again) or, three times in four for the single-frame
 * templates, mutated: bits flipped, cut short, grown with junk, a random
 * or edge sequence number, a random SPI. Mutations touch the
 * ESP or AH part only and keep the IP header right (lengths, checksum; for
 * IPv6 AH, a next header the IP layer would parse on), so every packet
 * reaches nfipsec rather than being held or dropped by the IP layer first.
 * A template of several fragments is one logical packet (reassembled before
 * nfipsec); each sending gets a fresh IP ID or fragment identification.
 *
 * Frames go out through an AF_PACKET socket with sendmmsg(). The receiver
 * drains its backlog in softirq context; when it falls behind (the length
 * of the backlog in /proc/net/softnet_stat, column 12) the sender waits,
 * so that nothing is lost for want of queue room.
 *
 * Prints "sent LOGICAL frames FRAMES" at the end. ESPBLAST_ONLY=I in the
 * environment sends template I once, alone: to see what each one does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME	1514
#define BATCH		32
#define BACKLOG_HIGH	500

struct frame {
	uint16_t len, espoff, idoff;
	uint8_t data[MAX_FRAME];
};

#define TMPL_MUTABLE	0x01	/* espblast may mutate it */
#define TMPL_AH		0x02	/* AH: SPI and sequence number 4 bytes later */

struct tmpl {
	uint8_t accept, flags;
	uint16_t nframes;
	struct frame *f;
};

static struct tmpl *tmpls;
static unsigned int ntmpl;
static uint64_t rng;
static uint32_t ident = 0x1000;

static uint64_t rnd(void)
{
	/* xorshift64: reproducible from the seed, which the log shows. */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t hdr[8];
	unsigned int i, j;

	if (!fp)
		die(path);
	if (fread(hdr, 1, 8, fp) != 8 || memcmp(hdr, "NFBL", 4))
		goto bad;
	ntmpl = hdr[4] | hdr[5] << 8 | hdr[6] << 16 | (uint32_t)hdr[7] << 24;
	tmpls = calloc(ntmpl, sizeof(*tmpls));
	if (!tmpls || !ntmpl)
		goto bad;
	for (i = 0; i < ntmpl; i++) {
		uint8_t t[4];

		if (fread(t, 1, 4, fp) != 4)
			goto bad;
		tmpls[i].accept = t[0];
		tmpls[i].flags = t[1];
		tmpls[i].nframes = t[2] | t[3] << 8;
		tmpls[i].f = calloc(tmpls[i].nframes, sizeof(struct frame));
		if (!tmpls[i].f || !tmpls[i].nframes)
			goto bad;
		for (j = 0; j < tmpls[i].nframes; j++) {
			struct frame *f = &tmpls[i].f[j];
			uint8_t h[6];

			if (fread(h, 1, 6, fp) != 6)
				goto bad;
			f->len = h[0] | h[1] << 8;
			f->espoff = h[2] | h[3] << 8;
			f->idoff = h[4] | h[5] << 8;
			if (f->len > MAX_FRAME || f->len < 34 ||
			    f->espoff > f->len || f->idoff + 4 > f->len ||
			    fread(f->data, 1, f->len, fp) != f->len)
				goto bad;
		}
	}
	fclose(fp);
	return;
bad:
	fprintf(stderr, "espblast: %s: not a template file\n", path);
	exit(1);
}

static int is_v4(const struct frame *f)
{
	return f->data[12] == 0x08 && f->data[13] == 0x00;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The IPv4 header checksum, or the IPv6 payload length, after a change. */
static void fix_ip(struct frame *f)
{
	uint8_t *ip = f->data + ETH_HLEN;
	unsigned int i, ihl;
	uint32_t sum = 0;

	if (!is_v4(f)) {
		put16(ip + 4, f->len - ETH_HLEN - 40);
		return;
	}
	ihl = (ip[0] & 0xf) * 4;
	if (f->espoff)
		put16(ip + 2, f->len - ETH_HLEN);
	ip[10] = ip[11] = 0;
	for (i = 0; i < ihl; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum);
}

/* The headers the kernel's IPv6 extension header walk steps over. */
static int v6_ext_hdr(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static void mutate(struct frame *f, int ah)
{
	static const uint32_t edges[] = { 0, 1, 2, 63, 64, 65, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff };
	unsigned int esp = f->espoff, n, i;
	uint8_t *p = f->data + esp;
	/* AH's next header, length and reserved fields come first. */
	unsigned int id = ah ? 4 : 0;
	uint8_t nh = f->len > esp ? p[0] : 0;

	switch (rnd() % 6) {
	case 0:		/* flip one to four bits anywhere in ESP or AH */
	case 1:
		if (f->len == esp)
			break;
		for (i = 0, n = 1 + rnd() % 4; i < n; i++)
			p[rnd() % (f->len - esp)] ^= 1 << (rnd() % 8);
		break;
	case 2:		/* cut short */
		f->len = esp + rnd() % (f->len - esp + 1);
		break;
	case 3:		/* grow with junk, up to the MTU */
		n = esp + (f->len - esp) + rnd() % (MAX_FRAME - f->len + 1);
		for (i = f->len; i < n; i++)
			f->data[i] = rnd();
		f->len = n;
		break;
	case 4:		/* a sequence number at an edge, or anywhere */
		if (f->len >= esp + id + 8) {
			uint32_t s = rnd() % 2 ? edges[rnd() % 10] : (uint32_t)rnd();

			p += id + 4;
			p[0] = s >> 24; p[1] = s >> 16; p[2] = s >> 8; p[3] = s;
		}
		break;
	case 5:		/* an SPI nobody has */
		if (f->len >= esp + id + 4) {
			uint32_t s = rnd() | 0x10000;

			p += id;
			p[0] = s >> 24; p[1] = s >> 16; p[2] = s >> 8; p[3] = s;
		}
		break;
	}
	/*
	 * Before nfipsec, nf_defrag_ipv6 walks IPv6's extension headers
	 * through AH looking for a Fragment header: an AH next header
	 * flipped into one of those could make the packet a "fragment" that
	 * the IP layer holds until its reassembly times out, so nfipsec
	 * would never see it. (Seed 74 made one in a million.)
	 */
	if (ah && !is_v4(f) && f->len > esp && v6_ext_hdr(f->data[esp]))
		f->data[esp] = nh;
	fix_ip(f);
}

/* Softnet backlog of all CPUs (column 12 of /proc/net/softnet_stat). */
static unsigned long backlog(void)
{
	FILE *fp = fopen("/proc/net/softnet_stat", "r");
	unsigned long sum = 0, v[12];
	char line[256];

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%lx %lx %lx %lx %lx %lx %lx %lx %lx %lx %lx %lx",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) == 12)
			sum += v[11];
	}
	fclose(fp);
	return sum;
}

static int sock;
static struct sockaddr_ll sll;
static struct frame batch[BATCH];
static unsigned int nbatch;
static unsigned long long frames_sent;

static void flush_wait(unsigned long high)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned int i, done = 0;
	int n;

	for (i = 0; i < nbatch; i++) {
		iov[i].iov_base = batch[i].data;
		iov[i].iov_len = batch[i].len;
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_name = &sll;
		msg[i].msg_hdr.msg_namelen = sizeof(sll);
	}
	while (done < nbatch) {
		n = sendmmsg(sock, msg + done, nbatch - done, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			die("sendmmsg");
		}
		done += n;
	}
	frames_sent += nbatch;
	nbatch = 0;
	while (backlog() > high)
		usleep(1000);
}

static void flush(void)
{
	flush_wait(BACKLOG_HIGH);
}

/* Queue one logical packet: template @t, mutated or not. */
static void send_tmpl(const struct tmpl *t, int mut)
{
	unsigned int j;

	if (nbatch + t->nframes > BATCH)
		flush();
	ident++;
	for (j = 0; j < t->nframes; j++) {
		struct frame *f = &batch[nbatch++];

		memcpy(f, &t->f[j], sizeof(*f));
		if (f->idoff) {
			uint8_t *p = f->data + f->idoff;

			if (is_v4(f)) {
				put16(p, ident);
			} else {
				p[0] = ident >> 24; p[1] = ident >> 16;
				p[2] = ident >> 8; p[3] = ident;
			}
		}
		if (mut)
			mutate(f, t->flags & TMPL_AH);
		else if (is_v4(f))
			fix_ip(f);
	}
}

int main(int argc, char **argv)
{
	unsigned long long count, sent = 0;
	unsigned int i;

	if (argc != 5) {
		fprintf(stderr, "usage: espblast IFACE TEMPLATES COUNT SEED\n");
		return 2;
	}
	load(argv[2]);
	count = strtoull(argv[3], NULL, 0);
	rng = strtoull(argv[4], NULL, 0) | 1;
	sock = socket(AF_PACKET, SOCK_RAW, 0);
	if (sock < 0)
		die("socket");
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_halen = ETH_ALEN;
	if (!sll.sll_ifindex)
		die(argv[1]);

	/* ESPBLAST_ONLY=I: template I alone, once (to see what it does). */
	if (getenv("ESPBLAST_ONLY")) {
		i = strtoul(getenv("ESPBLAST_ONLY"), NULL, 0);
		if (i >= ntmpl)
			return 2;
		send_tmpl(&tmpls[i], 0);
		flush_wait(0);
		printf("sent 1 frames %llu\n", frames_sent);
		return 0;
	}
	/*
	 * The first sendings must arrive in order (their sequence numbers
	 * ascend): one at a time, each given time to clear the backlog and
	 * any asynchronous crypto.
	 */
	for (i = 0; i < ntmpl && sent < count; i++, sent++) {
		send_tmpl(&tmpls[i], 0);
		flush_wait(0);
		usleep(20000);
	}
	while (sent < count) {
		const struct tmpl *t = &tmpls[rnd() % ntmpl];

		send_tmpl(t, (t->flags & TMPL_MUTABLE) && rnd() % 4);
		if (++sent % 100000 == 0)
			fprintf(stderr, "espblast: %llu sent\n", sent);
	}
	flush();
	printf("sent %llu frames %llu\n", sent, frames_sent);
	return 0;
}
