/* SPDX-License-Identifier: ISC */
/*
 * A growable byte buffer for building messages.
 *
 * Errors are sticky: once an allocation fails or a length overflows, every
 * later append is a no-op and buf_error() stays true, so a builder can
 * append a whole message and check once at the end.
 */
#ifndef _KEYD_BUF_H
#define _KEYD_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
	int		 err;
};

void	 buf_init(struct buf *);
/* Wipes the contents before freeing: buffers often hold key material. */
void	 buf_free(struct buf *);
/* Reserve n zeroed bytes at the end; NULL on (sticky) error. */
uint8_t	*buf_reserve(struct buf *, size_t n);
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_add_u8(struct buf *, uint8_t);
int	 buf_add_be16(struct buf *, uint16_t);
int	 buf_add_be32(struct buf *, uint32_t);
void	 buf_put_be16(struct buf *, size_t off, uint16_t);
void	 buf_put_be32(struct buf *, size_t off, uint32_t);
static inline int
buf_error(const struct buf *b)
{
	return (b->err);
}

#endif /* _KEYD_BUF_H */
