/*
 * test_parse.c -- unit tests for dealbook/parse.h.
 *
 * Every expected value is worked out by hand in the comments.  Anchors used
 * throughout (days since 1970-01-01):
 *   1970..2023 is 54 years with 13 leap years (1972, 76, ..., 2016, 2020;
 *   2000 is leap as a multiple of 400), so 2024-01-01 = 54*365 + 13 = 19723.
 *   2024 is leap: Jan 31 + Feb 29 + Mar 31 + Apr 30 = 121 days, so
 *   2024-05-01 = 19844 and 2024-05-10 = 19853; 2024-02-29 = 19723 + 31 + 28
 *   = 19782.  2024-05-10T00:00Z = 19853 * 86400 = 1715299200 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dealbook/parse.h"

#define D_20240510 19853
#define T_20240510 INT64_C(1715299200)
/* 2024-05-10T12:00:00Z = T_20240510 + 12 * 3600 */
#define NOW_NOON (T_20240510 + 43200)

static void set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static int tz_utc(void **state)
{
	(void)state;
	if (setenv("TZ", "UTC", 1) != 0)
		return -1;
	tzset();
	return 0;
}

/* ---- money ------------------------------------------------------------ */

#define MONEY_OK(str, md, want) do {					\
	int64_t v_ = -12345;						\
	assert_int_equal(dbk_parse_money((str), (md), &v_), 0);	\
	assert_int_equal(v_, (int64_t)(want));				\
} while (0)

#define MONEY_BAD(str, md) do {						\
	int64_t v_ = -12345;						\
	assert_int_equal(dbk_parse_money((str), (md), &v_), DBK_EINVAL); \
	assert_int_equal(v_, -12345);					\
} while (0)

static void test_money_accepts(void **state)
{
	(void)state;
	/* 500,000 yuan * 100 fen = 50,000,000 fen */
	MONEY_OK("500000", 2, INT64_C(50000000));
	MONEY_OK("500,000", 2, INT64_C(50000000));
	MONEY_OK("¥500,000", 2, INT64_C(50000000));
	MONEY_OK("￥500,000", 2, INT64_C(50000000));
	MONEY_OK("500000元", 2, INT64_C(50000000));
	MONEY_OK("  500000 \t", 2, INT64_C(50000000));
	/* 500000.5 yuan = 50,000,000 + 50 fen */
	MONEY_OK("500000.5", 2, INT64_C(50000050));
	/* 50万 = 50 * 10^4 = 500,000 yuan = 50,000,000 fen */
	MONEY_OK("50万", 2, INT64_C(50000000));
	MONEY_OK("50萬", 2, INT64_C(50000000));
	/* 480.5万 = 4805 * 10^3 = 4,805,000 yuan = 480,500,000 fen */
	MONEY_OK("480.5万", 2, INT64_C(480500000));
	/* 1.2亿 = 12 * 10^7 = 120,000,000 yuan = 12,000,000,000 fen */
	MONEY_OK("1.2亿", 2, INT64_C(12000000000));
	MONEY_OK("1.2億", 2, INT64_C(12000000000));
	/* ¥3.5万元 = 35,000 yuan = 3,500,000 fen */
	MONEY_OK("¥3.5万元", 2, INT64_C(3500000));
	/* 1,234.56 yuan = 123,456 fen */
	MONEY_OK(" ¥1,234.56元 ", 2, INT64_C(123456));
	MONEY_OK("1,000,000", 2, INT64_C(100000000));
	MONEY_OK("0", 2, 0);
	MONEY_OK("0.00", 2, 0);
	/* trailing zeros are not extra precision: 1.230 = 1.23 yuan = 123 */
	MONEY_OK("1.230", 2, 123);
	MONEY_OK("1.2300000000000000000000000000", 2, 123);
	/* 1.234567万 = 12,345.67 yuan = 1,234,567 fen, exactly a fen */
	MONEY_OK("1.234567万", 2, INT64_C(1234567));
	/* 0.000001亿 = 100 yuan = 10,000 fen */
	MONEY_OK("0.000001亿", 2, 10000);
	/* no minor unit: 1.5万 = 15,000 */
	MONEY_OK("1.5万", 0, 15000);
	/* three minor digits: 1.234 = 1234 */
	MONEY_OK("1.234", 3, 1234);
	/* the int64 edge: INT64_MAX = 9223372036854775807 */
	MONEY_OK("9223372036854775807", 0, INT64_MAX);
	MONEY_OK("9,223,372,036,854,775,807", 0, INT64_MAX);
	MONEY_OK("92233720368547758.07", 2, INT64_MAX);
}

