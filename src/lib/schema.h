/* schema.h -- library-internal schema helpers (schema.c). */
#ifndef DEALBOOK_SCHEMA_H
#define DEALBOOK_SCHEMA_H

#include "internal.h"

#define DBKI_MAX_TEXT ((size_t)1 << 20)

/* The field that names the owning record ("customer"), or NULL. */
const char *dbki_type_parent_field(enum dbk_type t);
/* Validate and canonicalise one input value for a field (record.h). */
/* sys: the library's own call, which may pass "@<seconds>".  Moments
 * (datetime fields: when something happened or was entered) may not lie
 * more than DBKI_FUTURE_SLACK seconds in the future. */
#define DBKI_FUTURE_SLACK (10 * 60)
int dbki_normalize(struct dbk_store *s, const struct dbk_fielddef *fd,
    const char *in, int sys, char **out, struct dbk_error *err) DBK_WUR;

/* UTF-8 text without control characters (tab and line breaks allowed),
 * at most max bytes. */
int dbki_valid_text(const char *s, size_t max);
/* A field's definition as far as storage cares (kind, sensitivity):
 * the built-in one, or for a custom field's stored name ("x.NAME",
 * "x!NAME") a plain or sensitive text field; NULL for anything else. */
const struct dbk_fielddef *dbki_field_def(enum dbk_type t, const char *name);

/* The tracking table column a spreadsheet header names (sheet.c), or
 * -1. */
int dbki_sheet_column(const char *header);

#endif
