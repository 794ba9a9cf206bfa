/*
 * test_metrics.c -- unit tests for the indicators of dealbook/eval.h
 * (docs/METRICS.md), on facts built by hand.
 *
 * Every expected value is worked out in the comments.  Day anchors (days
 * since 1970-01-01, see test_period.c): 2024-01-01 = 19723, 2024-04-01 =
 * 19814, 2024-06-30 = 19904, 2024-05-01 = 19844.  2024Q2 is 91 days,
 * [19814 * 86400, 19905 * 86400) in UTC.  AT(d) is noon UTC of day d.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dealbook/eval.h"

#define DAY 86400
#define Q1_FIRST 19723
#define Q1_LAST 19813
#define Q2_FIRST 19814
#define Q2_LAST 19904
#define MAY_FIRST 19844
#define MAY_LAST 19874
#define AT(d) ((int64_t)(d) * DAY + 43200)
#define MIDNIGHT(d) ((int64_t)(d) * DAY)

/* ---- building facts ---------------------------------------------------- */

struct fx {
	struct dbk_facts f;
	uint32_t seq;
};

static void
fx_init(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	x->f.restricted_key = 1;
	x->f.minor_digits = 2;
}

static void
fx_free(struct fx *x)
{
	free(x->f.customers);
	free(x->f.stages);
	free(x->f.interactions);
	free(x->f.deals);
	free(x->f.payments);
	free(x->f.objections);
	free(x->f.goals);
	free(x->f.reviews);
}

/* Ids in creation order, so every array is in id order as the gatherer
 * promises. */
static struct dbk_id
mkid(struct fx *x)
{
	struct dbk_id id;
	uint32_t n = ++x->seq;

	memset(&id, 0, sizeof(id));
	id.b[12] = (uint8_t)(n >> 24);
	id.b[13] = (uint8_t)(n >> 16);
	id.b[14] = (uint8_t)(n >> 8);
	id.b[15] = (uint8_t)n;
	return id;
}

#define GROW(arr, n) do {						\
	(arr) = realloc((arr), ((n) + 1) * sizeof(*(arr)));		\
	assert_non_null(arr);						\
	memset(&(arr)[n], 0, sizeof(*(arr)));				\
} while (0)

static void
stage(struct fx *x, size_t c, int64_t at, int to, int need)
{
	struct dbk_fact_stage *s;

	GROW(x->f.stages, x->f.nstages);
	s = &x->f.stages[x->f.nstages++];
	s->id = mkid(x);
	s->customer = x->f.customers[c].id;
	s->at = at;
	s->from = -1;
	s->to = to;
	s->need_match = need;
}

/* A customer entering at lead_at, with the stage record the store makes
 * at creation.  Returns its index. */
static size_t
cust(struct fx *x, const char *owner, const char *industry, int prio,
    int64_t lead_at)
{
	struct dbk_fact_customer *c;
	size_t i = x->f.ncustomers;

	GROW(x->f.customers, x->f.ncustomers);
	c = &x->f.customers[x->f.ncustomers++];
	c->id = mkid(x);
	c->owner = owner;
	c->industry = industry;
	c->priority = prio;
	c->lead_at = lead_at;
	c->stage = DBK_STAGE_LEAD;
	c->next_due_day = INT64_MIN;
	stage(x, i, lead_at, DBK_STAGE_LEAD, -1);
	return i;
}

static void
expect_amount(struct fx *x, size_t c, int64_t amount)
{
	x->f.customers[c].expected = amount;
	x->f.customers[c].expected_known = 1;
}

static void
inter(struct fx *x, size_t c, int64_t at, int channel, int late)
{
	struct dbk_fact_interaction *it;

	GROW(x->f.interactions, x->f.ninteractions);
	it = &x->f.interactions[x->f.ninteractions++];
	it->id = mkid(x);
	it->customer = x->f.customers[c].id;
	it->at = at;
	it->channel = channel;
	it->late = late;
	it->due_day = INT64_MIN;
}

static size_t
deal(struct fx *x, size_t c, int32_t day, int64_t amount, int known)
{
	struct dbk_fact_deal *d;

	GROW(x->f.deals, x->f.ndeals);
	d = &x->f.deals[x->f.ndeals];
	d->id = mkid(x);
	d->customer = x->f.customers[c].id;
	d->signed_day = day;
	d->amount = known ? amount : 0;
	d->amount_known = known;
	return x->f.ndeals++;
}

static void
pay(struct fx *x, size_t d, int32_t day, int64_t amount, int known)
{
	struct dbk_fact_payment *p;

	GROW(x->f.payments, x->f.npayments);
	p = &x->f.payments[x->f.npayments++];
	p->id = mkid(x);
	p->deal = x->f.deals[d].id;
	p->customer = x->f.deals[d].customer;
	p->day = day;
	p->amount = known ? amount : 0;
	p->amount_known = known;
}

static void
objection(struct fx *x, size_t c, int64_t at, int resolved,
    int64_t resolved_at)
{
	struct dbk_fact_objection *o;

	GROW(x->f.objections, x->f.nobjections);
	o = &x->f.objections[x->f.nobjections++];
	o->id = mkid(x);
	o->customer = x->f.customers[c].id;
	o->at = at;
	o->resolved = resolved;
	o->resolved_at = resolved_at;
}

static void
goal(struct fx *x, const char *period, const char *metric, const char *member,
    int64_t target, int has_bench, int64_t bench)
{
	struct dbk_fact_goal *g;

	GROW(x->f.goals, x->f.ngoals);
	g = &x->f.goals[x->f.ngoals++];
	g->id = mkid(x);
	g->period = period;
	g->metric = metric;
	g->member = member;
	g->target = target;
	g->has_benchmark = has_bench;
	g->benchmark = bench;
}

static void
review(struct fx *x, const char *period, const char *member,
    const char *success)
{
	struct dbk_fact_review *r;

	GROW(x->f.reviews, x->f.nreviews);
	r = &x->f.reviews[x->f.nreviews++];
	r->id = mkid(x);
	r->period = period;
	r->member = member;
	r->success = success;
	r->problem = "p";
	r->action = "a";
}

/* ---- evaluating -------------------------------------------------------- */

static struct dbk_eval *
run_ex(struct fx *x, const char *period, int off, enum dbk_scope by,
    int stalled_days)
{
	struct dbk_period p;
	struct dbk_eval *e = NULL;
	struct dbk_error err = { 0 };

	assert_int_equal(dbk_period_parse(period, off, &p, NULL), 0);
	if (dbk_eval_compute(&x->f, &p, by, stalled_days, &e, &err) != 0)
		fail_msg("dbk_eval_compute: %s", err.msg ? err.msg : "?");
	assert_non_null(e);
	assert_string_equal(e->period.label, p.label);
	assert_true(e->ng >= 1);
	assert_true(e->g[0].team);
	assert_null(e->g[0].name);
	return e;
}

static struct dbk_eval *
run(struct fx *x, const char *period)
{
	return run_ex(x, period, 0, DBK_SCOPE_TEAM, 14);
}

#define MV(e, gi, k) (&(e)->g[(gi)].v[(k)])

#define OK(e, gi, k, want) do {						\
	const struct dbk_mvalue *m_ = MV(e, gi, k);			\
	assert_int_equal(m_->cur.status, DBK_MS_OK);			\
	assert_null(m_->cur.why);					\
	assert_int_equal(m_->cur.value, (int64_t)(want));		\
} while (0)

#define NA(e, gi, k, reason) do {					\
	const struct dbk_mvalue *m_ = MV(e, gi, k);			\
	assert_int_equal(m_->cur.status, DBK_MS_NA);			\
	assert_int_equal(m_->cur.value, 0);				\
	assert_string_equal(m_->cur.why, (reason));			\
} while (0)

#define RESTRICTED(e, gi, k, reason) do {				\
	const struct dbk_mvalue *m_ = MV(e, gi, k);			\
	assert_int_equal(m_->cur.status, DBK_MS_RESTRICTED);		\
	assert_int_equal(m_->cur.value, 0);				\
	assert_int_equal(m_->num, 0);					\
	assert_int_equal(m_->den, 0);					\
	assert_string_equal(m_->cur.why, (reason));			\
} while (0)

#define RATIO(e, gi, k, n_, d_) do {					\
	const struct dbk_mvalue *m_ = MV(e, gi, k);			\
	assert_true(m_->has_ratio);					\
	assert_int_equal(m_->num, (int64_t)(n_));			\
	assert_int_equal(m_->den, (int64_t)(d_));			\
} while (0)

#define PREV_OK(e, gi, k, want) do {					\
	const struct dbk_mvalue *m_ = MV(e, gi, k);			\
	assert_int_equal(m_->prev.status, DBK_MS_OK);			\
	assert_int_equal(m_->prev.value, (int64_t)(want));		\
} while (0)

#define CONV_OK(e, gi, i, n_, d_, want) do {				\
	const struct dbk_mvalue *m_ = &(e)->g[(gi)].conv[(i)];		\
	assert_int_equal(m_->cur.status, DBK_MS_OK);			\
	assert_int_equal(m_->num, (n_));				\
	assert_int_equal(m_->den, (d_));				\
	assert_int_equal(m_->cur.value, (want));			\
} while (0)

#define FMT(u, st, v, md, machine, want) do {				\
	char b_[64];							\
	assert_int_equal(dbk_metric_format((u), (st), (v), (md),	\
	    (machine), b_, sizeof(b_)), (int)strlen(want));		\
	assert_string_equal(b_, (want));				\
} while (0)

#define WHY_NOKEY "amounts need the restricted key"
#define WHY_HIDDEN \
	"some amounts are under a restricted key this reader does not hold"

/* ---- the tests --------------------------------------------------------- */

/* No facts at all: counts and sums are 0, every ratio is n/a with its
 * reason (a division by zero is never a number). */
