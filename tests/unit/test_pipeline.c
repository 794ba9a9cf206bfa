/*
 * test_pipeline.c -- unit tests for src/lib/pipeline.c: customers entering
 * the pipeline, stage gates and probabilities, interactions with their
 * objections and competitor notes, deals and payments, and the views
 * (timeline, to-do, stalled).
 *
 * The store's clock is fixed at TU_NOW = 2024-05-10 12:00:00 UTC =
 * 1715342400 (see testutil.h).  Other moments used below, all UTC:
 *   2024-05-01 00:00 = 1715299200 - 9 * 86400        = 1714521600
 *   2024-05-03 09:00 = 1714521600 + 2 d + 9 h        = 1714726800
 *   2024-05-05 00:00 = 1714521600 + 4 d              = 1714867200
 *   2024-05-06 00:00 = 1714521600 + 5 d              = 1714953600
 *   2024-05-08 00:00 = 1714521600 + 7 d              = 1715126400
 *   2024-05-08 09:00 = 1715126400 + 9 h              = 1715158800
 *   2024-05-09 11:00 = TU_NOW - 25 h                 = 1715252400
 *   2024-05-09 15:00 = 1714521600 + 8 d + 15 h       = 1715266800
 *   2024-05-10 10:00 = TU_NOW - 2 h                  = 1715335200
 *   2024-05-10 11:00 = TU_NOW - 1 h                  = 1715338800
 * Money: 120万 = 1,200,000 yuan = 120,000,000 fen; 30万 = 30,000,000 fen.
 */
#include "testutil.h"

#include <inttypes.h>

#define T_0501 INT64_C(1714521600)
#define T_0503_0900 INT64_C(1714726800)
#define T_0505 INT64_C(1714867200)
#define T_0506 INT64_C(1714953600)
#define T_0508 INT64_C(1715126400)
#define T_0509_1500 INT64_C(1715266800)
#define T_0510_1000 INT64_C(1715335200)
#define T_0510_1100 INT64_C(1715338800)

/* ---- helpers: each call in its own transaction ---- */

static struct dbk_id
add_customer(struct dbk_store *s, const char *name, const char *lead_at)
{
	struct dbk_error err = { 0 };
	struct dbk_field f[] = { { "name", name }, { "lead_at", lead_at } };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id;

	TU_OK(dbk_customer_add(t, f, lead_at ? 2 : 1, &id, &err), &err);
	tu_commit(t);
	return id;
}

/* Commit on success, abort on failure; returns the call's status. */
static int
stage(struct dbk_store *s, const struct dbk_id *id, const char *to,
    const struct dbk_stage_opts *o, struct dbk_stage_result *res,
    struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 1);
	int rc = dbk_stage_set(t, id, to, o, res, err);

	return tu_end(t, rc);
}

static int
checks(struct dbk_store *s, const struct dbk_id *id, const char *to,
    const struct dbk_check *c, size_t n, struct dbk_stage_result *res,
    struct dbk_error *err)
{
	struct dbk_stage_opts o = { 0 };

	o.checks = c;
	o.nchecks = n;
	return stage(s, id, to, &o, res, err);
}

static int
log_add(struct dbk_store *s, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, const char *const *obj, size_t nobj,
    struct dbk_id *iid, int *late, struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 1);
	int rc = dbk_log_add(t, id, f, n, obj, nobj, iid, late, err);

	return tu_end(t, rc);
}

/* Log an interaction at `at` (NULL = now) with optional next and due. */
static int
log_at(struct dbk_store *s, const struct dbk_id *id, const char *at,
    const char *next, const char *due)
{
	struct dbk_error err = { 0 };
	struct dbk_field f[4];
	size_t n = 0;
	int late = -1;

	f[n++] = (struct dbk_field){ "summary", "拜訪" };
	if (at != NULL)
		f[n++] = (struct dbk_field){ "at", at };
	if (next != NULL)
		f[n++] = (struct dbk_field){ "next", next };
	if (due != NULL)
		f[n++] = (struct dbk_field){ "due", due };
	TU_OK(log_add(s, id, f, n, NULL, 0, NULL, &late, &err), &err);
	assert_true(late == 0 || late == 1);
	return late;
}

/* ---- customers ---- */

static void
test_customer_add(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a, b;
	struct dbk_record *r;
	struct tu_kids k;
	char hex[DBK_ID_HEX];

	a = add_customer(ts->s, "海天精密", NULL);
	r = tu_get(ts->s, &a);
	assert_string_equal(dbk_record_str(r, "stage"), "lead");
	/* lead_at and stage_at default to now; owner to this member. */
	assert_string_equal(dbk_record_str(r, "lead_at"), tu_secs(TU_NOW));
	assert_string_equal(dbk_record_str(r, "stage_at"), tu_secs(TU_NOW));
	assert_string_equal(dbk_record_str(r, "owner"), TU_MEMBER);
	assert_null(dbk_record_str(r, "probability"));
	assert_int_equal(dbk_customer_probability(r), 10);
	assert_int_equal(dbk_customer_open(r), 1);
	dbk_record_free(r);
	/* One stage record: lead, at the lead time, for this customer. */
	tu_kids_get(ts->s, &a, DBK_T_STAGE, &k);
	assert_int_equal(k.n, 1);
	dbk_id_format(&a, hex);
	assert_string_equal(dbk_record_str(k.r[0], "customer"), hex);
	assert_string_equal(dbk_record_str(k.r[0], "stage"), "lead");
	assert_string_equal(dbk_record_str(k.r[0], "at"), tu_secs(TU_NOW));
	tu_kids_free(&k);

	/* A given lead date: 2024-05-01 is local (UTC) midnight. */
	b = add_customer(ts->s, "東方機電", "2024-05-01");
	tu_field_is(ts->s, &b, "lead_at", tu_secs(T_0501));
	tu_field_is(ts->s, &b, "stage_at", tu_secs(T_0501));
	tu_kids_get(ts->s, &b, DBK_T_STAGE, &k);
	assert_int_equal(k.n, 1);
	assert_string_equal(dbk_record_str(k.r[0], "at"), tu_secs(T_0501));
	tu_kids_free(&k);

	/* Refused: a lead date 12 hours ahead, a system field, no name. */
	{
		struct dbk_field fut[] = { { "name", "X" }, { "lead_at", "2024-05-11" } };
		struct dbk_field sys[] = { { "name", "X" }, { "stage", "won" } };
		struct dbk_field none[] = { { "industry", "x" } };
		struct dbk_txn *t = tu_begin(ts->s, 1);
		struct dbk_id id;
		TU_FAILS(dbk_customer_add(t, fut, 2, &id, &err), DBK_EINVAL, &err);
		assert_non_null(strstr(err.msg, "2024-05-11"));
		TU_FAILS(dbk_customer_add(t, sys, 2, &id, &err), DBK_EINVAL, &err);
		assert_non_null(strstr(err.msg, "stage"));
		TU_FAILS(dbk_customer_add(t, none, 1, &id, &err), DBK_EINVAL, &err);
		dbk_error_clear(&err);
		dbk_txn_abort(t);
	}
}

