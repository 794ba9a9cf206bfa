/*
 * parse.c -- parsers and formatters for money, dates, enumerations and
 * bounded integers, and the display helpers (masks, terminal width).
 *
 * Every parser trims surrounding ASCII whitespace and otherwise matches
 * the whole string; nothing here allocates except the masks.
 */
#include "dealbook/parse.h"
#include "civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "fault.h"

#define MAX_MINOR_DIGITS 18

/* ---- small helpers over [p, e) spans ----------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void trim(const char *s, const char **pp, const char **ep)
{
	const char *p = s, *e = s + strlen(s);

	while (p < e && is_space(*p))
		p++;
	while (e > p && is_space(e[-1]))
		e--;
	*pp = p;
	*ep = e;
}

/* Whole-span match, ASCII letters case-insensitive, other bytes exact. */
static int span_eq(const char *p, const char *e, const char *lit)
{
	size_t n = strlen(lit), i;

	if ((size_t)(e - p) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_lower(p[i]) != ascii_lower(lit[i]))
			return 0;
	return 1;
}

/* Advance *pp past lit if the span starts with it (bytes exact). */
static int eat(const char **pp, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(e - *pp) < n || memcmp(*pp, lit, n) != 0)
		return 0;
	*pp += n;
	return 1;
}

/* Retreat *ep before lit if the span ends with it. */
static int eat_back(const char *p, const char **ep, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(*ep - p) < n || memcmp(*ep - n, lit, n) != 0)
		return 0;
	*ep -= n;
	return 1;
}

/* Read between min and max decimal digits as an int. */
static int read_digits(const char **pp, const char *e, int min, int max,
    int *out)
{
	const char *p = *pp;
	int n = 0, v = 0;

	while (p < e && n < max && is_digit(*p)) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n < min || (p < e && is_digit(*p)))
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* mant * 10 + d, refusing anything above INT64_MAX. */
static int mul10_add(uint64_t *mant, unsigned d)
{
	if (*mant > ((uint64_t)INT64_MAX - d) / 10)
		return -1;
	*mant = *mant * 10 + d;
	return 0;
}

/* ---- money ------------------------------------------------------------ */

int dbk_parse_money(const char *s, int minor_digits, int64_t *out)
{
	const char *p, *e;
	uint64_t mant = 0;
	int rc = DBK_EINVAL, scale = 0, exp, ndig = 0, grp = 0, commas = 0;
	int nfrac = 0, zeros = 0;

	if (!s || !out || minor_digits < 0 || minor_digits > MAX_MINOR_DIGITS)
		goto out;
	trim(s, &p, &e);
	if (!eat(&p, e, "¥"))
		(void)eat(&p, e, "￥");
	(void)eat_back(p, &e, "元");
	if (eat_back(p, &e, "万") || eat_back(p, &e, "萬"))
		scale = 4;
	else if (eat_back(p, &e, "亿") || eat_back(p, &e, "億"))
		scale = 8;

	/* Integer part: digits, commas only between groups of three. */
	for (; p < e && (is_digit(*p) || *p == ','); p++) {
		if (*p == ',') {
			if (ndig == 0 || grp > 3 || (commas && grp != 3))
				goto out;
			commas = 1;
			grp = 0;
			continue;
		}
		if (mul10_add(&mant, (unsigned)(*p - '0')) != 0)
			goto out;
		ndig++;
		grp++;
	}
	if (ndig == 0 || (commas && grp != 3))
		goto out;

	/* Fraction: trailing zeros are dropped, so "1.230" is 1.23. */
	if (p < e && *p == '.') {
		if (++p == e)
			goto out;
		for (; p < e && is_digit(*p); p++) {
			if (*p == '0') {
				zeros++;
				continue;
			}
			for (; zeros > 0; zeros--, nfrac++)
				if (mul10_add(&mant, 0) != 0)
					goto out;
			if (mul10_add(&mant, (unsigned)(*p - '0')) != 0)
				goto out;
			nfrac++;
		}
	}
	if (p != e)
		goto out;

	/* value = mant * 10^(scale + minor_digits - nfrac) minor units. */
	exp = scale + minor_digits - nfrac;
	if (exp < 0)
		goto out;
	for (; exp > 0; exp--)
		if (mul10_add(&mant, 0) != 0)
			goto out;
	*out = (int64_t)mant;
	rc = 0;
out:
	return rc;
}