static void
test_empty(void **state)
{
	struct fx x;
	struct dbk_eval *e;

	(void)state;
	fx_init(&x);
	e = run(&x, "2024Q2");
	assert_int_equal(e->ng, 1);
	assert_string_equal(e->previous.label, "2024Q1");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	OK(e, 0, DBK_M_SIGNED_AMOUNT, 0);
	NA(e, 0, DBK_M_AVG_ORDER_VALUE, "no deals signed in the period");
	NA(e, 0, DBK_M_COLLECTION_RATE, "no deals signed in the period");
	NA(e, 0, DBK_M_NEW_CUSTOMER_GROWTH,
	    "no new customers in the previous period");
	NA(e, 0, DBK_M_LEAD_CONVERSION, "no customers became leads in the period");
	NA(e, 0, DBK_M_AVG_CYCLE_DAYS, "no new customers in the period");
	assert_true(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->has_median);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.status,
	    DBK_MS_NA);
	NA(e, 0, DBK_M_NEED_MATCH,
	    "no scored stage changes to proposal or later in the period");
	NA(e, 0, DBK_M_OBJECTION_SUCCESS, "no objections raised in the period");
	NA(e, 0, DBK_M_TIMELINESS, "no interactions in the period");
	NA(e, 0, DBK_M_WIN_RATE, "no pipelines closed in the period");
	NA(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, "no interactions in the period");
	NA(e, 0, DBK_M_FOLLOWUPS_PER_WEEK_HIGH,
	    "no interactions with high-priority customers in the period");
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 0);
	for (int k = DBK_M_ACTIVITY_PHONE; k <= DBK_M_ACTIVITY_TOTAL; k++)
		OK(e, 0, k, 0);
	OK(e, 0, DBK_M_STALLED, 0);
	for (int s = 0; s < DBK_STAGE_COUNT; s++)
		assert_int_equal(e->g[0].funnel[s], 0);
	assert_string_equal(e->g[0].conv[0].cur.why,
	    "no customers became leads in the period");
	assert_string_equal(e->g[0].conv[3].cur.why,
	    "no customer among the period's leads reached negotiation");
	assert_int_equal(e->g[0].nstalled, 0);
	assert_int_equal(e->g[0].nreviews, 0);
	for (int k = 0; k < DBK_M_COUNT; k++) {
		assert_string_equal(MV(e, 0, k)->key, dbk_metric_key((size_t)k));
		assert_false(MV(e, 0, k)->has_target);
		assert_false(MV(e, 0, k)->has_benchmark);
	}
	PREV_OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	dbk_eval_free(e);

	/* by member with no customers: only the team */
	e = run_ex(&x, "2024Q2", 0, DBK_SCOPE_MEMBER, 14);
	assert_int_equal(e->ng, 1);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * The source document's example: a 2024Q2 team goal of 15 new customers,
 * 12 customers first won in 2024Q2 -> 12 / 15 = 800 permille, "80.0%".
 * Lead conversion: 20 leads enter in Q2, 5 reach intent -> 5 / 20 = 250
 * ("25.0%"); its goal 30% with benchmark 20% -> 250 / 300 = 833.3 -> 833.
 */
static void
test_source_example(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	char b[32];

	(void)state;
	fx_init(&x);
	for (int i = 0; i < 12; i++) {
		size_t c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST + i));
		stage(&x, c, AT(Q2_FIRST + i), DBK_STAGE_WON, -1);
	}
	for (int i = 0; i < 20; i++) {
		size_t c = cust(&x, NULL, NULL, -1, AT(Q2_FIRST + 10 + i));
		if (i < 5)
			stage(&x, c, AT(Q2_FIRST + 40 + i), DBK_STAGE_INTENT, -1);
	}
	goal(&x, "2024Q2", "new_customers", NULL, 15, 0, 0);
	goal(&x, "2024Q2", "lead_conversion", NULL, 300, 1, 200);
	e = run(&x, "2024Q2");

	OK(e, 0, DBK_M_NEW_CUSTOMERS, 12);
	assert_true(MV(e, 0, DBK_M_NEW_CUSTOMERS)->has_target);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->target, 15);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.status,
	    DBK_MS_OK);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.value, 800);
	assert_int_equal(dbk_metric_format(DBK_U_PERMILLE, DBK_MS_OK,
	    MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.value, 2, 0, b,
	    sizeof(b)), 5);
	assert_string_equal(b, "80.0%");
	assert_false(MV(e, 0, DBK_M_NEW_CUSTOMERS)->has_benchmark);

	OK(e, 0, DBK_M_LEAD_CONVERSION, 250);
	RATIO(e, 0, DBK_M_LEAD_CONVERSION, 5, 20);
	assert_int_equal(MV(e, 0, DBK_M_LEAD_CONVERSION)->achievement.value,
	    833);
	assert_true(MV(e, 0, DBK_M_LEAD_CONVERSION)->has_benchmark);
	assert_int_equal(MV(e, 0, DBK_M_LEAD_CONVERSION)->benchmark, 200);
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 200, 2, 0, "20.0%");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 250, 2, 0, "25.0%");

	/* Q1: the 12 became leads, none reached intent in Q1 (they jumped
	 * to won in Q2): 0 / 12; no one won in Q1. */
	PREV_OK(e, 0, DBK_M_LEAD_CONVERSION, 0);
	PREV_OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	NA(e, 0, DBK_M_NEW_CUSTOMER_GROWTH,
	    "no new customers in the previous period");
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Skipped stages and backward moves, all four leads entering in Q2:
 *   A: lead -> won (a jump): reached intent, proposal, negotiation, won
 *   B: lead -> intent -> proposal -> negotiation -> intent (backward):
 *      still reached negotiation; at the end it is at intent
 *   C: lead only
 *   D: lead -> intent -> lost: reached intent (lost later still counts)
 * Lead conversion 3 / 4 = 750.  Funnel steps: lead->intent 3/4 = 750,
 * intent->proposal 2/3 = 666.7 -> 667, proposal->negotiation 2/2 = 1000,
 * negotiation->won 1/2 = 500.  At the end: lead 1 (C), intent 1 (B),
 * won 1 (A), lost 1 (D).  New customers 1 (A), cycle 10 days (100 tenths).
 * Win rate: A won, D lost in Q2 -> 1/2 = 500.
 * Weighted pipeline: open at the end are B (intent 25%) and C (lead
 * 10%): 1,000,000 x 25 / 100 + 335 x 10 / 100 = 250,000 + 33.5 ->
 * 250,033.5 -> 250,034 (half up, once, on the total).  A and D are not
 * open: their expected amounts are left out.
 */
static void
test_skip_and_backward(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t a, b, c, d;

	(void)state;
	fx_init(&x);
	a = cust(&x, NULL, NULL, -1, AT(Q2_FIRST));
	stage(&x, a, AT(Q2_FIRST + 10), DBK_STAGE_WON, -1);
	expect_amount(&x, a, 999999);
	b = cust(&x, NULL, NULL, -1, AT(Q2_FIRST + 1));
	stage(&x, b, AT(Q2_FIRST + 5), DBK_STAGE_INTENT, -1);
	stage(&x, b, AT(Q2_FIRST + 6), DBK_STAGE_PROPOSAL, -1);
	stage(&x, b, AT(Q2_FIRST + 7), DBK_STAGE_NEGOTIATION, -1);
	stage(&x, b, AT(Q2_FIRST + 20), DBK_STAGE_INTENT, -1);
	expect_amount(&x, b, 1000000);
	c = cust(&x, NULL, NULL, -1, AT(Q2_FIRST + 2));
	expect_amount(&x, c, 335);
	d = cust(&x, NULL, NULL, -1, AT(Q2_FIRST + 3));
	stage(&x, d, AT(Q2_FIRST + 4), DBK_STAGE_INTENT, -1);
	stage(&x, d, AT(Q2_FIRST + 30), DBK_STAGE_LOST, -1);
	expect_amount(&x, d, 777777);
	e = run(&x, "2024Q2");

	OK(e, 0, DBK_M_LEAD_CONVERSION, 750);
	RATIO(e, 0, DBK_M_LEAD_CONVERSION, 3, 4);
	CONV_OK(e, 0, 0, 3, 4, 750);
	CONV_OK(e, 0, 1, 2, 3, 667);
	CONV_OK(e, 0, 2, 2, 2, 1000);
	CONV_OK(e, 0, 3, 1, 2, 500);
	assert_string_equal(e->g[0].conv[3].key, "negotiation_to_won");
	assert_int_equal(e->g[0].funnel[DBK_STAGE_LEAD], 1);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_INTENT], 1);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_PROPOSAL], 0);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_NEGOTIATION], 0);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_WON], 1);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_SERVICE], 0);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_LOST], 1);
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 1);
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 100);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.value, 100);
	OK(e, 0, DBK_M_WIN_RATE, 500);
	RATIO(e, 0, DBK_M_WIN_RATE, 1, 2);
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 250034);
	dbk_eval_free(e);

	/* At the end of April (days 19814..19843): A won (19824), B back at
	 * intent (19834), C lead, D still at intent (its loss is on 19844,
	 * May 1st). */
	e = run(&x, "2024-04");
	assert_int_equal(e->g[0].funnel[DBK_STAGE_INTENT], 2);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_WON], 1);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_LOST], 0);
	/* open: B (intent 25%), C (lead 10%), D (intent 25%):
	 * 250,000 + 33.5 + 194,444.25 = 444,477.75 -> 444,478 */
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 444478);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Closing a pipeline.  Leads all in Q1 (so no Q2 lead cohort):
 *   E: won Q1, lost Q2         -> Q1 won; Q2 lost
 *   F: won Q2, lost later Q2   -> Q2 lost (the last close event)
 *   G: lost Q2, won later Q2   -> Q2 won
 *   H: won Q2, service Q2      -> Q2 won (service is not a close event)
 *   I: won Q1, lost Q1         -> Q1 lost
 *   J: won Q1                  -> Q1 won
 *   K: lead -> service in Q2   -> reached won by skipping it: Q2 won
 * Q2: won G, H, K; lost E, F -> 3 / 5 = 600.  New customers F, G, H, K = 4.
 * Q1: won E, J; lost I -> 2 / 3 = 666.7 -> 667.  New customers E, I, J = 3.
 * Growth (4 - 3) / 3 = 333.3 -> 333.  At Q2's end: lost E, F, I (3);
 * won G, J (2); service H, K (2).
 */
