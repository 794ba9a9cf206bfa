/*
 * test_period.c -- unit tests for the periods of dealbook/eval.h.
 *
 * Day anchors (days since 1970-01-01), worked out by hand:
 *   1970..2023 is 54 years with 13 leap years, so 2024-01-01 = 54*365 + 13
 *   = 19723 (a Monday: (19723 + 3) mod 7 = 0, and day 0 was a Thursday).
 *   2024 is leap: Jan 31 + Feb 29 + Mar 31 = 91, so 2024-04-01 = 19814;
 *   Apr 30 + May 31 + Jun 30 = 91, so 2024-06-30 = 19904; 2024-05-01 =
 *   19844; 2024-12-31 = 19723 + 365 = 20088.
 *   2023-01-01 = 19723 - 365 = 19358; 2023-12-01 = 19722 - 30 = 19692;
 *   2023-10-01 = 19722 - 91 = 19631 (Oct 31 + Nov 30 + Dec 31 = 92 days).
 *   2021-01-01 = 19723 - 3*365 = 18628; 2020-01-01 = 18628 - 366 = 18262.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dealbook/eval.h"

#define D_20240101 19723
#define D_20240401 19814
#define D_20240630 19904

#define PERIOD_OK(text, off, kind_, first, last, lab) do {		\
	struct dbk_period p_;						\
	struct dbk_error e_ = { 0 };					\
	memset(&p_, 0x5a, sizeof(p_));					\
	assert_int_equal(dbk_period_parse((text), (off), &p_, &e_), 0);	\
	assert_null(e_.msg);						\
	assert_int_equal(p_.kind, (kind_));				\
	assert_int_equal(p_.first_day, (first));			\
	assert_int_equal(p_.last_day, (last));				\
	assert_int_equal(p_.utc_offset_min, (off));			\
	assert_int_equal(p_.start,					\
	    (int64_t)(first) * 86400 - (int64_t)(off) * 60);		\
	assert_int_equal(p_.end,					\
	    ((int64_t)(last) + 1) * 86400 - (int64_t)(off) * 60);	\
	assert_string_equal(p_.label, (lab));				\
} while (0)

#define GENERIC "' (expected 2024, 2024Q2, 2024-05, 2024W19 or " \
	"2024-04-01..2024-06-30)"

static void
period_bad(const char *text, const char *msg)
{
	struct dbk_period p;
	struct dbk_error e = { 0 };

	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(dbk_period_parse(text, 0, &p, &e), DBK_EINVAL);
	assert_int_equal(e.code, DBK_EINVAL);
	assert_non_null(e.msg);
	if (msg != NULL)
		assert_string_equal(e.msg, msg);
	else {
		/* the generic message names the text */
		char *want = NULL;
		assert_true(asprintf(&want, "invalid period '%s" GENERIC,
		    text) > 0);
		assert_string_equal(e.msg, want);
		free(want);
	}
	dbk_error_clear(&e);
}

static void
test_forms(void **state)
{
	(void)state;
	PERIOD_OK("2024", 0, DBK_PERIOD_YEAR, D_20240101, 20088, "2024");
	PERIOD_OK("2024Q2", 0, DBK_PERIOD_QUARTER, D_20240401, D_20240630,
	    "2024Q2");
	PERIOD_OK("2024q2", 0, DBK_PERIOD_QUARTER, D_20240401, D_20240630,
	    "2024Q2");
	/* Q1 of a leap year: Jan 1 .. Mar 31 = 19723 .. 19813 */
	PERIOD_OK("2024Q1", 0, DBK_PERIOD_QUARTER, D_20240101, 19813, "2024Q1");
	/* Q4: Oct 1 = 20088 - 91 = 19997 .. Dec 31 = 20088 */
	PERIOD_OK("2024Q4", 0, DBK_PERIOD_QUARTER, 19997, 20088, "2024Q4");
	/* May: 19844 .. 19844 + 30 */
	PERIOD_OK("2024-05", 0, DBK_PERIOD_MONTH, 19844, 19874, "2024-05");
	/* February of a leap year ends on the 29th: 19754 .. 19782 */
	PERIOD_OK("2024-02", 0, DBK_PERIOD_MONTH, 19754, 19782, "2024-02");
	/* and of 2023 on the 28th: 2023-02-01 = 19358 + 31 = 19389 .. 19416 */
	PERIOD_OK("2023-02", 0, DBK_PERIOD_MONTH, 19389, 19416, "2023-02");
	/* 2024W19: 2024-01-01 is the Monday of W01, so W19 starts
	 * 19723 + 18*7 = 19849 (2024-05-06) */
	PERIOD_OK("2024W19", 0, DBK_PERIOD_WEEK, 19849, 19855, "2024W19");
	/* zero-padded label; lowercase w accepted */
	PERIOD_OK("2024w09", 0, DBK_PERIOD_WEEK, 19779, 19785, "2024W09");
	PERIOD_OK("2024-04-01..2024-06-30", 0, DBK_PERIOD_RANGE, D_20240401,
	    D_20240630, "2024-04-01..2024-06-30");
	/* a one-day range */
	PERIOD_OK("2024-02-29..2024-02-29", 0, DBK_PERIOD_RANGE, 19782, 19782,
	    "2024-02-29..2024-02-29");
	/* the longest range: 3660 days, 19723 .. 23382 (2034-01-07) */
	PERIOD_OK("2024-01-01..2034-01-07", 0, DBK_PERIOD_RANGE, 19723, 23382,
	    "2024-01-01..2034-01-07");
	/* the year limits */
	PERIOD_OK("1970", 0, DBK_PERIOD_YEAR, 0, 364, "1970");
	/* 9999-12-31 = 2932896 (days_from_civil) */
	PERIOD_OK("9999Q4", 0, DBK_PERIOD_QUARTER, 2932896 - 91, 2932896,
	    "9999Q4");
}

