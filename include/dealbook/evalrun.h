/*
 * dealbook/evalrun.h -- the effect review against a store: gathering the
 * facts, goals and reviews, and audited evaluation runs (DESIGN §6).
 *
 * An evaluation run stores the period, scope, parameters, the metric
 * definition version, the results (the canonical JSON of dbk_eval_json),
 * one short hash per input record, a digest over them, who ran it and
 * when, and an Ed25519 signature over all of it and the run's own id.
 * dbk_evalrun_verify checks the signature and recomputes from the data
 * as it is now.
 */
#ifndef DEALBOOK_EVALRUN_H
#define DEALBOOK_EVALRUN_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/eval.h"
#include "dealbook/record.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every fact in the store (eval.h); free with dbk_facts_free. */
int dbk_eval_facts(struct dbk_txn *t, struct dbk_facts **out,
    struct dbk_error *err) __attribute__((warn_unused_result));
void dbk_facts_free(struct dbk_facts *f);

/*
 * Set a goal: the target (and benchmark) of one indicator for a period,
 * for the team (member NULL) or one member.  Text as people type it
 * ("15", "5,000,000", "500万", "25%"), parsed in the indicator's unit.
 * Setting the same period, indicator and member again changes that goal
 * (its history keeps the old target).  *replaced: 1 when it did.
 */
int dbk_goal_set(struct dbk_txn *t, const char *period, const char *metric,
    const char *member, const char *target, const char *benchmark,
    int utc_offset_min, struct dbk_id *out, int *replaced,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* Add a review: the evaluation table's text columns for a period. */
int dbk_review_add(struct dbk_txn *t, const char *period, const char *member,
    const char *success, const char *problem, const char *action,
    int utc_offset_min, struct dbk_id *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/*
 * Compute an evaluation from the store as it is: period text, scope,
 * stalled threshold in days (0: 14).  The result points into the facts
 * (its reviews): free it with dbk_eval_free, then the facts.
 */
int dbk_eval_store(struct dbk_txn *t, const char *period,
    enum dbk_scope by, int stalled_days, int utc_offset_min,
    struct dbk_eval **out, struct dbk_facts **facts, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* ---- audited runs ---- */

struct dbk_evalrun {
	struct dbk_id id;
	const char *period, *by, *params, *metrics_version, *digest;
	const char *results;           /* canonical JSON (dbk_eval_json) */
	const char *signer;            /* identity "dbk1:..." */
	const char *member;            /* who ran it */
	int64_t at;                    /* when */
	size_t ninputs;
};

/* Run and store a signed evaluation; *out: its id. */
int dbk_evalrun_create(struct dbk_txn *t, const char *period,
    enum dbk_scope by, int stalled_days, int utc_offset_min,
    struct dbk_id *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Every stored run, oldest first; the run is borrowed until fn returns. */
typedef int (*dbk_evalrun_fn)(const struct dbk_evalrun *run, void *ctx);
int dbk_evalrun_list(struct dbk_txn *t, dbk_evalrun_fn fn, void *ctx,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* One run by id (resolve a prefix with dbk_resolve first); free with
 * dbk_evalrun_free. */
int dbk_evalrun_load(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_evalrun **out, struct dbk_error *err)
	__attribute__((warn_unused_result));
void dbk_evalrun_free(struct dbk_evalrun *run);

/* What verification found.  Changed inputs and results are listed as
 * text ("deal 5cc2b7c5 changed", "team/signed_amount: 4800000.00 ->
 * 4900000.00"); at most DBK_EVALRUN_MAXLIST of each, with counts. */
#define DBK_EVALRUN_MAXLIST 50
struct dbk_evalrun_check {
	int signature_ok;              /* 0: the run was altered or forged */
	int reproduced;                /* results recomputed equal */
	int digest_same;               /* the inputs are byte for byte the same */
	size_t ninputs_changed, nresults_changed;
	char *inputs_changed[DBK_EVALRUN_MAXLIST];
	char *results_changed[DBK_EVALRUN_MAXLIST];
};
/*
 * Check the run's signature (any change to a stored field, or the run
 * copied under another id, fails it: DBK_EINTEGRITY with a message), then
 * recompute.  0 when the check ran; *out says what it found.
 */
int dbk_evalrun_verify(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_evalrun_check *out, struct dbk_error *err)
	__attribute__((warn_unused_result));
void dbk_evalrun_check_free(struct dbk_evalrun_check *c);

#ifdef __cplusplus
}
#endif

#endif /* DEALBOOK_EVALRUN_H */