static void test_money_refuses(void **state)
{
	int64_t v = 7;

	(void)state;
	MONEY_BAD("-5", 2);
	MONEY_BAD("-0", 2);
	MONEY_BAD("+5", 2);
	/* 1.234 yuan = 123.4 fen: a fractional fen */
	MONEY_BAD("1.234", 2);
	/* 1.2345678万 = 12,345.678 yuan = 1,234,567.8 fen */
	MONEY_BAD("1.2345678万", 2);
	/* 1.23456万 = 12,345.6 with no minor unit */
	MONEY_BAD("1.23456万", 0);
	MONEY_BAD("5,00,000", 2);
	MONEY_BAD("1,0000", 2);
	MONEY_BAD("1000,000", 2);
	MONEY_BAD("1,000,00", 2);
	MONEY_BAD(",100", 2);
	MONEY_BAD("1,", 2);
	MONEY_BAD("1,,000", 2);
	MONEY_BAD("1.000,5", 2);
	MONEY_BAD("", 2);
	MONEY_BAD("   ", 2);
	MONEY_BAD("abc", 2);
	MONEY_BAD("¥", 2);
	MONEY_BAD("万", 2);
	MONEY_BAD("元", 2);
	MONEY_BAD("1.", 2);
	MONEY_BAD(".5", 2);
	MONEY_BAD("1.2.3", 2);
	MONEY_BAD("1e5", 2);
	MONEY_BAD("50 万", 2);
	MONEY_BAD("50万万", 2);
	MONEY_BAD("5元万", 2);
	MONEY_BAD("¥ 5", 2);
	MONEY_BAD("5$", 2);
	/* 10^20 - 1 is far above INT64_MAX (about 9.22 * 10^18) */
	MONEY_BAD("99999999999999999999", 2);
	MONEY_BAD("9223372036854775808", 0);
	MONEY_BAD("92233720368547758.08", 2);
	/* 10^11 亿 = 10^19 yuan: overflow from scaling alone */
	MONEY_BAD("100000000000亿", 0);
	MONEY_BAD("1", -1);
	MONEY_BAD("1", 19);
	assert_int_equal(dbk_parse_money(NULL, 2, &v), DBK_EINVAL);
	assert_int_equal(dbk_parse_money("1", 2, NULL), DBK_EINVAL);
	assert_int_equal(v, 7);
}

#define FMT_OK(minor, md, want) do {					\
	char b_[64];							\
	assert_int_equal(dbk_format_money((minor), (md), b_,		\
	    sizeof(b_)), (int)strlen(want));				\
	assert_string_equal(b_, (want));				\
} while (0)

static void test_money_format(void **state)
{
	char small[10];

	(void)state;
	/* 480,500,000 fen = 4,805,000.00 yuan: no fraction shown */
	FMT_OK(INT64_C(480500000), 2, "4,805,000");
	/* 123,450 fen = 1,234.50 yuan */
	FMT_OK(123450, 2, "1,234.50");
	FMT_OK(0, 2, "0");
	FMT_OK(5, 2, "0.05");
	FMT_OK(99, 2, "0.99");
	FMT_OK(100, 2, "1");
	FMT_OK(-123456, 2, "-1,234.56");
	FMT_OK(999, 0, "999");
	FMT_OK(1000, 0, "1,000");
	FMT_OK(123456, 0, "123,456");
	FMT_OK(1234567, 0, "1,234,567");
	FMT_OK(1234, 3, "1.234");
	FMT_OK(INT64_MAX, 0, "9,223,372,036,854,775,807");
	/* INT64_MIN = -9223372036854775808 fen */
	FMT_OK(INT64_MIN, 2, "-92,233,720,368,547,758.08");

	/* "4,805,000" is 9 characters: 9 bytes is one short of the NUL */
	assert_int_equal(dbk_format_money(INT64_C(480500000), 2, small, 9),
	    DBK_EINVAL);
	assert_string_equal(small, "");
	assert_int_equal(dbk_format_money(INT64_C(480500000), 2, small, 10),
	    9);
	assert_string_equal(small, "4,805,000");
	assert_int_equal(dbk_format_money(1, 2, small, 0), DBK_EINVAL);
	assert_int_equal(dbk_format_money(1, 19, small, sizeof(small)),
	    DBK_EINVAL);
}