static void
test_iso_weeks(void **state)
{
	(void)state;
	/* 2024W01 starts Monday 2024-01-01 */
	PERIOD_OK("2024W01", 0, DBK_PERIOD_WEEK, 19723, 19729, "2024W01");
	/* 2021-01-01 (18628) is a Friday: (18628 + 3) mod 7 = 4 -> ISO 5.
	 * Jan 4 is a Monday, so 2021W01 starts 2021-01-04 = 18631. */
	PERIOD_OK("2021W01", 0, DBK_PERIOD_WEEK, 18631, 18637, "2021W01");
	/* 2020 starts on a Wednesday and is leap: it has W53, Monday
	 * 2020-12-28 = 18262 + 362 = 18624 .. Sunday 2021-01-03 */
	PERIOD_OK("2020W53", 0, DBK_PERIOD_WEEK, 18624, 18630, "2020W53");
	/* 2015 starts on a Thursday: W53 = 2015-12-28 .. 2016-01-03;
	 * 2015-12-28 = 2016-01-01 (16801) - 4 = 16797 */
	PERIOD_OK("2015W53", 0, DBK_PERIOD_WEEK, 16797, 16803, "2015W53");
	/* 1970 starts on a Thursday: W01 begins Monday 1969-12-29 = -3 */
	PERIOD_OK("1970W01", 0, DBK_PERIOD_WEEK, -3, 3, "1970W01");
	period_bad("2021W53", NULL);
	period_bad("2024W53", NULL);
	period_bad("2024W54", NULL);
	period_bad("2024W00", NULL);
}

static void
test_offsets(void **state)
{
	struct dbk_period p;

	(void)state;
	/* UTC+8: 2024-04-01 00:00 local = 19814 * 86400 - 8 * 3600
	 * = 1711929600 - 28800 = 1711900800 */
	PERIOD_OK("2024Q2", 480, DBK_PERIOD_QUARTER, D_20240401, D_20240630,
	    "2024Q2");
	assert_int_equal(dbk_period_parse("2024Q2", 480, &p, NULL), 0);
	assert_int_equal(p.start, INT64_C(1711900800));
	/* 19905 * 86400 - 28800 = 1719792000 - 28800 */
	assert_int_equal(p.end, INT64_C(1719763200));
	assert_int_equal(dbk_period_day(&p, p.start), D_20240401);
	assert_int_equal(dbk_period_day(&p, p.start - 1), D_20240401 - 1);
	assert_int_equal(dbk_period_day(&p, p.end - 1), D_20240630);
	assert_int_equal(dbk_period_day(&p, p.end), D_20240630 + 1);
	/* UTC-5 */
	PERIOD_OK("2024-05", -300, DBK_PERIOD_MONTH, 19844, 19874, "2024-05");
	/* offsets beyond a day are refused */
	assert_int_equal(dbk_period_parse("2024", 1440, &p, NULL), DBK_EINVAL);
	assert_int_equal(dbk_period_parse("2024", -1440, &p, NULL), DBK_EINVAL);
}

static void
test_day_floor(void **state)
{
	struct dbk_period p;

	(void)state;
	assert_int_equal(dbk_period_parse("1970", 0, &p, NULL), 0);
	assert_int_equal(dbk_period_day(&p, 0), 0);
	assert_int_equal(dbk_period_day(&p, 86399), 0);
	assert_int_equal(dbk_period_day(&p, 86400), 1);
	/* floor, not truncation, before 1970 */
	assert_int_equal(dbk_period_day(&p, -1), -1);
	assert_int_equal(dbk_period_day(&p, -86400), -1);
	assert_int_equal(dbk_period_day(&p, -86401), -2);
	/* UTC-5: the epoch is 1969-12-31 19:00 local */
	assert_int_equal(dbk_period_parse("1970", -300, &p, NULL), 0);
	assert_int_equal(dbk_period_day(&p, 0), -1);
	/* 05:00Z is local midnight */
	assert_int_equal(dbk_period_day(&p, 5 * 3600 - 1), -1);
	assert_int_equal(dbk_period_day(&p, 5 * 3600), 0);
	/* no overflow at the extremes */
	assert_int_equal(dbk_period_day(&p, INT64_MAX), INT32_MAX);
	assert_int_equal(dbk_period_day(&p, INT64_MIN), INT32_MIN);
}

