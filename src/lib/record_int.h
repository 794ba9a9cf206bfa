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

#define DBKI_NSUMMARY 13
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
/* Create, optionally allowing system fields. */
int dbki_record_create(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_field *f, size_t n, int sys, struct dbk_id *out,
    struct dbk_error *err) DBK_WUR;

#endif
