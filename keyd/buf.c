/* SPDX-License-Identifier: ISC */
/*
 * Growable byte buffer; see buf.h.  Only libc, so the payload builder and
 * its tests need nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* No IKE message comes near this; the cap keeps size arithmetic sane. */
#define BUF_MAX		(1u << 24)

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

static void
wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	/* volatile so the compiler cannot drop a store before free() */
	while (n-- > 0)
		*v++ = 0;
}

void
buf_free(struct buf *b)
{
	if (b->data != NULL)
		wipe(b->data, b->cap);
	free(b->data);
	buf_init(b);
}

uint8_t *
buf_reserve(struct buf *b, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (b->err)
		return (NULL);
	if (n > BUF_MAX || b->len > BUF_MAX - n) {
		b->err = 1;
		return (NULL);
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		/*
		 * Not realloc(): the old block may hold keys and must be
		 * wiped, which realloc would not do when it moves.
		 */
		if ((p = malloc(cap)) == NULL) {
			b->err = 1;
			return (NULL);
		}
		if (b->len)
			memcpy(p, b->data, b->len);
		if (b->data != NULL)
			wipe(b->data, b->cap);
		free(b->data);
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return (p);
}

int
buf_add(struct buf *b, const void *src, size_t n)
{
	uint8_t *p;

	if ((p = buf_reserve(b, n)) == NULL)
		return (-1);
	if (n)
		memcpy(p, src, n);
	return (0);
}

int
buf_add_u8(struct buf *b, uint8_t v)
{
	return (buf_add(b, &v, 1));
}

int
buf_add_be16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v };

	return (buf_add(b, x, sizeof(x)));
}

int
buf_add_be32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	return (buf_add(b, x, sizeof(x)));
}

void
buf_put_be16(struct buf *b, size_t off, uint16_t v)
{
	if (b->err || off + 2 > b->len) {
		b->err = 1;
		return;
	}
	b->data[off] = v >> 8;
	b->data[off + 1] = v;
}

void
buf_put_be32(struct buf *b, size_t off, uint32_t v)
{
	if (b->err || off + 4 > b->len) {
		b->err = 1;
		return;
	}
	b->data[off] = v >> 24;
	b->data[off + 1] = v >> 16;
	b->data[off + 2] = v >> 8;
	b->data[off + 3] = v;
}
