/*
 * dealbook/eval.h -- the effect review: periods, the facts an evaluation
 * reads, and the indicators computed from them (docs/METRICS.md defines
 * each one exactly).
 *
 * The computation is pure and uses integers only (no floating point), so
 * an evaluation run recomputed on another machine gives the same bytes.
 * Times are Unix seconds (UTC); dates are days since 1970-01-01.  A period
 * is whole days in a fixed UTC offset, recorded with every run.
 */
#ifndef DEALBOOK_EVAL_H
#define DEALBOOK_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/parse.h"
#include "dealbook/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- periods -------------------------------------------------------------
 * "2024", "2024Q2", "2024-05", "2024W19" (ISO 8601 week, Monday first),
 * "2024-04-01..2024-06-30" (both days included).  Anything else is
 * DBK_EINVAL with a message naming the text.
 */
enum dbk_period_kind {
	DBK_PERIOD_YEAR, DBK_PERIOD_QUARTER, DBK_PERIOD_MONTH, DBK_PERIOD_WEEK,
	DBK_PERIOD_RANGE
};
struct dbk_period {
	enum dbk_period_kind kind;
	int32_t first_day, last_day;   /* inclusive, days since 1970-01-01 */
	int utc_offset_min;            /* the days' clock: minutes east of UTC */
	int64_t start, end;            /* [start, end) in Unix seconds */
	char label[32];                /* canonical: "2024Q2", "2024W09",
	                                  "2024-04-01..2024-06-30" */
};
int dbk_period_parse(const char *s, int utc_offset_min, struct dbk_period *out,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* The previous period of the same kind and length (2024Q2 -> 2024Q1,
 * 2024W01 -> 2023W52 or W53, a range of n days -> the n days before). */
void dbk_period_previous(const struct dbk_period *p, struct dbk_period *out);
/* The day a moment falls on in the period's clock (floor division, so
 * moments before 1970 work too). */
int32_t dbk_period_day(const struct dbk_period *p, int64_t t);
/* "year", "quarter", "month", "week", "range"; NULL when out of range. */
const char *dbk_period_kind_name(enum dbk_period_kind k);

/* ---- facts ----------------------------------------------------------------
 * What an evaluation reads, gathered from the store by dbk_eval_facts (or
 * built by hand in tests).  Strings belong to the facts.  An amount the
 * reader cannot decrypt has known = 0.  Every array is in id order.
 */
struct dbk_fact_customer {
	struct dbk_id id;
	const char *owner, *industry;  /* NULL when absent */
	int priority;                  /* DBK_PRIORITY_*, or -1 */
	int64_t lead_at;               /* lead since (created when not given) */
	int stage;                     /* current DBK_STAGE_* */
	int64_t expected;              /* expected first order, minor units */
	int expected_known;            /* 0: absent or restricted */
	int expected_restricted;       /* 1: present but not readable */
	int64_t next_due_day;          /* their/our next step date, or INT64_MIN */
};
struct dbk_fact_stage {               /* a stage change */
	struct dbk_id id, customer;
	int64_t at;
	int from, to;                  /* DBK_STAGE_*; from = -1 when unknown */
	int need_match;                /* 0..100 from the checks, or -1 */
};
struct dbk_fact_interaction {
	struct dbk_id id, customer;
	int64_t at;
	int late;                      /* recorded more than 24 h after `at` */
	int channel;                   /* DBK_CHANNEL_*, or -1 */
	int64_t due_day;               /* the next step's date it set, or INT64_MIN */
};
struct dbk_fact_deal {
	struct dbk_id id, customer;
	int32_t signed_day;
	int64_t amount;                /* minor units */
	int amount_known;
};
struct dbk_fact_payment {
	struct dbk_id id, deal, customer;
	int32_t day;
	int64_t amount;
	int amount_known;
};
struct dbk_fact_objection {
	struct dbk_id id, customer;
	int64_t at;
	int resolved;
	int64_t resolved_at;           /* 0 when not known */
};
struct dbk_fact_goal {
	struct dbk_id id;
	const char *period;            /* canonical label of its period */
	const char *metric;            /* an indicator key */
	const char *member;            /* NULL: the team's goal */
	int64_t target;                /* in the metric's unit (dbk_metric_unit) */
	int64_t benchmark;             /* same unit */
	int has_benchmark;
};
struct dbk_fact_review {
	struct dbk_id id;
	const char *period, *member;   /* member NULL: the team's review */
	const char *success, *problem, *action;
};

struct dbk_facts {
	struct dbk_fact_customer *customers;     size_t ncustomers;
	struct dbk_fact_stage *stages;           size_t nstages;
	struct dbk_fact_interaction *interactions; size_t ninteractions;
	struct dbk_fact_deal *deals;             size_t ndeals;
	struct dbk_fact_payment *payments;       size_t npayments;
	struct dbk_fact_objection *objections;   size_t nobjections;
	struct dbk_fact_goal *goals;             size_t ngoals;
	struct dbk_fact_review *reviews;         size_t nreviews;
	int restricted_key;            /* the reader holds the restricted key */
	int minor_digits;              /* the store's currency */
	void *arena;                   /* owned strings (implementation) */
};

/* ---- indicators --------------------------------------------------------
 * docs/METRICS.md is the contract: for each key its unit, cohort, formula,
 * when it is n/a and why, and when it is restricted.  A change to any
 * definition bumps DBK_METRICS_VERSION, which every recorded run carries.
 */
#define DBK_METRICS_VERSION 1

/* The catalogue, in display order; the value is the index into
 * struct dbk_egroup.v. */
enum dbk_metric {
	DBK_M_NEW_CUSTOMERS = 0, DBK_M_SIGNED_AMOUNT, DBK_M_AVG_ORDER_VALUE,
	DBK_M_COLLECTION_RATE, DBK_M_NEW_CUSTOMER_GROWTH, DBK_M_LEAD_CONVERSION,
	DBK_M_AVG_CYCLE_DAYS, DBK_M_NEED_MATCH, DBK_M_OBJECTION_SUCCESS,
	DBK_M_TIMELINESS, DBK_M_WIN_RATE, DBK_M_FOLLOWUPS_PER_WEEK,
	DBK_M_FOLLOWUPS_PER_WEEK_HIGH, DBK_M_WEIGHTED_PIPELINE,
	DBK_M_ACTIVITY_PHONE, DBK_M_ACTIVITY_VISIT, DBK_M_ACTIVITY_ONLINE,
	DBK_M_ACTIVITY_EMAIL, DBK_M_ACTIVITY_OTHER, DBK_M_ACTIVITY_TOTAL,
	DBK_M_STALLED, DBK_M_COUNT
};

enum dbk_scope { DBK_SCOPE_TEAM = 0, DBK_SCOPE_MEMBER, DBK_SCOPE_INDUSTRY };

/* Every value is an int64 in one of these units. */
enum dbk_unit {
	DBK_U_COUNT = 0,   /* a number of things */
	DBK_U_MONEY,       /* minor units of the store's currency */
	DBK_U_PERMILLE,    /* a ratio x 1000: 800 = 80.0% */
	DBK_U_TENTHS,      /* days or scores x 10: 455 = 45.5 */
	DBK_U_HUNDREDTHS   /* x 100: 125 = 1.25 */
};

enum dbk_mstatus {
	DBK_MS_OK = 0,
	DBK_MS_NA,         /* undefined (division by zero...): see why */
	DBK_MS_RESTRICTED  /* needs amounts this reader cannot decrypt */
};

/* A value with its status; value is 0 unless status is DBK_MS_OK, and why
 * is a static English reason when it is not (NULL when it is). */
struct dbk_mstate {
	enum dbk_mstatus status;
	int64_t value;
	const char *why;
};

struct dbk_mvalue {
	const char *key;             /* static: "new_customers", ... */
	enum dbk_unit unit;
	struct dbk_mstate cur;       /* this period */
	/* Ratios: value = scale * num / den, rounded half away from zero;
	 * scale 1 (count, money), 1000 (permille), 10 (tenths) or 100
	 * (hundredths).  Both 0 when restricted. */
	int has_ratio;
	int64_t num, den;
	int has_median;              /* avg_cycle_days only */
	struct dbk_mstate median;
	struct dbk_mstate prev;      /* the previous period, same group */
	/* The matching goal (docs/METRICS.md "Goals"), if any. */
	int has_target;
	int64_t target;              /* in unit */
	struct dbk_mstate achievement; /* permille: cur / target */
	int has_benchmark;
	int64_t benchmark;           /* in unit */
};

/* Stage-to-stage conversion of the period's lead cohort: conv[i] is
 * reached(i + 1) / reached(i) for i = lead, intent, proposal,
 * negotiation (so conv[3] is negotiation -> won), in permille. */
#define DBK_FUNNEL_STEPS 4

struct dbk_stalled {
	struct dbk_id customer;
	int64_t days;                /* whole days since the last contact */
};

struct dbk_egroup {
	int team;                    /* 1: the whole team (always group 0) */
	char *name;                  /* member or industry, "" for none;
	                                NULL for the team */
	struct dbk_mvalue v[DBK_M_COUNT];   /* indexed by enum dbk_metric */
	int64_t funnel[DBK_STAGE_COUNT];    /* customers by stage at the
	                                       period's end, lost included */
	struct dbk_mvalue conv[DBK_FUNNEL_STEPS];
	struct dbk_stalled *stalled; /* days desc, then id */
	size_t nstalled;
	/* Reviews for this period and group: pointers into the facts, valid
	 * while the facts are. */
	const struct dbk_fact_review **reviews;
	size_t nreviews;
};

struct dbk_eval {
	struct dbk_period period, previous;
	enum dbk_scope by;
	int stalled_days;
	int minor_digits;            /* copied from the facts */
	int restricted_key;          /* copied from the facts */
	struct dbk_egroup *g;        /* the team first, then by name (bytes) */
	size_t ng;
};

/*
 * Compute every indicator for period p, grouped by `by`, with customers
 * open and uncontacted for more than stalled_days days counted as stalled
 * (14 is the usual).  Pure: reads only f and p.  Errors: DBK_EINVAL (bad
 * argument, or facts out of range: a stage, channel or priority not in its
 * enum, a need_match outside -1..100, a duplicate customer id),
 * DBK_ENOMEM.  Free the result with dbk_eval_free.
 */
int dbk_eval_compute(const struct dbk_facts *f, const struct dbk_period *p,
    enum dbk_scope by, int stalled_days, struct dbk_eval **out,
    struct dbk_error *err) __attribute__((warn_unused_result));
void dbk_eval_free(struct dbk_eval *e);

/*
 * The canonical JSON of a result (docs/METRICS.md "JSON"): compact, keys in
 * a fixed order, every value a string or null, so equal results give equal
 * bytes.  With DBK_EVAL_JSON_REVIEWS each group also carries its reviews'
 * text (which changes when reviews are edited; leave it out of anything
 * compared later).  malloc'd; NULL when out of memory.
 */
#define DBK_EVAL_JSON_REVIEWS 0x1u
char *dbk_eval_json(const struct dbk_eval *e, unsigned flags);

/* The catalogue: key i (NULL past the end), its unit, the keys as a
 * comma-separated list for messages. */
const char *dbk_metric_key(size_t i);
int dbk_metric_unit(const char *key, enum dbk_unit *out, struct dbk_error *err)
	__attribute__((warn_unused_result));   /* DBK_EINVAL naming the key */
const char *dbk_metric_keys(void);
/* "count", "money", "permille", "tenths", "hundredths". */
const char *dbk_unit_name(enum dbk_unit u);
/* "ok", "n/a", "restricted". */
const char *dbk_mstatus_name(enum dbk_mstatus s);
/* "team", "member", "industry" and back (DBK_EINVAL naming the text). */
const char *dbk_scope_name(enum dbk_scope s);
int dbk_scope_parse(const char *s, enum dbk_scope *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/*
 * A goal's target or benchmark as typed, in the key's unit: counts "15";
 * money as dbk_parse_money ("5,000,000", "500万"); ratios "20%", "20",
 * "20.5%" (permille 205, one decimal at most, may be negative); tenths
 * "40" or "40.5" (400, 405); hundredths "1.25" (125).  DBK_EINVAL naming
 * the key and the text.
 */
int dbk_metric_parse_value(const char *key, const char *text, int minor_digits,
    int64_t *out, struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Format a value of unit u with status st into buf.  Machine form (for
 * JSON and CSV): count "12", money "4800000.00", permille "80.0", tenths
 * "45.0", hundredths "1.25".  Human form: money "4,800,000", permille
 * "80.0%", the rest as machine.  Status n/a gives "n/a", restricted gives
 * "restricted".  Returns the length, or DBK_EINVAL when buf is too small
 * (32 bytes always suffice) or minor_digits is outside 0..18.
 */
int dbk_metric_format(enum dbk_unit u, enum dbk_mstatus st, int64_t value,
    int minor_digits, int machine, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* DEALBOOK_EVAL_H */
