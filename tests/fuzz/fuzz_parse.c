/*
 * fuzz_parse.c -- the small parsers of typed input: money, dates, times,
 * integers, durations, the enums, periods, metric values, identities and
 * ids.  The first byte picks the parser (and a parameter), the rest is
 * the text.  Beyond not crashing, what parses must print and parse back
 * to the same value: money, dates and periods.
 */
#include "fuzz.h"

static void
money(const char *s, int digits)
{
	int64_t v, w;
	char buf[64];

	if (dbk_parse_money(s, digits, &v) != 0)
		return;
	if (v < 0)
		fz_die("money '%s' parsed to a negative %lld", s, (long long)v);
	if (dbk_format_money(v, digits, buf, sizeof buf) < 0)
		fz_die("money %lld does not format", (long long)v);
	if (dbk_parse_money(buf, digits, &w) != 0 || w != v)
		fz_die("money '%s' -> %lld -> '%s' does not parse back", s,
		    (long long)v, buf);
}

static void
date(const char *s)
{
	int32_t d, e;
	char buf[11];

	if (dbk_parse_date(s, FZ_NOW, &d) != 0)
		return;
	dbk_format_date(d, buf);
	if (dbk_parse_date(buf, FZ_NOW, &e) != 0 || e != d)
		fz_die("date '%s' -> %d -> '%s' does not parse back", s, (int)d,
		    buf);
}

static void
period(const char *s, int off)
{
	struct dbk_period p, q, prev;
	struct dbk_error err = { 0 };

	if (dbk_period_parse(s, off, &p, &err) != 0) {
		if (err.msg == NULL)
			fz_die("period '%s' refused without a message", s);
		dbk_error_clear(&err);
		return;
	}
	if (p.first_day > p.last_day || p.start >= p.end)
		fz_die("period '%s' is empty or backwards", s);
	if (dbk_period_parse(p.label, off, &q, &err) != 0 ||
	    q.first_day != p.first_day || q.last_day != p.last_day ||
	    q.kind != p.kind)
		fz_die("period '%s' -> '%s' does not parse back", s, p.label);
	dbk_period_previous(&p, &prev);
	(void)dbk_period_day(&p, p.start);
	(void)dbk_period_day(&p, INT64_MIN);
	(void)dbk_period_day(&p, INT64_MAX);
	dbk_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbk_error err = { 0 };
	struct dbk_id id;
	enum dbk_type ty;
	union {
		enum dbk_stage st;
		enum dbk_channel ch;
		enum dbk_role ro;
		enum dbk_priority pr;
		enum dbk_scope sc;
		enum dbk_unit un;
	} e;
	uint8_t ed[32], x[32];
	int64_t v;
	char *s;
	unsigned sel;

	if (size < 1)
		return 0;
	if (getenv("TZ") == NULL) {
		(void)setenv("TZ", "UTC", 1);
		tzset();
	}
	sel = data[0];
	s = fz_str(data + 1, size - 1);
	switch (sel % 12) {
	case 0:
		money(s, (int)(sel / 12 % 8));
		break;
	case 1:
		date(s);
		break;
	case 2:
		(void)dbk_parse_datetime(s, FZ_NOW, &v);
		break;
	case 3:
		(void)dbk_parse_int(s, sel & 0x80 ? INT64_MIN : 0, INT64_MAX, &v);
		break;
	case 4:
		if (dbk_parse_duration(s, &v) == 0 && (v < 0 || v > 30 * 86400))
			fz_die("duration '%s' is %lld s", s, (long long)v);
		break;
	case 5:
		(void)dbk_parse_stage(s, &e.st);
		(void)dbk_parse_channel(s, &e.ch);
		(void)dbk_parse_role(s, &e.ro);
		(void)dbk_parse_priority(s, &e.pr);
		break;
	case 6:
		/* Offsets from UTC-12 to UTC+14 in quarter hours. */
		period(s, ((int)(sel / 12) % 109 - 48) * 15);
		break;
	case 7: {
		/* "key=value": a metric key and a value typed for it. */
		char *eq = strchr(s, '=');
		if (eq != NULL) {
			*eq = '\0';
			(void)dbk_metric_parse_value(s, eq + 1, (int)(sel / 12 % 4),
			    &v, &err);
			dbk_error_clear(&err);
		}
		break;
	}
	case 8:
		(void)dbk_identity_parse(s, ed, x, &err);
		dbk_error_clear(&err);
		break;
	case 9:
		if (dbk_id_parse(s, &id) == 0) {
			char hex[DBK_ID_HEX];
			struct dbk_id id2;
			dbk_id_format(&id, hex);
			if (dbk_id_parse(hex, &id2) != 0 ||
			    memcmp(&id, &id2, sizeof id) != 0)
				fz_die("id '%s' -> '%s' does not parse back", s, hex);
		}
		break;
	case 10:
		(void)dbk_type_parse(s, &ty);
		(void)dbk_scope_parse(s, &e.sc, &err);
		dbk_error_clear(&err);
		break;
	case 11:
		(void)dbk_metric_unit(s, &e.un, &err);
		dbk_error_clear(&err);
		break;
	}
	free(s);
	return 0;
}