/* ---- stages ---- */

static const struct dbk_check bna_yes[] = {
	{ "budget", "yes" }, { "need", "yes" }, { "authority", "yes" },
};

static void
test_gate_intent(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_check two_yes[] = {
		{ "budget", "yes" }, { "need", "yes" }, { "authority", "no" },
	};
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	char hex[DBK_ID_HEX];
	struct tu_kids k;

	/* lead -> intent needs budget, need and authority answered yes. */
	TU_FAILS(stage(ts->s, &a, "intent", NULL, &res, &err), DBK_EGATE, &err);
	assert_non_null(strstr(err.msg, "budget=yes"));
	assert_non_null(strstr(err.msg, "need=yes"));
	assert_non_null(strstr(err.msg, "authority=yes"));
	assert_non_null(strstr(err.msg, "intent"));
	TU_FAILS(checks(ts->s, &a, "intent", two_yes, 3, &res, &err), DBK_EGATE,
	    &err);
	assert_non_null(strstr(err.msg, "authority=yes (is no)"));
	assert_null(strstr(err.msg, "budget"));
	dbk_error_clear(&err);
	tu_field_is(ts->s, &a, "stage", "lead");
	tu_field_is(ts->s, &a, "chk_authority", NULL);

	TU_OK(checks(ts->s, &a, "intent", bna_yes, 3, &res, &err), &err);
	assert_int_equal(res.from, DBK_STAGE_LEAD);
	assert_int_equal(res.to, DBK_STAGE_INTENT);
	assert_int_equal(res.forced, 0);
	assert_int_equal(res.probability, 25);
	assert_int_equal(res.override_kept, 0);
	tu_field_is(ts->s, &a, "stage", "intent");
	tu_field_is(ts->s, &a, "stage_at", tu_secs(TU_NOW));
	tu_field_is(ts->s, &a, "chk_budget", "yes");
	tu_field_is(ts->s, &a, "chk_need", "yes");
	tu_field_is(ts->s, &a, "chk_authority", "yes");
	/* The stage record: the new one names where from and what was
	 * answered, in the order given. */
	tu_field_is(ts->s, &res.id, "stage", "intent");
	tu_field_is(ts->s, &res.id, "from", "lead");
	tu_field_is(ts->s, &res.id, "checks", "budget=yes;need=yes;authority=yes");
	tu_field_is(ts->s, &res.id, "forced", NULL);
	dbk_id_format(&a, hex);
	tu_field_is(ts->s, &res.id, "customer", hex);
	tu_kids_get(ts->s, &a, DBK_T_STAGE, &k);
	assert_int_equal(k.n, 2);
	tu_kids_free(&k);
}

static void
test_gate_force(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_stage_opts o = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);

	o.force = 1;
	o.note = "老客戶介紹";
	TU_OK(stage(ts->s, &a, "intent", &o, &res, &err), &err);
	assert_int_equal(res.forced, 1);
	assert_int_equal(res.to, DBK_STAGE_INTENT);
	tu_field_is(ts->s, &res.id, "forced", "1");
	tu_field_is(ts->s, &res.id, "note", "老客戶介紹");
	tu_field_is(ts->s, &a, "stage", "intent");
	/* force with the gate satisfied is not "forced" */
	{
		static const struct dbk_check nc[] = {
			{ "need_clarity", "high" }, { "acceptance", "low" },
		};
		o.checks = nc;
		o.nchecks = 2;
		o.note = NULL;
		TU_OK(stage(ts->s, &a, "proposal", &o, &res, &err), &err);
		assert_int_equal(res.forced, 0);
		tu_field_is(ts->s, &res.id, "forced", NULL);
	}
}

static void
test_answers_accumulate(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_check first[] = {
		{ "budget", "yes" }, { "need", "yes" }, { "authority", "yes" },
		{ "need_clarity", "high" },
	};
	struct dbk_check accept[] = { { "acceptance", "medium" } };
	struct dbk_check clarity[] = { { "need_clarity", "low" } };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	struct dbk_id b = add_customer(ts->s, "東方機電", NULL);

	/* need_clarity answered on the way to intent counts for proposal. */
	TU_OK(checks(ts->s, &a, "intent", first, 4, &res, &err), &err);
	tu_field_is(ts->s, &a, "chk_need_clarity", "high");
	TU_OK(checks(ts->s, &a, "proposal", accept, 1, &res, &err), &err);
	assert_int_equal(res.from, DBK_STAGE_INTENT);
	assert_int_equal(res.to, DBK_STAGE_PROPOSAL);
	assert_int_equal(res.probability, 50);
	tu_field_is(ts->s, &a, "chk_need_clarity", "high");
	tu_field_is(ts->s, &a, "chk_acceptance", "medium");
	tu_field_is(ts->s, &a, "chk_budget", "yes");

	/* Only answers of commands that succeeded are kept: b's refused
	 * attempt with need_clarity leaves nothing behind. */
	TU_OK(checks(ts->s, &b, "intent", bna_yes, 3, &res, &err), &err);
	TU_FAILS(checks(ts->s, &b, "proposal", clarity, 1, &res, &err), DBK_EGATE,
	    &err);
	assert_non_null(strstr(err.msg, "acceptance answered"));
	assert_null(strstr(err.msg, "need_clarity"));
	assert_null(strstr(err.msg, "budget"));
	TU_FAILS(checks(ts->s, &b, "proposal", accept, 1, &res, &err), DBK_EGATE,
	    &err);
	assert_non_null(strstr(err.msg, "need_clarity answered"));
	dbk_error_clear(&err);
	tu_field_is(ts->s, &b, "chk_need_clarity", NULL);
	tu_field_is(ts->s, &b, "stage", "intent");
}

