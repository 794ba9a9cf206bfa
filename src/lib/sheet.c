/*
 * sheet.c -- import of the template 1 tracking table (dealbook/sheet.h).
 *
 * Two passes over the file.  The first checks every row (so a bad row
 * names itself before anything is written) and gathers, per customer and
 * per contact, the values of their last row and the customer's earliest
 * contact time.  Then customers and contacts are written once each, and
 * the second pass adds one interaction per row (and its stage change),
 * skipping those already in the store.  Everything happens in the
 * caller's one transaction: a failure anywhere leaves the store as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "csv.h"
#include "internal.h"
#include "record_int.h"
#include "schema.h"

#define MAX_CUSTOM_COLS 64

/* ---- the template's columns ---- */

static const struct {
	const char *zh;		/* as the template heads it */
	const char *alt[6];	/* simplified, other spellings, English */
} cols[DBK_COL_COUNT] = {
	[DBK_COL_CODE] = { "客戶編號", { "客户编号", "customer no.",
		"customer no", "customer number", "code", NULL } },
	[DBK_COL_NAME] = { "客戶名稱", { "客户名称", "customer",
		"customer name", "name", NULL } },
	[DBK_COL_INDUSTRY] = { "行業", { "行业", "industry", NULL } },
	[DBK_COL_CONTACT] = { "聯系人", { "联系人", "聯繫人", "contact", NULL } },
	[DBK_COL_TITLE] = { "職位", { "职位", "title", "position", NULL } },
	[DBK_COL_PHONE] = { "聯系方式", { "联系方式", "聯繫方式", "phone",
		"contact details", NULL } },
	[DBK_COL_PAIN] = { "需求痛點", { "需求痛点", "pain points", "pain",
		NULL } },
	[DBK_COL_AT] = { "溝通時間", { "沟通时间", "contact time", "time",
		"date", NULL } },
	[DBK_COL_CHANNEL] = { "溝通方式", { "沟通方式", "channel", NULL } },
	[DBK_COL_WITH] = { "參與人員", { "参与人员", "participants", NULL } },
	[DBK_COL_SUMMARY] = { "溝通內容摘要", { "沟通内容摘要", "summary",
		NULL } },
	[DBK_COL_FEEDBACK] = { "客戶反饋", { "客户反馈", "customer feedback",
		"feedback", NULL } },
	[DBK_COL_STAGE] = { "跟進階段", { "跟进阶段", "stage", NULL } },
	[DBK_COL_NEXT] = { "下一步行動", { "下一步行动", "next action", "next",
		NULL } },
	[DBK_COL_OWNER] = { "負責人", { "负责人", "owner", NULL } },
};

const char *
dbk_sheet_header(enum dbk_sheet_col c, int zh)
{
	if ((unsigned)c >= DBK_COL_COUNT)
		return NULL;
	if (zh)
		return cols[c].zh;
	/* The English heading is the first English spelling. */
	for (int i = 0; cols[c].alt[i] != NULL; i++)
		if ((unsigned char)cols[c].alt[i][0] < 0x80)
			return cols[c].alt[i];
	return cols[c].zh;
}

int
dbk_sheet_encoding_parse(const char *s, enum dbk_sheet_encoding *out)
{
	if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		*out = DBK_SHEET_UTF8;
	else if (strcasecmp(s, "gbk") == 0 || strcasecmp(s, "cp936") == 0)
		*out = DBK_SHEET_GBK;
	else if (strcasecmp(s, "gb18030") == 0)
		*out = DBK_SHEET_GB18030;
	else
		return DBK_EINVAL;
	return 0;
}

/* ---- a string-keyed table in insertion order ---- */

struct entry {
	char *key;
	uint64_t hash;
};