static void test_money_round_trip(void **state)
{
	static const int64_t vals[] = {
		0, 1, 10, 99, 100, 101, 123450, 480500000, 100000000,
		INT64_C(12000000000), INT64_C(9223372036854775806), INT64_MAX
	};
	char buf[64];
	size_t i;
	int md;
	int64_t v;

	(void)state;
	for (md = 0; md <= 4; md++) {
		for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			assert_true(dbk_format_money(vals[i], md, buf,
			    sizeof(buf)) > 0);
			assert_int_equal(dbk_parse_money(buf, md, &v), 0);
			assert_int_equal(v, vals[i]);
		}
	}
}

/* ---- dates ------------------------------------------------------------ */

#define DATE_OK(str, now, want) do {					\
	int32_t d_ = -12345;						\
	assert_int_equal(dbk_parse_date((str), (now), &d_), 0);	\
	assert_int_equal(d_, (want));					\
} while (0)

#define DATE_BAD(str) do {						\
	int32_t d_ = -12345;						\
	assert_int_equal(dbk_parse_date((str), NOW_NOON, &d_), DBK_EINVAL); \
	assert_int_equal(d_, -12345);					\
} while (0)

static void test_date_forms(void **state)
{
	(void)state;
	DATE_OK("1970-01-01", 0, 0);
	DATE_OK("1969-12-31", 0, -1);
	DATE_OK("2024-05-10", 0, D_20240510);
	DATE_OK("2024/5/10", 0, D_20240510);
	DATE_OK("2024.05.10", 0, D_20240510);
	DATE_OK("2024年5月10日", 0, D_20240510);
	DATE_OK("2024年05月10日", 0, D_20240510);
	DATE_OK("  2024-05-10\n", 0, D_20240510);
	DATE_OK("2024-5-9", 0, D_20240510 - 1);
	/* leap day, and the day after it */
	DATE_OK("2024-02-29", 0, 19782);
	DATE_OK("2024-03-01", 0, 19783);
	/* 2000 is leap (multiple of 400): 1970..1999 = 30 years with 7 leap
	 * years (1972..1996), 2000-01-01 = 10950 + 7 = 10957, Feb 29 =
	 * 10957 + 31 + 28 = 11016 */
	DATE_OK("2000-02-29", 0, 11016);
	/* 0001-01-01: 719162 days before 1970 (1969 years, 477 leap) */
	DATE_OK("0001-01-01", 0, -719162);
}

static void test_date_refuses(void **state)
{
	(void)state;
	DATE_BAD("2023-02-29");
	DATE_BAD("1900-02-29");	/* multiple of 100, not of 400 */
	DATE_BAD("2100-02-29");
	DATE_BAD("2024-02-30");
	DATE_BAD("2024-04-31");
	DATE_BAD("2024-13-01");
	DATE_BAD("2024-00-10");
	DATE_BAD("2024-05-00");
	DATE_BAD("2024-05-32");
	DATE_BAD("0000-01-01");
	DATE_BAD("2024-05/10");
	DATE_BAD("2024-05-10x");
	DATE_BAD("2024-005-10");
	DATE_BAD("24-05-10");
	DATE_BAD("20240-05-10");
	DATE_BAD("2024年5月10");
	DATE_BAD("2024年5-10日");
	DATE_BAD("2024-05-10 14:30");
	DATE_BAD("");
	DATE_BAD("someday");
	DATE_BAD("todays");
	DATE_BAD("now");
}