#define PREV(text, kind_, first, last, lab) do {			\
	struct dbk_period p_, q_;					\
	assert_int_equal(dbk_period_parse((text), 480, &p_, NULL), 0);	\
	dbk_period_previous(&p_, &q_);					\
	assert_int_equal(q_.kind, (kind_));				\
	assert_int_equal(q_.first_day, (first));			\
	assert_int_equal(q_.last_day, (last));				\
	assert_int_equal(q_.utc_offset_min, 480);			\
	assert_int_equal(q_.start, (int64_t)(first) * 86400 - 28800);	\
	assert_int_equal(q_.end, ((int64_t)(last) + 1) * 86400 - 28800); \
	assert_string_equal(q_.label, (lab));				\
} while (0)

static void
test_previous(void **state)
{
	(void)state;
	PREV("2024", DBK_PERIOD_YEAR, 19358, 19722, "2023");
	PREV("2024Q2", DBK_PERIOD_QUARTER, D_20240101, 19813, "2024Q1");
	PREV("2024Q1", DBK_PERIOD_QUARTER, 19631, 19722, "2023Q4");
	PREV("2024-01", DBK_PERIOD_MONTH, 19692, 19722, "2023-12");
	/* March 2024 -> February 2024, 29 days */
	PREV("2024-03", DBK_PERIOD_MONTH, 19754, 19782, "2024-02");
	PREV("2024W19", DBK_PERIOD_WEEK, 19842, 19848, "2024W18");
	/* 2023 starts on a Sunday: 52 weeks, W52 = 2023-12-25 .. 31 */
	PREV("2024W01", DBK_PERIOD_WEEK, 19716, 19722, "2023W52");
	/* into a year with W53 */
	PREV("2021W01", DBK_PERIOD_WEEK, 18624, 18630, "2020W53");
	PREV("2020W53", DBK_PERIOD_WEEK, 18617, 18623, "2020W52");
	/* 91 days -> the 91 days before: 19723 .. 19813 */
	PREV("2024-04-01..2024-06-30", DBK_PERIOD_RANGE, D_20240101, 19813,
	    "2024-01-01..2024-03-31");
	PREV("2024-03-01..2024-03-01", DBK_PERIOD_RANGE, 19782, 19782,
	    "2024-02-29..2024-02-29");
	/* previous of the first accepted year still works */
	PREV("1970", DBK_PERIOD_YEAR, -365, -1, "1969");
}

static void
test_bad(void **state)
{
	struct dbk_period p;

	(void)state;
	period_bad("2024Q5", "invalid period '2024Q5' (expected 2024, 2024Q2, "
	    "2024-05, 2024W19 or 2024-04-01..2024-06-30)");
	period_bad("2024Q0", NULL);
	period_bad("2024-13", NULL);
	period_bad("2024-00", NULL);
	period_bad("2024-5", NULL);
	period_bad("2024W54", NULL);
	period_bad("2024W5", NULL);
	period_bad("24Q2", NULL);
	period_bad("", NULL);
	period_bad("2024Q2x", NULL);
	period_bad("2024x", NULL);
	period_bad(" 2024", NULL);
	period_bad("2024 ", NULL);
	period_bad("1969", NULL);
	period_bad("10000", NULL);
	period_bad("Q2", NULL);
	period_bad("2024-04-01", NULL);
	period_bad("2024-04-01..", NULL);
	period_bad("2024-04-01..2024-06-31", NULL);
	period_bad("2023-02-29..2023-03-01", NULL);
	period_bad("2024-04-01...2024-06-30", NULL);
	period_bad("2024-04-01..2024-06-30x", NULL);
	period_bad("2024-4-01..2024-06-30", NULL);
	period_bad("2024-06-30..2024-04-01",
	    "invalid period '2024-06-30..2024-04-01': it ends before it starts");
	/* 3661 days */
	period_bad("2024-01-01..2034-01-08",
	    "invalid period '2024-01-01..2034-01-08': longer than 3660 days");
	assert_int_equal(dbk_period_parse(NULL, 0, &p, NULL), DBK_EINVAL);
	assert_int_equal(dbk_period_parse("2024", 0, NULL, NULL), DBK_EINVAL);
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(dbk_period_kind_name(DBK_PERIOD_YEAR), "year");
	assert_string_equal(dbk_period_kind_name(DBK_PERIOD_QUARTER),
	    "quarter");
	assert_string_equal(dbk_period_kind_name(DBK_PERIOD_MONTH), "month");
	assert_string_equal(dbk_period_kind_name(DBK_PERIOD_WEEK), "week");
	assert_string_equal(dbk_period_kind_name(DBK_PERIOD_RANGE), "range");
	assert_null(dbk_period_kind_name((enum dbk_period_kind)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_iso_weeks),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_day_floor),
		cmocka_unit_test(test_previous),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
