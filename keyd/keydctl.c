/* SPDX-License-Identifier: ISC */
/*
 * keydctl: control a running keyd over its control socket (ctl.h).
 *
 *	keydctl [-s SOCKET | -f KEYD.CONF] [-t SECONDS] list
 *	keydctl ... initiate CONN[/CHILD]
 *	keydctl ... terminate CONN|IKESPI
 *	keydctl ... reload
 *
 * Exit status: 0 done, 1 keyd refused the request, 2 usage or no answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: keydctl [-s socket | -f keyd.conf] "
	    "[-t seconds] list | initiate CONN[/CHILD] | terminate "
	    "CONN|IKESPI | reload\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *sock = "/run/keyd.ctl", *conf = NULL, *why;
	char line[CTL_LINE_MAX + 1], err[512];
	struct keyd_config cfg;
	struct ctl_req req;
	struct buf out;
	int ch, r, secs = 10;

	while ((ch = getopt(argc, argv, "f:s:t:")) != -1) {
		switch (ch) {
		case 'f':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			secs = atoi(optarg);
			if (secs <= 0 || secs > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	if (snprintf(line, sizeof(line), "%s%s%s", argv[0], argc == 2 ? " " :
	    "", argc == 2 ? argv[1] : "") >= (int)sizeof(line))
		usage();
	/* Check here too, so a typo is reported without a daemon. */
	if (ctl_parse(line, &req, &why) < 0) {
		fprintf(stderr, "keydctl: %s\n", why);
		return (2);
	}
	if (conf != NULL) {
		if (config_load(conf, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "keydctl: %s\n", err);
			return (2);
		}
		sock = cfg.ctl_socket;
	}
	buf_init(&out);
	r = ctl_request(sock, line, &out, secs * 1000);
	if (r < 0) {
		fprintf(stderr, "keydctl: %s: %s\n", sock, strerror(errno));
		r = 2;
	} else {
		fwrite(out.data, 1, out.len, r ? stderr : stdout);
	}
	buf_free(&out);
	if (conf != NULL)
		config_free(&cfg);
	return (r);
}
