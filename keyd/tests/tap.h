/* SPDX-License-Identifier: ISC */
/*
 * Minimal TAP output for keyd's unit tests: "ok N - name" lines, a plan at
 * the end, and a non-zero exit if anything failed (keyd/Makefile counts
 * both).  Header-only so each test stays a single C file.
 */
#ifndef _KEYD_TAP_H
#define _KEYD_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return (cond);
}

#define ok(cond, ...)	tap_ok(!!(cond), __VA_ARGS__)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return (tap_failed ? 1 : 0);
}

#endif /* _KEYD_TAP_H */
