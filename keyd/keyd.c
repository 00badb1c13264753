// SPDX-License-Identifier: ISC
/*
 * keyd: the IKEv2 daemon.
 *
 *   keyd [-d] [-f FILE] [-P PIDFILE]
 *   keyd --check [-f FILE]
 *
 * -d stays in the foreground and logs to stderr at debug level; without
 * it keyd daemonizes and logs to syslog.  --check only loads the
 * configuration: exit 0, or 1 with "FILE:LINE: message".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kern.h"
#include "log.h"
#include "loop.h"

static void
usage(void)
{
	fprintf(stderr, "usage: keyd [-d] [-f config] [-P pidfile]\n"
	    "       keyd --check [-f config]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "/etc/keyd.conf", *pidfile = NULL;
	struct keyd_config cfg;
	static struct loop l;
	struct kern *kern;
	char err[512];
	int ch, fg = 0, check = 0, r;

	while ((ch = getopt_long(argc, argv, "df:P:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			fg = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'c':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	if (check) {
		config_free(&cfg);
		return (0);
	}
	log_init(1, fg ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	kern = pfkey_open();
	if (kern == NULL) {
		log_warn("PF_KEY: %s (is nfipsec or af_key loaded?)",
		    strerror(errno));
		return (1);
	}
	if (loop_init(&l, &cfg, kern) < 0)
		return (1);
	if (!fg) {
		if (daemon(0, 0) < 0) {
			log_warn("daemon: %s", strerror(errno));
			return (1);
		}
		log_init(0, LOG_LVL_INFO);
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	log_info("keyd started with %s: %d connection(s)", path, cfg.nconns);
	r = loop_run(&l);
	kern->ops->close(kern->arg);
	config_free(&cfg);
	if (pidfile)
		unlink(pidfile);
	return (r < 0);
}
