/*
 * dealbook/record.h -- records: typed maps of fields, each field carrying
 * its own version (a hybrid logical clock and the replica that wrote it).
 *
 * Values cross this API as canonical strings:
 *   text      UTF-8 as entered
 *   int       decimal ("120")
 *   money     integer minor units in decimal ("50000000" = 500,000.00)
 *   date      "YYYY-MM-DD"
 *   datetime  Unix seconds in decimal ("1715299200")
 *   enums     canonical English names ("intent", "visit", "decision-maker")
 *   percent   integer 0..100
 *   bool      "1" or "0"
 *   ref       the full 32-hex-digit display id of another record
 * Input values are parsed leniently (see parse.h: "50万", "2024/5/10",
 * "意向", ...) and stored canonically.  Sensitive fields are encrypted a
 * second time with the team's restricted key.
 */
#ifndef DEALBOOK_RECORD_H
#define DEALBOOK_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dbk_type {
	DBK_T_CUSTOMER = 1, DBK_T_CONTACT, DBK_T_INTERACTION, DBK_T_OBJECTION,
	DBK_T_COMPETITOR, DBK_T_STAGE, DBK_T_DEAL, DBK_T_PAYMENT, DBK_T_GOAL,
	DBK_T_REVIEW, DBK_T_PLAN, DBK_T_EVALRUN, DBK_T_FIELDDEF, DBK_T_MEMBER,
	DBK_T_MAX = DBK_T_MEMBER
};

enum dbk_kind {
	DBK_K_TEXT = 0, DBK_K_INT, DBK_K_MONEY, DBK_K_DATE, DBK_K_DATETIME,
	DBK_K_STAGE, DBK_K_CHANNEL, DBK_K_ROLE, DBK_K_PRIORITY, DBK_K_PERCENT,
	DBK_K_BOOL, DBK_K_REF
};

#define DBK_F_SENSITIVE 0x01u /* encrypted with the restricted key */
#define DBK_F_REQUIRED  0x02u /* must be present at creation */
#define DBK_F_SYSTEM    0x04u /* set by the library, not by --set */
#define DBK_F_UNIQUE    0x08u /* indexed and unique (customer code) */
#define DBK_F_DERIVED   0x10u /* follows other records (a customer's stage
                                 follows its stage records): superseded
                                 values are not kept in history, the
                                 records they follow are */

struct dbk_fielddef {
	const char *name;
	enum dbk_kind kind;
	unsigned flags;
	const char *label_en;
	const char *label_zh;
};

/* A record id: 128 bits, 48-bit millisecond time then 80 random bits.
 * Shown to people as 32 hex digits with the random part first, so short
 * prefixes are unique like git's. */
struct dbk_id {
	uint8_t b[16];
};
#define DBK_ID_HEX 33 /* 32 digits + NUL */
void dbk_id_format(const struct dbk_id *id, char out[DBK_ID_HEX]);
int dbk_id_parse(const char *hex, struct dbk_id *out) __attribute__((warn_unused_result));
/* Milliseconds since the epoch at which the id was made. */
int64_t dbk_id_time_ms(const struct dbk_id *id);

/* Type names ("customer", ...) and their field tables. */
const char *dbk_type_name(enum dbk_type t);
int dbk_type_parse(const char *s, enum dbk_type *out) __attribute__((warn_unused_result));
/* The built-in fields of a type; *n receives the count. */
const struct dbk_fielddef *dbk_type_fields(enum dbk_type t, size_t *n);
/* A field's definition, or NULL when the type has no such field. */
const struct dbk_fielddef *dbk_field_lookup(enum dbk_type t, const char *name);

/* An input field for create/update: value NULL or "" clears it. */
struct dbk_field {
	const char *name;
	const char *value;
};

/* ---- decoded records ---- */
struct dbk_record;

/* Field states when reading. */
#define DBK_FS_PLAIN      0 /* value is readable */
#define DBK_FS_RESTRICTED 1 /* sensitive, and the restricted key is not held */

enum dbk_type dbk_record_type(const struct dbk_record *r);
const struct dbk_id *dbk_record_id(const struct dbk_record *r);
int dbk_record_deleted(const struct dbk_record *r);
size_t dbk_record_nfields(const struct dbk_record *r);
/* The i-th field, in name order.  *value is NULL when restricted.
 * Borrowed until dbk_record_free. */