static void test_date_relative(void **state)
{
	(void)state;
	/* NOW_NOON is 2024-05-10 12:00 UTC */
	DATE_OK("today", NOW_NOON, D_20240510);
	DATE_OK("TODAY", NOW_NOON, D_20240510);
	DATE_OK("yesterday", NOW_NOON, D_20240510 - 1);
	DATE_OK(" Tomorrow ", NOW_NOON, D_20240510 + 1);

	/* UTC+8: 2024-05-10T20:00Z (T + 72000) is 05-11 04:00 local */
	set_tz("CST-8");
	DATE_OK("today", T_20240510 + 72000, D_20240510 + 1);
	DATE_OK("yesterday", T_20240510 + 72000, D_20240510);
	/* UTC-4 in May (EDT): 2024-05-10T02:00Z is 05-09 22:00 local */
	set_tz("EST5EDT,M3.2.0,M11.1.0");
	DATE_OK("today", T_20240510 + 7200, D_20240510 - 1);
	DATE_OK("tomorrow", T_20240510 + 7200, D_20240510);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Walk the calendar a day at a time from 1970-01-01: day i must parse to
 * i and format back to the same text. */
static void test_date_walk(void **state)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	char in[32], out[11];
	int y = 1970, m = 1, d = 1, n;
	int32_t i, got;

	(void)state;
	for (i = 0; y < 2101; i++) {
		n = snprintf(in, sizeof(in), "%04d-%02d-%02d", y, m, d);
		assert_true(n > 0 && (size_t)n < sizeof(in));
		assert_int_equal(dbk_parse_date(in, 0, &got), 0);
		assert_int_equal(got, i);
		dbk_format_date(i, out);
		assert_string_equal(out, in);
		if (++d > mdays[m - 1] + (m == 2 && is_leap(y))) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	/* 1970-01-01 .. 2100-12-31 is 131 years with 32 leap years */
	assert_int_equal(i, 131 * 365 + 32);
}

static void test_date_format(void **state)
{
	char b[11];

	(void)state;
	dbk_format_date(0, b);
	assert_string_equal(b, "1970-01-01");
	dbk_format_date(-1, b);
	assert_string_equal(b, "1969-12-31");
	dbk_format_date(19782, b);
	assert_string_equal(b, "2024-02-29");
	dbk_format_date(-719162, b);
	assert_string_equal(b, "0001-01-01");
	/* INT32_MAX days is about 5.9 million years out */
	dbk_format_date(INT32_MAX, b);
	assert_string_equal(b, "\?\?\?\?-\?\?-\?\?");
}

/* ---- datetimes -------------------------------------------------------- */

#define DT_OK(str, want) do {						\
	int64_t t_ = -12345;						\
	assert_int_equal(dbk_parse_datetime((str), NOW_NOON, &t_), 0);	\
	assert_int_equal(t_, (want));					\
} while (0)

#define DT_BAD(str) do {						\
	int64_t t_ = -12345;						\
	assert_int_equal(dbk_parse_datetime((str), NOW_NOON, &t_),	\
	    DBK_EINVAL);						\
	assert_int_equal(t_, -12345);					\
} while (0)

static void test_datetime_utc(void **state)
{
	(void)state;
	/* TZ=UTC from the setup: local time is UTC */
	DT_OK("2024-05-10", T_20240510);
	/* 14:30 = 14 * 3600 + 30 * 60 = 52200 s */
	DT_OK("2024-05-10 14:30", T_20240510 + 52200);
	DT_OK("2024-05-10T14:30", T_20240510 + 52200);
	DT_OK("2024-05-10T14:30:15", T_20240510 + 52215);
	DT_OK("2024-05-10T14:30Z", T_20240510 + 52200);
	DT_OK("2024-05-10 14:30:15Z", T_20240510 + 52215);
	/* 9:05 = 32400 + 300 = 32700 s */
	DT_OK("2024/5/10 9:05", T_20240510 + 32700);
	DT_OK("2024年5月10日 14:30", T_20240510 + 52200);
	DT_OK("2024-05-10 23:59:59", T_20240510 + 86399);
	DT_OK("1970-01-01T00:00:00Z", 0);
	DT_OK("now", NOW_NOON);
	DT_OK(" NOW ", NOW_NOON);
	DT_OK("today", T_20240510);
	/* tomorrow 09:00 = next midnight + 32400 */
	DT_OK("tomorrow 09:00", T_20240510 + 86400 + 32400);
	DT_OK("TODAY 10:00", T_20240510 + 36000);

	DT_BAD("2024-05-10 24:00");
	DT_BAD("2024-05-10 14:60");
	DT_BAD("2024-05-10 14:30:60");
	DT_BAD("2024-05-10 14");
	DT_BAD("2024-05-10 14:3");
	DT_BAD("2024-05-10 114:30");
	DT_BAD("2024-05-10T");
	DT_BAD("2024-05-10Z");
	DT_BAD("2024-05-10  14:30");
	DT_BAD("2024-05-10 14:30 Z");
	DT_BAD("2024-05-10 14:30+08:00");
	DT_BAD("2024-02-30 10:00");
	DT_BAD("today 10:00Z");
	DT_BAD("");
	DT_BAD("later");
}

static void test_datetime_local(void **state)
{
	(void)state;
	/* UTC+8: local 14:30 is 06:30Z = T + 23400 */
	set_tz("CST-8");
	DT_OK("2024-05-10 14:30", T_20240510 + 23400);
	DT_OK("2024-05-10T14:30Z", T_20240510 + 52200);
	/* local midnight is the previous day 16:00Z = T - 28800 */
	DT_OK("2024-05-10", T_20240510 - 28800);

	/* US Eastern with DST.  2024-07-01 = 19723 + 182 (Jan..Jun: 31 + 29
	 * + 31 + 30 + 31 + 30) = 19905 -> 1719792000; 12:00 EDT (UTC-4) is
	 * 16:00Z, + 57600.  2024-01-15 = 19723 + 14 = 19737 -> 1705276800;
	 * 12:00 EST (UTC-5) is 17:00Z, + 61200. */
	set_tz("EST5EDT,M3.2.0,M11.1.0");
	DT_OK("2024-07-01 12:00", INT64_C(1719792000) + 57600);
	DT_OK("2024-01-15 12:00", INT64_C(1705276800) + 61200);
}