struct table {
	void *v;		/* entries, `size` bytes each, struct entry first */
	size_t size, n, cap;
	uint32_t *slot;		/* index + 1, 0 empty */
	size_t nslot;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void *
tab_at(const struct table *tb, size_t i)
{
	return (char *)tb->v + i * tb->size;
}

static int
tab_grow(struct table *tb)
{
	size_t ns = tb->nslot ? tb->nslot * 2 : 1024;
	uint32_t *sl = calloc(ns, sizeof *sl);

	if (sl == NULL)
		return -1;
	for (size_t i = 0; i < tb->n; i++) {
		size_t j = ((struct entry *)tab_at(tb, i))->hash & (ns - 1);
		while (sl[j] != 0)
			j = (j + 1) & (ns - 1);
		sl[j] = (uint32_t)(i + 1);
	}
	free(tb->slot);
	tb->slot = sl;
	tb->nslot = ns;
	return 0;
}

/* The entry for key, or NULL; with add, a new zeroed one when absent
 * (*added set).  NULL with add means out of memory. */
static void *
tab_get(struct table *tb, const char *key, int add, int *added)
{
	uint64_t h = hash_str(key);
	size_t j;
	struct entry *e;

	if (added)
		*added = 0;
	if (tb->nslot != 0) {
		for (j = h & (tb->nslot - 1); tb->slot[j] != 0;
		    j = (j + 1) & (tb->nslot - 1)) {
			e = tab_at(tb, tb->slot[j] - 1);
			if (e->hash == h && strcmp(e->key, key) == 0)
				return e;
		}
	}
	if (!add || tb->n >= UINT32_MAX - 1)
		return NULL;
	if ((tb->n + 1) * 2 > tb->nslot && tab_grow(tb) != 0)
		return NULL;
	if (tb->n == tb->cap) {
		size_t nc = tb->cap ? tb->cap * 2 : 256;
		void *nv = realloc(tb->v, nc * tb->size);
		if (nv == NULL)
			return NULL;
		tb->v = nv;
		tb->cap = nc;
	}
	e = tab_at(tb, tb->n);
	memset(e, 0, tb->size);
	if ((e->key = strdup(key)) == NULL)
		return NULL;
	e->hash = h;
	for (j = h & (tb->nslot - 1); tb->slot[j] != 0; j = (j + 1) &
	    (tb->nslot - 1))
		;
	tb->slot[j] = (uint32_t)(++tb->n);
	if (added)
		*added = 1;
	return e;
}

/* ---- what the first pass gathers ---- */

/* Customer-level columns and custom customer fields: the last non-empty
 * value in the file wins. */
enum { CV_NAME, CV_INDUSTRY, CV_PAIN, CV_OWNER, CV_FIXED };
enum { KV_TITLE, KV_PHONE, KV_FIXED };

struct cust {
	struct entry e;
	char *v[CV_FIXED + MAX_CUSTOM_COLS];
	int64_t first_at;	/* earliest contact time, or INT64_MAX */
	size_t last_row;	/* the customer's last row (for a stage alone) */
	struct dbk_id id;
	int by_code;		/* the key is its number, not its name */
	int exists;
};

struct contact {
	struct entry e;
	size_t cust;		/* index into the customer table */
	char *name;
	char *v[KV_FIXED + MAX_CUSTOM_COLS];
	struct dbk_id id;
};

/* An interaction already in the store or added by this import: the
 * customer, the time and a hash of the summary. */
struct seen {
	struct entry e;
};

/* A customer by name, for rows without a number. */
struct named {
	struct entry e;
	struct dbk_id id;
	size_t n;		/* customers of that name */
};

/* A customer's stage now, by its id: two groups of rows can be one
 * customer (its number on some rows only), so not per group. */
struct stagenow {
	struct entry e;
	int stage;
};

/* A contact already written in this import, by customer id and name. */
struct written {
	struct entry e;
	size_t contact;		/* index into the contact table */
};

struct custom_col {
	size_t col;		/* index in the file's header */
	const struct dbk_custom *cd;
};

struct imp {
	struct dbk_txn *t;
	const char *path;
	enum dbki_csv_enc enc;
	int64_t now;
	/* header */
	char **head;
	size_t nhead;
	long at[DBK_COL_COUNT];	/* file column of each template column */
	struct custom_col cc[3][MAX_CUSTOM_COLS]; /* customer, contact, interaction */
	size_t ncc[3];
	struct table cust, contact, seen, names, written, stages;
	struct dbk_sheet_report *rep;
	int names_loaded;
};

static void
free_str_wipe(char *p)
{
	if (p != NULL) {
		sodium_memzero(p, strlen(p));
		free(p);
	}
}

static void
imp_free(struct imp *m)
{
	for (size_t i = 0; i < m->nhead; i++)
		free(m->head[i]);
	free(m->head);
	for (size_t i = 0; i < m->cust.n; i++) {
		struct cust *c = tab_at(&m->cust, i);
		free(c->e.key);
		for (size_t k = 0; k < CV_FIXED + MAX_CUSTOM_COLS; k++)
			free_str_wipe(c->v[k]);
	}
	for (size_t i = 0; i < m->contact.n; i++) {
		struct contact *k = tab_at(&m->contact, i);
		free(k->e.key);
		free_str_wipe(k->name);
		for (size_t j = 0; j < KV_FIXED + MAX_CUSTOM_COLS; j++)
			free_str_wipe(k->v[j]);
	}
	for (size_t i = 0; i < m->seen.n; i++)
		free(((struct entry *)tab_at(&m->seen, i))->key);
	for (size_t i = 0; i < m->names.n; i++)
		free(((struct entry *)tab_at(&m->names, i))->key);
	for (size_t i = 0; i < m->written.n; i++)
		free(((struct entry *)tab_at(&m->written, i))->key);
	free(m->names.v);
	free(m->names.slot);
	free(m->written.v);
	free(m->written.slot);
	for (size_t i = 0; i < m->stages.n; i++)
		free(((struct entry *)tab_at(&m->stages, i))->key);
	free(m->stages.v);
	free(m->stages.slot);
	free(m->cust.v);
	free(m->cust.slot);
	free(m->contact.v);
	free(m->contact.slot);
	free(m->seen.v);
	free(m->seen.slot);
}

/* A header cell reduced for matching: blanks (also the ideographic space
 * U+3000) trimmed, a "(...)" or "（...）" tail dropped. */
static char *
head_norm(const char *h, int cut)
{
	size_t n;
	char *s, *p;

	while (*h == ' ' || *h == '\t' || strncmp(h, "\xe3\x80\x80", 3) == 0)
		h += *h == ' ' || *h == '\t' ? 1 : 3;
	if ((s = strdup(h)) == NULL)
		return NULL;
	if (cut && (p = strstr(s, "(")) != NULL && p != s)
		*p = '\0';
	if (cut && (p = strstr(s, "\xef\xbc\x88")) != NULL && p != s)	/* （ */
		*p = '\0';
	n = strlen(s);
	for (;;) {
		if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		else if (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	s[n] = '\0';
	return s;
}

static int
col_match(const char *h)
{
	for (int c = 0; c < DBK_COL_COUNT; c++) {
		if (strcmp(h, cols[c].zh) == 0)
			return c;
		for (int i = 0; cols[c].alt[i] != NULL; i++)
			if (strcasecmp(h, cols[c].alt[i]) == 0)
				return c;
	}
	return -1;
}

int
dbki_sheet_column(const char *header)
{
	char *h = head_norm(header, 0);
	int c = h != NULL ? col_match(h) : -1;

	free(h);
	if (c < 0 && (h = head_norm(header, 1)) != NULL) {
		c = col_match(h);
		free(h);
	}
	return c;
}

/* Does a custom field of a customer, contact or interaction go by h? */
static int
custom_any(struct dbk_txn *t, const char *h)
{
	return dbk_custom_find(t, DBK_T_CUSTOMER, h) != NULL ||
	    dbk_custom_find(t, DBK_T_CONTACT, h) != NULL ||
	    dbk_custom_find(t, DBK_T_INTERACTION, h) != NULL;
}

static int
read_header(struct imp *m, const struct dbki_csv_row *row,
    struct dbk_error *err)
{
	static const enum dbk_type ctypes[3] = { DBK_T_CUSTOMER, DBK_T_CONTACT,
		DBK_T_INTERACTION };

	for (int c = 0; c < DBK_COL_COUNT; c++)
		m->at[c] = -1;
	if ((m->head = calloc(row->n, sizeof *m->head)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	m->nhead = row->n;
	for (size_t i = 0; i < row->n; i++)
		if ((m->head[i] = strdup(row->field[i])) == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	for (size_t i = 0; i < row->n; i++) {
		/* The header as written first (a custom label may hold
		 * brackets), then without a "(...)" tail for the template's
		 * "跟進階段(線索/意向/...)". */
		char *h = head_norm(row->field[i], 0);
		int c, ti;
		if (h == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		if (col_match(h) < 0 && !custom_any(m->t, h)) {
			char *cut = head_norm(row->field[i], 1);
			if (cut == NULL) {
				free(h);
				return dbki_error_set(err, DBK_ENOMEM,
				    "out of memory");
			}
			free(h);
			h = cut;
		}
		if (*h == '\0') {
			free(h);
			return dbki_error_set(err, DBK_EINVAL,
			    "%s: column %zu of the header row is empty", m->path,
			    i + 1);
		}
		if ((c = col_match(h)) >= 0) {
			if (m->at[c] >= 0) {
				free(h);
				return dbki_error_set(err, DBK_EINVAL,
				    "%s: the column '%s' appears twice in the header",
				    m->path, row->field[i]);
			}
			m->at[c] = (long)i;
			free(h);
			continue;
		}
		for (ti = 0; ti < 3; ti++) {
			const struct dbk_custom *cd = dbk_custom_find(m->t,
			    ctypes[ti], h);
			if (cd == NULL)
				continue;
			if (cd->retired) {
				free(h);
				return dbki_error_set(err, DBK_EINVAL,
				    "%s: the column '%s' is the retired %s field '%s'",
				    m->path, row->field[i], dbk_type_name(cd->of),
				    cd->name);
			}
			for (size_t k = 0; k < m->ncc[ti]; k++)
				if (m->cc[ti][k].cd == cd) {
					free(h);
					return dbki_error_set(err, DBK_EINVAL,
					    "%s: the column '%s' appears twice in "
					    "the header", m->path, row->field[i]);
				}
			if (m->ncc[ti] == MAX_CUSTOM_COLS) {
				free(h);
				return dbki_error_set(err, DBK_EINVAL,
				    "%s: more than %d custom field columns", m->path,
				    MAX_CUSTOM_COLS);
			}
			m->cc[ti][m->ncc[ti]++] = (struct custom_col){ i, cd };
			break;
		}
		free(h);
		if (ti == 3)
			return dbki_error_set(err, DBK_EINVAL,
			    "%s: unknown column '%s' (expected the tracking table's "
			    "columns, e.g. 客戶編號, 客戶名稱, 溝通時間, or a custom "
			    "field: see 'dealbook field list')", m->path,
			    row->field[i]);
	}
	if (m->at[DBK_COL_CODE] < 0 && m->at[DBK_COL_NAME] < 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "%s: the header has neither 客戶編號 (customer no.) nor "
		    "客戶名稱 (customer)", m->path);
	return 0;
}

/* A cell as written: dealbook's exports (and careful people) defuse a
 * cell a spreadsheet would run as a formula with a leading apostrophe,
 * which is not part of the value. */
static const char *
undefuse(const char *v)
{
	return v[0] == '\'' && v[1] != '\0' && strchr("=+-@\t\r", v[1]) != NULL ?
	    v + 1 : v;
}

/* The cell of template column c in a row, "" when absent. */
static const char *
cell(const struct imp *m, const struct dbki_csv_row *row, int c)
{
	long i = m->at[c];

	return i >= 0 && (size_t)i < row->n ? undefuse(row->field[i]) : "";
}

static const char *
cell_i(const struct dbki_csv_row *row, size_t i)
{
	return i < row->n ? undefuse(row->field[i]) : "";
}

/* Blanks around a cell do not count ("  " is empty). */
static int
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

/* The error for a bad cell: row, column as headed in the file, value. */
static int
bad_cell(const struct imp *m, const struct dbki_csv_row *row, size_t col,
    struct dbk_error *err, const char *what)
{
	return dbki_error_set(err, DBK_EINVAL, "%s: row %zu, column '%s': %s",
	    m->path, row->index, m->head[col], what);
}

/* A lower-level error about a cell, prefixed with where it is. */
static int
bad_cell_err(const struct imp *m, const struct dbki_csv_row *row, size_t col,
    struct dbk_error *err)
{
	char *msg = strdup(err->msg ? err->msg : dbk_strerror(err->code));
	int code = err->code ? err->code : DBK_EINVAL, rc;

	if (msg == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	rc = dbki_error_set(err, code, "%s: row %zu, column '%s': %s", m->path,
	    row->index, m->head[col], msg);
	free(msg);
	return rc;
}

/* bad_cell with a formatted complaint. */
static int bad_cellf(const struct imp *m, const struct dbki_csv_row *row,
    size_t col, struct dbk_error *err, const char *fmt, ...) DBK_PRINTF(5, 6);

static int
bad_cellf(const struct imp *m, const struct dbki_csv_row *row, size_t col,
    struct dbk_error *err, const char *fmt, ...)
{
	va_list ap;
	char *what = NULL;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	rc = dbki_error_set(err, DBK_EINVAL, "%s: row %zu, column '%s': %s",
	    m->path, row->index, m->head[col], what);
	free(what);
	return rc;
}

/* A datetime cell: 0 and *secs, or an error naming it. */
static int
parse_at(const struct imp *m, const struct dbki_csv_row *row, int64_t *secs,
    struct dbk_error *err)
{
	const char *v = cell(m, row, DBK_COL_AT);

	if (dbk_parse_datetime(v, m->now, secs) != 0)
		return bad_cellf(m, row, (size_t)m->at[DBK_COL_AT], err,
		    "invalid date '%s' (expected e.g. 2024-05-10 or 2024-05-10 "
		    "14:30)", v);
	if (*secs > m->now + DBKI_FUTURE_SLACK)
		return bad_cellf(m, row, (size_t)m->at[DBK_COL_AT], err,
		    "the time '%s' lies in the future", v);
	if (*secs < 0)
		return bad_cellf(m, row, (size_t)m->at[DBK_COL_AT], err,
		    "the time '%s' is before 1970", v);
	return 0;
}

/* The key grouping a row's customer: its number, else its name. */
static const char *
cust_key(const struct imp *m, const struct dbki_csv_row *row)
{
	const char *code = cell(m, row, DBK_COL_CODE);

	return !blank(code) ? code : cell(m, row, DBK_COL_NAME);
}

static int
set_last(char **slot, const char *v)
{
	char *d;

	if (blank(v))
		return 0;
	if (*slot != NULL && strcmp(*slot, v) == 0)
		return 0;
	if ((d = strdup(v)) == NULL)
		return -1;
	free_str_wipe(*slot);
	*slot = d;
	return 0;
}

static int
row_empty(const struct dbki_csv_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		if (!blank(row->field[i]))
			return 0;
	return 1;
}

/* Does the row record an interaction?  (A time or a summary.) */
static int
has_interaction(const struct imp *m, const struct dbki_csv_row *row)
{
	return !blank(cell(m, row, DBK_COL_AT)) ||
	    !blank(cell(m, row, DBK_COL_SUMMARY));
}

/* ---- pass 1: check every row, gather customers and contacts ---- */

static int
check_row(struct imp *m, const struct dbki_csv_row *row,
    struct dbk_error *err)
{
	static const int text_cols[] = { DBK_COL_CODE, DBK_COL_NAME,
		DBK_COL_INDUSTRY, DBK_COL_CONTACT, DBK_COL_TITLE, DBK_COL_PHONE,
		DBK_COL_PAIN, DBK_COL_WITH, DBK_COL_SUMMARY, DBK_COL_FEEDBACK,
		DBK_COL_NEXT, DBK_COL_OWNER };
	const char *key = cust_key(m, row), *v;
	struct cust *c;
	int added;
	int64_t secs = INT64_MAX;

	if (row->n > m->nhead)
		return dbki_error_set(err, DBK_EINVAL,
		    "%s: row %zu has %zu cells, the header %zu", m->path,
		    row->index, row->n, m->nhead);
	for (size_t i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++) {
		v = cell(m, row, text_cols[i]);
		if (!dbki_valid_text(v, DBKI_MAX_TEXT))
			return bad_cell(m, row, (size_t)m->at[text_cols[i]], err,
			    "control characters in the text");
	}
	if (blank(key))
		return bad_cell(m, row, (size_t)(m->at[DBK_COL_CODE] >= 0 ?
		    m->at[DBK_COL_CODE] : m->at[DBK_COL_NAME]), err,
		    "empty: a row needs its customer number or name");
	if (has_interaction(m, row)) {
		int rc;
		if (blank(cell(m, row, DBK_COL_AT)))
			return bad_cell(m, row, (size_t)(m->at[DBK_COL_AT] >= 0 ?
			    m->at[DBK_COL_AT] : m->at[DBK_COL_SUMMARY]), err,
			    "empty: an interaction needs its time (溝通時間)");
		if ((rc = parse_at(m, row, &secs, err)) != 0)
			return rc;
		if (m->at[DBK_COL_SUMMARY] < 0 || blank(cell(m, row,
		    DBK_COL_SUMMARY)))
			return bad_cell(m, row, (size_t)(m->at[DBK_COL_SUMMARY] >= 0 ?
			    m->at[DBK_COL_SUMMARY] : m->at[DBK_COL_AT]), err,
			    "empty: an interaction needs its summary (溝通內容摘要)");
	}
	if (!blank(v = cell(m, row, DBK_COL_CHANNEL))) {
		enum dbk_channel ch;
		if (dbk_parse_channel(v, &ch) != 0)
			return bad_cellf(m, row, (size_t)m->at[DBK_COL_CHANNEL], err,
			    "unknown channel '%s' (expected %s)", v,
			    dbk_channel_choices());
	}
	if (!blank(v = cell(m, row, DBK_COL_STAGE))) {
		enum dbk_stage st;
		if (dbk_parse_stage(v, &st) != 0)
			return bad_cellf(m, row, (size_t)m->at[DBK_COL_STAGE], err,
			    "unknown stage '%s' (expected %s)", v,
			    dbk_stage_choices());
	}
	for (int ti = 0; ti < 3; ti++)
		for (size_t k = 0; k < m->ncc[ti]; k++) {
			char *canon = NULL;
			v = cell_i(row, m->cc[ti][k].col);
			if (blank(v))
				continue;
			if (dbk_custom_normalize(m->t, m->cc[ti][k].cd, v, &canon,
			    err) != 0)
				return bad_cell_err(m, row, m->cc[ti][k].col, err);
			free_str_wipe(canon);
		}
	/* Gather. */
	if ((c = tab_get(&m->cust, key, 1, &added)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (added) {
		c->first_at = INT64_MAX;
		c->by_code = !blank(cell(m, row, DBK_COL_CODE));
	}
	if (secs < c->first_at)
		c->first_at = secs;
	c->last_row = row->index;
	if (set_last(&c->v[CV_NAME], cell(m, row, DBK_COL_NAME)) != 0 ||
	    set_last(&c->v[CV_INDUSTRY], cell(m, row, DBK_COL_INDUSTRY)) != 0 ||
	    set_last(&c->v[CV_PAIN], cell(m, row, DBK_COL_PAIN)) != 0 ||
	    set_last(&c->v[CV_OWNER], cell(m, row, DBK_COL_OWNER)) != 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	for (size_t k = 0; k < m->ncc[0]; k++)
		if (set_last(&c->v[CV_FIXED + k], cell_i(row, m->cc[0][k].col)) != 0)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	v = cell(m, row, DBK_COL_CONTACT);
	if (!blank(v)) {
		struct contact *k;
		size_t ci = (size_t)(((char *)c - (char *)m->cust.v) /
		    (ptrdiff_t)m->cust.size);
		char *ck = NULL;
		if (asprintf(&ck, "%s\x1f%s", key, v) < 0)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		k = tab_get(&m->contact, ck, 1, &added);
		free(ck);
		if (k == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		k->cust = ci;
		if ((added && (k->name = strdup(v)) == NULL) ||
		    set_last(&k->v[KV_TITLE], cell(m, row, DBK_COL_TITLE)) != 0 ||
		    set_last(&k->v[KV_PHONE], cell(m, row, DBK_COL_PHONE)) != 0)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		for (size_t j = 0; j < m->ncc[1]; j++)
			if (set_last(&k->v[KV_FIXED + j], cell_i(row,
			    m->cc[1][j].col)) != 0)
				return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- writing customers and contacts ---- */

/* The seen-table key of an interaction. */
static void
seen_key(char out[64], const struct dbk_id *cust, int64_t at,
    const char *summary)
{
	uint8_t h[16];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, cust->b, 16);
	crypto_generichash_update(&st, (const uint8_t *)&at, sizeof at);
	crypto_generichash_update(&st, (const uint8_t *)summary,
	    strlen(summary));
	crypto_generichash_final(&st, h, sizeof h);
	dbki_hex(out, h, 16);
}

struct walk {
	struct imp *m;
	struct dbk_id cust;
	size_t ci;
	int rc;
};

static int
seen_cb(struct dbk_record *r, void *ctx)
{
	struct walk *w = ctx;
	const char *at = dbk_record_str(r, "at"), *sum = dbk_record_str(r,
	    "summary");
	int64_t secs;
	char k[64];

	if (at == NULL || sum == NULL || dbk_parse_int(at, INT64_MIN, INT64_MAX,
	    &secs) != 0)
		return 0;
	seen_key(k, &w->cust, secs, sum);
	return tab_get(&w->m->seen, k, 1, NULL) == NULL ? DBK_ENOMEM : 0;
}

static int
contact_cb(struct dbk_record *r, void *ctx)
{
	struct walk *w = ctx;
	struct imp *m = w->m;
	const char *name = dbk_record_str(r, "name");
	const struct cust *c = tab_at(&m->cust, w->ci);
	struct contact *k;
	char *ck = NULL;

	if (name == NULL)
		return 0;
	if (asprintf(&ck, "%s\x1f%s", c->e.key, name) < 0)
		return DBK_ENOMEM;
	k = tab_get(&m->contact, ck, 0, NULL);
	free(ck);
	/* The first contact of that name (the oldest) is the one. */
	if (k != NULL && sodium_is_zero(k->id.b, 16))
		k->id = *dbk_record_id(r);
	return 0;
}

/* Append name = v to an input array when v says something. */
static void
add_fields(struct dbk_field *f, size_t *n, const char *name, const char *v)
{
	if (v != NULL && !blank(v))
		f[(*n)++] = (struct dbk_field){ name, v };
}

/* Remember a customer under its name (rows without a number find it). */
static int
name_add(struct imp *m, const char *name, const struct dbk_id *id)
{
	struct named *nd;
	int added;

	if (name == NULL)
		return 0;
	if ((nd = tab_get(&m->names, name, 1, &added)) == NULL)
		return DBK_ENOMEM;
	if (added || memcmp(nd->id.b, id->b, 16) != 0) {
		nd->id = *id;
		nd->n++;
	}
	return 0;
}

static int
names_cb(struct dbk_record *r, void *ctx)
{
	return name_add(ctx, dbk_record_str(r, "name"), dbk_record_id(r));
}

/* The customer of a group: by its number, else by its whole name among
 * the store's customers and those this import added (never a code or an
 * id prefix that happens to look like the name).  0 and c->id set,
 * DBK_ENOTFOUND, or an error. */
static int
find_customer(struct imp *m, struct cust *c, struct dbk_error *err)
{
	const struct named *nd;
	int rc;

	if (c->by_code) {
		rc = dbki_code_lookup(m->t, c->e.key, &c->id, err);
		if (rc == DBK_ENOTFOUND)
			dbk_error_clear(err);
		return rc;
	}
	if ((nd = tab_get(&m->names, c->e.key, 0, NULL)) == NULL)
		return DBK_ENOTFOUND;
	if (nd->n > 1)
		return dbki_error_set(err, DBK_EINVAL,
		    "%s: %zu customers are named '%s': give its customer number "
		    "(客戶編號) in the file", m->path, nd->n, c->e.key);
	c->id = nd->id;
	return 0;
}

static int
write_customers(struct imp *m, struct dbk_error *err)
{
	struct dbk_field f[CV_FIXED + MAX_CUSTOM_COLS + 2];
	int rc;

	/* Every customer by name, once, when some rows have no number. */
	for (size_t i = 0; i < m->cust.n; i++)
		if (!((struct cust *)tab_at(&m->cust, i))->by_code) {
			rc = dbk_record_foreach(m->t, DBK_T_CUSTOMER, names_cb, m,
			    err);
			if (rc != 0)
				return rc == DBK_ENOMEM ? dbki_error_set(err, rc,
				    "out of memory") : rc;
			m->names_loaded = 1;
			break;
		}
	for (size_t i = 0; i < m->cust.n; i++) {
		struct cust *c = tab_at(&m->cust, i);
		size_t n = 0, changed = 0;
		char lead[24];

		if ((rc = find_customer(m, c, err)) != 0 && rc != DBK_ENOTFOUND)
			return rc;
		c->exists = rc == 0;
		add_fields(f, &n, "name", c->v[CV_NAME]);
		add_fields(f, &n, "industry", c->v[CV_INDUSTRY]);
		add_fields(f, &n, "pain", c->v[CV_PAIN]);
		add_fields(f, &n, "owner", c->v[CV_OWNER]);
		for (size_t k = 0; k < m->ncc[0]; k++)
			add_fields(f, &n, m->cc[0][k].cd->stored, c->v[CV_FIXED + k]);
		if (c->exists) {
			if (n > 0 && (rc = dbk_record_update(m->t, &c->id, f, n,
			    &changed, err)) != 0)
				return rc;
			m->rep->customers_updated += changed > 0;
		} else {
			if (c->v[CV_NAME] == NULL)
				return dbki_error_set(err, DBK_EINVAL,
				    "%s: customer '%s' is new and none of its rows "
				    "gives its name (客戶名稱)", m->path, c->e.key);
			if (c->by_code)
				f[n++] = (struct dbk_field){ "code", c->e.key };
			if (c->first_at != INT64_MAX) {
				snprintf(lead, sizeof lead, "@%" PRId64, c->first_at);
				f[n++] = (struct dbk_field){ "lead_at", lead };
			}
			if ((rc = dbk_customer_add(m->t, f, n, &c->id, err)) != 0)
				return rc;
			m->rep->customers_added++;
			if (m->names_loaded &&
			    name_add(m, c->v[CV_NAME], &c->id) != 0)
				return dbki_error_set(err, DBK_ENOMEM,
				    "out of memory");
		}
		if (c->exists) {
			struct walk w = { m, c->id, i, 0 };
			if ((rc = dbk_record_children(m->t, &c->id,
			    DBK_T_INTERACTION, seen_cb, &w, err)) != 0 ||
			    (rc = dbk_record_children(m->t, &c->id, DBK_T_CONTACT,
			    contact_cb, &w, err)) != 0)
				return rc == DBK_ENOMEM ? dbki_error_set(err, rc,
				    "out of memory") : rc;
		}
	}
	return 0;
}

static int
write_contacts(struct imp *m, struct dbk_error *err)
{
	struct dbk_field f[KV_FIXED + MAX_CUSTOM_COLS + 3];

	for (size_t i = 0; i < m->contact.n; i++) {
		struct contact *k = tab_at(&m->contact, i);
		const struct cust *c = tab_at(&m->cust, k->cust);
		char hex[DBK_ID_HEX], *wk = NULL;
		size_t n = 0, changed = 0;
		struct written *w;
		int rc, added;

		/* Two groups of rows can be one customer (its number on some
		 * rows only): one contact of a name per customer. */
		dbk_id_format(&c->id, hex);
		if (asprintf(&wk, "%s\x1f%s", hex, k->name) < 0)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		w = tab_get(&m->written, wk, 1, &added);
		free(wk);
		if (w == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		if (!added && sodium_is_zero(k->id.b, 16))
			k->id = ((struct contact *)tab_at(&m->contact,
			    w->contact))->id;
		if (added)
			w->contact = i;

		add_fields(f, &n, "title", k->v[KV_TITLE]);
		add_fields(f, &n, "phone", k->v[KV_PHONE]);
		for (size_t j = 0; j < m->ncc[1]; j++)
			add_fields(f, &n, m->cc[1][j].cd->stored, k->v[KV_FIXED + j]);
		if (!sodium_is_zero(k->id.b, 16)) {
			if (n > 0 && (rc = dbk_record_update(m->t, &k->id, f, n,
			    &changed, err)) != 0)
				return rc;
			m->rep->contacts_updated += changed > 0;
			continue;
		}
		f[n++] = (struct dbk_field){ "customer", hex };
		f[n++] = (struct dbk_field){ "name", k->name };
		if ((rc = dbk_record_create(m->t, DBK_T_CONTACT, f, n, &k->id,
		    err)) != 0)
			return rc;
		m->rep->contacts_added++;
	}
	return 0;
}

/* ---- pass 2: interactions and stages ---- */

/* A due date at the start of a next action: "5月17日...", "2024-05-17 ...",
 * "2024/5/17..."; a month and day without a year take the year of the
 * contact, or the next one when that date is already past. */
static int
next_due(const char *next, int64_t at, int64_t now, char out[11])
{
	const char *p = next;
	long a = 0, b = 0;
	int32_t days = 0, atdays;
	char tmp[24];

	if (!isdigit((unsigned char)*p))
		return -1;
	/* A full date first, the longest that parses ("2024年5月17日",
	 * "2024-05-17", "2024/5/7"), cut at a character boundary. */
	for (size_t len = strlen(p) < sizeof tmp - 1 ? strlen(p) :
	    sizeof tmp - 1; len >= 8; len--) {
		if (((unsigned char)p[len] & 0xc0) == 0x80)
			continue;
		memcpy(tmp, p, len);
		tmp[len] = '\0';
		if (dbk_parse_date(tmp, now, &days) == 0) {
			dbk_format_date(days, out);
			return 0;
		}
	}
	while (isdigit((unsigned char)*p) && a < 100)
		a = a * 10 + (*p++ - '0');
	if (strncmp(p, "月", 3) != 0 && *p != '/')
		return -1;
	p += *p == '/' ? 1 : 3;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) && b < 100)
		b = b * 10 + (*p++ - '0');
	if (a < 1 || a > 12 || b < 1 || b > 31)
		return -1;
	{
		/* The contact's local date, and its year. */
		char d[17];
		int y;
		dbk_format_datetime(at, d);
		d[10] = '\0';
		if (dbk_parse_date(d, now, &atdays) != 0)
			return -1;
		y = (int)strtol(d, NULL, 10);
		for (int i = 0; i < 2; i++, y++) {
			snprintf(tmp, sizeof tmp, "%04d-%02ld-%02ld", y, a, b);
			if (dbk_parse_date(tmp, now, &days) != 0)
				return -1;
			if (days >= atdays)
				break;
		}
	}
	dbk_format_date(days, out);
	return 0;
}

static int
apply_row(struct imp *m, const struct dbki_csv_row *row,
    const char *note_prefix, struct dbk_error *err)
{
	struct dbk_field f[12 + MAX_CUSTOM_COLS];
	const char *key = cust_key(m, row), *v;
	struct cust *c = tab_get(&m->cust, key, 0, NULL);
	size_t n = 0;
	int64_t secs = 0;
	int interaction = has_interaction(m, row), isnew = 0, rc;
	char atbuf[24], due[11], k[64], chex[DBK_ID_HEX];

	if (c == NULL)
		return dbki_error_set(err, DBK_EIO,
		    "%s changed while it was being imported (row %zu)", m->path,
		    row->index);
	if (interaction) {
		if ((rc = parse_at(m, row, &secs, err)) != 0)
			return rc;
		seen_key(k, &c->id, secs, cell(m, row, DBK_COL_SUMMARY));
		if (tab_get(&m->seen, k, 0, NULL) != NULL) {
			m->rep->duplicates++;
			return 0;
		}
		if (tab_get(&m->seen, k, 1, NULL) == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		snprintf(atbuf, sizeof atbuf, "@%" PRId64, secs);
		f[n++] = (struct dbk_field){ "at", atbuf };
		add_fields(f, &n, "channel", cell(m, row, DBK_COL_CHANNEL));
		add_fields(f, &n, "with", cell(m, row, DBK_COL_WITH));
		add_fields(f, &n, "summary", cell(m, row, DBK_COL_SUMMARY));
		add_fields(f, &n, "feedback", cell(m, row, DBK_COL_FEEDBACK));
		v = cell(m, row, DBK_COL_NEXT);
		add_fields(f, &n, "next", v);
		if (!blank(v) && next_due(v, secs, m->now, due) == 0)
			f[n++] = (struct dbk_field){ "due", due };
		if (!blank(v = cell(m, row, DBK_COL_CONTACT))) {
			char *ck = NULL;
			struct contact *ct;
			if (asprintf(&ck, "%s\x1f%s", key, v) < 0)
				return dbki_error_set(err, DBK_ENOMEM, "out of memory");
			ct = tab_get(&m->contact, ck, 0, NULL);
			free(ck);
			if (ct != NULL) {
				dbk_id_format(&ct->id, chex);
				f[n++] = (struct dbk_field){ "contact", chex };
			}
		}
		for (size_t j = 0; j < m->ncc[2]; j++)
			add_fields(f, &n, m->cc[2][j].cd->stored, cell_i(row,
			    m->cc[2][j].col));
		{
			int late = 0;
			struct dbk_id iid;
			if ((rc = dbk_log_add(m->t, &c->id, f, n, NULL, 0, &iid,
			    &late, err)) != 0) {
				char *msg = strdup(err->msg ? err->msg : "");
				int code = err->code;
				if (msg == NULL)
					return dbki_error_set(err, DBK_ENOMEM,
					    "out of memory");
				rc = dbki_error_set(err, code, "%s: row %zu: %s",
				    m->path, row->index, msg);
				free(msg);
				return rc;
			}
			m->rep->interactions_added++;
			m->rep->late += late != 0;
		}
		isnew = 1;
	}
	/* A stage moves with a new interaction, or alone on the customer's
	 * last row; only when it differs from the stage at that time. */
	v = cell(m, row, DBK_COL_STAGE);
	if (!blank(v) && (isnew || (!interaction && row->index == c->last_row))) {
		struct dbk_record *r = NULL;
		struct dbk_stage_opts o = { 0 };
		struct dbk_stage_result res;
		enum dbk_stage want, cur;
		const char *curs;
		char *note = NULL;
		struct stagenow *sn;
		int same, fresh;

		if (dbk_parse_stage(v, &want) != 0)
			return dbki_error_set(err, DBK_EINVAL, "unknown stage '%s'", v);
		/* The stage now, read once per customer and then followed:
		 * loading the customer again for every row was 6 % of an
		 * import. */
		dbk_id_format(&c->id, chex);
		if ((sn = tab_get(&m->stages, chex, 1, &fresh)) == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		if (fresh) {
			if ((rc = dbk_record_load(m->t, &c->id, &r, err)) != 0)
				return rc;
			curs = dbk_record_str(r, "stage");
			sn->stage = curs != NULL && dbk_parse_stage(curs, &cur) == 0 ?
			    (int)cur : DBK_STAGE_LEAD;
			dbk_record_free(r);
		}
		same = sn->stage == (int)want;
		if (same)
			return 0;
		if (asprintf(&note, "%s row %zu", note_prefix, row->index) < 0)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		/* The time as written, so that a refusal quotes it. */
		o.at = interaction ? cell(m, row, DBK_COL_AT) : NULL;
		o.force = 1;
		o.same_ok = 1;
		o.note = note;
		rc = dbk_stage_set(m->t, &c->id, dbk_stage_name(want), &o, &res,
		    err);
		free(note);
		if (rc != 0)
			return bad_cell_err(m, row, (size_t)m->at[DBK_COL_STAGE], err);
		m->rep->stage_changes += res.from != res.to;
		if (!res.backdated)
			sn->stage = (int)res.to;
	}
	return 0;
}

static enum dbki_csv_enc
enc_of(enum dbk_sheet_encoding e)
{
	return e == DBK_SHEET_GBK ? DBKI_CSV_GBK : e == DBK_SHEET_GB18030 ?
	    DBKI_CSV_GB18030 : DBKI_CSV_UTF8;
}

/* CRLF and a lone CR become LF, in place. */
static void
unix_breaks(char *s)
{
	char *w = s;

	if (strchr(s, '\r') == NULL)
		return;
	for (; *s; s++) {
		if (*s == '\r') {
			*w++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Read the file once, calling fn on each data row after the header. */
static int
each_row(struct imp *m, int pass, struct dbk_error *err)
{
	struct dbki_csv *csv = NULL;
	struct dbki_csv_row row;
	const char *base = strrchr(m->path, '/');
	int rc, first = 1;
	char *note = NULL;

	base = base ? base + 1 : m->path;
	if (asprintf(&note, "imported from %s", base) < 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (pass == 1 && access(m->path, F_OK) != 0 && errno == ENOENT) {
		rc = dbki_error_set(err, DBK_ENOTFOUND, "no file '%s'", m->path);
		goto out;
	}
	if ((rc = dbki_csv_open(m->path, m->enc, &csv, err)) != 0)
		goto out;
	while ((rc = dbki_csv_next(csv, &row, err)) == 1) {
		size_t done, total;
		/* A line break inside a cell is a line feed, however the
		 * spreadsheet wrote it. */
		for (size_t i = 0; i < row.n; i++)
			unix_breaks(row.field[i]);
		if (first) {
			first = 0;
			if (pass == 1 && (rc = read_header(m, &row, err)) != 0)
				goto out;
			continue;
		}
		if (row_empty(&row))
			continue;
		if (pass == 1) {
			m->rep->rows++;
			rc = check_row(m, &row, err);
		} else {
			rc = apply_row(m, &row, note, err);
		}
		if (rc != 0)
			goto out;
		if ((row.index & 1023) == 0) {
			dbki_csv_progress(csv, &done, &total);
			dbki_progress(m->t->s, pass == 1 ? "reading" : "importing",
			    done, total);
		}
	}
	if (rc == 0 && first)
		rc = dbki_error_set(err, DBK_EINVAL,
		    "%s is empty: expected the header row of the tracking table",
		    m->path);
	if (rc < 0 && err->msg != NULL && strstr(err->msg, m->path) == NULL &&
	    strncmp(err->msg, "line ", 5) == 0) {
		char *msg = strdup(err->msg);
		int code = err->code;
		if (msg != NULL) {
			rc = dbki_error_set(err, code, "%s: %s", m->path, msg);
			free(msg);
		}
	}
out:
	free(note);
	dbki_csv_close(csv);
	return rc < 0 ? rc : 0;
}

struct import_ctx {
	const char *path;
	enum dbk_sheet_encoding enc;
	int dry_run;
	struct dbk_sheet_report *rep;
};

static int
import_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct import_ctx *x = vctx;
	struct imp m;
	int rc;

	/* A retry after the map grew starts from nothing again. */
	memset(&m, 0, sizeof m);
	memset(x->rep, 0, sizeof *x->rep);
	m.t = t;
	m.path = x->path;
	m.enc = enc_of(x->enc);
	m.now = dbki_now(t->s);
	m.rep = x->rep;
	m.cust.size = sizeof(struct cust);
	m.contact.size = sizeof(struct contact);
	m.seen.size = sizeof(struct seen);
	m.names.size = sizeof(struct named);
	m.written.size = sizeof(struct written);
	m.stages.size = sizeof(struct stagenow);
	if ((rc = each_row(&m, 1, err)) == 0 &&
	    (rc = write_customers(&m, err)) == 0 &&
	    (rc = write_contacts(&m, err)) == 0)
		rc = each_row(&m, 2, err);
	imp_free(&m);
	/* A cell may hold line breaks, and messages quote cells: keep the
	 * message one line. */
	if (rc != 0 && err != NULL && err->msg != NULL)
		for (char *p = err->msg; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
	/* A dry run ends here: the transaction is abandoned. */
	return rc == 0 && x->dry_run ? 1 : rc;
}

int
dbk_sheet_import(struct dbk_store *s, const char *path,
    enum dbk_sheet_encoding enc, int dry_run, struct dbk_sheet_report *rep,
    struct dbk_error *err)
{
	struct import_ctx x = { path, enc, dry_run, rep };
	struct stat st;
	int rc;

	/* A store grows by some 20 bytes for each byte of a tracking file
	 * (records, history, indexes, the audit trail, encryption): room
	 * for 32 spares the retries that would each redo the import. */
	if (stat(path, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size < SIZE_MAX / 32 &&
	    (rc = dbki_map_reserve(s, (size_t)st.st_size * 32, err)) != 0)
		return rc;
	rc = dbk_store_write(s, import_txn, &x, err);

	return rc == 1 && dry_run ? 0 : rc;
}