static void
test_jump_to_won(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	static const char *const all7[] = {
		"budget=yes", "need=yes", "authority=yes", "need_clarity answered",
		"acceptance answered", "terms=agreed", "payment_plan=agreed",
	};
	struct dbk_check every[] = {
		{ "budget", "yes" }, { "need", "yes" }, { "authority", "yes" },
		{ "need_clarity", "medium" }, { "acceptance", "high" },
		{ "terms", "open" }, { "payment_plan", "agreed" },
	};
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);

	/* lead -> won enters intent, proposal, negotiation and won: every
	 * gate on the way applies (negotiation has none). */
	TU_FAILS(stage(ts->s, &a, "won", NULL, &res, &err), DBK_EGATE, &err);
	for (size_t i = 0; i < 7; i++)
		if (strstr(err.msg, all7[i]) == NULL)
			fail_msg("gate message lacks '%s': %s", all7[i], err.msg);
	TU_FAILS(checks(ts->s, &a, "won", every, 7, &res, &err), DBK_EGATE, &err);
	assert_non_null(strstr(err.msg, "terms=agreed (is open)"));
	assert_null(strstr(err.msg, "budget"));
	dbk_error_clear(&err);
	every[5].value = "agreed";
	TU_OK(checks(ts->s, &a, "won", every, 7, &res, &err), &err);
	assert_int_equal(res.from, DBK_STAGE_LEAD);
	assert_int_equal(res.to, DBK_STAGE_WON);
	assert_int_equal(res.probability, 100);
	{
		struct dbk_record *r = tu_get(ts->s, &a);
		assert_int_equal(dbk_customer_open(r), 0);
		assert_int_equal(dbk_customer_probability(r), 100);
		dbk_record_free(r);
	}
	/* Moving to negotiation only (lead -> negotiation) needs the intent
	 * and proposal gates but not won's. */
	{
		struct dbk_id b = add_customer(ts->s, "東方機電", NULL);
		TU_FAILS(stage(ts->s, &b, "談判", NULL, &res, &err), DBK_EGATE,
		    &err);
		assert_non_null(strstr(err.msg, "acceptance"));
		assert_null(strstr(err.msg, "terms"));
		dbk_error_clear(&err);
	}
}

static void
test_lost_same_back(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	struct dbk_id b = add_customer(ts->s, "東方機電", NULL);
	struct dbk_record *r;

	/* Same stage, and an unknown one. */
	TU_FAILS(stage(ts->s, &a, "lead", NULL, &res, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "already"));
	TU_FAILS(stage(ts->s, &a, "wom", NULL, &res, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "wom"));
	dbk_error_clear(&err);

	/* Lost needs no gate, from anywhere. */
	TU_OK(stage(ts->s, &a, "lost", NULL, &res, &err), &err);
	assert_int_equal(res.to, DBK_STAGE_LOST);
	assert_int_equal(res.probability, 0);
	r = tu_get(ts->s, &a);
	assert_int_equal(dbk_customer_open(r), 0);
	assert_int_equal(dbk_customer_probability(r), 0);
	dbk_record_free(r);
	TU_FAILS(stage(ts->s, &a, "流失", NULL, &res, &err), DBK_EINVAL, &err);
	/* Out of lost, the gates count from lead again. */
	TU_FAILS(stage(ts->s, &a, "intent", NULL, &res, &err), DBK_EGATE, &err);
	dbk_error_clear(&err);
	TU_OK(checks(ts->s, &a, "意向", bna_yes, 3, &res, &err), &err);
	assert_int_equal(res.from, DBK_STAGE_LOST);
	assert_int_equal(res.to, DBK_STAGE_INTENT);

	/* Going back needs no gate either. */
	TU_OK(checks(ts->s, &b, "intent", bna_yes, 3, &res, &err), &err);
	TU_OK(stage(ts->s, &b, "lead", NULL, &res, &err), &err);
	assert_int_equal(res.from, DBK_STAGE_INTENT);
	assert_int_equal(res.to, DBK_STAGE_LEAD);
	assert_int_equal(res.probability, 10);
}

static void
test_check_validation(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	static const struct {
		const char *key, *value, *needle;
	} bad[] = {
		{ "colour", "red", "colour" },
		{ "budget", "maybe", "maybe" },
		{ "budget", "YES", "YES" },
		{ "acceptance", "HIGH", "HIGH" },
		{ "need_match", "101", "101" },
		{ "need_match", "-1", "-1" },
		{ "need_match", "5.5", "5.5" },
		{ "satisfaction", "0", "0" },
		{ "satisfaction", "6", "6" },
		{ "terms", "", "terms" },
	};
	struct dbk_check ok[] = {
		{ "need_match", "100" }, { "satisfaction", "5" },
		{ "decision_chain", "partial" }, { "price_sensitivity", "low" },
		{ "signing_risk", "high" },
	};
	struct dbk_check twice[] = { { "need_match", "100" },
		{ "need_match", "0" } };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct dbk_check c = { bad[i].key, bad[i].value };
		TU_FAILS(checks(ts->s, &a, "lost", &c, 1, &res, &err), DBK_EINVAL,
		    &err);
		if (strstr(err.msg, bad[i].needle) == NULL)
			fail_msg("message '%s' lacks '%s'", err.msg, bad[i].needle);
	}
	dbk_error_clear(&err);
	tu_field_is(ts->s, &a, "stage", "lead");
	/* One answer per check and command: two would let a gate read one
	 * and the customer keep the other. */
	TU_FAILS(checks(ts->s, &a, "lost", twice, 2, &res, &err), DBK_EINVAL,
	    &err);
	if (strstr(err.msg, "given twice") == NULL)
		fail_msg("message '%s'", err.msg);
	dbk_error_clear(&err);
	/* Edge values are fine. */
	TU_OK(checks(ts->s, &a, "lost", ok, 5, &res, &err), &err);
	tu_field_is(ts->s, &a, "chk_need_match", "100");
	tu_field_is(ts->s, &a, "chk_satisfaction", "5");
	tu_field_is(ts->s, &a, "chk_decision_chain", "partial");
}

