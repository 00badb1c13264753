/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for keyd.conf: the config parser (keyd/config*.c)
 * with identities and PAD patterns (id.c, pad.c).  A config file is
 * untrusted input too: whatever it holds must end in a clean error or a
 * config that config_free() releases, never a crash or a leak.  Parsed
 * configs are then exercised: every PAD pattern is formatted and looked
 * up against the local identities, and the PSK lookup runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "id.h"
#include "pad.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyd_config cfg;
	struct config_id id;
	char err[512], txt[ID_TEXT_MAX], *s;
	const char *why;
	int i;

	if (config_parse("fuzz.conf", (const char *)data, size, &cfg, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < cfg.npad; i++)
			idpat_format(&cfg.pad[i].idpat, txt, sizeof(txt));
		for (i = 0; i < cfg.nconns; i++) {
			id_format(&cfg.conns[i].local.id, txt, sizeof(txt));
			pad_lookup(&cfg, &cfg.conns[i].local.id, NULL);
			config_find_psk(&cfg, &cfg.conns[i].local.id, NULL);
		}
		config_free(&cfg);
	} else if (strncmp(err, "fuzz.conf", 9) != 0) {
		abort();		/* every error names the file */
	}
	/* The input as one identity: parse, format, compare with itself. */
	if (size < 600 && (s = strndup((const char *)data, size)) != NULL) {
		if (id_parse(s, &id, &why) == 0) {
			id_format(&id, txt, sizeof(txt));
			if (!id_equal(&id, &id))
				abort();
		}
		free(s);
	}
	return (0);
}
