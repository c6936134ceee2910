/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The host unit tests' harness: CHECK/CHECK_EQ count failed checks of the
 * running test, RUN() reports it. Each test program prints
 * "N passed, N failed" from tests_passed/tests_failed as its last line.
 */
#ifndef PBUS_TEST_HARNESS_H
#define PBUS_TEST_HARNESS_H

#include <stdio.h>

static int tests_passed, tests_failed, cur_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		if (cur_failures++ < 10)				\
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		if (cur_failures++ < 10)				\
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, _a, #b, _b);	\
	}								\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	cur_failures = 0;
	fn();
	if (cur_failures) {
		tests_failed++;
		printf("FAIL %s (%d failed checks)\n", name, cur_failures);
	} else {
		tests_passed++;
		printf("ok   %s\n", name);
	}
}

#define RUN(fn) run(#fn, fn)

#endif /* PBUS_TEST_HARNESS_H */