static void
test_probability(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_stage_opts o = { 0 };
	struct dbk_check prop[] = {
		{ "need_clarity", "high" }, { "acceptance", "high" },
	};
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	struct dbk_id b = add_customer(ts->s, "東方機電", NULL);
	struct dbk_record *r;
	static const int want[DBK_STAGE_COUNT] = { 10, 25, 50, 75, 100, 100, 0 };

	for (int s = 0; s < DBK_STAGE_COUNT; s++)
		assert_int_equal(dbk_stage_default_probability((enum dbk_stage)s),
		    want[s]);
	assert_int_equal(dbk_stage_default_probability(DBK_STAGE_COUNT), 0);
	assert_int_equal(dbk_stage_default_probability((enum dbk_stage)-1), 0);

	/* An override set with a stage change ... */
	o.checks = bna_yes;
	o.nchecks = 3;
	o.probability = "40";
	TU_OK(stage(ts->s, &a, "intent", &o, &res, &err), &err);
	assert_int_equal(res.probability, 40);
	assert_int_equal(res.override_kept, 0);
	tu_field_is(ts->s, &a, "probability", "40");
	tu_field_is(ts->s, &res.id, "probability", "40");
	/* ... survives the next change, which says so. */
	TU_OK(checks(ts->s, &a, "proposal", prop, 2, &res, &err), &err);
	assert_int_equal(res.override_kept, 1);
	assert_int_equal(res.probability, 40);
	r = tu_get(ts->s, &a);
	assert_int_equal(dbk_customer_probability(r), 40);
	dbk_record_free(r);
	/* A new override replaces it ("80%" reads as 80). */
	memset(&o, 0, sizeof o);
	o.probability = "80%";
	TU_OK(stage(ts->s, &a, "negotiation", &o, &res, &err), &err);
	assert_int_equal(res.probability, 80);
	assert_int_equal(res.override_kept, 0);
	/* (forced past won's gate, so that only the value is wrong) */
	o.probability = "101";
	o.force = 1;
	TU_FAILS(stage(ts->s, &a, "won", &o, &res, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "101"));
	dbk_error_clear(&err);
	tu_field_is(ts->s, &a, "probability", "80");

	/* Without an override the stage's default applies. */
	TU_OK(checks(ts->s, &b, "intent", bna_yes, 3, &res, &err), &err);
	TU_OK(checks(ts->s, &b, "proposal", prop, 2, &res, &err), &err);
	assert_int_equal(res.override_kept, 0);
	assert_int_equal(res.probability, 50);
	r = tu_get(ts->s, &b);
	assert_int_equal(dbk_customer_probability(r), 50);
	dbk_record_free(r);
}

/* ---- interactions ---- */

