/*
 * gen.h -- the deterministic data generator shared by dbk-gen and
 * dbk-bench: a plan of a sales team's 2024 (customers, interactions,
 * stage changes, deals, payments) and a loader that enters it through
 * the public library API.
 *
 * Determinism: the plan and every field value are functions of the seed
 * and the sizes only (splitmix64, never rand()); record ids and field
 * versions are random and time-based and are not part of the logical
 * content.  Times are built in China Standard Time (UTC+8) and handed to
 * the library as UTC ("2024-05-10T06:30:00Z"), so the content does not
 * depend on the TZ of the machine.
 */
#ifndef DBK_TOOLS_GEN_H
#define DBK_TOOLS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/dealbook.h"

enum gen_kind {
	GEN_CUSTOMER = 0, GEN_INTERACTION, GEN_STAGE, GEN_DEAL, GEN_PAYMENT,
	GEN_KIND_COUNT
};

/* One thing a salesperson enters: `at` is when it happened, `entered`
 * when it was typed in (the store clock is set to it). */
struct gen_event {
	int64_t at;
	int64_t entered;
	uint32_t cust;   /* customer index, 0-based */
	uint32_t idx;    /* interaction, stage step or payment number */
	uint8_t kind;    /* enum gen_kind */
	uint8_t stage;   /* GEN_STAGE: target enum dbk_stage */
	uint8_t late;    /* GEN_INTERACTION: entered more than a day late */
	uint8_t pad;
};

struct gen_plan {
	uint64_t seed;
	uint32_t ncust;
	uint64_t ninter;
	struct gen_event *ev;        /* sorted by entered time */
	size_t nev;
	size_t count[GEN_KIND_COUNT]; /* events per kind */
	size_t nobjections;          /* objection records the load creates */
	size_t ncompetitors;         /* competitor records the load creates */
	size_t nlate;                /* interactions entered late */
};

/* Build the plan for `ncust` customers (1..999999) and `ninter`
 * interactions.  0, or -1 on bad sizes or out of memory. */
int gen_plan_build(uint64_t seed, uint32_t ncust, uint64_t ninter,
    struct gen_plan *out) __attribute__((warn_unused_result));
void gen_plan_free(struct gen_plan *p);

/* Records the load creates in the store, all types (customers, their
 * initial stage records, interactions, objections, competitors, stage
 * changes, deals, payments). */
size_t gen_plan_records(const struct gen_plan *p);

/* The input fields of one event, and the extra arguments the pipeline
 * calls take.  All strings live in `buf` (bounded by construction). */
#define GEN_MAX_FIELDS 16
#define GEN_MAX_CHECKS 4
struct gen_input {
	struct dbk_field f[GEN_MAX_FIELDS];
	size_t n;
	const char *obj;     /* GEN_INTERACTION: an objection, or NULL */
	const char *stage;   /* GEN_STAGE: target stage name */
	struct dbk_check checks[GEN_MAX_CHECKS];
	size_t nchecks;
	const char *amount;  /* GEN_DEAL, GEN_PAYMENT */
	const char *date;    /* GEN_DEAL signed on, GEN_PAYMENT received on */
	const char *when;    /* GEN_STAGE at */
	const char *note;    /* GEN_STAGE note, or NULL */
	char buf[3072];
	size_t used;
};

/* Fill `in` for event `e`.  0, or -1 if a value did not fit (a bug). */
int gen_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in) __attribute__((warn_unused_result));

struct gen_load_stats {
	size_t txns;     /* committed write transactions */
	size_t records;  /* records created (see gen_plan_records) */
	/* Wall time inside the API call of each kind of event, over the
	 * committed attempts only (a batch run again after a map growth
	 * counts once); the rest of a load is commits, retries, and
	 * building the inputs. */
	double kind_s[GEN_KIND_COUNT];
	size_t retries;   /* batches run again after the map filled up */
	double retry_s;   /* time spent in the attempts that were undone */
	double commit_s;  /* in dbk_store_write outside the batch callback:
			   * begin, commit (write-out and fsync), growth */
};

/*
 * Enter the whole plan into an open store, `batch` events per write
 * transaction (dbk_store_write: a full map is grown and the batch run
 * again).  The store clock is set to each event's entry time and reset
 * to wall time at the end.  Stage changes are forced (opts.force).
 * 0 or the library's status with `err` filled.
 */
int gen_load(struct dbk_store *s, const struct gen_plan *p, size_t batch,
    struct gen_load_stats *st, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Build every event's input without touching a store: the generator's
 * own share of a load.  Returns 0 or -1. */
int gen_dry_run(const struct gen_plan *p) __attribute__((warn_unused_result));

#endif /* DBK_TOOLS_GEN_H */
