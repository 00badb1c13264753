// SPDX-License-Identifier: GPL-2.0
/*
 * cryptouser — make or remove a crypto API instance over NETLINK_CRYPTO,
 * as crconf does (Debian has no crconf). tests/bench/guest uses it to give
 * XFRM pcrypt: XFRM asks for "seqiv(rfc4106(gcm(aes)))" by name, and the
 * crypto API hands out the highest-priority implementation of a name, so
 * an instance "seqiv(pcrypt(rfc4106(gcm(aes))))" (pcrypt adds 100 to the
 * priority) is what XFRM's next SA gets.
 *
 *   cryptouser add NAME      instantiate NAME (an AEAD template chain)
 *   cryptouser del DRIVER    unregister the instance of that driver name
 */
#include <errno.h>
#include <linux/cryptouser.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CRYPTO_ALG_TYPE_AEAD	0x3
#define CRYPTO_ALG_TYPE_MASK	0xf

int main(int argc, char **argv)
{
	struct {
		struct nlmsghdr h;
		struct crypto_user_alg a;
	} req;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	char buf[4096];
	struct nlmsghdr *h = (void *)buf;
	int fd, n;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")) ||
	    strlen(argv[2]) >= sizeof(req.a.cru_driver_name)) {
		fprintf(stderr, "usage: cryptouser add|del NAME\n");
		return 2;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = argv[1][0] == 'a' ? CRYPTO_MSG_NEWALG : CRYPTO_MSG_DELALG;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	strcpy(req.a.cru_driver_name, argv[2]);
	req.a.cru_type = CRYPTO_ALG_TYPE_AEAD;
	req.a.cru_mask = CRYPTO_ALG_TYPE_MASK;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_CRYPTO);
	if (fd < 0) {
		perror("cryptouser: socket(NETLINK_CRYPTO) (is crypto_user loaded?)");
		return 1;
	}
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		perror("cryptouser: sendto");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (int)sizeof(*h) || h->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "cryptouser: no answer\n");
		return 1;
	}
	n = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
	if (n) {
		fprintf(stderr, "cryptouser: %s %s: %s\n", argv[1], argv[2], strerror(n));
		return 1;
	}
	close(fd);
	return 0;
}