static void
test_lost_and_win_rate(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c;

	(void)state;
	fx_init(&x);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* E */
	stage(&x, c, AT(Q1_FIRST + 5), DBK_STAGE_WON, -1);
	stage(&x, c, AT(Q2_FIRST + 5), DBK_STAGE_LOST, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* F */
	stage(&x, c, AT(Q2_FIRST + 10), DBK_STAGE_WON, -1);
	stage(&x, c, AT(Q2_FIRST + 20), DBK_STAGE_LOST, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* G */
	stage(&x, c, AT(Q2_FIRST + 10), DBK_STAGE_LOST, -1);
	stage(&x, c, AT(Q2_FIRST + 20), DBK_STAGE_WON, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* H */
	stage(&x, c, AT(Q2_FIRST + 5), DBK_STAGE_WON, -1);
	stage(&x, c, AT(Q2_FIRST + 30), DBK_STAGE_SERVICE, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* I */
	stage(&x, c, AT(Q1_FIRST + 5), DBK_STAGE_WON, -1);
	stage(&x, c, AT(Q1_FIRST + 6), DBK_STAGE_LOST, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* J */
	stage(&x, c, AT(Q1_FIRST + 5), DBK_STAGE_WON, -1);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));		/* K */
	stage(&x, c, AT(Q2_FIRST + 40), DBK_STAGE_SERVICE, -1);
	e = run(&x, "2024Q2");

	OK(e, 0, DBK_M_WIN_RATE, 600);
	RATIO(e, 0, DBK_M_WIN_RATE, 3, 5);
	PREV_OK(e, 0, DBK_M_WIN_RATE, 667);
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 4);
	PREV_OK(e, 0, DBK_M_NEW_CUSTOMERS, 3);
	OK(e, 0, DBK_M_NEW_CUSTOMER_GROWTH, 333);
	RATIO(e, 0, DBK_M_NEW_CUSTOMER_GROWTH, 1, 3);
	/* Q1's growth needs 2023Q4, which had none */
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMER_GROWTH)->prev.status,
	    DBK_MS_NA);
	assert_string_equal(MV(e, 0, DBK_M_NEW_CUSTOMER_GROWTH)->prev.why,
	    "no new customers in the previous period");
	assert_int_equal(e->g[0].funnel[DBK_STAGE_LOST], 3);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_WON], 2);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_SERVICE], 2);
	assert_int_equal(e->g[0].funnel[DBK_STAGE_LEAD], 0);
	/* nobody is open, so nothing is stalled or weighted */
	OK(e, 0, DBK_M_STALLED, 0);
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 0);
	NA(e, 0, DBK_M_LEAD_CONVERSION, "no customers became leads in the period");
	dbk_eval_free(e);

	/* 2024Q3 has none of these: growth (0 - 4) / 4 = -1000.  A goal of
	 * -50% is achieved -1000 / -500 = 2000 permille (actual / target,
	 * both signs flipped). */
	goal(&x, "2024Q3", "new_customer_growth", NULL, -500, 0, 0);
	e = run(&x, "2024Q3");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	OK(e, 0, DBK_M_NEW_CUSTOMER_GROWTH, -1000);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMER_GROWTH)->achievement.value,
	    2000);
	NA(e, 0, DBK_M_WIN_RATE, "no pipelines closed in the period");
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Deals and payments in 2024Q2 (fen, minor_digits 2):
 *   P: deal 1,000,000 signed 19815; paid 300,000 on 19816 and 200,000 on
 *      19904 (the last day: counted), 500,000 on 19905 (after: excluded)
 *   Q: deal 500,000 signed 19824, paid 100,000 on 19809 (before the
 *      period, still on a deal signed in it: counted); deal 250,000
 *      signed 19834, unpaid
 *   R: deal 9,999,999 signed 19813 (Q1): not in Q2; paid in Q2
 * signed_amount = 1,750,000; customers with a deal: P, Q -> avg 875,000;
 * collection = 600,000 / 1,750,000 = 342.857 -> 343 permille.
 * Q1: signed 9,999,999; its payment (19820) is after Q1's last day
 * (19813): collection 0 / 9,999,999 = 0.
 */
static void
test_money(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t p, q, r, d;

	(void)state;
	fx_init(&x);
	p = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	q = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	r = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	d = deal(&x, p, 19815, 1000000, 1);
	pay(&x, d, 19816, 300000, 1);
	pay(&x, d, Q2_LAST, 200000, 1);
	pay(&x, d, Q2_LAST + 1, 500000, 1);
	d = deal(&x, q, 19824, 500000, 1);
	pay(&x, d, 19809, 100000, 1);
	deal(&x, q, 19834, 250000, 1);
	d = deal(&x, r, Q1_LAST, 9999999, 1);
	pay(&x, d, 19820, 9999999, 1);
	e = run(&x, "2024Q2");

	OK(e, 0, DBK_M_SIGNED_AMOUNT, 1750000);
	OK(e, 0, DBK_M_AVG_ORDER_VALUE, 875000);
	RATIO(e, 0, DBK_M_AVG_ORDER_VALUE, 1750000, 2);
	OK(e, 0, DBK_M_COLLECTION_RATE, 343);
	RATIO(e, 0, DBK_M_COLLECTION_RATE, 600000, 1750000);
	PREV_OK(e, 0, DBK_M_SIGNED_AMOUNT, 9999999);
	PREV_OK(e, 0, DBK_M_COLLECTION_RATE, 0);
	FMT(DBK_U_MONEY, DBK_MS_OK, 1750000, 2, 1, "17500.00");
	FMT(DBK_U_MONEY, DBK_MS_OK, 1750000, 2, 0, "17,500");
	dbk_eval_free(e);
	fx_free(&x);

	/* Half up: deals of 1 and 2 fen for two customers: 3 / 2 = 1.5 -> 2.
	 * A deal total of 0 leaves the rate undefined. */
	fx_init(&x);
	p = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	q = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	deal(&x, p, MAY_FIRST, 1, 1);
	deal(&x, q, MAY_FIRST, 2, 1);
	d = deal(&x, q, MAY_LAST + 1, 0, 1);
	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_AVG_ORDER_VALUE, 2);
	OK(e, 0, DBK_M_COLLECTION_RATE, 0);
	dbk_eval_free(e);
	e = run(&x, "2024-06");
	OK(e, 0, DBK_M_SIGNED_AMOUNT, 0);
	OK(e, 0, DBK_M_AVG_ORDER_VALUE, 0);
	NA(e, 0, DBK_M_COLLECTION_RATE, "the deals signed in the period total 0");
	dbk_eval_free(e);
	fx_free(&x);
}

/* Amounts beyond 64 bits: never a wrapped number.  And a rate on amounts
 * near the limit still exact: 4.5e18 / 9e18 = 500 permille (the product
 * 4.5e21 needs the 128-bit path). */
static void
test_overflow(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c, d;

	(void)state;
	fx_init(&x);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	d = deal(&x, c, MAY_FIRST, INT64_C(9000000000000000000), 1);
	pay(&x, d, MAY_FIRST, INT64_C(4500000000000000000), 1);
	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_COLLECTION_RATE, 500);
	OK(e, 0, DBK_M_SIGNED_AMOUNT, INT64_C(9000000000000000000));
	dbk_eval_free(e);
	deal(&x, c, MAY_FIRST, INT64_C(9000000000000000000), 1);
	e = run(&x, "2024-05");
	NA(e, 0, DBK_M_SIGNED_AMOUNT, "the result does not fit in 64 bits");
	NA(e, 0, DBK_M_AVG_ORDER_VALUE, "the result does not fit in 64 bits");
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * A reader without the restricted key: every amount indicator is
 * "restricted", with no number anywhere (not in value, num, den, the
 * previous period, the achievement or the JSON).  With the key but one
 * amount under a key the reader lacks: restricted as well.
 */