int dbk_format_money(int64_t minor, int minor_digits, char *buf, size_t n)
{
	char tmp[64], rev[24];
	uint64_t mag, pow10 = 1, ip, fp;
	size_t len = 0, nrev = 0, i;
	int k, rc = DBK_EINVAL;

	if (!buf || minor_digits < 0 || minor_digits > MAX_MINOR_DIGITS)
		goto out;
	for (k = 0; k < minor_digits; k++)
		pow10 *= 10;
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	ip = mag / pow10;
	fp = mag % pow10;

	if (minor < 0)
		tmp[len++] = '-';
	do {
		rev[nrev++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip > 0);
	for (i = nrev; i > 0; i--) {
		tmp[len++] = rev[i - 1];
		if (i > 1 && (i - 1) % 3 == 0)
			tmp[len++] = ',';
	}
	if (fp != 0) {
		tmp[len++] = '.';
		for (k = minor_digits - 1; k >= 0; k--) {
			tmp[len + (size_t)k] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += (size_t)minor_digits;
	}
	if (len + 1 > n)
		goto out;
	memcpy(buf, tmp, len);
	buf[len] = '\0';
	rc = (int)len;
out:
	if (rc < 0 && buf && n > 0)
		buf[0] = '\0';
	return rc;
}

/* ---- dates and times -------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian
 * (shared with period.c and evalfacts.c through internal.h). */
int64_t dbki_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void dbki_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dim[m - 1];
}

static int local_today(int64_t now, int64_t *days)
{
	time_t t = (time_t)now;
	struct tm tm;

	if ((int64_t)t != now || !localtime_r(&t, &tm))
		return -1;
	*days = dbki_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
	return 0;
}

/* Local y-m-d h:m:s to Unix seconds; mktime picks DST (tm_isdst = -1). */
static int local_mktime(int64_t y, int m, int d, int h, int mi, int s,
    int64_t *out)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	tm.tm_wday = -1;	/* untouched by a failing mktime */
	t = mktime(&tm);
	if (t == (time_t)-1 && tm.tm_wday == -1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/*
 * A date span: YYYY{-,/,.}M{,M}{sep}D{,D} with one separator throughout,
 * YYYY年M月D日, or today/yesterday/tomorrow.  *relative tells the caller a
 * word was used.
 */
static int parse_date_span(const char *p, const char *e, int64_t now,
    int64_t *days, int *relative)
{
	int y, m, d, off = 0;
	char sep;

	*relative = 1;
	if (span_eq(p, e, "today"))
		off = 0;
	else if (span_eq(p, e, "yesterday"))
		off = -1;
	else if (span_eq(p, e, "tomorrow"))
		off = 1;
	else
		*relative = 0;
	if (*relative) {
		if (local_today(now, days) != 0)
			return -1;
		*days += off;
		return 0;
	}

	if (read_digits(&p, e, 4, 4, &y) != 0 || p == e)
		return -1;
	if (eat(&p, e, "年")) {
		if (read_digits(&p, e, 1, 2, &m) != 0 || !eat(&p, e, "月") ||
		    read_digits(&p, e, 1, 2, &d) != 0 || !eat(&p, e, "日"))
			return -1;
	} else {
		sep = *p++;
		if ((sep != '-' && sep != '/' && sep != '.') ||
		    read_digits(&p, e, 1, 2, &m) != 0 || p == e ||
		    *p++ != sep || read_digits(&p, e, 1, 2, &d) != 0)
			return -1;
	}
	if (p != e || y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return -1;
	*days = dbki_days_from_civil(y, m, d);
	return 0;
}

int dbk_parse_date(const char *s, int64_t now, int32_t *days_out)
{
	const char *p, *e;
	int64_t days;
	int relative, rc = DBK_EINVAL;

	if (!s || !days_out)
		goto out;
	trim(s, &p, &e);
	if (parse_date_span(p, e, now, &days, &relative) != 0 ||
	    days < INT32_MIN || days > INT32_MAX)
		goto out;
	*days_out = (int32_t)days;
	rc = 0;
out:
	return rc;
}

/* Years outside 0000..9999 do not fit and give "????-??-??". */
void dbk_format_date(int32_t days, char buf[11])
{
	int64_t y;
	int m, d, n = -1;

	dbki_civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		n = snprintf(buf, 11, "%04d-%02d-%02d", (int)y, m, d);
	if (n < 0 || n >= 11)
		memcpy(buf, "\?\?\?\?-\?\?-\?\?", 11);	/* no trigraphs */
}

/* H{,H}:MM[:SS][Z] */
static int parse_time(const char *p, const char *e, int *h, int *mi, int *s,
    int *utc)
{
	*s = 0;
	*utc = 0;
	if (e > p && (e[-1] == 'Z' || e[-1] == 'z')) {
		*utc = 1;
		e--;
	}
	if (read_digits(&p, e, 1, 2, h) != 0 || !eat(&p, e, ":") ||
	    read_digits(&p, e, 2, 2, mi) != 0)
		return -1;
	if (p < e && (!eat(&p, e, ":") || read_digits(&p, e, 2, 2, s) != 0))
		return -1;
	if (p != e || *h > 23 || *mi > 59 || *s > 59)
		return -1;
	return 0;
}

int dbk_parse_datetime(const char *s, int64_t now, int64_t *out)
{
	const char *p, *e, *q;
	int64_t days, y, t;
	int relative, m, d, h = 0, mi = 0, sec = 0, utc = 0, rc = DBK_EINVAL;

	if (!s || !out)
		goto out;
	trim(s, &p, &e);
	if (span_eq(p, e, "now")) {
		*out = now;
		rc = 0;
		goto out;
	}
	/* The time starts after the first ' ' or 'T' followed by a digit. */
	for (q = p + (p < e); q < e; q++)
		if ((*q == ' ' || *q == 'T') && q + 1 < e && is_digit(q[1]))
			break;
	if (parse_date_span(p, q, now, &days, &relative) != 0)
		goto out;
	if (q < e && parse_time(q + 1, e, &h, &mi, &sec, &utc) != 0)
		goto out;
	if (utc) {
		/* A relative word names a local day: no UTC clock on it. */
		if (relative)
			goto out;
		t = days * 86400 + h * 3600 + mi * 60 + sec;
	} else {
		dbki_civil_from_days(days, &y, &m, &d);
		if (y < 1 || y > 9999 ||
		    local_mktime(y, m, d, h, mi, sec, &t) != 0)
			goto out;
	}
	*out = t;
	rc = 0;
out:
	return rc;
}

/* Outside 0000..9999 (or unrepresentable) gives "????-??-?? ??:??". */
void dbk_format_datetime(int64_t t, char buf[17])
{
	time_t tt = (time_t)t;
	struct tm tm;
	int n = -1;

	if ((int64_t)tt == t && localtime_r(&tt, &tm) &&
	    tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900)
		n = snprintf(buf, 17, "%04d-%02d-%02d %02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min);
	if (n < 0 || n >= 17)
		memcpy(buf, "\?\?\?\?-\?\?-\?\? \?\?:\?\?", 17);
}

/* ---- enumerations ----------------------------------------------------- */

struct spelling {
	const char *s;
	int v;
};

static int lookup(const char *s, const struct spelling *t, size_t n,
    int *v)
{
	const char *p, *e;
	size_t i;

	if (!s)
		return DBK_EINVAL;
	trim(s, &p, &e);
	for (i = 0; i < n; i++) {
		if (span_eq(p, e, t[i].s)) {
			*v = t[i].v;
			return 0;
		}
	}
	return DBK_EINVAL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct spelling stage_sp[] = {
	{ "lead", DBK_STAGE_LEAD }, { "線索", DBK_STAGE_LEAD },
	{ "线索", DBK_STAGE_LEAD },
	{ "intent", DBK_STAGE_INTENT }, { "意向", DBK_STAGE_INTENT },
	{ "proposal", DBK_STAGE_PROPOSAL }, { "方案", DBK_STAGE_PROPOSAL },
	{ "negotiation", DBK_STAGE_NEGOTIATION },
	{ "談判", DBK_STAGE_NEGOTIATION }, { "谈判", DBK_STAGE_NEGOTIATION },
	{ "won", DBK_STAGE_WON }, { "成交", DBK_STAGE_WON },
	{ "service", DBK_STAGE_SERVICE }, { "服務", DBK_STAGE_SERVICE },
	{ "服务", DBK_STAGE_SERVICE },
	{ "lost", DBK_STAGE_LOST }, { "流失", DBK_STAGE_LOST },
};

static const struct spelling channel_sp[] = {
	{ "phone", DBK_CHANNEL_PHONE }, { "call", DBK_CHANNEL_PHONE },
	{ "電話", DBK_CHANNEL_PHONE }, { "电话", DBK_CHANNEL_PHONE },
	{ "visit", DBK_CHANNEL_VISIT }, { "face-to-face", DBK_CHANNEL_VISIT },
	{ "meeting", DBK_CHANNEL_VISIT }, { "面談", DBK_CHANNEL_VISIT },
	{ "面谈", DBK_CHANNEL_VISIT }, { "拜訪", DBK_CHANNEL_VISIT },
	{ "拜访", DBK_CHANNEL_VISIT },
	{ "online", DBK_CHANNEL_ONLINE }, { "video", DBK_CHANNEL_ONLINE },
	{ "線上會議", DBK_CHANNEL_ONLINE }, { "线上会议", DBK_CHANNEL_ONLINE },
	{ "線上", DBK_CHANNEL_ONLINE }, { "线上", DBK_CHANNEL_ONLINE },
	{ "email", DBK_CHANNEL_EMAIL }, { "e-mail", DBK_CHANNEL_EMAIL },
	{ "郵件", DBK_CHANNEL_EMAIL }, { "邮件", DBK_CHANNEL_EMAIL },
	{ "other", DBK_CHANNEL_OTHER }, { "其他", DBK_CHANNEL_OTHER },
};

static const struct spelling role_sp[] = {
	{ "decision-maker", DBK_ROLE_DECISION_MAKER },
	{ "decision", DBK_ROLE_DECISION_MAKER },
	{ "決策者", DBK_ROLE_DECISION_MAKER }, { "决策者", DBK_ROLE_DECISION_MAKER },
	{ "決策人", DBK_ROLE_DECISION_MAKER }, { "决策人", DBK_ROLE_DECISION_MAKER },
	{ "influencer", DBK_ROLE_INFLUENCER }, { "影響者", DBK_ROLE_INFLUENCER },
	{ "影响者", DBK_ROLE_INFLUENCER },
	{ "user", DBK_ROLE_USER }, { "使用者", DBK_ROLE_USER },
	{ "用戶", DBK_ROLE_USER }, { "用户", DBK_ROLE_USER },
	{ "gatekeeper", DBK_ROLE_GATEKEEPER }, { "把關者", DBK_ROLE_GATEKEEPER },
	{ "把关者", DBK_ROLE_GATEKEEPER },
	{ "champion", DBK_ROLE_CHAMPION }, { "支持者", DBK_ROLE_CHAMPION },
	{ "內線", DBK_ROLE_CHAMPION }, { "内线", DBK_ROLE_CHAMPION },
};

static const struct spelling priority_sp[] = {
	{ "high", DBK_PRIORITY_HIGH }, { "高", DBK_PRIORITY_HIGH },
	{ "medium", DBK_PRIORITY_MEDIUM }, { "med", DBK_PRIORITY_MEDIUM },
	{ "中", DBK_PRIORITY_MEDIUM },
	{ "low", DBK_PRIORITY_LOW }, { "低", DBK_PRIORITY_LOW },
};

int dbk_parse_stage(const char *s, enum dbk_stage *out)
{
	int v = 0, rc = out ? lookup(s, stage_sp, NELEM(stage_sp), &v) : DBK_EINVAL;

	if (rc == 0)
		*out = (enum dbk_stage)v;
	return rc;
}

int dbk_parse_channel(const char *s, enum dbk_channel *out)
{
	int v = 0, rc = out ? lookup(s, channel_sp, NELEM(channel_sp), &v) : DBK_EINVAL;

	if (rc == 0)
		*out = (enum dbk_channel)v;
	return rc;
}

int dbk_parse_role(const char *s, enum dbk_role *out)
{
	int v = 0, rc = out ? lookup(s, role_sp, NELEM(role_sp), &v) : DBK_EINVAL;

	if (rc == 0)
		*out = (enum dbk_role)v;
	return rc;
}

int dbk_parse_priority(const char *s, enum dbk_priority *out)
{
	int v = 0, rc = out ? lookup(s, priority_sp, NELEM(priority_sp), &v) : DBK_EINVAL;

	if (rc == 0)
		*out = (enum dbk_priority)v;
	return rc;
}

static const char *const stage_names[DBK_STAGE_COUNT] = {
	"lead", "intent", "proposal", "negotiation", "won", "service", "lost"
};
static const char *const stage_names_zh[DBK_STAGE_COUNT] = {
	"線索", "意向", "方案", "談判", "成交", "服務", "流失"
};
static const char *const channel_names[DBK_CHANNEL_COUNT] = {
	"phone", "visit", "online", "email", "other"
};
static const char *const role_names[DBK_ROLE_COUNT] = {
	"decision-maker", "influencer", "user", "gatekeeper", "champion"
};
static const char *const priority_names[DBK_PRIORITY_COUNT] = {
	"high", "medium", "low"
};

static const char *const channel_names_zh[DBK_CHANNEL_COUNT] = {
	"電話", "面談", "線上會議", "郵件", "其他"
};
static const char *const role_names_zh[DBK_ROLE_COUNT] = {
	"決策者", "影響者", "使用者", "把關者", "支持者"
};
static const char *const priority_names_zh[DBK_PRIORITY_COUNT] = {
	"高", "中", "低"
};

const char *dbk_channel_name_zh(enum dbk_channel v)
{
	return (unsigned)v < DBK_CHANNEL_COUNT ? channel_names_zh[v] : NULL;
}

const char *dbk_role_name_zh(enum dbk_role v)
{
	return (unsigned)v < DBK_ROLE_COUNT ? role_names_zh[v] : NULL;
}

const char *dbk_priority_name_zh(enum dbk_priority v)
{
	return (unsigned)v < DBK_PRIORITY_COUNT ? priority_names_zh[v] : NULL;
}

const char *dbk_stage_name(enum dbk_stage v)
{
	return (unsigned)v < DBK_STAGE_COUNT ? stage_names[v] : NULL;
}

const char *dbk_stage_name_zh(enum dbk_stage v)
{
	return (unsigned)v < DBK_STAGE_COUNT ? stage_names_zh[v] : NULL;
}

const char *dbk_channel_name(enum dbk_channel v)
{
	return (unsigned)v < DBK_CHANNEL_COUNT ? channel_names[v] : NULL;
}

const char *dbk_role_name(enum dbk_role v)
{
	return (unsigned)v < DBK_ROLE_COUNT ? role_names[v] : NULL;
}

const char *dbk_priority_name(enum dbk_priority v)
{
	return (unsigned)v < DBK_PRIORITY_COUNT ? priority_names[v] : NULL;
}

const char *dbk_stage_choices(void)
{
	return "lead, intent, proposal, negotiation, won, service, lost "
	    "(or 線索, 意向, 方案, 談判, 成交, 服務, 流失)";
}

const char *dbk_channel_choices(void)
{
	return "phone, visit, online, email, other "
	    "(or 電話, 面談, 線上, 郵件, 其他)";
}

const char *dbk_role_choices(void)
{
	return "decision-maker, influencer, user, gatekeeper, champion "
	    "(or 決策者, 影響者, 使用者, 把關者, 支持者)";
}

const char *dbk_priority_choices(void)
{
	return "high, medium, low (or 高, 中, 低)";
}

/* ---- bounded integers ------------------------------------------------- */

int dbk_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p, *e;
	uint64_t v = 0, lim;
	int neg = 0, rc = DBK_EINVAL;
	int64_t r;

	if (!s || !out || min > max)
		goto out;
	trim(s, &p, &e);
	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == e)
		goto out;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		if (!is_digit(*p))
			goto out;
		if (v > (lim - (unsigned)(*p - '0')) / 10)
			goto out;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (neg)
		r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		r = (int64_t)v;
	if (r < min || r > max)
		goto out;
	*out = r;
	rc = 0;
out:
	return rc;
}

/* ---- display helpers -------------------------------------------------- */

static int is_cjk(utf8proc_int32_t c)
{
	return (c >= 0x1100 && c <= 0x11FF) ||	/* Hangul Jamo */
	    (c >= 0x2E80 && c <= 0x2FDF) ||	/* CJK and Kangxi radicals */
	    (c >= 0x3040 && c <= 0x31FF) ||	/* Kana, Bopomofo, Jamo, strokes */
	    (c >= 0x3400 && c <= 0x4DBF) ||	/* CJK extension A */
	    (c >= 0x4E00 && c <= 0x9FFF) ||	/* CJK unified ideographs */
	    (c >= 0xA960 && c <= 0xA97F) ||	/* Hangul Jamo extended A */
	    (c >= 0xAC00 && c <= 0xD7FF) ||	/* Hangul syllables, Jamo ext B */
	    (c >= 0xF900 && c <= 0xFAFF) ||	/* CJK compatibility ideographs */
	    (c >= 0xFF65 && c <= 0xFFDC) ||	/* halfwidth Kana and Hangul */
	    (c >= 0x20000 && c <= 0x3FFFF);	/* CJK extensions B and later */
}

/* Length in bytes of the code point at p (1 for an invalid byte). */
static size_t cp_len(const char *p, const char *e, utf8proc_int32_t *cp)
{
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)p,
	    (utf8proc_ssize_t)(e - p), cp);

	if (n <= 0) {
		*cp = -1;
		return 1;
	}
	return (size_t)n;
}

static char *dup_span(const char *p, size_t n, const char *tail)
{
	size_t tn = strlen(tail);
	char *r = malloc(n + tn + 1);

	if (!r)
		return NULL;
	memcpy(r, p, n);
	memcpy(r + n, tail, tn + 1);
	return r;
}

/*
 * Surrounding blanks are dropped.  A single-word non-CJK name keeps only
 * its first character ("Madonna" -> "M*"), else the mask would hide
 * nothing; an empty name gives "".
 */
char *dbk_mask_name(const char *name)
{
	const char *p, *e, *w;
	utf8proc_int32_t cp;
	size_t n, rest;
	char *r;

	trim(name ? name : "", &p, &e);
	if (p == e)
		return dup_span(p, 0, "");
	n = cp_len(p, e, &cp);
	/* Already masked, as the source document writes contacts ("*經理"). */
	if (cp == '*')
		return dup_span(p, (size_t)(e - p), "");
	if (is_cjk(cp)) {
		/* Two-character family names (歐陽, 司馬, ...) hide whole. */
		static const char *const compound[] = {
			"歐陽", "欧阳", "司馬", "司马", "諸葛", "诸葛", "上官",
			"東方", "东方", "皇甫", "尉遲", "尉迟", "公孫", "公孙",
			"慕容", "令狐", "夏侯", "長孫", "长孙", "宇文", "軒轅",
			"轩辕", "端木", "南宮", "南宫", "司徒", "西門", "西门",
			"澹臺", "澹台", "濮陽", "濮阳", "太史", "申屠", "萬俟",
			"万俟", "聞人", "闻人", "赫連", "赫连", "呼延", "百里",
			"東郭", "东郭", "鍾離", "钟离", "宗政", "拓跋", "完顏",
			"完颜", "獨孤", "独孤",
		};
		for (size_t i = 0; i < sizeof compound / sizeof compound[0]; i++) {
			size_t cl = strlen(compound[i]);
			if ((size_t)(e - p) > cl && memcmp(p, compound[i], cl) == 0) {
				n = cl;
				break;
			}
		}
		rest = (size_t)(e - p) - n;
		r = malloc(rest + 2);
		if (r) {
			r[0] = '*';
			memcpy(r + 1, p + n, rest);
			r[rest + 1] = '\0';
		}
		return r;
	}
	/* Other scripts: initials only ("John Smith" -> "J. S."), since
	 * which word is the family name differs ("Wang Wei"). */
	{
		size_t cap = (size_t)(e - p) * 2 + 2, len = 0;
		r = malloc(cap);
		if (r == NULL)
			return NULL;
		for (w = p; w < e;) {
			size_t cl;
			while (w < e && is_space(*w))
				w++;
			if (w >= e)
				break;
			cl = cp_len(w, e, &cp);
			if (len)
				r[len++] = ' ';
			memcpy(r + len, w, cl);
			len += cl;
			r[len++] = '.';
			while (w < e && !is_space(*w))
				w++;
		}
		r[len] = '\0';
		return r;
	}
}

/*
 * ASCII digits are kept only at the first 3 and last 4 of 8 or more;
 * the separators " +-()." are kept; every other character becomes one
 * '*', so nothing else can leak.
 */
char *dbk_mask_phone(const char *phone)
{
	const char *p, *e;
	size_t ndig = 0, k = 0, o = 0;
	utf8proc_int32_t cp;
	char *r;

	if (!phone)
		phone = "";
	e = phone + strlen(phone);
	for (p = phone; p < e; p++)
		ndig += is_digit(*p);
	r = malloc((size_t)(e - phone) + 1);
	if (!r)
		return NULL;
	for (p = phone; p < e;) {
		if (is_digit(*p)) {
			r[o++] = (ndig >= 8 && (k < 3 || k >= ndig - 4)) ?
			    *p : '*';
			k++;
			p++;
		} else if (strchr(" +-().", *p)) {
			r[o++] = *p++;
		} else {
			r[o++] = '*';
			p += cp_len(p, e, &cp);
		}
	}
	r[o] = '\0';
	return r;
}

size_t dbk_display_width(const char *utf8)
{
	const char *p, *e;
	utf8proc_int32_t cp;
	size_t w = 0, n;
	int cw;

	if (!utf8)
		return 0;
	e = utf8 + strlen(utf8);
	for (p = utf8; p < e; p += n) {
		n = cp_len(p, e, &cp);
		if (cp < 0) {
			w++;
			continue;
		}
		cw = utf8proc_charwidth(cp);
		if (cw > 0)
			w += (size_t)cw;
	}
	return w;
}