static void
test_log_children(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	static const char *const obj[] = { "價格太高", "交期太長" };
	struct dbk_field f[] = {
		{ "summary", "現場演示" }, { "channel", "拜訪" },
		{ "at", "2024-05-10 10:00" }, { "competitor", "競品A報價低" },
	};
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL), iid, missing;
	char ahex[DBK_ID_HEX], ihex[DBK_ID_HEX];
	struct tu_kids k;
	int late = -1;

	TU_OK(log_add(ts->s, &a, f, 4, obj, 2, &iid, &late, &err), &err);
	assert_int_equal(late, 0);
	dbk_id_format(&a, ahex);
	dbk_id_format(&iid, ihex);
	tu_field_is(ts->s, &iid, "customer", ahex);
	tu_field_is(ts->s, &iid, "channel", "visit");
	tu_field_is(ts->s, &iid, "at", tu_secs(T_0510_1000));
	tu_field_is(ts->s, &iid, "late", "0");

	/* Each objection is its own record under the customer, pointing at
	 * the interaction, unresolved. */
	tu_kids_get(ts->s, &a, DBK_T_OBJECTION, &k);
	assert_int_equal(k.n, 2);
	{
		int seen[2] = { 0, 0 };
		for (size_t i = 0; i < 2; i++) {
			const char *text = dbk_record_str(k.r[i], "text");
			assert_non_null(text);
			for (size_t j = 0; j < 2; j++)
				if (strcmp(text, obj[j]) == 0)
					seen[j]++;
			assert_string_equal(dbk_record_str(k.r[i], "interaction"),
			    ihex);
			assert_string_equal(dbk_record_str(k.r[i], "resolved"), "0");
			assert_string_equal(dbk_record_str(k.r[i], "at"),
			    tu_secs(T_0510_1000));
		}
		assert_int_equal(seen[0], 1);
		assert_int_equal(seen[1], 1);
	}
	tu_kids_free(&k);
	/* The competitor note becomes a competitor record too. */
	tu_kids_get(ts->s, &a, DBK_T_COMPETITOR, &k);
	assert_int_equal(k.n, 1);
	assert_string_equal(dbk_record_str(k.r[0], "name"), "競品A報價低");
	assert_string_equal(dbk_record_str(k.r[0], "interaction"), ihex);
	tu_kids_free(&k);
	tu_kids_get(ts->s, &a, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	tu_kids_free(&k);

	/* Refused: an empty objection, a system field, no such customer,
	 * no summary.  Nothing of them is kept. */
	{
		static const char *const empty[] = { "ok", "" };
		struct dbk_field sys[] = { { "summary", "x" }, { "late", "1" } };
		struct dbk_field nosum[] = { { "channel", "phone" } };
		TU_FAILS(log_add(ts->s, &a, f, 1, empty, 2, &iid, &late, &err),
		    DBK_EINVAL, &err);
		TU_FAILS(log_add(ts->s, &a, sys, 2, NULL, 0, &iid, &late, &err),
		    DBK_EINVAL, &err);
		assert_non_null(strstr(err.msg, "late"));
		TU_FAILS(log_add(ts->s, &a, nosum, 1, NULL, 0, &iid, &late, &err),
		    DBK_EINVAL, &err);
		memset(missing.b, 0x66, 16);
		TU_FAILS(log_add(ts->s, &missing, f, 1, NULL, 0, &iid, &late, &err),
		    DBK_ENOTFOUND, &err);
		dbk_error_clear(&err);
	}
	tu_kids_get(ts->s, &a, DBK_T_OBJECTION, &k);
	assert_int_equal(k.n, 2);
	tu_kids_free(&k);
	tu_kids_get(ts->s, &a, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	tu_kids_free(&k);
}

static void
test_log_late_and_future(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL), iid;
	int late = -1;

	/* More than 24 h after it happened: kept, flagged. */
	{
		struct dbk_field f[] = { { "summary", "x" }, { "at", "2024-05-09 11:00" } };
		TU_OK(log_add(ts->s, &a, f, 2, NULL, 0, &iid, &late, &err), &err);
		assert_int_equal(late, 1);
		tu_field_is(ts->s, &iid, "late", "1");
		tu_field_is(ts->s, &iid, "at", tu_secs(TU_NOW - 25 * 3600));
	}
	/* 23 h, and exactly 24 h, are not late. */
	assert_int_equal(log_at(ts->s, &a, "2024-05-09 13:00", NULL, NULL), 0);
	assert_int_equal(log_at(ts->s, &a, "2024-05-09 12:00", NULL, NULL), 0);
	/* No time given: now, not late. */
	{
		struct dbk_field f[] = { { "summary", "x" } };
		TU_OK(log_add(ts->s, &a, f, 1, NULL, 0, &iid, &late, &err), &err);
		assert_int_equal(late, 0);
		tu_field_is(ts->s, &iid, "at", tu_secs(TU_NOW));
	}
	/* The future is refused, beyond 10 minutes of clock slack. */
	assert_int_equal(log_at(ts->s, &a, "2024-05-10 12:10", NULL, NULL), 0);
	{
		struct dbk_field f1[] = { { "summary", "x" }, { "at", "2024-05-10 12:11" } };
		struct dbk_field f2[] = { { "summary", "x" }, { "at", "tomorrow" } };
		TU_FAILS(log_add(ts->s, &a, f1, 2, NULL, 0, &iid, &late, &err),
		    DBK_EINVAL, &err);
		assert_non_null(strstr(err.msg, "future"));
		assert_non_null(strstr(err.msg, "2024-05-10 12:11"));
		TU_FAILS(log_add(ts->s, &a, f2, 2, NULL, 0, &iid, &late, &err),
		    DBK_EINVAL, &err);
		dbk_error_clear(&err);
	}
}

static void
test_log_follows_newest(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL), iid;
	struct dbk_field f[] = {
		{ "summary", "報價" }, { "at", "2024-05-10 10:00" },
		{ "next", "send quote" }, { "due", "2024/5/15" },
		{ "their_next", "review quote" },
	};
	int late;

	TU_OK(log_add(ts->s, &a, f, 5, NULL, 0, &iid, &late, &err), &err);
	tu_field_is(ts->s, &a, "last_contact", tu_secs(T_0510_1000));
	tu_field_is(ts->s, &a, "next", "send quote");
	tu_field_is(ts->s, &a, "next_due", "2024-05-15");
	tu_field_is(ts->s, &a, "their_next", "review quote");

	/* A back-dated log (two days ago) is kept but changes nothing on the
	 * customer. */
	assert_int_equal(log_at(ts->s, &a, "2024-05-08 09:00", "old step",
	    "2024-05-09"), 1);
	tu_field_is(ts->s, &a, "last_contact", tu_secs(T_0510_1000));
	tu_field_is(ts->s, &a, "next", "send quote");
	tu_field_is(ts->s, &a, "next_due", "2024-05-15");
	tu_field_is(ts->s, &a, "their_next", "review quote");

	/* A newer log without a next step moves the last contact and
	 * leaves the pending next action (and their step) in place. */
	assert_int_equal(log_at(ts->s, &a, "2024-05-10 11:00", NULL, NULL), 0);
	tu_field_is(ts->s, &a, "last_contact", tu_secs(T_0510_1100));
	tu_field_is(ts->s, &a, "next", "send quote");
	tu_field_is(ts->s, &a, "next_due", "2024-05-15");
	tu_field_is(ts->s, &a, "their_next", "review quote");
}

/* ---- deals, payments, objections ---- */