static void
test_restricted(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c, w, d;
	char *js;

	(void)state;
	fx_init(&x);
	x.f.restricted_key = 0;
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	expect_amount(&x, c, 4242421);
	d = deal(&x, c, Q2_FIRST, 4242424, 1);
	pay(&x, d, Q2_FIRST, 4242423, 1);
	deal(&x, c, Q1_FIRST, 4242422, 1);
	goal(&x, "2024Q2", "signed_amount", NULL, 5000000, 1, 4000000);
	e = run(&x, "2024Q2");
	RESTRICTED(e, 0, DBK_M_SIGNED_AMOUNT, WHY_NOKEY);
	RESTRICTED(e, 0, DBK_M_AVG_ORDER_VALUE, WHY_NOKEY);
	RESTRICTED(e, 0, DBK_M_COLLECTION_RATE, WHY_NOKEY);
	RESTRICTED(e, 0, DBK_M_WEIGHTED_PIPELINE, WHY_NOKEY);
	assert_int_equal(MV(e, 0, DBK_M_SIGNED_AMOUNT)->prev.status,
	    DBK_MS_RESTRICTED);
	assert_int_equal(MV(e, 0, DBK_M_SIGNED_AMOUNT)->prev.value, 0);
	assert_int_equal(MV(e, 0, DBK_M_SIGNED_AMOUNT)->achievement.status,
	    DBK_MS_RESTRICTED);
	assert_int_equal(MV(e, 0, DBK_M_SIGNED_AMOUNT)->achievement.value, 0);
	/* the goal's own target is the goal-setter's, not a store amount */
	assert_int_equal(MV(e, 0, DBK_M_SIGNED_AMOUNT)->target, 5000000);
	FMT(DBK_U_MONEY, DBK_MS_RESTRICTED, 4242424, 2, 0, "restricted");
	FMT(DBK_U_MONEY, DBK_MS_RESTRICTED, 4242424, 2, 1, "restricted");
	/* counts are not secret */
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	js = dbk_eval_json(e, 0);
	assert_non_null(js);
	assert_null(strstr(js, "424242"));
	assert_non_null(strstr(js, "\"status\":\"restricted\""));
	free(js);
	dbk_eval_free(e);

	/* With the key: one deal in the period is unreadable. */
	x.f.restricted_key = 1;
	deal(&x, c, Q2_FIRST + 1, 0, 0);
	e = run(&x, "2024Q2");
	RESTRICTED(e, 0, DBK_M_SIGNED_AMOUNT, WHY_HIDDEN);
	RESTRICTED(e, 0, DBK_M_AVG_ORDER_VALUE, WHY_HIDDEN);
	RESTRICTED(e, 0, DBK_M_COLLECTION_RATE, WHY_HIDDEN);
	/* Q1's one deal is readable */
	PREV_OK(e, 0, DBK_M_SIGNED_AMOUNT, 4242422);
	/* the pipeline's amount is readable: 4,242,421 x 10% = 424,242.1 */
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 424242);
	dbk_eval_free(e);

	/* An unreadable payment spoils only the collection rate; an
	 * unreadable expected amount of an open customer the pipeline, of a
	 * won customer nothing. */
	e = run(&x, "2024Q1");
	OK(e, 0, DBK_M_SIGNED_AMOUNT, 4242422);
	dbk_eval_free(e);
	pay(&x, x.f.ndeals - 2, Q1_FIRST, 0, 0);
	e = run(&x, "2024Q1");
	OK(e, 0, DBK_M_SIGNED_AMOUNT, 4242422);
	RESTRICTED(e, 0, DBK_M_COLLECTION_RATE, WHY_HIDDEN);
	dbk_eval_free(e);
	x.f.customers[c].expected_known = 0;
	x.f.customers[c].expected_restricted = 1;
	w = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	stage(&x, w, AT(Q1_FIRST + 1), DBK_STAGE_WON, -1);
	x.f.customers[w].expected_restricted = 1;
	e = run(&x, "2024Q1");
	RESTRICTED(e, 0, DBK_M_WEIGHTED_PIPELINE, WHY_HIDDEN);
	dbk_eval_free(e);
	stage(&x, c, AT(Q1_FIRST + 2), DBK_STAGE_LOST, -1);
	e = run(&x, "2024Q1");
	OK(e, 0, DBK_M_WEIGHTED_PIPELINE, 0);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * By member, 2024Q2.  bob has two customers won in Q2, alice one, and one
 * customer has no owner (group "", shown as "(none)") and only a lead.
 * carol has a goal and no customers: she is a group, at 0.  Groups in
 * byte order after the team: "", "alice", "bob", "carol".
 *   team:  new 3, goal 4 -> 750;  alice: new 1, goal 2 -> 500;
 *   carol: new 0, goal 1 -> 0;    bob: new 2, no goal.
 * Interactions: bob 3, alice 1, none 2 -> team 6.  Deals: bob 700, alice
 * 300 -> team 1,000, avg over 2 customers = 500.
 * Reviews: the team's and alice's for Q2 attach; bob's Q1 review does not.
 */
static void
test_by_member(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t b1, b2, a1, n1;

	(void)state;
	fx_init(&x);
	b1 = cust(&x, "bob", "tech", -1, AT(Q1_FIRST));
	b2 = cust(&x, "bob", "retail", -1, AT(Q1_FIRST));
	a1 = cust(&x, "alice", "tech", -1, AT(Q1_FIRST));
	n1 = cust(&x, NULL, NULL, -1, AT(Q2_FIRST));
	stage(&x, b1, AT(Q2_FIRST + 1), DBK_STAGE_WON, -1);
	stage(&x, b2, AT(Q2_FIRST + 2), DBK_STAGE_WON, -1);
	stage(&x, a1, AT(Q2_FIRST + 3), DBK_STAGE_WON, -1);
	inter(&x, b1, AT(Q2_FIRST), DBK_CHANNEL_PHONE, 0);
	inter(&x, b1, AT(Q2_FIRST + 1), DBK_CHANNEL_PHONE, 0);
	inter(&x, b2, AT(Q2_FIRST), DBK_CHANNEL_VISIT, 0);
	inter(&x, a1, AT(Q2_FIRST), DBK_CHANNEL_EMAIL, 0);
	inter(&x, n1, AT(Q2_FIRST), DBK_CHANNEL_PHONE, 0);
	inter(&x, n1, AT(Q2_FIRST + 1), DBK_CHANNEL_PHONE, 0);
	deal(&x, b1, Q2_FIRST + 1, 400, 1);
	deal(&x, b2, Q2_FIRST + 1, 300, 1);
	deal(&x, a1, Q2_FIRST + 1, 300, 1);
	goal(&x, "2024Q2", "new_customers", NULL, 4, 0, 0);
	goal(&x, "2024Q2", "new_customers", "alice", 2, 0, 0);
	goal(&x, "2024Q2", "new_customers", "carol", 1, 0, 0);
	goal(&x, "2024Q1", "new_customers", "dave", 1, 0, 0);
	review(&x, "2024Q2", NULL, "team ok");
	review(&x, "2024Q2", "alice", "alice ok");
	review(&x, "2024Q1", "bob", "bob q1");

	e = run_ex(&x, "2024Q2", 0, DBK_SCOPE_MEMBER, 14);
	assert_int_equal(e->by, DBK_SCOPE_MEMBER);
	assert_int_equal(e->ng, 5);
	assert_string_equal(e->g[1].name, "");
	assert_string_equal(e->g[2].name, "alice");
	assert_string_equal(e->g[3].name, "bob");
	assert_string_equal(e->g[4].name, "carol");
	for (size_t i = 1; i < e->ng; i++)
		assert_false(e->g[i].team);

	OK(e, 0, DBK_M_NEW_CUSTOMERS, 3);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.value, 750);
	OK(e, 1, DBK_M_NEW_CUSTOMERS, 0);
	assert_false(MV(e, 1, DBK_M_NEW_CUSTOMERS)->has_target);
	OK(e, 2, DBK_M_NEW_CUSTOMERS, 1);
	assert_int_equal(MV(e, 2, DBK_M_NEW_CUSTOMERS)->target, 2);
	assert_int_equal(MV(e, 2, DBK_M_NEW_CUSTOMERS)->achievement.value, 500);
	OK(e, 3, DBK_M_NEW_CUSTOMERS, 2);
	assert_false(MV(e, 3, DBK_M_NEW_CUSTOMERS)->has_target);
	OK(e, 4, DBK_M_NEW_CUSTOMERS, 0);
	assert_int_equal(MV(e, 4, DBK_M_NEW_CUSTOMERS)->achievement.value, 0);

	OK(e, 0, DBK_M_ACTIVITY_TOTAL, 6);
	OK(e, 0, DBK_M_ACTIVITY_PHONE, 4);
	OK(e, 1, DBK_M_ACTIVITY_TOTAL, 2);
	OK(e, 2, DBK_M_ACTIVITY_TOTAL, 1);
	OK(e, 2, DBK_M_ACTIVITY_EMAIL, 1);
	OK(e, 3, DBK_M_ACTIVITY_TOTAL, 3);
	OK(e, 3, DBK_M_ACTIVITY_VISIT, 1);
	OK(e, 4, DBK_M_ACTIVITY_TOTAL, 0);

	OK(e, 0, DBK_M_SIGNED_AMOUNT, 1000);
	OK(e, 0, DBK_M_AVG_ORDER_VALUE, 333);	/* 1000 / 3 customers */
	OK(e, 2, DBK_M_SIGNED_AMOUNT, 300);
	OK(e, 3, DBK_M_SIGNED_AMOUNT, 700);
	OK(e, 3, DBK_M_AVG_ORDER_VALUE, 350);	/* 700 / 2 */
	NA(e, 4, DBK_M_AVG_ORDER_VALUE, "no deals signed in the period");

	/* the (none) group holds the one Q2 lead */
	OK(e, 1, DBK_M_LEAD_CONVERSION, 0);
	RATIO(e, 1, DBK_M_LEAD_CONVERSION, 0, 1);
	assert_int_equal(e->g[1].funnel[DBK_STAGE_LEAD], 1);
	assert_int_equal(e->g[3].funnel[DBK_STAGE_WON], 2);

	assert_int_equal(e->g[0].nreviews, 1);
	assert_string_equal(e->g[0].reviews[0]->success, "team ok");
	assert_int_equal(e->g[2].nreviews, 1);
	assert_string_equal(e->g[2].reviews[0]->success, "alice ok");
	assert_int_equal(e->g[3].nreviews, 0);
	dbk_eval_free(e);

	/* Team scope: member goals and reviews do not apply. */
	e = run(&x, "2024Q2");
	assert_int_equal(e->ng, 1);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->target, 4);
	assert_int_equal(e->g[0].nreviews, 1);
	dbk_eval_free(e);

	/* By industry: "", "retail", "tech"; only the team goal applies. */
	e = run_ex(&x, "2024Q2", 0, DBK_SCOPE_INDUSTRY, 14);
	assert_int_equal(e->ng, 4);
	assert_string_equal(e->g[1].name, "");
	assert_string_equal(e->g[2].name, "retail");
	assert_string_equal(e->g[3].name, "tech");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 3);
	assert_true(MV(e, 0, DBK_M_NEW_CUSTOMERS)->has_target);
	OK(e, 2, DBK_M_NEW_CUSTOMERS, 1);		/* b2 */
	OK(e, 3, DBK_M_NEW_CUSTOMERS, 2);		/* b1, a1 */
	OK(e, 3, DBK_M_SIGNED_AMOUNT, 700);
	OK(e, 3, DBK_M_ACTIVITY_TOTAL, 3);
	for (size_t i = 1; i < e->ng; i++) {
		assert_false(MV(e, i, DBK_M_NEW_CUSTOMERS)->has_target);
		assert_int_equal(e->g[i].nreviews, 0);
	}
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Goals: target 0 is n/a "target is 0"; a goal of another period does
 * not apply; of two goals for the same line the newer wins; a goal on an
 * n/a indicator is n/a for the same reason; achievement is always
 * actual / target (also where lower is better).
 */