void dbk_record_field_at(const struct dbk_record *r, size_t i,
    const char **name, const char **value, int *state);
/* One field's value: 0 and *value set; DBK_ENOTFOUND when absent;
 * DBK_ENOKEY when restricted (*value NULL). */
int dbk_record_get(const struct dbk_record *r, const char *name,
    const char **value);
/* Convenience: the value or NULL (absent or restricted). */
const char *dbk_record_str(const struct dbk_record *r, const char *name);
/* Version of a field: HLC and who wrote it. 0 or DBK_ENOTFOUND. */
int dbk_record_version(const struct dbk_record *r, const char *name,
    uint64_t *hlc, const char **member);
void dbk_record_free(struct dbk_record *r);

/* ---- reading ---- */

/* Load by id.  A tombstoned record loads too: check dbk_record_deleted.
 * Errors: DBK_ENOTFOUND, DBK_EINTEGRITY. */
int dbk_record_load(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_record **out, struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Resolve what a person typed to one live record of type `want` (0: any
 * type): a customer code, an id prefix of at least 4 hex digits, or for
 * customers a unique part of the name.  Errors: DBK_ENOTFOUND,
 * DBK_EAMBIG (the message lists candidates), DBK_EINVAL.
 */
int dbk_resolve(struct dbk_txn *t, enum dbk_type want, const char *ref,
    struct dbk_id *out, struct dbk_error *err) __attribute__((warn_unused_result));
/* The same, with flags: */
#define DBK_RESOLVE_DELETED 0x01u /* also removed records (by id, or a
                                     customer by the code it had) */
#define DBK_RESOLVE_EXACT   0x02u /* no name fragments: code, id prefix or
                                     the whole name (for rm) */
int dbk_resolve_ex(struct dbk_txn *t, enum dbk_type want, const char *ref,
    unsigned flags, struct dbk_id *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Call fn on every live record of a type, in id (creation) order; a
 * non-zero return from fn stops the walk and is returned.  The record is
 * freed after fn returns. */
typedef int (*dbk_record_fn)(struct dbk_record *r, void *ctx);
int dbk_record_foreach(struct dbk_txn *t, enum dbk_type type, dbk_record_fn fn,
    void *ctx, struct dbk_error *err) __attribute__((warn_unused_result));
/* The same over the live records of `type` that belong to customer
 * `parent` (its contacts, interactions, objections, stages, deals and
 * payments; a payment's deal is its "deal" field). */
int dbk_record_children(struct dbk_txn *t, const struct dbk_id *parent,
    enum dbk_type type, dbk_record_fn fn, void *ctx, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* ---- writing ---- */

/* Create a record from input fields (validated and normalised; required
 * fields checked).  Errors: DBK_EINVAL naming field and value, DBK_EEXIST
 * for a taken customer code, DBK_ENOKEY. */
int dbk_record_create(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_field *f, size_t n, struct dbk_id *out,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* Set fields; unchanged values are skipped; superseded values go to the
 * history.  *changed (may be NULL) counts fields changed. */
int dbk_record_update(struct dbk_txn *t, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, size_t *changed,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* Same, but also allows DBK_F_SYSTEM fields (library-internal use and
 * trusted tools). */
int dbk_record_update_sys(struct dbk_txn *t, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, size_t *changed,
    struct dbk_error *err) __attribute__((warn_unused_result));
/* Tombstone a record (never a physical delete). */
int dbk_record_delete(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* ---- history ---- */
struct dbk_version {
	const char *field;
	const char *value;   /* NULL when restricted or cleared */
	int state;           /* DBK_FS_* */
	uint64_t hlc;        /* when written: hlc >> 16 is Unix milliseconds */
	const char *member;  /* who wrote it */
	const char *replica; /* on which laptop: 16 hex digits */
	int current;         /* 1 for the value in force */
};
typedef int (*dbk_version_fn)(const struct dbk_version *v, void *ctx);
/* Every version of every field, grouped by field name, oldest first. */
int dbk_history(struct dbk_txn *t, const struct dbk_id *id, dbk_version_fn fn,
    void *ctx, struct dbk_error *err) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_RECORD_H */
