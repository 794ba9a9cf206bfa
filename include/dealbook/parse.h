/*
 * dealbook/parse.h -- parsers and formatters for what people type:
 * amounts of money, dates and times, and the enumerations (stage, channel,
 * contact role, priority) in English and Chinese; plus the display helpers
 * that mask personal data and measure terminal width.
 *
 * All functions are pure: no store, no global state, no allocation unless
 * stated.  Parsers return 0 or DBK_EINVAL and fill *out only on success.
 */
#ifndef DEALBOOK_PARSE_H
#define DEALBOOK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- money -------------------------------------------------------------
 * Amounts are int64 minor units (fen for CNY: minor_digits = 2).  Accepted:
 * "500000", "500,000", "500000.5", "¥500,000", "50万", "50萬", "480.5万",
 * "1.2亿", "1.2億", surrounding blanks.  Refused: negatives, more decimals
 * than minor_digits allows after scaling, misplaced commas, overflow, empty.
 */
int dbk_parse_money(const char *s, int minor_digits, int64_t *out)
	__attribute__((warn_unused_result));

/* Format with thousands separators; the fraction only when non-zero
 * ("4,805,000", "1,234.50").  Returns the length written or DBK_EINVAL if
 * buf is too small (it is then an empty string). */
int dbk_format_money(int64_t minor, int minor_digits, char *buf, size_t n);

/* ---- dates and times ---------------------------------------------------
 * A date is days since 1970-01-01 (proleptic Gregorian).  Accepted:
 * "2024-05-10", "2024/5/10", "2024.05.10", "2024年5月10日", "today",
 * "yesterday", "tomorrow" (relative to `now`, in local time).
 */
int dbk_parse_date(const char *s, int64_t now, int32_t *days_out)
	__attribute__((warn_unused_result));
/* "YYYY-MM-DD" into buf (at least 11 bytes). */
void dbk_format_date(int32_t days, char buf[11]);

/* A moment as Unix seconds.  Accepted: every date form above (midnight
 * local time), "2024-05-10 14:30", "2024-05-10T14:30[:SS]", with an
 * optional trailing "Z" (UTC) , and "now".  Local time via the TZ rules. */
int dbk_parse_datetime(const char *s, int64_t now, int64_t *out)
	__attribute__((warn_unused_result));
/* "YYYY-MM-DD HH:MM" in local time into buf (at least 17 bytes). */
void dbk_format_datetime(int64_t t, char buf[17]);

/* ---- enumerations ------------------------------------------------------ */
enum dbk_stage {
	DBK_STAGE_LEAD = 0, DBK_STAGE_INTENT, DBK_STAGE_PROPOSAL,
	DBK_STAGE_NEGOTIATION, DBK_STAGE_WON, DBK_STAGE_SERVICE, DBK_STAGE_LOST,
	DBK_STAGE_COUNT
};
enum dbk_channel {
	DBK_CHANNEL_PHONE = 0, DBK_CHANNEL_VISIT, DBK_CHANNEL_ONLINE,
	DBK_CHANNEL_EMAIL, DBK_CHANNEL_OTHER, DBK_CHANNEL_COUNT
};
enum dbk_role {
	DBK_ROLE_DECISION_MAKER = 0, DBK_ROLE_INFLUENCER, DBK_ROLE_USER,
	DBK_ROLE_GATEKEEPER, DBK_ROLE_CHAMPION, DBK_ROLE_COUNT
};
enum dbk_priority {
	DBK_PRIORITY_HIGH = 0, DBK_PRIORITY_MEDIUM, DBK_PRIORITY_LOW,
	DBK_PRIORITY_COUNT
};

/* Case-insensitive English names, and Chinese in traditional and
 * simplified forms.  Return 0 or DBK_EINVAL. */
int dbk_parse_stage(const char *s, enum dbk_stage *out)
	__attribute__((warn_unused_result));
int dbk_parse_channel(const char *s, enum dbk_channel *out)
	__attribute__((warn_unused_result));
int dbk_parse_role(const char *s, enum dbk_role *out)
	__attribute__((warn_unused_result));
int dbk_parse_priority(const char *s, enum dbk_priority *out)
	__attribute__((warn_unused_result));

/* Canonical English names ("lead", "decision-maker", ...), and the
 * traditional-Chinese display names; NULL for an out-of-range value. */
const char *dbk_stage_name(enum dbk_stage v);
const char *dbk_stage_name_zh(enum dbk_stage v);
const char *dbk_channel_name(enum dbk_channel v);
/* Chinese names (traditional, as the template writes them): 電話, 面談,
 * 線上會議, 郵件, 其他; 決策者...; 高, 中, 低. */
const char *dbk_channel_name_zh(enum dbk_channel v);
const char *dbk_role_name_zh(enum dbk_role v);
const char *dbk_priority_name_zh(enum dbk_priority v);
const char *dbk_role_name(enum dbk_role v);
const char *dbk_priority_name(enum dbk_priority v);
/* The canonical spellings, comma-separated, English then traditional
 * Chinese ("high, medium, low (or 高, 中, 低)"), for error messages. */
const char *dbk_stage_choices(void);
const char *dbk_channel_choices(void);
const char *dbk_role_choices(void);
const char *dbk_priority_choices(void);

/* ---- bounded integers (OpenBSD strtonum in spirit) -------------------- */
int dbk_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
	__attribute__((warn_unused_result));

/* ---- display helpers ---------------------------------------------------
 * Masks return malloc'd strings (caller frees) or NULL on allocation
 * failure.  Name: CJK names lose their first character ("王經理" ->
 * "*經理"); others keep the first word ("John Smith" -> "John *").
 * Phone: keep the first 3 and last 4 digits of 8+ ("138****5678"), else
 * all "*".  Width: terminal columns of valid UTF-8 (East Asian wide = 2);
 * invalid bytes count 1 each.
 */
char *dbk_mask_name(const char *name);
char *dbk_mask_phone(const char *phone);
size_t dbk_display_width(const char *utf8);

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_PARSE_H */