static void
test_goals(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c;

	(void)state;
	fx_init(&x);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST + 80));
	stage(&x, c, AT(Q1_FIRST + 90), DBK_STAGE_WON, -1);	/* 10 days */
	for (int i = 0; i < 6; i++)
		inter(&x, c, AT(Q2_FIRST + i), DBK_CHANNEL_PHONE, 0);
	goal(&x, "2024Q2", "new_customers", NULL, 0, 0, 0);
	goal(&x, "2024Q1", "activity_total", NULL, 100, 0, 0);
	goal(&x, "2024Q2", "activity_total", NULL, 10, 0, 0);
	goal(&x, "2024Q2", "activity_total", NULL, 8, 1, 5);
	goal(&x, "2024Q2", "lead_conversion", NULL, 200, 1, 150);
	goal(&x, "2024Q1", "avg_cycle_days", NULL, 400, 0, 0);
	e = run(&x, "2024Q2");
	/* Q1_FIRST + 90 = 19813: still Q1 */
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	assert_true(MV(e, 0, DBK_M_NEW_CUSTOMERS)->has_target);
	assert_int_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.status,
	    DBK_MS_NA);
	assert_string_equal(MV(e, 0, DBK_M_NEW_CUSTOMERS)->achievement.why,
	    "target is 0");
	/* 6 / 8 = 750, benchmark 5 */
	assert_int_equal(MV(e, 0, DBK_M_ACTIVITY_TOTAL)->target, 8);
	assert_int_equal(MV(e, 0, DBK_M_ACTIVITY_TOTAL)->achievement.value, 750);
	assert_int_equal(MV(e, 0, DBK_M_ACTIVITY_TOTAL)->benchmark, 5);
	/* no Q2 leads: the achievement is n/a like the value */
	assert_int_equal(MV(e, 0, DBK_M_LEAD_CONVERSION)->achievement.status,
	    DBK_MS_NA);
	assert_string_equal(MV(e, 0, DBK_M_LEAD_CONVERSION)->achievement.why,
	    "no customers became leads in the period");
	assert_int_equal(MV(e, 0, DBK_M_LEAD_CONVERSION)->benchmark, 150);
	assert_false(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->has_target);
	dbk_eval_free(e);

	/* Q1: cycle 10 days = 100 tenths against 40 days: 100 / 400 = 250 */
	e = run(&x, "2024Q1");
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 100);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->achievement.value, 250);
	assert_int_equal(MV(e, 0, DBK_M_ACTIVITY_TOTAL)->target, 100);
	assert_int_equal(MV(e, 0, DBK_M_ACTIVITY_TOTAL)->achievement.value, 0);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Stalled, 2024-05 (days 19844..19874, end = 19875 * 86400), threshold 14
 * days.  Leads all on AT(19820).
 *   S1: last contact exactly 14 days before the end: not stalled (more
 *       than 14 is needed)
 *   S2: 14 days and 1 second: stalled, 14 whole days
 *   S3: never contacted: from lead_at, 55 days - 12 h -> 54 days
 *   S4: contacted only after the period: as S3, 54 (S3 first by id)
 *   S5: as S3 but a next step on 19875 (after the last day): excluded
 *   S6: next step on 19874 (the last day: not after it), last contact
 *       AT(19830): 45 days - 12 h -> 44
 *   S7: won, S8: lost: not open
 *   S9: lead_at after the period: not a customer yet
 *   S10: negotiation, last contact AT(19850): 25 days - 12 h -> 24
 * List: S3 54, S4 54, S6 44, S10 24, S2 14.  With 30 days: S3, S4, S6.
 */
static void
test_stalled(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t s[11];
	int64_t end = MIDNIGHT(MAY_LAST + 1);

	(void)state;
	fx_init(&x);
	for (int i = 1; i <= 10; i++)
		s[i] = cust(&x, NULL, NULL, -1, AT(19820));
	x.f.customers[s[9]].lead_at = AT(19880);
	inter(&x, s[1], end - 14 * DAY, DBK_CHANNEL_PHONE, 0);
	inter(&x, s[2], end - 14 * DAY - 1, DBK_CHANNEL_PHONE, 0);
	inter(&x, s[4], AT(19880), DBK_CHANNEL_PHONE, 0);
	x.f.customers[s[5]].next_due_day = MAY_LAST + 1;
	x.f.customers[s[6]].next_due_day = MAY_LAST;
	inter(&x, s[6], AT(19830), DBK_CHANNEL_PHONE, 0);
	stage(&x, s[7], AT(19821), DBK_STAGE_WON, -1);
	stage(&x, s[8], AT(19821), DBK_STAGE_LOST, -1);
	stage(&x, s[10], AT(19821), DBK_STAGE_NEGOTIATION, -1);
	inter(&x, s[10], AT(19850), DBK_CHANNEL_VISIT, 0);

	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_STALLED, 5);
	assert_int_equal(e->g[0].nstalled, 5);
	assert_memory_equal(&e->g[0].stalled[0].customer,
	    &x.f.customers[s[3]].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[0].days, 54);
	assert_memory_equal(&e->g[0].stalled[1].customer,
	    &x.f.customers[s[4]].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[1].days, 54);
	assert_memory_equal(&e->g[0].stalled[2].customer,
	    &x.f.customers[s[6]].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[2].days, 44);
	assert_memory_equal(&e->g[0].stalled[3].customer,
	    &x.f.customers[s[10]].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[3].days, 24);
	assert_memory_equal(&e->g[0].stalled[4].customer,
	    &x.f.customers[s[2]].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[4].days, 14);
	/* The previous period, April (its end is 19844 * 86400): S1..S8 and
	 * S10 exist.  S5's and S6's next steps (19875, 19874) are after
	 * April's last day (19843): excluded.  S7 and S8 are closed.  The
	 * others had no contact by then (S1's, S2's, S4's and S10's are
	 * later), so they count from lead_at AT(19820): 23.5 days > 14.
	 * Stalled: S1, S2, S3, S4, S10 = 5. */
	PREV_OK(e, 0, DBK_M_STALLED, 5);
	dbk_eval_free(e);

	e = run_ex(&x, "2024-05", 0, DBK_SCOPE_TEAM, 30);
	OK(e, 0, DBK_M_STALLED, 3);
	assert_int_equal(e->stalled_days, 30);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * The next step that keeps a customer out of the stalled list is the one
 * its last interaction before the period's end set, not a later one:
 *   S1: a call on day 19800 set a step for 19900 (after May, 19874):
 *       not stalled in May, though silent since 19800 (74 days).
 *   S2: a call on 19800 set nothing; a call on 19880 (June) set 19950:
 *       stalled in May, 74 days; in June its step is ahead: not stalled.
 *   S3: a step for 19900 set on 19800, then a call on 19801 set an
 *       earlier one, 19850 (before May's end): stalled, 73 days.
 */
static void
test_stalled_due(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t s1, s2, s3;

	(void)state;
	fx_init(&x);
	s1 = cust(&x, NULL, NULL, -1, AT(19790));
	s2 = cust(&x, NULL, NULL, -1, AT(19790));
	s3 = cust(&x, NULL, NULL, -1, AT(19790));
	inter(&x, s1, AT(19800), DBK_CHANNEL_PHONE, 0);
	x.f.interactions[x.f.ninteractions - 1].due_day = 19900;
	inter(&x, s2, AT(19800), DBK_CHANNEL_PHONE, 0);
	inter(&x, s2, AT(19880), DBK_CHANNEL_PHONE, 0);
	x.f.interactions[x.f.ninteractions - 1].due_day = 19950;
	inter(&x, s3, AT(19800), DBK_CHANNEL_PHONE, 0);
	x.f.interactions[x.f.ninteractions - 1].due_day = 19900;
	inter(&x, s3, AT(19801), DBK_CHANNEL_PHONE, 0);
	x.f.interactions[x.f.ninteractions - 1].due_day = 19850;

	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_STALLED, 2);
	assert_memory_equal(&e->g[0].stalled[0].customer,
	    &x.f.customers[s2].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[0].days, 74);
	assert_memory_equal(&e->g[0].stalled[1].customer,
	    &x.f.customers[s3].id, sizeof(struct dbk_id));
	assert_int_equal(e->g[0].stalled[1].days, 73);
	dbk_eval_free(e);
	e = run(&x, "2024-06");
	/* June ends on day 19904: S1's step (19900) is no longer ahead and
	 * S1 has been silent 104 days; S3 likewise (103); S2 spoke on 19880
	 * (24 days) but its step 19950 is ahead anyway. */
	OK(e, 0, DBK_M_STALLED, 2);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Follow-ups and activity in 2024Q2 (91 days = 13 weeks).
 *   H1 (high): 4 phone calls; H2 (high): 2 visits; L1 (low): online,
 *   email, other, and one of unknown channel (counted as other); M1
 *   (medium): nothing in Q2, one call in Q1.  3 of the 10 are late.
 * followups_per_week = 10 / (3 active x 13 weeks) = 7 x 10 / (3 x 91)
 *   = 70 / 273 = 0.2564 -> 26 hundredths ("0.26")
 * high: 6 / (2 x 13) = 42 / 182 = 0.2307 -> 23 ("0.23")
 * timeliness 7 / 10 = 700.  Channels: phone 4, visit 2, online 1, email 1,
 * other 2; total 10.
 */
static void
test_followups(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t h1, h2, l1, m1;

	(void)state;
	fx_init(&x);
	h1 = cust(&x, NULL, NULL, DBK_PRIORITY_HIGH, AT(Q1_FIRST));
	h2 = cust(&x, NULL, NULL, DBK_PRIORITY_HIGH, AT(Q1_FIRST));
	l1 = cust(&x, NULL, NULL, DBK_PRIORITY_LOW, AT(Q1_FIRST));
	m1 = cust(&x, NULL, NULL, DBK_PRIORITY_MEDIUM, AT(Q1_FIRST));
	for (int i = 0; i < 4; i++)
		inter(&x, h1, AT(Q2_FIRST + i), DBK_CHANNEL_PHONE, i == 0);
	inter(&x, h2, AT(Q2_FIRST), DBK_CHANNEL_VISIT, 1);
	inter(&x, h2, AT(Q2_LAST), DBK_CHANNEL_VISIT, 0);
	inter(&x, l1, AT(Q2_FIRST), DBK_CHANNEL_ONLINE, 1);
	inter(&x, l1, AT(Q2_FIRST), DBK_CHANNEL_EMAIL, 0);
	inter(&x, l1, AT(Q2_FIRST), DBK_CHANNEL_OTHER, 0);
	inter(&x, l1, AT(Q2_FIRST), -1, 0);
	inter(&x, m1, AT(Q1_FIRST), DBK_CHANNEL_PHONE, 0);
	e = run(&x, "2024Q2");
	OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 26);
	RATIO(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 70, 273);
	OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK_HIGH, 23);
	RATIO(e, 0, DBK_M_FOLLOWUPS_PER_WEEK_HIGH, 42, 182);
	FMT(DBK_U_HUNDREDTHS, DBK_MS_OK, 26, 2, 0, "0.26");
	OK(e, 0, DBK_M_TIMELINESS, 700);
	OK(e, 0, DBK_M_ACTIVITY_PHONE, 4);
	OK(e, 0, DBK_M_ACTIVITY_VISIT, 2);
	OK(e, 0, DBK_M_ACTIVITY_ONLINE, 1);
	OK(e, 0, DBK_M_ACTIVITY_EMAIL, 1);
	OK(e, 0, DBK_M_ACTIVITY_OTHER, 2);
	OK(e, 0, DBK_M_ACTIVITY_TOTAL, 10);
	/* Q1: one call, one active customer (medium): 7 / 91 = 0.0769 ->
	 * 8 hundredths; no high-priority interactions */
	PREV_OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 8);
	assert_int_equal(MV(e, 0, DBK_M_FOLLOWUPS_PER_WEEK_HIGH)->prev.status,
	    DBK_MS_NA);
	dbk_eval_free(e);

	/* The 8 days 2024-04-01..08 (19814..19821): H1's 4 calls, H2's first
	 * visit, L1's 4: 9 interactions, 3 active.  7 x 9 / (3 x 8) = 63 / 24
	 * = 2.625 -> 262.5 hundredths -> 263 (half up). */
	e = run(&x, "2024-04-01..2024-04-08");
	OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 263);
	RATIO(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 63, 24);
	dbk_eval_free(e);
	fx_free(&x);

	fx_init(&x);
	h1 = cust(&x, NULL, NULL, DBK_PRIORITY_HIGH, AT(Q1_FIRST));
	for (int i = 0; i < 3; i++)
		inter(&x, h1, AT(19849 + i), DBK_CHANNEL_PHONE, 0);
	e = run(&x, "2024W19");
	OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK, 300);
	OK(e, 0, DBK_M_FOLLOWUPS_PER_WEEK_HIGH, 300);
	FMT(DBK_U_HUNDREDTHS, DBK_MS_OK, 300, 2, 1, "3.00");
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * Cycle mean and median, new customers leading at midnight and winning
 * d days later.
 * Odd, 2024Q2: 10, 20.25, 31 days.  Mean 61.25 / 3 = 20.4166 -> 204
 *   tenths; median 20.25 -> 202.5 -> 203 (half up).
 * Even, 2024-07 (days 19905..19935), leads on July 1st: 1, 20, 21, 30
 *   days.  Mean 72 / 4 = 18 -> 180; median (20 + 21) / 2 = 20.5 -> 205.
 *   And in May 1, 2, 3, 5 days: mean 2.75 -> 27.5 -> 28; median 2.5 ->
 *   25.
 * A won dated before lead_at counts 0 days.
 */