static void test_datetime_format(void **state)
{
	char b[17];

	(void)state;
	dbk_format_datetime(0, b);
	assert_string_equal(b, "1970-01-01 00:00");
	dbk_format_datetime(T_20240510 + 52215, b);
	assert_string_equal(b, "2024-05-10 14:30");
	/* 14:30Z is 22:30 at UTC+8 */
	set_tz("CST-8");
	dbk_format_datetime(T_20240510 + 52200, b);
	assert_string_equal(b, "2024-05-10 22:30");
	dbk_format_datetime(INT64_MAX, b);
	assert_string_equal(b, "\?\?\?\?-\?\?-\?\? \?\?:\?\?");
}

/* ---- enumerations ----------------------------------------------------- */

#define ENUM_OK(fn, type, str, want) do {				\
	type v_ = (type)99;						\
	assert_int_equal(fn((str), &v_), 0);				\
	assert_int_equal(v_, (want));					\
} while (0)

#define ENUM_BAD(fn, type, str) do {					\
	type v_ = (type)99;						\
	assert_int_equal(fn((str), &v_), DBK_EINVAL);			\
	assert_int_equal(v_, 99);					\
} while (0)

#define STAGE(s, w) ENUM_OK(dbk_parse_stage, enum dbk_stage, s, w)
#define CHAN(s, w) ENUM_OK(dbk_parse_channel, enum dbk_channel, s, w)
#define ROLE(s, w) ENUM_OK(dbk_parse_role, enum dbk_role, s, w)
#define PRIO(s, w) ENUM_OK(dbk_parse_priority, enum dbk_priority, s, w)

static void test_enum_stage(void **state)
{
	(void)state;
	STAGE("lead", DBK_STAGE_LEAD);
	STAGE("LEAD", DBK_STAGE_LEAD);
	STAGE("線索", DBK_STAGE_LEAD);
	STAGE("线索", DBK_STAGE_LEAD);
	STAGE("intent", DBK_STAGE_INTENT);
	STAGE("意向", DBK_STAGE_INTENT);
	STAGE("proposal", DBK_STAGE_PROPOSAL);
	STAGE("方案", DBK_STAGE_PROPOSAL);
	STAGE("negotiation", DBK_STAGE_NEGOTIATION);
	STAGE("Negotiation", DBK_STAGE_NEGOTIATION);
	STAGE("談判", DBK_STAGE_NEGOTIATION);
	STAGE("谈判", DBK_STAGE_NEGOTIATION);
	STAGE("won", DBK_STAGE_WON);
	STAGE(" Won ", DBK_STAGE_WON);
	STAGE("成交", DBK_STAGE_WON);
	STAGE("service", DBK_STAGE_SERVICE);
	STAGE("服務", DBK_STAGE_SERVICE);
	STAGE("服务", DBK_STAGE_SERVICE);
	STAGE("lost", DBK_STAGE_LOST);
	STAGE("流失", DBK_STAGE_LOST);
	ENUM_BAD(dbk_parse_stage, enum dbk_stage, "");
	ENUM_BAD(dbk_parse_stage, enum dbk_stage, "leads");
	ENUM_BAD(dbk_parse_stage, enum dbk_stage, "le ad");
	ENUM_BAD(dbk_parse_stage, enum dbk_stage, "線");
	ENUM_BAD(dbk_parse_stage, enum dbk_stage, NULL);
}

