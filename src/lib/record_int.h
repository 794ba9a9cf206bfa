/* record_int.h -- record internals shared inside the library. */
#ifndef DEALBOOK_RECORD_INT_H
#define DEALBOOK_RECORD_INT_H

#include "buf.h"
#include "internal.h"

struct rfield {
	char *name;
	char *value;   /* plaintext, or NULL when absent or restricted */
	char *sealed;  /* stored form of a sensitive field */
	uint64_t hlc;
	uint16_t rep;  /* index into the record's replica table */
	int state;     /* DBK_FS_* */
};

struct dbk_record {
	struct dbk_store *s;
	enum dbk_type type;
	struct dbk_id id;
	struct rfield *f;   /* sorted by name */
	size_t n, cap;
	uint8_t (*reps)[8];
	size_t nreps;
};

#define DBKI_NSUMMARY 14
extern const char *const dbki_summary_fields[DBKI_NSUMMARY];
/* A customer's list summary from its record (record.c), and the list
 * index that holds them (summary.c). */
void dbki_summary_build(const struct dbk_record *r, struct dbki_buf *b);
int dbki_summary_put(struct dbk_txn *t, const struct dbk_record *r,
    struct dbk_error *err) DBK_WUR;
/* A copy of the customer's summary (malloc'd), or DBK_ENOTFOUND. */
int dbki_summary_get(struct dbk_txn *t, const uint8_t id[16], uint8_t **bytes,
    size_t *len, struct dbk_error *err) DBK_WUR;
/* Check one block (key, plaintext): -1 malformed, else the number of
 * entries naming no customer (exists(ctx, id) says). */
int dbki_summary_check_block(const uint8_t *key, size_t klen,
    const uint8_t *p, size_t n, int (*exists)(void *, const uint8_t *),
    void *ctx);

/*
 * The fact index (DBI_FACT): what the effect review reads of each
 * interaction, stage change, deal, payment and objection, the fields
 * dbki_fact_fields names joined by 0x1f (sensitive ones sealed), in
 * blocks per kind like the customer list.  A removed record keeps its
 * entry with _del set.
 */
#define DBKI_NFACT 6
/* The fields of type t's facts, NULL-padded; NULL when t has none. */
const char *const *dbki_fact_fields(enum dbk_type t);
void dbki_fact_build(const struct dbk_record *r, struct dbki_buf *b);
int dbki_fact_put(struct dbk_txn *t, const struct dbk_record *r,
    struct dbk_error *err) DBK_WUR;
int dbki_fact_get(struct dbk_txn *t, enum dbk_type type, const uint8_t id[16],
    uint8_t **bytes, size_t *len, struct dbk_error *err) DBK_WUR;
/* Walk type's facts in id order; parts are the fields (NULL when empty),
 * borrowed until fn returns; a non-zero return from fn stops the walk. */
typedef int (*dbki_fact_fn)(const uint8_t id[16], const char *const *parts,
    void *ctx);
int dbki_fact_walk(struct dbk_txn *t, enum dbk_type type, dbki_fact_fn fn,
    void *ctx, struct dbk_error *err) DBK_WUR;
int dbki_fact_check_block(const uint8_t *key, size_t klen, const uint8_t *p,
    size_t n, int (*exists)(void *, enum dbk_type, const uint8_t *),
    void *ctx);
/* Fill DBI_FACT from the records and rewrite every customer summary (a
 * store made before the fact index and the summaries' priority). */
int dbki_fact_rebuild(struct dbk_txn *t, struct dbk_error *err) DBK_WUR;

/* The index of customer id in facts gathered by dbk_eval_facts, or -1. */
struct dbk_facts;
long dbki_facts_customer(const struct dbk_facts *f, const struct dbk_id *id);

/* Values too large for a record, kept under its id and a tag (blob.c);
 * the reader checks them against a hash in the record.  get returns a
 * NUL-terminated copy (free with dbki_free_plain(p, len + 1)), or
 * DBK_ENOTFOUND. */
int dbki_blob_put(struct dbk_txn *t, const uint8_t id[16], uint8_t tag,
    const void *data, size_t len, struct dbk_error *err) DBK_WUR;