static void
test_cycle(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	static const int64_t odd[] = { 10 * DAY, 20 * DAY + 6 * 3600, 31 * DAY };
	static const int64_t even[] = { 1 * DAY, 20 * DAY, 21 * DAY, 30 * DAY };
	static const int64_t small[] = { 1 * DAY, 2 * DAY, 3 * DAY, 5 * DAY };
	size_t c;

	(void)state;
	fx_init(&x);
	for (size_t i = 0; i < 3; i++) {
		c = cust(&x, NULL, NULL, -1, MIDNIGHT(Q2_FIRST));
		stage(&x, c, MIDNIGHT(Q2_FIRST) + odd[i], DBK_STAGE_WON, -1);
	}
	for (size_t i = 0; i < 4; i++) {
		c = cust(&x, NULL, NULL, -1, MIDNIGHT(19905));
		stage(&x, c, MIDNIGHT(19905) + even[i], DBK_STAGE_WON, -1);
	}
	e = run(&x, "2024Q2");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 3);
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 204);
	RATIO(e, 0, DBK_M_AVG_CYCLE_DAYS, 61 * DAY + 6 * 3600, 3 * DAY);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.status,
	    DBK_MS_OK);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.value, 203);
	FMT(DBK_U_TENTHS, DBK_MS_OK, 204, 2, 0, "20.4");
	dbk_eval_free(e);
	e = run(&x, "2024-07");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 4);
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 180);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.value, 205);
	dbk_eval_free(e);
	fx_free(&x);

	fx_init(&x);
	for (size_t i = 0; i < 4; i++) {
		c = cust(&x, NULL, NULL, -1, MIDNIGHT(MAY_FIRST));
		stage(&x, c, MIDNIGHT(MAY_FIRST) + small[i], DBK_STAGE_WON, -1);
	}
	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 28);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.value, 25);
	dbk_eval_free(e);
	/* one more, won the day before its lead_at: 0 days.
	 * Sorted 0, 1, 2, 3, 5: mean 11 / 5 = 2.2 -> 22; median 2 -> 20 */
	c = cust(&x, NULL, NULL, -1, MIDNIGHT(MAY_FIRST + 2));
	stage(&x, c, MIDNIGHT(MAY_FIRST + 1), DBK_STAGE_WON, -1);
	e = run(&x, "2024-05");
	OK(e, 0, DBK_M_AVG_CYCLE_DAYS, 22);
	assert_int_equal(MV(e, 0, DBK_M_AVG_CYCLE_DAYS)->median.value, 20);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * need_match, 2024Q2: scores of changes to proposal or later in Q2 are
 * 80 (proposal), 75 (negotiation), 90 (won).  Not counted: intent 50,
 * lost 10, a proposal without a score (-1), a proposal of Q1 (60).
 * Mean 245 / 3 = 81.67 -> 816.7 tenths -> 817 ("81.7").
 * Objections raised in Q2: O1 resolved in Q2 (yes), O2 resolved after Q2
 * (no: unresolved at the end), O3 resolved, time unknown (yes), O4 open
 * (no); O5 was raised in Q1 (not in the cohort).  2 / 4 = 500.
 */
static void
test_need_and_objections(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c;

	(void)state;
	fx_init(&x);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	stage(&x, c, AT(Q1_FIRST + 3), DBK_STAGE_PROPOSAL, 60);
	stage(&x, c, AT(Q2_FIRST), DBK_STAGE_INTENT, 50);
	stage(&x, c, AT(Q2_FIRST + 1), DBK_STAGE_PROPOSAL, 80);
	stage(&x, c, AT(Q2_FIRST + 2), DBK_STAGE_PROPOSAL, -1);
	stage(&x, c, AT(Q2_FIRST + 3), DBK_STAGE_NEGOTIATION, 75);
	stage(&x, c, AT(Q2_FIRST + 4), DBK_STAGE_WON, 90);
	stage(&x, c, AT(Q2_FIRST + 5), DBK_STAGE_LOST, 10);
	objection(&x, c, AT(Q2_FIRST), 1, AT(Q2_FIRST + 1));
	objection(&x, c, AT(Q2_FIRST), 1, AT(Q2_LAST + 1));
	objection(&x, c, AT(Q2_FIRST), 1, 0);
	objection(&x, c, AT(Q2_FIRST), 0, 0);
	objection(&x, c, AT(Q1_FIRST), 1, AT(Q2_FIRST));
	e = run(&x, "2024Q2");
	OK(e, 0, DBK_M_NEED_MATCH, 817);
	RATIO(e, 0, DBK_M_NEED_MATCH, 245, 3);
	FMT(DBK_U_TENTHS, DBK_MS_OK, 817, 2, 1, "81.7");
	PREV_OK(e, 0, DBK_M_NEED_MATCH, 600);
	OK(e, 0, DBK_M_OBJECTION_SUCCESS, 500);
	RATIO(e, 0, DBK_M_OBJECTION_SUCCESS, 2, 4);
	/* Q1: O5 resolved in Q2, after Q1's end: 0 / 1 */
	PREV_OK(e, 0, DBK_M_OBJECTION_SUCCESS, 0);
	dbk_eval_free(e);
	fx_free(&x);
}

/*
 * The period's clock: with UTC+8, 2024Q2 is [19814 * 86400 - 8 h,
 * 19905 * 86400 - 8 h).  A call at 19814 * 86400 - 1 h (07:00 on April 1
 * local) is in it, and not in UTC's 2024Q2; an email at 19905 * 86400 -
 * 2 h (July 1 06:00 local) is in UTC's Q2 only; a visit at the +8 end
 * minus one second is in both.
 */
static void
test_utc_offset(void **state)
{
	struct fx x;
	struct dbk_eval *e;
	size_t c;

	(void)state;
	fx_init(&x);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	inter(&x, c, MIDNIGHT(Q2_FIRST) - 3600, DBK_CHANNEL_PHONE, 0);
	inter(&x, c, MIDNIGHT(Q2_LAST + 1) - 8 * 3600 - 1, DBK_CHANNEL_VISIT, 0);
	inter(&x, c, MIDNIGHT(Q2_LAST + 1) - 2 * 3600, DBK_CHANNEL_EMAIL, 0);
	e = run_ex(&x, "2024Q2", 480, DBK_SCOPE_TEAM, 14);
	assert_int_equal(e->period.utc_offset_min, 480);
	assert_int_equal(e->previous.utc_offset_min, 480);
	OK(e, 0, DBK_M_ACTIVITY_PHONE, 1);
	OK(e, 0, DBK_M_ACTIVITY_VISIT, 1);
	OK(e, 0, DBK_M_ACTIVITY_EMAIL, 0);
	dbk_eval_free(e);
	e = run(&x, "2024Q2");
	OK(e, 0, DBK_M_ACTIVITY_PHONE, 0);
	OK(e, 0, DBK_M_ACTIVITY_VISIT, 1);
	OK(e, 0, DBK_M_ACTIVITY_EMAIL, 1);
	dbk_eval_free(e);
	fx_free(&x);
}

