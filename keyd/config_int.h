/* SPDX-License-Identifier: ISC */
/*
 * Inside the configuration parser: the syntax tree (config_tree.c) and the
 * value parsers (config_val.c) that config.c and pad.c share.  Nothing
 * here is for the daemon; it sees config.h only.
 */
#ifndef _KEYD_CONFIG_INT_H
#define _KEYD_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum {
	CTREE_DEPTH_MAX	= 8,		/* connections/NAME/children/NAME/... */
	CTREE_FILE_MAX	= 1 << 20,
};

/* A section (`value` NULL) or a `key = value` line. */
struct cnode {
	char		*key;
	char		*value;
	int		 line;
	struct cnode	*child;		/* sections: first item */
	struct cnode	*next;
};

/*
 * Parse text into a tree of sections.  Syntax errors and duplicate keys
 * or sections are reported as "FILE:LINE: message" in err.  Returns the
 * root (a section with no key) or NULL.
 */
struct cnode	*ctree_parse(const char *path, const char *text, size_t len,
		    char *err, size_t errlen);
void		 ctree_free(struct cnode *);

/*
 * Value parsers.  Each returns NULL on success or a static message saying
 * what is wrong with the value.
 */
const char	*cv_bool(const char *, int *);
const char	*cv_uint(const char *, uint64_t max, uint64_t *);
const char	*cv_duration(const char *, uint64_t *);	/* seconds */
const char	*cv_count(const char *, uint64_t *);	/* k/M/G suffixes */
const char	*cv_addr(const char *, struct config_addr *);
const char	*cv_ts(const char *, struct config_ts *);
const char	*cv_proposal(const char *, int esp, struct config_proposal *);
const char	*cv_secret(const char *, uint8_t **, size_t *);
const char	*cv_pfp(const char *, int *);
const char	*cv_mark(const char *, uint32_t *value, uint32_t *mask);

/*
 * Split a comma-separated list in place: up to max trimmed, non-empty
 * items.  Returns the count, or -1 if there are more or one is empty.
 */
int		 cv_split(char *, char **items, int max);

/* The address family of a config_addr and whether sa lies in it. */
/* The range as ADDR/PLEN if it is exactly one prefix; 0 or -1. */
int		 cv_addr_prefix(const struct config_addr *,
		    struct sockaddr_storage *, uint8_t *plen);
int		 cv_addr_contains(const struct config_addr *,
		    const struct sockaddr *);

#endif /* _KEYD_CONFIG_INT_H */
