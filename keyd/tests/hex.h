/* SPDX-License-Identifier: ISC */
/* Hex helpers for the crypto tests. */
#ifndef _KEYD_TEST_HEX_H
#define _KEYD_TEST_HEX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode hex into a fresh allocation; *len gets its size. */
static inline uint8_t *
unhex(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2, i;
	uint8_t *p = malloc(n ? n : 1);
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(s + 2 * i, "%2x", &v);
		p[i] = v;
	}
	*len = n;
	return (p);
}

static inline void
seq(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = start + i;
}

#endif /* _KEYD_TEST_HEX_H */
