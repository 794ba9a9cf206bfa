/*
 * csv.h -- an RFC 4180 reader for spreadsheets people save from Excel and
 * LibreOffice: UTF-8 with or without a byte-order mark, or GBK / GB18030
 * (Excel's "CSV" on Chinese Windows) converted to UTF-8 with iconv.
 *
 * Library-internal (dbki_): the csv import (csvimport.c) and the fuzz
 * harness use it.  It reads a file in bounded pieces, never the whole file
 * at once, so a 1M-row file costs a buffer, not its size.
 *
 * Accepted: fields separated by ',', records by CRLF, LF or a lone CR;
 * quoted fields ("...") may hold commas, line breaks and doubled quotes
 * ("").  A quote inside an unquoted field is kept as a character (Excel
 * writes none, people type them).  Text after a closing quote other than
 * a separator or a line break is an error (the row and column are named).
 * A last line without a line break is a record; an empty last line is not.
 * Blank lines (no characters at all) are skipped and do not count as rows
 * of data, but the reported line numbers stay those of the file.
 */
#ifndef DEALBOOK_CSV_H
#define DEALBOOK_CSV_H

#include <stddef.h>

#include "internal.h"

enum dbki_csv_enc {
	DBKI_CSV_UTF8 = 0,	/* with or without BOM; checked to be UTF-8 */
	DBKI_CSV_GBK,		/* CP936 as Excel writes it */
	DBKI_CSV_GB18030
};

/* Limits: a field longer than this, or a record with more fields, is an
 * error naming the line (not an allocation of whatever the file says). */
#define DBKI_CSV_MAX_FIELD  ((size_t)1 << 20)
#define DBKI_CSV_MAX_FIELDS 256

struct dbki_csv;

/* One record.  The strings are UTF-8, NUL-terminated, borrowed until the
 * next dbki_csv_next or dbki_csv_close. */
struct dbki_csv_row {
	char **field;
	size_t n;
	size_t line;	/* the file's line (1-based) where the record starts */
	size_t index;	/* 1-based count of records read, the header being 1 */
};

/*
 * Open path for reading.  "-" is not special.  Errors: DBK_EIO (cannot
 * open; message names the path and the reason), DBK_EINVAL (an encoding
 * iconv does not have), DBK_ENOMEM.  *out is set only on success.
 */
int dbki_csv_open(const char *path, enum dbki_csv_enc enc,
    struct dbki_csv **out, struct dbk_error *err) DBK_WUR;

/*
 * The same over bytes in memory (the fuzz harness, unit tests); data is
 * borrowed until dbki_csv_close.
 */
int dbki_csv_open_mem(const void *data, size_t len, enum dbki_csv_enc enc,
    struct dbki_csv **out, struct dbk_error *err) DBK_WUR;

/*
 * The next record: 1 and *row filled, 0 at the end of the file, or an
 * error: DBK_EINVAL naming the line and what is wrong.  The line is the
 * one where the record starts for an unclosed quote ("a quoted field is
 * not closed before the end of the file"), a field too long (counted in
 * bytes of UTF-8, after conversion) and too many fields; it is the line
 * of the bad byte for "not UTF-8 (save as 'CSV UTF-8', or give
 * --encoding gbk)", "not valid GBK text", a NUL byte and "text after a
 * closing quote in field M".  DBK_EIO (a read error), DBK_ENOMEM.  After
 * an error every later call returns the same error.  Rows of empty
 * fields (",,,," as Excel saves an empty row) are records: skipping them
 * is the caller's choice.
 */
int dbki_csv_next(struct dbki_csv *c, struct dbki_csv_row *row,
    struct dbk_error *err) DBK_WUR;

/* Bytes of the input consumed so far, and its size when known (0 when
 * not): for a progress line. */
void dbki_csv_progress(const struct dbki_csv *c, size_t *done, size_t *total);

/* Close; accepts NULL.  The field text is wiped before it is freed (it
 * may hold budgets and phone numbers). */
void dbki_csv_close(struct dbki_csv *c);

#endif
