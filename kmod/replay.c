// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound anti-replay window (RFC 4303 §3.4.3) with 64-bit extended
 * sequence numbers inferred from the low 32 bits (RFC 4303 Appendix A).
 *
 * Sequence number s lives at bit s mod (words * BITS_PER_LONG) of a ring
 * bitmap. The ring is at least one word longer than the window, so when the
 * top moves forward we clear the words it enters and never a bit that is
 * still inside the window. Bits above the top in the top's word are always
 * zero: a word is cleared when the top enters it and only bits at or below
 * the top are ever set.
 */
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "replay.h"

/* With no window the inference still needs one: take the nearest epoch. */
#define NO_WINDOW_INFERENCE BIT(31)

static unsigned long *seq_word(const struct nfipsec_replay *r, u64 seq)
{
	return &r->bitmap[(seq / BITS_PER_LONG) & (r->words - 1)];
}

static unsigned long seq_mask(u64 seq)
{
	return BIT(seq % BITS_PER_LONG);
}

int nfipsec_replay_init(struct nfipsec_replay *r, u32 size, gfp_t gfp)
{
	unsigned long *bitmap = NULL;
	u32 words = 0;

	if (size > NFIPSEC_REPLAY_MAX)
		return -EINVAL;
	if (size) {
		/* One spare word, and a power of two so indexing is a mask. */
		words = roundup_pow_of_two(DIV_ROUND_UP(size, BITS_PER_LONG) + 1);
		bitmap = kvcalloc(words, sizeof(*bitmap), gfp);
		if (!bitmap)
			return -ENOMEM;
	}
	kvfree(r->bitmap);
	spin_lock_init(&r->lock);
	r->top = 0;
	r->size = size;
	r->words = words;
	r->bitmap = bitmap;
	return 0;
}

void nfipsec_replay_copy(struct nfipsec_replay *dst, struct nfipsec_replay *src)
{
	if (WARN_ON_ONCE(dst->words != src->words))
		return;
	spin_lock_bh(&src->lock);
	dst->top = src->top;
	if (src->words)
		memcpy(dst->bitmap, src->bitmap,
		       src->words * sizeof(*src->bitmap));
	spin_unlock_bh(&src->lock);
}

void nfipsec_replay_free(struct nfipsec_replay *r)
{
	kvfree(r->bitmap);
	r->bitmap = NULL;
	r->size = 0;
	r->words = 0;
}

/*
 * RFC 4303 Appendix A: which 2^32 epoch does @seq_lo belong to, given the
 * top we have seen and a window of @w packets? Anything below the window's
 * bottom would be refused as too old, so it is taken to be from the next
 * epoch instead; when the window straddles an epoch boundary, low numbers
 * at or above the bottom belong to the previous epoch.
 */
static u64 infer_seq(u64 top, u32 seq_lo, u32 w)
{
	u32 tl = lower_32_bits(top), th = upper_32_bits(top);
	u32 bottom = tl - w + 1;	/* modulo 2^32 */
	u32 sh;

	if (tl >= w - 1) {
		/* Window [bottom, tl] lies inside epoch th. */
		sh = seq_lo >= bottom ? th : th + 1;
	} else {
		/*
		 * Window wraps: [bottom, 2^32) is epoch th - 1. There is no
		 * epoch before the first, so there the number is simply ahead.
		 */
		sh = (seq_lo >= bottom && th) ? th - 1 : th;
	}
	return (u64)sh << 32 | seq_lo;
}

int nfipsec_replay_check(struct nfipsec_replay *r, u32 seq_lo, bool esn,
			 u64 *seq)
{
	u32 size = r->size;
	u64 top, s;

	if (!esn) {
		*seq = seq_lo;
		if (!size)
			return 0;	/* no check at all, as in XFRM */
	}
	top = READ_ONCE(r->top);
	s = esn ? infer_seq(top, seq_lo, size ?: NO_WINDOW_INFERENCE) : seq_lo;
	*seq = s;

	/* Counters start at 1: zero is never sent, in any epoch. */
	if (unlikely(!s))
		return -EBADMSG;
	if (!size || s > top)
		return 0;
	if (top - s >= size)
		return -EBADMSG;
	if (READ_ONCE(*seq_word(r, s)) & seq_mask(s))
		return -EBADMSG;
	return 0;
}

int nfipsec_replay_advance(struct nfipsec_replay *r, u64 seq)
{
	unsigned long *word, mask;
	int ret = 0;
	u64 top;

	spin_lock_bh(&r->lock);
	top = r->top;
	if (!r->size) {
		/* Keep the top for ESN inference; nothing else to record. */
		if (seq > top)
			WRITE_ONCE(r->top, seq);
		goto out;
	}
	if (seq > top) {
		u64 from = top / BITS_PER_LONG, to = seq / BITS_PER_LONG;
		u64 n = min_t(u64, to - from, r->words);
		u64 i;

		/* Words the top enters hold numbers a full ring older. */
		for (i = 1; i <= n; i++)
			WRITE_ONCE(*seq_word(r, (from + i) * BITS_PER_LONG), 0);
		word = seq_word(r, seq);
		WRITE_ONCE(*word, *word | seq_mask(seq));
		WRITE_ONCE(r->top, seq);
		goto out;
	}
	/* The check ran unlocked: the window may have moved since. */
	if (top - seq >= r->size) {
		ret = -EBADMSG;
		goto out;
	}
	word = seq_word(r, seq);
	mask = seq_mask(seq);
	if (*word & mask)
		ret = -EBADMSG;
	else
		WRITE_ONCE(*word, *word | mask);
out:
	spin_unlock_bh(&r->lock);
	return ret;
}
