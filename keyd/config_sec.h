/* SPDX-License-Identifier: ISC */
/*
 * Shared between config.c (connections) and config_sec.c (secrets, PAD,
 * cross-checks): the load context and the per-key helpers, each of which
 * returns 0 or -1 with "FILE:LINE: message" already written.
 */
#ifndef _KEYD_CONFIG_SEC_H
#define _KEYD_CONFIG_SEC_H

#include "config_int.h"

struct cctx {
	const char		*path;
	char			 dir[256];	/* relative file names start here */
	char			*err;
	size_t			 errlen;
	struct keyd_config	*cfg;
};

int	cfg_err(struct cctx *, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	cfg_bad(struct cctx *, const struct cnode *, const char *why);
int	cfg_unknown(struct cctx *, const struct cnode *, const char *where);
int	cfg_value(struct cctx *, const struct cnode *);
int	cfg_section(struct cctx *, const struct cnode *);
int	cfg_bool(struct cctx *, const struct cnode *, int *);
int	cfg_list(struct cctx *, const struct cnode *, char **buf,
	    char **items, int max);
int	cfg_addrs(struct cctx *, const struct cnode *, struct config_addr *,
	    int *);
int	cfg_tss(struct cctx *, const struct cnode *, struct config_ts *, int *);
int	cfg_path(struct cctx *, const struct cnode *, char *, size_t);
int	cfg_cacerts(struct cctx *, const struct cnode *, char *, size_t);
int	cfg_idpat(struct cctx *, const struct cnode *,
	    struct config_idpattern *);

int	secrets_parse(struct cctx *, const struct cnode *);
int	pad_parse(struct cctx *, const struct cnode *);
/* After everything is parsed: PSKs and keys exist, implied PAD entries. */
int	config_check(struct cctx *, const struct cnode *root);

#endif /* _KEYD_CONFIG_SEC_H */
