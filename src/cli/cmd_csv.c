/*
 * cmd_csv.c -- the source document's two templates as spreadsheets:
 *
 *   csv import FILE            template 1 (tracking) rows into the store
 *   csv export tracking        template 1 from the store
 *   csv export evaluation P    template 2 for a period (csv_eval.c)
 *
 * Files are written as Excel and LibreOffice open them without asking:
 * UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting, and a
 * cell a spreadsheet would run as a formula defused with an apostrophe.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* ---- writing ---- */

void
cli_csv_cell(FILE *fp, const char *s, int first)
{
	const char *q;

	if (!first)
		fputc(',', fp);
	if (s == NULL)
		return;
	/* OWASP's advice against formula injection; csv import takes the
	 * apostrophe off again. */
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		fputc('\'', fp);
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
	    (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	while ((q = strchr(s, '"')) != NULL) {
		fwrite(s, 1, (size_t)(q - s) + 1, fp);
		fputc('"', fp);
		s = q + 1;
	}
	fputs(s, fp);
	fputc('"', fp);
}

void
cli_csv_row(FILE *fp, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_csv_cell(fp, cells[i], i == 0);
	fputs("\r\n", fp);
}

void
cli_csv_bom(FILE *fp)
{
	fputs("\xef\xbb\xbf", fp);
}

/* ---- import ---- */

static int
exec_csv_import(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct dbk_sheet_report r;
	enum dbk_sheet_encoding enc = DBK_SHEET_UTF8;
	const char *es = opt_get(e, ov, "encoding");
	int dry = opt_has(e, ov, "dry-run"), rc;

	(void)npos;
	if (es != NULL && dbk_sheet_encoding_parse(es, &enc) != 0)
		return cli_error(5, "invalid encoding '%s' (expected utf-8, gbk or "
		    "gb18030)", es);
	dbk_store_set_progress(c->store, cli_progress, NULL);
	rc = dbk_sheet_import(c->store, pos[0], enc, dry, &r, &c->err);
	dbk_store_set_progress(c->store, NULL, NULL);
	if (rc != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		printf("{\"file\":");
		cli_json_string(stdout, pos[0]);
		printf(",\"dry_run\":%s,\"rows\":%zu,\"customers_added\":%zu,"
		    "\"customers_updated\":%zu,\"contacts_added\":%zu,"
		    "\"contacts_updated\":%zu,\"interactions_added\":%zu,"
		    "\"duplicates\":%zu,\"stage_changes\":%zu,\"late\":%zu}\n",
		    dry ? "true" : "false", r.rows, r.customers_added,
		    r.customers_updated, r.contacts_added, r.contacts_updated,
		    r.interactions_added, r.duplicates, r.stage_changes, r.late);
		return 0;
	}
	if (c->zh) {
		printf("%s%s：%zu 行；客戶 新增 %zu、更新 %zu；聯系人 新增 %zu、"
		    "更新 %zu；溝通記錄 新增 %zu、已存在 %zu；階段變更 %zu\n",
		    dry ? "試導入（未寫入）" : "已導入 ", pos[0], r.rows,
		    r.customers_added, r.customers_updated, r.contacts_added,
		    r.contacts_updated, r.interactions_added, r.duplicates,
		    r.stage_changes);
		if (r.late > 0)
			printf("%zu 條溝通記錄在溝通後超過 24 小時才錄入，已標記為逾時"
			    "錄入（見 audit）\n", r.late);
	} else {
		printf("%s %s: %zu rows; customers %zu added, %zu updated; "
		    "contacts %zu added, %zu updated; interactions %zu added, %zu "
		    "already there; %zu stage changes\n",
		    dry ? "dry run, nothing written:" : "imported", pos[0], r.rows,
		    r.customers_added, r.customers_updated, r.contacts_added,
		    r.contacts_updated, r.interactions_added, r.duplicates,
		    r.stage_changes);
		if (r.late > 0)
			printf("%zu interactions entered more than 24 hours after "
			    "they happened are flagged late (see 'dealbook audit')\n",
			    r.late);
	}
	return 0;
}

static const struct opt csv_import_opts[] = {
	{ "encoding", "ENC", 0, "utf-8 (the default, with or without BOM), "
	    "gbk or gb18030 (Excel's CSV on Chinese Windows)" },
	{ "dry-run", NULL, 0, "check every row and count what would change; "
	    "write nothing" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_csv_import = {
	"csv", "import", "<file>", 1, 1, csv_import_opts, CMD_STORE,
	"import a sales process tracking table (template 1) from a CSV file: "
	"all rows or none",
	"dealbook csv import 跟蹤表.csv --encoding gbk --dry-run",
	exec_csv_import
};

/* ---- export tracking ---- */

struct tr_ctx {
	struct cli *c;
	const char *ref;
	int zh, reveal;
	FILE *fp;
	/* custom columns: customer, contact, interaction */
	const struct dbk_custom *cc[3][64];
	size_t ncc[3];
	struct dbk_list contacts, stages, inters;
	int oom;
	size_t rows;
};

static int
collect_cb(struct dbk_record *r, void *ctx)
{
	struct dbk_list *l = ctx;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct dbk_record **nr = realloc(l->r, nc * sizeof *nr);
		if (nr == NULL)
			return DBK_ENOMEM;
		l->r = nr;
		l->cap = nc;
	}
	l->r[l->n++] = r;
	return 0;
}

static int64_t
rec_at(const struct dbk_record *r)
{
	return dbk_event_time(r);
}

/* Time order; at the same moment, the order they were entered in (a
 * customer's lead stage and its first move can share a moment). */
static int
by_time(const void *a, const void *b)
{
	const struct dbk_record *ra = *(struct dbk_record *const *)a;
	const struct dbk_record *rb = *(struct dbk_record *const *)b;
	int64_t x = rec_at(ra), y = rec_at(rb);
	uint64_t ha = 0, hb = 0;

	if (x != y)
		return (x > y) - (x < y);
	/* Entered later means a later version (an HLC never goes back). */
	const char *who;

	(void)dbk_record_version(ra, "created", &ha, &who);
	(void)dbk_record_version(rb, "created", &hb, &who);
	if (ha != hb)
		return (ha > hb) - (ha < hb);
	return memcmp(dbk_record_id(ra)->b, dbk_record_id(rb)->b, 16);
}

/* Customers by number, those without one after them by name. */
static int
by_code(const void *a, const void *b)
{
	const struct dbk_record *ra = *(struct dbk_record *const *)a;
	const struct dbk_record *rb = *(struct dbk_record *const *)b;
	const char *ca = dbk_record_str(ra, "code"), *cb = dbk_record_str(rb,
	    "code");
	const char *na = dbk_record_str(ra, "name"), *nb = dbk_record_str(rb,
	    "name");
	int d;

	if ((ca == NULL) != (cb == NULL))
		return ca == NULL ? 1 : -1;
	if (ca != NULL && (d = strcmp(ca, cb)) != 0)
		return d;
	if ((d = strcmp(na ? na : "", nb ? nb : "")) != 0)
		return d;
	return memcmp(dbk_record_id(ra)->b, dbk_record_id(rb)->b, 16);
}

/* A moment for the sheet: the date alone at local midnight. */
static void
sheet_time(const char *secs, char out[17])
{
	int64_t v;

	out[0] = '\0';
	if (secs == NULL || dbk_parse_int(secs, INT64_MIN, INT64_MAX, &v) != 0)
		return;
	dbk_format_datetime(v, out);
	if (strcmp(out + 11, "00:00") == 0)
		out[10] = '\0';
}

static const char *
custom_head(const struct tr_ctx *x, const struct dbk_custom *cd)
{
	if (x->zh && cd->label_zh != NULL)
		return cd->label_zh;
	if (!x->zh && cd->label_en != NULL)
		return cd->label_en;
	return cd->name;
}

/* The value of a custom field for the sheet: sensitive ones only with
 * --reveal (the column is left out otherwise). */
static const char *
custom_val(const struct dbk_record *r, const struct dbk_custom *cd)
{
	return r != NULL ? dbk_record_str(r, cd->stored) : NULL;
}

static void
list_clear(struct dbk_list *l)
{
	dbk_list_free(l);
	memset(l, 0, sizeof *l);
}

/* The walkers free the records they pass: keep copies by loading. */
struct keep {
	struct dbk_txn *t;
	struct dbk_list *l;
	struct dbk_error *err;
};

static int
keep_cb(struct dbk_record *r, void *ctx)
{
	struct keep *k = ctx;
	struct dbk_record *own = NULL;
	int rc;

	if ((rc = dbk_record_load(k->t, dbk_record_id(r), &own, k->err)) != 0)
		return rc;
	if ((rc = collect_cb(own, k->l)) != 0)
		dbk_record_free(own);
	return rc;
}

static int
children(struct dbk_txn *t, const struct dbk_id *cid, enum dbk_type ty,
    struct dbk_list *l, struct dbk_error *err)
{
	struct keep k = { t, l, err };

	return dbk_record_children(t, cid, ty, keep_cb, &k, err);
}

static int
customer_rows(struct tr_ctx *x, struct dbk_txn *t, struct dbk_record *cu,
    struct dbk_error *err)
{
	const struct dbk_id *cid = dbk_record_id(cu);
	int rc;

	list_clear(&x->contacts);
	list_clear(&x->stages);
	list_clear(&x->inters);
	if ((rc = children(t, cid, DBK_T_CONTACT, &x->contacts, err)) != 0 ||
	    (rc = children(t, cid, DBK_T_STAGE, &x->stages, err)) != 0 ||
	    (rc = children(t, cid, DBK_T_INTERACTION, &x->inters, err)) != 0)
		return rc;
	if (x->stages.n > 1)
		qsort(x->stages.r, x->stages.n, sizeof *x->stages.r, by_time);
	if (x->inters.n > 1)
		qsort(x->inters.r, x->inters.n, sizeof *x->inters.r, by_time);
	for (size_t i = 0; i < x->inters.n || (i == 0 && x->inters.n == 0);
	    i++) {
		const struct dbk_record *in = x->inters.n ? x->inters.r[i] : NULL;
		const struct dbk_record *ct = NULL, *st = NULL;
		const char *cell[DBK_COL_COUNT + 3 * 64] = { 0 };
		char *own[DBK_COL_COUNT] = { 0 }, when[17];
		const char *v;
		int64_t at = in ? rec_at(in) : INT64_MAX;
		size_t k = 0;

		/* The interaction's contact, else the customer's first. */
		v = in ? dbk_record_str(in, "contact") : NULL;
		for (size_t j = 0; v != NULL && j < x->contacts.n; j++) {
			char hex[DBK_ID_HEX];
			dbk_id_format(dbk_record_id(x->contacts.r[j]), hex);
			if (strcmp(hex, v) == 0)
				ct = x->contacts.r[j];
		}
		if (ct == NULL && x->contacts.n > 0)
			ct = x->contacts.r[0];
		/* The stage in force at the time of the interaction. */
		for (size_t j = 0; j < x->stages.n; j++)
			if (rec_at(x->stages.r[j]) <= at)
				st = x->stages.r[j];
		cell[k++] = dbk_record_str(cu, "code");
		cell[k++] = dbk_record_str(cu, "name");
		cell[k++] = dbk_record_str(cu, "industry");
		if (ct != NULL && (v = dbk_record_str(ct, "name")) != NULL)
			cell[k] = x->reveal ? v : (own[k] = dbk_mask_name(v));
		k++;
		cell[k++] = ct ? dbk_record_str(ct, "title") : NULL;
		if (x->reveal)
			cell[k++] = ct ? dbk_record_str(ct, "phone") : NULL;
		cell[k++] = dbk_record_str(cu, "pain");
		if (in != NULL) {
			sheet_time(dbk_record_str(in, "at"), when);
			cell[k] = when;
		}
		k++;
		if (in != NULL && (v = dbk_record_str(in, "channel")) != NULL) {
			enum dbk_channel ch;
			cell[k] = dbk_parse_channel(v, &ch) == 0 ? (x->zh ?
			    dbk_channel_name_zh(ch) : dbk_channel_name(ch)) : v;
		}
		k++;
		cell[k++] = in ? dbk_record_str(in, "with") : NULL;
		cell[k++] = in ? dbk_record_str(in, "summary") : NULL;
		cell[k++] = in ? dbk_record_str(in, "feedback") : NULL;
		v = st ? dbk_record_str(st, "stage") : dbk_record_str(cu, "stage");
		if (v != NULL) {
			enum dbk_stage sg;
			cell[k] = dbk_parse_stage(v, &sg) == 0 ? (x->zh ?
			    dbk_stage_name_zh(sg) : dbk_stage_name(sg)) : v;
		}
		k++;
		cell[k++] = in ? dbk_record_str(in, "next") : NULL;
		cell[k++] = dbk_record_str(cu, "owner");
		for (size_t j = 0; j < x->ncc[0]; j++)
			cell[k++] = custom_val(cu, x->cc[0][j]);
		for (size_t j = 0; j < x->ncc[1]; j++)
			cell[k++] = custom_val(ct, x->cc[1][j]);
		for (size_t j = 0; j < x->ncc[2]; j++)
			cell[k++] = custom_val(in, x->cc[2][j]);
		cli_csv_row(x->fp, cell, k);
		for (size_t j = 0; j < DBK_COL_COUNT; j++)
			free(own[j]);
		x->rows++;
	}
	return 0;
}

static int
tracking_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	static const enum dbk_type ct[3] = { DBK_T_CUSTOMER, DBK_T_CONTACT,
		DBK_T_INTERACTION };
	struct tr_ctx *x = vctx;
	const struct dbk_custom *cv;
	const char *head[DBK_COL_COUNT + 3 * 64];
	size_t ncv, k = 0;
	int rc;

	if ((rc = dbk_custom_list(t, &cv, &ncv, err)) != 0)
		return rc;
	memset(x->ncc, 0, sizeof x->ncc);
	for (size_t i = 0; i < ncv; i++)
		for (int j = 0; j < 3; j++)
			if (cv[i].of == ct[j] && !cv[i].retired &&
			    (!cv[i].sensitive || x->reveal) && x->ncc[j] < 64)
				x->cc[j][x->ncc[j]++] = &cv[i];
	for (int col = 0; col < DBK_COL_COUNT; col++)
		if (col != DBK_COL_PHONE || x->reveal)
			head[k++] = dbk_sheet_header((enum dbk_sheet_col)col, x->zh);
	for (int j = 0; j < 3; j++)
		for (size_t i = 0; i < x->ncc[j]; i++)
			head[k++] = custom_head(x, x->cc[j][i]);
	cli_csv_bom(x->fp);
	cli_csv_row(x->fp, head, k);
	if (x->ref != NULL) {
		struct dbk_id id;
		struct dbk_record *r = NULL;
		if ((rc = dbk_resolve(t, DBK_T_CUSTOMER, x->ref, &id, err)) != 0 ||
		    (rc = dbk_record_load(t, &id, &r, err)) != 0)
			return rc;
		rc = customer_rows(x, t, r, err);
		dbk_record_free(r);
	} else {
		/* Gather the customers (a list: no cursor stays open while
		 * their children are read), in the sheet's order. */
		struct dbk_list all = { 0 };
		struct keep k2 = { t, &all, err };
		rc = dbk_record_foreach(t, DBK_T_CUSTOMER, keep_cb, &k2, err);
		if (rc == 0 && all.n > 1)
			qsort(all.r, all.n, sizeof *all.r, by_code);
		for (size_t i = 0; rc == 0 && i < all.n; i++)
			rc = customer_rows(x, t, all.r[i], err);
		dbk_list_free(&all);
	}
	list_clear(&x->contacts);
	list_clear(&x->stages);
	list_clear(&x->inters);
	return rc;
}

static int
exec_csv_export(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	const char *kind = pos[0];
	int rc;

	if (strcmp(kind, "tracking") == 0 || strcmp(kind, "跟蹤") == 0 ||
	    strcmp(kind, "跟踪") == 0) {
		struct tr_ctx x;
		if (npos != 1)
			return cli_usage_error(e, "'csv export tracking' takes no "
			    "period");
		memset(&x, 0, sizeof x);
		x.c = c;
		x.ref = opt_get(e, ov, "customer");
		x.zh = c->zh;
		x.reveal = c->reveal;
		x.fp = stdout;
		if ((rc = dbk_store_read(c->store, tracking_txn, &x,
		    &c->err)) != 0)
			return cli_fail(c, rc);
		if (fflush(stdout) != 0 || ferror(stdout))
			return cli_error(1, "writing the CSV failed");
		return 0;
	}
	if (strcmp(kind, "evaluation") == 0 || strcmp(kind, "評估") == 0 ||
	    strcmp(kind, "评估") == 0) {
		if (npos != 2)
			return cli_usage_error(e, "'csv export evaluation' needs a "
			    "period, e.g. 2024Q2");
		if (opt_get(e, ov, "customer") != NULL)
			return cli_usage_error(e, "--customer is for 'csv export "
			    "tracking'");
		return cli_csv_evaluation(c, pos[1], stdout);
	}
	return cli_usage_error(e, "unknown table '%s' (expected tracking or "
	    "evaluation)", kind);
}

static const struct opt csv_export_opts[] = {
	{ "customer", "ID", 0, "only this customer (tracking)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_csv_export = {
	"csv", "export", "(tracking | evaluation <period>)", 1, 2,
	csv_export_opts, CMD_STORE,
	"write template 1 (tracking, a row per interaction) or template 2 "
	"(evaluation of a period) as CSV for Excel; sensitive columns only "
	"with --reveal",
	"dealbook --lang zh csv export tracking > 跟蹤表.csv",
	exec_csv_export
};