/* Every leaf of the canonical JSON is a string or null. */
static void
all_strings(const cJSON *j)
{
	const cJSON *c;

	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		cJSON_ArrayForEach(c, j)
			all_strings(c);
		return;
	}
	assert_true(cJSON_IsString(j) || cJSON_IsNull(j));
}

static const char *
jget(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_non_null(x);
	return cJSON_IsNull(x) ? NULL : x->valuestring;
}

/*
 * The JSON: one lead in Q2 with a deal of 4,800,000.00 and a team goal
 * of 5,000,000.00 (achievement 4.8 / 5 = 960 = "96.0").  The exact text of
 * the first and second metric shows the shape.
 */
static void
test_json(void **state)
{
	struct fx x;
	struct dbk_eval *e, *e2;
	char *js, *js2, *part, hex[DBK_ID_HEX];
	cJSON *root, *g, *m, *a;
	size_t c;

	(void)state;
	fx_init(&x);
	c = cust(&x, "alice", NULL, -1, AT(Q2_FIRST));
	deal(&x, c, Q2_FIRST + 1, INT64_C(480000000), 1);
	goal(&x, "2024Q2", "signed_amount", NULL, INT64_C(500000000), 0, 0);
	review(&x, "2024Q2", NULL, "good \"quarter\"");
	e = run(&x, "2024Q2");
	js = dbk_eval_json(e, 0);
	assert_non_null(js);
	root = cJSON_Parse(js);
	assert_non_null(root);
	all_strings(root);
	assert_string_equal(jget(root, "metrics_version"), "1");
	assert_string_equal(jget(root, "by"), "team");
	assert_string_equal(jget(root, "stalled_days"), "14");
	assert_string_equal(jget(root, "minor_digits"), "2");
	assert_string_equal(jget(root, "restricted_key"), "1");
	m = cJSON_GetObjectItemCaseSensitive(root, "period");
	assert_string_equal(jget(m, "label"), "2024Q2");
	assert_string_equal(jget(m, "kind"), "quarter");
	assert_string_equal(jget(m, "first_day"), "2024-04-01");
	assert_string_equal(jget(m, "last_day"), "2024-06-30");
	assert_string_equal(jget(m, "utc_offset_min"), "0");
	/* 19814 * 86400 and 19905 * 86400 */
	assert_string_equal(jget(m, "start"), "1711929600");
	assert_string_equal(jget(m, "end"), "1719792000");
	m = cJSON_GetObjectItemCaseSensitive(root, "previous");
	assert_string_equal(jget(m, "label"), "2024Q1");
	g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "groups"),
	    0);
	assert_string_equal(jget(g, "scope"), "team");
	assert_null(jget(g, "name"));
	assert_null(cJSON_GetObjectItemCaseSensitive(g, "reviews"));
	a = cJSON_GetObjectItemCaseSensitive(g, "metrics");
	assert_int_equal(cJSON_GetArraySize(a), DBK_M_COUNT);

	part = cJSON_PrintUnformatted(cJSON_GetArrayItem(a, 0));
	assert_string_equal(part, "{\"key\":\"new_customers\",\"unit\":\"count\","
	    "\"status\":\"ok\",\"value\":\"0\",\"why\":null,\"num\":null,"
	    "\"den\":null,\"median\":null,\"previous\":{\"status\":\"ok\","
	    "\"value\":\"0\",\"why\":null},\"target\":null,"
	    "\"achievement\":null,\"benchmark\":null}");
	cJSON_free(part);
	part = cJSON_PrintUnformatted(cJSON_GetArrayItem(a, 1));
	assert_string_equal(part, "{\"key\":\"signed_amount\",\"unit\":\"money\","
	    "\"status\":\"ok\",\"value\":\"4800000.00\",\"why\":null,"
	    "\"num\":null,\"den\":null,\"median\":null,\"previous\":"
	    "{\"status\":\"ok\",\"value\":\"0.00\",\"why\":null},"
	    "\"target\":\"5000000.00\",\"achievement\":{\"status\":\"ok\","
	    "\"value\":\"96.0\",\"why\":null},\"benchmark\":null}");
	cJSON_free(part);
	part = cJSON_PrintUnformatted(cJSON_GetArrayItem(a,
	    DBK_M_NEW_CUSTOMER_GROWTH));
	assert_string_equal(part, "{\"key\":\"new_customer_growth\","
	    "\"unit\":\"permille\",\"status\":\"n/a\",\"value\":null,"
	    "\"why\":\"no new customers in the previous period\",\"num\":\"0\","
	    "\"den\":\"0\",\"median\":null,\"previous\":{\"status\":\"n/a\","
	    "\"value\":null,\"why\":\"no new customers in the previous period\"},"
	    "\"target\":null,\"achievement\":null,\"benchmark\":null}");
	cJSON_free(part);
	m = cJSON_GetArrayItem(a, DBK_M_AVG_ORDER_VALUE);
	assert_string_equal(jget(m, "num"), "480000000");
	assert_string_equal(jget(m, "den"), "1");
	assert_string_equal(jget(m, "value"), "4800000.00");
	m = cJSON_GetArrayItem(a, DBK_M_AVG_CYCLE_DAYS);
	assert_null(jget(m, "median"));

	m = cJSON_GetObjectItemCaseSensitive(g, "funnel");
	part = cJSON_PrintUnformatted(m);
	assert_string_equal(part, "{\"lead\":\"1\",\"intent\":\"0\","
	    "\"proposal\":\"0\",\"negotiation\":\"0\",\"won\":\"0\","
	    "\"service\":\"0\",\"lost\":\"0\"}");
	cJSON_free(part);
	a = cJSON_GetObjectItemCaseSensitive(g, "conversion");
	assert_int_equal(cJSON_GetArraySize(a), 4);
	part = cJSON_PrintUnformatted(cJSON_GetArrayItem(a, 0));
	assert_string_equal(part, "{\"key\":\"lead_to_intent\","
	    "\"unit\":\"permille\",\"status\":\"ok\",\"value\":\"0.0\","
	    "\"why\":null,\"num\":\"0\",\"den\":\"1\"}");
	cJSON_free(part);
	/* lead_at AT(19814) to the end (19905 * 86400): 90.5 days -> 90 */
	a = cJSON_GetObjectItemCaseSensitive(g, "stalled");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	dbk_id_format(&x.f.customers[c].id, hex);
	assert_string_equal(jget(cJSON_GetArrayItem(a, 0), "customer"), hex);
	assert_string_equal(jget(cJSON_GetArrayItem(a, 0), "days"), "90");
	cJSON_Delete(root);

	/* Deterministic: the same facts give the same bytes. */
	e2 = run(&x, "2024Q2");
	js2 = dbk_eval_json(e2, 0);
	assert_non_null(js2);
	assert_string_equal(js, js2);
	free(js2);
	dbk_eval_free(e2);

	/* Reviews only when asked for, escaped. */
	js2 = dbk_eval_json(e, DBK_EVAL_JSON_REVIEWS);
	assert_non_null(js2);
	assert_non_null(strstr(js2, "\"reviews\":[{\"id\":\""));
	assert_non_null(strstr(js2, "\"success\":\"good \\\"quarter\\\"\","
	    "\"problem\":\"p\",\"action\":\"a\"}]"));
	free(js2);
	free(js);
	dbk_eval_free(e);

	/* by member: the group's scope and name */
	e = run_ex(&x, "2024Q2", 0, DBK_SCOPE_MEMBER, 14);
	js = dbk_eval_json(e, 0);
	assert_non_null(strstr(js, "\"scope\":\"member\",\"name\":\"alice\""));
	free(js);
	dbk_eval_free(e);
	assert_null(dbk_eval_json(NULL, 0));
	fx_free(&x);
}

static void
test_format(void **state)
{
	char b[8];

	(void)state;
	FMT(DBK_U_COUNT, DBK_MS_OK, 12, 2, 0, "12");
	FMT(DBK_U_COUNT, DBK_MS_OK, 12, 2, 1, "12");
	FMT(DBK_U_MONEY, DBK_MS_OK, INT64_C(480000000), 2, 1, "4800000.00");
	FMT(DBK_U_MONEY, DBK_MS_OK, INT64_C(480000000), 2, 0, "4,800,000");
	FMT(DBK_U_MONEY, DBK_MS_OK, 123450, 2, 0, "1,234.50");
	FMT(DBK_U_MONEY, DBK_MS_OK, 5, 2, 1, "0.05");
	FMT(DBK_U_MONEY, DBK_MS_OK, 4800000, 0, 1, "4800000");
	FMT(DBK_U_MONEY, DBK_MS_OK, -5, 2, 1, "-0.05");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 800, 2, 1, "80.0");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 800, 2, 0, "80.0%");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 5, 2, 0, "0.5%");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, -125, 2, 1, "-12.5");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, 1000, 2, 0, "100.0%");
	FMT(DBK_U_PERMILLE, DBK_MS_OK, INT64_MIN, 2, 1,
	    "-922337203685477580.8");
	FMT(DBK_U_TENTHS, DBK_MS_OK, 455, 2, 1, "45.5");
	FMT(DBK_U_TENTHS, DBK_MS_OK, 450, 2, 0, "45.0");
	FMT(DBK_U_HUNDREDTHS, DBK_MS_OK, 125, 2, 1, "1.25");
	FMT(DBK_U_HUNDREDTHS, DBK_MS_OK, 5, 2, 0, "0.05");
	FMT(DBK_U_PERMILLE, DBK_MS_NA, 800, 2, 0, "n/a");
	FMT(DBK_U_MONEY, DBK_MS_RESTRICTED, 1, 2, 1, "restricted");
	/* too small: an empty string and DBK_EINVAL */
	assert_int_equal(dbk_metric_format(DBK_U_MONEY, DBK_MS_OK,
	    INT64_C(480000000), 2, 1, b, sizeof(b)), DBK_EINVAL);
	assert_string_equal(b, "");
	assert_int_equal(dbk_metric_format(DBK_U_MONEY, DBK_MS_RESTRICTED, 0,
	    2, 1, b, sizeof(b)), DBK_EINVAL);
	assert_int_equal(dbk_metric_format(DBK_U_COUNT, DBK_MS_OK, 1, 19, 1,
	    b, sizeof(b)), DBK_EINVAL);
	assert_int_equal(dbk_metric_format(DBK_U_COUNT, DBK_MS_OK, 1, 2, 1,
	    NULL, 0), DBK_EINVAL);
}

