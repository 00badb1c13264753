// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window: a numbered table of packets with the verdict each must
 * get, run at several window sizes, then fills of the window in both
 * directions that show it is exactly as wide as configured, then the ESN
 * epoch inference of RFC 4303 Appendix A around 2^32.
 */
#include <kunit/test.h>
#include <linux/kthread.h>

#include "../replay.c"

static const u32 replay_sizes[] = { 32, 64, 1024, 4096, NFIPSEC_REPLAY_MAX };

/* What the input path does: check before the ICV, advance after it. */
static bool accept(struct nfipsec_replay *r, u32 seq_lo, bool esn, u64 *out)
{
	u64 seq;

	if (nfipsec_replay_check(r, seq_lo, esn, &seq))
		return false;
	if (out)
		*out = seq;
	return !nfipsec_replay_advance(r, seq);
}

struct replay_case {
	unsigned int n;
	u32 seq;
	bool ok;
};

/* T(n, seq, expected); W is the window size the table runs at. */
#define T(n, s, e) { n, s, e }
static void replay_table(struct kunit *test, u32 w)
{
	const struct replay_case cases[] = {
		T(1, 0, false),			/* zero is never sent */
		T(2, 1, true),
		T(3, 1, false),			/* duplicate */
		T(4, 9, true),			/* jump */
		T(5, 8, true),			/* reordered, inside */
		T(6, 7, true),
		T(7, 7, false),
		T(8, 2, true),			/* late but inside */
		T(9, 2, false),
		T(10, w + 10, true),		/* window now [11, w+10] */
		T(11, 10, false),		/* one below the bottom */
		T(12, 11, true),		/* exactly the bottom */
		T(13, 11, false),
		T(14, w + 9, true),		/* just below the top */
		T(15, w + 9, false),
		T(16, w + 11, true),		/* slide by one: [12, w+11] */
		T(17, 12, true),		/* the new bottom */
		T(18, 4 * w, true),		/* jump: [3w+1, 4w] */
		T(19, 3 * w + 1, true),		/* bottom edge */
		T(20, 3 * w, false),		/* top - w */
		T(21, 3 * w - 1, false),	/* top - w - 1 */
		T(22, 3 * w + 2, true),
		T(23, w + 11, false),		/* the old top, long gone */
		T(24, 4 * w + 1, true),		/* [3w+2, 4w+1] */
		T(25, 3 * w + 1, false),	/* seen, and now outside */
		T(26, 5 * w + 1, true),		/* jump by w: [4w+2, 5w+1] */
		T(27, 4 * w + 1, false),	/* old top, now top - w */
		T(28, 4 * w + 2, true),		/* bottom edge, never seen */
		T(29, 6 * w + 3, true),		/* jump by w + 2: [5w+4, 6w+3] */
		T(30, 5 * w + 3, false),	/* top - w */
		T(31, 5 * w + 4, true),		/* top - w + 1 */
		T(32, 7 * w + 2, true),		/* jump by w - 1: [6w+3, 7w+2] */
		T(33, 6 * w + 3, false),	/* old top: inside but seen */
		T(34, 6 * w + 2, false),	/* just below */
		T(35, 6 * w + 4, true),		/* inside, never seen */
		T(36, U32_MAX, true),		/* the last 32-bit number */
		T(37, U32_MAX, false),
		T(38, 0, false),		/* no wrap without ESN */
		T(39, U32_MAX - 1, true),
		T(40, U32_MAX - w, false),	/* top - w */
	};
	struct nfipsec_replay r = {};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, w, GFP_KERNEL), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, accept(&r, cases[i].seq, false, NULL),
				    cases[i].ok, "window %u case %u (seq %u)",
				    w, cases[i].n, cases[i].seq);
	nfipsec_replay_free(&r);
}

#undef T

static void replay_cases(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(replay_sizes); i++)
		replay_table(test, replay_sizes[i]);
}

/*
 * Fill a window of w packets ascending and descending from offsets 0..2:
 * every packet inside is accepted once and only once, and the first one
 * outside is refused, so the window is neither narrower nor wider than w.
 */