static void
test_deal_payment_restricted(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL), d, p, p2;
	char ahex[DBK_ID_HEX], dhex[DBK_ID_HEX];
	struct dbki_rkey saved;
	struct dbk_record *r;
	struct dbk_txn *t;
	const char *v;
	int st;

	t = tu_begin(ts->s, 1);
	TU_OK(dbk_deal_add(t, &a, "120万", NULL, &d, &err), &err);
	TU_OK(dbk_payment_add(t, &d, "30万", NULL, &p, &err), &err);
	TU_FAILS(dbk_deal_add(t, &a, "abc", NULL, &p2, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "abc"));
	/* A payment needs a deal, a deal a customer. */
	TU_FAILS(dbk_payment_add(t, &a, "1", NULL, &p2, &err), DBK_ENOTFOUND,
	    &err);
	TU_FAILS(dbk_deal_add(t, &d, "1", NULL, &p2, &err), DBK_ENOTFOUND, &err);
	dbk_error_clear(&err);
	tu_commit(t);
	dbk_id_format(&a, ahex);
	dbk_id_format(&d, dhex);
	/* Dates default to today; amounts are stored in fen. */
	tu_field_is(ts->s, &d, "amount", "120000000");
	tu_field_is(ts->s, &d, "signed", "2024-05-10");
	tu_field_is(ts->s, &d, "customer", ahex);
	tu_field_is(ts->s, &p, "amount", "30000000");
	tu_field_is(ts->s, &p, "at", "2024-05-10");
	tu_field_is(ts->s, &p, "deal", dhex);
	tu_field_is(ts->s, &p, "customer", ahex);

	/* Without the restricted key the amount is restricted, not readable,
	 * while other fields read as usual. */
	tu_drop_secret(ts->s, &saved);
	r = tu_get(ts->s, &p);
	assert_int_equal(dbk_record_get(r, "amount", &v), DBK_ENOKEY);
	assert_null(v);
	assert_null(dbk_record_str(r, "amount"));
	for (size_t i = 0; i < dbk_record_nfields(r); i++) {
		const char *name, *value;
		dbk_record_field_at(r, i, &name, &value, &st);
		if (strcmp(name, "amount") == 0) {
			assert_int_equal(st, DBK_FS_RESTRICTED);
			assert_null(value);
		} else {
			assert_int_equal(st, DBK_FS_PLAIN);
		}
	}
	assert_string_equal(dbk_record_str(r, "at"), "2024-05-10");
	dbk_record_free(r);
	/* Still possible: depositing a payment nobody here can read back. */
	t = tu_begin(ts->s, 1);
	TU_OK(dbk_payment_add(t, &d, "5万", "2024-05-10", &p2, &err), &err);
	tu_commit(t);
	r = tu_get(ts->s, &p2);
	assert_int_equal(dbk_record_get(r, "amount", &v), DBK_ENOKEY);
	dbk_record_free(r);
	tu_restore_secret(ts->s, &saved);

	/* With the key back, both read: 5万 = 50,000 yuan = 5,000,000 fen. */
	tu_field_is(ts->s, &p, "amount", "30000000");
	tu_field_is(ts->s, &p2, "amount", "5000000");
	tu_field_is(ts->s, &p2, "at", "2024-05-10");
}

static void
test_objection_resolve(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	static const char *const obj[] = { "價格太高", "交期太長" };
	struct dbk_field f[] = { { "summary", "電話" } };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL), iid, o1, o2;
	struct dbk_txn *t;
	struct tu_kids k;
	int late;

	TU_OK(log_add(ts->s, &a, f, 1, obj, 2, &iid, &late, &err), &err);
	tu_kids_get(ts->s, &a, DBK_T_OBJECTION, &k);
	assert_int_equal(k.n, 2);
	o1 = *dbk_record_id(k.r[0]);
	o2 = *dbk_record_id(k.r[1]);
	tu_kids_free(&k);

	t = tu_begin(ts->s, 1);
	TU_OK(dbk_objection_resolve(t, &o1, "分期付款", &err), &err);
	TU_OK(dbk_objection_resolve(t, &o2, NULL, &err), &err);
	tu_commit(t);
	tu_field_is(ts->s, &o1, "resolved", "1");
	tu_field_is(ts->s, &o1, "resolved_at", tu_secs(TU_NOW));
	tu_field_is(ts->s, &o1, "response", "分期付款");
	tu_field_is(ts->s, &o2, "resolved", "1");
	tu_field_is(ts->s, &o2, "response", NULL);

	/* Twice is an error; so is something that is not an objection. */
	t = tu_begin(ts->s, 1);
	TU_FAILS(dbk_objection_resolve(t, &o1, "again", &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "already"));
	TU_FAILS(dbk_objection_resolve(t, &a, NULL, &err), DBK_ENOTFOUND, &err);
	dbk_error_clear(&err);
	dbk_txn_abort(t);
	tu_field_is(ts->s, &o1, "response", "分期付款");
}

/* ---- views ---- */

static void
test_timeline(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", "2024-05-01"), d, p;
	static const char *const obj[] = { "太貴" };
	struct dbk_field la[] = { { "summary", "初訪" }, { "at", "2024-05-03 09:00" } };
	struct dbk_field lb[] = {
		{ "summary", "回訪" }, { "at", "2024-05-09 15:00" },
		{ "competitor", "競品B" },
	};
	struct dbk_stage_opts o = { 0 };
	struct dbk_stage_result res;
	struct dbk_list l;
	struct dbk_txn *t;
	int late;
	/* Sorted by event time; equal times (a log and what it raised) in
	 * either order. */
	static const struct {
		int64_t at;
		enum dbk_type type, alt;
	} want[] = {
		{ T_0501, DBK_T_STAGE, DBK_T_STAGE },
		{ T_0503_0900, DBK_T_INTERACTION, DBK_T_OBJECTION },
		{ T_0503_0900, DBK_T_INTERACTION, DBK_T_OBJECTION },
		{ T_0505, DBK_T_DEAL, DBK_T_DEAL },
		{ T_0506, DBK_T_PAYMENT, DBK_T_PAYMENT },
		{ T_0508, DBK_T_STAGE, DBK_T_STAGE },
		{ T_0509_1500, DBK_T_INTERACTION, DBK_T_COMPETITOR },
		{ T_0509_1500, DBK_T_INTERACTION, DBK_T_COMPETITOR },
	};

	/* Entered out of order on purpose. */
	TU_OK(log_add(ts->s, &a, lb, 3, NULL, 0, NULL, &late, &err), &err);
	t = tu_begin(ts->s, 1);
	TU_OK(dbk_deal_add(t, &a, "120万", "2024-05-05", &d, &err), &err);
	TU_OK(dbk_payment_add(t, &d, "30万", "2024-05-06", &p, &err), &err);
	tu_commit(t);
	o.at = "2024-05-08";
	o.force = 1;
	TU_OK(stage(ts->s, &a, "intent", &o, &res, &err), &err);
	TU_OK(log_add(ts->s, &a, la, 2, obj, 1, NULL, &late, &err), &err);
	/* Another customer's history stays out of it. */
	{
		struct dbk_id b = add_customer(ts->s, "東方機電", NULL);
		(void)log_at(ts->s, &b, "2024-05-04 10:00", NULL, NULL);
	}

	t = tu_begin(ts->s, 0);
	TU_OK(dbk_timeline(t, &a, &l, &err), &err);
	dbk_txn_abort(t);
	assert_int_equal(l.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < l.n; i++) {
		enum dbk_type ty = dbk_record_type(l.r[i]);
		if (dbk_event_time(l.r[i]) != want[i].at)
			fail_msg("entry %zu at %" PRId64 ", want %" PRId64, i,
			    dbk_event_time(l.r[i]), want[i].at);
		if (ty != want[i].type && ty != want[i].alt)
			fail_msg("entry %zu is a %s", i, dbk_type_name(ty));
	}
	/* Each of a tied pair appears once. */
	assert_int_not_equal(dbk_record_type(l.r[1]), dbk_record_type(l.r[2]));
	assert_int_not_equal(dbk_record_type(l.r[6]), dbk_record_type(l.r[7]));
	dbk_list_free(&l);
	assert_null(l.r);

	/* Not a customer: not found. */
	t = tu_begin(ts->s, 0);
	TU_FAILS(dbk_timeline(t, &d, &l, &err), DBK_ENOTFOUND, &err);
	dbk_error_clear(&err);
	dbk_txn_abort(t);
}