static void test_enum_channel(void **state)
{
	(void)state;
	CHAN("phone", DBK_CHANNEL_PHONE);
	CHAN("call", DBK_CHANNEL_PHONE);
	CHAN("CALL", DBK_CHANNEL_PHONE);
	CHAN("電話", DBK_CHANNEL_PHONE);
	CHAN("电话", DBK_CHANNEL_PHONE);
	CHAN("visit", DBK_CHANNEL_VISIT);
	CHAN("face-to-face", DBK_CHANNEL_VISIT);
	CHAN("Face-To-Face", DBK_CHANNEL_VISIT);
	CHAN("meeting", DBK_CHANNEL_VISIT);
	CHAN("面談", DBK_CHANNEL_VISIT);
	CHAN("面谈", DBK_CHANNEL_VISIT);
	CHAN("拜訪", DBK_CHANNEL_VISIT);
	CHAN("拜访", DBK_CHANNEL_VISIT);
	CHAN("online", DBK_CHANNEL_ONLINE);
	CHAN("video", DBK_CHANNEL_ONLINE);
	CHAN("線上會議", DBK_CHANNEL_ONLINE);
	CHAN("线上会议", DBK_CHANNEL_ONLINE);
	CHAN("線上", DBK_CHANNEL_ONLINE);
	CHAN("线上", DBK_CHANNEL_ONLINE);
	CHAN("email", DBK_CHANNEL_EMAIL);
	CHAN("e-mail", DBK_CHANNEL_EMAIL);
	CHAN("E-Mail", DBK_CHANNEL_EMAIL);
	CHAN("郵件", DBK_CHANNEL_EMAIL);
	CHAN("邮件", DBK_CHANNEL_EMAIL);
	CHAN("other", DBK_CHANNEL_OTHER);
	CHAN("其他", DBK_CHANNEL_OTHER);
	ENUM_BAD(dbk_parse_channel, enum dbk_channel, "fax");
	ENUM_BAD(dbk_parse_channel, enum dbk_channel, "face to face");
	ENUM_BAD(dbk_parse_channel, enum dbk_channel, "線上會");
}

static void test_enum_role(void **state)
{
	(void)state;
	ROLE("decision-maker", DBK_ROLE_DECISION_MAKER);
	ROLE("Decision-Maker", DBK_ROLE_DECISION_MAKER);
	ROLE("decision", DBK_ROLE_DECISION_MAKER);
	ROLE("決策者", DBK_ROLE_DECISION_MAKER);
	ROLE("决策者", DBK_ROLE_DECISION_MAKER);
	ROLE("決策人", DBK_ROLE_DECISION_MAKER);
	ROLE("决策人", DBK_ROLE_DECISION_MAKER);
	ROLE("influencer", DBK_ROLE_INFLUENCER);
	ROLE("影響者", DBK_ROLE_INFLUENCER);
	ROLE("影响者", DBK_ROLE_INFLUENCER);
	ROLE("user", DBK_ROLE_USER);
	ROLE("USER", DBK_ROLE_USER);
	ROLE("使用者", DBK_ROLE_USER);
	ROLE("用戶", DBK_ROLE_USER);
	ROLE("用户", DBK_ROLE_USER);
	ROLE("gatekeeper", DBK_ROLE_GATEKEEPER);
	ROLE("把關者", DBK_ROLE_GATEKEEPER);
	ROLE("把关者", DBK_ROLE_GATEKEEPER);
	ROLE("champion", DBK_ROLE_CHAMPION);
	ROLE("支持者", DBK_ROLE_CHAMPION);
	ROLE("內線", DBK_ROLE_CHAMPION);
	ROLE("内线", DBK_ROLE_CHAMPION);
	ENUM_BAD(dbk_parse_role, enum dbk_role, "decision maker");
	ENUM_BAD(dbk_parse_role, enum dbk_role, "boss");
}

static void test_enum_priority(void **state)
{
	(void)state;
	PRIO("high", DBK_PRIORITY_HIGH);
	PRIO("HIGH", DBK_PRIORITY_HIGH);
	PRIO("高", DBK_PRIORITY_HIGH);
	PRIO("medium", DBK_PRIORITY_MEDIUM);
	PRIO("med", DBK_PRIORITY_MEDIUM);
	PRIO("Med", DBK_PRIORITY_MEDIUM);
	PRIO("中", DBK_PRIORITY_MEDIUM);
	PRIO("low", DBK_PRIORITY_LOW);
	PRIO("低", DBK_PRIORITY_LOW);
	ENUM_BAD(dbk_parse_priority, enum dbk_priority, "urgent");
	ENUM_BAD(dbk_parse_priority, enum dbk_priority, "高高");
	ENUM_BAD(dbk_parse_priority, enum dbk_priority, "");
}

