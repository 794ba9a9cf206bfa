/*
 * dealbook/field.h -- custom fields: record dimensions a team adds as its
 * business changes (the source document's "add a record item such as the
 * customer's need for value-added services"), without a migration.
 *
 * A custom field is a `fielddef` record: the record type it belongs to,
 * a name, a kind (text, number, date, bool, choice), optional choices,
 * labels in Chinese and English, whether it is sensitive, and whether it
 * is retired.  Being a record, it travels in bundles like any other.
 *
 * Values live in the records themselves under a reserved field name:
 * "x." NAME for a plain field and "x!" NAME for a sensitive one.  The
 * mark is part of the stored name, so every replica seals and opens the
 * value the same way even before the definition reaches it; sensitive
 * values are sealed with the team's restricted key like budgets.
 * A definition's kind and sensitivity never change; retiring hides the
 * field from entry and keeps every value.
 *
 * Input (dbk_record_create/update, "--set NAME=VALUE") names a custom
 * field by its name or by either label; values are checked against the
 * kind and kept in canonical form: numbers as plain decimals ("-1234.5"),
 * dates as YYYY-MM-DD, bools as "yes"/"no", a choice as defined.
 */
#ifndef DEALBOOK_FIELD_H
#define DEALBOOK_FIELD_H

#include "dealbook/record.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dbk_ckind {
	DBK_CK_TEXT = 0, DBK_CK_NUMBER, DBK_CK_DATE, DBK_CK_BOOL, DBK_CK_CHOICE,
	DBK_CK_COUNT
};
/* "text", "number", ...; parse accepts those names only. */
const char *dbk_ckind_name(enum dbk_ckind k);
int dbk_ckind_parse(const char *s, enum dbk_ckind *out)
	__attribute__((warn_unused_result));

/* Record types that take custom fields: customer, contact, interaction,
 * deal. */
int dbk_custom_type_ok(enum dbk_type t);

/* Stored-name marks. */
#define DBK_CUSTOM_PLAIN     "x."
#define DBK_CUSTOM_SENSITIVE "x!"
/* Is `field` a custom field's stored name?  Returns a pointer to the
 * custom name inside it, or NULL. */
const char *dbk_custom_stored_name(const char *field);

struct dbk_custom {
	struct dbk_id id;       /* the fielddef record */
	enum dbk_type of;
	const char *name;       /* "service_need" */
	const char *stored;     /* "x.service_need" or "x!service_need" */
	enum dbk_ckind kind;
	const char *choices;    /* "basic,premium", or NULL */
	const char *label_zh;   /* may be NULL */
	const char *label_en;   /* may be NULL */
	int sensitive;
	int retired;
};

struct dbk_custom_spec {
	enum dbk_type of;
	const char *name;
	enum dbk_ckind kind;
	const char *choices;    /* required for choice, refused otherwise */
	const char *label_zh, *label_en;
	int sensitive;
};

/*
 * Define a custom field.  The name is 1 to 32 of [a-z0-9_] starting with
 * a letter, not a built-in field of the type; labels are 1 to 64 bytes of
 * text without control characters and may not be another field's name or
 * label on the same type.  Choices: comma-separated, 1 to 64 of them,
 * none empty or repeated.  Errors: DBK_EINVAL naming the bad value,
 * DBK_EEXIST when the type already has the name (live or retired).
 */
int dbk_custom_add(struct dbk_txn *t, const struct dbk_custom_spec *spec,
    struct dbk_id *out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/*
 * Retire a field named by name or label; `of` 0 means any type, and a
 * name defined on several types is then DBK_EAMBIG (the message names
 * them).  Retiring a retired field is DBK_EINVAL.  DBK_ENOTFOUND.
 */
int dbk_custom_retire(struct dbk_txn *t, enum dbk_type of, const char *name,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Every custom field, retired ones too, in the order they were defined
 * (when two laptops defined the same name, the first defined wins and
 * the other is not listed).  Borrowed until the transaction ends or a
 * definition changes in it.
 */
int dbk_custom_list(struct dbk_txn *t, const struct dbk_custom **out,
    size_t *n, struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * The custom field of type `of` called `name` (its name, Chinese label,
 * English label with ASCII case ignored, or its stored name), or NULL.  Retired fields are found
 * too.  Borrowed like dbk_custom_list's.
 */
const struct dbk_custom *dbk_custom_find(struct dbk_txn *t, enum dbk_type of,
    const char *name);
/* The definition behind a stored field name ("x.NAME"), or NULL. */
const struct dbk_custom *dbk_custom_by_stored(struct dbk_txn *t,
    enum dbk_type of, const char *stored);

/* Check and canonicalise a value for a custom field: 0 and *out
 * (malloc'd), or DBK_EINVAL naming the field and the value. */
int dbk_custom_normalize(struct dbk_txn *t, const struct dbk_custom *c,
    const char *in, char **out, struct dbk_error *err)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_FIELD_H */
