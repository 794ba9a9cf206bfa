/*
 * dealbook/sheet.h -- the source document's template 1 (the sales process
 * tracking table) moving in from the spreadsheets teams keep today.
 *
 * A tracking file is CSV (RFC 4180) with one header row and one row per
 * interaction.  Headers are matched in traditional Chinese exactly as the
 * template has them, in simplified Chinese, or in English (case ignored);
 * "跟進階段(線索/意向/方案/談判/成交/服務)" matches as 跟進階段.  A header
 * may also name a custom field of customers, contacts or interactions by
 * its name or a label.  Any other header is an error: nothing is dropped
 * silently.
 *
 * Rows group into one customer per customer number (客戶編號; by name
 * when the number is empty), one contact per customer and contact name,
 * and one interaction per row.  A stage (跟進階段, in Chinese or English)
 * other than the customer's stage at that time moves it there, dated at
 * the row's contact time, with the stage gates recorded as overridden by
 * the import (a spreadsheet has no checklist answers).  Customer columns
 * take the values of the customer's last row in the file; a new customer
 * entered the pipeline at its earliest row's contact time.  A "next
 * action" that begins with a date ("5月17日提交...", "2024-05-17 ...")
 * also sets the action's due date.
 *
 * Importing the same file again adds nothing: an interaction with the
 * same customer, time and summary is already there, and customers and
 * contacts whose values are unchanged are not written.
 */
#ifndef DEALBOOK_SHEET_H
#define DEALBOOK_SHEET_H

#include <stddef.h>

#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dbk_sheet_encoding {
	DBK_SHEET_UTF8 = 0,	/* with or without a byte-order mark */
	DBK_SHEET_GBK,		/* Excel's "CSV" on Chinese Windows */
	DBK_SHEET_GB18030
};
/* "utf-8"/"utf8", "gbk"/"cp936", "gb18030" (case ignored). */
int dbk_sheet_encoding_parse(const char *s, enum dbk_sheet_encoding *out)
	__attribute__((warn_unused_result));

struct dbk_sheet_report {
	size_t rows;                 /* data rows read */
	size_t customers_added, customers_updated;
	size_t contacts_added, contacts_updated;
	size_t interactions_added;
	size_t duplicates;           /* rows whose interaction was there */
	size_t stage_changes;
	size_t late;                 /* interactions entered > 24 h after */
};

/*
 * Import a tracking file into the store in one write transaction; a dry
 * run reads and checks everything, counts what would change, and writes
 * nothing.  Any bad row fails the whole import with DBK_EINVAL and a
 * message naming the row (the spreadsheet's row number, the header being
 * row 1), the column as headed in the file and the value; nothing is
 * imported.  Other errors: DBK_EIO / DBK_ENOTFOUND (cannot read the
 * file), DBK_ENOKEY, DBK_ENOMEM, and those of the store.
 */
int dbk_sheet_import(struct dbk_store *s, const char *path,
    enum dbk_sheet_encoding enc, int dry_run, struct dbk_sheet_report *rep,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* ---- the template's columns, for exports ---- */
enum dbk_sheet_col {
	DBK_COL_CODE = 0, DBK_COL_NAME, DBK_COL_INDUSTRY, DBK_COL_CONTACT,
	DBK_COL_TITLE, DBK_COL_PHONE, DBK_COL_PAIN, DBK_COL_AT,
	DBK_COL_CHANNEL, DBK_COL_WITH, DBK_COL_SUMMARY, DBK_COL_FEEDBACK,
	DBK_COL_STAGE, DBK_COL_NEXT, DBK_COL_OWNER, DBK_COL_COUNT
};
/* A column's header in traditional Chinese (as the template) or
 * English. */
const char *dbk_sheet_header(enum dbk_sheet_col c, int zh);

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_SHEET_H */
