/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inbound anti-replay (RFC 4303 §3.4.3, Appendix A for ESN). Owner:
 * replay.c, tested by tests/replay_test.c.
 *
 * The window is counted in packets, any size from 0 (off) up to
 * NFIPSEC_REPLAY_MAX. Checking and updating are split on purpose: the
 * check runs before the ICV is verified (cheap rejection), the update only
 * after it verified, so a forged packet can never move the window.
 *
 * The bitmap is a ring of @words unsigned longs indexed by sequence number;
 * it holds at least one word more than the window so that moving the top
 * only ever clears whole words (the WireGuard counter layout).
 */
#ifndef _NFIPSEC_REPLAY_H
#define _NFIPSEC_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

#define NFIPSEC_REPLAY_MAX 65536	/* packets */

struct nfipsec_replay {
	spinlock_t lock;	/* guards top and bitmap */
	u64 top;		/* highest sequence number accepted so far */
	u32 size;		/* window in packets; 0 = no replay check */
	u32 words;		/* bitmap length in unsigned longs */
	unsigned long *bitmap;
};

/*
 * Set up a window of @size packets (0: no check; the top is still tracked
 * so ESN inference works). Process context unless @gfp says otherwise.
 * @r must be zeroed or already initialised: calling it again before the SA
 * carries traffic replaces the window (the SA is allocated before PF_KEY
 * tells us its size). Returns 0, -EINVAL (size) or -ENOMEM.
 */
int nfipsec_replay_init(struct nfipsec_replay *r, u32 size, gfp_t gfp);
/*
 * X_MIGRATE: give @dst (initialised to @src's size, carrying no traffic
 * yet) @src's top and bitmap, so the moved SA refuses what the old one
 * already accepted. Takes src->lock with BH off.
 */
void nfipsec_replay_copy(struct nfipsec_replay *dst, struct nfipsec_replay *src);
/* Free the bitmap. Any context except hard IRQ; nothing may use @r after. */
void nfipsec_replay_free(struct nfipsec_replay *r);

/*
 * Before the ICV: reconstruct the full sequence number from the 32 bits on
 * the wire (@esn: Appendix A's inference of the high half) into @seq, and
 * refuse one that is too old or already seen. Returns 0 or -EBADMSG.
 * Lockless; may race with an update, which nfipsec_replay_advance() settles.
 */
int nfipsec_replay_check(struct nfipsec_replay *r, u32 seq_lo, bool esn,
			 u64 *seq);
/*
 * After the ICV verified: mark @seq seen and move the window. Returns
 * -EBADMSG if a concurrent packet took @seq first, or if the window moved
 * past it since the check. Takes r->lock with BH disabled: callable from
 * process context, softirq and crypto completion callbacks, not hard IRQ.
 */
int nfipsec_replay_advance(struct nfipsec_replay *r, u64 seq);

#endif /* _NFIPSEC_REPLAY_H */