static void test_enum_names(void **state)
{
	int i;
	enum dbk_stage st;
	enum dbk_channel ch;
	enum dbk_role ro;
	enum dbk_priority pr;

	(void)state;
	assert_string_equal(dbk_stage_name(DBK_STAGE_LEAD), "lead");
	assert_string_equal(dbk_stage_name(DBK_STAGE_LOST), "lost");
	assert_string_equal(dbk_stage_name_zh(DBK_STAGE_NEGOTIATION), "談判");
	assert_string_equal(dbk_stage_name_zh(DBK_STAGE_SERVICE), "服務");
	assert_string_equal(dbk_channel_name(DBK_CHANNEL_EMAIL), "email");
	assert_string_equal(dbk_role_name(DBK_ROLE_DECISION_MAKER),
	    "decision-maker");
	assert_string_equal(dbk_priority_name(DBK_PRIORITY_MEDIUM), "medium");
	assert_null(dbk_stage_name(DBK_STAGE_COUNT));
	assert_null(dbk_stage_name_zh(DBK_STAGE_COUNT));
	assert_null(dbk_stage_name((enum dbk_stage)-1));
	assert_null(dbk_channel_name(DBK_CHANNEL_COUNT));
	assert_null(dbk_role_name(DBK_ROLE_COUNT));
	assert_null(dbk_priority_name(DBK_PRIORITY_COUNT));

	/* every name parses back to its value */
	for (i = 0; i < DBK_STAGE_COUNT; i++) {
		assert_int_equal(dbk_parse_stage(dbk_stage_name(i), &st), 0);
		assert_int_equal(st, i);
		assert_int_equal(dbk_parse_stage(dbk_stage_name_zh(i), &st), 0);
		assert_int_equal(st, i);
	}
	for (i = 0; i < DBK_CHANNEL_COUNT; i++) {
		assert_int_equal(dbk_parse_channel(dbk_channel_name(i), &ch), 0);
		assert_int_equal(ch, i);
	}
	for (i = 0; i < DBK_ROLE_COUNT; i++) {
		assert_int_equal(dbk_parse_role(dbk_role_name(i), &ro), 0);
		assert_int_equal(ro, i);
	}
	for (i = 0; i < DBK_PRIORITY_COUNT; i++) {
		assert_int_equal(dbk_parse_priority(dbk_priority_name(i), &pr),
		    0);
		assert_int_equal(pr, i);
	}

	assert_string_equal(dbk_stage_choices(),
	    "lead, intent, proposal, negotiation, won, service, lost "
	    "(or 線索, 意向, 方案, 談判, 成交, 服務, 流失)");
	assert_string_equal(dbk_channel_choices(),
	    "phone, visit, online, email, other "
	    "(or 電話, 面談, 線上, 郵件, 其他)");
	assert_string_equal(dbk_role_choices(),
	    "decision-maker, influencer, user, gatekeeper, champion "
	    "(or 決策者, 影響者, 使用者, 把關者, 支持者)");
	assert_string_equal(dbk_priority_choices(),
	    "high, medium, low (or 高, 中, 低)");
}

/* ---- integers --------------------------------------------------------- */

#define INT_OK(str, lo, hi, want) do {					\
	int64_t v_ = -12345;						\
	assert_int_equal(dbk_parse_int((str), (lo), (hi), &v_), 0);	\
	assert_int_equal(v_, (want));					\
} while (0)

#define INT_BAD(str, lo, hi) do {					\
	int64_t v_ = -12345;						\
	assert_int_equal(dbk_parse_int((str), (lo), (hi), &v_), DBK_EINVAL); \
	assert_int_equal(v_, -12345);					\
} while (0)

static void test_int(void **state)
{
	(void)state;
	INT_OK("42", 0, 100, 42);
	INT_OK("-42", -100, 100, -42);
	INT_OK("0", 0, 0, 0);
	INT_OK("-0", 0, 0, 0);
	INT_OK("007", 0, 10, 7);
	INT_OK(" 5 ", 0, 10, 5);
	INT_OK("10", 10, 10, 10);
	INT_OK("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	INT_OK("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	INT_BAD("9223372036854775808", INT64_MIN, INT64_MAX);
	INT_BAD("-9223372036854775809", INT64_MIN, INT64_MAX);
	INT_BAD("99999999999999999999", INT64_MIN, INT64_MAX);
	INT_BAD("", 0, 10);
	INT_BAD("  ", 0, 10);
	INT_BAD("-", 0, 10);
	INT_BAD("+5", 0, 10);
	INT_BAD("1 2", 0, 100);
	INT_BAD("- 1", -10, 10);
	INT_BAD("12abc", 0, 100);
	INT_BAD("0x10", 0, 100);
	INT_BAD("1.0", 0, 100);
	INT_BAD("11", 0, 10);
	INT_BAD("-1", 0, 10);
	INT_BAD("5", 10, 0);
	INT_BAD(NULL, 0, 10);
}

/* ---- display helpers -------------------------------------------------- */

#define MASK(fn, in, want) do {						\
	char *m_ = fn(in);						\
	assert_non_null(m_);						\
	assert_string_equal(m_, (want));				\
	free(m_);							\
} while (0)