static void replay_fill(struct kunit *test, u32 w, u32 off, bool descending)
{
	struct nfipsec_replay r = {};
	unsigned int bad = 0;
	u32 i;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, w, GFP_KERNEL), 0);
	if (descending) {
		bad += !accept(&r, off + w, false, NULL);
		for (i = w - 1; i >= 1; i--)
			bad += !accept(&r, off + i, false, NULL);
	} else {
		for (i = 1; i <= w; i++)
			bad += !accept(&r, off + i, false, NULL);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "window %u off %u: refused inside",
			    w, off);
	/* top = off + w: off itself is top - w, outside (or zero). */
	KUNIT_EXPECT_FALSE_MSG(test, accept(&r, off, false, NULL),
			       "window %u off %u: wider than configured", w, off);
	for (i = 1, bad = 0; i <= w; i++)
		bad += accept(&r, off + i, false, NULL);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "window %u off %u: duplicate taken",
			    w, off);
	/* Slide by one: the new top is taken, the old bottom stays out. */
	KUNIT_EXPECT_TRUE(test, accept(&r, off + w + 1, false, NULL));
	KUNIT_EXPECT_FALSE(test, accept(&r, off + 1, false, NULL));
	nfipsec_replay_free(&r);
}

static void replay_window_width(struct kunit *test)
{
	unsigned int i;
	u32 off;

	for (i = 0; i < ARRAY_SIZE(replay_sizes); i++) {
		for (off = 0; off <= 2; off++) {
			replay_fill(test, replay_sizes[i], off, false);
			replay_fill(test, replay_sizes[i], off, true);
		}
	}
}

/* Walk the top to @top through the public API, as traffic would. */
static void replay_set_top(struct kunit *test, struct nfipsec_replay *r,
			   u64 top)
{
	KUNIT_ASSERT_EQ(test, nfipsec_replay_advance(r, top), 0);
	KUNIT_ASSERT_EQ(test, r->top, top);
}

static void replay_esn_wrap(struct kunit *test)
{
	struct nfipsec_replay r = {};
	u64 seq;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	/* A fresh ESN window: low 0 would be the full number 0. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0, true, &seq), -EBADMSG);
	replay_set_top(test, &r, 0xfffffffe);
	KUNIT_EXPECT_TRUE(test, accept(&r, 0xffffffff, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0xffffffffULL);
	/* The counter wraps on the wire; the high half carries on. */
	KUNIT_EXPECT_TRUE(test, accept(&r, 0, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0x100000000ULL);
	KUNIT_EXPECT_TRUE(test, accept(&r, 1, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0x100000001ULL);
	KUNIT_EXPECT_FALSE(test, accept(&r, 0, true, NULL));
	KUNIT_EXPECT_FALSE(test, accept(&r, 0xffffffff, true, NULL));
	nfipsec_replay_free(&r);
}

static void replay_esn_late_after_wrap(struct kunit *test)
{
	struct nfipsec_replay r = {};
	u64 seq;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	replay_set_top(test, &r, 0x100000002ULL);
	/* Window [2^32 - 61, 2^32 + 2] straddles the epochs. */
	KUNIT_EXPECT_TRUE(test, accept(&r, 0xfffffff0, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0xfffffff0ULL);
	KUNIT_EXPECT_FALSE(test, accept(&r, 0xfffffff0, true, NULL));
	KUNIT_EXPECT_TRUE(test, accept(&r, 0xffffffc3, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0xffffffc3ULL);	/* the bottom */
	/* Below the bottom: Appendix A reads it as the next epoch. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xffffffc2, true, &seq),
			0);
	KUNIT_EXPECT_EQ(test, seq, 0x1ffffffc2ULL);
	KUNIT_EXPECT_TRUE(test, accept(&r, 1, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0x100000001ULL);
	nfipsec_replay_free(&r);
}

static void replay_esn_boundaries(struct kunit *test)
{
	struct nfipsec_replay r = {};
	u64 seq;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	/* Window [0x5000000c1, 0x500000100] inside epoch 5. */
	replay_set_top(test, &r, 0x500000100ULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xc1, true, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 0x5000000c1ULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xc0, true, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 0x6000000c0ULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0x101, true, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 0x500000101ULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0x100, true, &seq),
			-EBADMSG);
	/* Top at the window's last epoch-local position: tl = w - 1. */
	replay_set_top(test, &r, 0x60000003fULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0, true, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 0x600000000ULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xffffffff, true, &seq),
			0);
	KUNIT_EXPECT_EQ(test, seq, 0x6ffffffffULL);	/* ahead, not behind */
	/* tl = w - 2: the window reaches back into epoch 5. */
	nfipsec_replay_free(&r);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	replay_set_top(test, &r, 0x60000003eULL);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xffffffff, true, &seq),
			0);
	KUNIT_EXPECT_EQ(test, seq, 0x5ffffffffULL);
	/* In the first epoch there is no epoch before. */
	nfipsec_replay_free(&r);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	replay_set_top(test, &r, 5);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 0xfffffff0, true, &seq),
			0);
	KUNIT_EXPECT_EQ(test, seq, 0xfffffff0ULL);
	nfipsec_replay_free(&r);
}

