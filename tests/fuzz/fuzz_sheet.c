/*
 * fuzz_sheet.c -- the tracking-table import (dealbook/sheet.h,
 * src/lib/sheet.c) behind the CSV reader: the header's column matching
 * (traditional, simplified, English, "(...)" tails, custom fields by name
 * or label), the check of every row (texts, times, channels, stages,
 * custom values), the grouping of rows into customers and contacts, and
 * the writes: customers, contacts, interactions with their due dates,
 * stage changes, duplicates.
 *
 * The first byte picks the encoding (0 UTF-8, 1 GBK, 2 GB18030, modulo
 * 3), the rest is the file, written to the scratch directory and imported
 * into the scratch store as a dry run (never committed: every input
 * starts from the same store).  Every 16th input is also imported for
 * real into a second store, which keeps what earlier inputs wrote (so
 * rows meet customers, contacts and interactions already there) and is
 * made anew when it passes STORE2_MAX bytes.  Both stores' clocks stand
 * at 2030-01-01, so dated rows lie in the past, and both define a choice
 * field on customers (label 增值服務需求) and a number field on
 * interactions, so custom columns are read too.
 *
 * Beyond not crashing: the status is 0 or a DBK_E* code; a failure has a
 * one-line message and its code; a successful import counts no more
 * customers, interactions plus duplicates, or stage changes than rows;
 * after a real import, the same file again (a dry run) adds no customer,
 * contact or interaction.
 */
#include "fuzz.h"

/* 2030-01-01 00:00:00 UTC. */
#define FZ_SHEET_NOW INT64_C(1893456000)
/* The real-import store is made anew past this size of data.mdb. */
#define STORE2_MAX ((off_t)4 << 20)
/* One input in this many is also imported for real. */
#define REAL_EVERY 16

static char spath[64];		/* the input as a file */
static struct dbk_store *s2;	/* the real imports' store */
static unsigned s2_gen;
static char s2_path[64];

static int
define_cb(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	static const struct dbk_custom_spec sp[] = {
		{ DBK_T_CUSTOMER, "service_need", DBK_CK_CHOICE,
		    "基礎維護,進階支援,駐場服務,none", "增值服務需求",
		    "Value-added services", 0 },
		{ DBK_T_INTERACTION, "est_amount", DBK_CK_NUMBER, NULL,
		    "預估金額", "Estimated amount", 0 },
	};
	struct dbk_id id;
	int rc;

	(void)ctx;
	for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
		if ((rc = dbk_custom_add(t, &sp[i], &id, err)) != 0)
			return rc;
	return 0;
}

/* The clock and the custom fields, on a new store. */
static void
prepare(struct dbk_store *s)
{
	struct dbk_error err = { 0 };

	dbk_store_set_clock(s, FZ_SHEET_NOW);
	if (dbk_store_write(s, define_cb, NULL, &err) != 0)
		fz_die("custom fields: %s", err.msg ? err.msg : "?");
}