static void test_mask_name(void **state)
{
	(void)state;
	MASK(dbk_mask_name, "王經理", "*經理");
	MASK(dbk_mask_name, " 王經理 ", "*經理");
	MASK(dbk_mask_name, "王", "*");
	MASK(dbk_mask_name, "歐陽娜娜", "*娜娜");	/* a two-character surname */
	MASK(dbk_mask_name, "司马光", "*光");
	MASK(dbk_mask_name, "歐陽", "*陽");		/* nothing after: one hidden */
	MASK(dbk_mask_name, "김민수", "*민수");	/* Hangul */
	MASK(dbk_mask_name, "たなか", "*なか");	/* Hiragana */
	/* Initials only: "Wang Wei" puts the family name first, "John
	 * Smith" last, so neither word is shown. */
	MASK(dbk_mask_name, "John Smith", "J. S.");
	MASK(dbk_mask_name, "Wang Wei", "W. W.");
	MASK(dbk_mask_name, "Mary Jane Watson", "M. J. W.");
	MASK(dbk_mask_name, "  John   Smith ", "J. S.");
	MASK(dbk_mask_name, "Madonna", "M.");
	MASK(dbk_mask_name, "Émile", "É.");
	MASK(dbk_mask_name, "", "");
	MASK(dbk_mask_name, NULL, "");
}

static void test_mask_phone(void **state)
{
	(void)state;
	/* 11 digits: keep 138 and 5678, mask the middle 4 */
	MASK(dbk_mask_phone, "13812345678", "138****5678");
	MASK(dbk_mask_phone, "138-1234-5678", "138-****-5678");
	/* 13 digits 8613812345678: keep 861 and 5678, mask 6 */
	MASK(dbk_mask_phone, "+86 138 1234 5678", "+86 1** **** 5678");
	/* exactly 8 digits: keep 123 and 5678, mask 1 */
	MASK(dbk_mask_phone, "12345678", "123*5678");
	MASK(dbk_mask_phone, "1234567", "*******");
	MASK(dbk_mask_phone, "1234", "****");
	/* letters are masked too, one '*' per character */
	MASK(dbk_mask_phone, "tel12345678", "***123*5678");
	/* full-width digits (3 bytes each) are not ASCII digits: one '*' */
	MASK(dbk_mask_phone, "１３８", "***");
	MASK(dbk_mask_phone, "", "");
	MASK(dbk_mask_phone, NULL, "");
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(dbk_display_width("abc"), 3);
	assert_int_equal(dbk_display_width("王經理"), 6);
	assert_int_equal(dbk_display_width("a王"), 3);
	assert_int_equal(dbk_display_width(""), 0);
	assert_int_equal(dbk_display_width(NULL), 0);
	assert_int_equal(dbk_display_width("한국"), 4);
	assert_int_equal(dbk_display_width("ｱ"), 1);	/* halfwidth kana */
	/* e + U+0301 combining acute: one column */
	assert_int_equal(dbk_display_width("e\xcc\x81"), 1);
	/* control characters take no column */
	assert_int_equal(dbk_display_width("a\tb\n"), 2);
	/* invalid bytes: a lone 0xff, and 王 (e7 8e 8b) cut after 2 bytes */
	assert_int_equal(dbk_display_width("\xff"), 1);
	assert_int_equal(dbk_display_width("a\xe7\x8e"), 3);
	assert_int_equal(dbk_display_width("\xe7\x8e" "b王"), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_accepts),
		cmocka_unit_test(test_money_refuses),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_money_round_trip),
		cmocka_unit_test(test_date_forms),
		cmocka_unit_test(test_date_refuses),
		cmocka_unit_test_teardown(test_date_relative, tz_utc),
		cmocka_unit_test(test_date_walk),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_datetime_utc),
		cmocka_unit_test_teardown(test_datetime_local, tz_utc),
		cmocka_unit_test_teardown(test_datetime_format, tz_utc),
		cmocka_unit_test(test_enum_stage),
		cmocka_unit_test(test_enum_channel),
		cmocka_unit_test(test_enum_role),
		cmocka_unit_test(test_enum_priority),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_mask_name),
		cmocka_unit_test(test_mask_phone),
		cmocka_unit_test(test_width),
	};

	return cmocka_run_group_tests(tests, tz_utc, NULL);
}
