/*
 * dealbook/pipeline.h -- the sales workflow on top of records: customers
 * entering the pipeline, interactions (with their objections and
 * competitor notes), stage changes with checklist gates, deals, payments,
 * and the views built from them (timeline, to-do, stalled customers).
 *
 * Every writing call runs inside a write transaction the caller holds;
 * an error leaves the transaction to be aborted, so nothing is
 * half-written.
 */
#ifndef DEALBOOK_PIPELINE_H
#define DEALBOOK_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/parse.h"
#include "dealbook/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default win probability of a stage in percent: lead 10, intent 25,
 * proposal 50, negotiation 75, won 100, service 100, lost 0. */
int dbk_stage_default_probability(enum dbk_stage s);

/* The effective win probability of a customer: its override if set, else
 * its stage's default. */
int dbk_customer_probability(const struct dbk_record *customer);

/*
 * Add a customer.  Input fields are customer fields (record.h); "lead_at"
 * (when it entered the pipeline) defaults to now and "owner" to this
 * member.  The customer starts at stage lead, with a stage record.
 */
int dbk_customer_add(struct dbk_txn *t, const struct dbk_field *f, size_t n,
    struct dbk_id *out, struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Record an interaction with a customer.  Fields are interaction fields
 * ("at" defaults to now and may not lie in the future); each objection
 * text becomes an objection record, a "competitor" note also a competitor
 * record.  The customer's last contact, next action and committed next
 * step follow the newest interaction.  *late is set when the interaction
 * is recorded more than 24 hours after it happened (kept, and flagged).
 */
int dbk_log_add(struct dbk_txn *t, const struct dbk_id *customer,
    const struct dbk_field *f, size_t n, const char *const *objections,
    size_t nobj, struct dbk_id *out, int *late, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Stage checklist items: key and accepted values. */
struct dbk_checkdef {
	const char *key;
	const char *values;   /* "yes|no", "high|medium|low", "0-100", ... */
	const char *label_en;
	const char *label_zh;
};
const struct dbk_checkdef *dbk_checks(size_t *n);

struct dbk_check {
	const char *key;
	const char *value;
};

struct dbk_stage_opts {
	const char *at;           /* when it happened; NULL = now */
	const struct dbk_check *checks;
	size_t nchecks;
	const char *probability;  /* per-customer override, NULL = keep */
	const char *note;
	int force;                /* move despite a failed gate (recorded) */
	int same_ok;              /* the stage already in force (at that
	                             date) is no change, not DBK_EINVAL:
	                             res->from == res->to, nothing written */
};

struct dbk_stage_result {
	enum dbk_stage from, to;
	int forced;          /* a gate was overridden */
	int probability;     /* effective probability after the change */
	int override_kept;   /* an earlier override stayed in force */
	int backdated;       /* dated before the current stage began: kept as
	                        history, the current stage is unchanged */
	struct dbk_id id;    /* the stage record */
};

/*
 * Move a customer to another stage.  A change dated (opts->at) before the
 * current stage began is entered as history: it moves from the stage in
 * force at that date and leaves the current stage as it is.  Moving forward enters every stage on
 * the way, and each has a gate: intent needs budget, need and authority
 * answered yes; proposal needs need_clarity and acceptance answered; won
 * needs terms and payment_plan agreed.  Answers accumulate on the
 * customer across commands.  A failed gate returns DBK_EGATE naming the
 * missing items unless opts->force.  Errors: DBK_EINVAL (bad stage,
 * check, date), DBK_EGATE.
 */
int dbk_stage_set(struct dbk_txn *t, const struct dbk_id *customer,
    const char *stage, const struct dbk_stage_opts *opts,
    struct dbk_stage_result *res, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* A signed contract: amount (sensitive) and signing date (default
 * today). */
int dbk_deal_add(struct dbk_txn *t, const struct dbk_id *customer,
    const char *amount, const char *signed_on, struct dbk_id *out,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* A payment received on a deal (date default today). */
int dbk_payment_add(struct dbk_txn *t, const struct dbk_id *deal,
    const char *amount, const char *at, struct dbk_id *out,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* Mark an objection resolved, optionally with our response. */
int dbk_objection_resolve(struct dbk_txn *t, const struct dbk_id *objection,
    const char *response, struct dbk_error *err) __attribute__((warn_unused_result));

/* ---- views ---- */

/* When an event happened (Unix seconds): interaction/stage "at", deal
 * "signed", payment "at" (dates at local midnight), else creation. */
int64_t dbk_event_time(const struct dbk_record *r);

struct dbk_list {
	struct dbk_record **r;
	size_t n, cap;
};
void dbk_list_free(struct dbk_list *l);

/* A customer's interactions, objections, competitor notes, stage
 * changes, deals and payments, in time order. */
int dbk_timeline(struct dbk_txn *t, const struct dbk_id *customer,
    struct dbk_list *out, struct dbk_error *err) __attribute__((warn_unused_result));

/* Live customers with a next action, by due date (overdue first; no due
 * date last). */
int dbk_todo(struct dbk_txn *t, struct dbk_list *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/*
 * Follow-up plan milestones (the source document's "first contact, needs
 * discovery, proposal, negotiation" with dates and owners).  A milestone
 * is done once its stage was reached (first-contact: once there is an
 * interaction); a later backward move or loss does not undo it.  owner
 * NULL: the customer's owner.  due: a date as people type it.
 */
const char *dbk_milestone_choices(void);
int dbk_plan_add(struct dbk_txn *t, const struct dbk_id *customer,
    const char *milestone, const char *due, const char *owner,
    const char *note, struct dbk_id *out, struct dbk_error *err)
	__attribute__((warn_unused_result));
int dbk_plan_done(struct dbk_txn *t, const struct dbk_record *plan, int *done,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* Milestones not yet done, of customers still open, by due date. */
int dbk_plan_open(struct dbk_txn *t, struct dbk_list *out,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * The customer list, fast: one small encrypted summary per customer
 * (kept beside the record, in creation order) instead of decoding every
 * record.  Strings are canonical values (record.h), NULL when absent;
 * borrowed until fn returns.  `expected` is readable only when asked
 * (reveal) and the restricted key is held; else expected_state says why.
 */
struct dbk_customer_row {
	struct dbk_id id;
	const char *code, *name, *industry, *stage, *owner, *last_contact,
	    *next_due, *probability, *stage_at, *created, *lead_at, *priority;
	const char *expected;
	int expected_state;   /* DBK_FS_PLAIN (maybe NULL) or DBK_FS_RESTRICTED */
};
typedef int (*dbk_customer_row_fn)(const struct dbk_customer_row *row,
    void *ctx);
int dbk_customer_rows(struct dbk_txn *t, int reveal, dbk_customer_row_fn fn,
    void *ctx, struct dbk_error *err) __attribute__((warn_unused_result));
/*
 * The same with flags: DBK_ROWS_REVEAL as reveal above, DBK_ROWS_NEWEST
 * for the newest customer first (a page of the newest N reads only the
 * blocks it shows).  A non-zero return from fn stops the walk and is
 * returned: a positive one is the caller's own (DBK_ROWS_STOP, say).
 */
#define DBK_ROWS_REVEAL 0x1u
#define DBK_ROWS_NEWEST 0x2u
#define DBK_ROWS_STOP   1
int dbk_customer_rows_ex(struct dbk_txn *t, unsigned flags,
    dbk_customer_row_fn fn, void *ctx, struct dbk_error *err)
	__attribute__((warn_unused_result));
/* The same rules as dbk_customer_probability / dbk_customer_stalled. */
int dbk_customer_row_probability(const struct dbk_customer_row *row);
int dbk_customer_row_stalled(const struct dbk_customer_row *row, int64_t now,
    int days);

/* Is the customer open (lead..negotiation)? */
int dbk_customer_open(const struct dbk_record *customer);
/* Stalled: open, no interaction for `days` days, and no committed next
 * step dated today or later. */
int dbk_customer_stalled(const struct dbk_record *customer, int64_t now,
    int days);

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_PIPELINE_H */