static void replay_concurrent_duplicate(struct kunit *test)
{
	struct nfipsec_replay r = {};
	u64 a, b;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 64, GFP_KERNEL), 0);
	replay_set_top(test, &r, 100);
	/* Two copies pass the unlocked check before either verifies. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 90, false, &a), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 90, false, &b), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, a), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, b), -EBADMSG);
	/* Same for a new top. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 200, false, &a), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 200, false, &b), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, a), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, b), -EBADMSG);
	/* The window moves past a checked packet before it verifies. */
	KUNIT_EXPECT_EQ(test, nfipsec_replay_check(&r, 150, false, &a), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, 300), 0);
	KUNIT_EXPECT_EQ(test, nfipsec_replay_advance(&r, a), -EBADMSG);
	nfipsec_replay_free(&r);
}

static void replay_no_window(struct kunit *test)
{
	struct nfipsec_replay r = {};
	u64 seq;

	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_NULL(test, r.bitmap);
	KUNIT_EXPECT_TRUE(test, accept(&r, 7, false, NULL));
	KUNIT_EXPECT_TRUE(test, accept(&r, 7, false, NULL));
	KUNIT_EXPECT_TRUE(test, accept(&r, 0, false, NULL));
	/* ESN still needs the top: nearest epoch wins. */
	replay_set_top(test, &r, 0x2fffffff0ULL);
	KUNIT_EXPECT_TRUE(test, accept(&r, 0x10, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0x300000010ULL);
	KUNIT_EXPECT_TRUE(test, accept(&r, 0xffffff00, true, &seq));
	KUNIT_EXPECT_EQ(test, seq, 0x2ffffff00ULL);
	KUNIT_EXPECT_TRUE(test, accept(&r, 0xffffff00, true, &seq));
	nfipsec_replay_free(&r);
}

/*
 * Against a deliberately naive model (every number ever seen, in one flat
 * bitmap) on a random walk around the top: big and small jumps forward,
 * late packets just inside and just outside the window, duplicates. Window
 * sizes that are not a multiple of the word size are in here too.
 */
#define HORRIBLE_MAX BIT(22)

static void kvfree_action(void *p)
{
	kvfree(p);
}

static void replay_random_vs_horrible(struct kunit *test)
{
	static const u32 sizes[] = { 1, 32, 63, 64, 65, 100, 1000, 4096,
				     NFIPSEC_REPLAY_MAX };
	unsigned long *seen;
	unsigned int i, n;

	seen = kvcalloc(BITS_TO_LONGS(HORRIBLE_MAX), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kvfree_action,
							seen), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct nfipsec_replay r = {};
		u32 w = sizes[i], top = 0;
		unsigned int bad = 0;

		bitmap_zero(seen, HORRIBLE_MAX);
		KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, w, GFP_KERNEL), 0);
		for (n = 0; n < 20000; n++) {
			u32 roll = get_random_u32_below(100), seq;
			bool want;

			if (n % 2500 == 2499)	/* a window's jump, +-1 */
				seq = top + w + n / 2500 % 3 - 1;
			else if (roll < 40)	/* a little ahead */
				seq = top + 1 + get_random_u32_below(40);
			else if (roll < 45)	/* far ahead */
				seq = top + get_random_u32_below(min(3 * w, 3000U) +
								 130);
			else			/* around the bottom edge */
				seq = top - min(top, w + 70) +
				      get_random_u32_below(w + 140);
			if (seq >= HORRIBLE_MAX)
				break;
			want = seq && !test_bit(seq, seen) &&
			       (seq > top || top - seq < w);
			if (want) {
				__set_bit(seq, seen);
				top = max(top, seq);
			}
			bad += accept(&r, seq, false, NULL) != want;
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "window %u: %u verdicts differ",
				    w, bad);
		KUNIT_EXPECT_EQ(test, r.top, top);
		nfipsec_replay_free(&r);
	}
}