int dbki_blob_get(struct dbk_txn *t, const uint8_t id[16], uint8_t tag,
    uint8_t **out, size_t *outlen, struct dbk_error *err) DBK_WUR;

/*
 * Merge a record state that came from another replica (the stored JSON
 * form, with every field's HLC and replica): per field, the higher
 * (HLC, replica id, value hash) wins and the loser goes to history; a
 * record not here yet is taken whole.  Indexes, summaries, facts and an
 * "import" audit entry follow.  Counts are added to mc.
 */
struct dbki_merge_counts {
	size_t added, updated, conflicts, tombstoned, quarantined;
};
int dbki_record_merge(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len,
    struct dbki_merge_counts *mc, struct dbk_error *err) DBK_WUR;
/* A record's stored form without its sensitive fields (a bundle's). */
int dbki_record_encode_shared(struct dbk_store *s, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len,
    struct dbki_buf *b, struct dbk_error *err) DBK_WUR;
/* The same from a record already decoded (with or without its
 * sensitive fields opened): export needs each record's versions too, and
 * decoding it twice was half the cost of a record. */
int dbki_record_encode_shared_decoded(const struct dbk_record *r,
    struct dbki_buf *b) DBK_WUR;
/* A record's replica-independent state (fields, values, HLCs, writers). */
int dbki_record_canonical(const struct dbk_record *r, struct dbki_buf *b) DBK_WUR;

void dbki_id_new(struct dbk_store *s, struct dbk_id *id);
const char *dbki_replica_member(struct dbk_store *s, const uint8_t rep[8]);
int dbki_record_encode(const struct dbk_record *r, struct dbki_buf *b) DBK_WUR;
int dbki_record_decode(struct dbk_store *s, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len, int open_sensitive,
    struct dbk_record **out, struct dbk_error *err) DBK_WUR;
int dbki_record_load(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_id *id, struct dbk_record **out, struct dbk_error *err) DBK_WUR;
int dbki_record_update_loaded(struct dbk_txn *t, struct dbk_record *r,
    const struct dbk_field *f, size_t n, int sys, size_t *changed,
    struct dbk_error *err) DBK_WUR;
/* The customer-code index (resolve.c): claim `code` for r (DBK_EEXIST
 * when another customer has it) or release it. */
int dbki_code_claim(struct dbk_txn *t, const struct dbk_record *r,
    const char *code, struct dbk_error *err) DBK_WUR;
int dbki_code_release(struct dbk_txn *t, const char *code,
    struct dbk_error *err) DBK_WUR;
/* The live customer holding `code`: 0, or DBK_ENOTFOUND. */
int dbki_code_lookup(struct dbk_txn *t, const char *code, struct dbk_id *out,
    struct dbk_error *err) DBK_WUR;
/* Every record of a type in id order; all: tombstones and records of
 * removed customers too (dbk_record_foreach is this without them). */
int dbki_record_walk(struct dbk_txn *t, enum dbk_type type, int all,
    dbk_record_fn fn, void *ctx, struct dbk_error *err) DBK_WUR;
/* An evaluation run's blobs in a bundle (evalrun.c): appended after its
 * record by export; taken by import when they hash to what the run
 * signed (*taken). */
int dbki_evalrun_export_blobs(struct dbk_txn *t, const struct dbk_id *id,
    struct dbki_buf *b, struct dbk_error *err) DBK_WUR;
struct cJSON;
int dbki_evalrun_import_blob(struct dbk_txn *t, const struct cJSON *o,
    int *taken, struct dbk_error *err) DBK_WUR;
/* What a record's signature covers (roster members, evaluation runs):
 * ctx and its NUL, the record id, then per field in the order given:
 * name NUL || length (u64 LE; all ones when absent) || bytes.  -1 out
 * of memory. */
int dbki_record_signed_bytes(const struct dbk_record *r, const char *ctx,
    const char *const *fields, size_t n, struct dbki_buf *b);
/* Seal r's epoch-0 sensitive values again under the current key,
 * versions unchanged (record.c; a store joining its team). */
int dbki_record_reseal(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_id *id, struct dbk_error *err) DBK_WUR;
/* Create, optionally allowing system fields. */
int dbki_record_create(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_field *f, size_t n, int sys, struct dbk_id *out,
    struct dbk_error *err) DBK_WUR;

#endif