static void
test_todo(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a, b, c, d, e, f;
	struct dbk_list l;
	struct dbk_txn *t;
	const struct dbk_id *want[4];

	a = add_customer(ts->s, "A", NULL);
	b = add_customer(ts->s, "B", NULL);
	c = add_customer(ts->s, "C", NULL);
	d = add_customer(ts->s, "D", NULL);
	e = add_customer(ts->s, "E", NULL);
	f = add_customer(ts->s, "F", NULL);
	(void)log_at(ts->s, &a, NULL, "call A", "2024-05-20");
	(void)log_at(ts->s, &b, NULL, "call B", "2024-05-12");
	(void)log_at(ts->s, &c, NULL, "call C", NULL);       /* no due date */
	(void)log_at(ts->s, &d, NULL, NULL, NULL);           /* no next */
	(void)log_at(ts->s, &e, NULL, "call E", "2024-05-11");
	(void)log_at(ts->s, &f, NULL, "call F", "2024-05-01"); /* overdue */
	t = tu_begin(ts->s, 1);
	TU_OK(dbk_record_delete(t, &e, &err), &err);       /* not live */
	tu_commit(t);

	/* By due date, overdue first (05-01, 05-12, 05-20), then the one
	 * without a date. */
	want[0] = &f;
	want[1] = &b;
	want[2] = &a;
	want[3] = &c;
	t = tu_begin(ts->s, 0);
	TU_OK(dbk_todo(t, &l, &err), &err);
	dbk_txn_abort(t);
	assert_int_equal(l.n, 4);
	for (size_t i = 0; i < 4; i++)
		if (memcmp(dbk_record_id(l.r[i])->b, want[i]->b, 16) != 0)
			fail_msg("to-do entry %zu is '%s'", i,
			    dbk_record_str(l.r[i], "name"));
	dbk_list_free(&l);
}

static void
test_stalled(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_stage_result res;
	struct dbk_stage_opts o = { 0 };
	struct dbk_id s1, s2, s3, s4, s5;
	struct dbk_record *r;

	s1 = add_customer(ts->s, "contacted now", NULL);
	(void)log_at(ts->s, &s1, NULL, NULL, NULL);
	s2 = add_customer(ts->s, "committed step", NULL);
	(void)log_at(ts->s, &s2, NULL, "sign", "2024-05-30");
	s3 = add_customer(ts->s, "won", NULL);
	s4 = add_customer(ts->s, "never contacted", NULL);
	s5 = add_customer(ts->s, "lost", NULL);
	o.force = 1;
	TU_OK(stage(ts->s, &s3, "won", &o, &res, &err), &err);
	TU_OK(stage(ts->s, &s5, "lost", NULL, &res, &err), &err);

	/* 14-day rule on the last contact (TU_NOW): stalled strictly after
	 * 14 days. */
	r = tu_get(ts->s, &s1);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 13 * TU_DAY, 14), 0);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 14 * TU_DAY, 14), 0);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 14 * TU_DAY + 1, 14), 1);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 15 * TU_DAY, 14), 1);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 15 * TU_DAY, 30), 0);
	dbk_record_free(r);

	/* A committed step due today or later exempts: 2024-05-30 is
	 * TU_NOW + 20 days; the next day it is overdue. */
	r = tu_get(ts->s, &s2);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 20 * TU_DAY, 14), 0);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 21 * TU_DAY, 14), 1);
	dbk_record_free(r);

	/* Won and lost customers are not open, so never stalled. */
	r = tu_get(ts->s, &s3);
	assert_int_equal(dbk_customer_open(r), 0);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 100 * TU_DAY, 14), 0);
	dbk_record_free(r);
	r = tu_get(ts->s, &s5);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 100 * TU_DAY, 14), 0);
	dbk_record_free(r);

	/* Never contacted: counted from entering the stage. */
	r = tu_get(ts->s, &s4);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 14 * TU_DAY, 14), 0);
	assert_int_equal(dbk_customer_stalled(r, TU_NOW + 15 * TU_DAY, 14), 1);
	dbk_record_free(r);
}

/* ---- the customer list index ---- */

struct rows_seen {
	size_t n;
	char name[4][64], expected[4][32], stage[4][16];
	int state[4], prob[4];
};

static int
rows_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct rows_seen *rs = vctx;

	if (rs->n < 4) {
		snprintf(rs->name[rs->n], 64, "%s", r->name ? r->name : "");
		snprintf(rs->expected[rs->n], 32, "%s",
		    r->expected ? r->expected : "");
		snprintf(rs->stage[rs->n], 16, "%s", r->stage ? r->stage : "");
		rs->state[rs->n] = r->expected_state;
		rs->prob[rs->n] = dbk_customer_row_probability(r);
	}
	rs->n++;
	return 0;
}