struct replay_race {
	struct nfipsec_replay r;
	struct completion go, done;
	atomic_t running, accepted;
	u32 n;
};

static int replay_racer(void *data)
{
	struct replay_race *rc = data;
	u32 i;

	wait_for_completion(&rc->go);
	for (i = 1; i <= rc->n; i++)
		if (accept(&rc->r, i, false, NULL))
			atomic_inc(&rc->accepted);
	if (atomic_dec_and_test(&rc->running))
		complete(&rc->done);
	return 0;
}

/*
 * Two threads deliver the same numbers in order at once. Whoever sees a
 * number first takes it (the other is either behind it or past it by less
 * than the window), so every number is accepted exactly once: more would
 * be a replay let through, fewer a lost packet.
 */
static void replay_two_cpus(struct kunit *test)
{
	struct replay_race *rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	struct task_struct *t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&rc->r, 64, GFP_KERNEL), 0);
	rc->n = 50000;
	init_completion(&rc->go);
	init_completion(&rc->done);
	atomic_set(&rc->running, 2);
	for (i = 0; i < 2; i++) {
		t = kthread_run(replay_racer, rc, "replay_racer%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	complete_all(&rc->go);
	wait_for_completion(&rc->done);
	KUNIT_EXPECT_EQ(test, atomic_read(&rc->accepted), rc->n);
	KUNIT_EXPECT_EQ(test, rc->r.top, rc->n);
	nfipsec_replay_free(&rc->r);
}

static void replay_init_limits(struct kunit *test)
{
	struct nfipsec_replay r = {};

	KUNIT_EXPECT_EQ(test, nfipsec_replay_init(&r, NFIPSEC_REPLAY_MAX + 1,
						  GFP_KERNEL), -EINVAL);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 0, GFP_KERNEL), 0);
	/* Resized once PF_KEY tells us the window, before any traffic. */
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, 32, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.words, 2U);
	KUNIT_ASSERT_EQ(test, nfipsec_replay_init(&r, NFIPSEC_REPLAY_MAX,
						  GFP_KERNEL), 0);
	KUNIT_EXPECT_GE(test, r.words * BITS_PER_LONG,
			NFIPSEC_REPLAY_MAX + BITS_PER_LONG);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(r.words));
	nfipsec_replay_free(&r);
	KUNIT_EXPECT_NULL(test, r.bitmap);
}

static struct kunit_case replay_test_cases[] = {
	KUNIT_CASE(replay_cases),
	KUNIT_CASE(replay_window_width),
	KUNIT_CASE(replay_esn_wrap),
	KUNIT_CASE(replay_esn_late_after_wrap),
	KUNIT_CASE(replay_esn_boundaries),
	KUNIT_CASE(replay_concurrent_duplicate),
	KUNIT_CASE(replay_no_window),
	KUNIT_CASE(replay_random_vs_horrible),
	KUNIT_CASE(replay_two_cpus),
	KUNIT_CASE(replay_init_limits),
	{}
};

static struct kunit_suite replay_test_suite = {
	.name = "nfipsec_replay",
	.test_cases = replay_test_cases,
};

kunit_test_suites(&replay_test_suite);
