/*
 * table.h -- the CLI's output renderer: rows of text cells printed as an
 * aligned table, JSON, CSV or a markdown table.
 */
#ifndef DEALBOOK_CLI_TABLE_H
#define DEALBOOK_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum tbl_format { TBL_TABLE, TBL_JSON, TBL_CSV, TBL_MD };

struct tbl;

/*
 * keys: machine names for JSON and CSV; heads: human headings for table
 * and markdown (NULL heads means use the keys).  The strings are copied.
 * NULL on ENOMEM, or when ncols is 0 or keys is NULL.
 */
struct tbl *tbl_new(size_t ncols, const char *const keys[],
    const char *const heads[]);

/* ncols values, a NULL value means empty (JSON null); copied.  0, or -1
 * on ENOMEM (the table is then unchanged). */
int tbl_add_row(struct tbl *t, const char *const values[]);

size_t tbl_rows(const struct tbl *t);

/*
 * TBL_TABLE: headings, a line of '-' per column, then the rows; columns
 * padded by display width, two spaces apart, no trailing blanks, nothing
 * truncated.  Control characters show as one space each in TBL_TABLE and
 * TBL_MD (JSON and CSV carry them verbatim, escaped or quoted).
 * TBL_JSON: one array of objects keyed in column order, then a newline.
 * TBL_CSV: RFC 4180 with a header row of keys, lines ending in "\n".
 * TBL_MD: a GitHub table with the headings, '|' escaped as "\|".
 * Flushes fp.  0, or -1 on a write error or ENOMEM.
 */
int tbl_print(const struct tbl *t, FILE *fp, enum tbl_format f);

/* Accepts NULL. */
void tbl_free(struct tbl *t);

/* "table", "json", "csv" or "md" (ASCII case-insensitive).  0 or -1. */
int tbl_parse_format(const char *s, enum tbl_format *out);

#endif /* DEALBOOK_CLI_TABLE_H */
