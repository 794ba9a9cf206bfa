/*
 * period.c -- the periods an effect review covers: a year, quarter,
 * month, ISO 8601 week or an inclusive range of days, as whole days in a
 * fixed UTC offset.
 *
 * Everything is integer day arithmetic on the proleptic Gregorian
 * calendar, so a period means the same days on every machine whatever its
 * time zone rules; the offset is part of the period and is recorded with
 * every run.
 */
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "internal.h"

#define DAY 86400
#define YEAR_MIN 1970
#define YEAR_MAX 9999
/* Ten years and a little: enough for any review, small enough that a
 * typo ("2024-01-01..2204-01-01") is caught. */
#define RANGE_MAX_DAYS 3660
/* Real offsets lie within -12:00..+14:00; a day is the hard limit. */
#define OFFSET_MAX (24 * 60 - 1)

static const char expected_forms[] =
    "expected 2024, 2024Q2, 2024-05, 2024W19 or 2024-04-01..2024-06-30";


static int
days_in_month(int64_t y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dim[m - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* ISO weekday of a day, Monday = 1 .. Sunday = 7; 1970-01-01 was a
 * Thursday. */
static int
iso_weekday(int64_t z)
{
	return (int)(z + 3 - floor_div(z + 3, 7) * 7) + 1;
}

/* The Monday that starts ISO week 1 of year y: the week holding
 * January 4th (equivalently the year's first Thursday). */
static int64_t
iso_week1(int64_t y)
{
	int64_t jan4 = dbki_days_from_civil(y, 1, 4);

	return jan4 - (iso_weekday(jan4) - 1);
}

/* 52 or 53: a year has W53 when it starts on a Thursday, or is a leap
 * year starting on a Wednesday; counting Mondays covers both. */
static int
iso_weeks(int64_t y)
{
	return (int)((iso_week1(y + 1) - iso_week1(y)) / 7);
}

/* Exactly n decimal digits at *p, advancing it. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" at *p, a real date within the accepted years. */
static int
ymd(const char **p, int64_t *day)
{
	int y, m, d;

	if (digits(p, 4, &y) != 0 || *(*p)++ != '-' ||
	    digits(p, 2, &m) != 0 || *(*p)++ != '-' ||
	    digits(p, 2, &d) != 0)
		return -1;
	if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return -1;
	*day = dbki_days_from_civil(y, m, d);
	return 0;
}

/* Fill the derived fields; the label comes from first_day and the kind,
 * so parsing and stepping back give the same canonical spelling. */
static void
fill(struct dbk_period *p, enum dbk_period_kind kind, int64_t first,
    int64_t last, int off)
{
	int64_t y;
	int m, d;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->first_day = (int32_t)first;
	p->last_day = (int32_t)last;
	p->utc_offset_min = off;
	p->start = first * DAY - (int64_t)off * 60;
	p->end = (last + 1) * DAY - (int64_t)off * 60;
	dbki_civil_from_days(first, &y, &m, &d);
	switch (kind) {
	case DBK_PERIOD_YEAR:
		snprintf(p->label, sizeof(p->label), "%04lld", (long long)y);
		break;
	case DBK_PERIOD_QUARTER:
		snprintf(p->label, sizeof(p->label), "%04lldQ%d", (long long)y,
		    (m - 1) / 3 + 1);
		break;
	case DBK_PERIOD_MONTH:
		snprintf(p->label, sizeof(p->label), "%04lld-%02d",
		    (long long)y, m);
		break;
	case DBK_PERIOD_WEEK:
		/* The ISO year is the year of the week's Thursday. */
		dbki_civil_from_days(first + 3, &y, &m, &d);
		snprintf(p->label, sizeof(p->label), "%04lldW%02d",
		    (long long)y, (int)((first - iso_week1(y)) / 7) + 1);
		break;
	case DBK_PERIOD_RANGE: {
		char a[11], b[11];
		dbk_format_date(p->first_day, a);
		dbk_format_date(p->last_day, b);
		snprintf(p->label, sizeof(p->label), "%s..%s", a, b);
		break;
	}
	}
}

int
dbk_period_parse(const char *s, int utc_offset_min, struct dbk_period *out,
    struct dbk_error *err)
{
	const char *p = s;
	enum dbk_period_kind kind;
	int64_t first, last;
	int y, n;

	if (s == NULL || out == NULL)
		return dbki_error_set(err, DBK_EINVAL, "invalid period (%s)",
		    expected_forms);
	if (utc_offset_min < -OFFSET_MAX || utc_offset_min > OFFSET_MAX)
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid UTC offset %d minutes (expected -1439..1439)",
		    utc_offset_min);
	if (strlen(s) > 10 && s[10] == '.') {
		/* A range: two full dates, the end not before the start. */
		if (ymd(&p, &first) != 0 || *p++ != '.' || *p++ != '.' ||
		    ymd(&p, &last) != 0 || *p != '\0')
			goto bad;
		if (last < first)
			return dbki_error_set(err, DBK_EINVAL, "invalid period "
			    "'%s': it ends before it starts", s);
		if (last - first + 1 > RANGE_MAX_DAYS)
			return dbki_error_set(err, DBK_EINVAL, "invalid period "
			    "'%s': longer than %d days", s, RANGE_MAX_DAYS);
		fill(out, DBK_PERIOD_RANGE, first, last, utc_offset_min);
		return 0;
	}
	if (digits(&p, 4, &y) != 0 || y < YEAR_MIN || y > YEAR_MAX)
		goto bad;
	switch (*p) {
	case '\0':
		kind = DBK_PERIOD_YEAR;
		first = dbki_days_from_civil(y, 1, 1);
		last = dbki_days_from_civil(y, 12, 31);
		break;
	case 'Q':
	case 'q':
		p++;
		if (digits(&p, 1, &n) != 0 || n < 1 || n > 4 || *p != '\0')
			goto bad;
		kind = DBK_PERIOD_QUARTER;
		first = dbki_days_from_civil(y, 3 * n - 2, 1);
		last = dbki_days_from_civil(y, 3 * n, days_in_month(y, 3 * n));
		break;
	case '-':
		p++;
		if (digits(&p, 2, &n) != 0 || n < 1 || n > 12 || *p != '\0')
			goto bad;
		kind = DBK_PERIOD_MONTH;
		first = dbki_days_from_civil(y, n, 1);
		last = dbki_days_from_civil(y, n, days_in_month(y, n));
		break;
	case 'W':
	case 'w':
		p++;
		if (digits(&p, 2, &n) != 0 || n < 1 || n > iso_weeks(y) ||
		    *p != '\0')
			goto bad;
		kind = DBK_PERIOD_WEEK;
		first = iso_week1(y) + (int64_t)(n - 1) * 7;
		last = first + 6;
		break;
	default:
		goto bad;
	}
	fill(out, kind, first, last, utc_offset_min);
	return 0;
bad:
	return dbki_error_set(err, DBK_EINVAL, "invalid period '%s' (%s)", s,
	    expected_forms);
}

void
dbk_period_previous(const struct dbk_period *p, struct dbk_period *out)
{
	int64_t y, first, last, len;
	int m, d;
	struct dbk_period r;

	dbki_civil_from_days(p->first_day, &y, &m, &d);
	switch (p->kind) {
	case DBK_PERIOD_YEAR:
		first = dbki_days_from_civil(y - 1, 1, 1);
		last = p->first_day - 1;
		break;
	case DBK_PERIOD_QUARTER:
	case DBK_PERIOD_MONTH:
		/* The period before starts 3 or 1 months earlier and ends the
		 * day before this one starts. */
		m -= p->kind == DBK_PERIOD_QUARTER ? 3 : 1;
		if (m < 1) {
			m += 12;
			y--;
		}
		first = dbki_days_from_civil(y, m, 1);
		last = p->first_day - 1;
		break;
	case DBK_PERIOD_WEEK:
		/* Weeks are always 7 days, across ISO year ends too. */
		first = (int64_t)p->first_day - 7;
		last = (int64_t)p->first_day - 1;
		break;
	case DBK_PERIOD_RANGE:
	default:
		len = (int64_t)p->last_day - p->first_day + 1;
		first = (int64_t)p->first_day - len;
		last = (int64_t)p->first_day - 1;
		break;
	}
	fill(&r, p->kind, first, last, p->utc_offset_min);
	*out = r;
}

int32_t
dbk_period_day(const struct dbk_period *p, int64_t t)
{
	int64_t q, r;

	/* Split first so that adding the offset cannot overflow. */
	q = t / DAY;
	r = t % DAY;
	if (r < 0) {
		r += DAY;
		q--;
	}
	q += floor_div(r + (int64_t)p->utc_offset_min * 60, DAY);
	if (q < INT32_MIN)
		return INT32_MIN;
	if (q > INT32_MAX)
		return INT32_MAX;
	return (int32_t)q;
}

const char *
dbk_period_kind_name(enum dbk_period_kind k)
{
	switch (k) {
	case DBK_PERIOD_YEAR:    return "year";
	case DBK_PERIOD_QUARTER: return "quarter";
	case DBK_PERIOD_MONTH:   return "month";
	case DBK_PERIOD_WEEK:    return "week";
	case DBK_PERIOD_RANGE:   return "range";
	}
	return NULL;
}