/* The real imports' store: made on first use, and anew when it grew. */
static struct dbk_store *
store2(void)
{
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { "fuzzer", NULL, NULL, DBK_KDF_TEST,
	    FZ_SHEET_NOW };
	char db[96];
	struct stat st;

	if (s2 != NULL) {
		snprintf(db, sizeof db, "%s/data.mdb", s2_path);
		if (stat(db, &st) != 0 || st.st_size <= STORE2_MAX)
			return s2;
		dbk_store_close(s2);
		s2 = NULL;
		if (nftw(s2_path, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
			fz_die("removing %s", s2_path);
	}
	snprintf(s2_path, sizeof s2_path, "%s/store2-%u", fz_dir, s2_gen++);
	if (dbk_store_create(s2_path, FZ_PASS, strlen(FZ_PASS), &o, &err) != 0 ||
	    dbk_store_open(s2_path, FZ_PASS, strlen(FZ_PASS), &s2, &err) != 0)
		fz_die("store2: %s", err.msg ? err.msg : "?");
	prepare(s2);
	return s2;
}

static void
check(int rc, const struct dbk_error *err, const struct dbk_sheet_report *rep,
    const char *what)
{
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s: %d %s (rows %zu, customers +%zu ~%zu, "
		    "contacts +%zu ~%zu, interactions +%zu, duplicates %zu, "
		    "stages %zu, late %zu)\n", what, rc,
		    err->msg ? err->msg : "ok", rep->rows, rep->customers_added,
		    rep->customers_updated, rep->contacts_added,
		    rep->contacts_updated, rep->interactions_added,
		    rep->duplicates, rep->stage_changes, rep->late);
	/* DBK_ECRYPTO is the last code in dealbook/error.h. */
	if (rc > 0 || rc < DBK_ECRYPTO)
		fz_die("%s: status %d is not a DBK_E* code", what, rc);
	if (rc != 0) {
		if (err->msg == NULL)
			fz_die("%s: failed (%d) without a message", what, rc);
		if (strchr(err->msg, '\n') != NULL)
			fz_die("%s: the message is not one line: %s", what,
			    err->msg);
		if (err->code != rc)
			fz_die("%s: returned %d, the error says %d (%s)", what, rc,
			    err->code, err->msg);
		return;
	}
	if (rep->interactions_added + rep->duplicates > rep->rows)
		fz_die("%s: %zu interactions added + %zu duplicates > %zu rows",
		    what, rep->interactions_added, rep->duplicates, rep->rows);
	if (rep->customers_added > rep->rows)
		fz_die("%s: %zu customers added > %zu rows", what,
		    rep->customers_added, rep->rows);
	if (rep->stage_changes > rep->rows)
		fz_die("%s: %zu stage changes > %zu rows", what,
		    rep->stage_changes, rep->rows);
}

/*
 * The same file once more, as a dry run, after it was imported for real:
 * sheet.h promises it adds nothing (no customer, contact or interaction;
 * a stage may still move, when two groups of rows are one customer).  It
 * may fail where the first import did not (a customer by name is now
 * found twice): only a success is checked.
 */
static void
again(enum dbk_sheet_encoding enc)
{
	struct dbk_sheet_report rep;
	struct dbk_error err = { 0 };
	int rc;

	memset(&rep, 0, sizeof rep);
	rc = dbk_sheet_import(s2, spath, enc, 1, &rep, &err);
	check(rc, &err, &rep, "again");
	dbk_error_clear(&err);
	if (rc == 0 && (rep.customers_added != 0 || rep.contacts_added != 0 ||
	    rep.interactions_added != 0))
		fz_die("the same file again adds %zu customers, %zu contacts, "
		    "%zu interactions", rep.customers_added, rep.contacts_added,
		    rep.interactions_added);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dbk_sheet_encoding encs[3] = { DBK_SHEET_UTF8,
		DBK_SHEET_GBK, DBK_SHEET_GB18030 };
	static unsigned long count;
	struct dbk_store *s = fz_store(NULL);
	struct dbk_sheet_report rep;
	struct dbk_error err = { 0 };
	enum dbk_sheet_encoding enc;
	FILE *fp;
	int rc;

	if (spath[0] == '\0') {
		prepare(s);
		snprintf(spath, sizeof spath, "%s/sheet.csv", fz_dir);
	}
	if (size == 0)
		return 0;
	enc = encs[data[0] % 3];
	if ((fp = fopen(spath, "wb")) == NULL ||
	    (size > 1 && fwrite(data + 1, 1, size - 1, fp) != size - 1) ||
	    fclose(fp) != 0)
		fz_die("writing %s", spath);

	memset(&rep, 0, sizeof rep);
	rc = dbk_sheet_import(s, spath, enc, 1, &rep, &err);
	check(rc, &err, &rep, "dry run");
	dbk_error_clear(&err);

	if (count++ % REAL_EVERY == 0) {
		memset(&rep, 0, sizeof rep);
		rc = dbk_sheet_import(store2(), spath, enc, 0, &rep, &err);
		check(rc, &err, &rep, "import");
		dbk_error_clear(&err);
		if (rc == 0)
			again(enc);
	}
	return 0;
}