static struct rows_seen
rows(struct dbk_store *s, int reveal)
{
	struct dbk_error err = { 0 };
	struct rows_seen rs;
	struct dbk_txn *t = tu_begin(s, 0);

	memset(&rs, 0, sizeof rs);
	TU_OK(dbk_customer_rows(t, reveal, rows_cb, &rs, &err), &err);
	dbk_txn_abort(t);
	return rs;
}

static void
test_customer_rows(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a = add_customer(ts->s, "海天精密", NULL);
	struct dbk_id b = add_customer(ts->s, "臨時客戶", NULL);
	struct dbk_field ex[] = { { "expected", "50万" } };
	struct dbk_txn *t;
	struct rows_seen rs;

	t = tu_begin(ts->s, 1);
	TU_OK(dbk_record_update(t, &a, ex, 1, NULL, &err), &err);
	TU_OK(dbk_record_delete(t, &b, &err), &err);
	tu_commit(t);
	/* The removed customer is gone from the list; the summary follows
	 * the record's latest values. */
	rs = rows(ts->s, 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.name[0], "海天精密");
	assert_string_equal(rs.stage[0], "lead");
	assert_int_equal(rs.prob[0], 10);
	/* Without reveal the amount is withheld; with it, 50万 = 500,000
	 * yuan = 50,000,000 fen. */
	assert_string_equal(rs.expected[0], "");
	assert_int_equal(rs.state[0], DBK_FS_RESTRICTED);
	rs = rows(ts->s, 1);
	assert_string_equal(rs.expected[0], "50000000");
	assert_int_equal(rs.state[0], DBK_FS_PLAIN);
}

/* Many customers: the list index splits into blocks and keeps creation
 * order and every update. */
struct order_seen {
	size_t n, renamed, out_of_order;
	struct dbk_id last;
};

static int
order_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct order_seen *o = vctx;

	if (o->n > 0 && memcmp(o->last.b, r->id.b, 16) >= 0)
		o->out_of_order++;
	o->last = r->id;
	if (r->name != NULL && strncmp(r->name, "renamed", 7) == 0)
		o->renamed++;
	o->n++;
	return 0;
}

struct id_walk {
	struct dbk_id ids[300];
	size_t n, stop_at;
};

static int
id_walk_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct id_walk *w = vctx;

	if (w->stop_at > 0 && w->n == w->stop_at)
		return DBK_ROWS_STOP;
	if (w->n < 300)
		w->ids[w->n] = r->id;
	w->n++;
	return 0;
}

static void
test_customer_rows_many(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id ids[300];
	struct order_seen o;
	struct dbk_txn *t;
	char name[32];
	size_t np = 99;

	t = tu_begin(ts->s, 1);
	for (size_t i = 0; i < 300; i++) {
		struct dbk_field f[] = { { "name", name } };
		snprintf(name, sizeof name, "客戶%zu", i);
		TU_OK(dbk_customer_add(t, f, 1, &ids[i], &err), &err);
	}
	tu_commit(t);
	/* Every 7th renamed (0, 7, ..., 294: 43 of them), every 10th
	 * removed (0, 10, ..., 290: 30), so 270 listed and 43 - 5 = 38
	 * renamed ones among them (0, 70, 140, 210, 280 are both). */
	t = tu_begin(ts->s, 1);
	for (size_t i = 0; i < 300; i += 7) {
		struct dbk_field f[] = { { "name", name } };
		snprintf(name, sizeof name, "renamed%zu", i);
		TU_OK(dbk_record_update(t, &ids[i], f, 1, NULL, &err), &err);
	}
	for (size_t i = 0; i < 300; i += 10)
		TU_OK(dbk_record_delete(t, &ids[i], &err), &err);
	tu_commit(t);
	memset(&o, 0, sizeof o);
	t = tu_begin(ts->s, 0);
	TU_OK(dbk_customer_rows(t, 0, order_cb, &o, &err), &err);
	dbk_txn_abort(t);
	assert_int_equal(o.n, 270);
	assert_int_equal(o.renamed, 38);
	assert_int_equal(o.out_of_order, 0);
	assert_int_equal(dbk_store_check(ts->s, NULL, NULL, &np, &err), 0);
	assert_int_equal(np, 0);

	/* Newest first: the same 270 in exactly the reverse order, across
	 * block boundaries; a positive return stops the walk after 5. */
	{
		struct id_walk fw = { 0 }, bw = { 0 }, st = { 0 };
		t = tu_begin(ts->s, 0);
		TU_OK(dbk_customer_rows_ex(t, 0, id_walk_cb, &fw, &err), &err);
		TU_OK(dbk_customer_rows_ex(t, DBK_ROWS_NEWEST, id_walk_cb, &bw,
		    &err), &err);
		st.stop_at = 5;
		assert_int_equal(dbk_customer_rows_ex(t, DBK_ROWS_NEWEST,
		    id_walk_cb, &st, &err), DBK_ROWS_STOP);
		dbk_txn_abort(t);
		assert_int_equal(fw.n, 270);
		assert_int_equal(bw.n, 270);
		for (size_t i = 0; i < 270; i++)
			assert_memory_equal(fw.ids[i].b, bw.ids[269 - i].b, 16);
		assert_int_equal(st.n, 5);
		for (size_t i = 0; i < 5; i++)
			assert_memory_equal(st.ids[i].b, bw.ids[i].b, 16);
	}
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_setup_store_now, tu_teardown_store)
	const struct CMUnitTest tests[] = {
		T(test_customer_add),
		T(test_gate_intent),
		T(test_gate_force),
		T(test_answers_accumulate),
		T(test_jump_to_won),
		T(test_lost_same_back),
		T(test_check_validation),
		T(test_probability),
		T(test_log_children),
		T(test_log_late_and_future),
		T(test_log_follows_newest),
		T(test_customer_rows),
		T(test_customer_rows_many),
		T(test_deal_payment_restricted),
		T(test_objection_resolve),
		T(test_timeline),
		T(test_todo),
		T(test_stalled),
	};
#undef T

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
