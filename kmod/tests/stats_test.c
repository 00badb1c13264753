// SPDX-License-Identifier: GPL-2.0
/*
 * Counter names: /proc/net/nfipsec_stat is parsed by scripts and tests by
 * name, so every counter needs one, and no two may share it.
 */
#include <kunit/test.h>

#include "../stats.c"

unsigned int nfipsec_net_id;

static void stats_every_counter_named(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < NFIPSEC_STAT_MAX; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, stat_names[i], "counter %u", i);
		KUNIT_EXPECT_GT(test, strlen(stat_names[i]), 0);
		KUNIT_EXPECT_LT(test, strlen(stat_names[i]), 24);
	}
}

static void stats_names_unique(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < NFIPSEC_STAT_MAX; i++)
		for (j = i + 1; j < NFIPSEC_STAT_MAX; j++)
			KUNIT_EXPECT_STRNEQ(test, stat_names[i], stat_names[j]);
}

static struct kunit_case stats_cases[] = {
	KUNIT_CASE(stats_every_counter_named),
	KUNIT_CASE(stats_names_unique),
	{}
};

static struct kunit_suite stats_suite = {
	.name = "nfipsec_stats",
	.test_cases = stats_cases,
};

kunit_test_suites(&stats_suite);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nfipsec KUnit suites");
