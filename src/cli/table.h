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

/* Rows added so far, shown or not. */
size_t tbl_rows(const struct tbl *t);

/*
 * TBL_JSON, TBL_CSV, TBL_MD: write the start of the document to fp now,
 * and each row as tbl_add_row receives it (nothing is kept); tbl_print
 * then writes the end and flushes.  A long listing thus costs no memory
 * and shows its first rows at once.  TBL_TABLE needs every row for its
 * widths and ignores this.  Call before the first row.  0 or -1.
 */
int tbl_stream(struct tbl *t, FILE *fp, enum tbl_format f);

/*
 * Keep only the last n rows added (0: all, the default).  For a terminal
 * page of a long list.  tbl_shown: the rows tbl_print will show.
 */
void tbl_keep_last(struct tbl *t, size_t n);
int tbl_keeps_last(const struct tbl *t);
size_t tbl_shown(const struct tbl *t);

/* Reverse the kept rows (a list read newest first, shown oldest first). */
void tbl_reverse(struct tbl *t);

/* Some rows were left out: dropped by tbl_keep_last, or by the caller who
 * then called tbl_mark_partial. */
void tbl_mark_partial(struct tbl *t);
int tbl_partial(const struct tbl *t);

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