#define PV_OK(key, text, md, want) do {					\
	int64_t v_ = -7;						\
	struct dbk_error e_ = { 0 };					\
	assert_int_equal(dbk_metric_parse_value((key), (text), (md),	\
	    &v_, &e_), 0);						\
	assert_int_equal(v_, (int64_t)(want));				\
	assert_null(e_.msg);						\
} while (0)

#define PV_BAD(key, text, md) do {					\
	int64_t v_ = -7;						\
	struct dbk_error e_ = { 0 };					\
	assert_int_equal(dbk_metric_parse_value((key), (text), (md),	\
	    &v_, &e_), DBK_EINVAL);					\
	assert_int_equal(v_, -7);					\
	assert_non_null(e_.msg);					\
	dbk_error_clear(&e_);						\
} while (0)

static void
test_parse_value(void **state)
{
	struct dbk_error e = { 0 };
	int64_t v;
	enum dbk_unit u;

	(void)state;
	PV_OK("new_customers", "15", 2, 15);
	PV_OK("activity_total", "0", 2, 0);
	PV_BAD("new_customers", "-1", 2);
	PV_BAD("new_customers", "1.5", 2);
	/* 5,000,000 yuan = 500,000,000 fen; 500万 = 5,000,000 yuan */
	PV_OK("signed_amount", "5,000,000", 2, INT64_C(500000000));
	PV_OK("signed_amount", "500万", 2, INT64_C(500000000));
	PV_OK("weighted_pipeline", "1.5", 2, 150);
	PV_BAD("signed_amount", "-5", 2);
	PV_OK("lead_conversion", "20%", 2, 200);
	PV_OK("lead_conversion", "20", 2, 200);
	PV_OK("lead_conversion", "20.5%", 2, 205);
	PV_OK("lead_conversion", "0.5", 2, 5);
	PV_OK("new_customer_growth", "-10%", 2, -100);
	PV_BAD("lead_conversion", "20.55%", 2);
	PV_BAD("lead_conversion", "20%%", 2);
	PV_BAD("lead_conversion", "%", 2);
	PV_BAD("lead_conversion", "", 2);
	PV_BAD("lead_conversion", ".5", 2);
	PV_BAD("lead_conversion", "5.", 2);
	PV_BAD("lead_conversion", "1234567890123456", 2);
	PV_OK("avg_cycle_days", "40", 2, 400);
	PV_OK("avg_cycle_days", "40.5", 2, 405);
	PV_BAD("avg_cycle_days", "-4", 2);
	PV_BAD("avg_cycle_days", "40%", 2);
	PV_OK("followups_per_week", "1.25", 2, 125);
	PV_OK("followups_per_week", "2", 2, 200);
	PV_OK("followups_per_week_high", "0.5", 2, 50);
	PV_BAD("followups_per_week", "1.255", 2);

	assert_int_equal(dbk_metric_parse_value("lead_conversion", "20.55%", 2,
	    &v, &e), DBK_EINVAL);
	assert_string_equal(e.msg, "invalid value '20.55%' for lead_conversion "
	    "(expected a percentage such as 20% or 20.5%)");
	assert_int_equal(dbk_metric_parse_value("achievement", "1", 2, &v, &e),
	    DBK_EINVAL);
	assert_string_equal(e.msg, "unknown metric 'achievement' (expected one "
	    "of: new_customers, signed_amount, avg_order_value, "
	    "collection_rate, new_customer_growth, lead_conversion, "
	    "avg_cycle_days, need_match, objection_success, timeliness, "
	    "win_rate, followups_per_week, followups_per_week_high, "
	    "weighted_pipeline, activity_phone, activity_visit, "
	    "activity_online, activity_email, activity_other, activity_total, "
	    "stalled)");
	dbk_error_clear(&e);

	/* the catalogue is consistent with itself */
	for (size_t i = 0; i < DBK_M_COUNT; i++) {
		const char *k = dbk_metric_key(i);
		assert_non_null(k);
		assert_non_null(strstr(dbk_metric_keys(), k));
		assert_int_equal(dbk_metric_unit(k, &u, NULL), 0);
		assert_non_null(dbk_unit_name(u));
	}
	assert_null(dbk_metric_key(DBK_M_COUNT));
	assert_int_equal(dbk_metric_unit("signed_amount", &u, NULL), 0);
	assert_int_equal(u, DBK_U_MONEY);
	assert_int_equal(dbk_metric_unit("avg_cycle_days", &u, NULL), 0);
	assert_int_equal(u, DBK_U_TENTHS);
	assert_int_equal(dbk_metric_unit(NULL, &u, NULL), DBK_EINVAL);
	assert_string_equal(dbk_unit_name(DBK_U_HUNDREDTHS), "hundredths");
	assert_string_equal(dbk_mstatus_name(DBK_MS_NA), "n/a");
	assert_string_equal(dbk_mstatus_name(DBK_MS_RESTRICTED), "restricted");
}

static void
test_scope(void **state)
{
	enum dbk_scope s = DBK_SCOPE_TEAM;
	struct dbk_error e = { 0 };

	(void)state;
	assert_int_equal(dbk_scope_parse("member", &s, NULL), 0);
	assert_int_equal(s, DBK_SCOPE_MEMBER);
	assert_int_equal(dbk_scope_parse("industry", &s, NULL), 0);
	assert_int_equal(s, DBK_SCOPE_INDUSTRY);
	assert_int_equal(dbk_scope_parse("team", &s, NULL), 0);
	assert_int_equal(s, DBK_SCOPE_TEAM);
	assert_int_equal(dbk_scope_parse("members", &s, &e), DBK_EINVAL);
	assert_string_equal(e.msg, "invalid scope 'members' (expected team, "
	    "member or industry)");
	dbk_error_clear(&e);
	assert_string_equal(dbk_scope_name(DBK_SCOPE_INDUSTRY), "industry");
}

#define EVAL_BAD(f, p, by, days, want) do {				\
	struct dbk_eval *e_ = (void *)1;				\
	struct dbk_error er_ = { 0 };					\
	assert_int_equal(dbk_eval_compute((f), (p), (by), (days), &e_,	\
	    &er_), DBK_EINVAL);						\
	assert_null(e_);						\
	assert_string_equal(er_.msg, (want));				\
	dbk_error_clear(&er_);						\
} while (0)

/* Bad arguments and facts no gatherer should make are refused; facts of
 * customers not among the facts are left out. */
static void
test_invalid(void **state)
{
	struct fx x;
	struct dbk_period p;
	struct dbk_eval *e;
	struct dbk_fact_stage ghost;
	size_t c;

	(void)state;
	fx_init(&x);
	assert_int_equal(dbk_period_parse("2024Q2", 0, &p, NULL), 0);
	c = cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	EVAL_BAD(NULL, &p, DBK_SCOPE_TEAM, 14,
	    "evaluation needs facts, a period and a result");
	EVAL_BAD(&x.f, &p, (enum dbk_scope)7, 14, "invalid scope 7");
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, -1,
	    "invalid stalled days -1 (expected 0..36500)");
	x.f.stages[0].to = DBK_STAGE_COUNT;
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: a stage change names no stage");
	x.f.stages[0].to = DBK_STAGE_LEAD;
	x.f.stages[0].need_match = 101;
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: a need_match score is outside -1..100");
	x.f.stages[0].need_match = -1;
	inter(&x, c, AT(Q2_FIRST), DBK_CHANNEL_COUNT, 0);
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: an interaction's channel is out of range");
	x.f.interactions[0].channel = DBK_CHANNEL_PHONE;
	x.f.customers[0].priority = DBK_PRIORITY_COUNT;
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: a customer's priority is out of range");
	x.f.customers[0].priority = -1;
	x.f.customers[0].lead_at = INT64_MIN;
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: a customer's lead_at is out of range");
	x.f.customers[0].lead_at = AT(Q1_FIRST);
	cust(&x, NULL, NULL, -1, AT(Q1_FIRST));
	x.f.customers[1].id = x.f.customers[0].id;
	EVAL_BAD(&x.f, &p, DBK_SCOPE_TEAM, 14,
	    "invalid facts: two records share an id");
	x.f.customers[1].id = mkid(&x);

	/* A stage change of a customer we do not have: left out. */
	GROW(x.f.stages, x.f.nstages);
	memset(&ghost, 0, sizeof(ghost));
	ghost.id = mkid(&x);
	ghost.customer = mkid(&x);
	ghost.at = AT(Q2_FIRST);
	ghost.from = -1;
	ghost.to = DBK_STAGE_WON;
	ghost.need_match = 90;
	x.f.stages[x.f.nstages++] = ghost;
	e = run(&x, "2024Q2");
	OK(e, 0, DBK_M_NEW_CUSTOMERS, 0);
	NA(e, 0, DBK_M_NEED_MATCH,
	    "no scored stage changes to proposal or later in the period");
	OK(e, 0, DBK_M_ACTIVITY_TOTAL, 1);
	dbk_eval_free(e);
	dbk_eval_free(NULL);
	fx_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_source_example),
		cmocka_unit_test(test_skip_and_backward),
		cmocka_unit_test(test_lost_and_win_rate),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_restricted),
		cmocka_unit_test(test_by_member),
		cmocka_unit_test(test_goals),
		cmocka_unit_test(test_stalled),
		cmocka_unit_test(test_stalled_due),
		cmocka_unit_test(test_followups),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_need_and_objections),
		cmocka_unit_test(test_utc_offset),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_value),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
